"""The cycle's escalation stage: the rules replayed over the tables, and the report's lines."""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from comanaged_rcm import _check as check
from comanaged_rcm.cycle._data import CycleData
from comanaged_rcm.cycle._engagement import Engagement
from comanaged_rcm.cycle._facts import _Facts
from comanaged_rcm.cycle._report import (
    DecidedLine,
    DecisionLine,
    EscalationGroupLine,
    EscalationLine,
    Headline,
    headline_of,
)
from comanaged_rcm.cycle._store import Acknowledgement, Decision, Verdict
from comanaged_rcm.cycle._warehouse import facts_of
from comanaged_rcm.escalation import (
    Alert,
    AlertGroup,
    AlertGrouping,
    AlertStatus,
    BusinessHours,
    Event,
    EventKind,
    OwnerKind,
    Rule,
    State,
    alert_groups,
    overdue,
    step,
)
from comanaged_rcm.escalation._edge import no_cycle_collection, positional_builder
from comanaged_rcm.escalation._state import LatestEvaluation
from comanaged_rcm.kpi import Book
from comanaged_rcm.periods import Period
from comanaged_rcm.raci import CLIENT_RESERVED_DECISIONS

__all__: list[str] = []

_FIRED = (EventKind.FIRING, EventKind.ESCALATED)
_OPEN = (AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED)
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def _close(day: datetime.date, office: BusinessHours | None) -> datetime.datetime:
    """The close of the day before ``day`` (``day``'s first moment): in the office's zone, else UTC.

    Where the zone skips midnight, the first moment is the first one its clock shows that day.
    """
    if office is None:
        return datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=datetime.UTC)
    wall = datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=office.tz)
    return office.local(wall.astimezone(datetime.UTC))  # through UTC: a skipped wall time becomes real


def _overdue(alert: Alert, now: datetime.datetime, office: BusinessHours) -> bool:
    """Whether the alert's deadline is before ``now``: its moment, or the close of its day in the zone.

    The escalation package's rule (:func:`comanaged_rcm.escalation.overdue`), so the report's marks
    and its groups' overdue counts agree.
    """
    return overdue(alert.deadline_at or alert.deadline, now, office)


@attrs.frozen(kw_only=True)
class EscalationStage:
    """What the escalation stage hands on: the state to keep, the clock, and the report's parts.

    ``state`` is the escalation state at the report period's end (what a history keeps for the
    next week); ``now`` is that end's clock; ``lines`` are the open alerts, ``groups`` their
    escalation groups (and those resolved this week), ``decisions`` the items waiting for a
    client-reserved decision by decision type, ``decided`` the decisions taken this week and
    ``headline`` sums them up; :meth:`report_fields` are the
    :class:`~comanaged_rcm.cycle.GovernanceReport` fields the stage fills.
    """

    state: State
    now: datetime.datetime
    lines: tuple[EscalationLine, ...]
    groups: tuple[EscalationGroupLine, ...] = ()
    decisions: tuple[DecisionLine, ...] = ()
    decided: tuple[DecidedLine, ...] = ()
    headline: Headline | None = None

    def report_fields(self) -> dict[str, Any]:
        """The report's fields this stage fills, by name."""
        return {
            "escalations": self.lines,
            "groups": self.groups,
            "decisions": self.decisions,
            "decided": self.decided,
            "headline": self.headline,
        }


def escalation_stage(
    engagement: Engagement,
    data: CycleData,
    book: Book,
    periods: Sequence[Period],
    *,
    start: State | None = None,
    decisions: Iterable[Decision] = (),
    acks: Iterable[Acknowledgement] = (),
    facts: _Facts | None = None,
) -> EscalationStage:
    """Step the rules over ``periods`` (oldest first) from ``start`` and report the open alerts.

    Without ``start`` the rules start from an empty state, so a replay over the last
    ``escalation_periods`` periods lets pending holds, ``keep_firing_for`` and ladders see more
    than one evaluation. Each alert's explanation is that of the event that last fired or
    escalated it in these periods; an alert carried from ``start`` that did neither is explained
    by its evaluation at the last period, and every alert's severity is its rule's. Its message
    is the rule's message with the values of the last period's evaluation where the condition
    held, else those it fired on in these periods, else the last period's; its "since" is the
    moment it first fired (:attr:`~comanaged_rcm.escalation.Alert.fired_at`, kept through
    acknowledgements).
    Each step's clock is the close of its period's last day: in the zone of the engagement's
    business hours, which are the rules' calendar (deadlines in business hours count there), or
    at UTC midnight without them.

    The open alerts are grouped by :func:`comanaged_rcm.escalation.alert_groups` (rule x owner x
    decision type); a group is ``new`` when no group of its key was open in ``start``,
    ``resolved`` when one was and none is now (without ``start`` every group is ``open``), and
    its "since" is its oldest alert's first firing. The dollars at stake of an alert are its
    :attr:`~comanaged_rcm.escalation.Alert.amount` for a rule that names an amount field, else
    the ``balance`` (:data:`AMOUNT`) of the record its entity was last evaluated on (or that it
    fired on, when no record of it is left), rounded to cents; sums add the rounded amounts.

    ``decisions`` and ``acks`` are the provider's decision log and the acknowledgements
    recorded so far (a history store's :class:`~comanaged_rcm.cycle.Decision` and
    :class:`~comanaged_rcm.cycle.Acknowledgement` records); the report reads those taken by its
    clock. A decision covers an open alert when its decision type is the one the alert waits
    for, it was taken at or after the alert's condition began, and its ``key`` is the alert's
    dedup key or its group's key; the latest covering decision counts, and an approval or a
    denial takes the item off the decisions waiting (a deferral leaves it waiting, counted as
    deferred). An acknowledgement counts for the alert of its key taken at or after the
    alert's condition began (an acknowledged alert counts too). ``facts`` are the tables' facts
    built already for an earlier run over the same data (built here without them).

    Raises:
        ValidationError: ``decisions`` or ``acks`` not a sequence of those records.
    """
    decisions = check.tuple_of(decisions, Decision, "$.decisions")
    acks = check.tuple_of(acks, Acknowledgement, "$.acks")
    with no_cycle_collection():  # thousands of alerts, events and lines, none in a reference cycle
        facts = facts_of(engagement, data, book) if facts is None else facts
        return _stage(engagement, facts, periods, start=start, decisions=decisions, acks=acks)


def replay(engagement: Engagement, facts: _Facts, periods: Sequence[Period], start: State | None) -> State:
    """The state after stepping the rules over ``periods`` from ``start``: a stage's, without its report."""
    office = None if engagement.business_hours is None else engagement.business_hours.business_hours
    state = State() if start is None else start
    facts.prepare(periods)
    with no_cycle_collection():
        for replayed in periods:
            snapshot = facts.at(replayed)
            state, _ = step(
                engagement.rules.rules,
                state,
                snapshot,
                _close(replayed.end, office),
                office,
                directory=engagement.split,
            )
    return state


def _stage(
    engagement: Engagement,
    facts: _Facts,
    periods: Sequence[Period],
    *,
    start: State | None,
    decisions: tuple[Decision, ...],
    acks: tuple[Acknowledgement, ...],
) -> EscalationStage:
    """:func:`escalation_stage` of checked decisions and acknowledgements."""
    office = None if engagement.business_hours is None else engagement.business_hours.business_hours
    rules = engagement.rules.rules
    state = State() if start is None else start
    fired: dict[str, Event] = {}
    now = _close(periods[-1].end, office)
    latest: dict[str, LatestEvaluation] = {}
    facts.prepare(periods)
    for index, replayed in enumerate(periods):
        now = _close(replayed.end, office)
        snapshot = facts.at(replayed)
        if index < len(periods) - 1:
            state, events = step(rules, state, snapshot, now, office, directory=engagement.split)
        else:  # the last step also hands back each open alert's evaluation: its current values
            state, events = step(
                rules, state, snapshot, now, office, directory=engagement.split, latest=latest, read=(AMOUNT,)
            )
        fired.update((e.key, e) for e in events if e.kind in _FIRED and e.key is not None)
    week = _Week(engagement, rules, state, now, office)
    current = week.current(latest, fired)
    grouping = alert_groups(state, now, rules=rules, calendar=office)
    placed = {key: group.key for group in grouping.groups for key in group.alerts}
    lines = _lines(engagement, state, now, office, current=current, groups=placed, muted=grouping.plan.muted)
    groups = week.groups(grouping, lines, start, acks)
    waiting, decided = week.decisions(lines, groups, decisions, _close(periods[-1].start, office))
    return EscalationStage(
        state=state,
        now=now,
        lines=lines,
        groups=groups,
        decisions=waiting,
        decided=decided,
        headline=headline_of(waiting, decided, groups),
    )


AMOUNT = "balance"
"""The fact field read as an alert's dollars at stake."""


def _escalations(
    engagement: Engagement, data: CycleData, book: Book, period: Period
) -> tuple[tuple[EscalationLine, ...], datetime.datetime]:
    """The open alerts at the period's end after replaying the last ``escalation_periods`` periods."""
    periods = engagement.cadence.periods_ending(period.end, engagement.escalation_periods)
    stage = escalation_stage(engagement, data, book, periods)
    return stage.lines, stage.now


_LINE_TEXT = {
    "rule": False,
    "owner_name": False,
    "dedup_key": False,
    **dict.fromkeys(("severity", "level", "owner", "entity", "reason", "message", "group", "muted"), True),
}
"""The text fields of an :class:`EscalationLine`, and whether each may be empty (a note)."""


def _lines(
    engagement: Engagement,
    state: State,
    now: datetime.datetime,
    office: BusinessHours | None,
    *,
    current: Mapping[str, _Current],
    groups: Mapping[str, str] | None = None,
    muted: Mapping[str, str] | None = None,
) -> tuple[EscalationLine, ...]:
    """The report's line of each open alert, most urgent first: severity, deadline, rule, entity.

    Every field comes from the replay's checked alerts and evaluations (``current``: each open
    alert's), or the scope split's parties; the lines are built without running their
    validators for each line, and the text fields' distinct values are checked as the
    validators would check them, once each.
    """
    names: dict[str, str] = {}
    for party in engagement.split.parties:
        names.setdefault(party.id, party.name)
    group_of, muted_of = groups or {}, muted or {}
    rows: list[tuple[Any, ...]] = []
    keys: list[tuple[int, datetime.date, str, str]] = []
    for alert in state.alerts.values():
        if alert.status not in _OPEN:
            continue
        owner = alert.owner or ""
        entity = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
        latest = current[alert.key]
        rows.append(
            (
                alert.rule,
                latest.severity,
                "" if alert.level is None else alert.level.value,
                owner,
                names.get(owner, owner) if owner else "(no owner found)",
                entity,
                alert.deadline,
                latest.reason,
                alert.key,
                _fired(alert).date(),
                None if office is None else alert.deadline_at,
                None if office is None else _overdue(alert, now, office),
                group_of.get(alert.key, ""),
                muted_of.get(alert.key, ""),
                latest.message,
                latest.amount,
            )
        )
        keys.append(
            (_SEVERITY_ORDER.get(latest.severity, 9), alert.deadline or datetime.date.max, alert.rule, entity)
        )
    for name, note in _LINE_TEXT.items():
        at = _LINE_FIELDS.index(name)
        for value in {row[at] for row in rows}:
            check.text(value, f"$.{name}", empty=note, multiline=note)
    order = sorted(range(len(keys)), key=keys.__getitem__)  # stable: ties keep the replay's order
    return tuple(_line(*rows[i]) for i in order)


_LINE_FIELDS = (
    "rule", "severity", "level", "owner", "owner_name", "entity", "deadline", "reason", "dedup_key", "since",
    "deadline_at", "overdue", "group", "muted", "message", "amount",
)  # fmt: skip
"""The fields of an :class:`EscalationLine` in the order :func:`_lines` gives their values."""

_line = positional_builder(EscalationLine, _LINE_FIELDS)


def _fired(alert: Alert) -> datetime.datetime:
    """When an open alert first fired (its ``since`` for an alert built without ``fired_at``)."""
    return alert.since if alert.fired_at is None else alert.fired_at


@attrs.frozen
class _Current:
    """An open alert's line values: severity, why, the message with current values, the amount."""

    severity: str
    reason: str
    message: str
    amount: float | None


def _cents(value: object) -> float | None:
    """A fact as a finite amount rounded to cents, else ``None`` (no amount rather than a guess).

    JSON text (an event's input) is read as JSON; a flag, text or a non-finite number is none.
    ``-0.0`` becomes ``0.0``.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float: not an amount
        return None
    return round(number, 2) + 0.0 if math.isfinite(number) else None


def _when(line: EscalationLine) -> tuple[datetime.datetime, datetime.date]:
    """A line's deadline as a sortable moment (the deadline's moment, else the end of its day)."""
    day = line.deadline or datetime.date.max
    if line.deadline_at is not None:
        return line.deadline_at.astimezone(datetime.UTC).replace(tzinfo=None), day
    return datetime.datetime.combine(day, datetime.time.max), day


def _earliest(members: Sequence[EscalationLine]) -> dict[str, Any]:
    """The earliest deadline of some lines (``deadline`` and ``deadline_at``) and their overdue count."""
    first = min(members, key=_when)
    marks = [line.overdue for line in members if line.overdue is not None]
    return {
        "deadline": first.deadline,
        "deadline_at": first.deadline_at,
        "overdue": sum(marks) if marks else None,
    }


def _amounts(members: Sequence[EscalationLine]) -> dict[str, Any]:
    """The sum of some lines' amounts (each in cents already) and how many carry one."""
    return _sum([line.amount for line in members])


def _sum(amounts: Iterable[float | None]) -> dict[str, Any]:
    """``amount`` (the sum of the amounts known, each rounded to cents) and ``amount_items``.

    The cents are added exactly (:func:`math.fsum`) and the total shown to the cent, so float
    residue (``1.4e-14``) never reaches a report.
    """
    values = [round(value, 2) for value in amounts if value is not None]
    total = round(math.fsum(values), 2) + 0.0 if values else None  # the exact sum, to the nearest cent
    return {"amount": total, "amount_items": len(values)}


_STATUS_ORDER = {"new": 0, "open": 1, "resolved": 2}


class _Week:
    """The week's view of the end state: current values, groups, decisions waiting and taken."""

    def __init__(
        self,
        engagement: Engagement,
        rules: Sequence[Rule],
        state: State,
        now: datetime.datetime,
        office: BusinessHours | None,
    ) -> None:
        self.engagement, self.state, self.now, self.office = engagement, state, now, office
        self.rules = {rule.id: rule for rule in rules}
        self.names: dict[str, str] = {}
        self.client: set[str] = set()
        for party in engagement.split.parties:
            self.names.setdefault(party.id, party.name)
            if party.is_client:
                self.client.add(party.id)
        self.open = {key: a for key, a in state.alerts.items() if a.status in _OPEN}

    def current(
        self, latest: Mapping[str, LatestEvaluation], fired: Mapping[str, Event]
    ) -> dict[str, _Current]:
        """Each open alert's severity, reason, message and amount, from the last step's evaluations.

        ``latest`` are the open alerts' evaluations at the last step, ``fired`` the events that
        last fired or escalated an alert in this run. The reason is the fired event's (with the
        message it fired with), else the latest evaluation's; the message is the latest
        evaluation's where the condition held, else the fired event's, else (an alert carried
        from an earlier week, its condition not met today) the latest evaluation's.
        """
        found: dict[str, _Current] = {}
        for key, alert in self.open.items():
            event, reading = fired.get(key), latest.get(key)
            rule = self.rules.get(alert.rule)
            severity = rule.severity if rule is not None else None if event is None else event.severity
            if event is not None:
                reason = f"{event.message} ({event.reason})" if event.message else event.reason
            elif reading is not None:
                reason = f"{reading.message} ({reading.reason})" if reading.message else reading.reason
            else:
                reason = ""
            if reading is not None and (reading.held or event is None):
                message = reading.message  # today's values (an alert carried over: even if not met)
            else:
                message = "" if event is None else event.message
            if rule is not None and rule.amount is not None:
                amount = None if alert.amount is None else _cents(alert.amount)
            elif reading is not None:
                amount = _cents(reading.value(AMOUNT))
            else:
                amount = None if event is None else _cents(event.inputs.get(AMOUNT))
            found[key] = _Current(
                severity="" if severity is None else severity.value,
                reason=reason,
                message=message,
                amount=amount,
            )
        return found

    def decision_of(self, alert: Alert) -> str:
        """The client-reserved decision the alert waits for, or ``""``.

        Its current rung's owner is the holder of a decision of
        :data:`~comanaged_rcm.raci.CLIENT_RESERVED_DECISIONS`, and that holder is a client party.
        """
        rule = self.rules.get(alert.rule)
        if rule is None or alert.owner not in self.client:
            return ""
        owner = rule.rungs[min(alert.rung, len(rule.rungs) - 1)].owner
        if owner.kind is not OwnerKind.DECISION or owner.ref not in CLIENT_RESERVED_DECISIONS:
            return ""
        return owner.ref

    def groups(
        self,
        grouping: AlertGrouping,
        lines: tuple[EscalationLine, ...],
        start: State | None,
        acks: Sequence[Acknowledgement],
    ) -> tuple[EscalationGroupLine, ...]:
        """The open groups and, with a start state, those resolved this week; most urgent first."""
        by_key = {line.dedup_key: (i, line) for i, line in enumerate(lines)}
        before = self._start_groups(start)
        acked = {a.key: a.at for a in acks if a.at <= self.now}
        made = []
        for group in grouping.groups:
            members = sorted((by_key[k] for k in group.alerts if k in by_key), key=lambda p: p[0])
            rows = [line for _, line in members]
            acknowledged = sum(
                1
                for key in group.alerts
                if self.open[key].status is AlertStatus.ACKNOWLEDGED
                or (key in acked and acked[key] >= self.open[key].active_since)
            )
            made.append(
                self._group(
                    group.key,
                    group.labels,
                    status="open" if start is None or group.key in before else "new",
                    alerts=group.alerts,
                    since=min(_fired(self.open[key]) for key in group.alerts).date(),
                    severity="" if group.severity is None else group.severity.value,
                    acknowledged=acknowledged,
                    message=rows[0].message if rows else "",
                    **_amounts(rows),
                    **_earliest(rows),
                )
            )
        current = {group.key for group in grouping.groups}
        earlier = {} if start is None else start.alerts
        for key, group in before.items():
            if key in current:
                continue
            amounts = _sum(earlier[k].amount for k in group.alerts) if group.amount is not None else {}
            made.append(
                self._group(
                    key,
                    group.labels,
                    status="resolved",
                    alerts=group.alerts,
                    since=min(_fired(earlier[k]) for k in group.alerts).date(),
                    severity="" if group.severity is None else group.severity.value,
                    amount=amounts.get("amount"),
                    amount_items=amounts.get("amount_items", group.amount_alerts),
                    deadline=None,
                )
            )
        made.sort(
            key=lambda g: (
                _STATUS_ORDER[g.status],
                _SEVERITY_ORDER.get(g.severity, 9),
                g.deadline or datetime.date.max,
                g.rule,
                g.key,
            )
        )
        return tuple(made)

    def _group(self, key: str, labels: Mapping[str, str], **fields: Any) -> EscalationGroupLine:  # noqa: ANN401 - the line's fields
        owner = labels.get("owner", "")
        owner = "" if owner == "unassigned" else owner
        return EscalationGroupLine(
            key=key,
            rule=labels.get("alertname", "(any rule)"),
            owner=owner,
            owner_name=self.names.get(owner, owner) if owner else "(no owner found)",
            decision=labels.get("decision", ""),
            count=len(fields["alerts"]),
            **fields,
        )

    def _start_groups(self, start: State | None) -> dict[str, AlertGroup]:
        """The groups open in the start state (of alerts whose rules are still the engagement's)."""
        if start is None:
            return {}
        alerts = [a for a in start.alerts.values() if a.rule in self.rules]
        grouping = alert_groups(alerts, self.now, rules=list(self.rules.values()), calendar=self.office)
        return {group.key: group for group in grouping.groups}

    def decisions(
        self,
        lines: tuple[EscalationLine, ...],
        groups: tuple[EscalationGroupLine, ...],
        log: Sequence[Decision],
        week_start: datetime.datetime,
    ) -> tuple[tuple[DecisionLine, ...], tuple[DecidedLine, ...]]:
        """The items waiting by decision type, and the decisions taken this week."""
        group_of = {key: g.key for g in groups if g.status != "resolved" for key in g.alerts}
        taken = sorted((d for d in log if d.at <= self.now), key=lambda d: d.at)
        by_key: dict[str, list[Decision]] = {}
        for decision in taken:
            by_key.setdefault(decision.key, []).append(decision)
        waiting: dict[str, list[tuple[EscalationLine, bool]]] = {}
        covered: dict[str, int] = {}
        for line in lines:
            alert = self.open[line.dedup_key]
            kind = self.decision_of(alert)
            if not kind:
                continue
            keys = (line.dedup_key, group_of.get(line.dedup_key, ""))
            for key in keys:
                for decision in by_key.get(key, ()):
                    if decision.decision == kind:
                        covered[decision.id] = covered.get(decision.id, 0) + 1
            matching = [
                d
                for key in keys
                for d in by_key.get(key, ())
                if d.decision == kind and d.at >= alert.active_since
            ]
            verdict = max(matching, key=lambda d: d.at).verdict if matching else None
            if verdict in {Verdict.APPROVE, Verdict.DENY}:
                continue
            waiting.setdefault(kind, []).append((line, verdict is Verdict.DEFER))
        made = []
        for kind, items in waiting.items():
            rows = [line for line, _ in items]
            since = min(self.open[line.dedup_key].active_since for line in rows).date()
            notes = sorted({self._recommendation(line.rule) for line in rows} - {""})
            made.append(
                DecisionLine(
                    decision=kind,
                    count=len(rows),
                    alerts=tuple(line.dedup_key for line in rows),
                    since=since,
                    deferred=sum(deferred for _, deferred in items),
                    recommendation="; ".join(notes),
                    **_amounts(rows),
                    **_earliest(rows),
                )
            )
        made.sort(key=lambda d: (-(d.overdue or 0), d.deadline or datetime.date.max, d.decision))
        decided = tuple(
            DecidedLine(
                id=d.id,
                decision=d.decision,
                key=d.key,
                verdict=d.verdict.value,
                actor=d.actor,
                at=d.at,
                note=d.note,
                amount=d.amount,
                items=covered.get(d.id, 0),
            )
            for d in taken
            if d.at > week_start
        )
        return tuple(made), decided

    def _recommendation(self, rule: str) -> str:
        found = self.rules.get(rule)
        return "" if found is None else found.annotations.get("recommendation", "")
