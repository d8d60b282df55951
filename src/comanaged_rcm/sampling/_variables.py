"""Discovery sample sizes, review presets and mean-per-unit variables appraisal."""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

from comanaged_rcm.errors import InsufficientDataError, ValidationError
from comanaged_rcm.sampling._engine import _count, _rate, attribute_sample_size
from comanaged_rcm.sampling._models import AttributePlan

__all__ = ["PRESETS", "Appraisal", "Preset", "discovery_sample_size", "mean_per_unit"]


@attrs.frozen(kw_only=True)
class Preset:
    """A named review design from a published source."""

    name: str
    source: str
    sample_size: int
    confidence: float
    sides: str
    rule: str


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


def discovery_sample_size(confidence: float, rate: float, population: int | None = None) -> AttributePlan:
    """Size that finds at least one error with the given confidence if the error rate is ``rate``.

    Infinite population: ceil(ln(1 - confidence) / ln(1 - rate)); finite: exact hypergeometric.

    Example:
        >>> discovery_sample_size(confidence=0.95, rate=0.05).sample_size
        59
    """
    method = "binomial" if population is None else "hypergeometric"
    return attribute_sample_size(
        confidence=confidence, tolerable_rate=rate, population=population, method=method
    )


@attrs.frozen(kw_only=True)
class Appraisal:
    """Mean-per-unit appraisal of a simple random sample (None marks the open end of a one-sided limit)."""

    n: int
    population: int
    confidence: float
    sides: str
    point_estimate: float
    standard_error: float
    lower: float | None
    upper: float | None
    convention: str


def mean_per_unit(
    values: Sequence[float], population: int, confidence: float, sides: str = "lower"
) -> Appraisal:
    """Project the sample mean to the population total with the finite population correction.

    SE = N x s / sqrt(n) x sqrt(1 - n / N); limits use Student's t with n - 1 degrees of freedom
    (RAT-STATS style). ``sides="lower"`` gives the lower limit of the one-sided interval (CMS PIM ch. 8).

    Example:
        >>> round(mean_per_unit([10.0, 20.0, 30.0, 40.0], population=100, confidence=0.9).point_estimate)
        2500
    """
    data = [float(v) for v in values]
    size = len(data)
    if size < 2:
        raise InsufficientDataError("'values' needs at least 2 sample amounts")
    if not all(math.isfinite(v) for v in data):
        raise ValidationError.single("$.values", "finite", "'values' must be finite numbers")
    total = _count("population", population, minimum=size)
    conf = float(_rate("confidence", confidence))
    if sides not in ("two-sided", "lower", "upper"):
        raise ValidationError.single(
            "$.sides", "choice", f"'sides' must be two-sided, lower or upper (got {sides!r})"
        )
    from scipy.special import stdtrit  # noqa: PLC0415 - lazy import keeps the package light

    mean = math.fsum(data) / size
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in data) / (size - 1))
    se = total * sd / math.sqrt(size) * math.sqrt(1 - size / total)
    tail = (1 - conf) / 2 if sides == "two-sided" else 1 - conf
    t = float(stdtrit(size - 1, 1 - tail))
    point = total * mean
    return Appraisal(
        n=size,
        population=total,
        confidence=conf,
        sides=sides,
        point_estimate=point,
        standard_error=se,
        lower=None if sides == "upper" else point - t * se,
        upper=None if sides == "lower" else point + t * se,
        convention="mean-per-unit, FPC applied, Student's t with n - 1 df (RAT-STATS unrestricted appraisal)",
    )
