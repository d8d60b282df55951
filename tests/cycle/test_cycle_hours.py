"""The engagement's business hours: the section (schema 3), the cycle's clock, deadlines and overdue."""

from __future__ import annotations

import datetime
import functools
import json
import re
import zoneinfo
from pathlib import Path
from typing import Any

import attrs
import pytest

from comanaged_rcm.cli import main
from comanaged_rcm.cycle import (
    SCHEMA_SECTIONS,
    SCHEMA_VERSION,
    BusinessHoursSection,
    CycleData,
    Engagement,
    EscalationLine,
    GovernanceReport,
    default_engagement,
    load_engagement,
    render_html,
    render_json,
    render_markdown,
    render_text,
    run_cycle,
)
from comanaged_rcm.cycle._escalate import _close, _overdue
from comanaged_rcm.cycle._report import EscalationGroupLine
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    DEFAULT_HOURS,
    Alert,
    AlertStatus,
    BusinessHours,
    FactKind,
    Level,
    Owner,
    Rule,
    business_hours,
)
from comanaged_rcm.serialize import from_json, to_dict, to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")
ALL_WEEK = dict.fromkeys(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), "00:00-24:00"
)


def _document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = to_dict(default_engagement())
    document.update(changes)
    return document


def _refused(document: dict[str, Any]) -> tuple[str, str, str]:
    with pytest.raises(ValidationError) as caught:
        load_engagement(json.dumps(document))
    (issue,) = caught.value.issues
    return issue.path, issue.code, issue.message


class TestSection:
    def test_schema_version_3_introduces_it(self) -> None:
        """Schema version 3 adds the section; the default engagement writes the current version without it."""
        assert SCHEMA_VERSION >= 3
        assert SCHEMA_SECTIONS["business_hours"] == 3
        assert default_engagement().business_hours is None
        assert to_dict(default_engagement())["schema_version"] == SCHEMA_VERSION

    def test_defaults(self) -> None:
        """Only the zone is required: US federal holidays, Monday to Friday 08:00 to 17:00, no closures."""
        engagement = load_engagement(json.dumps(_document(business_hours={"zone": "America/New_York"})))
        section = engagement.business_hours
        assert section == BusinessHoursSection(zone="America/New_York")
        assert (section.calendar, section.hours, section.closures) == ("us_federal", dict(DEFAULT_HOURS), ())
        assert section.business_hours == business_hours("America/New_York")

    def test_a_full_section(self) -> None:
        """Zone, calendar, hours and closures are read; closures are closed days of the built hours."""
        section = {
            "zone": "America/Chicago",
            "calendar": "weekends",
            "hours": {"monday": "09:00-12:00", "saturday": "10:00-14:00"},
            "closures": ["2026-12-24"],
        }
        engagement = load_engagement(json.dumps(_document(business_hours=section)))
        assert engagement.business_hours is not None
        office = engagement.business_hours.business_hours
        assert isinstance(office, BusinessHours)
        assert office.zone == "America/Chicago"
        assert office.hours == {"monday": "09:00-12:00", "saturday": "10:00-14:00"}
        assert office.holidays == frozenset({datetime.date(2026, 12, 24)})  # weekends: no holidays of its own
        assert sorted(office.weekend) == [1, 2, 3, 4, 6]
        assert to_dict(engagement)["business_hours"] == section
        assert from_json(to_json(engagement), Engagement) == engagement

    def test_closures_add_to_the_calendar(self) -> None:
        section = BusinessHoursSection(zone="America/New_York", closures=(datetime.date(2026, 12, 24),))
        holidays = section.business_hours.holidays
        assert datetime.date(2026, 12, 24) in holidays
        assert datetime.date(2026, 12, 25) in holidays  # the federal calendar's own
        assert holidays - {datetime.date(2026, 12, 24)} == business_hours("America/New_York").holidays

    def test_built_once_and_not_reached_by_later_changes(self) -> None:
        """The BusinessHours is built with the section; later changes to the dict do not reach it."""
        hours = {"monday": "08:00-12:00"}
        section = BusinessHoursSection(zone="UTC", hours=hours)
        built = section.business_hours
        hours["tuesday"] = "08:00-12:00"
        assert section.business_hours is built
        assert section.hours == {"monday": "08:00-12:00"} == built.hours

    @pytest.mark.parametrize(
        ("section", "path", "words"),
        [
            ({}, "$.business_hours.zone", "required key is missing"),
            ({"zone": 5}, "$.business_hours.zone", "expected str"),
            ({"zone": "America/New_Yrok"}, "$.business_hours.zone", "did you mean 'America/New_York'?"),
            ({"zone": "localtime"}, "$.business_hours.zone", "IANA time zone"),
            (
                {"zone": "UTC", "calendar": "us_federl"},
                "$.business_hours.calendar",
                "did you mean 'us_federal'?",
            ),
            (
                {"zone": "UTC", "hours": {"mondey": "08:00-17:00"}},
                "$.business_hours.hours['mondey']",
                "monday",
            ),
            ({"zone": "UTC", "hours": {"monday": "8-17"}}, "$.business_hours.hours.monday", "HH:MM-HH:MM"),
            (
                {"zone": "UTC", "hours": {"monday": "17:00-08:00"}},
                "$.business_hours.hours.monday",
                "close after",
            ),
            ({"zone": "UTC", "hours": {}}, "$.business_hours.hours", "at least one weekday"),
            ({"zone": "UTC", "closures": ["2026-13-01"]}, "$.business_hours.closures[0]", "ISO date"),
            ({"zone": "UTC", "open": True}, "$.business_hours.open", "unknown key"),
        ],
    )
    def test_refused_at_its_path(self, section: dict[str, Any], path: str, words: str) -> None:
        found, _, message = _refused(_document(business_hours=section))
        assert found == path
        assert words in message

    @pytest.mark.parametrize("version", [1, 2])
    def test_an_older_document_is_refused_naming_version_3(self, version: int) -> None:
        assert _refused(_document(schema_version=version, business_hours={"zone": "UTC"})) == (
            "$.business_hours",
            "version",
            (
                "the 'business_hours' section needs engagement schema version 3 (it was introduced in"
                f' version 3); this document declares version {version}: set "schema_version": 3'
            ),
        )

    def test_in_python_too(self) -> None:
        with pytest.raises(ValidationError, match=r"needs engagement schema version 3.*@ \$\.business_hours"):
            attrs.evolve(
                default_engagement(), schema_version=2, business_hours=BusinessHoursSection(zone="UTC")
            )
        with pytest.raises(ValidationError, match=r"BusinessHoursSection.*@ \$\.business_hours"):
            attrs.evolve(default_engagement(), business_hours=business_hours("UTC"))  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"closures\[0\]"):
            BusinessHoursSection(zone="UTC", closures=(datetime.datetime(2026, 12, 24, tzinfo=datetime.UTC),))


# ------------------------------------------------------------------------------- the cycle
@functools.cache
def _book() -> SyntheticBook:
    return generate_book(seed=3, claims=600, weeks=6)


@functools.cache
def _data() -> CycleData:
    return CycleData.from_synthetic(_book())


def _engagement(
    hours: int | None, *, zone: str = "Asia/Kolkata", week: dict[str, str] | None = None
) -> Engagement:
    """One rule on every open denial (no ladder), over two replayed weeks."""
    base = default_engagement()
    rule = Rule(
        id="open_denial",
        when="status == 'denied' and balance > 0",
        applies_to=FactKind.CLAIM,
        level=Level.ONSHORE_LEAD,
        owner=Owner.accountable("denials"),
        deadline_hours=hours,
        dedup_keys=("claim_id",),
    )
    section = None
    if zone:
        section = BusinessHoursSection(
            zone=zone, calendar="weekends", hours=ALL_WEEK if week is None else week
        )
    return attrs.evolve(
        base,
        rules=attrs.evolve(base.rules, rules=(rule,)),
        escalation_periods=2,
        trend_periods=2,
        kpi_window=1,
        business_hours=section,
    )


def _run(engagement: Engagement) -> GovernanceReport:
    return run_cycle(engagement, _data(), _book().period.end)


class TestClock:
    def test_now_is_the_close_of_the_period_in_the_zone(self) -> None:
        """The report's clock is midnight after the period's last day, aware, in the provider's zone."""
        report = _run(_engagement(8, zone="America/New_York", week=dict(DEFAULT_HOURS)))
        end = report.period.end
        assert report.zone == "America/New_York"
        assert report.now == datetime.datetime.combine(end, datetime.time(0), tzinfo=NEW_YORK)
        assert report.now is not None
        assert report.now.utcoffset() == NEW_YORK.utcoffset(report.now)
        assert all(line.overdue is not None for line in report.escalations)
        assert report.escalations

    def test_hours_deadlines_count_in_the_zone(self) -> None:
        """An alert fired at the close of a Sunday gets 8 business hours from Monday 08:00 local: 16:00."""
        report = _run(_engagement(8, zone="America/New_York", week=dict(DEFAULT_HOURS)))
        assert report.now is not None
        fresh = [line for line in report.escalations if line.since == report.period.end]
        assert fresh
        expected = business_hours("America/New_York").add_business_hours(report.now, 8)
        assert expected.astimezone(NEW_YORK).time() == datetime.time(16, 0)
        for line in fresh:
            assert line.deadline_at == expected
            assert line.deadline == expected.date()
            assert line.overdue is False

    def test_a_zone_that_skips_midnight(self) -> None:
        """Where the clock jumps from 00:00 to 01:00, the day starts at 01:00 (a real moment)."""
        office = business_hours("America/Havana")
        start = _close(datetime.date(2026, 3, 8), office)  # Cuba springs forward at midnight
        assert start.isoformat() == "2026-03-08T01:00:00-04:00"
        assert _close(datetime.date(2026, 3, 9), office).isoformat() == "2026-03-09T00:00:00-04:00"
        assert _close(datetime.date(2026, 3, 9), None).isoformat() == "2026-03-09T00:00:00+00:00"

    def test_without_business_hours_the_clock_is_utc_midnight(self) -> None:
        """No section: no zone, no clock, no deadline moments or overdue marks (today's report)."""
        report = _run(_engagement(None, zone=""))
        assert (report.zone, report.now) == ("", None)
        assert report.escalations
        assert all(line.deadline_at is None and line.overdue is None for line in report.escalations)

    def test_hours_rules_without_business_hours_are_refused(self) -> None:
        """A deadline in business hours needs the engagement's business hours: refused, not guessed."""
        with pytest.raises(ValidationError, match=r"BusinessHours calendar"):
            _run(_engagement(8, zone=""))


class TestOverdueEdge:
    """A deadline before the report's clock is overdue; one at the clock is not."""

    @pytest.mark.parametrize(("hours", "late"), [(168, False), (167, True)])
    def test_through_the_cycle(self, hours: int, late: bool) -> None:
        """Open around the clock in Kolkata: 168 business hours after a replay is the next one's clock."""
        report = _run(_engagement(hours))
        assert report.now is not None
        carried = [
            line for line in report.escalations if line.since is not None and line.since < report.period.end
        ]
        assert carried
        for line in carried:
            assert line.deadline_at is not None
            assert line.deadline_at == report.now - datetime.timedelta(hours=168 - hours)
            assert line.overdue is late
        count = len(carried) if late else 0
        assert sum(group.overdue or 0 for group in report.groups) == count
        assert report.headline is not None
        assert (report.headline.overdue or 0) == sum(d.overdue or 0 for d in report.decisions)
        assert render_html(report).count("<td>OVERDUE</td>") == count  # each alert, in its group's details
        assert [
            e["overdue"]
            for e in json.loads(render_json(report))["escalations"]
            if e["since"] < str(report.period.end)
        ] == [late] * len(carried)

    def _alert(self, **deadline: Any) -> Alert:
        at = datetime.datetime(2026, 10, 26, tzinfo=NEW_YORK)
        return Alert(
            key="k",
            rule="r",
            rule_version=1,
            rule_hash="h",
            labels={},
            status=AlertStatus.FIRING,
            since=at,
            active_since=at,
            **deadline,
        )

    NOW = datetime.datetime(2026, 11, 2, 0, 0, tzinfo=NEW_YORK)

    @pytest.mark.parametrize(
        ("deadline_at", "late"),
        [
            (NOW, False),
            (NOW - datetime.timedelta(minutes=1), True),
            (NOW + datetime.timedelta(minutes=1), False),
            (NOW.astimezone(datetime.UTC), False),  # the same moment on another clock
            ((NOW - datetime.timedelta(minutes=1)).astimezone(KOLKATA), True),
        ],
    )
    def test_a_deadline_moment(self, deadline_at: datetime.datetime, late: bool) -> None:
        alert = self._alert(deadline=deadline_at.date(), deadline_at=deadline_at)
        assert _overdue(alert, self.NOW, business_hours("America/New_York")) is late

    @pytest.mark.parametrize(
        ("day", "late"),
        [
            (datetime.date(2026, 11, 1), False),
            (datetime.date(2026, 10, 31), True),
            (datetime.date(2026, 11, 2), False),
        ],
    )
    def test_a_deadline_day_closes_at_midnight_in_the_zone(self, day: datetime.date, late: bool) -> None:
        """A deadline day ends at its local midnight: the period's last day is due at the clock, not late."""
        assert _overdue(self._alert(deadline=day), self.NOW, business_hours("America/New_York")) is late

    def test_no_deadline_is_never_overdue(self) -> None:
        assert _overdue(self._alert(), self.NOW, business_hours("America/New_York")) is False


# ------------------------------------------------------------------------------- rendering
_NOW = datetime.datetime(2026, 11, 23, 0, 0, tzinfo=NEW_YORK)


def _zoned(report: GovernanceReport) -> GovernanceReport:
    line = report.escalations[0]
    moment = datetime.datetime(2026, 11, 20, 19, 30, tzinfo=datetime.UTC)  # 14:30 in New York
    lines = (
        attrs.evolve(line, deadline=datetime.date(2026, 11, 20), deadline_at=moment, overdue=True),
        attrs.evolve(line, rule="day_rule", deadline=datetime.date(2026, 11, 24), overdue=False),
        attrs.evolve(line, rule="no_deadline", deadline=None, overdue=False),
    )
    return attrs.evolve(report, escalations=lines, zone="America/New_York", now=_NOW)


def _grouped(report: GovernanceReport) -> GovernanceReport:
    """The zoned report with its lines in two groups: one with an overdue deadline moment, one without."""
    zoned = _zoned(report)
    first, second, third = (attrs.evolve(e, dedup_key=f"k{i}") for i, e in enumerate(zoned.escalations))
    groups = (
        EscalationGroupLine(
            key="late",
            rule=first.rule,
            owner=first.owner,
            owner_name=first.owner_name,
            decision="",
            severity="high",
            status="open",
            count=1,
            alerts=("k0",),
            amount=None,
            amount_items=0,
            since=datetime.date(2026, 11, 16),
            deadline=first.deadline,
            deadline_at=first.deadline_at,
            overdue=1,
        ),
        EscalationGroupLine(
            key="calm",
            rule="day_rule",
            owner=first.owner,
            owner_name=first.owner_name,
            decision="",
            severity="high",
            status="open",
            count=2,
            alerts=("k1", "k2"),
            amount=None,
            amount_items=0,
            since=datetime.date(2026, 11, 16),
            deadline=second.deadline,
            overdue=0,
        ),
    )
    return attrs.evolve(zoned, escalations=(first, second, third), groups=groups)


class TestRendering:
    def test_text(self, report: GovernanceReport) -> None:
        """The zone is in the title, deadline moments are local, each group counts its overdue alerts."""
        text = render_text(_grouped(report))
        section = text[text.index("5. ESCALATIONS") : text.index("6. SCOPE")]
        lines = section.splitlines()
        assert lines[0] == "5. ESCALATIONS (times in America/New_York)"
        assert lines[1].split() == [
            "status",
            "rule",
            "owner",
            "decision",
            "alerts",
            "at",
            "stake",
            "oldest",
            "deadline",
            "overdue",
            "acked",
            "now",
        ]
        assert re.search(r"2026-11-20 14:30\s+1\s+0", section)
        assert re.search(r"2026-11-24\s+0\s+0", section)
        assert lines[-3].startswith("  Overdue: a deadline before 2026-11-23 00:00, the close of 2026-W47.")
        assert text.count("America/New_York") == 1

    def test_markdown(self, report: GovernanceReport) -> None:
        markdown = render_markdown(_grouped(report))
        assert "## 5. Escalations (times in America/New_York)" in markdown
        assert (
            "| status | rule | owner | decision | alerts | at stake | oldest | deadline | overdue | acked"
            " | now |" in (markdown)
        )
        assert "| 2026-11-20 14:30 | 1 | 0 |" in markdown
        assert "| 2026-11-24 | 0 | 0 |" in markdown
        assert "_Overdue: a deadline before 2026-11-23 00:00, the close of 2026-W47." in markdown
        assert markdown.count("America/New_York") == 1

    def test_html(self, report: GovernanceReport) -> None:
        page = render_html(_grouped(report))
        assert "<h2>5. Escalations (times in America/New_York)</h2>" in page
        assert "<th>deadline</th><th>overdue</th><th>acked</th><th>now</th>" in page
        assert '<td>2026-11-20 14:30</td><td><strong class="overdue">1 OVERDUE</strong></td>' in page
        assert "<td>2026-11-24</td><td>0</td>" in page
        assert "<td>2026-11-20 14:30</td><td>OVERDUE</td>" in page  # the alert, in the group's details
        assert page.count("America/New_York") == 1

    def test_json_round_trips(self, report: GovernanceReport) -> None:
        zoned = _zoned(report)
        text = render_json(zoned)
        document = json.loads(text)
        assert document["zone"] == "America/New_York"
        assert document["now"] == "2026-11-23T00:00:00-05:00"
        first, second, _ = document["escalations"]
        assert (first["deadline_at"], first["overdue"]) == ("2026-11-20T19:30:00+00:00", True)
        assert "deadline_at" not in second
        assert second["overdue"] is False
        back = from_json(text, GovernanceReport)
        assert back == zoned
        assert render_json(back) == text
        assert render_text(back) == render_text(zoned)

    def test_without_a_zone_nothing_changes(self, report: GovernanceReport) -> None:
        """A report without business hours has no zone, no overdue column and no new JSON keys."""
        text = render_text(report)
        assert "5. ESCALATIONS\n" in text
        assert "overdue" not in text.lower()
        assert "overdue" not in render_markdown(report).lower()
        assert "overdue" not in render_html(report).lower().replace(".overdue", "")
        document = json.loads(render_json(report))
        assert "zone" not in document
        assert "now" not in document
        assert list(document["escalations"][0]) == [
            "rule",
            "severity",
            "level",
            "owner",
            "owner_name",
            "entity",
            "deadline",
            "reason",
            "dedup_key",
            "since",
        ]


class TestDefaultReportUnchanged:
    def test_the_default_engagement_report_keeps_its_shape(self) -> None:
        """The default engagement has no business hours: its report has today's keys, headers and title."""
        engagement = attrs.evolve(default_engagement(), trend_periods=2)
        report = run_cycle(engagement, _data(), _book().period.end)
        assert (report.zone, report.now) == ("", None)
        document = json.loads(render_json(report))
        keys = list(document)
        assert keys[keys.index("kpi_basis") :][:3] == ["kpi_basis", "partial_data", "data_findings"]
        assert set(keys[keys.index("data_findings") + 1 :]) <= {"headline", "decisions", "decided", "groups"}
        assert all("overdue" not in e and "deadline_at" not in e for e in document["escalations"])
        assert "5. ESCALATIONS" in render_text(report).splitlines()
        assert render_text(report) == render_text(from_json(render_json(report), GovernanceReport))


class TestReportChecks:
    def test_zone_and_now_come_together(self, report: GovernanceReport) -> None:
        with pytest.raises(ValidationError, match=r"needs 'now' too.*@ \$\.now"):
            attrs.evolve(report, zone="America/New_York")
        with pytest.raises(ValidationError, match=r"needs 'zone' too.*@ \$\.zone"):
            attrs.evolve(report, now=_NOW)

    def test_the_clock_is_aware(self, report: GovernanceReport) -> None:
        with pytest.raises(ValidationError, match=r"\$\.now"):
            attrs.evolve(report, zone="America/New_York", now=datetime.datetime(2026, 11, 23))  # noqa: DTZ001

    def test_an_unknown_zone(self, report: GovernanceReport) -> None:
        with pytest.raises(ValidationError, match=r"did you mean 'America/New_York'\?.*@ \$\.zone"):
            attrs.evolve(report, zone="America/New_Yrok", now=_NOW)

    @pytest.mark.parametrize("field", ["deadline_at", "overdue"])
    def test_marks_need_a_zone(self, report: GovernanceReport, field: str) -> None:
        value: Any = _NOW if field == "deadline_at" else True
        line = attrs.evolve(report.escalations[0], **{field: value})
        with pytest.raises(ValidationError, match=rf"no 'zone'.*@ \$\.escalations\[0\]\.{field}"):
            attrs.evolve(report, escalations=(line,))

    def test_a_naive_deadline_moment(self, report: GovernanceReport) -> None:
        with pytest.raises(ValidationError, match=r"\$\.deadline_at"):
            attrs.evolve(report.escalations[0], deadline_at=datetime.datetime(2026, 11, 23))  # noqa: DTZ001

    def test_line_fields(self) -> None:
        line = EscalationLine(
            rule="r",
            severity="",
            level="",
            owner="",
            owner_name="x",
            entity="",
            deadline=None,
            reason="",
            dedup_key="k",
        )
        assert (line.deadline_at, line.overdue) == (None, None)
        with pytest.raises(ValidationError, match=r"\$\.overdue"):
            attrs.evolve(line, overdue=1)  # type: ignore[arg-type]


class TestCommand:
    def _run(
        self, tmp_path: Path, section: dict[str, Any], capsys: pytest.CaptureFixture[str]
    ) -> tuple[int, str, str]:
        folder = tmp_path / "export"
        assert main(["synthetic", "export", "--claims", "600", str(folder)]) == 0
        document = json.loads((folder / "engagement.json").read_text(encoding="utf-8"))
        document["business_hours"] = section
        (folder / "engagement.json").write_text(json.dumps(document), encoding="utf-8")
        capsys.readouterr()
        code = main(
            [
                "report",
                "--engagement", str(folder / "engagement.json"),
                "--transactions", str(folder / "transactions.csv"),
                "--submissions", str(folder / "submissions.csv"),
                "--work-items", str(folder / "work_items.csv"),
                "--audits", str(folder / "audits.csv"),
                "--as-of", "2026-11-02",
            ]
        )  # fmt: skip
        out, err = capsys.readouterr()
        return code, out, err

    def test_report_shows_the_zone(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = self._run(tmp_path, {"zone": "America/Chicago"}, capsys)
        assert code == 0
        assert "\n5. ESCALATIONS (times in America/Chicago)\n" in out
        assert "Overdue: a deadline before 2026-11-02 00:00, the close of 2026-W44." in out

    def test_a_bad_zone_exits_2_naming_it(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = self._run(tmp_path, {"zone": "America/Chicgo"}, capsys)
        assert (code, out) == (2, "")
        assert "did you mean 'America/Chicago'?" in err
        assert err.rstrip().endswith("@ $.business_hours.zone")
        assert "Traceback" not in err
