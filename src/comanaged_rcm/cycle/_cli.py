"""``comanaged-rcm demo``, ``report`` and ``engagement``: the governance cycle from the shell."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from comanaged_rcm.cycle._data import CycleData, read_cycle_csv
from comanaged_rcm.cycle._engagement import default_engagement, load_engagement
from comanaged_rcm.cycle._render import render_json, render_markdown, render_text, write_report
from comanaged_rcm.cycle._run import run_cycle
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.serialize import to_json

__all__ = ["register"]

DEMO_SEED = 7
DEMO_CLAIMS = 20_000


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
    report.add_argument("--engagement", required=True, metavar="FILE", help="engagement JSON")
    report.add_argument("--claims", required=True, metavar="CSV", help="claim submissions")
    report.add_argument("--transactions", required=True, metavar="CSV", help="transactions ledger")
    report.add_argument("--activity", required=True, metavar="CSV", help="work-item log")
    report.add_argument("--audits", metavar="CSV", help="QA results (item_id, workflow, error)")
    report.add_argument("--as-of", required=True, metavar="DATE")
    report.add_argument("--out", metavar="DIR", help="also write report.md, report.html and report.json here")
    report.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="what to print (default text)"
    )
    report.set_defaults(handler=_report)

    engagement = subparsers.add_parser(
        "engagement",
        help="print the default engagement document (JSON) to start your own from",
        description="Print the default engagement as JSON, or check an engagement file.",
    )
    engagement.add_argument("--check", metavar="FILE", help="check FILE instead of printing the default")
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
        for path in write_report(report, args.out).values():
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    try:
        as_of = datetime.date.fromisoformat(args.as_of)
    except ValueError:
        message = f"expected an ISO date like 2026-11-02 (got {args.as_of!r})"
        raise ValidationError.single("--as-of", "type", message) from None
    engagement = load_engagement(Path(args.engagement))
    data = read_cycle_csv(
        claims=args.claims, transactions=args.transactions, activity=args.activity, audits=args.audits
    )
    report = run_cycle(engagement, data, as_of)
    printers = {"text": render_text, "markdown": render_markdown, "json": render_json}
    print(printers[args.format](report))
    if args.out:
        for path in write_report(report, args.out).values():
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _engagement(args: argparse.Namespace) -> int:
    if args.check:
        engagement = load_engagement(Path(args.check))
        print(f"{args.check}: engagement {engagement.id!r} version {engagement.version} checks clean")
        return 0
    print(to_json(default_engagement(), indent=2))
    return 0
