"""Valid example calls of every public callable of comanaged_rcm.sampling, for the API-wide fuzz test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from comanaged_rcm.sampling import (
    PRESETS,
    attribute_sample_size,
    attribute_upper_limit,
    difference_estimate,
    mean_per_unit,
    monetary_sample_size,
    monetary_upper_limit,
    proportion_interval,
    select,
    variables_sample_size,
)
from tests.fuzz.probes import Call

# Results built once: every model is frozen, so the examples share them safely.
_PLAN = attribute_sample_size(
    confidence=0.9,
    tolerable_rate=0.1,
    expected_rate=0.02,
    population=200,
    method="hypergeometric",
    min_precision=0.2,
    max=400,
)
_EVALUATION = attribute_upper_limit(sample_size=30, deviations=1, confidence=0.9, tolerable_rate=0.1)
_INTERVAL = proportion_interval(successes=3, n=30, confidence=0.9, population=200, method="clopper-pearson")
_SELECTION = select(population=[f"C{i}" for i in range(12)], n=4, seed=7, strata=["a", "b"] * 6)
_MONETARY_PLAN = monetary_sample_size(confidence=0.9, tolerable_rate=0.1, population_value=5_000.0)
_MONETARY_EVALUATION = monetary_upper_limit(
    sample_size=20,
    taints=[0.5, 0.25],
    confidence=0.9,
    method="stringer",
    population_value=5_000.0,
    tolerable_rate=0.2,
)
_MPU = mean_per_unit(values=[10.0, 20.0, 35.0], population=40, confidence=0.9)
_DIFF = difference_estimate(
    audited=[90.0, 100.0, 45.0], book=[100.0, 100.0, 50.0], population=30, book_total=2_500.0, confidence=0.9
)
_VARIABLES_PLAN = variables_sample_size(population=500, std_dev=40.0, precision=2_000.0, confidence=0.9)
_PRESET = PRESETS["oig-cia-discovery"]


def _fields(result: object) -> Callable[[], Call]:
    """The constructor call that rebuilds ``result``, every field by keyword."""

    def call() -> Call:
        return Call(kwargs=attrs.asdict(result, recurse=False))  # type: ignore[arg-type]

    return call


_P = "comanaged_rcm.sampling"

EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.Appraisal": _fields(_MPU),
    f"{_P}.AttributeEvaluation": _fields(_EVALUATION),
    f"{_P}.AttributePlan": _fields(_PLAN),
    f"{_P}.Interval": _fields(_INTERVAL),
    f"{_P}.Limits": _fields(_MPU.limits[0]),
    f"{_P}.MonetaryEvaluation": _fields(_MONETARY_EVALUATION),
    f"{_P}.MonetaryPlan": _fields(_MONETARY_PLAN),
    f"{_P}.Preset": _fields(_PRESET),
    f"{_P}.Selection": _fields(_SELECTION),
    f"{_P}.VariablesPlan": _fields(_VARIABLES_PLAN),
    f"{_P}.allocate": lambda: Call(
        kwargs={
            "total": 10,
            "sizes": [50, 30, 20],
            "method": "neyman",
            "stdevs": [5.0, 10.0, 2.0],
            "minimum": 1,
        }
    ),
    f"{_P}.attribute_sample_size": lambda: Call(
        kwargs={
            "confidence": 0.9,
            "tolerable_rate": 0.1,
            "expected_rate": 0.02,
            "population": 200,
            "method": "hypergeometric",
            "min_precision": 0.2,
            "max": 400,
        }
    ),
    f"{_P}.attribute_upper_limit": lambda: Call(
        kwargs={
            "sample_size": 30,
            "deviations": 1,
            "confidence": 0.9,
            "population": 200,
            "method": "hypergeometric",
            "tolerable_rate": 0.1,
        }
    ),
    f"{_P}.difference_estimate": lambda: Call(
        kwargs={
            "audited": [90.0, 100.0, 45.0],
            "book": [100.0, 100.0, 50.0],
            "population": 30,
            "book_total": 2_500.0,
            "confidence": 0.9,
            "sides": "two-sided",
        }
    ),
    f"{_P}.discovery_sample_size": lambda: Call(
        kwargs={"confidence": 0.9, "rate": 0.1, "population": 200, "max": 400}
    ),
    f"{_P}.mean_per_unit": lambda: Call(
        kwargs={"values": [10.0, 20.0, 35.0], "population": 40, "confidence": 0.9, "sides": "lower"}
    ),
    f"{_P}.monetary_sample_size": lambda: Call(
        kwargs={
            "confidence": 0.9,
            "tolerable_rate": 0.1,
            "expected": 2,
            "population_value": 5_000.0,
            "method": "hypergeometric",
            "min_precision": 0.2,
            "max": 400,
        }
    ),
    f"{_P}.monetary_upper_limit": lambda: Call(
        kwargs={
            "sample_size": 20,
            "taints": [0.5, 0.25],
            "confidence": 0.9,
            "method": "stringer",
            "population_value": 5_000.0,
            "tolerable_rate": 0.2,
        }
    ),
    f"{_P}.proportion_interval": lambda: Call(
        kwargs={
            "successes": 3,
            "n": 30,
            "confidence": 0.9,
            "method": "clopper-pearson",
            "sides": "two-sided",
            "population": 200,
        }
    ),
    f"{_P}.ratio_estimate": lambda: Call(
        kwargs={
            "audited": [90.0, 100.0, 45.0],
            "book": [100.0, 100.0, 50.0],
            "population": 30,
            "book_total": 2_500.0,
            "confidence": 0.9,
            "sides": "upper",
        }
    ),
    f"{_P}.select": lambda: Call(
        kwargs={
            "population": [f"C{i}" for i in range(12)],
            "n": 4,
            "seed": 7,
            "strata": ["a", "b"] * 6,
            "method": "systematic",
        }
    ),
    f"{_P}.stratified_appraisal": lambda: Call(
        kwargs={"strata": [_MPU, _DIFF], "confidence": 0.9, "sides": "two-sided", "df": "satterthwaite"}
    ),
    f"{_P}.variables_sample_size": lambda: Call(
        kwargs={
            "population": 500,
            "std_dev": 40.0,
            "precision": 0.25,
            "confidence": 0.9,
            "mean": 30.0,
            "sides": "two-sided",
            "distribution": "t",
        }
    ),
}

_RESULTS: dict[str, Any] = {
    "Appraisal": _MPU,
    "AttributeEvaluation": _EVALUATION,
    "AttributePlan": _PLAN,
    "Interval": _INTERVAL,
    "MonetaryEvaluation": _MONETARY_EVALUATION,
    "MonetaryPlan": _MONETARY_PLAN,
    "Selection": _SELECTION,
    "VariablesPlan": _VARIABLES_PLAN,
}


def _method(result: object, name: str) -> Callable[[], tuple[object, str, Call]]:
    """The call of ``result.<name>()``."""

    def call() -> tuple[object, str, Call]:
        return result, name, Call()

    return call


METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    **{f"{_P}.{name}._repr_html_": _method(result, "_repr_html_") for name, result in _RESULTS.items()},
    **{
        f"{_P}.{name}.__repr__": _method(result, "__repr__")
        for name, result in {**_RESULTS, "Limits": _MPU.limits[0], "Preset": _PRESET}.items()
    },
}
