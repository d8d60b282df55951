"""One governance cycle: KPIs with trends, operations, QA, escalations and scope findings."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as check
from comanaged_rcm.cycle._data import (
    Columns,
    CycleData,
    case_findings,
    coverage,
    data_dates,
    scope_findings,
)
from comanaged_rcm.cycle._engagement import _SEED, Engagement, QaPolicy, check_engagement
from comanaged_rcm.cycle._report import (
    EscalationLine,
    FindingLine,
    GovernanceReport,
    KpiLine,
    OperationsSection,
    PartyWork,
    QaLine,
    TrendPoint,
    WorkflowQueue,
)
from comanaged_rcm.errors import Issue, RCMError, ValidationError
from comanaged_rcm.escalation import (
    Alert,
    AlertStatus,
    BusinessHours,
    Categorical,
    Event,
    EventKind,
    FactKind,
    State,
    overdue,
    step,
)
from comanaged_rcm.escalation._edge import build
from comanaged_rcm.kpi import Book, Scorecard, Target, catalogue, evaluate, trend
from comanaged_rcm.kpi._book import _factorize
from comanaged_rcm.periods import Period
from comanaged_rcm.raci import PartyKind, validate
from comanaged_rcm.sampling import Method, attribute_sample_size, attribute_upper_limit, select
from comanaged_rcm.sampling._select import ALGORITHM

__all__ = ["run_cycle", "selection_seed"]

_SIGN = {"charge": 1.0, "refund": 1.0, "payment": -1.0, "contractual_adjustment": -1.0, "write_off": -1.0}
_FIRED = (EventKind.FIRING, EventKind.ESCALATED)
_OPEN = (AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED)
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


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


def _day(value: datetime.date) -> np.datetime64:
    return np.datetime64(value, "D")


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


def _window(engagement: Engagement, period: Period) -> Period:
    """The ``kpi_window`` periods ending with ``period``, as one period."""
    return Period(engagement.cadence.periods_ending(period.end, engagement.kpi_window)[0].start, period.end)


def _scorecards(
    engagement: Engagement, book: Book, periods: Sequence[Period], metrics: Sequence[str]
) -> tuple[Scorecard, ...]:
    """One scorecard per trend period; each covers ``kpi_window`` periods ending with its own.

    Rolling windows overlap, but every ``kpi_window``-th window tiles the calendar, so the
    windows split into ``kpi_window`` interleaved runs of back-to-back periods and each run is
    one pass of :func:`~comanaged_rcm.kpi.trend` over the book.
    """
    step = engagement.kpi_window
    windows = [_window(engagement, period) for period in periods]
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


def _open_at(items: Columns, end: np.datetime64) -> npt.NDArray[np.bool_]:
    closed = items["closed"]
    return (items["opened"] < end) & (np.isnat(closed) | (closed >= end))


def _operations(
    engagement: Engagement, items: Columns, period: Period, activity: tuple[KpiLine, ...], open_alerts: int
) -> OperationsSection:
    if not items:
        return OperationsSection(by_party=(), queues=(), activity_kpis=activity, open_escalations=open_alerts)
    start, end = _day(period.start), _day(period.end)
    closed = items["closed"]
    done = (closed >= start) & (closed < end)
    still_open = _open_at(items, end)
    keys = np.char.add(np.char.add(items["team"].astype(str), "\x1f"), items["workflow"].astype(str))
    uniq, code = np.unique(keys, return_inverse=True)
    n = len(uniq)
    counts = {
        "closed": np.bincount(code, weights=done, minlength=n),
        "touches": np.bincount(code, weights=np.where(done, items["touches"], 0), minlength=n),
        "escalated": np.bincount(code, weights=done & items["escalated"], minlength=n),
        "open": np.bincount(code, weights=still_open, minlength=n),
    }
    by_party = []
    for i, key in enumerate(uniq):
        if not counts["closed"][i] and not counts["open"][i]:
            continue
        team, workflow = str(key).split("\x1f")
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
    queues = []
    age = (end - items["opened"]).astype(np.int64)
    for workflow in np.unique(items["workflow"]):
        mask = still_open & (items["workflow"] == workflow)
        ages = age[mask]
        queues.append(
            WorkflowQueue(
                workflow=str(workflow),
                open_items=int(mask.sum()),
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
    workflow at the same time, however many policies and windows ask for it.
    """

    def __init__(self, engagement: Engagement, items: Columns) -> None:
        self.items = items
        client = [p.id for p in engagement.split.parties if p.kind is PartyKind.CLIENT_STAFF]
        self.partner = ~np.isin(items["team"], client) if items and client else None
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
        ids, workflows = self.items["item_id"][rows], self.items["workflow"][rows]
        return {str(w): np.sort(ids[workflows == w]) for w in np.unique(workflows)}


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
) -> QaLine:
    population = populations(policy.workflow, period)
    plan, selected, seed = _sample(engagement, policy, population, period)
    window = engagement.cadence.periods_ending(period.start, policy.window)
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


# ----------------------------------------------------------------------------------- escalation
_NO_ROWS = np.zeros(0, dtype=np.intp)
_OPEN_STATUS = np.array(["open"])


def _position(uniques: npt.NDArray[np.str_], value: str) -> int:
    """The index of ``value`` among sorted distinct ``uniques``; -1 when it is not one of them."""
    at = int(np.searchsorted(uniques, value))
    return at if at < len(uniques) and uniques[at] == value else -1


def _claim_codes(
    claims: npt.NDArray[np.str_], uniques: npt.NDArray[np.str_], inverse: npt.NDArray[np.intp]
) -> npt.NDArray[np.intp]:
    """Each row's code among the ledger's sorted distinct ``claims`` (-1: not in the ledger).

    ``uniques`` and ``inverse`` code the rows' own claim ids (sorted distinct ids, as
    :meth:`~comanaged_rcm.kpi.Book.codes` gives them). The two sorted arrays are merged by one
    stable sort of the two end to end (which finds the two runs and merges them in one pass):
    each of ``uniques`` lands after the ledger ids not greater than it, the last of which is
    its match when it has one.
    """
    merged = np.concatenate([claims, uniques]).argsort(kind="stable")
    ours = merged >= len(claims)
    at = np.maximum(np.cumsum(~ours)[ours] - 1, 0)  # ours in order: the i-th is uniques[i]
    found = np.where(claims[at] == uniques, at, -1)
    codes: npt.NDArray[np.intp] = found[inverse]
    return codes


class _Packed:
    """Text ids as 64-bit keys in string order, when their characters fit (else ``None``).

    Each string's code points are packed first-most-significant at the bits of the largest
    code point of ``claims`` and the rows looked up, so distinct strings get distinct keys and
    sorted strings sorted keys. Looking rows up among the ledger's ids then compares integers.
    """

    def __init__(self, claims: npt.NDArray[np.str_], width: int, bits: int) -> None:
        self.width, self.bits = width, np.uint64(bits)
        self.keys = self.of(claims)

    @classmethod
    def make(cls, claims: npt.NDArray[np.str_], *others: npt.NDArray[np.str_]) -> _Packed | None:
        """Keys for ``claims`` able to hold ``others`` too; ``None`` when they need over 64 bits."""
        arrays = (claims, *others)
        if not len(claims) or any(a.dtype.kind != "U" for a in arrays):
            return None
        width = max(1, *(a.dtype.itemsize // 4 for a in arrays))
        bits = max(1, *(int(_grid(a, width).max()).bit_length() for a in arrays if a.size))
        return cls(claims, width, bits) if width * bits <= 64 else None

    def of(self, values: npt.NDArray[np.str_]) -> npt.NDArray[np.uint64]:
        """Each string's key (its code points must fit the packing's width and bits)."""
        grid = _grid(values, self.width)
        keys = grid[:, 0].astype(np.uint64)
        for column in grid.T[1:]:
            keys <<= self.bits
            keys |= column
        return keys

    def codes(self, values: npt.NDArray[np.str_], *, ordered: bool = False) -> npt.NDArray[np.intp]:
        """Each row's index among the ledger's ids, -1 where the ledger lacks it.

        The rows are looked up in key order (a stable sort of rows mostly in order already is
        one pass), unless ``ordered`` says they are sorted.
        """
        keys = self.of(values)
        order = None if ordered else np.argsort(keys, kind="stable")
        wanted = keys if order is None else keys[order]
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        found = np.where(self.keys[at] == wanted, at, -1)
        if order is None:
            return found
        codes = np.empty(len(keys), dtype=np.intp)
        codes[order] = found
        return codes


def _by_claim_and_seq(
    code: npt.NDArray[np.intp], seq: npt.NDArray[np.int64], claims: int
) -> npt.NDArray[np.intp]:
    """``np.lexsort((seq, code))``: rows by claim code, then seq, ties in row order.

    When every ``code * span + seq`` fits in 64 bits, one stable sort of that key (rows mostly
    in order already make it one pass); else the lexsort itself.
    """
    if not len(code):
        return np.zeros(0, dtype=np.intp)
    low, high = int(seq.min()), int(seq.max())
    span = high - low + 1
    if (claims + 1) * span >= 2**62:
        return np.lexsort((seq, code))
    key = code.astype(np.int64) * span + (seq.astype(np.int64) - low)
    order: npt.NDArray[np.intp] = np.argsort(key, kind="stable")
    return order


def _grid(values: npt.NDArray[np.str_], width: int) -> npt.NDArray[np.uint32]:
    """The strings' code points, one row of ``width`` per string (shorter ones padded with 0)."""
    values = np.ascontiguousarray(values, dtype=f"=U{width}")
    grid: npt.NDArray[np.uint32] = values.view(np.uint32).reshape(values.size, width)
    return grid


def _text(
    codes: npt.NDArray[np.intp], categories: npt.NDArray[np.str_]
) -> Categorical | npt.NDArray[np.str_]:
    """A text fact as codes into its categories, or as its strings where a row has no value.

    A row without a value (code -1, or the empty category) is missing to the rules either way,
    but a message shows a missing cell of a :class:`~comanaged_rcm.escalation.Categorical` as
    ``None`` and one of a text array as the empty string: such a column goes as strings.
    """
    blank = categories == ""
    if len(codes) and (codes.min() < 0 or (blank.any() and blank[codes].any())):
        strings: npt.NDArray[np.str_] = np.append(categories, "")[codes]
        return strings
    return Categorical(codes, categories)


class _Facts:
    """Claim, queue-item and KPI-row facts at the end of each replayed period (vectorized).

    Tables join on integer codes: the Book's codes of each table's claim ids, one table's
    distinct ids found among the ledger's once, and each row's code read off its inverse. Text
    facts go to the rules as :class:`~comanaged_rcm.escalation.Categorical` codes, so a rule
    compares them by code.
    """

    def __init__(self, engagement: Engagement, data: CycleData, book: Book) -> None:
        self.engagement, self.book = engagement, book
        tx, subs, items = data.transactions, data.submissions, data.work_items
        self.items = items
        # the KPI engine has coded the text columns already (Book.codes caches them)
        self.claims: npt.NDArray[np.str_] = np.array([], dtype=str)
        self.tx_code: npt.NDArray[np.intp] = np.array([], dtype=np.intp)
        self.tx_day: npt.NDArray[np.datetime64] = np.array([], dtype="datetime64[D]")
        self.tx_signed: npt.NDArray[np.float64] = np.array([], dtype=np.float64)
        self.payer_names: npt.NDArray[np.str_] = np.array([], dtype=str)
        self.payer_code: npt.NDArray[np.intp] = np.array([], dtype=np.intp)
        if tx:
            self.claims, self.tx_code = book.codes("transactions", "claim_id")
            kinds, kind_code = book.codes("transactions", "type")
            signs = np.array([_SIGN.get(str(k), 0.0) for k in kinds])
            self.tx_day = tx["posting_date"]
            self.tx_signed = np.asarray(tx["amount"], dtype=np.float64) * signs[kind_code]
            self.payer_names, payer_code = book.codes("transactions", "payer")
            self.payer_code = np.zeros(len(self.claims), dtype=np.intp)
            self.payer_code[self.tx_code] = payer_code
        n = len(self.claims)
        self.subs = subs
        self.outcomes, self.denied = np.array(["denied"]), -1  # -1: no claim is denied
        sub_claims = book.codes("submissions", "claim_id") if subs and n else None
        item_claims = np.asarray(items["claim_id"]) if items and "claim_id" in items and n else None
        looked_up = [] if sub_claims is None else [sub_claims[0]]
        looked_up += [] if item_claims is None else [item_claims]
        packed = _Packed.make(self.claims, *looked_up) if looked_up else None
        if sub_claims is not None:
            uniques, inverse = sub_claims
            if packed is None:
                self.sub_code = _claim_codes(self.claims, uniques, inverse)
            else:
                self.sub_code = packed.codes(uniques, ordered=True)[inverse]
            outcomes, outcome_code = book.codes("submissions", "outcome")
            # each claim's submissions by seq, the ones of claims the ledger lacks left out
            order = _by_claim_and_seq(self.sub_code, subs["seq"], n)
            self.sub_order = order[self.sub_code[order] >= 0]
            self.sub_day = subs["adjudicated_date"][self.sub_order]  # NaT (not adjudicated) sorts last
            self.sub_outcome = outcome_code[self.sub_order]
            self.outcomes, self.denied = outcomes, _position(outcomes, "denied")
        self.item_code: npt.NDArray[np.intp] | None = None
        if items:
            workflows, workflow_code = book.codes("work_items", "workflow")
            actions, action_code = np.unique(
                np.where(workflows == "write_off_approval", "write_off", workflows), return_inverse=True
            )
            self.actions, self.action_code = actions, action_code.reshape(-1)[workflow_code]
            self.worked = np.where(np.isnat(items["closed"]), items["opened"], items["closed"])
            if item_claims is not None:
                self.item_code = (
                    _claim_codes(self.claims, *_factorize(item_claims))
                    if packed is None
                    else packed.codes(item_claims)
                )

    def balances(self, end: np.datetime64) -> npt.NDArray[np.float64]:
        posted = self.tx_day < end
        sums = np.bincount(self.tx_code[posted], weights=self.tx_signed[posted], minlength=len(self.claims))
        return sums.astype(np.float64, copy=False)

    def claim_facts(self, end: np.datetime64, balance: npt.NDArray[np.float64]) -> dict[str, Any]:
        """The denied claims with a balance at ``end``: each claim's highest adjudicated submission."""
        n = len(self.claims)
        status = np.full(n, -1, dtype=np.intp)
        touched = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        if self.subs and n:
            done = self.sub_day < end  # NaT compares False
            code = self.sub_code[self.sub_order[done]]
            latest = np.append(code[1:] != code[:-1], True) if len(code) else np.zeros(0, dtype=bool)
            code = code[latest]
            status[code] = self.sub_outcome[done][latest]
            touched[code] = self.sub_day[done][latest]
        rows = np.flatnonzero((status == self.denied) & (balance > 0)) if self.denied >= 0 else _NO_ROWS
        touched = touched[rows]
        if self.item_code is not None and len(rows):
            # the latest day an item on one of these claims was worked before the end
            slot = np.full(n, -1, dtype=np.intp)
            slot[rows] = np.arange(len(rows))
            at = np.where(self.item_code >= 0, slot[np.maximum(self.item_code, 0)], -1)
            keep = (at >= 0) & (self.worked < end)
            days = np.where(np.isnat(touched), np.iinfo(np.int64).min, touched.astype(np.int64))
            np.maximum.at(days, at[keep], self.worked[keep].astype(np.int64))
            touched = np.where(
                days == np.iinfo(np.int64).min, np.datetime64("NaT"), days.astype("datetime64[D]")
            )
        return {
            "claim_id": self.claims[rows],
            "payer": _text(self.payer_code[rows], self.payer_names),
            "status": _text(np.full(len(rows), self.denied, dtype=np.intp), self.outcomes),
            "balance": balance[rows],
            "last_touched": touched,
        }

    def queue_facts(self, end: np.datetime64, balance: npt.NDArray[np.float64]) -> dict[str, Any]:
        """The work items open at ``end``, with their claim's payer and balance where it is known."""
        items = self.items
        if not items:
            return {"item_id": np.array([], dtype=str)}
        rows = np.flatnonzero(_open_at(items, end))
        facts: dict[str, Any] = {
            "item_id": items["item_id"][rows],
            "status": _text(np.zeros(len(rows), dtype=np.intp), _OPEN_STATUS),
            "action": _text(self.action_code[rows], self.actions),
            "last_touched": items["opened"][rows],
        }
        code = None if self.item_code is None else self.item_code[rows]
        if code is not None:
            known = code >= 0
            facts["claim_id"] = items["claim_id"][rows]
            facts["payer"] = _text(
                np.where(known, self.payer_code[np.maximum(code, 0)], -1), self.payer_names
            )
        else:  # an activity export without claim ids: no item's claim or payer is known
            facts["claim_id"] = np.full(len(rows), "")
            facts["payer"] = np.full(len(rows), "")
        if "balance" in items:
            facts["balance"] = items["balance"][rows]
        elif code is not None:
            facts["balance"] = np.where(code >= 0, balance[np.maximum(code, 0)], np.nan)
        return facts

    def kpi_facts(self, period: Period) -> dict[str, Any]:
        engagement = self.engagement
        metrics = (*engagement.outcomes, *engagement.drivers, *engagement.activity)
        card = evaluate(
            self.book,
            _window(engagement, period),
            by=engagement.escalation_slices,
            conventions=engagement.conventions,
            metrics=metrics,
        )
        return card.to_columns()

    def at(self, period: Period) -> dict[FactKind, Any]:
        end = _day(period.end)
        balance = self.balances(end)
        return {
            FactKind.CLAIM: self.claim_facts(end, balance),
            FactKind.QUEUE_ITEM: self.queue_facts(end, balance),
            FactKind.KPI_ROW: self.kpi_facts(period),
        }


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


def _escalations(
    engagement: Engagement, data: CycleData, book: Book, period: Period
) -> tuple[tuple[EscalationLine, ...], datetime.datetime]:
    """The open (firing or acknowledged) alerts at the period's end, most urgent first, and that end.

    The rules are replayed over the last ``escalation_periods`` periods so pending holds,
    ``keep_firing_for`` and ladders see more than one evaluation; each alert's explanation is
    that of the event that last fired or escalated it. Each replay's clock is the close of its
    period's last day: in the zone of the engagement's business hours, which are the rules'
    calendar (deadlines in business hours count there), or at UTC midnight without them.
    """
    office = None if engagement.business_hours is None else engagement.business_hours.business_hours
    facts = _Facts(engagement, data, book)
    state = State()
    fired: dict[str, Event] = {}
    now = _close(period.end, office)
    for replayed in engagement.cadence.periods_ending(period.end, engagement.escalation_periods):
        now = _close(replayed.end, office)
        state, events = step(
            engagement.rules.rules, state, facts.at(replayed), now, office, directory=engagement.split
        )
        fired.update((e.key, e) for e in events if e.kind in _FIRED and e.key is not None)
    return _lines(engagement, state, fired, now, office), now


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


# ------------------------------------------------------------------------------------------ run
EARLIEST_AS_OF = datetime.date(1900, 1, 1)
"""The earliest ``as_of`` a cycle reports on (the KPI engine looks months back from each period)."""


def _trend_periods(engagement: Engagement, as_of: datetime.date) -> tuple[Period, ...]:
    """The trend periods ending with ``as_of``, once the calendar is known to hold every period read.

    The earliest period any section reads is ``trend_periods`` periods back, less the longest
    of the KPI window, the QA windows and the escalation replay; the latest ends one period
    after ``as_of``'s. Dates outside that room are refused at ``$.as_of``, not deep in a section.
    """
    back = engagement.trend_periods + max(
        engagement.kpi_window, engagement.escalation_periods, *(p.window for p in engagement.qa), 1
    )
    try:
        engagement.cadence.periods_ending(as_of, back)
        engagement.cadence.period_containing(as_of)
    except ValidationError:
        unit = engagement.cadence.frequency.value
        check.fail(
            "$.as_of",
            "range",
            f"'as_of' ({as_of}) leaves no room in the calendar for the {back:,} {unit} periods the"
            " report reads (trend, KPI, QA and escalation windows)",
        )
    return engagement.cadence.periods_ending(as_of, engagement.trend_periods)


def _coverage(
    engagement: Engagement, data: CycleData, period: Period, as_of: datetime.date
) -> tuple[str, str]:
    """Why the data does not cover the period or its KPI window ("" when it does), and the banner."""
    unit = _UNITS[engagement.cadence.frequency.value]
    window = _window(engagement, period)
    reported = f"the report's {unit}"
    window_name = reported
    if engagement.kpi_window > 1:
        window_name = f"the KPI window ({engagement.kpi_window} {unit}s ending with the report's {unit})"
    refusals, banner = coverage(
        (reported, period),
        (window_name, window),
        data_dates(
            {
                "transactions": data.transactions,
                "submissions": data.submissions,
                "work_items": data.work_items,
            }
        ),
    )
    if not refusals:
        return "", ""
    refusal = (
        f"'as_of' {as_of} (the first day not reported on): {'; '.join(refusals)};"
        " pass allow_partial=True to report anyway"
    )
    return refusal, banner


_UNITS = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}


def run_cycle(
    engagement: Engagement, data: CycleData, as_of: datetime.date, *, allow_partial: bool = False
) -> GovernanceReport:
    """Run one governance cycle and return its report.

    The report covers the last complete period of the engagement's cadence that ends on or
    before ``as_of`` (exclusive, like a period's end): outcome KPIs with their trend over
    ``trend_periods`` periods and status against target, then their drivers; operations (who
    worked what, queues, activity KPIs, open escalations); QA (this period's plan and
    reproducible selection per audited workflow, and the evaluation of the last ``window``
    audited periods); the escalations that fired at the period's end after replaying the rules
    over ``escalation_periods`` periods; and the scope split's findings.

    Args:
        engagement: The engagement document (its cross-references must check clean).
        data: The provider's tables.
        as_of: The first day not reported on.
        allow_partial: Report on a period the data does not cover, with a banner saying which
            days have no data, instead of refusing it.

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
            do not validate, or ``as_of`` is not a date from 1900-01-01 with room in the
            calendar for every period the report reads (``$.as_of``), or the data does not cover
            the report's period or KPI window and ``allow_partial`` is false (``$.as_of``, with
            the data's range in the message), or the escalation rules
            cannot be replayed on the tables up to ``as_of`` (a first issue at ``$.as_of``, then
            the escalation engine's own).

    Examples:
        >>> from comanaged_rcm.cycle import default_engagement
        >>> from comanaged_rcm.synthetic import generate_book
        >>> book = generate_book(seed=1, claims=3000)
        >>> report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.end)
        >>> [line.metric for line in report.outcomes]
        ['net_collection_rate', 'days_in_ar', 'write_off_rate']
    """
    check.instance(engagement, Engagement, "$.engagement")
    check.instance(data, CycleData, "$.data")
    as_of = check.date(as_of, "$.as_of", earliest=EARLIEST_AS_OF)
    allow_partial = check.flag(allow_partial, "$.allow_partial")
    errors = [f for f in check_engagement(engagement) if f.is_error]
    if errors:
        raise ValidationError([Issue(f.path, f.rule, f.message) for f in errors])
    periods = _trend_periods(engagement, as_of)
    book = data.book()
    period = periods[-1]
    refusal, banner = _coverage(engagement, data, period, as_of)
    if refusal and not allow_partial:
        raise ValidationError.single("$.as_of", "coverage", refusal)
    metrics = (*engagement.outcomes, *engagement.drivers, *engagement.activity)
    cards = _scorecards(engagement, book, periods, metrics)
    outcomes = _kpi_lines(engagement, cards, periods, engagement.outcomes)
    drivers = _kpi_lines(engagement, cards, periods, engagement.drivers)
    activity = _kpi_lines(engagement, cards, periods, engagement.activity)
    populations = _Populations(engagement, data.work_items)
    qa = tuple(_qa_line(engagement, p, populations, period, data.audit_results) for p in engagement.qa)
    try:
        escalations, now = _escalations(engagement, data, book, period)
    except ValidationError as exc:  # the rules' deadlines and durations, from the tables' dates to as_of
        message = f"replaying the escalation rules on these tables up to 'as_of' ({as_of}) failed"
        raise ValidationError([Issue("$.as_of", "range", message), *exc.issues]) from None
    findings = tuple(
        FindingLine(f.rule, f.severity.value, f.path, f.message) for f in validate(engagement.split)
    )
    data_findings = tuple(
        FindingLine(f.rule, f.severity.value, f.path, f.message)
        for f in (*scope_findings(engagement.split, data.work_items), *case_findings(data, book))
    )
    return GovernanceReport(
        engagement=engagement.name,
        as_of=as_of,
        period=period,
        period_label=engagement.cadence.label(period),
        kpi_basis=_basis(engagement),
        data_source=data.source,
        outcomes=outcomes,
        drivers=drivers,
        operations=_operations(engagement, data.work_items, period, activity, len(escalations)),
        qa=qa,
        escalations=escalations,
        scope_findings=findings,
        partial_data=banner,
        data_findings=data_findings,
        zone="" if engagement.business_hours is None else engagement.business_hours.zone,
        now=None if engagement.business_hours is None else now,
    )
