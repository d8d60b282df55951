"""How the report's figures read: one formatter shared by every renderer and section."""

from __future__ import annotations

import math

from comanaged_rcm import _check as check
from comanaged_rcm.cycle._report import KpiLine

__all__ = ["format_value"]

STATUS = {"on_track": "on track", "watch": "watch", "breach": "BREACH", "no_target": "-"}
"""How a KPI's status against target reads."""

_MONEY_UNITS = frozenset({"usd", "dollars", "$", "currency"})


def format_value(value: float | None, unit: str) -> str:
    """Format a value for people, by the KPI engine's units.

    ``percent`` values are already on a 0-100 scale (as the KPI engine reports them);
    ``fraction`` values are on 0-1 (QA rates) and print as percentages; ``ratio`` is a plain
    number (touches per item).

    >>> format_value(96.23, "percent"), format_value(0.0752, "fraction"), format_value(1.604, "ratio")
    ('96.2%', '7.5%', '1.60')
    >>> format_value(41.26, "days"), format_value(None, "percent")
    ('41.3 d', 'n/a')
    >>> format_value(-12599.2, "usd"), format_value(-0.4, "usd")
    ('-$12,599', '$0')
    >>> format_value(1234567.891, "usd"), format_value(12.0, "count")
    ('$1,234,568', '12')

    Raises:
        ValidationError: ``value`` is not ``None`` or a finite number (NaN prints ``n/a``)
            (``$.value``), or ``unit`` is not text (``$.unit``).
    """
    if value is not None:
        value = check.real(value, "$.value", nan=True)
    return format_figure(value, check.text(unit, "$.unit"))


def format_figure(value: float | None, unit: str) -> str:
    """:func:`format_value` without its checks, for the renderers' own figures."""
    if value is None or math.isnan(value):
        return "n/a"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "fraction":
        return f"{value * 100:.1f}%"
    if unit == "days":
        return f"{value:.1f} d"
    if unit in _MONEY_UNITS:
        money = f"${abs(value):,.0f}"
        return f"-{money}" if value < 0 and money != "$0" else money  # -$12,599; never "-$0"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def format_change(line: KpiLine) -> str:
    if line.change is None:
        return "-"
    if line.unit == "percent":
        return f"{line.change:+.1f} pp"
    if line.unit == "ratio":
        return f"{line.change:+,.2f}"
    return f"{line.change:+,.1f}"


def format_target(line: KpiLine) -> str:
    if line.target is None:
        return "-"
    sign = ">=" if line.direction == "higher" else "<="
    return f"{sign} {format_figure(line.target, line.unit)}"
