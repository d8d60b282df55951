"""The engine as it was before base measures became data: the oracle the new engine is tested against.

A copy of ``comanaged_rcm.kpi._engine`` with its 41 hand-written measures, kept only for tests
(``tests/kpi/test_kpi_measures_equal.py``); it reads the type of a charge through the Book's codes.

Base measures: additive sums and counts per (period, slice), computed with ``np.bincount``.

Each table is first rolled up (once per book and slicing, then kept while the book lives): rows
grouped by the day of each date column, the slice and the kind, every weight summed per group.
Every measure compares dates with boundaries and sums by slice and kind, so it is the same over
groups as over rows.

A request bins each group's dates against the sorted boundary dates it needs (period starts and
ends, as-of dates, trailing-window starts, aging cut-offs). One ``np.bincount`` over ``(date
bins, slice, kind)`` codes gives a small cube; cumulative sums along the date axes turn it into
"rows dated before boundary ``j``", so a flow over ``[start, end)`` is a difference of two cells
and a snapshot at an as-of date (A/R, backlog) is one cell. Nothing loops over rows.

Two families of steps are not linear in rows and work per claim instead (one pass per as-of
date): credit balances excluded, aging from the bill date, and aging over billed A/R only. Their
measures merge exactly only when shards partition claims (every row of a claim in one shard).
"""

from __future__ import annotations

import datetime
import math
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, cast

import attrs
import numpy as np
import numpy.typing as npt
from dateutil.relativedelta import relativedelta

from comanaged_rcm import _check
from comanaged_rcm._check import v
from comanaged_rcm._frames import Column, Table, Tabular, build
from comanaged_rcm.errors import ConventionError, ValidationError
from comanaged_rcm.kpi._book import OUTCOMES, TRANSACTION_TYPES, WRITE_OFF_REASONS, Book
from comanaged_rcm.kpi._conventions import Convention
from comanaged_rcm.periods import Period

__all__ = ["MEASURES", "MeasureSet", "compute_measures"]

Array = npt.NDArray[np.float64]
TOTAL = "(all)"
"""The dimension value that labels a total row in :meth:`Scorecard.to_columns`."""

LATE_CHARGE_DAYS = 30
"""A charge posted more than this many days after its date of service is a late charge."""
AGED_AR_DAYS = 91
"""A claim is in "A/R over 90" from age 91 days: age is the last reported day minus the anchor."""
AGED_BACKLOG_DAYS = 31
"""A work item open 31 days or more (age over 30) is aged backlog."""

MEASURES: Mapping[str, str] = {
    "gross_charges": "charges posted in the period",
    "contractual_adjustments": "contractual adjustments posted in the period",
    "net_charges": "gross charges minus contractual adjustments, posted in the period",
    "payments": "payments posted in the period",
    "refunds": "refunds posted in the period",
    "cash": "payments (net of refunds when refunds:netted) posted in the period",
    "collections": "cash on the collection basis (posting period or date-of-service cohort)",
    "collectible": "net charges on the collection basis (posting period or date-of-service cohort)",
    "write_offs": "non-contractual write-offs posted in the period, reasons per write_off_reasons",
    "write_off_base": "the write-off rate's denominator per write_off_denominator",
    **{f"write_offs_{r}": f"write-offs with reason {r} posted in the period" for r in WRITE_OFF_REASONS},
    "late_charges": f"charges posted in the period more than {LATE_CHARGE_DAYS} days after service",
    "pos_payments": "payments posted in the period on or before the date of service",
    "ar_balance": "A/R at as-of (credit balances per credit_balances)",
    "average_daily_charges": "charges in the A/R window divided by its days (ar_window, ar_charges)",
    "ar_aging_base": "A/R at as-of in the aging scope (total or billed)",
    "ar_over_90": "A/R at as-of on claims aged 91 days or more (aging_anchor, aging_scope)",
    "dnfb": "charges with service before as-of not billed by as-of (needs billed_date)",
    "npsr": "net patient service revenue, ledger months starting in the period",
    "cost_to_collect": "cost to collect, ledger months starting in the period",
    "ledger_bad_debt": "bad debt expense, ledger months starting in the period",
    "ledger_charity": "charity care as booked, ledger months starting in the period",
    "net_ar": "net A/R from the ledger at as-of: the month ending the day before (as-of on a 1st)",
    "ledger_dnfb": "DNFB from the ledger at as-of: the month ending the day before (as-of on a 1st)",
    "average_daily_npsr": "ledger NPSR of the 3 months before as-of over their days (as-of on a 1st)",
    "first_submissions": "original submissions (seq 1) submitted in the period",
    "clean_claims": "original submissions submitted in the period that were clean",
    "denials": "initial denials per denial_unit, denial_scope and denial_denominator",
    "denial_base": "the initial denial rate's denominator per denial_denominator and denial_unit",
    "resubmissions_adjudicated": "resubmissions (seq > 1) adjudicated in the period",
    "overturned": "resubmissions adjudicated in the period as paid or partial",
    "items_closed": "work items closed in the period",
    "touches_closed": "touches on work items closed in the period",
    "escalated_closed": "escalated work items closed in the period",
    "backlog": "work items open at as-of",
    "aged_backlog": f"work items open at as-of and opened {AGED_BACKLOG_DAYS} days or more before",
}
"""Every base measure the engine computes, with what it sums. KPIs are ratios of these."""

_TABLE_OF = {
    **dict.fromkeys(
        [
            "gross_charges",
            "contractual_adjustments",
            "net_charges",
            "payments",
            "refunds",
            "cash",
            "collections",
            "collectible",
            "write_offs",
            "write_off_base",
            "late_charges",
            "pos_payments",
            "ar_balance",
            "average_daily_charges",
            "ar_aging_base",
            "ar_over_90",
            "dnfb",
        ]
        + [f"write_offs_{r}" for r in WRITE_OFF_REASONS],
        "transactions",
    ),
    **dict.fromkeys(
        (
            "npsr",
            "cost_to_collect",
            "ledger_bad_debt",
            "ledger_charity",
            "net_ar",
            "ledger_dnfb",
            "average_daily_npsr",
        ),
        "ledger",
    ),
    **dict.fromkeys(
        [
            "first_submissions",
            "clean_claims",
            "denials",
            "denial_base",
            "resubmissions_adjudicated",
            "overturned",
        ],
        "submissions",
    ),
    **dict.fromkeys(
        ["items_closed", "touches_closed", "escalated_closed", "backlog", "aged_backlog"], "work_items"
    ),
}


def measure_table(measure: str) -> str:
    """The input table a base measure comes from."""
    return _TABLE_OF[measure]


@attrs.frozen(kw_only=True, eq=False)
class MeasureSet(Tabular):
    """Base measures per period and slice: a partial result that merges exactly by addition.

    Args:
        periods: The periods, in order; row ``p`` of every array is ``periods[p]``.
        as_of: The as-of date of each period's snapshot measures.
        by: The slice dimensions.
        slices: The slice keys (one string per dimension), sorted.
        conventions: The convention ids the measures were computed under.
        totals: ``{measure: array of shape (periods,)}``.
        sliced: ``{measure: array of shape (periods, slices)}``.
        missing: ``{measure: reason}`` for measures the book cannot supply.
        unsliced: ``{measure: reason}`` for measures computed only in total.

    ``a + b`` (or :meth:`merge`) adds two partials computed with the same periods, as-of dates,
    dimensions and conventions; slices present in only one are kept.
    """

    periods: tuple[Period, ...] = attrs.field(validator=v.tuple_of(Period))
    as_of: tuple[datetime.date, ...] = attrs.field(validator=v.tuple_of(datetime.date))
    by: tuple[str, ...] = attrs.field(validator=v.tuple_of(str))
    slices: tuple[tuple[str, ...], ...] = attrs.field(validator=v.tuple_of(tuple))
    conventions: tuple[str, ...] = attrs.field(validator=v.tuple_of(str))
    totals: Mapping[str, Array] = attrs.field(validator=v.instance(Mapping, "a mapping"))
    sliced: Mapping[str, Array] = attrs.field(validator=v.instance(Mapping, "a mapping"))
    missing: Mapping[str, str] = attrs.field(validator=v.instance(Mapping, "a mapping"))
    unsliced: Mapping[str, str] = attrs.field(validator=v.instance(Mapping, "a mapping"))

    def __attrs_post_init__(self) -> None:
        """Every array has a row per period (and a column per slice); the slices fit ``by``."""
        if not self.periods or len(self.as_of) != len(self.periods):
            _check.fail("$.as_of", "length", "'as_of' must hold one date per period (at least one)")
        for i, day in enumerate(self.as_of):
            _check.date(day, f"$.as_of[{i}]")
        for i, key in enumerate(self.slices):
            if len(key) != len(self.by) or not all(isinstance(k, str) for k in key):
                _check.fail(
                    f"$.slices[{i}]",
                    "type",
                    f"'slices[{i}]' must be {len(self.by)} str, one per 'by' dimension",
                )
        shapes = {"totals": (len(self.periods),), "sliced": (len(self.periods), len(self.slices))}
        for field, shape in shapes.items():
            for name, array in getattr(self, field).items():
                if not isinstance(array, np.ndarray) or array.shape != shape or array.dtype.kind != "f":
                    _check.fail(
                        f"$.{field}[{_check.show(name)}]",
                        "shape",
                        f"{field!r} must map measures to floats of shape {shape}",
                    )
        if not set(self.sliced) <= set(self.totals):
            _check.fail("$.sliced", "value", "every sliced measure must have a total")

    def merge(self, other: MeasureSet) -> MeasureSet:
        """Add two partials of the same request.

        Raises:
            ValidationError: When ``other`` is not a MeasureSet or the partials were computed for
                different requests.
        """
        _check.instance(other, MeasureSet, "$.other")
        for name in ("periods", "as_of", "by", "conventions"):
            if getattr(self, name) != getattr(other, name):
                raise ValidationError.single(
                    f"$.{name}", "mismatch", f"partials differ in {name!r}; cannot merge"
                )
        if dict(self.missing) != dict(other.missing) or dict(self.unsliced) != dict(other.unsliced):
            raise ValidationError.single(
                "$.missing", "mismatch", "partials come from books with different tables or columns"
            )
        if set(self.totals) != set(other.totals) or set(self.sliced) != set(other.sliced):
            _check.fail("$.other", "mismatch", "partials hold different measures; cannot merge")
        slices = tuple(sorted(set(self.slices) | set(other.slices)))
        index = {key: i for i, key in enumerate(slices)}
        sliced: dict[str, Array] = {}
        for name in self.sliced:
            merged = np.zeros((len(self.periods), len(slices)))
            for part in (self, other):
                positions = np.array([index[k] for k in part.slices], dtype=np.intp)
                merged[:, positions] += part.sliced[name]
            sliced[name] = merged
        totals = {name: self.totals[name] + other.totals[name] for name in self.totals}
        return attrs.evolve(self, slices=slices, totals=totals, sliced=sliced)

    def __add__(self, other: MeasureSet) -> MeasureSet:
        return self.merge(other)

    def _frame_table(self) -> Table:
        """Long format, one row per (period, measure, slice), the total first in each.

        Without ``by`` the totals alone are rows.

        Columns: ``period_start``, ``period_end`` (half-open), ``as_of``, one per ``by`` dimension
        (null in the total rows), ``measure``, ``value`` (null where the book cannot supply the
        measure, or supplies it only in total), ``reason`` (why the value is null; null where it
        is not), ``conventions`` (the ids in force, joined by ``, ``).
        """
        order = {name: i for i, name in enumerate(MEASURES)}
        names = sorted({*self.totals, *self.missing}, key=lambda m: (order.get(m, len(order)), m))
        periods, rows = len(self.periods), 1 + len(self.slices) if self.by else 1  # unsliced: totals only
        values = np.full((periods, len(names), rows), np.nan)
        reasons: list[str | None] = []
        for j, name in enumerate(names):
            if name in self.totals:
                values[:, j, 0] = self.totals[name]
            if name in self.sliced and rows > 1:
                values[:, j, 1:] = self.sliced[name]
            gap = self.missing.get(name)
            flat = self.unsliced.get(name) if name not in self.sliced else None
            reasons += [gap, *[gap or flat] * (rows - 1)]
        size = values.size
        total = np.tile(np.arange(rows) == 0, periods * len(names))

        def dates(days: Sequence[datetime.date]) -> Column:
            return Column("date", np.repeat(np.array(days, dtype="datetime64[D]"), len(names) * rows))

        dimensions = [
            (
                d,
                Column(
                    "text",
                    np.tile(np.array(["", *(k[i] for k in self.slices)], dtype=str), periods * len(names)),
                    total if size else None,
                ),
            )
            for i, d in enumerate(self.by)
        ]
        return build(
            [
                ("period_start", dates([p.start for p in self.periods])),
                ("period_end", dates([p.end for p in self.periods])),
                ("as_of", dates(self.as_of)),
                *dimensions,
                ("measure", Column("text", np.tile(np.repeat(np.array(names, dtype=str), rows), periods))),
                ("value", Column.real(values.reshape(-1))),
                ("reason", Column.text(reasons * periods)),
                ("conventions", Column.repeat(", ".join(self.conventions), size)),
            ],
            "$.by",
        )

    def __repr__(self) -> str:
        return (
            f"MeasureSet(periods={len(self.periods)}, by={self.by!r}, slices={len(self.slices)}, "
            f"measures={len(self.totals)}, missing={sorted(self.missing)})"
        )


# --------------------------------------------------------------------------------------------- bins


_NAT = np.iinfo(np.int64).min
"""``NaT`` as an int64 day number."""


class _Edges:
    """Sorted boundary dates; ``bins(dates)`` numbers rows so cumulative cell ``j`` is ``date < edge j``."""

    def __init__(self, dates: Sequence[datetime.date]) -> None:
        self.edges = np.unique(np.array(sorted(set(dates)), dtype="datetime64[D]"))
        self.index = {d: i for i, d in enumerate(self.edges.astype(object))}
        self.size = len(self.edges) + 1

    def bins(self, dates: npt.NDArray[np.datetime64]) -> npt.NDArray[np.intp]:
        """Each date's bin: the number of edges on or before it (NaT after every edge).

        Same as ``np.searchsorted(edges, dates, side="right")``, through a table indexed by day
        offset, which is several times faster than a binary search per row.
        """
        low, high = self.edges[0].astype(np.int64), self.edges[-1].astype(np.int64)
        days = np.arange(low - 1, high + 1, dtype=np.int64).astype("datetime64[D]")
        table = np.searchsorted(self.edges, days, side="right").astype(np.intp)
        day = dates.view(np.int64)
        offset = day - (low - 1)
        np.clip(offset, 0, len(table) - 1, out=offset)
        offset[day == _NAT] = len(table) - 1  # NaT is after every edge, whatever the edges' era
        binned: npt.NDArray[np.intp] = table[offset]
        return binned

    def __getitem__(self, day: datetime.date) -> int:
        return self.index[day]

    @property
    def every(self) -> int:
        """The cumulative cell that holds every row, undated (NaT) ones included."""
        return self.size - 1


def _cube(
    axes: Sequence[npt.NDArray[np.intp]],
    *,
    size: int | Sequence[int],
    slice_code: npt.NDArray[np.intp],
    n_slices: int,
    kind: npt.NDArray[np.intp],
    n_kinds: int,
    weights: Sequence[npt.NDArray[Any] | None],
) -> list[Array]:
    """Cumulative ``(bins..., slices, kinds)`` sums of each weight (``None`` counts rows).

    ``size`` is the number of bins of every date axis, or one number per axis. The sums run in
    ``np.longdouble`` (80-bit on x86): a flow is a difference of two running totals that both
    hold everything dated before the first boundary, and in float64 that history's rounding
    (about 1e-16 of it) would show in the flow. Callers turn the measures back to float64.
    """
    sizes = [size] * len(axes) if isinstance(size, int) else list(size)
    code = np.zeros(len(kind), dtype=np.int64)
    for axis, axis_size in zip(axes, sizes, strict=True):  # in place: no temporaries per row
        code *= axis_size
        code += axis
    code *= n_slices
    code += slice_code
    code *= n_kinds
    code += kind
    shape = (*sizes, n_slices, n_kinds)
    length = int(np.prod(shape))
    cubes = []
    for weight in weights:
        cube = np.bincount(code, weights=weight, minlength=length).astype(np.longdouble).reshape(shape)
        for dimension in range(len(axes)):
            np.cumsum(cube, axis=dimension, out=cube)
        cubes.append(cast("Array", cube))  # longdouble until compute_measures makes it float64
    return cubes


# ----------------------------------------------------------------------------------------- rollups

_DENSE_CELLS = 1 << 26
"""A rollup sums straight into a dense array of every (days x slice x kind) cell when the cells
(times the weights) number at most this and at most four per row; otherwise it sorts the keys."""

_COMPRESS_AT = 1 << 40
"""A partial group key past this many cells is renumbered by its distinct values before the next
column is folded in, so the key never overflows int64."""

ROW_COUNT = "rows"
"""The weight name under which a rollup keeps its row count per group."""


@attrs.frozen(eq=False)
class _Rollup:
    """A table's rows grouped by (each date column's day, slice, kind), every weight summed per group.

    Every measure the engine computes compares dates with boundaries and sums weights by slice and
    kind, so it is the same over groups as over rows: a request bins the groups instead of the
    rows. ``days[i]`` holds the i-th date column's day of each group (NaT kept). Groups whose
    weights all sum to zero are left out: they add nothing to any measure.
    """

    days: tuple[npt.NDArray[np.datetime64], ...]
    slices: npt.NDArray[np.intp]
    kind: npt.NDArray[np.intp]
    weights: Mapping[str, Array]

    @property
    def groups(self) -> int:
        """Number of groups."""
        return len(self.kind)


class _Axis(NamedTuple):
    """A date column as integer codes for a rollup key."""

    codes: npt.NDArray[np.int64]
    size: int  # codes run from 0 to size - 1
    low: int  # the day (or days after the first column's day) of code 0
    nat: bool  # the last code stands for NaT
    relative: bool  # codes count days after the same row's day of the first column


def _axis(column: npt.NDArray[np.datetime64], first: npt.NDArray[np.int64] | None = None) -> _Axis:
    """Each row's day counted from the earliest, NaT after the latest.

    Given the first date column (without NaT), a column without NaT is counted instead in days
    after it when those span fewer codes: posting dates a few weeks after service, say. Fewer
    codes make the rollup's dense cells fewer.
    """
    day = column.view(np.int64)
    if not day.size:
        return _Axis(day.copy(), 1, 0, nat=False, relative=False)
    low = int(day.min())
    if low == _NAT:  # NaT is the smallest int64: no separate pass to look for it
        undated = np.isnat(column)
        dated = day[~undated]
        low, high = (int(dated.min()), int(dated.max())) if dated.size else (0, -1)
        codes = day - low
        codes[undated] = high - low + 1
        return _Axis(codes, high - low + 2, low, nat=True, relative=False)
    high = int(day.max())
    if first is not None:
        after = day - first
        after_low, after_high = int(after.min()), int(after.max())
        if after_high - after_low < high - low:
            after -= after_low
            return _Axis(after, after_high - after_low + 1, after_low, nat=False, relative=True)
    return _Axis(day - low, high - low + 1, low, nat=False, relative=False)


def _nonzero(summed: Mapping[str, Array]) -> npt.NDArray[np.intp]:
    """The cells where any weight's sum is not zero."""
    return np.flatnonzero(np.logical_or.reduce([array != 0 for array in summed.values()]))


def _rollup(
    days: Sequence[npt.NDArray[np.datetime64]],
    *,
    slices: npt.NDArray[np.intp],
    n_slices: int,
    kind: npt.NDArray[np.intp],
    n_kinds: int,
    weights: Mapping[str, npt.NDArray[Any] | None],
) -> _Rollup:
    """Group rows by every date column's day, slice and kind; ``None`` weights count rows.

    ``days`` holds one date column at least. One int64 key per row numbers the cells of (days...,
    slice, kind). When the cells are few, each weight is summed straight into a dense array of
    cells and the cells are decoded from their numbers; otherwise the keys are sorted and each
    group's dates, slice and kind are read off its first row.
    """
    rows = len(kind)
    axes = [_axis(days[0])]
    first = None if axes[0].nat else days[0].view(np.int64)
    axes += [_axis(column, first) for column in days[1:]]
    sizes = [axis.size for axis in axes] + [max(n_slices, 1), max(n_kinds, 1)]
    parts = [axis.codes for axis in axes] + [slices, kind]
    key = axes[0].codes  # new codes: the key is folded into them in place
    space, renumbered = sizes[0], False
    for part, size in zip(parts[1:], sizes[1:], strict=True):
        if space * size > _COMPRESS_AT:
            distinct, inverse = np.unique(key, return_inverse=True)
            key, space, renumbered = inverse.reshape(-1).astype(np.int64), len(distinct), True
        key *= size
        key += part
        space *= size
    names = list(weights) or [ROW_COUNT]
    summed: dict[str, Array] = {}
    if not renumbered and space * len(names) <= min(_DENSE_CELLS, max(4 * rows, 1 << 16)):
        for name in names:
            summed[name] = np.bincount(key, weights=weights.get(name), minlength=space).astype(np.float64)
        cells = _nonzero(summed)
        summed = {name: array[cells] for name, array in summed.items()}
        unravelled = np.unravel_index(cells, sizes)
        day_of: list[npt.NDArray[np.datetime64]] = []
        for axis, code in zip(axes, unravelled, strict=False):
            day = code.astype(np.int64) + axis.low
            if axis.relative:
                day += day_of[0].view(np.int64)
            if axis.nat:
                day[code == axis.size - 1] = _NAT
            day_of.append(day.view("datetime64[D]"))
        group_slices, group_kind = unravelled[-2].astype(np.intp), unravelled[-1].astype(np.intp)
    else:
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        group = inverse.reshape(-1)
        for name in names:
            summed[name] = np.bincount(group, weights=weights.get(name), minlength=len(first)).astype(
                np.float64
            )
        kept = _nonzero(summed)
        summed = {name: array[kept] for name, array in summed.items()}
        first = first[kept]
        day_of = [column[first] for column in days]
        group_slices, group_kind = slices[first], kind[first]
    if not weights:
        summed = {}
    return _Rollup(days=tuple(day_of), slices=group_slices, kind=group_kind, weights=summed)


# ------------------------------------------------------------------------------------------- slices


_MAX_SLICE_SPACE = 1 << 62
"""Slices are numbered by combination of each dimension's values, in an int64."""
_DENSE_SLICE_SPACE = 1 << 24
"""Up to this many dimension-value combinations, slices are ranked with a dense table."""


@attrs.frozen
class _Slicing:
    labels: tuple[tuple[str, ...], ...]
    codes: Mapping[str, npt.NDArray[np.intp]]  # table -> row slice codes (tables with every dimension)


def _slicing(book: Book, by: tuple[str, ...]) -> _Slicing:
    tables = [t for t in ("transactions", "submissions", "work_items", "ledger") if book.table(t) is not None]
    sliceable = [t for t in tables if all(d in (book.table(t) or {}) for d in by)]
    if not by:
        return _Slicing(((),), {t: np.zeros(book.rows(t), dtype=np.intp) for t in sliceable})
    if not sliceable:
        raise ValidationError.single(
            "$.by", "unknown", f"no table of the book has every column of {_check.show(list(by))}"
        )
    combined: dict[str, npt.NDArray[np.int64]] = {}
    # as text: a dimension may be text in one table and dates in another, and labels are text
    values = [np.unique(np.concatenate([book.codes(t, dim)[0].astype(str) for t in sliceable])) for dim in by]
    if len(by) == 1:  # every value is some row's: the slices are the values, no pass to find them
        one: dict[str, npt.NDArray[np.intp]] = {}
        for table in sliceable:
            own, inverse = book.codes(table, by[0])
            same = own.dtype.kind == "U" and len(own) == len(values[0])  # then own is values[0]
            one[table] = inverse if same else np.searchsorted(values[0], own.astype(str))[inverse]
        return _Slicing(tuple((str(v),) for v in values[0].tolist()), one)
    sizes = [len(v) for v in values]
    if math.prod(sizes) >= _MAX_SLICE_SPACE:
        raise ValidationError.single(
            "$.by",
            "range",
            f"too many combinations to slice by {_check.show(list(by))}: their distinct values multiply to"
            f" more than 2**62 (slice by fewer or coarser dimensions)",
        )
    for table in sliceable:
        parts = []
        for dim, uniques in zip(by, values, strict=True):
            own, inverse = book.codes(table, dim)
            parts.append(np.searchsorted(uniques, own.astype(str))[inverse])
        combined[table] = (
            np.ravel_multi_index(parts, sizes).astype(np.int64) if parts else np.zeros(0, np.int64)
        )
    space = int(np.prod(sizes))
    if space <= _DENSE_SLICE_SPACE:  # mark the combinations present in a dense table: no sort
        present = np.zeros(space, dtype=bool)
        for code in combined.values():
            present[code] = True
        observed = np.flatnonzero(present)
        rank = np.cumsum(present, dtype=np.intp) - 1
        codes = {t: rank[c] for t, c in combined.items()}
    else:
        observed = np.unique(np.concatenate(list(combined.values())))
        codes = {t: np.searchsorted(observed, c).astype(np.intp) for t, c in combined.items()}
    keys = np.unravel_index(observed, sizes)
    labels = tuple(zip(*(v[k].tolist() for v, k in zip(values, keys, strict=True)), strict=True))
    return _Slicing(tuple(tuple(str(x) for x in label) for label in labels), codes)


# ------------------------------------------------------------------------------------------ request


@attrs.frozen
class _Request:
    periods: tuple[Period, ...]
    as_of: tuple[datetime.date, ...]
    conventions: Mapping[str, Convention]
    n_slices: int

    def option(self, family: str) -> str:
        return self.conventions[family].option

    def window(self, as_of: datetime.date) -> Period:
        if self.option("ar_window") == "trailing_90_days":
            return Period.trailing(as_of, 90)
        return Period.trailing(as_of, relativedelta(months=3))


_Out = dict[str, Array]  # measure -> (periods, slices)


def _flow(cube: Array, edges: _Edges, start: datetime.date, end: datetime.date) -> Array:
    flow: Array = cube[edges[end]] - cube[edges[start]]
    return flow


# ------------------------------------------------------------------------------------- transactions

_KINDS = (*TRANSACTION_TYPES, *(f"write_off_{r}" for r in WRITE_OFF_REASONS), "late_charge", "pos_payment")
_K = {name: i for i, name in enumerate(_KINDS)}
_SIGN = np.zeros(len(_KINDS))
for _name, _sign in (("charge", 1), ("late_charge", 1), ("refund", 1), ("payment", -1), ("pos_payment", -1)):
    _SIGN[_K[_name]] = _sign
_SIGN[_K["contractual_adjustment"]] = -1
for _r in WRITE_OFF_REASONS:
    _SIGN[_K[f"write_off_{_r}"]] = -1


def _coded(
    book: Book, table: str, column: str, mapping: Mapping[str, int], missing: int
) -> npt.NDArray[np.intp]:
    """Each row's value of a text column mapped to an integer, via the book's cached codes."""
    uniques, inverse = book.codes(table, column)
    lookup = np.array([mapping.get(u, missing) for u in uniques.tolist()], dtype=np.intp)
    coded: npt.NDArray[np.intp] = lookup[inverse]
    return coded


_REASON_KINDS = {r: _K[f"write_off_{r}"] for r in WRITE_OFF_REASONS}


def _split_kinds(
    kind: npt.NDArray[np.intp], posting: npt.NDArray[np.datetime64], service: npt.NDArray[np.datetime64]
) -> npt.NDArray[np.intp]:
    """Charges posted over 30 days after service are late; payments on or before it, at service."""
    lag = posting.view(np.int64) - service.view(np.int64)
    np.putmask(kind, (kind == _K["charge"]) & (lag > LATE_CHARGE_DAYS), _K["late_charge"])
    np.putmask(kind, (kind == _K["payment"]) & (lag <= 0), _K["pos_payment"])
    return kind


def _transaction_kind(book: Book) -> npt.NDArray[np.intp]:
    """Each row's kind: its type, write-offs by reason, late charges and payments at service apart."""
    columns = book.transactions
    assert columns is not None
    code, kind_of_code = _type_and_reason(book)
    return _split_kinds(kind_of_code[code], columns["posting_date"], columns["service_date"])


def _type_and_reason(book: Book) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Each row's code: its type's, or for a write-off the number of types plus its reason's.

    Returns the row codes and the engine kind of each code, before the lag-based splits (those
    need the dates, so they are made on the rollup's groups instead of the rows).
    """
    columns = book.transactions
    assert columns is not None
    uniques, code = book.codes("transactions", "type")
    types: list[str] = uniques.tolist()
    kinds = [_K[t] for t in types]
    if "write_off_reason" in columns and "write_off" in types:
        reasons, reason = book.codes("transactions", "write_off_reason")
        code = np.where(code == types.index("write_off"), len(types) + reason, code)
        kinds += [_REASON_KINDS.get(r, -1) for r in reasons.tolist()]
    return code, np.array(kinds, dtype=np.intp)


def _cut(as_of: datetime.date) -> datetime.date:
    """Claims served before this date are over 90 days old on the day before ``as_of``."""
    return as_of - datetime.timedelta(days=AGED_AR_DAYS)


def _k(cube: Array, *names: str) -> Array:
    total: Array = cube[..., [_K[n] for n in names]].sum(axis=-1)
    return total


def _roll_transactions(book: Book, slices: npt.NDArray[np.intp], n_slices: int) -> dict[str, _Rollup]:
    """Transactions by (posting day, service day, slice, kind); charges by DNFB dates apart."""
    columns = book.transactions
    assert columns is not None
    code, kind_of_code = _type_and_reason(book)
    amount = columns["amount"]
    roll = _rollup(
        [columns["posting_date"], columns["service_date"]],
        slices=slices,
        n_slices=n_slices,
        kind=code,
        n_kinds=len(kind_of_code),
        weights={"amount": amount},
    )
    kind = _split_kinds(kind_of_code[roll.kind], *roll.days)
    rolls = {"transactions": attrs.evolve(roll, kind=kind)}
    if "billed_date" in columns:
        # A charge is in DNFB at ``a`` when ``max(service, posting) < a`` and not ``billed < a``.
        charge_code = np.flatnonzero(kind_of_code == _K["charge"])  # one code, or none without charges
        charge = np.flatnonzero(code == charge_code[0]) if charge_code.size else np.zeros(0, dtype=np.intp)
        ready = np.maximum(columns["service_date"][charge], columns["posting_date"][charge])
        done = np.maximum(ready, columns["billed_date"][charge])  # NaT (never billed) propagates
        rolls["dnfb"] = _rollup(
            [ready, done],
            slices=slices[charge],
            n_slices=n_slices,
            kind=np.zeros(len(charge), dtype=np.intp),
            n_kinds=1,
            weights={"amount": amount[charge]},
        )
    return rolls


def _transactions(
    rolls: Mapping[str, _Rollup], request: _Request, rows: _Rows | None
) -> tuple[_Out, dict[str, str]]:
    """Transaction measures from the rollups; ``rows`` (the row slices) asks for the per-claim path."""
    missing: dict[str, str] = {}
    roll = rolls["transactions"]
    kind, slices, amount = roll.kind, roll.slices, roll.weights["amount"]
    posting, service = roll.days
    n, k = request.n_slices, len(_KINDS)
    dates: list[datetime.date] = []
    for period, as_of in zip(request.periods, request.as_of, strict=True):
        window = request.window(as_of)
        dates += [
            period.start,
            period.end,
            as_of,
            window.start,
        ]
    edges = _Edges(dates)
    post = edges.bins(posting)
    (flat,) = _cube(
        [post], size=edges.size, slice_code=slices, n_slices=n, kind=kind, n_kinds=k, weights=[amount]
    )
    # Snapshot x date-of-service cube: posted before each as-of, served before each boundary.
    snap = _Edges(request.as_of)
    served = _Edges(
        [d for p, a in zip(request.periods, request.as_of, strict=True) for d in (p.start, p.end, _cut(a))]
    )
    (square,) = _cube(
        [snap.bins(posting), served.bins(service)],
        size=[snap.size, served.size],
        slice_code=slices,
        n_slices=n,
        kind=kind,
        n_kinds=k,
        weights=[amount],
    )
    refunds_netted = request.option("refunds") == "netted"
    reasons = [
        r
        for r in WRITE_OFF_REASONS
        if r != "charity" or request.option("write_off_reasons") != "charity_excluded"
    ]
    out: dict[str, list[Array]] = {}

    def put(name: str, value: Array) -> None:
        out.setdefault(name, []).append(value)

    for period, as_of in zip(request.periods, request.as_of, strict=True):
        flows = _flow(flat, edges, period.start, period.end)
        gross = _k(flows, "charge", "late_charge")
        contractual = _k(flows, "contractual_adjustment")
        cash = _k(flows, "payment", "pos_payment") - (_k(flows, "refund") if refunds_netted else 0.0)
        put("gross_charges", gross)
        put("contractual_adjustments", contractual)
        put("net_charges", gross - contractual)
        put("payments", _k(flows, "payment", "pos_payment"))
        put("refunds", _k(flows, "refund"))
        put("cash", cash)
        for reason in WRITE_OFF_REASONS:
            put(f"write_offs_{reason}", _k(flows, f"write_off_{reason}"))
        put("write_offs", _k(flows, *(f"write_off_{r}" for r in reasons)))
        put("late_charges", _k(flows, "late_charge"))
        put("pos_payments", _k(flows, "pos_payment"))
        base = request.option("write_off_denominator")
        if base == "gross_charges":
            put("write_off_base", gross)
        elif base == "net_charges":
            put("write_off_base", gross - contractual)
        if request.option("collection_basis") == "posting_period":
            put("collections", cash)
            put("collectible", gross - contractual)
        else:
            at = square[snap[as_of]]
            cohort = at[served[period.end]] - at[served[period.start]]
            refunds = _k(cohort, "refund") if refunds_netted else 0.0
            put("collections", _k(cohort, "payment", "pos_payment") - refunds)
            put("collectible", _k(cohort, "charge", "late_charge") - _k(cohort, "contractual_adjustment"))
        window = request.window(as_of)
        in_window = _flow(flat, edges, window.start, window.end)
        charges = _k(in_window, "charge", "late_charge")
        if request.option("ar_charges") == "adjusted":
            charges = charges - _k(in_window, "contractual_adjustment")
        put("average_daily_charges", charges / window.days)
        if rows is None:
            balance = flat[edges[as_of]] @ _SIGN
            put("ar_balance", balance)
            put("ar_aging_base", balance)
            put("ar_over_90", square[snap[as_of], served[_cut(as_of)]] @ _SIGN)
    if rows is not None:
        out.update(_per_claim(rows, request))
    unbilled = "needs the transactions column 'billed_date'"
    if "dnfb" in rolls:
        out["dnfb"] = list(_dnfb(rolls["dnfb"], request))
    else:  # no bill dates: DNFB, and aging that reads them, cannot be told
        missing["dnfb"] = unbilled
        if request.option("aging_anchor") == "bill_date":
            missing["ar_over_90"] = unbilled
        if request.option("aging_scope") == "billed_ar":
            missing.update(ar_aging_base=unbilled, ar_over_90=unbilled)
    if request.option("write_off_denominator") == "npsr":
        missing["write_off_base"] = "filled from the ledger's npsr"
    return {name: np.stack(values) for name, values in out.items()}, missing


@attrs.frozen(eq=False)
class _Rows:
    """The transactions row by row with their slices, for the per-claim steps (not linear in rows)."""

    book: Book
    slices: npt.NDArray[np.intp]


def _per_claim(rows: _Rows, request: _Request) -> dict[str, list[Array]]:
    """A/R, aging base and A/R over 90 from per-claim balances (one pass per as-of date)."""
    book, slices = rows.book, rows.slices
    columns = book.transactions
    assert columns is not None
    kind, amount = _transaction_kind(book), columns["amount"]
    n = request.n_slices
    _, claim = book.codes("transactions", "claim_id")
    pairs, pair = np.unique(claim.astype(np.int64) * n + slices, return_inverse=True)
    pair = pair.reshape(-1)
    pair_slice = (pairs % n).astype(np.intp)
    signed = amount * _SIGN[kind]
    never = np.iinfo(np.int64).max
    if request.option("aging_anchor") == "service_date":
        anchor = np.full(len(pairs), never)
        np.minimum.at(anchor, pair, columns["service_date"].astype(np.int64))
    else:
        anchor = _first_bill(book, pair, len(pairs))
    first_bill = _first_bill(book, pair, len(pairs))
    excluded = request.option("credit_balances") == "excluded"
    billed_only = request.option("aging_scope") == "billed_ar"
    posting = columns["posting_date"]
    out: dict[str, list[Array]] = {}
    for as_of in request.as_of:
        day = np.datetime64(as_of, "D").astype(np.int64)
        mask = posting < np.datetime64(as_of, "D")
        balance = np.bincount(pair[mask], weights=signed[mask], minlength=len(pairs))
        if excluded:
            balance = np.maximum(balance, 0.0)
        in_scope = first_bill < day if billed_only else np.ones(len(pairs), dtype=bool)
        aged = anchor < day - AGED_AR_DAYS
        for name, weight in (
            ("ar_balance", balance),
            ("ar_aging_base", balance * in_scope),
            ("ar_over_90", balance * (in_scope & aged)),
        ):
            out.setdefault(name, []).append(
                np.bincount(pair_slice, weights=weight, minlength=n).astype(np.float64)
            )
    return out


def _first_bill(book: Book, pair: npt.NDArray[np.intp], n_pairs: int) -> npt.NDArray[np.int64]:
    columns = book.transactions
    assert columns is not None
    first = np.full(n_pairs, np.iinfo(np.int64).max)
    if "billed_date" in columns:
        billed = columns["billed_date"]
        uniques, code = book.codes("transactions", "type")
        charge = np.flatnonzero(uniques == "charge")
        is_charge = code == charge[0] if charge.size else np.zeros(len(code), dtype=bool)
        rows = is_charge & ~np.isnat(billed)
        np.minimum.at(first, pair[rows], billed[rows].astype(np.int64))
    return first


def _dnfb(roll: _Rollup, request: _Request) -> Array:
    """Charges served and posted before as-of but not billed before it, without a pass per date.

    The rollup groups charges by ``ready = max(service, posting)`` and ``done = max(ready,
    billed)``: DNFB(a) = [ready before a] - [done before a], two one-axis cumulative sums (a
    missing bill date makes ``done`` NaT, never before).
    """
    edges = _Edges(list(request.as_of))
    cubes = [
        _cube(
            [edges.bins(dates)],
            size=edges.size,
            slice_code=roll.slices,
            n_slices=request.n_slices,
            kind=roll.kind,
            n_kinds=1,
            weights=[roll.weights["amount"]],
        )[0]
        for dates in roll.days
    ]
    return np.stack([(cubes[0][edges[a]] - cubes[1][edges[a]])[:, 0] for a in request.as_of])


# -------------------------------------------------------------------------------------- submissions


_SUBMISSION_WEIGHTS = ("lines", "charges", "denied_lines", "denied_charges")


def _roll_submissions(book: Book, slices: npt.NDArray[np.intp], n_slices: int) -> dict[str, _Rollup]:
    """Submissions by (submitted day, adjudicated day, slice, resubmission x outcome x clean)."""
    columns = book.submissions
    assert columns is not None
    n_out = len(OUTCOMES)
    original = columns["seq"] == 1
    outcome = _coded(book, "submissions", "outcome", {o: i for i, o in enumerate(OUTCOMES)}, -1)
    kind = ((~original).astype(np.intp) * n_out + outcome) * 2 + columns["clean"].astype(np.intp)
    weights: dict[str, npt.NDArray[Any] | None] = {ROW_COUNT: None}
    weights.update({name: columns[name] for name in _SUBMISSION_WEIGHTS})
    days = [columns["submitted_date"], columns["adjudicated_date"]]
    return {
        "submissions": _rollup(
            days, slices=slices, n_slices=n_slices, kind=kind, n_kinds=4 * n_out, weights=weights
        )
    }


def _submissions(rolls: Mapping[str, _Rollup], request: _Request) -> tuple[_Out, dict[str, str]]:
    roll = rolls["submissions"]
    n_out = len(OUTCOMES)
    n_kinds = 4 * n_out
    monthly = request.option("denial_denominator") == "prior_three_month_average"
    dates: list[datetime.date] = []
    months: list[list[datetime.date]] = []  # per period, the first day of each of its months
    for period, as_of in zip(request.periods, request.as_of, strict=True):
        dates += [period.start, period.end, as_of]
        if monthly:
            firsts = _month_starts(period)
            if firsts is None:
                raise ConventionError(
                    "denial_denominator 'prior_three_month_average' needs calendar-month periods "
                    f"(one month or several whole ones; got {period})"
                )
            months.append(firsts)
            dates += [d for first in firsts for d in (first, first - relativedelta(months=3))]
    edges = _Edges(dates)
    count, lines, charges, denied_lines, denied_charges = _cube(
        [edges.bins(day) for day in roll.days],
        size=edges.size,
        slice_code=roll.slices,
        n_slices=request.n_slices,
        kind=roll.kind,
        n_kinds=n_kinds,
        weights=[roll.weights[name] for name in (ROW_COUNT, *_SUBMISSION_WEIGHTS)],
    )
    unit = request.option("denial_unit")
    size = {"claims": count, "lines": lines, "dollars": charges}[unit]
    denied_size = {"claims": count, "lines": denied_lines, "dollars": denied_charges}[unit]
    denied_outcomes = ["denied"] if request.option("denial_scope") == "full_only" else ["denied", "partial"]

    def kinds(*, first: bool, outcomes: Sequence[str], clean: Sequence[int] = (0, 1)) -> list[int]:
        offset = 0 if first else n_out
        return [(offset + OUTCOMES.index(o)) * 2 + c for o in outcomes for c in clean]

    adjudicated = [o for o in OUTCOMES if o != "pending"]
    out: dict[str, list[Array]] = {}

    def put(name: str, value: Array) -> None:
        out.setdefault(name, []).append(value)

    basis = request.option("denial_denominator")
    every = edges.every
    for i, (period, as_of) in enumerate(zip(request.periods, request.as_of, strict=True)):
        s, e, a = edges[period.start], edges[period.end], edges[as_of]
        submitted = count[e, every] - count[s, every]
        put("first_submissions", submitted[:, kinds(first=True, outcomes=OUTCOMES)].sum(axis=-1))
        put("clean_claims", submitted[:, kinds(first=True, outcomes=OUTCOMES, clean=(1,))].sum(axis=-1))
        adj = count[every, e] - count[every, s]
        put("resubmissions_adjudicated", adj[:, kinds(first=False, outcomes=adjudicated)].sum(axis=-1))
        put("overturned", adj[:, kinds(first=False, outcomes=["paid", "partial"])].sum(axis=-1))
        if basis == "submitted_cohort":
            num = denied_size[e, a] - denied_size[s, a]
            den = size[e, a] - size[s, a]
        else:
            num = denied_size[every, e] - denied_size[every, s]
            den = size[every, e] - size[every, s]
            if basis == "prior_three_month_average":  # a span of months: the sum of its months' bases
                den = sum(
                    (size[every, edges[first]] - size[every, edges[first - relativedelta(months=3)]]) / 3.0
                    for first in months[i]
                )
        put("denials", num[:, kinds(first=True, outcomes=denied_outcomes)].sum(axis=-1))
        put("denial_base", den[:, kinds(first=True, outcomes=adjudicated)].sum(axis=-1))
    return {name: np.stack(values) for name, values in out.items()}, {}


def _month_starts(period: Period) -> list[datetime.date] | None:
    """The first day of each calendar month ``period`` spans, or ``None`` unless it spans whole months."""
    if period.start.day != 1 or period.end.day != 1:
        return None
    firsts, day = [], period.start
    while day < period.end:
        firsts.append(day)
        day += relativedelta(months=1)
    return firsts


# --------------------------------------------------------------------------------------- work items


def _roll_work_items(book: Book, slices: npt.NDArray[np.intp], n_slices: int) -> dict[str, _Rollup]:
    """Work items by (opened day, closed day, slice, escalated), with rows and touches summed."""
    columns = book.work_items
    assert columns is not None
    days = [columns["opened"], columns["closed"]]
    kind = columns["escalated"].astype(np.intp)
    weights = {ROW_COUNT: None, "touches": columns["touches"]}
    return {
        "work_items": _rollup(days, slices=slices, n_slices=n_slices, kind=kind, n_kinds=2, weights=weights)
    }


def _work_items(rolls: Mapping[str, _Rollup], request: _Request) -> tuple[_Out, dict[str, str]]:
    roll = rolls["work_items"]
    dates: list[datetime.date] = []
    for period, as_of in zip(request.periods, request.as_of, strict=True):
        dates += [period.start, period.end, as_of, as_of - datetime.timedelta(days=AGED_BACKLOG_DAYS)]
    edges = _Edges(dates)
    count, touches = _cube(
        [edges.bins(day) for day in roll.days],
        size=edges.size,
        slice_code=roll.slices,
        n_slices=request.n_slices,
        kind=roll.kind,
        n_kinds=2,
        weights=[roll.weights[ROW_COUNT], roll.weights["touches"]],
    )
    out: dict[str, list[Array]] = {}
    every = edges.every
    for period, as_of in zip(request.periods, request.as_of, strict=True):
        s, e, a = edges[period.start], edges[period.end], edges[as_of]
        cut = edges[as_of - datetime.timedelta(days=AGED_BACKLOG_DAYS)]
        closed = count[every, e] - count[every, s]
        out.setdefault("items_closed", []).append(closed.sum(axis=-1))
        out.setdefault("escalated_closed", []).append(closed[:, 1])
        out.setdefault("touches_closed", []).append((touches[every, e] - touches[every, s]).sum(axis=-1))
        out.setdefault("backlog", []).append((count[a, every] - count[a, a]).sum(axis=-1))
        out.setdefault("aged_backlog", []).append((count[cut, every] - count[cut, a]).sum(axis=-1))
    return {name: np.stack(values) for name, values in out.items()}, {}


# ------------------------------------------------------------------------------------------- ledger


_LEDGER_FLOWS = {
    "npsr": "npsr",
    "cost_to_collect": "cost_to_collect",
    "bad_debt": "ledger_bad_debt",
    "charity": "ledger_charity",
}
"""Ledger columns of monthly totals, and the measures they give (months starting in the period)."""
_LEDGER_BALANCES = {"net_ar": "net_ar", "dnfb": "ledger_dnfb"}
"""Ledger columns of month-end balances, and the measures they give (the month before as-of)."""
_LEDGER_WEIGHTS = (*_LEDGER_FLOWS, *_LEDGER_BALANCES)


def _roll_ledger(book: Book, slices: npt.NDArray[np.intp], n_slices: int) -> dict[str, _Rollup]:
    """Ledger months by (month, slice), with the ledger's amounts summed."""
    columns = book.ledger
    assert columns is not None
    weights: dict[str, npt.NDArray[Any] | None] = {c: columns[c] for c in _LEDGER_WEIGHTS if c in columns}
    kind = np.zeros(len(columns["month"]), dtype=np.intp)
    return {
        "ledger": _rollup(
            [columns["month"]], slices=slices, n_slices=n_slices, kind=kind, n_kinds=1, weights=weights
        )
    }


def _ledger(rolls: Mapping[str, _Rollup], request: _Request) -> tuple[_Out, dict[str, str]]:
    """Monthly totals over the months starting in each period; month-end balances at as-of.

    A balance at as-of is the one booked for the month ending the day before, so as-of must be
    the first of a month; so must it for the average daily NPSR of the 3 months before it.
    """
    roll = rolls["ledger"]
    month_ends = all(a.day == 1 for a in request.as_of)
    dates = [d for p in request.periods for d in (p.start, p.end)]
    if month_ends:
        dates += [
            d for a in request.as_of for d in (a, a - relativedelta(months=1), a - relativedelta(months=3))
        ]
    edges = _Edges(dates)
    names = list(roll.weights)
    cubes = _cube(
        [edges.bins(roll.days[0])],
        size=edges.size,
        slice_code=roll.slices,
        n_slices=request.n_slices,
        kind=roll.kind,
        n_kinds=1,
        weights=[roll.weights[c] for c in names],
    )
    cube_of = dict(zip(names, cubes, strict=True))
    out: dict[str, Array] = {
        _LEDGER_FLOWS[name]: np.stack(
            [_flow(cube_of[name], edges, p.start, p.end)[:, 0] for p in request.periods]
        )
        for name in _LEDGER_FLOWS
        if name in cube_of
    }
    missing = {
        measure: f"needs the ledger column {column!r}"
        for column, measure in (*_LEDGER_FLOWS.items(), *_LEDGER_BALANCES.items())
        if column not in roll.weights
    }
    if "npsr" in missing:
        missing["average_daily_npsr"] = missing["npsr"]
    # (column, measure, months before as-of, per day): a balance is its one month before as-of
    at_as_of = [(column, measure, 1, False) for column, measure in _LEDGER_BALANCES.items()]
    at_as_of.append(("npsr", "average_daily_npsr", 3, True))
    for column, measure, months, per_day in at_as_of:
        if column not in cube_of:
            continue
        if not month_ends:
            missing[measure] = "ledger balances are month-end: needs as-of dates on the first of a month"
            continue
        values = []
        for a in request.as_of:
            start = a - relativedelta(months=months)
            value = _flow(cube_of[column], edges, start, a)[:, 0]
            values.append(value / (a - start).days if per_day else value)
        out[measure] = np.stack(values)
    return out, missing


# ------------------------------------------------------------------------------------------ compute

_MEASURES_OF: dict[str, tuple[str, ...]] = {}
for _measure, _table in _TABLE_OF.items():
    _MEASURES_OF.setdefault(_table, ())
    _MEASURES_OF[_table] += (_measure,)

EARLIEST_START = datetime.date(1, 4, 2)
"""The earliest period start: windows and aging look back up to 91 days, and year 1 is the first."""

_PER_CLAIM = {("credit_balances", "excluded"), ("aging_anchor", "bill_date"), ("aging_scope", "billed_ar")}

_TABLES = ("transactions", "submissions", "work_items", "ledger")
_ROLL = {
    "transactions": _roll_transactions,
    "submissions": _roll_submissions,
    "work_items": _roll_work_items,
    "ledger": _roll_ledger,
}
_COMPUTE = {"submissions": _submissions, "work_items": _work_items, "ledger": _ledger}


@attrs.frozen(eq=False)
class _Prepared:
    """What a book yields for one set of slice dimensions, whatever the periods and conventions.

    ``rollups[table]`` are the table's rollups, by slice when ``table`` is in ``sliced`` and in
    total (slice 0) when it lacks one of the dimensions.
    """

    labels: tuple[tuple[str, ...], ...]
    sliced: frozenset[str]
    rollups: Mapping[str, Mapping[str, _Rollup]]


def _prepare(book: Book, by: tuple[str, ...]) -> _Prepared:
    slicing = _slicing(book, by)
    n = len(slicing.labels)
    rollups = {}
    for table in _TABLES:
        if book.table(table) is None:
            continue
        if table in slicing.codes:
            rollups[table] = _ROLL[table](book, slicing.codes[table], n)
        else:
            rollups[table] = _ROLL[table](book, np.zeros(book.rows(table), dtype=np.intp), 1)
    return _Prepared(slicing.labels, frozenset(slicing.codes), rollups)


CACHED_SLICINGS = 4
"""How many sets of slice dimensions each book keeps rolled up (the most recently used)."""

_PREPARED: weakref.WeakKeyDictionary[Book, dict[tuple[str, ...], _Prepared]] = weakref.WeakKeyDictionary()
_PREPARED_LOCK = threading.Lock()


def _prepared(book: Book, by: tuple[str, ...]) -> _Prepared:
    """The book's rollups for ``by``: built on first use, then kept while the book lives.

    A Book's columns are read-only, so what is derived from them never goes stale. Each book
    keeps the :data:`CACHED_SLICINGS` most recently used slicings.
    """
    with _PREPARED_LOCK:
        found = _PREPARED.get(book, {}).get(by)
    if found is None:
        found = _prepare(book, by)
    with _PREPARED_LOCK:
        kept = _PREPARED.setdefault(book, {})
        kept.pop(by, None)
        kept[by] = found  # most recently used last
        while len(kept) > CACHED_SLICINGS:
            del kept[next(iter(kept))]
    return found


def compute_measures(
    book: Book,
    periods: Sequence[Period],
    as_of: Sequence[datetime.date],
    by: Sequence[str],
    conventions: Mapping[str, Convention],
    *,
    per_claim: bool | None = None,
) -> MeasureSet:
    """Compute every base measure for each period (with its as-of date) and slice.

    Args:
        book: The validated book.
        periods: The periods.
        as_of: One as-of date per period (snapshot measures are taken just before it).
        by: Slice dimensions (columns of the tables).
        conventions: ``{family: Convention}`` for every family.
        per_claim: Force (``True``) or forbid (``False``) the per-claim A/R path; by default it
            is used exactly when a convention needs it.
    """
    by = tuple(by)
    for i, period in enumerate(periods):
        if period.start < EARLIEST_START:
            raise ValidationError.single(
                f"$.periods[{i}]" if len(periods) > 1 else "$.period",
                "range",
                f"periods must start on or after {EARLIEST_START} (the engine looks back up to 3 months "
                f"from a period; got {period})",
            )
    prepared = _prepared(book, by)
    n = len(prepared.labels)
    request = _Request(tuple(periods), tuple(as_of), conventions, n)
    if per_claim is None:
        per_claim = any((c.family, c.option) in _PER_CLAIM for c in conventions.values())
    totals: dict[str, Array] = {}
    sliced: dict[str, Array] = {}
    missing: dict[str, str] = {}
    unsliced: dict[str, str] = {}
    for table in _TABLES:
        if table not in prepared.rollups:
            missing.update(dict.fromkeys(_MEASURES_OF[table], f"the book has no {table}"))
            continue
        is_sliced = table in prepared.sliced
        own = request if is_sliced else attrs.evolve(request, n_slices=1)
        if table == "transactions":
            rows = None
            if per_claim:
                codes = _slicing(book, by).codes.get(table) if is_sliced else None
                rows = _Rows(book, np.zeros(book.rows(table), dtype=np.intp) if codes is None else codes)
            values, gaps = _transactions(prepared.rollups[table], own, rows)
        else:
            values, gaps = _COMPUTE[table](prepared.rollups[table], own)
        values = {name: array.astype(np.float64) for name, array in values.items()}
        if is_sliced:
            sliced.update(values)
            totals.update({name: array.sum(axis=1) for name, array in values.items()})
        else:
            lacking = [d for d in by if d not in (book.table(table) or {})]
            totals.update({name: array[:, 0] for name, array in values.items()})
            unsliced.update(dict.fromkeys(values, f"{table} has no column {lacking[0]!r}"))
        missing.update(gaps)
    if conventions["write_off_denominator"].option == "npsr":
        missing.pop("write_off_base", None)
        if "npsr" in totals:
            totals["write_off_base"] = totals["npsr"]
            if "npsr" in sliced:
                sliced["write_off_base"] = sliced["npsr"]
            else:
                unsliced["write_off_base"] = unsliced["npsr"]
                sliced.pop("write_off_base", None)
        else:
            missing["write_off_base"] = missing["npsr"]
    for name in missing:
        totals.pop(name, None)
        sliced.pop(name, None)
    return MeasureSet(
        periods=request.periods,
        as_of=request.as_of,
        by=by,
        slices=prepared.labels,
        conventions=tuple(c.id for c in conventions.values()),
        totals=totals,
        sliced=sliced,
        missing=missing,
        unsliced=unsliced,
    )
