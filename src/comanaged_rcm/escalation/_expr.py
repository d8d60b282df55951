"""The rule language: parse a Python-like expression into a tree of whitelisted nodes, then type it.

Parsing uses :func:`ast.parse` (``mode="eval"``), which only builds a syntax tree and never runs
anything; the tree is then walked into our own node classes, and any Python construct outside the
whitelist is a :class:`~comanaged_rcm.errors.RuleSyntaxError` with its line and column. The text is
never passed to ``eval``, ``exec`` or ``compile``.

>>> expr = parse_expression('balance > 5000 and payer in ("AETNA", "CIGNA")')
>>> sorted(expr.fields())
['balance', 'payer']
>>> parse_expression("__import__('os')")
Traceback (most recent call last):
...
comanaged_rcm.errors.RuleSyntaxError: names starting with '_' are not allowed ('__import__')
at line 1, column 1
"""

from __future__ import annotations

import ast
import difflib
import enum
import io
import math
import re
import tokenize
import unicodedata
from collections.abc import Iterator, Mapping

import attrs

from comanaged_rcm import _check
from comanaged_rcm._check import v
from comanaged_rcm.errors import RuleSyntaxError, ValidationError

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_LENGTH",
    "MAX_NODES",
    "Arith",
    "BoolOp",
    "Call",
    "Compare",
    "Expression",
    "Field",
    "FieldType",
    "Literal",
    "Neg",
    "Node",
    "Not",
    "Options",
    "Today",
    "check_types",
    "parse_expression",
]

MAX_LENGTH = 2000
"""Longest accepted expression, in characters."""
MAX_DEPTH = 24
"""Deepest accepted nesting of expression nodes."""
MAX_NODES = 300
"""Most syntax nodes accepted in one expression."""
MAX_DIGITS = 30
"""Most digits of a whole-number literal (a float literal must be finite)."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

TODAY = "today"
"""The reserved name for the evaluation date (the injected clock), not a field."""


class FieldType(enum.Enum):
    """The type of a fact field (and of every expression node)."""

    NUMBER = "number"
    TEXT = "text"
    DATE = "date"
    BOOLEAN = "boolean"


@attrs.frozen
class Node:
    """Base of the expression tree: where the node is in the text, and its source segment."""

    line: int
    column: int
    source: str

    def children(self) -> tuple[Node, ...]:
        """The direct sub-nodes."""
        return ()

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()


@attrs.frozen
class Field(Node):
    """A fact field read from the record (``balance``)."""

    name: str


@attrs.frozen
class Today(Node):
    """The evaluation date (the reserved name ``today``)."""


@attrs.frozen
class Literal(Node):
    """A number, string or boolean constant."""

    value: float | str | bool


@attrs.frozen
class Options(Node):
    """The literal tuple on the right of ``in`` / ``not in``."""

    values: tuple[float | str | bool, ...]


@attrs.frozen
class Neg(Node):
    """Unary minus."""

    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@attrs.frozen
class Not(Node):
    """Three-valued ``not``."""

    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@attrs.frozen
class Arith(Node):
    """``+ - * /`` over numbers."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@attrs.frozen
class Compare(Node):
    """A comparison, possibly chained (``0 < a <= 10`` is ``0 < a and a <= 10``)."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.operands


@attrs.frozen
class BoolOp(Node):
    """Three-valued (Kleene) ``and`` / ``or`` over two or more operands."""

    op: str
    values: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.values


@attrs.frozen
class Call(Node):
    """A call of one of the registered pure functions."""

    name: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@attrs.frozen
class Expression:
    """A parsed rule expression: the original text and its whitelisted tree.

    Build one with :func:`parse_expression`, which makes the tree from the text.

    Args:
        text: The expression as written.
        root: The top node.

    Raises:
        ValidationError: When ``text`` is not a string or ``root`` not a :class:`Node`.
    """

    text: str = attrs.field(validator=v.instance(str, "a string"))
    root: Node = attrs.field(validator=v.instance(Node))

    def fields(self) -> frozenset[str]:
        """The names of the fact fields the expression reads."""
        return frozenset(n.name for n in self.root.walk() if isinstance(n, Field))

    def __str__(self) -> str:
        return self.text


# name -> (minimum arity, maximum arity or None, argument type, result type)
FUNCTIONS: dict[str, tuple[int, int | None, FieldType, FieldType]] = {
    "abs": (1, 1, FieldType.NUMBER, FieldType.NUMBER),
    "min": (2, None, FieldType.NUMBER, FieldType.NUMBER),
    "max": (2, None, FieldType.NUMBER, FieldType.NUMBER),
    "days_since": (1, 1, FieldType.DATE, FieldType.NUMBER),
    "days_between": (2, 2, FieldType.DATE, FieldType.NUMBER),
    "business_days_between": (2, 2, FieldType.DATE, FieldType.NUMBER),
}

_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
_FORBIDDEN = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Slice: "slices",
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.IfExp: "conditional expressions",
    ast.Dict: "dict displays",
    ast.Starred: "starred expressions",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


def parse_expression(text: str) -> Expression:
    """Parse a rule expression into a tree of whitelisted nodes.

    The grammar: field names, number / string / boolean literals, ``today``, comparisons
    (``== != < <= > >=``, chained), ``in`` / ``not in`` a literal tuple, ``and`` / ``or`` /
    ``not``, ``+ - * /``, unary ``-``, parentheses, and calls of ``abs``, ``min``, ``max``,
    ``days_since``, ``days_between``, ``business_days_between``.

    Args:
        text: The expression, at most :data:`MAX_LENGTH` characters.

    Returns:
        The parsed :class:`Expression` (not yet type-checked: see :func:`check_types`).

    Raises:
        RuleSyntaxError: For invalid syntax, anything outside the grammar, an unknown function
            (with a "did you mean"), or an expression over the length, depth or node limits.

    >>> parse_expression("0 < days_since(last_touch) <= 30").root.ops
    ('<', '<=')
    >>> parse_expression("claim.balance > 1")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.RuleSyntaxError: attribute access is not allowed in a rule at line 1, column 1
    """
    if not isinstance(text, str):
        raise RuleSyntaxError(f"an expression must be a string (got {type(text).__name__})")
    if len(text) > MAX_LENGTH:
        head = text[:80]
        raise RuleSyntaxError(
            f"expression is too long: {len(text)} characters (limit {MAX_LENGTH})",
            text=head if _readable(head) else "",
        )
    if not _readable(text):
        index = next(i for i, char in enumerate(text) if not _readable(char))
        line, column = _position(text, index)
        raise RuleSyntaxError(
            f"expression holds a control or invisible character (U+{ord(text[index]):04X})",
            line=line,
            column=column,
        )
    if not text.strip():
        raise RuleSyntaxError("expression is empty", text=text)
    _refuse_normalizable(text)
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise RuleSyntaxError(
            f"invalid syntax: {exc.msg}", text=text, line=exc.lineno or 1, column=exc.offset or 1
        ) from None
    except (RecursionError, MemoryError, ValueError) as exc:  # pragma: no cover - the length limit keeps
        # the parser far from its stack limit; ast.parse documents these, so they still map to our error
        raise RuleSyntaxError(f"expression cannot be parsed: {exc}", text=text) from None
    if "#" in source:
        _refuse_comments(source)
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise RuleSyntaxError(f"expression has too many nodes: {count} (limit {MAX_NODES})", text=text)
    return Expression(text=text, root=_Builder(source).build(tree.body, 1))


def _position(text: str, index: int) -> tuple[int, int]:
    """The line and column (both from 1) of ``text[index]``."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _refuse_normalizable(text: str) -> None:
    """Refuse text that Unicode NFKC normalisation changes (Python reads names normalised).

    ``ast.parse`` reads the full-width letters of ``True`` (U+FF34 U+FF52 U+FF55 U+FF45) as the
    name ``True``: the rule would read differently from what it does.
    """
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return
    index = next(
        (i for i, char in enumerate(text) if unicodedata.normalize("NFKC", char) != char),
        next(
            (
                i
                for i, (a, b) in enumerate(zip(text, unicodedata.normalize("NFKC", text), strict=False))
                if a != b
            ),
            0,
        ),
    )
    char = text[index]
    normal = unicodedata.normalize("NFKC", char)
    line, column = _position(text, index)
    raise RuleSyntaxError(
        f"expression holds U+{ord(char):04X}, which Unicode normalisation (NFKC) reads as"
        f" {normal!r}: write {normal!r} itself",
        line=line,
        column=column,
    )


def _refuse_comments(source: str) -> None:
    """Refuse a ``#`` comment: it hides text that reads like part of the rule."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - ast.parse accepted the text
        raise RuleSyntaxError("comments ('#') are not allowed in a rule", text=source) from None
    for token in tokens:
        if token.type == tokenize.COMMENT:
            raise RuleSyntaxError(
                "comments ('#') are not allowed in a rule (use the rule's description)",
                text=source,
                line=token.start[0],
                column=token.start[1] + 1,
            )


def _readable(text: str) -> bool:
    """Whether ``text`` holds no control or invisible characters (tabs and line feeds are fine)."""
    try:
        _check.text(text, "$.text", empty=True, multiline=True)
    except ValidationError:
        return False
    return True


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, node: ast.AST, message: str) -> RuleSyntaxError:
        line = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0) + 1
        return RuleSyntaxError(message, text=self.text, line=line, column=column)

    def where(self, node: ast.expr) -> tuple[int, int, str]:
        source = ast.get_source_segment(self.text, node) or ""
        return node.lineno, node.col_offset + 1, " ".join(source.split())

    def build(self, node: ast.expr, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"expression is nested too deeply (limit {MAX_DEPTH} levels)")
        at = self.where(node)
        inner = depth + 1
        if isinstance(node, ast.Constant):
            return Literal(*at, value=self.literal(node))
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise self.fail(node, f"names starting with '_' are not allowed ({node.id!r})")
            if not _NAME.match(node.id):
                raise self.fail(
                    node,
                    f"field names are ASCII letters, digits and '_', starting with a letter ({node.id!r})",
                )
            if node.id == TODAY:
                return Today(*at)
            return Field(*at, name=node.id)
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return BoolOp(*at, op=op, values=tuple(self.build(v, inner) for v in node.values))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return Not(*at, operand=self.build(node.operand, inner))
            if isinstance(node.op, ast.USub):
                operand = self.build(node.operand, inner)
                if isinstance(operand, Literal) and type(operand.value) is float:
                    return Literal(*at, value=-operand.value)
                return Neg(*at, operand=operand)
            raise self.fail(node, f"the unary operator {type(node.op).__name__} is not allowed in a rule")
        if isinstance(node, ast.BinOp):
            symbol = _ARITH.get(type(node.op))
            if symbol is None:
                raise self.fail(
                    node, f"the operator {type(node.op).__name__} is not allowed (use + - * / only)"
                )
            return Arith(
                *at, op=symbol, left=self.build(node.left, inner), right=self.build(node.right, inner)
            )
        if isinstance(node, ast.Compare):
            ops = []
            for cmp in node.ops:
                symbol = _COMPARE.get(type(cmp))
                if symbol is None:
                    raise self.fail(node, "'is' / 'is not' are not allowed (use == or !=)")
                ops.append(symbol)
            operands = [self.build(node.left, inner)]
            for op_symbol, right in zip(ops, node.comparators, strict=True):
                if op_symbol in {"in", "not in"}:
                    operands.append(self.options(right))
                else:
                    operands.append(self.build(right, inner))
            return Compare(*at, ops=tuple(ops), operands=tuple(operands))
        if isinstance(node, ast.Call):
            return self.call(node, inner)
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            raise self.fail(node, "a tuple of literals is only allowed after 'in' or 'not in'")
        what = _FORBIDDEN.get(type(node), type(node).__name__)
        raise self.fail(node, f"{what} is not allowed in a rule")

    def literal(self, node: ast.Constant) -> float | str | bool:
        value = node.value
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return self.string(node, value)
        if isinstance(value, int) and abs(value) >= 10**MAX_DIGITS:
            digits = len(str(abs(value)))  # ast.parse refuses literals of more than 4,300 digits
            raise self.fail(node, f"number literal has {digits} digits (limit {MAX_DIGITS})")
        if isinstance(value, int | float) and not isinstance(value, complex):
            number = float(value)
            if not math.isfinite(number):
                raise self.fail(node, f"number literal {value!r} is not finite")
            return number
        if value is None:
            raise self.fail(node, "None is not allowed (a missing value is UNKNOWN by itself)")
        raise self.fail(node, f"literal {value!r} is not allowed (numbers, strings and True/False only)")

    def string(self, node: ast.Constant, value: str) -> str:
        """A string literal: no control or invisible character, nothing NFKC changes (escapes too)."""
        if not _readable(value) or "\n" in value or "\t" in value:
            bad = next(c for c in value if c in "\t\n" or not _readable(c))
            raise self.fail(
                node, f"a string literal holds a control or invisible character (U+{ord(bad):04X})"
            )
        if not value.isascii() and not unicodedata.is_normalized("NFKC", value):
            raise self.fail(
                node, f"a string literal holds characters that NFKC normalisation changes ({value!r})"
            )
        return value

    def options(self, node: ast.expr) -> Options:
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            raise self.fail(node, '\'in\' needs a literal tuple on its right, like ("AETNA", "CIGNA")')
        values: list[float | str | bool] = []
        for element in node.elts:
            built = self.build(element, MAX_DEPTH - 1)
            if not isinstance(built, Literal):
                raise self.fail(element, "the tuple after 'in' may hold literals only")
            values.append(built.value)
        if not values:
            raise self.fail(node, "the tuple after 'in' is empty")
        return Options(*self.where(node), values=tuple(values))

    def call(self, node: ast.Call, depth: int) -> Call:
        if not isinstance(node.func, ast.Name):
            what = _FORBIDDEN.get(type(node.func), "calling an expression")
            raise self.fail(node, f"{what} is not allowed in a rule")
        name = node.func.id
        if name.startswith("_"):
            raise self.fail(node, f"names starting with '_' are not allowed ({name!r})")
        if name not in FUNCTIONS:
            raise self.fail(node, f"unknown function {name!r}{_suggest(name, FUNCTIONS)}")
        if node.keywords:
            raise self.fail(node, f"{name}() takes no keyword arguments")
        low, high, _, _ = FUNCTIONS[name]
        count = len(node.args)
        if count < low or (high is not None and count > high):
            expected = f"{low}" if low == high else f"at least {low}"
            raise self.fail(node, f"{name}() takes {expected} argument(s) (got {count})")
        return Call(*self.where(node), name=name, args=tuple(self.build(a, depth) for a in node.args))


def _suggest(name: str, choices: Mapping[str, object] | frozenset[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _literal_type(value: float | str | bool) -> FieldType:
    if isinstance(value, bool):
        return FieldType.BOOLEAN
    if isinstance(value, str):
        return FieldType.TEXT
    return FieldType.NUMBER


class _Checker:
    """Type every node; with ``infer`` on, unknown fields take the type their context needs."""

    def __init__(self, expr: Expression, schema: dict[str, FieldType], *, infer: bool) -> None:
        self.expr = expr
        self.schema = schema
        self.infer = infer
        self.changed = False

    def fail(self, node: Node, message: str) -> RuleSyntaxError:
        return RuleSyntaxError(message, text=self.expr.text, line=node.line, column=node.column)

    def expect(self, node: Node, wanted: FieldType, what: str) -> None:
        got = self.type_of(node, wanted)
        if got is not None and got is not wanted:
            raise self.fail(node, f"{what} must be {wanted.value} (got {got.value}: {node.source})")

    def type_of(self, node: Node, hint: FieldType | None = None) -> FieldType | None:
        if isinstance(node, Literal):
            return _literal_type(node.value)
        if isinstance(node, Today):
            return FieldType.DATE
        if isinstance(node, Field):
            known = self.schema.get(node.name)
            if known is None and not self.infer:
                raise self.fail(node, f"unknown field {node.name!r}{_suggest(node.name, self.schema)}")
            if known is None and hint is not None:
                self.schema[node.name] = hint
                self.changed = True
                return hint
            return known
        if isinstance(node, Options):
            raise self.fail(node, "a tuple of literals is only allowed after 'in' or 'not in'")
        if isinstance(node, Neg):
            self.expect(node.operand, FieldType.NUMBER, "the operand of unary '-'")
            return FieldType.NUMBER
        if isinstance(node, Not):
            self.expect(node.operand, FieldType.BOOLEAN, "the operand of 'not'")
            return FieldType.BOOLEAN
        if isinstance(node, BoolOp):
            for value in node.values:
                self.expect(value, FieldType.BOOLEAN, f"each operand of '{node.op}'")
            return FieldType.BOOLEAN
        if isinstance(node, Arith):
            self.expect(node.left, FieldType.NUMBER, f"the left operand of '{node.op}'")
            self.expect(node.right, FieldType.NUMBER, f"the right operand of '{node.op}'")
            return FieldType.NUMBER
        if isinstance(node, Call):
            _, _, arg_type, result = FUNCTIONS[node.name]
            for arg in node.args:
                self.expect(arg, arg_type, f"each argument of {node.name}()")
            return result
        assert isinstance(node, Compare)  # noqa: S101 - the builder makes no other node kinds
        self.compare(node)
        return FieldType.BOOLEAN

    def compare(self, node: Compare) -> None:
        for index, op in enumerate(node.ops):
            left, right = node.operands[index], node.operands[index + 1]
            if op in {"in", "not in"}:
                assert isinstance(right, Options)  # noqa: S101 - the builder guarantees it
                kinds = {_literal_type(v) for v in right.values}
                if len(kinds) > 1:
                    raise self.fail(right, f"the tuple after '{op}' mixes types ({right.source})")
                (kind,) = kinds
                if kind is FieldType.BOOLEAN:
                    raise self.fail(right, f"'{op}' needs numbers or strings (got booleans)")
                self.expect(left, kind, f"the left operand of '{op}'")
                continue
            lt = self.type_of(left)
            rt = self.type_of(right, lt)
            if lt is None and rt is not None:
                lt = self.type_of(left, rt)
            if lt is None or rt is None:
                continue
            if lt is not rt:
                raise self.fail(
                    node, f"cannot compare {lt.value} with {rt.value} ({left.source} {op} {right.source})"
                )
            if op not in {"==", "!="} and lt in {FieldType.TEXT, FieldType.BOOLEAN}:
                raise self.fail(node, f"'{op}' is not defined for {lt.value} values (use == or !=)")


def schema_argument(value: object, path: str) -> dict[str, FieldType]:
    """A fact schema argument: a mapping of field name to :class:`FieldType`, as a ``dict``.

    Raises:
        ValidationError: When it is not a mapping, a key is not a field name, or a value is not
            a :class:`FieldType` (a string of its value gets a did-you-mean).
    """
    mapping = _check.instance(value, Mapping, path, "a mapping of field name to FieldType")
    schema: dict[str, FieldType] = {}
    for name, kind in mapping.items():
        shown = repr(name) if isinstance(name, str) else type(name).__name__
        field = _check.field_name(name, f"{path}[{shown[:40]}]")
        schema[field] = _check.instance(kind, FieldType, f"{path}.{field}")
    return schema


def check_types(
    expr: Expression, schema: Mapping[str, FieldType] | None = None, *, infer: bool | None = None
) -> tuple[FieldType, dict[str, FieldType]]:
    """Type-check an expression against a fact schema, or infer the schema when none is given.

    No coercion: a number never equals a string, only booleans combine with ``and``/``or``/``not``
    and the whole expression must be boolean.

    Args:
        expr: A parsed expression.
        schema: Field name to type; ``None`` infers each field's type from how it is used.
        infer: Whether fields missing from ``schema`` are inferred (default: only when
            ``schema`` is ``None``; otherwise they are unknown fields).

    Returns:
        The expression's type (always boolean) and the types of the fields it reads.

    Raises:
        RuleSyntaxError: Unknown field (with a "did you mean"), mismatched types, or a field whose
            type cannot be inferred.
        ValidationError: When ``expr`` is not an :class:`Expression`, ``schema`` not a mapping
            of field name to :class:`FieldType`, or ``infer`` not a bool or ``None``.

    >>> check_types(parse_expression("balance > 5000"))[1]
    {'balance': <FieldType.NUMBER: 'number'>}
    >>> check_types(parse_expression("balanse > 5000"), {"balance": FieldType.NUMBER})
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.RuleSyntaxError: unknown field 'balanse' (did you mean 'balance'?)
    at line 1, column 1
    """
    _check.instance(expr, Expression, "$.expr")
    given = None if schema is None else schema_argument(schema, "$.schema")
    infer = given is None if infer is None else _check.flag(infer, "$.infer")
    types: dict[str, FieldType] = {} if given is None else given
    checker = _Checker(expr, types, infer=infer)
    while True:
        checker.changed = False
        result = checker.type_of(expr.root, FieldType.BOOLEAN)
        if not checker.changed:
            break
    for node in expr.root.walk():
        if isinstance(node, Field) and node.name not in types:
            raise checker.fail(
                node, f"cannot infer the type of field {node.name!r}: declare it in the schema"
            )
    if result is not FieldType.BOOLEAN:
        got = result.value if result else "unknown"
        raise checker.fail(
            expr.root, f"a rule must be a true/false condition (got {got}: {expr.root.source})"
        )
    return result, {name: types[name] for name in sorted(expr.fields())}
