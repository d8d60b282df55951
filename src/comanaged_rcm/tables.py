r"""Typed CSV input: read a file into numpy columns, reporting bad cells with line and column.

Applications export their ledgers, submissions and work queues as CSV; every command that reads one
goes through :func:`read_csv`, so a bad row is always reported the same way, as
``transactions.csv:12:amount`` (file, 1-based line number, column), and nothing is returned when
any cell is bad. Every cell is checked: a column with many bad cells gets one summary issue with
the true count, where the first one is and a hint (``looks like MM/DD/YYYY: set date_format to
%m/%d/%Y``), followed by its first few cells as ``file:line:column``. An export in another
system's names and formats is read through a :class:`~comanaged_rcm.mapping.TableMap`.

Examples:
    >>> import io
    >>> text = io.StringIO("Claim_ID,amount,posted\nC1,120.50,2026-01-05\nC2,,2026-01-06\n")
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
import gc
import importlib
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _io
from comanaged_rcm._check import instance, one_of, show, tuple_of, v
from comanaged_rcm._check import text as _text
from comanaged_rcm.errors import Issue, RCMError, ValidationError
from comanaged_rcm.mapping import NumberFormat, TableMap, apply_values, fold, parse_dates, parse_numbers

__all__ = ["Column", "ColumnKind", "data_lines", "narrowest", "read_csv"]

_MAX_ISSUES = 50
"""The most issues about the file's shape (rows of the wrong width) an error lists."""
_LOCATED = 5
"""The bad cells of one column an error locates as ``file:line:column``."""
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_EXTRAS = ("drop", "keep")
_ENGINES = ("auto", "builtin", "pyarrow")
_PROBE = datetime.date(2026, 1, 31)
"""The date an expected format is shown with."""


class ColumnKind(enum.Enum):
    """What a CSV column holds, and so which numpy dtype it becomes."""

    TEXT = "text"  # numpy unicode strings; empty cells are ""
    INTEGER = "integer"  # int64
    NUMBER = "number"  # float64; empty cells are NaN only when the column is nullable
    DATE = "date"  # datetime64[D] from ISO dates (or a map's format); empty cells are NaT only when nullable
    BOOLEAN = "boolean"  # bool from true/false, yes/no, 1/0 (case-insensitive)


@attrs.frozen
class Column:
    """One expected CSV column.

    Args:
        name: Header name (matched ignoring case and surrounding space).
        kind: What the cells hold.
        required: Whether the header must be present (an absent optional column is left out).
        nullable: Whether empty cells are allowed (NUMBER gives NaN, DATE gives NaT, TEXT gives "").
    """

    name: str = attrs.field(validator=v.text(maximum=1_000))
    kind: ColumnKind = attrs.field(default=ColumnKind.TEXT, validator=v.member(ColumnKind))
    required: bool = attrs.field(default=True, validator=v.flag())
    nullable: bool = attrs.field(default=False, validator=v.flag())


_EXTRA = Column("extra", ColumnKind.TEXT, required=False, nullable=True)
"""How a column beyond the schema is read when it is kept (its own name, empty or odd, is never checked)."""


class _CountedError(ValidationError):
    """A :class:`ValidationError` whose headline counts every problem found, not the issues listed.

    A column of 92,405 bad dates is one summary issue (code ``cells``) and five located ones; the
    headline says ``92,405 validation issues (5 located)``. Raised (through :func:`_refuse`) only
    when the count differs from the issues listed.
    """

    def __init__(self, issues: Sequence[Issue], total: int | None = None) -> None:
        listed = tuple(issues)
        self.total = len(listed) if total is None else total
        super().__init__(listed)

    def _render(self) -> str:
        count = getattr(self, "total", len(self.issues))
        located = sum(issue.code != "cells" for issue in self.issues)
        noun = "issue" if count == 1 else "issues"
        shown = "" if located == count else f" ({located:,} located)"
        return f"{count:,} validation {noun}{shown}: " + "; ".join(str(i) for i in self.issues)


def _refuse(issues: Sequence[Issue], total: int) -> ValidationError:
    """The error of ``issues``, whose headline says ``total`` when it is not the count of issues."""
    plain = total == len(issues) and all(issue.code != "cells" for issue in issues)
    return ValidationError(issues) if plain else _CountedError(issues, total)


def read_csv(
    source: str | os.PathLike[str] | IO[str],
    columns: Sequence[Column],
    *,
    mapping: TableMap | None = None,
    name: str | None = None,
    encoding: str | None = None,
    extras: str = "drop",
    engine: str = "auto",
) -> dict[str, npt.NDArray[Any]]:
    r"""Read a CSV with a header row into typed numpy columns.

    A header matches a column ignoring case and surrounding space (``Claim_ID `` is
    ``claim_id``), after the renames of ``mapping.columns``; two headers matching one column are
    refused. Columns beyond ``columns`` are DROPPED (patient names and notes must not travel on)
    unless ``mapping.keep`` names them or ``extras="keep"`` keeps every one, as text. Dates are
    ISO ``YYYY-MM-DD`` unless the map gives a format; numbers are plain decimals unless it gives a
    number format; then its value maps and case folding apply to text columns. A date cell with a
    UTC offset is refused unless the map gives ``time_zone`` (then read as that zone's date), and
    one with a time of day unless ``time_of_day``.

    The file is UTF-8 unless ``encoding`` says otherwise; a UTF-8 BOM is skipped and a UTF-16 or
    UTF-32 BOM is detected. Lines are numbered as in the file: a row whose quoted cell spans lines
    is located at the line it begins on. With pyarrow installed (``pip install
    comanaged-rcm[arrow]``) the file is parsed by ``pyarrow.csv``; any file it cannot read exactly
    as the built-in reader would goes to the built-in reader, which locates every problem.

    Args:
        source: A path, or an open text file.
        columns: The expected columns.
        mapping: How the export names and writes its columns (a table of a
            :class:`~comanaged_rcm.mapping.ExportMap`); ``None`` reads the schema's own names.
        name: How to call the file in messages (defaults to the path's name, or ``<csv>``).
        encoding: The file's encoding when it is not UTF-8 (``cp1252``, ``latin-1``...).
        extras: ``"drop"`` (columns beyond ``columns`` and ``mapping.keep`` are dropped) or
            ``"keep"`` (each is kept as text under its header).
        engine: ``"auto"`` (pyarrow when installed), ``"pyarrow"`` (required) or ``"builtin"``.

    Returns:
        A mapping of column name to a 1-D numpy array, all of the same length.

    Raises:
        ValidationError: Every problem at once: missing required headers (listing the columns
            found and the closest match), duplicate matches, and every bad cell, counted over the
            whole file, summarised per column and located (the first few per column) as
            ``file:line:column``; nothing is returned when any is found. A file that is not text
            in its encoding, holds a NUL byte, is empty, has rows of the wrong width, or a quote
            that never closes is refused as ``file:line``.
        RCMError: ``engine="pyarrow"`` without pyarrow installed.

    >>> import io
    >>> from comanaged_rcm.mapping import NumberFormat, TableMap
    >>> export = io.StringIO('Claim #,DOS,Amt,Patient\nC1,03/15/2024,"$1,250.00",Ann Lee\n')
    >>> table = TableMap(columns={"claim_id": "Claim #", "service_date": "DOS", "amount": "Amt"},
    ...                  date_format="%m/%d/%Y", number_format=NumberFormat())
    >>> cols = read_csv(export, [Column("claim_id"), Column("service_date", ColumnKind.DATE),
    ...                          Column("amount", ColumnKind.NUMBER)], mapping=table)
    >>> sorted(cols), str(cols["service_date"][0]), float(cols["amount"][0])
    (['amount', 'claim_id', 'service_date'], '2024-03-15', 1250.0)
    """
    columns = tuple_of(columns, Column, "$.columns")
    table_map = TableMap() if mapping is None else instance(mapping, TableMap, "$.mapping", "a TableMap")
    if name is not None:
        name = _text(name, "$.name", maximum=1_000)
    if encoding is not None:
        encoding = _io.check_encoding(encoding)
    extras = one_of(extras, _EXTRAS, "$.extras")
    engine = one_of(engine, _ENGINES, "$.engine")
    options = _Options(columns, table_map, extras == "keep", engine)
    if isinstance(source, str | os.PathLike | bytes):
        raw = _io.check_path(source, "$.source")
        label = name or Path(raw).name
        content = _io.read_text(raw, encoding=encoding, where="$.source", label=label)
        return _read(content, options, label)
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
    return _read(got.removeprefix("\ufeff"), options, label)


@attrs.frozen
class _Options:
    columns: tuple[Column, ...]
    table_map: TableMap
    keep_extras: bool
    engine: str


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
    return _rows(content)[1]


def _rows(content: str) -> tuple[list[list[str]], list[int], list[int]]:
    """The data rows that are not blank, the line each begins on and the line each ends on.

    Rows after one the csv module cannot read are left out (the reader refuses such a file).
    """
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    ends: list[int] = []
    with _quiet_gc():
        try:
            next(reader, None)
            start = reader.line_num + 1
            for row in reader:
                if "".join(row).strip():  # blank lines and rows of blank cells are skipped
                    rows.append(row)
                    lines.append(start)
                    ends.append(reader.line_num)
                start = reader.line_num + 1
        except csv.Error:
            pass
    return rows, lines, ends


@contextmanager
def _quiet_gc() -> Iterator[None]:
    """No cyclic garbage collection while a million row lists are built (none of them is a cycle)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def _header_row(content: str, name: str) -> list[str]:
    if "\0" in content:
        at_line, at_column = _io.line_of(content, content.index("\0"))
        message = (
            f"the file holds a NUL byte (line {at_line}, column {at_column}): it is not a text CSV,"
            " or it is UTF-16 without a BOM (pass --encoding utf-16-le)"
        )
        raise ValidationError.single(f"{name}:{at_line}", "nul", message)
    first = content[: content.find("\n") + 1] if "\n" in content else content
    reader = csv.reader(io.StringIO(content if '"' in first else first, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _csv_error(exc, 1, reader.line_num, name) from None
    if header is None:
        raise ValidationError.single(f"{name}:1", "empty", "the file is empty (expected a header row)")
    return [h.strip() for h in header]


_Plan = list[tuple[str, int, Column]]
"""Each column read: its name in the result, its index in the header, how it is read."""


def _plan(header: list[str], options: _Options, name: str) -> _Plan:
    """The columns to read, matched by the map and by folded name; refused as ``file:1``."""
    where = f"{name}:1"
    found = options.table_map.match(header, options.columns, where=where)
    declared = {c.name: c for c in options.columns}
    plan = [(out, index, declared.get(out, _EXTRA)) for out, index in found.positions.items()]
    if options.keep_extras:
        taken = {index: out for out, index in found.positions.items()}
        seen: dict[str, int] = {}
        issues = []
        for index, title in enumerate(header):
            if index in taken or not title:
                continue
            if title in seen:
                message = (
                    f"duplicate column {title!r} (columns {seen[title] + 1} and {index + 1} of the header)"
                )
                issues.append(Issue(where, "duplicate_column", message))
            elif title in found.positions:
                source = header[found.positions[title]]
                message = (
                    f"column {index + 1} ({title!r}) of the header is not read as {title!r}: the map reads"
                    f" that column from {source!r}; rename or drop one"
                )
                issues.append(Issue(where, "duplicate_column", message))
            else:
                seen[title] = index
                plan.append((title, index, _EXTRA))
        if issues:
            raise ValidationError(issues)
    return sorted(plan, key=itemgetter(1))


def _read(content: str, options: _Options, name: str) -> dict[str, npt.NDArray[Any]]:
    header = _header_row(content, name)
    plan = _plan(header, options, name)
    unnamed = [i for i, title in enumerate(header) if not title]
    wanted = sorted({index for _, index, _ in plan} | set(unnamed))
    if options.engine != "builtin":
        fast = _read_arrow(content, header, plan, unnamed, options)
        if fast is not None:
            return fast
    split = _split_plain(content, len(header), wanted) or _split_csv(content, len(header), wanted, name)
    cells, lines = split
    issues: list[Issue] = []
    for index in unnamed:  # a header cell with no name (a trailing comma) may only head empty cells
        filled = np.flatnonzero(cells[index] != "")
        if len(filled):
            message = f"column {index + 1} has no name in the header but holds values: name it or drop it"
            issues.append(Issue(f"{name}:{lines()[filled[0]]}", "unnamed_column", message))
    if issues:
        raise ValidationError(issues)
    values: dict[int, npt.NDArray[Any]] = {}
    found: dict[int, tuple[int, list[Issue]]] = {}
    # each column's text is let go once it is converted; text columns last, when no conversion's
    # scratch arrays are left
    for k in sorted(range(len(plan)), key=lambda k: plan[k][2].kind is ColumnKind.TEXT):
        out, index, column = plan[k]
        converted = _Converted.of(column, out, cells.pop(index), options.table_map)
        values[k] = converted.values
        if converted.bad is not None and converted.bad.any():
            found[k] = converted.issues(out, lines, name)
    if found:
        issues = [issue for k in sorted(found) for issue in found[k][1]]
        raise _refuse(issues, sum(count for count, _ in found.values()))
    return {out: values[k] for k, (out, _, _) in enumerate(plan)}


_Lines = Callable[[], npt.NDArray[np.int64]]

_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True  # what str.strip and numpy's strip remove
_BLANK = _SPACE.copy()
_BLANK[ord(",")] = True  # a row of nothing but these (and the line's end) is skipped


def _split_plain(content: str, width: int, wanted: Sequence[int]) -> tuple[_Cells, _Lines] | None:
    """The stripped cells of the ``wanted`` columns of an ASCII file without quotes, cut with numpy.

    Such a file is lines of cells between commas, which numpy finds in its bytes at once. Any
    other file (a quote, a character beyond ASCII, a lone carriage return, a row of the wrong
    width) is ``None``: the csv module reads it, and reports what is wrong with it.
    """
    if '"' in content or not content.isascii() or not width:
        return None
    if "\r" in content:
        if content.count("\r") != content.count("\r\n"):
            return None
        content = content.replace("\r\n", "\n")
    raw = content.encode("ascii")
    data = np.frombuffer(raw if raw.endswith(b"\n") else raw + b"\n", dtype=np.uint8)
    separators = np.flatnonzero((data == ord(",")) | (data == ord("\n")))
    if len(data) < 2**31:  # half the memory
        separators = separators.astype(np.int32)
    breaks = np.flatnonzero(data[separators] == ord("\n"))  # the separators that end a line
    commas = np.diff(breaks, prepend=-1) - 1
    odd = np.flatnonzero(commas != width - 1)
    odd = odd[odd > 0]  # the header, read by the csv module, is line 0
    ends = separators[breaks]
    starts = np.concatenate(([0], ends[:-1] + 1))
    keep = np.ones(len(breaks), dtype=bool)
    keep[0] = False
    for line in odd.tolist():  # rows of the wrong width are skipped when blank, else refused
        if not _BLANK[data[starts[line] : ends[line]]].all():
            return None
        keep[line] = False
    grid = separators[np.repeat(keep, commas + 1)] if len(odd) else separators[commas[0] + 1 :]
    grid = grid.reshape(-1, width)
    lines = np.flatnonzero(keep) + 1
    cutter = _Cutter(data, starts[keep], grid)
    if wanted and len(lines):  # a row of blank cells is skipped too
        blank = np.flatnonzero(np.logical_and.reduce([cutter.empty(j) for j in wanted]))
        dropped = [i for i in blank.tolist() if _BLANK[data[cutter.begins[i] : grid[i, -1]]].all()]
        if dropped:
            rest = np.ones(len(lines), dtype=bool)
            rest[dropped] = False
            cutter = _Cutter(data, cutter.begins[rest], grid[rest])
            lines = lines[rest]
    return cutter, lambda: lines


class _Cutter:
    """The cells of a plain file, each column cut from its bytes when it is taken (and then let go)."""

    def __init__(self, data: npt.NDArray[np.uint8], begins: npt.NDArray[Any], grid: npt.NDArray[Any]) -> None:
        self.data, self.begins, self.grid = data, begins, grid

    def _bounds(self, j: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        begins = self.begins if j == 0 else self.grid[:, j - 1] + 1
        return _stripped(self.data, begins.astype(np.intp), self.grid[:, j].astype(np.intp))

    def empty(self, j: int) -> npt.NDArray[np.bool_]:
        """Which cells of column ``j`` are empty once stripped."""
        start, stop = self._bounds(j)
        empty: npt.NDArray[np.bool_] = start == stop
        return empty

    def pop(self, j: int) -> npt.NDArray[np.str_]:
        """The stripped cells of column ``j``."""
        return _cut(self.data, *self._bounds(j))

    __getitem__ = pop


_Cells = dict[int, npt.NDArray[np.str_]] | _Cutter


def _stripped(
    data: npt.NDArray[np.uint8], begins: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The bounds of the ASCII cells ``data[begins[i]:ends[i]]`` once stripped (new arrays)."""
    start, stop = begins.copy(), ends.copy()
    while True:
        lead = (start < stop) & _SPACE[data.take(start, mode="clip")]
        if not lead.any():
            break
        start[lead] += 1
    while True:
        trail = (stop > start) & _SPACE[data.take(stop - 1, mode="clip")]
        if not trail.any():
            break
        stop[trail] -= 1
    return start, stop


def _cut(
    data: npt.NDArray[np.uint8], start: npt.NDArray[np.intp], stop: npt.NDArray[np.intp]
) -> npt.NDArray[np.str_]:
    """The ASCII cells ``data[start[i]:stop[i]]`` as unicode text as wide as the longest."""
    lengths = stop - start
    width = max(int(lengths.max()) if len(lengths) else 0, 1)
    chars = np.empty((len(start), width), dtype=np.uint32)  # the code points of unicode text
    offsets = np.arange(width)
    step = max(1, (1 << 20) // width)  # rows at a time: a bounded index block
    for first in range(0, len(start), step):
        rows = slice(first, first + step)
        block = data.take(start[rows, None] + offsets, mode="clip")
        block[offsets >= lengths[rows, None]] = 0
        chars[rows] = block
    return chars.view(f"<U{width}").reshape(-1)


def _split_csv(content: str, width: int, wanted: Sequence[int], name: str) -> tuple[_Cells, _Lines]:
    """The stripped cells of the ``wanted`` columns, read by the csv module; a bad file is refused."""
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    rows: list[list[str]] | None
    with _quiet_gc():
        try:
            next(reader, None)
            rows = list(reader)
        except csv.Error:
            rows = None
    lines: npt.NDArray[np.int64] | None = None
    if rows is None or any(len(row) != width for row in rows if row):
        rows, found, ends = _rows(content)
        _check_shape(content, rows, found, ends, width=width, name=name)
        lines = np.array(found, dtype=np.int64)
    elif not all(rows):
        rows = [row for row in rows if row]
    with _quiet_gc():
        cells = {
            j: np.char.strip(np.array(list(map(itemgetter(j), rows)), dtype=str))
            if rows
            else np.array([], dtype="<U1")
            for j in wanted
        }
    blank = np.logical_and.reduce([cells[j] == "" for j in wanted]) if wanted and rows else None
    if blank is not None and blank.any():  # rows of blank cells are skipped, as blank lines are
        skipped = [i for i in np.flatnonzero(blank).tolist() if not "".join(rows[i]).strip()]
        if skipped:
            keep = np.ones(len(rows), dtype=bool)
            keep[skipped] = False
            cells = {j: text[keep] for j, text in cells.items()}

    def located() -> npt.NDArray[np.int64]:
        nonlocal lines
        if lines is None:
            lines = np.array(_rows(content)[1], dtype=np.int64)
        return lines

    return cells, located


def _check_shape(
    content: str, rows: list[list[str]], lines: list[int], ends: list[int], *, width: int, name: str
) -> None:
    """Refuse a row the csv module cannot read, or rows of the wrong width, at their lines."""
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _csv_error(exc, start, reader.line_num, name) from None
    issues: list[Issue] = []
    total = 0
    for line, end, row in zip(lines, ends, rows, strict=True):
        if len(row) != width:
            total += 1
            if len(issues) < _MAX_ISSUES:
                spans = ""
                if end > line:
                    spans = (
                        f" in the row from line {line} to line {end} (a quoted cell spans them: stray quote?)"
                    )
                message = f"expected {width} cells (got {len(row)}){spans}"
                issues.append(Issue(f"{name}:{line}", "width", message))
    if issues:
        raise _refuse(issues, total)


_WHOLE = re.compile(r"-?[0-9]+")
"""A whole number: no sign but a leading minus, no digit separator, ASCII digits only."""
_INT64_DIGITS = len(str(2**63))


def _integers(text: npt.NDArray[np.str_]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Whole numbers as int64 (0 where empty or bad) and the mask of bad cells (empty ones are not)."""
    empty = text == ""
    ascii_digits = len(text) and int(np.ascontiguousarray(text).view(np.uint32).max(initial=0)) < 0x80
    if ascii_digits and not empty.any() and np.char.isdigit(np.char.lstrip(text, "-")).all():
        try:
            return text.astype(np.int64), np.zeros(len(text), dtype=bool)
        except (ValueError, OverflowError):
            pass  # "--1", or beyond int64: cell by cell
    uniques, inverse = np.unique(text, return_inverse=True)
    values = np.zeros(len(uniques), dtype=np.int64)
    bad = np.zeros(len(uniques), dtype=bool)
    for i, cell in enumerate(uniques.tolist()):
        if not cell:
            continue
        whole = _WHOLE.fullmatch(cell) and len(cell.lstrip("-").lstrip("0")) <= _INT64_DIGITS
        number = int(cell) if whole else 2**63  # (Python's int refuses over 4,300 digits)
        if -(2**63) <= number < 2**63:
            values[i] = number
        else:
            bad[i] = True
    return values[inverse.reshape(-1)], bad[inverse.reshape(-1)]


def _booleans(text: npt.NDArray[np.str_]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """``true``/``yes``/``1``... as booleans and the mask of bad cells (empty ones are not)."""
    lowered = np.char.lower(text)
    true = np.isin(lowered, list(_TRUE))
    return true, ~(true | np.isin(lowered, list(_FALSE)) | (text == ""))


_NOUNS = {
    ColumnKind.INTEGER: ("an integer", "integers"),
    ColumnKind.NUMBER: ("a number", "numbers"),
    ColumnKind.BOOLEAN: ("true or false", "true or false"),
}


@attrs.frozen
class _Converted:
    """One column converted: its values, its bad cells (``None`` when none can be) and what was expected."""

    column: Column
    text: npt.NDArray[np.str_]
    values: npt.NDArray[Any]
    bad: npt.NDArray[np.bool_] | None
    expected: str
    noun: str
    table_map: TableMap

    @classmethod
    def of(cls, column: Column, out: str, text: npt.NDArray[np.str_], table_map: TableMap) -> _Converted:
        """Convert the stripped cells ``text`` of ``column`` (read as ``out``) by the map's formats."""
        empty = text == ""
        kind = column.kind
        refused = None if column.nullable and kind in _MISSING else empty
        values: npt.NDArray[Any]
        if kind is ColumnKind.TEXT:
            values = text
            if out in table_map.values:
                values = apply_values(values, table_map.values[out])
            if out in table_map.fold_case:
                values = fold(values, out)[0]
            values = narrowest(values) if len(values) else np.array([], dtype="<U1")
            return cls(column, text, values, refused, "a value", "empty", table_map)
        if kind is ColumnKind.DATE:
            fmt = table_map.format_of(out)
            values, bad = parse_dates(
                text, fmt, time_of_day=table_map.time_of_day, time_zone=table_map.time_zone
            )
            if fmt is None:
                expected, noun = "an ISO date like 2026-01-31", "ISO dates"
            else:
                expected, noun = f"a date like {_PROBE.strftime(fmt)} ({fmt})", f"dates in {fmt}"
        elif kind is ColumnKind.NUMBER:
            values, bad = parse_numbers(text, table_map.number_format)
            expected, noun = _NOUNS[kind]
        elif kind is ColumnKind.INTEGER:
            values, bad = _integers(text)
            expected, noun = _NOUNS[kind]
        else:
            values, bad = _booleans(text)
            expected, noun = _NOUNS[kind]
        return cls(column, text, values, bad if refused is None else bad | refused, expected, noun, table_map)

    def issues(self, out: str, lines: _Lines, name: str) -> tuple[int, list[Issue]]:
        """The count of bad cells, and the issues: a summary when it helps, then the first few."""
        assert self.bad is not None  # noqa: S101 - only called when there are bad cells
        where = np.flatnonzero(self.bad)
        empty = self.text[where] == ""
        found = lines()[where[:_LOCATED]]
        located = []
        for row, line in zip(where[:_LOCATED].tolist(), found.tolist(), strict=True):
            cell = str(self.text[row])
            path = f"{name}:{line}:{out}"
            if cell:
                located.append(Issue(path, "type", f"expected {self.expected} (got {show(cell)})"))
            else:
                located.append(Issue(path, "empty", f"expected {self.expected} (got an empty cell)"))
        count = len(where)
        filled = self.text[where[~empty][:1_000]]
        hint = _hint(self.column.kind, list(dict.fromkeys(filled.tolist()))[:200], out, self.table_map)
        if count == 1 and not hint:
            return count, located
        blank = int(empty.sum())
        what = (
            "are empty"
            if blank == count
            else f"are not {self.noun}"
            if not blank
            else f"are empty or not {self.noun}"
        )
        first = str(self.text[where[0]])
        shown = show(first) if first else "an empty cell"
        line = int(found[0])
        message = f"{out}: {count:,} of {len(self.text):,} cells {what} (first at line {line}: {shown}{hint})"
        return count, [Issue(f"{name}:{out}", "cells", message), *located]


_MISSING = frozenset({ColumnKind.TEXT, ColumnKind.NUMBER, ColumnKind.DATE})
"""The kinds whose empty cells a nullable column holds ("", NaN, NaT)."""

_DATE_SHAPES = (
    ("%m/%d/%Y", "MM/DD/YYYY"),
    ("%d/%m/%Y", "DD/MM/YYYY"),
    ("%m/%d/%y", "MM/DD/YY"),
    ("%d/%m/%y", "DD/MM/YY"),
    ("%m-%d-%Y", "MM-DD-YYYY"),
    ("%d-%m-%Y", "DD-MM-YYYY"),
    ("%d.%m.%Y", "DD.MM.YYYY"),
    ("%Y/%m/%d", "YYYY/MM/DD"),
    ("%Y%m%d", "YYYYMMDD"),
    ("%d-%b-%Y", "DD-Mon-YYYY"),
    ("%b %d, %Y", "Mon DD, YYYY"),
)
_PLACEHOLDERS = frozenset(
    {"n/a", "na", "#n/a", "null", "none", "nil", "-", "--", "?", "nan", "missing", "tbd"}
)


def _fits(sample: list[str], fmt: str | None, **options: Any) -> bool:  # noqa: ANN401
    return not parse_dates(np.array(sample, dtype=str), fmt, **options)[1].any()


def _hint(kind: ColumnKind, sample: list[str], out: str, table_map: TableMap) -> str:
    """What the bad cells ``sample`` look like, and the map field that would read them."""
    if not sample:
        return ""
    placeholder = next((cell for cell in sample if cell.casefold() in _PLACEHOLDERS), None)
    if placeholder is not None and kind is not ColumnKind.TEXT:
        return f"; {show(placeholder)} looks like a placeholder for a missing value: leave such cells empty"
    if kind is ColumnKind.DATE:
        fmt = table_map.format_of(out)
        if table_map.time_zone is None and _fits(sample, fmt, time_zone="UTC"):
            return "; they carry a UTC offset: set time_zone to read them as that zone's dates"
        if not table_map.time_of_day and _fits(sample, fmt, time_of_day=True):
            return "; they carry a time of day: set time_of_day to read them as their dates"
        fits = [(f, label) for f, label in _DATE_SHAPES if f != fmt and _fits(sample, f)]
        if not fits:
            return ""
        also = f" (also fits {fits[1][1]}: no day above 12 in the sample)" if len(fits) > 1 else ""
        field = "date_format" if out not in table_map.date_formats else f"date_formats.{out}"
        return f"; looks like {fits[0][1]}{also}: set {field} to {fits[0][0]}"
    if (
        kind in (ColumnKind.NUMBER, ColumnKind.INTEGER)
        and parse_numbers(np.array(sample, dtype=str))[1].any()
    ):
        for written, looks in (
            (NumberFormat(), "currency, thousands separators or parentheses"),
            (NumberFormat(currency=("$", "€", "£"), thousands=".", decimal=","), "a decimal comma"),
        ):
            if (
                written != table_map.number_format
                and not parse_numbers(np.array(sample, dtype=str), written)[1].any()
            ):
                if kind is ColumnKind.INTEGER:
                    return f"; looks like {looks}: this column takes whole numbers only"
                return f"; looks like {looks}: set number_format"
    return ""


_QUOTED = re.compile(r'(?:\A|(?<=[,\r\n]))"(?:[^"]|"")*"(.?)', re.DOTALL)
"""A quoted cell and the character after it (a comma, a line break or the end, when well formed)."""


def _well_quoted(content: str) -> bool:
    """Whether every quoted cell closes and is followed by a comma, a line break or the end."""
    if '"' not in content:
        return True
    closed = 0
    for found in _QUOTED.finditer(content):
        if found.group(1) not in ("", ",", "\r", "\n"):
            return False
        closed += found.group(0).count('"')
    return closed == content.count(
        '"'
    )  # a quote inside an unquoted cell is read as the built-in reader reads it


_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""The characters ``str.strip`` removes (those for which ``str.isspace`` holds)."""
_EDGE = _SPACE.copy()
_EDGE[0x80:] = True  # a byte of a character beyond ASCII, which may be a space (U+00A0...)
_FIRST_DAY = np.datetime64(datetime.date.min, "D")
_WORKERS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
"""The columns converted at once, one per CPU this process may use (numpy and arrow let go of the
GIL while they copy)."""
_BLOCK = 1 << 22
"""The bytes of the file arrow parses at once (a chunk of each column)."""


def _arrow_modules(engine: str) -> tuple[Any, Any, Any] | None:
    """pyarrow, pyarrow.csv and pyarrow.compute, or ``None`` when pyarrow is not installed."""
    try:  # optional, imported when a file is read
        return tuple(importlib.import_module(f"pyarrow{part}") for part in ("", ".csv", ".compute"))  # type: ignore[return-value]
    except ImportError:
        if engine == "pyarrow":
            message = "engine='pyarrow' needs pyarrow: pip install comanaged-rcm[arrow]"
            raise RCMError(message) from None
        return None


def _read_arrow(
    content: str, header: list[str], plan: _Plan, unnamed: list[int], options: _Options
) -> dict[str, npt.NDArray[Any]] | None:
    """The columns read by ``pyarrow.csv``, or ``None`` for the built-in reader to read (and judge).

    Arrow cuts the file and types what it reads exactly as the built-in reader would: ISO dates
    as ``date32`` and plain decimals as ``float64`` (a value that is not finite or year 0 sends
    the file back; with a ``+`` anywhere in the file numbers are converted as text, since arrow
    takes a leading plus); text goes to numpy straight from arrow's buffers; other columns
    (formatted dates and numbers, integers, booleans, value maps) are converted once per
    distinct value by the built-in reader's own conversion. A file arrow
    cannot read, a bad or missing cell, a row of blank cells or an odd quote is left to the
    built-in reader, which gives the same result or locates the problem.
    """
    modules = _arrow_modules(options.engine)
    if modules is None:
        return None
    pa, arrow_csv, pc = modules
    first = content[: content.find("\n")]
    wanted = sorted({index for _, index, _ in plan} | set(unnamed))
    if '"' in first or not wanted or len(wanted) != len(plan) + len(unnamed) or not _well_quoted(content):
        return None
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which arrow cannot hold
        return None
    plus, quoted = "+" in content, '"' in content
    routes = {index: _route(column, out, options.table_map, plus=plus) for out, index, column in plan}
    arrow_types = {"date": pa.date32(), "number": pa.float64()}
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = arrow_csv.read_csv(
            io.BytesIO(data),
            read_options=arrow_csv.ReadOptions(column_names=names, skip_rows=1, block_size=_BLOCK),
            parse_options=arrow_csv.ParseOptions(
                quote_char='"' if quoted else False, newlines_in_values=quoted
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types={names[i]: arrow_types.get(routes.get(i, ""), pa.string()) for i in wanted},
                include_columns=[names[i] for i in wanted],
                null_values=[""],  # an empty cell of a date or number column; text is never null
                strings_can_be_null=False,
                quoted_strings_can_be_null=True,
                check_utf8=False,
            ),
        )
    except pa.ArrowException:
        return None
    del data
    for index in unnamed:  # a column with no name read only to see that it is empty
        if (_arrow_text(pc, table.column(names[index])) != "").any():
            return None
    may_blank = all(column.nullable and column.kind in _MISSING for _, _, column in plan)

    def convert(entry: tuple[str, int, Column]) -> _Read | None:
        out, index, column = entry
        chunked = table.column(names[index])
        return _arrow_column(pc, chunked, out, column, route=routes[index], table_map=options.table_map)

    with ThreadPoolExecutor(max_workers=min(len(plan), _WORKERS)) as pool:
        read = list(pool.map(convert, plan))
    if any(column is None for column in read):
        return None
    columns = [column for column in read if column is not None]
    if may_blank and np.logical_and.reduce([column.empty() for column in columns]).any():
        return None  # a row of blank cells, which the built-in reader skips
    return {out: column.values for (out, _, _), column in zip(plan, columns, strict=True)}


@attrs.frozen
class _Read:
    """One column read through arrow: its values and how to tell its empty cells."""

    values: npt.NDArray[Any]
    empty: Callable[[], npt.NDArray[np.bool_]]


def _arrow_column(
    pc: Any,  # noqa: ANN401 - pyarrow.compute, imported when a file is read
    chunked: Any,  # noqa: ANN401 - a pyarrow ChunkedArray
    out: str,
    column: Column,
    *,
    route: str,
    table_map: TableMap,
) -> _Read | None:
    """A column of arrow's table as the built-in reader gives it; ``None`` if that reader refuses a cell."""
    if route in ("date", "number"):
        values = _arrow_values(chunked, column.nullable, dates=route == "date")
        if values is None:
            return None
        return _Read(values, lambda: np.isnat(values) if route == "date" else np.isnan(values))
    if route == "text" and not _repeats(pc, chunked):
        converted = _Converted.of(column, out, _arrow_text(pc, chunked), table_map)
        if converted.bad is not None and converted.bad.any():
            return None
        text = converted.text
        return _Read(converted.values, lambda: text == "")
    words, indices = _arrow_distinct(pc, chunked)  # each distinct cell converted once
    converted = _Converted.of(column, out, words, table_map)
    if converted.bad is not None and converted.bad.any():
        return None
    return _Read(converted.values[indices], lambda: (words == "")[indices])


def _repeats(pc: Any, chunked: Any) -> bool:  # noqa: ANN401
    """Whether the first chunk of a column repeats each cell 4 times on average (or more)."""
    if not chunked.num_chunks:
        return False
    first = chunked.chunk(0)
    return bool(pc.count_distinct(first).as_py() * 4 <= len(first))


def _arrow_distinct(pc: Any, chunked: Any) -> tuple[npt.NDArray[np.str_], npt.NDArray[Any]]:  # noqa: ANN401
    """The distinct cells of an arrow string column (stripped as :func:`_arrow_text` strips), each row's."""
    encoded = pc.dictionary_encode(chunked)
    if not encoded.num_chunks:
        return np.zeros(0, dtype="<U1"), np.zeros(0, dtype=np.intp)
    shared = {(len(chunk.dictionary), chunk.dictionary.buffers()[1].address) for chunk in encoded.chunks}
    if len(shared) > 1:  # each chunk with its own dictionary: one for all
        encoded = encoded.unify_dictionaries()
    dictionary = encoded.chunk(0).dictionary
    indices = np.concatenate([np.asarray(chunk.indices) for chunk in encoded.chunks])
    return _arrow_text(pc, dictionary), indices


def _route(column: Column, out: str, table_map: TableMap, *, plus: bool) -> str:
    """How arrow reads a column: ``date`` (date32), ``number`` (float64), ``text`` or ``distinct`` values.

    Arrow reads ISO dates and plain numbers as the built-in reader does, except that it takes a
    leading ``+`` (so a file with a ``+`` has its numbers read as text and converted here).
    """
    kind = column.kind
    if kind is ColumnKind.TEXT:
        plain = out not in table_map.values and out not in table_map.fold_case
        return "text" if plain else "distinct"
    plain_dates = table_map.format_of(out) is None and not table_map.time_of_day
    if kind is ColumnKind.DATE and plain_dates and table_map.time_zone is None:
        return "date"
    if kind is ColumnKind.NUMBER and table_map.number_format is None and not plus:
        return "number"
    return "distinct"


def _arrow_values(chunked: Any, nullable: bool, *, dates: bool) -> npt.NDArray[Any] | None:  # noqa: ANN401
    """A date32 or float64 column as numpy (NaT or NaN where empty), or ``None`` for the built-in reader.

    ``None`` when that reader would refuse a cell or read it otherwise: an empty cell where none
    is allowed, a value that is not finite, year 0.
    """
    if chunked.null_count and not nullable:
        return None
    values: npt.NDArray[Any] = np.asarray(chunked.to_numpy())
    if dates:
        values = values.astype("datetime64[D]", copy=False)
        return None if (values < _FIRST_DAY).any() else values
    values = values.astype(np.float64, copy=False)
    return None if np.count_nonzero(~np.isfinite(values)) != chunked.null_count else values


def _arrow_text(pc: Any, cells: Any) -> npt.NDArray[np.str_]:  # noqa: ANN401
    """An arrow string array (or chunked array) stripped as ``str.strip`` strips, as narrowest numpy text.

    The text is as wide as its longest cell. ASCII cells all of one length are one fixed-width
    block of bytes already; other cells are padded with NUL to the longest by arrow first. ASCII
    is widened to code points by numpy, other text decoded once.
    """
    if _edged(cells):
        cells = pc.utf8_trim(cells, characters=_WHITESPACE)
    blocks = [_chunk_bytes(chunk) for chunk in _chunks(cells)]
    if all(int(data.max(initial=0)) < 0x80 for data, _ in blocks):  # ASCII: lengths are byte counts
        counts = [np.diff(offsets) for _, offsets in blocks]
        shortest = min((int(count.min()) for count in counts), default=0)
        width = max((int(count.max()) for count in counts), default=0)
    else:
        lengths = pc.min_max(pc.utf8_length(cells))
        shortest, width = lengths["min"].as_py(), lengths["max"].as_py()
    if not width:
        return np.zeros(len(cells), dtype="<U1")
    if shortest != width or sum(len(data) for data, _ in blocks) != len(cells) * width:
        cells = pc.utf8_rpad(cells, width=width, padding="\0")  # not ASCII of one length
    codes = np.empty((len(cells), width), dtype=np.uint32)
    at = 0
    for chunk in _chunks(cells):
        count = len(chunk)
        block = _chunk_bytes(chunk)[0]
        if len(block) == count * width:  # ASCII: one byte a character
            codes[at : at + count] = block.reshape(count, width)
        else:
            wide = block.tobytes().decode("utf-8").encode("utf-32-le")
            codes[at : at + count] = np.frombuffer(wide, dtype=np.uint32).reshape(count, width)
        at += count
    return codes.view(f"<U{width}").reshape(-1)


def _chunks(cells: Any) -> list[Any]:  # noqa: ANN401
    """The non-empty arrays of an arrow array or chunked array."""
    return [chunk for chunk in getattr(cells, "chunks", [cells]) if len(chunk)]


def _chunk_bytes(chunk: Any) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int32]]:  # noqa: ANN401
    """The bytes of an arrow string array's cells, and each cell's offset into them."""
    buffers = chunk.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
    start, stop = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    return data[start:stop], offsets - np.int32(start)


def _edged(chunked: Any) -> bool:  # noqa: ANN401
    """Whether a cell of an arrow string column may begin or end with a space of any kind.

    The byte at each cell's start and the byte before each cell's end are looked at: for an empty
    cell these are bytes of its neighbours, which are looked at anyway.
    """
    for chunk in _chunks(chunked):
        data, offsets = _chunk_bytes(chunk)
        if len(data) and (
            _EDGE[data.take(offsets[:-1], mode="clip")].any()
            or _EDGE[data.take(offsets[1:] - 1, mode="clip")].any()
        ):
            return True
    return False
