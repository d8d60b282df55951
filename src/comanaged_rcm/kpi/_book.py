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

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, cast

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.tables import Column, ColumnKind

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
    """

    name: str
    kind: FieldKind
    required: bool = True
    nullable: bool = False
    values: tuple[str, ...] = ()


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
    ),
}
"""Every input table's columns. Other columns pass through as text slice dimensions."""


_CSV_KINDS = {
    FieldKind.TEXT: ColumnKind.TEXT,
    FieldKind.DATE: ColumnKind.DATE,
    FieldKind.NUMBER: ColumnKind.NUMBER,
    FieldKind.COUNT: ColumnKind.INTEGER,
    FieldKind.FLAG: ColumnKind.BOOLEAN,
}


def csv_columns(table: str) -> tuple[Column, ...]:
    """The CSV columns of one book table, for :func:`comanaged_rcm.tables.read_csv`.

    >>> [c.name for c in csv_columns("work_items")][:3]
    ['item_id', 'workflow', 'team']
    """
    return tuple(
        Column(f.name, _CSV_KINDS[f.kind], required=f.required, nullable=f.nullable) for f in SCHEMAS[table]
    )


_EMPTY_DTYPE = {
    FieldKind.TEXT: "<U1",
    FieldKind.DATE: "datetime64[D]",
    FieldKind.NUMBER: "float64",
    FieldKind.COUNT: "int64",
    FieldKind.FLAG: "bool",
}


def _convert(table: str, field: Field, raw: object, issues: list[Issue]) -> npt.NDArray[Any] | None:
    path = f"$.{table}.{field.name}"
    try:
        array = np.asarray(raw)
    except (TypeError, ValueError) as exc:  # pragma: no cover - numpy accepts nearly anything
        issues.append(Issue(path, "type", f"cannot be read as an array ({exc})"))
        return None
    if array.ndim != 1:
        issues.append(Issue(path, "shape", f"must be 1-D (got {array.ndim}-D)"))
        return None
    if array.size == 0:  # an empty list has no dtype of its own
        return np.array([], dtype=_EMPTY_DTYPE[field.kind])
    kind = array.dtype.kind
    if field.kind is FieldKind.DATE:
        return _convert_date(path, field, array, issues)
    if field.kind is FieldKind.TEXT:
        if kind not in "USO":
            issues.append(Issue(path, "type", f"expected text (got dtype {array.dtype})"))
            return None
        if kind == "O":
            bad = [i for i, v in enumerate(array.tolist()) if not (isinstance(v, str) or v is None)]
            if bad:
                issues.append(Issue(path, "type", f"expected text (got {array[bad[0]]!r} in row {bad[0]})"))
                return None
            array = np.array(["" if v is None else v for v in array.tolist()], dtype=str)
        array = array.astype(str)
        return _check_text(path, field, array, issues)
    if field.kind is FieldKind.FLAG:
        if kind != "b":
            issues.append(Issue(path, "type", f"expected booleans (got dtype {array.dtype})"))
            return None
        return array
    if kind not in "iuf" or (field.kind is FieldKind.COUNT and kind == "f"):
        expected = "integers" if field.kind is FieldKind.COUNT else "numbers"
        issues.append(Issue(path, "type", f"expected {expected} (got dtype {array.dtype})"))
        return None
    converted = array.astype(np.int64 if field.kind is FieldKind.COUNT else np.float64)
    bad_rows = np.flatnonzero(~np.isfinite(converted) | (converted < 0))
    if bad_rows.size:
        row = int(bad_rows[0])
        issues.append(
            Issue(
                path,
                "range",
                f"must be finite and >= 0 (got {converted[row].item()!r} in row {row}; {bad_rows.size} rows)",
            )
        )
        return None
    return converted


def _convert_date(
    path: str, field: Field, array: npt.NDArray[Any], issues: list[Issue]
) -> npt.NDArray[np.datetime64] | None:
    if array.dtype.kind == "M":
        converted = array.astype("datetime64[D]")
    elif array.dtype.kind in "USO":
        try:
            converted = np.array(
                [None if v is None or v == "" else v for v in array.tolist()], dtype="datetime64[D]"
            )
        except (TypeError, ValueError) as exc:
            issues.append(Issue(path, "type", f"expected ISO dates or datetime.date values ({exc})"))
            return None
    else:
        issues.append(Issue(path, "type", f"expected dates (got dtype {array.dtype})"))
        return None
    missing = np.flatnonzero(np.isnat(converted))
    if missing.size and not field.nullable:
        issues.append(
            Issue(path, "missing", f"must not be empty (row {int(missing[0])}; {missing.size} rows)")
        )
        return None
    return converted


def _check_text(
    path: str, field: Field, array: npt.NDArray[np.str_], issues: list[Issue]
) -> npt.NDArray[Any] | None:
    empty = array == ""
    if field.values:
        unknown = ~np.isin(array, field.values) & ~empty
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            allowed = ", ".join(sorted(field.values))
            issues.append(
                Issue(
                    path,
                    "value",
                    f"unknown value {str(array[row])!r} in row {row} (expected one of {allowed})",
                )
            )
            return None
    if not field.nullable and empty.any():
        issues.append(Issue(path, "missing", f"must not be empty (row {int(np.flatnonzero(empty)[0])})"))
        return None
    return array


def _as_text(values: object) -> object:
    array = np.asarray(cast("Any", values))
    return array.astype(str) if array.ndim == 1 and array.dtype.kind in "iufb" else values


class SupportsColumns(Protocol):
    """A data frame (pandas, polars...): column names in ``columns``, each column by ``frame[name]``."""

    @property
    def columns(self) -> Iterable[Any]: ...

    def __getitem__(self, name: Any, /) -> Any: ...  # noqa: ANN401 - any frame's column type


Table = Mapping[str, object] | SupportsColumns
"""What a Book table may be: a mapping of column name to array-like, or a data frame."""


def _validate(table: str, raw: object, issues: list[Issue]) -> Columns | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) and hasattr(raw, "columns") and hasattr(raw, "__getitem__"):
        raw = {str(name): raw[name] for name in raw.columns}  # a data frame: pandas, polars...
    if not isinstance(raw, Mapping):
        issues.append(
            Issue(
                f"$.{table}", "type", f"expected a mapping of column name to array (got {type(raw).__name__})"
            )
        )
        return None
    schema = {f.name: f for f in SCHEMAS[table]}
    before = len(issues)
    issues.extend(
        Issue(f"$.{table}.{f.name}", "missing", f"required column {f.name!r} is missing")
        for f in schema.values()
        if f.required and f.name not in raw
    )
    columns: Columns = {}
    items: Mapping[object, object] = raw
    for name, values in items.items():
        if not isinstance(name, str):
            issues.append(Issue(f"$.{table}", "type", f"column names must be strings (got {name!r})"))
            continue
        field = schema.get(name)
        if field is None:  # an extra dimension (location, provider): kept as text, whatever it holds
            field = Field(name=name, kind=FieldKind.TEXT, nullable=True)
            values = _as_text(values)  # noqa: PLW2901 - the same column, as text
        converted = _convert(table, field, values, issues)
        if converted is not None:
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
    _check_rows(table, columns, issues)
    return columns


def _check_rows(table: str, columns: Columns, issues: list[Issue]) -> None:
    if table == "transactions":
        reason = columns.get("write_off_reason")
        is_write_off = columns["type"] == "write_off"
        unexplained = is_write_off if reason is None else is_write_off & (reason == "")
        if unexplained.any():
            row = int(np.flatnonzero(unexplained)[0])
            issues.append(
                Issue("$.transactions.write_off_reason", "missing", f"write-offs need a reason (row {row})")
            )
    elif table == "submissions":
        undated = (columns["outcome"] != "pending") & np.isnat(columns["adjudicated_date"])
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
    elif table == "work_items":
        early = columns["closed"] < columns["opened"]
        if early.any():
            row = int(np.flatnonzero(early)[0])
            issues.append(Issue("$.work_items.closed", "range", f"must not be before 'opened' (row {row})"))
    elif table == "ledger":
        months = columns["month"]
        if (months.astype("datetime64[M]").astype("datetime64[D]") != months).any():
            issues.append(Issue("$.ledger.month", "range", "must be the first day of a month"))


@attrs.frozen(init=False, eq=False)
class Book:
    """A provider's data, validated once: column tables of equal-length numpy arrays.

    Args:
        transactions: ``claim_id, payer, team?, service_date, posting_date, type, amount,
            write_off_reason?, billed_date?``.
        submissions: ``claim_id, payer, team?, seq, submitted_date, lines, charges, clean,
            adjudicated_date, outcome, denied_lines, denied_charges``.
        work_items: ``item_id, workflow, team, opened, closed, touches, escalated``.
        ledger: ``month, npsr?, cost_to_collect?`` (monthly general-ledger totals).

    Each is a mapping of column name to anything ``numpy.asarray`` accepts, or a data frame
    (anything with ``columns`` and ``frame[name]``). Columns not in the schema are kept as text
    slice dimensions (location, provider).

    Raises:
        ValidationError: Every problem found, each naming ``$.table.column``.
    """

    transactions: Columns | None
    submissions: Columns | None
    work_items: Columns | None
    ledger: Columns | None
    _codes: dict[tuple[str, str], tuple[npt.NDArray[np.str_], npt.NDArray[np.intp]]] = attrs.field(
        repr=False, alias="_codes"
    )

    def __init__(
        self,
        transactions: Table | None = None,
        submissions: Table | None = None,
        work_items: Table | None = None,
        ledger: Table | None = None,
    ) -> None:
        issues: list[Issue] = []
        tables = {
            name: _validate(name, raw, issues)
            for name, raw in (
                ("transactions", transactions),
                ("submissions", submissions),
                ("work_items", work_items),
                ("ledger", ledger),
            )
        }
        if issues:
            raise ValidationError(issues)
        self.__attrs_init__(**tables, _codes={})

    def codes(self, table: str, column: str) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.intp]]:
        """Sorted distinct values of a text column and each row's index into them (computed once).

        >>> Book(work_items={"item_id": ["a", "b"], "workflow": ["x", "x"], "team": ["t", "t"],
        ...     "opened": ["2026-01-01"] * 2, "closed": [None, None], "touches": [1, 2],
        ...     "escalated": [False, True]}).codes("work_items", "item_id")[1].tolist()
        [0, 1]
        """
        key = (table, column)
        if key not in self._codes:
            columns = self.table(table)
            assert columns is not None  # noqa: S101 - callers check the table exists
            uniques, inverse = np.unique(columns[column], return_inverse=True)
            self._codes[key] = (uniques, inverse.reshape(-1).astype(np.intp))
        return self._codes[key]

    def table(self, name: str) -> Columns | None:
        """The validated columns of one table, or ``None`` when it was not given."""
        tables: dict[str, Columns | None] = {
            "transactions": self.transactions,
            "submissions": self.submissions,
            "work_items": self.work_items,
            "ledger": self.ledger,
        }
        return tables[name]

    def rows(self, name: str) -> int:
        """Number of rows of one table (0 when it was not given)."""
        columns = self.table(name)
        return 0 if not columns else len(next(iter(columns.values())))

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={self.rows(name)}" for name in SCHEMAS if self.table(name) is not None)
        return f"Book({sizes})"
