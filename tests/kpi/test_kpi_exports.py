"""The public API of comanaged_rcm.kpi is pinned, so a change to it is deliberate."""

from __future__ import annotations

import subprocess
import sys

from comanaged_rcm import kpi

EXPECTED = [
    "CONVENTIONS",
    "DEFAULT_CONVENTIONS",
    "ENGINE_EXTRA",
    "MEASURES",
    "OUTCOMES",
    "SCHEMAS",
    "TRANSACTION_TYPES",
    "WRITE_OFF_REASONS",
    "Anchor",
    "Book",
    "Bound",
    "ByConvention",
    "Catalogue",
    "ClaimDate",
    "ClaimRole",
    "Condition",
    "Convention",
    "Derived",
    "Direction",
    "Edge",
    "EdgeKind",
    "Field",
    "FieldKind",
    "Interval",
    "KPIDefinition",
    "KPIResult",
    "Lag",
    "LazyBook",
    "Measure",
    "MeasureSet",
    "Scorecard",
    "Signed",
    "Status",
    "Target",
    "Term",
    "Tier",
    "Trend",
    "TrendPoint",
    "Unit",
    "catalogue",
    "check_hierarchy",
    "evaluate",
    "measures",
    "register",
    "resolve_conventions",
    "trend",
    "unregister",
]


class TestKpiExports:
    def test_all_is_pinned_and_sorted(self) -> None:
        """__all__ is exactly the expected names (in ruff's isort-style order), and each exists."""
        assert kpi.__all__ == EXPECTED
        assert all(hasattr(kpi, name) for name in EXPECTED)

    def test_import_does_not_load_scipy(self) -> None:
        """Importing the KPI package leaves scipy unloaded."""
        code = "import sys, comanaged_rcm.kpi; print('scipy' in sys.modules)"
        out = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed snippet
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        assert out.strip() == "False"
