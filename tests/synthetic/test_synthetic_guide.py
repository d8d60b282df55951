"""The synthetic-book guide's examples run as written."""

from __future__ import annotations

import doctest
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "synthetic.md"


class TestGuide:
    def test_guide_examples(self) -> None:
        """Every >>> example in docs/guides/synthetic.md gives the output shown."""
        result = doctest.testfile(
            str(GUIDE), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False
        )
        assert result.attempted > 0
        assert result.failed == 0
