"""Escalation scenarios whose every output is recorded: the synthetic book's stage, seeded random rules.

:func:`outputs` gives, for each scenario, the events of every step (each field, the deferred
explanations computed), the states, the open alerts' latest evaluations and the escalation
stage's lines, groups, decisions and headline, as plain JSON values. The fixture
``escalation_expected.json`` beside this file holds what the engine gave for them before the
stage was sped up, as the SHA-256 of each part's canonical JSON (with the number of items, to
read), and ``test_cycle_escalation_fast`` checks that it still gives exactly that. Run this
module (``python tests/cycle/escalation_scenarios.py``) to write the fixture again, which is only
right when a change of behaviour is meant (``--full PATH`` writes the outputs themselves, to
compare two versions part by part).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from comanaged_rcm.cycle import Acknowledgement, CycleData, Decision, Engagement, Verdict, default_engagement
from comanaged_rcm.cycle._engagement import BusinessHoursSection
from comanaged_rcm.cycle._escalate import escalation_stage
from comanaged_rcm.escalation import (
    AlertSeverity,
    Categorical,
    FactKind,
    Hold,
    Inhibition,
    Level,
    MappingDirectory,
    OnUnknown,
    Owner,
    Rule,
    Rung,
    Silence,
    State,
    acknowledge,
    add_silence,
    business_hours,
    step,
)
from comanaged_rcm.serialize import to_dict
from comanaged_rcm.synthetic import generate_book

FIXTURE = Path(__file__).with_name("escalation_expected.json")
CLAIMS = 3000
"""The synthetic book's size (small enough for a quick test, large enough for every event kind)."""
REPORTED = datetime.date(2026, 10, 21)
"""A day of the reported week (the book runs from May to the end of October 2026)."""
SEEDS = tuple(range(24))
"""The seeds of the random scenarios."""


def _plain(value: Any) -> Any:
    """A value as JSON reads it back (tuples as lists, every key a string)."""
    return json.loads(json.dumps(to_dict(value), default=str, sort_keys=True))


# ------------------------------------------------------------------------- the synthetic book
@functools.cache
def _data() -> CycleData:
    return CycleData.from_synthetic(generate_book(seed=7, claims=CLAIMS))


def _engagements() -> dict[str, Engagement]:
    base = default_engagement()
    hours = attrs.evolve(base, business_hours=BusinessHoursSection(zone="America/New_York"))
    return {"utc": base, "new_york": hours}


def _stage(stage: Any) -> dict[str, Any]:
    return {
        "state": _plain(stage.state),
        "now": stage.now.isoformat(),
        "lines": _plain(stage.lines),
        "groups": _plain(stage.groups),
        "decisions": _plain(stage.decisions),
        "decided": _plain(stage.decided),
        "headline": _plain(stage.headline),
    }


def synthetic_outputs() -> dict[str, Any]:
    """The stage over the 4 replayed weeks, and over 2 + 2 weeks continued from a start state."""
    data = _data()
    book = data.book()
    found: dict[str, Any] = {}
    for name, engagement in _engagements().items():
        week = engagement.cadence.period_containing(REPORTED)
        periods = engagement.cadence.periods_ending(week.end, engagement.escalation_periods)
        whole = escalation_stage(engagement, data, book, periods)
        first = escalation_stage(engagement, data, book, periods[:2])
        keys = sorted(first.state.alerts)
        at = first.now + datetime.timedelta(hours=1)
        acks = [Acknowledgement(key=keys[0], actor="lead", at=at)] if keys else []
        decided = whole.now - datetime.timedelta(days=1)  # within the last replayed week
        decisions = [
            Decision(
                id=f"d{i}",
                decision="write_off",
                key=key,
                verdict=verdict,
                actor="cfo",
                at=decided,
                amount=10.0,
            )
            for i, (key, verdict) in enumerate(zip(keys[1::7], list(Verdict) * 5, strict=False))
        ]
        start = first.state
        for ack in acks:
            start, _ = acknowledge(start, ack.key, actor=ack.actor, at=ack.at)
        later = escalation_stage(
            engagement, data, book, periods[2:], start=start, decisions=decisions, acks=acks
        )
        found[name] = {"whole": _stage(whole), "first": _stage(first), "later": _stage(later)}
    return found


# ----------------------------------------------------------------------------- random rules
_WHEN = (
    "balance > {t}",
    "status == 'denied' and balance > {t}",
    "days >= {d} or balance > {t}",
    "payer == 'AETNA' and days > {d}",
    "balance > {t} and days < {d}",
    "status != 'paid'",
)
_PAYERS = np.array(["AETNA", "CIGNA", "HUMANA", "UHC", ""])
_STATUSES = np.array(["denied", "paid", "pending"])
_NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
DIRECTORY = MappingDirectory(
    accountable={"denials": "lead_anna", "ar_follow_up": "lead_ben"},
    decisions={"write_off": "cfo_carla", "appeal_strategy": "vp_dana"},
)


def _owner(rng: np.random.Generator) -> Owner:
    pick = int(rng.integers(4))
    if pick == 0:
        return Owner.party("lead")
    if pick == 1:
        return Owner.accountable(str(rng.choice(["denials", "ar_follow_up", "coding"])))
    return Owner.decision(str(rng.choice(["write_off", "appeal_strategy", "no_one"])))


def _rung(rng: np.random.Generator, *, hours: bool) -> Rung:
    climb = None if rng.random() < 0.3 else int(rng.integers(1, 3))
    level, owner = list(Level)[int(rng.integers(len(Level)))], _owner(rng)
    if hours and rng.random() < 0.5:
        return Rung(
            level=level,
            owner=owner,
            ack_within_hours=int(rng.integers(1, 20)),
            escalate_after_hours=None if climb is None else climb * 8,
        )
    return Rung(level=level, owner=owner, ack_within=int(rng.integers(0, 4)), escalate_after=climb)


def _rule(rng: np.random.Generator, index: int, ids: list[str], *, hours: bool) -> Rule:
    when = str(rng.choice(_WHEN)).format(t=int(rng.integers(0, 900)), d=int(rng.integers(0, 20)))
    first, *ladder = (_rung(rng, hours=hours) for _ in range(int(rng.integers(1, 4))))
    fields: dict[str, Any] = {
        "id": f"r{index}",
        "when": when,
        "applies_to": FactKind.CLAIM,
        "severity": list(AlertSeverity)[int(rng.integers(len(AlertSeverity)))],
        "level": first.level,
        "owner": first.owner,
        "deadline": first.ack_within,
        "escalate_after": first.escalate_after,
        "deadline_hours": first.ack_within_hours,
        "escalate_after_hours": first.escalate_after_hours,
        "ladder": tuple(ladder),
        "dedup_keys": ("claim_id",) if rng.random() < 0.8 else ("claim_id", "payer"),
        "group_by": ("payer",) if rng.random() < 0.5 else (),
        "message": str(rng.choice(["claim {claim_id} owes {balance:,.2f}", "{payer}: {days} days", ""])),
        "on_unknown": [None, *OnUnknown][int(rng.integers(len(OnUnknown) + 1))],
        "pending_for": Hold(evaluations=int(rng.integers(0, 3))),
        "keep_firing_for": Hold(evaluations=int(rng.integers(0, 2))),
        "amount": "balance" if rng.random() < 0.5 else None,
        "labels": {"team": "ar"} if rng.random() < 0.3 else {},
        "annotations": {"summary": "look"} if rng.random() < 0.3 else {},
    }
    if rng.random() < 0.3:
        fields["clear_when"] = f"balance < {int(rng.integers(0, 300))}"
    if ids and rng.random() < 0.4:
        fields["inhibited_by"] = (Inhibition(rule=str(rng.choice(ids)), equal=("payer",)),)
    return Rule(**fields)


def _facts(rng: np.random.Generator) -> dict[str, Any]:
    n = int(rng.integers(0, 40))
    balance = rng.integers(-200, 1500, n).astype(np.float64)
    balance[rng.random(n) < 0.1] = np.nan
    payer = rng.integers(0, len(_PAYERS), n)
    return {
        "claim_id": np.array([f"C{i:03d}" for i in rng.integers(0, 25, n)], dtype=str),
        "payer": Categorical(payer, _PAYERS) if rng.random() < 0.5 else _PAYERS[payer],
        "status": Categorical(rng.integers(0, len(_STATUSES), n), _STATUSES),
        "balance": balance,
        "days": rng.integers(0, 30, n),
    }


def random_outputs(seed: int) -> dict[str, Any]:
    """Five steps of random rules over random records, with an acknowledgement and a silence."""
    rng = np.random.default_rng(seed)
    calendar = business_hours("America/New_York") if rng.random() < 0.5 else None
    rules: list[Rule] = []
    for index in range(int(rng.integers(1, 5))):
        rules.append(_rule(rng, index, [r.id for r in rules], hours=calendar is not None))
    state, now, steps = State(), _NOW, []
    for index in range(5):
        now += datetime.timedelta(days=int(rng.integers(1, 4)), hours=int(rng.integers(0, 5)))
        if index == 2 and rng.random() < 0.5:
            silence = Silence(
                id="s1", author="ops", reason="quiet", created=now, expires=now + datetime.timedelta(days=3),
                matchers={"payer": "AETNA"},
            )  # fmt: skip
            state, _ = add_silence(state, silence)
        firing = [a.key for a in state.open_alerts() if a.status.value == "firing"]
        if index == 3 and firing:
            state, _ = acknowledge(state, firing[0], actor="lead", at=now)
        latest: dict[str, Any] = {}
        state, events = step(
            rules, state, _facts(rng), now, calendar, directory=DIRECTORY, latest=latest, read=("days",)
        )
        steps.append(
            {
                "events": _plain(events),
                "state": _plain(state),
                "latest": {
                    key: {
                        "held": e.held,
                        "message": e.message,
                        "reason": e.reason,
                        "inputs": e.inputs,
                        "days": _plain(e.value("days")),
                    }
                    for key, e in sorted(latest.items())
                },
            }
        )
    return {"rules": _plain(rules), "steps": steps}


def outputs() -> dict[str, Any]:
    """Every scenario's outputs."""
    return {
        "synthetic": synthetic_outputs(),
        "random": {str(seed): random_outputs(seed) for seed in SEEDS},
    }


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


_PARTS = frozenset(
    {"decided", "decisions", "events", "groups", "headline", "latest", "lines", "now", "rules", "state"}
)
"""The parts digested one by one (every other dict and list is a tree of them)."""


def digests(tree: Any) -> Any:
    """The tree of :func:`outputs` with each part as its number of items and its digest."""
    if isinstance(tree, list):
        return [digests(branch) for branch in tree]
    return {name: _digest(value) if name in _PARTS else digests(value) for name, value in tree.items()}


def _digest(part: Any) -> dict[str, Any]:
    size = len(part) if isinstance(part, list | dict) else 1
    return {"items": size, "sha256": hashlib.sha256(_canonical(part).encode()).hexdigest()}


if __name__ == "__main__":
    made = outputs()
    if sys.argv[1:2] == ["--full"]:
        Path(sys.argv[2]).write_text(_canonical(made) + "\n")
    else:
        FIXTURE.write_text(json.dumps(digests(made), indent=1, sort_keys=True) + "\n")
