"""CSV export: the exact column names, plain cells, streamed in chunks, read back to equal arrays."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest

from comanaged_rcm.kpi._book import csv_columns
from comanaged_rcm.synthetic import CSV_FILES, WORKFLOWS, SyntheticBook, audit, write_csv
from comanaged_rcm.synthetic import _export as export
from comanaged_rcm.tables import Column, ColumnKind, read_csv

EXTRA = {
    "submissions": (Column("carc", nullable=True),),
    "transactions": (),
    "work_items": (Column("claim_id"), Column("balance", ColumnKind.NUMBER)),
}


def columns_of(table: str) -> list[Column]:
    """The read_csv columns of a table: the KPI schema's kinds, plus the book's extra columns."""
    base = [attrs.evolve(c, required=True) for c in csv_columns(table)]
    return base + list(EXTRA[table])


def assert_same(read: dict[str, np.ndarray], written: dict[str, np.ndarray]) -> None:
    assert list(read) == list(written)
    for name, values in written.items():
        got = read[name]
        if values.dtype.kind == "M":
            assert np.array_equal(np.isnat(got), np.isnat(values)), name
            assert np.array_equal(got[~np.isnat(got)], values[~np.isnat(values)]), name
        else:
            assert got.dtype.kind == values.dtype.kind, name
            assert np.array_equal(got, values), name


class TestWriteCsv:
    def test_round_trip(self, small_book: SyntheticBook, tmp_path: Path) -> None:
        """Each file reads back, with the KPI schema's column kinds, to arrays equal to the book's."""
        paths = write_csv(small_book, tmp_path / "new" / "dir")
        assert {name: p.name for name, p in paths.items()} == {
            "transactions": "transactions.csv", "submissions": "submissions.csv",
            "work_items": "work_items.csv", "audits": "audits.csv",
        }  # fmt: skip
        for stem, table in CSV_FILES.items():
            if table != "audits":
                assert_same(read_csv(paths[stem], columns_of(table)), small_book.tables()[table])

    def test_audits_hold_the_auditor_finding_of_every_item(
        self, small_book: SyntheticBook, tmp_path: Path
    ) -> None:
        """audits.csv has one row per work item, in the book's order, with the auditor's finding."""
        paths = write_csv(small_book, tmp_path)
        audits = [Column("item_id"), Column("workflow"), Column("error", ColumnKind.BOOLEAN)]
        read = read_csv(paths["audits"], audits)
        items = small_book.work_items
        assert np.array_equal(read["item_id"], items["item_id"])
        assert np.array_equal(read["workflow"], items["workflow"])
        for workflow in WORKFLOWS:
            mine = items["workflow"] == workflow
            expected = audit(small_book, workflow, items["item_id"][mine])
            assert np.array_equal(read["error"][mine], expected), workflow
        assert read["error"].any()
        assert paths["audits"].read_text(encoding="utf-8").splitlines()[0] == "item_id,workflow,error"

    def test_round_trip_across_chunks(
        self, small_book: SyntheticBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Chunked writing gives the same file as one chunk."""
        whole = write_csv(small_book, tmp_path / "whole")
        monkeypatch.setattr(export, "CHUNK_ROWS", 7)
        chunked = write_csv(small_book, tmp_path / "chunked")
        for stem in CSV_FILES:
            assert chunked[stem].read_bytes() == whole[stem].read_bytes()

    def test_cell_formats(self, small_book: SyntheticBook, tmp_path: Path) -> None:
        """ISO dates, empty missing cells, true/false, two decimals, the exact header."""
        paths = write_csv(small_book, tmp_path)
        lines = paths["transactions"].read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join(small_book.transactions)
        assert len(lines) == 1 + small_book.transactions["amount"].size
        row = lines[1].split(",")
        assert row[3].count("-") == 2
        assert len(row[6].split(".")[1]) == 2
        claims = paths["submissions"].read_text(encoding="utf-8")
        assert ",true," in claims
        assert ",false," in claims
        assert ",," in claims or claims.splitlines()[1].endswith(",")

    def test_quoting_missing_numbers_and_empty_tables(self) -> None:
        """Text with commas or quotes is quoted; NaN is an empty cell; a table without columns is empty."""
        columns: dict[str, np.ndarray[Any, Any]] = {
            "name": np.array(["plain", "a,b", 'say "hi"']),
            "amount": np.array([1.5, np.nan, -12.3]),
            "count": np.array([1, 2, 3], dtype=np.uint8),
        }
        out = io.StringIO()
        export._write(out, columns)
        assert out.getvalue() == 'name,amount,count\nplain,1.50,1\n"a,b",,2\n"say ""hi""",-12.30,3\n'
        read = read_csv(
            io.StringIO(out.getvalue()),
            [
                Column("name"),
                Column("amount", ColumnKind.NUMBER, nullable=True),
                Column("count", ColumnKind.INTEGER),
            ],
        )
        assert read["name"].tolist() == columns["name"].tolist()
        empty = io.StringIO()
        export._write(empty, {})
        assert empty.getvalue() == "\n"
