"""Rollups: rows grouped by (days, slice, kind) with weights summed, built once per book and slicing."""

from __future__ import annotations

import datetime
import gc
import weakref
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm.kpi import Book, MeasureSet, _engine, measures, trend
from comanaged_rcm.periods import Cadence
from tests.kpi.conftest import LEDGER, SUBMISSIONS, TRANSACTIONS, WORK_ITEMS
from tests.kpi.test_kpi_properties import CONVENTION_SETS, JANUARY, assert_same, ledgers

PATHS = {
    "dense": {},
    "sorted": {"_DENSE_CELLS": 0},
    "renumbered": {"_COMPRESS_AT": 1},
}
"""Module constants that send a rollup down each of its three paths."""

Groups = dict[tuple[object, ...], dict[str, float]]


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    """Rows with one or two date columns (NaT allowed; the second often a few days after the first),
    a slice, a kind, amounts (zeros among them) and, half the time, a row count."""
    rows = draw(st.integers(0, 40))
    n_dates = draw(st.integers(1, 2))
    base = np.datetime64("2026-01-01", "D")
    days: list[np.ndarray] = []
    for i in range(n_dates):
        if i and draw(st.booleans()):  # a few days after the first column, as posting after service
            days.append(
                days[0] + np.array(draw(st.lists(st.integers(-2, 5), min_size=rows, max_size=rows)), int)
            )
            continue
        offsets = draw(st.lists(st.one_of(st.none(), st.integers(-400, 400)), min_size=rows, max_size=rows))
        days.append(
            np.array(
                [np.datetime64("NaT") if o is None else base + o for o in offsets], dtype="datetime64[D]"
            )
        )
    n_slices = draw(st.integers(1, 3))
    n_kinds = draw(st.integers(1, 4))
    return {
        "days": days,
        "slices": np.array(
            draw(st.lists(st.integers(0, n_slices - 1), min_size=rows, max_size=rows)), np.intp
        ),
        "n_slices": n_slices,
        "kind": np.array(draw(st.lists(st.integers(0, n_kinds - 1), min_size=rows, max_size=rows)), np.intp),
        "n_kinds": n_kinds,
        "weights": {
            **({"rows": None} if draw(st.booleans()) else {}),
            "amount": np.array(draw(st.lists(st.integers(0, 3), min_size=rows, max_size=rows)), float),
        },
    }


def reference(table: dict[str, Any]) -> Groups:
    """Group row by row in plain Python; keep the groups with any non-zero sum."""
    found: Groups = defaultdict(lambda: defaultdict(float))
    for i in range(len(table["kind"])):
        key = (*(str(d[i]) for d in table["days"]), int(table["slices"][i]), int(table["kind"][i]))
        for name, weight in table["weights"].items():
            found[key][name] += 1.0 if weight is None else float(weight[i])
    return {key: dict(sums) for key, sums in found.items() if any(sums.values())}


def as_groups(roll: _engine._Rollup) -> Groups:
    """A rollup as ``{(days..., slice, kind): {weight: sum}}``."""
    out: Groups = {}
    for g in range(roll.groups):
        key = (*(str(d[g]) for d in roll.days), int(roll.slices[g]), int(roll.kind[g]))
        assert key not in out, f"group {key} appears twice"
        out[key] = {name: float(values[g]) for name, values in roll.weights.items()}
    return out


def full_book() -> Book:
    return Book(transactions=TRANSACTIONS, submissions=SUBMISSIONS, work_items=WORK_ITEMS, ledger=LEDGER)


class TestRollup:
    @pytest.mark.parametrize("path", sorted(PATHS))
    @settings(max_examples=60, deadline=None)
    @given(table=tables())
    def test_groups_match_a_row_by_row_reference(self, path: str, table: dict[str, Any]) -> None:
        """Each path (dense cells, sorted keys, renumbered keys) gives exactly the plain-Python groups:
        one group per distinct (days, slice, kind), NaT a day of its own, counts and sums per group,
        all-zero groups left out."""
        with pytest.MonkeyPatch.context() as patch:
            for name, value in PATHS[path].items():
                patch.setattr(_engine, name, value)
            roll = _engine._rollup(
                table["days"],
                slices=table["slices"],
                n_slices=table["n_slices"],
                kind=table["kind"],
                n_kinds=table["n_kinds"],
                weights=table["weights"],
            )
        assert as_groups(roll) == reference(table)

    def test_no_weights_keeps_the_groups_with_rows(self) -> None:
        """A table with no weight columns (a ledger of months only) still has its groups, and no sums."""
        month = np.array(["2026-01-01", "2026-01-01", "2026-02-01"], dtype="datetime64[D]")
        zeros = np.zeros(3, dtype=np.intp)
        roll = _engine._rollup([month], slices=zeros, n_slices=1, kind=zeros, n_kinds=1, weights={})
        assert roll.groups == 2
        assert dict(roll.weights) == {}

    def test_zero_amount_rows_add_no_group_and_change_no_measure(self) -> None:
        """A zero-amount charge is left out of the rollup; gross charges are still defined (0.0)."""
        book = Book(
            transactions={
                "claim_id": ["C1"],
                "payer": ["A"],
                "service_date": ["2026-01-05"],
                "posting_date": ["2026-01-05"],
                "type": ["charge"],
                "amount": [0.0],
            }
        )
        found = measures(book, JANUARY)
        assert found.totals["gross_charges"].tolist() == [0.0]
        rollups = _engine._PREPARED[book][()].rollups["transactions"].values()
        assert rollups
        assert all(roll.rollup.groups == 0 for roll in rollups)

    def test_bill_dates_without_charges_give_no_dnfb(self) -> None:
        """A book with a bill-date column but only payments has DNFB 0, not missing."""
        book = Book(
            transactions={
                "claim_id": ["C1"],
                "payer": ["A"],
                "service_date": ["2026-01-05"],
                "posting_date": ["2026-01-06"],
                "type": ["payment"],
                "amount": [40.0],
                "billed_date": [None],
            }
        )
        found = measures(book, JANUARY)
        assert found.totals["dnfb"].tolist() == [0.0]
        assert found.totals["payments"].tolist() == [40.0]

    def test_a_ten_thousand_row_table_collapses_to_its_distinct_cells(self) -> None:
        """Rows that share (days, slice, kind) become one group: 10,000 rows over 7 days x 2 slices x
        3 kinds give at most 42 groups, and the sums are kept."""
        rng = np.random.default_rng(3)
        rows = 10_000
        day = np.datetime64("2026-03-01", "D") + rng.integers(0, 7, rows)
        slices, kind = rng.integers(0, 2, rows).astype(np.intp), rng.integers(0, 3, rows).astype(np.intp)
        amount = rng.integers(1, 100, rows).astype(float)
        roll = _engine._rollup(
            [day], slices=slices, n_slices=2, kind=kind, n_kinds=3, weights={"amount": amount}
        )
        assert roll.groups <= 42
        assert roll.weights["amount"].sum() == amount.sum()


class TestPathsAgree:
    @pytest.mark.parametrize("path", ["sorted", "renumbered"])
    @pytest.mark.parametrize("conventions", CONVENTION_SETS)
    def test_every_table_gives_the_same_measures_on_every_path(
        self, monkeypatch: pytest.MonkeyPatch, path: str, conventions: dict[str, str]
    ) -> None:
        """Transactions, submissions, work items and ledger measures by payer agree between the dense
        path and the sorting ones (each on a new book: a book keeps its rollups)."""
        dense = measures(full_book(), JANUARY, by=["team"], conventions=conventions)
        for name, value in PATHS[path].items():
            monkeypatch.setattr(_engine, name, value)
        other = measures(full_book(), JANUARY, by=["team"], conventions=conventions)
        assert_same(dense, other)
        assert set(dense.totals) >= {"gross_charges", "denials", "items_closed", "npsr", "dnfb"}

    @pytest.mark.parametrize("path", ["sorted", "renumbered"])
    @settings(max_examples=30, deadline=None)
    @given(columns=ledgers(), conventions=st.sampled_from(CONVENTION_SETS))
    def test_random_ledgers_give_the_same_measures_on_every_path(
        self, path: str, columns: dict[str, np.ndarray], conventions: dict[str, str]
    ) -> None:
        """On random ledgers the three paths give the same measures by payer."""
        dense = measures(Book(transactions=columns), JANUARY, by=["payer"], conventions=conventions)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in PATHS[path].items():
                patch.setattr(_engine, name, value)
            other = measures(Book(transactions=columns), JANUARY, by=["payer"], conventions=conventions)
        assert_same(dense, other)


class TestCache:
    def test_a_second_request_reuses_the_rollups_and_answers_as_a_new_book_would(self) -> None:
        """Other periods, as-of dates and conventions on the same book reuse its rollups for that
        slicing, and give what a new book gives."""
        book = full_book()
        measures(book, JANUARY, by=["payer"])
        kept = _engine._PREPARED[book][("payer",)]
        weeks = Cadence.weekly().periods_ending(datetime.date(2026, 2, 2), 5)
        conventions = {"collection_basis": "dos_cohort", "denial_unit": "dollars"}
        again = trend(book, weeks, by=["payer"], conventions=conventions)
        assert _engine._PREPARED[book][("payer",)] is kept
        fresh = trend(full_book(), weeks, by=["payer"], conventions=conventions)
        for i in range(len(weeks)):
            for metric in ("net_collection_rate", "initial_denial_rate", "items_closed", "days_in_ar"):
                assert again.scorecards[i].result(metric) == fresh.scorecards[i].result(metric)

    def test_each_book_keeps_its_most_recently_used_slicings(self) -> None:
        """Past CACHED_SLICINGS slicings the least recently used one is dropped; using one again makes
        it the most recent."""
        book = full_book()
        order: list[tuple[str, ...]] = [(), ("payer",), ("team",), ("payer", "team"), ("claim_id",)]
        assert len(order) == _engine.CACHED_SLICINGS + 1
        for by in order[:-1]:
            measures(book, JANUARY, by=by)
        measures(book, JANUARY, by=())  # () is now the most recent
        measures(book, JANUARY, by=order[-1])
        assert list(_engine._PREPARED[book]) == [("team",), ("payer", "team"), (), ("claim_id",)]

    def test_the_rollups_go_with_the_book(self) -> None:
        """Nothing keeps a book alive: once it is gone, so are its rollups."""
        book = full_book()
        measures(book, JANUARY, by=["payer"])
        gc.collect()  # other tests' books go first
        before = len(_engine._PREPARED)
        gone = weakref.ref(book)
        del book
        gc.collect()
        assert gone() is None
        assert len(_engine._PREPARED) == before - 1

    def test_a_dimension_that_is_text_in_one_table_and_dates_in_another(self) -> None:
        """Slicing by a column that is text in the transactions and dates in the ledger compares
        them as text: the slices are each table's values, side by side."""
        book = Book(
            transactions={**TRANSACTIONS, "month": ["2026-01"] * len(TRANSACTIONS["claim_id"])},
            ledger={"month": ["2026-01-01"], "npsr": [2500.0]},
        )
        found = measures(book, JANUARY, by=["month"])
        assert found.slices == (("2026-01",), ("2026-01-01",))
        assert found.sliced["npsr"].tolist() == [[0.0, 2500.0]]
        assert found.sliced["gross_charges"].tolist() == [[1700.0, 0.0]]

    def test_a_table_without_the_dimension_is_rolled_up_in_total(self) -> None:
        """Sliced by workflow, only work items have the column: the other tables are rolled up under
        one slice and reported unsliced."""
        found: MeasureSet = measures(full_book(), JANUARY, by=["workflow"])
        assert found.slices == (("ar",), ("denials",))
        assert "gross_charges" in found.unsliced
        assert found.totals["gross_charges"][0] == pytest.approx(1000 + 200 + 400 + 100)
        assert found.sliced["items_closed"].tolist() == [[1.0, 1.0]]
