"""Frozen result models of the sampling package."""

from __future__ import annotations

import enum
import html

import attrs

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.serialize import converter

__all__ = ["AttributeEvaluation", "AttributePlan", "Interval", "Method", "Selection"]


class Method(enum.Enum):
    """Distribution behind an attribute plan or evaluation."""

    BINOMIAL = "binomial"
    HYPERGEOMETRIC = "hypergeometric"
    POISSON = "poisson"


def _structure_item(value: object, _: object) -> str | int:
    """Item ids are strings or integers (never booleans), kept as given."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return value
    raise ValidationError.single("$", "type", f"item id must be a string or an integer (got {value!r})")


converter.register_structure_hook(str | int, _structure_item)


def _html_table(title: str, rows: list[tuple[str, object]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table><caption>{html.escape(title)}</caption>{body}</table>"


@attrs.frozen(kw_only=True)
class AttributePlan:
    """An attribute sample size and the inputs and convention that produced it.

    ``achieved_risk`` is the probability of finding at most ``acceptable_deviations`` deviations
    in ``sample_size`` items when the true rate equals ``tolerable_rate`` (the risk of overreliance).
    """

    sample_size: int
    acceptable_deviations: int
    achieved_risk: float
    confidence: float
    tolerable_rate: float
    expected_rate: float
    population: int | None
    method: Method
    convention: str

    def _repr_html_(self) -> str:
        return _html_table(
            "Attribute sample plan", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


@attrs.frozen(kw_only=True)
class AttributeEvaluation:
    """The upper deviation limit of an attribute sample and its conclusion against a tolerable rate."""

    sample_size: int
    deviations: int
    confidence: float
    population: int | None
    method: Method
    point_estimate: float
    upper_limit: float
    tolerable_rate: float | None
    acceptable: bool | None
    convention: str

    def _repr_html_(self) -> str:
        return _html_table(
            "Attribute evaluation", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


@attrs.frozen(kw_only=True)
class Interval:
    """A confidence interval for a proportion (one-sided intervals have 0 or 1 as the open end).

    ``population`` is set for the finite-population versions (exact hypergeometric, or FPC-adjusted).
    """

    successes: int
    n: int
    confidence: float
    method: str
    sides: str
    estimate: float
    lower: float
    upper: float
    population: int | None = None
    convention: str = ""

    def _repr_html_(self) -> str:
        return _html_table(
            "Proportion interval", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


@attrs.frozen(kw_only=True)
class Selection:
    """Items drawn for review, in the order drawn and sorted, with everything needed to redraw them."""

    items: tuple[str | int, ...]
    sorted_items: tuple[str | int, ...]
    population_size: int
    seed: int
    method: str
    algorithm: str
    allocation: tuple[tuple[str, int], ...] = ()

    def _repr_html_(self) -> str:
        rows: list[tuple[str, object]] = [
            ("n", len(self.items)),
            ("population_size", self.population_size),
            ("seed", self.seed),
            ("method", self.method),
            ("algorithm", self.algorithm),
            ("sorted_items", ", ".join(map(str, self.sorted_items))),
        ]
        return _html_table("Sample selection", rows)
