"""Any data frame in: pandas, polars (eager and lazy), pyarrow and Arrow streams give the Book that
numpy arrays give, with missing cells explicit, and everything else is refused at its path."""

from __future__ import annotations

import datetime
import decimal
import io
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm import _frames
from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.kpi import TRANSACTION_TYPES, WRITE_OFF_REASONS, Book
from comanaged_rcm.mapping import ExportMap, NumberFormat, TableMap
from comanaged_rcm.serialize import converter

D = datetime.date


def issue(call: Callable[[], object]) -> tuple[str, str, str]:
    """``(path, code, message)`` of the first issue of the ValidationError ``call`` raises."""
    with pytest.raises(ValidationError) as caught:
        call()
    first = caught.value.issues[0]
    return first.path, first.code, first.message


# ------------------------------------------------------------------------------- random books
_DAYS = st.dates(D(2025, 1, 1), D(2026, 12, 31))


@st.composite
def rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A few transactions: ids and payers of few values, billed dates sometimes missing."""
    found = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(TRANSACTION_TYPES))
        found.append(
            {
                "claim_id": draw(st.sampled_from(["C1", "C2", "C3"])),
                "payer": draw(st.sampled_from(["Aetna", "Cigna"])),
                "team": draw(st.sampled_from(["t1", "t2"])),
                "service_date": draw(_DAYS),
                "posting_date": draw(_DAYS),
                "type": kind,
                "amount": draw(st.floats(0, 1e6, allow_nan=False)),
                "write_off_reason": draw(st.sampled_from(WRITE_OFF_REASONS)) if kind == "write_off" else None,
                "billed_date": draw(st.none() | _DAYS),
            }
        )
    return found


def as_numpy(records: list[dict[str, Any]]) -> dict[str, np.ndarray[Any, Any]]:
    """The reference: a mapping of numpy arrays, missing cells as "" and NaT."""

    def cells(name: str) -> list[Any]:
        return [r[name] for r in records]

    return {
        "claim_id": np.array(cells("claim_id")),
        "payer": np.array(cells("payer")),
        "team": np.array(cells("team")),
        "service_date": np.array(cells("service_date"), dtype="datetime64[D]"),
        "posting_date": np.array(cells("posting_date"), dtype="datetime64[D]"),
        "type": np.array(cells("type")),
        "amount": np.array(cells("amount"), dtype=np.float64),
        "write_off_reason": np.array([c or "" for c in cells("write_off_reason")]),
        "billed_date": np.array(
            [c or np.datetime64("NaT") for c in cells("billed_date")], dtype="datetime64[D]"
        ),
    }


def as_pandas(records: list[dict[str, Any]], missing: object) -> pd.DataFrame:
    """A pandas frame of nullable dtypes, missing text as ``missing`` (NaN, pd.NA or None)."""
    frame = pd.DataFrame(records)
    frame["team"] = frame["team"].astype("category")
    frame["payer"] = frame["payer"].astype("string[pyarrow]")
    frame["service_date"] = pd.to_datetime(frame["service_date"])  # datetime64 at midnight
    frame["posting_date"] = pd.array(list(frame["posting_date"]), dtype=pd.ArrowDtype(pa.date32()))
    frame["amount"] = frame["amount"].astype("Float64")
    frame["write_off_reason"] = pd.Series(
        [missing if r["write_off_reason"] is None else r["write_off_reason"] for r in records], dtype=object
    )
    frame["billed_date"] = pd.to_datetime(pd.Series([r["billed_date"] for r in records]))  # NaT
    return frame


def as_polars(records: list[dict[str, Any]]) -> pl.DataFrame:
    """A polars frame: nulls for missing cells, an Enum team and a Categorical payer."""
    frame = pl.DataFrame(records, schema_overrides={"billed_date": pl.Date, "write_off_reason": pl.String})
    return frame.with_columns(
        pl.col("team").cast(pl.Enum(["t1", "t2"])), pl.col("payer").cast(pl.Categorical)
    )


def as_arrow(records: list[dict[str, Any]]) -> pa.Table:
    """A pyarrow table: the payer dictionary-encoded, nulls for missing cells."""
    table = pa.Table.from_pylist(records)
    payer = table.column("payer").dictionary_encode()
    return table.set_column(table.schema.get_field_index("payer"), "payer", payer)


def assert_same_book(book: Book, expected: Book) -> None:
    assert book.transactions is not None
    assert expected.transactions is not None
    assert list(book.transactions) == list(expected.transactions)
    for name, column in expected.transactions.items():
        np.testing.assert_array_equal(book.transactions[name], column, strict=True, err_msg=name)
    for name in ("claim_id", "payer", "type", "write_off_reason"):
        for got, want in zip(
            book.codes("transactions", name), expected.codes("transactions", name), strict=True
        ):
            np.testing.assert_array_equal(got, want)


class TestSameBook:
    @given(rows(), st.sampled_from([float("nan"), pd.NA, None]))
    def test_pandas(self, records: list[dict[str, Any]], missing: object) -> None:
        """A pandas frame of nullable dtypes (NaN, pd.NA, None, NaT) is the book of numpy arrays."""
        expected = Book(transactions=as_numpy(records))
        assert_same_book(Book(transactions=as_pandas(records, missing)), expected)

    @given(rows())
    def test_polars_eager_and_lazy(self, records: list[dict[str, Any]]) -> None:
        """A polars DataFrame, and a LazyFrame (collected), are the book of numpy arrays."""
        expected = Book(transactions=as_numpy(records))
        assert_same_book(Book(transactions=as_polars(records)), expected)
        assert_same_book(Book(transactions=as_polars(records).lazy()), expected)

    @given(rows())
    def test_arrow_table_batch_and_stream(self, records: list[dict[str, Any]]) -> None:
        """A pyarrow Table, a RecordBatch and a bare Arrow stream are the book of numpy arrays."""
        expected = Book(transactions=as_numpy(records))
        table = as_arrow(records)
        assert_same_book(Book(transactions=table), expected)
        assert_same_book(Book(transactions=table.combine_chunks().to_batches()[0]), expected)
        assert_same_book(Book(transactions=_Stream(table)), expected)


class _Stream:
    """Only the Arrow PyCapsule stream protocol: no library's own type."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self.table.__arrow_c_stream__(requested_schema)


_CSV = """claim_id,payer,team,service_date,posting_date,type,amount,write_off_reason,billed_date
C1,Aetna,t1,2026-01-05,2026-01-06,charge,100,,2026-01-07
C1,Aetna,t1,2026-01-05,2026-01-09,write_off,10,denial,
"""


class TestRegressions:
    def test_read_csv_frame_with_nan_in_nullable_columns(self) -> None:
        """A frame straight from pd.read_csv reads: its empty reason and bill date are NaN."""
        frame = pd.read_csv(io.StringIO(_CSV))
        book = Book(transactions=frame)
        assert book.transactions is not None
        assert book.transactions["write_off_reason"].tolist() == ["", "denial"]
        assert np.isnat(book.transactions["billed_date"]).tolist() == [False, True]

    def test_arrow_table_is_read(self) -> None:
        """A pyarrow Table is read (it raised a raw TypeError before)."""
        book = Book(transactions=pa.Table.from_pandas(pd.read_csv(io.StringIO(_CSV))))
        assert book.rows("transactions") == 2

    def test_arrow_dictionary_keeps_its_nulls(self) -> None:
        """A dictionary column's nulls stay missing (numpy conversion of dictionaries fills them)."""
        table = pa.Table.from_pandas(pd.read_csv(io.StringIO(_CSV)))
        reasons = pa.array([None, "denial"]).dictionary_encode()
        book = Book(transactions=table.set_column(7, "write_off_reason", reasons))
        assert book.transactions is not None
        assert book.transactions["write_off_reason"].tolist() == ["", "denial"]

    def test_decimals_objects_and_enums(self) -> None:
        """Decimal amounts are numbers, a pandas object column of dates is dates, an Enum its values."""
        table = pa.Table.from_pandas(pd.read_csv(io.StringIO(_CSV)))
        amounts = pa.array([decimal.Decimal("100.25"), decimal.Decimal("10.00")], type=pa.decimal128(18, 2))
        book = Book(transactions=table.set_column(6, "amount", amounts))
        assert book.transactions is not None
        assert book.transactions["amount"].tolist() == [100.25, 10.0]
        frame = _frame(service_date=[D(2026, 1, 5), D(2026, 1, 5)], team=["t1", None])
        book = Book(transactions=pl.from_pandas(_frame()).with_columns(pl.col("team").cast(pl.Enum(["t1"]))))
        assert book.transactions is not None
        assert book.transactions["team"].tolist() == ["t1", "t1"]
        path, code, _ = issue(lambda: Book(transactions=frame))
        assert (path, code) == ("$.transactions.team", "missing")
        assert Book(transactions=frame.assign(team="t")).rows("transactions") == 2

    def test_extra_frame_columns_are_text_dimensions(self) -> None:
        """Without a map, a frame's extra integer column is a text dimension; its nulls are empty."""
        frame = pd.read_csv(io.StringIO(_CSV)).assign(provider=pd.array([7, None], dtype="Int64"))
        book = Book(transactions=frame)
        assert book.transactions is not None
        assert book.transactions["provider"].tolist() == ["7", ""]


def _frame(**changes: object) -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(_CSV))
    for name, values in changes.items():
        frame[name] = values
    return frame


class TestRefusals:
    @pytest.mark.parametrize(
        ("column", "values", "row"),
        [
            ("amount", [100.0, np.nan], 1),
            ("amount", pd.array([None, 10.0], dtype="Float64"), 0),
            ("claim_id", pd.array(["C1", pd.NA], dtype="string"), 1),
            ("posting_date", pd.to_datetime(["2026-01-06", None]), 1),
        ],
    )
    def test_missing_where_not_nullable(self, column: str, values: object, row: int) -> None:
        """A missing cell where the column is not nullable is refused with the column and first row."""
        path, code, message = issue(lambda: Book(transactions=_frame(**{column: values})))
        assert (path, code) == (f"$.transactions.{column}", "missing")
        assert f"(row {row}" in message

    def test_missing_count_in_polars(self) -> None:
        """A null in a polars integer count column is refused, not read as 0."""
        frame = pl.DataFrame(
            {
                "item_id": ["a", "b"],
                "workflow": ["w", "w"],
                "team": ["t", "t"],
                "opened": [D(2026, 1, 1)] * 2,
                "closed": [None, None],
                "touches": [1, None],
                "escalated": [False, True],
            }
        )
        path, code, message = issue(lambda: Book(work_items=frame))
        assert (path, code) == ("$.work_items.touches", "missing")
        assert "row 1; 1 rows" in message

    def test_aware_datetimes_are_not_dates(self) -> None:
        """A time-zone aware column is refused for a date column, naming its zone, in any library."""
        aware = pd.to_datetime(["2026-01-05", "2026-01-05"]).tz_localize("America/New_York")
        for frame in (_frame(service_date=aware), pl.from_pandas(_frame(service_date=aware))):
            path, code, message = issue(lambda frame=frame: Book(transactions=frame))  # type: ignore[misc]
            assert (path, code) == ("$.transactions.service_date", "type")
            assert "not time-zone aware datetimes (America/New_York)" in message

    def test_time_of_day_is_refused(self) -> None:
        """A naive datetime with a time of day is refused, never cut to its date."""
        timed = pd.to_datetime(["2026-01-05 10:30", "2026-01-05 00:00"])
        path, code, message = issue(lambda: Book(transactions=_frame(service_date=timed)))
        assert (path, code) == ("$.transactions.service_date", "type")
        assert "expected whole days" in message

    def test_unread_types(self) -> None:
        """A list or duration column is refused at its path, naming its type."""
        table = pa.Table.from_pandas(_frame()).append_column("tags", pa.array([[1], [2]]))
        path, code, message = issue(lambda: Book(transactions=table))
        assert (path, code) == ("$.transactions.tags", "type")
        assert "type List(Int64) is not read" in message
        frame = pl.from_pandas(_frame()).with_columns(pl.duration(days=pl.col("amount")).alias("amount"))
        path, code, message = issue(lambda: Book(transactions=frame))
        assert (path, code) == ("$.transactions.amount", "type")
        assert "Duration" in message

    def test_duplicate_column_names(self) -> None:
        """A pandas frame with a repeated column name is refused, not read as the last copy."""
        frame = pd.concat([_frame(), _frame()[["amount"]]], axis=1)
        path, code, message = issue(lambda: Book(transactions=frame))
        assert (path, code) == ("$.transactions", "duplicate")
        assert "'amount'" in message

    @pytest.mark.parametrize(
        ("table", "shown"),
        [
            (pd.Series([1, 2]), "pandas.Series"),
            (pl.Series([1, 2]), "polars.Series"),
            (pa.array([1, 2]), "pyarrow.Int64Array"),
            (5, "int"),
            ("claims.csv", "str"),
            ([{"claim_id": "C1"}], "list"),
        ],
    )
    def test_not_a_table(self, table: object, shown: str) -> None:
        """Anything but a mapping or a data frame is refused at the table, naming its type."""
        path, code, message = issue(lambda: Book(transactions=table))  # type: ignore[arg-type]
        assert (path, code) == ("$.transactions", "type")
        assert message.endswith(f"(got {shown})")
        assert "expected a mapping of column name to array, or a data frame" in message

    def test_without_narwhals(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without narwhals a frame is refused naming the extra; a mapping still reads."""
        monkeypatch.setitem(sys.modules, "narwhals", None)
        with pytest.raises(RCMError, match=r"pip install 'comanaged-rcm\[frames\]'"):
            Book(transactions=_frame())
        assert Book(transactions=_frame().to_dict("list")).rows("transactions") == 2

    def test_arrow_stream_without_a_library(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A bare Arrow stream needs pyarrow or polars to hold it: the error names the extra."""
        stream = _Stream(pa.Table.from_pandas(_frame()))
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        monkeypatch.setitem(sys.modules, "polars", None)
        with pytest.raises(RCMError, match=r"comanaged-rcm\[arrow\]"):
            Book(transactions=stream)


class TestColumnsOf:
    def test_mapping_as_it_is(self) -> None:
        """A mapping is returned itself, untouched."""
        columns = {"a": np.array([1.0])}
        assert _frames.columns_of(columns, "$.facts") is columns

    def test_missing_cells_as_the_evaluators_read_them(self) -> None:
        """NaN in numbers, "" in text, NaT in dates, None among booleans; categories as values."""
        frame = pl.DataFrame(
            {
                "n": [1, None],
                "x": [0.5, None],
                "t": ["a", None],
                "c": pl.Series(["u", None], dtype=pl.Categorical),
                "d": [D(2026, 1, 1), None],
                "b": [True, None],
                "k": [True, False],
            }
        )
        columns = _frames.columns_of(frame, "$.facts")
        assert columns["n"].dtype == np.float64
        assert np.isnan(columns["n"]).tolist() == [False, True]
        assert np.isnan(columns["x"]).tolist() == [False, True]
        assert columns["t"].tolist() == ["a", ""]
        assert columns["c"].tolist() == ["u", ""]
        assert columns["d"].astype(str).tolist() == ["2026-01-01", "NaT"]
        assert columns["b"].tolist() == [True, None]
        assert columns["k"].dtype == np.bool_
        assert columns_equal(_frames.columns_of(pd.DataFrame({"n": [1, 2]}), "$"), {"n": [1, 2]})

    def test_refusals(self) -> None:
        """A non-frame is refused at the path; an aware column at its own, never shifted to UTC."""
        assert issue(lambda: _frames.columns_of([1, 2], "$.facts"))[:2] == ("$.facts", "type")
        aware = pd.DataFrame({"at": pd.to_datetime(["2026-01-05"]).tz_localize("UTC")})
        path, code, message = issue(lambda: _frames.columns_of(aware, "$.facts"))
        assert (path, code) == ("$.facts.at", "type")
        assert "time-zone aware datetimes (UTC)" in message

    def test_pandas_zones_narwhals_does_not_parse(self) -> None:
        """A pandas column in America/New_York is aware in its zone, and converts on request."""
        local = pd.to_datetime(["2026-01-05 22:00", None]).tz_localize("America/New_York")
        frame = _frames.open_frame(pd.DataFrame({"at": local}), "$")
        assert frame.read()["at"].zone == "America/New_York"
        read = frame.read(zone="Asia/Tokyo")["at"]
        assert read.zone is None
        assert read.values.astype(str).tolist() == ["2026-01-06T12:00:00.000000", "NaT"]  # noqa: PD011

    def test_zone_conversion_on_request(self) -> None:
        """Asked for a zone, aware datetimes are read as that zone's wall-clock times."""
        aware = pd.DataFrame({"at": pd.to_datetime(["2026-01-05 03:00"]).tz_localize("UTC")})
        read = _frames.open_frame(aware, "$").read(zone="America/New_York")["at"]
        assert read.zone is None
        assert str(read.values.tolist()[0]) == "2026-01-04 22:00:00"  # noqa: PD011 - a numpy array

    def test_lazy_frame_selects_before_collecting(self) -> None:
        """A LazyFrame reads only the columns asked for."""
        lazy = pl.LazyFrame({"a": [1], "b": ["x"]})
        frame = _frames.open_frame(lazy, "$")
        assert frame.names == ("a", "b")
        assert list(frame.read(["b"])) == ["b"]


def columns_equal(got: object, want: dict[str, list[object]]) -> bool:
    assert isinstance(got, dict)
    return {k: v.tolist() for k, v in got.items()} == want


class TestImportLightness:
    def test_mapping_of_arrays_imports_no_frame_library(self) -> None:
        """A Book of numpy arrays, its scorecard and its rendering import no data-frame library."""
        script = textwrap.dedent(
            """
            import sys
            import numpy as np
            from comanaged_rcm.kpi import Book, evaluate
            from comanaged_rcm.periods import Period
            book = Book(transactions={
                "claim_id": np.array(["C1"]), "payer": np.array(["A"]),
                "service_date": np.array(["2026-01-05"], dtype="datetime64[D]"),
                "posting_date": np.array(["2026-01-06"], dtype="datetime64[D]"),
                "type": np.array(["charge"]), "amount": np.array([1.0])})
            evaluate(book, Period.month(2026, 1)).to_text()
            frames = ("narwhals", "pandas", "polars", "pyarrow", "duckdb")
            print(sorted(m for m in frames if m in sys.modules))
            """
        )
        done = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed snippet
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "[]"


_EXPORT = {
    "Claim #": ["C1", "C1", "C2"],
    "Payer Name": ["Aetna", "aetna ", "Cigna"],
    "DOS": ["03/15/2024", "03/15/2024", "03/16/2024"],
    "Post Date": ["03/20/2024", "04/02/2024", "03/21/2024"],
    "Trans Type": ["CHG", "PMT", "CHG"],
    "Amount": ["$1,250.00", "50.00", "$300"],
    "Location": ["north", "north", "south"],
    "Patient Name": ["J. Doe", "J. Doe", "A. Roe"],
}
_MAP = ExportMap(
    tables={
        "transactions": TableMap(
            columns={
                "claim_id": "Claim #",
                "payer": "Payer Name",
                "service_date": "DOS",
                "posting_date": "Post Date",
                "type": "Trans Type",
                "amount": "Amount",
            },
            date_format="%m/%d/%Y",
            number_format=NumberFormat(),
            values={"type": {"CHG": "charge", "PMT": "payment"}},
            fold_case=("payer",),
            keep=("Location",),
        )
    }
)
_PLAIN = {
    "claim_id": ["C1", "C1", "C2"],
    "payer": ["aetna", "aetna", "cigna"],
    "service_date": ["2024-03-15", "2024-03-15", "2024-03-16"],
    "posting_date": ["2024-03-20", "2024-04-02", "2024-03-21"],
    "type": ["charge", "payment", "charge"],
    "amount": [1250.0, 50.0, 300.0],
    "Location": ["north", "north", "south"],
}


class TestFromTables:
    def test_without_a_map_it_is_the_book(self) -> None:
        """Without a map, from_tables is Book(**tables): extra columns are text dimensions."""
        tables = {"transactions": pd.read_csv(io.StringIO(_CSV))}
        assert_same_book(Book.from_tables(tables), Book(**tables))

    @pytest.mark.parametrize(
        "convert",
        [dict, pd.DataFrame, pl.DataFrame, lambda d: pl.DataFrame(d).lazy(), pa.table],
        ids=["mapping", "pandas", "polars", "lazy", "arrow"],
    )
    def test_a_messy_export_through_its_map(self, convert: Callable[[dict[str, list[str]]], Any]) -> None:
        """Renamed, reformatted, coded and mixed-case columns read as the plain book, in any library.

        The patient's name is dropped at the edge; the kept location is a dimension.
        """
        book = Book.from_tables({"transactions": convert(_EXPORT)}, mapping=_MAP)
        expected = Book(transactions=_PLAIN)
        assert book.transactions is not None
        assert "Patient Name" not in book.transactions
        assert sorted(book.transactions) == sorted(_PLAIN)
        assert book.notes == ("payer: 'Aetna' and 'aetna ' were folded into 'aetna'",)
        for name in _PLAIN:
            np.testing.assert_array_equal(book.transactions[name], expected.transactions[name])  # type: ignore[index]

    def test_lazy_frame_collects_only_what_is_read(self) -> None:
        """A column outside the map is never computed: a lazy column that cannot be collected is dropped."""
        lazy = pl.DataFrame(_EXPORT).lazy().with_columns(pl.col("Patient Name").str.to_integer())
        book = Book.from_tables({"transactions": lazy}, mapping=_MAP)
        assert book.rows("transactions") == 3

    def test_bad_cells_are_counted_per_column(self) -> None:
        """Every bad date and number is counted, the first located, per column, all at once."""
        export = dict(_EXPORT, DOS=["2024-03-15", "03/15/2024", "02/30/2024"], Amount=["1,25", "$1", "x"])
        with pytest.raises(ValidationError) as caught:
            Book.from_tables({"transactions": export}, mapping=_MAP)
        found = {i.path: i.message for i in caught.value.issues}
        assert found["$.transactions.service_date"] == (
            "2 of 3 cells are not dates written %m/%d/%Y (first at row 0: '2024-03-15')"
        )
        assert found["$.transactions.amount"].startswith("2 of 3 cells are not numbers")
        assert "(first at row 0: '1,25')" in found["$.transactions.amount"]

    def test_missing_column_names_the_closest(self) -> None:
        """A column the map cannot find is listed with the columns found and the closest match."""
        export = {k if k != "DOS" else "D.O.S.": v for k, v in _EXPORT.items()}
        path, code, message = issue(lambda: Book.from_tables({"transactions": export}, mapping=_MAP))
        assert (path, code) == ("$.transactions", "missing_column")
        assert "'DOS'" in message
        assert "'D.O.S.'" in message

    def test_empty_numbers_are_missing(self) -> None:
        """An empty amount is a missing cell, refused with its row; never a zero."""
        export = dict(_EXPORT, Amount=["$1", "", "$2"])
        path, code, message = issue(lambda: Book.from_tables({"transactions": export}, mapping=_MAP))
        assert (path, code) == ("$.transactions.amount", "missing")
        assert "(row 1; 1 rows)" in message

    def test_datetimes_in_a_zone_and_times_of_day(self) -> None:
        """Aware datetimes read as the map's zone's dates; naive times of day as their dates when asked."""
        frame = (
            pl.DataFrame(_PLAIN)
            .with_columns(
                pl.col("service_date").str.to_datetime().dt.replace_time_zone("UTC").dt.offset_by("2h"),
                (pl.col("posting_date").str.to_datetime() + pl.duration(hours=10)),
            )
            .drop("Location")
        )
        zoned = ExportMap(tables={"transactions": TableMap(time_zone="America/New_York", time_of_day=True)})
        book = Book.from_tables({"transactions": frame}, mapping=zoned)
        assert book.transactions is not None
        assert book.transactions["service_date"].astype(str).tolist() == [
            "2024-03-14",
            "2024-03-14",
            "2024-03-15",
        ]
        assert book.transactions["posting_date"].astype(str).tolist()[0] == "2024-03-20"

    def test_typed_columns_pass_through(self) -> None:
        """Dates, numbers and flags already typed are read as they are; object text with gaps too."""
        work_items = pd.DataFrame(
            {
                "item_id": ["a", "b"],
                "workflow": pd.Series(["w", None], dtype=object),
                "team": ["t", "t"],
                "opened": pd.to_datetime(["2026-01-01", "2026-01-02"]),
                "closed": [None, "2026-01-05"],
                "touches": [1, 2],
                "escalated": [False, True],
            }
        )
        document = ExportMap(tables={"work_items": TableMap(values={"workflow": {"w": "ar"}})})
        path, code, _ = issue(lambda: Book.from_tables({"work_items": work_items}, mapping=document))
        assert (path, code) == ("$.work_items.workflow", "missing")
        book = Book.from_tables(
            {"work_items": work_items.assign(workflow="w"), "transactions": None}, mapping=document
        )
        assert book.work_items is not None
        assert book.transactions is None
        assert book.work_items["workflow"].tolist() == ["ar", "ar"]
        assert book.work_items["closed"].astype(str).tolist() == ["NaT", "2026-01-05"]
        assert book.work_items["touches"].tolist() == [1, 2]

    def test_refusals(self) -> None:
        """An unknown table or a map of the wrong type is refused at its argument."""
        assert issue(lambda: Book.from_tables({"claims": {}}))[:2] == ("$.tables", "choice")
        assert issue(lambda: Book.from_tables({}, mapping={}))[:2] == ("$.mapping", "type")  # type: ignore[arg-type]
        assert issue(lambda: Book.from_tables([]))[:2] == ("$.tables", "type")  # type: ignore[arg-type]
        path, code, _ = issue(lambda: Book.from_tables({"transactions": 5}, mapping=_MAP))  # type: ignore[dict-item]
        assert (path, code) == ("$.transactions", "type")
        numbered = pd.DataFrame({0: [1]})
        path, code, message = issue(lambda: Book.from_tables({"transactions": numbered}, mapping=_MAP))
        assert (path, code, message) == ("$.transactions", "type", "column names must be strings (got 0)")


class TestTables:
    def test_every_kind_in_every_library(self) -> None:
        """Flags, integers, dates and aware datetimes keep their type and nulls in each library."""
        at = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
        table = _frames.build(
            [
                ("flag", _frames.Column.flag([True, False])),
                ("count", _frames.Column.integer([1, None])),
                ("day", _frames.Column.date([D(2026, 1, 5), None])),
                ("at", _frames.Column.moment([at, None], "$.at")),
            ],
            "$",
        )
        assert table.to_polars().to_dicts() == [
            {"flag": True, "count": 1, "day": D(2026, 1, 5), "at": at},
            {"flag": False, "count": None, "day": None, "at": None},
        ]
        assert table.to_arrow().to_pylist() == table.to_polars().to_dicts()
        frame = table.to_pandas()
        assert [str(t) for t in frame.dtypes] == ["boolean", "Int64", "datetime64[s]", "datetime64[us, UTC]"]
        assert frame["count"].isna().tolist() == [False, True]

    def test_stacking(self) -> None:
        """Tables stack when their columns agree; no tables stack to an empty one."""
        one = _frames.Table({"a": _frames.Column.text(["x"])})
        assert _frames.concat([], "$").rows == 0
        assert _frames.concat([one, one], "$").to_polars()["a"].to_list() == ["x", "x"]
        other = _frames.Table({"b": _frames.Column.text(["x"])})
        assert issue(lambda: _frames.concat([one, other], "$.cards"))[:2] == ("$.cards", "value")

    def test_text_without_pyarrow(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without pyarrow a frame's text is read cell by cell, to the same book."""
        frame = pl.from_pandas(pd.read_csv(io.StringIO(_CSV)))
        expected = Book(transactions=frame)
        monkeypatch.setitem(sys.modules, "pyarrow.compute", None)
        assert_same_book(Book(transactions=frame), expected)

    def test_array_documents(self) -> None:
        """An array field reads a list of numbers and nulls; anything else is refused."""
        floats = np.ndarray[Any, np.dtype[np.float64]]
        assert np.isnan(converter.structure([[1, None]], floats)).tolist() == [[False, True]]
        assert converter.structure([1, 2], np.ndarray[Any, np.dtype[np.int64]]).dtype == np.int64
        for bad in ("1", [[1], [2, 3]], [["1"]]):
            with pytest.raises(TypeError):
                converter.structure(bad, floats)
