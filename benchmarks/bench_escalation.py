"""Escalation rules over work items: the compiled evaluators against hand-written baselines.

* Vectorized: ``CompiledRule.evaluate_batch`` (three-valued, with missing-value and error
  tracking) over the work items as a ``kpi.Book`` stores them (text as integer codes into a
  dictionary, :class:`~comanaged_rcm.escalation.Categorical`), against DuckDB's
  ``SELECT count(*) FROM t WHERE <condition>`` over the same columns in its own table (loaded
  once, before timing), and against a hand-written numpy boolean mask of the same condition over
  text as strings; for one realistic rule and for a set of 20 rules (20 queries).
* Scalar: the compiled per-record path (``CompiledRule.scalar``) against a plain Python lambda
  of the same condition, record by record.

Targets: vectorized no slower than DuckDB (baseline/ours >= 1); scalar within 4x of a lambda.
The records have no missing values, so every path computes the same answer (checked before
timing, DuckDB's counts included).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from _harness import Case
from comanaged_rcm.escalation import (
    Categorical,
    CompiledRule,
    FactKind,
    Level,
    Outcome,
    Owner,
    Rule,
    compile_rule,
)

AS_OF = datetime.date(2026, 11, 23)
TODAY = np.datetime64(AS_OF, "D")
PAYERS = np.array(["AETNA", "CIGNA", "HUMANA", "UHC", "MEDICARE", "MEDICAID", "BCBS", "SELF"])
ACTIONS = np.array(["follow_up", "appeal", "write_off", "rebill", "none"])
STATUSES = np.array(["open", "denied", "paid", "pending"])

Columns = dict[str, npt.NDArray[Any]]
Mask = Callable[[Columns], npt.NDArray[np.bool_]]
Lambda = Callable[[dict[str, Any]], bool]


def work_items(n: int, seed: int = 7) -> Columns:
    """Synthetic work items: balance, units, age, payer, action, status, last touch, flag."""
    rng = np.random.default_rng(seed)
    return {
        "balance": np.round(rng.lognormal(6.5, 1.4, n), 2),
        "units": rng.integers(1, 20, n).astype(np.float64),
        "age": rng.integers(0, 240, n).astype(np.float64),
        "payer": PAYERS[rng.integers(0, len(PAYERS), n)],
        "action": ACTIONS[rng.integers(0, len(ACTIONS), n)],
        "status": STATUSES[rng.integers(0, len(STATUSES), n)],
        "last_touched": TODAY - rng.integers(0, 60, n).astype("timedelta64[D]"),
        "escalated": rng.random(n) < 0.1,
    }


def coded(columns: Columns) -> dict[str, Any]:
    """The work items as a ``kpi.Book`` keeps them: text as codes into its sorted distinct values."""
    out: dict[str, Any] = {}
    for name, column in columns.items():
        if column.dtype.kind == "U":
            categories, codes = np.unique(column, return_inverse=True)
            out[name] = Categorical(codes=codes, categories=categories)
        else:
            out[name] = column
    return out


def sql(condition: str) -> str:
    """A rule condition as a DuckDB ``WHERE`` clause (the conditions here, not the whole language)."""
    text = condition.replace("==", "=").replace("10 <= age < 30", "age >= 10 and age < 30")
    text = text.replace("days_since(last_touched)", f"(DATE '{AS_OF}' - last_touched)")
    return text.replace("max(", "greatest(")


def records(columns: Columns) -> list[dict[str, Any]]:
    """The same work items as Python records (floats, str, date, bool)."""
    names = list(columns)
    lists = [columns[name].tolist() for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)]


# (condition, hand-written numpy mask, plain Python lambda) for each rule.
RULES: list[tuple[str, Mask, Lambda]] = [
    (
        (
            "action == 'write_off' and balance > 5000 and payer in ('AETNA', 'CIGNA') "
            "and days_since(last_touched) >= 10"
        ),
        lambda c: (
            (c["action"] == "write_off")
            & (c["balance"] > 5000)
            & ((c["payer"] == "AETNA") | (c["payer"] == "CIGNA"))
            & ((TODAY - c["last_touched"]).astype(np.int64) >= 10)
        ),
        lambda r: (
            r["action"] == "write_off"
            and r["balance"] > 5000
            and r["payer"] in {"AETNA", "CIGNA"}
            and (AS_OF - r["last_touched"]).days >= 10
        ),
    ),
    ("balance > 10000", lambda c: c["balance"] > 10000, lambda r: r["balance"] > 10000),
    (
        "status == 'denied' and age > 30",
        lambda c: (c["status"] == "denied") & (c["age"] > 30),
        lambda r: r["status"] == "denied" and r["age"] > 30,
    ),
    (
        "status == 'denied' and balance >= 2500",
        lambda c: (c["status"] == "denied") & (c["balance"] >= 2500),
        lambda r: r["status"] == "denied" and r["balance"] >= 2500,
    ),
    ("age > 120", lambda c: c["age"] > 120, lambda r: r["age"] > 120),
    (
        "payer == 'MEDICARE' and age > 60",
        lambda c: (c["payer"] == "MEDICARE") & (c["age"] > 60),
        lambda r: r["payer"] == "MEDICARE" and r["age"] > 60,
    ),
    (
        "balance / units > 900",
        lambda c: c["balance"] / c["units"] > 900,
        lambda r: r["balance"] / r["units"] > 900,
    ),
    (
        "days_since(last_touched) > 45",
        lambda c: (TODAY - c["last_touched"]).astype(np.int64) > 45,
        lambda r: (AS_OF - r["last_touched"]).days > 45,
    ),
    (
        "action == 'appeal' and age > 90",
        lambda c: (c["action"] == "appeal") & (c["age"] > 90),
        lambda r: r["action"] == "appeal" and r["age"] > 90,
    ),
    (
        "escalated and balance > 1000",
        lambda c: c["escalated"] & (c["balance"] > 1000),
        lambda r: r["escalated"] and r["balance"] > 1000,
    ),
    (
        "not escalated and age > 180",
        lambda c: ~c["escalated"] & (c["age"] > 180),
        lambda r: not r["escalated"] and r["age"] > 180,
    ),
    (
        "payer in ('UHC', 'BCBS', 'HUMANA') and balance > 3000",
        lambda c: (
            ((c["payer"] == "UHC") | (c["payer"] == "BCBS") | (c["payer"] == "HUMANA"))
            & (c["balance"] > 3000)
        ),
        lambda r: r["payer"] in {"UHC", "BCBS", "HUMANA"} and r["balance"] > 3000,
    ),
    (
        "balance > 20000 or age > 200",
        lambda c: (c["balance"] > 20000) | (c["age"] > 200),
        lambda r: r["balance"] > 20000 or r["age"] > 200,
    ),
    (
        "10 <= age < 30 and status != 'paid'",
        lambda c: (c["age"] >= 10) & (c["age"] < 30) & (c["status"] != "paid"),
        lambda r: 10 <= r["age"] < 30 and r["status"] != "paid",
    ),
    (
        "balance * 0.1 > units * 100",
        lambda c: c["balance"] * 0.1 > c["units"] * 100,
        lambda r: r["balance"] * 0.1 > r["units"] * 100,
    ),
    (
        "status == 'pending' and days_since(last_touched) > 20",
        lambda c: (c["status"] == "pending") & ((TODAY - c["last_touched"]).astype(np.int64) > 20),
        lambda r: r["status"] == "pending" and (AS_OF - r["last_touched"]).days > 20,
    ),
    (
        "max(balance, 500) > 8000 and payer != 'SELF'",
        lambda c: (np.maximum(c["balance"], 500) > 8000) & (c["payer"] != "SELF"),
        lambda r: max(r["balance"], 500) > 8000 and r["payer"] != "SELF",
    ),
    (
        "action == 'rebill' and units >= 10",
        lambda c: (c["action"] == "rebill") & (c["units"] >= 10),
        lambda r: r["action"] == "rebill" and r["units"] >= 10,
    ),
    (
        "abs(balance - 5000) < 100",
        lambda c: np.abs(c["balance"] - 5000) < 100,
        lambda r: abs(r["balance"] - 5000) < 100,
    ),
    (
        "status == 'open' and action == 'none' and age > 14",
        lambda c: (c["status"] == "open") & (c["action"] == "none") & (c["age"] > 14),
        lambda r: r["status"] == "open" and r["action"] == "none" and r["age"] > 14,
    ),
]


def _compile(text: str, index: int) -> CompiledRule:
    rule = Rule(
        id=f"rule_{index}",
        when=text,
        applies_to=FactKind.QUEUE_ITEM,
        level=Level.ONSHORE_LEAD,
        owner=Owner.accountable("ar_follow_up"),
    )
    return compile_rule(rule)


def _check(
    compiled: list[CompiledRule],
    columns: Columns,
    sample: list[dict[str, Any]],
    count: Callable[[str], int],
) -> None:
    book = coded(columns)
    for c, (_, mask, fn) in zip(compiled, RULES, strict=True):
        expected = mask(columns)
        for given in (columns, book):
            if not np.array_equal(c.evaluate_batch(given, as_of=AS_OF) == Outcome.TRUE, expected):
                raise AssertionError(f"vectorized != numpy mask for {c.rule.when}")
        if count(c.rule.when) != int(expected.sum()):
            raise AssertionError(f"DuckDB's count != numpy mask for {c.rule.when}")
        scalar = c.scalar(as_of=AS_OF)
        if [scalar(r) is Outcome.TRUE for r in sample] != [bool(fn(r)) for r in sample]:
            raise AssertionError(f"scalar != lambda for {c.rule.when}")


def cases(quick: bool) -> list[Case]:
    """One rule and 20 rules, vectorized and per record."""
    n = 100_000 if quick else 1_000_000
    n_records = 20_000 if quick else 200_000
    import duckdb  # noqa: PLC0415 - a baseline, installed with the bench extra
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - dates stay dates

    columns = work_items(n)
    book = coded(columns)
    sample = records(work_items(n_records, seed=11))
    compiled = [_compile(text, i) for i, (text, _, _) in enumerate(RULES)]
    con = duckdb.connect()
    con.register("items", pa.table(columns))
    con.execute("CREATE TABLE t AS SELECT * FROM items")  # DuckDB's own storage, loaded once
    queries = {text: f"SELECT count(*) FROM t WHERE {sql(text)}" for text, _, _ in RULES}  # noqa: S608 - our own rules

    def count(text: str) -> int:
        found = con.execute(queries[text]).fetchone()
        return -1 if found is None else int(found[0])

    _check(compiled, columns, sample[:2000], count)
    texts = [text for text, _, _ in RULES]
    first, (_, first_mask, first_fn) = compiled[0], RULES[0]
    first_scalar = first.scalar(as_of=AS_OF)
    scalars = [c.scalar(as_of=AS_OF) for c in compiled]
    lambdas = [fn for _, _, fn in RULES]
    repeat = 3 if quick else 5
    return [
        Case(
            name="escalation: one realistic rule, vectorized",
            sizes=f"{n:,} work items, 4 clauses, text as codes",
            ours=lambda: first.evaluate_batch(book, as_of=AS_OF),
            baselines={
                "DuckDB count(*) WHERE": lambda: count(texts[0]),
                "hand-written numpy mask over strings": lambda: first_mask(columns),
            },
            repeat=repeat,
            target="ours no slower than DuckDB (baseline/ours >= 1)",
        ),
        Case(
            name="escalation: 20 rules, vectorized",
            sizes=f"{n:,} work items x 20 rules, text as codes",
            ours=lambda: [c.evaluate_batch(book, as_of=AS_OF) for c in compiled],
            baselines={
                "DuckDB count(*) WHERE, 20 queries": lambda: [count(text) for text in texts],
                "hand-written numpy masks over strings": lambda: [m(columns) for _, m, _ in RULES],
            },
            repeat=repeat,
            target="ours no slower than DuckDB (baseline/ours >= 1)",
        ),
        Case(
            name="escalation: one realistic rule, per record",
            sizes=f"{n_records:,} records",
            ours=lambda: [first_scalar(r) for r in sample],
            baselines={"plain Python lambda": lambda: [first_fn(r) for r in sample]},
            repeat=repeat,
            target="ours within 4x of a lambda (baseline/ours >= 0.25)",
        ),
        Case(
            name="escalation: 20 rules, per record",
            sizes=f"{n_records:,} records x 20 rules",
            ours=lambda: [[s(r) for s in scalars] for r in sample],
            baselines={"plain Python lambdas": lambda: [[f(r) for f in lambdas] for r in sample]},
            repeat=1 if not quick else 2,
            target="ours within 4x of lambdas (baseline/ours >= 0.25)",
        ),
    ]
