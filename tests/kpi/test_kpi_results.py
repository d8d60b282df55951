"""Slices, shares, columns for the escalation engine, targets and status, rendering, trends."""

from __future__ import annotations

import datetime
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi import Book, KPIResult, Scorecard, Status, Target, Tier, evaluate, measures, trend
from comanaged_rcm.periods import Cadence, Period
from comanaged_rcm.serialize import from_dict, to_dict
from tests.kpi.conftest import JANUARY, TRANSACTIONS

D = datetime.date


class TestSlices:
    def test_payer_slices_with_denominator_share(self, book: Book) -> None:
        """By payer: A collects (600 + 20 + 130 - 50) / (1300 - 300) = 70% on 1000 of the 1400
        net charges (share 5/7 = 71.43%); B collects 0 / 400 (share 2/7 = 28.57%), in percent like
        the rates. With one dimension the parent is the total. Slices sum to the total."""
        card = evaluate(book, JANUARY, by=["payer"], metrics=["net_collection_rate"])
        a = card.result("net_collection_rate", payer="A")
        b = card.result("net_collection_rate", payer="B")
        assert (a.value, b.value) == (70.0, 0.0)
        assert a.share == pytest.approx(100 * 5 / 7)
        assert b.share == pytest.approx(100 * 2 / 7)
        assert (a.parent_share, b.parent_share) == (a.share, b.share)
        assert card.result("net_collection_rate").share is None
        assert card.result("net_collection_rate").parent_share is None
        assert a.slice == (("payer", "A"),)
        assert a.numerator is not None
        assert b.numerator is not None
        assert a.numerator + b.numerator == card.result("net_collection_rate").numerator

    def test_payer_by_team(self, book: Book) -> None:
        """payer x team lists the combinations present: (A,t1) (A,t2) (B,t1) (B,t2). (A,t2) is C3:
        20 collected of 200 = 10%."""
        card = evaluate(book, JANUARY, by=("payer", "team"))
        assert card.slices == (("A", "t1"), ("A", "t2"), ("B", "t1"), ("B", "t2"))
        assert card.result("net_collection_rate", payer="A", team="t2").value == 10.0

    def test_tables_without_a_dimension_are_total_only(self, book: Book) -> None:
        """Work items have no payer: their KPIs are defined in total, undefined per payer."""
        card = evaluate(book, JANUARY, by="payer")
        assert card.result("items_closed").value == 2.0
        assert card.result("items_closed", payer="A").reason == "work_items has no column 'payer'"

    def test_team_slices_reach_work_items(self, book: Book) -> None:
        """By team: t1 closed W1 only (1 item), t2 closed W2 (1 item, escalated)."""
        card = evaluate(book, JANUARY, by=["team"])
        assert card.result("items_closed", team="t1").value == 1.0
        assert card.result("escalated_share", team="t2").value == 100.0

    def test_bad_slice_requests(self, book: Book) -> None:
        """Wrong dimensions, unknown slices, unknown KPIs and unknown columns are library errors."""
        card = evaluate(book, JANUARY, by=["payer"], metrics=["backlog"])
        with pytest.raises(ValidationError, match="exactly"):
            card.result("backlog", team="t1")
        with pytest.raises(ValidationError, match="no slice"):
            card.result("backlog", payer="Z")
        with pytest.raises(ValidationError, match="not evaluated"):
            card.result("days_in_ar")
        with pytest.raises(ValidationError, match="unknown KPI"):
            card.result("nope")
        with pytest.raises(ValidationError, match="every column"):
            evaluate(book, JANUARY, by=["location"])
        with pytest.raises(ValidationError, match="repeats"):
            evaluate(book, JANUARY, by=["payer", "payer"])
        with pytest.raises(ValidationError, match="sequence"):
            evaluate(book, JANUARY, by=[1])  # type: ignore[list-item]


class TestColumns:
    def test_to_columns_rows_and_dtypes(self, book: Book) -> None:
        """One row per (metric, slice), total first with '(all)'; NaN where undefined."""
        card = evaluate(book, JANUARY, by=["payer"], metrics=["net_collection_rate", "backlog"])
        cols = card.to_columns()
        assert cols["metric"].tolist() == ["net_collection_rate"] * 3 + ["backlog"] * 3
        assert cols["payer"].tolist() == ["(all)", "A", "B"] * 2
        assert cols["value"].dtype == np.float64
        assert cols["defined"].tolist() == [True, True, True, True, False, False]
        assert np.isnan(cols["denominator"][3:]).all()
        assert cols["tier"].tolist() == ["outcome"] * 3 + ["activity"] * 3
        assert cols["share"][1] == pytest.approx(100 * 5 / 7)
        assert cols["parent_share"][1] == pytest.approx(100 * 5 / 7)
        assert np.isnan(cols["share"][[0, 3, 4, 5]]).all()


class TestTargets:
    @pytest.mark.parametrize(
        ("target", "watch", "expected"),
        [(50.0, 60.0, Status.BREACH), (55.0, 45.0, Status.WATCH), (45.0, 40.0, Status.ON_TRACK)],
    )
    def test_higher_is_better(self, book: Book, target: float, watch: float, expected: Status) -> None:
        """Net collection rate 50%: on track at or above target, watch down to the watch line."""
        card = evaluate(book, JANUARY)
        if watch > target:
            with pytest.raises(ValidationError, match="'watch' must be <="):
                card.status(
                    "net_collection_rate", Target(metric="net_collection_rate", target=target, watch=watch)
                )
            return
        assert (
            card.status(
                "net_collection_rate", [Target(metric="net_collection_rate", target=target, watch=watch)]
            )
            is expected
        )

    def test_lower_is_better(self, book: Book) -> None:
        """Days in A/R 57.7: target 60 is on track; target 50 / watch 60 is watch; 40/50 breach."""
        card = evaluate(book, JANUARY)
        statuses = [
            card.status("days_in_ar", Target(metric="days_in_ar", target=t, watch=w))
            for t, w in ((60, 70), (50, 60), (40, 50))
        ]
        assert statuses == [Status.ON_TRACK, Status.WATCH, Status.BREACH]
        with pytest.raises(ValidationError, match="'watch' must be >="):
            Target(metric="days_in_ar", target=50, watch=40).status(1.0)

    def test_undefined_and_missing_targets(self, book: Book) -> None:
        """An undefined value has status undefined; a KPI without a target is an error."""
        card = evaluate(book, Period.month(2027, 1), metrics=["net_collection_rate"])
        target = Target(metric="net_collection_rate", target=95, watch=90, source="contract")
        assert card.status("net_collection_rate", [target]) is Status.UNDEFINED
        with pytest.raises(ValidationError, match="no target"):
            card.status("net_collection_rate", [])

    def test_target_validation_and_round_trip(self) -> None:
        """Targets are finite numbers and round-trip through the serializer."""
        with pytest.raises(ValidationError, match="finite"):
            Target(metric="days_in_ar", target=float("nan"), watch=1)
        target = Target(metric="days_in_ar", target=40.0, watch=50.0, source="HFMA MAP Keys")
        assert from_dict(to_dict(target), Target) == target


class TestRendering:
    def test_sections_in_order(self, book: Book) -> None:
        """Outcomes come first, then drivers, then activity in its own section, in every view."""
        card = evaluate(book, JANUARY, by=["payer"])
        targets = [Target(metric="days_in_ar", target=40, watch=50)]
        text = card.to_text(targets)
        assert text.index("Outcomes") < text.index("Drivers") < text.index("Activity (effort, not outcomes)")
        assert "breach" in text
        assert "Conventions: refunds:netted@1" in text
        markdown = card._repr_markdown_()
        assert markdown.index("### Outcomes") < markdown.index("### Drivers") < markdown.index("### Activity")
        html = card._repr_html_()
        assert html.index("<h4>Outcomes") < html.index("<h4>Drivers") < html.index("<h4>Activity")
        assert "Scorecard(period=2026-01-01/2026-02-01" in repr(card)

    def test_values_formatted_by_unit(self, book: Book) -> None:
        """Percent, days, ratio and count each read naturally; undefined shows its reason."""
        card = evaluate(
            book, JANUARY, metrics=["net_collection_rate", "days_in_ar", "touches_per_closed_item", "backlog"]
        )
        text = card.to_text()
        assert "50.00%" in text
        assert "57.7 d" in text
        assert "4.00" in text
        assert text.count("Days in A/R") == 1  # the total once, no phantom slice row
        assert repr(card.result("backlog")) == "KPIResult(backlog [total] 2026-01-01/2026-02-01: 2)"
        empty = evaluate(book, Period.month(2027, 1), metrics=["net_collection_rate"])
        assert "undefined (zero denominator" in repr(empty.result("net_collection_rate"))

    def test_result_round_trip(self, book: Book) -> None:
        """A KPIResult round-trips through the serializer."""
        result = evaluate(book, JANUARY, by=["payer"]).result("days_in_ar", payer="A")
        assert from_dict(to_dict(result), KPIResult) == result


class TestTrend:
    def test_weekly_trend_and_whole_span(self, book: Book) -> None:
        """ISO weeks W02-W05 span 01-05..02-02. The whole span is recomputed from summed
        measures: collections 600 + 20 + 130 - 50 = 700 over net charges 1000 + 200 + 400 - 300 =
        1300 (C5's charge on 01-02 is outside) = 53.85%, never an average of the weekly ratios."""
        weeks = Cadence.weekly().periods_ending(D(2026, 2, 2), 4)
        result = trend(book, weeks, metrics=["net_collection_rate", "backlog"])
        values = result.values("net_collection_rate")
        assert result.whole.result("net_collection_rate").value == pytest.approx(700 / 1300 * 100)
        defined = [v for v in values if v is not None]
        assert result.whole.result("net_collection_rate").value != pytest.approx(sum(defined) / len(defined))
        points = result.points("net_collection_rate")
        assert points[0].change is None
        for before, after in itertools.pairwise(points):
            if after.change is not None:
                assert before.result.value is not None
                assert after.result.value is not None
                assert after.change == pytest.approx(after.result.value - before.result.value)
        assert "Trend(periods=4" in repr(result)

    def test_monthly_trend_with_as_of_dates(self, book: Book) -> None:
        """Monthly periods with explicit as-of dates; mismatched or overlapping inputs are errors."""
        months = Cadence.monthly().periods_ending(D(2026, 2, 1), 2)
        result = trend(book, months, as_of=[D(2025, 12, 31), D(2026, 1, 31)], metrics=["backlog"])
        assert result.values("backlog") == [2.0, 2.0]
        assert [card.as_of for card in result.scorecards] == [D(2025, 12, 31), D(2026, 1, 31)]
        with pytest.raises(ValidationError, match="one as-of"):
            trend(book, months, as_of=[D(2026, 1, 31)])
        with pytest.raises(ValidationError, match="sorted"):
            trend(book, [months[1], months[0]])
        with pytest.raises(ValidationError, match="non-empty"):
            trend(book, [])


class TestPartials:
    def test_measures_merge_and_score(self, book: Book) -> None:
        """measures() + Scorecard.from_measures reproduces evaluate(); partials of different
        requests refuse to merge."""
        found = measures(book, JANUARY, by=["payer"])
        card = Scorecard.from_measures(found)
        assert card.result("days_in_ar").value == evaluate(book, JANUARY).result("days_in_ar").value
        other = measures(book, JANUARY, by=["team"])
        with pytest.raises(ValidationError, match=r"'by'"):
            found.merge(other)
        assert "MeasureSet(periods=1" in repr(found)
        assert card.metrics[0].tier is Tier.OUTCOME

    def test_argument_checks(self, book: Book) -> None:
        """Non-Book, non-Period, bad as-of and string metrics are library errors."""
        with pytest.raises(ValidationError, match=r"kpi\.Book"):
            evaluate({}, JANUARY)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="Period"):
            evaluate(book, "2026-01")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="on or after"):
            evaluate(book, JANUARY, as_of=D(2026, 1, 15))
        with pytest.raises(ValidationError, match="must be a date"):
            evaluate(book, JANUARY, as_of="2026-02-01")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="list of KPI ids"):
            evaluate(book, JANUARY, metrics="backlog")

    def test_partials_of_different_books_refuse_to_merge(self, book: Book) -> None:
        """A partial with work items cannot merge with one without (their gaps differ)."""
        from tests.kpi.conftest import TRANSACTIONS  # noqa: PLC0415 - test data kept beside its use

        with pytest.raises(ValidationError, match="different tables"):
            measures(book, JANUARY) + measures(Book(transactions=TRANSACTIONS), JANUARY)

    def test_npsr_write_off_base_is_total_only_when_the_ledger_is(self, book: Book) -> None:
        """With the NPSR denominator, a ledger without payer gives write-off rate in total only:
        200 / 2500 = 8%; per payer it says the ledger has no payer column."""
        card = evaluate(book, JANUARY, by=["payer"], conventions={"write_off_denominator": "npsr"})
        assert card.result("write_off_rate").value == pytest.approx(8.0)
        assert card.result("write_off_rate", payer="A").reason == "ledger has no column 'payer'"


class TestTrendViews:
    def test_trend_views_put_outcomes_first(self, book: Book) -> None:
        """The trend views list outcomes, then drivers, then activity, with the latest status."""
        weeks = Cadence.weekly().periods_ending(D(2026, 2, 2), 4)
        result = trend(book, weeks, metrics=["backlog", "days_in_ar", "clean_claim_rate"])
        text = result.to_text([Target(metric="days_in_ar", target=40, watch=50)])
        assert text.index("Outcomes") < text.index("Drivers") < text.index("Activity")
        assert "breach" in text
        markdown = result._repr_markdown_()
        assert markdown.index("### Outcomes") < markdown.index("### Activity")
        assert "| Backlog | 2 |" in markdown


class TestEmptyTables:
    def test_empty_columns_are_valid(self) -> None:
        """A table given as empty lists validates; its KPIs are undefined for want of rows."""
        from comanaged_rcm.kpi import SCHEMAS  # noqa: PLC0415 - keep the import near its use

        empty: dict[str, list[object]] = {f.name: [] for f in SCHEMAS["transactions"]}
        card = evaluate(Book(transactions=empty), JANUARY, metrics=["net_collection_rate"])
        assert card.result("net_collection_rate").value is None


class TestTargetProperties:
    @given(
        st.floats(-1e6, 1e6),
        st.floats(0, 1e6),
        st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn")), max_size=10),
    )
    def test_targets_round_trip(self, target: float, gap: float, source: str) -> None:
        """Any finite target with a readable source (no control characters, which the source
        refuses) round-trips exactly through the serializer."""
        made = Target(metric="net_collection_rate", target=target, watch=target - gap, source=source)
        assert from_dict(to_dict(made), Target) == made


class TestRoundingResidue:
    @staticmethod
    def cancelling(order: list[int]) -> Book:
        """Charges 0.1 + 0.2 + 0.3 less a 0.6 contractual adjustment: net charges are 0 in exact
        arithmetic, a rounding residue of about 1e-16 in float64 (its sign depends on the order)."""
        rows = [
            ("charge", 0.1, "A"),
            ("charge", 0.2, "A"),
            ("charge", 0.3, "A"),
            ("contractual_adjustment", 0.6, "A"),
            ("payment", 1.0, "A"),
            ("charge", 100.0, "B"),
        ]
        picked = [rows[i] for i in order]
        return Book(
            transactions={
                "claim_id": [f"C{i}" for i in order],
                "payer": [r[2] for r in picked],
                "service_date": ["2026-01-05"] * len(picked),
                "posting_date": ["2026-01-06"] * len(picked),
                "type": [r[0] for r in picked],
                "amount": [r[1] for r in picked],
            }
        )

    @pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 0, 3, 1, 5, 4]])
    def test_a_denominator_that_cancels_is_zero_in_any_row_order(self, order: list[int]) -> None:
        """Payer A's net collection rate is undefined with the zero-denominator reason, never
        1 / 1e-16 = 1e18 %, whatever order the rows come in; its share of the total is 0 (not
        a residue) and B's is 100%."""
        card = evaluate(self.cancelling(order), JANUARY, by=["payer"], metrics=["net_collection_rate"])
        a = card.result("net_collection_rate", payer="A")
        assert a.value is None
        assert "zero denominator" in a.reason
        assert a.share == pytest.approx(0.0, abs=1e-12)
        assert card.result("net_collection_rate", payer="B").share == pytest.approx(100.0)

    def test_a_total_that_cancels_has_no_shares(self) -> None:
        """With only payer A, the total denominator is the residue too: no slice has a share,
        in the result or in the columns."""
        card = evaluate(
            self.cancelling([0, 1, 2, 3, 4]), JANUARY, by=["payer"], metrics=["net_collection_rate"]
        )
        assert card.result("net_collection_rate").value is None
        assert card.result("net_collection_rate", payer="A").share is None
        assert card.result("net_collection_rate", payer="A").parent_share is None
        assert np.isnan(card.to_columns()["share"]).all()
        assert np.isnan(card.to_columns()["parent_share"]).all()


class TestParentShares:
    """``share`` is a percent of the total's denominator; ``parent_share`` of the parent slice's.

    January net charges by team x payer (conftest.py): t1 x A = C1 1000 - 300 + C5 100 = 800,
    t1 x B = C4 400, t2 x A = C3 200, t2 x B = 0 (C2's write-offs only); total 1400. Teams:
    t1 = 1200, t2 = 200.
    """

    def test_two_dimensions(self, book: Book) -> None:
        """Shares of the total 800/1400, 400/1400, 200/1400, 0; of the team 800/1200, 400/1200,
        200/200; t2's 0 of 200 is 0% of its team."""
        card = evaluate(book, JANUARY, by=["team", "payer"], metrics=["net_collection_rate"])
        got = {
            (t, p): card.result("net_collection_rate", team=t, payer=p)
            for t, p in (("t1", "A"), ("t1", "B"), ("t2", "A"), ("t2", "B"))
        }
        assert [r.denominator for r in got.values()] == [800.0, 400.0, 200.0, 0.0]
        assert [r.share for r in got.values()] == pytest.approx(
            [100 * 800 / 1400, 100 * 400 / 1400, 100 * 200 / 1400, 0.0]
        )
        assert [r.parent_share for r in got.values()] == pytest.approx(
            [100 * 800 / 1200, 100 * 400 / 1200, 100.0, 0.0]
        )
        columns = card.to_columns()
        assert columns["parent_share"][1:].tolist() == pytest.approx([r.parent_share for r in got.values()])
        assert np.isnan(columns["parent_share"][0])

    def test_the_rendering_shows_both_in_percent(self, book: Book) -> None:
        """By team x payer the table has a column "Of team"; shares read like the rates beside them."""
        text = evaluate(book, JANUARY, by=["team", "payer"], metrics=["net_collection_rate"]).to_text()
        lines = text.splitlines()
        assert lines[3].split() == ["KPI", "Value", "Share", "Of", "team", "Status", "Note"]
        assert lines[5].split() == ["t1", "x", "A", "85.00%", "57.1%", "66.7%"]
        assert lines[7].split() == ["t2", "x", "A", "10.00%", "14.3%", "100.0%"]
        one = evaluate(book, JANUARY, by=["payer"], metrics=["net_collection_rate"]).to_text()
        assert "Of " not in one
        assert "71.4%" in one
        markdown = evaluate(
            book, JANUARY, by=["team", "payer"], metrics=["net_collection_rate"]
        ).to_markdown()
        assert "| KPI | Value | Share | Of team | Status | Note |" in markdown
        assert "|   t1 x B | 0.00% | 28.6% | 33.3% |  |  |" in markdown

    def test_zero_parent_denominator(self) -> None:
        """Team t3 only receives a payment in January: its slice's denominator is 0, so is its
        team's; the share of the total is 0 / 1000 = 0%, the share of the parent undefined."""
        book = Book(
            transactions={
                "claim_id": ["X", "Y"],
                "payer": ["A", "A"],
                "team": ["t1", "t3"],
                "service_date": ["2026-01-05", "2025-12-05"],
                "posting_date": ["2026-01-05", "2026-01-06"],
                "type": ["charge", "payment"],
                "amount": [1000.0, 50.0],
            }
        )
        card = evaluate(book, JANUARY, by=["team", "payer"], metrics=["net_collection_rate"])
        t3 = card.result("net_collection_rate", team="t3", payer="A")
        assert (t3.denominator, t3.share, t3.parent_share) == (0.0, 0.0, None)
        t1 = card.result("net_collection_rate", team="t1", payer="A")
        assert (t1.share, t1.parent_share) == (100.0, 100.0)

    def test_three_dimensions_and_negative_denominators(self) -> None:
        """By team x payer x site, the parent is team x payer. t1 x A x n holds C1's charge 1000,
        t1 x A x s its contractual -300 and C5's charge 100: -200. Parent t1 x A = 800, so
        1000 / 800 = 125% and -200 / 800 = -25%; of the total 1400: 71.43% and -14.29%. Values are
        never clipped. t2 x B has no net charges: its slices have 0% of the total, none of it."""
        tx = {**TRANSACTIONS, "site": ["n", "s"] * 7}
        card = evaluate(
            Book(transactions=tx), JANUARY, by=["team", "payer", "site"], metrics=["net_collection_rate"]
        )
        n = card.result("net_collection_rate", team="t1", payer="A", site="n")
        s = card.result("net_collection_rate", team="t1", payer="A", site="s")
        assert (n.denominator, s.denominator) == (1000.0, -200.0)
        assert (n.parent_share, s.parent_share) == (125.0, -25.0)
        assert (n.share, s.share) == pytest.approx((100 * 1000 / 1400, 100 * -200 / 1400))
        empty = card.result("net_collection_rate", team="t2", payer="B", site="s")
        assert (empty.share, empty.parent_share) == (0.0, None)
        assert "Of team x payer" in card.to_text()

    def test_shares_are_worked_out_once_and_columns_are_copies(self, book: Book) -> None:
        """Writing into to_columns()' share column changes neither the next columns nor the results."""
        card = evaluate(book, JANUARY, by=["team", "payer"], metrics=["net_collection_rate"])
        columns = card.to_columns()
        columns["share"][:] = -1.0
        columns["parent_share"][:] = -1.0
        assert card.to_columns()["share"][1] == pytest.approx(100 * 800 / 1400)
        assert card.result("net_collection_rate", team="t1", payer="A").parent_share == pytest.approx(
            100 * 800 / 1200
        )

    def test_count_kpis_have_no_shares(self, book: Book) -> None:
        """A count KPI has no denominator: no share and no parent share in any slice."""
        card = evaluate(book, JANUARY, by=["team", "workflow"], metrics=["backlog"])
        result = card.result("backlog", team="t1", workflow="ar")
        assert (result.share, result.parent_share) == (None, None)
        assert np.isnan(card.to_columns()["parent_share"]).all()
