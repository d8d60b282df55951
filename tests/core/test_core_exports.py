"""Each package's public API is pinned, so a change to it is a deliberate one."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

EXPECTED = {
    "comanaged_rcm": ["__version__"],
    "comanaged_rcm.errors": [
        "ConventionError",
        "InsufficientDataError",
        "Issue",
        "RCMError",
        "RuleSyntaxError",
        "ValidationError",
    ],
    "comanaged_rcm.findings": [
        "Finding",
        "Severity",
        "errors_only",
        "raise_for_findings",
        "to_arrow",
        "to_pandas",
        "to_polars",
    ],
    "comanaged_rcm.serialize": [
        "converter",
        "from_dict",
        "from_json",
        "to_arrow",
        "to_dict",
        "to_json",
        "to_pandas",
        "to_polars",
    ],
    "comanaged_rcm.periods": ["Cadence", "Frequency", "Period", "Weekday", "relativedelta"],
    "comanaged_rcm.mapping": [
        "MAPPING_VERSION",
        "TABLES",
        "ExportMap",
        "HeaderMatch",
        "MapSuggestion",
        "NumberFormat",
        "TableMap",
        "apply_values",
        "case_variants",
        "fold",
        "load_map",
        "parse_dates",
        "parse_numbers",
        "schema_columns",
        "suggest_map",
    ],
    "comanaged_rcm.tables": ["Column", "ColumnKind", "data_lines", "narrowest", "read_csv"],
    "comanaged_rcm.cli": ["CommandError", "build_parser", "main"],
    "comanaged_rcm.cycle": [
        "AUDIT_COLUMNS",
        "CSV_COLUMNS",
        "DEFAULT_ACTIVITY",
        "DEFAULT_DRIVERS",
        "DEFAULT_OUTCOMES",
        "GROUP_STATUSES",
        "HISTORY_SCHEMA_VERSION",
        "MAX_ESCALATION_ROWS",
        "SCHEMA_SECTIONS",
        "SCHEMA_VERSION",
        "Acknowledgement",
        "Auditor",
        "Baseline",
        "BusinessHoursSection",
        "CycleData",
        "DecidedLine",
        "Decision",
        "DecisionLine",
        "EconomicsSection",
        "Engagement",
        "EscalationCount",
        "EscalationGroupLine",
        "EscalationLine",
        "Fee",
        "FindingLine",
        "GovernanceReport",
        "Headline",
        "HistoryBusyError",
        "HistoryStore",
        "HistoryVersionError",
        "KpiLine",
        "MarginFigure",
        "MarginSection",
        "Operations",
        "OperationsSection",
        "OperationsSnapshot",
        "OwnCost",
        "PartyWork",
        "QaLine",
        "QaPolicy",
        "SQLiteHistory",
        "Snapshot",
        "TrendPoint",
        "Verdict",
        "WorkflowQueue",
        "check_engagement",
        "default_engagement",
        "format_value",
        "load_engagement",
        "margin",
        "open_history",
        "operations_section",
        "read_cycle_csv",
        "render_html",
        "render_json",
        "render_markdown",
        "render_text",
        "run_cycle",
        "selection_seed",
        "write_report",
    ],
}


class TestExports:
    @pytest.mark.parametrize("module", sorted(EXPECTED))
    def test_all_is_pinned_and_sorted(self, module: str) -> None:
        """``__all__`` lists exactly the public names, sorted (constants, classes, functions, as
        ruff's RUF022 orders them), and each one exists."""
        mod = importlib.import_module(module)
        assert list(mod.__all__) == EXPECTED[module]
        ruff_order = sorted(mod.__all__, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
        assert ruff_order == list(mod.__all__)
        for name in mod.__all__:
            assert hasattr(mod, name)


class TestImportIsLight:
    def test_import_does_not_load_scipy(self) -> None:
        """``import comanaged_rcm`` stays light: scipy is imported only where needed."""
        code = "import comanaged_rcm, sys; print('scipy' in sys.modules)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603  (our own interpreter, fixed code)
        assert out.stdout.strip() == "False"

    def test_cli_parser_does_not_load_scipy(self) -> None:
        """Building the command line (``--help``) does not import scipy either."""
        code = (
            "from comanaged_rcm.cli import build_parser; import sys; "
            "build_parser(); print('scipy' in sys.modules)"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603  (our own interpreter, fixed code)
        assert out.stdout.strip() == "False"
