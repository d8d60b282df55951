"""The weekly governance report: plain frozen data, rendered elsewhere, JSON round-tripping.

Sections keep their order on purpose: outcomes first, then their drivers, then operational
visibility (activity) in a section of its own, then QA, escalations and scope findings.
"""

from __future__ import annotations

import datetime

import attrs

from comanaged_rcm.periods import Period

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


@attrs.frozen
class TrendPoint:
    """One period of a KPI trend; ``value`` is ``None`` where the KPI is undefined."""

    label: str
    period: Period
    value: float | None


@attrs.frozen(kw_only=True)
class KpiLine:
    """One KPI in the report: its value this period, its trend, and its status against target."""

    metric: str
    name: str
    tier: str
    unit: str
    direction: str
    value: float | None
    numerator: float
    denominator: float
    convention: str
    reason: str = ""
    target: float | None = None
    status: str = "no_target"
    change: float | None = None
    trend: tuple[TrendPoint, ...] = ()


@attrs.frozen(kw_only=True)
class PartyWork:
    """Who worked what this period (activity, never mixed with outcomes)."""

    party: str
    party_name: str
    kind: str
    workflow: str
    closed: int
    touches: int
    escalated: int
    open_items: int


@attrs.frozen(kw_only=True)
class WorkflowQueue:
    """A workflow's queue at the as-of date: backlog and how old it is."""

    workflow: str
    open_items: int
    aged_over_30: int
    median_age_days: float | None
    oldest_age_days: int | None


@attrs.frozen(kw_only=True)
class OperationsSection:
    """Operational visibility: activity by party and workflow, queues, open escalations."""

    by_party: tuple[PartyWork, ...]
    queues: tuple[WorkflowQueue, ...]
    activity_kpis: tuple[KpiLine, ...]
    open_escalations: int


@attrs.frozen(kw_only=True)
class QaLine:
    """A workflow's QA: this period's plan and selection, and the last audited period's result."""

    workflow: str
    confidence: float
    tolerable_rate: float
    expected_rate: float
    population: int
    sample_size: int
    acceptable_deviations: int
    method: str
    convention: str
    selection_seed: int
    selection_algorithm: str
    selected: tuple[str, ...]
    audited_period: str
    audited_sample: int
    deviations: int
    observed_rate: float | None
    upper_limit: float | None
    passed: bool | None
    conclusion: str


@attrs.frozen(kw_only=True)
class EscalationLine:
    """An open escalation: to whom, by when, and why; ``since`` is when it started firing."""

    rule: str
    severity: str
    level: str
    owner: str
    owner_name: str
    entity: str
    deadline: datetime.date | None
    reason: str
    dedup_key: str
    since: datetime.date | None = None


@attrs.frozen
class FindingLine:
    """A finding of the scope-split validator."""

    rule: str
    severity: str
    path: str
    message: str


@attrs.frozen(kw_only=True)
class GovernanceReport:
    """The weekly governance report of a co-managed engagement."""

    engagement: str
    as_of: datetime.date
    period: Period
    period_label: str
    data_source: str
    outcomes: tuple[KpiLine, ...]
    drivers: tuple[KpiLine, ...]
    operations: OperationsSection
    qa: tuple[QaLine, ...]
    escalations: tuple[EscalationLine, ...]
    scope_findings: tuple[FindingLine, ...]
    kpi_basis: str = ""
