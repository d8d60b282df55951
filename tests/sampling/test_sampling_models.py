"""The attribute plan model: every planning field validated at construction, and from JSON alike."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pytest

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._engine import DEFAULT_MAX, attribute_sample_size
from comanaged_rcm.sampling._models import EXPECTED_KINDS, AttributePlan, Method
from comanaged_rcm.serialize import from_json, to_json

_PLAN = attribute_sample_size(0.95, 0.05, expected=2, min_precision=0.06, max=900)
_PRECISION_ONLY = attribute_sample_size(0.95, min_precision=0.02, population=1000, method="hypergeometric")


def _issue(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.issues[0].path, info.value.issues[0].message


class TestPlanningFields:
    def test_fields(self) -> None:
        """A plan carries its expected kind, minimum precision, cap, upper bound and precision."""
        assert (_PLAN.expected_kind, _PLAN.min_precision, _PLAN.max) == ("count", 0.06, 900)
        assert _PLAN.upper_bound is not None
        assert _PLAN.precision == pytest.approx(_PLAN.upper_bound - 2 / _PLAN.sample_size)
        assert EXPECTED_KINDS == ("rate", "count")
        assert DEFAULT_MAX == 5000

    @pytest.mark.parametrize(
        ("changes", "path", "words"),
        [
            ({"expected_kind": "fraction"}, "$.expected_kind", "one of"),
            ({"expected_kind": 1}, "$.expected_kind", ""),
            ({"min_precision": 1.0}, "$.min_precision", "(0, 1)"),
            ({"min_precision": 0.0}, "$.min_precision", "(0, 1)"),
            ({"min_precision": math.nan}, "$.min_precision", ""),
            ({"max": 0}, "$.max", ">= 1"),
            ({"max": 2.5}, "$.max", ""),
            ({"max": True}, "$.max", ""),
            ({"upper_bound": -0.01}, "$.upper_bound", ">= 0"),
            ({"upper_bound": math.nan}, "$.upper_bound", "finite"),
            ({"precision": math.inf}, "$.precision", "finite"),
            ({"precision": "0.1"}, "$.precision", ""),
            ({"tolerable_rate": 1.0}, "$.tolerable_rate", "(0, 1)"),
            ({"achieved_risk": 1.5}, "$.achieved_risk", ""),
        ],
    )
    def test_each_field_validated(self, changes: dict[str, Any], path: str, words: str) -> None:
        """A bad planning field is refused at construction, naming the field."""
        where, message = _issue(lambda: attrs.evolve(_PLAN, **changes))
        assert where == path
        assert words in message

    def test_edges_accepted(self) -> None:
        """Bounds of the ranges are accepted: max 1, upper bound and precision 0, numpy numbers converted."""
        edge = attrs.evolve(_PLAN, max=1, upper_bound=0.0, precision=0.0)
        assert (edge.max, edge.upper_bound, edge.precision) == (1, 0.0, 0.0)
        numpy = attrs.evolve(_PLAN, max=np.int64(900), min_precision=np.float64(0.06))
        assert numpy == _PLAN
        assert type(numpy.max) is int

    def test_relations(self) -> None:
        """A plan is by materiality or precision (not neither); it has an achieved risk exactly when it has
        a tolerable rate; it accepts no more deviations than it examines (equal is a census edge)."""
        path, message = _issue(
            lambda: attrs.evolve(_PLAN, tolerable_rate=None, achieved_risk=None, min_precision=None)
        )
        assert path == "$.tolerable_rate"
        assert "'tolerable_rate' or 'min_precision' is required" in message
        with pytest.raises(ValidationError) as info:
            attrs.evolve(_PLAN, tolerable_rate=None)
        assert [issue.path for issue in info.value.issues] == ["$.achieved_risk", "$.tolerable_rate"]
        assert _issue(lambda: attrs.evolve(_PRECISION_ONLY, achieved_risk=0.01))[0] == "$.achieved_risk"
        n = _PLAN.sample_size
        assert attrs.evolve(_PLAN, acceptable_deviations=n).acceptable_deviations == n
        path, message = _issue(lambda: attrs.evolve(_PLAN, acceptable_deviations=n + 1))
        assert path == "$.acceptable_deviations"
        assert f"got {n + 1} > {n}" in message

    def test_from_json_is_as_strict(self) -> None:
        """A document with a bad planning field is refused with its path, as the constructor refuses it."""
        document = json.loads(to_json(_PRECISION_ONLY))
        assert from_json(json.dumps(document), AttributePlan) == _PRECISION_ONLY
        for name, bad in (("max", 0), ("expected_kind", "many"), ("min_precision", None), ("precision", -1)):
            broken = json.dumps({**document, name: bad})
            path, _ = _issue(functools.partial(from_json, broken, AttributePlan))
            assert path in {f"$.{name}", "$.tolerable_rate"}

    def test_precision_only_round_trip(self) -> None:
        """A plan by precision alone round-trips with its None tolerable rate and achieved risk."""
        again = from_json(to_json(_PRECISION_ONLY), AttributePlan)
        assert again == _PRECISION_ONLY
        assert (again.tolerable_rate, again.achieved_risk, again.method) == (
            None,
            None,
            Method.HYPERGEOMETRIC,
        )
        assert "<table>" in again._repr_html_()
        assert "min_precision" in repr(again)
