"""The cycle's calendar: every window worked out once equals what each stage read on its own."""

from __future__ import annotations

import datetime
import itertools

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.cycle import default_engagement
from comanaged_rcm.cycle._calendar import CycleCalendar
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.periods import Cadence, Period


@given(
    cadence=st.sampled_from([Cadence.weekly(), Cadence.monthly()]),
    trend=st.integers(1, 14),
    kpi_window=st.integers(1, 5),
    escalation=st.integers(1, 6),
    qa_window=st.integers(1, 5),
    as_of=st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)),
)
def test_each_window_is_the_one_the_cadence_gives(  # noqa: PLR0917 - one argument per drawn value
    cadence: Cadence, trend: int, kpi_window: int, escalation: int, qa_window: int, as_of: datetime.date
) -> None:
    base = default_engagement()
    qa = tuple(attrs.evolve(p, window=qa_window) for p in base.qa)
    engagement = attrs.evolve(
        base,
        cadence=cadence,
        trend_periods=trend,
        kpi_window=kpi_window,
        escalation_periods=escalation,
        qa=qa,
    )
    calendar = CycleCalendar.of(engagement, as_of)
    assert (calendar.as_of, calendar.end) == (as_of, as_of + datetime.timedelta(days=1))
    periods = cadence.periods_ending(calendar.end, trend)
    assert calendar.trend == periods
    assert calendar.period == periods[-1]
    # the last complete period through as_of: its last day is on or before as_of, the next one's after
    assert calendar.period.last_day <= as_of < cadence.period_containing(calendar.end).last_day
    for period, window in zip(periods, calendar.kpi_windows, strict=True):
        first = cadence.periods_ending(period.end, kpi_window)[0]
        assert window == Period(first.start, period.end)
    assert calendar.kpi_window == calendar.kpi_windows[-1]
    assert set(calendar.qa_windows) == {p.workflow for p in qa}
    for policy in qa:
        audited = calendar.qa_windows[policy.workflow]
        assert len(audited) == qa_window
        assert audited[-1].end == calendar.period.start  # the periods before the report's, back to back
        assert all(a.end == b.start for a, b in itertools.pairwise(audited))
    assert calendar.escalation == cadence.periods_ending(calendar.period.end, escalation)
    assert calendar.escalation[-1] == calendar.period


def test_as_of_is_the_last_day_counted() -> None:
    """The Monday-Sunday week ending Sunday 2026-11-29 is reported as of that Sunday and as of
    every day up to Saturday 2026-12-05, with every window the same; as of Sunday 2026-12-06 the
    next week is; as of Saturday 2026-11-28 the week before."""
    engagement = default_engagement()
    calendar = CycleCalendar.of(engagement, datetime.date(2026, 11, 29))
    assert calendar.period == Period(datetime.date(2026, 11, 23), datetime.date(2026, 11, 30))
    for day in range(30, 36):
        later = CycleCalendar.of(engagement, datetime.date(2026, 11, 1) + datetime.timedelta(days=day - 1))
        assert attrs.evolve(later, as_of=calendar.as_of, end=calendar.end) == calendar
    assert CycleCalendar.of(engagement, datetime.date(2026, 12, 6)).period.last_day == datetime.date(
        2026, 12, 6
    )
    assert CycleCalendar.of(engagement, datetime.date(2026, 11, 28)).period.last_day == datetime.date(
        2026, 11, 22
    )


def test_qa_windows_are_read_only() -> None:
    calendar = CycleCalendar.of(default_engagement(), datetime.date(2026, 11, 30))
    with pytest.raises(TypeError):
        calendar.qa_windows["denials"] = ()  # type: ignore[index]


@pytest.mark.parametrize(
    ("qa_window", "kpi_window", "escalation"),
    [(3, 1, 1), (1, 3, 1), (1, 1, 3)],
    ids=["qa", "kpi", "escalation"],
)
def test_room_counts_the_longest_window(qa_window: int, kpi_window: int, escalation: int) -> None:
    """Room for exactly trend + the longest window passes; one period less is refused at ``$.as_of``.

    The first whole week of the calendar starts Monday 0001-01-01; with 2 trend periods and a
    longest window of 3, ``as_of`` must leave 5 weeks through it: Sunday 0001-02-04 passes, Sunday
    0001-01-28 not.
    """
    base = default_engagement()
    engagement = attrs.evolve(
        base,
        trend_periods=2,
        kpi_window=kpi_window,
        escalation_periods=escalation,
        qa=tuple(attrs.evolve(p, window=qa_window) for p in base.qa),
    )
    calendar = CycleCalendar.of(engagement, datetime.date(1, 2, 4))
    assert calendar.period == Period(datetime.date(1, 1, 29), datetime.date(1, 2, 5))
    with pytest.raises(ValidationError) as caught:
        CycleCalendar.of(engagement, datetime.date(1, 1, 28))
    (issue,) = caught.value.issues
    assert issue.path == "$.as_of"
    assert "leaves no room in the calendar for the 5 weekly periods" in issue.message
    assert "trend, KPI, QA and escalation windows" in issue.message
