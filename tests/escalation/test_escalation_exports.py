from __future__ import annotations

import subprocess
import sys

from comanaged_rcm import escalation


class TestExports:
    def test_all_is_pinned(self) -> None:
        """The package exports exactly these names, sorted."""
        assert escalation.__all__ == [
            "KPI_ROW_SCHEMA",
            "MAX_DEPTH",
            "MAX_LENGTH",
            "MAX_NODES",
            "WORK_ITEM_SCHEMA",
            "Alert",
            "AlertSeverity",
            "AlertStatus",
            "BusinessCalendar",
            "Categorical",
            "Clause",
            "CompiledRule",
            "Evaluation",
            "Event",
            "EventKind",
            "Explanation",
            "Expression",
            "FactKind",
            "FieldType",
            "Hold",
            "Inhibition",
            "Level",
            "MappingDirectory",
            "MinCount",
            "OnUnknown",
            "Outcome",
            "Owner",
            "OwnerDirectory",
            "OwnerKind",
            "Rule",
            "RuleSet",
            "Rung",
            "Silence",
            "State",
            "acknowledge",
            "add_silence",
            "check_types",
            "compile_rule",
            "compile_rules",
            "dedup_key",
            "default_rules",
            "group_events",
            "parse_expression",
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
