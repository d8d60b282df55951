"""One report section as plain rows, and how each renderer lays it out.

Every section of the report, whichever module builds it, is a :class:`Section`: a title,
lines of prose, a table (headers and rows of text), a note, and optional HTML: cells with
markup of their own (already escaped) and a detail per row that the page shows in an
expandable ``<details>``. The terminal layout fits :data:`WIDTH` columns: a table wider than
that narrows its widest columns and wraps their cells (a cell longer than
:data:`MAX_CELL_LINES` lines ends with an ellipsis), and prose wraps at word boundaries.
"""

from __future__ import annotations

import html
import textwrap
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
    lines: tuple[str, ...] = ()


def section(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    note: str = "",
    *,
    html_rows: Sequence[Sequence[str]] | None = None,
    details: Sequence[str] = (),
    lines: Sequence[str] = (),
) -> Section:
    """A :class:`Section` from lists (rows and cells as tuples)."""
    return Section(
        title=title,
        headers=tuple(headers),
        rows=tuple(tuple(r) for r in rows),
        note=note,
        html_rows=None if html_rows is None else tuple(tuple(r) for r in html_rows),
        details=tuple(details),
        lines=tuple(lines),
    )


WIDTH = 120
"""The columns a terminal report fits."""

MAX_CELL_LINES = 3
"""The lines a wrapped table cell takes at most in a terminal report."""

_INDENT = "  "
_GAP = "  "
_MIN_COLUMN = 8
_PROSE = 12
_PROSE_SPACES = 2


def wrap(text: str, indent: str = "", width: int = WIDTH) -> list[str]:
    """Prose as lines of at most ``width`` columns (each starting with ``indent``), at word boundaries.

    A word longer than a line is broken; line breaks in ``text`` are kept.

    >>> wrap("one two three", "  ", 9)
    ['  one two', '  three']
    """
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        out.extend(
            textwrap.wrap(paragraph, width, initial_indent=indent, subsequent_indent=indent) or [indent]
        )
    return [line.rstrip() for line in out]


def _cell(text: str, width: int) -> list[str]:
    """A cell at ``width`` columns: wrapped, at most :data:`MAX_CELL_LINES` lines, the last cut with "…"."""
    if len(text) <= width and "\n" not in text:
        return [text]
    lines = wrap(text, "", width)
    if len(lines) > MAX_CELL_LINES:
        last = " ".join(lines[MAX_CELL_LINES - 1 :])
        lines = [*lines[: MAX_CELL_LINES - 1], last[: width - 1] + "\u2026"]
    return lines


def _fit(natural: list[int], floors: list[int], room: int, movable: list[bool]) -> list[int]:
    """Narrow the widest ``movable`` columns to one cap (none below its floor) until they fit ``room``."""
    cap = max(natural)
    while cap > 1:
        widths = [max(f, min(n, cap)) if m else n for n, f, m in zip(natural, floors, movable, strict=True)]
        if sum(widths) <= room:
            return widths
        cap -= 1
    return [f if m else n for n, f, m in zip(natural, floors, movable, strict=True)]


def _widths(
    natural: list[int], headers: Sequence[str], rows: Sequence[Sequence[str]], room: int
) -> list[int]:
    """Column widths that fit ``room``.

    Prose columns (a cell of three words or more) narrow first, to no less than :data:`_PROSE` columns,
    so that identifiers keep a line of their own; then every column, to no less than its
    header's longest word or :data:`_MIN_COLUMN`; then, if still too wide, the widest one by one.
    """
    if sum(natural) <= room:
        return natural
    prose = [any(r[i].count(" ") >= _PROSE_SPACES for r in rows) for i in range(len(headers))]
    widths = _fit(natural, [min(n, _PROSE) for n in natural], room, prose)
    if sum(widths) <= room:
        return widths
    floors = [
        min(n, max(_MIN_COLUMN, *(len(w) for w in h.split()), 1))
        for n, h in zip(widths, headers, strict=True)
    ]
    widths = _fit(widths, floors, room, [True] * len(widths))
    while sum(widths) > room and max(widths) > 1:  # the floors alone do not fit: narrow them too
        widths[widths.index(max(widths))] -= 1
    return widths


def table_text(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int = WIDTH) -> list[str]:
    """A fixed-width table, indented two spaces, columns two spaces apart, at most ``width`` columns.

    When the table is wider and its last column is prose (a cell of three words or more), that
    column's cells go on lines of their own under each row (``header: text``, wrapped); the
    other columns are then fitted.

    >>> table_text(["a", "b"], [["x", "y"]])
    ['  a  b', '  -  -', '  x  y']
    >>> table_text(["id", "why"], [["A-1", "the value is over its limit"]], width=20)
    ['  id', '  ---', '  A-1', '      why: the value', '      is over its', '      limit']
    """
    natural = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    room = width - len(_INDENT) - len(_GAP) * (len(headers) - 1)
    under: list[str] = []
    if sum(natural) > room and len(headers) > 1 and any(r[-1].count(" ") >= _PROSE_SPACES for r in rows):
        under = [f"{headers[-1]}: {r[-1]}" for r in rows]
        headers, rows, natural = headers[:-1], [r[:-1] for r in rows], natural[:-1]
        room = width - len(_INDENT) - len(_GAP) * (len(headers) - 1)
    widths = _widths(natural, headers, rows, room)
    out = _row_lines(headers, widths)
    out.append(_INDENT + _GAP.join("-" * w for w in widths))
    for i, row in enumerate(rows):
        out.extend(_row_lines(row, widths))
        if under:
            out.extend(wrap(under[i], _INDENT * 3, width))
    return out


def _row_lines(cells: Sequence[str], widths: Sequence[int]) -> list[str]:
    """One table row as one or more lines (its cells wrapped to their column's width)."""
    parts = [_cell(c, w) for c, w in zip(cells, widths, strict=True)]
    height = max(len(p) for p in parts)
    return [
        (
            _INDENT
            + _GAP.join((p[i] if i < len(p) else "").ljust(w) for p, w in zip(parts, widths, strict=True))
        ).rstrip()
        for i in range(height)
    ]


def section_text(part: Section) -> list[str]:
    """A section for a terminal: its title in capitals, its prose, its table (or ``(none)``), its note."""
    out = wrap(part.title.upper())
    for line in part.lines:
        out.extend(wrap(line, _INDENT))
    if part.headers:
        out.extend(table_text(part.headers, part.rows) if part.rows else [f"{_INDENT}(none)"])
    if part.note:
        out.extend(wrap(part.note, _INDENT))
    return [*out, ""]


_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*[]<>|&~"})


def md_cell(text: str) -> str:
    r"""Text for a Markdown table cell or line: read literally, on one line.

    Backslashes, ``|`` and the characters that start markup or HTML (`` ` * [ ] < > & ~``) are
    escaped, and line breaks become ``<br>``.

    >>> md_cell("a | <b> *c*")
    'a \\| \\<b\\> \\*c\\*'
    """
    return "<br>".join(text.translate(_MARKDOWN_SPECIAL).splitlines() or [""])


def section_markdown(part: Section) -> list[str]:
    """A section as a Markdown heading, prose (a list), table (or *None.*) and note."""
    out = [f"## {md_cell(part.title)}", ""]
    if part.lines:
        out.extend(f"- {md_cell(line)}" for line in part.lines)
    if part.headers and part.rows:
        out.append("| " + " | ".join(md_cell(h) for h in part.headers) + " |")
        out.append("|" + "---|" * len(part.headers))
        out.extend("| " + " | ".join(md_cell(c) for c in row) + " |" for row in part.rows)
    elif part.headers:
        out.append("_None._")
    if part.note:
        out.extend(["", f"_{md_cell(part.note)}_"])
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
    out = [f"<h2>{html.escape(part.title)}</h2>"]
    if part.lines:
        out.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in part.lines) + "</ul>")
    if headers:
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    if part.note:
        out.append(f'<p class="note">{html.escape(part.note)}</p>')
    return "\n".join(out)
