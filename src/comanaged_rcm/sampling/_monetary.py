"""Monetary unit sampling: sample sizes (AICPA table C-1, jfa ``planning()``) and upper limits."""

from __future__ import annotations

import builtins
import math
import statistics
from collections.abc import Sequence
from decimal import Decimal

import attrs

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._engine import (
    DEFAULT_MAX,
    _cap,
    _Expected,
    _expected,
    _integer_plan,
    _method,
    _planning_terms,
    _population,
    _precision,
    _rate,
    _refuse_beyond,
    _room,
    _special,
    _upper_function,
)
from comanaged_rcm.sampling._models import (
    Method,
    _html_table,
    _integer,
    _one_of,
    _optional_real,
    _real,
    _tuple,
    ordered,
)
from comanaged_rcm.sampling._search import smallest

__all__ = ["MonetaryEvaluation", "MonetaryPlan", "monetary_sample_size", "monetary_upper_limit"]

PLAN_CONVENTION = (
    "AICPA table C-1: Poisson; expected misstatement left fractional (expected_rate x n taints); smallest "
    "n whose upper limit gammaincinv(1 + expected_rate x n, confidence) / n is <= the tolerable rate"
)
_PLAN_CONVENTIONS = {
    "poisson": PLAN_CONVENTION,
    "binomial": "jfa planning(likelihood='binomial'): ceil(expected_rate x n) whole misstatements (exact"
    " decimals); smallest n whose Clopper-Pearson upper limit is <= the tolerable rate (the AICPA attribute"
    " rule)",
    "hypergeometric": "jfa planning(likelihood='hypergeometric'): N = ceil(population_value) monetary units,"
    " ceil(tolerable_rate x N) misstated units at the tolerable rate, ceil(expected_rate x n) whole"
    " misstatements; smallest n whose exact risk is <= 1 - confidence",
}
_PRECISION_ONLY = {
    "poisson": "Poisson, expected misstatement left fractional (expected_rate x n taints)",
    "binomial": "binomial (Clopper-Pearson), ceil(expected_rate x n) whole misstatements",
    "hypergeometric": "hypergeometric over N = ceil(population_value) monetary units (exact limit M / N),"
    " ceil(expected_rate x n) whole misstatements",
}
"""The conventions of a plan by minimum precision alone (no tolerable rate: jfa ``materiality = NULL``)."""
PLAN_METHODS = ("poisson", "binomial", "hypergeometric")
"""The likelihoods of :func:`monetary_sample_size` (jfa's ``likelihood=``)."""
EXPECTED_KINDS = ("rate", "count")
_LIMIT_CONVENTIONS = {
    "poisson": "Poisson upper limit gammaincinv(k + 1, confidence) / n, every misstatement a whole error",
    "stringer": "Stringer bound with Poisson factors: taints ranked largest first, each weighted by the "
    "increment of the Poisson factor (AICPA cell-free MUS evaluation)",
}


_OPTIONAL_POSITIVE = v.optional(v.real(minimum=0, low_open=True))


@attrs.frozen(kw_only=True)
class MonetaryPlan:
    """A monetary unit sample size with its inputs and convention.

    Rates are fractions of the population's book value. ``expected_misstatements`` is the expected
    sum of taints in the sample: ``expected_rate x sample_size`` (fractional for the Poisson
    likelihood, rounded up for the others) or the count given (``expected_kind="count"``, when
    ``expected_rate`` reports it over the sample size). ``tolerable_rate`` is None for a plan by
    ``min_precision`` alone. ``upper_bound`` and ``precision`` (upper bound minus the most likely
    misstatement) are those the plan expects; ``max`` is the largest sample it considered.
    """

    sample_size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    expected_misstatements: float = attrs.field(converter=_real, validator=v.real(minimum=0))
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    tolerable_rate: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.rate()))
    expected_rate: float = attrs.field(converter=_real, validator=v.rate(low_open=False))
    population_value: float | None = attrs.field(converter=_optional_real, validator=_OPTIONAL_POSITIVE)
    sampling_interval: float | None = attrs.field(converter=_optional_real, validator=_OPTIONAL_POSITIVE)
    method: str = attrs.field(validator=_one_of(PLAN_METHODS))
    convention: str = attrs.field(validator=v.text(multiline=True))
    expected_kind: str = attrs.field(default="rate", validator=_one_of(EXPECTED_KINDS))
    min_precision: float | None = attrs.field(
        default=None, converter=_optional_real, validator=v.optional(v.rate())
    )
    max: int = attrs.field(default=DEFAULT_MAX, converter=_integer, validator=v.count(minimum=1))
    upper_bound: float | None = attrs.field(
        default=None, converter=_optional_real, validator=v.optional(v.real(minimum=0))
    )
    precision: float | None = attrs.field(
        default=None, converter=_optional_real, validator=v.optional(v.real(minimum=0))
    )

    def _repr_html_(self) -> str:
        return _html_table(
            "Monetary unit sample plan", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


@attrs.frozen(kw_only=True)
class MonetaryEvaluation:
    """Most likely and upper misstatement of a monetary unit sample: rates, and amounts given a book value."""

    sample_size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    taints: tuple[float, ...] = attrs.field(converter=_tuple, validator=v.each(v.rate(high_open=False)))
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    method: str = attrs.field(validator=_one_of(("poisson", "stringer")))
    most_likely_error: float = attrs.field(converter=_real, validator=v.real(minimum=0, maximum=1))
    upper_limit: float = attrs.field(converter=_real, validator=v.real(minimum=0, maximum=1))
    population_value: float | None = attrs.field(converter=_optional_real, validator=_OPTIONAL_POSITIVE)
    projected_misstatement: float | None = attrs.field(
        converter=_optional_real, validator=v.optional(v.real(minimum=0))
    )
    upper_misstatement: float | None = attrs.field(
        converter=_optional_real, validator=v.optional(v.real(minimum=0))
    )
    tolerable_rate: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.rate()))
    acceptable: bool | None = attrs.field(validator=v.optional(v.flag()))
    convention: str = attrs.field(validator=v.text(multiline=True))

    def _repr_html_(self) -> str:
        return _html_table(
            "Monetary unit evaluation", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


def _value(path: str, value: object) -> float:
    return c.real(value, f"$.{path}", minimum=0, low_open=True)


def monetary_sample_size(
    confidence: float,
    tolerable_rate: float | None = None,
    expected_rate: float | None = None,
    population_value: float | None = None,
    *,
    method: str = "poisson",
    expected: float | None = None,
    min_precision: float | None = None,
    max: int = DEFAULT_MAX,  # noqa: A002 - jfa's name for the cap
) -> MonetaryPlan:
    """Plan a monetary unit sample size (AICPA table C-1 for the Poisson default; jfa ``planning()``).

    The smallest n (up to ``max``) whose upper misstatement limit, given the expected misstatements,
    is <= ``tolerable_rate`` and, with ``min_precision``, whose precision (upper limit minus the most
    likely misstatement) is below it. ``"poisson"`` leaves the expected misstatement fractional
    (expected_rate x n taints, table C-1); ``"binomial"`` and ``"hypergeometric"`` round it up to
    whole misstatements as jfa does, the latter over N = ceil(population_value) monetary units.

    Args:
        confidence: Confidence level (1 - risk of incorrect acceptance), in (0, 1).
        tolerable_rate: Tolerable misstatement as a fraction of the book value, in (0, 1); may be
            omitted when ``min_precision`` is given.
        expected_rate: Expected misstatement as a fraction of the book value, in [0, tolerable_rate).
        population_value: Book value of the population; gives the sampling interval (and N for
            ``"hypergeometric"``, which requires it).
        method: The likelihood: ``"poisson"``, ``"binomial"`` or ``"hypergeometric"`` (jfa's names).
        expected: The expected misstatement as jfa takes it, instead of ``expected_rate``: a rate below
            1, or a count of misstatements (a sum of taints for ``"poisson"``, whole otherwise) when 1
            or more.
        min_precision: The largest precision (strictly below), in (0, 1).
        max: The largest sample considered (jfa's ``max``, 5,000 by default).

    Returns:
        The plan with sample size, expected taints in the sample, expected upper bound and precision
        and every input.

    Raises:
        ValidationError: An input is out of range, neither ``tolerable_rate`` nor ``min_precision``
            is given, or the plan needs more than ``max`` units (``$.max``, naming the n it needs).

    Example:
        >>> monetary_sample_size(confidence=0.95, tolerable_rate=0.05, expected_rate=0.01).sample_size
        93
        >>> monetary_sample_size(0.95, 0.05, expected=2).sample_size
        126
    """
    conf = _rate("confidence", confidence)
    tol = None if tolerable_rate is None else _rate("tolerable_rate", tolerable_rate)
    meth = _method(c.one_of(method, PLAN_METHODS, "$.method"))
    precision = _precision(min_precision)
    if tol is None and precision is None:
        raise ValidationError.single(
            "$.tolerable_rate",
            "required",
            "'tolerable_rate' or 'min_precision' is required (plan by materiality, precision or both)",
        )
    exp = _expected(expected_rate, expected, tol, whole=meth is not Method.POISSON, method=meth)
    value = None if population_value is None else _value("population_value", population_value)
    cap = _cap(max)
    units = None
    if meth is Method.HYPERGEOMETRIC:
        whole = None if value is None else math.ceil(value)
        units = _population(meth, whole, "$.population_value")
        _room(exp, units, "$.population_value")
    if meth is Method.POISSON:
        uppers: dict[int, float] = {}
        n, census = _poisson_plan(conf, tol, exp, precision, cap, uppers), False
        errors = float(exp.rate) * n if exp.kind == "rate" else exp.fixed
        upper = uppers[n] if n in uppers else _poisson_upper(errors, n, float(conf))
    else:
        found = _integer_plan(
            what="monetary unit",
            method=meth,
            conf=conf,
            tolerable=tol,
            expected=exp,
            population=units,
            min_precision=precision,
            cap=cap,
        )
        n, errors, census = found.n, float(found.k), found.census
        upper = _upper_function(meth, conf, units)(found.k, n)
    if value is not None and value / n == 0:
        c.fail(
            "$.population_value", "range", f"'population_value' is too small to sample (got {c.show(value)})"
        )
    convention = (
        _PLAN_CONVENTIONS[meth.value]
        if tol is not None
        else f"jfa planning(materiality = NULL): {_PRECISION_ONLY[meth.value]}; smallest n whose upper limit"
        " minus the most likely misstatement is below min_precision"
    )
    return MonetaryPlan(
        sample_size=n,
        expected_misstatements=errors,
        confidence=float(conf),
        tolerable_rate=None if tol is None else float(tol),
        expected_rate=float(exp.rate) if exp.kind == "rate" else errors / n,
        population_value=value,
        sampling_interval=None if value is None else value / n,
        method=meth.value,
        convention=convention + _planning_terms(exp, errors, n, precision, cap, census=census),
        expected_kind=exp.kind,
        min_precision=precision,
        max=cap,
        upper_bound=upper,
        precision=builtins.max(0.0, upper - errors / n),
    )


def _poisson_upper(errors: float, n: int, confidence: float) -> float:
    return float(_special().gammaincinv(1 + errors, confidence)) / n


def _poisson_plan(  # noqa: PLR0917 - the private core of the Poisson plan
    conf: Decimal,
    tolerable: Decimal | None,
    expected: _Expected,
    min_precision: float | None,
    cap: int,
    uppers: dict[int, float] | None = None,
) -> int:
    """The smallest n of a Poisson plan with fractional expected misstatement (expected x n, or a count).

    ``uppers`` receives the upper limit at each n tried (the plan reports the one at its n).
    """
    level, tol = float(conf), None if tolerable is None else float(tolerable)
    rate = float(expected.rate)
    gammaincinv = _special().gammaincinv
    kept = {} if uppers is None else uppers
    by_rate = expected.kind == "rate"

    def passes(n: int) -> bool:
        errors = rate * n if by_rate else expected.fixed
        upper = kept[n] = float(gammaincinv(1 + errors, level)) / n
        precise = min_precision is None or upper - errors / n < min_precision
        return precise and (tol is None or upper <= tol)

    clean = _poisson_upper(0.0, 1, level)  # n x the upper limit of a clean sample: a lower bound of n x tol
    start = max(clean / tol if tol is not None else 0.0, clean / min_precision if min_precision else 0.0)
    if not start <= c.MAX_COUNT:
        path = "$.tolerable_rate" if tol is not None and clean / tol >= start else "$.min_precision"
        given = tolerable if path == "$.tolerable_rate" else min_precision
        c.fail(
            path,
            "range",
            f"{c.name_of(path)!r} is too small: the sample would exceed {c.MAX_COUNT:,} units"
            f" (got {c.show(float(given) if given is not None else None)})",
        )
    low = math.floor(expected.fixed) + 1 if expected.kind == "count" else 1  # more units than misstatements
    first = max(low, math.ceil(start))
    if tol is not None and min_precision is None and by_rate and rate > 0:
        first = max(first, _rate_estimate(rate, tol, level, clean))
    n = smallest(passes, low, cap, start=first)
    if n is not None:
        return n
    needed = None if cap >= c.MAX_COUNT else smallest(passes, max(low, cap + 1), c.MAX_COUNT, start=first)
    return _refuse_beyond("monetary unit", Method.POISSON, needed, cap, None, tolerable, expected)


def _rate_estimate(rate: float, tol: float, level: float, clean: float) -> int:
    """A close estimate of the Poisson plan's n with rate x n expected taints (only the tests depend on it).

    Newton's method on Q(1 + rate x n) = tol x n, with Q the Wilson-Hilferty gamma quantile scaled to
    the exact clean quantile ``clean`` (Q(1)), from n = clean / tol.
    """
    z = statistics.NormalDist().inv_cdf(level)

    def quantile(a: float) -> tuple[float, float]:  # Wilson-Hilferty Q(a) and dQ/da
        u = 1 - 1 / (9 * a) + z / (3 * math.sqrt(a))
        du = 1 / (9 * a * a) - z / (6 * a * math.sqrt(a))
        return a * u**3, u**3 + 3 * a * u * u * du

    scale = clean / quantile(1.0)[0]
    n = clean / tol
    for _ in range(8):
        q, dq = quantile(1 + rate * n)
        slope = scale * dq * rate - tol
        if not (math.isfinite(q) and slope < 0):
            break
        n -= (scale * q - tol * n) / slope
    return math.ceil(n) if math.isfinite(n) and 0 < n < c.MAX_COUNT else 1


def monetary_upper_limit(
    sample_size: int,
    taints: Sequence[float],
    confidence: float,
    *,
    method: str = "poisson",
    population_value: float | None = None,
    tolerable_rate: float | None = None,
) -> MonetaryEvaluation:
    """Upper misstatement limit of a monetary unit sample.

    Each taint is (book - audit) / book of a misstated item, in (0, 1]. ``"poisson"`` counts every
    misstatement as a whole error; ``"stringer"`` ranks the taints largest first and adds each one times
    the increment of the Poisson factor: (f(0) + sum_i (f(i) - f(i - 1)) x t_i) / n with
    f(i) = gammaincinv(i + 1, confidence).

    This is the AICPA cell-free evaluation with Poisson factors. For the Stringer bound with
    binomial or hypergeometric factors, its Meikle, LTA and PVZ modifications, cell evaluation and
    understatements, use :func:`~comanaged_rcm.sampling.stringer_bound` (taints) or
    :func:`~comanaged_rcm.sampling.mus_evaluate` (book and audit values); ``"stringer"`` here
    equals their ``"stringer.poisson"``.

    Args:
        sample_size: Number of monetary units sampled.
        taints: Taint of each misstated item found (empty when none).
        confidence: Confidence level, in (0, 1).
        method: ``"poisson"`` or ``"stringer"``.
        population_value: Book value; gives the projected and upper misstatement amounts.
        tolerable_rate: Tolerable misstatement rate; gives the conclusion.

    Returns:
        The evaluation with most likely error, upper limit and conclusion.

    Raises:
        ValidationError: An input is out of range.

    Example:
        >>> round(monetary_upper_limit(sample_size=60, taints=[], confidence=0.95).upper_limit, 4)
        0.0499
    """
    n = c.count(sample_size, "$.sample_size", minimum=1)
    conf = float(_rate("confidence", confidence))
    c.one_of(method, tuple(_LIMIT_CONVENTIONS), "$.method")
    found = [c.rate(t, f"$.taints[{i}]", high_open=False) for i, t in enumerate(ordered(taints, "$.taints"))]
    if len(found) > n:
        raise ValidationError.single(
            "$.taints", "range", f"'taints' must not outnumber sample_size (got {len(found)} > {n})"
        )
    value = None if population_value is None else _value("population_value", population_value)
    tol = None if tolerable_rate is None else float(_rate("tolerable_rate", tolerable_rate))
    from scipy.special import gammaincinv  # noqa: PLC0415 - lazy import keeps the package light

    if method == "poisson":
        upper = float(gammaincinv(len(found) + 1, conf)) / n
    else:
        factors = [float(gammaincinv(i + 1, conf)) for i in range(len(found) + 1)]
        ranked = sorted(found, reverse=True)
        upper = (factors[0] + math.fsum((factors[i + 1] - factors[i]) * t for i, t in enumerate(ranked))) / n
    upper = min(1.0, upper)
    mle = math.fsum(found) / n
    return MonetaryEvaluation(
        sample_size=n,
        taints=tuple(found),
        confidence=conf,
        method=method,
        most_likely_error=mle,
        upper_limit=upper,
        population_value=value,
        projected_misstatement=None if value is None else mle * value,
        upper_misstatement=None if value is None else upper * value,
        tolerable_rate=tol,
        acceptable=None if tolerable_rate is None else bool(upper <= tolerable_rate),
        convention=_LIMIT_CONVENTIONS[method],
    )
