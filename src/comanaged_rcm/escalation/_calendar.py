"""A business-day calendar (weekends and given holidays).

Counting is :func:`numpy.busday_count` and stepping forward is :func:`numpy.busday_offset`
(scalar and vectorized alike, so the two paths agree by construction).

>>> cal = BusinessCalendar(holidays=frozenset({datetime.date(2026, 12, 25)}))
>>> cal.add_business_days(datetime.date(2026, 12, 24), 1)
datetime.date(2026, 12, 28)
>>> cal.business_days_between(datetime.date(2026, 12, 21), datetime.date(2026, 12, 28))
4
"""

from __future__ import annotations

import datetime
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check
from comanaged_rcm._check import as_frozenset, as_int, v
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation._edge import whole, whole_field

__all__ = ["MAX_BUSINESS_DAYS", "MAX_SPAN_YEARS", "BusinessCalendar"]

MAX_BUSINESS_DAYS = 10_000
"""The most business days :meth:`BusinessCalendar.add_business_days` steps (about 40 years)."""

MAX_SPAN_YEARS = 200
"""The longest span :meth:`BusinessCalendar.business_days_between` counts over."""

_MAX_SPAN_DAYS = 366 * MAX_SPAN_YEARS
_LAST_DAY = np.datetime64(datetime.date.max, "D")


def _weekdays(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A set of weekday numbers as a frozenset of ``int`` (numpy integers and ``5.0`` too)."""
    converted = as_frozenset(value)
    if isinstance(converted, frozenset):
        return frozenset(as_int(day) for day in converted)
    return converted


def _not_every_day(_: object, __: attrs.Attribute[Any], value: frozenset[int]) -> None:
    if len(value) == 7:
        raise ValidationError.single("$.weekend", "range", "'weekend' cannot hold all seven days")


@attrs.frozen
class BusinessCalendar:
    """Business days: every day except the weekend days and the given holidays.

    Counting follows :func:`numpy.busday_count`: ``business_days_between(a, b)`` counts the
    business days in ``[a, b)``; when ``b`` is before ``a`` it is minus the count in ``(b, a]``.

    Args:
        holidays: Dates (not datetimes) that are not business days.
        weekend: Weekday numbers that are not business days (0 = Monday ... 6 = Sunday; default
            Saturday and Sunday); at most six of them.

    Raises:
        ValidationError: A holiday that is not a date, a weekday outside 0 to 6, or all seven.
    """

    holidays: frozenset[datetime.date] = attrs.field(
        default=frozenset(), converter=as_frozenset, validator=v.each(v.date())
    )
    weekend: frozenset[int] = attrs.field(
        default=frozenset({5, 6}),
        converter=_weekdays,
        validator=[v.each(whole_field(minimum=0, maximum=6)), _not_every_day],
    )
    _numpy: Any = attrs.field(init=False, default=None, repr=False, eq=False)
    """The sorted holidays and the numpy busdaycalendar, built on first use (the model is frozen)."""

    def __getstate__(self) -> dict[str, Any]:
        """The fields, for pickle and copy (numpy's busdaycalendar cannot be pickled: it is rebuilt)."""
        return {f.name: getattr(self, f.name) for f in attrs.fields(type(self)) if f.name != "_numpy"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_numpy", None)

    @property
    def weekmask(self) -> str:
        """The numpy weekmask string (``"1111100"`` for Monday to Friday)."""
        return "".join("0" if day in self.weekend else "1" for day in range(7))

    def is_business_day(self, day: datetime.date) -> bool:
        """Whether ``day`` is neither a weekend day nor a holiday.

        Raises:
            ValidationError: When ``day`` is not a date (a datetime is refused).
        """
        day = _check.date(day, "$.day")
        return day.weekday() not in self.weekend and day not in self.holidays

    def business_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Business days in ``[start, end)``; minus those in ``(end, start]`` when reversed.

        Raises:
            ValidationError: When ``start`` or ``end`` is not a date, or the span is longer
                than :data:`MAX_SPAN_YEARS` years.
        """
        start = _check.date(start, "$.start")
        end = _check.date(end, "$.end")
        if abs((end - start).days) > _MAX_SPAN_DAYS:
            message = f"a business-day span must be at most 200 years (got {start} to {end})"
            raise ValidationError([Issue("$.start", "range", message), Issue("$.end", "range", message)])
        return int(np.busday_count(start, end, busdaycal=self._busdays()))

    def add_business_days(self, start: datetime.date, days: int) -> datetime.date:
        """The ``days``-th business day after ``start`` (``start`` itself when ``days`` is 0).

        Args:
            start: The day to count from (it need not be a business day itself).
            days: How many business days to step: a whole number from 0 to
                :data:`MAX_BUSINESS_DAYS` (numpy integers and integral floats such as ``3.0``
                are accepted).

        Raises:
            ValidationError: When ``start`` is not a date, ``days`` is not a whole number in
                ``[0, 10000]``, or the result would fall after 9999-12-31.
        """
        start = _check.date(start, "$.start")
        days = whole(days, "$.days", minimum=0, maximum=MAX_BUSINESS_DAYS)
        if days == 0:
            return start
        # Rolling a non-business start back to the business day before it leaves the days after
        # it unchanged, so the n-th business day after the rolled day is the n-th after start.
        found = np.busday_offset(np.datetime64(start, "D"), days, roll="backward", busdaycal=self._busdays())
        if found > _LAST_DAY:
            raise ValidationError.single(
                "$.days", "range", f"{days} business days after {start} is after 9999-12-31"
            )
        result: datetime.date = found.astype(object)
        return result

    def count_array(
        self, start: npt.NDArray[np.datetime64], end: npt.NDArray[np.datetime64]
    ) -> npt.NDArray[np.int64]:
        """Vectorized :meth:`business_days_between` over ``datetime64[D]`` arrays.

        Args:
            start: The first days, a 1-D ``datetime64`` array with no NaT.
            end: The days after the last counted, of the same length.

        Raises:
            ValidationError: When either is not a 1-D ``datetime64`` array without NaT, or their
                lengths differ.
        """
        starts = _days(start, "$.start")
        ends = _days(end, "$.end")
        if starts.shape != ends.shape:
            raise ValidationError.single(
                "$.end",
                "shape",
                f"'start' and 'end' must have the same length (got {len(starts)} and {len(ends)})",
            )
        return self.counts(starts, ends)

    def counts(
        self, start: npt.NDArray[np.datetime64], end: npt.NDArray[np.datetime64]
    ) -> npt.NDArray[np.int64]:
        """:meth:`count_array` for arrays already checked (the evaluator's own, without NaT)."""
        counts = np.busday_count(start, end, busdaycal=self._busdays())
        return counts.astype(np.int64)

    @property
    def holiday_array(self) -> npt.NDArray[np.datetime64]:
        """The holidays, sorted, as a ``datetime64[D]`` array (numpy's ``holidays`` argument)."""
        return self._cached()[0].copy()

    def _busdays(self) -> np.busdaycalendar:
        """The :class:`numpy.busdaycalendar` of the weekmask and holidays (built once per calendar)."""
        return self._cached()[1]

    def _cached(self) -> tuple[npt.NDArray[np.datetime64], np.busdaycalendar]:
        if self._numpy is None:
            days = np.array(sorted(self.holidays), dtype="datetime64[D]")
            object.__setattr__(
                self, "_numpy", (days, np.busdaycalendar(weekmask=self.weekmask, holidays=days))
            )
        return self._numpy  # type: ignore[no-any-return]


def business_days(calendar: BusinessCalendar, start: datetime.date, end: datetime.date) -> int:
    """:meth:`BusinessCalendar.business_days_between` of two checked dates, over any span.

    The rule evaluators read dates from facts, where a span beyond 200 years is a value like
    any other (the vectorized path counts it too), not a bad argument.
    """
    return int(np.busday_count(start, end, busdaycal=calendar._busdays()))  # noqa: SLF001 - the module's own


def _days(value: object, path: str) -> npt.NDArray[np.datetime64]:
    """A 1-D ``datetime64[D]`` array without NaT, from what a caller passed."""
    name = _check.name_of(path)
    array = value if isinstance(value, np.ndarray) else None
    if array is None or array.dtype.kind != "M" or array.ndim != 1:
        _check.fail(path, "type", f"{name!r} must be a 1-D datetime64 array (got {type(value).__name__})")
    days = array.astype("datetime64[D]")
    if np.isnat(days).any():
        _check.fail(path, "value", f"{name!r} must not hold NaT (missing days)")
    return days
