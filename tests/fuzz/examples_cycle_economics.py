"""Valid example calls of the engagement's economics section and the margin, for the API-wide fuzz test.

Keyed by their public names in :mod:`comanaged_rcm.cycle`; a name the package does not export is
not a public callable, and has no example here.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

import attrs

import comanaged_rcm.cycle
from comanaged_rcm.cycle import default_engagement
from comanaged_rcm.cycle._economics import MarginSection, margin
from comanaged_rcm.cycle._engagement import Baseline, EconomicsSection, Engagement, Fee, OwnCost
from comanaged_rcm.kpi import Book
from comanaged_rcm.periods import Period
from tests.fuzz.probes import Call

_P = "comanaged_rcm.cycle"
_D = datetime.date
_PERIOD = Period(_D(2026, 2, 2), _D(2026, 3, 2))


def _fee() -> dict[str, object]:
    return {
        "from_": _D(2026, 2, 2),
        "through": _D(2026, 12, 27),
        "fixed": 700.0,
        "percent_of_collections": 1.5,
    }


def _own() -> dict[str, object]:
    return {"from_": _D(2026, 1, 5), "through": _D(2026, 12, 27), "per_period": 2_500.0}


def _baseline() -> dict[str, object]:
    return {"from_": _D(2026, 1, 5), "through": _D(2026, 2, 1), "cost": 24_000.0}


def _section() -> dict[str, object]:
    return {
        "fees": (Fee(**_fee()),),  # type: ignore[arg-type]
        "own_costs": (OwnCost(**_own()),),  # type: ignore[arg-type]
        "baseline": Baseline(**_baseline()),  # type: ignore[arg-type]
    }


@functools.cache
def book() -> Book:
    """Four weeks of baseline and four of the engagement, one claim each (treat it as read-only)."""
    return Book(
        transactions={
            "claim_id": ["C1", "C1", "C1", "C2", "C2", "C2", "C2"],
            "payer": ["Acme"] * 7,
            "service_date": ["2026-01-05"] * 3 + ["2026-02-02"] * 4,
            "posting_date": [
                "2026-01-05",
                "2026-01-06",
                "2026-01-20",
                "2026-02-02",
                "2026-02-03",
                "2026-02-18",
                "2026-03-05",
            ],
            "type": ["charge", "contractual_adjustment", "payment"] * 2 + ["payment"],
            "amount": [1000.0, 200.0, 740.0, 2000.0, 400.0, 1500.0, 5.0],
        }
    )


@functools.cache
def engagement() -> Engagement:
    return attrs.evolve(default_engagement(), economics=EconomicsSection(**_section()))  # type: ignore[arg-type]


@functools.cache
def section() -> MarginSection:
    return margin(engagement(), book(), _PERIOD)


def _figure() -> dict[str, object]:
    return {
        "name": "incremental_margin",
        "label": "Incremental margin",
        "unit": "usd",
        "value": 7_600.0,
        "basis": "$20,000 - $12,400 partner cost",
        "reason": "",
    }


def _margin_section() -> dict[str, object]:
    found = section()
    return {field.name: getattr(found, field.name) for field in attrs.fields(MarginSection)}


_EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.Fee": lambda: Call(kwargs=_fee()),
    f"{_P}.OwnCost": lambda: Call(kwargs=_own()),
    f"{_P}.Baseline": lambda: Call(kwargs=_baseline()),
    f"{_P}.EconomicsSection": lambda: Call(kwargs=_section()),
    f"{_P}.MarginFigure": lambda: Call(kwargs=_figure()),
    f"{_P}.MarginSection": lambda: Call(kwargs=_margin_section()),
    f"{_P}.margin": lambda: Call(kwargs={"engagement": engagement(), "book": book(), "period": _PERIOD}),
}

_METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.MarginSection.figure": lambda: (section(), "figure", Call(kwargs={"name": "partner_cost"})),
}

_PUBLIC = frozenset(comanaged_rcm.cycle.__all__)

EXAMPLES = {name: call for name, call in _EXAMPLES.items() if name.split(".")[2] in _PUBLIC}
METHODS = {name: call for name, call in _METHODS.items() if name.split(".")[2] in _PUBLIC}
