"""Discovery sizes, presets and variables sampling (plans and appraisals) against numpy/scipy brute force."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import InsufficientDataError, ValidationError
from comanaged_rcm.sampling import (
    PRESETS,
    Appraisal,
    Preset,
    VariablesPlan,
    difference_estimate,
    discovery_sample_size,
    mean_per_unit,
    monetary_upper_limit,
    ratio_estimate,
    stratified_appraisal,
    variables_sample_size,
)
from comanaged_rcm.serialize import from_json, to_json


def _sample(seed: int, n: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    book = rng.gamma(2.0, 100.0, size=n)
    audited = book * (1 - rng.binomial(1, 0.3, size=n) * rng.uniform(0, 1, size=n))
    return audited, book


class TestDiscovery:
    @pytest.mark.parametrize(("conf", "rate"), [(0.95, 0.05), (0.90, 0.05), (0.95, 0.01), (0.99, 0.02)])
    def test_infinite_closed_form(self, conf: float, rate: float) -> None:
        """Infinite-population discovery size is ceil(ln(1 - conf) / ln(1 - rate)) (closed form)."""
        plan = discovery_sample_size(confidence=conf, rate=rate)
        assert plan.sample_size == math.ceil(math.log(1 - conf) / math.log(1 - rate))

    def test_finite(self) -> None:
        """Finite discovery size: smallest n with hypergeom.pmf(0) <= 5% (scipy.stats, N=500, 10 errors)."""
        plan = discovery_sample_size(confidence=0.95, rate=0.02, population=500)
        n = plan.sample_size
        assert stats.hypergeom.pmf(0, 500, 10, n) <= 0.05 < stats.hypergeom.pmf(0, 500, 10, n - 1)


class TestPresets:
    def test_presets_name_sources(self) -> None:
        """Each preset names its source and round-trips (OIG CIA 50 and 100 claims; CMS PIM ch. 8)."""
        assert PRESETS["oig-cia-discovery"].sample_size == 50
        assert PRESETS["oig-cia-claims-review"].sample_size == 100
        assert PRESETS["cms-pim-ch8"].sides == "lower"
        for preset in PRESETS.values():
            assert preset.source
            assert from_json(to_json(preset), Preset) == preset


class TestMeanPerUnit:
    def test_against_numpy(self) -> None:
        """Point, SE and one-sided 90% lower limit equal an independent numpy/scipy.stats computation."""
        rng = np.random.default_rng(3)
        values = rng.gamma(2.0, 50.0, size=30)
        got = mean_per_unit(list(values), population=1200, confidence=0.9)
        se = 1200 * values.std(ddof=1) / math.sqrt(30) * math.sqrt(1 - 30 / 1200)
        assert got.point_estimate == pytest.approx(1200 * values.mean())
        assert got.standard_error == pytest.approx(se)
        assert got.lower == pytest.approx(1200 * values.mean() - stats.t.ppf(0.9, 29) * se)
        assert got.upper is None
        assert got.degrees_of_freedom == 29
        assert got.values == tuple(values)
        assert (got.book, got.book_total) == ((), None)
        assert "values=" not in repr(got)
        assert from_json(to_json(got), Appraisal) == got

    def test_two_sided_and_upper(self) -> None:
        """Two-sided limits use t at 1 - alpha/2; 'upper' leaves the lower end open."""
        two = mean_per_unit([1.0, 2.0, 3.0], population=10, confidence=0.9, sides="two-sided")
        assert two.upper is not None
        assert two.upper - two.point_estimate == pytest.approx(stats.t.ppf(0.95, 2) * two.standard_error)
        assert mean_per_unit([1.0, 2.0, 3.0], population=10, confidence=0.9, sides="upper").lower is None

    def test_standard_levels(self) -> None:
        """Limits at 80/90/95%, one- and two-sided, are point -/+ scipy.stats.t.ppf x SE (RAT-STATS table);
        the one-sided 90% lower limit is the CMS PIM ch. 8 demand figure."""
        values, _ = _sample(11, 50)
        got = mean_per_unit(list(values), population=5000, confidence=0.9)
        assert [(lim.confidence, lim.sides) for lim in got.limits] == [
            (0.8, "one-sided"),
            (0.8, "two-sided"),
            (0.9, "one-sided"),
            (0.9, "two-sided"),
            (0.95, "one-sided"),
            (0.95, "two-sided"),
        ]
        for lim in got.limits:
            q = lim.confidence if lim.sides == "one-sided" else 1 - (1 - lim.confidence) / 2
            half = stats.t.ppf(q, 49) * got.standard_error
            assert lim.lower == pytest.approx(got.point_estimate - half)
            assert lim.upper == pytest.approx(got.point_estimate + half)
            assert lim.precision_percent == pytest.approx(half / got.point_estimate)
        one_sided_90 = got.limits[2]
        assert got.lower == pytest.approx(one_sided_90.lower)
        assert "<table>" in got._repr_html_()

    def test_coverage_simulation(self) -> None:
        """Over 1,500 samples of 60 from a fixed population of 3,000, the one-sided 90% lower limit is below
        the true total about 90% of the time (numpy simulation)."""
        rng = np.random.default_rng(2026)
        population = rng.gamma(3.0, 40.0, size=3000)
        truth = population.sum()
        hits = 0
        for _ in range(1500):
            draw = population[rng.choice(3000, size=60, replace=False)]
            lower = mean_per_unit(list(draw), population=3000, confidence=0.9).lower
            assert lower is not None
            hits += lower <= truth
        assert 0.87 <= hits / 1500 <= 0.93

    def test_zero_point_and_census(self) -> None:
        """An all-zero sample has no precision percent; a census (n = N) has SE 0."""
        zero = mean_per_unit([0.0, 0.0, 0.0], population=10, confidence=0.9)
        assert zero.limits[0].precision_percent is None
        census = mean_per_unit([1.0, 2.0], population=2, confidence=0.9)
        assert census.standard_error == 0
        assert census.lower == census.point_estimate == 3.0

    def test_errors(self) -> None:
        """Too few values, non-finite values, small population and bad sides are library errors."""
        with pytest.raises(InsufficientDataError):
            mean_per_unit([1.0], population=10, confidence=0.9)
        with pytest.raises(ValidationError, match="finite"):
            mean_per_unit([1.0, math.nan], population=10, confidence=0.9)
        with pytest.raises(ValidationError, match="finite"):
            mean_per_unit([1.0, True], population=10, confidence=0.9)
        with pytest.raises(ValidationError, match="population"):
            mean_per_unit([1.0, 2.0, 3.0], population=2, confidence=0.9)
        with pytest.raises(ValidationError, match="sides"):
            mean_per_unit([1.0, 2.0], population=10, confidence=0.9, sides="x")


class TestDifferenceAndRatio:
    @settings(max_examples=30, deadline=None)
    @given(seed=st.integers(0, 10_000), n=st.integers(5, 80), conf=st.sampled_from([0.8, 0.9, 0.95]))
    def test_difference_against_numpy(self, seed: int, n: int, conf: float) -> None:
        """Difference estimator: X + N mean(d), SE = N s_d / sqrt(n) x FPC, t with n - 1 df (numpy)."""
        audited, book = _sample(seed, n)
        big_n, x_total = 4000, float(book.mean() * 4000 * 1.01)
        got = difference_estimate(list(audited), list(book), big_n, x_total, conf, sides="two-sided")
        d = audited - book
        se = big_n * d.std(ddof=1) / math.sqrt(n) * math.sqrt(1 - n / big_n)
        point = x_total + big_n * d.mean()
        assert got.point_estimate == pytest.approx(point)
        assert got.standard_error == pytest.approx(se)
        half = stats.t.ppf(1 - (1 - conf) / 2, n - 1) * se
        assert got.lower == pytest.approx(point - half)
        assert got.upper == pytest.approx(point + half)
        assert got.estimator == "difference"
        assert (got.values, got.book, got.book_total) == (tuple(audited), tuple(book), x_total)

    @settings(max_examples=30, deadline=None)
    @given(seed=st.integers(0, 10_000), n=st.integers(5, 80), conf=st.sampled_from([0.8, 0.9, 0.95]))
    def test_ratio_against_numpy(self, seed: int, n: int, conf: float) -> None:
        """Ratio estimator: R X with R = sum y / sum x, SE = N sqrt(sum(y - R x)^2 / (n - 1) / n) x FPC."""
        audited, book = _sample(seed, n)
        big_n, x_total = 4000, float(book.mean() * 4000 * 0.98)
        got = ratio_estimate(list(audited), list(book), big_n, x_total, conf)
        r = audited.sum() / book.sum()
        se = big_n * math.sqrt(((audited - r * book) ** 2).sum() / (n - 1) / n) * math.sqrt(1 - n / big_n)
        assert got.point_estimate == pytest.approx(r * x_total)
        assert got.standard_error == pytest.approx(se)
        assert got.lower == pytest.approx(r * x_total - stats.t.ppf(conf, n - 1) * se)
        assert got.upper is None

    def test_exact_book_values_have_no_error(self) -> None:
        """When every audited amount equals its book amount both estimators return the book total, SE 0."""
        values = [10.0, 20.0, 35.0]
        for estimate in (difference_estimate, ratio_estimate):
            got = estimate(values, values, 100, 5000.0, 0.9)
            assert got.point_estimate == pytest.approx(5000.0)
            assert got.standard_error == pytest.approx(0.0)

    def test_errors(self) -> None:
        """Unpaired amounts, a non-finite book total and book amounts summing to 0 are library errors."""
        with pytest.raises(ValidationError, match="pair"):
            difference_estimate([1.0, 2.0], [1.0, 2.0, 3.0], 10, 100.0, 0.9)
        with pytest.raises(ValidationError, match="book_total"):
            difference_estimate([1.0, 2.0], [1.0, 2.0], 10, math.inf, 0.9)
        with pytest.raises(ValidationError, match="book_total"):
            ratio_estimate([1.0, 2.0], [1.0, 2.0], 10, "100", 0.9)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="sum to 0"):
            ratio_estimate([1.0, 2.0], [1.0, -1.0], 10, 100.0, 0.9)
        with pytest.raises(ValidationError, match="confidence"):
            ratio_estimate([1.0, 2.0], [1.0, 2.0], 10, 100.0, 1.0)


class TestStratified:
    def _strata(self) -> tuple[list[np.ndarray], list[int]]:
        rng = np.random.default_rng(8)
        samples = [rng.gamma(2.0, 30.0, size=20), rng.gamma(2.0, 300.0, size=15), rng.gamma(2.0, 3.0, size=8)]
        return samples, [800, 120, 2000]

    def test_against_textbook(self) -> None:
        """Stratified MPU: sum N_h mean_h, variance sum N_h^2 (1 - f_h) s_h^2 / n_h, Satterthwaite df
        (Cochran 5.4), one-sided 90% lower limit with scipy.stats.t."""
        samples, sizes = self._strata()
        parts = [
            mean_per_unit(list(v), population=n, confidence=0.9) for v, n in zip(samples, sizes, strict=True)
        ]
        got = stratified_appraisal(parts, confidence=0.9)
        point = sum(n * v.mean() for v, n in zip(samples, sizes, strict=True))
        vs = [n * n * (1 - len(v) / n) * v.var(ddof=1) / len(v) for v, n in zip(samples, sizes, strict=True)]
        df = sum(vs) ** 2 / sum(x * x / (len(v) - 1) for x, v in zip(vs, samples, strict=True))
        assert got.point_estimate == pytest.approx(point)
        assert got.standard_error == pytest.approx(math.sqrt(sum(vs)))
        assert got.degrees_of_freedom == pytest.approx(df)
        assert got.lower == pytest.approx(point - stats.t.ppf(0.9, df) * math.sqrt(sum(vs)))
        assert (got.n, got.population) == (43, 2920)
        assert got.strata == tuple(parts)
        assert got.estimator == "stratified mean-per-unit"
        assert from_json(to_json(got), Appraisal) == got

    def test_df_rules(self) -> None:
        """'pooled' uses sum(n_h - 1) degrees of freedom, 'normal' uses z (scipy.stats.norm)."""
        samples, sizes = self._strata()
        parts = [
            mean_per_unit(list(v), population=n, confidence=0.9) for v, n in zip(samples, sizes, strict=True)
        ]
        pooled = stratified_appraisal(parts, confidence=0.95, sides="two-sided", df="pooled")
        assert pooled.degrees_of_freedom == 40
        assert pooled.t_value == pytest.approx(stats.t.ppf(0.975, 40))
        normal = stratified_appraisal(parts, confidence=0.95, sides="upper", df="normal")
        assert normal.degrees_of_freedom is None
        assert normal.t_value == pytest.approx(stats.norm.ppf(0.95))
        assert normal.lower is None

    def test_mixed_and_census(self) -> None:
        """Mixed estimators are named; census strata (SE 0) fall back to pooled df."""
        a = mean_per_unit([1.0, 2.0], population=2, confidence=0.9)
        b = ratio_estimate([1.0, 2.0], [1.0, 2.0], 2, 3.0, 0.9)
        got = stratified_appraisal([a, b], confidence=0.9)
        assert got.estimator == "stratified mean-per-unit/ratio"
        assert got.degrees_of_freedom == 2

    def test_tiny_standard_errors(self) -> None:
        """Regression: SEs whose squares underflow still give Satterthwaite df (variances are scaled)."""
        a = mean_per_unit([0.0, 2.9e-132], population=3, confidence=0.9)
        got = stratified_appraisal([a, a], confidence=0.9)
        assert got.degrees_of_freedom == pytest.approx(2.0)

    def test_errors(self) -> None:
        """No strata, non-appraisals and unknown df rules are library errors."""
        with pytest.raises(ValidationError, match="strata"):
            stratified_appraisal([], confidence=0.9)
        with pytest.raises(ValidationError, match="strata"):
            stratified_appraisal(["x"], confidence=0.9)  # type: ignore[list-item]
        a = mean_per_unit([1.0, 2.0], population=5, confidence=0.9)
        with pytest.raises(ValidationError, match="df"):
            stratified_appraisal([a], confidence=0.9, df="welch")


def _scan(
    population: int, sd: float, precision: float, conf: float, *, t: bool = False, two: bool = True
) -> int:
    """Reference: the first n (counting up) whose half-width q x N x S x sqrt((1 - n/N) / n) <= P."""
    prob = 1 - (1 - conf) / 2 if two else conf
    for n in range(2 if t else 1, population + 1):
        q = stats.t.ppf(prob, n - 1) if t else stats.norm.ppf(prob)
        if q * population * sd * math.sqrt((1 - n / population) / n) <= precision:
            return n
    return population


class TestVariablesSampleSize:
    @settings(max_examples=40, deadline=None)
    @given(
        population=st.integers(20, 5000),
        sd=st.floats(10.0, 500.0),
        rel=st.floats(0.01, 0.5),
        conf=st.sampled_from([0.8, 0.9, 0.95]),
        two=st.booleans(),
    )
    def test_normal_against_scan(
        self, population: int, sd: float, rel: float, conf: float, two: bool
    ) -> None:
        """The size equals the n-by-n scan with scipy.stats.norm, and n0 / (1 + n0 / N) rounded up."""
        precision = rel * population * sd
        plan = variables_sample_size(population, sd, precision, conf, sides="two-sided" if two else "lower")
        assert plan.sample_size == _scan(population, sd, precision, conf, two=two)
        z = stats.norm.ppf(1 - (1 - conf) / 2 if two else conf)
        n0 = (z * population * sd / precision) ** 2
        assert abs(plan.sample_size - math.ceil(n0 / (1 + n0 / population))) <= 1

    @pytest.mark.parametrize(("population", "sd", "precision"), [(1000, 80.0, 5000.0), (300, 40.0, 900.0)])
    def test_t_against_scan(self, population: int, sd: float, precision: float) -> None:
        """distribution='t' equals the scan with scipy.stats.t (n - 1 df) and is never below the z size."""
        plan = variables_sample_size(population, sd, precision, 0.9, distribution="t")
        assert plan.sample_size == _scan(population, sd, precision, 0.9, t=True)
        assert plan.sample_size >= variables_sample_size(population, sd, precision, 0.9).sample_size

    def test_relative_precision(self) -> None:
        """With mean given, 25% precision at 90% (OIG CIA full sample) is 25% of N x mean."""
        plan = variables_sample_size(2000, 150.0, 0.25, 0.9, mean=120.0)
        assert plan.absolute_precision == pytest.approx(0.25 * 2000 * 120.0)
        assert plan.mean == 120.0
        assert plan.sample_size == _scan(2000, 150.0, 0.25 * 2000 * 120.0, 0.9)
        assert from_json(to_json(plan), VariablesPlan) == plan
        assert "<table>" in plan._repr_html_()

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"std_dev": 0.0}, "$.std_dev"),
            ({"std_dev": "1"}, "$.std_dev"),
            ({"precision": -1.0}, "$.precision"),
            ({"mean": 0.0}, "$.mean"),
            ({"mean": math.nan}, "$.mean"),
            ({"distribution": "cauchy"}, "$.distribution"),
            ({"population": 1}, "$.population"),
        ],
    )
    def test_errors(self, kwargs: dict[str, object], path: str) -> None:
        """Bad inputs raise ValidationError naming the field."""
        args: dict[str, object] = {"population": 100, "std_dev": 10.0, "precision": 100.0, "confidence": 0.9}
        args.update(kwargs)
        with pytest.raises(ValidationError) as info:
            variables_sample_size(**args)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path


class TestStratifiedDegreesOfFreedom:
    def test_each_stratum_brings_its_own_degrees_of_freedom(self) -> None:
        """Satterthwaite weighs each stratum by its own df; a normal-theory stratum (no df)
        counts as infinitely many, so only the other strata shape the total."""
        import attrs  # noqa: PLC0415 - only this test rebuilds an appraisal

        first = mean_per_unit([1.0, 2.0, 4.0, 3.0], population=100, confidence=0.9)
        second = mean_per_unit([5.0, 2.0, 7.0], population=50, confidence=0.9)
        normal = attrs.evolve(second, degrees_of_freedom=None)
        v1, v2 = first.standard_error**2, second.standard_error**2
        both = stratified_appraisal([first, second], confidence=0.9)
        assert both.degrees_of_freedom == pytest.approx((v1 + v2) ** 2 / (v1 * v1 / 3 + v2 * v2 / 2))
        mixed = stratified_appraisal([first, normal], confidence=0.9)
        assert mixed.degrees_of_freedom == pytest.approx((v1 + v2) ** 2 / (v1 * v1 / 3))
        first_normal = attrs.evolve(first, degrees_of_freedom=None)
        only_normal = stratified_appraisal([first_normal, normal], confidence=0.9)
        assert only_normal.degrees_of_freedom is None


class TestBadCollections:
    @pytest.mark.parametrize(
        ("call", "path"),
        [
            (lambda: mean_per_unit(5, population=10, confidence=0.9), "$.values"),  # type: ignore[arg-type]
            (lambda: mean_per_unit(None, population=10, confidence=0.9), "$.values"),  # type: ignore[arg-type]
            (lambda: mean_per_unit("123", population=10, confidence=0.9), "$.values"),  # type: ignore[arg-type]
            (lambda: mean_per_unit([1e308] * 3, population=10, confidence=0.9), "$.values[0]"),
            (lambda: mean_per_unit([1.0, -1e200], population=10, confidence=0.9), "$.values[1]"),
            (lambda: stratified_appraisal(None, confidence=0.9), "$.strata"),  # type: ignore[arg-type]
            (
                lambda: monetary_upper_limit(10, 5, 0.95),  # type: ignore[arg-type]
                "$.taints",
            ),
            (
                lambda: monetary_upper_limit(10, [], 0.95, method=[]),  # type: ignore[arg-type]
                "$.method",
            ),
        ],
    )
    def test_named_not_raised_from_inside(self, call: Callable[[], object], path: str) -> None:
        """A non-collection, an amount too large to square, or an unhashable method is a
        ValidationError at its path, never a TypeError or OverflowError from the arithmetic."""
        with pytest.raises(ValidationError) as info:
            call()
        assert [i.path for i in info.value.issues] == [path]
