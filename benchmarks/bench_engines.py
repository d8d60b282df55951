"""KPI measures on existing engines: the numpy engine, DuckDB in memory and over Parquet, Spark.

One request throughout: :func:`comanaged_rcm.kpi.trend` over 13 ISO weeks by payer, for the
KPIs of ``bench_kpi.TREND`` (net collection rate, days in A/R, initial denial rate), on the
synthetic transactions and submissions of ``bench_kpi``. Ours is the lazy book on DuckDB (the
tables registered as Arrow, then the same request compiled through narwhals); the peers are the
numpy engine (a Book built from the same arrays, then the request) and DuckDB SQL written by hand
for the same measures. Over Parquet, the ledger is written in chunks of 10M rows (claim ids
unique across chunks) and read with ``read_parquet`` by glob; the Python process's peak memory
is measured in a child process that runs the request alone. Spark (local mode, two cores) reads
the same Parquet files; it is timed, not expected to win on one machine.

Sizes: ``BENCH_ENGINES_SIZES`` (default ``1000000,10000000``), ``BENCH_ENGINES_PARQUET``
(default ``10000000,100000000``; ``0`` skips), ``BENCH_ENGINES_SPARK`` (default ``10000000``;
``0`` skips).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from _harness import Case
from bench_kpi import AS_OF, TREND, duckdb_measures, duckdb_tables, make_submissions, make_transactions
from comanaged_rcm.kpi import Book, LazyBook, trend
from comanaged_rcm.periods import Cadence

CHUNK = 10_000_000
WEEKS = Cadence.weekly().periods_ending(AS_OF, 13)


def _sizes(name: str, default: str) -> list[int]:
    return [int(x) for x in os.environ.get(name, default).split(",") if int(x) > 0]


def _arrow(columns: dict[str, Any]) -> Any:  # noqa: ANN401 - a pyarrow table
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - a benchmark peer

    return pa.table({c: pa.array(a, from_pandas=True) for c, a in columns.items()})


def _lazy(tx: Any, subs: Any) -> LazyBook:  # noqa: ANN401 - pyarrow tables
    """A new lazy book (checked on its first request) on Arrow tables, as the SQL peer reads them."""
    import duckdb  # noqa: PLC0415 - a benchmark peer

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    return LazyBook(transactions=con.from_arrow(tx), submissions=con.from_arrow(subs))


def _request(book: Book | LazyBook) -> Any:  # noqa: ANN401 - a Trend
    return trend(book, WEEKS, by=["payer"], metrics=TREND)


def _values(result: Any) -> np.ndarray[Any, Any]:  # noqa: ANN401 - a Trend
    return np.array([[card.numerator, card.denominator] for card in result.scorecards], dtype=np.float64)


def _lazy_request(tx: Any, subs: Any) -> Any:  # noqa: ANN401 - pyarrow tables in, a Trend out
    return _request(_lazy(tx, subs))


def _book_request(columns: dict[str, Any], subs: dict[str, Any]) -> Any:  # noqa: ANN401 - a Trend
    return _request(Book(transactions=columns, submissions=subs))


def _parquet_request(tx: str, subs: str) -> Any:  # noqa: ANN401 - a Trend
    return _request(LazyBook.duckdb(transactions=tx, submissions=subs))


def memory_cases(quick: bool) -> list[Case]:
    """The lazy book on DuckDB in memory against the numpy engine and hand-written DuckDB SQL."""
    out = []
    for n in [200_000] if quick else _sizes("BENCH_ENGINES_SIZES", "1000000,10000000"):
        columns, subs = make_transactions(n), make_submissions(n * 3 // 10, n // 4 + 1)
        book = Book(transactions=columns, submissions=subs)
        arrow = _arrow(columns), _arrow(subs)  # made once, as the peer's registered tables are
        lazy = _lazy(*arrow)
        np.testing.assert_allclose(_values(_request(lazy)), _values(_request(book)), rtol=1e-9, atol=1e-6)
        con = duckdb_tables(columns, subs, WEEKS)
        out.append(
            Case(
                name="lazy book on DuckDB, tables in memory (Arrow), cold: a new book checked, the request"
                " compiled and run",
                sizes=f"{n:,} transactions + {n * 3 // 10:,} submissions, 20 payers, 13 weeks",
                ours=functools.partial(_lazy_request, *arrow),
                baselines={
                    "numpy engine: Book + request": functools.partial(_book_request, columns, subs),
                    "DuckDB SQL by hand": functools.partial(duckdb_measures, con),
                },
                repeat=3,
                target="within 2x of the hand-written SQL on the same engine (ratio >= 0.5)",
            )
        )
    return out


def _write_parquet(n: int, folder: Path) -> tuple[str, str]:
    """``n`` transactions (and 3/10 as many submissions) as Parquet files of at most CHUNK rows."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415 - a benchmark peer

    for table in ("transactions", "submissions"):
        (folder / table).mkdir(parents=True, exist_ok=True)
    for k, start in enumerate(range(0, n, CHUNK)):
        rows = min(CHUNK, n - start)
        columns = dict(make_transactions(rows, seed=7 + k))
        subs = dict(make_submissions(rows * 3 // 10, rows // 4 + 1, seed=11 + k))
        for part in (columns, subs):  # claims unique across chunks
            part["claim_id"] = np.char.add(f"K{k:03d}-", part["claim_id"])
        pq.write_table(_arrow(columns), folder / "transactions" / f"part-{k:05d}.parquet")
        pq.write_table(_arrow(subs), folder / "submissions" / f"part-{k:05d}.parquet")
    return str(folder / "transactions" / "*.parquet"), str(folder / "submissions" / "*.parquet")


_CHILD = """
import resource, sys, time
sys.path.insert(0, {here!r})
from bench_engines import WEEKS, _request
from comanaged_rcm.kpi import LazyBook
start = time.perf_counter()
_request(LazyBook.duckdb(transactions={tx!r}, submissions={subs!r}))
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _child(tx: str, subs: str) -> list[str]:
    """The request alone in a fresh process: its time and the process's peak memory."""
    code = _CHILD.format(here=str(Path(__file__).parent), tx=tx, subs=subs)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)  # noqa: S603
    seconds, kib = out.stdout.strip().splitlines()[-1].split()
    return [f"child process, the request alone: {float(seconds):.2f} s, peak RSS {int(kib) / 1024:,.0f} MiB"]


def _spark_request(tx: str, subs: str) -> Any:  # noqa: ANN401 - a Trend
    from pyspark.sql import SparkSession  # noqa: PLC0415 - a benchmark peer

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "6g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    book = LazyBook(
        transactions=spark.read.parquet(tx.rsplit("/", 1)[0]),
        submissions=spark.read.parquet(subs.rsplit("/", 1)[0]),
    )
    return _request(book)


def parquet_cases(quick: bool) -> list[Case]:
    """DuckDB over Parquet files, out of core; Spark over the same files."""
    out = []
    sizes = [200_000] if quick else _sizes("BENCH_ENGINES_PARQUET", "10000000,100000000")
    spark_sizes = set([200_000] if quick else _sizes("BENCH_ENGINES_SPARK", "10000000"))
    for n in sizes:
        folder = Path(tempfile.mkdtemp(prefix="bench-engines-"))
        tx, subs = _write_parquet(n, folder)
        label = f"{n:,} transactions + {n * 3 // 10:,} submissions in Parquet ({-(-n // CHUNK)} files each)"
        baselines = {}
        if n in spark_sizes:
            baselines["Spark local[2] over the same files"] = lambda tx=tx, subs=subs: _spark_request(
                tx, subs
            )
        out.append(
            Case(
                name="lazy book on DuckDB over Parquet (read_parquet by glob), out of core",
                sizes=label,
                ours=functools.partial(_parquet_request, tx, subs),
                baselines=dict(baselines),
                repeat=1,
                target="scored on this 24 GiB machine without loading the rows into Python",
                notes=functools.partial(_child, tx, subs),
            )
        )
    return out


def cases(quick: bool) -> list[Case]:
    """In memory at each size, then over Parquet."""
    return memory_cases(quick) + parquet_cases(quick)
