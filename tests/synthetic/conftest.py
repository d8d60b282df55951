"""Books shared by the synthetic-book tests (generated once per session; treat them as read-only)."""

from __future__ import annotations

import pytest

from comanaged_rcm.synthetic import SyntheticBook, generate_book


@pytest.fixture(scope="session")
def book() -> SyntheticBook:
    """The default book (5000 claims over 26 weeks) of seed 3."""
    return generate_book(seed=3)


@pytest.fixture(scope="session")
def small_book() -> SyntheticBook:
    """A small book: 400 claims over 8 weeks."""
    return generate_book(seed=11, claims=400, weeks=8)
