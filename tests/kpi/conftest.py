"""A small hand-worked book shared by the KPI tests (every figure is worked out in the tests).

Transactions (payer, team; DOS = date of service):

==  =====  ===  ====  ==========  ==========  ======================  ======  ==========
#   claim  pay  team  DOS         posted      type                    amount  billed
==  =====  ===  ====  ==========  ==========  ======================  ======  ==========
1   C1     A    t1    2026-01-05  2026-01-06  charge                  1000    2026-01-07
2   C1     A    t1    2026-01-05  2026-01-20  contractual_adjustment  300
3   C1     A    t1    2026-01-05  2026-01-20  payment                 600
4   C1     A    t1    2026-01-05  2026-01-25  refund                  50
5   C2     B    t2    2025-10-01  2025-10-02  charge                  500     2025-10-03
6   C2     B    t2    2025-10-01  2026-01-15  write_off (denial)      100
7   C2     B    t2    2025-10-01  2026-01-16  write_off (charity)     40
8   C3     A    t2    2026-01-10  2026-01-12  charge                  200     (unbilled)
9   C3     A    t2    2026-01-10  2026-01-10  payment (at service)    20
10  C4     B    t1    2025-12-01  2026-01-15  charge (45 days late)   400     2026-01-16
11  C4     B    t1    2025-12-01  2026-01-31  write_off (bad_debt)    60
12  C5     A    t1    2026-01-02  2026-01-02  charge                  100     2026-01-03
13  C5     A    t1    2026-01-02  2026-01-22  payment (overpaid)      130
14  C6     B    t2    2025-10-15  2025-11-20  charge                  250     2025-11-20
==  =====  ===  ====  ==========  ==========  ======================  ======  ==========
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from comanaged_rcm.kpi import Book
from comanaged_rcm.periods import Period

JANUARY = Period.month(2026, 1)


def columns(header: str, rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Turn row tuples into the column mapping a Book takes."""
    names = header.split()
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


TRANSACTIONS = columns(
    "claim_id payer team service_date posting_date type amount write_off_reason billed_date",
    [
        ("C1", "A", "t1", "2026-01-05", "2026-01-06", "charge", 1000.0, "", "2026-01-07"),
        ("C1", "A", "t1", "2026-01-05", "2026-01-20", "contractual_adjustment", 300.0, "", None),
        ("C1", "A", "t1", "2026-01-05", "2026-01-20", "payment", 600.0, "", None),
        ("C1", "A", "t1", "2026-01-05", "2026-01-25", "refund", 50.0, "", None),
        ("C2", "B", "t2", "2025-10-01", "2025-10-02", "charge", 500.0, "", "2025-10-03"),
        ("C2", "B", "t2", "2025-10-01", "2026-01-15", "write_off", 100.0, "denial", None),
        ("C2", "B", "t2", "2025-10-01", "2026-01-16", "write_off", 40.0, "charity", None),
        ("C3", "A", "t2", "2026-01-10", "2026-01-12", "charge", 200.0, "", None),
        ("C3", "A", "t2", "2026-01-10", "2026-01-10", "payment", 20.0, "", None),
        ("C4", "B", "t1", "2025-12-01", "2026-01-15", "charge", 400.0, "", "2026-01-16"),
        ("C4", "B", "t1", "2025-12-01", "2026-01-31", "write_off", 60.0, "bad_debt", None),
        ("C5", "A", "t1", "2026-01-02", "2026-01-02", "charge", 100.0, "", "2026-01-03"),
        ("C5", "A", "t1", "2026-01-02", "2026-01-22", "payment", 130.0, "", None),
        ("C6", "B", "t2", "2025-10-15", "2025-11-20", "charge", 250.0, "", "2025-11-20"),
    ],
)

SUBMISSIONS = columns(
    "claim_id payer team seq submitted_date lines charges clean adjudicated_date outcome denied_lines "
    "denied_charges",
    [
        ("C1", "A", "t1", 1, "2026-01-07", 4, 1000.0, True, "2026-01-20", "paid", 0, 0.0),
        ("C2", "B", "t2", 1, "2026-01-03", 2, 500.0, False, "2026-01-12", "denied", 2, 500.0),
        ("C2", "B", "t2", 2, "2026-01-14", 2, 500.0, True, "2026-01-25", "paid", 0, 0.0),
        ("C4", "B", "t1", 1, "2026-01-16", 5, 400.0, False, "2026-01-28", "partial", 1, 80.0),
        ("C5", "A", "t1", 1, "2026-01-03", 1, 100.0, True, None, "pending", 0, 0.0),
        ("C3", "A", "t2", 1, "2025-12-20", 3, 300.0, True, "2026-01-05", "denied", 3, 300.0),
        ("C6", "B", "t2", 1, "2025-11-21", 2, 250.0, True, "2025-12-10", "paid", 0, 0.0),
        ("C7", "A", "t1", 1, "2025-10-20", 1, 50.0, True, "2025-11-05", "denied", 1, 50.0),
        ("C8", "B", "t1", 2, "2026-01-20", 1, 60.0, True, "2026-01-30", "denied", 1, 60.0),
    ],
)

WORK_ITEMS = columns(
    "item_id workflow team opened closed touches escalated",
    [
        ("W1", "ar", "t1", "2026-01-02", "2026-01-09", 3, False),
        ("W2", "denials", "t2", "2025-12-01", "2026-01-20", 5, True),
        ("W3", "ar", "t1", "2025-12-15", None, 2, False),
        ("W4", "ar", "t2", "2026-01-10", None, 1, False),
        ("W5", "denials", "t1", "2025-11-01", "2025-12-01", 4, True),
    ],
)

LEDGER = columns(
    "month npsr cost_to_collect",
    [("2026-01-01", 2500.0, 35.0), ("2025-12-01", 2400.0, 30.0)],
)


@pytest.fixture
def book() -> Book:
    """The hand-worked book of this module's docstring, with every table."""
    return Book(transactions=TRANSACTIONS, submissions=SUBMISSIONS, work_items=WORK_ITEMS, ledger=LEDGER)


@pytest.fixture
def day() -> type[datetime.date]:
    """``datetime.date``, for brevity."""
    return datetime.date
