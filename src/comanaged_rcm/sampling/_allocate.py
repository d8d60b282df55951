"""Allocate a total sample across strata."""

from __future__ import annotations

import math
from collections.abc import Sequence

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._engine import _count

__all__ = ["allocate"]

_METHODS = ("proportional", "neyman", "equal")


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
    n = _count("total", total, minimum=1)
    caps = [_count(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
    low = _count("minimum", minimum)
    if method not in _METHODS:
        raise ValidationError.single(
            "$.method", "choice", f"'method' must be one of {', '.join(_METHODS)} (got {method!r})"
        )
    if not caps or n > sum(caps):
        raise ValidationError.single(
            "$.total", "range", f"'total' must be <= the population size {sum(caps)} (got {n})"
        )
    floors = [min(low, c) for c in caps]
    if sum(floors) > n:
        raise ValidationError.single(
            "$.minimum", "range", f"'minimum' per stratum needs {sum(floors)} items > total {n}"
        )
    if method == "neyman":
        if stdevs is None or len(stdevs) != len(caps):
            raise ValidationError.single(
                "$.stdevs", "required", "'stdevs' must give one value per stratum for Neyman"
            )
        if not all(math.isfinite(s) and s >= 0 for s in stdevs) or not any(s > 0 for s in stdevs):
            raise ValidationError.single("$.stdevs", "range", "'stdevs' must be finite, >= 0 and not all 0")
        weights = [c * s for c, s in zip(caps, stdevs, strict=True)]
    else:
        weights = [float(c) if method == "proportional" else 1.0 for c in caps]

    def spread(scale: float) -> list[float]:
        return [
            min(float(c), max(float(f), scale * w)) for c, f, w in zip(caps, floors, weights, strict=True)
        ]

    # Twice the largest cap / weight: every stratum with weight > 0 is then clipped to its cap exactly.
    hi = 2 * max(c / w for c, w in zip(caps, weights, strict=True) if w > 0)
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
