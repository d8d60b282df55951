"""Escalation rules as data: a safe expression language, alerting semantics and an audit trail."""

from __future__ import annotations

from comanaged_rcm.escalation._calendar import BusinessCalendar
from comanaged_rcm.escalation._compiled import CompiledRule, Evaluation, compile_rule
from comanaged_rcm.escalation._eval import Categorical, Clause, Explanation, Outcome
from comanaged_rcm.escalation._expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    Expression,
    FieldType,
    check_types,
    parse_expression,
)
from comanaged_rcm.escalation._models import (
    AlertSeverity,
    FactKind,
    Hold,
    Inhibition,
    Level,
    MinCount,
    OnUnknown,
    Owner,
    OwnerKind,
    Rule,
    RuleSet,
    Rung,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "AlertSeverity",
    "BusinessCalendar",
    "Categorical",
    "Clause",
    "CompiledRule",
    "Evaluation",
    "Explanation",
    "Expression",
    "FactKind",
    "FieldType",
    "Hold",
    "Inhibition",
    "Level",
    "MinCount",
    "OnUnknown",
    "Outcome",
    "Owner",
    "OwnerKind",
    "Rule",
    "RuleSet",
    "Rung",
    "check_types",
    "compile_rule",
    "parse_expression",
]
