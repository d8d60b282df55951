"""The engagement document: scope split, cadence, KPI targets, QA policies and escalation rules."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from comanaged_rcm import _check as check
from comanaged_rcm import _io
from comanaged_rcm._check import as_int, as_optional_real, as_real, as_tuple, v
from comanaged_rcm.errors import ConventionError, Issue, RCMError, ValidationError
from comanaged_rcm.escalation import (
    CALENDAR_NAMES,
    DEFAULT_HOURS,
    BusinessHours,
    RuleSet,
    business_hours,
    compile_rule,
    default_rules,
)
from comanaged_rcm.findings import Finding, Severity
from comanaged_rcm.kpi import Target, Tier, catalogue, resolve_conventions
from comanaged_rcm.kpi._conventions import check_applicable
from comanaged_rcm.mapping import ExportMap
from comanaged_rcm.periods import Cadence, Period, Weekday
from comanaged_rcm.raci import ScopeSplit, co_managed_template
from comanaged_rcm.sampling import Method
from comanaged_rcm.serialize import _issues as structure_issues
from comanaged_rcm.serialize import converter, from_dict

__all__ = [
    "DEFAULT_ACTIVITY",
    "DEFAULT_DRIVERS",
    "DEFAULT_OUTCOMES",
    "SCHEMA_SECTIONS",
    "SCHEMA_VERSION",
    "Baseline",
    "BusinessHoursSection",
    "EconomicsSection",
    "Engagement",
    "Fee",
    "OwnCost",
    "QaPolicy",
    "check_engagement",
    "default_engagement",
    "load_engagement",
]


DEFAULT_OUTCOMES = ("net_collection_rate", "days_in_ar", "write_off_rate")
"""The outcome KPIs every report leads with."""

DEFAULT_DRIVERS = (
    "initial_denial_rate",
    "clean_claim_rate",
    "denial_overturn_rate",
    "aged_ar_over_90",
    "dnfb_days",
    "late_charges_pct",
)
"""The drivers reported under the outcomes they move."""

DEFAULT_ACTIVITY = ("items_closed", "touches_per_closed_item", "backlog", "aged_backlog", "escalated_share")
"""Activity KPIs: reported apart, in the operations section."""


MAX_PERIODS = 1000
"""The most periods a trend, a KPI window, a QA window or an escalation replay spans (19 years of weeks)."""

SCHEMA_VERSION = 4
"""The newest engagement document schema this library reads, and the one it writes.

Version 1 is the document without sections added later (and without ``schema_version``);
version 2 adds the optional ``mapping`` section (a :class:`~comanaged_rcm.mapping.ExportMap`);
version 3 adds the optional ``business_hours`` section (a :class:`BusinessHoursSection`);
version 4 adds the optional ``economics`` section (an :class:`EconomicsSection`).
Each later section bumps the version and is listed in :data:`SCHEMA_SECTIONS`."""

SCHEMA_SECTIONS: dict[str, int] = {"mapping": 2, "business_hours": 3, "economics": 4}
"""Each optional engagement section and the schema version that introduced it: a document using
a section must declare at least that version."""

_SEED = {"minimum": -(2**63), "maximum": 2**64 - 1}
"""Bounds of a QA selection seed: any 64-bit integer."""


def _text_map(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A dict of text to text (convention choices)."""
    path = f"$.{attribute.name}"
    if not isinstance(value, dict):
        check.fail(
            path, "type", f"'{attribute.name}' must be a dict of text to text (got {check.show(value)})"
        )
    for key, choice in value.items():
        check.text(key, f"{path}[{check.show(key)}]")
        check.text(choice, f"{path}.{key}")


@attrs.frozen(kw_only=True)
class QaPolicy:
    """How one workflow's work is audited each period.

    Each period the items of ``workflow`` closed in that period are the population; an attribute
    plan (``confidence``, ``tolerable_rate``, ``expected_rate``, ``method``) sizes the sample,
    which is selected reproducibly. The evaluation pools the samples of the last ``window``
    audited periods and compares the upper deviation limit with the tolerable rate.

    Args:
        workflow: The workflow id (``denials``).
        confidence: Confidence of the plan and of the upper limit (0.95).
        tolerable_rate: The highest error rate the provider accepts.
        expected_rate: The error rate expected when planning (sizes the sample).
        method: ``hypergeometric`` (exact for the finite population, the default),
            ``binomial`` or ``poisson``.
        window: How many audited periods the evaluation pools (4 weeks make a month), 1 to
            :data:`MAX_PERIODS`.

    >>> QaPolicy(workflow="denials", tolerable_rate=0.05).window
    4
    """

    workflow: str = attrs.field(validator=v.identifier())
    confidence: float = attrs.field(default=0.95, converter=as_real, validator=v.rate())
    tolerable_rate: float = attrs.field(default=0.05, converter=as_real, validator=v.rate())
    expected_rate: float = attrs.field(default=0.01, converter=as_real, validator=v.rate(low_open=False))
    method: Method = attrs.field(default=Method.HYPERGEOMETRIC, validator=v.member(Method))
    window: int = attrs.field(default=4, converter=as_int, validator=v.count(minimum=1, maximum=MAX_PERIODS))

    def __attrs_post_init__(self) -> None:
        if self.expected_rate >= self.tolerable_rate:
            raise ValidationError.single(
                "$.expected_rate",
                "range",
                f"'expected_rate' must be below 'tolerable_rate' ({self.tolerable_rate}) "
                f"(got {self.expected_rate})",
            )


def _own_dict(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """A mapping as a new ``dict``, so a caller's later change cannot reach the built hours."""
    return dict(value) if isinstance(value, Mapping) else value


@attrs.frozen(kw_only=True)
class BusinessHoursSection:
    """The provider's office: its time zone, opening hours, holiday calendar and closures.

    The engagement's ``business_hours`` section (schema version 3). The weekly cycle steps the
    escalation rules with it as their calendar, so deadlines given in business hours count the
    hours this office is open, and the report shows deadlines and what is overdue in its zone.
    It is built into one :class:`~comanaged_rcm.escalation.BusinessHours`
    (:attr:`business_hours`) when the section is made.

    Args:
        zone: The IANA time zone (``America/New_York``).
        calendar: The holiday calendar, one of
            :data:`~comanaged_rcm.escalation.CALENDAR_NAMES` (``us_federal``, the default).
        hours: Weekday name to its opening window, ``"08:00-17:00"``; days left out are closed.
            Default :data:`~comanaged_rcm.escalation.DEFAULT_HOURS` (Monday to Friday, 08:00 to
            17:00).
        closures: Further days the office is closed (ISO dates in the document).

    Raises:
        ValidationError: An unknown zone, calendar or weekday (with a did-you-mean), a window
            that is not ``HH:MM-HH:MM`` or closes before it opens, no open day, or a closure that
            is not a date.

    >>> section = BusinessHoursSection(zone="America/Chicago", closures=(datetime.date(2026, 12, 24),))
    >>> hours = section.business_hours
    >>> hours.zone, hours.is_business_day(datetime.date(2026, 12, 24)), sorted(hours.weekend)
    ('America/Chicago', False, [5, 6])
    """

    zone: str = attrs.field()
    calendar: str = attrs.field(default="us_federal", validator=v.one_of(CALENDAR_NAMES))
    hours: dict[str, str] = attrs.field(factory=lambda: dict(DEFAULT_HOURS), converter=_own_dict)
    closures: tuple[datetime.date, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.each(v.date())
    )
    _built: BusinessHours = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # the zone and the hours are checked by BusinessHours itself, at the same paths
        office = business_hours(self.zone, calendar=self.calendar, hours=self.hours)
        if self.closures:
            office = attrs.evolve(office, holidays=office.holidays | frozenset(self.closures))
        object.__setattr__(self, "_built", office)

    @property
    def business_hours(self) -> BusinessHours:
        """The section as the escalation engine's business hours (built once)."""
        return self._built


# ------------------------------------------------------------------------------------- economics
_DAY = datetime.timedelta(days=1)
_LAST_THROUGH = datetime.date.max - _DAY
"""The latest ``through`` a date range takes: the day after it must still be a date."""

_MONEY = v.real(minimum=0)


def _from(_: object, __: attrs.Attribute[Any], value: object) -> None:
    """``from_``: the first day of a date range (``from`` in documents)."""
    check.date(value, "$.from_")


def _through(instance: object, _: attrs.Attribute[Any], value: object) -> None:
    """``through``: the last day of a date range, on or after its ``from``."""
    last = check.date(value, "$.through", latest=_LAST_THROUGH)
    first = getattr(instance, "from_", None)
    if isinstance(first, datetime.date) and last < first:
        check.fail("$.through", "range", f"'through' ({last}) must be on or after the first day ({first})")


def _days(first: datetime.date, last: datetime.date) -> str:
    return f"{first}..{last}"


@attrs.frozen(kw_only=True)
class Fee:
    """What the partner charges while one term of the contract is in effect.

    In the document ``{"from": "2026-01-05", "through": "2026-12-27", "fixed": 18000,
    "percent_of_collections": 2.5}``: ``from`` and ``through`` are the term's first and last
    days, both included. In Python the first is ``from_`` (``from`` is a keyword), and so are
    the paths of its errors (``$.from_``); a document's errors say ``from``.

    Args:
        from_: The first day the fee is in effect.
        through: The last day it is in effect (on or after ``from_``).
        fixed: The fixed fee per period of the engagement's cadence (per week, with a weekly
            cadence), in dollars; a period the term covers in part pays its share by days.
        percent_of_collections: The percentage of net collections the partner takes, 0 to
            100 (``2.5`` is 2.5%); net collections are the cash posted on the days the term
            covers (payments less refunds under the engagement's ``refunds`` convention).

    Raises:
        ValidationError: A date that is not a date, ``through`` before ``from``, a negative
            fee or a percentage outside 0 to 100, each at its field (``$.from``, ``$.through``).

    >>> fee = Fee(from_=datetime.date(2026, 1, 5), through=datetime.date(2026, 12, 27), fixed=4500)
    >>> str(fee.period), fee.percent_of_collections
    ('2026-01-05/2026-12-28', 0.0)
    """

    from_: datetime.date = attrs.field(validator=_from)
    through: datetime.date = attrs.field(validator=_through)
    fixed: float = attrs.field(default=0.0, converter=as_real, validator=_MONEY)
    percent_of_collections: float = attrs.field(
        default=0.0, converter=as_real, validator=v.real(minimum=0, maximum=100)
    )

    @property
    def period(self) -> Period:
        """The term as a half-open :class:`~comanaged_rcm.periods.Period` (``through`` included)."""
        return Period(self.from_, self.through + _DAY)


@attrs.frozen(kw_only=True)
class OwnCost:
    """The provider's own revenue-cycle cost per cadence period while it holds.

    Its in-house staff, systems and overhead on the revenue cycle, the numerator of HFMA's
    cost to collect besides the partner's fees. ``from`` and ``through`` as for :class:`Fee`.

    Args:
        from_: The first day the cost holds.
        through: The last day it holds (on or after ``from_``).
        per_period: Dollars per period of the engagement's cadence; a period covered in part
            counts its share by days.

    Raises:
        ValidationError: Bad dates or a negative cost, at the field.

    >>> cost = OwnCost(from_=datetime.date(2026, 1, 5), through=datetime.date(2026, 6, 28), per_period=9000)
    >>> cost.per_period, cost.period.days
    (9000.0, 175)
    """

    from_: datetime.date = attrs.field(validator=_from)
    through: datetime.date = attrs.field(validator=_through)
    per_period: float = attrs.field(converter=as_real, validator=_MONEY)

    @property
    def period(self) -> Period:
        """The range as a half-open :class:`~comanaged_rcm.periods.Period` (``through`` included)."""
        return Period(self.from_, self.through + _DAY)


_BASELINE_FORMS = (
    "a baseline is either a period of the data ('from' and 'through') or given figures"
    " ('net_collections' and 'net_charges')"
)


def _optional_through(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _through(instance, attribute, value)


@attrs.frozen(kw_only=True)
class Baseline:
    """The revenue cycle before the partner: a period of the data, or figures given.

    Either ``from`` and ``through`` (a period of the provider's own data before the engagement,
    both days included, measured on the engagement's KPI conventions), or ``net_collections``
    and ``net_charges`` (figures from elsewhere: last year's financials, say, named in
    ``source``). :attr:`kind` says which. ``cost`` is the provider's total revenue-cycle cost
    over the baseline, for HFMA's cost to collect without the partner.

    Args:
        from_: The baseline period's first day.
        through: Its last day.
        net_collections: Given net collections (dollars, also taken as the cash collected).
        net_charges: Given net charges (charges less contractual adjustments, above 0).
        cost: The total revenue-cycle cost over the baseline (dollars), or ``None``.
        source: Where given figures come from; only with given figures.

    Raises:
        ValidationError: Both forms or neither, half of one (a ``from`` without ``through``),
            ``source`` with a period, or a bad value, each at its field.

    >>> Baseline(from_=datetime.date(2025, 7, 7), through=datetime.date(2025, 12, 28)).kind
    'period'
    >>> Baseline(net_collections=9.1e6, net_charges=9.6e6, cost=4.1e5, source="FY2025 financials").kind
    'figures'
    >>> Baseline(net_collections=9.1e6)
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: given baseline figures need 'net_charges'
    too @ $.net_charges
    """

    from_: datetime.date | None = attrs.field(default=None, validator=v.optional(_from))
    through: datetime.date | None = attrs.field(default=None, validator=_optional_through)
    net_collections: float | None = attrs.field(
        default=None, converter=as_optional_real, validator=v.optional(_MONEY)
    )
    net_charges: float | None = attrs.field(
        default=None, converter=as_optional_real, validator=v.optional(v.real(minimum=0, low_open=True))
    )
    cost: float | None = attrs.field(default=None, converter=as_optional_real, validator=v.optional(_MONEY))
    source: str = attrs.field(default="", validator=v.text(empty=True))

    def __attrs_post_init__(self) -> None:
        dated = self.from_ is not None or self.through is not None
        given = self.net_collections is not None or self.net_charges is not None
        if dated and given:
            check.fail("$.net_collections", "value", f"{_BASELINE_FORMS}, not both")
        if not dated and not given:
            check.fail("$", "missing", f"{_BASELINE_FORMS}: give one")
        pairs = (
            (("from_", self.from_), ("through", self.through))
            if dated
            else (
                ("net_collections", self.net_collections),
                ("net_charges", self.net_charges),
            )
        )
        what = "a baseline period" if dated else "given baseline figures"
        for name, value in pairs:
            if value is None:
                check.fail(f"$.{name}", "missing", f"{what} need{'s' if dated else ''} {name!r} too")
        if dated and self.source:
            check.fail(
                "$.source",
                "value",
                "'source' names where given baseline figures come from; a baseline period is read"
                " from the data",
            )

    @property
    def kind(self) -> str:
        """``"period"`` (a period of the data) or ``"figures"`` (figures given)."""
        return "figures" if self.from_ is None else "period"

    @property
    def period(self) -> Period | None:
        """The baseline period (``through`` included), or ``None`` for given figures."""
        if self.from_ is None or self.through is None:
            return None
        return Period(self.from_, self.through + _DAY)


def _fees(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    v.tuple_of(Fee)(instance, attribute, value)
    if not value:
        check.fail(
            "$.fees",
            "value",
            "'fees' must hold at least one fee (a term the partner does not charge for is a fee of 0)",
        )


@attrs.frozen(kw_only=True)
class EconomicsSection:
    """What the partner costs and what the revenue cycle did before it (schema version 4).

    The engagement's ``economics`` section. The margin of a period
    (:func:`~comanaged_rcm.cycle.margin`) reads it: the partner's cost from ``fees``, the
    provider's own cost from ``own_costs``, and the net collection rate and cost to collect
    without the partner from ``baseline``. Fee terms must not overlap, nor own-cost ranges,
    and a baseline period must end before the first fee's ``from``
    (:func:`check_engagement`: ENG-008 to ENG-011).

    Args:
        fees: The partner's fee terms, at least one.
        own_costs: The provider's own revenue-cycle cost per period, by date range; empty
            when not known (cost to collect is then undefined).
        baseline: The pre-engagement baseline, or ``None`` (the figures against it are then
            undefined).

    Raises:
        ValidationError: No fee, or an item that is not a :class:`Fee`, :class:`OwnCost` or
            :class:`Baseline`.

    >>> term = Fee(from_=datetime.date(2026, 1, 5), through=datetime.date(2026, 12, 27), fixed=4500)
    >>> EconomicsSection(fees=[term]).baseline is None
    True
    """

    fees: tuple[Fee, ...] = attrs.field(converter=as_tuple, validator=_fees)
    own_costs: tuple[OwnCost, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(OwnCost)
    )
    baseline: Baseline | None = attrs.field(default=None, validator=v.optional(v.instance(Baseline)))


def _in_document(issue: Issue) -> Issue:
    """An issue of a model's ``from_`` as a document names it: ``from`` (its path and its quote)."""
    path = issue.path
    if issue.code == "unknown_key" or not (path == "$.from_" or path.startswith(("$.from_.", "$.from_["))):
        return issue
    return attrs.evolve(
        issue,
        path="$.from" + path.removeprefix("$.from_"),
        message=issue.message.replace("'from_'", "'from'"),
    )


def _renamed_from(cls: type[Any], *, omit_defaults: bool = False) -> None:
    """``cls``'s ``from_`` (``from`` is a Python keyword) is ``from`` in documents and their errors."""
    structure = make_dict_structure_fn(cls, converter, from_=override(rename="from"))

    def hook(value: Any, type_: type[Any]) -> Any:  # noqa: ANN401 - a document's value in, the model out
        try:
            return structure(value, type_)
        except Exception as exc:  # noqa: BLE001 - whatever structuring raised, as issues at their paths
            issues = [_in_document(issue) for issue in structure_issues(exc, "$")]
        raise ValidationError(issues)

    converter.register_structure_hook(cls, hook)
    unstructure = make_dict_unstructure_fn(
        cls, converter, _cattrs_omit_if_default=omit_defaults, from_=override(rename="from")
    )
    converter.register_unstructure_hook(cls, unstructure)


_renamed_from(Fee)
_renamed_from(OwnCost)
_renamed_from(Baseline, omit_defaults=True)


_periods = v.count(minimum=1, maximum=MAX_PERIODS)
_names = v.tuple_of(str, "text")


def _schema_version(_: object, __: attrs.Attribute[Any], value: object) -> None:
    """A schema version from 1 to :data:`SCHEMA_VERSION`; above it, the document is too new."""
    check.count(value, "$.schema_version", minimum=1)
    if isinstance(value, int) and value > SCHEMA_VERSION:
        check.fail("$.schema_version", "version", _too_new(value))


def _too_new(version: object) -> str:
    return (
        f"'schema_version' {check.show(version)}: this engagement document was written by a newer"
        f" comanaged-rcm (this one reads schema versions 1 to {SCHEMA_VERSION}): upgrade comanaged-rcm"
    )


@attrs.frozen(kw_only=True)
class Engagement:
    """One co-managed engagement, as one document (JSON through :mod:`comanaged_rcm.serialize`).

    Args:
        schema_version: The document's schema version, 1 to :data:`SCHEMA_VERSION` (a document
            without it is version 1); a section of :data:`SCHEMA_SECTIONS` needs at least the
            version that introduced it.
        id: A short stable id (``acme-health``).
        name: The display name.
        version: The document's version; bump it on every change.
        split: The scope and ownership split (:class:`comanaged_rcm.raci.ScopeSplit`).
        cadence: The reporting cadence (weekly, weeks starting Monday).
        trend_periods: How many periods each outcome trend shows (13); this and every other
            count of periods is 1 to :data:`MAX_PERIODS`.
        kpi_window: How many periods each KPI value covers, ending with its period: 1 reports
            each week on its own; 4 reports a rolling four weeks every week, steadier for
            flow ratios such as the net collection rate on a small book.
        outcomes: Outcome KPI ids, reported first.
        drivers: Driver KPI ids, reported under the outcomes.
        activity: Activity KPI ids, reported apart in the operations section.
        conventions: KPI convention choices (``{"denial_unit": "lines"}``).
        targets: KPI targets (status on track / watch / breach).
        qa: The QA policy of each audited workflow.
        qa_seed: The base of every QA selection seed (each period and workflow derives its own),
            a 64-bit integer.
        rules: The escalation rules.
        escalation_periods: How many periods the rules are replayed over, so durations,
            pending holds and hysteresis count across cycles (4).
        escalation_slices: KPI slice dimensions the KPI rules see (``payer``).
        mapping: How the provider's CSV exports are read (a mapping document, schema version
            2), or ``None`` for exports in the library's own column names and ISO formats.
        business_hours: The provider's time zone and opening hours (schema version 3): the
            cycle counts deadlines in business hours there and shows deadlines and what is
            overdue in that zone; ``None`` counts business days only, on UTC dates.
        economics: The partner's fees, the provider's own cost and the pre-engagement baseline
            (schema version 4), read by :func:`~comanaged_rcm.cycle.margin`; ``None`` leaves
            the margin undefined.

    >>> engagement = default_engagement()
    >>> engagement.cadence, engagement.trend_periods
    (Cadence(frequency=<Frequency.WEEKLY: 'weekly'>, week_start=<Weekday.MONDAY: 'monday'>), 13)
    """

    schema_version: int = attrs.field(default=1, converter=as_int, validator=_schema_version)
    id: str = attrs.field(validator=v.identifier())
    name: str = attrs.field(validator=v.text())
    version: str = attrs.field(default="1", validator=v.text())
    split: ScopeSplit = attrs.field(validator=v.instance(ScopeSplit))
    cadence: Cadence = attrs.field(
        factory=lambda: Cadence.weekly(Weekday.MONDAY), validator=v.instance(Cadence)
    )
    trend_periods: int = attrs.field(default=13, converter=as_int, validator=_periods)
    kpi_window: int = attrs.field(default=1, converter=as_int, validator=_periods)
    outcomes: tuple[str, ...] = attrs.field(default=DEFAULT_OUTCOMES, converter=as_tuple, validator=_names)
    drivers: tuple[str, ...] = attrs.field(default=DEFAULT_DRIVERS, converter=as_tuple, validator=_names)
    activity: tuple[str, ...] = attrs.field(default=DEFAULT_ACTIVITY, converter=as_tuple, validator=_names)
    conventions: dict[str, str] = attrs.field(factory=dict, validator=_text_map)
    targets: tuple[Target, ...] = attrs.field(default=(), converter=as_tuple, validator=v.tuple_of(Target))
    qa: tuple[QaPolicy, ...] = attrs.field(default=(), converter=as_tuple, validator=v.tuple_of(QaPolicy))
    qa_seed: int = attrs.field(default=0, converter=as_int, validator=v.count(**_SEED))
    rules: RuleSet = attrs.field(validator=v.instance(RuleSet))
    escalation_periods: int = attrs.field(default=4, converter=as_int, validator=_periods)
    escalation_slices: tuple[str, ...] = attrs.field(default=("payer",), converter=as_tuple, validator=_names)
    mapping: ExportMap | None = attrs.field(default=None, validator=v.optional(v.instance(ExportMap)))
    business_hours: BusinessHoursSection | None = attrs.field(
        default=None, validator=v.optional(v.instance(BusinessHoursSection))
    )
    economics: EconomicsSection | None = attrs.field(
        default=None, validator=v.optional(v.instance(EconomicsSection))
    )

    def __attrs_post_init__(self) -> None:
        for section, introduced in SCHEMA_SECTIONS.items():
            if getattr(self, section) is not None and self.schema_version < introduced:
                check.fail(
                    f"$.{section}",
                    "version",
                    f"the {section!r} section needs engagement schema version {introduced} (it was"
                    f" introduced in version {introduced}); this document declares version"
                    f' {self.schema_version}: set "schema_version": {introduced}',
                )

    def policy(self, workflow: str) -> QaPolicy | None:
        """The QA policy of ``workflow``, or ``None`` when it is not audited.

        Raises:
            ValidationError: ``workflow`` is not text (``$.workflow``).
        """
        check.text(workflow, "$.workflow")
        return next((p for p in self.qa if p.workflow == workflow), None)


def _tier_findings(engagement: Engagement) -> list[Finding]:
    tiers = {k.id: k.tier for k in catalogue()}
    found = []
    for field, tier in (("outcomes", Tier.OUTCOME), ("drivers", Tier.DRIVER), ("activity", Tier.ACTIVITY)):
        seen: set[str] = set()
        for i, metric in enumerate(getattr(engagement, field)):
            path = f"$.{field}[{i}]"
            if metric not in tiers:
                found.append(_error("ENG-001", path, f"unknown KPI {metric!r}; see kpi.catalogue()"))
            elif tiers[metric] is not tier:
                message = (
                    f"{metric!r} is a {tiers[metric].value} KPI, not a {tier.value} one: "
                    f"list it under {_FIELD_OF[tiers[metric]]!r}"
                )
                found.append(_error("ENG-002", path, message))
            elif metric in seen:
                found.append(_error("ENG-003", path, f"{metric!r} is listed twice"))
            seen.add(metric)
    return found


_FIELD_OF = {Tier.OUTCOME: "outcomes", Tier.DRIVER: "drivers", Tier.ACTIVITY: "activity"}


def _error(rule: str, path: str, message: str) -> Finding:
    return Finding(rule, Severity.ERROR, path, message)


def _target_findings(engagement: Engagement) -> list[Finding]:
    known = {k.id for k in catalogue()}
    found = []
    seen: set[str] = set()
    for i, target in enumerate(engagement.targets):
        path = f"$.targets[{i}]"
        if target.metric not in known:
            found.append(_error("ENG-001", f"{path}.metric", f"unknown KPI {target.metric!r}"))
            continue
        if target.metric in seen:
            found.append(_error("ENG-003", f"{path}.metric", f"a second target for {target.metric!r}"))
        seen.add(target.metric)
        try:
            target.status(None)
        except ValidationError as exc:
            found.extend(_error("ENG-004", f"{path}{issue.path[1:]}", issue.message) for issue in exc.issues)
    return found


def _qa_findings(engagement: Engagement) -> list[Finding]:
    in_scope = set(engagement.split.in_scope)
    found = []
    seen: set[str] = set()
    for i, policy in enumerate(engagement.qa):
        path = f"$.qa[{i}].workflow"
        if policy.workflow not in in_scope:
            message = f"QA policy for {policy.workflow!r}, which is not an in-scope workflow of the split"
            found.append(_error("ENG-005", path, message))
        if policy.workflow in seen:
            found.append(_error("ENG-003", path, f"a second QA policy for {policy.workflow!r}"))
        seen.add(policy.workflow)
    return found


def _below(prefix: str, path: str) -> str:
    """A rule's issue path (``$.when``, or ``$.rule.when`` after compile_rule's argument) below ``prefix``."""
    rest = path[1:]
    if rest == ".rule" or rest.startswith((".rule.", ".rule[")):
        rest = rest.removeprefix(".rule")
    return f"{prefix}{rest}"


def _rule_findings(engagement: Engagement) -> list[Finding]:
    found: list[Finding] = []
    schema = engagement.rules.schema or None
    for i, rule in enumerate(engagement.rules.rules):
        path = f"$.rules.rules[{i}]"
        try:
            compile_rule(rule, schema)
        except ValidationError as exc:  # dedup keys, grouping or message outside the schema
            found.extend(_error("ENG-006", _below(path, issue.path), issue.message) for issue in exc.issues)
        except RCMError as exc:  # the condition: syntax, unknown field, types
            found.append(_error("ENG-006", f"{path}.when", str(exc)))
    return found


def _ranges(
    items: tuple[Fee, ...] | tuple[OwnCost, ...], name: str, what: str, *, overlap: str
) -> list[Finding]:
    """Date ranges that overlap (an error, rule ``overlap``) or leave days between them (ENG-011)."""
    found: list[Finding] = []
    order = sorted(range(len(items)), key=lambda i: (items[i].from_, items[i].through))
    if not order:
        return found
    last, holder = items[order[0]].through, order[0]
    for i in order[1:]:
        item, path = items[i], f"$.economics.{name}[{i}]"
        if item.from_ <= last:
            message = (
                f"{name}[{i}] ({_days(item.from_, item.through)}) overlaps {name}[{holder}] (to {last}):"
                f" each day takes one {what}"
            )
            found.append(_error(overlap, path, message))
        elif item.from_ > last + _DAY:
            message = (
                f"no {what} covers {_days(last + _DAY, item.from_ - _DAY)} (between {name}[{holder}]"
                f" and {name}[{i}]): a period touching those days has no {what} figure"
            )
            found.append(Finding("ENG-011", Severity.WARNING, f"{path}.from", message))
        if item.through > last:
            last, holder = item.through, i
    return found


def economics_findings(engagement: Engagement) -> list[Finding]:
    """The problems of the ``economics`` section: ENG-008 to ENG-011 (see :func:`check_engagement`)."""
    section = engagement.economics
    if section is None:
        return []
    found = [
        *_ranges(section.fees, "fees", "fee", overlap="ENG-008"),
        *_ranges(section.own_costs, "own_costs", "own cost", overlap="ENG-010"),
    ]
    baseline = section.baseline.period if section.baseline is not None else None
    first = min(fee.from_ for fee in section.fees)
    last = max(fee.through for fee in section.fees)
    if baseline is not None and baseline.start <= last and first < baseline.end:
        message = (
            f"the baseline {_days(baseline.start, baseline.last_day)} overlaps the engagement's fees"
            f" ({_days(first, last)}): a pre-engagement baseline ends before the first fee's 'from'"
        )
        found.append(_error("ENG-009", "$.economics.baseline", message))
    return found


def check_engagement(engagement: Engagement) -> list[Finding]:
    """Every cross-reference problem of an engagement, all at once.

    Rules: ENG-001 unknown KPI; ENG-002 a KPI listed in the wrong tier (activity never among
    outcomes); ENG-003 a KPI, target or QA policy listed twice; ENG-004 a target whose watch
    level sits on the better side of its target; ENG-005 a QA policy for a workflow that is not
    in scope; ENG-006 an escalation rule that does not compile against the rule set's schema,
    or whose dedup keys, grouping or message read a field the schema does not have;
    ENG-007 an unknown KPI convention; ENG-008 two fee terms of the ``economics`` section
    covering the same day; ENG-009 a baseline period overlapping the engagement (from the first
    fee's ``from`` to the last fee's ``through``); ENG-010 two own-cost ranges covering the same
    day; ENG-011 (a warning) days between fee terms, or between own-cost ranges, that none
    covers; ENG-012 a KPI convention that none of the engagement's KPIs (nor its economics
    section's net collection rate) reads, which would be ignored. The scope split's own findings come from
    :func:`comanaged_rcm.raci.validate` and are reported, not raised, by the cycle.

    Raises:
        ValidationError: ``engagement`` is not an :class:`Engagement` (``$.engagement``).

    >>> check_engagement(default_engagement())
    []
    >>> broken = attrs.evolve(default_engagement(), outcomes=("items_closed",))
    >>> [str(f) for f in check_engagement(broken)]  # doctest: +NORMALIZE_WHITESPACE
    ["ENG-002 error: 'items_closed' is a activity KPI, not a outcome one: list it under 'activity'
      @ $.outcomes[0]"]
    """
    check.instance(engagement, Engagement, "$.engagement")
    found = [
        *_tier_findings(engagement),
        *_target_findings(engagement),
        *_qa_findings(engagement),
        *_rule_findings(engagement),
        *economics_findings(engagement),
    ]
    return [*found, *_convention_findings(engagement)]


def _convention_findings(engagement: Engagement) -> list[Finding]:
    """ENG-007 an unknown convention; ENG-012 a chosen one none of the engagement's KPIs reads.

    The engagement's KPIs are its outcomes, drivers and activity, and the net collection rate
    its ``economics`` section reports; an option none of them reads would be ignored (the KPI
    calls of the cycle refuse it), so it is a finding at its path instead.
    """
    try:
        resolve_conventions(engagement.conventions)
    except RCMError as exc:
        return [_error("ENG-007", "$.conventions", str(exc))]
    known = {k.id: k for k in catalogue()}
    metrics = (*engagement.outcomes, *engagement.drivers, *engagement.activity)
    if engagement.economics is not None:
        metrics = (*metrics, "net_collection_rate")
    read = [known[m] for m in dict.fromkeys(metrics) if m in known]
    found = []
    for family, option in engagement.conventions.items():
        try:
            check_applicable({family: option}, read, known.values())
        except ConventionError as exc:
            found.append(_error("ENG-012", f"$.conventions.{family}", str(exc)))
    return found


def load_engagement(source: str | os.PathLike[str]) -> Engagement:
    """Read an engagement from JSON text or a JSON file, checking every cross-reference.

    Args:
        source: JSON text, or the path of a JSON file.

    Raises:
        ValidationError: ``source`` is neither text nor a path, or names a file that cannot be
            read (``$.source``) or is not text (UTF-8, or UTF-16/32 with a BOM; the issue names
            the file and line); listing every structural problem (with its path) or, for a
            well-formed document, every :func:`check_engagement` error.

    A document declaring a ``schema_version`` above :data:`SCHEMA_VERSION` is refused before
    anything else is read ("written by a newer comanaged-rcm: upgrade"); a document without one
    is version 1.

    >>> from comanaged_rcm.serialize import to_json
    >>> load_engagement(to_json(default_engagement())).id
    'demo-health'
    >>> load_engagement('{"schema_version": 5}')
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'schema_version' 5: this engagement
    document was written by a newer comanaged-rcm (this one reads schema versions 1 to 4): upgrade
    comanaged-rcm @ $.schema_version
    """
    return engagement_from_document(_io.load_json(_engagement_text(source)))


def engagement_from_document(document: object) -> Engagement:
    """Structure a parsed engagement document and check every cross-reference.

    The schema version is read first, so a document from a newer release is refused with that
    message rather than with what it contains that this release does not know.
    """
    if isinstance(document, dict):
        version = document.get("schema_version")
        if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
            check.fail("$.schema_version", "version", _too_new(version))
    engagement = from_dict(document, Engagement)
    errors = [f for f in check_engagement(engagement) if f.is_error]
    if errors:
        raise ValidationError([Issue(f.path, f.rule, f.message) for f in errors])
    return engagement


def _engagement_text(source: object) -> str:
    """The JSON text of ``source``: itself when it is a JSON object, else the file it names."""
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return source
    if not isinstance(source, str | os.PathLike) or isinstance(source, bytes):
        check.fail(
            "$.source",
            "type",
            f"'source' must be JSON text or the path of a JSON file (got {check.show(source)})",
        )
    try:
        path = Path(source)
        data = path.read_bytes()
    except (OSError, ValueError, TypeError) as exc:  # a missing file, a directory, a NUL in the name
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        check.fail("$.source", "file", f"cannot read {check.show(source)}: {reason}")
    return _io.decode(data, source=str(path))


def _default_targets() -> Iterable[Target]:
    source = "engagement contract (demo figures)"
    yield Target(metric="net_collection_rate", target=96.0, watch=94.0, source=source)
    yield Target(metric="days_in_ar", target=40.0, watch=50.0, source=source)
    yield Target(metric="write_off_rate", target=3.0, watch=5.0, source=source)
    yield Target(metric="initial_denial_rate", target=8.0, watch=10.0, source=source)
    yield Target(metric="clean_claim_rate", target=92.0, watch=88.0, source=source)
    yield Target(metric="aged_ar_over_90", target=15.0, watch=20.0, source=source)
    yield Target(metric="dnfb_days", target=5.0, watch=7.0, source=source)


_AUDITED = {
    # workflow: the error rate expected when planning (last quarter's QA history, say); a higher
    # expected rate buys a larger sample that tells 2% from 5% reliably
    "eligibility": 0.01,
    "prior_auth": 0.01,
    "coding": 0.01,
    "payment_posting": 0.01,
    "ar_follow_up": 0.02,
    "denials": 0.02,
}


def default_engagement() -> Engagement:
    """A realistic engagement to start from.

    The co-managed template split, a weekly cadence (weeks starting Monday), contract-style
    targets, QA on the partner's production workflows, and the default escalation rules.

    Examples:
        >>> [p.workflow for p in default_engagement().qa]
        ['eligibility', 'prior_auth', 'coding', 'payment_posting', 'ar_follow_up', 'denials']
    """
    return Engagement(
        schema_version=SCHEMA_VERSION,
        id="demo-health",
        name="Demo Health System x co-managed RCM partner",
        version="2026.11",
        split=co_managed_template(),
        kpi_window=4,
        targets=tuple(_default_targets()),
        qa=tuple(
            QaPolicy(workflow=w, confidence=0.95, tolerable_rate=0.05, expected_rate=expected)
            for w, expected in _AUDITED.items()
        ),
        qa_seed=20260504,
        rules=default_rules(),
    )
