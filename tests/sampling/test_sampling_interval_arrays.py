"""Array proportion intervals and exact binomial tests: statsmodels and scipy as the references.

The pinned cases of ``test_sampling_intervals.py`` and ``test_sampling_select.py`` (published values
and scipy brute force) are run again against the new ``proportion_interval`` by subclassing their
test classes with the function swapped in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._intervals import (
    ALTERNATIVES,
    INTERVAL_ALIASES,
    BinomialTest,
    BinomialTestArray,
    IntervalArray,
    binomial_test,
    proportion_interval,
)
from comanaged_rcm.sampling._models import Interval
from comanaged_rcm.serialize import from_json, to_json

try:
    from statsmodels.stats.proportion import proportion_confint
except ImportError:  # pragma: no cover - statsmodels is in the dev extra
    proportion_confint = None

needs_statsmodels = pytest.mark.skipif(
    proportion_confint is None,
    reason="statsmodels is not installed (it is the reference; pip install statsmodels)",
)

METHODS = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald")
STATSMODELS = {  # ours -> statsmodels' name, for every method both offer
    "wilson": "wilson",
    "clopper-pearson": "beta",
    "jeffreys": "jeffreys",
    "agresti-coull": "agresti_coull",
    "wald": "normal",
}
ALTERNATIVE = {"two-sided": "two-sided", "lower": "smaller", "upper": "larger"}  # sides -> statsmodels


def _raises(call: Callable[[], object], path: str, fragment: str = "") -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call()
    paths = [issue.path for issue in info.value.issues]
    assert path in paths, paths
    assert fragment in str(info.value), str(info.value)
    return info.value


# ------------------------------------------------------------------------------ statsmodels
counts = st.integers(1, 10**6).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@needs_statsmodels
class TestStatsmodels:
    @given(
        pairs=st.lists(counts, min_size=1, max_size=40),
        conf=st.floats(0.5, 0.999) | st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]),
        method=st.sampled_from(METHODS),
        sides=st.sampled_from(["two-sided", "lower", "upper"]),
    )
    def test_equals_proportion_confint(
        self, pairs: list[tuple[int, int]], conf: float, method: str, sides: str
    ) -> None:
        """Every method both offer equals statsmodels.stats.proportion.proportion_confint to 1e-12 with
        alpha = 1 - confidence (sides 'lower' = alternative 'smaller', 'upper' = 'larger'); Jeffreys
        except its documented edges (lower 0 at x = 0, upper 1 at x = n)."""
        assert proportion_confint is not None
        x = np.array([p[0] for p in pairs])
        n = np.array([p[1] for p in pairs])
        lo, hi = proportion_interval(x, n, conf, method, sides)
        ref_lo, ref_hi = proportion_confint(x, n, 1 - conf, STATSMODELS[method], ALTERNATIVE[sides])
        ref_lo, ref_hi = np.broadcast_to(ref_lo, x.shape), np.broadcast_to(ref_hi, x.shape)
        keep_lo = (x > 0) if method == "jeffreys" and sides != "upper" else np.ones(x.shape, dtype=bool)
        keep_hi = (x < n) if method == "jeffreys" and sides != "lower" else np.ones(x.shape, dtype=bool)
        np.testing.assert_allclose(lo[keep_lo], ref_lo[keep_lo], rtol=0, atol=1e-12)
        np.testing.assert_allclose(hi[keep_hi], ref_hi[keep_hi], rtol=0, atol=1e-12)

    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("n", [1, 2, 17, 1000, 10**6])
    def test_edges(self, method: str, n: int) -> None:
        """x = 0 and x = n: the limits are 0 and 1 where they must be, and equal statsmodels' (Jeffreys:
        statsmodels keeps the beta quantile at the closed end, we give 0 and 1, as Brown, Cai and
        DasGupta 2001 sec. 4.1.2 recommend)."""
        assert proportion_confint is not None
        got = proportion_interval([0, n], n, 0.95, STATSMODELS[method])
        ref_lo, ref_hi = proportion_confint(np.array([0, n]), n, 0.05, STATSMODELS[method])
        assert got.lower[0] == pytest.approx(0.0, abs=1e-15)  # Wilson's score limit: 0 up to rounding
        assert got.upper[1] == pytest.approx(1.0, abs=1e-15)
        if method == "jeffreys":
            assert ref_lo[0] > 0
            assert ref_hi[1] < 1
            np.testing.assert_allclose([got.upper[0], got.lower[1]], [ref_hi[0], ref_lo[1]], atol=1e-12)
        else:
            np.testing.assert_allclose(got.lower, ref_lo, atol=1e-12, rtol=0)
            np.testing.assert_allclose(got.upper, ref_hi, atol=1e-12, rtol=0)

    def test_pandas_series(self) -> None:
        """Series go in (read with np.asarray) and numpy arrays come out, equal to statsmodels'."""
        assert proportion_confint is not None
        x = pd.Series([3, 0, 12], index=["a", "b", "c"])
        n = pd.Series([50, 40, 60], index=["a", "b", "c"])
        got = proportion_interval(x, n, alpha=0.1, method="normal")
        ref_lo, ref_hi = proportion_confint(x, n, 0.1, "normal")
        assert isinstance(got.lower, np.ndarray)
        np.testing.assert_allclose(got.lower, ref_lo.to_numpy(), atol=1e-12, rtol=0)
        np.testing.assert_allclose(got.upper, ref_hi.to_numpy(), atol=1e-12, rtol=0)


class TestPublished:
    def test_r_binom_test_interval(self) -> None:
        """R's binom.test example (Mendel's peas: 682 of 925, p = 3/4): 95 percent confidence interval
        0.7076683 0.7654066 (Clopper-Pearson) and p-value = 0.3825 (R documentation, ?binom.test)."""
        got = proportion_interval(682, 925, 0.95, "clopper-pearson")
        assert (round(got.lower, 7), round(got.upper, 7)) == (0.7076683, 0.7654066)
        assert round(binomial_test(682, 925, 0.75).p_value, 4) == 0.3825

    def test_wilson_10_of_100(self) -> None:
        """Wilson 95% for 10/100 = (0.0552, 0.1744) (Newcombe 1998, and the scalar test), as an array too."""
        lo, hi = proportion_interval([10], [100], 0.95)
        assert (round(float(lo[0]), 4), round(float(hi[0]), 4)) == (0.0552, 0.1744)


# ------------------------------------------------------------------------------ confidence and alpha
class TestConfidence:
    def test_alpha_as_positional_confidence_is_refused(self) -> None:
        """proportion_interval(3, 50, 0.05): the third argument is statsmodels' alpha; refused with a fix."""
        error = _raises(lambda: proportion_interval(3, 50, 0.05), "$.confidence")
        assert "0.05 looks like alpha; pass confidence=0.95" in str(error)
        _raises(lambda: proportion_interval([3], [50], 0.1), "$.confidence", "pass confidence=0.9")

    @pytest.mark.parametrize("value", [0.5, 0.5000000001, Decimal("0.5")])
    def test_half_and_above_are_accepted(self, value: float) -> None:
        """Exactly 0.5 and just above are confidences (the 50% interval is z = 0.674 wide)."""
        got = proportion_interval(10, 100, value, "wald")
        assert got.confidence == float(value)
        z = stats.norm.ppf(0.5 + float(value) / 2)
        assert got.upper == pytest.approx(0.1 + z * math.sqrt(0.09 / 100), abs=1e-12)

    @pytest.mark.parametrize("value", [0.4999999999, 0.25, 1e-9, Decimal("0.4999")])
    def test_below_half_is_refused(self, value: float) -> None:
        """Just below 0.5 is refused as an alpha, with the confidence it stands for."""
        error = _raises(lambda: proportion_interval(10, 100, value), "$.confidence", "looks like alpha")
        assert f"pass confidence={1 - Decimal(str(value))}" in str(error)

    def test_alpha_keyword(self) -> None:
        """alpha= (statsmodels' significance level) gives confidence = 1 - alpha, exactly in decimal."""
        assert proportion_interval(3, 50, alpha=0.05) == proportion_interval(3, 50, 0.95)
        assert proportion_interval(3, 50, alpha=0.5).confidence == 0.5
        assert proportion_interval([3], [50], alpha=0.1, method="beta").confidence == 0.9
        assert proportion_interval(3, 50).confidence == 0.95  # the default, statsmodels' too

    def test_alpha_above_half_is_refused(self) -> None:
        """alpha just above 0.5 (and 0.95) looks like a confidence; both given is refused."""
        _raises(lambda: proportion_interval(3, 50, alpha=0.5000001), "$.alpha", "looks like a confidence")
        _raises(
            lambda: proportion_interval(3, 50, alpha=0.95), "$.alpha", "pass alpha=0.05 or confidence=0.95"
        )
        _raises(lambda: proportion_interval(3, 50, 0.95, alpha=0.05), "$.alpha", "not both")
        _raises(lambda: proportion_interval(3, 50, alpha=0), "$.alpha", "(0, 1)")
        _raises(lambda: proportion_interval(3, 50, alpha=math.nan), "$.alpha", "finite")

    def test_extreme_confidence_is_not_a_silent_nan(self) -> None:
        """A confidence within an ulp of 1 cannot give a finite z: refused at $.confidence."""
        extreme: Any = Decimal("0.99999999999999999")
        _raises(lambda: proportion_interval([1, 2], [10, 10], extreme), "$.confidence")


# ------------------------------------------------------------------------------ methods
class TestMethods:
    @pytest.mark.parametrize(("alias", "method"), sorted(INTERVAL_ALIASES.items()))
    def test_statsmodels_names_are_aliases(self, alias: str, method: str) -> None:
        """normal, beta and agresti_coull give exactly the wald, clopper-pearson and agresti-coull result
        (the result names the method here)."""
        assert proportion_interval(7, 40, 0.9, alias) == proportion_interval(7, 40, 0.9, method)
        assert proportion_interval(7, 40, 0.9, alias).method == method
        assert proportion_interval([7], [40], 0.9, alias) == proportion_interval([7], [40], 0.9, method)

    def test_binom_test_method_is_refused_with_the_alternative(self) -> None:
        """statsmodels' 'binom_test' interval is not offered: the message names what to use."""
        _raises(lambda: proportion_interval(3, 50, method="binom_test"), "$.method", "binomial_test()")

    def test_misspelt_method_and_statsmodels_sides(self) -> None:
        """A near miss gets a did-you-mean; statsmodels' alternative names say which sides to pass."""
        _raises(lambda: proportion_interval(3, 50, method="agresti"), "$.method", "did you mean")
        _raises(lambda: proportion_interval(3, 50, sides="smaller"), "$.sides", "sides='lower'")
        _raises(lambda: proportion_interval(3, 50, sides=np.arange(3)), "$.sides", "must be one of")  # type: ignore[call-overload]


# ------------------------------------------------------------------------------ arrays
class TestArrays:
    def test_broadcasting_shapes(self) -> None:
        """successes broadcasts against n: scalar with array, (2, 1) with (3,) -> (2, 3), (2, 3) with (3,);
        every element equals the scalar call."""
        n = np.array([10, 20, 30])
        assert proportion_interval(2, n).shape == (3,)
        grid = proportion_interval(np.array([[0], [5]]), n, 0.9, "clopper-pearson")
        assert grid.shape == (2, 3)
        assert grid.successes.tolist() == [[0, 0, 0], [5, 5, 5]]
        assert grid.n.tolist() == [[10, 20, 30]] * 2
        for i in range(2):
            for j in range(3):
                single = proportion_interval([0, 5][i], int(n[j]), 0.9, "clopper-pearson")
                assert grid[i, j] == single
                assert grid.lower[i, j] == single.lower
        assert proportion_interval(np.arange(6).reshape(2, 3), n).shape == (2, 3)
        assert proportion_interval(np.array(3), np.array(10)).shape == ()

    @pytest.mark.parametrize("kind", [list, tuple, np.array, pd.Series])
    def test_array_likes(self, kind: Callable[[list[int]], Any]) -> None:
        """Lists, tuples, numpy arrays and pandas Series are read alike."""
        got = proportion_interval(kind([1, 2, 3]), kind([10, 20, 30]), 0.9)
        assert got == proportion_interval(np.array([1, 2, 3]), np.array([10, 20, 30]), 0.9)
        assert got.lower.dtype == np.float64
        assert got.successes.dtype == np.int64

    def test_integral_floats_and_numpy_integers(self) -> None:
        """3.0 counted from a float column is a count; uint16 and int32 arrays too."""
        a = proportion_interval(np.array([3.0, 4.0]), np.array([10, 10], dtype=np.uint16))
        b = proportion_interval(np.array([3, 4], dtype=np.int32), [10, 10])
        assert a == b

    def test_unpacks_like_proportion_confint(self) -> None:
        """lo, hi = result: the arrays of lower and upper limits."""
        result = proportion_interval([1, 5], [10, 10], 0.95)
        lo, hi = result
        assert lo is result.lower
        assert hi is result.upper
        assert len(result) == 2
        assert list(result) == [result.lower, result.upper]

    def test_scalar_interval_unpacks(self) -> None:
        """lo, hi = proportion_interval(3, 50): the scalar Interval unpacks the same way, lower first."""
        got = proportion_interval(3, 50, 0.95)
        assert isinstance(got, Interval)
        lo, hi = got
        assert (lo, hi) == (got.lower, got.upper)
        assert lo < got.estimate < hi
        assert list(got) == [got.lower, got.upper]
        one_sided = proportion_interval(3, 50, 0.95, sides="upper")
        assert isinstance(one_sided, Interval)
        assert tuple(one_sided) == (0.0, one_sided.upper)

    def test_indexing(self) -> None:
        """result[i] is an Interval; slices and masks give IntervalArrays; bad keys name $.key."""
        result = proportion_interval([0, 3, 9], [10, 10, 10], 0.9, "wilson", population=[50, 60, 70])
        one = result[1]
        assert isinstance(one, Interval)
        assert one == proportion_interval(3, 10, 0.9, population=60)
        part = result[1:]
        assert isinstance(part, IntervalArray)
        assert part.population is not None
        assert part.population.tolist() == [60, 70]
        mask = result[result.upper > 0.5]
        assert isinstance(mask, IntervalArray)
        assert mask.successes.tolist() == [3, 9]
        assert result[[True, False, True]] == result[np.array([0, 2])]
        _raises(lambda: result[5], "$.key", "IndexError")
        _raises(lambda: result["x"], "$.key")

    def test_to_rows_repr_and_notebooks(self) -> None:
        """to_rows gives one dict per interval; the repr and the notebook tables read well."""
        result = proportion_interval([1, 2], [10, 20], 0.95)
        rows = result.to_rows()
        assert rows[0] == {
            "successes": 1,
            "n": 10,
            "population": None,
            "estimate": 0.1,
            "lower": result.lower[0],
            "upper": result.upper[0],
        }
        assert pd.DataFrame(rows).shape == (2, 6)
        text = repr(result)
        assert text.startswith(
            "IntervalArray(shape=(2,), method='wilson', sides='two-sided', confidence=0.95"
        )
        assert "lower=[0.0179, 0.0279]" in text
        assert "<table>" in result._repr_html_()
        assert "| method | wilson |" in result._repr_markdown_()
        big = repr(proportion_interval(np.arange(1000), 1000))
        assert "..." in big
        assert len(big) < 400

    def test_frozen_and_independent_of_the_inputs(self) -> None:
        """The result's arrays are read-only copies: changing the input array afterwards changes nothing."""
        x = np.array([1, 2, 3])
        result = proportion_interval(x, 10)
        x[0] = 9
        assert result.successes.tolist() == [1, 2, 3]
        with pytest.raises(ValueError, match="read-only"):
            result.lower[0] = 0.5
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            result.method = "wald"

    def test_empty(self) -> None:
        """Empty arrays give an empty result (as statsmodels does)."""
        result = proportion_interval([], [])
        assert len(result) == 0
        assert result.to_rows() == []

    def test_finite_population_arrays(self) -> None:
        """population broadcasts too: the FPC and exact hypergeometric limits equal the scalar calls."""
        for method in ("wilson", "agresti-coull", "wald", "clopper-pearson"):
            got = proportion_interval([0, 3, 50], 50, 0.9, method, population=[60, 400, 50])
            for i, (x, population) in enumerate([(0, 60), (3, 400), (50, 50)]):
                assert got[i] == proportion_interval(x, 50, 0.9, method, population=population)
            assert "FPC" in got.convention or "hypergeometric" in got.convention
        _raises(
            lambda: proportion_interval([1], [10], 0.9, "jeffreys", population=[50]), "$.method", "jeffreys"
        )

    def test_roundtrip(self) -> None:
        """IntervalArray and BinomialTestArray round-trip through JSON (arrays as lists)."""
        result = proportion_interval([[1, 2], [3, 4]], 10, 0.9, population=100)
        assert from_json(to_json(result), IntervalArray) == result
        tests = binomial_test([1, 2], 10, 0.3)
        assert from_json(to_json(tests), BinomialTestArray) == tests


class TestBadArrays:
    @pytest.mark.parametrize(
        ("successes", "fragment"),
        [
            ([1, 2, 3, math.nan], "whole number (got nan)"),
            ([1, 2, 3, -1], ">= 0 (got -1)"),
            ([1, 2, 3, 2.5], "whole number (got 2.5)"),
            ([1, 2, 3, 11], "<= n[3] (got 11 > 10)"),
            ([1, 2, 3, None], "whole number (got None)"),
            ([1, 2, 3, "4"], "whole number (got '4')"),
            ([1, 2, 3, True], "whole number"),
            (np.array([1, 2, 3, 2**60]), "<="),
            (pd.Series([1.0, 2.0, 3.0, math.inf]), "whole number (got inf)"),
        ],
    )
    def test_first_bad_element_is_named(self, successes: Any, fragment: str) -> None:
        """NaN, negative, fractional, above n, None, text, booleans, huge: refused at $.successes[3]."""
        _raises(lambda: proportion_interval(successes, [10, 10, 10, 10]), "$.successes[3]", fragment)

    def test_n_and_population_elements(self) -> None:
        """A zero n and a population below its n are named by element."""
        _raises(lambda: proportion_interval([1, 1], [5, 0]), "$.n[1]", ">= 1")
        _raises(lambda: proportion_interval([1, 1], [5, 8], population=[9, 7]), "$.population[1]", "n[1]")
        _raises(lambda: proportion_interval(1, np.array([[5, 5], [5, 0]])), "$.n[1][1]", ">= 1")

    def test_broadcast_successes_is_named_in_its_own_shape(self) -> None:
        """successes of shape (1,) broadcast against n: its own element [0] is named, with n's element."""
        _raises(lambda: proportion_interval([6], [9, 8, 5]), "$.successes[0]", "<= n[2] (got 6 > 5)")
        _raises(lambda: proportion_interval(6, [9, 5]), "$.successes", "<= n[1]")

    def test_mismatched_shapes(self) -> None:
        """(2, 3) against (2, 2) does not broadcast: both arguments are named."""
        error = _raises(lambda: proportion_interval(np.zeros((2, 3)), np.ones((2, 2)) * 5), "$.successes")
        assert [issue.path for issue in error.issues] == ["$.successes", "$.n"]
        assert "(2, 3)" in str(error)

    def test_unreadable_arrays(self) -> None:
        """Ragged and too deeply nested lists are ValidationErrors, not numpy's ValueError."""
        _raises(lambda: proportion_interval([1, [2, 3]], 10), "$.successes", "ragged")
        deep: list[Any] = []
        for _ in range(100):
            deep = [deep]
        _raises(lambda: proportion_interval(deep, 10), "$.successes")

    def test_model_fields_are_checked(self) -> None:
        """An IntervalArray built in Python refuses NaN, bad shapes and successes above n, by element."""
        result = proportion_interval([1, 2, 3], [10, 10, 10])
        _raises(lambda: attrs.evolve(result, lower=[0.1, math.nan, 0.2]), "$.lower[1]", "finite")
        _raises(lambda: attrs.evolve(result, upper=[0.1, 0.2]), "$.upper", "shape")
        _raises(lambda: attrs.evolve(result, successes=[1, 11, 3]), "$.successes[1]", "<= n[1]")
        _raises(lambda: attrs.evolve(result, n="x"), "$.n", "array of whole numbers")
        _raises(lambda: attrs.evolve(result, method="beta"), "$.method")
        assert attrs.evolve(result, lower=[0.0, 0.0, 0.0]).lower.tolist() == [0.0, 0.0, 0.0]


# ------------------------------------------------------------------------------ binomial test
p0s = st.floats(0, 1) | st.sampled_from([0.0, 0.1, 0.25, 1 / 3, 0.5, 0.75, 1.0])


class TestBinomialTest:
    def test_scipy_docs_example(self) -> None:
        """scipy.stats.binomtest docs: 3 unsafe of 15 cars against a claim of at most 10%,
        alternative 'greater': p-value 0.18406106910639114."""
        got = binomial_test(3, 15, 0.1, "greater")
        assert got.p_value == pytest.approx(0.18406106910639114, rel=1e-12)
        assert isinstance(got, BinomialTest)
        assert got.estimate == 0.2
        assert "P(X >= x)" in got.convention

    @given(n=st.integers(1, 3000), data=st.data(), p0=p0s, alternative=st.sampled_from(ALTERNATIVES))
    def test_equals_scipy_binomtest(self, n: int, data: st.DataObject, p0: float, alternative: str) -> None:
        """Every p-value equals scipy.stats.binomtest(k, n, p, alternative).pvalue to 1e-12 (two-sided:
        'minlike'), for the scalar and as one element of an array."""
        x = data.draw(st.integers(0, n))
        want = stats.binomtest(x, n, p0, alternative).pvalue
        got = binomial_test(x, n, p0, alternative)
        assert got.p_value == pytest.approx(want, rel=1e-12, abs=1e-300)
        many = binomial_test([x, 0, n], n, p0, alternative)
        assert many.p_value[0] == got.p_value
        for i, k in enumerate([x, 0, n]):
            assert many.p_value[i] == pytest.approx(stats.binomtest(k, n, p0, alternative).pvalue, rel=1e-12)

    def test_grid(self) -> None:
        """A grid of n, x and p0 against scipy.stats.binomtest, two-sided, in one vectorised call."""
        n = np.arange(1, 61)
        x = n[:, None] * np.array([0, 0.1, 0.3, 0.5, 0.9, 1.0])[None, :]
        x = np.floor(x).astype(int)
        for p0 in (0.05, 0.2, 0.5, 0.77):
            got = binomial_test(x, n[:, None], p0)
            assert got.shape == (60, 6)
            want = [
                [stats.binomtest(int(k), int(m), p0).pvalue for k in row] for row, m in zip(x, n, strict=True)
            ]
            np.testing.assert_allclose(got.p_value, want, rtol=1e-12)

    def test_one_sided_tails(self) -> None:
        """'greater' is P(X >= x), 'less' P(X <= x) (scipy.stats.binom.sf and cdf); statsmodels' names too."""
        assert binomial_test(4, 20, 0.1, "greater").p_value == pytest.approx(
            stats.binom.sf(3, 20, 0.1), rel=1e-14
        )
        assert binomial_test(4, 20, 0.1, "larger") == binomial_test(4, 20, 0.1, "greater")
        assert binomial_test(0, 20, 0.1, "less").p_value == pytest.approx(0.9**20, rel=1e-14)
        assert binomial_test(0, 20, 0.1, "smaller") == binomial_test(0, 20, 0.1, "less")
        assert binomial_test(10, 20, 0.5).p_value == 1.0

    def test_arrays(self) -> None:
        """Arrays broadcast over successes, n and p0; result[i] is a BinomialTest; rows and reprs."""
        result = binomial_test([3, 0, 7], 15, [0.1, 0.1, 0.5], "greater")
        assert isinstance(result, BinomialTestArray)
        assert len(result) == 3
        assert result[0] == binomial_test(3, 15, 0.1, "greater")
        assert isinstance(result[1:], BinomialTestArray)
        assert result.to_rows()[1] == {"successes": 0, "n": 15, "p0": 0.1, "estimate": 0.0, "p_value": 1.0}
        assert "BinomialTestArray(shape=(3,)" in repr(result)
        assert "<table>" in result._repr_html_()
        assert "| alternative | greater |" in result._repr_markdown_()
        assert "p_value=0.184061" in repr(result[0])
        assert "<table>" in result[0]._repr_html_()

    def test_bad_inputs(self) -> None:
        """Bad counts, p0 out of [0, 1], unknown alternatives and shapes are named."""
        _raises(lambda: binomial_test(16, 15, 0.1), "$.successes", "<= n")
        _raises(lambda: binomial_test(1, 15, 1.5), "$.p0", "<= 1")
        _raises(lambda: binomial_test([1, 2], 15, [0.1, math.nan]), "$.p0[1]", "finite")
        _raises(lambda: binomial_test([1, 2], [15, 1], 0.1), "$.successes[1]", "<= n[1]")
        _raises(lambda: binomial_test(1, 15, 0.1, "two_sided"), "$.alternative", "did you mean")
        _raises(lambda: binomial_test([1, 2, 3], [15, 15], 0.1), "$.n", "broadcast")
        _raises(
            lambda: BinomialTest(
                successes=3, n=2, p0=0.5, alternative="less", estimate=1, p_value=1, convention="x"
            ),
            "$.successes",
        )
