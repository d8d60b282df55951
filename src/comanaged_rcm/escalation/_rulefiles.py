"""Rule files in the shape of Prometheus alerting rules, read into (and written from) a :class:`RuleSet`.

A vendor who knows Prometheus writes::

    {"groups": [{"name": "denials", "rules": [
        {"alert": "write_off_over_limit",
         "expr": "action == 'write_off' and balance > 5000",
         "for": "1h",
         "labels": {"severity": "critical", "level": "provider_decision_owner",
                    "owner": "decision:write_off", "applies_to": "queue_item",
                    "deadline": "2bd", "payer": "AETNA"},
         "annotations": {"runbook_url": "https://wiki.example/write-offs"}}]}]}

``alert`` is the rule's id, ``expr`` its condition (the rule language, not PromQL), ``for`` and
``keep_firing_for`` its holds, and ``amount`` (a key Prometheus lacks) the field holding the amount
at stake that decision owners are resolved with (:attr:`Rule.amount`). Six labels map onto
:class:`Rule` fields: ``severity``, ``level``, ``owner`` (``accountable:<workflow>``,
``decision:<decision type>`` or ``party:<id>``), ``applies_to``, ``deadline`` (business days,
``3bd``, or business hours in the provider's time zone, ``4bh``) and ``dedup_keys`` (field names,
comma separated). The other labels and every annotation are kept in :class:`RuleExtras`, returned
alongside the rules in a :class:`RuleFile`, because a :class:`Rule` does not carry them.

Durations are :class:`Duration` strings: ``30s``, ``10m``, ``4h``, ``2d``, ``1w``, combinations
largest unit first (``1h30m``), or business days alone (``3bd``). A :class:`Rule` holds whole hours
(:class:`Hold`), so a ``for`` of ``10m`` holds for one hour in the rule (never less than asked);
the exact duration is kept in :class:`RuleExtras` and written back.

>>> doc = {"groups": [{"name": "g", "rules": [{"alert": "big", "expr": "balance > 5000",
...     "for": "90m", "labels": {"level": "onshore_lead", "owner": "accountable:denials",
...     "applies_to": "claim", "team": "east"}}]}]}
>>> rules = RuleFile.from_dict(doc)
>>> rules.rule_set.rules[0].pending_for
Hold(evaluations=0, hours=2)
>>> rules.extras["big"].labels, str(rules.extras["big"].pending_for)
({'team': 'east'}, '1h30m')
>>> rules.to_dict()["groups"][0]["rules"][0]["for"]
'1h30m'

JSON is read with the standard library. YAML needs PyYAML, an optional extra
(``pip install 'comanaged-rcm[yaml]'``), imported only when a YAML file is read or written.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from comanaged_rcm import _check
from comanaged_rcm._check import as_int, as_tuple, v
from comanaged_rcm.errors import Issue, RCMError, ValidationError
from comanaged_rcm.escalation._hours import MAX_DEADLINE_HOURS
from comanaged_rcm.escalation._models import (
    AlertSeverity,
    FactKind,
    Hold,
    Level,
    Owner,
    OwnerKind,
    Rule,
    RuleSet,
)

__all__ = [
    "FORMATS",
    "MAPPED_LABELS",
    "MAX_DURATION_BUSINESS_DAYS",
    "MAX_DURATION_SECONDS",
    "MAX_FILE_CHARS",
    "MAX_RULES",
    "Duration",
    "RuleExtras",
    "RuleFile",
    "RuleGroup",
]

T = TypeVar("T")

MAX_DURATION_SECONDS = 10 * 366 * 24 * 3600
"""The longest clock-time :class:`Duration`: ten years of 366 days (the longest hold a rule takes)."""

MAX_DURATION_BUSINESS_DAYS = 3660
"""The most business days a :class:`Duration` (and so a ``deadline``) holds: about fourteen years."""

MAX_FILE_CHARS = 10_000_000
"""The longest rule-file text read."""

MAX_RULES = 10_000
"""The most rules a rule file holds (all groups together)."""

MAX_LABELS = 100
"""The most labels (or annotations) one rule holds."""

MAX_LABEL_VALUE = 1_000
"""The longest label value."""

FORMATS = ("json", "yaml")
"""The text formats of :meth:`RuleFile.loads` and :meth:`RuleFile.dumps`."""

MAPPED_LABELS = ("severity", "level", "owner", "applies_to", "deadline", "dedup_keys")
"""The labels read into :class:`Rule` fields; every other label is kept in :class:`RuleExtras`."""

_REQUIRED_LABELS = ("level", "owner", "applies_to")
_RESERVED_LABELS = ("alertname",)
_TOP_KEYS = ("groups",)
_GROUP_KEYS = ("name", "rules")
_RULE_KEYS = ("alert", "expr", "for", "keep_firing_for", "labels", "annotations", "amount")
_UNITS = (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_CLOCK = re.compile(r"(?:(\d{1,12})w)?(?:(\d{1,12})d)?(?:(\d{1,12})h)?(?:(\d{1,12})m)?(?:(\d{1,12})s)?\Z")
_BUSINESS = re.compile(r"(\d{1,12})bd\Z")
_BUSINESS_HOURS = re.compile(r"(\d{1,12})bh\Z")
_OWNER_KINDS = tuple(kind.value for kind in OwnerKind)
_SHAPE = "a duration like '30s', '10m', '4h', '2d', '1w', '1h30m' or '3bd'"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _key(path: str, key: object) -> str:
    """The path of a mapping's key: ``$.labels.team``, or ``$.labels['a b']`` for an odd key."""
    if isinstance(key, str) and len(key) <= 200 and _NAME.match(key):
        return f"{path}.{key}"
    return f"{path}[{_check.show(key)}]"


def _path_arg(value: object) -> str:
    """A ``path`` argument (where the caller's value was given, as errors name it: ``$.for``)."""
    if not isinstance(value, str) or not value.startswith("$") or len(value) > 200 or not value.isprintable():
        _check.fail("$.path", "format", f"'path' must be a path like '$.for' (got {_check.show(value)})")
    return value


# ------------------------------------------------------------------------------------- durations
def _clock_seconds(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check.count(value, f"$.{attribute.name}", minimum=0, maximum=MAX_DURATION_SECONDS)
    if not isinstance(value, int):
        _check.fail(f"$.{attribute.name}", "type", f"'seconds' must be an int (got {_check.show(value)})")


def _business_days(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check.count(value, f"$.{attribute.name}", minimum=0, maximum=MAX_DURATION_BUSINESS_DAYS)
    if not isinstance(value, int):
        _check.fail(
            f"$.{attribute.name}", "type", f"'business_days' must be an int (got {_check.show(value)})"
        )


@attrs.frozen
class Duration:
    """A span of clock time, or a number of business days (never both).

    Args:
        seconds: Clock time, 0 to :data:`MAX_DURATION_SECONDS` (ten years).
        business_days: Business days, 0 to :data:`MAX_DURATION_BUSINESS_DAYS` (3660).

    Raises:
        ValidationError: A value out of range, or both given.

    >>> Duration.parse("1h30m"), str(Duration(5400)), str(Duration(business_days=3))
    (Duration(seconds=5400, business_days=0), '1h30m', '3bd')
    >>> Duration.parse("90 minutes", "$.for")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'for' must be a duration like '30s',
    '10m', '4h', '2d', '1w', '1h30m' or '3bd' (got '90 minutes') @ $.for
    """

    seconds: int = attrs.field(default=0, converter=as_int, validator=_clock_seconds)
    business_days: int = attrs.field(default=0, converter=as_int, validator=_business_days)

    def __attrs_post_init__(self) -> None:
        if self.seconds and self.business_days:
            message = "a duration is clock time or business days, not both"
            raise ValidationError(
                [Issue("$.seconds", "value", message), Issue("$.business_days", "value", message)]
            )

    @classmethod
    def parse(cls, text: object, path: str = "$.text") -> Duration:
        """Read a duration string (``10m``, ``1h30m``, ``3bd``; units largest first, each once).

        Args:
            text: The duration string.
            path: Where it was given, for the error (a path such as ``$.for``).

        Returns:
            The duration.

        Raises:
            ValidationError: Not a string of that shape, or longer than ten years (3660 business
                days); a ``path`` that is not a path (at ``$.path``).

        >>> Duration.parse("2w1d").seconds
        1296000
        """
        path = _path_arg(path)
        name = _check.name_of(path)
        if not isinstance(text, str):
            _check.fail(path, "type", f"{name!r} must be {_SHAPE} (got {_check.show(text)})")
        business = _BUSINESS.match(text)
        if business:
            days = int(business.group(1))
            if days > MAX_DURATION_BUSINESS_DAYS:
                _check.fail(
                    path, "range", f"{name!r} must be at most {MAX_DURATION_BUSINESS_DAYS}bd (got {text!r})"
                )
            return cls(business_days=days)
        clock = _CLOCK.match(text)
        if not text or clock is None:
            hint = " (units are lowercase)" if _CLOCK.match(text.lower()) and text != text.lower() else ""
            _check.fail(path, "format", f"{name!r} must be {_SHAPE} (got {_check.show(text)}){hint}")
        seconds = sum(
            int(part) * size for part, (_, size) in zip(clock.groups(), _UNITS, strict=True) if part
        )
        if seconds > MAX_DURATION_SECONDS:
            _check.fail(path, "range", f"{name!r} must be at most ten years (3660d) (got {text!r})")
        return cls(seconds=seconds)

    def __str__(self) -> str:
        if self.business_days:
            return f"{self.business_days}bd"
        rest, parts = self.seconds, []
        for unit, size in _UNITS:
            amount, rest = divmod(rest, size)
            if amount:
                parts.append(f"{amount}{unit}")
        return "".join(parts) or "0s"

    def __bool__(self) -> bool:
        return bool(self.seconds or self.business_days)

    def hold(self, path: str = "$.duration") -> Hold:
        """The :class:`Hold` a rule gets: whole hours, rounded up (a hold is never shorter than asked).

        Args:
            path: Where the duration was given, for the error.

        Raises:
            ValidationError: A duration in business days (a hold counts clock time); a ``path``
                that is not a path (at ``$.path``).

        >>> Duration.parse("10m").hold(), Duration.parse("2d").hold()
        (Hold(evaluations=0, hours=1), Hold(evaluations=0, hours=48))
        """
        path = _path_arg(path)
        if self.business_days:
            name = _check.name_of(path)
            _check.fail(
                path,
                "value",
                f"{name!r} counts clock time (s, m, h, d, w), not business days (got {str(self)!r})",
            )
        return Hold(hours=math.ceil(self.seconds / 3600))


# ----------------------------------------------------------------------------------- the models
def _text_map(kind: str, *, multiline: bool, maximum: int) -> _check.Validator:
    def validate(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        path = f"$.{attribute.name}"
        _check.instance(value, dict, path, f"a mapping of {kind} name to text")
        if len(value) > MAX_LABELS:
            message = f"{attribute.name!r} must hold at most {MAX_LABELS} items (got {len(value)})"
            _check.fail(path, "range", message)
        for key, item in value.items():
            _check.field_name(key, _key(path, key))
            _check.text(item, f"{path}.{key}", multiline=multiline, maximum=maximum)

    return validate


def _as_dict(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A mapping as a plain ``dict``; anything else stays for the validator to report."""
    return dict(value) if isinstance(value, Mapping) and not isinstance(value, dict) else value


def _free_labels(_: object, attribute: attrs.Attribute[Any], value: dict[str, str]) -> None:
    for key in value:
        if key in MAPPED_LABELS or key in _RESERVED_LABELS:
            why = "is set by 'alert'" if key in _RESERVED_LABELS else "maps onto a Rule field"
            _check.fail(f"$.{attribute.name}.{key}", "value", f"label {key!r} {why}; it is not a free label")


@attrs.frozen(kw_only=True)
class RuleExtras:
    """What a rule file says about a rule that its :class:`Rule` does not hold.

    Args:
        labels: The labels that are not :data:`MAPPED_LABELS` (``team``, ``payer``...).
        annotations: Every annotation (``summary``, ``runbook_url``...); text, lines allowed.
        pending_for: The exact ``for`` (the rule holds it in whole hours).
        keep_firing_for: The exact ``keep_firing_for``.

    Raises:
        ValidationError: A name that is not a field name, a value that is not text, a mapped or
            reserved label among the free ones, or a duration in business days.

    >>> RuleExtras(labels={"team": "east"}).labels
    {'team': 'east'}
    """

    labels: dict[str, str] = attrs.field(
        factory=dict,
        converter=_as_dict,
        validator=[_text_map("label", multiline=False, maximum=MAX_LABEL_VALUE), _free_labels],
    )
    annotations: dict[str, str] = attrs.field(
        factory=dict,
        converter=_as_dict,
        validator=_text_map("annotation", multiline=True, maximum=_check.MAX_TEXT),
    )
    pending_for: Duration = attrs.field(factory=Duration, validator=v.instance(Duration))
    keep_firing_for: Duration = attrs.field(factory=Duration, validator=v.instance(Duration))

    def __attrs_post_init__(self) -> None:
        self.pending_for.hold("$.pending_for")
        self.keep_firing_for.hold("$.keep_firing_for")


def _group_rules(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    items = _check.tuple_of(value, str, f"$.{attribute.name}")
    seen: set[str] = set()
    for index, rule_id in enumerate(items):
        _check.identifier(rule_id, f"$.rules[{index}]")
        if rule_id in seen:
            _check.fail(f"$.rules[{index}]", "duplicate", f"alert {rule_id!r} repeats in the group")
        seen.add(rule_id)


@attrs.frozen(kw_only=True)
class RuleGroup:
    """A named group of rules, in the file's order.

    Args:
        name: The group's name (unique in the file).
        rules: The ids of its rules, in order (unique).

    >>> RuleGroup(name="denials", rules=["a", "b"]).rules
    ('a', 'b')
    """

    name: str = attrs.field(validator=v.text())
    rules: tuple[str, ...] = attrs.field(converter=as_tuple, validator=_group_rules)


_UNWRITABLE: tuple[tuple[str, object], ...] = (
    ("version", 1),
    ("description", ""),
    ("escalate_after", None),
    ("escalate_after_hours", None),
    ("ladder", ()),
    ("group_by", ()),
    ("message", ""),
    ("on_unknown", None),
    ("clear_when", None),
    ("min_count", None),
    ("inhibited_by", ()),
)


def _extras_map(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    _check.instance(value, dict, path, "a mapping of rule id to RuleExtras")
    for key, item in value.items():  # type: ignore[attr-defined]
        _check.identifier(key, f"{path}[{_check.show(key)}]")
        _check.instance(item, RuleExtras, f"{path}.{key}")


@attrs.frozen(kw_only=True)
class RuleFile:
    """Rules read from (or to be written as) a Prometheus-shaped rule file.

    Args:
        rule_set: The rules, in file order (group by group).
        groups: The groups, in order; every rule is in exactly one.
        extras: Per rule id, its free labels, annotations and exact durations (a rule left out
            has none, and its holds are written in whole hours).

    Raises:
        ValidationError: A rule in no group or in two, a group naming an unknown rule, group names
            that repeat, extras for an unknown rule or whose durations disagree with the rule's
            holds, or a rule with a field the file shape cannot say (``ladder``, ``message``,
            ``clear_when``... and holds counted in evaluations).

    >>> rule = Rule(id="r", when="balance > 1", applies_to=FactKind.CLAIM,
    ...             level=Level.ONSHORE_LEAD, owner=Owner.accountable("denials"))
    >>> RuleFile.from_rule_set(RuleSet(rules=[rule])).groups
    (RuleGroup(name='rules', rules=('r',)),)
    """

    rule_set: RuleSet = attrs.field(validator=v.instance(RuleSet))
    groups: tuple[RuleGroup, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(RuleGroup))
    extras: dict[str, RuleExtras] = attrs.field(factory=dict, converter=_as_dict, validator=_extras_map)

    def __attrs_post_init__(self) -> None:
        issues: list[Issue] = []
        ids = [rule.id for rule in self.rule_set.rules]
        where: dict[str, str] = {}
        names: set[str] = set()
        for g, group in enumerate(self.groups):
            if group.name in names:
                issues.append(Issue(f"$.groups[{g}].name", "duplicate", f"group {group.name!r} repeats"))
            names.add(group.name)
            for r, rule_id in enumerate(group.rules):
                path = f"$.groups[{g}].rules[{r}]"
                if rule_id not in ids:
                    issues.append(
                        Issue(path, "reference", f"alert {rule_id!r} is not a rule of the rule set")
                    )
                elif rule_id in where:
                    issues.append(Issue(path, "duplicate", f"alert {rule_id!r} is also in {where[rule_id]}"))
                else:
                    where[rule_id] = path
        order = [rule_id for group in self.groups for rule_id in group.rules]
        for index, rule in enumerate(self.rule_set.rules):
            path = f"$.rule_set.rules[{index}]"
            if rule.id not in where:
                issues.append(Issue("$.groups", "missing", f"rule {rule.id!r} ({path}) is in no group"))
            issues.extend(_unwritable(rule, path))
            extra = self.extras.get(rule.id)
            if extra is not None:
                for name in ("pending_for", "keep_firing_for"):
                    duration: Duration = getattr(extra, name)
                    held = getattr(rule, name).total_seconds  # exact, or rounded up to hours
                    if held not in (duration.seconds, duration.hold().total_seconds):
                        message = (
                            f"{name!r} of {str(duration)!r} disagrees with the rule's {getattr(rule, name)}"
                        )
                        issues.append(Issue(f"$.extras.{rule.id}.{name}", "value", message))
        if not issues and order != ids:
            issues.append(
                Issue("$.groups", "value", "the groups must list the rules in the rule set's order")
            )
        issues.extend(
            Issue(f"$.extras.{key}", "reference", f"extras for {key!r}, which is not a rule of the rule set")
            for key in self.extras
            if key not in ids
        )
        if issues:
            raise ValidationError(issues)

    # --------------------------------------------------------------------------------- building
    @classmethod
    def from_rule_set(
        cls, rule_set: RuleSet, *, group: str = "rules", extras: Mapping[str, RuleExtras] | None = None
    ) -> RuleFile:
        """All the rules of ``rule_set`` in one group named ``group``.

        Args:
            rule_set: The rules.
            group: The group's name.
            extras: Per rule id, labels, annotations and exact durations (``None``: none; a rule
                left out gets its holds as durations).

        Returns:
            The rule file.

        Raises:
            ValidationError: As :class:`RuleFile`.

        >>> rule = Rule(id="r", when="balance > 1", applies_to=FactKind.CLAIM, pending_for=Hold(hours=4),
        ...             level=Level.ONSHORE_LEAD, owner=Owner.accountable("denials"))
        >>> str(RuleFile.from_rule_set(RuleSet(rules=[rule])).extras["r"].pending_for)
        '4h'
        """
        _check.instance(rule_set, RuleSet, "$.rule_set")
        _check.text(group, "$.group")
        given_extras: object = extras  # typed as a mapping, but callers pass anything
        if given_extras is not None and not isinstance(given_extras, Mapping):
            got = f"got {_check.show(given_extras)}"
            _check.fail("$.extras", "type", f"'extras' must be a mapping of rule id to RuleExtras ({got})")
        given = dict(extras or {})
        full: dict[str, RuleExtras] = {}
        for rule in rule_set.rules:
            if rule.id in given:
                full[rule.id] = given.pop(rule.id)
            else:
                full[rule.id] = RuleExtras(
                    pending_for=Duration(rule.pending_for.total_seconds),
                    keep_firing_for=Duration(rule.keep_firing_for.total_seconds),
                )
        full.update(given)  # extras for unknown rules: refused by the constructor, with their path
        return cls(
            rule_set=rule_set,
            groups=(RuleGroup(name=group, rules=tuple(r.id for r in rule_set.rules)),),
            extras=full,
        )

    def labels(self, rule_id: str) -> dict[str, str]:
        """Every label of a rule, as routing sees it: ``alertname``, the mapped labels, the free ones.

        Args:
            rule_id: The rule's id.

        Returns:
            The labels, by name.

        Raises:
            ValidationError: ``rule_id`` is not a rule of the file.

        >>> doc = {"groups": [{"name": "g", "rules": [{"alert": "big", "expr": "balance > 5000",
        ...     "labels": {"level": "onshore_lead", "owner": "accountable:denials",
        ...     "applies_to": "claim"}}]}]}
        >>> RuleFile.from_dict(doc).labels("big")["owner"]
        'accountable:denials'
        """
        _check.instance(rule_id, str, "$.rule_id", "a rule id (text)")
        rule = next((rule for rule in self.rule_set.rules if rule.id == rule_id), None)
        if rule is None:
            hint = _check.suggest(rule_id, [rule.id for rule in self.rule_set.rules])
            _check.fail("$.rule_id", "reference", f"no rule {_check.show(rule_id)} in the file{hint}")
        extra = self.extras.get(rule.id, RuleExtras())
        return {"alertname": rule.id, **_mapped_labels(rule), **extra.labels}

    # ---------------------------------------------------------------------------------- writing
    def to_dict(self) -> dict[str, Any]:
        """The file as a document in the Prometheus rule-file shape (the canonical form).

        Keys come in Prometheus's order; the six mapped labels are always written except
        ``dedup_keys`` when there are none; ``for`` and ``keep_firing_for`` only when not zero,
        ``annotations`` only when there are some, and last ``amount`` (the field holding the
        amount at stake, :attr:`Rule.amount`) when the rule names one.

        >>> doc = {"groups": [{"name": "g", "rules": [{"alert": "big", "expr": "balance > 5000",
        ...     "labels": {"level": "onshore_lead", "owner": "accountable:denials",
        ...     "applies_to": "claim"}}]}]}
        >>> RuleFile.from_dict(doc).to_dict()["groups"][0]["rules"][0]["labels"]["deadline"]
        '2bd'
        """
        rules = {rule.id: rule for rule in self.rule_set.rules}
        groups = []
        for group in self.groups:
            written = []
            for rule_id in group.rules:
                rule = rules[rule_id]
                extra = self.extras.get(rule_id) or RuleExtras(
                    pending_for=Duration(rule.pending_for.total_seconds),
                    keep_firing_for=Duration(rule.keep_firing_for.total_seconds),
                )
                item: dict[str, Any] = {"alert": rule.id, "expr": rule.when}
                if extra.pending_for:
                    item["for"] = str(extra.pending_for)
                if extra.keep_firing_for:
                    item["keep_firing_for"] = str(extra.keep_firing_for)
                item["labels"] = dict(sorted({**_mapped_labels(rule), **extra.labels}.items()))
                if extra.annotations:
                    item["annotations"] = dict(sorted(extra.annotations.items()))
                if rule.amount is not None:
                    item["amount"] = rule.amount
                written.append(item)
            groups.append({"name": group.name, "rules": written})
        return {"groups": groups}

    def dumps(self, format: str = "json") -> str:  # noqa: A002 - the name every serializer uses
        """The file as JSON (two-space indents) or YAML text.

        Args:
            format: ``"json"`` or ``"yaml"`` (YAML needs PyYAML).

        Raises:
            ValidationError: An unknown format.
            RCMError: YAML without PyYAML installed.

        >>> rule = Rule(id="r", when="balance > 1", applies_to=FactKind.CLAIM,
        ...             level=Level.ONSHORE_LEAD, owner=Owner.accountable("denials"))
        >>> print(RuleFile.from_rule_set(RuleSet(rules=[rule])).dumps())
        {
          "groups": [
            {
              "name": "rules",
        ...
        """
        chosen = _check.one_of(format, FORMATS, "$.format")
        document = self.to_dict()
        if chosen == "json":
            return json.dumps(document, indent=2, ensure_ascii=False)
        yaml = _yaml()
        text: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
        return text

    # ---------------------------------------------------------------------------------- reading
    @classmethod
    def loads(cls, text: str, format: str = "json") -> RuleFile:  # noqa: A002 - the name every serializer uses
        """Read a rule file from JSON or YAML text.

        Duplicate keys in a mapping are refused (JSON and YAML alike), as is text longer than
        :data:`MAX_FILE_CHARS`.

        Args:
            text: The file's text.
            format: ``"json"`` or ``"yaml"`` (YAML needs PyYAML).

        Returns:
            The rule file.

        Raises:
            ValidationError: Text that does not parse, or a document that :meth:`from_dict`
                refuses; every problem is listed with its path.
            RCMError: YAML without PyYAML installed.

        >>> RuleFile.loads('{"groups": []}').groups
        ()
        >>> RuleFile.loads('{"groups": [], "groups": []}')
        Traceback (most recent call last):
        ...
        comanaged_rcm.errors.ValidationError: 1 validation issue: key 'groups' repeats in a mapping @ $
        """
        chosen = _check.one_of(format, FORMATS, "$.format")
        _check.instance(text, str, "$.text")
        if len(text) > MAX_FILE_CHARS:
            _check.fail(
                "$.text",
                "range",
                f"a rule file must be at most {MAX_FILE_CHARS:,} characters (got {len(text):,})",
            )
        document = _load_json(text) if chosen == "json" else _load_yaml(text)
        return cls.from_dict(document)

    @classmethod
    def from_dict(cls, document: object) -> RuleFile:
        """Read a rule file from a document in the Prometheus rule-file shape.

        Args:
            document: ``{"groups": [{"name": ..., "rules": [...]}]}``.

        Returns:
            The rule file.

        Raises:
            ValidationError: Every problem, each with its path (``$.groups[0].rules[2].for``):
                unknown keys (with a did-you-mean), recording rules, repeated alerts or group
                names, missing or bad labels, bad durations, conditions outside the rule language.

        >>> RuleFile.from_dict({"groups": [{"name": "g", "rules": [{"alert": "a", "exprs": "x > 1"}]}]})
        Traceback (most recent call last):
        ...
        comanaged_rcm.errors.ValidationError: 2 validation issues: unknown key 'exprs' (did you mean
        'expr'?) @ $.groups[0].rules[0].exprs; missing key 'expr' @ $.groups[0].rules[0].expr
        """
        issues: list[Issue] = []
        root = _mapping(document, "$", _TOP_KEYS, ("groups",), issues)
        if root is None:
            raise ValidationError(issues)
        group_items = _attempt(issues, _check.sequence, root["groups"], "$.groups", maximum=MAX_RULES) or ()
        rules: list[Rule] = []
        groups: list[RuleGroup] = []
        extras: dict[str, RuleExtras] = {}
        seen_alerts: dict[str, str] = {}
        seen_groups: set[str] = set()
        for g, raw_group in enumerate(group_items):
            gpath = f"$.groups[{g}]"
            group = _mapping(raw_group, gpath, _GROUP_KEYS, ("name", "rules"), issues)
            if group is None:
                continue
            name = _attempt(issues, _check.text, group["name"], f"{gpath}.name")
            if name is not None:
                if name in seen_groups:
                    issues.append(Issue(f"{gpath}.name", "duplicate", f"group {name!r} repeats"))
                seen_groups.add(name)
            items = _attempt(issues, _check.sequence, group["rules"], f"{gpath}.rules", maximum=MAX_RULES)
            ids: list[str] = []
            for r, raw_rule in enumerate(items or ()):
                rpath = f"{gpath}.rules[{r}]"
                if len(rules) >= MAX_RULES:
                    issues.append(Issue(rpath, "range", f"a rule file holds at most {MAX_RULES:,} rules"))
                    break
                parsed = _read_rule(raw_rule, rpath, issues)
                if parsed is None:
                    continue
                rule, extra = parsed
                if rule.id in seen_alerts:
                    where = seen_alerts[rule.id]
                    same = where.startswith(f"{gpath}.")
                    scope = "in the group" if same else "in the file"
                    message = f"alert {rule.id!r} repeats {scope} (first at {where})"
                    issues.append(Issue(f"{rpath}.alert", "duplicate", message))
                    continue
                seen_alerts[rule.id] = rpath
                rules.append(rule)
                extras[rule.id] = extra
                ids.append(rule.id)
            if name is not None and items is not None:
                groups.append(RuleGroup(name=name, rules=tuple(ids)))
        if issues:
            raise ValidationError(issues)
        return cls(rule_set=RuleSet(rules=tuple(rules)), groups=tuple(groups), extras=extras)


# --------------------------------------------------------------------------------------- helpers
def _unwritable(rule: Rule, path: str) -> list[Issue]:
    issues = [
        Issue(
            f"{path}.{name}",
            "value",
            f"{name!r} has no place in a Prometheus rule file (got {_check.show(getattr(rule, name))})",
        )
        for name, default in _UNWRITABLE
        if getattr(rule, name) != default
    ]
    issues.extend(
        Issue(
            f"{path}.{name}.evaluations",
            "value",
            f"a rule file's {name!r} is a duration; it cannot count evaluations",
        )
        for name in ("pending_for", "keep_firing_for")
        if getattr(rule, name).evaluations
    )
    return issues


def _mapped_labels(rule: Rule) -> dict[str, str]:
    labels = {
        "severity": rule.severity.value,
        "level": rule.level.value,
        "owner": f"{rule.owner.kind.value}:{rule.owner.ref}",
        "applies_to": rule.applies_to.value,
        "deadline": f"{rule.deadline}bd" if rule.deadline_hours is None else f"{rule.deadline_hours}bh",
    }
    if rule.dedup_keys:
        labels["dedup_keys"] = ",".join(rule.dedup_keys)
    return labels


def _attempt(issues: list[Issue], check: Callable[..., T], *args: Any, **options: Any) -> T | None:  # noqa: ANN401
    """Run one check; a refusal adds its issues and gives ``None``."""
    try:
        return check(*args, **options)
    except ValidationError as exc:
        issues.extend(exc.issues)
        return None


def _mapping(
    value: object, path: str, allowed: tuple[str, ...], required: tuple[str, ...], issues: list[Issue]
) -> Mapping[str, Any] | None:
    """A mapping with only ``allowed`` keys and every ``required`` one; ``None`` when it is not."""
    if not isinstance(value, Mapping):
        issues.append(
            Issue(path, "type", f"{_check.name_of(path)!r} must be a mapping (got {_check.show(value)})")
        )
        return None
    good = True
    for key in value:
        if key not in allowed:
            good = False
            if key == "record":
                message = "recording rules ('record') are not supported: only alerting rules ('alert')"
            else:
                message = f"unknown key {_check.show(key)}{_check.suggest(key, allowed)}"
            issues.append(Issue(_key(path, key), "unknown_key", message))
    for key in required:
        if key not in value:
            good = False
            issues.append(Issue(f"{path}.{key}", "missing", f"missing key {key!r}"))
    return value if good else None


def _read_rule(value: object, path: str, issues: list[Issue]) -> tuple[Rule, RuleExtras] | None:
    before = len(issues)
    item = _mapping(value, path, _RULE_KEYS, ("alert", "expr"), issues)
    if item is None:
        return None
    alert = _attempt(issues, _check.identifier, item["alert"], f"{path}.alert")
    expr = _attempt(issues, _check.instance, item["expr"], str, f"{path}.expr", "a condition (text)")
    pending = _attempt(issues, _duration, item.get("for"), f"{path}.for")
    keep = _attempt(issues, _duration, item.get("keep_firing_for"), f"{path}.keep_firing_for")
    labels = _attempt(issues, _strings, item.get("labels", {}), f"{path}.labels", multiline=False)
    annotations = _attempt(
        issues, _strings, item.get("annotations", {}), f"{path}.annotations", multiline=True
    )
    fields: dict[str, Any] = {}
    free: dict[str, str] = {}
    if labels is not None:
        fields, free = _label_fields(labels, f"{path}.labels", issues)
    if "amount" in item:
        fields["amount"] = _attempt(
            issues, _check.instance, item["amount"], str, f"{path}.amount", "a field name (text)"
        )
    if len(issues) > before or alert is None or expr is None or pending is None or keep is None:
        return None
    try:
        rule = Rule(id=alert, when=expr, pending_for=pending.hold(), keep_firing_for=keep.hold(), **fields)
    except ValidationError as exc:
        issues.extend(_rename(issue, path) for issue in exc.issues)
        return None
    extra = RuleExtras(labels=free, annotations=annotations or {}, pending_for=pending, keep_firing_for=keep)
    return rule, extra


def _rename(issue: Issue, path: str) -> Issue:
    """A :class:`Rule` issue at the file's key: ``$.when`` is ``expr``, ``$.id`` is ``alert``."""
    for field, key in (("$.when", ".expr"), ("$.id", ".alert")):
        if issue.path == field or issue.path.startswith((f"{field}.", f"{field}[")):
            return attrs.evolve(issue, path=f"{path}{key}{issue.path[len(field) :]}")
    return issue.under(path)


def _duration(value: object, path: str) -> Duration:
    if value is None:
        return Duration()
    duration = Duration.parse(value, path)
    duration.hold(path)
    return duration


def _strings(value: object, path: str, *, multiline: bool) -> dict[str, str]:
    name = _check.name_of(path)
    if not isinstance(value, Mapping):
        _check.fail(path, "type", f"{name!r} must be a mapping of name to text (got {_check.show(value)})")
    if len(value) > MAX_LABELS:
        _check.fail(path, "range", f"{name!r} must hold at most {MAX_LABELS} items (got {len(value)})")
    issues: list[Issue] = []
    result: dict[str, str] = {}
    maximum = _check.MAX_TEXT if multiline else MAX_LABEL_VALUE
    for key, item in value.items():
        key_ok = _attempt(issues, _check.field_name, key, _key(path, key))
        if key_ok is None:
            continue
        if not isinstance(item, str):
            hint = "; quote it" if isinstance(item, int | float | bool) else ""
            issues.append(
                Issue(f"{path}.{key_ok}", "type", f"{key_ok!r} must be text (got {_check.show(item)}{hint})")
            )
            continue
        where = f"{path}.{key_ok}"
        text = _attempt(issues, _check.text, item, where, multiline=multiline, maximum=maximum)
        if text is not None:
            result[key_ok] = text
    if issues:
        raise ValidationError(issues)
    return result


def _label_fields(
    labels: dict[str, str], path: str, issues: list[Issue]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The Rule fields the mapped labels give, and the free labels; refusals go to ``issues``."""
    fields: dict[str, Any] = {}
    free: dict[str, str] = {}
    for key, value in labels.items():
        where = f"{path}.{key}"
        if key in _RESERVED_LABELS:
            issues.append(Issue(where, "value", f"label {key!r} is set from 'alert'; leave it out"))
        elif key == "severity":
            fields["severity"] = _attempt(issues, _check.choice, value, AlertSeverity, where)
        elif key == "level":
            fields["level"] = _attempt(issues, _check.choice, value, Level, where)
        elif key == "applies_to":
            fields["applies_to"] = _attempt(issues, _check.choice, value, FactKind, where)
        elif key == "owner":
            fields["owner"] = _attempt(issues, _owner, value, where)
        elif key == "deadline":
            fields.update(_attempt(issues, _deadline, value, where) or {})
        elif key == "dedup_keys":
            fields["dedup_keys"] = _attempt(issues, _dedup_keys, value, where)
        else:
            free[key] = value
    issues.extend(
        Issue(f"{path}.{key}", "missing", f"missing label {key!r} ({_LABEL_HELP[key]})")
        for key in _REQUIRED_LABELS
        if key not in labels
    )
    return fields, free


_LABEL_HELP = {
    "level": "the ladder level: " + ", ".join(repr(level.value) for level in Level),
    "owner": "'accountable:<workflow>', 'decision:<decision type>' or 'party:<id>'",
    "applies_to": "the records the rule reads: " + ", ".join(repr(kind.value) for kind in FactKind),
}


def _owner(value: str, path: str) -> Owner:
    kind, sep, ref = value.partition(":")
    if not sep or not ref:
        _check.fail(path, "format", f"'owner' must be {_LABEL_HELP['owner']} (got {_check.show(value)})")
    chosen = _check.choice(kind, OwnerKind, path)
    _check.identifier(ref, path)
    return Owner(chosen, ref)


def _deadline(value: str, path: str) -> dict[str, int]:
    """The ``deadline`` label as the Rule field it sets: ``deadline`` (3bd) or ``deadline_hours`` (4bh)."""
    hours = _BUSINESS_HOURS.match(value)
    if hours:
        count = int(hours.group(1))
        if count > MAX_DEADLINE_HOURS:
            _check.fail(path, "range", f"'deadline' must be at most {MAX_DEADLINE_HOURS}bh (got {value!r})")
        return {"deadline_hours": count}
    if not _BUSINESS.match(value):
        hint = "; business hours are written like '4bh'" if value.endswith("h") else ""
        _check.fail(
            path, "format", f"'deadline' counts business days, like '3bd' (got {_check.show(value)}){hint}"
        )
    return {"deadline": Duration.parse(value, path).business_days}


def _dedup_keys(value: str, path: str) -> tuple[str, ...]:
    names = tuple(value.split(","))
    for name in names:
        _check.field_name(name, path)
    if len(set(names)) != len(names):
        _check.fail(path, "value", f"'dedup_keys' names repeat (got {_check.show(value)})")
    return names


def _load_json(text: str) -> object:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                _check.fail("$", "duplicate", f"key {_check.show(key)} repeats in a mapping")
            result[key] = value
        return result

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except ValidationError:
        raise
    except RecursionError:
        _check.fail("$.text", "range", "the JSON nests too deeply")
    except ValueError as exc:
        _check.fail("$.text", "syntax", f"not valid JSON: {str(exc)[:300]}")


def _yaml() -> Any:  # noqa: ANN401 - the optional PyYAML module, untyped
    """PyYAML, imported on first use; a clear error when it is not installed."""
    try:
        return importlib.import_module("yaml")
    except ImportError:
        raise RCMError(
            "YAML rule files need PyYAML, an optional extra: pip install 'comanaged-rcm[yaml]'"
        ) from None


def _load_yaml(text: str) -> object:
    yaml = _yaml()

    class _Loader(yaml.SafeLoader):  # type: ignore[misc,name-defined] # PyYAML ships no types
        """SafeLoader that refuses a key given twice in one mapping."""

    def mapping(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:  # noqa: ANN401
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=deep)
            try:
                repeated = key in result
            except TypeError:
                line = key_node.start_mark.line + 1
                message = f"a mapping key must be text (got {type(key).__name__}) at line {line}"
                _check.fail("$", "type", message)
            if repeated:
                line = key_node.start_mark.line + 1
                _check.fail("$", "duplicate", f"key {_check.show(key)} repeats in a mapping (line {line})")
            result[key] = loader.construct_object(value_node, deep=deep)
        return result

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        return yaml.load(text, Loader=_Loader)
    except ValidationError:
        raise
    except RecursionError:
        _check.fail("$.text", "range", "the YAML nests too deeply")
    except yaml.YAMLError as exc:
        _check.fail("$.text", "syntax", f"not valid YAML: {str(exc)[:300]}")
