"""The edges of periods, findings and errors: bad input is a ValidationError naming the argument."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from comanaged_rcm.errors import Issue, RCMError, RuleSyntaxError, ValidationError
from comanaged_rcm.findings import Finding, Severity, errors_only, raise_for_findings
from comanaged_rcm.periods import Cadence, Frequency, Period, Weekday, relativedelta

D = datetime.date


def refusal(call: object, *args: object, **kwargs: object) -> Issue:
    """The one issue of the ValidationError that ``call(*args, **kwargs)`` raises."""
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value.issues[0]


class TestPeriodConstructors:
    @pytest.mark.parametrize(
        ("kwargs", "path", "fragment"),
        [
            ({"year": 10**400, "month": 1}, "$.year", "<= 9,999"),
            ({"year": 0, "month": 1}, "$.year", ">= 1"),
            ({"year": True, "month": 1}, "$.year", "whole number"),
            ({"year": 2026.5, "month": 1}, "$.year", "whole number"),
            ({"year": 2026, "month": 13}, "$.month", "<= 12"),
            ({"year": 9999, "month": 12}, "$.month", "9999-12-31"),
        ],
    )
    def test_month_refuses_years_and_months_off_the_calendar(
        self, kwargs: dict[str, object], path: str, fragment: str
    ) -> None:
        """A year or month outside the calendar is a ValidationError, never ValueError or OverflowError."""
        issue = refusal(Period.month, **kwargs)
        assert issue.path == path
        assert fragment in issue.message

    def test_month_takes_numpy_and_integral_floats(self) -> None:
        """Counts from numpy or a pandas sum are years and months too."""
        assert Period.month(np.int64(2024), 2.0) == Period(D(2024, 2, 1), D(2024, 3, 1))  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kwargs", "path", "fragment"),
        [
            ({"year": 2026, "week": 54}, "$.week", "<= 53"),
            ({"year": 2025, "week": 53}, "$.week", "has 52 weeks"),
            ({"year": -1, "week": 1}, "$.year", ">= 1"),
            ({"year": 2026, "week": 0}, "$.week", ">= 1"),
        ],
    )
    def test_iso_week_refuses_weeks_the_year_lacks(
        self, kwargs: dict[str, object], path: str, fragment: str
    ) -> None:
        """Week 53 of a 52-week ISO year names the week (and the year), not a bare ValueError."""
        issue = refusal(Period.iso_week, **kwargs)
        assert issue.path == path
        assert fragment in issue.message

    def test_iso_week_at_the_ends_of_the_calendar(self) -> None:
        """Week 1 of year 1 is a period; the last week of 9999 would end in year 10000."""
        assert Period.iso_week(1, 1).start == D(1, 1, 1)
        assert Period.iso_week(9999, 51).days == 7
        issue = refusal(Period.iso_week, 9999, 52)
        assert issue.path == "$.week"
        assert "outside the calendar" in issue.message

    @pytest.mark.parametrize(
        ("window", "path", "fragment"),
        [
            (0, "$.window", "positive number of days"),
            (-(10**400), "$.window", "positive number of days"),
            (10**400, "$.window", "<= "),
            (800_000, "$.window", "before 0001-01-01"),
            (2.5, "$.window", "whole number"),
            (True, "$.window", "relativedelta"),
            ("90", "$.window", "relativedelta"),
            (relativedelta(years=3000), "$.window", "outside the calendar"),
            (relativedelta(hours=5), "$.window", "whole days"),
            (relativedelta(days=-3), "$.window", "reach back"),
        ],
    )
    def test_trailing_refuses_bad_windows(self, window: object, path: str, fragment: str) -> None:
        """A window that is not positive, not whole days, or reaches before year 1 names $.window."""
        issue = refusal(Period.trailing, D(2026, 4, 1), window)
        assert issue.path == path
        assert fragment in issue.message

    def test_trailing_refuses_a_datetime_end(self) -> None:
        """A datetime as the end would drop its time of day silently."""
        issue = refusal(Period.trailing, datetime.datetime(2026, 4, 1, 9), 90)  # noqa: DTZ001
        assert (issue.path, issue.code) == ("$.end", "type")

    def test_trailing_takes_numpy_days(self) -> None:
        """np.int64 and 90.0 are 90 days."""
        assert Period.trailing(D(2026, 4, 1), np.int64(90)) == Period.trailing(D(2026, 4, 1), 90.0)  # type: ignore[arg-type]

    def test_other_must_be_a_period(self) -> None:
        """overlaps and intersection name $.other."""
        week = Period(D(2026, 1, 5), D(2026, 1, 12))
        assert refusal(week.overlaps, "2026-01-05").path == "$.other"
        assert refusal(week.intersection, None).path == "$.other"

    def test_a_datetime_is_never_inside(self) -> None:
        """Containment of a datetime is False, not a TypeError from comparing it with a date."""
        week = Period(D(2026, 1, 5), D(2026, 1, 12))
        assert datetime.datetime(2026, 1, 6, 9) not in week  # noqa: DTZ001


class TestCadence:
    @pytest.mark.parametrize(
        ("cadence", "day"),
        [
            (Cadence.weekly(Weekday.SUNDAY), D(1, 1, 1)),
            (Cadence.weekly(), D(9999, 12, 31)),
            (Cadence.monthly(), D(9999, 12, 15)),
            (Cadence.quarterly(), D(9999, 11, 1)),
        ],
    )
    def test_periods_off_the_calendar_name_the_day(self, cadence: Cadence, day: datetime.date) -> None:
        """A period that would start before year 1 or end after 9999 is refused at $.day."""
        issue = refusal(cadence.period_containing, day)
        assert issue.path == "$.day"
        assert "outside the calendar" in issue.message

    @pytest.mark.parametrize(
        ("count", "path", "fragment"),
        [
            (0, "$.count", "positive integer"),
            (-(10**400), "$.count", "positive integer"),
            (2**63, "$.count", "<= 600,000"),
            (1.5, "$.count", "whole number"),
            ("13", "$.count", "whole number"),
            (600_000, "$.count", "outside the calendar"),
        ],
    )
    def test_periods_ending_bounds_the_count(self, count: object, path: str, fragment: str) -> None:
        """A count too large for the calendar is refused before any period is listed."""
        issue = refusal(Cadence.weekly().periods_ending, D(2026, 1, 5), count)
        assert issue.path == path
        assert fragment in issue.message

    @pytest.mark.parametrize("as_of", ["2026-01-05", datetime.datetime(2026, 1, 5), D(9999, 12, 31)])  # noqa: DTZ001
    def test_periods_ending_checks_as_of(self, as_of: object) -> None:
        """Text, a datetime or the last day of the calendar name $.as_of."""
        assert refusal(Cadence.weekly().periods_ending, as_of, 4).path == "$.as_of"

    def test_periods_between_names_the_end(self) -> None:
        """The period after the window would end past 9999-12-31: $.end."""
        issue = refusal(Cadence.monthly().periods_between, D(9999, 11, 1), D(9999, 12, 30))
        assert issue.path == "$.end"

    def test_members_only(self) -> None:
        """A cadence is built from the enums; their values get a hint naming the member."""
        issue = refusal(Cadence, "weekly")
        assert issue.path == "$.frequency"
        assert "Frequency.WEEKLY" in issue.message
        assert refusal(Cadence.weekly, "monday").path == "$.week_start"
        assert Cadence(Frequency.MONTHLY) == Cadence.monthly()

    def test_label_needs_a_period(self) -> None:
        """label names $.period."""
        assert refusal(Cadence.weekly().label, D(2026, 1, 5)).path == "$.period"


class TestValidationError:
    def test_no_issues_is_itself_a_validation_error(self) -> None:
        """An empty error is refused with a ValidationError at $.issues (still a ValueError)."""
        issue = refusal(ValidationError, [])
        assert (issue.path, issue.code) == ("$.issues", "empty")
        assert "at least one Issue" in issue.message

    @pytest.mark.parametrize(
        ("issues", "path"), [([Issue("$.a", "x", "y"), "oops"], "$.issues[1]"), (None, "$.issues")]
    )
    def test_items_must_be_issues(self, issues: object, path: str) -> None:
        """A non-Issue item or a non-iterable names where it is."""
        issue = refusal(ValidationError, issues)
        assert issue.path == path
        assert "Issue" in issue.message

    def test_a_foreign_iterable_that_fails(self) -> None:
        """An iterable whose iteration raises is refused, not passed through."""

        def broken() -> object:
            yield Issue("$.a", "x", "y")
            raise KeyError("boom")

        issue = refusal(ValidationError, broken())
        assert issue.path == "$.issues"
        assert "KeyError" in issue.message

    def test_under_checks_the_prefix(self) -> None:
        """A prefix that is not a path names $.prefix."""
        error = ValidationError.single("$.n", "range", "bad")
        assert refusal(error.under, None).path == "$.prefix"
        assert refusal(Issue("$.n", "range", "bad").under, "x" * 200_000).path == "$.prefix"


class TestIssue:
    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"path": None, "code": "type", "message": "m"}, "$.path"),
            ({"path": "$.a", "code": 3, "message": "m"}, "$.code"),
            ({"path": "$.a", "code": "ty\x00pe", "message": "m"}, "$.code"),
            ({"path": "", "code": "type", "message": "m"}, "$.path"),
            ({"path": "$.a", "code": "type", "message": b"m"}, "$.message"),
        ],
    )
    def test_fields_are_text(self, kwargs: dict[str, object], path: str) -> None:
        """Each field of an Issue is text; the refusal names the field."""
        assert refusal(Issue, **kwargs).path == path

    def test_control_characters_are_shown_escaped(self) -> None:
        """A message quoting hostile text still prints as one readable line."""
        issue = Issue("$.a\x1b", "value", "got 'pay\u202eeeee' and \x00")
        assert str(issue) == "got 'pay\\u202eeeee' and \\x00 @ $.a\\x1b"


class TestRuleSyntaxError:
    @pytest.mark.parametrize(
        ("args", "kwargs", "path"),
        [
            ((None,), {}, "$.message"),
            (("bad",), {"line": 0}, "$.line"),
            (("bad",), {"column": 10**400}, "$.column"),
            (("bad",), {"text": 5}, "$.text"),
        ],
    )
    def test_arguments_are_checked(
        self, args: tuple[object, ...], kwargs: dict[str, object], path: str
    ) -> None:
        """A malformed RuleSyntaxError is a ValidationError naming the argument."""
        assert refusal(RuleSyntaxError, *args, **kwargs).path == path

    def test_numpy_positions(self) -> None:
        """Line and column from numpy are plain ints."""
        err = RuleSyntaxError("bad", line=np.int64(2), column=np.int64(3))  # type: ignore[arg-type]
        assert (type(err.line), err.line, err.column) == (int, 2, 3)
        assert isinstance(err, RCMError)


class TestFindings:
    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"rule": None}, "$.rule"),
            ({"severity": "error"}, "$.severity"),
            ({"path": "\x00"}, "$.path"),
            ({"message": ""}, "$.message"),
        ],
    )
    def test_fields_are_checked(self, kwargs: dict[str, object], path: str) -> None:
        """A Finding built in Python is as strict as one from a validator."""
        good = {"rule": "R-1", "severity": Severity.ERROR, "path": "$.a", "message": "fix"}
        assert refusal(Finding, **{**good, **kwargs}).path == path

    @pytest.mark.parametrize("check", [errors_only, raise_for_findings])
    @pytest.mark.parametrize(("findings", "path"), [(None, "$.findings"), (["x"], "$.findings[0]")])
    def test_collections_of_findings(self, check: object, findings: object, path: str) -> None:
        """Anything but a collection of Findings names $.findings."""
        assert refusal(check, findings).path == path
