"""The weekly cycle over a history: continuing from last week, acknowledgements, and four scripted weeks."""

from __future__ import annotations

import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import attrs
import pytest

from comanaged_rcm.cli import main
from comanaged_rcm.cycle import (
    Acknowledgement,
    CycleData,
    Decision,
    GovernanceReport,
    Snapshot,
    SQLiteHistory,
    Verdict,
    default_engagement,
    open_history,
    render_json,
    render_text,
    run_cycle,
)
from comanaged_rcm.cycle import _history as history_module
from comanaged_rcm.cycle._escalate import escalation_stage
from comanaged_rcm.cycle._report import EscalationGroupLine
from comanaged_rcm.escalation import AlertStatus, State
from comanaged_rcm.periods import Cadence
from comanaged_rcm.sampling import AttributeEvaluation, Selection
from comanaged_rcm.serialize import from_json, to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book, write_csv
from tests.cycle.test_cycle_store import refused

REPO = Path(__file__).resolve().parents[2]
WEEK = datetime.timedelta(days=7)
AS_OF = datetime.date(2026, 10, 12)  # reports on week 2026-10-05; the book runs to 2026-11-02
OPEN = (AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED)


@pytest.fixture(scope="module")
def book() -> SyntheticBook:
    return generate_book(seed=5, claims=3000)


@pytest.fixture(scope="module")
def data(book: SyntheticBook) -> CycleData:
    return CycleData.from_synthetic(book)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "engagement.db"


def _utc(day: datetime.date, hour: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def _open(state: State) -> dict[str, Any]:
    return {key: alert for key, alert in state.alerts.items() if alert.status in OPEN}


def _history_notes(report: GovernanceReport) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.message) for f in report.history]


def _same_but_notes(one: GovernanceReport, other: GovernanceReport) -> bool:
    strip = [attrs.evolve(r, history=()) for r in (one, other)]
    return strip[0] == strip[1]


def _sinces(report: GovernanceReport) -> list[datetime.date]:
    return [line.since for line in report.escalations if line.since is not None]


# ------------------------------------------------------------------------------- continuing
class TestContinuing:
    def test_an_empty_history_replays_as_without_one_and_records_the_week(
        self, data: CycleData, db: Path
    ) -> None:
        """The first week is the fixed replay; the week is recorded with its state, QA and report."""
        engagement = default_engagement()
        plain = run_cycle(engagement, data, AS_OF)
        with open_history(db) as history:
            kept = run_cycle(engagement, data, AS_OF, history=history)
            assert kept == plain
            assert history.weeks() == (datetime.date(2026, 10, 5),)
            snapshot = history.load(datetime.date(2026, 10, 5))
        replayed = Cadence.weekly().periods_ending(AS_OF, engagement.escalation_periods)
        assert snapshot.state == escalation_stage(engagement, data, data.book(), replayed).state
        assert snapshot.report == render_json(plain)
        assert from_json(snapshot.report, GovernanceReport) == plain

    def test_the_qa_kept_is_the_reports(self, data: CycleData, db: Path) -> None:
        """Each workflow's selection redraws the report's selected items; each result its upper limit."""
        with open_history(db) as history:
            report = run_cycle(default_engagement(), data, AS_OF, history=history)
            snapshot = history.load(report.period.start)
        assert report.qa
        for line in report.qa:
            selection = snapshot.selections[line.workflow]
            assert isinstance(selection, Selection)
            assert tuple(str(x) for x in selection.sorted_items) == line.selected
            assert (selection.seed, selection.population_size) == (line.selection_seed, line.population)
            if line.audited_sample:
                result = snapshot.results[line.workflow]
                assert isinstance(result, AttributeEvaluation)
                assert (result.sample_size, result.deviations) == (line.audited_sample, line.deviations)
                assert result.upper_limit == line.upper_limit
                assert result.acceptable == line.passed
            else:
                assert line.workflow not in snapshot.results
        assert any(line.audited_sample for line in report.qa)

    def test_the_next_week_steps_from_last_weeks_state(self, data: CycleData, db: Path) -> None:
        """Week 2 steps the rules over week 2 only, from week 1's end state: not a fresh replay."""
        engagement = default_engagement()
        with open_history(db) as history:
            run_cycle(engagement, data, AS_OF, history=history)
            first = history.load(datetime.date(2026, 10, 5)).state
            second = run_cycle(engagement, data, AS_OF + WEEK, history=history)
            kept = history.load(datetime.date(2026, 10, 12)).state
        period = Cadence.weekly().periods_ending(AS_OF + WEEK, 1)
        expected = escalation_stage(engagement, data, data.book(), period, start=first)
        assert kept == expected.state
        assert second.escalations == expected.lines
        assert _history_notes(second) == []
        fresh = run_cycle(engagement, data, AS_OF + WEEK)
        assert fresh.escalations != second.escalations

    def test_since_is_the_first_firing_across_weeks(self, data: CycleData, db: Path) -> None:
        """An alert open four weeks on shows the day it first fired, before the replay window."""
        engagement = default_engagement()
        with open_history(db) as history:
            reports = [run_cycle(engagement, data, AS_OF + k * WEEK, history=history) for k in range(4)]
        first = {line.dedup_key: line.since for line in reports[0].escalations}
        last = reports[-1]
        every_week = set.intersection(*({line.dedup_key for line in r.escalations} for r in reports))
        carried = [line for line in last.escalations if line.dedup_key in every_week]
        assert carried
        for line in carried:
            assert line.since == first[line.dedup_key]
        window = Cadence.weekly().periods_ending(AS_OF + 3 * WEEK, engagement.escalation_periods)
        earliest_replayed = window[0].end  # a fresh replay's first clock: no since can be earlier
        assert min(_sinces(last)) < earliest_replayed
        assert min(_sinces(run_cycle(engagement, data, AS_OF + 3 * WEEK))) >= earliest_replayed

    def test_the_last_week_again_is_run_again_and_replaced(self, data: CycleData, db: Path) -> None:
        """The last week again: the same report (it says it was run again), recorded in place."""
        engagement = default_engagement()
        with open_history(db) as history:
            run_cycle(engagement, data, AS_OF, history=history)
            second = run_cycle(engagement, data, AS_OF + WEEK, history=history)
            state = history.load(datetime.date(2026, 10, 12)).state
            again = run_cycle(engagement, data, AS_OF + WEEK, history=history)
            assert history.weeks() == (datetime.date(2026, 10, 5), datetime.date(2026, 10, 12))
            assert history.load(datetime.date(2026, 10, 12)).state == state
            assert history.load(datetime.date(2026, 10, 12)).report == render_json(again)
        assert _same_but_notes(again, second)
        assert _history_notes(again) == [
            (
                "HISTORY-001",
                "info",
                (
                    "week 2026-10-12 was recorded already: run again from the end of week 2026-10-05 and"
                    " recorded again"
                ),
            )
        ]

    def test_the_first_week_again_is_the_same_replay(self, data: CycleData, db: Path) -> None:
        engagement = default_engagement()
        with open_history(db) as history:
            first = run_cycle(engagement, data, AS_OF, history=history)
            again = run_cycle(engagement, data, AS_OF, history=history)
            assert history.weeks() == (datetime.date(2026, 10, 5),)
        assert _same_but_notes(again, first)
        assert _history_notes(again) == [
            (
                "HISTORY-001",
                "info",
                "week 2026-10-05 was recorded already: run again from an empty state and recorded again",
            )
        ]

    def test_missing_weeks_are_stepped_over_in_order(self, data: CycleData, db: Path) -> None:
        """Two weeks skipped: the rules step over each, then the report's week; the report says so."""
        engagement = default_engagement()
        with open_history(db) as history:
            run_cycle(engagement, data, AS_OF, history=history)
            start = history.load(datetime.date(2026, 10, 5)).state
            report = run_cycle(engagement, data, AS_OF + 3 * WEEK, history=history)
            assert history.weeks() == (datetime.date(2026, 10, 5), datetime.date(2026, 10, 26))
            kept = history.load(datetime.date(2026, 10, 26)).state
        periods = Cadence.weekly().periods_ending(AS_OF + 3 * WEEK, 3)
        expected = escalation_stage(engagement, data, data.book(), periods, start=start)
        assert kept == expected.state
        assert report.escalations == expected.lines
        assert _history_notes(report) == [
            (
                "HISTORY-002",
                "info",
                (
                    "no week recorded for 2026-W42, 2026-W43 (2 week(s) between 2026-10-05 and 2026-10-26):"
                    " the rules were stepped over each in order"
                ),
            )
        ]

    def test_one_missing_week(self, data: CycleData, db: Path) -> None:
        with open_history(db) as history:
            run_cycle(default_engagement(), data, AS_OF, history=history)
            report = run_cycle(default_engagement(), data, AS_OF + 2 * WEEK, history=history)
        ((rule, _, message),) = _history_notes(report)
        assert rule == "HISTORY-002"
        assert message.startswith(
            "no week recorded for 2026-W42 (1 week(s) between 2026-10-05 and 2026-10-19)"
        )

    def test_a_run_again_after_missing_weeks_steps_over_them_again(self, data: CycleData, db: Path) -> None:
        engagement = default_engagement()
        with open_history(db) as history:
            run_cycle(engagement, data, AS_OF, history=history)
            skipped = run_cycle(engagement, data, AS_OF + 2 * WEEK, history=history)
            again = run_cycle(engagement, data, AS_OF + 2 * WEEK, history=history)
        assert again.escalations == skipped.escalations
        assert [rule for rule, _, _ in _history_notes(again)] == ["HISTORY-001", "HISTORY-002"]
        assert "run again from the end of week 2026-10-05" in _history_notes(again)[0][2]

    def test_a_week_before_the_last_is_refused(self, data: CycleData, db: Path) -> None:
        with open_history(db) as history:
            run_cycle(default_engagement(), data, AS_OF + WEEK, history=history)
            message = refused(
                lambda: run_cycle(default_engagement(), data, AS_OF, history=history), "$.as_of"
            )
            assert history.weeks() == (datetime.date(2026, 10, 12),)
        assert message == (
            "the report's week 2026-10-05 is before the last recorded week 2026-10-12: the history"
            " continues forward (report on week 2026-10-12 or later, or run without the history)"
        )

    def test_what_cannot_keep_a_history(self, data: CycleData, db: Path) -> None:
        engagement = default_engagement()
        message = refused(lambda: run_cycle(engagement, data, AS_OF, history=str(db)), "$.history")  # type: ignore[arg-type]
        assert message == "'history' must be a HistoryStore such as open_history(path) (got str)"
        monthly = attrs.evolve(engagement, cadence=Cadence.monthly())
        with open_history(db) as history:
            message = refused(lambda: run_cycle(monthly, data, AS_OF, history=history), "$.history")
            assert message == (
                "a history keeps engagement weeks: the engagement's cadence is monthly"
                " (run it without a history)"
            )
            history.record_week(datetime.date(2026, 10, 4), Snapshot())  # a Sunday: another engagement's
            message = refused(lambda: run_cycle(engagement, data, AS_OF, history=history), "$.history")
            assert message == (
                "the history's last week 2026-10-04 is not a week of this engagement's cadence"
                " (its weeks start on a Monday): is it another engagement's history?"
            )
            assert history.weeks() == (datetime.date(2026, 10, 4),)

    def test_the_stage_reads_the_whole_log(
        self, data: CycleData, db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Every decision and acknowledgement of the log reaches the escalation stage."""
        engagement = default_engagement()
        seen: list[dict[str, Any]] = []

        def spy(*args: Any, **kwargs: Any) -> Any:
            seen.append(kwargs)
            return escalation_stage(*args, **kwargs)

        with open_history(db) as history:
            run_cycle(engagement, data, AS_OF, history=history)
            decided = Decision(
                id="d-1", decision="write_off", key="CLM-1", verdict=Verdict.APPROVE, actor="director",
                at=_utc(datetime.date(2026, 10, 13), 9),
            )  # fmt: skip
            acked = Acknowledgement(key="x", actor="lead", at=_utc(datetime.date(2026, 10, 13), 10))
            history.record_decision(decided, week=datetime.date(2026, 10, 5))
            history.record_ack(acked, week=datetime.date(2026, 10, 5))
            monkeypatch.setattr(history_module, "escalation_stage", spy)
            run_cycle(engagement, data, AS_OF + WEEK, history=history)
        (call,) = seen
        assert call["decisions"] == (decided,)
        assert call["acks"] == (acked,)
        assert call["start"] is not None


# -------------------------------------------------------------------------- acknowledgements
def _firing_key(history: SQLiteHistory, week: datetime.date, data: CycleData) -> str:
    """An alert firing at the end of ``week`` and still open at the end of the week after it."""
    state = history.load(week).state
    after = Cadence.weekly().periods_ending(week + 2 * WEEK, 1)
    following = _open(escalation_stage(default_engagement(), data, data.book(), after, start=state).state)
    return next(
        k for k, a in sorted(state.alerts.items()) if a.status is AlertStatus.FIRING and k in following
    )


class TestAcknowledgements:
    def test_an_ack_applies_at_its_moment(self, data: CycleData, db: Path) -> None:
        engagement = default_engagement()
        w1, w2 = datetime.date(2026, 10, 5), datetime.date(2026, 10, 12)
        with open_history(db) as history:
            run_cycle(engagement, data, AS_OF, history=history)
            key = _firing_key(history, w1, data)
            at = _utc(w2 + datetime.timedelta(days=1), 14)
            history.record_ack(Acknowledgement(key=key, actor="onshore_lead", at=at, note="on it"), week=w1)
            report = run_cycle(engagement, data, AS_OF + WEEK, history=history)
            alert = history.load(w2).state.alerts[key]
        assert alert.status is AlertStatus.ACKNOWLEDGED
        assert alert.acknowledged_by == "onshore_lead"
        assert _history_notes(report) == []
        assert key in {line.dedup_key for line in report.escalations}

    def test_an_ack_of_no_open_alert_is_reported(self, data: CycleData, db: Path) -> None:
        with open_history(db) as history:
            run_cycle(default_engagement(), data, AS_OF, history=history)
            at = _utc(datetime.date(2026, 10, 13), 9)
            history.record_ack(
                Acknowledgement(key="gone:1", actor="lead", at=at), week=datetime.date(2026, 10, 5)
            )
            report = run_cycle(default_engagement(), data, AS_OF + WEEK, history=history)
            assert len(history.acks()) == 1  # kept in the log
        assert _history_notes(report) == [
            (
                "HISTORY-003",
                "warning",
                (
                    "the acknowledgement of 'gone:1' by 'lead' at 2026-10-13T09:00:00+00:00 was not applied:"
                    " no alert has this key open (it resolved, or never fired); it stays in the log"
                ),
            )
        ]

    def test_an_ack_twice_and_one_before_the_alert_fired(self, data: CycleData, db: Path) -> None:
        engagement = default_engagement()
        w1 = datetime.date(2026, 10, 5)
        with open_history(db) as history:
            run_cycle(engagement, data, AS_OF, history=history)
            key = _firing_key(history, w1, data)
            fired = history.load(w1).state.alerts[key].since
            early = Acknowledgement(key=key, actor="a", at=fired - datetime.timedelta(seconds=1))
            first = Acknowledgement(key=key, actor="b", at=_utc(datetime.date(2026, 10, 13), 9))
            second = Acknowledgement(key=key, actor="c", at=_utc(datetime.date(2026, 10, 13), 10))
            for ack in (second, early, first):
                history.record_ack(ack, week=w1)
            report = run_cycle(engagement, data, AS_OF + WEEK, history=history)
            assert history.load(datetime.date(2026, 10, 12)).state.alerts[key].acknowledged_by == "b"
        notes = _history_notes(report)
        assert [n[0] for n in notes] == ["HISTORY-003", "HISTORY-003"]
        assert (
            f"was not applied: the alert was not firing then (it fired at {fired.isoformat()})" in notes[0][2]
        )
        assert "was not applied: it was acknowledged already by 'b'; it stays in the log" in notes[1][2]

    def test_an_ack_after_the_reports_clock_waits_for_its_week(self, data: CycleData, db: Path) -> None:
        """Made after week 2's close: week 2 says so, and week 3 applies it before its step."""
        engagement = default_engagement()
        w1, w3 = datetime.date(2026, 10, 5), datetime.date(2026, 10, 19)
        with open_history(db) as history:
            run_cycle(engagement, data, AS_OF, history=history)
            key = _firing_key(history, w1, data)
            later = Acknowledgement(key=key, actor="lead", at=_utc(w3, 15))
            history.record_ack(later, week=w1)
            second = run_cycle(engagement, data, AS_OF + WEEK, history=history)
            assert history.load(datetime.date(2026, 10, 12)).state.alerts[key].status is AlertStatus.FIRING
            third = run_cycle(engagement, data, AS_OF + 2 * WEEK, history=history)
            kept = history.load(w3).state.alerts.get(key)
        assert _history_notes(second) == [
            (
                "HISTORY-004",
                "info",
                (
                    f"the acknowledgement of {key!r} by 'lead' at 2026-10-19T15:00:00+00:00 is after this"
                    " report's clock (2026-10-19T00:00:00+00:00): it applies to the week it falls in"
                ),
            )
        ]
        assert _history_notes(third) == []
        assert kept is None or kept.acknowledged_by == "lead"

    def test_an_ack_inside_missing_weeks_applies_between_their_steps(self, data: CycleData, db: Path) -> None:
        """With weeks missing, an ack made in the first missing week applies before that week's close."""
        engagement = default_engagement()
        w1 = datetime.date(2026, 10, 5)
        with open_history(db) as history:
            run_cycle(engagement, data, AS_OF, history=history)
            start = history.load(w1).state
            key = _firing_key(history, w1, data)
            at = _utc(datetime.date(2026, 10, 14), 9)
            history.record_ack(Acknowledgement(key=key, actor="lead", at=at), week=w1)
            run_cycle(engagement, data, AS_OF + 2 * WEEK, history=history)
            kept = history.load(datetime.date(2026, 10, 19)).state
        periods = Cadence.weekly().periods_ending(AS_OF + 2 * WEEK, 2)
        from comanaged_rcm.escalation import acknowledge  # noqa: PLC0415 - the reference path only

        acked, _ = acknowledge(start, key, actor="lead", at=at)
        first = escalation_stage(engagement, data, data.book(), periods[:1], start=acked).state
        expected = escalation_stage(engagement, data, data.book(), periods[1:], start=first).state
        assert kept == expected


# ------------------------------------------------------------------- four scripted weeks (CLI)
@pytest.fixture(scope="module")
def exports(book: SyntheticBook, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("exports")
    written = write_csv(book, directory)
    paths = {name: Path(path) for name, path in written.items()}
    engagement = directory / "engagement.json"
    engagement.write_text(to_json(default_engagement()), encoding="utf-8")
    paths["engagement"] = engagement
    return paths


def _report_argv(paths: dict[str, Path], db: Path, as_of: datetime.date) -> list[str]:
    return [
        "report", "--engagement", str(paths["engagement"]), "--transactions", str(paths["transactions"]),
        "--submissions", str(paths["submissions"]), "--work-items", str(paths["work_items"]),
        "--audits", str(paths["audits"]), "--as-of", as_of.isoformat(), "--history", str(db),
        "--format", "json",
    ]  # fmt: skip


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


class TestFourWeeks:
    def test_a_scripted_engagement(
        self, exports: dict[str, Path], db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Four weeks of report --history with a decide and an ack between weeks.

        Each week: the report's open escalations are the stored state's open alerts; new, still
        open and resolved follow from the stored states; a still-open alert keeps its since; the
        decisions are in the log and the acknowledged alert is acknowledged in the next state.
        """
        weeks = [datetime.date(2026, 10, 5) + k * WEEK for k in range(4)]
        previous: dict[str, Any] = {}
        previous_groups: set[str] = set()
        statuses: set[str] = set()
        acked: list[str] = []
        decided: list[str] = []
        shown_acked = 0
        for number, week in enumerate(weeks, start=1):
            status, out, err = _cli(_report_argv(exports, db, week + WEEK), capsys)
            assert status == 0, err
            assert err.splitlines()[-1] == f"recorded week {week} in {db}"
            report = from_json(out, GovernanceReport)
            assert report.period.start == week
            with open_history(db, create=False) as history:
                assert history.weeks() == tuple(weeks[:number])
                state = history.load(week).state
                assert f"{history.load(week).report}\n" == out
                log = history.decisions()
            now = _open(state)
            assert {line.dedup_key for line in report.escalations} == set(now)
            new = set(now) - set(previous)
            still = set(now) & set(previous)
            resolved = set(previous) - set(now)
            if number > 1:
                assert still, "some alerts stay open from one week to the next"
                assert new or resolved
            for key in still:  # the first firing, however long ago, acknowledged or not
                assert now[key].fired_at == previous[key].fired_at
                if key not in acked:
                    assert now[key].since == previous[key].since
            since = {line.dedup_key: line.since for line in report.escalations}
            for key, alert in now.items():
                assert alert.fired_at is not None
                assert since[key] == alert.fired_at.date()
            for key in acked:
                if key in now:
                    assert now[key].status is AlertStatus.ACKNOWLEDGED
                    assert now[key].acknowledged_by == "onshore_lead"
                    assert now[key].since > now[key].fired_at  # the ack moves since, not the first firing
                    assert since[key] == now[key].fired_at.date() < now[key].since.date()
                    shown_acked += 1
            for group in report.groups:  # a group's since is its oldest alert's first firing
                if group.status != "resolved":
                    assert group.since == min(alert_day for key in group.alerts if (alert_day := since[key]))
            assert [d.id for d in log] == decided
            groups: dict[str, list[EscalationGroupLine]] = {}
            for group in report.groups:
                groups.setdefault(group.status, []).append(group)
                if group.status == "resolved":
                    assert not set(group.alerts) & set(now)
                    assert set(group.alerts) <= set(previous)
                else:
                    assert set(group.alerts) <= set(now)
                    assert group.acknowledged == sum(
                        now[k].status is AlertStatus.ACKNOWLEDGED for k in group.alerts
                    )
                if number > 1:  # a group is new, open or resolved against last week's groups
                    assert (group.key in previous_groups) == (group.status != "new")
            if number == 1:
                assert set(groups) == {"open"}  # no start state: every group is open
            placed = {k for g in report.groups if g.status != "resolved" for k in g.alerts}
            muted = {line.dedup_key for line in report.escalations if line.muted}
            assert placed | muted == set(now)
            headline = report.headline
            assert headline is not None
            assert (headline.groups_new, headline.groups_resolved) == (
                len(groups.get("new", [])),
                len(groups.get("resolved", [])),
            )
            assert [d.id for d in report.decided] == decided[-1:]  # the one taken since last week
            statuses.update(groups)
            if number > 1:  # the decision shows in the text report, with its key and verdict
                (line,) = [row for row in render_text(report).splitlines() if f"CLM-{number - 1}" in row]
                assert line.split()[:3] == [
                    "write_off",
                    ("approve", "deny", "defer")[number - 2],
                    f"CLM-{number - 1}",
                ]
            assert report.history == ()
            if number == len(weeks):
                break
            # between weeks: the director decides, the onshore lead acknowledges one firing alert
            tuesday = week + WEEK + datetime.timedelta(days=1)
            status, out, err = _cli(
                [
                    "decide", "--history", str(db), "--decision", "write_off", "--key", f"CLM-{number}",
                    "--verdict", ("approve", "deny", "defer")[number - 1], "--actor", "client_rcm_director",
                    "--amount", str(100 * number), "--at", f"{tuesday}T09:30:00-05:00", "--note", "week note",
                ],
                capsys,
            )  # fmt: skip
            assert status == 0, err
            assert out.startswith("recorded decision d-")
            assert out.rstrip().endswith(f"(week {week})")
            decided.append(out.split()[2].rstrip(":"))
            firing = sorted(k for k, a in now.items() if a.status is AlertStatus.FIRING and k not in acked)
            status, out, err = _cli(
                ["ack", "--history", str(db), "--key", firing[0], "--actor", "onshore_lead",
                 "--at", f"{tuesday}T11:00:00Z", "--note", "working it"],
                capsys,
            )  # fmt: skip
            assert (status, err) == (0, "")
            assert out == (
                f"recorded acknowledgement of {firing[0]!r} by 'onshore_lead' at {tuesday}T11:00:00+00:00"
                f" (week {week})\n"
            )
            acked.append(firing[0])
            previous = now
            previous_groups = {g.key for g in report.groups if g.status != "resolved"}
        assert {"new", "open"} <= statuses  # groups start and carry on over the four weeks
        assert shown_acked  # an acknowledged alert was reported with its first firing as since
        with open_history(db, create=False) as history:
            assert [a.key for a in history.acks()] == acked
            assert [d.verdict for d in history.decisions()] == [Verdict.APPROVE, Verdict.DENY, Verdict.DEFER]
            assert [d.amount for d in history.decisions()] == [100.0, 200.0, 300.0]


# ------------------------------------------------------------------------- crash safety (CLI)
def _child(argv: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen(  # noqa: S603 - this interpreter on the package's own command line
        [sys.executable, "-m", "comanaged_rcm", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _whole_weeks(db: Path) -> tuple[datetime.date, ...]:
    """The file opens and every recorded week loads whole, its report parsing to the week's period."""
    with open_history(db, create=False) as history:
        weeks = history.weeks()
        for week in weeks:
            snapshot = history.load(week)
            assert snapshot.report is not None
            assert json.loads(snapshot.report)["period"]["start"] == week.isoformat()
            assert snapshot.selections
    return weeks


def _kill_inside_the_transaction(db: Path, argv: list[str]) -> bool:
    """Start a recording run, hold it at its commit with a reader's lock, and SIGKILL it there.

    The reader's shared lock keeps the writer from committing (it waits out its busy timeout with
    its rollback journal written); the kill lands while the journal is on disk. ``False`` when the
    run ended before the kill (it was refused as busy).
    """
    journal = db.with_name(db.name + "-journal")
    reader = sqlite3.connect(db, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM weeks").fetchall()  # a shared lock until ROLLBACK
        child = _child(argv)
        while child.poll() is None and not journal.exists():
            time.sleep(0.001)
        inside = child.poll() is None and journal.exists()
        if inside:
            os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=120)
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert not inside or child.returncode == -signal.SIGKILL
    return inside


class TestCrashSafety:
    def test_a_report_killed_while_recording_leaves_whole_weeks(
        self, exports: dict[str, Path], db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """SIGKILL inside the week's transaction: the file opens with week 1 whole and no week 2."""
        w1, w2 = datetime.date(2026, 10, 5), datetime.date(2026, 10, 12)
        assert _cli(_report_argv(exports, db, w1 + WEEK), capsys)[0] == 0
        before = _whole_weeks(db)
        assert before == (w1,)
        with open_history(db) as history:
            kept = history.load(w1)
        landed = [_kill_inside_the_transaction(db, _report_argv(exports, db, w2 + WEEK)) for _ in range(2)]
        assert any(landed)
        assert _whole_weeks(db) == (w1,)
        with open_history(db) as history:
            assert history.load(w1) == kept
        status, _, err = _cli(_report_argv(exports, db, w2 + WEEK), capsys)  # the next run continues
        assert status == 0, err
        assert _whole_weeks(db) == (w1, w2)

    @pytest.mark.parametrize("delay", [0.5, 1.5, 3.0])
    def test_a_report_killed_at_any_moment_leaves_whole_weeks(
        self, exports: dict[str, Path], db: Path, delay: float, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Killed while reading, computing or recording: the file holds week 1, or weeks 1 and 2."""
        w1, w2 = datetime.date(2026, 10, 5), datetime.date(2026, 10, 12)
        assert _cli(_report_argv(exports, db, w1 + WEEK), capsys)[0] == 0
        child = _child(_report_argv(exports, db, w2 + WEEK))
        time.sleep(delay)
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=120)
        assert _whole_weeks(db) in {(w1,), (w1, w2)}
        status, _, err = _cli(_report_argv(exports, db, w2 + WEEK), capsys)
        assert status == 0, err
        assert _whole_weeks(db) == (w1, w2)
