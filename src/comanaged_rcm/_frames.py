"""The one data-frame layer: any data frame in, results out as data frames.

In: a pandas or polars data frame, a polars ``LazyFrame`` (collected here, once, after only the
columns wanted are selected), a pyarrow ``Table`` or ``RecordBatch``, or anything else speaking
the Arrow PyCapsule stream protocol (``__arrow_c_stream__``) is read through narwhals into numpy
columns, each with its missing cells made explicit as a mask. narwhals is imported only when
such an object arrives (``pip install 'comanaged-rcm[frames]'``); a plain mapping of arrays never
needs it.

Out: a result's rows as one :class:`Table` of typed numpy columns with null masks, handed to
pandas, polars or pyarrow, each imported only by the function that needs it.

>>> table = Table({"metric": Column.text(["a", "b"]), "value": Column.real([1.5, None])})
>>> table.rows, table.names
(2, ('metric', 'value'))
"""

from __future__ import annotations

import datetime
import importlib
import json
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check
from comanaged_rcm.errors import Issue, RCMError, ValidationError

if TYPE_CHECKING:
    import narwhals as nw

FRAMES_EXTRA = "pip install 'comanaged-rcm[frames]'"
"""How to install what reading a data frame needs (narwhals)."""
ARROW_EXTRA = "pip install 'comanaged-rcm[arrow]'"
"""How to install pyarrow, which ``to_arrow()`` needs."""

_LIBRARIES = frozenset(
    {
        "cudf",
        "dask",
        "duckdb",
        "ibis",
        "modin",
        "narwhals",
        "pandas",
        "polars",
        "pyarrow",
        "pyspark",
        "sqlframe",
    }
)
"""Top-level packages whose objects are data frames (or series) for this layer, whatever they are."""

Mask = npt.NDArray[np.bool_]


# ----------------------------------------------------------------------------------------- in


@attrs.frozen
class FrameColumn:
    """One column of a data frame as numpy.

    Args:
        values: The cells, 1-D. A missing cell holds a filler (``0``, ``False``, ``""``, NaT) in
            integer, boolean, text and date columns, NaN in float columns; object columns (a
            pandas ``object`` column of Python values) are as the frame gave them.
        missing: Which cells are missing (null, and NaN in pandas), or ``None`` when none are.
        dtype: The column's type as narwhals names it (``Int64``, ``String``...), for messages.
        zone: The time zone of a time-zone aware datetime column (its ``values`` are then UTC
            wall-clock times), else ``None``.
    """

    values: npt.NDArray[Any]
    missing: Mask | None
    dtype: str
    zone: str | None = None


def is_frame(obj: object) -> bool:
    """Whether ``obj`` is for this layer: no mapping, but a data-frame library's object or an Arrow stream.

    >>> is_frame({"a": [1]}), is_frame([1, 2])
    (False, False)
    """
    if isinstance(obj, Mapping):
        return False
    kind = type(obj)
    return (
        kind.__module__.partition(".")[0] in _LIBRARIES
        or hasattr(kind, "__arrow_c_stream__")
        or hasattr(kind, "__arrow_c_array__")
    )


def _narwhals() -> Any:  # noqa: ANN401 - the module, typed where it is used
    try:
        return importlib.import_module("narwhals")
    except ImportError:
        raise RCMError(f"reading a data frame needs narwhals, an optional extra: {FRAMES_EXTRA}") from None


def refuse(path: str, obj: object) -> ValidationError:
    """The error for ``obj`` where a table belongs: neither a mapping nor a data frame, naming its type."""
    kind = type(obj)
    shown = (
        kind.__name__
        if kind.__module__ == "builtins"
        else f"{kind.__module__.partition('.')[0]}.{kind.__qualname__}"
    )
    return ValidationError.single(
        path,
        "type",
        "expected a mapping of column name to array, or a data frame (pandas, polars, pyarrow, or any"
        f" Arrow stream) (got {shown})",
    )


def _arrow_backend() -> str:
    """The library that holds a frame read from an Arrow stream: pyarrow, else polars."""
    for name in ("pyarrow", "polars"):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        return name
    raise RCMError(f"reading an Arrow stream needs pyarrow (or polars): {ARROW_EXTRA}")


class Frame:
    """A data frame opened for reading: its column names, then the columns wanted.

    A lazy frame (polars ``LazyFrame``, DuckDB) stays lazy until :meth:`read`, which selects the
    columns asked for and collects only those.
    """

    def __init__(self, frame: nw.DataFrame[Any] | nw.LazyFrame[Any], path: str) -> None:
        self._frame = frame
        self._path = path

    @property
    def names(self) -> tuple[Any, ...]:
        """The column names, in order (as the frame holds them: not always strings)."""
        return tuple(self._frame.collect_schema().names())

    def read(self, names: Sequence[Any] | None = None, *, zone: str | None = None) -> dict[Any, FrameColumn]:
        """The columns ``names`` (all by default) as numpy, a lazy frame collected once.

        Args:
            names: The columns wanted, in order.
            zone: A time zone (IANA) into which time-zone aware datetime columns are converted,
                their values becoming that zone's wall-clock times; ``None`` leaves them UTC with
                their zone recorded.

        Raises:
            ValidationError: A column of a type no book column holds (a list, a duration...), at
                ``path.column``; duplicated column names, at ``path``.
        """
        nw = _narwhals()
        _distinct(self.names, self._path)
        frame: Any = self._frame
        if names is not None:
            frame = frame.select(list(names))
        if isinstance(frame, nw.LazyFrame):  # collected here, once, with only the columns wanted
            frame = frame.collect()
        issues: list[Issue] = []
        columns: dict[Any, FrameColumn] = {}
        for name in frame.columns:
            try:
                columns[name] = _column(nw, frame.get_column(name), zone)
            except _Unread as exc:
                issues.append(Issue(f"{self._path}.{name}", "type", str(exc)))
        if issues:
            raise ValidationError(issues)
        return columns


def open_frame(obj: object, path: str) -> Frame:
    """``obj`` opened through narwhals, or refused naming its type.

    Raises:
        ValidationError: ``obj`` is not a data frame (a series, say), at ``path``.
        RCMError: narwhals is not installed (naming the extra).

    >>> import pandas as pd
    >>> open_frame(pd.DataFrame({"a": [1, 2]}), "$.t").names
    ('a',)
    """
    nw = _narwhals()
    try:
        frame = nw.from_native(obj, pass_through=True, allow_series=False)
    except nw.exceptions.DuplicateError:
        _distinct(tuple(getattr(obj, "columns", ())), path)
        raise  # pragma: no cover - narwhals refuses only repeated names as duplicates
    except Exception:  # noqa: BLE001 - narwhals refuses what it cannot wrap in its own ways
        frame = obj
    if not isinstance(frame, nw.DataFrame | nw.LazyFrame) and hasattr(type(obj), "__arrow_c_stream__"):
        try:
            frame = nw.from_arrow(obj, backend=_arrow_backend())
        except RCMError:
            raise
        except Exception:  # noqa: BLE001 - a stream that is no table (a series) fails in any way
            raise refuse(path, obj) from None
    if not isinstance(frame, nw.DataFrame | nw.LazyFrame):
        raise refuse(path, obj)
    return Frame(frame, path)


def _distinct(names: Sequence[Any], path: str) -> None:
    """Refuse repeated column names, naming them: a frame's last copy is never read silently."""
    repeated = sorted({str(n) for n in names if names.count(n) > 1})
    if repeated:
        raise ValidationError.single(
            path,
            "duplicate",
            f"column names must be distinct (repeated: {', '.join(map(_check.show, repeated))})",
        )


class _Unread(Exception):  # noqa: N818 - an internal signal, turned into an Issue by Frame.read
    """A column of a type the layer does not read."""


def _column(nw: Any, series: Any, zone: str | None) -> FrameColumn:  # noqa: ANN401 - narwhals objects
    dtype = series.dtype
    native: Any = series.to_native() if dtype == nw.Unknown else None
    aware = getattr(getattr(native, "dtype", None), "tz", None)
    if aware is not None and hasattr(native, "dt"):
        # a pandas zone narwhals does not parse (America/New_York is Unknown to narwhals 2.29):
        # the same instants in UTC, which it does, under the column's own zone
        column = _column(nw, nw.from_native(native.dt.tz_convert("UTC"), series_only=True), zone)
        return attrs.evolve(column, zone=None if column.zone is None else str(aware))
    name = str(dtype)
    nulls = series.null_count()
    missing: Mask | None = series.is_null().to_numpy().astype(bool) if nulls else None
    if isinstance(dtype, nw.Categorical | nw.Enum):  # read as its values (a dictionary's nulls kept)
        series, dtype = series.cast(nw.String), nw.String()
    if dtype.is_integer() or dtype == nw.Boolean:
        filled = series.fill_null(False if dtype == nw.Boolean else 0) if nulls else series
        return FrameColumn(np.asarray(filled.to_numpy()), missing, name)
    if dtype.is_float() or dtype == nw.Decimal:
        values = series.cast(nw.Float64).to_numpy().astype(np.float64, copy=False)
        return FrameColumn(values, missing, name)
    if dtype == nw.String:
        return FrameColumn(_strings(series.fill_null("") if nulls else series), missing, name)
    if dtype == nw.Date:
        days = np.asarray(series.cast(nw.Int32).fill_null(0).to_numpy(), dtype=np.int64)
        dates = days.astype("datetime64[D]")
        if missing is not None:
            dates[missing] = np.datetime64("NaT")
        return FrameColumn(dates, missing, name)
    if isinstance(dtype, nw.Datetime):
        aware = dtype.time_zone
        if aware is not None and zone is not None:
            series = series.dt.convert_time_zone(zone).dt.replace_time_zone(None)
        values = np.asarray(series.to_numpy())
        if values.dtype.kind != "M":  # pragma: no cover - every backend gives datetime64
            raise _Unread(f"cannot read the {name} column as datetimes (got dtype {values.dtype})")
        if missing is not None:  # a frame's arrays may be read-only views
            values = np.where(missing, np.datetime64("NaT"), values)
        return FrameColumn(values, missing, name, zone=None if zone is not None else aware)
    if dtype in {nw.Object, nw.Unknown}:
        return FrameColumn(np.asarray(series.to_numpy(), dtype=object), missing, name)
    raise _Unread(
        f"a column of type {name} is not read (expected text, numbers, booleans, dates or datetimes)"
    )


def _strings(series: Any) -> npt.NDArray[np.str_]:  # noqa: ANN401 - a narwhals Series
    """A text column without nulls as numpy unicode.

    With pyarrow the column is dictionary-encoded first, so only its distinct values are turned
    into Python strings (exports repeat ids, payers and codes heavily); else cell by cell.
    """
    try:
        compute = importlib.import_module("pyarrow.compute")
    except ImportError:
        return np.asarray(series.to_numpy()).astype(str)
    arrow = series.to_arrow()
    if hasattr(arrow, "combine_chunks"):
        arrow = arrow.combine_chunks()
    encoded = compute.dictionary_encode(arrow)
    distinct = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False)).astype(str)
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))
    found: npt.NDArray[np.str_] = distinct[indices]
    return found


def columns_of(obj: object, path: str) -> Mapping[str, Any]:
    """Columns as numpy arrays: a mapping as it is (cheaply), a data frame read through narwhals.

    A data frame's missing cells become what the escalation evaluators read as missing: NaN in
    numbers (integers with missing cells become float64), ``""`` in text, NaT in dates, ``None``
    in an object array of booleans. Categorical columns are read as their values.

    Raises:
        ValidationError: ``obj`` is neither (at ``path``); a column of a type not read, or of
            time-zone aware datetimes (never shifted to UTC unasked), at ``path.column``.
        RCMError: A data frame arrives and narwhals is not installed (naming the extra).

    >>> import pandas as pd
    >>> columns_of(pd.DataFrame({"n": pd.array([1, None], dtype="Int64")}), "$.facts")["n"].tolist()
    [1.0, nan]
    """
    if isinstance(obj, Mapping):
        return obj
    if not is_frame(obj):
        raise refuse(path, obj)
    read = open_frame(obj, path).read()
    issues = [
        Issue(
            f"{path}.{name}",
            "type",
            f"time-zone aware datetimes ({column.zone}) are not read: convert them to local dates first",
        )
        for name, column in read.items()
        if column.zone is not None
    ]
    if issues:
        raise ValidationError(issues)
    return {str(name): _with_missing(column) for name, column in read.items()}


def _with_missing(column: FrameColumn) -> npt.NDArray[Any]:
    values, missing = column.values, column.missing
    if missing is None or values.dtype.kind in "fUMO":  # NaN, "", NaT, or the frame's own objects
        return values
    if values.dtype.kind == "b":
        objects = values.astype(object)
        objects[missing] = None
        return objects
    floats = values.astype(np.float64)
    floats[missing] = np.nan
    return floats


# ---------------------------------------------------------------------------------------- out


def _mask(missing: Iterable[bool]) -> Mask | None:
    """One flag per row as a mask, or ``None`` when no flag is set."""
    mask = np.asarray(missing if isinstance(missing, np.ndarray) else list(missing), dtype=bool)
    return mask if mask.any() else None


@attrs.frozen
class Column:
    """One column of a result table: typed numpy values and the mask of its null cells.

    Args:
        kind: ``text``, ``int``, ``float``, ``bool``, ``date`` or ``datetime``.
        values: The cells (a null cell holds a filler); text as a numpy unicode array, dates as
            ``datetime64[D]``, datetimes as ``datetime64[us]``.
        missing: Which cells are null, or ``None``.
        zone: ``"UTC"`` for datetimes that are instants (their values are UTC), else ``None``.
    """

    kind: str
    values: npt.NDArray[Any]
    missing: Mask | None = None
    zone: str | None = None

    @classmethod
    def text(cls, items: Iterable[str | None]) -> Column:
        """Text cells; ``None`` is null.

        >>> Column.text(["a", None]).missing.tolist()
        [False, True]
        """
        cells = list(items)
        values = np.array(["" if c is None else c for c in cells], dtype=str)
        return cls("text", values, _mask(c is None for c in cells))

    @classmethod
    def real(cls, values: Iterable[float | None] | npt.NDArray[np.float64]) -> Column:
        """Floats; ``None`` and NaN are null (an undefined value is never NaN in the table)."""
        if isinstance(values, np.ndarray):
            floats = values.astype(np.float64)
        else:
            floats = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        nan = np.isnan(floats)
        return cls("float", np.where(nan, 0.0, floats), _mask(nan))

    @classmethod
    def integer(cls, values: Iterable[int | None]) -> Column:
        """64-bit integers; ``None`` is null."""
        cells = list(values)
        ints = np.array([0 if c is None else c for c in cells], dtype=np.int64)
        return cls("int", ints, _mask(c is None for c in cells))

    @classmethod
    def flag(cls, values: Iterable[bool]) -> Column:
        """Booleans (never null)."""
        return cls("bool", np.array(list(values), dtype=bool))

    @classmethod
    def date(cls, values: Iterable[datetime.date | None]) -> Column:
        """Dates; ``None`` is null."""
        cells = list(values)
        days = np.array([np.datetime64("NaT") if c is None else c for c in cells], dtype="datetime64[D]")
        return cls("date", days, _mask(c is None for c in cells))

    @classmethod
    def moment(cls, values: Iterable[datetime.datetime | None], path: str) -> Column:
        """Datetimes, every one naive or every one time-zone aware (then kept as UTC instants).

        Raises:
            ValidationError: Naive and aware datetimes mixed, at ``path``.
        """
        cells = list(values)
        aware = {c.tzinfo is not None and c.utcoffset() is not None for c in cells if c is not None}
        if len(aware) > 1:
            _check.fail(path, "value", "datetimes must be all naive or all time-zone aware to share a column")
        utc = aware == {True}
        stamps = [
            None if c is None else (c.astimezone(datetime.UTC).replace(tzinfo=None) if utc else c)
            for c in cells
        ]
        values_ = np.array(
            [np.datetime64("NaT") if c is None else np.datetime64(c, "us") for c in stamps],
            dtype="datetime64[us]",
        )
        return cls("datetime", values_, _mask(c is None for c in cells), "UTC" if utc else None)

    @classmethod
    def repeat(cls, value: str | datetime.date, size: int) -> Column:
        """One text or date value on every row.

        >>> Column.repeat(datetime.date(2026, 1, 1), 2).values.tolist()
        [datetime.date(2026, 1, 1), datetime.date(2026, 1, 1)]
        """
        if isinstance(value, datetime.date):
            return cls("date", np.full(size, np.datetime64(value, "D")))
        return cls("text", np.full(size, np.str_(value)))

    def __len__(self) -> int:
        return len(self.values)


@attrs.frozen
class Table:
    """A result's rows as named, typed columns, handed to pandas, polars or pyarrow on request.

    Args:
        columns: Column name (snake_case) to its :class:`Column`, in order; all of one length.
    """

    columns: Mapping[str, Column]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(self.columns)

    @property
    def rows(self) -> int:
        """The number of rows."""
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def take(self, rows: npt.NDArray[np.intp]) -> Table:
        """The rows at ``rows``, in that order."""
        return Table(
            {
                name: Column(
                    c.kind,
                    c.values[rows],
                    None if c.missing is None else _mask(c.missing[rows]),
                    c.zone,
                )
                for name, c in self.columns.items()
            }
        )

    def to_arrow(self) -> Any:  # noqa: ANN401 - a pyarrow.Table, typed by pyarrow
        """The table as a ``pyarrow.Table`` (nulls as Arrow nulls).

        Raises:
            RCMError: pyarrow is not installed (naming the extra).
        """
        pa = _import("pyarrow", ARROW_EXTRA, "to_arrow()")
        types = {
            "text": pa.string(),
            "int": pa.int64(),
            "float": pa.float64(),
            "bool": pa.bool_(),
            "date": pa.date32(),
        }
        arrays = {}
        for name, column in self.columns.items():
            kind = types.get(column.kind) or pa.timestamp("us", tz=column.zone)
            arrays[name] = pa.array(column.values, type=kind, mask=column.missing)
        return pa.table(arrays) if arrays else pa.table({})

    def to_pandas(self) -> Any:  # noqa: ANN401 - a pandas.DataFrame, typed by pandas
        """The table as a ``pandas.DataFrame`` of nullable dtypes (``pd.NA`` for null, ``NaT`` in dates).

        Text is ``string``, integers ``Int64``, floats ``Float64``, booleans ``boolean``, dates
        ``datetime64[s]`` and datetimes ``datetime64[us]`` (UTC-aware for instants).

        Raises:
            RCMError: pandas is not installed (naming the extra).
        """
        pd = _import("pandas", "pip install pandas", "to_pandas()")
        series = {}
        for name, column in self.columns.items():
            values, missing = column.values, column.missing
            mask = np.zeros(len(values), dtype=bool) if missing is None else missing
            if column.kind == "text":
                cells = values.astype(object)
                cells[mask] = None
                data = pd.array(cells, dtype=pd.StringDtype())
            elif column.kind == "int":
                data = pd.arrays.IntegerArray(values, mask)
            elif column.kind == "float":
                data = pd.arrays.FloatingArray(values, mask)
            elif column.kind == "bool":
                data = pd.arrays.BooleanArray(values, mask)
            else:
                stamps = np.where(mask, np.datetime64("NaT"), values)
                data = pd.Series(
                    stamps.astype("datetime64[s]" if column.kind == "date" else "datetime64[us]")
                )
                if column.zone is not None:
                    data = data.dt.tz_localize(column.zone)
            series[name] = pd.Series(data, name=name)
        return pd.DataFrame(series)

    def to_polars(self) -> Any:  # noqa: ANN401 - a polars.DataFrame, typed by polars
        """The table as a ``polars.DataFrame`` (nulls as polars nulls).

        Raises:
            RCMError: polars is not installed (naming the extra).
        """
        pl = _import("polars", "pip install polars", "to_polars()")
        kinds = {
            "text": pl.String,
            "int": pl.Int64,
            "float": pl.Float64,
            "bool": pl.Boolean,
            "date": pl.Date,
            "datetime": pl.Datetime("us"),
        }
        series = []
        for name, column in self.columns.items():
            one = pl.Series(name, column.values, dtype=kinds[column.kind])
            if column.zone is not None:
                one = one.dt.replace_time_zone(column.zone)
            if column.missing is not None:
                one = one.set(pl.Series(column.missing), None)
            series.append(one)
        return pl.DataFrame(series)

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream of :meth:`to_arrow` (polars, DuckDB and pyarrow read it)."""
        return self.to_arrow().__arrow_c_stream__(requested_schema)


def _import(name: str, extra: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise RCMError(f"{what} needs {name}, an optional dependency: {extra}") from None


def build(pairs: Iterable[tuple[str, Column]], path: str) -> Table:
    """A :class:`Table` of ``pairs`` in order; a name given twice is refused, never overwritten.

    Raises:
        ValidationError: A name given twice (a slice dimension named like a result column), at
            ``path``.
    """
    columns: dict[str, Column] = {}
    for name, column in pairs:
        if name in columns:
            _check.fail(
                path,
                "duplicate",
                f"the result has two columns named {_check.show(name)}: a slice dimension takes the name"
                " of a result column (rename it in the book)",
            )
        columns[name] = column
    return Table(columns)


def concat(tables: Sequence[Table], path: str) -> Table:
    """The rows of ``tables`` one after another; every table has the same columns.

    Raises:
        ValidationError: The tables' columns differ, at ``path``.
    """
    if not tables:
        return Table({})
    names = tables[0].names
    if any(t.names != names for t in tables):
        _check.fail(path, "value", "the tables must have the same columns to be stacked")
    columns = {}
    for name in names:
        parts = [t.columns[name] for t in tables]
        masks = [np.zeros(len(p), dtype=bool) if p.missing is None else p.missing for p in parts]
        values = np.concatenate([p.values for p in parts])
        columns[name] = Column(parts[0].kind, values, _mask(np.concatenate(masks)), parts[0].zone)
    return Table(columns)


def events_table(events: Sequence[Any]) -> Table:
    """Escalation :class:`~comanaged_rcm.escalation.Event` records, one row each.

    Dictionaries (``labels``, ``annotations``, ``inputs``) are JSON text with sorted keys; enums
    are their values (an outcome its lowercase name); ``at`` is a datetime (UTC when aware).
    """

    def text(name: str) -> Column:
        return Column.text([getattr(e, name) for e in events])

    def enum(name: str) -> Column:
        cells = [getattr(e, name) for e in events]
        return Column.text([None if c is None else str(c.value) for c in cells])

    return build(
        [
            ("sequence", Column.integer([e.sequence for e in events])),
            ("at", Column.moment([e.at for e in events], "$.events")),
            ("kind", enum("kind")),
            ("rule", text("rule")),
            ("rule_version", Column.integer([e.rule_version for e in events])),
            ("rule_hash", text("rule_hash")),
            ("severity", enum("severity")),
            ("key", text("key")),
            ("group", text("group")),
            *(
                (name, Column.text([json.dumps(getattr(e, name), sort_keys=True) for e in events]))
                for name in ("labels", "annotations")
            ),
            ("outcome", Column.text([None if e.outcome is None else e.outcome.name.lower() for e in events])),
            ("inputs", Column.text([json.dumps(e.inputs, sort_keys=True) for e in events])),
            ("level", enum("level")),
            ("owner", text("owner")),
            ("owner_ref", text("owner_ref")),
            ("deadline", Column.date([e.deadline for e in events])),
            ("actor", text("actor")),
            ("reason", text("reason")),
            ("message", text("message")),
            ("suppressed_by", text("suppressed_by")),
        ],
        "$.events",
    )


class Tabular:
    """Results that leave as data frames: pandas, polars, pyarrow and the Arrow PyCapsule stream.

    The stream lets ``polars.DataFrame(result)`` and DuckDB read a result directly. A subclass
    gives its rows as one :class:`Table` (``_frame_table``); each library is imported only by the
    method that needs it.
    """

    __slots__ = ()

    def _frame_table(self) -> Table:
        raise NotImplementedError

    def to_arrow(self) -> Any:  # noqa: ANN401 - a pyarrow.Table
        """The rows as a ``pyarrow.Table``; undefined values are nulls, with the reason beside them.

        Raises:
            RCMError: pyarrow is not installed (``pip install 'comanaged-rcm[arrow]'``).

        >>> from comanaged_rcm.sampling import select
        >>> select(population=10, n=2, seed=1).to_arrow().column_names[:2]
        ['draw', 'item']
        """
        return self._frame_table().to_arrow()

    def to_pandas(self) -> Any:  # noqa: ANN401 - a pandas.DataFrame
        """The rows as a ``pandas.DataFrame`` of nullable dtypes (``pd.NA`` where undefined).

        Raises:
            RCMError: pandas is not installed.

        >>> from comanaged_rcm.sampling import select
        >>> select(population=10, n=2, seed=1).to_pandas()["draw"].tolist()
        [1, 2]
        """
        return self._frame_table().to_pandas()

    def to_polars(self) -> Any:  # noqa: ANN401 - a polars.DataFrame
        """The rows as a ``polars.DataFrame`` (nulls where undefined).

        Raises:
            RCMError: polars is not installed.

        >>> from comanaged_rcm.sampling import select
        >>> select(population=10, n=2, seed=1).to_polars().height
        2
        """
        return self._frame_table().to_polars()

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream of :meth:`to_arrow`."""
        return self._frame_table().__arrow_c_stream__(requested_schema)
