from __future__ import annotations

import subprocess
import sys

from comanaged_rcm import escalation


class TestExports:
    def test_all_is_pinned(self) -> None:
        """The package exports exactly these names, sorted."""
        assert escalation.__all__ == [
            "CALENDAR_NAMES",
            "DEFAULT_GROUP_BY",
            "DEFAULT_GROUP_INTERVAL",
            "DEFAULT_GROUP_WAIT",
            "DEFAULT_HOURS",
            "DEFAULT_REPEAT_INTERVAL",
            "DEFAULT_RULE_TESTS",
            "DEFAULT_YEARS",
            "FIRST_YEAR",
            "FORMATS",
            "KPI_ROW_SCHEMA",
            "LAST_YEAR",
            "MAPPED_LABELS",
            "MAX_DEADLINE_HOURS",
            "MAX_DEPTH",
            "MAX_DURATION_BUSINESS_DAYS",
            "MAX_DURATION_SECONDS",
            "MAX_FILE_CHARS",
            "MAX_LENGTH",
            "MAX_NODES",
            "MAX_PATTERN",
            "MAX_PUSHDOWN_HOLIDAYS",
            "MAX_RULES",
            "MAX_VARIABLE_REPEATS",
            "MAX_YEARS",
            "US_FEDERAL_HOLIDAYS",
            "WEEKDAYS",
            "WORK_ITEM_SCHEMA",
            "Alert",
            "AlertCheck",
            "AlertGroup",
            "AlertGrouping",
            "AlertSeverity",
            "AlertStatus",
            "BusinessCalendar",
            "BusinessHours",
            "Categorical",
            "Clause",
            "CompiledRule",
            "Duration",
            "Evaluation",
            "Event",
            "EventKind",
            "ExpectedAlert",
            "Explanation",
            "Expression",
            "FactKind",
            "FieldType",
            "Hold",
            "HolidayRule",
            "InhibitRule",
            "Inhibition",
            "Level",
            "MappingDirectory",
            "MatchOp",
            "Matcher",
            "MinCount",
            "NotificationGroup",
            "NotificationPlan",
            "Observance",
            "ObservedAlert",
            "OnUnknown",
            "Outcome",
            "Owner",
            "OwnerDirectory",
            "OwnerKind",
            "PlanAlert",
            "PushdownError",
            "Route",
            "Rule",
            "RuleExtras",
            "RuleFile",
            "RuleGroup",
            "RuleSet",
            "RuleTestReport",
            "Rung",
            "Sent",
            "Silence",
            "SilenceRule",
            "State",
            "acknowledge",
            "add_silence",
            "alert_groups",
            "business_hours",
            "calendar",
            "check_types",
            "compile_rule",
            "compile_rules",
            "custom_calendar",
            "dedup_key",
            "default_route",
            "default_rule_tests",
            "default_rules",
            "federal_holidays",
            "group_events",
            "holidays_from_rules",
            "muted",
            "notification_plan",
            "overdue",
            "parse_expression",
            "pushdown_counts",
            "pushdown_firing",
            "pushdown_outcomes",
            "read_rule_tests",
            "route",
            "run_rule_tests",
            "step",
        ]

    def test_every_name_resolves(self) -> None:
        """Every exported name is an attribute of the package."""
        for name in escalation.__all__:
            assert getattr(escalation, name) is not None

    def test_import_does_not_load_scipy(self) -> None:
        """Importing the package does not import scipy (checked in a fresh interpreter)."""
        code = "import sys, comanaged_rcm.escalation; print('scipy' in sys.modules)"
        out = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed snippet
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "False"

    def test_import_does_not_load_yaml(self) -> None:
        """PyYAML, an optional extra, is imported only when a YAML rule file is read or written."""
        code = "import sys, comanaged_rcm.escalation; print('yaml' in sys.modules)"
        out = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed snippet
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "False"

    def test_rule_files_routing_and_holidays_are_public(self) -> None:
        """The Prometheus-shaped names are the private modules' own objects, re-exported."""
        from comanaged_rcm.escalation import _grouping, _holidays, _hours, _routing, _rulefiles  # noqa: PLC0415

        for module in (_holidays, _rulefiles, _routing, _hours, _grouping):
            for name in module.__all__:
                assert name in escalation.__all__
                assert getattr(escalation, name) is getattr(module, name)
