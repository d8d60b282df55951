"""The CSV reader on the synthetic transactions file against pyarrow, polars, pandas and DuckDB.

``ours (pyarrow)`` and ``ours (built-in)`` both return typed numpy columns (``<U`` text as narrow as
the longest value, float64, datetime64[D]); the peers return their own tables from the same file in
the same run. The file has about 1M rows (``--quick``: about 100k).

Besides the harness's medians, two measures that hold up on a busy machine are printed:

- ``interleaved``: ours (pyarrow) and ``pyarrow.csv.read_csv`` timed alternately, five rounds,
  the median of the per-round ratios of wall time and of CPU time (all threads of the process);
- ``peak memory``: each reader run twice in a fresh process, the peak resident memory each run
  adds above the process before it (``VmHWM`` after resetting it through
  ``/proc/self/clear_refs``, arrow's pool emptied first), against the size of our typed output
  (``x``). This sees every allocator (numpy's, arrow's, polars', DuckDB's), unlike
  ``tracemalloc``. The first run carries one-time costs (thread pools, arenas); in the second,
  readers whose allocators keep freed memory (polars, DuckDB) add next to nothing, so the first is
  the fair figure for those and the second for the others. Linux only; elsewhere the line says so.
"""

from __future__ import annotations

import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _harness import Case
from comanaged_rcm.kpi._book import csv_columns
from comanaged_rcm.synthetic import generate_book, write_csv
from comanaged_rcm.tables import read_csv

CLAIMS = {True: 21_650, False: 216_500}
"""Claims giving about 100k and 1M transaction rows."""
ROUNDS = 5

_READERS = {
    "ours (pyarrow)": "read_csv(path, csv_columns('transactions'), engine='pyarrow')",
    "ours (built-in)": "read_csv(path, csv_columns('transactions'), engine='builtin')",
    "pyarrow.csv.read_csv": "importlib.import_module('pyarrow.csv').read_csv(path)",
    "polars.read_csv": "importlib.import_module('polars').read_csv(path)",
    "pandas.read_csv (C)": "importlib.import_module('pandas').read_csv(path, engine='c')",
    "duckdb read_csv": "importlib.import_module('duckdb').read_csv(path).arrow()",
}
_PEAK = """
import importlib, sys
from pathlib import Path
from comanaged_rcm.kpi._book import csv_columns
from comanaged_rcm.tables import read_csv
for name in ("pyarrow", "pyarrow.csv", "pyarrow.compute", "polars", "pandas", "duckdb"):
    importlib.import_module(name)
def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) * 1024
path = sys.argv[1]
peaks = []
for _ in range(2):
    importlib.import_module("gc").collect()
    importlib.import_module("pyarrow").default_memory_pool().release_unused()
    Path("/proc/self/clear_refs").write_text("5")
    before = status("VmRSS:")
    result = {reader}
    peaks.append(status("VmHWM:") - before)
    del result
print(*peaks)
"""


def _peak(reader: str, path: Path) -> tuple[int, int] | None:
    """The peak memory (bytes) a reader adds in a fresh process, first and second run (``None`` off Linux)."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    script = _PEAK.replace("{reader}", _READERS[reader])
    done = subprocess.run(  # noqa: S603 - this interpreter, this script
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    cold, warm = map(int, done.stdout.split())
    return cold, warm


def _interleaved(ours: Callable[[], object], peer: Callable[[], object]) -> tuple[float, float]:
    """Median over rounds of peer/ours in wall time and in CPU time, each round timing both."""
    wall, cpu = [], []
    for _ in range(ROUNDS):
        times = []
        for fn in (ours, peer):
            start, used = time.perf_counter(), time.process_time()
            fn()
            times.append((time.perf_counter() - start, time.process_time() - used))
        wall.append(times[1][0] / times[0][0])
        cpu.append(times[1][1] / times[0][1])
    return statistics.median(wall), statistics.median(cpu)


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

    def bare_arrow() -> Any:  # noqa: ANN401
        return arrow_csv.read_csv(path)

    peers: dict[str, Callable[[], object]] = {
        "ours (built-in)": ours_builtin,
        "pyarrow.csv.read_csv": bare_arrow,
        "polars.read_csv": lambda: pl.read_csv(path),
        "pandas.read_csv (C)": lambda: pd.read_csv(path, engine="c"),
        "duckdb read_csv": lambda: duckdb.read_csv(str(path)).arrow(),
    }
    print(f"  {rows:,} rows, {path.stat().st_size / 2**20:.1f} MiB; typed output {output / 2**20:.1f} MiB")
    for reader in _READERS:
        peak = _peak(reader, path)
        if peak is None:
            print("  peak memory: needs Linux's /proc/self/clear_refs")
            break
        cold, warm = (f"{size / 2**20:6.1f} MiB ({size / output:.2f}x)" for size in peak)
        print(f"  peak memory {reader}: first run {cold}, second run {warm}")
    ours_arrow()
    bare_arrow()
    wall, cpu = _interleaved(ours_arrow, bare_arrow)
    print(
        f"  interleaved, {ROUNDS} rounds: pyarrow.csv.read_csv / ours (pyarrow) = {wall:.2f}x in wall time,"
        f" {cpu:.2f}x in CPU time (above 1/1.5 = 0.67x meets the target)"
    )
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
