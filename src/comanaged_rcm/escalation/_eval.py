"""Two evaluators over one typed tree: a scalar one that explains itself, and a vectorized one.

Both follow the same rules, so they agree on every record:

* Missing facts (an absent key, ``None``, ``NaN``, ``NaT``, an empty string) make an operand
  UNKNOWN; comparisons and arithmetic with an UNKNOWN operand are UNKNOWN.
* ``and`` / ``or`` / ``not`` follow Kleene's three-valued logic (``False and UNKNOWN`` is False,
  ``True or UNKNOWN`` is True).
* An evaluation error (division by zero, a non-finite result, a value of the wrong type in the
  record: ``"6000"`` for a number) is ERROR, a fourth outcome. Comparisons, arithmetic and
  function calls with an ERROR operand are ERROR. ``and`` / ``or`` read their clauses left to
  right and stop, like Python, at the first clause that decides them (FALSE for ``and``, TRUE
  for ``or``); an ERROR met before that makes the whole condition ERROR, one after it is never
  reached. So ``action == 'write_off' and balance / units > 100`` does not fail on items that
  are not write-offs, while ``balance / units > 100 and ...`` fails wherever ``units`` is 0.
"""

from __future__ import annotations

import datetime
import enum
import json
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check
from comanaged_rcm._check import as_tuple, v
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation._calendar import BusinessCalendar, business_days
from comanaged_rcm.escalation._edge import builder
from comanaged_rcm.escalation._expr import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Expression,
    Field,
    FieldType,
    Literal,
    Neg,
    Node,
    Not,
    Options,
    Today,
)

__all__ = [
    "Categorical",
    "Clause",
    "Explanation",
    "Outcome",
    "ScalarProgram",
    "VectorProgram",
    "display",
    "read_value",
]


class Outcome(enum.IntEnum):
    """The four outcomes of a condition; the integer values are the codes of a batch result."""

    FALSE = 0
    TRUE = 1
    UNKNOWN = 2
    ERROR = 3


class EvalFailure(Exception):  # noqa: N818 - internal signal, never escapes the package
    """An evaluation error inside the scalar evaluator (becomes :attr:`Outcome.ERROR`)."""


_DEFAULT_CALENDAR = BusinessCalendar()

# ------------------------------------------------------------------------------ reading facts


def read_value(name: str, value: object, kind: FieldType) -> Value:
    """Normalize one fact to the evaluator's value, ``None`` when missing.

    Raises:
        EvalFailure: When the value is of the wrong type (no coercion).
    """
    if value is None:
        return None
    if kind is FieldType.NUMBER:
        if isinstance(value, bool | np.bool_ | np.timedelta64):  # numpy files timedelta64 as an integer
            raise EvalFailure(f"field {name!r} must be a number (got {_short(value)})")
        if isinstance(value, float | int | np.floating | np.integer):
            try:
                number = float(value)
            except OverflowError:
                raise EvalFailure(f"field {name!r} is too large for a number (got {_short(value)})") from None
            if math.isinf(number):
                raise EvalFailure(f"field {name!r} must be a finite number (got {_short(value)})")
            return None if math.isnan(number) else number
    elif kind is FieldType.TEXT:
        if isinstance(value, str):
            if value.endswith("\x00"):  # a numpy text array drops it: both paths refuse it instead
                raise EvalFailure(f"field {name!r} ends in a NUL character (got {_short(value)})")
            return str(value) if value else None
    elif kind is FieldType.BOOLEAN:
        if isinstance(value, bool | np.bool_):
            return bool(value)
    elif isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        day = value.astype("datetime64[D]").item()
        if isinstance(day, datetime.date):
            return day
        raise EvalFailure(f"field {name!r} is a date outside the years 1 to 9999 (got {_short(value)})")
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    elif isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime.datetime) and value != value:  # noqa: PLR0124 - the NaT test
        return None  # pandas' NaT is a datetime unequal to itself: missing, like numpy's NaT
    raise EvalFailure(f"field {name!r} must be {_ARTICLE[kind]} (got {_short(value)})")


def _short(value: object) -> str:
    """``repr`` of a fact for a message: never an error (huge integers, deep nesting), never huge."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"an integer of {value.bit_length():,} bits"
    try:
        shown = repr(value)
    except Exception:  # noqa: BLE001 - a fact of any type must still be shown
        return f"<{type(value).__name__}>"
    return shown if len(shown) <= 200 else f"{shown[:180]}...<{len(shown):,} characters>"


_ARTICLE = {
    FieldType.NUMBER: "a number",
    FieldType.TEXT: "a string",
    FieldType.BOOLEAN: "a boolean",
    FieldType.DATE: "a date",
}


def display(value: object) -> str:
    """A short human rendering of a fact value (thousands separators, ISO dates)."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.10g}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _short(value)


# ------------------------------------------------------------------------------ scalar program

Value: TypeAlias = Any  # a node's value: float, str, bool, date, or None when UNKNOWN
Env = tuple[datetime.date, BusinessCalendar]
ScalarFn = Callable[[Mapping[str, Any], Env], Value]


def _finite(value: float, source: str) -> float:
    if math.isinf(value) or math.isnan(value):
        raise EvalFailure(f"{source} is not finite")
    return value


_ARITH: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul}

_ORDER = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _slow(name: str, kind: FieldType) -> Callable[[Mapping[str, Any]], Value]:
    def read(record: Mapping[str, Any]) -> Value:
        return read_value(name, record.get(name), kind)

    return read


class ScalarProgram:
    """Compile a typed tree into nested closures evaluated per record (no ``eval``)."""

    def __init__(self, types: Mapping[str, FieldType]) -> None:
        self.types = types

    def compile(self, node: Node) -> ScalarFn:
        """Return ``fn(record, env)`` giving the node's value (``None`` when UNKNOWN)."""
        if isinstance(node, Literal):
            value = node.value
            return lambda _r, _e: value
        if isinstance(node, Today):
            return lambda _r, env: env[0]
        if isinstance(node, Field):
            return self._field(node.name)
        if isinstance(node, Compare):
            return self._compare(node)
        if isinstance(node, BoolOp):
            return self._boolean(node)
        if isinstance(node, Not):
            inner = self.compile(node.operand)

            def negate(record: Mapping[str, Any], env: Env) -> Value:
                value = inner(record, env)
                return None if value is None else not value

            return negate
        if isinstance(node, Neg):
            operand = self.compile(node.operand)

            def minus(record: Mapping[str, Any], env: Env) -> Value:
                value = operand(record, env)
                return None if value is None else -value

            return minus
        if isinstance(node, Arith):
            return self._arith(node)
        assert isinstance(node, Call)  # noqa: S101 - the checker admits no other node kinds
        return self._call(node)

    def _field(self, name: str) -> ScalarFn:
        read = _slow(name, self.types[name])
        kind = self.types[name]
        if kind is FieldType.NUMBER:

            def number(record: Mapping[str, Any], _: Env) -> Value:
                value = record.get(name)
                if value.__class__ is float and value - value == 0.0:  # finite: not NaN, not +-inf
                    return value
                return read(record)  # NaN is missing; infinities and other types raise

            return number
        if kind is FieldType.TEXT:

            def text(record: Mapping[str, Any], _: Env) -> Value:
                value = record.get(name)
                if value.__class__ is str and "\x00" not in value:
                    return value or None
                return read(record)

            return text
        if kind is FieldType.DATE:

            def date(record: Mapping[str, Any], _: Env) -> Value:
                value = record.get(name)
                if value.__class__ is datetime.date:
                    return value
                return read(record)

            return date

        def boolean(record: Mapping[str, Any], _: Env) -> Value:
            value = record.get(name)
            if value.__class__ is bool:
                return value
            return read(record)

        return boolean

    def _compare(self, node: Compare) -> ScalarFn:
        pairs: list[ScalarFn] = []
        for index, op in enumerate(node.ops):
            left, right = node.operands[index], node.operands[index + 1]
            pairs.append(self._pair(left, op, right))
        if len(pairs) == 1:
            return pairs[0]
        return self._kleene_and(pairs)

    def _pair(self, left: Node, op: str, right: Node) -> ScalarFn:
        lhs = self.compile(left)
        if isinstance(right, Options):
            members = frozenset(right.values)
            negate = op == "not in"

            def member(record: Mapping[str, Any], env: Env) -> Value:
                value = lhs(record, env)
                if value is None:
                    return None
                return (value in members) != negate

            if isinstance(left, Field) and self.types[left.name] is FieldType.TEXT:
                name = left.name
                read_text = _slow(name, FieldType.TEXT)

                def text_member(record: Mapping[str, Any], _: Env) -> Value:
                    value = record.get(name)
                    if value.__class__ is not str or "\x00" in value:
                        value = read_text(record)
                    if not value:
                        return None
                    return (value in members) != negate

                return text_member
            return member
        compare = _ORDER[op]
        if isinstance(left, Field) and isinstance(right, Literal):
            constant = right.value
            name = left.name
            read = _slow(name, self.types[name])

            def field_literal(record: Mapping[str, Any], _: Env) -> Value:
                value = record.get(name)
                if value.__class__ is float and value - value == 0.0:  # finite: not NaN, not +-inf
                    return compare(value, constant)
                value = read(record)  # NaN is missing; infinities and other types raise
                return None if value is None else compare(value, constant)

            def text_literal(record: Mapping[str, Any], _: Env) -> Value:
                value = record.get(name)
                if value.__class__ is str and "\x00" not in value:
                    return compare(value, constant) if value else None
                value = read(record)
                return None if value is None else compare(value, constant)

            def other_literal(record: Mapping[str, Any], _: Env) -> Value:
                value = read(record)  # a boolean or date field: no float fast path
                return None if value is None else compare(value, constant)

            def text_equal(record: Mapping[str, Any], _: Env) -> Value:
                value = record.get(name)
                if value.__class__ is str:
                    if value == constant:  # the constant is text without NUL: the value is too
                        return True
                    if value and "\x00" not in value:
                        return False
                value = read(record)
                return None if value is None else value == constant

            kind = self.types[name]
            if kind is FieldType.TEXT:
                return text_equal if op == "==" and isinstance(constant, str) and constant else text_literal
            return field_literal if kind is FieldType.NUMBER else other_literal
        if isinstance(right, Literal):
            return self._node_literal(left, lhs, compare, right.value)
        rhs = self.compile(right)

        def pair(record: Mapping[str, Any], env: Env) -> Value:
            a = lhs(record, env)
            b = rhs(record, env)
            if a is None or b is None:
                return None
            return compare(a, b)

        return pair

    @staticmethod
    def _node_literal(
        left: Node, lhs: ScalarFn, compare: Callable[[Any, Any], bool], constant: object
    ) -> ScalarFn:
        """A comparison of an expression with a constant; ``days_since(field)`` read inline."""
        if isinstance(left, Call) and left.name == "days_since" and isinstance(left.args[0], Field):
            name = left.args[0].name
            read = _slow(name, FieldType.DATE)

            def days_literal(record: Mapping[str, Any], env: Env) -> Value:
                value = record.get(name)
                if value.__class__ is not datetime.date:
                    value = read(record)
                    if value is None:
                        return None
                return compare(float((env[0] - value).days), constant)

            return days_literal

        def node_literal(record: Mapping[str, Any], env: Env) -> Value:
            value = lhs(record, env)
            return None if value is None else compare(value, constant)

        return node_literal

    def _boolean(self, node: BoolOp) -> ScalarFn:
        parts = [self.compile(v) for v in node.values]
        if node.op == "and":
            return self._kleene_and(parts)

        def kleene_or(record: Mapping[str, Any], env: Env) -> Value:
            result: bool | None = False
            for part in parts:
                value = part(record, env)
                if value is True:
                    return True
                if value is None:
                    result = None
            return result

        return kleene_or

    @staticmethod
    def _kleene_and(parts: Sequence[ScalarFn]) -> ScalarFn:
        if len(parts) == 2:
            first, second = parts

            def and2(record: Mapping[str, Any], env: Env) -> Value:
                a = first(record, env)
                if a is False:
                    return False
                b = second(record, env)
                if b is False:
                    return False
                if a is None or b is None:
                    return None
                return True

            return and2

        def kleene_and(record: Mapping[str, Any], env: Env) -> Value:
            result: bool | None = True
            for part in parts:
                value = part(record, env)
                if value is False:
                    return False
                if value is None:
                    result = None
            return result

        return kleene_and

    def _arith(self, node: Arith) -> ScalarFn:
        lhs, rhs = self.compile(node.left), self.compile(node.right)
        source = node.source
        apply = _ARITH.get(node.op)
        if apply is None:  # division

            def divide(record: Mapping[str, Any], env: Env) -> Value:
                a = lhs(record, env)
                b = rhs(record, env)
                if a is None or b is None:
                    return None
                if b == 0:
                    raise EvalFailure(f"division by zero in {source}")
                return _finite(a / b, source)

            return divide

        if isinstance(node.right, Literal):  # ``balance * 0.1``: the constant read once
            constant = node.right.value

            def arith_literal(record: Mapping[str, Any], env: Env) -> Value:
                a = lhs(record, env)
                if a is None:
                    return None
                value = apply(a, constant)
                if value - value == 0:  # finite: not NaN, not +-inf
                    return value
                raise EvalFailure(f"{source} is not finite")

            return arith_literal

        def arith(record: Mapping[str, Any], env: Env) -> Value:
            a = lhs(record, env)
            b = rhs(record, env)
            if a is None or b is None:
                return None
            value = apply(a, b)
            if value - value == 0:  # finite: not NaN, not +-inf
                return value
            raise EvalFailure(f"{source} is not finite")

        return arith

    def _call(self, node: Call) -> ScalarFn:
        args = [self.compile(a) for a in node.args]
        name = node.name
        if name == "days_since":
            (since,) = args

            def days_since(record: Mapping[str, Any], env: Env) -> Value:
                value = since(record, env)
                return None if value is None else float((env[0] - value).days)

            return days_since
        if name == "abs":
            (operand,) = args

            def absolute(record: Mapping[str, Any], env: Env) -> Value:
                value = operand(record, env)
                return None if value is None else abs(value)

            return absolute
        if name in {"min", "max"}:
            pick = min if name == "min" else max
            if len(args) == 2:  # the common case, without a list
                first, second = args

                def pick2(record: Mapping[str, Any], env: Env) -> Value:
                    a = first(record, env)
                    b = second(record, env)
                    return None if a is None or b is None else pick(a, b)

                return pick2

            def pick_all(record: Mapping[str, Any], env: Env) -> Value:
                values = [a(record, env) for a in args]
                return None if any(v is None for v in values) else pick(values)

            return pick_all
        start, end = args
        business = name == "business_days_between"

        def between(record: Mapping[str, Any], env: Env) -> Value:
            a = start(record, env)
            b = end(record, env)
            if a is None or b is None:
                return None
            if business:
                return float(_business_days(env[1], a, b))
            return float((b - a).days)

        return between


_BUSINESS_DAYS: dict[tuple[int, datetime.date, datetime.date], tuple[BusinessCalendar, int]] = {}
_BUSINESS_DAYS_KEPT = 100_000
"""The most business-day counts remembered (explanations re-read the same dates again and again)."""


def _business_days(calendar: BusinessCalendar, start: datetime.date, end: datetime.date) -> int:
    """:func:`business_days`, remembered per calendar (the one it was counted in) and pair of dates."""
    key = (id(calendar), start, end)
    found = _BUSINESS_DAYS.get(key)
    if found is not None and found[0] is calendar:
        return found[1]
    count = business_days(calendar, start, end)
    if len(_BUSINESS_DAYS) >= _BUSINESS_DAYS_KEPT:
        _BUSINESS_DAYS.clear()
    _BUSINESS_DAYS[key] = (calendar, count)
    return count


# ------------------------------------------------------------------------------ vector program


def _array(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Lists, tuples and array-likes (a pandas Index) as numpy arrays; anything else stays."""
    if isinstance(value, np.ndarray | str | bytes | Mapping) or value is None:
        return value
    try:
        return np.asarray(value)
    except Exception:  # noqa: BLE001 - left for the validator, which names the field
        return value


@attrs.frozen(eq=False)
class Categorical:
    """A text column as integer codes into a table of categories (``-1`` is missing).

    Passing text this way (from ``pandas.Categorical.codes`` / ``.categories``, say) lets the
    vectorized evaluator compare strings by code.

    Args:
        codes: Integer codes, one per row (a 1-D integer array); ``-1`` marks a missing value.
        categories: The distinct strings the codes index (a 1-D array of strings).

    Raises:
        ValidationError: When ``codes`` is not a 1-D integer array with every code from -1 to
            ``len(categories) - 1``, or ``categories`` not a 1-D array of strings.

    >>> Categorical(codes=np.array([0, 1, -1]), categories=np.array(["AETNA", "CIGNA"])).decode().tolist()
    ['AETNA', 'CIGNA', '']
    """

    codes: npt.NDArray[np.integer[Any]] = attrs.field(converter=_array)
    categories: npt.NDArray[np.str_] = attrs.field(converter=_array)

    def __attrs_post_init__(self) -> None:
        categories: Any = self.categories
        if not isinstance(categories, np.ndarray) or categories.ndim != 1:
            _check.fail("$.categories", "type", "'categories' must be a 1-D array of strings")
        if categories.dtype.kind != "U" and not (
            categories.dtype.kind == "O" and all(isinstance(c, str) for c in categories.tolist())
        ):
            _check.fail(
                "$.categories", "type", f"'categories' must hold strings (got dtype {categories.dtype})"
            )
        codes: Any = self.codes
        if not isinstance(codes, np.ndarray) or codes.ndim != 1 or codes.dtype.kind not in "iu":
            shown = (
                f"dtype {codes.dtype}, {codes.ndim}-D"
                if isinstance(codes, np.ndarray)
                else type(codes).__name__
            )
            _check.fail("$.codes", "type", f"'codes' must be a 1-D integer array (got {shown})")
        low, high = (int(codes.min()), int(codes.max())) if codes.size else (-1, -1)
        if low < -1 or high >= len(categories):  # a relation of the two fields: both are named
            message = (
                f"'codes' must be from -1 to {len(categories) - 1}, one per category (got {low} to {high})"
            )
            raise ValidationError(
                [Issue("$.codes", "range", message), Issue("$.categories", "range", message)]
            )

    def __len__(self) -> int:
        return len(self.codes)

    def decode(self) -> npt.NDArray[np.str_]:
        """The strings, with ``""`` (missing) where the code is ``-1``."""
        table = np.append(self.categories.astype(str), "")
        decoded: npt.NDArray[np.str_] = table[self.codes]
        return decoded

    def lookup(self, hit: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Map a per-category boolean onto the rows (missing rows give False).

        Args:
            hit: One bool per category (a 1-D boolean array as long as ``categories``).

        Raises:
            ValidationError: When ``hit`` is not a 1-D boolean array of that length.
        """
        given = _array(hit)
        if (
            not isinstance(given, np.ndarray)
            or given.dtype.kind != "b"
            or given.shape != self.categories.shape
        ):
            _check.fail(
                "$.hit",
                "type",
                f"'hit' must be a 1-D boolean array of {len(self.categories)} values, one per category"
                f" (got {_check.show(hit)})",
            )
        return _mapped(self, given)


def _mapped(categorical: Categorical, hit: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """:meth:`Categorical.lookup` of a per-category mask the evaluator built itself."""
    mapped: npt.NDArray[np.bool_] = np.append(hit, False)[categorical.codes]
    return mapped


Mask = npt.NDArray[np.bool_] | None
# A value over the rows: (values, unknown mask or None, error mask or None). Boolean values are
# True only where the condition is definitely true.
Vec = tuple[Any, Mask, Mask]
VectorFn = Callable[["BatchContext"], Vec]


def _or(a: Mask, b: Mask) -> Mask:
    if a is None:
        return b
    if b is None:
        return a
    return a | b


class BatchContext:
    """The columns of one batch, each normalized once per field type when first read.

    Every rule evaluated on the same columns (the rules of one kind in a step) can share one
    context, so a column is checked and converted once, not once per rule.
    """

    def __init__(
        self,
        columns: Mapping[str, Any],
        as_of: datetime.date,
        calendar: BusinessCalendar,
        path: str = "$.columns",
    ) -> None:
        self.columns = columns
        self.as_of = as_of
        self.calendar = calendar
        self.path = path
        self.cache: dict[tuple[str, FieldType], Vec] = {}
        self.size = _batch_size(columns, path)

    def field(self, name: str, kind: FieldType) -> Vec:
        """The column ``name`` read as ``kind``, as ``(values, unknown, error)``."""
        found = self.cache.get((name, kind))
        if found is None:
            found = _normalize(name, self.columns.get(name), kind, self.size, self.path)
            self.cache[name, kind] = found
        return found


def _length(name: object, column: object, path: str) -> int:
    """The number of rows of a column: an array, a sequence or a :class:`Categorical`."""
    where = f"{path}[{_check_key(name)}]"
    if isinstance(column, Categorical):
        return len(column)
    if isinstance(column, np.ndarray):
        if column.ndim != 1:
            _check.fail(where, "shape", f"column {_check_key(name)} must be 1-D (got {column.ndim}-D)")
        return len(column)
    if column is None:
        return -1
    if isinstance(column, str | bytes | bytearray | Mapping) or not hasattr(column, "__len__"):
        _check.fail(
            where, "type", f"column {_check_key(name)} must be a 1-D array (got {type(column).__name__})"
        )
    try:
        return len(column)
    except Exception:  # noqa: BLE001 - a foreign column may fail in any way
        _check.fail(where, "type", f"column {_check_key(name)} has no length (got {type(column).__name__})")


def _column_name(name: object) -> str:
    """A column's name as the length message lists it."""
    return name if isinstance(name, str) else _check_key(name)


def _check_key(name: object) -> str:
    """A column name as a message shows it (shortened, so a huge name cannot make a huge path)."""
    shown = repr(name) if isinstance(name, str) else type(name).__name__
    return shown if len(shown) <= 40 else f"{shown[:37]}..."


def _batch_size(columns: Mapping[str, Any], path: str = "$.columns") -> int:
    sizes = {_column_name(name): _length(name, column, path) for name, column in columns.items()}
    sizes = {name: size for name, size in sizes.items() if size >= 0}
    if len(set(sizes.values())) > 1:
        raise ValidationError.single(
            path, "shape", f"all columns must have the same length (got {dict(sorted(sizes.items()))})"
        )
    return next(iter(sizes.values()), 0)


def _normalize(name: str, column: object, kind: FieldType, size: int, path: str = "$.columns") -> Vec:
    if column is None:
        return np.zeros(size, dtype=_DTYPES[kind]), np.ones(size, dtype=bool), None
    if isinstance(column, Categorical):
        if kind is not FieldType.TEXT:
            return _all_error(size, kind)
        codes = column.codes
        missing = None if codes.size == 0 or codes.min() >= 0 else codes < 0
        return column, missing, _nul_categories(column)
    where = f"{path}.{name}"
    try:
        array = np.asarray(column)
    except Exception as exc:  # noqa: BLE001 - ragged or too deep lists: numpy's ValueError
        _check.fail(where, "shape", f"column {name!r} must be a 1-D array ({type(exc).__name__}: {exc})")
    if array.ndim != 1:
        raise ValidationError.single(where, "shape", f"column {name!r} must be 1-D (got {array.ndim}-D)")
    dtype = array.dtype
    if dtype.kind == "O":
        return _normalize_objects(name, array, kind)
    if kind is FieldType.NUMBER and dtype.kind in "iu":
        return array.astype(np.float64, copy=False), None, None
    if kind is FieldType.NUMBER and dtype.kind == "f":
        values = array.astype(np.float64, copy=False)
        with np.errstate(over="ignore", invalid="ignore"):
            total = values.sum()  # finite only when every value is: one pass, no mask
        if np.isfinite(total):
            return values, None, None
        finite = np.isfinite(values)
        if finite.all():
            return values, None, None
        missing = np.isnan(values)
        infinite: npt.NDArray[np.bool_] = ~(finite | missing)  # +-inf is outside the domain: ERROR
        return values, (missing if missing.any() else None), (infinite if infinite.any() else None)
    if kind is FieldType.TEXT and dtype.kind == "U":
        missing = array == ""
        return array, (missing if missing.any() else None), None
    if kind is FieldType.BOOLEAN and dtype.kind == "b":
        return array, None, None
    if kind is FieldType.DATE and dtype.kind == "M":
        values = array.astype("datetime64[D]", copy=False)
        days = values.view(np.int64)  # NaT is the smallest int64, below the first day
        if days.size == 0 or (days.min() >= _FIRST_DAY_NUMBER and days.max() <= _LAST_DAY_NUMBER):
            return values, None, None  # the common case, in two reductions: no NaT, every day a date
        missing = np.isnat(values)
        outside = np.logical_or(values < _FIRST_DAY, values > _LAST_DAY)  # not a datetime.date: ERROR
        return values, (missing if missing.any() else None), (outside if outside.any() else None)
    return _all_error(size, kind)


_DTYPES: dict[FieldType, Any] = {
    FieldType.NUMBER: np.float64,
    FieldType.TEXT: np.str_,
    FieldType.BOOLEAN: np.bool_,
    FieldType.DATE: "datetime64[D]",
}
_FILL = {FieldType.NUMBER: 0.0, FieldType.TEXT: "", FieldType.BOOLEAN: False, FieldType.DATE: None}


_FIRST_DAY = np.datetime64("0001-01-01", "D")
_LAST_DAY = np.datetime64("9999-12-31", "D")
_FIRST_DAY_NUMBER = int(_FIRST_DAY.astype(np.int64))
_LAST_DAY_NUMBER = int(_LAST_DAY.astype(np.int64))


def _nul_categories(column: Categorical) -> Mask:
    """Rows whose category ends in NUL (ERROR, as the scalar path reads it); ``None`` when none do.

    A numpy text array cannot end a string in NUL, so only an object array of categories can.
    """
    categories = column.categories
    if categories.dtype.kind != "O":
        return None
    bad = np.array([str(c).endswith("\x00") for c in categories.tolist()], dtype=bool)
    return _mapped(column, bad) if bad.any() else None


def _all_error(size: int, kind: FieldType) -> Vec:
    return np.zeros(size, dtype=_DTYPES[kind]), None, np.ones(size, dtype=bool)


def _normalize_objects(name: str, array: npt.NDArray[Any], kind: FieldType) -> Vec:
    values: list[Any] = []
    missing = np.zeros(len(array), dtype=bool)
    error = np.zeros(len(array), dtype=bool)
    for index, raw in enumerate(array.tolist()):
        try:
            value = read_value(name, raw, kind)
        except EvalFailure:
            error[index] = True
            value = None
        if value is None:
            missing[index] = not error[index]
            value = _FILL[kind]
        values.append(value)
    if kind is FieldType.DATE:
        out: Any = np.array(values, dtype="datetime64[D]")
    else:
        out = np.array(values, dtype=_DTYPES[kind])
    return out, (missing if missing.any() else None), (error if error.any() else None)


class VectorProgram:
    """Compile a typed tree into closures over whole columns."""

    def __init__(self, types: Mapping[str, FieldType]) -> None:
        self.types = types

    def compile(self, node: Node) -> VectorFn:
        """Return ``fn(batch)`` giving ``(values, unknown, error)`` for the node."""
        if isinstance(node, Literal):
            value: Any = node.value
            if isinstance(value, bool):
                return lambda batch: (np.full(batch.size, value), None, None)
            return lambda _b: (value, None, None)
        if isinstance(node, Today):
            return lambda batch: (np.datetime64(batch.as_of, "D"), None, None)
        if isinstance(node, Field):
            name, kind = node.name, self.types[node.name]
            return lambda batch: batch.field(name, kind)
        if isinstance(node, Compare):
            parts = [self._pair(node.operands[i], op, node.operands[i + 1]) for i, op in enumerate(node.ops)]
            return parts[0] if len(parts) == 1 else _vector_and(parts)
        if isinstance(node, BoolOp):
            parts = [self.compile(v) for v in node.values]
            return _vector_and(parts) if node.op == "and" else _vector_or(parts)
        if isinstance(node, Not):
            inner = self.compile(node.operand)

            def negate(batch: BatchContext) -> Vec:
                truth, unknown, error = inner(batch)
                result = np.logical_not(truth)
                if unknown is not None:
                    result &= ~unknown
                return result, unknown, error

            return negate
        if isinstance(node, Neg):
            operand = self.compile(node.operand)

            def minus(batch: BatchContext) -> Vec:
                values, unknown, error = operand(batch)
                return -values, unknown, error

            return minus
        if isinstance(node, Arith):
            return self._arith(node)
        assert isinstance(node, Call)  # noqa: S101 - the checker admits no other node kinds
        return self._call(node)

    def _pair(self, left: Node, op: str, right: Node) -> VectorFn:
        lhs = self.compile(left)
        if isinstance(right, Options):
            options = list(right.values)
            negate = op == "not in"

            def member(batch: BatchContext) -> Vec:
                values, unknown, error = lhs(batch)
                if isinstance(values, Categorical):
                    hit = _category_rows(values, np.isin(values.categories, options) != negate)
                    if unknown is not None:
                        hit &= ~unknown
                    return hit, unknown, error
                if np.ndim(values) == 0:
                    hit = np.full(batch.size, values in options)
                elif len(options) <= 8:
                    hit = values == options[0]
                    for option in options[1:]:
                        hit |= values == option
                else:
                    hit = np.isin(values, options)
                if negate:
                    hit = ~hit
                if unknown is not None:
                    hit &= ~unknown
                return hit, unknown, error

            return member
        if (
            isinstance(right, Literal)
            and isinstance(left, Call)
            and left.name == "days_since"
            and isinstance(left.args[0], Field)
        ):
            fused = _days_since_compare(left.args[0].name, op, right.value)
            if fused is not None:
                return fused
        rhs = self.compile(right)
        compare = _ORDER[op]

        def pair(batch: BatchContext) -> Vec:
            a, ua, ea = lhs(batch)
            b, ub, eb = rhs(batch)
            if isinstance(a, Categorical) and isinstance(b, str):
                hit = _category_rows(a, np.asarray(compare(a.categories, b)))
            elif isinstance(b, Categorical) and isinstance(a, str):
                hit = _category_rows(b, np.asarray(compare(a, b.categories)))
            else:
                a = a.decode() if isinstance(a, Categorical) else a
                b = b.decode() if isinstance(b, Categorical) else b
                hit = np.asarray(compare(a, b))
                if hit.ndim == 0:
                    hit = np.full(batch.size, bool(hit))
            unknown = _or(ua, ub)
            if unknown is not None:
                hit &= ~unknown
            return hit, unknown, _or(ea, eb)

        return pair

    def _arith(self, node: Arith) -> VectorFn:
        lhs, rhs = self.compile(node.left), self.compile(node.right)
        op = node.op

        def arith(batch: BatchContext) -> Vec:
            a, ua, ea = lhs(batch)
            b, ub, eb = rhs(batch)
            unknown = _or(ua, ub)
            with np.errstate(all="ignore"):
                if op == "+":
                    result = np.add(a, b)
                elif op == "-":
                    result = np.subtract(a, b)
                elif op == "*":
                    result = np.multiply(a, b)
                else:
                    result = np.divide(a, b)
            bad = ~np.isfinite(result)
            if op == "/":
                bad = bad | np.equal(b, 0)
            result = np.broadcast_to(result, (batch.size,))
            bad = np.broadcast_to(bad, (batch.size,))
            if unknown is not None:
                bad = bad & ~unknown
            error = _or(_or(ea, eb), bad if bad.any() else None)
            return result, unknown, error

        return arith

    def _call(self, node: Call) -> VectorFn:
        args = [self.compile(a) for a in node.args]
        name = node.name

        def call(batch: BatchContext) -> Vec:
            results = [a(batch) for a in args]
            unknown: Mask = None
            error: Mask = None
            for _, u, e in results:
                unknown = _or(unknown, u)
                error = _or(error, e)
            values = [v for v, _, _ in results]
            if name == "abs":
                out: Any = np.abs(values[0])
            elif name in {"min", "max"}:
                reduce = np.minimum if name == "min" else np.maximum
                out = values[0]
                for other in values[1:]:
                    out = reduce(out, other)
            else:
                start: Any
                end: Any
                if name == "days_since":
                    start, end = values[0], np.datetime64(batch.as_of, "D")
                else:
                    start, end = values
                start = np.broadcast_to(start, (batch.size,))
                end = np.broadcast_to(end, (batch.size,))
                undecided = _or(unknown, error)  # an ERROR row's date is NaT: numpy cannot count it
                if undecided is not None:
                    fill = np.datetime64("2000-01-01", "D")
                    start = np.where(undecided, fill, start)
                    end = np.where(undecided, fill, end)
                if name == "business_days_between":
                    out = batch.calendar.counts(start, end).astype(np.float64)
                else:
                    out = (end - start).astype(np.int64).astype(np.float64)
            return np.broadcast_to(out, (batch.size,)), unknown, error

        return call


def _category_rows(column: Categorical, hit: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The rows whose category ``hit`` marks, in one pass over the codes.

    A missing row (code -1) may come out either way: the evaluator masks it as UNKNOWN.
    """
    codes = column.codes
    chosen = np.flatnonzero(hit)
    if chosen.size == 0:
        return np.zeros(codes.shape, dtype=bool)
    if chosen.size == 1:
        return np.asarray(codes == chosen[0])
    others = np.flatnonzero(~hit)
    if others.size == 0:
        return np.ones(codes.shape, dtype=bool)
    if others.size == 1:
        return np.asarray(codes != others[0])
    return _mapped(column, hit)


_MAX_DAYS = 10**9
"""The largest constant ``days_since(field) OP constant`` compares as a date (beyond: in days)."""


def _days_since_compare(name: str, op: str, constant: object) -> VectorFn | None:
    """``days_since(name) OP constant`` as one comparison of the dates with a shifted day.

    The days since a date ``d`` are a whole number ``n = as_of - d``, so ``n >= c`` is
    ``d <= as_of - ceil(c)``, and likewise for the other operators. ``None`` when the constant
    is not a number of at most :data:`_MAX_DAYS` (the general path counts the days).
    """
    if not isinstance(constant, float | int) or isinstance(constant, bool) or not abs(constant) <= _MAX_DAYS:
        return None
    low, high = math.floor(constant), math.ceil(constant)
    fixed: bool | None = None  # the result on every known row, when the operator decides it alone
    shift: dict[str, tuple[int, Callable[[Any, Any], Any]]] = {
        ">=": (high, operator.le),
        ">": (low + 1, operator.le),
        "<=": (low, operator.ge),
        "<": (high - 1, operator.ge),
        "==": (low, operator.eq),
        "!=": (low, operator.ne),
    }
    days, compare = shift[op]
    if op in {"==", "!="} and low != high:
        fixed = op == "!="  # a whole number of days never equals a fraction

    def days_since(batch: BatchContext) -> Vec:
        values, unknown, error = batch.field(name, FieldType.DATE)
        if fixed is not None:
            hit = np.full(batch.size, fixed)
        else:
            hit = np.asarray(compare(values, np.datetime64(batch.as_of, "D") - np.timedelta64(days, "D")))
        if unknown is not None:
            hit &= ~unknown
        return hit, unknown, error

    return days_since


def _short_circuit(results: Sequence[Vec], size: int, *, stop_on: bool) -> Vec:
    """Left-to-right and/or over clauses when some may be ERROR (see the module docstring)."""
    alive = np.ones(size, dtype=bool)  # rows not yet decided by a clause or an error
    error = np.zeros(size, dtype=bool)
    decided = np.zeros(size, dtype=bool)  # rows decided TRUE (or) / FALSE (and)
    unknown = np.zeros(size, dtype=bool)
    for value, u, e in results:
        if e is not None:
            error |= e & alive
            alive &= ~e
        hit = value if stop_on else ~value
        if u is not None:
            hit = hit & ~u
            unknown |= u & alive
        hit = hit & alive
        decided |= hit
        alive &= ~hit
    unknown &= alive
    truth = decided if stop_on else alive & ~unknown
    return truth, unknown, error


def _vector_and(parts: Sequence[VectorFn]) -> VectorFn:
    def kleene_and(batch: BatchContext) -> Vec:
        results = [part(batch) for part in parts]
        if any(e is not None for _, _, e in results):
            return _short_circuit(results, batch.size, stop_on=False)
        truth = np.logical_and(results[0][0], results[1][0])  # a new array: the values may be columns
        for value, _, _ in results[2:]:
            truth &= value
        unknown: Mask = None
        error: Mask = None
        for _, u, e in results:
            unknown = _or(unknown, u)
            error = _or(error, e)
        if unknown is not None:
            any_false = np.zeros(batch.size, dtype=bool)
            for value, u, _ in results:
                any_false |= ~value if u is None else ~(value | u)
            unknown = unknown & ~any_false
        return truth, unknown, error

    return kleene_and


def _vector_or(parts: Sequence[VectorFn]) -> VectorFn:
    def kleene_or(batch: BatchContext) -> Vec:
        results = [part(batch) for part in parts]
        if any(e is not None for _, _, e in results):
            return _short_circuit(results, batch.size, stop_on=True)
        truth = np.logical_or(results[0][0], results[1][0])  # a new array: the values may be columns
        for value, _, _ in results[2:]:
            truth |= value
        unknown: Mask = None
        error: Mask = None
        for _, u, e in results:
            unknown = _or(unknown, u)
            error = _or(error, e)
        if unknown is not None:
            unknown = unknown & ~truth
        return truth, unknown, error

    return kleene_or


def outcome_codes(result: Vec, size: int) -> npt.NDArray[np.int8]:
    """Fold a boolean ``(truth, unknown, error)`` into an array of :class:`Outcome` codes."""
    truth, unknown, error = result
    codes = np.broadcast_to(np.asarray(truth), (size,)).astype(np.int8)
    if unknown is not None:
        codes[unknown] = Outcome.UNKNOWN
    if error is not None:
        codes[error] = Outcome.ERROR
    return codes


# ------------------------------------------------------------------------------ explanations


_TEXT = v.instance(str, "a string")


def _json_texts(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``dict`` of field name to the JSON text of its value."""
    path = f"$.{attribute.name}"
    _check.instance(value, dict, path, "a mapping of field name to JSON text")
    for name, text in value.items():  # type: ignore[attr-defined]
        where = f"{path}[{_check_key(name)}]"
        _check.instance(name, str, where, "a string key")
        _check.instance(text, str, where, "a string")


@attrs.frozen
class Clause:
    """One top-level clause of a condition and its outcome.

    Args:
        text: The clause as written.
        outcome: What it evaluated to.
        facts: The fields it read, rendered (``balance = 6,120``).
        error: The evaluation error, when the outcome is ERROR.
    """

    text: str = attrs.field(validator=_TEXT)
    outcome: Outcome = attrs.field(validator=v.member(Outcome))
    facts: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(str, "a string")
    )
    error: str = attrs.field(default="", validator=_TEXT)


@attrs.frozen(kw_only=True)
class Explanation:
    """Why a condition came out as it did.

    Args:
        facts: Every field read, as JSON text of the normalized value (``null`` when missing).
        clauses: Each top-level clause and its outcome.
        deciding: The clause that decided the outcome (``None`` when all were needed).
        reason: One line, for a person.
    """

    facts: dict[str, str] = attrs.field(validator=_json_texts)
    clauses: tuple[Clause, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(Clause))
    deciding: str | None = attrs.field(validator=v.optional(_TEXT))
    reason: str = attrs.field(validator=_TEXT)


def json_value(value: object) -> str:
    """The JSON text of a normalized fact value."""
    if isinstance(value, datetime.date):
        return json.dumps(value.isoformat())
    return json.dumps(value)


def explain(  # noqa: PLR0917 - internal, called once with every piece of one evaluation
    expr: Expression,
    clauses: Sequence[tuple[Node, ScalarFn, Sequence[str]]],
    outcome: Outcome,
    values: Mapping[str, Any],
    env: Env,
    record: Mapping[str, Any],
    failure: str,
) -> Explanation:
    """Build the explanation of a scalar evaluation (``values`` are the normalized facts).

    Each clause comes with the fields it reads, sorted.
    """
    rendered: list[Clause] = []
    for node, fn, fields in clauses:
        facts = tuple(f"{name} = {display(values.get(name))}" for name in fields)
        try:
            clause_outcome = _to_outcome(fn(record, env))
            error = ""
        except EvalFailure as exc:
            clause_outcome, error = Outcome.ERROR, str(exc)
        rendered.append(_make_clause(text=node.source, outcome=clause_outcome, facts=facts, error=error))
    joiner = expr.root.op if isinstance(expr.root, BoolOp) else "and"
    deciding = _deciding(rendered, outcome, joiner)
    return _make_explanation(  # built from checked parts: each fact is json_value's JSON text
        facts={name: json_value(values.get(name)) for name in sorted(values)},
        clauses=tuple(rendered),
        deciding=deciding.text if deciding else None,
        reason=_reason(rendered, deciding, outcome, joiner, failure),
    )


_make_clause = builder(Clause)
_make_explanation = builder(Explanation)


def _to_outcome(value: object) -> Outcome:
    if value is None:
        return Outcome.UNKNOWN
    return Outcome.TRUE if value else Outcome.FALSE


def _deciding(clauses: Sequence[Clause], outcome: Outcome, joiner: str) -> Clause | None:
    if len(clauses) == 1:
        return clauses[0]
    for clause in clauses:
        if clause.outcome is outcome and (
            outcome in {Outcome.ERROR, Outcome.UNKNOWN}
            or (joiner == "and" and outcome is Outcome.FALSE)
            or (joiner == "or" and outcome is Outcome.TRUE)
        ):
            return clause
    return None


def _with_facts(clause: Clause) -> str:
    return f"{clause.text} ({', '.join(clause.facts)})" if clause.facts else clause.text


def _reason(
    clauses: Sequence[Clause], deciding: Clause | None, outcome: Outcome, joiner: str, failure: str
) -> str:
    if outcome is Outcome.ERROR:
        where = deciding.text if deciding else "the condition"
        return f"error in {where}: {failure}"
    if deciding is None:
        parts = [_with_facts(c) for c in clauses]
        verdict = "met" if outcome is Outcome.TRUE else "not met"
        return f"{verdict}: " + f" {joiner} ".join(parts)
    if outcome is Outcome.UNKNOWN:
        return f"unknown: {_with_facts(deciding)} cannot be decided"
    if outcome is Outcome.TRUE:
        return f"met: {_with_facts(deciding)}"
    return f"not met: {_with_facts(deciding)} is false"
