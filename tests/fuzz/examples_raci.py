"""Valid example calls of every public callable of comanaged_rcm.raci, for the API-wide fuzz test."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import attrs

from comanaged_rcm.findings import Finding, Severity
from comanaged_rcm.raci import (
    RACI,
    ActivityKind,
    ChangeKind,
    Letter,
    Limits,
    MatrixRow,
    PartyKind,
    Permission,
    Role,
    co_managed_template,
    diff,
)
from tests.fuzz.probes import Call

_T = co_managed_template()
"""Built once: every model is frozen, so the examples share it safely."""

_T2 = attrs.evolve(_T, version=2, in_scope=_T.in_scope - {"coding"}, out_of_scope={"coding"})
_MATRIX = _T.matrix()
_DIFF = diff(_T, _T2)
_DAY = datetime.date(2026, 1, 1)

_P = "comanaged_rcm.raci"

EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.AccessGrant": lambda: Call(
        kwargs={
            "party": "offshore_pod",
            "system": "pm_system",
            "identity": "pm-offshore",
            "permissions": frozenset({Permission.VIEW, Permission.EDIT}),
            "denied": frozenset({Permission.ADJUST}),
            "granted_by": "client_rcm_director",
            "review_by": datetime.date(2026, 6, 30),
        }
    ),
    f"{_P}.Activity": lambda: Call(
        kwargs={
            "id": "write_off_approval.approve",
            "workflow": "write_off_approval",
            "name": "Approve write-offs",
            "kind": ActivityKind.DECIDE,
            "financial_control": True,
            "touches_phi": False,
            "onshore_only": True,
            "systems": frozenset({"pm_system"}),
            "decision": "write_off",
        }
    ),
    f"{_P}.Assignment": lambda: Call(
        kwargs={"activity": "denials.work", "party": "offshore_pod", "letters": frozenset({"R"})}
    ),
    f"{_P}.Change": lambda: Call(
        kwargs={
            "section": "owners",
            "kind": ChangeKind.CHANGED,
            "key": "denials.work / client_staff",
            "before": "C",
            "after": "I",
        }
    ),
    f"{_P}.DecisionRight": lambda: Call(
        kwargs={
            "decision": "write_off",
            "holder": "client_rcm_director",
            "threshold": 500.0,
            "delegate": "onshore_lead",
        }
    ),
    f"{_P}.EscalationEdge": lambda: Call(
        kwargs={"source": "offshore_pod", "target": "onshore_lead", "trigger": "blocked for 2 days"}
    ),
    f"{_P}.Letter": lambda: Call(
        kwargs={"letter": "A", "name": "Accountable", "role": Role.ACCOUNTABLE, "min": 1, "max": 1}
    ),
    f"{_P}.Limits": lambda: Call(
        kwargs={"max_responsible": 2, "max_consulted": 3, "max_informed": 4, "max_load": 60}
    ),
    f"{_P}.Matrix": lambda: Call(
        kwargs={
            "title": "demo v1",
            "scheme": "RACI",
            "parties": ("a", "b"),
            "rows": (MatrixRow("w", "w.x", "X", ("R/A", "I")),),
        }
    ),
    f"{_P}.MatrixRow": lambda: Call(
        kwargs={"workflow": "denials", "activity": "denials.work", "name": "Work denials", "cells": ("R", "")}
    ),
    f"{_P}.Party": lambda: Call(
        kwargs={"id": "onshore_lead", "name": "Onshore lead", "kind": PartyKind.PARTNER_ONSHORE}
    ),
    f"{_P}.Scheme": lambda: Call(
        kwargs={
            "name": "RA",
            "letters": (
                Letter(letter="R", name="Responsible", role=Role.RESPONSIBLE, min=1),
                Letter(letter="A", name="Accountable", role=Role.ACCOUNTABLE, min=1, max=1),
            ),
            "combinations": frozenset({frozenset("R"), frozenset("A"), frozenset("AR")}),
        }
    ),
    f"{_P}.ScopeSplit": lambda: Call(
        kwargs={
            "name": _T.name,
            "version": 3,
            "effective_from": _DAY,
            "effective_to": datetime.date(2027, 1, 1),
            "scheme": RACI,
            "parties": _T.parties,
            "systems": _T.systems,
            "activities": _T.activities,
            "in_scope": _T.in_scope,
            "out_of_scope": _T.out_of_scope,
            "assignments": _T.assignments,
            "rights": _T.rights,
            "grants": _T.grants,
            "escalations": _T.escalations,
            "delegation_caps": {"write_off": 10000.0, "appeal_strategy": 25000.0},
        }
    ),
    f"{_P}.SplitDiff": lambda: Call(kwargs={"old_version": 1, "new_version": 2, "changes": _DIFF.changes}),
    f"{_P}.System": lambda: Call(
        kwargs={"id": "bank_portal", "name": "Bank lockbox portal", "onshore_only": True}
    ),
    f"{_P}.Workflow": lambda: Call(kwargs={"id": "denials", "name": "Denial management"}),
    f"{_P}.co_managed_template": lambda: Call(
        kwargs={"name": "Acme Health x Partner RCM", "effective_from": datetime.date(2026, 4, 1)}
    ),
    f"{_P}.diff": lambda: Call(kwargs={"old": _T, "new": _T2}),
    f"{_P}.matrix": lambda: Call(kwargs={"split": _T}),
    f"{_P}.raise_for_findings": lambda: Call(
        kwargs={"findings": [Finding("RACI-016", Severity.WARNING, "$.activities[0]", "nobody informed")]}
    ),
    f"{_P}.validate": lambda: Call(kwargs={"split": _T, "limits": Limits(max_load=60)}),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.ScopeSplit.party": lambda: (_T, "party", Call(kwargs={"party_id": "offshore_pod"})),
    f"{_P}.ScopeSplit.activity": lambda: (_T, "activity", Call(kwargs={"activity_id": "denials.work"})),
    f"{_P}.ScopeSplit.main_activity": lambda: (_T, "main_activity", Call(kwargs={"workflow": "coding"})),
    f"{_P}.ScopeSplit.holders": lambda: (
        _T,
        "holders",
        Call(kwargs={"activity_id": "denials.work", "role": Role.RESPONSIBLE}),
    ),
    f"{_P}.ScopeSplit.accountable_for": lambda: (_T, "accountable_for", Call(kwargs={"workflow": "denials"})),
    f"{_P}.ScopeSplit.decision_holder": lambda: (
        _T,
        "decision_holder",
        Call(kwargs={"decision": "write_off", "amount": 2500.0}),
    ),
    f"{_P}.ScopeSplit.matrix": lambda: (_T, "matrix", Call()),
    f"{_P}.Scheme.role": lambda: (RACI, "role", Call(kwargs={"letter": "A"})),
    f"{_P}.Scheme.roles_of": lambda: (RACI, "roles_of", Call(kwargs={"letters": frozenset({"A", "R"})})),
    f"{_P}.Scheme.letter_for": lambda: (RACI, "letter_for", Call(kwargs={"role": Role.ACCOUNTABLE})),
    f"{_P}.Matrix.to_text": lambda: (_MATRIX, "to_text", Call()),
    f"{_P}.Matrix.to_markdown": lambda: (_MATRIX, "to_markdown", Call()),
    f"{_P}.SplitDiff.section": lambda: (_DIFF, "section", Call(kwargs={"name": "scope"})),
    f"{_P}.SplitDiff.to_markdown": lambda: (_DIFF, "to_markdown", Call()),
    f"{_P}.Change.__str__": lambda: (_DIFF.changes[0], "__str__", Call()),
}
