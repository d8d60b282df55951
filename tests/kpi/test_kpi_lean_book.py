"""The lean Book: text kept as narrow codes and their values, typed extra fields, the ledger's columns."""

from __future__ import annotations

import io
from typing import Any, cast

import numpy as np
import pytest

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi import SCHEMAS, TRANSACTION_TYPES, Book, Field, FieldKind, _book, trend
from comanaged_rcm.kpi._book import csv_columns
from comanaged_rcm.mapping import ExportMap, NumberFormat, TableMap
from comanaged_rcm.periods import Cadence
from comanaged_rcm.tables import read_csv
from tests.kpi.conftest import JANUARY, LEDGER, SUBMISSIONS, TRANSACTIONS, WORK_ITEMS

ALLOWED = Field(name="allowed", kind=FieldKind.NUMBER)


def held(book: Book, table: str) -> dict[str, np.ndarray]:
    """The arrays a table of ``book`` keeps, by column (a text column's are its codes)."""
    return dict(cast("Any", book.table(table))._arrays)


def work_items(location: np.ndarray) -> dict[str, object]:
    """Work items of ``len(location)`` rows with a ``location`` dimension."""
    n = len(location)
    return {
        "item_id": [f"i{i}" for i in range(n)],
        "workflow": ["w"] * n,
        "team": ["t"] * n,
        "opened": ["2026-01-01"] * n,
        "closed": [None] * n,
        "touches": [1] * n,
        "escalated": [False] * n,
        "location": location,
    }


def issues(**tables: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(ValidationError) as caught:
        Book(**tables)
    return [(i.path, i.code, i.message) for i in caught.value.issues]


class TestCodedColumns:
    @pytest.mark.parametrize(("values", "dtype"), [(1, np.uint8), (256, np.uint8), (257, np.uint16)])
    def test_codes_are_as_narrow_as_the_count_of_values(self, values: int, dtype: type) -> None:
        """256 distinct values code in uint8, 257 in uint16: each side of the edge."""
        location = np.array([f"L{i:03d}" for i in range(values)] * 2)
        book = Book(work_items=work_items(location))
        uniques, inverse = book.codes("work_items", "location")
        assert inverse.dtype == dtype
        assert held(book, "work_items")["location"] is inverse
        assert uniques.tolist() == sorted(set(location.tolist()))
        assert np.array_equal(uniques[inverse], location)

    @pytest.mark.parametrize(
        ("size", "dtype"),
        [(0, np.uint8), (256, np.uint8), (257, np.uint16), (65_536, np.uint16), (65_537, np.uint32)],
    )
    def test_narrowest_type_at_each_edge(self, size: int, dtype: type) -> None:
        """The code type holds exactly the codes 0 .. size - 1: uint8 to 256 values, uint16 to 65,536."""
        codes = np.arange(min(size, 3), dtype=np.intp)
        assert _book._narrow(codes, size).dtype == dtype

    def test_a_code_column_of_the_narrowest_type_is_kept_as_it_is(self) -> None:
        """Codes that are already of their narrowest type are not converted again."""
        codes = np.array([0, 2, 1], dtype=np.uint8)
        assert _book._narrow(codes, 3) is codes

    def test_no_text_of_the_rows_is_kept(self) -> None:
        """Every text column is held as unsigned codes; only the distinct values are text."""
        book = Book(transactions=TRANSACTIONS, submissions=SUBMISSIONS, work_items=WORK_ITEMS, ledger=LEDGER)
        for table in SCHEMAS:
            text = {f.name for f in SCHEMAS[table] if f.kind is FieldKind.TEXT}
            kept = held(book, table)
            assert {name for name in text if name in kept} == {
                name for name, array in kept.items() if array.dtype.kind == "u"
            }, table
            for name in text & set(kept):
                uniques, inverse = book.codes(table, name)
                assert kept[name] is inverse
                assert len(uniques) == len(set(uniques.tolist())) <= len(inverse)

    def test_the_mapping_decodes_anew_on_each_access(self) -> None:
        """``book.transactions[name]`` is the text as given, read-only, made on access and not kept."""
        book = Book(transactions=TRANSACTIONS)
        columns = book.transactions
        assert columns is not None
        first, again = columns["payer"], columns["payer"]
        assert first.tolist() == again.tolist() == TRANSACTIONS["payer"]
        assert first is not again
        assert not first.flags.writeable
        assert columns["amount"] is columns["amount"]  # numbers are kept: the same array each time
        assert list(columns) == list(TRANSACTIONS)
        assert len(columns) == len(TRANSACTIONS)
        assert "payer" in columns
        assert "location" not in columns
        assert cast("Any", 3) not in columns
        assert columns.get("location") is None
        assert repr(columns) == f"<table of 14 rows: {', '.join(TRANSACTIONS)}>"
        assert book.rows("transactions") == 14

    def test_the_sizes_kept_are_codes_values_and_columns(self) -> None:
        """What a table keeps adds up to one byte a row per coded column, its values, and 8 per number."""
        n = 1000
        location = np.array(["north", "south", "east", "west"] * (n // 4))
        book = Book(work_items=work_items(location))
        table = cast("Any", book.work_items)
        kept = sum(array.nbytes for array in table.kept())
        values = sum(
            book.codes("work_items", c)[0].nbytes for c in ("item_id", "workflow", "team", "location")
        )
        # item_id: 1000 values in uint16; workflow, team, location: uint8; two dates and a count: 8
        # bytes; a flag: 1 byte
        assert kept == n * 2 + 3 * n + 3 * 8 * n + n + values
        assert book.codes("work_items", "location")[0].nbytes == 4 * 4 * 5  # four values of <U5

    def test_a_rollup_leaves_only_narrow_codes_behind_in_the_book(self) -> None:
        """What rolling up by payer codes in the book is a byte a row at most; flags are their own codes."""
        book = Book(transactions=TRANSACTIONS, submissions=SUBMISSIONS)
        before = set(cast("Any", book)._codes)
        trend(book, Cadence.weekly().periods_ending(JANUARY.end, 4), by=["payer"])
        after = cast("Any", book)._codes
        for key in set(after) - before:
            assert after[key][1].dtype == np.uint8, key
        if ("submissions", "clean") in after:
            assert np.shares_memory(after["submissions", "clean"][1], cast("Any", book.submissions)["clean"])

    @pytest.mark.parametrize(
        "values",
        [
            np.array([True, False, True]),
            np.array([True, True]),
            np.array([False, False]),
            np.zeros(0, dtype=bool),
            np.array([3, 0, 3, 10**12]),
            np.array([5, 3, 5, 9], dtype=np.uint64),
            np.array([2.5, 0.5, 2.5]),
            np.array(["2026-01-03", "2026-01-01", "2026-01-03"], dtype="datetime64[D]"),
            np.array(["2026-01-03", "NaT", "2026-01-01", "NaT"], dtype="datetime64[D]"),
        ],
    )
    def test_codes_of_other_columns_are_np_unique(self, values: np.ndarray) -> None:
        """Flags, counts in a narrow or a wide span, numbers and dates (NaT too) code as np.unique does."""
        uniques, inverse = _book._value_codes(values)
        expected, expected_inverse = np.unique(values, return_inverse=True)
        np.testing.assert_array_equal(uniques, expected)
        assert uniques.dtype == expected.dtype
        assert inverse.dtype == np.uint8
        np.testing.assert_array_equal(inverse, expected_inverse.reshape(-1))

    def test_flags_of_both_values_are_their_own_codes(self) -> None:
        """A flag column with both values codes as itself, viewed as bytes, with no copy."""
        flags = np.array([True, False, True])
        assert np.shares_memory(_book._value_codes(flags)[1], flags)
        assert not np.shares_memory(_book._value_codes(flags[:1])[1], flags)  # True alone: codes 0

    def test_codes_of_a_date_column_are_computed_once_narrow(self) -> None:
        """A column that is not text codes on first use, narrow, and the same arrays come back."""
        book = Book(transactions=TRANSACTIONS)
        uniques, inverse = book.codes("transactions", "posting_date")
        assert inverse.dtype == np.uint8
        assert book.codes("transactions", "posting_date")[1] is inverse
        assert np.array_equal(uniques[inverse], np.array(TRANSACTIONS["posting_date"], dtype="datetime64[D]"))

    def test_a_books_table_makes_the_same_book(self) -> None:
        """A table of one book given to another gives the same columns and codes."""
        book = Book(transactions=TRANSACTIONS)
        again = Book(transactions=book.transactions)
        for column in TRANSACTIONS:
            np.testing.assert_array_equal(
                cast("Any", again.transactions)[column], cast("Any", book.transactions)[column]
            )
        assert (
            again.codes("transactions", "type")[0].tolist() == book.codes("transactions", "type")[0].tolist()
        )


class TestTellingWords:
    def test_few_long_strings_are_found_by_the_words_that_tell_them_apart(self) -> None:
        """Rows of a few long values, and rare ones that differ only in words the hash skips, code exactly."""
        common = np.array(["contractual_adjustment", "charge", "payment"] * 100_000)  # every 4th row sampled
        rare = ["contractual_adjustmenT", "chargeX", "paymenT"]  # the same first words as a common one
        values = common.copy().astype("<U22")
        values[[5, 77_777, 119_998]] = rare
        uniques, inverse = _book._factorize(values)
        expected, expected_inverse = np.unique(values, return_inverse=True)
        assert uniques.tolist() == expected.tolist()
        assert np.array_equal(inverse, expected_inverse)

    def test_the_fewest_telling_words(self) -> None:
        """One word tells these apart; strings that differ only past three words have no short hash."""
        words = np.array(["charge", "credit", "payment"]).view(np.uint32).reshape(3, -1)
        telling = _book._telling(words)
        assert telling is not None
        assert telling.columns == (1,)
        alike = np.array(["aaaa1", "aaaa2", "aaab1", "aaab2", "aaba1", "abaa1", "baaa1"])
        assert _book._telling(alike.view(np.uint32).reshape(len(alike), -1)) is None
        assert _book._telling(np.zeros((2, 0), dtype=np.uint32)) is None


class TestCodedInput:
    def test_another_books_codes_are_kept_as_they_are(self) -> None:
        """A Book's table given to a new Book brings its codes: the same read-only arrays, not decoded."""
        book = Book(transactions=TRANSACTIONS)
        again = Book(transactions=book.transactions)
        for column in ("claim_id", "payer", "type", "write_off_reason"):
            assert again.codes("transactions", column)[1] is book.codes("transactions", column)[1]

    def test_another_books_text_read_as_a_typed_field(self) -> None:
        """A text dimension of one book is read cell by cell where the next book types it as dates."""
        days = ["2026-01-05", "2026-01-06"] * 7
        book = Book(transactions={**TRANSACTIONS, "visit": days})
        typed = Book(
            transactions=book.transactions,
            fields={"transactions": (Field(name="visit", kind=FieldKind.DATE),)},
        )
        assert typed.transactions is not None
        assert typed.transactions["visit"].dtype == np.dtype("datetime64[D]")
        assert typed.transactions["visit"].astype(str).tolist() == days

    def test_a_pandas_categorical_is_renumbered_not_decoded(self) -> None:
        """Unsorted and unused categories, and missing cells where allowed, code as np.unique of the text."""
        pd = pytest.importorskip("pandas")
        payer = pd.Categorical(TRANSACTIONS["payer"], categories=["Z", "B", "A"])
        reason = pd.Series([r or None for r in TRANSACTIONS["write_off_reason"]], dtype="category")
        book = Book(transactions={**TRANSACTIONS, "payer": payer, "write_off_reason": reason})
        for column in ("payer", "write_off_reason"):
            uniques, inverse = book.codes("transactions", column)
            expected, expected_inverse = np.unique(TRANSACTIONS[column], return_inverse=True)
            assert uniques.tolist() == expected.tolist()
            assert inverse.dtype == np.uint8
            assert inverse.tolist() == expected_inverse.tolist()

    def test_a_pandas_categorical_is_checked_as_text_is(self) -> None:
        """A missing cell where none may be, and an unknown value, are refused with their rows."""
        pd = pytest.importorskip("pandas")
        assert issues(transactions={**TRANSACTIONS, "payer": pd.Categorical(["A", None] * 7)}) == [
            ("$.transactions.payer", "missing", "must not be empty (row 1)")
        ]
        kinds = pd.Categorical(["charge", "chrage"] * 7)
        expected = (
            "unknown value 'chrage' in row 1 (expected one of " + ", ".join(sorted(TRANSACTION_TYPES)) + ")"
        )
        assert issues(transactions={**TRANSACTIONS, "type": kinds}) == [
            ("$.transactions.type", "value", expected)
        ]

    def test_a_categorical_of_numbers_is_a_dimension_of_their_text(self) -> None:
        """Categories that are not text are read cell by cell, as numpy reads the column."""
        pd = pytest.importorskip("pandas")
        book = Book(transactions={**TRANSACTIONS, "location": pd.Categorical([1, 20] * 7)})
        assert book.transactions is not None
        assert book.transactions["location"].tolist() == ["1", "20"] * 7


class TestLedgerColumns:
    NEW = (
        "gross_revenue",
        "patient_service_cash",
        "pos_cash",
        "patient_cash",
        "late_charges",
        "denial_write_offs",
    )

    def test_the_ledger_holds_the_map_keys_columns(self) -> None:
        """The six general-ledger columns are optional non-negative numbers, after the earlier six."""
        names = [f.name for f in SCHEMAS["ledger"]]
        assert names == [
            "month",
            "npsr",
            "cost_to_collect",
            "bad_debt",
            "charity",
            "net_ar",
            "dnfb",
            *self.NEW,
        ]
        for field in SCHEMAS["ledger"][7:]:
            assert (field.kind, field.required, field.nullable) == (FieldKind.NUMBER, False, False)
        book = Book(ledger={**LEDGER, **{name: [1.5] * len(LEDGER["month"]) for name in self.NEW}})
        assert book.ledger is not None
        assert book.ledger["pos_cash"].dtype == np.float64
        assert book.ledger["pos_cash"].tolist() == [1.5] * len(LEDGER["month"])

    def test_a_negative_ledger_amount_is_refused_by_name(self) -> None:
        """A negative cash figure names its column and row."""
        months = len(LEDGER["month"])
        found = issues(ledger={**LEDGER, "patient_cash": [5.0] * (months - 1) + [-1.0]})
        assert found == [
            (
                "$.ledger.patient_cash",
                "range",
                f"must be finite and >= 0 (got -1.0 in row {months - 1}; 1 rows)",
            )
        ]


class TestTypedFields:
    def test_an_extra_number_is_validated_like_the_schemas(self) -> None:
        """A NUMBER field is float64; the same column without the field would be text."""
        allowed = [float(i) for i in range(14)]
        book = Book(transactions={**TRANSACTIONS, "allowed": allowed}, fields={"transactions": [ALLOWED]})
        assert book.transactions is not None
        assert book.transactions["allowed"].dtype == np.float64
        assert book.transactions["allowed"].tolist() == allowed
        plain = Book(transactions={**TRANSACTIONS, "allowed": allowed})
        assert plain.transactions is not None
        assert plain.transactions["allowed"].tolist() == [str(a) for a in allowed]

    def test_an_extra_field_refuses_what_the_schema_would(self) -> None:
        """A negative number, a missing required field and an unknown categorical value, each by path."""
        fields = {"transactions": (ALLOWED, Field(name="plan", kind=FieldKind.TEXT, values=("hmo", "ppo")))}
        found = issues(
            transactions={**TRANSACTIONS, "allowed": [-2.0] * 14, "plan": ["hmo"] * 13 + ["pos"]},
            fields=fields,
        )
        assert found == [
            ("$.transactions.allowed", "range", "must be finite and >= 0 (got -2.0 in row 0; 14 rows)"),
            ("$.transactions.plan", "value", "unknown value 'pos' in row 13 (expected one of hmo, ppo)"),
        ]
        assert issues(transactions=TRANSACTIONS, fields={"transactions": (ALLOWED,)}) == [
            ("$.transactions.allowed", "missing", "required column 'allowed' is missing")
        ]
        optional = Field(name="allowed", kind=FieldKind.NUMBER, required=False)
        assert (
            Book(transactions=TRANSACTIONS, fields={"transactions": (optional,)}).rows("transactions") == 14
        )

    def test_a_field_named_like_the_schema_is_refused(self) -> None:
        """A clash with a schema column, or a field listed twice, names the field's name."""
        amount = Field(name="amount", kind=FieldKind.NUMBER)
        assert issues(transactions=TRANSACTIONS, fields={"transactions": (amount,)}) == [
            (
                "$.fields.transactions[0].name",
                "duplicate",
                "'amount' is a column of the transactions schema already",
            )
        ]
        assert issues(transactions=TRANSACTIONS, fields={"transactions": (ALLOWED, ALLOWED)}) == [
            ("$.fields.transactions[1].name", "duplicate", "'allowed' is listed twice (also at [0])")
        ]

    @pytest.mark.parametrize(
        ("fields", "path"),
        [
            ([ALLOWED], "$.fields"),
            ({"claims": (ALLOWED,)}, "$.fields"),
            ({"transactions": ALLOWED}, "$.fields.transactions"),
            ({"transactions": ("allowed",)}, "$.fields.transactions[0]"),
        ],
    )
    def test_fields_that_are_not_fields_are_refused(self, fields: object, path: str) -> None:
        """Not a mapping, an unknown table, not a sequence, not a Field: each at its path."""
        assert [p for p, _, _ in issues(transactions=TRANSACTIONS, fields=fields)] == [path]

    def test_from_tables_reads_a_field_through_the_map(self) -> None:
        """A field's column is found by its name as the schema's are, and parsed with the map's formats."""
        export = {**{k: v for k, v in TRANSACTIONS.items() if k != "amount"}, "amount": ["1"] * 14}
        export[" Allowed "] = ["$12.50"] * 14
        document = ExportMap(tables={"transactions": TableMap(number_format=NumberFormat())})
        book = Book.from_tables(
            {"transactions": export}, mapping=document, fields={"transactions": (ALLOWED,)}
        )
        assert book.transactions is not None
        assert book.transactions["allowed"].tolist() == [12.5] * 14
        unmapped = Book.from_tables({"transactions": export}, mapping=document).transactions
        assert unmapped is not None
        assert "allowed" not in unmapped
        optional = Field(name="allowed", kind=FieldKind.NUMBER, required=False)
        plain = Book.from_tables({"transactions": TRANSACTIONS}, fields={"transactions": (optional,)})
        assert plain.transactions is not None
        assert "allowed" not in plain.transactions

    def test_the_csv_path_reads_a_field_as_its_kind(self) -> None:
        """csv_columns with fields reads a typed column; the Book takes the columns as read."""
        columns = csv_columns("ledger", fields=(Field(name="visits", kind=FieldKind.COUNT),))
        assert [(c.name, c.kind.value) for c in columns][-2:] == [
            ("denial_write_offs", "number"),
            ("visits", "integer"),
        ]
        text = "month,npsr,visits\n2026-01-01,100.5,7\n2026-02-01,90,3\n"
        read = read_csv(io.StringIO(text), columns)
        book = Book(ledger=read, fields={"ledger": (Field(name="visits", kind=FieldKind.COUNT),)})
        assert book.ledger is not None
        assert book.ledger["visits"].tolist() == [7, 3]
        assert book.ledger["visits"].dtype == np.int64
        with pytest.raises(ValidationError, match=r"@ \$\.fields\.ledger\[0\]\.name"):
            csv_columns("ledger", fields=(Field(name="npsr", kind=FieldKind.NUMBER),))
