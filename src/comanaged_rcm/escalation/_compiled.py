"""Compile a :class:`Rule` once; evaluate it per record (with an explanation) or over columns.

>>> from comanaged_rcm.escalation import FactKind, Level, Owner, Rule
>>> rule = Rule(id="big_write_off", when="action == 'write_off' and balance > 5000",
...             applies_to=FactKind.QUEUE_ITEM, level=Level.PROVIDER_DECISION_OWNER,
...             owner=Owner.decision("write_off"))
>>> compiled = compile_rule(rule)
>>> result = compiled.evaluate({"action": "write_off", "balance": 6120.0})
>>> result.outcome
<Outcome.TRUE: 1>
>>> result.explanation.reason
"met: action == 'write_off' (action = 'write_off') and balance > 5000 (balance = 6,120)"
>>> compiled.evaluate_batch({"action": np.array(["write_off", "appeal"]),
...                          "balance": np.array([np.nan, 9000.0])}).tolist()
[2, 0]
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check
from comanaged_rcm._check import v
from comanaged_rcm._frames import columns_of, is_frame
from comanaged_rcm.errors import Issue, RuleSyntaxError, ValidationError
from comanaged_rcm.escalation._calendar import BusinessCalendar
from comanaged_rcm.escalation._edge import builder, whole_field
from comanaged_rcm.escalation._eval import (
    BatchContext,
    Env,
    EvalFailure,
    Explanation,
    Outcome,
    ScalarFn,
    ScalarProgram,
    VectorProgram,
    explain,
    outcome_codes,
    read_value,
)
from comanaged_rcm.escalation._expr import (
    BoolOp,
    Expression,
    Field,
    FieldType,
    Node,
    check_types,
    parse_expression,
    schema_argument,
)
from comanaged_rcm.escalation._models import Rule, RuleSet, template_fields, template_specs

if TYPE_CHECKING:
    from comanaged_rcm.kpi._book import SupportsArrowStream, SupportsColumns

__all__ = ["CompiledRule", "Evaluation", "compile_rule", "compile_rules"]

Columns: TypeAlias = "Mapping[str, Any] | SupportsColumns | SupportsArrowStream"
"""Columns of facts: a mapping of name to array, or a data frame (pandas, polars, pyarrow)."""

_DEFAULT_CALENDAR = BusinessCalendar()


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def _env(as_of: object, calendar: object) -> tuple[datetime.date, BusinessCalendar]:
    """The evaluation date and calendar arguments, checked, with their defaults."""
    day = _today() if as_of is None else _check.date(as_of, "$.as_of")
    if calendar is None:
        return day, _DEFAULT_CALENDAR
    return day, _check.instance(calendar, BusinessCalendar, "$.calendar")


@attrs.frozen(kw_only=True)
class Evaluation:
    """The outcome of one rule on one record, and why.

    Args:
        rule: The rule id.
        rule_version: The rule version.
        rule_hash: The rule's content hash.
        outcome: TRUE, FALSE, UNKNOWN or ERROR.
        explanation: Facts read, each clause's outcome, the deciding clause and a one-line reason.
        as_of: The evaluation date (``today`` and ``days_since`` read it).
    """

    rule: str = attrs.field(validator=v.identifier())
    rule_version: int = attrs.field(validator=whole_field(minimum=1))
    rule_hash: str = attrs.field(validator=v.text())
    outcome: Outcome = attrs.field(validator=v.member(Outcome))
    explanation: Explanation = attrs.field(validator=v.instance(Explanation))
    as_of: datetime.date = attrs.field(validator=v.date())

    def __repr__(self) -> str:
        return (
            f"<Evaluation {self.rule} v{self.rule_version}: {self.outcome.name} ({self.explanation.reason})>"
        )

    def _rows(self) -> list[tuple[str, str, str]]:
        return [(c.text, c.outcome.name, ", ".join(c.facts) or c.error) for c in self.explanation.clauses]

    def _repr_markdown_(self) -> str:
        lines = [
            f"**{self.rule}** v{self.rule_version}: **{self.outcome.name}**. {self.explanation.reason}",
            "",
            "| clause | outcome | facts |",
            "| --- | --- | --- |",
        ]
        lines.extend(f"| `{text}` | {outcome} | {facts} |" for text, outcome, facts in self._rows())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{html.escape(t)}</code></td><td>{o}</td><td>{html.escape(f)}</td></tr>"
            for t, o, f in self._rows()
        )
        head = html.escape(
            f"{self.rule} v{self.rule_version}: {self.outcome.name}. {self.explanation.reason}"
        )
        return f"<p>{head}</p><table><tr><th>clause</th><th>outcome</th><th>facts</th></tr>{rows}</table>"


_make_evaluation = builder(Evaluation)


class CompiledRule:
    """A rule parsed, type-checked and compiled to a scalar and a vectorized evaluator.

    Build it with :func:`compile_rule`. Both evaluators give the same outcome on every record.

    Args:
        rule: The rule.
        condition: The parsed condition to evaluate.
        clear: The parsed clearing condition, or ``None``.
        schema: The type of every field the conditions read.

    Raises:
        ValidationError: An argument of the wrong type.
        RuleSyntaxError: A condition that does not type-check against ``schema`` (a field it
            lacks, a type mismatch).

    Attributes:
        rule: The rule.
        condition: The condition actually evaluated (the ``min_count`` guard, then ``when``).
        clear: The clearing condition, if the rule has one.
        schema: The type of every field the rule reads.
        content_hash: The rule's content hash.
    """

    def __init__(
        self,
        rule: Rule,
        condition: Expression,
        clear: Expression | None,
        schema: dict[str, FieldType],
    ) -> None:
        _check.instance(rule, Rule, "$.rule")
        _check.instance(condition, Expression, "$.condition")
        if clear is not None:
            _check.instance(clear, Expression, "$.clear")
        schema = schema_argument(schema, "$.schema")
        check_types(condition, schema, infer=False)
        if clear is not None:
            check_types(clear, schema, infer=False)
        self.rule = rule
        self.condition = condition
        self.clear = clear
        self.schema = schema
        self.content_hash = rule.content_hash()
        scalar, vector = ScalarProgram(schema), VectorProgram(schema)
        self._scalar = scalar.compile(condition.root)
        self._vector = vector.compile(condition.root)
        root = condition.root
        clause_nodes = _flatten(root, root.op) if isinstance(root, BoolOp) else [root]
        self._clauses = [(node, scalar.compile(node)) for node in clause_nodes]
        # the fields each expression and clause reads, for explanations (found once, not per record)
        self._fields = {id(condition): sorted(condition.fields())}
        if clear is not None:
            self._fields[id(clear)] = sorted(clear.fields())
        self._clause_fields = {
            id(node): _node_fields(node) for node in (*clause_nodes, *([clear.root] if clear else []))
        }
        self._clear_scalar = scalar.compile(clear.root) if clear else None
        self._clear_vector = vector.compile(clear.root) if clear else None

    def __repr__(self) -> str:
        return f"<CompiledRule {self.rule.id} v{self.rule.version}: {self.condition.text}>"

    def scalar(
        self, *, as_of: datetime.date | None = None, calendar: BusinessCalendar | None = None
    ) -> Callable[[Mapping[str, Any]], Outcome]:
        """A fast per-record function giving only the :class:`Outcome` (no explanation).

        >>> from comanaged_rcm.escalation import FactKind, Level, Owner, Rule
        >>> rule = Rule(id="r", when="balance > 10", applies_to=FactKind.CLAIM,
        ...             level=Level.ONSHORE_LEAD, owner=Owner.party("lead"))
        >>> check = compile_rule(rule).scalar()
        >>> check({"balance": 12}), check({"balance": None}), check({"balance": "12"})
        (<Outcome.TRUE: 1>, <Outcome.UNKNOWN: 2>, <Outcome.ERROR: 3>)
        """
        env = _env(as_of, calendar)
        fn = self._scalar
        true, false, unknown, error = Outcome.TRUE, Outcome.FALSE, Outcome.UNKNOWN, Outcome.ERROR
        root = self.condition.root
        if isinstance(root, BoolOp) and root.op == "and":
            parts = [part for _, part in self._clauses]
            if len(parts) == 2:  # the common case, without a loop
                return _run_and2(parts[0], parts[1], env)

            head, rest = parts[0], parts[1:]

            def run_and(record: Mapping[str, Any]) -> Outcome:
                try:
                    value = head(record, env)  # outside the loop: most records stop here
                    if value is False:
                        return false
                    result = true if value else unknown
                    for part in rest:
                        value = part(record, env)
                        if value is False:
                            return false
                        if value is None:
                            result = unknown
                except EvalFailure:
                    return error
                return result

            return run_and

        def run(record: Mapping[str, Any]) -> Outcome:
            try:
                value = fn(record, env)
            except EvalFailure:
                return error
            if value is None:
                return unknown
            return true if value else false

        return run

    def evaluate(
        self,
        record: Mapping[str, Any],
        *,
        as_of: datetime.date | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> Evaluation:
        """Evaluate the rule on one record and explain the outcome.

        Args:
            record: Field name to value (a missing key, ``None``, NaN, NaT or ``""`` is missing).
            as_of: The evaluation date (default: today in UTC).
            calendar: The business-day calendar (default: Saturday and Sunday off, no holidays).

        Raises:
            ValidationError: When ``record`` is not a mapping, ``as_of`` not a date or
                ``calendar`` not a :class:`BusinessCalendar`.
        """
        _check_record(record)
        return self._evaluate(
            fn=self._scalar,
            expr=self.condition,
            clauses=self._clauses,
            record=record,
            as_of=as_of,
            calendar=calendar,
        )

    def evaluate_clear(
        self,
        record: Mapping[str, Any],
        *,
        as_of: datetime.date | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> Evaluation | None:
        """Evaluate the clearing condition on one record (``None`` when the rule has none).

        Raises:
            ValidationError: As :meth:`evaluate`.
        """
        _check_record(record)
        _env(as_of, calendar)
        if self.clear is None or self._clear_scalar is None:
            return None
        clauses = [(self.clear.root, self._clear_scalar)]
        return self._evaluate(
            fn=self._clear_scalar,
            expr=self.clear,
            clauses=clauses,
            record=record,
            as_of=as_of,
            calendar=calendar,
        )

    def _evaluate(
        self,
        *,
        fn: Callable[[Mapping[str, Any], Any], Any],
        expr: Expression,
        clauses: list[Any],
        record: Mapping[str, Any],
        as_of: datetime.date | None,
        calendar: BusinessCalendar | None,
    ) -> Evaluation:
        env = _env(as_of, calendar)
        values: dict[str, Any] = {}
        for name in self._fields[id(expr)]:
            try:
                values[name] = read_value(name, record.get(name), self.schema[name])
            except EvalFailure:
                values[name] = None
        failure = ""
        try:
            value = fn(record, env)
            outcome = Outcome.UNKNOWN if value is None else Outcome.TRUE if value else Outcome.FALSE
        except EvalFailure as exc:
            outcome, failure = Outcome.ERROR, str(exc)
        return _make_evaluation(  # from the compiled rule's checked fields
            rule=self.rule.id,
            rule_version=self.rule.version,
            rule_hash=self.content_hash,
            outcome=outcome,
            explanation=explain(
                expr,
                [(node, fn, self._clause_fields[id(node)]) for node, fn in clauses],
                outcome,
                values,
                env,
                record,
                failure,
            ),
            as_of=env[0],
        )

    def evaluate_batch(
        self,
        columns: Columns,
        *,
        as_of: datetime.date | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> npt.NDArray[np.int8]:
        """Evaluate the rule over columns at once.

        Args:
            columns: Field name to a 1-D array (numbers as int/float, NaN missing; text as numpy
                strings, ``""`` missing, or a :class:`Categorical`; dates as ``datetime64``, NaT
                missing; booleans as ``bool``; or object arrays holding Python values and ``None``).
                A field with no column is missing on every row. Or a data frame (pandas, polars,
                pyarrow, an Arrow stream), whose null cells are missing.
            as_of: The evaluation date (default: today in UTC).
            calendar: The business-day calendar.

        Returns:
            An ``int8`` array of :class:`Outcome` codes, one per row.

        Raises:
            ValidationError: When ``columns`` is not a mapping or a data frame, the columns
                differ in length or one is not 1-D, ``as_of`` is not a date or ``calendar`` not a
                :class:`BusinessCalendar`.
            RCMError: A data frame arrives and narwhals is not installed
                (``pip install comanaged-rcm[frames]``).
        """
        return self._batch(self._vector, columns, as_of, calendar, "$.columns")

    def clear_batch(
        self,
        columns: Columns,
        *,
        as_of: datetime.date | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> npt.NDArray[np.int8] | None:
        """Evaluate the clearing condition over columns (``None`` when the rule has none).

        Raises:
            ValidationError: As :meth:`evaluate_batch`.
        """
        if self._clear_vector is None:
            _env(as_of, calendar)
            return None
        return self._batch(self._clear_vector, columns, as_of, calendar, "$.columns")

    def _batch(
        self,
        fn: Callable[[BatchContext], Any],
        columns: Columns,
        as_of: datetime.date | None,
        calendar: BusinessCalendar | None,
        path: str,
    ) -> npt.NDArray[np.int8]:
        if is_frame(columns):  # pandas, polars, pyarrow or an Arrow stream: read through the frame layer
            columns = columns_of(columns, path)
        if not isinstance(columns, Mapping):
            raise ValidationError.single(
                path,
                "type",
                f"columns must be a mapping of name to array or a data frame (got {type(columns).__name__})",
            )
        day, cal = _env(as_of, calendar)
        batch = BatchContext(columns, day, cal, path)
        return outcome_codes(fn(batch), batch.size)


def batch_codes(compiled: CompiledRule, batch: BatchContext) -> npt.NDArray[np.int8]:
    """:meth:`CompiledRule.evaluate_batch` over a context shared by the rules of one step.

    :func:`~comanaged_rcm.escalation.step` reads its ``facts`` argument with it (the context
    names the facts' path in its errors).
    """
    return outcome_codes(compiled._vector(batch), batch.size)  # noqa: SLF001 - same module


def clear_codes(compiled: CompiledRule, batch: BatchContext) -> npt.NDArray[np.int8] | None:
    """:meth:`CompiledRule.clear_batch` over a shared context (``None`` when the rule has none)."""
    fn = compiled._clear_vector  # noqa: SLF001 - same module
    if fn is None:
        return None
    return outcome_codes(fn(batch), batch.size)


def _run_and2(first: ScalarFn, second: ScalarFn, env: Env) -> Callable[[Mapping[str, Any]], Outcome]:
    """:meth:`CompiledRule.scalar` of a condition of two clauses joined by ``and``."""
    true, false, unknown, error = Outcome.TRUE, Outcome.FALSE, Outcome.UNKNOWN, Outcome.ERROR

    def run_and2(record: Mapping[str, Any]) -> Outcome:
        try:
            a = first(record, env)
            if a is False:
                return false
            b = second(record, env)
        except EvalFailure:
            return error
        if b is False:
            return false
        return unknown if a is None or b is None else true

    return run_and2


def _flatten(node: Node, op: str) -> list[Node]:
    if isinstance(node, BoolOp) and node.op == op:
        return [leaf for value in node.values for leaf in _flatten(value, op)]
    return [node]


def _check_record(record: object) -> None:
    if not isinstance(record, Mapping):
        raise ValidationError.single(
            "$.record", "type", f"a record must be a mapping of field to value (got {type(record).__name__})"
        )


def compile_rule(
    rule: Rule, schema: Mapping[str, FieldType] | None = None, *, infer: bool | None = None
) -> CompiledRule:
    """Parse, type-check and compile a rule.

    Args:
        rule: The rule.
        schema: The fact schema (field name to :class:`FieldType`). Every field the rule reads
            must be in it. ``None`` infers each field's type from how the rule uses it.
        infer: Infer the fields missing from ``schema`` instead of rejecting them (default:
            only when ``schema`` is ``None``).

    Returns:
        The compiled rule.

    Raises:
        RuleSyntaxError: An unknown field (with a "did you mean"), a type mismatch, or a field
            whose type cannot be inferred.
        ValidationError: When ``rule`` is not a :class:`Rule`, ``schema`` not a mapping of field
            name to :class:`FieldType` or ``infer`` not a bool or ``None``; with a schema and
            no inference, when its dedup keys, grouping, message, ``min_count`` or ``amount``
            read fields the schema lacks; when a message placeholder with a format spec names a
            field that is not a number (``$.rule.message``); or when ``amount`` names a field
            that is not a number (``$.rule.amount``).
    """
    if not isinstance(rule, Rule):
        raise ValidationError.single("$.rule", "type", f"expected a Rule (got {type(rule).__name__})")
    if schema is not None:
        schema = schema_argument(schema, "$.schema")
    if infer is not None:
        infer = _check.flag(infer, "$.infer")
    if schema is not None and not infer:
        _check_label_fields(rule, schema)
    infer = schema is None if infer is None else infer
    when = parse_expression(rule.when)
    check_types(when, schema, infer=infer)  # errors point into the text as written
    condition = when
    if rule.min_count is not None:
        text = f"{rule.min_count.field} >= {rule.min_count.at_least} and ({rule.when})"
        condition = parse_expression(text)
    _, types = check_types(condition, schema, infer=infer)
    clear = None
    if rule.clear_when is not None:
        clear = parse_expression(rule.clear_when)
        seed = {**(schema or {}), **types}
        _, clear_types = check_types(clear, seed, infer=infer)
        types = {**types, **clear_types}
    _check_specs(rule, {**(schema or {}), **types})
    _check_amount(rule, {**(schema or {}), **types})
    return CompiledRule(rule, condition, clear, dict(sorted(types.items())))


def _check_specs(rule: Rule, types: Mapping[str, FieldType]) -> None:
    """A message placeholder with a format spec (``{balance:,.2f}``) must name a number field."""
    issues = [
        Issue(
            "$.rule.message",
            "value",
            f"the format spec of {{{name}:{spec}}} applies to numbers only ({name!r} is {types[name].value})",
        )
        for name, spec in template_specs(rule.message)
        if spec and name in types and types[name] is not FieldType.NUMBER
    ]
    if issues:
        raise ValidationError(issues)


def _node_fields(node: Node) -> tuple[str, ...]:
    """The fields a clause reads, sorted."""
    return tuple(sorted({n.name for n in node.walk() if isinstance(n, Field)}))


def _check_amount(rule: Rule, types: Mapping[str, FieldType]) -> None:
    """A rule's ``amount`` field, when its type is known, must be a number."""
    kind = None if rule.amount is None else types.get(rule.amount)
    if kind is not None and kind is not FieldType.NUMBER:
        _check.fail(
            "$.rule.amount",
            "type",
            f"the amount at stake must be a number field ({rule.amount!r} is {kind.value})",
        )


def _check_label_fields(rule: Rule, schema: Mapping[str, FieldType]) -> None:
    """Dedup keys, grouping fields and message placeholders must be fields of the schema."""
    named = [
        *((f"$.rule.dedup_keys[{i}]", name) for i, name in enumerate(rule.dedup_keys)),
        *((f"$.rule.group_by[{i}]", name) for i, name in enumerate(rule.group_by)),
        *(("$.rule.message", name) for name in template_fields(rule.message)),
        *(() if rule.min_count is None else (("$.rule.min_count.field", rule.min_count.field),)),
        *(() if rule.amount is None else (("$.rule.amount", rule.amount),)),
    ]
    issues = [
        Issue(path, "unknown_field", f"field {name!r} is not in the fact schema")
        for path, name in named
        if name not in schema
    ]
    if issues:
        raise ValidationError(issues)


def compile_rules(
    rules: RuleSet | Iterable[Rule], schema: Mapping[str, FieldType] | None = None
) -> tuple[CompiledRule, ...]:
    """Compile every rule of a set, reporting every broken rule at once.

    With a schema (the set's own, and ``schema`` over it), every field a rule reads, and every
    dedup key, ``group_by`` field, message placeholder, ``min_count`` and ``amount`` field, must be in it: a
    misspelled field is refused, never inferred. With no schema at all, each rule's field types
    are inferred from how it uses them.

    Args:
        rules: A :class:`RuleSet` (its schema is used) or rules.
        schema: Field types, overriding the set's own.

    Returns:
        The compiled rules, in order.

    Raises:
        ValidationError: When ``rules`` is not a :class:`RuleSet` or a sequence of :class:`Rule`,
            or ``schema`` not a mapping of field name to :class:`FieldType`; or, naming each broken
            rule at its path (``$.rules[2].when``), every rule that does not compile.
    """
    extra = {} if schema is None else schema_argument(schema, "$.schema")
    if isinstance(rules, RuleSet):
        schema = {**rules.schema, **extra}
        items: tuple[Rule, ...] = rules.rules
    else:
        schema = extra
        items = _check.tuple_of(rules, Rule, "$.rules")
    strict = bool(schema)
    compiled: list[CompiledRule] = []
    issues: list[Issue] = []
    for index, rule in enumerate(items):
        try:
            compiled.append(compile_rule(rule, schema if strict else None))
        except RuleSyntaxError as exc:
            where = "clear_when" if _fails_clear(rule, exc) else "when"
            issues.append(Issue(f"$.rules[{index}].{where}", "syntax", f"rule {rule.id!r}: {exc}"))
        except ValidationError as exc:
            issues.extend(
                Issue(
                    _rule_path(index, issue.path),
                    issue.code,
                    f"rule {rule.id!r}: {issue.message}",
                )
                for issue in exc.issues
            )
    if issues:
        raise ValidationError(issues)
    return tuple(compiled)


def _rule_path(index: int, path: str) -> str:
    """``$.rule.message`` of :func:`compile_rule` as the set's ``$.rules[2].message``."""
    if path == "$.rule" or path.startswith(("$.rule.", "$.rule[")):
        return f"$.rules[{index}]{path.removeprefix('$.rule')}"
    return f"$.rules[{index}]"


def _fails_clear(rule: Rule, error: RuleSyntaxError) -> bool:
    """Whether a compile error is in the clearing condition (its text is the one quoted)."""
    return rule.clear_when is not None and error.text == rule.clear_when and error.text != rule.when
