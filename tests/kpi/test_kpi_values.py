"""Every KPI and every convention option on the hand-worked book of conftest.py.

The expected figures are worked out by hand in each docstring, from the table in conftest.py;
the formulas follow the sources named on docs/conventions/kpi.md (HFMA MAP Keys, HFMA Claim
Integrity Task Force, MGMA, AAFP).
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from comanaged_rcm.errors import ConventionError
from comanaged_rcm.kpi import CONVENTIONS, Book, catalogue, evaluate, measures, trend
from comanaged_rcm.periods import Cadence, Period
from tests.kpi.conftest import JANUARY, LEDGER, SUBMISSIONS, TRANSACTIONS, WORK_ITEMS, columns

D = datetime.date


def value(book: Book, metric: str, period: Period = JANUARY, **kwargs: object) -> float | None:
    return evaluate(book, period, metrics=[metric], **kwargs).result(metric).value  # type: ignore[arg-type]


class TestOutcomes:
    def test_net_collection_rate_posting_period_refunds_netted(self, book: Book) -> None:
        """January (MGMA adjusted collection rate): payments 600 + 20 + 130 = 750, refunds 50, so
        collections 700; charges 1000 + 200 + 400 + 100 = 1700 less contractual 300 = 1400;
        700 / 1400 = 50%."""
        result = evaluate(book, JANUARY, metrics=["net_collection_rate"]).result("net_collection_rate")
        assert (result.value, result.numerator, result.denominator) == (50.0, 700.0, 1400.0)
        assert "refunds:netted@1" in result.convention
        assert "collection_basis:posting_period@1" in result.convention
        assert result.as_of == D(2026, 1, 31)
        assert result.period == JANUARY

    def test_net_collection_rate_refunds_gross(self, book: Book) -> None:
        """Refunds ignored: 750 / 1400 = 53.571...%."""
        assert value(book, "net_collection_rate", conventions={"refunds": "gross"}) == pytest.approx(
            750 / 1400 * 100
        )

    def test_net_collection_rate_dos_cohort_matures_with_as_of(self, book: Book) -> None:
        """Cohort of services 2026-01-01..01-10 (C1, C3, C5), payments posted before as-of.

        As of (the close of) 01-20: charges 1000 + 200 + 100 = 1300, contractual 300 (01-20), payments
        600 (01-20) + 20 = 620 -> 620 / 1000 = 62%; as of 01-19 neither the contractual nor the payment
        of 01-20 is counted: 20 / 1300 = 1.538...%. As of 01-31 the refund 50 and C5's 130 arrive:
        (750 - 50) / 1000 = 70%. The posting-period basis for the same 10 days is only
        20 / (1000 + 100) = 1.818...% (C3's charge posts on 01-12)."""
        early = Period(D(2026, 1, 1), D(2026, 1, 11))
        cohort = {"collection_basis": "dos_cohort"}
        assert value(book, "net_collection_rate", early, as_of=D(2026, 1, 20), conventions=cohort) == 62.0
        day_before = value(book, "net_collection_rate", early, as_of=D(2026, 1, 19), conventions=cohort)
        assert day_before == pytest.approx(20 / 1300 * 100)
        assert value(book, "net_collection_rate", early, as_of=D(2026, 1, 31), conventions=cohort) == 70.0
        assert value(book, "net_collection_rate", early) == pytest.approx(20 / 1100 * 100)

    @pytest.mark.parametrize(
        ("conventions", "expected"),
        [
            ({}, 1250 / (1950 / 90)),
            ({"ar_window": "trailing_3_months"}, 1250 / (1950 / 92)),
            ({"ar_charges": "adjusted"}, 1250 / (1650 / 90)),
            ({"credit_balances": "excluded"}, 1280 / (1950 / 90)),
        ],
    )
    def test_days_in_ar(self, book: Book, conventions: dict[str, str], expected: float) -> None:
        """A/R before 02-01 per claim: C1 1000-300-600+50 = 150, C2 500-100-40 = 360, C3 200-20 =
        180, C4 400-60 = 340, C5 100-130 = -30 (credit), C6 250: offset 1250, credits excluded 1280.
        Charges posted in the 90 days from 2025-11-03: 1700 + C6's 250 = 1950 (adjusted: less 300
        contractual = 1650). The 3 calendar months Nov-Jan have 30 + 31 + 31 = 92 days (HFMA)."""
        assert value(book, "days_in_ar", conventions=conventions) == pytest.approx(expected)

    @pytest.mark.parametrize(
        ("conventions", "expected"),
        [
            ({}, 200 / 1400 * 100),
            ({"write_off_denominator": "gross_charges"}, 200 / 1700 * 100),
            ({"write_off_denominator": "npsr"}, 200 / 2500 * 100),
            ({"write_off_reasons": "charity_excluded"}, 160 / 1400 * 100),
        ],
    )
    def test_write_off_rate(self, book: Book, conventions: dict[str, str], expected: float) -> None:
        """January write-offs: denial 100 + charity 40 + bad debt 60 = 200 (160 without charity);
        net charges 1400, gross 1700, ledger NPSR 2500."""
        assert value(book, "write_off_rate", conventions=conventions) == pytest.approx(expected)

    def test_cash_collection_pct_npsr_and_cost_to_collect(self, book: Book) -> None:
        """HFMA MAP Keys: cash 700 / NPSR 2500 = 28%; cost to collect 35 / cash 700 = 5%."""
        assert value(book, "cash_collection_pct_npsr") == pytest.approx(28.0)
        assert value(book, "cost_to_collect") == pytest.approx(5.0)


class TestDrivers:
    @pytest.mark.parametrize(
        ("conventions", "expected"),
        [
            ({}, 3 / 4 * 100),
            ({"denial_scope": "full_only"}, 2 / 4 * 100),
            ({"denial_unit": "lines"}, 6 / 14 * 100),
            ({"denial_unit": "lines", "denial_scope": "full_only"}, 5 / 14 * 100),
            ({"denial_unit": "dollars"}, 880 / 2200 * 100),
            ({"denial_unit": "dollars", "denial_scope": "full_only"}, 800 / 2200 * 100),
            ({"denial_denominator": "submitted_cohort"}, 2 / 3 * 100),
            ({"denial_denominator": "prior_three_month_average"}, 3 / (3 / 3) * 100),
        ],
    )
    def test_initial_denial_rate(self, book: Book, conventions: dict[str, str], expected: float) -> None:
        """Original submissions adjudicated in January: C1 paid (4 lines, 1000), C2 denied (2, 500),
        C4 partial (5 lines, 1 denied, 400 charged, 80 denied), C3 denied (3, 300): 4 claims,
        14 lines, 2200 dollars; denials 3 claims / 6 lines / 880 (full only: 2 / 5 / 800).
        Submitted cohort: C1, C2, C4 submitted in January and adjudicated (C5 pending): 2 / 3.
        HFMA CITF (@2): 3 denials over the monthly average of the originals submitted Oct-Dec (C7
        10-20, C6 11-21, C3 12-20: 3 / 3) = 300% -- never clipped."""
        assert value(book, "initial_denial_rate", conventions=conventions) == pytest.approx(expected)

    def test_prior_three_month_average_needs_months(self, book: Book) -> None:
        """The CITF denominator is monthly; a week is refused with a ConventionError."""
        week = Period(D(2026, 1, 5), D(2026, 1, 12))
        with pytest.raises(ConventionError, match="calendar-month"):
            evaluate(book, week, conventions={"denial_denominator": "prior_three_month_average"})

    def test_prior_three_month_average_over_a_trend_of_months(self, book: Book) -> None:
        """Monthly trend Dec 2025, Jan 2026 under the CITF denominator (@2: originals submitted in
        the 3 months before). Submitted: Oct C7, Nov C6, Dec C3; denials adjudicated: Dec none (C6
        paid), Jan C2 C3 C4. Dec: 0 over (Sep 0 + Oct 1 + Nov 1) / 3 = 0%; Jan: 3 over (1 + 1 + 1)
        / 3 = 300%. The span sums its months' measures: (0 + 3) / (2/3 + 3/3) = 180%, not the mean
        of the months (150%)."""
        months = [Period.month(2025, 12), Period.month(2026, 1)]
        found = trend(
            book,
            months,
            metrics=["initial_denial_rate"],
            conventions={"denial_denominator": "prior_three_month_average"},
        )
        assert found.values("initial_denial_rate") == pytest.approx([0.0, 300.0])
        assert found.whole.result("initial_denial_rate").value == pytest.approx(180.0)

    def test_prior_three_month_average_refuses_part_months(self, book: Book) -> None:
        """A span that starts mid-month is not made of whole months: refused."""
        with pytest.raises(ConventionError, match="whole"):
            evaluate(
                book,
                Period(D(2025, 12, 15), D(2026, 2, 1)),
                conventions={"denial_denominator": "prior_three_month_average"},
            )

    def test_clean_claim_and_overturn_rates(self, book: Book) -> None:
        """Original submissions in January: C1, C2, C4, C5, of which C1 and C5 clean: 50%.
        Resubmissions adjudicated in January: C2 (paid) and C8 (denied): 1 / 2 = 50%."""
        assert value(book, "clean_claim_rate") == 50.0
        assert value(book, "denial_overturn_rate") == 50.0

    @pytest.mark.parametrize(
        ("conventions", "expected"),
        [
            ({}, 610 / 1250 * 100),
            ({"aging_anchor": "bill_date"}, 360 / 1250 * 100),
            ({"aging_scope": "billed_ar"}, 610 / 1070 * 100),
            ({"credit_balances": "excluded"}, 610 / 1280 * 100),
        ],
    )
    def test_aged_ar_over_90(self, book: Book, conventions: dict[str, str], expected: float) -> None:
        """Age on 01-31: C2 (DOS 2025-10-01, 122 days; billed 10-03, 120) and C6 (DOS 10-15, 108
        days; billed 11-20, 72) are over 90 by service date: 360 + 250 = 610 of 1250. By bill
        date only C2: 360. Billed A/R excludes unbilled C3 (180): 1070. Credits excluded: 1280."""
        assert value(book, "aged_ar_over_90", conventions=conventions) == pytest.approx(expected)

    def test_dnfb_late_pos_and_write_off_mix(self, book: Book) -> None:
        """DNFB: C3's 200 is unbilled at 02-01, over 1950 / 90 a day = 9.23 days. Late charges:
        C4's 400 (posted 45 days after service) of 1700. POS: C3's 20 posted on its date of
        service of 750 paid. Bad debt 60, charity 40 of gross 1700; denial write-offs 100 of
        NPSR 2500 (HFMA MAP Keys)."""
        assert value(book, "dnfb_days") == pytest.approx(200 / (1950 / 90))
        assert value(book, "late_charges_pct") == pytest.approx(400 / 1700 * 100)
        assert value(book, "pos_collections_pct") == pytest.approx(20 / 750 * 100)
        assert value(book, "bad_debt_pct") == pytest.approx(60 / 1700 * 100)
        assert value(book, "charity_pct") == pytest.approx(40 / 1700 * 100)
        assert value(book, "uncompensated_care_pct") == pytest.approx(100 / 1700 * 100)
        assert value(book, "denial_write_off_pct_npsr") == pytest.approx(4.0)


class TestActivity:
    def test_work_item_kpis(self, book: Book) -> None:
        """Closed in January: W1 (3 touches) and W2 (5, escalated): 2 items, 8 / 2 = 4 touches,
        1 / 2 = 50% escalated. Open at 02-01: W3 (opened 12-15, 47 days old on 01-31: aged) and
        W4 (opened 01-10): backlog 2, aged backlog 1."""
        card = evaluate(book, JANUARY)
        got = {m: card.result(m).value for m in ("items_closed", "touches_per_closed_item", "backlog")}
        assert got == {"items_closed": 2.0, "touches_per_closed_item": 4.0, "backlog": 2.0}
        assert card.result("aged_backlog").value == 1.0
        assert card.result("escalated_share").value == 50.0
        assert card.result("backlog").denominator is None

    def test_aged_backlog_edge(self) -> None:
        """As of 01-31 (January's last day, the default): an item opened 01-01 is 30 days old (not
        aged); one opened 12-31 is 31 days old (aged)."""
        items = columns(
            "item_id workflow team opened closed touches escalated",
            [("a", "ar", "t", "2026-01-01", None, 1, False), ("b", "ar", "t", "2025-12-31", None, 1, False)],
        )
        assert value(Book(work_items=items), "aged_backlog") == 1.0


class TestEdges:
    def _claims(self, *rows: tuple[str, str, str, str, float]) -> Book:
        return Book(
            transactions=columns(
                "claim_id payer service_date posting_date type amount",
                [(c, "A", dos, posted, kind, amount) for c, dos, posted, kind, amount in rows],
            )
        )

    def test_ninety_day_aging_edge(self) -> None:
        """As of 2026-04-01, the period's last day (the default). A claim served 2026-01-01 is 90
        days old (not over 90); one served 2025-12-31 is 91 (over 90): 100 / (100 + 300) = 25%."""
        book = self._claims(
            ("X", "2025-12-31", "2026-01-02", "charge", 100.0),
            ("Y", "2026-01-01", "2026-01-02", "charge", 300.0),
        )
        period = Period(D(2026, 3, 26), D(2026, 4, 2))
        assert (D(2026, 4, 1) - D(2026, 1, 1)).days == 90
        assert value(book, "aged_ar_over_90", period) == 25.0
        per_claim = value(book, "aged_ar_over_90", period, conventions={"credit_balances": "excluded"})
        assert per_claim == 25.0

    def test_leap_year_window(self) -> None:
        """Trailing 3 calendar months before 2024-03-01 are Dec 31 + Jan 31 + Feb 29 = 91 days;
        A/R 910 over charges 910 / 91 = 10 a day is 91 days in A/R (HFMA MAP Keys, actual days).
        The 90 days before 03-01 start 2023-12-02 (the charge's date): 910 / (910 / 90) = 90."""
        assert (D(2024, 3, 1) - D(2023, 12, 2)).days == 90
        book = self._claims(("X", "2023-12-02", "2023-12-02", "charge", 910.0))
        period = Period.month(2024, 2)
        result = value(book, "days_in_ar", period, conventions={"ar_window": "trailing_3_months"})
        assert result == pytest.approx(91.0)
        assert value(book, "days_in_ar", period) == pytest.approx(90.0)

    def test_zero_denominator_is_undefined_with_a_reason(self) -> None:
        """No charges in February: the net collection rate is undefined (None), not 0 or NaN."""
        book = self._claims(("X", "2026-01-05", "2026-01-05", "charge", 100.0))
        result = evaluate(book, Period.month(2026, 2), metrics=["net_collection_rate"]).result(
            "net_collection_rate"
        )
        assert result.value is None
        assert result.defined is False
        assert result.denominator == 0.0
        assert "zero denominator" in result.reason

    def test_refunds_and_negative_rates_are_not_clipped(self) -> None:
        """A 200 charge and a 300 payment: 300 / 200 = 150%; with a 400 refund,
        (300 - 400) / 200 = -50%. Values are never clipped."""
        book = self._claims(
            ("X", "2026-01-05", "2026-01-05", "charge", 200.0),
            ("X", "2026-01-05", "2026-01-06", "payment", 300.0),
        )
        assert value(book, "net_collection_rate") == 150.0
        refunded = self._claims(
            ("X", "2026-01-05", "2026-01-05", "charge", 200.0),
            ("X", "2026-01-05", "2026-01-06", "payment", 300.0),
            ("X", "2026-01-05", "2026-01-07", "refund", 400.0),
        )
        assert value(refunded, "net_collection_rate") == -50.0

    def test_claims_spanning_period_boundaries(self) -> None:
        """A claim charged 01-30 and paid 02-03: January has the charge (0% collected), February
        the payment over no charges (undefined); the two months together 100 / 100 = 100%."""
        book = self._claims(
            ("X", "2026-01-30", "2026-01-30", "charge", 100.0),
            ("X", "2026-01-30", "2026-02-03", "payment", 100.0),
        )
        assert value(book, "net_collection_rate") == 0.0
        assert value(book, "net_collection_rate", Period.month(2026, 2)) is None
        assert value(book, "net_collection_rate", Period(D(2026, 1, 1), D(2026, 3, 1))) == 100.0

    def test_missing_tables_and_columns_give_reasons(self) -> None:
        """Without submissions, a ledger or billed dates, the KPIs needing them say why."""
        book = self._claims(("X", "2026-01-05", "2026-01-05", "charge", 100.0))
        card = evaluate(book, JANUARY)
        assert card.result("clean_claim_rate").reason == "the book has no submissions"
        assert card.result("dnfb_days").reason == "needs the transactions column 'billed_date'"
        assert card.result("cost_to_collect").reason == "the book has no ledger"
        npsr = evaluate(book, JANUARY, conventions={"write_off_denominator": "npsr"})
        assert npsr.result("write_off_rate").reason == "the book has no ledger"
        partial = Book(transactions=TRANSACTIONS, ledger={"month": ["2026-01-01"], "npsr": [1.0]})
        assert evaluate(partial, JANUARY).result("cost_to_collect").reason == (
            "needs the ledger column 'cost_to_collect'"
        )

    def test_unused_tables_are_fine(self) -> None:
        """A book with only submissions and work items still evaluates their KPIs."""
        book = Book(submissions=SUBMISSIONS, work_items=WORK_ITEMS, ledger=LEDGER)
        assert value(book, "clean_claim_rate") == 50.0


class TestWithoutBillDates:
    @staticmethod
    def unbilled_book() -> Book:
        """The conftest transactions without their billed_date column."""
        return Book(transactions={k: v for k, v in TRANSACTIONS.items() if k != "billed_date"})

    @pytest.mark.parametrize(
        "conventions", [{"aging_anchor": "bill_date"}, {"aging_scope": "billed_ar"}], ids=["anchor", "scope"]
    )
    def test_aging_that_reads_bill_dates_is_undefined_and_says_why(self, conventions: dict[str, str]) -> None:
        """Aging from the bill date or over billed A/R needs bill dates: without the column the KPI
        is undefined with that reason, not 0% (no claim would ever look billed)."""
        found = evaluate(self.unbilled_book(), JANUARY, metrics=["aged_ar_over_90"], conventions=conventions)
        result = found.result("aged_ar_over_90")
        assert result.value is None
        assert "billed_date" in result.reason

    def test_aging_from_the_date_of_service_needs_no_bill_dates(self) -> None:
        """Under the default conventions the same book still ages its A/R: C2 (DOS 2025-10-01,
        balance 500 - 100 - 40 = 360) and C6 (DOS 2025-10-15, 250) are over 90 days at
        2026-02-01, of A/R 1000 - 300 - 600 + 50 + 360 + 200 - 20 + 400 - 60 + 100 - 130 + 250
        = 1250: 610 / 1250 = 48.8%."""
        assert value(self.unbilled_book(), "aged_ar_over_90") == pytest.approx(48.8)


class TestLedger:
    """Ledger monthly totals and month-end balances (HFMA MAP Keys that only the ledger supplies).

    ======== ==== ==== ====== ==== ======== =======
    month    npsr cost net_ar dnfb bad_debt charity
    ======== ==== ==== ====== ==== ======== =======
    2025-10  2000 20   4800   280  30       10
    2025-11  2200 25   4900   290  35       15
    2025-12  2400 30   5000   310  20       20
    2026-01  2500 35   5200   300  40       25
    ======== ==== ==== ====== ==== ======== =======
    """

    LEDGER = columns(
        "month npsr cost_to_collect net_ar dnfb bad_debt charity",
        [
            ("2025-10-01", 2000.0, 20.0, 4800.0, 280.0, 30.0, 10.0),
            ("2025-11-01", 2200.0, 25.0, 4900.0, 290.0, 35.0, 15.0),
            ("2025-12-01", 2400.0, 30.0, 5000.0, 310.0, 20.0, 20.0),
            ("2026-01-01", 2500.0, 35.0, 5200.0, 300.0, 40.0, 25.0),
        ],
    )

    def book(self, **ledger: object) -> Book:
        return Book(transactions=TRANSACTIONS, ledger={**self.LEDGER, **ledger})

    def test_net_days_in_ar(self) -> None:
        """January, as-of 2026-02-01 (HFMA MAP Key): net A/R is January's month-end 5200; NPSR of
        Nov-Jan is 2200 + 2400 + 2500 = 7100 over 30 + 31 + 31 = 92 days, 77.17 a day;
        5200 / (7100 / 92) = 67.38 days."""
        result = evaluate(self.book(), JANUARY, metrics=["net_days_in_ar"]).result("net_days_in_ar")
        assert result.numerator == 5200.0
        assert result.denominator == pytest.approx(7100 / 92)
        assert result.value == pytest.approx(5200 * 92 / 7100)

    def test_monthly_totals_and_balances(self) -> None:
        """Totals count the months starting in the period (Dec + Jan for the two months); balances
        are the month-end before as-of (January's): bad debt 20 + 40, charity 20 + 25, DNFB 300."""
        found = measures(self.book(), Period(D(2025, 12, 1), D(2026, 2, 1)))
        assert found.totals["ledger_bad_debt"].tolist() == [60.0]
        assert found.totals["ledger_charity"].tolist() == [45.0]
        assert found.totals["ledger_dnfb"].tolist() == [300.0]
        assert found.totals["net_ar"].tolist() == [5200.0]

    def test_leap_year_window(self) -> None:
        """As-of 2024-03-01: the 3 months before are Dec 2023 + Jan + Feb 2024 = 31 + 31 + 29 = 91
        days; 300 a month of NPSR gives 900 / 91 a day and net A/R 1000 is 1000 * 91 / 900 days."""
        ledger = {
            "month": ["2023-12-01", "2024-01-01", "2024-02-01"],
            "npsr": [300.0] * 3,
            "net_ar": [0.0, 0.0, 1000.0],
        }
        book = Book(ledger=ledger)
        result = evaluate(book, Period.month(2024, 2), metrics=["net_days_in_ar"]).result("net_days_in_ar")
        assert result.value == pytest.approx(1000 * 91 / 900)

    def test_balances_need_an_as_of_on_a_month_end(self) -> None:
        """ISO weeks' last days are Sundays: month-end balances cannot be read at their close, so net
        days in A/R is undefined with that reason (the monthly totals still count); as of January's
        last day it is defined."""
        weeks = Cadence.weekly().periods_ending(D(2026, 2, 2), 2)
        found = trend(self.book(), weeks, metrics=["net_days_in_ar", "cash_collection_pct_npsr"])
        net = found.scorecards[0].result("net_days_in_ar")
        assert net.value is None
        assert net.reason == "ledger balances are month-end: needs as-of days on the last day of a month"
        monthly = evaluate(self.book(), JANUARY, as_of=D(2026, 1, 31), metrics=["net_days_in_ar"])
        assert monthly.result("net_days_in_ar").defined
        assert (
            evaluate(self.book(), JANUARY, as_of=D(2026, 2, 1), metrics=["net_days_in_ar"])
            .result("net_days_in_ar")
            .reason.endswith("on the last day of a month")
        )
        assert "average_daily_npsr" not in measures(self.book(), JANUARY).missing

    def test_a_missing_column_says_which(self) -> None:
        """Without net_ar or npsr the KPI names the ledger column it needs."""
        no_ar = {k: v for k, v in self.LEDGER.items() if k != "net_ar"}
        assert "'net_ar'" in evaluate(Book(ledger=no_ar), JANUARY).result("net_days_in_ar").reason
        no_npsr = {k: v for k, v in self.LEDGER.items() if k != "npsr"}
        assert "'npsr'" in evaluate(Book(ledger=no_npsr), JANUARY).result("net_days_in_ar").reason

    def test_ledger_shards_merge(self) -> None:
        """Balances at as-of and the 3-month NPSR are sums over ledger rows, so any split of the
        rows merges to the whole."""
        whole = measures(Book(ledger=self.LEDGER), JANUARY)
        odd = {k: v[::2] for k, v in self.LEDGER.items()}
        even = {k: v[1::2] for k, v in self.LEDGER.items()}
        merged = measures(Book(ledger=odd), JANUARY) + measures(Book(ledger=even), JANUARY)
        for name in ("net_ar", "ledger_dnfb", "average_daily_npsr", "npsr", "ledger_bad_debt"):
            assert merged.totals[name] == pytest.approx(whole.totals[name]), name


class TestErasAndPrecision:
    def test_missing_dates_stay_after_every_boundary_before_1970(self) -> None:
        """December 1969: an unbilled charge (no bill date) is DNFB 100, and an item never closed is
        backlog 1; missing dates must not be read as the earliest day when boundaries precede the
        epoch (day numbers below zero)."""
        tx = Book(
            transactions={
                "claim_id": ["C1", "C2"],
                "payer": ["A"] * 2,
                "service_date": ["1969-12-10", "1970-03-01"],
                "posting_date": ["1969-12-10", "1970-03-01"],
                "type": ["charge"] * 2,
                "amount": [100.0, 40.0],
                "billed_date": [None, None],
            }
        )
        assert measures(tx, Period.month(1969, 12)).totals["dnfb"].tolist() == [100.0]
        items = Book(
            work_items={
                "item_id": ["a"],
                "workflow": ["w"],
                "team": ["t"],
                "opened": ["1969-12-05"],
                "closed": [None],
                "touches": [1],
                "escalated": [False],
            }
        )
        assert measures(items, Period.month(1969, 12)).totals["backlog"].tolist() == [1.0]

    @pytest.mark.skipif(
        np.finfo(np.longdouble).nmant <= np.finfo(np.float64).nmant,
        reason="this platform's long double is a float64: running totals keep float64 rounding",
    )
    def test_a_long_history_does_not_leak_into_a_period_that_cancels(self) -> None:
        """1e11 of charges in 2020, then in January 2026 a 0.1 charge fully adjusted and a 5.0
        payment: January's net charges are 0 and the collection rate undefined, not 8e7 % from
        the history's float64 rounding (about 1.5e-5) left in a difference of running totals."""
        book = Book(
            transactions={
                "claim_id": ["H", "X", "X", "X"],
                "payer": ["A"] * 4,
                "service_date": ["2020-01-01", *["2026-01-05"] * 3],
                "posting_date": ["2020-01-01", *["2026-01-06"] * 3],
                "type": ["charge", "charge", "contractual_adjustment", "payment"],
                "amount": [1e11, 0.1, 0.1, 5.0],
            }
        )
        result = evaluate(book, JANUARY, metrics=["net_collection_rate"]).result("net_collection_rate")
        assert result.value is None
        assert "zero denominator" in result.reason


class TestEveryDeclaredFamilyIsRead:
    """A KPI that declares a convention family honours it: some option changes its value."""

    @pytest.mark.parametrize(
        ("metric", "family"),
        [(k.id, family) for k in catalogue() for family in k.conventions],
    )
    def test_two_options_give_two_values(self, book: Book, metric: str, family: str) -> None:
        """On the hand-worked book in January, the family's options give at least two distinct
        values (each defined value worked out by the tests above, option by option)."""
        values = {option: value(book, metric, conventions={family: option}) for option in CONVENTIONS[family]}
        assert len(set(values.values())) > 1, values
