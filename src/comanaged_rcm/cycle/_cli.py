"""``comanaged-rcm demo``, ``report``, ``decide``, ``ack`` and ``engagement``: the cycle from the shell.

Input files are UTF-8 unless ``--encoding`` says otherwise (a BOM is detected). ``--out DIR``
writes ``report.md``, ``report.html`` and ``report.json`` all or nothing: on any failure DIR is
left as it was. ``report --history DB`` keeps the engagement's weeks in a SQLite file, and
``decide`` and ``ack`` append the provider's decisions and acknowledgements to its audit trail.
``report --engine duckdb`` reads Parquet files (or, with ``--database``, a DuckDB database's
tables) and computes what it reads of the ledger and the submissions inside DuckDB.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import pathlib
import sys

from comanaged_rcm import _io
from comanaged_rcm._check import real, show, suggest
from comanaged_rcm.cycle._data import CycleData, read_cycle_csv
from comanaged_rcm.cycle._engagement import (
    SCHEMA_VERSION,
    Engagement,
    default_engagement,
    engagement_from_document,
)
from comanaged_rcm.cycle._render import render_json, render_markdown, render_text, write_report
from comanaged_rcm.cycle._report import GovernanceReport
from comanaged_rcm.cycle._run import run_cycle
from comanaged_rcm.cycle._store import Acknowledgement, Decision, SQLiteHistory, Verdict, open_history
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation import AlertStatus
from comanaged_rcm.mapping import ExportMap
from comanaged_rcm.raci import CLIENT_RESERVED_DECISIONS
from comanaged_rcm.serialize import to_json

__all__ = ["register"]

DEMO_SEED = 7
DEMO_CLAIMS = 20_000

_ALIASES = {"claims": "submissions", "activity": "work-items"}
"""Deprecated ``report`` flags and the flag each stands for."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo``, ``report`` and ``engagement`` subcommands."""
    demo = subparsers.add_parser(
        "demo",
        help="run the weekly governance cycle on a synthetic book",
        description="Generate a seeded synthetic co-managed book, run the default engagement's "
        "governance cycle on its last complete week and print the report.",
    )
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help=f"generator seed (default {DEMO_SEED})")
    demo.add_argument(
        "--claims", type=int, default=DEMO_CLAIMS, help=f"claims in the book (default {DEMO_CLAIMS:,})"
    )
    demo.add_argument("--out", metavar="DIR", help="also write report.md, report.html and report.json here")
    demo.set_defaults(handler=_demo)

    report = subparsers.add_parser(
        "report",
        help="run the governance cycle on your own CSV exports",
        description="Run an engagement's governance cycle on CSV exports. Dates are ISO; --as-of is the "
        "last day counted (the report holds at its close and covers the last complete period whose last"
        " day is on or before it: a Monday-Sunday week is reported as of its Sunday or any day up to the"
        " next Saturday).",
    )
    report.add_argument("--engagement", required=True, metavar="JSON", help="engagement JSON")
    report.add_argument(
        "--engine",
        choices=("numpy", "duckdb"),
        default="numpy",
        help="where the ledger is read: numpy reads CSV exports into memory (the default); duckdb"
        " reads Parquet files (a path or a glob such as 'ledger/*.parquet') or, with --database,"
        " tables of a DuckDB database, and computes the KPIs, the margin and the claims the"
        " escalation rules read inside DuckDB (the work items and QA results are read into memory)",
    )
    report.add_argument(
        "--database", metavar="FILE", help="with --engine duckdb: a DuckDB database whose tables these are"
    )
    report.add_argument(
        "--transactions",
        required=True,
        metavar="CSV",
        help="transactions ledger (with --engine duckdb: Parquet files, or a table of --database)",
    )
    report.add_argument("--submissions", metavar="CSV", help="claim submissions (required; likewise)")
    report.add_argument("--work-items", metavar="CSV", help="work-item log (required; likewise)")
    report.add_argument("--audits", metavar="CSV", help="QA results (item_id, workflow, error; likewise)")
    add_map_option(report, " (default: the engagement's mapping section; giving both is refused)")
    for old, new in _ALIASES.items():
        report.add_argument(
            f"--{old}", metavar="CSV", help=f"deprecated alias of --{new}, accepted for one more release"
        )
    report.add_argument(
        "--as-of",
        required=True,
        metavar="DATE",
        help="the last day counted; the report covers the last complete period through it",
    )
    report.add_argument(
        "--allow-partial",
        action="store_true",
        help="report on a period the data does not cover (past its last day, or a KPI window before its"
        " first), with a banner saying which days have no data, instead of refusing it",
    )
    report.add_argument("--out", metavar="DIR", help="also write report.md, report.html and report.json here")
    report.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="what to print (default text)"
    )
    report.add_argument(
        "--history",
        metavar="DB",
        help="the engagement's history, a SQLite file (created when missing): the week continues from the"
        " last recorded one instead of replaying a fixed window, applies the acknowledgements recorded"
        " since, and is recorded there in one transaction (a week before the last recorded one is"
        " refused; the last one again is run again and replaced); weekly cadences only",
    )
    _io.add_encoding_option(report)
    report.set_defaults(handler=_report)

    _register_log(subparsers)

    engagement = subparsers.add_parser(
        "engagement",
        help="print the default engagement document (JSON) to start your own from",
        description="Print the default engagement as JSON (and, on stderr, the engagement schema"
        f" version this release writes: {SCHEMA_VERSION}), or check an engagement file.",
    )
    engagement.add_argument("--check", metavar="JSON", help="check this file instead of printing the default")
    _io.add_encoding_option(engagement)
    engagement.set_defaults(handler=_engagement)


def _positive(value: int, flag: str) -> None:
    if value < 1:
        raise ValidationError.single(flag, "range", f"{flag} must be >= 1 (got {value})")


def _demo(args: argparse.Namespace) -> int:
    from comanaged_rcm.synthetic import generate_book  # noqa: PLC0415 - only the demo needs the generator

    _positive(args.claims, "--claims")
    book = generate_book(seed=args.seed, claims=args.claims)
    # as of the day after the book's last day, the day 'synthetic export' prints: the report
    # covers the last complete week through it, the book's last
    report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.end)
    print(render_text(report))
    if args.out:
        _write(report, args.out)
    return 0


def _write(report: GovernanceReport, directory: str) -> None:
    """Write the report's three files into ``directory``, all or nothing."""
    for path in write_report(report, directory).values():
        print(f"wrote {path}", file=sys.stderr)


def _load_engagement(path: str, encoding: str | None, flag: str) -> Engagement:
    """An engagement file, structurally valid and with every cross-reference checked."""
    return engagement_from_document(_io.read_json(path, encoding=encoding, where=flag))


def _report(args: argparse.Namespace) -> int:
    as_of = _io.parse_date(args.as_of, "--as-of", example="2026-11-02")
    engagement = _load_engagement(args.engagement, args.encoding, "--engagement")
    files = {"transactions": args.transactions, "audits": args.audits}
    for old, new in _ALIASES.items():
        files.update(_flag_file(args, old, new))
    if args.engine == "duckdb":
        data = _warehouse_data(args, files)
        return _run_report(args, engagement, data, as_of)
    if args.database is not None:
        raise ValidationError.single("--database", "usage", "--database applies only with --engine duckdb")
    mapping = engagement.mapping
    if args.map is not None:
        if mapping is not None:
            message = f"give --map or a mapping section in --engagement {args.engagement}, not both"
            raise ValidationError.single("--map", "usage", message)
        mapping = load_map_option(args.map, args.encoding)
    try:
        data = read_cycle_csv(**files, encoding=args.encoding, mapping=mapping)
    except ValidationError as exc:  # an argument's issue names the flag that gave it
        flags = {f"$.{name}": f"--{name.replace('_', '-')}" for name in files}
        raise ValidationError(
            Issue(flags.get(i.path, i.path), i.code, i.message) for i in exc.issues
        ) from None
    return _run_report(args, engagement, data, as_of)


def _warehouse_data(args: argparse.Namespace, files: dict[str, str | None]) -> CycleData:
    """``--engine duckdb``: the tables opened in DuckDB (Parquet or a database's tables), checked there."""
    from comanaged_rcm.kpi import LazyBook  # noqa: PLC0415 - only with --engine duckdb
    from comanaged_rcm.kpi._lazy import duckdb_connection, duckdb_source  # noqa: PLC0415 - likewise

    for flag, given in (("--map", args.map), ("--encoding", args.encoding)):
        if given is not None:
            message = f"{flag} applies to CSV exports, not with --engine duckdb (Parquet is typed)"
            raise ValidationError.single(flag, "usage", message)
    tables = {name: path for name, path in files.items() if path is not None and name != "audits"}
    flags = {f"$.{name}": f"--{name.replace('_', '-')}" for name in (*files, "database")}
    flags["$.audits"] = "--audits"
    try:
        connection = duckdb_connection(args.database, None)
        book = LazyBook.duckdb(**tables, connection=connection)  # type: ignore[arg-type] # table paths
        issues: list[Issue] = []
        audits = None
        if files.get("audits") is not None:
            audits = duckdb_source(connection, files["audits"], "$.audits", issues)
        if issues:
            raise ValidationError(issues)  # noqa: TRY301 - moved to the flags with the others below
        order = ("transactions", "submissions", "work_items", "activity", "claims", "audits")
        shown = ", ".join(str(files[name]) for name in order if files.get(name) is not None)
        return CycleData.from_warehouse(book, audits=audits, source=f"DuckDB ({shown})")
    except ValidationError as exc:  # an argument's issue names the flag that gave it
        raise _at_flags(exc, flags) from None


def _run_report(
    args: argparse.Namespace, engagement: Engagement, data: CycleData, as_of: datetime.date
) -> int:
    """Run the cycle on ``data`` and print (and write) its report, as ``report`` was asked."""
    history = None if args.history is None else _open(args.history, create=True)
    try:
        report = run_cycle(engagement, data, as_of, allow_partial=args.allow_partial, history=history)
    except ValidationError as exc:  # the period the data does not cover: say it in the flags' words
        flags = {"$.as_of": "--as-of", "$.history": "--history"}
        raise ValidationError(
            Issue(flags[i.path], i.code, _flags(i.message)) if i.path in flags else i for i in exc.issues
        ) from None
    for finding in (*report.data_findings, *report.history):
        print(
            f"comanaged-rcm report: {finding.severity}: {finding.message} @ {finding.path}", file=sys.stderr
        )
    printers = {"text": render_text, "markdown": render_markdown, "json": render_json}
    print(printers[args.format](report))
    if history is not None:
        print(f"recorded week {report.period.start} in {history.path}", file=sys.stderr)
    if args.out:
        _write(report, args.out)
    return 0


def add_map_option(parser: argparse.ArgumentParser, note: str = "") -> None:
    """Add ``--map FILE``: a mapping document (``comanaged-rcm map --suggest`` starts one)."""
    parser.add_argument(
        "--map",
        metavar="JSON",
        help=f"a mapping document: how the exports name and write their columns{note}",
    )


def load_map_option(path: str, encoding: str | None) -> ExportMap:
    """The mapping document of ``--map``; a file that cannot be read is named by the flag."""
    from comanaged_rcm.mapping import load_map  # noqa: PLC0415 - only with --map

    try:
        return load_map(path, encoding=encoding)
    except ValidationError as exc:
        raise ValidationError(
            Issue("--map" if i.path == "$.source" else i.path, i.code, i.message) for i in exc.issues
        ) from None


def _flags(message: str) -> str:
    """A run_cycle message about ``as_of`` in the words of the command line."""
    return message.replace("'as_of'", "--as-of").replace("allow_partial=True", "--allow-partial")


def _flag_file(args: argparse.Namespace, old: str, new: str) -> dict[str, str]:
    """The file given by ``--new`` or its deprecated alias ``--old``, keyed by the parameter used."""
    given = {
        flag: value
        for flag, value in ((new, getattr(args, new.replace("-", "_"))), (old, getattr(args, old)))
        if value
    }
    if len(given) == 2:
        raise ValidationError.single(
            f"--{old}", "usage", f"give --{new} or its deprecated alias --{old}, not both"
        )
    if not given:
        raise ValidationError.single(f"--{new}", "required", f"--{new} is required (a CSV file)")
    flag, value = given.popitem()
    return {flag.replace("-", "_"): value}


def _engagement(args: argparse.Namespace) -> int:
    if args.check:
        engagement = _load_engagement(args.check, args.encoding, "--check")
        print(
            f"{args.check}: engagement {engagement.id!r} version {engagement.version}"
            f" (schema version {engagement.schema_version}) checks clean"
        )
        return 0
    print(to_json(default_engagement(), indent=2))
    print(f"engagement schema version {SCHEMA_VERSION}", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------ decide and ack
_LOG_RULES = (
    " The history must hold a recorded week (run report --history first): the record is filed under"
    " the last one, whose report it answers, and the next report --history shows it. --at is an ISO"
    " datetime with a UTC offset (2026-11-24T09:30-05:00, or Z for UTC); without it, now in UTC."
    " The trail is append-only: the same record again changes nothing (it says it was already"
    " there); to change one, record a new one."
)


def _register_log(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``decide`` and ``ack``: the provider's decision and acknowledgement log."""
    decide = subparsers.add_parser(
        "decide",
        help="record a decision of the provider (approve, deny, defer) in the engagement's history",
        description="Record a client-reserved decision (write-off, appeal strategy...) in the history's"
        " append-only audit trail." + _LOG_RULES + " --id defaults to an id made from the decision's"
        " content; the same id with other content is refused.",
    )
    _history_option(decide)
    decide.add_argument(
        "--decision",
        required=True,
        metavar="TYPE",
        help=f"the decision type: one of {', '.join(sorted(CLIENT_RESERVED_DECISIONS))}",
    )
    decide.add_argument(
        "--key", required=True, help="the item or group decided on (a claim id, an alert key)"
    )
    decide.add_argument(
        "--verdict", required=True, choices=[v.value for v in Verdict], help="approve, deny or defer"
    )
    _actor_options(decide)
    decide.add_argument("--amount", metavar="X", help="the amount at stake, when known (a number >= 0)")
    decide.add_argument("--id", help="the decision's id (default: made from its content)")
    decide.set_defaults(handler=_decide)

    ack = subparsers.add_parser(
        "ack",
        help="record an acknowledgement of an escalation alert in the engagement's history",
        description="Record that an escalation alert (by its key, as the report's JSON shows it) is"
        " acknowledged: the next report --history applies it to the alert if it is firing at that"
        " moment, which stops the alert climbing its ladder, and says so if it is not." + _LOG_RULES,
    )
    _history_option(ack)
    ack.add_argument("--key", required=True, help="the alert's key (dedup_key in the report's JSON)")
    _actor_options(ack)
    ack.set_defaults(handler=_ack)


def _history_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--history", required=True, metavar="DB", help="the engagement's history (made by report --history)"
    )


def _actor_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--actor", required=True, help="who decides or acknowledges (a party id or a name)")
    parser.add_argument("--note", default="", help="why, or what happens next")
    parser.add_argument(
        "--at", metavar="DATETIME", help="when, as an ISO datetime with a UTC offset (default: now, in UTC)"
    )


def _open(path: str, *, create: bool) -> SQLiteHistory:
    """The history of ``--history``; a missing (without ``create``) or foreign file named by the flag."""
    path = _io.check_path(path, "--history")
    if not create and not pathlib.Path(path).exists():
        message = f"no history at {show(path)}: run report --history {show(path)} first"
        raise ValidationError.single("--history", "file", message)
    try:
        return open_history(path, create=create)
    except ValidationError as exc:
        raise _at_flags(exc, {"$.path": "--history"}) from None


def _at_flags(exc: ValidationError, flags: dict[str, str]) -> ValidationError:
    """``exc`` with the issues at the paths of ``flags`` moved to the flag that gave the value."""
    return ValidationError(Issue(flags.get(i.path, i.path), i.code, i.message) for i in exc.issues)


def _last_week(history: SQLiteHistory) -> datetime.date:
    """The week a record is filed under: the last recorded one."""
    week = history.last_week()
    if week is None:
        message = f"the history {show(history.path)} has no recorded week yet: run report --history first"
        raise ValidationError.single("--history", "state", message)
    return week


def _moment(text: str | None) -> datetime.datetime:
    """``--at``: an ISO datetime with a UTC offset, or now in UTC."""
    if text is None:
        return datetime.datetime.now(datetime.UTC)
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        message = f"--at must be an ISO datetime like 2026-11-24T09:30-05:00 (got {show(text)})"
        raise ValidationError.single("--at", "type", message) from None
    if moment.utcoffset() is None:
        message = (
            "--at must say its UTC offset, as in 2026-11-24T09:30-05:00 or 2026-11-24T14:30Z"
            f" (got {show(text)}): the trail orders records by instant"
        )
        raise ValidationError.single("--at", "value", message)
    if not _io.EARLIEST <= moment.date() <= _io.LATEST:
        message = f"--at must be between {_io.EARLIEST} and {_io.LATEST} (got {moment.date()})"
        raise ValidationError.single("--at", "range", message)
    return moment


def _amount(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        message = f"--amount must be a number like 1200 or 1200.50 (got {show(text)})"
        raise ValidationError.single("--amount", "type", message) from None
    return real(value, "--amount", minimum=0)


_FLAGS = {f"$.{name}": f"--{name}" for name in ("id", "decision", "key", "actor", "note", "amount", "at")}
"""A record's fields and the flags that give them."""


def _decide(args: argparse.Namespace) -> int:
    if args.decision not in CLIENT_RESERVED_DECISIONS:
        message = (
            f"--decision must be a client-reserved decision type, one of"
            f" {', '.join(sorted(CLIENT_RESERVED_DECISIONS))} (got {show(args.decision)})"
            f"{suggest(args.decision, CLIENT_RESERVED_DECISIONS)}"
        )
        raise ValidationError.single("--decision", "value", message)
    at, amount = _moment(args.at), _amount(args.amount)
    content = {
        "decision": args.decision, "key": args.key, "verdict": args.verdict, "actor": args.actor,
        "at": at.astimezone(datetime.UTC).isoformat(), "note": args.note, "amount": amount,
    }  # fmt: skip
    made = hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()
    try:
        decision = Decision(
            id=f"d-{made[:16]}" if args.id is None else args.id, decision=args.decision, key=args.key,
            verdict=Verdict(args.verdict), actor=args.actor, at=at, note=args.note, amount=amount,
        )  # fmt: skip
    except ValidationError as exc:
        raise _at_flags(exc, _FLAGS) from None
    _, week, added = _append(args.history, decision)
    shown = "" if decision.amount is None else f", {decision.amount:,.2f} at stake"
    print(
        f"{_RECORDED[added]} decision {decision.id}: {decision.verdict.value} {decision.decision} of"
        f" {show(decision.key)} by {show(decision.actor)} at {decision.at.isoformat()}{shown} (week {week})"
    )
    return 0


_RECORDED = {True: "recorded", False: "already recorded, nothing changed:"}


def _append(path: str, record: Decision | Acknowledgement) -> tuple[SQLiteHistory, datetime.date, bool]:
    """Append ``record`` to the trail of ``--history``, filed under its last week (and whether it was new)."""
    history = _open(path, create=False)
    week = _last_week(history)
    try:
        if isinstance(record, Decision):
            added = history.record_decision(record, week=week)
        else:
            added = history.record_ack(record, week=week)
    except ValidationError as exc:  # the id (or the moment) recorded with other content
        raise _at_flags(exc, {"$.decision": "--id", "$.ack": "--note"}) from None
    return history, week, added


def _ack(args: argparse.Namespace) -> int:
    at = _moment(args.at)
    try:
        ack = Acknowledgement(key=args.key, actor=args.actor, at=at, note=args.note)
    except ValidationError as exc:
        raise _at_flags(exc, _FLAGS) from None
    history, week, added = _append(args.history, ack)
    print(
        f"{_RECORDED[added]} acknowledgement of {show(ack.key)} by {show(ack.actor)} at"
        f" {ack.at.isoformat()} (week {week})"
    )
    alerts = history.load(week).state.alerts
    firing = [key for key, alert in alerts.items() if alert.status is AlertStatus.FIRING]
    if ack.key not in firing:
        print(
            f"comanaged-rcm ack: warning: no alert with the key {show(ack.key)} was firing at the end of week"
            f" {week}{suggest(ack.key, firing)}; the next report --history says whether it applied",
            file=sys.stderr,
        )
    return 0
