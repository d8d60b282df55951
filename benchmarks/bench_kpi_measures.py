"""Measures as data against the hand-written engine they replaced, on the same synthetic book.

The peer is ``tests/kpi/_legacy_engine.py`` (the engine before its measures became data), run in
the same process on the same Book, periods and conventions, and ours computes the same 41
measures (built-in measures added since, such as the per-claim credit balances, are left out of
the comparison). Each case times a 13-week trend (14 periods with the span): "cold" rolls the
book up again each time (its text codes stay, as a Book keeps them), "warm" reuses the rollups
as a second request on the same book does.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from _harness import Case

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for the test oracle

from tests.kpi import _legacy_engine as legacy

from comanaged_rcm.kpi import SCHEMAS, Book, _engine
from comanaged_rcm.kpi._conventions import Convention, resolve_conventions
from comanaged_rcm.periods import Cadence, Period
from comanaged_rcm.synthetic import generate_book


def _book(claims: int) -> Book:
    synthetic = generate_book(seed=1, claims=claims, weeks=26)
    tables = {
        name: {k: v for k, v in columns.items() if k in {f.name for f in SCHEMAS[name]}}
        for name, columns in synthetic.tables().items()
    }
    return Book.from_tables(tables)


def _timed(
    module: ModuleType,
    book: Book,
    request: tuple[list[Period], list[datetime.date]],
    by: tuple[str, ...],
    conventions: dict[str, Convention],
    *,
    cold: bool,
) -> Callable[[], object]:
    """One engine's trend, rolling the book up again first when ``cold``."""
    same = {} if module is legacy else {"measures": tuple(legacy.MEASURES)}  # the measures both have

    def call() -> object:
        if cold:
            module._PREPARED.pop(book, None)  # noqa: SLF001 - forget the rollups to time building them
        return module.compute_measures(book, *request, by, conventions, **same)

    return call


def cases(quick: bool) -> list[Case]:
    """A trend by no slice, by payer and by payer and team, default and per-claim conventions."""
    claims = 5_000 if quick else 200_000
    book = _book(claims)
    weeks = list(Cadence.weekly().periods_ending(datetime.date(2026, 10, 26), 13))
    request = ([*weeks, Period(weeks[0].start, weeks[-1].end)], [w.end for w in weeks] + [weeks[-1].end])
    sizes = (
        f"{book.rows('transactions'):,} transactions, {book.rows('submissions'):,} submissions, 14 periods"
    )
    out = []
    for chosen in ({}, {"credit_balances": "excluded"}):
        conventions = resolve_conventions(chosen)
        label = ", ".join(f"{k}={v}" for k, v in chosen.items()) or "default conventions"
        out += [
            Case(
                name=f"kpi measures {'cold' if cold else 'warm'} by {by or '()'} ({label})",
                sizes=sizes,
                ours=_timed(_engine, book, request, by, conventions, cold=cold),
                baselines={"hand-written engine": _timed(legacy, book, request, by, conventions, cold=cold)},
                repeat=3 if cold else 5,
                target="at least as fast (ratio >= 1.0)",
            )
            for by in ((), ("payer",), ("payer", "team"))
            for cold in (True, False)
        ]
    return out
