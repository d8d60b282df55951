"""Single sampling plans by AQL from MIL-STD-105E (ANSI/ASQ Z1.4, ISO 2859-1), and their OC curves.

The tables below are MIL-STD-105E (10 May 1989, public domain: "Approved for public release;
distribution is unlimited"): Table I (sample size code letters) and the single sampling master
tables II-A (normal), II-B (tightened) and II-C (reduced), transcribed cell by cell as printed:
``Ac/Re`` for a plan, ``v`` for "use the first sampling plan below the arrow", ``^`` for "use the
first sampling plan above the arrow". A plan is found by following the arrows from the code
letter's row; its sample size is the one of the row the arrows lead to, not of the code letter.

The transcription is checked cell by cell (all 416 cells of II-A and II-B, the cells of II-C up to
AQL 15) against the independent transcription in J. Lawson's AQLSchemes R package (CRAN), and in the
tests against published cells. Table II-C is offered up to AQL 15 only: above it the copies
disagree in rows A and B.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, overload

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.sampling._bayes import _optional_int, html_table, markdown_table, rows_of

__all__ = [
    "AQLS",
    "INSPECTION_LEVELS",
    "AcceptancePlan",
    "acceptance_plan",
    "acceptance_probability",
    "code_letter",
]

SOURCE = (
    "MIL-STD-105E (1989) Table I and Tables II-A/II-B/II-C, single sampling (= ANSI/ASQ Z1.4, ISO 2859-1)"
)

INSPECTION_LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
"""Special inspection levels S-1 to S-4 and general levels I, II (the usual one) and III."""

INSPECTIONS = ("normal", "tightened", "reduced")
"""The severities of inspection, each with its own master table."""

AQLS = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5,
    10.0, 15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
)  # fmt: skip
"""The AQLs of the master tables, in percent nonconforming (above 10: nonconformities per 100 units)."""

_REDUCED_MAX_AQL = 15.0

# Table I: upper end of the lot size range, then the code letter for S-1, S-2, S-3, S-4, I, II, III.
_TABLE_I = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10000, "CDFGJLM"),
    (35000, "CDFHKMN"),
    (150000, "DEGJLNP"),
    (500000, "DEGJMPQ"),
    (None, "DEHKNQR"),
)

_SIZES = {
    "normal": dict(
        zip(
            "ABCDEFGHJKLMNPQR",
            (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000),
            strict=True,
        )
    ),
    "tightened": dict(
        zip(
            "ABCDEFGHJKLMNPQRS",
            (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150),
            strict=True,
        )
    ),
    "reduced": dict(
        zip("ABCDEFGHJKLMNPQR", (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800), strict=True)
    ),
}

# Each row: the code letter, then one cell per AQL of AQLS ("-": not offered here).
_TABLE_II_A = (
    "A v v v v v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31",
    "B v v v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45",
    "C v v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ^",
    "D v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ^ ^",
    "E v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ^ ^ ^",
    "F v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^",
    "G v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^",
    "H v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^",
    "J v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "K v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "L v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "M v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "N v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "P v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "Q 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "R ^ ^ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
)
_TABLE_II_B = (
    "A v v v v v v v v v v v v v v v v v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28",
    "B v v v v v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42",
    "C v v v v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42 ^",
    "D v v v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42 ^ ^",
    "E v v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42 ^ ^ ^",
    "F v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^",
    "G v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^",
    "H v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^",
    "J v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "K v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "L v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "M v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "N v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "P v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "Q v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "R 0/1 ^ v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "S ^ ^ 1/2 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
)
_TABLE_II_C = (
    "A v v v v v v v v v v v v v v 0/1 v v - - - - - - - - -",
    "B v v v v v v v v v v v v v 0/1 ^ v 0/2 - - - - - - - - -",
    "C v v v v v v v v v v v v 0/1 ^ v 0/2 1/3 - - - - - - - - -",
    "D v v v v v v v v v v v 0/1 ^ v 0/2 1/3 1/4 - - - - - - - - -",
    "E v v v v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 - - - - - - - - -",
    "F v v v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 - - - - - - - - -",
    "G v v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 - - - - - - - - -",
    "H v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 - - - - - - - - -",
    "J v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 - - - - - - - - -",
    "K v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ - - - - - - - - -",
    "L v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ - - - - - - - - -",
    "M v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ - - - - - - - - -",
    "N v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ - - - - - - - - -",
    "P v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ - - - - - - - - -",
    "Q 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ - - - - - - - - -",
    "R ^ ^ 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ - - - - - - - - -",
)


def _parse(rows: tuple[str, ...]) -> tuple[str, tuple[tuple[str, ...], ...]]:
    letters = "".join(row.split()[0] for row in rows)
    cells = tuple(tuple(row.split()[1:]) for row in rows)
    assert all(len(r) == len(AQLS) for r in cells)  # noqa: S101 - the tables are fixed data
    return letters, cells


_MASTER = {
    "normal": _parse(_TABLE_II_A),
    "tightened": _parse(_TABLE_II_B),
    "reduced": _parse(_TABLE_II_C),
}


def _level(value: object) -> str:
    return c.one_of(value, INSPECTION_LEVELS, "$.level")


def code_letter(lot_size: int, level: str = "II") -> str:
    """The sample size code letter of MIL-STD-105E Table I for a lot size and inspection level.

    Args:
        lot_size: Items in the lot or batch (>= 2).
        level: ``"S-1"`` to ``"S-4"``, ``"I"``, ``"II"`` (the usual one) or ``"III"``.

    Returns:
        The code letter, ``"A"`` to ``"R"``.

    Raises:
        ValidationError: A bad lot size (``$.lot_size``) or level (``$.level``).

    Example:
        >>> code_letter(1000), code_letter(1000, "S-3")
        ('J', 'E')
    """
    size = c.count(lot_size, "$.lot_size", minimum=2)
    column = INSPECTION_LEVELS.index(_level(level))
    for upper, letters in _TABLE_I:
        if upper is None or size <= upper:
            return letters[column]
    raise AssertionError  # pragma: no cover - the last row has no upper end


def _aql(value: object) -> int:
    number = c.real(value, "$.aql", minimum=0, low_open=True)
    matches = [i for i, aql in enumerate(AQLS) if math.isclose(number, aql, rel_tol=1e-9)]
    if not matches:
        listed = ", ".join(f"{a:g}" for a in AQLS)
        close = min(AQLS, key=lambda a: abs(math.log(a / number)))
        c.fail(
            "$.aql",
            "choice",
            f"'aql' must be one of the tabulated AQLs in percent: {listed} (got {c.show(value)};"
            f" the nearest is {close:g})",
        )
    return matches[0]


_LETTERS = tuple("ABCDEFGHJKLMNPQRS")


@attrs.frozen(kw_only=True)
class AcceptancePlan:
    """A single sampling plan: inspect ``sample_size`` items, accept the lot with at most ``accept``.

    ``code_letter`` is the letter of Table I (or as given); ``plan_letter`` is the row the table's
    arrows lead to, whose sample size applies. ``inspect_all`` is set when the sample size equals or
    exceeds the lot size (the standard then calls for 100 percent inspection).
    """

    lot_size: int | None = attrs.field(converter=_optional_int, validator=v.optional(v.count(minimum=2)))
    level: str | None = attrs.field(validator=v.optional(v.one_of(INSPECTION_LEVELS)))
    code_letter: str = attrs.field(validator=v.one_of(_LETTERS))
    plan_letter: str = attrs.field(validator=v.one_of(_LETTERS))
    aql: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0, low_open=True))
    inspection: str = attrs.field(validator=v.one_of(INSPECTIONS))
    sample_size: int = attrs.field(converter=c.as_int, validator=v.count(minimum=1))
    accept: int = attrs.field(converter=c.as_int, validator=v.count(minimum=0))
    reject: int = attrs.field(converter=c.as_int, validator=v.count(minimum=1))
    inspect_all: bool = attrs.field(converter=c.as_flag, validator=v.flag())
    convention: str = attrs.field(validator=v.text(multiline=True))

    def probability_of_acceptance(
        self, rate: float | npt.ArrayLike, *, finite: bool = False
    ) -> float | npt.NDArray[np.float64]:
        """The OC curve of this plan at ``rate`` (see :func:`acceptance_probability`).

        With ``finite`` the hypergeometric probability over this plan's lot size is used.

        Raises:
            ValidationError: A bad rate, or ``finite`` without a lot size (``$.finite``).
        """
        finite = c.flag(finite, "$.finite")
        if finite and self.lot_size is None:
            c.fail("$.finite", "value", "'finite' needs the plan's lot size; build the plan from a lot size")
        lot = self.lot_size if finite else None
        if lot is not None and self.sample_size > lot:
            c.fail(
                "$.finite", "value", f"the sample of {self.sample_size} exceeds the lot of {lot}: inspect all"
            )
        return acceptance_probability(self.sample_size, self.accept, rate, lot_size=lot)

    def __repr__(self) -> str:
        return (
            f"AcceptancePlan(code_letter={self.code_letter!r}, aql={self.aql:g},"
            f" inspection={self.inspection!r}, sample_size={self.sample_size}, accept={self.accept},"
            f" reject={self.reject})"
        )

    def _repr_markdown_(self) -> str:
        return markdown_table("Acceptance sampling plan", rows_of(self))

    def _repr_html_(self) -> str:
        return html_table("Acceptance sampling plan", rows_of(self))


def acceptance_plan(
    lot_size: int | None = None,
    *,
    aql: float,
    level: str = "II",
    inspection: str = "normal",
    code: str | None = None,
) -> AcceptancePlan:
    """The MIL-STD-105E single sampling plan for a lot size (or code letter), AQL and inspection.

    Args:
        lot_size: Items in the lot (>= 2); omit it and pass ``code`` to start from a code letter.
        aql: The acceptable quality level in percent, one of :data:`AQLS` (``1.0`` means 1%).
        level: The inspection level for Table I (ignored when ``code`` is given).
        inspection: ``"normal"`` (Table II-A), ``"tightened"`` (II-B) or ``"reduced"`` (II-C, up
            to AQL 15).
        code: A code letter ``"A"`` to ``"R"``, instead of a lot size.

    Returns:
        The :class:`AcceptancePlan`, with the arrows of the master table followed.

    Raises:
        ValidationError: A bad argument, named by its path (``$.aql``, ``$.lot_size``...).

    Example:
        >>> acceptance_plan(1000, aql=2.5)
        AcceptancePlan(code_letter='J', aql=2.5, inspection='normal', sample_size=80, accept=5, reject=6)
    """
    kind = c.one_of(inspection, INSPECTIONS, "$.inspection")
    column = _aql(aql)
    if code is None:
        if lot_size is None:
            c.fail("$.lot_size", "missing", "give 'lot_size' (or a code letter as 'code')")
        size: int | None = c.count(lot_size, "$.lot_size", minimum=2)
        chosen_level: str | None = _level(level)
        letter = code_letter(lot_size, level)
    else:
        if lot_size is not None:
            c.fail("$.code", "value", "give 'lot_size' or 'code', not both")
        letter = c.one_of(code, tuple("ABCDEFGHJKLMNPQR"), "$.code")
        size, chosen_level = None, None
    letters, cells = _MASTER[kind]
    row = letters.index(letter)
    while True:
        cell = cells[row][column]
        if cell == "-":
            c.fail(
                "$.aql",
                "range",
                f"reduced-inspection plans are tabulated here up to AQL {_REDUCED_MAX_AQL:g}"
                f" (got {c.show(aql)})",
            )
        if cell == "v":
            row += 1
        elif cell == "^":
            row -= 1
        else:
            break
    accept, reject = (int(part) for part in cell.split("/"))
    plan_letter = letters[row]
    n = _SIZES[kind][plan_letter]
    table = {"normal": "II-A", "tightened": "II-B", "reduced": "II-C"}[kind]
    note = (
        "; under reduced inspection a lot with more than Ac but fewer than Re nonconforming is accepted"
        " and normal inspection reinstated"
        if kind == "reduced"
        else ""
    )
    return AcceptancePlan(
        lot_size=size,
        level=chosen_level,
        code_letter=letter,
        plan_letter=plan_letter,
        aql=AQLS[column],
        inspection=kind,
        sample_size=n,
        accept=accept,
        reject=reject,
        inspect_all=size is not None and n >= size,
        convention=f"Table I and Table {table}, arrows followed to the first plan{note}; source: {SOURCE}",
    )


@overload
def acceptance_probability(n: int, accept: int, rate: float, *, lot_size: int | None = None) -> float: ...


@overload
def acceptance_probability(
    n: int, accept: int, rate: npt.ArrayLike, *, lot_size: int | None = None
) -> float | npt.NDArray[np.float64]: ...


def acceptance_probability(
    n: int, accept: int, rate: float | npt.ArrayLike, *, lot_size: int | None = None
) -> float | npt.NDArray[np.float64]:
    """The operating characteristic: the probability that a plan (n, Ac) accepts a lot.

    Binomial ``P(X <= accept)`` with ``X ~ Binomial(n, rate)``; with ``lot_size`` the exact
    hypergeometric probability for a lot of ``lot_size`` items holding ``round(rate * lot_size)``
    nonconforming ones (ties to even). Vectorized over ``rate``: an array in gives an array of the
    same shape out; a number in gives a float.

    Args:
        n: The sample size (>= 1; at most ``lot_size``).
        accept: The acceptance number Ac (0 <= Ac <= n).
        rate: The lot's fraction nonconforming, in [0, 1] (a number or any array of them).
        lot_size: The number of items in the lot, for the hypergeometric OC curve.

    Returns:
        The probability of acceptance, a float or an array.

    Raises:
        ValidationError: A bad argument, named by its path (``$.rate``...).

    Example:
        >>> round(acceptance_probability(80, 5, 0.025), 4)
        0.9848
        >>> acceptance_probability(50, 1, [0.0, 1.0]).tolist()
        [1.0, 0.0]
    """
    from scipy import stats  # noqa: PLC0415 - lazy import keeps the package light
    from scipy.special import bdtr  # noqa: PLC0415 - lazy import keeps the package light

    size = c.count(n, "$.n", minimum=1)
    ac = c.count(accept, "$.accept", maximum=size)
    lot = None if lot_size is None else c.count(lot_size, "$.lot_size", minimum=size)
    scalar = isinstance(rate, numbers.Real)
    rates = _rates(rate)
    if lot is None:
        result = np.where(rates >= 1, 1.0 if ac >= size else 0.0, bdtr(ac, size, np.minimum(rates, 1.0)))
        result = np.where(rates <= 0, 1.0, result)
    else:
        defective = np.rint(rates * lot)
        result = stats.hypergeom.cdf(ac, lot, defective, size)
    out: npt.NDArray[np.float64] = np.asarray(np.clip(result, 0.0, 1.0), dtype=np.float64)
    return float(out) if scalar else out


def _rates(rate: Any) -> npt.NDArray[np.float64]:  # noqa: ANN401 - a number or any array-like
    if isinstance(rate, numbers.Real | str | bytes | Mapping):
        return np.asarray(c.rate(rate, "$.rate", low_open=False, high_open=False), dtype=np.float64)
    try:
        array = np.asarray(rate, dtype=np.float64)
    except Exception:  # noqa: BLE001 - converting a foreign object may raise anything
        c.fail("$.rate", "type", f"'rate' must be a number or an array of numbers (got {c.show(rate)})")
    if array.size and (not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1):
        c.fail("$.rate", "range", f"every 'rate' must be in [0, 1] (got {c.show(rate)})")
    return array
