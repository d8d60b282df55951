"""Valid example calls of the array intervals and binomial tests of comanaged_rcm.sampling, for the fuzz test.

``proportion_interval`` keeps its example in ``examples_sampling.py``; its probes (lists, arrays,
Series in every argument) reach the array path from there.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from comanaged_rcm.sampling._intervals import binomial_test, proportion_interval
from tests.fuzz.probes import Call

_P = "comanaged_rcm.sampling"

# Results built once: every model is frozen (and its arrays read-only), so the examples share them.
_ARRAY = proportion_interval(
    successes=[1, 3, 0], n=[30, 30, 20], confidence=0.9, method="wilson", population=200
)
_TEST = binomial_test(successes=3, n=15, p0=0.1, alternative="greater")
_TESTS = binomial_test(successes=[3, 0, 7], n=15, p0=[0.1, 0.1, 0.5], alternative="two-sided")


def _fields(result: object) -> Callable[[], Call]:
    """The constructor call that rebuilds ``result``, every field by keyword."""

    def call() -> Call:
        return Call(kwargs=attrs.asdict(result, recurse=False))  # type: ignore[arg-type]

    return call


def _method(result: object, name: str, call: Call | None = None) -> Callable[[], tuple[object, str, Call]]:
    """The call of ``result.<name>(...)``."""

    def make() -> tuple[object, str, Call]:
        return result, name, call or Call()

    return make


EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.BinomialTest": _fields(_TEST),
    f"{_P}.BinomialTestArray": _fields(_TESTS),
    f"{_P}.IntervalArray": _fields(_ARRAY),
    f"{_P}.binomial_test": lambda: Call(
        kwargs={"successes": [3, 0], "n": [15, 15], "p0": 0.1, "alternative": "two-sided"}
    ),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.IntervalArray.__getitem__": _method(_ARRAY, "__getitem__", Call(kwargs={"key": 1})),
    f"{_P}.IntervalArray.to_rows": _method(_ARRAY, "to_rows"),
    f"{_P}.IntervalArray.__repr__": _method(_ARRAY, "__repr__"),
    f"{_P}.IntervalArray._repr_html_": _method(_ARRAY, "_repr_html_"),
    f"{_P}.IntervalArray._repr_markdown_": _method(_ARRAY, "_repr_markdown_"),
    f"{_P}.BinomialTestArray.__getitem__": _method(_TESTS, "__getitem__", Call(kwargs={"key": 0})),
    f"{_P}.BinomialTestArray.to_rows": _method(_TESTS, "to_rows"),
    f"{_P}.BinomialTestArray.__repr__": _method(_TESTS, "__repr__"),
    f"{_P}.BinomialTestArray._repr_html_": _method(_TESTS, "_repr_html_"),
    f"{_P}.BinomialTest.__repr__": _method(_TEST, "__repr__"),
    f"{_P}.BinomialTest._repr_html_": _method(_TEST, "_repr_html_"),
}
