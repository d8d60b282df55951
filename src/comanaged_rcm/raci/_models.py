"""The scope-and-ownership model: parties, systems, activities, RACI cells, rights, grants, edges.

Every class is a frozen attrs value that round-trips through :mod:`comanaged_rcm.serialize`.
Field validators check each value on its own (types, non-empty ids, non-negative thresholds) and
raise :class:`~comanaged_rcm.errors.ValidationError` naming the field; rules that span the whole
document live in :func:`comanaged_rcm.raci.validate`.

>>> from comanaged_rcm import serialize
>>> cell = Assignment("denials.work", "offshore_pod", "R")
>>> cell
Assignment(activity='denials.work', party='offshore_pod', letters=frozenset({'R'}))
>>> serialize.to_json(cell)
'{"activity": "denials.work", "party": "offshore_pod", "letters": ["R"]}'
>>> serialize.from_json(serialize.to_json(cell), Assignment) == cell
True
"""

from __future__ import annotations

import datetime
import enum
import re
import reprlib
import types
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, SupportsFloat, SupportsIndex

import attrs

from comanaged_rcm._check import (
    as_flag,
    as_frozenset,
    as_int,
    as_optional_real,
    as_sorted_mapping,
    as_tuple,
    fail,
    instance,
    real,
    sequence,
    show,
    suggest,
    text,
    v,
)
from comanaged_rcm.errors import Issue, ValidationError

if TYPE_CHECKING:
    import numpy as np

    from comanaged_rcm.raci._matrix import Matrix

__all__ = [
    "CLIENT_RESERVED_DECISIONS",
    "DACI",
    "MONEY_DECISIONS",
    "NON_DELEGABLE_DECISIONS",
    "RACI",
    "RASCI",
    "WORKFLOWS",
    "AccessGrant",
    "Activity",
    "ActivityKind",
    "Assignment",
    "DecisionRight",
    "EscalationEdge",
    "Letter",
    "Party",
    "PartyKind",
    "Permission",
    "Role",
    "Scheme",
    "ScopeSplit",
    "System",
    "Workflow",
]


# ------------------------------------------------------------------------------ field converters
# The ``_check.as_*`` converters with the types each field takes: mypy's attrs plugin types a
# model's ``__init__`` by its converters, and the ``as_*`` take ``Any``; each only forwards.
def _as_int(value: SupportsIndex | float) -> Any:  # noqa: ANN401 - the value, maybe normalised
    return as_int(value)


def _as_optional_int(value: SupportsIndex | float | None) -> Any:  # noqa: ANN401 - the value, maybe normalised
    return as_int(value)


def _as_real(value: SupportsFloat | None) -> Any:  # noqa: ANN401 - the value, maybe normalised
    return as_optional_real(value)


def _as_tuple(value: Iterable[Any]) -> Any:  # noqa: ANN401 - the value, maybe normalised
    return as_tuple(value)


def _as_set(value: Iterable[Any]) -> Any:  # noqa: ANN401 - the value, maybe normalised
    return as_frozenset(value)


def _to_letters(value: str | Iterable[str]) -> Any:  # noqa: ANN401 - the value, maybe normalised
    """Like ``_check.as_frozenset``, and a string of letters (``"AR"``) is its set of letters."""
    if isinstance(value, str):
        return frozenset(value)
    return as_frozenset(value)


def _to_flag(value: bool | np.bool_) -> Any:  # noqa: ANN401 - the value, maybe normalised
    return as_flag(value)


_ID = v.text()
_FLAG = v.flag()


# ------------------------------------------------------------------------------------------ parties
class PartyKind(enum.Enum):
    """Who a party is: the provider's staff, the partner's onshore or offshore people, or automation."""

    CLIENT_STAFF = "client_staff"
    PARTNER_ONSHORE = "partner_onshore"
    PARTNER_OFFSHORE = "partner_offshore"
    AUTOMATION = "automation"

    @property
    def is_human(self) -> bool:
        """Everything but automation is people.

        >>> PartyKind.AUTOMATION.is_human, PartyKind.PARTNER_OFFSHORE.is_human
        (False, True)
        """
        return self is not PartyKind.AUTOMATION

    @property
    def is_client(self) -> bool:
        """Whether the party is the provider's own staff.

        >>> PartyKind.CLIENT_STAFF.is_client
        True
        """
        return self is PartyKind.CLIENT_STAFF


@attrs.frozen
class Party:
    """A person, team or bot that holds cells of the matrix.

    Args:
        id: Stable identifier used everywhere else in the split (``offshore_pod``).
        name: Display name.
        kind: :class:`PartyKind`; humans and automation are told apart by it.

    >>> Party("onshore_lead", "Onshore lead", PartyKind.PARTNER_ONSHORE).is_human
    True
    """

    id: str = attrs.field(validator=_ID)
    name: str = attrs.field(validator=_ID)
    kind: PartyKind = attrs.field(validator=v.member(PartyKind))

    @property
    def is_human(self) -> bool:
        """Whether the party is people (not automation)."""
        return self.kind.is_human

    @property
    def is_client(self) -> bool:
        """Whether the party is the provider's own staff."""
        return self.kind.is_client


@attrs.frozen
class System:
    """A system that work needs access to (practice management, clearinghouse, payer portals).

    Args:
        id: Stable identifier (``pm_system``).
        name: Display name.
        onshore_only: Access must never go to offshore parties (bank lockbox, HR data...).

    >>> System("bank_portal", "Bank lockbox portal", onshore_only=True).onshore_only
    True
    """

    id: str = attrs.field(validator=_ID)
    name: str = attrs.field(validator=_ID)
    onshore_only: bool = attrs.field(default=False, converter=_to_flag, validator=_FLAG)


# --------------------------------------------------------------------------------------- workflows
@attrs.frozen
class Workflow:
    """A workflow of the revenue-cycle catalogue.

    >>> WORKFLOWS[0]
    Workflow(id='eligibility', name='Eligibility and benefits verification')
    """

    id: str = attrs.field(validator=_ID)
    name: str = attrs.field(validator=_ID)


WORKFLOWS: tuple[Workflow, ...] = (
    Workflow("eligibility", "Eligibility and benefits verification"),
    Workflow("prior_auth", "Prior authorization"),
    Workflow("charge_entry", "Charge entry"),
    Workflow("coding", "Coding"),
    Workflow("claim_submission", "Claim submission"),
    Workflow("payment_posting", "Payment posting"),
    Workflow("ar_follow_up", "A/R follow-up"),
    Workflow("denials", "Denial management"),
    Workflow("appeals", "Appeals"),
    Workflow("write_off_approval", "Write-off and adjustment approval"),
    Workflow("patient_statements", "Patient statements"),
    Workflow("credit_balances", "Credit balances and refunds"),
)
"""The catalogue of revenue-cycle workflows every split must place in or out of scope."""

CLIENT_RESERVED_DECISIONS: frozenset[str] = frozenset(
    {
        "write_off",
        "refund",
        "appeal_strategy",
        "payer_escalation",
        "policy_change",
        "coding_policy",
        "enrollment_signature",
        "collection_agency_placement",
    }
)
"""Decisions the provider keeps: each needs a :class:`DecisionRight` held by client staff."""

NON_DELEGABLE_DECISIONS: frozenset[str] = frozenset(
    {"policy_change", "coding_policy", "enrollment_signature"}
)
"""Reserved decisions that cannot be delegated at any threshold."""

MONEY_DECISIONS: frozenset[str] = frozenset(
    {"write_off", "refund", "appeal_strategy", "collection_agency_placement"}
)
"""Reserved decisions that put an amount of money at stake (a balance written off, a refund
paid, a denied claim appealed or not, a balance placed with an agency): a delegation of one
should be bounded by a :attr:`ScopeSplit.delegation_caps` entry (``RACI-018`` warns otherwise)."""


class ActivityKind(enum.Enum):
    """What an activity is: doing the work, deciding, reviewing it (QA) or reporting on it."""

    EXECUTE = "execute"
    DECIDE = "decide"
    REVIEW = "review"
    REPORT = "report"


@attrs.frozen(kw_only=True)
class Activity:
    """One line of the matrix: a piece of work within a workflow.

    Args:
        id: Stable identifier (``denials.work``).
        workflow: A catalogue workflow id (see :data:`WORKFLOWS`).
        name: What the work is, in words.
        kind: :class:`ActivityKind`.
        financial_control: Moves money or approves moving it: separation of duties applies.
        touches_phi: Handles protected health information.
        onshore_only: Must not be done by offshore parties.
        systems: Ids of the systems the work needs access to.
        decision: For a ``DECIDE`` activity, the decision it exercises (``write_off``...).

    >>> Activity(id="denials.work", workflow="denials", name="Work denials",
    ...          kind=ActivityKind.EXECUTE, systems={"pm_system"}).systems
    frozenset({'pm_system'})
    """

    id: str = attrs.field(validator=_ID)
    workflow: str = attrs.field(validator=_ID)
    name: str = attrs.field(validator=_ID)
    kind: ActivityKind = attrs.field(validator=v.member(ActivityKind))
    financial_control: bool = attrs.field(default=False, converter=_to_flag, validator=_FLAG)
    touches_phi: bool = attrs.field(default=False, converter=_to_flag, validator=_FLAG)
    onshore_only: bool = attrs.field(default=False, converter=_to_flag, validator=_FLAG)
    systems: frozenset[str] = attrs.field(default=frozenset(), converter=_as_set, validator=v.each(_ID))
    decision: str | None = attrs.field(default=None, validator=v.optional(_ID))


# ---------------------------------------------------------------------------------------- schemes
class Role(enum.Enum):
    """What a letter means, whatever the scheme calls it (DACI's Approver is ACCOUNTABLE)."""

    ACCOUNTABLE = "accountable"
    RESPONSIBLE = "responsible"
    SUPPORT = "support"
    CONSULTED = "consulted"
    INFORMED = "informed"


@attrs.frozen(kw_only=True)
class Letter:
    """A letter of a scheme, its role, and how many parties per activity may hold it.

    >>> Letter(letter="A", name="Accountable", role=Role.ACCOUNTABLE, min=1, max=1)
    Letter(letter='A', name='Accountable', role=<Role.ACCOUNTABLE: 'accountable'>, min=1, max=1)
    """

    letter: str = attrs.field(validator=_ID)
    name: str = attrs.field(validator=_ID)
    role: Role = attrs.field(validator=v.member(Role))
    min: int = attrs.field(default=0, converter=_as_int, validator=v.count())
    max: int | None = attrs.field(default=None, converter=_as_optional_int, validator=v.optional(v.count()))

    def __attrs_post_init__(self) -> None:
        if self.max is not None and self.max < self.min:
            message = f"'max' must be >= 'min' ({self.min}) (got {self.max})"
            raise ValidationError([Issue("$.max", "range", message), Issue("$.min", "range", message)])


@attrs.frozen(kw_only=True)
class Scheme:
    """A responsibility-assignment scheme as data: its letters and the legal cell combinations.

    Args:
        name: ``RACI``, ``RASCI``, ``DACI``...
        letters: The letters with their role and per-activity bounds.
        combinations: Every legal set of letters for one cell (``{"A", "R"}`` may share a cell).

    >>> RACI.letter_for(Role.ACCOUNTABLE), DACI.letter_for(Role.ACCOUNTABLE)
    ('A', 'A')
    >>> sorted(RACI.roles_of({"A", "R"}), key=lambda r: r.value)
    [<Role.ACCOUNTABLE: 'accountable'>, <Role.RESPONSIBLE: 'responsible'>]
    """

    name: str = attrs.field(validator=_ID)
    letters: tuple[Letter, ...] = attrs.field(converter=_as_tuple, validator=v.tuple_of(Letter))
    combinations: frozenset[frozenset[str]] = attrs.field(converter=_as_set)

    @letters.validator
    def _check_letters(self, _: attrs.Attribute[Any], value: tuple[Letter, ...]) -> None:
        if not value:
            fail("$.letters", "value", "'letters' must hold at least one letter (got none)")

    @combinations.validator
    def _check_combinations(self, _: attrs.Attribute[Any], value: object) -> None:
        combos: frozenset[object] = instance(value, frozenset, "$.combinations", "a set of letter sets")
        known = {x.letter for x in self.letters}
        for combo in sorted(combos, key=reprlib.repr):
            if not isinstance(combo, frozenset) or not combo or not combo <= known:
                fail(
                    "$.combinations",
                    "value",
                    f"each combination must be a non-empty set of the scheme's letters {sorted(known)} "
                    f"(got {reprlib.repr(combo)})",
                )

    def __attrs_post_init__(self) -> None:
        seen = [x.letter for x in self.letters]
        if len(set(seen)) != len(seen):
            raise ValidationError.single("$.letters", "value", f"letters repeat (got {seen})")

    def role(self, letter: str) -> Role | None:
        """The role of ``letter`` (a string), or ``None`` when the scheme has no such letter."""
        instance(letter, str, "$.letter", "a letter (str)")
        for x in self.letters:
            if x.letter == letter:
                return x.role
        return None

    def roles_of(self, letters: Iterable[str]) -> frozenset[Role]:
        """The roles of a cell's letters, given as a collection or a string (unknown letters are skipped)."""
        given = tuple(letters) if isinstance(letters, str) else sequence(letters, "$.letters")
        for i, letter in enumerate(given):
            instance(letter, str, f"$.letters[{i}]", "a letter (str)")
        by_letter = {x.letter: x.role for x in self.letters}
        return frozenset(by_letter[x] for x in given if x in by_letter)

    def letter_for(self, role: Role) -> str | None:
        """The first letter with ``role`` (a :class:`Role`), or ``None``."""
        instance(role, Role, "$.role")
        for x in self.letters:
            if x.role is role:
                return x.letter
        return None


RACI = Scheme(
    name="RACI",
    letters=(
        Letter(letter="R", name="Responsible", role=Role.RESPONSIBLE, min=1),
        Letter(letter="A", name="Accountable", role=Role.ACCOUNTABLE, min=1, max=1),
        Letter(letter="C", name="Consulted", role=Role.CONSULTED),
        Letter(letter="I", name="Informed", role=Role.INFORMED),
    ),
    combinations=frozenset(map(frozenset, ("R", "A", "C", "I", "AR"))),
)
"""Responsible, Accountable, Consulted, Informed; A and R may share a cell."""

RASCI = Scheme(
    name="RASCI",
    letters=(
        *RACI.letters[:2],
        Letter(letter="S", name="Support", role=Role.SUPPORT),
        *RACI.letters[2:],
    ),
    combinations=frozenset(map(frozenset, ("R", "A", "S", "C", "I", "AR"))),
)
"""RACI with Support (helps the Responsible party do the work)."""

DACI = Scheme(
    name="DACI",
    letters=(
        Letter(letter="D", name="Driver", role=Role.RESPONSIBLE, min=1, max=1),
        Letter(letter="A", name="Approver", role=Role.ACCOUNTABLE, min=1, max=1),
        Letter(letter="C", name="Contributor", role=Role.CONSULTED),
        Letter(letter="I", name="Informed", role=Role.INFORMED),
    ),
    combinations=frozenset(map(frozenset, ("D", "A", "C", "I"))),
)
"""Driver, Approver, Contributor, Informed; one Driver, and the Approver never drives."""


# ------------------------------------------------------------------------------------------ cells
@attrs.frozen
class Assignment:
    """One cell of the matrix: the letters ``party`` holds on ``activity``.

    >>> sorted(Assignment("coding.code", "offshore_pod", {"R"}).letters)
    ['R']
    """

    activity: str = attrs.field(validator=_ID)
    party: str = attrs.field(validator=_ID)
    letters: frozenset[str] = attrs.field(converter=_to_letters, validator=v.each(_ID))


@attrs.frozen(kw_only=True)
class DecisionRight:
    """Who holds a decision, and whom it may be delegated to up to a dollar threshold.

    Args:
        decision: The decision (``write_off``, ``refund``, ``appeal_strategy``...).
        holder: Party id of the client human who decides.
        threshold: The largest amount at stake that ``delegate`` decides (at or below it the
            delegate decides, above it the holder). ``None``: no amount is delegated, so the
            holder decides every amount (:func:`~comanaged_rcm.raci.validate` flags a delegate
            without a threshold).
        delegate: Party id that decides up to ``threshold``, if any.

    >>> DecisionRight(decision="write_off", holder="client_rcm_director", threshold=500,
    ...               delegate="onshore_lead").delegate
    'onshore_lead'
    """

    decision: str = attrs.field(validator=_ID)
    holder: str = attrs.field(validator=_ID)
    threshold: float | None = attrs.field(
        default=None, converter=_as_real, validator=v.optional(v.real(minimum=0))
    )
    delegate: str | None = attrs.field(default=None, validator=v.optional(_ID))


class Permission(enum.Enum):
    """What an identity may do in a system."""

    VIEW = "view"
    EDIT = "edit"
    SUBMIT = "submit"
    POST = "post"
    ADJUST = "adjust"
    APPROVE = "approve"
    EXPORT = "export"
    ADMIN = "admin"


@attrs.frozen(kw_only=True)
class AccessGrant:
    """One party's access to one system, administered by the provider.

    Args:
        party: Party id.
        system: System id.
        identity: The login the party uses there; one identity per person, never shared.
        permissions: What is granted.
        denied: What is explicitly denied (must not overlap ``permissions``).
        granted_by: Party id of the client human who granted it.
        review_by: Date of the next access review.

    >>> grant = AccessGrant(party="offshore_pod", system="pm_system", identity="pm-offshore",
    ...                     permissions={Permission.VIEW, Permission.EDIT}, granted_by="client_rcm_director",
    ...                     review_by=datetime.date(2027, 3, 31))
    >>> sorted(p.value for p in grant.permissions)
    ['edit', 'view']
    """

    party: str = attrs.field(validator=_ID)
    system: str = attrs.field(validator=_ID)
    identity: str = attrs.field(validator=_ID)
    permissions: frozenset[Permission] = attrs.field(
        converter=_as_set, validator=v.each(v.member(Permission))
    )
    denied: frozenset[Permission] = attrs.field(
        default=frozenset(), converter=_as_set, validator=v.each(v.member(Permission))
    )
    granted_by: str = attrs.field(validator=_ID)
    review_by: datetime.date | None = attrs.field(default=None, validator=v.optional(v.date()))


@attrs.frozen
class EscalationEdge:
    """``source`` escalates to ``target`` when ``trigger`` happens.

    >>> EscalationEdge("offshore_pod", "onshore_lead", "item blocked for 2 business days").target
    'onshore_lead'
    """

    source: str = attrs.field(validator=_ID)
    target: str = attrs.field(validator=_ID)
    trigger: str = attrs.field(default="", validator=v.text(empty=True))


# --------------------------------------------------------------------------------------- the split
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _key_path(key: object) -> str:
    """``$.delegation_caps`` and the key, bare when it is a name, quoted otherwise."""
    if isinstance(key, str) and _NAME.match(key):
        return f"$.delegation_caps.{key}"
    return f"$.delegation_caps[{show(key)}]"


def _to_caps(value: Mapping[str, SupportsFloat] | object) -> Any:  # noqa: ANN401 - the value, maybe normalised
    """A mapping as a read-only copy, keys in sorted order and amounts as floats; else as it is."""
    return as_sorted_mapping(value, as_optional_real)


def _check_caps(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, types.MappingProxyType):  # not a mapping, or one that could not be read
        fail(
            "$.delegation_caps",
            "type",
            f"'delegation_caps' must be a mapping of decision to amount (got {show(value)})",
        )
    for key, amount in value.items():
        path = _key_path(key)
        text(key, path)
        if key != key.strip():
            fail(path, "value", f"a decision has no surrounding space (got {show(key)})")
        real(amount, path, minimum=0)  # the converter made every number a float


@attrs.frozen(kw_only=True)
class ScopeSplit:
    """The whole scope-and-ownership document of one engagement.

    Args:
        name: What the document is (``"Acme Health x Partner RCM"``).
        version: Bumped with each change; :func:`~comanaged_rcm.raci.diff` lists what changed.
        effective_from: First day the split applies.
        effective_to: Day after the last one (``None``: open-ended).
        scheme: The letters in use (:data:`RACI` by default).
        parties: The people, teams and bots.
        systems: The systems work needs access to.
        activities: The matrix's lines.
        in_scope: Catalogue workflow ids the engagement covers.
        out_of_scope: Catalogue workflow ids it explicitly leaves out.
        assignments: The cells.
        rights: Decision rights.
        grants: Access grants.
        escalations: The escalation graph's edges.
        delegation_caps: Decision -> the largest :attr:`DecisionRight.threshold` any delegate may
            get (``{"write_off": 10000.0}``): a right delegated above its cap is an error
            (``RACI-017``), and :meth:`decision_holder` never lets a delegate decide above it.

    It is also an :class:`comanaged_rcm.escalation.OwnerDirectory`:

    >>> from comanaged_rcm.raci import co_managed_template
    >>> split = co_managed_template()
    >>> split.accountable_for("denials"), split.decision_holder("write_off", amount=250.0)
    ('onshore_lead', 'onshore_lead')
    >>> split.party("offshore_pod").kind
    <PartyKind.PARTNER_OFFSHORE: 'partner_offshore'>
    """

    name: str = attrs.field(validator=_ID)
    version: int = attrs.field(default=1, converter=_as_int, validator=v.count())
    effective_from: datetime.date = attrs.field(validator=v.date())
    effective_to: datetime.date | None = attrs.field(default=None, validator=v.optional(v.date()))
    scheme: Scheme = attrs.field(default=RACI, validator=v.instance(Scheme))
    parties: tuple[Party, ...] = attrs.field(default=(), converter=_as_tuple, validator=v.tuple_of(Party))
    systems: tuple[System, ...] = attrs.field(default=(), converter=_as_tuple, validator=v.tuple_of(System))
    activities: tuple[Activity, ...] = attrs.field(
        default=(), converter=_as_tuple, validator=v.tuple_of(Activity)
    )
    in_scope: frozenset[str] = attrs.field(default=frozenset(), converter=_as_set, validator=v.each(_ID))
    out_of_scope: frozenset[str] = attrs.field(default=frozenset(), converter=_as_set, validator=v.each(_ID))
    assignments: tuple[Assignment, ...] = attrs.field(
        default=(), converter=_as_tuple, validator=v.tuple_of(Assignment)
    )
    rights: tuple[DecisionRight, ...] = attrs.field(
        default=(), converter=_as_tuple, validator=v.tuple_of(DecisionRight)
    )
    grants: tuple[AccessGrant, ...] = attrs.field(
        default=(), converter=_as_tuple, validator=v.tuple_of(AccessGrant)
    )
    escalations: tuple[EscalationEdge, ...] = attrs.field(
        default=(), converter=_as_tuple, validator=v.tuple_of(EscalationEdge)
    )
    delegation_caps: Mapping[str, float] = attrs.field(
        factory=dict, converter=_to_caps, validator=_check_caps, hash=False
    )

    def __attrs_post_init__(self) -> None:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValidationError.single(
                "$.effective_to",
                "range",
                f"'effective_to' must be after 'effective_from' ({self.effective_from}) "
                f"(got {self.effective_to})",
            )

    def __repr__(self) -> str:
        return (
            f"ScopeSplit(name={self.name!r}, version={self.version}, scheme={self.scheme.name}, "
            f"{len(self.parties)} parties, {len(self.activities)} activities, "
            f"{len(self.assignments)} assignments, {len(self.rights)} rights, {len(self.grants)} grants, "
            f"{len(self.escalations)} escalations)"
        )

    # -- lookups (the escalation.OwnerDirectory protocol and friends) ---------------------------
    def party(self, party_id: str) -> Party:
        """The party with id ``party_id``.

        Raises:
            ValidationError: When no party has that id (the message lists the known ids).

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().party("nobody")
        Traceback (most recent call last):
        ...
        comanaged_rcm.errors.ValidationError: 1 validation issue: no party with id 'nobody' ...
        """
        text(party_id, "$.party_id")
        for p in self.parties:
            if p.id == party_id:
                return p
        known = ", ".join(p.id for p in self.parties) or "none"
        hint = suggest(party_id, [p.id for p in self.parties])
        message = f"no party with id {show(party_id)} (known: {known}){hint}"
        raise ValidationError.single("$.party_id", "unknown", message)

    def activity(self, activity_id: str) -> Activity:
        """The activity with id ``activity_id``.

        Raises:
            ValidationError: When no activity has that id.

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().activity("denials.work").workflow
        'denials'
        """
        text(activity_id, "$.activity_id")
        for a in self.activities:
            if a.id == activity_id:
                return a
        hint = suggest(activity_id, [a.id for a in self.activities])
        message = f"no activity with id {show(activity_id)}{hint}"
        raise ValidationError.single("$.activity_id", "unknown", message)

    def main_activity(self, workflow: str) -> Activity | None:
        """The workflow's main activity: its first ``EXECUTE`` activity (else its first), or ``None``.

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().main_activity("coding").id
        'coding.code'
        """
        instance(workflow, str, "$.workflow", "a workflow id (str)")
        own = [a for a in self.activities if a.workflow == workflow]
        for a in own:
            if a.kind is ActivityKind.EXECUTE:
                return a
        return own[0] if own else None

    def holders(self, activity_id: str, role: Role) -> tuple[str, ...]:
        """Party ids holding a letter with ``role`` on ``activity_id``, in document order.

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().holders("denials.work", Role.RESPONSIBLE)
        ('offshore_pod',)
        """
        instance(activity_id, str, "$.activity_id", "an activity id (str)")
        instance(role, Role, "$.role")
        with_role = frozenset(x.letter for x in self.scheme.letters if x.role is role)
        return tuple(
            cell.party
            for cell in self.assignments
            if cell.activity == activity_id and cell.letters & with_role
        )

    def accountable_for(self, workflow: str) -> str | None:
        """Party id of the single Accountable of the workflow's main activity.

        Returns ``None`` when the workflow is not in scope, has no activity, or its main activity
        has no Accountable or more than one.

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().accountable_for("ar_follow_up")
        'onshore_lead'
        """
        instance(workflow, str, "$.workflow", "a workflow id (str)")
        if workflow not in self.in_scope:
            return None
        main = self.main_activity(workflow)
        if main is None:
            return None
        owners = self.holders(main.id, Role.ACCOUNTABLE)
        return owners[0] if len(owners) == 1 else None

    def decision_holder(self, decision: str, amount: SupportsFloat | None = None) -> str | None:
        """Party id that decides ``decision`` for ``amount`` at stake, or ``None`` when no right names it.

        The first right declared for ``decision`` is used. Its delegate decides an amount at or
        below the delegated threshold (and at or below the decision's
        :attr:`delegation_caps` entry, when one is set, whatever the threshold says); an amount
        above it, or an unknown amount (``None``, the default), goes to the holder: the check
        fails closed.

        Args:
            decision: The decision (``write_off``...).
            amount: The amount at stake (a finite number >= 0), or ``None`` when not known.

        Raises:
            ValidationError: When ``decision`` is not a string (``$.decision``) or ``amount`` is
                not a finite number >= 0 (``$.amount``).

        >>> from comanaged_rcm.raci import co_managed_template
        >>> split = co_managed_template()
        >>> split.decision_holder("write_off", amount=5000), split.decision_holder("write_off", 5000.01)
        ('onshore_lead', 'client_rcm_director')
        >>> split.decision_holder("write_off"), split.decision_holder("appeal_strategy")
        ('client_rcm_director', 'client_rcm_director')
        """
        instance(decision, str, "$.decision", "a decision id (str)")
        at_stake = None if amount is None else real(amount, "$.amount", minimum=0)
        for right in self.rights:
            if right.decision != decision:
                continue
            if right.delegate is None or right.threshold is None or at_stake is None:
                return right.holder
            limit = min(right.threshold, self.delegation_caps.get(decision, right.threshold))
            return right.delegate if at_stake <= limit else right.holder
        return None

    def matrix(self) -> Matrix:
        """The RACI table of the in-scope activities (see :func:`comanaged_rcm.raci.matrix`).

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().matrix().rows[0].activity
        'eligibility.verify'
        """
        from comanaged_rcm.raci._matrix import matrix  # noqa: PLC0415 - the view imports this module

        return matrix(self)
