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
import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from _harness import Case
from comanaged_rcm.kpi import OUTCOMES, Book, _engine, trend
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


def _ids(prefix: str, numbers: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.str_]:
    """``prefix`` and each number zero-padded to ``width`` digits (``C0001234``), built as code points."""
    grid = np.empty((len(numbers), len(prefix) + width), dtype=np.uint32)
    grid[:, : len(prefix)] = [ord(c) for c in prefix]
    rest = numbers.astype(np.int64)
    for position in range(len(prefix) + width - 1, len(prefix) - 1, -1):
        grid[:, position] = rest % 10 + ord("0")
        rest //= 10
    return grid.view(f"<U{len(prefix) + width}").reshape(-1)


def _frozen(columns: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """The columns made read-only, as a synthetic book's or a CSV reader's come."""
    for column in columns.values():
        column.setflags(write=False)
    return columns


def make_transactions(n: int, seed: int = 7) -> dict[str, npt.NDArray[Any]]:
    """``n`` synthetic transactions over the 200 days before the as-of date, 20 payers, n/4 claims."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(AS_OF, "D") - 200
    service = start + rng.integers(0, 190, n)
    posting = service + rng.integers(0, 40, n)
    kind = rng.choice(len(TYPES), n, p=[0.4, 0.35, 0.03, 0.15, 0.07])
    billed = np.where(rng.random(n) < 0.9, service + rng.integers(0, 10, n), np.datetime64("NaT"))
    return _frozen(
        {
            "claim_id": _ids("C", rng.integers(0, n // 4 + 1, n), 7),
            "payer": _ids("P", rng.integers(0, 20, n), 2),
            "service_date": service,
            "posting_date": posting,
            "type": TYPES[kind],
            "amount": rng.integers(1, 2000, n).astype(np.float64),
            "write_off_reason": np.where(kind == 4, REASONS[rng.integers(0, 6, n)], ""),
            "billed_date": np.where(kind == 0, billed, np.datetime64("NaT")).astype("datetime64[D]"),
        }
    )


def make_submissions(n: int, claims: int, seed: int = 11) -> dict[str, npt.NDArray[Any]]:
    """``n`` synthetic claim submissions of ``claims`` claims, 20 payers, a fifth of them resubmissions."""
    rng = np.random.default_rng(seed)
    submitted = np.datetime64(AS_OF, "D") - 200 + rng.integers(0, 190, n)
    outcome = rng.choice(len(OUTCOMES), n, p=[0.7, 0.15, 0.05, 0.1])
    pending = outcome == OUTCOMES.index("pending")
    adjudicated = np.where(pending, np.datetime64("NaT"), submitted + rng.integers(3, 30, n))
    lines = rng.integers(1, 10, n)
    charges = rng.integers(100, 5000, n).astype(np.float64)
    denied = outcome == OUTCOMES.index("denied")
    partial = outcome == OUTCOMES.index("partial")
    return _frozen(
        {
            "claim_id": _ids("C", rng.integers(0, claims, n), 7),
            "payer": _ids("P", rng.integers(0, 20, n), 2),
            "seq": np.where(rng.random(n) < 0.8, 1, 2).astype(np.int64),
            "submitted_date": submitted,
            "lines": lines,
            "charges": charges,
            "clean": rng.random(n) < 0.85,
            "adjudicated_date": adjudicated.astype("datetime64[D]"),
            "outcome": np.array(OUTCOMES)[outcome],
            "denied_lines": np.where(denied, lines, np.where(partial, lines // 2, 0)),
            "denied_charges": np.where(denied, charges, np.where(partial, charges / 2, 0.0)),
        }
    )


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


# ------------------------------------------------------------------------- the lean book, against SQL

TREND = ["net_collection_rate", "days_in_ar", "initial_denial_rate"]
"""The trend of the cold path: an outcome from each table a first look reads."""
MEASURES = ("collections", "collectible", "ar_balance", "average_daily_charges", "denials", "denial_base")
"""The trend's numerators and denominators, in pairs, as the peers compute them by payer x week."""
WINDOW_DAYS = 90
"""The days-in-A/R window (the ``trailing_90_days`` convention): charges posted in the 90 days before."""

SQL = """
WITH daily AS (
    SELECT payer, posting_date AS day,
        sum(CASE WHEN type IN ('charge', 'refund') THEN amount ELSE -amount END) AS signed,
        sum(CASE WHEN type = 'charge' THEN amount ELSE 0 END) AS charges,
        sum(CASE type WHEN 'payment' THEN amount WHEN 'refund' THEN -amount ELSE 0 END) AS cash,
        sum(CASE type WHEN 'charge' THEN amount WHEN 'contractual_adjustment' THEN -amount ELSE 0 END)
            AS collectible
    FROM transactions GROUP BY ALL
), flows AS (
    SELECT payer, week,
        sum(cash) FILTER (WHERE day >= start_day AND day < end_day) AS collections,
        sum(collectible) FILTER (WHERE day >= start_day AND day < end_day) AS collectible,
        sum(signed) FILTER (WHERE day < end_day) AS ar_balance,
        sum(charges) FILTER (WHERE day >= window_day AND day < end_day) / 90 AS average_daily_charges
    FROM daily CROSS JOIN weeks GROUP BY ALL
), adjudicated AS (
    SELECT payer, adjudicated_date AS day,
        count(*) FILTER (WHERE outcome IN ('denied', 'partial')) AS denials,
        count(*) FILTER (WHERE outcome <> 'pending') AS denial_base
    FROM submissions WHERE seq = 1 AND adjudicated_date IS NOT NULL GROUP BY ALL
), denials AS (
    SELECT payer, week, sum(denials) AS denials, sum(denial_base) AS denial_base
    FROM adjudicated JOIN weeks ON day >= start_day AND day < end_day GROUP BY ALL
)
SELECT payer, week, collections, collectible, ar_balance, average_daily_charges, denials, denial_base
FROM flows FULL JOIN denials USING (payer, week) ORDER BY payer, week
"""
"""The same measures in SQL: each day's sums by payer first, then each week's from the days."""

Measures = dict[tuple[str, int], npt.NDArray[np.float64]]
"""(payer, week) -> the :data:`MEASURES` of that payer and week."""


def week_table(weeks: Any) -> dict[str, npt.NDArray[Any]]:  # noqa: ANN401 - periods
    """Each week's number, start, end (the as-of date) and the start of its A/R window."""
    ends = np.array([w.end for w in weeks], dtype="datetime64[D]")
    return {
        "week": np.arange(len(weeks)),
        "start_day": np.array([w.start for w in weeks], dtype="datetime64[D]"),
        "end_day": ends,
        "window_day": ends - WINDOW_DAYS,
    }


def ours_measures(result: Any) -> Measures:  # noqa: ANN401 - a Trend
    """Our trend's numerators and denominators by (payer, week)."""
    out: Measures = {}
    for week, card in enumerate(result.scorecards):
        rows = [next(i for i, m in enumerate(card.metrics) if m.id == metric) for metric in TREND]
        for j, (payer,) in enumerate(card.slices):
            values = [part[row, 1 + j] for row in rows for part in (card.numerator, card.denominator)]
            out[payer, week] = np.array(values, dtype=np.float64)
    return out


def peer_measures(names: list[str], weeks: list[int], values: npt.NDArray[np.float64]) -> Measures:
    """A peer's rows as :data:`Measures`; a payer and week without rows of a table sums to 0."""
    return {(p, int(w)): np.nan_to_num(row) for p, w, row in zip(names, weeks, values, strict=True)}


def same(ours: Measures, theirs: Measures, peer: str) -> None:
    """Assert that a peer's measures equal ours to 1e-9 relative, for every payer and week."""
    keys = set(ours) | set(theirs)
    zero = np.zeros(len(MEASURES))
    for key in sorted(keys):
        mine, other = ours.get(key, zero), theirs.get(key, zero)
        if not np.allclose(mine, other, rtol=1e-9, atol=1e-9):
            message = f"{peer} differs from ours at {key}: {other.tolist()} != {mine.tolist()}"
            raise AssertionError(message)


def duckdb_tables(columns: dict[str, npt.NDArray[Any]], subs: dict[str, npt.NDArray[Any]], weeks: Any) -> Any:  # noqa: ANN401
    """A DuckDB connection with Arrow tables of the same arrays registered."""
    import duckdb  # noqa: PLC0415 - a benchmark peer
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - a benchmark peer

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute("SET enable_progress_bar = false")
    for name, table in (("transactions", columns), ("submissions", subs), ("weeks", week_table(weeks))):
        con.register(name, pa.table({c: pa.array(a, from_pandas=True) for c, a in table.items()}))
    return con


def duckdb_measures(con: Any) -> Measures:  # noqa: ANN401 - a DuckDB connection
    """The measures by the SQL of :data:`SQL`."""
    result = con.execute(SQL).fetchnumpy()
    values = np.column_stack([np.asarray(result[m], dtype=np.float64) for m in MEASURES])
    return peer_measures(list(result["payer"]), list(result["week"]), values)


def polars_frames(columns: dict[str, npt.NDArray[Any]], subs: dict[str, npt.NDArray[Any]], weeks: Any) -> Any:  # noqa: ANN401
    """Polars frames of the same arrays."""
    import polars as pl  # noqa: PLC0415 - a benchmark peer

    return tuple(pl.DataFrame(table) for table in (columns, subs, week_table(weeks)))


def polars_measures(frames: Any) -> Measures:  # noqa: ANN401 - polars frames
    """The measures the polars way: the same two steps as :data:`SQL`, in expressions."""
    import polars as pl  # noqa: PLC0415 - a benchmark peer

    tx, subs, weeks = frames
    kind, amount = pl.col("type"), pl.col("amount")
    daily = (
        tx.lazy()
        .group_by("payer", pl.col("posting_date").alias("day"))
        .agg(
            signed=pl.when(kind.is_in(["charge", "refund"])).then(amount).otherwise(-amount).sum(),
            charges=pl.when(kind == "charge").then(amount).otherwise(0.0).sum(),
            cash=pl.when(kind == "payment")
            .then(amount)
            .when(kind == "refund")
            .then(-amount)
            .otherwise(0.0)
            .sum(),
            collectible=pl.when(kind == "charge")
            .then(amount)
            .when(kind == "contractual_adjustment")
            .then(-amount)
            .otherwise(0.0)
            .sum(),
        )
    )
    day = pl.col("day")
    in_week = (day >= pl.col("start_day")) & (day < pl.col("end_day"))
    flows = (
        daily.join(weeks.lazy(), how="cross")
        .group_by("payer", "week")
        .agg(
            collections=pl.col("cash").filter(in_week).sum(),
            collectible=pl.col("collectible").filter(in_week).sum(),
            ar_balance=pl.col("signed").filter(day < pl.col("end_day")).sum(),
            average_daily_charges=pl.col("charges")
            .filter((day >= pl.col("window_day")) & (day < pl.col("end_day")))
            .sum()
            / WINDOW_DAYS,
        )
    )
    outcome = pl.col("outcome")
    adjudicated = (
        subs.lazy()
        .filter((pl.col("seq") == 1) & pl.col("adjudicated_date").is_not_null())
        .group_by("payer", pl.col("adjudicated_date").alias("day"))
        .agg(
            denials=outcome.is_in(["denied", "partial"]).sum(),
            denial_base=(outcome != "pending").sum(),
        )
    )
    denials = (
        adjudicated.join(weeks.lazy(), how="cross")
        .filter(in_week)
        .group_by("payer", "week")
        .agg(pl.col("denials").sum(), pl.col("denial_base").sum())
    )
    joined = flows.join(denials, on=["payer", "week"], how="full", coalesce=True).collect()
    values = joined.select(list(MEASURES)).cast(pl.Float64).to_numpy()
    return peer_measures(joined["payer"].to_list(), joined["week"].to_list(), values)


def compact_floor(tables: dict[str, dict[str, npt.NDArray[Any]]]) -> tuple[int, str]:
    """The bytes the tables need at the least, and the formula, per table and column.

    Text: each row's code at the smallest unsigned width its distinct values need, plus the
    sorted distinct values as numpy holds them. Dates: 4 bytes (a day number in an int32).
    Numbers and counts: 8 bytes. Flags: 1 byte.
    """
    total, parts = 0, []
    for name, columns in tables.items():
        for column, values in columns.items():
            if values.dtype.kind == "U":
                uniques = np.unique(values)
                width = next(w for w in (1, 2, 4, 8) if len(uniques) <= 1 << (8 * w))
                size, part = len(values) * width + uniques.nbytes, f"{column} {width}+dict"
            elif values.dtype.kind == "M":
                size, part = len(values) * 4, f"{column} 4"
            else:
                size, part = len(values) * values.dtype.itemsize, f"{column} {values.dtype.itemsize}"
            total += size
            parts.append(f"{name}.{part}")
    return total, "; ".join(parts)


def retained(
    columns: dict[str, npt.NDArray[Any]],
    subs: dict[str, npt.NDArray[Any]],
    weeks: Any,  # noqa: ANN401
) -> list[str]:
    """Memory the Book and its rollups keep (tracemalloc, after ``gc.collect()``), against the floor."""
    floor, formula = compact_floor({"transactions": columns, "submissions": subs})
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    book = Book(transactions=columns, submissions=subs)
    gc.collect()
    alone = tracemalloc.get_traced_memory()[0] - base
    trend(book, weeks, by=["payer"], metrics=TREND)
    gc.collect()
    rolled = tracemalloc.get_traced_memory()[0] - base
    peak = tracemalloc.get_traced_memory()[1] - base
    _engine._PREPARED.pop(book, None)  # noqa: SLF001 - drop the rollups to see what they held
    gc.collect()
    dropped = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    inputs = [a for table in (columns, subs) for a in table.values()]
    held = [a for t in ("transactions", "submissions") for a in (book.table(t) or {}).values()]
    kept = sum(a.nbytes for a in inputs if any(np.shares_memory(a, h) for h in held))
    mib = 1 << 20
    book_bytes = alone + kept
    total = rolled + kept
    parts = (
        f"book {book_bytes / mib:,.0f} MiB ({kept / mib:,.0f} MiB of it the input's read-only arrays)",
        f"rollups {(rolled - alone) / mib:,.0f} MiB",
        f"after the rollups are dropped {(dropped + kept) / mib:,.0f} MiB",
        f"peak while building {peak / mib:,.0f} MiB",
    )
    ratio = f"{total / mib:,.0f} MiB = {total / floor:.2f}x the compact floor {floor / mib:,.0f} MiB"
    return [
        "memory (tracemalloc: allocations still held after gc.collect(), plus input arrays kept uncopied):",
        "  " + "; ".join(parts),
        f"  book + rollups {ratio} (target <= 1.5x)",
        f"  floor = sum over columns of rows x bytes: {formula}",
    ]


def lean_cases(quick: bool) -> list[Case]:
    """The Book from raw arrays and its first trend, against DuckDB and polars on the same arrays."""
    n, n_subs = (200_000, 60_000) if quick else (10_000_000, 3_000_000)
    columns = make_transactions(n)
    subs = make_submissions(n_subs, n // 4 + 1)
    weeks = Cadence.weekly().periods_ending(AS_OF, 13)
    book = Book(transactions=columns, submissions=subs)
    first = trend(book, weeks, by=["payer"], metrics=TREND)
    con, frames = duckdb_tables(columns, subs, weeks), polars_frames(columns, subs, weeks)
    ours = ours_measures(first)
    same(ours, duckdb_measures(con), "DuckDB")
    same(ours, polars_measures(frames), "polars")

    def cold() -> object:
        return trend(Book(transactions=columns, submissions=subs), weeks, by=["payer"], metrics=TREND)

    def duckdb_cold() -> object:
        return duckdb_measures(duckdb_tables(columns, subs, weeks))

    def polars_cold() -> object:
        return polars_measures(polars_frames(columns, subs, weeks))

    def after_drop() -> object:
        _engine._PREPARED.pop(book, None)  # noqa: SLF001 - forget the rollups, keep the book
        return trend(book, weeks, by=["payer"], metrics=TREND)

    queries: dict[str, Callable[[], object]] = {
        "DuckDB query": lambda: duckdb_measures(con),
        "polars query": lambda: polars_measures(frames),
    }
    sizes = f"{n:,} transactions + {n_subs:,} submissions, 20 payers, 13 ISO weeks, {', '.join(TREND)}"
    repeat = 5 if quick else 3
    return [
        Case(
            name="lean book: cold (Book from the raw arrays + the first trend)",
            sizes=sizes,
            ours=cold,
            baselines={"DuckDB: Arrow tables + SQL": duckdb_cold, "polars: frames + query": polars_cold},
            repeat=repeat,
            target="no slower than DuckDB (ratio >= 1); book + rollups <= 1.5x the compact floor",
            notes=lambda: retained(columns, subs, weeks),
        ),
        Case(
            name="lean book: first request after the rollups are dropped (the book kept)",
            sizes=sizes,
            ours=after_drop,
            baselines=queries,
            repeat=repeat,
            target="within 1.2x of DuckDB's query (ratio >= 0.83)",
        ),
        Case(
            name="lean book: warm repeat request",
            sizes=sizes,
            ours=lambda: trend(book, weeks, by=["payer"], metrics=TREND),
            baselines=queries,
            repeat=repeat,
            target="under 50 ms",
        ),
    ]


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
        *lean_cases(quick),
    ]
