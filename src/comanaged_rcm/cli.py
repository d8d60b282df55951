"""The ``comanaged-rcm`` command line.

Each module contributes its subcommands from a private ``_cli`` module exposing
``register(subparsers)``; this file only assembles them and turns library errors into one line
on stderr with exit status 2 (never a traceback).

>>> build_parser().prog
'comanaged-rcm'
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from comanaged_rcm import __version__
from comanaged_rcm.errors import RCMError

__all__ = ["CommandError", "build_parser", "main"]

# Modules that contribute subcommands, in the order ``--help`` lists them.
_SUBCOMMAND_MODULES: tuple[str, ...] = (
    "comanaged_rcm.raci._cli",
    "comanaged_rcm.kpi._cli",
    "comanaged_rcm.sampling._cli",
    "comanaged_rcm.escalation._cli",
    "comanaged_rcm.cycle._cli",
)

Handler = Callable[[argparse.Namespace], int]


class CommandError(RCMError, ValueError):
    """A command-line argument or input file is unusable (printed as one line, exit status 2)."""


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser, with every module's subcommands."""
    parser = argparse.ArgumentParser(
        prog="comanaged-rcm",
        description="Governance primitives for co-managed revenue cycle management.",
    )
    parser.add_argument("--version", action="version", version=f"comanaged-rcm {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Args:
        argv: Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        0 on success, 1 when a check found errors (``raci check``), 2 on bad input.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except BrokenPipeError:
        # The reader went away (``comanaged-rcm raci matrix F | head``): stop quietly, as the
        # Python documentation advises, without a second error while flushing at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except RCMError as exc:
        print(f"comanaged-rcm {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"comanaged-rcm {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
