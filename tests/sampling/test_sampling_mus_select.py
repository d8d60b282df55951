"""Monetary unit selection: interval, cell, random and sieve, the top stratum and excluded items."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.random import PCG64

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling import monetary_sample_size
from comanaged_rcm.sampling._mus import MUS_METHODS, MonetarySelection, mus_select
from comanaged_rcm.serialize import from_json, to_json

VALUES = [120.0, 45.5, 3000.0, 0.0, 810.25, -60.0, 77.0, 402.0, 1999.0, 5.0, 640.0, 233.3]


def ranges(values: list[float]) -> list[tuple[float, float]]:
    """[start, end) of each value on the running total (the reference mapping of a unit to an item)."""
    out, low = [], 0.0
    for value in values:
        out.append((low, low + value))
        low += value
    return out


def uniform(word: int) -> float:
    return (word >> 11) / 2**53


class TestInterval:
    def test_items_hold_start_plus_k_intervals(self) -> None:
        """With start s, the items hit are those whose range [cum_before, cum_after) holds s + kJ."""
        values = [10.0, 20.0, 5.0, 40.0, 25.0]  # total 100, n = 4: J = 25; 40 >= 25 is certain
        s = mus_select(values, n=4, seed=0, start=3.0, certainty=False)
        assert s.interval == 25.0
        assert s.units == (3.0, 28.0, 53.0, 78.0)
        expected = [i + 1 for i, (lo, hi) in enumerate(ranges(values)) if any(lo <= u < hi for u in s.units)]
        assert list(s.items) == expected == [1, 2, 4, 5]
        assert s.hits == (1, 1, 1, 1)

    def test_large_item_hit_twice_without_top_stratum(self) -> None:
        """certainty=False keeps a large item in the walk: 60 of 100 at J = 25 from 0 is hit 3 times."""
        s = mus_select([60.0, 40.0], n=4, seed=0, start=0.0, certainty=False)
        assert s.items == (1, 2)
        assert s.hits == (3, 1)
        assert s.certainty_items == ()

    def test_random_start_from_first_word(self) -> None:
        """The start is u x J with u = (w >> 11) / 2**53 of PCG64(seed)'s first raw word."""
        values = [float(v) for v in range(1, 41)]
        s = mus_select(values, n=7, seed=2024, certainty=False)
        word = int(PCG64(2024).random_raw(1)[0])
        assert s.start is not None
        assert s.start == pytest.approx(uniform(word) * sum(values) / 7, rel=1e-15)
        assert 0 <= s.start < s.interval

    def test_start_edges(self) -> None:
        """A start of 0 is taken, one just below J is taken, J itself is refused."""
        assert mus_select([5.0] * 10, n=2, seed=1, start=0.0).items == (1, 6)
        below = math.nextafter(25.0, 0.0)
        assert mus_select([5.0] * 10, n=2, seed=1, start=below).items == (5, 10)
        with pytest.raises(ValidationError) as err:
            mus_select([5.0] * 10, n=2, seed=1, start=25.0)
        assert err.value.issues[0].path == "$.start"

    def test_fixed_interval_given(self) -> None:
        """With an interval J the top stratum is the items >= J and the rest has the units s + kJ < R."""
        s = mus_select([300.0, 50.0, 70.0, 90.0], interval=100.0, seed=3, start=40.0)
        assert s.sample_size is None
        assert s.certainty_items == (1,)
        assert s.remaining_value == 210.0
        assert s.remaining_interval == 100.0
        assert s.units == (40.0, 140.0)
        assert s.items == (2, 4)


@pytest.mark.skipif(not os.environ.get("JFA_REPO"), reason="set JFA_REPO to a jfa checkout to run")
def test_jfa_interval_selection_consistency() -> None:
    """jfa tests/testthat/test-selection.R 'Test interval selection consistency': 238 book values,
    selection(size = 130, units = "values", method = "interval", start = 3773) hits each item the
    published number of times (jfa has no top stratum: certainty=False)."""
    text = (Path(os.environ["JFA_REPO"]) / "tests/testthat/test-selection.R").read_text()
    block = text[text.index("population$Ist <- c(") :]
    values = [float(x) for x in re.findall(r"[-\d.]+", block[block.index("(") + 1 : block.index(")")])]
    ref_block = block[block.index("reference <- c(") :]
    reference = [
        int(x) for x in re.findall(r"\d+", ref_block[ref_block.index("(") + 1 : ref_block.index(")")])
    ]
    s = mus_select(values, n=130, seed=0, start=3773.0, certainty=False)
    hits = [0] * len(values)
    for item, count in zip(s.items, s.hits, strict=True):
        hits[int(item) - 1] = count
    assert hits == reference


class TestTopStratum:
    def test_certainty_and_rest(self) -> None:
        """Items >= V / n are certain; the rest gets n - k units at R / (n - k); zero and negatives are
        excluded."""
        s = mus_select(VALUES, n=5, seed=11, ids=[f"C{i}" for i in range(len(VALUES))])
        total = sum(v for v in VALUES if v > 0)
        assert s.population_value == pytest.approx(total)
        assert s.interval == pytest.approx(total / 5)
        # 3000 and 1999 >= 7332.05 / 5; then 810.25 >= 2333.05 / 3; then 640 < 1522.8 / 2
        assert s.certainty_items == ("C2", "C4", "C8")
        assert s.certainty_value == 5809.25
        assert s.remaining_value == pytest.approx(1522.8)
        assert s.remaining_units == 2
        assert s.remaining_interval == pytest.approx(761.4)
        assert len(s.items) + len(s.certainty_items) == 5
        assert s.excluded_items == ("C3", "C5")
        assert s.excluded_values == (0.0, -60.0)
        assert not set(s.items) & set(s.certainty_items + s.excluded_items)
        assert s.sampled_items == s.certainty_items + s.items

    def test_equality_edge(self) -> None:
        """An item exactly at the interval is certain; one a hair below is not."""
        at = mus_select([50.0, 25.0, 25.0], n=2, seed=0)
        assert at.certainty_items == (1,)
        assert at.remaining_interval == 50.0
        below = mus_select([math.nextafter(50.0, 0.0), 25.0, 25.0], n=2, seed=0)
        assert below.certainty_items == ()

    def test_recomputed_interval_reaches_more_items(self) -> None:
        """1000 >= 1500 / 3 is certain; then 300 >= 500 / 2 is too: the rest 200 gets 1 unit."""
        s = mus_select([1000.0, 300.0, 100.0, 100.0], n=3, seed=5)
        assert s.certainty_items == (1, 2)
        assert s.remaining_units == 1
        assert s.remaining_interval == 200.0
        assert len(s.items) == 1

    def test_all_certain(self) -> None:
        """When the top stratum takes all n units nothing else is sampled."""
        s = mus_select([10.0, 10.0, 10.0], n=3, seed=0)
        assert s.certainty_items == (1, 2, 3)
        assert s.items == ()
        assert s.remaining_interval is None
        assert s.remaining_units == 0

    def test_plan_gives_n(self) -> None:
        """A MonetaryPlan's sample size is used; a plan for another book value is refused naming both."""
        values = [float(v) for v in range(1, 201)]
        total = sum(values)
        plan = monetary_sample_size(confidence=0.95, tolerable_rate=0.05, population_value=total)
        s = mus_select(values, n=plan, seed=1)
        assert s.sample_size == plan.sample_size == 60
        assert s.interval == pytest.approx(plan.sampling_interval)
        other = monetary_sample_size(confidence=0.95, tolerable_rate=0.05, population_value=total + 1)
        with pytest.raises(ValidationError) as err:
            mus_select(values, n=other, seed=1)
        assert [i.path for i in err.value.issues] == ["$.n", "$.values"]


class TestMethods:
    def test_cell_one_unit_per_cell(self) -> None:
        """Cell selection draws unit k in [kJ, (k + 1)J) at (k + u_k) J, u_k from word k."""
        values = [float(v % 17 + 1) for v in range(100)]
        s = mus_select(values, n=9, seed=8, method="cell")
        width = s.remaining_interval
        assert width is not None
        words = PCG64(8).random_raw(9)
        assert s.units == pytest.approx([(k + uniform(int(w))) * width for k, w in enumerate(words)])
        assert all(k * width <= u < (k + 1) * width for k, u in enumerate(s.units))

    def test_sieve_matches_definition(self) -> None:
        """Modified sieve (Hoogduin, Hall and Tsay 2010; jfa selection(method = "sieve")): the n items with
        the largest book / u, u = ((w >> 11) + 0.5) / 2**53 from one word per item."""
        values = [float(v % 23 + 1) for v in range(60)]
        s = mus_select(values, n=6, seed=99, method="sieve")
        u = [((int(w) >> 11) + 0.5) / 2**53 for w in PCG64(99).random_raw(60)]
        top = sorted(range(60), key=lambda i: -values[i] / u[i])[:6]
        assert list(s.items) == sorted(i + 1 for i in top)
        assert s.units == ()

    def test_random_inclusion_probability(self) -> None:
        """Randomized systematic PPS: an item below the interval is taken with probability book / J exactly
        (Hartley and Rao 1962); over 3,000 seeds each frequency is within 4 standard errors."""
        values = [5.0, 10.0, 20.0, 40.0, 25.0]  # total 100, n = 2: J = 50
        runs = 3000
        counts = dict.fromkeys(range(1, 6), 0)
        for seed in range(runs):
            s = mus_select(values, n=2, seed=seed, method="random")
            assert len(set(s.items)) == 2
            for item in s.items:
                counts[int(item)] += 1
        for item, value in enumerate(values, start=1):
            p = value / 50
            assert abs(counts[item] / runs - p) <= 4 * math.sqrt(p * (1 - p) / runs)

    def test_pinned(self) -> None:
        """The algorithm is versioned: these draws are pinned for every method (any machine, any numpy)."""
        values = [float(v * 37 % 101 + 1) for v in range(40)]
        got = {m: mus_select(values, n=6, seed=20260301, method=m).items for m in MUS_METHODS}
        assert got == {
            "interval": (2, 9, 16, 22, 28, 35),
            "cell": (2, 9, 17, 24, 30, 39),
            "random": (6, 19, 21, 27, 30, 36),
            "sieve": (9, 13, 17, 22, 31, 39),
        }
        assert "mus-select/1" in mus_select(values, n=6, seed=1).algorithm

    def test_round_trip_and_reprs(self) -> None:
        """The selection survives JSON and renders as Markdown and HTML."""
        s = mus_select(VALUES, n=5, seed=11, ids=[f"C{i}" for i in range(len(VALUES))], method="cell")
        assert from_json(to_json(s), MonetarySelection) == s
        assert "C2" in s._repr_markdown_()
        assert "<table>" in s._repr_html_()

    def test_large_population(self) -> None:
        """10**6 items: every method returns n units from numpy arrays."""
        rng = np.random.default_rng(0)
        values = rng.lognormal(6, 1.5, 10**6)
        for method in MUS_METHODS:
            s = mus_select(values, n=500, seed=4, method=method)
            assert len(s.certainty_items) + s.remaining_units == 500


class TestRefusals:
    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"values": [1.0, float("nan")], "n": 1}, "$.values[1]"),
            ({"values": [1.0, True], "n": 1}, "$.values[1]"),
            ({"values": [1.0, "2"], "n": 1}, "$.values[1]"),
            ({"values": [1.0, float("inf")], "n": 1}, "$.values[1]"),
            ({"values": np.array([1.0, np.nan]), "n": 1}, "$.values[1]"),
            ({"values": [-1.0, 0.0], "n": 1}, "$.values"),
            ({"values": [], "n": 1}, "$.values"),
            ({"values": [1.0], "n": 0}, "$.n"),
            ({"values": [1.0], "n": 1, "interval": 1.0}, "$.n"),
            ({"values": [1.0]}, "$.n"),
            ({"values": [1.0], "interval": 0.5, "method": "random"}, "$.interval"),
            ({"values": [1.0], "interval": 0.5, "method": "sieve"}, "$.interval"),
            ({"values": [1.0], "interval": 0.0}, "$.interval"),
            ({"values": [1.0, 2.0], "n": 1, "method": "cell", "start": 0.0}, "$.start"),
            ({"values": [1.0, 2.0], "n": 1, "method": "systematic"}, "$.method"),
            ({"values": [1.0, 2.0], "n": 1, "ids": ["a"]}, "$.ids"),
            ({"values": [1.0, 2.0], "n": 1, "ids": ["a", "a"]}, "$.ids"),
            ({"values": [1.0, 2.0], "n": 1, "seed": -1}, "$.seed"),
            ({"values": [1.0, 2.0], "n": 3, "method": "sieve", "certainty": False}, "$.n"),
            ({"values": [1.0, 2.0], "n": 1, "certainty": 1}, "$.certainty"),
        ],
    )
    def test_bad_input_names_its_path(self, kwargs: dict[str, object], path: str) -> None:
        """Bad input raises ValidationError naming the parameter path."""
        kwargs.setdefault("seed", 0)
        with pytest.raises(ValidationError) as err:
            mus_select(**kwargs)  # type: ignore[arg-type]
        assert err.value.issues[0].path == path


@st.composite
def populations(draw: st.DrawFn) -> tuple[list[float], int]:
    values = draw(
        st.lists(
            st.one_of(
                st.floats(0.01, 1e6, allow_nan=False),
                st.sampled_from([0.0, -5.0]),
                st.integers(1, 10**5).map(float),
            ),
            min_size=1,
            max_size=60,
        ).filter(lambda vs: any(v > 0 for v in vs))
    )
    n = draw(st.integers(1, 30))
    return values, n


class TestProperties:
    @given(pop=populations(), seed=st.integers(0, 2**128 - 1), method=st.sampled_from(MUS_METHODS))
    def test_reproducible(self, pop: tuple[list[float], int], seed: int, method: str) -> None:
        """The same inputs give the same selection."""
        values, n = pop
        positive = sum(v > 0 for v in values)
        if method == "sieve":
            n = min(n, positive)
        assert mus_select(values, n, seed, method=method) == mus_select(values, n, seed, method=method)

    @given(pop=populations(), seed=st.integers(0, 2**64), method=st.sampled_from(MUS_METHODS))
    def test_structure(self, pop: tuple[list[float], int], seed: int, method: str) -> None:
        """Certainty items hold every item >= V / n; n units in all; no non-positive item is ever selected;
        cell selection puts one unit in each cell; the rest holds no item >= its interval."""
        values, n = pop
        if method == "sieve":
            n = min(n, sum(v > 0 for v in values))
        s = mus_select(values, n, seed, method=method)
        total = s.population_value
        assert {i for i, v in enumerate(values, 1) if v >= total / n} <= set(s.certainty_items)
        assert all(values[int(i) - 1] > 0 for i in s.items + s.certainty_items)
        assert set(s.excluded_items) == {i for i, v in enumerate(values, 1) if v <= 0}
        if s.remaining_size:
            assert len(s.certainty_items) + s.remaining_units == n
        else:  # the top stratum holds every positive item
            assert len(s.certainty_items) == sum(v > 0 for v in values)
        if s.remaining_interval is not None:
            assert all(b < s.remaining_interval for b in s.book_values)
        if method in ("interval", "cell", "random"):
            assert sum(s.hits) == len(s.units) == s.remaining_units
        if method == "cell" and s.remaining_interval is not None:
            width = s.remaining_interval
            assert all(k * width <= u < (k + 1) * width * (1 + 1e-12) for k, u in enumerate(s.units))
        if method in ("interval", "random", "sieve"):
            assert set(s.hits) <= {1}
