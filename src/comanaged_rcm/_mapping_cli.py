"""``comanaged-rcm map``: suggest a mapping document for an export, or check one.

* ``map --suggest FILE.csv --table transactions [--sample N] [--output MAP.json]``: a starting
  mapping inferred from the header and the first rows, as JSON on stdout (or written to ``--output``
  all or nothing), with the notes (what to check or add by hand) on stderr.
* ``map --check MAP.json``: validate a mapping document; exit 0 when it is good, 2 with every
  issue otherwise.

Files are UTF-8 unless ``--encoding`` says otherwise; a BOM is detected.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from comanaged_rcm import _io
from comanaged_rcm.errors import ValidationError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``map`` subcommand."""
    from comanaged_rcm.mapping import TABLES  # noqa: PLC0415 - the command line stays light to start

    parser = subparsers.add_parser(
        "map",
        help="suggest a mapping document for an export (--suggest), or check one (--check)",
        description="Mapping documents adapt a billing system's export (its headers, date and number"
        " formats, codes) to the library's tables without rewriting the file.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--suggest", metavar="CSV", help="infer a starting mapping from this export")
    what.add_argument("--check", metavar="JSON", help="validate this mapping document")
    parser.add_argument("--table", choices=TABLES, help="the table the export holds (with --suggest)")
    parser.add_argument("--sample", type=int, help="data rows read for --suggest (default 1000)")
    parser.add_argument(
        "--output", dest="out", metavar="FILE", help="write the suggested mapping here instead of stdout"
    )
    _io.add_encoding_option(parser)
    parser.set_defaults(handler=_map)


def _refuse(flag: str, message: str) -> ValidationError:
    return ValidationError.single(flag, "usage", message)


def _map(args: argparse.Namespace) -> int:
    from comanaged_rcm.mapping import load_map, suggest_map  # noqa: PLC0415

    if args.check is not None:
        for flag, given in (("--table", args.table), ("--sample", args.sample), ("--output", args.out)):
            if given is not None:
                raise _refuse(flag, f"{flag} applies to --suggest, not to --check")
        document = load_map(args.check, encoding=args.encoding)
        tables = ", ".join(document.tables) or "no tables"
        sys.stdout.write(
            f"{args.check}: a valid mapping document (version {document.schema_version}; {tables})\n"
        )
        return 0
    if args.table is None:
        raise _refuse("--table", "--suggest needs --table (the table the export holds)")
    sample = 1000 if args.sample is None else args.sample
    if sample < 1:
        raise _refuse("--sample", f"--sample must be >= 1 (got {sample})")
    found = suggest_map(args.suggest, args.table, sample=sample, encoding=args.encoding)
    text = found.to_json() + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        target = Path(_io.check_path(args.out, "--output"))
        with _io.staged(target.parent if str(target.parent) else ".", where="--output") as stage:
            stage.write_text(target.name, text)
        sys.stderr.write(f"wrote {target}\n")
    for note in found.notes:
        sys.stderr.write(f"note: {note}\n")
    return 0
