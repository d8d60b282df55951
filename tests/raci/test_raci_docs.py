from __future__ import annotations

import doctest
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "raci.md"


class TestGuide:
    def test_guide_examples_run(self) -> None:
        """Every example of the guide runs and prints what the guide shows."""
        result = doctest.testfile(
            str(GUIDE),
            module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
            verbose=False,
        )
        assert result.attempted >= 15
        assert result.failed == 0
