"""Two checks the escalation models need before :mod:`comanaged_rcm._check`'s own.

* numpy's ``timedelta64`` is registered as a numpy integer, so it passes for a count until
  ``int()`` of it raises ``TypeError``: :func:`whole` refuses it (and ``datetime64``) first.
* pandas' ``NaT`` is a ``datetime.datetime`` whose ``utcoffset()`` raises ``ValueError``:
  :func:`moment` refuses it (and any datetime whose offset cannot be read) first.

>>> whole(np.int64(3), "$.days")
3
>>> whole(np.timedelta64(3, "D"), "$.days")
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 1 validation issue: 'days' must be a whole number ... @ $.days
"""

from __future__ import annotations

import datetime
from typing import Any

import attrs
import numpy as np

from comanaged_rcm import _check

__all__ = ["moment", "moment_field", "whole", "whole_field"]


def whole(value: object, path: str, *, minimum: int = 0, maximum: int = _check.MAX_COUNT) -> int:
    """:func:`comanaged_rcm._check.count`, refusing numpy time values (not counts) first."""
    if type(value) is int and minimum <= value <= maximum:  # the common case, checked fast
        return value
    if isinstance(value, np.timedelta64 | np.datetime64):
        _check.fail(
            path, "type", f"{_check.name_of(path)!r} must be a whole number (got {_check.show(value)})"
        )
    return _check.count(value, path, minimum=minimum, maximum=maximum)


def moment(value: object, path: str, *, aware: bool | None = None) -> datetime.datetime:
    """:func:`comanaged_rcm._check.datetime_`, refusing NaT (a datetime with no time) first."""
    if isinstance(value, datetime.datetime):
        try:
            value.utcoffset()
        except Exception:  # noqa: BLE001 - pandas' NaT raises ValueError; a foreign tzinfo anything
            _check.fail(
                path,
                "type",
                f"{_check.name_of(path)!r} must be a datetime with a time (got {_check.show(value)})",
            )
    return _check.datetime_(value, path, aware=aware)


def whole_field(*, minimum: int = 0, maximum: int = _check.MAX_COUNT) -> _check.Validator:
    """An attrs validator: an ``int`` in ``[minimum, maximum]`` (the converter normalises it)."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is int and minimum <= value <= maximum:  # the common case, checked fast
            return
        path = f"$.{attribute.name}"
        whole(value, path, minimum=minimum, maximum=maximum)
        if not isinstance(value, int):  # a float that the converter did not normalise
            _check.fail(path, "type", f"{attribute.name!r} must be an int (got {_check.show(value)})")

    return validate


def moment_field() -> _check.Validator:
    """An attrs validator: a ``datetime.datetime`` that has a time (not NaT)."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is datetime.datetime:  # the common case, checked fast (NaT is a subclass)
            return
        moment(value, f"$.{attribute.name}")

    return validate
