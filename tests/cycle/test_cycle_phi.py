"""Columns beyond the schema (patient names, notes: PHI) never reach any output of report, kpi or
escalate run; a column the map keeps is used only as the slice dimension it was kept for."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from comanaged_rcm.cli import main
from comanaged_rcm.cycle import default_engagement
from comanaged_rcm.serialize import to_json
from comanaged_rcm.synthetic import generate_book, write_csv

NAME, NOTE = "Zelda Quuxworth", "called re: HIV test"
SECRETS = (NAME, NOTE, "Quuxworth", "HIV")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The book's exports, each with a patient_name and a notes column of distinctive values."""
    directory = tmp_path_factory.mktemp("phi")
    paths = write_csv(generate_book(seed=5, claims=1500), directory / "clean")
    out: dict[str, Path] = {}
    for table, path in paths.items():
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        target = directory / f"{table}.csv"
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["patient_name", *rows[0], "notes"])
            writer.writerows([f"{NAME} {i % 7}", *row, NOTE] for i, row in enumerate(rows[1:]))
        out[table] = target
    out["engagement"] = directory / "engagement.json"
    out["engagement"].write_text(to_json(default_engagement()), encoding="utf-8")
    keep = {"tables": {"transactions": {"keep": ["patient_name"]}}}
    out["map"] = directory / "map.json"
    out["map"].write_text(json.dumps(keep), encoding="utf-8")
    return out


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def _report(files: dict[str, Path], *extra: str) -> list[str]:
    return [
        "report", "--engagement", str(files["engagement"]), "--transactions", str(files["transactions"]),
        "--submissions", str(files["submissions"]), "--work-items", str(files["work_items"]),
        "--audits", str(files["audits"]), "--as-of", "2026-11-02", *extra,
    ]  # fmt: skip


class TestNothingLeaks:
    @pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
    def test_report_every_format_and_file(
        self, fmt: str, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main([*_report(files, "--format", fmt, "--out", str(tmp_path))]) == 0
        captured = capsys.readouterr()
        _clean(captured.out + captured.err)
        assert "net_collection_rate" in captured.out or "Net collection rate" in captured.out
        for path in tmp_path.iterdir():
            _clean(path.read_text(encoding="utf-8"))

    def test_report_with_a_map_that_keeps_one(
        self, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Kept for slicing, patient_name still appears in no report: the report does not slice by it."""
        assert main([*_report(files, "--map", str(files["map"]), "--out", str(tmp_path))]) == 0
        captured = capsys.readouterr()
        _clean(captured.out + captured.err)
        for path in tmp_path.iterdir():
            _clean(path.read_text(encoding="utf-8"))

    @pytest.mark.parametrize("fmt", ["text", "markdown"])
    def test_kpi(self, fmt: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
        argv = [
            "kpi", "--transactions", str(files["transactions"]), "--submissions", str(files["submissions"]),
            "--work-items", str(files["work_items"]), "--from", "2026-10-01", "--to", "2026-11-02",
            "--by", "payer", "--format", fmt,
        ]  # fmt: skip
        assert main(argv) == 0
        captured = capsys.readouterr()
        _clean(captured.out + captured.err)

    def test_kpi_kept_column_is_only_a_dimension(
        self, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Kept by the map, patient_name slices the ledger's KPIs; the notes column is still dropped."""
        base = [
            "kpi",
            "--transactions",
            str(files["transactions"]),
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-02",
        ]
        assert main([*base, "--map", str(files["map"]), "--metrics", "net_collection_rate"]) == 0
        _clean(capsys.readouterr().out)
        argv = [*base, "--map", str(files["map"]), "--by", "patient_name", "--metrics", "net_collection_rate"]
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert f"{NAME} 0" in out  # the dimension's values are its slice keys
        assert NOTE not in out
        assert "HIV" not in out

    @pytest.mark.parametrize("fmt", ["text", "json"])
    def test_escalate_run(self, fmt: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
        argv = [
            "escalate", "run", "--default-rules", "--records", str(files["work_items"]),
            "--now", "2026-11-02T09:00", "--format", fmt,
        ]  # fmt: skip
        assert main(argv) == 0
        captured = capsys.readouterr()
        assert captured.out if fmt == "text" else not captured.err
        _clean(captured.out + captured.err)
