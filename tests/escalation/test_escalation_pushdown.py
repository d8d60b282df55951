"""Rules pushed down to a table: the same outcome as the scalar and numpy evaluators, per record."""

from __future__ import annotations

import datetime
import math
from typing import Any

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    BusinessCalendar,
    CompiledRule,
    FactKind,
    FieldType,
    Level,
    Outcome,
    Owner,
    Rule,
    compile_rule,
)
from comanaged_rcm.escalation._pushdown import (
    PushdownError,
    pushdown_counts,
    pushdown_firing,
    pushdown_outcomes,
)

AS_OF = datetime.date(2026, 3, 4)
SCHEMA = {
    "n": FieldType.NUMBER,
    "m": FieldType.NUMBER,
    "d": FieldType.DATE,
    "s": FieldType.TEXT,
    "b": FieldType.BOOLEAN,
}
CAL = BusinessCalendar(
    holidays=frozenset({datetime.date(2026, 1, 1), datetime.date(2026, 2, 16), datetime.date(2026, 3, 1)})
)


def rule(text: str, rid: str = "r") -> CompiledRule:
    return compile_rule(
        Rule(
            id=rid, when=text, applies_to=FactKind.CLAIM, level=Level.ONSHORE_LEAD, owner=Owner.party("lead")
        ),
        SCHEMA,
    )


def frame(records: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        {k: [r[k] for r in records] for k in SCHEMA},
        schema={"n": pl.Float64, "m": pl.Float64, "d": pl.Date, "s": pl.String, "b": pl.Boolean},
    )


def scalar_codes(compiled: CompiledRule, records: list[dict[str, Any]]) -> list[int]:
    run = compiled.scalar(as_of=AS_OF, calendar=CAL)
    return [int(run(r)) for r in records]


def reference(compiled: CompiledRule, records: list[dict[str, Any]]) -> list[int]:
    """Scalar and numpy agree (checked), and their codes."""
    codes = scalar_codes(compiled, records)
    if any(isinstance(r["s"], str) and r["s"].endswith("\x00") for r in records):
        return codes  # evaluate_batch reads a frame's text through numpy, which drops a trailing NUL
    batch = compiled.evaluate_batch(frame(records), as_of=AS_OF, calendar=CAL).tolist()
    assert batch == codes, compiled.condition.text
    return codes


def on_polars(rules: dict[str, CompiledRule], records: list[dict[str, Any]]) -> dict[str, list[int]]:
    out = pushdown_outcomes(rules, frame(records).lazy(), as_of=AS_OF, calendar=CAL).collect()
    return {k: out[k].to_list() for k in rules}


def on_duckdb(rules: dict[str, CompiledRule], records: list[dict[str, Any]]) -> dict[str, list[int]]:
    con = duckdb.connect()
    table = frame(records).with_row_index("i").to_arrow()
    rel = con.from_arrow(table)
    out = pushdown_outcomes(rules, rel, as_of=AS_OF, calendar=CAL).order("i").pl()
    return {k: out[k].to_list() for k in rules}


NUMBERS = st.one_of(
    st.none(),
    st.just(math.nan),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, 100.0, 1e308, -1e308, 5e-324]),
    st.floats(-1e6, 1e6, allow_nan=False),
)
DATES = st.one_of(
    st.none(),
    st.dates(datetime.date(2025, 12, 1), datetime.date(2026, 4, 30)),
    st.sampled_from([datetime.date(1, 1, 1), datetime.date(9999, 12, 31)]),
)
TEXTS = st.one_of(st.none(), st.sampled_from(["", "AETNA", "UHC", "x\x00", "a\x00b"]))
RECORDS = st.fixed_dictionaries(
    {"n": NUMBERS, "m": NUMBERS, "d": DATES, "s": TEXTS, "b": st.one_of(st.none(), st.booleans())}
)

NUM_ATOMS = st.sampled_from(
    [
        "n",
        "m",
        "0",
        "1",
        "2.5",
        "days_since(d)",
        "days_between(d, today)",
        "business_days_between(d, today)",
        "abs(n)",
    ]
)
NUMS = st.recursive(
    NUM_ATOMS,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        inner.map(lambda x: f"-{x}"),
    ),
    max_leaves=4,
)
ATOMS = st.one_of(
    st.tuples(NUMS, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), NUMS).map(" ".join),
    st.sampled_from(
        [
            "b",
            "not b",
            "b == True",
            "s == 'AETNA'",
            "s != 'UHC'",
            "s in ('AETNA', 'UHC')",
            "s not in ('AETNA',)",
            "d < today",
            "d >= today",
            "n in (0, 1, 2.5)",
            "0 < n <= 100",
            "d == today",
            "True",
            "False",
            "s == ''",
        ]
    ),
)
CONDITIONS = st.recursive(
    ATOMS,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda x: f"not ({x})"),
    ),
    max_leaves=4,
)


@settings(max_examples=25)
@given(st.lists(CONDITIONS, min_size=3, max_size=3), st.lists(RECORDS, min_size=1, max_size=8))
def test_random_rules_agree_on_duckdb_and_polars(texts: list[str], records: list[dict[str, Any]]) -> None:
    rules = {f"o{i}": rule(t) for i, t in enumerate(texts)}
    expected = {k: reference(r, records) for k, r in rules.items()}
    assert on_polars(rules, records) == expected
    assert on_duckdb(rules, records) == expected


CORPUS = [
    "n / m > 1 and s == 'AETNA'",
    "s == 'AETNA' and n / m > 1",
    "n / m > 1 or b",
    "b or n / m > 1",
    "not (n > 1)",
    "n * m > 0",
    "n + m < 0",
    "(n - m) * 2 >= 1",
    "days_since(d) > 30",
    "business_days_between(d, today) >= 5",
    "business_days_between(today, d) < 0",
    "d < today or s in ('UHC',)",
    "min(n, m) < 0 and max(n, m) > 0",
    "abs(n) == 1",
    "-n > 0",
    "b == False",
    "s != ''",
    "days_between(d, today) == 0 or (n > 5 and not b)",
    "n == n",
    "1 / 0 > 1 or True",
    "True or 1 / 0 > 1",
]
FIXED = [
    {"n": n, "m": m, "d": d, "s": s, "b": b}
    for n, m, d, s, b in [
        (1.0, 0.0, AS_OF, "AETNA", True),
        (None, 0.0, None, "", None),
        (math.nan, 1.0, datetime.date(2026, 1, 1), "x\x00", False),
        (1e308, 1e308, datetime.date(2026, 3, 1), "UHC", True),
        (-1e308, 1e308, datetime.date(2026, 4, 9), None, None),
        (0.0, -0.0, datetime.date(1, 1, 1), "AETNA", False),
        (5.0, 2.0, datetime.date(2026, 2, 16), "UHC", None),
        (-3.0, 4.0, datetime.date(2025, 12, 31), "a\x00b", True),
    ]
]


def test_corpus_agrees_on_every_engine(spark: Any) -> None:
    import narwhals as nw  # noqa: PLC0415

    rules = {f"o{i}": rule(t, f"r{i}") for i, t in enumerate(CORPUS)}
    expected = {k: reference(r, FIXED) for k, r in rules.items()}
    assert on_duckdb(rules, FIXED) == expected
    assert on_polars(rules, FIXED) == expected
    rows = [(i, r["n"], r["m"], r["d"], r["s"], r["b"]) for i, r in enumerate(FIXED)]
    sdf = spark.createDataFrame(rows, "i long, n double, m double, d date, s string, b boolean")
    out = pushdown_outcomes(rules, sdf, as_of=AS_OF, calendar=CAL)
    got = nw.from_native(out).sort("i").collect().to_polars()
    assert {k: got[k].to_list() for k in rules} == expected
    counts = pushdown_counts(rules["o0"], sdf, as_of=AS_OF, calendar=CAL)
    assert [counts[o] for o in Outcome] == [expected["o0"].count(int(o)) for o in Outcome]
    firing = nw.from_native(
        pushdown_firing(rules["o0"], sdf, as_of=AS_OF, calendar=CAL, errors=True)
    ).collect()
    assert sorted(firing["outcome"].to_list()) == sorted(c for c in expected["o0"] if c in {1, 3})


# --------------------------------------------------------------------------- targeted


KLEENE = {"b": ["b", True], "nb": ["not b", False]}
CODES = {  # a clause per outcome, over one record {n: 1, m: 0}
    Outcome.TRUE: "n > 0",
    Outcome.FALSE: "n < 0",
    Outcome.UNKNOWN: "k > 0",
    Outcome.ERROR: "n / m > 0",
}


def one(text: str, record: dict[str, Any], schema: dict[str, FieldType] | None = None) -> list[int]:
    compiled = compile_rule(
        Rule(
            id="t", when=text, applies_to=FactKind.CLAIM, level=Level.ONSHORE_LEAD, owner=Owner.party("lead")
        ),
        schema or {**SCHEMA, "k": FieldType.NUMBER},
    )
    table = pl.DataFrame([record], schema={"n": pl.Float64, "m": pl.Float64, "k": pl.Float64})
    rel = duckdb.connect().from_arrow(table.to_arrow())
    ours = pushdown_outcomes(compiled, rel, as_of=AS_OF).pl()["outcome"].to_list()
    assert ours == [int(compiled.scalar(as_of=AS_OF)(record))]
    return [int(x) for x in ours]


@pytest.mark.parametrize("left", list(Outcome))
@pytest.mark.parametrize("right", list(Outcome))
@pytest.mark.parametrize("op", ["and", "or"])
def test_kleene_truth_table_with_short_circuit(left: Outcome, right: Outcome, op: str) -> None:
    record = {"n": 1.0, "m": 0.0, "k": None}
    (got,) = one(f"({CODES[left]}) {op} ({CODES[right]})", record)
    stop = Outcome.FALSE if op == "and" else Outcome.TRUE
    if left in {stop, Outcome.ERROR}:
        want = left
    elif right in {stop, Outcome.ERROR}:
        want = right
    else:
        want = (
            Outcome.UNKNOWN
            if Outcome.UNKNOWN in {left, right}
            else (Outcome.TRUE if op == "and" else Outcome.FALSE)
        )
    assert got == want


@pytest.mark.parametrize(
    ("inner", "want"), [(Outcome.TRUE, 0), (Outcome.FALSE, 1), (Outcome.UNKNOWN, 2), (Outcome.ERROR, 3)]
)
def test_not(inner: Outcome, want: int) -> None:
    assert one(f"not ({CODES[inner]})", {"n": 1.0, "m": 0.0, "k": None}) == [want]


def test_nan_and_null_are_unknown_infinity_is_error() -> None:
    assert one("n > 0", {"n": math.nan, "m": 0.0, "k": None}) == [2]
    assert one("n > 0", {"n": None, "m": 0.0, "k": None}) == [2]
    assert one("n > 0", {"n": math.inf, "m": 0.0, "k": None}) == [3]
    assert one("n * 10 > 0", {"n": 1e308, "m": 0.0, "k": None}) == [3]
    assert one("k / m > 0", {"n": 1.0, "m": 0.0, "k": None}) == [2]  # UNKNOWN before the zero


def test_empty_string_is_unknown_and_nul_is_error() -> None:
    records = [
        {"n": 1.0, "m": 1.0, "d": AS_OF, "s": s, "b": True} for s in ["", None, "x\x00", "AETNA", "a\x00b"]
    ]
    codes = reference(rule("s == 'AETNA'"), records)
    assert codes == [2, 2, 3, 1, 0]
    assert on_duckdb({"o": rule("s == 'AETNA'")}, records) == {"o": codes}


def test_date_comparisons_and_days() -> None:
    days = [AS_OF - datetime.timedelta(days=k) for k in (-1, 0, 1, 30, 31)]
    records = [{"n": 1.0, "m": 1.0, "d": d, "s": "x", "b": True} for d in days]
    for text in [
        "d < today",
        "d == today",
        "days_since(d) > 30",
        "days_since(d) >= 30.5",
        "business_days_between(d, today) > 1",
    ]:
        codes = reference(rule(text), records)
        assert on_duckdb({"o": rule(text)}, records) == {"o": codes}, text
    assert reference(rule("days_since(d) > 30"), records) == [0, 0, 0, 0, 1]


def test_refuses_a_huge_holiday_calendar() -> None:
    start = datetime.date(2000, 1, 3)
    big = BusinessCalendar(holidays=frozenset(start + datetime.timedelta(days=i) for i in range(3000)))
    with pytest.raises(
        PushdownError, match=r"rule 'r': 'business_days_between\(d, today\)' cannot be pushed down"
    ):
        pushdown_outcomes(
            rule("business_days_between(d, today) > 3"), frame(FIXED), as_of=AS_OF, calendar=big
        )
    # a weekend-only calendar and a small one both push down
    assert pushdown_outcomes(
        rule("business_days_between(d, today) > 3"), frame(FIXED), as_of=AS_OF
    ).height == len(FIXED)


def test_wrong_column_types_name_the_column() -> None:
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    table = pl.DataFrame({"n": ["1"], "m": [1.0], "d": [moment], "s": [1], "b": [1]})
    with pytest.raises(ValidationError) as info:
        pushdown_outcomes(rule("n > m and d < today and s == 'A' and b"), table)
    paths = [i.path for i in info.value.issues]
    assert paths == ["$.table.b", "$.table.d", "$.table.n", "$.table.s"]
    with pytest.raises(ValidationError, match=r"has no column 'm'"):
        pushdown_outcomes(rule("m > 1"), pl.DataFrame({"n": [1.0]}))
    with pytest.raises(ValidationError, match=r"already has a column 'outcome'"):
        pushdown_outcomes(rule("n > 1"), pl.DataFrame({"n": [1.0], "outcome": [1]}))
    with pytest.raises(ValidationError, match=r"\$\.table"):
        pushdown_outcomes(rule("n > 1"), [1, 2])


def test_counts_and_firing_on_duckdb() -> None:
    rel = duckdb.connect().from_arrow(frame(FIXED).to_arrow())
    compiled = rule("n / m > 1")
    expected = reference(compiled, FIXED)
    counts = pushdown_counts(compiled, rel, as_of=AS_OF)
    assert counts == {o: expected.count(int(o)) for o in Outcome}
    assert isinstance(pushdown_firing(compiled, rel, as_of=AS_OF), duckdb.DuckDBPyRelation)
    assert pushdown_firing(compiled, rel, as_of=AS_OF).pl()["outcome"].to_list() == [1] * expected.count(1)
    empty = duckdb.connect().from_arrow(frame(FIXED).head(0).to_arrow())
    assert pushdown_counts(compiled, empty, as_of=AS_OF) == dict.fromkeys(Outcome, 0)
