"""One governance cycle: KPIs with trends, operations, QA, escalations and scope findings."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as check
from comanaged_rcm.cycle import _history
from comanaged_rcm.cycle._calendar import EARLIEST_AS_OF, LATEST_AS_OF, CycleCalendar
from comanaged_rcm.cycle._data import (
    Columns,
    CycleData,
    case_findings,
    coverage,
    item_columns,
    scope_findings,
)
from comanaged_rcm.cycle._economics import margin
from comanaged_rcm.cycle._engagement import _SEED, Engagement, QaPolicy, check_engagement
from comanaged_rcm.cycle._escalate import escalation_stage
from comanaged_rcm.cycle._facts import _day, _open_at
from comanaged_rcm.cycle._report import (
    FindingLine,
    GovernanceReport,
    KpiLine,
    OperationsSection,
    PartyWork,
    QaLine,
    TrendPoint,
    WorkflowQueue,
)
from comanaged_rcm.cycle._store import HistoryStore
from comanaged_rcm.cycle._warehouse import dates_of
from comanaged_rcm.errors import Issue, RCMError, ValidationError
from comanaged_rcm.kpi import Book, LazyBook, Scorecard, Target, catalogue, trend
from comanaged_rcm.periods import Period
from comanaged_rcm.raci import PartyKind, validate
from comanaged_rcm.sampling import Method, attribute_sample_size, attribute_upper_limit, select
from comanaged_rcm.sampling._select import ALGORITHM

__all__ = ["run_cycle", "selection_seed"]


def selection_seed(base: int, workflow: str, period: Period) -> int:
    """The QA selection seed of one workflow and period, derived from the engagement's ``qa_seed``.

    The first four bytes (big-endian) of SHA-256 over ``"{base}:{workflow}:{period start}"``,
    so every period and workflow gets its own stream and anyone can recompute it.

    Raises:
        ValidationError: ``base`` is not a 64-bit integer (``$.base``), ``workflow`` is not text
            (``$.workflow``) or ``period`` not a :class:`~comanaged_rcm.periods.Period`
            (``$.period``).

    >>> selection_seed(20260504, "denials", Period(datetime.date(2026, 10, 19), datetime.date(2026, 10, 26)))
    437793560
    """
    base = check.count(base, "$.base", **_SEED)
    check.text(workflow, "$.workflow")
    check.instance(period, Period, "$.period")
    text = f"{base}:{workflow}:{period.start.isoformat()}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


# ----------------------------------------------------------------------------------------- KPIs
def _kpi_lines(
    engagement: Engagement, cards: Sequence[Scorecard], periods: Sequence[Period], metrics: Sequence[str]
) -> tuple[KpiLine, ...]:
    targets: dict[str, Target] = {t.metric: t for t in engagement.targets}
    definitions = {k.id: k for k in catalogue()}
    lines = []
    for metric in metrics:
        results = [card.result(metric) for card in cards]
        now, before = results[-1], (results[-2] if len(results) > 1 else None)
        definition = definitions[metric]
        target = targets.get(metric)
        change = None
        if before is not None and now.value is not None and before.value is not None:
            change = now.value - before.value
        lines.append(
            KpiLine(
                metric=metric,
                name=definition.name,
                tier=definition.tier.value,
                unit=definition.unit.value,
                direction=definition.direction.value,
                value=now.value,
                numerator=_finite(now.numerator),
                denominator=_finite(now.denominator),
                convention=now.convention,
                reason=now.reason,
                target=None if target is None else target.target,
                status="no_target" if target is None else target.status(now.value).value,
                change=change,
                trend=tuple(
                    TrendPoint(engagement.cadence.label(p), p, r.value)
                    for p, r in zip(periods, results, strict=True)
                ),
            )
        )
    return tuple(lines)


def _scorecards(
    engagement: Engagement, book: Book | LazyBook, windows: Sequence[Period], metrics: Sequence[str]
) -> tuple[Scorecard, ...]:
    """One scorecard per trend period; each covers ``kpi_window`` periods ending with its own.

    Rolling windows overlap, but every ``kpi_window``-th window tiles the calendar, so the
    windows split into ``kpi_window`` interleaved runs of back-to-back periods and each run is
    one pass of :func:`~comanaged_rcm.kpi.trend` over the book.
    """
    step = engagement.kpi_window
    cards: list[Scorecard | None] = [None] * len(windows)
    for offset in range(min(step, len(windows))):
        run = windows[offset::step]
        found = trend(book, run, conventions=engagement.conventions, metrics=metrics).scorecards
        cards[offset::step] = found
    return tuple(card for card in cards if card is not None)


def _basis(engagement: Engagement) -> str:
    unit = engagement.cadence.frequency.value.removesuffix("ly")
    if engagement.kpi_window == 1:
        return f"each KPI value covers its own {unit}"
    return f"each KPI value covers the {engagement.kpi_window} {unit}s ending with its {unit}"


def _finite(value: float | None) -> float:
    return 0.0 if value is None or not np.isfinite(value) else float(value)


# ----------------------------------------------------------------------------------- operations
def _party(engagement: Engagement, party_id: str) -> tuple[str, str]:
    try:
        party = engagement.split.party(party_id)
    except RCMError:
        return party_id, "unknown"
    return party.name, party.kind.value


def _operations(
    engagement: Engagement,
    items: Book | Columns,
    period: Period,
    activity: tuple[KpiLine, ...],
    open_alerts: int,
) -> OperationsSection:
    """Who worked what in ``period`` and the queues at its end, from the work items.

    ``items`` is the cycle's Book (its codes of team and workflow are shared) or the work items'
    columns. Rows are counted by the integer codes of (team, workflow); the few pairs found are
    listed in the order of their team and workflow joined by a unit separator (U+001F).
    """
    columns, codes = item_columns(items)
    if not columns:
        return OperationsSection(by_party=(), queues=(), activity_kpis=activity, open_escalations=open_alerts)
    start, end = _day(period.start), _day(period.end)
    closed = columns["closed"]
    done = (closed >= start) & (closed < end)
    still_open = _open_at(dict(columns), end)
    teams, team_code = codes("team")
    workflows, workflow_code = codes("workflow")
    pair = team_code * len(workflows) + workflow_code
    n = len(teams) * len(workflows)
    counts = {
        "closed": np.bincount(pair[done], minlength=n),
        "touches": np.bincount(pair[done], weights=columns["touches"][done], minlength=n),
        "escalated": np.bincount(pair[done & columns["escalated"]], minlength=n),
        "open": np.bincount(pair[still_open], minlength=n),
    }
    found = np.flatnonzero(counts["closed"] + counts["open"])
    named = sorted((f"{teams[i // len(workflows)]}\x1f{workflows[i % len(workflows)]}", i) for i in found)
    by_party = []
    for _, i in named:
        team, workflow = str(teams[i // len(workflows)]), str(workflows[i % len(workflows)])
        name, kind = _party(engagement, team)
        by_party.append(
            PartyWork(
                party=team,
                party_name=name,
                kind=kind,
                workflow=workflow,
                closed=int(counts["closed"][i]),
                touches=int(counts["touches"][i]),
                escalated=int(counts["escalated"][i]),
                open_items=int(counts["open"][i]),
            )
        )
    age = (end - columns["opened"][still_open]).astype(np.int64)
    open_code = workflow_code[still_open]
    queues = []
    for code, workflow in enumerate(workflows):
        ages = age[open_code == code]
        queues.append(
            WorkflowQueue(
                workflow=str(workflow),
                open_items=len(ages),
                aged_over_30=int((ages > 30).sum()),
                median_age_days=float(np.median(ages)) if len(ages) else None,
                oldest_age_days=int(ages.max()) if len(ages) else None,
            )
        )
    return OperationsSection(
        by_party=tuple(by_party), queues=tuple(queues), activity_kpis=activity, open_escalations=open_alerts
    )


# ------------------------------------------------------------------------------------------- QA
class _Populations:
    """Item ids closed in a period by the partner or automation, by workflow, sorted.

    Client staff's own work is not the partner's QA. Each period is scanned once, for every
    workflow at the same time, however many policies and windows ask for it. ``items`` is the
    cycle's Book (its codes are shared) or the work items' columns; rows are grouped by their
    workflow's code and sorted by their item id's.
    """

    def __init__(self, engagement: Engagement, items: Book | Columns) -> None:
        self.items, self.codes = item_columns(items)
        client = [p.id for p in engagement.split.parties if p.kind is PartyKind.CLIENT_STAFF]
        self.partner: npt.NDArray[np.bool_] | None = None
        if self.items and client:
            teams, team_code = self.codes("team")
            self.partner = ~np.isin(teams, client)[team_code]
        self.scanned: dict[Period, dict[str, npt.NDArray[np.str_]]] = {}

    def __call__(self, workflow: str, period: Period) -> npt.NDArray[np.str_]:
        if period not in self.scanned:
            self.scanned[period] = self._scan(period)
        return self.scanned[period].get(workflow, np.array([], dtype=str))

    def _scan(self, period: Period) -> dict[str, npt.NDArray[np.str_]]:
        if not self.items:
            return {}
        closed = self.items["closed"]
        rows = (closed >= _day(period.start)) & (closed < _day(period.end))
        if self.partner is not None:
            rows &= self.partner
        workflows, workflow_code = self.codes("workflow")
        ids, id_code = self.codes("item_id")
        found, id_code = workflow_code[rows], id_code[rows]
        return {
            str(workflows[code]): ids[np.sort(id_code[found == code])] for code in np.unique(found).tolist()
        }


def _sample(
    engagement: Engagement, policy: QaPolicy, population: npt.NDArray[np.str_], period: Period
) -> tuple[Any, Any, int]:
    """(plan or None, selected ids, seed) of one period; a plan larger than the population audits all."""
    seed = selection_seed(engagement.qa_seed, policy.workflow, period)
    size = len(population)
    if size == 0:
        return None, population, seed
    finite = policy.method is Method.HYPERGEOMETRIC  # the other methods take no population
    plan = attribute_sample_size(
        policy.confidence,
        policy.tolerable_rate,
        policy.expected_rate,
        population=size if finite else None,
        method=policy.method,
    )
    n = min(plan.sample_size, size)
    selection = select([str(x) for x in population], n, seed)
    return plan, np.array(selection.sorted_items, dtype=str), seed


def _qa_line(
    engagement: Engagement,
    policy: QaPolicy,
    populations: _Populations,
    period: Period,
    audit: Callable[[str, npt.NDArray[np.str_]], npt.NDArray[np.int8]],
    *,
    window: Sequence[Period],
) -> QaLine:
    population = populations(policy.workflow, period)
    plan, selected, seed = _sample(engagement, policy, population, period)
    audited, errors, window_population = 0, 0, 0
    for past in window:
        past_population = populations(policy.workflow, past)
        _, past_selected, _ = _sample(engagement, policy, past_population, past)
        results = audit(policy.workflow, past_selected)
        window_population += len(past_population)
        audited += int((results >= 0).sum())
        errors += int((results == 1).sum())
    label = f"{engagement.cadence.label(window[0])}..{engagement.cadence.label(window[-1])}"
    if len(window) == 1:
        label = engagement.cadence.label(window[0])
    observed = upper = passed = None
    if audited:
        evaluation = attribute_upper_limit(
            audited,
            errors,
            policy.confidence,
            population=window_population if policy.method is Method.HYPERGEOMETRIC else None,
            method=policy.method,
            tolerable_rate=policy.tolerable_rate,
        )
        observed, upper, passed = evaluation.point_estimate, evaluation.upper_limit, evaluation.acceptable
        verdict = "pass" if passed else "FAIL"
        relation = "<=" if passed else ">"
        conclusion = (
            f"{errors} error(s) in {audited} audited items of {window_population}: upper limit "
            f"{upper:.1%} at {policy.confidence:.0%} confidence {relation} tolerable "
            f"{policy.tolerable_rate:.1%}: "
            f"{verdict}"
        )
    else:
        conclusion = f"no QA results recorded for {label}"
    return QaLine(
        workflow=policy.workflow,
        confidence=policy.confidence,
        tolerable_rate=policy.tolerable_rate,
        expected_rate=policy.expected_rate,
        population=len(population),
        sample_size=len(selected),
        acceptable_deviations=0 if plan is None else plan.acceptable_deviations,
        method=policy.method.value,
        convention="" if plan is None else plan.convention,
        selection_seed=seed,
        selection_algorithm=ALGORITHM,
        selected=tuple(str(x) for x in selected),
        audited_period=label,
        audited_sample=audited,
        deviations=errors,
        observed_rate=observed,
        upper_limit=upper,
        passed=passed,
        conclusion=conclusion,
    )


# ------------------------------------------------------------------------------------------ run
def _coverage(engagement: Engagement, data: CycleData, calendar: CycleCalendar) -> tuple[str, str]:
    """Why the data does not cover the period or its KPI window ("" when it does), and the banner."""
    unit = _UNITS[engagement.cadence.frequency.value]
    period, window, as_of = calendar.period, calendar.kpi_window, calendar.as_of
    reported = f"the report's {unit}"
    window_name = reported
    if engagement.kpi_window > 1:
        window_name = f"the KPI window ({engagement.kpi_window} {unit}s ending with the report's {unit})"
    refusals, banner = coverage(
        (reported, period),
        (window_name, window),
        dates_of(data),
    )
    if not refusals:
        return "", ""
    refusal = (
        f"'as_of' {as_of} (the last day counted): {'; '.join(refusals)};"
        " pass allow_partial=True to report anyway"
    )
    return refusal, banner


_UNITS = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}


def run_cycle(
    engagement: Engagement,
    data: CycleData,
    as_of: datetime.date,
    *,
    allow_partial: bool = False,
    history: HistoryStore | None = None,
) -> GovernanceReport:
    """Run one governance cycle and return its report.

    ``as_of`` is the last day counted: the report holds at its close and covers the last
    complete period of the engagement's cadence whose last day is on or before it (a weekly
    Monday-Sunday period ending Sunday 2026-11-29 is reported as of 2026-11-29, and as of any
    day up to the Saturday after): outcome KPIs with their trend over
    ``trend_periods`` periods and status against target, then their drivers; operations (who
    worked what, queues, activity KPIs, open escalations); QA (this period's plan and
    reproducible selection per audited workflow, and the evaluation of the last ``window``
    audited periods); the escalations that fired at the period's end after replaying the rules
    over ``escalation_periods`` periods; and the scope split's findings.

    Args:
        engagement: The engagement document (its cross-references must check clean).
        data: The provider's tables.
        as_of: The last day counted (snapshots such as A/R and open items hold at its close).
        allow_partial: Report on a period the data does not cover, with a banner saying which
            days have no data, instead of refusing it.
        history: Where the engagement's weeks are kept (:func:`~comanaged_rcm.cycle.open_history`
            or a host's :class:`~comanaged_rcm.cycle.HistoryStore`; weekly cadences only). The
            cycle then continues from the last recorded week: after the week before the
            report's, the rules step over the report's week only, from that week's end state;
            with weeks missing in between, over each missing week in order, then the report's;
            on the last recorded week itself, that week is run again from the week before it
            (or replayed from an empty state when it is the first) and recorded again. An
            empty history replays ``escalation_periods`` periods as without one. The
            acknowledgements recorded since the starting week are applied at their moments
            (one of an alert not firing then stays in the log and is named in the report's
            ``history`` notes, as are a week run again and weeks missing), the escalation stage
            reads the whole decision and acknowledgement log, and the week is recorded in one
            transaction: its end state with its silences, its QA selections and audit results,
            and the report's JSON. An alert's ``since`` is then its first firing, however many
            weeks ago.

    The data's range is the span of the transactions' posting dates (the dates every outcome
    reads), or, for a ledger without one, of the submissions' and work items' dates. The
    report's period must not run past its last day, and its KPI window (``kpi_window``
    periods ending with it) must not start before its first: a figure over days without data
    is wrong, not small.

    The work items' teams and workflows are checked against the scope split, and the id
    columns for values that differ only in case or surrounding space; what is found is in
    ``data_findings``.

    Raises:
        ValidationError: ``engagement`` is not an :class:`~comanaged_rcm.cycle.Engagement` or
            has errors, ``data`` is not a :class:`~comanaged_rcm.cycle.CycleData` or its tables
            do not validate, or ``as_of`` is not a date from 1900-01-01 to 9999-12-30 with room in the
            calendar for every period the report reads (``$.as_of``), or the data does not cover
            the report's period or KPI window and ``allow_partial`` is false (``$.as_of``, with
            the data's range in the message), or the escalation rules
            cannot be replayed on the tables up to ``as_of`` (a first issue at ``$.as_of``, then
            the escalation engine's own), or the report's week is before the history's last
            recorded week (``$.as_of``, naming it), or ``history`` is not a history store, the
            cadence is not weekly or the history's weeks are not its weeks (``$.history``).
        HistoryBusyError: Another run is writing the history (nothing is recorded).

    Examples:
        >>> from comanaged_rcm.cycle import default_engagement
        >>> from comanaged_rcm.synthetic import generate_book
        >>> book = generate_book(seed=1, claims=3000)
        >>> report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
        >>> [line.metric for line in report.outcomes]
        ['net_collection_rate', 'days_in_ar', 'write_off_rate']
    """
    check.instance(engagement, Engagement, "$.engagement")
    check.instance(data, CycleData, "$.data")
    as_of = check.date(as_of, "$.as_of", earliest=EARLIEST_AS_OF, latest=LATEST_AS_OF)
    allow_partial = check.flag(allow_partial, "$.allow_partial")
    errors = [f for f in check_engagement(engagement) if f.is_error]
    if errors:
        raise ValidationError([Issue(f.path, f.rule, f.message) for f in errors])
    calendar = CycleCalendar.of(engagement, as_of)
    periods, period = calendar.trend, calendar.period
    week = None if history is None else _history.plan(engagement, history, period, calendar.escalation)
    book = data.book()
    refusal, banner = _coverage(engagement, data, calendar)
    if refusal and not allow_partial:
        raise ValidationError.single("$.as_of", "coverage", refusal)
    metrics = (*engagement.outcomes, *engagement.drivers, *engagement.activity)
    scored = book if data.warehouse is None else data.warehouse  # where the ledger is
    cards = _scorecards(engagement, scored, calendar.kpi_windows, metrics)
    outcomes = _kpi_lines(engagement, cards, periods, engagement.outcomes)
    drivers = _kpi_lines(engagement, cards, periods, engagement.drivers)
    activity = _kpi_lines(engagement, cards, periods, engagement.activity)
    populations = _Populations(engagement, book)
    qa = tuple(
        _qa_line(
            engagement, p, populations, period, data.audit_results, window=calendar.qa_windows[p.workflow]
        )
        for p in engagement.qa
    )
    notes: tuple[FindingLine, ...] = ()
    try:
        if week is None:
            stage = escalation_stage(engagement, data, book, calendar.escalation)
        else:
            stage, notes = _history.escalate(engagement, data, book, week)
    except ValidationError as exc:  # the rules' deadlines and durations, from the tables' dates to as_of
        message = f"replaying the escalation rules on these tables up to 'as_of' ({as_of}) failed"
        raise ValidationError([Issue("$.as_of", "range", message), *exc.issues]) from None
    findings = tuple(
        FindingLine(f.rule, f.severity.value, f.path, f.message) for f in validate(engagement.split)
    )
    data_findings = tuple(
        FindingLine(f.rule, f.severity.value, f.path, f.message)
        for f in (*scope_findings(engagement.split, book), *case_findings(data, book))
    )
    report = GovernanceReport(
        engagement=engagement.name,
        as_of=as_of,
        period=period,
        period_label=engagement.cadence.label(period),
        kpi_basis=_basis(engagement),
        data_source=data.source,
        outcomes=outcomes,
        drivers=drivers,
        operations=_operations(engagement, book, period, activity, len(stage.lines)),
        qa=qa,
        scope_findings=findings,
        partial_data=banner,
        data_findings=data_findings,
        history=(*(() if week is None else week.notes), *notes),
        margin=None if engagement.economics is None else margin(engagement, scored, calendar.kpi_window),
        zone="" if engagement.business_hours is None else engagement.business_hours.zone,
        now=None if engagement.business_hours is None else stage.now,
        **stage.report_fields(),
    )
    if week is not None:
        _history.record(engagement, week, report, stage.state, populations, calendar.qa_windows)
    return report
