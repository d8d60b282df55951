"""Monetary unit sampling: Poisson sample sizes (AICPA table C-1) and upper misstatement limits."""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._engine import _rate
from comanaged_rcm.sampling._models import (
    _html_table,
    _integer,
    _one_of,
    _optional_real,
    _real,
    _tuple,
    ordered,
)

__all__ = ["MonetaryEvaluation", "MonetaryPlan", "monetary_sample_size", "monetary_upper_limit"]

PLAN_CONVENTION = (
    "AICPA table C-1: Poisson; expected misstatement left fractional (expected_rate x n taints); smallest "
    "n whose upper limit gammaincinv(1 + expected_rate x n, confidence) / n is <= the tolerable rate"
)
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
    sum of taints in the sample (``expected_rate x sample_size``, fractional).
    """

    sample_size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    expected_misstatements: float = attrs.field(converter=_real, validator=v.real(minimum=0))
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    tolerable_rate: float = attrs.field(converter=_real, validator=v.rate())
    expected_rate: float = attrs.field(converter=_real, validator=v.rate(low_open=False))
    population_value: float | None = attrs.field(converter=_optional_real, validator=_OPTIONAL_POSITIVE)
    sampling_interval: float | None = attrs.field(converter=_optional_real, validator=_OPTIONAL_POSITIVE)
    method: str = attrs.field(validator=_one_of(("poisson",)))
    convention: str = attrs.field(validator=v.text(multiline=True))

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
    tolerable_rate: float,
    expected_rate: float = 0.0,
    population_value: float | None = None,
) -> MonetaryPlan:
    """Plan a monetary unit sample size (Poisson, expected misstatement fractional: AICPA table C-1).

    Args:
        confidence: Confidence level (1 - risk of incorrect acceptance), in (0, 1).
        tolerable_rate: Tolerable misstatement as a fraction of the book value, in (0, 1).
        expected_rate: Expected misstatement as a fraction of the book value, in [0, tolerable_rate).
        population_value: Book value of the population; gives the sampling interval.

    Returns:
        The plan with sample size, expected taints in the sample and every input.

    Raises:
        ValidationError: An input is out of range.

    Example:
        >>> monetary_sample_size(confidence=0.95, tolerable_rate=0.05, expected_rate=0.01).sample_size
        93
    """
    conf = float(_rate("confidence", confidence))
    tol = float(_rate("tolerable_rate", tolerable_rate))
    exp = float(_rate("expected_rate", expected_rate, closed_low=True))
    if exp >= tol:
        raise ValidationError.single(
            "$.expected_rate",
            "range",
            f"'expected_rate' must be below 'tolerable_rate' (got {expected_rate})",
        )
    value = None if population_value is None else _value("population_value", population_value)
    from scipy.special import gammaincinv  # noqa: PLC0415 - lazy import keeps the package light

    def ok(n: int) -> bool:
        return float(gammaincinv(1 + exp * n, conf)) / n <= tol

    start = float(gammaincinv(1, conf)) / tol
    if not start <= c.MAX_COUNT:
        c.fail(
            "$.tolerable_rate",
            "range",
            f"'tolerable_rate' is too small: the sample would exceed {c.MAX_COUNT:,} units"
            f" (got {c.show(tolerable_rate)})",
        )
    hi = max(1, math.ceil(start))
    while not ok(hi):
        if hi > c.MAX_COUNT:
            c.fail(
                "$.expected_rate",
                "range",
                f"'expected_rate' is too close to 'tolerable_rate': the sample would exceed {c.MAX_COUNT:,}"
                f" units (got {c.show(expected_rate)})",
            )
        hi *= 2
    lo = 1
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    if value is not None and value / lo == 0:
        c.fail(
            "$.population_value", "range", f"'population_value' is too small to sample (got {c.show(value)})"
        )
    return MonetaryPlan(
        sample_size=lo,
        expected_misstatements=exp * lo,
        confidence=conf,
        tolerable_rate=tol,
        expected_rate=exp,
        population_value=value,
        sampling_interval=None if value is None else value / lo,
        method="poisson",
        convention=PLAN_CONVENTION,
    )


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
