"""The CSV reader on the synthetic transactions file against pyarrow, polars, pandas and DuckDB.

``ours (pyarrow)`` and ``ours (built-in)`` both return typed numpy columns (``<U`` text as narrow as
the longest value, float64, datetime64[D]); the peers return their own tables from the same file in
the same run. The file has about 1M rows (``--quick``: about 100k). Peak memory of each reader is
traced once with ``tracemalloc`` and printed against the size of the typed output: numpy's and
Python's allocations are traced, pyarrow's, polars' and DuckDB's own allocators are not (their
peaks read as near zero), so only our two rows are comparable.
"""

from __future__ import annotations

import importlib
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _harness import Case
from comanaged_rcm.kpi._book import csv_columns
from comanaged_rcm.synthetic import generate_book, write_csv
from comanaged_rcm.tables import read_csv

CLAIMS = {True: 21_650, False: 216_500}
"""Claims giving about 100k and 1M transaction rows."""


def _peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def cases(quick: bool) -> list[Case]:
    """The 1M-row (or 100k-row) transactions file read by ours and by each peer."""
    import duckdb  # noqa: PLC0415 - benchmark peers, imported when run
    import pandas as pd  # noqa: PLC0415
    import polars as pl  # noqa: PLC0415
    arrow_csv: Any = importlib.import_module("pyarrow.csv")

    directory = Path(tempfile.mkdtemp(prefix="bench_csv_"))
    path = write_csv(generate_book(claims=CLAIMS[quick]), directory)["transactions"]
    columns = csv_columns("transactions")
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    typed = read_csv(path, columns)
    output = sum(array.nbytes for array in typed.values())

    def ours_arrow() -> Any:  # noqa: ANN401
        return read_csv(path, columns, engine="pyarrow")

    def ours_builtin() -> Any:  # noqa: ANN401
        return read_csv(path, columns, engine="builtin")

    peers: dict[str, Callable[[], object]] = {
        "ours (built-in)": ours_builtin,
        "pyarrow.csv.read_csv": lambda: arrow_csv.read_csv(path),
        "polars.read_csv": lambda: pl.read_csv(path),
        "pandas.read_csv (C)": lambda: pd.read_csv(path, engine="c"),
        "duckdb read_csv": lambda: duckdb.read_csv(str(path)).arrow(),
    }
    memory = {"ours (pyarrow)": _peak(ours_arrow)} | {name: _peak(fn) for name, fn in peers.items()}
    print(f"  {rows:,} rows, {path.stat().st_size / 2**20:.1f} MiB; typed output {output / 2**20:.1f} MiB")
    for name, peak in memory.items():
        print(f"  peak traced memory {name}: {peak / 2**20:8.1f} MiB ({peak / output:.2f}x the output)")
    return [
        Case(
            name="read_csv transactions (ours with pyarrow)",
            sizes=f"{rows:,} rows",
            ours=ours_arrow,
            baselines=peers,
            repeat=3,
            target="within 1.5x of pyarrow.csv.read_csv; built-in at least 3x faster than before",
        )
    ]
