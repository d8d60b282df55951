"""Valid example calls of the monetary unit sampling names of comanaged_rcm.sampling, for the fuzz test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from comanaged_rcm.sampling._mus import mus_select
from comanaged_rcm.sampling._mus_eval import mus_estimate, mus_evaluate
from tests.fuzz.probes import Call

_VALUES = [120.0, 45.5, 3000.0, 0.0, 810.25, -60.0, 77.0, 402.0, 1999.0, 5.0, 640.0, 233.3]
_IDS = [f"C{i}" for i in range(len(_VALUES))]
_BOOK = [100.0, 250.0, 400.0, 80.0, 120.0, 60.0]
_AUDIT = [100.0, 200.0, 450.0, 80.0, 0.0, 60.0]

# Results built once: every model is frozen, so the examples share them safely.
_SELECTION = mus_select(_VALUES, n=5, seed=11, ids=_IDS, method="cell")
_EVALUATION = mus_evaluate(
    _BOOK,
    _AUDIT,
    0.9,
    times=[1, 2, 1, 1, 1, 1],
    method="stringer.meikle",
    population_value=5e4,
    tolerable_rate=0.2,
)
_ESTIMATE = mus_estimate(
    _BOOK, _AUDIT, 300, 0.9, method="regression", population_value=5e4, sides="two-sided"
)


def _fields(result: object) -> Callable[[], Call]:
    """The constructor call that rebuilds ``result``, every field by keyword."""

    def call() -> Call:
        return Call(kwargs=attrs.asdict(result, recurse=False))  # type: ignore[arg-type]

    return call


_P = "comanaged_rcm.sampling"

EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.MonetarySelection": _fields(_SELECTION),
    f"{_P}.MusEstimate": _fields(_ESTIMATE),
    f"{_P}.MusEvaluation": _fields(_EVALUATION),
    f"{_P}.mus_estimate": lambda: Call(
        kwargs={
            "book": list(_BOOK),
            "audit": list(_AUDIT),
            "population_size": 300,
            "confidence": 0.9,
            "method": "regression",
            "population_value": 5e4,
            "sides": "two-sided",
            "fpc": True,
        }
    ),
    f"{_P}.mus_evaluate": lambda: Call(
        kwargs={
            "book": list(_BOOK),
            "audit": list(_AUDIT),
            "confidence": 0.9,
            "times": [1, 2, 1, 1, 1, 1],
            "method": "stringer.hypergeometric",
            "population_value": 5e4,
            "tolerable_rate": 0.2,
        }
    ),
    f"{_P}.mus_select": lambda: Call(
        kwargs={
            "values": list(_VALUES),
            "n": 5,
            "seed": 11,
            "ids": list(_IDS),
            "method": "interval",
            "certainty": True,
            "start": 10.0,
        }
    ),
    f"{_P}.stringer_bound": lambda: Call(
        kwargs={
            "taints": [0.5, -0.25, 1.0],
            "sample_size": 40,
            "confidence": 0.9,
            "method": "cell.binomial",
            "population_value": 5e4,
            "tolerable_rate": 0.2,
        }
    ),
    f"{_P}.taints": lambda: Call(kwargs={"book": list(_BOOK), "audit": list(_AUDIT)}),
}

_RESULTS: dict[str, Any] = {
    "MonetarySelection": _SELECTION,
    "MusEstimate": _ESTIMATE,
    "MusEvaluation": _EVALUATION,
}


def _method(result: object, name: str) -> Callable[[], tuple[object, str, Call]]:
    """The call of ``result.<name>()``."""

    def call() -> tuple[object, str, Call]:
        return result, name, Call()

    return call


METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    **{f"{_P}.{name}._repr_html_": _method(result, "_repr_html_") for name, result in _RESULTS.items()},
    **{f"{_P}.{name}.__repr__": _method(result, "__repr__") for name, result in _RESULTS.items()},
    f"{_P}.MonetarySelection._repr_markdown_": _method(_SELECTION, "_repr_markdown_"),
}
