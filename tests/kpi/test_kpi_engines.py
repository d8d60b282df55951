"""The same measures on every engine: numpy, DuckDB, polars lazy and Spark agree.

Every built-in measure under every convention option, over several slicings and periods, on
random synthetic books with a ledger and an extra dimension: the engines must give the same slices,
the same undefined measures with the same reasons, and values equal to 1e-9 relative (to the
book's largest total, so that a sum that cancels to near zero is compared on the scale of its terms).
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest

from comanaged_rcm.errors import ConventionError, ValidationError
from comanaged_rcm.kpi import CONVENTIONS, Book, LazyBook, MeasureSet, evaluate, trend
from comanaged_rcm.kpi._conventions import resolve
from comanaged_rcm.kpi._engine import compute_measures
from comanaged_rcm.kpi._lazy import compute_lazy
from comanaged_rcm.periods import Period
from comanaged_rcm.synthetic import generate_book
from tests.engines import polars_frame

duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")

RTOL = 1e-9
OPTIONS = [f"{family}:{option}" for family, options in CONVENTIONS.items() for option in options]
MONTHS = [Period.month(2026, m) for m in (3, 4, 5)]
SLICINGS: list[tuple[str, ...]] = [(), ("payer",), ("payer", "team"), ("location",)]
def _ledger(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    months = np.arange(np.datetime64("2025-10"), np.datetime64("2026-11")).astype("datetime64[D]")
    ledger: dict[str, Any] = {"month": months}
    for name in ("npsr", "cost_to_collect", "bad_debt", "charity", "net_ar", "dnfb", "gross_revenue"):
        ledger[name] = np.round(rng.uniform(1_000, 900_000, len(months)), 2)
    for name in ("patient_service_cash", "pos_cash", "patient_cash", "late_charges", "denial_write_offs"):
        ledger[name] = np.round(rng.uniform(0, 50_000, len(months)), 2)
    return ledger


def _tables(seed: int) -> dict[str, dict[str, Any]]:
    synthetic = generate_book(seed=seed, claims=400)
    tables = {t: dict(getattr(synthetic, t)) for t in ("transactions", "submissions", "work_items")}
    rng = np.random.default_rng(seed)
    n = len(tables["transactions"]["claim_id"])
    tables["transactions"]["location"] = rng.choice(np.array(["north", "south", ""]), n)
    tables["ledger"] = _ledger(seed)
    return tables


class Books:
    """One random book held in numpy, DuckDB, polars lazy and (when it can run) Spark."""

    def __init__(self, seed: int) -> None:
        tables = _tables(seed)
        self.numpy = Book(**tables)
        frames = {t: polars_frame(c) for t, c in tables.items()}
        self.frames = frames
        self.duckdb = LazyBook(**{t: duckdb.from_arrow(f.to_arrow()) for t, f in frames.items()})
        self.polars = LazyBook(**{t: f.lazy() for t, f in frames.items()})

    def spark(self, session: Any) -> LazyBook:
        return LazyBook(**{t: session.createDataFrame(f.to_arrow()) for t, f in self.frames.items()})


@pytest.fixture(scope="module", params=[11, 29])
def books(request: pytest.FixtureRequest) -> Books:
    return Books(int(request.param))


def assert_same(expected: MeasureSet, got: MeasureSet, context: str) -> None:
    """Same slices, gaps and values (1e-9 relative to the largest total of the request)."""
    assert got.slices == expected.slices, context
    assert dict(got.missing) == dict(expected.missing), context
    assert dict(got.unsliced) == dict(expected.unsliced), context
    assert (dict(got.months), got.booked) == (dict(expected.months), expected.booked), context
    assert set(got.totals) == set(expected.totals), context
    assert set(got.sliced) == set(expected.sliced), context
    scale = max([float(np.abs(a).max(initial=0.0)) for a in expected.totals.values()] + [1.0])
    for name, values in expected.totals.items():
        np.testing.assert_allclose(
            got.totals[name], values, rtol=RTOL, atol=RTOL * scale, err_msg=f"{context} {name}"
        )
    for name, values in expected.sliced.items():
        np.testing.assert_allclose(
            got.sliced[name], values, rtol=RTOL, atol=RTOL * scale, err_msg=f"{context} {name}"
        )


def _request(option: str) -> dict[str, Any]:
    family, choice = option.split(":")
    return resolve({family: choice}, "$.conventions")


class TestConformance:
    @pytest.mark.parametrize("option", OPTIONS)
    def test_every_option_and_slicing_on_duckdb_and_polars(self, books: Books, option: str) -> None:
        """Every measure under the option, by each slicing, over 3 months: DuckDB and polars equal numpy."""
        conventions = _request(option)
        as_of = [p.end for p in MONTHS]
        for by in SLICINGS:
            expected = compute_measures(books.numpy, MONTHS, as_of, by, conventions)
            for engine in (books.duckdb, books.polars):
                got = compute_lazy(engine, MONTHS, as_of, by, conventions)
                assert_same(expected, got, f"{option} by {by} on {engine.engine}")

    @pytest.mark.parametrize("per_claim", [True, False])
    def test_forced_paths_and_mid_month_as_of(self, books: Books, per_claim: bool) -> None:
        """The per-claim A/R path forced on or off, with as-of days inside a month (month-end gaps)."""
        conventions = resolve({}, "$.conventions")
        weeks = [Period(datetime.date(2026, 4, 6), datetime.date(2026, 4, 13)), Period.month(2026, 6)]
        as_of = [datetime.date(2026, 4, 16), datetime.date(2026, 7, 1)]
        for by in SLICINGS:
            expected = compute_measures(books.numpy, weeks, as_of, by, conventions, per_claim=per_claim)
            got = compute_lazy(books.duckdb, weeks, as_of, by, conventions, per_claim=per_claim)
            assert_same(expected, got, f"per_claim={per_claim} by {by}")
            assert expected.missing, "the mid-month as-of leaves the ledger balances undefined"

    def test_scorecards_and_trends_through_the_api(self, books: Books) -> None:
        """evaluate and trend take a LazyBook: the same values, reasons and rendering."""
        period = Period.month(2026, 4)
        card = evaluate(books.numpy, period, by=["payer"])
        lazy = evaluate(books.duckdb, period, by=["payer"])
        assert lazy.to_text() == card.to_text()
        assert (
            trend(books.duckdb, MONTHS, metrics=["days_in_ar"]).to_markdown()
            == trend(books.numpy, MONTHS, metrics=["days_in_ar"]).to_markdown()
        )

    def test_spark(self, spark: Any) -> None:
        """Spark in local mode: the per-claim options by payer, and every slicing under the defaults.

        Spark answers a query in about a second on two cores, so it runs the options that change
        the shape of the query (the per-claim steps, the monthly average), not all of them.
        """
        books = Books(11)
        engine = books.spark(spark)
        as_of = [p.end for p in MONTHS]
        shapes = ["credit_balances:excluded", "aging_anchor:bill_date", "aging_scope:billed_ar"]
        shapes += ["denial_denominator:prior_three_month_average"]
        requests = [(o, ("payer",)) for o in shapes if o in OPTIONS] + [(OPTIONS[0], by) for by in SLICINGS]
        assert len(requests) == 8
        for option, by in requests:
            conventions = _request(option)
            expected = compute_measures(books.numpy, MONTHS, as_of, by, conventions)
            got = compute_lazy(engine, MONTHS, as_of, by, conventions)
            assert_same(expected, got, f"{option} by {by} on spark")


def _tx(**changes: Any) -> Any:
    frame = pl.DataFrame(
        {
            "claim_id": ["C1", "C1"],
            "payer": ["A", "A"],
            "service_date": [datetime.date(2026, 1, 5)] * 2,
            "posting_date": [datetime.date(2026, 1, 5), datetime.date(2026, 1, 20)],
            "type": ["charge", "payment"],
            "amount": [200.0, 150.0],
        }
    )
    for name, values in changes.items():
        frame = frame.drop(name) if values is None else frame.with_columns(pl.Series(name, values))
    return duckdb.from_arrow(frame.to_arrow())


def _paths(error: ValidationError) -> list[str]:
    return [issue.path for issue in error.issues]


class TestRefusals:
    def test_a_required_column_missing(self) -> None:
        with pytest.raises(ValidationError) as info:
            LazyBook(transactions=_tx(amount=None))
        assert _paths(info.value) == ["$.transactions.amount"]
        assert "required column 'amount' is missing" in str(info.value)

    def test_a_column_of_the_wrong_type(self) -> None:
        with pytest.raises(ValidationError) as info:
            LazyBook(transactions=_tx(amount=["200", "150"], posting_date=["2026-01-05", "2026-01-20"]))
        assert _paths(info.value) == ["$.transactions.posting_date", "$.transactions.amount"]
        assert "must hold dates" in str(info.value)
        assert "(got text)" in str(info.value)

    def test_rows_are_checked_in_the_engine(self) -> None:
        """A negative amount, an unknown type and an empty payer: each rule with its row count."""
        book = LazyBook(transactions=_tx(amount=[-1.0, 150.0], type=["charge", "refnud"], payer=["A", None]))
        with pytest.raises(ValidationError) as info:
            evaluate(book, Period.month(2026, 1))
        message = str(info.value)
        assert sorted(_paths(info.value)) == [
            "$.transactions.amount",
            "$.transactions.payer",
            "$.transactions.type",
        ]
        assert "must be finite and not negative (1 row)" in message
        assert "must be one of charge" in message

    def test_a_clean_book_checks_once(self) -> None:
        book = LazyBook(transactions=_tx())
        book.check()
        book.check()
        assert evaluate(book, Period.month(2026, 1), metrics=["net_collection_rate"]).result(
            "net_collection_rate"
        ).value == pytest.approx(75.0)

    def test_a_write_off_without_reason(self) -> None:
        book = LazyBook(transactions=_tx(type=["charge", "write_off"]))
        with pytest.raises(ValidationError, match="write-offs need a reason"):
            book.check()

    def test_not_a_frame_and_no_table(self) -> None:
        with pytest.raises(ValidationError) as info:
            LazyBook(transactions=[1, 2])
        assert _paths(info.value) == ["$.transactions"]
        with pytest.raises(ValidationError, match="at least one table"):
            LazyBook()

    def test_tables_in_two_engines(self) -> None:
        with pytest.raises(ValidationError, match="one engine"):
            LazyBook(transactions=_tx(), ledger=pl.DataFrame({"month": [datetime.date(2026, 1, 1)]}).lazy())

    def test_a_dimension_of_reals_is_refused(self) -> None:
        book = LazyBook(transactions=_tx(score=[1.5, 2.5]))
        with pytest.raises(ValidationError) as info:
            evaluate(book, Period.month(2026, 1), by=["score"])
        assert _paths(info.value) == ["$.by[0]"]

    def test_no_table_has_the_dimension(self) -> None:
        with pytest.raises(ValidationError, match="no table of the book has every column"):
            evaluate(LazyBook(transactions=_tx()), Period.month(2026, 1), by=["region"])

    def test_an_option_no_kpi_reads_is_still_refused(self) -> None:
        with pytest.raises(ConventionError):
            evaluate(
                LazyBook(transactions=_tx()),
                Period.month(2026, 1),
                metrics=["net_collection_rate"],
                conventions={"aging_anchor": "bill_date"},
            )

    def test_duckdb_sources(self, tmp_path: Any) -> None:
        """Parquet files by glob, a table of a database file; a missing file and both sources refused."""
        frame = pl.from_arrow(_tx().to_arrow_table())
        (tmp_path / "tx").mkdir()
        frame.slice(0, 1).write_parquet(tmp_path / "tx" / "a.parquet")
        frame.slice(1, 1).write_parquet(tmp_path / "tx" / "b.parquet")
        book = LazyBook.duckdb(transactions=str(tmp_path / "tx" / "*.parquet"))
        value = evaluate(book, Period.month(2026, 1), metrics=["net_collection_rate"]).result(
            "net_collection_rate"
        )
        assert value.value == pytest.approx(75.0)
        database = tmp_path / "book.duckdb"
        with duckdb.connect(str(database)) as con:
            con.execute(
                "CREATE TABLE tx AS SELECT * FROM read_parquet(?)", [str(tmp_path / "tx" / "*.parquet")]
            )
        assert LazyBook.duckdb(transactions="tx", database=database).columns("transactions")[0] == "claim_id"
        with pytest.raises(ValidationError) as info:
            LazyBook.duckdb(transactions=str(tmp_path / "none" / "*.parquet"))
        assert _paths(info.value) == ["$.transactions"]
        with pytest.raises(ValidationError, match="not both"):
            LazyBook.duckdb(transactions="tx", database=database, connection=duckdb.connect())
        with pytest.raises(ValidationError, match=r"read CSV exports with kpi\.Book"):
            LazyBook.duckdb(transactions="ledger.csv")


def test_the_guides_spark_example_runs(spark: Any) -> None:
    """The Spark example of the engines guide runs as written (where Spark can run)."""
    from pathlib import Path  # noqa: PLC0415

    guide = Path(__file__).resolve().parents[2] / "docs" / "guides" / "engines.md"
    text = guide.read_text(encoding="utf-8")
    block = text.split("## Spark", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert "SparkSession.builder" in block
    assert spark is not None
    exec(compile(block, str(guide), "exec"), {})  # noqa: S102 - the guide's own example
