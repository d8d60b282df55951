"""Valid example calls of the data-frame inputs and outputs, for the API-wide fuzz test.

The results' ``to_pandas``, ``to_polars`` and ``to_arrow`` methods (Scorecard, Trend,
MeasureSet, Selection), the functions of :mod:`comanaged_rcm.serialize` and
:mod:`comanaged_rcm.findings` that give any of them as a frame, and :meth:`Book.from_tables`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from comanaged_rcm.findings import Finding, Severity
from comanaged_rcm.kpi import Book, evaluate, measures, trend
from comanaged_rcm.mapping import ExportMap, NumberFormat, TableMap
from comanaged_rcm.periods import Period
from comanaged_rcm.sampling import select
from tests.fuzz.probes import Call

_JAN = Period(datetime.date(2026, 1, 1), datetime.date(2026, 2, 1))
_FEB = Period(datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))
_TRANSACTIONS: dict[str, list[object]] = {
    "claim_id": ["C1", "C1", "C2"],
    "payer": ["A", "A", "B"],
    "service_date": ["2026-01-05", "2026-01-05", "2026-01-10"],
    "posting_date": ["2026-01-06", "2026-01-20", "2026-02-03"],
    "type": ["charge", "payment", "charge"],
    "amount": [100.0, 60.0, 200.0],
}
_BOOK = Book(transactions=_TRANSACTIONS)
_CARD = evaluate(_BOOK, _JAN, by=["payer"], metrics=["net_collection_rate", "days_in_ar"])
_TREND = trend(_BOOK, [_JAN, _FEB], by=["payer"], metrics=["net_collection_rate"])
_MEASURES = measures(_BOOK, _JAN, by=["payer"])
_SELECTION = select(population=20, n=3, seed=7)
_EXPORT = {  # readable with its map and without one (a map of None is valid)
    "claim_id": ["C1", "C2"],
    "payer": ["A", "a "],
    "service_date": ["2026-01-05", "2026-01-10"],
    "posting_date": ["2026-01-06", "2026-01-11"],
    "type": ["charge", "charge"],
    "amount": [1000.0, 20.0],
}
_MAP = ExportMap(
    tables={
        "transactions": TableMap(
            columns={"claim_id": "claim_id"},
            number_format=NumberFormat(),
            values={"type": {"CHG": "charge"}},
            fold_case=("payer",),
        )
    }
)
_FINDINGS = [Finding("RACI-001", Severity.ERROR, "$.activities[0]", "no Accountable party")]

EXAMPLES: dict[str, Callable[[], Call]] = {
    "comanaged_rcm.findings.to_arrow": lambda: Call(kwargs={"findings": _FINDINGS}),
    "comanaged_rcm.findings.to_pandas": lambda: Call(kwargs={"findings": _FINDINGS}),
    "comanaged_rcm.findings.to_polars": lambda: Call(kwargs={"findings": _FINDINGS}),
    "comanaged_rcm.serialize.to_arrow": lambda: Call(kwargs={"obj": _CARD}),
    "comanaged_rcm.serialize.to_pandas": lambda: Call(kwargs={"obj": _FINDINGS}),
    "comanaged_rcm.serialize.to_polars": lambda: Call(kwargs={"obj": _SELECTION}),
}

_RESULTS: dict[str, object] = {
    "comanaged_rcm.kpi.Scorecard": _CARD,
    "comanaged_rcm.kpi.Trend": _TREND,
    "comanaged_rcm.kpi.MeasureSet": _MEASURES,
    "comanaged_rcm.sampling.Selection": _SELECTION,
}


def _method(result: object, name: str) -> Callable[[], tuple[object, str, Call]]:
    return lambda: (result, name, Call())


METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    **{
        f"{prefix}.{name}": _method(result, name)
        for prefix, result in _RESULTS.items()
        for name in ("to_arrow", "to_pandas", "to_polars")
    },
    "comanaged_rcm.kpi.Book.from_tables": lambda: (
        Book,
        "from_tables",
        Call(kwargs={"tables": {"transactions": _EXPORT}, "mapping": _MAP}),
    ),
}
