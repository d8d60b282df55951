"""The margin of a period: net collections against the pre-engagement baseline, net of the partner's cost.

Does the co-managed model raise net collections, net of what the partner costs? For a period
(the report's KPI window, say) :func:`margin` measures, on the engagement's KPI conventions
(those of the report's net collection rate):

* **net collections** and **net charges** (the net collection rate's numerator and
  denominator, :mod:`comanaged_rcm.kpi`), this period and over the baseline;
* **expected collections without the partner**: the baseline net collection rate applied to
  this period's net charges (volume-adjusted, so a busier period is not credited to the
  partner), and **incremental collections**, actual less expected;
* the **partner's cost**: each fee term's fixed fee per cadence period (a period covered in
  part pays its share by days) plus its percentage of the cash posted on the days it covers;
* **cost to collect** with the partner, (own cost + partner cost) / cash collected, and without
  it, baseline cost / baseline cash (HFMA MAP Key "Cost to Collect": total revenue-cycle cost
  over total patient service cash collected);
* the **incremental margin**: incremental collections less the partner's cost.

The net collection rate is the KPI catalogue's (``net_collection_rate``: collections over
charges less contractual adjustments, MGMA's adjusted collection rate), under the engagement's
``refunds`` and ``collection_basis`` conventions. Cash collected is the catalogue's ``cash``
measure (payments less refunds, per ``refunds``, posted in the period), the denominator of its
``cost_to_collect`` KPI.

A figure that cannot be known is ``None`` with its reason: no ``economics`` section, no
baseline, zero net charges, no own cost given, days no fee covers, or days the data does not
hold. Money is in the book's one currency, never rounded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from comanaged_rcm import _check as check
from comanaged_rcm._check import as_optional_real, as_tuple, v
from comanaged_rcm.cycle._data import DataDates
from comanaged_rcm.cycle._engagement import EconomicsSection, Engagement, economics_findings
from comanaged_rcm.cycle._section import Section
from comanaged_rcm.cycle._section import section as make_section
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.kpi import Book, LazyBook, Scorecard, measures, resolve_conventions
from comanaged_rcm.kpi._results import ZERO_DENOMINATOR
from comanaged_rcm.periods import Period

__all__ = ["FIGURES", "MarginFigure", "MarginSection", "margin", "margin_section"]

FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("net_collections", "Net collections", "usd", "collections in the period"),
    ("net_charges", "Net charges", "usd", "charges less contractual adjustments in the period"),
    ("net_collection_rate", "Net collection rate", "percent", "net collections / net charges"),
    ("baseline_net_collections", "Baseline net collections", "usd", "collections in the baseline"),
    ("baseline_net_charges", "Baseline net charges", "usd", "net charges in the baseline"),
    ("baseline_rate", "Baseline net collection rate", "percent", "baseline net collections / net charges"),
    ("expected_collections", "Expected collections (baseline rate)", "usd", "baseline rate x net charges"),
    ("incremental_collections", "Incremental collections", "usd", "net collections - expected"),
    ("partner_cost", "Partner cost", "usd", "fixed fees + percentage x cash"),
    ("own_cost", "Own revenue-cycle cost", "usd", "own cost per period"),
    ("cost_to_collect", "Cost to collect", "percent", "(own cost + partner cost) / cash"),
    ("baseline_cost_to_collect", "Baseline cost to collect", "percent", "baseline cost / baseline cash"),
    ("incremental_margin", "Incremental margin", "usd", "incremental collections - partner cost"),
)
"""Each margin figure, in the order the section lists them: ``(name, label, unit, formula)``; an
undefined figure's basis is its formula."""

_NAMES = tuple(name for name, _, _, _ in FIGURES)
_FORMULAS = {name: formula for name, _, _, formula in FIGURES}
_NOTE = v.text(empty=True, multiline=True)
_ZERO = ZERO_DENOMINATOR
"""Net charges or cash within a millionth of a dollar of zero are zero, as the KPI engine's denominators."""

NO_SECTION = "the engagement has no economics section"


@attrs.frozen(kw_only=True)
class MarginFigure:
    """One figure of the margin: its value (``None`` where it cannot be known, with the reason).

    Args:
        name: The figure's id, one of :data:`FIGURES` (``incremental_margin``).
        label: How the report names it.
        unit: ``usd`` or ``percent`` (0 to 100, as the KPI engine's rates).
        value: A finite number, or ``None``.
        basis: How it was computed, with its inputs (``$312,000 own + $54,000 partner over
            $9,930,000 cash``).
        reason: Why ``value`` is ``None``; empty exactly when it is a number.

    Raises:
        ValidationError: A field of the wrong type, an unknown name or unit, a ``None`` value
            without a reason or a number with one.
    """

    name: str = attrs.field(validator=v.one_of(_NAMES))
    label: str = attrs.field(validator=v.text())
    unit: str = attrs.field(validator=v.one_of(("usd", "percent")))
    value: float | None = attrs.field(converter=as_optional_real, validator=v.optional(v.real()))
    basis: str = attrs.field(default="", validator=_NOTE)
    reason: str = attrs.field(default="", validator=_NOTE)

    def __attrs_post_init__(self) -> None:
        if self.value is None and not self.reason.strip():
            check.fail("$.value", "missing", f"{self.name!r} has no value and no 'reason' saying why")
        if self.value is not None and self.reason:
            check.fail("$.reason", "value", f"{self.name!r} has a value: 'reason' must be empty")


def _figures(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    v.tuple_of(MarginFigure)(_, attribute, value)
    names = tuple(f.name for f in value)  # type: ignore[attr-defined] # checked above
    if names != _NAMES:
        check.fail(
            "$.figures",
            "value",
            f"'figures' must be the margin's figures in order ({', '.join(_NAMES)})"
            f" (got {check.show(names)})",
        )


@attrs.frozen(kw_only=True)
class MarginSection:
    """The margin of one period: every figure of :data:`FIGURES`, defined or with its reason.

    Args:
        period: The period measured.
        baseline_kind: ``period`` (a period of the data), ``figures`` (figures given) or ``""``
            (no baseline).
        baseline: The baseline in words (``2025-07-07..2025-12-28 of the data``).
        convention: The KPI conventions the figures were computed on.
        figures: The figures, in the order of :data:`FIGURES`.
        note: What the reader should know about the section as a whole.

    Raises:
        ValidationError: A field of the wrong type, or figures missing, repeated or out of order.
    """

    period: Period = attrs.field(validator=v.instance(Period))
    baseline_kind: str = attrs.field(validator=v.one_of(("period", "figures", "")))
    baseline: str = attrs.field(validator=_NOTE)
    convention: str = attrs.field(validator=_NOTE)
    figures: tuple[MarginFigure, ...] = attrs.field(converter=as_tuple, validator=_figures)
    note: str = attrs.field(default="", validator=_NOTE)

    def figure(self, name: str) -> MarginFigure:
        """The figure called ``name`` (one of :data:`FIGURES`).

        Raises:
            ValidationError: ``name`` is not a figure's name (``$.name``, with a did-you-mean).
        """
        check.one_of(name, _NAMES, "$.name")
        return self.figures[_NAMES.index(name)]


# -------------------------------------------------------------------------------- computation
def _days(period: Period) -> str:
    return f"{period.start}..{period.last_day}"


def _figure_text(value: float | None, unit: str) -> str:
    """:func:`~comanaged_rcm.cycle._format.format_figure`: money as ``$1,234,568``, rates as ``96.2%``."""
    # imported here: the report's models hold a MarginSection, and the formats read the report's models
    from comanaged_rcm.cycle._format import format_figure  # noqa: PLC0415

    return format_figure(value, unit)


def _money(value: float) -> str:
    return _figure_text(value, "usd")


@attrs.frozen
class _Flows:
    """What the data holds for one period, or why it holds nothing usable (``gap``)."""

    collections: float = 0.0
    charges: float = 0.0
    cash: float = 0.0
    rate: float | None = None
    gap: str = ""


def _posted(book: Book | LazyBook) -> DataDates | None:
    """The first and last posting dates of the book's transactions (the book's sorted codes, kept)."""
    if isinstance(book, LazyBook):
        from comanaged_rcm.cycle._warehouse import span  # noqa: PLC0415 - only for a warehouse

        found = span(book, "transactions", ("posting_date",)) if "transactions" in book.tables else None
        return None if found is None else DataDates("transactions posted", *found)
    if book.transactions is None:
        return None
    days = book.codes("transactions", "posting_date")[0]
    days = days[~np.isnat(days)]
    if not days.size:
        return None
    return DataDates("transactions posted", days[0].item(), days[-1].item())


def _covered(period: Period, dates: DataDates | None, noun: str) -> str:
    """Why the data cannot give ``period``'s figures ("" when it can)."""
    if dates is None:
        return "the book has no transactions"
    if period.start < dates.first or period.last_day > dates.last:
        return f"the data ({dates}) does not cover {noun} {_days(period)}"
    return ""


def _flows(engagement: Engagement, book: Book | LazyBook, period: Period, gap: str) -> _Flows:
    """Net collections, net charges, cash and the net collection rate of ``period`` from the book."""
    if gap:
        return _Flows(gap=gap)
    found = measures(book, period, conventions=engagement.conventions)
    result = Scorecard.from_measures(found, ["net_collection_rate"]).result("net_collection_rate")
    collections, charges = result.numerator, result.denominator
    if collections is None or charges is None:  # pragma: no cover - a book with transactions has both
        return _Flows(gap=result.reason)
    return _Flows(
        collections=collections,
        charges=charges,
        cash=float(found.totals["cash"][0]),
        rate=result.value,
    )


def _prorated(
    terms: Sequence[tuple[Period, float]], engagement: Engagement, period: Period
) -> tuple[float, list[Period]]:
    """Each term's amount per cadence period over ``period``, a cadence period covered in part by days.

    Returns the sum and the parts of ``period`` the terms cover, sorted.
    """
    total, covered = 0.0, []
    for term, per_period in terms:
        part = period.intersection(term)
        if part is None:
            continue
        covered.append(part)
        for cadence in engagement.cadence.periods_between(part.start, part.end):
            shared = min(cadence.end, part.end) - max(cadence.start, part.start)
            total += per_period * shared.days / cadence.days
    return total, sorted(covered)


def _uncovered(period: Period, covered: list[Period]) -> list[Period]:
    """The parts of ``period`` that none of ``covered`` (sorted, not overlapping) covers."""
    gaps, day = [], period.start
    for part in covered:
        if part.start > day:
            gaps.append(Period(day, part.start))
        day = max(day, part.end)
    if day < period.end:
        gaps.append(Period(day, period.end))
    return gaps


def _gap_reason(what: str, gaps: list[Period]) -> str:
    return f"no {what} covers {', '.join(_days(g) for g in gaps)}"


class _Sheet:
    """The figures as they are worked out: each a value and basis, or ``None`` and a reason."""

    def __init__(self) -> None:
        self.values: dict[str, float | None] = {}
        self.bases: dict[str, str] = {}
        self.reasons: dict[str, str] = {}

    def put(self, name: str, value: float, basis: str) -> None:
        self.values[name], self.bases[name] = value, basis

    def undefined(self, name: str, reason: str) -> None:
        self.values[name], self.bases[name], self.reasons[name] = None, _FORMULAS[name], reason

    def ratio(self, name: str, numerator: float, denominator: float, basis: str, zero: str) -> None:
        """``numerator / denominator x 100``, undefined with ``zero`` when the denominator is zero."""
        if abs(denominator) <= _ZERO:
            self.undefined(name, zero)
        else:
            self.put(name, numerator / denominator * 100.0, basis)

    def need(self, name: str, *inputs: str) -> list[float] | None:
        """The inputs' values; ``None`` when one is undefined, and ``name`` then is too, for its reason."""
        found = []
        for given in inputs:
            value = self.values[given]
            if value is None:
                self.undefined(name, self.reasons[given])
                return None
            found.append(value)
        return found

    def figures(self) -> tuple[MarginFigure, ...]:
        return tuple(
            MarginFigure(
                name=name,
                label=label,
                unit=unit,
                value=self.values.get(name),
                basis=self.bases.get(name, ""),
                reason=self.reasons.get(name, ""),
            )
            for name, label, unit, _ in FIGURES
        )


@attrs.frozen
class _Margin:
    """One margin being worked out: its inputs and the sheet its figures go on."""

    engagement: Engagement
    section: EconomicsSection
    book: Book | LazyBook
    period: Period
    dates: DataDates | None
    sheet: _Sheet = attrs.field(factory=_Sheet)

    def flows(self, period: Period, noun: str) -> _Flows:
        return _flows(self.engagement, self.book, period, _covered(period, self.dates, noun))

    def cash(self, part: Period) -> float:
        """The cash posted in ``part`` of the period (a fee term that covers only some of it)."""
        found = measures(self.book, part, conventions=self.engagement.conventions)
        return float(found.totals["cash"][0])

    def put_flows(self, flows: _Flows, names: tuple[str, str, str], where: str) -> None:
        """Net collections, net charges and their rate (``names``) over ``where``, or why not."""
        collections, charges, rate = names
        if flows.gap:
            for name in names:
                self.sheet.undefined(name, flows.gap)
            return
        self.sheet.put(collections, flows.collections, f"collections in {where}")
        self.sheet.put(charges, flows.charges, f"charges less contractual adjustments in {where}")
        if flows.rate is None:
            self.sheet.undefined(rate, f"no net charges in {where}")
        else:
            self.sheet.put(rate, flows.rate, f"{_money(flows.collections)} / {_money(flows.charges)}")

    def baseline(self) -> tuple[float, str]:
        """The baseline's figures on the sheet; returns its cash collected and its description."""
        sheet, baseline = self.sheet, self.section.baseline
        names = ("baseline_net_collections", "baseline_net_charges", "baseline_rate")
        if baseline is None:
            for name in names:
                sheet.undefined(name, "no baseline given")
            return 0.0, ""
        period = baseline.period
        if period is None:  # given figures
            collections, charges = float(baseline.net_collections or 0.0), float(baseline.net_charges or 0.0)
            described = f"given figures ({baseline.source})" if baseline.source else "given figures"
            sheet.put("baseline_net_collections", collections, described)
            sheet.put("baseline_net_charges", charges, described)
            rate = collections / charges * 100.0
            sheet.put("baseline_rate", rate, f"{_money(collections)} / {_money(charges)}")
            return collections, described
        then = self.flows(period, "the baseline")
        self.put_flows(then, names, f"the baseline {_days(period)}")
        return then.cash, f"{_days(period)} of the data"

    def partner_cost(self, now: _Flows) -> None:
        terms = [(fee.period, fee.fixed) for fee in self.section.fees]
        fixed, covered = _prorated(terms, self.engagement, self.period)
        gaps = _uncovered(self.period, covered)
        if gaps:
            self.sheet.undefined("partner_cost", _gap_reason("fee", gaps))
            return
        share, parts = 0.0, []
        for fee in self.section.fees:
            part = self.period.intersection(fee.period)
            if part is None or not fee.percent_of_collections:
                continue
            if now.gap:
                self.sheet.undefined("partner_cost", now.gap)
                return
            cash = now.cash if part == self.period else self.cash(part)
            share += cash * fee.percent_of_collections / 100.0
            parts.append(f"{fee.percent_of_collections:g}% of {_money(cash)} cash")
        self.sheet.put("partner_cost", fixed + share, " + ".join([f"{_money(fixed)} fixed", *parts]))

    def costs(self, now: _Flows, baseline_cash: float) -> None:
        sheet, section = self.sheet, self.section
        if not section.own_costs:
            sheet.undefined("own_cost", "no own cost given")
        else:
            terms = [(cost.period, cost.per_period) for cost in section.own_costs]
            own, covered = _prorated(terms, self.engagement, self.period)
            gaps = _uncovered(self.period, covered)
            if gaps:
                sheet.undefined("own_cost", _gap_reason("own cost", gaps))
            else:
                sheet.put("own_cost", own, f"own cost per period over {_days(self.period)}")
        inputs = sheet.need("cost_to_collect", "own_cost", "partner_cost", "net_collections")
        if inputs is not None:
            own, partner, _ = inputs
            basis = f"({_money(own)} own + {_money(partner)} partner) / {_money(now.cash)} cash"
            sheet.ratio("cost_to_collect", own + partner, now.cash, basis, "no cash collected in the period")
        baseline = section.baseline
        if baseline is None:
            sheet.undefined("baseline_cost_to_collect", "no baseline given")
        elif baseline.cost is None:
            sheet.undefined("baseline_cost_to_collect", "no baseline cost given")
        elif sheet.need("baseline_cost_to_collect", "baseline_net_collections") is not None:
            basis = f"{_money(baseline.cost)} / {_money(baseline_cash)} cash"
            sheet.ratio(
                "baseline_cost_to_collect", baseline.cost, baseline_cash, basis, "no cash in the baseline"
            )

    def incremental(self) -> None:
        sheet = self.sheet
        inputs = sheet.need("expected_collections", "baseline_rate", "net_charges")
        if inputs is not None:
            rate, charges = inputs
            if abs(charges) <= _ZERO:
                reason = f"no net charges in {_days(self.period)} to apply the baseline rate to"
                sheet.undefined("expected_collections", reason)
            else:
                basis = f"{rate:.2f}% x {_money(charges)} net charges"
                sheet.put("expected_collections", rate / 100.0 * charges, basis)
        inputs = sheet.need("incremental_collections", "net_collections", "expected_collections")
        if inputs is not None:
            actual, expected = inputs
            sheet.put("incremental_collections", actual - expected, f"{_money(actual)} - {_money(expected)}")
        inputs = sheet.need("incremental_margin", "incremental_collections", "partner_cost")
        if inputs is not None:
            gain, cost = inputs
            sheet.put("incremental_margin", gain - cost, f"{_money(gain)} - {_money(cost)} partner cost")


def margin(engagement: Engagement, book: Book | LazyBook, period: Period) -> MarginSection:
    """The margin of ``period``: net collections against the baseline, net of the partner's cost.

    Every figure of :data:`FIGURES`, on the engagement's KPI conventions (those of the report's
    net collection rate, :func:`comanaged_rcm.kpi.evaluate`): net collections and net charges
    (the net collection rate's numerator and denominator) this period and over the baseline;
    expected collections without the partner (baseline net collection rate x this period's net
    charges: volume-adjusted); incremental collections (actual - expected); the partner's cost
    (fixed fee per cadence period, a period covered in part by days, + percentage x the cash
    posted on the days each term covers); cost to collect with the partner ((own cost +
    partner cost) / cash collected) and without it (baseline cost / baseline cash), the HFMA
    MAP Key "Cost to Collect"; and the incremental margin (incremental collections - partner
    cost). A baseline of given figures takes its net collections as its cash collected.

    Args:
        engagement: The engagement; its ``economics`` section holds the fees, own costs and
            baseline.
        book: The provider's data (:class:`comanaged_rcm.kpi.Book`).
        period: The period measured: in the weekly report, its KPI window.

    Returns:
        The section; without an ``economics`` section every figure is ``None``, saying so.
        A figure is ``None`` with its reason where what it needs is missing: no baseline, zero
        net charges, no own cost given, days no fee (or own cost) covers, days outside the
        data's transactions.

    Raises:
        ValidationError: ``engagement``, ``book`` or ``period`` of the wrong type, or an
            economics section with errors (overlapping fee terms, a baseline overlapping the
            engagement: :func:`~comanaged_rcm.cycle.check_engagement`).
        ConventionError: The engagement's KPI conventions are unknown.

    >>> import datetime
    >>> from comanaged_rcm.cycle import default_engagement
    >>> from comanaged_rcm.cycle._engagement import Baseline, EconomicsSection, Fee
    >>> book = Book(transactions={"claim_id": ["A", "A", "B", "B"], "payer": ["P"] * 4,
    ...     "service_date": ["2026-01-05", "2026-01-05", "2026-02-02", "2026-02-02"],
    ...     "posting_date": ["2026-01-05", "2026-01-20", "2026-02-02", "2026-02-22"],
    ...     "type": ["charge", "payment", "charge", "payment"], "amount": [1000.0, 900.0, 1000.0, 950.0]})
    >>> fee = Fee(from_=datetime.date(2026, 2, 2), through=datetime.date(2026, 3, 1), fixed=5.0)
    >>> baseline = Baseline(from_=datetime.date(2026, 1, 5), through=datetime.date(2026, 2, 1))
    >>> section = EconomicsSection(fees=[fee], baseline=baseline)
    >>> engagement = attrs.evolve(default_engagement(), economics=section)
    >>> result = margin(engagement, book, Period(datetime.date(2026, 2, 2), datetime.date(2026, 2, 23)))
    >>> [result.figure(name).value for name in ("baseline_rate", "incremental_collections", "partner_cost")]
    [90.0, 50.0, 15.0]
    >>> result.figure("incremental_margin").value, result.figure("cost_to_collect").reason
    (35.0, 'no own cost given')
    """
    check.instance(engagement, Engagement, "$.engagement")
    check.instance(book, (Book, LazyBook), "$.book", "a kpi.Book or kpi.LazyBook")
    check.instance(period, Period, "$.period")
    errors = [f for f in economics_findings(engagement) if f.is_error]
    if errors:
        raise ValidationError([Issue(f.path, f.rule, f.message) for f in errors])
    chosen = resolve_conventions(engagement.conventions)
    convention = ", ".join(chosen[family].id for family in ("refunds", "collection_basis"))
    section = engagement.economics
    if section is None:
        sheet = _Sheet()
        for name in _NAMES:
            sheet.undefined(name, NO_SECTION)
        note = f"{NO_SECTION} (engagement schema version 4): no fees, no own cost, no baseline"
        return MarginSection(
            period=period,
            baseline_kind="",
            baseline="",
            convention=convention,
            figures=sheet.figures(),
            note=note,
        )
    work = _Margin(engagement, section, book, period, _posted(book))
    now = work.flows(period, "the period")
    work.put_flows(now, ("net_collections", "net_charges", "net_collection_rate"), _days(period))
    baseline_cash, described = work.baseline()
    work.partner_cost(now)
    work.costs(now, baseline_cash)
    work.incremental()
    kind = "" if section.baseline is None else section.baseline.kind
    return MarginSection(
        period=period,
        baseline_kind=kind,
        baseline=described,
        convention=convention,
        figures=work.sheet.figures(),
    )


# ------------------------------------------------------------------------------------ section
MARGIN_HEADERS = ("figure", "value", "basis")


def margin_section(section: MarginSection) -> Section:
    """The margin as a report :class:`~comanaged_rcm.cycle._section.Section`: figure, value, basis.

    Money prints as ``$1,234,568`` and rates as ``96.2%`` (:func:`format_figure`); an undefined
    figure prints ``n/a (reason)``. The note names the period, the baseline, the conventions and
    the sources.
    """
    rows = []
    for figure in () if section.note else section.figures:
        value = _figure_text(figure.value, figure.unit)
        if figure.value is None:
            value = f"n/a ({figure.reason})"
        rows.append((figure.label, value, figure.basis))
    baseline = f"baseline {section.baseline}" if section.baseline else "no baseline"
    note = (
        f"{_days(section.period)} against {baseline}, on {section.convention}. Net collection rate as the KPI"
        " catalogue's (MGMA adjusted collection rate); cost to collect: HFMA MAP Key Cost to Collect"
        " (revenue-cycle cost / cash collected)."
    )
    if section.note:
        note = f"{section.note}. {note}"
    return make_section("Margin", MARGIN_HEADERS, rows, note)
