"""The sample-size and sample-eval subcommands."""

from __future__ import annotations

import pytest

from comanaged_rcm.cli import main


class TestCli:
    def test_sample_size(self, capsys: pytest.CaptureFixture[str]) -> None:
        """sample-size prints the AICPA A-1 size (93 at 95%/5%/1%) with inputs and convention."""
        assert main(["sample-size", "--confidence", "0.95", "--tolerable", "0.05", "--expected", "0.01"]) == 0
        out = capsys.readouterr().out
        assert "sample size: 93" in out
        assert "convention:" in out
        assert "inputs:" in out

    def test_sample_eval(self, capsys: pytest.CaptureFixture[str]) -> None:
        """sample-eval prints the upper limit and the conclusion (0 of 59 -> 4.95% <= 5%, accept)."""
        argv = [
            "sample-eval",
            "--n",
            "59",
            "--deviations",
            "0",
            "--confidence",
            "0.95",
            "--tolerable",
            "0.05",
        ]
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "upper limit: 0.0495" in out
        assert "accept" in out

    def test_sample_eval_no_tolerable(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without a tolerable rate there is no conclusion line."""
        assert main(["sample-eval", "--n", "59", "--deviations", "3", "--confidence", "0.95"]) == 0
        assert "conclusion" not in capsys.readouterr().out

    @pytest.mark.parametrize(
        "argv",
        [
            ["sample-size", "--confidence", "1.5", "--tolerable", "0.05"],
            ["sample-eval", "--n", "5", "--deviations", "6", "--confidence", "0.9"],
            ["sample-eval", "--n", "50", "--deviations", "1", "--confidence", "0.9", "--population", "10"],
        ],
    )
    def test_bad_args(self, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
        """Bad arguments print one error line and exit 2."""
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "error" in err
