"""The weekly governance report: plain frozen data, rendered elsewhere, JSON round-tripping.

Sections keep their order on purpose: outcomes first, then their drivers, then operational
visibility (activity) in a section of its own, then QA, escalations and scope findings.
"""

from __future__ import annotations

import datetime
from typing import Any

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from comanaged_rcm import _check as check
from comanaged_rcm._check import as_int, as_tuple, v
from comanaged_rcm.periods import Period
from comanaged_rcm.serialize import converter

__all__ = [
    "EscalationLine",
    "FindingLine",
    "GovernanceReport",
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

    ``partial_data`` is empty unless the report was made with ``allow_partial`` on a period the
    data does not cover; it then says which days have no data, and every renderer shows it
    first. ``data_findings`` are what the data holds that the engagement cannot place (work
    items of a team or workflow the scope split does not name, ids differing only in case).

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

    def __attrs_post_init__(self) -> None:
        if bool(self.zone) != (self.now is not None):
            given, missing = ("zone", "now") if self.zone else ("now", "zone")
            check.fail(
                f"$.{missing}",
                "value",
                f"a report with {given!r} needs {missing!r} too (both are set with business hours)",
            )
        if self.zone:
            return
        for i, line in enumerate(self.escalations):
            for name in ("deadline_at", "overdue"):
                if getattr(line, name) is not None:
                    check.fail(
                        f"$.escalations[{i}].{name}",
                        "value",
                        f"{name!r} is set but the report has no 'zone' (deadline moments and overdue"
                        " marks come with business hours)",
                    )


def _omit_if_default(cls: type[Any], *names: str) -> None:
    """Leave ``names`` out of ``cls``'s JSON while they hold their default (older reports stay byte-equal)."""
    fields: dict[str, Any] = {name: override(omit_if_default=True) for name in names}
    converter.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, converter, **fields))


_omit_if_default(EscalationLine, "deadline_at", "overdue")
_omit_if_default(GovernanceReport, "zone", "now")
