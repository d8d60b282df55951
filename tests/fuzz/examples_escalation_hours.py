"""Valid example calls of the business-hours and grouping names of comanaged_rcm.escalation.

For the API-wide fuzz test (:mod:`tests.fuzz.test_public_api`); the other escalation names are
in :mod:`tests.fuzz.examples_escalation` and :mod:`tests.fuzz.examples_escalation_rules`.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable

from comanaged_rcm.escalation import (
    DEFAULT_HOURS,
    AlertSeverity,
    BusinessCalendar,
    FactKind,
    InhibitRule,
    Level,
    Owner,
    Route,
    Rule,
    Sent,
    SilenceRule,
    State,
    alert_groups,
    business_hours,
    step,
)
from tests.fuzz.probes import Call

_P = "comanaged_rcm.escalation"

_NY = zoneinfo.ZoneInfo("America/New_York")
_HOURS = business_hours("America/New_York", first_year=2026, last_year=2026)
_NOW = datetime.datetime(2026, 3, 6, 16, tzinfo=_NY)
_RULE = Rule(
    id="write_off_over_limit",
    when="balance > 5000",
    applies_to=FactKind.QUEUE_ITEM,
    severity=AlertSeverity.CRITICAL,
    level=Level.PROVIDER_DECISION_OWNER,
    owner=Owner.decision("write_off"),
    dedup_keys=("item_id",),
    deadline_hours=4,
)
_STATE, _EVENTS = step(
    [_RULE], State(), {"item_id": ["Q-1", "Q-2"], "balance": [7500.0, 9000.0]}, _NOW, _HOURS
)
_GROUPING = alert_groups(_STATE, _NOW, rules=[_RULE], events=_EVENTS, amount="balance")
_SILENCE = SilenceRule(
    id="s1",
    matchers=['owner="cfo_ben"'],
    starts_at=_NOW,
    ends_at=_NOW + datetime.timedelta(days=1),
    created_by="lead_anna",
    comment="away",
)
_INHIBIT = InhibitRule(source_matchers=['severity="critical"'], target_matchers=['severity="warning"'])

EXAMPLES: dict[str, Callable[[], Call]] = {
    # -------------------------------------------------------------------------- business hours
    f"{_P}.BusinessHours": lambda: Call(
        kwargs={
            "holidays": frozenset({datetime.date(2026, 12, 25)}),
            "zone": "America/New_York",
            "hours": dict(DEFAULT_HOURS),
        }
    ),
    f"{_P}.business_hours": lambda: Call(
        kwargs={
            "zone": "Asia/Kolkata",
            "calendar": "us_federal",
            "hours": {"monday": "09:30-18:00", "saturday": "10:00-13:00"},
            "first_year": 2025,
            "last_year": 2027,
        }
    ),
    f"{_P}.overdue": lambda: Call(
        kwargs={"deadline": datetime.date(2026, 3, 9), "now": _NOW, "hours": BusinessCalendar()}
    ),
    # -------------------------------------------------------------------------------- grouping
    f"{_P}.default_route": Call,
    f"{_P}.alert_groups": lambda: Call(
        kwargs={
            "source": _STATE,
            "now": _NOW,
            "rules": [_RULE],
            "tree": Route(receiver="accountable:denials", group_by=["alertname"]),
            "events": _EVENTS,
            "amount": "balance",
            "calendar": _HOURS,
            "sent": {"0:accountable:denials:{}": Sent(at=_NOW, alerts=frozenset({"k1"}))},
            "silences": [_SILENCE],
            "inhibitions": [_INHIBIT],
        }
    ),
    f"{_P}.AlertGroup": lambda: Call(
        kwargs={
            "key": "0:owner:{}",
            "receiver": "owner",
            "route": "0",
            "labels": {"alertname": "write_off_over_limit"},
            "alerts": ("k1", "k2"),
            "count": 2,
            "severity": AlertSeverity.CRITICAL,
            "oldest_since": _NOW,
            "newest_since": _NOW,
            "overdue": 1,
            "amount": 16500.0,
            "amount_alerts": 2,
            "due": True,
            "due_at": _NOW,
            "reason": "first",
        }
    ),
    f"{_P}.AlertGrouping": lambda: Call(
        kwargs={"now": _NOW, "amount": "balance", "groups": _GROUPING.groups, "plan": _GROUPING.plan}
    ),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.BusinessHours.local": lambda: (_HOURS, "local", Call(kwargs={"when": _NOW})),
    f"{_P}.BusinessHours.is_open": lambda: (_HOURS, "is_open", Call(kwargs={"when": _NOW})),
    f"{_P}.BusinessHours.closing": lambda: (
        _HOURS,
        "closing",
        Call(kwargs={"day": datetime.date(2026, 3, 9)}),
    ),
    f"{_P}.BusinessHours.add_business_hours": lambda: (
        _HOURS,
        "add_business_hours",
        Call(kwargs={"start": _NOW, "hours": 4}),
    ),
    f"{_P}.BusinessHours.business_time": lambda: (
        _HOURS,
        "business_time",
        Call(kwargs={"start": _NOW, "end": _NOW + datetime.timedelta(days=3)}),
    ),
    f"{_P}.BusinessHours.deadline_after": lambda: (
        _HOURS,
        "deadline_after",
        Call(kwargs={"when": _NOW, "days": None, "hours": 4}),
    ),
    f"{_P}.AlertGrouping.sent": lambda: (_GROUPING, "sent", Call(kwargs={"previous": {}})),
}
