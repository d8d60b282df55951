"""Attribute sample sizes, upper deviation limits and proportion intervals.

scipy is imported lazily inside the functions so that importing the package stays light.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from comanaged_rcm import _check as c
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._models import (
    INTERVAL_METHODS,
    SIDES,
    AttributeEvaluation,
    AttributePlan,
    Interval,
    Method,
)

__all__ = ["attribute_sample_size", "attribute_upper_limit", "proportion_interval"]

CONVENTION = (
    "AICPA: acceptable deviations = ceil(expected_rate x n) in exact decimal arithmetic; smallest n whose "
    "probability of at most that many deviations at the tolerable rate is <= 1 - confidence "
    "(jfa instead fixes the expected deviations before searching n)"
)
_HYPER = "population deviations = ceil(tolerable_rate x N)"

MAX_DEVIATIONS = 2_000
"""The most acceptable deviations :func:`attribute_sample_size` searches (a plan beyond it is refused)."""

MAX_HYPERGEOMETRIC_POPULATION = 10**10
"""The largest population of the exact hypergeometric figures; beyond it they equal the binomial ones."""

MAX_HYPERGEOMETRIC_SAMPLE = 10**6
"""The largest sample whose exact hypergeometric limits are computed (each limit sums its pmf terms)."""


def _computed(value: float, path: str, value_given: object) -> float:
    """``value`` unless NaN: then the input at ``path`` is too extreme for the figure to be computed."""
    if math.isnan(value):
        c.fail(
            path,
            "range",
            f"{c.name_of(path)!r} is too extreme to compute this figure (got {c.show(value_given)})",
        )
    return value


def _hyper_population(population: int, path: str = "$.population") -> None:
    if population > MAX_HYPERGEOMETRIC_POPULATION:
        c.fail(
            path,
            "range",
            f"'population' must be <= {MAX_HYPERGEOMETRIC_POPULATION:,} for exact hypergeometric figures"
            f" (got {population:,}); the binomial method gives the same figures for larger populations",
        )


def _hyper_sample(n: int, path: str) -> None:
    if n > MAX_HYPERGEOMETRIC_SAMPLE:
        c.fail(
            path,
            "range",
            f"{c.name_of(path)!r} must be <= {MAX_HYPERGEOMETRIC_SAMPLE:,} for exact hypergeometric limits"
            f" (got {n:,}); use the binomial method for larger samples",
        )


def _rate(path: str, value: object, *, closed_low: bool = False) -> Decimal:
    """A rate in (0, 1) (``[0, 1)`` with ``closed_low``) as an exact decimal of its shortest repr.

    Decimals are taken as given (the caller chose the exact value); anything else goes through
    :func:`comanaged_rcm._check.rate`.
    """
    where = f"$.{path}"
    if isinstance(value, Decimal):
        if not value.is_finite():
            c.fail(where, "type", f"{path!r} must be a finite number (got {c.show(value)})")
        if not ((0 <= value < 1) if closed_low else (0 < value < 1)):
            bounds = "[0, 1)" if closed_low else "(0, 1)"
            c.fail(where, "range", f"{path!r} must be in {bounds} (got {value})")
        return value
    number = c.rate(value, where, low_open=not closed_low)
    return Decimal(repr(number))


def _method(value: object) -> Method:
    return c.choice(value, Method, "$.method")


def _log_comb(a: int, b: int) -> float:
    return math.lgamma(a + 1) - math.lgamma(b + 1) - math.lgamma(a - b + 1)


def _hyper_cdf(k: int, total: int, bad: int, n: int) -> float:
    """P(X <= k) for X ~ Hypergeometric(total, bad, n): pmf terms in log space, summed with numpy.

    log C(a, b) = -log(a + 1) - betaln(b + 1, a - b + 1) keeps the logs small (no gammaln(N) cancellation).
    """
    import numpy as np  # noqa: PLC0415 - lazy import keeps the package light
    from scipy.special import betaln  # noqa: PLC0415

    lo, hi = max(0, n - (total - bad)), min(k, bad, n)
    if hi < lo:
        return 0.0
    good = total - bad
    first = _log_comb(bad, lo) + _log_comb(good, n - lo) - _log_comb(total, n)
    if hi - lo < 32 and first > -700:  # few terms: the rest by the pmf ratio (no numpy overhead)
        term = math.exp(first)
        acc = term
        for i in range(lo, hi):
            term *= (bad - i) * (n - i) / ((i + 1) * (good - n + i + 1))
            acc += term
        return min(1.0, acc)
    j = np.arange(lo, hi + 1, dtype=np.float64)
    logs = (
        betaln(n + 1, total - n + 1)
        - betaln(j + 1, bad - j + 1)
        - betaln(n - j + 1, good - n + j + 1)
        + (math.log1p(total) - math.log1p(bad) - math.log1p(good))
    )
    return min(1.0, float(np.exp(logs).sum()))


def _hyper_cmp(k: int, total: int, bad: int, n: int, threshold: Fraction) -> int:
    """Sign of P(X <= k) - threshold for X ~ Hypergeometric(total, bad, n).

    The log-space float sum decides unless it is within a relative 1e-6 of the threshold; then the
    probability is computed exactly in integers, so ties (e.g. P = 0.1 at 80% two-sided) are exact.
    """
    approx = _hyper_cdf(k, total, bad, n)
    t = float(threshold)
    if abs(approx - t) > 1e-6 * max(t, 1e-300):
        return 1 if approx > t else -1
    lo, hi = max(0, n - (total - bad)), min(k, bad, n)
    hits = sum(math.comb(bad, j) * math.comb(total - bad, n - j) for j in range(lo, hi + 1))
    exact = Fraction(hits, math.comb(total, n))
    return (exact > threshold) - (exact < threshold)


def _risk_function(method: Method, tolerable: float, population: int | None) -> Callable[[int, int], float]:
    from scipy.special import bdtr, pdtr  # noqa: PLC0415 - lazy import keeps the package light

    if method is Method.BINOMIAL:
        return lambda k, n: float(bdtr(k, n, tolerable))
    if method is Method.POISSON:
        return lambda k, n: float(pdtr(k, n * tolerable))
    assert population is not None  # noqa: S101 - checked by the caller
    bad = math.ceil(Decimal(str(tolerable)) * population)
    return lambda k, n: _hyper_cdf(k, population, bad, n)


def _smallest_n(ok: Callable[[int, int], bool], k: int, lo: int, hi: int) -> int | None:
    """Smallest n in [lo, hi] with ok(k, n), i.e. risk(k, n) <= alpha (risk decreasing in n), or None."""
    if lo > hi or not ok(k, hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(k, mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def attribute_sample_size(
    confidence: float,
    tolerable_rate: float,
    expected_rate: float = 0.0,
    population: int | None = None,
    method: str | Method = "binomial",
) -> AttributePlan:
    """Plan the attribute sample size for a test of controls or a claims review.

    Args:
        confidence: Confidence level (1 - risk of overreliance), in (0, 1).
        tolerable_rate: Tolerable deviation rate, in (0, 1).
        expected_rate: Expected deviation rate, in [0, tolerable_rate).
        population: Population size; required for ``"hypergeometric"``.
        method: ``"binomial"`` (AICPA tables), ``"hypergeometric"`` (exact, finite) or ``"poisson"``.

    Returns:
        The plan with sample size, acceptable deviations, achieved risk and every input.

    Example:
        >>> attribute_sample_size(confidence=0.95, tolerable_rate=0.05).sample_size
        59
    """
    conf = _rate("confidence", confidence)
    tol = _rate("tolerable_rate", tolerable_rate)
    exp = _rate("expected_rate", expected_rate, closed_low=True)
    meth = _method(method)
    if exp >= tol:
        raise ValidationError.single(
            "$.expected_rate",
            "range",
            f"'expected_rate' must be below 'tolerable_rate' (got {expected_rate})",
        )
    if meth is Method.HYPERGEOMETRIC and population is None:
        raise ValidationError.single(
            "$.population", "required", "'population' is required for hypergeometric"
        )
    if population is not None:
        population = c.count(population, "$.population", minimum=1)
        if meth is Method.HYPERGEOMETRIC:
            _hyper_population(population)
    alpha = 1 - float(conf)
    risk = _risk_function(meth, float(tol), population)
    if meth is Method.HYPERGEOMETRIC:
        assert population is not None  # noqa: S101 - checked above
        bad, exact_alpha = math.ceil(tol * population), 1 - Fraction(conf)
        pop = population

        def ok(k: int, n: int) -> bool:
            return _hyper_cmp(k, pop, bad, n, exact_alpha) <= 0

    else:

        def ok(k: int, n: int) -> bool:
            return risk(k, n) <= alpha

    cap = population if meth is Method.HYPERGEOMETRIC and population is not None else 10**8
    k = 0
    while True:
        if exp == 0:
            lo, hi = 1, cap
        else:
            lo = max(1, math.floor((k - 1) / exp) + 1) if k > 0 else 1
            hi = min(cap, math.floor(k / exp))
        n = _smallest_n(ok, k, lo, hi)
        if n is not None:
            break
        if exp == 0 or hi >= cap:
            n, k = cap, math.ceil(exp * cap)
            break
        k += 1
        if k > MAX_DEVIATIONS:
            c.fail(
                "$.expected_rate",
                "range",
                f"'expected_rate' is too close to 'tolerable_rate': the plan would accept more than"
                f" {MAX_DEVIATIONS:,} deviations (got {c.show(expected_rate)} and {c.show(tolerable_rate)})",
            )
    convention = CONVENTION + ("; " + _HYPER if meth is Method.HYPERGEOMETRIC else "")
    if meth is Method.POISSON:
        convention += "; Poisson approximation to the binomial"
    return AttributePlan(
        sample_size=n,
        acceptable_deviations=k,
        achieved_risk=risk(k, n),
        confidence=float(conf),
        tolerable_rate=float(tol),
        expected_rate=float(exp),
        population=population,
        method=meth,
        convention=convention,
    )


def attribute_upper_limit(
    sample_size: int,
    deviations: int,
    confidence: float,
    population: int | None = None,
    method: str | Method = "binomial",
    *,
    tolerable_rate: float | None = None,
) -> AttributeEvaluation:
    """One-sided upper deviation limit of an attribute sample.

    Binomial uses the Clopper-Pearson bound; hypergeometric the exact bound on population deviations
    (largest M with P(X <= deviations) > 1 - confidence, divided by N); Poisson the gamma bound.

    Example:
        >>> round(attribute_upper_limit(sample_size=59, deviations=0, confidence=0.95).upper_limit, 4)
        0.0495
    """
    n = c.count(sample_size, "$.sample_size", minimum=1)
    k = c.count(deviations, "$.deviations")
    if k > n:
        raise ValidationError.single(
            "$.deviations", "range", f"'deviations' must be <= sample_size (got {k} > {n})"
        )
    conf_exact = _rate("confidence", confidence)
    conf = float(conf_exact)
    meth = _method(method)
    tol = None if tolerable_rate is None else float(_rate("tolerable_rate", tolerable_rate))
    if meth is Method.HYPERGEOMETRIC and population is None:
        raise ValidationError.single(
            "$.population", "required", "'population' is required for hypergeometric"
        )
    if population is not None:
        population = c.count(population, "$.population", minimum=1)
        if population < n:
            raise ValidationError.single(
                "$.population", "range", f"'population' must be >= sample_size (got {population} < {n})"
            )
    from scipy.special import betaincinv, gammaincinv  # noqa: PLC0415 - lazy import keeps the package light

    if meth is Method.BINOMIAL:
        upper = (
            1.0 if k == n else _computed(float(betaincinv(k + 1, n - k, conf)), "$.confidence", confidence)
        )
    elif meth is Method.POISSON:
        upper = min(1.0, _computed(float(gammaincinv(k + 1, conf)), "$.confidence", confidence) / n)
    else:
        assert population is not None  # noqa: S101 - checked above
        _hyper_population(population)
        _hyper_sample(n, "$.sample_size")
        alpha = 1 - Fraction(conf_exact)
        lo, hi = k, population - (n - k)  # P(X <= k) > alpha holds at lo
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if _hyper_cmp(k, population, mid, n, alpha) > 0:
                lo = mid
            else:
                hi = mid - 1
        upper = lo / population
    return AttributeEvaluation(
        sample_size=n,
        deviations=k,
        confidence=conf,
        population=population,
        method=meth,
        point_estimate=k / n,
        upper_limit=upper,
        tolerable_rate=tol,
        acceptable=None if tolerable_rate is None else bool(upper <= tolerable_rate),
        convention="one-sided upper limit; AICPA evaluation tables show it rounded up to 0.1%",
    )


def _hyper_limits(x: int, n: int, total: int, tail_lo: Fraction, tail_hi: Fraction) -> tuple[float, float]:
    """Exact limits on M / N: smallest M with P(X >= x) > tail_lo, largest M with P(X <= x) > tail_hi."""
    top = total - (n - x)
    lo, hi = x, top
    while lo < hi:  # largest M with cdf(x; M) > tail_hi (cdf falls as M grows; true at M = x)
        mid = (lo + hi + 1) // 2
        if _hyper_cmp(x, total, mid, n, tail_hi) > 0:
            lo = mid
        else:
            hi = mid - 1
    upper = lo
    if x == 0:
        return 0.0, upper / total
    lo, hi = x, top
    while lo < hi:  # smallest M with P(X >= x; M) > tail_lo (rises with M; true at M = top)
        mid = (lo + hi) // 2
        if _hyper_cmp(x - 1, total, mid, n, 1 - tail_lo) < 0:  # P(X >= x) = 1 - P(X <= x - 1)
            hi = mid
        else:
            lo = mid + 1
    return lo / total, upper / total


def proportion_interval(
    successes: int,
    n: int,
    confidence: float,
    method: str = "wilson",
    sides: str = "two-sided",
    *,
    population: int | None = None,
) -> Interval:
    """Confidence interval for a binomial proportion, or for a finite population's proportion.

    ``sides`` is ``"two-sided"``, ``"lower"`` (one-sided lower limit, upper end 1) or ``"upper"``.
    ``"wald"`` is the normal approximation, kept for comparison only. With ``population`` (N items
    sampled without replacement) ``"clopper-pearson"`` gives the exact hypergeometric limits (M / N), and
    ``"wilson"``, ``"agresti-coull"`` and ``"wald"`` use the variance times the FPC (N - n) / (N - 1).

    Args:
        successes: Number of items with the attribute (e.g. errors) in the sample.
        n: Sample size.
        confidence: Confidence level, in (0, 1).
        method: ``"wilson"``, ``"clopper-pearson"``, ``"jeffreys"``, ``"agresti-coull"`` or ``"wald"``.
        sides: ``"two-sided"``, ``"lower"`` or ``"upper"``.
        population: Population size N for the finite-population versions.

    Returns:
        The interval with its inputs.

    Raises:
        ValidationError: An input is out of range, or ``"jeffreys"`` with a population.

    Example:
        >>> i = proportion_interval(successes=10, n=100, confidence=0.95, method="wilson")
        >>> round(i.lower, 4), round(i.upper, 4)
        (0.0552, 0.1744)
        >>> i = proportion_interval(10, 100, 0.95, "clopper-pearson", population=400)
        >>> round(i.lower * 400), round(i.upper * 400)
        (22, 66)
    """
    size = c.count(n, "$.n", minimum=1)
    x = c.count(successes, "$.successes")
    if x > size:
        raise ValidationError.single("$.successes", "range", f"'successes' must be <= n (got {x} > {size})")
    conf_exact = _rate("confidence", confidence)
    conf = float(conf_exact)
    c.one_of(method, INTERVAL_METHODS, "$.method")
    c.one_of(sides, SIDES, "$.sides")
    if population is not None:
        population = c.count(population, "$.population", minimum=size)
        if method == "jeffreys":
            raise ValidationError.single(
                "$.method", "choice", "'jeffreys' has no finite-population version; use clopper-pearson"
            )
    from scipy.special import betaincinv, ndtri  # noqa: PLC0415 - lazy import keeps the package light

    tail = (1 - conf) / 2 if sides == "two-sided" else 1 - conf
    z = float(ndtri(1 - tail))
    p = x / size
    # Finite population: the binomial variance times the FPC, i.e. an effective sample size n / fpc.
    if population is None:
        fpc = 1.0
    elif population == size:  # a census, N = 1 included
        fpc = 0.0
    else:
        fpc = (population - size) / (population - 1)
    convention = _INTERVAL_CONVENTIONS[method]
    if population is not None:
        convention = _FINITE_CONVENTIONS.get(method, convention)
    if method == "clopper-pearson" and population is not None:
        _hyper_population(population)
        _hyper_sample(size, "$.n")
        exact_tail = (1 - Fraction(conf_exact)) / (2 if sides == "two-sided" else 1)
        lo, hi = _hyper_limits(x, size, population, exact_tail, exact_tail)
    elif method == "clopper-pearson":
        lo = 0.0 if x == 0 else float(betaincinv(x, size - x + 1, tail))
        hi = 1.0 if x == size else float(betaincinv(x + 1, size - x, 1 - tail))
    elif method == "jeffreys":
        lo = 0.0 if x == 0 else float(betaincinv(x + 0.5, size - x + 0.5, tail))
        hi = 1.0 if x == size else float(betaincinv(x + 0.5, size - x + 0.5, 1 - tail))
    elif fpc == 0:  # a census: the proportion is known
        lo = hi = p
    elif method == "wilson":
        m = size / fpc
        denom = 1 + z * z / m
        centre = (p + z * z / (2 * m)) / denom
        half = z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
        lo, hi = centre - half, centre + half
    elif method == "agresti-coull":
        nt = size / fpc + z * z
        pt = (p * size / fpc + z * z / 2) / nt
        half = z * math.sqrt(pt * (1 - pt) / nt)
        lo, hi = pt - half, pt + half
    else:
        half = z * math.sqrt(p * (1 - p) / size * fpc)
        lo, hi = p - half, p + half
    lo = _computed(lo, "$.confidence", confidence)
    hi = _computed(hi, "$.confidence", confidence)
    lo, hi = max(0.0, lo), min(1.0, hi)
    if sides == "lower":
        hi = 1.0
    elif sides == "upper":
        lo = 0.0
    return Interval(
        successes=x,
        n=size,
        confidence=conf,
        method=method,
        sides=sides,
        estimate=p,
        lower=lo,
        upper=hi,
        population=population,
        convention=convention,
    )


_INTERVAL_CONVENTIONS = {
    "wilson": "Wilson score interval",
    "clopper-pearson": "Clopper-Pearson exact (beta quantiles)",
    "jeffreys": "Jeffreys equal-tailed (Beta(x + 1/2, n - x + 1/2) quantiles)",
    "agresti-coull": "Agresti-Coull (x + z^2/2 successes in n + z^2)",
    "wald": "Wald normal approximation (comparison only; undercovers for small n or p near 0)",
}
_FINITE_CONVENTIONS = {
    "clopper-pearson": "exact hypergeometric: smallest M with P(X >= x) > tail and largest M with "
    "P(X <= x) > tail, reported as M / N",
    "wilson": "Wilson score with the variance times the FPC (N - n) / (N - 1) (effective n = n / FPC)",
    "agresti-coull": "Agresti-Coull with effective n = n / FPC, FPC = (N - n) / (N - 1)",
    "wald": "Wald normal approximation with the FPC (N - n) / (N - 1) (comparison only)",
}
