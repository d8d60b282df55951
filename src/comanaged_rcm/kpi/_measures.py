"""Base measures as data: a table, a weight, a filter over coded columns and a date role.

Every base measure is ``SUM(weight) FILTER (WHERE <filter> AND <date intervals>) GROUP BY
<slice>``, written down as a :class:`Measure`:

* ``table`` and ``weight``: a numeric column of the table, or ``None`` to count rows;
  ``signed`` gives each row the sign of its coded value instead (A/R adds charges and refunds and
  takes off payments, adjustments and write-offs).
* ``where``: :class:`Condition` s over coded columns (``type``, ``write_off_reason``,
  ``outcome``, ``seq``, ``clean``, ``escalated``, any text dimension such as ``payer``), each
  a set of allowed values or, negated, of refused ones; ``lags``: a :class:`Lag` between two
  date columns of the same row (a charge posted more than 30 days after service).
* ``dates``: one :class:`Interval` per date column, ``start <= date < end``, each bound a
  :class:`Bound`: an :class:`Anchor` (period start or end, as-of, the trailing window's start,
  unbounded) less some days or months. A missing date (NaT) is after every date, so "open at
  as-of" is ``opened < as_of`` and ``as_of <= closed`` (unbounded above): a backlog is an
  interval too. A flow is ``[period start, period end)``, a snapshot ``(unbounded, as-of)``, a
  trailing window ``[window start, as-of)``.
* ``per_day`` divides by the days of the first interval; ``monthly`` sums the measure over each
  calendar month of the period, the period anchors read per month; ``scale`` multiplies.
* ``claim``: a :class:`ClaimRole`, a two-level step: the weights summed per claim first (a
  negative sum clipped to zero, with ``clip``), each claim kept or not by its earliest dates
  (:class:`ClaimDate`), then summed per slice.

:class:`Derived` adds measures with coefficients (``net_charges = gross_charges -
contractual_adjustments``); :class:`ByConvention` picks one measure by the option of a convention
family (``cash`` is ``payments`` under ``refunds:gross``). Nothing in a definition is a callable:
one definition compiles to the numpy rollup engine and, later, to SQL.

>>> medicare = Measure(name="medicare_payments", table="transactions", weight="amount",
...     where=(Condition("type", ("payment",)), Condition("payer", ("Medicare",))),
...     dates=(Interval.flow("posting_date"),), description="Medicare payments posted in the period")
>>> medicare.columns
('amount', 'type', 'payer', 'posting_date')
>>> Measure(name="x", table="transactions", weight="payer")
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 1 validation issue: 'weight' must be a numeric column of
transactions (one of amount, or a number field of the book's own; got 'payer') @ $.weight
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from comanaged_rcm import _check
from comanaged_rcm._check import as_int, as_real, as_tuple, v
from comanaged_rcm.kpi._book import OUTCOMES, SCHEMAS, WRITE_OFF_REASONS, FieldKind
from comanaged_rcm.kpi._conventions import CONVENTIONS

__all__ = [
    "AGED_AR_DAYS",
    "AGED_BACKLOG_DAYS",
    "BUILT_IN_MEASURES",
    "LATE_CHARGE_DAYS",
    "MEASURES",
    "Anchor",
    "Bound",
    "ByConvention",
    "ClaimDate",
    "ClaimRole",
    "Condition",
    "Definition",
    "Derived",
    "Interval",
    "Lag",
    "Measure",
    "Signed",
    "Term",
]

LATE_CHARGE_DAYS = 30
"""A charge posted more than this many days after its date of service is a late charge."""
AGED_AR_DAYS = 91
"""A claim is in "A/R over 90" from age 91 days: age is the last reported day minus the anchor."""
AGED_BACKLOG_DAYS = 31
"""A work item open 31 days or more (age over 30) is aged backlog."""

_MAX_DAYS = 36_600
"""The longest offset of a bound, in days (about a century)."""
_MAX_MONTHS = 1_200


class Anchor(enum.Enum):
    """What a bound of a date interval is measured from.

    An interval holds ``start <= date < end``, so a bound is the first day left out:
    ``PERIOD_END`` is the day after the period's last, and ``AS_OF`` the day after the as-of day
    (the last day counted), so an interval ending at ``AS_OF`` counts the as-of day itself: A/R
    at the close of as-of is ``Interval.before("posting_date", AS_OF)``.
    """

    PERIOD_START = "period_start"
    PERIOD_END = "period_end"
    AS_OF = "as_of"
    WINDOW_START = "window_start"  # the trailing window before as-of, per the ar_window convention
    UNBOUNDED = "unbounded"


def _offset(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    most = _MAX_MONTHS if attribute.name == "months" else _MAX_DAYS
    _check.count(value, f"$.{attribute.name}", maximum=most)
    if not isinstance(value, int):
        _check.fail(f"$.{attribute.name}", "type", f"{attribute.name!r} must be an int (got {value!r})")


@attrs.frozen
class Bound:
    """A bound of a date interval: an anchor less ``days`` and ``months``.

    >>> Bound(Anchor.AS_OF, days=31).resolve(as_of=datetime.date(2026, 2, 1))
    datetime.date(2026, 1, 1)
    """

    anchor: Anchor = attrs.field(validator=v.member(Anchor))
    days: int = attrs.field(default=0, converter=as_int, validator=_offset)
    months: int = attrs.field(default=0, converter=as_int, validator=_offset)

    def __attrs_post_init__(self) -> None:
        """An unbounded bound has no offset."""
        if self.anchor is Anchor.UNBOUNDED and (self.days or self.months):
            _check.fail("$.days", "value", "an unbounded bound takes no 'days' or 'months'")

    @property
    def bounded(self) -> bool:
        """Whether the bound is a date (not unbounded)."""
        return self.anchor is not Anchor.UNBOUNDED

    def resolve(
        self,
        *,
        start: datetime.date | None = None,
        end: datetime.date | None = None,
        as_of: datetime.date | None = None,
        window_start: datetime.date | None = None,
    ) -> datetime.date | None:
        """The bound's date for one request (``None`` when unbounded or its anchor is not given)."""
        anchor = self.anchor
        if anchor is Anchor.AS_OF:
            base = as_of
        elif anchor is Anchor.PERIOD_START:
            base = start
        elif anchor is Anchor.PERIOD_END:
            base = end
        else:
            base = window_start if anchor is Anchor.WINDOW_START else None
        if base is None:
            return None
        if self.months:
            base -= relativedelta(months=self.months)
        return base - datetime.timedelta(days=self.days)


UNBOUNDED = Bound(Anchor.UNBOUNDED)
START = Bound(Anchor.PERIOD_START)
END = Bound(Anchor.PERIOD_END)
AS_OF = Bound(Anchor.AS_OF)
WINDOW = Bound(Anchor.WINDOW_START)


def _name(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check.field_name(value, f"$.{attribute.name}")


@attrs.frozen
class Interval:
    """``start <= column < end`` for one date column; NaT is after every date.

    >>> Interval.flow("closed").end
    Bound(anchor=<Anchor.PERIOD_END: 'period_end'>, days=0, months=0)
    """

    column: str = attrs.field(validator=_name)
    start: Bound = attrs.field(default=UNBOUNDED, validator=v.instance(Bound))
    end: Bound = attrs.field(default=UNBOUNDED, validator=v.instance(Bound))

    @classmethod
    def flow(cls, column: str) -> Interval:
        """Dated in the period: ``[period start, period end)``."""
        return cls(column, START, END)

    @classmethod
    def before(cls, column: str, bound: Bound) -> Interval:
        """Dated before ``bound`` (a snapshot when ``bound`` is the as-of date)."""
        return cls(column, UNBOUNDED, bound)

    @classmethod
    def since(cls, column: str, bound: Bound) -> Interval:
        """Dated on or after ``bound``, or not dated (NaT): still open then."""
        return cls(column, bound, UNBOUNDED)


def _text_value(value: object) -> object:
    """A filter value in its text form: ``True`` is ``"true"``, ``1`` is ``"1"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return value


def _values(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_text_value(item) for item in value)
    return value


def _value_texts(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    if not isinstance(value, tuple):
        _check.fail(path, "type", f"{attribute.name!r} must be a list of values (got {_check.show(value)})")
    _check.tuple_of(value, str, path, "a value (str)")
    if not value:
        _check.fail(path, "value", f"{attribute.name!r} must hold at least one value")


@attrs.frozen
class Condition:
    """Rows whose ``column`` holds one of ``values`` (with ``negate``, none of them).

    Values are compared as text: a flag reads ``"true"`` or ``"false"``, a count its digits
    (``True`` and ``1`` are accepted and turned into those).

    >>> Condition("seq", (1,), negate=True).values
    ('1',)
    """

    column: str = attrs.field(validator=_name)
    values: tuple[str, ...] = attrs.field(converter=_values, validator=_value_texts)
    negate: bool = attrs.field(default=False, validator=v.flag())


def _lag_days(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _check.count(value, f"$.{attribute.name}", minimum=-_MAX_DAYS, maximum=_MAX_DAYS)
        if not isinstance(value, int):
            _check.fail(f"$.{attribute.name}", "type", f"{attribute.name!r} must be an int (got {value!r})")


def _optional_int(value: object) -> object:
    return None if value is None else as_int(value)


@attrs.frozen
class Lag:
    """Rows whose ``later`` date is more than ``more_than`` and at most ``at_most`` days after ``earlier``.

    >>> Lag("posting_date", "service_date", at_most=0).at_most
    0
    """

    later: str = attrs.field(validator=_name)
    earlier: str = attrs.field(validator=_name)
    more_than: int | None = attrs.field(default=None, converter=_optional_int, validator=_lag_days)
    at_most: int | None = attrs.field(default=None, converter=_optional_int, validator=_lag_days)

    def __attrs_post_init__(self) -> None:
        """At least one of the two limits."""
        if self.more_than is None and self.at_most is None:
            _check.fail("$.more_than", "missing", "a lag needs 'more_than' or 'at_most' (or both)")


@attrs.frozen
class Signed:
    """Each row weighted +1 when ``column`` is in ``positive``, -1 in ``negative``, else 0.

    >>> Signed("type", positive=("charge",), negative=("payment",)).sign("payment")
    -1.0
    """

    column: str = attrs.field(validator=_name)
    positive: tuple[str, ...] = attrs.field(default=(), converter=_values, validator=v.tuple_of(str))
    negative: tuple[str, ...] = attrs.field(default=(), converter=_values, validator=v.tuple_of(str))

    def __attrs_post_init__(self) -> None:
        """No value is both positive and negative."""
        both = sorted(set(self.positive) & set(self.negative))
        if both:
            _check.fail("$.negative", "duplicate", f"{both[0]!r} is both positive and negative")

    def sign(self, value: str) -> float:
        """The sign a row with ``value`` gets."""
        return 1.0 if value in self.positive else -1.0 if value in self.negative else 0.0


@attrs.frozen
class ClaimDate:
    """A claim counts when its earliest ``column`` over rows matching ``where`` is before ``before``.

    A claim with no such dated row does not count (SQL's ``MIN`` ignores NULLs).

    >>> ClaimDate("billed_date", Bound(Anchor.AS_OF), (Condition("type", ("charge",)),)).column
    'billed_date'
    """

    column: str = attrs.field(validator=_name)
    before: Bound = attrs.field(validator=v.instance(Bound))
    where: tuple[Condition, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(Condition, "a Condition")
    )

    def __attrs_post_init__(self) -> None:
        """``before`` is a date."""
        if not self.before.bounded:
            _check.fail("$.before", "value", "'before' must be a dated bound, not unbounded")


@attrs.frozen
class ClaimRole:
    """A per-claim step: weights summed per ``key`` first, then the claims summed per slice.

    Args:
        key: The column that names a claim.
        clip: A claim whose sum is negative (a credit balance) counts as zero.
        dates: Every condition a claim must meet to count.

    Such a measure merges across shards only when the shards partition claims.

    >>> ClaimRole(clip=True).key
    'claim_id'
    """

    key: str = attrs.field(default="claim_id", validator=_name)
    clip: bool = attrs.field(default=False, validator=v.flag())
    dates: tuple[ClaimDate, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(ClaimDate, "a ClaimDate")
    )


def _measure_name(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check.field_name(value, f"$.{attribute.name}", snake=True)


_FIELDS = {table: {f.name: f for f in fields} for table, fields in SCHEMAS.items()}
_NUMERIC = (FieldKind.NUMBER, FieldKind.COUNT)


def _field_kind(table: str, column: str) -> FieldKind | None:
    field = _FIELDS[table].get(column)
    return None if field is None else field.kind


@attrs.frozen(kw_only=True)
class Measure:
    """One base measure: ``SUM(weight) FILTER (WHERE where AND lags AND dates)`` per slice.

    Args:
        name: snake_case name, unique in a catalogue.
        table: ``transactions``, ``submissions``, ``work_items`` or ``ledger``.
        weight: A numeric column of the table (of its schema, or a number or count field the
            book was given, ``Book(fields=...)``); ``None`` counts rows.
        signed: Weights each row by the sign of a coded column's value.
        where: Conditions over coded columns (any text column not in the schema is a dimension).
        lags: Conditions on the days between two date columns of a row.
        dates: One interval per date column.
        per_day: Divide by the days of the first interval (both its bounds dated).
        monthly: Sum over each calendar month of the period (periods must be whole months).
        scale: Multiplies the sum.
        as_of_on_first: Defined only when every as-of boundary is the first of a month, the as-of
            day the last of the month before (a month-end balance, as the ledger books them).
        claim: A per-claim step (see :class:`ClaimRole`).
        description: What the measure sums, in a few words.
        reported: Whether the measure is reported (in :class:`MeasureSet`, for KPIs); a
            measure that only builds others is not.

    Raises:
        ValidationError: An unknown table, a column not in it, a weight that is not numeric, a
            filter value a coded column cannot hold, each at its path.
    """

    name: str = attrs.field(validator=_measure_name)
    table: str = attrs.field(validator=v.one_of(tuple(SCHEMAS)))
    weight: str | None = attrs.field(default=None, validator=v.optional(_name))
    signed: Signed | None = attrs.field(default=None, validator=v.optional(v.instance(Signed)))
    where: tuple[Condition, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(Condition, "a Condition")
    )
    lags: tuple[Lag, ...] = attrs.field(default=(), converter=as_tuple, validator=v.tuple_of(Lag, "a Lag"))
    dates: tuple[Interval, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(Interval, "an Interval")
    )
    per_day: bool = attrs.field(default=False, validator=v.flag())
    monthly: bool = attrs.field(default=False, validator=v.flag())
    scale: float = attrs.field(default=1.0, converter=as_real, validator=v.real())
    as_of_on_first: bool = attrs.field(default=False, validator=v.flag())
    claim: ClaimRole | None = attrs.field(default=None, validator=v.optional(v.instance(ClaimRole)))
    description: str = attrs.field(default="", validator=v.text(empty=True))
    reported: bool = attrs.field(default=True, validator=v.flag())

    def __attrs_post_init__(self) -> None:
        """Every column is one of the table's, of the kind its role needs."""
        table = self.table
        numeric = sorted(f for f, field in _FIELDS[table].items() if field.kind in _NUMERIC)
        weight = self.weight
        if weight is not None and weight in _FIELDS[table] and _field_kind(table, weight) not in _NUMERIC:
            _check.fail(
                "$.weight",
                "type",
                f"'weight' must be a numeric column of {table} (one of {', '.join(numeric)}, or a number"
                f" field of the book's own; got {_check.show(weight)})",
            )
        for i, condition in enumerate(self.where):
            _coded(table, condition, f"$.where[{i}]")
        if self.signed is not None:
            _coded(table, Condition(self.signed.column, ("_",)), "$.signed", values=False)
            for part in ("positive", "negative"):
                for j, value in enumerate(getattr(self.signed, part)):
                    _coded_value(table, self.signed.column, value, f"$.signed.{part}[{j}]")
        for i, lag in enumerate(self.lags):
            _date_column(table, lag.later, f"$.lags[{i}].later")
            _date_column(table, lag.earlier, f"$.lags[{i}].earlier")
        seen: set[str] = set()
        for i, interval in enumerate(self.dates):
            _date_column(table, interval.column, f"$.dates[{i}].column")
            if interval.column in seen:
                _check.fail(
                    f"$.dates[{i}].column", "duplicate", f"one interval per date column ({interval.column!r})"
                )
            seen.add(interval.column)
            if interval.start == interval.end and interval.start.bounded:
                _check.fail(f"$.dates[{i}]", "value", "an interval's start and end must differ")
        if self.per_day and not (self.dates and self.dates[0].start.bounded and self.dates[0].end.bounded):
            _check.fail("$.per_day", "value", "'per_day' needs a first interval dated at both ends")
        if self.claim is not None:
            self._check_claim(self.claim)

    def _check_claim(self, claim: ClaimRole) -> None:
        if _field_kind(self.table, claim.key) is not FieldKind.TEXT:
            _check.fail("$.claim.key", "unknown", f"'key' must be a text column of {self.table}")
        for i, when in enumerate(claim.dates):
            _date_column(self.table, when.column, f"$.claim.dates[{i}].column")
            for j, condition in enumerate(when.where):
                _coded(self.table, condition, f"$.claim.dates[{i}].where[{j}]")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the measure reads, weight first, each once."""
        names = [self.weight] if self.weight else []
        if self.signed is not None:
            names.append(self.signed.column)
        names += [c.column for c in self.where]
        names += [d for lag in self.lags for d in (lag.later, lag.earlier)]
        names += [i.column for i in self.dates]
        if self.claim is not None:
            names.append(self.claim.key)
            for when in self.claim.dates:
                names += [when.column, *(c.column for c in when.where)]
        return tuple(dict.fromkeys(names))

    @property
    def filter_columns(self) -> tuple[str, ...]:
        """The coded columns the filter and the signs read."""
        names = [c.column for c in self.where]
        if self.signed is not None:
            names.append(self.signed.column)
        return tuple(dict.fromkeys(names))


def _date_column(table: str, column: str, path: str) -> None:
    if _field_kind(table, column) is not FieldKind.DATE:
        dates = ", ".join(sorted(f for f, field in _FIELDS[table].items() if field.kind is FieldKind.DATE))
        _check.fail(
            path,
            "unknown",
            f"{_check.name_of(path)!r} must be a date column of {table} (one of {dates};"
            f" got {_check.show(column)}){_check.suggest(column, _FIELDS[table])}",
        )


_FLAG_VALUES = ("false", "true")


def _coded(table: str, condition: Condition, path: str, *, values: bool = True) -> None:
    """A condition reads a coded column: text (the schema's or a dimension), a flag or a count."""
    kind = _field_kind(table, condition.column)
    if kind in {FieldKind.DATE, FieldKind.NUMBER}:
        _check.fail(
            f"{path}.column",
            "type",
            f"{condition.column!r} is a {kind.value} column of {table}, not a coded one",
        )
    if values:
        for j, value in enumerate(condition.values):
            _coded_value(table, condition.column, value, f"{path}.values[{j}]")


def _coded_value(table: str, column: str, value: str, path: str) -> None:
    field = _FIELDS[table].get(column)
    if field is None:
        return  # a dimension: any text
    allowed: tuple[str, ...] = field.values
    if field.kind is FieldKind.FLAG:
        allowed = _FLAG_VALUES
    if allowed and value not in allowed and not (field.nullable and value == ""):
        _check.fail(
            path,
            "value",
            f"{value!r} is not a value of {table}.{column} (one of {', '.join(allowed)})"
            f"{_check.suggest(value, allowed)}",
        )
    if field.kind is FieldKind.COUNT and not value.isdigit():
        _check.fail(path, "value", f"{table}.{column} holds whole numbers (got {value!r})")


@attrs.frozen
class Term:
    """A measure with a coefficient in a :class:`Derived` sum."""

    measure: str = attrs.field(validator=_measure_name)
    coefficient: float = attrs.field(default=1.0, converter=as_real, validator=v.real())


def _terms(value: object) -> object:
    """``("gross_charges", 1)`` pairs become Terms."""
    if not isinstance(value, list | tuple):
        return value
    return tuple(
        Term(item[0], item[1]) if isinstance(item, tuple) and len(item) == 2 else item for item in value
    )


@attrs.frozen(kw_only=True)
class Derived:
    """A measure that adds other measures with coefficients.

    >>> Derived(name="net", terms=(("gross_charges", 1), ("contractual_adjustments", -1))).terms[1]
    Term(measure='contractual_adjustments', coefficient=-1.0)
    """

    name: str = attrs.field(validator=_measure_name)
    terms: tuple[Term, ...] = attrs.field(converter=_terms, validator=v.tuple_of(Term, "a Term"))
    description: str = attrs.field(default="", validator=v.text(empty=True))
    reported: bool = attrs.field(default=True, validator=v.flag())

    def __attrs_post_init__(self) -> None:
        """At least one term."""
        if not self.terms:
            _check.fail("$.terms", "value", "'terms' must hold at least one term")


def _options(value: object) -> object:
    if isinstance(value, Mapping):
        return tuple((k, m) for k, m in value.items())
    return as_tuple(value)


@attrs.frozen(kw_only=True)
class ByConvention:
    """A measure that is one of several, by the option of a convention family.

    ``options`` maps each option of ``family`` to a measure name (a mapping, kept as pairs).

    >>> ByConvention(name="cash", family="refunds",
    ...     options={"netted": "cash_netted", "gross": "payments"}).choose("gross")
    'payments'
    """

    name: str = attrs.field(validator=_measure_name)
    family: str = attrs.field(validator=v.one_of(tuple(CONVENTIONS)))
    options: tuple[tuple[str, str], ...] = attrs.field(converter=_options)
    description: str = attrs.field(default="", validator=v.text(empty=True))
    reported: bool = attrs.field(default=True, validator=v.flag())

    @options.validator
    def _check_options(self, _: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple) or not all(
            isinstance(p, tuple) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value
        ):
            _check.fail("$.options", "type", "'options' must map each option to a measure name")
        family = CONVENTIONS.get(self.family, {})
        for option, measure in value:
            if option not in family:
                _check.fail(
                    f"$.options.{option}" if option.isidentifier() else "$.options",
                    "unknown",
                    f"unknown option {option!r} of {self.family!r} (choose from {', '.join(family)})"
                    f"{_check.suggest(option, family)}",
                )
            _check.field_name(measure, f"$.options.{option}", snake=True)
        lacking = [o for o in family if o not in dict(value)]
        if lacking:
            _check.fail("$.options", "missing", f"'options' needs a measure for {', '.join(lacking)}")

    def choose(self, option: str) -> str:
        """The measure for ``option``."""
        return dict(self.options)[option]


Definition = Measure | Derived | ByConvention
"""Any measure definition."""


# ------------------------------------------------------------------------------------ built-ins


def _is(column: str, *values: str, negate: bool = False) -> Condition:
    return Condition(column, values, negate=negate)


_TX = "transactions"
_POSTED = Interval.flow("posting_date")
_POSTED_BEFORE_AS_OF = Interval.before("posting_date", AS_OF)
_SERVED_IN_PERIOD = Interval.flow("service_date")
_CHARGE, _PAYMENT, _REFUND = _is("type", "charge"), _is("type", "payment"), _is("type", "refund")
_CONTRACTUAL, _WRITE_OFF = _is("type", "contractual_adjustment"), _is("type", "write_off")
_AR_SIGNS = Signed(
    "type", positive=("charge", "refund"), negative=("payment", "contractual_adjustment", "write_off")
)
_CREDIT_SIGNS = Signed(
    "type", positive=("payment", "contractual_adjustment", "write_off"), negative=("charge", "refund")
)
"""A/R's signs reversed: a claim's credit balance is its positive sum."""
_DENIAL_REASONS = ("denial", "timely_filing")
"""The write-off reasons ``write_off_reasons:denials_only`` counts."""
_CUT = Bound(Anchor.AS_OF, days=AGED_AR_DAYS)
_BILLED = ClaimDate("billed_date", AS_OF, (_CHARGE,))
_AGE_FROM = {
    "service_date": ClaimDate("service_date", _CUT),
    "bill_date": ClaimDate("billed_date", _CUT, (_CHARGE,)),
}


def _tx(name: str, *where: Condition, dates: tuple[Interval, ...] = (_POSTED,), **more: Any) -> Measure:  # noqa: ANN401
    return Measure(name=name, table=_TX, weight="amount", where=where, dates=dates, **more)


def _hidden(name: str, *where: Condition, dates: tuple[Interval, ...] = (_POSTED,), **more: Any) -> Measure:  # noqa: ANN401
    return _tx(name, *where, dates=dates, reported=False, **more)


def _by(
    name: str, family: str, options: Mapping[str, str], description: str = "", *, reported: bool = True
) -> ByConvention:
    return ByConvention(name=name, family=family, options=options, description=description, reported=reported)


def _sum(name: str, *terms: tuple[str, float], description: str = "", reported: bool = True) -> Derived:
    return Derived(name=name, terms=terms, description=description, reported=reported)


def _claims(name: str, *, clip: bool, dates: tuple[ClaimDate, ...]) -> Measure:
    return Measure(
        name=name,
        table=_TX,
        weight="amount",
        signed=_AR_SIGNS,
        dates=(_POSTED_BEFORE_AS_OF,),
        claim=ClaimRole(clip=clip, dates=dates),
        reported=False,
    )


def _transactions() -> list[Definition]:
    defs: list[Definition] = [
        _tx("gross_charges", _CHARGE),
        _tx("contractual_adjustments", _CONTRACTUAL),
        _sum("net_charges", ("gross_charges", 1), ("contractual_adjustments", -1)),
        _tx("payments", _PAYMENT),
        _tx("refunds", _REFUND),
        _sum("cash_netted", ("payments", 1), ("refunds", -1), reported=False),
        _by("cash", "refunds", {"netted": "cash_netted", "gross": "payments"}),
        _hidden("cohort_payments", _PAYMENT, dates=(_POSTED_BEFORE_AS_OF, _SERVED_IN_PERIOD)),
        _hidden("cohort_refunds", _REFUND, dates=(_POSTED_BEFORE_AS_OF, _SERVED_IN_PERIOD)),
        _hidden("cohort_charges", _CHARGE, dates=(_POSTED_BEFORE_AS_OF, _SERVED_IN_PERIOD)),
        _hidden("cohort_contractual", _CONTRACTUAL, dates=(_POSTED_BEFORE_AS_OF, _SERVED_IN_PERIOD)),
        _sum("cohort_cash_netted", ("cohort_payments", 1), ("cohort_refunds", -1), reported=False),
        _by(
            "cohort_cash",
            "refunds",
            {"netted": "cohort_cash_netted", "gross": "cohort_payments"},
            reported=False,
        ),
        _sum("cohort_net_charges", ("cohort_charges", 1), ("cohort_contractual", -1), reported=False),
        _by("collections", "collection_basis", {"posting_period": "cash", "dos_cohort": "cohort_cash"}),
        _by(
            "collectible",
            "collection_basis",
            {"posting_period": "net_charges", "dos_cohort": "cohort_net_charges"},
        ),
    ]
    for basis, dates in (("posted", (_POSTED,)), ("cohort", (_POSTED_BEFORE_AS_OF, _SERVED_IN_PERIOD))):
        defs += [
            _hidden(f"{basis}_write_offs_every_reason", _WRITE_OFF, dates=dates),
            _hidden(
                f"{basis}_write_offs_but_charity",
                _WRITE_OFF,
                _is("write_off_reason", "charity", negate=True),
                dates=dates,
            ),
            _hidden(
                f"{basis}_write_offs_denials_only",
                _WRITE_OFF,
                _is("write_off_reason", *_DENIAL_REASONS),
                dates=dates,
            ),
            _by(
                f"{basis}_write_offs",
                "write_off_reasons",
                {
                    "charity_included": f"{basis}_write_offs_every_reason",
                    "charity_excluded": f"{basis}_write_offs_but_charity",
                    "denials_only": f"{basis}_write_offs_denials_only",
                },
                reported=False,
            ),
        ]
    defs += [
        _by(
            "write_offs",
            "write_off_basis",
            {"posting_period": "posted_write_offs", "dos_cohort": "cohort_write_offs"},
        ),
        _by(
            "posted_write_off_base",
            "write_off_denominator",
            {"net_charges": "net_charges", "gross_charges": "gross_charges", "npsr": "npsr"},
            reported=False,
        ),
        # npsr has no cohort: resolving write_off_basis=dos_cohort with write_off_denominator=npsr
        # is refused (a ConventionError), so its option here is never read
        _by(
            "cohort_write_off_base",
            "write_off_denominator",
            {"net_charges": "cohort_net_charges", "gross_charges": "cohort_charges", "npsr": "npsr"},
            reported=False,
        ),
        _by(
            "write_off_base",
            "write_off_basis",
            {"posting_period": "posted_write_off_base", "dos_cohort": "cohort_write_off_base"},
        ),
    ]
    defs += [_tx(f"write_offs_{r}", _WRITE_OFF, _is("write_off_reason", r)) for r in WRITE_OFF_REASONS]
    defs += [
        _tx("late_charges", _CHARGE, lags=(Lag("posting_date", "service_date", more_than=LATE_CHARGE_DAYS),)),
        _tx("pos_payments", _PAYMENT, lags=(Lag("posting_date", "service_date", at_most=0),)),
    ]
    # A/R: linear (a signed sum of everything posted before as-of) unless a convention needs claims
    defs += [
        Measure(
            name="ar_balance_linear",
            table=_TX,
            weight="amount",
            signed=_AR_SIGNS,
            dates=(_POSTED_BEFORE_AS_OF,),
            reported=False,
        ),
        Measure(
            name="ar_over_90_linear",
            table=_TX,
            weight="amount",
            signed=_AR_SIGNS,
            dates=(_POSTED_BEFORE_AS_OF, Interval.before("service_date", _CUT)),
            reported=False,
        ),
        _claims("ar_balance_claims", clip=False, dates=()),
        _claims("ar_balance_excluded", clip=True, dates=()),
        _by(
            "ar_balance",
            "credit_balances",
            {"offset": "ar_balance_linear", "excluded": "ar_balance_excluded"},
        ),
        _claims("ar_aging_base_billed_ar_offset", clip=False, dates=(_BILLED,)),
        _claims("ar_aging_base_billed_ar_excluded", clip=True, dates=(_BILLED,)),
        _by(
            "ar_aging_base_billed_ar",
            "credit_balances",
            {"offset": "ar_aging_base_billed_ar_offset", "excluded": "ar_aging_base_billed_ar_excluded"},
            reported=False,
        ),
        _by(
            "ar_aging_base", "aging_scope", {"total_ar": "ar_balance", "billed_ar": "ar_aging_base_billed_ar"}
        ),
        Measure(
            name="credit_balance_total",
            table=_TX,
            weight="amount",
            signed=_CREDIT_SIGNS,
            dates=(_POSTED_BEFORE_AS_OF,),
            claim=ClaimRole(clip=True),
        ),
        # the date-of-service cohort's A/R at as-of: its rows posted on or before as-of
        Measure(
            name="cohort_ar_offset",
            table=_TX,
            weight="amount",
            signed=_AR_SIGNS,
            dates=(_POSTED_BEFORE_AS_OF, _SERVED_IN_PERIOD),
            reported=False,
        ),
        Measure(
            name="cohort_ar_excluded",
            table=_TX,
            weight="amount",
            signed=_AR_SIGNS,
            dates=(_POSTED_BEFORE_AS_OF, _SERVED_IN_PERIOD),
            claim=ClaimRole(clip=True),
            reported=False,
        ),
        _by("cohort_ar", "credit_balances", {"offset": "cohort_ar_offset", "excluded": "cohort_ar_excluded"}),
        _by("cohort_ar_base", "ar_charges", {"gross": "cohort_charges", "adjusted": "cohort_net_charges"}),
    ]
    for scope in ("total_ar", "billed_ar"):
        for anchor, aged in _AGE_FROM.items():
            options = {}
            for credit in ("offset", "excluded"):
                leaf = f"ar_over_90_{scope}_{anchor}_{credit}"
                options[credit] = leaf
                claim_dates = (aged, _BILLED) if scope == "billed_ar" else (aged,)
                defs.append(_claims(leaf, clip=credit == "excluded", dates=claim_dates))
            if (scope, anchor) == ("total_ar", "service_date"):
                options["offset"] = "ar_over_90_linear"
            defs.append(_by(f"ar_over_90_{scope}_{anchor}", "credit_balances", options, reported=False))
        defs.append(
            _by(
                f"ar_over_90_{scope}",
                "aging_anchor",
                {a: f"ar_over_90_{scope}_{a}" for a in _AGE_FROM},
                reported=False,
            )
        )
    defs += [
        _by("ar_over_90", "aging_scope", {s: f"ar_over_90_{s}" for s in ("total_ar", "billed_ar")}),
        _hidden("window_charges", _CHARGE, dates=(Interval("posting_date", WINDOW, AS_OF),), per_day=True),
        _hidden(
            "window_contractual", _CONTRACTUAL, dates=(Interval("posting_date", WINDOW, AS_OF),), per_day=True
        ),
        _sum("window_net_charges", ("window_charges", 1), ("window_contractual", -1), reported=False),
        _by(
            "average_daily_charges",
            "ar_charges",
            {"gross": "window_charges", "adjusted": "window_net_charges"},
        ),
        _tx(
            "dnfb",
            _CHARGE,
            dates=(
                Interval.before("service_date", AS_OF),
                Interval.before("posting_date", AS_OF),
                Interval.since("billed_date", AS_OF),
            ),
        ),
    ]
    return defs


def _ledger() -> list[Definition]:
    flows = {"npsr": "npsr", "cost_to_collect": "cost_to_collect", "ledger_bad_debt": "bad_debt"}
    flows["ledger_charity"] = "charity"
    flows |= {
        f"ledger_{column}": column
        for column in (
            "gross_revenue",
            "patient_service_cash",
            "pos_cash",
            "patient_cash",
            "late_charges",
            "denial_write_offs",
        )
    }
    month = "month"
    defs: list[Definition] = [
        Measure(name=name, table="ledger", weight=column, dates=(Interval.flow(month),))
        for name, column in flows.items()
    ]
    defs += [
        Measure(
            name=name,
            table="ledger",
            weight=column,
            dates=(Interval(month, Bound(Anchor.AS_OF, months=1), AS_OF),),
            as_of_on_first=True,
        )
        for name, column in (("net_ar", "net_ar"), ("ledger_dnfb", "dnfb"))
    ]
    defs += [
        Measure(
            name=name,
            table="ledger",
            weight=column,
            dates=(Interval(month, Bound(Anchor.AS_OF, months=3), AS_OF),),
            per_day=True,
            as_of_on_first=True,
        )
        for name, column in (("average_daily_npsr", "npsr"), ("average_daily_gross_revenue", "gross_revenue"))
    ]
    # each month's NPSR averaged with the two months before it, summed over the period's months:
    # the sum over months m of NPSR(m - k) is the flow over the period shifted back k months
    shifted = []
    for back in (0, 1, 2):
        name = f"npsr_{back}_months_back"
        shifted.append((name, 1 / 3))
        defs.append(
            Measure(
                name=name,
                table="ledger",
                weight="npsr",
                dates=(
                    Interval(
                        month, Bound(Anchor.PERIOD_START, months=back), Bound(Anchor.PERIOD_END, months=back)
                    ),
                ),
                reported=False,
            )
        )
    defs.append(_sum("average_monthly_npsr", *shifted))
    return defs


_UNITS = {
    "claims": (None, None),
    "lines": ("lines", "denied_lines"),
    "dollars": ("charges", "denied_charges"),
    "claim_dollars": ("charges", "charges"),
}
_SCOPES = {"full_and_partial": ("denied", "partial"), "full_only": ("denied",)}
_ADJUDICATED = tuple(o for o in OUTCOMES if o != "pending")


def _submissions() -> list[Definition]:
    sub = "submissions"
    first, later = _is("seq", "1"), _is("seq", "1", negate=True)
    submitted, adjudicated = Interval.flow("submitted_date"), Interval.flow("adjudicated_date")
    cohort = (submitted, Interval.before("adjudicated_date", AS_OF))
    prior = Interval("submitted_date", Bound(Anchor.PERIOD_START, months=3), START)
    defs: list[Definition] = [
        Measure(name="first_submissions", table=sub, where=(first,), dates=(submitted,)),
        Measure(name="clean_claims", table=sub, where=(first, _is("clean", "true")), dates=(submitted,)),
        Measure(
            name="resubmissions_adjudicated",
            table=sub,
            where=(later, _is("outcome", *_ADJUDICATED)),
            dates=(adjudicated,),
        ),
        Measure(
            name="overturned",
            table=sub,
            where=(later, _is("outcome", "paid", "partial")),
            dates=(adjudicated,),
        ),
    ]
    bases = {"in_period": (adjudicated,), "cohort": cohort}
    for unit, (size, denied) in _UNITS.items():
        for basis, dates in bases.items():
            for scope, outcomes in _SCOPES.items():
                defs.append(
                    Measure(
                        name=f"denials_{basis}_{unit}_{scope}",
                        table=sub,
                        weight=denied,
                        where=(first, _is("outcome", *outcomes)),
                        dates=dates,
                        reported=False,
                    )
                )
            defs.append(
                _by(
                    f"denials_{basis}_{unit}",
                    "denial_scope",
                    {s: f"denials_{basis}_{unit}_{s}" for s in _SCOPES},
                    reported=False,
                )
            )
            defs.append(
                Measure(
                    name=f"denial_base_{basis}_{unit}",
                    table=sub,
                    weight=size,
                    where=(first, _is("outcome", *_ADJUDICATED)),
                    dates=dates,
                    reported=False,
                )
            )
        defs.append(
            Measure(
                name=f"denial_base_submitted_{unit}",
                table=sub,
                weight=size,
                where=(first,),
                dates=(submitted,),
                reported=False,
            )
        )
        defs.append(
            Measure(
                name=f"denial_base_prior_{unit}",
                table=sub,
                weight=size,
                where=(first,),
                dates=(prior,),
                monthly=True,
                scale=1 / 3,
                reported=False,
            )
        )
        defs.append(
            _by(
                f"denials_{unit}",
                "denial_denominator",
                {
                    "adjudicated_in_period": f"denials_in_period_{unit}",
                    "submitted_cohort": f"denials_cohort_{unit}",
                    "prior_three_month_average": f"denials_in_period_{unit}",
                    "submitted_in_period": f"denials_in_period_{unit}",
                },
                reported=False,
            )
        )
        defs.append(
            _by(
                f"denial_base_{unit}",
                "denial_denominator",
                {
                    "adjudicated_in_period": f"denial_base_in_period_{unit}",
                    "submitted_cohort": f"denial_base_cohort_{unit}",
                    "prior_three_month_average": f"denial_base_prior_{unit}",
                    "submitted_in_period": f"denial_base_submitted_{unit}",
                },
                reported=False,
            )
        )
    defs.append(_by("denials", "denial_unit", {u: f"denials_{u}" for u in _UNITS}))
    defs.append(_by("denial_base", "denial_unit", {u: f"denial_base_{u}" for u in _UNITS}))
    return defs


def _work_items() -> list[Definition]:
    wi = "work_items"
    closed = (Interval.flow("closed"),)
    open_at = Interval.since("closed", AS_OF)
    return [
        Measure(name="items_closed", table=wi, dates=closed),
        Measure(name="touches_closed", table=wi, weight="touches", dates=closed),
        Measure(name="escalated_closed", table=wi, where=(_is("escalated", "true"),), dates=closed),
        Measure(name="backlog", table=wi, dates=(Interval.before("opened", AS_OF), open_at)),
        Measure(
            name="aged_backlog",
            table=wi,
            dates=(Interval.before("opened", Bound(Anchor.AS_OF, days=AGED_BACKLOG_DAYS)), open_at),
        ),
    ]


MEASURES: Mapping[str, str] = {
    "gross_charges": "charges posted in the period",
    "contractual_adjustments": "contractual adjustments posted in the period",
    "net_charges": "gross charges minus contractual adjustments, posted in the period",
    "payments": "payments posted in the period",
    "refunds": "refunds posted in the period",
    "cash": "payments (net of refunds when refunds:netted) posted in the period",
    "collections": "cash on the collection basis (posting period or date-of-service cohort)",
    "collectible": "net charges on the collection basis (posting period or date-of-service cohort)",
    "write_offs": "non-contractual write-offs per write_off_basis and write_off_reasons",
    "write_off_base": "the write-off rate's denominator per write_off_denominator and write_off_basis",
    **{f"write_offs_{r}": f"write-offs with reason {r} posted in the period" for r in WRITE_OFF_REASONS},
    "late_charges": f"charges posted in the period more than {LATE_CHARGE_DAYS} days after service",
    "pos_payments": "payments posted in the period on or before the date of service",
    "ar_balance": "A/R at as-of (credit balances per credit_balances)",
    "credit_balance_total": "credit balances at as-of: claims' balances below zero, summed as positive",
    "cohort_ar": "A/R at as-of of the charges served in the period (credit balances per credit_balances)",
    "cohort_ar_base": "charges served in the period and posted by as-of, per ar_charges",
    "average_daily_charges": "charges in the A/R window divided by its days (ar_window, ar_charges)",
    "ar_aging_base": "A/R at as-of in the aging scope (total or billed)",
    "ar_over_90": "A/R at as-of on claims aged 91 days or more (aging_anchor, aging_scope)",
    "dnfb": "charges with service before as-of not billed by as-of (needs billed_date)",
    "npsr": "net patient service revenue, ledger months starting in the period",
    "cost_to_collect": "cost to collect, ledger months starting in the period",
    "ledger_bad_debt": "bad debt expense, ledger months starting in the period",
    "ledger_charity": "charity care as booked, ledger months starting in the period",
    "net_ar": "net A/R from the ledger at as-of: the month ending on it (as-of on a month's last day)",
    "ledger_dnfb": "DNFB from the ledger at as-of: the month ending on it (as-of on a month's last day)",
    "average_daily_npsr": "ledger NPSR of the 3 months through as-of, per day (as-of on a month's last day)",
    "ledger_gross_revenue": "gross patient service revenue, ledger months starting in the period",
    "ledger_patient_service_cash": "patient service cash collected, ledger months starting in the period",
    "ledger_pos_cash": "point-of-service cash, ledger months starting in the period",
    "ledger_patient_cash": "patient cash collected, ledger months starting in the period",
    "ledger_late_charges": "late charges as booked, ledger months starting in the period",
    "ledger_denial_write_offs": "denial write-offs as booked, ledger months starting in the period",
    "average_monthly_npsr": "ledger NPSR of each month and the 2 before it over 3, summed over the period",
    "average_daily_gross_revenue": "ledger gross revenue of the 3 months before as-of over their days",
    "first_submissions": "original submissions (seq 1) submitted in the period",
    "clean_claims": "original submissions submitted in the period that were clean",
    "denials": "initial denials per denial_unit, denial_scope and denial_denominator",
    "denial_base": "the initial denial rate's denominator per denial_denominator and denial_unit",
    "resubmissions_adjudicated": "resubmissions (seq > 1) adjudicated in the period",
    "overturned": "resubmissions adjudicated in the period as paid or partial",
    "items_closed": "work items closed in the period",
    "touches_closed": "touches on work items closed in the period",
    "escalated_closed": "escalated work items closed in the period",
    "backlog": "work items open at as-of",
    "aged_backlog": f"work items open at as-of and opened {AGED_BACKLOG_DAYS} days or more before",
}
"""Every built-in reported measure, with what it sums. KPIs are ratios of these."""


def _described(definition: Definition) -> Definition:
    """The built-in with its description from :data:`MEASURES` (reported ones)."""
    if definition.reported:
        return attrs.evolve(definition, description=MEASURES[definition.name])
    return definition


def _built_in() -> tuple[Definition, ...]:
    found = {d.name: _described(d) for d in (*_transactions(), *_ledger(), *_submissions(), *_work_items())}
    order = {name: i for i, name in enumerate(MEASURES)}
    return tuple(sorted(found.values(), key=lambda d: (order.get(d.name, len(order)), d.name)))


BUILT_IN_MEASURES: tuple[Definition, ...] = _built_in()
"""The built-in measure definitions: the reported ones in :data:`MEASURES` order, then the rest."""
