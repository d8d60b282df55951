"""Measures as data at their edges: interval bounds, lags, NaT, negated filters, per-claim steps.

Every figure is worked by hand on one-row or few-row books in the docstrings below.
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm import serialize
from comanaged_rcm.errors import ConventionError, ValidationError
from comanaged_rcm.kpi import (
    Anchor,
    Book,
    Bound,
    ByConvention,
    Catalogue,
    ClaimDate,
    ClaimRole,
    Condition,
    Derived,
    Interval,
    Lag,
    Measure,
    Signed,
    _engine,
    catalogue,
    measures,
)
from comanaged_rcm.kpi._conventions import resolve_conventions
from comanaged_rcm.kpi._engine import compute_measures
from comanaged_rcm.periods import Period
from tests.kpi.test_kpi_properties import ledgers, take

JANUARY = Period.month(2026, 1)
D = datetime.date


def one_row(**columns: object) -> dict[str, list[object]]:
    row: dict[str, object] = {
        "claim_id": "C1",
        "payer": "A",
        "service_date": "2026-01-01",
        "posting_date": "2026-01-10",
        "type": "charge",
        "amount": 100.0,
    }
    row.update(columns)
    return {k: [v] for k, v in row.items()}


def value(book: Book, measure: Measure, period: Period = JANUARY, as_of: D | None = None) -> float:
    known = Catalogue.default().with_measures(measure)
    found = compute_measures(
        book,
        [period],
        [as_of or period.end],
        (),
        resolve_conventions(),
        catalogue=known,
        measures=[measure.name],
    )
    return float(found.totals[measure.name][0])


POSTED = Measure(name="posted", table="transactions", weight="amount", dates=(Interval.flow("posting_date"),))


class TestIntervalBounds:
    @pytest.mark.parametrize(
        ("posted", "expected"),
        [("2025-12-31", 0.0), ("2026-01-01", 100.0), ("2026-01-31", 100.0), ("2026-02-01", 0.0)],
    )
    def test_a_flow_holds_its_start_and_not_its_end(self, posted: str, expected: float) -> None:
        """[2026-01-01, 2026-02-01): the start day is in, the end day out."""
        assert value(Book(transactions=one_row(posting_date=posted)), POSTED) == expected

    @pytest.mark.parametrize(
        ("closed", "expected"), [("2026-01-31", 0.0), ("2026-02-01", 1.0), ("2026-03-01", 1.0), (None, 1.0)]
    )
    def test_open_at_as_of_counts_an_undated_close(self, closed: str | None, expected: float) -> None:
        """Opened before as-of (Feb 1) and closed on or after it, or not closed (NaT): open."""
        book = Book(
            work_items={
                "item_id": ["W1"],
                "workflow": ["ar"],
                "team": ["t"],
                "opened": ["2026-01-05"],
                "closed": [closed],
                "touches": [1],
                "escalated": [False],
            }
        )
        open_items = Measure(
            name="open_items",
            table="work_items",
            dates=(
                Interval.before("opened", Bound(Anchor.AS_OF)),
                Interval.since("closed", Bound(Anchor.AS_OF)),
            ),
        )
        assert value(book, open_items) == expected

    @pytest.mark.parametrize(("months", "days", "expected"), [(1, 0, 100.0), (0, 22, 100.0), (0, 21, 0.0)])
    def test_offsets_in_months_and_days(self, months: int, days: int, expected: float) -> None:
        """Posted Jan 10, as-of Feb 1: within a month before (Jan 1), within 22 days (from Jan 10,
        inclusive), not within 21 (from Jan 11)."""
        trailing = Measure(
            name="trailing",
            table="transactions",
            weight="amount",
            dates=(
                Interval("posting_date", Bound(Anchor.AS_OF, days=days, months=months), Bound(Anchor.AS_OF)),
            ),
        )
        assert value(Book(transactions=one_row()), trailing) == expected

    def test_the_window_follows_the_ar_window_convention(self) -> None:
        """Posted Nov 3, as-of Feb 1: inside the 90 days (from Nov 3), outside 3 months (from Nov 1
        it would be in, so posted Oct 31 is the case that differs)."""
        window = Measure(
            name="in_window",
            table="transactions",
            weight="amount",
            dates=(Interval("posting_date", Bound(Anchor.WINDOW_START), Bound(Anchor.AS_OF)),),
        )
        known = Catalogue.default().with_measures(window)
        book = Book(transactions=one_row(posting_date="2025-11-02", service_date="2025-11-01"))
        found = {
            option: compute_measures(
                book,
                [JANUARY],
                [JANUARY.end],
                (),
                resolve_conventions({"ar_window": option}),
                catalogue=known,
                measures=["in_window"],
            ).totals["in_window"][0]
            for option in ("trailing_90_days", "trailing_3_months")
        }
        assert found == {"trailing_90_days": 0.0, "trailing_3_months": 100.0}  # Nov 3 / Nov 1 starts


class TestFiltersAndLags:
    @pytest.mark.parametrize(("lag", "late", "prompt"), [(30, 0.0, 100.0), (31, 100.0, 0.0)])
    def test_more_than_and_at_most_at_their_edge(self, lag: int, late: float, prompt: float) -> None:
        """Posted 30 days after service is not "more than 30"; 31 is. At most 30 is the other side."""
        posted = (D(2026, 1, 1) + datetime.timedelta(days=lag)).isoformat()
        book = Book(transactions=one_row(posting_date=posted))
        more = Measure(
            name="late",
            table="transactions",
            weight="amount",
            lags=(Lag("posting_date", "service_date", more_than=30),),
        )
        most = Measure(
            name="prompt",
            table="transactions",
            weight="amount",
            lags=(Lag("posting_date", "service_date", at_most=30),),
        )
        assert (value(book, more), value(book, most)) == (late, prompt)

    def test_both_limits_of_a_lag(self) -> None:
        """Between 5 (exclusive) and 9 (inclusive) days: 5 no, 6 and 9 yes, 10 no."""
        rows = {
            "claim_id": ["C1"] * 4,
            "payer": ["A"] * 4,
            "service_date": ["2026-01-01"] * 4,
            "posting_date": ["2026-01-06", "2026-01-07", "2026-01-10", "2026-01-11"],
            "type": ["charge"] * 4,
            "amount": [1.0, 2.0, 4.0, 8.0],
        }
        between = Measure(
            name="between",
            table="transactions",
            weight="amount",
            lags=(Lag("posting_date", "service_date", more_than=5, at_most=9),),
        )
        assert value(Book(transactions=rows), between) == 6.0

    def test_negated_and_plain_conditions_are_complements(self) -> None:
        """Payer A's 100 and B's 50: in (A) 100, not in (A) 50, and the two add up to all."""
        rows = {k: v * 2 for k, v in one_row().items()}
        rows["payer"], rows["amount"] = ["A", "B"], [100.0, 50.0]
        book = Book(transactions=rows)
        plain = Measure(name="a", table="transactions", weight="amount", where=(Condition("payer", ("A",)),))
        negated = Measure(
            name="not_a",
            table="transactions",
            weight="amount",
            where=(Condition("payer", ("A",), negate=True),),
        )
        assert (value(book, plain), value(book, negated)) == (100.0, 50.0)

    def test_conditions_on_several_columns_all_hold(self) -> None:
        """type charge AND payer A: only the first of (charge A, charge B, payment A)."""
        rows = {
            "claim_id": ["C1", "C2", "C1"],
            "payer": ["A", "B", "A"],
            "service_date": ["2026-01-01"] * 3,
            "posting_date": ["2026-01-02"] * 3,
            "type": ["charge", "charge", "payment"],
            "amount": [1.0, 2.0, 4.0],
        }
        both = Measure(
            name="both",
            table="transactions",
            weight="amount",
            where=(Condition("type", ("charge",)), Condition("payer", ("A",))),
        )
        assert value(Book(transactions=rows), both) == 1.0

    def test_signs_and_a_value_left_out(self) -> None:
        """Signed +charge -payment: 1 - 4 = -3; the refund (8) is in neither list and adds nothing."""
        rows = {
            "claim_id": ["C1"] * 3,
            "payer": ["A"] * 3,
            "service_date": ["2026-01-01"] * 3,
            "posting_date": ["2026-01-02"] * 3,
            "type": ["charge", "payment", "refund"],
            "amount": [1.0, 4.0, 8.0],
        }
        net = Measure(
            name="net",
            table="transactions",
            weight="amount",
            signed=Signed("type", ("charge",), ("payment",)),
        )
        assert value(Book(transactions=rows), net) == -3.0


PER_CLAIM_ROWS: dict[str, list[object]] = {
    "claim_id": ["C1", "C1", "C2", "C2"],
    "payer": ["A"] * 4,
    "service_date": ["2025-09-01", "2025-12-20", "2026-01-05", "2026-01-05"],
    "posting_date": ["2025-09-02", "2025-12-21", "2026-01-06", "2026-01-10"],
    "type": ["charge", "charge", "charge", "payment"],
    "amount": [100.0, 50.0, 30.0, 80.0],
    "billed_date": ["2025-09-03", None, None, None],
}
"""C1: charges 100 (served Sep 1, billed Sep 3) and 50; C2: charge 30, payment 80 (credit -50)."""


class TestPerClaim:
    ROWS = PER_CLAIM_ROWS

    def claims(self, **role: object) -> Measure:
        return Measure(
            name="balance",
            table="transactions",
            weight="amount",
            signed=Signed("type", ("charge",), ("payment",)),
            dates=(Interval.before("posting_date", Bound(Anchor.AS_OF)),),
            claim=ClaimRole(**role),  # type: ignore[arg-type]
        )

    def test_clip_takes_a_credit_balance_as_zero(self) -> None:
        """Offset: 150 + (30 - 80) = 100; clipped: 150 + 0 = 150."""
        book = Book(transactions=self.ROWS)
        assert (value(book, self.claims()), value(book, self.claims(clip=True))) == (100.0, 150.0)

    @pytest.mark.parametrize(("days", "expected"), [(152, 150.0), (153, 0.0)])
    def test_a_claim_ages_from_its_earliest_date(self, days: int, expected: float) -> None:
        """As-of Feb 1; C1's earliest service, Sep 1, is 153 days before. It counts while Sep 1 is
        before as-of less ``days``: less 152 is Sep 2 (it counts, 100 + 50), less 153 is Sep 1 (it
        does not). C2, served Jan 5, is too young either way."""
        aged = self.claims(dates=(ClaimDate("service_date", Bound(Anchor.AS_OF, days=days)),))
        assert value(Book(transactions=self.ROWS), aged) == expected

    def test_a_claim_with_no_dated_row_does_not_count(self) -> None:
        """Billed before as-of: C1 (billed Sep 3, on its first charge) counts, C2 (never billed) not."""
        book = Book(transactions=self.ROWS)
        billed = self.claims(
            dates=(ClaimDate("billed_date", Bound(Anchor.AS_OF), (Condition("type", ("charge",)),)),)
        )
        assert value(book, billed) == 150.0


class TestUserMeasuresMerge:
    @settings(max_examples=40)
    @given(columns=ledgers(), data=st.data())
    def test_any_split_by_claim_adds_up_to_the_whole(
        self, columns: dict[str, np.ndarray], data: st.DataObject
    ) -> None:
        """A payer-filtered flow and a per-claim balance of one's own: the shards' measures, added,
        are the whole book's (per claim because shards keep each claim whole)."""
        known = Catalogue.default().with_measures(
            Measure(
                name="payer_a_payments",
                table="transactions",
                weight="amount",
                where=(Condition("type", ("payment",)), Condition("payer", ("A",))),
                dates=(Interval.flow("posting_date"),),
            ),
            Measure(
                name="clipped_balance",
                table="transactions",
                weight="amount",
                signed=Signed(
                    "type", ("charge", "refund"), ("payment", "contractual_adjustment", "write_off")
                ),
                dates=(Interval.before("posting_date", Bound(Anchor.AS_OF)),),
                claim=ClaimRole(clip=True),
            ),
        )
        claims = sorted(set(columns["claim_id"].tolist()))
        first = data.draw(st.sets(st.sampled_from(claims)))
        mask = np.isin(columns["claim_id"], sorted(first))
        if mask.all() or not mask.any():
            return
        period = Period(D(2025, 10, 1), D(2026, 1, 1))
        parts = [
            measures(
                Book(transactions=take(columns, np.flatnonzero(m))), period, by=["team"], catalogue=known
            )
            for m in (mask, ~mask)
        ]
        whole = measures(Book(transactions=columns), period, by=["team"], catalogue=known)
        merged = parts[0] + parts[1]
        for name in ("payer_a_payments", "clipped_balance", "ar_balance"):
            np.testing.assert_allclose(merged.totals[name], whole.totals[name], atol=1e-9)
            index = [merged.slices.index(k) for k in whole.slices]
            np.testing.assert_allclose(merged.sliced[name][:, index], whole.sliced[name], atol=1e-9)


@st.composite
def definitions(draw: st.DrawFn) -> Measure:
    """Random valid measures over transactions: filters, lags, intervals with offsets."""
    anchors = st.sampled_from([a for a in Anchor if a is not Anchor.UNBOUNDED])
    bound = st.builds(Bound, anchors, st.integers(0, 40), st.integers(0, 3))
    columns = draw(
        st.lists(st.sampled_from(["posting_date", "service_date", "billed_date"]), unique=True, max_size=3)
    )
    return Measure(
        name=draw(st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)),
        table="transactions",
        weight=draw(st.sampled_from([None, "amount"])),
        where=tuple(
            Condition(
                column,
                draw(st.lists(st.sampled_from(values), min_size=1, max_size=2)),
                negate=draw(st.booleans()),
            )
            for column, values in draw(
                st.lists(
                    st.sampled_from([("type", ("charge", "payment")), ("payer", ("A", "Medicare"))]),
                    unique=True,
                )
            )
        ),
        lags=tuple(
            draw(
                st.lists(
                    st.builds(Lag, st.just("posting_date"), st.just("service_date"), st.integers(-5, 40)),
                    max_size=1,
                )
            )
        ),
        dates=tuple(
            Interval(c, start, end)
            for c in columns
            for start, end in [(draw(st.one_of(st.just(Bound(Anchor.UNBOUNDED)), bound)), draw(bound))]
            if start != end
        ),
        description=draw(st.text(alphabet="abc ", max_size=10)),
    )


class TestRoundTrip:
    @settings(max_examples=60)
    @given(definitions())
    def test_any_measure_goes_to_json_and_back(self, measure: Measure) -> None:
        """A random valid measure structures back to itself, alone and in a catalogue."""
        assert serialize.from_json(serialize.to_json(measure), Measure) == measure
        if measure.name not in Catalogue.default().definitions:
            known = Catalogue(measures=(measure,))
            assert serialize.from_json(serialize.to_json(known), Catalogue) == known


class TestMoreRefusals:
    @pytest.mark.parametrize(
        ("build", "path", "code"),
        [
            (lambda: Bound(Anchor.AS_OF, days=1.5), "$.days", "type"),
            (lambda: Bound(Anchor.AS_OF, days=True), "$.days", "type"),
            (lambda: Condition("payer", ()), "$.values", "value"),
            (lambda: Lag("posting_date", "service_date", more_than=2.5), "$.more_than", "type"),
            (lambda: Signed("type", ("charge",), ("charge",)), "$.negative", "duplicate"),
            (lambda: ClaimDate("billed_date", Bound(Anchor.UNBOUNDED)), "$.before", "value"),
            (
                lambda: Measure(
                    name="x",
                    table="transactions",
                    dates=(Interval("posting_date", Bound(Anchor.AS_OF), Bound(Anchor.AS_OF)),),
                ),
                "$.dates[0]",
                "value",
            ),
            (
                lambda: Measure(name="x", table="transactions", claim=ClaimRole(key="amount")),
                "$.claim.key",
                "unknown",
            ),
            (lambda: Derived(name="x", terms=()), "$.terms", "value"),
            (lambda: ByConvention(name="x", family="refunds", options=[("netted",)]), "$.options", "type"),
            (
                lambda: ByConvention(name="x", family="refunds", options={"both": "cash"}),
                "$.options.both",
                "unknown",
            ),
            (lambda: Catalogue(measures=[POSTED, "posted"]), "$.measures[1]", "type"),
            (lambda: Catalogue(measures="posted"), "$.measures", "type"),
        ],
    )
    def test_each_names_its_path(self, build: object, path: str, code: str) -> None:
        """A bad piece of a definition is refused at its own path."""
        assert callable(build)
        with pytest.raises(ValidationError) as raised:
            build()
        assert (raised.value.issues[0].path, raised.value.issues[0].code) == (path, code)

    def test_a_kpi_id_taken_and_a_catalogue_iterates_its_kpis(self) -> None:
        """A user KPI may not reuse a built-in id; iterating a catalogue gives its KPIs by tier."""
        known = Catalogue.default()
        taken = known.kpi("backlog")
        with pytest.raises(ValidationError) as raised:
            known.with_kpis(taken)
        assert raised.value.issues[0].path == "$.kpis[0].id"
        assert list(known) == list(known.metrics)
        assert known.metrics[0].tier.value == "outcome"
        assert [k.id for k in known.metrics] == [k.id for k in catalogue()]


class TestOtherPaths:
    def test_many_filter_combinations_are_renumbered_alike(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Past _DENSE_KINDS combinations of filter values, kinds are renumbered by those present:
        the measures are the same (a new book each time: a book keeps its kinds)."""
        from tests.kpi.conftest import LEDGER, SUBMISSIONS, TRANSACTIONS, WORK_ITEMS  # noqa: PLC0415

        def book() -> Book:
            return Book(
                transactions=TRANSACTIONS, submissions=SUBMISSIONS, work_items=WORK_ITEMS, ledger=LEDGER
            )

        conventions = resolve_conventions({"collection_basis": "dos_cohort"})
        dense = compute_measures(book(), [JANUARY], [JANUARY.end], ("payer",), conventions)
        monkeypatch.setattr(_engine, "_DENSE_KINDS", 0)
        sparse = compute_measures(book(), [JANUARY], [JANUARY.end], ("payer",), conventions)
        assert set(dense.totals) == set(sparse.totals)
        for name in dense.sliced:
            np.testing.assert_array_equal(dense.sliced[name], sparse.sliced[name], err_msg=name)
        assert dense.totals["gross_charges"].tolist() == [1700.0]

    def test_a_per_claim_step_with_a_filter_a_lag_and_a_lower_bound(self) -> None:
        """Per claim, payments posted since Jan 1 and 10 days or more after service: C1 (600 on Jan
        20 for Jan 5) and C5 (130 on Jan 22 for Jan 2); C3's 20 at service is not."""
        from tests.kpi.conftest import TRANSACTIONS  # noqa: PLC0415

        slow = Measure(
            name="slow",
            table="transactions",
            weight="amount",
            where=(Condition("type", ("payment",)),),
            lags=(Lag("posting_date", "service_date", more_than=9),),
            dates=(Interval("posting_date", Bound(Anchor.PERIOD_START), Bound(Anchor.AS_OF)),),
            claim=ClaimRole(),
        )
        assert value(Book(transactions=TRANSACTIONS), slow) == 730.0

    def test_a_monthly_measure_of_ones_own_needs_whole_months(self) -> None:
        """Summed per calendar month: a week is refused naming the measure; two months add up."""
        monthly = Measure(
            name="monthly_posted",
            table="transactions",
            weight="amount",
            dates=(Interval.flow("posting_date"),),
            monthly=True,
        )
        book = Book(transactions=one_row())
        with pytest.raises(ConventionError, match="measure 'monthly_posted' needs calendar-month periods"):
            value(book, monthly, Period(D(2026, 1, 5), D(2026, 1, 12)))
        assert value(book, monthly, Period(D(2025, 12, 1), D(2026, 2, 1))) == 100.0

    def test_a_measure_defined_in_terms_of_itself_is_refused_when_computed(self) -> None:
        """A cycle that only the engine sees (a catalogue without checks is not buildable, so the
        engine's own guard is reached through its resolver) names the measure."""
        loop = {"a": Derived(name="a", terms=(("a", 1),))}
        with pytest.raises(ValidationError) as raised:
            _engine._flatten(loop, "a", resolve_conventions(), {})
        assert raised.value.issues[0].code == "cycle"
        assert "'a' is defined in terms of itself" in raised.value.issues[0].message
