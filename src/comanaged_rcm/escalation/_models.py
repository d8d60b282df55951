"""Rules as data: what to watch, who owns it, how it climbs the ladder, and how it settles.

>>> rule = Rule(id="write_off_over_limit", when="action == 'write_off' and balance > 5000",
...             applies_to=FactKind.QUEUE_ITEM, level=Level.PROVIDER_DECISION_OWNER,
...             owner=Owner.decision("write_off"), dedup_keys=("item_id",))
>>> rule.unknown_policy
<OnUnknown.ESCALATE: 'escalate'>
>>> from comanaged_rcm import serialize
>>> serialize.from_json(serialize.to_json(rule), Rule) == rule
True
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
import string
from collections.abc import Callable
from typing import Any

import attrs

from comanaged_rcm import serialize
from comanaged_rcm.errors import RuleSyntaxError, ValidationError
from comanaged_rcm.escalation._expr import FieldType, parse_expression

__all__ = [
    "AlertSeverity",
    "FactKind",
    "Hold",
    "Inhibition",
    "Level",
    "MinCount",
    "OnUnknown",
    "Owner",
    "OwnerKind",
    "Rule",
    "RuleSet",
    "Rung",
]

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class FactKind(enum.Enum):
    """What a rule's records are."""

    CLAIM = "claim"
    QUEUE_ITEM = "queue_item"
    KPI_ROW = "kpi_row"


class AlertSeverity(enum.Enum):
    """How serious a firing rule is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Level(enum.Enum):
    """The rungs of the co-managed escalation ladder, lowest first."""

    AUTOMATION = "automation"
    OFFSHORE_SPECIALIST = "offshore_specialist"
    ONSHORE_LEAD = "onshore_lead"
    PROVIDER_DECISION_OWNER = "provider_decision_owner"


class OnUnknown(enum.Enum):
    """What an UNKNOWN (or ERROR) outcome does: fire, leave the alert as it is, or count as false."""

    ESCALATE = "escalate"
    HOLD = "hold"
    IGNORE = "ignore"


class OwnerKind(enum.Enum):
    """How an owner is named: through the RACI (accountable / decision holder) or as a fixed party."""

    ACCOUNTABLE = "accountable"
    DECISION = "decision"
    PARTY = "party"


def _non_empty(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError.single(
            f"$.{attribute.name}", "value", f"{attribute.name!r} must be a non-empty string (got {value!r})"
        )


def _at_least(low: int) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValidationError.single(
                f"$.{attribute.name}",
                "range",
                f"{attribute.name!r} must be an integer >= {low} (got {value!r})",
            )

    return check


def _identifiers(_: object, attribute: attrs.Attribute[Any], value: tuple[object, ...]) -> None:
    for index, name in enumerate(value):
        if not isinstance(name, str) or not _IDENT.match(name):
            raise ValidationError.single(
                f"$.{attribute.name}[{index}]", "value", f"must be a field name (got {name!r})"
            )
    if len(set(value)) != len(value):
        raise ValidationError.single(f"$.{attribute.name}", "value", f"names repeat (got {list(value)!r})")


@attrs.frozen
class Owner:
    """Who owns an alert: a RACI role, a decision holder, or a fixed party.

    Args:
        kind: ``accountable`` (``ref`` is a workflow id), ``decision`` (``ref`` is a decision type
            such as ``write_off``), or ``party`` (``ref`` is the party id itself).
        ref: The workflow, decision or party.

    >>> Owner.accountable("denials").describe()
    "the Accountable party of workflow 'denials'"
    """

    kind: OwnerKind
    ref: str = attrs.field(validator=_non_empty)

    @classmethod
    def accountable(cls, workflow: str) -> Owner:
        """The Accountable party of a workflow."""
        return cls(OwnerKind.ACCOUNTABLE, workflow)

    @classmethod
    def decision(cls, decision: str) -> Owner:
        """The holder of a decision type (``write_off``, ``appeal_strategy``, ``payer_escalation``)."""
        return cls(OwnerKind.DECISION, decision)

    @classmethod
    def party(cls, party: str) -> Owner:
        """A fixed party."""
        return cls(OwnerKind.PARTY, party)

    def describe(self) -> str:
        """How the owner is found, in words."""
        if self.kind is OwnerKind.ACCOUNTABLE:
            return f"the Accountable party of workflow {self.ref!r}"
        if self.kind is OwnerKind.DECISION:
            return f"the decision owner for {self.ref!r}"
        return f"party {self.ref!r}"


@attrs.frozen
class Hold:
    """How long a condition must hold: a count of consecutive evaluations and a duration in hours.

    Both must be met (zero means no requirement).
    """

    evaluations: int = attrs.field(default=0, validator=_at_least(0))
    hours: int = attrs.field(default=0, validator=_at_least(0))


@attrs.frozen(kw_only=True)
class Rung:
    """One step of an escalation ladder.

    Args:
        level: The ladder level.
        owner: Who owns the alert at this level.
        ack_within: Business days to acknowledge (the deadline returned with the alert).
        escalate_after: Business days without acknowledgement before climbing to the next rung
            (``None``: never climb from here).
    """

    level: Level
    owner: Owner
    ack_within: int = attrs.field(default=2, validator=_at_least(0))
    escalate_after: int | None = attrs.field(default=None, validator=_at_least(1))


@attrs.frozen
class MinCount:
    """A minimum-count guard: the rule can only fire when ``field >= at_least``.

    ("denial rate above 8% over at least 30 claims": ``MinCount("denominator", 30)``.)
    """

    field: str = attrs.field(validator=lambda _, __, v: _check_name("$.field", v))
    at_least: int = attrs.field(validator=_at_least(1))


def _check_name(path: str, value: object) -> None:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise ValidationError.single(path, "value", f"must be a field name (got {value!r})")


@attrs.frozen
class Inhibition:
    """A firing ``rule`` suppresses this rule's alerts that share the values of ``equal`` fields."""

    rule: str = attrs.field(validator=_non_empty)
    equal: tuple[str, ...] = attrs.field(default=(), validator=_identifiers)


def _check_when(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    try:
        parse_expression(value)
    except RuleSyntaxError as exc:
        raise ValidationError.single(f"$.{attribute.name}", "syntax", str(exc)) from exc


def _check_template(_: object, __: attrs.Attribute[Any], value: str) -> None:
    template_fields(value)


def template_fields(template: str) -> tuple[str, ...]:
    """The field names a message template reads.

    Raises:
        ValidationError: When a placeholder is not a plain field name or uses a ``!`` conversion.
    """
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValidationError.single("$.message", "value", f"invalid message template: {exc}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _IDENT.match(name) or conversion is not None or (spec and "{" in spec):
            raise ValidationError.single(
                "$.message",
                "value",
                f"message placeholders must be plain field names like {{balance}} (got {{{name}}})",
            )
        names.append(name)
    return tuple(names)


@attrs.frozen(kw_only=True)
class Rule:
    """An escalation rule, as data.

    Args:
        id: Stable identifier (letters, digits, ``_ . -``).
        version: Bumped when the rule changes; audit events carry it with the content hash.
        description: What the rule is for.
        when: The condition (see :func:`parse_expression` for the grammar).
        applies_to: The kind of record the rule reads.
        severity: How serious a firing is.
        level: The ladder level the alert starts at.
        owner: Who owns the alert at that level.
        deadline: Business days to acknowledge at the first level.
        escalate_after: Business days without acknowledgement before climbing to ``ladder[0]``.
        ladder: The further rungs, in climbing order.
        dedup_keys: Fields whose values identify the entity (the claim, the work item, the KPI
            slice); the same values always give the same dedup key.
        group_by: Fields whose values group alerts for notification.
        message: A template such as ``"write-off of {balance} on {claim_id}"``.
        on_unknown: What UNKNOWN / ERROR does; ``None`` takes :attr:`unknown_policy`'s default.
        pending_for: How long the condition must hold before the alert fires (Prometheus ``for``).
        keep_firing_for: How long a cleared alert keeps firing (against flapping).
        clear_when: A separate clearing condition; ``None`` clears when ``when`` is false.
        min_count: A minimum-count guard.
        inhibited_by: Rules whose firing suppresses this rule's notifications.
    """

    id: str = attrs.field()
    version: int = attrs.field(default=1, validator=_at_least(1))
    description: str = ""
    when: str = attrs.field(validator=_check_when)
    applies_to: FactKind
    severity: AlertSeverity = AlertSeverity.WARNING
    level: Level
    owner: Owner
    deadline: int = attrs.field(default=2, validator=_at_least(0))
    escalate_after: int | None = attrs.field(default=None, validator=_at_least(1))
    ladder: tuple[Rung, ...] = ()
    dedup_keys: tuple[str, ...] = attrs.field(default=(), validator=_identifiers)
    group_by: tuple[str, ...] = attrs.field(default=(), validator=_identifiers)
    message: str = attrs.field(default="", validator=_check_template)
    on_unknown: OnUnknown | None = None
    pending_for: Hold = Hold()
    keep_firing_for: Hold = Hold()
    clear_when: str | None = attrs.field(default=None, validator=_check_when)
    min_count: MinCount | None = None
    inhibited_by: tuple[Inhibition, ...] = ()

    @id.validator  # noqa: A003 - attrs validator decorator on the `id` field
    def _check_id(self, _: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or not _RULE_ID.match(value):
            raise ValidationError.single(
                "$.id", "value", f"'id' must be letters, digits, '_', '.' or '-' (got {value!r})"
            )

    @property
    def unknown_policy(self) -> OnUnknown:
        """The effective ``on_unknown``: fail closed (escalate) for the provider's decisions.

        Rules routed to a decision owner, or starting at the provider decision owner level,
        escalate when their outcome is UNKNOWN; others hold their current state.
        """
        if self.on_unknown is not None:
            return self.on_unknown
        if self.owner.kind is OwnerKind.DECISION or self.level is Level.PROVIDER_DECISION_OWNER:
            return OnUnknown.ESCALATE
        return OnUnknown.HOLD

    @property
    def rungs(self) -> tuple[Rung, ...]:
        """The whole ladder: the starting rung, then :attr:`ladder`."""
        first = Rung(
            level=self.level, owner=self.owner, ack_within=self.deadline, escalate_after=self.escalate_after
        )
        return (first, *self.ladder)

    def content_hash(self) -> str:
        """SHA-256 (hex, first 16 digits) of the rule's canonical JSON: changes when anything changes."""
        text = json.dumps(serialize.to_dict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@attrs.frozen(kw_only=True)
class RuleSet:
    """Rules and (optionally) the schema of the fields they read, as one JSON document.

    Args:
        rules: The rules, in evaluation order; ids are unique.
        schema: Field name to type; fields left out are inferred from each rule.
    """

    rules: tuple[Rule, ...] = attrs.field()
    schema: dict[str, FieldType] = attrs.field(factory=dict)

    @rules.validator
    def _check_rules(self, _: attrs.Attribute[tuple[Rule, ...]], value: tuple[Rule, ...]) -> None:
        seen: set[str] = set()
        for index, rule in enumerate(value):
            if rule.id in seen:
                raise ValidationError.single(
                    f"$.rules[{index}].id", "duplicate", f"rule id {rule.id!r} repeats"
                )
            seen.add(rule.id)
        for index, rule in enumerate(value):
            for position, inhibition in enumerate(rule.inhibited_by):
                if inhibition.rule not in seen or inhibition.rule == rule.id:
                    raise ValidationError.single(
                        f"$.rules[{index}].inhibited_by[{position}].rule",
                        "reference",
                        f"inhibiting rule {inhibition.rule!r} is not another rule of the set",
                    )
