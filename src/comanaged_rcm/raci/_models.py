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
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NoReturn

import attrs

from comanaged_rcm.errors import ValidationError

if TYPE_CHECKING:
    from comanaged_rcm.raci._matrix import Matrix

__all__ = [
    "CLIENT_RESERVED_DECISIONS",
    "DACI",
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

Check = Callable[[Any, "attrs.Attribute[Any]", Any], None]


# ------------------------------------------------------------------------------ field validators
def _fail(attribute: attrs.Attribute[Any], code: str, message: str, index: int | None = None) -> NoReturn:
    where = f"$.{attribute.name}" if index is None else f"$.{attribute.name}[{index}]"
    raise ValidationError.single(where, code, message)


def _text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        _fail(attribute, "value", f"{attribute.name!r} must be a non-empty string (got {value!r})")


def _optional_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _text(instance, attribute, value)


def _member(cls: type[enum.Enum]) -> Check:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, cls):
            choices = ", ".join(f"{cls.__name__}.{m.name}" for m in cls)
            _fail(attribute, "type", f"{attribute.name!r} must be one of {choices} (got {value!r})")

    return check


def _flag(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        _fail(attribute, "type", f"{attribute.name!r} must be a bool (got {value!r})")


def _count(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        _fail(attribute, "range", f"{attribute.name!r} must be an integer >= 0 (got {value!r})")


def _optional_count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _count(instance, attribute, value)


def _date(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        _fail(attribute, "type", f"{attribute.name!r} must be a datetime.date (got {value!r})")


def _optional_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _date(instance, attribute, value)


def _instance(cls: type[Any]) -> Check:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, cls):
            _fail(attribute, "type", f"{attribute.name!r} must be a {cls.__name__} (got {value!r})")

    return check


def _plain_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        _fail(attribute, "type", f"{attribute.name!r} must be a string (got {value!r})")


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond any float
        return False


def _threshold(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value) or value < 0:
        _fail(attribute, "range", f"{attribute.name!r} must be a finite amount >= 0 (got {value!r})")


def _strings(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, frozenset):
        _fail(attribute, "type", f"{attribute.name!r} must be a set of strings (got {value!r})")
    for item in sorted(value, key=repr):
        if not isinstance(item, str) or not item.strip():
            _fail(attribute, "value", f"{attribute.name!r} must hold non-empty strings (got {item!r})")


def _members_of(cls: type[enum.Enum]) -> Check:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, frozenset):
            _fail(attribute, "type", f"{attribute.name!r} must be a set of {cls.__name__} (got {value!r})")
        for item in value:
            if not isinstance(item, cls):
                _fail(
                    attribute, "type", f"{attribute.name!r} must hold {cls.__name__} members (got {item!r})"
                )

    return check


def _items(cls: type[Any]) -> Check:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            _fail(attribute, "type", f"{attribute.name!r} must be a tuple of {cls.__name__} (got {value!r})")
        for index, item in enumerate(value):
            if not isinstance(item, cls):
                _fail(attribute, "type", f"expected a {cls.__name__} (got {item!r})", index)

    return check


def _to_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Lists become tuples; anything else is left for the validator to report with its path."""
    return tuple(value) if isinstance(value, list) else value  # type: ignore[return-value]


def _to_set(value: Iterable[Any]) -> frozenset[Any]:
    """Sets, lists and tuples become frozensets.

    Anything else, unhashable items included, is left for the validator to report with its path.
    """
    if isinstance(value, (set, list, tuple)):
        try:
            return frozenset(value)
        except TypeError:
            return value  # type: ignore[return-value]
    return value  # type: ignore[return-value]


def _to_amount(value: float | None) -> float | None:
    """Integer amounts become floats, so a right serializes the same however it was built.

    An integer too large for a float is left for the validator to report.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return value
    return value


def _to_letters(value: Iterable[str]) -> frozenset[str]:
    """Like :func:`_to_set`, and a string of letters (``"AR"``) is its set of letters."""
    if isinstance(value, str):
        return frozenset(value)
    return _to_set(value)


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

    id: str = attrs.field(validator=_text)
    name: str = attrs.field(validator=_text)
    kind: PartyKind = attrs.field(validator=_member(PartyKind))

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

    id: str = attrs.field(validator=_text)
    name: str = attrs.field(validator=_text)
    onshore_only: bool = attrs.field(default=False, validator=_flag)


# --------------------------------------------------------------------------------------- workflows
@attrs.frozen
class Workflow:
    """A workflow of the revenue-cycle catalogue.

    >>> WORKFLOWS[0]
    Workflow(id='eligibility', name='Eligibility and benefits verification')
    """

    id: str = attrs.field(validator=_text)
    name: str = attrs.field(validator=_text)


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

    id: str = attrs.field(validator=_text)
    workflow: str = attrs.field(validator=_text)
    name: str = attrs.field(validator=_text)
    kind: ActivityKind = attrs.field(validator=_member(ActivityKind))
    financial_control: bool = attrs.field(default=False, validator=_flag)
    touches_phi: bool = attrs.field(default=False, validator=_flag)
    onshore_only: bool = attrs.field(default=False, validator=_flag)
    systems: frozenset[str] = attrs.field(default=frozenset(), converter=_to_set, validator=_strings)
    decision: str | None = attrs.field(default=None, validator=_optional_text)


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

    letter: str = attrs.field(validator=_text)
    name: str = attrs.field(validator=_text)
    role: Role = attrs.field(validator=_member(Role))
    min: int = attrs.field(default=0, validator=_count)
    max: int | None = attrs.field(default=None, validator=_optional_count)

    def __attrs_post_init__(self) -> None:
        if self.max is not None and self.max < self.min:
            raise ValidationError.single(
                "$.max", "range", f"'max' must be >= 'min' ({self.min}) (got {self.max})"
            )


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

    name: str = attrs.field(validator=_text)
    letters: tuple[Letter, ...] = attrs.field(converter=_to_tuple, validator=_items(Letter))
    combinations: frozenset[frozenset[str]] = attrs.field(converter=_to_set)

    @combinations.validator
    def _check_combinations(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, frozenset):
            _fail(attribute, "type", f"'combinations' must be a set of letter sets (got {value!r})")
        known = {x.letter for x in self.letters}
        for combo in sorted(value, key=repr):
            if not isinstance(combo, frozenset) or not combo or not combo <= known:
                _fail(
                    attribute,
                    "value",
                    f"each combination must be a non-empty set of the scheme's letters {sorted(known)} "
                    f"(got {combo!r})",
                )

    def __attrs_post_init__(self) -> None:
        seen = [x.letter for x in self.letters]
        if len(set(seen)) != len(seen):
            raise ValidationError.single("$.letters", "value", f"letters repeat (got {seen})")

    def role(self, letter: str) -> Role | None:
        """The role of ``letter``, or ``None`` when the scheme has no such letter."""
        for x in self.letters:
            if x.letter == letter:
                return x.role
        return None

    def roles_of(self, letters: Iterable[str]) -> frozenset[Role]:
        """The roles of a cell's letters (unknown letters are skipped)."""
        return frozenset(r for r in (self.role(x) for x in letters) if r is not None)

    def letter_for(self, role: Role) -> str | None:
        """The first letter with ``role``, or ``None``."""
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

    activity: str = attrs.field(validator=_text)
    party: str = attrs.field(validator=_text)
    letters: frozenset[str] = attrs.field(converter=_to_letters, validator=_strings)


@attrs.frozen(kw_only=True)
class DecisionRight:
    """Who holds a decision, and whom it may be delegated to below a dollar threshold.

    Args:
        decision: The decision (``write_off``, ``refund``, ``appeal_strategy``...).
        holder: Party id of the client human who decides.
        threshold: Amount below which ``delegate`` may decide (``None``: no delegation limit set).
        delegate: Party id that decides below ``threshold``, if any.

    >>> DecisionRight(decision="write_off", holder="client_rcm_director", threshold=500,
    ...               delegate="onshore_lead").delegate
    'onshore_lead'
    """

    decision: str = attrs.field(validator=_text)
    holder: str = attrs.field(validator=_text)
    threshold: float | None = attrs.field(default=None, converter=_to_amount, validator=_threshold)
    delegate: str | None = attrs.field(default=None, validator=_optional_text)


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

    party: str = attrs.field(validator=_text)
    system: str = attrs.field(validator=_text)
    identity: str = attrs.field(validator=_text)
    permissions: frozenset[Permission] = attrs.field(converter=_to_set, validator=_members_of(Permission))
    denied: frozenset[Permission] = attrs.field(
        default=frozenset(), converter=_to_set, validator=_members_of(Permission)
    )
    granted_by: str = attrs.field(validator=_text)
    review_by: datetime.date | None = attrs.field(default=None, validator=_optional_date)


@attrs.frozen
class EscalationEdge:
    """``source`` escalates to ``target`` when ``trigger`` happens.

    >>> EscalationEdge("offshore_pod", "onshore_lead", "item blocked for 2 business days").target
    'onshore_lead'
    """

    source: str = attrs.field(validator=_text)
    target: str = attrs.field(validator=_text)
    trigger: str = attrs.field(default="", validator=_plain_text)


# --------------------------------------------------------------------------------------- the split
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

    It is also an :class:`comanaged_rcm.escalation.OwnerDirectory`:

    >>> from comanaged_rcm.raci import co_managed_template
    >>> split = co_managed_template()
    >>> split.accountable_for("denials"), split.decision_holder("write_off")
    ('onshore_lead', 'client_rcm_director')
    >>> split.party("offshore_pod").kind
    <PartyKind.PARTNER_OFFSHORE: 'partner_offshore'>
    """

    name: str = attrs.field(validator=_text)
    version: int = attrs.field(default=1, validator=_count)
    effective_from: datetime.date = attrs.field(validator=_date)
    effective_to: datetime.date | None = attrs.field(default=None, validator=_optional_date)
    scheme: Scheme = attrs.field(default=RACI, validator=_instance(Scheme))
    parties: tuple[Party, ...] = attrs.field(default=(), converter=_to_tuple, validator=_items(Party))
    systems: tuple[System, ...] = attrs.field(default=(), converter=_to_tuple, validator=_items(System))
    activities: tuple[Activity, ...] = attrs.field(
        default=(), converter=_to_tuple, validator=_items(Activity)
    )
    in_scope: frozenset[str] = attrs.field(default=frozenset(), converter=_to_set, validator=_strings)
    out_of_scope: frozenset[str] = attrs.field(default=frozenset(), converter=_to_set, validator=_strings)
    assignments: tuple[Assignment, ...] = attrs.field(
        default=(), converter=_to_tuple, validator=_items(Assignment)
    )
    rights: tuple[DecisionRight, ...] = attrs.field(
        default=(), converter=_to_tuple, validator=_items(DecisionRight)
    )
    grants: tuple[AccessGrant, ...] = attrs.field(
        default=(), converter=_to_tuple, validator=_items(AccessGrant)
    )
    escalations: tuple[EscalationEdge, ...] = attrs.field(
        default=(), converter=_to_tuple, validator=_items(EscalationEdge)
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
        for p in self.parties:
            if p.id == party_id:
                return p
        known = ", ".join(p.id for p in self.parties) or "none"
        raise ValidationError.single(
            "$.parties", "unknown", f"no party with id {party_id!r} (known: {known})"
        )

    def activity(self, activity_id: str) -> Activity:
        """The activity with id ``activity_id``.

        Raises:
            ValidationError: When no activity has that id.

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().activity("denials.work").workflow
        'denials'
        """
        for a in self.activities:
            if a.id == activity_id:
                return a
        raise ValidationError.single("$.activities", "unknown", f"no activity with id {activity_id!r}")

    def main_activity(self, workflow: str) -> Activity | None:
        """The workflow's main activity: its first ``EXECUTE`` activity (else its first), or ``None``.

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().main_activity("coding").id
        'coding.code'
        """
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
        return tuple(
            cell.party
            for cell in self.assignments
            if cell.activity == activity_id and role in self.scheme.roles_of(cell.letters)
        )

    def accountable_for(self, workflow: str) -> str | None:
        """Party id of the single Accountable of the workflow's main activity.

        Returns ``None`` when the workflow is not in scope, has no activity, or its main activity
        has no Accountable or more than one.

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().accountable_for("ar_follow_up")
        'onshore_lead'
        """
        if workflow not in self.in_scope:
            return None
        main = self.main_activity(workflow)
        if main is None:
            return None
        owners = self.holders(main.id, Role.ACCOUNTABLE)
        return owners[0] if len(owners) == 1 else None

    def decision_holder(self, decision: str) -> str | None:
        """Party id holding ``decision`` (the first right declared for it), or ``None``.

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().decision_holder("appeal_strategy")
        'client_rcm_director'
        """
        for right in self.rights:
            if right.decision == decision:
                return right.holder
        return None

    def matrix(self) -> Matrix:
        """The RACI table of the in-scope activities (see :func:`comanaged_rcm.raci.matrix`).

        >>> from comanaged_rcm.raci import co_managed_template
        >>> co_managed_template().matrix().rows[0].activity
        'eligibility.verify'
        """
        from comanaged_rcm.raci._matrix import matrix  # noqa: PLC0415 - the view imports this module

        return matrix(self)
