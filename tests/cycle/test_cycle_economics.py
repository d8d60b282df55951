"""The margin: net collections against the baseline, net of the partner's cost, each figure checked."""

from __future__ import annotations

import datetime
import math
from typing import Any

import attrs
import pytest

from comanaged_rcm.cycle import CycleData, default_engagement
from comanaged_rcm.cycle._economics import FIGURES, MarginFigure, MarginSection, margin, margin_section
from comanaged_rcm.cycle._engagement import Baseline, EconomicsSection, Engagement, Fee, OwnCost
from comanaged_rcm.cycle._section import section_html, section_markdown, section_text
from comanaged_rcm.errors import ConventionError, ValidationError
from comanaged_rcm.kpi import Book, evaluate
from comanaged_rcm.periods import Cadence, Period
from comanaged_rcm.serialize import from_json, to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book

D = datetime.date
WEEK = datetime.timedelta(weeks=1)
BASELINE = Baseline(from_=D(2026, 1, 5), through=D(2026, 2, 1), cost=24_000.0)
PERIOD = Period(D(2026, 2, 2), D(2026, 3, 2))
FEES = (
    Fee(from_=D(2026, 2, 2), through=D(2026, 2, 15), fixed=1_000.0),
    Fee(from_=D(2026, 2, 16), through=D(2026, 12, 27), fixed=700.0, percent_of_collections=1.0),
)
OWN = (OwnCost(from_=D(2026, 1, 5), through=D(2026, 12, 27), per_period=2_500.0),)


def _ledger(*rows: tuple[str, str, float]) -> Book:
    """A book of one payer's transactions ``(posting date, type, amount)``, one claim per charge."""
    claims, claim = [], 0
    for _, kind, _ in rows:
        claim += kind == "charge"
        claims.append(f"C{claim}")
    return Book(
        transactions={
            "claim_id": claims,
            "payer": ["Acme"] * len(rows),
            "service_date": [rows[0][0]] * len(rows),
            "posting_date": [r[0] for r in rows],
            "type": [r[1] for r in rows],
            "amount": [r[2] for r in rows],
        }
    )


LEDGER = (
    # the baseline, 2026-01-05..2026-02-01
    ("2026-01-05", "charge", 1_000_000.0),
    ("2026-01-06", "contractual_adjustment", 200_000.0),
    ("2026-01-20", "payment", 750_000.0),
    ("2026-01-22", "refund", 10_000.0),
    # the period, 2026-02-02..2026-03-01
    ("2026-02-02", "charge", 2_000_000.0),
    ("2026-02-03", "contractual_adjustment", 400_000.0),
    ("2026-02-10", "payment", 600_000.0),
    ("2026-02-18", "payment", 920_000.0),
    ("2026-02-25", "refund", 20_000.0),
    # after it: the data runs past the period's last day
    ("2026-03-05", "payment", 500.0),
)


@pytest.fixture(scope="module")
def book() -> Book:
    return _ledger(*LEDGER)


def _engagement(**economics: Any) -> Engagement:
    fields: dict[str, Any] = {"fees": FEES, "own_costs": OWN, "baseline": BASELINE, **economics}
    return attrs.evolve(default_engagement(), economics=EconomicsSection(**fields))


def _values(section: MarginSection) -> dict[str, float | None]:
    return {f.name: f.value for f in section.figures}


def _reasons(section: MarginSection) -> dict[str, str]:
    return {f.name: f.reason for f in section.figures if f.value is None}


class TestHandWorkedLedger:
    def test_every_figure(self, book: Book) -> None:
        """Every figure of the ledger above, worked by hand (weekly cadence, weeks from Monday).

        Baseline 2026-01-05..2026-02-01: net collections 750,000 - 10,000 = 740,000; net
        charges 1,000,000 - 200,000 = 800,000; rate 740,000 / 800,000 = 92.5%; cash 740,000.

        Period 2026-02-02..2026-03-01 (four weeks): net collections 600,000 + 920,000 - 20,000
        = 1,500,000; net charges 2,000,000 - 400,000 = 1,600,000; rate 93.75%.

        Expected without the partner: 92.5% x 1,600,000 = 1,480,000; incremental 1,500,000 -
        1,480,000 = 20,000.

        Partner: weeks 1-2 at 1,000 fixed = 2,000; weeks 3-4 at 700 fixed = 1,400 plus 1% of the
        cash posted 2026-02-16..2026-03-01 (920,000 - 20,000 = 900,000) = 9,000; total 12,400.
        Own cost 4 x 2,500 = 10,000. Cost to collect (10,000 + 12,400) / 1,500,000 = 1.49333%;
        baseline 24,000 / 740,000 = 3.24324%. Incremental margin 20,000 - 12,400 = 7,600.
        """
        found = margin(_engagement(), book, PERIOD)
        expected = {
            "net_collections": 1_500_000.0,
            "net_charges": 1_600_000.0,
            "net_collection_rate": 93.75,
            "baseline_net_collections": 740_000.0,
            "baseline_net_charges": 800_000.0,
            "baseline_rate": 92.5,
            "expected_collections": 1_480_000.0,
            "incremental_collections": 20_000.0,
            "partner_cost": 12_400.0,
            "own_cost": 10_000.0,
            "cost_to_collect": 22_400 / 1_500_000 * 100,
            "baseline_cost_to_collect": 24_000 / 740_000 * 100,
            "incremental_margin": 7_600.0,
        }
        assert _values(found) == pytest.approx(expected, rel=1e-12)
        assert _reasons(found) == {}
        assert found.baseline_kind == "period"
        assert found.baseline == "2026-01-05..2026-02-01 of the data"
        assert found.convention == "refunds:netted@1, collection_basis:posting_period@1"
        assert found.period == PERIOD

    def test_the_rate_is_the_report_net_collection_rate(self, book: Book) -> None:
        """This period's and the baseline's rates are kpi.evaluate's net collection rate, terms and all."""
        found = margin(_engagement(), book, PERIOD)
        for period, prefix in ((PERIOD, ""), (BASELINE.period, "baseline_")):
            assert period is not None
            result = evaluate(book, period, metrics=["net_collection_rate"]).result("net_collection_rate")
            assert found.figure(f"{prefix}net_collections").value == result.numerator
            assert found.figure(f"{prefix}net_charges").value == result.denominator
            rate = "net_collection_rate" if not prefix else "baseline_rate"
            assert found.figure(rate).value == result.value

    def test_bases_show_the_arithmetic(self, book: Book) -> None:
        found = margin(_engagement(), book, PERIOD)
        bases = {f.name: f.basis for f in found.figures}
        assert bases["expected_collections"] == "92.50% x $1,600,000 net charges"
        assert bases["partner_cost"] == "$3,400 fixed + 1% of $900,000 cash"
        assert bases["cost_to_collect"] == "($10,000 own + $12,400 partner) / $1,500,000 cash"
        assert bases["baseline_cost_to_collect"] == "$24,000 / $740,000 cash"
        assert bases["incremental_margin"] == "$20,000 - $12,400 partner cost"
        assert bases["incremental_collections"] == "$1,500,000 - $1,480,000"
        assert bases["net_collections"] == "collections in 2026-02-02..2026-03-01"
        assert (
            bases["baseline_net_charges"]
            == "charges less contractual adjustments in the baseline 2026-01-05..2026-02-01"
        )

    def test_refunds_gross_convention(self, book: Book) -> None:
        """Under refunds:gross the refunds are not netted: 1,520,000 collected, 750,000 in the baseline."""
        engagement = attrs.evolve(_engagement(), conventions={"refunds": "gross"})
        found = margin(engagement, book, PERIOD)
        assert found.figure("net_collections").value == 1_520_000.0
        assert found.figure("baseline_rate").value == pytest.approx(93.75)
        assert found.figure("partner_cost").value == pytest.approx(3_400 + 9_200)
        assert found.convention == "refunds:gross@1, collection_basis:posting_period@1"

    def test_unknown_convention(self, book: Book) -> None:
        engagement = attrs.evolve(_engagement(), conventions={"refunds": "both"})
        with pytest.raises(ConventionError, match="unknown option 'both'"):
            margin(engagement, book, PERIOD)


class TestProration:
    """A fixed fee or own cost is per cadence period; a period covered in part pays by days."""

    def test_a_term_starting_mid_week(self, book: Book) -> None:
        """A term from Wednesday 2026-02-04: 5 of the first week's 7 days, then three full weeks."""
        fees = (
            Fee(from_=D(2026, 1, 28), through=D(2026, 2, 3), fixed=0.0),
            Fee(from_=D(2026, 2, 4), through=D(2026, 12, 27), fixed=700.0),
        )
        found = margin(_engagement(fees=fees, baseline=None), book, PERIOD)
        assert found.figure("partner_cost").value == pytest.approx(700 * 5 / 7 + 3 * 700)

    def test_a_monthly_cadence(self, book: Book) -> None:
        """With months, 2026-02-15..2026-03-01 is 14 of February's 28 days (and none of March's)."""
        engagement = attrs.evolve(
            _engagement(
                own_costs=(OwnCost(from_=D(2026, 2, 15), through=D(2026, 3, 1), per_period=2_800.0),)
            ),
            cadence=Cadence.monthly(),
        )
        found = margin(engagement, book, Period(D(2026, 2, 15), D(2026, 3, 2)))
        assert found.figure("own_cost").value == pytest.approx(1_400 + 2_800 / 31)

    def test_terms_outside_the_period(self, book: Book) -> None:
        """The first week takes the first term's fixed fee only: the percentage term starts later."""
        found = margin(_engagement(), book, Period(D(2026, 2, 2), D(2026, 2, 9)))
        assert found.figure("partner_cost").value == 1_000.0
        assert found.figure("partner_cost").basis == "$1,000 fixed"

    def test_a_single_day(self, book: Book) -> None:
        """A one-day term (``from`` = ``through``) is a seventh of a week's fee."""
        fees = (Fee(from_=D(2026, 2, 2), through=D(2026, 2, 2), fixed=700.0),)
        found = margin(_engagement(fees=fees, baseline=None), book, Period(D(2026, 2, 2), D(2026, 2, 3)))
        assert found.figure("partner_cost").value == pytest.approx(100.0)


class TestUndefined:
    """Each figure is None with its reason where what it needs is missing."""

    def test_no_economics_section(self, book: Book) -> None:
        found = margin(default_engagement(), book, PERIOD)
        assert set(_reasons(found)) == {name for name, _, _, _ in FIGURES}
        assert set(_reasons(found).values()) == {"the engagement has no economics section"}
        assert found.note.startswith("the engagement has no economics section (engagement schema version 4)")
        assert found.baseline_kind == ""

    def test_no_baseline(self, book: Book) -> None:
        found = margin(_engagement(baseline=None), book, PERIOD)
        assert _reasons(found) == dict.fromkeys(
            (
                "baseline_net_collections",
                "baseline_net_charges",
                "baseline_rate",
                "expected_collections",
                "incremental_collections",
                "baseline_cost_to_collect",
                "incremental_margin",
            ),
            "no baseline given",
        )
        assert found.figure("partner_cost").value == pytest.approx(12_400)
        assert found.baseline == ""

    def test_no_own_cost(self, book: Book) -> None:
        found = margin(_engagement(own_costs=()), book, PERIOD)
        assert _reasons(found) == {"own_cost": "no own cost given", "cost_to_collect": "no own cost given"}

    def test_own_cost_not_covering_the_period(self, book: Book) -> None:
        own = (OwnCost(from_=D(2026, 2, 9), through=D(2026, 2, 22), per_period=2_500.0),)
        found = margin(_engagement(own_costs=own), book, PERIOD)
        reason = "no own cost covers 2026-02-02..2026-02-08, 2026-02-23..2026-03-01"
        assert _reasons(found) == {"own_cost": reason, "cost_to_collect": reason}

    def test_days_no_fee_covers(self, book: Book) -> None:
        """A period reaching past the last fee term (by one day) has no partner cost."""
        fees = (Fee(from_=D(2026, 2, 2), through=D(2026, 2, 28), fixed=700.0),)
        found = margin(_engagement(fees=fees), book, PERIOD)
        reason = "no fee covers 2026-03-01..2026-03-01"
        assert _reasons(found) == {
            "partner_cost": reason,
            "cost_to_collect": reason,
            "incremental_margin": reason,
        }

    def test_a_fee_term_to_the_last_day_covers(self, book: Book) -> None:
        fees = (Fee(from_=D(2026, 2, 2), through=D(2026, 3, 1), fixed=700.0),)
        assert margin(_engagement(fees=fees), book, PERIOD).figure("partner_cost").value == pytest.approx(
            2_800
        )

    def test_no_baseline_cost(self, book: Book) -> None:
        found = margin(_engagement(baseline=attrs.evolve(BASELINE, cost=None)), book, PERIOD)
        assert _reasons(found) == {"baseline_cost_to_collect": "no baseline cost given"}

    def test_zero_net_charges(self) -> None:
        """No charges in the period: no rate, nothing to apply the baseline rate to."""
        book = _ledger(*LEDGER[:4], ("2026-02-10", "payment", 1_000.0), ("2026-03-05", "payment", 1.0))
        found = margin(_engagement(), book, PERIOD)
        assert found.figure("net_charges").value == 0.0
        assert found.figure("net_collections").value == 1_000.0
        reason = "no net charges in 2026-02-02..2026-03-01 to apply the baseline rate to"
        assert _reasons(found) == {
            "net_collection_rate": "no net charges in 2026-02-02..2026-03-01",
            "expected_collections": reason,
            "incremental_collections": reason,
            "incremental_margin": reason,
        }

    @pytest.mark.parametrize(("charges", "defined"), [(1e-6, False), (1.1e-6, True)])
    def test_zero_is_within_a_millionth(self, charges: float, defined: bool) -> None:
        """Net charges of a millionth of a dollar are zero (as KPI denominators are); 1.1e-6 is not."""
        rows = [*LEDGER[:4], ("2026-02-02", "charge", charges), *LEDGER[6:]]
        found = margin(_engagement(), _ledger(*rows), PERIOD)
        assert (found.figure("expected_collections").value is not None) is defined
        assert (found.figure("net_collection_rate").value is not None) is defined

    def test_zero_net_charges_in_the_baseline(self) -> None:
        book = _ledger(("2026-01-05", "payment", 1_000.0), ("2026-01-20", "payment", 4_000.0), *LEDGER[4:])
        found = margin(_engagement(), book, PERIOD)
        reason = "no net charges in the baseline 2026-01-05..2026-02-01"
        assert _reasons(found) == {
            "baseline_rate": reason,
            "expected_collections": reason,
            "incremental_collections": reason,
            "incremental_margin": reason,
        }
        assert found.figure("baseline_cost_to_collect").value == pytest.approx(24_000 / 5_000 * 100)

    def test_no_cash(self) -> None:
        """Charges without any payment: cost to collect has no cash to divide by, in either period."""
        book = _ledger(LEDGER[0], LEDGER[4], ("2026-03-05", "charge", 1.0))
        found = margin(_engagement(), book, PERIOD)
        assert found.figure("cost_to_collect").reason == "no cash collected in the period"
        assert found.figure("baseline_cost_to_collect").reason == "no cash in the baseline"
        assert found.figure("incremental_margin").value == pytest.approx(0 - 0.925 * 0 - 3_400)

    def test_data_not_covering_the_period(self, book: Book) -> None:
        """A period reaching past the data's last posting date reads nothing: its figures are undefined."""
        late = Period(D(2026, 2, 9), D(2026, 3, 9))
        found = margin(_engagement(), book, late)
        reason = (
            "the data (transactions posted 2026-01-05 .. 2026-03-05) does not cover the period"
            " 2026-02-09..2026-03-08"
        )
        assert _reasons(found)["net_collections"] == reason
        assert set(_reasons(found)) == {
            "net_collections",
            "net_charges",
            "net_collection_rate",
            "expected_collections",
            "incremental_collections",
            "partner_cost",
            "cost_to_collect",
            "incremental_margin",
        }
        assert _reasons(found)["partner_cost"] == reason
        assert found.figure("baseline_rate").value == 92.5

    def test_a_period_ending_on_the_last_day_of_data(self, book: Book) -> None:
        period = Period(D(2026, 2, 9), D(2026, 3, 6))
        assert margin(_engagement(), book, period).figure("net_collections").value is not None

    def test_data_not_covering_the_baseline(self, book: Book) -> None:
        """A baseline starting a day before the data's first day is refused, not read as smaller."""
        early = Baseline(from_=D(2026, 1, 4), through=D(2026, 2, 1))
        found = margin(_engagement(baseline=early), book, PERIOD)
        reason = (
            "the data (transactions posted 2026-01-05 .. 2026-03-05) does not cover the baseline"
            " 2026-01-04..2026-02-01"
        )
        assert _reasons(found)["baseline_rate"] == reason
        assert _reasons(found)["baseline_cost_to_collect"] == "no baseline cost given"
        assert found.baseline == "2026-01-04..2026-02-01 of the data"

    def test_a_book_without_transactions(self) -> None:
        book = Book(
            work_items={
                "item_id": ["a"],
                "workflow": ["denials"],
                "team": ["t"],
                "opened": ["2026-02-02"],
                "closed": [None],
                "touches": [1],
                "escalated": [False],
            }
        )
        found = margin(_engagement(), book, PERIOD)
        assert found.figure("net_collections").reason == "the book has no transactions"
        assert found.figure("baseline_rate").reason == "the book has no transactions"
        assert found.figure("own_cost").value == 10_000.0
        assert found.figure("partner_cost").reason == "the book has no transactions"

    def test_a_fixed_fee_alone_needs_no_data(self) -> None:
        """Without a percentage the partner's cost is the fixed fee, whatever the data holds."""
        book = Book(
            transactions={
                "claim_id": [],
                "payer": [],
                "service_date": [],
                "posting_date": [],
                "type": [],
                "amount": [],
            }
        )
        fees = (Fee(from_=D(2026, 2, 2), through=D(2026, 3, 1), fixed=700.0),)
        found = margin(_engagement(fees=fees), book, PERIOD)
        assert found.figure("partner_cost").value == pytest.approx(2_800)
        assert found.figure("partner_cost").basis == "$2,800 fixed"
        assert found.figure("net_collections").reason == "the book has no transactions"


class TestGivenBaseline:
    def test_figures(self, book: Book) -> None:
        """Given figures: 9,000,000 of 9,600,000 is 93.75%; their net collections are the cash."""
        baseline = Baseline(
            net_collections=9_000_000.0, net_charges=9_600_000.0, cost=450_000.0, source="FY2025"
        )
        found = margin(_engagement(baseline=baseline), book, PERIOD)
        assert found.baseline_kind == "figures"
        assert found.baseline == "given figures (FY2025)"
        assert found.figure("baseline_rate").value == pytest.approx(93.75)
        assert found.figure("expected_collections").value == pytest.approx(1_500_000.0)
        assert found.figure("incremental_collections").value == pytest.approx(0.0, abs=1e-6)
        assert found.figure("baseline_cost_to_collect").value == pytest.approx(5.0)
        assert found.figure("baseline_net_charges").basis == "given figures (FY2025)"

    def test_without_a_source(self, book: Book) -> None:
        baseline = Baseline(net_collections=9_000_000.0, net_charges=9_600_000.0)
        assert margin(_engagement(baseline=baseline), book, PERIOD).baseline == "given figures"


@pytest.fixture(scope="module")
def synthetic() -> SyntheticBook:
    return generate_book(seed=11, claims=4_000, weeks=16)


class TestAgainstPandas:
    def test_every_figure(self, synthetic: SyntheticBook) -> None:
        """Each figure recomputed with pandas from the synthetic transactions, by posting date and type."""
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame(dict(synthetic.transactions))
        frame["posting_date"] = pd.to_datetime(frame["posting_date"]).dt.date
        start = synthetic.period.start
        baseline = Baseline(from_=start, through=start + 4 * WEEK - datetime.timedelta(days=1), cost=30_000.0)
        fees = (
            Fee(
                from_=start + 4 * WEEK, through=start + 10 * WEEK - datetime.timedelta(days=1), fixed=1_500.0
            ),
            Fee(from_=start + 10 * WEEK, through=start + 40 * WEEK, fixed=900.0, percent_of_collections=2.5),
        )
        own = (OwnCost(from_=start, through=start + 40 * WEEK, per_period=4_000.0),)
        engagement = _engagement(fees=fees, own_costs=own, baseline=baseline)
        period = Period(start + 8 * WEEK, start + 14 * WEEK)
        found = margin(engagement, CycleData.from_synthetic(synthetic).book(), period)

        def total(first: datetime.date, end: datetime.date, *kinds: str) -> float:
            rows = frame[
                (frame["posting_date"] >= first) & (frame["posting_date"] < end) & frame["type"].isin(kinds)
            ]
            return float(rows["amount"].sum())

        def flows(first: datetime.date, end: datetime.date) -> tuple[float, float]:
            cash = total(first, end, "payment", "pos_payment") - total(first, end, "refund")
            charges = total(first, end, "charge", "late_charge") - total(first, end, "contractual_adjustment")
            return cash, charges

        cash, charges = flows(period.start, period.end)
        base_cash, base_charges = flows(baseline.period.start, baseline.period.end)  # type: ignore[union-attr]
        late_cash, _ = flows(start + 10 * WEEK, period.end)
        rate = base_cash / base_charges * 100
        partner = 2 * 1_500 + 4 * 900 + 0.025 * late_cash
        expected = {
            "net_collections": cash,
            "net_charges": charges,
            "net_collection_rate": cash / charges * 100,
            "baseline_net_collections": base_cash,
            "baseline_net_charges": base_charges,
            "baseline_rate": rate,
            "expected_collections": rate / 100 * charges,
            "incremental_collections": cash - rate / 100 * charges,
            "partner_cost": partner,
            "own_cost": 6 * 4_000.0,
            "cost_to_collect": (24_000 + partner) / cash * 100,
            "baseline_cost_to_collect": 30_000 / base_cash * 100,
            "incremental_margin": cash - rate / 100 * charges - partner,
        }
        assert _values(found) == pytest.approx(expected, rel=1e-9)
        assert 80 < expected["net_collection_rate"] < 110


class TestArguments:
    def test_types(self, book: Book) -> None:
        with pytest.raises(ValidationError, match=r"@ \$\.engagement"):
            margin("engagement", book, PERIOD)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"a kpi\.Book .*@ \$\.book"):
            margin(_engagement(), {}, PERIOD)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"@ \$\.period"):
            margin(_engagement(), book, "2026-02")  # type: ignore[arg-type]

    def test_an_economics_section_with_errors_is_refused(self, book: Book) -> None:
        """Overlapping fee terms would be counted twice: margin refuses them as check_engagement does."""
        fees = (*FEES, Fee(from_=D(2026, 2, 15), through=D(2026, 2, 15), fixed=1.0))
        with pytest.raises(ValidationError) as caught:
            margin(_engagement(fees=fees), book, PERIOD)
        assert [(i.path, i.code) for i in caught.value.issues] == [("$.economics.fees[2]", "ENG-008")]

    def test_a_gap_between_terms_is_only_a_warning(self, book: Book) -> None:
        fees = (FEES[0], attrs.evolve(FEES[1], from_=D(2026, 2, 17)))
        found = margin(_engagement(fees=fees), book, PERIOD)
        assert found.figure("partner_cost").reason == "no fee covers 2026-02-16..2026-02-16"


class TestModels:
    def test_json_round_trip(self, book: Book) -> None:
        found = margin(_engagement(baseline=None), book, PERIOD)
        assert from_json(to_json(found), MarginSection) == found

    def test_a_figure_without_a_value_needs_a_reason(self) -> None:
        with pytest.raises(
            ValidationError, match=r"'own_cost' has no value and no 'reason' saying why @ \$\.value"
        ):
            MarginFigure(name="own_cost", label="Own cost", unit="usd", value=None)
        with pytest.raises(ValidationError, match=r"no 'reason' saying why"):
            MarginFigure(name="own_cost", label="Own cost", unit="usd", value=None, reason="  ")
        with pytest.raises(ValidationError, match=r"'own_cost' has a value: 'reason' must be empty"):
            MarginFigure(name="own_cost", label="Own cost", unit="usd", value=1.0, reason="no own cost given")

    @pytest.mark.parametrize(
        ("field", "value"),
        [("value", math.nan), ("value", math.inf), ("value", "1"), ("unit", "eur"), ("name", "margin")],
    )
    def test_figure_fields(self, field: str, value: object) -> None:
        fields: dict[str, Any] = {"name": "own_cost", "label": "Own cost", "unit": "usd", "value": 1.0}
        with pytest.raises(ValidationError, match=rf"@ \$\.{field}"):
            MarginFigure(**{**fields, field: value})

    def test_figures_in_order(self, book: Book) -> None:
        found = margin(_engagement(), book, PERIOD)
        with pytest.raises(ValidationError, match=r"'figures' must be the margin's figures in order"):
            attrs.evolve(found, figures=found.figures[::-1])
        with pytest.raises(ValidationError, match=r"@ \$\.figures"):
            attrs.evolve(found, figures=found.figures[:-1])
        with pytest.raises(ValidationError, match=r"@ \$\.baseline_kind"):
            attrs.evolve(found, baseline_kind="guess")

    def test_figure_lookup(self, book: Book) -> None:
        found = margin(_engagement(), book, PERIOD)
        assert found.figure("own_cost").label == "Own revenue-cycle cost"
        with pytest.raises(ValidationError, match=r"did you mean 'own_cost'.*@ \$\.name"):
            found.figure("own_costs")


class TestSection:
    def test_text(self, book: Book) -> None:
        """Rows read figure, value (money as dollars, rates as percentages), basis."""
        text = "\n".join(section_text(margin_section(margin(_engagement(own_costs=()), book, PERIOD))))
        lines = text.splitlines()
        assert lines[0] == "MARGIN"
        assert lines[1].split()[:2] == ["figure", "value"]
        row = {
            line[2:].split("  ")[0]: line for line in lines[3:] if line.startswith("  ") and line[2] != " "
        }
        assert row["Net collections"].split() == [
            "Net",
            "collections",
            "$1,500,000",
            *row["Net collections"].split()[3:],
        ]
        assert "93.8%" in row["Net collection rate"]
        assert "$7,600" in row["Incremental margin"]
        assert "n/a (no own cost given)" in row["Cost to collect"]
        flat = " ".join(text.split())
        assert "against baseline 2026-01-05..2026-02-01 of the data" in flat
        assert "HFMA MAP Key Cost to Collect" in flat
        assert "$3,400 fixed + 1% of $900,000 cash" in flat

    def test_markdown_and_html(self, book: Book) -> None:
        part = margin_section(margin(_engagement(baseline=None), book, PERIOD))
        markdown = "\n".join(section_markdown(part))
        assert "## Margin" in markdown
        assert "| Partner cost | $12,400 | $3,400 fixed + 1% of $900,000 cash |" in markdown
        assert (
            "| Incremental margin | n/a (no baseline given) | incremental collections - partner cost |"
            in markdown
        )
        assert "against no baseline" in markdown
        page = section_html(part)
        assert "<h2>Margin</h2>" in page
        assert "<td>Baseline net collection rate</td><td>n/a (no baseline given)</td>" in page
        assert "<th>figure</th><th>value</th><th>basis</th>" in page

    def test_no_section_says_so(self, book: Book) -> None:
        part = margin_section(margin(default_engagement(), book, PERIOD))
        assert part.rows == ()
        text = "\n".join(section_text(part))
        assert "(none)" in text
        assert "the engagement has no economics section (engagement schema version 4)" in " ".join(
            text.split()
        )


class TestCollectionBasis:
    def test_dos_cohort_collections_and_posted_cash(self) -> None:
        """Under collection_basis:dos_cohort net collections follow the period's claims; cash stays posted.

        Claim C1 is served 2026-01-05, C2 2026-02-02; a 50,000 payment on C1 posts on 2026-02-10.
        The period's cohort is C2: 600,000 + 920,000 - 20,000 = 1,500,000 collected (before
        as-of 2026-03-02) of 1,600,000. The cash posted in the period is 1,550,000 (C1's late
        payment too), under either basis. The partner's 1% reads the cash posted from
        2026-02-16 (900,000, the late payment posts before), so its cost is 12,400 as before,
        and cost to collect is (10,000 + 12,400) / 1,550,000.
        """
        rows = [
            ("C1", "2026-01-05", "2026-01-05", "charge", 1_000_000.0),
            ("C1", "2026-01-05", "2026-01-06", "contractual_adjustment", 200_000.0),
            ("C1", "2026-01-05", "2026-01-20", "payment", 750_000.0),
            ("C1", "2026-01-05", "2026-01-22", "refund", 10_000.0),
            ("C2", "2026-02-02", "2026-02-02", "charge", 2_000_000.0),
            ("C2", "2026-02-02", "2026-02-03", "contractual_adjustment", 400_000.0),
            ("C1", "2026-01-05", "2026-02-10", "payment", 50_000.0),
            ("C2", "2026-02-02", "2026-02-10", "payment", 600_000.0),
            ("C2", "2026-02-02", "2026-02-18", "payment", 920_000.0),
            ("C2", "2026-02-02", "2026-02-25", "refund", 20_000.0),
            ("C2", "2026-02-02", "2026-03-05", "payment", 500.0),
        ]
        columns = ("claim_id", "service_date", "posting_date", "type", "amount")
        book = Book(
            transactions={**{c: [r[i] for r in rows] for i, c in enumerate(columns)}, "payer": ["A"] * 11}
        )
        cohort = margin(
            attrs.evolve(_engagement(), conventions={"collection_basis": "dos_cohort"}), book, PERIOD
        )
        posted = margin(_engagement(), book, PERIOD)
        assert cohort.figure("net_collections").value == 1_500_000.0
        assert posted.figure("net_collections").value == 1_550_000.0
        for found in (cohort, posted):
            assert found.figure("partner_cost").value == pytest.approx(12_400.0)
            assert found.figure("cost_to_collect").value == pytest.approx(22_400 / 1_550_000 * 100)
        assert cohort.convention == "refunds:netted@1, collection_basis:dos_cohort@1"
