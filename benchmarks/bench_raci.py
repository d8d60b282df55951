"""Scope-split validation: every rule over a large split, against two baselines of the same run.

* ``validate`` runs all sixteen rules over a valid split of P parties x N activities (about five
  cells per activity, a grant per needed system, an escalation edge per partner party).
* Baseline ``one pass``: a single plain iteration over the assignments that counts the
  Accountables of each activity (the floor: one rule, no messages, no other section).
* Baseline ``naive O(n^2)``: the same count done the naive way, scanning every assignment for
  each activity.

Target: the 50 x 500 split validates well under a second, and the time grows about linearly
with the size (the ``per cell`` column stays flat while the naive baseline's grows).
"""

from __future__ import annotations

import datetime
import functools
import random
from collections import Counter
from collections.abc import Callable

from _harness import Case, median_seconds
from comanaged_rcm.raci import (
    CLIENT_RESERVED_DECISIONS,
    WORKFLOWS,
    AccessGrant,
    Activity,
    ActivityKind,
    Assignment,
    DecisionRight,
    EscalationEdge,
    Party,
    PartyKind,
    Permission,
    ScopeSplit,
    System,
    validate,
)

SIZES = ((10, 100), (25, 250), (50, 500), (100, 1000), (200, 2000))
QUICK_SIZES = ((10, 100), (50, 500))
SYSTEMS = tuple(System(f"sys_{n}", f"System {n}") for n in range(8))
KINDS = (ActivityKind.EXECUTE, ActivityKind.REVIEW, ActivityKind.REPORT)


def big_split(n_parties: int, n_activities: int, seed: int = 7) -> ScopeSplit:
    """A valid split: 20% client staff, 20% onshore, 50% offshore, 10% automation."""
    rng = random.Random(seed)
    shares = (
        (PartyKind.CLIENT_STAFF, 0.2),
        (PartyKind.PARTNER_ONSHORE, 0.2),
        (PartyKind.PARTNER_OFFSHORE, 0.5),
        (PartyKind.AUTOMATION, 0.1),
    )
    parties = [
        Party(f"{kind.value}_{i}", f"{kind.value} {i}", kind)
        for kind, share in shares
        for i in range(max(1, round(n_parties * share)))
    ]
    by_kind = {kind: [p.id for p in parties if p.kind is kind] for kind, _ in shares}
    clients, onshore = by_kind[PartyKind.CLIENT_STAFF], by_kind[PartyKind.PARTNER_ONSHORE]
    doers = by_kind[PartyKind.PARTNER_OFFSHORE] + by_kind[PartyKind.AUTOMATION]
    activities: list[Activity] = []
    cells: list[Assignment] = []
    needs: dict[str, set[str]] = {}
    for n in range(n_activities):
        workflow = WORKFLOWS[n % len(WORKFLOWS)].id
        systems = frozenset(s.id for s in rng.sample(SYSTEMS, 2))
        activity = Activity(
            id=f"{workflow}.{n}",
            workflow=workflow,
            name=f"Step {n}",
            kind=rng.choice(KINDS[1:] if workflow == "payment_posting" else KINDS),
            financial_control=rng.random() < 0.2,
            systems=systems,
        )
        activities.append(activity)
        owner = rng.choice(onshore + clients)
        responsible = rng.sample(doers, rng.choice((1, 2)))
        consulted = rng.choice([p for p in onshore if p != owner] or clients)
        informed = rng.choice([p for p in clients if p not in {owner, consulted}])
        row = {owner: "A", consulted: "C", informed: "I"} | dict.fromkeys(responsible, "R")
        cells.extend(Assignment(activity.id, party, frozenset(letters)) for party, letters in row.items())
        for party, letters in row.items():
            if letters in {"A", "R"}:
                needs.setdefault(party, set()).update(systems)
    grants = [
        AccessGrant(
            party=p.id,
            system=system,
            identity=f"{system}:{p.id}",
            permissions=frozenset({Permission.VIEW, Permission.EDIT}),
            granted_by=clients[0],
            review_by=datetime.date(2026, 6, 30),
        )
        for p in parties
        for system in sorted(needs.get(p.id, ()))
    ]
    edges = [EscalationEdge(p, rng.choice(onshore), "blocked") for p in doers]
    edges += [EscalationEdge(p, rng.choice(clients), "decision needed") for p in onshore]
    return ScopeSplit(
        name=f"{n_parties} x {n_activities}",
        effective_from=datetime.date(2026, 1, 1),
        parties=tuple(parties),
        systems=SYSTEMS,
        activities=tuple(activities),
        in_scope=frozenset(w.id for w in WORKFLOWS),
        assignments=tuple(cells),
        rights=tuple(DecisionRight(decision=d, holder=clients[0]) for d in sorted(CLIENT_RESERVED_DECISIONS)),
        grants=tuple(grants),
        escalations=tuple(edges),
    )


def one_pass(split: ScopeSplit) -> Counter[str]:
    """Accountables per activity in one plain pass over the assignments."""
    counts: Counter[str] = Counter()
    for cell in split.assignments:
        if "A" in cell.letters:
            counts[cell.activity] += 1
    return counts


def naive(split: ScopeSplit) -> dict[str, int]:
    """Accountables per activity, scanning every assignment for each activity."""
    return {
        a.id: sum(1 for c in split.assignments if c.activity == a.id and "A" in c.letters)
        for a in split.activities
    }


def _seconds(fn: Callable[[], object], repeat: int = 3) -> float:
    return median_seconds(fn, repeat)


def growth(sizes: tuple[tuple[int, int], ...]) -> None:
    """Print validate's time per cell at each size: flat means linear growth."""
    print("  growth: parties x activities -> cells, validate ms, per cell us, naive ms")
    for n_parties, n_activities in sizes:
        split = big_split(n_parties, n_activities)
        ours = _seconds(functools.partial(validate, split))
        slow = _seconds(functools.partial(naive, split), repeat=1)
        cells = len(split.assignments)
        print(
            f"    {n_parties:4d} x {n_activities:5d} -> {cells:6d} cells: {ours * 1e3:8.2f} ms "
            f"({ours / cells * 1e6:6.2f} us/cell), naive {slow * 1e3:9.2f} ms"
        )


def cases(quick: bool) -> list[Case]:
    """The 50 x 500 split against both baselines, then the growth table."""
    split = big_split(50, 500)
    found = validate(split)
    if found:
        raise AssertionError(f"the benchmark split should be valid: {found[:3]}")
    if one_pass(split) != Counter(naive(split)):
        raise AssertionError("the baselines disagree")
    growth(QUICK_SIZES if quick else SIZES)
    return [
        Case(
            name="validate a scope split (all 16 rules)",
            sizes=(
                f"{len(split.parties)} parties x {len(split.activities)} activities, "
                f"{len(split.assignments)} cells, {len(split.grants)} grants"
            ),
            ours=lambda: validate(split),
            baselines={
                "one pass over the cells (Accountables only)": lambda: one_pass(split),
                "naive O(n^2) Accountable count": lambda: naive(split),
            },
            repeat=3 if quick else 7,
            target="well under 1 s; per-cell time flat across sizes",
        )
    ]
