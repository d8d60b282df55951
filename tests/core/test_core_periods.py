"""Half-open periods and cadences, checked against calendars worked by hand."""

from __future__ import annotations

import datetime
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.periods import Cadence, Frequency, Period, Weekday, relativedelta
from comanaged_rcm.serialize import from_dict, to_dict

D = datetime.date


class TestPeriod:
    def test_half_open(self) -> None:
        """Start is inside, end is not; consecutive periods share a boundary."""
        p = Period(D(2026, 1, 1), D(2026, 1, 8))
        assert D(2026, 1, 1) in p
        assert D(2026, 1, 7) in p
        assert D(2026, 1, 8) not in p
        assert "2026-01-02" not in p
        assert p.days == 7
        assert p.last_day == D(2026, 1, 7)

    def test_end_must_follow_start(self) -> None:
        """An empty or inverted period is refused with the field and both dates."""
        with pytest.raises(ValidationError, match=r"'end' must be after 'start' \(2026-01-01\)"):
            Period(D(2026, 1, 1), D(2026, 1, 1))

    def test_dates_only(self) -> None:
        """A datetime or a string is not a business date."""
        with pytest.raises(ValidationError, match="'start' must be a date"):
            Period("2026-01-01", D(2026, 1, 2))  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            Period(datetime.datetime(2026, 1, 1), D(2026, 1, 2))  # noqa: DTZ001  (naive on purpose)

    def test_overlap_and_intersection(self) -> None:
        """Touching periods do not overlap; overlapping ones intersect."""
        a = Period(D(2026, 1, 1), D(2026, 1, 10))
        b = Period(D(2026, 1, 10), D(2026, 1, 20))
        c = Period(D(2026, 1, 5), D(2026, 1, 15))
        assert not a.overlaps(b)
        assert a.intersection(b) is None
        assert a.intersection(c) == Period(D(2026, 1, 5), D(2026, 1, 10))

    def test_trailing_calendar_months_know_leap_years(self) -> None:
        """The 3 calendar months before 2024-03-01 are Dec (31) + Jan (31) + Feb 2024 (29) = 91 days."""
        window = Period.trailing(D(2024, 3, 1), relativedelta(months=3))
        assert window == Period(D(2023, 12, 1), D(2024, 3, 1))
        assert window.days == 91
        assert Period.trailing(D(2023, 3, 1), relativedelta(months=3)).days == 90

    def test_trailing_days(self) -> None:
        """A trailing window in days ends, exclusively, on the as-of date."""
        assert Period.trailing(D(2026, 4, 1), 90) == Period(D(2026, 1, 1), D(2026, 4, 1))
        with pytest.raises(ValidationError, match="positive number of days"):
            Period.trailing(D(2026, 4, 1), 0)

    def test_month_and_iso_week(self) -> None:
        """Calendar months and ISO weeks (ISO week 1 of 2026 starts Monday 2025-12-29)."""
        assert Period.month(2024, 2).days == 29
        assert Period.month(2026, 12) == Period(D(2026, 12, 1), D(2027, 1, 1))
        assert Period.iso_week(2026, 1) == Period(D(2025, 12, 29), D(2026, 1, 5))

    def test_str_is_iso_interval(self) -> None:
        """``str`` is an ISO 8601 interval, and the JSON form round-trips."""
        p = Period(D(2026, 1, 1), D(2026, 2, 1))
        assert str(p) == "2026-01-01/2026-02-01"
        assert to_dict(p) == {"start": "2026-01-01", "end": "2026-02-01"}
        assert from_dict(to_dict(p), Period) == p


class TestCadence:
    def test_thirteen_weeks_ending(self) -> None:
        """13 Monday weeks ending with the week before Monday 2026-11-23 start on 2026-08-24."""
        weeks = Cadence.weekly().periods_ending(D(2026, 11, 23), 13)
        assert len(weeks) == 13
        assert weeks[0] == Period(D(2026, 8, 24), D(2026, 8, 31))
        assert weeks[-1] == Period(D(2026, 11, 16), D(2026, 11, 23))
        assert all(a.end == b.start for a, b in itertools.pairwise(weeks))

    def test_as_of_mid_week_reports_last_complete_week(self) -> None:
        """As of Sunday 2026-11-22 the current week is incomplete, so the last is 11-09/11-16."""
        weeks = Cadence.weekly().periods_ending(D(2026, 11, 22), 2)
        assert weeks[-1] == Period(D(2026, 11, 9), D(2026, 11, 16))

    def test_weeks_starting_sunday(self) -> None:
        """Weeks may start on any weekday."""
        cadence = Cadence.weekly(Weekday.SUNDAY)
        period = cadence.period_containing(D(2026, 11, 18))
        assert period == Period(D(2026, 11, 15), D(2026, 11, 22))
        assert cadence.label(period) == "week of 2026-11-15"

    def test_monthly_and_quarterly(self) -> None:
        """Months and quarters, with labels."""
        months = Cadence.monthly().periods_ending(D(2024, 3, 15), 2)
        assert [m.days for m in months] == [31, 29]
        quarter = Cadence.quarterly().period_containing(D(2026, 11, 22))
        assert quarter == Period(D(2026, 10, 1), D(2027, 1, 1))
        assert Cadence.quarterly().label(quarter) == "2026-Q4"
        quarters = Cadence.quarterly().periods_ending(D(2026, 11, 22), 2)
        assert quarters == (Period(D(2026, 4, 1), D(2026, 7, 1)), Period(D(2026, 7, 1), D(2026, 10, 1)))

    def test_periods_between(self) -> None:
        """Every period overlapping the window, the partial ends included."""
        months = Cadence.monthly().periods_between(D(2026, 1, 15), D(2026, 3, 2))
        assert [Cadence.monthly().label(m) for m in months] == ["2026-01", "2026-02", "2026-03"]
        weeks = Cadence.weekly().periods_between(D(2026, 11, 16), D(2026, 11, 23))
        assert weeks == (Period(D(2026, 11, 16), D(2026, 11, 23)),)

    def test_count_must_be_positive(self) -> None:
        """Asking for no periods is an error, not an empty answer."""
        with pytest.raises(ValidationError, match="'count' must be a positive integer"):
            Cadence.weekly().periods_ending(D(2026, 1, 1), 0)

    def test_round_trip(self) -> None:
        """Cadences are data."""
        cadence = Cadence.weekly(Weekday.WEDNESDAY)
        assert to_dict(cadence) == {"frequency": "weekly", "week_start": "wednesday"}
        assert from_dict(to_dict(cadence), Cadence) == cadence
        assert Cadence(Frequency.MONTHLY).step == relativedelta(months=1)

    @given(
        st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 1, 1)),
        st.sampled_from([Cadence.weekly(w) for w in Weekday] + [Cadence.monthly(), Cadence.quarterly()]),
        st.integers(min_value=1, max_value=30),
    )
    def test_periods_tile_time(self, day: D, cadence: Cadence, count: int) -> None:
        """Periods are contiguous, each starts where the cadence says, and they end by as_of."""
        periods = cadence.periods_ending(day, count)
        assert len(periods) == count
        assert periods[-1].end <= day
        assert day in cadence.period_containing(day)
        for a, b in itertools.pairwise(periods):
            assert a.end == b.start
        for p in periods:
            assert cadence.period_containing(p.start) == p
