"""QA audit sampling: plan sample sizes, select items reproducibly, evaluate what was found."""

from __future__ import annotations

from comanaged_rcm.sampling._allocate import allocate
from comanaged_rcm.sampling._engine import attribute_sample_size, attribute_upper_limit, proportion_interval
from comanaged_rcm.sampling._models import AttributeEvaluation, AttributePlan, Interval, Method, Selection
from comanaged_rcm.sampling._monetary import (
    MonetaryEvaluation,
    MonetaryPlan,
    monetary_sample_size,
    monetary_upper_limit,
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
    "PRESETS",
    "Appraisal",
    "AttributeEvaluation",
    "AttributePlan",
    "Interval",
    "Limits",
    "Method",
    "MonetaryEvaluation",
    "MonetaryPlan",
    "Preset",
    "Selection",
    "VariablesPlan",
    "allocate",
    "attribute_sample_size",
    "attribute_upper_limit",
    "difference_estimate",
    "discovery_sample_size",
    "mean_per_unit",
    "monetary_sample_size",
    "monetary_upper_limit",
    "proportion_interval",
    "ratio_estimate",
    "select",
    "stratified_appraisal",
    "variables_sample_size",
]
