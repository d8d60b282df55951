"""KPI engine: the full scorecard sliced by payer x ISO week, against pandas and an np.sum floor.

Ours is :func:`comanaged_rcm.kpi.trend` over 13 ISO weeks by payer: the full scorecard (every
KPI of the catalogue; the transaction KPIs are the ones with data), each week plus the whole
span. The pandas baseline computes the same transaction measures the straightforward way
(``groupby([payer, week, type])`` for flows, one masked ``groupby(payer)`` per week for
snapshots). The floor is one ``np.sum`` over each column the engine reads.

Two cases, because a book rolls its rows up by (days, slice, kind) once per slicing and keeps
the rollup: a repeat request (another period, as-of date or convention set by payer, the way an
application or the weekly cycle asks) works on the groups; the first request for a slicing also
builds the rollup from the rows. Both start from a book whose text columns are coded (the codes
are the book's own, computed on first use, as pandas' categoricals are built before its timing).
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from _harness import Case
from comanaged_rcm.kpi import Book, _engine, trend
from comanaged_rcm.periods import Cadence

AS_OF = datetime.date(2026, 11, 23)
TYPES = np.array(["charge", "payment", "refund", "contractual_adjustment", "write_off"])
REASONS = np.array(["denial", "timely_filing", "bad_debt", "charity", "small_balance", "administrative"])
METRICS = [
    "net_collection_rate",
    "days_in_ar",
    "write_off_rate",
    "aged_ar_over_90",
    "dnfb_days",
    "late_charges_pct",
    "pos_collections_pct",
    "bad_debt_pct",
    "charity_pct",
    "uncompensated_care_pct",
]


def make_transactions(n: int, seed: int = 7) -> dict[str, npt.NDArray[Any]]:
    """``n`` synthetic transactions over the 200 days before the as-of date, 20 payers."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(AS_OF, "D") - 200
    service = start + rng.integers(0, 190, n)
    posting = service + rng.integers(0, 40, n)
    kind = rng.choice(len(TYPES), n, p=[0.4, 0.35, 0.03, 0.15, 0.07])
    billed = np.where(rng.random(n) < 0.9, service + rng.integers(0, 10, n), np.datetime64("NaT"))
    return {
        "claim_id": np.char.add("C", (rng.integers(0, n // 4 + 1, n)).astype(str)),
        "payer": np.char.add("P", rng.integers(0, 20, n).astype(str)),
        "service_date": service,
        "posting_date": posting,
        "type": TYPES[kind],
        "amount": rng.integers(1, 2000, n).astype(np.float64),
        "write_off_reason": np.where(kind == 4, REASONS[rng.integers(0, 6, n)], ""),
        "billed_date": np.where(kind == 0, billed, np.datetime64("NaT")).astype("datetime64[D]"),
    }


def pandas_measures(frame: Any, weeks: Any) -> dict[str, Any]:  # noqa: ANN401 - pandas objects
    """The same transaction measures by payer x week, the straightforward pandas way."""
    import pandas as pd  # noqa: PLC0415 - pandas exists only in the benchmark environment

    starts = np.array([w.start for w in weeks], dtype="datetime64[D]")
    ends = np.array([w.end for w in weeks], dtype="datetime64[D]")
    signs = {"charge": 1.0, "refund": 1.0, "payment": -1.0, "contractual_adjustment": -1.0, "write_off": -1.0}
    frame = frame.assign(
        week=np.searchsorted(starts, frame["posting_date"].to_numpy(), side="right") - 1,
        signed=frame["amount"] * frame["type"].map(signs).astype(float),
        late=(frame["posting_date"] - frame["service_date"]).dt.days > 30,
    )
    in_range = frame[(frame["week"] >= 0) & (frame["posting_date"] < pd.Timestamp(ends[-1]))]
    keys = ["payer", "week", "type", "write_off_reason", "late"]
    flows = in_range.groupby(keys, observed=True)["amount"].sum()
    out: dict[str, Any] = {"flows": flows}
    for i, end in enumerate(ends):
        as_of = pd.Timestamp(end)
        before = frame[frame["posting_date"] < as_of]
        out[f"ar{i}"] = before.groupby("payer", observed=True)["signed"].sum()
        aged = before[before["service_date"] < as_of - pd.Timedelta(days=91)]
        out[f"aged{i}"] = aged.groupby("payer", observed=True)["signed"].sum()
        recent = before["posting_date"] >= as_of - pd.Timedelta(days=90)
        window = before[recent & (before["type"] == "charge")]
        out[f"window{i}"] = window.groupby("payer", observed=True)["amount"].sum()
        unbilled = before[
            (before["type"] == "charge")
            & (before["service_date"] < as_of)
            & (before["billed_date"].isna() | (before["billed_date"] >= as_of))
        ]
        out[f"dnfb{i}"] = unbilled.groupby("payer", observed=True)["amount"].sum()
    return out


def cases(quick: bool) -> list[Case]:
    """The scorecard benchmark at 10 million rows (200 thousand with ``quick``)."""
    import pandas as pd  # noqa: PLC0415 - pandas exists only in the benchmark environment

    n = 200_000 if quick else 10_000_000
    columns = make_transactions(n)
    book = Book(transactions=columns)
    weeks = Cadence.weekly().periods_ending(AS_OF, 13)

    def to_frame() -> Any:  # noqa: ANN401 - a pandas frame
        return pd.DataFrame(
            {
                "payer": pd.Categorical(columns["payer"]),
                "service_date": columns["service_date"].astype("datetime64[ns]"),
                "posting_date": columns["posting_date"].astype("datetime64[ns]"),
                "type": pd.Categorical(columns["type"]),
                "amount": columns["amount"],
                "write_off_reason": pd.Categorical(columns["write_off_reason"]),
                "billed_date": columns["billed_date"].astype("datetime64[ns]"),
            }
        )

    frame = to_frame()
    read = [columns[c] for c in ("service_date", "posting_date", "amount", "billed_date")]
    codes = [book.codes("transactions", c)[1] for c in ("payer", "type", "write_off_reason")]

    def floor() -> float:
        return float(sum(np.sum(c.view(np.int64) if c.dtype.kind == "M" else c) for c in [*read, *codes]))

    def first_request() -> object:
        _engine._PREPARED.pop(book, None)  # noqa: SLF001 - forget the rollups to time building them
        return trend(book, weeks, by=["payer"])

    baselines = {"pandas groupby": lambda: pandas_measures(frame, weeks), "np.sum floor": floor}
    sizes = f"{n:,} transactions, 20 payers, full catalogue ({len(METRICS)} KPIs with data)"
    return [
        Case(
            name="kpi scorecard by payer x ISO week (13 weeks + span), repeat request",
            sizes=sizes,
            ours=lambda: trend(book, weeks, by=["payer"]),
            baselines=baselines,
            repeat=3 if not quick else 5,
            target="faster than pandas (ratio > 1); within 3x of the np.sum floor (ratio > 0.33)",
        ),
        Case(
            name="kpi scorecard by payer x ISO week (13 weeks + span), first request (builds the rollup)",
            sizes=sizes,
            ours=first_request,
            baselines=baselines,
            repeat=3 if not quick else 5,
            target="faster than pandas (ratio > 1)",
        ),
        Case(
            name="kpi from the columns: validate a Book, code its text, roll up, score",
            sizes=sizes,
            ours=lambda: trend(Book(transactions=columns), weeks, by=["payer"]),
            baselines={"pandas: categorical frame, then groupby": lambda: pandas_measures(to_frame(), weeks)},
            repeat=1 if not quick else 3,
            target="faster than pandas (ratio > 1)",
        ),
    ]
