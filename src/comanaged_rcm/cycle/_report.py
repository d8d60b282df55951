"""The weekly governance report: plain frozen data, rendered elsewhere, JSON round-tripping.

Sections keep their order on purpose: outcomes first, then their drivers, then operational
visibility (activity) in a section of its own, then QA, escalations and scope findings.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from comanaged_rcm import _check as check
from comanaged_rcm._check import as_int, as_tuple, v
from comanaged_rcm.cycle._economics import MarginSection
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.periods import Period
from comanaged_rcm.serialize import converter

__all__ = [
    "GROUP_STATUSES",
    "DecidedLine",
    "DecisionLine",
    "EscalationGroupLine",
    "EscalationLine",
    "FindingLine",
    "GovernanceReport",
    "Headline",
    "KpiLine",
    "OperationsSection",
    "PartyWork",
    "QaLine",
    "TrendPoint",
    "WorkflowQueue",
]

# Every field is checked at construction (a report built in Python, or read back from JSON, is as
# strict as one run_cycle builds): numbers are finite (``None`` where a KPI is undefined, never NaN),
# counts are counts, text is text. Notes quote data (an alert's entity, a finding's message), so
# they may be empty and span lines.
_REAL = v.real()
_OPTIONAL_REAL = v.optional(v.real())
_OPTIONAL_FRACTION = v.optional(v.real(minimum=0, maximum=1))
_NOTE = v.text(empty=True, multiline=True)
_OPTIONAL_DAY = v.optional(v.date())
_OPTIONAL_MOMENT = v.optional(v.datetime(aware=True))
_OPTIONAL_COUNT = v.optional(v.count())
_OPTIONAL_AMOUNT = v.optional(v.real(minimum=0))
_KEYS = v.tuple_of(str, "text")

GROUP_STATUSES = ("new", "open", "resolved")
"""An escalation group's status this week: opened during it, open before and still, or closed in it."""


@attrs.frozen
class TrendPoint:
    """One period of a KPI trend; ``value`` is ``None`` where the KPI is undefined."""

    label: str = attrs.field(validator=v.text())
    period: Period = attrs.field(validator=v.instance(Period))
    value: float | None = attrs.field(validator=_OPTIONAL_REAL)


@attrs.frozen(kw_only=True)
class KpiLine:
    """One KPI in the report: its value this period, its trend, and its status against target."""

    metric: str = attrs.field(validator=v.identifier())
    name: str = attrs.field(validator=v.text())
    tier: str = attrs.field(validator=v.text())
    unit: str = attrs.field(validator=v.text())
    direction: str = attrs.field(validator=v.text())
    value: float | None = attrs.field(validator=_OPTIONAL_REAL)
    numerator: float = attrs.field(validator=_REAL)
    denominator: float = attrs.field(validator=_REAL)
    convention: str = attrs.field(validator=_NOTE)
    reason: str = attrs.field(default="", validator=_NOTE)
    target: float | None = attrs.field(default=None, validator=_OPTIONAL_REAL)
    status: str = attrs.field(default="no_target", validator=v.text())
    change: float | None = attrs.field(default=None, validator=_OPTIONAL_REAL)
    trend: tuple[TrendPoint, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(TrendPoint)
    )


@attrs.frozen(kw_only=True)
class PartyWork:
    """Who worked what this period (activity, never mixed with outcomes)."""

    party: str = attrs.field(validator=v.text())
    party_name: str = attrs.field(validator=v.text())
    kind: str = attrs.field(validator=v.text())
    workflow: str = attrs.field(validator=v.text())
    closed: int = attrs.field(converter=as_int, validator=v.count())
    touches: int = attrs.field(converter=as_int, validator=v.count())
    escalated: int = attrs.field(converter=as_int, validator=v.count())
    open_items: int = attrs.field(converter=as_int, validator=v.count())


@attrs.frozen(kw_only=True)
class WorkflowQueue:
    """A workflow's queue at the as-of date: backlog and how old it is."""

    workflow: str = attrs.field(validator=v.text())
    open_items: int = attrs.field(converter=as_int, validator=v.count())
    aged_over_30: int = attrs.field(converter=as_int, validator=v.count())
    median_age_days: float | None = attrs.field(validator=_OPTIONAL_REAL)
    oldest_age_days: int | None = attrs.field(converter=as_int, validator=v.optional(v.count()))


@attrs.frozen(kw_only=True)
class OperationsSection:
    """Operational visibility: activity by party and workflow, queues, open escalations."""

    by_party: tuple[PartyWork, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(PartyWork))
    queues: tuple[WorkflowQueue, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(WorkflowQueue))
    activity_kpis: tuple[KpiLine, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(KpiLine))
    open_escalations: int = attrs.field(converter=as_int, validator=v.count())


@attrs.frozen(kw_only=True)
class QaLine:
    """A workflow's QA: this period's plan and selection, and the last audited period's result."""

    workflow: str = attrs.field(validator=v.text())
    confidence: float = attrs.field(validator=v.rate())
    tolerable_rate: float = attrs.field(validator=v.rate())
    expected_rate: float = attrs.field(validator=v.rate(low_open=False))
    population: int = attrs.field(converter=as_int, validator=v.count())
    sample_size: int = attrs.field(converter=as_int, validator=v.count())
    acceptable_deviations: int = attrs.field(converter=as_int, validator=v.count())
    method: str = attrs.field(validator=v.text())
    convention: str = attrs.field(validator=_NOTE)
    selection_seed: int = attrs.field(
        converter=as_int, validator=v.count(minimum=-(2**63), maximum=2**64 - 1)
    )
    selection_algorithm: str = attrs.field(validator=v.text())
    selected: tuple[str, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(str, "text"))
    audited_period: str = attrs.field(validator=v.text())
    audited_sample: int = attrs.field(converter=as_int, validator=v.count())
    deviations: int = attrs.field(converter=as_int, validator=v.count())
    observed_rate: float | None = attrs.field(validator=_OPTIONAL_FRACTION)
    upper_limit: float | None = attrs.field(validator=_OPTIONAL_FRACTION)
    passed: bool | None = attrs.field(validator=v.optional(v.flag()))
    conclusion: str = attrs.field(validator=_NOTE)


@attrs.frozen(kw_only=True)
class EscalationLine:
    """An open escalation: to whom, by when, and why; ``since`` is when it started firing.

    ``reason`` is the full explanation of the evaluation that fired it; ``message`` the rule's
    message with the latest evaluation's values, ``amount`` the dollars at stake (``None``:
    unknown), ``group`` the key of its :class:`EscalationGroupLine` (empty when muted), and
    ``muted`` why its notification is muted (an inhibiting alert or a silence; empty when not).

    With the engagement's business hours, ``deadline_at`` is the deadline's moment (aware)
    when the rung counts business hours, and ``overdue`` says whether the deadline (that
    moment, or the close of the ``deadline`` day in the provider's zone) is before the
    report's clock; both are ``None`` in a report without business hours.
    """

    rule: str = attrs.field(validator=v.text())
    severity: str = attrs.field(validator=_NOTE)
    level: str = attrs.field(validator=_NOTE)
    owner: str = attrs.field(validator=_NOTE)
    owner_name: str = attrs.field(validator=v.text())
    entity: str = attrs.field(validator=_NOTE)
    deadline: datetime.date | None = attrs.field(validator=v.optional(v.date()))
    reason: str = attrs.field(validator=_NOTE)
    dedup_key: str = attrs.field(validator=v.text())
    since: datetime.date | None = attrs.field(default=None, validator=v.optional(v.date()))
    deadline_at: datetime.datetime | None = attrs.field(
        default=None, validator=v.optional(v.datetime(aware=True))
    )
    overdue: bool | None = attrs.field(default=None, validator=v.optional(v.flag()))
    group: str = attrs.field(default="", validator=_NOTE)
    message: str = attrs.field(default="", validator=_NOTE)
    amount: float | None = attrs.field(default=None, validator=_OPTIONAL_REAL)
    muted: str = attrs.field(default="", validator=_NOTE)


def _at_most_count(instance: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:  # noqa: ANN401 - any line with a count
    """A part of the line's ``count`` (overdue, deferred, acknowledged...) is at most the count."""
    if value is not None and value > instance.count:
        check.fail(
            f"$.{attribute.name}",
            "range",
            f"{attribute.name!r} must be at most 'count' ({instance.count}, got {value})",
        )


def _keys_counted(instance: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:  # noqa: ANN401 - any line with a count
    """The line's alert keys are distinct and as many as its ``count``."""
    if len(set(value)) != len(value) or len(value) != instance.count:
        message = (
            f"{attribute.name!r} must hold 'count' ({instance.count}) distinct keys (got {len(value)}"
            f", {len(set(value))} distinct)"
        )
        paths = [f"$.{attribute.name}"] + (["$.count"] if len(value) != instance.count else [])
        raise ValidationError([Issue(path, "value", message) for path in paths])


@attrs.frozen(kw_only=True)
class EscalationGroupLine:
    """A group of escalations (rule x owner x decision type by default) and its status this week.

    ``status`` is ``new`` (no such group was open at the week's start), ``open`` (it was, and
    still is) or ``resolved`` (it was open at the week's start and no alert of it is now); a
    report without a start state calls every group ``open``. ``alerts`` are the dedup keys of
    its open alerts (the report's :class:`EscalationLine` of each), or, for a resolved group,
    those it had at the week's start. ``amount`` sums the dollars at stake over the
    ``amount_items`` alerts that carry an amount (``None``: none does). ``since`` is when the
    oldest alert's condition began to hold; ``message`` is the rule's message for the most
    urgent alert with the latest evaluation's values. ``overdue`` counts alerts past their
    deadline (``None`` without business hours); ``acknowledged`` those acknowledged.

    Raises:
        ValidationError: A field of the wrong type or range; ``alerts`` not ``count`` distinct
            keys; ``overdue``, ``acknowledged`` or ``amount_items`` above ``count``.
    """

    key: str = attrs.field(validator=v.text())
    rule: str = attrs.field(validator=v.text())
    owner: str = attrs.field(validator=_NOTE)
    owner_name: str = attrs.field(validator=v.text())
    decision: str = attrs.field(validator=_NOTE)
    severity: str = attrs.field(validator=_NOTE)
    status: str = attrs.field(validator=v.one_of(GROUP_STATUSES))
    count: int = attrs.field(converter=as_int, validator=v.count())
    alerts: tuple[str, ...] = attrs.field(converter=as_tuple, validator=[_KEYS, _keys_counted])
    amount: float | None = attrs.field(validator=_OPTIONAL_REAL)
    amount_items: int = attrs.field(converter=as_int, validator=[v.count(), _at_most_count])
    since: datetime.date = attrs.field(validator=v.date())
    deadline: datetime.date | None = attrs.field(validator=_OPTIONAL_DAY)
    deadline_at: datetime.datetime | None = attrs.field(default=None, validator=_OPTIONAL_MOMENT)
    overdue: int | None = attrs.field(
        default=None, converter=as_int, validator=[_OPTIONAL_COUNT, _at_most_count]
    )
    acknowledged: int = attrs.field(default=0, converter=as_int, validator=[v.count(), _at_most_count])
    message: str = attrs.field(default="", validator=_NOTE)


@attrs.frozen(kw_only=True)
class DecisionLine:
    """The items waiting for one client-reserved decision type (``write_off``, ``appeal_strategy``...).

    An item waits when its alert is open, its current owner is a decision holder for a decision
    of :data:`comanaged_rcm.raci.CLIENT_RESERVED_DECISIONS`, that holder is a client party, and
    no approve or deny decision of the log covers it; ``deferred`` counts those whose latest
    decision is a deferral. ``amount`` sums the dollars at stake over the ``amount_items`` items
    that carry an amount (``None``: none does); ``since`` is when the oldest item began,
    ``deadline`` the earliest deadline; ``overdue`` counts items past their deadline (``None``
    without business hours). ``recommendation`` is the partner's, from the rule's
    ``recommendation`` annotation (empty when the rule gives none). ``alerts`` are the items'
    dedup keys.

    Raises:
        ValidationError: A field of the wrong type or range; ``alerts`` not ``count`` distinct
            keys; ``overdue``, ``deferred`` or ``amount_items`` above ``count``.
    """

    decision: str = attrs.field(validator=v.text())
    count: int = attrs.field(converter=as_int, validator=v.count(minimum=1))
    alerts: tuple[str, ...] = attrs.field(converter=as_tuple, validator=[_KEYS, _keys_counted])
    amount: float | None = attrs.field(validator=_OPTIONAL_REAL)
    amount_items: int = attrs.field(converter=as_int, validator=[v.count(), _at_most_count])
    since: datetime.date = attrs.field(validator=v.date())
    deadline: datetime.date | None = attrs.field(validator=_OPTIONAL_DAY)
    deadline_at: datetime.datetime | None = attrs.field(default=None, validator=_OPTIONAL_MOMENT)
    overdue: int | None = attrs.field(
        default=None, converter=as_int, validator=[_OPTIONAL_COUNT, _at_most_count]
    )
    deferred: int = attrs.field(default=0, converter=as_int, validator=[v.count(), _at_most_count])
    recommendation: str = attrs.field(default="", validator=_NOTE)


@attrs.frozen(kw_only=True)
class DecidedLine:
    """A decision of the log taken this week, and how many open items it covers (``items``).

    A decision covers the open alert whose dedup key is its ``key``, or every open alert of the
    escalation group whose key (:attr:`EscalationGroupLine.key`) it is.
    """

    id: str = attrs.field(validator=v.text())
    decision: str = attrs.field(validator=v.text())
    key: str = attrs.field(validator=v.text())
    verdict: str = attrs.field(validator=v.one_of(("approve", "deny", "defer")))
    actor: str = attrs.field(validator=v.text())
    at: datetime.datetime = attrs.field(validator=v.datetime(aware=True))
    note: str = attrs.field(default="", validator=_NOTE)
    amount: float | None = attrs.field(default=None, validator=_OPTIONAL_AMOUNT)
    items: int = attrs.field(default=0, converter=as_int, validator=v.count())


@attrs.frozen(kw_only=True)
class Headline:
    """What a revenue-cycle director reads first: decisions waiting, and the escalation groups.

    ``decisions`` items wait for the provider (``amount`` at stake over those carrying one;
    ``overdue`` past their deadline, ``None`` without business hours), ``decided`` decisions
    were taken this week; of the escalation groups, ``groups_open`` are open now (``groups_new``
    of them opened this week) and ``groups_resolved`` closed this week. The outcome KPIs in
    breach or watch are read from the report's outcomes.

    Raises:
        ValidationError: A field of the wrong type or range, or ``groups_new`` above
            ``groups_open``.
    """

    decisions: int = attrs.field(converter=as_int, validator=v.count())
    amount: float | None = attrs.field(validator=_OPTIONAL_REAL)
    overdue: int | None = attrs.field(converter=as_int, validator=_OPTIONAL_COUNT)
    decided: int = attrs.field(converter=as_int, validator=v.count())
    groups_open: int = attrs.field(converter=as_int, validator=v.count())
    groups_new: int = attrs.field(converter=as_int, validator=v.count())
    groups_resolved: int = attrs.field(converter=as_int, validator=v.count())

    def __attrs_post_init__(self) -> None:
        if self.groups_new > self.groups_open:
            check.fail(
                "$.groups_new",
                "range",
                f"'groups_new' must be at most 'groups_open' ({self.groups_open}, got {self.groups_new})",
            )


@attrs.frozen
class FindingLine:
    """A finding of the scope-split validator, or of the checks of the data against the engagement."""

    rule: str = attrs.field(validator=v.text())
    severity: str = attrs.field(validator=v.text())
    path: str = attrs.field(validator=v.text())
    message: str = attrs.field(validator=_NOTE)


@attrs.frozen(kw_only=True)
class GovernanceReport:
    """The weekly governance report of a co-managed engagement.

    ``as_of`` is the last day counted the report was made for: ``period`` is the last complete
    period of the cadence whose last day is on or before it, and the period's figures hold at
    the close of that last day.

    ``partial_data`` is empty unless the report was made with ``allow_partial`` on a period the
    data does not cover; it then says which days have no data, and every renderer shows it
    first. ``data_findings`` are what the data holds that the engagement cannot place (work
    items of a team or workflow the scope split does not name, ids differing only in case).
    ``history`` says how a run with a history continued from the recorded weeks (a week run
    again, weeks missing in between, acknowledgements that could not be applied); ``margin`` is
    the engagement's economics for the period, when it has an ``economics`` section.

    ``zone`` and ``now`` are set when the engagement has business hours: the provider's IANA
    zone, in which the escalations' deadlines are shown, and the report's clock (the close of
    the period's last day there, aware) against which a deadline is overdue. Without them
    (``""`` and ``None``) no escalation line has a deadline moment or an overdue mark.

    Raises:
        ValidationError: A field of the wrong type or range; ``zone`` not an IANA zone name;
            ``zone`` without ``now`` or ``now`` without ``zone``; a deadline moment or overdue
            mark in a report without a zone.
    """

    engagement: str = attrs.field(validator=v.text())
    as_of: datetime.date = attrs.field(validator=v.date())
    period: Period = attrs.field(validator=v.instance(Period))
    period_label: str = attrs.field(validator=v.text())
    data_source: str = attrs.field(validator=v.text())
    outcomes: tuple[KpiLine, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(KpiLine))
    drivers: tuple[KpiLine, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(KpiLine))
    operations: OperationsSection = attrs.field(validator=v.instance(OperationsSection))
    qa: tuple[QaLine, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(QaLine))
    escalations: tuple[EscalationLine, ...] = attrs.field(
        converter=as_tuple, validator=v.tuple_of(EscalationLine)
    )
    scope_findings: tuple[FindingLine, ...] = attrs.field(
        converter=as_tuple, validator=v.tuple_of(FindingLine)
    )
    kpi_basis: str = attrs.field(default="", validator=_NOTE)
    partial_data: str = attrs.field(default="", validator=_NOTE)
    data_findings: tuple[FindingLine, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(FindingLine)
    )
    zone: str = attrs.field(default="", validator=v.time_zone(empty=True))
    now: datetime.datetime | None = attrs.field(default=None, validator=v.optional(v.datetime(aware=True)))
    headline: Headline | None = attrs.field(default=None, validator=v.optional(v.instance(Headline)))
    decisions: tuple[DecisionLine, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(DecisionLine)
    )
    decided: tuple[DecidedLine, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(DecidedLine)
    )
    groups: tuple[EscalationGroupLine, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(EscalationGroupLine)
    )
    margin: MarginSection | None = attrs.field(default=None, validator=v.optional(v.instance(MarginSection)))
    history: tuple[FindingLine, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(FindingLine)
    )

    def __attrs_post_init__(self) -> None:
        if bool(self.zone) != (self.now is not None):
            given, missing = ("zone", "now") if self.zone else ("now", "zone")
            check.fail(
                f"$.{missing}",
                "value",
                f"a report with {given!r} needs {missing!r} too (both are set with business hours)",
            )
        self._check_keys()
        if self.headline is not None and self.headline != headline_of(
            self.decisions, self.decided, self.groups
        ):
            check.fail(
                "$.headline",
                "value",
                "the headline must sum up the report's 'decisions', 'decided' and 'groups'"
                f" (they give {headline_of(self.decisions, self.decided, self.groups)!r})",
            )
        if self.zone:
            return
        for field, lines in (
            ("escalations", self.escalations),
            ("decisions", self.decisions),
            ("groups", self.groups),
        ):
            for i, line in enumerate(lines):
                for name in ("deadline_at", "overdue"):
                    if getattr(line, name) is not None:
                        check.fail(
                            f"$.{field}[{i}].{name}",
                            "value",
                            f"{name!r} is set but the report has no 'zone' (deadline moments and overdue"
                            " marks come with business hours)",
                        )

    def _check_keys(self) -> None:
        """Every open group's and waiting decision's alert is one of the report's escalation lines."""
        if not (self.groups or self.decisions):
            return
        known = {line.dedup_key for line in self.escalations}
        parts: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
            ("groups", tuple(() if g.status == "resolved" else g.alerts for g in self.groups)),
            ("decisions", tuple(d.alerts for d in self.decisions)),
        )
        for field, keys in parts:
            for i, alerts in enumerate(keys):
                for j, key in enumerate(alerts):
                    if key not in known:
                        check.fail(
                            f"$.{field}[{i}].alerts[{j}]",
                            "reference",
                            f"alert {check.show(key)} is not among the report's 'escalations'",
                        )


def headline_of(
    decisions: tuple[DecisionLine, ...],
    decided: tuple[DecidedLine, ...],
    groups: tuple[EscalationGroupLine, ...],
) -> Headline:
    """The headline of a report with these decisions waiting, decisions taken and groups.

    >>> headline_of((), (), ()).decisions
    0
    """
    amounts = [line.amount for line in decisions if line.amount is not None]
    marks = [line.overdue for line in decisions if line.overdue is not None]
    statuses = [group.status for group in groups]
    return Headline(
        decisions=sum(line.count for line in decisions),
        amount=math.fsum(amounts) if amounts else None,
        overdue=sum(marks) if marks else None,
        decided=len(decided),
        groups_open=len(statuses) - statuses.count("resolved"),
        groups_new=statuses.count("new"),
        groups_resolved=statuses.count("resolved"),
    )


def _omit_if_default(cls: type[Any], *names: str) -> None:
    """Leave ``names`` out of ``cls``'s JSON while they hold their default (older reports stay byte-equal)."""
    fields: dict[str, Any] = {name: override(omit_if_default=True) for name in names}
    converter.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, converter, **fields))


_omit_if_default(EscalationLine, "deadline_at", "overdue", "group", "message", "amount", "muted")
_omit_if_default(EscalationGroupLine, "deadline_at", "overdue", "acknowledged", "message")
_omit_if_default(DecisionLine, "deadline_at", "overdue", "deferred", "recommendation")
_omit_if_default(
    GovernanceReport, "zone", "now", "headline", "decisions", "decided", "groups", "margin", "history"
)
