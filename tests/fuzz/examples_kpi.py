"""Valid example calls of every public callable of comanaged_rcm.kpi, for the API-wide fuzz test.

``register`` and ``unregister`` change the global catalogue, so their examples use KPI ids of
their own and clean up after themselves: the catalogue holds the example KPI only while the
example call (or the baseline the fuzz test keeps while it probes) is alive, and a finalizer on
that :class:`Call` removes it when the call is dropped. The catalogue ends as it began.
"""

from __future__ import annotations

import datetime
import weakref
from collections.abc import Callable

from comanaged_rcm.kpi import (
    Anchor,
    Book,
    Bound,
    Catalogue,
    Condition,
    Derived,
    Direction,
    Edge,
    EdgeKind,
    FieldKind,
    Interval,
    KPIDefinition,
    LazyBook,
    Measure,
    Scorecard,
    Target,
    Tier,
    Unit,
    catalogue,
    evaluate,
    measures,
    register,
    trend,
    unregister,
)
from comanaged_rcm.periods import Period
from tests.fuzz.probes import Call

_P = "comanaged_rcm.kpi"
_JAN = Period(datetime.date(2026, 1, 1), datetime.date(2026, 2, 1))
_FEB = Period(datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))

_TRANSACTIONS: dict[str, list[object]] = {
    "claim_id": ["C1", "C1", "C2", "C2"],
    "payer": ["A", "A", "B", "B"],
    "service_date": ["2026-01-05", "2026-01-05", "2026-01-10", "2026-01-10"],
    "posting_date": ["2026-01-06", "2026-01-20", "2026-01-11", "2026-02-03"],
    "type": ["charge", "payment", "charge", "write_off"],
    "amount": [100.0, 60.0, 200.0, 20.0],
    "write_off_reason": ["", "", "", "denial"],
}
_WORK_ITEMS: dict[str, list[object]] = {
    "item_id": ["W1", "W2"],
    "workflow": ["ar", "denials"],
    "team": ["t1", "t2"],
    "opened": ["2026-01-02", "2026-01-10"],
    "closed": ["2026-01-09", None],
    "touches": [3, 1],
    "escalated": [False, True],
}


def _tables() -> dict[str, dict[str, list[object]]]:
    """Fresh column tables (a callee may not share the lists of the next call)."""
    return {
        "transactions": {k: list(v) for k, v in _TRANSACTIONS.items()},
        "work_items": {k: list(v) for k, v in _WORK_ITEMS.items()},
    }


_BOOK = Book(**_tables())


def _lazy_tables() -> dict[str, object]:
    """The example tables as DuckDB relations (typed as a warehouse holds them)."""
    import duckdb  # noqa: PLC0415 - a dev dependency, imported by the examples that use it
    import polars as pl  # noqa: PLC0415

    frames: dict[str, object] = {}
    for name, columns in _tables().items():
        frame = pl.DataFrame(columns).with_columns(
            pl.col(c).str.to_date()
            for c in ("service_date", "posting_date", "opened", "closed")
            if c in columns
        )
        if "write_off_reason" in columns:
            frame = frame.with_columns(pl.col("write_off_reason").replace("", None))
        frames[name] = duckdb.from_arrow(frame.to_arrow())
    return frames


_LAZY = LazyBook(**_lazy_tables())  # type: ignore[arg-type]
_METRICS = ["net_collection_rate", "write_off_rate", "items_closed"]
_CARD = evaluate(_BOOK, _JAN, by=["payer"], metrics=_METRICS)
_MEASURES = measures(_BOOK, _JAN, by=["payer"])
_TREND = trend(_BOOK, [_JAN, _FEB], metrics=_METRICS)
_RESULT = _CARD.result("net_collection_rate")
_TARGET = Target(metric="net_collection_rate", target=95.0, watch=90.0, source="contract")


def _definition(kpi_id: str) -> KPIDefinition:
    return KPIDefinition(
        id=kpi_id,
        name="Cash per closed item",
        tier=Tier.ACTIVITY,
        direction=Direction.HIGHER,
        unit=Unit.RATIO,
        formula="cash / items closed",
        numerator=("cash",),
        denominator=("items_closed",),
    )


def _kpi_fields() -> dict[str, object]:
    return {
        "id": "payer_a_per_item",
        "name": "Payer A cash per closed item",
        "tier": Tier.ACTIVITY,
        "direction": Direction.HIGHER,
        "unit": Unit.RATIO,
        "formula": "payer A cash / items closed",
        "numerator": ("payer_a_cash",),
        "denominator": ("items_closed",),
    }


_REGISTER_ID = "fuzz_example_registered"
_UNREGISTER_ID = "fuzz_example_unregistered"


def _forget(kpi_id: str) -> None:
    """Take the example KPI out of the catalogue if it is there."""
    if any(k.id == kpi_id for k in catalogue()):
        unregister(kpi_id)


def _register_call() -> Call:
    """register's example: a fresh KPI, absent now, removed again when the call is dropped."""
    _forget(_REGISTER_ID)
    call = Call(kwargs={"definition": _definition(_REGISTER_ID)})
    weakref.finalize(call, _forget, _REGISTER_ID)
    return call


def _unregister_call() -> Call:
    """unregister's example: a KPI registered for it, removed when the call is dropped at the latest."""
    if not any(k.id == _UNREGISTER_ID for k in catalogue()):
        register(_definition(_UNREGISTER_ID))
    call = Call(kwargs={"kpi_id": _UNREGISTER_ID})
    weakref.finalize(call, _forget, _UNREGISTER_ID)
    return call


def _scorecard_fields() -> dict[str, object]:
    return {
        "period": _CARD.period,
        "as_of": _CARD.as_of,
        "by": _CARD.by,
        "slices": _CARD.slices,
        "metrics": _CARD.metrics,
        "conventions": _CARD.conventions,
        "numerator": _CARD.numerator.copy(),
        "denominator": _CARD.denominator.copy(),
        "unavailable": dict(_CARD.unavailable),
    }


def _measure_fields() -> dict[str, object]:
    return {
        "periods": _MEASURES.periods,
        "as_of": _MEASURES.as_of,
        "by": _MEASURES.by,
        "slices": _MEASURES.slices,
        "conventions": _MEASURES.conventions,
        "totals": {k: v.copy() for k, v in _MEASURES.totals.items()},
        "sliced": {k: v.copy() for k, v in _MEASURES.sliced.items()},
        "missing": dict(_MEASURES.missing),
        "unsliced": dict(_MEASURES.unsliced),
    }


def _medicare_fields() -> dict[str, object]:
    """A measure of one's own: payer A's payments posted in the period."""
    return {
        "name": "payer_a_payments",
        "table": "transactions",
        "weight": "amount",
        "where": (Condition("type", ("payment",)), Condition("payer", ("A",))),
        "dates": (Interval.flow("posting_date"),),
        "description": "payer A's payments",
    }


def _medicare() -> Measure:
    """The measure of :func:`_medicare_fields`, built."""
    return Measure(
        name="payer_a_payments",
        table="transactions",
        weight="amount",
        where=(Condition("type", ("payment",)), Condition("payer", ("A",))),
        dates=(Interval.flow("posting_date"),),
        description="payer A's payments",
    )


EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.Book": lambda: Call(kwargs=_tables()),
    f"{_P}.LazyBook": lambda: Call(kwargs=_lazy_tables()),
    f"{_P}.Convention": lambda: Call(
        kwargs={
            "family": "refunds",
            "option": "netted",
            "version": 1,
            "description": "collections are payments minus refunds",
            "source": "MGMA",
        }
    ),
    f"{_P}.Edge": lambda: Call(kwargs={"target": "days_in_ar", "kind": EdgeKind.INFLUENCES}),
    f"{_P}.Field": lambda: Call(
        kwargs={
            "name": "type",
            "kind": FieldKind.TEXT,
            "required": True,
            "nullable": False,
            "values": ("charge", "payment"),
        }
    ),
    f"{_P}.KPIDefinition": lambda: Call(
        kwargs={
            "id": "cash_per_item",
            "name": "Cash per closed item",
            "tier": Tier.ACTIVITY,
            "direction": Direction.HIGHER,
            "unit": Unit.RATIO,
            "formula": "cash / items closed",
            "numerator": ("cash",),
            "denominator": ("items_closed",),
            "scale": 1.0,
            "conventions": ("refunds",),
            "drives": (Edge("days_in_ar"),),
            "source": "house",
        }
    ),
    f"{_P}.KPIResult": lambda: Call(
        kwargs={
            "metric": "net_collection_rate",
            "tier": Tier.OUTCOME,
            "unit": Unit.PERCENT,
            "slice": (("payer", "A"),),
            "value": 60.0,
            "numerator": 60.0,
            "denominator": 100.0,
            "share": 0.5,
            "convention": "refunds:netted@1",
            "reason": "",
            "period": _JAN,
            "as_of": datetime.date(2026, 2, 1),
        }
    ),
    f"{_P}.MeasureSet": lambda: Call(kwargs=_measure_fields()),
    f"{_P}.Scorecard": lambda: Call(kwargs=_scorecard_fields()),
    f"{_P}.Target": lambda: Call(
        kwargs={"metric": "days_in_ar", "target": 40.0, "watch": 50.0, "source": "contract"}
    ),
    f"{_P}.Trend": lambda: Call(
        kwargs={"periods": _TREND.periods, "scorecards": _TREND.scorecards, "whole": _TREND.whole}
    ),
    f"{_P}.TrendPoint": lambda: Call(kwargs={"period": _JAN, "result": _RESULT, "change": 1.5}),
    f"{_P}.catalogue": Call,
    f"{_P}.check_hierarchy": lambda: Call(kwargs={"definitions": [_definition("cash_per_item")]}),
    f"{_P}.evaluate": lambda: Call(
        kwargs={
            "book": _BOOK,
            "period": _JAN,
            "as_of": datetime.date(2026, 2, 1),
            "by": ["payer"],
            "conventions": {"refunds": "gross"},
            "metrics": ["net_collection_rate", "items_closed"],
        }
    ),
    f"{_P}.measures": lambda: Call(
        kwargs={
            "book": _BOOK,
            "period": _JAN,
            "as_of": datetime.date(2026, 2, 1),
            "by": ["payer"],
            "conventions": {"refunds": "gross"},
        }
    ),
    f"{_P}.register": _register_call,
    f"{_P}.resolve_conventions": lambda: Call(kwargs={"chosen": {"refunds": "gross"}}),
    f"{_P}.trend": lambda: Call(
        kwargs={
            "book": _BOOK,
            "periods": [_JAN, _FEB],
            "as_of": [datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)],
            "by": ["payer"],
            "conventions": {"refunds": "gross"},
            "metrics": ["net_collection_rate", "items_closed"],
        }
    ),
    f"{_P}.unregister": _unregister_call,
    f"{_P}.Bound": lambda: Call(kwargs={"anchor": Anchor.AS_OF, "days": 31, "months": 1}),
    f"{_P}.Interval": lambda: Call(
        kwargs={
            "column": "posting_date",
            "start": Bound(Anchor.PERIOD_START),
            "end": Bound(Anchor.PERIOD_END),
        }
    ),
    f"{_P}.Condition": lambda: Call(kwargs={"column": "type", "values": ("charge",), "negate": False}),
    f"{_P}.Lag": lambda: Call(
        kwargs={"later": "posting_date", "earlier": "service_date", "more_than": 30, "at_most": 60}
    ),
    f"{_P}.Signed": lambda: Call(
        kwargs={"column": "type", "positive": ("charge",), "negative": ("payment",)}
    ),
    f"{_P}.ClaimDate": lambda: Call(
        kwargs={
            "column": "billed_date",
            "before": Bound(Anchor.AS_OF),
            "where": (Condition("type", ("charge",)),),
        }
    ),
    f"{_P}.ClaimRole": lambda: Call(kwargs={"key": "claim_id", "clip": True, "dates": ()}),
    f"{_P}.Measure": lambda: Call(kwargs=_medicare_fields()),
    f"{_P}.Term": lambda: Call(kwargs={"measure": "gross_charges", "coefficient": -1.0}),
    f"{_P}.Derived": lambda: Call(
        kwargs={"name": "net", "terms": (("gross_charges", 1.0), ("contractual_adjustments", -1.0))}
    ),
    f"{_P}.ByConvention": lambda: Call(
        kwargs={"name": "my_cash", "family": "refunds", "options": {"netted": "cash", "gross": "payments"}}
    ),
    f"{_P}.Catalogue": lambda: Call(
        kwargs={"measures": (_medicare(),), "derived": (), "choices": (), "kpis": ()}
    ),
}

_CATALOGUE = Catalogue.default().with_measures(
    _medicare(), Derived(name="payer_a_cash", terms=(("payer_a_payments", 1.0),))
)

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.Catalogue.kpi": lambda: (_CATALOGUE, "kpi", Call(kwargs={"kpi_id": "days_in_ar"})),
    f"{_P}.Catalogue.measure": lambda: (_CATALOGUE, "measure", Call(kwargs={"name": "payer_a_cash"})),
    f"{_P}.Catalogue.with_measures": lambda: (
        _CATALOGUE,
        "with_measures",
        Call(args=(Derived(name="payer_a_twice", terms=(("payer_a_payments", 2.0),)),)),
    ),
    f"{_P}.Catalogue.with_kpis": lambda: (
        _CATALOGUE,
        "with_kpis",
        Call(args=(_CATALOGUE.define_kpi(**_kpi_fields()),)),
    ),
    f"{_P}.Catalogue.define_kpi": lambda: (_CATALOGUE, "define_kpi", Call(kwargs=_kpi_fields())),
    f"{_P}.Book.codes": lambda: (_BOOK, "codes", Call(kwargs={"table": "transactions", "column": "payer"})),
    f"{_P}.Book.table": lambda: (_BOOK, "table", Call(kwargs={"name": "work_items"})),
    f"{_P}.Book.rows": lambda: (_BOOK, "rows", Call(kwargs={"name": "transactions"})),
    f"{_P}.LazyBook.duckdb": lambda: (LazyBook, "duckdb", Call(kwargs=_lazy_tables())),
    f"{_P}.LazyBook.table": lambda: (_LAZY, "table", Call(kwargs={"name": "work_items"})),
    f"{_P}.LazyBook.columns": lambda: (_LAZY, "columns", Call(kwargs={"name": "transactions"})),
    f"{_P}.LazyBook.check": lambda: (_LAZY, "check", Call()),
    f"{_P}.Target.status": lambda: (_TARGET, "status", Call(kwargs={"value": 92.0})),
    f"{_P}.Scorecard.from_measures": lambda: (
        Scorecard,
        "from_measures",
        Call(kwargs={"measures": _MEASURES, "metrics": ["net_collection_rate"], "index": 0}),
    ),
    f"{_P}.Scorecard.result": lambda: (
        _CARD,
        "result",
        Call(kwargs={"metric_id": "net_collection_rate", "payer": "A"}),
    ),
    f"{_P}.Scorecard.status": lambda: (
        _CARD,
        "status",
        Call(kwargs={"metric_id": "net_collection_rate", "targets": [_TARGET], "payer": "B"}),
    ),
    f"{_P}.Scorecard.to_columns": lambda: (_CARD, "to_columns", Call()),
    f"{_P}.Scorecard.to_text": lambda: (_CARD, "to_text", Call(kwargs={"targets": [_TARGET]})),
    f"{_P}.Scorecard.to_markdown": lambda: (_CARD, "to_markdown", Call(kwargs={"targets": [_TARGET]})),
    f"{_P}.Scorecard._repr_html_": lambda: (_CARD, "_repr_html_", Call()),
    f"{_P}.Trend.points": lambda: (_TREND, "points", Call(kwargs={"metric_id": "items_closed"})),
    f"{_P}.Trend.values": lambda: (_TREND, "values", Call(kwargs={"metric_id": "net_collection_rate"})),
    f"{_P}.Trend.to_text": lambda: (_TREND, "to_text", Call(kwargs={"targets": [_TARGET]})),
    f"{_P}.Trend.to_markdown": lambda: (_TREND, "to_markdown", Call(kwargs={"targets": _TARGET})),
    f"{_P}.MeasureSet.merge": lambda: (_MEASURES, "merge", Call(kwargs={"other": _MEASURES})),
    f"{_P}.MeasureSet.__add__": lambda: (_MEASURES, "__add__", Call(args=(_MEASURES,))),
    f"{_P}.MeasureSet.unbooked": lambda: (
        _MEASURES,
        "unbooked",
        Call(kwargs={"measure": "npsr", "index": 0}),
    ),
}
