"""The weekly cycle over a history: where the week starts, the acknowledgements it applies, what it keeps.

With a :class:`~comanaged_rcm.cycle.HistoryStore`, :func:`~comanaged_rcm.cycle.run_cycle`
continues from the last recorded week instead of replaying a fixed window. :func:`plan` works
out where the reported week starts (and refuses a week before the last recorded one),
:func:`escalate` steps the rules over the weeks to cover with the acknowledgements recorded
since applied at their moments, and :func:`record` keeps the week in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as check
from comanaged_rcm.cycle._data import CycleData
from comanaged_rcm.cycle._engagement import Engagement
from comanaged_rcm.cycle._escalate import EscalationStage, _close, escalation_stage, replay
from comanaged_rcm.cycle._render import render_json
from comanaged_rcm.cycle._report import FindingLine, GovernanceReport
from comanaged_rcm.cycle._store import Acknowledgement, HistoryStore, Snapshot
from comanaged_rcm.cycle._warehouse import facts_of
from comanaged_rcm.escalation import AlertStatus, State, acknowledge
from comanaged_rcm.kpi import Book
from comanaged_rcm.periods import Frequency, Period
from comanaged_rcm.sampling import AttributeEvaluation, Method, Selection, attribute_upper_limit, select

__all__: list[str] = []

_RERUN = "HISTORY-001"
"""The finding of a week recorded before and run again."""
_GAP = "HISTORY-002"
"""The finding of weeks missing between the last recorded week and the reported one."""
_ACK = "HISTORY-003"
"""The finding of an acknowledgement that could not be applied to an open alert."""
_LATER = "HISTORY-004"
"""The finding of an acknowledgement made after the report's clock (it applies to a later week)."""


@attrs.frozen(kw_only=True)
class Plan:
    """Where a week of the cycle starts and what it steps over.

    Attributes:
        history: The store.
        week: The reported week's first day (the report period's start).
        start: The state stepped from (``None``: an empty one, replaying ``periods``).
        periods: The periods the rules step over, oldest first (the reported one last).
        replace: Whether ``week`` is recorded already and is recorded again.
        acks: The acknowledgements to apply during the run, oldest first.
        notes: What the report says about the history (a week run again, weeks missing).
    """

    history: HistoryStore
    week: datetime.date
    start: State | None
    periods: tuple[Period, ...]
    replace: bool
    acks: tuple[Acknowledgement, ...]
    notes: tuple[FindingLine, ...]


def _note(rule: str, message: str, severity: str = "info") -> FindingLine:
    return FindingLine(rule, severity, "history", message)


def _office(engagement: Engagement) -> Any:  # noqa: ANN401 - BusinessHours or None
    return None if engagement.business_hours is None else engagement.business_hours.business_hours


def plan(engagement: Engagement, history: object, period: Period, replay: Sequence[Period]) -> Plan:
    """Where the week of ``period`` starts in ``history``; ``replay`` is the empty history's window.

    Raises:
        ValidationError: ``history`` is not a :class:`~comanaged_rcm.cycle.HistoryStore`, the
            engagement's cadence is not weekly, or the last recorded week is not a week of its
            cadence (``$.history``); the week is before the last recorded one (``$.as_of``).
    """
    if not isinstance(history, HistoryStore):
        check.fail(
            "$.history",
            "type",
            f"'history' must be a HistoryStore such as open_history(path) (got {type(history).__name__})",
        )
    cadence = engagement.cadence
    if cadence.frequency is not Frequency.WEEKLY:
        check.fail(
            "$.history",
            "value",
            f"a history keeps engagement weeks: the engagement's cadence is {cadence.frequency.value}"
            " (run it without a history)",
        )
    week = period.start
    last = history.last_week()
    if last is not None:
        last = check.date(last, "$.history.last_week()")
        if cadence.period_containing(last).start != last:
            check.fail(
                "$.history",
                "value",
                f"the history's last week {last} is not a week of this engagement's cadence (its weeks"
                f" start on a {cadence.week_start.name.title()}): is it another engagement's history?",
            )
        if week < last:
            check.fail(
                "$.as_of",
                "order",
                f"the report's week {week} is before the last recorded week {last}: the history"
                f" continues forward (report on week {last} or later, or run without the history)",
            )
    replace = week == last
    start_week = _week_before(history, week) if replace else last
    notes: list[FindingLine] = []
    if replace:
        source = "an empty state" if start_week is None else f"the end of week {start_week}"
        message = f"week {week} was recorded already: run again from {source} and recorded again"
        notes.append(_note(_RERUN, message))
    if start_week is None:  # an empty history, or its first week again: the replay of a first week
        return Plan(
            history=history, week=week, start=None, periods=tuple(replay),
            replace=replace, acks=_sorted(history.acks()), notes=tuple(notes),
        )  # fmt: skip
    start_period = cadence.period_containing(start_week)
    missing = cadence.periods_between(start_period.end, week) if start_period.end < week else ()
    if missing:
        labels = ", ".join(cadence.label(p) for p in missing)
        message = (
            f"no week recorded for {labels} ({len(missing)} week(s) between {start_week} and {week}):"
            " the rules were stepped over each in order"
        )
        notes.append(_note(_GAP, message))
    clock = _close(start_period.end, _office(engagement))
    kept = history.load(start_week)
    return Plan(
        history=history, week=week, start=kept.state, periods=(*missing, period),
        replace=replace, acks=_since(history, kept.acks, clock), notes=tuple(notes),
    )  # fmt: skip


def _week_before(history: HistoryStore, week: datetime.date) -> datetime.date | None:
    """The last recorded week before ``week``, or ``None`` when ``week`` is the first."""
    return max((w for w in history.weeks() if w < week), default=None)


def _sorted(acks: Sequence[Acknowledgement]) -> tuple[Acknowledgement, ...]:
    return tuple(sorted(acks, key=lambda ack: ack.at))


def _since(
    history: HistoryStore, filed: Sequence[Acknowledgement], clock: datetime.datetime
) -> tuple[Acknowledgement, ...]:
    """The acknowledgements a run from a week's end (its ``clock``) applies, oldest first.

    Those ``filed`` under that week (recorded after its report, whatever their moment), and every
    one made after ``clock``, whatever week it is filed under (so one made after a report's clock
    waits for the week it falls in, and a week run again applies those made during it).
    """
    found = {(a.key, a.actor, a.at): a for a in filed}
    for ack in history.acks(since=clock):
        if ack.at > clock:
            found.setdefault((ack.key, ack.actor, ack.at), ack)
    return _sorted(list(found.values()))


def escalate(
    engagement: Engagement, data: CycleData, book: Book, plan: Plan
) -> tuple[EscalationStage, tuple[FindingLine, ...]]:
    """The escalation stage over the plan's periods, each acknowledgement applied at its moment.

    An acknowledgement is applied before the first step whose clock is at or after its moment;
    one of a key with no firing alert at that moment is kept in the log and named in a finding,
    and one made after the last step's clock waits for the week it falls in (a finding says so).
    The stage reads every decision and acknowledgement of the log.
    """
    office = _office(engagement)
    decisions, acks = plan.history.decisions(), plan.history.acks()
    facts = facts_of(engagement, data, book)  # built once for every run of the weeks
    pending = list(plan.acks)
    state = plan.start  # None: the replay of a first week, from an empty state
    notes: list[FindingLine] = []
    run: list[Period] = []
    for period in plan.periods:
        clock = _close(period.end, office)
        due = [ack for ack in pending if ack.at <= clock]
        if due:
            if run:  # the weeks before the acknowledgement: their end state alone (no report)
                state = replay(engagement, facts, run, state)
                run = []
            for ack in due:
                state, note = _acknowledge(State() if state is None else state, ack)
                notes.extend(note)
            pending = pending[len(due) :]
        run.append(period)
    stage = escalation_stage(
        engagement, data, book, run, start=state, decisions=decisions, acks=acks, facts=facts
    )
    notes.extend(
        _note(
            _LATER,
            f"the acknowledgement of {check.show(ack.key)} by {check.show(ack.actor)} at {ack.at.isoformat()}"
            f" is after this report's clock ({stage.now.isoformat()}): it applies to the week it falls in",
        )
        for ack in pending
    )
    return stage, tuple(notes)


def _acknowledge(state: State, ack: Acknowledgement) -> tuple[State, tuple[FindingLine, ...]]:
    """The state with ``ack`` applied, or as it was with a finding saying why it could not be."""
    alert = state.alerts.get(ack.key)
    reason = ""
    if alert is None:
        reason = "no alert has this key open (it resolved, or never fired)"
    elif alert.status is AlertStatus.ACKNOWLEDGED:
        reason = f"it was acknowledged already by {check.show(alert.acknowledged_by)}"
    elif alert.status is not AlertStatus.FIRING:
        reason = f"the alert is {alert.status.value}, not firing"
    elif alert.since > ack.at:
        reason = f"the alert was not firing then (it fired at {alert.since.isoformat()})"
    if reason:
        message = (
            f"the acknowledgement of {check.show(ack.key)} by {check.show(ack.actor)} at {ack.at.isoformat()}"
            f" was not applied: {reason}; it stays in the log"
        )
        return state, (_note(_ACK, message, "warning"),)
    state, _ = acknowledge(state, ack.key, actor=ack.actor, at=ack.at, note=ack.note)
    return state, ()


Populations = Callable[[str, Period], npt.NDArray[np.str_]]
"""Item ids closed in a period by the partner or automation, for one workflow, sorted."""


def qa_records(
    engagement: Engagement,
    report: GovernanceReport,
    populations: Populations,
    windows: Mapping[str, Sequence[Period]],
) -> tuple[dict[str, Selection], dict[str, AttributeEvaluation]]:
    """The report's QA selections and audit results per workflow, as the sampling package's models.

    Each selection is drawn again from the period's population with the line's size and seed
    (the draw is reproducible: its sorted items are the line's ``selected``); each audit result
    is the attribute evaluation of the line's audited sample over the workflow's window (the
    cycle calendar's ``qa_windows``).
    """
    selections: dict[str, Selection] = {}
    results: dict[str, AttributeEvaluation] = {}
    for policy, line in zip(engagement.qa, report.qa, strict=True):
        population = populations(policy.workflow, report.period)
        if len(population):
            items = [str(x) for x in population]
            selections[policy.workflow] = select(items, line.sample_size, line.selection_seed)
        if line.audited_sample:
            window = windows[policy.workflow]
            finite = policy.method is Method.HYPERGEOMETRIC
            results[policy.workflow] = attribute_upper_limit(
                line.audited_sample,
                line.deviations,
                policy.confidence,
                population=sum(len(populations(policy.workflow, p)) for p in window) if finite else None,
                method=policy.method,
                tolerable_rate=policy.tolerable_rate,
            )
    return selections, results


def record(  # noqa: PLR0917 - the week's parts, each from its own stage
    engagement: Engagement,
    plan: Plan,
    report: GovernanceReport,
    state: State,
    populations: Populations,
    windows: Mapping[str, Sequence[Period]],
) -> None:
    """Keep the week in the history, in one transaction: its end state, QA and report."""
    selections, results = qa_records(engagement, report, populations, windows)
    snapshot = Snapshot(state=state, selections=selections, results=results, report=render_json(report))
    plan.history.record_week(plan.week, snapshot, replace=plan.replace)
