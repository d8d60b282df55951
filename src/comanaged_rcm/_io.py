r"""The files users hand the library, and the directories it writes: one place for both.

Reading: :func:`read_text` turns a file's bytes into text the same way for every command (UTF-8,
a UTF-8 BOM dropped, a UTF-16 or UTF-32 BOM detected and decoded, any other encoding only when
asked for), and :func:`load_json` parses JSON strictly: duplicate keys, integers longer than
:data:`MAX_DIGITS` digits, nesting deeper than :data:`MAX_DEPTH` and the ``NaN``/``Infinity``
literals are refused with their line and column, before the parser could fail on its own. Every
problem is a :class:`~comanaged_rcm.errors.ValidationError` naming the file.

Writing: :func:`staged` and :func:`write_files` write a set of files into a directory all or
nothing: every file goes to a private staging directory first, and only when all are written and
synced does each move into place; a failure at any step leaves the directory as it was.

>>> load_json('{"a": [1, 2.5, null]}')
{'a': [1, 2.5, None]}
>>> load_json('{"a": 1, "a": 2}', source="doc.json")
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 1 validation issue: duplicate key 'a' in $ at line 1,
column 10 (first at line 1, column 2) @ doc.json
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import datetime
import errno
import json
import math
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from comanaged_rcm._check import fail, show, text
from comanaged_rcm.errors import Issue, ValidationError

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "Stage",
    "add_encoding_option",
    "check_encoding",
    "check_path",
    "decode",
    "line_of",
    "load_json",
    "parse_date",
    "parse_datetime",
    "read_json",
    "read_text",
    "staged",
    "unreadable",
    "write_files",
]

MAX_DEPTH = 200
"""The deepest nesting of arrays and objects a JSON document may have."""

MAX_DIGITS = 100
"""The most digits a JSON integer may have."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)'  # an unterminated string runs to the end (linear time)
_BRACKETS = re.compile(rf"{_STRING}|[\[\]{{}}]", re.DOTALL)
_STRINGS = re.compile(_STRING, re.DOTALL)
_OTHER = re.compile(r"[^\[\]{}]+")
_TOKENS = re.compile(rf"{_STRING}|-?\d[\d.eE+-]*|[\[\]{{}}:,]|-?[A-Za-z]+", re.DOTALL)
_HINT = "re-save it as UTF-8 or pass --encoding (e.g. --encoding cp1252)"


# ------------------------------------------------------------------------------------- reading
def check_encoding(encoding: object, path: str = "$.encoding") -> str:
    """The name of a text encoding Python knows, or a ValidationError naming ``path``.

    >>> check_encoding("CP1252")
    'cp1252'
    >>> check_encoding("base64")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'base64' is not a text encoding
    (try utf-8, cp1252, latin-1 or utf-16) @ $.encoding
    """
    name = text(encoding, path, maximum=100)
    try:
        info = codecs.lookup(name)
    except LookupError:
        fail(path, "value", f"unknown encoding {name!r} (try utf-8, cp1252, latin-1 or utf-16)")
    if not getattr(info, "_is_text_encoding", True):
        fail(path, "value", f"{name!r} is not a text encoding (try utf-8, cp1252, latin-1 or utf-16)")
    return info.name


def line_of(content: str | bytes, offset: int) -> tuple[int, int]:
    r"""The 1-based line and column of ``offset`` in ``content``.

    >>> line_of("ab\ncd", 4)
    (2, 2)
    """
    newline: Any = b"\n" if isinstance(content, bytes) else "\n"
    line = content.count(newline, 0, offset) + 1
    return line, offset - (content.rfind(newline, 0, offset) + 1) + 1


def decode(data: bytes, *, source: str = "$", encoding: str | None = None) -> str:
    r"""Decode a file's bytes: ``encoding`` when given, else by its BOM, else strict UTF-8.

    A leading BOM is never part of the text.

    Args:
        data: The bytes.
        source: Where they came from, the path of any issue (a file name, or ``$``).
        encoding: The encoding to use instead of detecting it.

    Raises:
        ValidationError: The bytes are not valid in the encoding; the issue names the line.

    >>> decode(b"\xef\xbb\xbfa,b"), decode("a,b".encode("utf-16"))
    ('a,b', 'a,b')
    >>> decode(b"a\n\x93quoted\x94", source="x.csv")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: the file is not UTF-8 (byte 0x93 at
    line 2, column 1): re-save it as UTF-8 or pass --encoding (e.g. --encoding cp1252) @ x.csv:2
    """
    if encoding is not None:
        codec = check_encoding(encoding)
        codec = "utf-8" if codec == "utf-8-sig" else codec
    else:
        codec = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]  # positions in messages count from the text, after the mark
    try:
        decoded = data.decode(codec)
    except UnicodeDecodeError as exc:
        what = "the JSON" if source == "$" else "the file"
        what += " is not UTF-8" if codec in ("utf-8", "utf-8-sig") else f" is not valid {codec}"
        byte = f"byte 0x{data[exc.start]:02x}" if exc.start < len(data) else "the end"
        if codec.startswith(("utf-16", "utf-32")):
            message = f"{what} ({exc.reason} at byte offset {exc.start})"
            raise ValidationError.single(source, "encoding", message) from None
        line, column = line_of(data, exc.start)
        hint = _HINT if encoding is None else "check the encoding it was saved in"
        where = source if source == "$" else f"{source}:{line}"
        message = f"{what} ({byte} at line {line}, column {column}): {hint}"
        raise ValidationError.single(where, "encoding", message) from None
    except UnicodeError as exc:  # a codec that decodes nothing (Python's "undefined")
        message = f"cannot decode with encoding {codec!r} ({exc}): pass another --encoding"
        raise ValidationError.single(source, "encoding", message) from None
    return decoded.removeprefix("\ufeff")


def read_text(
    path: object, *, encoding: str | None = None, where: str = "$.path", label: str | None = None
) -> str:
    """Read a user's file as text (see :func:`decode`); any failure names the file.

    Args:
        path: A ``str`` or ``os.PathLike`` path.
        encoding: The file's encoding, when it is not UTF-8 (a BOM is detected without it).
        where: The path to name when ``path`` itself is unusable (``$.source``).
        label: How issues name the file (default: ``path`` as given).

    Raises:
        ValidationError: ``path`` is not a path, the file cannot be read (missing, a directory,
            a device), or its bytes are not text in the encoding.
    """
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        fail(where, "type", f"expected a file path (got {type(path).__name__})")
    name = check_path(path, where)
    try:
        info = Path(name).stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "it is a directory, not a file", name)
        if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
            raise OSError(errno.EINVAL, "it is a device, not a file", name)  # noqa: TRY301
        with open(name, "rb") as handle:  # noqa: PTH123 - a plain path from the caller
            data = handle.read()
    except OSError as exc:
        raise unreadable(exc, where, name) from None
    return decode(data, source=label or name, encoding=encoding)


def check_path(path: object, where: str = "$.path") -> str:
    r"""A file path given as ``str`` or ``os.PathLike[str]``, as a ``str`` the OS can take.

    >>> check_path("a\0b", "$.source")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: expected a file path (got 'a\x00b') @ $.source
    """
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        fail(where, "type", f"expected a file path (got {type(path).__name__})")
    try:
        name = os.fspath(path)
    except Exception:  # noqa: BLE001 - a foreign __fspath__ may raise anything
        fail(where, "type", f"expected a file path (got {type(path).__name__})")
    if not isinstance(name, str) or not name.strip() or "\0" in name or len(name) > 4096:
        fail(where, "value", f"expected a file path (got {show(name)})")
    try:
        name.encode(sys.getfilesystemencoding(), "surrogateescape")
    except UnicodeEncodeError:
        fail(where, "value", f"expected a file path the file system can name (got {show(name)})")
    return name


_UNREADABLE: dict[type[OSError], type[ValidationError]] = {}


def unreadable(exc: OSError, where: str, name: str) -> ValidationError:
    """The error of a file that cannot be read: a ValidationError that is also ``type(exc)``.

    So ``except FileNotFoundError`` and ``except RCMError`` both catch a missing file; the issue
    is at ``where`` (the argument that named the file), the message names the file, and
    ``errno``, ``strerror`` and ``filename`` are those of ``exc``.

    >>> error = unreadable(FileNotFoundError(2, "No such file or directory", "x.csv"), "--claims", "x.csv")
    >>> isinstance(error, FileNotFoundError), str(error)
    (True, "1 validation issue: cannot read 'x.csv' (No such file or directory) @ --claims")
    """
    kind = type(exc)
    cls = _UNREADABLE.get(kind)
    if cls is None:
        members = {"__module__": __name__, "__str__": ValidationError._render}  # noqa: SLF001 - its one line
        cls = type(f"Unreadable{kind.__name__}", (ValidationError, kind), members)
        _UNREADABLE[kind] = cls
    reason = exc.strerror or type(exc).__name__
    error = cls([Issue(where, "file", f"cannot read {show(name)} ({reason})")])
    error.errno, error.strerror, error.filename = exc.errno, exc.strerror, exc.filename  # type: ignore[attr-defined]
    return error


class _RefusedError(Exception):
    """A literal the JSON hooks refuse; located afterwards by scanning the text."""

    def __init__(self, token: str, message: str) -> None:
        super().__init__(message)
        self.token = token
        self.message = message


class _DuplicateError(Exception):
    """An object with a key twice; located afterwards by scanning the text."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateError
    return result


def _integer(token: str) -> int:
    if len(token.lstrip("-")) > MAX_DIGITS:
        digits = len(token.lstrip("-"))
        raise _RefusedError(token, f"an integer of {digits:,} digits (the most is {MAX_DIGITS})")
    return int(token)


def _float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _RefusedError(token, f"the number {token[:40]} is out of range")
    return value


def _constant(token: str) -> Any:  # noqa: ANN401 - json's parse_constant hook
    raise _RefusedError(token, f"{token} is not a JSON number (use null, or a finite number)")


def _at(content: str, offset: int) -> str:
    line, column = line_of(content, offset)
    return f"line {line}, column {column}"


def _too_deep(content: str) -> int | None:
    """Offset of the first bracket nested deeper than :data:`MAX_DEPTH`, scanning outside strings."""
    if content.count("[") + content.count("{") <= MAX_DEPTH:
        return None
    import numpy as np  # noqa: PLC0415 - only a document with over MAX_DEPTH brackets needs it

    brackets = _OTHER.sub("", _STRINGS.sub("", content))  # the brackets outside strings, in order
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    if not steps.size or int(np.cumsum(steps).max()) <= MAX_DEPTH:
        return None
    depth = 0  # too deep: find where, bracket by bracket
    for match in _BRACKETS.finditer(content):
        char = match.group()
        if char in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif char in ("]", "}"):
            depth -= 1
    return None


def _duplicate(content: str) -> str:
    """Describe the first duplicate key of ``content``: the object's path and both positions."""
    # frame: [is_object, keys seen (key -> offset), current key or index, expecting a key]
    stack: list[list[Any]] = []
    for match in _TOKENS.finditer(content):
        lexeme = match.group()
        top = stack[-1] if stack else None
        if lexeme in ("{", "["):
            stack.append([lexeme == "{", {}, None if lexeme == "{" else 0, lexeme == "{"])
        elif lexeme in ("}", "]"):
            if stack:
                stack.pop()
        elif lexeme == ",":
            if top is not None and top[0]:
                top[3] = True
            elif top is not None:
                top[2] += 1
        elif lexeme.startswith('"') and top is not None and top[0] and top[3]:
            key = json.loads(lexeme)
            top[3] = False
            top[2] = key
            if key in top[1]:
                where = "$" + "".join(
                    (f"[{frame[2]}]" if not frame[0] else f".{frame[2]}" if str(frame[2]).isidentifier()
                     else f"[{frame[2]!r}]")
                    for frame in stack[:-1]
                )
                return (
                    f"duplicate key {key!r} in {where} at {_at(content, match.start())}"
                    f" (first at {_at(content, top[1][key])})"
                )
            top[1][key] = match.start()
    return "duplicate key"  # pragma: no cover - the parser found one, so the scan does too


def _locate(content: str, token: str) -> str:
    for match in _TOKENS.finditer(content):
        if match.group() == token:
            return f" at {_at(content, match.start())}"
    return ""  # pragma: no cover - the parser read the token, so the scan finds it


def load_json(content: str | bytes, *, source: str = "$") -> Any:  # noqa: ANN401 - any JSON value
    """Parse a JSON document strictly.

    Refused, each with line and column: malformed JSON, a key twice in one object (both
    positions and the object's path), integers of more than :data:`MAX_DIGITS` digits, numbers
    out of float range, ``NaN``/``Infinity``, and nesting deeper than :data:`MAX_DEPTH` (found by
    a scan before parsing, so the parser never recurses that deep). A UTF-8 BOM is skipped.

    Args:
        content: The document, as text or as bytes (decoded as :func:`decode` does).
        source: The path of any issue: the file name, or ``$``.

    Returns:
        Dicts, lists, strings, ints, floats, booleans and ``None``.

    Raises:
        ValidationError: With code ``json``, ``duplicate_key``, ``range``, ``depth`` or ``value``.

    >>> load_json("[" * 300 + "]" * 300)
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: JSON nested deeper than 200 levels
    at line 1, column 201 @ $
    """
    if isinstance(content, bytes | bytearray):
        content = decode(bytes(content), source=source)
    if not isinstance(content, str):
        fail(source, "type", f"expected JSON text (got {type(content).__name__})")
    content = content.removeprefix("\ufeff")
    deep = _too_deep(content)
    if deep is not None:
        message = f"JSON nested deeper than {MAX_DEPTH} levels at {_at(content, deep)}"
        raise ValidationError.single(source, "depth", message)
    try:
        hooks: dict[str, Any] = {"parse_int": _integer, "parse_float": _float, "parse_constant": _constant}
        return json.loads(content, object_pairs_hook=_pairs, **hooks)
    except json.JSONDecodeError as exc:
        reason = exc.msg.removesuffix(" at")  # "Invalid control character at"
        message = f"malformed JSON: {reason} at line {exc.lineno}, column {exc.colno}"
        raise ValidationError.single(source, "json", message) from None
    except _DuplicateError:
        raise ValidationError.single(source, "duplicate_key", _duplicate(content)) from None
    except _RefusedError as exc:
        code = "value" if exc.token in ("NaN", "Infinity", "-Infinity") else "range"
        raise ValidationError.single(source, code, f"{exc.message}{_locate(content, exc.token)}") from None
    except (RecursionError, ValueError) as exc:  # pragma: no cover - the checks above come first
        raise ValidationError.single(source, "json", f"unreadable JSON ({type(exc).__name__})") from None


def read_json(path: object, *, encoding: str | None = None, where: str = "$.path") -> Any:  # noqa: ANN401
    """:func:`read_text` then :func:`load_json`, the issues naming the file."""
    content = read_text(path, encoding=encoding, where=where)
    return load_json(content, source=check_path(path, where))


# ------------------------------------------------------------------------------------- writing
def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or file system syncs a directory
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


class Stage:
    """The files being written into one directory; see :func:`staged`."""

    def __init__(self, directory: Path, staging: Path) -> None:
        self.directory = directory
        self._staging = staging
        self._names: list[str] = []

    def open(self, name: str, *, newline: str = "") -> IO[str]:
        """Open the staged file that will become ``directory/name`` (UTF-8 text, for writing)."""
        if not name or Path(name).name != name or name in self._names or name.startswith("."):
            fail("$.name", "value", f"expected a new plain file name (got {name!r})")
        self._names.append(name)
        return (self._staging / name).open("x", encoding="utf-8", newline=newline)

    def write_text(self, name: str, content: str) -> None:
        """Stage ``content`` as ``directory/name``."""
        with self.open(name) as handle:
            handle.write(content)

    def commit(self) -> dict[str, Path]:
        """Move every staged file into place, or none: a failure restores what was there."""
        targets = [(self._staging / name, self.directory / name) for name in self._names]
        for staged_file, target in targets:
            if target.is_dir() and not target.is_symlink():
                message = "a directory is in the way of a file to write"
                raise IsADirectoryError(errno.EISDIR, message, str(target))
            with staged_file.open("rb+") as handle:
                os.fsync(handle.fileno())
        backups = self._staging / ".backup"
        backups.mkdir()
        saved: dict[Path, Path] = {}
        for _, target in targets:
            if os.path.lexists(target):
                backup = backups / target.name
                try:
                    os.link(target, backup, follow_symlinks=False)
                except OSError:
                    shutil.copy2(target, backup, follow_symlinks=False)
                saved[target] = backup
        moved: list[Path] = []
        try:
            for staged_file, target in targets:
                staged_file.replace(target)
                moved.append(target)
        except BaseException:
            for target in reversed(moved):
                if target in saved:
                    saved[target].replace(target)
                else:
                    target.unlink(missing_ok=True)
            raise
        _fsync_directory(self.directory)
        return {name: self.directory / name for name in self._names}


@contextlib.contextmanager
def staged(directory: object, *, where: str = "$.directory") -> Iterator[Stage]:
    """Write files into ``directory`` all or nothing.

    Files opened with :meth:`Stage.open` are written into a private staging directory inside
    ``directory`` (created, with its parents, when missing); when the ``with`` block ends without
    an exception each is synced and moved into place with :func:`os.replace`. On any failure (a
    full disk, a directory in the way, a rename that fails half way) the files already moved are
    put back as they were, the staging directory is removed and a ``directory`` created here is
    removed again: ``directory`` is left exactly as it was. Files the block does not write are
    never touched. New files get the usual permissions (``0o666`` less the umask).

    Args:
        directory: Where the files go (``str`` or ``os.PathLike``).
        where: The path to name when ``directory`` is unusable.

    Raises:
        ValidationError: ``directory`` is not a usable path.
        OSError: Writing failed; nothing was changed.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with staged(root / "out") as stage:
    ...     stage.write_text("a.txt", "hello")
    >>> sorted(p.name for p in (root / "out").iterdir())
    ['a.txt']
    """
    folder = Path(text(check_path(directory, where), where, maximum=4096))
    created: list[Path] = []
    for parent in (folder, *folder.parents):
        if parent.exists() or parent == parent.parent:
            break
        created.append(parent)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".comanaged-rcm-"))
        staging.chmod(0o700)  # writable by its owner whatever the umask (mkdtemp applies it)
    except BaseException:
        _remove_created(created)
        raise
    try:
        stage = Stage(folder, staging)
        yield stage
        stage.commit()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_created(created)
        raise
    shutil.rmtree(staging, ignore_errors=True)


def _remove_created(created: list[Path]) -> None:
    for made in created:  # deepest first
        with contextlib.suppress(OSError):
            made.rmdir()


def write_files(directory: object, files: Mapping[str, str]) -> dict[str, Path]:
    """Write each ``name -> text`` of ``files`` into ``directory``, all or nothing (see :func:`staged`).

    Returns:
        The path of each file by name.

    >>> import tempfile
    >>> sorted(write_files(tempfile.mkdtemp(), {"a.md": "# A", "b.json": "{}"}))
    ['a.md', 'b.json']
    """
    with staged(directory) as stage:
        for name, content in files.items():
            stage.write_text(name, content)
    return {name: stage.directory / name for name in files}


# ------------------------------------------------------------------------- command-line input
EARLIEST = datetime.date(1900, 1, 1)
"""The earliest date a command accepts (``--as-of``, ``--from``...): older is surely a typo."""

LATEST = datetime.date(2999, 12, 31)
"""The latest date a command accepts, leaving room for the periods and deadlines after it."""


def _encoding_type(value: str) -> str:
    try:
        return check_encoding(value, "--encoding")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.issues[0].message) from None


def add_encoding_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--encoding`` (the input files' text encoding) to a subcommand that reads files."""
    parser.add_argument(
        "--encoding",
        type=_encoding_type,
        metavar="NAME",
        help="text encoding of the input files (default UTF-8; a UTF-16 BOM is detected), e.g. cp1252",
    )


def parse_date(value: str, flag: str, *, example: str = "2026-01-31") -> datetime.date:
    """An ISO date given on the command line, between :data:`EARLIEST` and :data:`LATEST`.

    >>> parse_date("2026-11-02", "--as-of")
    datetime.date(2026, 11, 2)
    >>> parse_date("9999-12-31", "--as-of")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: --as-of must be between 1900-01-01 and
    2999-12-31 (got 9999-12-31) @ --as-of
    """
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        message = f"expected an ISO date like {example} (got {value!r:.60})"
        raise ValidationError.single(flag, "type", message) from None
    if not EARLIEST <= day <= LATEST:
        message = f"{flag} must be between {EARLIEST} and {LATEST} (got {day})"
        raise ValidationError.single(flag, "range", message)
    return day


def parse_datetime(value: str, flag: str) -> datetime.datetime:
    """An ISO date or datetime given on the command line, naive (an offset is converted to UTC).

    >>> parse_datetime("2026-11-02T09:30+01:00", "--now")
    datetime.datetime(2026, 11, 2, 8, 30)
    """
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        message = f"{flag} must be an ISO date or datetime (got {value!r:.60})"
        raise ValidationError.single(flag, "type", message) from None
    if not EARLIEST <= moment.date() <= LATEST:
        message = f"{flag} must be between {EARLIEST} and {LATEST} (got {moment.date()})"
        raise ValidationError.single(flag, "range", message)
    if moment.utcoffset() is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment
