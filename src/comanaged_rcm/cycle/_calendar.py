"""The cycle's calendar, computed once: the report's period and every window a stage reads.

Each stage of :func:`~comanaged_rcm.cycle.run_cycle` reads periods of the engagement's cadence:
the trend periods ending with the report's, each trend period's KPI window, each audited
workflow's QA window, and the periods the escalation rules are replayed over. They all follow
from the cadence, the engagement's window lengths and ``as_of``, the last day counted (its close):
the report's period is the last complete one whose last day is on or before it. :class:`CycleCalendar`
works them out once, checks that the cadence's calendar holds them, and hands them to every stage.
"""

from __future__ import annotations

import datetime
import types
from collections.abc import Mapping

import attrs

from comanaged_rcm import _check as check
from comanaged_rcm.cycle._engagement import Engagement
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.periods import Period

__all__: list[str] = []

EARLIEST_AS_OF = datetime.date(1900, 1, 1)
"""The earliest ``as_of`` (last day counted) a cycle reports on (the KPI engine looks months back)."""

LATEST_AS_OF = datetime.date(9999, 12, 30)
"""The latest ``as_of``: the periods before the day after it must fit in the calendar."""

_DAY = datetime.timedelta(days=1)


@attrs.frozen(kw_only=True)
class CycleCalendar:
    """Every period one cycle reads, worked out once from the engagement and ``as_of``.

    Attributes:
        as_of: The last day counted: the report holds at its close.
        end: The day after ``as_of``, the first day not counted; periods ending on or before it
            (their last day on or before ``as_of``) are complete.
        trend: The ``trend_periods`` complete periods whose last day is on or before ``as_of``,
            oldest first; the last is the report's period.
        kpi_windows: Per trend period, the ``kpi_window`` periods ending with it, as one period.
        qa_windows: Per audited workflow, the ``window`` periods before the report's period
            whose audit results are evaluated, oldest first.
        escalation: The ``escalation_periods`` periods ending with the report's, over which the
            rules are replayed when no history is kept, oldest first.
    """

    as_of: datetime.date
    end: datetime.date
    trend: tuple[Period, ...]
    kpi_windows: tuple[Period, ...]
    qa_windows: Mapping[str, tuple[Period, ...]]
    escalation: tuple[Period, ...]

    @property
    def period(self) -> Period:
        """The report's period: the last complete one whose last day is on or before ``as_of``."""
        return self.trend[-1]

    @property
    def kpi_window(self) -> Period:
        """The report period's KPI window."""
        return self.kpi_windows[-1]

    @classmethod
    def of(cls, engagement: Engagement, as_of: datetime.date) -> CycleCalendar:
        """The calendar of the cycle reporting on the last complete period through ``as_of``.

        A weekly Monday-Sunday period ending Sunday 2026-11-29 is the report's period as of
        2026-11-29 and every day after it up to Saturday 2026-12-05.

        Raises:
            ValidationError: ``as_of`` leaves no room in the cadence's calendar for every period
                the report reads (``$.as_of``: the trend, KPI, QA and escalation windows).

        >>> import datetime
        >>> from comanaged_rcm.cycle import default_engagement
        >>> calendar = CycleCalendar.of(default_engagement(), datetime.date(2026, 11, 29))
        >>> str(calendar.period), len(calendar.trend), [str(p) for p in calendar.escalation][-1]
        ('2026-11-23/2026-11-30', 13, '2026-11-23/2026-11-30')
        >>> calendar.end, CycleCalendar.of(default_engagement(), datetime.date(2026, 12, 5)).period.last_day
        (datetime.date(2026, 11, 30), datetime.date(2026, 11, 29))
        """
        cadence = engagement.cadence
        as_of = check.date(as_of, "$.as_of", latest=LATEST_AS_OF)
        end = as_of + _DAY
        back = engagement.trend_periods + max(
            engagement.kpi_window, engagement.escalation_periods, *(p.window for p in engagement.qa), 1
        )
        try:
            cadence.periods_ending(end, back)
            cadence.period_containing(end)
        except ValidationError:
            unit = cadence.frequency.value
            check.fail(
                "$.as_of",
                "range",
                f"'as_of' ({as_of}) leaves no room in the calendar for the {back:,} {unit} periods the"
                " report reads (trend, KPI, QA and escalation windows)",
            )
        trend = cadence.periods_ending(end, engagement.trend_periods)
        period = trend[-1]
        kpi_windows = tuple(
            Period(cadence.periods_ending(p.end, engagement.kpi_window)[0].start, p.end) for p in trend
        )
        qa_windows = {
            policy.workflow: cadence.periods_ending(period.start, policy.window) for policy in engagement.qa
        }
        return cls(
            as_of=as_of,
            end=end,
            trend=trend,
            kpi_windows=kpi_windows,
            qa_windows=types.MappingProxyType(qa_windows),
            escalation=cadence.periods_ending(period.end, engagement.escalation_periods),
        )
