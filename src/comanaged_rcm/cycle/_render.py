"""Renderers of the governance report: terminal text, Markdown, JSON and a self-contained HTML page.

The HTML page needs no JavaScript and no network: styles are inline in the page and each outcome
KPI's trend is a small inline SVG chart, so the page reads the same in a browser and on paper.
"""

from __future__ import annotations

import datetime
import html
import math
import os
import zoneinfo
from collections.abc import Callable, Sequence
from pathlib import Path

from comanaged_rcm import _check as check
from comanaged_rcm import _io
from comanaged_rcm.cycle._report import GovernanceReport, KpiLine, TrendPoint
from comanaged_rcm.serialize import to_json

__all__ = [
    "MAX_ESCALATION_ROWS",
    "format_value",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "write_report",
]

_SPARKS = "▁▂▃▄▅▆▇█"
_STATUS = {"on_track": "on track", "watch": "watch", "breach": "BREACH", "no_target": "-"}
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
    >>> format_value(1234567.891, "usd"), format_value(12.0, "count")
    ('$1,234,568', '12')

    Raises:
        ValidationError: ``value`` is not ``None`` or a finite number (NaN prints ``n/a``)
            (``$.value``), or ``unit`` is not text (``$.unit``).
    """
    if value is not None:
        value = check.real(value, "$.value", nan=True)
    return _format(value, check.text(unit, "$.unit"))


def _format(value: float | None, unit: str) -> str:
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
        return f"${value:,.0f}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _format_change(line: KpiLine) -> str:
    if line.change is None:
        return "-"
    if line.unit == "percent":
        return f"{line.change:+.1f} pp"
    if line.unit == "ratio":
        return f"{line.change:+,.2f}"
    return f"{line.change:+,.1f}"


def _format_target(line: KpiLine) -> str:
    if line.target is None:
        return "-"
    sign = ">=" if line.direction == "higher" else "<="
    return f"{sign} {_format(line.target, line.unit)}"


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


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [f"  {line.rstrip()}", "  " + "  ".join("-" * w for w in widths)]
    out.extend("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
    return out


def _kpi_rows(lines: Sequence[KpiLine], *, spark: Callable[[Sequence[TrendPoint]], str]) -> list[list[str]]:
    return [
        [
            line.name,
            _format(line.value, line.unit),
            _format_target(line),
            _STATUS.get(line.status, line.status),
            _format_change(line),
            spark(line.trend),
            f"undefined: {line.reason}" if line.value is None and line.reason else line.convention,
        ]
        for line in lines
    ]


_KPI_HEADERS = ("metric", "value", "target", "status", "change", "trend", "convention")


MAX_ESCALATION_ROWS = 25
"""Escalations listed in the text, Markdown and HTML reports (most urgent first); JSON lists all."""


def _escalation_note(report: GovernanceReport) -> str:
    hidden = len(report.escalations) - MAX_ESCALATION_ROWS
    if hidden <= 0:
        return ""
    return f"{hidden} more escalation(s), less urgent, are listed in the JSON report."


ESCALATIONS = "5. Escalations"
_ESCALATION_HEADERS = ("rule", "severity", "level", "owner", "entity", "since", "deadline", "why")
_OVERDUE = "OVERDUE"


def _escalation_section(report: GovernanceReport) -> tuple[str, list[str], list[list[str]], str]:
    """The escalations as (title, headers, rows, note).

    With business hours (a report ``zone``) the title names the zone, deadline moments show as
    local date and time there, and an ``overdue`` column marks each deadline before the clock.
    """
    note = _escalation_note(report)
    tz = zoneinfo.ZoneInfo(report.zone) if report.zone and report.now is not None else None
    rows = []
    for e in report.escalations[:MAX_ESCALATION_ROWS]:
        row = [
            e.rule,
            e.severity,
            e.level,
            e.owner_name,
            e.entity,
            "-" if e.since is None else e.since.isoformat(),
            _deadline(e.deadline, e.deadline_at, tz),
        ]
        if tz is not None:
            row.append(_OVERDUE if e.overdue else "-")
        rows.append([*row, e.reason])
    if tz is None or report.now is None:
        return ESCALATIONS, list(_ESCALATION_HEADERS), rows, note
    headers = [*_ESCALATION_HEADERS[:-1], "overdue", _ESCALATION_HEADERS[-1]]
    clock = f"Overdue: a deadline before {_local(report.now, tz)}, the close of {report.period_label}."
    return (
        f"{ESCALATIONS} (times in {report.zone})",
        headers,
        rows,
        f"{clock} {note}" if note else clock,
    )


def _local(when: datetime.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """An aware moment as local ``YYYY-MM-DD HH:MM`` in ``tz``."""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _deadline(day: datetime.date | None, at: datetime.datetime | None, tz: zoneinfo.ZoneInfo | None) -> str:
    """The deadline's local moment in ``tz`` when there is one, else its day."""
    if at is not None and tz is not None:
        return _local(at, tz)
    return "-" if day is None else day.isoformat()


def _sections(report: GovernanceReport) -> list[tuple[str, list[str], list[list[str]], str]]:
    """Each section as (title, headers, rows, note); shared by the text and Markdown renderers."""
    ops = report.operations
    sections: list[tuple[str, list[str], list[list[str]], str]] = [
        (
            "1. Outcomes",
            list(_KPI_HEADERS),
            _kpi_rows(report.outcomes, spark=sparkline),
            "Money results"
            + (f"; {report.kpi_basis}" if report.kpi_basis else "")
            + ". Trends cover the last periods of the cadence; status is against target.",
        ),
        (
            "2. Drivers",
            list(_KPI_HEADERS),
            _kpi_rows(report.drivers, spark=sparkline),
            "What moves the outcomes above.",
        ),
        (
            "3. Operations (activity, not outcomes)",
            list(_KPI_HEADERS),
            _kpi_rows(ops.activity_kpis, spark=sparkline),
            f"Open escalations: {ops.open_escalations}. Activity explains outcomes; it never replaces them.",
        ),
        (
            "3a. Who worked what",
            ["party", "kind", "workflow", "closed", "touches", "escalated", "open"],
            [
                [
                    w.party_name,
                    w.kind,
                    w.workflow,
                    str(w.closed),
                    str(w.touches),
                    str(w.escalated),
                    str(w.open_items),
                ]
                for w in ops.by_party
            ],
            f"Items closed in {report.period_label}; open items at the as-of date.",
        ),
        (
            "3b. Queues at the as-of date",
            ["workflow", "open", "aged > 30 d", "median age", "oldest"],
            [
                [
                    q.workflow,
                    str(q.open_items),
                    str(q.aged_over_30),
                    "-" if q.median_age_days is None else f"{q.median_age_days:.0f} d",
                    "-" if q.oldest_age_days is None else f"{q.oldest_age_days} d",
                ]
                for q in ops.queues
            ],
            "",
        ),
        (
            "4. QA",
            [
                "workflow",
                "population",
                "sample",
                "plan",
                "selection",
                "audited",
                "errors",
                "rate",
                "upper limit",
                "result",
            ],
            [
                [
                    q.workflow,
                    str(q.population),
                    str(q.sample_size),
                    (
                        f"{q.confidence:.0%} conf, tol {q.tolerable_rate:.1%}, "
                        f"exp {q.expected_rate:.1%}, accept <= {q.acceptable_deviations}"
                    ),
                    f"seed {q.selection_seed} ({q.selection_algorithm.split(':', 1)[0]})",
                    f"{q.audited_sample} in {q.audited_period}",
                    str(q.deviations),
                    _format(q.observed_rate, "fraction"),
                    _format(q.upper_limit, "fraction"),
                    {True: "pass", False: "FAIL", None: "-"}[q.passed],
                ]
                for q in report.qa
            ],
            "Sample sizes and upper limits follow the convention named in the JSON report.",
        ),
        _escalation_section(report),
        (
            "6. Scope findings",
            ["rule", "severity", "path", "message"],
            [[f.rule, f.severity, f.path, f.message] for f in report.scope_findings],
            "The RACI validator's findings on the engagement's scope split.",
        ),
        (
            "7. Data findings",
            ["rule", "severity", "path", "message"],
            [[f.rule, f.severity, f.path, f.message] for f in report.data_findings],
            (
                "What the data holds that the engagement cannot place: rows of a team or workflow the"
                " scope split does not name, ids that differ only in case."
            ),
        ),
    ]
    return sections


def _heading(report: GovernanceReport) -> list[str]:
    return [
        f"Co-managed governance report: {report.engagement}",
        (
            f"Period {report.period_label} ({report.period}), as of {report.as_of.isoformat()}; "
            f"data: {report.data_source}"
        ),
    ]


def _report(report: object) -> None:
    check.instance(report, GovernanceReport, "$.report")


def render_text(report: GovernanceReport) -> str:
    """Render the report for a terminal (plain text, fixed-width tables, unicode sparklines).

    Raises:
        ValidationError: ``report`` is not a :class:`~comanaged_rcm.cycle.GovernanceReport`
            (``$.report``).
    """
    _report(report)
    out = [*_heading(report), ""]
    if report.partial_data:
        out.extend([f"!! {report.partial_data}", ""])
    for title, headers, rows, note in _sections(report):
        zoned = bool(report.zone) and title.startswith(ESCALATIONS)
        out.append(f"{ESCALATIONS.upper()}{title.removeprefix(ESCALATIONS)}" if zoned else title.upper())
        out.extend(_table(headers, rows) if rows else ["  (none)"])
        if note:
            out.append(f"  {note}")
        out.append("")
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: GovernanceReport) -> str:
    """Render the report as GitHub-flavoured Markdown.

    Raises:
        ValidationError: ``report`` is not a :class:`~comanaged_rcm.cycle.GovernanceReport`
            (``$.report``).
    """
    _report(report)
    title, subtitle = _heading(report)
    out = [f"# {title}", "", subtitle, ""]
    if report.partial_data:
        out.extend([f"> **{_md_cell(report.partial_data)}**", ""])
    for name, headers, rows, note in _sections(report):
        out.extend([f"## {name}", ""])
        if rows:
            out.append("| " + " | ".join(headers) + " |")
            out.append("|" + "---|" * len(headers))
            out.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows)
        else:
            out.append("_None._")
        if note:
            out.extend(["", f"_{note}_"])
        out.append("")
    return "\n".join(out)


def render_json(report: GovernanceReport) -> str:
    """Render the report as JSON (``comanaged_rcm.serialize``); it round-trips exactly.

    Raises:
        ValidationError: ``report`` is not a :class:`~comanaged_rcm.cycle.GovernanceReport`
            (``$.report``).
    """
    _report(report)
    return to_json(report, indent=2) + "\n"


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


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1a1a1a}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:middle}
th{background:#f3f4f8}.note{color:#555;font-size:.8rem}
.partial{border:2px solid #b71c1c;color:#b71c1c;padding:.5rem;font-weight:bold}
.s-on_track{color:#1b5e20}.s-watch{color:#e65100}.s-breach{color:#b71c1c;font-weight:bold}
@media print{body{margin:0}h2{break-after:avoid}}
"""


def _html_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, raw: frozenset[int] = frozenset()
) -> str:
    """An HTML table; cells are escaped except in the ``raw`` columns (markup built here)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f"<td>{cell if i in raw else html.escape(cell)}</td>" for i, cell in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}">None.</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _html_overdue(cell: str) -> str:
    """The overdue mark, in bold for a page that is read at a glance."""
    return f'<strong class="overdue">{_OVERDUE}</strong>' if cell == _OVERDUE else html.escape(cell)


def render_html(report: GovernanceReport) -> str:
    """Render a self-contained, printable HTML page with inline SVG trends (no JavaScript).

    Raises:
        ValidationError: ``report`` is not a :class:`~comanaged_rcm.cycle.GovernanceReport`
            (``$.report``).
    """
    _report(report)
    title, subtitle = _heading(report)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>",
    ]
    if report.partial_data:
        parts.append(f'<p class="partial" role="alert">{html.escape(report.partial_data)}</p>')
    kpi_sections = {
        "1. Outcomes": report.outcomes,
        "2. Drivers": report.drivers,
        "3. Operations (activity, not outcomes)": report.operations.activity_kpis,
    }
    for name, headers, rows, note in _sections(report):
        parts.append(f"<h2>{html.escape(name)}</h2>")
        lines = kpi_sections.get(name)
        if name.startswith(ESCALATIONS) and "overdue" in headers:
            column = headers.index("overdue")
            marked = [[*row[:column], _html_overdue(row[column]), *row[column + 1 :]] for row in rows]
            parts.append(_html_table(headers, marked, raw=frozenset({column})))
        elif lines is None:
            parts.append(_html_table(headers, rows))
        else:
            marked = [
                [
                    *row[:3],
                    f'<span class="s-{html.escape(line.status)}">{html.escape(row[3])}</span>',
                    row[4],
                    svg_trend(line.trend),
                    row[6],
                ]
                for row, line in zip(rows, lines, strict=True)
            ]
            parts.append(_html_table(headers, marked, raw=frozenset({3, 5})))
        if note:
            parts.append(f'<p class="note">{html.escape(note)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(report: GovernanceReport, directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``report.md``, ``report.html`` and ``report.json`` into ``directory``, all or nothing.

    The three files are rendered first, then staged inside ``directory`` and moved into place
    together: a failure at any step (a full disk, a directory in the way, a rename that fails)
    leaves the directory as it was, with no new report file and no temporary file, and a
    directory created for the report is removed again. Files the report does not write are
    never touched; new files get the usual permissions (``0o666`` less the umask).

    Returns:
        The written paths by format (``markdown``, ``html``, ``json``).

    Raises:
        ValidationError: ``report`` is not a :class:`~comanaged_rcm.cycle.GovernanceReport`
            (``$.report``), or ``directory`` is not a path (``$.directory``).
        OSError: The files cannot be written; nothing was changed.
    """
    _report(report)
    rendered = {
        "markdown": ("report.md", render_markdown(report)),
        "html": ("report.html", render_html(report)),
        "json": ("report.json", render_json(report)),
    }
    written = _io.write_files(directory, dict(rendered.values()))
    return {fmt: written[name] for fmt, (name, _) in rendered.items()}
