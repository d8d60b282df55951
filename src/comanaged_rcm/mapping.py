r"""Mapping documents: read a billing system's export as it is, without rewriting the file.

A provider's billing system does not export the library's column names, ISO dates or bare
numbers: its header says ``Claim #, Payer Name, DOS, Post Date, Trans Type, Amount``, its dates
``03/15/2024``, its amounts ``"$1,250.00"`` or ``(1,250.00)``, its type codes ``PMT``. A mapping
document says, per table, where each schema column is (:attr:`TableMap.columns`), how dates and
numbers are written (:attr:`TableMap.date_format`, :class:`NumberFormat`), which codes mean which
schema values (:attr:`TableMap.values`), which id columns are case-folded
(:attr:`TableMap.fold_case`) and which columns beyond the schema are kept
(:attr:`TableMap.keep`): every other extra column is dropped at the edge, so patient names and
notes never reach a report.

>>> table = TableMap(columns={"claim_id": "Claim #", "service_date": "DOS"}, date_format="%m/%d/%Y",
...     number_format=NumberFormat(), values={"type": {"PMT": "payment"}})
>>> document = ExportMap(tables={"transactions": table})
>>> document.table("transactions").columns["service_date"]
'DOS'
>>> ExportMap(tables={"claims": TableMap()})
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 1 validation issue: unknown table 'claims' (expected one of
'audits', 'ledger', 'submissions', 'transactions', 'work_items'); the table is now named
'submissions' @ $.tables.claims

Every model is frozen, validated at construction (a map built in Python is as strict as one read
from JSON) and round-trips through :mod:`comanaged_rcm.serialize`; :func:`load_map` reads one
from a JSON file.
"""

from __future__ import annotations

import datetime
import functools
import re
import types
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check, _io, serialize
from comanaged_rcm._check import as_flag, as_int, as_tuple, fail, show, suggest, v
from comanaged_rcm.errors import Issue, ValidationError

if TYPE_CHECKING:
    from comanaged_rcm.tables import Column

__all__ = [
    "MAPPING_VERSION",
    "TABLES",
    "ExportMap",
    "HeaderMatch",
    "MapSuggestion",
    "NumberFormat",
    "TableMap",
    "apply_values",
    "case_variants",
    "fold",
    "load_map",
    "parse_dates",
    "parse_numbers",
    "schema_columns",
    "suggest_map",
]

MAPPING_VERSION = 1
"""The newest mapping document version this library reads."""

TABLES = ("transactions", "submissions", "work_items", "ledger", "audits")
"""The tables a mapping document may map, by the Python API's names."""

_RENAMED = {"claims": "submissions", "activity": "work_items"}
"""Table names of earlier releases, and the name each has now."""

_MAX_NAME = 1_000
"""The longest source header a map may name."""


# --------------------------------------------------------------------------------------- helpers
def _fold(name: str) -> str:
    """A header as matching compares it: surrounding space stripped, case folded."""
    return name.strip().casefold()


def _readonly(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A mapping as a read-only copy; anything else stays for the validator to report."""
    if isinstance(value, Mapping):
        return types.MappingProxyType(dict(value))
    return value


def _readonly_nested(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A mapping of mappings as read-only copies; anything else stays for the validator."""
    if isinstance(value, Mapping):
        return types.MappingProxyType({k: _readonly(inner) for k, inner in value.items()})
    return value


def _show_mapping(value: Mapping[str, Any]) -> str:
    """A read-only mapping as a repr shows it: a plain dict."""
    return repr({k: dict(inner) if isinstance(inner, Mapping) else inner for k, inner in value.items()})


def _key(key: object) -> str:
    """A mapping key as a path shows it: bare when it is a name, quoted otherwise."""
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f".{key}"
    return f"[{show(key)}]"


def _mapping(value: object, path: str, label: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        fail(path, "type", f"{_check.name_of(path)!r} must be a mapping of {label} (got {show(value)})")
    return value


def _source_name(value: object, path: str) -> str:
    """A header as written in an export: one line of readable text, not blank."""
    return _check.text(value, path, maximum=_MAX_NAME)


def _code(value: object, path: str) -> str:
    """A code or value of a value map: readable text with no surrounding space (cells are stripped)."""
    code = _check.text(value, path, maximum=_MAX_NAME)
    if code != code.strip():
        fail(
            path,
            "value",
            f"{_check.name_of(path)!r} has surrounding space, which a cell never has (got {show(code)})",
        )
    return code


def _names(value: object, path: str, *, source: bool) -> tuple[str, ...]:
    """A tuple of distinct names (schema column names, or source headers when ``source``)."""
    items = _check.tuple_of(value, str, path, "a tuple of names")
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if source:
            _source_name(item, where)
        else:
            _check.field_name(item, where)
        folded = _fold(item)
        if folded in seen:
            fail(where, "duplicate", f"{item!r} is listed twice (also at [{seen[folded]}])")
        seen[folded] = i
    return items


# ----------------------------------------------------------------------------------- date formats
_DATE_DIRECTIVES = frozenset("YymdbBaAj")
_TIME_DIRECTIVES = frozenset("HIMSpf")
_ZONE_DIRECTIVES = frozenset("zZ")
_PROBE = datetime.datetime(2031, 11, 23, 14, 5, 9, 120000)  # noqa: DTZ001 - a naive probe, formatted and read back
"""A probe day whose day, month and year differ in every digit position that matters."""


def _directives(fmt: str) -> list[str]:
    found = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            if i + 1 >= len(fmt):
                found.append("")
                break
            found.append(fmt[i + 1])
            i += 2
        else:
            i += 1
    return found


def _check_format(value: object, path: str, *, time_of_day: bool, time_zone: str | None) -> str:
    """A strptime format that reads a date; time and zone directives only where the map allows them."""
    fmt = _check.text(value, path, maximum=200)
    name = _check.name_of(path)
    directives = _directives(fmt)
    allowed = _DATE_DIRECTIVES | _TIME_DIRECTIVES | _ZONE_DIRECTIVES | {"%"}
    for directive in directives:
        if directive not in allowed:
            shown = f"%{directive}" if directive else "a lone %"
            fail(
                path,
                "format",
                f"{name!r} holds {shown}, which is not a date, time or zone directive (got {fmt!r})",
            )
    present = set(directives)
    twice = sorted({d for d in directives if d != "%" and directives.count(d) > 1})
    if twice:
        fail(path, "format", f"{name!r} holds %{twice[0]} twice (got {fmt!r})")
    missing = [
        part
        for part, options in (
            ("a year (%Y or %y)", "Yy"),
            ("a month (%m, %b or %B)", "mbB"),
            ("a day (%d)", "dj"),
        )
        if not present & set(options)
    ]
    if "j" in present:
        missing = [m for m in missing if not m.startswith(("a month", "a day"))]
    if missing:
        fail(path, "format", f"{name!r} must name {', '.join(missing)} to read a date (got {fmt!r})")
    times = sorted(present & _TIME_DIRECTIVES)
    if times and not time_of_day:
        shown = ", ".join(f"%{t}" for t in times)
        fail(
            path,
            "format",
            f"{name!r} reads a time of day ({shown}): set time_of_day to read such cells as their date"
            f" (got {fmt!r})",
        )
    zones = sorted(present & _ZONE_DIRECTIVES)
    if zones and time_zone is None:
        shown = ", ".join(f"%{z}" for z in zones)
        fail(
            path,
            "format",
            f"{name!r} reads a time zone ({shown}): set time_zone to convert such cells to a date"
            f" (got {fmt!r})",
        )
    if "Z" in present:
        fail(path, "format", f"{name!r} holds %Z: zone names are ambiguous, use %z offsets (got {fmt!r})")
    probe = _PROBE.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=-5))) if zones else _PROBE
    try:
        back = datetime.datetime.strptime(probe.strftime(fmt), fmt)  # noqa: DTZ007 - the zone is the format's
    except ValueError:
        fail(path, "format", f"{name!r} does not read back the dates it writes (got {fmt!r})")
    if back.date() != probe.date():
        fail(path, "format", f"{name!r} reads {probe.date()} back as {back.date()} (got {fmt!r})")
    return fmt


# ------------------------------------------------------------------------------------------ models
_SEPARATORS = frozenset({"", ",", ".", " ", "'", "\u00a0", "\u202f", "_"})
_DECIMALS = frozenset({".", ","})


def _check_currency(instance: NumberFormat, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    items = _check.tuple_of(value, str, path, "a tuple of currency symbols")
    for i, symbol in enumerate(items):
        where = f"{path}[{i}]"
        _check.text(symbol, where, maximum=10)
        if symbol != symbol.strip() or any(ch.isdigit() or ch in "-+()" for ch in symbol):
            fail(
                where,
                "value",
                f"'currency[{i}]' must be a symbol without digits, signs, parentheses or surrounding space"
                f" (got {show(symbol)})",
            )
        given: tuple[object, ...] = (instance.decimal, instance.thousands)  # not yet checked
        marks = [m for m in given if isinstance(m, str) and m]
        if any(m in symbol for m in marks):
            fail(
                where,
                "value",
                f"'currency[{i}]' must not hold the decimal mark or thousands separator (got {show(symbol)})",
            )


def _check_thousands(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or value not in _SEPARATORS:
        options = ", ".join(repr(s) for s in sorted(_SEPARATORS))
        fail(f"$.{attribute.name}", "choice", f"'thousands' must be one of {options} (got {show(value)})")


def _check_decimal(instance: NumberFormat, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    if not isinstance(value, str) or value not in _DECIMALS:
        fail(path, "choice", f"'decimal' must be '.' or ',' (got {show(value)})")
    if value == instance.thousands:
        fail(path, "value", f"'decimal' must differ from 'thousands' (both are {value!r})")


@attrs.frozen(kw_only=True)
class NumberFormat:
    """How numbers are written in an export.

    Args:
        currency: Symbols stripped before parsing (``"$"``, ``"USD"``, ``"€"``), before or after
            the number, with or without a space.
        thousands: The thousands separator (``","``; ``"."``, ``" "`` or ``"'"`` in some locales;
            ``""`` for none). A separator is accepted only between groups of three digits.
        decimal: The decimal mark (``"."`` or ``","``), which must differ from ``thousands``.
        parentheses: Whether ``(12.50)`` means ``-12.50``.

    >>> NumberFormat(thousands=".", decimal=",", currency=("€",))
    NumberFormat(currency=('€',), thousands='.', decimal=',', parentheses=True)
    """

    currency: tuple[str, ...] = attrs.field(default=("$",), converter=as_tuple, validator=_check_currency)
    thousands: str = attrs.field(default=",", validator=_check_thousands)
    decimal: str = attrs.field(default=".", validator=_check_decimal)
    parentheses: bool = attrs.field(default=True, converter=as_flag, validator=v.flag())


def _check_columns(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    columns = _mapping(value, path, "schema column to source header")
    seen: dict[str, str] = {}
    for key, source in columns.items():
        _check.field_name(key, f"{path}[{show(key)}]")
        _source_name(source, f"{path}.{key}")
        folded = _fold(source)
        if folded in seen:
            message = (
                f"{key!r} and {seen[folded]!r} name the same source column {source!r}"
                " (headers match ignoring case and surrounding space)"
            )
            fail(f"{path}.{key}", "duplicate", message)
        seen[folded] = key


def _check_values(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    maps = _mapping(value, path, "column to a mapping of code to value")
    for column, codes in maps.items():
        _check.field_name(column, f"{path}[{show(column)}]")
        where = f"{path}.{column}"
        inner = _mapping(codes, where, "code to value")
        for code, meaning in inner.items():
            _code(code, f"{where}[{show(code)}]")
            _code(meaning, f"{where}{_key(code)}")


def _check_date_formats(instance: TableMap, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    formats = _mapping(value, path, "date column to strptime format")
    for column, fmt in formats.items():
        _check.field_name(column, f"{path}[{show(column)}]")
        _check_format(fmt, f"{path}.{column}", time_of_day=instance.time_of_day, time_zone=instance.time_zone)


def _check_date_format(instance: TableMap, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        path = f"$.{attribute.name}"
        _check_format(value, path, time_of_day=instance.time_of_day, time_zone=instance.time_zone)


def _check_fold_case(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _names(value, f"$.{attribute.name}", source=False)


def _check_keep(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _names(value, f"$.{attribute.name}", source=True)


def _check_time_zone(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _check.time_zone(value, f"$.{attribute.name}")


@attrs.frozen(kw_only=True)
class TableMap:
    """How one table of an export maps onto the library's schema.

    Args:
        columns: Schema column -> source header as written in the export (``{"service_date":
            "DOS"}``). Columns left out are matched by their own name, ignoring case and
            surrounding space (``Claim_ID`` is ``claim_id``).
        date_format: The strptime format of every date column (``"%m/%d/%Y"``); ``None`` reads
            ISO ``YYYY-MM-DD``. Two-digit years (``%y``) follow Python's strptime pivot: 69-99
            are 1969-1999, 00-68 are 2000-2068.
        date_formats: Per date column overrides of ``date_format``.
        number_format: How numbers are written; ``None`` reads plain decimals (no symbols, no
            separators).
        values: Text column -> {source code: schema value} (``{"type": {"PMT": "payment"}}``);
            codes not listed pass through unchanged.
        fold_case: Text columns whose values are stripped and case-folded (ids, payer names), so
            ``Aetna`` and ``aetna `` are one payer.
        keep: Source columns beyond the schema to keep as text (slice dimensions, or columns
            user-defined measures read). Every other extra column is dropped at the edge: patient
            names and notes never reach a report.
        time_zone: An IANA zone (``America/New_York``): timestamps with a UTC offset are
            converted to this zone's calendar date. ``None`` refuses such cells; nothing is ever
            shifted to UTC unasked.
        time_of_day: Whether a date cell with a time (``2024-03-15 10:30``) reads as its date;
            ``False`` refuses such cells.

    Which columns the keys may name depends on the table (see :func:`schema_columns`): an
    :class:`ExportMap` checks each of its tables, :meth:`check` checks one.

    >>> TableMap(date_format="%m/%d/%Y %H:%M")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'date_format' reads a time of day (%H,
    %M): set time_of_day to read such cells as their date (got '%m/%d/%Y %H:%M') @ $.date_format
    """

    columns: Mapping[str, str] = attrs.field(
        factory=dict, converter=_readonly, validator=_check_columns, hash=False, repr=_show_mapping
    )
    date_format: str | None = attrs.field(default=None, validator=_check_date_format)
    date_formats: Mapping[str, str] = attrs.field(
        factory=dict, converter=_readonly, validator=_check_date_formats, hash=False, repr=_show_mapping
    )
    number_format: NumberFormat | None = attrs.field(
        default=None, validator=v.optional(v.instance(NumberFormat))
    )
    values: Mapping[str, Mapping[str, str]] = attrs.field(
        factory=dict, converter=_readonly_nested, validator=_check_values, hash=False, repr=_show_mapping
    )
    fold_case: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=_check_fold_case)
    keep: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=_check_keep)
    time_zone: str | None = attrs.field(default=None, validator=_check_time_zone)
    time_of_day: bool = attrs.field(default=False, converter=as_flag, validator=v.flag())

    def format_of(self, column: str) -> str | None:
        """The date format of ``column``: its override, else :attr:`date_format` (``None``: ISO).

        >>> TableMap(date_format="%m/%d/%Y", date_formats={"billed_date": "%Y%m%d"}).format_of("billed_date")
        '%Y%m%d'

        Raises:
            ValidationError: ``column`` is not text (``$.column``).
        """
        _check.text(column, "$.column", maximum=_MAX_NAME)
        return self.date_formats.get(column, self.date_format)

    def check(self, table: str) -> TableMap:
        """This map, checked against the schema of ``table``; every bad key is reported at once.

        ``columns`` keys must be schema columns; ``values`` and ``fold_case`` text columns;
        ``date_formats`` date columns; ``keep`` names columns beyond the schema (a schema
        column, or a header ``columns`` already maps, is refused).

        >>> TableMap(fold_case=("amount",)).check("transactions")
        Traceback (most recent call last):
        ...
        comanaged_rcm.errors.ValidationError: 1 validation issue: 'amount' is a number column of
        transactions, not a text column: only text is case-folded @ $.fold_case[0]

        Raises:
            ValidationError: ``table`` is not a known table (``$.table``), or a key does not fit
                its schema (paths like ``$.values.type``).
        """
        schema = schema_columns(_table_name(table, "$.table"))
        issues = _schema_issues(self, table, schema)
        if issues:
            raise ValidationError(issues)
        return self

    def match(
        self, header: Sequence[str], columns: Sequence[Column], *, where: str = "$.header"
    ) -> HeaderMatch:
        """Find each schema column in ``header``: :attr:`columns` first, then by folded name.

        A CSV header and a data frame's column names go through this one function. A schema
        column left out of :attr:`columns` matches a header equal to its name ignoring case and
        surrounding space; a mapped one matches its source header the same way. Columns named in
        :attr:`keep` are kept under the name the map gives them; every other header is dropped.

        Args:
            header: The source's column names, in order.
            columns: The schema's columns (:func:`schema_columns`, or a reader's own).
            where: The path issues name (``tx.csv:1`` for a file's header).

        Returns:
            Each matched column's position in ``header``, and the headers dropped.

        Raises:
            ValidationError: Every problem at once: a required column (or a mapped or kept one)
                missing, listing the columns found and the closest match; two headers matching
                one column (naming both); one header matched by two columns.

        >>> from comanaged_rcm.tables import Column
        >>> found = TableMap(columns={"amount": "Amt"}).match(["Claim_ID ", "AMT", "Notes"],
        ...     [Column("claim_id"), Column("amount")])
        >>> dict(found.positions), found.dropped
        ({'claim_id': 0, 'amount': 1}, ('Notes',))
        """
        return _match(self, header, columns, where)


def _table_name(value: object, path: str) -> str:
    name = _check.text(value, path, maximum=_MAX_NAME)
    if name in TABLES:
        return name
    options = ", ".join(repr(t) for t in sorted(TABLES))
    hint = f"; the table is now named {_RENAMED[name]!r}" if name in _RENAMED else suggest(name, TABLES)
    raise ValidationError.single(
        path, "choice", f"unknown table {show(name)} (expected one of {options}){hint}"
    )


def _check_tables(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    tables = _mapping(value, path, "table name to TableMap")
    issues: list[Issue] = []
    for name, table in tables.items():
        where = f"{path}{_key(name)}"
        _table_name(name, where)
        _check.instance(table, TableMap, where, "a TableMap")
        issues.extend(issue.under(where) for issue in _schema_issues(table, name, schema_columns(name)))
    if issues:
        raise ValidationError(issues)


def _check_version(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    version = _check.count(value, path, minimum=1)
    if not isinstance(value, int):
        fail(path, "type", f"'schema_version' must be an int (got {show(value)})")
    if version > MAPPING_VERSION:
        message = (
            f"the mapping document is version {version}, written by a newer comanaged-rcm (this one reads"
            f" up to version {MAPPING_VERSION}): upgrade comanaged-rcm"
        )
        fail(path, "version", message)


@attrs.frozen(kw_only=True)
class ExportMap:
    """A mapping document: one :class:`TableMap` per table of an export.

    Args:
        schema_version: The document's version (1); a document from a newer release is refused.
        tables: Table name (:data:`TABLES`: ``transactions``, ``submissions``, ``work_items``,
            ``ledger``, ``audits``) -> its map. Each map is checked against its table's schema.

    >>> ExportMap().table("ledger") == TableMap()
    True
    """

    schema_version: int = attrs.field(default=MAPPING_VERSION, converter=as_int, validator=_check_version)
    tables: Mapping[str, TableMap] = attrs.field(
        factory=dict, converter=_readonly, validator=_check_tables, hash=False, repr=_show_mapping
    )

    def table(self, name: str) -> TableMap:
        """The map of table ``name``, or an empty :class:`TableMap` when the document has none.

        Raises:
            ValidationError: ``name`` is not a known table (``$.name``; an old name such as
                ``claims`` names the new one).
        """
        return self.tables.get(_table_name(name, "$.name"), _EMPTY)


_EMPTY = TableMap()


# --------------------------------------------------------------------------------------- schemas
def schema_columns(table: str) -> tuple[Column, ...]:
    """The columns a table of an export may carry, as the CSV reader expects them.

    ``transactions`` and ``ledger`` are the :class:`~comanaged_rcm.kpi.Book` tables;
    ``submissions``, ``work_items`` and ``audits`` the governance cycle's files (a superset of
    the Book's tables: the CARC code, a work item's claim and balance).

    >>> [c.name for c in schema_columns("transactions")][:3]
    ['claim_id', 'payer', 'team']

    Raises:
        ValidationError: ``table`` is not one of :data:`TABLES` (``$.table``).
    """
    return _schema(_table_name(table, "$.table"))


@functools.cache
def _schema(table: str) -> tuple[Column, ...]:
    from comanaged_rcm.kpi._book import csv_columns  # noqa: PLC0415 - kpi imports tables, which imports this

    if table in ("transactions", "ledger"):
        return csv_columns(table)
    from comanaged_rcm import cycle  # noqa: PLC0415 - the cycle imports kpi, which imports this

    if table == "audits":
        return tuple(cycle.AUDIT_COLUMNS)
    files: Mapping[str, tuple[Column, ...]] = cycle.CSV_COLUMNS
    old = {"submissions": "claims", "work_items": "activity"}[table]
    return tuple(files[table] if table in files else files[old])


def _kind(column: Column) -> str:
    return str(column.kind.value)


_KIND_NAMES = {"text": "text", "integer": "count", "number": "number", "date": "date", "boolean": "flag"}


def _schema_issues(table_map: TableMap, table: str, schema: Sequence[Column]) -> list[Issue]:
    """Every key of ``table_map`` that does not fit the columns of ``table``."""
    kinds = {c.name: _kind(c) for c in schema}
    names = sorted(kinds)
    issues: list[Issue] = []

    def need(key: str, path: str, kind: str | None, what: str) -> None:
        if key not in kinds:
            message = f"{key!r} is not a column of {table}{suggest(key, names)}"
            issues.append(Issue(path, "unknown_column", message))
        elif kind is not None and kinds[key] != kind:
            got = _KIND_NAMES[kinds[key]]
            message = f"{key!r} is a {got} column of {table}, not a {_KIND_NAMES[kind]} column: {what}"
            issues.append(Issue(path, "column_kind", message))

    for key in table_map.columns:
        need(key, f"$.columns{_key(key)}", None, "")
    for key in table_map.date_formats:
        need(key, f"$.date_formats{_key(key)}", "date", "only dates take a date format")
    for key in table_map.values:
        need(key, f"$.values{_key(key)}", "text", "only text takes a value map")
    for i, key in enumerate(table_map.fold_case):
        need(key, f"$.fold_case[{i}]", "text", "only text is case-folded")
    folded_schema = {_fold(n): n for n in kinds}
    mapped = {_fold(s): k for k, s in table_map.columns.items()}
    for i, kept in enumerate(table_map.keep):
        folded = _fold(kept)
        if folded in mapped:
            message = f"{kept!r} is the source of schema column {mapped[folded]!r}: it is read already"
            issues.append(Issue(f"$.keep[{i}]", "duplicate", message))
        elif folded in folded_schema:
            message = (
                f"{kept!r} is the schema column {folded_schema[folded]!r} of {table}: it is read already"
            )
            issues.append(Issue(f"$.keep[{i}]", "duplicate", message))
    return issues


# --------------------------------------------------------------------------------- header matching
@attrs.frozen(kw_only=True)
class HeaderMatch:
    """Where each column of a table is in a source's header.

    Args:
        positions: Schema column (or kept column, by the name :attr:`TableMap.keep` gives it) ->
            its index in the header; an optional column absent from the header is left out.
        dropped: The headers neither matched nor kept, in header order: dropped at the edge.

    >>> HeaderMatch(positions={"claim_id": 0}, dropped=("Patient Name",)).dropped
    ('Patient Name',)
    """

    positions: Mapping[str, int] = attrs.field(
        factory=dict,
        converter=_readonly,
        validator=v.instance(Mapping, "a mapping"),
        hash=False,
        repr=_show_mapping,
    )
    dropped: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=v.tuple_of(str))


def _listing(header: Sequence[str]) -> str:
    shown = ", ".join(show(h) for h in header[:20])
    more = f" and {len(header) - 20:,} more" if len(header) > 20 else ""
    return f"{shown}{more}" if shown else "none"


def _closest(name: str, header: Sequence[str], used: set[int]) -> str:
    free = [h for i, h in enumerate(header) if i not in used and h.strip()]
    hint = suggest(name, free)
    if not hint:
        loose = {re.sub(r"[^a-z0-9]", "", _fold(h)): h for h in free}
        key = re.sub(r"[^a-z0-9]", "", _fold(name))
        if key and key in loose:
            hint = f" (did you mean {loose[key]!r}?)"
    return hint


def _match(table_map: TableMap, header: Sequence[str], columns: Sequence[Column], where: str) -> HeaderMatch:
    names = _check.tuple_of(header, str, "$.header", "a sequence of header names")
    from comanaged_rcm.tables import Column  # noqa: PLC0415 - tables imports this module

    schema = _check.tuple_of(columns, Column, "$.columns", "a sequence of tables.Column")
    _check.text(where, "$.where", maximum=_MAX_NAME)
    by_fold: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        by_fold.setdefault(_fold(name), []).append(i)
    issues: list[Issue] = []
    positions: dict[str, int] = {}
    owner: dict[int, str] = {}
    known = {c.name for c in schema}
    wanted: list[tuple[str, str, bool, str]] = []  # (name given, source header, required, how)
    for column in schema:
        source = table_map.columns.get(column.name)
        if source is None:
            wanted.append((column.name, column.name, column.required, "required column"))
        else:
            wanted.append((column.name, source, True, f"column {source!r} (mapped to {column.name!r})"))
    wanted.extend((kept, kept, True, "kept column") for kept in table_map.keep)
    unknown = [k for k in table_map.columns if k not in known]
    issues.extend(
        Issue(
            where,
            "unknown_column",
            f"the map names {k!r}, which is not a column of this table{suggest(k, sorted(known))}",
        )
        for k in unknown
    )
    for name, source, required, how in wanted:
        found = by_fold.get(_fold(source), [])
        if len(found) > 1:
            shown = " and ".join(f"{i + 1} ({names[i]!r})" for i in found)
            issues.append(
                Issue(where, "duplicate_column", f"columns {shown} of the header both match {name!r}")
            )
            continue
        if not found:
            if required:
                hint = _closest(source, names, set(owner))
                message = f"missing {how} {source!r} (found {_listing(names)}){hint}"
                issues.append(Issue(where, "missing_column", message))
            continue
        index = found[0]
        if index in owner:
            message = (
                f"column {index + 1} ({names[index]!r}) of the header matches both {owner[index]!r}"
                f" and {name!r}"
            )
            issues.append(Issue(where, "duplicate_column", message))
            continue
        owner[index] = name
        positions[name] = index
    if issues:
        raise ValidationError(issues)
    dropped = tuple(h for i, h in enumerate(names) if i not in owner and h.strip())
    return HeaderMatch(positions=positions, dropped=dropped)


# ----------------------------------------------------------------------------------------- loading
def load_map(source: object, *, encoding: str | None = None) -> ExportMap:
    """Read a mapping document from a JSON file.

    Args:
        source: The file's path.
        encoding: The file's encoding when it is not UTF-8 (a BOM is detected without it).

    Returns:
        The document, every table checked against its schema.

    Raises:
        ValidationError: The file cannot be read, is not strict JSON (line and column), or a
            field is bad: every issue names the file and the field
            (``map.json: ... @ $.tables.transactions.date_format``).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "map.json"
    >>> _ = path.write_text('{"tables": {"transactions": {"date_format": "%d"}}}', encoding="utf-8")
    >>> load_map(path)
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: map.json: 'date_format' must name a year
    (%Y or %y), a month (%m, %b or %B) to read a date (got '%d') @ $.tables.transactions.date_format
    """
    path = _io.check_path(source, "$.source")
    if encoding is not None:
        encoding = _io.check_encoding(encoding)
    data = _io.read_json(path, encoding=encoding, where="$.source")
    try:
        return serialize.from_dict(data, ExportMap)
    except ValidationError as exc:
        from pathlib import Path  # noqa: PLC0415 - only for the file's name in messages

        label = Path(path).name
        raise ValidationError(
            attrs.evolve(issue, message=f"{label}: {issue.message}") for issue in exc.issues
        ) from None


# ----------------------------------------------------------------------------- text arrays, codes
def _text_array(value: object, path: str) -> npt.NDArray[np.str_]:
    """A 1-D numpy array of unicode text, from such an array or a sequence of strings."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "U" and value.ndim == 1:
        return value
    if isinstance(value, np.ndarray) and value.ndim != 1:
        fail(
            path,
            "type",
            f"{_check.name_of(path)!r} must be one-dimensional (got an array of shape {value.shape})",
        )
    items = _check.sequence(value, path)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            fail(f"{path}[{i}]", "type", f"'{_check.name_of(path)}[{i}]' must be a string (got {show(item)})")
    return np.array(items, dtype=str) if items else np.array([], dtype="<U1")


def _factorize(text: npt.NDArray[np.str_]) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.intp]]:
    """The distinct values of ``text`` and each cell's index into them (``text == uniques[inverse]``).

    Exports repeat their dates and codes heavily, so every parser reads each distinct value once.
    The Book's factorizer does it (exactly ``np.unique``'s result, without sorting the strings).
    """
    from comanaged_rcm.kpi._book import _factorize as factorize  # noqa: PLC0415 - kpi imports this module

    return factorize(text)


def _code_points(text: npt.NDArray[np.str_]) -> npt.NDArray[np.uint32]:
    """The code points of each cell of ``text`` as a row (NUL past a cell's end)."""
    width = text.dtype.itemsize // 4
    return np.ascontiguousarray(text).view(np.uint32).reshape(len(text), width)


def _padding_only(codes: npt.NDArray[np.uint32]) -> bool:
    """Whether every NUL of ``codes`` pads its row (no NUL before a character)."""
    return not (codes[:, :-1] == 0)[codes[:, 1:] != 0].any()


_ISO_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9]
_FIRST_DAY = np.datetime64(datetime.date.min, "D")


def _iso_days(cells: npt.NDArray[np.str_]) -> npt.NDArray[np.datetime64] | None:
    """The dates of cells that are all ``YYYY-MM-DD`` or empty (NaT), computed at once; else ``None``.

    The digits are read as numbers and the day counted from them (days from the civil date, as
    in H. Hinnant's ``chrono`` algorithms). Any other cell (a space, another shape, an impossible
    date, year 0) is ``None``: the caller reads the cells one distinct value at a time and says
    which are bad.
    """
    codes = _code_points(cells)
    if codes.shape[1] != len("2026-01-31") or not len(cells):
        return None
    empty = codes[:, 0] == 0
    shaped = (codes[:, 4] == ord("-")) & (codes[:, 7] == ord("-"))
    for k in _ISO_DIGITS:
        shaped &= (codes[:, k] - ord("0")) < 10
    if not (shaped | (empty & ~codes.any(axis=1))).all():
        return None

    def number(*places: int) -> npt.NDArray[np.int32]:
        value = np.zeros(len(cells), dtype=np.int32)
        for k in places:
            value = value * 10 + (codes[:, k].astype(np.int32) - ord("0"))
        return value

    year, month, day = number(0, 1, 2, 3), number(5, 6), number(8, 9)
    year[empty], month[empty], day[empty] = 1970, 1, 1  # any good date, NaT below
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    good = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    if not good.all() or (day > _MONTH_DAYS[np.where(good, month, 1)] + (leap & (month == 2))).any():
        return None
    shifted = year - (month <= 2)
    era = shifted // 400
    of_era = shifted - era * 400
    of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    count = era.astype(np.int64) * 146_097 + (of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719_468)
    count[empty] = np.iinfo(np.int64).min
    days: npt.NDArray[np.datetime64] = count.view("datetime64[D]")
    return days


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_EXACT_DIGITS = 15
"""Up to this many digits a decimal is an integer below 2**53 over an exact power of ten."""


def _plain_decimals(cells: npt.NDArray[np.str_]) -> npt.NDArray[np.float64] | None:
    """The numbers of cells that are all plain ASCII decimals without an exponent, at once; else ``None``.

    A plain decimal is an optional leading minus, digits and at most one point, with a digit
    somewhere (``-12``, ``5.``, ``.5``); anything else (a space, an empty cell, an exponent, a
    second sign) is ``None``, for the caller to read one distinct value at a time. With at most
    15 digits the number is its digits as an integer over a power of ten, one correctly rounded
    division, so exactly what ``float`` reads (Clinger's fast path); longer ones are read by numpy.
    """
    if not len(cells) or not cells.dtype.itemsize:
        return None
    codes = _code_points(cells)
    digit = (codes - ord("0")) < 10  # the ten ASCII digits (unsigned)
    minus, point = codes == ord("-"), codes == ord(".")
    if not (digit | minus | point | (codes == 0)).all() or not _padding_only(codes):
        return None
    if minus[:, 1:].any() or (point.sum(axis=1) > 1).any() or not digit.any(axis=1).all():
        return None
    if (digit.sum(axis=1) > _EXACT_DIGITS).any():
        numbers = cells.astype(np.float64)
        return numbers if np.isfinite(numbers).all() else None  # one too large for a float is bad
    whole = np.zeros(len(cells), dtype=np.int64)
    after = np.zeros(len(cells), dtype=np.int64)
    seen = np.zeros(len(cells), dtype=bool)
    for j in range(codes.shape[1]):
        here = digit[:, j]
        whole[here] = whole[here] * 10 + (codes[here, j].astype(np.int64) - ord("0"))
        seen |= point[:, j]
        after += here & seen
    numbers = whole / 10.0**after
    return np.negative(numbers, where=minus[:, 0], out=numbers)


# ----------------------------------------------------------------------------------------- dates
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMERIC = frozenset("YymdjHIMSf")
_WIDTH = {"Y": 4, "y": 2, "m": 2, "d": 2, "j": 3, "H": 2, "I": 2, "M": 2, "S": 2}
_ZONE = r"(?P<z>Z|[+-]\d{2}(?::?\d{2})?)"
_TIME = r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)"
_EPOCH = datetime.date(1970, 1, 1).toordinal()


_FLAGS = re.IGNORECASE | re.ASCII
"""Digits are ASCII digits (``\\d`` would read other scripts' digits as numbers), names English."""


def _names_pattern(group: str, names: Sequence[str]) -> str:
    return f"(?P<{group}>{'|'.join(names)})"


@functools.cache
def _date_pattern(fmt: str | None, suffix: bool) -> re.Pattern[str]:
    """The regular expression reading cells of ``fmt``, with an optional time and offset after it.

    Numeric fields take one or two digits as strptime does (``3/5/2024``), except where two
    numeric fields touch (``%Y%m%d``): then each takes exactly its width, so a cell is never read
    two ways. Month and weekday names are English, whatever the locale.
    """
    tail = f"{_TIME}?{_ZONE}?" if suffix else ""
    if fmt is None:
        return re.compile(rf"(?P<Y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}}){tail}", _FLAGS)
    tokens: list[str] = []  # a directive letter, or a literal prefixed with "="
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            letter = fmt[i + 1]
            tokens.append("=%" if letter == "%" else letter)
            i += 2
        else:
            tokens.append(f"={fmt[i]}")
            i += 1
    parts: list[str] = []
    for k, piece in enumerate(tokens):
        if piece.startswith("="):
            parts.append(re.escape(piece[1:]))
            continue
        numeric_neighbour = any(0 <= n < len(tokens) and tokens[n] in _NUMERIC for n in (k - 1, k + 1))
        if piece == "Y":
            parts.append(r"(?P<Y>\d{4})")
        elif piece in _WIDTH:
            width = _WIDTH[piece]
            digits = rf"\d{{{width}}}" if numeric_neighbour else rf"\d{{1,{width}}}"
            parts.append(f"(?P<{piece}>{digits})")
        elif piece == "f":
            parts.append(r"(?P<f>\d{1,6})")
        elif piece == "p":
            parts.append(r"(?P<p>am|pm)")
        elif piece == "b":
            parts.append(_names_pattern("b", _MONTHS))
        elif piece == "B":
            parts.append(_names_pattern("B", _MONTH_NAMES))
        elif piece == "a":
            parts.append(_names_pattern("a", _DAYS))
        elif piece == "A":
            parts.append(_names_pattern("A", _DAY_NAMES))
        else:  # "z": the format's own offset
            parts.append(_ZONE)
    has_time = bool(set(tokens) & _TIME_DIRECTIVES)
    has_zone = "z" in tokens
    extra = "" if not suffix or has_time else f"{_TIME}?"
    extra += "" if not suffix or has_zone else f"{_ZONE}?"
    return re.compile("".join(parts) + extra, _FLAGS)


def _offset(text: str) -> datetime.timezone:
    if text.upper() == "Z":
        return datetime.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    return datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))


def _read_date(
    cell: str, pattern: re.Pattern[str], *, time_of_day: bool, zone: zoneinfo.ZoneInfo | None
) -> int | None:
    """The day number (days since 1970-01-01) of one cell, or ``None`` when it is not a date."""
    found = pattern.fullmatch(cell)
    if found is None:
        return None
    parts = {k: val for k, val in found.groupdict().items() if val is not None}
    try:
        if "Y" in parts:
            year = int(parts["Y"])
        else:
            short = int(parts["y"])
            year = 2000 + short if short < 69 else 1900 + short
        if "j" in parts:
            day = datetime.date(year, 1, 1) + datetime.timedelta(days=int(parts["j"]) - 1)
            if day.year != year or int(parts["j"]) < 1:
                return None
        else:
            month = int(parts["m"]) if "m" in parts else None
            if month is None:
                name = parts.get("b", parts.get("B", "")).casefold()
                month = (_MONTHS.index(name) if "b" in parts else _MONTH_NAMES.index(name)) + 1
            day = datetime.date(year, month, int(parts["d"]))
        for key, names in (("a", _DAYS), ("A", _DAY_NAMES)):
            if key in parts and names.index(parts[key].casefold()) != day.weekday():
                return None  # the weekday written does not fit the date
        timed = "H" in parts or "I" in parts
        if timed and not time_of_day and "z" not in parts:
            return None
        hour = int(parts.get("H", parts.get("I", 0)))
        if "I" in parts:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if parts.get("p", "am").casefold() == "pm" else 0)
        moment = datetime.datetime(  # noqa: DTZ001 - naive until an offset is read
            day.year, day.month, day.day, hour, int(parts.get("M", 0)), int(parts.get("S", 0))
        )
        if "z" in parts:
            if zone is None:
                return None
            moment = moment.replace(tzinfo=_offset(parts["z"])).astimezone(zone)
    except (ValueError, OverflowError):
        return None
    return moment.toordinal() - _EPOCH


def parse_dates(
    text: npt.ArrayLike,
    fmt: str | None = None,
    *,
    time_of_day: bool = False,
    time_zone: str | None = None,
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """Read a column of date text written in ``fmt``.

    Each distinct value is read once and the result scattered back, so a million rows of a few
    thousand dates cost a few thousand reads. Cells are stripped; an empty cell is NaT and not
    bad (whether it is allowed is the caller's rule). An impossible date (``02/30/2024``) is bad,
    never rolled over; two-digit years (``%y``) follow Python's strptime pivot (69-99 are
    1969-1999, 00-68 are 2000-2068); month and weekday names are English; a weekday that does
    not fit its date is bad.

    Args:
        text: The cells (a numpy array of text, or a sequence of strings).
        fmt: A strptime format (``"%m/%d/%Y"``), or ``None`` for ISO ``YYYY-MM-DD``.
        time_of_day: Whether a cell with a time after the date (``2024-03-15 10:30``, or
            ``03/15/2024 10:30:00``) reads as its date.
        time_zone: An IANA zone: a cell with a UTC offset (``2024-03-15T23:30:00-05:00``) reads
            as its date in this zone. Without it such a cell is bad: nothing is shifted unasked.

    Returns:
        The dates as ``datetime64[D]`` (NaT where empty or bad) and the mask of bad cells.

    Raises:
        ValidationError: ``text`` is not text (``$.text``), ``fmt`` is not a date format
            (``$.fmt``), ``time_zone`` is not a zone (``$.time_zone``).

    >>> days, bad = parse_dates(np.array(["03/15/2024", "02/30/2024", "", "3/5/24"]), "%m/%d/%y")
    >>> days.astype(str).tolist(), bad.tolist()
    (['NaT', 'NaT', 'NaT', '2024-03-05'], [True, True, False, False])
    """
    cells = _text_array(text, "$.text")
    time_of_day = _check.flag(time_of_day, "$.time_of_day")
    if time_zone is not None:
        time_zone = _check.time_zone(time_zone, "$.time_zone")
    if fmt is not None:
        _check_format(fmt, "$.fmt", time_of_day=time_of_day, time_zone=time_zone)
    suffix = time_of_day or time_zone is not None
    if fmt is None and not suffix:
        days = _iso_days(cells)
        if days is not None:  # the common case, converted at once
            return days, np.zeros(len(cells), dtype=bool)
    uniques, inverse = _factorize(cells)
    pattern = _date_pattern(fmt, suffix)
    zone = zoneinfo.ZoneInfo(time_zone) if time_zone is not None else None
    missing = np.iinfo(np.int64).min
    days = np.empty(len(uniques), dtype=np.int64)
    bad = np.zeros(len(uniques), dtype=bool)
    for i, raw in enumerate(uniques.tolist()):
        cell = raw.strip()
        if not cell:
            days[i] = missing
            continue
        read = _read_date(cell, pattern, time_of_day=time_of_day, zone=zone)
        if read is None:
            days[i], bad[i] = missing, True
        else:
            days[i] = read
    return days[inverse].view("datetime64[D]"), bad[inverse]


# --------------------------------------------------------------------------------------- numbers
_PLAIN = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)


@functools.cache
def _number_pattern(fmt: NumberFormat) -> re.Pattern[str]:
    thousands, decimal = re.escape(fmt.thousands), re.escape(fmt.decimal)
    grouped = rf"\d{{1,3}}(?:{thousands}\d{{3}})+" if fmt.thousands else None
    whole = rf"(?:{grouped}|\d+)" if grouped else r"\d+"
    number = rf"(?P<n>{whole}(?:{decimal}\d+)?|{decimal}\d+)"
    symbols = "|".join(re.escape(s) for s in sorted(fmt.currency, key=len, reverse=True))
    before = rf"(?:(?P<c1>{symbols})\s?)?" if symbols else ""
    after = rf"(?:\s?(?P<c2>{symbols}))?" if symbols else ""
    opened = r"(?P<open>\()?" if fmt.parentheses else ""
    closed = r"(?P<close>\))?" if fmt.parentheses else ""
    return re.compile(rf"{opened}(?P<s1>-)?{before}(?P<s2>-)?{number}{after}{closed}", re.ASCII)


def _read_number(cell: str, pattern: re.Pattern[str], fmt: NumberFormat) -> float | None:
    found = pattern.fullmatch(cell)
    if found is None:
        return None
    parts = found.groupdict()
    signs = (parts["s1"] is not None) + (parts["s2"] is not None)
    if (parts.get("open") is None) != (parts.get("close") is None):
        return None  # an unbalanced parenthesis
    if parts.get("c1") is not None and parts.get("c2") is not None:
        return None  # a currency symbol on both sides
    negative = parts.get("open") is not None
    if signs > 1 or (negative and signs):
        return None
    digits = parts["n"]
    if fmt.thousands:
        digits = digits.replace(fmt.thousands, "")
    value = float(digits.replace(fmt.decimal, "."))
    if not np.isfinite(value):
        return None
    return -value if negative or signs else value


def parse_numbers(
    text: npt.ArrayLike, fmt: NumberFormat | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Read a column of number text written in ``fmt``.

    With a :class:`NumberFormat`, a currency symbol is accepted before or after the number (a
    space between them is allowed), a thousands separator only between groups of three digits
    (``"1,250"`` is good, ``"1,25"`` and ``"12,50,000"`` bad), one leading minus or, when
    ``fmt.parentheses``, parentheses for a negative; anything else (two signs, a symbol on both
    sides, a separator where ``thousands`` is ``""``) is bad. Without a format only plain
    decimals are read (``-12.5``, ``1e3``). Cells are stripped; an empty cell is NaN and not bad.
    A number too large for a float is bad.

    Args:
        text: The cells (a numpy array of text, or a sequence of strings).
        fmt: How the numbers are written, or ``None`` for plain decimals.

    Returns:
        The numbers as float64 (NaN where empty or bad) and the mask of bad cells.

    Raises:
        ValidationError: ``text`` is not text (``$.text``), ``fmt`` not a NumberFormat (``$.fmt``).

    >>> values, bad = parse_numbers(np.array(["$1,250.00", "(1,250.00)", "1,25", ""]), NumberFormat())
    >>> values.tolist()[:2], bad.tolist()
    ([1250.0, -1250.0], [False, False, True, False])
    """
    cells = _text_array(text, "$.text")
    if fmt is not None:
        _check.instance(fmt, NumberFormat, "$.fmt", "a NumberFormat or None")
    if fmt is None:
        numbers = _plain_decimals(cells)
        if numbers is not None:  # the common case, converted at once
            return numbers, np.zeros(len(cells), dtype=bool)
    uniques, inverse = _factorize(cells)
    values = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    pattern = _number_pattern(fmt) if fmt is not None else _PLAIN
    for i, raw in enumerate(uniques.tolist()):
        cell = raw.strip()
        if not cell:
            continue
        if fmt is None:
            read = float(cell) if _PLAIN.fullmatch(cell) else None
            if read is not None and not np.isfinite(read):
                read = None
        else:
            read = _read_number(cell, pattern, fmt)
        if read is None:
            bad[i] = True
        else:
            values[i] = read
    return values[inverse], bad[inverse]


# ----------------------------------------------------------------------------- value maps, folding
def apply_values(text: npt.ArrayLike, codes: Mapping[str, str]) -> npt.NDArray[np.str_]:
    """Replace each code of ``codes`` by its schema value; other cells pass through unchanged.

    Cells are compared stripped, as a reader gives them.

    Args:
        text: The cells (a numpy array of text, or a sequence of strings).
        codes: Source code -> schema value (``{"PMT": "payment"}``), as in :attr:`TableMap.values`.

    Returns:
        The mapped cells.

    Raises:
        ValidationError: ``text`` is not text (``$.text``) or ``codes`` not a mapping of text
            (``$.codes``).

    >>> apply_values(np.array(["PMT", "CHG", "refund"]), {"PMT": "payment", "CHG": "charge"}).tolist()
    ['payment', 'charge', 'refund']
    """
    cells = _text_array(text, "$.text")
    table = _mapping(codes, "$.codes", "code to value")
    for code, meaning in table.items():
        _code(code, f"$.codes[{show(code)}]")
        _code(meaning, f"$.codes{_key(code)}")
    if not len(cells) or not table:
        return cells
    uniques, inverse = _factorize(cells)
    mapped = [table.get(cell.strip(), cell) for cell in uniques.tolist()]
    return np.array(mapped, dtype=str)[inverse]


def _groups(uniques: npt.NDArray[np.str_]) -> dict[str, list[str]]:
    """Distinct values by their folded form, where more than one value folds to it."""
    by_fold: dict[str, list[str]] = {}
    for cell in uniques.tolist():
        by_fold.setdefault(cell.strip().casefold(), []).append(cell)
    return {key: sorted(cells) for key, cells in by_fold.items() if len(cells) > 1 and key}


def _and(values: Sequence[str], limit: int = 4) -> str:
    shown = [show(x) for x in values[:limit]]
    more = len(values) - limit
    if more > 0:
        return f"{', '.join(shown)} and {more:,} more"
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def fold(text: npt.ArrayLike, column: str) -> tuple[npt.NDArray[np.str_], tuple[str, ...]]:
    """Strip and case-fold ``text`` (a :attr:`TableMap.fold_case` column), saying what merged.

    Args:
        text: The cells (a numpy array of text, or a sequence of strings).
        column: The column's name, for the notes.

    Returns:
        The folded cells, and one note per group of distinct values that became one
        (``"payer: 'Aetna' and 'aetna ' were folded into 'aetna'"``), for the caller to report.

    Raises:
        ValidationError: ``text`` is not text (``$.text``), ``column`` not a name (``$.column``).

    >>> folded, notes = fold(["Aetna", "aetna ", "Cigna"], "payer")
    >>> folded.tolist(), notes
    (['aetna', 'aetna', 'cigna'], ("payer: 'Aetna' and 'aetna ' were folded into 'aetna'",))
    """
    cells = _text_array(text, "$.text")
    _check.text(column, "$.column", maximum=_MAX_NAME)
    if not len(cells):
        return cells, ()
    uniques, inverse = _factorize(cells)
    folded = np.array([cell.strip().casefold() for cell in uniques.tolist()], dtype=str)
    notes = tuple(
        f"{column}: {_and(group)} were folded into {show(key)}"
        for key, group in sorted(_groups(uniques).items())
    )
    return folded[inverse], notes


def case_variants(text: npt.ArrayLike, column: str) -> tuple[str, ...]:
    """Notes on values of ``column`` that differ only in case or surrounding space.

    Without folding, ``Aetna`` and ``aetna`` are two payers; this says so, for a column the map
    does not fold.

    Args:
        text: The cells (a numpy array of text, or a sequence of strings).
        column: The column's name, for the notes.

    Returns:
        One note per group of such values, empty when there is none.

    Raises:
        ValidationError: ``text`` is not text (``$.text``), ``column`` not a name (``$.column``).

    >>> case_variants(["Aetna", "aetna", "Cigna"], "payer")
    ("payer: 'Aetna' and 'aetna' differ only in case or surrounding space: add payer to fold_case",)
    """
    cells = _text_array(text, "$.text")
    _check.text(column, "$.column", maximum=_MAX_NAME)
    uniques, _ = _factorize(cells)
    return tuple(
        f"{column}: {_and(group)} differ only in case or surrounding space: add {column} to fold_case"
        for _, group in sorted(_groups(uniques).items())
    )


# --------------------------------------------------------------------------------------- suggestion
def _norm(header: str) -> str:
    """A header as synonyms compare it: lower case, runs of other characters as one space."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.casefold()).split())


_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "claim_id": ("claim", "claim no", "claim number", "claim num", "claim id", "clm", "clm id", "clm no"),
    "payer": ("payer name", "payor", "payor name", "insurance", "insurance name", "carrier", "plan name"),
    "team": ("department", "dept", "team name"),
    "service_date": ("dos", "date of service", "service date", "svc date", "dos from"),
    "posting_date": ("post date", "posting date", "posted", "posted date", "transaction date", "trans date"),
    "type": ("trans type", "transaction type", "txn type", "tran type", "trans code", "transaction code"),
    "amount": ("amt", "transaction amount", "trans amount", "trans amt", "payment amount"),
    "write_off_reason": ("write off reason", "writeoff reason", "wo reason", "adjustment reason"),
    "billed_date": ("billed", "bill date", "billed date", "billing date"),
    "seq": ("submission", "submission seq", "submission number", "sequence"),
    "submitted_date": ("submitted", "submit date", "submission date", "sent date"),
    "lines": ("line count", "lines billed", "number of lines"),
    "charges": ("total charges", "billed amount", "charge amount", "charges billed"),
    "clean": ("clean claim", "first pass clean"),
    "adjudicated_date": ("adjudicated", "adjudication date", "processed date", "remit date"),
    "outcome": ("status", "claim status", "adjudication status"),
    "denied_lines": ("lines denied", "denied line count"),
    "denied_charges": ("denied amount", "charges denied"),
    "carc": ("reason code", "denial code", "carc code"),
    "item_id": ("item", "work item", "work item id", "ticket", "ticket id", "task id"),
    "workflow": ("queue", "work queue", "queue name"),
    "opened": ("open date", "opened date", "created", "created date"),
    "closed": ("close date", "closed date", "completed", "completed date"),
    "touches": ("touch count", "touch", "number of touches"),
    "escalated": ("escalation", "is escalated"),
    "month": ("period", "fiscal month"),
}
"""Headers billing systems write for each schema column, as :func:`_norm` spells them."""

_CODES: Mapping[str, Mapping[str, str]] = {
    "type": {
        "pmt": "payment", "pay": "payment", "chg": "charge", "chrg": "charge",
        "adj": "contractual_adjustment",
        "ca": "contractual_adjustment", "contractual": "contractual_adjustment", "wo": "write_off",
        "w/o": "write_off", "writeoff": "write_off", "write off": "write_off",
        "ref": "refund", "rfd": "refund",
    },
    "outcome": {
        "den": "denied", "d": "denied", "pd": "paid", "p": "paid", "part": "partial", "pp": "partial",
        "pend": "pending", "pnd": "pending",
    },
    "write_off_reason": {
        "den": "denial", "tf": "timely_filing", "timely": "timely_filing", "bd": "bad_debt",
        "char": "charity",
        "sb": "small_balance", "small": "small_balance", "admin": "administrative",
    },
}  # fmt: skip
"""Common codes of coded columns, lower case, and the schema value each means."""

_DATE_CANDIDATES = (
    "%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y", "%d/%m/%y", "%Y/%m/%d", "%m-%d-%Y", "%d-%m-%Y", "%d.%m.%Y",
    "%Y%m%d", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%b %d, %Y", "%B %d, %Y",
)  # fmt: skip
"""Date formats :func:`suggest_map` tries, in order of preference (ISO first, then US)."""

_NUMBER_CANDIDATES = ((",", "."), ("", "."), (".", ","), (" ", ","), ("\u00a0", ","), ("'", "."))
_SYMBOLS = ("$", "USD", "US$", "€", "EUR", "£", "GBP")


def _spelled(fmt: str | None) -> str:
    """A date format as people say it (``%m/%d/%Y`` is ``MM/DD/YYYY``)."""
    if fmt is None:
        return "YYYY-MM-DD"
    names = {"%Y": "YYYY", "%y": "YY", "%m": "MM", "%d": "DD", "%b": "Mon", "%B": "Month"}
    for directive, name in names.items():
        fmt = fmt.replace(directive, name)
    return fmt


@attrs.frozen(kw_only=True)
class MapSuggestion:
    """A starting mapping for one table of an export, and what the sample showed.

    Args:
        table: The table the export was read as.
        mapping: The suggested document, holding that one table.
        notes: What to check or add by hand (ambiguous date formats, unknown codes, ids that
            differ only in case, missing columns) in schema order, then the columns dropped.

    >>> MapSuggestion(table="ledger", mapping=ExportMap(), notes=("a note",))
    MapSuggestion(table='ledger', columns={}, notes=1)
    """

    table: str = attrs.field(validator=v.one_of(TABLES))
    mapping: ExportMap = attrs.field(validator=v.instance(ExportMap))
    notes: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=v.tuple_of(str))

    def to_json(self) -> str:
        """The suggested mapping document as indented JSON, ready to edit and pass as ``--map``."""
        return serialize.to_json(self.mapping, indent=2)

    def __repr__(self) -> str:
        columns = dict(self.mapping.table(self.table).columns)
        return f"MapSuggestion(table={self.table!r}, columns={columns!r}, notes={len(self.notes)})"


def _sample(source: object, encoding: str | None, sample: int) -> tuple[str, list[str], list[list[str]]]:
    import csv  # noqa: PLC0415 - only a suggestion reads a file itself
    import io  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    path = _io.check_path(source, "$.source")
    label = Path(path).name
    content = _io.read_text(path, encoding=encoding, where="$.source", label=label)
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    header: list[str] | None = None
    start = 1
    try:
        header = next(reader, None)
        if header is None:
            fail(f"{label}:1", "empty", "the file is empty (expected a header row)")
        rows = []
        start = reader.line_num + 1
        for row in reader:
            if "".join(row).strip():
                rows.append(row)
                if len(rows) >= sample:
                    break
            start = reader.line_num + 1
    except csv.Error as exc:
        from comanaged_rcm.tables import _csv_error  # noqa: PLC0415 - tables imports this module

        raise _csv_error(exc, start, reader.line_num, label) from None
    return label, [h.strip() for h in header], rows


def _match_headers(header: Sequence[str], schema: Sequence[Column]) -> tuple[dict[str, int], list[str]]:
    """Each schema column's header index, by folded name, normalised name and synonyms."""
    names = {c.name for c in schema}
    found: dict[str, int] = {}
    notes: list[str] = []
    for index, title in enumerate(header):
        if not title:
            continue
        norm = _norm(title)
        target = next(
            (
                name
                for name in [c.name for c in schema]
                if _fold(title) == name or norm == name.replace("_", " ") or norm in _SYNONYMS.get(name, ())
            ),
            None,
        )
        if target is None or target not in names:
            continue
        if target in found:
            first = header[found[target]]
            notes.append(f"{title}: also looks like {target} (already matched by {first!r}): kept the first")
            continue
        found[target] = index
    return found, notes


def _suggest_dates(
    column: str, title: str, cells: npt.NDArray[np.str_]
) -> tuple[str | None, bool, list[str]]:
    """The format that reads every sampled cell, whether times of day are present, and notes."""
    filled = cells[np.char.str_len(cells) > 0]
    if not len(filled) or not parse_dates(filled)[1].any():
        return None, False, []
    for time_of_day in (False, True):
        fits = [f for f in _DATE_CANDIDATES if not parse_dates(filled, f, time_of_day=time_of_day)[1].any()]
        if fits:
            break
    if not fits:
        first = filled[parse_dates(filled, _DATE_CANDIDATES[0])[1]][0]
        note = (
            f"{title}: no date format reads every sampled value (e.g. {str(first)!r}):"
            f" set date_formats.{column}"
        )
        return None, False, [note]
    chosen = fits[0]
    also = [f for f in fits[1:] if set(f) == set(chosen)]  # the same fields in another order
    note = f"{title} looks like {_spelled(chosen)}"
    if also:
        why = (
            "no day above 12 in the sample"
            if {"%m", "%d"} <= set(_directive_set(chosen))
            else "the sample fits both"
        )
        note += f" (also fits {', '.join(_spelled(f) for f in also)}: {why})"
    if time_of_day:
        note += "; values carry a time of day: time_of_day set"
    return chosen, time_of_day, [note]


def _directive_set(fmt: str) -> set[str]:
    return {f"%{d}" for d in _directives(fmt)}


def _suggest_numbers(title: str, cells: npt.NDArray[np.str_]) -> tuple[NumberFormat | None, list[str]]:
    filled = cells[np.char.str_len(cells) > 0]
    if not len(filled) or not parse_numbers(filled)[1].any():
        return None, []
    joined = "".join(filled.tolist())
    symbols = tuple(
        s for s in _SYMBOLS if s in joined and not any(s != o and s in o for o in _SYMBOLS if o in joined)
    )
    parentheses = "(" in joined
    for thousands, decimal in _NUMBER_CANDIDATES:
        fmt = NumberFormat(currency=symbols, thousands=thousands, decimal=decimal, parentheses=parentheses)
        if not parse_numbers(filled, fmt)[1].any():
            example = str(filled[0])
            parts = [
                f"thousands {thousands!r}" if thousands else "no thousands separator",
                f"decimal {decimal!r}",
            ]
            if symbols:
                parts.insert(0, ", ".join(symbols))
            if parentheses:
                parts.append("parentheses for negatives")
            return fmt, [f"{title}: written like {example!r} ({', '.join(parts)})"]
    bad = filled[parse_numbers(filled, NumberFormat(currency=symbols, parentheses=parentheses))[1]][0]
    return None, [
        f"{title}: no number format reads every sampled value (e.g. {str(bad)!r}): set number_format"
    ]


def _suggest_codes(
    column: str, title: str, cells: npt.NDArray[np.str_], allowed: Sequence[str]
) -> tuple[dict[str, str], list[str]]:
    uniques, inverse = _factorize(cells)
    counts = np.bincount(inverse, minlength=len(uniques))
    codes: dict[str, str] = {}
    notes: list[str] = []
    common = _CODES.get(column, {})
    by_fold = {a.casefold(): a for a in allowed}
    for cell, seen in zip(uniques.tolist(), counts.tolist(), strict=True):
        code = cell.strip()
        if not code or code in allowed:
            continue
        meaning = (
            by_fold.get(code.casefold())
            or by_fold.get(code.casefold().replace(" ", "_"))
            or common.get(code.casefold())
        )
        if meaning is None:
            rows = "row" if seen == 1 else "rows"
            notes.append(
                f"{title}: {code!r} ({seen:,} {rows}) is not a known code: add it to values.{column}"
            )
        else:
            codes[code] = meaning
    return codes, notes


def suggest_map(
    source: object, table: str, *, sample: int = 1000, encoding: str | None = None
) -> MapSuggestion:
    r"""Infer a starting mapping for one table from a CSV export's header and first rows.

    Headers are matched by their folded name, their name with other characters read as spaces
    (``Claim ID`` is ``claim_id``) and common synonyms (``DOS`` is ``service_date``, ``Claim #``
    is ``claim_id``, ``Post Date`` is ``posting_date``...). Date columns get the first format
    that reads every sampled value (US before European; an ambiguity is noted), number columns
    the :class:`NumberFormat` that does, coded columns a value map from common codes (``PMT`` is
    ``payment``, ``DEN`` is ``denied``). Codes it cannot place, ids differing only in case,
    missing columns and columns that will be dropped are notes. Check the suggestion before use:
    it is read from a sample.

    Args:
        source: The CSV file's path.
        table: The table the file holds (:data:`TABLES`).
        sample: How many data rows to read (1 to 1,000,000).
        encoding: The file's encoding when it is not UTF-8.

    Returns:
        The suggested mapping and the notes.

    Raises:
        ValidationError: A bad argument (at its path), or a file that cannot be read as CSV.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_text("Claim #,DOS\nC1,03/15/2024\n", encoding="utf-8")
    >>> found = suggest_map(path, "transactions")
    >>> dict(found.mapping.table("transactions").columns), found.mapping.table("transactions").date_format
    ({'claim_id': 'Claim #', 'service_date': 'DOS'}, '%m/%d/%Y')
    """
    name = _table_name(table, "$.table")
    size = _check.count(sample, "$.sample", minimum=1, maximum=1_000_000)
    if encoding is not None:
        encoding = _io.check_encoding(encoding)
    label, header, rows = _sample(source, encoding, size)
    schema = schema_columns(name)
    found, notes = _match_headers(header, schema)
    if not found:
        message = (
            f"no header of {label} ({_listing(header)}) looks like a column of {name!r}: is it the"
            f" {name} export? (write the map's columns by hand if its headers are codes)"
        )
        fail(f"{label}:1", "missing_column", message)
    width = len(header)

    def cells(index: int) -> npt.NDArray[np.str_]:
        column = [row[index].strip() if index < len(row) else "" for row in rows]
        return np.array(column, dtype=str) if column else np.array([], dtype="<U1")

    from comanaged_rcm.kpi._book import SCHEMAS  # noqa: PLC0415 - kpi imports tables, which imports this

    allowed = {f.name: f.values for fields in SCHEMAS.values() for f in fields if f.values}
    columns: dict[str, str] = {}
    formats: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    time_of_day = False
    number_format: NumberFormat | None = None
    for column in schema:
        index = found.get(column.name)
        if index is None:
            if column.required:
                notes.append(
                    f"{column.name}: no header found ({label} has {_listing(header)}): map it in columns"
                )
            continue
        title = header[index]
        if _fold(title) != column.name:
            columns[column.name] = title
        kind = _kind(column)
        data = cells(index)
        if kind == "date":
            fmt, timed, more = _suggest_dates(column.name, title, data)
            notes.extend(more)
            time_of_day = time_of_day or timed
            if fmt is not None:
                formats[column.name] = fmt
        elif kind == "number":
            fmt_number, more = _suggest_numbers(title, data)
            notes.extend(more)
            number_format = number_format or fmt_number
        elif kind == "text" and column.name in allowed:
            codes, more = _suggest_codes(column.name, title, data, allowed[column.name])
            notes.extend(more)
            if codes:
                values[column.name] = codes
        elif kind == "text":
            notes.extend(case_variants(data, column.name))
    used = set(found.values())
    notes.extend(
        f"{title}: not in the schema, dropped (add it to keep to keep it)"
        for index, title in enumerate(header)
        if index not in used and title and index < width
    )
    common = max(set(formats.values()), key=list(formats.values()).count) if formats else None
    table_map = TableMap(
        columns=columns,
        date_format=common,
        date_formats={c: f for c, f in formats.items() if f != common},
        number_format=number_format,
        values=values,
        time_of_day=time_of_day,
    )
    return MapSuggestion(table=name, mapping=ExportMap(tables={name: table_map}), notes=tuple(notes))
