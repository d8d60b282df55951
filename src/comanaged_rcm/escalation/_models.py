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

import datetime
import enum
import functools
import hashlib
import json
import keyword
import re
import string
from collections.abc import Mapping
from typing import Any

import attrs

from comanaged_rcm import _check, serialize
from comanaged_rcm._check import Validator, as_int, as_tuple, v
from comanaged_rcm.errors import Issue, RuleSyntaxError, ValidationError
from comanaged_rcm.escalation._edge import whole_field
from comanaged_rcm.escalation._expr import FieldType, parse_expression
from comanaged_rcm.escalation._hours import MAX_DEADLINE_HOURS

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
"""The longest hold (:attr:`Hold.hours`, and its hours, minutes and seconds together): ten years."""

MAX_HOLD_SECONDS = MAX_HOLD_HOURS * 3600
"""The longest hold in seconds (:attr:`Hold.duration`)."""

MAX_HOLD_EVALUATIONS = 1_000_000
"""The most consecutive evaluations a hold may ask for (:attr:`Hold.evaluations`)."""

MAX_DEADLINE_DAYS = 3660
"""The longest deadline or climb delay, in business days (about fourteen years)."""

MAX_LADDER = 32
"""The most further rungs a rule's ladder holds."""

MAX_KEYS = 32
"""The most dedup keys, ``group_by`` fields, inhibitions or inhibition fields of one rule."""

MAX_LABELS = 100
"""The most labels (or annotations) one rule holds."""

MAX_LABEL_VALUE = 1_000
"""The longest label value (one line)."""

MAX_LABEL_NAME = 200
"""The longest label or annotation name."""

MAX_MESSAGE = 4_000
"""The longest message template, in characters."""

MAX_PLACEHOLDERS = 50
"""The most placeholders of one message template."""

MAX_WIDTH = 40
"""The widest field of a message placeholder's format spec (``{balance:>12}``)."""

MAX_PRECISION = 12
"""The largest precision of a message placeholder's format spec (``{balance:.2f}``)."""

_TEMPLATE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# [[fill]align][sign][z][#][0][width][grouping][.precision][type], as format() reads a number's spec
_SPEC = re.compile(
    r"(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?z?#?0?(?P<width>\d+)?[,_]?"
    r"(?:\.(?P<precision>\d+))?(?P<type>[a-zA-Z%])?\Z",
    re.DOTALL,
)
_SPEC_TYPES = "deEfFgGn%"
"""The presentation types a number placeholder may use (no ``c``: it writes any character)."""
_RESERVED = frozenset({*keyword.kwlist, *keyword.softkwlist, "today", "True", "False", "None"})


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


def _bounded(maximum: int) -> Validator:
    """A tuple of at most ``maximum`` items."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, tuple) and len(value) > maximum:
            _check.fail(
                f"$.{attribute.name}",
                "range",
                f"{attribute.name!r} holds at most {maximum} items (got {len(value):,})",
            )

    return validate


def _fact_field(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A field name a condition can read: not ``_private``, a keyword or ``today``."""
    path = f"$.{attribute.name}"
    _check.field_name(value, path)
    if str(value).startswith("_") or value in _RESERVED:
        _check.fail(path, "value", f"{attribute.name!r} must be a field a rule can read (got {value!r})")


_DEADLINE = whole_field(minimum=0, maximum=MAX_DEADLINE_DAYS)
_CLIMB = v.optional(whole_field(minimum=1, maximum=MAX_DEADLINE_DAYS))
_DEADLINE_HOURS = v.optional(whole_field(minimum=0, maximum=MAX_DEADLINE_HOURS))
_CLIMB_HOURS = v.optional(whole_field(minimum=1, maximum=MAX_DEADLINE_HOURS))
_DEFAULT_DEADLINE = 2


def _one_unit(model: object, days: str, hours: str, climb_days: str, climb_hours: str) -> None:
    """A deadline (and a climb delay) counts business days or business hours, never both."""
    issues = []
    if getattr(model, hours) is not None and getattr(model, days) != _DEFAULT_DEADLINE:
        message = f"give {days!r} (business days) or {hours!r} (business hours), not both"
        issues = [Issue(f"$.{days}", "value", message), Issue(f"$.{hours}", "value", message)]
    if getattr(model, climb_days) is not None and getattr(model, climb_hours) is not None:
        message = f"give {climb_days!r} (business days) or {climb_hours!r} (business hours), not both"
        issues += [Issue(f"$.{climb_days}", "value", message), Issue(f"$.{climb_hours}", "value", message)]
    if issues:
        raise ValidationError(issues)


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


_HOLD_PART = whole_field(minimum=0, maximum=MAX_HOLD_SECONDS)


@attrs.frozen(repr=False)
class Hold:
    """How long a condition must hold: a count of consecutive evaluations and a duration.

    Both must be met (zero means no requirement). The duration is ``hours``, ``minutes`` and
    ``seconds`` together (``Hold(minutes=10)`` is Prometheus's ``10m``), at most
    :data:`MAX_HOLD_HOURS` hours (ten years).

    Args:
        evaluations: Consecutive evaluations, 0 to :data:`MAX_HOLD_EVALUATIONS` (a million).
        hours: Hours, 0 to :data:`MAX_HOLD_HOURS` (ten years).
        minutes: Minutes, added to the hours.
        seconds: Seconds, added to the hours and minutes.

    Raises:
        ValidationError: A part that is not a whole number, negative, or a total over ten years.

    >>> Hold(minutes=90).duration
    datetime.timedelta(seconds=5400)
    >>> Hold(hours=2)
    Hold(evaluations=0, hours=2)
    """

    evaluations: int = attrs.field(
        default=0, converter=as_int, validator=whole_field(minimum=0, maximum=MAX_HOLD_EVALUATIONS)
    )
    hours: int = attrs.field(
        default=0, converter=as_int, validator=whole_field(minimum=0, maximum=MAX_HOLD_HOURS)
    )
    minutes: int = attrs.field(default=0, converter=as_int, validator=_HOLD_PART)
    seconds: int = attrs.field(default=0, converter=as_int, validator=_HOLD_PART)

    def __attrs_post_init__(self) -> None:
        total = self.total_seconds
        if total > MAX_HOLD_SECONDS:
            _check.fail(
                "$.seconds" if self.seconds else "$.minutes" if self.minutes else "$.hours",
                "range",
                f"a hold must be at most {MAX_HOLD_HOURS:,} hours in all (got {total:,} seconds)",
            )

    def __repr__(self) -> str:
        parts = [f"evaluations={self.evaluations}", f"hours={self.hours}"]
        parts.extend(
            f"{name}={value}"
            for name, value in (("minutes", self.minutes), ("seconds", self.seconds))
            if value
        )
        return f"Hold({', '.join(parts)})"

    @property
    def total_seconds(self) -> int:
        """The duration in whole seconds."""
        return self.hours * 3600 + self.minutes * 60 + self.seconds

    @property
    def duration(self) -> datetime.timedelta:
        """The duration the condition must hold."""
        return datetime.timedelta(seconds=self.total_seconds)


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
        ack_within_hours: Business hours to acknowledge instead of days, 0 to
            :data:`~comanaged_rcm.escalation.MAX_DEADLINE_HOURS`, counted in the zone of the
            :class:`~comanaged_rcm.escalation.BusinessHours` given to ``step()``; ``ack_within``
            then keeps its default.
        escalate_after_hours: Business hours before climbing, instead of ``escalate_after``.

    Raises:
        ValidationError: A value out of range, or a deadline (or climb delay) given both in days
            and in hours.

    >>> Rung(level=Level.ONSHORE_LEAD, owner=Owner.party("lead"), ack_within_hours=4).ack_within_hours
    4
    """

    level: Level = attrs.field(validator=v.member(Level))
    owner: Owner = attrs.field(validator=v.instance(Owner))
    ack_within: int = attrs.field(default=_DEFAULT_DEADLINE, converter=as_int, validator=_DEADLINE)
    escalate_after: int | None = attrs.field(default=None, converter=as_int, validator=_CLIMB)
    ack_within_hours: int | None = attrs.field(default=None, converter=as_int, validator=_DEADLINE_HOURS)
    escalate_after_hours: int | None = attrs.field(default=None, converter=as_int, validator=_CLIMB_HOURS)

    def __attrs_post_init__(self) -> None:
        _one_unit(self, "ack_within", "ack_within_hours", "escalate_after", "escalate_after_hours")


@attrs.frozen
class MinCount:
    """A minimum-count guard: the rule can only fire when ``field >= at_least``.

    ("denial rate above 8% over at least 30 claims": ``MinCount("denominator", 30)``.)

    Args:
        field: The numeric field compared (a field a condition can read).
        at_least: The smallest count that lets the rule fire, 1 to ``2**53``.
    """

    field: str = attrs.field(validator=_fact_field)
    at_least: int = attrs.field(converter=as_int, validator=whole_field(minimum=1))


@attrs.frozen
class Inhibition:
    """A firing ``rule`` suppresses this rule's alerts that share the values of ``equal`` fields."""

    rule: str = attrs.field(validator=v.identifier())
    equal: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=[_bounded(MAX_KEYS), *_names()]
    )


def _check_when(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    _check.text(value, f"$.{attribute.name}", multiline=True)
    try:
        parse_expression(value)
    except RuleSyntaxError as exc:
        raise ValidationError.single(f"$.{attribute.name}", "syntax", str(exc)) from exc


def _check_template(_: object, __: attrs.Attribute[Any], value: str) -> None:
    _check.text(value, "$.message", empty=True, multiline=True, maximum=MAX_MESSAGE)
    template_fields(value)


def template_fields(template: str) -> tuple[str, ...]:
    """The field names a message template reads.

    Raises:
        ValidationError: When a placeholder is not a plain field name, uses a ``!`` conversion or
            a format spec outside the safe grammar (see :func:`template_specs`).
    """
    return tuple(name for name, _ in template_specs(template))


def template_specs(template: str) -> tuple[tuple[str, str], ...]:
    """Each placeholder of a message template: its field name and format spec (``""`` for none).

    A spec follows Python's number format (``{balance:,.2f}``, ``{rate:>8.1%}``) with a width of
    at most :data:`MAX_WIDTH`, a precision of at most :data:`MAX_PRECISION`, a printable ASCII
    fill character and a number presentation type (``d e E f F g G n %``; never ``c``, which
    writes any character, a line feed say). A template holds at most :data:`MAX_PLACEHOLDERS`.

    Raises:
        ValidationError: At ``$.message``, for anything else.

    >>> template_specs("write-off of {balance:,.2f} on {item_id}")
    (('balance', ',.2f'), ('item_id', ''))
    """
    found: list[tuple[str, str]] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValidationError.single("$.message", "value", f"invalid message template: {exc}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _TEMPLATE_NAME.match(name) or conversion is not None or (spec and "{" in spec):
            shown = name if len(name) <= 40 else f"{name[:37]}..."
            raise ValidationError.single(
                "$.message",
                "value",
                f"message placeholders must be plain field names like {{balance}} (got {{{shown}}})",
            )
        if spec:
            _check_spec(name, spec)
        found.append((name, spec or ""))
        if len(found) > MAX_PLACEHOLDERS:
            raise ValidationError.single(
                "$.message", "range", f"a message holds at most {MAX_PLACEHOLDERS} placeholders"
            )
    return tuple(found)


def _check_spec(name: str, spec: str) -> None:
    """A placeholder's format spec: the safe grammar of :func:`template_specs`."""
    shown = spec if len(spec) <= 40 else f"{spec[:37]}..."
    where = f"{{{name}:{shown!s}}}"
    match = _SPEC.match(spec)
    if match is None:
        raise ValidationError.single(
            "$.message", "value", f"invalid format spec in {where!r} (use one like ',.2f' or '>10')"
        )
    fill, kind = match["fill"], match["type"]
    if fill is not None and not (" " <= fill <= "~"):
        raise ValidationError.single(
            "$.message",
            "value",
            f"the fill character of {where!r} must be printable ASCII (got U+{ord(fill):04X})",
        )
    if kind is not None and kind not in _SPEC_TYPES:
        raise ValidationError.single(
            "$.message",
            "value",
            f"presentation type {kind!r} is not allowed in {where!r} (use one of {', '.join(_SPEC_TYPES)})",
        )
    for part, limit in (("width", MAX_WIDTH), ("precision", MAX_PRECISION)):
        digits = match[part]
        if digits is not None and (len(digits) > 4 or int(digits) > limit):
            raise ValidationError.single(
                "$.message", "range", f"the {part} of {where!r} must be at most {limit} (got {digits[:20]})"
            )


def _description(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Free text of at most :data:`comanaged_rcm._check.MAX_TEXT` characters."""
    path = f"$.{attribute.name}"
    _check.instance(value, str, path, "a string")
    if len(value) > _check.MAX_TEXT:  # type: ignore[arg-type]
        _check.fail(
            path,
            "range",
            f"'description' must be at most {_check.MAX_TEXT:,} characters (got {len(value):,})",  # type: ignore[arg-type]
        )


def _label_map(kind: str, *, multiline: bool, maximum: int) -> Validator:
    """A ``dict`` of label name (``[A-Za-z_][A-Za-z0-9_]*``) to text, at most :data:`MAX_LABELS`."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        path = f"$.{attribute.name}"
        _check.instance(value, dict, path, f"a mapping of {kind} name to text")
        if len(value) > MAX_LABELS:  # type: ignore[arg-type]
            _check.fail(path, "range", f"a rule holds at most {MAX_LABELS} {kind}s (got {len(value):,})")  # type: ignore[arg-type]
        for key, item in value.items():  # type: ignore[attr-defined]
            if not isinstance(key, str) or len(key) > MAX_LABEL_NAME or not _LABEL_NAME.match(key):
                _check.fail(
                    f"{path}[{_check_key(key)}]",
                    "value",
                    f"{kind} names are ASCII letters, digits and _, not starting with a digit"
                    f" (got {_check.show(key)})",
                )
            _check.text(item, f"{path}.{key}", empty=True, multiline=multiline, maximum=maximum)

    return validate


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
        deadline_hours: Business hours to acknowledge instead of ``deadline`` (which then keeps
            its default), 0 to :data:`~comanaged_rcm.escalation.MAX_DEADLINE_HOURS`, counted in
            the zone of the :class:`~comanaged_rcm.escalation.BusinessHours` given to ``step()``.
        escalate_after_hours: Business hours before climbing, instead of ``escalate_after``.
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
        labels: Free labels (Prometheus-style: names ``[A-Za-z_][A-Za-z0-9_]*``, one-line values
            of at most :data:`MAX_LABEL_VALUE` characters), carried into every event ``step()``
            emits for the rule; the entity's dedup, grouping and inhibition labels win over a rule
            label of the same name.
        annotations: Free annotations (``summary``, ``runbook_url``...), values of text with
            lines allowed, carried into every event as :attr:`Event.annotations`.
        amount: The number field holding the amount at stake (``balance``): a decision owner is
            resolved with each record's amount (at or below the delegated threshold the
            delegate, above it or when the amount is missing, NaN or negative the client
            holder), and each alert keeps its latest amount (:attr:`Alert.amount`). ``None``:
            decision owners are resolved without an amount (the holder).

    Ladders hold at most :data:`MAX_LADDER` further rungs; dedup keys, ``group_by`` fields and
    inhibitions at most :data:`MAX_KEYS` each; messages at most :data:`MAX_MESSAGE` characters.
    """

    id: str = attrs.field(validator=v.identifier())
    version: int = attrs.field(default=1, converter=as_int, validator=whole_field(minimum=1))
    description: str = attrs.field(default="", validator=_description)
    when: str = attrs.field(validator=_check_when)
    applies_to: FactKind = attrs.field(validator=v.member(FactKind))
    severity: AlertSeverity = attrs.field(default=AlertSeverity.WARNING, validator=v.member(AlertSeverity))
    level: Level = attrs.field(validator=v.member(Level))
    owner: Owner = attrs.field(validator=v.instance(Owner))
    deadline: int = attrs.field(default=_DEFAULT_DEADLINE, converter=as_int, validator=_DEADLINE)
    escalate_after: int | None = attrs.field(default=None, converter=as_int, validator=_CLIMB)
    deadline_hours: int | None = attrs.field(default=None, converter=as_int, validator=_DEADLINE_HOURS)
    escalate_after_hours: int | None = attrs.field(default=None, converter=as_int, validator=_CLIMB_HOURS)
    ladder: tuple[Rung, ...] = attrs.field(
        default=(), converter=as_tuple, validator=[_bounded(MAX_LADDER), v.tuple_of(Rung)]
    )
    dedup_keys: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=[_bounded(MAX_KEYS), *_names()]
    )
    group_by: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=[_bounded(MAX_KEYS), *_names()]
    )
    message: str = attrs.field(default="", validator=_check_template)
    on_unknown: OnUnknown | None = attrs.field(default=None, validator=v.optional(v.member(OnUnknown)))
    pending_for: Hold = attrs.field(default=Hold(), validator=v.instance(Hold))
    keep_firing_for: Hold = attrs.field(default=Hold(), validator=v.instance(Hold))
    clear_when: str | None = attrs.field(default=None, validator=_check_when)
    min_count: MinCount | None = attrs.field(default=None, validator=v.optional(v.instance(MinCount)))
    inhibited_by: tuple[Inhibition, ...] = attrs.field(
        default=(), converter=as_tuple, validator=[_bounded(MAX_KEYS), v.tuple_of(Inhibition)]
    )
    labels: dict[str, str] = attrs.field(
        factory=dict,
        converter=_as_dict,
        validator=_label_map("label", multiline=False, maximum=MAX_LABEL_VALUE),
    )
    annotations: dict[str, str] = attrs.field(
        factory=dict,
        converter=_as_dict,
        validator=_label_map("annotation", multiline=True, maximum=_check.MAX_TEXT),
    )
    amount: str | None = attrs.field(default=None, validator=v.optional(_fact_field))

    def __attrs_post_init__(self) -> None:
        _one_unit(self, "deadline", "deadline_hours", "escalate_after", "escalate_after_hours")

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

    @functools.cached_property
    def rungs(self) -> tuple[Rung, ...]:
        """The whole ladder: the starting rung, then :attr:`ladder` (built once per rule)."""
        first = Rung(
            level=self.level,
            owner=self.owner,
            ack_within=self.deadline,
            escalate_after=self.escalate_after,
            ack_within_hours=self.deadline_hours,
            escalate_after_hours=self.escalate_after_hours,
        )
        return (first, *self.ladder)

    def content_hash(self) -> str:
        """SHA-256 (hex, first 16 digits) of the rule's canonical JSON: changes when anything changes.

        Empty ``labels`` and ``annotations``, deadlines in hours that are not given (here and in
        the ladder), no ``amount``, and holds' zero ``minutes`` and ``seconds``, are left out of
        the hashed JSON, so a rule that does not use them keeps the hash it had before those
        fields existed.
        """
        data = serialize.to_dict(self)
        if data["amount"] is None:
            del data["amount"]
        for name in ("labels", "annotations"):
            if not data[name]:
                del data[name]
        for item, names in (
            (data, ("deadline_hours", "escalate_after_hours")),
            *((rung, ("ack_within_hours", "escalate_after_hours")) for rung in data["ladder"]),
        ):
            for name in names:
                if item[name] is None:
                    del item[name]
        for name in ("pending_for", "keep_firing_for"):
            for part in ("minutes", "seconds"):
                if not data[name][part]:
                    del data[name][part]
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@attrs.frozen(kw_only=True)
class RuleSet:
    """Rules and (optionally) the schema of the fields they read, as one JSON document.

    Args:
        rules: The rules, in evaluation order; ids are unique.
        schema: Field name to type; fields left out are inferred from each rule.
    """

    rules: tuple[Rule, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(Rule))
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
