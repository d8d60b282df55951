"""Rule unit tests in the shape of ``promtool test rules``: input series in, expected alerts out.

A test file names the rules under test, the input series of each test (one entity's records, one
per evaluation) and the alerts expected at given times::

    {"rule_files": ["rules.json"],
     "evaluation_interval": "1bd",
     "tests": [{"name": "denial untouched", "start": "2026-11-02T09:00",
                "input_series": [{"kind": "claim",
                                  "labels": {"claim_id": "C1", "payer": "AETNA"},
                                  "values": {"status": "denied denied paid",
                                             "last_touched": "2026-10-19x2"}}],
                "alert_rule_test": [{"eval_time": "1bd", "alertname": "denial_untouched",
                                     "exp_alerts": [{"exp_labels": {"claim_id": "C1",
                                                                    "payer": "AETNA"}}]}]}]}

:func:`run_rule_tests` replays the series through :func:`~comanaged_rcm.escalation.step` (the
engine's own state machine, with a :class:`BusinessCalendar`) and compares the alerts of each
``alertname`` at each ``eval_time`` with the expected ones: order does not matter, labels must
match exactly. The result is a :class:`RuleTestReport`; ``comanaged-rcm escalate test FILE``
prints its mismatches and exits 1 when there is one. The guide ``docs/guides/escalation-testing.md``
describes every key.

>>> report = run_rule_tests(default_rule_tests())
>>> report.passed, len(report.tests) > 5
(True, True)
"""

from __future__ import annotations

import bisect
import datetime
import decimal
import importlib
import importlib.resources
import inspect
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs

from comanaged_rcm import _check, _io, serialize
from comanaged_rcm._check import as_tuple, v
from comanaged_rcm.errors import Issue, RCMError, ValidationError
from comanaged_rcm.escalation._calendar import BusinessCalendar
from comanaged_rcm.escalation._compiled import CompiledRule, compile_rules
from comanaged_rcm.escalation._defaults import default_rules
from comanaged_rcm.escalation._expr import FieldType
from comanaged_rcm.escalation._holidays import CALENDAR_NAMES, calendar, custom_calendar
from comanaged_rcm.escalation._models import FactKind, Level, Rule, RuleSet
from comanaged_rcm.escalation._rulefiles import Duration, RuleFile
from comanaged_rcm.escalation._state import AlertStatus, OwnerDirectory, State, step

__all__ = [
    "DEFAULT_RULE_TESTS",
    "MAX_CHECKS",
    "MAX_EVALUATIONS",
    "MAX_SERIES",
    "MAX_TESTS",
    "MAX_VALUES",
    "AlertCheck",
    "ExpectedAlert",
    "ObservedAlert",
    "RuleTestReport",
    "default_rule_tests",
    "read_rule_tests",
    "run_rule_tests",
]

T = TypeVar("T")

DEFAULT_RULE_TESTS = "default_rules_test.json"
"""The test file of :func:`~comanaged_rcm.escalation.default_rules` shipped with the package."""

MAX_TESTS = 1_000
"""The most tests a file holds."""

MAX_SERIES = 10_000
"""The most input series one test holds."""

MAX_VALUES = 10_000
"""The most values one input series holds (after expanding ``1+1x99``)."""

MAX_EVALUATIONS = 20_000
"""The most evaluations (calls of ``step``) a whole file replays."""

MAX_CHECKS = 10_000
"""The most ``alert_rule_test`` checks a file holds (all tests together)."""

_TOP_KEYS = ("rule_files", "evaluation_interval", "calendar", "tests")
_CALENDAR_KEYS = ("base", "holidays", "weekend")
_TEST_KEYS = ("name", "start", "interval", "input_series", "alert_rule_test")
_SERIES_KEYS = ("kind", "labels", "values")
_CHECK_KEYS = ("eval_time", "alertname", "exp_alerts")
_EXPECTED_KEYS = ("exp_labels", "exp_annotations", "exp_owner", "exp_level", "exp_status", "exp_message")
_STATUSES = ("pending", "firing", "acknowledged")
_OPEN = frozenset({AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED})
_UNASSIGNED = "unassigned"
_UNSIGNED = r"(?:\d{1,20}(?:\.\d{1,20})?|\.\d{1,20})(?:[eE][+-]?\d{1,3})?"
_NUMBER = rf"-?{_UNSIGNED}"
_PLAIN_NUMBER = re.compile(rf"{_NUMBER}\Z")
_SERIES_NUMBER = re.compile(rf"({_NUMBER})(?:([+-])({_UNSIGNED}))?x(\d{{1,12}})\Z")
_REPEAT = re.compile(r"(.+)x(\d{1,12})\Z")
_MISSING = "_"
_STALE = "stale"
_ESCAPE = re.compile(r"[^\S ]|[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


class _Absent:
    """The marker of an evaluation at which a series has no record (``stale``, or ``null``)."""

    def __repr__(self) -> str:
        return "stale"


_ABSENT = _Absent()


# ------------------------------------------------------------------------------------- results
def _labels_field(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    _check.instance(value, dict, path, "a mapping of label name to text")
    for name, item in value.items():  # type: ignore[attr-defined]
        _check.instance(name, str, f"{path}[{_check.show(name)}]", "a label name (text)")
        _check.instance(item, str, f"{path}[{_check.show(name)}]", "a label value (text)")


def _as_dict(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    return dict(value) if isinstance(value, Mapping) and not isinstance(value, dict) else value


def _optional_dict(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    return None if value is None else _as_dict(value)


def _optional_labels(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _labels_field(instance, attribute, value)


@attrs.frozen(kw_only=True)
class ExpectedAlert:
    """One alert a check expects (``exp_alerts`` item); a field left ``None`` is not compared.

    Args:
        labels: The alert's labels, exactly (``exp_labels``).
        annotations: The alert's annotations, exactly (``exp_annotations``).
        owner: The owner's party id, or ``"unassigned"`` (``exp_owner``).
        level: The ladder level (``exp_level``).
        status: ``pending``, ``firing`` or ``acknowledged`` (``exp_status``); ``None`` expects
            an open alert (firing or acknowledged).
        message: The rule's message, filled in (``exp_message``).
    """

    labels: dict[str, str] = attrs.field(factory=dict, converter=_as_dict, validator=_labels_field)
    annotations: dict[str, str] | None = attrs.field(
        default=None, converter=_optional_dict, validator=_optional_labels
    )
    owner: str | None = attrs.field(default=None, validator=v.optional(v.text()))
    level: Level | None = attrs.field(default=None, validator=v.optional(v.member(Level)))
    status: AlertStatus | None = attrs.field(default=None, validator=v.optional(v.member(AlertStatus)))
    message: str | None = attrs.field(default=None, validator=v.optional(v.instance(str, "a string")))


@attrs.frozen(kw_only=True)
class ObservedAlert:
    """One alert the replay holds at a check's time.

    Args:
        labels: The entity's labels, with the rule's free labels.
        annotations: The rule's annotations.
        owner: The owner's party id (``None`` when no directory names one).
        level: The ladder level.
        status: Pending, firing or acknowledged.
        message: The message of the alert's last event that had one.
    """

    labels: dict[str, str] = attrs.field(factory=dict, converter=_as_dict, validator=_labels_field)
    annotations: dict[str, str] = attrs.field(factory=dict, converter=_as_dict, validator=_labels_field)
    owner: str | None = attrs.field(default=None, validator=v.optional(v.text()))
    level: Level | None = attrs.field(default=None, validator=v.optional(v.member(Level)))
    status: AlertStatus = attrs.field(validator=v.member(AlertStatus))
    message: str = attrs.field(default="", validator=v.instance(str, "a string"))


def _texts(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    for index, item in enumerate(_check.tuple_of(value, str, f"$.{attribute.name}")):
        _check.instance(item, str, f"$.{attribute.name}[{index}]", "a string")


@attrs.frozen(kw_only=True)
class AlertCheck:
    """The result of one ``alert_rule_test`` item: expected and observed alerts of one rule at one time.

    Args:
        test: The test's name.
        eval_time: The offset from the test's start, as written (``3bd``).
        at: The evaluation time compared (the last evaluation at or before the offset).
        alertname: The rule id.
        expected: The expected alerts.
        got: The rule's alerts at ``at`` (pending ones too).
        mismatches: One line per difference; empty when the check passed.
    """

    test: str = attrs.field(validator=v.instance(str, "a string"))
    eval_time: str = attrs.field(validator=v.instance(str, "a string"))
    at: datetime.datetime = attrs.field(validator=v.datetime())
    alertname: str = attrs.field(validator=v.instance(str, "a string"))
    expected: tuple[ExpectedAlert, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(ExpectedAlert)
    )
    got: tuple[ObservedAlert, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(ObservedAlert)
    )
    mismatches: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=_texts)

    @property
    def passed(self) -> bool:
        """Whether the observed alerts are the expected ones."""
        return not self.mismatches


@attrs.frozen(kw_only=True)
class RuleTestReport:
    """Every check of a test file, in file order.

    Args:
        tests: The tests' names, in order.
        checks: The checks, test by test.
    """

    tests: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=_texts)
    checks: tuple[AlertCheck, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(AlertCheck)
    )

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[AlertCheck, ...]:
        """The checks that did not pass."""
        return tuple(check for check in self.checks if not check.passed)

    def summary(self) -> str:
        """One line: how many tests and checks, and how many failed.

        >>> RuleTestReport(tests=("a",)).summary()
        '1 test, 0 checks: all passed'
        """
        tests = f"{len(self.tests)} test{'' if len(self.tests) == 1 else 's'}"
        checks = f"{len(self.checks)} check{'' if len(self.checks) == 1 else 's'}"
        failed = len(self.failures)
        return f"{tests}, {checks}: {'all passed' if not failed else f'{failed} failed'}"

    def lines(self) -> tuple[str, ...]:
        """Every mismatch, one per line, then :meth:`summary`."""
        return (*(line for check in self.checks for line in check.mismatches), self.summary())

    def __str__(self) -> str:
        return "\n".join(self.lines())


# ------------------------------------------------------------------------------------- reading
def _yaml() -> Any:  # noqa: ANN401 - the optional PyYAML module, untyped
    try:
        return importlib.import_module("yaml")
    except ImportError:
        raise RCMError(
            "YAML test files need PyYAML, an optional extra: pip install 'comanaged-rcm[yaml]'"
        ) from None


def _load_yaml(text: str, source: str) -> object:
    """YAML with the safe loader, refusing repeated keys and aliases (no billion laughs)."""
    yaml = _yaml()

    class _Loader(yaml.SafeLoader):  # type: ignore[misc,name-defined] # PyYAML ships no types
        def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401
            if self.check_event(yaml.events.AliasEvent):
                line = self.peek_event().start_mark.line + 1
                _check.fail(source, "value", f"YAML aliases are not accepted (line {line})")
            return super().compose_node(parent, index)

    def mapping(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:  # noqa: ANN401
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                _check.fail(
                    source, "type", f"a mapping key must be text (got {_check.show(key)}) at line {line}"
                )
            if key in result:
                _check.fail(source, "duplicate", f"key {_check.show(key)} repeats in a mapping (line {line})")
            result[key] = loader.construct_object(value_node, deep=deep)
        return result

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        return yaml.load(text, Loader=_Loader)
    except ValidationError:
        raise
    except RecursionError:
        _check.fail(source, "depth", "the YAML nests too deeply")
    except yaml.YAMLError as exc:
        _check.fail(source, "syntax", f"not valid YAML: {_one_line(str(exc))[:300]}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _is_yaml(name: str) -> bool:
    return name.lower().endswith((".yaml", ".yml"))


def _parse(text: str, name: str) -> object:
    return _load_yaml(text, name) if _is_yaml(name) else _io.load_json(text, source=name)


def read_rule_tests(path: str | os.PathLike[str], *, encoding: str | None = None) -> object:
    """Read a test file: YAML when its name ends in ``.yaml`` or ``.yml`` (needs PyYAML), else JSON.

    Args:
        path: The file.
        encoding: Its text encoding, when not UTF-8 (a BOM is detected without it).

    Returns:
        The document, for :func:`run_rule_tests`.

    Raises:
        ValidationError: The file cannot be read, is not text, or does not parse (repeated keys,
            YAML aliases and over-deep nesting are refused too).
        RCMError: A YAML file without PyYAML installed.
    """
    name = _io.check_path(path, "$.path")
    encoding = None if encoding is None else _io.check_encoding(encoding)
    text = _io.read_text(name, encoding=encoding, where="$.path")
    return _parse(text, name)


def default_rule_tests() -> object:
    """The test file shipped for :func:`~comanaged_rcm.escalation.default_rules`, as a document.

    >>> sorted(default_rule_tests())
    ['evaluation_interval', 'rule_files', 'tests']
    """
    resource = importlib.resources.files("comanaged_rcm.escalation").joinpath(DEFAULT_RULE_TESTS)
    return _io.load_json(resource.read_text(encoding="utf-8"), source=DEFAULT_RULE_TESTS)


# ------------------------------------------------------------------------------ the document
def _attempt(issues: list[Issue], check: Callable[..., T], *args: Any, **options: Any) -> T | None:  # noqa: ANN401
    """``check(*args)``, or ``None`` with its issues recorded."""
    try:
        return check(*args, **options)
    except ValidationError as exc:
        issues.extend(exc.issues)
        return None


def _mapping(
    value: object, path: str, keys: Sequence[str], required: Sequence[str], issues: list[Issue]
) -> dict[str, Any] | None:
    """A mapping with only ``keys`` (did-you-mean for others) and every ``required`` one."""
    if not isinstance(value, Mapping):
        issues.append(Issue(path, "type", f"expected a mapping (got {_check.show(value)})"))
        return None
    bad = False
    for key in value:
        if not isinstance(key, str) or key not in keys:
            hint = _check.suggest(key, keys)
            issues.append(Issue(_key(path, key), "unknown_key", f"unknown key {_check.show(key)}{hint}"))
            bad = True
    for key in required:
        if key not in value:
            issues.append(Issue(f"{path}.{key}", "missing", f"missing key {key!r}"))
            bad = True
    return None if bad else dict(value)


def _key(path: str, key: object) -> str:
    if isinstance(key, str) and len(key) <= 100 and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}"
    return f"{path}[{_check.show(key)}]"


@attrs.frozen
class _Rules:
    compiled: tuple[CompiledRule, ...]
    kinds: tuple[FactKind, ...]
    schemas: dict[FactKind, dict[str, FieldType]]
    labels: dict[str, dict[str, str]]
    annotations: dict[str, dict[str, str]]


def _rule_document(
    item: object, index: int, base: Path | None, encoding: str | None
) -> tuple[RuleSet, dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """One ``rule_files`` item as a rule set, with its rules' free labels and annotations."""
    path = f"$.rule_files[{index}]"
    source = None
    if isinstance(item, str):
        source = item
        name = _io.check_path(item, path)
        full = Path(name) if base is None or Path(name).is_absolute() else base / name
        text = _io.read_text(str(full), encoding=encoding, where=path, label=name)
        try:
            item = _parse(text, name)
        except ValidationError as exc:
            raise ValidationError(Issue(path, i.code, f"{name}: {i.message}") for i in exc.issues) from None
    try:
        return _shaped(item)
    except ValidationError as exc:
        if source is None:
            raise exc.under(path) from None
        issues = (Issue(path, i.code, f"{source}: {i.message} @ {i.path}") for i in exc.issues)
        raise ValidationError(issues) from None


def _shaped(item: object) -> tuple[RuleSet, dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    shape = "a RuleSet ({'rules': [...]}), a rule file ({'groups': [...]}) or {'default_rules': {...}}"
    if not isinstance(item, Mapping):
        _check.fail("$", "type", f"a rule file must be a path, or {shape} (got {_check.show(item)})")
    if "default_rules" in item:
        if len(item) != 1:
            _check.fail("$", "value", "'default_rules' stands alone in its rule_files item")
        options = item["default_rules"]
        if options is None:
            options = {}
        _check.instance(options, Mapping, "$.default_rules", "a mapping of default_rules() options")
        known = list(inspect.signature(default_rules).parameters)
        for key in options:
            if key not in known:
                hint = _check.suggest(key, known)
                _check.fail(
                    _key("$.default_rules", key), "unknown_key", f"unknown option {_check.show(key)}{hint}"
                )
        try:
            return default_rules(**options), {}, {}
        except ValidationError as exc:
            raise exc.under("$.default_rules") from None
    if "groups" in item:
        rule_file = RuleFile.from_dict(item)
        labels = {rule_id: dict(extra.labels) for rule_id, extra in rule_file.extras.items()}
        notes = {rule_id: dict(extra.annotations) for rule_id, extra in rule_file.extras.items()}
        return rule_file.rule_set, labels, notes
    if "rules" in item:
        return serialize.from_dict(item, RuleSet), {}, {}
    keys = ", ".join(_check.show(key) for key in list(item)[:5])
    raise ValidationError.single("$", "value", f"a rule file must be {shape} (got keys {keys})")


def _rules(value: object, base: Path | None, encoding: str | None) -> _Rules:
    items = _check.sequence(value, "$.rule_files", empty=False, maximum=1_000)
    rules: list[Rule] = []
    schema: dict[str, FieldType] = {}
    labels: dict[str, dict[str, str]] = {}
    notes: dict[str, dict[str, str]] = {}
    where: dict[str, int] = {}
    issues: list[Issue] = []
    for index, item in enumerate(items):
        try:
            rule_set, extra_labels, extra_notes = _rule_document(item, index, base, encoding)
        except ValidationError as exc:
            issues.extend(exc.issues)
            continue
        for rule in rule_set.rules:
            if rule.id in where:
                message = f"rule {rule.id!r} is also in rule_files[{where[rule.id]}]"
                issues.append(Issue(f"$.rule_files[{index}]", "duplicate", message))
                continue
            where[rule.id] = index
            rules.append(rule)
        for name, kind in rule_set.schema.items():
            if schema.setdefault(name, kind) is not kind:
                message = f"field {name!r} is {kind.value} here but {schema[name].value} in an earlier file"
                issues.append(Issue(f"$.rule_files[{index}]", "conflict", message))
        labels.update(extra_labels)
        notes.update(extra_notes)
    if issues:
        raise ValidationError(issues)
    try:
        rule_set = RuleSet(rules=tuple(rules), schema=schema)
    except ValidationError as exc:
        raise exc.under("$.rule_files") from None
    compiled = tuple(compile_rules(rule_set))
    kinds = tuple(dict.fromkeys(c.rule.applies_to for c in compiled))
    schemas: dict[FactKind, dict[str, FieldType]] = {kind: dict(schema) for kind in kinds}
    for c in compiled:
        for name, kind in c.schema.items():
            schemas[c.rule.applies_to].setdefault(name, kind)
    for c in compiled:  # rules that grow free labels and annotations of their own carry them
        own_labels = getattr(c.rule, "labels", None)
        if isinstance(own_labels, Mapping):
            labels[c.rule.id] = {**dict(own_labels), **labels.get(c.rule.id, {})}
        own_notes = getattr(c.rule, "annotations", None)
        if isinstance(own_notes, Mapping):
            notes[c.rule.id] = {**dict(own_notes), **notes.get(c.rule.id, {})}
    return _Rules(compiled=compiled, kinds=kinds, schemas=schemas, labels=labels, annotations=notes)


def _calendar(value: object, issues: list[Issue]) -> BusinessCalendar:
    path = "$.calendar"
    if value is None:
        return BusinessCalendar()
    if isinstance(value, str):
        return _attempt(issues, lambda: _named(value)) or BusinessCalendar()
    spec = _mapping(value, path, _CALENDAR_KEYS, (), issues)
    if spec is None:
        return BusinessCalendar()
    base = spec.get("base")
    if base is not None and _attempt(issues, _check.one_of, base, CALENDAR_NAMES, f"{path}.base") is None:
        return BusinessCalendar()
    days: list[datetime.date] = []
    holidays = _attempt(
        issues, _check.sequence, spec.get("holidays", ()), f"{path}.holidays", maximum=100_000
    )
    for index, day in enumerate(holidays or ()):
        parsed = _attempt(issues, _date, day, f"{path}.holidays[{index}]")
        if parsed is not None:
            days.append(parsed)
    weekend = spec.get("weekend")
    try:
        return custom_calendar(dates=days, base=base, weekend=weekend)
    except ValidationError as exc:
        issues.extend(
            Issue(f"{path}.{i.path[2:]}" if i.path.startswith("$.") else path, i.code, i.message)
            for i in exc.issues
        )
        return BusinessCalendar()


def _named(name: str) -> BusinessCalendar:
    try:
        return calendar(name)
    except ValidationError as exc:
        raise ValidationError(Issue("$.calendar", i.code, i.message) for i in exc.issues) from None


def _date(value: object, path: str) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    message = f"{_check.name_of(path)!r} must be an ISO date like 2026-10-01 (got {_check.show(value)})"
    raise ValidationError.single(path, "type", message)


def _start(value: object, path: str) -> datetime.datetime:
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.isoformat()
    if not isinstance(value, str):
        _check.fail(
            path, "type", f"'start' must be an ISO datetime like 2026-11-02T09:00 (got {_check.show(value)})"
        )
    return _io.parse_datetime(value, path)


def _duration(value: object, path: str, *, positive: bool = False) -> Duration:
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        value = "0s"
    duration = Duration.parse(value, path)
    if positive and not duration:
        _check.fail(path, "range", f"{_check.name_of(path)!r} must be longer than zero (got {value!r})")
    return duration


def _after(
    start: datetime.datetime, duration: Duration, times: int, cal: BusinessCalendar
) -> datetime.datetime:
    """``start`` plus ``times`` times ``duration`` (business days step on ``cal``, at start's time)."""
    if duration.business_days:
        day = cal.add_business_days(start.date(), duration.business_days * times)
        return datetime.datetime.combine(day, start.timetz())
    return start + datetime.timedelta(seconds=duration.seconds * times)


# ------------------------------------------------------------------------------------- series
def _typed(value: object, kind: FieldType | None, path: str) -> object:
    """A JSON (or YAML) value as the field's type reads it; ``None`` is a missing value."""
    if value is None:
        return None
    name = _check.name_of(path)
    if kind is FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            _check.fail(path, "type", f"{name!r} is a number field (got {_check.show(value)})")
        _check.real(value, path)
        return value
    if kind is FieldType.DATE:
        return _date(value, path)
    if kind is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            _check.fail(
                path, "type", f"{name!r} is a boolean field: true or false (got {_check.show(value)})"
            )
        return value
    if kind is FieldType.TEXT:
        if not isinstance(value, str):
            _check.fail(path, "type", f"{name!r} is a text field: quote it (got {_check.show(value)})")
        return value
    if isinstance(value, bool | str | datetime.date) or (
        isinstance(value, int | float) and math.isfinite(value) and abs(value) < 2**63
    ):
        return value
    message = f"{name!r} must be text, a number, a boolean or null (got {_check.show(value)})"
    raise ValidationError.single(path, "type", message)


def _number(text: str) -> int | float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return int(text) if re.fullmatch(r"-?\d+", text) else number


def _expand(text: str, kind: FieldType | None, path: str) -> list[object]:
    """The compact notation of one field: ``1 2 _ 4``, ``1+1x3``, ``denied``, ``2026-10-01x4``, ``stale``."""
    if len(text) > 20 * MAX_VALUES:
        _check.fail(path, "range", f"a series holds at most {MAX_VALUES:,} values")
    values: list[object] = []
    for token in text.split():
        repeat = _REPEAT.match(token)
        if token == _STALE:
            chunk: list[object] = [_ABSENT]
        elif token == _MISSING or (repeat and repeat.group(1) == _MISSING):
            chunk = [None] * _count(int(repeat.group(2)) if repeat else 1, len(values), path)
        elif kind is FieldType.NUMBER:
            chunk = _numbers(token, path, len(values))
        elif repeat and kind in {FieldType.DATE, FieldType.BOOLEAN}:
            # 'axn' is a and n more of it: n + 1 values, as in Prometheus
            chunk = [_token(repeat.group(1), kind, path)] * _count(
                int(repeat.group(2)) + 1, len(values), path
            )
        else:
            chunk = [_token(token, kind, path)]
        _count(len(chunk), len(values), path)
        values.extend(chunk)
    return values


def _count(count: int, have: int, path: str) -> int:
    """``count`` more values, when a series has room for them after the ``have`` it holds."""
    if have + count > MAX_VALUES:
        _check.fail(path, "range", f"a series holds at most {MAX_VALUES:,} values")
    return count


def _numbers(token: str, path: str, have: int) -> list[object]:
    if _PLAIN_NUMBER.match(token):
        return [_number(token)]
    found = _SERIES_NUMBER.match(token)
    if found is None:
        message = f"expected a number, 'a+bxn', 'axn', '_' or 'stale' (got {_check.show(token)})"
        _check.fail(path, "type", message)
    first, sign, step_text, times = found.groups()
    count = _count(int(times) + 1, have, path)
    start = _number(first)
    increment = 0 if step_text is None else _number(step_text) * (-1 if sign == "-" else 1)
    if isinstance(start, int) and isinstance(increment, int):
        return [start + i * increment for i in range(count)]
    # decimal steps as written: 8+0.1x2 is 8, 8.1, 8.2 (never 8.200000000000001)
    low, by = decimal.Decimal(first), decimal.Decimal(step_text or "0") * (-1 if sign == "-" else 1)
    return [float(low + i * by) for i in range(count)]


def _token(token: str, kind: FieldType | None, path: str) -> object:
    if kind is FieldType.BOOLEAN:
        if token not in {"true", "false"}:
            _check.fail(path, "type", f"expected true, false, '_' or 'stale' (got {_check.show(token)})")
        return token == "true"  # noqa: S105 - a boolean token, not a password
    if kind is FieldType.DATE:
        return _date(token, path)
    return token


def _records(
    value: object, path: str, labels: dict[str, object], schema: Mapping[str, FieldType], issues: list[Issue]
) -> list[dict[str, object] | None]:
    """A series' values as one record per evaluation (``None``: no record then)."""
    if isinstance(value, Mapping):
        columns: dict[str, list[object]] = {}
        for field, column in value.items():
            where = _key(path, field)
            if _attempt(issues, _check.field_name, field, where) is None:
                continue
            if field in labels:
                issues.append(Issue(where, "duplicate", f"field {field!r} is a label of the series too"))
                continue
            kind = schema.get(field)
            if isinstance(column, str):
                expanded = _attempt(issues, _expand, column, kind, where)
            else:
                items = _attempt(issues, _check.sequence, column, where, maximum=MAX_VALUES)
                expanded = (
                    None
                    if items is None
                    else [
                        _attempt(issues, _typed, item, kind, f"{where}[{i}]") for i, item in enumerate(items)
                    ]
                )
            if expanded is not None:
                columns[field] = expanded
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:
            shown = ", ".join(f"{name}: {len(c)}" for name, c in columns.items())
            issues.append(Issue(path, "shape", f"each field needs as many values ({shown})"))
            return []
        size = lengths.pop() if lengths else 0
        rows: list[dict[str, object] | None] = []
        for i in range(size):
            cells = {name: c[i] for name, c in columns.items()}
            rows.append(None if any(c is _ABSENT for c in cells.values()) else {**labels, **cells})
        return rows
    items = _attempt(issues, _check.sequence, value, path, maximum=MAX_VALUES)
    rows = []
    for i, item in enumerate(items or ()):
        where = f"{path}[{i}]"
        if item is None or item == _STALE:
            rows.append(None)
            continue
        if not isinstance(item, Mapping):
            issues.append(
                Issue(where, "type", f"a record must be a mapping, null or 'stale' (got {_check.show(item)})")
            )
            continue
        record = dict(labels)
        for field, cell in item.items():
            at = _key(where, field)
            if _attempt(issues, _check.field_name, field, at) is None:
                continue
            if field in labels:
                issues.append(Issue(at, "duplicate", f"field {field!r} is a label of the series too"))
                continue
            record[field] = _attempt(issues, _typed, cell, schema.get(field), at)
        rows.append(record)
    return rows


@attrs.frozen
class _Series:
    kind: FactKind
    rows: list[dict[str, object] | None]


def _series(value: object, path: str, rules: _Rules, issues: list[Issue]) -> _Series | None:
    spec = _mapping(value, path, _SERIES_KEYS, ("values",), issues)
    if spec is None:
        return None
    if "kind" in spec:
        kind = _attempt(issues, _check.choice, spec["kind"], FactKind, f"{path}.kind")
        if kind is None:
            return None
    elif len(rules.kinds) == 1:
        kind = rules.kinds[0]
    else:
        kinds = ", ".join(repr(k.value) for k in rules.kinds)
        issues.append(Issue(f"{path}.kind", "missing", f"missing key 'kind' (the rules read {kinds})"))
        return None
    schema = rules.schemas.get(kind, {})
    labels: dict[str, object] = {}
    raw = spec.get("labels", {})
    if not isinstance(raw, Mapping):
        issues.append(
            Issue(f"{path}.labels", "type", f"expected a mapping of field to value (got {_check.show(raw)})")
        )
        return None
    for field, item in raw.items():
        where = _key(f"{path}.labels", field)
        if _attempt(issues, _check.field_name, field, where) is not None:
            labels[field] = _attempt(issues, _typed, item, schema.get(field), where)
    return _Series(kind, _records(spec["values"], f"{path}.values", labels, schema, issues))


# ------------------------------------------------------------------------------------- checks
def _expected(value: object, path: str, issues: list[Issue]) -> ExpectedAlert | None:
    spec = _mapping(value, path, _EXPECTED_KEYS, (), issues)
    if spec is None:
        return None
    before = len(issues)
    labels = _text_map(spec.get("exp_labels", {}), f"{path}.exp_labels", issues)
    notes = (
        None
        if "exp_annotations" not in spec
        else _text_map(spec["exp_annotations"], f"{path}.exp_annotations", issues)
    )
    owner = (
        None
        if "exp_owner" not in spec
        else _attempt(issues, _check.text, spec["exp_owner"], f"{path}.exp_owner")
    )
    level = (
        None
        if "exp_level" not in spec
        else _attempt(issues, _check.choice, spec["exp_level"], Level, f"{path}.exp_level")
    )
    status = None
    if "exp_status" in spec:
        chosen = _attempt(issues, _check.one_of, spec["exp_status"], _STATUSES, f"{path}.exp_status")
        status = None if chosen is None else AlertStatus(chosen)
    message = None
    if "exp_message" in spec:
        message = _attempt(
            issues, _check.instance, spec["exp_message"], str, f"{path}.exp_message", "a string"
        )
    if len(issues) > before:
        return None
    return ExpectedAlert(
        labels=labels, annotations=notes, owner=owner, level=level, status=status, message=message
    )


def _text_map(value: object, path: str, issues: list[Issue]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        issues.append(Issue(path, "type", f"expected a mapping of name to text (got {_check.show(value)})"))
        return {}
    result: dict[str, str] = {}
    for name, item in value.items():
        where = _key(path, name)
        if not isinstance(name, str):
            issues.append(Issue(where, "type", f"a name must be text (got {_check.show(name)})"))
        elif not isinstance(item, str):
            issues.append(
                Issue(
                    where,
                    "type",
                    f"values are text: write {json.dumps(str(item))} in quotes (got {_check.show(item)})",
                )
            )
        else:
            result[name] = item
    return result


@attrs.frozen
class _Check:
    eval_time: str
    offset: Duration
    alertname: str
    expected: tuple[ExpectedAlert, ...]


def _check_item(value: object, path: str, rules: _Rules, issues: list[Issue]) -> _Check | None:
    spec = _mapping(value, path, _CHECK_KEYS, ("eval_time", "alertname"), issues)
    if spec is None:
        return None
    before = len(issues)
    offset = _attempt(issues, _duration, spec["eval_time"], f"{path}.eval_time")
    ids = [c.rule.id for c in rules.compiled]
    name = spec["alertname"]
    if not isinstance(name, str) or name not in ids:
        hint = _check.suggest(name, ids)
        issues.append(
            Issue(f"{path}.alertname", "reference", f"no rule {_check.show(name)} under test{hint}")
        )
    items = _attempt(
        issues, _check.sequence, spec.get("exp_alerts", ()), f"{path}.exp_alerts", maximum=MAX_SERIES
    )
    expected: list[ExpectedAlert] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items or ()):
        alert = _expected(item, f"{path}.exp_alerts[{index}]", issues)
        if alert is None:
            continue
        shown = _render_labels(alert.labels)
        if shown in seen:
            message = f"exp_labels {shown} repeat exp_alerts[{seen[shown]}]"
            issues.append(Issue(f"{path}.exp_alerts[{index}].exp_labels", "duplicate", message))
        seen[shown] = index
        expected.append(alert)
    if len(issues) > before or offset is None:
        return None
    return _Check(str(spec["eval_time"]), offset, name, tuple(expected))


@attrs.frozen
class _Test:
    name: str
    start: datetime.datetime
    interval: Duration
    series: tuple[_Series, ...]
    checks: tuple[_Check, ...]


def _test(
    value: object, path: str, rules: _Rules, interval: Duration | None, issues: list[Issue]
) -> _Test | None:
    spec = _mapping(value, path, _TEST_KEYS, ("name", "start", "input_series", "alert_rule_test"), issues)
    if spec is None:
        return None
    before = len(issues)
    name = _attempt(issues, _check.text, spec["name"], f"{path}.name")
    start = _attempt(issues, _start, spec["start"], f"{path}.start")
    if "interval" in spec:
        interval = _attempt(issues, _duration, spec["interval"], f"{path}.interval", positive=True)
    raw_series = _attempt(
        issues, _check.sequence, spec["input_series"], f"{path}.input_series", maximum=MAX_SERIES
    )
    series = [
        _series(item, f"{path}.input_series[{i}]", rules, issues) for i, item in enumerate(raw_series or ())
    ]
    raw_checks = _attempt(
        issues, _check.sequence, spec["alert_rule_test"], f"{path}.alert_rule_test", maximum=MAX_CHECKS
    )
    checks = [
        _check_item(item, f"{path}.alert_rule_test[{i}]", rules, issues)
        for i, item in enumerate(raw_checks or ())
    ]
    if len(issues) > before or name is None or start is None or interval is None:
        return None
    return _Test(
        name,
        start,
        interval,
        tuple(s for s in series if s is not None),
        tuple(c for c in checks if c is not None),
    )


# ------------------------------------------------------------------------------------- running
def _render_labels(labels: Mapping[str, str]) -> str:
    """``{claim_id="C1", payer="AETNA"}``, sorted by name, values quoted and escaped."""
    parts = (f"{name}={_quote(value)}" for name, value in sorted(labels.items()))
    return "{" + ", ".join(parts) + "}"


def _quote(value: str) -> str:
    shown = json.dumps(value, ensure_ascii=False)
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)


def _show(value: object) -> str:
    if isinstance(value, Mapping):
        return _render_labels({str(k): str(v_) for k, v_ in value.items()})
    return _quote(str(value)) if isinstance(value, str) else str(value)


def _compare(check: _Check, got: Sequence[ObservedAlert], head: str) -> list[str]:
    by_labels = {_render_labels(alert.labels): alert for alert in got}
    matched: set[str] = set()
    mismatches: list[str] = []
    for expected in check.expected:
        shown = _render_labels(expected.labels)
        name = f"{check.alertname}{shown}"
        alert = by_labels.get(shown)
        want_pending = expected.status is AlertStatus.PENDING
        if alert is None or (alert.status is AlertStatus.PENDING) != want_pending:
            note = " (pending)" if want_pending else ""
            if alert is not None:
                note += f" (it is {alert.status.value})"
            mismatches.append(f"{head}: missing alert {name}{note}")
            if alert is not None:
                matched.add(shown)
            continue
        matched.add(shown)
        for field, want, have in (
            ("status", None if expected.status is None else expected.status.value, alert.status.value),
            ("owner", expected.owner, alert.owner or _UNASSIGNED),
            (
                "level",
                None if expected.level is None else expected.level.value,
                alert.level and alert.level.value,
            ),
            ("annotations", expected.annotations, alert.annotations),
            ("message", expected.message, alert.message),
        ):
            if want is not None and want != have:
                mismatches.append(f"{head}: alert {name}: {field} is {_show(have)}, expected {_show(want)}")
    for shown, alert in by_labels.items():
        if shown not in matched and alert.status in _OPEN:
            mismatches.append(f"{head}: unexpected alert {check.alertname}{shown}")
    return mismatches


def _run_test(
    test: _Test, rules: _Rules, cal: BusinessCalendar, directory: OwnerDirectory | None, budget: list[int]
) -> list[AlertCheck]:
    if not test.checks:
        return []
    moments = [_after(test.start, check.offset, 1, cal) for check in test.checks]
    last = max(moments)
    grid: list[datetime.datetime] = []
    while True:
        at = _after(test.start, test.interval, len(grid), cal)
        if at > last:
            break
        grid.append(at)
        budget[0] -= 1
        if budget[0] < 0:
            _check.fail(
                "$.tests",
                "range",
                f"the tests replay more than {MAX_EVALUATIONS:,} evaluations (test {test.name!r} at"
                f" {at.isoformat()}): use a longer evaluation_interval or earlier eval_times",
            )
    due: dict[int, list[int]] = {}
    for index, moment in enumerate(moments):
        due.setdefault(bisect.bisect_right(grid, moment) - 1, []).append(index)
    by_id = {c.rule.id: c.rule for c in rules.compiled}
    state = State()
    messages: dict[str, str] = {}
    annotations: dict[str, dict[str, str]] = {}
    results: dict[int, AlertCheck] = {}
    for k, now in enumerate(grid):
        facts: dict[FactKind, list[dict[str, object]]] = {kind: [] for kind in rules.kinds}
        for series in test.series:
            if k < len(series.rows) and series.rows[k] is not None and series.kind in facts:
                facts[series.kind].append(series.rows[k])  # type: ignore[arg-type]
        state, events = step(rules.compiled, state, facts, now, cal, directory=directory)
        for event in events:
            if event.key and event.message:
                messages[event.key] = event.message
            rendered = getattr(event, "annotations", None)
            if event.key and isinstance(rendered, Mapping) and rendered:
                annotations[event.key] = {str(a): str(b) for a, b in rendered.items()}
        for index in due.get(k, ()):
            check = test.checks[index]
            rule = by_id[check.alertname]
            got = tuple(
                ObservedAlert(
                    labels={**rules.labels.get(rule.id, {}), **alert.labels},
                    annotations=annotations.get(alert.key, rules.annotations.get(rule.id, {})),
                    owner=alert.owner,
                    level=alert.level,
                    status=alert.status,
                    message=messages.get(alert.key, ""),
                )
                for alert in state.alerts.values()
                if alert.rule == rule.id
            )
            head = f"test {_quote(test.name)[1:-1]!r} at +{check.eval_time}"
            results[index] = AlertCheck(
                test=test.name,
                eval_time=check.eval_time,
                at=now,
                alertname=check.alertname,
                expected=check.expected,
                got=got,
                mismatches=tuple(_compare(check, got, head)),
            )
    return [results[i] for i in range(len(test.checks))]


def run_rule_tests(
    document: object,
    *,
    base: str | os.PathLike[str] | None = None,
    directory: OwnerDirectory | None = None,
    encoding: str | None = None,
) -> RuleTestReport:
    """Run the tests of a test file (see the module docstring and the escalation testing guide).

    Args:
        document: The parsed test file (:func:`read_rule_tests`, or a mapping built in code).
        base: The directory that relative ``rule_files`` paths start from (default: the working
            directory); pass the test file's own directory.
        directory: Resolves RACI owners (``raci.ScopeSplit`` or :class:`MappingDirectory`);
            without one, every RACI owner is unassigned.
        encoding: The text encoding of referenced rule files, when not UTF-8.

    Returns:
        The report: every check with its expected and observed alerts and its mismatches.

    Raises:
        ValidationError: A test file that is not in the shape (every problem, each with its path,
            ``$.tests[0].alert_rule_test[1].eval_time``), rule files that cannot be read or
            compiled, a bad ``directory``, ``base`` or ``encoding``, or more than
            :data:`MAX_EVALUATIONS` evaluations in all.
        RuleSyntaxError: A rule whose condition does not compile.
        RCMError: A YAML rule file without PyYAML installed.
    """
    root = None if base is None else Path(_io.check_path(base, "$.base"))
    encoding = None if encoding is None else _io.check_encoding(encoding)
    if directory is not None and not isinstance(directory, OwnerDirectory):
        _check.fail(
            "$.directory",
            "type",
            f"'directory' must have accountable_for() and decision_holder() (got {type(directory).__name__})",
        )
    issues: list[Issue] = []
    spec = _mapping(document, "$", _TOP_KEYS, ("rule_files", "tests"), issues)
    if spec is None:
        raise ValidationError(issues)
    rules = _rules(spec["rule_files"], root, encoding)
    interval = _attempt(
        issues, _duration, spec.get("evaluation_interval", "1d"), "$.evaluation_interval", positive=True
    )
    cal = _calendar(spec.get("calendar"), issues)
    items = _attempt(issues, _check.sequence, spec["tests"], "$.tests", empty=False, maximum=MAX_TESTS) or ()
    tests: list[_Test] = []
    names: dict[str, int] = {}
    checks = 0
    for index, item in enumerate(items):
        path = f"$.tests[{index}]"
        test = _test(item, path, rules, interval, issues)
        if test is None:
            continue
        if test.name in names:
            issues.append(
                Issue(f"{path}.name", "duplicate", f"test {test.name!r} repeats tests[{names[test.name]}]")
            )
        names[test.name] = index
        checks += len(test.checks)
        tests.append(test)
    if checks > MAX_CHECKS:
        issues.append(
            Issue("$.tests", "range", f"a test file holds at most {MAX_CHECKS:,} checks (got {checks:,})")
        )
    if issues:
        raise ValidationError(issues)
    budget = [MAX_EVALUATIONS]
    results = [result for test in tests for result in _run_test(test, rules, cal, directory, budget)]
    return RuleTestReport(tests=tuple(test.name for test in tests), checks=tuple(results))
