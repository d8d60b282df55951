"""Alerting semantics over time: state in, state out, and an append-only audit trail.

Each (rule, entity) alert moves ``inactive -> pending -> firing -> acknowledged -> resolved``.
:func:`step` takes the previous :class:`State`, one snapshot of facts and the time, and returns
the next state and the :class:`Event` of every change. There are no timers or threads: the
state is a plain value (JSON through :mod:`comanaged_rcm.serialize`), the clock is injected, and
the same inputs always give the same outputs, so a host can restart and replay.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import hashlib
import inspect
import json
import json.encoder
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeAlias, cast, runtime_checkable

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check
from comanaged_rcm._check import Validator, as_int, as_optional_real, as_tuple, v
from comanaged_rcm._frames import columns_of, is_frame
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation._calendar import BusinessCalendar
from comanaged_rcm.escalation._compiled import Columns, CompiledRule, batch_codes, clear_codes, compile_rule
from comanaged_rcm.escalation._edge import (
    Deferred,
    build,
    defer_fields,
    moment,
    moment_field,
    no_cycle_collection,
    positional_builder,
    replace,
    slot_setter,
    whole_field,
)
from comanaged_rcm.escalation._eval import (
    BatchContext,
    Categorical,
    EvalFailure,
    Outcome,
    display,
    json_value,
    read_value,
)
from comanaged_rcm.escalation._expr import FieldType
from comanaged_rcm.escalation._hours import check_clock, climb_due, rung_deadline
from comanaged_rcm.escalation._models import (
    AlertSeverity,
    FactKind,
    Level,
    OnUnknown,
    Owner,
    OwnerKind,
    Rule,
    Rung,
)

__all__ = [
    "Alert",
    "AlertStatus",
    "Event",
    "EventKind",
    "LatestEvaluation",
    "MappingDirectory",
    "OwnerDirectory",
    "Silence",
    "State",
    "acknowledge",
    "add_silence",
    "dedup_key",
    "group_events",
    "step",
]


@runtime_checkable
class OwnerDirectory(Protocol):
    """Where owners are looked up; ``raci.ScopeSplit`` implements it.

    Both methods return a party id, or ``None`` when nobody holds the role. A directory whose
    ``decision_holder`` takes no ``amount`` still serves rules without :attr:`Rule.amount`;
    :func:`step` refuses it for a rule that routes by amount.
    """

    def accountable_for(self, workflow: str) -> str | None:
        """The Accountable party of ``workflow`` (``"denials"``, ``"ar_follow_up"``...)."""

    def decision_holder(self, decision: str, amount: float | None = None) -> str | None:
        """The party that holds ``decision`` (``"write_off"``...) for ``amount`` at stake.

        ``amount`` is a finite number >= 0, or ``None`` when not known (the check fails closed:
        the holder, not a delegate).
        """


class _PlainDirectory(Protocol):
    """An :class:`OwnerDirectory` whose ``decision_holder`` takes no amount (a host's older one)."""

    def accountable_for(self, workflow: str) -> str | None:
        """The Accountable party of ``workflow``."""

    def decision_holder(self, decision: str) -> str | None:
        """The party that holds ``decision``, whatever the amount."""


def _as_dict(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A mapping as a plain ``dict``; anything else stays for the validator to report."""
    return dict(value) if isinstance(value, Mapping) and not isinstance(value, dict) else value


def _key(name: object) -> str:
    """A mapping key as a path shows it (shortened, so a huge key cannot make a huge path)."""
    shown = repr(name) if isinstance(name, str) else type(name).__name__
    return shown if len(shown) <= 40 else f"{shown[:37]}..."


def _readable(text: str) -> bool:
    """What :func:`comanaged_rcm._check.text` accepts at once: short, printable, not blank."""
    return len(text) <= _check.MAX_TEXT and text.isprintable() and bool(text.strip())


def _strings(*, ids: bool = False) -> Validator:
    """A ``dict`` of string to string (with ``ids``, of identifier to non-empty text)."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is dict and all(
            type(k) is str and type(v) is str and (not ids or (_readable(k) and _readable(v)))
            for k, v in value.items()
        ):
            return  # the common case, checked fast
        path = f"$.{attribute.name}"
        _check.instance(value, dict, path, "a mapping of string to string")
        for name, item in value.items():  # type: ignore[attr-defined]
            where = f"{path}[{_key(name)}]"
            if ids:
                _check.text(name, where)
                _check.text(item, where)
            else:
                _check.instance(name, str, where, "a string key")
                _check.instance(item, str, where, "a string")

    return validate


def _same_awareness(moments: Iterable[tuple[datetime.datetime | None, str]]) -> None:
    """Refuse naive and aware datetimes side by side (they cannot be compared), naming both."""
    first: tuple[datetime.datetime, str] | None = None
    for when, path in moments:
        if when is None:
            continue
        if first is None:
            first = (when, path)
            continue
        _check.aware_or_naive(first[0], first[1], when, path)


def _outcome(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """An outcome code (``2``, as JSON holds it) as its :class:`Outcome`; anything else stays."""
    if isinstance(value, int) and not isinstance(value, bool | Outcome) and value in set(Outcome):
        return Outcome(value)
    return value


_TEXT = v.instance(str, "a string")
_OPTIONAL_TEXT = v.optional(_TEXT)
_COUNT = whole_field()


@attrs.frozen
class MappingDirectory:
    """An :class:`OwnerDirectory` from two plain mappings, for standalone use.

    >>> MappingDirectory(decisions={"write_off": "provider_cfo"}).decision_holder("write_off")
    'provider_cfo'
    """

    accountable: dict[str, str] = attrs.field(factory=dict, converter=_as_dict, validator=_strings(ids=True))
    decisions: dict[str, str] = attrs.field(factory=dict, converter=_as_dict, validator=_strings(ids=True))

    def accountable_for(self, workflow: str) -> str | None:
        """The party accountable for ``workflow``, if listed."""
        return self.accountable.get(_check.instance(workflow, str, "$.workflow", "a string"))

    def decision_holder(self, decision: str, amount: float | None = None) -> str | None:
        """The party holding ``decision``, if listed (one party per decision, whatever ``amount``).

        Raises:
            ValidationError: When ``decision`` is not a string, or ``amount`` not ``None`` or a
                finite number >= 0.
        """
        if amount is not None:
            _check.real(amount, "$.amount", minimum=0)
        return self.decisions.get(_check.instance(decision, str, "$.decision", "a string"))


class AlertStatus(enum.Enum):
    """Where an alert is in its life."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class EventKind(enum.Enum):
    """What an audit event records."""

    PENDING = "pending"
    FIRING = "firing"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    SILENCED = "silenced"
    SILENCE_EXPIRED = "silence_expired"


_FIRED_STATUSES = frozenset({AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED})
"""The statuses of an alert that has fired (and so has a ``fired_at``)."""


@attrs.frozen(kw_only=True)
class Alert:
    """The state of one (rule, entity) alert.

    Args:
        key: The stable dedup key.
        rule: Rule id.
        rule_version: Rule version when the alert last changed.
        rule_hash: Rule content hash when the alert last changed.
        labels: The entity's dedup, grouping and inhibition field values.
        status: Pending, firing or acknowledged (inactive and resolved alerts are not kept).
        since: When the alert entered its status.
        active_since: When the condition first held (the pending start).
        true_count: Consecutive evaluations with the condition holding (while pending).
        clear_count: Consecutive evaluations with the alert cleared (while firing).
        clear_since: When the current clearing run began.
        rung: Index of the current rung of the ladder.
        rung_since: When the alert reached the current rung.
        level: The current ladder level.
        owner: The current owner's party id (``None`` when the directory has none).
        deadline: The acknowledgement deadline (a business day, in the business hours' zone).
        deadline_at: The deadline's moment, for a deadline in business hours (aware, in the zone).
        acknowledged_by: Who acknowledged.
        amount: The amount at stake (the rule's :attr:`Rule.amount` field) at the alert's latest
            evaluation where its condition held (``None``: the rule names no amount, or the
            record had none).
        fired_at: When the alert first fired (``None`` while pending); kept through
            acknowledgements and ladder climbs, which move ``since``. Left out for a firing or
            acknowledged alert (a state stored before it was kept), it is the earlier of
            ``since`` and ``rung_since``: the firing moment for a firing alert, and for an
            acknowledged one on its first rung.

    >>> import datetime
    >>> at = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    >>> alert = Alert(key="k", rule="r", rule_version=1, rule_hash="h", labels={},
    ...               status=AlertStatus.FIRING, since=at, active_since=at)
    >>> alert.fired_at == at
    True
    """

    key: str = attrs.field(validator=v.text())
    rule: str = attrs.field(validator=v.identifier())
    rule_version: int = attrs.field(converter=as_int, validator=whole_field(minimum=1))
    rule_hash: str = attrs.field(validator=v.text())
    labels: dict[str, str] = attrs.field(converter=_as_dict, validator=_strings())
    status: AlertStatus = attrs.field(validator=v.member(AlertStatus))
    since: datetime.datetime = attrs.field(validator=moment_field())
    active_since: datetime.datetime = attrs.field(validator=moment_field())
    true_count: int = attrs.field(default=0, converter=as_int, validator=_COUNT)
    clear_count: int = attrs.field(default=0, converter=as_int, validator=_COUNT)
    clear_since: datetime.datetime | None = attrs.field(default=None, validator=v.optional(moment_field()))
    rung: int = attrs.field(default=0, converter=as_int, validator=_COUNT)
    rung_since: datetime.datetime | None = attrs.field(default=None, validator=v.optional(moment_field()))
    level: Level | None = attrs.field(default=None, validator=v.optional(v.member(Level)))
    owner: str | None = attrs.field(default=None, validator=_OPTIONAL_TEXT)
    deadline: datetime.date | None = attrs.field(default=None, validator=v.optional(v.date()))
    deadline_at: datetime.datetime | None = attrs.field(default=None, validator=v.optional(moment_field()))
    acknowledged_by: str | None = attrs.field(default=None, validator=_OPTIONAL_TEXT)
    amount: float | None = attrs.field(
        default=None, converter=as_optional_real, validator=v.optional(v.real(minimum=0))
    )
    fired_at: datetime.datetime | None = attrs.field(default=None, validator=v.optional(moment_field()))

    def __attrs_post_init__(self) -> None:
        _same_awareness(self.moments("$"))
        if self.fired_at is None and self.status in _FIRED_STATUSES:
            fired = self.since if self.rung_since is None else min(self.since, self.rung_since)
            object.__setattr__(self, "fired_at", fired)  # a state stored before the field was kept
        elif self.fired_at is not None and self.status not in _FIRED_STATUSES:
            _check.fail(
                "$.fired_at",
                "value",
                f"only a firing or acknowledged alert has fired (this one is {self.status.value})",
            )

    def moments(self, path: str) -> Iterator[tuple[datetime.datetime | None, str]]:
        """Every time the alert holds, with its path below ``path`` (for the awareness check)."""
        yield self.since, f"{path}.since"
        yield self.active_since, f"{path}.active_since"
        yield self.clear_since, f"{path}.clear_since"
        yield self.rung_since, f"{path}.rung_since"
        yield self.deadline_at, f"{path}.deadline_at"
        yield self.fired_at, f"{path}.fired_at"


@attrs.frozen(kw_only=True)
class Silence:
    """Mute notifications for matching alerts until ``expires`` (state changes are still audited).

    Args:
        id: Identifier.
        author: Who created it.
        reason: Why.
        created: When it starts.
        expires: When it ends (exclusive).
        rule: The rule it applies to (``None``: any rule).
        matchers: Label values an alert must have (``{"payer": "AETNA"}``).
    """

    id: str = attrs.field(validator=v.text())
    author: str = attrs.field(validator=v.text())
    reason: str = attrs.field(validator=v.text())
    created: datetime.datetime = attrs.field(validator=moment_field())
    expires: datetime.datetime = attrs.field(validator=moment_field())
    rule: str | None = attrs.field(default=None, validator=v.optional(v.identifier()))
    matchers: dict[str, str] = attrs.field(factory=dict, converter=_as_dict, validator=_strings())

    def __attrs_post_init__(self) -> None:
        _check.aware_or_naive(self.created, "$.created", self.expires, "$.expires")
        if self.expires <= self.created:
            raise ValidationError.single(
                "$.expires",
                "range",
                f"'expires' must be after 'created' (got {self.expires} <= {self.created})",
            )

    def active(self, now: datetime.datetime) -> bool:
        """Whether the silence is in force at ``now``.

        Raises:
            ValidationError: When ``now`` is not a datetime, or is naive where the silence is
                aware (or the other way round).
        """
        moment(now, "$.now")
        _check.aware_or_naive(now, "$.now", self.created, "$.created")
        return self.created <= now < self.expires

    def matches(self, rule: str, labels: Mapping[str, str]) -> bool:
        """Whether the silence covers an alert of ``rule`` with ``labels``.

        Raises:
            ValidationError: When ``rule`` is not a string or ``labels`` not a mapping.
        """
        _check.instance(rule, str, "$.rule", "a string")
        _check.instance(labels, Mapping, "$.labels", "a mapping of label to value")
        if self.rule is not None and self.rule != rule:
            return False
        return all(labels.get(name) == value for name, value in self.matchers.items())


@attrs.frozen(kw_only=True)
class State:
    """Everything :func:`step` needs to continue: open alerts, silences, the event counter."""

    alerts: dict[str, Alert] = attrs.field(factory=dict, converter=_as_dict)
    silences: tuple[Silence, ...] = attrs.field(default=(), converter=as_tuple, validator=v.tuple_of(Silence))
    sequence: int = attrs.field(default=0, converter=as_int, validator=_COUNT)

    @alerts.validator
    def _check_alerts(self, _: attrs.Attribute[dict[str, Alert]], value: object) -> None:
        _check.instance(value, dict, "$.alerts", "a mapping of dedup key to Alert")
        for key, alert in value.items():  # type: ignore[attr-defined]
            path = f"$.alerts[{_key(key)}]"
            _check.instance(alert, Alert, path)
            if key != alert.key:
                _check.fail(
                    path, "value", f"an alert is filed under its own key (got {_key(key)} for {alert.key!r})"
                )

    def __attrs_post_init__(self) -> None:
        _same_awareness(self.moments())

    def moments(self) -> Iterator[tuple[datetime.datetime | None, str]]:
        """Every time the state holds, with its path (alerts' times, then silences')."""
        for key, alert in self.alerts.items():
            yield from alert.moments(f"$.alerts[{_key(key)}]")
        for index, silence in enumerate(self.silences):
            yield silence.created, f"$.silences[{index}].created"
            yield silence.expires, f"$.silences[{index}].expires"

    def open_alerts(self) -> tuple[Alert, ...]:
        """Firing and acknowledged alerts, by key."""
        return tuple(
            a
            for _, a in sorted(self.alerts.items())
            if a.status in {AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED}
        )


@attrs.frozen(kw_only=True)
class Event:
    """One append-only audit record of a state change.

    Args:
        sequence: Position in the audit trail (1, 2, 3...).
        at: Evaluation time.
        kind: What happened.
        rule: Rule id (``None`` for silence events).
        rule_version: Rule version.
        rule_hash: Rule content hash.
        severity: Rule severity.
        key: The alert's dedup key.
        group: The notification group (rule id and ``group_by`` values).
        labels: The entity's label values (its dedup, grouping and inhibition fields) and, in the
            events :func:`step` emits, the rule's own :attr:`Rule.labels` (an entity label wins
            over a rule label of the same name, so dedup and grouping are never overridden).
        annotations: The rule's :attr:`Rule.annotations` (``runbook_url``, ``summary``...), in the
            events :func:`step` emits.
        outcome: The condition's outcome that caused the change.
        inputs: The facts read (JSON text of each value).
        level: The ladder level after the change.
        owner: The owner's party id after the change.
        owner_ref: How the owner was found.
        deadline: The acknowledgement deadline (a day).
        deadline_at: The deadline's moment, for a deadline in business hours.
        actor: Who acted (acknowledgements and silences); ``None`` for evaluations.
        reason: Why, in one line.
        message: The rule's message, filled in.
        suppressed_by: The silence or inhibiting rule muting this event's notification.

    In the events :func:`step` emits, ``inputs``, ``reason`` and ``message`` (which explain the
    evaluation clause by clause) are computed when one of them is first read, by any means
    (the attribute, ``==``, ``repr``, :mod:`comanaged_rcm.serialize`): a replay makes many
    events and a report reads few. The values are those an eager explanation gives.
    """

    sequence: int = attrs.field(converter=as_int, validator=whole_field(minimum=1))
    at: datetime.datetime = attrs.field(validator=moment_field())
    kind: EventKind = attrs.field(validator=v.member(EventKind))
    rule: str | None = attrs.field(default=None, validator=v.optional(v.identifier()))
    rule_version: int | None = attrs.field(
        default=None, converter=as_int, validator=v.optional(whole_field(minimum=1))
    )
    rule_hash: str | None = attrs.field(default=None, validator=_OPTIONAL_TEXT)
    severity: AlertSeverity | None = attrs.field(default=None, validator=v.optional(v.member(AlertSeverity)))
    key: str | None = attrs.field(default=None, validator=_OPTIONAL_TEXT)
    group: str = attrs.field(default="", validator=_TEXT)
    labels: dict[str, str] = attrs.field(factory=dict, converter=_as_dict, validator=_strings())
    annotations: dict[str, str] = attrs.field(factory=dict, converter=_as_dict, validator=_strings())
    outcome: Outcome | None = attrs.field(
        default=None, converter=_outcome, validator=v.optional(v.member(Outcome))
    )
    inputs: dict[str, str] = attrs.field(factory=dict, converter=_as_dict, validator=_strings())
    level: Level | None = attrs.field(default=None, validator=v.optional(v.member(Level)))
    owner: str | None = attrs.field(default=None, validator=_OPTIONAL_TEXT)
    owner_ref: str = attrs.field(default="", validator=_TEXT)
    deadline: datetime.date | None = attrs.field(default=None, validator=v.optional(v.date()))
    deadline_at: datetime.datetime | None = attrs.field(default=None, validator=v.optional(moment_field()))
    actor: str | None = attrs.field(default=None, validator=_OPTIONAL_TEXT)
    reason: str = attrs.field(default="", validator=_TEXT)
    message: str = attrs.field(default="", validator=_TEXT)
    suppressed_by: str | None = attrs.field(default=None, validator=_OPTIONAL_TEXT)

    def __str__(self) -> str:
        who = f" -> {self.owner or 'unassigned'} ({self.level.value})" if self.level else ""
        due = f" by {self.deadline.isoformat()}" if self.deadline else ""
        if self.deadline_at is not None:
            due = f" by {self.deadline_at.isoformat(timespec='minutes')}"
        muted = f" [muted: {self.suppressed_by}]" if self.suppressed_by else ""
        head = f"#{self.sequence} {self.kind.value} {self.rule or ''} {self.key or ''}"
        return f"{head}{who}{due}: {self.reason}{muted}"


defer_fields(Event, ("inputs", "reason", "message"))

_EVENT_FIELDS = (
    "sequence", "at", "kind", "rule", "rule_version", "rule_hash", "severity", "key", "group", "labels",
    "annotations", "outcome", "inputs", "level", "owner", "owner_ref", "deadline", "deadline_at", "reason",
    "message", "suppressed_by",
)  # fmt: skip
_alert_event = positional_builder(Event, _EVENT_FIELDS)
"""An event of an alert's change, its fields given in the order of :data:`_EVENT_FIELDS`."""
_ROUTED_FIELDS = ("level", "owner", "deadline", "deadline_at")
"""The fields of an alert its rung sets (:meth:`_Stepper.rung_fields`)."""
_new_alert = positional_builder(
    Alert,
    (
        "key", "rule", "rule_version", "rule_hash", "labels", "status", "since", "active_since", "true_count",
        "rung_since", "amount", "fired_at", *_ROUTED_FIELDS,
    ),
)  # fmt: skip
"""A new alert of a step, its fields given in that order."""
_set_suppressed = slot_setter(Event, "suppressed_by")


def dedup_key(rule: str, labels: Mapping[str, str]) -> str:
    """The stable dedup key of an entity: the same rule and values always give the same key.

    >>> dedup_key("write_off_over_limit", {"item_id": "Q-1"})
    'write_off_over_limit:...'

    Raises:
        ValidationError: When ``rule`` is not text or ``labels`` not a mapping of string to string.
    """
    _check.text(rule, "$.rule")
    _check.instance(labels, Mapping, "$.labels", "a mapping of label to value")
    for name, value in labels.items():
        where = f"$.labels[{_key(name)}]"
        _check.instance(name, str, where, "a string key")
        _check.instance(value, str, where, "a string")
    return _dedup_key(rule, sorted(labels.items()))


def _dedup_key(rule: str, pairs: Sequence[tuple[str, str]]) -> str:
    """:func:`dedup_key` of checked labels, given as ``(name, value)`` pairs sorted by name.

    The material hashed is the compact JSON of ``[rule, pairs]``, written string by string.
    """
    text = _json_text
    items = ",".join(f"[{text(name)},{text(value)}]" for name, value in pairs)
    material = f"[{text(rule)},[{items}]]"
    return f"{rule}:{hashlib.sha256(material.encode()).hexdigest()[:16]}"


def _key_maker(rule: str, names: Sequence[str]) -> Callable[[Sequence[str]], str]:
    """:func:`_dedup_key` of ``rule`` for the values of ``names`` (sorted), with the fixed text made once."""
    text = _json_text
    heads = [f"[{text(name)}," for name in names]
    start, prefix = f"[{text(rule)},[", f"{rule}:"
    sha = hashlib.sha256
    if len(names) == 1:
        opening = f"{start}{heads[0]}"

        def one(values: Sequence[str]) -> str:
            return prefix + sha(f"{opening}{text(values[0])}]]]".encode()).hexdigest()[:16]

        return one

    def many(values: Sequence[str]) -> str:
        items = ",".join(f"{head}{text(value)}]" for head, value in zip(heads, values, strict=True))
        return prefix + sha(f"{start}{items}]]".encode()).hexdigest()[:16]

    return many


_json_text: Callable[[str], str] = json.encoder.encode_basestring_ascii
"""A string as ``json.dumps`` writes it (quoted, escaped, ASCII)."""


def _label(value: object) -> str:
    if value is None or isinstance(value, str):
        return str(value) if value else ""  # numpy's str_ as a plain str
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value.astype("datetime64[D]"))
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else repr(float(value))
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, np.timedelta64):  # numpy files it as an integer, but int() of it fails
        return str(value)
    if isinstance(value, int | np.integer):
        number = int(value)
        return str(number) if number.bit_length() <= _MAX_DECIMAL_BITS else hex(number)
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - a fact of any type (nested 10,000 deep, say) still gets a label
        return f"<{type(value).__name__}>"


_MAX_DECIMAL_BITS = 14_000
"""Integers longer than this (about 4,200 digits) are labelled in hex: Python refuses ``str`` of them."""


def _cell(column: Any, row: int) -> Any:  # noqa: ANN401 - a fact of any type
    """The value of one row of a column (a :class:`Categorical` decoded, missing as ``None``)."""
    if isinstance(column, Categorical):
        code = int(column.codes[row])
        return None if code < 0 else str(column.categories[code])
    return column[row]


def _cells(column: Any, rows: npt.NDArray[np.intp]) -> Any:  # noqa: ANN401 - a column of any type
    """The cells of ``rows``: row ``i`` of the result is ``_cell(column, rows[i])``."""
    if column.__class__ is np.ndarray:
        return column[rows]
    if isinstance(column, Categorical):
        decoded: list[str | None] = [str(c) for c in column.categories.tolist()]
        decoded.append(None)  # code -1: missing
        return [decoded[code] for code in column.codes[rows].tolist()]
    return [column[row] for row in rows.tolist()]


def _positional(columns: Mapping[str, Any]) -> dict[str, Any]:
    """Columns indexable by row position: arrays, lists and categoricals as given, others as arrays.

    A pandas Series indexes by label, not position; reading it as an array reads row ``i`` as the
    ``i``-th value, as the vectorized evaluator does.
    """
    return {
        name: column if isinstance(column, np.ndarray | list | tuple | Categorical) else np.asarray(column)
        for name, column in columns.items()
        if column is not None  # a column of None is missing on every row, as the evaluators read it
    }


class _Prepared:
    """One rule's batch for a step: outcomes, decisions and entity keys."""

    def __init__(
        self,
        compiled: CompiledRule,
        batch: BatchContext,
        columns: Mapping[str, Any],
        label_fields: Sequence[str],
        *,
        read: Sequence[str] = (),
    ) -> None:
        self.compiled = compiled
        self.as_of = batch.as_of
        self.calendar = batch.calendar
        self.codes = batch_codes(compiled, batch)
        self.clear_codes = clear_codes(compiled, batch)
        self.columns = columns
        self.size = len(self.codes)
        if self.size:
            _check_keys(compiled.rule, self.columns, batch.path)
        self.label_fields = [f for f in label_fields if f in self.columns]
        amount = compiled.rule.amount
        self.amounts = None if amount is None or not self.size else _amounts(compiled.rule, batch)
        self.record_fields = sorted(
            name
            for name in {
                *compiled.schema,
                *template_names(compiled.rule.message),
                *([amount] if amount else []),
                *read,
            }
            if name in self.columns
        )
        self.record_columns = [(name, self.columns[name]) for name in self.record_fields]
        self.records = _Records(compiled, batch.as_of, batch.calendar)
        self.explained_rows: list[int] = []
        self.groups: dict[object, str] = {}  # each group_by values' notification group
        hold = compiled.rule.pending_for
        self.fires_at_once = hold.evaluations <= 1 and hold.duration <= datetime.timedelta(0)
        # each rung's owner as events describe it, and the routing an event's reason ends with
        self.rungs = [
            (rung.owner.describe(), f" -> {rung.owner.describe()} ({rung.level.value})")
            for rung in compiled.rule.rungs
        ]
        # the rungs whose owner is resolved with the amount at stake: their routing names it
        self.by_amount = [
            amount is not None and rung.owner.kind is OwnerKind.DECISION for rung in compiled.rule.rungs
        ]
        rule = compiled.rule
        self.first_rung = rule.rungs[0]
        self.rule_id, self.rule_version = rule.id, rule.version  # what every event of the rule says
        self.rule_hash, self.severity = compiled.content_hash, rule.severity
        self.group_by = rule.group_by
        self.rule_labels = rule.labels
        self.annotations = rule.annotations
        policy = compiled.rule.unknown_policy
        undecided = self.codes >= Outcome.UNKNOWN
        self.fire = self.codes == Outcome.TRUE
        self.hold = np.zeros(self.size, dtype=bool)
        if policy is OnUnknown.ESCALATE:
            self.fire |= undecided
        elif policy is OnUnknown.HOLD:
            self.hold = undecided

    def amount_at(self, row: int) -> float | None:
        """The amount at stake on ``row`` (``None``: the rule names none, or the row has none)."""
        if self.amounts is None or row < 0:
            return None
        value = float(self.amounts[row])
        return None if value != value else value  # noqa: PLR0124 - NaN: not known

    def routed(self, rung: int, amount: float | None) -> str:
        """The end of a routed event's reason: the rung's owner (with the amount it was resolved by)."""
        if not self.by_amount[rung]:
            return self.rungs[rung][1]
        level = self.compiled.rule.rungs[rung].level.value
        return f" -> {self.rungs[rung][0]} at {self.compiled.rule.amount} = {display(amount)} ({level})"

    def labels(self, rows: npt.NDArray[np.intp]) -> dict[str, list[str]]:
        """Each label field's value on ``rows``, as :func:`_label` renders it."""
        return {name: _labels(self.columns[name], rows) for name in self.label_fields}

    def may_match(self, alerts: Iterable[Alert]) -> npt.NDArray[np.bool_]:
        """Rows that may belong to one of ``alerts`` (a vectorized superset filter on text keys)."""
        dedup = self.compiled.rule.dedup_keys
        mask = np.zeros(self.size, dtype=bool)
        if not dedup:
            mask[:1] = True  # every row is the same entity: one row stands for it
            return mask
        mask[:] = True
        alerts = list(alerts)
        for name in dedup:
            column = self.columns.get(name)
            if column is None:
                continue
            values = sorted({a.labels.get(name, "") for a in alerts})
            if isinstance(column, Categorical):
                wanted = set(values)
                hit = np.array([_label(str(c)) in wanted for c in column.categories.tolist()], dtype=bool)
                mask &= _mapped_hit(column, hit, missing="" in wanted)
                continue
            array = np.asarray(column)
            if array.dtype.kind != "U":
                return np.ones(self.size, dtype=bool)
            mask &= np.isin(array, values)
        return mask

    def explain(self, row: int) -> int:
        """File ``row`` as one an event explains; its position among this rule's filed rows."""
        self.explained_rows.append(row)
        return len(self.explained_rows) - 1

    def group(self, labels: Mapping[str, str]) -> str:
        """The notification group of an alert with ``labels``: the rule id and its ``group_by`` values."""
        group_by = self.group_by
        if not group_by:
            return self.rule_id
        if len(group_by) == 1:  # the common case: the one value is the cache's key
            value = labels.get(group_by[0], "")
            found = self.groups.get(value)
            if found is None:
                found = self.groups[value] = f"{self.rule_id}[{group_by[0]}={value}]"
            return found
        values = tuple([labels.get(name, "") for name in group_by])
        found = self.groups.get(values)
        if found is None:
            shown = ",".join(f"{name}={value}" for name, value in zip(group_by, values, strict=True))
            found = self.groups[values] = f"{self.rule_id}[{shown}]"
        return found

    def keep_records(self) -> None:
        """Copy the cells the filed explanations read, for all their rows at once.

        The cells are those the rule reads or its message shows; every explanation of the rule
        reads the copy through the rule's :class:`_Records`. Row ``i`` of the copy is what
        :func:`_cell` gives for the ``i``-th filed row.
        """
        if not self.explained_rows:
            return
        rows = np.array(self.explained_rows, dtype=np.intp)
        self.records.cells = {name: _cells(column, rows) for name, column in self.record_columns}
        self.explained_rows = []


def _amounts(rule: Rule, batch: BatchContext) -> npt.NDArray[np.float64]:
    """The amount at stake of each row (NaN where missing, not a number, infinite or negative).

    Raises:
        ValidationError: When the amount column is text, dates or flags (``$.facts.balance``).
    """
    name = cast("str", rule.amount)
    column = batch.columns.get(name)
    kind = "text" if isinstance(column, Categorical) else None
    if isinstance(column, np.ndarray) and column.dtype.kind in "USMmb":
        kind = {"U": "text", "S": "bytes", "M": "dates", "m": "durations", "b": "flags"}[column.dtype.kind]
    if kind is not None:
        _check.fail(
            f"{batch.path}.{name}",
            "type",
            f"rule {rule.id!r} reads the amount at stake from {name!r}, which holds {kind}, not numbers",
        )
    values, unknown, error = batch.field(name, FieldType.NUMBER)
    amounts = np.array(values, dtype=np.float64)
    bad = ~(np.isfinite(amounts) & (amounts >= 0))
    for mask in (unknown, error):
        if mask is not None:
            bad |= mask
    amounts[bad] = np.nan
    return amounts


def _mapped_hit(column: Categorical, hit: npt.NDArray[np.bool_], *, missing: bool) -> npt.NDArray[np.bool_]:
    """A per-category mask on the rows of ``column`` (a missing row gets ``missing``)."""
    mapped: npt.NDArray[np.bool_] = np.append(hit, missing)[column.codes]
    return mapped


def _labels(column: Any, rows: npt.NDArray[np.intp]) -> list[str]:  # noqa: ANN401 - a column of any type
    """``_label(_cell(column, row))`` for each of ``rows``, a column at a time."""
    if isinstance(column, Categorical):
        table = [_label(str(c)) for c in column.categories.tolist()]
        table.append("")  # code -1: missing
        return [table[code] for code in column.codes[rows].tolist()]
    if isinstance(column, np.ndarray):
        if column.dtype.kind == "U":
            texts: list[str] = column[rows].tolist()  # each a str, as _label gives it (missing is "")
            return texts
        return [_label(value) for value in column[rows]]
    return [_label(column[row]) for row in rows.tolist()]


def _check_keys(rule: Rule, columns: Mapping[str, Any], path: str) -> None:
    """Every dedup key, ``group_by`` and amount field of ``rule`` must be a column of a non-empty snapshot.

    A key no record holds would give every alert the same (empty) value: all of them would merge
    into one alert, and the later ones would never reach their owner.
    """
    issues = [
        Issue(
            f"{path}.{name}",
            "missing",
            f"rule {rule.id!r} reads {what} {name!r}, which the facts do not hold"
            f"{_check.suggest(name, [str(c) for c in columns])}",
        )
        for what, names in (
            ("dedup key", rule.dedup_keys),
            ("group_by field", rule.group_by),
            ("amount field", () if rule.amount is None else (rule.amount,)),
        )
        for name in names
        if name not in columns
    ]
    if issues:
        raise ValidationError(issues)


def template_names(template: str) -> list[str]:
    """Placeholder names of a validated message template."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _render(template: str, record: Mapping[str, Any], compiled: CompiledRule) -> str:
    """Fill a validated message template from a record.

    A format spec (checked when the rule was built: bounded width and precision, number types
    only) applies to numbers; a value it cannot format is shown as is. Text is shown as written
    unless it holds a control or invisible character (a line feed, a direction override), which
    is shown escaped, so a fact cannot forge a line of the audit trail; long values are cut.
    """
    return _filled(_parsed(template), record, compiled)


def _parsed(template: str) -> list[tuple[str, str | None, str | None]]:
    """A validated message template as (text, placeholder name, format spec) parts."""
    return [(text, name, spec) for text, name, spec, _ in string.Formatter().parse(template)]


def _filled(
    template: Sequence[tuple[str, str | None, str | None]],
    record: Mapping[str, Any],
    compiled: CompiledRule,
    shown: dict[tuple[object, ...], str] | None = None,
) -> str:
    """:func:`_render` of a template parsed by :func:`_parsed`.

    With ``shown``, each placeholder's text is kept there by its name, spec and value (as
    :func:`_cell_key` tells values apart) and reused for the next record of the same value.
    """
    parts: list[str] = []
    for text, name, spec in template:
        parts.append(text)
        if not name:
            continue
        value = record.get(name)
        if shown is None:
            parts.append(_placeholder(name, spec, value, compiled))
            continue
        cell = _cell_key(value)
        key = (name, spec, cell)
        found = None if cell is _UNKEYED else shown.get(key)
        if found is None:
            found = _placeholder(name, spec, value, compiled)
            if cell is not _UNKEYED:
                shown[key] = found
        parts.append(found)
    return "".join(parts)


def _placeholder(name: str, spec: str | None, value: Any, compiled: CompiledRule) -> str:  # noqa: ANN401 - a fact of any type
    """One placeholder of a message as the record's ``value`` fills it."""
    if isinstance(value, np.generic):
        value = value.item()
    if compiled.schema.get(name) is None:
        shown = value if isinstance(value, str) else display(value)
    else:
        shown = _shown(name, value, compiled)
    if (
        spec
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and (not isinstance(value, int) or value.bit_length() <= _MAX_FORMAT_BITS)
    ):
        with contextlib.suppress(ValueError, OverflowError):
            shown = format(value, spec)
    return _printable(shown)


_MAX_FORMAT_BITS = 1000
"""Integers longer than this are shown without their format spec (a float spec cannot take them)."""

_MAX_SHOWN = 200
"""The longest value a message shows (longer ones are cut, with their length)."""


def _printable(shown: str) -> str:
    """A value as a message shows it: escaped when it holds control characters, cut when long."""
    if not shown.isprintable():
        shown = repr(shown)[1:-1]
    if len(shown) > _MAX_SHOWN:
        shown = f"{shown[: _MAX_SHOWN - 20]}...<{len(shown):,} characters>"
    return shown


def _shown(name: str, value: object, compiled: CompiledRule) -> str:
    try:
        normalized = read_value(name, value, compiled.schema[name])
    except EvalFailure:
        return _check.show(value)
    return display(normalized) if not isinstance(normalized, str) else normalized


class _Stepper:
    def __init__(
        self,
        state: State,
        now: datetime.datetime,
        calendar: BusinessCalendar,
        directory: OwnerDirectory | _PlainDirectory | None,
        *,
        latest: bool = False,
    ) -> None:
        self.alerts = dict(state.alerts)
        # with ``latest``: each open alert's evaluation at this step, by key
        self.latest: dict[str, LatestEvaluation] | None = {} if latest else None
        self.by_rule: dict[
            str, dict[str, Alert]
        ] = {}  # the state's alerts by rule, for each rule's first run
        for key, alert in self.alerts.items():
            self.by_rule.setdefault(alert.rule, {})[key] = alert
        self.ran: set[str] = set()
        self.silences = state.silences
        self.sequence = state.sequence
        self.now = now
        self.calendar = calendar
        self.directory = directory
        self.events: list[Event] = []
        # the directory asked once per owner (and amount, for rules that route by it) and step
        self.owners: dict[tuple[Owner, float | None, bool], str | None] = {}
        check_clock(calendar, now)
        self.deadlines: dict[tuple[object, ...], Any] = {}  # per rung (and climb start): one per step
        self.rung_cache: dict[tuple[int, float | None, bool], dict[str, Any]] = {}

    def owner(self, owner: Owner, amount: float | None = None, *, by_amount: bool = False) -> str | None:
        """The party of ``owner``; a decision holder ``by_amount`` is asked with ``amount``."""
        if owner.kind is OwnerKind.PARTY:
            return owner.ref
        if self.directory is None:
            return None
        by_amount = by_amount and owner.kind is OwnerKind.DECISION
        asked = (owner, amount if by_amount else None, by_amount)
        if asked in self.owners:
            return self.owners[asked]
        found = self.ask(owner, amount, by_amount=by_amount)
        self.owners[asked] = found
        return found

    def ask(self, owner: Owner, amount: float | None, *, by_amount: bool) -> str | None:
        """The directory's party for a RACI owner (checked: a party id or ``None``)."""
        assert self.directory is not None  # noqa: S101 - owner() asks only with a directory
        if owner.kind is OwnerKind.ACCOUNTABLE:
            found, asked = self.directory.accountable_for(owner.ref), "accountable_for"
        elif by_amount:
            found, asked = (
                cast("OwnerDirectory", self.directory).decision_holder(owner.ref, amount=amount),
                "decision_holder",
            )
        else:
            found, asked = self.directory.decision_holder(owner.ref), "decision_holder"
        if found is not None and not isinstance(found, str):
            _check.fail(
                "$.directory",
                "type",
                f"directory.{asked}({owner.ref!r}) must return a party id or None"
                f" (got {type(found).__name__})",
            )
        return found

    def emit(self, **fields: Any) -> Event:  # noqa: ANN401 - forwards Event's keyword fields
        """Append an event of values step built from checked inputs (see :func:`_edge.build`)."""
        self.sequence += 1
        event = build(Event, sequence=self.sequence, at=self.now, **fields)
        self.events.append(event)
        return event

    def rung_fields(
        self, rung: Rung, amount: float | None = None, *, by_amount: bool = False
    ) -> dict[str, Any]:
        """A rung's level, owner and deadline from now (made once per rung and owner in a step: read only)."""
        key = (id(rung), amount if by_amount else None, by_amount)
        found = self.rung_cache.get(key)
        if found is None:
            deadline, deadline_at = rung_deadline(self.calendar, self.now, rung, cache=self.deadlines)
            found = self.rung_cache[key] = {
                "level": rung.level,
                "owner": self.owner(rung.owner, amount, by_amount=by_amount),
                "deadline": deadline,
                "deadline_at": deadline_at,
            }
        return found

    def alert_event(
        self,
        *,
        kind: EventKind,
        alert: Alert,
        prepared: _Prepared,
        row: int,
        clear: bool = False,
        message: bool = False,
        reason: str = "",
    ) -> None:
        """Emit an event of ``alert`` explained by the evaluation of ``row`` (none when negative).

        The outcome is the batch's; the inputs, the reason (unless given) and, with ``message``,
        the rule's message come from the record's explanation, computed when first read. With
        ``clear``, the clearing condition's evaluation explains the event.
        """
        owner_ref = prepared.rungs[alert.rung][0]
        suffix = prepared.routed(alert.rung, alert.amount) if kind in _ROUTED else ""
        labels = {**prepared.rule_labels, **alert.labels} if prepared.rule_labels else dict(alert.labels)
        outcome: Outcome | None = None
        inputs: Any = {}
        shown: Any = f"{reason}{suffix}"
        text: Any = ""
        if row >= 0:
            codes = prepared.clear_codes if clear and prepared.clear_codes is not None else prepared.codes
            outcome = _OUTCOMES[codes[row]]
            filed = prepared.explained_rows
            filed.append(row)  # the row's cells are copied with the rule's other filed rows
            explained = _Explained(prepared.records, len(filed) - 1, clear, shown if reason else None, suffix)
            inputs = explained
            if not reason:
                shown = explained
            if message:
                text = explained
        self.sequence += 1
        self.events.append(
            _alert_event(
                self.sequence,
                self.now,
                kind,
                prepared.rule_id,
                prepared.rule_version,
                prepared.rule_hash,
                prepared.severity,
                alert.key,
                prepared.group(alert.labels),
                labels,
                prepared.annotations.copy() if prepared.annotations else {},
                outcome,
                inputs,
                alert.level,
                alert.owner or None,
                owner_ref,
                alert.deadline,
                alert.deadline_at,
                shown,
                text,
                self.silenced(prepared.rule_id, labels) if self.silences else None,
            )
        )

    def silenced(self, rule: str, labels: Mapping[str, str]) -> str | None:
        for silence in self.silences:
            if silence.active(self.now) and silence.matches(rule, labels):
                return f"silence {silence.id} by {silence.author}"
        return None

    def expire_silences(self) -> None:
        kept = []
        for silence in self.silences:
            if silence.expires <= self.now:
                self.emit(
                    kind=EventKind.SILENCE_EXPIRED,
                    rule=silence.rule,
                    labels=dict(silence.matchers),
                    actor=silence.author,
                    reason=f"silence {silence.id} expired at {silence.expires.isoformat()}",
                )
            else:
                kept.append(silence)
        self.silences = tuple(kept)

    def run_rule(self, prepared: _Prepared) -> None:
        rule = prepared.compiled.rule
        if rule.id in self.ran:  # the rule runs again in this step: its alerts as they are now
            existing = {k: a for k, a in self.alerts.items() if a.rule == rule.id}
        else:
            existing = self.by_rule.pop(rule.id, {})
            self.ran.add(rule.id)
        wanted = prepared.fire | prepared.hold
        if existing:
            wanted = wanted | prepared.may_match(existing.values())
        rows = np.flatnonzero(wanted)
        decisions = (prepared.fire[rows].astype(np.int8) * 2 + prepared.hold[rows]).tolist()
        # per entity: (decision, row, position in rows) with decision 2 = fire, 1 = hold, 0 = clear
        labels = prepared.labels(rows)
        dedup = sorted(rule.dedup_keys)
        keyed = [labels.get(name) or [""] * len(rows) for name in dedup]
        make_key = _key_maker(rule.id, dedup)
        entities: dict[str, tuple[int, int, int]] = {}
        for at, (row, decision, *values) in enumerate(zip(rows.tolist(), decisions, *keyed, strict=True)):
            key = make_key(values)
            known = entities.get(key)
            if known is None or decision > known[0]:
                entities[key] = (decision, row, at)
        latest = self.latest
        for key in sorted(set(entities) | set(existing)):
            decision, row, at = entities.get(key, (0, -1, -1))
            alert = existing.get(key)
            if alert is None:
                if decision == 2:
                    self.start(prepared, key, row, {name: values[at] for name, values in labels.items()})
            else:
                self.advance(prepared, alert, decision, row)
            if latest is not None and row >= 0:
                now = self.alerts.get(key)
                if now is not None and now.status in _FIRED_STATUSES:
                    latest[key] = LatestEvaluation(
                        prepared.records,
                        prepared.explain(row),
                        held=decision == 2,
                        suffix=prepared.routed(now.rung, now.amount),
                    )
        prepared.keep_records()

    def start(self, prepared: _Prepared, key: str, row: int, labels: dict[str, str]) -> None:
        now, amount = self.now, prepared.amount_at(row)
        firing = prepared.fires_at_once  # no hold: the new alert is firing (built once, not promoted)
        rung_since: datetime.datetime | None
        if firing:
            routed = self.rung_fields(prepared.first_rung, amount, by_amount=prepared.by_amount[0])
            level, owner, deadline, deadline_at = (routed[name] for name in _ROUTED_FIELDS)
            status, rung_since, fired_at = AlertStatus.FIRING, now, now
        else:  # pending: on no rung yet
            level = owner = deadline = deadline_at = rung_since = fired_at = None
            status = AlertStatus.PENDING
        alert = _new_alert(
            key, prepared.rule_id, prepared.rule_version, prepared.rule_hash, labels, status, now, now, 1,
            rung_since, amount, fired_at, level, owner, deadline, deadline_at,
        )  # fmt: skip
        if firing:
            self.alerts[key] = alert
            self.alert_event(kind=EventKind.FIRING, alert=alert, prepared=prepared, row=row, message=True)
            return
        self.promote_or_keep(prepared, alert, row, new=True)

    def promote_or_keep(self, prepared: _Prepared, alert: Alert, row: int, *, new: bool) -> None:
        rule = prepared.compiled.rule
        hold = rule.pending_for
        elapsed = self.now - alert.active_since
        if alert.true_count >= hold.evaluations and elapsed >= hold.duration:
            first = rule.rungs[0]
            fields = self.rung_fields(first, alert.amount, by_amount=prepared.by_amount[0])
            alert = replace(
                alert,
                status=AlertStatus.FIRING,
                since=self.now,
                fired_at=self.now,
                rung=0,
                rung_since=self.now,
                **fields,
            )
            self.alerts[alert.key] = alert
            self.alert_event(kind=EventKind.FIRING, alert=alert, prepared=prepared, row=row, message=True)
            return
        self.alerts[alert.key] = alert
        if new:
            self.alert_event(kind=EventKind.PENDING, alert=alert, prepared=prepared, row=row, message=True)

    def advance(self, prepared: _Prepared, alert: Alert, decision: int, row: int) -> None:
        rule = prepared.compiled.rule
        if decision == 2 and prepared.amounts is not None:  # the condition held: its amount is current
            amount = prepared.amount_at(row)
            if amount != alert.amount:
                alert = replace(alert, amount=amount)
                self.alerts[alert.key] = alert
        if alert.status is AlertStatus.PENDING:
            if decision == 1:
                return
            if decision == 0:
                del self.alerts[alert.key]
                self.alert_event(
                    kind=EventKind.CANCELLED,
                    alert=alert,
                    prepared=prepared,
                    row=row,
                    reason="" if row >= 0 else _GONE,
                )
                return
            alert = replace(alert, true_count=alert.true_count + 1)
            self.promote_or_keep(prepared, alert, row, new=False)
            return
        cleared = self.cleared(prepared, decision, row)
        if cleared:
            clear_since = alert.clear_since or self.now
            alert = replace(alert, clear_count=alert.clear_count + 1, clear_since=clear_since)
            keep = rule.keep_firing_for
            if alert.clear_count > keep.evaluations and self.now - clear_since >= keep.duration:
                del self.alerts[alert.key]
                resolved = replace(alert, status=AlertStatus.RESOLVED, since=self.now)
                self.alert_event(
                    kind=EventKind.RESOLVED,
                    alert=resolved,
                    prepared=prepared,
                    row=row,
                    clear=prepared.compiled.clear is not None,
                    reason="" if row >= 0 else _GONE,
                )
                return
            self.alerts[alert.key] = alert
        elif alert.clear_count:
            alert = replace(alert, clear_count=0, clear_since=None)
            self.alerts[alert.key] = alert
        self.climb(prepared, alert, row)

    def cleared(self, prepared: _Prepared, decision: int, row: int) -> bool:
        if row < 0:
            return True
        if decision == 1:
            return False
        if prepared.clear_codes is not None:
            return bool(prepared.clear_codes[row] == Outcome.TRUE)
        return decision == 0

    def climb(self, prepared: _Prepared, alert: Alert, row: int) -> None:
        rungs = prepared.compiled.rule.rungs
        rung = rungs[alert.rung]
        if (
            alert.status is not AlertStatus.FIRING
            or (rung.escalate_after is None and rung.escalate_after_hours is None)
            or alert.rung + 1 >= len(rungs)
            or alert.rung_since is None
        ):
            return
        reason = climb_due(
            self.calendar, alert.rung_since, self.now, rung, rule=alert.rule, cache=self.deadlines
        )
        if reason is None:
            return
        nxt = rungs[alert.rung + 1]
        fields = self.rung_fields(nxt, alert.amount, by_amount=prepared.by_amount[alert.rung + 1])
        alert = replace(alert, rung=alert.rung + 1, rung_since=self.now, **fields)
        self.alerts[alert.key] = alert
        self.alert_event(kind=EventKind.ESCALATED, alert=alert, prepared=prepared, row=row, reason=reason)


_ROUTED = (EventKind.FIRING, EventKind.ESCALATED, EventKind.PENDING)
"""The events whose reason ends with the rung's owner and level (a tuple: compared by identity)."""

_GONE = "the entity is no longer in the facts"
"""The reason of an alert cancelled or resolved because no record of its entity is left."""

_OUTCOMES = tuple(Outcome)
"""Each outcome by its code (a batch result's ``int8``)."""


class _Records:
    """What the explanations of one rule's events in a step share: the rule, the clock and the cells.

    Explanations depend only on the cells the rule reads (its schema's fields and its amount
    field), so records that agree on those share one: each is computed once per rule and step.
    """

    __slots__ = ("as_of", "calendar", "cells", "compiled", "explained", "keyed", "shown", "template")

    def __init__(self, compiled: CompiledRule, as_of: datetime.date, calendar: BusinessCalendar) -> None:
        self.compiled, self.as_of, self.calendar = compiled, as_of, calendar
        self.cells: dict[str, Any] = {}
        self.explained: dict[tuple[object, ...], tuple[dict[str, str], str, bool]] = {}
        amount = compiled.rule.amount
        self.keyed = sorted({*compiled.schema, *([amount] if amount else [])})
        self.template = _parsed(compiled.rule.message)
        self.shown: dict[tuple[object, ...], str] = {}  # each placeholder's text by its value

    def record(self, index: int) -> dict[str, Any]:
        """The cells of the ``index``-th filed row, by field name."""
        return {name: values[index] for name, values in self.cells.items()}

    def message(self, record: Mapping[str, Any]) -> str:
        """The rule's message filled from ``record``."""
        return _filled(self.template, record, self.compiled, self.shown)

    def message_at(self, index: int) -> str:
        """:meth:`message` of the ``index``-th filed row (its cells the message shows, alone)."""
        cells = self.cells
        record = {name: cells[name][index] for _, name, _ in self.template if name and name in cells}
        return _filled(self.template, record, self.compiled, self.shown)

    def explanation(self, record: Mapping[str, Any], *, clear: bool) -> tuple[dict[str, str], str, bool]:
        """The inputs and reason of ``record``'s evaluation, and whether the reason is the condition's.

        With ``clear``, the clearing condition's evaluation explains it when the rule has one
        (its reason starts with ``cleared:`` and takes no routing).
        """
        key = _memo_key(record, self.keyed, clear=clear)
        found = None if key is None else self.explained.get(key)
        if found is None:
            found = self._explain(record, clear=clear)
            if key is not None:
                self.explained[key] = found
        return found

    def _explain(self, record: Mapping[str, Any], *, clear: bool) -> tuple[dict[str, str], str, bool]:
        compiled, as_of, calendar = self.compiled, self.as_of, self.calendar
        evaluation = compiled.evaluate(record, as_of=as_of, calendar=calendar)
        reason, plain = evaluation.explanation.reason, True
        if clear:
            cleared = compiled.evaluate_clear(record, as_of=as_of, calendar=calendar)
            if cleared is not None:
                evaluation, reason, plain = cleared, f"cleared: {cleared.explanation.reason}", False
        inputs = dict(evaluation.explanation.facts)
        amount = compiled.rule.amount
        if amount is not None and amount not in inputs:  # the amount the owner was resolved by
            try:
                inputs[amount] = json_value(read_value(amount, record.get(amount), FieldType.NUMBER))
            except EvalFailure:
                inputs[amount] = "null"
        return inputs, reason, plain


_PLAIN = (str, np.str_, bool, np.bool_, int, type(None), datetime.date)
"""Cell types told apart by value alone when explanations are shared (a float by its ``repr``)."""

_UNKEYED = object()
"""The key of a cell no key stands for (it is explained or shown on its own)."""


def _cell_key(value: object) -> object:
    """A cell's type and value, told apart as it reads and shows, or :data:`_UNKEYED`.

    Values that compare equal but read or show differently (``1`` and ``True``, ``0.0`` and
    ``-0.0``, dates of two units) get different keys; a cell of any other type gets none.
    """
    kind = value.__class__
    if kind in _PLAIN:
        return (kind, value)
    if isinstance(value, float | np.floating):
        return (kind, repr(value))
    if isinstance(value, np.generic):
        return (kind, value.dtype.str, value.tobytes())
    return _UNKEYED


def _memo_key(record: Mapping[str, Any], names: Sequence[str], *, clear: bool) -> tuple[object, ...] | None:
    """What decides a record's explanation: the :func:`_cell_key` of each cell it reads, or ``None``."""
    parts: list[object] = [clear]
    for name in names:
        cell = _cell_key(record.get(name))
        if cell is _UNKEYED:
            return None
        parts.append(cell)
    return tuple(parts)


class _Explained(Deferred):
    """An event's inputs, reason and message: the explanation of one record's evaluation.

    Explaining (reading the record again, clause by clause, and rendering the message) costs
    far more than deciding, and a replay makes many events of which a report reads few, so
    :func:`step` keeps the record and explains it when the event is first read. The record is
    a copy of the row's cells, so an event does not keep the facts' columns alive: the cells of
    every row a rule's events explain are copied together once the rule has run
    (:meth:`_Prepared.keep_records`, into the rule's :class:`_Records`), and each event reads its
    own row of that copy.
    """

    __slots__ = ("clear", "computed", "index", "reason", "records", "suffix")

    def __init__(self, records: _Records, index: int, clear: bool, reason: str | None, suffix: str) -> None:
        self.records = records
        self.index = index
        self.clear = clear
        self.reason = reason
        self.suffix = suffix
        self.computed: dict[str, Any] | None = None

    def compute(self) -> Mapping[str, Any]:
        """The event's ``inputs``, ``reason`` and ``message`` (computed once)."""
        if self.computed is None:
            records = self.records
            record = records.record(self.index)
            inputs, reason, plain = records.explanation(record, clear=self.clear)
            if self.reason is not None:
                reason = self.reason
            elif plain:
                reason = f"{reason}{self.suffix}"
            self.computed = {"inputs": dict(inputs), "reason": reason, "message": records.message(record)}
        return self.computed


class LatestEvaluation:
    """An open alert's evaluation at a step (``step(..., latest={})``): its record, explained when read.

    ``held`` says whether the alert's condition held on the record (its message then has the
    values the alert fires on today); :attr:`message`, :attr:`reason` and :attr:`inputs` are
    those an event explained by the record would have (the reason ends with the alert's
    current owner and level, as a firing event's does), and :meth:`value` is any cell kept.
    """

    __slots__ = ("_computed", "_message", "held", "index", "records", "suffix")

    def __init__(self, records: _Records, index: int, *, held: bool, suffix: str) -> None:
        self.records, self.index, self.held, self.suffix = records, index, held, suffix
        self._computed: tuple[dict[str, str], str] | None = None
        self._message: str | None = None

    def _explained(self) -> tuple[dict[str, str], str]:
        if self._computed is None:
            record = self.records.record(self.index)
            inputs, reason, _ = self.records.explanation(record, clear=False)
            self._computed = (inputs, f"{reason}{self.suffix}")
        return self._computed

    @property
    def message(self) -> str:
        """The rule's message with the record's values (filled without explaining the record)."""
        if self._message is None:
            self._message = self.records.message_at(self.index)
        return self._message

    @property
    def reason(self) -> str:
        """Why the condition reads as it does on the record, and the alert's routing."""
        return self._explained()[1]

    @property
    def inputs(self) -> dict[str, str]:
        """The facts the condition read (JSON text of each value)."""
        return dict(self._explained()[0])

    def value(self, name: str) -> Any:  # noqa: ANN401 - a fact of any type
        """The record's cell of ``name`` (``None`` when the facts have no such column)."""
        column = self.records.cells.get(name)
        return None if column is None else column[self.index]

    def __repr__(self) -> str:
        return f"LatestEvaluation(held={self.held!r}, message={self.message!r})"


Facts: TypeAlias = "Columns | Mapping[FactKind, Any] | Sequence[Mapping[str, Any]]"
"""Columns (or a data frame), a list of records, or either of them per :class:`FactKind`."""


def _by_kind(facts: object) -> bool:
    return isinstance(facts, Mapping) and bool(facts) and all(isinstance(k, FactKind) for k in facts)


def _facts_for(facts: Facts, kind: FactKind) -> tuple[Mapping[str, Any] | None, str]:
    """The columns the rules of ``kind`` read, and the path they were given at."""
    if _by_kind(facts):
        chosen = cast("Mapping[FactKind, Any]", facts).get(kind)
        path = f"$.facts.{kind.value}"
        return (None if chosen is None else _columns(chosen, path)), path
    return _columns(facts, "$.facts"), "$.facts"


def _columns(facts: object, path: str) -> Mapping[str, Any]:
    if isinstance(facts, Mapping):
        return facts
    if is_frame(facts):  # pandas, polars, pyarrow or an Arrow stream: read through the frame layer
        return columns_of(facts, path)
    if isinstance(facts, Sequence) and not isinstance(facts, str | bytes | bytearray):
        names: dict[object, None] = {}
        for index, record in enumerate(facts):
            if not isinstance(record, Mapping):
                raise ValidationError.single(
                    f"{path}[{index}]", "type", f"a record must be a mapping (got {type(record).__name__})"
                )
            for name in record:
                _check.instance(name, str, f"{path}[{index}]", "a record of field names (strings)")
                names[name] = None
        columns: dict[str, Any] = {}
        for name in names:
            column = np.empty(len(facts), dtype=object)
            column[:] = [record.get(name) for record in facts]
            columns[cast("str", name)] = column
        return columns
    raise ValidationError.single(
        path,
        "type",
        "facts must be columns, a data frame, a list of records, or a mapping by FactKind"
        f" (got {type(facts).__name__})",
    )


def _compiled(rules: object) -> list[CompiledRule]:
    """Rules as compiled rules, each checked at ``$.rules[i]``."""
    compiled: list[CompiledRule] = []
    for index, item in enumerate(_check.sequence(rules, "$.rules")):
        if isinstance(item, CompiledRule):
            compiled.append(item)
        else:
            rule = _check.instance(item, Rule, f"$.rules[{index}]", "a Rule or CompiledRule")
            compiled.append(compile_rule(rule))
    return compiled


def _takes_amount(directory: OwnerDirectory | _PlainDirectory) -> bool:
    """Whether ``directory.decision_holder`` takes an ``amount`` keyword (an older one may not)."""
    try:
        signature = inspect.signature(directory.decision_holder)
    except (TypeError, ValueError):  # no signature to read: it cannot be shown to take one
        return False
    try:
        signature.bind("decision", amount=None)
    except TypeError:
        return False
    return True


def _check_directory(compiled: Sequence[CompiledRule], directory: OwnerDirectory | _PlainDirectory) -> None:
    """A rule routing decisions by amount needs a directory that takes the amount (never routed without)."""
    routing = [
        c.rule.id
        for c in compiled
        if c.rule.amount is not None and any(r.owner.kind is OwnerKind.DECISION for r in c.rule.rungs)
    ]
    if routing and not _takes_amount(directory):
        _check.fail(
            "$.directory",
            "type",
            f"rule {routing[0]!r} resolves decision owners by the amount at stake, but"
            f" {type(directory).__name__}.decision_holder() takes no 'amount' argument"
            " (add 'amount: float | None = None' to it)",
        )


def _reference(state: State) -> tuple[datetime.datetime, str] | None:
    """The first time the state holds (all of them are aware, or all naive), and its path."""
    for when, path in state.moments():
        if when is not None:
            return when, f"$.state{path[1:]}"
    return None


def _same_clock(moment: datetime.datetime, path: str, state: State) -> None:
    """``moment`` must be aware if the state's times are, naive if they are naive."""
    reference = _reference(state)
    if reference is not None:
        _check.aware_or_naive(moment, path, *reference)


def _check_rungs(compiled: Sequence[CompiledRule], state: State) -> None:
    """Every open alert of these rules must be on a rung their ladders have (a shortened ladder)."""
    rungs = {c.rule.id: len(c.rule.rungs) for c in compiled}
    for key, alert in state.alerts.items():
        count = rungs.get(alert.rule)
        if count is not None and alert.rung >= count:
            _check.fail(
                f"$.state.alerts[{_key(key)}].rung",
                "range",
                f"the alert is on rung {alert.rung} but rule {alert.rule!r} has {count} rung(s)"
                " (was its ladder shortened? resolve or re-file the alert)",
            )


def step(
    rules: Iterable[Rule | CompiledRule],
    state: State,
    facts: Facts,
    now: datetime.datetime,
    calendar: BusinessCalendar | None = None,
    *,
    directory: OwnerDirectory | _PlainDirectory | None = None,
    latest: dict[str, LatestEvaluation] | None = None,
    read: Iterable[str] = (),
) -> tuple[State, tuple[Event, ...]]:
    """Evaluate every rule on one snapshot of facts and advance the alerts.

    Args:
        rules: Rules (compiled on the fly with an inferred schema) or compiled rules, in order.
        state: The previous state (``State()`` to start).
        facts: The snapshot: columns (name to array), a data frame (pandas, polars, pyarrow)
            or a list of records, read by every rule;
            or a mapping from :class:`FactKind` to such columns or records, each read by the
            rules of that kind (rules whose kind is absent are not evaluated and keep their state).
        now: The evaluation time (the injected clock). ``today`` in rules is ``now.date()``.
            It is time-zone aware if the state's times are, naive if they are naive.
        calendar: The business-day calendar for deadlines, climbs and ``business_days_between``.
        directory: Resolves RACI owners (``raci.ScopeSplit`` or :class:`MappingDirectory`); one
            whose ``decision_holder`` takes no ``amount`` serves only rules without
            :attr:`Rule.amount <comanaged_rcm.escalation.Rule.amount>` decision owners.
        latest: A dict the step fills, by dedup key, with the :class:`LatestEvaluation` of each
            alert open after it (firing or acknowledged) whose entity has a record in
            ``facts``: the record the step decided it by (its first record where the condition
            held, else its first record), explained when read. A report reads each open alert's
            current message and explanation there, whether or not the alert changed, without
            stepping again. Other keys are left as they are; filled only when the step succeeds.
        read: With ``latest``, more fields whose values the evaluations keep (one the report
            shows that the rule does not read, such as ``balance``).

    Returns:
        The new state, and the events of every change, in order (rule order, then dedup key).

    Raises:
        ValidationError: Bad rules, state or facts; ``now`` not a datetime, going back before
            an alert's last change, or naive where the state is aware (or the other way round);
            an alert on a rung its rule's ladder no longer has; ``latest`` not a dict, ``read``
            not a sequence of field names, or given without ``latest``. The state given is
            never changed.
        RuleSyntaxError: A rule that does not compile.
    """
    fields = enumerate(_check.sequence(read, "$.read"))
    names = tuple(_check.field_name(name, f"$.read[{i}]") for i, name in fields)
    if latest is None:
        if names:
            _check.fail("$.read", "value", "'read' names the fields latest evaluations keep: pass 'latest'")
        with no_cycle_collection():
            new_state, events, _ = _step(rules, state, facts, now, calendar, directory=directory, keep=None)
        return new_state, events
    _check.instance(latest, dict, "$.latest", "a dict to fill with the latest evaluations")
    with no_cycle_collection():
        new_state, events, found = _step(rules, state, facts, now, calendar, directory=directory, keep=names)
    latest.update(found)
    return new_state, events


def _step(
    rules: Iterable[Rule | CompiledRule],
    state: State,
    facts: Facts,
    now: datetime.datetime,
    calendar: BusinessCalendar | None,
    *,
    directory: OwnerDirectory | _PlainDirectory | None,
    keep: tuple[str, ...] | None,
) -> tuple[State, tuple[Event, ...], dict[str, LatestEvaluation]]:
    """:func:`step`; with ``keep`` (the extra fields to keep), each open alert's latest evaluation."""
    compiled = _compiled(rules)
    _check.instance(state, State, "$.state")
    moment(now, "$.now")
    _same_clock(now, "$.now", state)
    calendar = BusinessCalendar() if calendar is None else calendar
    _check.instance(calendar, BusinessCalendar, "$.calendar")
    if directory is not None and not isinstance(directory, OwnerDirectory):
        _check.fail(
            "$.directory",
            "type",
            f"'directory' must have accountable_for() and decision_holder() (got {type(directory).__name__})",
        )
    if directory is not None:
        _check_directory(compiled, directory)
    latest = max((a.since for a in state.alerts.values()), default=None)
    if latest is not None and now < latest:
        raise ValidationError.single(
            "$.now", "range", f"'now' must not go back in time (got {now.isoformat()} < {latest.isoformat()})"
        )
    _check_rungs(compiled, state)
    label_fields: list[str] = []
    for c in compiled:
        extra = [*c.rule.dedup_keys, *c.rule.group_by, *(f for i in c.rule.inhibited_by for f in i.equal)]
        label_fields.extend(f for f in extra if f not in label_fields)
    stepper = _Stepper(state, now, calendar, directory, latest=keep is not None)
    stepper.expire_silences()
    spans: list[tuple[str, int, int]] = []  # each rule's run: its events' positions in the step's
    # the rules of one kind read one batch: each column is checked and converted once
    read: dict[FactKind, tuple[BatchContext, dict[str, Any]] | None] = {}
    for c in compiled:
        kind = c.rule.applies_to
        if kind not in read:
            columns, path = _facts_for(facts, kind)
            batch = None if columns is None else BatchContext(columns, now.date(), calendar, path)
            read[kind] = None if batch is None or columns is None else (batch, _positional(columns))
        found = read[kind]
        if found is not None:
            before = len(stepper.events)
            stepper.run_rule(_Prepared(c, found[0], found[1], label_fields, read=keep or ()))
            spans.append((c.rule.id, before, len(stepper.events)))
    _inhibit(stepper, compiled, spans)
    alerts = dict(sorted(stepper.alerts.items()))
    new_state = build(State, alerts=alerts, silences=stepper.silences, sequence=stepper.sequence)
    evaluations = stepper.latest or {}
    return new_state, tuple(stepper.events), {k: evaluations[k] for k in alerts if k in evaluations}


def _inhibit(
    stepper: _Stepper, compiled: Sequence[CompiledRule], spans: Sequence[tuple[str, int, int]]
) -> None:
    """Mark this step's events muted by a live alert of an inhibiting rule with equal labels.

    ``spans`` are the rules' runs in the step: each rule id with the positions of the events its
    run appended (only the runs of inhibited rules are read). Live alerts are indexed once per
    (rule, equal labels), so the pass is linear in events plus alerts; the first live alert in
    key order inhibits, as a scan would find it.
    """
    inhibited = {c.rule.id: c.rule.inhibited_by for c in compiled if c.rule.inhibited_by}
    if not inhibited:
        return
    firing, acknowledged = AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED
    live = [a for a in stepper.alerts.values() if a.status is firing or a.status is acknowledged]
    tables: dict[tuple[str, tuple[str, ...]], dict[tuple[str | None, ...], Alert]] = {}
    checks: dict[str, list[tuple[str, tuple[str, ...], dict[tuple[str | None, ...], Alert]]]] = {}
    for rule_id, inhibitions in inhibited.items():
        for inhibition in inhibitions:
            equal = tuple(inhibition.equal)
            if (inhibition.rule, equal) not in tables:
                table: dict[tuple[str | None, ...], Alert] = {}
                for alert in live:
                    if alert.rule == inhibition.rule:
                        table.setdefault(tuple(alert.labels.get(name) for name in equal), alert)
                tables[inhibition.rule, equal] = table
            checks.setdefault(rule_id, []).append((inhibition.rule, equal, tables[inhibition.rule, equal]))
    if not any(table for table in tables.values()):
        return  # no live alert of an inhibiting rule: nothing is muted
    events = stepper.events
    for rule_id, start, end in spans:
        found = checks.get(rule_id)
        if found is not None:
            _mute(events[start:end], found)


def _mute(
    events: Sequence[Event], found: Sequence[tuple[str, tuple[str, ...], dict[tuple[str | None, ...], Alert]]]
) -> None:
    """Mark each of one rule's events that a live alert of one of its inhibitions mutes."""
    for event in events:
        if event.suppressed_by:
            continue
        labels = event.labels
        for source_rule, equal, table in found:
            if not table or not all(name in labels for name in equal):
                continue
            source = table.get(tuple([labels[name] for name in equal]))
            if source is not None:  # this step's own event, not handed out yet: amended in place
                _set_suppressed(event, f"inhibited by {source_rule} ({source.key})")
                break


def acknowledge(
    state: State, key: str, *, actor: str, at: datetime.datetime, note: str = ""
) -> tuple[State, tuple[Event, ...]]:
    """Acknowledge a firing alert: it stops climbing the ladder and stays open until it clears.

    Args:
        state: The state holding the alert.
        key: The alert's dedup key.
        actor: Who acknowledges.
        at: When (time-zone aware if the state's times are, naive if they are naive).
        note: Why, or what happens next (the event's reason; default "acknowledged by ...").

    Raises:
        ValidationError: When no firing alert has ``key``, ``actor`` is empty, or ``at`` is not
            a datetime or is naive where the state is aware (or the other way round).
    """
    _check.instance(state, State, "$.state")
    _check.instance(key, str, "$.key", "a string")
    _check.text(actor, "$.actor")
    moment(at, "$.at")
    _check.text(note, "$.note", empty=True, multiline=True)
    alert = state.alerts.get(key)
    if alert is None or alert.status is not AlertStatus.FIRING:
        status = "no alert" if alert is None else f"the alert is {alert.status.value}"
        raise ValidationError.single(
            "$.key", "state", f"only a firing alert can be acknowledged ({_key(key)}: {status})"
        )
    _same_clock(at, "$.at", state)
    acked = attrs.evolve(alert, status=AlertStatus.ACKNOWLEDGED, since=at, acknowledged_by=actor)
    sequence = state.sequence + 1
    event = Event(
        sequence=sequence,
        at=at,
        kind=EventKind.ACKNOWLEDGED,
        rule=alert.rule,
        rule_version=alert.rule_version,
        rule_hash=alert.rule_hash,
        key=key,
        labels=dict(alert.labels),
        level=alert.level,
        owner=alert.owner,
        deadline=alert.deadline,
        deadline_at=alert.deadline_at,
        actor=actor,
        reason=note or f"acknowledged by {actor}",
    )
    alerts = {**state.alerts, key: acked}
    return attrs.evolve(state, alerts=alerts, sequence=sequence), (event,)


def add_silence(state: State, silence: Silence) -> tuple[State, tuple[Event, ...]]:
    """Add a silence (audited with its author, reason and expiry).

    Raises:
        ValidationError: When a silence with the same id exists, or the silence's times are
            naive where the state's are aware (or the other way round).
    """
    _check.instance(state, State, "$.state")
    _check.instance(silence, Silence, "$.silence")
    _same_clock(silence.created, "$.silence.created", state)
    if any(s.id == silence.id for s in state.silences):
        raise ValidationError.single("$.id", "duplicate", f"silence id {silence.id!r} already exists")
    sequence = state.sequence + 1
    event = Event(
        sequence=sequence,
        at=silence.created,
        kind=EventKind.SILENCED,
        rule=silence.rule,
        labels=dict(silence.matchers),
        actor=silence.author,
        reason=f"{silence.reason} (until {silence.expires.isoformat()})",
    )
    return attrs.evolve(state, silences=(*state.silences, silence), sequence=sequence), (event,)


def group_events(events: Iterable[Event]) -> dict[str, tuple[Event, ...]]:
    """Group events for notification by their group (rule id and ``group_by`` values), in order.

    Raises:
        ValidationError: When ``events`` is not a sequence of :class:`Event`.
    """
    groups: dict[str, list[Event]] = {}
    for event in _check.tuple_of(events, Event, "$.events"):
        groups.setdefault(event.group or (event.rule or ""), []).append(event)
    return {name: tuple(items) for name, items in groups.items()}
