"""Scope and ownership splits: parties, activities, RACI cells, decision rights and access grants.

A :class:`ScopeSplit` is the whole document of one co-managed engagement; :func:`validate`
returns every broken rule (``RACI-001`` to ``RACI-018``, see :data:`RULES`) with its path;
:func:`co_managed_template` is a complete, valid starting point; :func:`matrix` and :func:`diff`
are the views an engagement reviews and keeps.

>>> split = co_managed_template()
>>> validate(split), split.accountable_for("denials"), split.decision_holder("write_off")
([], 'onshore_lead', 'client_rcm_director')
"""

from __future__ import annotations

from comanaged_rcm.findings import raise_for_findings
from comanaged_rcm.raci._diff import Change, ChangeKind, SplitDiff, diff
from comanaged_rcm.raci._matrix import Matrix, MatrixRow, matrix
from comanaged_rcm.raci._models import (
    CLIENT_RESERVED_DECISIONS,
    DACI,
    MONEY_DECISIONS,
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
