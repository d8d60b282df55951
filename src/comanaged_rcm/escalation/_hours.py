"""Business hours in the provider's time zone: deadlines that count the hours the office is open.

A :class:`BusinessHours` is a :class:`~comanaged_rcm.escalation.BusinessCalendar` (its holidays,
and a weekend made of the weekdays that have no hours) with an IANA time zone, read through
:mod:`zoneinfo`, and an opening window per weekday (default Monday to Friday, 08:00 to 17:00).
Business time is the time that passes while the local clock reads inside a window on an open day:
elapsed time, so a window that a daylight-saving change shortens or lengthens counts what it
really lasted. A moment outside the windows starts counting at the next opening:

>>> hours = business_hours("America/New_York")
>>> friday = datetime.datetime(2026, 3, 6, 16, 0, tzinfo=datetime.timezone.utc)
>>> hours.add_business_hours(friday, 4).isoformat()  # 11:00 EST is before Friday's 16:00 UTC
'2026-03-06T15:00:00-05:00'
>>> friday = datetime.datetime(2026, 3, 6, 16, 0, tzinfo=hours.tz)
>>> hours.add_business_hours(friday, 4).isoformat()  # Monday, after the spring-forward weekend
'2026-03-09T11:00:00-04:00'

Every moment must be time-zone aware (a naive one is refused, naming it and the zone), and results
are in the zone. Open days are found with :func:`numpy.busday_offset` over the calendar's holidays;
the hours of each day come from the zone's offsets, found once per day and cached.
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from comanaged_rcm import _check
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation._calendar import BusinessCalendar
from comanaged_rcm.escalation._edge import moment, whole
from comanaged_rcm.escalation._holidays import CALENDAR_NAMES, DEFAULT_YEARS, calendar

if TYPE_CHECKING:
    from comanaged_rcm.escalation._models import Rung

__all__ = [
    "DEFAULT_HOURS",
    "MAX_DEADLINE_HOURS",
    "WEEKDAYS",
    "BusinessHours",
    "business_hours",
    "overdue",
]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""The weekday names :attr:`BusinessHours.hours` is keyed by, Monday first."""

DEFAULT_HOURS: Mapping[str, str] = dict.fromkeys(WEEKDAYS[:5], "08:00-17:00")
"""Monday to Friday, 08:00 to 17:00."""

MAX_DEADLINE_HOURS = 10_000
"""The most business hours a deadline or a climb delay counts (about five years of 40-hour weeks)."""

_MAX_SPAN_DAYS = 366 * 200
_WINDOW = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)\Z")
_MICRO = datetime.timedelta(microseconds=1)
_HOUR = 3600 * 10**6
_DAY = 86_400 * 10**6
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_MARGIN = 15 * _HOUR  # no zone's offset is larger: a day's wall times lie within it of UTC
_SAMPLE = 6 * _HOUR  # offsets are sampled this far apart (no zone changes twice within it)
_FIRST_DAY = datetime.date(1900, 1, 1)
_LAST_DAY = datetime.date(9999, 12, 30)
_BATCH = 64
_STEPS = np.arange(_BATCH)


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _window(text: object, path: str) -> tuple[int, int]:
    """``"08:00-17:00"`` as minutes after midnight, ``(480, 1020)``; ``24:00`` closes at midnight."""
    found = _WINDOW.match(text) if isinstance(text, str) else None
    if found is None:
        _check.fail(
            path, "format", f"opening hours are 'HH:MM-HH:MM', like '08:00-17:00' (got {_check.show(text)})"
        )
    h1, m1, h2, m2 = (int(part) for part in found.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        _check.fail(path, "range", f"{text!r} is not a time of day from 00:00 to 24:00")
    opens, closes = h1 * 60 + m1, h2 * 60 + m2
    if closes <= opens:
        _check.fail(path, "range", f"the office must close after it opens (got {text!r})")
    return opens, closes


def _copy(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A mapping as a new plain ``dict`` (so the caller's later changes do not reach the model)."""
    return dict(value) if isinstance(value, Mapping) else value


def _check_hours(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    _check.instance(value, dict, path, "a mapping of weekday name to 'HH:MM-HH:MM'")
    if not value:
        _check.fail(path, "value", "'hours' must open on at least one weekday (got none)")
    for day, window in value.items():  # type: ignore[attr-defined]
        _check.one_of(day, WEEKDAYS, f"{path}[{_check.show(day)}]")
        _window(window, f"{path}.{day}")


@attrs.frozen(kw_only=True, hash=False)
class BusinessHours(BusinessCalendar):
    """A business calendar with opening hours in an IANA time zone.

    The weekend is every weekday that :attr:`hours` leaves out (it is not given). Day counts
    (:meth:`add_business_days`, :meth:`business_days_between`) are the calendar's; the hours
    methods count elapsed time inside the windows. :func:`business_hours` builds one with a
    holiday calendar selected by name.

    Args:
        holidays: Dates that are closed all day.
        zone: The IANA zone (``America/New_York``); ``localtime`` is refused.
        hours: Weekday name (:data:`WEEKDAYS`) to its window, ``"08:00-17:00"`` (``24:00``
            closes at midnight); days left out are closed. Default :data:`DEFAULT_HOURS`.

    Raises:
        ValidationError: An unknown zone or weekday (with a did-you-mean), a window that is not
            ``HH:MM-HH:MM`` or closes before it opens, no open day, or a bad holiday.

    >>> hours = BusinessHours(zone="Asia/Kolkata", hours={"monday": "09:30-18:00"})
    >>> sorted(hours.weekend), hours.weekmask
    ([1, 2, 3, 4, 5, 6], '1000000')
    """

    zone: str = attrs.field(validator=_check.v.time_zone())
    hours: dict[str, str] = attrs.field(
        factory=lambda: dict(DEFAULT_HOURS), converter=_copy, validator=_check_hours
    )
    weekend: frozenset[int] = attrs.field(init=False)
    _windows: tuple[tuple[int, int] | None, ...] = attrs.field(init=False, repr=False, eq=False)

    __getstate__ = BusinessCalendar.__getstate__
    __setstate__ = BusinessCalendar.__setstate__

    def __hash__(self) -> int:
        """Equal business hours hash alike (the hours mapping is hashed by its items)."""
        return hash((self.holidays, self.zone, tuple(sorted(self.hours.items()))))

    def __attrs_post_init__(self) -> None:
        windows = tuple(
            _window(self.hours[day], f"$.hours.{day}") if day in self.hours else None for day in WEEKDAYS
        )
        object.__setattr__(self, "_windows", windows)
        object.__setattr__(self, "weekend", frozenset(i for i, w in enumerate(windows) if w is None))

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The time zone."""
        return _zone(self.zone)

    # ------------------------------------------------------------------------------- moments
    def local(self, when: datetime.datetime) -> datetime.datetime:
        """``when`` in the zone.

        Raises:
            ValidationError: ``when`` not a datetime, naive (the issue names it and the zone), or
                outside the years 1900 to 9999.

        >>> hours = business_hours("Asia/Kolkata", calendar="weekends")
        >>> hours.local(datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.timezone.utc)).isoformat()
        '2026-03-02T17:30:00+05:30'
        """
        return self._local(when, "$.when")

    def _local(self, when: datetime.datetime, path: str) -> datetime.datetime:
        """:meth:`local`, naming ``path`` in its errors."""
        moment(when, path)
        if when.utcoffset() is None:
            message = (
                f"{_check.name_of(path)!r} is naive but the business hours are in {self.zone!r}:"
                " give it with a time zone (naive and aware times are never mixed)"
            )
            raise ValidationError([Issue(path, "timezone", message), Issue("$.zone", "timezone", message)])
        try:
            local = when.astimezone(self.tz)
        except (OverflowError, ValueError):
            local = None
        if local is None or not _FIRST_DAY < local.date() < _LAST_DAY:
            _check.fail(path, "range", f"business hours count from 1900 to 9999 (got {when.isoformat()})")
        return local

    def is_open(self, when: datetime.datetime) -> bool:
        """Whether the office is open at ``when`` (aware).

        >>> hours = business_hours("America/New_York")
        >>> hours.is_open(datetime.datetime(2026, 7, 3, 10, tzinfo=hours.tz))  # Independence Day observed
        False
        """
        local = self._local(when, "$.when")
        t = _micros(local)
        days = (local.date() - datetime.timedelta(days=1), local.date())
        return any(a <= t < b for day in days if self._is_open_day(day) for a, b in self._intervals(day))

    def closing(self, day: datetime.date) -> datetime.datetime:
        """When the office closes on ``day``, in the zone.

        Raises:
            ValidationError: ``day`` not a date, or a day the office is closed.

        >>> business_hours("America/New_York").closing(datetime.date(2026, 3, 9)).isoformat()
        '2026-03-09T17:00:00-04:00'
        """
        day = _check.date(day, "$.day", earliest=_FIRST_DAY, latest=_LAST_DAY)
        spans = self._intervals(day) if self._is_open_day(day) else ()
        if not spans:
            _check.fail(
                "$.day", "value", f"the office is closed on {day.isoformat()} ({WEEKDAYS[day.weekday()]})"
            )
        return self._moment(spans[-1][1])

    # --------------------------------------------------------------------------------- counting
    def add_business_hours(self, start: datetime.datetime, hours: int) -> datetime.datetime:
        """The first moment by which ``hours`` business hours have passed since ``start``.

        Counting starts at ``start`` when the office is open then, else at the next opening; a
        deadline that uses up a window exactly is its closing time (not the next opening).

        Args:
            start: An aware moment.
            hours: Whole business hours, 0 to :data:`MAX_DEADLINE_HOURS` (0 gives ``start``).

        Returns:
            The deadline, in the zone.

        Raises:
            ValidationError: ``start`` naive or not a datetime, ``hours`` out of range, or a
                deadline after 9999.

        >>> hours = business_hours("America/New_York")
        >>> hours.add_business_hours(datetime.datetime(2026, 3, 6, 13, tzinfo=hours.tz), 4).isoformat()
        '2026-03-06T17:00:00-05:00'
        """
        local = self._local(start, "$.start")
        amount = whole(hours, "$.hours", minimum=0, maximum=MAX_DEADLINE_HOURS)
        return self._add(local, amount * _HOUR)

    def business_time(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """The business time in ``[start, end)``; minus that in ``[end, start)`` when reversed.

        Raises:
            ValidationError: A moment that is naive or not a datetime, or a span over 200 years.

        >>> hours = business_hours("America/New_York")
        >>> hours.business_time(datetime.datetime(2026, 3, 6, 16, tzinfo=hours.tz),
        ...                     datetime.datetime(2026, 3, 9, 11, tzinfo=hours.tz))
        datetime.timedelta(seconds=14400)
        """
        first = self._local(start, "$.start")
        last = self._local(end, "$.end")
        if abs((last - first).days) > _MAX_SPAN_DAYS:
            message = f"a business-time span must be at most 200 years (got {first} to {last})"
            raise ValidationError([Issue("$.start", "range", message), Issue("$.end", "range", message)])
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        a, b = _micros(first), _micros(last)
        total = 0
        for day in self._open_days(first.date() - datetime.timedelta(days=1)):
            if day > last.date() + datetime.timedelta(days=1):
                break
            for low, high in self._intervals(day):
                total += max(0, min(high, b) - max(low, a))
        return datetime.timedelta(microseconds=sign * total)

    # -------------------------------------------------------------------------------- internals
    def _add(self, local: datetime.datetime, remaining: int) -> datetime.datetime:
        """:meth:`add_business_hours` in microseconds, for a checked local start."""
        if remaining == 0:
            return local
        t = _micros(local)
        # the day before too: where a zone falls back at midnight, its last hour follows this day
        for day in self._open_days(local.date() - datetime.timedelta(days=1)):
            for low, high in self._intervals(day):
                if high <= t:
                    continue
                begin = max(low, t)
                if remaining <= high - begin:
                    return self._moment(begin + remaining)
                remaining -= high - begin
        return _check.fail("$.hours", "range", f"the deadline after {local.isoformat()} is after 9999")

    def _is_open_day(self, day: datetime.date) -> bool:
        return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=self._busdays()))

    def _open_days(self, first: datetime.date) -> Iterator[datetime.date]:
        """The open days from ``first`` on (numpy's business days, in growing batches), to 9999."""
        start = np.datetime64(max(first, _FIRST_DAY), "D")
        last = np.datetime64(_LAST_DAY, "D")
        batch = 4  # most deadlines need a day or two: start small, then double
        while start <= last:
            days = np.busday_offset(start, _STEPS[:batch], roll="forward", busdaycal=self._busdays())
            yield from days[days <= last].astype(object).tolist()
            start = days[-1] + 1
            batch = min(2 * batch, _BATCH)

    def _intervals(self, day: datetime.date) -> tuple[tuple[int, int], ...]:
        window = self._windows[day.weekday()]
        if window is None:
            return ()
        return _day_intervals(self.zone, day.toordinal(), *window)

    def _moment(self, micros: int) -> datetime.datetime:
        try:
            return (_EPOCH + datetime.timedelta(microseconds=micros)).astimezone(self.tz)
        except OverflowError:
            _check.fail("$.hours", "range", "the deadline is after 9999")

    # ---------------------------------------------------------------------------- the stepper
    def deadline_after(
        self, when: datetime.datetime, *, days: int | None = None, hours: int | None = None
    ) -> tuple[datetime.date, datetime.datetime | None]:
        """A rung's acknowledgement deadline from ``when``: its day in the zone, and its moment.

        ``days`` counts business days from the local date of ``when`` (the moment is ``None``:
        the whole day is given); ``hours`` counts business hours (the day is the moment's).

        Raises:
            ValidationError: ``when`` naive; neither or both of ``days`` and ``hours``.

        >>> hours = business_hours("America/New_York")
        >>> hours.deadline_after(datetime.datetime(2026, 3, 10, 2, tzinfo=datetime.timezone.utc), days=1)
        (datetime.date(2026, 3, 10), None)
        """
        local = self._local(when, "$.when")
        if (days is None) == (hours is None):
            message = "give either 'days' or 'hours'"
            raise ValidationError([Issue("$.days", "value", message), Issue("$.hours", "value", message)])
        if hours is not None:
            at = self.add_business_hours(local, hours)
            return at.date(), at
        return self.add_business_days(local.date(), days), None  # type: ignore[arg-type]


def _micros(when: datetime.datetime) -> int:
    """An aware moment as microseconds since 1970-01-01 UTC."""
    return (when - _EPOCH) // _MICRO


def _offset(tz: zoneinfo.ZoneInfo, micros: int) -> int:
    """The zone's UTC offset at an instant, in microseconds."""
    offset = (_EPOCH + datetime.timedelta(microseconds=micros)).astimezone(tz).utcoffset()
    return 0 if offset is None else offset // _MICRO


def _pieces(tz: zoneinfo.ZoneInfo, low: int, high: int) -> list[tuple[int, int, int]]:
    """``[low, high)`` cut where the zone's offset changes: ``(start, end, offset)`` pieces."""
    points = [*range(low, high, _SAMPLE), high]
    offsets = [_offset(tz, point) for point in points]
    pieces: list[tuple[int, int, int]] = []
    start = low
    for i in range(1, len(points)):
        if offsets[i] == offsets[i - 1]:
            continue
        before, after = points[i - 1], points[i]  # the change is in (before, after]
        while after - before > 1:
            middle = (before + after) // 2
            if _offset(tz, middle) == offsets[i - 1]:
                before = middle
            else:
                after = middle
        pieces.append((start, after, offsets[i - 1]))
        start = after
    pieces.append((start, high, offsets[-1]))
    return pieces


@functools.lru_cache(maxsize=65_536)
def _day_intervals(zone: str, ordinal: int, opens: int, closes: int) -> tuple[tuple[int, int], ...]:
    """The instants (UTC microseconds, ``[start, end)``) of day ``ordinal`` open by the wall clock.

    Those whose local wall time on that day reads from ``opens`` to ``closes`` (minutes): one span,
    a shorter one around a gap, two when the window holds a repeated hour.
    """
    midnight = (ordinal - _EPOCH_ORDINAL) * _DAY
    wall_low, wall_high = midnight + opens * 60 * 10**6, midnight + closes * 60 * 10**6
    spans: list[tuple[int, int]] = []
    for start, end, offset in _pieces(_zone(zone), wall_low - _MARGIN, wall_high + _MARGIN):
        low, high = max(start, wall_low - offset), min(end, wall_high - offset)
        if low >= high:
            continue
        if spans and spans[-1][1] == low:
            spans[-1] = (spans[-1][0], high)
        else:
            spans.append((low, high))
    return tuple(spans)


def business_hours(
    zone: str,
    *,
    calendar: str | BusinessCalendar = "us_federal",
    hours: Mapping[str, str] | None = None,
    first_year: int = DEFAULT_YEARS[0],
    last_year: int = DEFAULT_YEARS[1],
) -> BusinessHours:
    """Business hours in ``zone`` with the holidays of a calendar selected by name (or given).

    Args:
        zone: The IANA time zone.
        calendar: A name of :data:`CALENDAR_NAMES` (its holidays over ``first_year`` to
            ``last_year``), or a :class:`BusinessCalendar` whose holidays are taken; its weekend
            must not hold a day that has hours.
        hours: Weekday name to ``"HH:MM-HH:MM"`` (``None``: :data:`DEFAULT_HOURS`).
        first_year: The first year of a named calendar's holidays.
        last_year: The last year of a named calendar's holidays.

    Returns:
        The business hours.

    Raises:
        ValidationError: An unknown zone, calendar or weekday; a bad window or year range; a day
            with hours that the given calendar has as a weekend day.

    >>> hours = business_hours("America/Chicago", hours={"saturday": "09:00-12:00", **DEFAULT_HOURS})
    >>> sorted(hours.weekend), datetime.date(2026, 12, 25) in hours.holidays
    ([6], True)
    """
    week = dict(DEFAULT_HOURS) if hours is None else hours
    if isinstance(calendar, BusinessCalendar):
        base = calendar
    else:
        base = _named(_check.one_of(calendar, CALENDAR_NAMES, "$.calendar"), first_year, last_year)
    made = BusinessHours(holidays=base.holidays, zone=zone, hours=_copy(week))
    clash = sorted(base.weekend - made.weekend) if isinstance(calendar, BusinessCalendar) else []
    if clash:
        names = ", ".join(WEEKDAYS[day] for day in clash)
        message = f"the calendar has {names} off, but 'hours' opens then: give a calendar with that day open"
        raise ValidationError([Issue("$.calendar", "value", message), Issue("$.hours", "value", message)])
    return made


def _named(name: str, first_year: int, last_year: int) -> BusinessCalendar:
    """A calendar of :data:`CALENDAR_NAMES` (a helper: :func:`business_hours` takes ``calendar``)."""
    return calendar(name, first_year=first_year, last_year=last_year)


def overdue(
    deadline: datetime.date | datetime.datetime | None,
    now: datetime.datetime,
    hours: BusinessCalendar | None = None,
) -> bool:
    """Whether a deadline has passed at ``now``.

    A deadline moment (an hours deadline, :attr:`Alert.deadline_at`) has passed after that moment
    (at it, the item is due, not late); a deadline day (:attr:`Alert.deadline`) after the day is
    over, i.e. after its local midnight, in the zone of ``hours`` when it is a
    :class:`BusinessHours` (else on ``now``'s own clock). ``None`` is never overdue. The weekly
    cycle marks its report's escalations with this rule.

    Raises:
        ValidationError: ``now`` not a datetime; naive against an aware deadline moment or
            against business hours (or aware against a naive moment), naming both.

    >>> hours = business_hours("America/New_York")
    >>> late = datetime.datetime(2026, 3, 10, 2, tzinfo=datetime.timezone.utc)  # 22:00 on the 9th in New York
    >>> overdue(datetime.date(2026, 3, 9), late, hours), overdue(datetime.date(2026, 3, 9), late)
    (False, True)
    >>> overdue(late, late), overdue(late, late + datetime.timedelta(seconds=1))
    (False, True)
    """
    moment(now, "$.now")
    if hours is not None:
        _check.instance(hours, BusinessCalendar, "$.hours")
    if deadline is None:
        return False
    if isinstance(deadline, datetime.datetime):
        moment(deadline, "$.deadline")
        _check.aware_or_naive(deadline, "$.deadline", now, "$.now")
        return now > deadline
    day = _check.date(deadline, "$.deadline")
    if day == datetime.date.max:
        return False
    wall = (hours._local(now, "$.now") if isinstance(hours, BusinessHours) else now).replace(tzinfo=None)  # noqa: SLF001
    return wall > datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)


# ------------------------------------------------------------------------------- for step()
def _local_date(calendar: BusinessCalendar | None, when: datetime.datetime, path: str) -> datetime.date:
    """The date of ``when`` in the calendar's zone when it has one, else on ``when``'s own clock."""
    if isinstance(calendar, BusinessHours):
        return calendar._local(when, path).date()  # noqa: SLF001 - the module's own checked helper
    return when.date()


def check_clock(calendar: BusinessCalendar, now: datetime.datetime) -> None:
    """``step()``'s clock against its calendar: an aware ``now`` when the calendar has a zone."""
    if isinstance(calendar, BusinessHours) and now.utcoffset() is None:
        message = (
            f"'now' is naive but the calendar's business hours are in {calendar.zone!r}:"
            " give 'now' with a time zone (naive and aware times are never mixed)"
        )
        raise ValidationError(
            [Issue("$.now", "timezone", message), Issue("$.calendar.zone", "timezone", message)]
        )


def _needs_hours(calendar: BusinessCalendar, what: str) -> BusinessHours:
    if not isinstance(calendar, BusinessHours):
        _check.fail(
            "$.calendar",
            "type",
            f"{what} counts business hours: give step() a BusinessHours calendar"
            f" (a time zone and opening hours), not a {type(calendar).__name__}",
        )
    return calendar


def rung_deadline(
    calendar: BusinessCalendar,
    now: datetime.datetime,
    rung: Rung,
    *,
    cache: dict[tuple[object, ...], Any],
) -> tuple[datetime.date, datetime.datetime | None]:
    """A rung's deadline day (and moment, for hours) from ``now``, computed once per step and rung.

    Days count from ``now``'s date in the calendar's zone when it has one (else ``now.date()``).
    """
    key = ("ack", rung.ack_within, rung.ack_within_hours)
    found = cache.get(key)
    if found is None:
        if rung.ack_within_hours is not None:
            what = f"a deadline of {rung.ack_within_hours}bh at {rung.level.value}"
            hours = _needs_hours(calendar, what)
            found = hours.deadline_after(now, hours=rung.ack_within_hours)
        else:
            start = _local_date(calendar, now, "$.now")
            try:
                found = (calendar.add_business_days(start, rung.ack_within), None)
            except ValidationError:
                _check.fail(
                    "$.now",
                    "range",
                    f"the deadline {rung.ack_within} business days after {start} is after 9999-12-31",
                )
        cache[key] = found
    return found


def climb_due(
    calendar: BusinessCalendar,
    since: datetime.datetime,
    now: datetime.datetime,
    rung: Rung,
    *,
    rule: str,
    cache: dict[tuple[object, ...], Any],
) -> str | None:
    """Why an alert on ``rung`` since ``since`` climbs at ``now`` (``None``: it does not, yet).

    Computed once per step, rung and ``since`` (alerts that reached a rung together share it).
    """
    key = ("climb", since, rung.escalate_after, rung.escalate_after_hours)
    if key in cache:
        return cache[key]  # type: ignore[no-any-return]
    reason: str | None = None
    if rung.escalate_after_hours is not None:
        what = f"rule {rule!r}'s climb after {rung.escalate_after_hours}bh at {rung.level.value}"
        hours = _needs_hours(calendar, what)
        if hours.add_business_hours(since, rung.escalate_after_hours) <= now:
            reason = (
                f"not acknowledged within {rung.escalate_after_hours} business hours at {rung.level.value}"
            )
    elif rung.escalate_after is not None:
        first, last = _local_date(calendar, since, "$.since"), _local_date(calendar, now, "$.now")
        if calendar.business_days_between(first, last) >= rung.escalate_after:
            reason = f"not acknowledged within {rung.escalate_after} business days at {rung.level.value}"
    cache[key] = reason
    return reason
