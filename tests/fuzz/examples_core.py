"""Valid example calls of every public callable of the core modules, for the API-wide fuzz test.

The core modules: :mod:`comanaged_rcm.periods`, :mod:`comanaged_rcm.findings`,
:mod:`comanaged_rcm.errors`, :mod:`comanaged_rcm.serialize`, :mod:`comanaged_rcm.tables` and
:mod:`comanaged_rcm.cli`.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np

from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.findings import Finding, Severity
from comanaged_rcm.mapping import TableMap
from comanaged_rcm.periods import Cadence, Frequency, Period, Weekday, relativedelta
from comanaged_rcm.tables import Column, ColumnKind
from tests.fuzz.probes import Call

_DAY = datetime.date(2026, 11, 23)
_WEEK = Period(datetime.date(2026, 11, 16), _DAY)
_MONTH = Period(datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))
_ISSUE = Issue("$.n", "range", "must be > 0 (got 0)")
_ERROR = ValidationError([_ISSUE])
_FINDING = Finding("RACI-001", Severity.WARNING, "$.activities[0]", "no Accountable party")
_CSV = "claim_id,amount\nC1,10.5\nC2,3\n"
_COLUMNS = (Column("claim_id"), Column("amount", ColumnKind.NUMBER))


def _csv_file() -> str:
    """A small CSV file in the working directory (the fuzz test runs each call in a fresh one)."""
    path = Path("examples_core.csv")
    if not path.exists():
        path.write_text(_CSV, encoding="utf-8")
    return str(path)


EXCLUDED: dict[str, str] = {
    "comanaged_rcm.periods.relativedelta": "dateutil's own class, re-exported",
}

EXAMPLES: dict[str, Callable[[], Call]] = {
    # periods
    "comanaged_rcm.periods.Period": lambda: Call(kwargs={"start": datetime.date(2026, 1, 1), "end": _DAY}),
    "comanaged_rcm.periods.Cadence": lambda: Call(
        kwargs={"frequency": Frequency.WEEKLY, "week_start": Weekday.MONDAY}
    ),
    # findings
    "comanaged_rcm.findings.Finding": lambda: Call(
        kwargs={"rule": "RACI-001", "severity": Severity.ERROR, "path": "$.activities[0]", "message": "no A"}
    ),
    "comanaged_rcm.findings.errors_only": lambda: Call(kwargs={"findings": [_FINDING]}),
    "comanaged_rcm.findings.raise_for_findings": lambda: Call(kwargs={"findings": [_FINDING]}),
    # errors
    "comanaged_rcm.errors.Issue": lambda: Call(
        kwargs={"path": "$.confidence", "code": "range", "message": "must be in (0, 1) (got 1.5)"}
    ),
    "comanaged_rcm.errors.ValidationError": lambda: Call(kwargs={"issues": [_ISSUE]}),
    "comanaged_rcm.errors.RuleSyntaxError": lambda: Call(
        args=("unknown field 'balanse'",), kwargs={"text": "balanse > 5", "line": 1, "column": 1}
    ),
    # serialize
    "comanaged_rcm.serialize.to_dict": lambda: Call(kwargs={"obj": _WEEK}),
    "comanaged_rcm.serialize.to_json": lambda: Call(kwargs={"obj": _WEEK, "indent": 2}),
    "comanaged_rcm.serialize.from_dict": lambda: Call(
        kwargs={"data": {"start": "2026-11-16", "end": "2026-11-23"}, "cls": Period}
    ),
    "comanaged_rcm.serialize.from_json": lambda: Call(
        kwargs={"text": '{"frequency": "monthly", "week_start": "monday"}', "cls": Cadence}
    ),
    # tables
    "comanaged_rcm.tables.Column": lambda: Call(
        kwargs={"name": "amount", "kind": ColumnKind.NUMBER, "required": True, "nullable": False}
    ),
    "comanaged_rcm.tables.narrowest": lambda: Call(kwargs={"text": np.array(["C1", "C22"], dtype="<U40")}),
    "comanaged_rcm.tables.read_csv": lambda: Call(
        kwargs={
            "source": io.StringIO(_CSV),
            "columns": _COLUMNS,
            "mapping": TableMap(time_of_day=True),
            "name": "claims.csv",
            "encoding": None,
            "extras": "drop",
            "engine": "auto",
        }
    ),
    "comanaged_rcm.tables.data_lines": lambda: Call(kwargs={"source": _csv_file(), "encoding": "utf-8"}),
    # cli
    "comanaged_rcm.cli.build_parser": Call,
    "comanaged_rcm.cli.main": lambda: Call(kwargs={"argv": ["raci", "template"]}),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    "comanaged_rcm.periods.Period.trailing": lambda: (
        Period,
        "trailing",
        Call(kwargs={"end": _DAY, "window": relativedelta(months=3)}),
    ),
    "comanaged_rcm.periods.Period.trailing(days)": lambda: (
        Period,
        "trailing",
        Call(kwargs={"end": _DAY, "window": 90}),
    ),
    "comanaged_rcm.periods.Period.month": lambda: (Period, "month", Call(kwargs={"year": 2024, "month": 2})),
    "comanaged_rcm.periods.Period.iso_week": lambda: (
        Period,
        "iso_week",
        Call(kwargs={"year": 2026, "week": 53}),
    ),
    "comanaged_rcm.periods.Period.overlaps": lambda: (_MONTH, "overlaps", Call(kwargs={"other": _WEEK})),
    "comanaged_rcm.periods.Period.intersection": lambda: (
        _MONTH,
        "intersection",
        Call(kwargs={"other": _WEEK}),
    ),
    "comanaged_rcm.periods.Cadence.weekly": lambda: (
        Cadence,
        "weekly",
        Call(kwargs={"week_start": Weekday.SUNDAY}),
    ),
    "comanaged_rcm.periods.Cadence.period_containing": lambda: (
        Cadence.weekly(Weekday.SUNDAY),
        "period_containing",
        Call(kwargs={"day": _DAY}),
    ),
    "comanaged_rcm.periods.Cadence.periods_ending": lambda: (
        Cadence.weekly(),
        "periods_ending",
        Call(kwargs={"as_of": _DAY, "count": 13}),
    ),
    "comanaged_rcm.periods.Cadence.periods_ending(quarterly)": lambda: (
        Cadence.quarterly(),
        "periods_ending",
        Call(kwargs={"as_of": _DAY, "count": 4}),
    ),
    "comanaged_rcm.periods.Cadence.periods_between": lambda: (
        Cadence.monthly(),
        "periods_between",
        Call(kwargs={"start": datetime.date(2026, 1, 15), "end": _DAY}),
    ),
    "comanaged_rcm.periods.Cadence.label": lambda: (
        Cadence.weekly(),
        "label",
        Call(kwargs={"period": _WEEK}),
    ),
    "comanaged_rcm.errors.Issue.under": lambda: (_ISSUE, "under", Call(kwargs={"prefix": "$.items[3]"})),
    "comanaged_rcm.errors.ValidationError.single": lambda: (
        ValidationError,
        "single",
        Call(kwargs={"path": "$.n", "code": "range", "message": "must be > 0 (got 0)"}),
    ),
    "comanaged_rcm.errors.ValidationError.under": lambda: (
        _ERROR,
        "under",
        Call(kwargs={"prefix": "$.rules[2]"}),
    ),
}

DOCUMENTS: dict[str, str] = {
    "comanaged_rcm.serialize.from_dict": "data",
    "comanaged_rcm.serialize.from_json": "text",
}
"""Parameters that are whole documents: their errors are rooted at ``$`` (``$.start``)."""
