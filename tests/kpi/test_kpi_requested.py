"""A request computes only the measures its KPIs read, and scores them as a full request does."""

from __future__ import annotations

import math
from typing import Any

import pytest

from comanaged_rcm.kpi import Book, catalogue, evaluate, trend
from comanaged_rcm.kpi import _api as api
from comanaged_rcm.kpi._engine import compute_measures
from comanaged_rcm.periods import Cadence, Period


class TestOnlyTheRequestedMeasures:
    """evaluate and trend ask the engine for the measures of the requested KPIs alone."""

    @pytest.fixture
    def asked(self, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
        """Every ``measures`` argument the engine is called with."""
        calls: list[Any] = []
        engine = compute_measures

        def recording(*args: Any, **kwargs: Any) -> Any:
            calls.append(kwargs.get("measures"))
            return engine(*args, **kwargs)

        monkeypatch.setattr(api, "compute_measures", recording)
        return calls

    def test_evaluate_asks_for_the_measures_its_kpis_read(self, book: Book, asked: list[Any]) -> None:
        """Two KPIs: their four measures, each once, in the order the KPIs name them."""
        evaluate(book, Period.month(2026, 1), metrics=["net_collection_rate", "days_in_ar"])
        assert asked == [["collections", "collectible", "ar_balance", "average_daily_charges"]]

    def test_a_subtracted_measure_is_asked_for_by_its_name(self, book: Book, asked: list[Any]) -> None:
        """A KPI term with a leading '-' still names the measure itself."""
        signed = [k for k in catalogue() if any(t.startswith("-") for t in (*k.numerator, *k.denominator))]
        for kpi in signed:
            evaluate(book, Period.month(2026, 1), metrics=[kpi.id])
        assert all(not name.startswith("-") for call in asked for name in call)

    def test_every_kpi_asks_for_every_measure(self, book: Book, asked: list[Any]) -> None:
        """With no metrics named, the engine computes all of the catalogue's measures."""
        evaluate(book, Period.month(2026, 1))
        trend(book, Cadence.weekly().periods_ending(Period.month(2026, 1).end, 2))
        assert asked == [None, None]


class TestTheSameNumbers:
    """A KPI requested alone has the value, numerator and denominator of a full request."""

    def test_each_kpi_alone_equals_the_full_scorecard(self, book: Book) -> None:
        """Every built-in KPI, in total and per payer, unsliced and by payer."""
        period = Period.month(2026, 1)
        for by in ((), ("payer",)):
            full = evaluate(book, period, by=by)
            for kpi in catalogue():
                alone = evaluate(book, period, by=by, metrics=[kpi.id])
                for keys in ({}, {"payer": "A"}, {"payer": "B"}) if by else ({},):
                    a, b = alone.result(kpi.id, **keys), full.result(kpi.id, **keys)
                    for field in ("value", "numerator", "denominator"):
                        x, y = getattr(a, field), getattr(b, field)
                        assert (x is None and y is None) or math.isclose(x, y, rel_tol=1e-12), (kpi.id, field)
                    assert a.reason == b.reason, kpi.id
