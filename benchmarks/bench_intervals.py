"""Array proportion intervals against statsmodels' ``proportion_confint`` on 10,000 counts.

For every method both offer (Wilson, Clopper-Pearson, Wald, Agresti-Coull, Jeffreys) ours and
statsmodels compute the two-sided 95% limits of the same 10,000 random counts (n uniform in
1..1000, x uniform in 0..n) in the same run. The target is "within 1.5x", i.e.
baseline/ours >= 0.67. A case is skipped, with the reason printed, when statsmodels is absent.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from _harness import Case
from comanaged_rcm.sampling._intervals import proportion_interval

SIZE = 10_000
QUICK_SIZE = 1_000
PAIRS = {  # ours -> statsmodels' name
    "wilson": "wilson",
    "clopper-pearson": "beta",
    "wald": "normal",
    "agresti-coull": "agresti_coull",
    "jeffreys": "jeffreys",
}


def _counts(size: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    rng = np.random.default_rng(20260105)
    n = rng.integers(1, 1001, size)
    return rng.integers(0, n + 1), n


def _ours(x: npt.NDArray[np.int64], n: npt.NDArray[np.int64], method: str) -> Callable[[], object]:
    return lambda: proportion_interval(x, n, 0.95, method)


def _theirs(x: npt.NDArray[np.int64], n: npt.NDArray[np.int64], method: str) -> Callable[[], object]:
    from statsmodels.stats.proportion import proportion_confint  # noqa: PLC0415

    return lambda: proportion_confint(x, n, 0.05, method)


def cases(quick: bool) -> list[Case]:
    """Benchmark cases for ``run.py --only intervals``."""
    try:
        import statsmodels  # noqa: F401, PLC0415 - is the baseline there?
    except ImportError:
        print("bench_intervals: skipped, statsmodels is not installed (pip install statsmodels)")
        return []
    size = QUICK_SIZE if quick else SIZE
    x, n = _counts(size)
    out = []
    for ours, theirs in PAIRS.items():
        slow = ours in ("clopper-pearson", "jeffreys")  # beta quantiles: tens of ms per call
        repeat = 1 if quick else (9 if slow else 50)
        out.append(
            Case(
                f"proportion_interval {ours}",
                f"{size:,} counts, n in 1..1000",
                _ours(x, n, ours),
                {f"statsmodels proportion_confint {theirs!r}": _theirs(x, n, theirs)},
                repeat,
                ">= 0.67x (within 1.5x of statsmodels)",
            )
        )
    return out
