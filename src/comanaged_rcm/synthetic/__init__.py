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
from comanaged_rcm.synthetic._parquet import ParquetLedger, chunk_seed, rename_chunk, write_parquet

__all__ = [
    "CARC_GROUPS",
    "CSV_FILES",
    "DEFAULT_START",
    "PARTIES",
    "QA_ERROR_RATES",
    "WORKFLOWS",
    "BookParameters",
    "CarcGroup",
    "ParquetLedger",
    "Payer",
    "PayerKind",
    "QATruth",
    "SyntheticBook",
    "audit",
    "chunk_seed",
    "default_payers",
    "generate_book",
    "rename_chunk",
    "write_csv",
    "write_parquet",
]
