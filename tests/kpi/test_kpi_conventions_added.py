"""The KPI conventions and MAP Keys of the 2026 additions, on hand-worked ledgers.

Every case of :mod:`tests.kpi.reference_ledgers` runs through :func:`kpi.evaluate` and must give
the hand-worked numerator, denominator and value (1e-9 relative), the convention ids with their
versions, and the reason of an undefined value. The figures there are worked by hand in each
builder's docstring and recomputed by a row loop and by pandas (``test_the_references_agree``).
"""

from __future__ import annotations

import datetime

import pytest

from comanaged_rcm.errors import ConventionError
from comanaged_rcm.kpi import CONVENTIONS, Book, KPIResult, Unit, catalogue, check_hierarchy, evaluate
from comanaged_rcm.kpi._conventions import resolve_conventions
from comanaged_rcm.periods import Period
from tests.kpi import _legacy_engine as legacy
from tests.kpi import reference_ledgers as ref

CASES = {c.id: c for c in ref.CASES}


def run(case: ref.Case) -> KPIResult:
    """The case's KPI, in its slice (the total when it has none)."""
    card = evaluate(
        Book(**case.tables),
        Period(case.start, case.end),
        as_of=case.as_of,
        by=tuple(case.where),
        conventions={family: option.split("@")[0] for family, option in case.conventions.items()},
        metrics=[case.kpi],
    )
    return card.result(case.kpi, **dict(case.where))


def test_the_references_agree() -> None:
    """Each hand-worked figure equals a row loop's and pandas' (the file's own check)."""
    assert ref.check() == []
    assert len(CASES) == len(ref.CASES)


@pytest.mark.parametrize("case", ref.CASES, ids=lambda c: c.id)
def test_each_hand_worked_case(case: ref.Case) -> None:
    """Numerator, denominator and value as worked by hand; versions as the case names them."""
    got = run(case)
    if case.value is None:
        assert got.value is None
        assert got.reason.startswith(case.reason.split(":")[0]), got.reason
    else:
        assert got.value == pytest.approx(case.value, rel=1e-9, abs=1e-12), case.worked
    if case.numerator is not None:
        assert got.numerator == pytest.approx(case.numerator, rel=1e-9, abs=1e-12)
    if case.denominator is not None:
        assert got.denominator == pytest.approx(case.denominator, rel=1e-9, abs=1e-12)
    for family, option in case.conventions.items():
        name = option.split("@")[0]
        assert f"{family}:{name}@{CONVENTIONS[family][name].version}" in got.convention
        if "@" in option:
            assert f"{family}:{option}" in got.convention


class TestCitfDenominator:
    def test_version_two_counts_claims_submitted(self) -> None:
        """prior_three_month_average is @2: 3 denials over 10 submitted / 3 = 90.00%, not the
        adjudicated reading's 900/7 (case citf_v1_adjudicated)."""
        got = run(CASES["citf_claims"])
        assert "denial_denominator:prior_three_month_average@2" in got.convention
        assert repr(got) == "KPIResult(initial_denial_rate [total] 2026-04-01/2026-05-01: 90.00%)"
        assert CONVENTIONS["denial_denominator"]["prior_three_month_average"].id.endswith("@2")
        assert got.value != pytest.approx(ref.LEGACY_CASES[0].value)

    @pytest.mark.parametrize("case", ref.LEGACY_CASES, ids=lambda c: c.id)
    def test_version_one_was_the_adjudicated_reading(self, case: ref.Case) -> None:
        """The engine before the bump (the legacy oracle) gives the hand-worked @1 figures:
        3 denials over 7 adjudicated / 3 = 128.57%."""
        chosen = {family: option.split("@")[0] for family, option in case.conventions.items()}
        old = legacy.compute_measures(
            Book(**case.tables),
            [Period(case.start, case.end)],
            [case.as_of + datetime.timedelta(days=1)],
            (),
            resolve_conventions(chosen),
        )
        numerator, denominator = old.totals["denials"][0], old.totals["denial_base"][0]
        assert (numerator, denominator) == (pytest.approx(case.numerator), pytest.approx(case.denominator))
        assert 100 * numerator / denominator == pytest.approx(case.value, rel=1e-9)

    def test_a_period_of_part_of_a_month_is_refused(self) -> None:
        """The prior three months' average needs whole calendar months."""
        case = CASES["citf_claims"]
        with pytest.raises(ConventionError, match="calendar-month periods"):
            evaluate(
                Book(**case.tables),
                Period(datetime.date(2026, 4, 1), datetime.date(2026, 4, 15)),
                conventions={"denial_denominator": "prior_three_month_average"},
                metrics=["initial_denial_rate"],
            )


class TestWriteOffBasis:
    def test_a_cohort_over_npsr_is_refused(self) -> None:
        """write_off_basis=dos_cohort with write_off_denominator=npsr has no meaning."""
        case = CASES["cohort_included"]
        with pytest.raises(ConventionError) as raised:
            evaluate(
                Book(**case.tables),
                Period(case.start, case.end),
                as_of=case.as_of,
                conventions={"write_off_basis": "dos_cohort", "write_off_denominator": "npsr"},
                metrics=["write_off_rate"],
            )
        assert str(raised.value).startswith(
            "the conventions write_off_basis=dos_cohort and write_off_denominator=npsr do not go together"
        )

    def test_a_posting_period_over_npsr_and_a_cohort_over_charges_are_not(self) -> None:
        """Each side of the refused pair alone is accepted: posting_period over the ledger's NPSR
        (100 denial and timely-filing write-offs posted in March over 2000 of NPSR = 5.00%), and
        dos_cohort over net charges (case cohort_denials)."""
        case = CASES["posted_denials"]
        ledger = {"month": ["2026-03-01"], "npsr": [2000.0]}
        card = evaluate(
            Book(**case.tables, ledger=ledger),
            Period(case.start, case.end),
            as_of=case.as_of,
            conventions={
                "write_off_basis": "posting_period",
                "write_off_denominator": "npsr",
                "write_off_reasons": "denials_only",
            },
            metrics=["write_off_rate"],
        )
        got = card.result("write_off_rate")
        assert got.numerator == pytest.approx(100.0)
        assert got.denominator == pytest.approx(2000.0)
        assert repr(got) == "KPIResult(write_off_rate [total] 2026-03-01/2026-04-01: 5.00%)"
        assert run(CASES["cohort_denials"]).value == pytest.approx(10000 / 2700)

    def test_the_basis_is_not_read_by_other_kpis(self) -> None:
        """Choosing a write-off basis for a KPI that does not read it is refused, not ignored."""
        case = CASES["cohort_included"]
        with pytest.raises(ConventionError, match=r"write_off_basis=dos_cohort is read by none"):
            evaluate(
                Book(**case.tables),
                Period(case.start, case.end),
                conventions={"write_off_basis": "dos_cohort"},
                metrics=["days_in_ar"],
            )


class TestCreditBalances:
    def test_the_total_is_excluded_less_offset_a_r(self) -> None:
        """BOOK at 2026-04-30: A/R with credits excluded 1090 less A/R offset 1040 is the 50 of
        credit balances (A6's -50)."""
        case = CASES["credit_on_as_of"]
        book, period = Book(**case.tables), Period(case.start, case.end)

        def days_in_ar_numerator(option: str) -> float:
            card = evaluate(
                book,
                period,
                as_of=case.as_of,
                conventions={"credit_balances": option},
                metrics=["days_in_ar"],
            )
            value = card.result("days_in_ar").numerator
            assert value is not None
            return value

        assert days_in_ar_numerator("excluded") == pytest.approx(1090.0)
        assert days_in_ar_numerator("offset") == pytest.approx(1040.0)
        assert run(case).value == pytest.approx(1090.0 - 1040.0)

    def test_the_total_is_an_amount(self) -> None:
        """The credit-balance KPI is money with no denominator, rendered with its cents."""
        kpi = next(k for k in catalogue() if k.id == "credit_balance_total")
        assert (kpi.unit, kpi.denominator) == (Unit.AMOUNT, ())
        got = run(CASES["credit_split_payer_q"])
        assert repr(got) == "KPIResult(credit_balance_total [payer=Q] 2026-03-01/2026-04-01: 600.00)"


def test_the_hierarchy_stays_clean() -> None:
    """The new KPIs keep the catalogue's hierarchy free of findings."""
    assert check_hierarchy(catalogue()) == []


class TestMapKeys:
    def test_the_scorecard_shows_them_with_their_units(self) -> None:
        """March 2024 on the ledger: FM-2 100.00% (125000 / 125000), FM-6 3.60% (4500 / 125000),
        FM-1 53.9 d (222000 x 91 / 375000 = 53.872)."""
        case = CASES["fm2_march"]
        card = evaluate(
            Book(**case.tables),
            Period(case.start, case.end),
            metrics=["map_cash_collection_pct_npsr", "map_cost_to_collect", "net_days_in_ar"],
        )
        text = card.to_text()
        assert "MAP cash collection % of NPSR  100.00%" in text
        assert "MAP cost to collect" in text
        assert "3.60%" in text
        assert "53.9 d" in text

    def test_a_ledger_without_the_column_says_so(self) -> None:
        """PB-1 needs gross revenue: a ledger of NPSR and DNFB only leaves it undefined, naming
        the column."""
        ledger = {"month": ["2024-01-01", "2024-02-01"], "npsr": [1.0, 2.0], "dnfb": [5.0, 6.0]}
        card = evaluate(
            Book(transactions=CASES["credit_march_end"].tables["transactions"], ledger=ledger),
            Period.month(2024, 2),
            metrics=["map_days_in_dnfb"],
        )
        got = card.result("map_days_in_dnfb")
        assert got.value is None
        assert got.reason == "needs the ledger column 'gross_revenue'"

    def test_bad_debt_and_charity_add_up_to_uncompensated_care(self) -> None:
        """AR-7 1.5% + AR-8 1.0% = FM-4 2.5% (February 2024, over 290000 of gross revenue)."""
        case = CASES["fm4_february"]
        card = evaluate(
            Book(**case.tables),
            Period(case.start, case.end),
            metrics=["map_bad_debt_pct", "map_charity_care_pct", "map_uncompensated_care_pct"],
        )
        parts = [card.result(m).value for m in ("map_bad_debt_pct", "map_charity_care_pct")]
        assert parts == [pytest.approx(1.5), pytest.approx(1.0)]
        assert card.result("map_uncompensated_care_pct").value == pytest.approx(sum(p or 0.0 for p in parts))
