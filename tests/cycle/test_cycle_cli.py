"""``comanaged-rcm demo``, ``report`` and ``engagement`` from the shell; reports written all or nothing."""

from __future__ import annotations

import csv
import datetime
import json
import os
import sqlite3
from pathlib import Path
from typing import IO

import pytest

from comanaged_rcm import _io
from comanaged_rcm.cli import main
from comanaged_rcm.cycle import (
    CycleData,
    GovernanceReport,
    default_engagement,
    open_history,
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
        "2026-11-01",
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
        direct = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
        assert from_csv.outcomes == direct.outcomes
        assert from_csv.drivers == direct.drivers
        assert from_csv.operations == direct.operations
        assert from_csv.escalations == direct.escalations
        assert [q.selected for q in from_csv.qa] == [q.selected for q in direct.qa]
        assert {q.passed for q in from_csv.qa} == {None}  # no QA results file given

    def test_as_of_is_the_last_day_counted(
        self, exports: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--as-of the week's Sunday reports that week; the Saturday after, the same week with
        the same figures; --help names the rule."""
        assert main(_report_args(exports, "--format", "json")) == 0
        sunday = from_json(capsys.readouterr().out, GovernanceReport)
        assert sunday.period.last_day == sunday.as_of == datetime.date(2026, 11, 1)
        args = _report_args(exports, "--format", "json")
        args[args.index("2026-11-01")] = "2026-11-07"
        assert main(args) == 0
        saturday = from_json(capsys.readouterr().out, GovernanceReport)
        assert (saturday.period, saturday.outcomes) == (sunday.period, sunday.outcomes)
        with pytest.raises(SystemExit):
            main(["report", "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--as-of is the last day counted (the report holds at its close" in text
        assert "a Monday-Sunday week is reported as of its Sunday or any day up to the next Saturday" in text

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
        direct = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
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
        report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
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
        report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
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
        report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
        previous = os.umask(0o022)
        try:
            paths = write_report(report, tmp_path / "out")
        finally:
            os.umask(previous)
        assert {p.stat().st_mode & 0o777 for p in paths.values()} == {0o644}


# ----------------------------------------------------------------- report --history, decide, ack
W44 = "2026-10-26"  # the week report --as-of 2026-11-02 reports on


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run a call that must fail as bad input: exit 2, one line on stderr, nothing on stdout."""
    status, out, err = _run(argv, capsys)
    assert (status, out) == (2, ""), err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err.strip()


@pytest.fixture
def db(exports: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A history with week 2026-10-26 recorded by report --history."""
    path = tmp_path / "engagement.db"
    assert main(_report_args(exports, "--history", str(path), "--format", "json")) == 0
    capsys.readouterr()
    return path


def _decide(db: Path, *extra: str) -> list[str]:
    return [
        "decide", "--history", str(db), "--decision", "write_off", "--key", "CLM-1042", "--verdict",
        "approve", "--actor", "client_rcm_director", "--at", "2026-11-03T09:30-05:00", *extra,
    ]  # fmt: skip


def _ack(db: Path, *extra: str) -> list[str]:
    return [
        "ack",
        "--history",
        str(db),
        "--key",
        "K-1",
        "--actor",
        "onshore_lead",
        "--at",
        "2026-11-03T10:00Z",
        *extra,
    ]


class TestReportHistory:
    def test_the_week_is_recorded_and_said_so(
        self, exports: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "new" / "engagement.db"
        path.parent.mkdir()
        status, out, err = _run(_report_args(exports, "--history", str(path), "--format", "json"), capsys)
        assert status == 0, err
        assert err.splitlines()[-1] == f"recorded week {W44} in {path}"
        with open_history(path, create=False) as history:
            assert [str(w) for w in history.weeks()] == [W44]
            assert f"{history.load(history.weeks()[0]).report}\n" == out

    def test_the_same_week_again_is_run_again(
        self, exports: dict[str, Path], db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        status, _, err = _run(_report_args(exports, "--history", str(db)), capsys)
        assert status == 0, err
        assert err.splitlines() == [
            (
                f"comanaged-rcm report: info: week {W44} was recorded already: run again from an empty state"
                " and recorded again @ history"
            ),
            f"recorded week {W44} in {db}",
        ]

    def test_an_earlier_week_is_refused(
        self, exports: dict[str, Path], db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        err = _error(_report_args(exports, "--history", str(db), "--as-of", "2026-10-26"), capsys)
        assert err == (
            "comanaged-rcm report: error: 1 validation issue: the report's week 2026-10-19 is before the last"
            f" recorded week {W44}: the history continues forward (report on week {W44} or later, or run"
            " without the history) @ --as-of"
        )

    def test_a_busy_history_is_refused_and_nothing_recorded(
        self, exports: dict[str, Path], db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Another writer holds the file: exit 2 with one line, the history as it was."""
        writer = sqlite3.connect(db, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            err = _error(_report_args(exports, "--history", str(db)), capsys)
            assert _error(_decide(db), capsys) == err.replace("report", "decide", 1)
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert err == (
            f"comanaged-rcm report: error: another run holds the history {str(db)!r}: it is writing now"
            " (waited 0.5 s); run again when it has finished"
        )
        with open_history(db, create=False) as history:
            assert [str(w) for w in history.weeks()] == [W44]
            assert "was recorded already" not in (history.load(history.weeks()[0]).report or "")

    def test_a_newer_file_is_refused(
        self, exports: dict[str, Path], db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        connection = sqlite3.connect(db)
        connection.execute("PRAGMA user_version = 99")
        connection.close()
        for argv in (_report_args(exports, "--history", str(db)), _decide(db), _ack(db)):
            err = _error(argv, capsys)
            assert err.endswith(
                f"the history {str(db)!r} was written by a newer comanaged-rcm (history schema 99; this one"
                " reads up to 1): upgrade comanaged-rcm to read it"
            )

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            (b"week,state\n", "not a SQLite database (file is not a database)"),
            (None, "a SQLite database of other tables (claims)"),
        ],
    )
    def test_a_foreign_file_is_refused_at_the_flag(
        self,
        exports: dict[str, Path],
        tmp_path: Path,
        content: bytes | None,
        reason: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        path = tmp_path / "other.db"
        if content is None:
            connection = sqlite3.connect(path)
            connection.execute("CREATE TABLE claims (id TEXT)")
            connection.close()
        else:
            path.write_bytes(content)
        before = path.read_bytes()
        for argv in (_report_args(exports, "--history", str(path)), _decide(path), _ack(path)):
            err = _error(argv, capsys)
            assert err.endswith(f"{str(path)!r} is not a comanaged-rcm history: {reason} @ --history"), err
        assert path.read_bytes() == before

    def test_a_monthly_engagement_is_refused_at_the_flag(
        self, exports: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        document = json.loads(exports["engagement"].read_text(encoding="utf-8"))
        document["cadence"] = {"frequency": "monthly", "week_start": "monday"}
        monthly = tmp_path / "monthly.json"
        monthly.write_text(json.dumps(document), encoding="utf-8")
        argv = _report_args({**exports, "engagement": monthly}, "--history", str(tmp_path / "h.db"))
        err = _error(argv, capsys)
        assert err.endswith(
            "a history keeps engagement weeks: the engagement's cadence is monthly (run it without a"
            " history) @ --history"
        ), err


class TestDecide:
    def test_recorded_then_already_there(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The default id is made from the content: the same call twice is one decision."""
        argv = _decide(db, "--amount", "1200", "--note", "small balance")
        status, out, err = _run(argv, capsys)
        assert (status, err) == (0, "")
        ((decision,),) = [open_history(db, create=False).decisions()]
        assert out == (
            f"recorded decision {decision.id}: approve write_off of 'CLM-1042' by 'client_rcm_director' at"
            f" 2026-11-03T09:30:00-05:00, 1,200.00 at stake (week {W44})\n"
        )
        assert decision.id.startswith("d-")
        assert len(decision.id) == 18
        assert (decision.note, decision.amount) == ("small balance", 1200.0)
        status, again, _ = _run(argv, capsys)
        assert status == 0
        assert again == out.replace("recorded decision", "already recorded, nothing changed: decision")
        status, other, _ = _run(_decide(db, "--amount", "1201"), capsys)
        assert status == 0
        assert other.split()[2] != out.split()[2]  # other content, another id
        assert len(open_history(db, create=False).decisions()) == 2

    def test_an_id_given_twice_with_other_content(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert _run(_decide(db, "--id", "d-7"), capsys)[0] == 0
        argv = _decide(db, "--id", "d-7")
        argv[argv.index("approve")] = "deny"
        err = _error(argv, capsys)
        assert err == (
            "comanaged-rcm decide: error: 1 validation issue: decision 'd-7' is already recorded"
            f" (week {W44}) with other content: the trail is never changed; record a new decision with a"
            " new id @ --id"
        )

    def test_at_defaults_to_now_in_utc(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        argv = _decide(db)
        del argv[argv.index("--at") : argv.index("--at") + 2]
        before = datetime.datetime.now(datetime.UTC)
        assert _run(argv, capsys)[0] == 0
        (decision,) = open_history(db, create=False).decisions()
        assert decision.at.utcoffset() == datetime.timedelta(0)
        assert before <= decision.at <= datetime.datetime.now(datetime.UTC)

    @pytest.mark.parametrize(
        ("change", "flag", "message"),
        [
            (("--decision", "write_of"), "--decision", "(got 'write_of') (did you mean 'write_off'?)"),
            (("--at", "2026-11-03T09:30"), "--at", "--at must say its UTC offset"),
            (("--at", "2026-11-03"), "--at", "--at must say its UTC offset"),
            (("--at", "Tuesday"), "--at", "--at must be an ISO datetime like 2026-11-24T09:30-05:00"),
            (("--at", "1800-01-01T00:00Z"), "--at", "--at must be between 1900-01-01 and 2999-12-31"),
            (("--amount", "-1"), "--amount", "'--amount' must be >= 0"),
            (("--amount", "nan"), "--amount", "--amount"),
            (("--amount", "1e400"), "--amount", "--amount"),
            (("--amount", "12x"), "--amount", "--amount must be a number like 1200"),
            (("--key", " "), "--key", "'key'"),
            (("--actor", "a\nb"), "--actor", "'actor'"),
            (("--id", ""), "--id", "'id'"),
        ],
    )
    def test_every_flag_is_checked(
        self, db: Path, change: tuple[str, str], flag: str, message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        argv = _decide(db)
        name, value = change
        if name in argv:
            argv[argv.index(name) + 1] = value
        else:
            argv += [name, value]
        err = _error(argv, capsys)
        assert err.startswith("comanaged-rcm decide: error: "), err
        assert err.endswith(f"@ {flag}"), err
        assert message in err, err
        assert open_history(db, create=False).decisions() == ()

    def test_a_verdict_outside_the_three(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        argv = _decide(db)
        argv[argv.index("approve")] = "maybe"
        status, _, err = _run(argv, capsys)
        assert status == 2
        assert "argument --verdict: invalid choice: 'maybe'" in err

    def test_no_history_yet(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        missing = tmp_path / "engagement.db"
        for argv in (_decide(missing), _ack(missing)):
            err = _error(argv, capsys)
            assert err.endswith(
                f"no history at {str(missing)!r}: run report --history {str(missing)!r} first @ --history"
            )
        assert not missing.exists()
        open_history(missing).close()  # a history without a recorded week
        for argv in (_decide(missing), _ack(missing)):
            err = _error(argv, capsys)
            assert err.endswith(
                f"the history {str(missing)!r} has no recorded week yet: run report --history first"
                " @ --history"
            )

    def test_help_names_the_rules(self, capsys: pytest.CaptureFixture[str]) -> None:
        for command in ("decide", "ack"):
            with pytest.raises(SystemExit):
                main([command, "--help"])
            text = " ".join(capsys.readouterr().out.split())
            for rule in (
                "run report --history first",
                "filed under the last one",
                "UTC offset",
                "without it, now in UTC",
                "append-only",
            ):
                assert rule in text, (command, rule)
        with pytest.raises(SystemExit):
            main(["decide", "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--id defaults to an id made from the decision's content" in text
        assert "write_off" in text
        with pytest.raises(SystemExit):
            main(["report", "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "a week before the last recorded one is refused" in text


class TestAck:
    def test_recorded_then_already_there(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        with open_history(db, create=False) as history:
            state = history.load(history.weeks()[0]).state
        firing = sorted(k for k, a in state.alerts.items() if a.status.value == "firing")
        argv = _ack(db, "--note", "on it")
        argv[argv.index("K-1")] = firing[0]
        status, out, err = _run(argv, capsys)
        assert (status, err) == (0, "")
        assert out == (
            f"recorded acknowledgement of {firing[0]!r} by 'onshore_lead' at 2026-11-03T10:00:00+00:00"
            f" (week {W44})\n"
        )
        status, again, _ = _run(argv, capsys)
        assert status == 0
        assert again == out.replace("recorded", "already recorded, nothing changed:", 1)
        argv[argv.index("on it")] = "another note"
        err = _error(argv, capsys)
        assert err.endswith("with another note: the trail is never changed @ --note"), err
        (ack,) = open_history(db, create=False).acks()
        assert (ack.key, ack.note) == (firing[0], "on it")

    def test_a_key_not_firing_is_recorded_with_a_warning(
        self, db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with open_history(db, create=False) as history:
            state = history.load(history.weeks()[0]).state
        firing = sorted(k for k, a in state.alerts.items() if a.status.value == "firing")
        typo = firing[0][:-1]
        argv = _ack(db)
        argv[argv.index("K-1")] = typo
        status, out, err = _run(argv, capsys)
        assert status == 0
        assert out.startswith("recorded acknowledgement")
        assert err == (
            f"comanaged-rcm ack: warning: no alert with the key {typo!r} was firing at the end of week {W44}"
            f" (did you mean {firing[0]!r}?); the next report --history says whether it applied\n"
        )
        assert len(open_history(db, create=False).acks()) == 1

    @pytest.mark.parametrize(
        ("change", "flag"),
        [(("--key", ""), "--key"), (("--actor", " "), "--actor"), (("--at", "2026-11-03T10:00"), "--at")],
    )
    def test_every_flag_is_checked(
        self, db: Path, change: tuple[str, str], flag: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        argv = _ack(db)
        argv[argv.index(change[0]) + 1] = change[1]
        assert _error(argv, capsys).endswith(f"@ {flag}")
        assert open_history(db, create=False).acks() == ()
