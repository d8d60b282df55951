"""The OIG Corporate Integrity Agreement (CIA) Claims Review flow, as functions.

Source: HHS-OIG, Corporate Integrity Agreement FAQ, "In what circumstances should the reviewer
review a Full Sample?" (oig.hhs.gov/faqs/corporate-integrity-agreements-faq.asp), and the Claims
Review appendix of OIG's CIAs:

* **Discovery Sample**: 50 Paid Claims. Its net financial error rate is the net overpayment
  (overpayments minus underpayments) divided by the total paid for the sampled claims. If the rate
  *equals or exceeds* 5%, the reviewer must conduct a Full Sample; below 5% the review is complete.
* **Probe Sample**: if it holds at least one overpayment error, a Full Sample follows, large enough
  to estimate the overpayment in the population at 90% confidence and 25% precision. (With no
  errors the review is complete; some newer CIAs require a second Probe Sample: read the agreement.)

The Full Sample is sized from the probe's variability with the mean-per-unit formula for a
population total (Cochran, *Sampling Techniques*, 3rd ed., 1977, eq. 4.2 with the finite-population
correction), the formula behind RAT-STATS's variable sample size from a probe sample: with ``s``
the probe's standard deviation, ``m`` its mean overpayment, ``z`` the two-sided normal quantile of
the confidence and ``p`` the precision as a fraction of the point estimate ``N m``,
``n0 = (z s / (p m))**2`` and ``n = ceil(n0 / (1 + n0 / N))``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import attrs

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.sampling._bayes import _optional_int, html_table, markdown_table, rows_of

__all__ = [
    "DISCOVERY_SAMPLE_SIZE",
    "DiscoveryReview",
    "ProbeReview",
    "cia_discovery_review",
    "cia_probe_review",
]

DISCOVERY_SAMPLE_SIZE = 50
"""Paid Claims in a CIA Discovery Sample."""

ERROR_RATE_THRESHOLD = 0.05
"""The net financial error rate at or above which a Full Sample is required."""

FULL_SAMPLE_CONFIDENCE = 0.90
FULL_SAMPLE_PRECISION = 0.25

_SOURCE = (
    "HHS-OIG Corporate Integrity Agreement Claims Review (Discovery Sample of 50 Paid Claims;"
    " Full Sample at 90% confidence and 25% precision); OIG CIA FAQ"
)
FULL_SAMPLE = "full_sample"
REVIEW_COMPLETE = "review_complete"


def _exact(value: object, path: str) -> Fraction:
    """A finite amount as the exact decimal it was written as (``0.1`` is 1/10, not a binary float)."""
    number = c.real(value, path)
    return Fraction(repr(number))


def _amounts(values: object, path: str, *, minimum: int) -> tuple[Fraction, ...]:
    items = c.sequence(values, path)
    if len(items) < minimum:
        c.fail(path, "range", f"{c.name_of(path)!r} must hold at least {minimum} amounts (got {len(items)})")
    return tuple(_exact(item, f"{path}[{i}]") for i, item in enumerate(items))


def _percent(value: Fraction | float) -> str:
    return f"{float(value) * 100:.2f}%"


@attrs.frozen(kw_only=True)
class DiscoveryReview:
    """The outcome of a CIA Discovery Sample: the net financial error rate and the next step.

    ``next_step`` is ``"full_sample"`` when ``error_rate`` equals or exceeds ``threshold``, else
    ``"review_complete"``; ``reason`` says why in words.
    """

    sample_size: int = attrs.field(converter=c.as_int, validator=v.count(minimum=1))
    paid_total: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    overpayment_total: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    underpayment_total: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    net_overpayment: float = attrs.field(converter=c.as_real, validator=v.real())
    error_rate: float = attrs.field(converter=c.as_real, validator=v.real())
    threshold: float = attrs.field(converter=c.as_real, validator=v.rate())
    claims_in_error: int = attrs.field(converter=c.as_int, validator=v.count(minimum=0))
    next_step: str = attrs.field(validator=v.one_of((FULL_SAMPLE, REVIEW_COMPLETE)))
    reason: str = attrs.field(validator=v.text(multiline=True))
    convention: str = attrs.field(validator=v.text(multiline=True))

    def __repr__(self) -> str:
        return (
            f"DiscoveryReview(error_rate={self.error_rate:.6g}, threshold={self.threshold:g},"
            f" next_step={self.next_step!r})"
        )

    def _repr_markdown_(self) -> str:
        return markdown_table("CIA Discovery Sample", rows_of(self))

    def _repr_html_(self) -> str:
        return html_table("CIA Discovery Sample", rows_of(self))


def cia_discovery_review(
    paid: Sequence[float],
    overpaid: Sequence[float],
    *,
    threshold: float = ERROR_RATE_THRESHOLD,
) -> DiscoveryReview:
    """Evaluate a CIA Discovery Sample of 50 Paid Claims and say whether a Full Sample follows.

    Amounts are summed exactly as the decimals they were written as, so a rate of exactly 5% is
    exactly 5% (and calls for the Full Sample).

    Args:
        paid: The amount paid for each of the 50 sampled claims (>= 0).
        overpaid: Each claim's net overpayment, in the same order: positive for an overpayment,
            negative for an underpayment, 0 for a correct claim.
        threshold: The error rate at or above which a Full Sample is required (5% by default).

    Returns:
        The :class:`DiscoveryReview`.

    Raises:
        ValidationError: Not 50 claims (``$.paid``), mismatched lists (``$.overpaid``), a bad
            amount (``$.paid[3]``) or threshold.

    Example:
        >>> review = cia_discovery_review([100.0] * 50, [5.0] * 50)
        >>> review.error_rate, review.next_step
        (0.05, 'full_sample')
    """
    rate_limit = c.rate(threshold, "$.threshold")
    paid_amounts = _amounts(paid, "$.paid", minimum=0)
    if len(paid_amounts) != DISCOVERY_SAMPLE_SIZE:
        c.fail(
            "$.paid",
            "range",
            f"a CIA Discovery Sample is {DISCOVERY_SAMPLE_SIZE} Paid Claims (got {len(paid_amounts)})",
        )
    over = _amounts(overpaid, "$.overpaid", minimum=0)
    if len(over) != len(paid_amounts):
        c.fail("$.overpaid", "range", f"'overpaid' must hold one amount per claim: 50 (got {len(over)})")
    for i, amount in enumerate(paid_amounts):
        if amount < 0:
            c.fail(f"$.paid[{i}]", "range", f"'paid[{i}]' must be >= 0 (got {float(amount):g})")
    paid_total = sum(paid_amounts, Fraction(0))
    if paid_total == 0:
        c.fail("$.paid", "range", "the claims' paid total must be > 0 to compute an error rate")
    gross = sum((a for a in over if a > 0), Fraction(0))
    under = -sum((a for a in over if a < 0), Fraction(0))
    net = gross - under
    rate = net / paid_total
    limit = Fraction(repr(rate_limit))
    full = rate >= limit
    words = _percent(rate)
    if full:
        comparison = "equals" if rate == limit else "exceeds"
        reason = (
            f"net financial error rate {words} {comparison} the {_percent(limit)} threshold: conduct a Full"
            f" Sample sized for {FULL_SAMPLE_CONFIDENCE:.0%} confidence and {FULL_SAMPLE_PRECISION:.0%}"
            " precision (see cia_probe_review)"
        )
    else:
        reason = (
            f"net financial error rate {words} is below the {_percent(limit)} threshold:"
            " the Claims Review is complete"
        )
    return DiscoveryReview(
        sample_size=len(paid_amounts),
        paid_total=float(paid_total),
        overpayment_total=float(gross),
        underpayment_total=float(under),
        net_overpayment=float(net),
        error_rate=float(rate),
        threshold=rate_limit,
        claims_in_error=sum(1 for a in over if a != 0),
        next_step=FULL_SAMPLE if full else REVIEW_COMPLETE,
        reason=reason,
        convention=(
            "error rate = (overpayments - underpayments) / paid total of the sample, exact decimal"
            f" arithmetic; Full Sample when the rate >= threshold; source: {_SOURCE}"
        ),
    )


@attrs.frozen(kw_only=True)
class ProbeReview:
    """The outcome of a Probe Sample: whether a Full Sample follows, and its size from the probe.

    ``full_sample_size`` is None when the probe found no overpayment (``next_step`` is then
    ``"review_complete"``).
    """

    sample_size: int = attrs.field(converter=c.as_int, validator=v.count(minimum=1))
    population_size: int = attrs.field(converter=c.as_int, validator=v.count(minimum=1))
    errors: int = attrs.field(converter=c.as_int, validator=v.count(minimum=0))
    mean_overpayment: float = attrs.field(converter=c.as_real, validator=v.real())
    standard_deviation: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    confidence: float = attrs.field(converter=c.as_real, validator=v.rate())
    precision: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0, low_open=True))
    z_value: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0, low_open=True))
    full_sample_size: int | None = attrs.field(
        converter=_optional_int, validator=v.optional(v.count(minimum=1))
    )
    next_step: str = attrs.field(validator=v.one_of((FULL_SAMPLE, REVIEW_COMPLETE)))
    reason: str = attrs.field(validator=v.text(multiline=True))
    convention: str = attrs.field(validator=v.text(multiline=True))

    def __repr__(self) -> str:
        return (
            f"ProbeReview(sample_size={self.sample_size}, errors={self.errors},"
            f" full_sample_size={self.full_sample_size}, next_step={self.next_step!r})"
        )

    def _repr_markdown_(self) -> str:
        return markdown_table("CIA Probe Sample", rows_of(self))

    def _repr_html_(self) -> str:
        return html_table("CIA Probe Sample", rows_of(self))


def cia_probe_review(
    overpayments: Sequence[float],
    *,
    population_size: int,
    confidence: float = FULL_SAMPLE_CONFIDENCE,
    precision: float = FULL_SAMPLE_PRECISION,
) -> ProbeReview:
    """Size the CIA Full Sample from a Probe Sample's observed overpayments.

    Args:
        overpayments: The net overpayment found in each probe unit (0 for a correct unit; at
            least 2 units).
        population_size: The sampling units in the population (at least the probe's size).
        confidence: Two-sided confidence of the Full Sample's estimate (90% per the CIA).
        precision: Half-width of that estimate as a fraction of the point estimate (25% per the CIA).

    Returns:
        The :class:`ProbeReview`: the Full Sample size, or no Full Sample when the probe found no
        overpayment.

    Raises:
        ValidationError: A bad argument, or a probe whose mean overpayment is not positive while it
            holds errors (``$.overpayments``): relative precision needs a positive estimate.

    Example:
        >>> cia_probe_review([0.0] * 20 + [50.0] * 10, population_size=5000).full_sample_size
        88
    """
    amounts = _amounts(overpayments, "$.overpayments", minimum=2)
    n = len(amounts)
    size = c.count(population_size, "$.population_size", minimum=n)
    conf = c.rate(confidence, "$.confidence")
    rel = c.rate(precision, "$.precision")
    from scipy.special import ndtri  # noqa: PLC0415 - lazy import keeps the package light

    z = float(ndtri(1 - (1 - conf) / 2))
    errors = sum(1 for a in amounts if a != 0)
    mean = sum(amounts, Fraction(0)) / n
    variance = sum(((a - mean) ** 2 for a in amounts), Fraction(0)) / (n - 1)
    sd = math.sqrt(variance)
    convention = (
        "n0 = (z s / (precision x mean))^2, n = ceil(n0 / (1 + n0 / N)), at least 2; z two-sided normal;"
        f" precision relative to the estimated total N x mean (Cochran 1977, eq. 4.2); source: {_SOURCE}"
    )
    if errors == 0:
        return ProbeReview(
            sample_size=n,
            population_size=size,
            errors=0,
            mean_overpayment=0.0,
            standard_deviation=0.0,
            confidence=conf,
            precision=rel,
            z_value=z,
            full_sample_size=None,
            next_step=REVIEW_COMPLETE,
            reason=(
                "no overpayment in the Probe Sample: no Full Sample is required (some CIAs require a"
                " second Probe Sample; check the agreement)"
            ),
            convention=convention,
        )
    if mean <= 0:
        c.fail(
            "$.overpayments",
            "range",
            f"the probe's mean overpayment must be > 0 to size a Full Sample at relative precision"
            f" (got {float(mean):g})",
        )
    n0 = (z * sd / (rel * float(mean))) ** 2
    full = max(2, math.ceil(n0 / (1 + n0 / size)))
    full = min(full, size)
    return ProbeReview(
        sample_size=n,
        population_size=size,
        errors=errors,
        mean_overpayment=float(mean),
        standard_deviation=sd,
        confidence=conf,
        precision=rel,
        z_value=z,
        full_sample_size=full,
        next_step=FULL_SAMPLE,
        reason=(
            f"{errors} of {n} probe units hold an overpayment: conduct a Full Sample of {full} units for"
            f" {conf:.0%} confidence and {rel:.0%} precision"
        ),
        convention=convention,
    )
