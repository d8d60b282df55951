r"""Typed CSV input: read a file into numpy columns, reporting every bad cell with line and column.

Applications export their ledgers, submissions and work queues as CSV; every command that reads one
goes through :func:`read_csv`, so a bad row is always reported the same way, as
``transactions.csv:12:amount`` (file, 1-based line number, column), and nothing is returned when
any cell is bad.

Examples:
    >>> import io
    >>> text = io.StringIO("claim_id,amount,posted\nC1,120.50,2026-01-05\nC2,,2026-01-06\n")
    >>> cols = read_csv(text, [Column("claim_id"), Column("amount", ColumnKind.NUMBER, nullable=True),
    ...                        Column("posted", ColumnKind.DATE)], name="tx.csv")
    >>> cols["amount"].tolist(), str(cols["posted"][1])
    ([120.5, nan], '2026-01-06')
    >>> read_csv(io.StringIO("claim_id,amount\nC1,12x\n"), [Column("claim_id"),
    ...          Column("amount", ColumnKind.NUMBER)], name="tx.csv")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: expected a number (got '12x') @ tx.csv:2:amount
"""

from __future__ import annotations

import csv
import datetime
import enum
import io
import itertools
import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _io
from comanaged_rcm._check import show, tuple_of, v
from comanaged_rcm._check import text as _text
from comanaged_rcm.errors import Issue, ValidationError

__all__ = ["Column", "ColumnKind", "data_lines", "narrowest", "read_csv"]

_MAX_ISSUES = 50
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


class ColumnKind(enum.Enum):
    """What a CSV column holds, and so which numpy dtype it becomes."""

    TEXT = "text"  # numpy unicode strings; empty cells are ""
    INTEGER = "integer"  # int64
    NUMBER = "number"  # float64; empty cells are NaN only when the column is nullable
    DATE = "date"  # datetime64[D] from ISO dates; empty cells are NaT only when nullable
    BOOLEAN = "boolean"  # bool from true/false, yes/no, 1/0 (case-insensitive)


@attrs.frozen
class Column:
    """One expected CSV column.

    Args:
        name: Header name.
        kind: What the cells hold.
        required: Whether the header must be present (an absent optional column is left out).
        nullable: Whether empty cells are allowed (NUMBER gives NaN, DATE gives NaT, TEXT gives "").
    """

    name: str = attrs.field(validator=v.text(maximum=1_000))
    kind: ColumnKind = attrs.field(default=ColumnKind.TEXT, validator=v.member(ColumnKind))
    required: bool = attrs.field(default=True, validator=v.flag())
    nullable: bool = attrs.field(default=False, validator=v.flag())


def _parse_integer(cell: str) -> int:
    value = int(cell)
    if not -(2**63) <= value < 2**63:
        raise ValueError(cell)
    return value


def _parse_number(cell: str) -> float:
    value = float(cell)
    if not math.isfinite(value):
        raise ValueError(cell)
    return value


def _parse_date(cell: str) -> datetime.date:
    return datetime.date.fromisoformat(cell)


def _parse_boolean(cell: str) -> bool:
    lowered = cell.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(cell)


_PARSERS: dict[ColumnKind, tuple[Callable[[str], Any], str, str]] = {
    ColumnKind.INTEGER: (_parse_integer, "an integer", "int64"),
    ColumnKind.NUMBER: (_parse_number, "a number", "float64"),
    ColumnKind.DATE: (_parse_date, "an ISO date like 2026-01-31", "datetime64[D]"),
    ColumnKind.BOOLEAN: (_parse_boolean, "true or false", "bool"),
}
_EMPTY: dict[ColumnKind, Any] = {
    ColumnKind.NUMBER: math.nan,
    ColumnKind.DATE: np.datetime64("NaT"),
}


_EXTRA = Column("extra", ColumnKind.TEXT, required=False, nullable=True)
"""How a header cell outside the schema is read (its own name, empty or odd, is never checked)."""


def read_csv(
    source: str | os.PathLike[str] | IO[str],
    columns: Sequence[Column],
    *,
    name: str | None = None,
    encoding: str | None = None,
) -> dict[str, npt.NDArray[Any]]:
    """Read a CSV with a header row into typed numpy columns.

    Extra columns in the file are kept as TEXT, so extra dimensions (location, provider) pass
    through as slice keys. The file is UTF-8 unless ``encoding`` says otherwise; a UTF-8 BOM is
    skipped and a UTF-16 or UTF-32 BOM is detected. Lines are numbered as in the file: a row
    whose quoted cell spans lines is located at the line it begins on.

    Args:
        source: A path, or an open text file.
        columns: The expected columns.
        name: How to call the file in messages (defaults to the path's name, or ``<csv>``).
        encoding: The file's encoding when it is not UTF-8 (``cp1252``, ``latin-1``...).

    Returns:
        A mapping of column name to a 1-D numpy array, all of the same length.

    Raises:
        ValidationError: Listing missing required headers and every bad cell (up to 50) as
            ``file:line:column``; nothing is returned when any is found. A file that is not text
            in its encoding, holds a NUL byte, is empty, repeats a header, has rows of the wrong
            width, or a quote that never closes is refused as ``file:line``.
    """
    columns = tuple_of(columns, Column, "$.columns")
    if name is not None:
        name = _text(name, "$.name", maximum=1_000)
    if encoding is not None:
        encoding = _io.check_encoding(encoding)
    if isinstance(source, str | os.PathLike | bytes):
        raw = _io.check_path(source, "$.source")
        label = name or Path(raw).name
        content = _io.read_text(raw, encoding=encoding, where="$.source", label=label)
        return _read(content, columns, label)
    read = getattr(source, "read", None)
    if not callable(read):
        message = f"'source' must be a path or an open text file (got {type(source).__name__})"
        raise ValidationError.single("$.source", "type", message)
    label = name or "<csv>"
    try:
        got: object = read()
    except OSError as exc:
        raise _io.unreadable(exc, "$.source", label) from None
    except ValueError as exc:  # a closed file
        raise ValidationError.single(label, "file", f"cannot read the file ({exc})") from None
    if isinstance(got, bytes | bytearray):
        got = _io.decode(bytes(got), source=label, encoding=encoding)
    if not isinstance(got, str):
        message = f"'source' must be a path or an open text file (read gave {type(got).__name__})"
        raise ValidationError.single("$.source", "type", message)
    return _read(got.removeprefix("\ufeff"), columns, label)


def narrowest(text: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """Non-empty native unicode ``text`` in a dtype only as wide as its longest string.

    A new array when the dtype is wider than needed (every later pass over it is shorter), else
    ``text`` itself.

    >>> narrowest(np.array(["ab", "c"], dtype="<U9")).dtype
    dtype('<U2')

    Raises:
        ValidationError: ``text`` is not a non-empty numpy array of unicode strings (at ``$.text``).
    """
    given: object = text  # checked as what a caller may pass, not as annotated
    if not isinstance(given, np.ndarray) or given.dtype.kind != "U" or not given.size:
        what = f"{given.size} items of {given.dtype}" if isinstance(given, np.ndarray) else show(given)
        message = f"'text' must be a non-empty numpy array of unicode strings (got {what})"
        raise ValidationError.single("$.text", "type", message)
    codes = np.ascontiguousarray(text).view(np.uint32).reshape(text.size, -1)
    if codes[:, -1].any():  # the last character is used
        return text
    return text.astype(f"<U{max(int(np.char.str_len(text).max()), 1)}")


def data_lines(source: str | os.PathLike[str], *, encoding: str | None = None) -> list[int]:
    """The line of each data row of a CSV, numbered as :func:`read_csv` numbers them.

    Row ``i`` of the arrays :func:`read_csv` returns came from line ``data_lines(path)[i]``: the
    header is line 1, a row is numbered by the line it begins on, and blank rows are skipped.
    Use it to point at a row that a later check refuses. Bytes that are not text in the encoding
    are read as replacement characters, which moves no line.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text(chr(10).join(["a,b", "1,2", "", "3,4"]), encoding="utf-8")
    >>> data_lines(path)
    [2, 4]
    """
    path = Path(_io.check_path(source, "$.source"))
    if encoding is not None:
        encoding = _io.check_encoding(encoding)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _io.unreadable(exc, "$.source", path.name) from None
    try:
        content = _io.decode(data, source=path.name, encoding=encoding)
    except ValidationError:
        content = data.decode(encoding or "utf-8", errors="replace").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(content, newline=""))
    lines: list[int] = []
    try:
        next(reader, None)
        start = reader.line_num + 1
        for row in reader:
            if "".join(row).strip():
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error:
        pass  # read_csv refuses such a file; the rows before the error keep their lines
    return lines


def _csv_error(exc: csv.Error, start: int, line: int, name: str) -> ValidationError:
    """The issue of a row the csv module cannot read, at the line the row begins on."""
    reason = str(exc)
    if "unexpected end of data" in reason:
        message = (
            f"a quoted cell in the row that begins on line {start} is never closed: its opening quote"
            ' takes in the rest of the file (double a quote inside a quoted cell: "")'
        )
    elif "field larger than field limit" in reason:
        message = (
            f"a cell of the row that begins on line {start} is over {csv.field_size_limit():,} characters"
            " long: a stray quote may have opened a cell that takes in the lines after it"
        )
    elif "expected after" in reason:
        message = (
            f"bad quoting on line {line} (row from line {start}): a quoted cell must end with a quote"
            " followed by a comma or the end of the line (double a quote inside a quoted cell)"
        )
    else:  # pragma: no cover - the csv module's other errors cannot happen with these settings
        message = f"unreadable CSV on line {line} (row from line {start}): {reason}"
    return ValidationError.single(f"{name}:{start}", "csv", message)


def _header(header: list[str], name: str) -> list[Issue]:
    issues = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(header):
        if cell in seen and cell:
            message = f"duplicate column {cell!r} (columns {seen[cell] + 1} and {i + 1} of the header)"
            issues.append(Issue(f"{name}:1", "duplicate_column", message))
        seen.setdefault(cell, i)
    return issues


def _read(content: str, columns: Sequence[Column], name: str) -> dict[str, npt.NDArray[Any]]:
    if "\0" in content:
        at_line, at_column = _io.line_of(content, content.index("\0"))
        message = (
            f"the file holds a NUL byte (line {at_line}, column {at_column}): it is not a text CSV,"
            " or it is UTF-16 without a BOM (pass --encoding utf-16-le)"
        )
        raise ValidationError.single(f"{name}:{at_line}", "nul", message)
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    start = 1
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _csv_error(exc, start, reader.line_num, name) from None
    if header is None:
        raise ValidationError.single(f"{name}:1", "empty", "the file is empty (expected a header row)")
    header = [h.strip() for h in header]
    issues: list[Issue] = _header(header, name)
    position = {h: i for i, h in enumerate(header)}
    issues.extend(
        Issue(f"{name}:1", "missing_column", f"missing required column {column.name!r}")
        for column in columns
        if column.required and column.name not in position
    )
    if issues:
        raise ValidationError(issues)
    rows: list[list[str]] = []
    lines: list[int] = []
    ends: list[int] = []
    start = reader.line_num + 1
    try:
        for row in reader:
            if "".join(row).strip():  # blank lines and rows of blank cells are skipped
                rows.append(row)
                lines.append(start)
                ends.append(reader.line_num)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _csv_error(exc, start, reader.line_num, name) from None
    width = len(header)
    for line, end, row in zip(lines, ends, rows, strict=True):
        if len(row) != width:
            spans = ""
            if end > line:
                spans = f" in the row from line {line} to line {end} (a quoted cell spans them: stray quote?)"
            issues.append(Issue(f"{name}:{line}", "width", f"expected {width} cells (got {len(row)}){spans}"))
            if len(issues) >= _MAX_ISSUES:
                break
    for index, title in enumerate(header):
        if not title:  # a header cell with no name (a trailing comma) may only head empty cells
            filled = next((line for line, row in zip(lines, rows, strict=True) if row[index].strip()), None)
            if filled is not None:
                message = f"column {index + 1} has no name in the header but holds values: name it or drop it"
                issues.append(Issue(f"{name}:{filled}", "unnamed_column", message))
    if issues:
        raise ValidationError(issues[:_MAX_ISSUES])
    declared = {c.name: c for c in columns}
    result: dict[str, npt.NDArray[Any]] = {}
    flat = list(itertools.chain.from_iterable(rows))  # row-major; every row has ``width`` cells
    for header_name, index in position.items():
        if not header_name:
            continue  # an unnamed column of empty cells (a trailing comma), checked above
        column = declared.get(header_name, _EXTRA)  # a column beyond the schema is read as text
        cells = np.char.strip(np.array(flat[index::width], dtype=str))
        fast = _convert_fast(column, cells)
        if fast is None:  # a bad or unusual cell somewhere: parse cell by cell, naming each bad one
            fast = _convert(column, zip(lines, cells.tolist(), strict=True), name, issues)
        result[header_name] = fast
    if issues:
        raise ValidationError(issues[:_MAX_ISSUES])
    return result


def _convert_fast(column: Column, text: npt.NDArray[np.str_]) -> npt.NDArray[Any] | None:
    """Convert a whole column with numpy, or return ``None`` when any cell needs a closer look.

    Only inputs that the cell-by-cell parsers read the same way take this path: plain decimal
    numbers, ``YYYY-MM-DD`` dates, the listed boolean words. Anything else (an empty cell where
    none is allowed, an unusual spelling, a bad value) goes back to :func:`_convert`, which
    either accepts it exactly as before or reports it with its line.
    """
    if not len(text):
        return np.array([], dtype=str if column.kind is ColumnKind.TEXT else _PARSERS[column.kind][2])
    empty = text == ""
    if empty.any() and not (column.nullable and (column.kind is ColumnKind.TEXT or column.kind in _EMPTY)):
        return None
    if column.kind is ColumnKind.TEXT:  # as wide as the longest stripped cell, as the parser makes it
        return narrowest(text)
    filled = text[~empty]
    if not _PLAIN[column.kind](filled):
        return None
    dtype = _PARSERS[column.kind][2]
    converted: npt.NDArray[Any]
    if column.kind is ColumnKind.BOOLEAN:
        converted = np.isin(np.char.lower(filled), list(_TRUE))
    else:
        try:
            converted = filled.astype(dtype)
        except (ValueError, OverflowError):
            return None
    if column.kind is ColumnKind.NUMBER and not np.isfinite(converted).all():
        return None
    if column.kind is ColumnKind.DATE and len(converted) and converted.min() < np.datetime64("0001-01-01"):
        return None  # year 0 and before: numpy reads them, ISO dates do not
    if not empty.any():
        return converted
    out = np.full(len(text), _EMPTY[column.kind], dtype=dtype)
    out[~empty] = converted
    return out


def _plain_numbers(text: npt.NDArray[np.str_]) -> bool:
    # digits, one optional leading minus and one optional point: what numpy and float() agree on
    if not len(text):  # np.char.replace fails on an empty array
        return True
    bare = np.char.replace(np.char.lstrip(text, "-"), ".", "", count=1)
    return bool(np.char.isdigit(bare).all())


def _plain_integers(text: npt.NDArray[np.str_]) -> bool:
    return bool(np.char.isdigit(np.char.lstrip(text, "-")).all()) if len(text) else True


def _plain_dates(text: npt.NDArray[np.str_]) -> bool:
    if not len(text):
        return True
    shape = (np.char.str_len(text) == 10) & (np.char.count(text, "-") == 2)
    return bool(shape.all() and np.char.isdigit(np.char.replace(text, "-", "")).all())


def _plain_booleans(text: npt.NDArray[np.str_]) -> bool:
    return bool(np.isin(np.char.lower(text), list(_TRUE | _FALSE)).all())


_PLAIN: dict[ColumnKind, Callable[[npt.NDArray[np.str_]], bool]] = {
    ColumnKind.NUMBER: _plain_numbers,
    ColumnKind.INTEGER: _plain_integers,
    ColumnKind.DATE: _plain_dates,
    ColumnKind.BOOLEAN: _plain_booleans,
}


def _convert(
    column: Column, cells: Iterable[tuple[int, str]], name: str, issues: list[Issue]
) -> npt.NDArray[Any]:
    values: list[Any] = []
    if column.kind is ColumnKind.TEXT:
        for line, cell in cells:
            if not cell and not column.nullable:
                where = f"{name}:{line}:{column.name}"
                issues.append(Issue(where, "empty", "expected a value (got an empty cell)"))
            values.append(cell)
        return np.array(values, dtype=str)
    parse, expected, dtype = _PARSERS[column.kind]
    for line, cell in cells:
        if not cell:
            if column.nullable and column.kind in _EMPTY:
                values.append(_EMPTY[column.kind])
            else:
                issues.append(
                    Issue(f"{name}:{line}:{column.name}", "empty", f"expected {expected} (got an empty cell)")
                )
                values.append(_EMPTY.get(column.kind, 0))
            continue
        try:
            values.append(parse(cell))
        except ValueError:
            where = f"{name}:{line}:{column.name}"
            issues.append(Issue(where, "type", f"expected {expected} (got {cell!r})"))
            values.append(_EMPTY.get(column.kind, 0))
    return np.array(values, dtype=dtype)
