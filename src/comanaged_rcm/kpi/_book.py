"""The input book: four column tables, validated once and converted to numpy.

>>> import datetime
>>> book = Book(transactions={"claim_id": ["C1"], "payer": ["Acme"], "service_date": ["2026-01-05"],
...     "posting_date": [datetime.date(2026, 1, 6)], "type": ["charge"], "amount": [100.0]})
>>> book.transactions["posting_date"].dtype, book.rows("transactions")
(dtype('<M8[D]'), 1)
>>> Book(transactions={"claim_id": ["C1"], "payer": ["A"], "service_date": ["2026-01-05"],
...     "posting_date": ["2026-01-05"], "type": ["chrage"], "amount": [1.0]})
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 1 validation issue: unknown value 'chrage' in row 0 (expected one of
charge, contractual_adjustment, payment, refund, write_off) @ $.transactions.type
"""

from __future__ import annotations

import datetime
import enum
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check, _frames
from comanaged_rcm._check import as_tuple, v
from comanaged_rcm._frames import FrameColumn
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.mapping import ExportMap, TableMap, apply_values, fold, parse_dates, parse_numbers
from comanaged_rcm.tables import Column, ColumnKind, data_lines, narrowest

__all__ = [
    "OUTCOMES",
    "SCHEMAS",
    "TRANSACTION_TYPES",
    "WRITE_OFF_REASONS",
    "Book",
    "Field",
    "FieldKind",
]

Columns = dict[str, npt.NDArray[Any]]
BookTable = Mapping[str, npt.NDArray[Any]]
"""A table of a Book: column name to a read-only 1-D array, in a read-only mapping."""
Codes = tuple[npt.NDArray[Any], npt.NDArray[Any]]
"""A column's sorted distinct values and each row's index into them, as ``np.unique`` gives them.

The Book keeps the indexes as the narrowest unsigned integers that number the values
(:func:`_narrow`: ``uint8`` up to 256 values, ``uint16``, ``uint32``); :func:`_factorize` gives
them as ``np.intp``."""

TRANSACTION_TYPES = ("charge", "payment", "refund", "contractual_adjustment", "write_off")
"""Transaction types; ``amount`` is a positive magnitude, the type gives its sign on A/R."""
WRITE_OFF_REASONS = ("denial", "timely_filing", "bad_debt", "charity", "small_balance", "administrative")
"""Reasons a non-contractual write-off may carry."""
OUTCOMES = ("paid", "denied", "partial", "pending")
"""Adjudication outcomes of a claim submission."""


class FieldKind(enum.Enum):
    """What a Book column holds, and so its numpy dtype after validation."""

    TEXT = "text"  # numpy unicode
    DATE = "date"  # datetime64[D]
    NUMBER = "number"  # float64, finite, >= 0
    COUNT = "count"  # int64, >= 0
    FLAG = "flag"  # bool


@attrs.frozen(kw_only=True)
class Field:
    """One column of an input table.

    Args:
        name: Column name.
        kind: What it holds.
        required: Whether the column must be present.
        nullable: Whether missing cells (NaT dates, empty text) are allowed.
        values: For categorical text, the allowed values (empty cells allowed only when nullable).

    >>> Field(name="amount", kind=FieldKind.NUMBER).required
    True
    """

    name: str = attrs.field(validator=v.field_name())
    kind: FieldKind = attrs.field(validator=v.member(FieldKind))
    required: bool = attrs.field(default=True, validator=v.flag())
    nullable: bool = attrs.field(default=False, validator=v.flag())
    values: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=v.tuple_of(str))


def _f(
    name: str, kind: FieldKind, *, required: bool = True, nullable: bool = False, values: tuple[str, ...] = ()
) -> Field:
    return Field(name=name, kind=kind, required=required, nullable=nullable, values=values)


T, D, N, C, B = FieldKind.TEXT, FieldKind.DATE, FieldKind.NUMBER, FieldKind.COUNT, FieldKind.FLAG
SCHEMAS: Mapping[str, tuple[Field, ...]] = {
    "transactions": (
        _f("claim_id", T),
        _f("payer", T),
        _f("team", T, required=False),
        _f("service_date", D),
        _f("posting_date", D),
        _f("type", T, values=TRANSACTION_TYPES),
        _f("amount", N),
        _f("write_off_reason", T, required=False, nullable=True, values=WRITE_OFF_REASONS),
        _f("billed_date", D, required=False, nullable=True),
    ),
    "submissions": (
        _f("claim_id", T),
        _f("payer", T),
        _f("team", T, required=False),
        _f("seq", C),
        _f("submitted_date", D),
        _f("lines", C),
        _f("charges", N),
        _f("clean", B),
        _f("adjudicated_date", D, nullable=True),
        _f("outcome", T, values=OUTCOMES),
        _f("denied_lines", C),
        _f("denied_charges", N),
    ),
    "work_items": (
        _f("item_id", T),
        _f("workflow", T),
        _f("team", T),
        _f("opened", D),
        _f("closed", D, nullable=True),
        _f("touches", C),
        _f("escalated", B),
    ),
    "ledger": (
        _f("month", D),
        _f("npsr", N, required=False),
        _f("cost_to_collect", N, required=False),
        _f("bad_debt", N, required=False),
        _f("charity", N, required=False),
        _f("net_ar", N, required=False),
        _f("dnfb", N, required=False),
        _f("gross_revenue", N, required=False),
        _f("patient_service_cash", N, required=False),
        _f("pos_cash", N, required=False),
        _f("patient_cash", N, required=False),
        _f("late_charges", N, required=False),
        _f("denial_write_offs", N, required=False),
    ),
}
"""Every input table's columns. Other columns pass through as text slice dimensions, unless a
Book is given them as ``fields`` of their own."""


_CSV_KINDS = {
    FieldKind.TEXT: ColumnKind.TEXT,
    FieldKind.DATE: ColumnKind.DATE,
    FieldKind.NUMBER: ColumnKind.NUMBER,
    FieldKind.COUNT: ColumnKind.INTEGER,
    FieldKind.FLAG: ColumnKind.BOOLEAN,
}


def csv_columns(table: str, *, fields: Sequence[Field] = ()) -> tuple[Column, ...]:
    """The CSV columns of one book table, for :func:`comanaged_rcm.tables.read_csv`.

    ``fields`` are typed columns of the table beyond its schema, as a :class:`Book` takes them.

    Raises:
        ValidationError: ``fields`` is not a sequence of :class:`Field` (``$.fields.work_items``),
            or one is named like a schema column or another field (``$.fields.work_items[0].name``).

    >>> [c.name for c in csv_columns("work_items")][:3]
    ['item_id', 'workflow', 'team']
    >>> csv_columns("ledger", fields=(Field(name="visits", kind=FieldKind.COUNT),))[-1].kind.value
    'integer'
    """
    _check.one_of(table, tuple(SCHEMAS), "$.table")
    extra = _extra_fields({table: fields})
    return tuple(
        Column(f.name, _CSV_KINDS[f.kind], required=f.required, nullable=f.nullable)
        for f in (*SCHEMAS[table], *extra.get(table, ()))
    )


def _extra_fields(fields: object) -> dict[str, tuple[Field, ...]]:
    """Typed columns beyond the schema, by table, checked: each a :class:`Field` of a new name.

    >>> _extra_fields({"ledger": [Field(name="npsr", kind=FieldKind.NUMBER)]})
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'npsr' is a column of the ledger schema
    already @ $.fields.ledger[0].name
    """
    if fields is None:
        return {}
    given = _check.instance(fields, Mapping, "$.fields", "a mapping of table name to a tuple of Field")
    out: dict[str, tuple[Field, ...]] = {}
    issues: list[Issue] = []
    for table, items in cast("Mapping[object, object]", given).items():
        name = _check.one_of(table, tuple(SCHEMAS), "$.fields")
        path = f"$.fields.{name}"
        checked = tuple(
            _check.instance(item, Field, f"{path}[{i}]", "a Field")
            for i, item in enumerate(_check.sequence(items, path))
        )
        known = {f.name for f in SCHEMAS[name]}
        seen: dict[str, int] = {}
        for i, field in enumerate(checked):
            where = f"{path}[{i}].name"
            if field.name in known:
                issues.append(
                    Issue(where, "duplicate", f"{field.name!r} is a column of the {name} schema already")
                )
            elif field.name in seen:
                twice = f"{field.name!r} is listed twice (also at [{seen[field.name]}])"
                issues.append(Issue(where, "duplicate", twice))
            seen.setdefault(field.name, i)
        out[name] = checked
    if issues:
        raise ValidationError(issues)
    return out


_EMPTY_DTYPE = {
    FieldKind.TEXT: "<U1",
    FieldKind.DATE: "datetime64[D]",
    FieldKind.NUMBER: "float64",
    FieldKind.COUNT: "int64",
    FieldKind.FLAG: "bool",
}


_EARLIEST = np.datetime64(datetime.date.min, "D")
_LATEST = np.datetime64(datetime.date.max, "D")
_MAX_COUNT = np.int64(_check.MAX_COUNT)
_HEADROOM = 1e4
"""Sums of a number column, times a KPI's scale and added across partials, must stay finite: every
cell is at most the largest float over the rows and this."""
_NAT = np.iinfo(np.int64).min
"""NaT as a day number."""
_NAME_LENGTH = 200
"""The longest column name a table may have (and the most of a numpy message an issue quotes)."""
_COARSE = frozenset({"Y", "M", "W", "D", "generic"})
"""datetime64 units whose every value is a whole day (a month is its first day)."""


def _convert(
    path: str, field: Field, raw: object, issues: list[Issue], codes: dict[str, Codes], *, name: str = ""
) -> npt.NDArray[Any] | None:
    """One column as an array the book owns, or ``None`` with the issue at ``path`` recorded.

    A column is copied when the result could share memory with ``raw`` that someone may still
    write (:func:`_owned`); read-only input of the right dtype is kept as it is. Text is coded
    (into ``codes`` under ``name``, the field's by default, :func:`_coded`): the array returned
    is then the rows' codes, and the text itself is not kept.
    """
    name = name or field.name
    coded = _dictionary(raw)
    if coded is not None:
        if field.kind is FieldKind.TEXT:
            found = _from_dictionary(path, field, coded, issues, codes, name)
            if found is not _UNREAD:
                return cast("npt.NDArray[Any] | None", found)
        raw = coded.decoded() if raw is coded else raw  # a pandas column reads as numpy reads it
    try:
        array = np.asarray(raw)
    except Exception as exc:  # noqa: BLE001 - a foreign column's __array__ or __len__ may raise anything
        issues.append(
            Issue(path, "type", f"cannot be read as an array ({type(exc).__name__}: {_brief(exc)})")
        )
        return None
    if array.ndim != 1:
        issues.append(Issue(path, "shape", f"must be 1-D (got {array.ndim}-D)"))
        return None
    if array.dtype.kind == "U" and isinstance(raw, list | tuple) and not all(isinstance(x, str) for x in raw):
        array = np.array(raw, dtype=object)  # numpy would write a NaN or a number among strings as text
    if array.size == 0:  # an empty list has no dtype of its own
        if field.kind is FieldKind.TEXT:
            codes[name] = _frozen(np.array([], dtype="<U1"), _narrow(_EMPTY_CODES, 0))
            return codes[name][1]
        return np.array([], dtype=_EMPTY_DTYPE[field.kind])
    kind = array.dtype.kind
    if field.kind is FieldKind.DATE:
        days = _convert_date(path, field, array, issues)
        return None if days is None else _owned(days, array, raw)
    if field.kind is FieldKind.TEXT:
        text = _as_str(path, array, issues)
        if text is None:
            return None
        return _coded(path, field, text, issues, codes, name)
    if field.kind is FieldKind.FLAG:
        if kind != "b":
            issues.append(Issue(path, "type", f"expected booleans (got dtype {array.dtype})"))
            return None
        return _owned(array, array, raw)
    if kind not in "iuf":
        expected = "integers" if field.kind is FieldKind.COUNT else "numbers"
        issues.append(Issue(path, "type", f"expected {expected} (got dtype {array.dtype})"))
        return None
    if field.kind is FieldKind.COUNT:
        counts = _convert_count(path, array, issues)
        return None if counts is None else _owned(counts, array, raw)
    converted = array.astype(np.float64, copy=False)
    bound = np.finfo(np.float64).max / (converted.size * _HEADROOM)
    if not (converted.min() >= 0 and converted.max() <= bound):  # NaN propagates, and compares false
        rows = np.flatnonzero(~((converted >= 0) & (converted <= bound)))
        row = int(rows[0])
        got = converted[row].item()
        expected = (
            "finite and >= 0" if not 0 <= got < np.inf else f"at most {bound:.3g} (so that sums stay finite)"
        )
        issues.append(
            Issue(
                path, "range", f"must be {expected} (got {_check.show(got)} in row {row}; {rows.size} rows)"
            )
        )
        return None
    return _owned(converted, array, raw)


def _as_str(path: str, array: npt.NDArray[Any], issues: list[Issue]) -> npt.NDArray[Any] | None:
    """A text column as a unicode array (``None`` for missing object cells becomes ``""``)."""
    kind = array.dtype.kind
    if kind not in "USO":
        issues.append(Issue(path, "type", f"expected text (got dtype {array.dtype})"))
        return None
    if kind == "O":
        items = array.tolist()
        bad = next((i for i, item in enumerate(items) if not (isinstance(item, str) or _missing(item))), None)
        if bad is not None:
            issues.append(Issue(path, "type", f"expected text (got {_check.show(items[bad])} in row {bad})"))
            return None
        return np.array([item if isinstance(item, str) else "" for item in items], dtype=str)
    if kind == "S":  # bytes: numpy decodes them as ASCII
        try:
            return array.astype(str)
        except UnicodeDecodeError as exc:
            issues.append(Issue(path, "type", f"expected text (got bytes that are not ASCII: {exc.reason})"))
            return None
    return array


def _convert_count(path: str, array: npt.NDArray[Any], issues: list[Issue]) -> npt.NDArray[np.int64] | None:
    """Whole numbers in ``[0, MAX_COUNT]`` as int64; floats that are whole (``3.0``) are counts too."""
    if array.dtype.kind == "f":
        fraction = ~np.isfinite(array) | (np.floor(array) != array)
        if fraction.any():
            rows = np.flatnonzero(fraction)
            issues.append(
                Issue(
                    path,
                    "type",
                    f"expected whole numbers (got {_check.show(array[rows[0]].item())} in row {int(rows[0])};"
                    f" {rows.size} rows)",
                )
            )
            return None
    bad = (array < 0) | (array > _MAX_COUNT)
    if bad.any():
        rows = np.flatnonzero(bad)
        issues.append(
            Issue(
                path,
                "range",
                f"must be >= 0 and <= {_check.MAX_COUNT:,} (got {_check.show(array[rows[0]].item())} in row"
                f" {int(rows[0])}; {rows.size} rows)",
            )
        )
        return None
    return array.astype(np.int64, copy=False)


def _odd_date(array: npt.NDArray[Any]) -> int | None:
    """The first text cell that is neither empty nor YYYY-MM-DD-long, if any.

    numpy would read "2026-01" as 2026-01-01, drop a time of day, and take a number for days
    since 1970.
    """
    lengths = np.char.str_len(array)
    bad = np.flatnonzero((lengths != 10) & (lengths != 0))
    return int(bad[0]) if bad.size else None


def _missing(item: object) -> bool:
    """Whether an object cell is missing: ``None``, a float NaN or pandas' ``NA``, as pandas marks it."""
    return (
        item is None
        or (isinstance(item, float) and item != item)  # noqa: PLR0124 - the NaN test
        or type(item).__name__ == "NAType"
    )


def _brief(exc: BaseException) -> str:
    """An exception's message, cut short: numpy's quote the whole offending value."""
    text = str(exc)
    return text if len(text) <= _NAME_LENGTH else f"{text[:_NAME_LENGTH]}..."


class _Odd(str):
    """What is wrong with one cell of a date column."""

    __slots__ = ()


def _date_cell(item: object) -> object:
    """One cell of an object date column as numpy reads it, or a :class:`_Odd` saying what is wrong.

    ``None``, ``""``, a float NaN and NaT (numpy's or pandas') are missing; a datetime must be
    naive and at midnight (pandas' ``Timestamp`` too), a ``numpy.datetime64`` a whole day.
    """
    if _missing(item) or (isinstance(item, str) and not item):
        return None
    if isinstance(item, str):
        return item if len(item) == 10 else _Odd("expected ISO dates like 2026-01-31")
    if isinstance(item, np.datetime64):
        day = item.astype("datetime64[D]")
        if np.isnat(item):
            return None
        return (
            day if np.datetime_data(item.dtype)[0] in _COARSE or day == item else _Odd("expected whole days")
        )
    if isinstance(item, datetime.datetime):
        if item != item:  # noqa: PLR0124 - pandas' NaT is a datetime unequal to itself
            return None
        if item.tzinfo is not None:
            return _Odd("expected dates, not time-zone aware datetimes")
        if item.time() != datetime.time():
            return _Odd("expected whole days, not datetimes with a time of day")
        return item.date()
    if isinstance(item, datetime.date):
        return item
    return _Odd("expected ISO dates like 2026-01-31")


def _convert_date(
    path: str, field: Field, array: npt.NDArray[Any], issues: list[Issue]
) -> npt.NDArray[np.datetime64] | None:
    kind = array.dtype.kind
    if kind == "M":
        converted = _whole_days(path, array, issues)
    elif kind in "US":
        odd = _odd_date(array)
        if odd is not None:
            got = array[odd].item()
            issues.append(
                Issue(
                    path, "type", f"expected ISO dates like 2026-01-31 (got {_check.show(got)} in row {odd})"
                )
            )
            return None
        try:
            converted = array.astype("datetime64[D]")  # "" is NaT
        except ValueError as exc:
            issues.append(Issue(path, "type", f"expected ISO dates or datetime.date values ({_brief(exc)})"))
            return None
    elif kind == "O":
        items = array.tolist()
        cells = [_date_cell(item) for item in items]
        odd = next((i for i, cell in enumerate(cells) if isinstance(cell, _Odd)), None)
        if odd is not None:
            issues.append(Issue(path, "type", f"{cells[odd]} (got {_check.show(items[odd])} in row {odd})"))
            return None
        try:
            converted = np.array(cells, dtype="datetime64[D]")
        except (TypeError, ValueError, OverflowError) as exc:
            issues.append(Issue(path, "type", f"expected ISO dates or datetime.date values ({_brief(exc)})"))
            return None
    else:
        issues.append(Issue(path, "type", f"expected dates (got dtype {array.dtype})"))
        return None
    if converted is None or not _in_range(path, converted, issues):
        return None
    if field.nullable or converted.view(np.int64).min() != _NAT:  # NaT is the smallest day number
        return converted
    missing = np.flatnonzero(np.isnat(converted))
    if missing.size:
        issues.append(
            Issue(path, "missing", f"must not be empty (row {int(missing[0])}; {missing.size} rows)")
        )
        return None
    return converted


def _whole_days(
    path: str, array: npt.NDArray[np.datetime64], issues: list[Issue]
) -> npt.NDArray[np.datetime64] | None:
    """A datetime64 column as days: a time of day is refused, never dropped."""
    unit = np.datetime_data(array.dtype)[0]
    if unit in _COARSE:
        if unit != "D" and not _in_range(path, array, issues):  # before the days could overflow
            return None
        return array.astype("datetime64[D]", copy=False)
    converted = array.astype("datetime64[D]")
    timed = np.flatnonzero((converted != array) & ~np.isnat(array))
    if timed.size:
        row = int(timed[0])
        issues.append(
            Issue(
                path,
                "type",
                f"expected whole days (got {array[row]} in row {row}; {timed.size} rows with a time of day;"
                " take the date with .astype('datetime64[D]') if that is meant)",
            )
        )
        return None
    return converted


def _in_range(path: str, dates: npt.NDArray[np.datetime64], issues: list[Issue]) -> bool:
    """Whether every date is within 0001-01-01 and 9999-12-31 (NaT is); the issue recorded if not."""
    low, high = _EARLIEST.astype(dates.dtype), _LATEST.astype(dates.dtype)
    if not dates.size:
        return True
    # two reductions over the day numbers: NaT is the smallest int64, and the largest once shifted by 1
    days = dates.view(np.int64)
    first, last = low.astype(np.int64), high.astype(np.int64)
    if days.max() <= last and (days.min() >= first or (days - 1).min() >= first - 1):
        return True
    out = np.flatnonzero((dates < low) | (dates > high))  # NaT compares false
    if out.size:
        row = int(out[0])
        issues.append(
            Issue(
                path,
                "range",
                f"must be between {_EARLIEST} and {_LATEST} (got {dates[row]} in row {row}; {out.size} rows)",
            )
        )
        return False
    return True


def _owned(converted: npt.NDArray[Any], array: npt.NDArray[Any], raw: object) -> npt.NDArray[Any]:
    """``converted``, copied when it may share memory with ``raw`` that can still be written.

    ``array`` is ``np.asarray(raw)``. Read-only input (:func:`_read_only`) is kept as it is.
    """
    if isinstance(raw, list | tuple) or not np.may_share_memory(converted, array):
        return converted  # np.asarray copied the Python sequence, or converting made a new array
    return converted if _read_only(array) else converted.copy()


def _read_only(array: npt.NDArray[Any]) -> bool:
    """Whether ``array`` and every array it is a view of are read-only, down to memory they own.

    Such an array's cells cannot be changed through numpy without first making it writeable
    again, which its owner promised not to do by making it read-only; memory the arrays do not
    own (a memory map, a buffer) could be written elsewhere, so it does not count.

    >>> frozen = np.arange(3)
    >>> frozen.setflags(write=False)
    >>> _read_only(frozen[1:]), _read_only(np.arange(3)), _read_only(np.frombuffer(b"abcd", np.uint8))
    (True, False, True)
    """
    base: object = array
    while isinstance(base, np.ndarray):
        if base.flags.writeable:
            return False
        base = base.base
    return base is None or isinstance(base, bytes)


def _freeze(array: npt.NDArray[Any]) -> None:
    """Make ``array`` read-only, and every array it is a view of (:func:`_read_only` then holds).

    For arrays their maker owns and hands on: a Book then keeps them instead of a copy.

    >>> column = np.arange(4)[1:]
    >>> _freeze(column)
    >>> _read_only(column)
    True
    """
    base: object = array
    while isinstance(base, np.ndarray):
        base.setflags(write=False)
        base = base.base


def _narrow(inverse: npt.NDArray[Any], size: int) -> npt.NDArray[np.unsignedinteger[Any]]:
    """Codes into ``size`` values as the narrowest unsigned integers that hold them.

    ``inverse`` itself when it is that type already (a read-only code column kept uncopied).

    >>> [_narrow(np.arange(3), n).dtype.name for n in (3, 256, 257, 65537)]
    ['uint8', 'uint8', 'uint16', 'uint32']
    """
    dtype = next(t for t in _CODE_TYPES if size <= np.iinfo(t).max + 1)
    narrow: npt.NDArray[np.unsignedinteger[Any]] = inverse.astype(dtype, copy=False)
    return narrow


_CODE_TYPES = (np.uint8, np.uint16, np.uint32, np.uint64)
"""The unsigned integer types a coded column's rows may be held in, narrowest first."""
_EMPTY_CODES = np.zeros(0, dtype=np.intp)


def _coded(  # noqa: PLR0917 - the column's path, field, cells and where it goes
    path: str, field: Field, array: npt.NDArray[Any], issues: list[Issue], codes: dict[str, Codes], name: str
) -> npt.NDArray[Any] | None:
    """A text column coded (into ``codes[name]``, as :func:`_factorize` codes it), its values checked.

    Validation reads the few distinct values, not the rows: allowed values of a categorical
    column, and an empty value where the column is not nullable.
    """
    uniques, inverse = _factorize(array.astype(str, copy=False))
    if not _allowed(path, field, uniques, inverse, issues):
        return None
    uniques, narrow = codes[name] = _frozen(narrowest(uniques), _narrow(inverse, len(uniques)))
    return narrow


def _allowed(
    path: str, field: Field, uniques: npt.NDArray[Any], inverse: npt.NDArray[Any], issues: list[Issue]
) -> bool:
    """Whether a coded column's sorted distinct values are allowed (the issue recorded if not)."""
    if field.values:
        allowed = {"", *field.values}
        unknown = np.array([value not in allowed for value in uniques.tolist()], dtype=bool)
        if unknown.any():
            row = int(np.argmax(unknown[inverse]))
            expected = ", ".join(sorted(field.values))
            issues.append(
                Issue(
                    path,
                    "value",
                    f"unknown value {_check.show(str(uniques[inverse[row]]))} in row {row} (expected one of"
                    f" {expected})",
                )
            )
            return False
    if not field.nullable and uniques.size and uniques[0] == "":  # "" sorts first
        issues.append(Issue(path, "missing", f"must not be empty (row {int(np.argmax(inverse == 0))})"))
        return False
    return True


@attrs.frozen
class _Dictionary:
    """A column given coded: its values, and each row's index into them (``-1``: a missing cell).

    A pandas categorical column, or a coded column of another Book (``ordered``: its values are
    sorted, distinct and each some row's, and its codes read-only and narrowest).
    """

    values: npt.NDArray[Any]
    codes: npt.NDArray[Any]
    ordered: bool = False

    def decoded(self) -> npt.NDArray[Any]:
        """The column's cells (``None`` for a missing one), for a field that is not text."""
        cells = np.empty(len(self.values) + 1, dtype=object)
        cells[:-1] = self.values
        cells[-1] = None
        decoded: npt.NDArray[Any] = cells[self.codes]  # -1 is the last, None
        return decoded


def _dictionary(raw: object) -> _Dictionary | None:
    """``raw`` as a :class:`_Dictionary` when it is one or a pandas categorical, else ``None``."""
    if isinstance(raw, _Dictionary):
        return raw
    kind = type(raw)
    if kind.__module__.partition(".")[0] != "pandas" or kind.__name__ not in {"Categorical", "Series"}:
        return None
    given = cast("Any", raw)
    if kind.__name__ == "Series":
        if str(given.dtype) != "category":
            return None
        given = given.array
    categories = np.asarray(given.categories)
    codes = np.asarray(given.codes)
    if categories.ndim != 1 or codes.ndim != 1 or codes.dtype.kind not in "iu":
        return None
    return _Dictionary(categories, codes)


def _from_dictionary(  # noqa: PLR0917 - the column's path, field, codes and where they go
    path: str, field: Field, given: _Dictionary, issues: list[Issue], codes: dict[str, Codes], name: str
) -> object:
    """A coded text column kept coded: renumbered to its used values in sorted order, not decoded.

    A Book's own coded column (``ordered``) keeps its codes as they are. :data:`_UNREAD` when the
    values are not all text: the column is then read cell by cell.
    """
    text = _as_str(path, given.values, [])
    if text is None or (given.values.dtype.kind == "O" and any(_missing(v) for v in given.values.tolist())):
        return _UNREAD
    text = text.astype(str, copy=False)
    if given.ordered:
        uniques, inverse = text, given.codes
    else:
        missing = given.codes < 0
        values = np.append(text, "") if missing.any() else text
        index = np.where(missing, len(text), given.codes) if missing.any() else given.codes
        used = np.bincount(index, minlength=len(values)) > 0
        order = np.argsort(values, kind="stable")
        order = order[used[order]]
        uniques = values[order]
        if len(uniques) > 1 and (uniques[1:] == uniques[:-1]).any():  # categories equal as text
            return _UNREAD
        renumber = np.zeros(len(values), dtype=np.intp)
        renumber[order] = np.arange(len(order))
        inverse = _narrow(renumber, len(order))[index]
    if not _allowed(path, field, uniques, inverse, issues):
        return None
    uniques, narrow = codes[name] = _frozen(narrowest(np.array(uniques)), _narrow(inverse, len(uniques)))
    return narrow


_BLOCK = 1 << 14
"""Rows per block of the passes over a text column's characters: a block's temporaries stay in cache."""
_SAMPLE = 1 << 16
"""About this many evenly spaced rows are coded first, to tell a column of few values from many."""
_FEW = 1 << 10
"""At most this many distinct values in the sample: each row is looked up among them, none sorted."""
_STRAYS = 16
"""At most one row in this many may hold a string the sample missed; more, and every row's key is sorted."""
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
"""The odd multiplier of the polynomial hash of strings too long to pack into 64 bits."""
_SPREAD = np.uint64(0xD6E8FEB86659FD93)
"""The odd multiplier that spreads keys over the slots of a look-up table (by its top bits)."""
_SLOT_BITS = 16
"""The largest look-up table has ``2 ** _SLOT_BITS`` slots; keys that share a slot are searched."""


def _value_codes(values: npt.NDArray[Any]) -> Codes:
    """``np.unique(values, return_inverse=True)`` of a flag, count, date or number column, codes narrow.

    Flags code as themselves (the column viewed as ``uint8``, no copy, when both values occur);
    counts and dates without NaT that span few values are marked in a table of their span, not
    sorted; anything else is :func:`np.unique`'s.

    >>> [part.tolist() for part in _value_codes(np.array([5, 3, 5, 9]))]
    [[3, 5, 9], [1, 0, 1, 2]]
    """
    if values.dtype.kind == "b":
        seen = [bool(values.size) and not values.all(), bool(values.any())]
        uniques = np.array([False, True])[seen]
        as_bytes = values.view(np.uint8)
        return uniques, (as_bytes if all(seen) or not seen[1] else np.zeros(values.size, dtype=np.uint8))
    if values.dtype.kind in "iuM" and values.size:
        days = values.view(np.int64) if values.dtype.kind == "M" else values
        low, high = int(days.min()), int(days.max())
        if low != _NAT and high - low < _DENSE * values.size:
            offset = days - low
            seen_at = np.zeros(high - low + 1, dtype=bool)
            seen_at[offset] = True
            rank = np.cumsum(seen_at, dtype=np.intp)
            rank -= 1
            found = (np.flatnonzero(seen_at) + low).astype(days.dtype).view(values.dtype)
            return found, _narrow(rank[offset], len(found))
    uniques, inverse = _exact(values)
    return uniques, _narrow(inverse, len(uniques))


def _exact(values: npt.NDArray[Any]) -> Codes:
    uniques, inverse = np.unique(values, return_inverse=True)
    return uniques, inverse.reshape(-1).astype(np.intp, copy=False)


@attrs.frozen
class _Keys:
    """How a text column's rows become 64-bit keys: its characters packed, or hashed.

    Packed, each position holding more than one character is a digit of a mixed-radix number
    (its radix the span of its code points), so distinct strings get distinct keys, in string
    order, and ids like ``C0001234`` have keys below their count's next power of ten.
    """

    words: npt.NDArray[np.unsignedinteger[Any]]  # one row per string: its characters, or pairs of them
    step: np.uint64  # the hash multiplier (hashed)
    packed: bool  # distinct strings get distinct keys, in string order
    low: npt.NDArray[np.uint32] | None = None  # each position's least code point (packed)
    digits: tuple[tuple[int, np.uint64], ...] = ()  # (position, radix) of each varying position
    span: int = 0  # how many keys there can be: the radices' product (packed)

    @classmethod
    def of(cls, values: npt.NDArray[np.str_]) -> _Keys:
        """Packed when the radices' product fits in 64 bits; else hashed."""
        width = values.dtype.itemsize // 4
        grid = values.view(np.uint32).reshape(values.size, width)
        low, high = _column_range(grid)
        radix = (high.astype(np.int64) - low + 1).tolist()
        digits = tuple((position, np.uint64(r)) for position, r in enumerate(radix) if r > 1)
        span = math.prod(int(r) for _, r in digits)
        if span <= _KEYS:
            return cls(grid, np.uint64(0), packed=True, low=low, digits=digits, span=span)
        return cls(grid.view(np.uint64) if width % 2 == 0 else grid, _MULTIPLIER, packed=False)

    def __call__(self, words: npt.NDArray[np.unsignedinteger[Any]]) -> npt.NDArray[np.uint64]:
        """One key per row of ``words``, a block of rows at a time."""
        keys = np.empty(len(words), dtype=np.uint64)
        for start in range(0, len(words), _BLOCK):
            block, key = words[start : start + _BLOCK], keys[start : start + _BLOCK]
            if self.packed and self.low is not None:
                key[:] = 0
                for position, radix in self.digits:
                    key *= radix
                    key += block[:, position] - self.low[position]
                continue
            key[:] = block[:, 0]
            for column in block.T[1:]:
                key *= self.step
                key += column
        return keys


_KEYS = 2**64
"""How many distinct keys 64 bits hold."""
_DENSE = 2
"""Packed keys are counted in a table, not sorted, when there can be at most this many per row."""


def _column_range(codes: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """The least and greatest value of each column of a 2-D array (``min(axis=0)``, ``max(axis=0)``).

    A few columns reduce slowly down many rows; ``_FOLD`` rows side by side reduce fast, and
    their partial results once more.

    >>> [part.tolist() for part in _column_range(np.array([[1, 9], [5, 2], [3, 4]], dtype=np.uint32))]
    [[1, 2], [5, 9]]
    """
    rows, width = codes.shape
    body = rows // _FOLD * _FOLD
    folded = codes[:body].reshape(-1, _FOLD * width)
    low = [folded.min(axis=0).reshape(_FOLD, width).min(axis=0)] if body else []
    high = [folded.max(axis=0).reshape(_FOLD, width).max(axis=0)] if body else []
    if body < rows:
        low.append(codes[body:].min(axis=0))
        high.append(codes[body:].max(axis=0))
    return np.minimum.reduce(low), np.maximum.reduce(high)


_FOLD = 256
"""Rows laid side by side before a column-wise reduction, so that its inner loop is long."""


def _dense(values: npt.NDArray[np.str_], keys: _Keys) -> Codes:
    """``np.unique`` of packed keys of at most :data:`_DENSE` per row: a table marks the keys seen.

    >>> values = np.array(["C02", "C01", "C02"])
    >>> [part.tolist() for part in _dense(values, _Keys.of(values))]
    [['C01', 'C02'], [1, 0, 1]]
    """
    found = keys(keys.words)
    seen = np.zeros(keys.span, dtype=bool)
    seen[found] = True
    rank = np.cumsum(seen, dtype=np.intp)
    rank -= 1
    inverse: npt.NDArray[np.intp] = rank[found]
    first = np.empty(int(rank[-1]) + 1, dtype=np.intp)
    first[inverse] = np.arange(values.size)  # any row of each key will do
    return values[first], inverse


def _factorize(values: npt.NDArray[np.str_]) -> Codes:
    """``np.unique(values, return_inverse=True)`` for 1-D unicode, without sorting the rows' strings.

    Each row becomes one 64-bit key read off its characters (the rows viewed as ``uint32`` code
    points). When ``bits``, enough for every code point, times the width is at most 64, the key
    packs the characters first-most-significant: distinct strings get distinct keys, in string
    order. Otherwise the key is a polynomial hash.

    When an evenly spaced sample of rows holds few distinct strings, each row is looked up among
    them by its key and compared with the string found, a block of rows at a time; the rows of
    strings the sample missed are coded apart, unless they are too many. Otherwise every row's key
    is sorted, and hashed rows are compared with their string; should two strings share a hash,
    the rows are sorted as strings after all. Either way the result is exactly ``np.unique``'s.

    >>> uniques, inverse = _factorize(np.array(["b", "a", "", "b"]))
    >>> uniques.tolist(), inverse.tolist()
    (['', 'a', 'b'], [2, 1, 0, 2])
    """
    values = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    if values.size == 0:
        return _exact(values)
    keys = _Keys.of(values)
    if keys.packed and keys.span <= _DENSE * values.size:
        return _dense(values, keys)
    every = max(1, values.size // _SAMPLE)
    distinct, first = np.unique(keys(keys.words[::every]), return_index=True)
    if len(distinct) <= _FEW:
        coded = _look_up(values, keys, distinct, first * every)
        if coded is not None:
            return coded
    distinct, inverse = np.unique(keys(keys.words), return_inverse=True)
    inverse = inverse.reshape(-1).astype(np.intp, copy=False)
    first = np.empty(len(distinct), dtype=np.intp)
    first[inverse] = np.arange(values.size)  # any row of each key will do
    if keys.packed:
        return values[first], inverse  # key order is string order
    uniques, inverse = _sort(values[first], inverse)
    if not _matches(keys.words, uniques, inverse):
        return _exact(values)  # two strings share a hash
    return uniques, inverse


def _uniques(values: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """``np.unique(values)`` for 1-D unicode: the sorted distinct strings alone, without codes.

    Packed keys (:class:`_Keys`) are marked in a table or sorted as numbers, and a row of each
    read, so no row's string is compared; hashed ones are coded by :func:`_factorize`.

    >>> _uniques(np.array(["b", "a", "", "b"])).tolist()
    ['', 'a', 'b']
    """
    values = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    if values.size == 0 or values.dtype.itemsize == 0:
        return _exact(values)[0]
    keys = _Keys.of(values)
    if not keys.packed:
        return _factorize(values)[0]
    found = keys(keys.words)
    if keys.span <= _DENSE * values.size:
        row = np.full(keys.span, -1, dtype=np.intp)
        row[found] = np.arange(values.size)  # a row of each key seen
        return values[row[row >= 0]]
    _, first = np.unique(found, return_index=True)
    return values[first]


def _distinct(values: npt.NDArray[np.str_]) -> bool:
    """Whether no two of 1-D unicode ``values`` are equal, as ``len(np.unique(values)) == len(values)``.

    Read off the rows' keys (:class:`_Keys`): distinct keys are distinct strings; packed keys are
    equal only for equal strings, and hashed ones that repeat are settled by ``np.unique``.

    >>> _distinct(np.array(["ab", "b", "a"])), _distinct(np.array(["a", "b", "a"]))
    (True, False)
    """
    values = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    if values.size < 2 or values.dtype.itemsize == 0:
        return values.size < 2
    keys = _Keys.of(values)
    found = np.sort(keys(keys.words))
    if not (found[1:] == found[:-1]).any():
        return True
    return False if keys.packed else len(np.unique(values)) == values.size


def _look_up(
    values: npt.NDArray[np.str_], keys: _Keys, distinct: npt.NDArray[np.uint64], first: npt.NDArray[np.intp]
) -> Codes | None:
    """Code each row as the sampled string of its key, checking it is that string, a block at a time.

    ``first[i]`` is a row holding the i-th of the sorted ``distinct`` keys. The rows of strings the
    sample missed are coded apart; ``None`` when they are more than one in :data:`_STRAYS`.
    """
    # a row is its sampled string when their keys are equal (packed), or all their words (hashed)
    probe: Callable[[npt.NDArray[Any]], npt.NDArray[np.uint64]] = keys
    if keys.packed:
        sampled = distinct[:, np.newaxis]
    else:  # found by a hash of the few words that tell the sampled strings apart, then compared
        sampled = keys.words[first]
        telling = _telling(sampled)
        if telling is not None:
            probe = telling
            distinct = probe(sampled)
            order = np.argsort(distinct)
            distinct, first, sampled = distinct[order], first[order], sampled[order]
    position = _Positions.of(distinct)
    inverse = np.empty(values.size, dtype=np.intp)
    strays: list[npt.NDArray[np.intp]] = []
    allowed = values.size // _STRAYS
    for start in range(0, values.size, _BLOCK):
        block = keys.words[start : start + _BLOCK]
        key = probe(block)
        at = position(key)
        inverse[start : start + _BLOCK] = at
        found, row = sampled[at], key[:, np.newaxis] if keys.packed else block
        if not (found == row).all():  # rows of strings the sample missed (or sharing a hash)
            stray = np.flatnonzero((found != row).any(axis=1))
            strays.append(stray + start)
            allowed -= stray.size
            if allowed < 0:
                return None
    strings = values[first]
    if strays:  # the strings the sample missed, coded apart and numbered after the sampled ones
        rows = np.concatenate(strays)
        extra, extra_inverse = _factorize(values[rows])
        inverse[rows] = extra_inverse + len(strings)
        strings = np.concatenate([strings, extra])
    return _sort(strings, inverse)


_TELLING = 3
"""At most this many words of a string are hashed to find it among a few sampled strings."""


@attrs.frozen
class _Telling:
    """A hash of a few words of each string (row of words), the fewest that tell some strings apart."""

    columns: tuple[int, ...]

    def __call__(self, words: npt.NDArray[np.unsignedinteger[Any]]) -> npt.NDArray[np.uint64]:
        """One key per row of ``words``."""
        key = words[:, self.columns[0]].astype(np.uint64)
        for column in self.columns[1:]:
            key *= _MULTIPLIER
            key += words[:, column]
        return key


def _telling(words: npt.NDArray[np.unsignedinteger[Any]]) -> _Telling | None:
    """The hash of the fewest words (picked greedily, at most :data:`_TELLING`) that differ between all rows.

    ``None`` when no such few words give every row a distinct key.

    >>> words = np.array(["charge", "credit", "payment"]).view(np.uint32).reshape(3, -1)
    >>> _telling(words).columns
    (1,)
    """
    chosen: list[int] = []
    for _ in range(_TELLING):
        counts = [
            (len(np.unique(words[:, [*chosen, column]], axis=0)), -column)
            for column in range(words.shape[1])
            if column not in chosen
        ]
        if not counts:
            return None
        count, column = max(counts)
        chosen.append(-column)
        if count == len(words):
            found = _Telling(tuple(chosen))
            return found if len(np.unique(found(words))) == len(words) else None
    return None


@attrs.frozen
class _Positions:
    """Where a key is among sorted distinct keys (any position, when it is not one of them).

    A table by slot (a key's top bits once spread) when the keys fill distinct slots of a small
    table, as a few keys do; a binary search otherwise.
    """

    distinct: npt.NDArray[np.uint64]
    table: npt.NDArray[np.intp] | None  # each slot's key's position (None: search)
    shift: np.uint64  # a key's slot is its spread key shifted right this far

    @classmethod
    def of(cls, distinct: npt.NDArray[np.uint64]) -> _Positions:
        """The smallest table whose slots tell the keys apart, if one has at most ``2 ** _SLOT_BITS``."""
        for bits in range(len(distinct).bit_length() + 1, _SLOT_BITS + 1):
            shift = np.uint64(64 - bits)
            slots = (distinct * _SPREAD) >> shift
            if len(np.unique(slots)) == len(distinct):
                table = np.zeros(1 << bits, dtype=np.intp)
                table[slots] = np.arange(len(distinct))
                return cls(distinct, table, shift)
        return cls(distinct, None, np.uint64(0))

    def __call__(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
        """Each key's position."""
        if self.table is None:
            at = np.searchsorted(self.distinct, keys)
            np.minimum(at, len(self.distinct) - 1, out=at)
            return at
        slot = keys * _SPREAD
        slot >>= self.shift
        found: npt.NDArray[np.intp] = self.table[slot]
        return found


def _sort(strings: npt.NDArray[np.str_], inverse: npt.NDArray[np.intp]) -> Codes:
    """Distinct ``strings`` sorted, and ``inverse`` renumbered to match."""
    order = np.argsort(strings)
    if (order[1:] > order[:-1]).all():  # in order already (packed keys sort as the strings do)
        return strings, inverse
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return strings[order], rank[inverse]


def _matches(
    words: npt.NDArray[np.unsignedinteger[Any]], uniques: npt.NDArray[np.str_], inverse: npt.NDArray[np.intp]
) -> bool:
    """Whether every row's words equal those of the distinct string it was coded to."""
    coded = uniques.view(words.dtype).reshape(len(uniques), -1)
    for start in range(0, len(words), _BLOCK):
        stop = start + _BLOCK
        if not (coded[inverse[start:stop]] == words[start:stop]).all():
            return False
    return True


def _frozen(uniques: npt.NDArray[Any], inverse: npt.NDArray[Any]) -> Codes:
    uniques.setflags(write=False)
    inverse.setflags(write=False)
    return uniques, inverse


_DIMENSION = Field(name="dimension", kind=FieldKind.TEXT, nullable=True)
"""How a column not in the schema is read: text, empty cells allowed."""


def _as_text(values: object) -> object:
    try:
        array = np.asarray(cast("Any", values))
    except Exception:  # noqa: BLE001 - reported by _convert, which reads the column again
        return values
    return array.astype(str) if array.ndim == 1 and array.dtype.kind in "iufb" else values


class SupportsColumns(Protocol):
    """A data frame as a type checker sees it: pandas, polars (eager or lazy), pyarrow..."""

    @property
    def columns(self) -> Any: ...  # noqa: ANN401 - each library's own type


class SupportsArrowStream(Protocol):
    """Anything speaking the Arrow PyCapsule stream protocol."""

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...  # noqa: ANN401


Fields = Mapping[str, Sequence[Field]]
"""Typed columns beyond the schema, by table. A Book also accepts any mapping there (and checks it):
``Book(**tables)`` of a dict of tables then type-checks."""

Table = Mapping[str, object] | SupportsColumns | SupportsArrowStream
"""What a Book table may be: a mapping of column name to array-like, or a data frame (pandas,
polars eager or lazy, pyarrow ``Table`` or ``RecordBatch``, any Arrow stream)."""


def _read_frame(table: str, raw: object, issues: list[Issue]) -> dict[Any, FrameColumn] | None:
    """A data frame's columns through :mod:`comanaged_rcm._frames`, or ``None`` with the issues recorded."""
    try:
        return _frames.open_frame(raw, f"$.{table}").read()
    except ValidationError as exc:
        issues.extend(exc.issues)
        return None


def _from_frame(path: str, field: Field, column: FrameColumn, issues: list[Issue]) -> object:
    """A frame's column as :func:`_convert` reads it, or :data:`_UNREAD` with the issue recorded.

    Missing cells are empty text or NaT where the column is nullable text or dates; anywhere
    else they are refused with the first row. Time-zone aware datetimes are never dates.
    """
    if column.zone is not None and field.kind is FieldKind.DATE:
        issues.append(
            Issue(
                path,
                "type",
                f"expected dates, not time-zone aware datetimes ({column.zone}); convert them to the"
                " provider's local dates first",
            )
        )
        return _UNREAD
    values, missing = column.values, column.missing
    if missing is None or field.kind is FieldKind.DATE:  # NaT marks a missing date already
        return values
    if field.kind is FieldKind.TEXT and values.dtype.kind in "US":
        blanked = values.copy()
        blanked[missing] = ""
        return blanked
    if field.kind is FieldKind.TEXT and values.dtype.kind == "O":
        return values  # None, NaN and pd.NA are missing text to _as_str
    if field.kind is FieldKind.TEXT:  # an extra dimension of numbers or flags, as text
        text = values.astype(str)
        text[missing] = ""
        return text
    rows = np.flatnonzero(missing)
    issues.append(Issue(path, "missing", f"must not be empty (row {int(rows[0])}; {rows.size} rows)"))
    return _UNREAD


_UNREAD = object()
"""What :func:`_from_frame` gives for a column it refused."""


def _validate(
    table: str, raw: object, issues: list[Issue], codes: dict[str, Codes], extra: tuple[Field, ...] = ()
) -> Columns | None:
    if raw is None:
        return None
    if _frames.is_frame(raw):
        read = _read_frame(table, raw, issues)
        if read is None:
            return None
        raw = read
    if not isinstance(raw, Mapping):
        issues.extend(_frames.refuse(f"$.{table}", raw).issues)
        return None
    schema = {f.name: f for f in (*SCHEMAS[table], *extra)}
    before = len(issues)
    issues.extend(
        Issue(f"$.{table}.{f.name}", "missing", f"required column {f.name!r} is missing")
        for f in schema.values()
        if f.required and f.name not in raw
    )
    columns: Columns = {}
    items: Mapping[object, object] = raw
    for name, values in items.items():
        if (
            not isinstance(name, str)
            or not name.strip()
            or len(name) > _NAME_LENGTH
            or not name.isprintable()
        ):
            issues.append(
                Issue(
                    f"$.{table}",
                    "type",
                    f"column names must be printable strings of 1 to {_NAME_LENGTH} characters"
                    f" (got {_check.show(name)})",
                )
            )
            continue
        field = schema.get(name)
        if isinstance(values, FrameColumn):
            values = _from_frame(f"$.{table}.{name}", field or _DIMENSION, values, issues)  # noqa: PLW2901
            if values is _UNREAD:
                continue
        if isinstance(raw, _Table):  # another book's: its coded columns are read as their codes
            values = raw.column(name)  # noqa: PLW2901 - the same column, undecoded
        if field is None:  # an extra dimension (location, provider): kept as text, whatever it holds
            field = _DIMENSION
            coded = _dictionary(values)
            if coded is None or coded.values.dtype.kind not in "OUS":
                values = _as_text(values)  # noqa: PLW2901 - the same column, as text
        converted = _convert(f"$.{table}.{name}", field, values, issues, codes, name=name)
        if converted is not None:
            converted.setflags(write=False)  # the book's own, so what is derived from it stays true
            columns[name] = converted
    lengths = {name: len(col) for name, col in columns.items()}
    if len(set(lengths.values())) > 1:
        first = next(iter(lengths))
        issues.extend(
            Issue(f"$.{table}.{name}", "length", f"has {n} rows ({first!r} has {lengths[first]})")
            for name, n in lengths.items()
            if n != lengths[first]
        )
    if len(issues) > before:
        return None
    _check_rows(table, columns, codes, issues)
    return columns


def _equals(columns: Columns, codes: dict[str, Codes], name: str, value: str) -> npt.NDArray[np.bool_]:
    """``columns[name] == value`` for a categorical column, read off its codes."""
    uniques, inverse = codes.get(name) or _exact(columns[name])  # an empty column is not coded
    at = int(np.searchsorted(uniques, value))
    if at < len(uniques) and uniques[at] == value:
        found: npt.NDArray[np.bool_] = inverse == at
        return found
    return np.zeros(len(inverse), dtype=bool)


def _check_rows(table: str, columns: Columns, codes: dict[str, Codes], issues: list[Issue]) -> None:
    if table == "transactions":
        unexplained = _equals(columns, codes, "type", "write_off")
        if "write_off_reason" in columns:
            unexplained &= _equals(columns, codes, "write_off_reason", "")
        if unexplained.any():
            row = int(np.flatnonzero(unexplained)[0])
            issues.append(
                Issue("$.transactions.write_off_reason", "missing", f"write-offs need a reason (row {row})")
            )
    elif table == "submissions":
        undated = ~_equals(columns, codes, "outcome", "pending") & np.isnat(columns["adjudicated_date"])
        if undated.any():
            row = int(np.flatnonzero(undated)[0])
            issues.append(
                Issue(
                    "$.submissions.adjudicated_date",
                    "missing",
                    f"adjudicated submissions need a date (row {row})",
                )
            )
        if (columns["seq"] < 1).any():
            issues.append(Issue("$.submissions.seq", "range", "must be >= 1 (1 is the original submission)"))
        if (columns["denied_lines"] > columns["lines"]).any():
            issues.append(Issue("$.submissions.denied_lines", "range", "must not exceed 'lines'"))
        if (columns["denied_charges"] > columns["charges"]).any():
            issues.append(Issue("$.submissions.denied_charges", "range", "must not exceed 'charges'"))
    elif table == "work_items":
        early = columns["closed"] < columns["opened"]
        if early.any():
            row = int(np.flatnonzero(early)[0])
            issues.append(Issue("$.work_items.closed", "range", f"must not be before 'opened' (row {row})"))
    elif table == "ledger":
        months = columns["month"]
        if (months.astype("datetime64[M]").astype("datetime64[D]") != months).any():
            issues.append(Issue("$.ledger.month", "range", "must be the first day of a month"))


class _Table(Mapping[str, npt.NDArray[Any]]):
    """A Book's table: column name to a read-only 1-D array; text decoded from its codes on access.

    A coded column's text is made anew on each access and not kept (``book.codes`` reads the
    codes themselves, at no cost). Iterates in the order the columns were given.

    >>> table = _Table({"payer": np.array([1, 0], dtype=np.uint8)}, {"payer": (np.array(["A", "B"]),
    ...     np.array([1, 0], dtype=np.uint8))}, 2)
    >>> table["payer"].tolist(), list(table), "payer" in table, len(table)
    (['B', 'A'], ['payer'], True, 1)
    """

    __slots__ = ("_arrays", "_coded", "rows")

    def __init__(self, arrays: Mapping[str, npt.NDArray[Any]], coded: Mapping[str, Codes], rows: int) -> None:
        self._arrays = dict(arrays)
        self._coded = dict(coded)
        self.rows = rows

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        pair = self._coded.get(name)
        if pair is None:
            return self._arrays[name]
        uniques, inverse = pair
        text: npt.NDArray[Any] = uniques[inverse]
        text.setflags(write=False)
        return text

    def __contains__(self, name: object) -> bool:
        return name in self._arrays

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        return f"<table of {self.rows:,} rows: {', '.join(self._arrays)}>"

    def column(self, name: str) -> object:
        """A column as a Book reads it: an array, or a coded column's values and codes undecoded."""
        pair = self._coded.get(name)
        return self._arrays[name] if pair is None else _Dictionary(*pair, ordered=True)

    def kept(self) -> Iterator[npt.NDArray[Any]]:
        """Every array the table holds: columns as kept, and the codes and values of coded ones."""
        for name, array in self._arrays.items():
            yield array
            if name in self._coded:
                yield self._coded[name][0]


@attrs.frozen(init=False, eq=False)
class Book:
    """A provider's data, validated once: column tables of equal-length numpy arrays.

    Args:
        transactions: ``claim_id, payer, team?, service_date, posting_date, type, amount,
            write_off_reason?, billed_date?``.
        submissions: ``claim_id, payer, team?, seq, submitted_date, lines, charges, clean,
            adjudicated_date, outcome, denied_lines, denied_charges``.
        work_items: ``item_id, workflow, team, opened, closed, touches, escalated``.
        ledger: ``month, npsr?, cost_to_collect?, bad_debt?, charity?, net_ar?, dnfb?,
            gross_revenue?, patient_service_cash?, pos_cash?, patient_cash?, late_charges?,
            denial_write_offs?`` (monthly general-ledger totals).
        fields: Typed columns beyond the schema, by table (``{"transactions":
            (Field(name="allowed", kind=FieldKind.NUMBER),)}``), validated as the schema's are, so
            that a measure of one's own can sum them; a name may not be a schema column's.

    Each is a mapping of column name to anything ``numpy.asarray`` accepts, or a data frame: a
    pandas or polars ``DataFrame``, a polars ``LazyFrame`` (collected), a pyarrow ``Table`` or
    ``RecordBatch``, or anything speaking the Arrow PyCapsule stream protocol. A data frame is read
    through narwhals (``pip install 'comanaged-rcm[frames]'``), imported only when one arrives:
    its missing cells (null, and in pandas NaN, ``pd.NA`` and ``NaT``) are allowed where the column
    is nullable and refused with the first row where not; categorical columns are read as their
    values; time-zone aware datetimes are never dates. Anything else is refused, naming its type.
    Other columns (location, provider) are kept as text slice dimensions.

    Text is kept coded: each row's index into the column's sorted distinct values, in the
    narrowest unsigned integers that hold them (``uint8`` for up to 256 values), read at no cost
    by :meth:`codes`; ``book.transactions["payer"]`` decodes the text anew on each access and
    does not keep it. Text given coded is read as its codes, never decoded: a pandas categorical
    column of a mapping (renumbered to its values in sorted order), or a table of another Book
    (its codes kept as they are). Every other column is the book's own read-only copy, so changing the arrays
    passed in changes nothing, and what the engine derives from the book once (codes, rollups per
    slicing) stays true for the book's life. A column already read-only, down to memory numpy
    owns, and of the book's dtype is kept instead of copied: it cannot change either (a synthetic
    book's columns, those of :func:`~comanaged_rcm.cycle.read_cycle_csv`).

    >>> allowed = Field(name="allowed", kind=FieldKind.NUMBER)
    >>> book = Book(transactions={"claim_id": ["C1"], "payer": ["Acme"], "service_date": ["2026-01-05"],
    ...     "posting_date": ["2026-01-06"], "type": ["charge"], "amount": [100.0], "allowed": [80.0]},
    ...     fields={"transactions": (allowed,)})
    >>> book.transactions["allowed"].tolist(), book.codes("transactions", "payer")[1].dtype
    ([80.0], dtype('uint8'))

    Raises:
        ValidationError: Every problem found, each naming ``$.table.column``; ``fields`` that are
            not a mapping of table name to a sequence of :class:`Field` (``$.fields``), or a field
            named like a schema column or another field (``$.fields.transactions[0].name``).
    """

    transactions: BookTable | None
    submissions: BookTable | None
    work_items: BookTable | None
    ledger: BookTable | None
    _codes: dict[tuple[str, str], Codes] = attrs.field(repr=False, alias="_codes")
    _notes: tuple[str, ...] = attrs.field(default=(), repr=False, alias="_notes")

    def __init__(
        self,
        transactions: Table | None = None,
        submissions: Table | None = None,
        work_items: Table | None = None,
        ledger: Table | None = None,
        *,
        fields: Fields | Mapping[str, object] | None = None,
    ) -> None:
        extra = _extra_fields(fields)
        issues: list[Issue] = []
        coded: dict[str, dict[str, Codes]] = {name: {} for name in SCHEMAS}
        tables = {
            name: _validate(name, raw, issues, coded[name], extra.get(name, ()))
            for name, raw in (
                ("transactions", transactions),
                ("submissions", submissions),
                ("work_items", work_items),
                ("ledger", ledger),
            )
        }
        if issues:
            raise ValidationError(issues)
        codes = {(table, column): pair for table, found in coded.items() for column, pair in found.items()}
        frozen = {
            name: None
            if columns is None
            else _Table(columns, coded[name], len(next(iter(columns.values()))) if columns else 0)
            for name, columns in tables.items()
        }
        self.__attrs_init__(
            transactions=frozen["transactions"],
            submissions=frozen["submissions"],
            work_items=frozen["work_items"],
            ledger=frozen["ledger"],
            _codes=codes,
        )

    def codes(self, table: str, column: str) -> Codes:
        """Sorted distinct values of a column and each row's index into them.

        The same as ``np.unique(column, return_inverse=True)``, both read-only, the index as the
        narrowest unsigned integers that number the values (``uint8`` for up to 256 values,
        ``uint16``, ``uint32``). A text column is held this way, so its codes cost nothing; those of
        another column are computed on first use and kept.

        Raises:
            ValidationError: ``table`` is not a table name, or the book has no such column.

        >>> Book(work_items={"item_id": ["a", "b"], "workflow": ["x", "x"], "team": ["t", "t"],
        ...     "opened": ["2026-01-01"] * 2, "closed": [None, None], "touches": [1, 2],
        ...     "escalated": [False, True]}).codes("work_items", "item_id")[1].tolist()
        [0, 1]
        """
        _check.one_of(table, tuple(SCHEMAS), "$.table")
        _check.instance(column, str, "$.column")
        key = (table, column)
        if key not in self._codes:
            columns = self.table(table)
            if columns is None:
                raise ValidationError.single("$.table", "unknown", f"the book has no {table}")
            if column not in columns:
                raise ValidationError.single(
                    "$.column",
                    "unknown",
                    f"the book has no column {_check.show(column)} in {table!r}"
                    f"{_check.suggest(column, columns)}",
                )
            self._codes[key] = _frozen(*_value_codes(columns[column]))  # text is coded already
        return self._codes[key]

    @classmethod
    def from_tables(
        cls,
        tables: Mapping[str, Table | None],
        *,
        mapping: ExportMap | None = None,
        fields: Fields | Mapping[str, object] | None = None,
    ) -> Book:
        """A Book from tables by name, each read through its table's map in ``mapping``.

        Without a map this is ``Book(**tables)``: columns not in the schema are kept as text slice
        dimensions. With one, each table (a mapping of arrays or any data frame) is read as
        :meth:`comanaged_rcm.mapping.TableMap.match` finds its columns: the map's ``columns``
        first, then the schema's names ignoring case and surrounding space. Only schema columns
        and the map's ``keep`` columns are read; every other column is dropped at the edge (a
        patient's name never reaches a report), and of a lazy frame only those are collected.
        Text date and number columns are parsed with the map's formats (every bad cell counted,
        the first named), coded columns mapped through ``values`` and ``fold_case`` columns
        case-folded (what was merged is in :attr:`notes`); aware datetimes are read in the
        map's ``time_zone`` and, with ``time_of_day``, datetimes as their dates. Map entries
        for columns of the governance cycle's files that a Book does not hold are not used.

        Args:
            tables: Table name (``transactions``, ``submissions``, ``work_items``, ``ledger``) to
                a mapping of column name to array, or a data frame.
            mapping: The mapping document; ``None`` reads the tables as they are.
            fields: Typed columns beyond the schema, by table, as :class:`Book` takes them; their
                columns are found by name as the schema's are, and parsed with the map's formats.

        Raises:
            ValidationError: Every problem at once: an unknown table name (``$.tables``), a
                column the map cannot find (``$.transactions``, listing the columns found and the
                closest match), cells that do not parse (``$.transactions.service_date``), and
                everything :class:`Book` refuses.

        >>> from comanaged_rcm.mapping import ExportMap, NumberFormat, TableMap
        >>> export = {"Claim #": ["C1"], "Payer Name": ["Aetna "], "DOS": ["03/15/2024"],
        ...     "Post Date": ["03/20/2024"], "Trans Type": ["CHG"], "Amount": ["$1,250.00"],
        ...     "Patient Name": ["J. Doe"]}
        >>> document = ExportMap(tables={"transactions": TableMap(
        ...     columns={"claim_id": "Claim #", "payer": "Payer Name", "service_date": "DOS",
        ...         "posting_date": "Post Date", "type": "Trans Type", "amount": "Amount"},
        ...     date_format="%m/%d/%Y", number_format=NumberFormat(), values={"type": {"CHG": "charge"}},
        ...     fold_case=("payer",))})
        >>> book = Book.from_tables({"transactions": export}, mapping=document)
        >>> columns = book.transactions
        >>> sorted(columns), columns["amount"].tolist(), columns["payer"].tolist()
        (['amount', 'claim_id', 'payer', 'posting_date', 'service_date', 'type'], [1250.0], ['aetna'])
        """
        _check.instance(tables, Mapping, "$.tables", "a mapping of table name to table")
        for name in tables:
            _check.one_of(name, tuple(SCHEMAS), "$.tables")
        if mapping is None:
            return cls(**tables, fields=fields)
        _check.instance(mapping, ExportMap, "$.mapping", "an ExportMap or None")
        extra = _extra_fields(fields)
        issues: list[Issue] = []
        notes: list[str] = []
        mapped = {
            name: _mapped(name, raw, mapping.table(name), issues, notes, extra.get(name, ()))
            for name, raw in tables.items()
        }
        if issues:
            raise ValidationError(issues)
        book = cls(**cast("dict[str, Any]", mapped), fields=fields)
        object.__setattr__(book, "_notes", tuple(notes))  # set once, on the frozen book just built
        return book

    @property
    def notes(self) -> tuple[str, ...]:
        """What reading through a mapping merged, for the caller to report; empty otherwise.

        Ids that differ only in case or surrounding space and were folded into one:
        ``"payer: 'Aetna' and 'aetna ' were folded into 'aetna'"``.
        """
        return self._notes

    def table(self, name: str) -> BookTable | None:
        """The validated columns of one table, or ``None`` when it was not given.

        Raises:
            ValidationError: ``name`` is not one of the tables (``transactions``...).
        """
        _check.one_of(name, tuple(SCHEMAS), "$.name")
        tables: dict[str, BookTable | None] = {
            "transactions": self.transactions,
            "submissions": self.submissions,
            "work_items": self.work_items,
            "ledger": self.ledger,
        }
        return tables[name]

    def rows(self, name: str) -> int:
        """Number of rows of one table (0 when it was not given).

        Raises:
            ValidationError: ``name`` is not one of the tables.
        """
        columns = self.table(name)
        return columns.rows if isinstance(columns, _Table) else 0

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={self.rows(name)}" for name in SCHEMAS if self.table(name) is not None)
        return f"Book({sizes})"


# ------------------------------------------------------------------------------------- mapping


def _mapped(  # noqa: PLR0917 - the table, its map, where problems and notes go, its fields
    table: str,
    raw: object,
    table_map: TableMap,
    issues: list[Issue],
    notes: list[str],
    extra: tuple[Field, ...] = (),
) -> object:
    """One table read through its map: schema and kept columns only, text parsed and mapped.

    ``None`` with the issues recorded when the table cannot be read.
    """
    if raw is None:
        return None
    path = f"$.{table}"
    schema = {f.name: f for f in (*SCHEMAS[table], *extra)}
    try:
        frame = _frames.open_frame(raw, path) if _frames.is_frame(raw) else None
        if frame is None and not isinstance(raw, Mapping):
            raise _frames.refuse(path, raw)
    except ValidationError as exc:
        issues.extend(exc.issues)
        return None
    header = list(frame.names if frame is not None else cast("Mapping[object, object]", raw))
    odd = next((h for h in header if not isinstance(h, str)), None)
    if odd is not None:
        issues.append(Issue(path, "type", f"column names must be strings (got {_check.show(odd)})"))
        return None
    used = attrs.evolve(table_map, columns={k: c for k, c in table_map.columns.items() if k in schema})
    try:
        found = used.match(header, csv_columns(table, fields=extra), where=path)
        columns: Mapping[str, object]
        if frame is not None:
            read = frame.read([header[i] for i in found.positions.values()], zone=table_map.time_zone)
            columns = {name: read[header[i]] for name, i in found.positions.items()}
        else:
            given = cast("Mapping[str, object]", raw)
            columns = {name: given[header[i]] for name, i in found.positions.items()}
    except ValidationError as exc:
        issues.extend(exc.issues)
        return None
    return {
        name: _parsed(f"{path}.{name}", schema.get(name), values, table_map, issues=issues, notes=notes)
        for name, values in columns.items()
    }


def _text(values: object) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.bool_] | None] | None:
    """A column's cells as text with its missing cells, or ``None`` when it is not text."""
    if isinstance(values, FrameColumn):
        if values.values.dtype.kind != "U":
            return None
        return values.values, values.missing
    try:
        array = np.asarray(cast("Any", values))
    except Exception:  # noqa: BLE001 - reported when the Book reads the column
        return None
    if array.ndim != 1:
        return None
    if array.dtype.kind == "U":
        return array, None
    if array.dtype.kind != "O":
        return None
    cells = array.tolist()
    missing = np.array([_missing(c) for c in cells], dtype=bool)
    if not all(isinstance(c, str) or gone for c, gone in zip(cells, missing.tolist(), strict=True)):
        return None
    return np.array(
        ["" if gone else c for c, gone in zip(cells, missing.tolist(), strict=True)], dtype=str
    ), (missing if missing.any() else None)


def _bad(
    path: str, what: str, cells: npt.NDArray[np.str_], bad: npt.NDArray[np.bool_], issues: list[Issue]
) -> None:
    rows = np.flatnonzero(bad)
    issues.append(
        Issue(
            path,
            "type",
            f"{rows.size:,} of {len(cells):,} cells are not {what} (first at row {int(rows[0])}:"
            f" {_check.show(str(cells[rows[0]]))})",
        )
    )


def _parsed(
    path: str,
    field: Field | None,
    values: object,
    table_map: TableMap,
    *,
    issues: list[Issue],
    notes: list[str],
) -> object:
    """A mapped column: dates and numbers in text parsed, codes mapped, ids folded; else as given."""
    name = path.rsplit(".", 1)[1]
    if field is not None and field.kind is FieldKind.DATE and isinstance(values, FrameColumn):
        if table_map.time_of_day and values.values.dtype.kind == "M" and values.zone is None:
            return FrameColumn(values.values.astype("datetime64[D]"), values.missing, values.dtype)
        if values.values.dtype.kind != "U":
            return values
    text = _text(values)
    if text is None or field is None:
        return values
    cells, missing = text
    if field.kind is FieldKind.DATE:
        fmt = table_map.format_of(name)
        days, bad = parse_dates(cells, fmt, time_of_day=table_map.time_of_day, time_zone=table_map.time_zone)
        if bad.any():
            _bad(path, f"dates written {fmt}" if fmt else "ISO dates (YYYY-MM-DD)", cells, bad, issues)
        return days
    if field.kind in {FieldKind.NUMBER, FieldKind.COUNT}:
        numbers, bad = parse_numbers(cells, table_map.number_format)
        if bad.any():
            _bad(path, "numbers as the map's number_format writes them", cells, bad, issues)
        empty = np.isnan(numbers) & ~bad
        return FrameColumn(np.where(empty, 0.0, numbers), empty if empty.any() else None, "String")
    if field.kind is not FieldKind.TEXT:
        return values
    if name not in table_map.values and name not in table_map.fold_case:
        return values  # as given: the book copies what it does not own
    if name in table_map.values:
        cells = apply_values(cells, table_map.values[name])
    if name in table_map.fold_case:
        cells, merged = fold(cells, name)
        notes.extend(merged)
    return FrameColumn(np.array(cells, copy=True), missing, "String")


_ROW = re.compile(r"\brow (\d+)\b")


def locate_in_csv(error: ValidationError, files: Mapping[str, str | os.PathLike[str]]) -> ValidationError:
    """A Book's issues about tables read from CSV, pointed at ``file:line:column`` instead.

    ``files`` maps a table (``transactions``) to the CSV it was read from with
    :func:`~comanaged_rcm.tables.read_csv`. An issue at ``$.table.column`` whose message names a
    data row ("row 2") moves to that row's line; one naming no row, to ``file:column``.
    """
    located = []
    for issue in error.issues:
        table, _, column = issue.path.removeprefix("$.").partition(".")
        if table not in files or not column:
            located.append(issue)
            continue
        path = Path(files[table])
        rows = _ROW.findall(issue.message)  # the last: a quoted value may hold "row 2" too
        row = rows[-1] if rows else None
        lines = data_lines(path) if row else []
        at = int(row) if row else len(lines)
        where = f"{path.name}:{lines[at]}:{column}" if at < len(lines) else f"{path.name}:{column}"
        located.append(Issue(where, issue.code, issue.message))
    return ValidationError(located)
