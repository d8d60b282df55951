"""Renderers of the governance report: terminal text, Markdown, JSON and a self-contained HTML page.

The HTML page needs no JavaScript and no network: styles are inline in the page and each outcome
KPI's trend is a small inline SVG chart, so the page reads the same in a browser and on paper.
"""

from __future__ import annotations

import datetime
import html
import os
import zoneinfo
from pathlib import Path

from comanaged_rcm import _check as check
from comanaged_rcm import _io
from comanaged_rcm.cycle._charts import CSS, kpi_section
from comanaged_rcm.cycle._economics import margin_section
from comanaged_rcm.cycle._format import STATUS, format_figure, format_target, format_value
from comanaged_rcm.cycle._report import EscalationLine, GovernanceReport
from comanaged_rcm.cycle._section import (
    Section,
    md_cell,
    section,
    section_html,
    section_markdown,
    section_text,
    wrap,
)
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

MAX_ESCALATION_ROWS = 25
"""Escalation groups listed in the text, Markdown and HTML reports (most urgent first); JSON lists all."""

HEADLINE = "Headline"
DECISIONS = "Decisions waiting for the provider"
DECIDED = "Decided this week"
ESCALATIONS = "5. Escalations"
_OVERDUE = "OVERDUE"
_STATUS = {"new": "NEW", "open": "open", "resolved": "resolved"}


def _money(amount: float | None, items: int, count: int) -> str:
    """Dollars at stake, saying over how many items when not every one carries an amount."""
    if amount is None:
        return "-"
    figure = format_figure(amount, "usd")
    return figure if items == count else f"{figure} ({items} of {count})"


def _zone(report: GovernanceReport) -> zoneinfo.ZoneInfo | None:
    return zoneinfo.ZoneInfo(report.zone) if report.zone and report.now is not None else None


def _headline(report: GovernanceReport) -> Section | None:
    """The headline: decisions waiting, escalation groups, and the outcome KPIs off target."""
    top = report.headline
    if top is None:
        return None
    at_stake = "" if top.amount is None else f", {format_figure(top.amount, 'usd')} at stake"
    late = "" if top.overdue is None else f", {top.overdue} overdue"
    lines = [
        (
            f"Decisions waiting for the provider: {top.decisions}{at_stake}{late}; {top.decided} decided"
            " this week."
        ),
        (
            f"Escalation groups: {top.groups_open} open ({top.groups_new} new this week), "
            f"{top.groups_resolved} resolved this week."
        ),
    ]
    off = [
        f"{line.name} {format_figure(line.value, line.unit)} (target {format_target(line)},"
        f" {STATUS[line.status]})"
        for line in report.outcomes
        if line.status in {"breach", "watch"}
    ]
    lines.append(f"Outcomes off target: {'; '.join(off)}." if off else "Outcomes off target: none.")
    return section(HEADLINE, (), (), lines=lines)


def _decisions_section(report: GovernanceReport) -> Section:
    """The items waiting for a client-reserved decision, by decision type."""
    tz = _zone(report)
    headers = ["decision", "items", "at stake", "oldest", "deadline"]
    if tz is not None:
        headers.append("overdue")
    headers.extend(["deferred", "recommendation"])
    rows = []
    for d in report.decisions:
        row = [
            d.decision,
            str(d.count),
            _money(d.amount, d.amount_items, d.count),
            d.since.isoformat(),
            _deadline(d.deadline, d.deadline_at, tz),
        ]
        if tz is not None:
            row.append(str(d.overdue or 0))
        rows.append([*row, str(d.deferred), d.recommendation or "-"])
    note = (
        "Open items whose decision the provider keeps (RACI client-reserved decisions held by client"
        " staff) and that no approval or denial in the decision log covers; record one with"
        " 'comanaged-rcm decide'."
    )
    muted = {e.dedup_key for e in report.escalations if e.muted}
    hidden = sum(key in muted for d in report.decisions for key in d.alerts)
    if hidden:
        note += (
            f" {hidden:,} of these items' escalations are muted by an inhibiting alert, so no group"
            " below lists them; the decision is still the provider's (the JSON report lists each)."
        )
    return section(DECISIONS, headers, rows, note)


def _decided_section(report: GovernanceReport) -> Section:
    """The decisions of the log taken this week."""
    tz = _zone(report)
    rows = [
        [
            d.decision,
            d.verdict,
            d.key,
            d.actor,
            _local(d.at, tz) if tz is not None else d.at.isoformat(timespec="minutes"),
            str(d.items),
            "-" if d.amount is None else format_figure(d.amount, "usd"),
            d.note or "-",
        ]
        for d in report.decided
    ]
    return section(
        DECIDED,
        ["decision", "verdict", "key", "by", "at", "open items", "amount", "note"],
        rows,
        "Decisions recorded during the report's period; 'open items' are the escalations each still covers.",
    )


def _escalation_note(report: GovernanceReport) -> str:
    parts = []
    hidden = len(report.groups) - MAX_ESCALATION_ROWS
    if hidden > 0:
        parts.append(f"{hidden} more group(s), less urgent, are listed in the JSON report.")
    muted = sum(1 for e in report.escalations if e.muted)
    if muted:
        parts.append(
            f"{muted} open alert(s) muted by an inhibiting alert or a silence are not grouped;"
            " the JSON report lists them with why."
        )
    if report.escalations and not report.groups:
        parts.append(
            f"{len(report.escalations)} open escalation(s), not grouped, are listed in the JSON report."
        )
    parts.append("Every alert and its full explanation are in the JSON report and the HTML page's details.")
    return " ".join(parts)


def _escalation_section(report: GovernanceReport) -> Section:
    """The escalation groups: rule x owner x decision type, with their status this week.

    With business hours (a report ``zone``) the title names the zone, deadline moments show as
    local date and time there, and an ``overdue`` column counts each group's deadlines before
    the clock. Each group's alerts and their full explanations are the HTML row's details.
    """
    tz = _zone(report)
    headers = ["status", "rule", "owner", "decision", "alerts", "at stake", "oldest", "deadline"]
    if tz is not None:
        headers.append("overdue")
    headers.extend(["acked", "now"])
    by_key = {line.dedup_key: line for line in report.escalations}
    rows, marked, details = [], [], []
    for g in report.groups[:MAX_ESCALATION_ROWS]:
        resolved = g.status == "resolved"
        more = f" (+{g.count - 1} more)" if g.count > 1 and g.message else ""
        row = [
            _STATUS[g.status],
            g.rule,
            g.owner_name,
            g.decision or "-",
            str(g.count),
            _money(g.amount, g.amount_items, g.count),
            g.since.isoformat(),
            "-" if resolved else _deadline(g.deadline, g.deadline_at, tz),
        ]
        if tz is not None:
            row.append("-" if resolved else str(g.overdue or 0))
        row.extend(
            [
                "-" if resolved else str(g.acknowledged),
                "resolved this week" if resolved else f"{g.message}{more}" or "-",
            ]
        )
        rows.append(row)
        cells = [html.escape(c) for c in row]
        if tz is not None and g.overdue:
            cells[headers.index("overdue")] = f'<strong class="overdue">{g.overdue} {_OVERDUE}</strong>'
        marked.append(cells)
        details.append("" if resolved else _group_detail([by_key[k] for k in g.alerts if k in by_key], tz))
    title = ESCALATIONS if tz is None else f"{ESCALATIONS} (times in {report.zone})"
    note = _escalation_note(report)
    if tz is not None and report.now is not None:
        note = (
            f"Overdue: a deadline before {_local(report.now, tz)}, the close of {report.period_label}. {note}"
        )
    return section(title, headers, rows, note, html_rows=marked, details=details)


def _group_detail(lines: list[EscalationLine], tz: zoneinfo.ZoneInfo | None) -> str:
    """A group's alerts, each with its full explanation, in an expandable ``<details>``."""
    if not lines:
        return ""
    head = ["entity", "since", "deadline", *(["overdue"] if tz is not None else []), "at stake", "now", "why"]
    body = []
    for e in lines:
        cells = [
            e.entity or "-",
            "-" if e.since is None else e.since.isoformat(),
            _deadline(e.deadline, e.deadline_at, tz),
            *([_OVERDUE if e.overdue else "-"] if tz is not None else []),
            "-" if e.amount is None else format_figure(e.amount, "usd"),
            e.message or "-",
            e.reason or "-",
        ]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return (
        f"<details><summary>{len(lines)} alert(s): entities and why</summary>"
        f"<table><thead><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></details>"
    )


def _local(when: datetime.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """An aware moment as local ``YYYY-MM-DD HH:MM`` in ``tz``."""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _deadline(day: datetime.date | None, at: datetime.datetime | None, tz: zoneinfo.ZoneInfo | None) -> str:
    """The deadline's local moment in ``tz`` when there is one, else its day."""
    if at is not None and tz is not None:
        return _local(at, tz)
    return "-" if day is None else day.isoformat()


def _sections(report: GovernanceReport) -> list[Section]:
    """Every section in the report's order; each renderer lays them out its own way."""
    ops = report.operations
    top = _headline(report)
    sections: list[Section] = [
        *([] if top is None else [top, _decisions_section(report), _decided_section(report)]),
        kpi_section(
            "1. Outcomes",
            report.outcomes,
            "Money results"
            + (f"; {report.kpi_basis}" if report.kpi_basis else "")
            + ". Trends cover the last periods of the cadence; status is against target.",
        ),
        kpi_section("2. Drivers", report.drivers, "What moves the outcomes above."),
        kpi_section(
            "3. Operations (activity, not outcomes)",
            ops.activity_kpis,
            f"Open escalations: {ops.open_escalations}. Activity explains outcomes; it never replaces them.",
        ),
        section(
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
        section(
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
        section(
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
                    format_figure(q.observed_rate, "fraction"),
                    format_figure(q.upper_limit, "fraction"),
                    {True: "pass", False: "FAIL", None: "-"}[q.passed],
                ]
                for q in report.qa
            ],
            "Sample sizes and upper limits follow the convention named in the JSON report.",
        ),
        _escalation_section(report),
        *([] if report.margin is None else [margin_section(report.margin)]),
        section(
            "6. Scope findings",
            ["rule", "severity", "path", "message"],
            [[f.rule, f.severity, f.path, f.message] for f in report.scope_findings],
            "The RACI validator's findings on the engagement's scope split.",
        ),
        section(
            "7. Data findings",
            ["rule", "severity", "path", "message"],
            [[f.rule, f.severity, f.path, f.message] for f in report.data_findings],
            (
                "What the data holds that the engagement cannot place: rows of a team or workflow the"
                " scope split does not name, ids that differ only in case."
            ),
        ),
    ]
    if report.history:
        sections.append(
            section(
                "8. History",
                ["rule", "severity", "message"],
                [[f.rule, f.severity, f.message] for f in report.history],
                "How this week continues from the weeks the engagement's history recorded.",
            )
        )
    return sections


def _heading(report: GovernanceReport) -> list[str]:
    """The title, and the period by its first and last day with the day the report is as of.

    The figures hold at the close of the period's last day; the as-of day is that day (``as of
    the close of``) or a later one the report was asked for (the period is the last complete one
    through it).
    """
    period, as_of = report.period, report.as_of
    at = f"as of the close of {as_of}" if as_of == period.last_day else f"as of {as_of}"
    return [
        f"Co-managed governance report: {report.engagement}",
        (
            f"Period {report.period_label} ({period.start} to {period.last_day}), {at};"
            f" data: {report.data_source}"
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
    out = [line for part in _heading(report) for line in wrap(part)]
    out.append("")
    if report.partial_data:
        out.extend([*wrap(f"!! {report.partial_data}"), ""])
    for part in _sections(report):
        zoned = bool(report.zone) and part.title.startswith(ESCALATIONS)
        lines = section_text(part)
        if zoned:  # the zone keeps its case: America/New_York
            lines[0] = f"{ESCALATIONS.upper()}{part.title.removeprefix(ESCALATIONS)}"
        out.extend(lines)
    return "\n".join(out)


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
        out.extend([f"> **{md_cell(report.partial_data)}**", ""])
    for part in _sections(report):
        out.extend(section_markdown(part))
    return "\n".join(out)


def render_json(report: GovernanceReport) -> str:
    """Render the report as JSON (``comanaged_rcm.serialize``); it round-trips exactly.

    Raises:
        ValidationError: ``report`` is not a :class:`~comanaged_rcm.cycle.GovernanceReport`
            (``$.report``).
    """
    _report(report)
    return to_json(report, indent=2) + "\n"


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
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>",
    ]
    if report.partial_data:
        parts.append(f'<p class="partial" role="alert">{html.escape(report.partial_data)}</p>')
    parts.extend(section_html(part) for part in _sections(report))
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
