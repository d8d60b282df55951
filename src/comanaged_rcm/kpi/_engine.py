"""Base measures: additive sums and counts per (period, slice), computed with ``np.bincount``.

The measures are data (:mod:`comanaged_rcm.kpi._measures`); this module compiles them to rollups.
Each table is first rolled up (once per book, slicing and rollup key, then kept while the book
lives): rows grouped by the day of each date column the requested measures read, the slice and
the kind (the codes of the filter columns, mixed radix), every weight summed per group. A rollup
keeps only the rows some of its measures admit. Every measure compares dates with boundaries and
sums by slice and kind, so it is the same over groups as over rows.

A request bins each group's dates against the sorted boundary dates it needs (the anchors of the
measures' intervals: period starts and ends, as-of dates, trailing-window starts, aging cut-offs),
and classes the kinds by how the requested measures weigh them (their filters, signs and lags).
One ``np.bincount`` over ``(date bins, slice, class)`` codes gives a small cube; cumulative sums
along the date axes turn it into "rows dated before boundary ``j``", so a measure is
inclusion-exclusion over the corners of its intervals: a flow over ``[start, end)`` is a
difference of two cells and a snapshot at an as-of date (A/R, backlog) is one cell. Nothing loops
over rows.

Per-claim steps (credit balances excluded, aging from the bill date, aging over billed A/R only)
are not linear in rows: they sum per claim first, one pass per as-of date. Their measures merge
exactly only when shards partition claims (every row of a claim in one shard).
"""

from __future__ import annotations

import datetime
import math
import threading
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import attrs
import numpy as np
import numpy.typing as npt
from dateutil.relativedelta import relativedelta

from comanaged_rcm import _check
from comanaged_rcm._check import v
from comanaged_rcm._frames import Column, Table, Tabular, build
from comanaged_rcm.errors import ConventionError, ValidationError
from comanaged_rcm.kpi._book import SCHEMAS, Book, FieldKind
from comanaged_rcm.kpi._conventions import Convention
from comanaged_rcm.kpi._measures import (
    AGED_AR_DAYS,
    AGED_BACKLOG_DAYS,
    BUILT_IN_MEASURES,
    LATE_CHARGE_DAYS,
    MEASURES,
    Bound,
    ClaimDate,
    Condition,
    Definition,
    Derived,
    Lag,
    Measure,
)
from comanaged_rcm.periods import Cadence, Period

if TYPE_CHECKING:
    from comanaged_rcm.kpi._catalogue import Catalogue

__all__ = [
    "AGED_AR_DAYS",
    "AGED_BACKLOG_DAYS",
    "LATE_CHARGE_DAYS",
    "MEASURES",
    "MeasureSet",
    "compute_measures",
    "measure_table",
]

Array = npt.NDArray[np.float64]
TOTAL = "(all)"
"""The dimension value that labels a total row in :meth:`Scorecard.to_columns`."""


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
        months: ``{measure: the months read in each period, sorted}`` for the ledger's measures.
        booked: The months the ledger books (each month's first day), sorted.

    A ledger measure's value in a period that reads a month the ledger does not book is a short
    sum, not the figure: scorecards and the long table leave it undefined, naming the months
    (a partial's months merge with the other partial's, so a ledger split by rows still merges
    to the whole).

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
    months: Mapping[str, tuple[tuple[datetime.date, ...], ...]] = attrs.field(
        factory=dict, validator=v.instance(Mapping, "a mapping")
    )
    booked: tuple[datetime.date, ...] = attrs.field(default=(), validator=v.tuple_of(datetime.date))

    def unbooked(self, measure: str, index: int) -> str | None:
        """Why ``measure``'s value in period ``index`` is undefined: months the ledger does not book.

        ``None`` when it books every month the value reads (or the measure is not the ledger's).

        Raises:
            ValidationError: ``measure`` is not text, ``index`` not one of the periods' rows.

        >>> from comanaged_rcm.kpi import Book, measures
        >>> from comanaged_rcm.periods import Period
        >>> found = measures(Book(ledger={"month": ["2026-01-01"], "npsr": [100.0]}), Period.month(2025, 12))
        >>> found.unbooked("npsr", 0)
        'the ledger has no row for 2025-12: a month it does not book is missing, not zero'
        """
        _check.text(measure, "$.measure")
        index = _check.count(index, "$.index", maximum=len(self.periods) - 1)
        needed = self.months.get(measure)
        return None if needed is None else unbooked(needed[index], self.booked)

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
        for name, months in self.months.items():
            held: object = months
            if not isinstance(held, tuple) or len(held) != len(self.periods):
                where = f"$.months[{_check.show(name)}]"
                _check.fail(where, "shape", "'months' must hold one set of months per period")

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
        if dict(self.months) != dict(other.months):
            _check.fail("$.months", "mismatch", "partials read different ledger months; cannot merge")
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
        booked = tuple(sorted({*self.booked, *other.booked}))  # a month either partial books is booked
        return attrs.evolve(self, slices=slices, totals=totals, sliced=sliced, booked=booked)

    def __add__(self, other: MeasureSet) -> MeasureSet:
        return self.merge(other)

    def _frame_table(self) -> Table:
        """Long format, one row per (period, measure, slice), the total first in each.

        Without ``by`` the totals alone are rows.

        Columns: ``period_start``, ``period_end`` (half-open), ``as_of``, one per ``by`` dimension
        (null in the total rows), ``measure``, ``value`` (null where the book cannot supply the
        measure, supplies it only in total, or lacks a ledger month it reads), ``reason`` (why
        the value is null; null where it is not), ``conventions`` (the ids in force, joined by
        ``, ``).
        """
        order = {name: i for i, name in enumerate(MEASURES)}
        names = sorted({*self.totals, *self.missing}, key=lambda m: (order.get(m, len(order)), m))
        periods, rows = len(self.periods), 1 + len(self.slices) if self.by else 1  # unsliced: totals only
        values = np.full((periods, len(names), rows), np.nan)
        reasons: list[str | None] = []
        for p in range(periods):
            for j, name in enumerate(names):
                short = self.unbooked(name, p) if name in self.totals else None
                if name in self.totals and short is None:
                    values[p, j, 0] = self.totals[name][p]
                if name in self.sliced and rows > 1 and short is None:
                    values[p, j, 1:] = self.sliced[name][p]
                gap = self.missing.get(name) or short
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
                ("reason", Column.text(reasons)),
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
    kind: npt.NDArray[Any],
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
        group_slices, group_kind = slices[first], kind[first].astype(np.intp)
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


# ------------------------------------------------------------------------------------- resolution

_DEFAULT: Mapping[str, Definition] = {d.name: d for d in BUILT_IN_MEASURES}
_DEFAULT_REPORTED = tuple(d.name for d in BUILT_IN_MEASURES if d.reported)

_FORCED = {
    False: {
        "ar_balance": "ar_balance_linear",
        "ar_aging_base": "ar_balance_linear",
        "ar_over_90": "ar_over_90_linear",
    },
    True: {
        "ar_balance_linear": "ar_balance_claims",
        "ar_over_90_linear": "ar_over_90_total_ar_service_date_offset",
    },
}
"""What ``compute_measures(per_claim=...)`` puts in place of the built-in A/R measures."""

_PER_CLAIM = {("credit_balances", "excluded"), ("aging_anchor", "bill_date"), ("aging_scope", "billed_ar")}
_MAX_DEPTH = 64


class _Leaf(NamedTuple):
    """A base measure in a resolved combination, with the convention choice that led to it."""

    measure: Measure
    coefficient: float
    chosen_by: tuple[str, str] | None  # (family, option) of the nearest choice, if any


def _flatten(
    definitions: Mapping[str, Definition],
    name: str,
    conventions: Mapping[str, Convention],
    forced: Mapping[str, str],
) -> list[_Leaf]:
    """The base measures ``name`` adds up under ``conventions``, each with its coefficient."""
    out: list[_Leaf] = []

    def walk(current: str, coefficient: float, chosen: tuple[str, str] | None, depth: int) -> None:
        if depth > _MAX_DEPTH:
            _check.fail("$.measures", "cycle", f"measure {name!r} is defined in terms of itself")
        current = forced.get(current, current)
        definition = definitions[current]
        if isinstance(definition, Measure):
            out.append(_Leaf(definition, coefficient, chosen))
        elif isinstance(definition, Derived):
            for term in definition.terms:
                walk(term.measure, coefficient * term.coefficient, chosen, depth + 1)
        else:
            option = conventions[definition.family].option
            walk(definition.choose(option), coefficient, (definition.family, option), depth + 1)

    walk(name, 1.0, None, 0)
    return out


def measure_table(measure: str) -> str:
    """The input table a built-in measure comes from, under the default conventions.

    >>> measure_table("write_off_base"), measure_table("backlog")
    ('transactions', 'work_items')
    """
    from comanaged_rcm.kpi._conventions import resolve_conventions  # noqa: PLC0415 - one default

    return _flatten(_DEFAULT, measure, resolve_conventions(), {})[0].measure.table


# ----------------------------------------------------------------------------------------- request


@attrs.frozen
class _Request:
    periods: tuple[Period, ...]
    as_of: tuple[datetime.date, ...]
    conventions: Mapping[str, Convention]
    points: dict[bool, list[_Point]] = attrs.field(factory=dict, eq=False)  # by monthly, once each
    dates: dict[tuple[Bound, bool], list[datetime.date | None]] = attrs.field(factory=dict, eq=False)

    def window_start(self, as_of: datetime.date) -> datetime.date:
        if self.conventions["ar_window"].option == "trailing_90_days":
            return Period.trailing(as_of, 90).start
        return Period.trailing(as_of, relativedelta(months=3)).start


class _Point(NamedTuple):
    """Where a measure is read: one period (or one month of it) with its as-of date."""

    period: int  # the row of the result it adds to
    start: datetime.date
    end: datetime.date
    as_of: datetime.date
    window_start: datetime.date


def _month_starts(period: Period) -> list[datetime.date] | None:
    """The first day of each calendar month ``period`` spans, or ``None`` unless it spans whole months."""
    if period.start.day != 1 or period.end.day != 1:
        return None
    return [month.start for month in Cadence.monthly().periods_between(period.start, period.end)]


def _points(measure: Measure, request: _Request) -> list[_Point]:
    """Each period (or, for a monthly measure, each of its months) with its as-of date."""
    found = request.points.get(measure.monthly)
    if found is None:
        found = request.points[measure.monthly] = _all_points(measure, request)
    return found


def _all_points(measure: Measure, request: _Request) -> list[_Point]:
    points = []
    for i, (period, as_of) in enumerate(zip(request.periods, request.as_of, strict=True)):
        window = request.window_start(as_of)
        if not measure.monthly:
            points.append(_Point(i, period.start, period.end, as_of, window))
            continue
        firsts = _month_starts(period)
        assert firsts is not None  # noqa: S101 - checked before compiling
        points += [_Point(i, f, f + relativedelta(months=1), as_of, window) for f in firsts]
    return points


def _at(bound: Bound, point: _Point) -> datetime.date | None:
    return bound.resolve(start=point.start, end=point.end, as_of=point.as_of, window_start=point.window_start)


def _bound_dates(bound: Bound, measure: Measure, request: _Request) -> list[datetime.date | None]:
    """A bound's date at each of the measure's points (resolved once per request)."""
    key = (bound, measure.monthly)
    found = request.dates.get(key)
    if found is None:
        found = request.dates[key] = [_at(bound, p) for p in _points(measure, request)]
    return found


def _finish(measure: Measure, points: list[_Point], values: Array, n_periods: int) -> Array:
    """Per-day division, scale, and the points (months) summed into their periods."""
    if measure.per_day:
        first = measure.dates[0]
        days = []
        for p in points:
            start, end = _at(first.start, p), _at(first.end, p)
            assert start is not None  # noqa: S101 - Measure checks per_day
            assert end is not None  # noqa: S101 - Measure checks per_day
            days.append((end - start).days)
        per = np.array(days, dtype=np.longdouble).reshape(-1, *([1] * (values.ndim - 1)))
        values = cast("Array", values / per)
    if measure.scale != 1.0:
        values = values * measure.scale
    if len(points) == n_periods:
        return values
    out = np.zeros((n_periods, *values.shape[1:]), dtype=values.dtype)
    np.add.at(out, np.array([p.period for p in points], dtype=np.intp), values)
    return cast("Array", out)


# ------------------------------------------------------------------------------------------- kinds


def _texts(uniques: npt.NDArray[Any]) -> list[str]:
    """A coded column's values as filters compare them: flags ``true``/``false``, counts as digits."""
    if uniques.dtype.kind == "b":
        return ["true" if u else "false" for u in uniques.tolist()]
    return [str(u) for u in uniques.tolist()]


_BLANK_WHEN_ABSENT = frozenset(
    (table, f.name)
    for table, fields in SCHEMAS.items()
    for f in fields
    if f.kind is FieldKind.TEXT and f.nullable and not f.required
)
"""Optional coded columns a book may leave out: then every row's value is empty (no write-off reason)."""


def _codes(book: Book, table: str, column: str) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """The book's codes of a column; an optional nullable text column it lacks reads as empty."""
    if (table, column) in _BLANK_WHEN_ABSENT and column not in (book.table(table) or {}):
        return np.array([""]), np.zeros(book.rows(table), dtype=np.intp)
    return book.codes(table, column)


def _admits(condition: Condition, values: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Which of a column's values a condition admits."""
    allowed = set(condition.values)
    inside = np.array([value in allowed for value in values], dtype=bool)
    return ~inside if condition.negate else inside


@attrs.frozen(eq=False)
class _Kinds:
    """A table's filter columns coded together: ``values[c][k]`` is column ``c``'s value in kind ``k``."""

    columns: tuple[str, ...]
    values: tuple[tuple[str, ...], ...]
    size: int

    def factor(self, measure: Measure) -> Array:
        """How ``measure`` weighs each kind: 0 where its filter refuses it, else its sign (or 1)."""
        admitted = np.ones(self.size, dtype=bool)
        for condition in measure.where:
            admitted &= _admits(condition, self.values[self.columns.index(condition.column)])
        factor = admitted.astype(np.float64)
        if measure.signed is not None:
            signs = [measure.signed.sign(x) for x in self.values[self.columns.index(measure.signed.column)]]
            factor *= np.array(signs, dtype=np.float64)
        return factor


_DENSE_KINDS = 1 << 16
"""Up to this many combinations of filter values, a kind is their mixed-radix number (no sort)."""


def _kinds(book: Book, table: str, columns: tuple[str, ...]) -> tuple[_Kinds, npt.NDArray[Any]]:
    """The kinds of a table's filter columns and each row's kind.

    Few combinations are numbered in mixed radix, every combination a kind; many are renumbered
    by the combinations present.
    """
    rows = book.rows(table)
    if not columns:
        return _Kinds((), (), 1), np.zeros(rows, dtype=np.uint8)
    coded = [_codes(book, table, c) for c in columns]
    texts = [np.array(_texts(uniques) or [""], dtype=object) for uniques, _ in coded]  # "": no rows
    sizes = [max(len(uniques), 1) for uniques, _ in coded]
    if math.prod(sizes) <= _DENSE_KINDS:
        kind = np.zeros(rows, dtype=np.intp)
        for (_, inverse), size in zip(coded, sizes, strict=True):
            kind *= size
            kind += inverse
        parts = np.unravel_index(np.arange(math.prod(sizes)), sizes)
        values = tuple(tuple(t[p].tolist()) for t, p in zip(texts, parts, strict=True))
        return _Kinds(columns, values, math.prod(sizes)), _narrow(kind, math.prod(sizes))
    code, space = np.zeros(rows, dtype=np.int64), 1
    for (_, inverse), size in zip(coded, sizes, strict=True):
        if space * size > _COMPRESS_AT:
            distinct, renumbered = np.unique(code, return_inverse=True)
            code, space = renumbered.reshape(-1).astype(np.int64), len(distinct)
        code = code * size + inverse
        space *= size
    present, inverse_kind = np.unique(code, return_inverse=True)
    kind = inverse_kind.reshape(-1).astype(np.intp)
    first = np.zeros(len(present), dtype=np.intp)
    first[kind] = np.arange(rows, dtype=np.intp)  # a row of each kind: they all share its values
    values = tuple(tuple(t[inverse[first]].tolist()) for t, (_, inverse) in zip(texts, coded, strict=True))
    return _Kinds(columns, values, len(present)), _narrow(kind, len(present))


def _narrow(kind: npt.NDArray[np.intp], size: int) -> npt.NDArray[Any]:
    """Each row's kind in the narrowest unsigned integer that holds ``size`` kinds.

    A prepared book keeps one such array per table and set of filter columns while it lives (to
    build more rollups from): a byte a row instead of eight, for the dozen or so kinds of a table.
    Whatever reads it widens it before arithmetic that could overflow.
    """
    for dtype in (np.uint8, np.uint16, np.uint32):
        if size <= int(np.iinfo(dtype).max) + 1:
            return kind.astype(dtype)
    return kind


# ----------------------------------------------------------------------------------------- rollups


class _Key(NamedTuple):
    """What a rollup groups by and keeps: its date columns, filter columns, weights and rows."""

    days: tuple[str, ...]
    filters: tuple[str, ...]
    weights: tuple[str, ...]
    admitted: bytes | None  # kinds kept (one byte each), or None for every row


@attrs.frozen(eq=False)
class _Roll:
    """A rollup with the kinds its groups' ``kind`` codes stand for.

    ``classed`` keeps, per set of axes and measures read together, the groups they weigh and the
    class of each (what does not depend on the periods), so a second request only bins dates.
    """

    key: _Key
    kinds: _Kinds
    rollup: _Rollup
    classed: dict[tuple[object, ...], _Classed] = attrs.field(factory=dict)


@attrs.frozen(eq=False)
class _Classed:
    """The groups some measures weigh, each with its class, and how each class weighs each measure."""

    classes: Array  # (classes, measures)
    group_class: npt.NDArray[np.intp]
    days: Mapping[str, npt.NDArray[np.datetime64]]
    slices: npt.NDArray[np.intp]
    weights: Mapping[str, Array]


def _classed(
    roll: _Roll,
    group_days: Mapping[str, npt.NDArray[np.datetime64]],
    axes: tuple[str, ...],
    measures: Sequence[Measure],
) -> _Classed:
    """Class the groups: kinds (and lag outcomes) the measures all weigh alike share a cube cell."""
    key = (axes, *measures)
    found = roll.classed.get(key)
    if found is not None:
        return found
    rollup = roll.rollup
    lags = list(dict.fromkeys(lag for m in measures for lag in m.lags))
    bits = np.zeros(rollup.groups, dtype=np.intp)
    for j, lag in enumerate(lags):
        bits |= _lag_holds(lag, group_days[lag.later], group_days[lag.earlier]).astype(np.intp) << j
    n_bits = 1 << len(lags)
    weigh = np.zeros((roll.kinds.size * n_bits, len(measures)))
    outcomes = np.arange(n_bits)
    for m_index, m in enumerate(measures):
        per_kind = roll.kinds.factor(m)
        holds = np.ones(n_bits, dtype=bool)
        for lag in m.lags:
            holds &= (outcomes >> lags.index(lag)) & 1 == 1
        weigh[:, m_index] = np.outer(per_kind, holds).reshape(-1)
    classes, class_of = np.unique(weigh, axis=0, return_inverse=True)
    group_class = class_of.reshape(-1)[rollup.kind * n_bits + bits].astype(np.intp)
    keep = np.any(classes != 0, axis=1)[group_class]
    rows = None if keep.all() else np.flatnonzero(keep)

    def take(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return array if rows is None else array[rows]

    found = _Classed(
        classes=classes,
        group_class=take(group_class),
        days={axis: take(group_days[axis]) for axis in axes},
        slices=take(rollup.slices),
        weights={w: take(rollup.weights[w]) for w in dict.fromkeys(_weight_name(m) for m in measures)},
    )
    return roll.classed.setdefault(key, found)


def _weight_name(measure: Measure) -> str:
    return measure.weight or ROW_COUNT


def _roll(
    book: Book,
    table: str,
    *,
    slices: npt.NDArray[np.intp],
    n_slices: int,
    key: _Key,
    coded: tuple[_Kinds, npt.NDArray[Any]],
) -> _Roll:
    columns = book.table(table)
    assert columns is not None  # noqa: S101 - the caller checks
    kinds, kind = coded
    days = [columns[d] for d in key.days]
    weights: dict[str, npt.NDArray[Any] | None] = {
        w: None if w == ROW_COUNT else columns[w] for w in key.weights
    }
    if key.admitted is not None:
        rows = np.flatnonzero(np.frombuffer(key.admitted, dtype=bool)[kind])
        days, slices, kind = [d[rows] for d in days], slices[rows], kind[rows]
        weights = {w: None if a is None else a[rows] for w, a in weights.items()}
    rollup = _rollup(days, slices=slices, n_slices=n_slices, kind=kind, n_kinds=kinds.size, weights=weights)
    return _Roll(key, kinds, rollup)


def _rollup_keys(
    prepared: _Prepared, book: Book, table: str, measures: Sequence[Measure]
) -> list[tuple[_Key, list[Measure]]]:
    """Group a table's linear measures into rollups.

    Measures with the same date columns share a rollup, which keeps only the rows some of them
    admit; a set of date columns within another set whose rollup keeps every row is read from
    that one (flows from the rollup of posting and service dates).
    """
    groups: dict[tuple[str, ...], list[Measure]] = {}
    order = SCHEMA_DATES[table]
    for m in measures:
        used = {i.column for i in m.dates} | {d for lag in m.lags for d in (lag.later, lag.earlier)}
        days = tuple(c for c in order if c in used) or order[:1]  # undated: grouped by one date anyway
        groups.setdefault(days, []).append(m)
    everything = {days for days, ms in groups.items() if any(not m.where for m in ms)}
    for days in sorted(groups, key=len):
        wider = [w for w in everything if set(days) < set(w)]
        if wider:
            target = min(wider, key=lambda w: (len(w), w))
            groups[target] += groups.pop(days)
    out = []
    for days, ms in groups.items():
        filters = tuple(sorted({c for m in ms for c in m.filter_columns}))
        weights = tuple(sorted({_weight_name(m) for m in ms}))
        admitted: bytes | None = None
        if all(m.where for m in ms):
            kinds, _ = prepared.kinds(book, table, filters)
            mask = np.zeros(kinds.size, dtype=bool)
            for m in ms:
                mask |= kinds.factor(attrs.evolve(m, signed=None)) != 0
            admitted = None if mask.all() else mask.tobytes()
        out.append((_Key(days, filters, weights, admitted), ms))
    return out


SCHEMA_DATES = {
    "transactions": ("posting_date", "service_date", "billed_date"),
    "submissions": ("submitted_date", "adjudicated_date"),
    "work_items": ("opened", "closed"),
    "ledger": ("month",),
}
"""Each table's date columns, in the order rollups keep them."""


def _lag_holds(
    lag: Lag, later: npt.NDArray[np.datetime64], earlier: npt.NDArray[np.datetime64]
) -> npt.NDArray[np.bool_]:
    days = later.view(np.int64) - earlier.view(np.int64)
    holds = ~(np.isnat(later) | np.isnat(earlier))
    if lag.more_than is not None:
        holds &= days > lag.more_than
    if lag.at_most is not None:
        holds &= days <= lag.at_most
    return holds


def _linear(roll: _Roll, measures: Sequence[Measure], request: _Request, n_slices: int) -> dict[str, Array]:
    """The measures read off one rollup: a cube per set of date axes, corners per interval."""
    out: dict[str, Array] = {}
    by_axes: dict[tuple[str, ...], list[Measure]] = {}
    for m in measures:
        columns = {i.column for i in m.dates}
        by_axes.setdefault(tuple(c for c in roll.key.days if c in columns), []).append(m)
    group_days = dict(zip(roll.key.days, roll.rollup.days, strict=True))
    for axes, group in by_axes.items():
        out.update(
            _cube_measures(roll, group_days, axes=axes, measures=group, request=request, n_slices=n_slices)
        )
    return out


def _cube_measures(
    roll: _Roll,
    group_days: Mapping[str, npt.NDArray[np.datetime64]],
    *,
    axes: tuple[str, ...],
    measures: Sequence[Measure],
    request: _Request,
    n_slices: int,
) -> dict[str, Array]:
    points = {m.name: _points(m, request) for m in measures}
    classed = _classed(roll, group_days, axes, measures)
    classes = classed.classes
    edges = {}
    for axis in axes:
        dates: set[datetime.date] = set()
        for m in measures:
            for span in m.dates:
                if span.column == axis:
                    for bound in (span.start, span.end):
                        if bound.bounded:
                            dates.update(cast("list[datetime.date]", _bound_dates(bound, m, request)))
        edges[axis] = _Edges(sorted(dates) or [request.periods[0].start])
    weights = list(classed.weights)
    cubes = _cube(
        [edges[axis].bins(classed.days[axis]) for axis in axes],
        size=[edges[axis].size for axis in axes],
        slice_code=classed.slices,
        n_slices=n_slices,
        kind=classed.group_class,
        n_kinds=len(classes),
        weights=[classed.weights[w] for w in weights],
    )
    cube_of = dict(zip(weights, cubes, strict=True))
    out = {}
    for m_index, m in enumerate(measures):
        cube, at = cube_of[_weight_name(m)], points[m.name]
        interval = {i.column: i for i in m.dates}
        corners: list[tuple[float, list[npt.NDArray[np.intp]]]] = [(1.0, [])]
        for axis in axes:
            span, edge = interval[axis], edges[axis]
            if span.end.bounded:
                ends = [edge[cast("datetime.date", d)] for d in _bound_dates(span.end, m, request)]
            else:
                ends = [edge.every] * len(at)
            sides = [(1.0, np.array(ends, dtype=np.intp))]
            if span.start.bounded:
                starts = [edge[cast("datetime.date", d)] for d in _bound_dates(span.start, m, request)]
                sides.append((-1.0, np.array(starts, dtype=np.intp)))
            corners = [(s * t, [*idx, side]) for s, idx in corners for t, side in sides]
        total: Array | None = None
        for sign, idx in corners:
            cell = cube[tuple(idx)] if idx else np.broadcast_to(cube, (len(at), *cube.shape))
            total = sign * cell if total is None else total + sign * cell
        assert total is not None  # noqa: S101 - one corner at least
        values = total @ classes[:, m_index]
        out[m.name] = _finish(m, at, values, len(request.periods))
    return out


# --------------------------------------------------------------------------------------- per claim


@attrs.frozen(eq=False)
class _Claims:
    """A table's rows paired with their claims and slices, for the per-claim steps."""

    pair: npt.NDArray[np.intp]  # each row's (claim, slice) pair
    pair_slice: npt.NDArray[np.intp]
    n_pairs: int


def _row_factor(book: Book, table: str, measure: Measure) -> Array:
    """Each row's factor: 0 where the filter refuses it, else its sign (or 1), times its weight."""
    columns = book.table(table)
    assert columns is not None  # noqa: S101 - the caller checks
    factor = (
        np.ones(book.rows(table)) if measure.weight is None else columns[measure.weight].astype(np.float64)
    )
    keep = _row_filter(book, table, measure.where)
    if measure.signed is not None:
        uniques, inverse = _codes(book, table, measure.signed.column)
        signs = np.array([measure.signed.sign(x) for x in _texts(uniques)], dtype=np.float64)
        factor = factor * signs[inverse]
    for lag in measure.lags:
        keep &= _lag_holds(lag, columns[lag.later], columns[lag.earlier])
    return cast("Array", np.where(keep, factor, 0.0) if not keep.all() else factor)


def _row_filter(book: Book, table: str, where: Sequence[Condition]) -> npt.NDArray[np.bool_]:
    keep = np.ones(book.rows(table), dtype=bool)
    for condition in where:
        uniques, inverse = _codes(book, table, condition.column)
        keep &= _admits(condition, _texts(uniques))[inverse]
    return keep


def _day(day: datetime.date) -> np.datetime64:
    return np.datetime64(day, "D")


def _per_claim(
    book: Book,
    table: str,
    measures: Sequence[Measure],
    *,
    request: _Request,
    prepared: _Prepared,
) -> dict[str, Array]:
    """Measures summed per claim first (one pass per as-of date), then per slice."""
    columns = book.table(table)
    assert columns is not None  # noqa: S101 - the caller checks
    n = prepared.n_slices(table)
    out: dict[str, Array] = {}
    balances: dict[tuple[object, ...], list[Array]] = {}
    never = np.iinfo(np.int64).max
    for m in measures:
        role = m.claim
        assert role is not None  # noqa: S101 - the caller sorts them
        claims = prepared.claims(book, table, role.key)
        at = _points(m, request)
        shared = (role.key, m.weight, m.signed, m.where, m.lags, m.dates, role.clip, m.monthly)
        if shared not in balances:
            signed = _row_factor(book, table, m)
            found_balances = []
            for k in range(len(at)):
                mask = np.ones(len(signed), dtype=bool)
                for interval in m.dates:
                    dates = columns[interval.column]
                    start = _bound_dates(interval.start, m, request)[k]
                    end = _bound_dates(interval.end, m, request)[k]
                    if start is not None:
                        mask &= (dates >= _day(start)) | np.isnat(dates)
                    if end is not None:
                        mask &= dates < _day(end)
                balance = cast(
                    "Array", np.bincount(claims.pair[mask], weights=signed[mask], minlength=claims.n_pairs)
                )
                found_balances.append(np.maximum(balance, 0.0) if role.clip else balance)
            balances[shared] = found_balances
        firsts = [_first(book, table, claims, when, never) for when in role.dates]
        values: list[Array] = []
        for p, balance in zip(at, balances[shared], strict=True):
            weight: Array = balance
            if role.dates:
                counts = np.ones(claims.n_pairs, dtype=bool)
                for when, first in zip(role.dates, firsts, strict=True):
                    bound = _at(when.before, p)
                    assert bound is not None  # noqa: S101 - ClaimDate checks
                    counts &= first < _day(bound).astype(np.int64)
                weight = balance * counts
            values.append(np.bincount(claims.pair_slice, weights=weight, minlength=n).astype(np.float64))
        out[m.name] = _finish(m, at, np.stack(values).astype(np.longdouble), len(request.periods))
    return out


def _first(book: Book, table: str, claims: _Claims, when: ClaimDate, never: int) -> npt.NDArray[np.int64]:
    """Each claim's earliest ``when.column`` over the rows ``when.where`` admits (``never`` if none)."""
    columns = book.table(table)
    assert columns is not None  # noqa: S101 - the caller checks
    dates = columns[when.column]
    rows = _row_filter(book, table, when.where) & ~np.isnat(dates)
    first = np.full(claims.n_pairs, never)
    np.minimum.at(first, claims.pair[rows], dates[rows].astype(np.int64))
    return first


# ------------------------------------------------------------------------------------------ compute

EARLIEST_START = datetime.date(1, 4, 2)
"""The earliest period start: windows and aging look back up to 91 days, and year 1 is the first."""

_TABLES = ("transactions", "submissions", "work_items", "ledger")


@attrs.frozen(eq=False)
class _Prepared:
    """What a book yields for one set of slice dimensions, whatever the periods and conventions.

    ``rollups[table]`` are the table's rollups built so far, by key; by slice when ``table`` is
    in ``sliced``, in total (slice 0) when it lacks one of the dimensions.
    """

    labels: tuple[tuple[str, ...], ...]
    sliced: frozenset[str]
    codes: Mapping[str, npt.NDArray[np.intp]]  # table -> each row's slice (0 when unsliced)
    rollups: dict[str, dict[_Key, _Roll]]
    coded: dict[tuple[str, tuple[str, ...]], tuple[_Kinds, npt.NDArray[Any]]] = attrs.field(factory=dict)
    paired: dict[tuple[str, str], _Claims] = attrs.field(factory=dict)
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def claims(self, book: Book, table: str, key: str) -> _Claims:
        """The table's rows paired with their (claim, slice), for the per-claim steps (computed once)."""
        with self.lock:
            found = self.paired.get((table, key))
        if found is None:
            n = self.n_slices(table)
            _, claim = book.codes(table, key)
            pairs, pair = np.unique(claim.astype(np.int64) * n + self.codes[table], return_inverse=True)
            found = _Claims(pair.reshape(-1).astype(np.intp), (pairs % n).astype(np.intp), len(pairs))
            with self.lock:
                found = self.paired.setdefault((table, key), found)
        return found

    def kinds(self, book: Book, table: str, filters: tuple[str, ...]) -> tuple[_Kinds, npt.NDArray[Any]]:
        """The table's kinds over ``filters`` and each row's kind (computed once)."""
        with self.lock:
            found = self.coded.get((table, filters))
        if found is None:
            found = _kinds(book, table, filters)
            with self.lock:
                found = self.coded.setdefault((table, filters), found)
        return found

    def n_slices(self, table: str) -> int:
        return len(self.labels) if table in self.sliced else 1

    def roll(self, book: Book, table: str, key: _Key) -> _Roll:
        with self.lock:
            found = self.rollups.setdefault(table, {}).get(key)
        if found is None:
            coded = self.kinds(book, table, key.filters)
            found = _roll(
                book, table, slices=self.codes[table], n_slices=self.n_slices(table), key=key, coded=coded
            )
            with self.lock:
                found = self.rollups[table].setdefault(key, found)
        return found


def _prepare(book: Book, by: tuple[str, ...]) -> _Prepared:
    slicing = _slicing(book, by)
    codes = {
        table: slicing.codes.get(table, np.zeros(book.rows(table), dtype=np.intp))
        for table in _TABLES
        if book.table(table) is not None
    }
    return _Prepared(slicing.labels, frozenset(slicing.codes), codes, {})


CACHED_SLICINGS = 4
"""How many sets of slice dimensions each book keeps rolled up (the most recently used)."""

_PREPARED: weakref.WeakKeyDictionary[Book, dict[tuple[str, ...], _Prepared]] = weakref.WeakKeyDictionary()
_PREPARED_LOCK = threading.Lock()


def _prepared(book: Book, by: tuple[str, ...]) -> _Prepared:
    """The book's slicing and rollups for ``by``: built on first use, then kept while the book lives.

    A Book's columns are read-only, so what is derived from them never goes stale. Each book
    keeps the :data:`CACHED_SLICINGS` most recently used slicings.
    """
    with _PREPARED_LOCK:
        found = _PREPARED.get(book, {}).get(by)
    if found is None:
        found = _prepare(book, by)
    with _PREPARED_LOCK:
        kept = _PREPARED.setdefault(book, {})
        found = kept.pop(by, found)
        kept[by] = found  # most recently used last
        while len(kept) > CACHED_SLICINGS:
            del kept[next(iter(kept))]
    return found


_MONTH_END = "ledger balances are month-end: needs as-of days on the last day of a month"


def ledger_months(measure: Measure, request: _Request) -> tuple[tuple[datetime.date, ...], ...] | None:
    """The months each period's value of a ledger measure reads (``None`` for other tables).

    The ledger books each month in one row; a month it lacks is missing, not zero, so a sum
    over it would be short (:attr:`MeasureSet.months`). A bound left open reads no month in
    particular.
    """
    if measure.table != "ledger":
        return None
    needed: list[set[datetime.date]] = [set() for _ in request.periods]
    points = _points(measure, request)
    for interval in measure.dates:
        starts = _bound_dates(interval.start, measure, request)
        ends = _bound_dates(interval.end, measure, request)
        for point, start, end in zip(points, starts, ends, strict=True):
            if start is None or end is None:
                continue
            month = start if start.day == 1 else (start.replace(day=1) + _MONTH)
            while month < end:
                needed[point.period].add(month)
                month = month + _MONTH
    return tuple(tuple(sorted(months)) for months in needed)


def unbooked(needed: Collection[datetime.date], booked: Collection[datetime.date]) -> str | None:
    """Why a ledger value is undefined: months it reads that the ledger does not book."""
    absent = sorted(set(needed) - set(booked))
    if not absent:
        return None
    shown = ", ".join(m.strftime("%Y-%m") for m in absent[:_SHOWN_MONTHS])
    more = f" and {len(absent) - _SHOWN_MONTHS} more" if len(absent) > _SHOWN_MONTHS else ""
    return f"the ledger has no row for {shown}{more}: a month it does not book is missing, not zero"


_MONTH = relativedelta(months=1)
_SHOWN_MONTHS = 3


def _gap(book: Book, measure: Measure, request: _Request) -> str | None:
    """Why the book cannot supply ``measure`` (``None`` when it can)."""
    columns = book.table(measure.table)
    if columns is None:
        return f"the book has no {measure.table}"
    for column in measure.columns:
        if column not in columns and (measure.table, column) not in _BLANK_WHEN_ABSENT:
            return f"needs the {measure.table} column {column!r}"
    if measure.weight is not None and not _numeric(columns, measure.weight):
        raise ValidationError.single(
            "$.catalogue",
            "type",
            f"measure {measure.name!r} weighs the {measure.table} column {measure.weight!r}, which is"
            " not a number (give it as a number or count field: Book(fields=...))",
        )
    if measure.as_of_on_first and not all(a.day == 1 for a in request.as_of):
        return _MONTH_END
    return None


def booked_months(ledger: Mapping[str, npt.NDArray[Any]] | None) -> tuple[datetime.date, ...]:
    """The months a ledger books (its ``month`` column, each a month's first day), sorted."""
    if ledger is None or "month" not in ledger:
        return ()
    days = np.asarray(ledger["month"]).astype("datetime64[D]")
    return tuple(d.item() for d in np.unique(days[~np.isnat(days)]))


def _numeric(columns: Mapping[str, npt.NDArray[Any]], name: str) -> bool:
    """Whether a book column holds numbers (text, kept as codes, does not), without decoding it."""
    reader = getattr(columns, "column", None)  # a Book's tables read a coded column undecoded
    held = reader(name) if reader is not None else columns[name]
    return isinstance(held, np.ndarray) and held.dtype.kind in "biuf"


def _check_months(leaf: _Leaf, request: _Request) -> None:
    for period in request.periods:
        if _month_starts(period) is None:
            what = (
                f"{leaf.chosen_by[0]} {leaf.chosen_by[1]!r}"
                if leaf.chosen_by
                else f"measure {leaf.measure.name!r}"
            )
            raise ConventionError(
                f"{what} needs calendar-month periods (one month or several whole ones; got {period})"
            )


def _wanted(
    names: object, definitions: Mapping[str, Definition], reported: tuple[str, ...]
) -> tuple[str, ...]:
    if names is None:
        return reported
    if isinstance(names, str | bytes | bytearray | Mapping):
        _check.fail(
            "$.measures", "type", f"'measures' must be a list of measure names (got {_check.show(names)})"
        )
    found = _check.sequence(names, "$.measures")
    for i, name in enumerate(found):
        if name not in reported:
            _check.fail(
                f"$.measures[{i}]",
                "unknown",
                f"unknown measure {_check.show(name)}{_check.suggest(name, reported)}",
            )
    del definitions
    return tuple(dict.fromkeys(found))


def compute_measures(
    book: Book,
    periods: Sequence[Period],
    as_of: Sequence[datetime.date],
    by: Sequence[str],
    conventions: Mapping[str, Convention],
    *,
    per_claim: bool | None = None,
    catalogue: Catalogue | None = None,
    measures: Sequence[str] | None = None,
) -> MeasureSet:
    """Compute the catalogue's reported measures for each period (with its as-of date) and slice.

    Args:
        book: The validated book.
        periods: The periods.
        as_of: One as-of date per period (snapshot measures are taken just before it).
        by: Slice dimensions (columns of the tables).
        conventions: ``{family: Convention}`` for every family.
        per_claim: Force (``True``) or forbid (``False``) the per-claim path of the built-in A/R
            measures; by default each follows its conventions.
        catalogue: Where the measures are defined; the built-in ones by default.
        measures: The reported measures wanted; all of the catalogue's by default.

    Raises:
        ValidationError: A period starting before :data:`EARLIEST_START`, an unknown measure.
        ConventionError: A monthly measure (the prior three months' average denial base) over a
            period that is not whole calendar months.
    """
    by = tuple(by)
    request, combos = plan_request(
        periods, as_of, conventions, per_claim=per_claim, catalogue=catalogue, measures=measures
    )
    prepared = _prepared(book, by)
    gaps, linear, claims = sort_leaves(combos, request, lambda m: _gap(book, m, request))
    values: dict[str, Array] = {}
    for table in _TABLES:
        n = prepared.n_slices(table)
        if table in linear:
            for key, group in _rollup_keys(prepared, book, table, list(linear[table].values())):
                values.update(_linear(prepared.roll(book, table, key), group, request, n))
        if table in claims:
            values.update(
                _per_claim(book, table, list(claims[table].values()), request=request, prepared=prepared)
            )
    return assemble(
        combos,
        gaps,
        values,
        request=request,
        by=by,
        slices=prepared.labels,
        sliced=prepared.sliced,
        columns=lambda table: book.table(table) or {},
        booked=lambda: booked_months(book.ledger),
    )


def plan_request(
    periods: Sequence[Period],
    as_of: Sequence[datetime.date],
    conventions: Mapping[str, Convention],
    *,
    per_claim: bool | None,
    catalogue: Catalogue | None,
    measures: Sequence[str] | None,
) -> tuple[_Request, dict[str, list[_Leaf]]]:
    """The request and, for each wanted reported measure, the base measures it adds up.

    Shared by every engine: what to compute does not depend on where the rows are.
    """
    for i, period in enumerate(periods):
        if period.start < EARLIEST_START:
            raise ValidationError.single(
                f"$.periods[{i}]" if len(periods) > 1 else "$.period",
                "range",
                f"periods must start on or after {EARLIEST_START} (the engine looks back up to 3 months "
                f"from a period; got {period})",
            )
    definitions = _DEFAULT if catalogue is None else catalogue.definitions
    reported = _DEFAULT_REPORTED if catalogue is None else catalogue.reported
    wanted = _wanted(measures, definitions, reported)
    request = _Request(tuple(periods), tuple(as_of), conventions)
    forced: Mapping[str, str] = {} if per_claim is None else _FORCED[per_claim]
    return request, {name: _flatten(definitions, name, conventions, forced) for name in wanted}


def sort_leaves(
    combos: Mapping[str, list[_Leaf]], request: _Request, gap: Callable[[Measure], str | None]
) -> tuple[dict[str, str | None], dict[str, dict[str, Measure]], dict[str, dict[str, Measure]]]:
    """Each base measure's gap, and those the book can supply by table: linear ones, per-claim ones."""
    gaps: dict[str, str | None] = {}
    linear: dict[str, dict[str, Measure]] = {}
    claims: dict[str, dict[str, Measure]] = {}
    for leaves in combos.values():
        for leaf in leaves:
            m = leaf.measure
            if m.name in gaps:
                continue
            gaps[m.name] = gap(m)
            if gaps[m.name] is None:
                if m.monthly:
                    _check_months(leaf, request)
                (linear if m.claim is None else claims).setdefault(m.table, {})[m.name] = m
    return gaps, linear, claims


def assemble(
    combos: Mapping[str, list[_Leaf]],
    gaps: Mapping[str, str | None],
    values: Mapping[str, Array],
    *,
    request: _Request,
    by: tuple[str, ...],
    slices: tuple[tuple[str, ...], ...],
    sliced: frozenset[str],
    columns: Callable[[str], Collection[str]],
    booked: Callable[[], tuple[datetime.date, ...]],
) -> MeasureSet:
    """The reported measures combined from the base measures' values, as a :class:`MeasureSet`.

    ``booked`` gives the ledger's months, asked only when a ledger measure is reported.
    """
    totals: dict[str, Array] = {}
    sliced_values: dict[str, Array] = {}
    missing: dict[str, str] = {}
    unsliced: dict[str, str] = {}
    months: dict[str, tuple[tuple[datetime.date, ...], ...]] = {}
    for name, leaves in combos.items():
        gap = next((gaps[leaf.measure.name] for leaf in leaves if gaps[leaf.measure.name]), None)
        if gap is not None:
            missing[name] = gap
            continue
        read = [m for m in (ledger_months(leaf.measure, request) for leaf in leaves) if m is not None]
        if read:
            months[name] = tuple(tuple(sorted(set().union(*parts))) for parts in zip(*read, strict=True))
        flat = next((leaf.measure.table for leaf in leaves if leaf.measure.table not in sliced), None)
        if flat is None:
            array = _combine([(values[leaf.measure.name], leaf.coefficient) for leaf in leaves])
            sliced_values[name] = array.astype(np.float64)
            totals[name] = sliced_values[name].sum(axis=1)
            continue
        lacking = [d for d in by if d not in columns(flat)]
        unsliced[name] = f"{flat} has no column {lacking[0]!r}"
        parts = [(values[leaf.measure.name].sum(axis=1, keepdims=True), leaf.coefficient) for leaf in leaves]
        totals[name] = _combine(parts).astype(np.float64)[:, 0]
    return MeasureSet(
        periods=request.periods,
        as_of=request.as_of,
        by=by,
        slices=slices,
        conventions=tuple(c.id for c in request.conventions.values()),
        totals=totals,
        sliced=sliced_values,
        missing=missing,
        unsliced=unsliced,
        months=months,
        booked=booked() if months else (),
    )


def _combine(parts: Sequence[tuple[Array, float]]) -> Array:
    """``sum(coefficient * values)``, in the precision the values carry."""
    total: Array | None = None
    for array, coefficient in parts:
        term = array if coefficient == 1.0 else array * coefficient
        total = term if total is None else total + term
    assert total is not None  # noqa: S101 - a combination has a term
    return total
