"""The report's trends: unicode sparklines for text, inline SVG charts for the page, its styles.

A chart is read against its neighbours, so every KPI of a section that shares a unit (percent,
days, dollars...) is drawn on one scale: the union of their trends and targets. The page's charts
pad that range and round it outward to a readable step, label its low and high in the KPI's unit
and draw the target as a dashed, labelled line; the text sparklines use the range as it is and
print it after the blocks.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

import attrs

from comanaged_rcm.cycle._format import _MONEY_UNITS, STATUS, format_change, format_figure, format_target
from comanaged_rcm.cycle._report import KpiLine, TrendPoint
from comanaged_rcm.cycle._section import Section, section

__all__: list[str] = []

_SPARKS = "▁▂▃▄▅▆▇█"
_FLAT = _SPARKS[3]  # a series with nothing to compare against sits mid-height
_DASH = "\u2013"  # the CLI's ASCII fallback spells it "-"

KPI_HEADERS = ("metric", "value", "target", "status", "change", "trend", "convention")

# The finest step a unit's figures print (format_figure's decimals), the floor of a scale's step.
_FINEST = {"percent": 0.1, "days": 0.1, "fraction": 0.001, "count": 1.0, **dict.fromkeys(_MONEY_UNITS, 1.0)}
_DEFAULT_FINEST = 0.01
# Units with a natural ceiling: a scale never rises past it when the values stay within it.
_CEILING = {"percent": 100.0, "fraction": 1.0}
_PAD = 0.1  # of the values' span, each side of a chart's scale (at least one finest step)
_FLAT_PAD = 0.05  # of a flat series' value, each side (at least ten finest steps)
_STEPS = 10  # a chart's scale is rounded outward to about a tenth of its span

# Chart geometry, in CSS pixels.
_PLOT_WIDTH = 120
_HEIGHT = 44
_INSET = 6  # above the plot's top and below its bottom, where the range labels sit
_FONT = 9
_CHAR = 5.6  # a generous advance per character at _FONT px, to size the label gutters
_LINE = "#3949ab"
_INK = "#444"
_TARGET = "#555"


@attrs.frozen
class Scale:
    """The low and high of a drawn y-range (``low < high``, or equal for a flat text sparkline)."""

    low: float
    high: float

    def fraction(self, value: float) -> float | None:
        """Where ``value`` sits, 0 at ``low`` and 1 at ``high``; ``None`` for a range of zero."""
        span = self.high - self.low
        return None if span == 0 else (value - self.low) / span


def _nice_step(raw: float, finest: float) -> float:
    """The least of 1, 2, 5 x 10^k (and at least ``finest``) that is ``raw`` or more."""
    if raw <= finest:
        return finest
    base = 10.0 ** math.floor(math.log10(raw))
    return next(m * base for m in (1, 2, 5, 10) if raw <= m * base * (1 + 1e-9))


def text_scale(values: Sequence[float]) -> Scale:
    """The values' own range: a sparkline's lowest block is the least value, its highest the most.

    >>> text_scale([95.5, 94.1, 96.3])
    Scale(low=94.1, high=96.3)
    """
    return Scale(min(values), max(values))


def chart_scale(values: Sequence[float], unit: str) -> Scale:
    """A chart's range: the values padded, rounded outward to a step its labels print exactly.

    A scale does not fall below zero when no value does, nor rise past 100% (a ``percent`` unit)
    or 1 (a ``fraction``) when no value does.

    >>> chart_scale([95.0, 95.5, 96.12], "percent")
    Scale(low=94.8, high=96.4)
    >>> chart_scale([0.0, 0.0], "count")
    Scale(low=0.0, high=10.0)
    """
    low, high = min(values), max(values)
    finest = _FINEST.get(unit, _DEFAULT_FINEST)
    span = high - low
    pad = max(span * _PAD, finest) if span else max(abs(low) * _FLAT_PAD, finest * 10)
    step = _nice_step((span + 2 * pad) / _STEPS, finest)
    bottom = math.floor((low - pad) / step + 1e-9) * step  # a hair of slack for float noise,
    top = math.ceil((high + pad) / step - 1e-9) * step  # never more than the pad (a step at most)
    if low >= 0:
        bottom = max(bottom, 0.0)
    ceiling = _CEILING.get(unit)
    if ceiling is not None and high <= ceiling:
        top = min(top, ceiling)
    return Scale(round(bottom, 9), round(top, 9))


def _drawn(points: Iterable[TrendPoint], target: float | None) -> list[float]:
    """What a trend's chart shows: its defined values and, when it shows any, its target."""
    values = [p.value for p in points if p.value is not None]
    return [*values, target] if values and target is not None else values


def unit_scales(lines: Sequence[KpiLine], *, chart: bool) -> dict[str, Scale]:
    """One scale per unit over a section's lines (their trends and targets), for charts or text."""
    by_unit: dict[str, list[float]] = {}
    for line in lines:
        by_unit.setdefault(line.unit, []).extend(_drawn(line.trend, line.target))
    return {
        unit: chart_scale(values, unit) if chart else text_scale(values)
        for unit, values in by_unit.items()
        if values
    }


def range_label(scale: Scale, unit: str) -> str:
    """A scale's low and high in the unit, the unit's suffix written once: ``94.1–96.3%``.

    >>> range_label(Scale(94.1, 96.3), "percent"), range_label(Scale(40.0, 40.0), "days")
    ('94.1–96.3%', '40.0 d')
    >>> range_label(Scale(1000.0, 2500.0), "usd")
    '$1,000–$2,500'
    """  # noqa: RUF002 - the ranges print with an en dash
    low, high = format_figure(scale.low, unit), format_figure(scale.high, unit)
    if low == high:
        return low
    suffix = len(low) - len(low.rstrip("%d "))
    if suffix and low[-suffix:] == high[-suffix:]:
        low = low[:-suffix]
    return f"{low}{_DASH}{high}"


def sparkline(points: Sequence[TrendPoint], *, unit: str | None = None, scale: Scale | None = None) -> str:
    """A one-line trend of unicode blocks; undefined periods are blank.

    The blocks run from ``scale``'s low to its high (by default the trend's own range); with a
    ``unit`` the range follows the blocks, in that unit.

    >>> import datetime
    >>> from comanaged_rcm.periods import Period
    >>> p = Period(datetime.date(2026, 1, 5), datetime.date(2026, 1, 12))
    >>> trend = [TrendPoint("a", p, 94.1), TrendPoint("b", p, None), TrendPoint("c", p, 96.3)]
    >>> sparkline(trend), sparkline(trend, unit="percent")
    ('▁ █', '▁ █ 94.1–96.3%')
    >>> sparkline(trend, unit="percent", scale=Scale(90.0, 100.0))
    '▄ ▅ 90.0–100.0%'
    """  # noqa: RUF002 - the ranges print with an en dash
    values = [p.value for p in points if p.value is not None]
    if not values:
        return ""
    scale = scale or text_scale(values)
    chars = []
    for p in points:
        if p.value is None:
            chars.append(" ")
            continue
        where = scale.fraction(p.value)
        level = _FLAT if where is None else _SPARKS[round(min(max(where, 0.0), 1.0) * (len(_SPARKS) - 1))]
        chars.append(level)
    blocks = "".join(chars)
    return blocks if unit is None else f"{blocks} {range_label(scale, unit)}"


def _kpi_rows(lines: Sequence[KpiLine]) -> list[list[str]]:
    scales = unit_scales(lines, chart=False)
    return [
        [
            line.name,
            format_figure(line.value, line.unit),
            format_target(line),
            STATUS.get(line.status, line.status),
            format_change(line),
            sparkline(line.trend, unit=line.unit, scale=scales.get(line.unit)),
            f"undefined: {line.reason}" if line.value is None and line.reason else line.convention,
        ]
        for line in lines
    ]


def _figure(text: str) -> str:
    """A figure that keeps its unit or sign on its line (``41.4 d``, ``<= 40.0 d``)."""
    return f'<span class="fig">{html.escape(text)}</span>'


def kpi_section(title: str, lines: Sequence[KpiLine], note: str) -> Section:
    """A KPI table: sparklines in text and Markdown, a status colour and an SVG chart in HTML.

    Lines of one unit share one scale, in the sparklines and in the charts alike.
    """
    rows = _kpi_rows(lines)
    scales = unit_scales(lines, chart=True)
    marked = [
        [
            html.escape(row[0]),
            *(_figure(c) for c in row[1:3]),
            f'<span class="s-{html.escape(line.status)}">{html.escape(row[3])}</span>',
            _figure(row[4]),
            svg_trend(
                line.trend, unit=line.unit, target=line.target, scale=scales.get(line.unit), name=line.name
            ),
            html.escape(row[6]),
        ]
        for row, line in zip(rows, lines, strict=True)
    ]
    return section(title, KPI_HEADERS, rows, note, html_rows=marked)


def _text(x: float, y: float, label: str, *, anchor: str = "start", css: str = "") -> str:
    kind = f' class="{css}"' if css else ""
    return (
        f'<text{kind} x="{x:.1f}" y="{y:.1f}" font-size="{_FONT}" fill="{_INK}" text-anchor="{anchor}" '
        f'dominant-baseline="middle">{html.escape(label)}</text>'
    )


def _width(label: str) -> int:
    return math.ceil(len(label) * _CHAR)


def svg_trend(
    points: Sequence[TrendPoint],
    *,
    unit: str = "",
    target: float | None = None,
    scale: Scale | None = None,
    name: str = "",
) -> str:
    """A small inline SVG line chart of a trend, its scale's range labelled, its target dashed.

    The y-range is ``scale`` (by default :func:`chart_scale` of the trend and target); the line
    breaks at undefined periods (one polyline per run of defined periods; a period alone
    between gaps is a dot), and the latest defined
    period has a larger dot. The ``aria-label`` reads the values, the target and the range.

    >>> import datetime
    >>> from comanaged_rcm.periods import Period
    >>> p = Period(datetime.date(2026, 1, 5), datetime.date(2026, 1, 12))
    >>> chart = svg_trend([TrendPoint("W02", p, 44.0), TrendPoint("W03", p, 47.5)], unit="days", target=40.0)
    >>> chart.count("<polyline"), 'class="target"' in chart, ">target 40.0 d<" in chart
    (1, True, True)
    >>> chart[chart.index("aria-label"):].split('"')[1]
    'Trend: W02 44.0 d, W03 47.5 d; target 40.0 d; scale 39.0 d to 49.0 d'
    """
    defined = [(i, p.value) for i, p in enumerate(points) if p.value is not None]
    subject = f"{name} trend" if name else "Trend"
    if not defined:
        return (
            f'<svg width="{_PLOT_WIDTH}" height="{_HEIGHT}" viewBox="0 0 {_PLOT_WIDTH} {_HEIGHT}" '
            f'role="img" aria-label="{html.escape(subject)}: no data">'
            f"{_text(_PLOT_WIDTH / 2, _HEIGHT / 2, 'no data', anchor='middle')}</svg>"
        )
    scale = scale or chart_scale(_drawn(points, target), unit)
    high, low = format_figure(scale.high, unit), format_figure(scale.low, unit)
    target_label = "" if target is None else f"target {format_figure(target, unit)}"
    left = max(_width(high), _width(low)) + 6
    right = left + _PLOT_WIDTH
    width = right + (_width(target_label) + 6 if target_label else _INSET)
    top, bottom = _INSET, _HEIGHT - _INSET
    step = _PLOT_WIDTH / max(len(points) - 1, 1)

    def y(v: float) -> float:
        where = scale.fraction(v)
        return (top + bottom) / 2 if where is None else bottom - where * (bottom - top)

    runs: list[list[tuple[float, float]]] = [[]]
    for i, p in enumerate(points):
        if p.value is None:
            runs.append([])
        else:
            runs[-1].append((left + i * step, y(p.value)))
    marks = [
        (
            f'<path class="axis" d="M{left - 3} {top}H{left}V{bottom}H{left - 3}" fill="none" '
            'stroke="#888" stroke-width="0.75"/>'
        ),
        _text(left - 5, top, high, anchor="end", css="range-high"),
        _text(left - 5, bottom, low, anchor="end", css="range-low"),
    ]
    if target is not None:
        ty = y(target)
        marks.append(
            f'<line class="target" x1="{left}" y1="{ty:.1f}" x2="{right}" y2="{ty:.1f}" stroke="{_TARGET}" '
            'stroke-width="1" stroke-dasharray="3 2"/>'
        )
        marks.append(_text(right + 4, ty, target_label, css="target-label"))
    for run in (r for r in runs if r):  # a period alone between gaps: a zero-length, round-capped line
        drawn = run if len(run) > 1 else run * 2
        marks.append(
            f'<polyline fill="none" stroke="{_LINE}" stroke-width="{1.5 if len(run) > 1 else 3}" '
            'stroke-linecap="round" stroke-linejoin="round" '
            f'points="{" ".join(f"{x:.1f},{yy:.1f}" for x, yy in drawn)}"/>'
        )
    last_i, last_v = defined[-1]
    marks.append(
        f'<circle class="latest" cx="{left + last_i * step:.1f}" cy="{y(last_v):.1f}" r="2.5" '
        f'fill="{_LINE}"/>'
    )
    values = ", ".join(f"{p.label} {format_figure(p.value, unit)}" for p in points)
    aria = f"{subject}: {values}"
    if target is not None:
        aria += f"; target {format_figure(target, unit)}"
    aria += f"; scale {low} to {high}"
    return (
        f'<svg width="{width}" height="{_HEIGHT}" viewBox="0 0 {width} {_HEIGHT}" role="img" '
        f'aria-label="{html.escape(aria)}">{"".join(marks)}</svg>'
    )


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1a1a1a}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem;display:block;max-width:100%;overflow-x:auto}
.table-wrap{max-width:100%;overflow-x:auto}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:middle}
th{background:#f3f4f8}.note{color:#555;font-size:.8rem}
td svg{display:block}.fig,[class^="s-"]{white-space:nowrap}
.partial{border:2px solid #b71c1c;color:#b71c1c;padding:.5rem;font-weight:bold}
.s-on_track{color:#1b5e20}.s-watch{color:#e65100}.s-breach{color:#b71c1c;font-weight:bold}
summary{cursor:pointer}
@media (max-width:600px){body{margin:.75rem}h1{font-size:1.2rem}}
@page{margin:15mm 12mm}
@media print{
body{margin:0;color:#000;font-size:10pt}
h2{break-after:avoid;border-bottom:1px solid #000}
table{display:table;overflow:visible;font-size:8pt;width:100%}
.table-wrap{overflow:visible}
thead{display:table-header-group}
tr,svg,figure{break-inside:avoid}
th,td{border-color:#999;overflow-wrap:break-word}
th{background:none;border-bottom:2px solid #000}
a{color:#000;text-decoration:underline}
a[href^="http"]::after{content:" (" attr(href) ")"}
.note{color:#333}
.s-on_track{color:#000}.s-watch{color:#000;font-style:italic}
.s-breach{color:#000;font-weight:bold;text-decoration:underline}
.partial{border-color:#000;color:#000}
.overdue{color:#000}
details:not([open])::details-content{content-visibility:visible;display:block}
summary{list-style:none}summary::-webkit-details-marker{display:none}
}
"""
