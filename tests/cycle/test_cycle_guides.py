"""The embedding guide's examples run as written and print what the guide shows."""

from __future__ import annotations

import doctest
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "embedding.md"


class TestEmbeddingGuide:
    def test_examples_run(self) -> None:
        """Every >>> example in docs/guides/embedding.md gives the output shown."""
        result = doctest.testfile(
            str(GUIDE), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False
        )
        assert result.attempted >= 25
        assert result.failed == 0
