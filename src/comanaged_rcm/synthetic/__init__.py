"""Seeded synthetic co-managed books of business: ledger, submissions, work items and QA truth."""

from __future__ import annotations

from comanaged_rcm.synthetic._audit import audit
from comanaged_rcm.synthetic._engine import DEFAULT_START, generate_book
from comanaged_rcm.synthetic._export import CSV_FILES, write_csv
from comanaged_rcm.synthetic._models import (
    CARC_GROUPS,
    PARTIES,
    QA_ERROR_RATES,
    WORKFLOWS,
    BookParameters,
    CarcGroup,
    Payer,
    PayerKind,
    QATruth,
    SyntheticBook,
    default_payers,
)

__all__ = [
    "CARC_GROUPS",
    "CSV_FILES",
    "DEFAULT_START",
    "PARTIES",
    "QA_ERROR_RATES",
    "WORKFLOWS",
    "BookParameters",
    "CarcGroup",
    "Payer",
    "PayerKind",
    "QATruth",
    "SyntheticBook",
    "audit",
    "default_payers",
    "generate_book",
    "write_csv",
]
