"""Attribute sample sizes and upper deviation limits.

Planning follows R's jfa ``planning()`` (Derks et al., jfa 0.7.3, ``R/planning.R``) where it and the
AICPA tables agree, and the AICPA rule where they differ:

* ``expected`` is a rate or a count. jfa: "a numeric value between 0 and 1 specifying the expected
  (tolerable) misstatements in the sample relative to the total sample size, or a number (>= 1)
  specifying the expected (tolerable) number of misstatements in the sample". A rate gives
  ceil(rate x n) acceptable deviations at each n (exact decimals); a count is fixed before n is searched.
* A plan is by materiality (``tolerable_rate``: the risk at the tolerable rate is at most
  1 - confidence, i.e. the upper bound is at most the tolerable rate), by minimum precision
  (``min_precision``: the upper bound minus the most likely error k / n is below it), or both.
* n is searched up to ``max`` (jfa's default, 5,000); a plan that needs more is refused, naming the n
  it would need. A hypergeometric plan that no sample short of the population meets is a census.

scipy is imported lazily inside the functions so that importing the package stays light.
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple, NoReturn

from comanaged_rcm import _check as c
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._models import (
    DEFAULT_MAX,
    SIDES,
    AttributeEvaluation,
    AttributePlan,
    Method,
)
from comanaged_rcm.sampling._search import first, largest, smallest

__all__ = ["DEFAULT_MAX", "attribute_sample_size", "attribute_upper_limit"]

CONVENTION = (
    "AICPA: acceptable deviations = ceil(expected_rate x n) in exact decimal arithmetic; smallest n whose "
    "probability of at most that many deviations at the tolerable rate is <= 1 - confidence "
    "(jfa instead fixes the expected deviations before searching n)"
)
_HYPER = "population deviations = ceil(tolerable_rate x N)"
JFA_EXPECTED = (
    "jfa planning(): expected is 'a number (>= 1) specifying the expected (tolerable) number of"
    " misstatements in the sample'"
)

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
            f"{c.name_of(path)!r} must be <= {MAX_HYPERGEOMETRIC_POPULATION:,} for exact hypergeometric"
            f" figures (got {population:,}); the binomial method gives the same figures for larger"
            " populations",
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


def _sides(value: object) -> str:
    """The one check of a ``sides`` argument: ``"two-sided"``, ``"lower"`` or ``"upper"``."""
    return c.one_of(value, SIDES, "$.sides")


def _cap(value: object) -> int:
    """The ``max`` of a plan: the largest sample it considers (jfa's name), 1 to 2**53."""
    return c.count(value, "$.max", minimum=1)


class _Expected(NamedTuple):
    """The expected errors of a plan: a rate (ceil(rate x n) errors at n) or a fixed count."""

    kind: str
    rate: Decimal
    fixed: float
    path: str
    given: object

    @property
    def value(self) -> float:
        """The expected errors as given: the rate, or the count."""
        return float(self.rate) if self.kind == "rate" else self.fixed

    def errors(self, n: int) -> int:
        """Whole errors the plan accepts at n: ceil(rate x n) in exact decimals, or the count rounded up."""
        return math.ceil(self.rate * n) if self.kind == "rate" else math.ceil(self.fixed)


def _expected(
    expected_rate: object, expected: object, tolerable: Decimal | None, *, whole: bool, method: Method
) -> _Expected:
    """The one check of a plan's expected errors, and of ``expected < tolerable``.

    ``expected_rate`` is a rate; ``expected`` is a rate when below 1 and a count of errors when 1 or
    more (jfa's convention). A count must be whole when ``whole`` (integer-error likelihoods).
    """
    if expected is not None and expected_rate is not None:
        c.fail(
            "$.expected",
            "value",
            f"pass 'expected' or 'expected_rate', not both (got expected_rate={c.show(expected_rate)}"
            f" and expected={c.show(expected)})",
        )
    if expected is None:
        path, given = "$.expected_rate", 0.0 if expected_rate is None else expected_rate
        if not isinstance(given, bool | Decimal) and isinstance(given, int | float) and given >= 1:
            c.fail(
                path,
                "range",
                f"'expected_rate' must be in [0, 1) (got {c.show(given)}); pass expected={c.show(given)}"
                " for a count of expected errors",
            )
        found = _Expected("rate", _rate("expected_rate", given, closed_low=True), 0.0, path, given)
    else:
        path, given = "$.expected", expected
        number = float(given) if isinstance(given, Decimal) and given.is_finite() else None
        if number is None:
            number = c.real(given, path, minimum=0)
        if number < 1:
            found = _Expected("rate", _rate("expected", given, closed_low=True), 0.0, path, given)
        else:
            if whole and not number.is_integer():
                c.fail(
                    path,
                    "value",
                    f"'expected' of 1 or more is a count of errors and must be whole for the {method.value!r}"
                    f" method (got {c.show(given)}; {JFA_EXPECTED}); pass expected={math.ceil(number)}",
                )
            found = _Expected("count", Decimal(0), number, path, given)
    if found.kind == "rate" and tolerable is not None and found.rate >= tolerable:
        c.fail(
            path,
            "range",
            f"{c.name_of(path)!r} must be below 'tolerable_rate' (got {c.show(given)})",
        )
    return found


def _population(method: Method, population: object, path: str = "$.population") -> int | None:
    """The one check of a plan's population: required by, and only by, the hypergeometric method."""
    name = c.name_of(path)
    if method is Method.HYPERGEOMETRIC:
        if population is None:
            raise ValidationError.single(path, "required", f"{name!r} is required for hypergeometric")
        size = c.count(population, path, minimum=1)
        _hyper_population(size, path)
        return size
    if population is not None:
        c.fail(
            path,
            "value",
            f"{name}={c.show(population)} is used only by the hypergeometric method; pass"
            f" method='hypergeometric' or drop {name} (the {method.value} method assumes an infinite"
            " population)",
        )
    return None


def _room(expected: _Expected, population: int | None, path: str = "$.population") -> None:
    """A population holds more items than the expected count of errors (jfa: 'N.units' must be > expected)."""
    if population is not None and expected.kind == "count" and expected.fixed >= population:
        c.fail(
            path,
            "range",
            f"{c.name_of(path)!r} must hold more than the expected {c.show(expected.given)} errors"
            f" (got {population:,} items)",
        )


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


def _hyper_upper(k: int, n: int, total: int, alpha: Fraction, below: int | None = None) -> int:
    """The exact upper limit on population errors: the largest M with P(X <= k; M) > alpha.

    ``below`` is a count of errors known to fail (P(X <= k; below) <= alpha, as a plan's tolerable
    errors do): the limit is under it, so the search starts narrower and finds the same M.
    """
    top = total - (n - k)
    if below is not None and k <= below - 1:
        top = min(top, below - 1)
    return largest(lambda m: _hyper_cmp(k, total, m, n, alpha) > 0, k, top)


def _estimate(
    method: Method, conf: Decimal, tolerable: Decimal, population: int | None
) -> Callable[[int], int]:
    """A close estimate of the smallest n whose risk of k errors at the tolerable rate is <= 1 - confidence.

    The Poisson quantile lam (P(Poisson(lam) <= k) = alpha; -ln(alpha) for k = 0) gives n = lam / p for
    the Poisson method and, by the Anderson-Samuels approximation lam = (2n - k) p / (2 - p), n =
    (lam (2 - p) / p + k) / 2 for the binomial (within 1 of the answer); a finite population N divides
    it by 1 + (n - 1) / N. Only the number of tests depends on it, never the plan.
    """
    alpha, p = 1 - float(conf), float(tolerable)

    def estimate(k: int) -> int:
        lam = -math.log(alpha) if k == 0 else float(_special().gammainccinv(k + 1, alpha))
        n = lam / p if method is Method.POISSON else (lam * (2 - p) / p + k) / 2
        if population is not None:
            n /= 1 + (n - 1) / population
        return math.ceil(n) if math.isfinite(n) and n < c.MAX_COUNT else k + 1

    return estimate


@functools.cache
def _special() -> Any:  # noqa: ANN401 - the scipy.special module
    """scipy.special, imported on first use (importing the package stays light) and then kept."""
    import scipy.special  # noqa: PLC0415 - lazy import keeps the package light

    return scipy.special


_C_INT = 2**31
"""scipy's bdtr reads n as a C int (NaN from 2**31 on)."""


def _risk_function(method: Method, tolerable: float, population: int | None) -> Callable[[int, int], float]:
    special = _special()
    bdtr, betaincc, pdtr = special.bdtr, special.betaincc, special.pdtr

    if method is Method.BINOMIAL:  # bdtr reads n as a C int; beyond, 1 - I_p(k + 1, n - k)
        return lambda k, n: float(bdtr(k, n, tolerable) if n < _C_INT else betaincc(k + 1, n - k, tolerable))
    if method is Method.POISSON:
        return lambda k, n: float(pdtr(k, n * tolerable))
    assert population is not None  # noqa: S101 - checked by the caller
    bad = math.ceil(Decimal(str(tolerable)) * population)
    return lambda k, n: _hyper_cdf(k, population, bad, n)


def _upper_function(
    method: Method, conf: Decimal, population: int | None, below: int | None = None
) -> Callable[[int, int], float]:
    """The one-sided upper bound on the rate after k errors in n (Clopper-Pearson, gamma, exact M / N).

    ``below``: a count of population errors known to fail (see :func:`_hyper_upper`).
    """
    special = _special()
    betaincinv, gammaincinv = special.betaincinv, special.gammaincinv
    level = float(conf)
    if method is Method.BINOMIAL:
        return lambda k, n: 1.0 if k >= n else float(betaincinv(k + 1, n - k, level))
    if method is Method.POISSON:
        return lambda k, n: float(gammaincinv(k + 1, level)) / n
    assert population is not None  # noqa: S101 - checked by the caller
    total, alpha = population, 1 - Fraction(conf)
    return lambda k, n: _hyper_upper(k, n, total, alpha, below) / total


def _plan_test(  # noqa: PLR0917 - the private test of every integer plan
    method: Method,
    conf: Decimal,
    tolerable: Decimal | None,
    population: int | None,
    min_precision: float | None,
    risks: dict[tuple[int, int], float] | None = None,
) -> Callable[[int, int], bool]:
    """Whether k acceptable errors in n items meet the plan.

    Its risk at the tolerable rate is at most 1 - confidence (exact for the hypergeometric method)
    and its precision is below ``min_precision``. Without a tolerable rate the upper bound must also be
    below 1 (jfa's ``materiality = NULL`` plans at materiality 1: ``bound < materiality``), which only a
    Poisson bound can fail.
    """
    alpha = 1 - float(conf)
    risk_ok: Callable[[int, int], bool] = lambda k, n: True  # noqa: E731, ARG005 - no materiality
    if tolerable is not None and method is Method.HYPERGEOMETRIC:
        assert population is not None  # noqa: S101 - checked by the caller
        total, bad, exact_alpha = population, math.ceil(tolerable * population), 1 - Fraction(conf)

        def risk_ok(k: int, n: int) -> bool:
            return _hyper_cmp(k, total, bad, n, exact_alpha) <= 0

    elif tolerable is not None:
        risk = _risk_function(method, float(tolerable), population)
        kept = {} if risks is None else risks

        def risk_ok(k: int, n: int) -> bool:
            value = kept[k, n] = risk(k, n)  # kept: the plan reports the risk it found
            return value <= alpha

    if min_precision is None:
        return risk_ok
    upper, cap = _upper_function(method, conf, population), min_precision

    def ok(k: int, n: int) -> bool:
        bound = upper(k, n)
        return risk_ok(k, n) and bound - k / n < cap and (tolerable is not None or bound < 1)

    return ok


def _smallest_plan(
    test: Callable[[int, int], bool],
    expected: _Expected,
    cap: int,
    estimate: Callable[[int], int] | None = None,
) -> tuple[int, int] | None:
    """The smallest (n, k) with k = expected.errors(n) < n, n <= cap and ``test(k, n)``.

    A count or a zero rate fixes k, so the test is monotone in n and one search finds n, from
    ``estimate(k)`` when given (a close estimate saves tests; any estimate gives the same n). A positive
    rate gives k = ceil(rate x n): k is constant on bands of n, where the test is monotone, so the
    bands are tried in order (each first at its largest n) and the first that passes is bisected.
    """
    if expected.kind == "count" or expected.rate == 0:
        k = expected.errors(1)
        start = None if estimate is None else estimate(k)
        n = smallest(functools.partial(test, k), k + 1, cap, start=start)
        return None if n is None else (n, k)
    rate, k = expected.rate, 0
    while True:
        low = max(k + 1, math.floor((k - 1) / rate) + 1 if k > 0 else 1)
        high = min(cap, math.floor(k / rate))
        if low <= high and test(k, high):
            return first(functools.partial(test, k), low, high), k
        if high >= cap:
            return None
        k += 1
        if k > MAX_DEVIATIONS:
            name = c.name_of(expected.path)
            c.fail(
                expected.path,
                "range",
                f"{name!r} is too close to 'tolerable_rate': the plan would accept more than"
                f" {MAX_DEVIATIONS:,} deviations (got {c.show(expected.given)})",
            )


class _Found(NamedTuple):
    n: int
    k: int
    census: bool


def _integer_plan(
    *,
    what: str,
    method: Method,
    conf: Decimal,
    tolerable: Decimal | None,
    expected: _Expected,
    population: int | None,
    min_precision: float | None,
    cap: int,
    risks: dict[tuple[int, int], float] | None = None,
) -> _Found:
    """The smallest plan with whole errors (binomial, Poisson, hypergeometric), or a census, or a refusal.

    Beyond ``cap`` the search goes on (to the population, or to 2**53) only to say what n the plan
    would need.
    """
    if expected.kind == "count" and expected.fixed >= cap:
        c.fail(
            expected.path,
            "range",
            f"'expected' must be below max={cap:,}: the sample must hold more than the expected errors"
            f" (got {c.show(expected.given)})",
        )
    test = _plan_test(method, conf, tolerable, population, min_precision, risks)
    limit = population if population is not None else c.MAX_COUNT
    estimate = None if tolerable is None else _estimate(method, conf, tolerable, population)
    found = _smallest_plan(test, expected, min(cap, limit), estimate)
    if found is not None:
        return _Found(found[0], found[1], census=False)
    if population is not None and population <= cap:
        return _Found(population, expected.errors(population), census=True)
    beyond = None if cap >= limit else _smallest_plan(test, expected, limit, estimate)
    return _refuse_beyond(what, method, beyond[0] if beyond else None, cap, population, tolerable, expected)


def _refuse_beyond(  # noqa: PLR0917 - the refusal of the private plan cores
    what: str,
    method: Method,
    needed: int | None,
    cap: int,
    population: int | None,
    tolerable: Decimal | None,
    expected: _Expected,
) -> NoReturn:
    """Raise the refusal of a plan that needs more than ``max`` (naming the n it needs when known)."""
    plan = f"the {method.value} {what} plan"
    if needed is not None:
        c.fail(
            "$.max",
            "range",
            f"{plan} needs n = {needed:,}, more than max={cap:,}; pass max={needed} or more, or raise"
            " 'tolerable_rate' or 'min_precision', or lower the expected errors",
        )
    if population is not None:
        c.fail(
            "$.max",
            "range",
            f"{plan} needs all {population:,} items of the population (a census), more than max={cap:,};"
            f" pass max={population} or more",
        )
    if expected.value > 0:
        c.fail(
            expected.path,
            "range",
            f"{c.name_of(expected.path)!r} is too close to 'tolerable_rate': {plan} would need more than"
            f" {c.MAX_COUNT:,} items (got {c.show(expected.given)}; max={cap:,})",
        )
    path = "$.tolerable_rate" if tolerable is not None else "$.min_precision"
    c.fail(
        path,
        "range",
        f"{c.name_of(path)!r} is too small: {plan} would need more than {c.MAX_COUNT:,} items (max={cap:,})",
    )


def _precision(value: object) -> float | None:
    return None if value is None else c.rate(value, "$.min_precision")


def attribute_sample_size(
    confidence: float,
    tolerable_rate: float | None = None,
    expected_rate: float | None = None,
    population: int | None = None,
    method: str | Method = "binomial",
    *,
    expected: float | None = None,
    min_precision: float | None = None,
    max: int = DEFAULT_MAX,  # noqa: A002 - jfa's name for the cap
) -> AttributePlan:
    """Plan the attribute sample size for a test of controls or a claims review.

    The smallest n (up to ``max``) whose acceptable deviations k meet the plan: by materiality, the
    probability of at most k deviations at the tolerable rate is <= 1 - confidence (AICPA; the same n
    as jfa's ``planning(materiality=)``); by precision, the upper bound minus k / n is below
    ``min_precision`` (jfa's ``min.precision``); or both. k is ceil(expected rate x n), or the expected
    count itself.

    Args:
        confidence: Confidence level (1 - risk of overreliance), in (0, 1).
        tolerable_rate: Tolerable deviation rate, in (0, 1); may be omitted when ``min_precision`` is
            given (a plan by precision alone, jfa's ``materiality = NULL``).
        expected_rate: Expected deviation rate, in [0, tolerable_rate) (0 when omitted).
        population: Population size; required by, and only by, ``"hypergeometric"``.
        method: ``"binomial"`` (AICPA tables), ``"hypergeometric"`` (exact, finite) or ``"poisson"``.
        expected: The expected deviations as jfa takes them, instead of ``expected_rate``: a rate
            below 1, or a whole count of deviations when 1 or more.
        min_precision: The largest precision (upper bound minus k / n, strictly below), in (0, 1).
        max: The largest sample considered (jfa's ``max``, 5,000 by default).

    Returns:
        The plan with sample size, acceptable deviations, achieved risk (None without a tolerable
        rate), the upper bound and precision it expects, and every input (``expected_kind``,
        ``min_precision``, ``max`` among them); its convention names the rules.

    Raises:
        ValidationError: An input is out of range, neither ``tolerable_rate`` nor ``min_precision`` is
            given, a population comes with a method that ignores it, or the plan needs more than
            ``max`` items (``$.max``, naming the n it needs).

    Example:
        >>> attribute_sample_size(confidence=0.95, tolerable_rate=0.05).sample_size
        59
        >>> attribute_sample_size(0.95, 0.05, expected=2).sample_size
        124
        >>> plan = attribute_sample_size(0.95, min_precision=0.02, method="poisson")
        >>> plan.sample_size, plan.tolerable_rate, round(plan.precision, 5)
        (150, None, 0.01997)
    """
    conf = _rate("confidence", confidence)
    tol = None if tolerable_rate is None else _rate("tolerable_rate", tolerable_rate)
    meth = _method(method)
    precision = _precision(min_precision)
    if tol is None and precision is None:
        raise ValidationError.single(
            "$.tolerable_rate",
            "required",
            "'tolerable_rate' or 'min_precision' is required (plan by materiality, precision or both)",
        )
    exp = _expected(expected_rate, expected, tol, whole=True, method=meth)
    size = _population(meth, population)
    _room(exp, size)
    cap = _cap(max)
    risks: dict[tuple[int, int], float] = {}
    found = _integer_plan(
        what="attribute",
        method=meth,
        conf=conf,
        tolerable=tol,
        expected=exp,
        population=size,
        min_precision=precision,
        cap=cap,
        risks=risks,
    )
    n, k = found.n, found.k
    risk = None
    if tol is not None:
        risk = risks.get((k, n))
        if risk is None:
            risk = _risk_function(meth, float(tol), size)(k, n)
    fails = None  # the plan met its risk at ceil(tol x N) population errors: its upper bound is below
    if size is not None and tol is not None and not found.census:
        fails = math.ceil(tol * size)
    upper = _upper_function(meth, conf, size, fails)(k, n)
    terms = _planning_terms(exp, k, n, precision, cap, census=found.census)
    return AttributePlan(
        sample_size=n,
        acceptable_deviations=k,
        achieved_risk=risk,
        confidence=float(conf),
        tolerable_rate=None if tol is None else float(tol),
        expected_rate=float(exp.rate) if exp.kind == "rate" else k / n,
        population=size,
        method=meth,
        convention=_attribute_convention(meth, tol) + terms,
        expected_kind=exp.kind,
        min_precision=precision,
        max=cap,
        upper_bound=upper,
        precision=builtins.max(0.0, upper - k / n),
    )


_PRECISION_ONLY = {
    Method.BINOMIAL: "binomial (Clopper-Pearson upper bound)",
    Method.POISSON: "Poisson (gamma upper bound gammaincinv(k + 1, confidence) / n)",
    Method.HYPERGEOMETRIC: "hypergeometric (exact upper bound M / N)",
}
"""The likelihood named by the convention of a plan by minimum precision alone."""


def _attribute_convention(method: Method, tolerable: Decimal | None) -> str:
    """The convention of an attribute plan: the AICPA rule by materiality, jfa's by precision alone."""
    if tolerable is None:
        return (
            f"jfa planning(materiality = NULL): {_PRECISION_ONLY[method]}, acceptable deviations ="
            " ceil(expected_rate x n) in exact decimal arithmetic; smallest n meeting the precision alone,"
            " its upper bound below 1"
        )
    convention = CONVENTION + ("; " + _HYPER if method is Method.HYPERGEOMETRIC else "")
    if method is Method.POISSON:
        convention += "; Poisson approximation to the binomial"
    return convention


def _planning_terms(
    expected: _Expected, errors: float, n: int, min_precision: float | None, cap: int, *, census: bool
) -> str:
    """The convention's account of the expected errors, the precision, the cap and a census."""
    terms = ""
    if expected.kind == "count":
        terms += (
            f"; expected given as a count: {c.show(expected.given)} errors fixed before searching n"
            f" ({JFA_EXPECTED}); expected_rate reports {errors:g} / {n}"
        )
    if min_precision is not None:
        terms += f"; precision (upper bound - errors / n) < min_precision {min_precision:g} (jfa)"
    terms += f"; n searched up to max = {cap:,} (jfa max)"
    if census:
        terms += "; no sample short of the population meets the plan: a census of N items"
    return terms


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

    Args:
        sample_size: Items examined.
        deviations: Deviations found among them, at most ``sample_size``.
        confidence: Confidence level, in (0, 1).
        population: Population size N (at least ``sample_size``); required by, and only by,
            ``"hypergeometric"``.
        method: ``"binomial"``, ``"hypergeometric"`` or ``"poisson"``.
        tolerable_rate: Tolerable deviation rate; gives the conclusion (upper limit <= tolerable rate).

    Returns:
        The evaluation with point estimate, upper limit, conclusion and every input.

    Raises:
        ValidationError: An input is out of range, or a population comes with a method that ignores it
            (``$.population``).

    Example:
        >>> round(attribute_upper_limit(sample_size=59, deviations=0, confidence=0.95).upper_limit, 4)
        0.0495
        >>> attribute_upper_limit(59, 0, 0.95, population=400)
        Traceback (most recent call last):
        ...
        comanaged_rcm.errors.ValidationError: 1 validation issue: population=400 is used only by the ...
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
    population = _population(meth, population)
    if population is not None and population < n:
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
        _hyper_sample(n, "$.sample_size")
        upper = _hyper_upper(k, n, population, 1 - Fraction(conf_exact)) / population
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
