"""Business periods and reporting cadences.

A :class:`Period` is a half-open range of dates ``[start, end)``: it contains ``start`` and not
``end``, so consecutive periods share a boundary and never overlap or leave a gap. A
:class:`Cadence` (weekly on a given weekday, monthly, quarterly) cuts time into periods with
``dateutil.rrule``; trailing windows (``Period.trailing``) use ``dateutil.relativedelta``, so "the
3 calendar months before March 1st" knows how long February was.

>>> cadence = Cadence.weekly(Weekday.MONDAY)
>>> weeks = cadence.periods_ending(datetime.date(2026, 11, 23), 13)
>>> len(weeks), str(weeks[-1]), cadence.label(weeks[-1])
(13, '2026-11-16/2026-11-23', '2026-W47')
>>> Period.trailing(datetime.date(2024, 3, 1), relativedelta(months=3)).days
91
"""

from __future__ import annotations

import datetime
import enum
import itertools
import numbers

import attrs
from dateutil import rrule
from dateutil.relativedelta import relativedelta

from comanaged_rcm import _check as check
from comanaged_rcm._check import v
from comanaged_rcm.errors import Issue, ValidationError

__all__ = ["Cadence", "Frequency", "Period", "Weekday", "relativedelta"]

_ONE_DAY = datetime.timedelta(days=1)


def _start_before_end(instance: Period, _: attrs.Attribute[datetime.date], end: datetime.date) -> None:
    if not end > instance.start:
        check.fail("$.end", "range", f"'end' must be after 'start' ({instance.start}) (got {end})")


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


def _below_one(value: object) -> bool:
    """A number below 1 (the infinities too), so that its message can say "positive"."""
    if not (isinstance(value, numbers.Real) and _is_number(value)):
        return False
    try:
        return bool(value < 1)
    except Exception:  # noqa: BLE001 - a foreign number may not compare: the count check names it
        return False


def _shifted(
    day: datetime.date, delta: relativedelta | datetime.timedelta, path: str, what: str
) -> datetime.date:
    """``day + delta``, or a :class:`ValidationError` at ``path`` when it leaves the calendar."""
    try:
        moved = day + delta
    except (OverflowError, ValueError):
        check.fail(path, "range", f"{what} falls outside the calendar (0001-01-01 to 9999-12-31)")
    if isinstance(moved, datetime.datetime):
        check.fail(
            path, "value", f"{what} must move by whole days, weeks, months or years (got {check.show(delta)})"
        )
    return moved


@attrs.frozen(order=True)
class Period:
    """A half-open range of business dates: ``start`` included, ``end`` excluded.

    Args:
        start: First day in the period.
        end: First day after the period; must be after ``start``.

    >>> p = Period(datetime.date(2026, 1, 1), datetime.date(2026, 2, 1))
    >>> p.days, datetime.date(2026, 1, 31) in p, datetime.date(2026, 2, 1) in p
    (31, True, False)
    """

    start: datetime.date = attrs.field(validator=v.date())
    end: datetime.date = attrs.field(validator=[v.date(), _start_before_end])

    def __str__(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    def __contains__(self, day: object) -> bool:
        """Whether ``day`` is a date inside the period; a datetime or text never is."""
        return (
            isinstance(day, datetime.date)
            and not isinstance(day, datetime.datetime)
            and (self.start <= day < self.end)
        )

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days

    @property
    def last_day(self) -> datetime.date:
        """The last day inside the period (``end`` minus one day)."""
        return self.end - _ONE_DAY

    def overlaps(self, other: Period) -> bool:
        """Whether the two periods share at least one day.

        Raises:
            ValidationError: ``other`` is not a :class:`Period` (``$.other``).
        """
        check.instance(other, Period, "$.other")
        return self.start < other.end and other.start < self.end

    def intersection(self, other: Period) -> Period | None:
        """The days both periods share, or ``None`` when they share none.

        Raises:
            ValidationError: ``other`` is not a :class:`Period` (``$.other``).
        """
        if not self.overlaps(other):
            return None
        return Period(max(self.start, other.start), min(self.end, other.end))

    @classmethod
    def trailing(cls, end: datetime.date, window: relativedelta | int) -> Period:
        """The window of the given length that ends (exclusively) on ``end``.

        Args:
            end: First day after the window (an as-of date).
            window: A ``relativedelta`` (``relativedelta(months=3)``: calendar months) or a
                number of days.

        Raises:
            ValidationError: ``end`` is not a date (``$.end``); ``window`` is not a positive
                number of days or a relativedelta of whole days to years, or reaches before
                0001-01-01 (``$.window``).

        >>> str(Period.trailing(datetime.date(2026, 4, 1), 90))
        '2026-01-01/2026-04-01'
        """
        end = check.date(end, "$.end")
        if isinstance(window, relativedelta):
            start = _shifted(end, -window, "$.window", f"'end' ({end}) minus 'window'")
            if not start < end:
                check.fail(
                    "$.window", "range", f"'window' must reach back before 'end' (got {check.show(window)})"
                )
            return cls(start, end)
        if _below_one(window):
            check.fail(
                "$.window", "range", f"'window' must be a positive number of days (got {check.show(window)})"
            )
        if not _is_number(window):
            check.fail(
                "$.window",
                "type",
                f"'window' must be a positive number of days or a relativedelta (got {check.show(window)})",
            )
        days = check.count(window, "$.window", minimum=1)
        if days >= end.toordinal():
            check.fail("$.window", "range", f"'window' of {days:,} days reaches before 0001-01-01 from {end}")
        return cls(end - datetime.timedelta(days=days), end)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The calendar month.

        Raises:
            ValidationError: ``year`` is not in 1..9999 (``$.year``) or ``month`` not in 1..12
                (``$.month``); December 9999 ends past the calendar.

        >>> Period.month(2024, 2).days
        29
        """
        year = check.count(year, "$.year", minimum=1, maximum=9999)
        month = check.count(month, "$.month", minimum=1, maximum=12)
        if (year, month) == (9999, 12):
            message = "December 9999 ends after 9999-12-31, the last day of the calendar"
            raise ValidationError([Issue("$.month", "range", message), Issue("$.year", "range", message)])
        start = datetime.date(year, month, 1)
        return cls(start, start + relativedelta(months=1))

    @classmethod
    def iso_week(cls, year: int, week: int) -> Period:
        """The ISO 8601 week (Monday to Sunday).

        Raises:
            ValidationError: ``year`` is not in 1..9999 (``$.year``), or ``week`` is not a week
                of that ISO year (``$.week``).

        >>> str(Period.iso_week(2026, 1))
        '2025-12-29/2026-01-05'
        """
        year = check.count(year, "$.year", minimum=1, maximum=9999)
        week = check.count(week, "$.week", minimum=1, maximum=53)
        weeks = datetime.date(year, 12, 28).isocalendar().week  # 28 December is in the year's last week
        if week > weeks:
            message = f"'week' must be <= {weeks}: ISO year {year} has {weeks} weeks (got {week})"
            raise ValidationError([Issue("$.week", "range", message), Issue("$.year", "range", message)])
        try:
            start = datetime.date.fromisocalendar(year, week, 1)
        except (OverflowError, ValueError):
            check.fail("$.week", "range", f"ISO week {year}-W{week:02d} starts before 0001-01-01")
        return cls(
            start, _shifted(start, datetime.timedelta(weeks=1), "$.week", f"the end of {year}-W{week:02d}")
        )


class Weekday(enum.Enum):
    """Day a weekly period starts on."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def rrule_day(self) -> rrule.weekday:
        """The matching ``dateutil`` weekday (``MO``...``SU``)."""
        return rrule.weekdays[list(Weekday).index(self)]


class Frequency(enum.Enum):
    """How often a cadence starts a new period."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


@attrs.frozen
class Cadence:
    """A reporting rhythm that cuts time into consecutive periods.

    Args:
        frequency: Weekly, monthly or quarterly.
        week_start: For weekly cadences, the weekday each period starts on.

    Examples:
        >>> monthly = Cadence.monthly()
        >>> [monthly.label(p) for p in monthly.periods_ending(datetime.date(2026, 3, 15), 3)]
        ['2025-12', '2026-01', '2026-02']
    """

    frequency: Frequency = attrs.field(default=Frequency.WEEKLY, validator=v.member(Frequency))
    week_start: Weekday = attrs.field(default=Weekday.MONDAY, validator=v.member(Weekday))

    @classmethod
    def weekly(cls, week_start: Weekday = Weekday.MONDAY) -> Cadence:
        """Weekly periods starting on ``week_start``.

        Raises:
            ValidationError: ``week_start`` is not a :class:`Weekday` (``$.week_start``).
        """
        return cls(Frequency.WEEKLY, week_start)

    @classmethod
    def monthly(cls) -> Cadence:
        """Calendar months."""
        return cls(Frequency.MONTHLY)

    @classmethod
    def quarterly(cls) -> Cadence:
        """Calendar quarters (January, April, July, October)."""
        return cls(Frequency.QUARTERLY)

    @property
    def step(self) -> relativedelta:
        """The length of one period."""
        if self.frequency is Frequency.WEEKLY:
            return relativedelta(weeks=1)
        if self.frequency is Frequency.MONTHLY:
            return relativedelta(months=1)
        return relativedelta(months=3)

    def _boundaries(
        self, start: datetime.date, *, count: int | None = None, until: datetime.date | None = None
    ) -> list[datetime.date]:
        dtstart = datetime.datetime.combine(start, datetime.time())
        last = None if until is None else datetime.datetime.combine(until, datetime.time())
        if self.frequency is Frequency.WEEKLY:
            rule = rrule.rrule(
                rrule.WEEKLY, byweekday=self.week_start.rrule_day, dtstart=dtstart, count=count, until=last
            )
        else:
            months = None if self.frequency is Frequency.MONTHLY else (1, 4, 7, 10)
            rule = rrule.rrule(
                rrule.MONTHLY, bymonth=months, bymonthday=1, dtstart=dtstart, count=count, until=last
            )
        return [moment.date() for moment in rule]

    def _containing(self, day: datetime.date, path: str) -> Period:
        """The period containing ``day``; one that leaves the calendar is refused at ``path``."""
        what = f"the {self.frequency.value} period containing {day}"
        if self.frequency is Frequency.WEEKLY:
            start = _shifted(day, relativedelta(weekday=self.week_start.rrule_day(-1)), path, what)
        elif self.frequency is Frequency.MONTHLY:
            start = day.replace(day=1)
        else:
            start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return Period(start, _shifted(start, self.step, path, what))

    def period_containing(self, day: datetime.date) -> Period:
        """The period of this cadence that contains ``day``.

        Raises:
            ValidationError: ``day`` is not a date, or its period leaves the calendar (``$.day``).

        >>> str(Cadence.weekly().period_containing(datetime.date(2026, 11, 22)))
        '2026-11-16/2026-11-23'
        """
        return self._containing(check.date(day, "$.day"), "$.day")

    def periods_ending(self, as_of: datetime.date, count: int) -> tuple[Period, ...]:
        """The ``count`` most recent complete periods that end on or before ``as_of``.

        ``as_of`` is exclusive, like a period's end: with weeks starting Monday, an ``as_of`` of
        Monday 2026-11-23 makes 2026-11-16/2026-11-23 the last period; an ``as_of`` of Sunday
        2026-11-22 makes it the week before.

        Args:
            as_of: The first day not reported on.
            count: How many periods, oldest first.

        Raises:
            ValidationError: ``as_of`` is not a date (``$.as_of``); ``count`` is not a positive
                whole number, or reaches before 0001-01-01 (``$.count``).
        """
        as_of = check.date(as_of, "$.as_of")
        if _below_one(count):
            check.fail("$.count", "range", f"'count' must be a positive integer (got {check.show(count)})")
        count = check.count(count, "$.count", minimum=1, maximum=_MAX_PERIODS)
        boundary = self._containing(as_of, "$.as_of").start
        first = _shifted(
            boundary, -(self.step * count), "$.count", f"{count:,} {self.frequency.value} periods"
        )
        return self._periods(self._boundaries(first, count=count + 1))

    def periods_between(self, start: datetime.date, end: datetime.date) -> tuple[Period, ...]:
        """Every period of this cadence that overlaps ``[start, end)``, oldest first.

        Raises:
            ValidationError: ``start`` or ``end`` is not a date, ``end`` is not after
                ``start``, or a period leaves the calendar (``$.start``, ``$.end``).

        >>> len(Cadence.monthly().periods_between(datetime.date(2026, 1, 15), datetime.date(2026, 3, 2)))
        3
        """
        window = Period(start, end)
        first = self._containing(window.start, "$.start").start
        starts = self._boundaries(first, until=window.last_day)
        what = f"the {self.frequency.value} period containing {window.last_day}"
        return self._periods([*starts, _shifted(starts[-1], self.step, "$.end", what)])

    @staticmethod
    def _periods(bounds: list[datetime.date]) -> tuple[Period, ...]:
        return tuple(Period(a, b) for a, b in itertools.pairwise(bounds))

    def label(self, period: Period) -> str:
        """A short human label: ``2026-W47`` (ISO weeks), ``2026-11``, ``2026-Q4``.

        Weekly cadences that do not start on Monday are labelled ``week of 2026-11-15``.

        Raises:
            ValidationError: ``period`` is not a :class:`Period` (``$.period``).
        """
        check.instance(period, Period, "$.period")
        if self.frequency is Frequency.MONTHLY:
            return f"{period.start.year}-{period.start.month:02d}"
        if self.frequency is Frequency.QUARTERLY:
            return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"
        if self.week_start is Weekday.MONDAY:
            year, week, _ = period.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"week of {period.start.isoformat()}"


_MAX_PERIODS = 600_000
"""The most periods a cadence lists at once: more weeks than the calendar holds (521,722)."""
