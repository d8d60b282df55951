"""``comanaged-rcm kpi``: print the scorecard of CSV exports for a period.

The period is given by its first and last day, both counted (``--from 2026-01-01 --through
2026-01-31``); ``--to``, the first day not counted, is still taken in place of ``--through``.
``--as-of`` is the last day snapshot measures count (A/R, backlog at its close), the period's
last day by default.
"""

from __future__ import annotations

import argparse
import datetime
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy.typing as npt

from comanaged_rcm import _io
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi._api import evaluate
from comanaged_rcm.kpi._book import Book, csv_columns, locate_in_csv
from comanaged_rcm.kpi._lazy import LazyBook
from comanaged_rcm.periods import Period
from comanaged_rcm.tables import read_csv

if TYPE_CHECKING:
    from comanaged_rcm.cycle._data import DataDates
    from comanaged_rcm.kpi._results import Scorecard
    from comanaged_rcm.mapping import ExportMap

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``kpi`` subcommand."""
    parser = subparsers.add_parser(
        "kpi",
        help="print a KPI scorecard from CSV exports",
        description="Compute the KPI scorecard of a period from CSV exports. Dates are ISO (2026-01-31). "
        "The period runs from --from through --through, both days counted (--to, the first day not "
        "counted, may be given instead of --through); --as-of is the last day counted by A/R and the "
        "other snapshots (they hold at its close), the period's last day by default.",
    )
    parser.add_argument(
        "--engine",
        choices=("numpy", "duckdb"),
        default="numpy",
        help="where the measures are computed: numpy reads CSV exports into memory (the default);"
        " duckdb reads Parquet files (a path or a glob such as 'ledger/*.parquet') or, with"
        " --database, tables of a DuckDB database, out of core",
    )
    parser.add_argument(
        "--database",
        metavar="FILE",
        help="with --engine duckdb: a DuckDB database whose tables the names are",
    )
    parser.add_argument("--transactions", required=True, metavar="CSV")
    parser.add_argument("--submissions", metavar="CSV")
    parser.add_argument("--work-items", metavar="CSV")
    parser.add_argument("--ledger", metavar="CSV")
    parser.add_argument("--from", dest="start", required=True, metavar="DATE", help="the period's first day")
    parser.add_argument(
        "--through", metavar="DATE", help="the period's last day, counted (give it or --to, not both)"
    )
    parser.add_argument(
        "--to",
        dest="end",
        metavar="DATE",
        help="the first day after the period, not counted (instead of --through)",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="the last day counted by snapshot measures (A/R, backlog at its close); on or after the"
        " period's last day (default: the period's last day)",
    )
    parser.add_argument("--by", default="", help="slice dimensions, comma-separated (payer,team)")
    parser.add_argument(
        "--convention", action="append", default=[], metavar="FAMILY=OPTION", help="repeat for each choice"
    )
    parser.add_argument("--metrics", default="", help="KPI ids, comma-separated (default: all)")
    parser.add_argument("--format", choices=("text", "markdown"), default="text")
    parser.add_argument(
        "--map", metavar="JSON", help="a mapping document: how the exports name and write their columns"
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="report a period the data does not cover (past its last posting date, or before its first),"
        " with a banner saying which days have no data, instead of refusing it",
    )
    _io.add_encoding_option(parser)
    parser.set_defaults(handler=_run)


def _date(text: str, flag: str) -> datetime.date:
    return _io.parse_date(text, flag)


def _read(
    path: str, table: str, encoding: str | None, mapping: ExportMap | None
) -> dict[str, npt.NDArray[Any]]:
    flag = "--" + table.replace("_", "-")
    name = Path(path).name
    text = _io.read_text(path, encoding=encoding, where=flag, label=name)
    if mapping is None:
        return read_csv(io.StringIO(text, newline=""), csv_columns(table), name=name)
    return read_csv(
        io.StringIO(text, newline=""), csv_columns(table), name=name, mapping=mapping.table(table)
    )


def _period(args: argparse.Namespace) -> Period:
    """The period of ``--from`` and ``--through`` (its last day) or ``--to`` (the day after it)."""
    start = _date(args.start, "--from")
    if (args.through is None) == (args.end is None):
        both = args.through is not None
        message = (
            "give the period's last day with --through (counted) or the day after it with --to, not both"
            if both
            else "--through is required: the period's last day, counted (or --to, the first day after it)"
        )
        raise ValidationError.single("--to" if both else "--through", "usage", message)
    if args.through is not None:
        last = _date(args.through, "--through")
        if last < start:
            message = (
                f"--through (the period's last day, counted) must be on or after --from ({start})"
                f" (got {last})"
            )
            raise ValidationError.single("--through", "range", message)
        return Period(start, last + datetime.timedelta(days=1))
    end = _date(args.end, "--to")
    if end <= start:
        message = (
            f"--to (the first day after the period, not counted) must be after --from ({start}) (got {end})"
        )
        raise ValidationError.single("--to", "range", message)
    return Period(start, end)


def _as_of(text: str | None, period: Period) -> datetime.date | None:
    """``--as-of``: the last day counted, on or after the period's last day."""
    if text is None:
        return None
    as_of = _date(text, "--as-of")
    if as_of < period.last_day:
        message = (
            f"--as-of is the last day counted and must be on or after the period's last day"
            f" {period.last_day} (got {as_of})"
        )
        raise ValidationError.single("--as-of", "range", message)
    return as_of


def _run(args: argparse.Namespace) -> int:
    period = _period(args)
    as_of = _as_of(args.as_of, period)
    conventions = {}
    for choice in args.convention:
        family, sep, option = choice.partition("=")
        if not sep:
            raise ValidationError.single("--convention", "format", f"expected FAMILY=OPTION (got {choice!r})")
        conventions[family.strip()] = option.strip()
    files = {"transactions": args.transactions}
    optional = (("submissions", args.submissions), ("work_items", args.work_items), ("ledger", args.ledger))
    files.update({table: path for table, path in optional if path})
    by = [d.strip() for d in args.by.split(",") if d.strip()]
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] or None
    if args.engine == "duckdb":
        return _run_duckdb(args, files, period, as_of, conventions, by, metrics)
    if args.database is not None:
        raise ValidationError.single("--database", "usage", "--database applies only with --engine duckdb")
    mapping = None
    if args.map is not None:
        from comanaged_rcm.cycle._cli import load_map_option  # noqa: PLC0415 - the CLI layer sits on top

        mapping = load_map_option(args.map, args.encoding)
    tables = {table: _read(path, table, args.encoding, mapping) for table, path in files.items()}
    try:
        book = Book(**tables)
    except ValidationError as exc:  # values the book refuses: point at the file's line, as for cells
        raise locate_in_csv(exc, files) from None
    from comanaged_rcm.cycle._data import data_dates  # noqa: PLC0415 - the CLI layer sits on top

    banner = _coverage(
        period, data_dates(tables), allow_partial=args.allow_partial, through=args.through is not None
    )
    card = evaluate(book, period, as_of=as_of, by=by, conventions=conventions, metrics=metrics)
    _print(args, banner, card)
    return 0


def _print(args: argparse.Namespace, banner: str, card: Scorecard) -> None:
    if banner:
        print(f"> **{banner}**\n" if args.format == "markdown" else f"!! {banner}\n")
    print(card.to_markdown() if args.format == "markdown" else card.to_text())


def _run_duckdb(  # noqa: PLR0917 - the parsed request, passed on
    args: argparse.Namespace,
    files: dict[str, str],
    period: Period,
    as_of: datetime.date | None,
    conventions: dict[str, str],
    by: list[str],
    metrics: list[str] | None,
) -> int:
    """``--engine duckdb``: the tables read and scored inside DuckDB, never loaded into Python."""
    for flag, given in (("--map", args.map), ("--encoding", args.encoding)):
        if given is not None:
            raise ValidationError.single(
                flag, "usage", f"{flag} applies to CSV exports, not with --engine duckdb (Parquet is typed)"
            )
    book = LazyBook.duckdb(**files, database=args.database)  # type: ignore[arg-type] # table paths
    banner = _coverage(
        period, _lazy_dates(book), allow_partial=args.allow_partial, through=args.through is not None
    )
    card = evaluate(book, period, as_of=as_of, by=by, conventions=conventions, metrics=metrics)
    _print(args, banner, card)
    return 0


def _lazy_dates(book: LazyBook) -> DataDates | None:
    """The transactions' first and last posting dates, asked of the engine."""
    from comanaged_rcm.cycle._data import DataDates  # noqa: PLC0415 - the CLI layer sits on top
    from comanaged_rcm.cycle._warehouse import span  # noqa: PLC0415

    found = span(book, "transactions", ("posting_date",))
    return None if found is None else DataDates("transactions posted", *found)


def _coverage(
    period: Period,
    dates: DataDates | None,
    *,
    allow_partial: bool,
    through: bool = True,
) -> str:
    """Refuse a period the data does not cover (see ``cycle.run_cycle``); the banner when allowed."""
    from comanaged_rcm.cycle._data import coverage  # noqa: PLC0415 - the CLI layer sits on top

    refusals, banner = coverage(("the period", period), ("the period", period), dates)
    if refusals and not allow_partial:
        last = any("runs past" in refusal for refusal in refusals)
        flag = ("--through" if through else "--to") if last else "--from"
        message = (
            f"--from {period.start} --through {period.last_day} (both days counted): {'; '.join(refusals)};"
            " pass --allow-partial to report anyway"
        )
        raise ValidationError.single(flag, "coverage", message)
    return banner
