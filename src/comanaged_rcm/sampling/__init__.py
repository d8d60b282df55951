"""QA audit sampling: plan sample sizes, select items reproducibly, evaluate what was found."""

from __future__ import annotations

from comanaged_rcm.sampling._engine import attribute_sample_size, attribute_upper_limit, proportion_interval
from comanaged_rcm.sampling._models import AttributeEvaluation, AttributePlan, Interval, Method, Selection
from comanaged_rcm.sampling._select import select

__all__ = [
    "AttributeEvaluation",
    "AttributePlan",
    "Interval",
    "Method",
    "Selection",
    "attribute_sample_size",
    "attribute_upper_limit",
    "proportion_interval",
    "select",
]
