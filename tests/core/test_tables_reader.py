"""The CSV reader with a mapping: header matching, formats, dropped columns, per-column summaries."""

from __future__ import annotations

import io
import sys
from typing import Any

import numpy as np
import pytest

from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.mapping import NumberFormat, TableMap
from comanaged_rcm.tables import Column, ColumnKind, read_csv

COLUMNS = [
    Column("claim_id"),
    Column("service_date", ColumnKind.DATE),
    Column("amount", ColumnKind.NUMBER),
    Column("type"),
]


def _read(text: str, **options: Any) -> dict[str, np.ndarray]:
    return read_csv(io.StringIO(text), COLUMNS, name="tx.csv", **options)


def _issues(text: str, **options: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        _read(text, **options)
    return info.value


ENGINES = pytest.mark.parametrize("engine", ["builtin", "pyarrow"])


@ENGINES
class TestHeader:
    def test_case_and_space_insensitive(self, engine: str) -> None:
        """`Claim_ID ` is claim_id; the result is named by the schema."""
        cols = _read(" Claim_ID ,SERVICE_DATE,Amount,Type\nC1,2026-01-02,1.5,charge\n", engine=engine)
        assert list(cols) == ["claim_id", "service_date", "amount", "type"]
        assert cols["claim_id"].tolist() == ["C1"]

    def test_duplicate_after_folding_is_refused(self, engine: str) -> None:
        """`Amount` and `amount` both match amount: refused naming both positions."""
        err = _issues("claim_id,service_date,Amount,amount,type\nC1,2026-01-02,1,2,charge\n", engine=engine)
        assert str(err) == (
            "1 validation issue: columns 3 ('Amount') and 4 ('amount') of the header both match 'amount'"
            " @ tx.csv:1"
        )

    def test_missing_column_lists_found_and_closest(self, engine: str) -> None:
        """A missing column says what the header holds and the closest name."""
        err = _issues("claim,service_date,amount,type\nC1,2026-01-02,1,charge\n", engine=engine)
        assert err.issues[0].message == (
            "missing required column 'claim_id' (found 'claim', 'service_date', 'amount', 'type')"
            " (did you mean 'claim'?)"
        )

    def test_extras_are_dropped_unless_kept(self, engine: str) -> None:
        """A column beyond the schema (a patient's name) is dropped; keep= or extras="keep" keeps it."""
        text = "claim_id,service_date,amount,type,Patient Name\nC1,2026-01-02,1,charge,Ann Lee\n"
        assert "Patient Name" not in _read(text, engine=engine)
        kept = _read(text, engine=engine, mapping=TableMap(keep=("Patient Name",)))
        assert kept["Patient Name"].tolist() == ["Ann Lee"]
        assert _read(text, engine=engine, extras="keep")["Patient Name"].tolist() == ["Ann Lee"]

    def test_kept_extras_with_one_name_are_refused(self, engine: str) -> None:
        """extras="keep" cannot keep two columns under one name."""
        text = "claim_id,service_date,amount,type,note,note\nC1,2026-01-02,1,charge,a,b\n"
        assert "duplicate column 'note' (columns 5 and 6 of the header)" in str(
            _issues(text, engine=engine, extras="keep")
        )


@ENGINES
class TestMapping:
    def test_renamed_and_formatted_export(self, engine: str) -> None:
        """Headers, US dates, $ amounts with separators, codes and case are read through the map."""
        text = 'Claim #,DOS,Amt,Trans Type\n c1 ,03/15/2024,"$1,250.00",PMT\nC1,3/5/2024,(12.50),CHG\n'
        table = TableMap(
            columns={"claim_id": "Claim #", "service_date": "DOS", "amount": "Amt", "type": "Trans Type"},
            date_format="%m/%d/%Y",
            number_format=NumberFormat(),
            values={"type": {"PMT": "payment", "CHG": "charge"}},
            fold_case=("claim_id",),
        )
        cols = _read(text, engine=engine, mapping=table)
        assert cols["claim_id"].tolist() == ["c1", "c1"]
        assert cols["service_date"].astype(str).tolist() == ["2024-03-15", "2024-03-05"]
        assert cols["amount"].tolist() == [1250.0, -12.5]
        assert cols["type"].tolist() == ["payment", "charge"]
        assert cols["type"].dtype == np.dtype("<U7")

    def test_aware_timestamps_refused_or_converted(self, engine: str) -> None:
        """A UTC offset is refused at its column and line, unless time_zone reads it in that zone."""
        text = "claim_id,service_date,amount,type\nC1,2024-01-15T23:30:00-05:00,1,charge\n"
        err = _issues(text, engine=engine)
        assert [i.path for i in err.issues] == ["tx.csv:service_date", "tx.csv:2:service_date"]
        assert err.issues[0].message == (
            "service_date: 1 of 1 cells are not ISO dates (first at line 2: '2024-01-15T23:30:00-05:00';"
            " they carry a UTC offset: set time_zone to read them as that zone's dates)"
        )
        assert str(err).startswith("1 validation issue: service_date")
        new_york = _read(text, engine=engine, mapping=TableMap(time_zone="America/New_York"))
        assert new_york["service_date"].astype(str).tolist() == ["2024-01-15"]
        utc = _read(text, engine=engine, mapping=TableMap(time_zone="UTC"))
        assert utc["service_date"].astype(str).tolist() == ["2024-01-16"]

    def test_time_of_day(self, engine: str) -> None:
        """A time of day is refused unless time_of_day reads the cell as its date."""
        text = "claim_id,service_date,amount,type\nC1,2024-03-15 10:30,1,charge\n"
        err = _issues(text, engine=engine)
        assert "they carry a time of day: set time_of_day" in err.issues[0].message
        cols = _read(text, engine=engine, mapping=TableMap(time_of_day=True))
        assert cols["service_date"].astype(str).tolist() == ["2024-03-15"]


def _dates(n: int, bad: int) -> str:
    rows = [f"C{i},{'02/13/2026' if i < bad else '2026-02-13'},1,charge" for i in range(n)]
    return "claim_id,service_date,amount,type\n" + "\n".join(rows) + "\n"


@ENGINES
class TestSummaries:
    def test_one_bad_cell_without_hint_is_one_issue(self, engine: str) -> None:
        """The familiar one-line error stays as it was."""
        err = _issues("claim_id,service_date,amount,type\nC1,2026-01-02,12x,charge\n", engine=engine)
        assert str(err) == "1 validation issue: expected a number (got '12x') @ tx.csv:2:amount"

    def test_one_bad_cell_with_hint(self, engine: str) -> None:
        """One US date: a summary with the hint, and the cell."""
        err = _issues(_dates(3, 1), engine=engine)
        assert str(err) == (
            "1 validation issue: service_date: 1 of 3 cells are not ISO dates (first at line 2: '02/13/2026';"
            " looks like MM/DD/YYYY: set date_format to %m/%d/%Y) @ tx.csv:service_date; expected an ISO date"
            " like 2026-01-31 (got '02/13/2026') @ tx.csv:2:service_date"
        )

    @pytest.mark.parametrize(
        ("bad", "headline"), [(5, "5 validation issues:"), (6, "6 validation issues (5 located):")]
    )
    def test_at_and_past_the_located_cap(self, engine: str, bad: int, headline: str) -> None:
        """Five bad cells are all located; a sixth is counted, not located."""
        err = _issues(_dates(8, bad), engine=engine)
        assert str(err).startswith(headline)
        assert [i.path for i in err.issues] == ["tx.csv:service_date"] + [
            f"tx.csv:{line}:service_date" for line in range(2, 7)
        ]
        assert err.issues[0].message.startswith(f"service_date: {bad} of 8 cells are not ISO dates")

    def test_every_cell_bad_is_counted(self, engine: str) -> None:
        """All cells of two columns bad: the headline counts every one."""
        rows = "".join(f"C{i},02/13/2026,$1.00,charge\n" for i in range(1_200))
        err = _issues("claim_id,service_date,amount,type\n" + rows, engine=engine)
        assert str(err).startswith("2,400 validation issues (10 located): service_date: 1,200 of 1,200 cells")
        assert err.issues[6].message == (
            "amount: 1,200 of 1,200 cells are not numbers (first at line 2: '$1.00'; looks like currency,"
            " thousands separators or parentheses: set number_format)"
        )

    def test_placeholder_and_decimal_comma_hints(self, engine: str) -> None:
        """'N/A' is a placeholder; 1.250,00 a decimal comma; an ambiguous date says so."""
        text = "claim_id,service_date,amount,type\nC1,01/02/2026,N/A,charge\nC2,03/04/2026,N/A,charge\n"
        err = _issues(text, engine=engine)
        assert err.issues[0].message.endswith(
            "looks like MM/DD/YYYY (also fits DD/MM/YYYY: no day above 12 in the sample):"
            " set date_format to %m/%d/%Y)"
        )
        assert err.issues[3].message.endswith(
            "'N/A' looks like a placeholder for a missing value: leave such cells empty)"
        )
        text = (
            'claim_id,service_date,amount,type\nC1,2026-01-02,"1.250,00",charge\nC2,2026-01-02,"2,5",charge\n'
        )
        assert (
            _issues(text, engine=engine)
            .issues[0]
            .message.endswith("looks like a decimal comma: set number_format)")
        )

    def test_empty_cells_counted(self, engine: str) -> None:
        """Empty cells of a required column are summarised as empty."""
        text = "claim_id,service_date,amount,type\n,2026-01-02,1,charge\n,2026-01-02,1,charge\n"
        err = _issues(text, engine=engine)
        assert err.issues[0].message == "claim_id: 2 of 2 cells are empty (first at line 2: an empty cell)"


class TestOptions:
    def test_bad_options(self) -> None:
        """extras, engine and mapping are checked."""
        with pytest.raises(ValidationError, match=r"\$\.extras"):
            _read("claim_id\n", extras="all")
        with pytest.raises(ValidationError, match=r"\$\.engine"):
            _read("claim_id\n", engine="polars")
        with pytest.raises(ValidationError, match=r"\$\.mapping"):
            _read("claim_id\n", mapping={"columns": {}})

    def test_pyarrow_engine_needs_pyarrow(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """engine="pyarrow" without pyarrow names the extra; "auto" reads with the built-in reader."""
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        text = "claim_id,service_date,amount,type\nC1,2026-01-02,1,charge\n"
        with pytest.raises(RCMError, match=r"pip install comanaged-rcm\[arrow\]"):
            _read(text, engine="pyarrow")
        assert _read(text)["amount"].tolist() == [1.0]
