"""The errors page shows real messages: its examples run and print what it shows."""

from __future__ import annotations

import doctest
from pathlib import Path

import comanaged_rcm.errors

PAGE = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def test_every_error_class_has_an_example() -> None:
    """Each public error class, and the command line's, appears in an example on the page."""
    text = PAGE.read_text(encoding="utf-8")
    for name in comanaged_rcm.errors.__all__:
        if name not in {"Issue", "RCMError"}:
            assert f"comanaged_rcm.errors.{name}:" in text, name
    assert "comanaged-rcm engagement: error:" in text


def test_examples_run() -> None:
    """The page's examples give the messages it shows."""
    result = doctest.testfile(
        str(PAGE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted >= 8
    assert result.failed == 0
