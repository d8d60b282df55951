"""``comanaged-rcm demo``, ``report`` and ``engagement``: the governance cycle from the shell.

Input files are UTF-8 unless ``--encoding`` says otherwise (a BOM is detected). ``--out DIR``
writes ``report.md``, ``report.html`` and ``report.json`` all or nothing: on any failure DIR is
left as it was.
"""

from __future__ import annotations

import argparse
import sys

from comanaged_rcm import _io
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
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.mapping import ExportMap
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
        "first day not reported on (the report covers the last complete period before it).",
    )
    report.add_argument("--engagement", required=True, metavar="JSON", help="engagement JSON")
    report.add_argument("--transactions", required=True, metavar="CSV", help="transactions ledger")
    report.add_argument("--submissions", metavar="CSV", help="claim submissions (required)")
    report.add_argument("--work-items", metavar="CSV", help="work-item log (required)")
    report.add_argument("--audits", metavar="CSV", help="QA results (item_id, workflow, error)")
    add_map_option(report, " (default: the engagement's mapping section; giving both is refused)")
    for old, new in _ALIASES.items():
        report.add_argument(
            f"--{old}", metavar="CSV", help=f"deprecated alias of --{new}, accepted for one more release"
        )
    report.add_argument("--as-of", required=True, metavar="DATE")
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
    _io.add_encoding_option(report)
    report.set_defaults(handler=_report)

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
    try:
        report = run_cycle(engagement, data, as_of, allow_partial=args.allow_partial)
    except ValidationError as exc:  # the period the data does not cover: say it in the flags' words
        raise ValidationError(
            Issue("--as-of", i.code, _flags(i.message)) if i.path == "$.as_of" else i for i in exc.issues
        ) from None
    for finding in report.data_findings:
        print(
            f"comanaged-rcm report: {finding.severity}: {finding.message} @ {finding.path}", file=sys.stderr
        )
    printers = {"text": render_text, "markdown": render_markdown, "json": render_json}
    print(printers[args.format](report))
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
