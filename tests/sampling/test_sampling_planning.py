"""Planning as jfa plans: expected as a rate or a count, minimum precision, the max cap, likelihoods.

Figures are from koenderks/jfa 0.7.3 (commit f3723cc2), tests/testthat/test-planning.R, each case
quoted with its id; the rest are closed forms computed in the test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._engine import (
    DEFAULT_MAX,
    _estimate,
    _expected,
    _plan_test,
    _smallest_plan,
    _upper_function,
    attribute_sample_size,
)
from comanaged_rcm.sampling._models import AttributePlan, Method
from comanaged_rcm.sampling._monetary import MonetaryPlan, monetary_sample_size
from comanaged_rcm.sampling._search import largest, smallest
from comanaged_rcm.serialize import from_json, to_json


def _refusal(call: object, path: str) -> str:
    with pytest.raises(ValidationError) as info:
        call()  # type: ignore[operator]
    assert info.value.issues[0].path == path
    return info.value.issues[0].message


class TestJfaFigures:
    """koenderks/jfa tests/testthat/test-planning.R (jfa 0.7.3), frequentist cases, conf.level = 0.95."""

    @pytest.mark.parametrize(
        ("case", "materiality", "expected", "likelihood", "population", "n", "x"),
        [
            # planning(materiality = 0.01, conf.level = 0.95, expected = 0, "poisson"): n 300, x 0
            ("f5-v0.1.0-t1", 0.01, 0, "poisson", None, 300, 0),
            # planning(materiality = 0.05, ..., expected = 0, likelihood = "poisson"): n 60, x 0
            ("f5-v0.1.0-t2", 0.05, 0, "poisson", None, 60, 0),
            # planning(materiality = 0.05, ..., expected = 2, likelihood = "poisson"): n 126, x 2
            ("f5-v0.1.0-t4", 0.05, 2, "poisson", None, 126, 2),
            # planning(materiality = 0.01, ..., expected = 0, likelihood = "binomial"): n 299, x 0
            ("f5-v0.1.0-t7", 0.01, 0, "binomial", None, 299, 0),
            # planning(materiality = 0.05, ..., expected = 0, likelihood = "binomial"): n 59, x 0
            ("f5-v0.1.0-t8", 0.05, 0, "binomial", None, 59, 0),
            # planning(materiality = 0.05, ..., expected = 0.025, likelihood = "binomial"): n 234, x 6
            ("f5-v0.1.0-t9", 0.05, 0.025, "binomial", None, 234, 6),
            # planning(materiality = 0.05, ..., expected = 2, likelihood = "binomial"): n 124, x 2
            ("f5-v0.1.0-t10", 0.05, 2, "binomial", None, 124, 2),
            # planning(materiality = 0.01, ..., expected = 0, "hypergeometric", N.units = 1000): n 258
            ("f5-v0.1.0-t13", 0.01, 0, "hypergeometric", 1000, 258, 0),
            # planning(materiality = 0.05, ..., expected = 0, "hypergeometric", N.units = 1000): n 57
            ("f5-v0.1.0-t14", 0.05, 0, "hypergeometric", 1000, 57, 0),
            # planning(materiality = 0.05, ..., expected = 0.025, "hypergeometric", N.units = 1000): 197, 5
            ("f5-v0.1.0-t15", 0.05, 0.025, "hypergeometric", 1000, 197, 5),
            # planning(materiality = 0.05, ..., expected = 2, "hypergeometric", N.units = 1000): n 119, x 2
            ("f5-v0.1.0-t16", 0.05, 2, "hypergeometric", 1000, 119, 2),
            # planning(materiality = 0.05, ..., expected = 0, "hypergeometric", N.units = 10000): n 59
            ("f5-v0.5.2-t1", 0.05, 0, "hypergeometric", 10_000, 59, 0),
        ],
    )
    def test_attribute_and_monetary(  # noqa: PLR0917 - one row of the jfa table
        self,
        case: str,
        materiality: float,
        expected: float,
        likelihood: str,
        population: int | None,
        n: int,
        x: int,
    ) -> None:
        """jfa's n and x, from attribute_sample_size(expected=) and monetary_sample_size(method=) alike."""
        plan = attribute_sample_size(
            0.95, materiality, population=population, method=likelihood, expected=expected
        )
        assert (plan.sample_size, plan.acceptable_deviations) == (n, x), case
        assert plan.method.value == likelihood
        money = monetary_sample_size(
            0.95, materiality, population_value=population, method=likelihood, expected=expected
        )
        assert (money.sample_size, money.expected_misstatements) == (n, x), case
        assert money.method == likelihood
        assert money.expected_kind == ("count" if expected >= 1 else "rate")

    def test_poisson_fractional(self) -> None:
        """f5-v0.1.0-t3: planning(materiality = 0.05, expected = 0.025, likelihood = "poisson"): n 231,
        x 5.78 (tolerance 0.001): the monetary Poisson plan leaves the expected misstatement fractional."""
        plan = monetary_sample_size(0.95, 0.05, expected=0.025)
        assert plan.sample_size == 231
        assert plan.expected_misstatements == pytest.approx(5.78, rel=0.001)

    def test_min_precision(self) -> None:
        """f5-v0.1.0-t23: planning(materiality = 0.03, conf.level = 0.95, expected = 0.013,
        min.precision = 0.05, likelihood = "binomial", N.units = 1000): n 303, x 4 (jfa's binomial
        ignores N.units; here a population is refused with the binomial method, so none is passed)."""
        plan = attribute_sample_size(0.95, 0.03, expected=0.013, min_precision=0.05)
        assert (plan.sample_size, plan.acceptable_deviations) == (303, 4)
        money = monetary_sample_size(0.95, 0.03, expected=0.013, min_precision=0.05, method="binomial")
        assert (money.sample_size, money.expected_misstatements) == (303, 4)
        assert money.upper_bound == pytest.approx(stats.beta.ppf(0.95, 5, 299))
        assert "min_precision 0.05" in plan.convention

    def test_default_max(self) -> None:
        """jfa R/planning.R: 'max = 5000' is the default cap of planning()."""
        assert DEFAULT_MAX == 5000
        assert monetary_sample_size(0.95, 0.05).max == 5000


class TestPrecision:
    def test_precision_only_closed_forms(self) -> None:
        """With no materiality (jfa's materiality = NULL) and no expected errors, the precision is the upper
        bound: Poisson -ln(0.05) / n < 0.02 gives n = ceil(149.79) = 150; binomial 1 - 0.05**(1 / n) < 0.02
        gives n > ln(0.05) / ln(0.98) = 148.28, so 149 (closed forms)."""
        poisson = monetary_sample_size(0.95, min_precision=0.02)
        assert poisson.sample_size == math.ceil(-math.log(0.05) / 0.02) == 150
        assert poisson.tolerable_rate is None
        assert "materiality = NULL" in poisson.convention
        binomial = monetary_sample_size(0.95, min_precision=0.02, method="binomial")
        assert binomial.sample_size == math.ceil(math.log(0.05) / math.log(0.98)) == 149
        assert binomial.precision == pytest.approx(1 - 0.05 ** (1 / 149))

    def test_both_take_the_larger(self) -> None:
        """Materiality 5% alone needs 59 items; with a 2% precision the plan needs 149 (closed form above)."""
        assert attribute_sample_size(0.95, 0.05).sample_size == 59
        assert attribute_sample_size(0.95, 0.05, min_precision=0.02).sample_size == 149

    def test_strictly_below(self) -> None:
        """Precision must be strictly below min_precision (jfa: '(bound - mle) < min.precision'): at exactly
        the precision of n = 149 the plan needs one more item; one ulp above it, 149 suffice."""
        at_149 = 1 - 0.05 ** (1 / 149)
        exact = float(_upper_function(Method.BINOMIAL, Decimal("0.95"), None)(0, 149))
        assert exact == pytest.approx(at_149)
        assert monetary_sample_size(0.95, min_precision=exact, method="binomial").sample_size == 150
        above = math.nextafter(exact, 1.0)
        assert monetary_sample_size(0.95, min_precision=above, method="binomial").sample_size == 149

    def test_hypergeometric_precision(self) -> None:
        """The hypergeometric precision is the exact upper limit M / N minus k / n: the plan's n meets it
        and n - 1 does not (scipy.stats.hypergeom, N = 1000)."""
        plan = monetary_sample_size(0.95, min_precision=0.03, method="hypergeometric", population_value=1000)
        n = plan.sample_size

        def upper(size: int) -> float:
            return max(m for m in range(1001) if stats.hypergeom.cdf(0, 1000, m, size) > 0.05) / 1000

        assert upper(n) < 0.03 <= upper(n - 1)
        assert plan.upper_bound == upper(n)


class TestExpected:
    def test_count_convention_named(self) -> None:
        """A whole number >= 1 is a count (jfa: 'a number (>= 1) specifying the expected (tolerable)
        number of misstatements in the sample'); the convention quotes it and expected_rate reports k / n."""
        plan = attribute_sample_size(0.95, 0.05, expected=2)
        assert "count" in plan.convention
        assert (
            "a number (>= 1) specifying the expected (tolerable) number of misstatements" in plan.convention
        )
        assert plan.expected_rate == 2 / 124
        one = attribute_sample_size(0.95, 0.05, expected=1)
        assert one.acceptable_deviations == 1
        assert "count" not in attribute_sample_size(0.95, 0.05, expected=0.02).convention

    def test_rate_alias(self) -> None:
        """expected below 1 is the same rate as expected_rate (AICPA 93 items at 95%/5%/1%)."""
        assert attribute_sample_size(0.95, 0.05, expected=0.01) == attribute_sample_size(0.95, 0.05, 0.01)

    def test_fractional_counts(self) -> None:
        """A fractional count is refused for whole-error likelihoods (with the jfa convention and the
        whole count to pass); the Poisson monetary plan takes it as a sum of taints."""
        message = _refusal(lambda: attribute_sample_size(0.95, 0.05, expected=1.5), "$.expected")
        assert "pass expected=2" in message
        assert "jfa" in message
        plan = monetary_sample_size(0.95, 0.05, expected=1.5)
        n = plan.sample_size
        g = stats.gamma.ppf(0.95, 2.5)
        assert g / n <= 0.05 < g / (n - 1)
        assert plan.expected_kind == "count"
        assert plan.expected_misstatements == 1.5

    def test_refusals(self) -> None:
        """Both spellings at once, a count given as a rate, a rate at the tolerable rate: refused by path."""
        _refusal(lambda: attribute_sample_size(0.95, 0.05, 0.01, expected=0.01), "$.expected")
        assert "pass expected=2" in _refusal(lambda: attribute_sample_size(0.95, 0.05, 2), "$.expected_rate")
        _refusal(lambda: attribute_sample_size(0.95, 0.05, expected=0.05), "$.expected")
        _refusal(lambda: monetary_sample_size(0.95, 0.05, expected=0.05), "$.expected")
        _refusal(lambda: attribute_sample_size(0.95, 0.05, expected=-1), "$.expected")
        _refusal(lambda: attribute_sample_size(0.95, 0.05, expected=5000), "$.expected")
        # jfa R/planning.R: stopifnot("'N.units' must be > expected" = N.units > expected)
        _refusal(
            lambda: attribute_sample_size(0.95, 0.5, None, 2, "hypergeometric", expected=2), "$.population"
        )
        assert attribute_sample_size(0.95, 0.5, None, 3, "hypergeometric", expected=2).sample_size == 3
        _refusal(
            lambda: monetary_sample_size(0.9, 0.5, None, 1.5, method="hypergeometric", expected=2),
            "$.population_value",
        )
        close = _refusal(lambda: attribute_sample_size(0.95, 0.05, expected=0.0499, max=10**8), "$.expected")
        assert "2,000 deviations" in close


class TestCap:
    def test_needs_more_than_max(self) -> None:
        """At 0.05% tolerable the zero-deviation plan needs ceil(ln(0.05) / ln(0.9995)) = 5,990 items
        (closed form): above jfa's max of 5,000 it is refused at $.max naming 5,990; at max = 5,990 it
        is 5,990 and at max = 5,989 refused again (the cap's edges)."""
        needed = math.ceil(math.log(0.05) / math.log(1 - 0.0005))
        assert needed == 5990
        message = _refusal(lambda: attribute_sample_size(0.95, 0.0005), "$.max")
        assert "binomial attribute plan needs n = 5,990" in message
        assert "max=5,000" in message
        assert attribute_sample_size(0.95, 0.0005, max=5990).sample_size == 5990
        assert "5,990" in _refusal(lambda: attribute_sample_size(0.95, 0.0005, max=5989), "$.max")

    def test_monetary_near_tolerable(self) -> None:
        """An expected rate just below tolerable asks for a huge sample: refused at $.max with the n
        needed (135,706 at 4.9% of 5%, which max=135706 then returns), or as too close to tolerable
        when even 2**53 units would not do (0.05 - 1e-17, which used to ask for about 1e33 items)."""
        message = _refusal(lambda: monetary_sample_size(0.95, 0.05, 0.049), "$.max")
        assert "poisson monetary unit plan needs n = 135,706" in message
        assert monetary_sample_size(0.95, 0.05, 0.049, max=135_706).sample_size == 135_706
        assert "too close" in _refusal(
            lambda: monetary_sample_size(0.95, 0.05, 0.05 - 1e-17), "$.expected_rate"
        )

    def test_no_silent_internal_cap(self) -> None:
        """A tolerable rate too small for any sample is refused; it no longer returns an internal cap."""
        assert "too small" in _refusal(lambda: attribute_sample_size(0.95, 5e-324), "$.tolerable_rate")
        message = _refusal(lambda: attribute_sample_size(0.95, 1e-9, max=10**8), "$.max")
        assert "needs n = 2,995,732," in message

    def test_hypergeometric_census_and_cap(self) -> None:
        """A population within max that no smaller sample meets is a census (named in the convention);
        a population beyond max that needs a census is refused, naming it."""
        census = attribute_sample_size(0.99, 0.02, 0.019, population=30, method="hypergeometric")
        assert census.sample_size == 30
        assert "census" in census.convention
        message = _refusal(
            lambda: attribute_sample_size(0.99, 0.02, 0.019, population=30, method="hypergeometric", max=29),
            "$.max",
        )
        assert "all 30 items" in message


class TestMethods:
    @pytest.mark.parametrize("method", ["binomial", "poisson"])
    def test_population_refused(self, method: str) -> None:
        """A population with a method that ignores it is refused, naming the finite-population method."""
        message = _refusal(
            lambda: attribute_sample_size(0.95, 0.05, population=400, method=method), "$.population"
        )
        assert "population=400 is used only by the hypergeometric method" in message
        assert "pass method='hypergeometric' or drop population" in message

    def test_monetary_hypergeometric_units(self) -> None:
        """The hypergeometric monetary plan counts N = ceil(population_value) units (jfa: ceiling(N.units)):
        999.5 plans as 1000 (197 units at 5%/2.5%, f5-v0.1.0-t15), and needs a population value."""
        plan = monetary_sample_size(0.95, 0.05, 0.025, 999.5, method="hypergeometric")
        assert plan.sample_size == 197
        assert plan.sampling_interval == pytest.approx(999.5 / 197)
        _refusal(lambda: monetary_sample_size(0.95, 0.05, method="hypergeometric"), "$.population_value")
        _refusal(lambda: monetary_sample_size(0.95, 0.05, method="beta"), "$.method")
        _refusal(lambda: monetary_sample_size(0.95), "$.tolerable_rate")

    def test_round_trip(self) -> None:
        """New monetary plan fields round-trip; a plan stored before them reads with their defaults."""
        plan = monetary_sample_size(0.9, 0.05, expected=2, method="binomial", min_precision=0.04, max=900)
        assert from_json(to_json(plan), MonetaryPlan) == plan
        stored = {
            "sample_size": 93,
            "expected_misstatements": 0.93,
            "confidence": 0.95,
            "tolerable_rate": 0.05,
            "expected_rate": 0.01,
            "population_value": None,
            "sampling_interval": None,
            "method": "poisson",
            "convention": "AICPA table C-1",
        }
        old = json.dumps(stored)
        assert from_json(old, MonetaryPlan).max == DEFAULT_MAX


_METHODS = st.sampled_from(["binomial", "poisson", "hypergeometric"])
_CONFIDENCES = st.sampled_from([0.8, 0.9, 0.95, 0.975, 0.99])
_TOLERABLES = st.sampled_from([0.03, 0.05, 0.08, 0.1, 0.15, 0.2])
_FRACTIONS = st.sampled_from([0.0, 0.1, 0.25, 0.4, 0.5])
_PRECISIONS = st.sampled_from([None, 0.04, 0.08])


def _plan(
    method: str, conf: float, tol: float, exp: float, precision: float | None, *, monetary: bool
) -> int:
    if monetary:
        return monetary_sample_size(
            conf,
            tol,
            exp,
            2000.0 if method == "hypergeometric" else None,
            method=method,
            min_precision=precision,
        ).sample_size
    population = 2000 if method == "hypergeometric" else None
    return attribute_sample_size(
        conf, tol, exp, population, method, min_precision=precision, max=10**5
    ).sample_size


def _rate(tol: float, fraction: float) -> float:
    return float(Decimal(str(tol)) * Decimal(str(fraction)))


class TestMonotone:
    @settings(max_examples=40)
    @given(m=_METHODS, conf=_CONFIDENCES, tol=_TOLERABLES, f=_FRACTIONS, p=_PRECISIONS, money=st.booleans())
    def test_confidence(  # noqa: PLR0917 - one hypothesis draw
        self, m: str, conf: float, tol: float, f: float, p: float | None, money: bool
    ) -> None:
        """A higher confidence never needs fewer items, for every likelihood, attribute or monetary."""
        exp = _rate(tol, f)
        assert _plan(m, conf, tol, exp, p, monetary=money) <= _plan(
            m, conf + 0.005, tol, exp, p, monetary=money
        )

    @settings(max_examples=40)
    @given(m=_METHODS, conf=_CONFIDENCES, tol=_TOLERABLES, f=_FRACTIONS, p=_PRECISIONS, money=st.booleans())
    def test_tolerable(self, m: str, conf: float, tol: float, f: float, p: float | None, money: bool) -> None:  # noqa: PLR0917
        """A larger tolerable rate (same expected rate) never needs more items."""
        exp = _rate(tol, f)
        assert _plan(m, conf, tol + 0.01, exp, p, monetary=money) <= _plan(
            m, conf, tol, exp, p, monetary=money
        )

    @settings(max_examples=40)
    @given(
        m=_METHODS,
        conf=_CONFIDENCES,
        tol=_TOLERABLES,
        f=st.sampled_from([0.0, 0.1, 0.25, 0.4]),
        money=st.booleans(),
    )
    def test_expected(self, m: str, conf: float, tol: float, f: float, money: bool) -> None:
        """A larger expected rate, or a larger expected count, never needs fewer items."""
        low, high = _rate(tol, f), _rate(tol, f + 0.1)
        assert _plan(m, conf, tol, low, None, monetary=money) <= _plan(
            m, conf, tol, high, None, monetary=money
        )
        population = 2000 if m == "hypergeometric" else None
        counts = [
            attribute_sample_size(conf, tol, population=population, method=m, expected=k).sample_size
            for k in (1, 2, 3)
        ]
        assert counts == sorted(counts)


class TestAgainstLinearScan:
    @settings(max_examples=60)
    @given(
        m=_METHODS,
        conf=_CONFIDENCES,
        tol=st.sampled_from([0.1, 0.2, 0.3, 0.4]),
        f=_FRACTIONS,
        p=st.sampled_from([None, 0.15, 0.3]),
        population=st.integers(20, 150),
    )
    def test_plan_is_first_n_of_a_scan(  # noqa: PLR0917
        self, m: str, conf: float, tol: float, f: float, p: float | None, population: int
    ) -> None:
        """The banded search returns the first n of a linear scan n = 1, 2, ... (jfa scans so), with
        k = ceil(expected x n) < n, on small ranges."""
        method = Method(m)
        size = population if method is Method.HYPERGEOMETRIC else None
        confidence, tolerable = Decimal(str(conf)), Decimal(str(tol))
        expected = _expected(_rate(tol, f), None, tolerable, whole=True, method=method)
        test = _plan_test(method, confidence, tolerable, size, p)
        cap = population
        scan = next(
            (
                (n, expected.errors(n))
                for n in range(1, cap + 1)
                if expected.errors(n) < n and test(expected.errors(n), n)
            ),
            None,
        )
        assert _smallest_plan(test, expected, cap) == scan


class TestSearch:
    @settings(max_examples=200)
    @given(
        low=st.integers(-5, 40),
        width=st.integers(-3, 80),
        threshold=st.integers(-10, 130),
        start=st.none() | st.integers(-10, 130),
    )
    def test_smallest_is_the_linear_scan(
        self, low: int, width: int, threshold: int, start: int | None
    ) -> None:
        """smallest() equals the first n of a scan low, low + 1, ..., cap for any monotone test and any
        start, never tests outside [low, cap] and tests each n at most once."""
        cap = low + width
        seen: list[int] = []

        def passes(n: int) -> bool:
            assert low <= n <= cap
            seen.append(n)
            return n >= threshold

        scan = next((n for n in range(low, cap + 1) if n >= threshold), None)
        assert smallest(passes, low, cap, start=start) == scan
        assert len(seen) == len(set(seen))

    @settings(max_examples=200)
    @given(low=st.integers(-5, 40), width=st.integers(0, 80), threshold=st.integers(-10, 130))
    def test_largest_is_the_linear_scan(self, low: int, width: int, threshold: int) -> None:
        """largest() equals the last m of a scan whose low end passes, never testing the low end."""
        high = low + width
        threshold = max(threshold, low)

        def passes(m: int) -> bool:
            assert low < m <= high
            return m <= threshold

        assert largest(passes, low, high) == max(m for m in range(low, high + 1) if m <= threshold)


def _binomial_upper(k: int, n: int) -> float:
    """Clopper-Pearson one-sided 95% upper bound (scipy.stats.beta), 1 when every item deviates."""
    return 1.0 if k >= n else float(stats.beta.ppf(0.95, k + 1, n - k))


def _hyper_upper(k: int, n: int, total: int) -> float:
    """Exact one-sided 95% upper bound M / N: the largest M with P(X <= k; N, M, n) > 0.05 (scipy)."""
    m = np.arange(k, total - (n - k) + 1)
    return int(m[stats.hypergeom.cdf(k, total, m, n) > 0.05].max()) / total


def _scan(upper: Callable[[int, int], float], rate: str, min_precision: float) -> tuple[int, int]:
    """The first n (k = ceil(rate x n) in exact decimals) whose bound is below 1 and precision below it."""
    n = 1
    while True:
        k = math.ceil(Decimal(rate) * n)
        if k < n:
            bound = upper(k, n)
            if bound < 1 and bound - k / n < min_precision:
                return n, k
        n += 1


class TestAttributePrecision:
    """Attribute plans by minimum precision alone (jfa planning(materiality = NULL, min.precision =)),
    by materiality alone, or both, and the planning fields they record."""

    def test_closed_forms(self) -> None:
        """No expected deviations: the precision is the upper bound. Poisson -ln(0.05) / n < 0.02 gives
        n = ceil(149.79) = 150; binomial 1 - 0.05**(1 / n) < 0.02 gives n > ln(0.05) / ln(0.98) = 148.28,
        so 149 (closed forms); neither has a tolerable rate nor an achieved risk."""
        poisson = attribute_sample_size(0.95, min_precision=0.02, method="poisson")
        assert poisson.sample_size == math.ceil(-math.log(0.05) / 0.02) == 150
        assert poisson.upper_bound == pytest.approx(-math.log(0.05) / 150, rel=1e-12)
        binomial = attribute_sample_size(0.95, None, min_precision=0.02)
        assert binomial.sample_size == math.ceil(math.log(0.05) / math.log(0.98)) == 149
        assert binomial.precision == binomial.upper_bound == pytest.approx(1 - 0.05 ** (1 / 149))
        for plan in (poisson, binomial):
            assert plan.acceptable_deviations == 0
            assert (plan.tolerable_rate, plan.achieved_risk) == (None, None)
            assert (plan.min_precision, plan.max, plan.expected_kind) == (0.02, DEFAULT_MAX, "rate")
            assert "materiality = NULL" in plan.convention
            assert "min_precision 0.02" in plan.convention

    def test_jfa_bayesian_poisson_is_one_item_behind(self) -> None:
        """koenderks/jfa test-planning.R, f5-v0.2.0-t2: planning(conf.level = 0.95, min.precision = 0.02,
        likelihood = "poisson", prior = TRUE): n 149, x 0. jfa's default gamma(1, 1) prior counts as one
        item already examined (posterior gamma(1, 1 + n), bound -ln(0.05) / (1 + n)), so the same
        precision without a prior needs 149 + 1 = 150 items."""
        jfa_bayesian_n = 149
        assert -math.log(0.05) / (1 + jfa_bayesian_n) < 0.02 <= -math.log(0.05) / jfa_bayesian_n
        plan = attribute_sample_size(0.95, min_precision=0.02, method="poisson")
        assert plan.sample_size == jfa_bayesian_n + 1

    def test_expected_rate_against_scans(self) -> None:
        """With expected deviations (k = ceil(rate x n)) the plan is the first n of an n-by-n scan with
        scipy.stats: binomial 1% expected, 3% precision; hypergeometric N = 1,000, none and 1% expected,
        3% precision (exact M / N bound from scipy.stats.hypergeom)."""
        binomial = attribute_sample_size(0.95, expected_rate=0.01, min_precision=0.03)
        assert (binomial.sample_size, binomial.acceptable_deviations) == _scan(_binomial_upper, "0.01", 0.03)
        k, n = binomial.acceptable_deviations, binomial.sample_size
        assert binomial.upper_bound == pytest.approx(_binomial_upper(k, n), rel=1e-12)
        assert binomial.precision == pytest.approx(_binomial_upper(k, n) - k / n, rel=1e-12)
        for rate in ("0", "0.01"):
            plan = attribute_sample_size(
                0.95, expected_rate=float(rate), population=1000, method="hypergeometric", min_precision=0.03
            )
            found = _scan(lambda k, n: _hyper_upper(k, n, 1000), rate, 0.03)
            assert (plan.sample_size, plan.acceptable_deviations) == found, rate
            assert plan.upper_bound == _hyper_upper(found[1], found[0], 1000)
            assert plan.population == 1000
        assert (
            attribute_sample_size(
                0.95, min_precision=0.03, population=1000, method="hypergeometric"
            ).sample_size
            == 94
        )

    def test_poisson_bound_below_one(self) -> None:
        """jfa plans materiality = NULL at materiality 1 and needs 'bound < materiality': at 50% expected
        and 60% precision, n = 10 (k = 5) has precision 0.551 but a Poisson bound of 1.051, so the plan is
        the first n of the scan (scipy.stats.gamma) whose bound is below 1 as well: 12."""

        def poisson(k: int, n: int) -> float:
            return float(stats.gamma.ppf(0.95, k + 1)) / n

        assert poisson(5, 10) > 1
        assert poisson(5, 10) - 0.5 < 0.6
        plan = attribute_sample_size(0.95, expected_rate=0.5, min_precision=0.6, method="poisson")
        assert (plan.sample_size, plan.acceptable_deviations) == _scan(poisson, "0.5", 0.6) == (12, 6)
        assert plan.upper_bound is not None
        assert plan.upper_bound < 1

    def test_strictly_below(self) -> None:
        """The precision must be strictly below min_precision (jfa: '(bound - mle) < min.precision'): at
        exactly the precision of n = 149 the plan needs 150; one ulp above it, 149; one ulp below, 150."""
        exact = float(_upper_function(Method.BINOMIAL, Decimal("0.95"), None)(0, 149))
        assert attribute_sample_size(0.95, min_precision=exact).sample_size == 150
        assert attribute_sample_size(0.95, min_precision=math.nextafter(exact, 1.0)).sample_size == 149
        assert attribute_sample_size(0.95, min_precision=math.nextafter(exact, 0.0)).sample_size == 150

    def test_both_record_every_input(self) -> None:
        """koenderks/jfa test-planning.R, f5-v0.1.0-t23: planning(materiality = 0.03, conf.level = 0.95,
        expected = 0.013, min.precision = 0.05, likelihood = "binomial", N.units = 1000): n 303, x 4. The
        plan records both inputs, its risk at 3% (scipy.stats.binom), the Clopper-Pearson bound
        beta.ppf(0.95, 5, 299) and the precision bound - 4 / 303 (jfa's ub and precision)."""
        plan = attribute_sample_size(0.95, 0.03, expected=0.013, min_precision=0.05)
        assert (plan.sample_size, plan.acceptable_deviations) == (303, 4)
        assert (plan.tolerable_rate, plan.min_precision, plan.expected_kind) == (0.03, 0.05, "rate")
        assert plan.achieved_risk == pytest.approx(stats.binom.cdf(4, 303, 0.03), rel=1e-12)
        assert plan.upper_bound == pytest.approx(stats.beta.ppf(0.95, 5, 299), rel=1e-12)
        assert plan.precision == pytest.approx(stats.beta.ppf(0.95, 5, 299) - 4 / 303, rel=1e-12)

    def test_materiality_alone_records_the_bound(self) -> None:
        """By materiality alone (AICPA 59 items at 95%/5%): no min_precision, and the bound it expects is
        1 - 0.05**(1 / 59) = 0.0495 <= 5% (closed form)."""
        plan = attribute_sample_size(0.95, 0.05)
        assert (plan.sample_size, plan.min_precision, plan.max) == (59, None, DEFAULT_MAX)
        assert plan.upper_bound == pytest.approx(1 - 0.05 ** (1 / 59), rel=1e-12)
        assert plan.upper_bound is not None
        assert plan.upper_bound <= 0.05

    def test_count_and_max_recorded(self) -> None:
        """expected = 2 is a count (jfa f5-v0.1.0-t10: n 124, x 2): expected_kind 'count'; max is the cap
        given, and a cap of exactly the n needed plans while one below is refused naming it."""
        plan = attribute_sample_size(0.95, 0.05, expected=2, max=124)
        assert (plan.sample_size, plan.expected_kind, plan.max) == (124, "count", 124)
        assert "n = 124" in _refusal(lambda: attribute_sample_size(0.95, 0.05, expected=2, max=123), "$.max")

    def test_refusals(self) -> None:
        """Neither a tolerable rate nor a minimum precision is refused (jfa: "missing value for
        'materiality' or `min.precision`"); a precision plan beyond max names the n it needs
        (1 - 0.05**(1 / n) < 0.0005 needs ceil(ln(0.05) / ln(0.9995)) = 5,990, closed form)."""
        assert "'tolerable_rate' or 'min_precision' is required" in _refusal(
            lambda: attribute_sample_size(0.95), "$.tolerable_rate"
        )
        _refusal(lambda: attribute_sample_size(0.95, min_precision=1.0), "$.min_precision")
        message = _refusal(lambda: attribute_sample_size(0.95, min_precision=0.0005), "$.max")
        assert "needs n = 5,990" in message
        assert attribute_sample_size(0.95, min_precision=0.0005, max=5990).sample_size == 5990

    def test_stored_before_reads_with_defaults(self) -> None:
        """A plan stored as JSON before the planning fields existed loads with their defaults."""
        plan = attribute_sample_size(0.95, 0.05, 0.01)
        stored = json.loads(to_json(plan))
        for name in ("expected_kind", "min_precision", "max", "upper_bound", "precision"):
            del stored[name]
        old = from_json(json.dumps(stored), AttributePlan)
        assert old == attrs.evolve(plan, upper_bound=None, precision=None)
        assert (old.expected_kind, old.min_precision, old.max) == ("rate", None, DEFAULT_MAX)
        assert from_json(to_json(plan), AttributePlan) == plan


class TestEstimate:
    @pytest.mark.parametrize("method", list(Method))
    @pytest.mark.parametrize("k", [0, 1, 2, 5, 20])
    @pytest.mark.parametrize(("conf", "tol"), [(0.95, 0.05), (0.9, 0.03), (0.99, 0.2)])
    def test_same_plan_fewer_tests(self, method: Method, k: int, conf: float, tol: float) -> None:
        """Searching from the estimate gives the n of the search from k + 1 (any start gives the same n:
        TestSearch), and the binomial and Poisson estimates are close: at most 4 risk tests."""
        population = 5_000 if method is Method.HYPERGEOMETRIC else None
        confidence, tolerable = Decimal(str(conf)), Decimal(str(tol))
        seen: list[int] = []
        test = _plan_test(method, confidence, tolerable, population, None)

        def counted(n: int) -> bool:
            seen.append(n)
            return test(k, n)

        start = _estimate(method, confidence, tolerable, population)(k)
        found = smallest(counted, k + 1, 10**7, start=start)
        assert found == smallest(lambda n: test(k, n), k + 1, 10**7)
        if method is not Method.HYPERGEOMETRIC:
            assert len(seen) <= 4, (start, found, seen)
