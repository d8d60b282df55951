"""Conventions: named, versioned readings of a formula, chosen per call and reported with results.

A convention belongs to a *family* (``refunds``, ``ar_window``...) and names one *option* of it.
Every KPI lists the families it depends on; its result reports the option used for each, as
``family:option@version``. A chosen option that none of the requested KPIs reads is refused
(:func:`check_applicable`), never ignored.

>>> resolve_conventions({"refunds": "gross"})["refunds"].id
'refunds:gross@1'
>>> resolve_conventions({"refunds": "both"})
Traceback (most recent call last):
...
comanaged_rcm.errors.ConventionError: unknown option 'both' for convention 'refunds' (choose from gross,
netted)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import attrs
import numpy as np

from comanaged_rcm import _check
from comanaged_rcm._check import as_int, v
from comanaged_rcm.errors import ConventionError, ValidationError

__all__ = ["CONVENTIONS", "DEFAULT_CONVENTIONS", "Convention", "resolve_conventions"]

# a KPI definition as this module sees it (the catalogue imports this module, not the reverse)


class _Reader(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def conventions(self) -> tuple[str, ...]: ...


_MAP = "HFMA MAP Keys"
_CITF = "HFMA Claim Integrity Task Force"
_MGMA = "MGMA"
_AAFP = "AAFP"


def count(value: object, path: str, *, minimum: int = 0, maximum: int = _check.MAX_COUNT) -> int:
    """:func:`comanaged_rcm._check.count`, refusing ``numpy.timedelta64`` (an integer to numpy).

    >>> count(np.timedelta64(3, "D"), "$.version")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'version' must be a whole number (got
    np.timedelta64(3,'D')) @ $.version
    """
    if isinstance(value, np.timedelta64):
        _check.fail(
            path, "type", f"{_check.name_of(path)!r} must be a whole number (got {_check.show(value)})"
        )
    return _check.count(value, path, minimum=minimum, maximum=maximum)


def _version(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    count(value, f"$.{attribute.name}", minimum=1)
    if not isinstance(value, int):
        _check.fail(
            f"$.{attribute.name}", "type", f"{attribute.name!r} must be an int (got {_check.show(value)})"
        )


@attrs.frozen(kw_only=True)
class Convention:
    """One named reading of a formula.

    Args:
        family: What the choice is about (``ar_window``).
        option: The reading chosen (``trailing_90_days``).
        version: Bumped whenever the arithmetic of the option changes.
        description: What the option computes, in one sentence.
        source: Who defines or recommends it (HFMA MAP Keys, MGMA, AAFP...).

    Examples:
        >>> CONVENTIONS["ar_window"]["trailing_3_months"].source
        'HFMA MAP Keys'
    """

    family: str = attrs.field(validator=v.field_name(snake=True))
    option: str = attrs.field(validator=v.field_name(snake=True))
    version: int = attrs.field(converter=as_int, validator=_version)
    description: str = attrs.field(validator=v.text())
    source: str = attrs.field(validator=v.text())

    @property
    def id(self) -> str:
        """``family:option@version``, the form results report."""
        return f"{self.family}:{self.option}@{self.version}"


def _c(family: str, option: str, description: str, source: str, *, version: int = 1) -> Convention:
    return Convention(family=family, option=option, version=version, description=description, source=source)


_ALL = (
    _c("refunds", "netted", "collections are payments minus refunds", _MGMA),
    _c("refunds", "gross", "collections are payments; refunds are ignored", _AAFP),
    _c(
        "collection_basis",
        "posting_period",
        "payments and net charges both posted in the period",
        _MGMA,
    ),
    _c(
        "collection_basis",
        "dos_cohort",
        "charges with a date of service in the period and every payment on them posted by as-of",
        _AAFP,
    ),
    _c(
        "ar_window",
        "trailing_90_days",
        "average daily charges over the 90 days ending on as-of",
        "common practice; MGMA's cost and revenue formulas divide A/R by a year of gross charges"
        " x 1/365, of which this is a 90-day reading",
    ),
    _c(
        "ar_window",
        "trailing_3_months",
        "average daily charges over the 3 calendar months ending on as-of (actual days)",
        _MAP,
    ),
    _c(
        "ar_charges",
        "gross",
        "A/R ratios (days in A/R, DNFB days, a cohort's open A/R share) divide by gross charges",
        _MGMA,
    ),
    _c(
        "ar_charges",
        "adjusted",
        "A/R ratios divide by charges net of contractual adjustments",
        _MAP,
    ),
    _c("credit_balances", "offset", "claims with a credit balance reduce A/R", _MAP),
    _c("credit_balances", "excluded", "claims with a credit balance count as zero A/R", _MGMA),
    _c(
        "write_off_denominator",
        "net_charges",
        "write-offs over charges net of contractual adjustments",
        _MGMA,
    ),
    _c("write_off_denominator", "gross_charges", "write-offs over gross charges", _MAP),
    _c(
        "write_off_denominator",
        "npsr",
        "write-offs over net patient service revenue from the ledger",
        _MAP,
    ),
    _c("write_off_reasons", "charity_included", "every non-contractual write-off reason counts", _MAP),
    _c("write_off_reasons", "charity_excluded", "charity write-offs are left out", _MGMA),
    _c(
        "write_off_reasons",
        "denials_only",
        "only write-offs for denial and timely filing count (timely filing is a denial written off:"
        " this library's reading of the denial write-offs the HFMA CITF and MAP Key AR-6 count)",
        _CITF,
    ),
    _c(
        "write_off_basis",
        "posting_period",
        "write-offs and their base both posted in the period",
        _MGMA,
    ),
    _c(
        "write_off_basis",
        "dos_cohort",
        "write-offs and charges of the rows served in the period, posted on or before as-of",
        _AAFP,
    ),
    _c("aging_anchor", "service_date", "a claim's age runs from its earliest date of service", _MGMA),
    _c("aging_anchor", "bill_date", "a claim's age runs from its first bill date", _MAP),
    _c("aging_scope", "total_ar", "aged A/R as a share of total A/R", _MGMA),
    _c("aging_scope", "billed_ar", "aged A/R as a share of A/R on claims billed by as-of", _MAP),
    _c("denial_unit", "claims", "denials counted in claims", _CITF),
    _c("denial_unit", "lines", "denials counted in claim lines", _CITF),
    _c("denial_unit", "dollars", "denials measured in denied-line charge dollars over charges", _CITF),
    _c(
        "denial_unit",
        "claim_dollars",
        "denials measured in the charges of denied (or partially denied) claims over the charges of claims",
        _CITF,
    ),
    _c("denial_scope", "full_and_partial", "full and partial denials both count", _CITF),
    _c("denial_scope", "full_only", "only fully denied claims count", _MGMA),
    _c(
        "denial_denominator",
        "adjudicated_in_period",
        "original claims adjudicated in the period (denials among them)",
        _MGMA,
    ),
    _c(
        "denial_denominator",
        "submitted_cohort",
        "original claims submitted in the period, denied on adjudication by as-of",
        "a cohort reading of AAFP's denial rate, which divides the claims denied in the period by"
        " those submitted in it (submitted_in_period); no source prescribes the cohort",
    ),
    _c(
        "denial_denominator",
        "prior_three_month_average",
        "initial denials adjudicated in the month over the monthly average of original claims submitted"
        " in the 3 calendar months before it",
        _CITF,
        version=2,
    ),
    _c(
        "denial_denominator",
        "submitted_in_period",
        "initial denials adjudicated in the period over original claims submitted in the period",
        _AAFP,
    ),
)

CONVENTIONS: Mapping[str, Mapping[str, Convention]] = {
    family: {c.option: c for c in _ALL if c.family == family}
    for family in dict.fromkeys(c.family for c in _ALL)
}
"""Every convention, by family then option."""

DEFAULT_CONVENTIONS: Mapping[str, str] = {
    "refunds": "netted",
    "collection_basis": "posting_period",
    "ar_window": "trailing_90_days",
    "ar_charges": "gross",
    "credit_balances": "offset",
    "write_off_denominator": "net_charges",
    "write_off_reasons": "charity_included",
    "write_off_basis": "posting_period",
    "aging_anchor": "service_date",
    "aging_scope": "total_ar",
    "denial_unit": "claims",
    "denial_scope": "full_and_partial",
    "denial_denominator": "adjudicated_in_period",
}
"""The option used for each family when a call does not choose one."""


_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


def _mapping(chosen: object, path: str) -> dict[str, str]:
    """``chosen`` as a dict of str to str, or a ValidationError at ``path`` (``$.conventions``)."""
    name = _check.name_of(path)
    if not isinstance(chosen, Mapping):
        raise ValidationError.single(
            path,
            "type",
            f"{name!r} must be a mapping of family to option, like {{'refunds': 'gross'}}"
            f" (got {_check.show(chosen)})",
        )
    picked: dict[str, str] = {}
    for family, option in chosen.items():
        if not isinstance(family, str):
            raise ValidationError.single(
                path,
                "type",
                f"{name!r} must map family names (str) to options (got the key {_check.show(family)})",
            )
        if not isinstance(option, str):
            where = f".{family}" if _NAME.match(family) else f"[{_check.show(family)}]"
            raise ValidationError.single(
                f"{path}{where}",
                "type",
                f"{name!r} must map {_check.show(family)} to an option name (str)"
                f" (got {_check.show(option)})",
            )
        picked[family] = option
    return picked


def resolve_conventions(chosen: Mapping[str, str] | None = None) -> dict[str, Convention]:
    """Every family's convention: the caller's choice where given, else the default.

    Args:
        chosen: ``{family: option}``; families left out take :data:`DEFAULT_CONVENTIONS`.

    Returns:
        ``{family: Convention}`` for every family.

    Raises:
        ValidationError: ``chosen`` is not a mapping of family name to option name (a list of
            families, or a ``"family=option"`` string, say).
        ConventionError: An unknown family or option.

    >>> resolve_conventions(["refunds"])
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'chosen' must be a mapping of family to
    option, like {'refunds': 'gross'} (got ['refunds']) @ $.chosen
    """
    return resolve(chosen, "$.chosen")


def resolve(chosen: object, path: str) -> dict[str, Convention]:
    """:func:`resolve_conventions` of the argument at ``path`` (``$.conventions`` of evaluate)."""
    picked = _mapping({} if chosen is None else chosen, path)
    for family, option in picked.items():
        if family not in CONVENTIONS:
            known = ", ".join(sorted(CONVENTIONS))
            raise ConventionError(
                f"unknown convention {_check.show(family)} (choose from {known})"
                f"{_check.suggest(family, CONVENTIONS)}"
            )
        if option not in CONVENTIONS[family]:
            known = ", ".join(sorted(CONVENTIONS[family]))
            raise ConventionError(
                f"unknown option {_check.show(option)} for convention {family!r} (choose from {known})"
                f"{_check.suggest(option, CONVENTIONS[family])}"
            )
    found = {
        family: CONVENTIONS[family][picked.get(family, default)]
        for family, default in DEFAULT_CONVENTIONS.items()
    }
    for (family, option), (other, other_option), why in _CONFLICTS:
        if found[family].option == option and found[other].option == other_option:
            raise ConventionError(
                f"the conventions {family}={option} and {other}={other_option} do not go together: {why}"
            )
    return found


_CONFLICTS = (
    (
        ("write_off_basis", "dos_cohort"),
        ("write_off_denominator", "npsr"),
        (
            "the ledger books net patient service revenue by month, not by date of service;"
            " choose write_off_denominator=net_charges or gross_charges for a cohort"
        ),
    ),
)
"""Pairs of options with no meaning together, and why."""


def check_applicable(chosen: object, requested: Iterable[_Reader], known: Iterable[_Reader]) -> None:
    """Refuse a chosen option that none of the requested KPIs reads: it would be ignored silently.

    Every family of ``chosen`` must be among the ``conventions`` of some requested KPI. Choosing a
    family's default option explicitly is still a choice, and is refused just the same when
    nothing requested reads it: the caller meant something by it. Call after :func:`resolve`
    (``chosen`` is then a mapping of known families to known options).

    Args:
        chosen: ``{family: option}`` as the caller passed it (``None`` for none).
        requested: The KPI definitions asked for.
        known: Every KPI definition of the catalogue, to name those that would read a family.

    Raises:
        ConventionError: A chosen family that no requested KPI reads; the message names the
            option (``refunds=gross``) and the KPIs of the catalogue that read its family.

    >>> from comanaged_rcm.kpi import catalogue
    >>> backlog = [k for k in catalogue() if k.id == "backlog"]
    >>> check_applicable({"refunds": "gross"}, backlog, catalogue())
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ConventionError: the convention refunds=gross is read by none of the requested
    KPIs (backlog); 'refunds' is read by cash_collection_pct_npsr, cost_to_collect, net_collection_rate:
    request one of them or drop refunds=gross
    """
    if chosen is None:
        return
    picked = _mapping(chosen, "$.conventions")
    wanted = list(requested)
    read = {family for kpi in wanted for family in kpi.conventions}
    unread = [(family, option) for family, option in picked.items() if family not in read]
    if not unread:
        return
    catalogue = list(known)
    asked = ", ".join(kpi.id for kpi in wanted) or "none"
    notes = []
    for family, option in unread:
        names = sorted(kpi.id for kpi in catalogue if family in kpi.conventions)
        notes.append((f"{family}={option}", family, ", ".join(names) or "no KPI of the catalogue"))
    if len(notes) == 1:
        choice, family, readers = notes[0]
        raise ConventionError(
            f"the convention {choice} is read by none of the requested KPIs ({asked}); {family!r} is"
            f" read by {readers}: request one of them or drop {choice}"
        )
    listed = "; ".join(f"{choice} (read by {readers})" for choice, _, readers in notes)
    raise ConventionError(
        f"{len(notes)} conventions are read by none of the requested KPIs ({asked}): {listed};"
        " request a KPI that reads each or drop it"
    )
