"""The data a governance cycle reads: the provider's ledger, claims, activity log and QA results."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm._io import check_encoding
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.kpi import Book
from comanaged_rcm.kpi._book import SCHEMAS, csv_columns, locate_in_csv
from comanaged_rcm.tables import Column, ColumnKind, read_csv

if TYPE_CHECKING:
    from comanaged_rcm.synthetic import SyntheticBook

__all__ = ["AUDIT_COLUMNS", "CSV_COLUMNS", "Auditor", "CycleData", "read_cycle_csv"]

Columns = dict[str, npt.NDArray[Any]]

Auditor = Callable[[str, npt.NDArray[np.str_]], npt.NDArray[np.bool_]]
"""A QA auditor: ``(workflow, item_ids) -> errors``, True where the item was worked wrong."""

AUDIT_COLUMNS = (
    Column("item_id"),
    Column("workflow"),
    Column("error", ColumnKind.BOOLEAN),
)
"""Columns of the QA results file: one row per audited work item, ``error`` true when the auditor
found the item worked against the provider's SOP."""

CSV_COLUMNS: Mapping[str, tuple[Column, ...]] = {
    "transactions": csv_columns("transactions"),
    "submissions": (*csv_columns("submissions"), Column("carc", required=False, nullable=True)),
    "work_items": (
        *csv_columns("work_items"),
        Column("claim_id", required=False, nullable=True),
        Column("balance", ColumnKind.NUMBER, required=False, nullable=True),
    ),
    "audits": AUDIT_COLUMNS,
}
"""The columns each CSV export must (or may) carry, by table: ``transactions`` (the ledger),
``submissions`` (one row per claim submission), ``work_items`` (the work-item log) and
``audits`` (QA results), the table names of :class:`CycleData` and the KPI engine."""


def _columns(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A table: a mapping of column name to a one-dimensional array (or list) of cells."""
    if attribute.name == "audits" and value is None:
        return
    path = f"$.{attribute.name}"
    if not isinstance(value, Mapping):
        c.fail(
            path,
            "type",
            f"{attribute.name!r} must be a mapping of column name to array (got {c.show(value)})",
        )
    for name, column in value.items():
        if not isinstance(name, str) or not name.isprintable() or not name.strip():
            c.fail(
                path, "type", f"{attribute.name!r} column names must be non-empty text (got {c.show(name)})"
            )
        where = f"{path}.{name}" if name.isidentifier() else f"{path}[{name!r}]"
        if isinstance(column, np.ndarray):
            if column.ndim != 1:
                c.fail(where, "type", f"column {name!r} must be one-dimensional (got shape {column.shape})")
        elif isinstance(column, str | bytes | Mapping) or not isinstance(column, list | tuple):
            c.fail(
                where, "type", f"column {name!r} must be an array or a list of cells (got {c.show(column)})"
            )


def _auditor(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not callable(value):
        c.fail(
            "$.auditor",
            "type",
            f"'auditor' must be a function (workflow, item_ids) -> errors (got {c.show(value)})",
        )


@attrs.frozen(kw_only=True, eq=False)
class CycleData:
    """The tables one governance cycle reads, as columns (name -> 1-D array).

    Args:
        transactions: The transactions ledger (the KPI engine's ``transactions`` table).
        submissions: One row per claim submission (``submissions``), optionally with ``carc``.
        work_items: The work-item log (``work_items``), optionally with ``claim_id`` and
            ``balance`` (queue rules read them).
        audits: QA results, one row per audited item (:data:`AUDIT_COLUMNS`), or ``None``.
        auditor: Audits items on demand instead (the synthetic book's known truth); when set,
            ``audits`` is not read.
        source: Where the data came from, printed in the report heading.

    >>> import numpy as np
    >>> data = CycleData(transactions={}, submissions={}, work_items={}, source="empty")
    >>> data.source
    'empty'
    """

    transactions: Columns = attrs.field(validator=_columns)
    submissions: Columns = attrs.field(validator=_columns)
    work_items: Columns = attrs.field(validator=_columns)
    audits: Columns | None = attrs.field(default=None, validator=_columns)
    auditor: Auditor | None = attrs.field(default=None, validator=_auditor)
    source: str = attrs.field(default="user data", validator=v.text())

    @classmethod
    def from_synthetic(cls, book: SyntheticBook) -> CycleData:
        """The tables of a synthetic book, audited against its known true error rates.

        >>> from comanaged_rcm.synthetic import generate_book
        >>> CycleData.from_synthetic(generate_book(seed=3, claims=1000)).source
        'synthetic book (seed 3, 1000 claims)'
        """
        from comanaged_rcm.synthetic import SyntheticBook, audit  # noqa: PLC0415 - only needed here

        c.instance(book, SyntheticBook, "$.book")
        return cls(
            transactions=book.transactions,
            submissions=book.submissions,
            work_items=book.work_items,
            auditor=functools.partial(audit, book),
            source=f"synthetic book (seed {book.seed}, {book.parameters.claims} claims)",
        )

    def book(self) -> Book:
        """The KPI engine's :class:`~comanaged_rcm.kpi.Book` of these tables (validated).

        Only the engine's own columns go in; extra columns (``carc``, ``balance``) stay here.
        """
        tables = {}
        for name, columns in (
            ("transactions", self.transactions),
            ("submissions", self.submissions),
            ("work_items", self.work_items),
        ):
            known = {f.name for f in SCHEMAS[name]}
            tables[name] = {k: v for k, v in columns.items() if k in known} or None
        return Book(**tables)

    def audit_results(
        self, workflow: str, item_ids: Sequence[str] | npt.NDArray[np.str_]
    ) -> npt.NDArray[np.int8]:
        """Recorded QA results of ``item_ids``: 1 error, 0 clean, -1 not audited.

        Raises:
            ValidationError: A bad workflow or item ids, or an item recorded twice for the workflow.
        """
        c.text(workflow, "$.workflow")
        item_ids = _item_ids(item_ids)
        if self.auditor is not None:
            return np.asarray(self.auditor(workflow, item_ids), dtype=np.int8)
        result = np.full(len(item_ids), -1, dtype=np.int8)
        if self.audits is None or not len(item_ids):
            return result
        mine = self.audits["workflow"] == workflow
        ids, errors = self.audits["item_id"][mine], self.audits["error"][mine]
        unique, counts = np.unique(ids, return_counts=True)
        if (counts > 1).any():
            twice = unique[counts > 1][0]
            message = f"item {str(twice)!r} of workflow {workflow!r} has more than one QA result"
            raise ValidationError.single("audits.item_id", "duplicate", message)
        order = np.argsort(ids)
        ids, errors = ids[order], errors[order]
        at = np.clip(np.searchsorted(ids, item_ids), 0, max(len(ids) - 1, 0))
        found = (ids[at] == item_ids) if len(ids) else np.zeros(len(item_ids), dtype=bool)
        result[found] = errors[at[found]].astype(np.int8)
        return result


def _item_ids(value: object) -> npt.NDArray[np.str_]:
    """Work-item ids as a one-dimensional text array; an id holding NUL is refused.

    numpy drops a trailing NUL, so such an id would match another item.
    """
    items = c.sequence(value, "$.item_ids")
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        return value
    for i, item in enumerate(items):
        if not isinstance(item, str) or "\0" in item:
            message = f"'item_ids[{i}]' must be text without NUL (got {c.show(item)})"
            c.fail(f"$.item_ids[{i}]", "type", message)
    return np.asarray(items, dtype=np.str_) if items else np.zeros(0, dtype="<U1")


def read_cycle_csv(
    *,
    transactions: str | os.PathLike[str],
    submissions: str | os.PathLike[str] | None = None,
    work_items: str | os.PathLike[str] | None = None,
    audits: str | os.PathLike[str] | None = None,
    encoding: str | None = None,
    claims: str | os.PathLike[str] | None = None,
    activity: str | os.PathLike[str] | None = None,
) -> CycleData:
    """Read the CSV exports of a cycle, reporting every bad cell as ``file:line:column``.

    The files are named by the tables they hold (the keys of :data:`CSV_COLUMNS`, which lists
    their columns); dates are ISO (``2026-11-02``), booleans ``true``/``false``. Nothing is
    returned when any cell of any file is bad. Files are read as
    :func:`~comanaged_rcm.tables.read_csv` reads them (UTF-8 unless ``encoding`` is given; a
    BOM is detected).

    Args:
        transactions: The transactions ledger.
        submissions: One row per claim submission.
        work_items: The work-item log.
        audits: QA results (:data:`AUDIT_COLUMNS`), or ``None``.
        encoding: The files' encoding (UTF-8 by default).
        claims: Deprecated alias of ``submissions`` (accepted for one release).
        activity: Deprecated alias of ``work_items`` (accepted for one release).

    Raises:
        ValidationError: Every bad cell of every file (up to a cap per file); a file that cannot
            be read, or an argument that is not a path (at ``$.submissions``, ``$.audits``...);
            a table given twice (under its name and its alias) or not at all.

    >>> import tempfile
    >>> from comanaged_rcm.synthetic import generate_book, write_csv
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     paths = write_csv(generate_book(seed=1, claims=100), directory)
    ...     data = read_cycle_csv(**paths)
    >>> sorted(data.work_items)[:3], len(data.audits["item_id"]) == len(data.work_items["item_id"])
    (['balance', 'claim_id', 'closed'], True)
    """
    if encoding is not None:
        encoding = check_encoding(encoding)
    files = {
        "transactions": ("transactions", transactions),
        "submissions": _alias("submissions", submissions, "claims", claims),
        "work_items": _alias("work_items", work_items, "activity", activity),
    }
    if audits is not None:
        files["audits"] = ("audits", audits)
    tables: dict[str, Columns] = {}
    issues: list[Issue] = []
    for table, (name, path) in files.items():
        try:
            tables[table] = _read_one(path, name, table, encoding)
        except ValidationError as exc:
            issues.extend(exc.issues)
    if issues:
        raise ValidationError(issues)
    shown = ", ".join(os.fspath(path) for _, path in files.values())  # type: ignore[arg-type]
    data = CycleData(
        transactions=tables["transactions"],
        submissions=tables["submissions"],
        work_items=tables["work_items"],
        audits=tables.get("audits"),
        source=f"CSV exports ({shown})",
    )
    try:
        data.book()  # validate the tables together before anyone computes on them
    except ValidationError as exc:  # values the book refuses: point at the file's line, as for cells
        raise locate_in_csv(exc, {table: path for table, (_, path) in files.items()}) from None
    return data


def _alias(name: str, value: object, old: str, old_value: object) -> tuple[str, object]:
    """The file of a table given by its name or by its deprecated alias, and the name used."""
    if value is not None and old_value is not None:
        message = f"give {name!r} or its deprecated alias {old!r}, not both"
        raise ValidationError.single(f"$.{old}", "usage", message)
    if value is None and old_value is None:
        raise ValidationError.single(f"$.{name}", "required", f"{name!r} is required (a path to a CSV file)")
    return (name, value) if old_value is None else (old, old_value)


def _read_one(path: object, name: str, table: str, encoding: str | None) -> Columns:
    """One export, an unusable ``path`` argument named as the parameter (``$.submissions``)."""
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        message = f"{name!r} must be a path to a CSV file (got {type(path).__name__})"
        raise ValidationError.single(f"$.{name}", "type", message)
    try:
        return read_csv(path, CSV_COLUMNS[table], encoding=encoding)
    except ValidationError as exc:
        if all(issue.path != "$.source" for issue in exc.issues):
            raise
        issues = []
        for issue in exc.issues:
            moved = issue.path == "$.source"
            message = issue.message.replace("'source'", repr(name)) if moved else issue.message
            issues.append(Issue(f"$.{name}" if moved else issue.path, issue.code, message))
        raise ValidationError(issues) from None
