"""Valid example calls of the Bayesian, acceptance-sampling and CIA names of comanaged_rcm.sampling."""

from __future__ import annotations

from collections.abc import Callable

from comanaged_rcm.sampling import (
    acceptance_plan,
    bayesian_evaluate,
    bayesian_prior,
    bayesian_sample_size,
    cia_discovery_review,
    cia_probe_review,
)
from tests.fuzz.examples_sampling import _fields
from tests.fuzz.probes import Call

_PRIOR = bayesian_prior(kind="impartial", likelihood="binomial", materiality=0.05)
_BAYES_PLAN = bayesian_sample_size(materiality=0.05, confidence=0.9, prior=_PRIOR)
_BAYES_EVALUATION = bayesian_evaluate(n=40, errors=1, confidence=0.9, materiality=0.05, prior=_PRIOR)
_ACCEPTANCE = acceptance_plan(lot_size=1_000, aql=2.5)
_DISCOVERY = cia_discovery_review([100.0] * 50, [6.0] + [0.0] * 49)
_PROBE = cia_probe_review([0.0] * 20 + [50.0] * 10, population_size=5_000)

_P = "comanaged_rcm.sampling"

EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.Prior": _fields(_PRIOR),
    f"{_P}.BayesianPlan": _fields(_BAYES_PLAN),
    f"{_P}.BayesianEvaluation": _fields(_BAYES_EVALUATION),
    f"{_P}.AcceptancePlan": _fields(_ACCEPTANCE),
    f"{_P}.DiscoveryReview": _fields(_DISCOVERY),
    f"{_P}.ProbeReview": _fields(_PROBE),
    f"{_P}.bayesian_prior": lambda: Call(
        kwargs={"kind": "sample", "likelihood": "poisson", "materiality": 0.05, "n": 30, "x": 1}
    ),
    f"{_P}.bayesian_sample_size": lambda: Call(
        kwargs={"materiality": 0.05, "confidence": 0.9, "expected": 1, "likelihood": "binomial", "max": 400}
    ),
    f"{_P}.bayesian_evaluate": lambda: Call(
        kwargs={"n": 60, "errors": 1, "confidence": 0.9, "materiality": 0.05, "likelihood": "poisson"}
    ),
    f"{_P}.acceptance_plan": lambda: Call(
        kwargs={"lot_size": 500, "aql": 1.0, "level": "I", "inspection": "tightened"}
    ),
    f"{_P}.acceptance_probability": lambda: Call(
        kwargs={"n": 50, "accept": 1, "rate": 0.02, "lot_size": 400}
    ),
    f"{_P}.code_letter": lambda: Call(kwargs={"lot_size": 1_000, "level": "II"}),
    f"{_P}.cia_discovery_review": lambda: Call(
        args=([100.0] * 50, [5.0] + [0.0] * 49), kwargs={"threshold": 0.05}
    ),
    f"{_P}.cia_probe_review": lambda: Call(
        args=([0.0] * 20 + [50.0] * 10,),
        kwargs={"population_size": 5_000, "confidence": 0.9, "precision": 0.25},
    ),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.AcceptancePlan.probability_of_acceptance": lambda: (
        _ACCEPTANCE,
        "probability_of_acceptance",
        Call(args=(0.02,), kwargs={"finite": True}),
    ),
    f"{_P}.Prior._repr_html_": lambda: (_PRIOR, "_repr_html_", Call()),
    f"{_P}.BayesianPlan._repr_markdown_": lambda: (_BAYES_PLAN, "_repr_markdown_", Call()),
}
