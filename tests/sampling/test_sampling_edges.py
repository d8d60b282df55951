"""The edges of the sampling package: every bad argument or field is a ValidationError at its path."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import attrs
import numpy as np
import pandas as pd
import pytest

from comanaged_rcm import sampling
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling import (
    AttributePlan,
    Interval,
    Limits,
    Method,
    MonetaryEvaluation,
    Selection,
    allocate,
    attribute_sample_size,
    attribute_upper_limit,
    difference_estimate,
    discovery_sample_size,
    mean_per_unit,
    monetary_sample_size,
    monetary_upper_limit,
    proportion_interval,
    ratio_estimate,
    select,
    stratified_appraisal,
    variables_sample_size,
)


def _raises(call: Callable[[], object], path: str, fragment: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call()
    paths = [issue.path for issue in info.value.issues]
    assert path in paths, paths
    assert fragment in str(info.value)
    return info.value


def _reference_select(size: int, n: int, seed: int) -> tuple[int, ...]:
    """The documented select/1 random algorithm, written out independently (items 1..N)."""
    bits = np.random.PCG64(seed)
    swapped: dict[int, int] = {}
    out: list[int] = []
    for i in range(n):
        m = size - i
        limit = 2**64 - 2**64 % m
        while True:
            word = int(bits.random_raw())
            if word < limit:
                break
        j = i + word % m
        out.append(swapped.get(j, j) + 1)
        swapped[j] = swapped.get(i, i)
    return tuple(out)


class TestCounts:
    @pytest.mark.parametrize("value", [np.int64(30), np.uint16(30), 30.0, np.float64(30.0)])
    def test_numpy_and_integral_floats_are_counts(self, value: object) -> None:
        """numpy integers and integral floats (a pandas sum) are counts, normalised to int."""
        ev = attribute_upper_limit(sample_size=value, deviations=1, confidence=0.9)  # type: ignore[arg-type]
        assert ev == attribute_upper_limit(sample_size=30, deviations=1, confidence=0.9)
        assert type(ev.sample_size) is int

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [(True, "whole number"), (3.5, "whole number"), (10**400, "at most"), ("3", "whole number")],
    )
    def test_bad_counts(self, value: object, fragment: str) -> None:
        """Bools, fractions, text and integers beyond 2**53 are refused at the count's path."""
        fragment = "<=" if fragment == "at most" else fragment
        _raises(lambda: proportion_interval(successes=1, n=value, confidence=0.9), "$.n", fragment)  # type: ignore[call-overload]
        _raises(lambda: select(population=10, n=value, seed=1), "$.n", fragment)  # type: ignore[arg-type]
        _raises(lambda: allocate(total=value, sizes=[5, 5]), "$.total", fragment)  # type: ignore[arg-type]

    def test_huge_population_is_bounded(self) -> None:
        """A population of 10**400 is a ValidationError, not an OverflowError from the arithmetic."""
        _raises(lambda: mean_per_unit([1.0, 2.0], population=10**400, confidence=0.9), "$.population", "<=")
        _raises(
            lambda: attribute_sample_size(0.9, 0.05, population=10**400, method="hypergeometric"),
            "$.population",
            "<=",
        )


class TestRates:
    @pytest.mark.parametrize("value", [math.nan, math.inf, Decimal("NaN"), Decimal("sNaN"), "0.9", None])
    def test_confidence_must_be_a_finite_rate(self, value: object) -> None:
        """NaN, infinities, Decimal NaNs and text are refused at $.confidence."""
        _raises(lambda: attribute_sample_size(value, 0.05), "$.confidence", "'confidence'")  # type: ignore[arg-type]
        _raises(lambda: monetary_sample_size(value, 0.05), "$.confidence", "'confidence'")  # type: ignore[arg-type]

    def test_exotic_numbers_are_rates(self) -> None:
        """numpy floats and Decimals plan exactly as the equal float does."""
        plan = attribute_sample_size(0.95, 0.05, 0.01)
        assert attribute_sample_size(np.float64(0.95), Decimal("0.05"), 0.01) == plan  # type: ignore[arg-type]

    def test_discovery_rate_is_named_rate(self) -> None:
        """discovery_sample_size names its own parameter, not the one it delegates to."""
        _raises(lambda: discovery_sample_size(confidence=0.9, rate=1.5), "$.rate", "in (0, 1)")

    def test_tiny_confidence_is_not_a_silent_nan(self) -> None:
        """A confidence too close to 0 for the beta quantile is refused at $.confidence, never NaN."""
        _raises(lambda: attribute_upper_limit(10, 1, 5e-324), "$.confidence", "too extreme")


class TestChoices:
    def test_method_did_you_mean(self) -> None:
        """A misspelt method gets a did-you-mean, for the enum and for the string choices."""
        _raises(
            lambda: attribute_sample_size(0.9, 0.05, method="binomal"), "$.method", "did you mean 'binomial'"
        )
        _raises(lambda: proportion_interval(1, 10, 0.9, method="wilsn"), "$.method", "did you mean 'wilson'")
        _raises(lambda: allocate(10, [5, 5], method="Neyman"), "$.method", "did you mean 'neyman'")
        _raises(lambda: monetary_upper_limit(10, [], 0.9, method=["x"]), "$.method", "must be one of")  # type: ignore[arg-type]
        _raises(lambda: stratified_appraisal([_mpu()], 0.9, df="welch"), "$.df", "must be one of")

    def test_method_member_is_accepted(self) -> None:
        """The enum member works where its value does."""
        assert attribute_sample_size(0.9, 0.05, method=Method.POISSON).method is Method.POISSON


def _mpu() -> sampling.Appraisal:
    return mean_per_unit([10.0, 20.0, 35.0], population=40, confidence=0.9)


class TestModels:
    def test_plan_fields_refuse_nan(self) -> None:
        """A result built in Python refuses NaN and out-of-range fields, naming the field."""
        plan = attribute_sample_size(0.9, 0.05)
        _raises(lambda: attrs.evolve(plan, achieved_risk=math.nan), "$.achieved_risk", "finite")
        _raises(lambda: attrs.evolve(plan, sample_size=0), "$.sample_size", ">= 1")
        _raises(lambda: attrs.evolve(plan, method="binomial"), "$.method", "Method.BINOMIAL")  # type: ignore[arg-type]
        assert attrs.evolve(plan, sample_size=np.int64(plan.sample_size)) == plan

    def test_every_result_validates(self) -> None:
        """Interval, Limits, Selection and the monetary results check their fields too."""
        interval = proportion_interval(3, 30, 0.9)
        _raises(lambda: attrs.evolve(interval, lower=math.nan), "$.lower", "finite")
        _raises(lambda: attrs.evolve(interval, sides="two_sided"), "$.sides", "did you mean")
        _raises(lambda: attrs.evolve(_mpu().limits[0], t_value=math.inf), "$.t_value", "finite")
        sel = select(population=10, n=2, seed=1)
        _raises(lambda: attrs.evolve(sel, items=(True, 2)), "$.items[0]", "item id")
        _raises(lambda: attrs.evolve(sel, seed=-1), "$.seed", ">= 0")
        ev = monetary_upper_limit(10, [0.5], 0.9)
        _raises(lambda: attrs.evolve(ev, taints=(1.5,)), "$.taints[0]", "(0, 1]")
        assert isinstance(interval, Interval)
        assert isinstance(sel, Selection)
        assert isinstance(ev, MonetaryEvaluation)
        assert isinstance(_mpu().limits[0], Limits)
        assert isinstance(attribute_sample_size(0.9, 0.05), AttributePlan)

    def test_appraisal_strata_are_appraisals(self) -> None:
        """An appraisal's strata must be appraisals, named by index."""
        _raises(lambda: attrs.evolve(_mpu(), strata=(_mpu(), "x")), "$.strata[1]", "Appraisal")


class TestSelectLargePopulation:
    # Outputs of the implementation before this change, pinned (population given as a size).
    PINNED = {  # noqa: RUF012 - a read-only table of the test
        (100, 5, 1, "random"): (28, 29, 14, 18, 46),
        (1000, 5, 7, "random"): (44, 757, 893, 120, 906),
        (1000, 5, 7, "systematic"): (126, 326, 526, 726, 926),
        (97, 4, 3, "systematic"): (3, 27, 51, 75),
        (10**6, 6, 2026, "random"): (675563, 948359, 19607, 370532, 38827, 385974),
        (10**6, 6, 2026, "systematic"): (29823, 196490, 363156, 529823, 696490, 863156),
    }

    @pytest.mark.parametrize("case", sorted(PINNED))
    def test_small_populations_unchanged(self, case: tuple[int, int, int, str]) -> None:
        """Selections are identical to those of the earlier implementation (reproducibility)."""
        size, n, seed, method = case
        assert select(population=size, n=n, seed=seed, method=method).items == self.PINNED[case]

    def test_a_billion_items_drawn_in_time_of_n(self) -> None:
        """population=10**9 draws 50 items without building the population; the documented algorithm
        written out independently gives the same items, as it does for small N."""
        for size, n, seed in [(100, 5, 1), (10**6, 6, 2026)]:
            assert select(population=size, n=n, seed=seed).items == _reference_select(size, n, seed)
        sel = select(population=10**9, n=50, seed=1)
        assert sel.items == _reference_select(10**9, 50, 1)
        assert sel.items[:5] == (235856128, 9482663, 922718860, 505278639, 379767742)
        assert sel.population_size == 10**9
        systematic = select(population=10**9, n=5, seed=1, method="systematic")
        assert systematic.items == (102364325, 302364325, 502364325, 702364325, 902364325)
        assert select(population=2**53, n=3, seed=7).items == _reference_select(2**53, 3, 7)

    def test_population_bound(self) -> None:
        """A size above 2**53 is refused with the bound; so are a seed above 2**128 and n above 10**6."""
        _raises(lambda: select(population=2**53 + 1, n=1, seed=1), "$.population", "9,007,199,254,740,992")
        _raises(lambda: select(population=10, n=1, seed=2**128), "$.seed", "<=")
        _raises(lambda: select(population=2**40, n=10**6 + 1, seed=1), "$.n", "1,000,000")
        assert select(population=10.0, n=2, seed=1) == select(population=10, n=2, seed=1)  # type: ignore[arg-type]


class TestSelectInputs:
    @pytest.mark.parametrize(
        ("population", "path", "fragment"),
        [
            ({"a", "b"}, "$.population", "not a set"),
            (pd.DataFrame({"a": [1, 2]}), "$.population", "one-dimensional"),
            ("abc", "$.population", "sequence"),
            ([], "$.population", "empty"),
            ([[1], [2]], "$.population[0]", "item id"),
            ([1.0, 2.0], "$.population[0]", "item id"),
            ([10**400, 1], "$.population[0]", "item id"),
            (["a", "b", "a"], "$.population", "'a' at 0 and 2"),
        ],
    )
    def test_bad_populations(self, population: object, path: str, fragment: str) -> None:
        """Unordered, two-dimensional, textual, empty or badly typed populations are named."""
        _raises(lambda: select(population=population, n=1, seed=1), path, fragment)  # type: ignore[arg-type]

    def test_numpy_ids_become_python_ids(self) -> None:
        """numpy integer and text ids are drawn as plain int and str."""
        assert select(np.arange(10), 3, 1).items == select(list(range(10)), 3, 1).items  # type: ignore[arg-type]
        assert all(type(i) is str for i in select(np.array(["a", "b", "c"]), 2, 1).items)  # type: ignore[arg-type]

    def test_relations_name_both_sides(self) -> None:
        """n beyond the population, or strata of another length, names both arguments."""
        err = _raises(lambda: select(population=3, n=4, seed=1), "$.n", "population size 3")
        assert [i.path for i in err.issues] == ["$.n", "$.population"]
        err = _raises(lambda: select(population=3, n=1, seed=1, strata=["a"]), "$.strata", "1 for 3 items")
        assert [i.path for i in err.issues] == ["$.strata", "$.population"]

    def test_bad_stratum_labels(self) -> None:
        """A stratum label is a string or an integer."""
        _raises(lambda: select(3, 1, 1, strata=["a", None, "b"]), "$.strata[1]", "stratum label")  # type: ignore[list-item]
        assert select(4, 2, 1, strata=[1, 1, 2, 2]).allocation == (("1", 1), ("2", 1))  # type: ignore[list-item]


class TestBounds:
    def test_rates_too_close_for_a_plan(self) -> None:
        """An expected rate so close to the tolerable rate that the plan would accept more than 2,000
        deviations is refused quickly, not searched for minutes."""
        _raises(lambda: attribute_sample_size(0.95, 0.05, 0.0499), "$.expected_rate", "2,000 deviations")
        _raises(
            lambda: attribute_sample_size(0.95, 0.05, 0.0499, population=10**8, method="hypergeometric"),
            "$.expected_rate",
            "too close",
        )
        _raises(lambda: monetary_sample_size(0.95, 0.05, 0.05 - 1e-17), "$.expected_rate", "too close")
        _raises(lambda: monetary_sample_size(0.95, 5e-324), "$.tolerable_rate", "too small")

    def test_hypergeometric_bounds(self) -> None:
        """Exact hypergeometric figures take populations up to 10**10 and samples up to 10**6."""
        _raises(
            lambda: attribute_upper_limit(100, 3, 0.95, population=10**12, method="hypergeometric"),
            "$.population",
            "10,000,000,000",
        )
        _raises(
            lambda: proportion_interval(10**5, 2 * 10**6, 0.95, "clopper-pearson", population=10**10),
            "$.n",
            "1,000,000",
        )
        assert proportion_interval(2**40, 2**41, 0.95, population=2**42).upper < 1

    def test_overflowing_estimates(self) -> None:
        """Amounts that would overflow an estimate are refused at the argument that causes it."""
        _raises(lambda: ratio_estimate([1e15, 1e15], [5e-324, 5e-324], 10, 1e15, 0.9), "$.book", "close to 0")
        _raises(lambda: difference_estimate([1.0, 2.0], [1.0, 2.0], 10, 1.7e308, 0.9), "$.book_total", "<=")
        _raises(
            lambda: variables_sample_size(100, 10.0, 5e-324, 0.9, mean=5e-324), "$.mean", "positive finite"
        )
        _raises(
            lambda: monetary_sample_size(0.95, 0.05, population_value=5e-324), "$.population_value", "small"
        )
        huge = mean_per_unit([1e15, -1e15], population=2**53, confidence=0.9)
        _raises(lambda: stratified_appraisal([huge, huge], 0.9), "$.strata", "at most")


class TestCollections:
    def test_allocate_collections(self) -> None:
        """Empty or unordered sizes, and NaN standard deviations, are named; a total beyond the
        strata names both."""
        _raises(lambda: allocate(10, []), "$.sizes", "empty")
        _raises(lambda: allocate(10, {5, 6}), "$.sizes", "not a set")  # type: ignore[arg-type]
        _raises(lambda: allocate(10, [5, 6], "neyman", stdevs=[1.0, math.nan]), "$.stdevs[1]", "finite")
        err = _raises(lambda: allocate(10, [2, 3]), "$.total", "population size 5")
        assert [i.path for i in err.issues] == ["$.total", "$.sizes"]

    def test_amounts(self) -> None:
        """numpy integer amounts are amounts; sets and tables are not; unpaired amounts name both."""
        numpy_ints = mean_per_unit(np.array([1, 2, 3]), 10, 0.9)  # type: ignore[arg-type]
        assert numpy_ints == mean_per_unit([1.0, 2.0, 3.0], 10, 0.9)
        _raises(lambda: mean_per_unit({1.0, 2.0}, 10, 0.9), "$.values", "not a set")  # type: ignore[arg-type]
        table = pd.DataFrame({"a": [0.5]})
        _raises(lambda: monetary_upper_limit(10, table, 0.9), "$.taints", "one-dimensional")
        err = _raises(
            lambda: difference_estimate([1.0, 2.0, 3.0], [1.0, 2.0], 10, 100.0, 0.9), "$.book", "pair"
        )
        assert [i.path for i in err.issues] == ["$.book", "$.audited"]
        _raises(lambda: stratified_appraisal([_mpu(), 3], 0.9), "$.strata[1]", "Appraisal")  # type: ignore[list-item]
