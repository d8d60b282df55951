"""The operations snapshot of any day: building the index once, then one day's snapshot, warm.

Ours: :class:`~comanaged_rcm.cycle.Operations` built from the engagement, the tables and the
escalation state of a replayed cycle, then ``.at(day)`` on a mid-week day (who is working
what, the queues with their ages, open escalations by owner and rule). Peers, in the same run,
over the same work items for the same day, each checked to give our figures first:

* pandas: a data frame of the work items (party and workflow as categoricals), then a boolean
  mask and a groupby per party and workflow and per workflow;
* DuckDB: the same query in SQL over the work items registered as an Arrow table.

The build's peers are their own set-up: the data frame, and the Arrow table registered.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np

from _harness import Case
from comanaged_rcm.cycle import CycleData, default_engagement
from comanaged_rcm.cycle._escalate import escalation_stage
from comanaged_rcm.cycle._ops import Operations
from comanaged_rcm.synthetic import generate_book

_COLUMNS = ("team", "workflow", "opened", "closed", "touches", "escalated")

_PARTY_SQL = """
SELECT team, workflow,
       count(*) FILTER (WHERE closed BETWEEN $since AND $day) AS closed,
       coalesce(sum(touches) FILTER (WHERE closed BETWEEN $since AND $day), 0) AS touches,
       count(*) FILTER (WHERE closed BETWEEN $since AND $day AND escalated) AS escalated,
       count(*) FILTER (WHERE opened <= $day AND (closed IS NULL OR closed > $day)) AS open_items
FROM items GROUP BY team, workflow
HAVING closed > 0 OR open_items > 0
ORDER BY team, workflow
"""

_QUEUE_SQL = """
SELECT workflow,
       count(*) FILTER (WHERE still_open) AS open_items,
       count(*) FILTER (WHERE still_open AND age > 30) AS aged_over_30,
       median(age) FILTER (WHERE still_open) AS median_age_days,
       max(age) FILTER (WHERE still_open) AS oldest_age_days
FROM (
    SELECT workflow, opened <= $day AND (closed IS NULL OR closed > $day) AS still_open,
           ($day - opened) + 1 AS age
    FROM items
) GROUP BY workflow ORDER BY workflow
"""


def _frame(items: dict[str, Any]) -> Any:  # noqa: ANN401 - a pandas DataFrame
    import pandas as pd  # noqa: PLC0415 - a peer, imported when the benchmark runs

    frame = pd.DataFrame({name: items[name] for name in _COLUMNS})
    return frame.astype({"team": "category", "workflow": "category"})


def _pandas_at(frame: Any, day: datetime.date, since: datetime.date) -> tuple[Any, Any]:  # noqa: ANN401
    """Who is working what and the queues of one day, by a mask and a groupby."""
    import pandas as pd  # noqa: PLC0415 - a peer, imported when the benchmark runs

    end, start = np.datetime64(day, "D"), np.datetime64(since, "D")
    closed = frame["closed"]
    done = (closed >= start) & (closed <= end)
    still_open = (frame["opened"] <= end) & ~(closed <= end)
    parts = pd.DataFrame(
        {
            "team": frame["team"],
            "workflow": frame["workflow"],
            "closed": done,
            "touches": frame["touches"].where(done, 0),
            "escalated": done & frame["escalated"],
            "open_items": still_open,
        }
    )
    by_party = parts.groupby(["team", "workflow"], observed=True).sum()
    by_party = by_party[(by_party["closed"] > 0) | (by_party["open_items"] > 0)]
    age = ((end + 1) - frame["opened"][still_open]).dt.days
    queues = (
        pd.DataFrame({"workflow": frame["workflow"][still_open], "age": age, "aged": age > 30})
        .groupby("workflow", observed=False)
        .agg(
            open_items=("age", "size"),
            aged_over_30=("aged", "sum"),
            median_age_days=("age", "median"),
            oldest_age_days=("age", "max"),
        )
    )
    return by_party, queues


def _arrow(items: dict[str, Any]) -> Any:  # noqa: ANN401 - a DuckDB connection
    import duckdb  # noqa: PLC0415 - a peer, imported when the benchmark runs
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415

    table = pa.table({name: items[name] for name in _COLUMNS})
    connection = duckdb.connect()
    connection.execute("SET threads TO 1")
    connection.register("items", table)
    return connection


def _duckdb_at(connection: Any, day: datetime.date, since: datetime.date) -> tuple[Any, Any]:  # noqa: ANN401
    values = {"day": day, "since": since}
    by_party = connection.execute(_PARTY_SQL, values).fetchall()
    queues = connection.execute(_QUEUE_SQL, {"day": day}).fetchall()
    return by_party, queues


def _same(ours: Any, pandas: tuple[Any, Any], duck: tuple[Any, Any]) -> None:  # noqa: ANN401
    """Fail loudly unless both peers give our figures (the ratios compare equal work)."""
    parties = [(w.party, w.workflow, w.closed, w.touches, w.escalated, w.open_items) for w in ours.by_party]
    frame, queues = pandas
    lines = [
        (q.workflow, q.open_items, q.aged_over_30, q.median_age_days, q.oldest_age_days) for q in ours.queues
    ]
    peers = {
        "pandas by party": [
            (*key, *map(int, row)) for key, row in zip(frame.index, frame.to_numpy(), strict=True)
        ],
        "DuckDB by party": [tuple(row) for row in duck[0]],
        "pandas queues": [
            (
                name,
                int(row.open_items),
                int(row.aged_over_30),
                *_optional(row.median_age_days, row.oldest_age_days),
            )
            for name, row in queues.iterrows()
        ],
        "DuckDB queues": [tuple(row) for row in duck[1]],
    }
    for name, found in peers.items():
        if found != (parties if "party" in name else lines):
            raise AssertionError(f"{name} differ from the snapshot's")


def _optional(median: float, oldest: float) -> tuple[float | None, int | None]:
    return (None, None) if np.isnan(median) else (float(median), int(oldest))


def cases(quick: bool) -> list[Case]:
    """The snapshot at 1 million claims (50 thousand with ``quick``)."""
    claims = 50_000 if quick else 1_000_000
    book = generate_book(seed=7, claims=claims)
    data = CycleData.from_synthetic(book)
    engagement = default_engagement()
    period = engagement.cadence.periods_ending(book.period.end, 1)[0]
    replayed = engagement.cadence.periods_ending(period.end, engagement.escalation_periods)
    state = escalation_stage(engagement, data, data.book(), replayed).state
    day = period.start + datetime.timedelta(days=2)  # a Wednesday: no period ends there
    since = day - datetime.timedelta(days=6)
    items = data.work_items
    ops = Operations(engagement, data, state)
    frame, connection = _frame(items), _arrow(items)
    snapshot = ops.at(day, since=since)
    _same(snapshot, _pandas_at(frame, day, since), _duckdb_at(connection, day, since))
    sizes = (
        f"{claims:,} claims: {len(items['item_id']):,} work items, {len(snapshot.queues)} workflows,"
        f" {len(snapshot.by_party)} party x workflow lines, {snapshot.open_escalations:,} open escalations;"
        f" day {day} ({day:%A}), closed since {since}"
    )
    repeat = 5 if quick else 3
    return [
        Case(
            "ops: build the index (validate the tables, code and sort the work items, index the state)",
            sizes,
            lambda: Operations(engagement, data, state),
            {
                "pandas: the data frame": lambda: _frame(items),
                "DuckDB: register the Arrow table": lambda: _arrow(items),
            },
            repeat=1 if not quick else 3,
        ),
        Case(
            "ops: one day's snapshot, warm (.at on a mid-week day)",
            sizes,
            lambda: ops.at(day, since=since),
            {
                "pandas: mask + groupby": lambda: _pandas_at(frame, day, since),
                "DuckDB: SQL over Arrow": lambda: _duckdb_at(connection, day, since),
            },
            repeat=repeat * 5,
            target="under 200 ms at 1M claims",
        ),
    ]
