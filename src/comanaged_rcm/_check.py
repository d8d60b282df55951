"""The one validation layer: typed checks that every model and public function composes.

Each check takes the value and the path to name in the error (``$.confidence``,
``$.rules[2].when``), returns the value in its normal form (a numpy ``int64`` becomes an ``int``,
``3.0`` counted from a pandas sum becomes ``3``) and raises
:class:`~comanaged_rcm.errors.ValidationError` naming the path, the expectation and what it got:

>>> import numpy as np
>>> count(np.int64(3), "$.n")
3
>>> count(3.5, "$.n")
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 1 validation issue: 'n' must be a whole number (got 3.5) @ $.n
>>> real(float("nan"), "$.threshold")
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 1 validation issue: 'threshold' must be a finite number (got
nan) @ $.threshold

For attrs models, :data:`v` holds the same checks as field validators (the path is ``$.`` and the
field's name) and the ``as_*`` converters put a value in its normal form before the validator
sees it; a converter leaves anything it cannot convert as it is, for the validator to report::

    version: int = attrs.field(default=1, converter=as_int, validator=v.count(minimum=1))

Bounds are part of every check: a count above :data:`MAX_COUNT` or an integer too large for a
float is refused here, never an ``OverflowError`` later.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import functools
import math
import numbers
import re
import sys
import types
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NoReturn, TypeVar

import attrs

from comanaged_rcm.errors import ValidationError

__all__ = [
    "MAX_COUNT",
    "MAX_TEXT",
    "as_flag",
    "as_frozenset",
    "as_int",
    "as_optional_real",
    "as_real",
    "as_tuple",
    "aware_or_naive",
    "choice",
    "count",
    "date",
    "datetime_",
    "fail",
    "field_name",
    "flag",
    "identifier",
    "instance",
    "name_of",
    "one_of",
    "rate",
    "real",
    "sequence",
    "show",
    "suggest",
    "text",
    "to",
    "tuple_of",
    "v",
]

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

MAX_COUNT = 2**53
"""The largest count any check accepts by default: every integer up to it is exact in a float."""

MAX_TEXT = 100_000
"""The longest text any check accepts by default (a name, a note, a rule's condition)."""

# Characters that make text read differently from what it is: bidirectional overrides and
# isolates, zero-width joiners and marks, and the byte-order mark inside text.
_INVISIBLE = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)
_SNAKE = re.compile(r"[a-z_][a-z0-9_]*\Z")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_IDENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:\-]*\Z")


def name_of(path: str) -> str:
    """The last name in a path, as messages quote it (``$.rules[2].when`` -> ``when``).

    >>> name_of("$.rules[2].when"), name_of("$.n"), name_of("$")
    ('when', 'n', 'value')
    """
    tail = path.rsplit(".", 1)[-1]
    return tail if tail and tail != "$" else "value"


def show(value: object) -> str:
    """``repr`` of a value for an error message: short, and safe for any value.

    Messages quote what they got with this, never with ``{value!r}``: the ``repr`` of a
    10,000-deep list raises ``RecursionError``, that of a 5,000-digit integer ``ValueError``, a
    hostile ``__repr__`` anything, and a megabyte of text would make a megabyte message.

    >>> show("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...<102 characters>"
    >>> show(10**5000)
    'an integer of about 5,001 digits'
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return _magnitude(value)
    try:
        shown = repr(value)
    except Exception:  # noqa: BLE001 - a hostile __repr__ must not hide the real problem
        shown = f"<{type(value).__name__}>"
    return shown if len(shown) <= 80 else f"{shown[:60]}...<{len(shown)} characters>"


_show = show


def fail(path: str, code: str, message: str) -> NoReturn:
    """Raise the one-issue :class:`ValidationError` for ``path``.

    >>> fail("$.seed", "type", "bad")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: bad @ $.seed
    """
    raise ValidationError.single(path, code, message)


def suggest(value: object, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""`` when none is close.

    >>> suggest("wilsn", ["wilson", "wald"])
    " (did you mean 'wilson'?)"
    >>> suggest(3, ["wilson"])
    ''
    """
    if not isinstance(value, str):
        return ""
    options = list(choices)
    folded = {c.casefold(): c for c in options}
    if value.casefold() in folded:
        return f" (did you mean {folded[value.casefold()]!r}?)"
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ------------------------------------------------------------------------------------- numbers
_NUMPY_TYPES: dict[str, type[Any]] = {}


def _numpy(name: str) -> type[Any] | tuple[type[Any], ...]:
    """The numpy type ``name``, or ``()`` (no type) while numpy is not imported: no value can be one."""
    found = _NUMPY_TYPES.get(name)
    if found is not None:
        return found
    np = sys.modules.get("numpy")
    if np is None:
        return ()
    _NUMPY_TYPES[name] = getattr(np, name)
    return _NUMPY_TYPES[name]


def _is_bool(value: object) -> bool:
    return isinstance(value, (bool, _numpy("bool_")))


def _is_integer(value: object) -> bool:
    """An integral number: numpy's timedelta64 is an integer subclass but a duration, not a count."""
    return isinstance(value, numbers.Integral) and not isinstance(value, _numpy("timedelta64"))


def _magnitude(number: int) -> str:
    """An integer as a message shows it: itself when short, its size in digits when huge."""
    if number.bit_length() <= 64:
        return str(number)
    digits = int(number.bit_length() * math.log10(2)) + 1
    sign = "a negative" if number < 0 else "an"
    return f"{sign} integer of about {digits:,} digits"


def count(value: object, path: str, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """A whole number in ``[minimum, maximum]``, as an ``int``.

    Accepts any :class:`numbers.Integral` (numpy integers too) and integral floats (``3.0``);
    refuses bools, fractions, NaN, infinities and text.

    >>> import numpy as np
    >>> count(3.0, "$.n"), count(np.uint8(7), "$.n", minimum=1)
    (3, 7)
    >>> count(True, "$.n")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'n' must be a whole number (got True) @ $.n
    """
    if type(value) is int and minimum <= value <= maximum:  # the common case, checked fast
        return value
    name = name_of(path)
    number: int
    if _is_bool(value):
        fail(path, "type", f"{name!r} must be a whole number (got {_show(value)})")
    if _is_integer(value):
        number = int(value)  # type: ignore[call-overload]
    elif isinstance(value, (float, _numpy("floating"))):
        if not math.isfinite(value) or int(value) != value:
            fail(path, "type", f"{name!r} must be a whole number (got {_show(value)})")
        number = int(value)
    else:
        fail(path, "type", f"{name!r} must be a whole number (got {_show(value)})")
    if number < minimum:
        fail(path, "range", f"{name!r} must be >= {minimum} (got {_magnitude(number)})")
    if number > maximum:
        fail(path, "range", f"{name!r} must be <= {maximum:,} (got {_magnitude(number)})")
    return number


def real(
    value: object,
    path: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    nan: bool = False,
    infinite: bool = False,
) -> float:
    """A finite real number within the given bounds, as a ``float``.

    Accepts ints, floats, numpy numbers and other :class:`numbers.Real` values; refuses bools,
    text, NaN (unless ``nan``), infinities and integers too large for a float.

    Args:
        value: What was given.
        path: Where it was given (``$.threshold``).
        minimum: Lowest accepted value, or ``None``.
        maximum: Highest accepted value, or ``None``.
        low_open: Whether ``minimum`` itself is refused.
        high_open: Whether ``maximum`` itself is refused.
        nan: Whether NaN is accepted (as "not known").
        infinite: Whether the infinities are accepted (odds of a certainty, say); bounds still apply.

    >>> import numpy as np
    >>> real(np.float32(0.5), "$.x"), real(2, "$.x", minimum=0)
    (0.5, 2.0)
    >>> real(0, "$.share", minimum=0, low_open=True)
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'share' must be > 0 (got 0) @ $.share
    """
    if (  # the common case, checked fast: a finite float within the bounds
        type(value) is float
        and (-math.inf < value < math.inf)
        and (minimum is None or (value > minimum if low_open else value >= minimum))
        and (maximum is None or (value < maximum if high_open else value <= maximum))
    ):
        return value
    name = name_of(path)
    if _is_bool(value) or not isinstance(value, numbers.Real) or isinstance(value, _numpy("timedelta64")):
        fail(path, "type", f"{name!r} must be a finite number (got {_show(value)})")
    try:
        number = float(value)
    except OverflowError:
        fail(path, "range", f"{name!r} must be a finite number (got an integer too large for a float)")
    except Exception:  # noqa: BLE001 - a foreign number's __float__ may raise anything
        fail(path, "type", f"{name!r} must be a finite number (got {_show(value)}, which is not one)")
    if math.isnan(number):
        if nan:
            return number
        fail(path, "type", f"{name!r} must be a finite number (got {_show(value)})")
    if math.isinf(number) and not infinite:
        fail(path, "range", f"{name!r} must be a finite number (got {_show(value)})")
    if minimum is not None and (number <= minimum if low_open else number < minimum):
        fail(path, "range", f"{name!r} must be {'>' if low_open else '>='} {minimum:g} (got {_show(value)})")
    if maximum is not None and (number >= maximum if high_open else number > maximum):
        fail(path, "range", f"{name!r} must be {'<' if high_open else '<='} {maximum:g} (got {_show(value)})")
    return number


def rate(value: object, path: str, *, low_open: bool = True, high_open: bool = True) -> float:
    """A rate or probability in ``(0, 1)``, with either end closed on request.

    >>> rate(0.95, "$.confidence")
    0.95
    >>> rate(1, "$.confidence")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'confidence' must be in (0, 1) (got
    1) @ $.confidence
    """
    if type(value) is float and 0 < value < 1:  # the common case, checked fast
        return value
    number = real(value, path)
    below = number <= 0 if low_open else number < 0
    above = number >= 1 if high_open else number > 1
    if below or above:
        bounds = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
        fail(path, "range", f"{name_of(path)!r} must be in {bounds} (got {_show(value)})")
    return number


def flag(value: object, path: str) -> bool:
    """A bool (``numpy.bool_`` too); 0, 1 and text are refused.

    >>> import numpy as np
    >>> flag(np.True_, "$.strict")
    True
    """
    if not _is_bool(value):
        fail(path, "type", f"{name_of(path)!r} must be True or False (got {_show(value)})")
    return bool(value)


# ----------------------------------------------------------------------------------------- text
def text(
    value: object,
    path: str,
    *,
    empty: bool = False,
    multiline: bool = False,
    maximum: int = MAX_TEXT,
) -> str:
    r"""Text a person will read: a ``str`` with no NUL, no control or invisible direction characters.

    Args:
        value: What was given.
        path: Where it was given.
        empty: Whether an empty (or all-space) string is accepted.
        multiline: Whether tabs and line feeds are accepted (a note, a description).
        maximum: The most characters accepted.

    >>> text("Denials pod", "$.name")
    'Denials pod'
    >>> text("pay\u202eeeee", "$.name")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'name' must not hold control or invisible
    characters (got 'pay\u202eeeee': U+202E at 3) @ $.name
    """
    if type(value) is str and len(value) <= maximum and value.isprintable() and (empty or value.strip()):
        return value  # the common case, checked fast: no control, format, surrogate or unassigned character
    name = name_of(path)
    if not isinstance(value, str):
        fail(path, "type", f"{name!r} must be a string (got {_show(value)})")
    if len(value) > maximum:
        fail(path, "range", f"{name!r} must be at most {maximum:,} characters (got {len(value):,})")
    if not empty and not value.strip():
        fail(path, "value", f"{name!r} must be a non-empty string (got {_show(value)})")
    if value.isprintable():  # no control, format (bidi, zero-width), surrogate or unassigned character
        return value
    allowed = "\t\n" if multiline else ""
    for i, char in enumerate(value):
        if char in allowed:
            continue
        category = unicodedata.category(char)
        if (category in ("Cc", "Cs", "Co", "Cn") and not (" " <= char <= "~")) or char in _INVISIBLE:
            if category == "Cn" and char not in _INVISIBLE and not char.isascii():
                continue  # unassigned in this Python's Unicode database: newer text, not a control
            fail(
                path,
                "value",
                f"{name!r} must not hold control or invisible characters"
                f" (got {_show(value)}: U+{ord(char):04X} at {i})",
            )
    return value


def identifier(value: object, path: str) -> str:
    """An id: ASCII letters, digits and ``_ . : -``, starting with a letter, digit or ``_``.

    >>> identifier("denials.work", "$.activity")
    'denials.work'
    >>> identifier("a b", "$.activity")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'activity' must be an id of ASCII letters,
    digits and _ . : - (got 'a b') @ $.activity
    """
    if not isinstance(value, str) or len(value) > 200 or not _IDENT.match(value):
        fail(
            path,
            "format",
            f"{name_of(path)!r} must be an id of ASCII letters, digits and _ . : - (got {_show(value)})",
        )
    return value


def field_name(value: object, path: str, *, snake: bool = False) -> str:
    """A column or field name: an ASCII identifier (``snake_case`` only, with ``snake``).

    >>> field_name("balance", "$.dedup_keys[0]")
    'balance'
    """
    pattern = _SNAKE if snake else _FIELD
    if not isinstance(value, str) or len(value) > 200 or not pattern.match(value):
        kind = "a snake_case name" if snake else "a field name of ASCII letters, digits and _"
        fail(path, "format", f"{name_of(path)!r} must be {kind} (got {_show(value)})")
    return value


# ---------------------------------------------------------------------------------------- dates
def date(
    value: object,
    path: str,
    *,
    earliest: datetime.date = datetime.date.min,
    latest: datetime.date = datetime.date.max,
) -> datetime.date:
    """A ``datetime.date`` that is not a ``datetime`` (the time of day would be dropped silently).

    >>> date(datetime.date(2026, 3, 31), "$.as_of")
    datetime.date(2026, 3, 31)
    >>> date("2026-03-31", "$.as_of")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'as_of' must be a datetime.date (got
    '2026-03-31'; parse text with datetime.date.fromisoformat) @ $.as_of
    """
    if type(value) is datetime.date and earliest <= value <= latest:  # the common case, checked fast
        return value
    name = name_of(path)
    if isinstance(value, datetime.datetime):
        got = f"got {_show(value)}; pass .date()"
        fail(path, "type", f"{name!r} must be a datetime.date, not a datetime ({got})")
    if not isinstance(value, datetime.date):
        hint = "; parse text with datetime.date.fromisoformat" if isinstance(value, str) else ""
        fail(path, "type", f"{name!r} must be a datetime.date (got {_show(value)}{hint})")
    if not earliest <= value <= latest:
        fail(path, "range", f"{name!r} must be between {earliest} and {latest} (got {value})")
    return value


def datetime_(value: object, path: str, *, aware: bool | None = None) -> datetime.datetime:
    """A ``datetime.datetime``; with ``aware`` set, one that is (or is not) time-zone aware.

    >>> datetime_(datetime.datetime(2026, 3, 2, 9), "$.now")
    datetime.datetime(2026, 3, 2, 9, 0)
    >>> datetime_(datetime.datetime(2026, 3, 2, 9), "$.now", aware=True)
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'now' must be a time-zone aware datetime
    (got datetime.datetime(2026, 3, 2, 9, 0)) @ $.now
    """
    if (
        type(value) is datetime.datetime
        and aware is None
        and (value.tzinfo is None or type(value.tzinfo) is datetime.timezone)
    ):  # the common case, checked fast
        return value
    name = name_of(path)
    if not isinstance(value, datetime.datetime):
        hint = "; parse text with datetime.datetime.fromisoformat" if isinstance(value, str) else ""
        fail(path, "type", f"{name!r} must be a datetime.datetime (got {_show(value)}{hint})")
    try:
        is_aware = value.utcoffset() is not None
    except (ValueError, TypeError, OverflowError):  # pandas NaT is a datetime whose offset raises
        fail(path, "type", f"{name!r} must be a datetime.datetime (got {_show(value)})")
    if aware is not None and is_aware != aware:
        kind = "a time-zone aware" if aware else "a naive (no time zone)"
        fail(path, "type", f"{name!r} must be {kind} datetime (got {_show(value)})")
    return value


def aware_or_naive(
    first: datetime.datetime, first_path: str, second: datetime.datetime, second_path: str
) -> None:
    """Refuse comparing a naive datetime with an aware one, naming both fields; nothing is shifted.

    >>> aware_or_naive(
    ...     datetime.datetime(2026, 3, 2, tzinfo=datetime.timezone.utc), "$.created",
    ...     datetime.datetime(2026, 3, 9), "$.now")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 2 validation issues: ...
    """
    if type(first) is _DATETIME and type(second) is _DATETIME:  # the common cases, checked fast
        if first.tzinfo is None and second.tzinfo is None:
            return
        if type(first.tzinfo) is datetime.timezone and type(second.tzinfo) is datetime.timezone:
            return
    first_aware = datetime_(first, first_path).utcoffset() is not None
    second_aware = datetime_(second, second_path).utcoffset() is not None
    if first_aware != second_aware:

        def kind(is_aware: bool) -> str:
            return "aware" if is_aware else "naive"

        message = (
            f"cannot compare {name_of(first_path)!r} ({kind(first_aware)}) with {name_of(second_path)!r}"
            f" ({kind(second_aware)}): give both with a time zone or both without"
        )
        from comanaged_rcm.errors import Issue  # noqa: PLC0415 - keeps the module header short

        issues = [Issue(first_path, "timezone", message), Issue(second_path, "timezone", message)]
        raise ValidationError(issues)


# ------------------------------------------------------------------------------- choices, types
def choice(value: object, cls: type[E], path: str) -> E:
    """A member of ``cls``, given as the member or its value, with a did-you-mean for near misses.

    >>> class Sides(enum.Enum):
    ...     UPPER = "upper"
    ...     TWO = "two-sided"
    >>> choice("upper", Sides, "$.sides")
    <Sides.UPPER: 'upper'>
    >>> choice("uper", Sides, "$.sides")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'sides' must be one of 'upper',
    'two-sided' (got 'uper') (did you mean 'upper'?) @ $.sides
    """
    if isinstance(value, cls):
        return value
    for member in cls:
        if type(value) is type(member.value) and member.value == value:
            return member
    values = [str(m.value) for m in cls]
    options = ", ".join(repr(m.value) for m in cls)
    got = f"got {_show(value)}){suggest(value, values)}"
    fail(path, "choice", f"{name_of(path)!r} must be one of {options} ({got}")


def one_of(value: object, options: Sequence[str], path: str) -> str:
    """One of the given strings, with a did-you-mean for near misses.

    >>> one_of("random", ("random", "systematic"), "$.method")
    'random'
    """
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        got = f"got {_show(value)}){suggest(value, options)}"
        fail(path, "choice", f"{name_of(path)!r} must be one of {listed} ({got}")
    return value


@functools.cache
def _zone_names() -> frozenset[str]:
    """Every IANA zone zoneinfo knows, listed once (it walks the tz database).

    ``localtime`` and ``Factory`` are no place.
    """
    import zoneinfo  # noqa: PLC0415 - only time zones need it

    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def time_zone(value: object, path: str, *, empty: bool = False) -> str:
    """An IANA time zone name (``America/New_York``), with a did-you-mean for near misses.

    ``localtime`` and ``Factory`` are refused: the first is whatever the machine is set to. With
    ``empty``, ``""`` (no zone) is accepted too.

    >>> time_zone("Asia/Kolkata", "$.zone")
    'Asia/Kolkata'
    >>> time_zone("America/New_Yrok", "$.zone")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'zone' must be an IANA time zone name
    such as 'America/New_York' (got 'America/New_Yrok') (did you mean 'America/New_York'?) @ $.zone
    """
    other = ", or '' for none" if empty else ""
    zone = instance(value, str, path, f"an IANA time zone name such as 'America/New_York'{other}")
    if zone in _zone_names() or (empty and not zone):
        return zone
    fail(
        path,
        "value",
        f"{name_of(path)!r} must be an IANA time zone name such as 'America/New_York'{other}"
        f" (got {show(zone)}){suggest(zone, sorted(_zone_names()))}",
    )


def instance(value: object, cls: type[T] | tuple[type[Any], ...], path: str, label: str | None = None) -> T:
    """``value`` if it is an instance of ``cls``; for an enum, a string gets a did-you-mean.

    >>> instance(3, int, "$.n")
    3
    """
    if not isinstance(value, cls):
        what = label or (cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls))
        hint = ""
        if isinstance(cls, type) and issubclass(cls, enum.Enum) and isinstance(value, str):
            names = {str(m.value): f"{cls.__name__}.{m.name}" for m in cls}
            if value in names:
                hint = f"; did you mean {names[value]}?"
        article = "" if label else ("an " if what[:1].lower() in "aeiou" else "a ")
        fail(path, "type", f"{name_of(path)!r} must be {article}{what} (got {_show(value)}{hint})")
    return value


def sequence(value: object, path: str, *, empty: bool = True, maximum: int = MAX_COUNT) -> tuple[Any, ...]:
    """A collection of items as a tuple; text, bytes, mappings and single values are refused.

    >>> sequence([1, 2], "$.values")
    (1, 2)
    >>> sequence("ab", "$.values")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'values' must be a sequence (got
    'ab') @ $.values
    """
    name = name_of(path)
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        fail(path, "type", f"{name!r} must be a sequence (got {_show(value)})")
    if isinstance(value, _numpy("ndarray")) and value.ndim != 1:
        fail(path, "type", f"{name!r} must be one-dimensional (got an array of shape {value.shape})")
    try:
        items = tuple(value)
    except Exception as exc:  # noqa: BLE001 - iteration of a foreign object may raise anything
        fail(path, "type", f"{name!r} must be a sequence ({type(exc).__name__} while reading it)")
    if not empty and not items:
        fail(path, "value", f"{name!r} must not be empty")
    if len(items) > maximum:
        fail(path, "range", f"{name!r} must hold at most {maximum:,} items (got {len(items):,})")
    return items


def tuple_of(
    value: object, cls: type[T] | tuple[type[Any], ...], path: str, label: str | None = None
) -> tuple[T, ...]:
    """A sequence whose every item is a ``cls``, as a tuple; a bad item is named by its index.

    >>> tuple_of([1, 2], int, "$.sizes")
    (1, 2)
    >>> tuple_of([1, "2"], int, "$.sizes")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'sizes[1]' must be an int (got '2') @ $.sizes[1]
    """
    items = sequence(value, path)
    for i, item in enumerate(items):
        if not isinstance(item, cls):  # the item's path is built only for the error
            instance(item, cls, f"{path}[{i}]", label)
    return items


# ------------------------------------------------------------------------ attrs validators, converters
Validator = Callable[[Any, Any, Any], None]
"""An attrs field validator: ``(instance, attribute, value)``; only ``attribute.name`` is read."""


_DATETIME = datetime.datetime


def _path(attribute: attrs.Attribute[Any]) -> str:
    return f"$.{attribute.name}"


def _field(check: Callable[..., object], **options: Any) -> Validator:  # noqa: ANN401
    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check(value, _path(attribute), **options)

    return validate


class _Validators:
    """attrs field validators built from the checks above; the path is ``$.<field name>``."""

    @staticmethod
    def count(*, minimum: int = 0, maximum: int = MAX_COUNT) -> Validator:
        """An ``int`` in range (use :meth:`_Converters.integer` as the field's converter)."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if type(value) is int and minimum <= value <= maximum:  # the common case, checked fast
                return
            count(value, _path(attribute), minimum=minimum, maximum=maximum)
            if not isinstance(value, int):  # a float that the converter did not normalise
                fail(_path(attribute), "type", f"{attribute.name!r} must be an int (got {_show(value)})")

        return validate

    @staticmethod
    def real(**options: Any) -> Validator:  # noqa: ANN401 - the options of real()
        """A finite ``float`` in range (use :meth:`_Converters.real` as the field's converter)."""
        low, high = options.get("minimum"), options.get("maximum")
        low_open, high_open = options.get("low_open", False), options.get("high_open", False)
        lowest = -math.inf if low is None else low
        highest = math.inf if high is None else high

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if (
                type(value) is float
                and -math.inf < value < math.inf
                and (
                    (lowest < value if low_open or low is None else lowest <= value)
                    and (value < highest if high_open or high is None else value <= highest)
                )
            ):
                return  # the common case, checked fast: a finite float within the bounds
            real(value, _path(attribute), **options)

        return validate

    @staticmethod
    def rate(*, low_open: bool = True, high_open: bool = True) -> Validator:
        """A rate in ``(0, 1)`` with either end closed on request."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if type(value) is float and 0 < value < 1:  # the common case, checked fast
                return
            rate(value, _path(attribute), low_open=low_open, high_open=high_open)

        return validate

    @staticmethod
    def text(*, empty: bool = False, multiline: bool = False, maximum: int = MAX_TEXT) -> Validator:
        """Readable text (see :func:`text`)."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            fast = type(value) is str and len(value) <= maximum and value.isprintable()
            if fast and (empty or value.strip()):  # type: ignore[attr-defined]
                return  # the common case, checked fast
            text(value, _path(attribute), empty=empty, multiline=multiline, maximum=maximum)

        return validate

    @staticmethod
    def identifier() -> Validator:
        """An id (see :func:`identifier`)."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if type(value) is not str or len(value) > 200 or not _IDENT.match(value):
                identifier(value, _path(attribute))

        return validate

    @staticmethod
    def field_name(*, snake: bool = False) -> Validator:
        """A column or field name (see :func:`field_name`)."""
        return _field(field_name, snake=snake)

    @staticmethod
    def one_of(options: Sequence[str]) -> Validator:
        """One of the given strings (see :func:`one_of`)."""
        choices = tuple(options)

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            one_of(value, choices, _path(attribute))

        return validate

    @staticmethod
    def time_zone(*, empty: bool = False) -> Validator:
        """An IANA time zone name (see :func:`time_zone`)."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            time_zone(value, _path(attribute), empty=empty)

        return validate

    @staticmethod
    def flag() -> Validator:
        """A bool."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if type(value) is not bool:
                flag(value, _path(attribute))

        return validate

    @staticmethod
    def date(
        *, earliest: datetime.date = datetime.date.min, latest: datetime.date = datetime.date.max
    ) -> Validator:
        """A date that is not a datetime, within bounds."""
        return _field(date, earliest=earliest, latest=latest)

    @staticmethod
    def datetime(*, aware: bool | None = None) -> Validator:
        """A datetime, aware or naive on request."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if (
                type(value) is _DATETIME
                and aware is None
                and (value.tzinfo is None or type(value.tzinfo) is datetime.timezone)
            ):  # the common case, checked fast
                return
            datetime_(value, _path(attribute), aware=aware)

        return validate

    @staticmethod
    def member(kind: type[enum.Enum]) -> Validator:
        """A member of the enum ``kind`` (a string of its value gets a did-you-mean)."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if not isinstance(value, kind):
                instance(value, kind, _path(attribute))

        return validate

    @staticmethod
    def instance(kind: type[Any] | tuple[type[Any], ...], label: str | None = None) -> Validator:
        """An instance of ``kind``."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if not isinstance(value, kind):
                instance(value, kind, _path(attribute), label)

        return validate

    @staticmethod
    def tuple_of(kind: type[Any] | tuple[type[Any], ...], label: str | None = None) -> Validator:
        """A tuple whose items are all ``kind`` (convert lists with :meth:`_Converters.tuple`)."""

        def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if type(value) is tuple and all(isinstance(item, kind) for item in value):
                return  # the common case, checked fast
            if not isinstance(value, tuple):
                fail(_path(attribute), "type", f"{attribute.name!r} must be a tuple (got {_show(value)})")
            tuple_of(value, kind, _path(attribute), label)

        return validate

    @staticmethod
    def each(check: Validator) -> Validator:
        """Apply a field validator to every item of a tuple or frozenset, naming the item."""

        def validate(instance_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if not isinstance(value, tuple | frozenset):
                message = f"{attribute.name!r} must be a collection (got {_show(value)})"
                fail(_path(attribute), "type", message)
            items = value if isinstance(value, tuple) else sorted(value, key=show)
            for i, item in enumerate(items):
                check(instance_, _Item(f"{attribute.name}[{i}]"), item)

        return validate

    @staticmethod
    def items(kind: type[Any], check: Validator, label: str) -> Validator:
        """A tuple of ``label`` whose items each pass ``check`` and are exactly ``kind``.

        The converter normalises the items (a float column stays floats); an item the check
        accepts but of another type (an ``int`` among floats) is refused, naming it.
        """

        def validate(instance_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if not isinstance(value, tuple):
                fail(_path(attribute), "type", f"{attribute.name!r} must be a tuple of {label}")
            for i, item in enumerate(value):
                where = _Item(f"{attribute.name}[{i}]")
                check(instance_, where, item)
                if type(item) is not kind:
                    fail(f"$.{where.name}", "type", f"{where.name!r} must be a {kind.__name__}")

        return validate

    @staticmethod
    def optional(check: Validator) -> Validator:
        """``None``, or what ``check`` accepts."""

        def validate(instance_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if value is not None:
                check(instance_, attribute, value)

        return validate


class _Item:
    """Stands in for an ``attrs.Attribute`` so that a field validator can name one item.

    Validators here read only ``.name`` of the attribute they are given.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def as_int(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Turn numpy integers and integral floats into ``int``; leave anything else as it is.

    >>> as_int(3.0), as_int(2.5), as_int(True)
    (3, 2.5, True)
    """
    if type(value) is int:
        return value
    if _is_bool(value):
        return value
    if _is_integer(value):
        return int(value)
    floating = isinstance(value, (float, _numpy("floating")))
    if floating and math.isfinite(value) and int(value) == value:
        return int(value)
    return value


def as_real(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Turn real numbers (numpy's too) into ``float``; leave anything else, or too large, as it is.

    >>> as_real(2), as_real("2"), as_real(10**400) == 10**400
    (2.0, '2', True)
    """
    if type(value) is float:
        return value
    if _is_bool(value) or not isinstance(value, numbers.Real):
        return value
    try:
        return float(value)
    except Exception:  # noqa: BLE001 - too large, or a foreign number's __float__ raising: the validator says
        return value


def as_optional_real(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """``None`` stays ``None``; anything else as :func:`as_real`."""
    return None if value is None else as_real(value)


def as_flag(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Turn a numpy bool into ``bool``; leave anything else (0 and 1 too) as it is."""
    return bool(value) if _is_bool(value) else value


def as_tuple(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Lists become tuples; anything else stays for the validator to report with its path."""
    return tuple(value) if isinstance(value, list) else value


def as_frozenset(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Sets, lists and tuples of hashable items become frozensets; anything else stays."""
    if isinstance(value, set | list | tuple):
        try:
            return frozenset(value)
        except TypeError:
            return value
    return value


def as_sorted_mapping(value: Any, item: Callable[[Any], Any] | None = None) -> Any:  # noqa: ANN401 - a converter
    """A mapping as a read-only copy in key order (each value through ``item``); else as it is.

    Keys are ordered by how :func:`show` quotes them, so mixed or odd keys sort without raising;
    a foreign mapping that raises while read is left for the field's validator to report.

    >>> dict(as_sorted_mapping({"b": "2", "a": "1"}, int))
    {'a': 1, 'b': 2}
    """
    if not isinstance(value, Mapping):
        return value
    try:
        items = sorted(value.items(), key=lambda pair: show(pair[0]))
    except Exception:  # noqa: BLE001 - a foreign mapping may raise anything: the validator says
        return value
    return types.MappingProxyType({key: inner if item is None else item(inner) for key, inner in items})


class _Converters:
    """The converters above, by short name (``to.integer``); module functions suit mypy's attrs plugin."""

    integer = staticmethod(as_int)
    real = staticmethod(as_real)
    optional_real = staticmethod(as_optional_real)
    flag = staticmethod(as_flag)
    tuple = staticmethod(as_tuple)
    frozenset = staticmethod(as_frozenset)


v = _Validators()
"""Field validators for attrs models."""

to = _Converters()
"""Field converters for attrs models (prefer the ``as_*`` functions in models checked by mypy)."""
