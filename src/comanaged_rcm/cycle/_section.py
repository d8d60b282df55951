"""One report section as plain rows, and how each renderer lays it out.

Every section of the report, whichever module builds it, is a :class:`Section`: a title, a
table (headers and rows of text), a note, and optional HTML: cells with markup of their own
(already escaped) and a detail per row that the page shows in an expandable ``<details>``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import attrs

__all__: list[str] = []


@attrs.frozen(kw_only=True)
class Section:
    """A report section; ``html_rows`` (markup, already escaped) replace ``rows`` in HTML.

    ``details`` holds one HTML fragment per row (or none): the page shows each, when not empty,
    in an expandable row under its row.
    """

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""
    html_rows: tuple[tuple[str, ...], ...] | None = None
    details: tuple[str, ...] = ()


def section(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    note: str = "",
    *,
    html_rows: Sequence[Sequence[str]] | None = None,
    details: Sequence[str] = (),
) -> Section:
    """A :class:`Section` from lists (rows and cells as tuples)."""
    return Section(
        title=title,
        headers=tuple(headers),
        rows=tuple(tuple(r) for r in rows),
        note=note,
        html_rows=None if html_rows is None else tuple(tuple(r) for r in html_rows),
        details=tuple(details),
    )


def table_text(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A fixed-width table, indented two spaces, columns two spaces apart."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [f"  {line.rstrip()}", "  " + "  ".join("-" * w for w in widths)]
    out.extend("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
    return out


def section_text(part: Section) -> list[str]:
    """A section for a terminal: its title in capitals, its table (or ``(none)``), its note."""
    out = [part.title.upper(), *(table_text(part.headers, part.rows) if part.rows else ["  (none)"])]
    if part.note:
        out.append(f"  {part.note}")
    return [*out, ""]


def md_cell(text: str) -> str:
    """Text for a Markdown table cell (``|`` escaped)."""
    return text.replace("|", "\\|")


def section_markdown(part: Section) -> list[str]:
    """A section as a Markdown heading, table (or *None.*) and note."""
    out = [f"## {part.title}", ""]
    if part.rows:
        out.append("| " + " | ".join(part.headers) + " |")
        out.append("|" + "---|" * len(part.headers))
        out.extend("| " + " | ".join(md_cell(c) for c in row) + " |" for row in part.rows)
    else:
        out.append("_None._")
    if part.note:
        out.extend(["", f"_{part.note}_"])
    return [*out, ""]


def section_html(part: Section) -> str:
    """A section as an ``<h2>``, a table (markup rows when given) and a note paragraph."""
    headers = part.headers
    if part.html_rows is None:
        rows = [[html.escape(c) for c in row] for row in part.rows]
    else:
        rows = [list(row) for row in part.html_rows]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        body.append(f"<tr>{''.join(f'<td>{cell}</td>' for cell in row)}</tr>")
        detail = part.details[i] if i < len(part.details) else ""
        if detail:
            body.append(f'<tr class="detail"><td colspan="{len(headers)}">{detail}</td></tr>')
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}">None.</td></tr>')
    out = [
        f"<h2>{html.escape(part.title)}</h2>",
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>",
    ]
    if part.note:
        out.append(f'<p class="note">{html.escape(part.note)}</p>')
    return "\n".join(out)
