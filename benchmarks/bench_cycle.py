"""The whole governance cycle on a synthetic book, timed stage by stage.

Stages: load (validate the tables into a KPI book), KPIs (the 13-week trend of every reported
KPI, on a freshly loaded book), QA (plan, select and evaluate each audited workflow), operations
(who worked what, the queues), the data findings (scope: teams and workflows the split does not
name; case: ids differing only in case), escalation (replay the rules over 4 weeks of facts) and
render (text, Markdown, HTML and JSON). The baseline of each stage is the memory floor: one
``np.sum`` over every column of the tables the stage reads, measured in the same run;
``baseline/ours`` says how many floor passes the stage costs (a ratio of 0.05 is twenty passes
over the data). The operations and findings stages are also measured against ``np.unique`` of
the text they read, the straightforward way to find its distinct values. Render's baseline is
``json.dumps`` of the report's plain dictionary.

Stages given the cycle's book read its codes (computed once per book: the warm-up call computes
them, as the KPIs and the escalation facts have by the time the findings run). The whole
``run_cycle`` is timed on new data (its tables validated and coded, as a weekly run does) and
again on the same data (the book of read-only tables is kept). The peak memory of one cold
``run_cycle`` (``tracemalloc``, every numpy allocation traced) is printed next to the size of the
tables it reads: at most 1x is the aim.

``BENCH_CYCLE_CASES`` (comma-separated words) runs only the cases whose name holds one of them:
``BENCH_CYCLE_CASES=escalation python benchmarks/run.py --only bench_cycle`` times the escalation
stage and its replay alone (without the whole run and its peak memory, which only the render and
whole-run cases need).
"""

from __future__ import annotations

import datetime
import json
import os
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from _harness import Case
from comanaged_rcm.cycle import (
    CycleData,
    default_engagement,
    render_html,
    render_json,
    render_markdown,
    render_text,
    run_cycle,
)
from comanaged_rcm.cycle._calendar import CycleCalendar
from comanaged_rcm.cycle._data import _ID_COLUMNS, case_findings, scope_findings
from comanaged_rcm.cycle._escalate import _escalations
from comanaged_rcm.cycle._facts import _Facts
from comanaged_rcm.cycle._run import _operations, _Populations, _qa_line, _scorecards
from comanaged_rcm.escalation import AlertStatus, Categorical, Event, EventKind, State, step
from comanaged_rcm.serialize import to_dict
from comanaged_rcm.synthetic import generate_book


def _floor(tables: list[dict[str, npt.NDArray[Any]]]) -> float:
    """One pass over every column: dates and text viewed as integers, then summed."""
    total = 0.0
    for table in tables:
        for column in table.values():
            if column.dtype.kind == "M":
                total += float(column.view(np.int64).sum())
            elif column.dtype.kind == "U":
                total += float(np.ascontiguousarray(column).view(np.uint32).sum())
            else:
                total += float(np.sum(column))
    return total


def _arrays(table: dict[str, Any]) -> dict[str, npt.NDArray[Any]]:
    """The numpy columns of a facts table (text, numbers, dates, and the codes of coded text)."""
    columns = {k: v.codes if isinstance(v, Categorical) else v for k, v in table.items()}
    return {k: v for k, v in columns.items() if isinstance(v, np.ndarray) and v.dtype.kind in "UMfiub"}


def _wanted(name: str) -> bool:
    """Whether ``BENCH_CYCLE_CASES`` selects the case (every case without it)."""
    words = [word for word in os.environ.get("BENCH_CYCLE_CASES", "").split(",") if word.strip()]
    return not words or any(word.strip() in name for word in words)


def cases(quick: bool) -> list[Case]:
    """The cycle at 1 million claims (50 thousand with ``quick``)."""
    claims = 50_000 if quick else 1_000_000
    book = generate_book(seed=7, claims=claims)
    data = CycleData.from_synthetic(book)
    engagement = default_engagement()
    as_of = book.period.end
    calendar = CycleCalendar.of(engagement, as_of)
    period = calendar.period
    metrics = (*engagement.outcomes, *engagement.drivers, *engagement.activity)
    kpi_book = data.book()
    whole = _wanted("cycle: render") or _wanted("cycle: whole run_cycle")
    peak = 0
    if whole:
        tracemalloc.start()
        report = run_cycle(engagement, CycleData.from_synthetic(book), as_of)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    sizes = (
        f"{claims:,} claims: {len(book.transactions['claim_id']):,} transactions, "
        f"{len(book.submissions['claim_id']):,} submissions, {len(book.work_items['item_id']):,} work items"
    )
    tables = [book.transactions, book.submissions, book.work_items]
    table_bytes = sum(column.nbytes for table in tables for column in table.values())
    floor: dict[str, Callable[[], object]] = {"np.sum floor": lambda: _floor(tables)}
    repeat = 3 if quick else 1
    items = book.work_items
    ids = [getattr(data, table)[column] for table, column in _ID_COLUMNS]

    def fresh() -> CycleData:
        """The same tables as new data: its book is validated and coded again."""
        return CycleData.from_synthetic(book)

    def qa_stage() -> list[object]:
        populations = _Populations(engagement, kpi_book)
        return [
            _qa_line(
                engagement, p, populations, period, data.audit_results, window=calendar.qa_windows[p.workflow]
            )
            for p in engagement.qa
        ]

    def pairs() -> object:
        return np.unique(np.char.add(np.char.add(items["team"], "\x1f"), items["workflow"]))

    facts = _Facts(engagement, data, kpi_book)
    replayed = engagement.cadence.periods_ending(period.end, engagement.escalation_periods)
    snapshots = [
        (facts.at(p), datetime.datetime.combine(p.end, datetime.time(0, 0), tzinfo=datetime.UTC))
        for p in replayed
    ]
    snapshot_columns = [table for snapshot, _ in snapshots for table in snapshot.values()]

    def replay() -> list[tuple[str, str]]:
        """The stage's step() calls alone, then the reason and message of each alert it shows."""
        state, fired = State(), dict[str | None, Event]()
        for snapshot, now in snapshots:
            state, events = step(engagement.rules.rules, state, snapshot, now, directory=engagement.split)
            fired.update((e.key, e) for e in events if e.kind in {EventKind.FIRING, EventKind.ESCALATED})
        open_alerts = (a for a in state.alerts.values() if a.status is not AlertStatus.PENDING)
        return [(fired[a.key].message, fired[a.key].reason) for a in open_alerts if a.key in fired]

    def render_all() -> None:
        render_text(report)
        render_markdown(report)
        render_html(report)
        render_json(report)

    made = [
        Case("cycle: load (validate tables into a KPI book)", sizes, lambda: fresh().book(), floor, repeat),
        Case(
            "cycle: KPIs (13 rolling 4-week scorecards, fresh book)",
            sizes,
            lambda: _scorecards(engagement, fresh().book(), calendar.kpi_windows, metrics),
            floor,
            repeat,
        ),
        Case(
            "cycle: QA (plan, select, 4-week evaluation per workflow; the book's codes)",
            f"{sizes}; {len(engagement.qa)} audited workflows",
            qa_stage,
            {"np.sum floor": lambda: _floor([book.work_items])},
            repeat,
        ),
        Case(
            "cycle: operations (who worked what, queues; the book's codes)",
            sizes,
            lambda: _operations(engagement, kpi_book, period, (), 0),
            {"np.sum floor": lambda: _floor([items]), "np.unique of team + workflow text": pairs},
            repeat,
        ),
        Case(
            "cycle: scope findings (teams and workflows the split does not name; the book's codes)",
            sizes,
            lambda: scope_findings(engagement.split, kpi_book),
            {
                "np.sum floor": lambda: _floor([{"team": items["team"], "workflow": items["workflow"]}]),
                "np.unique of team and workflow": lambda: [np.unique(items[c]) for c in ("team", "workflow")],
            },
            repeat,
        ),
        Case(
            "cycle: case findings (ids differing only in case, 6 id columns; the book's codes)",
            sizes,
            lambda: case_findings(data, kpi_book),
            {
                "np.sum floor": lambda: _floor([{str(i): column for i, column in enumerate(ids)}]),
                "np.unique of each id column": lambda: [np.unique(column) for column in ids],
            },
            repeat,
        ),
        Case(
            "cycle: escalation (4 weekly replays)",
            f"{sizes}; {len(engagement.rules.rules)} rules",
            lambda: _escalations(engagement, data, kpi_book, period),
            floor,
            repeat,
            target="at most 3 s at 1M claims (facts built from the tables, then the replay)",
        ),
        Case(
            "cycle: escalation replay alone (4 steps over the built facts, shown alerts explained)",
            f"{sum(len(next(iter(t.values()), ())) for t in snapshot_columns):,} fact rows over 4 steps;"
            f" {len(engagement.rules.rules)} rules",
            replay,
            {"np.sum floor of the facts": lambda: _floor([_arrays(t) for t in snapshot_columns])},
            repeat,
            target="the replay's share of the 3 s stage at 1M claims",
        ),
    ]
    if not whole:
        return [case for case in made if _wanted(case.name)]
    made += [
        Case(
            "cycle: render (text, Markdown, HTML, JSON)",
            f"{len(report.escalations)} open escalations, "
            f"{sum(len(q.selected) for q in report.qa)} selected items",
            render_all,
            {"json.dumps of the plain dict": lambda: json.dumps(to_dict(report), default=str)},
            repeat,
        ),
        Case(
            "cycle: whole run_cycle (new data each time: the tables validated and coded)",
            f"{sizes}; peak traced memory of one run {peak / 2**20:,.0f} MiB, tables"
            f" {table_bytes / 2**20:,.0f} MiB ({peak / table_bytes:.2f}x)",
            lambda: run_cycle(engagement, fresh(), as_of),
            floor,
            repeat,
            target="1M claims within 6 s; peak memory over the tables at most 1x their size",
        ),
        Case(
            "cycle: whole run_cycle again on the same data (its book and codes kept)",
            sizes,
            lambda: run_cycle(engagement, data, as_of),
            floor,
            repeat,
        ),
    ]
    return [case for case in made if _wanted(case.name)]
