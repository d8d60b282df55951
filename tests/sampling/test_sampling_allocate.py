"""Allocation of a total sample across strata."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling import allocate


class TestAllocate:
    def test_textbook(self) -> None:
        """Cochran (1977) s5.5 style: Neyman weights N_h S_h; 100 over N=(500,300,200), S=(10,20,40)."""
        assert allocate(100, [500, 300, 200], "neyman", stdevs=[10, 20, 40]) == (26, 32, 42)
        assert allocate(90, [500, 300, 200], "equal") == (30, 30, 30)
        assert allocate(10, [1000, 10, 5], minimum=3) == (4, 3, 3)

    def test_caps(self) -> None:
        """No stratum gets more than its population; the rest moves to the others."""
        assert allocate(60, [1000, 5, 5], "equal") == (50, 5, 5)

    @settings(max_examples=50, deadline=None)
    @given(sizes=st.lists(st.integers(1, 500), min_size=1, max_size=6), data=st.data())
    def test_sums(self, sizes: list[int], data: st.DataObject) -> None:
        """Allocations sum to the total and respect 0 <= n_h <= N_h and the minimum."""
        total = data.draw(st.integers(1, sum(sizes)))
        minimum = data.draw(st.integers(0, total // len(sizes)))
        method = data.draw(st.sampled_from(["proportional", "equal", "neyman"]))
        stdevs = data.draw(st.lists(st.floats(0.1, 100), min_size=len(sizes), max_size=len(sizes)))
        got = allocate(total, sizes, method, stdevs=stdevs, minimum=minimum)
        assert sum(got) == total
        assert all(min(minimum, c) <= g <= c for g, c in zip(got, sizes, strict=True))

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"total": 0, "sizes": [5]}, "$.total"),
            ({"total": 10, "sizes": [5]}, "$.total"),
            ({"total": 5, "sizes": [5], "method": "x"}, "$.method"),
            ({"total": 5, "sizes": [5, 5], "minimum": 3}, "$.minimum"),
            ({"total": 5, "sizes": [5, 5], "method": "neyman"}, "$.stdevs"),
            ({"total": 5, "sizes": [5, 5], "method": "neyman", "stdevs": [0, 0]}, "$.stdevs"),
            ({"total": 5, "sizes": [5, 0]}, "$.sizes[1]"),
            ({"total": 8, "sizes": [5, 5], "method": "neyman", "stdevs": [1, 0]}, "$.stdevs"),
        ],
    )
    def test_errors(self, kwargs: dict[str, object], path: str) -> None:
        """Bad allocation inputs name the field."""
        with pytest.raises(ValidationError) as info:
            allocate(**kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path

    def test_neyman_single_stratum_float_edge(self) -> None:
        """Regression: one stratum of 63 with S = 0.1 takes all 63 (cap / weight rounding no longer
        makes the stratum look unable to absorb the total)."""
        assert allocate(63, [63], "neyman", stdevs=[0.1]) == (63,)
