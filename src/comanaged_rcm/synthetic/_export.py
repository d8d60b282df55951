"""CSV export of a synthetic book, in the column layout the ``report`` command reads.

>>> import tempfile, pathlib
>>> from comanaged_rcm.synthetic import generate_book
>>> with tempfile.TemporaryDirectory() as directory:
...     paths = write_csv(generate_book(seed=1, claims=100), pathlib.Path(directory))
...     sorted(paths), paths["submissions"].read_text().splitlines()[0].split(",")[:4]
(['audits', 'submissions', 'transactions', 'work_items'], ['claim_id', 'payer', 'team', 'seq'])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from comanaged_rcm import _io
from comanaged_rcm._check import instance
from comanaged_rcm.synthetic._audit import audit
from comanaged_rcm.synthetic._models import WORKFLOWS, SyntheticBook

__all__ = ["CSV_FILES", "write_csv"]

CSV_FILES = {
    "transactions": "transactions",
    "submissions": "submissions",
    "work_items": "work_items",
    "audits": "audits",
}
"""File stem -> the table it holds, by the Python API's table names: ``transactions.csv``,
``submissions.csv`` and ``work_items.csv`` are the book's tables, ``audits.csv`` the QA result
the generator knows for every work item (:func:`~comanaged_rcm.synthetic.audit`)."""

CHUNK_ROWS = 65_536
"""Rows formatted and written at a time, so memory stays flat whatever the book's size."""

_CENTS = np.array([f"{cents:02d}" for cents in range(100)])
_SPECIAL = np.array([ord(c) for c in ',"\n\r'], dtype=np.uint32)


def write_csv(book: SyntheticBook, directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the book's tables and its QA results as CSV files with a header row.

    ``transactions.csv`` holds the ledger, ``submissions.csv`` the claim submissions and
    ``work_items.csv`` the work items, each with the table's exact column names in order;
    ``audits.csv`` holds ``item_id, workflow, error`` for every work item, the finding the
    book's auditor (:func:`~comanaged_rcm.synthetic.audit`) gives it, so that the ``report``
    command evaluates QA exactly as a cycle on the book itself does. Dates are
    ISO (``2026-05-04``), missing cells empty, booleans ``true``/``false``, money with 2 decimals;
    text is quoted only where it needs to be. Rows are formatted and written in chunks of
    :data:`CHUNK_ROWS`. :func:`comanaged_rcm.tables.read_csv` reads the files back to equal arrays.

    The four files are written all or nothing (see :func:`comanaged_rcm._io.staged`): they are
    staged in a private directory inside ``directory`` and moved into place only when all are
    written, so a failure (a full disk, a directory in the way) leaves ``directory`` as it was.
    Other files in ``directory`` are never touched.

    Args:
        book: The book to export.
        directory: Where to write (created with its parents when missing; files are overwritten).

    Returns:
        The path of each file by table name (the keys of :data:`CSV_FILES`).

    Raises:
        ValidationError: ``book`` is not a SyntheticBook, or ``directory`` is not a usable path.
        OSError: Writing failed; ``directory`` is unchanged.

    >>> import tempfile
    >>> from comanaged_rcm.synthetic import generate_book
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     paths = write_csv(generate_book(seed=1, claims=100), directory)
    ...     paths["work_items"].read_text().splitlines()[0]
    'item_id,workflow,team,opened,closed,touches,escalated,claim_id,balance'
    """
    instance(book, SyntheticBook, "$.book")
    with _io.staged(directory) as stage:
        write_tables(book, stage)
    return {stem: stage.directory / f"{stem}.csv" for stem in CSV_FILES}


def write_tables(book: SyntheticBook, stage: _io.Stage) -> None:
    """Write the files of :data:`CSV_FILES` into an open stage (see :func:`write_csv`)."""
    tables = {**book.tables(), "audits": audit_table(book)}
    for stem, table in CSV_FILES.items():
        with stage.open(f"{stem}.csv") as handle:
            _write(handle, tables[table])


def audit_table(book: SyntheticBook) -> dict[str, npt.NDArray[Any]]:
    """Every work item's QA finding by the book's auditor, in the book's item order."""
    items, workflows = book.work_items["item_id"], book.work_items["workflow"]
    error = np.zeros(len(items), dtype=bool)
    for workflow in WORKFLOWS:
        mine = workflows == workflow
        if mine.any():
            error[mine] = audit(book, workflow, items[mine])
    return {"item_id": items, "workflow": workflows, "error": error}


def _write(handle: IO[str], columns: dict[str, npt.NDArray[Any]]) -> None:
    names = list(columns)
    handle.write(",".join(_quote(np.array(names, dtype=str)).tolist()) + "\n")
    rows = len(columns[names[0]]) if names else 0
    for begin in range(0, rows, CHUNK_ROWS):
        cells = [_cells(columns[name][begin : begin + CHUNK_ROWS]).tolist() for name in names]
        handle.writelines(",".join(row) + "\n" for row in zip(*cells, strict=True))


def _cells(values: npt.NDArray[Any]) -> npt.NDArray[np.str_]:
    """One column chunk as CSV cells."""
    kind = values.dtype.kind
    if kind == "M":  # few distinct days: format each once
        days, inverse = np.unique(values.astype("datetime64[D]"), return_inverse=True)
        text = np.where(np.isnat(days), "", np.datetime_as_string(days))
        cells: npt.NDArray[np.str_] = text[inverse.reshape(-1)]
        return cells
    if kind == "b":
        return np.where(values, "true", "false")
    if kind in "iu":
        return values.astype(str)
    if kind == "f":
        return _money(values)
    return _quote(values.astype(str))


def _money(values: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.str_]:
    """Numbers with 2 decimals (``-12.30``), built from whole cents; NaN is an empty cell."""
    missing = np.isnan(values)
    cents = np.rint(np.where(missing, 0.0, values) * 100).astype(np.int64)
    magnitude = np.abs(cents)
    whole = (magnitude // 100).astype(str)
    negative = cents < 0
    if negative.any():
        whole = np.char.add(np.where(negative, "-", ""), whole)
    text = np.char.add(np.char.add(whole, "."), _CENTS[magnitude % 100])
    return np.where(missing, "", text)


def _quote(text: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """Quote the cells holding a comma, a quote or a line break (quotes doubled)."""
    width = text.dtype.itemsize // 4
    if not text.size or not width:
        return text
    codes = np.ascontiguousarray(text).view(np.uint32).reshape(text.size, width)
    special = np.isin(codes, _SPECIAL).any(axis=1)
    if not special.any():
        return text
    quoted = np.char.add(np.char.add('"', np.char.replace(text, '"', '""')), '"')
    return np.where(special, quoted, text)
