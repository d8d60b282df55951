"""Findings: what a whole-structure check reports, all at once.

Rules that span a structure (exactly one Accountable per activity, an acyclic metric tree, an
escalation path that ends at a human) are pure functions returning a list of :class:`Finding`.
They never stop at the first problem. :func:`raise_for_findings` turns the error findings into
one :class:`~comanaged_rcm.errors.ValidationError` when a caller wants an exception, and
:func:`to_pandas`, :func:`to_polars` and :func:`to_arrow` give them as a data frame (columns
``rule``, ``severity``, ``path``, ``message``; an empty list gives those columns and no rows).

>>> found = [Finding("RACI-001", Severity.ERROR, "$.activities[0]", "no Accountable party")]
>>> raise_for_findings(found)
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 1 validation issue: no Accountable party @ $.activities[0]
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from comanaged_rcm import _check as check
from comanaged_rcm._check import v
from comanaged_rcm.errors import Issue, ValidationError

if TYPE_CHECKING:
    from comanaged_rcm._frames import Table

__all__ = ["Finding", "Severity", "errors_only", "raise_for_findings", "to_arrow", "to_pandas", "to_polars"]


class Severity(enum.Enum):
    """How serious a finding is: an error breaks the structure, a warning deserves a look."""

    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Finding:
    """One problem found by a structural check.

    Args:
        rule: A stable rule id (``RACI-001``) that tests, docs and suppressions refer to.
        severity: :class:`Severity` of the finding.
        path: Where in the document the problem is (``$.assignments[4]``).
        message: What is wrong and what to do about it.

    >>> str(Finding("KPI-002", Severity.WARNING, "$.edges[0]", "edge points down"))
    'KPI-002 warning: edge points down @ $.edges[0]'
    """

    rule: str = attrs.field(validator=v.text())
    severity: Severity = attrs.field(validator=v.member(Severity))
    path: str = attrs.field(validator=v.text())
    message: str = attrs.field(validator=v.text(multiline=True))

    def __str__(self) -> str:
        return f"{self.rule} {self.severity.value}: {self.message} @ {self.path}"

    @property
    def is_error(self) -> bool:
        """Whether this finding is an error (as opposed to a warning)."""
        return self.severity is Severity.ERROR


def _findings(findings: object) -> tuple[Finding, ...]:
    return check.tuple_of(findings, Finding, "$.findings")


def errors_only(findings: Iterable[Finding]) -> list[Finding]:
    """Return the error findings, in order.

    Raises:
        ValidationError: ``findings`` is not a collection of :class:`Finding` (``$.findings[i]``).

    >>> errors_only([Finding("R", Severity.WARNING, "$", "w")])
    []
    """
    return [f for f in _findings(findings) if f.is_error]


def raise_for_findings(findings: Iterable[Finding]) -> None:
    """Raise one :class:`ValidationError` listing every error finding; warnings never raise.

    Args:
        findings: The findings of a check.

    Raises:
        ValidationError: When at least one finding is an error; each becomes an
            :class:`~comanaged_rcm.errors.Issue` whose code is the rule id. Also when
            ``findings`` is not a collection of :class:`Finding` (``$.findings[i]``).
    """
    errors = errors_only(findings)
    if errors:
        raise ValidationError(Issue(f.path, f.rule, f.message) for f in errors)


def table(findings: Iterable[Finding]) -> Table:
    """The findings as a :class:`~comanaged_rcm._frames.Table`, one row each, in order.

    Raises:
        ValidationError: ``findings`` is not a collection of :class:`Finding` (``$.findings[i]``).
    """
    from comanaged_rcm._frames import Column, build  # noqa: PLC0415 - numpy only when a table is asked for

    found = _findings(findings)
    return build(
        [
            ("rule", Column.text([f.rule for f in found])),
            ("severity", Column.text([f.severity.value for f in found])),
            ("path", Column.text([f.path for f in found])),
            ("message", Column.text([f.message for f in found])),
        ],
        "$.findings",
    )


def to_pandas(findings: Iterable[Finding]) -> Any:  # noqa: ANN401 - a pandas.DataFrame
    """The findings as a ``pandas.DataFrame``: ``rule``, ``severity``, ``path``, ``message``.

    Raises:
        ValidationError: ``findings`` is not a collection of :class:`Finding` (``$.findings[i]``).
        RCMError: pandas is not installed.

    >>> to_pandas([Finding("R", Severity.WARNING, "$", "w")])["severity"].tolist()
    ['warning']
    """
    return table(findings).to_pandas()


def to_polars(findings: Iterable[Finding]) -> Any:  # noqa: ANN401 - a polars.DataFrame
    """The findings as a ``polars.DataFrame`` (the columns of :func:`to_pandas`).

    Raises:
        ValidationError: ``findings`` is not a collection of :class:`Finding` (``$.findings[i]``).
        RCMError: polars is not installed.

    >>> to_polars([]).columns
    ['rule', 'severity', 'path', 'message']
    """
    return table(findings).to_polars()


def to_arrow(findings: Iterable[Finding]) -> Any:  # noqa: ANN401 - a pyarrow.Table
    """The findings as a ``pyarrow.Table`` (the columns of :func:`to_pandas`).

    Raises:
        ValidationError: ``findings`` is not a collection of :class:`Finding` (``$.findings[i]``).
        RCMError: pyarrow is not installed (``pip install 'comanaged-rcm[arrow]'``).

    >>> to_arrow([Finding("R", Severity.ERROR, "$.a", "e")]).num_rows
    1
    """
    return table(findings).to_arrow()
