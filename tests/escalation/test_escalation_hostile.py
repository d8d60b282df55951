"""Hostile rules and records: each is refused when the rule is loaded, or is ERROR for its record.

A rule written by a careless or hostile vendor must fail where it is loaded (``Rule(...)``,
``serialize.from_json``, ``compile_rules``), never later inside :func:`step`; a record value
outside its field's domain is ERROR for that record only; and the scalar path, the vectorized
path and the explanation agree on every value.
"""

from __future__ import annotations

import datetime
import math
import time
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comanaged_rcm import serialize
from comanaged_rcm.errors import RuleSyntaxError, ValidationError
from comanaged_rcm.escalation import (
    Categorical,
    FactKind,
    FieldType,
    Hold,
    Level,
    MinCount,
    OnUnknown,
    Outcome,
    Owner,
    Rule,
    RuleSet,
    Rung,
    State,
    compile_rule,
    compile_rules,
    default_rules,
    parse_expression,
    step,
)

NOW = datetime.datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the tests run on a naive clock
DAY = NOW.date()


def rule(**fields: Any) -> Rule:
    base: dict[str, Any] = {
        "id": "r",
        "when": "balance > 10",
        "applies_to": FactKind.CLAIM,
        "level": Level.ONSHORE_LEAD,
        "owner": Owner.party("lead"),
        "dedup_keys": ("claim_id",),
    }
    base.update(fields)
    return Rule(**base)


def refused(call: Any, path: str, fragment: str) -> ValidationError:
    """Run ``call``; it must raise a ValidationError with an issue at ``path`` saying ``fragment``."""
    with pytest.raises(ValidationError) as info:
        call()
    paths = [issue.path for issue in info.value.issues]
    assert path in paths, paths
    assert fragment in str(info.value), str(info.value)
    return info.value


def syntax(text: str, fragment: str, line: int, column: int) -> None:
    """``text`` is a RuleSyntaxError saying ``fragment`` at ``line``/``column``, and Rule() refuses it."""
    with pytest.raises(RuleSyntaxError) as info:
        parse_expression(text)
    assert fragment in info.value.message, info.value.message
    assert (info.value.line, info.value.column) == (line, column)
    refused(lambda: rule(when=text), "$.when", fragment)


# ------------------------------------------------------------------------------ (a) templates
class TestMessageTemplates:
    @pytest.mark.parametrize(
        ("template", "fragment"),
        [
            ("{balance:>10000000000}", "the width of '{balance:>10000000000}' must be at most 40"),
            ("{balance:.1000000000f}", "the precision of '{balance:.1000000000f}' must be at most 12"),
            ("{balance:" + "9" * 3000 + "}", "must be at most 40"),
            ("{balance:c}", "presentation type 'c' is not allowed"),
            ("{balance:x}", "presentation type 'x' is not allowed"),
            ("{balance:s}", "presentation type 's' is not allowed"),
            ("{balance:\n>8}", "the fill character"),
            ("{balance:%Y}", "invalid format spec"),
            ("{balance:>8.2f!}", "invalid format spec"),
            ("{balance!r}", "plain field names"),
            ("{balance:{width}}", "plain field names"),
            ("{a}" * 51, "at most 50 placeholders"),
            ("x" * 4001, "at most 4,000 characters"),
        ],
    )
    def test_unsafe_specs_are_refused_when_the_rule_is_built(self, template: str, fragment: str) -> None:
        """A format spec outside the safe grammar is refused by Rule() and by from_json."""
        refused(lambda: rule(message=template), "$.message", fragment)
        data = serialize.to_dict(rule())
        data["message"] = template
        refused(lambda: serialize.from_dict(data, Rule), "$.message", fragment)

    def test_safe_specs_render(self) -> None:
        """Bounded specs format numbers as Python does; the worst case is fast."""
        r = rule(message="{balance:,.2f}|{balance:>40.12e}|{balance:+08.1%}|{balance:_d}")
        start = time.perf_counter()
        _, (event,) = step([r], State(), [{"claim_id": "C1", "balance": 6120}], NOW)
        assert time.perf_counter() - start < 1
        assert event.message == f"6,120.00|{6120:>40.12e}|{6120:+08.1%}|6_120"

    def test_spec_on_a_text_field_is_refused_at_compile(self) -> None:
        """With the field's type known, a spec on a non-number field is refused."""
        r = rule(when="payer == 'A'", message="{payer:>10}")
        refused(lambda: compile_rule(r), "$.rule.message", "applies to numbers only ('payer' is text)")
        rule_set = RuleSet(rules=(r,), schema={"payer": FieldType.TEXT, "claim_id": FieldType.TEXT})
        refused(lambda: compile_rules(rule_set), "$.rules[0].message", "rule 'r': the format spec")

    def test_facts_cannot_forge_message_lines(self) -> None:
        """A text fact holding a line feed or bidi override is shown escaped, and long ones cut."""
        r = rule(when="balance > 10", message="claim {claim_id}: {note}")
        records = [{"claim_id": "C1", "balance": 20.0, "note": "ok\nFORGED \u202e line"}]
        _, (event,) = step([r], State(), records, NOW)
        assert "\n" not in event.message
        assert "\u202e" not in event.message
        assert "\\n" in event.message
        records = [{"claim_id": "C1", "balance": 20.0, "note": "y" * 10_000}]
        _, (event,) = step([r], State(), records, NOW)
        assert len(event.message) < 300
        assert "10,000 characters" in event.message

    def test_huge_integer_with_a_float_spec(self) -> None:
        """An integer too large for a float spec is shown without it, not an OverflowError."""
        r = rule(on_unknown=OnUnknown.ESCALATE, message="{balance:,.2f}")
        _, (event,) = step([r], State(), [{"claim_id": "C1", "balance": 2**1100}], NOW)
        assert event.outcome is Outcome.ERROR
        assert event.message == "an integer of about 332 digits"


# ------------------------------------------------------------------------------ (b) literals
class TestLiterals:
    def test_long_number_literals_are_refused_at_load(self) -> None:
        """A literal of hundreds of digits is a RuleSyntaxError, through Rule() and from_json too."""
        text = "balance > 1" + "0" * 400
        syntax(text, "number literal has 401 digits (limit 30)", 1, 11)
        data = serialize.to_dict(rule())
        data["when"] = text
        refused(lambda: serialize.from_dict(data, Rule), "$.when", "401 digits")
        syntax("balance > -1" + "0" * 40, "41 digits", 1, 12)
        syntax("balance in (1, " + "9" * 31 + ")", "31 digits", 1, 16)
        syntax("balance > 1e400", "is not finite", 1, 11)
        assert parse_expression("balance > " + "9" * 30).root.operands[1].value == float("9" * 30)  # type: ignore[attr-defined]

    def test_string_literals_hold_no_control_characters(self) -> None:
        """An escape that makes a NUL, line feed or bidi override in a literal is refused."""
        syntax("payer == 'A\\x00'", "string literal holds a control or invisible character (U+0000)", 1, 10)
        syntax("payer == 'A\\n'", "U+000A", 1, 10)
        syntax("payer == '\\u202e'", "U+202E", 1, 10)
        syntax("payer == '\\uff21'", "NFKC", 1, 10)


# ------------------------------------------------------------------------------ (c) domains
OUTSIDE: list[tuple[str, object]] = [
    ("date", "2026-01-01"),
    ("date", datetime.datetime(2026, 1, 1, 9)),  # noqa: DTZ001 - a datetime is not a date
    ("date", np.datetime64("12000-01-01")),
    ("date", np.datetime64("-0005-01-01")),
    ("date", 3),
    ("number", 2**1024),
    ("number", -(2**2000)),
    ("number", np.timedelta64(3, "D")),
    ("number", np.datetime64("2026-01-01")),
    ("number", math.inf),
    ("number", -math.inf),
    ("number", np.float32("inf")),
    ("number", "6000"),
    ("number", True),
    ("text", 5),
    ("text", b"AETNA"),
    ("text", "AETNA\x00"),
    ("boolean", 1),
    ("boolean", "True"),
]


def _record(kind: str, value: object) -> dict[str, Any]:
    record: dict[str, Any] = {
        "claim_id": "C1",
        "balance": 500.0,
        "payer": "AETNA",
        "touched": datetime.date(2026, 1, 1),
        "flag": True,
    }
    record[{"date": "touched", "number": "balance", "text": "payer", "boolean": "flag"}[kind]] = value
    return record


class TestOutOfDomain:
    condition = "balance > 100 and payer == 'AETNA' and days_since(touched) > 3 and flag"

    @pytest.mark.parametrize(("kind", "value"), OUTSIDE, ids=[f"{k}-{type(v).__name__}" for k, v in OUTSIDE])
    def test_outside_value_is_error_for_its_record_only(self, kind: str, value: object) -> None:
        """One bad value is ERROR in evaluate, evaluate_batch and step, for that record only."""
        r = rule(when=self.condition, on_unknown=OnUnknown.ESCALATE)
        compiled = compile_rule(r)
        bad, good = _record(kind, value), _record("number", 500.0) | {"claim_id": "C2"}
        evaluation = compiled.evaluate(bad, as_of=DAY)
        assert evaluation.outcome is Outcome.ERROR
        assert evaluation.explanation.reason.startswith("error in")
        assert compiled.scalar(as_of=DAY)(bad) is Outcome.ERROR
        assert compiled.evaluate(good, as_of=DAY).outcome is Outcome.TRUE
        columns = {name: np.array([bad[name], good[name]], dtype=object) for name in bad}
        assert compiled.evaluate_batch(columns, as_of=DAY).tolist() == [Outcome.ERROR, Outcome.TRUE]
        _, events = step([r], State(), [bad, good], NOW)
        assert sorted((e.labels["claim_id"], e.outcome) for e in events) == [
            ("C1", Outcome.ERROR),
            ("C2", Outcome.TRUE),
        ]

    def test_typed_columns_outside_the_domain(self) -> None:
        """Native columns: +-inf numbers and dates past 9999 are ERROR; NaN and NaT are missing."""
        compiled = compile_rule(rule(when="balance > 1 or days_since(touched) > 1"))
        columns = {
            "balance": np.array([np.inf, -np.inf, np.nan, 5.0, np.nan]),
            "touched": np.array(["2026-01-01", "2026-01-01", "12000-01-01", "NaT", "NaT"], dtype="M8[D]"),
        }
        codes = compiled.evaluate_batch(columns, as_of=DAY).tolist()
        assert codes == [Outcome.ERROR, Outcome.ERROR, Outcome.ERROR, Outcome.TRUE, Outcome.UNKNOWN]
        for row, code in enumerate(codes):
            record = {name: column[row] for name, column in columns.items()}
            assert compiled.evaluate(record, as_of=DAY).outcome == code

    def test_a_string_in_a_date_column_does_not_stop_step(self) -> None:
        """A list of records with one string date: that record is ERROR, the others are decided."""
        r = rule(when="days_since(touched) > 3", on_unknown=OnUnknown.HOLD)
        records: list[dict[str, Any]] = [
            {"claim_id": "C1", "touched": "2026-01-01"},
            {"claim_id": "C2", "touched": datetime.date(2026, 1, 1)},
        ]
        _, events = step([r], State(), records, NOW)
        assert [(e.labels["claim_id"], e.outcome) for e in events] == [("C2", Outcome.TRUE)]


# ------------------------------------------------------------------------------ (d) NUL
class TestScalarEqualsBatch:
    @pytest.mark.parametrize(
        "value", ["AETNA\x00", "AETNA\x00\x00", "\x00", "AET\x00NA", "AETNA\n", "AETNA\t", "\u202eAETNA"]
    )
    def test_nul_and_control_characters(self, value: str) -> None:
        """Object columns, typed columns, records and step all agree with the scalar path."""
        compiled = compile_rule(rule(when="payer == 'AETNA' or payer in ('X', 'Y')"))
        scalar = compiled.evaluate({"payer": value}, as_of=DAY).outcome
        if value.endswith("\x00"):
            assert scalar is Outcome.ERROR
        assert compiled.evaluate_batch({"payer": np.array([value], dtype=object)}, as_of=DAY)[0] == scalar
        typed = np.array([value])  # numpy drops trailing NULs: both paths then read what it holds
        again = compiled.evaluate({"payer": typed[0]}, as_of=DAY).outcome
        assert compiled.evaluate_batch({"payer": typed}, as_of=DAY)[0] == again
        categorical = Categorical(codes=np.array([0]), categories=np.array([value], dtype=object))
        assert compiled.evaluate_batch({"payer": categorical}, as_of=DAY)[0] == scalar

    def test_explanation_never_contradicts_the_decision(self) -> None:
        """A trailing NUL no longer fires on the batch path while the explanation says 'not met'."""
        r = rule(when="payer == 'A'", on_unknown=OnUnknown.ESCALATE)
        _, (event,) = step([r], State(), [{"claim_id": "C1", "payer": "A\x00"}], NOW)
        assert event.outcome is Outcome.ERROR
        assert event.reason.startswith("error in payer == 'A': field 'payer' ends in a NUL character")


# ------------------------------------------------------------------------------ (e) keys
class TestKeysAgainstTheFacts:
    def test_a_dedup_key_missing_from_the_records(self) -> None:
        """A misspelled dedup key is an error naming the rule and the key, not one merged alert."""
        r = rule(dedup_keys=("claimid",))
        records = [{"claim_id": "C1", "balance": 20.0}, {"claim_id": "C2", "balance": 30.0}]
        refused(
            lambda: step([r], State(), records, NOW),
            "$.facts.claimid",
            "rule 'r' reads dedup key 'claimid', which the facts do not hold (did you mean 'claim_id'?)",
        )
        refused(lambda: step([rule(group_by=("payr",))], State(), records, NOW), "$.facts.payr", "group_by")

    def test_by_kind_path_and_empty_snapshot(self) -> None:
        """The path names the kind's facts; an empty snapshot (everything resolved) is no error."""
        r = rule(dedup_keys=("claimid",))
        refused(
            lambda: step([r], State(), {FactKind.CLAIM: [{"balance": 20.0}]}, NOW),
            "$.facts.claim.claimid",
            "dedup key",
        )
        assert step([r], State(), [], NOW) == (State(), ())

    def test_keys_with_a_newline_are_refused_by_the_rule(self) -> None:
        """A key with a trailing newline never reaches step: the rule refuses it."""
        refused(lambda: rule(dedup_keys=("claim_id\n",)), "$.dedup_keys[0]", "field name")
        refused(lambda: rule(group_by=("payer\n",)), "$.group_by[0]", "field name")

    def test_keys_against_the_schema(self) -> None:
        """Under a schema, dedup keys, group_by and min_count fields must be schema fields."""
        schema = {"balance": FieldType.NUMBER, "claim_id": FieldType.TEXT}
        r = rule(group_by=("payer",), min_count=MinCount("count", 3))
        error = refused(
            lambda: compile_rules(RuleSet(rules=(r,), schema=schema)), "$.rules[0].group_by[0]", ""
        )
        assert "$.rules[0].min_count.field" in [i.path for i in error.issues]


# ------------------------------------------------------------------------------ (f) strict schema
class TestStrictSchema:
    def test_every_broken_rule_is_reported_at_once(self) -> None:
        """Misspelled and homoglyph fields are refused, one issue per broken rule."""
        schema = {"balance": FieldType.NUMBER, "claim_id": FieldType.TEXT, "payer": FieldType.TEXT}
        rules = (
            rule(id="a", when="balanse > 1"),
            rule(id="b", when="balance > 1"),
            rule(id="c", when="balance > 1 and payr == 'x'"),
            rule(id="d", when="balance > 1", clear_when="balance < 1 and Payer == 'x'"),
        )
        error = refused(
            lambda: compile_rules(RuleSet(rules=rules, schema=schema)),
            "$.rules[0].when",
            "rule 'a': unknown field 'balanse' (did you mean 'balance'?) at line 1, column 1",
        )
        assert [i.path for i in error.issues] == [
            "$.rules[0].when",
            "$.rules[2].when",
            "$.rules[3].clear_when",
        ]
        assert "rule 'c': unknown field 'payr'" in str(error)
        refused(lambda: rule(when="b\u0430lance > 1"), "$.when", "field names are ASCII letters")
        refused(lambda: rule(when="\uff42alance > 1"), "$.when", "NFKC")

    def test_no_schema_still_infers(self) -> None:
        """Without any schema, fields are inferred, as the guide says."""
        (compiled,) = compile_rules([rule(when="balance > 1 and payer == 'x'")])
        assert compiled.schema == {"balance": FieldType.NUMBER, "payer": FieldType.TEXT}

    def test_the_default_rules_compile_strictly(self) -> None:
        """The default rules name only fields of their own schema."""
        assert len(compile_rules(default_rules())) == 6


# ------------------------------------------------------------------------------ (g) ranges
class TestRuleFieldRanges:
    def test_bounds(self) -> None:
        """Holds, deadlines, ladders, keys and counts are bounded where the rule is built."""
        refused(lambda: Hold(hours=10**12), "$.hours", "<= 87,840")
        refused(lambda: Hold(minutes=87_840 * 60 + 1), "$.minutes", "at most 87,840 hours in all")
        refused(lambda: Hold(hours=87_840, seconds=1), "$.seconds", "at most 87,840 hours in all")
        refused(lambda: Hold(seconds=-1), "$.seconds", ">= 0")
        refused(lambda: rule(deadline=10**9), "$.deadline", "<= 3,660")
        refused(lambda: rule(escalate_after=0), "$.escalate_after", ">= 1")
        rung = Rung(level=Level.ONSHORE_LEAD, owner=Owner.party("x"))
        refused(lambda: rule(ladder=[rung] * 33), "$.ladder", "at most 32 items")
        refused(lambda: rule(dedup_keys=[f"k{i}" for i in range(33)]), "$.dedup_keys", "at most 32")
        refused(lambda: rule(description="x" * 100_001), "$.description", "at most 100,000")
        refused(lambda: MinCount("n", 2**60), "$.at_least", "<=")

    def test_the_largest_valid_values_step(self) -> None:
        """A rule at every bound still steps (or fails at $.now, the argument that overflows)."""
        hold = Hold(evaluations=1_000_000, hours=87_840)
        rung = Rung(level=Level.ONSHORE_LEAD, owner=Owner.party("x"), ack_within=3660, escalate_after=3660)
        r = rule(
            pending_for=hold,
            keep_firing_for=hold,
            deadline=3660,
            escalate_after=3660,
            ladder=[rung] * 32,
            min_count=MinCount("n", 2**53),
            message="{balance:>40.12e}" * 50,
        )
        _, events = step([r], State(), [{"claim_id": "C1", "balance": 20.0, "n": 2.0**53}], NOW)
        assert [e.kind.value for e in events] == ["pending"]
        fast = attrs.evolve(r, pending_for=Hold())
        _, (event,) = step([fast], State(), [{"claim_id": "C1", "balance": 20.0, "n": 2.0**53}], NOW)
        assert len(event.message) == 2000
        late = datetime.datetime(9990, 1, 1)  # noqa: DTZ001 - naive, as the state
        refused(
            lambda: step([fast], State(), [{"claim_id": "C1", "balance": 20.0, "n": 2.0**53}], late),
            "$.now",
            "after 9999-12-31",
        )


# ------------------------------------------------------------------------------ (h) rule text
class TestRuleText:
    def test_text_that_reads_differently(self) -> None:
        """Comments, control characters, bare CR, bidi and NFKC-changed characters, with positions."""
        syntax("balance > 1 # or True", "comments ('#') are not allowed", 1, 13)
        syntax("balance > 1\n# and payer == 'x'\n", "comments", 2, 1)
        syntax("balance > 1 or \uff34\uff52\uff55\uff45", "U+FF34, which Unicode normalisation (NFKC)", 1, 16)
        syntax("balance > 1\rand x", "U+000D", 1, 12)
        syntax("balance > 1 \u202e", "U+202E", 1, 13)
        syntax("balance >\n 1 \u2066", "U+2066", 2, 4)
        syntax("balance > 1\x00", "U+0000", 1, 12)
        syntax("balance\u00a0> 1", "NFKC", 1, 8)

    def test_a_hash_inside_a_string_is_text(self) -> None:
        """'#' inside a string literal is not a comment."""
        assert parse_expression("claim_id == 'A#1'").fields() == frozenset({"claim_id"})


# ------------------------------------------------------------------------------ (j) labels
class TestLabelsAndAnnotations:
    def test_labels_and_annotations_reach_the_events(self) -> None:
        """Rule labels merge into event labels (entity labels win); annotations are carried."""
        r = rule(
            group_by=("payer",),
            labels={"team": "east", "payer": "from-rule"},
            annotations={"runbook_url": "https://wiki.example/r", "description": "line one\nline two"},
        )
        _, (event,) = step([r], State(), [{"claim_id": "C1", "payer": "AETNA", "balance": 20.0}], NOW)
        assert event.labels == {"claim_id": "C1", "payer": "AETNA", "team": "east"}
        assert event.annotations == {
            "runbook_url": "https://wiki.example/r",
            "description": "line one\nline two",
        }
        assert serialize.from_json(serialize.to_json(r), Rule) == r

    def test_label_names_and_values(self) -> None:
        """Label names are Prometheus names; values are bounded text, one line for labels."""
        refused(lambda: rule(labels={"1team": "x"}), "$.labels['1team']", "label names")
        refused(lambda: rule(labels={"team": "a\nb"}), "$.labels.team", "control or invisible")
        refused(lambda: rule(labels={"team": "x" * 1001}), "$.labels.team", "at most 1,000")
        refused(lambda: rule(labels={f"l{i}": "x" for i in range(101)}), "$.labels", "at most 100 labels")
        refused(lambda: rule(annotations={"summary": 3}), "$.annotations.summary", "string")
        refused(lambda: rule(labels=["team"]), "$.labels", "mapping")

    def test_old_rules_load_and_keep_their_hash(self) -> None:
        """JSON without the new fields loads; rules not using them keep their content hashes."""
        data = serialize.to_dict(rule())
        for name in ("labels", "annotations"):
            del data[name]
        for hold in ("pending_for", "keep_firing_for"):
            del data[hold]["minutes"], data[hold]["seconds"]
        assert serialize.from_dict(data, Rule) == rule()
        hashes = {r.id: r.content_hash() for r in default_rules().rules}
        assert hashes == {
            "write_off_over_limit": "1a465a87fc7d93a7",  # names its amount at stake (balance)
            "high_dollar_denial": "299e10509bbfcdf8",
            "denial_untouched": "668eb2588e7554de",
            "payer_denial_rate": "044735ca84b14ef9",
            "days_in_ar_breach": "c3a418f1c18a651b",
            "clean_claim_rate_low": "706f5c6574895313",
        }
        assert rule(labels={"team": "x"}).content_hash() != rule().content_hash()
        assert (
            rule(pending_for=Hold(minutes=60)).content_hash()
            != rule(pending_for=Hold(hours=1)).content_hash()
        )

    def test_hold_in_minutes_is_exact(self) -> None:
        """Hold(minutes=10) fires at ten minutes, not at a whole hour."""
        r = rule(pending_for=Hold(minutes=10))
        records = [{"claim_id": "C1", "balance": 20.0}]
        state, events = step([r], State(), records, NOW)
        assert [e.kind.value for e in events] == ["pending"]
        state, events = step([r], state, records, NOW + datetime.timedelta(minutes=9, seconds=59))
        assert events == ()
        state, events = step([r], state, records, NOW + datetime.timedelta(minutes=10))
        assert [e.kind.value for e in events] == ["firing"]
        assert repr(Hold(hours=2)) == "Hold(evaluations=0, hours=2)"
        assert Hold(hours=1, minutes=30, seconds=5).duration == datetime.timedelta(seconds=5405)


# ------------------------------------------------------------------------------ (i) property
FIELDS = {"n": FieldType.NUMBER, "t": FieldType.TEXT, "d": FieldType.DATE, "b": FieldType.BOOLEAN}


def _conditions() -> st.SearchStrategy[str]:
    numbers = st.sampled_from(
        ["n", "abs(n)", "n + 1", "n / 2", "n - n", "days_since(d)", "1 / n", "min(n, 3)"]
    )
    comparisons = st.one_of(
        st.builds(
            lambda a, op, k: f"{a} {op} {k}",
            numbers,
            st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
            st.sampled_from(["0", "1.5", "-3", "1000"]),
        ),
        st.sampled_from(
            [
                "t == 'A'",
                "t != 'A'",
                "t in ('A', 'B')",
                "t not in ('A',)",
                "d < today",
                "d == today",
                "b",
                "b == True",
                "business_days_between(d, today) > 2",
                "0 < n <= 10",
            ]
        ),
    )
    return st.recursive(
        comparisons,
        lambda inner: st.one_of(
            inner.map(lambda x: f"not ({x})"),
            st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
            st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
        ),
        max_leaves=6,
    )


_ANY = st.one_of(
    st.none(),
    st.integers(min_value=-(2**1100), max_value=2**1100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
    st.sampled_from(["A", "A\x00", "\x00", "B\t", "", "A\n", "\u202e"]),
    st.dates(),
    st.datetimes(),
    st.booleans(),
    st.sampled_from(
        [
            np.float64("nan"),
            np.float32(2.5),
            np.int64(7),
            np.bool_(1),
            np.str_("A"),
            np.datetime64("12000-01-01"),
            np.datetime64("NaT"),
            np.datetime64("2026-01-01"),
            np.timedelta64(3, "D"),
            b"A",
        ]
    ),
)
_DOMAIN = {
    "n": st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**20), 10**20), st.none()),
    "t": st.one_of(st.text(max_size=4), st.sampled_from(["A", "B\t", "A\x00"]), st.none()),
    "d": st.one_of(st.dates(), st.none()),
    "b": st.one_of(st.booleans(), st.none()),
}
_RECORD = st.fixed_dictionaries({name: st.one_of(_DOMAIN[name], _ANY) for name in FIELDS})
_PREFIX = {
    Outcome.TRUE: "met",
    Outcome.FALSE: "not met",
    Outcome.UNKNOWN: "unknown",
    Outcome.ERROR: "error in",
}


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(condition=_conditions(), records=st.lists(_RECORD, min_size=1, max_size=6))
def test_scalar_batch_and_explanation_always_agree(condition: str, records: list[dict[str, Any]]) -> None:
    """For random rules and records in and outside each field's domain, all paths agree, none raises."""
    r = rule(when=condition, dedup_keys=(), message="{n:,.2f} {t} {d} {b}", on_unknown=OnUnknown.ESCALATE)
    compiled = compile_rule(r, FIELDS)
    scalar = compiled.scalar(as_of=DAY)
    outcomes = []
    for record in records:
        evaluation = compiled.evaluate(record, as_of=DAY)
        assert scalar(record) is evaluation.outcome
        reason = evaluation.explanation.reason
        assert reason.startswith(_PREFIX[evaluation.outcome]), (evaluation.outcome, reason)
        if evaluation.outcome is Outcome.TRUE:
            assert not reason.startswith("not met")
        outcomes.append(evaluation.outcome)
    columns = {name: np.array([rec[name] for rec in records] + [None], dtype=object)[:-1] for name in FIELDS}
    assert compiled.evaluate_batch(columns, as_of=DAY).tolist() == outcomes
    for name, column in columns.items():  # typed columns where numpy can hold the values
        kinds = {type(value) for value in column.tolist()}
        natives: dict[str, tuple[set[type], Any]] = {
            "n": ({float}, np.float64),
            "t": ({str}, np.str_),
            "d": ({datetime.date}, "datetime64[D]"),
            "b": ({bool}, np.bool_),
        }
        typed, dtype = natives[name]
        if kinds <= typed:
            native = {**columns, name: np.array(column.tolist(), dtype=dtype)}
            rows = [{k: v[i] for k, v in native.items()} for i in range(len(records))]
            expected = [compiled.evaluate(row, as_of=DAY).outcome for row in rows]
            assert compiled.evaluate_batch(native, as_of=DAY).tolist() == expected
    _, events = step([r], State(), records, NOW)
    for event in events:
        assert event.outcome is not None
        assert event.reason.startswith(_PREFIX[event.outcome])
