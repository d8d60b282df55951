"""``comanaged-rcm synthetic export DIR``: CSV exports that ``report`` reads back to the demo's report."""

from __future__ import annotations

import contextlib
import io
import json
import shlex
from pathlib import Path

import pytest

from comanaged_rcm.cli import main

SEED, CLAIMS = 4, 1500


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], str]:
    """An export of a small book, the ``report`` command it printed, and its stderr."""
    directory = tmp_path_factory.mktemp("export") / "book"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert (
            main(["synthetic", "export", str(directory), "--seed", str(SEED), "--claims", str(CLAIMS)]) == 0
        )
    lines = out.getvalue().splitlines()
    assert lines[0] == "# the weekly report of this book, as 'comanaged-rcm demo' prints it:"
    assert len(lines) == 2
    words = shlex.split(lines[1])
    assert words[:2] == ["comanaged-rcm", "report"]
    return directory, words[1:], err.getvalue()


def _without_source(text: str, *, wrapped: bool = False) -> list[str]:
    """The lines of a rendering, the one naming the data source left out.

    With ``wrapped`` (the text report, which wraps at 120 columns), so are the lines it runs on
    to, up to the paragraph's end.
    """
    kept, skipping = [], False
    for line in text.splitlines():
        if "synthetic book (seed" in line or "CSV exports (" in line:
            skipping = wrapped
        elif skipping and line.strip():
            continue
        else:
            skipping = False
            kept.append(line)
    return kept


class TestSyntheticExport:
    def test_writes_every_file_and_names_it(self, exported: tuple[Path, list[str], str]) -> None:
        """The four CSVs and the engagement are written; stderr names each."""
        directory, _, err = exported
        names = ["transactions.csv", "submissions.csv", "work_items.csv", "audits.csv", "engagement.json"]
        assert sorted(p.name for p in directory.iterdir()) == sorted(names)
        assert err.splitlines() == [f"wrote {directory / name}" for name in names]

    def test_the_printed_command(self, exported: tuple[Path, list[str], str]) -> None:
        """The printed command names each file by its table's flag and the demo's as-of date."""
        directory, words, _ = exported
        assert words == [
            "report",
            "--engagement", str(directory / "engagement.json"),
            "--transactions", str(directory / "transactions.csv"),
            "--submissions", str(directory / "submissions.csv"),
            "--work-items", str(directory / "work_items.csv"),
            "--audits", str(directory / "audits.csv"),
            "--as-of", "2026-11-02",
        ]  # fmt: skip

    @pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
    def test_report_prints_the_demo_report(
        self,
        fmt: str,
        exported: tuple[Path, list[str], str],
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The printed command prints what ``demo`` prints, byte for byte but the data source line,
        and ``--out`` writes the same Markdown, HTML and JSON files."""
        _, words, _ = exported
        assert (
            main(["demo", "--seed", str(SEED), "--claims", str(CLAIMS), "--out", str(tmp_path / "demo")]) == 0
        )
        demo = capsys.readouterr().out
        assert main([*words, "--format", fmt, "--out", str(tmp_path / "report")]) == 0
        report = capsys.readouterr().out
        if fmt == "text":
            assert _without_source(report, wrapped=True) == _without_source(demo, wrapped=True)
        for name in ("report.md", "report.html", "report.json"):
            ours = (tmp_path / "report" / name).read_text(encoding="utf-8")
            theirs = (tmp_path / "demo" / name).read_text(encoding="utf-8")
            assert _without_source(ours) == _without_source(theirs), name
            assert len(ours.splitlines()) == len(theirs.splitlines()), name
            assert ours != theirs  # the source line differs, and only it
        qa = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))["qa"]
        assert None not in [line["passed"] for line in qa]  # audits.csv evaluated every workflow

    def test_bad_claims_writes_nothing(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--claims below 1 is refused at the flag; DIR is not created."""
        assert main(["synthetic", "export", str(tmp_path / "out"), "--claims", "0"]) == 2
        assert capsys.readouterr().err == (
            "comanaged-rcm synthetic: error: 1 validation issue: --claims must be >= 1 (got 0) @ --claims\n"
        )
        assert not (tmp_path / "out").exists()

    def test_an_action_is_required(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``synthetic`` alone is a usage error (exit 2), listing the action."""
        with pytest.raises(SystemExit) as exit_:
            main(["synthetic"])
        assert exit_.value.code == 2
        assert "the following arguments are required: ACTION" in capsys.readouterr().err
