"""Books whose tables stay where they are: DuckDB, Spark or polars lazy frames, through narwhals.

A :class:`LazyBook` holds each table as a lazy frame of an existing engine (a DuckDB relation, a
table of a DuckDB database file, Parquet files, a PySpark DataFrame, a polars LazyFrame). The
same declarative measures the numpy engine reads (:mod:`comanaged_rcm.kpi._measures`) are compiled
into that engine's query through one layer, narwhals: each base measure is a conditional sum
(``SUM(CASE WHEN filter AND dates THEN sign * weight ELSE 0 END)``) grouped by the slice
dimensions, one column per measure and point of the request, so a table is read in one query;
a per-claim step (credit balances excluded, aging from the bill date) is a two-level aggregation
inside the engine (per claim and slice first, then per slice). Only the sums come back into
Python, where :func:`~comanaged_rcm.kpi._engine.assemble` builds the same :class:`MeasureSet` the
numpy engine returns: scorecards, trends, targets, merges and the hierarchy work unchanged.

Before the first query, every table is checked in the engine as :class:`Book` checks rows in
memory (required cells present, numbers finite and not negative, coded values known, the
cross-column rules), one aggregating query per table; a failed check raises
:class:`~comanaged_rcm.errors.ValidationError` naming each column, with the number of rows.
"""

from __future__ import annotations

import datetime
import importlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check
from comanaged_rcm.errors import Issue, RCMError, ValidationError
from comanaged_rcm.kpi._book import SCHEMAS, Field, FieldKind, _extra_fields
from comanaged_rcm.kpi._engine import (
    _BLANK_WHEN_ABSENT,
    _MONTH_END,
    Array,
    MeasureSet,
    _at,
    _bound_dates,
    _finish,
    _points,
    _Request,
    assemble,
    plan_request,
    sort_leaves,
)
from comanaged_rcm.kpi._measures import Bound, ClaimDate, Condition, Lag, Measure, Signed

if TYPE_CHECKING:
    from comanaged_rcm.kpi._catalogue import Catalogue
    from comanaged_rcm.kpi._conventions import Convention
    from comanaged_rcm.periods import Period

__all__ = ["ENGINE_EXTRA", "LazyBook", "compute_lazy"]

ENGINE_EXTRA = "pip install comanaged-rcm[duckdb] (or comanaged-rcm[spark] for Spark)"
"""How to install what a lazy book needs: narwhals and the engine."""

_TABLES = ("transactions", "submissions", "work_items", "ledger")
_PARQUET = (".parquet", ".parq", ".pq")


def _narwhals() -> Any:  # noqa: ANN401 - the module, typed where it is used
    try:
        return importlib.import_module("narwhals")
    except ImportError:
        raise RCMError(f"a LazyBook needs narwhals, an optional extra: {ENGINE_EXTRA}") from None


def _duckdb() -> Any:  # noqa: ANN401 - the module
    try:
        return importlib.import_module("duckdb")
    except ImportError:
        raise RCMError(
            f"reading tables with DuckDB needs duckdb, an optional extra: {ENGINE_EXTRA}"
        ) from None


# -------------------------------------------------------------------------------------------- types


def _kind_of(nw: Any, dtype: Any) -> str:  # noqa: ANN401 - a narwhals dtype
    """A column's type as the book reads it: text, date, integer, real, flag, null or other."""
    if isinstance(dtype, nw.String | nw.Categorical | nw.Enum):
        return "text"
    if isinstance(dtype, nw.Date):
        return "date"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or isinstance(dtype, nw.Decimal):
        return "real"
    if isinstance(dtype, nw.Boolean):
        return "flag"
    return "other"


_ACCEPTS = {
    FieldKind.TEXT: ("text",),
    FieldKind.DATE: ("date",),
    FieldKind.NUMBER: ("real", "integer"),
    FieldKind.COUNT: ("integer",),
    FieldKind.FLAG: ("flag",),
}
_EXPECTED = {
    FieldKind.TEXT: "text (a string column)",
    FieldKind.DATE: "dates (a DATE column; cast timestamps with CAST(x AS DATE))",
    FieldKind.NUMBER: "numbers (a float, decimal or integer column)",
    FieldKind.COUNT: "whole numbers (an integer column)",
    FieldKind.FLAG: "true/false (a boolean column)",
}


class _Table(NamedTuple):
    frame: Any  # a narwhals LazyFrame
    kinds: dict[str, str]  # column -> _kind_of
    fields: dict[str, Field]  # the schema's fields and the book's own, by name


# ------------------------------------------------------------------------------------------- book


class LazyBook:
    """A book whose tables stay in their engine; :func:`~comanaged_rcm.kpi.evaluate` compiles to it.

    Args:
        transactions: The transactions table as a lazy (or eager) data frame narwhals reads: a
            DuckDB relation, a PySpark DataFrame, a polars LazyFrame, a narwhals LazyFrame...
        submissions: The claim submissions, likewise.
        work_items: The work items, likewise.
        ledger: The monthly ledger, likewise.
        fields: Typed columns beyond each table's schema (as :class:`Book` takes them), e.g. a
            number to weigh a measure by.

    The tables' column names and types are checked at once (nothing is read); their rows are
    checked in the engine before the first measure is computed (:meth:`check`). Columns beyond
    the schema are slice dimensions; one used as such must be text or integers.

    Raises:
        ValidationError: A table that is not a data frame, a required column missing, a column
            of the wrong type, each at ``$.<table>.<column>``.
        RCMError: narwhals is not installed (naming the extra).

    >>> import duckdb, datetime
    >>> from comanaged_rcm.kpi import evaluate
    >>> from comanaged_rcm.periods import Period
    >>> con = duckdb.connect()
    >>> tx = con.sql("SELECT * FROM (VALUES ('C1', 'Acme', DATE '2026-01-05', DATE '2026-01-05', 'charge',"
    ...     " 200.0), ('C1', 'Acme', DATE '2026-01-05', DATE '2026-01-20', 'payment', 150.0)) AS"
    ...     " t(claim_id, payer, service_date, posting_date, type, amount)")
    >>> book = LazyBook(transactions=tx)
    >>> book.engine, evaluate(book, Period.month(2026, 1), metrics=["net_collection_rate"]).result(
    ...     "net_collection_rate").value
    ('duckdb', 75.0)
    """

    def __init__(
        self,
        transactions: object = None,
        submissions: object = None,
        work_items: object = None,
        ledger: object = None,
        *,
        fields: Mapping[str, Sequence[Field]] | None = None,
    ) -> None:
        nw = _narwhals()
        extra = _extra_fields(fields)
        given = {"transactions": transactions, "submissions": submissions, "work_items": work_items}
        given["ledger"] = ledger
        issues: list[Issue] = []
        self._tables: dict[str, _Table] = {}
        engines: set[str] = set()
        for name, native in given.items():
            if native is None:
                continue
            frame = _lazy_frame(nw, native, f"$.{name}", issues)
            if frame is None:
                continue
            engines.add(str(frame.implementation).rsplit(".", 1)[-1].lower())
            found = _schema(nw, name, frame, extra.get(name, ()), issues)
            if found is not None:
                self._tables[name] = found
        if not given.keys() & {k for k, v in given.items() if v is not None}:
            issues.append(Issue("$", "missing", "a LazyBook needs at least one table"))
        if len(engines) > 1:
            issues.append(
                Issue(
                    "$", "mismatch", f"every table must be in one engine (got {', '.join(sorted(engines))})"
                )
            )
        if issues:
            raise ValidationError(issues)
        self.engine: str = engines.pop()
        """The engine the tables are in, as narwhals names it: ``duckdb``, ``pyspark``, ``polars``..."""
        self._checked: bool = False
        self._booked: tuple[datetime.date, ...] | None = None  # the ledger's months, once asked

    @classmethod
    def duckdb(
        cls,
        transactions: object = None,
        submissions: object = None,
        work_items: object = None,
        ledger: object = None,
        *,
        database: str | os.PathLike[str] | None = None,
        connection: object = None,
        fields: Mapping[str, Sequence[Field]] | None = None,
    ) -> LazyBook:
        """Tables read by DuckDB: Parquet files (a path or a glob), tables of a database, or relations.

        Args:
            transactions: A Parquet path or glob (``'ledger/*.parquet'``, read with
                ``read_parquet``), a table or view name of the database, or a DuckDB relation.
            submissions: Likewise.
            work_items: Likewise.
            ledger: Likewise.
            database: A DuckDB database file, opened read-only, whose tables the names refer to.
            connection: A DuckDB connection to use instead (an in-memory one by default).
            fields: Typed columns beyond the schema, as :class:`LazyBook` takes them.

        Raises:
            ValidationError: A name that is no table of the database, a path no file matches,
                both ``database`` and ``connection``, at the argument's path.

        >>> import duckdb
        >>> con = duckdb.connect()
        >>> _ = con.execute("CREATE TABLE w AS SELECT 'i1' AS item_id, 'denials' AS workflow, 't' AS team,"
        ...     " DATE '2026-01-02' AS opened, NULL::DATE AS closed, 2 AS touches, false AS escalated")
        >>> LazyBook.duckdb(work_items="w", connection=con).tables
        ('work_items',)
        """
        connection = duckdb_connection(database, connection)
        given = {"transactions": transactions, "submissions": submissions, "work_items": work_items}
        given["ledger"] = ledger
        opened: dict[str, object] = {}
        issues: list[Issue] = []
        for name, source in given.items():
            if source is not None:
                opened[name] = duckdb_source(connection, source, f"$.{name}", issues)
        if issues:
            raise ValidationError(issues)
        return cls(**opened, fields=fields)

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables the book has, in schema order."""
        return tuple(t for t in _TABLES if t in self._tables)

    def table(self, name: str) -> Any:  # noqa: ANN401 - the engine's own lazy frame
        """The table ``name`` as the engine's own lazy frame (``None`` when the book lacks it).

        Raises:
            ValidationError: ``name`` is not a table name.
        """
        _check.one_of(name, _TABLES, "$.name")
        found = self._tables.get(name)
        return None if found is None else found.frame.to_native()

    def columns(self, name: str) -> tuple[str, ...]:
        """The columns of table ``name`` (empty when the book lacks it)."""
        _check.one_of(name, _TABLES, "$.name")
        found = self._tables.get(name)
        return () if found is None else tuple(found.kinds)

    def check(self) -> None:
        """Check every table's rows in its engine (once; later calls return at once).

        Raises:
            ValidationError: Each rule a table breaks, at ``$.<table>.<column>``, with the number
                of rows that break it.
        """
        if self._checked:
            return
        nw = _narwhals()
        issues: list[Issue] = []
        for name in self.tables:
            issues += _check_rows(nw, name, self._tables[name])
        if issues:
            raise ValidationError(issues)
        self._checked = True

    def __repr__(self) -> str:
        shown = ", ".join(f"{t}[{len(self._tables[t].kinds)} columns]" for t in self.tables)
        return f"LazyBook(engine={self.engine!r}, {shown})"


def _brief(text: str, most: int = 200) -> str:
    """``text`` cut to ``most`` characters (a message quotes a name, never a megabyte of one)."""
    return text if len(text) <= most else f"{text[:most]}..."


def duckdb_connection(database: str | os.PathLike[str] | None, connection: object) -> Any:  # noqa: ANN401
    """``connection`` checked, or a new one: to ``database`` (read-only) or in memory."""
    duckdb = _duckdb()
    if database is not None and connection is not None:
        _check.fail("$.connection", "value", "give 'database' or 'connection', not both")
    if connection is None:
        try:
            if database is None:
                return duckdb.connect()
            return duckdb.connect(os.fspath(database), read_only=True)
        except (duckdb.Error, OSError) as exc:
            _check.fail("$.database", "value", f"cannot open the DuckDB database: {exc}")
    if not isinstance(connection, duckdb.DuckDBPyConnection):
        _check.fail("$.connection", "type", f"'connection' must be a DuckDB connection (got {connection!r})")
    return connection


def duckdb_source(connection: Any, source: object, path: str, issues: list[Issue]) -> object:  # noqa: ANN401
    """``source`` as a relation of ``connection`` when it is a path or a name (else as it is).

    A path or glob of Parquet files is read with ``read_parquet``; another name is a table or
    view of the connection's database. What DuckDB cannot read is added to ``issues`` at ``path``.
    """
    if not isinstance(source, str | os.PathLike):
        return source
    duckdb = _duckdb()
    try:
        return _duckdb_source(connection, os.fspath(source), path)
    except duckdb.Error as exc:
        first = _brief(str(exc).strip().splitlines()[0])
        issues.append(Issue(path, "value", f"DuckDB cannot read {_brief(repr(os.fspath(source)))}: {first}"))
        return None


def _duckdb_source(connection: Any, source: str, path: str) -> object:  # noqa: ANN401 - a DuckDB connection
    lowered = source.lower()
    if lowered.endswith(_PARQUET) or any(c in source for c in "*?["):
        return connection.read_parquet(source)
    if lowered.endswith((".csv", ".tsv")):
        _check.fail(path, "value", f"read CSV exports with kpi.Book, not a lazy book (got {_brief(source)})")
    return connection.table(source)


def _lazy_frame(nw: Any, native: object, path: str, issues: list[Issue]) -> Any:  # noqa: ANN401
    if isinstance(native, nw.LazyFrame):
        return native
    try:
        frame = nw.from_native(native, pass_through=True, allow_series=False)
    except Exception:  # noqa: BLE001 - narwhals refuses what it cannot wrap in its own ways
        frame = native
    if isinstance(frame, nw.DataFrame):
        return frame.lazy()
    if isinstance(frame, nw.LazyFrame):
        return frame
    issues.append(
        Issue(
            path,
            "type",
            f"must be a data frame narwhals reads (a DuckDB relation, a PySpark DataFrame, a polars"
            f" LazyFrame...; got {type(native).__name__})",
        )
    )
    return None


def _schema(nw: Any, table: str, frame: Any, extra: tuple[Field, ...], issues: list[Issue]) -> _Table | None:  # noqa: ANN401
    kinds = {name: _kind_of(nw, dtype) for name, dtype in frame.collect_schema().items()}
    fields = {f.name: f for f in (*SCHEMAS[table], *extra)}
    before = len(issues)
    for field in fields.values():
        path = f"$.{table}.{field.name}"
        if field.name not in kinds:
            if field.required:
                issues.append(Issue(path, "missing", f"required column {field.name!r} is missing"))
            continue
        kind = kinds[field.name]
        if kind not in _ACCEPTS[field.kind]:
            issues.append(Issue(path, "type", f"must hold {_EXPECTED[field.kind]} (got {kind})"))
    return _Table(frame, kinds, fields) if len(issues) == before else None


# ------------------------------------------------------------------------------------------ checks


def _check_rows(nw: Any, table: str, found: _Table) -> list[Issue]:  # noqa: ANN401
    """One aggregating query: the number of rows breaking each rule of the table."""
    rules: list[tuple[str, str, str, Any]] = []  # (path, code, message, bad-row expression)
    col = nw.col
    for name, field in found.fields.items():
        if name not in found.kinds:
            continue
        path = f"$.{table}.{name}"
        c = col(name)
        if not field.nullable:
            empty = c.is_null() | (c == "") if field.kind is FieldKind.TEXT else c.is_null()
            rules.append((path, "missing", "must not be empty", empty))
        if field.kind is FieldKind.NUMBER:
            number = c.cast(nw.Float64)
            bad = ~number.is_finite() | (number < 0)
            rules.append((path, "range", "must be finite and not negative", ~c.is_null() & bad))
        elif field.kind is FieldKind.COUNT:
            rules.append((path, "range", "must not be negative", ~c.is_null() & (c < 0)))
        if field.values:
            allowed = list(field.values) + ([""] if field.nullable else [])
            unknown = ~c.is_null() & ~c.is_in(allowed)
            rules.append((path, "value", f"must be one of {', '.join(field.values)}", unknown))
    kinds = found.kinds
    if table == "transactions":
        reason = col("write_off_reason").fill_null("") if "write_off_reason" in kinds else nw.lit("")
        rules.append(
            (
                "$.transactions.write_off_reason",
                "missing",
                "write-offs need a reason",
                (col("type") == "write_off") & (reason == ""),
            )
        )
    elif table == "submissions":
        rules += [
            (
                "$.submissions.adjudicated_date",
                "missing",
                "adjudicated submissions need a date",
                (col("outcome") != "pending") & col("adjudicated_date").is_null(),
            ),
            ("$.submissions.seq", "range", "must be >= 1 (1 is the original submission)", col("seq") < 1),
            (
                "$.submissions.denied_lines",
                "range",
                "must not exceed 'lines'",
                col("denied_lines") > col("lines"),
            ),
            (
                "$.submissions.denied_charges",
                "range",
                "must not exceed 'charges'",
                col("denied_charges") > col("charges"),
            ),
        ]
    elif table == "work_items":
        rules.append(
            ("$.work_items.closed", "range", "must not be before 'opened'", col("closed") < col("opened"))
        )
    else:
        rules.append(
            ("$.ledger.month", "range", "must be the first day of a month", col("month").dt.day() != 1)
        )
    counts = (
        found.frame.select(
            *[
                nw.when(bad.fill_null(value=False)).then(1).otherwise(0).sum().alias(f"r{i}")
                for i, (*_, bad) in enumerate(rules)
            ]
        )
        .collect()
        .row(0)
    )
    issues = []
    for (path, code, message, _), n in zip(rules, counts, strict=True):
        if n:
            rows = "row" if n == 1 else "rows"
            issues.append(Issue(path, code, f"{message} ({int(n):,} {rows})"))
    return issues


# ----------------------------------------------------------------------------------------- compile


class _Compiler:
    """Narwhals expressions for one table: conditions, signs, weights, date intervals, lags."""

    def __init__(
        self,
        nw: Any,  # noqa: ANN401
        table: str,
        found: _Table,
        *,
        rows: str | None = None,
        bins: Mapping[str, Sequence[datetime.date]] | None = None,
    ) -> None:
        self.nw = nw
        self.table = table
        self.found = found
        self.rows_column = rows  # over pre-aggregated groups: the column counting each group's rows
        # over pre-aggregated groups: date columns held as their bin among these sorted edges
        self.bins: Mapping[str, Sequence[datetime.date]] = bins or {}

    def coded(self, column: str) -> tuple[str, Any]:
        """A coded column's kind (text, integer or flag) and its expression (text nulls read empty)."""
        nw = self.nw
        kind = self.found.kinds.get(column)
        if kind is None:  # an optional nullable text column the book lacks: empty on every row
            return "text", nw.lit("")
        if kind == "text":
            return "text", nw.col(column).cast(nw.String).fill_null("")
        if kind in {"integer", "flag"}:
            return kind, nw.col(column)
        raise ValidationError.single(
            f"$.{self.table}.{column}",
            "type",
            f"a column a measure filters or slices by must be text, integers or flags (got {kind})",
        )

    def admits(self, column: str, values: Sequence[str], *, negate: bool = False) -> Any:  # noqa: ANN401
        """Rows whose ``column`` holds one of ``values`` (compared as text, as :class:`Condition` says)."""
        nw = self.nw
        kind, expr = self.coded(column)
        if kind == "flag":
            wanted: list[Any] = [v == "true" for v in values if v in {"true", "false"}]
        elif kind == "integer":
            field = self.found.fields.get(column)
            if field is None:  # a dimension of integers: the book reads it as their digits
                expr, wanted = expr.cast(nw.String), list(values)
            else:
                wanted = [int(v) for v in values if v.isdigit()]
        else:
            wanted = list(values)
        inside = expr.is_in(wanted) if wanted else nw.lit(value=False)
        return ~inside if negate else inside

    def condition(self, condition: Condition) -> Any:  # noqa: ANN401
        return self.admits(condition.column, condition.values, negate=condition.negate)

    def sign(self, signed: Signed) -> Any:  # noqa: ANN401
        """+1 where the column holds a positive value, -1 a negative one, else 0."""
        nw = self.nw
        positive = self.admits(signed.column, signed.positive) if signed.positive else nw.lit(value=False)
        negative = self.admits(signed.column, signed.negative) if signed.negative else nw.lit(value=False)
        return nw.when(positive).then(1.0).otherwise(nw.when(negative).then(-1.0).otherwise(0.0))

    def weight(self, measure: Measure) -> Any:  # noqa: ANN401
        nw = self.nw
        if measure.weight is not None:
            weight = nw.col(measure.weight).cast(nw.Float64)
        else:
            weight = nw.lit(1.0) if self.rows_column is None else nw.col(self.rows_column).cast(nw.Float64)
        if measure.signed is not None:
            weight = weight * self.sign(measure.signed)
        return weight

    def lag(self, lag: Lag) -> Any:  # noqa: ANN401
        nw = self.nw
        later, earlier = nw.col(lag.later), nw.col(lag.earlier)
        holds = ~later.is_null() & ~earlier.is_null()
        if lag.more_than is not None:
            holds = holds & (later > _shifted(earlier, lag.more_than))
        if lag.at_most is not None:
            holds = holds & (later <= _shifted(earlier, lag.at_most))
        return holds

    def interval(self, column: str, start: datetime.date | None, end: datetime.date | None) -> Any:  # noqa: ANN401
        """``start <= column < end``; NULL (no date) is after every date.

        A binned column holds how many of its edges are on or before the date, so ``date >=
        edge[j]`` is ``bin >= j + 1`` and ``date < edge[j]`` is ``bin < j + 1``.
        """
        nw = self.nw
        c = nw.col(column)
        edges = self.bins.get(column)
        low = None if start is None else nw.lit(start if edges is None else edges.index(start) + 1)
        high = None if end is None else nw.lit(end if edges is None else edges.index(end) + 1)
        parts = []
        if low is not None:
            parts.append((c >= low) | c.is_null())
        if high is not None:
            parts.append(c < high)
        return _all(parts)

    def rows(self, measure: Measure) -> list[Any]:
        """The measure's conditions that do not depend on the point: filter and lags."""
        return [self.condition(c) for c in measure.where] + [self.lag(lag) for lag in measure.lags]


def _shifted(expr: Any, days: int) -> Any:  # noqa: ANN401
    return expr if days == 0 else expr.dt.offset_by(f"{days}d")


def _all(parts: Sequence[Any]) -> Any:  # noqa: ANN401 - narwhals expressions
    if not parts:
        return None
    out = parts[0]
    for part in parts[1:]:
        out = out & part
    return out


def _when(nw: Any, mask: Any, value: Any) -> Any:  # noqa: ANN401
    """``value`` where ``mask`` holds (a NULL mask does not), else 0."""
    return value if mask is None else nw.when(mask.fill_null(value=False)).then(value).otherwise(0.0)


# ------------------------------------------------------------------------------------------ compute


def _dates_at(
    measure: Measure, request: _Request, k: int
) -> tuple[tuple[str, datetime.date | None, datetime.date | None], ...]:
    return tuple(
        (
            interval.column,
            _bound_dates(interval.start, measure, request)[k],
            _bound_dates(interval.end, measure, request)[k],
        )
        for interval in measure.dates
    )


class _Columns:
    """Aggregate columns of one query, each distinct expression once: ``v0``, ``v1``..."""

    def __init__(self) -> None:
        self.names: dict[object, str] = {}
        self.exprs: list[Any] = []

    def add(self, key: object, build: Callable[[], Any]) -> str:
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"v{len(self.names)}"
            self.exprs.append(build().alias(name))
        return name


def _linear_query(
    compiler: _Compiler, measures: Sequence[Measure], request: _Request
) -> tuple[_Columns, dict[str, list[str]]]:
    """One column per distinct (measure rows, weight, point dates); each measure's per point."""
    nw = compiler.nw
    columns = _Columns()
    wanted: dict[str, list[str]] = {}
    for m in measures:
        base = (m.weight, m.signed, m.where, m.lags)
        names = []
        rows, weight = compiler.rows(m), compiler.weight(m)  # once for all the measure's points
        for k in range(len(_points(m, request))):
            dates = _dates_at(m, request, k)

            def build(dates: tuple[Any, ...] = dates, rows: list[Any] = rows, weight: Any = weight) -> Any:  # noqa: ANN401
                parts = rows + [compiler.interval(c, s, e) for c, s, e in dates]
                return _when(nw, _all([p for p in parts if p is not None]), weight)

            names.append(columns.add((base, dates), build))
        wanted[m.name] = names
    return columns, wanted


_ROWS = "__rows__"


def _edges(
    measures: Sequence[Measure], request: _Request, columns: set[str]
) -> dict[str, list[datetime.date]]:
    """The sorted distinct dates every interval of ``measures`` bounds each of ``columns`` by."""
    found: dict[str, set[datetime.date]] = {c: set() for c in columns}
    for m in measures:
        for k in range(len(_points(m, request))):
            for column, start, end in _dates_at(m, request, k):
                if column in found:
                    found[column].update(d for d in (start, end) if d is not None)
    return {c: sorted(days) for c, days in found.items() if days}


def _bin(nw: Any, column: str, edges: Sequence[datetime.date]) -> Any:  # noqa: ANN401
    """How many of ``edges`` are on or before each row's date, by a binary search of ``CASE``s.

    A row without a date gets every edge (the last bin): as for NULL, every ``date >= edge``
    holds and no ``date < edge`` does, so each interval decides it as it decides NULL.
    """
    c = nw.col(column)

    def search(low: int, high: int) -> Any:  # noqa: ANN401 - the bin, between low and high
        if low == high:
            return nw.lit(low, dtype=nw.Int32)
        middle = (low + high) // 2
        below = nw.when(c < nw.lit(edges[middle]))
        return below.then(search(low, middle)).otherwise(search(middle + 1, high))

    return search(0, len(edges)).alias(column)


def _pre_aggregated(  # noqa: PLR0917 - the request's parts, passed on
    nw: Any,  # noqa: ANN401
    compiler: _Compiler,
    measures: Sequence[Measure],
    by: tuple[str, ...],
    dims: list[Any],
    request: _Request,
) -> tuple[Any, _Compiler]:
    """The table grouped first by what the measures read (slice, coded columns, binned dates).

    Each weight column is summed per group and the rows counted, so the conditional sums run over
    the groups, not the rows: exact, since the measures are sums. A date column that only
    intervals read is grouped by its bin among the request's boundary dates of it (how many are
    on or before the row's date), which decides every interval as the date itself does; one a
    lag or the slice reads stays a date. A column read both as a weight and as a filter or date
    keeps the rows as they are.
    """
    found = compiler.found
    weights = sorted({m.weight for m in measures if m.weight is not None})
    read = {c for m in measures for c in m.columns if c in found.kinds} - set(weights)
    if set(weights) & {c for m in measures for c in (*m.filter_columns, *(i.column for i in m.dates))}:
        return found.frame, compiler
    lagged = {c for m in measures for lag in m.lags for c in (lag.later, lag.earlier)}
    dated = {i.column for m in measures for i in m.dates if i.column in found.kinds}
    bins = _edges(measures, request, dated - lagged - set(by))
    keys = [*by, *sorted(read - set(by))]
    added = [*dims, *[_bin(nw, c, e) for c, e in bins.items()]]
    frame = (
        (found.frame.with_columns(*added) if added else found.frame)
        .group_by(*keys)
        .agg(*[nw.col(w).cast(nw.Float64).sum().alias(w) for w in weights], nw.len().alias(_ROWS))
    )
    kinds = {c: found.kinds[c] for c in keys if c in found.kinds} | dict.fromkeys(weights, "real")
    kinds |= dict.fromkeys(bins, "bin")
    return frame, _Compiler(nw, compiler.table, _Table(frame, kinds, found.fields), rows=_ROWS, bins=bins)


def _dimensions(nw: Any, compiler: _Compiler, by: tuple[str, ...]) -> list[Any]:  # noqa: ANN401
    out = []
    for i, dim in enumerate(by):
        kind = compiler.found.kinds[dim]
        if kind == "date":
            out.append(nw.col(dim))
            continue
        try:
            out.append(compiler.coded(dim)[1].alias(dim))
        except ValidationError:
            raise ValidationError.single(
                f"$.by[{i}]",
                "type",
                f"a slice dimension must be text, integers, flags or dates"
                f" ({compiler.table}.{dim} is {kind})",
            ) from None
    return out


def _label(value: object) -> str:
    """A slice key as the numpy engine writes it (a date ISO, no date ``NaT``, a flag ``True``)."""
    if value is None:  # text nulls are read empty before grouping: only a date can be
        return "NaT"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _keys(result: Any, by: tuple[str, ...]) -> list[tuple[str, ...]]:  # noqa: ANN401 - a narwhals frame
    """Each result row's slice key, as text."""
    if not by:
        return [()]
    columns = [result.get_column(d).to_list() for d in by]
    return [tuple(_label(v) for v in row) for row in zip(*columns, strict=True)]


def _grouped(
    nw: Any,  # noqa: ANN401
    frame: Any,  # noqa: ANN401
    *,
    by: tuple[str, ...],
    dims: list[Any],
    exprs: list[Any],
    names: Sequence[str],
) -> tuple[list[tuple[str, ...]], npt.NDArray[np.float64]]:
    """Sums of ``names`` per slice (one row, no keys, without ``by``) and the slices' keys."""
    if by:
        query = frame.with_columns(*dims, *exprs).group_by(*by).agg(*[nw.col(n).sum() for n in names])
    else:
        query = frame.select(*[e.sum() for e in exprs])
    result = query.collect()
    keys = _keys(result, by)
    sums = np.zeros((len(names), len(keys)), dtype=np.float64)
    for j, name in enumerate(names):
        sums[j] = np.asarray(result.get_column(name).to_list(), dtype=np.float64)
    return keys, np.nan_to_num(sums, nan=0.0)


def _bound_date(bound: Bound, point: Any) -> datetime.date:  # noqa: ANN401
    day = _at(bound, point)
    assert day is not None  # noqa: S101 - ClaimDate checks its bound is dated
    return day


def _gap(book: LazyBook, measure: Measure, request: _Request) -> str | None:
    found = book._tables.get(measure.table)  # noqa: SLF001 - the module's own book
    if found is None:
        return f"the book has no {measure.table}"
    for column in measure.columns:
        if column not in found.kinds and (measure.table, column) not in _BLANK_WHEN_ABSENT:
            return f"needs the {measure.table} column {column!r}"
    if measure.weight is not None and found.kinds[measure.weight] not in {"real", "integer"}:
        raise ValidationError.single(
            "$.catalogue",
            "type",
            f"measure {measure.name!r} weighs the {measure.table} column {measure.weight!r}, which is"
            " not a number (give it as a number or count field: LazyBook(fields=...))",
        )
    if measure.as_of_on_first and not all(a.day == 1 for a in request.as_of):
        return _MONTH_END
    return None


def _booked(book: LazyBook) -> tuple[datetime.date, ...]:
    """The months the ledger books, asked of the engine once per book."""
    if book._booked is None:  # noqa: SLF001 - the module's own book
        found = book._tables.get("ledger")  # noqa: SLF001
        months: list[object] = []
        if found is not None and "month" in found.kinds:
            nw = _narwhals()
            months = found.frame.select(nw.col("month")).unique().collect().get_column("month").to_list()
        days = (m.date() if isinstance(m, datetime.datetime) else m for m in months)
        book._booked = tuple(sorted({d for d in days if isinstance(d, datetime.date)}))  # noqa: SLF001
    return book._booked  # noqa: SLF001


def _sliceable(book: LazyBook, by: tuple[str, ...]) -> list[str]:
    tables = [t for t in book.tables if all(d in book._tables[t].kinds for d in by)]  # noqa: SLF001
    if by and not tables:
        raise ValidationError.single(
            "$.by", "unknown", f"no table of the book has every column of {_check.show(list(by))}"
        )
    return tables


def compute_lazy(
    book: LazyBook,
    periods: Sequence[Period],
    as_of: Sequence[datetime.date],
    by: Sequence[str],
    conventions: Mapping[str, Convention],
    *,
    per_claim: bool | None = None,
    catalogue: Catalogue | None = None,
    measures: Sequence[str] | None = None,
) -> MeasureSet:
    """:func:`~comanaged_rcm.kpi._engine.compute_measures` on a :class:`LazyBook`, in its engine.

    One query per table (two levels for per-claim measures), after the book's rows are checked.
    The slices are the dimension values of every table that has them all, as for a :class:`Book`.
    """
    nw = _narwhals()
    by = tuple(by)
    request, combos = plan_request(
        periods, as_of, conventions, per_claim=per_claim, catalogue=catalogue, measures=measures
    )
    book.check()
    gaps, linear, claims = sort_leaves(combos, request, lambda m: _gap(book, m, request))
    sliceable = _sliceable(book, by)
    per_table: dict[str, tuple[list[tuple[str, ...]], dict[str, npt.NDArray[np.float64]]]] = {}
    labels: set[tuple[str, ...]] = set()
    for table in book.tables:
        found = book._tables[table]  # noqa: SLF001 - the module's own book
        compiler = _Compiler(nw, table, found)
        keys_by = by if table in sliceable else ()
        dims = _dimensions(nw, compiler, keys_by)
        values: dict[str, npt.NDArray[np.float64]] = {}
        keys: list[tuple[str, ...]] | None = None
        group = list(linear.get(table, {}).values())
        if group or (keys_by and table in sliceable):
            frame, grouped = _pre_aggregated(nw, compiler, group, keys_by, dims, request)
            columns, wanted = _linear_query(grouped, group, request)
            keys, sums = _grouped(
                nw,
                frame,
                by=keys_by,
                dims=dims,
                exprs=columns.exprs,
                names=list(columns.names.values()),
            )
            position = {name: j for j, name in enumerate(columns.names.values())}
            for m in group:
                values[m.name] = sums[[position[n] for n in wanted[m.name]]]
        if table in claims:
            claim_keys, claim_values = _per_claim_values(
                compiler, list(claims[table].values()), request, keys_by, dims
            )
            if keys is None:
                keys = claim_keys
            values.update(_realign(claim_keys, keys, claim_values))
        if keys is None:
            keys = [()]
        per_table[table] = (keys, values)
        if table in sliceable and by:
            labels.update(keys)
    ordered = tuple(sorted(labels)) if by else ((),)
    index = {key: i for i, key in enumerate(ordered)}
    arrays: dict[str, Array] = {}
    for table, (keys, values) in per_table.items():
        sliced = table in sliceable
        for name, sums in values.items():
            m = _measure(linear, claims, table, name)
            points = _points(m, request)
            width = len(ordered) if sliced else 1
            placed = np.zeros((len(points), width), dtype=np.longdouble)
            if sliced and by:
                columns_at = np.array([index[k] for k in keys], dtype=np.intp)
                placed[:, columns_at] = sums
            else:
                placed[:, 0] = sums.sum(axis=1)
            arrays[name] = _finish(m, points, cast("Array", placed), len(request.periods))
    return assemble(
        combos,
        gaps,
        arrays,
        request=request,
        by=by,
        slices=ordered,
        sliced=frozenset(sliceable),
        columns=book.columns,
        booked=lambda: _booked(book),
    )


def _measure(
    linear: Mapping[str, Mapping[str, Measure]],
    claims: Mapping[str, Mapping[str, Measure]],
    table: str,
    name: str,
) -> Measure:
    found = linear.get(table, {}).get(name) or claims.get(table, {}).get(name)
    assert found is not None  # noqa: S101 - every value is some measure's
    return found


def _realign(
    source: list[tuple[str, ...]],
    target: list[tuple[str, ...]],
    values: Mapping[str, npt.NDArray[np.float64]],
) -> Iterator[tuple[str, npt.NDArray[np.float64]]]:
    """Per-claim sums (points x ``source`` keys) reordered to ``target``'s keys (absent: 0)."""
    at = {key: j for j, key in enumerate(source)}
    order = [at.get(key) for key in target]
    for name, sums in values.items():
        out = np.zeros((sums.shape[0], len(target)), dtype=np.float64)
        for j, i in enumerate(order):
            if i is not None:
                out[:, j] = sums[:, i]
        yield name, out


def _per_claim_values(
    compiler: _Compiler, measures: Sequence[Measure], request: _Request, by: tuple[str, ...], dims: list[Any]
) -> tuple[list[tuple[str, ...]], dict[str, npt.NDArray[np.float64]]]:
    """Per-claim measures as (keys, {measure: points x keys}), one two-level query per claim key."""
    nw = compiler.nw
    out: dict[str, npt.NDArray[np.float64]] = {}
    all_keys: list[tuple[str, ...]] = []
    keys: list[tuple[str, ...]]
    by_key: dict[str, list[Measure]] = {}
    for m in measures:
        assert m.claim is not None  # noqa: S101 - sorted by the caller
        by_key.setdefault(m.claim.key, []).append(m)
    for key, group in by_key.items():
        balances, wanted = _linear_query(compiler, group, request)
        firsts: dict[ClaimDate, str] = {}
        first_exprs = []
        for m in group:
            assert m.claim is not None  # noqa: S101
            for when in m.claim.dates:
                if when not in firsts:
                    name = firsts[when] = f"f{len(firsts)}"
                    parts = [compiler.condition(c) for c in when.where] + [~nw.col(when.column).is_null()]
                    admitted = _all(parts)
                    first_exprs.append(
                        nw.when(admitted.fill_null(value=False)).then(nw.col(when.column)).alias(name)
                    )
        level = compiler.found.frame.with_columns(*dims, *balances.exprs, *first_exprs)
        per_claim = level.group_by(key, *by).agg(
            *[nw.col(n).sum() for n in balances.names.values()], *[nw.col(f).min() for f in firsts.values()]
        )
        second: list[Any] = []
        names: list[str] = []
        spans: dict[str, slice] = {}
        for m in group:
            assert m.claim is not None  # noqa: S101
            role = m.claim
            start = len(names)
            for k, point in enumerate(_points(m, request)):
                balance = nw.col(wanted[m.name][k])
                if role.clip:
                    balance = nw.when(balance > 0).then(balance).otherwise(0.0)
                counts = [nw.col(firsts[w]) < nw.lit(_bound_date(w.before, point)) for w in role.dates]
                name = f"w{len(names)}"
                names.append(name)
                second.append(_when(nw, _all(counts), balance).alias(name))
            spans[m.name] = slice(start, len(names))
        if by:
            query = per_claim.with_columns(*second).group_by(*by).agg(*[nw.col(n).sum() for n in names])
        else:
            query = per_claim.select(*[e.sum() for e in second])
        result = query.collect()
        keys = _keys(result, by)
        sums = np.nan_to_num(
            np.array([result.get_column(n).to_list() for n in names], dtype=np.float64).reshape(
                len(names), len(keys)
            ),
            nan=0.0,
        )
        if not all_keys:
            all_keys = keys
        else:  # another claim key's measures: align on the first's keys, adding any new ones
            extra = [k for k in keys if k not in set(all_keys)]
            if extra:
                all_keys = all_keys + extra
                out = dict(_realign(all_keys[: len(all_keys) - len(extra)], all_keys, out))
        aligned = dict(_realign(keys, all_keys, {n: sums[spans[n]] for n in spans}))
        out.update(aligned)
    return all_keys, out
