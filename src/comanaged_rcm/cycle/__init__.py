"""The weekly governance cycle: one engagement document, one report, four renderers."""

from __future__ import annotations

from comanaged_rcm.cycle._render import (
    format_value,
    render_html,
    render_json,
    render_markdown,
    render_text,
)
from comanaged_rcm.cycle._report import (
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
    "format_value",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
]
