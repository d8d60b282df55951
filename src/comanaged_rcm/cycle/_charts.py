"""The report's trends: unicode sparklines for text, inline SVG charts for the page, its styles."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from comanaged_rcm.cycle._format import STATUS, format_change, format_figure, format_target
from comanaged_rcm.cycle._report import KpiLine, TrendPoint
from comanaged_rcm.cycle._section import Section, section

__all__: list[str] = []

_SPARKS = "▁▂▃▄▅▆▇█"

KPI_HEADERS = ("metric", "value", "target", "status", "change", "trend", "convention")


def sparkline(points: Sequence[TrendPoint]) -> str:
    """A one-line trend of unicode blocks; undefined periods are blank.

    >>> import datetime
    >>> from comanaged_rcm.periods import Period
    >>> p = Period(datetime.date(2026, 1, 5), datetime.date(2026, 1, 12))
    >>> sparkline([TrendPoint("a", p, 1.0), TrendPoint("b", p, None), TrendPoint("c", p, 3.0)])
    '▁ █'
    """
    values = [p.value for p in points if p.value is not None]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low
    chars = []
    for p in points:
        if p.value is None:
            chars.append(" ")
        else:
            level = 0 if span == 0 else round((p.value - low) / span * (len(_SPARKS) - 1))
            chars.append(_SPARKS[level])
    return "".join(chars)


def _kpi_rows(lines: Sequence[KpiLine], *, spark: Callable[[Sequence[TrendPoint]], str]) -> list[list[str]]:
    return [
        [
            line.name,
            format_figure(line.value, line.unit),
            format_target(line),
            STATUS.get(line.status, line.status),
            format_change(line),
            spark(line.trend),
            f"undefined: {line.reason}" if line.value is None and line.reason else line.convention,
        ]
        for line in lines
    ]


def kpi_section(title: str, lines: Sequence[KpiLine], note: str) -> Section:
    """A KPI table: sparklines in text and Markdown, a status colour and an SVG chart in HTML."""
    rows = _kpi_rows(lines, spark=sparkline)
    marked = [
        [
            *row[:3],
            f'<span class="s-{html.escape(line.status)}">{html.escape(row[3])}</span>',
            html.escape(row[4]),
            svg_trend(line.trend),
            html.escape(row[6]),
        ]
        for row, line in zip(rows, lines, strict=True)
    ]
    marked = [[html.escape(c) for c in row[:3]] + row[3:] for row in marked]
    return section(title, KPI_HEADERS, rows, note, html_rows=marked)


def svg_trend(points: Sequence[TrendPoint], *, width: int = 160, height: int = 36) -> str:
    """A small inline SVG line chart of a trend, broken at undefined periods, a dot on the latest."""
    defined = [(i, p.value) for i, p in enumerate(points) if p.value is not None]
    label = html.escape(", ".join(f"{p.label}: {p.value if p.value is not None else 'n/a'}" for p in points))
    if not defined:
        return f'<svg width="{width}" height="{height}" role="img" aria-label="no data"></svg>'
    values = [v for _, v in defined]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 8) / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return 4 + i * step, height - 4 - (v - low) / span * (height - 8)

    runs: list[list[tuple[float, float]]] = [[]]
    for i, p in enumerate(points):
        if p.value is None:
            runs.append([])
        else:
            runs[-1].append(xy(i, p.value))
    lines = "".join(
        f'<polyline fill="none" stroke="#3949ab" stroke-width="1.5" '
        f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in run)}"/>'
        for run in runs
        if run
    )
    last_x, last_y = xy(*defined[-1])
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{label}">{lines}<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" '
        f'fill="#3949ab"/></svg>'
    )


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1a1a1a}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:middle}
th{background:#f3f4f8}.note{color:#555;font-size:.8rem}
.partial{border:2px solid #b71c1c;color:#b71c1c;padding:.5rem;font-weight:bold}
.s-on_track{color:#1b5e20}.s-watch{color:#e65100}.s-breach{color:#b71c1c;font-weight:bold}
@media print{body{margin:0}h2{break-after:avoid}}
"""
