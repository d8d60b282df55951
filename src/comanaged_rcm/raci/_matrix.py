"""The matrix view: the RACI table of a split as text, Markdown and HTML (for notebooks).

>>> from comanaged_rcm.raci import co_managed_template
>>> table = matrix(co_managed_template())
>>> print(table.to_text().splitlines()[2])
eligibility.verify . . I A R R
"""

from __future__ import annotations

import html

import attrs

from comanaged_rcm._check import instance, v
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.raci._models import ScopeSplit, _as_tuple

__all__ = ["Matrix", "MatrixRow", "matrix"]


@attrs.frozen
class MatrixRow:
    """One activity's line: its workflow, id, name and one cell per party (``""`` when empty).

    >>> MatrixRow("denials", "denials.work", "Work denials", ("R", "", "A")).cells
    ('R', '', 'A')
    """

    workflow: str = attrs.field(validator=v.text())
    activity: str = attrs.field(validator=v.text())
    name: str = attrs.field(validator=v.text())
    cells: tuple[str, ...] = attrs.field(converter=_as_tuple, validator=v.tuple_of(str))


@attrs.frozen
class Matrix:
    """The RACI table of a split's in-scope activities (rows) by party (columns).

    Args:
        title: The split's name and version.
        scheme: The scheme's name (``RACI``).
        parties: Party ids, one per column, in document order.
        rows: One :class:`MatrixRow` per in-scope activity, in document order.

    A cell lists its letters in the scheme's order, joined by ``/`` (``R/A``).

    >>> print(Matrix("demo", "RACI", ("a", "b"), (MatrixRow("w", "w.x", "X", ("R/A", "I")),)).to_markdown())
    | activity | a | b |
    | --- | :-: | :-: |
    | w.x | R/A | I |
    """

    title: str = attrs.field(validator=v.text())
    scheme: str = attrs.field(validator=v.text())
    parties: tuple[str, ...] = attrs.field(converter=_as_tuple, validator=v.each(v.text()))
    rows: tuple[MatrixRow, ...] = attrs.field(converter=_as_tuple, validator=v.tuple_of(MatrixRow))

    def __attrs_post_init__(self) -> None:
        for i, row in enumerate(self.rows):
            if len(row.cells) != len(self.parties):
                message = (
                    f"'rows[{i}].cells' must hold one cell per party: {len(self.parties)} "
                    f"(got {len(row.cells)})"
                )
                raise ValidationError(
                    [Issue(f"$.rows[{i}].cells", "value", message), Issue("$.parties", "value", message)]
                )

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        size = f"{len(self.rows)} activities x {len(self.parties)} parties"
        return f"Matrix({self.title!r}, {self.scheme}, {size})"

    def to_text(self) -> str:
        """A fixed-width table: a title line, a header, one line per activity (``.`` for empty)."""
        header = ("activity", *self.parties)
        lines = [(r.activity, *(c or "." for c in r.cells)) for r in self.rows]
        widths = [max(len(row[i]) for row in (header, *lines)) for i in range(len(header))]
        out = [f"{self.title} ({self.scheme})"]
        out.extend(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in (header, *lines)
        )
        return "\n".join(out)

    def to_markdown(self) -> str:
        """A Markdown table (activity ids, then one centred column per party)."""
        out = [
            "| activity | " + " | ".join(self.parties) + " |",
            "| --- |" + " :-: |" * len(self.parties),
        ]
        out.extend(f"| {r.activity} | " + " | ".join(r.cells) + " |" for r in self.rows)
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(f"<th>{e(p)}</th>" for p in self.parties)
        body = "".join(
            f'<tr><th title="{e(r.name)}">{e(r.activity)}</th>'
            + "".join(f'<td style="text-align:center">{e(c)}</td>' for c in r.cells)
            + "</tr>"
            for r in self.rows
        )
        return (
            f"<table><caption>{e(self.title)} ({e(self.scheme)})</caption>"
            f"<thead><tr><th>activity</th>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


def matrix(split: ScopeSplit) -> Matrix:
    """Build the matrix view of a split's in-scope activities.

    Letters outside the scheme still show (after the scheme's letters), so a broken split
    displays as it is.

    Args:
        split: The split.

    Returns:
        The :class:`Matrix`; ``str()`` of it is the text table.

    Raises:
        ValidationError: When ``split`` is not a :class:`ScopeSplit` (``$.split``).

    >>> from comanaged_rcm.raci import co_managed_template
    >>> m = matrix(co_managed_template())
    >>> m.parties[:3], len(m.rows)
    (('client_rcm_director', 'client_cfo', 'client_staff'), 26)
    """
    instance(split, ScopeSplit, "$.split")
    order = {x.letter: n for n, x in enumerate(split.scheme.letters)}
    column = {p.id: n for n, p in reversed(list(enumerate(split.parties)))}
    cells: dict[str, list[str]] = {}
    for a in split.activities:
        if a.workflow in split.in_scope:
            cells.setdefault(a.id, [""] * len(split.parties))
    for cell in split.assignments:
        row = cells.get(cell.activity)
        if row is None or cell.party not in column:
            continue
        letters = sorted(cell.letters, key=lambda x: (order.get(x, len(order)), x))
        row[column[cell.party]] = "/".join(letters)
    seen: set[str] = set()
    rows = []
    for a in split.activities:
        if a.id in cells and a.id not in seen:
            seen.add(a.id)
            rows.append(MatrixRow(a.workflow, a.id, a.name, tuple(cells[a.id])))
    return Matrix(
        f"{split.name} v{split.version}", split.scheme.name, tuple(p.id for p in split.parties), tuple(rows)
    )
