"""Valid example calls of the operations snapshot's public callables, for the API-wide fuzz test."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

from comanaged_rcm.cycle import PartyWork, WorkflowQueue
from comanaged_rcm.cycle._ops import EscalationCount, Operations, OperationsSnapshot
from comanaged_rcm.escalation import Alert, AlertStatus, State
from tests.fuzz.examples_cycle import data, engagement, small_book
from tests.fuzz.probes import Call

_P = "comanaged_rcm.cycle"


def _state() -> State:
    """One firing alert, begun on the small book's last Monday."""
    began = datetime.datetime.combine(small_book().period.end, datetime.time(0, 0), tzinfo=datetime.UTC)
    alert = Alert(
        key="denial_untouched:W1",
        rule="denial_untouched",
        rule_version=1,
        rule_hash="h",
        labels={"item_id": "W1"},
        status=AlertStatus.FIRING,
        since=began,
        active_since=began,
        owner="onshore_lead",
    )
    return State(alerts={alert.key: alert})


@functools.cache
def operations() -> Operations:
    """The index of the small book with one open alert (built once: treat it as read-only)."""
    return Operations(engagement(), data(), _state())


def _day() -> datetime.date:
    return small_book().period.end - datetime.timedelta(days=3)


def _count() -> dict[str, object]:
    return {
        "owner": "onshore_lead",
        "owner_name": "Partner onshore lead",
        "rule": "denial_untouched",
        "open_alerts": 3,
        "acknowledged": 1,
        "oldest": datetime.date(2026, 5, 11),
    }


def _snapshot() -> dict[str, object]:
    work = PartyWork(
        party="offshore_pod",
        party_name="Offshore pod",
        kind="partner_offshore",
        workflow="denials",
        closed=12,
        touches=30,
        escalated=1,
        open_items=35,
    )
    queue = WorkflowQueue(
        workflow="denials", open_items=35, aged_over_30=3, median_age_days=6.5, oldest_age_days=44
    )
    return {
        "engagement": "Demo Health",
        "day": datetime.date(2026, 5, 13),
        "since": datetime.date(2026, 5, 11),
        "by_party": (work,),
        "queues": (queue,),
        "escalations": (EscalationCount(**_count()),),  # type: ignore[arg-type]
    }


EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.Operations": lambda: Call(kwargs={"engagement": engagement(), "data": data(), "state": _state()}),
    f"{_P}.OperationsSnapshot": lambda: Call(kwargs=_snapshot()),
    f"{_P}.EscalationCount": lambda: Call(kwargs=_count()),
    f"{_P}.operations_section": lambda: Call(
        kwargs={"snapshot": OperationsSnapshot(**_snapshot())}  # type: ignore[arg-type]
    ),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.Operations.at": lambda: (
        operations(),
        "at",
        Call(kwargs={"day": _day(), "since": _day() - datetime.timedelta(days=2)}),
    ),
}
