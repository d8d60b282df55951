"""``comanaged-rcm demo``, ``report`` and ``engagement`` from the shell; reports written all or nothing."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import IO

import pytest

from comanaged_rcm import _io
from comanaged_rcm.cli import main
from comanaged_rcm.cycle import (
    CycleData,
    GovernanceReport,
    default_engagement,
    read_cycle_csv,
    render_text,
    run_cycle,
    write_report,
)
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.serialize import from_json, to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book, write_csv


@pytest.fixture(scope="module")
def book() -> SyntheticBook:
    return generate_book(seed=5, claims=3000)


@pytest.fixture(scope="module")
def exports(book: SyntheticBook, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("exports")
    paths = {
        "transactions": directory / "transactions.csv",
        "submissions": directory / "submissions.csv",
        "work_items": directory / "work_items.csv",
        "audits": directory / "audits.csv",
    }
    written = write_csv(book, directory)
    assert set(written.values()) == set(paths.values())
    engagement = directory / "engagement.json"
    engagement.write_text(to_json(default_engagement()), encoding="utf-8")
    paths["engagement"] = engagement
    return paths


def _report_args(paths: dict[str, Path], *extra: str) -> list[str]:
    return [
        "report",
        "--engagement",
        str(paths["engagement"]),
        "--submissions",
        str(paths["submissions"]),
        "--transactions",
        str(paths["transactions"]),
        "--work-items",
        str(paths["work_items"]),
        "--as-of",
        "2026-11-02",
        *extra,
    ]


class TestDemo:
    def test_prints_the_report_and_writes_files(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["demo", "--seed", "5", "--claims", "3000", "--out", str(tmp_path)]) == 0
        out = capsys.readouterr()
        for heading in (
            "1. OUTCOMES",
            "2. DRIVERS",
            "3. OPERATIONS",
            "4. QA",
            "5. ESCALATIONS",
            "6. SCOPE FINDINGS",
        ):
            assert heading in out.out
        assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.json", "report.md"]
        report = from_json((tmp_path / "report.json").read_text(encoding="utf-8"), GovernanceReport)
        assert render_text(report) + "\n" == out.out
        assert "synthetic book (seed 5, 3000 claims)" in out.out

    def test_bad_claims(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["demo", "--claims", "0"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            "comanaged-rcm demo: error: 1 validation issue: --claims must be >= 1 (got 0) @ --claims"
        ]


class TestReport:
    def test_csv_exports_give_the_same_report(
        self, book: SyntheticBook, exports: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The same tables through CSV give the same KPIs, queues and escalations."""
        assert main(_report_args(exports, "--format", "json")) == 0
        from_csv = from_json(capsys.readouterr().out, GovernanceReport)
        direct = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.end)
        assert from_csv.outcomes == direct.outcomes
        assert from_csv.drivers == direct.drivers
        assert from_csv.operations == direct.operations
        assert from_csv.escalations == direct.escalations
        assert [q.selected for q in from_csv.qa] == [q.selected for q in direct.qa]
        assert {q.passed for q in from_csv.qa} == {None}  # no QA results file given

    def test_formats(self, exports: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
        assert main(_report_args(exports, "--format", "markdown")) == 0
        assert capsys.readouterr().out.startswith("# Co-managed governance report")
        assert main(_report_args(exports)) == 0
        assert "1. OUTCOMES" in capsys.readouterr().out

    def test_audits_file(
        self,
        book: SyntheticBook,
        exports: dict[str, Path],
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """QA results from a CSV are evaluated; items never audited are left out."""
        direct = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.end)
        denials = next(q for q in direct.qa if q.workflow == "denials")
        audits = tmp_path / "audits.csv"
        audits.write_text(
            "item_id,workflow,error\n" + "".join(f"{i},denials,false\n" for i in denials.selected),
            encoding="utf-8",
        )
        assert main(_report_args(exports, "--audits", str(audits), "--format", "json")) == 0
        report = from_json(capsys.readouterr().out, GovernanceReport)
        line = next(q for q in report.qa if q.workflow == "denials")
        assert line.audited_sample == 0  # this week's selection is audited next week, not now
        assert line.passed is None

    def test_bad_row_reported_and_nothing_written(
        self, exports: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad cell is named by file, line and column; no report file is written."""
        lines = exports["submissions"].read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        cells = lines[2].split(",")
        cells[header.index("charges")] = "12x"
        lines[2] = ",".join(cells)
        bad = tmp_path / "submissions.csv"
        bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = tmp_path / "out"
        args = _report_args({**exports, "submissions": bad}, "--out", str(out))
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert "submissions.csv:3:charges" in err
        assert not out.exists()

    def test_out_directory(
        self, exports: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--out writes the three renderings; stderr names each file written."""
        out = tmp_path / "reports" / "2026-W44"
        assert main(_report_args(exports, "--out", str(out))) == 0
        err = capsys.readouterr().err
        assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
        assert f"wrote {out / 'report.json'}" in err

    def test_demo_without_out(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["demo", "--seed", "5", "--claims", "1500"]) == 0
        captured = capsys.readouterr()
        assert "1. OUTCOMES" in captured.out
        assert "wrote" not in captured.err

    def test_optional_columns_left_out(
        self, exports: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exports without the optional columns still report; what they would feed is undefined
        (DNFB without bill dates) or fails closed (a write-off with no balance still escalates)."""
        trimmed = dict(exports)
        for name, dropped in (
            ("submissions", {"carc", "team"}),
            ("work_items", {"claim_id", "balance"}),
            ("transactions", {"team", "billed_date"}),
        ):
            with exports[name].open(encoding="utf-8", newline="") as source:
                rows = list(csv.reader(source))
            keep = [i for i, header in enumerate(rows[0]) if header not in dropped]
            path = tmp_path / f"{name}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows([row[i] for i in keep] for row in rows)
            trimmed[name] = path
        assert main(_report_args(trimmed, "--format", "json")) == 0
        report = from_json(capsys.readouterr().out, GovernanceReport)
        dnfb = next(line for line in report.drivers if line.metric == "dnfb_days")
        assert dnfb.value is None
        assert "billed_date" in dnfb.reason
        write_offs = [e for e in report.escalations if e.rule == "write_off_over_limit"]
        assert write_offs
        assert {e.level for e in write_offs} == {"provider_decision_owner"}

    def test_bad_as_of(self, exports: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
        args = _report_args(exports)
        args[args.index("--as-of") + 1] = "02/11/2026"
        assert main(args) == 2
        assert "--as-of" in capsys.readouterr().err

    def test_a_refused_value_is_named_by_file_line_and_column(
        self, exports: dict[str, Path], tmp_path: Path
    ) -> None:
        """A value the book refuses after the CSV parsed (an unknown claim outcome on line 4 of
        submissions.csv) is named by file, line and column too."""
        lines = exports["submissions"].read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        cells = lines[3].split(",")
        cells[header.index("outcome")] = "won"
        lines[3] = ",".join(cells)
        bad = tmp_path / "submissions.csv"
        bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(ValidationError) as caught:
            read_cycle_csv(
                submissions=bad, transactions=exports["transactions"], work_items=exports["work_items"]
            )
        (issue,) = caught.value.issues
        assert issue.path == "submissions.csv:4:outcome"
        assert "unknown value 'won' in row 2" in issue.message

    def test_read_cycle_csv_reports_every_file(self, exports: dict[str, Path], tmp_path: Path) -> None:
        broken = tmp_path / "work_items.csv"
        broken.write_text("item_id,workflow\nW1,denials\n", encoding="utf-8")
        with pytest.raises(ValidationError) as caught:
            read_cycle_csv(
                submissions=exports["submissions"], transactions=exports["transactions"], work_items=broken
            )
        assert any("team" in issue.message or "team" in issue.path for issue in caught.value.issues)


class TestEngagementCommand:
    def test_prints_the_default(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["engagement"]) == 0
        assert json.loads(capsys.readouterr().out)["id"] == "demo-health"

    def test_check(
        self, exports: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["engagement", "--check", str(exports["engagement"])]) == 0
        assert "checks clean" in capsys.readouterr().out
        data = json.loads(exports["engagement"].read_text(encoding="utf-8"))
        data["qa"][0]["confidence"] = 2
        data["drivers"] = ["items_closed"]
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(data), encoding="utf-8")
        assert main(["engagement", "--check", str(bad)]) == 2
        err = capsys.readouterr().err
        assert "$.qa[0].confidence" in err


class TestWriteReport:
    def test_all_or_nothing(
        self, book: SyntheticBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When a write fails, no report file and no temporary file is left behind."""
        report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.end)
        real = _io.Stage.open
        calls = []

        def failing(self: _io.Stage, name: str, **kwargs: str) -> IO[str]:
            calls.append(1)
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
            return real(self, name, **kwargs)

        monkeypatch.setattr(_io.Stage, "open", failing)
        with pytest.raises(OSError, match="No space"):
            write_report(report, tmp_path)
        assert list(tmp_path.iterdir()) == []

    def test_a_failed_rename_puts_the_old_report_back(
        self, book: SyntheticBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A rename that fails half way leaves the previous report files as they were."""
        report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.end)
        for name in ("report.md", "report.html", "report.json"):
            (tmp_path / name).write_text("old", encoding="utf-8")
        (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
        real = Path.replace
        calls = []

        def failing(self: Path, target: str | os.PathLike[str]) -> Path:
            calls.append(1)
            if len(calls) == 2:
                raise OSError(5, "Input/output error")
            return real(self, target)

        monkeypatch.setattr(Path, "replace", failing)
        with pytest.raises(OSError, match="Input/output"):
            write_report(report, tmp_path)
        monkeypatch.undo()
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "notes.txt",
            "report.html",
            "report.json",
            "report.md",
        ]
        assert {
            (tmp_path / n).read_text(encoding="utf-8") for n in ("report.md", "report.html", "report.json")
        } == {"old"}

    def test_new_files_respect_the_umask(self, book: SyntheticBook, tmp_path: Path) -> None:
        """Report files get 0o666 less the umask, not a temporary file's 0o600."""
        report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.end)
        previous = os.umask(0o022)
        try:
            paths = write_report(report, tmp_path / "out")
        finally:
            os.umask(previous)
        assert {p.stat().st_mode & 0o777 for p in paths.values()} == {0o644}
