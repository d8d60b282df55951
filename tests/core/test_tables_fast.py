"""The pyarrow path of the CSV reader gives exactly what the built-in reader gives, on any text."""

from __future__ import annotations

import datetime
import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm import tables
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.mapping import NumberFormat, TableMap
from comanaged_rcm.tables import Column, ColumnKind, read_csv

pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")

COLUMNS = [
    Column("claim_id"),
    Column("service_date", ColumnKind.DATE),
    Column("billed_date", ColumnKind.DATE, required=False, nullable=True),
    Column("amount", ColumnKind.NUMBER),
    Column("lines", ColumnKind.INTEGER, required=False),
    Column("clean", ColumnKind.BOOLEAN, required=False),
    Column("note", required=False, nullable=True),
]

pieces = st.sampled_from(
    ["claim_id", "service_date", "billed_date", "amount", "lines", "clean", "note", "Other", "C1", " c2 ",
     "2026-01-05", "2026-02-30", "01/05/2026", "", " ", "1.5", "-3", "1e3", "+4", "inf", "$1,250.00",
     "yes", "FALSE", "maybe", "7", "9" * 25, "Ann Lee", "é", ",", "\n", "\r\n", '"', '""', "\t",
     "\r", "nan", "infinity", "0x1", "--1", "1_000", "9" * 400, "0000-01-01", " 2026-01-05", "+2026-01-05",
     "\u0661\u0662", "\u00a0", "\x1c", "\u2003x", "1.", ".5", "-0", "True", "y", "N"]
)  # fmt: skip


def _outcome(text: str, engine: str, columns: list[Column] = COLUMNS, **options: object) -> object:
    try:
        return read_csv(io.StringIO(text), columns, name="t.csv", engine=engine, **options)  # type: ignore[arg-type]
    except ValidationError as exc:
        return str(exc)


def _same(left: object, right: object) -> None:
    if isinstance(left, str) or isinstance(right, str):
        assert left == right
        return
    assert isinstance(left, dict)
    assert isinstance(right, dict)
    assert list(left) == list(right)
    for key, values in left.items():
        assert values.dtype == right[key].dtype, key
        np.testing.assert_array_equal(values, right[key])


class TestEnginesAgree:
    @given(st.lists(pieces, max_size=60).map("".join), st.sampled_from(["drop", "keep"]))
    def test_any_text(self, body: str, extras: str) -> None:
        """Any text, well formed or not: the same arrays or the same error from both engines."""
        text = "claim_id,service_date,amount,billed_date\n" + body
        _same(_outcome(text, "pyarrow", extras=extras), _outcome(text, "builtin", extras=extras))

    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["C1", "c1", " Aetna ", "x,y", 'say "hi"']),
                st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31)),
                st.one_of(st.none(), st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31))),
                st.floats(-1e7, 1e7, allow_nan=False).map(lambda x: round(x, 2)),
            ),
            max_size=30,
        )
    )
    def test_mapped_export_reads_as_the_iso_file(
        self, rows: list[tuple[str, datetime.date, datetime.date | None, float]]
    ) -> None:
        """An export renamed (case-changed headers), with US dates, $ amounts with separators and codes,
        read with its TableMap, gives the arrays of the ISO file read without one, by either engine."""

        def quote(cell: str) -> str:
            return '"' + cell.replace('"', '""') + '"'

        iso = ["claim_id,service_date,billed_date,amount"]
        export = ["CLAIM #,dos,Bill Date,Amt,Patient"]
        for claim, service, billed, amount in rows:
            iso.append(f"{quote(claim)},{service},{billed or ''},{amount!r}")
            money = f"${abs(amount):,.2f}" if amount >= 0 else f"(${abs(amount):,.2f})"
            us = billed.strftime("%m/%d/%Y") if billed else ""
            export.append(f"{quote(claim)},{service:%m/%d/%Y},{us},{quote(money)},Ann Lee")
        table = TableMap(
            columns={
                "claim_id": "Claim #",
                "service_date": "DOS",
                "billed_date": "bill date",
                "amount": "AMT",
            },
            date_format="%m/%d/%Y",
            number_format=NumberFormat(),
        )
        expected = _outcome("\n".join(iso) + "\n", "builtin")
        for engine in ("builtin", "pyarrow"):
            got = _outcome("\n".join(export) + "\n", engine, mapping=table)
            _same(got, expected)


HEADERS = st.sampled_from(
    [
        "claim_id,service_date,amount,billed_date",
        "claim_id,lines,clean,service_date,amount,note",
        "note,billed_date,amount,claim_id,service_date,",
        "Claim #,DOS,Amt,Bill Date,Patient",
    ]
)
MAPS = st.sampled_from(
    [
        None,
        TableMap(fold_case=("claim_id",), values={"note": {"C1": "first"}}),
        TableMap(
            columns={
                "claim_id": "Claim #",
                "service_date": "DOS",
                "amount": "Amt",
                "billed_date": "Bill Date",
            },
            date_format="%m/%d/%Y",
            number_format=NumberFormat(),
        ),
        TableMap(time_of_day=True),
    ]
)
NULLABLE = [
    Column("note", nullable=True),
    Column("billed_date", ColumnKind.DATE, nullable=True),
    Column("amount", ColumnKind.NUMBER, nullable=True),
]


class TestEveryRoute:
    @given(HEADERS, st.lists(pieces, max_size=60).map("".join), MAPS)
    def test_any_header_text_and_map(self, header: str, body: str, mapping: TableMap | None) -> None:
        """Integers, booleans, value maps, case folding, formats and times of day (converted once per
        distinct value on the arrow path) and an unnamed column: the same arrays or error."""
        text = header + "\n" + body
        _same(_outcome(text, "pyarrow", mapping=mapping), _outcome(text, "builtin", mapping=mapping))

    @given(st.lists(pieces, max_size=60).map("".join))
    def test_blank_rows_of_nullable_columns(self, body: str) -> None:
        """When every column may be empty a row of blank cells is skipped by both engines alike."""
        text = "note,billed_date,amount,other\n" + body
        _same(_outcome(text, "pyarrow", NULLABLE), _outcome(text, "builtin", NULLABLE))

    @pytest.mark.parametrize(
        "body",
        [
            ",,,\n,,,\n",
            " , , ,\nx,,,\n",
            ",,,keep\n",
            "a,,,\n,,,\nb,2026-01-05,1.5,\n",
            '"",,"",\n',
            ",,,\n" * 3,
        ],
    )
    def test_blank_rows_examples(self, body: str) -> None:
        """Rows of empty or quoted-empty cells, alone, between others, or with a value in a dropped column."""
        text = "note,billed_date,amount,other\n" + body
        _same(_outcome(text, "pyarrow", NULLABLE), _outcome(text, "builtin", NULLABLE))

    @pytest.mark.parametrize(
        ("cell", "kind"),
        [
            ("+4", ColumnKind.NUMBER),
            ("inf", ColumnKind.NUMBER),
            ("NaN", ColumnKind.NUMBER),
            ("1e400", ColumnKind.NUMBER),
            ("0000-01-01", ColumnKind.DATE),
            ("0x1", ColumnKind.INTEGER),
            ("+4", ColumnKind.INTEGER),
            ("maybe", ColumnKind.BOOLEAN),
            ("", ColumnKind.DATE),
            ("", ColumnKind.NUMBER),
        ],
    )
    def test_arrow_reads_more_than_the_built_in_reader(self, cell: str, kind: ColumnKind) -> None:
        """Cells arrow's own parsers take (a plus sign, inf, nan, year 0, hex) or an empty cell where
        none is allowed are refused by both engines with the same located issue."""
        columns = [Column("k"), Column("c", kind)]
        text = f"k,c\na,1\nb,{cell}\n".replace(",1\n", ",2026-01-05\n" if kind is ColumnKind.DATE else ",1\n")
        got = _outcome(text, "pyarrow", columns)
        assert isinstance(got, str)
        assert "t.csv:3:c" in got
        assert got == _outcome(text, "builtin", columns)

    def test_plus_in_another_column(self) -> None:
        """A ``+`` in a text column has plain numbers read exactly, as text converted once per value."""
        text = "k,c\n+1 555 0100,12.5\nx,-3\n"
        columns = [Column("k"), Column("c", ColumnKind.NUMBER)]
        got = _outcome(text, "pyarrow", columns)
        assert isinstance(got, dict)
        assert got["c"].tolist() == [12.5, -3.0]
        assert got["k"].tolist() == ["+1 555 0100", "x"]

    def test_many_chunks(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A file arrow parses in many blocks (chunks with their own offsets) reads as the built-in
        reader reads it: text of mixed widths and scripts, repeated codes, dates with gaps."""
        monkeypatch.setattr(tables, "_BLOCK", 512)
        rows = ["claim_id,service_date,amount,billed_date,note"]
        for i in range(400):
            note = ["", "Ann Lee", " café ", "x" * (i % 13), "\u00a0pad\u00a0"][i % 5]
            billed = "" if i % 3 else f"2026-02-{i % 28 + 1:02d}"
            rows.append(f"C{i % 37},2026-01-{i % 28 + 1:02d},{i * 1.25},{billed},{note}")
        text = "\n".join(rows) + "\n"
        got = _outcome(text, "pyarrow")
        assert isinstance(got, dict)
        _same(got, _outcome(text, "builtin"))
        assert got["note"].dtype == np.dtype("<U12")
        assert got["note"][2] == "café"


class TestArrowText:
    def test_whitespace_is_what_str_strip_removes(self) -> None:
        """The characters trimmed from arrow's cells are exactly those ``str.strip`` removes."""
        assert set(tables._WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}

    @given(
        st.lists(
            st.lists(
                st.text(alphabet=st.sampled_from(" \t\x1cab\u00e9\u00a0\u3000\U0001f600,z"), max_size=6)
            ),
            max_size=4,
        ),
        st.integers(0, 2),
    )
    def test_text_and_distinct_values(self, chunks: list[list[str]], cut: int) -> None:
        """Arrow text of any chunking (sliced chunks, empty ones, any script) becomes the stripped
        numpy text the built-in reader makes, as wide as its longest cell; its distinct values and
        indices give the same cells back."""
        arrays = [pa.array(chunk, pa.string()).slice(min(cut, len(chunk))) for chunk in chunks]
        chunked = pa.chunked_array(arrays, pa.string())
        cells = [cell for array in arrays for cell in array.to_pylist()]
        expected = np.char.strip(np.array(cells, dtype=str)) if cells else np.zeros(0, dtype="<U1")
        text = tables._arrow_text(pc, chunked)
        np.testing.assert_array_equal(text, expected)
        longest = max((len(cell.strip()) for cell in cells), default=0)
        assert text.dtype == np.dtype(f"<U{max(longest, 1)}")
        words, indices = tables._arrow_distinct(pc, chunked)
        np.testing.assert_array_equal(words[indices] if len(indices) else text, text)
        assert len(set(words.tolist())) <= len(words)
