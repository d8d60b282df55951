"""Helpers that edit splits, and hypothesis strategies for random valid splits and their mutations."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import strategies as st

from comanaged_rcm.raci import (
    CLIENT_RESERVED_DECISIONS,
    MONEY_DECISIONS,
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
)

START = datetime.date(2026, 1, 1)


# ------------------------------------------------------------------------------- editing helpers
def cell_at(split: ScopeSplit, activity: str, party: str) -> int:
    """Index of the cell of ``party`` on ``activity``."""
    for i, cell in enumerate(split.assignments):
        if cell.activity == activity and cell.party == party:
            return i
    raise LookupError((activity, party))


def set_cell(split: ScopeSplit, activity: str, party: str, letters: str) -> ScopeSplit:
    """Replace a cell's letters; an empty string drops the cell; a new cell is appended."""
    cells = list(split.assignments)
    try:
        i = cell_at(split, activity, party)
    except LookupError:
        cells.append(Assignment(activity, party, frozenset(letters)))
    else:
        if letters:
            cells[i] = Assignment(activity, party, frozenset(letters))
        else:
            del cells[i]
    return attrs.evolve(split, assignments=tuple(cells))


def add_party(split: ScopeSplit, party_id: str, kind: PartyKind = PartyKind.CLIENT_STAFF) -> ScopeSplit:
    """Append a party."""
    return attrs.evolve(split, parties=(*split.parties, Party(party_id, party_id.replace("_", " "), kind)))


def right_at(split: ScopeSplit, decision: str) -> int:
    """Index of the right for ``decision``."""
    return next(i for i, r in enumerate(split.rights) if r.decision == decision)


def set_right(split: ScopeSplit, decision: str, **changes: Any) -> ScopeSplit:
    """Evolve the right for ``decision``."""
    rights = list(split.rights)
    i = right_at(split, decision)
    rights[i] = attrs.evolve(rights[i], **changes)
    return attrs.evolve(split, rights=tuple(rights))


def grant_at(split: ScopeSplit, party: str, system: str) -> int:
    """Index of the grant of ``system`` to ``party``."""
    return next(i for i, g in enumerate(split.grants) if g.party == party and g.system == system)


def set_grant(split: ScopeSplit, party: str, system: str, **changes: Any) -> ScopeSplit:
    """Evolve one grant."""
    grants = list(split.grants)
    i = grant_at(split, party, system)
    grants[i] = attrs.evolve(grants[i], **changes)
    return attrs.evolve(split, grants=tuple(grants))


def drop_grant(split: ScopeSplit, party: str, system: str) -> ScopeSplit:
    """Remove one grant."""
    i = grant_at(split, party, system)
    return attrs.evolve(split, grants=split.grants[:i] + split.grants[i + 1 :])


def grant(
    party: str, system: str, *permissions: Permission, granted_by: str = "client_rcm_director"
) -> AccessGrant:
    """A grant with a distinct identity."""
    return AccessGrant(
        party=party,
        system=system,
        identity=f"{system}:{party}",
        permissions=frozenset(permissions or (Permission.VIEW,)),
        granted_by=granted_by,
        review_by=datetime.date(2026, 6, 30),
    )


# ------------------------------------------------------------------------- random valid splits
_KINDS = (ActivityKind.EXECUTE, ActivityKind.REVIEW, ActivityKind.REPORT)
_SYSTEMS = (
    System("pm", "Practice management"),
    System("portal", "Payer portal"),
    System("clearing", "Clearinghouse"),
    System("bank", "Bank portal", onshore_only=True),
    System("archive", "Archive nobody needs"),
)
_SYSTEMS_IDS = tuple(x.id for x in _SYSTEMS)


@st.composite
def valid_splits(draw: st.DrawFn) -> ScopeSplit:
    """A random split that :func:`comanaged_rcm.raci.validate` finds nothing wrong with.

    Parties: one to three client humans, one or two onshore, zero to two offshore, zero or one
    automation. Each in-scope workflow gets one to three activities (never ``DECIDE``), each with
    one human Accountable, one or two Responsible, one Informed or Consulted; grants follow the
    needs exactly; every non-client party escalates straight to a client human.
    """
    counts = {
        PartyKind.CLIENT_STAFF: draw(st.integers(1, 3)),
        PartyKind.PARTNER_ONSHORE: draw(st.integers(1, 2)),
        PartyKind.PARTNER_OFFSHORE: draw(st.integers(0, 2)),
        PartyKind.AUTOMATION: draw(st.integers(0, 1)),
    }
    parties = [
        Party(f"{kind.value}_{n}", f"{kind.value} {n}", kind) for kind, k in counts.items() for n in range(k)
    ]
    clients = [p.id for p in parties if p.kind is PartyKind.CLIENT_STAFF]
    humans = [p for p in parties if p.is_human]
    ids = [w.id for w in WORKFLOWS]
    in_scope = draw(st.sets(st.sampled_from(ids), min_size=2))
    activities: list[Activity] = []
    cells: list[Assignment] = []
    for workflow in [w for w in ids if w in in_scope]:
        for n in range(draw(st.integers(1, 3))):
            # payment posting stays non-EXECUTE, so nobody here "posts" and approves adjustments
            kind = draw(st.sampled_from(_KINDS[1:] if workflow == "payment_posting" else _KINDS))
            onshore_only = draw(st.booleans())
            financial = draw(st.booleans())
            eligible = [p for p in parties if not (onshore_only and p.kind is PartyKind.PARTNER_OFFSHORE)]
            accountable = draw(st.sampled_from([p for p in humans if p in eligible]))
            watcher = draw(st.sampled_from([p for p in parties if p is not accountable]))
            doers = [p for p in eligible if p is not watcher and (p is not accountable or not financial)]
            if not doers:
                financial, doers = False, [accountable]
            responsible = draw(st.lists(st.sampled_from(doers), min_size=1, max_size=2, unique=True))
            letters: dict[str, set[str]] = {accountable.id: {"A"}}
            for p in responsible:
                letters.setdefault(p.id, set()).add("R")
            consulted = watcher.kind in {PartyKind.CLIENT_STAFF, PartyKind.PARTNER_ONSHORE} and draw(
                st.booleans()
            )
            letters[watcher.id] = {"C"} if consulted else {"I"}
            offshore_works = any(p.kind is PartyKind.PARTNER_OFFSHORE for p in [*responsible, accountable])
            allowed = _SYSTEMS_IDS[:3] if offshore_works else _SYSTEMS_IDS[:4]
            systems = draw(st.frozensets(st.sampled_from(allowed), max_size=2))
            activity = Activity(
                id=f"{workflow}.{n}",
                workflow=workflow,
                name=f"{workflow} step {n}",
                kind=kind,
                financial_control=financial,
                onshore_only=onshore_only,
                touches_phi=draw(st.booleans()),
                systems=systems,
            )
            activities.append(activity)
            cells.extend(Assignment(activity.id, party, frozenset(ls)) for party, ls in letters.items())
    # a party with no cell at all gets an I on an activity with room for one more
    present = {c.party for c in cells}
    for p in parties:
        if p.id not in present:
            informed = {a.id: 0 for a in activities}
            for c in cells:
                informed[c.activity] += "I" in c.letters
            room = sorted(a for a, n in informed.items() if n < 4)
            cells.append(Assignment(draw(st.sampled_from(room)), p.id, frozenset("I")))
    needs: dict[str, set[str]] = {}
    by_id = {a.id: a for a in activities}
    for c in cells:
        if c.letters & {"A", "R"}:
            needs.setdefault(c.party, set()).update(by_id[c.activity].systems)
    grants = [
        grant(party, system, Permission.VIEW, Permission.EDIT, granted_by=clients[0])
        for party in [p.id for p in parties]
        for system in sorted(needs.get(party, ()))
    ]
    rights = [
        DecisionRight(decision=d, holder=draw(st.sampled_from(clients)))
        for d in sorted(CLIENT_RESERVED_DECISIONS)
    ]
    edges = [
        EscalationEdge(p.id, draw(st.sampled_from(clients)), "anything") for p in parties if not p.is_client
    ]
    return ScopeSplit(
        name="random",
        version=draw(st.integers(1, 50)),
        effective_from=START,
        parties=tuple(parties),
        systems=_SYSTEMS,
        activities=tuple(activities),
        in_scope=frozenset(in_scope),
        out_of_scope=frozenset(ids) - in_scope,
        assignments=tuple(cells),
        rights=tuple(rights),
        grants=tuple(grants),
        escalations=tuple(edges),
        delegation_caps=draw(
            st.dictionaries(
                st.sampled_from(sorted(MONEY_DECISIONS)),
                st.floats(min_value=0, max_value=1e12, allow_nan=False),
                max_size=3,
            )
        ),
    )


# ----------------------------------------------------------------- mutations that break one rule
Draw = Callable[[st.SearchStrategy[Any]], Any]
Mutation = Callable[[ScopeSplit, Draw], ScopeSplit]


def _second_accountable(split: ScopeSplit, draw: Draw) -> ScopeSplit:
    activity = draw(st.sampled_from([a for a in split.activities if a.workflow in split.in_scope]))
    return set_cell(add_party(split, "second_owner"), activity.id, "second_owner", "A")


def _undeclared_party(split: ScopeSplit, draw: Draw) -> ScopeSplit:
    activity = draw(st.sampled_from(split.activities))
    return attrs.evolve(
        split, assignments=(*split.assignments, Assignment(activity.id, "ghost", frozenset("I")))
    )


def _in_and_out(split: ScopeSplit, draw: Draw) -> ScopeSplit:
    workflow = draw(st.sampled_from(sorted(split.in_scope)))
    return attrs.evolve(split, out_of_scope=split.out_of_scope | {workflow})


def _consulted_bot(split: ScopeSplit, draw: Draw) -> ScopeSplit:
    activity = draw(st.sampled_from([a for a in split.activities if a.workflow in split.in_scope]))
    return set_cell(add_party(split, "new_bot", PartyKind.AUTOMATION), activity.id, "new_bot", "C")


def _self_loop(split: ScopeSplit, draw: Draw) -> ScopeSplit:
    party = draw(st.sampled_from(split.parties))
    return attrs.evolve(split, escalations=(*split.escalations, EscalationEdge(party.id, party.id, "loop")))


def _grant_and_deny(split: ScopeSplit, draw: Draw) -> ScopeSplit:
    i = draw(st.integers(0, len(split.grants) - 1))
    grants = list(split.grants)
    # deny one of the granted permissions; the others keep the grant usable
    grants[i] = attrs.evolve(grants[i], denied={min(grants[i].permissions, key=lambda p: p.value)})
    return attrs.evolve(split, grants=tuple(grants))


def _unneeded_access(split: ScopeSplit, draw: Draw) -> ScopeSplit:
    party = draw(st.sampled_from(split.parties))
    granter = next(p.id for p in split.parties if p.is_client)
    return attrs.evolve(split, grants=(*split.grants, grant(party.id, "archive", granted_by=granter)))


def _idle_party(split: ScopeSplit, _: Draw) -> ScopeSplit:
    return add_party(split, "idle_clerk")


MUTATIONS: dict[str, Mutation] = {
    "RACI-001": _second_accountable,
    "RACI-003": _undeclared_party,
    "RACI-004": _in_and_out,
    "RACI-006": _consulted_bot,
    "RACI-009": _self_loop,
    "RACI-012": _unneeded_access,
    "RACI-015": _idle_party,
}
"""Mutations that apply to any split of :func:`valid_splits` and break exactly one rule."""

GRANT_MUTATIONS: dict[str, Mutation] = {"RACI-011": _grant_and_deny}
"""Mutations that need at least one grant."""
