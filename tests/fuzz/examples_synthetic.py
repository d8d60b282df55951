"""Valid example calls of every public callable of comanaged_rcm.synthetic, for the API-wide fuzz test."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from pathlib import Path

from comanaged_rcm.synthetic import (
    QA_ERROR_RATES,
    PayerKind,
    QATruth,
    SyntheticBook,
    default_payers,
    generate_book,
)
from tests.fuzz.probes import Call

_P = "comanaged_rcm.synthetic"
_PAYERS = default_payers()


@functools.cache
def small_book() -> SyntheticBook:
    """A tiny book (60 claims over 2 weeks), generated once: treat it as read-only."""
    return generate_book(seed=5, claims=60, weeks=2)


def _items(workflow: str) -> list[str]:
    book = small_book()
    ids = book.work_items["item_id"][book.work_items["workflow"] == workflow]
    return [str(x) for x in ids[:3]]


def _book_kwargs() -> dict[str, object]:
    book = small_book()
    return {
        "parameters": book.parameters,
        "transactions": book.transactions,
        "submissions": book.submissions,
        "work_items": book.work_items,
        "qa": book.qa,
    }


EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.Payer": lambda: Call(
        kwargs={
            "id": "acme",
            "kind": PayerKind.COMMERCIAL,
            "share": 0.2,
            "allowed_ratio": 0.6,
            "patient_share": 0.1,
            "denial_rate": 0.1,
            "clean_rate": 0.9,
            "median_lag_days": 20.0,
            "overpayment_rate": 0.01,
        }
    ),
    f"{_P}.CarcGroup": lambda: Call(
        kwargs={
            "code": "CO-16",
            "description": "claim lacks information",
            "share": 0.45,
            "appeal_rate": 0.96,
            "overturn_rate": 0.95,
            "write_off_reason": "denial",
        }
    ),
    f"{_P}.BookParameters": lambda: Call(
        kwargs={
            "seed": 1,
            "claims": 10,
            "start": datetime.date(2026, 5, 4),
            "weeks": 2,
            "payers": _PAYERS,
        }
    ),
    f"{_P}.QATruth": lambda: Call(kwargs={"error_rates": dict(QA_ERROR_RATES)}),
    f"{_P}.SyntheticBook": lambda: Call(kwargs=_book_kwargs()),
    f"{_P}.default_payers": Call,
    f"{_P}.generate_book": lambda: Call(
        kwargs={
            "seed": 3,
            "claims": 20,
            "start": datetime.date(2026, 5, 4),
            "weeks": 1,
            "payers": _PAYERS,
            "error_rates": dict(QA_ERROR_RATES),
        }
    ),
    f"{_P}.audit": lambda: Call(
        kwargs={"book": small_book(), "workflow": "denials", "item_ids": _items("denials")}
    ),
    f"{_P}.write_csv": lambda: Call(kwargs={"book": small_book(), "directory": "book"}),
    f"{_P}.write_parquet": lambda: Call(
        kwargs={
            "directory": "ledger",
            "transactions": 10,
            "seed": 3,
            "start": datetime.date(2026, 5, 4),
            "weeks": 1,
            "chunk_claims": 20,
            "payers": _PAYERS,
            "error_rates": dict(QA_ERROR_RATES),
        }
    ),
    f"{_P}.chunk_seed": lambda: Call(kwargs={"seed": 7, "chunk": 2}),
    f"{_P}.rename_chunk": lambda: Call(kwargs={"book": small_book(), "chunk": 1}),
    f"{_P}.ParquetLedger": lambda: Call(
        kwargs={
            "directory": Path("d"),
            "files": {"transactions": (Path("d/transactions/part-00000.parquet"),)},
            "rows": {"transactions": 3},
            "chunks": 1,
            "chunk_claims": 2,
            "seed": 7,
            "start": datetime.date(2026, 5, 4),
            "weeks": 1,
            "target": 3,
        }
    ),
}

METHODS: dict[str, Callable[[], tuple[object, str, Call]]] = {
    f"{_P}.QATruth.above": lambda: (
        QATruth(error_rates=dict(QA_ERROR_RATES)),
        "above",
        Call(kwargs={"tolerable_rate": 0.05}),
    ),
    f"{_P}.SyntheticBook.tables": lambda: (small_book(), "tables", Call()),
}
