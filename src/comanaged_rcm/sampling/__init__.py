"""QA audit sampling: plan sample sizes, select items reproducibly, evaluate what was found."""

from __future__ import annotations

from comanaged_rcm.sampling._acceptance import (
    AQLS,
    INSPECTION_LEVELS,
    AcceptancePlan,
    acceptance_plan,
    acceptance_probability,
    code_letter,
)
from comanaged_rcm.sampling._allocate import allocate
from comanaged_rcm.sampling._bayes import (
    PRIOR_KINDS,
    BayesianEvaluation,
    BayesianPlan,
    Prior,
    bayesian_evaluate,
    bayesian_prior,
    bayesian_sample_size,
)
from comanaged_rcm.sampling._cia import (
    DISCOVERY_SAMPLE_SIZE,
    DiscoveryReview,
    ProbeReview,
    cia_discovery_review,
    cia_probe_review,
)
from comanaged_rcm.sampling._engine import attribute_sample_size, attribute_upper_limit
from comanaged_rcm.sampling._intervals import (
    ALTERNATIVES,
    INTERVAL_ALIASES,
    BinomialTest,
    BinomialTestArray,
    IntervalArray,
    binomial_test,
    proportion_interval,
)
from comanaged_rcm.sampling._models import AttributeEvaluation, AttributePlan, Interval, Method, Selection
from comanaged_rcm.sampling._monetary import (
    MonetaryEvaluation,
    MonetaryPlan,
    monetary_sample_size,
    monetary_upper_limit,
)
from comanaged_rcm.sampling._mus import MUS_METHODS, MonetarySelection, mus_select
from comanaged_rcm.sampling._mus_eval import (
    BOUND_METHODS,
    ESTIMATORS,
    MusEstimate,
    MusEvaluation,
    mus_estimate,
    mus_evaluate,
    stringer_bound,
    taints,
)
from comanaged_rcm.sampling._select import select
from comanaged_rcm.sampling._variables import (
    PRESETS,
    Appraisal,
    Limits,
    Preset,
    VariablesPlan,
    difference_estimate,
    discovery_sample_size,
    mean_per_unit,
    ratio_estimate,
    stratified_appraisal,
    variables_sample_size,
)

__all__ = [
    "ALTERNATIVES",
    "AQLS",
    "BOUND_METHODS",
    "DISCOVERY_SAMPLE_SIZE",
    "ESTIMATORS",
    "INSPECTION_LEVELS",
    "INTERVAL_ALIASES",
    "MUS_METHODS",
    "PRESETS",
    "PRIOR_KINDS",
    "AcceptancePlan",
    "Appraisal",
    "AttributeEvaluation",
    "AttributePlan",
    "BayesianEvaluation",
    "BayesianPlan",
    "BinomialTest",
    "BinomialTestArray",
    "DiscoveryReview",
    "Interval",
    "IntervalArray",
    "Limits",
    "Method",
    "MonetaryEvaluation",
    "MonetaryPlan",
    "MonetarySelection",
    "MusEstimate",
    "MusEvaluation",
    "Preset",
    "Prior",
    "ProbeReview",
    "Selection",
    "VariablesPlan",
    "acceptance_plan",
    "acceptance_probability",
    "allocate",
    "attribute_sample_size",
    "attribute_upper_limit",
    "bayesian_evaluate",
    "bayesian_prior",
    "bayesian_sample_size",
    "binomial_test",
    "cia_discovery_review",
    "cia_probe_review",
    "code_letter",
    "difference_estimate",
    "discovery_sample_size",
    "mean_per_unit",
    "monetary_sample_size",
    "monetary_upper_limit",
    "mus_estimate",
    "mus_evaluate",
    "mus_select",
    "proportion_interval",
    "ratio_estimate",
    "select",
    "stratified_appraisal",
    "stringer_bound",
    "taints",
    "variables_sample_size",
]
