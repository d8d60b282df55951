"""Valid example calls of the rule-file, routing and holiday names of comanaged_rcm.escalation.

For the API-wide fuzz test (:mod:`tests.fuzz.test_public_api`); the other escalation names are
in :mod:`tests.fuzz.examples_escalation`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from comanaged_rcm.escalation import (
    Duration,
    FactKind,
    HolidayRule,
    InhibitRule,
    Level,
    Matcher,
    MatchOp,
    NotificationGroup,
    Observance,
    Owner,
    PlanAlert,
    Route,
    Rule,
    RuleExtras,
    RuleFile,
    RuleGroup,
    RuleSet,
    Sent,
    SilenceRule,
)
from tests.fuzz.probes import Call

_P = "comanaged_rcm.escalation"

_NOW = datetime.datetime(2026, 3, 2, 9, 5)  # noqa: DTZ001 - the examples run on a naive clock
_START = datetime.datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the examples run on a naive clock
_END = datetime.datetime(2026, 3, 9, 9, 0)  # noqa: DTZ001 - the examples run on a naive clock


def _document() -> dict[str, Any]:
    """A one-group, two-rule file (fresh each call: a callee could mutate it)."""
    return {
        "groups": [
            {
                "name": "denials",
                "rules": [
                    {
                        "alert": "write_off_over_limit",
                        "expr": "action == 'write_off' and balance > 5000",
                        "for": "90m",
                        "keep_firing_for": "30m",
                        "labels": {
                            "severity": "critical",
                            "level": "provider_decision_owner",
                            "owner": "decision:write_off",
                            "applies_to": "queue_item",
                            "deadline": "3bd",
                            "dedup_keys": "item_id",
                            "payer": "AETNA",
                        },
                        "annotations": {"runbook_url": "https://wiki.example/write-offs"},
                    },
                    {
                        "alert": "big_balance",
                        "expr": "balance > 10000",
                        "labels": {
                            "level": "onshore_lead",
                            "owner": "accountable:denials",
                            "applies_to": "claim",
                        },
                    },
                ],
            }
        ]
    }


_FILE = RuleFile.from_dict(_document())
_TEXT = _FILE.dumps("json")
_RULE = Rule(
    id="big_balance",
    when="balance > 5000",
    applies_to=FactKind.CLAIM,
    level=Level.ONSHORE_LEAD,
    owner=Owner.accountable("denials"),
)
_RULE_SET = RuleSet(rules=(_RULE,))
_EXTRAS = RuleExtras(labels={"team": "east"}, annotations={"summary": "a big balance"})
_MATCHER = Matcher.parse('severity=~"critical|page"')
_TREE = Route(
    receiver="accountable:denials",
    group_by=["payer"],
    routes=[
        Route(receiver="party:onshore_lead", matchers=["team=east"], continue_=True),
        Route(receiver="decision:write_off", matchers=['action="write_off"'], group_wait="1m"),
    ],
)
_ALERTS = (
    PlanAlert(
        key="k1", labels={"payer": "AETNA", "action": "write_off", "severity": "critical"}, since=_START
    ),
    PlanAlert(key="k2", labels={"payer": "AETNA", "team": "east", "severity": "warning"}, since=_START),
)
_SILENCE = SilenceRule(
    id="s1",
    matchers=['payer="CIGNA"'],
    starts_at=_START,
    ends_at=_END,
    created_by="lead_anna",
    comment="payer outage",
)
_INHIBIT = InhibitRule(
    source_matchers=['severity="critical"'], target_matchers=['severity="warning"'], equal=["payer"]
)
_HOLIDAY = HolidayRule.fixed("Founders Day", month=3, day=1)
_GROUP = NotificationGroup(
    key="0:accountable:denials:{}",
    receiver="accountable:denials",
    route="0",
    labels={"payer": "AETNA"},
    alerts=("k1",),
    due=True,
    due_at=_START,
    reason="first",
)

EXAMPLES: dict[str, Callable[[], Call]] = {
    # ------------------------------------------------------------------------------ holidays
    f"{_P}.HolidayRule": lambda: Call(
        kwargs={
            "name": "Memorial Day",
            "month": 5,
            "day": None,
            "weekday": 0,
            "nth": -1,
            "since": 1971,
            "observance": Observance.OPM,
        }
    ),
    f"{_P}.calendar": lambda: Call(kwargs={"name": "us_federal", "first_year": 2025, "last_year": 2026}),
    f"{_P}.custom_calendar": lambda: Call(
        kwargs={
            "dates": [datetime.date(2024, 12, 24)],
            "rules": [_HOLIDAY],
            "base": "us_federal",
            "first_year": 2024,
            "last_year": 2025,
            "weekend": [5, 6],
        }
    ),
    f"{_P}.federal_holidays": lambda: Call(kwargs={"first_year": 2021, "last_year": 2022}),
    f"{_P}.holidays_from_rules": lambda: Call(
        kwargs={"rules": [_HOLIDAY], "first_year": 2025, "last_year": 2026}
    ),
    # ---------------------------------------------------------------------------- rule files
    f"{_P}.Duration": lambda: Call(kwargs={"seconds": 5400, "business_days": 0}),
    f"{_P}.RuleExtras": lambda: Call(
        kwargs={
            "labels": {"team": "east"},
            "annotations": {"summary": "a big balance\nsee the runbook"},
            "pending_for": Duration(5400),
            "keep_firing_for": Duration(600),
        }
    ),
    f"{_P}.RuleGroup": lambda: Call(
        kwargs={"name": "denials", "rules": ["write_off_over_limit", "big_balance"]}
    ),
    f"{_P}.RuleFile": lambda: Call(
        kwargs={
            "rule_set": _RULE_SET,
            "groups": (RuleGroup(name="rules", rules=("big_balance",)),),
            "extras": {"big_balance": _EXTRAS},
        }
    ),
    # ------------------------------------------------------------------------------- routing
    f"{_P}.Matcher": lambda: Call(kwargs={"name": "severity", "op": MatchOp.REGEX, "value": "critical|page"}),
    f"{_P}.Route": lambda: Call(
        kwargs={
            "receiver": "accountable:denials",
            "matchers": ['payer="AETNA"'],
            "continue_": True,
            "group_by": ["payer"],
            "group_wait": "30s",
            "group_interval": Duration(300),
            "repeat_interval": "4h",
            "routes": [Route(receiver="decision:write_off", matchers=['action="write_off"'])],
        }
    ),
    f"{_P}.SilenceRule": lambda: Call(
        kwargs={
            "id": "s1",
            "matchers": ['payer="AETNA"'],
            "starts_at": _START,
            "ends_at": _END,
            "created_by": "lead_anna",
            "comment": "payer outage",
        }
    ),
    f"{_P}.InhibitRule": lambda: Call(
        kwargs={
            "source_matchers": ['severity="critical"'],
            "target_matchers": [Matcher("severity", MatchOp.EQUAL, "warning")],
            "equal": ["payer"],
        }
    ),
    f"{_P}.PlanAlert": lambda: Call(kwargs={"key": "k1", "labels": {"payer": "AETNA"}, "since": _START}),
    f"{_P}.Sent": lambda: Call(kwargs={"at": _START, "alerts": frozenset({"k1", "k2"})}),
    f"{_P}.NotificationGroup": lambda: Call(
        kwargs={
            "key": "0:accountable:denials:{}",
            "receiver": "accountable:denials",
            "route": "0",
            "labels": {"payer": "AETNA"},
            "alerts": ("k1",),
            "due": True,
            "due_at": _START,
            "reason": "first",
        }
    ),
    f"{_P}.NotificationPlan": lambda: Call(
        kwargs={"now": _NOW, "groups": (_GROUP,), "muted": {"k2": "silenced by s1"}}
    ),
    f"{_P}.route": lambda: Call(kwargs={"tree": _TREE, "labels": {"team": "east", "action": "write_off"}}),
    f"{_P}.muted": lambda: Call(
        kwargs={"alerts": _ALERTS, "now": _NOW, "silences": [_SILENCE], "inhibitions": [_INHIBIT]}
    ),
    f"{_P}.notification_plan": lambda: Call(
        kwargs={
            "tree": _TREE,
            "alerts": _ALERTS,
            "now": _NOW,
            "sent": {"0.1:decision:write_off:{}": Sent(at=_START, alerts=frozenset({"k1"}))},
            "silences": [_SILENCE],
            "inhibitions": [_INHIBIT],
        }
    ),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    # ------------------------------------------------------------------------------ holidays
    f"{_P}.HolidayRule.fixed": lambda: (
        HolidayRule,
        "fixed",
        Call(
            kwargs={
                "name": "Independence Day",
                "month": 7,
                "day": 4,
                "since": 1971,
                "observance": Observance.OPM,
            }
        ),
    ),
    f"{_P}.HolidayRule.nth_weekday": lambda: (
        HolidayRule,
        "nth_weekday",
        Call(
            kwargs={
                "name": "Labor Day",
                "month": 9,
                "weekday": 0,
                "nth": 1,
                "since": None,
                "observance": Observance.ACTUAL,
            }
        ),
    ),
    f"{_P}.HolidayRule.actual": lambda: (_HOLIDAY, "actual", Call(kwargs={"year": 2026})),
    f"{_P}.HolidayRule.observed": lambda: (_HOLIDAY, "observed", Call(kwargs={"year": 2026})),
    # ---------------------------------------------------------------------------- rule files
    f"{_P}.Duration.parse": lambda: (Duration, "parse", Call(kwargs={"text": "1h30m"})),
    f"{_P}.Duration.hold": lambda: (Duration(5400), "hold", Call(kwargs={"path": "$.for"})),
    f"{_P}.RuleFile.loads": lambda: (RuleFile, "loads", Call(kwargs={"text": _TEXT, "format": "json"})),
    f"{_P}.RuleFile.dumps": lambda: (_FILE, "dumps", Call(kwargs={"format": "json"})),
    f"{_P}.RuleFile.from_dict": lambda: (RuleFile, "from_dict", Call(kwargs={"document": _document()})),
    f"{_P}.RuleFile.to_dict": lambda: (_FILE, "to_dict", Call()),
    f"{_P}.RuleFile.from_rule_set": lambda: (
        RuleFile,
        "from_rule_set",
        Call(kwargs={"rule_set": _RULE_SET, "group": "denials", "extras": {"big_balance": _EXTRAS}}),
    ),
    f"{_P}.RuleFile.labels": lambda: (_FILE, "labels", Call(kwargs={"rule_id": "write_off_over_limit"})),
    # ------------------------------------------------------------------------------- routing
    f"{_P}.Matcher.parse": lambda: (
        Matcher,
        "parse",
        Call(kwargs={"text": 'severity=~"critical|page"'}),
    ),
    f"{_P}.Matcher.matches": lambda: (_MATCHER, "matches", Call(kwargs={"labels": {"severity": "page"}})),
    f"{_P}.SilenceRule.mutes": lambda: (
        _SILENCE,
        "mutes",
        Call(kwargs={"labels": {"payer": "CIGNA"}, "now": _NOW}),
    ),
    f"{_P}.InhibitRule.inhibits": lambda: (
        _INHIBIT,
        "inhibits",
        Call(
            kwargs={
                "source": {"severity": "critical", "payer": "AETNA"},
                "target": {"severity": "warning", "payer": "AETNA"},
            }
        ),
    ),
}

DOCUMENTS: dict[str, str] = {
    f"{_P}.RuleFile.from_dict": "document",
}
"""``from_dict`` reads a whole document: its errors are rooted at the document (``$.groups[0].name``)."""
