"""Results: KPI values per slice with their arithmetic, scorecards, trends, targets and status."""

from __future__ import annotations

import datetime
import enum
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import attrs
import numpy as np
import numpy.typing as npt
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from comanaged_rcm import _check
from comanaged_rcm._check import as_optional_real, as_real, v
from comanaged_rcm._frames import Column, Table, Tabular, build, concat
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi._catalogue import (
    Catalogue,
    Direction,
    KPIDefinition,
    Tier,
    Unit,
    catalogue,
    lookup,
    metric_ids,
)
from comanaged_rcm.kpi._conventions import count
from comanaged_rcm.kpi._engine import TOTAL, MeasureSet
from comanaged_rcm.periods import Period
from comanaged_rcm.serialize import converter

__all__ = ["KPIResult", "Scorecard", "Status", "Target", "Trend", "TrendPoint"]

ZERO_DENOMINATOR = 1e-6
"""A denominator within this of zero (a millionth of a dollar, day or claim) counts as zero.

Measures that cancel (charges less adjustments, payments less refunds) keep a float64 rounding
residue of about 1e-16 of their size, and dividing by that residue would give a huge, meaningless
value that depends on the order the rows were summed in.
"""


class Status(enum.Enum):
    """A value against its target, by the KPI's direction."""

    ON_TRACK = "on track"
    WATCH = "watch"
    BREACH = "breach"
    UNDEFINED = "undefined"


def _slice(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A slice: a tuple of ``(dimension, value)`` pairs of strings."""
    path = f"$.{attribute.name}"
    if not isinstance(value, tuple):
        _check.fail(path, "type", f"{attribute.name!r} must be a tuple of (dimension, value) pairs")
    for i, pair in enumerate(value):
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            _check.fail(
                f"{path}[{i}]",
                "type",
                f"'{attribute.name}[{i}]' must be a (dimension, value) pair of str (got {_check.show(pair)})",
            )


def _targets(targets: object, path: str = "$.targets") -> tuple[Target, ...]:
    """``targets`` as a tuple: none, one Target, or an iterable of them."""
    if targets is None:
        return ()
    if isinstance(targets, Target):
        return (targets,)
    return _check.tuple_of(targets, Target, path)


_METRIC = v.field_name(snake=True)
_REAL = v.optional(v.real())


@attrs.frozen(kw_only=True)
class Target:
    """A target (or benchmark) for one KPI, as data.

    Args:
        metric: The KPI id.
        target: At or beyond this value (in the KPI's better direction) the KPI is on track.
        watch: Between ``target`` and ``watch`` it is on watch; beyond ``watch``, a breach.
        source: Where the figure comes from (contract, HFMA MAP Keys benchmark...).

    >>> Target(metric="days_in_ar", target=40, watch=50, source="contract").status(45.0)
    <Status.WATCH: 'watch'>
    """

    metric: str = attrs.field(validator=_METRIC)
    target: float = attrs.field(converter=as_real, validator=v.real())
    watch: float = attrs.field(converter=as_real, validator=v.real())
    source: str = attrs.field(default="", validator=v.text(empty=True))

    def status(self, value: float | None, *, catalogue: Catalogue | None = None) -> Status:
        """Status of ``value`` against this target, by the KPI's direction.

        ``catalogue`` knows the KPI (the default catalogue by default).

        Raises:
            ValidationError: ``value`` is not a finite number or ``None``, the metric is unknown,
                or ``watch`` is on the better side of ``target``.
        """
        return _status(self, value, lookup(self.metric, "$.metric", catalogue=catalogue))


def _status(target: Target, value: float | None, kpi: KPIDefinition) -> Status:
    """:meth:`Target.status` for the KPI ``kpi`` (already looked up)."""
    if value is not None:
        value = _check.real(value, "$.value")
    higher = kpi.direction is Direction.HIGHER
    if (target.watch > target.target) if higher else (target.watch < target.target):
        side = "<=" if higher else ">="
        raise ValidationError.single(
            "$.watch",
            "range",
            f"'watch' must be {side} 'target' ({target.target}) for {target.metric!r} (got {target.watch})",
        )
    if value is None:
        return Status.UNDEFINED
    sign = 1.0 if higher else -1.0
    if sign * value >= sign * target.target:
        return Status.ON_TRACK
    if sign * value >= sign * target.watch:
        return Status.WATCH
    return Status.BREACH


@attrs.frozen(kw_only=True)
class KPIResult:
    """One KPI in one slice: the value and the arithmetic behind it.

    Args:
        metric: The KPI id.
        tier: Outcome, driver or activity.
        unit: What ``value`` is measured in.
        slice: ``((dimension, value), ...)``; empty for the total.
        value: ``scale x numerator / denominator`` (the numerator for count KPIs); ``None`` when
            undefined.
        numerator: Sum of the numerator's measures (``None`` when unavailable).
        denominator: Sum of the denominator's measures (``None`` for count KPIs or unavailable).
        share: This slice's denominator as a percent (0-100, like the rates beside it) of the
            total's; ``None`` for the total, for count KPIs, where the denominator is unavailable,
            and where the total's is zero (within :data:`ZERO_DENOMINATOR`).
        convention: Convention ids used, ``family:option@version`` joined by ``, ``.
        reason: Why ``value`` is undefined; empty when it is defined.
        period: The period.
        as_of: The last day counted by snapshot measures (A/R, backlog): they hold at its close.
        parent_share: This slice's denominator as a percent of its parent slice's, the slice of
            the same values with the last ``by`` dimension dropped (``team=t1`` for
            ``team=t1, payer=Acme``); for one dimension the parent is the total, and this equals
            ``share``. ``None`` where ``share`` would be, with the parent's denominator in place
            of the total's.
    """

    metric: str = attrs.field(validator=_METRIC)
    tier: Tier = attrs.field(validator=v.member(Tier))
    unit: Unit = attrs.field(validator=v.instance(Unit, "a Unit"))
    slice: tuple[tuple[str, str], ...] = attrs.field(validator=_slice)
    value: float | None = attrs.field(converter=as_optional_real, validator=_REAL)
    numerator: float | None = attrs.field(converter=as_optional_real, validator=_REAL)
    denominator: float | None = attrs.field(converter=as_optional_real, validator=_REAL)
    share: float | None = attrs.field(converter=as_optional_real, validator=_REAL)
    convention: str = attrs.field(validator=v.text(empty=True))
    reason: str = attrs.field(validator=v.text(empty=True))
    period: Period = attrs.field(validator=v.instance(Period))
    as_of: datetime.date = attrs.field(validator=v.date())
    parent_share: float | None = attrs.field(default=None, converter=as_optional_real, validator=_REAL)

    @property
    def defined(self) -> bool:
        """Whether the value is defined."""
        return self.value is not None

    def __repr__(self) -> str:
        where = ", ".join(f"{d}={v}" for d, v in self.slice) or "total"
        shown = _format(self.value, self.unit) if self.value is not None else f"undefined ({self.reason})"
        return f"KPIResult({self.metric} [{where}] {self.period}: {shown})"


def _percent(share: float | None) -> str:
    """A share as the table shows it (``62.5%``), empty where undefined."""
    return "" if share is None else f"{share:.1f}%"


def _format(value: float | None, unit: Unit) -> str:
    if value is None:
        return "—"
    if unit is Unit.PERCENT:
        return f"{value:.2f}%"
    if unit is Unit.DAYS:
        return f"{value:.1f} d"
    if unit is Unit.COUNT:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _terms(
    terms: Sequence[str],
    table: Mapping[str, npt.NDArray[np.float64]],
    index: Any,  # noqa: ANN401 - a numpy index (an int, or an int and a slice)
) -> npt.NDArray[np.float64]:
    total: npt.NDArray[np.float64] = np.zeros_like(next(iter(table.values()))[index], dtype=np.float64)
    for term in terms:
        sign = -1.0 if term.startswith("-") else 1.0
        total = total + sign * table[term.removeprefix("-")][index]
    return total


@attrs.frozen(kw_only=True, eq=False)
class Scorecard(Tabular):
    """Every requested KPI for one period, in total and per slice.

    Build one with :func:`~comanaged_rcm.kpi.evaluate` (or :meth:`from_measures` after merging
    partials). Row 0 of the arrays is the total, row ``1 + i`` is ``slices[i]``.

    Args:
        period: The period.
        as_of: The last day counted by snapshot measures: they hold at its close.
        by: Slice dimensions.
        slices: Slice keys.
        metrics: The KPI definitions, in catalogue order.
        conventions: The convention ids in force.
        numerator: ``(metrics, 1 + slices)`` float64, NaN where unavailable.
        denominator: ``(metrics, 1 + slices)`` float64, NaN where unavailable or a count KPI.
        unavailable: ``(metric index, row) -> reason`` for measures the book cannot supply.
    """

    period: Period = attrs.field(validator=v.instance(Period))
    as_of: datetime.date = attrs.field(validator=v.date())
    by: tuple[str, ...] = attrs.field(validator=v.tuple_of(str))
    slices: tuple[tuple[str, ...], ...] = attrs.field(validator=v.tuple_of(tuple))
    metrics: tuple[KPIDefinition, ...] = attrs.field(validator=v.tuple_of(KPIDefinition))
    conventions: tuple[str, ...] = attrs.field(validator=v.tuple_of(str))
    numerator: npt.NDArray[np.float64] = attrs.field(validator=v.instance(np.ndarray, "a numpy array"))
    denominator: npt.NDArray[np.float64] = attrs.field(validator=v.instance(np.ndarray, "a numpy array"))
    unavailable: Mapping[tuple[int, int], str] = attrs.field(validator=v.instance(Mapping, "a mapping"))
    _worked: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = attrs.field(
        init=False, factory=list, repr=False
    )
    """The shares once worked out (:meth:`_shares`), kept for the next result."""

    def __attrs_post_init__(self) -> None:
        """The arrays hold a row per metric and a column per slice (the total first), as floats."""
        for i, key in enumerate(self.slices):
            if len(key) != len(self.by) or not all(isinstance(k, str) for k in key):
                _check.fail(
                    f"$.slices[{i}]",
                    "type",
                    f"'slices[{i}]' must be {len(self.by)} str, one per 'by' dimension",
                )
        shape = (len(self.metrics), 1 + len(self.slices))
        for name in ("numerator", "denominator"):
            array = getattr(self, name)
            if array.shape != shape or array.dtype.kind != "f":
                _check.fail(
                    f"$.{name}",
                    "shape",
                    f"{name!r} must be floats of shape {shape} (metrics, 1 + slices)"
                    f" (got {array.dtype} of shape {array.shape})",
                )

    @classmethod
    def from_measures(
        cls,
        measures: MeasureSet,
        metrics: Iterable[str] | None = None,
        *,
        index: int = 0,
        catalogue: Catalogue | None = None,
    ) -> Scorecard:
        """Compute the KPIs of period ``index`` from (possibly merged) base measures.

        ``catalogue`` holds the KPIs (the default catalogue by default).

        >>> import datetime
        >>> from comanaged_rcm.kpi import Book, measures
        >>> book = Book(work_items={"item_id": ["a"], "workflow": ["w"], "team": ["t"],
        ...     "opened": ["2026-01-02"], "closed": ["2026-01-03"], "touches": [3], "escalated": [True]})
        >>> week = Period(datetime.date(2026, 1, 1), datetime.date(2026, 1, 8))
        >>> Scorecard.from_measures(measures(book, week), ["touches_per_closed_item"]).result(
        ...     "touches_per_closed_item").value
        3.0

        Raises:
            ValidationError: ``measures`` is not a MeasureSet, ``index`` not one of its periods,
                or ``metrics`` holds an unknown KPI.
        """
        _check.instance(measures, MeasureSet, "$.measures")
        index = count(index, "$.index", maximum=len(measures.periods) - 1)
        if catalogue is not None:
            _check.instance(catalogue, Catalogue, "$.catalogue", "a kpi.Catalogue or None")
        definitions = _definitions(metrics, catalogue)
        rows = 1 + len(measures.slices)
        numerator = np.full((len(definitions), rows), np.nan)
        denominator = np.full((len(definitions), rows), np.nan)
        unavailable: dict[tuple[int, int], str] = {}
        for m, kpi in enumerate(definitions):
            terms = [t.removeprefix("-") for t in (*kpi.numerator, *kpi.denominator)]
            gap = next((measures.missing[t] for t in terms if t in measures.missing), None)
            if gap is None:  # a ledger month the value reads, not booked: a short sum, not the figure
                gap = next((r for t in terms if (r := measures.unbooked(t, index)) is not None), None)
            if gap is not None:
                for row in range(rows):
                    unavailable[m, row] = gap
                continue
            numerator[m, 0] = _terms(kpi.numerator, measures.totals, index)
            if kpi.denominator:
                denominator[m, 0] = _terms(kpi.denominator, measures.totals, index)
            flat = next((measures.unsliced[t] for t in terms if t in measures.unsliced), None)
            if flat is not None:
                for row in range(1, rows):
                    unavailable[m, row] = flat
                continue
            numerator[m, 1:] = _terms(kpi.numerator, measures.sliced, index)
            if kpi.denominator:
                denominator[m, 1:] = _terms(kpi.denominator, measures.sliced, index)
        return cls(
            period=measures.periods[index],
            as_of=measures.as_of[index],
            by=measures.by,
            slices=measures.slices,
            metrics=definitions,
            conventions=measures.conventions,
            numerator=numerator,
            denominator=denominator,
            unavailable=unavailable,
        )

    # ------------------------------------------------------------------------------- values
    def _metric(self, metric_id: str) -> int:
        given: object = metric_id  # checked: callers without a type checker pass anything
        for m, kpi in enumerate(self.metrics if isinstance(given, str) else ()):
            if kpi.id == metric_id:
                return m
        lookup(metric_id, "$.metric_id")  # a KPI id of the catalogue, or the error says what it got
        raise ValidationError.single(
            "$.metric_id", "unknown", f"KPI {metric_id!r} was not evaluated in this scorecard"
        )

    def _row(self, slice_keys: Mapping[str, object]) -> int:
        """The row of a slice; errors name the keyword at fault (``$.payer``)."""
        if not slice_keys:
            return 0
        if set(slice_keys) != set(self.by):
            extra = set(slice_keys) - set(self.by)
            odd = min(extra or set(self.by) - set(slice_keys))  # the keyword at fault, else one left out
            raise ValidationError.single(
                f"$.{odd}",
                "dimensions",
                f"slice keys must be exactly {_check.show(list(self.by))}"
                f" (got {_check.show(sorted(slice_keys))})",
            )
        for dimension in self.by:
            _check.instance(slice_keys[dimension], str, f"$.{dimension}")
        key = tuple(cast("str", slice_keys[d]) for d in self.by)
        try:
            return 1 + self.slices.index(key)
        except ValueError:
            known = [{s[d] for s in self.slices} for d in range(len(self.by))]
            at = next((d for d, value in enumerate(key) if value not in known[d]), len(key) - 1)
            raise ValidationError.single(
                f"$.{self.by[at]}",
                "unknown",
                f"no slice {_check.show(dict(slice_keys))} in the book"
                f"{_check.suggest(key[at], sorted(known[at]))}",
            ) from None

    def _values(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        scale = np.array([[k.scale] for k in self.metrics])
        counts = np.array([[not k.denominator] for k in self.metrics])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(counts, self.numerator, scale * self.numerator / self.denominator)
        defined = np.isfinite(ratio) & (counts | (np.abs(self.denominator) > ZERO_DENOMINATOR))
        return np.where(defined, ratio, np.nan), defined

    def result(self, metric_id: str, **slice_keys: str) -> KPIResult:
        """One KPI in the total (no keys) or in one slice (every ``by`` dimension as a keyword).

        Raises:
            ValidationError: Unknown KPI, wrong dimensions, or a slice not in the book.
        """
        m, row = self._metric(metric_id), self._row(slice_keys)
        kpi = self.metrics[m]
        values, defined = self._values()
        numerator = self.numerator[m, row]
        denominator = self.denominator[m, row]
        reason = self._reason(m, row, defined=bool(defined[m, row]))
        shares, parents = self._shares()
        return KPIResult(
            metric=kpi.id,
            tier=kpi.tier,
            unit=kpi.unit,
            slice=tuple(zip(self.by, self.slices[row - 1], strict=True)) if row else (),
            value=float(values[m, row]) if defined[m, row] else None,
            numerator=None if math.isnan(numerator) else float(numerator),
            denominator=None if math.isnan(denominator) else float(denominator),
            share=_cell(shares[m, row]),
            convention=self._convention(kpi),
            reason=reason,
            period=self.period,
            as_of=self.as_of,
            parent_share=_cell(parents[m, row]),
        )

    def _shares(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Each slice's denominator in percent of the total's and of its parent's (NaN: undefined).

        The parent of a slice drops its last dimension; its denominator is the sum of its
        slices' (the total's for one dimension). A share is undefined in the total's column, for
        a count KPI or an unavailable denominator (NaN), and where the parent's denominator is
        within :data:`ZERO_DENOMINATOR` of zero.
        """
        if self._worked:
            return self._worked[0]
        total = self.denominator[:, :1]
        children = self.denominator[:, 1:]
        parent: npt.NDArray[np.float64] = np.broadcast_to(total, children.shape)
        if len(self.by) > 1 and children.size:
            prefixes: dict[tuple[str, ...], int] = {}
            group = np.array(
                [prefixes.setdefault(key[:-1], len(prefixes)) for key in self.slices], dtype=np.intp
            )
            sums = np.stack(
                [
                    np.bincount(group, weights=row, minlength=len(prefixes)).astype(np.float64)
                    for row in children
                ]
            )
            parent = sums[:, group]
        found = []
        for base in (np.broadcast_to(total, children.shape), parent):
            with np.errstate(divide="ignore", invalid="ignore"):
                share = 100.0 * children / base
            share = np.where(np.isfinite(share) & (np.abs(base) > ZERO_DENOMINATOR), share, np.nan)
            found.append(np.concatenate([np.full(total.shape, np.nan), share], axis=1))
        self._worked.append((found[0], found[1]))
        return found[0], found[1]

    def _reason(self, m: int, row: int, *, defined: bool) -> str:
        """Why the value of metric ``m`` in ``row`` is undefined (``""`` when it is defined)."""
        if (m, row) in self.unavailable:
            return self.unavailable[m, row]
        if not defined:
            return f"zero denominator ({' + '.join(self.metrics[m].denominator)} = 0)"
        return ""

    def _convention(self, kpi: KPIDefinition) -> str:
        """The convention ids in force that ``kpi`` uses, joined by ``, ``."""
        families = set(kpi.conventions)
        return ", ".join(c for c in self.conventions if c.split(":")[0] in families)

    def _frame_table(self) -> Table:
        """One row per (metric, slice), the total first: what :meth:`to_pandas` and the others give.

        Without ``by`` there is one row per metric. Columns: ``period_start``, ``period_end``
        (the period is half-open: its end is the first day after it), ``as_of``, ``metric``,
        ``tier``, ``unit`` (``percent``, ``days``, ``ratio``, ``count``), one per ``by``
        dimension (null in the total row), ``value``, ``numerator``, ``denominator``, ``share``
        and ``parent_share`` (in percent; null where undefined, unavailable, or for count KPIs and
        the total), ``reason`` (why the value is undefined; null where it is defined),
        ``convention``. ``as_of`` is the last day counted by snapshot measures.
        """
        columns = self.to_columns()
        _, defined = self._values()
        rows = 1 + len(self.slices)
        size = rows * len(self.metrics)
        total = np.tile(np.arange(rows) == 0, len(self.metrics))

        def per_metric(texts: Iterable[str]) -> Column:
            return Column("text", np.repeat(np.array(list(texts), dtype=str), rows))

        reasons = [
            self._reason(m, row, defined=bool(defined[m, row])) or None
            for m in range(len(self.metrics))
            for row in range(rows)
        ]
        table = build(
            [
                ("period_start", Column.repeat(self.period.start, size)),
                ("period_end", Column.repeat(self.period.end, size)),
                ("as_of", Column.repeat(self.as_of, size)),
                ("metric", per_metric(k.id for k in self.metrics)),
                ("tier", per_metric(k.tier.value for k in self.metrics)),
                ("unit", per_metric(k.unit.value for k in self.metrics)),
                *((d, Column("text", columns[d], total if size else None)) for d in self.by),
                *(
                    (name, Column.real(columns[name]))
                    for name in ("value", "numerator", "denominator", "share", "parent_share")
                ),
                ("reason", Column.text(reasons)),
                ("convention", per_metric(self._convention(k) for k in self.metrics)),
            ],
            "$.by",
        )
        # unsliced, the one slice is the total again: only the totals are rows
        return table if self.by else table.take(np.flatnonzero(total))

    def status(self, metric_id: str, targets: Iterable[Target] | Target, **slice_keys: str) -> Status:
        """Status of one KPI (total or a slice) against its target among ``targets``.

        Raises:
            ValidationError: No target for the KPI, or an inconsistent target.
        """
        self._metric(metric_id)
        pool = _targets(targets)
        target = next((t for t in pool if t.metric == metric_id), None)
        if target is None:
            raise ValidationError.single("$.targets", "missing", f"no target for {metric_id!r}")
        return _status(
            target, self.result(metric_id, **slice_keys).value, self.metrics[self._metric(metric_id)]
        )

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per (metric, slice), total first (its dimensions read ``(all)``).

        Columns: ``metric``, one per ``by`` dimension, ``value`` (NaN where undefined),
        ``defined``, ``numerator``, ``denominator`` (NaN for count KPIs), ``share`` and
        ``parent_share`` (percent of the total's and of the parent slice's denominator, as
        :class:`KPIResult` defines them; NaN where undefined), ``tier``.
        """
        values, defined = self._values()
        rows = 1 + len(self.slices)
        columns: dict[str, npt.NDArray[Any]] = {
            "metric": np.repeat(np.array([k.id for k in self.metrics], dtype=str), rows),
        }
        for d, dim in enumerate(self.by):
            labels = np.array([TOTAL, *(key[d] for key in self.slices)], dtype=str)
            columns[dim] = np.tile(labels, len(self.metrics))
        share, parent = self._shares()
        columns.update(
            value=values.reshape(-1),
            defined=defined.reshape(-1),
            numerator=self.numerator.reshape(-1),
            denominator=self.denominator.reshape(-1),
            share=share.reshape(-1).copy(),
            parent_share=parent.reshape(-1).copy(),
            tier=np.repeat(np.array([k.tier.value for k in self.metrics], dtype=str), rows),
        )
        return columns

    # ------------------------------------------------------------------------------ rendering
    def _table(self, targets: Iterable[Target] | None) -> list[tuple[str, list[list[str]]]]:
        pool = _targets(targets)
        sections = []
        titles = {
            Tier.OUTCOME: "Outcomes",
            Tier.DRIVER: "Drivers",
            Tier.ACTIVITY: "Activity (effort, not outcomes)",
        }
        for tier, title in titles.items():
            rows = []
            for kpi in self.metrics:
                if kpi.tier is not tier:
                    continue
                sliced = [dict(zip(self.by, s, strict=True)) for s in self.slices] if self.by else []
                keys: list[dict[str, str]] = [{}, *sliced]
                for keyset in keys:
                    result = self.result(kpi.id, **keyset)
                    target = next((t for t in pool if t.metric == kpi.id), None)
                    status = _status(target, result.value, kpi).value if target and not keyset else ""
                    label = kpi.name if not keyset else "  " + " x ".join(keyset.values())
                    shares = [_percent(result.share)]
                    if len(self.by) > 1:
                        shares.append(_percent(result.parent_share))
                    note = result.reason if not result.defined else ""
                    rows.append([label, _format(result.value, kpi.unit), *shares, status, note])
            if rows:
                sections.append((title, rows))
        return sections

    @property
    def _headers(self) -> tuple[str, ...]:
        """The table's columns; with two dimensions or more, each slice's share of its parent too."""
        parent = ("Of " + " x ".join(self.by[:-1]),) if len(self.by) > 1 else ()
        return ("KPI", "Value", "Share", *parent, "Status", "Note")

    def _title(self) -> tuple[str, str]:
        """The period by its first and last day, and the day whose close the snapshots hold."""
        return f"{self.period.start} to {self.period.last_day}", f"(as of the close of {self.as_of})"

    def to_text(self, targets: Iterable[Target] | None = None) -> str:
        """Plain-text scorecard: outcomes, then drivers, then activity in its own section.

        The heading names the period's first and last day and the as-of day: snapshot measures
        (A/R, backlog) hold at its close. Shares are percents of the total's denominator (and,
        sliced by two dimensions or more, of the parent slice's: ``Of team``).
        """
        span, as_of = self._title()
        out = [f"Scorecard {span} {as_of}"]
        headers = self._headers
        for title, rows in self._table(targets):
            widths = [max(len(r[i]) for r in [list(headers), *rows]) for i in range(len(headers))]
            out += [
                "",
                title,
                "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
            ]
            out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        out += ["", "Conventions: " + ", ".join(self.conventions)]
        return "\n".join(out)

    def to_markdown(self, targets: Iterable[Target] | None = None) -> str:
        """Markdown scorecard, one table per tier (headed as :meth:`to_text`)."""
        span, as_of = self._title()
        out = [f"**Scorecard {span}** {as_of}"]
        headers = self._headers
        for title, rows in self._table(targets):
            out += [
                "",
                f"### {title}",
                "",
                "| " + " | ".join(headers) + " |",
                "|" + "---|" * len(headers),
            ]
            out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        span, as_of = self._title()
        parts = [f"<p><strong>Scorecard {span}</strong> {as_of}</p>"]
        for title, rows in self._table(None):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in self._headers)
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
            parts.append(
                f"<h4>{html.escape(title)}</h4><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            )
        return "".join(parts)

    def __repr__(self) -> str:
        return (
            f"Scorecard(period={self.period}, as_of={self.as_of}, by={self.by!r}, "
            f"slices={len(self.slices)}, metrics={len(self.metrics)})"
        )


def _definitions(metrics: Iterable[str] | None, known: Catalogue | None = None) -> tuple[KPIDefinition, ...]:
    ids = metric_ids(metrics, catalogue=known)
    every = catalogue() if known is None else known.metrics
    if ids is None:
        return every
    wanted = [lookup(m, catalogue=known) for m in ids]
    order = {k.id: i for i, k in enumerate(every)}
    return tuple(sorted(dict.fromkeys(wanted), key=lambda k: order[k.id]))


@attrs.frozen(kw_only=True)
class TrendPoint:
    """One period of a KPI's trend with its change from the period before.

    Args:
        period: The period.
        result: The KPI's result in that period.
        change: ``value - previous value``; ``None`` when either is undefined (or first).
    """

    period: Period = attrs.field(validator=v.instance(Period))
    result: KPIResult = attrs.field(validator=v.instance(KPIResult))
    change: float | None = attrs.field(converter=as_optional_real, validator=_REAL)


@attrs.frozen(kw_only=True, eq=False)
class Trend(Tabular):
    """A KPI scorecard per period, plus the whole span recomputed from summed measures.

    Args:
        periods: The periods, oldest first.
        scorecards: One scorecard per period.
        whole: The scorecard of the span from the first start to the last end, computed from
            the measures over that span (never an average of period ratios).
    """

    periods: tuple[Period, ...] = attrs.field(validator=v.tuple_of(Period))
    scorecards: tuple[Scorecard, ...] = attrs.field(validator=v.tuple_of(Scorecard))
    whole: Scorecard = attrs.field(validator=v.instance(Scorecard))

    def __attrs_post_init__(self) -> None:
        """One scorecard per period, at least one period."""
        if not self.periods:
            _check.fail("$.periods", "value", "'periods' must not be empty")
        if len(self.scorecards) != len(self.periods):
            _check.fail(
                "$.scorecards",
                "length",
                f"'scorecards' must hold one scorecard per period"
                f" ({len(self.periods)}; got {len(self.scorecards)})",
            )

    def points(self, metric_id: str, **slice_keys: str) -> tuple[TrendPoint, ...]:
        """Each period's result for one KPI (total or a slice) with its period-over-period change."""
        points = []
        previous: float | None = None
        for period, card in zip(self.periods, self.scorecards, strict=True):
            result = card.result(metric_id, **slice_keys)
            change = None if result.value is None or previous is None else result.value - previous
            points.append(TrendPoint(period=period, result=result, change=change))
            previous = result.value
        return tuple(points)

    def values(self, metric_id: str, **slice_keys: str) -> list[float | None]:
        """The values alone, oldest first (``None`` where undefined)."""
        return [p.result.value for p in self.points(metric_id, **slice_keys)]

    def _frame_table(self) -> Table:
        """Each period's scorecard rows (as :meth:`Scorecard.to_pandas` gives them), oldest first.

        ``change`` is the value less the same metric and slice's value in the period before
        (null when either is undefined, and in the first period). The whole span is
        ``trend.whole.to_pandas()``.
        """
        tables = [card._frame_table() for card in self.scorecards]  # noqa: SLF001 - the same module's rows
        joined = concat(tables, "$.scorecards")
        by = self.whole.by
        previous: dict[tuple[object, ...], float | None] = {}
        change: list[float | None] = []
        for part in tables:
            cols = part.columns
            keys = zip(
                cols["metric"].values.tolist(),
                *(_cells(cols[d]) for d in by),
                strict=True,
            )
            seen: dict[tuple[object, ...], float | None] = {}
            for key, value in zip(keys, _cells(cols["value"]), strict=True):
                before = previous.get(key)
                change.append(None if value is None or before is None else value - before)
                seen[key] = value
            previous = seen
        return build([*joined.columns.items(), ("change", Column.real(change))], "$.by")

    def _rows(self, targets: Iterable[Target] | None) -> list[tuple[str, list[list[str]]]]:
        pool = _targets(targets)
        titles = {
            Tier.OUTCOME: "Outcomes",
            Tier.DRIVER: "Drivers",
            Tier.ACTIVITY: "Activity (effort, not outcomes)",
        }
        sections = []
        for tier, title in titles.items():
            rows = []
            for kpi in self.whole.metrics:
                if kpi.tier is not tier:
                    continue
                points = self.points(kpi.id)
                last = points[-1]
                target = next((t for t in pool if t.metric == kpi.id), None)
                status = _status(target, last.result.value, kpi).value if target else ""
                change = "" if last.change is None else f"{last.change:+.2f}"
                series = " ".join(_format(p.result.value, kpi.unit) for p in points)
                whole = _format(self.whole.result(kpi.id).value, kpi.unit)
                rows.append([kpi.name, _format(last.result.value, kpi.unit), change, status, whole, series])
            if rows:
                sections.append((title, rows))
        return sections

    _HEADERS = ("KPI", "Latest", "Change", "Status", "Whole span", "Oldest to latest")

    def to_text(self, targets: Iterable[Target] | None = None) -> str:
        """Plain-text trend: the latest value, its change, status and the series, by tier.

        The heading names the first period's first day, the last period's last day, and the
        latest period's as-of day (snapshot measures hold at its close).
        """
        out = [f"Trend {self._title()}"]
        for title, rows in self._rows(targets):
            out += ["", title]
            out += [" | ".join(row) for row in [list(self._HEADERS), *rows]]
        return "\n".join(out)

    def to_markdown(self, targets: Iterable[Target] | None = None) -> str:
        """Markdown trend, one table per tier (headed as :meth:`to_text`)."""
        span, rest = self._title().split(" (", 1)
        out = [f"**Trend {span}** ({rest}"]
        for title, rows in self._rows(targets):
            out += ["", f"### {title}", "", "| " + " | ".join(self._HEADERS) + " |"]
            out += ["|" + "---|" * len(self._HEADERS)]
            out += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(out)

    def _title(self) -> str:
        span = f"{self.periods[0].start} to {self.periods[-1].last_day}"
        count = f"{len(self.periods)} period{'s' if len(self.periods) > 1 else ''}"
        return f"{span} ({count}, the latest as of the close of {self.scorecards[-1].as_of})"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        span = f"{self.periods[0].start}/{self.periods[-1].end}"
        return (
            f"Trend(periods={len(self.periods)}, span={span}, as_of={self.scorecards[-1].as_of},"
            f" metrics={len(self.whole.metrics)})"
        )


def _cell(value: np.float64) -> float | None:
    """A float of an array, ``None`` where NaN."""
    return None if math.isnan(value) else float(value)


def _cells(column: Column) -> list[Any]:
    """A column's cells as Python values, ``None`` where null."""
    cells: list[Any] = column.values.tolist()
    if column.missing is not None:
        for row in np.flatnonzero(column.missing).tolist():
            cells[row] = None
    return cells


def _unstructure_unavailable(unavailable: Mapping[tuple[int, int], str]) -> list[list[object]]:
    """``{(metric index, row): reason}`` as ``[[metric index, row, reason], ...]`` (JSON keys are text)."""
    return [[m, row, reason] for (m, row), reason in sorted(unavailable.items())]


def _structure_unavailable(data: object, _: object) -> dict[tuple[int, int], str]:
    if not isinstance(data, list):
        raise TypeError(f"expected a list of [metric index, row, reason] (got {_check.show(data)})")
    found: dict[tuple[int, int], str] = {}
    for i, item in enumerate(data):
        if not (
            isinstance(item, list)
            and len(item) == 3
            and all(type(x) is int for x in item[:2])
            and isinstance(item[2], str)
        ):
            raise TypeError(f"item {i} must be [metric index, row, reason] (got {_check.show(item)})")
        found[item[0], item[1]] = item[2]
    return found


converter.register_unstructure_hook(
    Scorecard,
    make_dict_unstructure_fn(
        Scorecard, converter, unavailable=override(unstruct_hook=_unstructure_unavailable)
    ),
)
converter.register_structure_hook(
    Scorecard,
    make_dict_structure_fn(
        Scorecard,
        converter,
        _cattrs_forbid_extra_keys=True,
        unavailable=override(struct_hook=_structure_unavailable),
    ),
)
