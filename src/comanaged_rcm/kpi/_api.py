"""Entry points: :func:`evaluate` one period, :func:`trend` over many, :func:`measures` for partials."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi._book import Book
from comanaged_rcm.kpi._conventions import resolve_conventions
from comanaged_rcm.kpi._engine import MeasureSet, compute_measures
from comanaged_rcm.kpi._results import Scorecard, Trend
from comanaged_rcm.periods import Period

__all__ = ["evaluate", "measures", "trend"]


def _check(book: object, by: object) -> tuple[str, ...]:
    if not isinstance(book, Book):
        raise ValidationError.single(
            "$.book", "type", f"'book' must be a kpi.Book (got {type(book).__name__})"
        )
    if isinstance(by, str):
        by = tuple(b.strip() for b in by.split(",") if b.strip())
    if not isinstance(by, Iterable) or not all(isinstance(d, str) and d for d in by):
        raise ValidationError.single("$.by", "type", f"'by' must be a sequence of column names (got {by!r})")
    dims = tuple(by)
    if len(set(dims)) != len(dims):
        raise ValidationError.single("$.by", "duplicate", f"'by' repeats a dimension (got {list(dims)})")
    return dims


def _as_of(period: object, as_of: object) -> tuple[Period, datetime.date]:
    if not isinstance(period, Period):
        raise ValidationError.single("$.period", "type", f"'period' must be a Period (got {period!r})")
    if as_of is None:
        return period, period.end
    if not isinstance(as_of, datetime.date) or isinstance(as_of, datetime.datetime):
        raise ValidationError.single("$.as_of", "type", f"'as_of' must be a date (got {as_of!r})")
    if as_of < period.end:
        raise ValidationError.single(
            "$.as_of", "range", f"'as_of' must be on or after the period's end {period.end} (got {as_of})"
        )
    return period, as_of


def measures(
    book: Book,
    period: Period,
    as_of: datetime.date | None = None,
    by: Sequence[str] = (),
    conventions: Mapping[str, str] | None = None,
) -> MeasureSet:
    """The base measures of one period: a partial that merges exactly with other shards' partials.

    Compute on each shard of a book, add the results (``a + b``), then score the sum with
    :meth:`Scorecard.from_measures`.

    Raises:
        ValidationError: Bad arguments.
        ConventionError: Unknown conventions.
    """
    dims = _check(book, by)
    period, day = _as_of(period, as_of)
    return compute_measures(book, [period], [day], dims, resolve_conventions(conventions))


def evaluate(  # noqa: PLR0917 - the public signature is fixed by the integration contract
    book: Book,
    period: Period,
    as_of: datetime.date | None = None,
    by: Sequence[str] = (),
    conventions: Mapping[str, str] | None = None,
    metrics: Iterable[str] | None = None,
) -> Scorecard:
    """Compute the KPIs of one period, in total and per slice.

    Args:
        book: The validated book.
        period: The period (half-open).
        as_of: The date snapshot measures (A/R, backlog) are taken before; defaults to
            ``period.end`` and may not be earlier.
        by: Slice dimensions (``("payer", "team")``); any column the tables share.
        conventions: ``{family: option}``; others take their defaults.
        metrics: KPI ids; all of the catalogue by default.

    Returns:
        The scorecard.

    Raises:
        ValidationError: Bad arguments or an unknown KPI.
        ConventionError: Unknown or inapplicable conventions.

    >>> import datetime
    >>> book = Book(transactions={"claim_id": ["C1", "C1"], "payer": ["Acme", "Acme"],
    ...     "service_date": ["2026-01-05"] * 2, "posting_date": ["2026-01-05", "2026-01-20"],
    ...     "type": ["charge", "payment"], "amount": [200.0, 150.0]})
    >>> card = evaluate(book, Period.month(2026, 1), metrics=["net_collection_rate"])
    >>> result = card.result("net_collection_rate")
    >>> result.value, result.numerator, result.denominator
    (75.0, 150.0, 200.0)
    """
    dims = _check(book, by)
    period, day = _as_of(period, as_of)
    found = compute_measures(book, [period], [day], dims, resolve_conventions(conventions))
    return Scorecard.from_measures(found, metrics)


def trend(  # noqa: PLR0917 - mirrors evaluate's fixed signature
    book: Book,
    periods: Sequence[Period],
    as_of: Sequence[datetime.date] | None = None,
    by: Sequence[str] = (),
    conventions: Mapping[str, str] | None = None,
    metrics: Iterable[str] | None = None,
) -> Trend:
    """Compute the KPIs for consecutive periods (ISO weeks, months) in one pass over the book.

    Each period's snapshot measures are taken at its end unless ``as_of`` gives one date per
    period. :attr:`Trend.whole` recomputes the span from summed measures, never by averaging.

    Raises:
        ValidationError: Periods empty, unsorted or overlapping; bad arguments.

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
    dims = _check(book, by)
    periods = tuple(periods)
    if not periods or not all(isinstance(p, Period) for p in periods):
        raise ValidationError.single("$.periods", "type", "'periods' must be a non-empty sequence of Periods")
    for i in range(1, len(periods)):
        if periods[i].start < periods[i - 1].end:
            raise ValidationError.single(
                f"$.periods[{i}]",
                "order",
                f"periods must be sorted and not overlap ({periods[i]} after {periods[i - 1]})",
            )
    days = [p.end for p in periods] if as_of is None else list(as_of)
    if len(days) != len(periods):
        raise ValidationError.single("$.as_of", "length", f"need one as-of date per period (got {len(days)})")
    checked = [_as_of(p, d)[1] for p, d in zip(periods, days, strict=True)]
    span = Period(periods[0].start, periods[-1].end)
    found = compute_measures(
        book, [*periods, span], [*checked, checked[-1]], dims, resolve_conventions(conventions)
    )
    wanted = None if metrics is None else list(metrics)
    cards = tuple(Scorecard.from_measures(found, wanted, index=i) for i in range(len(periods)))
    return Trend(
        periods=periods, scorecards=cards, whole=Scorecard.from_measures(found, wanted, index=len(periods))
    )
