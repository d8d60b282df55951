"""Holiday calendars: the US federal holidays as OPM observes them, and calendars of your own.

The eleven legal public holidays of 5 U.S.C. 6103(a) are :data:`US_FEDERAL_HOLIDAYS`, each a
:class:`HolidayRule` (a fixed date, or the n-th weekday of a month computed with
:class:`dateutil.relativedelta.relativedelta`). The day off is the *observed* day, by OPM's
rule: a holiday on a Saturday is observed the Friday before (5 U.S.C. 6103(b)), one on a Sunday
the Monday after (Executive Order 11582). So when January 1 is a Saturday, New Year's Day is
observed on December 31 of the year before, and :func:`federal_holidays` counts it in that year:

>>> sorted(d for d in federal_holidays(2021, 2021) if d.month == 12)
[datetime.date(2021, 12, 24), datetime.date(2021, 12, 31)]

:func:`calendar` selects a :class:`~comanaged_rcm.escalation.BusinessCalendar` by name, and
:func:`custom_calendar` builds one from dates, rules, or both on top of a named one:

>>> cal = calendar("us_federal")
>>> cal.add_business_days(datetime.date(2026, 7, 2), 1)  # Friday July 3 is Independence Day observed
datetime.date(2026, 7, 6)

Days off declared one at a time by Executive Order (Christmas Eve in 2019, 2020 and 2024, a
national day of mourning) and Inauguration Day (a holiday only in the Washington, DC area) are
not rules: add them as dates with :func:`custom_calendar`.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable
from typing import Any

import attrs
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta, weekday

from comanaged_rcm import _check
from comanaged_rcm._check import as_int, v
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation._calendar import BusinessCalendar

__all__ = [
    "CALENDAR_NAMES",
    "DEFAULT_YEARS",
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_YEARS",
    "US_FEDERAL_HOLIDAYS",
    "HolidayRule",
    "Observance",
    "calendar",
    "custom_calendar",
    "federal_holidays",
    "holidays_from_rules",
]

FIRST_YEAR = 1971
"""The first year holiday rules are computed for (the Uniform Monday Holiday Act took effect)."""

LAST_YEAR = 2200
"""The last year holiday rules are computed for."""

MAX_YEARS = 230
"""The most years one call computes holidays for (:data:`FIRST_YEAR` to :data:`LAST_YEAR`)."""

DEFAULT_YEARS = (2000, 2060)
"""The years a calendar selected by name covers unless ``first_year``/``last_year`` are given."""

CALENDAR_NAMES = ("us_federal", "weekends")
"""The calendars :func:`calendar` selects by name."""

_MAX_DATES = 100_000
_WEEKDAYS: tuple[weekday, ...] = (MO, TU, WE, TH, FR, SA, SU)


class Observance(enum.Enum):
    """When a holiday that falls on a weekend is taken."""

    ACTUAL = "actual"
    """On the day itself, whatever the weekday."""
    OPM = "opm"
    """OPM's rule: a Saturday holiday on the Friday before, a Sunday holiday on the Monday after."""


def _month_day(rule: HolidayRule) -> None:
    if rule.day is not None:
        try:
            datetime.date(2000, rule.month, rule.day)  # a leap year: February 29 is a date
        except ValueError:
            _check.fail("$.day", "range", f"'day' {rule.day} is not a day of month {rule.month}")


def _one_kind(rule: HolidayRule) -> None:
    """A rule is a fixed ``day`` or a ``weekday`` with its ``nth``; the issue names the field to fix."""
    either = "a holiday rule is either a fixed 'day' or a 'weekday' with its 'nth'"
    floating = [name for name in ("weekday", "nth") if getattr(rule, name) is not None]
    if rule.day is not None and floating:
        issues = [Issue(f"$.{name}", "value", f"{either} (got both)") for name in ("day", *floating)]
        raise ValidationError(issues)
    if rule.day is None and not floating:
        _check.fail("$.day", "missing", f"{either} (got neither)")
    if rule.day is None and len(floating) == 1:
        missing = "nth" if floating == ["weekday"] else "weekday"
        _check.fail(f"$.{missing}", "missing", f"{either} (got {floating[0]!r} without {missing!r})")


def _nth(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    number = _check.count(value, f"$.{attribute.name}", minimum=-5, maximum=5)
    if number == 0:
        _check.fail(f"$.{attribute.name}", "range", "'nth' must be 1 to 5, or -1 to -5 from the end (got 0)")


@attrs.frozen(kw_only=True)
class HolidayRule:
    """One holiday, by rule: a fixed date, or the n-th weekday of a month.

    Args:
        name: The holiday's name.
        month: Its month, 1 to 12.
        day: Its day of the month, for a fixed-date holiday (``None`` for a weekday rule).
        weekday: For a weekday rule, 0 (Monday) to 6 (Sunday).
        nth: For a weekday rule, which one: 1 to 5 from the start of the month, -1 (the last) to
            -5 from its end.
        since: The first year the holiday exists (``None``: every year).
        observance: Whether a weekend holiday moves to a weekday (:attr:`Observance.OPM`, the
            default) or stays where it is.

    Raises:
        ValidationError: A field outside its range, a day that is not in the month, or a rule
            that is both (or neither) a fixed date and a weekday rule.

    >>> mlk = HolidayRule.nth_weekday("Birthday of Martin Luther King, Jr.", month=1, weekday=0, nth=3)
    >>> mlk.actual(2026), mlk.observed(2026)
    (datetime.date(2026, 1, 19), datetime.date(2026, 1, 19))
    >>> HolidayRule.fixed("Independence Day", month=7, day=4).observed(2026)
    datetime.date(2026, 7, 3)
    """

    name: str = attrs.field(validator=v.text())
    month: int = attrs.field(converter=as_int, validator=v.count(minimum=1, maximum=12))
    day: int | None = attrs.field(
        default=None, converter=as_int, validator=v.optional(v.count(minimum=1, maximum=31))
    )
    weekday: int | None = attrs.field(
        default=None, converter=as_int, validator=v.optional(v.count(minimum=0, maximum=6))
    )
    nth: int | None = attrs.field(default=None, converter=as_int, validator=_nth)
    since: int | None = attrs.field(
        default=None,
        converter=as_int,
        validator=v.optional(v.count(minimum=FIRST_YEAR, maximum=LAST_YEAR)),
    )
    observance: Observance = attrs.field(default=Observance.OPM, validator=v.member(Observance))

    def __attrs_post_init__(self) -> None:
        _one_kind(self)
        _month_day(self)

    @classmethod
    def fixed(
        cls,
        name: str,
        *,
        month: int,
        day: int,
        since: int | None = None,
        observance: Observance = Observance.OPM,
    ) -> HolidayRule:
        """A holiday on the same date every year (``Christmas Day``: month 12, day 25).

        >>> HolidayRule.fixed("Veterans Day", month=11, day=11).observed(2023)
        datetime.date(2023, 11, 10)
        """
        return cls(name=name, month=month, day=day, since=since, observance=observance)

    @classmethod
    def nth_weekday(
        cls,
        name: str,
        *,
        month: int,
        weekday: int,
        nth: int,
        since: int | None = None,
        observance: Observance = Observance.OPM,
    ) -> HolidayRule:
        """A holiday on the n-th weekday of a month (``nth=-1``: the last one).

        >>> HolidayRule.nth_weekday("Memorial Day", month=5, weekday=0, nth=-1).actual(2026)
        datetime.date(2026, 5, 25)
        """
        return cls(name=name, month=month, weekday=weekday, nth=nth, since=since, observance=observance)

    def actual(self, year: int) -> datetime.date | None:
        """The holiday's own date in ``year``, or ``None`` when there is none that year.

        There is none before :attr:`since`, when the month has no such n-th weekday, and for a
        fixed February 29 in a common year.

        Raises:
            ValidationError: ``year`` outside :data:`FIRST_YEAR` to :data:`LAST_YEAR`.

        >>> HolidayRule.fixed("Juneteenth", month=6, day=19, since=2021).actual(2020) is None
        True
        """
        year = _check.count(year, "$.year", minimum=FIRST_YEAR, maximum=LAST_YEAR)
        if self.since is not None and year < self.since:
            return None
        if self.day is not None:
            try:
                return datetime.date(year, self.month, self.day)
            except ValueError:  # February 29 in a common year
                return None
        nth = int(self.nth)  # type: ignore[arg-type] # both set for a weekday rule (checked at construction)
        day_of_week: weekday = _WEEKDAYS[int(self.weekday)]  # type: ignore[arg-type]
        if nth > 0:
            first = datetime.date(year, self.month, 1)
            found: datetime.date = first + relativedelta(weekday=day_of_week(nth))
        else:
            last = datetime.date(year, self.month, 1) + relativedelta(day=31)
            found = last + relativedelta(weekday=day_of_week(nth))
        return found if found.month == self.month else None

    def observed(self, year: int) -> datetime.date | None:
        """The day off for the holiday of ``year``, which can fall in the year before.

        When January 1 is a Saturday, New Year's Day is observed on December 31 of the year before.

        Raises:
            ValidationError: ``year`` outside :data:`FIRST_YEAR` to :data:`LAST_YEAR`.

        >>> HolidayRule.fixed("New Year's Day", month=1, day=1).observed(2022)
        datetime.date(2021, 12, 31)
        """
        day = self.actual(year)
        if day is None or self.observance is Observance.ACTUAL:
            return day
        shift = {5: -1, 6: 1}.get(day.weekday(), 0)
        return day + datetime.timedelta(days=shift)


_MONDAY, _THURSDAY = 0, 3

US_FEDERAL_HOLIDAYS: tuple[HolidayRule, ...] = (
    HolidayRule.fixed("New Year's Day", month=1, day=1),
    HolidayRule.nth_weekday(
        "Birthday of Martin Luther King, Jr.", month=1, weekday=_MONDAY, nth=3, since=1986
    ),
    HolidayRule.nth_weekday("Washington's Birthday", month=2, weekday=_MONDAY, nth=3),
    HolidayRule.nth_weekday("Memorial Day", month=5, weekday=_MONDAY, nth=-1),
    HolidayRule.fixed("Juneteenth National Independence Day", month=6, day=19, since=2021),
    HolidayRule.fixed("Independence Day", month=7, day=4),
    HolidayRule.nth_weekday("Labor Day", month=9, weekday=_MONDAY, nth=1),
    HolidayRule.nth_weekday("Columbus Day", month=10, weekday=_MONDAY, nth=2),
    HolidayRule.fixed("Veterans Day", month=11, day=11, since=1978),
    HolidayRule.nth_weekday("Thanksgiving Day", month=11, weekday=_THURSDAY, nth=4),
    HolidayRule.fixed("Christmas Day", month=12, day=25),
)
"""The eleven legal public holidays of 5 U.S.C. 6103(a), observed by OPM's rule.

Veterans Day is counted from 1978, when it returned to November 11 (from 1971 to 1977 it was the
fourth Monday of October, which is not modelled); Birthday of Martin Luther King, Jr. from 1986;
Juneteenth from 2021 (observed on Friday, June 18 that year).
"""


def _years(first_year: object, last_year: object) -> tuple[int, int]:
    first = _check.count(first_year, "$.first_year", minimum=FIRST_YEAR, maximum=LAST_YEAR)
    last = _check.count(last_year, "$.last_year", minimum=FIRST_YEAR, maximum=LAST_YEAR)
    if last < first:
        _check.fail("$.last_year", "range", f"'last_year' must be >= 'first_year' (got {last} < {first})")
    return first, last


def holidays_from_rules(
    rules: Iterable[HolidayRule], first_year: int, last_year: int
) -> frozenset[datetime.date]:
    """The observed days of ``rules`` that fall in the years ``first_year`` to ``last_year``.

    A holiday is counted by the day it is observed: New Year's Day 2022, observed on
    December 31, 2021, is in 2021 (and not in a range that ends in 2021's year before).

    Args:
        rules: The holiday rules.
        first_year: The first year covered, :data:`FIRST_YEAR` to :data:`LAST_YEAR`.
        last_year: The last year covered (at least ``first_year``).

    Returns:
        The observed days, as dates.

    Raises:
        ValidationError: A year outside the range, ``last_year`` before ``first_year``, or an item
            of ``rules`` that is not a :class:`HolidayRule` (``$.rules[i]``).

    >>> founders = HolidayRule.fixed("Founders Day", month=3, day=1)
    >>> sorted(holidays_from_rules([founders], 2025, 2026))
    [datetime.date(2025, 2, 28), datetime.date(2026, 3, 2)]
    """
    items = _check.tuple_of(rules, HolidayRule, "$.rules")
    first, last = _years(first_year, last_year)
    days: set[datetime.date] = set()
    # The holidays of the year after the range can be observed on its last day (December 31).
    for year in range(first, min(last + 1, LAST_YEAR) + 1):
        for rule in items:
            day = rule.observed(year)
            if day is not None and first <= day.year <= last:
                days.add(day)
    return frozenset(days)


def federal_holidays(first_year: int, last_year: int) -> frozenset[datetime.date]:
    """The observed US federal holidays (:data:`US_FEDERAL_HOLIDAYS`) from ``first_year`` to ``last_year``.

    Args:
        first_year: The first year covered, :data:`FIRST_YEAR` to :data:`LAST_YEAR`.
        last_year: The last year covered (at least ``first_year``).

    Returns:
        The days off, each in the year it is observed.

    Raises:
        ValidationError: A year outside the range, or ``last_year`` before ``first_year``.

    >>> sorted(federal_holidays(2023, 2023))[:3]
    [datetime.date(2023, 1, 2), datetime.date(2023, 1, 16), datetime.date(2023, 2, 20)]
    >>> len(federal_holidays(2022, 2022))  # New Year's Day 2022 was observed in 2021
    10
    """
    return holidays_from_rules(US_FEDERAL_HOLIDAYS, first_year, last_year)


def calendar(
    name: str, *, first_year: int = DEFAULT_YEARS[0], last_year: int = DEFAULT_YEARS[1]
) -> BusinessCalendar:
    """A business-day calendar selected by name.

    ``"weekends"`` has Saturdays and Sundays off and no holidays; ``"us_federal"`` adds the
    observed US federal holidays of ``first_year`` to ``last_year``.

    Args:
        name: One of :data:`CALENDAR_NAMES`.
        first_year: The first year whose holidays are included (``us_federal``).
        last_year: The last year whose holidays are included (``us_federal``).

    Returns:
        The calendar.

    Raises:
        ValidationError: An unknown name (with a did-you-mean), or a bad year range.

    >>> calendar("weekends").holidays
    frozenset()
    >>> datetime.date(2026, 11, 26) in calendar("us_federal").holidays
    True
    >>> calendar("us-federal")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'name' must be one of 'us_federal',
    'weekends' (got 'us-federal') (did you mean 'us_federal'?) @ $.name
    """
    chosen = _check.one_of(name, CALENDAR_NAMES, "$.name")
    first, last = _years(first_year, last_year)
    if chosen == "weekends":
        return BusinessCalendar()
    return BusinessCalendar(holidays=federal_holidays(first, last))


def _dates(value: object) -> frozenset[datetime.date]:
    items = _check.sequence(value, "$.dates", maximum=_MAX_DATES)
    return frozenset(_check.date(item, f"$.dates[{i}]") for i, item in enumerate(items))


def custom_calendar(
    *,
    dates: Iterable[datetime.date] = (),
    rules: Iterable[HolidayRule] = (),
    base: str | None = None,
    first_year: int = DEFAULT_YEARS[0],
    last_year: int = DEFAULT_YEARS[1],
    weekend: Iterable[int] | None = None,
) -> BusinessCalendar:
    """A business-day calendar of your own: given dates, holiday rules, and optionally a named base.

    Args:
        dates: Days off given one by one (a closure, a day declared by Executive Order).
        rules: Holidays by rule, observed over ``first_year`` to ``last_year``.
        base: A calendar of :data:`CALENDAR_NAMES` whose holidays are included too (``None``:
            none).
        first_year: The first year the rules (and the base) cover.
        last_year: The last year the rules (and the base) cover.
        weekend: Weekday numbers off (0 = Monday ... 6 = Sunday); ``None`` keeps the base's, or
            Saturday and Sunday.

    Returns:
        The calendar.

    Raises:
        ValidationError: A date that is not a date (``$.dates[i]``), a rule that is not a
            :class:`HolidayRule` (``$.rules[i]``), an unknown base, a bad year range, or a bad
            weekend.

    >>> cal = custom_calendar(base="us_federal", dates=[datetime.date(2024, 12, 24)])
    >>> cal.is_business_day(datetime.date(2024, 12, 24)), cal.is_business_day(datetime.date(2024, 12, 23))
    (False, True)
    """
    days = set(_dates(dates))
    first, last = _years(first_year, last_year)
    chosen_base = None if base is None else _check.one_of(base, CALENDAR_NAMES, "$.base")
    chosen_weekend = None if weekend is None else _weekdays(weekend)
    days |= holidays_from_rules(rules, first, last)
    start = BusinessCalendar()
    if chosen_base is not None:
        start = calendar(chosen_base, first_year=first, last_year=last)
        days |= start.holidays
    return BusinessCalendar(
        holidays=frozenset(days), weekend=start.weekend if chosen_weekend is None else chosen_weekend
    )


def _weekdays(value: object) -> frozenset[int]:
    items = _check.sequence(value, "$.weekend", maximum=7 * 100)
    return frozenset(_check.count(item, f"$.weekend[{i}]", maximum=6) for i, item in enumerate(items))
