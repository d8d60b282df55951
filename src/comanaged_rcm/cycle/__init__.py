"""The weekly governance cycle: one engagement document, one report, four renderers.

An :class:`Engagement` holds the scope split, the cadence, KPI targets, QA policies and the
escalation rules; :func:`run_cycle` reads the provider's tables (:class:`CycleData`, from a
synthetic book or :func:`read_cycle_csv`) and returns a :class:`GovernanceReport`, which
:func:`render_text`, :func:`render_markdown`, :func:`render_json` and :func:`render_html` print.

Examples:
    >>> from comanaged_rcm.synthetic import generate_book
    >>> book = generate_book(seed=1, claims=3000)
    >>> report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.end)
    >>> report.period_label, [q.workflow for q in report.qa][:2]
    ('2026-W44', ['eligibility', 'prior_auth'])
"""

from __future__ import annotations

from comanaged_rcm.cycle._data import AUDIT_COLUMNS, CSV_COLUMNS, Auditor, CycleData, read_cycle_csv
from comanaged_rcm.cycle._economics import MarginFigure, MarginSection, margin
from comanaged_rcm.cycle._engagement import (
    DEFAULT_ACTIVITY,
    DEFAULT_DRIVERS,
    DEFAULT_OUTCOMES,
    SCHEMA_SECTIONS,
    SCHEMA_VERSION,
    Baseline,
    BusinessHoursSection,
    EconomicsSection,
    Engagement,
    Fee,
    OwnCost,
    QaPolicy,
    check_engagement,
    default_engagement,
    load_engagement,
)
from comanaged_rcm.cycle._ops import EscalationCount, Operations, OperationsSnapshot, operations_section
from comanaged_rcm.cycle._render import (
    MAX_ESCALATION_ROWS,
    format_value,
    render_html,
    render_json,
    render_markdown,
    render_text,
    write_report,
)
from comanaged_rcm.cycle._report import (
    GROUP_STATUSES,
    DecidedLine,
    DecisionLine,
    EscalationGroupLine,
    EscalationLine,
    FindingLine,
    GovernanceReport,
    Headline,
    KpiLine,
    OperationsSection,
    PartyWork,
    QaLine,
    TrendPoint,
    WorkflowQueue,
)
from comanaged_rcm.cycle._run import run_cycle, selection_seed
from comanaged_rcm.cycle._store import (
    HISTORY_SCHEMA_VERSION,
    Acknowledgement,
    Decision,
    HistoryBusyError,
    HistoryStore,
    HistoryVersionError,
    Snapshot,
    SQLiteHistory,
    Verdict,
    open_history,
)

__all__ = [
    "AUDIT_COLUMNS",
    "CSV_COLUMNS",
    "DEFAULT_ACTIVITY",
    "DEFAULT_DRIVERS",
    "DEFAULT_OUTCOMES",
    "GROUP_STATUSES",
    "HISTORY_SCHEMA_VERSION",
    "MAX_ESCALATION_ROWS",
    "SCHEMA_SECTIONS",
    "SCHEMA_VERSION",
    "Acknowledgement",
    "Auditor",
    "Baseline",
    "BusinessHoursSection",
    "CycleData",
    "DecidedLine",
    "Decision",
    "DecisionLine",
    "EconomicsSection",
    "Engagement",
    "EscalationCount",
    "EscalationGroupLine",
    "EscalationLine",
    "Fee",
    "FindingLine",
    "GovernanceReport",
    "Headline",
    "HistoryBusyError",
    "HistoryStore",
    "HistoryVersionError",
    "KpiLine",
    "MarginFigure",
    "MarginSection",
    "Operations",
    "OperationsSection",
    "OperationsSnapshot",
    "OwnCost",
    "PartyWork",
    "QaLine",
    "QaPolicy",
    "SQLiteHistory",
    "Snapshot",
    "TrendPoint",
    "Verdict",
    "WorkflowQueue",
    "check_engagement",
    "default_engagement",
    "format_value",
    "load_engagement",
    "margin",
    "open_history",
    "operations_section",
    "read_cycle_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "run_cycle",
    "selection_seed",
    "write_report",
]
