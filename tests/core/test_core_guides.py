"""Every guide's ``>>>`` examples run as written and print what the guide shows."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

GUIDES = Path(__file__).resolve().parents[2] / "docs" / "guides"
EXAMPLES = sorted(path for path in GUIDES.glob("*.md") if ">>> " in path.read_text(encoding="utf-8"))


def test_the_guides_with_examples_are_found() -> None:
    """The guides that teach by example are all collected (a renamed folder would skip them)."""
    assert {path.stem for path in EXAMPLES} >= {"embedding", "raci", "sampling", "synthetic"}


@pytest.mark.parametrize("guide", EXAMPLES, ids=lambda path: path.stem)
def test_examples_run(guide: Path) -> None:
    """Each example gives the output shown, and there are examples to run."""
    result = doctest.testfile(
        str(guide),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted >= 5
    assert result.failed == 0
