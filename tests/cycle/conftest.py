"""A small hand-built governance report for the renderer tests."""

from __future__ import annotations

import datetime

import pytest

from comanaged_rcm.cycle import (
    EscalationLine,
    FindingLine,
    GovernanceReport,
    KpiLine,
    OperationsSection,
    PartyWork,
    QaLine,
    TrendPoint,
    WorkflowQueue,
)
from comanaged_rcm.periods import Cadence

AS_OF = datetime.date(2026, 11, 23)


def _trend(values: list[float | None]) -> tuple[TrendPoint, ...]:
    cadence = Cadence.weekly()
    periods = cadence.periods_ending(AS_OF, len(values))
    return tuple(TrendPoint(cadence.label(p), p, v) for p, v in zip(periods, values, strict=True))


@pytest.fixture
def report() -> GovernanceReport:
    period = Cadence.weekly().periods_ending(AS_OF, 1)[0]
    ncr = KpiLine(
        metric="net_collection_rate", name="Net collection rate", tier="outcome", unit="percent",
        direction="higher", value=96.12, numerator=96120.0, denominator=100000.0,
        convention="ncr.posting_period.v1", target=95.0, status="on_track", change=0.4,
        trend=_trend([95.0, 95.5, None, 96.12]),
    )
    dar = KpiLine(
        metric="days_in_ar", name="Days in A/R", tier="outcome", unit="days", direction="lower",
        value=47.5, numerator=475000.0, denominator=10000.0, convention="dar.trailing_90d.v1",
        target=40.0, status="breach", change=2.5, trend=_trend([44.0, 45.0, 45.0, 47.5]),
    )
    denial = KpiLine(
        metric="initial_denial_rate", name="Initial denial rate <script>", tier="driver", unit="percent",
        direction="lower", value=None, numerator=0.0, denominator=0.0,
        convention="denial.claims.adjudicated.v1", reason="no claims adjudicated in the period",
    )
    closed = KpiLine(
        metric="items_closed", name="Items closed", tier="activity", unit="count",
        direction="higher", value=412.0, numerator=412.0, denominator=1.0, convention="activity.v1",
    )
    return GovernanceReport(
        engagement="Riverside Health x Partner",
        as_of=AS_OF,
        period=period,
        period_label="2026-W47",
        data_source="synthetic book, seed 7",
        outcomes=(ncr, dar),
        drivers=(denial,),
        operations=OperationsSection(
            by_party=(
                PartyWork(party="offshore_pod", party_name="Offshore pod", kind="partner_offshore",
                          workflow="denials", closed=120, touches=300, escalated=4, open_items=35),
            ),
            queues=(WorkflowQueue(workflow="denials", open_items=35, aged_over_30=3, median_age_days=6.0,
                                  oldest_age_days=44),
                    WorkflowQueue(workflow="appeals", open_items=0, aged_over_30=0, median_age_days=None,
                                  oldest_age_days=None)),
            activity_kpis=(closed,),
            open_escalations=2,
        ),
        qa=(
            QaLine(
                workflow="denials", confidence=0.95, tolerable_rate=0.05, expected_rate=0.01, population=900,
                sample_size=93, acceptable_deviations=1, method="binomial", convention="aicpa.v1",
                selection_seed=7, selection_algorithm="pcg64-fisher-yates v1", selected=("W1", "W9"),
                audited_period="2026-W46", audited_sample=93, deviations=7, observed_rate=7 / 93,
                upper_limit=0.1392, passed=False, conclusion="upper limit 13.9% exceeds tolerable 5.0%",
            ),
        ),
        escalations=(
            EscalationLine(
                rule="write_off_over_limit", severity="high", level="provider_decision_owner",
                owner="client_rcm_director", owner_name="Client RCM director", entity="C-1001",
                deadline=datetime.date(2026, 11, 25), reason="balance 6,120 > 5,000 and write-off proposed",
                dedup_key="write_off_over_limit:C-1001",
            ),
        ),
        scope_findings=(
            FindingLine("RACI-013", "warning", "$.activities[3]", "too many Informed parties | x"),
        ),
    )
