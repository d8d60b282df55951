"""Entry points: :func:`evaluate` one period, :func:`trend` over many, :func:`measures` for partials."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

import attrs

from comanaged_rcm import _check
from comanaged_rcm.kpi._book import Book
from comanaged_rcm.kpi._catalogue import Catalogue, catalogue, metric_ids
from comanaged_rcm.kpi._conventions import check_applicable, resolve
from comanaged_rcm.kpi._engine import MeasureSet, compute_measures
from comanaged_rcm.kpi._lazy import LazyBook, compute_lazy
from comanaged_rcm.kpi._results import Scorecard, Trend
from comanaged_rcm.periods import Period

__all__ = ["evaluate", "measures", "trend"]


def _arguments(book: object, by: object) -> tuple[str, ...]:
    """The book checked, and the slice dimensions as a tuple of distinct non-empty names."""
    _check.instance(book, (Book, LazyBook), "$.book", "a kpi.Book or kpi.LazyBook")
    if isinstance(by, str):
        by = tuple(b.strip() for b in by.split(",") if b.strip())
    expected = "'by' must be a sequence of column names"
    if isinstance(by, bytes | bytearray | Mapping) or not isinstance(by, Iterable):
        _check.fail("$.by", "type", f"{expected} (got {_check.show(by)})")
    dims = _check.sequence(by, "$.by")
    for i, dim in enumerate(dims):
        if not isinstance(dim, str) or not dim:
            _check.fail(f"$.by[{i}]", "type", f"{expected} (got {_check.show(dim)} at {i})")
    if len(set(dims)) != len(dims):
        _check.fail("$.by", "duplicate", f"'by' repeats a dimension (got {_check.show(list(dims))})")
    return dims


_DAY = datetime.timedelta(days=1)
_LATEST = datetime.date.max - _DAY
"""The latest as-of day: snapshot measures are taken before the day after it."""


def _as_of(period: object, as_of: object, index: int | None = None) -> tuple[Period, datetime.date]:
    """The period and its as-of day, the last day counted; ``index`` places ``as_of`` in trend's list.

    ``as_of`` defaults to the period's last day and may not be earlier.
    """
    period = _check.instance(period, Period, "$.period")
    if as_of is None:
        return period, period.last_day
    name = "as_of" if index is None else f"as_of[{index}]"
    day = _check.date(as_of, f"$.{name}", latest=_LATEST)
    if day < period.last_day:
        _check.fail(
            f"$.{name}",
            "range",
            f"'{name}' is the last day counted and must be on or after the period's last day"
            f" {period.last_day} (got {day})",
        )
    return period, day


def _compute(  # noqa: PLR0917 - the engine's request, passed through
    book: Book | LazyBook,
    periods: Sequence[Period],
    days: Sequence[datetime.date],
    dims: tuple[str, ...],
    conventions: object,
    wanted: tuple[str, ...] | None,
    *,
    every: bool = False,
    known: Catalogue | None = None,
) -> MeasureSet:
    """The measures of ``periods`` with snapshots at the close of each of ``days``.

    The engine takes snapshots before an exclusive boundary, the day after each as-of day; the
    measures returned report the as-of days themselves. Unless ``every`` measure is asked for,
    a chosen convention must be read by one of the ``wanted`` KPIs (all of them for ``None``), and
    only the measures those KPIs read are computed.
    ``known`` is the catalogue of measures and KPIs (the default one for ``None``).
    """
    resolved = resolve(conventions, "$.conventions")
    needed: list[str] | None = None
    if not every:
        kpis = catalogue() if known is None else known.metrics
        requested = kpis if wanted is None else [k for k in kpis if k.id in set(wanted)]
        check_applicable(conventions, requested, kpis)
        if wanted is not None:  # only the requested KPIs' measures: a per-claim step costs a pass per claim
            terms = (t.removeprefix("-") for k in requested for t in (*k.numerator, *k.denominator))
            needed = list(dict.fromkeys(terms))
    engine = compute_measures if isinstance(book, Book) else compute_lazy
    found = engine(
        book,  # type: ignore[arg-type] # each engine takes its own book
        periods,
        [day + _DAY for day in days],
        dims,
        resolved,
        catalogue=known,
        measures=needed,
    )
    return attrs.evolve(found, as_of=tuple(days))


def _catalogue(given: object) -> Catalogue | None:
    """The caller's catalogue, checked (``None`` for the default one)."""
    return (
        None if given is None else _check.instance(given, Catalogue, "$.catalogue", "a kpi.Catalogue or None")
    )


def _periods(periods: object) -> tuple[Period, ...]:
    """Trend's periods: a non-empty sequence of Periods, sorted and not overlapping."""
    expected = "'periods' must be a non-empty sequence of Periods"
    if isinstance(periods, str | bytes | bytearray | Mapping) or not isinstance(periods, Iterable):
        _check.fail("$.periods", "type", f"{expected} (got {_check.show(periods)})")
    found = _check.sequence(periods, "$.periods")
    if not found:
        _check.fail("$.periods", "type", f"{expected} (got {_check.show(periods)})")
    for i, period in enumerate(found):
        _check.instance(period, Period, f"$.periods[{i}]")
        if i and period.start < found[i - 1].end:
            _check.fail(
                f"$.periods[{i}]",
                "order",
                f"periods must be sorted and not overlap ({period} after {found[i - 1]})",
            )
    return found


def _days(periods: tuple[Period, ...], as_of: object) -> list[datetime.date]:
    """Trend's as-of days: each period's last day, or one day per period on or after its last day."""
    if as_of is None:
        return [p.last_day for p in periods]
    expected = "'as_of' must be a sequence of dates, one per period"
    if isinstance(as_of, str | bytes | bytearray | Mapping) or not isinstance(as_of, Iterable):
        _check.fail("$.as_of", "type", f"{expected} (got {_check.show(as_of)})")
    days = _check.sequence(as_of, "$.as_of")
    if len(days) != len(periods):
        _check.fail("$.as_of", "length", f"need one as-of date per period (got {len(days)})")
    return [_as_of(p, d, i)[1] for i, (p, d) in enumerate(zip(periods, days, strict=True))]


def measures(
    book: Book | LazyBook,
    period: Period,
    as_of: datetime.date | None = None,
    by: Sequence[str] = (),
    conventions: Mapping[str, str] | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> MeasureSet:
    """The base measures of one period: a partial that merges exactly with other shards' partials.

    Compute on each shard of a book, add the results (``a + b``), then score the sum with
    :meth:`Scorecard.from_measures`. ``catalogue`` defines the measures (the built-in ones by
    default). ``as_of`` is the last day counted, as for :func:`evaluate`, and the partial
    reports it. Every measure is computed, so every convention option applies.

    Raises:
        ValidationError: Bad arguments.
        ConventionError: Unknown conventions.
    """
    dims = _arguments(book, by)
    period, day = _as_of(period, as_of)
    return _compute(book, [period], [day], dims, conventions, None, every=True, known=_catalogue(catalogue))


def evaluate(  # noqa: PLR0917 - the public signature is fixed by the integration contract
    book: Book | LazyBook,
    period: Period,
    as_of: datetime.date | None = None,
    by: Sequence[str] = (),
    conventions: Mapping[str, str] | None = None,
    metrics: Iterable[str] | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> Scorecard:
    """Compute the KPIs of one period, in total and per slice.

    Args:
        book: The validated book.
        period: The period (half-open: ``Period.month(2026, 1)`` ends on February 1).
        as_of: The last day counted: snapshot measures (A/R, backlog) hold at its close, so a
            posting dated on it counts and an item closed on it is not open; ages are measured
            to it. Defaults to the period's last day (``period.last_day``) and may not be
            earlier.
        by: Slice dimensions (``("payer", "team")``); any column the tables share.
        conventions: A mapping ``{family: option}``; others take their defaults.
        metrics: A list of KPI ids; all of the catalogue by default. A bare string is refused
            (write ``["backlog"]``, not ``"backlog"``).
        catalogue: The measures and KPIs (a :class:`Catalogue`); the default one for ``None``.

    Returns:
        The scorecard.

    Raises:
        ValidationError: Bad arguments or an unknown KPI.
        ConventionError: Unknown conventions, or a chosen option that none of the requested
            KPIs reads (it would be ignored): the family's default chosen explicitly too.

    >>> import datetime
    >>> book = Book(transactions={"claim_id": ["C1", "C1"], "payer": ["Acme", "Acme"],
    ...     "service_date": ["2026-01-05"] * 2, "posting_date": ["2026-01-05", "2026-01-20"],
    ...     "type": ["charge", "payment"], "amount": [200.0, 150.0]})
    >>> card = evaluate(book, Period.month(2026, 1), metrics=["net_collection_rate"])
    >>> result = card.result("net_collection_rate")
    >>> result.value, result.numerator, result.denominator
    (75.0, 150.0, 200.0)
    """
    dims = _arguments(book, by)
    period, day = _as_of(period, as_of)
    known = _catalogue(catalogue)
    wanted = metric_ids(metrics, catalogue=known)
    found = _compute(book, [period], [day], dims, conventions, wanted, known=known)
    return Scorecard.from_measures(found, wanted, catalogue=known)


def trend(  # noqa: PLR0917 - mirrors evaluate's fixed signature
    book: Book | LazyBook,
    periods: Sequence[Period],
    as_of: Sequence[datetime.date] | None = None,
    by: Sequence[str] = (),
    conventions: Mapping[str, str] | None = None,
    metrics: Iterable[str] | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> Trend:
    """Compute the KPIs for consecutive periods (ISO weeks, months) in one pass over the book.

    Each period's snapshot measures hold at the close of its last day unless ``as_of`` gives one
    day per period. :attr:`Trend.whole` recomputes the span from summed measures, never by averaging.

    Args:
        book: The validated book.
        periods: A non-empty sequence of Periods, sorted and not overlapping.
        as_of: One day per period, the last day counted, each on or after its period's last
            day; the last days by default.
        by: Slice dimensions, as for :func:`evaluate`.
        conventions: ``{family: option}``, as for :func:`evaluate`.
        metrics: A list of KPI ids (a bare string is refused), as for :func:`evaluate`.
        catalogue: The measures and KPIs, as for :func:`evaluate`.

    Returns:
        The trend.

    Raises:
        ValidationError: Periods empty, unsorted or overlapping; bad arguments or an unknown KPI.
        ConventionError: Unknown or inapplicable conventions.

    >>> import datetime
    >>> from comanaged_rcm.periods import Cadence
    >>> book = Book(work_items={"item_id": ["a", "b"], "workflow": ["w"] * 2, "team": ["t"] * 2,
    ...     "opened": ["2026-01-05", "2026-01-06"], "closed": ["2026-01-07", "2026-01-13"],
    ...     "touches": [1, 3], "escalated": [False, False]})
    >>> weeks = Cadence.weekly().periods_ending(datetime.date(2026, 1, 19), 2)
    >>> result = trend(book, weeks, metrics=["items_closed"])
    >>> result.values("items_closed"), result.points("items_closed")[1].change
    ([1.0, 1.0], 0.0)
    """
    dims = _arguments(book, by)
    periods = _periods(periods)
    checked = _days(periods, as_of)
    known = _catalogue(catalogue)
    wanted = metric_ids(metrics, catalogue=known)
    span = Period(periods[0].start, periods[-1].end)
    found = _compute(book, [*periods, span], [*checked, checked[-1]], dims, conventions, wanted, known=known)
    cards = tuple(
        Scorecard.from_measures(found, wanted, index=i, catalogue=known) for i in range(len(periods))
    )
    whole = Scorecard.from_measures(found, wanted, index=len(periods), catalogue=known)
    return Trend(periods=periods, scorecards=cards, whole=whole)
