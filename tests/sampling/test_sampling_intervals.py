"""Finite-population proportion intervals against scipy.stats brute force."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling import Interval, attribute_upper_limit, proportion_interval
from comanaged_rcm.serialize import from_json, to_json


def _exact_cdf(k: int, population: int, m: int, n: int) -> Fraction:
    """P(X <= k) in exact rational arithmetic (math.comb), to settle ties with the tail."""
    terms = range(max(0, n - (population - m)), min(k, m, n) + 1)
    hits = sum(math.comb(m, j) * math.comb(population - m, n - j) for j in terms)
    return Fraction(hits, math.comb(population, n))


def _cdf_above(x: int, population: int, m: int, n: int, tail: Fraction) -> bool:
    p = float(stats.hypergeom.cdf(x, population, m, n))
    return _exact_cdf(x, population, m, n) > tail if abs(p - float(tail)) < 1e-9 else p > float(tail)


def _sf_above(x: int, population: int, m: int, n: int, tail: Fraction) -> bool:
    p = float(stats.hypergeom.sf(x - 1, population, m, n))
    return 1 - _exact_cdf(x - 1, population, m, n) > tail if abs(p - float(tail)) < 1e-9 else p > float(tail)


def brute_hyper(x: int, n: int, population: int, tail: Fraction) -> tuple[int, int]:
    """Scan every population count M with scipy.stats.hypergeom: smallest M with P(X >= x) > tail,
    largest with P(X <= x) > tail (values within 1e-9 of the tail are settled exactly)."""
    feasible = [m for m in range(population + 1) if m >= x and population - m >= n - x]
    upper = max(m for m in feasible if _cdf_above(x, population, m, n, tail))
    if x == 0:
        return 0, upper
    return min(m for m in feasible if _sf_above(x, population, m, n, tail)), upper


class TestExactHypergeometric:
    @settings(max_examples=60, deadline=None)
    @given(
        population=st.integers(5, 400),
        frac=st.floats(0.05, 1.0),
        xfrac=st.floats(0.0, 1.0),
        conf=st.sampled_from([0.8, 0.9, 0.95]),
        sides=st.sampled_from(["two-sided", "lower", "upper"]),
    )
    def test_matches_scan(self, population: int, frac: float, xfrac: float, conf: float, sides: str) -> None:
        """Exact finite-population limits equal the M-by-M scipy.stats.hypergeom scan, as M / N; ties of a
        tail probability with the risk (e.g. N = 10, n = 1, 80% two-sided) are decided exactly."""
        n = max(1, math.floor(frac * population))
        x = math.floor(xfrac * n)
        got = proportion_interval(x, n, conf, "clopper-pearson", sides, population=population)
        tail = (1 - Fraction(str(conf))) / (2 if sides == "two-sided" else 1)
        lower, upper = brute_hyper(x, n, population, tail)
        assert got.lower == (0.0 if sides == "upper" else lower / population)
        assert got.upper == (1.0 if sides == "lower" else upper / population)
        assert got.population == population
        assert "hypergeometric" in got.convention

    @pytest.mark.parametrize(("population", "n"), [(40, 10), (60, 25)])
    def test_coverage_at_least_confidence(self, population: int, n: int) -> None:
        """For every true count M, the two-sided 90% interval covers M / N with probability >= 90%
        (exact enumeration with scipy.stats.hypergeom.pmf)."""
        intervals = [
            proportion_interval(x, n, 0.9, "clopper-pearson", population=population) for x in range(n + 1)
        ]
        for m in range(population + 1):
            pmf = stats.hypergeom.pmf(np.arange(n + 1), population, m, n)
            covered = sum(
                p for p, i in zip(pmf, intervals, strict=True) if i.lower <= m / population <= i.upper
            )
            assert covered >= 0.9 - 1e-12, m

    def test_converges_to_clopper_pearson(self) -> None:
        """With N = 10 million the exact limits agree with Clopper-Pearson to 1e-4."""
        finite = proportion_interval(7, 120, 0.95, "clopper-pearson", population=10_000_000)
        infinite = proportion_interval(7, 120, 0.95, "clopper-pearson")
        assert finite.lower == pytest.approx(infinite.lower, abs=1e-4)
        assert finite.upper == pytest.approx(infinite.upper, abs=1e-4)
        assert finite.upper - finite.lower <= infinite.upper - infinite.lower

    def test_exact_tie(self) -> None:
        """N = 10, n = 1, none found, 80% two-sided: P(X <= 0 | M = 9) = 0.1 equals the tail exactly, so M = 9
        is excluded (a tail probability must exceed the risk) and the upper limit is 8 / 10."""
        got = proportion_interval(0, 1, 0.8, "clopper-pearson", population=10)
        assert got.upper == 0.8
        ev = attribute_upper_limit(
            sample_size=1, deviations=0, confidence=0.9, population=10, method="hypergeometric"
        )
        assert ev.upper_limit == 0.8


class TestFpcApproximations:
    @settings(max_examples=60, deadline=None)
    @given(
        population=st.integers(30, 5000),
        frac=st.floats(0.01, 0.9),
        xfrac=st.floats(0.0, 1.0),
        conf=st.sampled_from([0.8, 0.9, 0.95]),
    )
    def test_wald_and_wilson(self, population: int, frac: float, xfrac: float, conf: float) -> None:
        """Wald: p -/+ z sqrt(p(1 - p)/n x f); Wilson: the roots of (p - P)^2 = z^2 P(1 - P) f / n, with
        f = (N - n)/(N - 1) and z from scipy.stats.norm (numpy root finding as the reference)."""
        n = max(2, math.floor(frac * population))
        x = math.floor(xfrac * n)
        p = x / n
        f = (population - n) / (population - 1)
        z = stats.norm.ppf(1 - (1 - conf) / 2)
        wald = proportion_interval(x, n, conf, "wald", population=population)
        half = z * math.sqrt(p * (1 - p) / n * f)
        assert wald.lower == pytest.approx(max(0.0, p - half), abs=1e-12)
        assert wald.upper == pytest.approx(min(1.0, p + half), abs=1e-12)
        wilson = proportion_interval(x, n, conf, "wilson", population=population)
        k = z * z * f / n  # (p - P)^2 = k P (1 - P)  <=>  (1 + k) P^2 - (2p + k) P + p^2 = 0
        roots = np.sort(np.roots([1 + k, -(2 * p + k), p * p]).real)
        assert wilson.lower == pytest.approx(max(0.0, roots[0]), abs=1e-9)
        assert wilson.upper == pytest.approx(min(1.0, roots[1]), abs=1e-9)

    def test_fpc_narrows_and_vanishes(self) -> None:
        """The FPC versions are narrower than the infinite ones and equal them as N grows."""
        for method in ("wilson", "agresti-coull", "wald"):
            inf = proportion_interval(12, 80, 0.9, method)
            small = proportion_interval(12, 80, 0.9, method, population=200)
            big = proportion_interval(12, 80, 0.9, method, population=10**9)
            assert small.upper - small.lower < inf.upper - inf.lower
            assert big.lower == pytest.approx(inf.lower, abs=1e-6)
            assert big.upper == pytest.approx(inf.upper, abs=1e-6)
            assert "FPC" in small.convention

    def test_census(self) -> None:
        """A census (n = N) knows the proportion: the approximate intervals collapse to it."""
        for method in ("wilson", "agresti-coull", "wald"):
            got = proportion_interval(3, 50, 0.95, method, population=50)
            assert got.lower == got.upper == 0.06
        exact = proportion_interval(3, 50, 0.95, "clopper-pearson", population=50)
        assert exact.lower == exact.upper == 0.06
        for method in ("wilson", "agresti-coull", "wald", "clopper-pearson"):  # N = n = 1
            one = proportion_interval(1, 1, 0.95, method, population=1)
            assert one.lower == one.upper == 1.0

    def test_roundtrip(self) -> None:
        """Finite-population intervals round-trip and render."""
        got = proportion_interval(3, 50, 0.95, "clopper-pearson", population=500)
        assert from_json(to_json(got), Interval) == got
        assert "<table>" in got._repr_html_()

    def test_errors(self) -> None:
        """A population below n and Jeffreys with a population are library errors."""
        with pytest.raises(ValidationError, match="population"):
            proportion_interval(1, 10, 0.9, population=5)
        with pytest.raises(ValidationError, match="jeffreys"):
            proportion_interval(1, 10, 0.9, "jeffreys", population=50)
