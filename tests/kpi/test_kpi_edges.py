"""The KPI edge holds: bad input is a ValidationError naming the argument or column, never a bare error."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest

from comanaged_rcm.errors import ConventionError, ValidationError
from comanaged_rcm.kpi import (
    Book,
    Convention,
    Direction,
    Edge,
    Field,
    FieldKind,
    KPIDefinition,
    KPIResult,
    MeasureSet,
    Scorecard,
    Target,
    Tier,
    Trend,
    TrendPoint,
    Unit,
    catalogue,
    evaluate,
    measures,
    register,
    resolve_conventions,
    trend,
    unregister,
)
from comanaged_rcm.periods import Period
from tests.kpi.conftest import JANUARY, SUBMISSIONS, TRANSACTIONS, WORK_ITEMS

D = datetime.date
UTC = datetime.UTC
N = len(TRANSACTIONS["claim_id"])
M = len(SUBMISSIONS["claim_id"])


def issue(call: Callable[[], object]) -> tuple[str, str, str]:
    """``(path, code, message)`` of the first issue of the ValidationError ``call`` raises."""
    with pytest.raises(ValidationError) as caught:
        call()
    first = caught.value.issues[0]
    return first.path, first.code, first.message


def tx(**changes: object) -> dict[str, object]:
    """The shared transactions with some columns replaced."""
    return {**TRANSACTIONS, **changes}


def subs(**changes: object) -> dict[str, object]:
    """The shared submissions with some columns replaced."""
    return {**SUBMISSIONS, **changes}


@pytest.fixture
def small() -> Book:
    """The shared transactions and work items."""
    return Book(transactions=TRANSACTIONS, work_items=WORK_ITEMS)


class TestDateColumns:
    """A date column takes whole days only: a time of day, a time zone or a year out of range is
    refused at the column, never dropped, shifted or wrapped."""

    @pytest.mark.parametrize(
        ("values", "code", "phrase"),
        [
            (np.array(["2026-01-05T10:00"] * N, dtype="datetime64[s]"), "type", "expected whole days"),
            ([datetime.datetime(2026, 1, 5, 10)] * N, "type", "not datetimes with a time of day"),  # noqa: DTZ001
            ([datetime.datetime(2026, 1, 5, tzinfo=UTC)] * N, "type", "not time-zone aware datetimes"),
            ([pd.Timestamp("2026-01-05 10:00")] * N, "type", "not datetimes with a time of day"),
            (np.array([np.datetime64("2026-01-05T10:00")] * N, dtype=object), "type", "whole days"),
            (
                np.array(["20000-01-01"] * N, dtype="datetime64[D]"),
                "range",
                "between 0001-01-01 and 9999-12-31",
            ),
            (np.array([10**15] * N, dtype="datetime64[Y]"), "range", "between 0001-01-01 and 9999-12-31"),
            (["9999999999"] * N, "range", "between 0001-01-01 and 9999-12-31"),
            (["0000-01-01"] * N, "range", "(got 0000-01-01 in row 0; 14 rows)"),
            (["x" * 1_000_000] * N, "type", "expected ISO dates like 2026-01-31 (got 'xxxx"),
        ],
    )
    def test_refused(self, values: object, code: str, phrase: str) -> None:
        """Each is one issue at $.transactions.service_date, saying what was wanted and got."""
        path, found, message = issue(lambda: Book(transactions=tx(service_date=values)))
        assert (path, found) == ("$.transactions.service_date", code)
        assert phrase in message

    def test_aware_pandas_series(self) -> None:
        """A time-zone aware pandas column is refused without numpy's timezone warning."""
        aware = pd.Series(pd.to_datetime(TRANSACTIONS["service_date"])).dt.tz_localize("UTC")
        path, code, message = issue(lambda: Book(transactions=tx(service_date=aware)))
        assert (path, code) == ("$.transactions.service_date", "type")
        assert "time-zone aware" in message

    def test_whole_days_in_any_form_are_accepted(self) -> None:
        """datetime64 of any unit at midnight, naive datetimes at midnight, pandas Series and NaT,
        NaN and pd.NA as missing cells all read as the same days."""
        days = np.array(TRANSACTIONS["service_date"], dtype="datetime64[D]")
        expected = Book(transactions=TRANSACTIONS).transactions
        assert expected is not None
        for given in (
            days.astype("datetime64[ns]"),
            pd.Series(days.astype("datetime64[ns]")),
            [datetime.datetime.combine(d, datetime.time()) for d in days.astype(object)],
            [pd.Timestamp(d) for d in days.astype(object)],
        ):
            book = Book(transactions=tx(service_date=given))
            assert book.transactions is not None
            np.testing.assert_array_equal(book.transactions["service_date"], expected["service_date"])
        missing = [pd.NaT, float("nan"), pd.NA, None, *TRANSACTIONS["billed_date"][4:]]
        book = Book(transactions=tx(billed_date=np.array(missing, dtype=object)))
        assert book.transactions is not None
        assert np.isnat(book.transactions["billed_date"][:4]).all()

    def test_months_are_their_first_day(self) -> None:
        """A datetime64[M] column (ledger months) is the first day of each month, as before."""
        book = Book(
            ledger={"month": np.array(["2026-01", "2025-12"], dtype="datetime64[M]"), "npsr": [1.0, 2.0]}
        )
        assert book.ledger is not None
        assert book.ledger["month"].tolist() == [D(2026, 1, 1), D(2025, 12, 1)]


class TestNumberColumns:
    """Number and count columns refuse what would overflow or be silently wrong."""

    def test_a_count_beyond_two_to_the_53_is_refused_not_wrapped(self) -> None:
        """A uint64 count above int64 used to wrap to a negative number; it is refused as is."""
        lines = np.array([2**63 + 5] * M, dtype=np.uint64)
        path, code, message = issue(lambda: Book(submissions=subs(lines=lines)))
        assert (path, code) == ("$.submissions.lines", "range")
        assert "<= 9,007,199,254,740,992 (got 9223372036854775813 in row 0" in message

    def test_whole_floats_are_counts(self) -> None:
        """A count column of whole floats (a pandas sum) is read as int64; a fraction is refused."""
        book = Book(submissions=subs(lines=[float(n) for n in SUBMISSIONS["lines"]]))
        assert book.submissions is not None
        assert book.submissions["lines"].dtype == np.int64
        assert book.submissions["lines"].tolist() == SUBMISSIONS["lines"]
        path, code, message = issue(lambda: Book(submissions=subs(lines=[2.5] * M)))
        assert (path, code) == ("$.submissions.lines", "type")
        assert "expected whole numbers (got 2.5 in row 0" in message

    def test_amounts_whose_sums_would_overflow_are_refused(self) -> None:
        """An amount so large that summing the column could reach infinity is refused."""
        path, code, message = issue(lambda: Book(transactions=tx(amount=[1e305] * N)))
        assert (path, code) == ("$.transactions.amount", "range")
        assert "so that sums stay finite" in message

    @pytest.mark.parametrize(
        ("values", "code"),
        [
            ([float("nan")] * N, "range"),
            (np.array([1.0, "a"] * (N // 2), dtype=object), "type"),
            (np.ones((N, 2)), "shape"),
            ([10**400] * N, "type"),
            ([[1], [1, 2], *([1] * (N - 2))], "type"),
        ],
    )
    def test_bad_amounts(self, values: object, code: str) -> None:
        """NaN, mixed objects, 2-D, huge integers and ragged lists are issues at the column."""
        assert issue(lambda: Book(transactions=tx(amount=values)))[:2] == ("$.transactions.amount", code)


class TestTablesAndColumnNames:
    def test_a_column_numpy_cannot_read(self) -> None:
        """A 10,000-deep list in an extra column is an issue at that column, not numpy's ValueError."""
        deep: list[Any] = []
        for _ in range(10_000):
            deep = [deep]
        path, code, message = issue(lambda: Book(transactions=tx(location=deep)))
        assert (path, code) == ("$.transactions.location", "type")
        assert "cannot be read as an array (ValueError" in message

    @pytest.mark.parametrize(
        "name",
        [7 * 10**4999, "a\x00b", "x" * 1_000, "", "pay\u202eee"],
        ids=["5000-digit int", "NUL", "1000 characters", "empty", "bidi"],
    )
    def test_odd_column_names(self, name: object) -> None:
        """A column name that is not short printable text is refused at the table."""
        path, code, message = issue(lambda: Book(transactions={**TRANSACTIONS, name: ["x"] * N}))  # type: ignore[dict-item]
        assert (path, code) == ("$.transactions", "type")
        assert "column names must be printable strings" in message

    def test_missing_text_from_pandas(self) -> None:
        """NaN and pd.NA in an object text column are missing cells (empty reasons are allowed)."""
        reasons = pd.Series(TRANSACTIONS["write_off_reason"], dtype=object).replace("", float("nan"))
        book = Book(transactions=tx(write_off_reason=reasons))
        assert book.transactions is not None
        assert "" in book.transactions["write_off_reason"].tolist()
        assert Book(transactions=pd.DataFrame(TRANSACTIONS)).rows("transactions") == N

    def test_book_lookups_name_their_argument(self, small: Book) -> None:
        """codes, table and rows refuse what is not a table name (a list, say) at its parameter."""
        assert issue(lambda: small.codes(["transactions"], "payer"))[:2] == ("$.table", "choice")  # type: ignore[arg-type]
        assert issue(lambda: small.codes("transactions", 5))[:2] == ("$.column", "type")  # type: ignore[arg-type]
        path, code, message = issue(lambda: small.codes("transactions", "payr"))
        assert (path, code) == ("$.column", "unknown")
        assert "did you mean 'payer'?" in message
        assert issue(lambda: small.table("orders"))[:2] == ("$.name", "choice")
        assert issue(lambda: small.rows(None))[:2] == ("$.name", "choice")  # type: ignore[arg-type]


class TestModels:
    """Models built in Python are as strict as from JSON; real fields refuse NaN."""

    @pytest.mark.parametrize(
        ("build", "path", "phrase"),
        [
            (lambda: Target(metric="days_in_ar", target=float("nan"), watch=50), "$.target", "finite number"),
            (lambda: Target(metric="days_in_ar", target=40, watch=np.float64("inf")), "$.watch", "finite"),
            (lambda: Target(metric="Days In AR", target=40, watch=50), "$.metric", "snake_case name"),
            (
                lambda: Target(metric="days_in_ar", target=40, watch=50, source="a\x1bb"),
                "$.source",
                "control",
            ),
            (lambda: Field(name="a b", kind=FieldKind.TEXT), "$.name", "field name"),
            (lambda: Field(name="a", kind="text"), "$.kind", "did you mean FieldKind.TEXT?"),  # type: ignore[arg-type]
            (lambda: Field(name="a", kind=FieldKind.TEXT, required=1), "$.required", "True or False"),  # type: ignore[arg-type]
            (lambda: Field(name="a", kind=FieldKind.TEXT, values=("a", 1)), "$.values[1]", "must be a str"),
            (
                lambda: Convention(
                    family="refunds", option="x", version=np.timedelta64(1), description="d", source="s"
                ),
                "$.version",
                "whole number",
            ),
            (
                lambda: Convention(family="refunds", option="x", version=0, description="d", source="s"),
                "$.version",
                ">= 1",
            ),
            (lambda: Edge("Days-in-AR"), "$.target", "snake_case name"),
        ],
    )
    def test_bad_fields(self, build: Callable[[], object], path: str, phrase: str) -> None:
        """Each is one issue at the field's path."""
        found, _, message = issue(build)
        assert found == path
        assert phrase in message

    def test_target_status_of_a_non_number(self) -> None:
        """Target.status refuses NaN and text at $.value (NaN used to read as a breach)."""
        target = Target(metric="days_in_ar", target=40, watch=50)
        assert issue(lambda: target.status(float("nan")))[:2] == ("$.value", "type")
        assert issue(lambda: target.status("45"))[:2] == ("$.value", "type")  # type: ignore[arg-type]
        assert target.status(np.float32(45.0)).value == "watch"  # type: ignore[arg-type]

    def test_results_refuse_nan(self, small: Book) -> None:
        """KPIResult and TrendPoint keep None for undefined, never NaN."""
        result = evaluate(small, JANUARY, metrics=["items_closed"]).result("items_closed")
        path, _, message = issue(lambda: attrs.evolve(result, value=float("nan")))
        assert path == "$.value"
        assert "finite number" in message
        assert issue(lambda: attrs.evolve(result, slice=(("payer",),)))[0] == "$.slice[0]"  # type: ignore[arg-type]
        assert issue(lambda: TrendPoint(period=JANUARY, result=result, change=float("nan")))[0] == "$.change"
        assert issue(lambda: TrendPoint(period=JANUARY, result="x", change=None))[0] == "$.result"  # type: ignore[arg-type]
        assert isinstance(result, KPIResult)

    def test_scorecard_trend_and_measures_check_their_shapes(self, small: Book) -> None:
        """Arrays that do not fit the metrics and slices, or a trend without one card per
        period, are refused at construction instead of failing in a method later."""
        card = evaluate(small, JANUARY, by=["payer"], metrics=["items_closed"])
        path, code, _ = issue(lambda: attrs.evolve(card, numerator=np.zeros((2, 2))))
        assert (path, code) == ("$.numerator", "shape")
        assert issue(lambda: attrs.evolve(card, slices=(("A", "x"),)))[0] == "$.slices[0]"
        found = trend(small, [JANUARY], metrics=["items_closed"])
        assert (
            issue(lambda: Trend(periods=found.periods, scorecards=(), whole=found.whole))[0] == "$.scorecards"
        )
        assert issue(lambda: Trend(periods=(), scorecards=(), whole=found.whole))[0] == "$.periods"
        partial = measures(small, JANUARY)
        assert issue(lambda: attrs.evolve(partial, totals={"cash": np.zeros(3)}))[0] == "$.totals['cash']"
        assert issue(lambda: attrs.evolve(partial, as_of=()))[0] == "$.as_of"
        assert isinstance(partial, MeasureSet)


class TestArguments:
    """Arguments of evaluate, trend, measures, the catalogue and the results' methods are named."""

    def test_a_datetime_as_of_is_refused(self, small: Book) -> None:
        """A date parameter refuses a datetime (its time of day would be dropped)."""
        path, _, message = issue(lambda: evaluate(small, JANUARY, as_of=datetime.datetime(2026, 2, 1)))  # noqa: DTZ001
        assert path == "$.as_of"
        assert "not a datetime" in message

    def test_resolve_conventions_names_its_own_argument(self) -> None:
        """resolve_conventions reports at $.chosen; evaluate keeps $.conventions; unknown options
        get a did-you-mean."""
        assert issue(lambda: resolve_conventions(["refunds"]))[0] == "$.chosen"  # type: ignore[arg-type]
        with pytest.raises(ConventionError, match="did you mean 'gross'"):
            resolve_conventions({"refunds": "gros"})

    def test_long_values_are_quoted_short(self, small: Book) -> None:
        """A megabyte string as metrics or by is quoted shortened, so the error stays readable."""
        text = "x" * 1_000_000
        calls: list[Callable[[], object]] = [
            lambda: evaluate(small, JANUARY, metrics=text),
            lambda: evaluate(small, JANUARY, by=text),
        ]
        for call in calls:
            with pytest.raises(ValidationError) as caught:
                call()
            assert len(str(caught.value)) < 1_000

    def test_array_metric_ids(self, small: Book) -> None:
        """An array as a metric id is a ValidationError at $.metric_id, not numpy's truth-value error."""
        card = evaluate(small, JANUARY, by=["payer"], metrics=["items_closed"])
        assert issue(lambda: card.result(np.array(["a", "b"])))[:2] == ("$.metric_id", "type")  # type: ignore[arg-type]
        target = Target(metric="items_closed", target=1, watch=0)
        assert issue(lambda: card.status(None, [target]))[:2] == ("$.metric_id", "type")  # type: ignore[arg-type]
        points = trend(small, [JANUARY], metrics=["items_closed"])
        assert issue(lambda: points.values(pd.Series(["a"])))[:2] == ("$.metric_id", "type")

    def test_slice_keywords_are_named(self, small: Book) -> None:
        """A slice value not in the book, or not text, is reported at its keyword."""
        card = evaluate(
            Book(transactions=TRANSACTIONS), JANUARY, by=["payer"], metrics=["net_collection_rate"]
        )
        path, code, message = issue(lambda: card.result("net_collection_rate", payer="Z"))
        assert (path, code) == ("$.payer", "unknown")
        assert "no slice {'payer': 'Z'}" in message
        assert issue(lambda: card.result("net_collection_rate", payer=1))[:2] == ("$.payer", "type")  # type: ignore[arg-type]
        assert issue(lambda: card.result("net_collection_rate", team="t1"))[0] == "$.team"
        assert small.rows("work_items") == len(WORK_ITEMS["item_id"])

    def test_targets_must_be_targets(self, small: Book) -> None:
        """to_text and status take a Target or an iterable of them; anything else is named."""
        card = evaluate(small, JANUARY, metrics=["items_closed"])
        assert issue(lambda: card.to_text(np.array([1, 2])))[0] == "$.targets[0]"
        assert issue(lambda: card.to_markdown(5))[0] == "$.targets"  # type: ignore[arg-type]
        assert issue(lambda: card.to_text(["x"]))[0] == "$.targets[0]"  # type: ignore[list-item]
        assert issue(lambda: card.status("items_closed", 5))[0] == "$.targets"  # type: ignore[arg-type]

    def test_from_measures_and_merge(self, small: Book) -> None:
        """from_measures checks measures and index; merge checks the other partial."""
        partial = measures(small, JANUARY)
        assert issue(lambda: Scorecard.from_measures(5))[0] == "$.measures"  # type: ignore[arg-type]
        path, code, message = issue(lambda: Scorecard.from_measures(partial, index=1))
        assert (path, code) == ("$.index", "range")
        assert "<= 0" in message
        assert issue(lambda: Scorecard.from_measures(partial, index=np.timedelta64(0)))[0] == "$.index"  # type: ignore[arg-type]
        assert issue(lambda: partial.merge(5))[0] == "$.other"  # type: ignore[arg-type]
        assert issue(lambda: partial + 5)[0] == "$.other"  # type: ignore[operator]

    def test_slicing_by_too_many_combinations(self) -> None:
        """Dimensions whose distinct values multiply past int64 are refused at $.by."""
        n = 2_000
        dims = {f"d{i}": [f"v{j}" for j in range(n)] for i in range(6)}
        rows = {
            "item_id": [f"i{j}" for j in range(n)],
            "workflow": ["w"] * n,
            "team": ["t"] * n,
            "opened": ["2026-01-02"] * n,
            "closed": [None] * n,
            "touches": [1] * n,
            "escalated": [False] * n,
        }
        book = Book(work_items={**rows, **dims})
        path, code, message = issue(lambda: evaluate(book, JANUARY, by=list(dims), metrics=["backlog"]))
        assert (path, code) == ("$.by", "range")
        assert "too many combinations" in message


class TestRegistry:
    def test_register_and_unregister_name_their_arguments(self) -> None:
        """register's argument is $.definition, its id $.definition.id; unregister's is $.kpi_id."""
        before = catalogue()
        assert issue(lambda: register(5))[0] == "$.definition"  # type: ignore[arg-type]
        taken = KPIDefinition(
            id="days_in_ar",
            name="x",
            tier=Tier.ACTIVITY,
            direction=Direction.HIGHER,
            unit=Unit.COUNT,
            formula="x",
            numerator=("backlog",),
        )
        assert issue(lambda: register(taken))[:2] == ("$.definition.id", "duplicate")
        path, code, message = issue(lambda: unregister("x" * 1_000_000))
        assert (path, code) == ("$.kpi_id", "unknown")
        assert len(message) < 200
        assert catalogue() == before

    def test_unknown_measures_suggest(self) -> None:
        """An unknown measure gets a did-you-mean."""
        path, code, message = issue(
            lambda: KPIDefinition(
                id="x",
                name="x",
                tier=Tier.ACTIVITY,
                direction=Direction.HIGHER,
                unit=Unit.COUNT,
                formula="x",
                numerator=("backlg",),
            )
        )
        assert (path, code) == ("$.numerator[0]", "unknown")
        assert "did you mean 'backlog'?" in message
        assert Period(D(2026, 1, 1), D(2026, 2, 1)) == JANUARY


class TestInclusiveAsOf:
    """``as_of`` is the last day counted: snapshots hold at its close, ages are measured to it."""

    @staticmethod
    def claims(*rows: tuple[str, str, str, str, float]) -> Book:
        return Book(
            transactions={
                "claim_id": [r[0] for r in rows],
                "payer": ["A"] * len(rows),
                "service_date": [r[1] for r in rows],
                "posting_date": [r[2] for r in rows],
                "type": [r[3] for r in rows],
                "amount": [r[4] for r in rows],
            }
        )

    def test_a_posting_on_as_of_counts_in_ar_one_a_day_later_does_not(self) -> None:
        """Charges of 100 (01-10), 50 (01-31, January's last day) and 25 (02-01): A/R as of 01-31
        is 100 + 50 = 150, the default for January and the same when given; as of 02-01 it is 175."""
        book = self.claims(
            ("X", "2026-01-10", "2026-01-10", "charge", 100.0),
            ("Y", "2026-01-31", "2026-01-31", "charge", 50.0),
            ("Z", "2026-02-01", "2026-02-01", "charge", 25.0),
        )
        ar = "days_in_ar"
        default = evaluate(book, JANUARY, metrics=[ar]).result(ar)
        assert (default.numerator, default.as_of) == (150.0, D(2026, 1, 31))
        assert evaluate(book, JANUARY, as_of=D(2026, 1, 31), metrics=[ar]).result(ar).numerator == 150.0
        assert evaluate(book, JANUARY, as_of=D(2026, 2, 1), metrics=[ar]).result(ar).numerator == 175.0

    def test_ninety_days_before_as_of_is_not_over_ninety_ninety_one_is(self) -> None:
        """As of 2026-04-01 (given, after January's last day): served 2026-01-01 is 90 days old, not
        over 90; served 2025-12-31 is 91, over 90. A/R over 90 is 100 of 100 + 300 = 25%."""
        book = self.claims(
            ("X", "2025-12-31", "2026-01-02", "charge", 100.0),
            ("Y", "2026-01-01", "2026-01-02", "charge", 300.0),
        )
        assert (D(2026, 4, 1) - D(2026, 1, 1)).days == 90
        result = evaluate(book, JANUARY, as_of=D(2026, 4, 1), metrics=["aged_ar_over_90"]).result(
            "aged_ar_over_90"
        )
        assert (result.value, result.numerator, result.denominator) == (25.0, 100.0, 400.0)
        a_day_later = evaluate(book, JANUARY, as_of=D(2026, 4, 2), metrics=["aged_ar_over_90"])
        assert a_day_later.result("aged_ar_over_90").value == 100.0

    def test_an_item_closed_on_as_of_is_not_open_at_its_close(self) -> None:
        """Backlog as of 01-31: W-a closed 01-31 is closed by the day's close (not open); W-b closed
        02-01 and W-c opened 01-31 (never closed) are open: 2. As of 02-01 only W-c: 1."""
        book = Book(
            work_items={
                "item_id": ["a", "b", "c"],
                "workflow": ["ar"] * 3,
                "team": ["t"] * 3,
                "opened": ["2026-01-05", "2026-01-05", "2026-01-31"],
                "closed": ["2026-01-31", "2026-02-01", None],
                "touches": [1, 1, 1],
                "escalated": [False] * 3,
            }
        )
        assert evaluate(book, JANUARY, metrics=["backlog"]).result("backlog").value == 2.0
        later = evaluate(book, JANUARY, as_of=D(2026, 2, 1), metrics=["backlog"])
        assert later.result("backlog").value == 1.0

    def test_as_of_before_the_last_day_is_refused_on_it_accepted(self, small: Book) -> None:
        """01-30 is refused at $.as_of, naming the rule and the last day; 01-31 is the default."""
        path, code, message = issue(lambda: evaluate(small, JANUARY, as_of=D(2026, 1, 30)))
        assert (path, code) == ("$.as_of", "range")
        assert message == (
            "'as_of' is the last day counted and must be on or after the period's last day 2026-01-31"
            " (got 2026-01-30)"
        )
        assert evaluate(small, JANUARY, as_of=D(2026, 1, 31)).as_of == D(2026, 1, 31)

    def test_the_last_date_of_the_calendar_is_refused_not_overflowed(self, small: Book) -> None:
        """The engine takes the day after as-of: 9999-12-31 is refused at $.as_of with the range."""
        path, code, message = issue(
            lambda: evaluate(small, Period(D(9999, 12, 30), D(9999, 12, 31)), as_of=D(9999, 12, 31))
        )
        assert (path, code) == ("$.as_of", "range")
        assert "between 0001-01-01 and 9999-12-30 (got 9999-12-31)" in message

    def test_measures_report_the_day_and_merge(self) -> None:
        """A partial reports the as-of day it counts through; two shards of it merge and score."""
        odd = Book(transactions={k: v[::2] for k, v in TRANSACTIONS.items()})
        even = Book(transactions={k: v[1::2] for k, v in TRANSACTIONS.items()})
        merged = measures(odd, JANUARY) + measures(even, JANUARY)
        assert merged.as_of == (D(2026, 1, 31),)
        whole = evaluate(Book(transactions=TRANSACTIONS), JANUARY, metrics=["days_in_ar"])
        card = Scorecard.from_measures(merged, ["days_in_ar"])
        assert card.as_of == D(2026, 1, 31)
        assert card.result("days_in_ar").value == pytest.approx(whole.result("days_in_ar").value)

    def test_trend_defaults_to_each_periods_last_day(self, small: Book) -> None:
        """Two ISO weeks: each scorecard is as of its Sunday, and the span's is the last Sunday."""
        weeks = (Period(D(2026, 1, 5), D(2026, 1, 12)), Period(D(2026, 1, 12), D(2026, 1, 19)))
        found = trend(small, weeks, metrics=["backlog"])
        assert [c.as_of for c in found.scorecards] == [D(2026, 1, 11), D(2026, 1, 18)]
        assert found.whole.as_of == D(2026, 1, 18)

    def test_the_renderings_say_the_days(self, small: Book) -> None:
        """Text, markdown, HTML and repr name the period's first and last day and the as-of day."""
        card = evaluate(small, JANUARY, as_of=D(2026, 2, 3), metrics=["backlog"])
        heading = "2026-01-01 to 2026-01-31 (as of the close of 2026-02-03)"
        assert card.to_text().splitlines()[0] == f"Scorecard {heading}"
        assert card.to_markdown().splitlines()[0] == (
            "**Scorecard 2026-01-01 to 2026-01-31** (as of the close of 2026-02-03)"
        )
        assert card._repr_html_().startswith(
            "<p><strong>Scorecard 2026-01-01 to 2026-01-31</strong> (as of the close of 2026-02-03)</p>"
        )
        assert repr(card).startswith("Scorecard(period=2026-01-01/2026-02-01, as_of=2026-02-03,")
        weeks = (Period(D(2026, 1, 5), D(2026, 1, 12)), Period(D(2026, 1, 12), D(2026, 1, 19)))
        found = trend(small, weeks, metrics=["backlog"])
        assert found.to_text().splitlines()[0] == (
            "Trend 2026-01-05 to 2026-01-18 (2 periods, the latest as of the close of 2026-01-18)"
        )
        assert found.to_markdown().splitlines()[0] == (
            "**Trend 2026-01-05 to 2026-01-18** (2 periods, the latest as of the close of 2026-01-18)"
        )
        assert repr(found) == "Trend(periods=2, span=2026-01-05/2026-01-19, as_of=2026-01-18, metrics=1)"
        one = trend(small, weeks[:1], metrics=["backlog"])
        assert "(1 period, the latest" in one.to_text()
