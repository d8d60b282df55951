"""The split validator: every broken rule of a scope split, all at once, each with its path.

>>> from comanaged_rcm.raci import co_managed_template
>>> validate(co_managed_template())
[]
>>> sorted(RULES)[:3]
['RACI-001', 'RACI-002', 'RACI-003']
"""

from __future__ import annotations

import types
from collections import defaultdict
from collections.abc import Iterable, Mapping

import attrs

from comanaged_rcm._check import instance, v
from comanaged_rcm.findings import Finding, Severity
from comanaged_rcm.raci._models import (
    CLIENT_RESERVED_DECISIONS,
    MONEY_DECISIONS,
    NON_DELEGABLE_DECISIONS,
    WORKFLOWS,
    Activity,
    ActivityKind,
    Party,
    PartyKind,
    Role,
    ScopeSplit,
    _as_int,
)

__all__ = ["RULES", "Limits", "validate"]

E, W = Severity.ERROR, Severity.WARNING

RULES: Mapping[str, tuple[Severity, str]] = types.MappingProxyType(
    {
        "RACI-001": (
            E,
            "exactly one Accountable per in-scope activity; each letter within its scheme's bounds",
        ),
        "RACI-002": (E, "at least one Responsible per in-scope activity"),
        "RACI-003": (E, "referential integrity: declared ids, no duplicates, letters of the scheme"),
        "RACI-004": (E, "every catalogue workflow is in scope or explicitly out of scope, not both"),
        "RACI-005": (E, "a cell holds a legal combination of letters"),
        "RACI-006": (E, "Accountables and deciders are humans; automation is only R or I"),
        "RACI-007": (
            E,
            "client-reserved decisions are held by the client; delegation only up to a threshold",
        ),
        "RACI-008": (E, "separation of duties on financial controls; posters do not approve adjustments"),
        "RACI-009": (E, "the escalation graph is acyclic and every path ends at a client human"),
        "RACI-010": (E, "Responsible parties hold the grants they need; onshore-only work stays onshore"),
        "RACI-011": (E, "one identity per person, no grant-and-deny, provider-administered, reviewed access"),
        "RACI-012": (W, "access that no assigned activity needs"),
        "RACI-013": (W, "too many Consulted or Informed parties on an activity"),
        "RACI-014": (W, "more Responsible parties than the limit on an activity"),
        "RACI-015": (W, "an idle or overloaded party"),
        "RACI-016": (W, "an activity with nobody Consulted or Informed"),
        "RACI-017": (E, "a delegation threshold within the split's cap for its decision"),
        "RACI-018": (
            W,
            "a delegation that is unbounded (a money decision with no cap) or inert (no threshold)",
        ),
    }
)
"""Every rule id with its severity and what it checks."""

_ADJUSTING_DECISIONS = frozenset({"write_off", "refund"})
_DOING = frozenset({Role.ACCOUNTABLE, Role.RESPONSIBLE, Role.SUPPORT})


@attrs.frozen(kw_only=True)
class Limits:
    """The thresholds of the warning rules.

    Args:
        max_responsible: RACI-014 warns above this many Responsible parties on one activity.
        max_consulted: RACI-013 warns above this many Consulted parties on one activity.
        max_informed: RACI-013 warns above this many Informed parties on one activity.
        max_load: RACI-015 warns when a party is Responsible or Accountable on more activities.

    >>> Limits().max_responsible
    2
    """

    max_responsible: int = attrs.field(default=2, converter=_as_int, validator=v.count(minimum=1))
    max_consulted: int = attrs.field(default=3, converter=_as_int, validator=v.count(minimum=1))
    max_informed: int = attrs.field(default=4, converter=_as_int, validator=v.count(minimum=1))
    max_load: int = attrs.field(default=60, converter=_as_int, validator=v.count(minimum=1))


@attrs.define
class _Cell:
    index: int
    party: Party
    activity: Activity
    roles: frozenset[Role]


class _Check:
    """The indexes of one validation run, and the findings it collects."""

    def __init__(self, split: ScopeSplit, limits: Limits) -> None:
        self.split = split
        self.limits = limits
        self.found: list[Finding] = []
        self.parties: dict[str, Party] = {}
        self.party_at: dict[str, int] = {}
        self.systems: dict[str, int] = {}
        self.activities: dict[str, Activity] = {}
        self.catalogue = {w.id for w in WORKFLOWS}
        self.cells: list[_Cell] = []
        self.by_activity: dict[str, list[_Cell]] = defaultdict(list)
        self.by_party: dict[str, list[_Cell]] = defaultdict(list)
        self.grant_of: dict[tuple[str, str], int] = {}
        self.roles: dict[frozenset[str], frozenset[Role]] = {}

    def roles_of(self, letters: frozenset[str]) -> frozenset[Role]:
        """The roles of a cell's letters, computed once per distinct set of letters."""
        roles = self.roles.get(letters)
        if roles is None:
            roles = self.roles[letters] = self.split.scheme.roles_of(letters)
        return roles

    def add(self, rule: str, path: str, message: str) -> None:
        self.found.append(Finding(rule, RULES[rule][0], path, message))

    def party_kind(self, party_id: str | None) -> PartyKind | None:
        party = self.parties.get(party_id) if party_id is not None else None
        return party.kind if party is not None else None

    def in_scope(self, activity: Activity) -> bool:
        return activity.workflow in self.split.in_scope

    # -- RACI-003 and the indexes -----------------------------------------------------------------
    def index(self) -> None:
        s = self.split
        declared = (
            ("party", [p.id for p in s.parties]),
            ("system", [x.id for x in s.systems]),
            ("activity", [a.id for a in s.activities]),
        )
        for kind, ids in declared:
            seen: set[str] = set()
            for i, item in enumerate(ids):
                if item in seen:
                    self.add("RACI-003", f"$.{_plural(kind)}[{i}].id", f"duplicate {kind} id {item!r}")
                seen.add(item)
        for i, p in enumerate(s.parties):
            self.parties.setdefault(p.id, p)
            self.party_at.setdefault(p.id, i)
        for i, declared_system in enumerate(s.systems):
            self.systems.setdefault(declared_system.id, i)
        for j, a in enumerate(s.activities):
            self.activities.setdefault(a.id, a)
            if a.workflow not in self.catalogue:
                self.add(
                    "RACI-003", f"$.activities[{j}].workflow", f"{a.workflow!r} is not a catalogue workflow"
                )
            for system in sorted(a.systems - self.systems.keys()):
                self.add("RACI-003", f"$.activities[{j}].systems", f"undeclared system {system!r}")
        letters = {x.letter for x in s.scheme.letters}
        seen_cells: set[tuple[str, str]] = set()
        for i, cell in enumerate(s.assignments):
            path = f"$.assignments[{i}]"
            ok = True
            if cell.activity not in self.activities:
                self.add("RACI-003", f"{path}.activity", f"undeclared activity {cell.activity!r}")
                ok = False
            if cell.party not in self.parties:
                self.add("RACI-003", f"{path}.party", f"undeclared party {cell.party!r}")
                ok = False
            unknown = sorted(cell.letters - letters)
            if unknown:
                self.add(
                    "RACI-003",
                    f"{path}.letters",
                    f"letters {unknown} are not in the {s.scheme.name} scheme ({sorted(letters)})",
                )
            if (cell.activity, cell.party) in seen_cells:
                self.add(
                    "RACI-003",
                    path,
                    f"duplicate cell for {cell.party!r} on {cell.activity!r}: merge the letters",
                )
                ok = False
            seen_cells.add((cell.activity, cell.party))
            if ok:
                entry = _Cell(
                    i,
                    self.parties[cell.party],
                    self.activities[cell.activity],
                    self.roles_of(cell.letters),
                )
                self.cells.append(entry)
                self.by_activity[cell.activity].append(entry)
                self.by_party[cell.party].append(entry)
        decisions: set[str] = set()
        for k, right in enumerate(s.rights):
            if right.decision in decisions:
                self.add("RACI-003", f"$.rights[{k}].decision", f"duplicate right for {right.decision!r}")
            decisions.add(right.decision)
            for field in ("holder", "delegate"):
                value = getattr(right, field)
                if value is not None and value not in self.parties:
                    self.add("RACI-003", f"$.rights[{k}].{field}", f"undeclared party {value!r}")
        for g, grant in enumerate(s.grants):
            for field, known in (
                ("party", self.parties),
                ("system", self.systems),
                ("granted_by", self.parties),
            ):
                value = getattr(grant, field)
                if value not in known:
                    self.add("RACI-003", f"$.grants[{g}].{field}", f"undeclared {_noun(field)} {value!r}")
            key = (grant.party, grant.system)
            if key in self.grant_of:
                self.add(
                    "RACI-003",
                    f"$.grants[{g}]",
                    f"duplicate grant of {grant.system!r} to {grant.party!r}: merge them",
                )
            else:
                self.grant_of[key] = g
        for e, edge in enumerate(s.escalations):
            for field in ("source", "target"):
                value = getattr(edge, field)
                if value not in self.parties:
                    self.add("RACI-003", f"$.escalations[{e}].{field}", f"undeclared party {value!r}")

    # -- RACI-004 ---------------------------------------------------------------------------------
    def scope(self) -> None:
        s = self.split
        for field in ("in_scope", "out_of_scope"):
            for workflow in sorted(getattr(s, field) - self.catalogue):
                self.add("RACI-004", f"$.{field}", f"{workflow!r} is not a catalogue workflow")
        with_work = {a.workflow for a in s.activities}
        for w in WORKFLOWS:
            if w.id in s.in_scope and w.id in s.out_of_scope:
                self.add("RACI-004", "$.out_of_scope", f"{w.id!r} is both in and out of scope: pick one")
            elif w.id not in s.in_scope and w.id not in s.out_of_scope:
                self.add("RACI-004", "$.in_scope", f"{w.id!r} ({w.name}) is neither in nor out of scope")
            elif w.id in s.in_scope and w.id not in with_work:
                self.add("RACI-004", "$.activities", f"in-scope workflow {w.id!r} has no activities")

    # -- per-activity counts: RACI-001, 002, 013, 014, 016 ------------------------------------------
    def counts(self) -> None:
        scheme = self.split.scheme
        lim = self.limits
        for j, a in enumerate(self.split.activities):
            if not self.in_scope(a) or self.activities[a.id] is not a:
                continue
            cells = self.by_activity.get(a.id, [])
            path = f"$.activities[{j}]"
            by_letter: dict[str, list[str]] = defaultdict(list)
            for c in cells:
                for letter in self.split.assignments[c.index].letters:
                    by_letter[letter].append(c.party.id)
            for x in scheme.letters:
                holders = by_letter[x.letter]
                n = len(holders)
                if x.role is Role.RESPONSIBLE and n == 0:
                    continue
                if n < x.min or (x.max is not None and n > x.max):
                    bound = f"exactly {x.min}" if x.min == x.max else _bounds(x.min, x.max)
                    who = f": {', '.join(holders)}" if holders else ""
                    self.add("RACI-001", path, f"{a.id!r} has {n} {x.name} ({x.letter}){who}; need {bound}")
            by_role: dict[Role, list[str]] = defaultdict(list)
            for c in cells:
                for r in c.roles:
                    by_role[r].append(c.party.id)
            responsible = by_role[Role.RESPONSIBLE]
            if not responsible:
                self.add(
                    "RACI-002", path, f"{a.id!r} has nobody Responsible: name the party that does the work"
                )
            for role, most in ((Role.CONSULTED, lim.max_consulted), (Role.INFORMED, lim.max_informed)):
                if len(by_role[role]) > most:
                    self.add(
                        "RACI-013",
                        path,
                        f"{a.id!r} has {len(by_role[role])} {role.value} parties (limit {most}): trim them",
                    )
            if len(responsible) > lim.max_responsible:
                self.add(
                    "RACI-014",
                    path,
                    f"{a.id!r} has {len(responsible)} Responsible parties ({', '.join(responsible)}); "
                    f"more than {lim.max_responsible} blurs who does the work",
                )
            if not by_role[Role.CONSULTED] and not by_role[Role.INFORMED]:
                self.add("RACI-016", path, f"{a.id!r} has nobody Consulted or Informed: who needs to know?")

    # -- cell rules: RACI-005, 006, 008 (same party A and R) ---------------------------------------
    def cells_rules(self) -> None:
        scheme = self.split.scheme
        known = {x.letter for x in scheme.letters}
        for c in self.cells:
            letters = self.split.assignments[c.index].letters
            path = f"$.assignments[{c.index}].letters"
            if letters <= known and letters not in scheme.combinations:
                legal = " / ".join(sorted("".join(sorted(x)) for x in scheme.combinations))
                self.add(
                    "RACI-005",
                    path,
                    f"{''.join(sorted(letters)) or 'an empty cell'} is not a legal {scheme.name} cell "
                    f"({legal})",
                )
            if not c.party.is_human and not c.roles <= {Role.RESPONSIBLE, Role.INFORMED}:
                self.add(
                    "RACI-006",
                    path,
                    f"automation {c.party.id!r} holds {sorted(r.value for r in c.roles)} "
                    f"on {c.activity.id!r}: "
                    "automation may only be Responsible or Informed",
                )
            elif (
                not c.party.is_human
                and c.activity.kind is ActivityKind.DECIDE
                and Role.RESPONSIBLE in c.roles
            ):
                self.add(
                    "RACI-006",
                    path,
                    f"automation {c.party.id!r} cannot decide {c.activity.id!r}: "
                    "a human decides, a bot may inform",
                )
            if (
                c.activity.financial_control
                and self.in_scope(c.activity)
                and {Role.ACCOUNTABLE, Role.RESPONSIBLE} <= c.roles
            ):
                self.add(
                    "RACI-008",
                    path,
                    f"{c.party.id!r} is both Accountable and Responsible for financial control "
                    f"{c.activity.id!r}: separate the duties",
                )

    # -- decision rights: RACI-006, 007, 008 (posters approving) ------------------------------------
    def rights(self) -> None:
        s = self.split
        held = {r.decision for r in s.rights}
        for decision in sorted(CLIENT_RESERVED_DECISIONS - held):
            self.add(
                "RACI-007",
                "$.rights",
                f"no right for client-reserved decision {decision!r}: add one held by a client human",
            )
        rights_of: dict[str, int] = {}
        for k, right in enumerate(s.rights):
            rights_of.setdefault(right.decision, k)
            path = f"$.rights[{k}]"
            for field in ("holder", "delegate"):
                kind = self.party_kind(getattr(right, field))
                if kind is PartyKind.AUTOMATION:
                    self.add(
                        "RACI-006",
                        f"{path}.{field}",
                        f"automation cannot hold or be delegated {right.decision!r}",
                    )
            if right.decision not in CLIENT_RESERVED_DECISIONS:
                continue
            kind = self.party_kind(right.holder)
            if kind is not None and kind is not PartyKind.CLIENT_STAFF:
                self.add(
                    "RACI-007",
                    f"{path}.holder",
                    f"{right.decision!r} is reserved to the client but held by {right.holder!r} "
                    f"({kind.value}): the partner executes and flags, it does not decide",
                )
            if right.delegate is not None and right.decision in NON_DELEGABLE_DECISIONS:
                self.add("RACI-007", f"{path}.delegate", f"{right.decision!r} cannot be delegated")
            elif right.delegate is not None and right.threshold is None:
                self.add(
                    "RACI-007",
                    f"{path}.threshold",
                    f"{right.decision!r} is delegated to {right.delegate!r} without a threshold: "
                    "state the largest amount the delegate decides",
                )
        self.delegations()
        for c in self.cells:
            exercised = c.activity.decision
            if (
                c.activity.kind is not ActivityKind.DECIDE
                or exercised is None
                or exercised not in CLIENT_RESERVED_DECISIONS
                or not self.in_scope(c.activity)
                or c.party.is_client
            ):
                continue
            at = rights_of.get(exercised)
            delegate = s.rights[at].delegate if at is not None else None
            path = f"$.assignments[{c.index}].letters"
            if Role.ACCOUNTABLE in c.roles:
                self.add(
                    "RACI-007",
                    path,
                    f"{c.party.id!r} is Accountable for client-reserved decision {exercised!r} "
                    f"({c.activity.id!r}): the client decides",
                )
            if Role.RESPONSIBLE in c.roles and c.party.id != delegate and c.party.is_human:
                self.add(
                    "RACI-007",
                    path,
                    f"{c.party.id!r} decides {exercised!r} ({c.activity.id!r}) without a delegation: "
                    "the partner executes and flags",
                )
        # whoever posts payments does not approve adjustments
        posters = {
            c.party.id
            for c in self.cells
            if c.activity.workflow == "payment_posting"
            and c.activity.kind is ActivityKind.EXECUTE
            and self.in_scope(c.activity)
            and c.roles & {Role.RESPONSIBLE, Role.SUPPORT}
        }
        for c in self.cells:
            if (
                c.party.id in posters
                and c.activity.kind is ActivityKind.DECIDE
                and self.in_scope(c.activity)
                and (
                    c.activity.decision in _ADJUSTING_DECISIONS or c.activity.workflow == "write_off_approval"
                )
                and c.roles & {Role.ACCOUNTABLE, Role.RESPONSIBLE}
            ):
                self.add(
                    "RACI-008",
                    f"$.assignments[{c.index}].letters",
                    f"{c.party.id!r} posts payments and approves adjustments ({c.activity.id!r}): "
                    "separate them",
                )
        for k, right in enumerate(s.rights):
            if right.decision not in _ADJUSTING_DECISIONS:
                continue
            for field in ("holder", "delegate"):
                value = getattr(right, field)
                if value in posters:
                    self.add(
                        "RACI-008",
                        f"$.rights[{k}].{field}",
                        f"{value!r} posts payments and approves {right.decision!r}: separate them",
                    )

    # -- RACI-017, 018: delegations against the caps ------------------------------------------------
    def delegations(self) -> None:
        caps = self.split.delegation_caps
        for k, right in enumerate(self.split.rights):
            if right.delegate is None:
                continue
            path = f"$.rights[{k}].threshold"
            cap = caps.get(right.decision)
            if right.threshold is None:
                if right.decision not in CLIENT_RESERVED_DECISIONS:  # RACI-007 reports the reserved ones
                    self.add(
                        "RACI-018",
                        path,
                        f"{right.decision!r} is delegated to {right.delegate!r} without a threshold: "
                        f"the delegate never decides; state the largest amount it decides",
                    )
            elif cap is not None and right.threshold > cap:
                self.add(
                    "RACI-017",
                    path,
                    f"{right.decision!r} is delegated to {right.delegate!r} up to {_money(right.threshold)}, "
                    f"above the cap of {_money(cap)}: lower the threshold or raise delegation_caps"
                    f"[{right.decision!r}]",
                )
            elif cap is None and right.decision in MONEY_DECISIONS:
                self.add(
                    "RACI-018",
                    path,
                    f"{right.decision!r} is delegated to {right.delegate!r} up to {_money(right.threshold)} "
                    f"with no cap: set delegation_caps[{right.decision!r}] to the most any delegate may get",
                )

    # -- RACI-009 ---------------------------------------------------------------------------------
    def escalation_graph(self) -> None:
        edges = [
            (e, edge.source, edge.target)
            for e, edge in enumerate(self.split.escalations)
            if edge.source in self.parties and edge.target in self.parties
        ]
        out: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for e, source, target in edges:
            out[source].append((e, target))
        for component in _cycles(out):
            first = min(e for node in component for e, t in out[node] if t in component)
            loop = " -> ".join([*sorted(component), min(component)])
            self.add(
                "RACI-009", f"$.escalations[{first}]", f"escalation cycle ({loop}): escalations must end"
            )
        reported: set[str] = set()
        for e, _, target in edges:
            party = self.parties[target]
            if target not in out and not party.is_client and target not in reported:
                reported.add(target)
                self.add(
                    "RACI-009",
                    f"$.escalations[{e}].target",
                    f"escalations stop at {target!r} ({party.kind.value}): "
                    "continue the path to a client human",
                )
        for p in self.split.parties:
            if p.is_client or p.id in out or p.id in reported or self.parties[p.id] is not p:
                continue
            if any(c.roles & _DOING and self.in_scope(c.activity) for c in self.by_party.get(p.id, [])):
                self.add(
                    "RACI-009",
                    f"$.parties[{self.party_at[p.id]}]",
                    f"{p.id!r} does in-scope work but has no escalation path to a client human",
                )

    # -- RACI-010, 011, 012 -----------------------------------------------------------------------
    def access(self) -> None:
        s = self.split
        onshore_systems = {x.id for x in s.systems if x.onshore_only}
        needs: dict[str, set[str]] = defaultdict(set)
        for c in self.cells:
            if not self.in_scope(c.activity):
                continue
            if c.roles & _DOING:
                needs[c.party.id] |= c.activity.systems
            path = f"$.assignments[{c.index}]"
            if (
                c.party.kind is PartyKind.PARTNER_OFFSHORE
                and c.activity.onshore_only
                and c.roles - {Role.INFORMED}
            ):
                self.add(
                    "RACI-010",
                    f"{path}.letters",
                    f"{c.activity.id!r} is onshore-only; {c.party.id!r} is offshore",
                )
            if Role.RESPONSIBLE not in c.roles:
                continue
            for system in sorted(c.activity.systems & self.systems.keys()):
                g = self.grant_of.get((c.party.id, system))
                grant = s.grants[g] if g is not None else None
                if grant is None or not grant.permissions - grant.denied:
                    self.add(
                        "RACI-010",
                        path,
                        f"{c.party.id!r} is Responsible for {c.activity.id!r} "
                        f"but holds no grant on {system!r}",
                    )
        identities: dict[tuple[str, str], str] = {}
        for g, grant in enumerate(s.grants):
            path = f"$.grants[{g}]"
            kind = self.party_kind(grant.party)
            if kind is PartyKind.PARTNER_OFFSHORE and grant.system in onshore_systems:
                self.add(
                    "RACI-010",
                    f"{path}.system",
                    f"{grant.system!r} is onshore-only; {grant.party!r} is offshore",
                )
            owner = identities.setdefault((grant.system, grant.identity), grant.party)
            if owner != grant.party:
                self.add(
                    "RACI-011",
                    f"{path}.identity",
                    f"identity {grant.identity!r} on {grant.system!r} is shared by {owner!r} and "
                    f"{grant.party!r}: one identity per person",
                )
            both = grant.permissions & grant.denied
            if both:
                self.add(
                    "RACI-011",
                    f"{path}.denied",
                    f"{sorted(p.value for p in both)} both granted and denied on {grant.system!r}",
                )
            granter = self.party_kind(grant.granted_by)
            if granter is not None and granter is not PartyKind.CLIENT_STAFF:
                self.add(
                    "RACI-011",
                    f"{path}.granted_by",
                    f"access is provider-administered: {grant.granted_by!r} ({granter.value}) "
                    "cannot grant it",
                )
            if grant.review_by is not None and grant.review_by < s.effective_from:
                self.add(
                    "RACI-011",
                    f"{path}.review_by",
                    f"access review was due {grant.review_by} (before the split takes effect): review it",
                )
            if kind is not None and grant.system in self.systems and grant.system not in needs[grant.party]:
                self.add(
                    "RACI-012",
                    path,
                    f"{grant.party!r} holds access to {grant.system!r} that none of its activities needs",
                )

    # -- RACI-015 ---------------------------------------------------------------------------------
    def load(self) -> None:
        s = self.split
        busy = (
            {r.holder for r in s.rights} | {r.delegate for r in s.rights} | {e.target for e in s.escalations}
        )
        for i, p in enumerate(s.parties):
            if self.party_at[p.id] != i:
                continue
            cells = [c for c in self.by_party.get(p.id, []) if self.in_scope(c.activity) and c.roles]
            if not cells and p.id not in busy:
                self.add("RACI-015", f"$.parties[{i}]", f"{p.id!r} holds no cell, right or escalation: idle")
            load = sum(1 for c in cells if c.roles & {Role.ACCOUNTABLE, Role.RESPONSIBLE})
            if load > self.limits.max_load:
                self.add(
                    "RACI-015",
                    f"$.parties[{i}]",
                    f"{p.id!r} is Responsible or Accountable on {load} activities "
                    f"(limit {self.limits.max_load}): overloaded",
                )


def _money(amount: float) -> str:
    return f"${amount:,.2f}"


def _plural(kind: str) -> str:
    return {"party": "parties", "activity": "activities"}.get(kind, f"{kind}s")


def _noun(field: str) -> str:
    return "system" if field == "system" else "party"


def _bounds(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low}"
    return f"between {low} and {high}"


def _cycles(out: Mapping[str, Iterable[tuple[int, str]]]) -> list[set[str]]:
    """Strongly connected components with a cycle (Tarjan, iterative), in discovery order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    counter = 0
    for root in list(out):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, [t for _, t in out.get(root, ())])]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, [t for _, t in out.get(nxt, ())]))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                self_loop = any(t == node for _, t in out.get(node, ()))
                if len(component) > 1 or self_loop:
                    found.append(component)
    return found


def validate(split: ScopeSplit, *, limits: Limits | None = None) -> list[Finding]:
    """Check a split against every rule and return all findings, errors and warnings.

    Findings come rule by rule (``RACI-001`` first), each rule's in document order. The rules
    and their severities are listed in :data:`RULES`.

    Args:
        split: The scope split.
        limits: Thresholds of the warning rules (:class:`Limits` defaults).

    Returns:
        Every finding; an empty list for a clean split.

    Raises:
        ValidationError: When ``split`` is not a :class:`ScopeSplit` (``$.split``) or ``limits``
            is neither ``None`` nor :class:`Limits` (``$.limits``).

    Examples:
        >>> import attrs
        >>> from comanaged_rcm.raci import co_managed_template
        >>> split = co_managed_template()
        >>> broken = attrs.evolve(split, assignments=split.assignments[:2] + split.assignments[3:])
        >>> [str(f) for f in validate(broken)]
        ["RACI-001 error: 'eligibility.verify' has 0 Accountable (A); need exactly 1 @ $.activities[0]"]
    """
    instance(split, ScopeSplit, "$.split")
    if limits is not None:
        instance(limits, Limits, "$.limits")
    check = _Check(split, limits if limits is not None else Limits())
    check.index()
    check.scope()
    check.counts()
    check.cells_rules()
    check.rights()
    check.escalation_graph()
    check.access()
    check.load()
    order = {rule: n for n, rule in enumerate(RULES)}
    return sorted(check.found, key=lambda f: order[f.rule])
