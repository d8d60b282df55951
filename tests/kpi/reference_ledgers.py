"""Hand-worked reference ledgers for the KPI conventions of issue 13, item 2.

Standalone: nothing here imports ``comanaged_rcm``. Each :class:`Case` holds small input tables in
the Book column format of ``kpi/_book.py`` (``SCHEMAS``: one dict of equal-length lists per table,
ISO date strings, ``None`` for a missing date, ``""`` for an empty text cell), the period, the
as-of date, the convention options, and the expected numerator, denominator and value, worked out
by hand in the docstring of the function that builds the case.

Date rules used throughout (``docs/conventions/kpi.md``, Fixed readings):

* A period is half-open, ``[start, end)``; a flow counts rows whose named date falls in it.
* ``as_of`` is the LAST DAY COUNTED, inclusive: a snapshot at as-of counts every row dated on or
  before it (a posting dated on as-of counts; one dated the day after does not). It is on or after
  the period's last day (``end - 1 day``), the default.
* A ledger row's ``month`` is the first day of its month. A ledger flow over a period sums the rows
  whose ``month`` falls in ``[start, end)``. A ledger balance (``net_ar``, ``dnfb``) at as-of is the
  row of the month whose last day is as-of (undefined otherwise). "Average daily X at as-of" is X
  summed over the 3 calendar months ending on as-of, divided by their actual days. "Average
  monthly NPSR" of a period of whole months is the sum, over its months m, of the mean NPSR of
  m and the two months before it.
* A denominator within 1e-6 of zero gives no value (``None``), never 0 or infinity.

:func:`check` recomputes every expected figure twice, by a row-by-row loop in plain Python and by
pandas; each must agree with the hand-worked value to 1e-9 (``test_kpi_conventions_added.py``
runs it, then each case through ``kpi.evaluate``).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Table = dict[str, list[Any]]
Tables = dict[str, Table]

ZERO = 1e-6
"""A denominator within this of zero is zero (kpi.md, Fixed readings)."""
TOLERANCE = 1e-9


def columns(header: str, rows: Sequence[tuple[Any, ...]]) -> Table:
    """Row tuples to the column mapping a Book takes (as ``tests/kpi/conftest.py`` does)."""
    names = header.split()
    for row in rows:
        if len(row) != len(names):
            msg = f"row {row!r} has {len(row)} cells for {len(names)} columns"
            raise ValueError(msg)
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def day(text: str) -> datetime.date:
    """An ISO date."""
    return datetime.date.fromisoformat(text)


@dataclasses.dataclass(frozen=True)
class Case:
    """One hand-worked expectation.

    ``value`` is ``scale * numerator / denominator`` (``numerator`` alone for a KPI without a
    denominator), or ``None`` with ``reason`` when it is undefined.
    """

    id: str
    item: str  # which of the seven additions (issue 13, item 2) the case checks
    kpi: str
    conventions: Mapping[str, str]  # family -> option ("option@version" where the version matters)
    tables: Tables
    start: datetime.date
    end: datetime.date  # exclusive
    as_of: datetime.date  # the last day counted, inclusive
    numerator: float | None
    denominator: float | None
    value: float | None
    scale: float = 100.0
    where: Mapping[str, str] = dataclasses.field(default_factory=dict)  # a slice: column -> value
    reason: str = ""
    worked: str = ""  # the arithmetic, copied from the builder's docstring

    def __post_init__(self) -> None:
        if self.as_of < self.end - datetime.timedelta(days=1):
            msg = f"{self.id}: as_of {self.as_of} precedes the period's last day"
            raise ValueError(msg)


CASES: list[Case] = []


def case(function: Callable[[], list[Case]]) -> Callable[[], list[Case]]:
    """Register the cases a builder returns, with the builder's docstring as their arithmetic."""
    CASES.extend(dataclasses.replace(built, worked=function.__doc__ or "") for built in function())
    return function


def ratio(numerator: float, denominator: float, scale: float = 100.0) -> float | None:
    return None if abs(denominator) < ZERO else scale * numerator / denominator


# ================================================================================ submissions
# Items 1 (HFMA CITF denominator: submitted), 5 (whole-claim denied dollars) and 6 (denials in the
# month over first submissions submitted in the month), and today's denial_denominator options.

SUBMISSION_HEADER = (
    "claim_id payer seq submitted_date lines charges clean adjudicated_date outcome denied_lines "
    "denied_charges"
)

DENIALS = {
    "submissions": columns(
        SUBMISSION_HEADER,
        [
            # id    pay seq submitted     ln charges clean adjudicated   outcome    dl denied$
            ("D01", "A", 1, "2026-01-01", 2, 1000.0, True, "2026-01-20", "paid", 0, 0.0),
            ("D02", "A", 1, "2025-12-31", 1, 400.0, False, "2026-01-10", "denied", 1, 400.0),
            ("D03", "B", 1, "2026-03-31", 3, 900.0, True, None, "pending", 0, 0.0),
            ("D04", "B", 1, "2026-04-01", 2, 600.0, False, "2026-04-20", "denied", 2, 600.0),
            ("D05", "A", 1, "2026-02-15", 4, 2000.0, True, "2026-04-02", "partial", 1, 300.0),
            ("D06", "B", 1, "2026-03-10", 1, 500.0, False, "2026-03-25", "denied", 1, 500.0),
            ("D07", "A", 2, "2026-02-01", 1, 500.0, True, "2026-04-05", "denied", 1, 500.0),
            ("D08", "A", 1, "2026-02-20", 2, 800.0, False, "2026-04-30", "denied", 2, 800.0),
            ("D09", "B", 1, "2026-03-05", 2, 700.0, False, "2026-05-01", "denied", 2, 700.0),
            ("D10", "A", 1, "2026-04-10", 1, 300.0, True, "2026-04-25", "paid", 0, 0.0),
            ("D11", "B", 1, "2026-04-28", 2, 400.0, True, None, "pending", 0, 0.0),
            ("D12", "A", 1, "2025-12-15", 1, 200.0, True, "2026-03-31", "paid", 0, 0.0),
            ("D13", "B", 1, "2025-12-20", 1, 100.0, True, "2025-12-31", "paid", 0, 0.0),
            ("D14", "A", 1, "2026-01-15", 1, 500.0, True, "2026-02-01", "paid", 0, 0.0),
            ("D15", "B", 1, "2026-02-10", 2, 1000.0, True, "2026-02-25", "paid", 0, 0.0),
            ("D16", "A", 1, "2026-03-20", 1, 600.0, True, "2026-04-03", "paid", 0, 0.0),
            ("D17", "B", 1, "2026-01-25", 1, 400.0, True, "2026-02-05", "paid", 0, 0.0),
            ("D18", "A", 1, "2026-04-30", 1, 200.0, True, None, "pending", 0, 0.0),
            ("D19", "B", 1, "2026-05-01", 1, 100.0, True, None, "pending", 0, 0.0),
        ],
    )
}
APRIL = (day("2026-04-01"), day("2026-05-01"), day("2026-04-30"))


def _denial(  # noqa: PLR0917 - a case reads best as a positional row
    id_: str,
    unit: str,
    scope: str,
    denominator_option: str,
    numerator: float,
    denominator: float,
    *,
    period: tuple[datetime.date, datetime.date, datetime.date] = APRIL,
    item: str = "1",
    value: float | None = None,
    reason: str = "",
) -> Case:
    start, end, as_of = period
    return Case(
        id=id_,
        item=item,
        kpi="initial_denial_rate",
        conventions={"denial_unit": unit, "denial_scope": scope, "denial_denominator": denominator_option},
        tables=DENIALS,
        start=start,
        end=end,
        as_of=as_of,
        numerator=numerator,
        denominator=denominator,
        value=ratio(numerator, denominator) if value is None and not reason else value,
        reason=reason,
    )


@case
def citf_submitted_denominator() -> list[Case]:
    """Item 1: HFMA CITF initial denial rate, denominator = first submissions SUBMITTED.

    Reporting month April 2026: period [2026-04-01, 2026-05-01), as-of 2026-04-30.
    The three calendar months before it: submitted in [2026-01-01, 2026-04-01).

    Numerator (same for every denial_denominator option except submitted_cohort): original
    submissions (seq 1) adjudicated in [04-01, 05-01) as denied (or partial, full_and_partial):
      D04 denied  adjudicated 04-20            counts
      D05 partial adjudicated 04-02            counts (full_and_partial only)
      D08 denied  adjudicated 04-30 (as-of)    counts
      D07 denied  adjudicated 04-05 but seq 2  resubmission: never an initial denial
      D09 denied  adjudicated 05-01            after the period: no
      D06 denied  adjudicated 03-25            before the period: no
      claims: full_and_partial 3, full_only 2

    Denominator, prior_three_month_average@2 (submitted in [01-01, 04-01), seq 1, any outcome):
      D01 01-01 (first day of the window: in), D03 03-31 (pending; last day: in), D05 02-15,
      D06 03-10, D08 02-20, D09 03-05, D14 01-15, D15 02-10, D16 03-20, D17 01-25   -> 10
      out: D02 2025-12-31 (day before the window), D04 04-01 (first day of the reporting month),
           D12 / D13 (December), D07 (seq 2)
      monthly average 10 / 3
      claims, full_and_partial: 3 / (10/3) x 100 = 90.0 %
      claims, full_only:        2 / (10/3) x 100 = 60.0 %
      lines (denied_lines / lines):
        numerator D04 2 + D05 1 + D08 2 = 5
        lines of the 10: 2+3+4+1+2+2+1+2+1+1 = 19, average 19/3
        5 / (19/3) x 100 = 1500/19 = 78.94736842105263 %
      dollars (denied_charges / charges):
        numerator 600 + 300 + 800 = 1700
        charges of the 10: 1000+900+2000+500+800+700+500+1000+600+400 = 8400, average 2800
        1700 / 2800 x 100 = 60.714285714285715 %
      claim_dollars (item 5: whole charges of denied or partial claims / charges):
        full_and_partial: 600 + 2000 + 800 = 3400; 3400 / 2800 x 100 = 121.42857142857143 %
        full_only:        600 + 800 = 1400;        1400 / 2800 x 100 = 50.0 %
      dollars, full_only: 600 + 800 = 1400 / 2800 = 50.0 % (a full denial's denied_charges are its
        charges: dollars and claim_dollars differ only on partial denials)

    Denominator, prior_three_month_average@1 (today: seq 1 ADJUDICATED in [01-01, 04-01), pending
    excluded): D01 01-20, D02 01-10, D06 03-25, D12 03-31 (last day: in), D14 02-01, D15 02-25,
    D17 02-05 -> 7; out: D13 2025-12-31 (day before), D05/D08/D16 (April), D09 (May), D03 pending.
      claims, full_and_partial: 3 / (7/3) x 100 = 900/7 = 128.57142857142858 %

    Two whole months, April-May 2026: [2026-04-01, 2026-06-01), as-of 2026-05-31, @2, claims:
      numerator: D04, D05, D08 and D09 (adjudicated 05-01, now inside) = 4
      April's average 10/3; May's window [02-01, 05-01): D03, D04, D05, D06, D08, D09, D10, D11,
      D15, D16, D18 = 11 (D01 01-01, D14, D17 January: out; D19 05-01: out) -> 11/3
      denominator 10/3 + 11/3 = 7; 4 / 7 x 100 = 57.142857142857146 %

    Zero denominator: October 2025, [2025-10-01, 2025-11-01), as-of 2025-10-31: nothing submitted
    in [2025-07-01, 2025-10-01) and nothing adjudicated in October: 0 / 0 -> no value.
    """
    v2 = "prior_three_month_average@2"
    fp, fo = "full_and_partial", "full_only"
    return [
        _denial("citf_claims", "claims", fp, v2, 3, 10 / 3, value=90.0),
        _denial("citf_claims_full_only", "claims", fo, v2, 2, 10 / 3, value=60.0),
        _denial("citf_lines", "lines", fp, v2, 5, 19 / 3, value=1500 / 19),
        _denial("citf_dollars", "dollars", fp, v2, 1700, 2800, value=1700 / 28),
        _denial("citf_dollars_full_only", "dollars", fo, v2, 1400, 2800, value=50.0),
        _denial("citf_claim_dollars", "claim_dollars", fp, v2, 3400, 2800, item="5", value=3400 / 28),
        _denial("citf_claim_dollars_full_only", "claim_dollars", fo, v2, 1400, 2800, item="5", value=50.0),
        _denial("citf_v1_adjudicated", "claims", fp, "prior_three_month_average@1", 3, 7 / 3, value=900 / 7),
        _denial(
            "citf_two_months",
            "claims",
            fp,
            v2,
            4,
            7,
            period=(day("2026-04-01"), day("2026-06-01"), day("2026-05-31")),
            value=400 / 7,
        ),
        _denial(
            "citf_zero_denominator",
            "claims",
            fp,
            v2,
            0,
            0,
            period=(day("2025-10-01"), day("2025-11-01"), day("2025-10-31")),
            reason="zero denominator: no original submissions in the three months before",
        ),
    ]


@case
def denials_in_month_over_submitted_in_month() -> list[Case]:
    """Item 6 and today's options, on the same submissions, April 2026, as-of 2026-04-30.

    submitted_in_period (new; AAFP: denied in the period over submitted in the period):
      numerator: denials adjudicated in April (as item 1): D04, D05, D08 = 3
      denominator: seq 1 SUBMITTED in [04-01, 05-01), any outcome:
        D04 04-01 (first day: in), D10 04-10, D11 04-28 (pending), D18 04-30 (last day, pending)
        -> 4; D19 05-01 (day after): out
      claims:  3 / 4 x 100 = 75.0 %
      lines:   numerator 2 + 1 + 2 = 5; lines 2 + 1 + 2 + 1 = 6; 5 / 6 x 100 = 83.33333333333333 %
      dollars: numerator 600 + 300 + 800 = 1700; charges 600 + 300 + 400 + 200 = 1500;
               1700 / 1500 x 100 = 113.33333333333333 % (denials of earlier months' claims)
      claim_dollars (item 5): 600 + 2000 + 800 = 3400 / 1500 x 100 = 226.66666666666666 %

    adjudicated_in_period (today's default): denominator seq 1 adjudicated in April, not pending:
      D04 04-20, D05 04-02, D08 04-30, D10 04-25, D16 04-03 = 5 claims, charges
      600 + 2000 + 800 + 300 + 600 = 4300
      claims:        3 / 5 x 100 = 60.0 %
      dollars:       1700 / 4300 x 100 = 39.53488372093023 %
      claim_dollars: 3400 / 4300 x 100 = 79.06976744186046 % (item 5)

    submitted_cohort (today, with the inclusive as-of): seq 1 submitted in April and adjudicated on
    or before 2026-04-30: D04 (denied 04-20), D10 (paid 04-25); D11, D18 pending: out.
      claims: 1 / 2 x 100 = 50.0 %
    """
    sip, aip, coh = "submitted_in_period", "adjudicated_in_period", "submitted_cohort"
    fp = "full_and_partial"
    return [
        _denial("month_claims", "claims", fp, sip, 3, 4, item="6", value=75.0),
        _denial("month_lines", "lines", fp, sip, 5, 6, item="6", value=500 / 6),
        _denial("month_dollars", "dollars", fp, sip, 1700, 1500, item="6", value=1700 / 15),
        _denial("month_claim_dollars", "claim_dollars", fp, sip, 3400, 1500, item="5", value=3400 / 15),
        _denial("adjudicated_claims", "claims", fp, aip, 3, 5, item="6", value=60.0),
        _denial("adjudicated_dollars", "dollars", fp, aip, 1700, 4300, item="5", value=1700 / 43),
        _denial("adjudicated_claim_dollars", "claim_dollars", fp, aip, 3400, 4300, item="5", value=3400 / 43),
        _denial("cohort_claims", "claims", fp, coh, 1, 2, item="6", value=50.0),
    ]


# =============================================================================== transactions
# Items 2 (date-of-service cohort write-off rate; open A/R share of a cohort), 3 (denial write-off
# rate) and 4 (credit-balance total).

TRANSACTION_HEADER = "claim_id payer service_date posting_date type amount write_off_reason"

BOOK = {
    "transactions": columns(
        TRANSACTION_HEADER,
        [
            # claim payer DOS          posted        type                     amount  reason
            ("A1", "P", "2026-03-01", "2026-03-02", "charge", 1000.0, ""),
            ("A1", "P", "2026-03-01", "2026-03-20", "contractual_adjustment", 400.0, ""),
            ("A1", "P", "2026-03-01", "2026-04-10", "payment", 500.0, ""),
            ("A1", "P", "2026-03-01", "2026-04-30", "write_off", 100.0, "denial"),
            ("A2", "P", "2026-03-31", "2026-04-02", "charge", 500.0, ""),
            ("A2", "P", "2026-03-31", "2026-04-15", "contractual_adjustment", 100.0, ""),
            ("A2", "P", "2026-03-31", "2026-05-01", "write_off", 50.0, "timely_filing"),
            ("A3", "Q", "2026-02-28", "2026-03-01", "charge", 800.0, ""),
            ("A3", "Q", "2026-02-28", "2026-03-15", "contractual_adjustment", 200.0, ""),
            ("A3", "Q", "2026-02-28", "2026-03-20", "payment", 300.0, ""),
            ("A3", "Q", "2026-02-28", "2026-03-31", "write_off", 80.0, "charity"),
            ("A4", "Q", "2026-04-01", "2026-04-01", "charge", 300.0, ""),
            ("A4", "Q", "2026-04-01", "2026-04-20", "write_off", 30.0, "bad_debt"),
            ("A5", "P", "2026-03-15", "2026-03-16", "charge", 2000.0, ""),
            ("A5", "P", "2026-03-15", "2026-03-25", "contractual_adjustment", 600.0, ""),
            ("A5", "P", "2026-03-15", "2026-03-28", "write_off", 200.0, "charity"),
            ("A5", "P", "2026-03-15", "2026-04-05", "payment", 900.0, ""),
            ("A5", "P", "2026-03-15", "2026-04-25", "write_off", 100.0, "bad_debt"),
            ("A6", "Q", "2026-03-10", "2026-03-11", "charge", 400.0, ""),
            ("A6", "Q", "2026-03-10", "2026-03-30", "contractual_adjustment", 100.0, ""),
            ("A6", "Q", "2026-03-10", "2026-04-30", "payment", 350.0, ""),
            ("A6", "Q", "2026-03-10", "2026-05-02", "refund", 50.0, ""),
            ("A7", "P", "2026-01-15", "2026-01-16", "charge", 600.0, ""),
            ("A7", "P", "2026-01-15", "2026-03-05", "write_off", 20.0, "small_balance"),
            ("A7", "P", "2026-01-15", "2026-03-06", "write_off", 10.0, "administrative"),
            ("A7", "P", "2026-01-15", "2026-03-10", "payment", 700.0, ""),
            ("A7", "P", "2026-01-15", "2026-04-30", "refund", 130.0, ""),
            ("A8", "Q", "2026-02-10", "2026-02-11", "charge", 300.0, ""),
            ("A8", "Q", "2026-02-10", "2026-03-12", "write_off", 60.0, "denial"),
            ("A8", "Q", "2026-02-10", "2026-03-20", "payment", 200.0, ""),
            ("A8", "Q", "2026-02-10", "2026-03-31", "write_off", 40.0, "timely_filing"),
        ],
    )
}
MARCH = (day("2026-03-01"), day("2026-04-01"))


def _write_off(  # noqa: PLR0917 - a case reads best as a positional row
    id_: str,
    basis: str,
    base: str,
    reasons: str,
    numerator: float,
    denominator: float,
    value: float,
    *,
    as_of: str,
    item: str = "2",
) -> Case:
    return Case(
        id=id_,
        item=item,
        kpi="write_off_rate",
        conventions={"write_off_basis": basis, "write_off_denominator": base, "write_off_reasons": reasons},
        tables=BOOK,
        start=MARCH[0],
        end=MARCH[1],
        as_of=day(as_of),
        numerator=numerator,
        denominator=denominator,
        value=value,
    )


@case
def write_off_rates() -> list[Case]:
    """Items 2 (dos_cohort basis) and 3 (denials_only reasons), March 2026, [03-01, 04-01).

    posting_period (today), as-of 2026-03-31: rows POSTED in March.
      charges: A1 1000 (03-02), A3 800 (03-01, first day), A5 2000 (03-16), A6 400 (03-11) = 4200
        (A2 posted 04-02, A4 04-01: out; A7, A8 posted before March)
      contractual: A1 400, A3 200, A5 600, A6 100 = 1300; net charges 4200 - 1300 = 2900
      write-offs posted in March, by reason:
        charity  A3 80 (03-31, last day) + A5 200 (03-28) = 280
        small_balance A7 20, administrative A7 10
        denial A8 60 (03-12), timely_filing A8 40 (03-31)
        (A1 denial 04-30, A5 bad_debt 04-25, A4 bad_debt 04-20, A2 timely_filing 05-01: April on)
      charity_included: 280 + 20 + 10 + 60 + 40 = 410
      charity_excluded: 410 - 280 = 130
      denials_only (denial + timely_filing): 60 + 40 = 100
      net_charges:   410 / 2900 x 100 = 14.137931034482758 %
                     130 / 2900 x 100 = 4.482758620689655 %
                     100 / 2900 x 100 = 3.4482758620689653 %
      gross_charges: 410 / 4200 x 100 = 9.761904761904763 %
                     100 / 4200 x 100 = 2.380952380952381 %

    dos_cohort (new), as-of 2026-04-30: rows of claims SERVED in March, posted on or before as-of.
      cohort: A1 (DOS 03-01, first day), A2 (03-31, last day), A5 (03-15), A6 (03-10)
        out: A3 (DOS 02-28), A4 (DOS 04-01), A7 (January), A8 (February)
      charges posted by 04-30: 1000 + 500 (A2, 04-02) + 2000 + 400 = 3900
      contractual by 04-30: 400 + 100 (A2, 04-15) + 600 + 100 = 1200; net 3900 - 1200 = 2700
      write-offs by 04-30: A1 denial 100 (posted ON as-of: counts), A5 charity 200, A5 bad_debt 100
        (A2 timely_filing 50 posted 05-01, the day after as-of: not yet)
      charity_included: 100 + 200 + 100 = 400; charity_excluded: 400 - 200 = 200; denials_only: 100
      net_charges:   400 / 2700 x 100 = 14.814814814814815 %
                     200 / 2700 x 100 = 7.407407407407407 %
                     100 / 2700 x 100 = 3.7037037037037037 %
      gross_charges: 400 / 3900 x 100 = 10.256410256410257 %
      as-of 2026-05-01 (one day later): A2's timely_filing 50 now counts:
        denials_only 150 / 2700 x 100 = 5.555555555555555 %
    """
    pp, dc = "posting_period", "dos_cohort"
    net, gross = "net_charges", "gross_charges"
    inc, exc, den = "charity_included", "charity_excluded", "denials_only"
    march_end, cohort = "2026-03-31", "2026-04-30"
    return [
        _write_off("posted_included", pp, net, inc, 410, 2900, 41000 / 2900, as_of=march_end),
        _write_off("posted_excluded", pp, net, exc, 130, 2900, 13000 / 2900, as_of=march_end),
        _write_off("posted_denials", pp, net, den, 100, 2900, 10000 / 2900, as_of=march_end, item="3"),
        _write_off("posted_included_gross", pp, gross, inc, 410, 4200, 41000 / 4200, as_of=march_end),
        _write_off(
            "posted_denials_gross", pp, gross, den, 100, 4200, 10000 / 4200, as_of=march_end, item="3"
        ),
        _write_off("cohort_included", dc, net, inc, 400, 2700, 40000 / 2700, as_of=cohort),
        _write_off("cohort_excluded", dc, net, exc, 200, 2700, 20000 / 2700, as_of=cohort),
        _write_off("cohort_denials", dc, net, den, 100, 2700, 10000 / 2700, as_of=cohort, item="3"),
        _write_off("cohort_included_gross", dc, gross, inc, 400, 3900, 40000 / 3900, as_of=cohort),
        _write_off(
            "cohort_denials_day_later", dc, net, den, 150, 2700, 15000 / 2700, as_of="2026-05-01", item="3"
        ),
    ]


def _open_share(  # noqa: PLR0917 - a case reads best as a positional row
    id_: str, charges: str, credit_option: str, numerator: float, denominator: float, value: float, as_of: str
) -> Case:
    return Case(
        id=id_,
        item="2",
        kpi="cohort_open_ar_pct",
        conventions={"ar_charges": charges, "credit_balances": credit_option},
        tables=BOOK,
        start=MARCH[0],
        end=MARCH[1],
        as_of=day(as_of),
        numerator=numerator,
        denominator=denominator,
        value=value,
    )


@case
def cohort_open_ar() -> list[Case]:
    """Item 2: the open A/R share of the March 2026 date-of-service cohort at as-of.

    Cohort: A1, A2, A5, A6 (as in write_off_rates). Each claim's balance at the close of as-of:
    charges + refunds - payments - contractual - write-offs, posted on or before as-of.

    as-of 2026-04-30:
      A1: 1000 - 400 - 500 - 100 (denial write-off posted ON as-of) = 0
      A2:  500 - 100 = 400 (the 05-01 write-off is after as-of)
      A5: 2000 - 600 - 200 - 900 - 100 = 200
      A6:  400 - 100 - 350 (payment ON as-of) = -50 (the 05-02 refund is after as-of)
      credit_balances offset:   0 + 400 + 200 - 50 = 550
      credit_balances excluded: 0 + 400 + 200 + 0 = 600 (A6's credit counts as zero)
      check of the offset sum by type: charges 3900 - payments (500 + 900 + 350) 1750
        - contractual 1200 - write-offs 400 = 550
      ar_charges gross:    cohort charges posted by as-of 3900
      ar_charges adjusted: 3900 - 1200 = 2700
      offset / gross:      550 / 3900 x 100 = 14.102564102564102 %
      excluded / gross:    600 / 3900 x 100 = 15.384615384615385 %
      offset / adjusted:   550 / 2700 x 100 = 20.37037037037037 %
      excluded / adjusted: 600 / 2700 x 100 = 22.22222222222222 %

    as-of 2026-04-29 (one day earlier: the 04-30 postings are not yet counted):
      A1: 1000 - 400 - 500 = 100; A2 400; A5 200; A6: 400 - 100 = 300
      offset 100 + 400 + 200 + 300 = 1000; gross 3900 (every cohort charge is posted by 04-02)
      1000 / 3900 x 100 = 25.641025641025642 %
    """
    return [
        _open_share("open_offset_gross", "gross", "offset", 550, 3900, 55000 / 3900, "2026-04-30"),
        _open_share("open_excluded_gross", "gross", "excluded", 600, 3900, 60000 / 3900, "2026-04-30"),
        _open_share("open_offset_adjusted", "adjusted", "offset", 550, 2700, 55000 / 2700, "2026-04-30"),
        _open_share("open_excluded_adjusted", "adjusted", "excluded", 600, 2700, 60000 / 2700, "2026-04-30"),
        _open_share("open_offset_day_before", "gross", "offset", 1000, 3900, 100000 / 3900, "2026-04-29"),
    ]


SPLIT = {
    "transactions": columns(
        TRANSACTION_HEADER,
        [
            ("B1", "P", "2026-03-05", "2026-03-06", "charge", 500.0, ""),
            ("B1", "Q", "2026-03-05", "2026-03-25", "payment", 600.0, ""),
            ("B2", "Q", "2026-03-07", "2026-03-08", "charge", 200.0, ""),
            ("B2", "Q", "2026-03-07", "2026-03-31", "payment", 150.0, ""),
            ("B3", "P", "2026-03-09", "2026-03-10", "charge", 100.0, ""),
            ("B3", "P", "2026-03-09", "2026-04-01", "payment", 180.0, ""),
        ],
    )
}
"""Claim B1 carries two payers: its payer-P part owes 500, its payer-Q part is a 600 credit."""


@case
def credit_balance_totals() -> list[Case]:
    """Item 4: the credit-balance total at as-of: sum over claims of max(-balance, 0), positive.

    BOOK, balances at the close of 2026-03-31 (posted on or before it):
      A1 1000 - 400 = 600; A2 0 (first posting 04-02); A3 800 - 200 - 300 - 80 = 220; A4 0;
      A5 2000 - 600 - 200 = 1200; A6 400 - 100 = 300; A7 600 - 20 - 10 - 700 = -130;
      A8 300 - 60 - 200 - 40 = 0 (exactly zero: no credit)
      credit total 130                                         (period March, as-of 03-31)
    as-of 2026-04-29:
      A6 300 (its payment is dated 04-30), A7 -130 (its refund is dated 04-30)  -> credit 130
    as-of 2026-04-30:
      A6 400 - 100 - 350 = -50 (payment ON as-of);  A7 -130 + 130 = 0 (refund ON as-of)
      A1 0, A2 400, A3 220, A4 300 - 30 = 270, A5 200, A8 0           -> credit 50
    (Periods: March 2026 with the as-of shown; the measure reads only the as-of.)

    SPLIT, as-of 2026-03-31, per (claim, slice) like credit_balances excluded does today:
      unsliced: B1 500 - 600 = -100 -> 100; B2 200 - 150 = 50; B3 100 (its payment is 04-01)
        credit total 100
      slice payer Q: B1's Q part -600 -> 600; B2 50                        -> credit 600
      slice payer P: B1's P part 500; B3 100                               -> credit 0
      (so by payer the credits add up to 600, more than the unsliced 100)

    Net Days in Credit Balance (HFMA MAP Key AR-9, transactions and ledger):
      BOOK's credit total 50 at 2026-04-30 over average daily NPSR of Feb-Apr 2026 from the
      ledger rows below: (89000 + 89000 + 89000) / (28 + 31 + 30 = 89 days) = 3000 per day
      50 / 3000 = 0.016666666666666666 days
    """
    march, last = MARCH

    def total(
        id_: str, tables: Tables, as_of: str, value: float, where: Mapping[str, str] | None = None
    ) -> Case:
        return Case(
            id=id_,
            item="4",
            kpi="credit_balance_total",
            conventions={},
            tables=tables,
            start=march,
            end=last,
            as_of=day(as_of),
            numerator=value,
            denominator=None,
            value=value,
            scale=1.0,
            where=where or {},
        )

    npsr = columns(
        "month npsr",
        [("2026-02-01", 89000.0), ("2026-03-01", 89000.0), ("2026-04-01", 89000.0)],
    )
    return [
        total("credit_march_end", BOOK, "2026-03-31", 130.0),
        total("credit_day_before", BOOK, "2026-04-29", 130.0),
        total("credit_on_as_of", BOOK, "2026-04-30", 50.0),
        total("credit_split_total", SPLIT, "2026-03-31", 100.0),
        total("credit_split_payer_q", SPLIT, "2026-03-31", 600.0, {"payer": "Q"}),
        total("credit_split_payer_p", SPLIT, "2026-03-31", 0.0, {"payer": "P"}),
        Case(
            id="net_days_in_credit_balance",
            item="4",
            kpi="map_net_days_in_credit_balance",
            conventions={},
            tables={**BOOK, "ledger": npsr},
            start=day("2026-04-01"),
            end=day("2026-05-01"),
            as_of=day("2026-04-30"),
            numerator=50.0,
            denominator=3000.0,
            value=50 / 3000,
            scale=1.0,
        ),
    ]


# ===================================================================================== ledger
# Item 7: the HFMA MAP Keys the general-ledger totals determine.

LEDGER_HEADER = (
    "month gross_revenue npsr patient_service_cash pos_cash patient_cash late_charges "
    "denial_write_offs bad_debt charity cost_to_collect dnfb net_ar"
)
LEDGER = {
    "ledger": columns(
        LEDGER_HEADER,
        [
            # month       gross     npsr      psc       pos     pcash    late    denWO   bad     char    cost    dnfb     net_ar  # noqa: E501
            ("2023-11-01", 300000.0, 120000.0, 110000.0, 2000.0, 10000.0, 3000.0, 1500.0, 4000.0, 2500.0, 4000.0, 30000.0, 200000.0),  # noqa: E501
            ("2023-12-01", 310000.0, 124000.0, 118000.0, 2500.0, 11000.0, 3100.0, 1800.0, 4200.0, 2600.0, 4100.0, 31000.0, 205000.0),  # noqa: E501
            ("2024-01-01", 320000.0, 126000.0, 121000.0, 3000.0, 12000.0, 6400.0, 2000.0, 4800.0, 3200.0, 4200.0, 32000.0, 210000.0),  # noqa: E501
            ("2024-02-01", 290000.0, 117000.0, 119000.0, 2700.0, 9000.0, 2900.0, 1700.0, 4350.0, 2900.0, 4050.0, 29120.0, 208000.0),  # noqa: E501
            ("2024-03-01", 330000.0, 132000.0, 125000.0, 0.0, 0.0, 3300.0, 2100.0, 4950.0, 3300.0, 4500.0, 33000.0, 222000.0),  # noqa: E501
        ],
    )
}  # fmt: skip


def _map(  # noqa: PLR0917 - a case reads best as a positional row
    id_: str,
    kpi: str,
    start: str,
    end: str,
    as_of: str,
    numerator: float | None,
    denominator: float | None,
    value: float | None,
    *,
    scale: float = 100.0,
    reason: str = "",
) -> Case:
    return Case(
        id=id_,
        item="7",
        kpi=kpi,
        conventions={},
        tables=LEDGER,
        start=day(start),
        end=day(end),
        as_of=day(as_of),
        numerator=numerator,
        denominator=denominator,
        value=value,
        scale=scale,
        reason=reason,
    )


@case
def map_keys_from_the_ledger() -> list[Case]:
    """Item 7: MAP Keys from ledger totals (months 2023-11 .. 2024-03; 2024 is a leap year).

    Flows sum the months whose first day is in the period. "avg monthly NPSR" of a month m is
    (NPSR(m-2) + NPSR(m-1) + NPSR(m)) / 3; of a span of months, the sum over its months.
      Jan 2024: (120000 + 124000 + 126000) / 3 = 370000 / 3
      Feb 2024: (124000 + 126000 + 117000) / 3 = 367000 / 3
      Mar 2024: (126000 + 117000 + 132000) / 3 = 375000 / 3 = 125000
      Q1 2024:  (370000 + 367000 + 375000) / 3 = 1112000 / 3

    FM-2 cash collection % of NPSR (patient_service_cash / avg monthly NPSR x 100):
      March: 125000 / 125000 x 100 = 100.0 %
      Q1:    (121000 + 119000 + 125000) = 365000 / (1112000/3) x 100
             = 1095000 / 1112000 x 100 = 98.47122302158273 %
    FM-6 cost to collect (cost_to_collect / patient_service_cash x 100):
      March: 4500 / 125000 x 100 = 3.6 %
      Q1:    (4200 + 4050 + 4500) = 12750 / 365000 x 100 = 3.493150684931507 %
    AR-6 denial write-offs % of NPSR (denial_write_offs / avg monthly NPSR x 100):
      March: 2100 / 125000 x 100 = 1.68 %
      Q1:    (2000 + 1700 + 2100) = 5800 / (1112000/3) x 100 = 17400 / 1112000 x 100
             = 1.564748201438849 %
    PA-7 POS cash collections (pos_cash / patient_cash x 100):
      February: 2700 / 9000 x 100 = 30.0 %
      March:    0 / 0 -> no value (zero denominator)
      Q1:       (3000 + 2700 + 0) / (12000 + 9000 + 0) = 5700 / 21000 x 100 = 27.142857142857142 %
    CL-2 late charges % of total charges (late_charges / gross_revenue x 100):
      January: 6400 / 320000 x 100 = 2.0 %
    AR-7 bad debt, AR-8 charity, FM-4 uncompensated care (/ gross_revenue x 100), February:
      4350 / 290000 x 100 = 1.5 %;  2900 / 290000 x 100 = 1.0 %;  7250 / 290000 x 100 = 2.5 %
    PB-1 days in total DNFB (dnfb at as-of / average daily gross revenue), as-of 2024-02-29:
      dnfb of the month ending 02-29: 29120
      gross revenue Dec + Jan + Feb = 310000 + 320000 + 290000 = 920000 over 31 + 31 + 29 = 91 days
      29120 / (920000 / 91) = 2649920 / 920000 = 2.8803478260869566 days
    FM-1 net days in A/R (net_ar at as-of / average daily NPSR):
      as-of 2024-03-31: 222000 / ((126000 + 117000 + 132000) / (31 + 29 + 31 = 91))
                        = 222000 x 91 / 375000 = 53.872 days
      as-of 2024-01-31: 210000 / ((120000 + 124000 + 126000) / (30 + 31 + 31 = 92))
                        = 210000 x 92 / 370000 = 52.21621621621622 days
      as-of 2024-03-30 (period [03-01, 03-16)): not a month's last day -> no value
    """
    q1 = ("2024-01-01", "2024-04-01", "2024-03-31")
    march = ("2024-03-01", "2024-04-01", "2024-03-31")
    feb = ("2024-02-01", "2024-03-01", "2024-02-29")
    jan = ("2024-01-01", "2024-02-01", "2024-01-31")
    return [
        _map("fm2_march", "map_cash_collection_pct_npsr", *march, 125000, 125000, 100.0),
        _map("fm2_q1", "map_cash_collection_pct_npsr", *q1, 365000, 1112000 / 3, 109500000 / 1112000),
        _map("fm6_march", "map_cost_to_collect", *march, 4500, 125000, 3.6),
        _map("fm6_q1", "map_cost_to_collect", *q1, 12750, 365000, 1275000 / 365000),
        _map("ar6_march", "map_denial_write_offs_pct_npsr", *march, 2100, 125000, 1.68),
        _map("ar6_q1", "map_denial_write_offs_pct_npsr", *q1, 5800, 1112000 / 3, 1740000 / 1112000),
        _map("pa7_february", "map_pos_cash_collections_pct", *feb, 2700, 9000, 30.0),
        _map(
            "pa7_march_zero",
            "map_pos_cash_collections_pct",
            *march,
            0,
            0,
            None,
            reason="zero denominator: no patient cash in the period",
        ),
        _map("pa7_q1", "map_pos_cash_collections_pct", *q1, 5700, 21000, 570000 / 21000),
        _map("cl2_january", "map_late_charges_pct", *jan, 6400, 320000, 2.0),
        _map("ar7_february", "map_bad_debt_pct", *feb, 4350, 290000, 1.5),
        _map("ar8_february", "map_charity_care_pct", *feb, 2900, 290000, 1.0),
        _map("fm4_february", "map_uncompensated_care_pct", *feb, 7250, 290000, 2.5),
        _map("pb1_leap_february", "map_days_in_dnfb", *feb, 29120, 920000 / 91, 2649920 / 920000, scale=1.0),
        _map("fm1_march", "net_days_in_ar", *march, 222000, 375000 / 91, 53.872, scale=1.0),
        _map("fm1_january", "net_days_in_ar", *jan, 210000, 370000 / 92, 19320000 / 370000, scale=1.0),
        _map(
            "fm1_not_month_end",
            "net_days_in_ar",
            "2024-03-01",
            "2024-03-16",
            "2024-03-30",
            None,
            None,
            None,
            scale=1.0,
            reason="ledger balances are month-end: as-of must be the last day of a month",
        ),
    ]


LEGACY_CASES: list[Case] = [c for c in CASES if "prior_three_month_average@1" in c.conventions.values()]
"""Cases of a convention version since bumped: checked against the engine that version was."""
CASES[:] = [c for c in CASES if c not in LEGACY_CASES]


# ============================================================ independent computation 1: loops


def _rows(table: Table) -> list[dict[str, Any]]:
    names = list(table)
    return [dict(zip(names, values, strict=True)) for values in zip(*table.values(), strict=True)]


def _date(value: str | None) -> datetime.date | None:
    return None if value in {None, ""} else day(str(value))


def _month_firsts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    if start.day != 1 or end.day != 1:
        msg = f"needs whole calendar months, got [{start}, {end})"
        raise ValueError(msg)
    firsts, current = [], start
    while current < end:
        firsts.append(current)
        current = _add_months(current, 1)
    return firsts


def _add_months(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(first: datetime.date) -> datetime.date:
    return _add_months(first, 1) - datetime.timedelta(days=1)


def loop_denials(c: Case) -> tuple[float, float]:
    unit, scope = c.conventions["denial_unit"], c.conventions["denial_scope"]
    option = c.conventions["denial_denominator"]
    denied = {"denied"} if scope == "full_only" else {"denied", "partial"}
    rows = [r for r in _rows(c.tables["submissions"]) if r["seq"] == 1]

    def size(r: dict[str, Any], *, of_denial: bool) -> float:
        if unit == "claims":
            return 1.0
        if unit == "lines":
            return float(r["denied_lines"] if of_denial else r["lines"])
        if unit == "dollars":
            return float(r["denied_charges"] if of_denial else r["charges"])
        return float(r["charges"])  # claim_dollars: the whole claim either way

    numerator = denominator = 0.0
    for r in rows:
        submitted, adjudicated = _date(r["submitted_date"]), _date(r["adjudicated_date"])
        assert submitted is not None
        is_denial = r["outcome"] in denied
        if option == "submitted_cohort":
            if c.start <= submitted < c.end and adjudicated is not None and adjudicated <= c.as_of:
                denominator += size(r, of_denial=False)
                numerator += size(r, of_denial=True) if is_denial else 0.0
            continue
        if is_denial and adjudicated is not None and c.start <= adjudicated < c.end:
            numerator += size(r, of_denial=True)
        if option == "adjudicated_in_period":
            if adjudicated is not None and c.start <= adjudicated < c.end:
                denominator += size(r, of_denial=False)
        elif option == "submitted_in_period":
            if c.start <= submitted < c.end:
                denominator += size(r, of_denial=False)
        else:
            version = option.split("@")[1]
            for first in _month_firsts(c.start, c.end):
                low = _add_months(first, -3)
                if version == "2":
                    if low <= submitted < first:
                        denominator += size(r, of_denial=False) / 3
                elif adjudicated is not None and low <= adjudicated < first:
                    denominator += size(r, of_denial=False) / 3
    return numerator, denominator


SIGN = {"charge": 1, "refund": 1, "payment": -1, "contractual_adjustment": -1, "write_off": -1}
DENIAL_REASONS = {"denial", "timely_filing"}


def _counted(reason: str, option: str) -> bool:
    if option == "charity_excluded":
        return reason != "charity"
    if option == "denials_only":
        return reason in DENIAL_REASONS
    return True


def loop_write_offs(c: Case) -> tuple[float, float]:
    basis = c.conventions["write_off_basis"]
    base, reasons = c.conventions["write_off_denominator"], c.conventions["write_off_reasons"]
    charges = contractual = write_offs = 0.0
    for r in _rows(c.tables["transactions"]):
        posted, served = day(r["posting_date"]), day(r["service_date"])
        if basis == "posting_period":
            inside = c.start <= posted < c.end
        else:
            inside = c.start <= served < c.end and posted <= c.as_of
        if not inside:
            continue
        if r["type"] == "charge":
            charges += r["amount"]
        elif r["type"] == "contractual_adjustment":
            contractual += r["amount"]
        elif r["type"] == "write_off" and _counted(r["write_off_reason"], reasons):
            write_offs += r["amount"]
    return write_offs, charges - (contractual if base == "net_charges" else 0.0)


def _balances(c: Case, *, cohort: bool) -> dict[tuple[str, ...], float]:
    """Each (claim, slice) balance at the close of as-of; only the cohort's claims when asked."""
    balances: dict[tuple[str, ...], float] = {}
    for r in _rows(c.tables["transactions"]):
        if any(r[column] != value for column, value in c.where.items()):
            continue
        if cohort and not c.start <= day(r["service_date"]) < c.end:
            continue
        if day(r["posting_date"]) <= c.as_of:
            key = (r["claim_id"], *(r[column] for column in c.where))
            balances[key] = balances.get(key, 0.0) + SIGN[r["type"]] * r["amount"]
    return balances


def loop_open_share(c: Case) -> tuple[float, float]:
    balances = _balances(c, cohort=True)
    if c.conventions["credit_balances"] == "excluded":
        numerator = sum(max(b, 0.0) for b in balances.values())
    else:
        numerator = sum(balances.values())
    charges = contractual = 0.0
    for r in _rows(c.tables["transactions"]):
        if c.start <= day(r["service_date"]) < c.end and day(r["posting_date"]) <= c.as_of:
            if r["type"] == "charge":
                charges += r["amount"]
            elif r["type"] == "contractual_adjustment":
                contractual += r["amount"]
    return numerator, charges - (contractual if c.conventions["ar_charges"] == "adjusted" else 0.0)


def loop_credit(c: Case) -> float:
    return sum(max(-b, 0.0) for b in _balances(c, cohort=False).values())


def _ledger_months(c: Case) -> dict[datetime.date, dict[str, Any]]:
    return {day(r["month"]): r for r in _rows(c.tables["ledger"])}


def _trailing_3(months: dict[datetime.date, dict[str, Any]], as_of: datetime.date, column: str) -> float:
    """Average daily ``column`` over the 3 calendar months ending on ``as_of`` (a month's end)."""
    last = datetime.date(as_of.year, as_of.month, 1)
    firsts = [_add_months(last, -k) for k in (2, 1, 0)]
    days = (as_of - firsts[0]).days + 1
    return float(sum(months[f][column] for f in firsts)) / days


def _average_monthly_npsr(months: dict[datetime.date, dict[str, Any]], c: Case) -> float:
    return sum(
        float(sum(months[_add_months(first, -k)]["npsr"] for k in (0, 1, 2))) / 3
        for first in _month_firsts(c.start, c.end)
    )


_MAP_FLOWS = {  # kpi -> (numerator columns, denominator columns or "avg_npsr")
    "map_cash_collection_pct_npsr": (("patient_service_cash",), "avg_npsr"),
    "map_denial_write_offs_pct_npsr": (("denial_write_offs",), "avg_npsr"),
    "map_cost_to_collect": (("cost_to_collect",), ("patient_service_cash",)),
    "map_pos_cash_collections_pct": (("pos_cash",), ("patient_cash",)),
    "map_late_charges_pct": (("late_charges",), ("gross_revenue",)),
    "map_bad_debt_pct": (("bad_debt",), ("gross_revenue",)),
    "map_charity_care_pct": (("charity",), ("gross_revenue",)),
    "map_uncompensated_care_pct": (("bad_debt", "charity"), ("gross_revenue",)),
}
_MAP_BALANCES = {"net_days_in_ar": ("net_ar", "npsr"), "map_days_in_dnfb": ("dnfb", "gross_revenue")}


def loop_ledger(c: Case) -> tuple[float, float] | None:
    months = _ledger_months(c)
    if c.kpi in _MAP_BALANCES:
        balance, flow = _MAP_BALANCES[c.kpi]
        if (c.as_of + datetime.timedelta(days=1)).day != 1:
            return None  # balances are month-end
        return months[datetime.date(c.as_of.year, c.as_of.month, 1)][balance], _trailing_3(
            months, c.as_of, flow
        )
    numerator_columns, denominator = _MAP_FLOWS[c.kpi]
    inside = [r for first, r in months.items() if c.start <= first < c.end]
    numerator = sum(r[col] for r in inside for col in numerator_columns)
    if denominator == "avg_npsr":
        return numerator, _average_monthly_npsr(months, c)
    return numerator, sum(r[col] for r in inside for col in denominator)


def loop_reference(c: Case) -> tuple[float | None, float | None, float | None]:
    """(numerator, denominator, value) by plain Python loops over the rows."""
    if c.kpi == "initial_denial_rate":
        num, den = loop_denials(c)
    elif c.kpi == "write_off_rate":
        num, den = loop_write_offs(c)
    elif c.kpi == "cohort_open_ar_pct":
        num, den = loop_open_share(c)
    elif c.kpi == "credit_balance_total":
        total = loop_credit(c)
        return total, None, total
    elif c.kpi == "map_net_days_in_credit_balance":
        months = _ledger_months(c)
        num, den = loop_credit(c), _trailing_3(months, c.as_of, "npsr")
    else:
        got = loop_ledger(c)
        if got is None:
            return None, None, None
        num, den = got
    return num, den, ratio(num, den, c.scale)


# =========================================================== independent computation 2: pandas


def pandas_reference(c: Case) -> tuple[float | None, float | None, float | None]:
    """(numerator, denominator, value) by pandas, written separately from the loops above."""
    import pandas as pd  # noqa: PLC0415 - only the check needs pandas

    def frame(name: str) -> pd.DataFrame:
        df = pd.DataFrame(c.tables[name])
        for column in df.columns:
            if column.endswith("_date") or column == "month":
                df[column] = pd.to_datetime(df[column])
        return df

    start, end, as_of = pd.Timestamp(c.start), pd.Timestamp(c.end), pd.Timestamp(c.as_of)

    if c.kpi == "initial_denial_rate":
        s = frame("submissions")
        s = s[s["seq"] == 1]
        unit, option = c.conventions["denial_unit"], c.conventions["denial_denominator"]
        outcomes = ["denied"] if c.conventions["denial_scope"] == "full_only" else ["denied", "partial"]
        whole = (
            pd.Series(1.0, index=s.index)
            if unit == "claims"
            else s[{"lines": "lines", "dollars": "charges", "claim_dollars": "charges"}[unit]].astype(float)
        )
        part = {
            "claims": whole,
            "lines": s["denied_lines"].astype(float),
            "dollars": s["denied_charges"].astype(float),
            "claim_dollars": whole,
        }[unit]
        adjudicated, submitted = s["adjudicated_date"], s["submitted_date"]
        is_denial = s["outcome"].isin(outcomes)
        if option == "submitted_cohort":
            cohort = submitted.between(start, end, inclusive="left") & (adjudicated <= as_of)
            num, den = float(part[cohort & is_denial].sum()), float(whole[cohort].sum())
        else:
            in_period = adjudicated.between(start, end, inclusive="left")
            num = float(part[in_period & is_denial].sum())
            if option == "adjudicated_in_period":
                den = float(whole[in_period].sum())
            elif option == "submitted_in_period":
                den = float(whole[submitted.between(start, end, inclusive="left")].sum())
            else:
                dated = submitted if option.endswith("@2") else adjudicated
                firsts = pd.date_range(start, end - pd.Timedelta(days=1), freq="MS")
                den = float(
                    sum(
                        whole[dated.between(first - pd.DateOffset(months=3), first, inclusive="left")].sum()
                        / 3
                        for first in firsts
                    )
                )
        return num, den, ratio(num, den, c.scale)

    if c.kpi in {
        "write_off_rate",
        "cohort_open_ar_pct",
        "credit_balance_total",
        "map_net_days_in_credit_balance",
    }:
        t = frame("transactions")
        t["posting_date"] = pd.to_datetime(t["posting_date"])
        t["service_date"] = pd.to_datetime(t["service_date"])
        t["signed"] = t["amount"] * t["type"].map(SIGN)
        for column, value in c.where.items():
            t = t[t[column] == value]
        posted_by = t["posting_date"] <= as_of
        served = t["service_date"].between(start, end, inclusive="left")
        if c.kpi == "write_off_rate":
            basis = c.conventions["write_off_basis"]
            rows = (
                t[t["posting_date"].between(start, end, inclusive="left")]
                if basis == "posting_period"
                else t[served & posted_by]
            )
            reasons = c.conventions["write_off_reasons"]
            wo = rows[rows["type"] == "write_off"]
            if reasons == "charity_excluded":
                wo = wo[wo["write_off_reason"] != "charity"]
            elif reasons == "denials_only":
                wo = wo[wo["write_off_reason"].isin(sorted(DENIAL_REASONS))]
            by_type = rows.groupby("type")["amount"].sum()
            den = by_type.get("charge", 0.0)
            if c.conventions["write_off_denominator"] == "net_charges":
                den -= by_type.get("contractual_adjustment", 0.0)
            num = float(wo["amount"].sum())
            return num, float(den), ratio(num, float(den), c.scale)
        keys = ["claim_id", *c.where]
        if c.kpi == "cohort_open_ar_pct":
            rows = t[served & posted_by]
            per_claim = rows.groupby(keys)["signed"].sum()
            if c.conventions["credit_balances"] == "excluded":
                per_claim = per_claim.clip(lower=0.0)
            num = float(per_claim.sum())
            by_type = rows.groupby("type")["amount"].sum()
            den = by_type.get("charge", 0.0)
            if c.conventions["ar_charges"] == "adjusted":
                den -= by_type.get("contractual_adjustment", 0.0)
            return num, float(den), ratio(num, float(den), c.scale)
        credit = float((-t[posted_by].groupby(keys)["signed"].sum()).clip(lower=0.0).sum())
        if c.kpi == "credit_balance_total":
            return credit, None, credit
        ledger = frame("ledger")
        window_start = as_of.to_period("M").to_timestamp() - pd.DateOffset(months=2)
        window = ledger[ledger["month"].between(window_start, as_of)]
        daily = float(window["npsr"].sum()) / ((as_of - window_start).days + 1)
        return credit, daily, ratio(credit, daily, c.scale)

    ledger = frame("ledger").set_index("month").sort_index()
    if c.kpi in _MAP_BALANCES:
        balance, flow = _MAP_BALANCES[c.kpi]
        if not as_of.is_month_end:
            return None, None, None
        first = as_of.to_period("M").to_timestamp()
        window_start = first - pd.DateOffset(months=2)
        window = ledger.loc[window_start:first]
        days = (as_of - window_start).days + 1
        num, den = float(ledger.loc[first, balance]), float(window[flow].sum()) / days
        return num, den, ratio(num, den, c.scale)
    numerator_columns, denominator = _MAP_FLOWS[c.kpi]
    inside = ledger[(ledger.index >= start) & (ledger.index < end)]
    num = float(inside[list(numerator_columns)].to_numpy().sum())
    if denominator == "avg_npsr":
        rolling = ledger["npsr"].rolling(3).mean()  # the month and the two before, in month order
        den = float(rolling[(rolling.index >= start) & (rolling.index < end)].sum())
    else:
        den = float(inside[list(denominator)].to_numpy().sum())
    return num, den, ratio(num, den, c.scale)


# ======================================================================================= check


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def check() -> list[str]:
    """Every case against both references; returns the disagreements (empty when all agree)."""
    problems = []
    every = [*CASES, *LEGACY_CASES]
    ids = [c.id for c in every]
    if len(set(ids)) != len(ids):
        problems.append("duplicate case ids")
    for c in every:
        expected = (c.numerator, c.denominator, c.value)
        if c.value is not None and c.denominator is not None:
            derived = ratio(c.numerator or 0.0, c.denominator, c.scale)
            if not _same(derived, c.value):
                problems.append(f"{c.id}: hand value {c.value} != scale x num / den = {derived}")
        if c.value is None and not c.reason:
            problems.append(f"{c.id}: undefined value without a reason")
        for name, reference in (("loops", loop_reference), ("pandas", pandas_reference)):
            got = reference(c)
            for label, want, have in zip(("numerator", "denominator", "value"), expected, got, strict=True):
                if c.value is None and label != "value" and c.reason.startswith("ledger balances"):
                    continue
                if not _same(want, have):
                    problems.append(f"{c.id} ({name}): {label} expected {want}, got {have}")
    return problems
