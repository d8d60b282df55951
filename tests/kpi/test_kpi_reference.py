"""The engine against an independent, row-by-row reference written the obvious way.

The reference walks the rows in plain Python and applies the textbook definitions (MGMA adjusted
collection rate; HFMA MAP Keys days in A/R over a 90-day window and aged A/R over 90 days); the
engine must agree on random ledgers.
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from hypothesis import given, settings

from comanaged_rcm.kpi import Book, evaluate
from tests.kpi.test_kpi_properties import JANUARY, ledgers

SIGN = {"charge": 1, "refund": 1, "payment": -1, "contractual_adjustment": -1, "write_off": -1}


def reference(columns: dict[str, np.ndarray]) -> dict[str, float | None]:
    """Row-by-row January figures as of 2026-02-01 (default conventions)."""
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)
    window_start = end - datetime.timedelta(days=90)
    sums = dict.fromkeys(("charges", "contractual", "payments", "refunds", "write_offs", "late", "pos"), 0.0)
    ar, aged, window = 0.0, 0.0, 0.0
    for i in range(len(columns["amount"])):
        kind = str(columns["type"][i])
        amount = float(columns["amount"][i])
        served = columns["service_date"][i].astype(datetime.date)
        posted = columns["posting_date"][i].astype(datetime.date)
        if posted < end:
            ar += SIGN[kind] * amount
            if (end - datetime.timedelta(days=1) - served).days >= 91:
                aged += SIGN[kind] * amount
            if kind == "charge" and posted >= window_start:
                window += amount
        if not start <= posted < end:
            continue
        if kind == "charge":
            sums["charges"] += amount
            sums["late"] += amount if (posted - served).days > 30 else 0.0
        elif kind == "payment":
            sums["payments"] += amount
            sums["pos"] += amount if posted <= served else 0.0
        elif kind == "refund":
            sums["refunds"] += amount
        elif kind == "contractual_adjustment":
            sums["contractual"] += amount
        else:
            sums["write_offs"] += amount

    def ratio(num: float, den: float, scale: float = 100.0) -> float | None:
        return None if den == 0 else scale * num / den

    net = sums["charges"] - sums["contractual"]
    return {
        "net_collection_rate": ratio(sums["payments"] - sums["refunds"], net),
        "write_off_rate": ratio(sums["write_offs"], net),
        "late_charges_pct": ratio(sums["late"], sums["charges"]),
        "pos_collections_pct": ratio(sums["pos"], sums["payments"]),
        "days_in_ar": ratio(ar, window / 90, 1.0),
        "aged_ar_over_90": ratio(aged, ar),
    }


class TestAgainstReference:
    @settings(max_examples=60, deadline=None)
    @given(ledgers())
    def test_transaction_kpis_match_the_row_by_row_reference(self, columns: dict[str, np.ndarray]) -> None:
        """Every transaction KPI the reference covers agrees, defined or undefined alike."""
        expected = reference(columns)
        card = evaluate(Book(transactions=columns), JANUARY, metrics=list(expected))
        for metric, value in expected.items():
            got = card.result(metric).value
            if value is None:
                assert got is None, metric
            else:
                assert got == pytest.approx(value, rel=1e-9, abs=1e-9), metric
