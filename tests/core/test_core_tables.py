"""The typed CSV reader: columns in, every bad cell out with line and column."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from comanaged_rcm import tables
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.tables import Column, ColumnKind, read_csv

COLUMNS = [
    Column("claim_id"),
    Column("amount", ColumnKind.NUMBER),
    Column("lines", ColumnKind.INTEGER),
    Column("posted", ColumnKind.DATE),
    Column("billed", ColumnKind.DATE, required=False, nullable=True),
    Column("clean", ColumnKind.BOOLEAN),
    Column("note", required=False, nullable=True),
]


class TestReadCsv:
    def test_typed_columns(self, tmp_path: Path) -> None:
        """Each kind becomes its numpy dtype; nullable dates are NaT; extras dropped unless kept."""
        path = tmp_path / "tx.csv"
        path.write_text(
            "claim_id,amount,lines,posted,billed,clean,location\n"
            "C1,10.5,2,2026-01-05,2026-01-06,yes,North\n"
            "\n"
            "C2,-3,1,2026-01-07,,FALSE,South\n",
            encoding="utf-8",
        )
        assert "location" not in read_csv(path, COLUMNS)
        cols = read_csv(path, COLUMNS, extras="keep")
        assert cols["claim_id"].tolist() == ["C1", "C2"]
        assert cols["amount"].dtype == np.float64
        assert cols["amount"].tolist() == [10.5, -3.0]
        assert cols["lines"].dtype == np.int64
        assert cols["posted"].dtype == np.dtype("datetime64[D]")
        assert np.isnat(cols["billed"]).tolist() == [False, True]
        assert cols["clean"].tolist() == [True, False]
        assert cols["location"].tolist() == ["North", "South"]
        assert "note" not in cols

    def test_every_bad_cell_is_reported(self) -> None:
        """All bad cells, each as file:line:column, and nothing is returned."""
        text = io.StringIO(
            "claim_id,amount,lines,posted,clean\n"
            "C1,ten,2,2026-01-05,yes\n"
            ",1,2.5,2026-13-01,maybe\n"
            "C3,inf,,2026-01-05,no\n"
        )
        with pytest.raises(ValidationError) as info:
            read_csv(text, COLUMNS, name="tx.csv")
        got = [(i.path, i.code) for i in info.value.issues]
        assert got == [
            ("tx.csv:3:claim_id", "empty"),
            ("tx.csv:amount", "cells"),
            ("tx.csv:2:amount", "type"),
            ("tx.csv:4:amount", "type"),
            ("tx.csv:lines", "cells"),
            ("tx.csv:3:lines", "type"),
            ("tx.csv:4:lines", "empty"),
            ("tx.csv:3:posted", "type"),
            ("tx.csv:3:clean", "type"),
        ]
        assert str(info.value).startswith("7 validation issues: expected a value (got an empty cell)")
        assert info.value.issues[1].message == "amount: 2 of 3 cells are not numbers (first at line 2: 'ten')"
        assert info.value.issues[4].message == (
            "lines: 2 of 3 cells are empty or not integers (first at line 3: '2.5')"
        )

    def test_missing_columns_and_ragged_rows(self) -> None:
        """A missing required header, and a row of the wrong width, are reported by line."""
        with pytest.raises(ValidationError) as info:
            read_csv(io.StringIO("claim_id\nC1\n"), COLUMNS, name="x.csv")
        assert "missing required column 'amount' (found 'claim_id')" in {i.message for i in info.value.issues}
        with pytest.raises(ValidationError) as info:
            read_csv(io.StringIO("claim_id\nC1,extra\n"), [Column("claim_id")], name="x.csv")
        assert info.value.issues[0].path == "x.csv:2"

    def test_empty_file(self) -> None:
        """No header row at all."""
        with pytest.raises(ValidationError, match="empty"):
            read_csv(io.StringIO(""), COLUMNS)

    def test_missing_file_is_an_os_error(self, tmp_path: Path) -> None:
        """A path that does not exist raises the usual FileNotFoundError (the CLI prints it as one line)."""
        with pytest.raises(FileNotFoundError):
            read_csv(tmp_path / "nope.csv", COLUMNS)


cells = st.one_of(
    st.sampled_from(
        ["", "-", ".", "1.", ".5", "-0", "007", "1e3", "nan", "inf", "NaT", "1_000", "+4", "--1"]
    ),
    st.sampled_from(["true", "False", "YES", "n", "1", "0", "maybe"]),
    st.sampled_from(["2026-01-05", "2026-13-01", "0000-01-01", "2026-01", "20260105", "2026-1-5x"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.dates().map(datetime.date.isoformat),
    st.text(alphabet="0123456789-.eE ", max_size=6),
)


class TestVectorizedAgrees:
    @given(st.lists(cells, min_size=1, max_size=12), st.sampled_from(list(tables.ColumnKind)), st.booleans())
    @example(values=["9" * 30], kind=ColumnKind.INTEGER, nullable=False)  # beyond int64
    @example(values=["9" * 400], kind=ColumnKind.NUMBER, nullable=False)  # beyond float64
    @example(values=["0000-01-01"], kind=ColumnKind.DATE, nullable=False)  # year 0: numpy only
    @example(values=[""], kind=ColumnKind.DATE, nullable=True)  # nothing but empty cells
    @example(values=[""], kind=ColumnKind.NUMBER, nullable=True)  # the same for numbers
    @example(values=["0 "], kind=ColumnKind.TEXT, nullable=False)  # stripping narrows the widest cell
    def test_quoted_and_bare_files_read_alike(
        self, values: list[str], kind: ColumnKind, nullable: bool
    ) -> None:
        """A file of bare cells (cut with numpy) and the same cells quoted (read by the csv module)
        give the same arrays, or the same issues, on any mix of good and bad cells."""
        column = Column("c", kind, nullable=nullable)
        source = [Column("k"), column]
        bare = "k,c\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))
        quoted = "k,c\n" + "".join(f'{i},"{v}"\n' for i, v in enumerate(values))
        outcomes: list[object] = []
        for text in (bare, quoted):
            try:
                outcomes.append(read_csv(io.StringIO(text), source, name="t.csv", engine="builtin")["c"])
            except ValidationError as exc:
                outcomes.append(str(exc))
        if isinstance(outcomes[0], str) or isinstance(outcomes[1], str):
            assert outcomes[0] == outcomes[1]
            return
        assert isinstance(outcomes[0], np.ndarray)
        assert isinstance(outcomes[1], np.ndarray)
        assert outcomes[0].dtype == outcomes[1].dtype
        np.testing.assert_array_equal(outcomes[0], outcomes[1])
