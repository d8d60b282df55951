"""Sample sizes: bisection on scipy.special against the n-by-n scipy.stats scan a user would write.

Ours plans every cell of a 2 confidences x 10 tolerable x 10 expected-rate grid (binomial), the
hypergeometric size for populations 100 .. 10 million, and the monetary unit sizes of the AICPA table C-1
grid (8 risks x 4 expected ratios x 11 tolerable rates). The baselines scan n upward from 1 with
``scipy.stats.binom.cdf`` / ``scipy.stats.hypergeom.cdf`` / ``scipy.stats.gamma.ppf``.
"""

from __future__ import annotations

import math

from _harness import Case
from comanaged_rcm.sampling import attribute_sample_size, monetary_sample_size

CONFIDENCES = [0.90, 0.95]
TOLERABLE = [0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.15, 0.20]
EXPECTED = [0.0, 0.0025, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025]
POPULATIONS = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000]
MUS_RISKS = [0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.50]
MUS_RATIOS = [0.0, 0.2, 0.4, 0.5]
MUS_TOLERABLE = [0.5, 0.3, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01, 0.005]


def _mus_grid() -> list[tuple[float, float, float]]:
    return [(1 - r, t, t * q) for r in MUS_RISKS for q in MUS_RATIOS for t in MUS_TOLERABLE]


def ours_mus() -> list[int]:
    """Every C-1 style cell with the library (Poisson, fractional expected misstatement)."""
    return [monetary_sample_size(c, t, e).sample_size for c, t, e in _mus_grid()]


def naive_mus() -> list[int]:
    """The same by scanning n with scipy.stats.gamma.ppf."""
    from scipy import stats  # noqa: PLC0415 - baseline only

    out = []
    for c, t, e in _mus_grid():
        n = 1
        while stats.gamma.ppf(c, 1 + e * n) / n > t:
            n += 1
        out.append(n)
    return out


def _grid() -> list[tuple[float, float, float]]:
    return [(c, t, e) for c in CONFIDENCES for t in TOLERABLE for e in EXPECTED if e < t]


def ours_grid() -> list[int]:
    """Every grid cell with the library."""
    return [
        attribute_sample_size(confidence=c, tolerable_rate=t, expected_rate=e).sample_size
        for c, t, e in _grid()
    ]


def naive_grid() -> list[int]:
    """Every grid cell by scanning n with scipy.stats.binom."""
    from scipy import stats  # noqa: PLC0415 - baseline only

    out = []
    for c, t, e in _grid():
        n = 1
        while stats.binom.cdf(math.ceil(round(e * n, 12)), n, t) > 1 - c:
            n += 1
        out.append(n)
    return out


def ours_hyper() -> list[int]:
    """Hypergeometric sizes (95%, 5% tolerable, 1% expected) for each population."""
    return [
        attribute_sample_size(
            confidence=0.95, tolerable_rate=0.05, expected_rate=0.01, population=n, method="hypergeometric"
        ).sample_size
        for n in POPULATIONS
    ]


def naive_hyper() -> list[int]:
    """The same by scanning n with scipy.stats.hypergeom."""
    from scipy import stats  # noqa: PLC0415 - baseline only

    out = []
    for pop in POPULATIONS:
        bad = math.ceil(round(0.05 * pop, 12))
        n = 1
        while stats.hypergeom.cdf(math.ceil(round(0.01 * n, 12)), pop, bad, n) > 0.05:
            n += 1
        out.append(n)
    return out


def cases(quick: bool) -> list[Case]:
    """Benchmark cases for ``run.py --only sampling``."""
    repeat = 1 if quick else 3
    return [
        Case(
            "binomial grid",
            "2 x 10 x 10 cells",
            ours_grid,
            {"scipy.stats scan": naive_grid},
            repeat,
            ">= 50x",
        ),
        Case(
            "hypergeometric N",
            "N = 100 .. 1e7",
            ours_hyper,
            {"scipy.stats scan": naive_hyper},
            repeat,
            ">= 50x",
        ),
        Case(
            "monetary unit grid",
            "8 risks x 4 ratios x 11 tolerable (AICPA C-1)",
            ours_mus,
            {"scipy.stats scan": naive_mus},
            1 if quick else 2,
            ">= 50x",
        ),
    ]
