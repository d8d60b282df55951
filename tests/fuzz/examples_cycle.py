"""Valid example calls of every public callable of comanaged_rcm.cycle, for the API-wide fuzz test."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np

from comanaged_rcm.cycle import (
    BusinessHoursSection,
    CycleData,
    Engagement,
    EscalationLine,
    FindingLine,
    GovernanceReport,
    KpiLine,
    OperationsSection,
    PartyWork,
    QaLine,
    SQLiteHistory,
    TrendPoint,
    WorkflowQueue,
    default_engagement,
    open_history,
    run_cycle,
)
from comanaged_rcm.mapping import ExportMap, TableMap
from comanaged_rcm.periods import Period
from comanaged_rcm.sampling import Method
from comanaged_rcm.serialize import to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book, write_csv
from tests.fuzz.probes import Call

_P = "comanaged_rcm.cycle"
_WEEK = Period(datetime.date(2026, 5, 11), datetime.date(2026, 5, 18))
_NEW_YORK = datetime.timezone(datetime.timedelta(hours=-4))


@functools.cache
def small_book() -> SyntheticBook:
    """A tiny book (60 claims over 2 weeks), generated once: treat it as read-only."""
    return generate_book(seed=5, claims=60, weeks=2)


@functools.cache
def engagement() -> Engagement:
    """The default engagement with short trends and windows, so that a cycle runs in a blink."""
    return attrs.evolve(default_engagement(), trend_periods=2, kpi_window=1, escalation_periods=1)


@functools.cache
def data() -> CycleData:
    """The cycle data of :func:`small_book`."""
    return CycleData.from_synthetic(small_book())


@functools.cache
def report() -> GovernanceReport:
    """The governance report of :func:`small_book` (run once)."""
    return run_cycle(engagement(), data(), small_book().period.end)


def _warehouse() -> object:
    """A lazy book on DuckDB (the kpi examples' tables)."""
    from comanaged_rcm.kpi import LazyBook  # noqa: PLC0415 - needs the duckdb extra, a dev dependency
    from tests.fuzz.examples_kpi import _lazy_tables  # noqa: PLC0415

    return LazyBook(**_lazy_tables())  # type: ignore[arg-type]


_HISTORIES = iter(range(10**9))


def _history() -> SQLiteHistory:
    """A new history in the working directory (the fuzz test gives each test its own)."""
    return open_history(Path(f"history-{next(_HISTORIES)}.db"))


def _csv_files() -> dict[str, str]:
    """The book's CSV exports in the working directory (the fuzz test gives each test its own)."""
    folder = Path("cycle_csv")
    if not folder.exists():
        write_csv(small_book(), folder)
    return {name: str(folder / f"{name}.csv") for name in ("transactions", "submissions", "work_items")}


def _audits_file() -> str:
    path = Path("cycle_audits.csv")
    if not path.exists():
        path.write_text("item_id,workflow,error\nW00000001,denials,false\n", encoding="utf-8")
    return str(path)


def _trend() -> tuple[TrendPoint, ...]:
    return (TrendPoint("2026-W20", _WEEK, 96.1),)


def _kpi() -> dict[str, object]:
    return {
        "metric": "net_collection_rate",
        "name": "Net collection rate",
        "tier": "outcome",
        "unit": "percent",
        "direction": "higher",
        "value": 96.12,
        "numerator": 96120.0,
        "denominator": 100000.0,
        "convention": "ncr.posting_period.v1",
        "reason": "",
        "target": 95.0,
        "status": "on_track",
        "change": 0.4,
        "trend": _trend(),
    }


def _party_work() -> dict[str, object]:
    return {
        "party": "offshore_pod",
        "party_name": "Offshore pod",
        "kind": "partner_offshore",
        "workflow": "denials",
        "closed": 120,
        "touches": 300,
        "escalated": 4,
        "open_items": 35,
    }


def _queue() -> dict[str, object]:
    return {
        "workflow": "denials",
        "open_items": 35,
        "aged_over_30": 3,
        "median_age_days": 6.0,
        "oldest_age_days": 44,
    }


def _qa() -> dict[str, object]:
    return {
        "workflow": "denials",
        "confidence": 0.95,
        "tolerable_rate": 0.05,
        "expected_rate": 0.01,
        "population": 900,
        "sample_size": 93,
        "acceptable_deviations": 1,
        "method": "binomial",
        "convention": "aicpa.v1",
        "selection_seed": 7,
        "selection_algorithm": "pcg64-fisher-yates v1",
        "selected": ("W1", "W9"),
        "audited_period": "2026-W19",
        "audited_sample": 93,
        "deviations": 7,
        "observed_rate": 7 / 93,
        "upper_limit": 0.1392,
        "passed": False,
        "conclusion": "upper limit 13.9% exceeds tolerable 5.0%",
    }


def _escalation() -> dict[str, object]:
    return {
        "rule": "write_off_over_limit",
        "severity": "critical",
        "level": "provider_decision_owner",
        "owner": "client_rcm_director",
        "owner_name": "Client RCM director",
        "entity": "claim_id=C0000001",
        "deadline": datetime.date(2026, 5, 20),
        "reason": "balance over the limit",
        "dedup_key": "write_off_over_limit:C0000001",
        "since": datetime.date(2026, 5, 18),
        "deadline_at": datetime.datetime(2026, 5, 20, 12, 0, tzinfo=_NEW_YORK),
        "overdue": False,
    }


def _operations() -> dict[str, object]:
    return {
        "by_party": (PartyWork(**_party_work()),),  # type: ignore[arg-type]
        "queues": (WorkflowQueue(**_queue()),),  # type: ignore[arg-type]
        "activity_kpis": (),
        "open_escalations": 1,
    }


def _report() -> dict[str, object]:
    return {
        "engagement": "Demo Health",
        "as_of": datetime.date(2026, 5, 18),
        "period": _WEEK,
        "period_label": "2026-W20",
        "data_source": "synthetic book",
        "outcomes": (KpiLine(**_kpi()),),  # type: ignore[arg-type]
        "drivers": (),
        "operations": OperationsSection(**_operations()),
        "qa": (QaLine(**_qa()),),  # type: ignore[arg-type]
        "escalations": (EscalationLine(**_escalation()),),  # type: ignore[arg-type]
        "scope_findings": (FindingLine("RACI-013", "warning", "$.activities[3]", "too many Informed"),),
        "kpi_basis": "each KPI value covers its own week",
        "zone": "America/New_York",
        "now": datetime.datetime(2026, 5, 18, 0, 0, tzinfo=_NEW_YORK),
    }


def _engagement() -> dict[str, object]:
    base = attrs.evolve(engagement(), business_hours=BusinessHoursSection(**_hours()))  # type: ignore[arg-type]
    return {field.name: getattr(base, field.name) for field in attrs.fields(Engagement)}


def _hours() -> dict[str, object]:
    return {
        "zone": "America/New_York",
        "calendar": "us_federal",
        "hours": {"monday": "08:00-17:00", "saturday": "09:00-12:00"},
        "closures": (datetime.date(2026, 12, 24),),
    }


def _tables() -> dict[str, object]:
    book = small_book()
    return {
        "transactions": book.transactions,
        "submissions": book.submissions,
        "work_items": book.work_items,
        "audits": {
            "item_id": np.array(["W00000001"]),
            "workflow": np.array(["denials"]),
            "error": np.array([False]),
        },
        "auditor": None,
        "source": "user data",
    }


EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.QaPolicy": lambda: Call(
        kwargs={
            "workflow": "denials",
            "confidence": 0.95,
            "tolerable_rate": 0.05,
            "expected_rate": 0.01,
            "method": Method.HYPERGEOMETRIC,
            "window": 4,
        }
    ),
    f"{_P}.BusinessHoursSection": lambda: Call(kwargs=_hours()),
    f"{_P}.Engagement": lambda: Call(kwargs=_engagement()),
    f"{_P}.CycleData": lambda: Call(kwargs=_tables()),
    f"{_P}.TrendPoint": lambda: Call(kwargs={"label": "2026-W20", "period": _WEEK, "value": 96.1}),
    f"{_P}.KpiLine": lambda: Call(kwargs=_kpi()),
    f"{_P}.PartyWork": lambda: Call(kwargs=_party_work()),
    f"{_P}.WorkflowQueue": lambda: Call(kwargs=_queue()),
    f"{_P}.OperationsSection": lambda: Call(kwargs=_operations()),
    f"{_P}.QaLine": lambda: Call(kwargs=_qa()),
    f"{_P}.EscalationLine": lambda: Call(kwargs=_escalation()),
    f"{_P}.FindingLine": lambda: Call(
        kwargs={"rule": "RACI-013", "severity": "warning", "path": "$.activities[3]", "message": "too many"}
    ),
    f"{_P}.GovernanceReport": lambda: Call(kwargs=_report()),
    f"{_P}.check_engagement": lambda: Call(kwargs={"engagement": engagement()}),
    f"{_P}.default_engagement": Call,
    f"{_P}.load_engagement": lambda: Call(kwargs={"source": to_json(engagement())}),
    f"{_P}.read_cycle_csv": lambda: Call(
        kwargs={**_csv_files(), "audits": _audits_file(), "mapping": ExportMap(tables={"audits": TableMap()})}
    ),
    f"{_P}.run_cycle": lambda: Call(
        kwargs={
            "engagement": engagement(),
            "data": data(),
            "as_of": small_book().period.end,
            "allow_partial": True,
            "history": _history(),
        }
    ),
    f"{_P}.selection_seed": lambda: Call(kwargs={"base": 20260504, "workflow": "denials", "period": _WEEK}),
    f"{_P}.format_value": lambda: Call(kwargs={"value": 96.23, "unit": "percent"}),
    f"{_P}.render_text": lambda: Call(kwargs={"report": report()}),
    f"{_P}.render_markdown": lambda: Call(kwargs={"report": report()}),
    f"{_P}.render_json": lambda: Call(kwargs={"report": report()}),
    f"{_P}.render_html": lambda: Call(kwargs={"report": report()}),
    f"{_P}.write_report": lambda: Call(kwargs={"report": report(), "directory": "report"}),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.Engagement.policy": lambda: (engagement(), "policy", Call(kwargs={"workflow": "denials"})),
    f"{_P}.CycleData.from_synthetic": lambda: (
        CycleData,
        "from_synthetic",
        Call(kwargs={"book": small_book()}),
    ),
    f"{_P}.CycleData.from_warehouse": lambda: (
        CycleData,
        "from_warehouse",
        Call(
            kwargs={
                "book": _warehouse(),
                "audits": {"item_id": ["W1"], "workflow": ["denials"], "error": [False]},
                "source": "warehouse",
            }
        ),
    ),
    f"{_P}.CycleData.book": lambda: (data(), "book", Call()),
    f"{_P}.CycleData.audit_results": lambda: (
        CycleData(**_tables()),  # type: ignore[arg-type]
        "audit_results",
        Call(kwargs={"workflow": "denials", "item_ids": np.array(["W00000001", "W00000002"])}),
    ),
}
