"""Scope and ownership splits: parties, activities, RACI cells, decision rights and access grants."""

from __future__ import annotations

from comanaged_rcm.findings import raise_for_findings
from comanaged_rcm.raci._diff import Change, ChangeKind, SplitDiff, diff
from comanaged_rcm.raci._matrix import Matrix, MatrixRow, matrix
from comanaged_rcm.raci._models import (
    CLIENT_RESERVED_DECISIONS,
    DACI,
    NON_DELEGABLE_DECISIONS,
    RACI,
    RASCI,
    WORKFLOWS,
    AccessGrant,
    Activity,
    ActivityKind,
    Assignment,
    DecisionRight,
    EscalationEdge,
    Letter,
    Party,
    PartyKind,
    Permission,
    Role,
    Scheme,
    ScopeSplit,
    System,
    Workflow,
)
from comanaged_rcm.raci._template import co_managed_template
from comanaged_rcm.raci._validate import RULES, Limits, validate

__all__ = [
    "CLIENT_RESERVED_DECISIONS",
    "DACI",
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
