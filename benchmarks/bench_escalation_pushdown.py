"""Escalation rules pushed down to DuckDB against the numpy batch evaluator (1M work items).

For each default rule (``escalation.default_rules``): ``CompiledRule.evaluate_batch`` over numpy
columns, then counting TRUE, against ``pushdown_counts`` over a DuckDB table holding the same
columns (loaded once, before timing). Both answers are checked equal before timing.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

import numpy as np

from _harness import Case
from comanaged_rcm.escalation import Outcome, compile_rules, default_rules, pushdown_counts

AS_OF = datetime.date(2026, 11, 23)
N = 1_000_000


def columns(n: int, seed: int = 7) -> dict[str, Any]:
    """Synthetic work items and KPI rows with every field the default rules read, a few missing."""
    rng = np.random.default_rng(seed)
    balance = np.round(rng.lognormal(6.5, 1.4, n), 2)
    balance[rng.random(n) < 0.01] = np.nan
    return {
        "action": np.array(["follow_up", "appeal", "write_off", "none"])[rng.integers(0, 4, n)],
        "status": np.array(["open", "denied", "paid"])[rng.integers(0, 3, n)],
        "metric": np.array(["denial_rate", "ar_days", "clean_claim_rate"])[rng.integers(0, 3, n)],
        "balance": balance,
        "value": rng.random(n) * 100,
        "denominator": rng.integers(0, 50, n).astype(np.float64),
        "last_touched": np.datetime64(AS_OF, "D") - rng.integers(0, 90, n).astype("timedelta64[D]"),
    }


def cases(quick: bool) -> list[Case]:
    """One case per default rule: the DuckDB count of firing records against the numpy batch's."""
    import duckdb  # noqa: PLC0415 - a benchmark dependency
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415

    n = 100_000 if quick else N
    data = columns(n)
    con = duckdb.connect()
    con.register("items_arrow", pa.table(data))
    con.execute("create table items as select * from items_arrow")
    table = con.table("items")
    out = []
    for compiled in compile_rules(default_rules()):
        numpy_count = functools.partial(_numpy_count, compiled, data)
        pushed = functools.partial(_pushed_count, compiled, table)
        if numpy_count() != pushed():
            raise AssertionError(compiled.rule.id)
        out.append(
            Case(
                name=f"escalation rule {compiled.rule.id} in DuckDB: count of firing records",
                sizes=f"{n:,} records",
                ours=pushed,
                baselines={"numpy batch evaluation + count": numpy_count},
                repeat=3,
            )
        )
    return out


def _numpy_count(compiled: Any, data: dict[str, Any]) -> int:  # noqa: ANN401 - a CompiledRule
    return int((compiled.evaluate_batch(data, as_of=AS_OF) == Outcome.TRUE).sum())


def _pushed_count(compiled: Any, table: Any) -> int:  # noqa: ANN401 - a CompiledRule, a DuckDB relation
    return pushdown_counts(compiled, table, as_of=AS_OF)[Outcome.TRUE]
