from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from comanaged_rcm import serialize
from comanaged_rcm.cli import main
from comanaged_rcm.raci import ScopeSplit, co_managed_template
from tests.raci.strategies import add_party, set_cell

T = co_managed_template()


def write(tmp_path: Path, split: ScopeSplit, name: str = "split.json") -> Path:
    path = tmp_path / name
    path.write_text(serialize.to_json(split, indent=2), encoding="utf-8")
    return path


class TestCheck:
    def test_clean_split(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A clean split prints a zero count and exits 0."""
        path = write(tmp_path, T)
        assert main(["raci", "check", str(path)]) == 0
        assert capsys.readouterr().out == f"{path}: 0 error(s), 0 warning(s)\n"

    def test_warnings_only_exit_zero(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Warnings are printed but do not fail the check."""
        path = write(tmp_path, add_party(T, "idle_clerk"))
        assert main(["raci", "check", str(path)]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out == [
            f"{path}: 0 error(s), 1 warning(s)",
            "warnings:",
            "  RACI-015 $.parties[6]: 'idle_clerk' holds no cell, right or escalation: idle",
        ]

    def test_errors_grouped_and_exit_one(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Errors come first, then warnings; any error exits 1."""
        split = set_cell(add_party(T, "idle_clerk"), "eligibility.verify", "onshore_lead", "")
        path = write(tmp_path, split)
        assert main(["raci", "check", str(path)]) == 1
        out = capsys.readouterr().out.splitlines()
        assert out[0] == f"{path}: 1 error(s), 1 warning(s)"
        assert out[1] == "errors:"
        assert out[2].startswith("  RACI-001 $.activities[0]: 'eligibility.verify' has 0 Accountable")
        assert out[3] == "warnings:"

    def test_malformed_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A malformed split is one line on stderr with every bad path, exit 2."""
        data = serialize.to_dict(T)
        data["assignments"][4]["letters"] = 5
        del data["name"]
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        assert main(["raci", "check", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("comanaged-rcm raci: error: 2 validation issues:")
        assert "@ $.assignments[4].letters" in err
        assert "required key is missing @ $.name" in err

    def test_not_json_and_missing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Broken JSON and a missing file are exit 2, never a traceback."""
        path = tmp_path / "broken.json"
        path.write_text("{", encoding="utf-8")
        assert main(["raci", "check", str(path)]) == 2
        assert "malformed JSON" in capsys.readouterr().err
        assert main(["raci", "check", str(tmp_path / "nope.json")]) == 2
        assert "nope.json" in capsys.readouterr().err


class TestOtherActions:
    def test_template_round_trips(self, capsys: pytest.CaptureFixture[str]) -> None:
        """`raci template` prints the template as JSON."""
        assert main(["raci", "template"]) == 0
        assert serialize.from_json(capsys.readouterr().out, ScopeSplit) == T

    @pytest.mark.parametrize(
        ("fmt", "start"), [("text", "Co-managed"), ("markdown", "| activity"), ("html", "<table>")]
    )
    def test_matrix(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, start: str) -> None:
        """`raci matrix` prints the table in each format."""
        assert main(["raci", "matrix", str(write(tmp_path, T)), "--format", fmt]) == 0
        assert capsys.readouterr().out.startswith(start)

    def test_diff(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """`raci diff` prints the change log."""
        old = write(tmp_path, T, "old.json")
        new = write(tmp_path, attrs.evolve(T, version=2), "new.json")
        assert main(["raci", "diff", str(old), str(new)]) == 0
        assert capsys.readouterr().out.splitlines() == [
            "v1 -> v2: 1 change(s)",
            "  meta changed: version: 1 -> 2",
        ]

    def test_action_required(self, capsys: pytest.CaptureFixture[str]) -> None:
        """`raci` alone is a usage error."""
        with pytest.raises(SystemExit) as info:
            main(["raci"])
        assert info.value.code == 2
        assert "ACTION" in capsys.readouterr().err
