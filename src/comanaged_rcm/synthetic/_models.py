"""The synthetic book's parameters, its QA ground truth and the book itself.

>>> [p.id for p in default_payers()]
['medicare', 'medicaid', 'bluecross', 'aetna', 'united', 'self_pay']
>>> QA_ERROR_RATES["denials"] > 0.05 > QA_ERROR_RATES["payment_posting"]
True
"""

from __future__ import annotations

import datetime
import enum
import html
import math
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy.typing as npt

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.periods import Period
from comanaged_rcm.raci import WORKFLOWS as RACI_WORKFLOWS

__all__ = [
    "CARC_GROUPS",
    "PARTIES",
    "QA_ERROR_RATES",
    "WORKFLOWS",
    "BookParameters",
    "CarcGroup",
    "Payer",
    "PayerKind",
    "QATruth",
    "SyntheticBook",
    "default_payers",
]

Columns = dict[str, npt.NDArray[Any]]

WORKFLOWS: tuple[str, ...] = tuple(workflow.id for workflow in RACI_WORKFLOWS)
"""Workflow ids of the work-item log, the ids of the RACI catalogue."""

PARTIES = ("client_staff", "offshore_pod", "onshore_lead", "automation")
"""Party ids of the ``team`` columns: the provider's staff, the partner's offshore pod and onshore
lead, and automation (bots and rules)."""

QA_ERROR_RATES: Mapping[str, float] = {
    "eligibility": 0.006,
    "prior_auth": 0.010,
    "charge_entry": 0.005,
    "coding": 0.012,
    "claim_submission": 0.008,
    "payment_posting": 0.008,
    "ar_follow_up": 0.020,
    "denials": 0.070,
    "appeals": 0.012,
    "write_off_approval": 0.004,
    "patient_statements": 0.006,
    "credit_balances": 0.010,
}
"""True QA error rate of each workflow: ``denials`` is above a 5% tolerable rate, every other
workflow is at 2% or below."""


class PayerKind(enum.Enum):
    """What kind of payer a plan is."""

    MEDICARE = "medicare"
    MEDICAID = "medicaid"
    COMMERCIAL = "commercial"
    SELF_PAY = "self_pay"


def _path(attribute: attrs.Attribute[Any]) -> str:
    return f"$.{attribute.name}"


def _number(attribute: attrs.Attribute[Any], value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError.single(
            _path(attribute), "type", f"'{attribute.name}' must be a finite number (got {value!r})"
        )
    return float(value)


Validator = Callable[[object, "attrs.Attribute[Any]", object], None]


def _in_unit(*, low_open: bool, high_open: bool) -> Validator:
    """A validator for a rate in [0, 1] with the given open ends."""
    left, right = "(" if low_open else "[", ")" if high_open else "]"

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        x = _number(attribute, value)
        below = x <= 0 if low_open else x < 0
        above = x >= 1 if high_open else x > 1
        if below or above:
            raise ValidationError.single(
                _path(attribute), "range", f"'{attribute.name}' must be in {left}0, 1{right} (got {value!r})"
            )

    return check


def _positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if _number(attribute, value) <= 0:
        raise ValidationError.single(
            _path(attribute), "range", f"'{attribute.name}' must be > 0 (got {value!r})"
        )


def _identifier(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value or not value.replace("_", "").isalnum() or not value.isascii():
        raise ValidationError.single(
            _path(attribute),
            "format",
            f"'{attribute.name}' must be a non-empty ASCII identifier of letters, digits and _"
            f" (got {value!r})",
        )


@attrs.frozen(kw_only=True)
class Payer:
    """One payer (plan) of the book and its contract and behaviour.

    Args:
        id: Payer id as it appears in the ``payer`` columns.
        kind: Medicare, Medicaid, commercial or self-pay. Self-pay claims are billed to the patient
            by statement, never submitted to a payer, so they have no submissions, denials or lags.
        share: Relative weight of the payer in the claim mix (> 0; weights need not sum to 1).
        allowed_ratio: Contract rate, allowed amount / gross charges, in (0, 1]. For self-pay, the
            uninsured discount leaves this fraction of gross charges to collect.
        patient_share: Mean share of the allowed amount that is patient responsibility, in [0, 1].
        denial_rate: Probability that an original submission is denied (fully or in part), in [0, 1).
        clean_rate: Probability that a claim passes all edits with no manual touch, in (0, 1].
        median_lag_days: Median days from submission to adjudication (lognormal, sigma 0.45).
        overpayment_rate: Probability that a paid claim is overpaid (later refunded), in [0, 1).

    >>> Payer(id="acme", kind=PayerKind.COMMERCIAL, share=0.2, allowed_ratio=1.5, patient_share=0.1,
    ...       denial_rate=0.1, clean_rate=0.9, median_lag_days=20, overpayment_rate=0.01)
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'allowed_ratio' must be in (0, 1] (got 1.5)
    @ $.allowed_ratio
    """

    id: str = attrs.field(validator=_identifier)
    kind: PayerKind = attrs.field(validator=attrs.validators.instance_of(PayerKind))
    share: float = attrs.field(validator=_positive)
    allowed_ratio: float = attrs.field(validator=_in_unit(low_open=True, high_open=False))
    patient_share: float = attrs.field(validator=_in_unit(low_open=False, high_open=False))
    denial_rate: float = attrs.field(validator=_in_unit(low_open=False, high_open=True))
    clean_rate: float = attrs.field(validator=_in_unit(low_open=True, high_open=False))
    median_lag_days: float = attrs.field(validator=_positive)
    overpayment_rate: float = attrs.field(validator=_in_unit(low_open=False, high_open=True))


def default_payers() -> tuple[Payer, ...]:
    """A realistic US physician-group payer mix: Medicare, Medicaid, three commercial plans, self-pay.

    Contract rates follow the usual ordering (Medicaid < Medicare < commercial, as a share of
    gross charges), Medicare coinsurance is 20%, commercial plans carry deductibles and
    coinsurance, and Medicaid pays slowest and denies most.

    Examples:
        >>> [(p.id, p.allowed_ratio) for p in default_payers()][:2]
        [('medicare', 0.52), ('medicaid', 0.42)]
    """
    mc, md, co, sp = PayerKind.MEDICARE, PayerKind.MEDICAID, PayerKind.COMMERCIAL, PayerKind.SELF_PAY
    rows = (
        ("medicare", mc, 0.33, 0.52, 0.20, 0.06, 0.93, 18.0, 0.010),
        ("medicaid", md, 0.16, 0.42, 0.02, 0.12, 0.86, 36.0, 0.006),
        ("bluecross", co, 0.20, 0.70, 0.16, 0.08, 0.90, 25.0, 0.012),
        ("aetna", co, 0.15, 0.67, 0.18, 0.09, 0.89, 29.0, 0.012),
        ("united", co, 0.12, 0.65, 0.17, 0.11, 0.88, 32.0, 0.015),
        ("self_pay", sp, 0.04, 0.55, 1.00, 0.0, 1.0, 1.0, 0.0),
    )
    return tuple(
        Payer(
            id=r[0],
            kind=r[1],
            share=r[2],
            allowed_ratio=r[3],
            patient_share=r[4],
            denial_rate=r[5],
            clean_rate=r[6],
            median_lag_days=r[7],
            overpayment_rate=r[8],
        )
        for r in rows
    )


@attrs.frozen(kw_only=True)
class CarcGroup:
    """A claim adjustment reason code group used for denials, and what happens after one.

    Args:
        code: The CARC with its group prefix (``CO-16``).
        description: What the code means.
        share: Share of denials carrying this code.
        appeal_rate: Share of these denials corrected and resubmitted or appealed.
        overturn_rate: Share of the appealed ones paid on resubmission.
        write_off_reason: The write-off reason when the denial is finally written off.
    """

    code: str
    description: str
    share: float
    appeal_rate: float
    overturn_rate: float
    write_off_reason: str


CARC_GROUPS: tuple[CarcGroup, ...] = (
    CarcGroup(code="CO-16", description="claim lacks information or has submission/billing errors",
              share=0.45, appeal_rate=0.96, overturn_rate=0.95, write_off_reason="denial"),
    CarcGroup(code="CO-197", description="precertification/authorization absent",
              share=0.22, appeal_rate=0.85, overturn_rate=0.80, write_off_reason="denial"),
    CarcGroup(code="CO-50", description="not deemed a medical necessity by the payer",
              share=0.25, appeal_rate=0.80, overturn_rate=0.70, write_off_reason="denial"),
    CarcGroup(code="CO-29", description="the time limit for filing has expired",
              share=0.08, appeal_rate=0.40, overturn_rate=0.35, write_off_reason="timely_filing"),
)  # fmt: skip
"""Denial reason groups. ``CO-45`` (charges exceed the contracted fee) is the contractual
adjustment on every paid claim and is never a denial."""


def _non_negative_int(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError.single(
            _path(attribute), "range", f"'{attribute.name}' must be an integer >= 0 (got {value!r})"
        )


def _positive_int(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError.single(
            _path(attribute), "range", f"'{attribute.name}' must be an integer >= 1 (got {value!r})"
        )


_EARLIEST, _LATEST = datetime.date(1900, 1, 1), datetime.date(9000, 12, 31)


def _calendar_span(_: object, attribute: attrs.Attribute[Any], value: datetime.date) -> None:
    """A book, its run-in and its settlements stay far inside the calendar numpy and Python share."""
    if not _EARLIEST <= value <= _LATEST:
        message = f"'{attribute.name}' must be between {_EARLIEST} and {_LATEST} (got {value})"
        raise ValidationError.single(_path(attribute), "range", message)


def _at_most(limit: int) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, attribute: attrs.Attribute[Any], value: int) -> None:
        if value > limit:
            raise ValidationError.single(
                _path(attribute), "range", f"'{attribute.name}' must be at most {limit} (got {value})"
            )

    return check


def _date(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationError.single(
            _path(attribute), "type", f"'{attribute.name}' must be a datetime.date (got {value!r})"
        )


def _payers(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not value:
        raise ValidationError.single(
            _path(attribute), "type", f"'{attribute.name}' must be a non-empty tuple of Payer (got {value!r})"
        )
    seen: set[str] = set()
    for i, payer in enumerate(value):
        if not isinstance(payer, Payer):
            raise ValidationError.single(f"$.payers[{i}]", "type", f"expected a Payer (got {payer!r})")
        if payer.id in seen:
            raise ValidationError.single(f"$.payers[{i}].id", "duplicate", f"duplicate payer id {payer.id!r}")
        seen.add(payer.id)


def _rate_map(value: object) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ValidationError.single(
            "$.error_rates", "type", f"'error_rates' must be a mapping of workflow to rate (got {value!r})"
        )
    return dict(value)


def _rates(_: object, attribute: attrs.Attribute[Any], value: Mapping[str, object]) -> None:
    if set(value) != set(WORKFLOWS):
        raise ValidationError.single(
            _path(attribute),
            "keys",
            f"'{attribute.name}' must map exactly the workflows {WORKFLOWS} (got {sorted(map(repr, value))})",
        )
    for workflow, rate in value.items():
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
            raise ValidationError.single(
                f"$.{attribute.name}.{workflow}", "range", f"error rate must be in [0, 1) (got {rate!r})"
            )


@attrs.frozen(kw_only=True)
class BookParameters:
    """Everything :func:`generate_book` was asked for.

    Args:
        seed: Non-negative integer seed.
        claims: Number of claims (>= 1).
        start: First day of the book; the book covers ``weeks`` whole weeks from it.
        weeks: Number of weeks (>= 1).
        payers: The payer mix.
    """

    seed: int = attrs.field(validator=_non_negative_int)
    claims: int = attrs.field(validator=_positive_int)
    start: datetime.date = attrs.field(validator=[_date, _calendar_span])
    weeks: int = attrs.field(validator=[_positive_int, _at_most(5200)])
    payers: tuple[Payer, ...] = attrs.field(validator=_payers)

    @property
    def end(self) -> datetime.date:
        """The day after the book's last day.

        >>> BookParameters(seed=1, claims=10, start=datetime.date(2026, 5, 4), weeks=2,
        ...                payers=default_payers()).end
        datetime.date(2026, 5, 18)
        """
        return self.start + datetime.timedelta(weeks=self.weeks)

    @property
    def period(self) -> Period:
        """The half-open period the book covers."""
        return Period(self.start, self.end)


@attrs.frozen(kw_only=True)
class QATruth:
    """The known true QA error rate of each workflow, from which :func:`audit` draws.

    Args:
        error_rates: Workflow id to its true error rate in [0, 1), for every workflow of
            :data:`WORKFLOWS`.
    """

    error_rates: dict[str, float] = attrs.field(converter=_rate_map, validator=_rates)

    def above(self, tolerable_rate: float) -> tuple[str, ...]:
        """Workflows whose true rate exceeds a tolerable rate.

        >>> QATruth(error_rates=dict(QA_ERROR_RATES)).above(0.05)
        ('denials',)
        """
        return tuple(w for w in WORKFLOWS if self.error_rates[w] > tolerable_rate)


def _summary(columns: Columns) -> str:
    return f"{column_rows(columns)} rows x {len(columns)} columns"


@attrs.frozen(kw_only=True, eq=False)
class SyntheticBook:
    """A generated co-managed book of business: three tables, the QA truth and the inputs.

    The tables are mappings of column name to a 1-D numpy array (the schema is documented in the
    guide); they are the KPI engine's input tables plus the ``carc`` column on submissions and
    ``claim_id``/``balance`` on work items. Treat the arrays as read-only.

    Args:
        parameters: What the book was generated from.
        transactions: The transactions ledger.
        submissions: One row per claim submission.
        work_items: The work-item activity log.
        qa: The true QA error rate per workflow.
    """

    parameters: BookParameters
    transactions: Columns
    submissions: Columns
    work_items: Columns
    qa: QATruth

    @property
    def seed(self) -> int:
        """The seed the book was generated from."""
        return self.parameters.seed

    @property
    def period(self) -> Period:
        """The half-open period the book covers."""
        return self.parameters.period

    def tables(self) -> dict[str, Columns]:
        """The three tables by name (``transactions``, ``submissions``, ``work_items``).

        >>> from comanaged_rcm.synthetic import generate_book
        >>> {name: len(columns) for name, columns in generate_book(claims=100).tables().items()}
        {'transactions': 9, 'submissions': 13, 'work_items': 9}
        """
        return {
            "transactions": self.transactions,
            "submissions": self.submissions,
            "work_items": self.work_items,
        }

    def __repr__(self) -> str:
        p = self.parameters
        return (
            f"SyntheticBook(seed={p.seed}, claims={p.claims}, period={p.period}, "
            f"transactions={_summary(self.transactions)}, submissions={_summary(self.submissions)}, "
            f"work_items={_summary(self.work_items)})"
        )

    def _repr_markdown_(self) -> str:
        p = self.parameters
        lines = [
            f"**Synthetic book** seed {p.seed}, {p.claims} claims, {p.period}",
            "",
            "| table | rows | columns |",
            "| --- | ---: | ---: |",
        ]
        for name, cols in self.tables().items():
            rows = len(next(iter(cols.values()))) if cols else 0
            lines.append(f"| {name} | {rows} | {len(cols)} |")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        p = self.parameters
        body = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{len(next(iter(cols.values()))) if cols else 0}</td>"
            f"<td>{len(cols)}</td></tr>"
            for name, cols in self.tables().items()
        )
        caption = html.escape(f"Synthetic book seed {p.seed}, {p.claims} claims, {p.period}")
        return (
            f"<table><caption>{caption}</caption><tr><th>table</th><th>rows</th><th>columns</th></tr>"
            f"{body}</table>"
        )


def column_rows(columns: Columns) -> int:
    """Rows of a column table (0 when it has no columns)."""
    return len(next(iter(columns.values()))) if columns else 0
