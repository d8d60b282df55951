"""``comanaged-rcm synthetic export DIR``: a seeded synthetic book as the CSV exports ``report`` reads.

``comanaged-rcm synthetic parquet DIR --transactions N``: a ledger of at least N transactions as
Parquet part files (see :func:`comanaged_rcm.synthetic.write_parquet`), generated in chunks.

The files are those of :func:`comanaged_rcm.synthetic.write_csv` (``transactions.csv``,
``submissions.csv``, ``work_items.csv``, ``audits.csv``) and ``engagement.json``, the default
engagement; all are written all or nothing. The command prints the ``report`` command that reads
them back: with the same ``--seed`` and ``--claims`` it prints the report ``comanaged-rcm demo``
prints, but for the line naming the data source.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from comanaged_rcm import _io
from comanaged_rcm.errors import ValidationError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``synthetic`` subcommand and its actions ``export`` and ``parquet``."""
    from comanaged_rcm.cycle._cli import DEMO_CLAIMS, DEMO_SEED  # noqa: PLC0415 - the demo's defaults

    parser = subparsers.add_parser(
        "synthetic",
        help="write a seeded synthetic book as CSV exports (export) or a large ledger as Parquet (parquet)",
        description="Seeded synthetic co-managed books of business.",
    )
    actions = parser.add_subparsers(dest="synthetic_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write the book's CSV exports and the default engagement into DIR",
        description="Write transactions.csv, submissions.csv, work_items.csv, audits.csv (the QA"
        " result the generator knows for every work item) and engagement.json (the default"
        " engagement) into DIR, all or nothing, and print the 'report' command that reads them:"
        " with the same --seed and --claims it prints the report 'demo' prints.",
    )
    export.add_argument("directory", metavar="DIR", help="where to write (created when missing)")
    export.add_argument("--seed", type=int, default=DEMO_SEED, help=f"generator seed (default {DEMO_SEED})")
    export.add_argument(
        "--claims", type=int, default=DEMO_CLAIMS, help=f"claims in the book (default {DEMO_CLAIMS:,})"
    )
    export.set_defaults(handler=_export)
    parquet = actions.add_parser(
        "parquet",
        help="write a ledger of at least N transactions as Parquet, in chunks, into DIR",
        description="Write DIR/transactions/, DIR/submissions/ and DIR/work_items/, one Parquet part"
        " file per chunk of --chunk-claims claims, all or nothing, until at least --transactions"
        " transactions are written (whole chunks: no claim's history is cut). Claim and item ids are"
        " unique across chunks (C00003-0000017 is claim C0000017 of chunk 3). Needs pyarrow.",
    )
    parquet.add_argument("directory", metavar="DIR", help="where to write (created when missing)")
    parquet.add_argument(
        "--transactions", type=int, required=True, metavar="N", help="the fewest transactions to write"
    )
    parquet.add_argument("--seed", type=int, default=7, help="the ledger's seed (default 7)")
    parquet.add_argument(
        "--chunk-claims",
        type=int,
        default=None,
        metavar="K",
        help="claims per chunk (default 250,000: about 1.15 million transactions, 1.3 GB of memory)",
    )
    parquet.add_argument("--weeks", type=int, default=26, help="the book's length in weeks (default 26)")
    parquet.set_defaults(handler=_parquet)


def _export(args: argparse.Namespace) -> int:
    from comanaged_rcm.cycle import default_engagement  # noqa: PLC0415 - the cycle sits above synthetic
    from comanaged_rcm.serialize import to_json  # noqa: PLC0415
    from comanaged_rcm.synthetic import CSV_FILES, generate_book  # noqa: PLC0415
    from comanaged_rcm.synthetic._export import write_tables  # noqa: PLC0415

    if args.claims < 1:
        raise ValidationError.single("--claims", "range", f"--claims must be >= 1 (got {args.claims})")
    book = generate_book(seed=args.seed, claims=args.claims)
    with _io.staged(args.directory, where="DIR") as stage:
        write_tables(book, stage)
        stage.write_text("engagement.json", to_json(default_engagement(), indent=2) + "\n")
    folder = Path(args.directory)
    for name in (*(f"{stem}.csv" for stem in CSV_FILES), "engagement.json"):
        print(f"wrote {folder / name}", file=sys.stderr)
    words = ["comanaged-rcm", "report", "--engagement", str(folder / "engagement.json")]
    for stem in CSV_FILES:
        words.extend([f"--{stem.replace('_', '-')}", str(folder / f"{stem}.csv")])
    words.extend(["--as-of", book.period.end.isoformat()])
    print("# the weekly report of this book, as 'comanaged-rcm demo' prints it:")
    print(shlex.join(words))
    return 0


_FLAGS = {"$.transactions": "--transactions", "$.seed": "--seed", "$.chunk_claims": "--chunk-claims",
          "$.weeks": "--weeks", "$.directory": "DIR"}  # fmt: skip


def _parquet(args: argparse.Namespace) -> int:
    from comanaged_rcm.errors import Issue  # noqa: PLC0415
    from comanaged_rcm.synthetic._parquet import DEFAULT_CHUNK_CLAIMS, write_parquet  # noqa: PLC0415

    for flag, value in (("--transactions", args.transactions), ("--chunk-claims", args.chunk_claims),
                        ("--weeks", args.weeks)):  # fmt: skip
        if value is not None and value < 1:
            raise ValidationError.single(flag, "range", f"{flag} must be >= 1 (got {value})")
    if args.seed < 0:
        raise ValidationError.single("--seed", "range", f"--seed must be >= 0 (got {args.seed})")
    chunk_claims = DEFAULT_CHUNK_CLAIMS if args.chunk_claims is None else args.chunk_claims
    try:
        ledger = write_parquet(
            args.directory, transactions=args.transactions, seed=args.seed, chunk_claims=chunk_claims,
            weeks=args.weeks,
        )  # fmt: skip
    except ValidationError as exc:  # name the flags, not the function's parameters
        issues = [Issue(_FLAGS.get(i.path, i.path), i.code, i.message) for i in exc.issues]
        raise ValidationError(issues) from None
    for table, files in ledger.files.items():
        print(f"wrote {ledger.directory / table} ({len(files)} files)", file=sys.stderr)
    for table, rows in ledger.rows.items():
        print(f"{table}\t{rows}\t{ledger.glob(table)}")
    return 0
