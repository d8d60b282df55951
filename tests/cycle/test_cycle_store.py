"""The engagement history store: what it keeps, its schema, one writer, crash safety, the log."""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm import sampling, serialize
from comanaged_rcm.cycle._store import (
    _MIGRATIONS,
    HISTORY_SCHEMA_VERSION,
    Acknowledgement,
    Decision,
    HistoryBusyError,
    HistoryStore,
    HistoryVersionError,
    Snapshot,
    SQLiteHistory,
    Verdict,
    _migrate,
    _transaction,
    open_history,
)
from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.escalation import Alert, AlertStatus, Level, Silence, State

UTC = datetime.UTC
NEW_YORK = datetime.timezone(datetime.timedelta(hours=-5))
W1 = datetime.date(2026, 11, 16)  # a Monday
W2 = datetime.date(2026, 11, 23)
W3 = datetime.date(2026, 11, 30)
REPO = Path(__file__).resolve().parents[2]


def at(day: int, hour: int = 9, minute: int = 0, tz: datetime.tzinfo = UTC) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=tz)


def alert(claim: str, since: datetime.datetime) -> Alert:
    return Alert(
        key=f"denial_untouched:{claim}",
        rule="denial_untouched",
        rule_version=1,
        rule_hash="abc123",
        labels={"claim_id": claim, "decision": "appeal_strategy"},
        status=AlertStatus.FIRING,
        since=since,
        active_since=since,
        level=Level.ONSHORE_LEAD,
        owner="onshore_lead",
        deadline=datetime.date(2026, 11, 25),
    )


def silence(n: int) -> Silence:
    return Silence(
        id=f"s{n}",
        author="onshore_lead",
        reason="payer outage",
        created=at(17),
        expires=at(28),
        matchers={"payer": f"P{n}"},
    )


def decision(n: int, when: datetime.datetime, **changes: Any) -> Decision:
    made = Decision(
        id=f"d-{n}",
        decision="write_off",
        key=f"CLM-{n}",
        verdict=Verdict.APPROVE,
        actor="client_rcm_director",
        at=when,
        note="small balance\nper policy 4.2",
        amount=1200.5,
    )
    return attrs.evolve(made, **changes)


def ack(key: str, when: datetime.datetime, note: str = "") -> Acknowledgement:
    return Acknowledgement(key=key, actor="onshore_lead", at=when, note=note)


def snapshot(silences: int = 2, **changes: Any) -> Snapshot:
    """A week with alerts, silences, a selection and audit results of every kind, and a report."""
    alerts = {a.key: a for a in (alert("C1", at(17)), alert("C2", at(18)))}
    state = State(alerts=alerts, silences=tuple(silence(n) for n in range(silences)), sequence=7)
    selection = sampling.select([f"CLM-{i}" for i in range(200)], 12, 20261116)
    monetary = sampling.mus_select([100.0, 250.0, 900.0, 40.0, 75.0, 3000.0], 3, 5)
    made = Snapshot(
        state=state,
        decisions=(decision(1, at(17)),),
        acks=(ack("denial_untouched:C1", at(17, 11)),),
        selections={"denials": selection, "write_off_approval": monetary},
        results={
            "denials": sampling.attribute_upper_limit(60, 1, 0.95, tolerable_rate=0.05),
            "coding": sampling.bayesian_evaluate(50, 1),
            "payment_posting": sampling.monetary_upper_limit(50, [0.1], 0.95),
            "write_off_approval": sampling.mus_evaluate([100.0, 200.0], [100.0, 150.0]),
        },
        report='{"headline": "2 decisions waiting", "week": "2026-11-16"}',
    )
    return attrs.evolve(made, **changes)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "engagement.db"


def refused(call: object, path: str) -> str:
    """Run ``call``; it raises one ValidationError at ``path``; return the message."""
    with pytest.raises(ValidationError) as info:
        call()  # type: ignore[operator]
    (issue,) = info.value.issues
    assert issue.path == path, str(info.value)
    return issue.message


# --------------------------------------------------------------------------------------- models
class TestRecords:
    def test_decision_normal_form(self) -> None:
        """An amount becomes a float; the note may span lines; every field is kept."""
        made = decision(1, at(17), amount=500)
        assert made.amount == 500.0
        assert type(made.amount) is float
        assert made.note == "small balance\nper policy 4.2"
        assert serialize.from_json(serialize.to_json(made), Decision) == made
        assert decision(2, at(17), amount=None).amount is None

    @pytest.mark.parametrize(
        ("changes", "path"),
        [
            ({"at": datetime.datetime(2026, 11, 17, 9)}, "$.at"),  # noqa: DTZ001 - naive on purpose
            ({"at": datetime.date(2026, 11, 17)}, "$.at"),
            (
                {"at": datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=5)))},
                "$.at",
            ),
            ({"amount": -0.01}, "$.amount"),
            ({"amount": float("nan")}, "$.amount"),
            ({"verdict": "approve"}, "$.verdict"),
            ({"id": ""}, "$.id"),
            ({"key": "a\x00"}, "$.key"),
            ({"note": "a\u202eb"}, "$.note"),
        ],
    )
    def test_decision_refuses(self, changes: dict[str, object], path: str) -> None:
        """Naive or pre-UTC moments, negative or NaN amounts, a verdict as text, bad text: refused."""
        refused(lambda: decision(1, at(17), **changes), path)

    def test_naive_moment_message(self) -> None:
        """The message says a time zone is needed."""
        naive = datetime.datetime(2026, 11, 17, 9)  # noqa: DTZ001 - naive on purpose
        message = refused(lambda: ack("k", naive), "$.at")
        assert (
            message == "'at' must be a time-zone aware datetime (got datetime.datetime(2026, 11, 17, 9, 0))"
        )

    def test_a_mapping_that_cannot_be_read(self) -> None:
        """Selections whose items raise are refused at $.selections, not with their own error."""

        class Broken(dict[str, Any]):
            def items(self) -> Any:
                raise KeyError("boom")

        assert "mapping of workflow" in refused(lambda: Snapshot(selections=Broken()), "$.selections")

    def test_snapshot_repr(self) -> None:
        """The repr counts what the week holds and names its workflows."""
        assert repr(snapshot()) == (
            "Snapshot(2 alerts, 2 silences, 1 decisions, 1 acks, selections ('denials', "
            "'write_off_approval'), results ('coding', 'denials', 'payment_posting', 'write_off_approval'), "
            "report of 57 characters)"
        )
        assert repr(Snapshot()).endswith("selections (), results (), no report)")

    def test_snapshot_checks_what_it_keeps(self) -> None:
        """Selections and results of the sampling kinds only; the report is strict JSON text."""
        assert snapshot().silences == snapshot().state.silences
        assert list(snapshot().results) == ["coding", "denials", "payment_posting", "write_off_approval"]
        message = refused(lambda: Snapshot(selections={"denials": "CLM-1"}), "$.selections['denials']")
        assert "Selection or MonetarySelection" in message
        refused(lambda: Snapshot(results={"denials": sampling.select(["a"], 1, 1)}), "$.results['denials']")
        refused(lambda: Snapshot(results=[("denials", 1)]), "$.results")
        refused(lambda: Snapshot(selections={"": sampling.select(["a"], 1, 1)}), "$.selections['']")
        assert "malformed JSON" in refused(lambda: Snapshot(report="{'a': 1}"), "$.report")
        assert "NaN" in refused(lambda: Snapshot(report='{"a": NaN}'), "$.report")
        assert "lone surrogate" in refused(lambda: Snapshot(report='"\ud800"'), "$.report")
        refused(lambda: Snapshot(report={"a": 1}), "$.report")  # type: ignore[arg-type]
        refused(lambda: Snapshot(state={}), "$.state")  # type: ignore[arg-type]
        refused(lambda: Snapshot(decisions=[ack("k", at(17))]), "$.decisions[0]")


# ------------------------------------------------------------------------------------ the store
class TestWeeks:
    def test_round_trip_of_everything_kept(self, db: Path) -> None:
        """A recorded week loads back equal: state with its silences, log, selections, results, report."""
        kept = snapshot()
        with open_history(db) as history:
            assert history.last_week() is None
            assert history.weeks() == ()
            history.record_week(W1, kept)
            assert history.last_week() == W1
            loaded = history.load(W1)
        assert loaded == kept
        assert loaded.state == kept.state
        assert loaded.silences == kept.silences
        assert dict(loaded.selections) == dict(kept.selections)
        assert dict(loaded.results) == dict(kept.results)
        assert repr(SQLiteHistory(db)) == f"SQLiteHistory({str(db)!r})"

    def test_an_empty_week(self, db: Path) -> None:
        """A week with nothing but an empty state loads as the empty snapshot."""
        with open_history(db) as history:
            history.record_week(W1, Snapshot())
            assert history.load(W1) == Snapshot()

    def test_weeks_continue_forward_on_one_weekday(self, db: Path) -> None:
        """After the last week only, on the first week's weekday; the last again only with replace."""
        history = open_history(db)
        history.record_week(W1, snapshot())
        message = refused(lambda: history.record_week(W1, snapshot()), "$.week")
        assert (
            message == "week 2026-11-16 is already recorded: pass replace=True to record the last week again"
        )
        history.record_week(W3, snapshot())  # a skipped week is fine
        message = refused(lambda: history.record_week(W2, snapshot()), "$.week")
        assert (
            message
            == "the history continues forward: week 2026-11-23 is before the last recorded week 2026-11-30"
        )
        sunday = W3 + datetime.timedelta(days=6)
        message = refused(lambda: history.record_week(sunday, snapshot()), "$.week")
        assert message == (
            "the history's weeks start on a Monday (first 2026-11-16, last 2026-11-30); "
            "week 2026-12-06 is a Sunday: give the week's first day"
        )
        refused(lambda: history.record_week(W1, snapshot(), replace=True), "$.week")
        assert history.weeks() == (W1, W3)

    def test_replace_rewrites_the_week_but_not_the_log(self, db: Path) -> None:
        """The last week again: its parts are replaced, its decisions and acks stay, new ones append."""
        history = open_history(db)
        history.record_week(W1, snapshot(silences=3))
        again = snapshot(
            silences=1,
            selections={},
            results={},
            report=None,
            decisions=(decision(2, at(18)),),
            acks=(),
        )
        history.record_week(W1, again, replace=True)
        loaded = history.load(W1)
        assert loaded.silences == (silence(0),)
        assert loaded.selections == {}
        assert loaded.results == {}
        assert loaded.report is None
        assert [d.id for d in loaded.decisions] == ["d-1", "d-2"]
        assert loaded.acks == snapshot().acks

    def test_loading_an_unrecorded_week(self, db: Path) -> None:
        """The message lists what is recorded."""
        history = open_history(db)
        assert (
            refused(lambda: history.load(W1), "$.week")
            == "no week 2026-11-16 in the history (no week is recorded)"
        )
        history.record_week(W1, Snapshot())
        history.record_week(W2, Snapshot())
        assert refused(lambda: history.load(W3), "$.week") == (
            "no week 2026-11-30 in the history (recorded: 2026-11-16 .. 2026-11-23, 2 week(s))"
        )

    def test_bad_arguments(self, db: Path) -> None:
        """Each argument is checked and named."""
        history = open_history(db)
        refused(
            lambda: history.record_week(datetime.datetime(2026, 11, 16, tzinfo=UTC), Snapshot()), "$.week"
        )
        refused(lambda: history.record_week(W1, snapshot().state), "$.snapshot")  # type: ignore[arg-type]
        refused(lambda: history.record_week(W1, Snapshot(), replace=1), "$.replace")  # type: ignore[arg-type]
        refused(lambda: history.load("2026-11-16"), "$.week")  # type: ignore[arg-type]
        refused(lambda: history.decisions(since=datetime.datetime(2026, 11, 16)), "$.since")  # noqa: DTZ001
        refused(lambda: history.acks(since=W1), "$.since")  # type: ignore[arg-type]
        assert history.weeks() == ()


class TestLog:
    def test_decisions_are_filed_under_a_recorded_week(self, db: Path) -> None:
        """A decision answers a recorded week's report; an unknown week is refused."""
        history = open_history(db)
        message = refused(lambda: history.record_decision(decision(5, at(24)), week=W2), "$.week")
        assert message == "no week 2026-11-23 in the history (no week is recorded)"
        history.record_week(W1, snapshot())
        assert history.record_decision(decision(5, at(24)), week=W1) is True
        assert [d.id for d in history.load(W1).decisions] == ["d-1", "d-5"]

    def test_the_same_decision_twice_is_kept_once(self, db: Path) -> None:
        """Recording a decision again changes nothing; the same id with other content is refused."""
        history = open_history(db)
        history.record_week(W1, snapshot())
        assert history.record_decision(decision(1, at(17)), week=W1) is False
        changed = decision(1, at(17), verdict=Verdict.DENY)
        message = refused(lambda: history.record_decision(changed, week=W1), "$.decision")
        assert message == (
            "decision 'd-1' is already recorded (week 2026-11-16) with other content: "
            "the trail is never changed; record a new decision with a new id"
        )
        again = snapshot(decisions=(decision(2, at(18)), changed))
        assert refused(lambda: history.record_week(W2, again), "$.snapshot.decisions[1]").startswith(
            "decision 'd-1'"
        )
        assert history.weeks() == (W1,)  # the refused week left nothing behind
        assert [d.id for d in history.decisions()] == ["d-1"]

    def test_decisions_since_an_aware_moment(self, db: Path) -> None:
        """``since`` is inclusive, compared as instants (any offset), oldest first."""
        history = open_history(db)
        history.record_week(W1, Snapshot())
        early = decision(1, at(18, 14, tz=UTC))  # 14:00 UTC
        late = decision(2, at(18, 10, tz=NEW_YORK))  # 15:00 UTC, written in New York time
        middle = decision(3, at(18, 14, 30))
        for made in (early, late, middle):
            history.record_decision(made, week=W1)
        assert history.decisions() == (early, middle, late)
        assert history.decisions(since=at(18, 14, 30)) == (middle, late)
        assert history.decisions(since=at(18, 14, 30) + datetime.timedelta(microseconds=1)) == (late,)
        assert history.decisions(since=at(18, 10, tz=NEW_YORK)) == (late,)
        assert history.decisions(since=at(19)) == ()

    def test_acknowledgements(self, db: Path) -> None:
        """Acks: filed under a week, kept once, another note for the same moment refused, since inclusive."""
        history = open_history(db)
        history.record_week(W1, snapshot())
        first = snapshot().acks[0]
        assert history.record_ack(first, week=W1) is False
        later = ack("denial_untouched:C2", at(18, 8))
        assert history.record_ack(later, week=W1) is True
        message = refused(lambda: history.record_ack(attrs.evolve(later, note="other"), week=W1), "$.ack")
        assert message == (
            "'onshore_lead' already acknowledged 'denial_untouched:C2' at 2026-11-18T08:00:00+00:00 "
            "(week 2026-11-16) with another note: the trail is never changed"
        )
        assert history.acks() == (first, later)
        assert history.acks(since=at(18, 8)) == (later,)
        assert history.load(W1).acks == (first, later)
        refused(lambda: history.record_ack(decision(1, at(17)), week=W1), "$.ack")  # type: ignore[arg-type]
        refused(lambda: history.record_decision(first, week=W1), "$.decision")  # type: ignore[arg-type]

    @pytest.mark.parametrize("table", ["decisions", "acknowledgements"])
    @pytest.mark.parametrize(
        ("statement", "verb"),
        [("UPDATE {table} SET actor = 'someone else'", "updated"), ("DELETE FROM {table}", "deleted")],
    )
    def test_triggers_keep_the_trail_append_only(
        self, db: Path, table: str, statement: str, verb: str
    ) -> None:
        """Any UPDATE or DELETE of a recorded decision or acknowledgement aborts, whoever runs the SQL."""
        open_history(db).record_week(W1, snapshot())
        connection = sqlite3.connect(db)
        try:
            with pytest.raises(
                sqlite3.DatabaseError, match=f"{table} are append-only: a recorded row is never {verb}"
            ):
                connection.execute(statement.format(table=table))
            assert connection.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)  # noqa: S608
        finally:
            connection.close()
        assert open_history(db).load(W1) == snapshot()


# ------------------------------------------------------------------------------ file and schema
class TestFile:
    def test_the_schema_is_stamped(self, db: Path) -> None:
        """A new file carries the schema version and the library's application id."""
        open_history(db)
        connection = sqlite3.connect(db)
        try:
            assert connection.execute("PRAGMA user_version").fetchone() == (HISTORY_SCHEMA_VERSION,)
            assert connection.execute("PRAGMA application_id").fetchone() == (0x52434D48,)
            tables = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            connection.close()
        assert {"weeks", "silences", "selections", "results", "decisions", "acknowledgements"} <= tables
        assert HISTORY_SCHEMA_VERSION == len(_MIGRATIONS) == 1

    def test_a_newer_file_is_refused(self, db: Path) -> None:
        """A file from a newer library is a HistoryVersionError (also a ValueError) saying to upgrade."""
        open_history(db)
        with sqlite3.connect(db) as connection:
            connection.execute("PRAGMA user_version = 2")
        connection.close()
        with pytest.raises(HistoryVersionError) as info:
            open_history(db)
        assert str(info.value) == (
            f"the history {str(db)!r} was written by a newer comanaged-rcm (history schema 2; "
            "this one reads up to 1): upgrade comanaged-rcm to read it"
        )
        assert isinstance(info.value, RCMError)
        assert isinstance(info.value, ValueError)

    def test_a_file_migrated_under_an_open_store(self, db: Path) -> None:
        """A store opened before a newer run migrated the file refuses to use it."""
        history = open_history(db)
        with sqlite3.connect(db) as connection:
            connection.execute("PRAGMA user_version = 2")
        connection.close()
        with pytest.raises(HistoryVersionError):
            history.last_week()

    def test_not_a_database(self, db: Path) -> None:
        """A text file is a ValidationError at $.path naming it."""
        db.write_text("week,state\n2026-11-16,{}\n", encoding="utf-8")
        message = refused(lambda: open_history(db), "$.path")
        assert (
            message
            == f"{str(db)!r} is not a comanaged-rcm history: not a SQLite database (file is not a database)"
        )

    def test_another_programs_database(self, db: Path) -> None:
        """A SQLite file with other tables, or another application id, is refused and left alone."""
        with sqlite3.connect(db) as connection:
            connection.execute("CREATE TABLE patients (name TEXT)")
        connection.close()
        message = refused(lambda: open_history(db), "$.path")
        assert (
            message
            == f"{str(db)!r} is not a comanaged-rcm history: a SQLite database of other tables (patients)"
        )
        other = db.with_name("other.db")
        with sqlite3.connect(other) as connection:
            connection.execute("PRAGMA user_version = 1")
            connection.execute("PRAGMA application_id = 7")
        connection.close()
        message = refused(lambda: open_history(other), "$.path")
        assert message.endswith("another program's SQLite database (application id 7)")
        with sqlite3.connect(db) as connection:
            assert connection.execute("PRAGMA user_version").fetchone() == (0,)
        connection.close()

    def test_an_empty_file_becomes_a_history(self, db: Path) -> None:
        """A zero-byte file is an empty SQLite database: it is set up."""
        db.write_bytes(b"")
        assert open_history(db).weeks() == ()

    def test_missing_files_and_bad_paths(self, tmp_path: Path, db: Path) -> None:
        """create=False refuses a missing file; a directory or a NUL path is refused at $.path."""
        message = refused(lambda: open_history(db, create=False), "$.path")
        assert message == f"no history at {str(db)!r} (open it with create=True to start one)"
        assert not db.exists()
        assert "cannot" in refused(lambda: open_history(tmp_path), "$.path")
        assert "cannot" in refused(lambda: open_history(tmp_path / "no" / "such.db"), "$.path")
        refused(lambda: open_history("a\0b"), "$.path")
        refused(lambda: open_history(db, create="yes"), "$.create")  # type: ignore[arg-type]
        refused(lambda: open_history(db, timeout=-1), "$.timeout")
        open_history(db)
        assert open_history(db, create=False).weeks() == ()

    def test_a_closed_history_refuses_calls(self, db: Path) -> None:
        """After the with block the store is closed."""
        with open_history(db) as history:
            history.record_week(W1, Snapshot())
        with pytest.raises(RCMError, match="is closed"):
            history.last_week()

    def test_a_tampered_row_names_itself(self, db: Path) -> None:
        """A stored row that no longer fits its model is an error naming the file, table and row."""
        open_history(db).record_week(W1, snapshot())
        with sqlite3.connect(db) as connection:
            connection.execute("UPDATE weeks SET state = '{\"alerts\": 3}'")
            connection.execute("UPDATE results SET kind = 'Mystery' WHERE workflow = 'coding'")
        connection.close()
        with pytest.raises(ValidationError) as info:
            open_history(db).load(W1)
        assert str(info.value).endswith(f"unknown result kind 'Mystery' @ {db}:results[2026-11-16][coding]")
        with sqlite3.connect(db) as connection:
            connection.execute("DELETE FROM results WHERE workflow = 'coding'")
        connection.close()
        with pytest.raises(ValidationError) as info:
            open_history(db).load(W1)
        assert [i.path for i in info.value.issues] == [f"{db}:weeks[2026-11-16].state.alerts"]


class TestLocks:
    """Two connections of one process contend for the file exactly as two processes do."""

    def test_a_reader_waits_out_an_exclusive_writer_then_is_refused(self, db: Path) -> None:
        """While another connection holds the file exclusively, a read is refused after the timeout."""
        history = open_history(db, timeout=0.05)
        history.record_week(W1, Snapshot())
        other = sqlite3.connect(db, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            with pytest.raises(HistoryBusyError, match="another run holds the history"):
                history.last_week()
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert history.last_week() == W1

    def test_a_commit_held_up_by_a_reader_is_refused_and_rolled_back(self, db: Path) -> None:
        """A writer that cannot commit past a reader's lock writes nothing and says so."""
        history = open_history(db, timeout=0.05)
        history.record_week(W1, Snapshot())
        reader = sqlite3.connect(db, isolation_level=None)
        try:
            reader.execute("BEGIN")
            assert reader.execute("SELECT count(*) FROM weeks").fetchall() == [(1,)]  # holds a shared lock
            with pytest.raises(HistoryBusyError):
                history.record_decision(decision(1, at(17)), week=W1)
        finally:
            reader.execute("COMMIT")
            reader.close()
        assert history.decisions() == ()
        assert history.record_decision(decision(1, at(17)), week=W1) is True

    def test_other_database_errors_stay_errors(self) -> None:
        """A failure that is not a lock is raised as it is, at BEGIN and at COMMIT."""

        class Failing:
            def __init__(self, failing: str) -> None:
                self.failing = failing
                self.run: list[str] = []

            def execute(self, statement: str) -> None:
                self.run.append(statement)
                if statement.startswith(self.failing):
                    raise sqlite3.OperationalError("disk I/O error")

        for failing, expected in (
            ("BEGIN", ["BEGIN IMMEDIATE"]),
            ("COMMIT", ["BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"]),
        ):
            connection = Failing(failing)
            with (
                pytest.raises(sqlite3.OperationalError, match="disk I/O error"),
                _transaction(connection, "h.db", 0.1, write=True),  # type: ignore[arg-type]
            ):
                pass
            assert connection.run == expected

    def test_the_schema_changed_under_an_open_store(self, db: Path) -> None:
        """A file set back to an older schema, or stripped of its tables, is refused naming it."""
        history = open_history(db)
        assert history.path == str(db)
        with sqlite3.connect(db) as connection:
            connection.execute("DROP TABLE acknowledgements")
        connection.close()
        message = refused(history.acks, "$.path")
        assert message == f"cannot use the history {str(db)!r} (no such table: acknowledgements)"
        with sqlite3.connect(db) as connection:
            connection.execute("PRAGMA user_version = 0")
        connection.close()
        message = refused(history.weeks, "$.path")
        assert (
            message
            == f"{str(db)!r} is not a comanaged-rcm history: its schema is version 0 (reopen it to migrate)"
        )


class TestMigrations:
    STEPS = (
        ("CREATE TABLE a (x INTEGER)", "INSERT INTO a VALUES (1)"),
        ("CREATE TABLE b (y INTEGER)",),
    )

    def _open(self, path: Path) -> sqlite3.Connection:
        return sqlite3.connect(path, isolation_level=None)

    def test_pending_steps_run_in_order_once(self, tmp_path: Path) -> None:
        """From 0 every step runs; from 1 only the second; at the end user_version is their count."""
        path = tmp_path / "m.db"
        connection = self._open(path)
        try:
            _migrate(connection, str(path), 0.1, self.STEPS[:1])
            assert connection.execute("PRAGMA user_version").fetchone() == (1,)
            connection.execute("PRAGMA application_id = 1380142408")
            _migrate(connection, str(path), 0.1, self.STEPS)
            assert connection.execute("PRAGMA user_version").fetchone() == (2,)
            assert connection.execute("SELECT count(*) FROM a").fetchone() == (1,)  # step 1 ran once
            _migrate(connection, str(path), 0.1, self.STEPS)  # nothing pending: nothing runs
            assert connection.execute("SELECT count(*) FROM a").fetchone() == (1,)
        finally:
            connection.close()

    def test_a_newer_run_migrating_first_is_noticed(self, tmp_path: Path) -> None:
        """The version is read again under the write lock: a newer run's migration is refused, not redone."""
        path = tmp_path / "m.db"
        real = self._open(path)

        class Racing:
            """Reports version 0, then (under the lock) the version a newer run just wrote."""

            def __init__(self) -> None:
                self.versions = [(0,), (3,)]

            def execute(self, statement: str, parameters: tuple[object, ...] = ()) -> Any:
                if statement == "PRAGMA user_version":
                    return real.execute("SELECT ?", self.versions.pop(0))
                return real.execute(statement, parameters)

        try:
            with pytest.raises(HistoryVersionError, match="history schema 3; this one reads up to 2"):
                _migrate(Racing(), str(path), 0.1, self.STEPS)  # type: ignore[arg-type]
            assert real.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
        finally:
            real.close()

    def test_a_failing_step_leaves_the_file_as_it_was(self, tmp_path: Path) -> None:
        """All pending steps are one transaction: a failure in the second undoes the first."""
        path = tmp_path / "m.db"
        broken = (*self.STEPS, ("CREATE TABLE a (again INTEGER)",))
        connection = self._open(path)
        try:
            with pytest.raises(sqlite3.OperationalError, match="already exists"):
                _migrate(connection, str(path), 0.1, broken)
            assert connection.execute("PRAGMA user_version").fetchone() == (0,)
            assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
        finally:
            connection.close()


# -------------------------------------------------------------------------- two processes at once
_CHILD = textwrap.dedent(
    """
    import datetime, sys
    from comanaged_rcm.cycle._store import SQLiteHistory, Snapshot
    from comanaged_rcm.escalation import Silence, State

    path, pause_at = sys.argv[1], int(sys.argv[2])
    utc = datetime.UTC


    class Pausing(SQLiteHistory):
        def _connect(self):
            connection = super()._connect()
            rows = 0

            def trace(statement):
                nonlocal rows
                if statement.startswith("INSERT INTO silences"):
                    rows += 1
                    if rows == pause_at:  # mid-transaction: tell the parent, then wait for it
                        print("writing", flush=True)
                        sys.stdin.readline()

            connection.set_trace_callback(trace)
            return connection


    created = datetime.datetime(2026, 11, 24, 9, tzinfo=utc)
    silences = tuple(
        Silence(id=f"s{n}", author="lead", reason="outage", created=created,
                expires=created + datetime.timedelta(days=3))
        for n in range(500)
    )
    history = Pausing(path, timeout=0.2)
    history.record_week(datetime.date(2026, 11, 23), Snapshot(state=State(silences=silences), report="{}"))
    print("done", flush=True)
    """
)


def _start_writer(db: Path, pause_at: int) -> subprocess.Popen[str]:
    """A second process that records week 2 and stops in the middle of its transaction."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    child = subprocess.Popen(  # noqa: S603 - this interpreter on a fixed script
        [sys.executable, "-c", _CHILD, str(db), str(pause_at)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "writing\n"  # blocks until the child is mid-write
    return child


class TestTwoProcesses:
    def test_a_second_writer_is_refused_cleanly(self, db: Path) -> None:
        """While another process writes, a write is refused at once (no hang); reads still work."""
        history = open_history(db, timeout=0.1)
        history.record_week(W1, snapshot())
        child = _start_writer(db, pause_at=100)
        try:
            with pytest.raises(HistoryBusyError) as info:
                history.record_decision(decision(9, at(24)), week=W1)
            assert str(info.value) == (
                f"another run holds the history {str(db)!r}: it is writing now (waited 0.1 s); "
                "run again when it has finished"
            )
            assert isinstance(info.value, RCMError)
            assert history.last_week() == W1  # a reader sees the last committed state
        finally:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
            out, _ = child.communicate(timeout=60)
        assert out == "done\n"
        assert child.returncode == 0
        assert history.weeks() == (W1, W2)
        assert len(history.load(W2).silences) == 500
        assert history.record_decision(decision(9, at(24)), week=W2) is True

    def test_a_run_killed_mid_write_leaves_last_week_whole(self, db: Path) -> None:
        """SIGKILL in the middle of a week's transaction: last week intact, the partial week absent."""
        kept = snapshot()
        open_history(db).record_week(W1, kept)
        child = _start_writer(db, pause_at=250)
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=60)
        assert child.returncode == -signal.SIGKILL
        assert db.with_name(db.name + "-journal").exists()  # the kill landed inside the transaction
        history = open_history(db)
        assert history.weeks() == (W1,)
        assert history.load(W1) == kept
        connection = sqlite3.connect(db)
        try:
            assert connection.execute("SELECT count(*) FROM silences").fetchone() == (2,)
        finally:
            connection.close()
        history.record_week(W2, Snapshot(report="{}"))  # the next run continues
        assert history.weeks() == (W1, W2)


# ------------------------------------------------------------------------------------- protocol
class _HostStore:
    """A host application's own store, in memory: what the protocol asks of one."""

    def __init__(self) -> None:
        self.snapshots: dict[datetime.date, Snapshot] = {}
        self.log: list[tuple[datetime.date, Decision]] = []
        self.acked: list[tuple[datetime.date, Acknowledgement]] = []

    def weeks(self) -> tuple[datetime.date, ...]:
        return tuple(sorted(self.snapshots))

    def last_week(self) -> datetime.date | None:
        return max(self.snapshots, default=None)

    def load(self, week: datetime.date) -> Snapshot:
        return self.snapshots[week]

    def record_week(self, week: datetime.date, snapshot: Snapshot, *, replace: bool = False) -> None:
        assert replace or week not in self.snapshots
        self.snapshots[week] = snapshot

    def record_decision(self, decision: Decision, *, week: datetime.date) -> bool:
        self.log.append((week, decision))
        return True

    def record_ack(self, ack: Acknowledgement, *, week: datetime.date) -> bool:
        self.acked.append((week, ack))
        return True

    def decisions(self, since: datetime.datetime | None = None) -> tuple[Decision, ...]:
        return tuple(d for _, d in self.log if since is None or d.at >= since)

    def acks(self, since: datetime.datetime | None = None) -> tuple[Acknowledgement, ...]:
        return tuple(a for _, a in self.acked if since is None or a.at >= since)


class TestProtocol:
    def test_both_stores_are_history_stores(self, db: Path) -> None:
        """SQLiteHistory and a host's own class satisfy HistoryStore; a half store does not."""
        assert isinstance(open_history(db), HistoryStore)
        assert isinstance(_HostStore(), HistoryStore)
        assert not isinstance(object(), HistoryStore)

    def test_the_same_calls_give_the_same_answers(self, db: Path) -> None:
        """The host store and the SQLite store agree on one scripted sequence of calls."""
        stores: list[HistoryStore] = [open_history(db), _HostStore()]
        for store in stores:
            store.record_week(W1, snapshot())
            store.record_decision(decision(4, at(24)), week=W1)
        sqlite_store, host = stores
        assert sqlite_store.last_week() == host.last_week() == W1
        assert sqlite_store.weeks() == host.weeks() == (W1,)
        assert sqlite_store.decisions(since=at(20)) == host.decisions(since=at(20)) == (decision(4, at(24)),)
        assert sqlite_store.load(W1).state == host.load(W1).state


class TestSerialization:
    def test_a_snapshot_round_trips_through_serialize(self) -> None:
        """A host store may keep a whole snapshot as JSON: every selection and result kind comes back."""
        kept = snapshot()
        assert serialize.from_json(serialize.to_json(kept), Snapshot) == kept
        assert serialize.from_json(serialize.to_json(kept.acks[0]), Acknowledgement) == kept.acks[0]


_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Cf")), min_size=1, max_size=30
).filter(str.strip)
_ZONES = st.integers(-14 * 60, 14 * 60).map(lambda m: datetime.timezone(datetime.timedelta(minutes=m)))
_MOMENTS = st.datetimes(  # the bounds are naive: hypothesis adds the zone
    min_value=datetime.datetime(1900, 1, 1),  # noqa: DTZ001
    max_value=datetime.datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=_ZONES,
)
_DECISIONS = st.builds(
    Decision,
    id=_TEXT,
    decision=_TEXT,
    key=_TEXT,
    verdict=st.sampled_from(Verdict),
    actor=_TEXT,
    at=_MOMENTS,
    note=st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Cf")), max_size=40
    ),
    amount=st.none() | st.floats(min_value=0, max_value=1e15, allow_nan=False),
)


class TestProperties:
    @settings(max_examples=30)  # each example writes a database file
    @given(st.lists(_DECISIONS, min_size=1, max_size=6, unique_by=lambda d: d.id), _MOMENTS)
    def test_any_decisions_round_trip_in_time_order(
        self, made: list[Decision], since: datetime.datetime
    ) -> None:
        """Any decisions come back exactly, ordered by instant, ``since`` keeping those at or after it."""
        with tempfile.TemporaryDirectory() as folder:
            history = open_history(Path(folder) / "h.db")
            history.record_week(W1, Snapshot())
            for one in made:
                assert history.record_decision(one, week=W1) is True
            ordered = sorted(made, key=lambda d: d.at)  # stable: equal instants keep their order
            assert history.decisions() == tuple(ordered)
            assert history.decisions(since=since) == tuple(d for d in ordered if d.at >= since)
            assert history.load(W1).decisions == tuple(made)
