"""The QA auditor of the synthetic book: a finding per work item, drawn from the known true rate.

>>> from comanaged_rcm.synthetic import generate_book
>>> book = generate_book(seed=3, claims=2000)
>>> denials = book.work_items["item_id"][book.work_items["workflow"] == "denials"]
>>> audit(book, "denials", denials[:5]).tolist() == audit(book, "denials", denials[4::-1]).tolist()[::-1]
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as check
from comanaged_rcm.synthetic._models import WORKFLOWS, SyntheticBook
from comanaged_rcm.synthetic._random import STREAMS, counter_uniform

__all__ = ["audit"]


def audit(
    book: SyntheticBook, workflow: str, item_ids: Sequence[str] | npt.NDArray[np.str_]
) -> npt.NDArray[np.bool_]:
    """The QA auditor's finding for each sampled work item: ``True`` where the item has an error.

    Each item's finding depends only on the book's seed, the workflow and the item's number: it is
    ``u < rate``, where ``rate`` is the workflow's true error rate (``book.qa``) and ``u`` a uniform
    from a counter-based generator (SplitMix64 keyed by ``SeedSequence([seed, stream, workflow])``,
    counter = the item's number). So an item gets the same finding whichever other items are asked
    for, in any order, on any machine, and over many items the error rate is the true rate.

    Args:
        book: The synthetic book whose work items are audited.
        workflow: A workflow of :data:`WORKFLOWS`.
        item_ids: Ids of work items of that workflow (``book.work_items["item_id"]``).

    Returns:
        One boolean per item id, in the order given.

    Raises:
        ValidationError: ``book`` is not a :class:`SyntheticBook` (``$.book``); the workflow is
            unknown (``$.workflow``, with a did-you-mean); ``item_ids`` is not a 1-D sequence of
            strings (``$.item_ids``), or an id is not an item of that workflow in the book
            (``$.item_ids[i]``).

    Examples:
        >>> from comanaged_rcm.synthetic import generate_book
        >>> book = generate_book(seed=3, claims=2000)
        >>> items = book.work_items["item_id"][book.work_items["workflow"] == "coding"]
        >>> audit(book, "coding", items).mean() < 0.05
        np.True_
        >>> audit(book, "codeing", items)
        Traceback (most recent call last):
        ...
        comanaged_rcm.errors.ValidationError: 1 validation issue: unknown workflow 'codeing' (expected one of
        eligibility, ...) (did you mean 'coding'?) @ $.workflow
    """
    check.instance(book, SyntheticBook, "$.book")
    name: object = workflow
    if not isinstance(name, str) or name not in WORKFLOWS:
        check.fail(
            "$.workflow",
            "value",
            f"unknown workflow {check.show(workflow)} (expected one of {', '.join(WORKFLOWS)})"
            f"{check.suggest(workflow, WORKFLOWS)}",
        )
    ids = _item_ids(item_ids)
    known, workflows = book.work_items.get("item_id"), book.work_items.get("workflow")
    if known is None or workflows is None:
        check.fail("$.book", "value", "the book's work items have no 'item_id' and 'workflow' columns")
    position = np.minimum(np.searchsorted(known, ids), max(known.size - 1, 0))
    found = known[position] == ids if known.size else np.zeros(ids.size, dtype=bool)
    valid = found & (workflows[position] == workflow) if known.size else found
    if not valid.all():
        row = int(np.flatnonzero(~valid)[0])
        what = f"an item of workflow {workflow!r}" if found[row] else "an item of the book"
        check.fail(f"$.item_ids[{row}]", "value", f"{check.show(str(ids[row]))} is not {what}")
    key = int(
        np.random.SeedSequence([book.seed, STREAMS["audit"], WORKFLOWS.index(workflow)]).generate_state(
            1, dtype=np.uint64
        )[0]
    )
    uniforms = counter_uniform(key, position.astype(np.uint64) + np.uint64(1))
    result: npt.NDArray[np.bool_] = uniforms < book.qa.error_rates[workflow]
    return result


def _item_ids(item_ids: object) -> npt.NDArray[np.str_]:
    """The ids as a 1-D array of text; anything else is refused at ``$.item_ids``."""
    if isinstance(item_ids, np.ndarray) and item_ids.ndim == 1 and item_ids.dtype.kind == "U":
        return item_ids
    what = f"'item_ids' must be a 1-D sequence of item id strings (got {check.show(item_ids)})"
    if isinstance(item_ids, np.ndarray) and (
        item_ids.ndim != 1 or (item_ids.size and item_ids.dtype.kind != "O")
    ):
        check.fail("$.item_ids", "type", what)
    items = check.sequence(item_ids, "$.item_ids")
    if not all(isinstance(item, str) for item in items):
        check.fail("$.item_ids", "type", what)
    for row, item in enumerate(items):
        if "\x00" in item:  # a numpy text array would drop trailing NULs and find another item
            check.fail(f"$.item_ids[{row}]", "value", f"{check.show(item)} is not an item of the book")
    return np.array(items, dtype=str)
