"""The open alerts of a step, grouped and routed: what a report lists and what a host notifies.

:func:`alert_groups` takes a :class:`State` (or its alerts) after :func:`step`, labels every open
alert for routing, and runs :func:`notification_plan` over a routing tree: the groups it returns
are the plan's groups (one per matching route, receiver and ``group_by`` values), each with its
count, its oldest and newest alerts, how many are overdue, and the dollars at stake when an
amount field is named. Silences and inhibitions (the state's own, the rules' ``inhibited_by``, and
any :class:`SilenceRule` / :class:`InhibitRule` given) mute alerts before grouping. The default
tree groups by rule, owner and decision type (:data:`DEFAULT_GROUP_BY`). The result is plain
data: :mod:`comanaged_rcm.serialize` writes it as JSON and reads it back, so a store can keep it,
and :meth:`AlertGrouping.sent` gives what the next call takes as ``sent``.

Each alert's labels, lowest precedence first: ``alertname`` (the rule id), ``severity``,
``level``, ``owner`` (the party id, or ``unassigned``), ``owner_ref`` (``decision:write_off``),
``decision`` (the rule's decision type when its owner is a decision holder), ``status``; then
the rule's :attr:`Rule.labels` (a rule label ``decision`` names the decision type); then the
entity's own labels (its dedup, grouping and inhibition fields), which are never overridden.

>>> from comanaged_rcm.escalation import FactKind, Level, Owner, step
>>> rule = Rule(id="write_off_over_limit", when="balance > 5000", applies_to=FactKind.QUEUE_ITEM,
...             level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("write_off"),
...             dedup_keys=("item_id",))
>>> now = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.timezone.utc)
>>> state, events = step([rule], State(), {"item_id": ["Q-1", "Q-2"], "balance": [7500, 9000]}, now)
>>> grouping = alert_groups(state, now + datetime.timedelta(minutes=5), rules=[rule], events=events,
...                         amount="balance")
>>> [(g.labels, g.count, g.amount) for g in grouping.groups]
[({'alertname': 'write_off_over_limit', 'owner': 'unassigned', 'decision': 'write_off'}, 2, 16500.0)]
"""

from __future__ import annotations

import datetime
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from comanaged_rcm import _check
from comanaged_rcm._check import as_tuple, v
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation._calendar import BusinessCalendar
from comanaged_rcm.escalation._compiled import CompiledRule
from comanaged_rcm.escalation._edge import build, whole_field
from comanaged_rcm.escalation._hours import overdue
from comanaged_rcm.escalation._models import AlertSeverity, OwnerKind, Rule
from comanaged_rcm.escalation._routing import (
    MAX_LABEL_CHARS,
    InhibitRule,
    Matcher,
    MatchOp,
    NotificationPlan,
    PlanAlert,
    Route,
    Sent,
    SilenceRule,
    notification_plan,
)
from comanaged_rcm.escalation._state import Alert, AlertStatus, Event, Silence, State

__all__ = ["DEFAULT_GROUP_BY", "AlertGroup", "AlertGrouping", "alert_groups", "default_route"]

DEFAULT_GROUP_BY = ("alertname", "owner", "decision")
"""The default grouping: rule x owner x decision type."""

_OPEN = (AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED)
_IDENTIFIER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}\Z")
_SEVERITY = {AlertSeverity.INFO: 0, AlertSeverity.WARNING: 1, AlertSeverity.CRITICAL: 2}


def default_route() -> Route:
    """The default routing tree: one route, receiver ``owner``, grouped by :data:`DEFAULT_GROUP_BY`.

    With it, whom to notify is each group's ``owner`` label (a RACI party id, or ``unassigned``).

    >>> default_route().group_by
    ('alertname', 'owner', 'decision')
    """
    return Route(receiver="owner", group_by=DEFAULT_GROUP_BY, group_wait="0s")


def _amount_field(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _check.field_name(value, "$.amount")


def _copy(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A mapping as a new plain ``dict``; anything else stays for the validator."""
    return dict(value) if isinstance(value, Mapping) else value


def _label_map(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    _check.instance(value, dict, path, "a mapping of label name to text")
    for name, item in value.items():  # type: ignore[attr-defined]
        _check.field_name(name, f"{path}[{_check.show(name)}]")
        _check.instance(item, str, f"{path}.{name}", "text")


def _optional_real(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _check.real(value, f"$.{attribute.name}")


@attrs.frozen(kw_only=True)
class AlertGroup:
    """One group of open alerts for one receiver, with what a report shows of it.

    Args:
        key: The group's stable key (the plan's: route path, receiver and ``group_by`` values).
        receiver: Whom the route notifies.
        route: The matching route's path (``0.1``).
        labels: The ``group_by`` labels and their values.
        alerts: The dedup keys of its alerts, sorted.
        count: How many alerts.
        severity: The highest severity among them.
        oldest_since: When the oldest alert's condition began to hold.
        newest_since: When the newest one's did.
        overdue: How many are past their acknowledgement deadline.
        amount: The sum of the amount field over the alerts that carry it (``None``: none does,
            or no amount field was named).
        amount_alerts: How many alerts carry the amount.
        due: Whether the plan notifies the group now.
        due_at: When it is (or was) due.
        reason: The plan's reason (``first``, ``changed``, ``repeat``, ``waiting``).
    """

    key: str = attrs.field(validator=v.text())
    receiver: str = attrs.field(validator=v.identifier())
    route: str = attrs.field(validator=v.text())
    labels: dict[str, str] = attrs.field(converter=_copy, validator=_label_map)
    alerts: tuple[str, ...] = attrs.field(converter=as_tuple, validator=[v.tuple_of(str), v.each(v.text())])
    count: int = attrs.field(validator=whole_field(minimum=1))
    severity: AlertSeverity | None = attrs.field(validator=v.optional(v.member(AlertSeverity)))
    oldest_since: datetime.datetime = attrs.field(validator=v.datetime())
    newest_since: datetime.datetime = attrs.field(validator=v.datetime())
    overdue: int = attrs.field(validator=whole_field())
    amount: float | None = attrs.field(validator=_optional_real)
    amount_alerts: int = attrs.field(validator=whole_field())
    due: bool = attrs.field(validator=v.flag())
    due_at: datetime.datetime = attrs.field(validator=v.datetime())
    reason: str = attrs.field(validator=v.text())

    def __attrs_post_init__(self) -> None:
        issues: list[Issue] = []
        if self.count != len(self.alerts):
            message = f"'count' must be the number of alerts ({len(self.alerts)}, got {self.count})"
            issues += [Issue("$.count", "value", message), Issue("$.alerts", "value", message)]
        for name, value in (("overdue", self.overdue), ("amount_alerts", self.amount_alerts)):
            if value > self.count:
                message = f"{name!r} must be at most 'count' ({self.count}, got {value})"
                issues += [Issue(f"$.{name}", "range", message), Issue("$.count", "range", message)]
        if issues:
            raise ValidationError(issues)
        _check.aware_or_naive(self.oldest_since, "$.oldest_since", self.newest_since, "$.newest_since")
        if self.newest_since < self.oldest_since:
            message = "'newest_since' must not be before 'oldest_since'"
            raise ValidationError(
                [Issue("$.newest_since", "range", message), Issue("$.oldest_since", "range", message)]
            )


@attrs.frozen(kw_only=True)
class AlertGrouping:
    """The open alerts at ``now``, grouped, and the notification plan they come from.

    Args:
        now: The time the grouping is for.
        amount: The amount field summed per group (``None``: none).
        groups: The groups, by key.
        plan: The notification plan (its groups are :attr:`groups` without the report figures;
            :attr:`NotificationPlan.muted` says which alerts were muted, and why).
    """

    now: datetime.datetime = attrs.field(validator=v.datetime())
    amount: str | None = attrs.field(validator=_amount_field)
    groups: tuple[AlertGroup, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(AlertGroup))
    plan: NotificationPlan = attrs.field(validator=v.instance(NotificationPlan))

    @property
    def due(self) -> tuple[AlertGroup, ...]:
        """The groups to notify now."""
        return tuple(group for group in self.groups if group.due)

    def sent(self, previous: Mapping[str, Sent] | None = None) -> dict[str, Sent]:
        """The ``sent`` map for the next call: ``previous`` with the groups notified now.

        Raises:
            ValidationError: ``previous`` not a mapping of group key to :class:`Sent`.
        """
        given: object = previous
        if given is not None and not isinstance(given, Mapping):
            _check.fail(
                "$.previous",
                "type",
                f"'previous' must be a mapping of group key to Sent (got {_check.show(given)})",
            )
        result = dict(previous or {})
        for key, item in result.items():
            _check.instance(item, Sent, f"$.previous[{_check.show(key)}]")
        for group in self.due:
            result[group.key] = Sent(at=self.now, alerts=frozenset(group.alerts))
        return result

    def _rows(self) -> list[list[str]]:
        rows = []
        for group in self.groups:
            labels = ", ".join(f"{name}={value}" for name, value in group.labels.items()) or "-"
            amount = "-" if group.amount is None else f"{group.amount:,.2f} ({group.amount_alerts})"
            rows.append(
                [
                    labels,
                    group.receiver,
                    str(group.count),
                    str(group.overdue),
                    amount,
                    group.oldest_since.isoformat(timespec="minutes"),
                    "now"
                    if group.due
                    else f"{group.reason} until {group.due_at.isoformat(timespec='minutes')}",
                ]
            )
        return rows

    _HEADER = ("group", "receiver", "alerts", "overdue", "amount", "oldest", "notify")

    def __str__(self) -> str:
        head = f"{len(self.groups)} group(s) at {self.now.isoformat(timespec='minutes')}"
        muted = f", {len(self.plan.muted)} alert(s) muted" if self.plan.muted else ""
        lines = [f"{head}{muted}"]
        lines.extend("  " + " | ".join(row) for row in self._rows())
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        header = [*self._HEADER]
        if self.amount is not None:
            header[4] = f"amount ({self.amount})"
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines.extend(
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in self._rows()
        )
        return "\n".join(lines)


# ------------------------------------------------------------------------------------ building
def _rules(rules: object) -> dict[str, Rule]:
    found: dict[str, Rule] = {}
    for index, item in enumerate(_check.sequence(rules, "$.rules")):
        rule = item.rule if isinstance(item, CompiledRule) else item
        _check.instance(rule, Rule, f"$.rules[{index}]", "a Rule or CompiledRule")
        found[rule.id] = rule
    return found


def _open_alerts(source: object) -> tuple[tuple[Alert, ...], tuple[Silence, ...]]:
    if isinstance(source, State):
        return tuple(a for _, a in sorted(source.alerts.items()) if a.status in _OPEN), source.silences
    items = _check.tuple_of(source, Alert, "$.source", "a State or a sequence of Alert")
    return tuple(a for a in items if a.status in _OPEN), ()


def _labels(alert: Alert, rule: Rule | None) -> dict[str, str]:
    labels = {
        "alertname": alert.rule,
        "level": alert.level.value if alert.level else "",
        "owner": alert.owner or "unassigned",
        "status": alert.status.value,
    }
    if rule is not None:
        rung = rule.rungs[min(alert.rung, len(rule.rungs) - 1)]
        labels["severity"] = rule.severity.value
        labels["owner_ref"] = f"{rung.owner.kind.value}:{rung.owner.ref}"
        if rung.owner.kind is OwnerKind.DECISION:
            labels["decision"] = rung.owner.ref
        labels.update(rule.labels)
    labels.update(alert.labels)
    return labels


def _plan_alerts(alerts: Sequence[Alert], labels: Sequence[dict[str, str]]) -> list[PlanAlert]:
    """The alerts as the plan sees them, each with its labels.

    The labels are checked as :class:`PlanAlert` checks them, each distinct name once and every
    value's length, and the plan's alerts built without checking each again (their keys and
    times are an :class:`Alert`'s, checked when it was made). Labels that fail go through
    :class:`PlanAlert` itself, whose error names the bad one.
    """
    names: set[str] = set().union(*labels) if labels else set()
    try:
        for name in names:
            _check.field_name(name, "$.labels")
    except ValidationError:
        trusted = False
    else:
        values = list(itertools.chain.from_iterable(map(dict.values, labels)))
        trusted = set(map(type, values)) <= {str} and max(map(len, values), default=0) <= MAX_LABEL_CHARS
    if not trusted:
        return [PlanAlert(key=a.key, labels=m, since=a.since) for a, m in zip(alerts, labels, strict=True)]
    return [build(PlanAlert, key=a.key, labels=m, since=a.since) for a, m in zip(alerts, labels, strict=True)]


def _number(text: str, path: str, key: str, name: str) -> float | None:
    """An amount's text (a label, or an input's JSON) as a number; empty or ``null`` is none."""
    if text in {"", "null"}:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _check.fail(
            path,
            "value",
            f"amount {name!r} of alert {key!r} is not a finite number (got {_check.show(text)})",
        )
    return float(value)


def _amounts(alerts: Iterable[Alert], events: tuple[Event, ...], name: str) -> dict[str, float | None]:
    """Each alert's amount: its own label, else the latest event of its key that holds it."""
    latest: dict[str, tuple[str, str]] = {}
    for index, event in enumerate(events):
        if event.key is None:
            continue
        if name in event.labels:
            latest[event.key] = (event.labels[name], f"$.events[{index}].labels.{name}")
        elif name in event.inputs:
            latest[event.key] = (event.inputs[name], f"$.events[{index}].inputs.{name}")
    found: dict[str, float | None] = {}
    for alert in alerts:
        if name in alert.labels:
            text, path = alert.labels[name], f"$.source[{_check.show(alert.key)}].labels.{name}"
        elif alert.key in latest:
            text, path = latest[alert.key]
        else:
            found[alert.key] = None
            continue
        found[alert.key] = _number(text, path, alert.key, name)
    return found


def _rule_amounts(
    alerts: Iterable[Alert], rules: Mapping[str, Rule]
) -> tuple[str | None, dict[str, float | None]]:
    """The amount at stake of each alert whose rule names one (:attr:`Alert.amount`), and its field.

    The field is the rules' one ``amount`` field, or ``amount`` when they name different ones;
    ``None`` (and no amounts) when no rule of the alerts names one.
    """
    named = {rule.id: rule.amount for rule in rules.values() if rule.amount is not None}
    found = {alert.key: alert.amount for alert in alerts if alert.rule in named}
    fields = {named[alert.rule] for alert in alerts if alert.rule in named}
    if not fields:
        return None, {}
    return (fields.pop() if len(fields) == 1 else "amount"), found


def _state_silences(silences: Iterable[Silence]) -> list[SilenceRule]:
    """The state's silences as routing silences (a silence of every alert matches ``alertname=~".+"``)."""
    made = []
    for index, silence in enumerate(silences):
        matchers = [Matcher(name, MatchOp.EQUAL, value) for name, value in sorted(silence.matchers.items())]
        if silence.rule is not None:
            matchers.insert(0, Matcher("alertname", MatchOp.EQUAL, silence.rule))
        if all(m.matches({}) for m in matchers):
            matchers.append(Matcher("alertname", MatchOp.REGEX, ".+"))
        made.append(
            SilenceRule(
                id=silence.id if _IDENTIFIER.match(silence.id) else f"state-silence-{index}",
                matchers=matchers,
                starts_at=silence.created,
                ends_at=silence.expires,
                created_by=silence.author,
                comment=silence.reason,
            )
        )
    return made


def _rule_inhibitions(rules: Mapping[str, Rule]) -> list[InhibitRule]:
    return [
        InhibitRule(
            source_matchers=[Matcher("alertname", MatchOp.EQUAL, inhibition.rule)],
            target_matchers=[Matcher("alertname", MatchOp.EQUAL, rule.id)],
            equal=inhibition.equal,
        )
        for rule in rules.values()
        for inhibition in rule.inhibited_by
    ]


def alert_groups(
    source: State | Iterable[Alert],
    now: datetime.datetime,
    *,
    rules: Iterable[Rule | CompiledRule] = (),
    tree: Route | None = None,
    events: Iterable[Event] = (),
    amount: str | None = None,
    calendar: BusinessCalendar | None = None,
    sent: Mapping[str, Sent] | None = None,
    silences: Iterable[SilenceRule] = (),
    inhibitions: Iterable[InhibitRule] = (),
) -> AlertGrouping:
    """Group the open (firing and acknowledged) alerts for a report and plan their notification.

    Args:
        source: The state after :func:`step` (its silences apply too), or alerts.
        now: The time (aware when the alerts' times are).
        rules: The rules of the alerts: their severity, owner reference, decision type, labels
            and ``inhibited_by`` (without them, alerts carry only their own labels). Every open
            alert's rule must be among them when any is given.
        tree: The routing tree (``None``: :func:`default_route`).
        events: Events of the step(s), read for the amount of alerts whose labels lack it.
        amount: A label or fact field summed per group (``balance``: the dollars at stake).
            ``None``: each alert's :attr:`Alert.amount` where its rule names an amount field
            (:attr:`Rule.amount`); the grouping's ``amount`` is that field (``amount`` when the
            rules name different ones), or ``None`` when no rule among ``rules`` names one.
        calendar: For overdue deadline days: a :class:`BusinessHours` reads them in its zone.
        sent: The last notification of each group (:meth:`AlertGrouping.sent` of the last call).
        silences: Further silences.
        inhibitions: Further inhibition rules.

    Returns:
        The grouping.

    Raises:
        ValidationError: A bad argument; an open alert whose rule is not among ``rules``; an
            amount that is not a finite number; naive and aware times mixed.
    """
    alerts, state_silences = _open_alerts(source)
    _check.datetime_(now, "$.now")
    known = _rules(rules)
    given_events = _check.tuple_of(events, Event, "$.events")
    if amount is not None:
        _check.field_name(amount, "$.amount")
    if calendar is not None:
        _check.instance(calendar, BusinessCalendar, "$.calendar")
    if known:
        for alert in alerts:
            if alert.rule not in known:
                _check.fail(
                    f"$.source[{_check.show(alert.key)}].rule",
                    "reference",
                    f"alert {alert.key!r} is of rule {alert.rule!r}, which is not among 'rules'"
                    f"{_check.suggest(alert.rule, list(known))}",
                )
    by_key = {alert.key: alert for alert in alerts}
    plan_alerts = _plan_alerts(alerts, [_labels(a, known.get(a.rule)) for a in alerts])
    plan = notification_plan(
        default_route() if tree is None else tree,
        plan_alerts,
        now,
        sent=sent,
        silences=[*_state_silences(state_silences), *_check.tuple_of(silences, SilenceRule, "$.silences")],
        inhibitions=[*_rule_inhibitions(known), *_check.tuple_of(inhibitions, InhibitRule, "$.inhibitions")],
    )
    if amount is not None:
        amounts = _amounts(alerts, given_events, amount)
    else:
        amount, amounts = _rule_amounts(alerts, known)
    groups = []
    for group in plan.groups:
        members = [by_key[key] for key in group.alerts]
        values = [value for a in members if (value := amounts.get(a.key)) is not None]
        severities = [known[a.rule].severity for a in members if a.rule in known]
        groups.append(
            AlertGroup(
                key=group.key,
                receiver=group.receiver,
                route=group.route,
                labels=group.labels,
                alerts=group.alerts,
                count=len(members),
                severity=max(severities, key=_SEVERITY.__getitem__) if severities else None,
                oldest_since=min(a.active_since for a in members),
                newest_since=max(a.active_since for a in members),
                overdue=sum(overdue(a.deadline_at or a.deadline, now, calendar) for a in members),
                amount=math.fsum(values) if values else None,
                amount_alerts=len(values),
                due=group.due,
                due_at=group.due_at,
                reason=group.reason,
            )
        )
    return AlertGrouping(now=now, amount=amount, groups=tuple(groups), plan=plan)
