"""Bad values for the API-wide fuzz test, and the shape of a valid example call."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class Call:
    """A valid call of a public callable: positional and keyword arguments.

    The fuzz test substitutes one argument at a time with a bad value, so examples pass every
    parameter they can by keyword.
    """

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = attrs.field(factory=dict)
