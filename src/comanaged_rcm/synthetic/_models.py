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
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as check
from comanaged_rcm._check import as_int, as_real, to, v
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


@attrs.frozen
class _Workflow:
    """How the generator works one workflow's items, and how often they are worked wrong."""

    teams: tuple[float, float, float, float]  # weights of the parties in PARTIES order
    touches: float  # mean touches beyond the first
    escalation: float  # share of items escalated
    error_rate: float  # true QA error rate, what audit() draws against


_OTHER = _Workflow((0.20, 0.60, 0.20, 0.0), 1.0, 0.02, 0.01)
"""The row of a workflow the table does not list: mostly the partner's, middling in every figure."""

# fmt: off
_LISTED = {
    #                     client  offshore onshore automation  touches escalation error rate
    "eligibility":        _Workflow((0.05, 0.20, 0.0, 0.75),   0.3,    0.005,     0.006),
    "prior_auth":         _Workflow((0.30, 0.60, 0.10, 0.0),   1.2,    0.03,      0.010),
    "charge_entry":       _Workflow((0.60, 0.40, 0.0, 0.0),    0.8,    0.02,      0.005),
    "coding":             _Workflow((0.25, 0.65, 0.10, 0.0),   0.7,    0.02,      0.012),
    "claim_submission":   _Workflow((0.10, 0.50, 0.0, 0.40),   0.6,    0.01,      0.008),
    "payment_posting":    _Workflow((0.10, 0.60, 0.0, 0.30),   0.4,    0.01,      0.008),
    "ar_follow_up":       _Workflow((0.15, 0.75, 0.10, 0.0),   2.2,    0.05,      0.020),
    "denials":            _Workflow((0.05, 0.80, 0.15, 0.0),   1.6,    0.06,      0.070),
    "appeals":            _Workflow((0.05, 0.45, 0.50, 0.0),   2.5,    0.10,      0.012),
    "write_off_approval": _Workflow((0.70, 0.0, 0.30, 0.0),    0.5,    0.03,      0.004),
    "patient_statements": _Workflow((0.20, 0.30, 0.0, 0.50),   1.0,    0.01,      0.006),
    "credit_balances":    _Workflow((0.40, 0.40, 0.20, 0.0),   1.2,    0.05,      0.010),
}
# fmt: on


def _table(workflows: tuple[str, ...]) -> Mapping[str, _Workflow]:
    """Each workflow's row, in the order given; one the table does not list gets :data:`_OTHER`.

    >>> _table(("denials", "new_workflow"))["new_workflow"] is _OTHER
    True
    """
    return MappingProxyType({w: _LISTED.get(w, _OTHER) for w in workflows})


_BY_WORKFLOW = _table(WORKFLOWS)
"""Every workflow's row, in :data:`WORKFLOWS` order: party weights, touches, escalation, error rate.

A workflow of the RACI catalogue the table does not list gets :data:`_OTHER`, so a new workflow
generates items instead of failing."""

QA_ERROR_RATES: Mapping[str, float] = MappingProxyType({w: row.error_rate for w, row in _BY_WORKFLOW.items()})
"""True QA error rate of each workflow (a read-only mapping, from :data:`_BY_WORKFLOW`):
``denials`` is above a 5% tolerable rate, every other workflow is at 2% or below."""


_MAX_REAL = 1e12
"""The largest payer weight accepted: the mix is normalised, so only ratios matter."""

_MAX_LAG_DAYS = 3650.0
"""The longest median adjudication lag accepted (ten years; real ones are weeks)."""


class PayerKind(enum.Enum):
    """What kind of payer a plan is."""

    MEDICARE = "medicare"
    MEDICAID = "medicaid"
    COMMERCIAL = "commercial"
    SELF_PAY = "self_pay"


@attrs.frozen(kw_only=True)
class Payer:
    """One payer (plan) of the book and its contract and behaviour.

    Args:
        id: Payer id as it appears in the ``payer`` columns.
        kind: Medicare, Medicaid, commercial or self-pay. Self-pay claims are billed to the patient
            by statement, never submitted to a payer, so they have no submissions, denials or lags.
        share: Relative weight of the payer in the claim mix (> 0, at most 1e12; weights need not
            sum to 1).
        allowed_ratio: Contract rate, allowed amount / gross charges, in (0, 1]. For self-pay, the
            uninsured discount leaves this fraction of gross charges to collect.
        patient_share: Mean share of the allowed amount that is patient responsibility, in [0, 1].
        denial_rate: Probability that an original submission is denied (fully or in part), in [0, 1).
        clean_rate: Probability that a claim passes all edits with no manual touch, in (0, 1].
        median_lag_days: Median days from submission to adjudication (lognormal, sigma 0.45), in
            (0, 3650].
        overpayment_rate: Probability that a paid claim is overpaid (later refunded), in [0, 1).

    >>> Payer(id="acme", kind=PayerKind.COMMERCIAL, share=0.2, allowed_ratio=1.5, patient_share=0.1,
    ...       denial_rate=0.1, clean_rate=0.9, median_lag_days=20, overpayment_rate=0.01)
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'allowed_ratio' must be in (0, 1] (got 1.5)
    @ $.allowed_ratio
    """

    id: str = attrs.field(validator=v.identifier())
    kind: PayerKind = attrs.field(validator=v.member(PayerKind))
    share: float = attrs.field(
        converter=as_real, validator=v.real(minimum=0, low_open=True, maximum=_MAX_REAL)
    )
    allowed_ratio: float = attrs.field(converter=as_real, validator=v.rate(low_open=True, high_open=False))
    patient_share: float = attrs.field(converter=as_real, validator=v.rate(low_open=False, high_open=False))
    denial_rate: float = attrs.field(converter=as_real, validator=v.rate(low_open=False, high_open=True))
    clean_rate: float = attrs.field(converter=as_real, validator=v.rate(low_open=True, high_open=False))
    median_lag_days: float = attrs.field(
        converter=as_real, validator=v.real(minimum=0, low_open=True, maximum=_MAX_LAG_DAYS)
    )
    overpayment_rate: float = attrs.field(converter=as_real, validator=v.rate(low_open=False, high_open=True))


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


_DENIAL_WRITE_OFFS = ("denial", "timely_filing")


def _write_off_reason(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check.one_of(value, _DENIAL_WRITE_OFFS, f"$.{attribute.name}")


@attrs.frozen(kw_only=True)
class CarcGroup:
    """A claim adjustment reason code group used for denials, and what happens after one.

    Args:
        code: The CARC with its group prefix (``CO-16``).
        description: What the code means.
        share: Share of denials carrying this code.
        appeal_rate: Share of these denials corrected and resubmitted or appealed.
        overturn_rate: Share of the appealed ones paid on resubmission.
        write_off_reason: The write-off reason when the denial is finally written off
            (``denial`` or ``timely_filing``).

    Rates and shares are in [0, 1]; each field is checked at construction.
    """

    code: str = attrs.field(validator=v.text())
    description: str = attrs.field(validator=v.text())
    share: float = attrs.field(converter=as_real, validator=v.rate(low_open=False, high_open=False))
    appeal_rate: float = attrs.field(converter=as_real, validator=v.rate(low_open=False, high_open=False))
    overturn_rate: float = attrs.field(converter=as_real, validator=v.rate(low_open=False, high_open=False))
    write_off_reason: str = attrs.field(validator=_write_off_reason)


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


_EARLIEST, _LATEST = datetime.date(1900, 1, 1), datetime.date(9000, 12, 31)
"""A book, its run-in and its settlements stay far inside the calendar numpy and Python share."""

MAX_SEED = 2**64 - 1
"""The largest seed: the seed of a 64-bit generator."""

MAX_WEEKS = 5200
"""The longest book, in weeks (a hundred years)."""

MAX_CLAIMS = 4_000_000
"""The most claims one book simulates, its run-in's included (about 10 GB at the peak)."""


def _payers(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A non-empty tuple of :class:`Payer` with distinct ids."""
    if not isinstance(value, tuple) or not value:
        check.fail(
            "$.payers", "type", f"'payers' must be a non-empty tuple of Payer (got {check.show(value)})"
        )
    check.tuple_of(value, Payer, f"$.{attribute.name}")
    seen: set[str] = set()
    for i, payer in enumerate(value):
        if payer.id in seen:
            check.fail(f"$.payers[{i}].id", "duplicate", f"duplicate payer id {payer.id!r}")
        seen.add(payer.id)


def _simulated(instance: BookParameters, _: attrs.Attribute[Any], weeks: int) -> None:
    """The claims simulated, the run-in's included, stay within :data:`MAX_CLAIMS`."""
    from comanaged_rcm.synthetic._engine import OPENING_WEEKS  # noqa: PLC0415 - the engine imports this module

    simulated = instance.claims + round(instance.claims * OPENING_WEEKS / weeks)
    if simulated > MAX_CLAIMS:
        most = MAX_CLAIMS * weeks // (weeks + OPENING_WEEKS)
        check.fail(
            "$.claims",
            "range",
            f"'claims' must be <= {most:,} for a book of {weeks} week(s): with the"
            f" {OPENING_WEEKS}-week run-in that simulates {simulated:,} claims, more than"
            f" {MAX_CLAIMS:,} (got {instance.claims:,})",
        )


_WORKFLOW_SET = frozenset(WORKFLOWS)


def _rate_map(value: object) -> object:
    """The rates as a dict of float by workflow; anything that is not a mapping stays for the validator."""
    if not isinstance(value, Mapping):
        return value
    try:
        rates = dict(value)
    except Exception:  # noqa: BLE001 - reading a foreign mapping may raise anything
        return value
    return {k: to.real(rate) for k, rate in rates.items()}


def _rates(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    if not isinstance(value, dict):
        check.fail(
            path,
            "type",
            f"'{attribute.name}' must be a mapping of workflow to rate (got {check.show(value)})",
        )
    if set(value) != _WORKFLOW_SET:
        missing = [w for w in WORKFLOWS if w not in value]
        extra = [check.show(k) for k in value if k not in _WORKFLOW_SET]
        parts = [f"missing {', '.join(missing)}"] if missing else []
        if extra:
            shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5:,} more" if len(extra) > 5 else "")
            parts.append(f"unknown {shown}")
        check.fail(
            path,
            "keys",
            f"'{attribute.name}' must map exactly the workflows {', '.join(WORKFLOWS)} ({'; '.join(parts)})",
        )
    for workflow, rate in value.items():
        check.rate(rate, f"{path}.{workflow}", low_open=False)


@attrs.frozen(kw_only=True)
class BookParameters:
    """Everything :func:`generate_book` was asked for.

    Args:
        seed: Non-negative integer seed (at most :data:`MAX_SEED`).
        claims: Number of claims (>= 1); with the run-in's, at most :data:`MAX_CLAIMS` are
            simulated, so the bound is refused here, before anything is allocated.
        start: First day of the book, from 1900-01-01 to 9000-12-31; the book covers ``weeks``
            whole weeks from it.
        weeks: Number of weeks (1 to :data:`MAX_WEEKS`).
        payers: The payer mix: a non-empty tuple of :class:`Payer` with distinct ids.
    """

    seed: int = attrs.field(converter=as_int, validator=v.count(maximum=MAX_SEED))
    claims: int = attrs.field(converter=as_int, validator=v.count(minimum=1, maximum=MAX_CLAIMS))
    start: datetime.date = attrs.field(validator=v.date(earliest=_EARLIEST, latest=_LATEST))
    weeks: int = attrs.field(converter=as_int, validator=[v.count(minimum=1, maximum=MAX_WEEKS), _simulated])
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

        Raises:
            ValidationError: ``tolerable_rate`` is not a rate in [0, 1] (``$.tolerable_rate``).

        >>> QATruth(error_rates=dict(QA_ERROR_RATES)).above(0.05)
        ('denials',)
        """
        rate = check.rate(tolerable_rate, "$.tolerable_rate", low_open=False, high_open=False)
        return tuple(w for w in WORKFLOWS if self.error_rates[w] > rate)


def _columns(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A table: a dict of column name to a 1-D numpy array, every column as long as the first."""
    path = f"$.{attribute.name}"
    if not isinstance(value, dict):
        check.fail(
            path,
            "type",
            f"'{attribute.name}' must be a dict of column name to array (got {check.show(value)})",
        )
    rows = None
    for name, column in value.items():
        check.field_name(name, f"{path}[{check.show(name)}]")
        where = f"{path}.{name}"
        if not isinstance(column, np.ndarray) or column.ndim != 1:
            check.fail(where, "type", f"{name!r} must be a 1-D numpy array (got {check.show(column)})")
        if rows is not None and len(column) != rows:
            check.fail(
                where, "shape", f"{name!r} has {len(column):,} rows, the table's first column {rows:,}"
            )
        rows = len(column)


def _summary(columns: Columns) -> str:
    return f"{column_rows(columns)} rows x {len(columns)} columns"


@attrs.frozen(kw_only=True, eq=False)
class SyntheticBook:
    """A generated co-managed book of business: three tables, the QA truth and the inputs.

    The tables are mappings of column name to a 1-D numpy array (the schema is documented in the
    guide); they are the KPI engine's input tables plus the ``carc`` column on submissions and
    ``claim_id``/``balance`` on work items. The arrays are read-only (so a
    :class:`~comanaged_rcm.kpi.Book` of them keeps them instead of a copy).

    Args:
        parameters: What the book was generated from.
        transactions: The transactions ledger.
        submissions: One row per claim submission.
        work_items: The work-item activity log.
        qa: The true QA error rate per workflow.
    """

    parameters: BookParameters = attrs.field(validator=v.instance(BookParameters))
    transactions: Columns = attrs.field(validator=_columns)
    submissions: Columns = attrs.field(validator=_columns)
    work_items: Columns = attrs.field(validator=_columns)
    qa: QATruth = attrs.field(validator=v.instance(QATruth))

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
