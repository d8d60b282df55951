"""KPI engine: outcome metrics above their drivers above activity metrics, under named conventions.

Facts arrive as column tables in a :class:`Book`; :func:`evaluate` turns them into a
:class:`Scorecard` of ratio-of-sums KPIs per slice, each :class:`KPIResult` carrying its value,
numerator, denominator, conventions and, when undefined, the reason. :func:`trend` does the same
over consecutive periods, :func:`measures` gives mergeable partials, :func:`catalogue` lists the
KPIs with their tier, direction and conventions, and :func:`check_hierarchy` validates the
driver-to-outcome graph.

>>> import datetime
>>> from comanaged_rcm.periods import Period
>>> book = Book(transactions={"claim_id": ["C1", "C1", "C2"], "payer": ["Acme", "Acme", "Beta"],
...     "service_date": ["2026-01-05"] * 3, "posting_date": ["2026-01-05", "2026-01-20", "2026-01-06"],
...     "type": ["charge", "payment", "charge"], "amount": [200.0, 150.0, 100.0]})
>>> card = evaluate(book, Period.month(2026, 1), by=["payer"], metrics=["net_collection_rate"])
>>> card.result("net_collection_rate").value, card.result("net_collection_rate", payer="Acme").share
(50.0, 66.66666666666667)
"""

from __future__ import annotations

from comanaged_rcm.kpi._api import evaluate, measures, trend
from comanaged_rcm.kpi._book import (
    OUTCOMES,
    SCHEMAS,
    TRANSACTION_TYPES,
    WRITE_OFF_REASONS,
    Book,
    Field,
    FieldKind,
)
from comanaged_rcm.kpi._catalogue import (
    Catalogue,
    Direction,
    Edge,
    EdgeKind,
    KPIDefinition,
    Tier,
    Unit,
    catalogue,
    check_hierarchy,
    register,
    unregister,
)
from comanaged_rcm.kpi._conventions import CONVENTIONS, DEFAULT_CONVENTIONS, Convention, resolve_conventions
from comanaged_rcm.kpi._engine import MEASURES, MeasureSet
from comanaged_rcm.kpi._lazy import ENGINE_EXTRA, LazyBook
from comanaged_rcm.kpi._measures import (
    Anchor,
    Bound,
    ByConvention,
    ClaimDate,
    ClaimRole,
    Condition,
    Derived,
    Interval,
    Lag,
    Measure,
    Signed,
    Term,
)
from comanaged_rcm.kpi._results import KPIResult, Scorecard, Status, Target, Trend, TrendPoint

__all__ = [
    "CONVENTIONS",
    "DEFAULT_CONVENTIONS",
    "ENGINE_EXTRA",
    "MEASURES",
    "OUTCOMES",
    "SCHEMAS",
    "TRANSACTION_TYPES",
    "WRITE_OFF_REASONS",
    "Anchor",
    "Book",
    "Bound",
    "ByConvention",
    "Catalogue",
    "ClaimDate",
    "ClaimRole",
    "Condition",
    "Convention",
    "Derived",
    "Direction",
    "Edge",
    "EdgeKind",
    "Field",
    "FieldKind",
    "Interval",
    "KPIDefinition",
    "KPIResult",
    "Lag",
    "LazyBook",
    "Measure",
    "MeasureSet",
    "Scorecard",
    "Signed",
    "Status",
    "Target",
    "Term",
    "Tier",
    "Trend",
    "TrendPoint",
    "Unit",
    "catalogue",
    "check_hierarchy",
    "evaluate",
    "measures",
    "register",
    "resolve_conventions",
    "trend",
    "unregister",
]
