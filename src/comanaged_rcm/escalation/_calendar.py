"""A business-day calendar (weekends and given holidays).

Counting is :func:`numpy.busday_count` (scalar and vectorized alike, so the two paths agree by
construction); stepping forward (:meth:`BusinessCalendar.add_business_days`) walks a
``dateutil.rrule`` of the business days.

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
from dateutil import rrule

from comanaged_rcm.errors import ValidationError

__all__ = ["BusinessCalendar"]

_MAX_SPAN_DAYS = 366 * 200


def _check_weekend(_: object, __: attrs.Attribute[Any], value: frozenset[object]) -> None:
    bad = sorted(repr(v) for v in value if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 6)
    if bad:
        raise ValidationError.single(
            "$.weekend", "range", f"'weekend' days must be 0 (Monday) to 6 (Sunday) (got {', '.join(bad)})"
        )
    if len(value) == 7:
        raise ValidationError.single("$.weekend", "range", "'weekend' cannot hold all seven days")


@attrs.frozen
class BusinessCalendar:
    """Business days: every day except the weekend days and the given holidays.

    Counting follows :func:`numpy.busday_count`: ``business_days_between(a, b)`` counts the
    business days in ``[a, b)``; when ``b`` is before ``a`` it is minus the count in ``(b, a]``.

    Args:
        holidays: Dates that are not business days.
        weekend: Weekday numbers that are not business days (0 = Monday; default Saturday, Sunday).
    """

    holidays: frozenset[datetime.date] = frozenset()
    weekend: frozenset[int] = attrs.field(default=frozenset({5, 6}), validator=_check_weekend)

    @property
    def weekmask(self) -> str:
        """The numpy weekmask string (``"1111100"`` for Monday to Friday)."""
        return "".join("0" if day in self.weekend else "1" for day in range(7))

    def _rule(self, start: datetime.date, until: datetime.date | None, count: int | None) -> rrule.rruleset:
        days = [rrule.weekday(d) for d in range(7) if d not in self.weekend]
        rules = rrule.rruleset()
        rules.rrule(
            rrule.rrule(
                rrule.DAILY,
                dtstart=datetime.datetime.combine(start, datetime.time()),
                until=None if until is None else datetime.datetime.combine(until, datetime.time()),
                count=count,
                byweekday=days,
            )
        )
        for holiday in self.holidays:
            rules.exdate(datetime.datetime.combine(holiday, datetime.time()))
        return rules

    def is_business_day(self, day: datetime.date) -> bool:
        """Whether ``day`` is neither a weekend day nor a holiday."""
        return day.weekday() not in self.weekend and day not in self.holidays

    def business_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Business days in ``[start, end)``; minus those in ``(end, start]`` when reversed.

        Raises:
            ValidationError: When the span is longer than 200 years.
        """
        if abs((end - start).days) > _MAX_SPAN_DAYS:
            raise ValidationError.single(
                "$", "range", f"a business-day span must be at most 200 years (got {start} to {end})"
            )
        return int(np.busday_count(start, end, weekmask=self.weekmask, holidays=self._holiday_array))

    def add_business_days(self, start: datetime.date, days: int) -> datetime.date:
        """The ``days``-th business day after ``start`` (``start`` itself when ``days`` is 0).

        Raises:
            ValidationError: When ``days`` is negative or above 10,000.
        """
        if not 0 <= days <= 10_000:
            raise ValidationError.single("$.days", "range", f"'days' must be in [0, 10000] (got {days})")
        if days == 0:
            return start
        found = self._rule(start + datetime.timedelta(days=1), None, None)
        for index, moment in enumerate(found, start=1):  # pragma: no branch - the set is infinite
            if index == days:
                return moment.date()
        raise AssertionError  # pragma: no cover - unreachable

    def count_array(
        self, start: npt.NDArray[np.datetime64], end: npt.NDArray[np.datetime64]
    ) -> npt.NDArray[np.int64]:
        """Vectorized :meth:`business_days_between` over ``datetime64[D]`` arrays (no NaT)."""
        counts = np.busday_count(start, end, weekmask=self.weekmask, holidays=self._holiday_array)
        return counts.astype(np.int64)

    @property
    def _holiday_array(self) -> npt.NDArray[np.datetime64]:
        return np.array(sorted(self.holidays), dtype="datetime64[D]")
