from __future__ import annotations

import copy
import datetime
import hashlib
import json
import pickle
import zoneinfo

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm import serialize
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    DEFAULT_HOURS,
    MAX_DEADLINE_HOURS,
    WEEKDAYS,
    Alert,
    BusinessCalendar,
    BusinessHours,
    EventKind,
    FactKind,
    Level,
    Owner,
    Rule,
    RuleFile,
    RuleSet,
    Rung,
    State,
    acknowledge,
    business_hours,
    calendar,
    overdue,
    step,
)

NY = zoneinfo.ZoneInfo("America/New_York")
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")
UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)


def at(
    zone: zoneinfo.ZoneInfo, year: int, month: int, day: int, *time: int, fold: int = 0
) -> datetime.datetime:
    hour, minute, second, micro = (*time, 0, 0, 0, 0)[:4]
    return datetime.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone, fold=fold)


def brute_open(hours: BusinessHours, instant: datetime.datetime) -> bool:
    """Whether the office is open during the minute starting at ``instant``, read off the wall clock."""
    local = instant.astimezone(zoneinfo.ZoneInfo(hours.zone))
    window = hours.hours.get(WEEKDAYS[local.weekday()])
    if window is None or local.date() in hours.holidays:
        return False
    opens, closes = window.split("-")
    wall = local.hour * 60 + local.minute
    to_minutes = [int(part) for part in (*opens.split(":"), *closes.split(":"))]
    return to_minutes[0] * 60 + to_minutes[1] <= wall < to_minutes[2] * 60 + to_minutes[3]


def brute_add(hours: BusinessHours, start: datetime.datetime, amount: int) -> datetime.datetime:
    """The first moment with ``amount`` business hours since ``start``, walking minute by minute in UTC."""
    instant, counted = start.astimezone(UTC), 0
    while counted < amount * 60:
        if brute_open(hours, instant):
            counted += 1
        instant += MINUTE
    return instant


def brute_between(hours: BusinessHours, start: datetime.datetime, end: datetime.datetime) -> int:
    instant, counted = start.astimezone(UTC), 0
    while instant < end:
        counted += brute_open(hours, instant)
        instant += MINUTE
    return counted


WEEKS = business_hours("America/New_York", first_year=2025, last_year=2027)
SUNDAY_NIGHTS = business_hours(
    "America/New_York", calendar="weekends", hours={**DEFAULT_HOURS, "sunday": "01:00-05:00"}
)
INDIA = business_hours("Asia/Kolkata", calendar="weekends", hours=dict.fromkeys(WEEKDAYS[:6], "09:30-18:00"))
LONDON = business_hours("Europe/London", calendar="weekends", hours=dict.fromkeys(WEEKDAYS, "00:30-02:30"))


class TestModel:
    def test_defaults(self) -> None:
        """The default week is Monday to Friday 08:00-17:00; the weekend is the days without hours."""
        hours = BusinessHours(zone="America/New_York")
        assert hours.hours == dict(DEFAULT_HOURS)
        assert hours.weekend == frozenset({5, 6})
        assert hours.weekmask == "1111100"
        assert hours.holidays == frozenset()
        assert isinstance(hours, BusinessCalendar)

    def test_named_calendar_supplies_holidays(self) -> None:
        """The us_federal calendar's observed holidays are closed all day."""
        hours = business_hours("America/New_York")
        assert hours.holidays == calendar("us_federal").holidays
        assert not hours.is_open(at(NY, 2026, 11, 26, 10))  # Thanksgiving
        assert hours.is_open(at(NY, 2026, 11, 25, 10))

    def test_unknown_zone_suggests(self) -> None:
        """An unknown zone is refused with a did-you-mean."""
        with pytest.raises(ValidationError) as caught:
            BusinessHours(zone="America/New_Yrok")
        assert caught.value.issues[0].path == "$.zone"
        assert "did you mean 'America/New_York'?" in str(caught.value)

    @pytest.mark.parametrize("zone", ["localtime", "Factory", "", "../etc/passwd", 3])
    def test_machine_dependent_or_odd_zones_refused(self, zone: object) -> None:
        """``localtime`` (the machine's own zone) and anything not an IANA name are refused."""
        with pytest.raises(ValidationError) as caught:
            BusinessHours(zone=zone)  # type: ignore[arg-type]
        assert caught.value.issues[0].path == "$.zone"

    def test_unknown_weekday_suggests(self) -> None:
        """A weekday name that is not one is refused with a did-you-mean."""
        with pytest.raises(ValidationError) as caught:
            BusinessHours(zone="UTC", hours={"Monday": "08:00-17:00"})
        assert "did you mean 'monday'?" in str(caught.value)

    @pytest.mark.parametrize(
        ("window", "code"),
        [
            ("8:00-17:00", "format"),
            ("08:00-17:00 ", "format"),
            ("24:00-24:00", "range"),
            ("08:60-17:00", "range"),
            ("08:00-24:01", "range"),
            ("08:00-25:00", "range"),
            ("17:00-08:00", "range"),
            ("08:00-08:00", "range"),
            (800, "format"),
        ],
    )
    def test_bad_windows(self, window: object, code: str) -> None:
        """A window that is not HH:MM-HH:MM from 00:00 to 24:00, closing after it opens, is refused."""
        with pytest.raises(ValidationError) as caught:
            BusinessHours(zone="UTC", hours={"monday": window})
        assert caught.value.issues[0].path == "$.hours.monday"
        assert caught.value.issues[0].code == code

    def test_window_edges_accepted(self) -> None:
        """00:00 opens and 24:00 closes (midnight); a one-minute window is a window."""
        hours = BusinessHours(zone="UTC", hours={"monday": "00:00-24:00", "tuesday": "23:59-24:00"})
        assert hours.closing(datetime.date(2026, 3, 2)).isoformat() == "2026-03-03T00:00:00+00:00"
        assert hours.closing(datetime.date(2026, 3, 3)).isoformat() == "2026-03-04T00:00:00+00:00"

    def test_no_open_day_refused(self) -> None:
        """Hours that never open are refused."""
        with pytest.raises(ValidationError, match="at least one weekday"):
            BusinessHours(zone="UTC", hours={})

    def test_calendar_weekend_clash(self) -> None:
        """A given calendar that has a day off on which the hours open is refused, naming both."""
        with pytest.raises(ValidationError) as caught:
            business_hours("UTC", calendar=BusinessCalendar(), hours={"saturday": "09:00-12:00"})
        assert [i.path for i in caught.value.issues] == ["$.calendar", "$.hours"]
        assert "saturday off" in str(caught.value)
        fine = business_hours(
            "UTC", calendar=BusinessCalendar(weekend={6}), hours={"saturday": "09:00-12:00"}
        )
        assert fine.weekend == frozenset({0, 1, 2, 3, 4, 6})

    def test_unknown_calendar_name(self) -> None:
        """A calendar name that is not one is refused with a did-you-mean."""
        with pytest.raises(ValidationError, match="did you mean 'us_federal'"):
            business_hours("UTC", calendar="us-federal")

    def test_round_trip(self) -> None:
        """Business hours travel as JSON (zone, hours, holidays) and come back equal."""
        text = serialize.to_json(WEEKS)
        assert '"zone": "America/New_York"' in text
        assert "weekend" not in text
        back = serialize.from_json(text, BusinessHours)
        assert back == WEEKS
        assert back.weekmask == WEEKS.weekmask

    def test_hours_copied(self) -> None:
        """Changing the mapping given afterwards does not change the model."""
        given_hours = {"monday": "08:00-17:00"}
        hours = BusinessHours(zone="UTC", hours=given_hours)
        given_hours["tuesday"] = "08:00-17:00"
        assert hours.hours == {"monday": "08:00-17:00"}

    def test_repr(self) -> None:
        """The repr shows the zone and the hours, not the private caches."""
        text = repr(BusinessHours(zone="UTC", hours={"monday": "08:00-17:00"}))
        assert text == (
            "BusinessHours(holidays=frozenset(), zone='UTC', hours={'monday': '08:00-17:00'},"
            " weekend=frozenset({1, 2, 3, 4, 5, 6}))"
        )


class TestArithmetic:
    def test_friday_afternoon_to_monday(self) -> None:
        """4 business hours from Friday 16:00 is Monday 11:00 local."""
        assert WEEKS.add_business_hours(at(NY, 2026, 2, 27, 16), 4) == at(NY, 2026, 3, 2, 11)

    def test_outside_hours_starts_at_next_opening(self) -> None:
        """A moment before opening, after closing or on a weekend starts at the next opening."""
        assert WEEKS.add_business_hours(at(NY, 2026, 3, 3, 6), 1) == at(NY, 2026, 3, 3, 9)
        assert WEEKS.add_business_hours(at(NY, 2026, 3, 3, 17), 1) == at(NY, 2026, 3, 4, 9)
        assert WEEKS.add_business_hours(at(NY, 2026, 3, 1, 12), 1) == at(NY, 2026, 3, 2, 9)

    def test_exact_fit_is_the_closing_time(self) -> None:
        """Hours that use up a window end at its closing time, not the next opening."""
        assert WEEKS.add_business_hours(at(NY, 2026, 3, 3, 8), 9) == at(NY, 2026, 3, 3, 17)
        assert WEEKS.add_business_hours(at(NY, 2026, 3, 3, 8), 10) == at(NY, 2026, 3, 4, 9)

    def test_zero_hours_is_the_start(self) -> None:
        """Zero hours gives the start itself, open or not."""
        start = at(NY, 2026, 3, 1, 12)
        assert WEEKS.add_business_hours(start, 0) == start

    def test_spring_forward_week(self) -> None:
        """Friday 16:00 EST plus 4 business hours is Monday 11:00 EDT: 66 hours later, not 67."""
        start = at(NY, 2026, 3, 6, 16)
        due = WEEKS.add_business_hours(start, 4)
        assert due.isoformat() == "2026-03-09T11:00:00-04:00"
        assert due.astimezone(UTC) - start.astimezone(UTC) == datetime.timedelta(hours=66)

    def test_fall_back_week(self) -> None:
        """Friday 16:00 EDT plus 4 business hours is Monday 11:00 EST: 68 hours later."""
        start = at(NY, 2026, 10, 30, 16)
        due = WEEKS.add_business_hours(start, 4)
        assert due.isoformat() == "2026-11-02T11:00:00-05:00"
        assert due.astimezone(UTC) - start.astimezone(UTC) == datetime.timedelta(hours=68)

    def test_windows_across_the_changes(self) -> None:
        """A 01:00-05:00 window lasts 3 hours on the spring-forward night and 5 on the fall-back night."""
        spring, fall = datetime.date(2026, 3, 8), datetime.date(2026, 11, 1)
        day = datetime.timedelta(days=1)
        assert SUNDAY_NIGHTS.business_time(at(NY, 2026, 3, 8), at(NY, 2026, 3, 9)) == datetime.timedelta(
            hours=3
        )
        assert SUNDAY_NIGHTS.business_time(at(NY, 2026, 11, 1), at(NY, 2026, 11, 2)) == datetime.timedelta(
            hours=5
        )
        assert SUNDAY_NIGHTS.closing(spring).isoformat() == "2026-03-08T05:00:00-04:00"
        assert SUNDAY_NIGHTS.closing(fall).isoformat() == "2026-11-01T05:00:00-05:00"
        assert SUNDAY_NIGHTS.add_business_hours(at(NY, 2026, 11, 1, 1, 30), 1) == at(
            NY, 2026, 11, 1, 1, 30, fold=1
        )
        assert SUNDAY_NIGHTS.closing(spring + day).isoformat() == "2026-03-09T17:00:00-04:00"

    def test_kolkata_has_no_changes(self) -> None:
        """A zone without daylight saving: every window is its nominal length, all year."""
        assert INDIA.add_business_hours(at(KOLKATA, 2026, 3, 7, 17), 4) == at(KOLKATA, 2026, 3, 9, 12, 30)
        utc_start = datetime.datetime(2026, 3, 7, 11, 30, tzinfo=UTC)  # 17:00 in Kolkata
        assert INDIA.add_business_hours(utc_start, 4).isoformat() == "2026-03-09T12:30:00+05:30"
        assert INDIA.business_time(at(KOLKATA, 2026, 3, 2), at(KOLKATA, 2026, 3, 9)) == datetime.timedelta(
            hours=51
        )

    def test_holidays_skipped(self) -> None:
        """Thanksgiving is skipped: Wednesday 16:00 plus 2 hours is Friday 09:00."""
        assert WEEKS.add_business_hours(at(NY, 2026, 11, 25, 16), 2) == at(NY, 2026, 11, 27, 9)

    def test_between_reversed_and_equal(self) -> None:
        """Reversed spans count negative; an empty span is zero."""
        a, b = at(NY, 2026, 3, 6, 16), at(NY, 2026, 3, 9, 11)
        assert WEEKS.business_time(b, a) == -datetime.timedelta(hours=4)
        assert WEEKS.business_time(a, a) == datetime.timedelta(0)

    def test_results_are_in_the_zone(self) -> None:
        """A UTC start gives a deadline in the business hours' zone."""
        due = WEEKS.add_business_hours(datetime.datetime(2026, 3, 2, 14, tzinfo=UTC), 1)
        assert due.tzinfo == NY
        assert due.isoformat() == "2026-03-02T10:00:00-05:00"

    def test_microseconds_kept(self) -> None:
        """A start with microseconds keeps them."""
        start = at(NY, 2026, 3, 2, 9, 0, 0, 250)
        assert WEEKS.add_business_hours(start, 1) == at(NY, 2026, 3, 2, 10, 0, 0, 250)

    def test_hours_bounds(self) -> None:
        """Hours from 0 to MAX_DEADLINE_HOURS; fewer or more, or not whole, are refused."""
        start = at(NY, 2026, 3, 2, 9)
        assert WEEKS.add_business_hours(start, MAX_DEADLINE_HOURS) > start
        for bad in (-1, MAX_DEADLINE_HOURS + 1, 1.5, "4", True):
            with pytest.raises(ValidationError) as caught:
                WEEKS.add_business_hours(start, bad)  # type: ignore[arg-type]
            assert caught.value.issues[0].path == "$.hours"

    def test_past_9999_refused(self) -> None:
        """A deadline after the last representable day is a ValidationError, not an OverflowError."""
        hours = BusinessHours(zone="UTC")
        with pytest.raises(ValidationError, match="after 9999"):
            hours.add_business_hours(datetime.datetime(9999, 12, 1, 9, tzinfo=UTC), 500)

    def test_span_bound(self) -> None:
        """A business-time span longer than 200 years is refused at both ends."""
        with pytest.raises(ValidationError) as caught:
            WEEKS.business_time(
                datetime.datetime(1901, 1, 1, tzinfo=UTC), datetime.datetime(2102, 1, 1, tzinfo=UTC)
            )
        assert [i.path for i in caught.value.issues] == ["$.start", "$.end"]

    def test_naive_refused_naming_both(self) -> None:
        """A naive moment with zone-bearing hours names the moment and the zone."""
        for call in (
            lambda: WEEKS.add_business_hours(datetime.datetime(2026, 3, 2, 9), 1),  # noqa: DTZ001
            lambda: WEEKS.is_open(datetime.datetime(2026, 3, 2, 9)),  # noqa: DTZ001
        ):
            with pytest.raises(ValidationError) as caught:
                call()
            assert [i.path for i in caught.value.issues][1] == "$.zone"
            assert "naive but the business hours are in 'America/New_York'" in str(caught.value)

    def test_years_outside_1900_to_9999_refused(self) -> None:
        """Moments before 1900 or in 9999's last days are refused, not an OverflowError."""
        for when in (
            datetime.datetime(1899, 12, 31, tzinfo=UTC),
            datetime.datetime(9999, 12, 31, tzinfo=UTC),
        ):
            with pytest.raises(ValidationError, match="from 1900 to 9999"):
                WEEKS.local(when)
        with pytest.raises(ValidationError):
            WEEKS.closing(datetime.date(1, 1, 1))
        assert WEEKS.local(datetime.datetime(1900, 1, 2, 12, tzinfo=UTC)).year == 1900

    def test_closing_on_a_closed_day(self) -> None:
        """There is no closing time on a weekend day or a holiday."""
        with pytest.raises(ValidationError, match="closed on 2026-11-26"):
            WEEKS.closing(datetime.date(2026, 11, 26))
        with pytest.raises(ValidationError, match="closed on 2026-03-07"):
            WEEKS.closing(datetime.date(2026, 3, 7))


def utc_minutes(first: datetime.date, last: datetime.date) -> st.SearchStrategy[datetime.datetime]:
    """Whole UTC minutes from ``first`` to ``last``."""
    low = datetime.datetime.combine(first, datetime.time())
    high = datetime.datetime.combine(last, datetime.time())
    return st.datetimes(min_value=low, max_value=high).map(
        lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
    )


ZONES = st.sampled_from([WEEKS, SUNDAY_NIGHTS, INDIA, LONDON])


class TestAgainstBruteForce:
    """Business-hour arithmetic against a minute-by-minute walk over UTC read through zoneinfo."""

    @settings(max_examples=60)
    @given(
        hours=ZONES,
        start=utc_minutes(datetime.date(2026, 2, 26), datetime.date(2026, 4, 2)),
        amount=st.integers(min_value=0, max_value=20),
        autumn=st.booleans(),
    )
    def test_add_matches_walk(
        self, hours: BusinessHours, start: datetime.datetime, amount: int, autumn: bool
    ) -> None:
        """add_business_hours is the first minute by which the walk has counted the hours."""
        if autumn:  # the fall-back weeks (Europe changes on 2026-10-25, New York on 2026-11-01)
            start += datetime.timedelta(days=230)
        assert hours.add_business_hours(start, amount) == brute_add(hours, start, amount)

    @settings(max_examples=60)
    @given(
        hours=ZONES,
        start=utc_minutes(datetime.date(2026, 10, 22), datetime.date(2026, 11, 4)),
        minutes=st.integers(min_value=0, max_value=6 * 24 * 60),
    )
    def test_between_matches_walk(self, hours: BusinessHours, start: datetime.datetime, minutes: int) -> None:
        """business_time counts the open minutes the walk counts (and is_open agrees minute by minute)."""
        end = start + datetime.timedelta(minutes=minutes)
        assert hours.business_time(start, end) == datetime.timedelta(minutes=brute_between(hours, start, end))
        assert hours.is_open(end) == brute_open(hours, end)


class TestDeadlineAfterAndOverdue:
    def test_days_count_from_the_local_date(self) -> None:
        """A day deadline counts from the date in the zone (22:00 Monday in New York is 02:00 Tuesday UTC)."""
        now = datetime.datetime(2026, 3, 10, 2, tzinfo=UTC)
        assert WEEKS.deadline_after(now, days=1) == (datetime.date(2026, 3, 10), None)
        assert WEEKS.deadline_after(now, days=0) == (datetime.date(2026, 3, 9), None)

    def test_hours_give_day_and_moment(self) -> None:
        """An hours deadline gives its local day and its moment."""
        day, moment = WEEKS.deadline_after(at(NY, 2026, 3, 6, 16), hours=4)
        assert (day, moment) == (datetime.date(2026, 3, 9), at(NY, 2026, 3, 9, 11))

    def test_needs_exactly_one(self) -> None:
        """Neither or both of days and hours is refused."""
        for options in ({}, {"days": 1, "hours": 1}):
            with pytest.raises(ValidationError, match="either 'days' or 'hours'"):
                WEEKS.deadline_after(at(NY, 2026, 3, 6, 16), **options)

    def test_overdue_moment_edges(self) -> None:
        """A deadline moment is overdue after that moment (at it, it is due), not at it or before."""
        due = at(NY, 2026, 3, 9, 11)
        assert not overdue(due, due)
        assert overdue(due, due + datetime.timedelta(microseconds=1))
        assert not overdue(due, due - datetime.timedelta(microseconds=1))
        assert not overdue(due, datetime.datetime(2026, 3, 9, 15, tzinfo=UTC))  # the same moment in UTC

    def test_overdue_day_in_the_zone(self) -> None:
        """A deadline day is overdue once it is over in the zone, not on the UTC clock."""
        day = datetime.date(2026, 3, 9)
        assert not overdue(day, datetime.datetime(2026, 3, 10, 3, 59, tzinfo=UTC), WEEKS)
        assert not overdue(day, datetime.datetime(2026, 3, 10, 4, 0, tzinfo=UTC), WEEKS)  # midnight: due
        assert overdue(day, datetime.datetime(2026, 3, 10, 4, 0, 1, tzinfo=UTC), WEEKS)
        assert not overdue(day, datetime.datetime(2026, 3, 10, 0, 0), BusinessCalendar())  # noqa: DTZ001
        assert overdue(day, datetime.datetime(2026, 3, 10, 0, 1), BusinessCalendar())  # noqa: DTZ001
        assert not overdue(datetime.date.max, datetime.datetime(9999, 12, 31, 23, 59))  # noqa: DTZ001
        assert not overdue(day, datetime.datetime(2026, 3, 9, 23, 59))  # noqa: DTZ001
        assert not overdue(None, datetime.datetime(2026, 3, 9, 23, 59))  # noqa: DTZ001

    def test_overdue_refuses_a_mix(self) -> None:
        """A naive now against an aware moment, or against business hours, is refused naming both."""
        with pytest.raises(ValidationError) as caught:
            overdue(at(NY, 2026, 3, 9, 11), datetime.datetime(2026, 3, 9, 12))  # noqa: DTZ001
        assert [i.path for i in caught.value.issues] == ["$.deadline", "$.now"]
        with pytest.raises(ValidationError) as caught:
            overdue(datetime.date(2026, 3, 9), datetime.datetime(2026, 3, 9, 12), WEEKS)  # noqa: DTZ001
        assert [i.path for i in caught.value.issues] == ["$.now", "$.zone"]


def hours_rule(**fields: object) -> Rule:
    options: dict[str, object] = {
        "id": "big_write_off",
        "when": "balance > 5000",
        "applies_to": FactKind.QUEUE_ITEM,
        "level": Level.ONSHORE_LEAD,
        "owner": Owner.party("lead_anna"),
        "dedup_keys": ("item_id",),
        "deadline_hours": 4,
    }
    options.update(fields)
    return Rule(**options)  # type: ignore[arg-type]


FACTS = {"item_id": ["Q-1"], "balance": [7500.0]}


class TestStep:
    def test_hours_deadline_in_the_zone(self) -> None:
        """A rule with a 4bh deadline firing Friday 16:00 is due Monday 11:00 local, shown with its offset."""
        _, events = step([hours_rule()], State(), FACTS, at(NY, 2026, 3, 6, 16), WEEKS)
        (event,) = events
        assert event.deadline == datetime.date(2026, 3, 9)
        assert event.deadline_at == at(NY, 2026, 3, 9, 11)
        assert " by 2026-03-09T11:00-04:00: " in str(event)

    def test_now_in_utc_gives_the_same_deadline(self) -> None:
        """The same moment given in UTC gives the same deadline, in the zone."""
        now = datetime.datetime(2026, 3, 6, 21, tzinfo=UTC)
        state, _ = step([hours_rule()], State(), FACTS, now, WEEKS)
        (alert,) = state.alerts.values()
        assert alert.deadline_at is not None
        assert alert.deadline_at.isoformat() == "2026-03-09T11:00:00-04:00"

    def test_day_deadline_from_the_local_date(self) -> None:
        """A day deadline counts from the date in the zone: 02:00 UTC Tuesday is Monday in New York."""
        rule = hours_rule(deadline_hours=None, deadline=1)
        now = datetime.datetime(2026, 3, 10, 2, tzinfo=UTC)
        _, events = step([rule], State(), FACTS, now, WEEKS)
        assert events[0].deadline == datetime.date(2026, 3, 10)
        assert events[0].deadline_at is None
        assert " by 2026-03-10: " in str(events[0])
        plain, _ = step([rule], State(), FACTS, now, BusinessCalendar())
        assert next(iter(plain.alerts.values())).deadline == datetime.date(2026, 3, 11)

    def test_naive_now_with_hours_refused(self) -> None:
        """A naive now with a zone-bearing calendar is refused, naming both."""
        with pytest.raises(ValidationError) as caught:
            step([hours_rule()], State(), FACTS, datetime.datetime(2026, 3, 6, 16), WEEKS)  # noqa: DTZ001
        assert [i.path for i in caught.value.issues] == ["$.now", "$.calendar.zone"]
        assert "'America/New_York'" in str(caught.value)

    def test_hours_without_business_hours_refused(self) -> None:
        """A deadline in hours with a calendar that has no zone is refused, not read as days."""
        with pytest.raises(ValidationError) as caught:
            step([hours_rule()], State(), FACTS, at(NY, 2026, 3, 6, 16), BusinessCalendar())
        assert caught.value.issues[0].path == "$.calendar"
        assert "a deadline of 4bh at onshore_lead counts business hours" in str(caught.value)

    def test_climb_after_business_hours(self) -> None:
        """A rung climbs once its business hours have passed: not a minute before, at the minute exactly."""
        rule = hours_rule(
            escalate_after_hours=2,
            ladder=(Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.party("cfo"), ack_within_hours=1),),
        )
        state, _ = step([rule], State(), FACTS, at(NY, 2026, 3, 6, 16), WEEKS)
        early, events = step([rule], state, FACTS, at(NY, 2026, 3, 9, 8, 59), WEEKS)
        assert events == ()
        _, events = step([rule], early, FACTS, at(NY, 2026, 3, 9, 9), WEEKS)
        (event,) = events
        assert event.kind is EventKind.ESCALATED
        assert event.owner == "cfo"
        assert event.deadline_at == at(NY, 2026, 3, 9, 10)
        assert "not acknowledged within 2 business hours at onshore_lead" in event.reason

    def test_climb_hours_needs_business_hours(self) -> None:
        """A climb delay in hours with a plain calendar is refused at the climb."""
        rule = hours_rule(
            deadline_hours=None,
            escalate_after_hours=2,
            ladder=(Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.party("cfo")),),
        )
        now = at(NY, 2026, 3, 6, 16)
        state, _ = step([rule], State(), FACTS, now, BusinessCalendar())
        with pytest.raises(ValidationError, match="climb after 2bh at onshore_lead counts business hours"):
            step([rule], state, FACTS, now + datetime.timedelta(days=3), BusinessCalendar())

    def test_climb_days_in_the_zone(self) -> None:
        """A climb in business days counts the local dates: 23:00 Monday in New York is still Monday."""
        rule = hours_rule(
            deadline_hours=None,
            escalate_after=1,
            ladder=(Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.party("cfo")),),
        )
        state, _ = step([rule], State(), FACTS, at(NY, 2026, 3, 9, 10), WEEKS)
        _, events = step([rule], state, FACTS, datetime.datetime(2026, 3, 10, 3, 59, tzinfo=UTC), WEEKS)
        assert events == ()
        _, events = step([rule], state, FACTS, datetime.datetime(2026, 3, 10, 4, 0, tzinfo=UTC), WEEKS)
        assert [e.kind for e in events] == [EventKind.ESCALATED]

    def test_acknowledge_keeps_the_moment(self) -> None:
        """An acknowledgement event carries the deadline's moment."""
        state, _ = step([hours_rule()], State(), FACTS, at(NY, 2026, 3, 6, 16), WEEKS)
        key = next(iter(state.alerts))
        _, (event,) = acknowledge(state, key, actor="lead_anna", at=at(NY, 2026, 3, 9, 9))
        assert event.deadline_at == at(NY, 2026, 3, 9, 11)

    def test_state_round_trip_and_mix_refused(self) -> None:
        """A state with deadline moments travels as JSON; naive times with an aware deadline are refused."""
        state, _ = step([hours_rule()], State(), FACTS, at(NY, 2026, 3, 6, 16), WEEKS)
        back = serialize.from_json(serialize.to_json(state), State)
        assert back == state
        alert = next(iter(state.alerts.values()))
        naive = datetime.datetime(2026, 3, 6, 16)  # noqa: DTZ001
        with pytest.raises(ValidationError) as caught:
            Alert(
                **{
                    **attrs.asdict(alert, recurse=False),
                    "since": naive,
                    "active_since": naive,
                    "rung_since": naive,
                }
            )
        assert "$.deadline_at" in [i.path for i in caught.value.issues]


class TestRuleFields:
    def test_days_and_hours_together_refused(self) -> None:
        """A deadline in days (other than the default) and in hours is refused, naming both."""
        with pytest.raises(ValidationError) as caught:
            hours_rule(deadline=3)
        assert [i.path for i in caught.value.issues] == ["$.deadline", "$.deadline_hours"]
        with pytest.raises(ValidationError) as caught:
            hours_rule(escalate_after=1, escalate_after_hours=8)
        assert [i.path for i in caught.value.issues] == ["$.escalate_after", "$.escalate_after_hours"]
        with pytest.raises(ValidationError) as caught:
            Rung(level=Level.ONSHORE_LEAD, owner=Owner.party("x"), ack_within=0, ack_within_hours=4)
        assert [i.path for i in caught.value.issues] == ["$.ack_within", "$.ack_within_hours"]

    def test_hours_bounds(self) -> None:
        """Deadline hours from 0, climb hours from 1, both at most MAX_DEADLINE_HOURS."""
        assert hours_rule(deadline_hours=0).rungs[0].ack_within_hours == 0
        big = hours_rule(deadline_hours=MAX_DEADLINE_HOURS, escalate_after_hours=MAX_DEADLINE_HOURS)
        assert big.rungs[0].escalate_after_hours == MAX_DEADLINE_HOURS
        for fields in (
            {"deadline_hours": -1},
            {"deadline_hours": MAX_DEADLINE_HOURS + 1},
            {"escalate_after_hours": 0},
            {"escalate_after_hours": MAX_DEADLINE_HOURS + 1},
        ):
            with pytest.raises(ValidationError):
                hours_rule(**fields)

    def test_hash_unchanged_without_hours(self) -> None:
        """Rules that give no hours keep the content hash they had before hours existed."""
        rule = hours_rule(
            deadline_hours=None, ladder=(Rung(level=Level.ONSHORE_LEAD, owner=Owner.party("x")),)
        )
        data = serialize.to_dict(rule)
        for name in ("deadline_hours", "escalate_after_hours", "labels", "annotations", "amount"):
            del data[name]
        for name in ("ack_within_hours", "escalate_after_hours"):
            del data["ladder"][0][name]
        for name in ("pending_for", "keep_firing_for"):
            for part in ("minutes", "seconds"):
                del data[name][part]
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        assert rule.content_hash() == hashlib.sha256(text.encode()).hexdigest()[:16]
        assert hours_rule().content_hash() != hours_rule(deadline_hours=5).content_hash()

    def test_rule_file_business_hours(self) -> None:
        """A rule file's deadline label reads '4bh' as hours and writes it back."""
        doc = {
            "groups": [
                {
                    "name": "g",
                    "rules": [
                        {
                            "alert": "big",
                            "expr": "balance > 5000",
                            "labels": {
                                "level": "onshore_lead",
                                "owner": "party:lead",
                                "applies_to": "claim",
                                "deadline": "4bh",
                            },
                        }
                    ],
                }
            ]
        }
        file = RuleFile.from_dict(doc)
        assert file.rule_set.rules[0].deadline_hours == 4
        assert file.rule_set.rules[0].deadline == 2
        assert file.to_dict()["groups"][0]["rules"][0]["labels"]["deadline"] == "4bh"
        assert RuleFile.from_dict(file.to_dict()) == file

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (
                "4h",
                (
                    "'deadline' counts business days, like '3bd' (got '4h');"
                    " business hours are written like '4bh'"
                ),
            ),
            ("10001bh", "'deadline' must be at most 10000bh (got '10001bh')"),
        ],
    )
    def test_rule_file_bad_hours(self, value: str, message: str) -> None:
        """A clock duration or too many business hours in the deadline label is refused with a hint."""
        labels = {"level": "onshore_lead", "owner": "party:lead", "applies_to": "claim", "deadline": value}
        doc = {
            "groups": [{"name": "g", "rules": [{"alert": "big", "expr": "balance > 1", "labels": labels}]}]
        }
        with pytest.raises(ValidationError) as caught:
            RuleFile.from_dict(doc)
        assert caught.value.issues[0].path == "$.groups[0].rules[0].labels.deadline"
        assert caught.value.issues[0].message == message

    def test_escalate_after_hours_not_writable(self) -> None:
        """A climb delay in hours has no place in a rule file: refused when writing, not dropped."""
        with pytest.raises(ValidationError, match="'escalate_after_hours' has no place"):
            RuleFile.from_rule_set(RuleSet(rules=[hours_rule(escalate_after_hours=3)]))


class TestCalendarObjects:
    def test_pickle_and_copy(self) -> None:
        """Calendars and business hours pickle and copy after use (their numpy cache is rebuilt)."""
        for cal in (calendar("us_federal"), WEEKS):
            cal.add_business_days(datetime.date(2026, 7, 2), 1)
            for other in (copy.deepcopy(cal), copy.copy(cal), pickle.loads(pickle.dumps(cal))):  # noqa: S301
                assert other == cal
                assert other.add_business_days(datetime.date(2026, 7, 2), 1) == datetime.date(2026, 7, 6)
        back = pickle.loads(pickle.dumps(WEEKS))  # noqa: S301
        assert back.add_business_hours(at(NY, 2026, 3, 6, 16), 4) == at(NY, 2026, 3, 9, 11)

    def test_hashable(self) -> None:
        """Equal business hours hash alike; different hours differ."""
        same = business_hours("America/New_York", first_year=2025, last_year=2027)
        assert hash(same) == hash(WEEKS)
        assert {WEEKS: 1}[same] == 1
        assert business_hours("America/Chicago", first_year=2025, last_year=2027) != WEEKS

    def test_holiday_array_is_a_copy(self) -> None:
        """Changing the returned holiday array does not change the calendar's counting."""
        cal = calendar("us_federal")
        days = cal.holiday_array
        days[:] = np.datetime64("2000-01-01")
        assert cal.add_business_days(datetime.date(2026, 7, 2), 1) == datetime.date(2026, 7, 6)
        assert cal.holiday_array[0] == np.datetime64("2000-01-17")  # Birthday of Martin Luther King, Jr.

    def test_rules_count_business_days_with_hours(self) -> None:
        """A condition's business_days_between uses the hours' holidays and weekend."""
        rule = hours_rule(when="business_days_between(opened, today) >= 2", deadline_hours=None)
        facts = {"item_id": ["Q-1", "Q-2"], "opened": [datetime.date(2026, 7, 1), datetime.date(2026, 7, 2)]}
        state, events = step([rule], State(), facts, at(NY, 2026, 7, 6, 10), WEEKS)
        assert [e.labels["item_id"] for e in events] == ["Q-1"]  # July 3 is a holiday: Q-2 has 1
        assert len(state.alerts) == 1
