"""Properties: merging any split gives the whole, slices sum to the total, row order is irrelevant."""

from __future__ import annotations

import datetime
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm.kpi import Book, MeasureSet, measures
from comanaged_rcm.kpi._conventions import resolve_conventions
from comanaged_rcm.kpi._engine import compute_measures
from comanaged_rcm.periods import Cadence, Period

START = datetime.date(2025, 9, 1)
TYPES = ("charge", "payment", "refund", "contractual_adjustment", "write_off")
REASONS = ("denial", "timely_filing", "bad_debt", "charity", "small_balance", "administrative")
JANUARY = Period.month(2026, 1)


@st.composite
def ledgers(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """Random transactions; each claim keeps one payer, team and date of service."""
    n_claims = draw(st.integers(1, 6))
    n = draw(st.integers(1, 30))
    claim = np.array(draw(st.lists(st.integers(0, n_claims - 1), min_size=n, max_size=n)))
    payer = np.array(draw(st.lists(st.sampled_from("AB"), min_size=n_claims, max_size=n_claims)))[claim]
    team = np.array(draw(st.lists(st.sampled_from(("t1", "t2")), min_size=n_claims, max_size=n_claims)))[
        claim
    ]
    dos = np.array(draw(st.lists(st.integers(0, 150), min_size=n_claims, max_size=n_claims)))[claim]
    lag = np.array(draw(st.lists(st.integers(0, 60), min_size=n, max_size=n)))
    kind = np.array(draw(st.lists(st.sampled_from(TYPES), min_size=n, max_size=n)))
    reason = np.array(draw(st.lists(st.sampled_from(REASONS), min_size=n, max_size=n)))
    amount = np.array(draw(st.lists(st.integers(1, 500), min_size=n, max_size=n)), dtype=float)
    billed = np.array(
        draw(st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=n, max_size=n)), dtype=object
    )
    base = np.datetime64(START, "D")
    service = base + dos
    return {
        "claim_id": np.array([f"C{c}" for c in claim]),
        "payer": payer,
        "team": team,
        "service_date": service,
        "posting_date": service + lag,
        "type": kind,
        "amount": amount,
        "write_off_reason": np.where(kind == "write_off", reason, ""),
        "billed_date": np.array(
            [np.datetime64("NaT") if b is None else service[i] + b for i, b in enumerate(billed)],
            dtype="datetime64[D]",
        ),
    }


def take(columns: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in columns.items()}


PER_CLAIM_MEASURES = frozenset({"credit_balance_total"})
"""Measures summed per claim under every convention: they merge only over a partition of claims."""


def assert_same(a: MeasureSet, b: MeasureSet, *, per_claim: frozenset[str] = frozenset()) -> None:
    """The same slices and measures, equal but for the ``per_claim`` measures (left out)."""
    assert a.slices == b.slices
    assert set(a.totals) == set(b.totals)
    for name in set(a.totals) - per_claim:
        np.testing.assert_allclose(a.totals[name], b.totals[name], atol=1e-6, err_msg=name)
    for name in set(a.sliced) - per_claim:
        np.testing.assert_allclose(a.sliced[name], b.sliced[name], atol=1e-6, err_msg=name)


CONVENTION_SETS = [
    {},
    {"collection_basis": "dos_cohort", "ar_window": "trailing_3_months", "refunds": "gross"},
    {"credit_balances": "excluded", "aging_anchor": "bill_date", "aging_scope": "billed_ar"},
]


class TestMerge:
    @settings(max_examples=40, deadline=None)
    @given(ledgers(), st.data(), st.sampled_from(CONVENTION_SETS))
    def test_merge_of_any_claim_split_is_the_whole(
        self, columns: dict[str, np.ndarray], data: st.DataObject, conventions: dict[str, str]
    ) -> None:
        """Shard A + shard B = whole, for any split of the claims (per-claim steps included)."""
        claims = sorted(set(columns["claim_id"].tolist()))
        left = data.draw(st.sets(st.sampled_from(claims)))
        mask = np.isin(columns["claim_id"], list(left))
        whole = measures(Book(transactions=columns), JANUARY, by=["payer"], conventions=conventions)
        if mask.all() or not mask.any():
            return
        parts = [
            measures(
                Book(transactions=take(columns, np.flatnonzero(m))),
                JANUARY,
                by=["payer"],
                conventions=conventions,
            )
            for m in (mask, ~mask)
        ]
        assert_same(parts[0] + parts[1], whole)

    @settings(max_examples=40, deadline=None)
    @given(ledgers(), st.data())
    def test_merge_of_any_row_split_is_the_whole_for_linear_conventions(
        self, columns: dict[str, np.ndarray], data: st.DataObject
    ) -> None:
        """With the default (row-linear) conventions any split of rows merges exactly, but the
        credit-balance total, a per-claim measure under every convention (shards must partition
        claims for it, as the claim-split test above checks)."""
        n = len(columns["claim_id"])
        mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        if mask.all() or not mask.any():
            return
        whole = measures(Book(transactions=columns), JANUARY, by=["team"])
        parts = [
            measures(Book(transactions=take(columns, np.flatnonzero(m))), JANUARY, by=["team"])
            for m in (mask, ~mask)
        ]
        assert_same(parts[0].merge(parts[1]), whole, per_claim=PER_CLAIM_MEASURES)


class TestInvariants:
    @settings(max_examples=40, deadline=None)
    @given(ledgers(), st.sampled_from(CONVENTION_SETS))
    def test_slices_sum_to_the_total(
        self, columns: dict[str, np.ndarray], conventions: dict[str, str]
    ) -> None:
        """Every sliced measure's slices add up to its total (payer x team)."""
        found = measures(Book(transactions=columns), JANUARY, by=["payer", "team"], conventions=conventions)
        for name, values in found.sliced.items():
            np.testing.assert_allclose(values.sum(axis=1), found.totals[name], atol=1e-6, err_msg=name)

    @settings(max_examples=40, deadline=None)
    @given(ledgers(), st.randoms(use_true_random=False), st.sampled_from(CONVENTION_SETS))
    def test_row_permutation_changes_nothing(
        self, columns: dict[str, np.ndarray], rnd: random.Random, conventions: dict[str, str]
    ) -> None:
        """Shuffling the rows gives the same measures."""
        order_list = list(range(len(columns["claim_id"])))
        rnd.shuffle(order_list)
        order = np.array(order_list)
        a = measures(Book(transactions=columns), JANUARY, by=["payer"], conventions=conventions)
        b = measures(Book(transactions=take(columns, order)), JANUARY, by=["payer"], conventions=conventions)
        assert_same(a, b)

    @settings(max_examples=40, deadline=None)
    @given(ledgers())
    def test_per_claim_path_agrees_with_the_linear_path(self, columns: dict[str, np.ndarray]) -> None:
        """Under default conventions the per-claim A/R path equals the binned linear one."""
        book = Book(transactions=columns)
        weeks = Cadence.weekly().periods_ending(datetime.date(2026, 2, 2), 3)
        conventions = resolve_conventions()
        args = (book, weeks, [p.end for p in weeks], ("payer",), conventions)
        assert_same(compute_measures(*args, per_claim=True), compute_measures(*args, per_claim=False))

    @pytest.mark.parametrize("shards", [2, 3])
    def test_merge_keeps_slices_present_in_one_shard(self, shards: int) -> None:
        """Slices seen by only one shard survive the merge."""

        def one(payer: str) -> MeasureSet:
            book = Book(
                transactions={
                    "claim_id": ["X"],
                    "payer": [payer],
                    "service_date": ["2026-01-02"],
                    "posting_date": ["2026-01-02"],
                    "type": ["charge"],
                    "amount": [10.0],
                }
            )
            return measures(book, JANUARY, by=["payer"])

        merged = one("A")
        for payer in "BCD"[: shards - 1]:
            merged = merged + one(payer)
        assert len(merged.slices) == shards
        assert merged.totals["gross_charges"][0] == 10.0 * shards


class TestDnfb:
    @settings(max_examples=40, deadline=None)
    @given(ledgers())
    def test_dnfb_matches_a_direct_mask_per_as_of(self, columns: dict[str, np.ndarray]) -> None:
        """DNFB from two cumulative sums equals the direct definition: charges served and posted
        before as-of whose bill date is missing or not before as-of."""
        weeks = Cadence.weekly().periods_ending(datetime.date(2026, 2, 2), 3)
        found = compute_measures(
            Book(transactions=columns), weeks, [p.end for p in weeks], (), resolve_conventions()
        )
        for i, week in enumerate(weeks):
            day = np.datetime64(week.end, "D")
            billed = columns["billed_date"]
            rows = (
                (columns["type"] == "charge")
                & (columns["service_date"] < day)
                & (columns["posting_date"] < day)
                & (np.isnat(billed) | (billed >= day))
            )
            assert found.totals["dnfb"][i] == pytest.approx(columns["amount"][rows].sum())


class TestSparseSlices:
    def test_sparse_slice_ranking_matches_dense(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Ranking slices by sorting (for huge dimension spaces) gives the same slices as the dense table."""
        from comanaged_rcm.kpi import _engine  # noqa: PLC0415 - patching a module constant

        transactions = {
            "claim_id": ["X", "Y", "Z"],
            "payer": ["B", "A", "B"],
            "team": ["t2", "t1", "t1"],
            "service_date": ["2026-01-02"] * 3,
            "posting_date": ["2026-01-02"] * 3,
            "type": ["charge"] * 3,
            "amount": [1.0, 2.0, 4.0],
        }
        dense = measures(Book(transactions=transactions), JANUARY, by=["payer", "team"])
        monkeypatch.setattr(_engine, "_DENSE_SLICE_SPACE", 0)
        # a new book: the first one keeps its slicing
        sparse = measures(Book(transactions=transactions), JANUARY, by=["payer", "team"])
        assert_same(dense, sparse)
        assert dense.slices == (("A", "t1"), ("B", "t1"), ("B", "t2"))
