"""Book.codes: exactly np.unique's answer without sorting the rows; a Book's columns are its own."""

from __future__ import annotations

import contextlib
import string
from collections.abc import Iterator
from typing import Any, cast
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi import TRANSACTION_TYPES, WRITE_OFF_REASONS, Book, _book
from tests.kpi.conftest import LEDGER, SUBMISSIONS, TRANSACTIONS, WORK_ITEMS

ALPHABETS = (
    "ab",  # two letters: few values, short keys
    string.ascii_lowercase + "_",  # identifiers: packed keys when short, hashed when long
    "C-0123456789",  # claim numbers
    "aé中😀",  # non-ASCII, one character beyond the basic plane
    "a\x00b",  # embedded NULs (trailing ones are not part of a numpy string)
    None,  # any character
)

# the shipped block, sample and lookup sizes, and tiny ones so small arrays take every path
SIZES = [
    {name: getattr(_book, name) for name in ("_BLOCK", "_SAMPLE", "_FEW", "_STRAYS", "_SLOT_BITS")},
    {"_BLOCK": 3, "_SAMPLE": 4, "_FEW": 3, "_STRAYS": 2, "_SLOT_BITS": 2},
]


@st.composite
def text_arrays(draw: st.DrawFn) -> np.ndarray:
    """1-D unicode arrays of 0..300 rows, 1..300 distinct strings of up to 30 characters, width 1..30."""
    alphabet = draw(st.sampled_from(ALPHABETS))
    characters = st.characters() if alphabet is None else st.sampled_from(alphabet)
    pool = draw(
        st.lists(st.text(characters, max_size=30), min_size=1, max_size=draw(st.sampled_from((2, 300))))
    )
    rows = draw(st.lists(st.integers(0, len(pool) - 1), max_size=300))
    values = np.array([pool[i] for i in rows], dtype=str)
    width = draw(st.integers(values.dtype.itemsize // 4, 30))
    return values.astype(f"<U{width}")


def narrowest_codes(values: int) -> type[np.unsignedinteger[Any]]:
    """The unsigned type a Book holds the codes of a column of ``values`` distinct values in."""
    return np.uint8 if values <= 256 else np.uint16 if values <= 65_536 else np.uint32


def same_as_unique(found: tuple[np.ndarray, np.ndarray], values: np.ndarray, *, coded: bool = False) -> None:
    """``found`` is exactly ``np.unique(values, return_inverse=True)``; a Book's codes narrowest."""
    uniques, inverse = found
    expected_uniques, expected_inverse = np.unique(values, return_inverse=True)
    assert uniques.dtype.kind == "U"
    assert np.array_equal(uniques, expected_uniques)
    assert inverse.dtype == (narrowest_codes(len(uniques)) if coded else np.intp)
    assert inverse.shape == values.shape
    assert np.array_equal(inverse, expected_inverse.reshape(-1))
    assert np.array_equal(uniques[inverse], values)


@contextlib.contextmanager
def spy(name: str) -> Iterator[list[Any]]:
    """Record what each call of ``_book.<name>`` returns while the block runs."""
    results: list[Any] = []
    original = getattr(_book, name)

    def recorded(*args: Any) -> Any:
        results.append(original(*args))
        return results[-1]

    with mock.patch.object(_book, name, recorded):
        yield results


def items(n: int, **extra: object) -> dict[str, object]:
    """A work-items table of ``n`` rows, plus ``extra`` columns."""
    return {
        "item_id": [f"W{i}" for i in range(n)],
        "workflow": ["ar"] * n,
        "team": ["t1"] * n,
        "opened": ["2026-01-01"] * n,
        "closed": [None] * n,
        "touches": [1] * n,
        "escalated": [False] * n,
        **extra,
    }


class TestFactorize:
    @pytest.mark.parametrize("sizes", SIZES, ids=["shipped sizes", "tiny sizes"])
    @settings(max_examples=300, deadline=None)
    @given(values=text_arrays())
    def test_is_np_unique(self, sizes: dict[str, Any], values: np.ndarray) -> None:
        """Any unicode array codes exactly as np.unique codes it: sorted distinct values, intp inverse."""
        with mock.patch.multiple(_book, **sizes):
            found = _book._factorize(values)
        same_as_unique(found, values)
        assert found[0].dtype == values.dtype

    def test_strings_that_share_a_hash_are_sorted_as_strings(self) -> None:
        """Two different strings with the same hash are caught: the rows are sorted as np.unique does."""
        # two 64-bit words a row: "\x01" hashes to 1 * M + 0, the other to 0 * M + M
        words = np.array([[1, 0], [0, int(_book._MULTIPLIER)]] * 3, dtype=np.uint64)
        values = words.view(np.uint32).view("<U4").reshape(-1)
        assert values[0] != values[1]
        with spy("_exact") as exact, mock.patch.object(_book, "_KEYS", 0):  # hashed, never packed
            found = _book._factorize(values)
        assert len(exact) == 1
        same_as_unique(found, values)

    def test_many_hashed_strings_are_checked_row_by_row(self) -> None:
        """Many strings too long to pack are sorted by hash, and every row compared with its string."""
        values = np.array([f"contractual_adjustment{i}" for i in range(3 * _book._FEW)] * 2)
        with spy("_look_up") as look_ups, spy("_matches") as matches, mock.patch.object(_book, "_KEYS", 0):
            found = _book._factorize(values)
        assert look_ups == []
        assert matches == [True]
        same_as_unique(found, values)

    def test_a_value_the_sample_missed_is_coded_apart(self) -> None:
        """A rare value between the sampled rows is found and coded with the rows the sample missed."""
        values = np.full(4 * _book._SAMPLE, "contractual_adjustment")
        values[4 * 1000 + 1] = "write_off"
        values[4 * 2000 + 3] = "charge"
        with spy("_look_up") as look_ups, spy("_factorize") as factorized:
            found = _book._factorize(values)
        assert look_ups != [None]
        assert len(factorized) == 2  # the column, then its two rows of unsampled strings
        same_as_unique(found, values)

    def test_many_values_the_sample_missed_sort_the_rows(self) -> None:
        """When the rows between the samples hold many values, the keys of every row are sorted."""
        values = np.array([f"P{i}" if i % 2 else "P" for i in range(2 * _book._SAMPLE)])
        with spy("_look_up") as look_ups:
            found = _book._factorize(values)
        assert look_ups == [None]
        same_as_unique(found, values)

    @pytest.mark.parametrize("keys", [None, 0])
    def test_padded_ids_are_counted_in_a_table(self, keys: int | None) -> None:
        """Zero-padded ids pack into few keys (digits of a mixed radix): a table, not a sort, codes them.

        Forced to hash instead (no key space), they are sorted and give the same codes.
        """
        rng = np.random.default_rng(3)
        values = np.char.add("C", np.char.zfill(rng.integers(0, 3000, 5000).astype(str), 7))
        patch = mock.patch.object(_book, "_KEYS", keys if keys is not None else _book._KEYS)
        with spy("_dense") as dense, spy("_look_up") as look_ups, patch:
            found = _book._factorize(values)
            uniques = _book._uniques(values)
        assert len(dense) == (1 if keys is None else 0)
        assert look_ups == []
        same_as_unique(found, values)
        assert uniques.tolist() == np.unique(values).tolist()
        packed = _book._Keys.of(values)
        assert packed.span == 3 * 10**3  # C000 constant, then 0..2 and three digits
        assert [position for position, _ in packed.digits] == [4, 5, 6, 7]

    @pytest.mark.parametrize("size", [1, 255, 256, 257, 1000])
    def test_column_range_at_the_fold(self, size: int) -> None:
        codes = np.random.default_rng(size).integers(0, 200, (size, 3)).astype(np.uint32)
        low, high = _book._column_range(codes)
        assert low.tolist() == codes.min(axis=0).tolist()
        assert high.tolist() == codes.max(axis=0).tolist()

    def test_many_values_in_the_sample_sort_the_rows(self) -> None:
        """A column of many values (claim ids) skips the look-up and sorts the keys of every row."""
        rng = np.random.default_rng(5)
        values = np.char.add("C", rng.integers(0, 50_000, 3 * _book._SAMPLE).astype(str))
        with spy("_look_up") as look_ups:
            found = _book._factorize(values)
        assert look_ups == []
        same_as_unique(found, values)

    def test_byte_swapped_and_strided_input(self) -> None:
        """Big-endian or non-contiguous unicode gives np.unique's values too."""
        values = np.array(["b", "ä", "b", "", "a"] * 4, dtype=">U3")[::3]
        uniques, inverse = _book._factorize(values)
        expected, expected_inverse = np.unique(values, return_inverse=True)
        assert uniques.tolist() == expected.tolist()
        assert inverse.tolist() == expected_inverse.tolist()


class TestPositions:
    def test_a_table_by_slot_or_a_binary_search(self) -> None:
        """A few keys are found through a small table by slot; without one, by binary search."""
        distinct = np.array([3, 17, 2**40, 2**63 + 5], dtype=np.uint64)
        keys = np.array([2**40, 3, 2**63 + 5, 17, 17], dtype=np.uint64)
        by_slot = _book._Positions.of(distinct)
        assert by_slot.table is not None
        assert by_slot.table.size <= 2**_book._SLOT_BITS
        with mock.patch.object(_book, "_SLOT_BITS", 2):
            by_search = _book._Positions.of(distinct)
        assert by_search.table is None
        for positions in (by_slot, by_search):
            assert positions(keys).tolist() == [2, 0, 3, 1, 1]
            assert 0 <= positions(np.array([4], dtype=np.uint64))[0] < len(distinct)

    @pytest.mark.parametrize("size", [1, 2, 20, 200, 1000])
    def test_every_key_is_found_at_its_position(self, size: int) -> None:
        """However many keys, each is found where it is: a table never puts two keys in one slot."""
        distinct = np.unique(np.random.default_rng(size).integers(0, 2**63, size, dtype=np.uint64))
        positions = _book._Positions.of(distinct)
        assert positions(distinct).tolist() == list(range(len(distinct)))


class TestBookCodes:
    @settings(max_examples=100, deadline=None)
    @given(values=text_arrays())
    def test_codes_are_np_unique_of_the_column(self, values: np.ndarray) -> None:
        """A text column's codes are np.unique of what was given, whatever its width."""
        book = Book(work_items=items(len(values), location=values))
        same_as_unique(book.codes("work_items", "location"), values, coded=True)

    def test_codes_are_computed_once_and_read_only(self) -> None:
        """The same arrays come back each time, and neither can be written."""
        book = Book(transactions=TRANSACTIONS)
        for column in ("payer", "type", "write_off_reason", "claim_id"):
            uniques, inverse = book.codes("transactions", column)
            assert book.codes("transactions", column)[1] is inverse
            assert not uniques.flags.writeable
            assert not inverse.flags.writeable
            same_as_unique((uniques, inverse), np.array(TRANSACTIONS[column]), coded=True)

    def test_codes_of_a_column_that_is_not_text(self) -> None:
        """Amounts, dates and counts code as np.unique codes them."""
        book = Book(transactions=TRANSACTIONS, submissions=SUBMISSIONS)
        for table, column in (
            ("transactions", "amount"),
            ("transactions", "posting_date"),
            ("submissions", "seq"),
        ):
            uniques, inverse = book.codes(table, column)
            values = (book.table(table) or {})[column]
            expected, expected_inverse = np.unique(values, return_inverse=True)
            assert np.array_equal(uniques, expected)
            assert np.array_equal(inverse, expected_inverse)
            assert inverse.dtype == np.uint8


def numpy_tables() -> dict[str, dict[str, np.ndarray]]:
    """Every table of the hand-worked book as numpy arrays; text wider than it needs to be."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, table in (
        ("transactions", TRANSACTIONS),
        ("submissions", SUBMISSIONS),
        ("work_items", WORK_ITEMS),
        ("ledger", LEDGER),
    ):
        columns: dict[str, np.ndarray] = {}
        for column, values in table.items():
            field = next(f for f in _book.SCHEMAS[name] if f.name == column)
            if field.kind is _book.FieldKind.DATE:
                columns[column] = np.array(values, dtype="datetime64[D]")
            elif field.kind is _book.FieldKind.TEXT:
                columns[column] = np.array(values, dtype="<U40")
            else:
                columns[column] = np.array(values)
        out[name] = columns
    return out


class TestBookOwnsItsColumns:
    def test_columns_are_read_only(self) -> None:
        """Every column of every table, from arrays or lists, is read-only."""
        for book in (
            Book(**numpy_tables()),
            Book(transactions=TRANSACTIONS, submissions=SUBMISSIONS, work_items=WORK_ITEMS, ledger=LEDGER),
        ):
            for name in _book.SCHEMAS:
                for column, values in (book.table(name) or {}).items():
                    assert not values.flags.writeable, (name, column)
            assert book.transactions is not None
            with pytest.raises(ValueError, match="read-only"):
                book.transactions["payer"][0] = "Z"

    def test_changing_the_callers_arrays_leaves_the_book_unchanged(self) -> None:
        """Text, flags, numbers, counts and dates are the book's own: the caller may reuse its arrays."""
        tables = numpy_tables()
        tables["transactions"]["type"] = tables["transactions"]["type"].astype("<U22")  # as wide as it needs
        tables["work_items"]["item_id"] = np.repeat(tables["work_items"]["item_id"], 2)[::2]  # a strided view
        book = Book(**tables)
        before = {name: {c: v.copy() for c, v in (book.table(name) or {}).items()} for name in tables}
        for table in tables.values():
            for values in table.values():
                if values.dtype.kind == "U":
                    values[:] = "x"
                elif values.dtype.kind == "M":
                    values[:] = np.datetime64("2000-01-01")
                elif values.dtype.kind == "b":
                    values[:] = ~values
                else:
                    values[:] = 7
        for name, columns in before.items():
            for column, values in columns.items():
                np.testing.assert_array_equal((book.table(name) or {})[column], values, err_msg=column)

    def test_text_is_kept_only_as_wide_as_its_longest_string(self) -> None:
        """A <U40 column of short strings is stored as narrow as they are; the strings are unchanged."""
        tables: dict[str, object] = {**numpy_tables(), "work_items": items(3, location=np.full(3, "", "<U9"))}
        book = Book(**tables)  # type: ignore[arg-type]
        assert book.transactions is not None
        assert book.transactions["payer"].dtype == np.dtype("<U1")
        assert book.transactions["type"].dtype == np.dtype("<U22")
        assert book.transactions["claim_id"].tolist() == TRANSACTIONS["claim_id"]
        assert book.work_items is not None
        assert book.work_items["location"].dtype == np.dtype("<U1")

    def test_other_text_inputs_are_copied_as_needed(self) -> None:
        """Bytes, object arrays with None, tuples and a full-width unicode array all become owned text."""
        n = len(TRANSACTIONS["claim_id"])
        payer = np.array(TRANSACTIONS["payer"])  # exactly as wide as its strings: copied
        book = Book(
            transactions={
                **TRANSACTIONS,
                "claim_id": np.array(TRANSACTIONS["claim_id"], dtype="S2"),
                "team": tuple(TRANSACTIONS["team"]),
                "payer": payer,
                "location": np.array([None, "north"] * (n // 2), dtype=object),
            }
        )
        payer[:] = "Q"
        assert book.transactions is not None
        assert book.transactions["payer"].tolist() == TRANSACTIONS["payer"]
        assert book.transactions["claim_id"].tolist() == TRANSACTIONS["claim_id"]
        assert book.transactions["team"].tolist() == TRANSACTIONS["team"]
        assert book.transactions["location"].tolist() == ["", "north"] * (n // 2)


def _frozen(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)
    return values


class TestReadOnlyInput:
    def test_read_only_columns_are_kept_not_copied(self) -> None:
        """Read-only arrays of the book's own dtype are the book's columns; text is kept as codes."""
        tables = numpy_tables()
        kept = {
            "amount": _frozen(np.array(TRANSACTIONS["amount"], dtype=np.float64)),
            "posting_date": _frozen(np.array(TRANSACTIONS["posting_date"], dtype="datetime64[D]")),
        }
        flags = _frozen(np.array(SUBMISSIONS["clean"], dtype=bool))
        counts = _frozen(np.array(SUBMISSIONS["lines"], dtype=np.int64))
        book = Book(
            transactions={**tables["transactions"], **kept},
            submissions={**tables["submissions"], "clean": flags, "lines": counts},
        )
        assert book.transactions is not None
        assert book.submissions is not None
        for name, values in kept.items():
            assert book.transactions[name] is values, name
        assert book.submissions["clean"] is flags
        assert book.submissions["lines"] is counts
        held = cast("Any", book.transactions)._arrays  # what the table keeps
        assert {name for name, array in held.items() if array.dtype.kind == "u"} == {
            "claim_id",
            "payer",
            "team",
            "type",
            "write_off_reason",
        }
        assert book.transactions["claim_id"] is not book.transactions["claim_id"]  # decoded, not kept

    def test_writable_memory_underneath_is_copied(self) -> None:
        """A read-only view of a writable array, or of memory numpy does not own, is copied."""
        base = np.array(TRANSACTIONS["amount"], dtype=np.float64)
        view = _frozen(base[:])
        text = np.array(TRANSACTIONS["claim_id"])
        text_view = _frozen(text.view())
        book = Book(transactions={**TRANSACTIONS, "amount": view, "claim_id": text_view})
        base[:] = 7.0
        text[:] = "x"
        assert book.transactions is not None
        assert book.transactions["amount"].tolist() == [float(a) for a in TRANSACTIONS["amount"]]
        assert book.transactions["claim_id"].tolist() == TRANSACTIONS["claim_id"]
        assert not np.shares_memory(book.transactions["amount"], base)

    @pytest.mark.parametrize(
        ("make", "expected"),
        [
            (lambda: _frozen(np.arange(4)), True),
            (lambda: _frozen(_frozen(np.arange(4))[1:]), True),
            (lambda: np.frombuffer(b"abcd", np.uint8), True),
            (lambda: np.arange(4), False),
            (lambda: _frozen(np.arange(4)[1:]), False),  # the array it views can be written
            (lambda: _frozen(np.frombuffer(bytearray(b"abcd"), np.uint8)), False),
        ],
    )
    def test_read_only_all_the_way_down(self, make: Any, expected: bool) -> None:
        assert _book._read_only(make()) is expected


class TestUniquesAndDistinct:
    @settings(max_examples=150, deadline=None)
    @given(values=text_arrays(), swap=st.booleans())
    def test_uniques_are_np_unique(self, values: np.ndarray, swap: bool) -> None:
        """The distinct strings alone, packed keys unpacked or hashed ones coded, are np.unique's."""
        given_values = values.astype(values.dtype.newbyteorder(">")) if swap else values
        found = _book._uniques(given_values)
        assert found.dtype.kind == "U"
        assert found.tolist() == np.unique(values).tolist()

    @settings(max_examples=150, deadline=None)
    @given(values=text_arrays(), collide=st.booleans())
    def test_distinct_is_the_count_of_np_unique(self, values: np.ndarray, collide: bool) -> None:
        """Whether all rows differ, also when every hashed key collides (a multiplier of 0)."""
        multiplier = np.uint64(0) if collide else _book._MULTIPLIER
        with mock.patch.object(_book, "_MULTIPLIER", multiplier):
            found = _book._distinct(values)
        assert found is (len(np.unique(values)) == len(values))

    def test_distinct_of_distinct_long_strings(self) -> None:
        """Long strings (hashed keys) that differ, and two equal ones."""
        values = np.array([f"{'x' * 20}{i}" for i in range(50)])
        assert _book._distinct(values)
        assert not _book._distinct(np.append(values, values[3]))


def text_issue(values: list[str], allowed: tuple[str, ...], *, nullable: bool) -> str | None:
    """The message a Book gave for a categorical column before codes: np.isin over the strings."""
    array = np.array(values, dtype=str)
    empty = array == ""
    unknown = ~np.isin(array, allowed) & ~empty
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        return (
            f"unknown value {str(array[row])!r} in row {row} (expected one of {', '.join(sorted(allowed))})"
        )
    if not nullable and empty.any():
        return f"must not be empty (row {int(np.flatnonzero(empty)[0])})"
    return None


def messages(**tables: Any) -> list[str]:
    try:
        Book(**tables)
    except ValidationError as caught:
        return [str(issue) for issue in caught.issues]
    return []


class TestCategoricalValidation:
    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(st.sampled_from((*TRANSACTION_TYPES, "", "chrage", "Charge")), min_size=1, max_size=40),
        st.data(),
        st.booleans(),
    )
    def test_messages_are_those_of_np_isin(
        self, kinds: list[str], data: st.DataObject, as_array: bool
    ) -> None:
        """Unknown and empty types and reasons, and write-offs without a reason, report as they always did."""
        n = len(kinds)
        reasons = data.draw(
            st.lists(st.sampled_from((*WRITE_OFF_REASONS, "", "typo")), min_size=n, max_size=n)
        )
        base = {column: [values[0]] * n for column, values in TRANSACTIONS.items()}
        given_kinds: object = np.array(kinds, dtype="<U30") if as_array else kinds
        found = messages(transactions={**base, "type": given_kinds, "write_off_reason": reasons})
        expected = [
            f"{message} @ $.transactions.{column}"
            for column, message in (
                ("type", text_issue(kinds, TRANSACTION_TYPES, nullable=False)),
                ("write_off_reason", text_issue(reasons, WRITE_OFF_REASONS, nullable=True)),
            )
            if message is not None
        ]
        if not expected:
            unexplained = [i for i in range(n) if kinds[i] == "write_off" and reasons[i] == ""]
            if unexplained:
                expected = [
                    f"write-offs need a reason (row {unexplained[0]}) @ $.transactions.write_off_reason"
                ]
        assert found == expected

    def test_no_write_offs_and_no_pending_submissions(self) -> None:
        """A type column without write-offs needs no reasons; outcomes without 'pending' all need dates."""
        charges = {**TRANSACTIONS, "type": ["charge"] * len(TRANSACTIONS["type"])}
        del charges["write_off_reason"]
        assert Book(transactions=charges).rows("transactions") == len(charges["type"])
        settled = {**SUBMISSIONS, "outcome": ["paid"] * 9}
        assert messages(submissions=settled) == [
            "adjudicated submissions need a date (row 4) @ $.submissions.adjudicated_date"
        ]

    def test_empty_tables(self) -> None:
        """Tables of no rows are valid and code to nothing."""
        book = Book(
            transactions={column: [] for column in TRANSACTIONS},
            submissions={column: [] for column in SUBMISSIONS},
        )
        assert book.rows("transactions") == book.rows("submissions") == 0
        uniques, inverse = book.codes("transactions", "type")
        assert uniques.size == inverse.size == 0
        assert inverse.dtype == np.uint8
