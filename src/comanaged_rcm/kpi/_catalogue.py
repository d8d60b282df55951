"""KPI definitions, the catalogue of measures and KPIs, and the hierarchy check.

A KPI is a ratio of sums of base measures (see :data:`~comanaged_rcm.kpi.MEASURES`), times a
scale; a count KPI has no denominator. Edges point from a driver up to what it drives: typed
``decomposes`` (the children's numerators add up to the parent's over the same denominator) or
``influences``.

A :class:`Catalogue` holds measure definitions and KPIs: a caller builds one (the built-ins
plus their own, in Python or from JSON) and passes it to ``evaluate``, ``trend`` and
``measures``. The process-wide registry (:func:`register`, :func:`catalogue`) stays, as the
default catalogue's KPIs; a Catalogue is the way to add measures and KPIs without changing what
every other caller sees.

>>> [k.id for k in catalogue() if k.tier is Tier.OUTCOME][:3]
['net_collection_rate', 'days_in_ar', 'write_off_rate']
>>> check_hierarchy(catalogue())
[]
"""

from __future__ import annotations

import contextvars
import enum
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

import attrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from comanaged_rcm import _check
from comanaged_rcm._check import as_real, v
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.findings import Finding, Severity
from comanaged_rcm.kpi._conventions import CONVENTIONS
from comanaged_rcm.kpi._engine import MEASURES
from comanaged_rcm.kpi._measures import BUILT_IN_MEASURES, ByConvention, Definition, Derived, Measure
from comanaged_rcm.serialize import converter

__all__ = [
    "Catalogue",
    "Direction",
    "Edge",
    "EdgeKind",
    "KPIDefinition",
    "Tier",
    "Unit",
    "catalogue",
    "check_hierarchy",
    "register",
    "unregister",
]


class Tier(enum.Enum):
    """Where a KPI sits: outcomes (money results) above drivers above activity (effort)."""

    OUTCOME = "outcome"
    DRIVER = "driver"
    ACTIVITY = "activity"

    @property
    def rank(self) -> int:
        """0 for outcomes, 1 for drivers, 2 for activity."""
        return list(Tier).index(self)


class Direction(enum.Enum):
    """Which way is better."""

    HIGHER = "higher"
    LOWER = "lower"


class Unit(enum.Enum):
    """What a KPI's value is measured in."""

    PERCENT = "percent"
    DAYS = "days"
    RATIO = "ratio"
    COUNT = "count"
    AMOUNT = "amount"  # money, in the book's one currency


class EdgeKind(enum.Enum):
    """How a driver relates to what it drives."""

    DECOMPOSES = "decomposes"  # exact arithmetic: the children's numerators add up to the parent's
    INFLUENCES = "influences"  # a causal, not arithmetic, link


def _kpi_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check.field_name(value, f"$.{attribute.name}", snake=True)


def _tuple_of(kind: type[Any], label: str) -> _check.Validator:
    """A validator: a tuple whose items are ``kind``, each named ``label`` in a message (``'an Edge'``)."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            _check.fail(
                f"$.{attribute.name}",
                "type",
                f"{attribute.name!r} must be a tuple of {kind.__name__} (got {_check.show(value)})",
            )
        _check.tuple_of(value, kind, f"$.{attribute.name}", label)

    return check


_MEASURE_NAMES = _tuple_of(str, "a measure name")
_FAMILY_NAMES = _tuple_of(str, "a convention family")


_SCOPE: contextvars.ContextVar[frozenset[str] | None] = contextvars.ContextVar("measures", default=None)
"""The measure names a KPI may read while one is defined: the built-in ones unless a catalogue's."""


def _measures(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    _MEASURE_NAMES(instance, attribute, value)
    known = _SCOPE.get()
    names: Iterable[str] = MEASURES if known is None else known
    for i, term in enumerate(value):
        name = term.removeprefix("-")
        if name not in names:
            where = "see kpi.MEASURES" if known is None else "not a reported measure of the catalogue"
            _check.fail(
                f"$.{attribute.name}[{i}]",
                "unknown",
                f"unknown measure {_check.show(term)} ({where}){_check.suggest(name, names)}",
            )


def _families(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    _FAMILY_NAMES(instance, attribute, value)
    for i, family in enumerate(value):
        if family not in CONVENTIONS:
            _check.fail(
                f"$.{attribute.name}[{i}]",
                "unknown",
                f"unknown convention family {_check.show(family)}{_check.suggest(family, CONVENTIONS)}",
            )


@attrs.frozen
class Edge:
    """An edge from the KPI that declares it up to ``target``.

    >>> Edge("write_off_rate", EdgeKind.INFLUENCES).target
    'write_off_rate'
    """

    target: str = attrs.field(validator=_kpi_id)
    kind: EdgeKind = attrs.field(default=EdgeKind.INFLUENCES, validator=v.member(EdgeKind))


@attrs.frozen(kw_only=True)
class KPIDefinition:
    """One KPI: a ratio of sums of base measures, with its place in the hierarchy.

    Args:
        id: Short snake_case id (``net_collection_rate``).
        name: Human name.
        tier: Outcome, driver or activity.
        direction: Whether higher or lower is better.
        unit: What the value is measured in.
        formula: The formula in words, as the docs show it.
        numerator: Base measures added up (a leading ``-`` subtracts one).
        denominator: Base measures added up; empty for a count KPI.
        scale: Multiplies the ratio (100 for percentages).
        conventions: The convention families the KPI depends on.
        drives: Edges up to the KPIs this one drives.
        source: Who defines the KPI.

    >>> KPIDefinition(id="cash_per_item", name="Cash per closed item", tier=Tier.ACTIVITY,
    ...     direction=Direction.HIGHER, unit=Unit.RATIO, formula="cash / items closed",
    ...     numerator=("cash",), denominator=("items_closed",)).scale
    1.0
    """

    id: str = attrs.field(validator=_kpi_id)
    name: str = attrs.field(validator=v.text())
    tier: Tier = attrs.field(validator=v.member(Tier))
    direction: Direction = attrs.field(validator=v.member(Direction))
    unit: Unit = attrs.field(validator=v.instance(Unit, "a Unit"))
    formula: str = attrs.field(validator=v.text())
    numerator: tuple[str, ...] = attrs.field(validator=_measures)
    denominator: tuple[str, ...] = attrs.field(default=(), validator=_measures)
    scale: float = attrs.field(default=1.0, converter=as_real, validator=v.real(minimum=0, low_open=True))
    conventions: tuple[str, ...] = attrs.field(default=(), validator=_families)
    drives: tuple[Edge, ...] = attrs.field(
        default=(), validator=_tuple_of(Edge, "an Edge, like Edge('days_in_ar')")
    )
    source: str = attrs.field(default="", validator=v.text(empty=True))

    @property
    def tables(self) -> frozenset[str]:
        """The input tables the built-in measures of the KPI may come from, under any convention.

        A KPI over measures of a :class:`Catalogue` asks it: ``catalogue.tables(kpi)``.
        """
        return _tables(_BUILT_IN_DEFINITIONS, self)


def _kpi(  # noqa: PLR0917 - catalogue rows read best as positional table rows
    id_: str,
    name: str,
    tier: Tier,
    direction: Direction,
    unit: Unit,
    formula: str,
    numerator: tuple[str, ...],
    denominator: tuple[str, ...] = (),
    *,
    scale: float = 1.0,
    conventions: tuple[str, ...] = (),
    drives: tuple[Edge, ...] = (),
    source: str = "",
) -> KPIDefinition:
    return KPIDefinition(
        id=id_,
        name=name,
        tier=tier,
        direction=direction,
        unit=unit,
        formula=formula,
        numerator=numerator,
        denominator=denominator,
        scale=scale,
        conventions=conventions,
        drives=drives,
        source=source,
    )


OUT, DR, A = Tier.OUTCOME, Tier.DRIVER, Tier.ACTIVITY
HI, LO = Direction.HIGHER, Direction.LOWER
PCT = 100.0
_INF = EdgeKind.INFLUENCES
_DEC = EdgeKind.DECOMPOSES
_COLLECTION = ("refunds", "collection_basis")
_AR_DAYS = ("ar_window", "ar_charges", "credit_balances")
_WRITE_OFF = ("write_off_denominator", "write_off_reasons", "write_off_basis")
_DENIAL = ("denial_unit", "denial_scope", "denial_denominator")
_AGING = ("aging_anchor", "aging_scope", "credit_balances")

_BUILT_IN: tuple[KPIDefinition, ...] = (
    _kpi("net_collection_rate", "Net collection rate", OUT, HI, Unit.PERCENT,
         "collections / (charges - contractual adjustments) x 100", ("collections",), ("collectible",),
         scale=PCT, conventions=_COLLECTION, source="MGMA"),
    _kpi("days_in_ar", "Days in A/R", OUT, LO, Unit.DAYS, "A/R at as-of / average daily charges",
         ("ar_balance",), ("average_daily_charges",), conventions=_AR_DAYS, source="HFMA MAP Keys"),
    _kpi("write_off_rate", "Write-off rate (non-contractual)", OUT, LO, Unit.PERCENT,
         "non-contractual write-offs / write-off base x 100", ("write_offs",), ("write_off_base",),
         scale=PCT, conventions=_WRITE_OFF, source="HFMA MAP Keys"),
    _kpi("cash_collection_pct_npsr", "Cash collection % of NPSR", OUT, HI, Unit.PERCENT,
         "cash collected / net patient service revenue x 100", ("cash",), ("npsr",), scale=PCT,
         conventions=("refunds",),
         source="HFMA MAP Keys, over the period's NPSR (MAP Key FM-2 divides by the average monthly NPSR:"
         " map_cash_collection_pct_npsr)"),
    _kpi("cost_to_collect", "Cost to collect", OUT, LO, Unit.PERCENT,
         "cost to collect / cash collected x 100",
         ("cost_to_collect",), ("cash",), scale=PCT, conventions=("refunds",), source="HFMA MAP Keys"),
    _kpi("net_days_in_ar", "Net days in A/R (ledger)", OUT, LO, Unit.DAYS,
         "ledger net A/R at as-of / average daily ledger NPSR of the 3 months before",
         ("net_ar",), ("average_daily_npsr",), source="HFMA MAP Keys"),
    _kpi("map_cash_collection_pct_npsr", "MAP cash collection % of NPSR", OUT, HI,
         Unit.PERCENT, "patient service cash collected / average monthly NPSR x 100",
         ("ledger_patient_service_cash",), ("average_monthly_npsr",), scale=PCT,
         source="HFMA MAP Keys (FM-2 as of the 2025 edition), from the general ledger"),
    _kpi("map_cost_to_collect", "MAP cost to collect", OUT, LO, Unit.PERCENT,
         "total revenue-cycle cost / patient service cash collected x 100",
         ("cost_to_collect",), ("ledger_patient_service_cash",), scale=PCT,
         source="HFMA MAP Keys (FM-6 as of the 2025 edition), from the general ledger"),
    _kpi("initial_denial_rate", "Initial denial rate", DR, LO, Unit.PERCENT,
         "initial denials / denial base x 100", ("denials",), ("denial_base",), scale=PCT,
         conventions=_DENIAL, drives=(Edge("net_collection_rate"), Edge("days_in_ar")),
         source="HFMA Claim Integrity Task Force"),
    _kpi("denial_write_off_pct_npsr", "Denial write-offs % of NPSR", DR, LO, Unit.PERCENT,
         "write-offs for denial / NPSR x 100", ("write_offs_denial",), ("npsr",), scale=PCT,
         drives=(Edge("write_off_rate"),),
         source="HFMA MAP Keys, over the period's NPSR (MAP Key AR-6 divides by the average monthly NPSR:"
         " map_denial_write_offs_pct_npsr)"),
    _kpi("denial_overturn_rate", "Denial overturn rate", DR, HI, Unit.PERCENT,
         "resubmissions paid or partially paid / resubmissions adjudicated x 100", ("overturned",),
         ("resubmissions_adjudicated",), scale=PCT, drives=(Edge("net_collection_rate"),), source="MGMA"),
    _kpi("clean_claim_rate", "Clean claim rate", DR, HI, Unit.PERCENT,
         "clean original submissions / original submissions x 100", ("clean_claims",), ("first_submissions",),
         scale=PCT, drives=(Edge("initial_denial_rate"), Edge("days_in_ar")), source="HFMA MAP Keys"),
    _kpi("aged_ar_over_90", "Aged A/R over 90 days", DR, LO, Unit.PERCENT,
         "A/R aged 91 days or more / A/R in scope x 100", ("ar_over_90",), ("ar_aging_base",), scale=PCT,
         conventions=_AGING, drives=(Edge("days_in_ar"), Edge("write_off_rate")), source="HFMA MAP Keys"),
    _kpi("dnfb_days", "Discharged not final billed days", DR, LO, Unit.DAYS,
         "unbilled charges at as-of / average daily charges", ("dnfb",), ("average_daily_charges",),
         conventions=("ar_window", "ar_charges"), drives=(Edge("days_in_ar"),), source="HFMA MAP Keys"),
    _kpi("late_charges_pct", "Late charges %", DR, LO, Unit.PERCENT,
         "charges posted over 30 days after service / gross charges x 100", ("late_charges",),
         ("gross_charges",), scale=PCT, drives=(Edge("days_in_ar"),),
         source="HFMA MAP Keys; late meaning over 30 days after service is this library's threshold (no"
         " source found sets one)"),
    _kpi("pos_collections_pct", "Point-of-service collections %", DR, HI, Unit.PERCENT,
         "payments posted on or before the date of service / payments x 100", ("pos_payments",),
         ("payments",), scale=PCT, drives=(Edge("net_collection_rate"),),
         source="HFMA MAP Keys, over all payments (the MAP Key divides by patient cash)"),
    _kpi("bad_debt_pct", "Bad debt % of gross charges", DR, LO, Unit.PERCENT,
         "bad-debt write-offs / gross charges x 100", ("write_offs_bad_debt",), ("gross_charges",),
         scale=PCT, drives=(Edge("uncompensated_care_pct", _DEC),), source="HFMA MAP Keys"),
    _kpi("charity_pct", "Charity care % of gross charges", DR, LO, Unit.PERCENT,
         "charity write-offs / gross charges x 100", ("write_offs_charity",), ("gross_charges",), scale=PCT,
         drives=(Edge("uncompensated_care_pct", _DEC),), source="HFMA MAP Keys"),
    _kpi("uncompensated_care_pct", "Uncompensated care % of gross charges", DR, LO, Unit.PERCENT,
         "(bad debt + charity write-offs) / gross charges x 100",
         ("write_offs_bad_debt", "write_offs_charity"),
         ("gross_charges",),
         scale=PCT, drives=(Edge("write_off_rate"),), source="HFMA MAP Keys"),
    _kpi("credit_balance_total", "Credit balances", DR, LO, Unit.AMOUNT,
         "sum of claims' balances below zero at as-of, reported positive", ("credit_balance_total",),
         drives=(Edge("days_in_ar"),),
         source="HFMA MAP Keys (the credit balance dollars of Net Days in Credit Balance)"),
    _kpi("map_net_days_in_credit_balance", "MAP net days in credit balance", DR, LO, Unit.DAYS,
         "credit balances at as-of / average daily ledger NPSR of the 3 months ending on as-of",
         ("credit_balance_total",), ("average_daily_npsr",), drives=(Edge("days_in_ar"),),
         source="HFMA MAP Keys (AR-9 as of the 2025 edition)"),
    _kpi("cohort_open_ar_pct", "Open A/R share of the DOS cohort", DR, LO, Unit.PERCENT,
         "A/R at as-of of the charges served in the period / those charges x 100", ("cohort_ar",),
         ("cohort_ar_base",), scale=PCT, conventions=("ar_charges", "credit_balances"),
         drives=(Edge("days_in_ar"),), source="AAFP (date-of-service cohort reporting)"),
    _kpi("map_pos_cash_collections_pct", "MAP POS cash collections %", DR, HI,
         Unit.PERCENT, "point-of-service payments / total patient cash collected x 100",
         ("ledger_pos_cash",), ("ledger_patient_cash",), scale=PCT,
         drives=(Edge("map_cash_collection_pct_npsr"),),
         source="HFMA MAP Keys (PA-7 as of the 2025 edition), from the general ledger"),
    _kpi("map_days_in_dnfb", "MAP days in total DNFB", DR, LO, Unit.DAYS,
         "ledger DNFB at as-of / average daily gross revenue of the 3 months ending on as-of",
         ("ledger_dnfb",), ("average_daily_gross_revenue",), drives=(Edge("net_days_in_ar"),),
         source="HFMA MAP Keys (PB-1 as of the 2025 edition), from the general ledger"),
    _kpi("map_late_charges_pct", "MAP late charges % of charges", DR, LO, Unit.PERCENT,
         "late charges / gross patient service revenue x 100", ("ledger_late_charges",),
         ("ledger_gross_revenue",), scale=PCT, drives=(Edge("net_days_in_ar"),),
         source="HFMA MAP Keys (CL-2 as of the 2025 edition), from the general ledger"),
    _kpi("map_denial_write_offs_pct_npsr", "MAP denial write-offs % of NPSR", DR, LO,
         Unit.PERCENT, "denial write-offs / average monthly NPSR x 100", ("ledger_denial_write_offs",),
         ("average_monthly_npsr",), scale=PCT, drives=(Edge("map_cash_collection_pct_npsr"),),
         source="HFMA MAP Keys (AR-6 as of the 2025 edition), from the general ledger"),
    _kpi("map_bad_debt_pct", "MAP bad debt % of gross revenue", DR, LO, Unit.PERCENT,
         "bad debt / gross patient service revenue x 100", ("ledger_bad_debt",), ("ledger_gross_revenue",),
         scale=PCT, drives=(Edge("map_uncompensated_care_pct", _DEC),),
         source="HFMA MAP Keys (AR-7 as of the 2025 edition), from the general ledger"),
    _kpi("map_charity_care_pct", "MAP charity care % of gross revenue", DR, LO, Unit.PERCENT,
         "charity / gross patient service revenue x 100", ("ledger_charity",), ("ledger_gross_revenue",),
         scale=PCT, drives=(Edge("map_uncompensated_care_pct", _DEC),),
         source="HFMA MAP Keys (AR-8 as of the 2025 edition), from the general ledger"),
    _kpi("map_uncompensated_care_pct", "MAP uncompensated care % of revenue", DR, LO,
         Unit.PERCENT,
         "(bad debt + charity) / gross patient service revenue x 100 (FM-4 also counts uninsured"
         " discounts, which the ledger does not carry)",
         ("ledger_bad_debt", "ledger_charity"), ("ledger_gross_revenue",), scale=PCT,
         drives=(Edge("map_cash_collection_pct_npsr"),),
         source="HFMA MAP Keys (FM-4 as of the 2025 edition), from the general ledger, without uninsured"
         " discounts"),
    _kpi("items_closed", "Work items closed", A, HI, Unit.COUNT, "work items closed in the period",
         ("items_closed",), drives=(Edge("days_in_ar"),)),
    _kpi("touches_per_closed_item", "Touches per closed item", A, LO, Unit.RATIO,
         "touches on items closed / items closed", ("touches_closed",), ("items_closed",)),
    _kpi("backlog", "Backlog", A, LO, Unit.COUNT, "work items open at as-of", ("backlog",),
         drives=(Edge("aged_ar_over_90"),)),
    _kpi("aged_backlog", "Aged backlog", A, LO, Unit.COUNT, "work items open at as-of for 31 days or more",
         ("aged_backlog",), drives=(Edge("aged_ar_over_90"),)),
    _kpi("escalated_share", "Escalated share", A, LO, Unit.PERCENT,
         "escalated items closed / items closed x 100", ("escalated_closed",), ("items_closed",), scale=PCT),
)  # fmt: skip

_REGISTRY: dict[str, KPIDefinition] = {k.id: k for k in _BUILT_IN}


def catalogue() -> tuple[KPIDefinition, ...]:
    """Every KPI, built-in and registered, outcomes first, then drivers, then activity.

    These are the default catalogue's KPIs, the ones every call uses when given no catalogue;
    :class:`Catalogue` is the way to add measures and KPIs of one's own without changing them.

    >>> len([k for k in catalogue() if k.tier is Tier.ACTIVITY])
    5
    """
    return tuple(sorted(_REGISTRY.values(), key=lambda k: k.tier.rank))


def register(definition: KPIDefinition) -> None:
    """Add a user KPI to the catalogue, after checking the hierarchy it makes.

    The catalogue is unchanged whenever this raises. This changes what every caller in the
    process sees; ``Catalogue.default().with_kpis(...)`` builds a catalogue to pass instead, and
    can hold measures of one's own too.

    Raises:
        ValidationError: Not a :class:`KPIDefinition`, the id is taken, or the hierarchy with it
            has an error finding.

    >>> register("days_in_ar")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'definition' must be a KPIDefinition (got
    'days_in_ar') @ $.definition
    """
    _check.instance(definition, KPIDefinition, "$.definition")
    if definition.id in _REGISTRY:
        raise ValidationError.single(
            "$.definition.id", "duplicate", f"KPI {definition.id!r} is already in the catalogue"
        )
    findings = [f for f in check_hierarchy((*_REGISTRY.values(), definition)) if f.is_error]
    if findings:
        raise ValidationError.single(findings[0].path, findings[0].rule, findings[0].message)
    _REGISTRY[definition.id] = definition


def unregister(kpi_id: str) -> None:
    """Remove a user KPI (built-in KPIs stay).

    Raises:
        ValidationError: Not the id of a user KPI (a built-in one, say), or one another KPI drives
            into.
    """
    given: object = kpi_id  # checked: callers without a type checker pass anything
    if not isinstance(given, str) or given not in _REGISTRY or any(k.id == given for k in _BUILT_IN):
        raise ValidationError.single(
            "$.kpi_id", "unknown", f"{_check.show(given)} is not a registered user KPI"
        )
    if any(edge.target == kpi_id for k in _REGISTRY.values() for edge in k.drives):
        raise ValidationError.single("$.kpi_id", "in_use", f"another KPI drives into {kpi_id!r}")
    del _REGISTRY[kpi_id]


def lookup(kpi_id: str, path: str = "$.metrics", *, catalogue: Catalogue | None = None) -> KPIDefinition:
    """The KPI with this id, of ``catalogue`` (the default one by default).

    ``path`` names the argument the id came from in an error.

    Raises:
        ValidationError: Unknown id.
    """
    pool = _REGISTRY if catalogue is None else catalogue.by_id
    if not isinstance(kpi_id, str):
        raise ValidationError.single(
            path, "type", f"{_check.name_of(path)!r} must hold KPI ids (got {_check.show(kpi_id)})"
        )
    try:
        return pool[kpi_id]
    except KeyError:
        known = ", ".join(sorted(pool))
        raise ValidationError.single(
            path,
            "unknown",
            f"unknown KPI {_check.show(kpi_id)}{_check.suggest(kpi_id, pool)} (known: {known})",
        ) from None


def metric_ids(metrics: object, *, catalogue: Catalogue | None = None) -> tuple[str, ...] | None:
    """The KPI ids asked for (``None`` for all), each known (to ``catalogue``, the default one by default).

    A bare string is refused rather than read as one id: ``metrics="backlog"`` would otherwise be
    easy to confuse with a comma-separated list or a sequence of letters.
    """
    if metrics is None:
        return None
    if isinstance(metrics, str):
        shown = _check.show(metrics)
        raise ValidationError.single(
            "$.metrics",
            "type",
            f"'metrics' must be a list of KPI ids, not one string (got {shown}; write [{shown}])",
        )
    if isinstance(metrics, bytes | bytearray | Mapping) or not isinstance(metrics, Iterable):
        raise ValidationError.single(
            "$.metrics", "type", f"'metrics' must be a list of KPI ids (got {_check.show(metrics)})"
        )
    wanted = _check.sequence(metrics, "$.metrics")
    for i, kpi_id in enumerate(wanted):
        _check.instance(kpi_id, str, f"$.metrics[{i}]", "a KPI id (str)")
        lookup(kpi_id, catalogue=catalogue)
    return wanted


def check_hierarchy(
    definitions: Iterable[KPIDefinition], *, catalogue: Catalogue | None = None
) -> list[Finding]:
    """Check that KPI definitions form a valid hierarchy; return every finding.

    The tables each KPI reads come from ``catalogue``'s measures (the built-in ones by default);
    :meth:`Catalogue.check_hierarchy` checks a catalogue's own KPIs.

    Rules: ``KPI-001`` duplicate id; ``KPI-002`` an edge to an unknown KPI; ``KPI-003`` an edge
    that points down a tier (toward activity); ``KPI-004`` an outcome that reads any activity
    measure (from work items: outcomes are money results, effort only explains them);
    ``KPI-005`` a ``decomposes`` edge whose children do not add up to the parent over the same
    denominator; ``KPI-006`` a cycle;
    ``KPI-007`` (warning) a driver that drives nothing.

    Examples:
        >>> bad = KPIDefinition(id="x", name="x", tier=Tier.OUTCOME, direction=Direction.HIGHER,
        ...     unit=Unit.COUNT, formula="items", numerator=("items_closed",))
        >>> [f.rule for f in check_hierarchy([bad])]
        ['KPI-004']
    """
    given: object = definitions  # checked: callers without a type checker pass anything
    if isinstance(given, str | bytes | bytearray | Mapping) or not isinstance(given, Iterable):
        raise ValidationError.single(
            "$.definitions",
            "type",
            f"'definitions' must be an iterable of KPIDefinition (got {_check.show(given)})",
        )
    definitions = list(_check.tuple_of(given, KPIDefinition, "$.definitions"))
    measures = _BUILT_IN_DEFINITIONS if catalogue is None else catalogue.definitions
    findings: list[Finding] = []
    by_id: dict[str, KPIDefinition] = {}
    for i, kpi in enumerate(definitions):
        if kpi.id in by_id:
            findings.append(Finding("KPI-001", Severity.ERROR, f"$[{i}].id", f"duplicate KPI id {kpi.id!r}"))
        by_id[kpi.id] = kpi
    position = {k.id: i for i, k in enumerate(definitions)}
    for kpi in by_id.values():
        where = f"$[{position[kpi.id]}]"
        if kpi.tier is Tier.OUTCOME and "work_items" in _tables(measures, kpi):
            findings.append(
                Finding(
                    "KPI-004",
                    Severity.ERROR,
                    where,
                    f"{kpi.id!r} reads activity (work-item measures); it cannot be an outcome",
                )
            )
        if kpi.tier is Tier.DRIVER and not kpi.drives:
            findings.append(
                Finding("KPI-007", Severity.WARNING, f"{where}.drives", f"driver {kpi.id!r} drives nothing")
            )
        for j, edge in enumerate(kpi.drives):
            path = f"{where}.drives[{j}]"
            target = by_id.get(edge.target)
            if target is None:
                findings.append(Finding("KPI-002", Severity.ERROR, path, f"unknown KPI {edge.target!r}"))
            elif target.tier.rank > kpi.tier.rank:
                findings.append(
                    Finding(
                        "KPI-003",
                        Severity.ERROR,
                        path,
                        f"{kpi.id!r} ({kpi.tier.value}) points down to {target.id!r} ({target.tier.value})",
                    )
                )
    findings += _check_decompositions(by_id, position)
    findings += _check_cycles(by_id, position)
    return findings


def _check_decompositions(by_id: dict[str, KPIDefinition], position: dict[str, int]) -> list[Finding]:
    findings = []
    children: dict[str, list[KPIDefinition]] = {}
    for kpi in by_id.values():
        for edge in kpi.drives:
            if edge.kind is EdgeKind.DECOMPOSES and edge.target in by_id:
                children.setdefault(edge.target, []).append(kpi)
    for parent_id, parts in children.items():
        parent = by_id[parent_id]
        summed = Counter(term for part in parts for term in part.numerator)
        same_base = all(
            Counter(p.denominator) == Counter(parent.denominator) and p.scale == parent.scale for p in parts
        )
        if not same_base or summed != Counter(parent.numerator):
            findings.append(
                Finding(
                    "KPI-005",
                    Severity.ERROR,
                    f"$[{position[parent_id]}]",
                    f"{', '.join(sorted(p.id for p in parts))} do not add up to {parent_id!r} "
                    "over the same denominator",
                )
            )
    return findings


def _check_cycles(by_id: dict[str, KPIDefinition], position: dict[str, int]) -> list[Finding]:
    state: dict[str, int] = {}
    findings = []
    for start in by_id:
        if start in state:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            edges = [e.target for e in by_id[node].drives if e.target in by_id]
            if index < len(edges):
                stack.append((node, index + 1))
                nxt = edges[index]
                if state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt) :], nxt]
                    findings.append(
                        Finding(
                            "KPI-006",
                            Severity.ERROR,
                            f"$[{position[node]}].drives",
                            "cycle: " + " -> ".join(cycle),
                        )
                    )
                elif nxt not in state:
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return findings


# -------------------------------------------------------------------------------------- catalogue

_BUILT_IN_DEFINITIONS: Mapping[str, Definition] = {d.name: d for d in BUILT_IN_MEASURES}


def _leaf_tables(
    definitions: Mapping[str, Definition], name: str, seen: frozenset[str] = frozenset()
) -> set[str]:
    """Every table ``name`` may read, under any convention."""
    definition = definitions.get(name)
    if definition is None or name in seen:
        return set()
    inner = seen | {name}
    if isinstance(definition, Measure):
        return {definition.table}
    if isinstance(definition, Derived):
        return {t for term in definition.terms for t in _leaf_tables(definitions, term.measure, inner)}
    return {t for _, m in definition.options for t in _leaf_tables(definitions, m, inner)}


def _tables(definitions: Mapping[str, Definition], kpi: KPIDefinition) -> frozenset[str]:
    terms = (t.removeprefix("-") for t in (*kpi.numerator, *kpi.denominator))
    return frozenset(table for term in terms for table in _leaf_tables(definitions, term))


def _definitions(kind: type[Any], label: str) -> _check.Validator:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            _check.fail(f"$.{attribute.name}", "type", f"{attribute.name!r} must be a tuple of {label}")
        _check.tuple_of(value, kind, f"$.{attribute.name}", label)

    return check


@attrs.frozen(kw_only=True)
class Catalogue:
    """Measure definitions and KPIs, built by a caller and passed to ``evaluate``, ``trend``...

    Args:
        measures: Base measures of one's own (:class:`~comanaged_rcm.kpi.Measure`).
        derived: Sums of measures (:class:`~comanaged_rcm.kpi.Derived`).
        choices: Measures chosen by a convention (:class:`~comanaged_rcm.kpi.ByConvention`).
        kpis: KPIs of one's own; they may read any reported measure of the catalogue.
        built_in: Whether the built-in measures and KPIs are in the catalogue too (under the
            ones given, which may not reuse their names).

    Build KPIs over one's own measures with :meth:`define_kpi` (a :class:`KPIDefinition` built
    directly knows only the built-in measures), or read the whole catalogue from JSON with
    ``serialize.from_json(text, Catalogue)``.

    Raises:
        ValidationError: A name defined twice, a measure, term, option or KPI naming a measure
            the catalogue does not define, a measure defined in terms of itself; each at its
            path (``$.kpis[0].numerator[0]``).

    >>> from comanaged_rcm.kpi import Condition, Interval, Measure
    >>> medicare = Measure(name="medicare_payments", table="transactions", weight="amount",
    ...     where=(Condition("type", ("payment",)), Condition("payer", ("Medicare",))),
    ...     dates=(Interval.flow("posting_date"),))
    >>> mine = Catalogue.default().with_measures(medicare)
    >>> share = mine.define_kpi(id="medicare_cash_share", name="Medicare share of payments",
    ...     tier=Tier.DRIVER, direction=Direction.HIGHER, unit=Unit.PERCENT,
    ...     formula="Medicare payments / payments x 100", numerator=("medicare_payments",),
    ...     denominator=("payments",), scale=100, drives=(Edge("net_collection_rate"),))
    >>> mine = mine.with_kpis(share)
    >>> mine.kpi("medicare_cash_share").numerator, mine.check_hierarchy()
    (('medicare_payments',), [])
    """

    measures: tuple[Measure, ...] = attrs.field(
        default=(), converter=_check.as_tuple, validator=_definitions(Measure, "Measure")
    )
    derived: tuple[Derived, ...] = attrs.field(
        default=(), converter=_check.as_tuple, validator=_definitions(Derived, "Derived")
    )
    choices: tuple[ByConvention, ...] = attrs.field(
        default=(), converter=_check.as_tuple, validator=_definitions(ByConvention, "ByConvention")
    )
    kpis: tuple[KPIDefinition, ...] = attrs.field(
        default=(), converter=_check.as_tuple, validator=_definitions(KPIDefinition, "KPIDefinition")
    )
    built_in: bool = attrs.field(default=True, validator=v.flag())
    _definitions: Mapping[str, Definition] = attrs.field(
        init=False, eq=False, repr=False, alias="_definitions"
    )
    _by_id: Mapping[str, KPIDefinition] = attrs.field(init=False, eq=False, repr=False, alias="_by_id")

    def __attrs_post_init__(self) -> None:
        """Every name is defined once and every reference resolves."""
        found: dict[str, Definition] = dict(_BUILT_IN_DEFINITIONS) if self.built_in else {}
        for field in ("measures", "derived", "choices"):
            for i, definition in enumerate(getattr(self, field)):
                if definition.name in found:
                    where = (
                        "a built-in measure" if definition.name in _BUILT_IN_DEFINITIONS else "defined twice"
                    )
                    _check.fail(
                        f"$.{field}[{i}].name", "duplicate", f"measure {definition.name!r} is {where}"
                    )
                found[definition.name] = definition
        for i, derived in enumerate(self.derived):
            for j, term in enumerate(derived.terms):
                _known(found, term.measure, f"$.derived[{i}].terms[{j}].measure")
        for i, choice in enumerate(self.choices):
            for option, measure in choice.options:
                _known(found, measure, f"$.choices[{i}].options.{option}")
        for field in ("derived", "choices"):
            for i, definition in enumerate(getattr(self, field)):
                if _cyclic(found, definition.name):
                    _check.fail(
                        f"$.{field}[{i}]",
                        "cycle",
                        f"measure {definition.name!r} is defined in terms of itself",
                    )
        reported = {name for name, d in found.items() if d.reported}
        by_id: dict[str, KPIDefinition] = {k.id: k for k in _BUILT_IN} if self.built_in else {}
        for i, kpi in enumerate(self.kpis):
            if kpi.id in by_id:
                _check.fail(f"$.kpis[{i}].id", "duplicate", f"KPI {kpi.id!r} is already in the catalogue")
            for field in ("numerator", "denominator"):
                for j, term in enumerate(getattr(kpi, field)):
                    name = term.removeprefix("-")
                    if name not in reported:
                        _check.fail(
                            f"$.kpis[{i}].{field}[{j}]",
                            "unknown",
                            f"unknown measure {_check.show(term)} (not a reported measure of the catalogue)"
                            f"{_check.suggest(name, reported)}",
                        )
            by_id[kpi.id] = kpi
        object.__setattr__(self, "_definitions", found)
        object.__setattr__(self, "_by_id", by_id)

    @classmethod
    def default(cls) -> Catalogue:
        """The built-in measures and KPIs, with the KPIs :func:`register` added so far.

        >>> Catalogue.default().reported == tuple(MEASURES), Catalogue.default().metrics == catalogue()
        (True, True)
        """
        return cls(kpis=tuple(k for k in _REGISTRY.values() if k not in _BUILT_IN))

    # ------------------------------------------------------------------------------ reading
    @property
    def definitions(self) -> Mapping[str, Definition]:
        """Every measure definition, by name (the built-in ones first)."""
        return self._definitions

    @property
    def by_id(self) -> Mapping[str, KPIDefinition]:
        """Every KPI, by id."""
        return self._by_id

    @property
    def reported(self) -> tuple[str, ...]:
        """The reported measures' names, in catalogue order."""
        return tuple(name for name, d in self._definitions.items() if d.reported)

    @property
    def descriptions(self) -> Mapping[str, str]:
        """Each reported measure's description (:data:`~comanaged_rcm.kpi.MEASURES` for the built-ins)."""
        return {name: self._definitions[name].description for name in self.reported}

    @property
    def metrics(self) -> tuple[KPIDefinition, ...]:
        """Every KPI, outcomes first, then drivers, then activity."""
        return tuple(sorted(self._by_id.values(), key=lambda k: k.tier.rank))

    def __iter__(self) -> Iterator[KPIDefinition]:
        return iter(self.metrics)

    def kpi(self, kpi_id: str, path: str = "$.kpi_id") -> KPIDefinition:
        """The KPI with this id.

        Raises:
            ValidationError: Unknown id (with the closest one), at ``path``.
        """
        return lookup(kpi_id, path, catalogue=self)

    def measure(self, name: str, path: str = "$.name") -> Definition:
        """The measure definition with this name.

        Raises:
            ValidationError: Unknown name (with the closest one), at ``path``.
        """
        given: object = name  # checked: callers without a type checker pass anything
        if not isinstance(given, str) or given not in self._definitions:
            _check.fail(
                path,
                "unknown",
                f"unknown measure {_check.show(name)}{_check.suggest(name, self._definitions)}",
            )
        return self._definitions[name]

    def tables(self, kpi: KPIDefinition) -> frozenset[str]:
        """The input tables a KPI's measures may read, under any convention."""
        return _tables(self._definitions, kpi)

    def check_hierarchy(self) -> list[Finding]:
        """:func:`check_hierarchy` of every KPI of the catalogue, over its measures."""
        return check_hierarchy(self.metrics, catalogue=self)

    # ----------------------------------------------------------------------------- building
    def define_kpi(self, **fields: Any) -> KPIDefinition:  # noqa: ANN401 - KPIDefinition's fields
        """A :class:`KPIDefinition` whose measures may be any reported measure of this catalogue.

        Raises:
            ValidationError: What :class:`KPIDefinition` refuses.
        """
        token = _SCOPE.set(frozenset(self.reported))
        try:
            return KPIDefinition(**fields)
        finally:
            _SCOPE.reset(token)

    def with_measures(self, *definitions: Definition) -> Catalogue:
        """A new catalogue with these measure definitions added.

        Raises:
            ValidationError: Not a Measure, Derived or ByConvention (``$.definitions[i]``), or
                what the catalogue refuses.
        """
        kinds = {Measure: "measures", Derived: "derived", ByConvention: "choices"}
        added: dict[str, list[Definition]] = {name: [] for name in kinds.values()}
        for i, definition in enumerate(definitions):
            _check.instance(
                definition,
                (Measure, Derived, ByConvention),
                f"$.definitions[{i}]",
                "a Measure, Derived or ByConvention",
            )
            added[kinds[type(definition)]].append(definition)
        return attrs.evolve(
            self,
            measures=(*self.measures, *added["measures"]),
            derived=(*self.derived, *added["derived"]),
            choices=(*self.choices, *added["choices"]),
        )

    def with_kpis(self, *kpis: KPIDefinition) -> Catalogue:
        """A new catalogue with these KPIs added, after checking the hierarchy they make.

        Raises:
            ValidationError: Not a KPIDefinition (``$.kpis[i]``), an id taken, a measure the
                catalogue does not report, or an error finding of the hierarchy.
        """
        for i, kpi in enumerate(kpis):
            _check.instance(kpi, KPIDefinition, f"$.kpis[{i}]")
        found = attrs.evolve(self, kpis=(*self.kpis, *kpis))
        errors = [f for f in found.check_hierarchy() if f.is_error]
        if errors:
            raise ValidationError.single(errors[0].path, errors[0].rule, errors[0].message)
        return found

    def __repr__(self) -> str:
        own = len(self.measures) + len(self.derived) + len(self.choices)
        return (
            f"Catalogue(measures={len(self.reported)}, kpis={len(self._by_id)}, "
            f"own={own} measures, {len(self.kpis)} kpis)"
        )


def _known(found: Mapping[str, Definition], name: str, path: str) -> None:
    if name not in found:
        _check.fail(path, "unknown", f"unknown measure {_check.show(name)}{_check.suggest(name, found)}")


def _cyclic(found: Mapping[str, Definition], start: str) -> bool:
    """Whether ``start`` reaches itself through terms and options."""
    stack, seen = [start], set()
    while stack:
        definition = found.get(stack.pop())
        if definition is None or isinstance(definition, Measure):
            continue
        names = (
            [t.measure for t in definition.terms]
            if isinstance(definition, Derived)
            else [m for _, m in definition.options]
        )
        for name in names:
            if name == start:
                return True
            if name not in seen:
                seen.add(name)
                stack.append(name)
    return False


# ------------------------------------------------------------------------------------------- JSON

_structure_choice = make_dict_structure_fn(ByConvention, converter)
_unstructure_choice = make_dict_unstructure_fn(ByConvention, converter)
_structure_catalogue = make_dict_structure_fn(Catalogue, converter)


def _choice_from(data: object, _: type[Any]) -> ByConvention:
    """A ByConvention from JSON: ``options`` an object of option to measure name."""
    if isinstance(data, Mapping) and isinstance(data.get("options"), Mapping):
        data = {**data, "options": [[option, measure] for option, measure in data["options"].items()]}
    return _structure_choice(cast("Mapping[str, Any]", data), ByConvention)


def _choice_to(choice: ByConvention) -> dict[str, Any]:
    out: dict[str, Any] = _unstructure_choice(choice)
    out["options"] = dict(choice.options)
    return out


def _catalogue_from(data: object, _: type[Any]) -> Catalogue:
    """A Catalogue from JSON: its KPIs may read the measures it defines."""
    scope: frozenset[str] | None = None
    if isinstance(data, Mapping) and "kpis" in data:
        try:
            scope = frozenset(
                _structure_catalogue({k: x for k, x in data.items() if k != "kpis"}, Catalogue).reported
            )
        except Exception:  # noqa: BLE001 - the full structuring below reports it with its path
            scope = None
    token = _SCOPE.set(scope)
    try:
        return _structure_catalogue(cast("Mapping[str, Any]", data), Catalogue)
    finally:
        _SCOPE.reset(token)


converter.register_structure_hook(ByConvention, _choice_from)
converter.register_unstructure_hook(ByConvention, _choice_to)
converter.register_structure_hook(Catalogue, _catalogue_from)
