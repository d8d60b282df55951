from __future__ import annotations

import subprocess
import sys

from comanaged_rcm import raci


class TestExports:
    def test_all_is_pinned(self) -> None:
        """The package exports exactly these names, sorted."""
        assert raci.__all__ == [
            "CLIENT_RESERVED_DECISIONS",
            "DACI",
            "MONEY_DECISIONS",
            "NON_DELEGABLE_DECISIONS",
            "RACI",
            "RASCI",
            "RULES",
            "WORKFLOWS",
            "AccessGrant",
            "Activity",
            "ActivityKind",
            "Assignment",
            "Change",
            "ChangeKind",
            "DecisionRight",
            "EscalationEdge",
            "Letter",
            "Limits",
            "Matrix",
            "MatrixRow",
            "Party",
            "PartyKind",
            "Permission",
            "Role",
            "Scheme",
            "ScopeSplit",
            "SplitDiff",
            "System",
            "Workflow",
            "co_managed_template",
            "diff",
            "matrix",
            "raise_for_findings",
            "validate",
        ]

    def test_every_name_resolves(self) -> None:
        """Every exported name is an attribute of the package."""
        for name in raci.__all__:
            assert hasattr(raci, name), name

    def test_import_is_light(self) -> None:
        """Importing the package loads neither scipy nor numpy (checked in a fresh interpreter)."""
        code = "import sys, comanaged_rcm.raci; print('scipy' in sys.modules, 'numpy' in sys.modules)"
        out = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed snippet
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "False False"
