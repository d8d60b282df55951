"""Proportion intervals and reproducible selection."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling import Interval, Selection, proportion_interval, select
from comanaged_rcm.serialize import from_json, to_json


def wilson_ref(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson (1927) score interval solved as the roots of the quadratic in p."""
    a = 1 + z * z / n
    b = -(2 * x / n + z * z / n)
    c = (x / n) ** 2
    disc = math.sqrt(b * b - 4 * a * c)
    return (-b - disc) / (2 * a), (-b + disc) / (2 * a)


class TestIntervals:
    def test_wilson_published(self) -> None:
        """Wilson 95% for 10/100 = (0.0552, 0.1744) (score quadratic roots)."""
        i = proportion_interval(successes=10, n=100, confidence=0.95)
        lo, hi = wilson_ref(10, 100, stats.norm.ppf(0.975))
        assert i.lower == pytest.approx(lo)
        assert i.upper == pytest.approx(hi)
        assert (round(i.lower, 4), round(i.upper, 4)) == (0.0552, 0.1744)

    @settings(max_examples=40, deadline=None)
    @given(n=st.integers(1, 300), data=st.data(), conf=st.sampled_from([0.8, 0.9, 0.95]))
    def test_exact_methods(self, n: int, data: st.DataObject, conf: float) -> None:
        """Clopper-Pearson and Jeffreys equal scipy.stats.beta quantiles; Wald/AC the textbook formulas."""
        x = data.draw(st.integers(0, n))
        t = (1 - conf) / 2
        cp = proportion_interval(x, n, conf, method="clopper-pearson")
        assert cp.lower == pytest.approx(0.0 if x == 0 else stats.beta.ppf(t, x, n - x + 1))
        assert cp.upper == pytest.approx(1.0 if x == n else stats.beta.ppf(1 - t, x + 1, n - x))
        jf = proportion_interval(x, n, conf, method="jeffreys")
        assert jf.lower == pytest.approx(0.0 if x == 0 else stats.beta.ppf(t, x + 0.5, n - x + 0.5))
        z = stats.norm.ppf(1 - t)
        p = x / n
        wald = proportion_interval(x, n, conf, method="wald")
        assert wald.upper == pytest.approx(min(1.0, p + z * math.sqrt(p * (1 - p) / n)))
        ac = proportion_interval(x, n, conf, method="agresti-coull")
        pt = (x + z * z / 2) / (n + z * z)
        assert ac.lower == pytest.approx(max(0.0, pt - z * math.sqrt(pt * (1 - pt) / (n + z * z))))

    def test_one_sided(self) -> None:
        """One-sided 90% lower limit uses z at 0.90 (CMS PIM ch. 8 style) and leaves the other end open."""
        lower = proportion_interval(30, 100, 0.9, method="wald", sides="lower")
        assert lower.upper == 1.0
        assert lower.lower == pytest.approx(0.3 - stats.norm.ppf(0.9) * math.sqrt(0.21 / 100))
        upper = proportion_interval(30, 100, 0.9, method="clopper-pearson", sides="upper")
        assert upper.lower == 0.0
        assert upper.upper == pytest.approx(stats.beta.ppf(0.9, 31, 70))
        assert from_json(to_json(upper), Interval) == upper
        assert "<table>" in upper._repr_html_()

    @pytest.mark.parametrize(
        ("args", "path"),
        [((5, 4, 0.9), "$.successes"), ((1, 4, 1.5), "$.confidence"), ((1, 0, 0.9), "$.n")],
    )
    def test_errors(self, args: tuple[int, int, float], path: str) -> None:
        """Bad interval inputs name the field."""
        with pytest.raises(ValidationError) as info:
            proportion_interval(*args)
        assert info.value.issues[0].path == path

    def test_bad_choices(self) -> None:
        """Unknown method or sides are rejected."""
        with pytest.raises(ValidationError, match="method"):
            proportion_interval(1, 4, 0.9, method="x")
        with pytest.raises(ValidationError, match="sides"):
            proportion_interval(1, 4, 0.9, sides="x")


class TestSelect:
    def test_pinned(self) -> None:
        """The documented algorithm over PCG64 raw words gives this fixed selection (pinned)."""
        sel = select(population=100, n=3, seed=1)
        assert sel.items == (28, 29, 14)
        assert sel.sorted_items == (14, 28, 29)
        assert select(population=10, n=3, seed=5, method="systematic").items == (3, 7, 10)

    @settings(max_examples=30, deadline=None)
    @given(size=st.integers(1, 200), data=st.data(), seed=st.integers(0, 2**32))
    def test_properties(self, size: int, data: st.DataObject, seed: int) -> None:
        """Draws are distinct population members, reproducible, and round-trip through the serializer."""
        n = data.draw(st.integers(1, size))
        ids = [f"C{i:04d}" for i in range(size)]
        sel = select(ids, n, seed)
        assert len(set(sel.items)) == n
        assert set(sel.items) <= set(ids)
        assert sel == select(ids, n, seed)
        assert sel.sorted_items == tuple(sorted(sel.items))
        sy = select(size, n, seed, method="systematic")
        assert len(set(sy.items)) == n
        assert from_json(to_json(sel), Selection) == sel
        assert "<table>" in sel._repr_html_()

    def test_full_permutation_uniform(self) -> None:
        """First draw is uniform over 5 items (chi-square test over 2000 seeds, p > 0.001)."""
        counts = [0] * 5
        for seed in range(2000):
            counts[int(select(5, 1, seed).items[0]) - 1] += 1
        assert stats.chisquare(counts).pvalue > 0.001

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"population": 0, "n": 1, "seed": 1}, "$.population"),
            ({"population": True, "n": 1, "seed": 1}, "$.population"),
            ({"population": ["a", "a"], "n": 1, "seed": 1}, "$.population"),
            ({"population": 5, "n": 6, "seed": 1}, "$.n"),
            ({"population": 5, "n": 2, "seed": -1}, "$.seed"),
            ({"population": 5, "n": 2, "seed": 1, "method": "x"}, "$.method"),
        ],
    )
    def test_errors(self, kwargs: dict[str, object], path: str) -> None:
        """Bad selection inputs name the field."""
        with pytest.raises(ValidationError) as info:
            select(**kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path


class TestStratifiedSelect:
    def test_allocation_and_membership(self) -> None:
        """Stratified draw allocates proportionally and draws each stratum from its own members."""
        ids = [f"C{i}" for i in range(30)]
        labels = ["a"] * 20 + ["b"] * 10
        sel = select(ids, 6, 11, strata=labels)
        assert sel.allocation == (("a", 4), ("b", 2))
        assert sum(1 for x in sel.items if int(str(x)[1:]) < 20) == 4
        assert sel == select(ids, 6, 11, strata=labels)
        assert from_json(to_json(sel), Selection) == sel
        sy = select(ids, 6, 11, strata=labels, method="systematic")
        assert len(set(sy.items)) == 6

    def test_bad_strata(self) -> None:
        """Strata of the wrong length name the field."""
        with pytest.raises(ValidationError) as info:
            select(5, 2, 1, strata=["a"])
        assert info.value.issues[0].path == "$.strata"
