"""Monetary unit sample evaluation: taints, the Stringer bound and its modifications, and estimators.

The bounds are those of jfa's ``evaluation(method = ...)`` (Derks et al., jfa 0.7, ``R/methods.R``),
as rates of the sampled book value:

* ``stringer.poisson`` / ``stringer.binomial`` / ``stringer.hypergeometric`` (Stringer 1963):
  the overstatement taints, capped at 1 and ranked largest first, each weighted by the increment
  of the upper limit factor: ``f(0) + sum_i (f(i) - f(i - 1)) x t_i``, with ``f(k)`` the upper
  limit for k errors in n: ``gammaincinv(k + 1, conf) / n``, ``betaincinv(k + 1, n - k, conf)``
  (Clopper-Pearson), or ``K / N`` with K the largest population count for which
  ``P(X <= k) > 1 - conf`` (hypergeometric, over N monetary units);
* ``stringer.meikle`` (Meikle 1972): the binomial bound less ``f'(1) |u_1| + sum_{i >= 2} (f'(i) -
  f'(i - 1)) |u_i|`` over the understatement taints u, largest first, with ``f'(k) =
  betaincinv(k + 1, n - 1, conf)``;
* ``stringer.lta`` (Leslie, Teitlebaum and Anderson 1979): the binomial bound less the
  understatements' most likely rate ``sum |u| / n``;
* ``stringer.pvz`` (Pap and van Zuijlen 1996): the binomial bound less ``(c - sqrt(s2)) / sqrt(n) x
  z(conf)`` with ``c = sum_i (n - 2i + 1) / (2 sqrt(i (n - i + 1))) x t_(i) / n`` over the
  overstatement taints largest first and ``s2`` their squared deviations from their mean over n;
* ``cell.poisson`` / ``cell.binomial`` / ``cell.hypergeometric``: the cell bound (Leslie,
  Teitlebaum and Anderson 1979, as FSaudit and IDEA compute it): ``B_0 = f(0)``, then
  ``B_i = max(B_{i-1} + t_i / n, f(i) x mean(t_1..t_i))``.

Understatements are bounded separately with the same bound (its plain form) on the understatement
magnitudes. :func:`mus_estimate` gives jfa's ``direct``, ``difference``, ``quotient`` and
``regression`` estimators of the misstatement amount (Touw and Hoogduin 2011).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.errors import InsufficientDataError, Issue, ValidationError
from comanaged_rcm.sampling._models import (
    SIDES,
    _html_table,
    _integer,
    _one_of,
    _optional_real,
    _real,
    _tuple,
    ordered,
)
from comanaged_rcm.sampling._mus import MAX_UNITS, amounts

__all__ = [
    "BOUND_METHODS",
    "ESTIMATORS",
    "MusEstimate",
    "MusEvaluation",
    "mus_estimate",
    "mus_evaluate",
    "stringer_bound",
    "taints",
]

BOUND_METHODS = (
    "stringer.poisson",
    "stringer.binomial",
    "stringer.hypergeometric",
    "stringer.meikle",
    "stringer.lta",
    "stringer.pvz",
    "cell.poisson",
    "cell.binomial",
    "cell.hypergeometric",
)
"""The bounds of :func:`mus_evaluate` and :func:`stringer_bound` (jfa's names; ``cell.*`` added)."""

ESTIMATORS = ("direct", "difference", "quotient", "regression")
"""The estimators of :func:`mus_estimate`, named as jfa's ``evaluation(method = ...)``."""

MAX_HYPERGEOMETRIC_UNITS = 10**10
"""The largest number of monetary units for hypergeometric factors (beyond, they equal the binomial)."""

_MAX_VALUE = 1e23
"""The largest population book value in magnitude (10**8 items of at most 10**15)."""

_FACTORS = {
    "poisson": "Poisson factors f(k) = gammaincinv(k + 1, conf) / n",
    "binomial": "binomial factors f(k) = betaincinv(k + 1, n - k, conf) (Clopper-Pearson; 1 for k >= n)",
    "hypergeometric": "hypergeometric factors f(k) = K / N, K the largest count of misstated units among"
    " N = ceil(population_value) with P(X <= k) > 1 - conf",
}
_CONVENTIONS = {
    "stringer": "Stringer bound (Stringer 1963; jfa stringer.*): overstatement taints capped at 1, largest"
    " first, f(0) + sum (f(i) - f(i - 1)) t_i",
    "stringer.meikle": "Stringer bound with Meikle's correction (Meikle 1972; jfa stringer.meikle): binomial"
    " bound less f'(1)|u_1| + sum_{i>=2} (f'(i) - f'(i-1))|u_i|, f'(k) = betaincinv(k + 1, n - 1, conf),"
    " understatements largest first (jfa skips the second term when exactly 2 understatements are found;"
    " here every understatement counts)",
    "stringer.lta": "Stringer bound with the LTA correction (Leslie, Teitlebaum and Anderson 1979; jfa"
    " stringer.lta): binomial bound less sum |u| / n",
    "stringer.pvz": "Stringer bound with Pap and van Zuijlen's correction (1996; jfa stringer.pvz): binomial"
    " bound less (c - sqrt(s2)) / sqrt(n) x z(conf), c = sum_i (n - 2i + 1) / (2 sqrt(i (n - i + 1)))"
    " t_(i) / n over the overstatement taints largest first, s2 = sum (t - mean t)^2 / n",
    "cell": "cell bound (Leslie, Teitlebaum and Anderson 1979; FSaudit and IDEA): B_0 = f(0), B_i ="
    " max(B_{i-1} + t_i / n, f(i) x mean(t_1..t_i)), overstatement taints capped at 1, largest first",
}
_COMMON = (
    "taint = (book - audit) / book per item, once per hit (times); most likely error = sum of taints / n"
    " (jfa mle: over- and understatements netted, uncapped); understatements bounded apart by the plain"
    " bound of the same kind on their magnitudes; acceptable when upper_limit < tolerable_rate (jfa)"
)


_reals = v.items(float, v.real(), "numbers")


_positive_counts = v.items(int, v.count(minimum=1), "counts")


_OPTIONAL_POSITIVE = v.optional(v.real(minimum=0, low_open=True))


@attrs.frozen(kw_only=True)
class MusEvaluation:
    """Most likely and upper misstatement of a monetary unit sample, as rates and (given a value) amounts.

    ``taints`` holds one taint per sampled unit (an item hit twice counts twice); ``factors`` the
    upper limit factors f(0), f(1), ... the bound used, as rates. ``book``, ``audit`` and ``times``
    are empty when the evaluation was given taints (:func:`stringer_bound`).
    """

    method: str = attrs.field(validator=_one_of(BOUND_METHODS))
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    sample_size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    book: tuple[float, ...] = attrs.field(converter=_tuple, validator=_reals)
    audit: tuple[float, ...] = attrs.field(converter=_tuple, validator=_reals)
    times: tuple[int, ...] = attrs.field(converter=_tuple, validator=_positive_counts)
    taints: tuple[float, ...] = attrs.field(converter=_tuple, validator=_reals)
    overstatements: int = attrs.field(converter=_integer, validator=v.count())
    understatements: int = attrs.field(converter=_integer, validator=v.count())
    most_likely_error: float = attrs.field(converter=_real, validator=v.real())
    upper_limit: float = attrs.field(converter=_real, validator=v.real())
    understatement_limit: float = attrs.field(converter=_real, validator=v.real(minimum=0))
    factors: tuple[float, ...] = attrs.field(converter=_tuple, validator=_reals)
    population_value: float | None = attrs.field(converter=_optional_real, validator=_OPTIONAL_POSITIVE)
    projected_misstatement: float | None = attrs.field(
        converter=_optional_real, validator=v.optional(v.real())
    )
    upper_misstatement: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.real()))
    understatement_misstatement: float | None = attrs.field(
        converter=_optional_real, validator=v.optional(v.real(minimum=0))
    )
    tolerable_rate: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.rate()))
    acceptable: bool | None = attrs.field(validator=v.optional(v.flag()))
    convention: str = attrs.field(validator=v.text(multiline=True))

    @property
    def precision(self) -> float:
        """Upper limit less most likely error (jfa's ``precision``)."""
        return self.upper_limit - self.most_likely_error

    def _repr_html_(self) -> str:
        return _html_table(
            "Monetary unit evaluation", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


@attrs.frozen(kw_only=True)
class MusEstimate:
    """A classical estimate of the misstatement amount (book less audited value) of the population.

    ``lower`` or ``upper`` is ``None`` on the open side of a one-sided estimate; ``standard_error`` is
    ``N x s / sqrt(n)`` (times ``sqrt(1 - n / N)`` with ``fpc``); ``precision`` is the half-width.
    """

    method: str = attrs.field(validator=_one_of(ESTIMATORS))
    book: tuple[float, ...] = attrs.field(converter=_tuple, validator=_reals)
    audit: tuple[float, ...] = attrs.field(converter=_tuple, validator=_reals)
    population_size: int = attrs.field(converter=_integer, validator=v.count(minimum=2))
    population_value: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.real()))
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    sides: str = attrs.field(validator=_one_of(SIDES))
    fpc: bool = attrs.field(validator=v.flag())
    most_likely: float = attrs.field(converter=_real, validator=v.real())
    lower: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.real()))
    upper: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.real()))
    precision: float = attrs.field(converter=_real, validator=v.real(minimum=0))
    standard_error: float = attrs.field(converter=_real, validator=v.real(minimum=0))
    t_value: float = attrs.field(converter=_real, validator=v.real())
    degrees_of_freedom: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    convention: str = attrs.field(validator=v.text(multiline=True))

    def _repr_html_(self) -> str:
        return _html_table(
            "Misstatement estimate", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


# ------------------------------------------------------------------------------------ factors
def _hyper_count(k: npt.NDArray[np.int64], total: int, n: int, alpha: float) -> npt.NDArray[np.float64]:
    """For each k: the largest K in [k, total] with hypergeometric P(X <= k) > alpha (jfa ``.qhyper``)."""
    from scipy.stats import hypergeom  # noqa: PLC0415 - lazy import keeps the package light

    lo = k.astype(np.float64)  # P(X <= k | K = k) = 1 > alpha
    hi = np.full(k.shape, float(total))
    done = k >= n  # P(X <= k) = 1 for every K
    lo[done] = total
    while True:
        open_ = ~done & (hi - lo > 1)
        if not open_.any():
            break
        mid = np.floor((lo + hi) / 2)
        above = hypergeom.cdf(k, total, mid, n) > alpha
        lo = np.where(open_ & above, mid, lo)
        hi = np.where(open_ & ~above, mid, hi)
    top = ~done & (hypergeom.cdf(k, total, hi, n) > alpha)
    return np.where(top, hi, lo)


def factors(kind: str, count: int, n: int, confidence: float, units: int | None) -> npt.NDArray[np.float64]:
    """Upper limit factors f(0..count) as rates: the upper limit for k misstated units among n.

    >>> [round(float(f), 4) for f in factors("poisson", 2, 100, 0.95, None)]
    [0.03, 0.0474, 0.063]
    """
    from scipy.special import betaincinv, gammaincinv  # noqa: PLC0415 - lazy import keeps the package light

    k = np.arange(count + 1, dtype=np.int64)
    if kind == "poisson":
        return np.asarray(gammaincinv(k + 1.0, confidence), dtype=np.float64) / n
    if kind == "binomial":
        inside = k < n
        out = np.ones(k.shape)
        out[inside] = betaincinv(k[inside] + 1.0, (n - k[inside]).astype(np.float64), confidence)
        return out
    if units is None:  # guarded by the callers
        c.fail("$.population_value", "required", "'population_value' is required for hypergeometric factors")
    return _hyper_count(k, units, n, 1 - confidence) / units


def _meikle_factors(count: int, n: int, confidence: float) -> npt.NDArray[np.float64]:
    from scipy.special import betaincinv  # noqa: PLC0415 - lazy import keeps the package light

    k = np.arange(count + 1, dtype=np.float64)
    if n - 1 <= 0:
        return np.ones(k.shape)
    return np.asarray(betaincinv(k + 1.0, float(n - 1), confidence), dtype=np.float64)


def _stringer(ranked: npt.NDArray[np.float64], f: npt.NDArray[np.float64]) -> float:
    return float(f[0] + np.sum(np.diff(f[: ranked.size + 1]) * ranked))


def _cell(ranked: npt.NDArray[np.float64], f: npt.NDArray[np.float64], n: int) -> float:
    bound = float(f[0])
    means = np.cumsum(ranked) / np.arange(1, ranked.size + 1)
    for i, t in enumerate(ranked.tolist()):  # one step per misstated unit, not per population item
        bound = max(bound + t / n, float(f[i + 1] * means[i]))
    return bound


# --------------------------------------------------------------------------------- evaluation
def taints(book: Sequence[float], audit: Sequence[float]) -> npt.NDArray[np.float64]:
    """Taint of each item: ``(book - audit) / book`` (> 0 an overstatement, < 0 an understatement).

    Book values must be positive (a monetary unit sample only hits positive book values).

    >>> taints([100.0, 50.0, 10.0], [60.0, 50.0, 12.0]).tolist()
    [0.4, 0.0, -0.2]
    """
    b, a = _paired(book, audit)
    return (b - a) / b


def _paired(book: object, audit: object) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    b = amounts(book, "$.book", maximum=MAX_UNITS)
    a = amounts(audit, "$.audit", maximum=MAX_UNITS)
    if b.size != a.size:
        message = f"'book' and 'audit' must pair (got {b.size:,} book and {a.size:,} audit values)"
        raise ValidationError([Issue("$.book", "length", message), Issue("$.audit", "length", message)])
    if not b.size:
        c.fail("$.book", "value", "'book' must hold the sampled items' book values")
    bad = ~(b > 0)
    if bad.any():
        i = int(np.argmax(bad))
        c.fail(
            f"$.book[{i}]",
            "range",
            f"'book[{i}]' must be > 0: a monetary unit sample only hits positive book values (got {b[i]!r})",
        )
    return b, a


def _times(times: object, size: int) -> npt.NDArray[np.int64]:
    if times is None:
        return np.ones(size, dtype=np.int64)
    items = ordered(times, "$.times")
    if len(items) != size:
        message = f"'times' must give one count per item (got {len(items):,} for {size:,} items)"
        raise ValidationError([Issue("$.times", "length", message), Issue("$.book", "length", message)])
    return np.array(
        [c.count(x, f"$.times[{i}]", minimum=1, maximum=MAX_UNITS) for i, x in enumerate(items)],
        dtype=np.int64,
    )


def _units(method: str, population_value: float | None, n: int) -> int | None:
    if not method.endswith("hypergeometric"):
        return None
    if population_value is None:
        c.fail("$.population_value", "required", f"'population_value' is required for method {method!r}")
    units = math.ceil(population_value)
    if units > MAX_HYPERGEOMETRIC_UNITS:
        c.fail(
            "$.population_value",
            "range",
            f"'population_value' must be <= {MAX_HYPERGEOMETRIC_UNITS:,} units for hypergeometric factors"
            " (use the binomial ones beyond)",
        )
    if units < n:
        message = f"'population_value' ({units:,} units) must be >= the sample size {n:,}"
        raise ValidationError(
            [Issue("$.population_value", "range", message), Issue("$.sample_size", "range", message)]
        )
    return units


def stringer_bound(
    taints: Sequence[float],
    sample_size: int,
    confidence: float = 0.95,
    *,
    method: str = "stringer.binomial",
    population_value: float | None = None,
    tolerable_rate: float | None = None,
) -> MusEvaluation:
    """Bound the misstatement of a monetary unit sample from its taints (one per misstated unit).

    Args:
        taints: Taint of each misstated unit found ((book - audit) / book: positive for an
            overstatement, negative for an understatement); units found correct may be left out.
        sample_size: Number of monetary units sampled (n).
        confidence: Confidence level, in (0, 1).
        method: One of :data:`BOUND_METHODS` (see the module docstring).
        population_value: Book value of the sampled population: gives the amounts, and N for the
            hypergeometric factors (``ceil(population_value)`` monetary units).
        tolerable_rate: Tolerable misstatement as a fraction of the book value (jfa's
            ``materiality``); gives the conclusion.

    Returns:
        The evaluation with most likely error, upper limit and understatement limit.

    Raises:
        ValidationError: An input is out of range, or the taints outnumber the sample.

    Example:
        >>> e = stringer_bound([1.0, 0.2, 0.04], sample_size=145)
        >>> round(e.upper_limit, 8), round(e.most_likely_error, 8)
        (0.03478656, 0.00855172)
    """
    n = c.count(sample_size, "$.sample_size", minimum=1, maximum=MAX_UNITS)
    found = amounts(taints, "$.taints", maximum=MAX_UNITS)
    if found.size > n:
        message = f"'taints' must not outnumber sample_size (got {found.size:,} > {n:,})"
        raise ValidationError([Issue("$.taints", "range", message), Issue("$.sample_size", "range", message)])
    return _evaluate(found, n, confidence, method, population_value, tolerable_rate, (), (), ())


def mus_evaluate(
    book: Sequence[float],
    audit: Sequence[float],
    confidence: float = 0.95,
    *,
    times: Sequence[int] | None = None,
    method: str = "stringer.binomial",
    population_value: float | None = None,
    tolerable_rate: float | None = None,
) -> MusEvaluation:
    """Evaluate a monetary unit sample from the book and audited values of its items.

    Give the sampled items only: certainty items (the top stratum) are examined in full and their
    misstatement is known, not projected. The sample size n is the number of units, ``sum(times)``.

    Args:
        book: Book value of each sampled item (positive).
        audit: Audited value of the same items, in the same order.
        confidence: Confidence level, in (0, 1).
        times: Units that hit each item (default 1 each); each hit counts the item's taint once.
        method: One of :data:`BOUND_METHODS` (see the module docstring).
        population_value: Book value of the sampled population (amounts; hypergeometric N).
        tolerable_rate: Tolerable misstatement as a fraction of the book value; gives the conclusion.

    Returns:
        The evaluation, with every input.

    Raises:
        ValidationError: An input is out of range, the values do not pair, or a book value is <= 0.

    Example:
        >>> e = mus_evaluate([100.0] * 60, [100.0] * 59 + [40.0], 0.95, population_value=1e6)
        >>> round(e.upper_limit, 5), round(e.upper_misstatement)
        (0.06547, 65465)
    """
    b, a = _paired(book, audit)
    hits = _times(times, b.size)
    n = int(hits.sum())
    if n > MAX_UNITS:
        c.fail("$.times", "range", f"'times' must sum to at most {MAX_UNITS:,} units (got {n:,})")
    per_unit = np.repeat((b - a) / b, hits)
    return _evaluate(
        per_unit,
        n,
        confidence,
        method,
        population_value,
        tolerable_rate,
        b.tolist(),
        a.tolist(),
        hits.tolist(),
    )


def _evaluate(  # noqa: PLR0917 - a private step shared by the two public entry points
    found: npt.NDArray[np.float64],
    n: int,
    confidence: float,
    method: str,
    population_value: float | None,
    tolerable_rate: float | None,
    book: Sequence[float],
    audit: Sequence[float],
    times: Sequence[int],
) -> MusEvaluation:
    conf = c.rate(confidence, "$.confidence")
    c.one_of(method, BOUND_METHODS, "$.method")
    value = (
        None
        if population_value is None
        else c.real(population_value, "$.population_value", minimum=0, low_open=True)
    )
    tol = None if tolerable_rate is None else c.rate(tolerable_rate, "$.tolerable_rate")
    units = _units(method, value, n)
    family, _, kind = method.partition(".")
    if family == "stringer" and kind in ("meikle", "lta", "pvz"):
        kind = "binomial"
    over = np.sort(np.minimum(found[found > 0], 1.0))[::-1]
    under = np.sort(-found[found < 0])[::-1]
    f = factors(kind, max(over.size, under.size), n, conf, units)
    if family == "cell":
        upper = _cell(over, f, n)
        under_limit = _cell(under, f, n)
        convention = _CONVENTIONS["cell"]
    else:
        upper = _stringer(over, f)
        under_limit = _stringer(under, f)
        convention = _CONVENTIONS.get(method, _CONVENTIONS["stringer"])
        upper -= _correction(method, found, under, n, conf)
    mle = math.fsum(found.tolist()) / n
    return MusEvaluation(
        method=method,
        confidence=conf,
        sample_size=n,
        book=tuple(book),
        audit=tuple(audit),
        times=tuple(times),
        taints=tuple(found.tolist()),
        overstatements=int(np.count_nonzero(found > 0)),
        understatements=int(np.count_nonzero(found < 0)),
        most_likely_error=mle,
        upper_limit=upper,
        understatement_limit=under_limit,
        factors=tuple(f.tolist()),
        population_value=value,
        projected_misstatement=None if value is None else mle * value,
        upper_misstatement=None if value is None else upper * value,
        understatement_misstatement=None if value is None else under_limit * value,
        tolerable_rate=tol,
        acceptable=None if tol is None else bool(upper < tol),
        convention=f"{convention}; {_FACTORS[kind]}; {_COMMON}",
    )


def _correction(
    method: str, found: npt.NDArray[np.float64], under: npt.NDArray[np.float64], n: int, conf: float
) -> float:
    """What the Meikle, LTA and PVZ modifications take off the binomial Stringer bound."""
    if method == "stringer.meikle" and under.size:
        g = _meikle_factors(under.size, n, conf)
        return float(g[1] * under[0] + np.sum(np.diff(g[1 : under.size + 1]) * under[1:]))
    if method == "stringer.lta" and under.size:
        return math.fsum(under.tolist()) / n
    if method == "stringer.pvz":
        over = np.sort(found[found > 0])[::-1]  # uncapped, as jfa
        if over.size:
            from scipy.special import ndtri  # noqa: PLC0415 - lazy import keeps the package light

            i = np.arange(1, over.size + 1, dtype=np.float64)
            weight = (n - 2 * i + 1) / (2 * np.sqrt(i * (n - i + 1)))
            constant = float(np.sum(weight * over)) / n
            spread = float(np.sum((over - over.mean()) ** 2)) / n
            return (constant - math.sqrt(spread)) / math.sqrt(n) * float(ndtri(conf))
    return 0.0


# --------------------------------------------------------------------------------- estimators
_ESTIMATOR_CONVENTIONS = {
    "direct": "direct (mean-per-unit) estimator (Touw and Hoogduin 2011; jfa direct): misstatement ="
    " B - N x mean(audit), s = sd(audit)",
    "difference": "difference estimator (Touw and Hoogduin 2011; jfa difference): misstatement ="
    " N x mean(book - audit), s = sd(book - audit)",
    "quotient": "quotient (ratio) estimator (Touw and Hoogduin 2011; jfa quotient): q = mean(audit) /"
    " mean(book), misstatement = N x (1 - q) x mean(book), s = sd(audit - q x book)",
    "regression": "regression estimator (Touw and Hoogduin 2011; jfa regression): slope b1 of audit on book"
    " (least squares), misstatement = B - (N x mean(audit) + b1 x (B - N x mean(book))),"
    " s = sd(audit) x sqrt(1 - r^2)",
}


def mus_estimate(
    book: Sequence[float],
    audit: Sequence[float],
    population_size: int,
    confidence: float = 0.95,
    *,
    method: str = "difference",
    population_value: float | None = None,
    sides: str = "upper",
    fpc: bool = False,
) -> MusEstimate:
    """Estimate the population misstatement (book less audited value) from a sample of items.

    Limits are ``most_likely +- t x N x s / sqrt(n)`` with Student's t on n - 1 degrees of freedom,
    as jfa (which applies no finite population correction); ``fpc=True`` multiplies the margin by
    ``sqrt(1 - n / N)`` as :func:`difference_estimate` and :func:`ratio_estimate` do. ``sides`` is
    ``"upper"`` (jfa's ``alternative = "less"``), ``"lower"`` (``"greater"``) or ``"two-sided"``.

    Args:
        book: Book value of each sampled item.
        audit: Audited value of the same items, in the same order.
        population_size: Number of items in the population (N).
        confidence: Confidence level, in (0, 1).
        method: One of :data:`ESTIMATORS`.
        population_value: Book value of the population (B); required for ``direct`` and ``regression``.
        sides: ``"upper"``, ``"lower"`` or ``"two-sided"``.
        fpc: Whether to apply the finite population correction.

    Returns:
        The estimate, with every input.

    Raises:
        ValidationError: An input is out of range, the values do not pair, ``population_value`` is
            missing where needed, or the book values are all equal (regression) or average 0
            (quotient).
        InsufficientDataError: Fewer than 2 items.

    Example:
        >>> e = mus_estimate([100.0, 200.0, 300.0], [100.0, 180.0, 300.0], 30, 0.95, sides="two-sided")
        >>> round(e.most_likely, 2), round(e.upper, 2)
        (200.0, 1060.53)
    """
    b = amounts(book, "$.book", maximum=MAX_UNITS)
    a = amounts(audit, "$.audit", maximum=MAX_UNITS)
    if b.size != a.size:
        message = f"'book' and 'audit' must pair (got {b.size:,} book and {a.size:,} audit values)"
        raise ValidationError([Issue("$.book", "length", message), Issue("$.audit", "length", message)])
    if b.size < 2:
        raise InsufficientDataError(f"'book' needs at least 2 sampled items (got {b.size})")
    size = b.size
    total = c.count(population_size, "$.population_size", minimum=2)
    if total < size:
        message = f"'population_size' must be >= the {size:,} sampled items (got {total:,})"
        raise ValidationError(
            [Issue("$.population_size", "range", message), Issue("$.book", "range", message)]
        )
    conf = c.rate(confidence, "$.confidence")
    c.one_of(method, ESTIMATORS, "$.method")
    c.one_of(sides, SIDES, "$.sides")
    c.flag(fpc, "$.fpc")
    value = None
    if population_value is not None:
        value = c.real(population_value, "$.population_value", minimum=-_MAX_VALUE, maximum=_MAX_VALUE)
    elif method in ("direct", "regression"):
        c.fail("$.population_value", "required", f"'population_value' is required for method {method!r}")
    mean_a, mean_b = float(np.mean(a)), float(np.mean(b))
    var_a = float(np.var(a, ddof=1))
    var_b = float(np.var(b, ddof=1))
    cov = float(np.sum((a - mean_a) * (b - mean_b))) / (size - 1)
    if method == "direct":
        point = value - total * mean_a  # type: ignore[operator]
        spread = var_a
    elif method == "difference":
        d = b - a
        point = total * float(np.mean(d))
        spread = float(np.var(d, ddof=1))
    elif method == "quotient":
        if mean_b == 0:
            c.fail("$.book", "range", "'book' values must not average 0 for the quotient estimator")
        q = mean_a / mean_b
        point = total * (1 - q) * mean_b
        spread = var_a - 2 * q * cov + q * q * var_b
    else:
        if var_b == 0:
            c.fail("$.book", "value", "'book' values must not all be equal for the regression estimator")
        slope = cov / var_b
        point = value - (total * mean_a + slope * (value - total * mean_b))  # type: ignore[operator]
        spread = var_a - cov * cov / var_b
    from scipy.special import stdtrit  # noqa: PLC0415 - lazy import keeps the package light

    t = float(stdtrit(size - 1, 1 - (1 - conf) / 2 if sides == "two-sided" else conf))
    se = total * math.sqrt(max(spread, 0.0) / size) * (math.sqrt(1 - size / total) if fpc else 1.0)
    half = t * se
    if not math.isfinite(point + half):
        c.fail("$.book", "range", "the amounts are too large: the estimate overflows")
    return MusEstimate(
        method=method,
        book=tuple(b.tolist()),
        audit=tuple(a.tolist()),
        population_size=total,
        population_value=value,
        confidence=conf,
        sides=sides,
        fpc=fpc,
        most_likely=point,
        lower=None if sides == "upper" else point - half,
        upper=None if sides == "lower" else point + half,
        precision=half,
        standard_error=se,
        t_value=t,
        degrees_of_freedom=size - 1,
        convention=_ESTIMATOR_CONVENTIONS[method]
        + "; limits most likely +- t(n - 1) x N x s / sqrt(n)"
        + ("; FPC sqrt(1 - n / N) applied" if fpc else "; no finite population correction (jfa)"),
    )
