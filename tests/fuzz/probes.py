"""Bad values for the API-wide fuzz test, and the shape of a valid example call.

Every probe is something a new user or a hostile caller passes by mistake or on purpose: the
wrong type, nothing, NaN and the infinities, integers too large to compute with, numpy scalars and
pandas objects where plain values go, text where dates go, datetimes with and without a time
zone, empty and mismatched arrays, deep nesting, bytes in other encodings, and text with NUL,
control and bidirectional characters. They are built fresh for every call (:func:`probes`), so a
callee that mutates its argument cannot spoil the next probe.
"""

from __future__ import annotations

import datetime
import enum
import math
import numbers
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np


@attrs.frozen
class Call:
    """A valid call of a public callable: positional and keyword arguments.

    The fuzz test substitutes one argument at a time with a bad value, so examples pass every
    parameter they can by keyword.
    """

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = attrs.field(factory=dict)


class _Colour(enum.Enum):
    """A member of an enum that no parameter of the library takes."""

    RED = "red"


class _Hostile:
    """An object whose every dunder a careless library might call raises a surprising error."""

    def __repr__(self) -> str:
        raise RuntimeError("repr of a hostile object")

    def __len__(self) -> int:
        raise OverflowError("len of a hostile object")

    def __iter__(self) -> Any:
        raise KeyError("iteration of a hostile object")

    def __float__(self) -> float:
        raise ZeroDivisionError("float of a hostile object")

    def __index__(self) -> int:
        raise IndexError("index of a hostile object")


class _HostileReal:
    """Registered as a :class:`numbers.Real` whose conversion to float raises a surprising error."""

    def __float__(self) -> float:
        raise ZeroDivisionError("float of a hostile real")

    def __repr__(self) -> str:
        return "_HostileReal()"


numbers.Real.register(_HostileReal)


class _WildZone(datetime.tzinfo):
    """A time zone whose offset is out of range: ``utcoffset`` of a datetime in it raises."""

    def utcoffset(self, _: datetime.datetime | None) -> datetime.timedelta:
        return datetime.timedelta(days=2)

    def dst(self, _: datetime.datetime | None) -> None:
        return None

    def tzname(self, _: datetime.datetime | None) -> str:
        return "wild"


def _nested_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def _nested_dict(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


_HUGE = 10**400
_DIGITS_5000 = 7 * 10**4999 + 1  # more digits than int -> str converts by default (4,300)
_UTC = datetime.UTC


def _pandas() -> dict[str, Callable[[], object]]:
    try:
        import pandas as pd  # noqa: PLC0415 - optional: the pandas probes run where it is installed
    except ImportError:  # pragma: no cover - pandas is a development dependency
        return {}
    return {
        "pandas Series": lambda: pd.Series([1.0, 2.0]),
        "pandas Series of text": lambda: pd.Series(["a", None]),
        "pandas DataFrame": lambda: pd.DataFrame({"a": [1, 2]}),
        "pandas NA": lambda: pd.NA,
        "pandas NaT": lambda: pd.NaT,
        "pandas Timestamp": lambda: pd.Timestamp("2026-01-05"),
    }


PROBES: dict[str, Callable[[], object]] = {
    "None": lambda: None,
    "object()": object,
    "hostile object": _Hostile,
    "str 'x'": lambda: "x",
    "empty str": lambda: "",
    "spaces": lambda: "   ",
    "bytes": lambda: b"x",
    "True": lambda: True,
    "0": lambda: 0,
    "-1": lambda: -1,
    "1.5": lambda: 1.5,
    "NaN": lambda: math.nan,
    "+inf": lambda: math.inf,
    "-inf": lambda: -math.inf,
    "10**400": lambda: _HUGE,
    "-10**400": lambda: -_HUGE,
    "5000-digit int": lambda: _DIGITS_5000,
    "negative 5000-digit int": lambda: -_DIGITS_5000,
    "2**63": lambda: 2**63,
    "numpy int64": lambda: np.int64(3),
    "numpy float64 NaN": lambda: np.float64("nan"),
    "numpy float32": lambda: np.float32(1.5),
    "numpy bool": lambda: np.bool_(1),
    "numpy datetime64": lambda: np.datetime64("2026-01-05"),
    "numpy timedelta64": lambda: np.timedelta64(3, "D"),
    "date text": lambda: "2026-01-05",
    "naive datetime": lambda: datetime.datetime(2026, 1, 5, 9, 30),  # noqa: DTZ001 - naive on purpose
    "aware datetime": lambda: datetime.datetime(2026, 1, 5, 9, 30, tzinfo=_UTC),
    "datetime in a wild zone": lambda: datetime.datetime(2026, 1, 5, 9, 30, tzinfo=_WildZone()),
    "long double fraction": lambda: np.longdouble(1) + np.longdouble(2) ** -60,
    "hostile real": _HostileReal,
    "date 0001-01-01": lambda: datetime.date(1, 1, 1),
    "date 9999-12-31": lambda: datetime.date(9999, 12, 31),
    "timedelta": lambda: datetime.timedelta(days=3),
    "empty list": list,
    "empty tuple": tuple,
    "empty dict": dict,
    "mixed list": lambda: [1, "a", None, math.nan],
    "list of None": lambda: [None, None],
    "dict of junk": lambda: {1: object(), "a": math.nan},
    "set": lambda: {1, 2},
    "empty array": lambda: np.array([], dtype=float),
    "array with NaN": lambda: np.array([1.0, math.nan, math.inf]),
    "2-D array": lambda: np.zeros((2, 2)),
    "text array": lambda: np.array(["a", "b", "c"]),
    "object array": lambda: np.array([1, "a", None], dtype=object),
    "long int array": lambda: np.arange(7),
    "10,000-deep list": lambda: _nested_list(10_000),
    "10,000-deep dict": lambda: _nested_dict(10_000),
    "NUL text": lambda: "abc\x00",
    "control text": lambda: "a\x1b[31mb\r",
    "bidi text": lambda: "pay\u202eeeee",
    "lone surrogate": lambda: "a\ud800b",
    "newline text": lambda: "a\nb",
    "UTF-16 bytes": lambda: "claim".encode("utf-16"),
    "cp1252 bytes": lambda: b"\x93quoted\x94",
    "megabyte text": lambda: "x" * 1_000_000,
    "foreign enum": lambda: _Colour.RED,
    "function": lambda: print,
    "type": lambda: int,
    **_pandas(),
}
"""Probe name -> a factory of the bad value (fresh for every call)."""


def probes() -> dict[str, Callable[[], object]]:
    """The probes, by name."""
    return dict(PROBES)
