"""A rule's condition pushed down to a warehouse table, through narwhals expressions.

Each boolean node compiles to an ``Int8`` expression holding an explicit :class:`Outcome` code
(FALSE 0, TRUE 1, UNKNOWN 2, ERROR 3), and each value node to a pair of expressions: the value
and its state (0 known, 2 UNKNOWN, 3 ERROR). SQL's NULL logic never decides an outcome: missing
cells (NULL, NaN in a number column, ``""`` in a text column) are UNKNOWN, division by zero and
non-finite results are ERROR, and ``and`` / ``or`` read their clauses left to right exactly as the
scalar and numpy evaluators do. So a DuckDB relation, a PySpark DataFrame or a polars frame gives
the outcome the in-process evaluators give on the same records.

>>> import datetime, polars as pl
>>> from comanaged_rcm.escalation import FactKind, Level, Owner, Rule, compile_rule
>>> rule = compile_rule(Rule(id="big", when="balance / units > 100", applies_to=FactKind.CLAIM,
...                          level=Level.ONSHORE_LEAD, owner=Owner.party("lead")))
>>> table = pl.DataFrame({"balance": [500.0, 50.0, None, 9.0], "units": [2.0, 1.0, 1.0, 0.0]})
>>> pushdown_outcomes(rule, table, as_of=datetime.date(2026, 1, 5))["outcome"].to_list()
[1, 0, 2, 3]
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from comanaged_rcm import _check
from comanaged_rcm.errors import Issue, RCMError, ValidationError
from comanaged_rcm.escalation._calendar import BusinessCalendar
from comanaged_rcm.escalation._compiled import CompiledRule, _env
from comanaged_rcm.escalation._eval import Outcome
from comanaged_rcm.escalation._expr import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Field,
    FieldType,
    Literal,
    Neg,
    Node,
    Not,
    Options,
    Today,
)

if TYPE_CHECKING:
    import narwhals as nw

__all__ = [
    "MAX_PUSHDOWN_HOLIDAYS",
    "PushdownError",
    "pushdown_counts",
    "pushdown_firing",
    "pushdown_outcomes",
]

MAX_PUSHDOWN_HOLIDAYS = 2000
"""The most business-day holidays a pushed-down ``business_days_between`` counts over."""

_EXTRA = "pip install 'comanaged-rcm[frames]'"
_SHARE = 24
"""An expression referenced more than once and larger than this is computed once, in a column."""
_FIRST = datetime.date(1, 1, 1)
_LAST = datetime.date(9999, 12, 31)
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


class PushdownError(RCMError, ValueError):
    """A rule holds a construct that cannot be computed faithfully as a warehouse expression."""


def _narwhals() -> Any:  # noqa: ANN401 - the module, imported lazily
    try:
        import narwhals as nw  # noqa: PLC0415 - optional, imported only when a table arrives
    except ImportError:  # pragma: no cover - narwhals is installed where the tests run
        raise RCMError(f"pushing a rule down to a table needs narwhals ({_EXTRA})") from None
    return nw


class _X:
    """An expression and its size (how many nodes it would spell out)."""

    __slots__ = ("expr", "size")

    def __init__(self, expr: nw.Expr, size: int = 1) -> None:
        self.expr = expr
        self.size = size


_Value = tuple[_X, _X | None]  # a value and its state (None: always known)


class _Compiler:
    """Compile one typed tree over a table's columns to narwhals expressions."""

    def __init__(  # noqa: PLR0917 - internal, one call site
        self,
        nw: Any,  # noqa: ANN401 - the narwhals module
        compiled: CompiledRule,
        kinds: Mapping[str, str],
        as_of: datetime.date,
        calendar: BusinessCalendar,
        names: Callable[[], str],
    ) -> None:
        self.nw = nw
        self.compiled = compiled
        self.kinds = kinds  # field -> "int" / "float" / "text" / "date" / "bool"
        self.as_of = as_of
        self.calendar = calendar
        self.names = names
        self.temps: list[tuple[str, nw.Expr]] = []

    def lit(self, value: object, dtype: Any) -> _X:  # noqa: ANN401 - a narwhals dtype
        return _X(self.nw.lit(value, dtype))

    def code(self, value: int) -> _X:
        return self.lit(value, self.nw.Int8)

    def share(self, x: _X) -> _X:
        if x.size <= _SHARE:
            return x
        name = self.names()
        self.temps.append((name, x.expr.alias(name)))
        return _X(self.nw.col(name))

    def when(self, branches: Sequence[tuple[_X, _X]], otherwise: _X) -> _X:
        (cond, then), *rest = branches
        chain = self.nw.when(cond.expr).then(then.expr)
        for c, t in rest:
            chain = chain.when(c.expr).then(t.expr)
        size = sum(c.size + t.size for c, t in branches) + otherwise.size + 1
        return _X(chain.otherwise(otherwise.expr), size)

    def refuse(self, node: Node, why: str) -> PushdownError:
        return PushdownError(
            f"rule {self.compiled.rule.id!r}: {node.source!r} cannot be pushed down to a table: {why}"
        )

    # ------------------------------------------------------------------ booleans (outcome codes)

    def boolean(self, node: Node) -> _X:
        if isinstance(node, Literal):
            return self.code(int(bool(node.value)))
        if isinstance(node, Field):
            value, state = self.field(node.name)
            return self._known(state, _X(value.expr.cast(self.nw.Int8), value.size + 1))
        if isinstance(node, Not):
            inner = self.share(self.boolean(node.operand))
            return self.when(
                [
                    (_X(inner.expr == 0, inner.size + 1), self.code(1)),
                    (_X(inner.expr == 1, inner.size + 1), self.code(0)),
                ],
                inner,
            )
        if isinstance(node, BoolOp):
            return self.kleene(node.op, [self.boolean(v) for v in node.values])
        if isinstance(node, Compare):
            pairs = [self.pair(node.operands[i], op, node.operands[i + 1]) for i, op in enumerate(node.ops)]
            return pairs[0] if len(pairs) == 1 else self.kleene("and", pairs)
        raise self.refuse(node, "it is not a condition")  # pragma: no cover - the checker types it

    def kleene(self, op: str, parts: Sequence[_X]) -> _X:
        """Left to right: the first clause FALSE (and) / TRUE (or) or ERROR decides; else Kleene."""
        shared = [self.share(p) for p in parts]
        stop = [Outcome.FALSE, Outcome.ERROR] if op == "and" else [Outcome.TRUE, Outcome.ERROR]
        branches = [(_X(p.expr.is_in([int(s) for s in stop]), p.size + 1), p) for p in shared]
        # past every stop, the codes left are TRUE/UNKNOWN (and) or FALSE/UNKNOWN (or): UNKNOWN is the max
        rest = _X(self.nw.max_horizontal(*(p.expr for p in shared)), sum(p.size for p in shared) + 1)
        return self.when(branches, rest)

    def _known(self, state: _X | None, code: _X) -> _X:
        """``code`` where the state is known, else the state's UNKNOWN / ERROR."""
        if state is None:
            return code
        return self.when([(_X(state.expr != 0, state.size + 1), state)], code)

    def pair(self, left: Node, op: str, right: Node) -> _X:
        value, state = self.value(left)
        if isinstance(right, Options):
            hit = value.expr.is_in(list(right.values))
            if op == "not in":
                hit = ~hit
            truth = _X(hit, value.size + 1)
        else:
            other, other_state = self.value(right)
            state = self.worst(state, other_state)
            truth = _X(_ORDER[op](value.expr, other.expr), value.size + other.size + 1)
        state = None if state is None else self.share(state)
        return self._known(state, self.when([(truth, self.code(1))], self.code(0)))

    def worst(self, *states: _X | None) -> _X | None:
        """The combined state: ERROR over UNKNOWN over known (the codes are ordered so)."""
        given = [s for s in states if s is not None]
        if not given:
            return None
        if len(given) == 1:
            return given[0]
        return _X(self.nw.max_horizontal(*(s.expr for s in given)), sum(s.size for s in given) + 1)

    # ------------------------------------------------------------------ values

    def field(self, name: str) -> _Value:
        nw = self.nw
        col = nw.col(name)
        kind = self.kinds[name]
        two, three, zero = self.code(2), self.code(3), self.code(0)
        if kind == "int":
            return _X(col.cast(nw.Float64)), self.when([(_X(col.is_null()), two)], zero)
        if kind == "float":
            missing = _X(col.is_null() | col.is_nan(), 3)
            return _X(col.cast(nw.Float64)), self.when([(missing, two), (_X(~col.is_finite()), three)], zero)
        if kind == "text":
            text = col.cast(nw.String)
            missing = _X(text.is_null() | (text == ""), 3)
            return _X(text), self.when([(missing, two), (_X(text.str.ends_with("\x00"), 2), three)], zero)
        if kind == "date":
            year = col.dt.year()
            outside = (year < _FIRST.year) | (year > _LAST.year)
            return _X(col), self.when([(_X(col.is_null()), two), (_X(outside, 3), three)], zero)
        return _X(col), self.when([(_X(col.is_null()), two)], zero)

    def value(self, node: Node) -> _Value:
        nw = self.nw
        if isinstance(node, Literal):
            if isinstance(node.value, bool):
                return self.lit(node.value, nw.Boolean), None
            if isinstance(node.value, str):
                return self.lit(node.value, nw.String), None
            return self.lit(node.value, nw.Float64), None
        if isinstance(node, Today):
            return self.lit(self.as_of, nw.Date), None
        if isinstance(node, Field):
            value, state = self.field(node.name)
            return value, self.share(state) if state is not None else None
        if isinstance(node, Neg):
            value, state = self.value(node.operand)
            return _X(-value.expr, value.size + 1), state
        if isinstance(node, Arith):
            return self.arith(node)
        if isinstance(node, Call):
            return self.call(node)
        # a condition used as a value (a boolean compared with ==): its code, read back as a bool
        code = self.share(self.boolean(node))
        state = self.when([(_X(code.expr.is_in([2, 3]), code.size + 1), code)], self.code(0))
        return _X(code.expr == 1, code.size + 1), state

    def arith(self, node: Arith) -> _Value:
        nw = self.nw
        a, sa = self.value(node.left)
        b, sb = self.value(node.right)
        state = self.worst(sa, sb)
        if node.op == "/":
            b = self.share(b)
            safe = self.when([(_X(b.expr == 0, b.size + 1), self.lit(1.0, nw.Float64))], b)
            result = self.share(_X(a.expr / safe.expr, a.size + safe.size + 1))
            checks = [(_X(b.expr == 0, b.size + 1), self.code(3))]
        else:
            ops = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}
            result = self.share(_X(ops[node.op](a.expr, b.expr), a.size + b.size + 1))
            checks = []
        checks.append((_X(~result.expr.is_finite(), result.size + 1), self.code(3)))
        if state is not None:
            state = self.share(state)
            checks.insert(0, (_X(state.expr != 0, state.size + 1), state))
        return result, self.when(checks, self.code(0))

    def call(self, node: Call) -> _Value:
        nw = self.nw
        name = node.name
        if name in {"abs", "min", "max"}:
            values = [self.value(a) for a in node.args]
            state = self.worst(*(s for _, s in values))
            if name == "abs":
                ((value, _),) = values
                return _X(value.expr.abs(), value.size + 1), state
            pick = nw.min_horizontal if name == "min" else nw.max_horizontal
            return _X(pick(*(v.expr for v, _ in values)), sum(v.size for v, _ in values) + 1), state
        dates = [self.value(a) for a in node.args]
        state = self.worst(*(s for _, s in dates))
        if name == "days_since":
            start, end = node.args[0], None
        else:
            start, end = node.args
        first = self.day_number(start)
        last = (
            self.lit(float(self.as_of.toordinal() - _EPOCH_ORDINAL), nw.Float64)
            if end is None
            else self.day_number(end)
        )
        if name != "business_days_between":
            return _X(last.expr - first.expr, last.size + first.size + 1), state
        return self.business(node, start, end, first, last), state

    def day_number(self, node: Node) -> _X:
        """Days since 1970-01-01 as a Float64 expression (from the year, month and day)."""
        nw = self.nw
        if isinstance(node, Today):
            return self.lit(float(self.as_of.toordinal() - _EPOCH_ORDINAL), nw.Float64)
        assert isinstance(node, Field)  # noqa: S101 - a date is a field or today in the language
        col = nw.col(node.name)
        year = col.dt.year().cast(nw.Float64)
        month = col.dt.month().cast(nw.Float64)
        day = col.dt.day().cast(nw.Float64)
        y = nw.when(month <= 2).then(year - 1).otherwise(year)
        shifted = nw.when(month > 2).then(month - 3).otherwise(month + 9)
        era = (y / 400).floor()
        yoe = y - era * 400
        doy = ((shifted * 153 + 2) / 5).floor() + day - 1
        doe = yoe * 365 + (yoe / 4).floor() - (yoe / 100).floor() + doy
        return self.share(_X(era * 146097 + doe - 719468, 60))

    def business(self, node: Call, start: Node, end: Node | None, first: _X, last: _X) -> _X:
        """Numpy's ``busday_count``: days in ``[a, b)``; reversed, minus those in ``[b + 1, a + 1)``."""
        nw = self.nw
        calendar = self.calendar
        holidays = sorted(h for h in calendar.holidays if h.weekday() not in calendar.weekend)
        if len(holidays) > MAX_PUSHDOWN_HOLIDAYS:
            raise self.refuse(
                node,
                f"business_days_between() over a calendar of {len(holidays):,} working-day holidays"
                f" (at most {MAX_PUSHDOWN_HOLIDAYS:,} are pushed down); evaluate it with evaluate_batch",
            )
        workdays = [w for w in range(7) if w not in calendar.weekend]

        def weekdays(day: _X, shift: int) -> _X:
            # days d < day + shift with weekday w: floor((day + shift - 1 - r) / 7) + a constant
            terms = [((day.expr + (shift - 1 - (w - 3) % 7)) / 7).floor() for w in workdays]
            return _X(sum(terms[1:], terms[0]), day.size * len(terms) + 1)

        def below(arg: Node, *, inclusive: bool) -> _X:
            """The holidays before the date (on or before, with ``inclusive``)."""
            if isinstance(arg, Today):
                count = sum(1 for h in holidays if (h <= self.as_of if inclusive else h < self.as_of))
                return self.lit(float(count), nw.Float64)
            col = nw.col(arg.name)  # type: ignore[attr-defined]

            def search(lo: int, hi: int) -> _X:
                if lo == hi:
                    return self.lit(float(lo), nw.Float64)
                mid = (lo + hi) // 2
                day = nw.lit(holidays[mid], nw.Date)
                past = col >= day if inclusive else col > day
                return self.when([(_X(past), search(mid + 1, hi))], search(lo, mid))

            return search(0, len(holidays))

        end_node: Node = end if end is not None else Today(node.line, node.column, "today")

        def count(shift: int) -> _X:
            inclusive = shift == 1
            hi = weekdays(last, shift)
            lo = weekdays(first, shift)
            hb, ha = below(end_node, inclusive=inclusive), below(start, inclusive=inclusive)
            expr = (hi.expr - hb.expr) - (lo.expr - ha.expr)
            return _X(expr, hi.size + hb.size + lo.size + ha.size + 3)

        forward = _X(last.expr >= first.expr, last.size + first.size + 1)
        return self.when([(forward, count(0))], count(1))


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}

_WANTED = {
    FieldType.NUMBER: "a number column (integer or floating point; cast decimals to DOUBLE)",
    FieldType.TEXT: "a string column",
    FieldType.DATE: "a date column (cast timestamps to DATE)",
    FieldType.BOOLEAN: "a boolean column",
}


def _kind(nw: Any, frame: Any, name: str, dtype: Any, wanted: FieldType) -> str | None:  # noqa: ANN401
    """How a column of ``dtype`` is read as ``wanted``, or ``None`` when it cannot be."""
    if wanted is FieldType.NUMBER:
        if dtype.is_integer():
            return "int"
        if dtype.is_float():
            return "float"
        return None
    if wanted is FieldType.TEXT:
        if dtype == nw.String or dtype == nw.Categorical or isinstance(dtype, nw.Enum | nw.Categorical):  # noqa: PLR1714 - narwhals dtypes compare by class
            native = nw.to_native(frame)
            if nw.dependencies.is_pandas_like_dataframe(native) and native[name].dtype == object:
                return None  # a pandas object column may hold anything: Python would read each value
            return "text"
        return None
    if wanted is FieldType.DATE:
        return "date" if dtype == nw.Date else None
    return "bool" if dtype == nw.Boolean else None


def _frame(table: object) -> tuple[Any, Any]:
    nw = _narwhals()
    try:
        frame = nw.from_native(table)
    except TypeError:
        raise ValidationError.single(
            "$.table",
            "type",
            "a table must be a data frame narwhals reads: a DuckDB relation, a PySpark DataFrame,"
            f" a polars or pandas frame (got {type(table).__name__})",
        ) from None
    if not isinstance(frame, nw.DataFrame | nw.LazyFrame):
        raise ValidationError.single(
            "$.table", "type", f"a table must be a data frame (got {type(table).__name__})"
        )
    return nw, frame


def _rules(rule: object) -> dict[str, CompiledRule]:
    if isinstance(rule, CompiledRule):
        return {"outcome": rule}
    mapping = _check.instance(
        rule, Mapping, "$.rule", "a CompiledRule or a mapping of column name to CompiledRule"
    )
    rules: dict[str, CompiledRule] = {}
    for name, item in mapping.items():
        key = _check.field_name(name, "$.rule[...]")
        rules[key] = _check.instance(item, CompiledRule, f"$.rule[{key!r}]")
    if not rules:
        raise ValidationError.single("$.rule", "value", "at least one rule is needed")
    return rules


def _with_outcomes(
    rule: object, table: object, as_of: object, calendar: object
) -> tuple[Any, Any, list[str]]:
    """The narwhals frame with one outcome column per rule, and the names of those columns."""
    rules = _rules(rule)
    day, cal = _env(as_of, calendar)
    nw, frame = _frame(table)
    schema = dict(frame.collect_schema().items())
    issues: list[Issue] = []
    kinds: dict[str, str] = {}
    for compiled in rules.values():
        for name, wanted in compiled.schema.items():
            if name in kinds or name not in compiled.condition.fields():
                continue
            if name not in schema:
                issues.append(
                    Issue(
                        f"$.table.{name}",
                        "missing",
                        f"the table has no column {name!r} (rule {compiled.rule.id!r} reads it)",
                    )
                )
                continue
            kind = _kind(nw, frame, name, schema[name], wanted)
            if kind is None:
                issues.append(
                    Issue(
                        f"$.table.{name}",
                        "type",
                        f"column {name!r} must be {_WANTED[wanted]} for rule {compiled.rule.id!r}"
                        f" (got {schema[name]})",
                    )
                )
                continue
            kinds[name] = kind
    issues.extend(
        Issue("$.name", "value", f"the table already has a column {out!r}: name the outcome column otherwise")
        for out in rules
        if out in schema
    )
    if issues:
        raise ValidationError(issues)
    taken = set(schema) | set(rules)
    counter = itertools.count()

    def names() -> str:
        while True:
            name = f"_rcm_pushdown_{next(counter)}"
            if name not in taken:
                taken.add(name)
                return name

    outcomes = []
    temps: list[tuple[str, Any]] = []
    for out, compiled in rules.items():
        compiler = _Compiler(nw, compiled, kinds, day, cal, names)
        code = compiler.boolean(compiled.condition.root)
        temps.extend(compiler.temps)
        outcomes.append(code.expr.cast(nw.Int8).alias(out))
    for _, expr in temps:
        frame = frame.with_columns(expr)
    frame = frame.with_columns(*outcomes)
    if temps:
        frame = frame.drop([name for name, _ in temps])
    return nw, frame, list(rules)


def pushdown_outcomes(
    rule: CompiledRule | Mapping[str, CompiledRule],
    table: Any,  # noqa: ANN401 - any data frame narwhals reads
    *,
    as_of: datetime.date | None = None,
    calendar: BusinessCalendar | None = None,
) -> Any:  # noqa: ANN401 - the input's own kind of frame
    """The table with the rule's :class:`Outcome` code added as an ``Int8`` column ``outcome``.

    The work stays in the table's engine: a DuckDB relation, a PySpark DataFrame or a polars
    ``LazyFrame`` comes back lazy, as the same kind of object, with nothing run yet. Missing
    cells (NULL; NaN in a number column; ``""`` in a text column) are UNKNOWN, as in
    :meth:`CompiledRule.evaluate_batch`.

    Args:
        rule: A compiled rule, or a mapping of output column name to compiled rule (one column
            per rule, in one query).
        table: The records: any data frame narwhals reads, one column per field the rule reads.
        as_of: The evaluation date (default: today in UTC).
        calendar: The business-day calendar (default: Saturday and Sunday off, no holidays).

    Returns:
        The input's kind of frame with the outcome column(s) added.

    Raises:
        ValidationError: A column missing or of the wrong type for the rule's schema
            (``$.table.<column>``), an outcome column name the table already has (``$.name``),
            or a bad argument.
        PushdownError: A construct that cannot be pushed down faithfully (a holiday calendar of
            more than :data:`MAX_PUSHDOWN_HOLIDAYS` working-day holidays).
        RCMError: narwhals is not installed (``pip install comanaged-rcm[frames]``).

    >>> import polars as pl
    >>> from comanaged_rcm.escalation import FactKind, Level, Owner, Rule, compile_rule
    >>> rule = compile_rule(Rule(id="r", when="payer == 'AETNA' or balance > 10",
    ...                          applies_to=FactKind.CLAIM, level=Level.ONSHORE_LEAD,
    ...                          owner=Owner.party("lead")))
    >>> table = pl.LazyFrame({"payer": ["AETNA", "", "UHC"], "balance": [1.0, 20.0, None]})
    >>> pushdown_outcomes(rule, table).collect()["outcome"].to_list()
    [1, 1, 2]
    """
    nw, frame, _ = _with_outcomes(rule, table, as_of, calendar)
    return nw.to_native(frame)


def pushdown_counts(
    rule: CompiledRule,
    table: Any,  # noqa: ANN401 - any data frame narwhals reads
    *,
    as_of: datetime.date | None = None,
    calendar: BusinessCalendar | None = None,
) -> dict[Outcome, int]:
    """How many records come out as each :class:`Outcome`, in one small query.

    Args:
        rule: The compiled rule.
        table: The records (see :func:`pushdown_outcomes`).
        as_of: The evaluation date (default: today in UTC).
        calendar: The business-day calendar.

    Returns:
        Every outcome (FALSE, TRUE, UNKNOWN, ERROR) to its count, zero included.

    Raises:
        ValidationError: As :func:`pushdown_outcomes`.
        PushdownError: As :func:`pushdown_outcomes`.

    >>> import polars as pl
    >>> from comanaged_rcm.escalation import FactKind, Level, Owner, Rule, compile_rule
    >>> rule = compile_rule(Rule(id="r", when="balance > 10", applies_to=FactKind.CLAIM,
    ...                          level=Level.ONSHORE_LEAD, owner=Owner.party("lead")))
    >>> counts = pushdown_counts(rule, pl.DataFrame({"balance": [1.0, 20.0, 30.0, None]}))
    >>> {outcome.name: count for outcome, count in counts.items()}
    {'FALSE': 1, 'TRUE': 2, 'UNKNOWN': 1, 'ERROR': 0}
    """
    _check.instance(rule, CompiledRule, "$.rule")
    nw, frame, (name,) = _with_outcomes(rule, table, as_of, calendar)
    col = nw.col(name)
    summary = frame.select(*((col == int(o)).cast(nw.Int64).sum().alias(o.name) for o in Outcome))
    if isinstance(summary, nw.LazyFrame):
        summary = summary.collect()
    (row,) = summary.rows()
    return {outcome: int(value or 0) for outcome, value in zip(Outcome, row, strict=True)}


def pushdown_firing(
    rule: CompiledRule,
    table: Any,  # noqa: ANN401 - any data frame narwhals reads
    *,
    as_of: datetime.date | None = None,
    calendar: BusinessCalendar | None = None,
    errors: bool = False,
) -> Any:  # noqa: ANN401 - the input's own kind of frame
    """The records on which the rule fires (outcome TRUE), lazily, with their ``outcome`` column.

    Args:
        rule: The compiled rule.
        table: The records (see :func:`pushdown_outcomes`).
        as_of: The evaluation date (default: today in UTC).
        calendar: The business-day calendar.
        errors: Also keep the records whose outcome is ERROR (to look into them).

    Returns:
        The input's kind of frame, filtered.

    Raises:
        ValidationError: As :func:`pushdown_outcomes`, or ``errors`` not a bool.
        PushdownError: As :func:`pushdown_outcomes`.

    >>> import polars as pl
    >>> from comanaged_rcm.escalation import FactKind, Level, Owner, Rule, compile_rule
    >>> rule = compile_rule(Rule(id="r", when="balance / units > 10", applies_to=FactKind.CLAIM,
    ...                          level=Level.ONSHORE_LEAD, owner=Owner.party("lead")))
    >>> table = pl.DataFrame({"balance": [100.0, 5.0, 7.0], "units": [2.0, 1.0, 0.0]})
    >>> pushdown_firing(rule, table, errors=True)["outcome"].to_list()
    [1, 3]
    """
    _check.instance(rule, CompiledRule, "$.rule")
    keep = _check.flag(errors, "$.errors")
    nw, frame, (name,) = _with_outcomes(rule, table, as_of, calendar)
    wanted = [int(Outcome.TRUE), int(Outcome.ERROR)] if keep else [int(Outcome.TRUE)]
    return nw.to_native(frame.filter(nw.col(name).is_in(wanted)))
