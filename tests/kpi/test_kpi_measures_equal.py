"""The measures-as-data engine equals the hand-written one it replaced, on every built-in measure.

The oracle is ``tests/kpi/_legacy_engine.py``, the engine as it was. Both run on the same book
for the same periods, as-of dates, slicing and conventions, and must agree on every measure
(1e-12 relative; 1e-9 absolute, a billionth of a dollar, where an A/R balance cancels to about
zero and the two engines add in a different order), on the slices, and on why a measure is
missing or unsliced.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm.errors import ConventionError
from comanaged_rcm.kpi import CONVENTIONS, DEFAULT_CONVENTIONS, SCHEMAS, Book, MeasureSet
from comanaged_rcm.kpi._conventions import resolve_conventions
from comanaged_rcm.kpi._engine import compute_measures
from comanaged_rcm.periods import Cadence, Period
from comanaged_rcm.synthetic import generate_book
from tests.kpi import _legacy_engine as legacy
from tests.kpi.test_kpi_properties import ledgers

SLICINGS: list[tuple[str, ...]] = [(), ("payer",), ("payer", "team")]

LEGACY_OPTIONS: dict[str, tuple[str, ...]] = {
    "refunds": ("netted", "gross"),
    "collection_basis": ("posting_period", "dos_cohort"),
    "ar_window": ("trailing_90_days", "trailing_3_months"),
    "ar_charges": ("gross", "adjusted"),
    "credit_balances": ("offset", "excluded"),
    "write_off_denominator": ("net_charges", "gross_charges", "npsr"),
    "write_off_reasons": ("charity_included", "charity_excluded"),
    "aging_anchor": ("service_date", "bill_date"),
    "aging_scope": ("total_ar", "billed_ar"),
    "denial_unit": ("claims", "lines", "dollars"),
    "denial_scope": ("full_and_partial", "full_only"),
    # prior_three_month_average left out: version 2 averages claims submitted, where the old engine
    # averaged claims adjudicated (tests/kpi/test_kpi_conventions_added.py checks both versions
    # against hand-worked cases, version 1 on this old engine)
    "denial_denominator": ("adjudicated_in_period", "submitted_cohort"),
}
"""The twelve families and their options as the hand-written engine knew them, with the same
arithmetic (families and options added or changed since are left at their defaults here and
tested against hand-worked figures)."""

NEW_MEASURES = frozenset(
    {
        "credit_balance_total",
        "cohort_ar",
        "cohort_ar_base",
        "ledger_gross_revenue",
        "ledger_patient_service_cash",
        "ledger_pos_cash",
        "ledger_patient_cash",
        "ledger_late_charges",
        "ledger_denial_write_offs",
        "average_monthly_npsr",
        "average_daily_gross_revenue",
    }
)
"""Reported measures the hand-written engine did not have (tested against hand-worked figures)."""

SWEEP = [{family: option} for family, options in LEGACY_OPTIONS.items() for option in options]
"""Each option of each family with the others at their defaults."""


WORDING = {
    "ledger balances are month-end: needs as-of dates on the first of a month": (
        "ledger balances are month-end: needs as-of days on the last day of a month"
    ),
}
"""The old engine's reasons worded by its exclusive boundary, as the engine words them now."""


def _worded(reasons: Mapping[str, str]) -> dict[str, str]:
    return {name: WORDING.get(why, why) for name, why in reasons.items()}


def assert_equal(new: MeasureSet, old: legacy.MeasureSet) -> None:
    """Same request, slices, measures, values, missing and unsliced reasons."""
    assert (new.periods, new.as_of, new.by, new.slices) == (old.periods, old.as_of, old.by, old.slices)
    assert new.conventions == old.conventions
    assert set(new.totals) - NEW_MEASURES == set(old.totals)
    assert set(new.sliced) - NEW_MEASURES == set(old.sliced)
    for name in old.totals:
        np.testing.assert_allclose(new.totals[name], old.totals[name], rtol=1e-12, atol=1e-9, err_msg=name)
    for name in old.sliced:
        np.testing.assert_allclose(new.sliced[name], old.sliced[name], rtol=1e-12, atol=1e-9, err_msg=name)
    assert {k: v for k, v in new.missing.items() if k not in NEW_MEASURES} == _worded(old.missing)
    # the old engine also listed as unsliced a measure it then found missing; it is missing only
    assert {k: v for k, v in new.unsliced.items() if k not in NEW_MEASURES} == {
        k: v for k, v in _worded(old.unsliced).items() if k not in old.missing
    }


def both(
    book: Book,
    periods: list[Period],
    as_of: list[datetime.date],
    by: tuple[str, ...],
    chosen: dict[str, str],
) -> None:
    """Run both engines; they agree, or both refuse with the same ConventionError."""
    conventions = resolve_conventions(chosen)
    refused: str | None = None
    try:
        old = legacy.compute_measures(book, periods, as_of, by, conventions)
    except ConventionError as error:
        refused = str(error)
    if refused is not None:
        with pytest.raises(ConventionError) as raised:
            compute_measures(book, periods, as_of, by, conventions)
        assert str(raised.value) == refused
        return
    assert_equal(compute_measures(book, periods, as_of, by, conventions), old)


# ------------------------------------------------------------------------------------- strategies

OUTCOMES = ("paid", "denied", "partial", "pending")
START = datetime.date(2025, 9, 1)


def _days(draw: st.DrawFn, n: int, low: int, high: int) -> np.ndarray:
    return np.datetime64(START, "D") + np.array(
        draw(st.lists(st.integers(low, high), min_size=n, max_size=n)), dtype=int
    )


@st.composite
def submissions(draw: st.DrawFn) -> dict[str, Any]:
    """Random submissions: originals and resubmissions, every outcome, pending ones undated."""
    n = draw(st.integers(0, 25))
    outcome = np.array(draw(st.lists(st.sampled_from(OUTCOMES), min_size=n, max_size=n)), dtype=str)
    submitted = _days(draw, n, 0, 170)
    lag = np.array(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)), dtype=int)
    adjudicated = np.where(outcome == "pending", np.datetime64("NaT"), submitted + lag).astype(
        "datetime64[D]"
    )
    lines = np.array(draw(st.lists(st.integers(1, 6), min_size=n, max_size=n)), dtype=int)
    charges = np.array(draw(st.lists(st.integers(1, 900), min_size=n, max_size=n)), dtype=float)
    denied = np.isin(outcome, ["denied", "partial"])
    return {
        "claim_id": np.array([f"C{i % 7}" for i in range(n)], dtype=str),
        "payer": np.array(draw(st.lists(st.sampled_from("AB"), min_size=n, max_size=n)), dtype=str),
        "team": np.array(draw(st.lists(st.sampled_from(("t1", "t2")), min_size=n, max_size=n)), dtype=str),
        "seq": np.array(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)), dtype=int),
        "submitted_date": submitted,
        "lines": lines,
        "charges": charges,
        "clean": np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
        "adjudicated_date": adjudicated,
        "outcome": outcome,
        "denied_lines": np.where(denied, lines, 0),
        "denied_charges": np.where(denied, charges / 2, 0.0),
    }


@st.composite
def work_items(draw: st.DrawFn) -> dict[str, Any]:
    """Random work items, some still open (closed NaT)."""
    n = draw(st.integers(0, 20))
    opened = _days(draw, n, 0, 170)
    spent = draw(st.lists(st.one_of(st.none(), st.integers(0, 60)), min_size=n, max_size=n))
    closed = np.array(
        [np.datetime64("NaT") if s is None else opened[i] + s for i, s in enumerate(spent)],
        dtype="datetime64[D]",
    )
    return {
        "item_id": np.array([f"W{i}" for i in range(n)], dtype=str),
        "workflow": np.array(
            draw(st.lists(st.sampled_from(("ar", "denials")), min_size=n, max_size=n)), dtype=str
        ),
        "team": np.array(draw(st.lists(st.sampled_from(("t1", "t2")), min_size=n, max_size=n)), dtype=str),
        "opened": opened,
        "closed": closed,
        "touches": np.array(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), dtype=int),
        "escalated": np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
    }


@st.composite
def ledger(draw: st.DrawFn) -> dict[str, Any]:
    """Ledger months with a random subset of the amount columns."""
    months = sorted(draw(st.sets(st.integers(0, 7), min_size=1, max_size=8)))
    firsts = np.array([np.datetime64("2025-09", "M") + m for m in months]).astype("datetime64[D]")
    out: dict[str, Any] = {"month": firsts}
    for column in draw(st.sets(st.sampled_from(("npsr", "cost_to_collect", "net_ar", "dnfb")))):
        out[column] = np.array(
            draw(st.lists(st.integers(0, 5000), min_size=len(months), max_size=len(months))), float
        )
    return out


@st.composite
def books(draw: st.DrawFn) -> Book:
    """A book with transactions and, each at random, submissions, work items and a ledger."""
    transactions = draw(ledgers())
    if draw(st.booleans()):
        del transactions["billed_date"]
    return Book(
        transactions=transactions,
        submissions=draw(st.one_of(st.none(), submissions())),
        work_items=draw(st.one_of(st.none(), work_items())),
        ledger=draw(st.one_of(st.none(), ledger())),
    )


@st.composite
def requests(draw: st.DrawFn) -> tuple[list[Period], list[datetime.date]]:
    """Weeks or months, as a trend asks: each as-of on or after its period's end, then the span."""
    if draw(st.booleans()):
        periods = list(Cadence.monthly().periods_ending(datetime.date(2026, 2, 1), draw(st.integers(1, 4))))
    else:
        end = datetime.date(2026, 1, 5) + datetime.timedelta(weeks=draw(st.integers(0, 6)))
        periods = list(Cadence.weekly().periods_ending(end, draw(st.integers(1, 4))))
    late = draw(st.lists(st.integers(0, 20), min_size=len(periods), max_size=len(periods)))
    as_of = [p.end + datetime.timedelta(days=d) for p, d in zip(periods, late, strict=True)]
    span = Period(periods[0].start, periods[-1].end)
    return [*periods, span], [*as_of, as_of[-1]]


def combinations() -> st.SearchStrategy[dict[str, str]]:
    """A random option for every family the hand-written engine knew."""
    return st.fixed_dictionaries({f: st.sampled_from(options) for f, options in LEGACY_OPTIONS.items()})


# ----------------------------------------------------------------------------------------- tests


class TestEqualsTheHandWrittenEngine:
    @pytest.mark.parametrize("chosen", SWEEP, ids=lambda c: ":".join(next(iter(c.items()))))
    @settings(max_examples=15)
    @given(book=books(), request=requests(), by=st.sampled_from(SLICINGS))
    def test_each_option_on_random_books(
        self,
        chosen: dict[str, str],
        book: Book,
        request: tuple[list[Period], list[datetime.date]],
        by: tuple[str, ...],
    ) -> None:
        """Each option of each family (the others at their defaults), on random books, periods and
        slicings: every measure, slice and reason is the old engine's."""
        both(book, *request, by, chosen)

    @settings(max_examples=60)
    @given(book=books(), request=requests(), by=st.sampled_from(SLICINGS), chosen=combinations())
    def test_random_combinations_of_options(
        self,
        book: Book,
        request: tuple[list[Period], list[datetime.date]],
        by: tuple[str, ...],
        chosen: dict[str, str],
    ) -> None:
        """Any combination of options, any slicing: the old engine's measures."""
        both(book, *request, by, chosen)

    def test_the_sweep_covers_every_option_the_old_engine_knew(self) -> None:
        """The sweep holds each of the twelve families' options once, each still a convention."""
        assert len(LEGACY_OPTIONS) == 12
        assert len(SWEEP) == sum(len(options) for options in LEGACY_OPTIONS.values()) == 26
        for family, options in LEGACY_OPTIONS.items():
            assert set(options) <= set(CONVENTIONS[family]), family
            assert DEFAULT_CONVENTIONS[family] in options, family

    @pytest.mark.parametrize("by", [("workflow",), ("team",), ("payer", "team")])
    def test_a_table_without_the_dimension(self, by: tuple[str, ...]) -> None:
        """Sliced by a column some tables lack (workflow: only work items; team and payer: not the
        ledger), the unsliced measures and their reasons are the old engine's."""
        rng = np.random.default_rng(5)
        book = Book(
            transactions={
                "claim_id": np.array(["C1", "C2", "C3"]),
                "payer": np.array(["A", "B", "A"]),
                "team": np.array(["t1", "t2", "t1"]),
                "service_date": np.array(["2026-01-03"] * 3, dtype="datetime64[D]"),
                "posting_date": np.array(["2026-01-04", "2026-01-05", "2026-01-30"], dtype="datetime64[D]"),
                "type": np.array(["charge", "payment", "charge"]),
                "amount": rng.integers(1, 100, 3).astype(float),
            },
            work_items={
                "item_id": np.array(["W1", "W2"]),
                "workflow": np.array(["ar", "denials"]),
                "team": np.array(["t1", "t2"]),
                "opened": np.array(["2026-01-02", "2026-01-09"], dtype="datetime64[D]"),
                "closed": np.array(["2026-01-20", "NaT"], dtype="datetime64[D]"),
                "touches": np.array([2, 3]),
                "escalated": np.array([False, True]),
            },
            ledger={"month": np.array(["2026-01-01"], dtype="datetime64[D]"), "npsr": np.array([900.0])},
        )
        month = Period.month(2026, 1)
        for chosen in ({}, {"write_off_denominator": "npsr"}, {"credit_balances": "excluded"}):
            both(book, [month], [datetime.date(2026, 2, 1)], by, chosen)


@pytest.fixture(scope="module")
def synthetic() -> Book:
    """The synthetic book (500 claims), its schema columns only."""
    book = generate_book(seed=3, claims=500, weeks=20)
    tables = {
        name: {k: v for k, v in columns.items() if k in {f.name for f in SCHEMAS[name]}}
        for name, columns in book.tables().items()
    }
    return Book.from_tables(tables)


class TestOnTheSyntheticBook:
    @pytest.mark.parametrize("by", SLICINGS)
    @pytest.mark.parametrize("chosen", SWEEP, ids=lambda c: ":".join(next(iter(c.items()))))
    def test_every_option_over_a_trend_of_months(
        self, synthetic: Book, chosen: dict[str, str], by: tuple[str, ...]
    ) -> None:
        """Three months of the synthetic book and their span, as-of ten days after each end."""
        months = list(Cadence.monthly().periods_ending(datetime.date(2026, 9, 1), 3))
        as_of = [m.end + datetime.timedelta(days=10) for m in months]
        both(synthetic, [*months, Period(months[0].start, months[-1].end)], [*as_of, as_of[-1]], by, chosen)

    @pytest.mark.parametrize("chosen", [dict(c) for c in itertools.islice(itertools.cycle(SWEEP), 0, 3)])
    def test_weeks_with_as_of_on_their_ends(self, synthetic: Book, chosen: dict[str, str]) -> None:
        """Four weeks by payer, snapshots at each week's end."""
        weeks = list(Cadence.weekly().periods_ending(datetime.date(2026, 8, 3), 4))
        both(
            synthetic,
            [*weeks, Period(weeks[0].start, weeks[-1].end)],
            [w.end for w in weeks] + [weeks[-1].end],
            ("payer",),
            chosen,
        )

    def test_the_synthetic_trend_reads_every_table(self, synthetic: Book) -> None:
        """The comparison is not vacuous: the book yields non-zero A/R, denials, backlog and DNFB."""
        months = list(Cadence.monthly().periods_ending(datetime.date(2026, 9, 1), 2))
        found = compute_measures(synthetic, months, [m.end for m in months], (), resolve_conventions())
        for name in ("ar_balance", "denials", "backlog", "dnfb", "ar_over_90", "late_charges"):
            assert name in found.totals, name
            assert found.totals[name].sum() > 0, name
