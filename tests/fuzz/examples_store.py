"""Valid example calls of the engagement history store (comanaged_rcm.cycle), for the API-wide fuzz test.

The store's names are public through ``comanaged_rcm.cycle``; an example is listed only for a
name the package exports, so the table follows the package's ``__all__``.
"""

from __future__ import annotations

import datetime
import functools
import tempfile
from collections.abc import Callable
from pathlib import Path

import comanaged_rcm.cycle
from comanaged_rcm import sampling
from comanaged_rcm.cycle._store import Acknowledgement, Decision, Snapshot, SQLiteHistory, Verdict
from comanaged_rcm.escalation import Silence, State
from tests.fuzz.probes import Call

_P = "comanaged_rcm.cycle"
_WEEK = datetime.date(2026, 11, 23)
_AT = datetime.datetime(2026, 11, 24, 9, 30, tzinfo=datetime.UTC)


@functools.cache
def _folder() -> Path:
    """One private folder for the examples' databases, removed when the interpreter exits."""
    folder = tempfile.TemporaryDirectory(prefix="rcm-history-")
    _FOLDERS.append(folder)
    return Path(folder.name)


_FOLDERS: list[tempfile.TemporaryDirectory[str]] = []
_COUNTER = iter(range(10**9))


def _history(*, recorded: bool = True) -> SQLiteHistory:
    """A fresh history with week ``_WEEK`` recorded (or none)."""
    history = SQLiteHistory(_folder() / f"h{next(_COUNTER)}.db", timeout=0.1)
    if recorded:
        history.record_week(_WEEK, _snapshot())
    return history


def _decision() -> Decision:
    return Decision(
        id="d-1",
        decision="write_off",
        key="CLM-1",
        verdict=Verdict.APPROVE,
        actor="client_rcm_director",
        at=_AT,
        note="small balance",
        amount=1200.0,
    )


def _ack() -> Acknowledgement:
    return Acknowledgement(key="denial_untouched:CLM-1", actor="onshore_lead", at=_AT, note="working it")


def _snapshot() -> Snapshot:
    quiet = Silence(
        id="s1",
        author="onshore_lead",
        reason="payer outage",
        created=_AT,
        expires=_AT + datetime.timedelta(days=2),
    )
    return Snapshot(
        state=State(silences=(quiet,)),
        decisions=(_decision(),),
        acks=(_ack(),),
        selections={"denials": sampling.select(["a", "b", "c"], 2, 7)},
        results={"denials": sampling.attribute_upper_limit(60, 1, 0.95, tolerable_rate=0.05)},
        report='{"headline": "1 decision waiting"}',
    )


_EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.Acknowledgement": lambda: Call(
        kwargs={"key": "denial_untouched:CLM-1", "actor": "onshore_lead", "at": _AT, "note": "working it"}
    ),
    f"{_P}.Decision": lambda: Call(
        kwargs={
            "id": "d-1",
            "decision": "write_off",
            "key": "CLM-1",
            "verdict": Verdict.DENY,
            "actor": "client_rcm_director",
            "at": _AT,
            "note": "appeal first",
            "amount": 250.0,
        }
    ),
    f"{_P}.SQLiteHistory": lambda: Call(
        kwargs={"path": _folder() / "constructed.db", "create": True, "timeout": 0.1}
    ),
    f"{_P}.Snapshot": lambda: Call(
        kwargs={
            "state": State(),
            "decisions": (_decision(),),
            "acks": (_ack(),),
            "selections": {"denials": sampling.select(["a", "b", "c"], 2, 7)},
            "results": {"denials": sampling.attribute_upper_limit(60, 1, 0.95, tolerable_rate=0.05)},
            "report": "{}",
        }
    ),
    f"{_P}.open_history": lambda: Call(
        kwargs={"path": _folder() / "opened.db", "create": True, "timeout": 0.1}
    ),
}

_METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.SQLiteHistory.last_week": lambda: (_history(), "last_week", Call()),
    f"{_P}.SQLiteHistory.weeks": lambda: (_history(), "weeks", Call()),
    f"{_P}.SQLiteHistory.load": lambda: (_history(), "load", Call(kwargs={"week": _WEEK})),
    f"{_P}.SQLiteHistory.record_week": lambda: (
        _history(recorded=False),
        "record_week",
        Call(kwargs={"week": _WEEK, "snapshot": _snapshot(), "replace": True}),
    ),
    f"{_P}.SQLiteHistory.record_decision": lambda: (
        _history(),
        "record_decision",
        Call(kwargs={"decision": _decision(), "week": _WEEK}),
    ),
    f"{_P}.SQLiteHistory.record_ack": lambda: (
        _history(),
        "record_ack",
        Call(kwargs={"ack": _ack(), "week": _WEEK}),
    ),
    f"{_P}.SQLiteHistory.decisions": lambda: (_history(), "decisions", Call(kwargs={"since": _AT})),
    f"{_P}.SQLiteHistory.acks": lambda: (_history(), "acks", Call(kwargs={"since": _AT})),
}


def _exported(name: str) -> bool:
    """Whether the class or function an example calls is in ``comanaged_rcm.cycle.__all__``."""
    return name.removeprefix(f"{_P}.").split(".", 1)[0] in comanaged_rcm.cycle.__all__


EXAMPLES = {name: example for name, example in _EXAMPLES.items() if _exported(name)}
METHODS = {name: example for name, example in _METHODS.items() if _exported(name)}
