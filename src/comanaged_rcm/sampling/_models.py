"""Frozen result models of the sampling package.

Every model checks its fields at construction (through :mod:`comanaged_rcm._check`), so a result
built in Python is as strict as one read from JSON: counts are whole numbers in range, rates lie in
their interval, real numbers are finite (never NaN) and names are among the documented choices.
"""

from __future__ import annotations

import enum
import html
import numbers
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import Any

import attrs
import numpy as np

from comanaged_rcm import _check as c
from comanaged_rcm._check import as_int, as_optional_real, to, v
from comanaged_rcm._frames import Column, Table, Tabular, build
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.serialize import converter

__all__ = [
    "DEFAULT_MAX",
    "EXPECTED_KINDS",
    "AttributeEvaluation",
    "AttributePlan",
    "Interval",
    "Method",
    "Selection",
]

DEFAULT_MAX = 5000
"""The largest sample a plan considers unless told otherwise (jfa ``planning(max = 5000)``)."""

EXPECTED_KINDS = ("rate", "count")
"""How a plan's expected errors were given: a rate, or a count of errors (jfa's ``expected``)."""

MAX_SEED = 2**128 - 1
"""The largest seed :func:`~comanaged_rcm.sampling.select` takes (128 bits, numpy's entropy size)."""

MAX_ITEM_ID = 2**64 - 1
"""The largest magnitude of an integer item id (a 64-bit id; larger ones are not ids)."""

SELECT_METHODS = ("random", "systematic")
INTERVAL_METHODS = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald")
SIDES = ("two-sided", "lower", "upper")


class Method(enum.Enum):
    """Distribution behind an attribute plan or evaluation."""

    BINOMIAL = "binomial"
    HYPERGEOMETRIC = "hypergeometric"
    POISSON = "poisson"


def item_id(value: object, path: str) -> str | int:
    """An item id: a string, or an integer of at most 64 bits (numpy scalars become ``int``/``str``).

    >>> item_id("CLM-1", "$.items[0]"), item_id(7, "$.items[0]")
    ('CLM-1', 7)
    >>> item_id(True, "$.items[0]")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: item id must be a string or an integer ...
    """
    if isinstance(value, str):
        return value if type(value) is str else str(value)
    flag = isinstance(value, bool)
    if not flag and isinstance(value, numbers.Integral):
        number = int(value)
        if -MAX_ITEM_ID <= number <= MAX_ITEM_ID:
            return number
        c.fail(path, "range", f"an integer item id must be at most {MAX_ITEM_ID:,} in size")
    shown = repr(value) if isinstance(value, bool | float | type(None)) else f"a {type(value).__name__}"
    raise ValidationError.single(path, "type", f"item id must be a string or an integer (got {shown})")


def _integer(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """:meth:`comanaged_rcm._check.to.integer` as a named function (what the attrs mypy plugin reads)."""
    return to.integer(value)


def _real(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """:meth:`comanaged_rcm._check.to.real` as a named function."""
    return to.real(value)


def _optional_real(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """:meth:`comanaged_rcm._check.to.optional_real` as a named function."""
    return to.optional_real(value)


def _tuple(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """:meth:`comanaged_rcm._check.to.tuple` as a named function."""
    return to.tuple(value)


def ordered(value: object, path: str, *, empty: bool = True) -> tuple[Any, ...]:
    """A one-dimensional, ordered collection as a tuple (:func:`comanaged_rcm._check.sequence`).

    Sets are refused (their order is arbitrary and they drop repeated amounts), and so are tables
    and other objects of more than one dimension (iterating a data frame gives its column names).

    >>> ordered([3, 1], "$.sizes")
    (3, 1)
    >>> ordered({3, 1}, "$.sizes")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'sizes' must be ordered: ...
    """
    name = c.name_of(path)
    if isinstance(value, AbstractSet):
        c.fail(path, "type", f"{name!r} must be ordered: a list, tuple or array, not a set")
    dimensions = getattr(type(value), "ndim", None)
    if dimensions is not None and not isinstance(value, np.ndarray):
        shape = getattr(value, "ndim", 1)
        if isinstance(shape, int) and shape != 1:
            c.fail(path, "type", f"{name!r} must be one-dimensional (got a {type(value).__name__})")
    return c.sequence(value, path, empty=empty)


def _structure_item(value: object, _: object) -> str | int:
    """Item ids are strings or integers (never booleans), kept as given."""
    return item_id(value, "$")


converter.register_structure_hook(str | int, _structure_item)


def _item_ids(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        c.fail(f"$.{attribute.name}", "type", f"{attribute.name!r} must be a tuple of item ids")
    for i, item in enumerate(value):
        kind = type(item)
        if kind is str or (kind is int and -MAX_ITEM_ID <= item <= MAX_ITEM_ID):
            continue
        item_id(item, f"$.{attribute.name}[{i}]")


def _allocation(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    if not isinstance(value, tuple):
        c.fail(path, "type", f"{attribute.name!r} must be a tuple of (stratum, count) pairs")
    for i, pair in enumerate(value):
        if not (isinstance(pair, tuple) and len(pair) == 2):
            c.fail(f"{path}[{i}]", "type", f"'{attribute.name}[{i}]' must be a (stratum, count) pair")
        c.instance(pair[0], str, f"{path}[{i}][0]")
        c.count(pair[1], f"{path}[{i}][1]")


def _html_table(title: str, rows: list[tuple[str, object]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table><caption>{html.escape(title)}</caption>{body}</table>"


_UNIT = v.real(minimum=0, maximum=1)
_CONVENTION = v.text(multiline=True)


@attrs.frozen(kw_only=True)
class AttributePlan:
    """An attribute sample size and the inputs and convention that produced it.

    ``achieved_risk`` is the probability of finding at most ``acceptable_deviations`` deviations
    in ``sample_size`` items when the true rate equals ``tolerable_rate`` (the risk of overreliance);
    both are None for a plan by ``min_precision`` alone (jfa ``materiality = NULL``). ``expected_kind``
    says whether the expected deviations were given as a rate or as a count (then ``expected_rate``
    reports ``acceptable_deviations / sample_size``). ``upper_bound`` and ``precision`` (upper bound minus
    ``acceptable_deviations / sample_size``) are those the plan expects when it finds its acceptable
    deviations; ``max`` is the largest sample it considered. Plans stored before these last fields read
    with their defaults.
    """

    sample_size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    acceptable_deviations: int = attrs.field(converter=_integer, validator=v.count())
    achieved_risk: float | None = attrs.field(converter=as_optional_real, validator=v.optional(_UNIT))
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    tolerable_rate: float | None = attrs.field(converter=as_optional_real, validator=v.optional(v.rate()))
    expected_rate: float = attrs.field(converter=_real, validator=v.rate(low_open=False))
    population: int | None = attrs.field(converter=_integer, validator=v.optional(v.count(minimum=1)))
    method: Method = attrs.field(validator=v.member(Method))
    convention: str = attrs.field(validator=_CONVENTION)
    expected_kind: str = attrs.field(default="rate", validator=v.one_of(EXPECTED_KINDS))
    min_precision: float | None = attrs.field(
        default=None, converter=as_optional_real, validator=v.optional(v.rate())
    )
    max: int = attrs.field(default=DEFAULT_MAX, converter=as_int, validator=v.count(minimum=1))
    upper_bound: float | None = attrs.field(
        default=None, converter=as_optional_real, validator=v.optional(v.real(minimum=0))
    )
    precision: float | None = attrs.field(
        default=None, converter=as_optional_real, validator=v.optional(v.real(minimum=0))
    )

    def __attrs_post_init__(self) -> None:
        if self.acceptable_deviations > self.sample_size:
            c.fail(
                "$.acceptable_deviations",
                "range",
                "'acceptable_deviations' must be <= sample_size"
                f" (got {self.acceptable_deviations:,} > {self.sample_size:,})",
            )
        if self.tolerable_rate is None and self.min_precision is None:
            c.fail(
                "$.tolerable_rate",
                "required",
                "'tolerable_rate' or 'min_precision' is required (plan by materiality, precision or both)",
            )
        if (self.achieved_risk is None) != (self.tolerable_rate is None):
            risk, tolerable = c.show(self.achieved_risk), c.show(self.tolerable_rate)
            got = f"got achieved_risk={risk} and tolerable_rate={tolerable}"
            raise ValidationError(
                Issue(path, "value", f"'achieved_risk' is given exactly when 'tolerable_rate' is ({got})")
                for path in ("$.achieved_risk", "$.tolerable_rate")
            )

    def _repr_html_(self) -> str:
        return _html_table(
            "Attribute sample plan", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


@attrs.frozen(kw_only=True)
class AttributeEvaluation:
    """The upper deviation limit of an attribute sample and its conclusion against a tolerable rate."""

    sample_size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    deviations: int = attrs.field(converter=_integer, validator=v.count())
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    population: int | None = attrs.field(converter=_integer, validator=v.optional(v.count(minimum=1)))
    method: Method = attrs.field(validator=v.member(Method))
    point_estimate: float = attrs.field(converter=_real, validator=_UNIT)
    upper_limit: float = attrs.field(converter=_real, validator=_UNIT)
    tolerable_rate: float | None = attrs.field(converter=_optional_real, validator=v.optional(v.rate()))
    acceptable: bool | None = attrs.field(validator=v.optional(v.flag()))
    convention: str = attrs.field(validator=_CONVENTION)

    def _repr_html_(self) -> str:
        return _html_table(
            "Attribute evaluation", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


def _one_of(options: tuple[str, ...]) -> Any:  # noqa: ANN401 - an attrs validator
    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        c.one_of(value, options, f"$.{attribute.name}")

    return validate


@attrs.frozen(kw_only=True)
class Interval:
    """A confidence interval for a proportion (one-sided intervals have 0 or 1 as the open end).

    ``population`` is set for the finite-population versions (exact hypergeometric, or FPC-adjusted).
    """

    successes: int = attrs.field(converter=_integer, validator=v.count())
    n: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    confidence: float = attrs.field(converter=_real, validator=v.rate())
    method: str = attrs.field(validator=_one_of(INTERVAL_METHODS))
    sides: str = attrs.field(validator=_one_of(SIDES))
    estimate: float = attrs.field(converter=_real, validator=_UNIT)
    lower: float = attrs.field(converter=_real, validator=_UNIT)
    upper: float = attrs.field(converter=_real, validator=_UNIT)
    population: int | None = attrs.field(
        default=None, converter=_integer, validator=v.optional(v.count(minimum=1))
    )
    convention: str = attrs.field(default="", validator=v.text(empty=True, multiline=True))

    def __iter__(self) -> Iterator[float]:
        """``lo, hi = interval``: the lower limit, then the upper (like statsmodels' ``proportion_confint``).

        Example:
            >>> lo, hi = Interval(
            ...     successes=1, n=10, confidence=0.9, method="wilson", sides="two-sided",
            ...     estimate=0.1, lower=0.02, upper=0.35,
            ... )
            >>> lo, hi
            (0.02, 0.35)
        """
        yield self.lower
        yield self.upper

    def _repr_html_(self) -> str:
        return _html_table(
            "Proportion interval", [(f.name, getattr(self, f.name)) for f in attrs.fields(type(self))]
        )


@attrs.frozen(kw_only=True)
class Selection(Tabular):
    """Items drawn for review, in the order drawn and sorted, with everything needed to redraw them.

    ``to_pandas()``, ``to_polars()`` and ``to_arrow()`` give one row per item in the order drawn:
    ``draw`` (1 for the first drawn), ``item``, ``population_size``, ``seed`` (text: a seed has
    up to 128 bits), ``method``, ``algorithm``. ``item`` is an integer column when every id is an
    integer of at most 63 bits and a text column when every id is text; otherwise it is text and
    an ``item_kind`` column (``int`` or ``text``) tells ``1`` from ``"1"``.
    """

    items: tuple[str | int, ...] = attrs.field(converter=_tuple, validator=_item_ids)
    sorted_items: tuple[str | int, ...] = attrs.field(converter=_tuple, validator=_item_ids)
    population_size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    seed: int = attrs.field(converter=_integer, validator=v.count(maximum=MAX_SEED))
    method: str = attrs.field(validator=_one_of(SELECT_METHODS))
    algorithm: str = attrs.field(validator=_CONVENTION)
    allocation: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_tuple, validator=_allocation)

    def _frame_table(self) -> Table:
        size = len(self.items)
        whole = all(type(i) is int and -(2**63) <= i < 2**63 for i in self.items)
        kinds = [("int" if type(i) is int else "text") for i in self.items]
        if whole:
            items = [("item", Column.integer(self.items))]  # type: ignore[arg-type]  # every item is an int
        else:
            items = [("item", Column.text([str(i) for i in self.items]))]
            if len(set(kinds)) > 1 or kinds[0] == "int":
                items.append(("item_kind", Column.text(kinds)))
        return build(
            [
                ("draw", Column("int", np.arange(1, size + 1, dtype=np.int64))),
                *items,
                ("population_size", Column("int", np.full(size, self.population_size, dtype=np.int64))),
                ("seed", Column.repeat(str(self.seed), size)),
                ("method", Column.repeat(self.method, size)),
                ("algorithm", Column.repeat(self.algorithm, size)),
            ],
            "$",
        )

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
