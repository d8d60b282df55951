"""The pyarrow path of the CSV reader gives exactly what the built-in reader gives, on any text."""

from __future__ import annotations

import datetime
import io

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.mapping import NumberFormat, TableMap
from comanaged_rcm.tables import Column, ColumnKind, read_csv

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
     "yes", "FALSE", "maybe", "7", "9" * 25, "Ann Lee", "é", ",", "\n", "\r\n", '"', '""', "\t"]
)  # fmt: skip


def _outcome(text: str, engine: str, **options: object) -> object:
    try:
        return read_csv(io.StringIO(text), COLUMNS, name="t.csv", engine=engine, **options)  # type: ignore[arg-type]
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
