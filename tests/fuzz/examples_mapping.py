"""Valid example calls of every public callable of :mod:`comanaged_rcm.mapping`, for the API-wide fuzz."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from comanaged_rcm.mapping import ExportMap, NumberFormat, TableMap
from comanaged_rcm.tables import Column
from tests.fuzz.probes import Call

_P = "comanaged_rcm.mapping"
_TABLE = TableMap(
    columns={"claim_id": "Claim #"}, date_format="%m/%d/%Y", values={"type": {"PMT": "payment"}}
)
_CSV = 'Claim #,DOS,Trans Type,Amount\nC1,03/15/2024,PMT,"$1,250.00"\nC2,03/16/2024,CHG,$5.00\n'
_MAP = '{"tables": {"transactions": {"columns": {"claim_id": "Claim #"}, "date_format": "%m/%d/%Y"}}}'


def _file(name: str, content: str) -> str:
    """A small file in the working directory (the fuzz test runs each call in a fresh one)."""
    path = Path(name)
    if not path.exists():
        path.write_text(content, encoding="utf-8")
    return str(path)


EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.NumberFormat": lambda: Call(
        kwargs={"currency": ("$",), "thousands": ",", "decimal": ".", "parentheses": True}
    ),
    f"{_P}.TableMap": lambda: Call(
        kwargs={
            "columns": {"claim_id": "Claim #"},
            "date_format": "%m/%d/%Y",
            "date_formats": {"billed_date": "%Y%m%d"},
            "number_format": NumberFormat(),
            "values": {"type": {"PMT": "payment"}},
            "fold_case": ("payer",),
            "keep": ("Location",),
            "time_zone": "America/New_York",
            "time_of_day": False,
        }
    ),
    f"{_P}.ExportMap": lambda: Call(kwargs={"schema_version": 1, "tables": {"transactions": _TABLE}}),
    f"{_P}.HeaderMatch": lambda: Call(kwargs={"positions": {"claim_id": 0}, "dropped": ("Notes",)}),
    f"{_P}.MapSuggestion": lambda: Call(
        kwargs={"table": "transactions", "mapping": ExportMap(), "notes": ("a note",)}
    ),
    f"{_P}.apply_values": lambda: Call(
        kwargs={"text": np.array(["PMT", "CHG"]), "codes": {"PMT": "payment"}}
    ),
    f"{_P}.case_variants": lambda: Call(kwargs={"text": np.array(["Aetna", "aetna"]), "column": "payer"}),
    f"{_P}.fold": lambda: Call(kwargs={"text": np.array(["Aetna", "aetna"]), "column": "payer"}),
    f"{_P}.load_map": lambda: Call(kwargs={"source": _file("examples_mapping.json", _MAP), "encoding": None}),
    f"{_P}.parse_dates": lambda: Call(
        kwargs={
            "text": np.array(["03/15/2024", ""]),
            "fmt": "%m/%d/%Y",
            "time_of_day": False,
            "time_zone": None,
        }
    ),
    f"{_P}.parse_numbers": lambda: Call(
        kwargs={"text": np.array(["$1,250.00", "(3)"]), "fmt": NumberFormat()}
    ),
    f"{_P}.schema_columns": lambda: Call(kwargs={"table": "transactions"}),
    f"{_P}.suggest_map": lambda: Call(
        kwargs={
            "source": _file("examples_mapping.csv", _CSV),
            "table": "transactions",
            "sample": 10,
            "encoding": None,
        }
    ),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.TableMap.check": lambda: (_TABLE, "check", Call(kwargs={"table": "transactions"})),
    f"{_P}.TableMap.format_of": lambda: (_TABLE, "format_of", Call(kwargs={"column": "service_date"})),
    f"{_P}.TableMap.match": lambda: (
        TableMap(),
        "match",
        Call(kwargs={"header": ["Claim_ID", "amount"], "columns": [Column("claim_id")], "where": "$.header"}),
    ),
    f"{_P}.ExportMap.table": lambda: (
        ExportMap(tables={"transactions": _TABLE}),
        "table",
        Call(kwargs={"name": "ledger"}),
    ),
}
