"""An Alertmanager-shaped routing tree whose receivers are RACI owners, and the plan it makes.

A :class:`Route` has :class:`Matcher` s on labels (``=``, ``!=``, ``=~``, ``!~``), a receiver (an
owner reference such as ``decision:write_off`` or ``accountable:denials``), grouping and timing
settings, and child routes. :func:`route` follows Alertmanager: an alert enters at the root, goes
depth-first into the first child whose matchers all match (and on to the next siblings only while
the matching child has ``continue_``); a route no child of which matches takes the alert itself.
Children inherit the receiver, ``group_by`` and the three timings from their parent.

>>> tree = Route(receiver="accountable:denials", routes=[
...     Route(receiver="decision:write_off", matchers=['severity=~"critical|page"']),
...     Route(matchers=['payer="AETNA"'], group_by=["payer"])])
>>> route(tree, {"severity": "critical", "payer": "AETNA"})
('decision:write_off',)
>>> route(tree, {"severity": "warning", "payer": "AETNA"}), route(tree, {})
(('accountable:denials',), ('accountable:denials',))

:func:`notification_plan` groups alerts per matching route, receiver and ``group_by`` values, and
says which groups are due (``group_wait`` after a group's first alert, ``group_interval`` after a
notification when the group changed, ``repeat_interval`` when it did not): plain data the host
executes. :class:`SilenceRule` and :class:`InhibitRule` mute alerts with the same matchers.

Regular expressions are not a denial-of-service vector. Python's ``re`` backtracks and no
linear-time engine is a dependency, so a pattern is matched whole (:func:`re.fullmatch`, as
Alertmanager anchors it), is at most :data:`MAX_PATTERN` characters, and is refused when it holds
what makes backtracking blow up: a variable-length quantifier inside another (``(a+)+``), an
alternation under a quantifier (``(a|ab)*``), back-references, lookarounds and conditionals, or more
than :data:`MAX_VARIABLE_REPEATS` variable-length quantifiers in all (so matching is at worst
quadratic in the label's length).
"""

from __future__ import annotations

import datetime
import enum
import importlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from comanaged_rcm import _check
from comanaged_rcm._check import as_flag, as_frozenset, as_tuple, v
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation._rulefiles import Duration, _path_arg

__all__ = [
    "DEFAULT_GROUP_INTERVAL",
    "DEFAULT_GROUP_WAIT",
    "DEFAULT_REPEAT_INTERVAL",
    "MAX_PATTERN",
    "MAX_VARIABLE_REPEATS",
    "InhibitRule",
    "MatchOp",
    "Matcher",
    "NotificationGroup",
    "NotificationPlan",
    "PlanAlert",
    "Route",
    "Sent",
    "SilenceRule",
    "muted",
    "notification_plan",
    "route",
]

MAX_PATTERN = 200
"""The longest regular expression a matcher takes."""

MAX_VARIABLE_REPEATS = 2
"""The most variable-length quantifiers (``*``, ``+``, ``?``, ``{m,n}``) in one pattern."""

MAX_DEPTH = 50
"""The deepest routing tree."""

MAX_MATCHERS = 50
"""The most matchers of one route, silence or inhibition side."""

MAX_LABEL_CHARS = 20_000
"""The longest label value matched (so a regular expression's quadratic worst case stays small)."""

DEFAULT_GROUP_WAIT = Duration(30)
"""Alertmanager's default ``group_wait`` (30s), taken by a root that gives none."""

DEFAULT_GROUP_INTERVAL = Duration(300)
"""Alertmanager's default ``group_interval`` (5m)."""

DEFAULT_REPEAT_INTERVAL = Duration(4 * 3600)
"""Alertmanager's default ``repeat_interval`` (4h)."""

_PARSER: Any = importlib.import_module("re._parser")  # the stdlib's own regex parser (no stubs)
_MATCHER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*\Z", re.DOTALL)


class MatchOp(enum.Enum):
    """How a matcher compares a label's value."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


# ---------------------------------------------------------------------------------------- regex
def _regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` could backtrack catastrophically, or ``None`` when it cannot."""
    try:
        tree = _PARSER.parse(pattern)
    except re.error as exc:
        return f"is not a valid regular expression ({exc})"
    except RecursionError:
        return "nests too deeply"
    variable = 0

    def walk(items: Iterable[Any], *, in_variable: bool, times: int) -> str | None:
        nonlocal variable
        for op, arg in items:
            name = str(op)
            if name in {"GROUPREF", "GROUPREF_EXISTS"}:
                return "uses a back-reference or conditional"
            if name in {"ASSERT", "ASSERT_NOT"}:
                return "uses a lookahead or lookbehind"
            if name == "BRANCH":
                if in_variable:
                    return "has an alternation under a quantifier (like '(a|ab)*')"
                for branch in arg[1]:
                    found = walk(branch, in_variable=in_variable, times=times)
                    if found:
                        return found
            elif name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
                low, high, sub = arg
                if high != low:
                    if in_variable:
                        return "nests a quantifier inside another (like '(a+)+')"
                    variable += times
                    found = walk(sub, in_variable=True, times=times)
                else:
                    found = walk(sub, in_variable=in_variable, times=min(times * max(low, 1), 1_000))
                if found:
                    return found
            elif name in {"SUBPATTERN", "ATOMIC_GROUP"}:
                found = walk(arg[-1] if name == "SUBPATTERN" else arg, in_variable=in_variable, times=times)
                if found:
                    return found
        return None

    problem = walk(tree.data, in_variable=False, times=1)
    if problem is None and variable > MAX_VARIABLE_REPEATS:
        return f"has {variable} variable-length quantifiers (at most {MAX_VARIABLE_REPEATS})"
    return problem


def _safe_regex(pattern: str, path: str) -> re.Pattern[str]:
    if len(pattern) > MAX_PATTERN:
        _check.fail(
            path,
            "range",
            f"a regular expression must be at most {MAX_PATTERN} characters (got {len(pattern)})",
        )
    problem = _regex_problem(pattern)
    if problem is not None:
        _check.fail(path, "value", f"the regular expression {_check.show(pattern)} {problem}")
    return re.compile(pattern)


# ------------------------------------------------------------------------------------- matchers
def _label_value(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check.text(value, f"$.{attribute.name}", empty=True, maximum=_check.MAX_TEXT)


@attrs.frozen
class Matcher:
    """One condition on one label, as Alertmanager writes it: ``severity=~"critical|page"``.

    A label an alert lacks has the empty value (``team=""`` matches alerts without ``team``).
    Regular expressions match the whole value and are checked as the module says.

    Args:
        name: The label's name.
        op: ``=``, ``!=``, ``=~`` or ``!~``.
        value: The value, or the regular expression.

    Raises:
        ValidationError: A bad name or op, or an unsafe or invalid regular expression.

    >>> Matcher.parse('severity=~"critical|page"').matches({"severity": "page"})
    True
    >>> Matcher.parse('x=~"(a+)+"')
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: the regular expression '(a+)+' nests a
    quantifier inside another (like '(a+)+') @ $.text
    """

    name: str = attrs.field(validator=v.field_name())
    op: MatchOp = attrs.field(validator=v.member(MatchOp))
    value: str = attrs.field(validator=_label_value)
    _regex: re.Pattern[str] | None = attrs.field(init=False, repr=False, eq=False, default=None)

    def __attrs_post_init__(self) -> None:
        if self.op in {MatchOp.REGEX, MatchOp.NOT_REGEX}:
            object.__setattr__(self, "_regex", _safe_regex(self.value, "$.value"))

    @classmethod
    def parse(cls, text: object, path: str = "$.text") -> Matcher:
        """Read ``name<op>value``; the value may be double-quoted (JSON escapes) or bare.

        Args:
            text: The matcher text (``payer="AETNA"``, ``team!=east``).
            path: Where it was given, for the error (a path such as ``$.matchers[0]``).

        Returns:
            The matcher.

        Raises:
            ValidationError: Text not of that shape, or a bad regular expression (at ``path``); a
                ``path`` that is not a path (at ``$.path``).

        >>> str(Matcher.parse("team != east"))
        'team!="east"'
        """
        path = _path_arg(path)
        _check.text(text, path, empty=False, maximum=MAX_PATTERN + 300)
        found = _MATCHER.match(str(text))
        if found is None:
            _check.fail(
                path,
                "format",
                f"a matcher is name=value, name!=value, name=~regex or name!~regex (got {_check.show(text)})",
            )
        name, op, raw = found.groups()
        value = raw
        if raw.startswith('"'):
            try:
                value = json.loads(raw)
            except ValueError:
                value = None
            if not isinstance(value, str):
                _check.fail(
                    path,
                    "format",
                    f"the quoted value of a matcher is not one JSON string (got {_check.show(raw)})",
                )
        try:
            return cls(name, MatchOp(op), value)
        except ValidationError as exc:
            raise ValidationError(attrs.evolve(issue, path=path) for issue in exc.issues) from None

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the labels satisfy the matcher (a missing label is ``""``).

        Raises:
            ValidationError: ``labels`` not a mapping of label names to text (values at most
                :data:`MAX_LABEL_CHARS` characters).

        >>> Matcher("team", MatchOp.EQUAL, "").matches({})
        True
        """
        return self._match(_labels(labels, "$.labels"))

    def _match(self, labels: Mapping[str, str]) -> bool:
        """:meth:`matches` for labels already checked."""
        got = labels.get(self.name, "")
        if self.op is MatchOp.EQUAL:
            return got == self.value
        if self.op is MatchOp.NOT_EQUAL:
            return got != self.value
        assert self._regex is not None  # noqa: S101 - compiled at construction for regex ops
        hit = self._regex.fullmatch(got) is not None
        return hit if self.op is MatchOp.REGEX else not hit

    def __str__(self) -> str:
        return f"{self.name}{self.op.value}{json.dumps(self.value, ensure_ascii=False)}"


def _parsed(item: object) -> object:
    """Matcher text as a :class:`Matcher`; text that does not parse stays for the validator."""
    if not isinstance(item, str):
        return item
    try:
        return Matcher.parse(item)
    except ValidationError:
        return item


def _matchers(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Matcher text becomes :class:`Matcher`; lists become tuples; the rest stays for the validator."""
    if isinstance(value, list | tuple):
        return tuple(_parsed(item) for item in value)
    return value


def _matcher_list(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    if not isinstance(value, tuple):
        _check.fail(path, "type", f"{attribute.name!r} must be a list of matchers (got {_check.show(value)})")
    if len(value) > MAX_MATCHERS:
        _check.fail(path, "range", f"at most {MAX_MATCHERS} matchers (got {len(value)})")
    for index, item in enumerate(value):
        if isinstance(item, str):
            Matcher.parse(item, f"{path}[{index}]")  # refused by the converter: raises here, at its path
        _check.instance(item, Matcher, f"{path}[{index}]", "a Matcher or matcher text")


def _all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m._match(labels) for m in matchers)  # noqa: SLF001 - the module's own fast path


# ---------------------------------------------------------------------------------------- routes
def _duration(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Duration text as a :class:`Duration`; text that does not parse stays for the validator."""
    if not isinstance(value, str):
        return value
    try:
        return Duration.parse(value)
    except ValidationError:
        return value


def _interval(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    path = f"$.{attribute.name}"
    if isinstance(value, str):
        Duration.parse(value, path)  # refused by the converter: raises here, at the field's path
    _check.instance(value, Duration, path, "a Duration or duration text")
    value.hold(path)  # type: ignore[attr-defined] # clock time only
    if attribute.name != "group_wait" and not value:
        _check.fail(path, "range", f"{attribute.name!r} must be longer than 0s")


def _group_labels(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    items = _check.tuple_of(value, str, "$.group_by")
    if items == ("...",):
        return
    for index, name in enumerate(items):
        _check.field_name(name, f"$.group_by[{index}]")
    if len(set(items)) != len(items):
        _check.fail("$.group_by", "value", f"'group_by' names repeat (got {_check.show(list(items))})")


def _receiver(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _check.identifier(value, "$.receiver")


@attrs.frozen(kw_only=True)
class Route:
    """One node of the routing tree (Alertmanager's ``route``).

    Args:
        receiver: The owner reference notified (``decision:write_off``); ``None`` inherits the
            parent's (the root must give one).
        matchers: What an alert's labels must satisfy, as :class:`Matcher` or matcher text.
        continue_: Whether matching goes on to the next siblings after this route matched.
        group_by: Labels whose values split alerts into groups (``("...",)``: every label);
            ``None`` inherits (the root's default is one group).
        group_wait: How long a new group waits before its first notification (``None``: inherit).
        group_interval: How long after a notification a changed group is notified again.
        repeat_interval: How long after a notification an unchanged group is notified again.
        routes: The child routes, in order.

    Raises:
        ValidationError: A bad field, at its path.

    >>> Route(receiver="accountable:denials", group_wait="1m").group_wait
    Duration(seconds=60, business_days=0)
    """

    receiver: str | None = attrs.field(default=None, validator=_receiver)
    matchers: tuple[Matcher, ...] = attrs.field(default=(), converter=_matchers, validator=_matcher_list)
    continue_: bool = attrs.field(default=False, converter=as_flag, validator=v.flag())
    group_by: tuple[str, ...] | None = attrs.field(default=None, converter=as_tuple, validator=_group_labels)
    group_wait: Duration | None = attrs.field(default=None, converter=_duration, validator=_interval)
    group_interval: Duration | None = attrs.field(default=None, converter=_duration, validator=_interval)
    repeat_interval: Duration | None = attrs.field(default=None, converter=_duration, validator=_interval)
    routes: tuple[Route, ...] = attrs.field(default=(), converter=as_tuple, validator=v.tuple_of(object))

    def __attrs_post_init__(self) -> None:
        for index, child in enumerate(self.routes):
            if not isinstance(child, Route):
                _check.fail(
                    f"$.routes[{index}]",
                    "type",
                    f"'routes[{index}]' must be a Route (got {_check.show(child)})",
                )
        if _depth(self) > MAX_DEPTH:
            _check.fail("$.routes", "range", f"a routing tree must be at most {MAX_DEPTH} routes deep")


def _depth(node: Route) -> int:
    return 1 + max((_depth(child) for child in node.routes), default=0)


@attrs.frozen
class _Effective:
    """A matched route with what it inherits filled in."""

    path: str
    receiver: str
    group_by: tuple[str, ...]
    group_wait: Duration
    group_interval: Duration
    repeat_interval: Duration


def _root(tree: object) -> Route:
    root = _check.instance(tree, Route, "$.tree")
    if root.receiver is None:
        _check.fail("$.tree.receiver", "missing", "the root route must name a receiver")
    if root.matchers:
        _check.fail("$.tree.matchers", "value", "the root route matches every alert: it takes no matchers")
    if root.continue_:
        _check.fail("$.tree.continue_", "value", "the root route has no siblings: 'continue_' must be false")
    return root


def _match(node: Route, labels: Mapping[str, str], parent: _Effective, path: str) -> list[_Effective]:
    if not _all(node.matchers, labels):
        return []
    here = _Effective(
        path=path,
        receiver=node.receiver or parent.receiver,
        group_by=parent.group_by if node.group_by is None else node.group_by,
        group_wait=parent.group_wait if node.group_wait is None else node.group_wait,
        group_interval=parent.group_interval if node.group_interval is None else node.group_interval,
        repeat_interval=parent.repeat_interval if node.repeat_interval is None else node.repeat_interval,
    )
    found: list[_Effective] = []
    for index, child in enumerate(node.routes):
        matched = _match(child, labels, here, f"{path}.{index}")
        found.extend(matched)
        if matched and not child.continue_:
            break
    return found or [here]


def _labels(value: object, path: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        _check.fail(
            path,
            "type",
            f"{_check.name_of(path)!r} must be a mapping of label name to text (got {_check.show(value)})",
        )
    for key, item in value.items():
        _check.field_name(key, f"{path}[{_check.show(key)}]")
        _check.instance(item, str, f"{path}.{key}", "text")
        if len(item) > MAX_LABEL_CHARS:
            message = f"a label value must be at most {MAX_LABEL_CHARS:,} characters (got {len(item):,})"
            _check.fail(f"{path}.{key}", "range", message)
    return dict(value)


def _matched_names(node: Route) -> set[str]:
    """The label names the matchers of a route and of the routes below it read."""
    names = {matcher.name for matcher in node.matchers}
    for child in node.routes:
        names |= _matched_names(child)
    return names


def _resolve(root: Route, labels: Mapping[str, str]) -> list[_Effective]:
    start = _Effective(
        path="0",
        receiver=str(root.receiver),
        group_by=(),
        group_wait=DEFAULT_GROUP_WAIT,
        group_interval=DEFAULT_GROUP_INTERVAL,
        repeat_interval=DEFAULT_REPEAT_INTERVAL,
    )
    return _match(root, labels, start, "0")


def route(tree: Route, labels: Mapping[str, str]) -> tuple[str, ...]:
    """The receivers an alert with ``labels`` goes to: one per matching route, in tree order.

    Args:
        tree: The root route (with a receiver, and no matchers).
        labels: The alert's labels.

    Returns:
        The receivers (the same receiver twice when two matching routes name it).

    Raises:
        ValidationError: A root without a receiver or with matchers, or labels that are not a
            mapping of names to text.

    >>> tree = Route(receiver="accountable:denials", routes=[
    ...     Route(receiver="party:lead", matchers=["team=east"], continue_=True),
    ...     Route(receiver="decision:write_off", matchers=['action="write_off"'])])
    >>> route(tree, {"team": "east", "action": "write_off"})
    ('party:lead', 'decision:write_off')
    """
    root = _root(tree)
    return tuple(found.receiver for found in _resolve(root, _labels(labels, "$.labels")))


# ---------------------------------------------------------------------------- silences, inhibits
def _at(value: object, path: str) -> datetime.datetime:
    """A datetime; pandas' ``NaT`` (a datetime that is no time) is refused like any non-datetime."""
    if isinstance(value, datetime.datetime):
        try:
            value.utcoffset()
        except (TypeError, ValueError):
            message = f"{_check.name_of(path)!r} must be a datetime.datetime (got {_check.show(value)})"
            _check.fail(path, "type", message)
    return _check.datetime_(value, path)


def _when(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _at(value, f"$.{attribute.name}")


@attrs.frozen(kw_only=True)
class SilenceRule:
    """Mute the alerts whose labels match every matcher, from ``starts_at`` until ``ends_at``.

    As in Alertmanager, a silence needs at least one matcher that does not match the empty
    value (so that it cannot silence everything by accident).

    Args:
        id: The silence's id.
        matchers: The matchers (text or :class:`Matcher`).
        starts_at: When it starts (inclusive).
        ends_at: When it ends (exclusive), after ``starts_at``.
        created_by: Who made it.
        comment: Why.

    Raises:
        ValidationError: A bad field, or no matcher that needs a non-empty value.

    >>> import datetime as dt
    >>> s = SilenceRule(id="s1", matchers=['payer="AETNA"'], starts_at=dt.datetime(2026, 3, 2),
    ...                 ends_at=dt.datetime(2026, 3, 9), created_by="lead", comment="payer outage")
    >>> s.mutes({"payer": "AETNA"}, dt.datetime(2026, 3, 3))
    True
    >>> s.mutes({"payer": "AETNA"}, dt.datetime(2026, 3, 9))
    False
    """

    id: str = attrs.field(validator=v.identifier())
    matchers: tuple[Matcher, ...] = attrs.field(converter=_matchers, validator=_matcher_list)
    starts_at: datetime.datetime = attrs.field(validator=_when)
    ends_at: datetime.datetime = attrs.field(validator=_when)
    created_by: str = attrs.field(validator=v.text())
    comment: str = attrs.field(validator=v.text(multiline=True))

    def __attrs_post_init__(self) -> None:
        if all(m._match({}) for m in self.matchers):  # noqa: SLF001 - the module's own fast path
            _check.fail("$.matchers", "value", "a silence needs a matcher that does not match an empty label")
        _check.aware_or_naive(self.starts_at, "$.starts_at", self.ends_at, "$.ends_at")
        if self.ends_at <= self.starts_at:
            _check.fail(
                "$.ends_at",
                "range",
                f"'ends_at' must be after 'starts_at' (got {self.ends_at} <= {self.starts_at})",
            )

    def mutes(self, labels: Mapping[str, str], now: datetime.datetime) -> bool:
        """Whether the silence is in force at ``now`` and matches ``labels``.

        Raises:
            ValidationError: ``labels`` not a mapping of label names to text, ``now`` not a
                datetime, or naive against an aware silence (or the reverse).
        """
        checked = _labels(labels, "$.labels")
        now = _at(now, "$.now")
        _check.aware_or_naive(self.starts_at, "$.starts_at", now, "$.now")
        return self._mutes(checked, now)

    def _mutes(self, labels: Mapping[str, str], now: datetime.datetime) -> bool:
        """:meth:`mutes` for labels and a time already checked."""
        return self.starts_at <= now < self.ends_at and _all(self.matchers, labels)


def _equal(_: object, __: attrs.Attribute[Any], value: object) -> None:
    items = _check.tuple_of(value, str, "$.equal")
    for index, name in enumerate(items):
        _check.field_name(name, f"$.equal[{index}]")


@attrs.frozen(kw_only=True)
class InhibitRule:
    """Mute target alerts while a source alert fires with the same values of the ``equal`` labels.

    As in Alertmanager, a label missing from both alerts counts as equal, and an alert does not
    inhibit itself.

    Args:
        source_matchers: What the inhibiting alert matches.
        target_matchers: What the inhibited alert matches.
        equal: Labels whose values must be the same in both.

    >>> rule = InhibitRule(source_matchers=['severity="critical"'],
    ...                    target_matchers=['severity="warning"'], equal=["claim_id"])
    >>> rule.inhibits({"severity": "critical", "claim_id": "C1"}, {"severity": "warning", "claim_id": "C1"})
    True
    """

    source_matchers: tuple[Matcher, ...] = attrs.field(converter=_matchers, validator=_matcher_list)
    target_matchers: tuple[Matcher, ...] = attrs.field(converter=_matchers, validator=_matcher_list)
    equal: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=_equal)

    def inhibits(self, source: Mapping[str, str], target: Mapping[str, str]) -> bool:
        """Whether an alert with ``source`` labels mutes one with ``target`` labels.

        Raises:
            ValidationError: ``source`` or ``target`` not a mapping of label names to text.
        """
        return self._inhibits(_labels(source, "$.source"), _labels(target, "$.target"))

    def _inhibits(self, source: Mapping[str, str], target: Mapping[str, str]) -> bool:
        """:meth:`inhibits` for labels already checked."""
        return (
            _all(self.source_matchers, source)
            and _all(self.target_matchers, target)
            and all(source.get(n, "") == target.get(n, "") for n in self.equal)
        )


# ----------------------------------------------------------------------------------------- plan
def _copy(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A mapping as a new plain ``dict``; anything else stays for the validator."""
    return dict(value) if isinstance(value, Mapping) else value


def _label_map(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _labels(value, f"$.{attribute.name}")


@attrs.frozen(kw_only=True)
class PlanAlert:
    """A firing alert, as the plan sees it.

    Args:
        key: Its identity (the dedup key).
        labels: Its labels (rule labels and the entity's).
        since: When it started firing.

    >>> PlanAlert(key="k1", labels={"payer": "AETNA"}, since=datetime.datetime(2026, 3, 2, 9)).key
    'k1'
    """

    key: str = attrs.field(validator=v.text())
    labels: dict[str, str] = attrs.field(converter=_copy, validator=_label_map)
    since: datetime.datetime = attrs.field(validator=_when)


@attrs.frozen(kw_only=True)
class Sent:
    """The last notification of a group: when, and which alerts it carried.

    >>> Sent(at=datetime.datetime(2026, 3, 2, 9), alerts=frozenset({"k1"})).alerts
    frozenset({'k1'})
    """

    at: datetime.datetime = attrs.field(validator=_when)
    alerts: frozenset[str] = attrs.field(converter=as_frozenset, validator=v.each(v.text()))


_REASONS = ("first", "changed", "repeat", "waiting")
_ROUTE_PATH = re.compile(rf"\d{{1,6}}(?:\.\d{{1,6}}){{0,{MAX_DEPTH}}}\Z")


def _group_key(_: object, __: attrs.Attribute[Any], value: object) -> None:
    _check.instance(value, str, "$.key", "text")
    if not value:
        _check.fail("$.key", "value", "'key' must be a non-empty string (got '')")


def _route_path(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _ROUTE_PATH.match(value):
        got = f"got {_check.show(value)}"
        _check.fail("$.route", "format", f"'route' must be a route path like '0.1.0' ({got})")


def _reasons(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    _check.instance(value, dict, path, "a mapping of alert key to reason")
    for key, reason in value.items():  # type: ignore[attr-defined]
        where = f"{path}[{_check.show(key)}]"
        _check.text(key, where)
        _check.text(reason, where)


@attrs.frozen(kw_only=True)
class NotificationGroup:
    """One group of alerts for one receiver, and whether to notify it now.

    Args:
        key: The group's stable key: route path, receiver and ``group_by`` values.
        receiver: The owner reference to notify.
        route: The matching route's path in the tree (``0.1.0``: root, second child, its first).
        labels: The ``group_by`` labels and their values.
        alerts: The keys of its unmuted alerts, sorted.
        due: Whether to notify now.
        due_at: When it is (or was) due.
        reason: ``first`` (group_wait passed), ``changed`` (group_interval passed and the alerts
            changed), ``repeat`` (repeat_interval passed), or ``waiting``.
    """

    key: str = attrs.field(validator=_group_key)
    receiver: str = attrs.field(validator=v.identifier())
    route: str = attrs.field(validator=_route_path)
    labels: dict[str, str] = attrs.field(converter=_copy, validator=_label_map)
    alerts: tuple[str, ...] = attrs.field(converter=as_tuple, validator=[v.tuple_of(str), v.each(v.text())])
    due: bool = attrs.field(converter=as_flag, validator=v.flag())
    due_at: datetime.datetime = attrs.field(validator=_when)
    reason: str = attrs.field(validator=v.one_of(_REASONS))


@attrs.frozen(kw_only=True)
class NotificationPlan:
    """What to notify at ``now``: the groups (due or not) and the muted alerts with why.

    Args:
        now: The time the plan is for.
        groups: The groups, sorted by key.
        muted: Alert key to reason (``silenced by s1``, ``inhibited by k7``).
    """

    now: datetime.datetime = attrs.field(validator=_when)
    groups: tuple[NotificationGroup, ...] = attrs.field(
        converter=as_tuple, validator=v.tuple_of(NotificationGroup)
    )
    muted: dict[str, str] = attrs.field(converter=_copy, validator=_reasons)

    def __attrs_post_init__(self) -> None:
        for index, group in enumerate(self.groups):
            _check.aware_or_naive(group.due_at, f"$.groups[{index}].due_at", self.now, "$.now")

    @property
    def due(self) -> tuple[NotificationGroup, ...]:
        """The groups to notify now."""
        return tuple(group for group in self.groups if group.due)


def _alerts(value: object) -> tuple[PlanAlert, ...]:
    items = _check.tuple_of(value, PlanAlert, "$.alerts")
    seen: set[str] = set()
    for index, alert in enumerate(items):
        if alert.key in seen:
            _check.fail(f"$.alerts[{index}].key", "duplicate", f"alert key {_check.show(alert.key)} repeats")
        seen.add(alert.key)
    return items


def muted(
    alerts: Sequence[PlanAlert],
    now: datetime.datetime,
    silences: Iterable[SilenceRule] = (),
    inhibitions: Iterable[InhibitRule] = (),
) -> dict[str, str]:
    """The alerts that are muted at ``now``, and why: silenced first, then inhibited.

    As in Alertmanager, silences and inhibitions are independent mutes: every firing alert can
    inhibit others, a silenced one too (Alertmanager's inhibitor sees all firing alerts; a
    silence only stops an alert's own notifications).

    Args:
        alerts: The firing alerts.
        now: The time.
        silences: The silences.
        inhibitions: The inhibition rules.

    Returns:
        Alert key to ``"silenced by <id>"`` or ``"inhibited by <key>"``.

    Raises:
        ValidationError: Bad alerts (or repeated keys), silences, inhibitions or ``now``.

    >>> now = datetime.datetime(2026, 3, 2, 9)
    >>> a = PlanAlert(key="crit", labels={"severity": "critical"}, since=now)
    >>> b = PlanAlert(key="warn", labels={"severity": "warning"}, since=now)
    >>> muted([a, b], now, inhibitions=[InhibitRule(source_matchers=['severity="critical"'],
    ...                                             target_matchers=['severity="warning"'])])
    {'warn': 'inhibited by crit'}
    """
    items = _alerts(alerts)
    now = _at(now, "$.now")
    rules = _check.tuple_of(silences, SilenceRule, "$.silences")
    inhibits = _check.tuple_of(inhibitions, InhibitRule, "$.inhibitions")
    for index, silence in enumerate(rules):
        _check.aware_or_naive(silence.starts_at, f"$.silences[{index}].starts_at", now, "$.now")
    reasons: dict[str, str] = {}
    for alert in items:
        for silence in rules:
            if silence._mutes(alert.labels, now):  # noqa: SLF001 - checked above
                reasons[alert.key] = f"silenced by {silence.id}"
                break
    # Each rule's sources by their values of its ``equal`` labels, the first two in alert order
    # (the first other than the target is its inhibitor): one pass per rule, not one per pair.
    indexes: list[dict[tuple[str, ...], list[str]]] = []
    for rule in inhibits:
        by_equal: dict[tuple[str, ...], list[str]] = {}
        for source in items:
            if _all(rule.source_matchers, source.labels):
                bucket = by_equal.setdefault(tuple(source.labels.get(n, "") for n in rule.equal), [])
                if len(bucket) < 2:  # the target itself may be the first
                    bucket.append(source.key)
        indexes.append(by_equal)
    for alert in items:
        if alert.key in reasons:
            continue
        for rule, sources in zip(inhibits, indexes, strict=True):
            if not sources or not _all(rule.target_matchers, alert.labels):
                continue
            bucket = sources.get(tuple(alert.labels.get(n, "") for n in rule.equal), [])
            inhibitor = next((key for key in bucket if key != alert.key), None)
            if inhibitor is not None:
                reasons[alert.key] = f"inhibited by {inhibitor}"
                break
    return reasons


def _seconds(duration: Duration) -> datetime.timedelta:
    return datetime.timedelta(seconds=duration.seconds)


def notification_plan(
    tree: Route,
    alerts: Sequence[PlanAlert],
    now: datetime.datetime,
    *,
    sent: Mapping[str, Sent] | None = None,
    silences: Iterable[SilenceRule] = (),
    inhibitions: Iterable[InhibitRule] = (),
) -> NotificationPlan:
    """Group the unmuted alerts by matching route, receiver and ``group_by`` values, and say which are due.

    A group never notified is due ``group_wait`` after its earliest alert started firing. A group
    notified before is due ``group_interval`` after that notification when its alerts changed,
    and ``repeat_interval`` after it when they did not. A group whose alerts are all muted or
    resolved does not appear.

    Args:
        tree: The root route.
        alerts: The firing alerts.
        now: The time the plan is for.
        sent: The last notification of each group, by :attr:`NotificationGroup.key`.
        silences: The silences.
        inhibitions: The inhibition rules.

    Returns:
        The plan.

    Raises:
        ValidationError: A bad tree, alerts, ``sent``, silences, inhibitions, or naive and aware
            datetimes mixed.

    >>> now = datetime.datetime(2026, 3, 2, 9, 1)
    >>> tree = Route(receiver="accountable:denials", group_by=["payer"])
    >>> alert = PlanAlert(key="k1", labels={"payer": "AETNA"}, since=datetime.datetime(2026, 3, 2, 9))
    >>> plan = notification_plan(tree, [alert], now)
    >>> [(g.receiver, g.labels, g.alerts, g.reason) for g in plan.due]
    [('accountable:denials', {'payer': 'AETNA'}, ('k1',), 'first')]
    """
    root = _root(tree)
    items = _alerts(alerts)
    now = _at(now, "$.now")
    given_sent: object = sent  # typed as a mapping, but callers pass anything
    if given_sent is not None and not isinstance(given_sent, Mapping):
        got = f"got {_check.show(given_sent)}"
        _check.fail("$.sent", "type", f"'sent' must be a mapping of group key to Sent ({got})")
    history = dict(sent or {})
    for key, item in history.items():
        _check.instance(key, str, "$.sent", "a mapping of group key to Sent")
        _check.instance(item, Sent, f"$.sent[{_check.show(key)}]")
        _check.aware_or_naive(item.at, f"$.sent[{_check.show(key)}].at", now, "$.now")
    for index, alert in enumerate(items):
        _check.aware_or_naive(alert.since, f"$.alerts[{index}].since", now, "$.now")
    reasons = muted(items, now, silences, inhibitions)
    buckets: dict[str, tuple[_Effective, dict[str, str], list[PlanAlert]]] = {}
    # the routes an alert takes depend on the labels the tree's matchers read alone, and a
    # group's key on its route and values: each worked out once per distinct set of them
    read = sorted(_matched_names(root))
    routes: dict[tuple[str | None, ...], list[_Effective]] = {}
    group_keys: dict[tuple[object, ...], str] = {}
    for alert in items:
        if alert.key in reasons:
            continue
        labels = alert.labels
        seen = tuple([labels.get(name) for name in read])
        taken = routes.get(seen)
        if taken is None:
            taken = routes[seen] = _resolve(root, labels)
        for found in taken:
            names = sorted(labels) if found.group_by == ("...",) else found.group_by
            values = {name: labels.get(name, "") for name in names}
            shown = (found.path, found.receiver, *values.items())
            group_key = group_keys.get(shown)
            if group_key is None:
                text = json.dumps(values, sort_keys=True, ensure_ascii=False)
                group_key = group_keys[shown] = f"{found.path}:{found.receiver}:{text}"
            buckets.setdefault(group_key, (found, values, []))[2].append(alert)
    groups = []
    for key, (found, values, members) in sorted(buckets.items()):
        keys = tuple(sorted(member.key for member in members))
        last = history.get(key)
        if last is None:
            due_at, reason = min(m.since for m in members) + _seconds(found.group_wait), "first"
        elif frozenset(keys) != last.alerts:
            due_at, reason = last.at + _seconds(found.group_interval), "changed"
        else:
            due_at, reason = last.at + _seconds(found.repeat_interval), "repeat"
        due = now >= due_at
        groups.append(
            NotificationGroup(
                key=key,
                receiver=found.receiver,
                route=found.path,
                labels=values,
                alerts=keys,
                due=due,
                due_at=due_at,
                reason=reason if due else "waiting",
            )
        )
    return NotificationPlan(now=now, groups=tuple(groups), muted=reasons)
