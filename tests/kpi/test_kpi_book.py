"""Book validation: every problem reported once, with its table and column path."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi import Book
from tests.kpi.conftest import SUBMISSIONS, TRANSACTIONS, WORK_ITEMS


def issues(**tables: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        Book(**tables)  # type: ignore[arg-type]
    return [(i.path, i.code) for i in caught.value.issues]


def tx(**changes: object) -> dict[str, object]:
    return {**TRANSACTIONS, **changes}


class TestBookValidation:
    def test_accepts_dates_in_three_forms(self) -> None:
        """datetime64 arrays, datetime.date objects and ISO strings all become datetime64[D]."""
        n = len(TRANSACTIONS["claim_id"])
        dates = np.array(TRANSACTIONS["service_date"], dtype="datetime64[D]")
        book = Book(
            transactions=tx(
                service_date=dates.astype("datetime64[s]"),
                posting_date=[datetime.date.fromisoformat(d) for d in TRANSACTIONS["posting_date"]],
            )
        )
        assert book.transactions is not None
        assert book.transactions["service_date"].dtype == np.dtype("datetime64[D]")
        assert book.rows("transactions") == n
        assert repr(book) == f"Book(transactions={n})"
        assert book.rows("ledger") == 0

    def test_unknown_category_values(self) -> None:
        """Unknown type and outcome values name the table and column."""
        assert issues(transactions=tx(type=["chrage"] * 14)) == [("$.transactions.type", "value")]
        subs = {**SUBMISSIONS, "outcome": ["won"] * 9}
        assert issues(submissions=subs) == [("$.submissions.outcome", "value")]

    def test_wrong_dtypes(self) -> None:
        """Text where numbers belong, floats where counts belong, ints where flags belong, bad dates."""
        assert issues(transactions=tx(amount=["x"] * 14)) == [("$.transactions.amount", "type")]
        subs = {**SUBMISSIONS, "lines": [1.5] * 9, "clean": [1] * 9}
        assert issues(submissions=subs) == [("$.submissions.lines", "type"), ("$.submissions.clean", "type")]
        assert issues(transactions=tx(service_date=["2026-13-01"] * 14)) == [
            ("$.transactions.service_date", "type")
        ]
        assert issues(transactions=tx(service_date=[1.0] * 14)) == [("$.transactions.service_date", "type")]
        assert issues(transactions=tx(payer=[1] * 14)) == [("$.transactions.payer", "type")]
        assert issues(transactions=tx(payer=[object()] * 14)) == [("$.transactions.payer", "type")]
        assert issues(transactions=tx(payer=[["a"]] * 14)) == [("$.transactions.payer", "shape")]

    def test_ranges_and_missing_values(self) -> None:
        """Negative or infinite amounts, missing required dates and empty required text."""
        assert issues(transactions=tx(amount=[-1.0] * 14)) == [("$.transactions.amount", "range")]
        assert issues(transactions=tx(amount=[float("inf")] * 14)) == [("$.transactions.amount", "range")]
        assert issues(transactions=tx(posting_date=[None] * 14)) == [
            ("$.transactions.posting_date", "missing")
        ]
        assert issues(transactions=tx(payer=[""] * 14)) == [("$.transactions.payer", "missing")]
        assert issues(transactions=tx(payer=[None] * 14)) == [("$.transactions.payer", "missing")]

    def test_missing_columns_and_length_mismatch(self) -> None:
        """Missing required columns and columns of different lengths are listed together."""
        broken = {k: v for k, v in TRANSACTIONS.items() if k != "amount"}
        broken["payer"] = broken["payer"][:3]
        assert issues(transactions=broken) == [
            ("$.transactions.amount", "missing"),
            ("$.transactions.payer", "length"),
        ]
        assert issues(transactions=[1, 2]) == [("$.transactions", "type")]
        found = issues(transactions={1: [1]})
        assert ("$.transactions", "type") in found
        assert ("$.transactions.claim_id", "missing") in found

    def test_row_rules(self) -> None:
        """Write-offs need a reason; adjudicated submissions a date; seq >= 1; denied lines within
        lines; items closed after they opened; ledger months on the 1st."""
        no_reason = tx(write_off_reason=[""] * 14)
        assert issues(transactions=no_reason) == [("$.transactions.write_off_reason", "missing")]
        plain = {k: v for k, v in TRANSACTIONS.items() if k != "write_off_reason"}
        assert issues(transactions=plain) == [("$.transactions.write_off_reason", "missing")]
        subs = {**SUBMISSIONS, "adjudicated_date": [None] * 9, "seq": [0] * 9, "denied_lines": [9] * 9}
        assert issues(submissions=subs) == [
            ("$.submissions.adjudicated_date", "missing"),
            ("$.submissions.seq", "range"),
            ("$.submissions.denied_lines", "range"),
        ]
        items = {**WORK_ITEMS, "closed": ["2020-01-01"] * 5}
        assert issues(work_items=items) == [("$.work_items.closed", "range")]
        assert issues(ledger={"month": ["2026-01-02"], "npsr": [1.0]}) == [("$.ledger.month", "range")]

    def test_partial_dates_and_times_of_day_are_refused(self) -> None:
        """A month ("2026-01"), a year or a date with a time is not a date: numpy would read the
        first two as the 1st and drop the time, so each is refused at its column with its row."""
        for bad in ("2026-01", "2026", "2026-01-05T10:00"):
            dates = list(TRANSACTIONS["service_date"])
            dates[3] = bad
            with pytest.raises(ValidationError) as caught:
                Book(transactions=tx(service_date=dates))
            (issue,) = caught.value.issues
            assert (issue.path, issue.code) == ("$.transactions.service_date", "type")
            assert f"got {bad!r} in row 3" in issue.message
        mixed = np.array([datetime.date(2026, 1, 5), "2026-01"] + [None] * 12, dtype=object)
        assert issues(transactions=tx(billed_date=mixed)) == [("$.transactions.billed_date", "type")]
        numbers = np.array([20260105] + [None] * 13, dtype=object)  # not a count of days since 1970
        assert issues(transactions=tx(billed_date=numbers)) == [("$.transactions.billed_date", "type")]
        objects = np.array(
            [datetime.date(2026, 1, 5), np.datetime64("2026-01-06")] + [None] * 12, dtype=object
        )
        book = Book(transactions=tx(billed_date=objects))
        assert book.transactions is not None
        assert book.transactions["billed_date"][:2].tolist() == [
            datetime.date(2026, 1, 5),
            datetime.date(2026, 1, 6),
        ]

    def test_denied_charges_within_charges(self) -> None:
        """Denied dollars cannot exceed the charges billed, as denied lines cannot exceed lines."""
        subs = {**SUBMISSIONS, "denied_charges": [1e9] * 9}
        assert issues(submissions=subs) == [("$.submissions.denied_charges", "range")]

    def test_bytes_that_are_not_ascii_are_refused(self) -> None:
        """Bytes text is decoded as ASCII; other bytes are a type issue at the column."""
        payers = np.array([b"\xff"] + [b"A"] * 13)
        assert issues(transactions=tx(payer=payers)) == [("$.transactions.payer", "type")]
        book = Book(transactions=tx(payer=np.array([b"A"] * 14)))
        assert book.codes("transactions", "payer")[0].tolist() == ["A"]

    def test_codes_of_an_unknown_table_or_column(self) -> None:
        """Book.codes names what it does not have instead of a KeyError."""
        book = Book(transactions=TRANSACTIONS)
        for table, column, path in (
            ("transactions", "nope", "$.column"),
            ("ledger", "month", "$.table"),
            ("orders", "x", "$.table"),
        ):
            with pytest.raises(ValidationError) as caught:
                book.codes(table, column)
            assert caught.value.issues[0].path == path

    def test_tables_cannot_be_changed_after_validation(self) -> None:
        """A Book's tables are read-only mappings of read-only arrays: neither a column nor a cell
        can be replaced, so what the engine keeps from the book stays true."""
        book = Book(transactions=TRANSACTIONS)
        assert book.transactions is not None
        with pytest.raises(TypeError):
            book.transactions["amount"] = np.zeros(14)  # type: ignore[index]
        with pytest.raises(ValueError, match="read-only"):
            book.transactions["amount"][0] = 5.0

    def test_extra_columns_pass_through_as_text(self) -> None:
        """A location column is kept as text and can slice."""
        book = Book(transactions=tx(location=["north"] * 7 + ["south"] * 7))
        assert book.transactions is not None
        assert book.transactions["location"].dtype.kind == "U"
        assert book.codes("transactions", "location")[0].tolist() == ["north", "south"]


class _Frame:
    """The little of a data frame a Book needs: ``columns`` and ``frame[name]``."""

    def __init__(self, data: dict[str, list[object]]) -> None:
        self.data = data
        self.columns = list(data)

    def __getitem__(self, name: str) -> list[object]:
        return self.data[name]


class TestBookInputs:
    def test_data_frames_are_read_column_by_column(self) -> None:
        """A pandas frame is read; an object that only looks like one (``columns``, ``[name]``) is refused."""
        import pandas as pd  # noqa: PLC0415 - only this test needs pandas

        book = Book(transactions=pd.DataFrame(TRANSACTIONS))
        assert book.rows("transactions") == len(TRANSACTIONS["claim_id"])
        with pytest.raises(ValidationError, match=r"or a data frame .*\(got .*_Frame\) @ \$\.transactions"):
            Book(transactions=_Frame(TRANSACTIONS))

    def test_extra_numeric_dimensions_become_text(self) -> None:
        """An extra provider column of integers is kept as text, so it can slice."""
        book = Book(transactions=tx(provider=[7] * 7 + [12] * 7))
        assert book.codes("transactions", "provider")[0].tolist() == ["12", "7"]
