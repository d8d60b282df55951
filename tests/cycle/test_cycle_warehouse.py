"""The governance cycle on a ledger that stays in its engine: the same report as in memory."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

import attrs
import numpy as np
import pytest

from comanaged_rcm.cycle import (
    Baseline,
    CycleData,
    EconomicsSection,
    Fee,
    Operations,
    default_engagement,
    open_history,
    run_cycle,
)
from comanaged_rcm.cycle._render import render_html, render_json, render_markdown, render_text
from comanaged_rcm.cycle._warehouse import case_candidates
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi import LazyBook
from comanaged_rcm.synthetic import generate_book
from tests.engines import polars_frame

duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")

RTOL = 1e-9


def relations(tables: dict[str, Any]) -> dict[str, Any]:
    return {name: duckdb.from_arrow(polars_frame(columns).to_arrow()) for name, columns in tables.items()}


def pair(tables: dict[str, Any], **kwargs: Any) -> tuple[CycleData, CycleData]:
    """The same tables in memory and in DuckDB (the work items also read back into memory)."""
    memory = CycleData(**tables, **kwargs, source="the book")
    return memory, warehouse_of(LazyBook(**relations(tables)), **kwargs)


def warehouse_of(book: LazyBook, **kwargs: Any) -> CycleData:
    return attrs.evolve(CycleData.from_warehouse(book), **kwargs, source="the book")


def same_json(expected: Any, got: Any, path: str = "$") -> None:
    """Equal documents, numbers to 1e-9 relative (sums in another order), all else exactly."""
    if isinstance(expected, float) and isinstance(got, float):
        assert math.isclose(expected, got, rel_tol=RTOL, abs_tol=1e-9), path
        return
    assert type(expected) is type(got), path
    if isinstance(expected, dict):
        assert expected.keys() == got.keys(), path
        for key in expected:
            same_json(expected[key], got[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(expected) == len(got), path
        for i, (a, b) in enumerate(zip(expected, got, strict=True)):
            same_json(a, b, f"{path}[{i}]")
    else:
        assert expected == got, path


def _synthetic(seed: int, claims: int) -> tuple[dict[str, Any], Any]:
    book = generate_book(seed=seed, claims=claims)
    tables = {t: dict(getattr(book, t)) for t in ("transactions", "submissions", "work_items")}
    return tables, book


@pytest.mark.parametrize(("seed", "claims"), [(5, 3000), (8, 6000)])
def test_the_report_is_the_in_memory_one(seed: int, claims: int) -> None:
    """Every rendering equal: KPIs, margin, operations, QA, escalations and data findings."""
    tables, book = _synthetic(seed, claims)
    auditor = CycleData.from_synthetic(book).auditor
    memory, warehouse = pair(tables, auditor=auditor)
    economics = EconomicsSection(
        fees=(
            Fee(
                from_=datetime.date(2026, 6, 1),
                through=datetime.date(2026, 12, 27),
                fixed=700.0,
                percent_of_collections=2.5,
            ),
        ),
        baseline=Baseline(from_=datetime.date(2026, 5, 4), through=datetime.date(2026, 5, 31)),
    )
    engagement = attrs.evolve(default_engagement(), economics=economics)
    expected = run_cycle(engagement, memory, book.period.last_day)
    got = run_cycle(engagement, warehouse, book.period.last_day)
    assert expected.escalations
    assert expected.margin is not None
    assert any(line.rule == "denial_untouched" for line in expected.escalations)  # claim facts read
    for render in (render_text, render_markdown, render_html):
        assert render(got) == render(expected)
    same_json(json.loads(render_json(expected)), json.loads(render_json(got)))


def test_two_weeks_through_a_history(tmp_path: Any) -> None:
    tables, book = _synthetic(3, 3000)
    auditor = CycleData.from_synthetic(book).auditor
    memory, warehouse = pair(tables, auditor=auditor)
    engagement = default_engagement()
    last = book.period.last_day
    for data, name in ((memory, "memory.db"), (warehouse, "warehouse.db")):
        history = open_history(str(tmp_path / name), create=True)
        for as_of in (last - datetime.timedelta(days=7), last):
            report = run_cycle(engagement, data, as_of, history=history)
        if data is memory:
            expected = report
    assert render_text(report) == render_text(expected)
    assert report.escalations == expected.escalations


def test_polars_lazy_gives_the_same_report() -> None:
    """Any lazy engine narwhals reads: polars LazyFrames."""
    tables, book = _synthetic(6, 2000)
    auditor = CycleData.from_synthetic(book).auditor
    memory = CycleData(**tables, auditor=auditor, source="the book")
    data = warehouse_of(LazyBook(**{t: polars_frame(c).lazy() for t, c in tables.items()}), auditor=auditor)
    expected = run_cycle(default_engagement(), memory, book.period.last_day)
    assert render_text(run_cycle(default_engagement(), data, book.period.last_day)) == render_text(expected)


def test_spark_gives_the_same_report(spark: Any) -> None:
    tables, book = _synthetic(4, 800)
    auditor = CycleData.from_synthetic(book).auditor
    memory = CycleData(**tables, auditor=auditor, source="the book")
    lazy = LazyBook(**{t: spark.createDataFrame(polars_frame(c).to_arrow()) for t, c in tables.items()})
    data = warehouse_of(lazy, auditor=auditor)
    expected = run_cycle(default_engagement(), memory, book.period.last_day)
    assert render_text(run_cycle(default_engagement(), data, book.period.last_day)) == render_text(expected)


# --------------------------------------------------------------------------------- small books
_AS_OF = datetime.date(2026, 3, 8)  # a Sunday: the report's week is 2026-03-02..08


def _small(
    *,
    payers: tuple[str, str] = ("Acme", "Acme"),
    seqs: tuple[int, int] = (1, 2),
    outcomes: tuple[str, str] = ("denied", "paid"),
    adjudicated: tuple[str, str] = ("2026-02-10", "2026-02-20"),
) -> dict[str, Any]:
    """Two claims over January to March: C2 has two submissions, C1 one, denied."""
    transactions = {
        "claim_id": np.array(["C1", "C2", "C2", "C3"]),
        "payer": np.array(["Acme", payers[0], payers[1], "Beta"]),
        "service_date": np.array(["2026-01-02"] * 4, dtype="datetime64[D]"),
        "posting_date": np.array(
            ["2026-01-05", "2026-01-05", "2026-01-06", "2026-03-07"], dtype="datetime64[D]"
        ),
        "type": np.array(["charge", "charge", "charge", "charge"]),
        "amount": np.array([100.0, 200.0, 50.0, 10.0]),
    }
    submissions = {
        "claim_id": np.array(["C1", "C2", "C2"]),
        "payer": np.array(["Acme", "Acme", "Acme"]),
        "seq": np.array([1, *seqs]),
        "submitted_date": np.array(["2026-01-06"] * 3, dtype="datetime64[D]"),
        "adjudicated_date": np.array(["2026-02-01", *adjudicated], dtype="datetime64[D]"),
        "outcome": np.array(["denied", *outcomes]),
        "lines": np.array([1, 1, 1]),
        "denied_lines": np.array([1, int(outcomes[0] == "denied"), int(outcomes[1] == "denied")]),
        "charges": np.array([100.0, 250.0, 250.0]),
        "denied_charges": np.array(
            [100.0, 250.0 * (outcomes[0] == "denied"), 250.0 * (outcomes[1] == "denied")]
        ),
        "clean": np.array([True, True, True]),
    }
    work_items = {
        "item_id": np.array(["W1", "W2", "W3"]),
        "team": np.array(["offshore", "offshore", "onshore"]),
        "workflow": np.array(["denials", "denials", "appeals"]),
        "opened": np.array(["2026-02-02", "2026-02-05", "2026-03-03"], dtype="datetime64[D]"),
        "closed": np.array(["2026-02-04", "NaT", "NaT"], dtype="datetime64[D]"),
        "touches": np.array([1, 2, 1]),
        "escalated": np.array([False, False, False]),
        "claim_id": np.array(["C1", "C2", "C9"]),
    }
    return {"transactions": transactions, "submissions": submissions, "work_items": work_items}


def _both(tables: dict[str, Any]) -> tuple[Any, Any]:
    memory, warehouse = pair(tables)
    engagement = default_engagement()
    expected = run_cycle(engagement, memory, _AS_OF, allow_partial=True)
    return expected, run_cycle(engagement, warehouse, _AS_OF, allow_partial=True)


def _denied_claims(report: Any) -> list[str]:
    return sorted(line.entity for line in report.escalations if line.rule == "denial_untouched")


class TestClaimFacts:
    def test_the_latest_submission_by_seq_decides_the_denial(self) -> None:
        # C2's seq 2 is paid: only C1 is denied (its last touch is W1, worked 2026-02-04)
        expected, got = _both(_small())
        assert render_text(got) == render_text(expected)
        assert got.escalations == expected.escalations
        assert _denied_claims(got) == ["claim_id=C1, payer=Acme"]

    def test_a_later_seq_denied_makes_the_claim_denied(self) -> None:
        expected, got = _both(_small(outcomes=("paid", "denied")))
        assert got.escalations == expected.escalations
        assert _denied_claims(got) == ["claim_id=C1, payer=Acme", "claim_id=C2, payer=Acme"]
        assert render_text(got) == render_text(expected)

    def test_tied_latest_submissions_that_agree_are_read(self) -> None:
        """Two seq-2 submissions, both denied on one day: no row order is needed."""
        tables = _small(seqs=(2, 2), outcomes=("denied", "denied"), adjudicated=("2026-02-20", "2026-02-20"))
        expected, got = _both(tables)
        assert got.escalations == expected.escalations
        assert "claim_id=C2, payer=Acme" in _denied_claims(got)

    def test_a_paid_off_claim_owes_nothing(self) -> None:
        """Amounts in cents that sum to 1e-14, not 0, in doubles: the claim owes nothing either way."""
        tables = _small(outcomes=("paid", "denied"))
        tx = tables["transactions"]
        tables["transactions"] = {
            **{k: np.append(v, v[1:2].repeat(3)) for k, v in tx.items()},
        }
        tables["transactions"]["type"] = tables["transactions"]["type"].astype("<U22")
        tables["transactions"]["type"][-3:] = ["payment", "contractual_adjustment", "payment"]
        tables["transactions"]["amount"][1:3] = [0.1, 0.2]
        tables["transactions"]["amount"][-3:] = [0.1, 0.1, 0.1]  # 0.1 + 0.2 - 0.3 = 5.6e-17 in doubles
        assert sum(float(a) for a in (0.1, 0.2)) - 0.1 - 0.1 - 0.1 != 0
        expected, got = _both(tables)
        assert _denied_claims(got) == _denied_claims(expected) == ["claim_id=C1, payer=Acme"]

    @pytest.mark.parametrize(
        ("outcomes", "adjudicated"),
        [
            (("denied", "paid"), ("2026-02-20", "2026-02-20")),  # the outcomes differ
            (("denied", "denied"), ("2026-02-10", "2026-02-20")),  # the days differ
        ],
    )
    def test_tied_latest_submissions_that_differ_are_refused(
        self, outcomes: tuple[str, str], adjudicated: tuple[str, str]
    ) -> None:
        tables = _small(seqs=(2, 2), outcomes=outcomes, adjudicated=adjudicated)
        _, warehouse = pair(tables)
        with pytest.raises(ValidationError) as caught:
            run_cycle(default_engagement(), warehouse, _AS_OF, allow_partial=True)
        paths = [issue.path for issue in caught.value.issues]
        assert "$.submissions.seq" in paths
        assert "'C2' (seq 2)" in str(caught.value)
        assert "no row order" in str(caught.value)

    def test_a_claim_with_two_payers_is_refused(self) -> None:
        _, warehouse = pair(_small(payers=("Acme", "Beta"), outcomes=("paid", "denied")))
        with pytest.raises(ValidationError) as caught:
            run_cycle(default_engagement(), warehouse, _AS_OF, allow_partial=True)
        assert [issue.path for issue in caught.value.issues][-1] == "$.transactions.payer"
        assert "1 claims name more than one payer in the ledger: 'C2'" in str(caught.value)

    def test_work_items_without_claim_ids(self) -> None:
        tables = _small()
        del tables["work_items"]["claim_id"]
        expected, got = _both(tables)
        assert render_text(got) == render_text(expected)

    def test_without_submissions_no_claim_is_denied(self) -> None:
        tables = _small()
        memory = CycleData(**tables, source="the book")
        found = relations({t: tables[t] for t in ("transactions", "work_items")})
        warehouse = warehouse_of(LazyBook(**found))
        empty = CycleData(**{**tables, "submissions": {}}, source="the book")
        got = run_cycle(default_engagement(), warehouse, _AS_OF, allow_partial=True)
        assert _denied_claims(got) == []
        assert (
            got.escalations == run_cycle(default_engagement(), empty, _AS_OF, allow_partial=True).escalations
        )
        assert memory.warehouse is None

    def test_a_ledger_alone(self) -> None:
        """No submission can deny a claim and no work item reads one: the engine is not asked."""
        tables = _small()
        warehouse = warehouse_of(LazyBook(**relations({"transactions": tables["transactions"]})))
        memory = CycleData(
            transactions=tables["transactions"], submissions={}, work_items={}, source="the book"
        )
        got = run_cycle(default_engagement(), warehouse, _AS_OF, allow_partial=True)
        assert render_text(got) == render_text(
            run_cycle(default_engagement(), memory, _AS_OF, allow_partial=True)
        )
        assert _denied_claims(got) == []


class TestDataFindings:
    def test_case_variants_are_found_in_the_engine(self) -> None:
        tables, _ = _synthetic(2, 600)
        tx = tables["transactions"]
        renamed = {"C0000001": "aetna ", "C0000002": "AETNA", "C0000003": "\u212aAISER", "C0000004": "kaiser"}
        renamed |= {"C0000005": "Élan", "C0000006": "élan", "C0000007": "Zed"}  # Zed: no variant
        payer = tx["payer"].astype("<U12")
        for claim, name in renamed.items():
            payer[tx["claim_id"] == claim] = name  # the Kelvin sign folds to "k"
        tx["payer"] = payer
        claims = tables["submissions"]["claim_id"].copy()
        ids, counts = np.unique(claims, return_counts=True)
        twice = np.flatnonzero(claims == ids[counts > 1][0])
        claims[twice[0]] = claims[twice[0]].lower()  # a claim resubmitted: its first row in small letters
        tables["submissions"]["claim_id"] = claims
        memory, warehouse = pair(tables)
        expected = run_cycle(default_engagement(), memory, datetime.date(2026, 11, 1), allow_partial=True)
        got = run_cycle(default_engagement(), warehouse, datetime.date(2026, 11, 1), allow_partial=True)
        assert got.data_findings == expected.data_findings
        text = " ".join(f.message for f in got.data_findings)
        assert "'kaiser' and '\u212aAISER'" in text  # sorted by code point
        assert "'Élan' and 'élan'" in text
        assert "'AETNA', 'aetna' and 'aetna '" in text
        assert "Zed" not in text
        assert any(f.path == "submissions.claim_id" for f in got.data_findings)
        assert candidates_of(warehouse, "transactions", "claim_id") == []

    def test_a_value_beyond_ascii_that_folds_to_ascii_finds_its_partner(self) -> None:
        """'\u212a1' (the Kelvin sign) folds to 'k1': the ASCII 'k1' is found with it."""
        tx = _small()["transactions"]
        tx["claim_id"] = np.array(["\u212a1", "k1", "k1", "C3"])
        book = LazyBook(transactions=relations({"transactions": tx})["transactions"])
        assert case_candidates(book, "transactions", "claim_id").tolist() == ["k1", "\u212a1"]
        assert case_candidates(book, "transactions", "payer").tolist() == []
        assert case_candidates(book, "submissions", "payer").tolist() == []


def candidates_of(data: CycleData, table: str, column: str) -> list[str]:
    assert data.warehouse is not None
    return [str(v) for v in case_candidates(data.warehouse, table, column).tolist() if v]


class TestFromWarehouse:
    def _lazy(self, **tables: Any) -> LazyBook:
        return LazyBook(**relations(tables))

    def test_work_items_are_read_into_memory(self) -> None:
        tables = _small()
        book = self._lazy(**tables)
        data = CycleData.from_warehouse(
            book, audits={"item_id": ["W1"], "workflow": ["denials"], "error": [True]}
        )
        assert data.source == "warehouse (duckdb: transactions, submissions, work_items)"
        assert data.work_items["item_id"].tolist() == ["W1", "W2", "W3"]
        assert not data.work_items["item_id"].flags.writeable
        assert data.audit_results("denials", ["W1", "W2"]).tolist() == [1, -1]
        assert data.transactions == {}
        assert data.warehouse is book
        assert data.book() is data.book()

    def test_audits_from_a_frame(self) -> None:
        tables = _small()
        audits = duckdb.sql("SELECT 'W2' AS item_id, 'denials' AS workflow, false AS error")
        data = CycleData.from_warehouse(self._lazy(**tables), audits=audits, source="mine")
        assert data.source == "mine"
        assert data.audit_results("denials", ["W2"]).tolist() == [0]

    @pytest.mark.parametrize(
        ("audits", "path", "words"),
        [
            ({"item_id": ["W1"], "workflow": ["denials"]}, "$.audits.error", "need the column 'error'"),
            (
                {"item_id": ["W1"], "workflow": ["denials"], "error": [1]},
                "$.audits.error",
                "must be booleans",
            ),
            (
                {"item_id": [""], "workflow": ["denials"], "error": [True]},
                "$.audits.item_id",
                "1 rows have no",
            ),
            ({"item_id": [1], "workflow": ["denials"], "error": [True]}, "$.audits.item_id", "must be text"),
        ],
    )
    def test_bad_audits(self, audits: dict[str, list[Any]], path: str, words: str) -> None:
        with pytest.raises(ValidationError) as caught:
            CycleData.from_warehouse(self._lazy(**_small()), audits=audits)
        assert caught.value.issues[0].path == path
        assert words in caught.value.issues[0].message

    def test_refusals(self) -> None:
        tables = _small()
        with pytest.raises(ValidationError) as caught:
            CycleData.from_warehouse("ledger.parquet")  # type: ignore[arg-type]
        assert caught.value.issues[0].path == "$.book"
        no_ledger = self._lazy(work_items=tables["work_items"])
        with pytest.raises(ValidationError, match="must hold the transactions") as caught:
            CycleData.from_warehouse(no_ledger)
        assert caught.value.issues[0].path == "$.book"
        book = self._lazy(**tables)
        data = CycleData.from_warehouse(book)
        with pytest.raises(ValidationError, match="read from the warehouse book") as caught:
            attrs.evolve(data, submissions=tables["submissions"])
        assert caught.value.issues[0].path == "$.submissions"
        with pytest.raises(ValidationError, match="read from the warehouse book") as caught:
            attrs.evolve(data, transactions=tables["transactions"])
        assert caught.value.issues[0].path == "$.transactions"
        with pytest.raises(ValidationError, match="must hold the transactions") as caught:
            attrs.evolve(data, _warehouse=no_ledger)
        assert caught.value.issues[0].path == "$.warehouse"
        with pytest.raises(ValidationError) as caught:
            attrs.evolve(data, _warehouse=tables)  # type: ignore[arg-type]
        assert caught.value.issues[0].path == "$.warehouse"
        with pytest.raises(ValidationError) as caught:
            CycleData.from_warehouse(book, source="")
        assert caught.value.issues[0].path == "$.source"

    def test_rows_are_checked_in_the_engine(self) -> None:
        tables = _small()
        tables["transactions"]["amount"] = np.array([100.0, -200.0, 50.0, 10.0])
        with pytest.raises(ValidationError) as caught:
            CycleData.from_warehouse(self._lazy(**tables))
        assert caught.value.issues[0].path == "$.transactions.amount"

    def test_operations_read_the_engines_range(self) -> None:
        tables = _small()
        data = CycleData.from_warehouse(self._lazy(**tables))
        ops = Operations(default_engagement(), data)
        assert (ops.first, ops.last) == (datetime.date(2026, 1, 5), datetime.date(2026, 3, 7))
        memory = Operations(default_engagement(), CycleData(**tables))
        assert repr(ops) == repr(memory)

    def test_an_empty_ledger_falls_back_to_the_other_dates(self) -> None:
        tables = _small()
        empty = {name: values[:0] for name, values in tables["transactions"].items()}
        data = CycleData.from_warehouse(self._lazy(transactions=empty, submissions=tables["submissions"],
                                                   work_items=tables["work_items"]))  # fmt: skip
        memory = CycleData(**{**tables, "transactions": empty})
        ops, expected = Operations(default_engagement(), data), Operations(default_engagement(), memory)
        assert (
            (ops.first, ops.last)
            == (expected.first, expected.last)
            == (
                datetime.date(2026, 1, 6),
                datetime.date(2026, 3, 3),
            )
        )
        data = attrs.evolve(data, source=memory.source)
        got = run_cycle(default_engagement(), data, _AS_OF, allow_partial=True)
        assert render_text(got) == render_text(
            run_cycle(default_engagement(), memory, _AS_OF, allow_partial=True)
        )
        assert "submissions and work items dated 2026-01-06 .. 2026-03-03" in got.partial_data
