"""User-defined measures and KPIs in a Catalogue: in Python and JSON, validated with paths, scored.

The hand-worked book (tests/kpi/conftest.py) in January 2026, payer A read as "Medicare":

* payments posted: C1 600 (Jan 20), C3 20 (Jan 10), C5 130 (Jan 22) = 750;
* charges posted: C1 1000, C3 200, C5 100 = 1300; contractual adjustments: C1 300;
* so Medicare net charges are 1300 - 300 = 1000 and the yield 750 / 1000 x 100 = 75.00%.

Payer B posts no payment in January (its C2 and C4 have write-offs and a charge): yield 0 / 400.
"""

from __future__ import annotations

import datetime
import json

import attrs
import numpy as np
import pytest

from comanaged_rcm import serialize
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi import (
    Anchor,
    Book,
    Bound,
    ByConvention,
    Catalogue,
    Condition,
    Derived,
    Direction,
    Edge,
    Field,
    FieldKind,
    Interval,
    KPIDefinition,
    Lag,
    Measure,
    Scorecard,
    Signed,
    Tier,
    Unit,
    catalogue,
    check_hierarchy,
    evaluate,
    measures,
    trend,
)
from comanaged_rcm.kpi._conventions import resolve_conventions
from comanaged_rcm.kpi._engine import compute_measures
from comanaged_rcm.kpi._measures import BUILT_IN_MEASURES
from comanaged_rcm.periods import Cadence, Period
from tests.kpi.conftest import JANUARY, LEDGER, SUBMISSIONS, TRANSACTIONS, WORK_ITEMS

MEDICARE = Condition("payer", ("A",))
POSTED = Interval.flow("posting_date")


def medicare_measures() -> tuple[Measure | Derived, ...]:
    def posted(name: str, kind: str) -> Measure:
        return Measure(
            name=name,
            table="transactions",
            weight="amount",
            where=(Condition("type", (kind,)), MEDICARE),
            dates=(POSTED,),
            description=f"Medicare {kind}s posted in the period",
        )

    return (
        posted("medicare_payments", "payment"),
        posted("medicare_charges", "charge"),
        posted("medicare_contractual", "contractual_adjustment"),
        Derived(
            name="medicare_net_charges",
            terms=(("medicare_charges", 1), ("medicare_contractual", -1)),
            description="Medicare charges less contractual adjustments",
        ),
    )


def medicare_catalogue() -> Catalogue:
    base = Catalogue.default().with_measures(*medicare_measures())
    kpi = base.define_kpi(
        id="medicare_yield",
        name="Medicare yield",
        tier=Tier.DRIVER,
        direction=Direction.HIGHER,
        unit=Unit.PERCENT,
        formula="Medicare payments / Medicare net charges x 100",
        numerator=("medicare_payments",),
        denominator=("medicare_net_charges",),
        scale=100,
        drives=(Edge("net_collection_rate"),),
    )
    return base.with_kpis(kpi)


DOCUMENT = {
    "measures": [
        {
            "name": name,
            "table": "transactions",
            "weight": "amount",
            "where": [{"column": "type", "values": [kind]}, {"column": "payer", "values": ["A"]}],
            "dates": [
                {
                    "column": "posting_date",
                    "start": {"anchor": "period_start"},
                    "end": {"anchor": "period_end"},
                }
            ],
            "description": f"Medicare {kind}s posted in the period",
        }
        for name, kind in (
            ("medicare_payments", "payment"),
            ("medicare_charges", "charge"),
            ("medicare_contractual", "contractual_adjustment"),
        )
    ],
    "derived": [
        {
            "name": "medicare_net_charges",
            "terms": [
                {"measure": "medicare_charges", "coefficient": 1.0},
                {"measure": "medicare_contractual", "coefficient": -1.0},
            ],
            "description": "Medicare charges less contractual adjustments",
        }
    ],
    "kpis": [
        {
            "id": "medicare_yield",
            "name": "Medicare yield",
            "tier": "driver",
            "direction": "higher",
            "unit": "percent",
            "formula": "Medicare payments / Medicare net charges x 100",
            "numerator": ["medicare_payments"],
            "denominator": ["medicare_net_charges"],
            "scale": 100.0,
            "drives": [{"target": "net_collection_rate", "kind": "influences"}],
        }
    ],
}


@pytest.fixture
def book() -> Book:
    return Book(transactions=TRANSACTIONS, submissions=SUBMISSIONS, work_items=WORK_ITEMS, ledger=LEDGER)


def issue(call: object) -> tuple[str, str, str]:
    """The (path, code, message) of the one issue a call raises."""
    assert callable(call)
    with pytest.raises(ValidationError) as raised:
        call()
    assert len(raised.value.issues) == 1, raised.value.issues
    found = raised.value.issues[0]
    return found.path, found.code, found.message


class TestUserMeasuresScore:
    def test_python_and_json_define_the_same_catalogue(self) -> None:
        """The JSON document structures to the catalogue built in Python, and back to the same JSON."""
        from_json = serialize.from_json(json.dumps(DOCUMENT), Catalogue)
        assert from_json == medicare_catalogue()
        again = serialize.from_json(serialize.to_json(from_json), Catalogue)
        assert again == from_json
        assert json.loads(serialize.to_json(from_json))["kpis"][0]["numerator"] == ["medicare_payments"]

    @pytest.mark.parametrize("source", ["python", "json"])
    def test_the_kpi_in_a_scorecard(self, book: Book, source: str) -> None:
        """evaluate with the catalogue gives 750 / 1000 = 75.00% in total; by payer A is 75% and B
        (no payment, no Medicare charges) undefined; the text scorecard shows the row."""
        known = medicare_catalogue() if source == "python" else serialize.from_dict(DOCUMENT, Catalogue)
        card = evaluate(book, JANUARY, metrics=["medicare_yield", "net_collection_rate"], catalogue=known)
        result = card.result("medicare_yield")
        assert (result.value, result.numerator, result.denominator) == (75.0, 750.0, 1000.0)
        text = card.to_text()
        assert "Medicare yield" in text
        assert "75.00%" in text.split("Medicare yield")[1].splitlines()[0]
        sliced = evaluate(book, JANUARY, by=["payer"], metrics=["medicare_yield"], catalogue=known)
        assert sliced.result("medicare_yield", payer="A").value == 75.0
        assert sliced.result("medicare_yield", payer="B").value is None
        assert sliced.result("medicare_yield", payer="B").denominator == 0.0

    def test_every_kpi_of_the_catalogue_by_default(self, book: Book) -> None:
        """Without metrics, the catalogue's KPIs are all scored: the 22 built-ins and the user's."""
        card = evaluate(book, JANUARY, catalogue=medicare_catalogue())
        assert len(card.metrics) == len(catalogue()) + 1
        assert card.result("medicare_yield").value == 75.0
        assert [k.id for k in card.metrics].index("medicare_yield") > [k.id for k in card.metrics].index(
            "net_days_in_ar"
        )  # a driver, after the outcomes

    def test_the_kpi_in_a_trend(self, book: Book) -> None:
        """Weekly trend of four weeks to February 2: each week's Medicare yield, and the whole span from
        summed measures (750 / (1200 - 300): C5's charge of January 2 is before the first week)."""
        weeks = Cadence.weekly().periods_ending(datetime.date(2026, 2, 2), 4)
        found = trend(book, weeks, metrics=["medicare_yield"], catalogue=medicare_catalogue())
        # Jan 5-12: payment 20 over charge 1000: 2%; Jan 12-19: no payment over charge 200: 0%;
        # Jan 19-26: payments 600 + 130 over the 300 adjustment alone: -243.33%; Jan 26-Feb 2: 0 / 0
        values = found.values("medicare_yield")
        assert values[:2] == [2.0, 0.0]
        assert values[2] == pytest.approx(730 / -300 * 100)
        assert values[3] is None
        whole = found.whole.result("medicare_yield")
        assert (whole.numerator, whole.denominator) == (750.0, 1200.0 - 300.0)

    def test_unknown_kpi_of_the_default_catalogue(self, book: Book) -> None:
        """Without the catalogue the user KPI is unknown, and the process-wide catalogue is unchanged."""
        path, code, _ = issue(lambda: evaluate(book, JANUARY, metrics=["medicare_yield"]))
        assert (path, code) == ("$.metrics", "unknown")
        assert "medicare_yield" not in {k.id for k in catalogue()}

    def test_merges_across_shards(self) -> None:
        """Measures of two shards (claims C1-C3 and the rest) add up to the whole book's, the user
        measure too, and score 75%."""
        known = medicare_catalogue()
        claims = np.array(TRANSACTIONS["claim_id"])
        first = np.isin(claims, ["C1", "C2", "C3"])

        def shard(rows: np.ndarray) -> Book:
            return Book(
                transactions={k: np.array(v, dtype=object)[rows].tolist() for k, v in TRANSACTIONS.items()}
            )

        parts = [measures(shard(mask), JANUARY, by=["payer"], catalogue=known) for mask in (first, ~first)]
        merged = parts[0] + parts[1]
        whole = measures(shard(np.ones(len(claims), dtype=bool)), JANUARY, by=["payer"], catalogue=known)
        for name in ("medicare_payments", "medicare_net_charges", "cash"):
            np.testing.assert_allclose(merged.totals[name], whole.totals[name])
            np.testing.assert_allclose(merged.sliced[name], whole.sliced[name])
        assert merged.totals["medicare_net_charges"].tolist() == [1000.0]
        card = Scorecard.from_measures(merged, ["medicare_yield"], catalogue=known)
        assert card.result("medicare_yield").value == 75.0

    def test_check_hierarchy_over_the_catalogue(self) -> None:
        """The catalogue's hierarchy is clean; an outcome over a user work-item measure is KPI-004,
        judged by the catalogue's tables."""
        known = medicare_catalogue()
        assert known.check_hierarchy() == []
        assert check_hierarchy(known.metrics, catalogue=known) == []
        items = known.with_measures(
            Measure(name="items_opened", table="work_items", dates=(Interval.flow("opened"),))
        )
        bad = items.define_kpi(
            id="opened_outcome",
            name="Opened",
            tier=Tier.OUTCOME,
            direction=Direction.HIGHER,
            unit=Unit.COUNT,
            formula="items opened",
            numerator=("items_opened",),
        )
        assert [f.rule for f in check_hierarchy([bad], catalogue=items)] == ["KPI-004"]
        assert items.tables(bad) == frozenset({"work_items"})
        path, code, message = issue(lambda: items.with_kpis(bad))
        assert path.startswith("$[")
        assert code == "KPI-004"
        assert "'opened_outcome' reads activity" in message

    def test_a_dimension_the_book_lacks(self, book: Book) -> None:
        """A filter on a column the book does not have leaves the measure missing, saying which."""
        known = Catalogue.default().with_measures(
            Measure(
                name="north_charges",
                table="transactions",
                weight="amount",
                where=(Condition("region", ("north",)),),
            )
        )
        found = measures(book, JANUARY, catalogue=known)
        assert found.missing["north_charges"] == "needs the transactions column 'region'"
        assert "north_charges" not in found.totals

    def test_a_per_day_window_and_a_lag(self, book: Book) -> None:
        """Payments in the 30 days before as-of (Jan 2 to Feb 1: 750) per day: 25.0; payments posted
        10 days or more after service (C1's 600 on Jan 20 for Jan 5; C5's 130 on Jan 22 for Jan 2): 730."""
        known = Catalogue.default().with_measures(
            Measure(
                name="daily_payments",
                table="transactions",
                weight="amount",
                where=(Condition("type", ("payment",)),),
                dates=(Interval("posting_date", Bound(Anchor.AS_OF, days=30), Bound(Anchor.AS_OF)),),
                per_day=True,
            ),
            Measure(
                name="slow_payments",
                table="transactions",
                weight="amount",
                where=(Condition("type", ("payment",)),),
                lags=(Lag("posting_date", "service_date", more_than=9),),
                dates=(POSTED,),
            ),
        )
        found = compute_measures(book, [JANUARY], [JANUARY.end], (), resolve_conventions(), catalogue=known)
        assert found.totals["daily_payments"].tolist() == [25.0]
        assert found.totals["slow_payments"].tolist() == [730.0]

    def test_a_signed_measure_and_a_choice(self, book: Book) -> None:
        """Charges less payments posted in January (1700 - 750 = 950, Signed) and a choice by refunds:
        payments (750) gross, payments less the 50 refund (700) netted."""
        known = Catalogue.default().with_measures(
            Measure(
                name="charged_less_paid",
                table="transactions",
                weight="amount",
                signed=Signed("type", positive=("charge",), negative=("payment",)),
                dates=(POSTED,),
            ),
            ByConvention(name="my_cash", family="refunds", options={"netted": "cash", "gross": "payments"}),
        )
        for option, cash in (("gross", 750.0), ("netted", 700.0)):
            found = compute_measures(
                book, [JANUARY], [JANUARY.end], (), resolve_conventions({"refunds": option}), catalogue=known
            )
            assert found.totals["my_cash"].tolist() == [cash]
            assert found.totals["charged_less_paid"].tolist() == [950.0]

    def test_a_measure_weighted_by_a_field_of_the_books_own(self) -> None:
        """A number field given to the Book (an allowed amount of 10 on every row) weighs a measure:
        rows posted in January, 8 of payer A's and 4 of B's, give 80 and 40; a text column does not
        weigh, and says so."""
        allowed = Field(name="allowed", kind=FieldKind.NUMBER)
        rows = len(TRANSACTIONS["claim_id"])
        book = Book(
            transactions={**TRANSACTIONS, "allowed": [10.0] * rows, "region": ["north"] * rows},
            fields={"transactions": (allowed,)},
        )
        posted = Measure(name="allowed_posted", table="transactions", weight="allowed", dates=(POSTED,))
        known = Catalogue.default().with_measures(posted)
        found = measures(book, JANUARY, by=["payer"], catalogue=known)
        assert found.sliced["allowed_posted"].tolist() == [[80.0, 40.0]]
        assert found.totals["allowed_posted"].tolist() == [120.0]
        text = Catalogue.default().with_measures(
            Measure(name="by_region", table="transactions", weight="region")
        )
        path, code, message = issue(lambda: measures(book, JANUARY, catalogue=text))
        assert (path, code) == ("$.catalogue", "type")
        assert "'region', which is not a number" in message
        plain = Book(transactions=TRANSACTIONS)
        assert measures(plain, JANUARY, catalogue=known).missing["allowed_posted"] == (
            "needs the transactions column 'allowed'"
        )

    def test_only_the_measures_asked_for(self, book: Book) -> None:
        """measures= computes only those; an unknown one is refused at its index with a suggestion."""
        found = compute_measures(
            book, [JANUARY], [JANUARY.end], ("payer",), resolve_conventions(), measures=["cash", "backlog"]
        )
        assert set(found.totals) == {"cash", "backlog"}
        assert found.totals["cash"].tolist() == [700.0]
        path, code, message = issue(
            lambda: compute_measures(
                book, [JANUARY], [JANUARY.end], (), resolve_conventions(), measures=["cahs"]
            )
        )
        assert (path, code) == ("$.measures[0]", "unknown")
        assert "did you mean 'cash'?" in message


class TestBadDefinitions:
    def test_unknown_table(self) -> None:
        path, code, message = issue(lambda: Measure(name="x", table="claims"))
        assert (path, code) == ("$.table", "choice")
        assert "'claims'" in message

    def test_date_column_not_in_the_table(self) -> None:
        path, code, message = issue(
            lambda: Measure(name="x", table="work_items", dates=(Interval.flow("posting_date"),))
        )
        assert (path, code) == ("$.dates[0].column", "unknown")
        assert "must be a date column of work_items (one of closed, opened" in message

    def test_weight_not_numeric(self) -> None:
        path, code, message = issue(lambda: Measure(name="x", table="transactions", weight="payer"))
        assert (path, code) == ("$.weight", "type")
        assert (
            "numeric column of transactions (one of amount, or a number field of the book's own; got 'payer')"
            in message
        )

    def test_filter_value_not_a_value_of_the_column(self) -> None:
        path, code, message = issue(
            lambda: Measure(name="x", table="transactions", where=(Condition("type", ("charge", "chrage")),))
        )
        assert (path, code) == ("$.where[0].values[1]", "value")
        assert "did you mean 'charge'?" in message

    def test_filter_on_a_flag_and_on_a_count(self) -> None:
        """Flags read true/false, counts digits; a number column is not a coded one."""
        assert issue(
            lambda: Measure(name="x", table="work_items", where=(Condition("escalated", ("yes",)),))
        )[:2] == (
            "$.where[0].values[0]",
            "value",
        )
        assert issue(lambda: Measure(name="x", table="submissions", where=(Condition("seq", ("first",)),)))[
            :2
        ] == (
            "$.where[0].values[0]",
            "value",
        )
        assert issue(lambda: Measure(name="x", table="transactions", where=(Condition("amount", ("1",)),)))[
            :2
        ] == (
            "$.where[0].column",
            "type",
        )
        assert Condition("escalated", (True,)).values == ("true",)

    def test_unknown_anchor_from_json(self) -> None:
        document = {
            "measures": [
                {
                    "name": "x",
                    "table": "transactions",
                    "dates": [{"column": "posting_date", "end": {"anchor": "yesterday"}}],
                }
            ]
        }
        path, code, message = issue(lambda: serialize.from_dict(document, Catalogue))
        assert path == "$.measures[0].dates[0].end.anchor"
        assert "yesterday" in message
        assert code == "value"

    def test_a_kpi_naming_an_unknown_measure(self) -> None:
        """From JSON the path runs into the catalogue's kpis; in Python, into the definition."""
        document = json.loads(json.dumps(DOCUMENT))
        document["kpis"][0]["denominator"] = ["medicare_net_charge"]
        path, code, message = issue(lambda: serialize.from_dict(document, Catalogue))
        assert (path, code) == ("$.kpis[0].denominator[0]", "unknown")
        assert "did you mean 'medicare_net_charges'?" in message
        fields = {
            **attrs.asdict(medicare_catalogue().kpi("medicare_yield"), recurse=False),
            "numerator": ("nope",),
        }
        assert issue(lambda: medicare_catalogue().define_kpi(**fields))[:2] == ("$.numerator[0]", "unknown")
        assert issue(lambda: KPIDefinition(**{**fields, "numerator": ("medicare_payments",)}))[:2] == (
            "$.numerator[0]",
            "unknown",
        )  # built directly, a KPI knows only the built-in measures

    def test_a_term_an_option_and_a_cycle(self) -> None:
        known = Catalogue.default()
        path, code, _ = issue(lambda: known.with_measures(Derived(name="x", terms=(("casj", 1),))))
        assert (path, code) == ("$.derived[0].terms[0].measure", "unknown")
        path, code, _ = issue(
            lambda: known.with_measures(
                ByConvention(name="x", family="refunds", options={"netted": "cash", "gross": "y"})
            )
        )
        assert (path, code) == ("$.choices[0].options.gross", "unknown")
        path, code, _ = issue(
            lambda: known.with_measures(
                Derived(name="a", terms=(("b", 1),)), Derived(name="b", terms=(("a", 1),))
            )
        )
        assert (path, code) == ("$.derived[0]", "cycle")
        path, code, message = issue(
            lambda: known.with_measures(Derived(name="cash", terms=(("payments", 1),)))
        )
        assert (path, code) == ("$.derived[0].name", "duplicate")
        assert "built-in" in message
        path, code, _ = issue(lambda: ByConvention(name="x", family="refunds", options={"netted": "cash"}))
        assert (path, code) == ("$.options", "missing")

    def test_bounds_and_lags(self) -> None:
        assert issue(lambda: Bound(Anchor.UNBOUNDED, days=3))[:2] == ("$.days", "value")
        assert issue(lambda: Lag("posting_date", "service_date"))[:2] == ("$.more_than", "missing")
        assert issue(
            lambda: Measure(name="x", table="transactions", dates=(Interval.flow("posting_date"),) * 2)
        )[:2] == ("$.dates[1].column", "duplicate")
        assert issue(
            lambda: Measure(
                name="x", table="ledger", dates=(Interval.before("month", Bound(Anchor.AS_OF)),), per_day=True
            )
        )[:2] == (
            "$.per_day",
            "value",
        )


class TestRoundTrips:
    @pytest.mark.parametrize("definition", BUILT_IN_MEASURES, ids=lambda d: d.name)
    def test_every_built_in_definition(self, definition: Measure | Derived | ByConvention) -> None:
        """Each of the built-in definitions goes to JSON and back unchanged."""
        text = serialize.to_json(definition)
        assert serialize.from_json(text, type(definition)) == definition

    def test_a_choice_reads_its_options_as_an_object(self) -> None:
        choice = ByConvention(name="x", family="refunds", options={"netted": "cash", "gross": "payments"})
        assert json.loads(serialize.to_json(choice))["options"] == {"netted": "cash", "gross": "payments"}

    def test_the_default_catalogue_and_a_kpi(self) -> None:
        known = Catalogue.default()
        assert serialize.from_json(serialize.to_json(known), Catalogue) == known
        kpi = known.kpi("days_in_ar")
        assert serialize.from_json(serialize.to_json(kpi), KPIDefinition) == kpi

    def test_a_catalogue_without_the_built_ins(self) -> None:
        """built_in=False keeps only one's own measures: a KPI over a built-in one is refused."""
        own = Catalogue(built_in=False, measures=medicare_measures()[:1])
        assert own.reported == ("medicare_payments",)
        assert own.metrics == ()
        assert own.descriptions == {"medicare_payments": "Medicare payments posted in the period"}
        assert own.measure("medicare_payments").name == "medicare_payments"
        assert issue(lambda: own.measure("cash"))[:2] == ("$.name", "unknown")
        assert repr(own) == "Catalogue(measures=1, kpis=0, own=1 measures, 0 kpis)"


def test_a_catalogue_is_a_value() -> None:
    """Building catalogues changes no other: the default one and the registry are as they were."""
    before = catalogue()
    medicare_catalogue()
    assert catalogue() == before
    assert Catalogue.default() == Catalogue.default()
    assert Period.month(2026, 1) == JANUARY
