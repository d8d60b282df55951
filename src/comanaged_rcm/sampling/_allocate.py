"""Allocate a total sample across strata."""

from __future__ import annotations

import math
from collections.abc import Sequence

from comanaged_rcm import _check as c
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.sampling._models import ordered

__all__ = ["allocate"]

_METHODS = ("proportional", "neyman", "equal")
_MAX_STDEV = 1e15
"""No stratum's standard deviation is larger (the amounts themselves are at most 1e15)."""


def allocate(
    total: int,
    sizes: Sequence[int],
    method: str = "proportional",
    stdevs: Sequence[float] | None = None,
    minimum: int = 0,
) -> tuple[int, ...]:
    """Split ``total`` sample items across strata of the given population ``sizes``.

    Weights are N_h (proportional), N_h x S_h (Neyman) or 1 (equal). Each stratum gets
    clip(scale x weight, min(minimum, N_h), N_h) with the scale found by bisection so the shares sum to
    the total; fractions are rounded by largest remainder (ties to the earlier stratum).

    Example:
        >>> allocate(100, [500, 300, 200])
        (50, 30, 20)
    """
    n = c.count(total, "$.total", minimum=1)
    caps = [
        c.count(s, f"$.sizes[{i}]", minimum=1) for i, s in enumerate(ordered(sizes, "$.sizes", empty=False))
    ]
    low = c.count(minimum, "$.minimum")
    c.one_of(method, _METHODS, "$.method")
    if n > sum(caps):
        message = f"'total' must be <= the population size {sum(caps)} (got {n})"
        raise ValidationError([Issue("$.total", "range", message), Issue("$.sizes", "range", message)])
    floors = [min(low, cap) for cap in caps]
    if sum(floors) > n:
        raise ValidationError.single(
            "$.minimum", "range", f"'minimum' per stratum needs {sum(floors)} items > total {n}"
        )
    if method == "neyman":
        given = () if stdevs is None else ordered(stdevs, "$.stdevs")
        if len(given) != len(caps):
            raise ValidationError.single(
                "$.stdevs", "required", "'stdevs' must give one value per stratum for Neyman"
            )
        spreads = [c.real(s, f"$.stdevs[{i}]", minimum=0, maximum=_MAX_STDEV) for i, s in enumerate(given)]
        weights = [cap * s for cap, s in zip(caps, spreads, strict=True)]
        if not any(w > 0 for w in weights):
            raise ValidationError.single("$.stdevs", "range", "'stdevs' must be finite, >= 0 and not all 0")
    else:
        weights = [float(cap) if method == "proportional" else 1.0 for cap in caps]

    def spread(scale: float) -> list[float]:
        return [
            min(float(cap), max(float(f), scale * w)) for cap, f, w in zip(caps, floors, weights, strict=True)
        ]

    # Twice the largest cap / weight: every stratum with weight > 0 is then clipped to its cap exactly.
    hi = 2 * max(cap / w for cap, w in zip(caps, weights, strict=True) if w > 0)
    if sum(spread(hi)) < n:
        raise ValidationError.single("$.stdevs", "range", "strata with 'stdevs' > 0 cannot absorb the total")
    lo = 0.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sum(spread(mid)) <= n else (lo, mid)
    shares = spread(lo)
    out = [math.floor(x) for x in shares]
    order = sorted(range(len(caps)), key=lambda i: (-(shares[i] - out[i]), i))
    spare = n - sum(out)
    while spare > 0:
        for i in order:
            if spare > 0 and out[i] < caps[i]:
                out[i] += 1
                spare -= 1
    return tuple(out)
