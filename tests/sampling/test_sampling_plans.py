"""Attribute sample sizes and upper limits against AICPA tables and independent scipy.stats loops."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.sampling import (
    AttributeEvaluation,
    AttributePlan,
    Method,
    attribute_sample_size,
    attribute_upper_limit,
    monetary_sample_size,
)
from comanaged_rcm.serialize import from_json, to_json


def naive_size(
    confidence: float, tolerable: float, expected: float, population: int | None = None
) -> tuple[int, int]:
    """The straightforward reference: scan n upward with scipy.stats."""
    n = 1
    while True:
        k = math.ceil(round(expected * n, 12))
        if population is None:
            risk = stats.binom.cdf(k, n, tolerable)
        else:
            risk = stats.hypergeom.cdf(k, population, math.ceil(round(tolerable * population, 12)), n)
        if risk <= 1 - confidence:
            return n, k
        n += 1


class TestAgainstNaiveLoop:
    @settings(max_examples=25, deadline=None)
    @given(
        conf=st.sampled_from([0.90, 0.95]),
        tol=st.sampled_from([0.03, 0.05, 0.07, 0.1, 0.2]),
        exp=st.sampled_from([0.0, 0.005, 0.01, 0.015, 0.02, 0.025]),
    )
    def test_binomial_matches_scan(self, conf: float, tol: float, exp: float) -> None:
        """Binomial plan equals the n-by-n scipy.stats.binom scan (independent reference)."""
        if exp >= tol:
            return
        plan = attribute_sample_size(confidence=conf, tolerable_rate=tol, expected_rate=exp)
        assert (plan.sample_size, plan.acceptable_deviations) == naive_size(conf, tol, exp)
        assert plan.achieved_risk is not None
        assert plan.achieved_risk <= 1 - conf

    @pytest.mark.parametrize("population", [100, 500, 2000, 10_000])
    def test_hypergeometric_matches_scan(self, population: int) -> None:
        """Hypergeometric plan equals the scipy.stats.hypergeom scan; never larger than binomial."""
        plan = attribute_sample_size(
            confidence=0.95,
            tolerable_rate=0.05,
            expected_rate=0.01,
            population=population,
            method="hypergeometric",
        )
        assert (plan.sample_size, plan.acceptable_deviations) == naive_size(0.95, 0.05, 0.01, population)
        assert (
            plan.sample_size
            <= attribute_sample_size(confidence=0.95, tolerable_rate=0.05, expected_rate=0.01).sample_size
        )

    def test_hypergeometric_converges(self) -> None:
        """As N grows the hypergeometric size reaches the binomial size (93 at 95%/5%/1%)."""
        plan = attribute_sample_size(
            confidence=0.95,
            tolerable_rate=0.05,
            expected_rate=0.01,
            population=10_000_000,
            method="hypergeometric",
        )
        assert plan.sample_size == 93

    def test_poisson_zero(self) -> None:
        """Poisson zero-deviation size is ceil(-ln(0.05)/0.05) = 60 (closed form)."""
        plan = attribute_sample_size(confidence=0.95, tolerable_rate=0.05, method=Method.POISSON)
        assert plan.sample_size == math.ceil(-math.log(0.05) / 0.05)
        assert "Poisson approximation" in plan.convention


class TestProperties:
    @settings(max_examples=30, deadline=None)
    @given(tol=st.floats(0.02, 0.3), conf=st.floats(0.5, 0.99))
    def test_minimal_and_monotone(self, tol: float, conf: float) -> None:
        """Achieved risk <= requested, n-1 fails; size grows with confidence and shrinks with tolerable."""
        plan = attribute_sample_size(confidence=conf, tolerable_rate=tol)
        assert plan.achieved_risk is not None
        assert plan.achieved_risk <= 1 - conf
        assert plan.sample_size == 1 or stats.binom.cdf(0, plan.sample_size - 1, tol) > 1 - conf
        assert (
            attribute_sample_size(confidence=min(0.999, conf + 0.005), tolerable_rate=tol).sample_size
            >= plan.sample_size
        )
        assert (
            attribute_sample_size(confidence=conf, tolerable_rate=tol * 1.1).sample_size <= plan.sample_size
        )

    def test_roundtrip(self) -> None:
        """Plans and evaluations round-trip exactly through the serializer."""
        plan = attribute_sample_size(confidence=0.9, tolerable_rate=0.05, expected_rate=0.01)
        assert from_json(to_json(plan), AttributePlan) == plan
        ev = attribute_upper_limit(sample_size=50, deviations=1, confidence=0.9, tolerable_rate=0.05)
        assert from_json(to_json(ev), AttributeEvaluation) == ev
        assert "<table>" in plan._repr_html_()
        assert "<table>" in ev._repr_html_()


class TestUpperLimit:
    @pytest.mark.parametrize(("n", "k"), [(50, 0), (50, 2), (100, 5), (20, 20)])
    def test_clopper_pearson(self, n: int, k: int) -> None:
        """Binomial upper limit equals scipy.stats.beta.ppf(conf, k+1, n-k) (Clopper-Pearson)."""
        ev = attribute_upper_limit(sample_size=n, deviations=k, confidence=0.95)
        ref = 1.0 if k == n else stats.beta.ppf(0.95, k + 1, n - k)
        assert ev.upper_limit == pytest.approx(ref)
        assert ev.point_estimate == k / n

    def test_hypergeometric(self) -> None:
        """Hypergeometric upper limit is the largest M/N with hypergeom.cdf(k) > alpha (scipy.stats)."""
        ev = attribute_upper_limit(
            sample_size=60, deviations=1, confidence=0.9, population=400, method="hypergeometric"
        )
        m = round(ev.upper_limit * 400)
        assert stats.hypergeom.cdf(1, 400, m, 60) > 0.1 >= stats.hypergeom.cdf(1, 400, m + 1, 60)

    def test_poisson_and_conclusion(self) -> None:
        """Poisson limit is gamma.ppf(conf, k+1)/n; conclusion compares with the tolerable rate."""
        ev = attribute_upper_limit(
            sample_size=100, deviations=1, confidence=0.95, method="poisson", tolerable_rate=0.05
        )
        assert ev.upper_limit == pytest.approx(stats.gamma.ppf(0.95, 2) / 100)
        assert ev.acceptable is True


class TestErrors:
    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"confidence": 1.5, "tolerable_rate": 0.05}, "$.confidence"),
            ({"confidence": "x", "tolerable_rate": 0.05}, "$.confidence"),
            ({"confidence": 0.95, "tolerable_rate": 0.05, "expected_rate": 0.05}, "$.expected_rate"),
            ({"confidence": 0.95, "tolerable_rate": 0.05, "method": "hypergeometric"}, "$.population"),
            ({"confidence": 0.95, "tolerable_rate": 0.05, "method": "nope"}, "$.method"),
            ({"confidence": 0.95, "tolerable_rate": 0.05, "population": 0}, "$.population"),
        ],
    )
    def test_plan_errors(self, kwargs: dict[str, object], path: str) -> None:
        """Bad plan inputs raise ValidationError naming the field."""
        with pytest.raises(ValidationError) as info:
            attribute_sample_size(**kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"sample_size": 10, "deviations": 11, "confidence": 0.9}, "$.deviations"),
            ({"sample_size": 10, "deviations": 1, "confidence": 0.9, "population": 5}, "$.population"),
            (
                {"sample_size": 10, "deviations": 1, "confidence": 0.9, "method": "hypergeometric"},
                "$.population",
            ),
            (
                {"sample_size": 10, "deviations": 1, "confidence": 0.9, "tolerable_rate": 2.0},
                "$.tolerable_rate",
            ),
            ({"sample_size": True, "deviations": 1, "confidence": 0.9}, "$.sample_size"),
        ],
    )
    def test_limit_errors(self, kwargs: dict[str, object], path: str) -> None:
        """Bad evaluation inputs raise ValidationError naming the field."""
        with pytest.raises(RCMError) as info:
            attribute_upper_limit(**kwargs)  # type: ignore[arg-type]
        assert isinstance(info.value, ValidationError)
        assert info.value.issues[0].path == path

    @pytest.mark.parametrize("method", ["binomial", "poisson"])
    def test_limit_population_refused(self, method: str) -> None:
        """A population with a method that ignores it is refused by the limit as by the plan (one message):
        binomial and Poisson limits assume an infinite population."""
        messages = []
        for call in (
            lambda: attribute_upper_limit(59, 0, 0.95, population=400, method=method),
            lambda: attribute_sample_size(0.95, 0.05, population=400, method=method),
        ):
            with pytest.raises(ValidationError) as info:
                call()
            assert info.value.issues[0].path == "$.population"
            messages.append(info.value.issues[0].message)
        assert messages[0] == messages[1]
        assert messages[0].startswith(
            "population=400 is used only by the hypergeometric method; pass method='hypergeometric' or drop"
            " population"
        )
        assert method in messages[0]

    def test_limit_population_edges(self) -> None:
        """The hypergeometric limit takes a population of exactly the sample size (a census: the upper
        limit is the rate found, 3 / 30) and refuses one item fewer; without a method it needs none."""
        census = attribute_upper_limit(30, 3, 0.9, population=30, method="hypergeometric")
        assert census.upper_limit == 3 / 30
        with pytest.raises(ValidationError) as info:
            attribute_upper_limit(30, 3, 0.9, population=29, method="hypergeometric")
        assert info.value.issues[0].path == "$.population"
        assert "must be >= sample_size (got 29 < 30)" in info.value.issues[0].message
        assert attribute_upper_limit(30, 3, 0.9).population is None

    def test_small_population_census(self) -> None:
        """When no sample short of the population suffices, the plan is a census of N items."""
        plan = attribute_sample_size(
            confidence=0.99, tolerable_rate=0.02, expected_rate=0.019, population=30, method="hypergeometric"
        )
        assert plan.sample_size == 30


class TestJfaPlanningFigures:
    """Frequentist planning figures from koenderks/jfa tests/testthat/test-consistency-planning.R."""

    @pytest.mark.parametrize(
        ("setup", "expected"),
        [
            ((0.01, 0.0, "poisson", None), (300, 0)),  # f6-v0.1.0-t1
            ((0.05, 0.0, "poisson", None), (60, 0)),  # f6-v0.1.0-t2
            ((0.01, 0.0, "binomial", None), (299, 0)),  # f6-v0.1.0-t7
            ((0.05, 0.0, "binomial", None), (59, 0)),  # f6-v0.1.0-t8
            ((0.05, 0.025, "binomial", None), (234, 6)),  # f6-v0.1.0-t9
            ((0.01, 0.0, "hypergeometric", 1000), (258, 0)),  # f6-v0.1.0-t13
            ((0.05, 0.0, "hypergeometric", 1000), (57, 0)),  # f6-v0.1.0-t14
            ((0.05, 0.025, "hypergeometric", 1000), (197, 5)),  # f6-v0.1.0-t15
            ((0.05, 0.0, "hypergeometric", 10_000), (59, 0)),  # f6-v0.5.2-t1
        ],
    )
    def test_attribute(self, setup: tuple[float, float, str, int | None], expected: tuple[int, int]) -> None:
        """Sizes and expected errors of jfa's frequentist planning() at 95% (ids in the parameters)."""
        tol, exp, method, population = setup
        plan = attribute_sample_size(
            confidence=0.95, tolerable_rate=tol, expected_rate=exp, population=population, method=method
        )
        assert (plan.sample_size, plan.acceptable_deviations) == expected

    def test_monetary(self) -> None:
        """Poisson with 2.5% expected of 5% tolerable: 231 units, 5.78 expected errors (f6-v0.1.0-t3)."""
        plan = monetary_sample_size(confidence=0.95, tolerable_rate=0.05, expected_rate=0.025)
        assert plan.sample_size == 231
        assert plan.expected_misstatements == pytest.approx(5.78, abs=0.005)

    def test_upper_limits(self) -> None:
        """Clean samples: 0 of 60 gives 0.04870291 (binomial, f3-v0.1.0-t3) and 0 of 57 from 1,000 gives
        0.049 (hypergeometric, f3-v0.1.0-t5), koenderks/jfa tests/testthat/test-consistency-evaluation.R."""
        assert attribute_upper_limit(60, 0, 0.95).upper_limit == pytest.approx(0.04870291, abs=5e-9)
        finite = attribute_upper_limit(57, 0, 0.95, population=1000, method="hypergeometric")
        assert finite.upper_limit == 0.049
