from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    BusinessCalendar,
    Categorical,
    CompiledRule,
    FactKind,
    FieldType,
    Level,
    MinCount,
    Outcome,
    Owner,
    Rule,
    compile_rule,
)

AS_OF = datetime.date(2026, 11, 23)
CALENDAR = BusinessCalendar(holidays=frozenset({datetime.date(2026, 11, 26), datetime.date(2026, 12, 25)}))
SCHEMA = {
    "n1": FieldType.NUMBER,
    "n2": FieldType.NUMBER,
    "t1": FieldType.TEXT,
    "d1": FieldType.DATE,
    "d2": FieldType.DATE,
    "b1": FieldType.BOOLEAN,
}


def rule(when: str, **kwargs: Any) -> Rule:
    fields: dict[str, Any] = {
        "id": "r",
        "when": when,
        "applies_to": FactKind.CLAIM,
        "level": Level.ONSHORE_LEAD,
        "owner": Owner.party("lead"),
    }
    fields.update(kwargs)
    return Rule(**fields)


def compiled(when: str, schema: dict[str, FieldType] = SCHEMA, **kwargs: Any) -> CompiledRule:
    return compile_rule(rule(when, **kwargs), schema)


def outcome(when: str, record: dict[str, Any], schema: dict[str, FieldType] = SCHEMA) -> Outcome:
    return compiled(when, schema).evaluate(record, as_of=AS_OF, calendar=CALENDAR).outcome


T, F, U, E = Outcome.TRUE, Outcome.FALSE, Outcome.UNKNOWN, Outcome.ERROR
VALUE: dict[Outcome, bool | None] = {T: True, F: False, U: None}


class TestKleene:
    @pytest.mark.parametrize("a", [T, F, U])
    @pytest.mark.parametrize("b", [T, F, U])
    def test_and_or_not_truth_tables(self, a: Outcome, b: Outcome) -> None:
        """and/or/not follow Kleene's strong three-valued logic (truth tables from Kleene 1952)."""
        record = {"b1": VALUE[a], "n1": None if b is U else (1.0 if b is T else 0.0)}
        clause_b = "n1 == 1"
        expected_and = F if F in (a, b) else U if U in (a, b) else T
        expected_or = T if T in (a, b) else U if U in (a, b) else F
        assert outcome(f"b1 and {clause_b}", record) is expected_and
        assert outcome(f"b1 or {clause_b}", record) is expected_or
        assert outcome("not b1", record) is {T: F, F: T, U: U}[a]

    def test_false_and_unknown_is_false(self) -> None:
        """FALSE and UNKNOWN is FALSE: a decided clause wins over a missing fact."""
        assert outcome("n1 > 5 and n2 > 5", {"n1": 1.0, "n2": None}) is F

    def test_errors_follow_left_to_right_evaluation(self) -> None:
        """and/or stop at the first deciding clause, like Python: an ERROR before it counts, after it not."""
        record = {"n1": 0.0, "n2": 1.0}
        assert outcome("n1 > 5 and n2 / n1 > 1", record) is F
        assert outcome("n2 / n1 > 1 and n1 > 5", record) is E
        assert outcome("n2 > 0 or n2 / n1 > 1", record) is T
        assert outcome("n2 / n1 > 1 or n2 > 0", record) is E
        assert outcome("n2 > 0 and n2 / n1 > 1", record) is E
        assert outcome("t1 == 'A' and n2 / n1 > 1", record) is E  # UNKNOWN does not decide an and
        assert outcome("t1 == 'A' and n1 > 5", record) is F
        assert outcome("0 < n1 < n2 / n1", record) is F  # chained comparisons stop too
        assert outcome("n1 + n2 / n1 > 1", record) is E  # arithmetic never short-circuits

    @pytest.mark.parametrize(
        "text",
        [
            "n1 > 5 and n2 / n1 > 1",
            "n2 / n1 > 1 and n1 > 5",
            "n2 > 0 or n2 / n1 > 1",
            "n2 / n1 > 1 or n2 > 0",
            "t1 == 'A' and n2 / n1 > 1",
            "t1 == 'A' or n2 / n1 > 1 or n1 > -1",
            "not (n2 / n1 > 1) or t1 != 'B'",
            "0 < n1 < n2 / n1",
        ],
    )
    def test_vectorized_left_to_right(self, text: str) -> None:
        """The vectorized path stops at the same clause as the scalar path, row by row."""
        records: list[dict[str, Any]] = [
            {"n1": 0.0, "n2": 1.0, "t1": "A"},
            {"n1": 0.0, "n2": -1.0, "t1": None},
            {"n1": 2.0, "n2": 10.0, "t1": "B"},
            {"n1": None, "n2": 1.0, "t1": "A"},
            {"n1": 0.0, "n2": None, "t1": "B"},
        ]
        c = compiled(text)
        expected = [int(c.evaluate(r, as_of=AS_OF).outcome) for r in records]
        columns = to_columns_plain([{**r, "t1": r["t1"] or ""} for r in records])
        assert c.evaluate_batch(columns, as_of=AS_OF).tolist() == expected

    def test_vectorized_errors_without_missing_values(self) -> None:
        """Negation, multiplication and errors in columns without missing values match the scalar path."""
        records: list[dict[str, Any]] = [
            {"n1": 0.0, "n2": 1.0, "t1": "A"},
            {"n1": 2.0, "n2": 3.0, "t1": "B"},
            {"n1": -1.0, "n2": 3.0, "t1": "A"},
        ]
        for text in ["-n1 * n2 < 0 and n2 / n1 > 1", "n2 / n1 > 1 or -n1 * n2 < 0"]:
            c = compiled(text)
            expected = [int(c.evaluate(r, as_of=AS_OF).outcome) for r in records]
            assert c.evaluate_batch(to_columns_plain(records), as_of=AS_OF).tolist() == expected
        assert [int(compiled("-n1 * n2 < 0 and n2 / n1 > 1").evaluate(r).outcome) for r in records] == [
            0,
            1,
            0,
        ]

    def test_text_fields_compared(self) -> None:
        """Two text fields compare by value; an empty one is missing."""
        schema = {"t1": FieldType.TEXT, "t2": FieldType.TEXT}
        assert outcome("t1 == t2", {"t1": "A", "t2": "A"}, schema) is T
        assert outcome("t1 != t2", {"t1": "A", "t2": ""}, schema) is U
        assert outcome("t1 == t2", {"t1": np.str_("A"), "t2": "A"}, schema) is T

    @pytest.mark.parametrize("missing", [None, math.nan, np.nan, np.float64("nan")])
    def test_missing_numbers(self, missing: object) -> None:
        """None and NaN are missing: comparisons with them are UNKNOWN."""
        assert outcome("n1 > 5", {"n1": missing}) is U
        assert outcome("n1 != 5", {"n1": missing}) is U

    def test_absent_key_is_missing(self) -> None:
        """A field absent from the record is missing."""
        assert outcome("n1 > 5", {}) is U

    @pytest.mark.parametrize("missing", [None, ""])
    def test_missing_text(self, missing: object) -> None:
        """None and the empty string are missing text."""
        assert outcome("t1 != 'A'", {"t1": missing}) is U
        assert outcome("t1 not in ('A', 'B')", {"t1": missing}) is U

    @pytest.mark.parametrize("missing", [None, np.datetime64("NaT"), math.nan])
    def test_missing_dates(self, missing: object) -> None:
        """None, NaT and NaN are missing dates."""
        assert outcome("days_since(d1) > 5", {"d1": missing}) is U

    @pytest.mark.parametrize(
        ("record", "reason"),
        [
            ({"n1": "6000"}, "must be a number"),
            ({"n1": True}, "must be a number"),
            ({"t1": 5}, "must be a string"),
            ({"b1": 1}, "must be a boolean"),
            ({"d1": "2026-01-01"}, "must be a date"),
            ({"d1": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)}, "must be a date"),
        ],
    )
    def test_no_coercion(self, record: dict[str, Any], reason: str) -> None:
        """Values of the wrong type are ERROR, not coerced: "6000" is not 6000, 1 is not True."""
        field = next(iter(record))
        text = {"n1": "n1 > 5", "t1": "t1 == 'A'", "b1": "b1", "d1": "days_since(d1) > 1"}[field]
        result = compiled(text).evaluate(record, as_of=AS_OF)
        assert result.outcome is E
        assert reason in result.explanation.reason

    def test_overflow_is_error(self) -> None:
        """A non-finite intermediate result is ERROR."""
        assert outcome("n1 * n1 > 0", {"n1": 1e200}) is E


class TestFunctions:
    def test_days(self) -> None:
        """days_since counts calendar days to as_of; days_between counts from the first to the second."""
        record = {"d1": datetime.date(2026, 11, 13), "d2": datetime.date(2026, 11, 23)}
        assert outcome("days_since(d1) == 10", record) is T
        assert outcome("days_between(d1, d2) == 10", record) is T
        assert outcome("days_between(d2, d1) == -10", record) is T
        assert outcome("d1 < d2 and d2 == today", record) is T

    def test_business_days_match_numpy(self) -> None:
        """business_days_between equals numpy.busday_count with the same weekmask and holidays."""
        start, end = datetime.date(2026, 11, 13), datetime.date(2026, 11, 30)
        expected = int(np.busday_count(start, end, holidays=["2026-11-26", "2026-12-25"]))
        assert outcome(f"business_days_between(d1, d2) == {expected}", {"d1": start, "d2": end}) is T

    @settings(max_examples=80, deadline=None)
    @given(
        d1=st.dates(datetime.date(2026, 1, 1), datetime.date(2027, 12, 31)),
        span=st.integers(-40, 40),
    )
    def test_business_days_both_paths_match_numpy(self, d1: datetime.date, span: int) -> None:
        """Scalar and vectorized business_days_between equal numpy.busday_count, reversed spans included."""
        d2 = d1 + datetime.timedelta(days=span)
        expected = int(np.busday_count(d1, d2, holidays=sorted(CALENDAR.holidays)))
        c = compiled(f"business_days_between(d1, d2) == {expected}")
        assert c.evaluate({"d1": d1, "d2": d2}, as_of=AS_OF, calendar=CALENDAR).outcome is T
        columns = {"d1": np.array([d1], dtype="datetime64[D]"), "d2": np.array([d2], dtype="datetime64[D]")}
        assert c.evaluate_batch(columns, as_of=AS_OF, calendar=CALENDAR).tolist() == [T]

    def test_abs_min_max(self) -> None:
        """abs, min and max over numbers; a missing argument is UNKNOWN."""
        assert outcome("abs(n1) == 3 and min(n1, n2, 7) == -3 and max(n1, n2) == 4", {"n1": -3, "n2": 4}) is T
        assert outcome("max(n1, n2) > 0", {"n1": 1.0, "n2": None}) is U

    def test_arithmetic(self) -> None:
        """+ - * / follow IEEE float arithmetic."""
        assert outcome("(n1 + n2) * 2 - n2 / 4 == 19", {"n1": 6, "n2": 4}) is T
        assert outcome("-n1 == -6", {"n1": 6}) is T


class TestExplanation:
    def test_reason_for_write_off(self) -> None:
        """The explanation lists facts read, each clause's outcome and a one-line reason."""
        result = compile_rule(rule("action == 'write_off' and balance > 5000")).evaluate(
            {"action": "write_off", "balance": 6120.0, "other": 1}, as_of=AS_OF
        )
        assert result.outcome is T
        assert result.explanation.facts == {"action": '"write_off"', "balance": "6120.0"}
        assert [c.outcome for c in result.explanation.clauses] == [T, T]
        assert result.explanation.deciding is None
        assert "balance > 5000 (balance = 6,120)" in result.explanation.reason
        assert result.as_of == AS_OF

    def test_deciding_false_clause(self) -> None:
        """A FALSE conjunction names the first false clause."""
        result = compiled("n1 > 5 and t1 == 'A'").evaluate({"n1": 1.0, "t1": "A"}, as_of=AS_OF)
        assert result.explanation.deciding == "n1 > 5"
        assert result.explanation.reason == "not met: n1 > 5 (n1 = 1) is false"

    def test_deciding_true_disjunct(self) -> None:
        """A TRUE disjunction names the first true clause."""
        result = compiled("n1 > 5 or t1 == 'A'").evaluate({"n1": 1.0, "t1": "A"}, as_of=AS_OF)
        assert result.explanation.deciding == "t1 == 'A'"
        assert result.explanation.reason.startswith("met: t1 == 'A'")

    def test_unknown_reason(self) -> None:
        """An UNKNOWN outcome names the undecided clause and the missing fact."""
        result = compiled("n1 > 5 and t1 == 'A'").evaluate({"n1": None, "t1": "A"}, as_of=AS_OF)
        assert result.outcome is U
        assert result.explanation.reason == "unknown: n1 > 5 (n1 = missing) cannot be decided"
        assert result.explanation.facts["n1"] == "null"

    def test_error_reason(self) -> None:
        """An ERROR outcome names the failing clause and the error."""
        result = compiled("t1 == 'A' and n2 / n1 > 1").evaluate(
            {"n1": 0.0, "n2": 1.0, "t1": "A"}, as_of=AS_OF
        )
        assert result.outcome is E
        assert result.explanation.reason == "error in n2 / n1 > 1: division by zero in n2 / n1"
        assert result.explanation.clauses[1].error

    def test_single_clause(self) -> None:
        """A single-clause condition is its own deciding clause."""
        result = compiled("n1 > 5").evaluate({"n1": 9.0}, as_of=AS_OF)
        assert result.explanation.deciding == "n1 > 5"
        assert result.explanation.reason == "met: n1 > 5 (n1 = 9)"

    def test_all_false_disjunction(self) -> None:
        """A FALSE disjunction lists every clause."""
        result = compiled("n1 > 5 or n2 > 5").evaluate({"n1": 1.0, "n2": 2.0}, as_of=AS_OF)
        assert result.explanation.reason == "not met: n1 > 5 (n1 = 1) or n2 > 5 (n2 = 2)"

    def test_clause_with_no_fields(self) -> None:
        """A literal clause renders without facts."""
        result = compiled("1 < 2 or n1 > 5").evaluate({"n1": 1.0}, as_of=AS_OF)
        assert result.explanation.reason == "met: 1 < 2"

    def test_min_count_guard_decides(self) -> None:
        """The minimum-count guard is the first clause and decides when too few claims."""
        compiled_rule = compile_rule(rule("rate > 8", min_count=MinCount("denominator", 30)))
        result = compiled_rule.evaluate({"rate": 12.0, "denominator": 12.0}, as_of=AS_OF)
        assert result.outcome is F
        assert result.explanation.reason == "not met: denominator >= 30 (denominator = 12) is false"
        assert compiled_rule.evaluate({"rate": 12.0, "denominator": 31.0}).outcome is T

    def test_reprs(self) -> None:
        """Evaluations render as text, markdown and HTML."""
        result = compiled("n1 > 5 and t1 == '<A>'").evaluate({"n1": 9.0, "t1": "<A>"}, as_of=AS_OF)
        assert repr(result).startswith("<Evaluation r v1: TRUE")
        assert "| `n1 > 5` | TRUE | n1 = 9 |" in result._repr_markdown_()
        assert "&lt;A&gt;" in result._repr_html_()
        assert repr(compiled("n1 > 5")) == "<CompiledRule r v1: n1 > 5>"

    def test_fast_scalar(self) -> None:
        """The fast scalar path gives the same outcome without an explanation."""
        fn = compiled("n1 > 5").scalar(as_of=AS_OF, calendar=CALENDAR)
        assert [fn({"n1": 9}), fn({"n1": 1}), fn({}), fn({"n1": "9"})] == [T, F, U, E]
        both = compiled("n1 > 5 and n2 > 1").scalar(as_of=AS_OF)
        assert [both({"n1": 9, "n2": 2}), both({"n1": 1}), both({"n1": 9}), both({"n1": 9, "n2": "2"})] == [
            T,
            F,
            U,
            E,
        ]
        either = compiled("n1 > 5 or n2 > 1")
        assert either.evaluate_batch({"n1": np.array([9.0, 1.0]), "n2": np.array([0.0, 0.0])}).tolist() == [
            T,
            F,
        ]

    def test_bad_record(self) -> None:
        """A record that is not a mapping is a ValidationError."""
        with pytest.raises(ValidationError, match="a record must be a mapping"):
            compiled("n1 > 5").evaluate([1, 2])  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="a record must be a mapping"):
            compiled("n1 > 5").evaluate_clear([1, 2])  # type: ignore[arg-type]

    def test_clear_condition(self) -> None:
        """The clearing condition evaluates on its own; a rule without one gives None."""
        c = compiled("n1 > 8", clear_when="n1 <= 6")
        assert c.evaluate_clear({"n1": 5.0}).outcome is T  # type: ignore[union-attr]
        assert c.clear_batch({"n1": np.array([5.0, 7.0])}).tolist() == [1, 0]  # type: ignore[union-attr]
        plain = compiled("n1 > 8")
        assert plain.evaluate_clear({"n1": 5.0}) is None
        assert plain.clear_batch({"n1": np.array([5.0])}) is None

    def test_compile_rejects_non_rule(self) -> None:
        """compile_rule needs a Rule."""
        with pytest.raises(ValidationError, match="expected a Rule"):
            compile_rule("n1 > 5")  # type: ignore[arg-type]


class TestBatch:
    def test_columns_of_each_kind(self) -> None:
        """Numbers, text, dates and booleans as numpy columns, with their missing markers."""
        c = compiled("n1 > 5 and t1 in ('A', 'B') and days_since(d1) >= 10 and b1")
        columns = {
            "n1": np.array([9.0, 9.0, np.nan, 1.0, 9.0]),
            "t1": np.array(["A", "B", "A", "A", ""]),
            "d1": np.array(
                ["2026-11-01", "2026-11-20", "2026-11-01", "NaT", "2026-11-01"], dtype="datetime64[D]"
            ),
            "b1": np.array([True, True, True, True, True]),
        }
        assert c.evaluate_batch(columns, as_of=AS_OF).tolist() == [T, F, U, F, U]

    def test_integer_columns(self) -> None:
        """Integer columns are numbers."""
        assert compiled("n1 > 5").evaluate_batch({"n1": np.array([3, 9])}).tolist() == [F, T]

    def test_categorical_text(self) -> None:
        """Text as categorical codes gives the same outcomes as the strings (-1 is missing)."""
        cat = Categorical(codes=np.array([0, 1, -1, 2]), categories=np.array(["A", "B", "C"]))
        c = compiled("t1 in ('A', 'C') or t1 == 'B'")
        assert c.evaluate_batch({"t1": cat}).tolist() == [T, T, U, T]
        assert c.evaluate_batch({"t1": cat.decode()}).tolist() == [T, T, U, T]
        assert len(cat) == 4
        assert compiled("t1 != 'A'").evaluate_batch({"t1": cat}).tolist() == [F, T, U, T]
        both = compile_rule(rule("t1 == t2"), {"t1": FieldType.TEXT, "t2": FieldType.TEXT})
        assert both.evaluate_batch({"t1": cat, "t2": np.array(["A", "A", "A", "C"])}).tolist() == [T, F, U, T]
        flipped = compile_rule(rule("'A' == t1"), {"t1": FieldType.TEXT})
        assert flipped.evaluate_batch({"t1": cat}).tolist() == [T, F, U, F]

    def test_wrong_dtype_is_error(self) -> None:
        """A column of the wrong dtype is ERROR on every row (no coercion)."""
        assert compiled("n1 > 5").evaluate_batch({"n1": np.array(["9", "1"])}).tolist() == [E, E]
        assert compiled("n1 > 5").evaluate_batch({"n1": np.array([True, False])}).tolist() == [E, E]
        cat = Categorical(codes=np.array([0]), categories=np.array(["A"]))
        assert compiled("n1 > 5").evaluate_batch({"n1": cat}).tolist() == [E]

    def test_absent_column_is_missing(self) -> None:
        """A field with no column is missing on every row."""
        c = compiled("n1 > 5 or t1 == 'A'")
        assert c.evaluate_batch({"t1": np.array(["A", "B"])}).tolist() == [T, U]

    def test_shape_errors(self) -> None:
        """Columns of different lengths, 2-D columns and non-mappings are ValidationErrors."""
        c = compiled("n1 > 5 and n2 > 1")
        with pytest.raises(ValidationError, match="same length"):
            c.evaluate_batch({"n1": np.zeros(2), "n2": np.zeros(3)})
        with pytest.raises(ValidationError, match="must be 1-D"):
            c.evaluate_batch({"n1": np.zeros((2, 2)), "n2": np.zeros(2)})
        with pytest.raises(ValidationError, match="columns must be a mapping"):
            c.evaluate_batch([1, 2])  # type: ignore[arg-type]

    def test_literal_only(self) -> None:
        """A condition of literals broadcasts to every row."""
        assert compiled("1 < 2 and not False").evaluate_batch({"n1": np.zeros(3)}).tolist() == [T, T, T]
        assert compiled("'A' in ('A', 'B')").evaluate_batch({"n1": np.zeros(2)}).tolist() == [T, T]
        assert compiled("1 + 1 == 2").evaluate_batch({"n1": np.zeros(2)}).tolist() == [T, T]

    def test_vector_functions_and_long_conjunctions(self) -> None:
        """Subtraction, abs, min, max and three-clause and/or agree with the scalar path."""
        texts = [
            "n1 - n2 > 0 and abs(n1) > 1 and min(n1, n2) < 5",
            "max(n1, n2, 3) == 9 or n1 - 1 > 100 or t1 == 'A'",
        ]
        records: list[dict[str, Any]] = [
            {"n1": 9.0, "n2": 2.0, "t1": "A"},
            {"n1": -9.0, "n2": 2.0, "t1": "B"},
            {"n1": None, "n2": 2.0, "t1": "B"},
            {"n1": 0.5, "n2": None, "t1": ""},
        ]
        for text in texts:
            c = compiled(text)
            expected = [int(c.evaluate(r, as_of=AS_OF).outcome) for r in records]
            assert c.evaluate_batch(to_columns_plain(records), as_of=AS_OF).tolist() == expected
        first = compiled(texts[0])
        assert [first.evaluate(r, as_of=AS_OF).outcome for r in records] == [T, F, U, F]

    def test_large_in_list(self) -> None:
        """A long in-list uses a set membership test with the same result."""
        options = ", ".join(f"'P{i}'" for i in range(12))
        c = compiled(f"t1 in ({options})")
        assert c.evaluate_batch({"t1": np.array(["P3", "Q", "P11"])}).tolist() == [T, F, T]


def to_columns_plain(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "n1": np.array([np.nan if r["n1"] is None else r["n1"] for r in records]),
        "n2": np.array([np.nan if r["n2"] is None else r["n2"] for r in records]),
        "t1": np.array([r["t1"] for r in records]),
    }


# Scalar and vectorized paths agree (hypothesis).

NUM_FIELDS = ("n1", "n2")
DATE_FIELDS = ("d1", "d2")


def number_expr(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.sampled_from(NUM_FIELDS),
        st.sampled_from(["0", "1", "2.5", "-3", "100", "1e300"]),
        st.builds(lambda d: f"days_since({d})", date_expr()),
        st.builds(lambda a, b: f"days_between({a}, {b})", date_expr(), date_expr()),
        st.builds(lambda a, b: f"business_days_between({a}, {b})", date_expr(), date_expr()),
    )
    if depth <= 0:
        return leaves
    sub = number_expr(depth - 1)
    return st.one_of(
        leaves,
        st.builds(lambda a, op, b: f"({a} {op} {b})", sub, st.sampled_from("+-*/"), sub),
        st.builds(lambda a: f"-({a})", sub),
        st.builds(lambda a: f"abs({a})", sub),
        st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max"]), sub, sub),
    )


def date_expr() -> st.SearchStrategy[str]:
    return st.sampled_from([*DATE_FIELDS, "today"])


def bool_expr(depth: int) -> st.SearchStrategy[str]:
    cmp = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    leaves = st.one_of(
        st.just("b1"),
        st.builds(lambda a, op, b: f"{a} {op} {b}", number_expr(1), cmp, number_expr(1)),
        st.builds(
            lambda a, op, b, c: f"{a} {op} {b} < {c}", number_expr(0), cmp, number_expr(0), number_expr(0)
        ),
        st.builds(lambda a, op, b: f"{a} {op} {b}", date_expr(), cmp, date_expr()),
        st.builds(
            lambda op, v: f"t1 {op} {v!r}", st.sampled_from(["==", "!="]), st.sampled_from(["A", "B", ""])
        ),
        st.builds(lambda op: f"t1 {op} ('A', 'C')", st.sampled_from(["in", "not in"])),
        st.builds(lambda a, op: f"{a} {op} (0, 1, 2.5)", number_expr(0), st.sampled_from(["in", "not in"])),
        st.builds(
            lambda a, b, op: f"{a} {op} {b} > 1", number_expr(0), number_expr(0), st.sampled_from("/*")
        ),
    )
    if depth <= 0:
        return leaves
    sub = bool_expr(depth - 1)
    return st.one_of(
        leaves,
        st.builds(lambda a, op, b: f"({a}) {op} ({b})", sub, st.sampled_from(["and", "or"]), sub),
        st.builds(lambda a: f"not ({a})", sub),
    )


numbers = st.one_of(
    st.none(),
    st.just(math.nan),
    st.sampled_from([0.0, 1.0, -1.0, 2.5, 100.0, 1e300, -0.5]),
    st.integers(-5, 5),
)
dates = st.one_of(st.none(), st.dates(datetime.date(2026, 10, 1), datetime.date(2027, 1, 31)))
texts = st.one_of(st.none(), st.sampled_from(["A", "B", "C", ""]))
booleans = st.one_of(st.none(), st.booleans())
record = st.fixed_dictionaries(
    {"n1": numbers, "n2": numbers, "d1": dates, "d2": dates, "t1": texts, "b1": booleans}
)


dense_record = st.fixed_dictionaries(
    {
        "n1": st.sampled_from([0.0, 1.0, 1e300, -2.0]),
        "n2": st.sampled_from([0, 3, 1e300, -1.5]),
        "d1": st.dates(datetime.date(2026, 10, 1), datetime.date(2027, 1, 31)),
        "d2": st.dates(datetime.date(2026, 10, 1), datetime.date(2027, 1, 31)),
        "t1": st.sampled_from(["A", "B", "C"]),
        "b1": st.booleans(),
    }
)


def to_columns(records: list[dict[str, Any]], *, categorical: bool) -> dict[str, Any]:
    n1 = np.array([math.nan if r["n1"] is None else float(r["n1"]) for r in records])
    n2 = np.empty(len(records), dtype=object)
    n2[:] = [r["n2"] for r in records]  # Python objects: the object-column path
    d1 = np.array([r["d1"] if r["d1"] is not None else "NaT" for r in records], dtype="datetime64[D]")
    d2 = np.empty(len(records), dtype=object)
    d2[:] = [r["d2"] for r in records]
    texts_ = [r["t1"] or "" for r in records]
    if categorical:
        categories = np.array(sorted({t for t in texts_ if t}), dtype=str)
        codes = np.array([int(np.searchsorted(categories, t)) if t else -1 for t in texts_], dtype=np.int64)
        t1: Any = Categorical(codes=codes, categories=categories)
    else:
        t1 = np.array(texts_, dtype=str)
    b1 = np.empty(len(records), dtype=object)
    b1[:] = [r["b1"] for r in records]
    return {"n1": n1, "n2": n2, "d1": d1, "d2": d2, "t1": t1, "b1": b1}


class TestScalarEqualsVector:
    @settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(expr=bool_expr(2), records=st.lists(record, min_size=1, max_size=8), categorical=st.booleans())
    def test_same_outcome_on_every_record(
        self, expr: str, records: list[dict[str, Any]], categorical: bool
    ) -> None:
        """The vectorized evaluator gives the scalar outcome on every record, missing values included."""
        c = compiled(expr)
        scalar = c.scalar(as_of=AS_OF, calendar=CALENDAR)
        expected = [int(scalar(r)) for r in records]
        assert [int(c.evaluate(r, as_of=AS_OF, calendar=CALENDAR).outcome) for r in records] == expected
        batch = c.evaluate_batch(to_columns(records, categorical=categorical), as_of=AS_OF, calendar=CALENDAR)
        assert batch.dtype == np.int8
        assert batch.tolist() == expected, expr

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(expr=bool_expr(2), records=st.lists(dense_record, min_size=1, max_size=8))
    def test_same_outcome_with_errors(self, expr: str, records: list[dict[str, Any]]) -> None:
        """With few missing values (so errors from /0 and overflow surface), both paths still agree."""
        c = compiled(expr)
        scalar = c.scalar(as_of=AS_OF, calendar=CALENDAR)
        expected = [int(scalar(r)) for r in records]
        batch = c.evaluate_batch(to_columns(records, categorical=False), as_of=AS_OF, calendar=CALENDAR)
        assert batch.tolist() == expected, expr
