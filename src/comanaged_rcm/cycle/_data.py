"""The data a governance cycle reads: the provider's ledger, claims, activity log and QA results."""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as c
from comanaged_rcm import _frames
from comanaged_rcm._check import v
from comanaged_rcm._io import check_encoding
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.findings import Finding, Severity
from comanaged_rcm.kpi import Book, LazyBook
from comanaged_rcm.kpi._book import (
    SCHEMAS,
    Codes,
    _column_range,
    _distinct,
    _factorize,
    _freeze,
    _read_only,
    _uniques,
    csv_columns,
    locate_in_csv,
)
from comanaged_rcm.periods import Period
from comanaged_rcm.tables import Column, ColumnKind, read_csv

if TYPE_CHECKING:
    from comanaged_rcm.mapping import ExportMap
    from comanaged_rcm.raci import ScopeSplit
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


def _lazy_book(data: CycleData, _: attrs.Attribute[Any], value: object) -> None:
    """A lazy book holding the ledger, with no ledger or submissions given in memory besides."""
    if value is None:
        return
    book = c.instance(value, LazyBook, "$.warehouse", "a kpi.LazyBook")
    if "transactions" not in book.tables:
        c.fail("$.warehouse", "missing", "the warehouse book must hold the transactions table")
    for name in ("transactions", "submissions"):
        if getattr(data, name):
            message = f"{name!r} is read from the warehouse book: give it there, not also in memory"
            c.fail(f"$.{name}", "usage", message)


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
    _warehouse: LazyBook | None = attrs.field(
        default=None, validator=_lazy_book, repr=False, alias="_warehouse"
    )
    _kept: list[tuple[tuple[object, ...], Book]] = attrs.field(
        factory=list, init=False, repr=False, alias="_kept"
    )

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

    @classmethod
    def from_warehouse(
        cls, book: LazyBook, *, audits: object = None, source: str | None = None
    ) -> CycleData:
        """The tables of a :class:`~comanaged_rcm.kpi.LazyBook`: the ledger stays in its engine.

        The book's rows are checked in the engine first (:meth:`~comanaged_rcm.kpi.LazyBook.check`).
        Its work items, the partner's own log, are read into memory (queues, QA populations and
        who worked what are computed on them); the transactions and submissions are not.

        Args:
            book: The lazy book; it must hold the transactions table.
            audits: QA results (:data:`AUDIT_COLUMNS`) as columns or a data frame (a DuckDB
                relation, a pandas or polars frame...), or ``None``.
            source: Where the data came from, for the report heading (default: the engine and
                the tables).

        Raises:
            ValidationError: ``book`` is not a lazy book or lacks the transactions, a rule its
                rows break (at ``$.<table>.<column>``), QA results without their columns or
                with missing cells (at ``$.audits.<column>``).

        >>> import duckdb
        >>> from comanaged_rcm.kpi import LazyBook
        >>> con = duckdb.connect()
        >>> tx = con.sql("SELECT 'C1' AS claim_id, 'Acme' AS payer, DATE '2026-01-05' AS service_date,"
        ...     " DATE '2026-01-05' AS posting_date, 'charge' AS type, 200.0 AS amount")
        >>> CycleData.from_warehouse(LazyBook(transactions=tx)).source
        'warehouse (duckdb: transactions)'
        """
        c.instance(book, LazyBook, "$.book", "a kpi.LazyBook")
        if source is not None:
            c.text(source, "$.source")
        if "transactions" not in book.tables:
            c.fail("$.book", "missing", "the warehouse book must hold the transactions table")
        book.check()
        items: Columns = {}
        if "work_items" in book.tables:
            items = _frozen(dict(_frames.columns_of(book.table("work_items"), "$.work_items")))
        return cls(
            transactions={},
            submissions={},
            work_items=items,
            audits=None if audits is None else _audit_columns(audits),
            source=source or f"warehouse ({book.engine}: {', '.join(book.tables)})",
            _warehouse=book,
        )

    @property
    def warehouse(self) -> LazyBook | None:
        """The :class:`~comanaged_rcm.kpi.LazyBook` of :meth:`from_warehouse` (``None`` in memory).

        Its engine holds the ledger and the submissions (``transactions`` and ``submissions``
        are then empty): the KPI sections, the margin, the escalation rules' claim facts and
        the data checks are computed there; its work items are also read into memory.
        """
        return self._warehouse

    def book(self) -> Book:
        """The KPI engine's :class:`~comanaged_rcm.kpi.Book` of these tables (validated).

        Only the engine's own columns go in; extra columns (``carc``, ``balance``) stay here.
        When every column is a read-only array (as :func:`read_cycle_csv` and a synthetic book
        give them), the Book is kept, with the codes it computes: the next call on the same
        arrays returns it instead of validating them again. Replacing a column, or a writable
        array anywhere, gives a new Book.

        >>> from comanaged_rcm.synthetic import generate_book
        >>> data = CycleData.from_synthetic(generate_book(seed=3, claims=200))
        >>> data.book() is data.book()
        True
        """
        tables = {}
        for name, columns in (
            ("transactions", self.transactions),
            ("submissions", self.submissions),
            ("work_items", self.work_items),
        ):
            known = {f.name for f in SCHEMAS[name]}
            tables[name] = {k: v for k, v in columns.items() if k in known} or None
        key = tuple(item for name, table in tables.items() for item in (name, *(table or {}).items()))
        arrays = [item[1] for item in key if isinstance(item, tuple)]
        frozen = all(isinstance(a, np.ndarray) and _read_only(a) for a in arrays)
        for kept, book in self._kept:
            if frozen and len(kept) == len(key) and all(_same(a, b) for a, b in zip(kept, key, strict=True)):
                return book
        book = Book(**tables)
        if frozen:
            self._kept[:] = [(key, book)]
        return book

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


def _frozen(columns: Columns) -> Columns:
    """``columns`` with every array read-only (a view numpy does not own copied first)."""
    for name, column in columns.items():
        _freeze(column)
        if not _read_only(column):  # a view of memory numpy does not own (the CSV reader's)
            columns[name] = column.copy()
            _freeze(columns[name])
    return columns


_AUDIT_KINDS = {"item_id": "U", "workflow": "U", "error": "b"}


def _audit_columns(audits: object) -> Columns:
    """QA results given as columns or a data frame, with their three columns, no cell missing."""
    columns = dict(_frames.columns_of(audits, "$.audits"))
    issues = []
    for name, kind in _AUDIT_KINDS.items():
        path = f"$.audits.{name}"
        if name not in columns:
            issues.append(Issue(path, "missing", f"the QA results need the column {name!r}"))
            continue
        values = np.asarray(columns[name])
        expected = "text" if kind == "U" else "booleans, with no cell missing"
        if values.dtype.kind != kind:
            issues.append(Issue(path, "type", f"{name!r} must be {expected} (got {values.dtype})"))
        elif kind == "U" and (values == "").any():
            issues.append(Issue(path, "missing", f"{int((values == '').sum()):,} rows have no {name}"))
        columns[name] = values
    if issues:
        raise ValidationError(issues)
    return _frozen(columns)


def _same(kept: object, now: object) -> bool:
    """Whether an item of :meth:`CycleData.book`'s key is the one kept.

    A table's name, or a column's name and the very same array.
    """
    if isinstance(kept, tuple) and isinstance(now, tuple):
        return bool(kept[0] == now[0] and kept[1] is now[1])
    return kept == now


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
    mapping: ExportMap | None = None,
    claims: str | os.PathLike[str] | None = None,
    activity: str | os.PathLike[str] | None = None,
) -> CycleData:
    """Read the CSV exports of a cycle, reporting every bad cell as ``file:line:column``.

    The files are named by the tables they hold (the keys of :data:`CSV_COLUMNS`, which lists
    their columns); dates are ISO (``2026-11-02``), booleans ``true``/``false``, unless a
    mapping document says how the exports name and write them. Columns beyond the schema are
    dropped as they are read (patient names, notes) unless the map's ``keep`` names them.
    Nothing is
    returned when any cell of any file is bad. The arrays are read-only, so the tables are
    validated once however many times they are read (:meth:`CycleData.book`). Files are read as
    :func:`~comanaged_rcm.tables.read_csv` reads them (UTF-8 unless ``encoding`` is given; a
    BOM is detected).

    Args:
        transactions: The transactions ledger.
        submissions: One row per claim submission.
        work_items: The work-item log.
        audits: QA results (:data:`AUDIT_COLUMNS`), or ``None``.
        encoding: The files' encoding (UTF-8 by default).
        mapping: How the exports name and write their columns (each file is read with the map's
            table of the same name), or ``None``.
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
    if mapping is not None:
        from comanaged_rcm.mapping import ExportMap  # noqa: PLC0415 - the mapping imports the tables

        c.instance(mapping, ExportMap, "$.mapping", "an ExportMap")
    files = {
        "transactions": ("transactions", transactions),
        "submissions": _alias("submissions", submissions, "claims", claims),
        "work_items": _alias("work_items", work_items, "activity", activity),
    }
    if audits is not None:
        files["audits"] = ("audits", audits)
    tables: dict[str, Columns] = {}
    paths: dict[str, str | os.PathLike[str]] = {}
    issues: list[Issue] = []
    for table, (name, path) in files.items():
        try:
            tables[table] = _read_one(path, name, table, encoding, mapping)
            paths[table] = path  # type: ignore[assignment] # _read_one checked it is a path
        except ValidationError as exc:
            issues.extend(exc.issues)
    if issues:
        raise ValidationError(issues)
    for columns in tables.values():  # the arrays were read here: no one else can change them
        _frozen(columns)
    shown = ", ".join(os.fspath(path) for path in paths.values())
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
        raise locate_in_csv(exc, paths) from None
    return data


def _alias(name: str, value: object, old: str, old_value: object) -> tuple[str, object]:
    """The file of a table given by its name or by its deprecated alias, and the name used."""
    if value is not None and old_value is not None:
        message = f"give {name!r} or its deprecated alias {old!r}, not both"
        raise ValidationError.single(f"$.{old}", "usage", message)
    if value is None and old_value is None:
        raise ValidationError.single(f"$.{name}", "required", f"{name!r} is required (a path to a CSV file)")
    return (name, value) if old_value is None else (old, old_value)


def _read_one(
    path: object, name: str, table: str, encoding: str | None, mapping: ExportMap | None
) -> Columns:
    """One export, an unusable ``path`` argument named as the parameter (``$.submissions``)."""
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        message = f"{name!r} must be a path to a CSV file (got {type(path).__name__})"
        raise ValidationError.single(f"$.{name}", "type", message)
    try:
        if mapping is None:
            return read_csv(path, CSV_COLUMNS[table], encoding=encoding)
        return read_csv(path, CSV_COLUMNS[table], encoding=encoding, mapping=mapping.table(table))
    except ValidationError as exc:
        if all(issue.path != "$.source" for issue in exc.issues):
            raise
        issues = []
        for issue in exc.issues:
            moved = issue.path == "$.source"
            message = issue.message.replace("'source'", repr(name)) if moved else issue.message
            issues.append(Issue(f"$.{name}" if moved else issue.path, issue.code, message))
        raise ValidationError(issues) from None


# ----------------------------------------------------------------------- the data's date range
_DATE_COLUMNS = (
    ("submissions", ("submitted_date", "adjudicated_date")),
    ("work_items", ("opened", "closed")),
)
"""The dates that span the data when the ledger has no posting date."""

_DAY = datetime.timedelta(days=1)


@attrs.frozen
class DataDates:
    """The first and last day present in the data, and which dates those are."""

    what: str
    first: datetime.date
    last: datetime.date

    def __str__(self) -> str:
        return f"{self.what} {self.first} .. {self.last}"


def _span(values: npt.NDArray[Any]) -> tuple[datetime.date, datetime.date] | None:
    days = np.asarray(values).astype("datetime64[D]")
    days = days[~np.isnat(days)]
    if not days.size:
        return None
    first, last = days.min().item(), days.max().item()
    return (first, last) if isinstance(first, datetime.date) and isinstance(last, datetime.date) else None


def data_dates(tables: Mapping[str, Mapping[str, Any]]) -> DataDates | None:
    """The data's date range: the transactions' posting dates, the ones every outcome reads.

    A ledger without a posting date falls back to the submissions' submitted and adjudicated
    dates and the work items' opened and closed dates; ``None`` when no table holds a date.
    """
    ledger = tables.get("transactions") or {}
    posted = _span(ledger["posting_date"]) if "posting_date" in ledger else None
    if posted is not None:
        return DataDates("transactions posted", *posted)
    spans = [
        span
        for table, names in _DATE_COLUMNS
        for name in names
        if name in (columns := tables.get(table) or {}) and (span := _span(columns[name])) is not None
    ]
    if not spans:
        return None
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    return DataDates("submissions and work items dated", first, last)


def days(period: Period) -> str:
    """A half-open period as the days it holds: ``2026-12-28..2027-01-03``."""
    return f"{period.start}..{period.end - _DAY}"


def coverage(
    reported: tuple[str, Period], window: tuple[str, Period], dates: DataDates | None
) -> tuple[list[str], str]:
    """What of a reported period and its KPI window the data does not cover.

    Args:
        reported: The reported period and what to call it (``"the report's week"``); it must
            not run past the data's last day.
        window: The longest period a figure of the report reads, ending with ``reported``
            (its KPI window); it must not start before the data's first day.
        dates: The data's range (:func:`data_dates`).

    Returns:
        The refusals (empty when the data covers both), and a banner saying which days have no
        data, for a report made anyway.
    """
    (noun, period), (window_noun, span) = reported, window
    if dates is None:
        return [f"{noun} {days(period)} has no data at all (no table holds a date)"], (
            f"Partial data: no table holds a date, so {noun} {days(period)} has no data."
        )
    refusals, gaps = [], []
    if span.start < dates.first:
        refusals.append(f"{window_noun} {days(span)} starts before the data ({dates})")
        gaps.append(f"{days(Period(span.start, min(dates.first, span.end)))} of {window_noun} {days(span)}")
    if period.end - _DAY > dates.last:
        refusals.append(f"{noun} {days(period)} runs past the data ({dates})")
        gaps.append(
            f"{days(Period(max(dates.last + _DAY, period.start), period.end))} of {noun} {days(period)}"
        )
    banner = ""
    if gaps:
        banner = (
            f"Partial data: no data for {' nor for '.join(gaps)} ({dates}); figures over those days"
            " are missing, not zero."
        )
    return refusals, banner


# ------------------------------------------------------------------------------ data findings
_ID_COLUMNS = (
    ("transactions", "claim_id"),
    ("transactions", "payer"),
    ("submissions", "claim_id"),
    ("submissions", "payer"),
    ("work_items", "item_id"),
    ("work_items", "claim_id"),
)
"""Id columns whose values must not differ only in case or surrounding space."""

MAX_EXAMPLES = 3
"""Values a data finding quotes."""


def _rows(values: npt.NDArray[np.str_], counts: npt.NDArray[np.intp], known: Sequence[str]) -> str:
    order = np.argsort(-counts, kind="stable")[:MAX_EXAMPLES]
    shown = [
        f"{c.show(str(values[i]))} ({int(counts[i]):,} rows){c.suggest(str(values[i]), known)}" for i in order
    ]
    more = len(values) - len(order)
    return ", ".join(shown) + (f" and {more:,} more value(s)" if more > 0 else "")


def item_columns(
    items: Book | Mapping[str, Any],
) -> tuple[Mapping[str, npt.NDArray[Any]], Callable[[str], Codes]]:
    """The work items' columns, and the codes of a text column (as ``np.unique`` gives them).

    ``items`` is the cycle's :class:`~comanaged_rcm.kpi.Book`, whose codes are computed once and
    shared by every stage, or the work items' columns, each coded here once when asked for.

    >>> columns, codes = item_columns({"team": np.array(["b", "a", "b"])})
    >>> [part.tolist() for part in codes("team")]
    [['a', 'b'], [1, 0, 1]]
    """
    if isinstance(items, Book):
        return items.work_items or {}, functools.partial(items.codes, "work_items")
    coded: dict[str, Codes] = {}

    def codes(column: str) -> Codes:
        if column not in coded:
            coded[column] = _factorize(np.asarray(items[column], dtype=str))
        return coded[column]

    return items, codes


def scope_findings(split: ScopeSplit, items: Book | Columns) -> list[Finding]:
    """Work items whose team or workflow the scope split does not name (DATA-001, DATA-002).

    ``items`` is the cycle's Book or the work items' columns (:func:`item_columns`).
    """
    columns, codes = item_columns(items)
    found = []
    checks = (
        (
            "team",
            sorted(p.id for p in split.parties),
            "DATA-001",
            "a party of the scope split",
            (
                "they count as the partner's work in QA populations (every team but client staff does)"
                " under a party the split does not name"
            ),
        ),
        (
            "workflow",
            sorted(split.in_scope | split.out_of_scope),
            "DATA-002",
            "a workflow of the scope split",
            "they drop out of every QA population",
        ),
    )
    for column, known, rule, what, effect in checks:
        if column not in columns or not len(columns[column]):
            continue
        values, inverse = codes(column)
        counts = np.bincount(inverse, minlength=len(values))
        unknown = ~np.isin(values, known)
        if unknown.any():
            rows = int(counts[unknown].sum())
            message = (
                f"{rows:,} of {int(counts.sum()):,} work items name a {column} that is not {what}: "
                f"{_rows(values[unknown], counts[unknown], known)}; {effect}"
            )
            found.append(Finding(rule, Severity.WARNING, f"work_items.{column}", message))
    return found


def _may_differ_in_case(values: npt.NDArray[np.str_]) -> bool:
    """Whether two of the distinct ``values`` may differ only in case or surrounding space.

    A cheap first test, never wrong when it says no. Values all ASCII, with no space at either
    end, differ only in case only if at some position one holds a capital letter and the other
    the small one: when no position's characters range from at most ``Z`` to at least ``a``
    (ids like ``C0001``) none can; else the values are lower-cased and compared.

    >>> _may_differ_in_case(np.array(["C01", "C02"])), _may_differ_in_case(np.array(["Ab", "ab"]))
    (False, True)
    >>> _may_differ_in_case(np.array(["Ab", "aB"])), _may_differ_in_case(np.array(["a ", "b"]))
    (True, True)
    >>> _may_differ_in_case(np.array(["Ab", "ac"]))
    False
    """
    values = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    if values.size < 2 or values.dtype.itemsize == 0:
        return False
    codes = values.view(np.uint32).reshape(values.size, -1)
    low, high = _column_range(codes)
    if high.max() > _ASCII:
        return True
    ends = codes[np.arange(values.size), np.maximum(np.char.str_len(values) - 1, 0)]
    if np.isin(codes[:, 0], _SPACES).any() or np.isin(ends, _SPACES).any():
        return True
    if not ((low <= _Z) & (high >= _SMALL_A)).any():
        return False
    upper = (codes - _A) < _LETTERS  # wraps around below "A"
    lowered = codes + upper.astype(np.uint32) * _CASE
    return not _distinct(lowered.view(values.dtype).reshape(-1))


_ASCII, _LETTERS, _CASE = np.uint32(127), np.uint32(26), np.uint32(32)
_A, _Z, _SMALL_A = np.uint32(ord("A")), np.uint32(ord("Z")), np.uint32(ord("a"))
_SPACES = np.array([c for c in range(128) if chr(c).isspace()], dtype=np.uint32)
"""The ASCII characters ``str.strip`` removes, as case_variants strips values before comparing."""


def _group(note: str) -> str:
    """The values a note of :func:`comanaged_rcm.mapping.case_variants` quotes (``'A' and 'a'``)."""
    return note.split(": ", 1)[-1].split(" differ only in case", 1)[0]


def case_findings(data: CycleData, book: Book) -> list[Finding]:
    """Ids that differ only in case or surrounding space (DATA-003).

    A column a mapping folds (``fold_case``) was folded as it was read, so it has none.
    """
    from comanaged_rcm.mapping import case_variants  # noqa: PLC0415 - only when there are tables

    found = []
    for table, column in _ID_COLUMNS:
        columns = getattr(data, table)
        if data.warehouse is not None and table != "work_items":
            from comanaged_rcm.cycle._warehouse import case_candidates  # noqa: PLC0415 - a warehouse's

            values = case_candidates(data.warehouse, table, column)
        elif column not in columns:
            continue
        elif column in {f.name for f in SCHEMAS[table]}:
            values = book.codes(table, column)[0]
        else:
            values = _uniques(np.asarray(columns[column], dtype=str))
        if values.size and values[0] == "":  # sorted: the empty value comes first
            values = values[1:]
        if not _may_differ_in_case(values):
            continue
        notes = case_variants(values, column)
        if notes:
            shown = "; ".join(_group(note) for note in notes[:MAX_EXAMPLES])
            more = f" and {len(notes) - MAX_EXAMPLES:,} more group(s)" if len(notes) > MAX_EXAMPLES else ""
            message = (
                f"{len(notes):,} group(s) of {column} values differ only in case or surrounding space"
                f" ({shown}{more}), so each counts as a different {column}: fold them"
                f" (add {column} to the map's fold_case for {table})"
            )
            found.append(Finding("DATA-003", Severity.WARNING, f"{table}.{column}", message))
    return found
