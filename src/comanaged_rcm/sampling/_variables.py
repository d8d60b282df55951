"""Discovery sample sizes, review presets and variables sampling (plan and appraise dollar amounts).

Variables appraisal follows the textbook estimators of a population total (Cochran, *Sampling
Techniques*, ch. 2, 5, 6) as RAT-STATS and CMS PIM ch. 8 use them: mean-per-unit, difference and ratio
estimators with the finite population correction, combined across strata by adding totals and variances.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.errors import InsufficientDataError, Issue, ValidationError
from comanaged_rcm.sampling._engine import DEFAULT_MAX, _rate, _sides, attribute_sample_size
from comanaged_rcm.sampling._models import (
    SIDES,
    AttributePlan,
    _html_table,
    _integer,
    _one_of,
    _optional_real,
    _real,
    _tuple,
    ordered,
)
from comanaged_rcm.sampling._search import smallest

__all__ = [
    "PRESETS",
    "Appraisal",
    "Limits",
    "Preset",
    "VariablesPlan",
    "difference_estimate",
    "discovery_sample_size",
    "mean_per_unit",
    "ratio_estimate",
    "stratified_appraisal",
    "variables_sample_size",
]


@attrs.frozen(kw_only=True)
class Preset:
    """A named review design from a published source."""

    name: str = attrs.field(validator=v.text())
    source: str = attrs.field(validator=v.text(multiline=True))
    sample_size: int = attrs.field(converter=_integer, validator=v.count())
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    sides: str = attrs.field(validator=_one_of(SIDES))
    rule: str = attrs.field(validator=v.text(multiline=True))


PRESETS: dict[str, Preset] = {
    "oig-cia-discovery": Preset(
        name="oig-cia-discovery",
        source="HHS-OIG Corporate Integrity Agreement claims review (older CIAs): discovery sample",
        sample_size=50,
        confidence=0.90,
        sides="two-sided",
        rule="discovery sample of 50 claims; a net financial error rate >= 5% triggers a full sample "
        "sized for 90% confidence and 25% precision",
    ),
    "oig-cia-claims-review": Preset(
        name="oig-cia-claims-review",
        source="HHS-OIG Corporate Integrity Agreement claims review (newer CIAs)",
        sample_size=100,
        confidence=0.90,
        sides="two-sided",
        rule="100 claims; extrapolated overpayment repaid at the lower limit of a two-sided 90% interval",
    ),
    "cms-pim-ch8": Preset(
        name="cms-pim-ch8",
        source="CMS Medicare Program Integrity Manual, chapter 8 (statistical sampling)",
        sample_size=0,
        confidence=0.90,
        sides="lower",
        rule="overpayment demanded at the lower limit of a one-sided 90% interval; size set by the design",
    ),
}


def discovery_sample_size(
    confidence: float,
    rate: float,
    population: int | None = None,
    *,
    max: int = DEFAULT_MAX,  # noqa: A002 - jfa's name for the cap, as attribute_sample_size takes it
) -> AttributePlan:
    """Size that finds at least one error with the given confidence if the error rate is ``rate``.

    Infinite population: ceil(ln(1 - confidence) / ln(1 - rate)); finite: exact hypergeometric.
    ``max`` caps the sample as in :func:`attribute_sample_size` (a plan that needs more is refused).

    Example:
        >>> discovery_sample_size(confidence=0.95, rate=0.05).sample_size
        59
    """
    _rate("confidence", confidence)
    _rate("rate", rate)
    method = "binomial" if population is None else "hypergeometric"
    return attribute_sample_size(
        confidence=confidence, tolerable_rate=rate, population=population, method=method, max=max
    )


STANDARD_LEVELS = (0.80, 0.90, 0.95)
"""The confidence levels at which every appraisal also reports its limits (as RAT-STATS prints them)."""
_DF_RULES = ("satterthwaite", "pooled", "normal")
_DISTRIBUTIONS = ("normal", "t")


_POSITIVE = v.real(minimum=0, low_open=True)


def _appraisals(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """The strata of an appraisal: a tuple of appraisals (the class is named when it exists)."""
    if not isinstance(value, tuple):
        c.fail(f"$.{attribute.name}", "type", f"{attribute.name!r} must be a tuple of appraisals")
    c.tuple_of(value, Appraisal, f"$.{attribute.name}")


@attrs.frozen(kw_only=True)
class Limits:
    """Limits of an appraisal at one confidence level.

    ``sides="two-sided"`` puts (1 - confidence) / 2 in each tail; ``"one-sided"`` gives the lower and the
    upper one-sided limit, each with 1 - confidence in its tail. ``precision`` is t x SE and
    ``precision_percent`` that as a fraction of the point estimate (None when the estimate is 0).
    """

    confidence: float = attrs.field(converter=_real, validator=v.rate())
    sides: str = attrs.field(validator=_one_of(("two-sided", "one-sided")))
    t_value: float = attrs.field(converter=_real, validator=v.real())
    lower: float = attrs.field(converter=_real, validator=v.real())
    upper: float = attrs.field(converter=_real, validator=v.real())
    precision: float = attrs.field(converter=_real, validator=v.real(minimum=0))
    precision_percent: float | None = attrs.field(
        converter=_optional_real, validator=v.optional(v.real(minimum=0))
    )


@attrs.frozen(kw_only=True)
class Appraisal:
    """Appraisal of a sample of dollar amounts: the estimated population total and its limits.

    ``lower``/``upper`` are the limits at the requested ``confidence`` and ``sides`` (None marks the open
    end of a one-sided limit); ``limits`` repeats them at 80, 90 and 95%, one- and two-sided.
    ``degrees_of_freedom`` is None when normal (z) values are used. A stratified appraisal keeps each
    stratum's appraisal in ``strata``. The inputs are kept too: the sampled ``values`` (audited amounts),
    and for the difference and ratio estimators the paired ``book`` amounts and the ``book_total``.
    """

    estimator: str = attrs.field(validator=v.text())
    n: int = attrs.field(converter=_integer, validator=v.count(minimum=2))
    population: int = attrs.field(converter=_integer, validator=v.count(minimum=2))
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    sides: str = attrs.field(validator=_one_of(SIDES))
    point_estimate: float = attrs.field(converter=_real, validator=v.real())
    standard_error: float = attrs.field(converter=_real, validator=v.real(minimum=0))
    degrees_of_freedom: float | None = attrs.field(
        converter=_optional_real, validator=v.optional(v.real(minimum=0, low_open=True))
    )
    t_value: float = attrs.field(converter=_real, validator=v.real())
    lower: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.real()))
    upper: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.real()))
    limits: tuple[Limits, ...] = attrs.field(converter=_tuple, validator=v.tuple_of(Limits))
    strata: tuple[Appraisal, ...] = attrs.field(converter=_tuple, validator=_appraisals)
    convention: str = attrs.field(validator=v.text(multiline=True))
    values: tuple[float, ...] = attrs.field(
        default=(), repr=False, converter=_tuple, validator=v.each(v.real())
    )
    book: tuple[float, ...] = attrs.field(
        default=(), repr=False, converter=_tuple, validator=v.each(v.real())
    )
    book_total: float | None = attrs.field(
        default=None, converter=_optional_real, validator=v.optional(v.real())
    )

    def _repr_html_(self) -> str:
        names = ("estimator", "n", "population", "point_estimate", "standard_error", "lower", "upper")
        head = _html_table("Variables appraisal", [(k, getattr(self, k)) for k in names])
        rows = "".join(
            f"<tr><td>{lim.confidence:.0%}</td><td>{lim.sides}</td><td>{lim.lower:,.2f}</td>"
            f"<td>{lim.upper:,.2f}</td><td>{lim.t_value:.4f}</td></tr>"
            for lim in self.limits
        )
        return (
            f"{head}<table><caption>Limits</caption><tr><th>confidence</th><th>sides</th><th>lower</th>"
            f"<th>upper</th><th>t</th></tr>{rows}</table>"
        )


@attrs.frozen(kw_only=True)
class VariablesPlan:
    """Sample size that estimates a population total within a target precision."""

    sample_size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    population: int = attrs.field(converter=_integer, validator=v.count(minimum=2))
    std_dev: float = attrs.field(converter=_real, validator=_POSITIVE)
    precision: float = attrs.field(converter=_real, validator=_POSITIVE)
    absolute_precision: float = attrs.field(converter=_real, validator=_POSITIVE)
    mean: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.real()))
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    sides: str = attrs.field(validator=_one_of(SIDES))
    distribution: str = attrs.field(validator=_one_of(_DISTRIBUTIONS))
    convention: str = attrs.field(validator=v.text(multiline=True))

    def _repr_html_(self) -> str:
        return _html_table(
            "Variables sample plan", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


_MAX_AMOUNT = 1e15
"""No sampled amount is larger (a quadrillion dollars): beyond it sums of squares could overflow."""


def _amounts(path: str, values: Sequence[float], minimum: int = 2) -> list[float]:
    items = ordered(values, f"$.{path}")
    bound = _MAX_AMOUNT
    data = [c.real(item, f"$.{path}[{i}]", minimum=-bound, maximum=bound) for i, item in enumerate(items)]
    if len(data) < minimum:
        raise InsufficientDataError(f"'{path}' needs at least {minimum} sample amounts (got {len(data)})")
    return data


def _finite(path: str, value: object, *, positive: bool = False) -> float:
    return c.real(value, f"$.{path}", minimum=0 if positive else None, low_open=positive)


def _quantile(df: float | None, prob: float) -> float:
    from scipy.special import ndtri, stdtrit  # noqa: PLC0415 - lazy import keeps the package light

    return float(ndtri(prob)) if df is None else float(stdtrit(df, prob))


def _variance(data: Sequence[float]) -> float:
    mean = math.fsum(data) / len(data)
    return math.fsum((v - mean) ** 2 for v in data) / (len(data) - 1)


def _finish(
    *,
    estimator: str,
    n: int,
    population: int,
    confidence: float,
    sides: str,
    point: float,
    se: float,
    df: float | None,
    strata: tuple[Appraisal, ...],
    convention: str,
    values: Sequence[float] = (),
    book: Sequence[float] = (),
    book_total: float | None = None,
) -> Appraisal:
    def limits(level: float, two: bool) -> Limits:
        t = _quantile(df, 1 - (1 - level) / 2 if two else level)
        half = t * se
        return Limits(
            confidence=level,
            sides="two-sided" if two else "one-sided",
            t_value=t,
            lower=point - half,
            upper=point + half,
            precision=half,
            precision_percent=None if point == 0 else half / abs(point),
        )

    main = limits(confidence, sides == "two-sided")
    return Appraisal(
        estimator=estimator,
        n=n,
        population=population,
        confidence=confidence,
        sides=sides,
        point_estimate=point,
        standard_error=se,
        degrees_of_freedom=df,
        t_value=main.t_value,
        lower=None if sides == "upper" else main.lower,
        upper=None if sides == "lower" else main.upper,
        limits=tuple(limits(level, two) for level in STANDARD_LEVELS for two in (False, True)),
        strata=strata,
        convention=convention,
        values=tuple(values),
        book=tuple(book),
        book_total=book_total,
    )


_FPC = "FPC sqrt(1 - n / N) applied; Student's t with n - 1 df (RAT-STATS unrestricted variable appraisal)"


def mean_per_unit(
    values: Sequence[float], population: int, confidence: float, sides: str = "lower"
) -> Appraisal:
    """Project the sample mean to the population total with the finite population correction.

    SE = N x s / sqrt(n) x sqrt(1 - n / N); limits use Student's t with n - 1 degrees of freedom
    (RAT-STATS style). ``sides="lower"`` gives the lower limit of the one-sided interval (CMS PIM ch. 8).

    Args:
        values: The sampled amounts (e.g. overpayment per claim), at least 2.
        population: Population size N (number of sampling units).
        confidence: Confidence level, in (0, 1).
        sides: ``"lower"``, ``"upper"`` (one-sided) or ``"two-sided"``.

    Returns:
        The appraisal of the population total, with limits at 80, 90 and 95% as well.

    Raises:
        ValidationError: An input is out of range.
        InsufficientDataError: Fewer than 2 values.

    Example:
        >>> round(mean_per_unit([10.0, 20.0, 30.0, 40.0], population=100, confidence=0.9).point_estimate)
        2500
    """
    data = _amounts("values", values)
    size = len(data)
    total = c.count(population, "$.population", minimum=size)
    conf = float(_rate("confidence", confidence))
    side = _sides(sides)
    se = total * math.sqrt(_variance(data) / size) * math.sqrt(1 - size / total)
    return _finish(
        estimator="mean-per-unit",
        n=size,
        population=total,
        confidence=conf,
        sides=side,
        point=total * math.fsum(data) / size,
        se=se,
        df=size - 1,
        strata=(),
        convention="mean-per-unit: point = N x mean, SE = N x s / sqrt(n); " + _FPC,
        values=data,
    )


def _paired(
    audited: Sequence[float], book: Sequence[float], population: int, book_total: float
) -> tuple[list[float], list[float], int, float]:
    y = _amounts("audited", audited)
    x = _amounts("book", book)
    if len(x) != len(y):
        message = f"'book' must pair with 'audited' (got {len(x)} and {len(y)} amounts)"
        raise ValidationError([Issue("$.book", "length", message), Issue("$.audited", "length", message)])
    total = c.count(population, "$.population", minimum=len(y))
    bound = _MAX_AMOUNT * c.MAX_COUNT
    return y, x, total, c.real(book_total, "$.book_total", minimum=-bound, maximum=bound)


def difference_estimate(
    audited: Sequence[float],
    book: Sequence[float],
    population: int,
    book_total: float,
    confidence: float,
    *,
    sides: str = "lower",
) -> Appraisal:
    """Difference estimator of the population total of ``audited``, helped by known ``book`` amounts.

    With d_i = audited_i - book_i: point = book_total + N x mean(d), SE = N x s_d / sqrt(n) x
    sqrt(1 - n / N), Student's t with n - 1 df.

    Args:
        audited: Audited (correct) amount of each sampled item.
        book: Recorded amount of the same items, in the same order.
        population: Population size N.
        book_total: Recorded total of the whole population.
        confidence: Confidence level, in (0, 1).
        sides: ``"lower"``, ``"upper"`` or ``"two-sided"``.

    Returns:
        The appraisal of the audited population total.

    Raises:
        ValidationError: An input is out of range or the amounts do not pair.
        InsufficientDataError: Fewer than 2 items.

    Example:
        >>> a = difference_estimate([90.0, 100.0, 45.0], [100.0, 100.0, 50.0], 30, 2500.0, 0.9)
        >>> round(a.point_estimate)
        2350
    """
    y, x, total, x_total = _paired(audited, book, population, book_total)
    size = len(y)
    diffs = [a - b for a, b in zip(y, x, strict=True)]
    se = total * math.sqrt(_variance(diffs) / size) * math.sqrt(1 - size / total)
    return _finish(
        estimator="difference",
        n=size,
        population=total,
        confidence=_rate_f(confidence),
        sides=_sides(sides),
        point=x_total + total * math.fsum(diffs) / size,
        se=se,
        df=size - 1,
        strata=(),
        convention="difference: point = X + N x mean(audited - book), SE = N x s_d / sqrt(n); " + _FPC,
        values=y,
        book=x,
        book_total=x_total,
    )


def ratio_estimate(
    audited: Sequence[float],
    book: Sequence[float],
    population: int,
    book_total: float,
    confidence: float,
    *,
    sides: str = "lower",
) -> Appraisal:
    """Ratio estimator of the population total of ``audited``: R x book_total with R = sum(y) / sum(x).

    SE = N x sqrt(sum((y_i - R x_i)^2) / (n - 1) / n) x sqrt(1 - n / N) (the usual linearised variance),
    Student's t with n - 1 df.

    Args:
        audited: Audited amount of each sampled item.
        book: Recorded amount of the same items; their sum must not be 0.
        population: Population size N.
        book_total: Recorded total of the whole population.
        confidence: Confidence level, in (0, 1).
        sides: ``"lower"``, ``"upper"`` or ``"two-sided"``.

    Returns:
        The appraisal of the audited population total.

    Raises:
        ValidationError: An input is out of range, the amounts do not pair or the book amounts sum to 0.
        InsufficientDataError: Fewer than 2 items.

    Example:
        >>> a = ratio_estimate([90.0, 100.0, 45.0], [100.0, 100.0, 50.0], 30, 2500.0, 0.9)
        >>> round(a.point_estimate)
        2350
    """
    y, x, total, x_total = _paired(audited, book, population, book_total)
    size = len(y)
    x_sum = math.fsum(x)
    if x_sum == 0:
        raise ValidationError.single("$.book", "range", "'book' amounts must not sum to 0 for a ratio")
    r = math.fsum(y) / x_sum
    resid = math.fsum((a - r * b) ** 2 for a, b in zip(y, x, strict=True)) / (size - 1)
    se = total * math.sqrt(resid / size) * math.sqrt(1 - size / total)
    if not (math.isfinite(r * x_total) and math.isfinite(se * 10)):  # x 10: room for t x SE
        raise ValidationError.single(
            "$.book", "range", "'book' amounts sum too close to 0 for a ratio (the estimate overflows)"
        )
    return _finish(
        estimator="ratio",
        n=size,
        population=total,
        confidence=_rate_f(confidence),
        sides=_sides(sides),
        point=r * x_total,
        se=se,
        df=size - 1,
        strata=(),
        convention="ratio: point = (sum y / sum x) x X, SE = N x sqrt(sum (y - R x)^2 / (n - 1) / n); "
        + _FPC,
        values=y,
        book=x,
        book_total=x_total,
    )


def _rate_f(value: object) -> float:
    return float(_rate("confidence", value))


def stratified_appraisal(
    strata: Sequence[Appraisal], confidence: float, sides: str = "lower", df: str = "satterthwaite"
) -> Appraisal:
    """Combine per-stratum appraisals (each with its own FPC) into one for the whole population.

    Point = sum of the stratum totals; SE = sqrt(sum of the stratum SE^2). Degrees of freedom:
    ``"satterthwaite"`` (Cochran 5.4: (sum v_h)^2 / sum(v_h^2 / (n_h - 1))), ``"pooled"``
    (sum(n_h - 1)) or ``"normal"`` (z values).

    Args:
        strata: One appraisal per stratum (e.g. from :func:`mean_per_unit`).
        confidence: Confidence level, in (0, 1).
        sides: ``"lower"``, ``"upper"`` or ``"two-sided"``.
        df: Rule for the degrees of freedom of t.

    Returns:
        The stratified appraisal, keeping each stratum's appraisal.

    Raises:
        ValidationError: No strata, or an unknown rule.

    Example:
        >>> a = mean_per_unit([10.0, 20.0, 30.0], population=50, confidence=0.9)
        >>> b = mean_per_unit([100.0, 140.0, 120.0], population=10, confidence=0.9)
        >>> round(stratified_appraisal([a, b], confidence=0.9).point_estimate)
        2200
    """
    parts = ordered(strata, "$.strata")
    for i, part in enumerate(parts):
        c.instance(part, Appraisal, f"$.strata[{i}]")
    if not parts:
        raise ValidationError.single("$.strata", "required", "'strata' must be one or more Appraisal objects")
    conf = _rate_f(confidence)
    side = _sides(sides)
    c.one_of(df, _DF_RULES, "$.df")
    variances = [p.standard_error**2 for p in parts]
    var = math.fsum(variances)
    top = max(p.standard_error for p in parts)
    dof: float | None
    if df == "normal":
        dof = None
    elif df == "pooled" or top == 0:
        dof = float(sum(p.n - 1 for p in parts))
    else:  # Satterthwaite on variances scaled by the largest, so tiny SEs cannot underflow
        scaled = [(p.standard_error / top) ** 2 for p in parts]
        # each stratum's own degrees of freedom; a normal-theory stratum (None) has infinitely many
        spread = math.fsum(
            v * v / p.degrees_of_freedom
            for v, p in zip(scaled, parts, strict=True)
            if p.degrees_of_freedom is not None
        )
        dof = math.fsum(scaled) ** 2 / spread if spread > 0 else None
    if sum(p.population for p in parts) > c.MAX_COUNT:
        c.fail("$.strata", "range", f"'strata' must cover at most {c.MAX_COUNT:,} population items together")
    if not (math.isfinite(math.fsum(p.point_estimate for p in parts)) and math.isfinite(math.sqrt(var) * 10)):
        c.fail("$.strata", "range", "'strata' estimates are too large to add up")
    kinds = sorted({p.estimator for p in parts})
    return _finish(
        estimator="stratified " + "/".join(kinds),
        n=sum(p.n for p in parts),
        population=sum(p.population for p in parts),
        confidence=conf,
        sides=side,
        point=math.fsum(p.point_estimate for p in parts),
        se=math.sqrt(var),
        df=dof,
        strata=parts,
        convention=f"stratified: totals and variances (each with its stratum's FPC) added; df rule {df}",
    )


def variables_sample_size(
    population: int,
    std_dev: float,
    precision: float,
    confidence: float,
    *,
    mean: float | None = None,
    sides: str = "two-sided",
    distribution: str = "normal",
) -> VariablesPlan:
    """Smallest simple random sample whose estimate of the population total is within ``precision``.

    Solves z x N x S x sqrt((1 - n / N) / n) <= P, i.e. n = n0 / (1 + n0 / N) with n0 = (z N S / P)^2,
    rounded up (``distribution="t"`` uses t with n - 1 df instead of z, found by bisection). With
    ``mean`` given, ``precision`` is relative: P = precision x N x mean (e.g. the OIG CIA full sample's
    25% precision at 90% confidence).

    Args:
        population: Population size N.
        std_dev: Expected standard deviation S of the amount per unit (e.g. from a probe sample).
        precision: Half-width P of the interval for the total, in dollars (or relative with ``mean``).
        confidence: Confidence level, in (0, 1).
        mean: Expected mean per unit; makes ``precision`` relative to the total N x mean.
        sides: ``"two-sided"`` or one-sided ``"lower"``/``"upper"``.
        distribution: ``"normal"`` or ``"t"``.

    Returns:
        The plan with the sample size and every input.

    Raises:
        ValidationError: An input is out of range.

    Example:
        >>> variables_sample_size(
        ...     population=10_000, std_dev=100.0, precision=100_000.0, confidence=0.95
        ... ).sample_size
        370
    """
    total = c.count(population, "$.population", minimum=2)
    s = _finite("std_dev", std_dev, positive=True)
    p = _finite("precision", precision, positive=True)
    conf = _rate_f(confidence)
    side = _sides(sides)
    c.one_of(distribution, _DISTRIBUTIONS, "$.distribution")
    absolute, m = p, None
    if mean is not None:
        m = _finite("mean", mean)
        if m == 0:
            raise ValidationError.single("$.mean", "range", "'mean' must not be 0 for a relative precision")
        absolute = p * total * abs(m)
        if not 0 < absolute < math.inf:
            c.fail(
                "$.mean",
                "range",
                f"'mean' x 'precision' x N must be a positive finite amount (got {c.show(m)})",
            )
    prob = 1 - (1 - conf) / 2 if side == "two-sided" else conf

    def ok(n: int) -> bool:
        q = _quantile(None if distribution == "normal" else n - 1, prob)
        return q * total * s * math.sqrt((1 - n / total) / n) <= absolute

    # n = n0 / (1 + n0 / N) with z: the answer for "normal", a lower estimate for "t" (t > z)
    ratio = _quantile(None, prob) * total * s / absolute
    n0 = ratio * ratio  # inf rather than OverflowError when huge
    low = 1 if distribution == "normal" else 2
    guess = low if not math.isfinite(n0) else min(total, math.floor(n0 / (1 + n0 / total)))
    size = smallest(ok, low, total, start=guess)
    assert size is not None  # noqa: S101 - a census (n = N) always meets the precision
    return VariablesPlan(
        sample_size=size,
        population=total,
        std_dev=s,
        precision=p,
        absolute_precision=absolute,
        mean=m,
        confidence=conf,
        sides=side,
        distribution=distribution,
        convention="n = smallest with q x N x S x sqrt((1 - n / N) / n) <= P (normal z or Student's t "
        "with n - 1 df); precision relative to N x mean when mean is given",
    )
