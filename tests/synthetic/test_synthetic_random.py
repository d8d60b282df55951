"""Reproducible draws: fixed formulas over raw PCG64 words and a counter-based SplitMix64."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.synthetic._random import STREAMS, Draws, categorical_of, counter_uniform

MASK = 2**64 - 1


def splitmix64(key: int, counter: int) -> float:
    """The reference SplitMix64 output ``counter`` from ``key``, in pure Python."""
    z = (key + counter * 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    z ^= z >> 31
    return ((z >> 11) + 0.5) * 2.0**-53


class TestDraws:
    def test_streams_are_stable_and_independent(self) -> None:
        """Stream ids never move; each stream is its own sequence; a longer draw extends a shorter one."""
        assert STREAMS["payer"] == 1
        assert STREAMS["audit"] == len(STREAMS)
        draws = Draws(7)
        assert not np.array_equal(draws.uniform("payer", 5), draws.uniform("team", 5))
        assert np.array_equal(draws.uniform("payer", 5), draws.uniform("payer", 9)[:5])
        assert np.array_equal(Draws(7).raw("lines", 3), draws.raw("lines", 3))

    def test_uniform_strictly_inside_the_unit_interval(self) -> None:
        """Uniforms are in (0, 1), and their mean is about one half."""
        u = Draws(1).uniform("service_day", 100_000)
        assert 0 < u.min() < u.max() < 1
        assert abs(u.mean() - 0.5) < 0.01

    def test_distributions(self) -> None:
        """Exponential, normal and Bernoulli draws have their expected means."""
        draws = Draws(2)
        assert abs(draws.exponential("bill_lag", 100_000, 3.0).mean() - 3.0) < 0.05
        normal = draws.normal("line_charge", 100_000)
        assert abs(normal.mean()) < 0.02
        assert abs(normal.std() - 1) < 0.02
        assert abs(draws.bernoulli("clean", 100_000, 0.25).mean() - 0.25) < 0.01

    def test_categorical(self) -> None:
        """Categories follow the (unnormalised) weights; a zero weight is never drawn."""
        index = Draws(3).categorical("payer", 100_000, [2.0, 0.0, 6.0])
        assert set(np.unique(index).tolist()) == {0, 2}
        assert abs((index == 0).mean() - 0.25) < 0.01
        assert categorical_of(np.array([0.1, 0.5, 0.9]), [1, 1]).tolist() == [0, 1, 1]


class TestCounterUniform:
    @given(key=st.integers(0, MASK), counters=st.lists(st.integers(0, 2**40), max_size=20))
    def test_matches_reference_splitmix64(self, key: int, counters: list[int]) -> None:
        """Each value is SplitMix64's output at its counter, whatever else is asked for."""
        values = counter_uniform(key, np.array(counters, dtype=np.uint64))
        assert values.tolist() == [splitmix64(key, c) for c in counters]

    def test_keys_give_other_sequences(self) -> None:
        """Different keys (seeds, workflows) give unrelated sequences."""
        counters = np.arange(1, 1001, dtype=np.uint64)
        a, b = counter_uniform(1, counters), counter_uniform(2, counters)
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.1
        assert not np.array_equal(a, b)
