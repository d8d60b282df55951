from __future__ import annotations

import datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    CALENDAR_NAMES,
    FIRST_YEAR,
    LAST_YEAR,
    US_FEDERAL_HOLIDAYS,
    BusinessCalendar,
    HolidayRule,
    Observance,
    calendar,
    custom_calendar,
    federal_holidays,
    holidays_from_rules,
)

D = datetime.date


def table(year: int) -> dict[str, D | None]:
    return {rule.name: rule.observed(year) for rule in US_FEDERAL_HOLIDAYS}


# OPM's published tables, as quoted. Sources:
# 2008: opm.gov/Operating_Status_Schedules/fedhol/2008.asp (archived by UNT, 2008-09-16).
# 2012: FedSmith, "2012 Paid Federal Holidays" (2012-01-02), the list "as provided by OPM".
# 2021: OPM guidance on the new Juneteenth holiday (Friday, June 18; FedAgent, June 2021);
#       Christmas on a Saturday observed Friday, December 24, and New Year's Day 2022 observed
#       Friday, December 31, 2021 (Federal Times, 2021-12-28, citing OPM).
# 2022: OPM's list as quoted by USA TODAY (December 2021): New Year's Day Dec. 31 (2021), Jan. 17,
#       Feb. 21, May 30, June 20, July 4, Sept. 5, Oct. 10, Nov. 11, Nov. 24, Dec. 26.
# 2023: OPM's 2023 table with its footnotes (5 U.S.C. 6103(b), E.O. 11582), as reproduced on
#       j4neiros.us: Jan 02*, Jan 16, Feb 20, May 29, Jun 19, Jul 04, Sep 04, Oct 09, Nov 10*, Nov 23,
#       Dec 25.
# 2026: Independence Day observed Friday, July 3 (OPM rule; FederalPay via newslocker, 2026-06-30);
#       the rest agrees with published 2026 observance lists (Jan 1, Jan 19, Feb 16, May 25, Jun 19,
#       Jul 3, Sep 7, Oct 12, Nov 11, Nov 26, Dec 25).
# 2027: no OPM table was available to check; 2027 has 2021's calendar (a Friday January 1, not a
#       leap year), so its days are 2021's, plus December 31 for New Year's Day 2028 (a Saturday).
OPM_2008 = [D(2008, 1, 1), D(2008, 1, 21), D(2008, 2, 18), D(2008, 5, 26), D(2008, 7, 4), D(2008, 9, 1),
            D(2008, 10, 13), D(2008, 11, 11), D(2008, 11, 27), D(2008, 12, 25)]  # fmt: skip
OPM_2012 = [D(2012, 1, 2), D(2012, 1, 16), D(2012, 2, 20), D(2012, 5, 28), D(2012, 7, 4), D(2012, 9, 3),
            D(2012, 10, 8), D(2012, 11, 12), D(2012, 11, 22), D(2012, 12, 25)]  # fmt: skip
OPM_2021 = [D(2021, 1, 1), D(2021, 1, 18), D(2021, 2, 15), D(2021, 5, 31), D(2021, 6, 18), D(2021, 7, 5),
            D(2021, 9, 6), D(2021, 10, 11), D(2021, 11, 11), D(2021, 11, 25), D(2021, 12, 24),
            D(2021, 12, 31)]  # fmt: skip
OPM_2022 = [D(2022, 1, 17), D(2022, 2, 21), D(2022, 5, 30), D(2022, 6, 20), D(2022, 7, 4), D(2022, 9, 5),
            D(2022, 10, 10), D(2022, 11, 11), D(2022, 11, 24), D(2022, 12, 26)]  # fmt: skip
OPM_2023 = [D(2023, 1, 2), D(2023, 1, 16), D(2023, 2, 20), D(2023, 5, 29), D(2023, 6, 19), D(2023, 7, 4),
            D(2023, 9, 4), D(2023, 10, 9), D(2023, 11, 10), D(2023, 11, 23), D(2023, 12, 25)]  # fmt: skip
OPM_2026 = [D(2026, 1, 1), D(2026, 1, 19), D(2026, 2, 16), D(2026, 5, 25), D(2026, 6, 19), D(2026, 7, 3),
            D(2026, 9, 7), D(2026, 10, 12), D(2026, 11, 11), D(2026, 11, 26), D(2026, 12, 25)]  # fmt: skip
OPM_2027 = [D(2027, 1, 1), D(2027, 1, 18), D(2027, 2, 15), D(2027, 5, 31), D(2027, 6, 18), D(2027, 7, 5),
            D(2027, 9, 6), D(2027, 10, 11), D(2027, 11, 11), D(2027, 11, 25), D(2027, 12, 24),
            D(2027, 12, 31)]  # fmt: skip


class TestFederalHolidays:
    @pytest.mark.parametrize(
        ("year", "expected"),
        [
            (2008, OPM_2008),
            (2012, OPM_2012),
            (2021, OPM_2021),
            (2022, OPM_2022),
            (2023, OPM_2023),
            (2026, OPM_2026),
            (2027, OPM_2027),
        ],
    )
    def test_matches_opm_tables(self, year: int, expected: list[D]) -> None:
        """The observed days of a year are exactly OPM's table for it."""
        assert sorted(federal_holidays(year, year)) == expected

    def test_eleven_rules_named_as_the_law_names_them(self) -> None:
        """The eleven holidays carry the names of 5 U.S.C. 6103(a)."""
        assert list(table(2023)) == [
            "New Year's Day",
            "Birthday of Martin Luther King, Jr.",
            "Washington's Birthday",
            "Memorial Day",
            "Juneteenth National Independence Day",
            "Independence Day",
            "Labor Day",
            "Columbus Day",
            "Veterans Day",
            "Thanksgiving Day",
            "Christmas Day",
        ]

    def test_new_years_day_on_saturday_is_observed_the_year_before(self) -> None:
        """January 1, 2022 (a Saturday) is observed Friday, December 31, 2021, counted in 2021."""
        new_year = US_FEDERAL_HOLIDAYS[0]
        assert new_year.actual(2022) == D(2022, 1, 1)
        assert new_year.observed(2022) == D(2021, 12, 31)
        assert D(2021, 12, 31) in federal_holidays(2021, 2021)
        assert D(2021, 12, 31) not in federal_holidays(2022, 2022)
        assert len(federal_holidays(2022, 2022)) == 10
        assert federal_holidays(2021, 2022) == frozenset(OPM_2021 + OPM_2022)

    def test_sunday_holiday_is_observed_the_monday_after(self) -> None:
        """Independence Day 2021 (a Sunday) is observed Monday, July 5."""
        assert table(2021)["Independence Day"] == D(2021, 7, 5)

    def test_juneteenth_from_2021_and_king_from_1986(self) -> None:
        """Juneteenth starts in 2021 and the King holiday in 1986: ten, then eleven holidays."""
        assert table(2020)["Juneteenth National Independence Day"] is None
        assert table(1985)["Birthday of Martin Luther King, Jr."] is None
        assert table(1986)["Birthday of Martin Luther King, Jr."] == D(1986, 1, 20)
        assert len(federal_holidays(2020, 2020)) == 10
        assert len(federal_holidays(1985, 1985)) == 9

    def test_every_observed_day_is_a_weekday(self) -> None:
        """No observed holiday in 1971-2200 falls on a Saturday or a Sunday."""
        days = federal_holidays(FIRST_YEAR, LAST_YEAR)
        assert all(day.weekday() < 5 for day in days)
        assert min(days) == D(1971, 1, 1)
        assert max(days) == D(2200, 12, 25)

    def test_year_bounds(self) -> None:
        """Years outside 1971-2200, reversed ranges and non-integers are refused with the field's path."""
        with pytest.raises(ValidationError, match=r"'first_year' must be >= 1971 \(got 1970\) @ \$.first"):
            federal_holidays(1970, 2000)
        with pytest.raises(ValidationError, match=r"'last_year' must be <= 2,200 \(got 2201\) @ \$.last"):
            federal_holidays(2000, 2201)
        with pytest.raises(ValidationError, match=r"must be >= 'first_year' \(got 2020 < 2021\)"):
            federal_holidays(2021, 2020)
        with pytest.raises(ValidationError, match=r"whole number \(got True\) @ \$.first_year"):
            federal_holidays(True, 2020)  # noqa: FBT003 - the refused value
        assert federal_holidays(2023.0, np.int64(2023)) == frozenset(OPM_2023)  # type: ignore[arg-type]


class TestHolidayRule:
    def test_last_weekday_and_missing_fifth(self) -> None:
        """nth=-1 is the last such weekday; a fifth Monday a month lacks is None."""
        last_monday = HolidayRule.nth_weekday("x", month=5, weekday=0, nth=-1)
        assert last_monday.actual(2021) == D(2021, 5, 31)
        fifth = HolidayRule.nth_weekday("x", month=2, weekday=0, nth=5)
        assert fifth.actual(2026) is None
        assert HolidayRule.nth_weekday("x", month=3, weekday=0, nth=5).actual(2026) == D(2026, 3, 30)
        assert HolidayRule.nth_weekday("x", month=3, weekday=0, nth=-5).actual(2026) == D(2026, 3, 2)

    def test_leap_day_only_in_leap_years(self) -> None:
        """A fixed February 29 exists only in leap years."""
        leap = HolidayRule.fixed("leap", month=2, day=29, observance=Observance.ACTUAL)
        assert leap.actual(2024) == D(2024, 2, 29)
        assert leap.actual(2023) is None
        assert holidays_from_rules([leap], 2023, 2024) == frozenset({D(2024, 2, 29)})

    def test_actual_observance_keeps_weekends(self) -> None:
        """With Observance.ACTUAL a Saturday holiday stays on Saturday."""
        rule = HolidayRule.fixed("x", month=7, day=4, observance=Observance.ACTUAL)
        assert rule.observed(2026) == D(2026, 7, 4)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"month": 2, "day": 30}, r"'day' 30 is not a day of month 2 @ \$.day"),
            ({"month": 13, "day": 1}, r"'month' must be <= 12 \(got 13\) @ \$.month"),
            ({"month": 1, "day": 1, "weekday": 0, "nth": 1}, r"either a fixed 'day' or a 'weekday'"),
            ({"month": 1}, r"either a fixed 'day' or a 'weekday'"),
            ({"month": 1, "weekday": 0}, r"either a fixed 'day' or a 'weekday'"),
            ({"month": 1, "weekday": 7, "nth": 1}, r"'weekday' must be <= 6 \(got 7\) @ \$.weekday"),
            ({"month": 1, "weekday": 0, "nth": 0}, r"'nth' must be 1 to 5, or -1 to -5 .* @ \$.nth"),
            ({"month": 1, "weekday": 0, "nth": 6}, r"'nth' must be <= 5 \(got 6\) @ \$.nth"),
            ({"month": 1, "day": 1, "since": 1900}, r"'since' must be >= 1971 \(got 1900\) @ \$.since"),
            ({"month": 1, "day": 1, "observance": "opm"}, r"'observance' must be an Observance"),
        ],
    )
    def test_refuses_bad_rules(self, fields: dict[str, object], message: str) -> None:
        """Each bad field is refused with its path and what was got."""
        with pytest.raises(ValidationError, match=message):
            HolidayRule(name="x", **fields)  # type: ignore[arg-type]

    def test_refuses_empty_name_and_bad_year(self) -> None:
        """An empty name and a year outside the range are refused."""
        with pytest.raises(ValidationError, match=r"@ \$.name"):
            HolidayRule.fixed("", month=1, day=1)
        with pytest.raises(ValidationError, match=r"'year' must be <= 2,200 \(got 2300\) @ \$.year"):
            US_FEDERAL_HOLIDAYS[0].observed(2300)

    def test_rules_must_be_rules(self) -> None:
        """A non-rule among the rules is named by its index."""
        with pytest.raises(ValidationError, match=r"@ \$.rules\[1\]"):
            holidays_from_rules([US_FEDERAL_HOLIDAYS[0], "Christmas"], 2020, 2020)  # type: ignore[list-item]


class TestCalendars:
    def test_names(self) -> None:
        """The registry has us_federal and weekends; a near miss gets a did-you-mean."""
        assert CALENDAR_NAMES == ("us_federal", "weekends")
        assert calendar("weekends") == BusinessCalendar()
        federal = calendar("us_federal", first_year=2023, last_year=2023)
        assert federal == BusinessCalendar(holidays=frozenset(OPM_2023))
        with pytest.raises(ValidationError, match=r"\(did you mean 'weekends'\?\) @ \$.name"):
            calendar("weekend")
        with pytest.raises(ValidationError, match=r"@ \$.name"):
            calendar(None)  # type: ignore[arg-type]

    def test_default_years(self) -> None:
        """A named calendar covers 2000 to 2060 by default."""
        days = calendar("us_federal").holidays
        assert min(days) == D(2000, 1, 17)  # January 1, 2000 was a Saturday, observed in 1999
        assert max(days) == D(2060, 12, 31)  # January 1, 2061 is a Saturday, observed in 2060
        assert D(2060, 12, 24) in days  # Christmas 2060 is a Saturday

    def test_stepping_over_thanksgiving(self) -> None:
        """Two business days after Wednesday before Thanksgiving 2026 is the Monday after."""
        cal = calendar("us_federal")
        assert cal.add_business_days(D(2026, 11, 25), 1) == D(2026, 11, 27)
        assert cal.add_business_days(D(2026, 11, 25), 2) == D(2026, 11, 30)
        assert cal.business_days_between(D(2026, 12, 21), D(2026, 12, 28)) == 4

    def test_custom_from_dates_rules_and_base(self) -> None:
        """Dates, rules and a base combine; the weekend can be changed."""
        founders = HolidayRule.fixed("Founders Day", month=3, day=2)
        cal = custom_calendar(
            dates=[D(2024, 12, 24)], rules=[founders], base="us_federal", first_year=2024, last_year=2024
        )
        assert cal.holidays == federal_holidays(2024, 2024) | {D(2024, 12, 24), D(2024, 3, 1)}
        only = custom_calendar(dates=(D(2026, 1, 2),), weekend={4, 5})
        assert only.holidays == frozenset({D(2026, 1, 2)})
        assert only.weekend == frozenset({4, 5})
        assert custom_calendar() == BusinessCalendar()

    def test_custom_refusals(self) -> None:
        """Bad dates, a bad base and a bad weekend are refused with their paths."""
        with pytest.raises(ValidationError, match=r"not a datetime .* @ \$.dates\[1\]"):
            custom_calendar(dates=[D(2026, 1, 1), datetime.datetime(2026, 1, 2)])  # noqa: DTZ001
        with pytest.raises(ValidationError, match=r"'dates' must be a sequence .* @ \$.dates"):
            custom_calendar(dates="2026-01-01")  # type: ignore[arg-type]
        with pytest.raises(
            ValidationError, match=r"'base' must be one of 'us_federal', 'weekends' .* @ \$.base"
        ):
            custom_calendar(base="opm")
        with pytest.raises(ValidationError, match=r"'weekend' must be a sequence .* @ \$.weekend"):
            custom_calendar(weekend="56")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"cannot hold all seven days @ \$.weekend"):
            custom_calendar(weekend=range(7))
        with pytest.raises(
            ValidationError, match=r"'weekend\[0\]' must be a whole number .* @ \$.weekend\[0\]"
        ):
            custom_calendar(weekend=[[5]])  # type: ignore[list-item]


def walk(cal: BusinessCalendar, start: D, days: int) -> D:
    """The reference: step one calendar day at a time, counting business days."""
    day = start
    while days:
        day += datetime.timedelta(days=1)
        if day.weekday() not in cal.weekend and day not in cal.holidays:
            days -= 1
    return day


FEDERAL = calendar("us_federal", first_year=2000, last_year=2060)
starts = st.dates(min_value=D(2000, 1, 1), max_value=D(2058, 12, 31))


class TestBusdayAgainstWalk:
    @given(start=starts, days=st.integers(0, 400))
    def test_add_business_days_equals_walk(self, start: D, days: int) -> None:
        """numpy.busday_offset over the federal holidays equals a day-by-day walk."""
        assert FEDERAL.add_business_days(start, days) == walk(FEDERAL, start, days)

    @given(start=starts, days=st.integers(1, 400))
    def test_busday_offset_directly(self, start: D, days: int) -> None:
        """busday_offset from the next business day on or after start agrees with the walk."""
        holidays = np.array(sorted(FEDERAL.holidays), dtype="datetime64[D]")
        begin = np.busday_offset(np.datetime64(start, "D"), 0, roll="forward", holidays=holidays)
        found = np.busday_offset(begin, days, holidays=holidays).astype(object)
        first = start if FEDERAL.is_business_day(start) else walk(FEDERAL, start, 1)
        assert found == walk(FEDERAL, first, days)

    @given(start=starts, span=st.integers(0, 800))
    def test_count_equals_walk(self, start: D, span: int) -> None:
        """business_days_between counts what the walk steps over, in [start, end)."""
        end = start + datetime.timedelta(days=span)
        expected = sum(FEDERAL.is_business_day(start + datetime.timedelta(days=i)) for i in range(span))
        assert FEDERAL.business_days_between(start, end) == expected


class TestEdges:
    """Bad arguments are refused at their own path, never as a bare builtin error."""

    @pytest.mark.parametrize(
        ("fields", "paths", "fragment"),
        [
            (
                {"month": 5, "day": np.int64(3), "weekday": 0, "nth": -1},
                ["$.day", "$.weekday", "$.nth"],
                "got both",
            ),
            ({"month": 5, "day": 1, "nth": 2}, ["$.day", "$.nth"], "got both"),
            ({"month": 5}, ["$.day"], "got neither"),
            ({"month": 5, "nth": -1}, ["$.weekday"], "got 'nth' without 'weekday'"),
            ({"month": 5, "weekday": 0}, ["$.nth"], "got 'weekday' without 'nth'"),
        ],
    )
    def test_kind_of_rule_is_named_at_the_field(
        self, fields: dict[str, object], paths: list[str], fragment: str
    ) -> None:
        """A rule that is both, neither or half a weekday rule names the fields to fix."""
        with pytest.raises(ValidationError) as info:
            HolidayRule(name="x", **fields)  # type: ignore[arg-type]
        assert [issue.path for issue in info.value.issues] == paths
        assert all(fragment in issue.message for issue in info.value.issues)

    def test_fixed_without_a_day_names_the_day(self) -> None:
        """``HolidayRule.fixed(day=None)`` is refused at ``$.day``."""
        with pytest.raises(ValidationError, match=r"got neither\) @ \$.day"):
            HolidayRule.fixed("x", month=1, day=None)  # type: ignore[arg-type]

    def test_custom_calendar_base_is_named_as_base(self) -> None:
        """A bad ``base`` is refused at ``$.base`` (not at the ``name`` of the calendar it selects)."""
        with pytest.raises(ValidationError, match=r"'base' must be one of .*\(got nan\) @ \$.base"):
            custom_calendar(base=float("nan"))  # type: ignore[arg-type]

    def test_custom_calendar_weekend_that_cannot_be_read(self) -> None:
        """A weekend whose iteration raises is a ValidationError at ``$.weekend``."""

        class Hostile:
            def __iter__(self) -> object:
                raise KeyError("boom")

        with pytest.raises(ValidationError, match=r"KeyError while reading it\) @ \$.weekend"):
            custom_calendar(weekend=Hostile())  # type: ignore[arg-type]

    def test_custom_calendar_weekend_accepts_numpy_integers(self) -> None:
        """Weekday numbers may be numpy integers; they are normalised to ``int``."""
        cal = custom_calendar(weekend=np.array([4, 5]))
        assert cal.weekend == frozenset({4, 5})
        assert all(type(day) is int for day in cal.weekend)
