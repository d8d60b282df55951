from __future__ import annotations

import ast
import builtins
from pathlib import Path
from typing import Any

import pytest

from comanaged_rcm.errors import RuleSyntaxError
from comanaged_rcm.escalation import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    FieldType,
    check_types,
    parse_expression,
)
from comanaged_rcm.escalation._expr import BoolOp, Call, Compare, Field, Literal, Neg, Not, Options, Today

HOSTILE = [
    "__import__('os')",
    "__import__('os').system('touch /tmp/escalation-pwned')",
    "().__class__.__bases__",
    "().__class__.__bases__[0].__subclasses__()",
    "balance.__class__",
    "lambda: 1",
    "(lambda x: x)(1) > 0",
    "(x := 5) > 1",
    "f'{balance}' == 'x'",
    "claim.balance > 5000",
    "records[0] > 1",
    "balance[1:2] == 1",
    "[x for x in (1, 2)] == 1",
    "{x for x in (1, 2)}",
    "{'a': 1}",
    "(x for x in (1,))",
    "__builtins__",
    "_private > 1",
    "eval('1') == 1",
    "exec('x=1')",
    "open('/etc/passwd')",
    "getattr(balance, 'real') > 0",
    "globals()",
    "1 if balance else 2",
    "*balance",
    "balance ** 2 > 4",
    "9 ** 9 ** 9 ** 9",
    "balance % 2 == 0",
    "balance // 2 == 0",
    "balance << 2 > 0",
    "~balance",
    "+balance > 0",
    "balance is None",
    "balance == None",
    "b'bytes' == 1",
    "1j == 1",
    "...",
    "1e999 > 0",
    "max(balance, key=abs) > 0",
    "abs(*args) > 0",
    "days_since() > 1",
    "abs(1, 2) > 0",
    "min(1) > 0",
    "payer in payers",
    "payer in (a, b)",
    "payer in ()",
    "(1, 2) == payer",
    "import os",
    "balance >",
    "",
    "   ",
    "balance > 0\x00",
]


class TestHostileInput:
    @pytest.mark.parametrize("text", HOSTILE)
    def test_rejected_with_rule_syntax_error(self, text: str) -> None:
        """Anything outside the grammar is a RuleSyntaxError with a line and column."""
        with pytest.raises(RuleSyntaxError) as info:
            parse_expression(text)
        assert info.value.line >= 1
        assert info.value.column >= 1
        assert isinstance(info.value, ValueError)

    @pytest.mark.parametrize("text", HOSTILE)
    def test_never_executed(self, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Parsing only ever compiles to a syntax tree: eval/exec never run and compile only builds an AST."""
        real_compile = builtins.compile
        calls: list[str] = []

        def guarded_compile(
            source: Any, filename: Any, mode: str, flags: int = 0, *args: Any, **kwargs: Any
        ) -> Any:
            assert flags & ast.PyCF_ONLY_AST, "compile called without PyCF_ONLY_AST"
            calls.append(mode)
            return real_compile(source, filename, mode, flags, *args, **kwargs)

        def forbidden(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("eval/exec called")

        monkeypatch.setattr(builtins, "compile", guarded_compile)
        monkeypatch.setattr(builtins, "eval", forbidden)
        monkeypatch.setattr(builtins, "exec", forbidden)
        with pytest.raises(RuleSyntaxError):
            parse_expression(text)
        assert set(calls) <= {"eval"}

    def test_import_attempt_has_no_side_effect(self, tmp_path: Path) -> None:
        """An os.system payload is rejected and nothing is created on disk."""
        target = tmp_path / "pwned"
        with pytest.raises(RuleSyntaxError):
            parse_expression(f"__import__('os').system('touch {target}')")
        assert not target.exists()

    def test_attribute_points_at_column(self) -> None:
        """The error names the construct and points at its column."""
        with pytest.raises(RuleSyntaxError) as info:
            parse_expression("balance > 1 and claim.payer == 'X'")
        assert "attribute access" in info.value.message
        assert info.value.column == 17

    def test_dunder_message(self) -> None:
        """Dunder and private names are rejected by name."""
        with pytest.raises(RuleSyntaxError, match="names starting with '_'"):
            parse_expression("__class__ == 1")

    def test_unknown_function_did_you_mean(self) -> None:
        """A misspelled function gets a suggestion."""
        with pytest.raises(
            RuleSyntaxError, match=r"unknown function 'days_sinse' \(did you mean 'days_since'\?\)"
        ):
            parse_expression("days_sinse(last_touch) > 3")

    def test_unknown_function_without_suggestion(self) -> None:
        """An unrelated unknown function gets no suggestion."""
        with pytest.raises(RuleSyntaxError, match=r"unknown function 'system' at line"):
            parse_expression("system(1) > 3")

    def test_syntax_error_position(self) -> None:
        """Python syntax errors keep their line and column."""
        with pytest.raises(RuleSyntaxError, match="invalid syntax") as info:
            parse_expression("balance >\n > 3")
        assert info.value.line >= 1


class TestLimits:
    def test_too_long(self) -> None:
        """Over MAX_LENGTH characters is its own error."""
        text = "balance > 1 and " * (MAX_LENGTH // 16 + 1) + "balance > 1"
        with pytest.raises(RuleSyntaxError, match="too long"):
            parse_expression(text)

    def test_too_deep(self) -> None:
        """Nesting deeper than MAX_DEPTH is its own error."""
        text = "not " * (MAX_DEPTH + 2) + "flag"
        with pytest.raises(RuleSyntaxError, match="nested too deeply"):
            parse_expression(text)

    def test_deep_parentheses_do_not_crash(self) -> None:
        """Thousands of nested parentheses give a RuleSyntaxError, never a RecursionError."""
        text = "(" * 900 + "1" + ")" * 900
        with pytest.raises(RuleSyntaxError):
            parse_expression(text)

    def test_deep_unary_within_length(self) -> None:
        """A long chain of unary minus within the length limit is rejected cleanly."""
        with pytest.raises(RuleSyntaxError):
            parse_expression("-" * (MAX_LENGTH - 5) + "1 > 0")

    def test_too_many_nodes(self) -> None:
        """More than MAX_NODES syntax nodes is its own error."""
        text = " + ".join(["a"] * (MAX_NODES // 2 + 5)) + " > 0"
        assert len(text) <= MAX_LENGTH
        with pytest.raises(RuleSyntaxError, match="too many nodes"):
            parse_expression(text)

    def test_not_a_string(self) -> None:
        """A non-string expression is rejected."""
        with pytest.raises(RuleSyntaxError, match="must be a string"):
            parse_expression(5)  # type: ignore[arg-type]


class TestTree:
    def test_chained_comparison(self) -> None:
        """A chained comparison keeps every operator and operand."""
        root = parse_expression("0 < a <= 10").root
        assert isinstance(root, Compare)
        assert root.ops == ("<", "<=")
        assert [type(o) for o in root.operands] == [Literal, Field, Literal]

    def test_in_options(self) -> None:
        """The literal tuple after in becomes Options; negative numbers are literals."""
        root = parse_expression("code not in (1, -2, 3.5)").root
        assert isinstance(root, Compare)
        options = root.operands[1]
        assert isinstance(options, Options)
        assert options.values == (1.0, -2.0, 3.5)

    def test_nodes_and_fields(self) -> None:
        """Calls, today, not, negation and boolean operators are whitelisted nodes."""
        expr = parse_expression("not flag or -days_since(d) < 3 and today == d")
        kinds = {type(n) for n in expr.root.walk()}
        assert {BoolOp, Not, Neg, Call, Today, Field, Compare, Literal} <= kinds
        assert expr.fields() == frozenset({"flag", "d"})
        assert str(expr) == expr.text

    def test_source_segments(self) -> None:
        """Each node keeps its source text for explanations."""
        root = parse_expression("balance > 5000 and payer == 'A'").root
        assert isinstance(root, BoolOp)
        assert [v.source for v in root.values] == ["balance > 5000", "payer == 'A'"]


class TestTypes:
    SCHEMA = {  # noqa: RUF012 - read-only test constant
        "balance": FieldType.NUMBER,
        "payer": FieldType.TEXT,
        "posted": FieldType.DATE,
        "flag": FieldType.BOOLEAN,
    }

    def test_unknown_field_did_you_mean(self) -> None:
        """A misspelled field is an error at load time with a suggestion and its position."""
        with pytest.raises(
            RuleSyntaxError, match=r"unknown field 'balanse' \(did you mean 'balance'\?\)"
        ) as info:
            check_types(parse_expression("flag and balanse > 3"), self.SCHEMA)
        assert info.value.column == 10

    @pytest.mark.parametrize(
        ("text", "match"),
        [
            ("balance == '6000'", "cannot compare number with text"),
            ("posted > 5", "cannot compare date with number"),
            ("payer > 'A'", "'>' is not defined for text"),
            ("flag < True", "'<' is not defined for boolean"),
            ("balance and flag", "must be boolean"),
            ("not payer", "must be boolean"),
            ("payer + 1 > 2", "must be number"),
            ("-posted > 1", "must be number"),
            ("days_since(balance) > 1", "must be date"),
            ("balance + 1", "must be a true/false condition"),
            ("payer in (1, 2)", "must be number"),
            ("balance in ('a', 1)", "mixes types"),
            ("flag in (True, False)", "needs numbers or strings"),
            ("balance in (1, 2) < 3", "only allowed after 'in'"),
        ],
    )
    def test_type_errors(self, text: str, match: str) -> None:
        """No coercion and no truthiness: mismatched types are errors at load time."""
        with pytest.raises(RuleSyntaxError, match=match):
            check_types(parse_expression(text), self.SCHEMA)

    def test_inference(self) -> None:
        """Without a schema each field's type comes from its use."""
        _, types = check_types(parse_expression("a > 1 and b == 'x' and days_since(c) > 2 and d and e == a"))
        assert types == {
            "a": FieldType.NUMBER,
            "b": FieldType.TEXT,
            "c": FieldType.DATE,
            "d": FieldType.BOOLEAN,
            "e": FieldType.NUMBER,
        }

    def test_inference_through_later_use(self) -> None:
        """A field compared with another is typed by the other's later use."""
        _, types = check_types(parse_expression("x == y and y > 3"))
        assert types == {"x": FieldType.NUMBER, "y": FieldType.NUMBER}

    def test_inference_conflict(self) -> None:
        """Using one field as two types is an error."""
        with pytest.raises(RuleSyntaxError, match="cannot compare number with text"):
            check_types(parse_expression("a > 1 and a == 'x'"))

    def test_cannot_infer(self) -> None:
        """A field whose type nothing implies must be declared."""
        with pytest.raises(RuleSyntaxError, match="cannot infer the type of field 'x'"):
            check_types(parse_expression("x == y"))

    def test_partial_schema_with_inference(self) -> None:
        """With infer=True, declared fields are checked and the rest inferred."""
        _, types = check_types(parse_expression("balance > 1 and z == 'q'"), self.SCHEMA, infer=True)
        assert types == {"balance": FieldType.NUMBER, "z": FieldType.TEXT}

    def test_literal_only_comparison(self) -> None:
        """Comparisons of literals type-check."""
        assert check_types(parse_expression("1 < 2"))[0] is FieldType.BOOLEAN
