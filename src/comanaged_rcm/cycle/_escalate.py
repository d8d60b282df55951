"""The cycle's escalation stage: the rules replayed over the tables, and the report's lines."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from comanaged_rcm import _check as check
from comanaged_rcm.cycle._data import CycleData
from comanaged_rcm.cycle._engagement import Engagement
from comanaged_rcm.cycle._facts import _Facts
from comanaged_rcm.cycle._report import EscalationLine
from comanaged_rcm.cycle._store import Acknowledgement, Decision
from comanaged_rcm.escalation import Alert, AlertStatus, BusinessHours, Event, EventKind, State, overdue, step
from comanaged_rcm.escalation._edge import build
from comanaged_rcm.kpi import Book
from comanaged_rcm.periods import Period

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
    """What the escalation stage hands on: the state to keep, the clock, and the report's lines.

    ``state`` is the escalation state at the report period's end (what a history keeps for the
    next week); ``now`` is that end's clock; :meth:`report_fields` are the
    :class:`~comanaged_rcm.cycle.GovernanceReport` fields the stage fills.
    """

    state: State
    now: datetime.datetime
    lines: tuple[EscalationLine, ...]

    def report_fields(self) -> dict[str, Any]:
        """The report's fields this stage fills, by name."""
        return {"escalations": self.lines}


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
    escalated it. Each step's clock is the close of its period's last day: in the zone of the
    engagement's business hours, which are the rules' calendar (deadlines in business hours
    count there), or at UTC midnight without them.

    ``decisions`` and ``acks`` are the provider's decision log and the acknowledgements
    recorded so far (a history store's :class:`~comanaged_rcm.cycle.Decision` and
    :class:`~comanaged_rcm.cycle.Acknowledgement` records); the report reads those taken by its
    clock.

    Raises:
        ValidationError: ``decisions`` or ``acks`` not a sequence of those records.
    """
    decisions = check.tuple_of(decisions, Decision, "$.decisions")
    acks = check.tuple_of(acks, Acknowledgement, "$.acks")
    office = None if engagement.business_hours is None else engagement.business_hours.business_hours
    facts = _Facts(engagement, data, book)
    state = State() if start is None else start
    fired: dict[str, Event] = {}
    now = _close(periods[-1].end, office)
    for replayed in periods:
        now = _close(replayed.end, office)
        state, events = step(
            engagement.rules.rules, state, facts.at(replayed), now, office, directory=engagement.split
        )
        fired.update((e.key, e) for e in events if e.kind in _FIRED and e.key is not None)
    return EscalationStage(state=state, now=now, lines=_lines(engagement, state, fired, now, office))


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
    **dict.fromkeys(("severity", "level", "owner", "entity", "reason"), True),
}
"""The text fields of an :class:`EscalationLine`, and whether each may be empty (a note)."""


def _lines(
    engagement: Engagement,
    state: State,
    fired: dict[str, Event],
    now: datetime.datetime,
    office: BusinessHours | None,
) -> tuple[EscalationLine, ...]:
    """The report's line of each open alert, most urgent first: severity, deadline, rule, entity.

    Every field comes from the replay's checked alerts and events, or the scope split's
    parties; the lines are built without running their validators for each line, and the text
    fields' distinct values are checked as the validators would check them, once each.
    """
    names: dict[str, str] = {}
    for party in engagement.split.parties:
        names.setdefault(party.id, party.name)
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
