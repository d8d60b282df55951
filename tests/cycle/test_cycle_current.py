"""The escalation stage's current values: from the last step, carried across weeks, in cents."""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import attrs
import numpy as np
import pytest

from comanaged_rcm.cycle import CycleData, Engagement, default_engagement, render_json, render_text, run_cycle
from comanaged_rcm.cycle._cli import DEMO_CLAIMS, DEMO_SEED
from comanaged_rcm.cycle._escalate import AMOUNT, _cents, _close, _sum, escalation_stage
from comanaged_rcm.cycle._facts import _Facts
from comanaged_rcm.escalation import (
    AlertStatus,
    Categorical,
    Event,
    EventKind,
    FactKind,
    Hold,
    Level,
    Owner,
    Rule,
    State,
    acknowledge,
    step,
)
from comanaged_rcm.escalation._state import LatestEvaluation
from comanaged_rcm.periods import Period
from comanaged_rcm.synthetic import generate_book

_OPEN = (AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED)
_FIRED = (EventKind.FIRING, EventKind.ESCALATED)
WEEK = datetime.timedelta(days=7)


# ------------------------------------------------------------ the reference: a second step
def _number(text: str) -> float | None:
    value = json.loads(text)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _text(column: object) -> list[str]:
    if isinstance(column, Categorical):
        return [str(v) for v in column.decode().tolist()]
    return [str(v) for v in np.asarray(column).astype(str).tolist()]


def _reference(
    engagement: Engagement, data: CycleData, periods: Sequence[Period], start: State | None = None
) -> tuple[dict[str, str], dict[str, float | None]]:
    """Each open alert's message and amount as the stage found them by stepping once more.

    The rules with open alerts stepped again from an empty state over the last period's facts:
    the message of the event each entity gets there, else of the event that fired it; the
    amount the event read, else the entity's row of the last facts.
    """
    office = None if engagement.business_hours is None else engagement.business_hours.business_hours
    facts = _Facts(engagement, data, data.book())
    rules = engagement.rules.rules
    state = State() if start is None else start
    fired: dict[str, Event] = {}
    last: dict[FactKind, Any] = {}
    now = _close(periods[-1].end, office)
    for period in periods:
        now, last = _close(period.end, office), facts.at(period)
        state, events = step(rules, state, last, now, office, directory=engagement.split)
        fired.update((e.key, e) for e in events if e.kind in _FIRED and e.key is not None)
    open_alerts = {k: a for k, a in state.alerts.items() if a.status in _OPEN}
    wanted = [r for r in rules if r.id in {a.rule for a in open_alerts.values()}]
    _, events = step(wanted, State(), last, now, office, directory=engagement.split)
    latest = {e.key: e for e in events if e.key in open_alerts}
    messages: dict[str, str] = {}
    amounts: dict[str, float | None] = {}
    for key, alert in open_alerts.items():
        event = latest.get(key) or fired.get(key)
        messages[key] = "" if event is None else event.message
        amounts[key] = None
        sources = [s for s in (latest.get(key), fired.get(key)) if s is not None and AMOUNT in s.inputs]
        if sources:
            amounts[key] = _number(sources[0].inputs[AMOUNT])
            continue
        rule = next(r for r in rules if r.id == alert.rule)
        table = last.get(rule.applies_to)
        if not isinstance(table, Mapping) or AMOUNT not in table:
            continue
        keys = [_text(table[name]) for name in rule.dedup_keys]
        balances = np.asarray(table[AMOUNT], dtype=np.float64)
        for row, values in enumerate(zip(*keys, strict=True)):
            if all(alert.labels.get(n) == v for n, v in zip(rule.dedup_keys, values, strict=True)):
                amounts[key] = float(balances[row]) if math.isfinite(balances[row]) else None
    return messages, amounts


def _window(engagement: Engagement, end: datetime.date) -> tuple[Period, ...]:
    return tuple(engagement.cadence.periods_ending(end, engagement.escalation_periods))


def _check_against_reference(
    engagement: Engagement, data: CycleData, periods: Sequence[Period], start: State | None = None
) -> int:
    """The stage's messages and amounts are the reference's (amounts in cents); the lines compared."""
    stage = escalation_stage(engagement, data, data.book(), periods, start=start)
    messages, amounts = _reference(engagement, data, periods, start)
    lines = {line.dedup_key: line for line in stage.lines}
    assert set(lines) == set(messages)
    for key, line in lines.items():
        assert line.message == messages[key], key
        expected = amounts[key]
        assert line.amount == (None if expected is None else _cents(expected)), key
    return len(lines)


class TestSameAsASecondStep:
    def test_the_demo_book(self) -> None:
        """The demo's book (the CLI's seed and size): every open alert's message and amount."""
        book = generate_book(seed=DEMO_SEED, claims=DEMO_CLAIMS)
        engagement = default_engagement()
        data = CycleData.from_synthetic(book)
        assert _check_against_reference(engagement, data, _window(engagement, book.period.end)) > 100

    @pytest.mark.parametrize(("seed", "claims"), [(1, 800), (2, 1500), (3, 2500), (11, 4000)])
    def test_random_books(self, seed: int, claims: int) -> None:
        """Books of other seeds and sizes, with tighter limits so KPI alerts hold and climb."""
        book = generate_book(seed=seed, claims=claims)
        engagement = default_engagement()
        data = CycleData.from_synthetic(book)
        assert _check_against_reference(engagement, data, _window(engagement, book.period.end))
        for weeks in (1, 2):  # shorter windows: alerts fired in the last step, or one before
            periods = _window(engagement, book.period.end)[-weeks:]
            _check_against_reference(engagement, data, periods)

    def test_from_a_start_state(self) -> None:
        """Continuing from last week's state, the reference agrees wherever it has an event."""
        book = generate_book(seed=5, claims=2000)
        engagement = default_engagement()
        data = CycleData.from_synthetic(book)
        periods = _window(engagement, book.period.end)
        start = escalation_stage(engagement, data, data.book(), periods[:-1]).state
        stage = escalation_stage(engagement, data, data.book(), periods[-1:], start=start)
        messages, amounts = _reference(engagement, data, periods[-1:], start)
        for line in stage.lines:
            if messages[line.dedup_key]:  # the reference has no message for an alert it cannot see fire
                assert line.message == messages[line.dedup_key]
            expected = amounts[line.dedup_key]
            assert line.amount == (None if expected is None else _cents(expected))


# ------------------------------------------------------------------ carried from earlier weeks
def _held_rule() -> Rule:
    """A KPI rule that fires on a high value and keeps firing two evaluations after it drops."""
    return Rule(
        id="rate_high",
        when="value > 10",
        applies_to=FactKind.KPI_ROW,
        level=Level.PROVIDER_DECISION_OWNER,
        owner=Owner.party("client_rcm_director"),
        dedup_keys=("payer",),
        message="rate {value:.1f} for {payer}",
        keep_firing_for=Hold(evaluations=2),
    )


@pytest.fixture(scope="module")
def weeks() -> tuple[Engagement, CycleData, tuple[Period, ...]]:
    book = generate_book(seed=7, claims=3000)
    engagement = default_engagement()
    return engagement, CycleData.from_synthetic(book), _window(engagement, book.period.end)


class TestCarried:
    def test_a_two_week_run_from_a_start_state(
        self, weeks: tuple[Engagement, CycleData, tuple[Period, ...]]
    ) -> None:
        """An alert that fired in an earlier week has its rule's severity and a reason.

        Week 1 is stepped alone; week 2 from its state: the alerts that stay open without a
        transition have no event in week 2, yet their lines read as those of a fresh replay.
        """
        engagement, data, periods = weeks
        first = escalation_stage(engagement, data, data.book(), periods[-2:-1])
        second = escalation_stage(engagement, data, data.book(), periods[-1:], start=first.state)
        carried = [line for line in second.lines if line.dedup_key in first.state.alerts]
        assert carried
        severity = {rule.id: rule.severity.value for rule in engagement.rules.rules}
        for line in second.lines:
            assert line.severity == severity[line.rule]
            assert line.reason
        for line in carried:
            assert " -> " in line.reason  # the alert's current owner, as a firing reason ends
        unchanged = [line for line in carried if line.reason.startswith(f"{line.message} (")]
        assert unchanged  # explained by today's evaluation: its message, then why
        groups = [g for g in second.groups if g.status != "resolved"]
        assert groups
        assert all(g.severity for g in groups)
        assert all(g.message for g in groups)
        text = render_text(run_cycle(engagement, data, periods[-1].last_day))
        assert "now: -" not in text

    def test_carried_lines_read_as_a_replay_does(
        self, weeks: tuple[Engagement, CycleData, tuple[Period, ...]]
    ) -> None:
        """A carried alert's line is the replay's but for the reason of the event that fired it."""
        engagement, data, periods = weeks
        replay = escalation_stage(engagement, data, data.book(), periods[-2:])
        first = escalation_stage(engagement, data, data.book(), periods[-2:-1])
        second = escalation_stage(engagement, data, data.book(), periods[-1:], start=first.state)
        by_key = {line.dedup_key: line for line in replay.lines}
        assert {line.dedup_key for line in second.lines} == set(by_key)
        for line in second.lines:
            same = by_key[line.dedup_key]
            assert attrs.evolve(line, reason=same.reason) == same

    def test_the_reason_of_a_held_alert_is_its_latest_evaluation(self) -> None:
        """Kept open by keep_firing_for: the evaluation explains today's record, and says it did not hold."""
        rule = _held_rule()
        at = [datetime.datetime(2026, 3, d, tzinfo=datetime.UTC) for d in (2, 9, 16)]
        state, _ = step([rule], State(), {"payer": ["AETNA"], "value": [12.0]}, at[0])
        latest: dict[str, LatestEvaluation] = {}
        state, events = step([rule], state, {"payer": ["AETNA"], "value": [4.0]}, at[1], latest=latest)
        assert events == ()
        (key,) = state.alerts
        reading = latest[key]
        assert not reading.held
        assert reading.message == "rate 4.0 for AETNA"
        owner = "party 'client_rcm_director' (provider_decision_owner)"
        assert reading.reason == f"not met: value > 10 (value = 4) is false -> {owner}"
        assert reading.inputs == {"value": "4.0"}
        assert reading.value("payer") == "AETNA"
        assert reading.value("no_such_field") is None
        assert repr(reading) == "LatestEvaluation(held=False, message='rate 4.0 for AETNA')"
        latest.clear()
        state, _ = step([rule], state, {"payer": ["AETNA"], "value": [15.0]}, at[2], latest=latest)
        assert latest[key].held
        assert latest[key].message == "rate 15.0 for AETNA"


# ------------------------------------------------------------------ since: the first firing
class TestSince:
    def test_an_acknowledged_alert_shows_its_first_firing(self) -> None:
        """Acknowledged in between: the line's and the group's since stay the first firing's day."""
        book = generate_book(seed=7, claims=3000)
        engagement = default_engagement()
        data = CycleData.from_synthetic(book)
        periods = _window(engagement, book.period.end)
        first = escalation_stage(engagement, data, data.book(), periods[:-1])
        grouped = {key for group in first.groups for key in group.alerts}
        firing = sorted(
            (a for a in first.state.alerts.values() if a.status is AlertStatus.FIRING and a.key in grouped),
            key=lambda a: (a.fired_at, a.key),
        )
        oldest = firing[0]
        at = first.now + datetime.timedelta(days=1, hours=3)
        acked, _ = acknowledge(first.state, oldest.key, actor="onshore_lead", at=at)
        assert acked.alerts[oldest.key].since == at
        assert acked.alerts[oldest.key].fired_at == oldest.fired_at
        second = escalation_stage(engagement, data, data.book(), periods[-1:], start=acked)
        (line,) = [line for line in second.lines if line.dedup_key == oldest.key]
        assert oldest.fired_at is not None
        assert line.since == oldest.fired_at.date() < at.date()
        (group,) = [g for g in second.groups if oldest.key in g.alerts and g.status != "resolved"]
        assert group.since == min((second.state.alerts[k].fired_at or at).date() for k in group.alerts)
        assert group.since <= line.since


# ------------------------------------------------------------------ amounts in cents
class TestCents:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (1.4e-14, 0.0),
            (-1.4e-14, 0.0),
            (0.004999, 0.0),
            (0.005001, 0.01),
            (0.1 + 0.2, 0.3),
            (6120, 6120.0),
            ("1234.5678", 1234.57),
            (np.float64(2.675), 2.67),  # 2.67499999... in binary: to cents as stored
            (np.int64(7), 7.0),
        ],
    )
    def test_rounded_to_cents(self, value: Any, expected: float) -> None:
        shown = _cents(value)
        assert shown == expected
        assert math.copysign(1.0, shown or 0.0) == 1.0  # never -0.0 (printed "-$0")
        exact = Decimal(float(value) if not isinstance(value, str) else value)
        assert shown == float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))

    @pytest.mark.parametrize(
        "value", [None, True, "null", '"text"', "not json", float("nan"), math.inf, 10**400, "Infinity"]
    )
    def test_not_an_amount(self, value: object) -> None:
        assert _cents(value) is None

    def test_sums_add_cents(self) -> None:
        """Float residue never shows: each amount is in cents before the exact sum."""
        assert _sum([1.4e-14, 2.2e-14]) == {"amount": 0.0, "amount_items": 2}
        assert _sum([0.1, 0.2, None, 1e-15]) == {"amount": 0.3, "amount_items": 3}
        assert _sum([None]) == {"amount": None, "amount_items": 0}
        assert _sum([]) == {"amount": None, "amount_items": 0}
        assert _sum([0.125, 0.125]) == {"amount": 0.24, "amount_items": 2}  # 0.12 each (half to even)

    def test_report_amounts_are_cents(self) -> None:
        book = generate_book(seed=7, claims=3000)
        report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
        amounts = [line.amount for line in report.escalations if line.amount is not None]
        amounts += [g.amount for g in report.groups if g.amount is not None]
        amounts += [d.amount for d in report.decisions if d.amount is not None]
        assert amounts
        assert all(round(a, 2) == a for a in amounts)
        assert "e-1" not in render_json(report)  # no float residue such as 1.4e-14
