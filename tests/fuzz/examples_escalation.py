"""Valid example calls of every public callable of comanaged_rcm.escalation, for the API-wide fuzz test."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import numpy as np

from comanaged_rcm.escalation import (
    AlertStatus,
    BusinessCalendar,
    Categorical,
    Clause,
    EventKind,
    FactKind,
    FieldType,
    Hold,
    Inhibition,
    Level,
    MappingDirectory,
    MinCount,
    OnUnknown,
    Outcome,
    Owner,
    OwnerKind,
    Rule,
    Rung,
    Silence,
    State,
    compile_rules,
    default_rules,
    parse_expression,
    step,
)
from tests.fuzz.probes import Call

_P = "comanaged_rcm.escalation"

_RULES = default_rules()
"""Built once: rules and compiled rules are immutable, so the examples share them."""

_WRITE_OFF = _RULES.rules[0]
_COMPILED = compile_rules(_RULES)
_FIRST = _COMPILED[0]
_RATE = _COMPILED[3]  # payer_denial_rate: a min-count guard and a clearing condition
_NOW = datetime.datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the examples run on a naive clock
_LATER = datetime.datetime(2026, 3, 9, 9, 0)  # noqa: DTZ001 - the examples run on a naive clock
_DAY = datetime.date(2026, 3, 2)
_CALENDAR = BusinessCalendar(holidays=frozenset({datetime.date(2026, 12, 25)}))
_DIRECTORY = MappingDirectory(
    accountable={"denials": "onshore_lead", "ar_follow_up": "onshore_lead"},
    decisions={"write_off": "provider_cfo", "appeal_strategy": "provider_cfo", "payer_escalation": "cfo"},
)

_ITEMS = [
    {
        "item_id": "Q-1",
        "claim_id": "C-1",
        "payer": "AETNA",
        "action": "write_off",
        "balance": 6120.0,
        "status": "denied",
        "last_touched": datetime.date(2026, 2, 2),
    },
    {
        "item_id": "Q-2",
        "claim_id": "C-2",
        "payer": "CIGNA",
        "action": "appeal",
        "balance": 250.0,
        "status": "open",
        "last_touched": datetime.date(2026, 2, 27),
    },
]
"""Two work-item fact records (queue items and claims share the fields)."""

_COLUMNS = {
    "item_id": np.array(["Q-1", "Q-2"]),
    "claim_id": np.array(["C-1", "C-2"]),
    "payer": np.array(["AETNA", "CIGNA"]),
    "action": np.array(["write_off", "appeal"]),
    "balance": np.array([6120.0, 250.0]),
}
"""The same work items as columns."""

_KPI = {
    "metric": np.array(["initial_denial_rate", "initial_denial_rate"]),
    "value": np.array([12.5, 3.0]),
    "denominator": np.array([400.0, 50.0]),
    "payer": np.array(["AETNA", "CIGNA"]),
}

_STATE, _EVENTS = step([_WRITE_OFF], State(), _ITEMS, _NOW, directory=_DIRECTORY)
_KEY = next(iter(_STATE.alerts))
_ALERT = _STATE.alerts[_KEY]
_SILENCE = Silence(
    id="s1",
    author="lead_anna",
    reason="payer outage",
    created=_NOW,
    expires=_LATER,
    matchers={"payer": "AETNA"},
)
_EXPRESSION = parse_expression("action == 'write_off' and balance > 5000")
_EXPLANATION = _FIRST.evaluate(_ITEMS[0], as_of=_DAY).explanation
_CATEGORICAL = Categorical(codes=np.array([0, 1, -1]), categories=np.array(["AETNA", "CIGNA"]))
def _claims() -> object:
    """A small warehouse table the write-off rule reads (a polars LazyFrame)."""
    import polars as pl  # noqa: PLC0415 - a dev dependency, imported by the examples that use it

    return pl.DataFrame({"action": ["write_off", "appeal"], "balance": [6000.0, 10.0]}).lazy()


_RULE = Rule(
    id="big_balance",
    when="balance > 5000",
    applies_to=FactKind.CLAIM,
    level=Level.ONSHORE_LEAD,
    owner=Owner.accountable("denials"),
)

EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.pushdown_outcomes": lambda: Call(
        kwargs={"rule": _FIRST, "table": _claims(), "as_of": datetime.date(2026, 1, 5)}
    ),
    f"{_P}.pushdown_counts": lambda: Call(
        kwargs={"rule": _FIRST, "table": _claims(), "as_of": datetime.date(2026, 1, 5)}
    ),
    f"{_P}.pushdown_firing": lambda: Call(
        kwargs={"rule": _FIRST, "table": _claims(), "as_of": datetime.date(2026, 1, 5), "errors": True}
    ),
    f"{_P}.Alert": lambda: Call(
        kwargs={
            "key": "write_off_over_limit:0123456789abcdef",
            "rule": "write_off_over_limit",
            "rule_version": 1,
            "rule_hash": "0123456789abcdef",
            "labels": {"item_id": "Q-1", "payer": "AETNA"},
            "status": AlertStatus.FIRING,
            "since": _NOW,
            "active_since": _NOW,
            "true_count": 1,
            "clear_count": 0,
            "clear_since": None,
            "rung": 0,
            "rung_since": _NOW,
            "level": Level.PROVIDER_DECISION_OWNER,
            "owner": "provider_cfo",
            "deadline": datetime.date(2026, 3, 4),
            "acknowledged_by": None,
        }
    ),
    f"{_P}.BusinessCalendar": lambda: Call(
        kwargs={"holidays": frozenset({datetime.date(2026, 12, 25)}), "weekend": frozenset({5, 6})}
    ),
    f"{_P}.Categorical": lambda: Call(
        kwargs={"codes": np.array([0, 1, -1]), "categories": np.array(["AETNA", "CIGNA"])}
    ),
    f"{_P}.Clause": lambda: Call(
        kwargs={"text": "balance > 5000", "outcome": Outcome.TRUE, "facts": ("balance = 6,120",), "error": ""}
    ),
    f"{_P}.CompiledRule": lambda: Call(
        kwargs={
            "rule": _RULE,
            "condition": parse_expression("balance > 5000"),
            "clear": parse_expression("balance <= 100"),
            "schema": {"balance": FieldType.NUMBER},
        }
    ),
    f"{_P}.Evaluation": lambda: Call(
        kwargs={
            "rule": "write_off_over_limit",
            "rule_version": 1,
            "rule_hash": "0123456789abcdef",
            "outcome": Outcome.TRUE,
            "explanation": _EXPLANATION,
            "as_of": _DAY,
        }
    ),
    f"{_P}.Event": lambda: Call(
        kwargs={
            "sequence": 1,
            "at": _NOW,
            "kind": EventKind.FIRING,
            "rule": "write_off_over_limit",
            "rule_version": 1,
            "rule_hash": "0123456789abcdef",
            "key": "write_off_over_limit:0123456789abcdef",
            "group": "write_off_over_limit[payer=AETNA]",
            "labels": {"payer": "AETNA"},
            "annotations": {"runbook_url": "https://wiki.example/write-offs"},
            "outcome": Outcome.TRUE,
            "inputs": {"balance": "6120.0"},
            "level": Level.PROVIDER_DECISION_OWNER,
            "owner": "provider_cfo",
            "owner_ref": "the decision owner for 'write_off'",
            "deadline": datetime.date(2026, 3, 4),
            "actor": None,
            "reason": "met: balance > 5000",
            "message": "write-off of 6,120 needs approval",
            "suppressed_by": None,
        }
    ),
    f"{_P}.Explanation": lambda: Call(
        kwargs={
            "facts": {"balance": "6120.0"},
            "clauses": (Clause("balance > 5000", Outcome.TRUE, ("balance = 6,120",)),),
            "deciding": "balance > 5000",
            "reason": "met: balance > 5000 (balance = 6,120)",
        }
    ),
    f"{_P}.Expression": lambda: Call(kwargs={"text": _EXPRESSION.text, "root": _EXPRESSION.root}),
    f"{_P}.Hold": lambda: Call(kwargs={"evaluations": 2, "hours": 4, "minutes": 30, "seconds": 15}),
    f"{_P}.Inhibition": lambda: Call(kwargs={"rule": "payer_denial_rate", "equal": ("payer",)}),
    f"{_P}.MappingDirectory": lambda: Call(
        kwargs={"accountable": {"denials": "onshore_lead"}, "decisions": {"write_off": "provider_cfo"}}
    ),
    f"{_P}.MinCount": lambda: Call(kwargs={"field": "denominator", "at_least": 30}),
    f"{_P}.Owner": lambda: Call(kwargs={"kind": OwnerKind.DECISION, "ref": "write_off"}),
    f"{_P}.Rule": lambda: Call(
        kwargs={
            "id": "write_off_over_limit",
            "version": 2,
            "description": "A write-off above the delegated limit needs approval.",
            "when": "action == 'write_off' and balance > 5000",
            "applies_to": FactKind.QUEUE_ITEM,
            "level": Level.ONSHORE_LEAD,
            "owner": Owner.accountable("denials"),
            "deadline_hours": 4,
            "escalate_after_hours": 8,
            "ladder": (Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("write_off")),),
            "dedup_keys": ("item_id",),
            "group_by": ("payer",),
            "message": "write-off of {balance:,.2f} on {claim_id}",
            "on_unknown": OnUnknown.ESCALATE,
            "pending_for": Hold(evaluations=1, hours=2),
            "keep_firing_for": Hold(evaluations=1),
            "clear_when": "balance < 100",
            "min_count": MinCount("balance", 1),
            "inhibited_by": (Inhibition("payer_denial_rate", ("payer",)),),
            "labels": {"team": "east"},
            "annotations": {
                "runbook_url": "https://wiki.example/write-offs",
                "summary": "line one\nline two",
            },
        }
    ),
    f"{_P}.RuleSet": lambda: Call(kwargs={"rules": _RULES.rules[:2], "schema": dict(_RULES.schema)}),
    f"{_P}.Rung": lambda: Call(
        kwargs={
            "level": Level.PROVIDER_DECISION_OWNER,
            "owner": Owner.decision("appeal_strategy"),
            "ack_within_hours": 4,
            "escalate_after": 3,
        }
    ),
    f"{_P}.Silence": lambda: Call(
        kwargs={
            "id": "s1",
            "author": "lead_anna",
            "reason": "payer outage",
            "created": _NOW,
            "expires": _LATER,
            "rule": "write_off_over_limit",
            "matchers": {"payer": "AETNA"},
        }
    ),
    f"{_P}.State": lambda: Call(
        kwargs={"alerts": dict(_STATE.alerts), "silences": (_SILENCE,), "sequence": 3}
    ),
    f"{_P}.acknowledge": lambda: Call(
        kwargs={"state": _STATE, "key": _KEY, "actor": "provider_cfo", "at": _LATER, "note": "on it"}
    ),
    f"{_P}.add_silence": lambda: Call(kwargs={"state": _STATE, "silence": _SILENCE}),
    f"{_P}.check_types": lambda: Call(
        kwargs={
            "expr": _EXPRESSION,
            "schema": {"action": FieldType.TEXT, "balance": FieldType.NUMBER},
            "infer": False,
        }
    ),
    f"{_P}.compile_rule": lambda: Call(
        kwargs={"rule": _WRITE_OFF, "schema": dict(_RULES.schema), "infer": False}
    ),
    f"{_P}.compile_rules": lambda: Call(kwargs={"rules": _RULES, "schema": {"balance": FieldType.NUMBER}}),
    f"{_P}.dedup_key": lambda: Call(kwargs={"rule": "write_off_over_limit", "labels": {"item_id": "Q-1"}}),
    f"{_P}.default_rules": lambda: Call(
        kwargs={
            "write_off_limit": 5000.0,
            "appeal_limit": 10000.0,
            "untouched_business_days": 10,
            "denial_rate_limit": 8.0,
            "min_claims": 30,
            "days_in_ar_limit": 45.0,
            "clean_claim_floor": 90.0,
        }
    ),
    f"{_P}.group_events": lambda: Call(kwargs={"events": _EVENTS}),
    f"{_P}.parse_expression": lambda: Call(kwargs={"text": "balance > 5000 and payer in ('AETNA', 'CIGNA')"}),
    f"{_P}.step": lambda: Call(
        kwargs={
            "rules": _RULES.rules[:2],
            "state": _STATE,
            "facts": {FactKind.QUEUE_ITEM: _ITEMS, FactKind.CLAIM: _COLUMNS},
            "now": _LATER,
            "calendar": _CALENDAR,
            "directory": _DIRECTORY,
        }
    ),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.BusinessCalendar.add_business_days": lambda: (
        _CALENDAR,
        "add_business_days",
        Call(kwargs={"start": datetime.date(2026, 12, 24), "days": 3}),
    ),
    f"{_P}.BusinessCalendar.business_days_between": lambda: (
        _CALENDAR,
        "business_days_between",
        Call(kwargs={"start": datetime.date(2026, 12, 21), "end": datetime.date(2026, 12, 28)}),
    ),
    f"{_P}.BusinessCalendar.is_business_day": lambda: (
        _CALENDAR,
        "is_business_day",
        Call(kwargs={"day": datetime.date(2026, 12, 25)}),
    ),
    f"{_P}.BusinessCalendar.count_array": lambda: (
        _CALENDAR,
        "count_array",
        Call(
            kwargs={
                "start": np.array(["2026-12-21", "2026-12-01"], dtype="datetime64[D]"),
                "end": np.array(["2026-12-28", "2026-12-31"], dtype="datetime64[D]"),
            }
        ),
    ),
    f"{_P}.Categorical.decode": lambda: (_CATEGORICAL, "decode", Call()),
    f"{_P}.Categorical.lookup": lambda: (
        _CATEGORICAL,
        "lookup",
        Call(kwargs={"hit": np.array([True, False])}),
    ),
    f"{_P}.CompiledRule.evaluate": lambda: (
        _FIRST,
        "evaluate",
        Call(kwargs={"record": dict(_ITEMS[0]), "as_of": _DAY, "calendar": _CALENDAR}),
    ),
    f"{_P}.CompiledRule.evaluate_clear": lambda: (
        _RATE,
        "evaluate_clear",
        Call(
            kwargs={
                "record": {
                    "metric": "initial_denial_rate",
                    "value": 4.0,
                    "denominator": 400.0,
                    "payer": "AETNA",
                },
                "as_of": _DAY,
                "calendar": _CALENDAR,
            }
        ),
    ),
    f"{_P}.CompiledRule.evaluate_batch": lambda: (
        _FIRST,
        "evaluate_batch",
        Call(kwargs={"columns": dict(_COLUMNS), "as_of": _DAY, "calendar": _CALENDAR}),
    ),
    f"{_P}.CompiledRule.clear_batch": lambda: (
        _RATE,
        "clear_batch",
        Call(kwargs={"columns": dict(_KPI), "as_of": _DAY, "calendar": _CALENDAR}),
    ),
    f"{_P}.CompiledRule.scalar": lambda: (
        _FIRST,
        "scalar",
        Call(kwargs={"as_of": _DAY, "calendar": _CALENDAR}),
    ),
    f"{_P}.Expression.fields": lambda: (_EXPRESSION, "fields", Call()),
    f"{_P}.MappingDirectory.accountable_for": lambda: (
        _DIRECTORY,
        "accountable_for",
        Call(kwargs={"workflow": "denials"}),
    ),
    f"{_P}.MappingDirectory.decision_holder": lambda: (
        _DIRECTORY,
        "decision_holder",
        Call(kwargs={"decision": "write_off"}),
    ),
    f"{_P}.Owner.accountable": lambda: (Owner, "accountable", Call(kwargs={"workflow": "denials"})),
    f"{_P}.Owner.decision": lambda: (Owner, "decision", Call(kwargs={"decision": "write_off"})),
    f"{_P}.Owner.party": lambda: (Owner, "party", Call(kwargs={"party": "provider_cfo"})),
    f"{_P}.Rule.content_hash": lambda: (_WRITE_OFF, "content_hash", Call()),
    f"{_P}.Silence.active": lambda: (_SILENCE, "active", Call(kwargs={"now": _NOW})),
    f"{_P}.Silence.matches": lambda: (
        _SILENCE,
        "matches",
        Call(kwargs={"rule": "write_off_over_limit", "labels": {"payer": "AETNA"}}),
    ),
    f"{_P}.State.open_alerts": lambda: (_STATE, "open_alerts", Call()),
}
