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
import keyword
import re
import string
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from comanaged_rcm import _check, serialize
from comanaged_rcm._check import Validator, to, v
from comanaged_rcm.errors import RuleSyntaxError, ValidationError
from comanaged_rcm.escalation._edge import whole_field
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

MAX_HOLD_HOURS = 24 * 366 * 10
"""The longest hold (:attr:`Hold.hours`): ten years of hours."""

MAX_HOLD_EVALUATIONS = 1_000_000
"""The most consecutive evaluations a hold may ask for (:attr:`Hold.evaluations`)."""

MAX_DEADLINE_DAYS = 3660
"""The longest deadline or climb delay, in business days (about fourteen years)."""

_TEMPLATE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_RESERVED = frozenset({*keyword.kwlist, *keyword.softkwlist, "today", "True", "False", "None"})


def _integer(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Whole numbers (numpy integers, integral floats) as ``int``; numpy times stay, to be refused."""
    return value if isinstance(value, np.timedelta64 | np.datetime64) else to.integer(value)


def _tuple(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Lists as tuples (:meth:`_check.to.tuple`)."""
    return to.tuple(value)


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


def _distinct(_: object, attribute: attrs.Attribute[Any], value: tuple[object, ...]) -> None:
    if len(set(value)) != len(value):
        raise ValidationError.single(f"$.{attribute.name}", "value", f"names repeat (got {list(value)!r})")


def _names() -> list[Validator]:
    """A tuple of distinct field names."""
    return [v.each(v.field_name()), _distinct]


def _fact_field(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A field name a condition can read: not ``_private``, a keyword or ``today``."""
    path = f"$.{attribute.name}"
    _check.field_name(value, path)
    if str(value).startswith("_") or value in _RESERVED:
        _check.fail(path, "value", f"{attribute.name!r} must be a field a rule can read (got {value!r})")


_DEADLINE = whole_field(minimum=0, maximum=MAX_DEADLINE_DAYS)
_CLIMB = v.optional(whole_field(minimum=1, maximum=MAX_DEADLINE_DAYS))


def _as_dict(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A mapping as a plain ``dict``; anything else stays for the validator to report."""
    return dict(value) if isinstance(value, Mapping) and not isinstance(value, dict) else value


def _schema(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A mapping of field name to :class:`FieldType`."""
    path = f"$.{attribute.name}"
    _check.instance(value, dict, path, "a mapping of field name to FieldType")
    for name, kind in value.items():  # type: ignore[attr-defined]
        _check.field_name(name, f"{path}[{_check_key(name)}]")
        _check.instance(kind, FieldType, f"{path}.{name}")


def _check_key(name: object) -> str:
    """A mapping key as a path shows it (shortened, so a huge key cannot make a huge path)."""
    shown = repr(name) if isinstance(name, str) else type(name).__name__
    return shown if len(shown) <= 40 else f"{shown[:37]}..."


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

    kind: OwnerKind = attrs.field(validator=v.member(OwnerKind))
    ref: str = attrs.field(validator=v.text())

    @classmethod
    def accountable(cls, workflow: str) -> Owner:
        """The Accountable party of a workflow."""
        return cls(OwnerKind.ACCOUNTABLE, _check.text(workflow, "$.workflow"))

    @classmethod
    def decision(cls, decision: str) -> Owner:
        """The holder of a decision type (``write_off``, ``appeal_strategy``, ``payer_escalation``)."""
        return cls(OwnerKind.DECISION, _check.text(decision, "$.decision"))

    @classmethod
    def party(cls, party: str) -> Owner:
        """A fixed party."""
        return cls(OwnerKind.PARTY, _check.text(party, "$.party"))

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

    Args:
        evaluations: Consecutive evaluations, 0 to :data:`MAX_HOLD_EVALUATIONS` (a million).
        hours: Hours, 0 to :data:`MAX_HOLD_HOURS` (ten years).
    """

    evaluations: int = attrs.field(
        default=0, converter=_integer, validator=whole_field(minimum=0, maximum=MAX_HOLD_EVALUATIONS)
    )
    hours: int = attrs.field(
        default=0, converter=_integer, validator=whole_field(minimum=0, maximum=MAX_HOLD_HOURS)
    )


@attrs.frozen(kw_only=True)
class Rung:
    """One step of an escalation ladder.

    Args:
        level: The ladder level.
        owner: Who owns the alert at this level.
        ack_within: Business days to acknowledge (the deadline returned with the alert), 0 to
            :data:`MAX_DEADLINE_DAYS`.
        escalate_after: Business days without acknowledgement before climbing to the next rung,
            1 to :data:`MAX_DEADLINE_DAYS` (``None``: never climb from here).
    """

    level: Level = attrs.field(validator=v.member(Level))
    owner: Owner = attrs.field(validator=v.instance(Owner))
    ack_within: int = attrs.field(default=2, converter=_integer, validator=_DEADLINE)
    escalate_after: int | None = attrs.field(default=None, converter=_integer, validator=_CLIMB)


@attrs.frozen
class MinCount:
    """A minimum-count guard: the rule can only fire when ``field >= at_least``.

    ("denial rate above 8% over at least 30 claims": ``MinCount("denominator", 30)``.)

    Args:
        field: The numeric field compared (a field a condition can read).
        at_least: The smallest count that lets the rule fire, 1 to ``2**53``.
    """

    field: str = attrs.field(validator=_fact_field)
    at_least: int = attrs.field(converter=_integer, validator=whole_field(minimum=1))


@attrs.frozen
class Inhibition:
    """A firing ``rule`` suppresses this rule's alerts that share the values of ``equal`` fields."""

    rule: str = attrs.field(validator=v.identifier())
    equal: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_names())


def _check_when(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    _check.text(value, f"$.{attribute.name}", multiline=True)
    try:
        parse_expression(value)
    except RuleSyntaxError as exc:
        raise ValidationError.single(f"$.{attribute.name}", "syntax", str(exc)) from exc


def _check_template(_: object, __: attrs.Attribute[Any], value: str) -> None:
    _check.text(value, "$.message", empty=True, multiline=True)
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
        if not _TEMPLATE_NAME.match(name) or conversion is not None or (spec and "{" in spec):
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
        id: Stable identifier (ASCII letters, digits, ``_ . : -``).
        version: Bumped when the rule changes (1 or more); audit events carry it with the
            content hash.
        description: What the rule is for (free text).
        when: The condition (see :func:`parse_expression` for the grammar).
        applies_to: The kind of record the rule reads.
        severity: How serious a firing is.
        level: The ladder level the alert starts at.
        owner: Who owns the alert at that level.
        deadline: Business days to acknowledge at the first level, 0 to :data:`MAX_DEADLINE_DAYS`.
        escalate_after: Business days without acknowledgement before climbing to ``ladder[0]``,
            1 to :data:`MAX_DEADLINE_DAYS`.
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

    id: str = attrs.field(validator=v.identifier())
    version: int = attrs.field(default=1, converter=_integer, validator=whole_field(minimum=1))
    description: str = attrs.field(default="", validator=v.instance(str, "a string"))
    when: str = attrs.field(validator=_check_when)
    applies_to: FactKind = attrs.field(validator=v.member(FactKind))
    severity: AlertSeverity = attrs.field(default=AlertSeverity.WARNING, validator=v.member(AlertSeverity))
    level: Level = attrs.field(validator=v.member(Level))
    owner: Owner = attrs.field(validator=v.instance(Owner))
    deadline: int = attrs.field(default=2, converter=_integer, validator=_DEADLINE)
    escalate_after: int | None = attrs.field(default=None, converter=_integer, validator=_CLIMB)
    ladder: tuple[Rung, ...] = attrs.field(default=(), converter=_tuple, validator=v.tuple_of(Rung))
    dedup_keys: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_names())
    group_by: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_names())
    message: str = attrs.field(default="", validator=_check_template)
    on_unknown: OnUnknown | None = attrs.field(default=None, validator=v.optional(v.member(OnUnknown)))
    pending_for: Hold = attrs.field(default=Hold(), validator=v.instance(Hold))
    keep_firing_for: Hold = attrs.field(default=Hold(), validator=v.instance(Hold))
    clear_when: str | None = attrs.field(default=None, validator=_check_when)
    min_count: MinCount | None = attrs.field(default=None, validator=v.optional(v.instance(MinCount)))
    inhibited_by: tuple[Inhibition, ...] = attrs.field(
        default=(), converter=_tuple, validator=v.tuple_of(Inhibition)
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

    rules: tuple[Rule, ...] = attrs.field(converter=_tuple, validator=v.tuple_of(Rule))
    schema: dict[str, FieldType] = attrs.field(factory=dict, converter=_as_dict, validator=_schema)

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
