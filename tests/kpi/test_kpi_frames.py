"""Results out as data frames: every row of pandas, polars and pyarrow agrees with the result object
it came from, undefined values are nulls with their reason, and a scorecard round-trips as JSON."""

from __future__ import annotations

import datetime
import math
import sys
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from comanaged_rcm import findings, serialize
from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.escalation import AlertSeverity, Event, EventKind, Level, Outcome
from comanaged_rcm.findings import Finding, Severity
from comanaged_rcm.kpi import Book, MeasureSet, Scorecard, Trend, evaluate, measures, trend
from comanaged_rcm.periods import Cadence, Period
from comanaged_rcm.sampling import Selection, select
from tests.kpi.conftest import JANUARY, TRANSACTIONS, WORK_ITEMS

D = datetime.date
LIBRARIES = ("pandas", "polars", "arrow")


def records(result: Any, library: str) -> list[dict[str, Any]]:
    """The rows of ``result`` in ``library``, as Python values with ``None`` for every null."""
    if library == "pandas":
        frame = result.to_pandas()
        assert isinstance(frame, pd.DataFrame)
        return [
            {k: None if v is pd.NA or v is pd.NaT else _py(v) for k, v in row.items()}
            for row in frame.to_dict("records")
        ]
    if library == "polars":
        frame = result.to_polars()
        assert isinstance(frame, pl.DataFrame)
        return frame.to_dicts()
    table = result.to_arrow()
    assert isinstance(table, pa.Table)
    found: list[dict[str, Any]] = table.to_pylist()
    return found


def _py(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() and value.tz is None else value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


@pytest.fixture
def card(book: Book) -> Scorecard:
    return evaluate(book, JANUARY, by=["payer"])


SCORECARD_COLUMNS = [
    "period_start",
    "period_end",
    "as_of",
    "metric",
    "tier",
    "unit",
    "payer",
    "value",
    "numerator",
    "denominator",
    "share",
    "parent_share",
    "reason",
    "convention",
]


class TestScorecard:
    @pytest.mark.parametrize("library", LIBRARIES)
    def test_rows_are_the_results(self, card: Scorecard, library: str) -> None:
        """Each row is the KPIResult of its metric and slice; the total row's payer is null."""
        rows = records(card, library)
        assert list(rows[0]) == SCORECARD_COLUMNS
        assert len(rows) == len(card.metrics) * (1 + len(card.slices))
        for row in rows:
            keys = {} if row["payer"] is None else {"payer": row["payer"]}
            result = card.result(row["metric"], **keys)
            assert row["value"] == result.value
            assert row["numerator"] == result.numerator
            assert row["denominator"] == result.denominator
            assert row["share"] == result.share
            assert row["reason"] == (result.reason or None)
            assert row["convention"] == result.convention
            assert row["unit"] == result.unit.value
            assert row["tier"] == result.tier.value
            assert (row["period_start"], row["period_end"], row["as_of"]) == (
                JANUARY.start,
                JANUARY.end,
                card.as_of,
            )
        assert any(r["value"] is None and r["reason"] for r in rows)  # undefined ones are there
        assert [r["payer"] for r in rows[:3]] == [None, "A", "B"]

    def test_pandas_dtypes_are_nullable(self, card: Scorecard) -> None:
        """pandas columns are nullable: pd.NA where undefined, never a silent NaN."""
        frame = card.to_pandas()
        assert str(frame["value"].dtype) == "Float64"
        assert str(frame["metric"].dtype) == "string"
        assert str(frame["period_start"].dtype) == "datetime64[s]"
        undefined = frame[frame["reason"].notna()]
        assert undefined["value"].isna().all()
        assert not frame["value"].isna().all()
        shown = frame.loc[:, ["metric", "payer", "value"]].head(1).to_string()
        assert "<NA>" in shown
        assert "net_collection_rate" in shown

    def test_arrow_types(self, card: Scorecard) -> None:
        """Arrow columns are dates, text and doubles."""
        schema = card.to_arrow().schema
        assert str(schema.field("period_start").type) == "date32[day]"
        assert str(schema.field("value").type) == "double"
        assert str(schema.field("payer").type) == "string"

    def test_arrow_stream(self, card: Scorecard) -> None:
        """polars, pyarrow and DuckDB read a scorecard directly through the Arrow stream."""
        assert pl.DataFrame(card).equals(card.to_polars())
        assert pa.table(card).equals(card.to_arrow())
        relation = duckdb.sql("select count(*) from card where payer is null")
        assert relation is not None
        count = relation.fetchall()
        assert count == [(len(card.metrics),)]

    def test_a_dimension_named_like_a_result_column(self) -> None:
        """A slice dimension named like a result column is refused, never overwritten."""
        columns = dict(TRANSACTIONS)
        columns["value"] = ["x"] * len(columns["claim_id"])
        card = evaluate(Book(transactions=columns), JANUARY, by=["value"], metrics=["net_collection_rate"])
        with pytest.raises(ValidationError) as caught:
            card.to_pandas()
        (found,) = caught.value.issues
        assert (found.path, found.code) == ("$.by", "duplicate")
        assert "two columns named 'value'" in found.message

    def test_json_round_trip(self, card: Scorecard) -> None:
        """to_json works (arrays as lists, NaN as null, reasons as triples) and reads back exactly."""
        text = serialize.to_json(card)
        back = serialize.from_json(text, Scorecard)
        assert serialize.to_json(back) == text
        assert back.to_text() == card.to_text()
        np.testing.assert_array_equal(back.numerator, card.numerator)
        np.testing.assert_array_equal(back.denominator, card.denominator)
        assert back.unavailable == card.unavailable
        assert '"unavailable": [[' in text

    def test_json_refusals(self, card: Scorecard) -> None:
        """A document with a bad reason triple or text in the arrays is refused at its path."""
        data = serialize.to_dict(card)
        with pytest.raises(ValidationError) as caught:
            serialize.from_dict({**data, "unavailable": [[0, "x", "why"]]}, Scorecard)
        assert caught.value.issues[0].path == "$.unavailable"
        bad = [["1.0"] * len(row) for row in data["numerator"]]
        with pytest.raises(ValidationError) as caught:
            serialize.from_dict({**data, "numerator": bad}, Scorecard)
        assert caught.value.issues[0].path == "$.numerator"
        assert "numbers and nulls" in caught.value.issues[0].message

    def test_unsliced_scorecard(self, book: Book) -> None:
        """Without slices there is one row per metric: the total, not the total twice."""
        card = evaluate(book, JANUARY, metrics=["backlog", "net_collection_rate"])
        frame = card.to_polars()
        assert frame.columns == [c for c in SCORECARD_COLUMNS if c != "payer"]
        assert frame["metric"].to_list() == ["net_collection_rate", "backlog"]
        assert frame["value"].to_list() == [card.result(m).value for m in frame["metric"].to_list()]
        parts = measures(book, JANUARY)
        assert parts.to_polars().height == len({*parts.totals, *parts.missing})


class TestTrend:
    @pytest.mark.parametrize("library", LIBRARIES)
    def test_rows_and_changes(self, book: Book, library: str) -> None:
        """Each period's rows, with the change the trend's points give (null in the first)."""
        weeks = Cadence.weekly().periods_ending(D(2026, 2, 2), 3)
        found = trend(book, weeks, by=["payer"], metrics=["net_collection_rate", "items_closed"])
        rows = records(found, library)
        assert list(rows[0])[-1] == "change"
        assert len(rows) == 3 * 2 * 3
        for row in rows:
            keys = {} if row["payer"] is None else {"payer": row["payer"]}
            points = found.points(row["metric"], **keys)
            (point,) = [p for p in points if p.period.start == row["period_start"]]
            assert row["value"] == point.result.value
            assert row["change"] == point.change
        assert {r["change"] for r in rows if r["period_start"] == weeks[0].start} == {None}

    def test_json_round_trip(self, book: Book) -> None:
        """A trend, scorecards and all, reads back from its JSON."""
        found = trend(book, Cadence.weekly().periods_ending(D(2026, 2, 2), 2), by=["payer"])
        text = serialize.to_json(found)
        assert serialize.to_json(serialize.from_json(text, Trend)) == text


class TestMeasureSet:
    @pytest.mark.parametrize("library", LIBRARIES)
    def test_long_format(self, library: str) -> None:
        """One row per (period, measure, slice); missing measures are null with their reason."""
        found = measures(Book(work_items=WORK_ITEMS), JANUARY, by=["team"])
        rows = records(found, library)
        assert list(rows[0]) == [
            "period_start",
            "period_end",
            "as_of",
            "team",
            "measure",
            "value",
            "reason",
            "conventions",
        ]
        assert len(rows) == (len(found.totals) + len(set(found.missing) - set(found.totals))) * 3
        for row in rows:
            name = row["measure"]
            if name in found.missing:
                assert row["value"] is None
                assert row["reason"] == found.missing[name]
            elif row["team"] is None:
                assert row["value"] == found.totals[name][0]
            else:
                assert row["value"] == found.sliced[name][0, found.slices.index((row["team"],))]
                assert row["reason"] is None
        assert rows[0]["conventions"] == ", ".join(found.conventions)

    def test_unsliced_measures_are_null_in_slices(self) -> None:
        """A measure computed only in total is null in each slice, with the reason."""
        parts = measures(
            Book(transactions=TRANSACTIONS, ledger={"month": ["2026-01-01"], "npsr": [1.0]}),
            JANUARY,
            by=["payer"],
        )
        assert isinstance(parts, MeasureSet)
        assert "npsr" in parts.unsliced
        frame = parts.to_polars().filter(pl.col("measure") == "npsr")
        assert frame["value"].to_list() == [1.0, None, None]
        assert frame["reason"].to_list()[1:] == [parts.unsliced["npsr"]] * 2


class TestSelection:
    @pytest.mark.parametrize("library", LIBRARIES)
    def test_rows_in_draw_order(self, library: str) -> None:
        """One row per item in the order drawn; the seed is text (it has up to 128 bits)."""
        drawn = select(population=[f"CLM-{i}" for i in range(30)], n=4, seed=2**100)
        rows = records(drawn, library)
        assert [r["item"] for r in rows] == list(drawn.items)
        assert [r["draw"] for r in rows] == [1, 2, 3, 4]
        assert {r["seed"] for r in rows} == {str(2**100)}
        assert {(r["method"], r["algorithm"], r["population_size"]) for r in rows} == {
            (drawn.method, drawn.algorithm, 30)
        }

    def test_item_kinds(self) -> None:
        """Integer ids stay integers; mixed or huge ones are text beside their kind."""
        assert select(population=10, n=2, seed=1).to_arrow().schema.field("item").type == pa.int64()
        mixed = Selection(
            items=("1", 1), sorted_items=("1", 1), population_size=2, seed=0, method="random", algorithm="x"
        )
        frame = mixed.to_polars()
        assert frame["item"].to_list() == ["1", "1"]
        assert frame["item_kind"].to_list() == ["text", "int"]
        huge = Selection(
            items=(2**63,), sorted_items=(2**63,), population_size=1, seed=0, method="random", algorithm="x"
        )
        assert huge.to_polars().row(0, named=True)["item_kind"] == "int"
        assert "item_kind" not in select(population=["a", "b"], n=1, seed=1).to_polars().columns


_AT = datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.UTC)
_EVENTS = [
    Event(
        sequence=1,
        at=_AT,
        kind=EventKind.FIRING,
        rule="denials_up",
        rule_version=2,
        rule_hash="abc",
        severity=AlertSeverity.WARNING,
        key="denials_up/payer=A",
        labels={"payer": "A"},
        outcome=Outcome.TRUE,
        inputs={"rate": "12.5"},
        level=Level.OFFSHORE_SPECIALIST,
        owner="ops",
        deadline=D(2026, 1, 7),
        message="denials up",
    ),
    Event(sequence=2, at=_AT + datetime.timedelta(hours=1), kind=EventKind.SILENCED, actor="lead"),
]


class TestFindingsAndEvents:
    @pytest.mark.parametrize("library", LIBRARIES)
    def test_findings(self, library: str) -> None:
        """Findings are rule, severity, path, message, in order."""
        found = [Finding("R-1", Severity.ERROR, "$.a", "bad"), Finding("R-2", Severity.WARNING, "$.b", "odd")]
        rows = records(_Via(found), library)
        assert rows == [
            {"rule": "R-1", "severity": "error", "path": "$.a", "message": "bad"},
            {"rule": "R-2", "severity": "warning", "path": "$.b", "message": "odd"},
        ]

    def test_no_findings_keep_their_columns(self) -> None:
        """An empty list of findings is a frame with the four columns."""
        assert findings.to_arrow([]).column_names == ["rule", "severity", "path", "message"]
        assert len(findings.to_pandas([])) == 0

    @pytest.mark.parametrize("library", LIBRARIES)
    def test_events(self, library: str) -> None:
        """Events are one row each: enums as values, dictionaries as JSON text, times in UTC."""
        rows = records(_Via(_EVENTS), library)
        first, second = rows
        assert first["sequence"] == 1
        assert first["kind"] == "firing"
        assert first["severity"] == "warning"
        assert first["labels"] == '{"payer": "A"}'
        assert first["inputs"] == '{"rate": "12.5"}'
        assert first["outcome"] == "true"
        assert first["level"] == Level.OFFSHORE_SPECIALIST.value
        assert first["deadline"] == D(2026, 1, 7)
        assert first["at"] == _AT
        assert second["rule"] is None
        assert second["rule_version"] is None
        assert second["actor"] == "lead"
        assert second["outcome"] is None

    def test_naive_and_aware_times_do_not_share_a_column(self) -> None:
        """Events of naive and aware times are refused, not mixed into one column."""
        naive = Event(sequence=3, at=_AT.replace(tzinfo=None), kind=EventKind.SILENCED)
        with pytest.raises(ValidationError) as caught:
            serialize.to_arrow([*_EVENTS, naive])
        assert caught.value.issues[0].path == "$.events"


class _Via:
    """A list of findings or events, read through serialize's functions like a result."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def to_pandas(self) -> Any:
        return serialize.to_pandas(self.items)

    def to_polars(self) -> Any:
        return serialize.to_polars(self.items)

    def to_arrow(self) -> Any:
        return serialize.to_arrow(self.items)


class TestSerializeFunctions:
    def test_results_through_serialize(self, card: Scorecard) -> None:
        """serialize.to_* give a result's own frame."""
        assert serialize.to_polars(card).equals(card.to_polars())
        assert serialize.to_arrow(card).equals(card.to_arrow())
        assert serialize.to_pandas(card).equals(card.to_pandas())

    @pytest.mark.parametrize(
        ("obj", "code", "phrase"),
        [
            ([], "value", "an empty list does not say what it would hold"),
            ("findings", "type", "(got str)"),
            ({"a": 1}, "type", "(got dict)"),
            ([Finding("R", Severity.ERROR, "$", "m"), _EVENTS[0]], "type", "(got Event, Finding)"),
            ([1], "type", "only findings or only escalation events (got int)"),
        ],
    )
    def test_refusals(self, obj: object, code: str, phrase: str) -> None:
        """What is not a result or a list of findings or events is refused at $.obj."""
        with pytest.raises(ValidationError) as caught:
            serialize.to_pandas(obj)
        (found,) = caught.value.issues
        assert (found.path, found.code) == ("$.obj", code)
        assert phrase in found.message

    @pytest.mark.parametrize(
        ("library", "method"), [("pyarrow", "to_arrow"), ("polars", "to_polars"), ("pandas", "to_pandas")]
    )
    def test_missing_library(
        self, card: Scorecard, library: str, method: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without the library, the error names what to install."""
        monkeypatch.setitem(sys.modules, library, None)
        with pytest.raises(RCMError, match=f"{method}\\(\\) needs {library}"):
            getattr(card, method)()
        if library == "pyarrow":
            with pytest.raises(RCMError, match=r"comanaged-rcm\[arrow\]"):
                card.to_arrow()


def test_undefined_values_are_never_nan() -> None:
    """No float column of any result holds NaN: undefined cells are nulls."""
    book = Book(transactions=TRANSACTIONS, work_items=WORK_ITEMS)
    for result in (
        evaluate(book, JANUARY, by=["payer"]),
        measures(book, Period.month(2026, 1), by=["payer"]),
    ):
        table = result.to_arrow()
        for name in table.column_names:
            column = table.column(name)
            if pa.types.is_floating(column.type):
                values = column.to_pylist()
                assert not any(isinstance(v, float) and math.isnan(v) for v in values), name
