"""The cycle's escalation stage: the rules replayed over the tables, and the report's lines."""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

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
from comanaged_rcm.escalation import (
    Alert,
    AlertGroup,
    AlertGrouping,
    AlertStatus,
    BusinessHours,
    Categorical,
    Event,
    EventKind,
    FactKind,
    OwnerKind,
    Rule,
    State,
    alert_groups,
    overdue,
    step,
)
from comanaged_rcm.escalation._edge import build
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
) -> EscalationStage:
    """Step the rules over ``periods`` (oldest first) from ``start`` and report the open alerts.

    Without ``start`` the rules start from an empty state, so a replay over the last
    ``escalation_periods`` periods lets pending holds, ``keep_firing_for`` and ladders see more
    than one evaluation; each alert's explanation is that of the event that last fired or
    escalated it, and its message is the rule's message with the values of the last period's
    evaluation (the one that fired it when the condition no longer holds). Each step's clock is
    the close of its period's last day: in the zone of the engagement's business hours, which are
    the rules' calendar (deadlines in business hours count there), or at UTC midnight without them.

    The open alerts are grouped by :func:`comanaged_rcm.escalation.alert_groups` (rule x owner x
    decision type); a group is ``new`` when no group of its key was open in ``start``,
    ``resolved`` when one was and none is now (without ``start`` every group is ``open``). The
    dollars at stake are each alert's ``balance`` (:data:`AMOUNT`): the value its rule read, or
    the one its entity's row of the last period's facts holds.

    ``decisions`` and ``acks`` are the provider's decision log and the acknowledgements
    recorded so far (a history store's :class:`~comanaged_rcm.cycle.Decision` and
    :class:`~comanaged_rcm.cycle.Acknowledgement` records); the report reads those taken by its
    clock. A decision covers an open alert when its decision type is the one the alert waits
    for, it was taken at or after the alert's condition began, and its ``key`` is the alert's
    dedup key or its group's key; the latest covering decision counts, and an approval or a
    denial takes the item off the decisions waiting (a deferral leaves it waiting, counted as
    deferred). An acknowledgement counts for the alert of its key taken at or after the
    alert's condition began (an acknowledged alert counts too).

    Raises:
        ValidationError: ``decisions`` or ``acks`` not a sequence of those records.
    """
    decisions = check.tuple_of(decisions, Decision, "$.decisions")
    acks = check.tuple_of(acks, Acknowledgement, "$.acks")
    office = None if engagement.business_hours is None else engagement.business_hours.business_hours
    facts = _Facts(engagement, data, book)
    rules = engagement.rules.rules
    state = State() if start is None else start
    fired: dict[str, Event] = {}
    now = _close(periods[-1].end, office)
    last: dict[FactKind, Any] = {}
    for replayed in periods:
        now = _close(replayed.end, office)
        last = facts.at(replayed)
        state, events = step(rules, state, last, now, office, directory=engagement.split)
        fired.update((e.key, e) for e in events if e.kind in _FIRED and e.key is not None)
    week = _Week(engagement, rules, state, now, office)
    current = week.current(last, fired)
    grouping = alert_groups(state, now, rules=rules, calendar=office)
    placed = {key: group.key for group in grouping.groups for key in group.alerts}
    lines = _lines(
        engagement, state, fired, now, office, current=current, groups=placed, muted=grouping.plan.muted
    )
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
    fired: dict[str, Event],
    now: datetime.datetime,
    office: BusinessHours | None,
    *,
    current: Mapping[str, _Current] | None = None,
    groups: Mapping[str, str] | None = None,
    muted: Mapping[str, str] | None = None,
) -> tuple[EscalationLine, ...]:
    """The report's line of each open alert, most urgent first: severity, deadline, rule, entity.

    Every field comes from the replay's checked alerts and events, or the scope split's
    parties; the lines are built without running their validators for each line, and the text
    fields' distinct values are checked as the validators would check them, once each.
    """
    names: dict[str, str] = {}
    for party in engagement.split.parties:
        names.setdefault(party.id, party.name)
    now_of, group_of, muted_of = current or {}, groups or {}, muted or {}
    fields: list[dict[str, Any]] = []
    keys: list[tuple[int, datetime.date, str, str]] = []
    for alert in state.alerts.values():
        if alert.status not in _OPEN:
            continue
        event = fired.get(alert.key)
        owner = alert.owner or ""
        reason = severity = ""
        if event is not None:
            reason = f"{event.message} ({event.reason})" if event.message else event.reason
            severity = "" if event.severity is None else event.severity.value
        entity = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
        latest = now_of.get(alert.key)
        fields.append(
            {
                "rule": alert.rule,
                "severity": severity,
                "level": "" if alert.level is None else alert.level.value,
                "owner": owner,
                "owner_name": names.get(owner, owner) if owner else "(no owner found)",
                "entity": entity,
                "deadline": alert.deadline,
                "reason": reason,
                "dedup_key": alert.key,
                "since": alert.since.date(),
                "deadline_at": None if office is None else alert.deadline_at,
                "overdue": None if office is None else _overdue(alert, now, office),
                "group": group_of.get(alert.key, ""),
                "muted": muted_of.get(alert.key, ""),
                "message": "" if latest is None else latest.message,
                "amount": None if latest is None else latest.amount,
            }
        )
        keys.append(
            (_SEVERITY_ORDER.get(severity, 9), alert.deadline or datetime.date.max, alert.rule, entity)
        )
    for name, note in _LINE_TEXT.items():
        for value in {line[name] for line in fields}:
            check.text(value, f"$.{name}", empty=note, multiline=note)
    order = sorted(range(len(keys)), key=keys.__getitem__)  # stable: ties keep the replay's order
    return tuple(build(EscalationLine, **fields[i]) for i in order)


@attrs.frozen
class _Current:
    """An open alert's latest evaluation: the rule's message with its values, and the amount at stake."""

    message: str
    amount: float | None


def _number(text: str) -> float | None:
    """A fact's JSON text as a finite number, else ``None`` (no amount rather than a guess)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _text_column(column: object) -> npt.NDArray[np.str_]:
    """A fact column as text, as an alert's labels hold its values."""
    if isinstance(column, Categorical):
        return column.decode()
    return np.asarray(column).astype(str)


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
    values = [line.amount for line in members if line.amount is not None]
    return {"amount": math.fsum(values) if values else None, "amount_items": len(values)}


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

    def current(self, last: Mapping[FactKind, Any], fired: Mapping[str, Event]) -> dict[str, _Current]:
        """Each open alert's message and amount at the last evaluation.

        The rules with open alerts are stepped once more, from an empty state, over the last
        period's facts: the event each entity whose condition holds gets there has the rule's
        message with today's values. Where the condition no longer holds (a ``keep_firing_for``
        hold), the message is the one that fired the alert.
        """
        wanted = sorted({a.rule for a in self.open.values()})
        rules = [self.rules[name] for name in wanted if name in self.rules]
        latest: dict[str, Event] = {}
        if rules:
            _, events = step(rules, State(), last, self.now, self.office, directory=self.engagement.split)
            latest = {e.key: e for e in events if e.key in self.open}
        found: dict[str, _Current] = {}
        missing: dict[str, list[Alert]] = {}
        for key, alert in self.open.items():
            event = latest.get(key) or fired.get(key)
            message = "" if event is None else event.message
            amount = None
            for source in (latest.get(key), fired.get(key)):
                if source is not None and AMOUNT in source.inputs:
                    amount = _number(source.inputs[AMOUNT])
                    break
            else:
                missing.setdefault(alert.rule, []).append(alert)
            found[key] = _Current(message=message, amount=amount)
        for name, alerts in missing.items():
            for key, amount in self._looked_up(name, alerts, last).items():
                found[key] = attrs.evolve(found[key], amount=amount)
        return found

    def _looked_up(
        self, name: str, alerts: Sequence[Alert], last: Mapping[FactKind, Any]
    ) -> dict[str, float]:
        """The amounts of alerts whose rule does not read one: their entity's row of the last facts."""
        rule = self.rules.get(name)
        table = None if rule is None else last.get(rule.applies_to)
        if rule is None or not isinstance(table, Mapping) or AMOUNT not in table or not rule.dedup_keys:
            return {}
        fields = rule.dedup_keys
        if not all(field in table for field in fields):
            return {}
        wanted = {tuple(a.labels.get(field, "") for field in fields): a.key for a in alerts}
        first = _text_column(table[fields[0]])
        rows = np.flatnonzero(np.isin(first, sorted({k[0] for k in wanted})))
        columns = [first[rows], *(_text_column(table[f])[rows] for f in fields[1:])]
        amounts = np.asarray(table[AMOUNT], dtype=np.float64)[rows]
        found: dict[str, float] = {}
        for i, values in enumerate(zip(*(c.tolist() for c in columns), strict=True)):
            key = wanted.get(values)
            if key is not None and math.isfinite(amounts[i]):
                found[key] = float(amounts[i])
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
                    since=group.oldest_since.date(),
                    severity="" if group.severity is None else group.severity.value,
                    acknowledged=acknowledged,
                    message=rows[0].message if rows else "",
                    **_amounts(rows),
                    **_earliest(rows),
                )
            )
        current = {group.key for group in grouping.groups}
        for key, group in before.items():
            if key in current:
                continue
            made.append(
                self._group(
                    key,
                    group.labels,
                    status="resolved",
                    alerts=group.alerts,
                    since=group.oldest_since.date(),
                    severity="" if group.severity is None else group.severity.value,
                    amount=group.amount,
                    amount_items=group.amount_alerts,
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
