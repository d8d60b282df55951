"""Valid example calls of the Monday report's models (comanaged_rcm.cycle), for the API-wide fuzz test.

The models are public through ``comanaged_rcm.cycle``; an example is listed only for a name the
package exports, so the table follows the package's ``__all__``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import comanaged_rcm.cycle
from tests.fuzz.probes import Call

_P = "comanaged_rcm.cycle"
_DAY = datetime.date(2026, 11, 16)
_AT = datetime.datetime(2026, 11, 18, 15, tzinfo=datetime.UTC)

_EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.Headline": lambda: Call(
        kwargs={
            "decisions": 2,
            "amount": 6120.0,
            "overdue": None,
            "decided": 1,
            "groups_open": 1,
            "groups_new": 1,
            "groups_resolved": 0,
        }
    ),
    f"{_P}.DecisionLine": lambda: Call(
        kwargs={
            "decision": "write_off",
            "count": 2,
            "alerts": ("Q-1", "Q-2"),
            "amount": 6120.0,
            "amount_items": 1,
            "since": _DAY,
            "deadline": _DAY,
            "deferred": 1,
            "recommendation": "approve",
        }
    ),
    f"{_P}.DecidedLine": lambda: Call(
        kwargs={
            "id": "d-1",
            "decision": "write_off",
            "key": "Q-9",
            "verdict": "approve",
            "actor": "client_rcm_director",
            "at": _AT,
            "note": "past timely filing",
            "amount": 90.0,
            "items": 1,
        }
    ),
    f"{_P}.EscalationGroupLine": lambda: Call(
        kwargs={
            "key": "g-1",
            "rule": "write_off_over_limit",
            "owner": "client_rcm_director",
            "owner_name": "Client RCM director",
            "decision": "write_off",
            "severity": "critical",
            "status": "new",
            "count": 1,
            "alerts": ("Q-1",),
            "amount": 6120.0,
            "amount_items": 1,
            "since": _DAY,
            "deadline": _DAY,
            "acknowledged": 1,
            "message": "write-off on Q-1 needs approval",
        }
    ),
}


def _exported(name: str) -> bool:
    """Whether the class an example calls is in ``comanaged_rcm.cycle.__all__``."""
    return name.removeprefix(f"{_P}.").split(".", 1)[0] in comanaged_rcm.cycle.__all__


EXAMPLES = {name: example for name, example in _EXAMPLES.items() if _exported(name)}
