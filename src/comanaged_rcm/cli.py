"""The ``comanaged-rcm`` command line.

Each module contributes its subcommands from a private ``_cli`` module exposing
``register(subparsers)``; this file only assembles them and turns every failure into one line on
stderr, never a traceback:

* exit status 2 for bad input (a library error, an unreadable file, a usage error);
* exit status 70 (``EX_SOFTWARE``) for an unexpected internal error, printed as one line that
  names the exception and asks for a report; ``--debug`` (before or after the command) re-raises
  instead, so the traceback can go in the report;
* exit status 130 when interrupted (Ctrl-C).

Output that the terminal's encoding cannot show (``PYTHONIOENCODING=ascii``, a cp437 console)
falls back to ASCII: sparkline blocks become ``_.-=+*#@`` and other characters their closest
ASCII spelling, never a ``UnicodeEncodeError``.

>>> build_parser().prog
'comanaged-rcm'
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import importlib
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from comanaged_rcm import __version__
from comanaged_rcm._check import instance, sequence
from comanaged_rcm.errors import RCMError

__all__ = ["CommandError", "build_parser", "main"]

# Modules that contribute subcommands, in the order ``--help`` lists them.
_SUBCOMMAND_MODULES: tuple[str, ...] = (
    "comanaged_rcm.raci._cli",
    "comanaged_rcm.kpi._cli",
    "comanaged_rcm.sampling._cli",
    "comanaged_rcm.escalation._cli",
    "comanaged_rcm.cycle._cli",
    "comanaged_rcm._mapping_cli",
    "comanaged_rcm.synthetic._cli",
)

Handler = Callable[[argparse.Namespace], int]

INTERNAL_ERROR = 70
"""The exit status of an unexpected internal error (``EX_SOFTWARE`` of ``sysexits.h``)."""

_BLOCKS = str.maketrans(dict(zip("▁▂▃▄▅▆▇█", "_.-=+*#@", strict=True)))
_ASCII = {
    "\u2014": "-", "\u2013": "-", "\u2212": "-", "\u2026": "...", "\u2265": ">=", "\u2264": "<=",
    "\u2192": "->", "\u2190": "<-", "\u00d7": "x", "\u00b7": ".", "\u2022": "*", "\u2018": "'",
    "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00b1": "+/-", "\u2248": "~", "\u00a0": " ",
}  # typographic characters the reports use, in ASCII
_ERRORS = "comanaged_rcm.ascii"


def _ascii_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each character the stream cannot encode, spelled in ASCII."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    spelled = []
    for char in exc.object[exc.start : exc.end]:
        ascii_ = _ASCII.get(char) or char.translate(_BLOCKS)
        if not ascii_.isascii():
            ascii_ = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode() or "?"
        spelled.append(ascii_)
    return "".join(spelled), exc.end


codecs.register_error(_ERRORS, _ascii_fallback)


class _BlockFallback:
    """A text stream that writes sparkline blocks as ASCII, for a stream that cannot encode them."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text.translate(_BLOCKS))

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - everything else is the stream's
        return getattr(self._stream, name)


def _is_unicode(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "ascii").name.startswith("utf")
    except LookupError:
        return False


@contextlib.contextmanager
def _printable_output() -> Iterator[None]:
    """While a command runs, let stdout and stderr write what their encoding cannot encode."""
    restore: list[tuple[Any, str | None]] = []
    original = sys.stdout
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        reconfigure = getattr(stream, "reconfigure", None)
        if not _is_unicode(encoding) and callable(reconfigure):
            restore.append((stream, stream.errors))
            reconfigure(errors=_ERRORS)
    encoding = getattr(original, "encoding", None) or "ascii"
    try:
        "▁▂▃▄▅▆▇█".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        sys.stdout = _BlockFallback(original)
    try:
        yield
    finally:
        if sys.stdout is not original and isinstance(sys.stdout, _BlockFallback):
            sys.stdout = original
        for stream, errors in restore:
            with contextlib.suppress(Exception):
                stream.reconfigure(errors=errors)


class CommandError(RCMError, ValueError):
    """A command-line argument or input file is unusable (printed as one line, exit status 2)."""


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser, with every module's subcommands."""
    parser = argparse.ArgumentParser(
        prog="comanaged-rcm",
        description="Governance primitives for co-managed revenue cycle management.",
    )
    parser.add_argument("--version", action="version", version=f"comanaged-rcm {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    _add_debug(subparsers)
    return parser


_DEBUG_HELP = "on an internal error, show the traceback (for a bug report) instead of one line"


def _add_debug(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``--debug`` after the command too (``comanaged-rcm report --debug ...``), at every level."""
    for sub in subparsers.choices.values():
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
        for action in sub._actions:  # noqa: SLF001 - argparse has no public walk of nested commands
            if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
                _add_debug(action)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Args:
        argv: Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        0 on success, 1 when a check found errors (``raci check``), 2 on bad input, 70 on an
        unexpected internal error (a bug), 130 when interrupted.

    Raises:
        ValidationError: ``argv`` is not a sequence of strings (at ``$.argv``).
    """
    if argv is not None:
        words = sequence(argv, "$.argv")
        argv = [instance(word, str, f"$.argv[{i}]", "a string") for i, word in enumerate(words)]
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    with _printable_output():
        return _run(handler, args)


def _run(handler: Handler, args: argparse.Namespace) -> int:
    command = " ".join(
        str(getattr(args, dest)) for dest in ("command", "raci_command") if getattr(args, dest, None)
    )
    try:
        return handler(args)
    except BrokenPipeError:
        # The reader went away (``comanaged-rcm raci matrix F | head``): stop quietly, as the
        # Python documentation advises, without a second error while flushing at exit.
        with contextlib.suppress(OSError, ValueError):  # stdout may be no file at all (a StringIO)
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, sys.stdout.fileno())
            finally:
                os.close(devnull)
        return 1
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"comanaged-rcm {command}: interrupted", file=sys.stderr)
        return 130
    except RCMError as exc:
        if args.debug:
            raise
        print(f"comanaged-rcm {args.command}: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:
        if args.debug:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        print(f"comanaged-rcm {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        detail = _one_line(f"{type(exc).__name__}: {exc}", limit=300)
        print(
            f"comanaged-rcm {command}: internal error: {detail} -- this is a bug; please report it"
            " with the output of the same command run with --debug",
            file=sys.stderr,
        )
        return INTERNAL_ERROR


def _one_line(message: str, *, limit: int = 4_000) -> str:
    """``message`` on one line (line breaks shown as spaces), shortened past ``limit`` characters."""
    flat = " ".join(message.split("\n")).replace("\r", " ")
    return flat if len(flat) <= limit else f"{flat[: limit - 3]}..."


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
