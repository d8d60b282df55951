"""Mapping documents: validation of every field, header matching, date and number formats."""

from __future__ import annotations

import datetime
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm import serialize
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.mapping import (
    MAPPING_VERSION,
    TABLES,
    ExportMap,
    HeaderMatch,
    MapSuggestion,
    NumberFormat,
    TableMap,
    apply_values,
    case_variants,
    fold,
    load_map,
    parse_dates,
    parse_numbers,
    schema_columns,
    suggest_map,
)
from comanaged_rcm.tables import Column


def _refused(call: object, path: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        call()  # type: ignore[operator]
    paths = [i.path for i in caught.value.issues]
    assert path in paths, str(caught.value)
    assert fragment in str(caught.value), str(caught.value)


def _days(*cells: str, fmt: str | None = None, **options: object) -> tuple[list[str], list[bool]]:
    days, bad = parse_dates(np.array(cells), fmt, **options)  # type: ignore[arg-type]
    return days.astype(str).tolist(), bad.tolist()


def _numbers(*cells: str, fmt: NumberFormat | None = None) -> tuple[list[float], list[bool]]:
    values, bad = parse_numbers(np.array(cells), fmt)
    return values.tolist(), bad.tolist()


class TestNumberFormat:
    def test_defaults(self) -> None:
        """The default reads US dollars: $, comma thousands, point decimal, parentheses."""
        assert (
            repr(NumberFormat())
            == "NumberFormat(currency=('$',), thousands=',', decimal='.', parentheses=True)"
        )

    @pytest.mark.parametrize(
        ("options", "path", "fragment"),
        [
            ({"thousands": ".", "decimal": "."}, "$.decimal", "must differ from 'thousands' (both are '.')"),
            ({"decimal": ";"}, "$.decimal", "'decimal' must be '.' or ','"),
            ({"thousands": "x"}, "$.thousands", "'thousands' must be one of"),
            ({"currency": ("1$",)}, "$.currency[0]", "without digits"),
            ({"currency": (" $",)}, "$.currency[0]", "surrounding space"),
            ({"currency": ("-",)}, "$.currency[0]", "without digits, signs"),
            ({"currency": ("$.",)}, "$.currency[0]", "must not hold the decimal mark"),
            ({"currency": ("a,",)}, "$.currency[0]", "must not hold the decimal mark or thousands"),
            ({"currency": "$"}, "$.currency", "must be a sequence"),
            ({"parentheses": 1}, "$.parentheses", "must be True or False"),
        ],
    )
    def test_refused(self, options: dict[str, object], path: str, fragment: str) -> None:
        """Each bad field is refused at its path."""
        _refused(lambda: NumberFormat(**options), path, fragment)  # type: ignore[arg-type]

    def test_no_thousands_and_comma_decimal(self) -> None:
        """An empty separator is no separator; a comma decimal is allowed when thousands differ."""
        assert NumberFormat(thousands="", decimal=",").decimal == ","


class TestTableMap:
    @pytest.mark.parametrize(
        ("options", "path", "fragment"),
        [
            (
                {"columns": {"claim_id": "Claim", "payer": " claim "}},
                "$.columns.payer",
                "name the same source",
            ),
            ({"columns": {"claim id": "X"}}, "$.columns['claim id']", "must be a field name"),
            ({"columns": {"claim_id": ""}}, "$.columns.claim_id", "non-empty"),
            ({"columns": ["claim_id"]}, "$.columns", "must be a mapping"),
            ({"date_format": "%d/%m"}, "$.date_format", "must name a year (%Y or %y) to read a date"),
            ({"date_format": "%Y/%d"}, "$.date_format", "a month (%m, %b or %B)"),
            ({"date_format": "%Y/%m"}, "$.date_format", "a day (%d)"),
            ({"date_format": "%Y-%m-%d %H"}, "$.date_format", "reads a time of day (%H): set time_of_day"),
            ({"date_format": "%Y-%m-%d%z"}, "$.date_format", "reads a time zone (%z): set time_zone"),
            ({"date_format": "%Y-%m-%d %Q"}, "$.date_format", "holds %Q"),
            ({"date_format": "%Y-%m-%d %"}, "$.date_format", "holds a lone %"),
            ({"date_format": "%Y%m%d %Z", "time_zone": "UTC"}, "$.date_format", "holds %Z"),
            ({"date_format": "%m%Y%d%m"}, "$.date_format", "holds %m twice"),
            ({"date_formats": {"billed_date": "%d"}}, "$.date_formats.billed_date", "must name a year"),
            ({"values": {"type": {"": "payment"}}}, "$.values.type['']", "non-empty"),
            ({"values": {"type": {"PMT": ""}}}, "$.values.type.PMT", "non-empty"),
            ({"values": {"type": {"PMT": " payment"}}}, "$.values.type.PMT", "surrounding space"),
            ({"values": {"type": ["PMT"]}}, "$.values.type", "must be a mapping of code to value"),
            ({"fold_case": ("payer", "payer")}, "$.fold_case[1]", "listed twice"),
            ({"fold_case": ("Payer Name",)}, "$.fold_case[0]", "must be a field name"),
            ({"keep": ("Location", "location ")}, "$.keep[1]", "listed twice (also at [0])"),
            ({"keep": ("",)}, "$.keep[0]", "non-empty"),
            ({"time_zone": "America/New_Yrok"}, "$.time_zone", "(did you mean 'America/New_York'?)"),
            ({"time_zone": "../etc"}, "$.time_zone", "must be an IANA time zone"),
            ({"time_of_day": "yes"}, "$.time_of_day", "must be True or False"),
            ({"number_format": ","}, "$.number_format", "must be a NumberFormat"),
        ],
    )
    def test_refused(self, options: dict[str, object], path: str, fragment: str) -> None:
        """Each bad field is refused at its path, with what was expected."""
        _refused(lambda: TableMap(**options), path, fragment)  # type: ignore[arg-type]

    def test_allowed_with_their_options(self) -> None:
        """Time directives need time_of_day, %z needs time_zone; %j and %y read dates."""
        assert TableMap(date_format="%m/%d/%Y %I:%M %p", time_of_day=True).time_of_day
        assert TableMap(date_format="%Y-%m-%dT%H:%M%z", time_of_day=True, time_zone="UTC").time_zone == "UTC"
        assert TableMap(date_format="%Y-%j").date_format == "%Y-%j"
        assert TableMap(date_format="%d-%b-%y").format_of("service_date") == "%d-%b-%y"

    def test_read_only_and_hashable(self) -> None:
        """The mappings are read-only copies; a map is hashable and equal to an equal map."""
        given_columns = {"claim_id": "Claim #"}
        table = TableMap(columns=given_columns)
        given_columns["payer"] = "Payer"
        assert dict(table.columns) == {"claim_id": "Claim #"}
        with pytest.raises(TypeError):
            table.columns["payer"] = "x"  # type: ignore[index]
        assert hash(table) == hash(TableMap(columns={"claim_id": "Claim #"}))
        assert repr(table).startswith("TableMap(columns={'claim_id': 'Claim #'}, date_format=None")

    def test_format_of(self) -> None:
        """A column's override wins over the table's format; ISO (None) when neither is set."""
        table = TableMap(date_format="%m/%d/%Y", date_formats={"billed_date": "%Y%m%d"})
        assert table.format_of("billed_date") == "%Y%m%d"
        assert table.format_of("service_date") == "%m/%d/%Y"
        assert TableMap().format_of("service_date") is None

    @pytest.mark.parametrize(
        ("options", "path", "fragment"),
        [
            ({"fold_case": ("amount",)}, "$.fold_case[0]", "'amount' is a number column of transactions"),
            ({"values": {"posting_date": {"a": "b"}}}, "$.values.posting_date", "a date column"),
            ({"values": {"typ": {"a": "b"}}}, "$.values.typ", "(did you mean 'type'?)"),
            ({"date_formats": {"payer": "%Y%m%d"}}, "$.date_formats.payer", "only dates take a date format"),
            ({"columns": {"patient": "Patient"}}, "$.columns.patient", "not a column of transactions"),
            ({"keep": ("PAYER",)}, "$.keep[0]", "is the schema column 'payer'"),
            ({"keep": ("DOS",), "columns": {"service_date": "dos"}}, "$.keep[0]", "source of schema column"),
        ],
    )
    def test_check_against_the_schema(self, options: dict[str, object], path: str, fragment: str) -> None:
        """check() refuses keys that do not fit the table's columns; ExportMap re-roots the path."""
        table = TableMap(**options)  # type: ignore[arg-type]
        _refused(lambda: table.check("transactions"), path, fragment)
        _refused(
            lambda: ExportMap(tables={"transactions": table}), f"$.tables.transactions{path[1:]}", fragment
        )

    def test_check_names_every_issue(self) -> None:
        """All bad keys are reported at once, not the first alone."""
        table = TableMap(fold_case=("amount", "payer", "seq"), values={"x": {"a": "b"}})
        with pytest.raises(ValidationError) as caught:
            table.check("transactions")
        assert len(caught.value.issues) == 3

    def test_check_good_maps(self) -> None:
        """Good maps pass for each table, and check() returns the map."""
        table = TableMap(fold_case=("claim_id",), values={"outcome": {"DEN": "denied"}})
        assert table.check("submissions") is table
        assert isinstance(TableMap(fold_case=("workflow",)).check("work_items"), TableMap)
        assert isinstance(TableMap(values={"workflow": {"AR": "ar_followup"}}).check("audits"), TableMap)
        assert isinstance(TableMap(date_formats={"month": "%m/%Y/%d"}).check("ledger"), TableMap)
        _refused(lambda: TableMap().check("claims"), "$.table", "the table is now named 'submissions'")


class TestExportMap:
    def test_tables_refused(self) -> None:
        """Old table names name the new one; other unknown names get a did-you-mean."""
        _refused(
            lambda: ExportMap(tables={"activity": TableMap()}), "$.tables.activity", "now named 'work_items'"
        )
        _refused(
            lambda: ExportMap(tables={"transaction": TableMap()}), "$.tables.transaction", "did you mean"
        )
        _refused(lambda: ExportMap(tables={"ledger": {}}), "$.tables.ledger", "must be a TableMap")
        _refused(lambda: ExportMap(tables=[]), "$.tables", "must be a mapping")

    def test_version(self) -> None:
        """Version 1 is read; a newer one asks for an upgrade; 0 and text are refused."""
        assert ExportMap().schema_version == MAPPING_VERSION == 1
        _refused(lambda: ExportMap(schema_version=2), "$.schema_version", "written by a newer comanaged-rcm")
        _refused(lambda: ExportMap(schema_version=0), "$.schema_version", "must be >= 1")
        _refused(lambda: ExportMap(schema_version="1"), "$.schema_version", "must be a whole number")

    def test_table(self) -> None:
        """table() gives the table's map, an empty map when absent, and refuses unknown names."""
        table = TableMap(date_format="%m/%d/%Y")
        document = ExportMap(tables={"transactions": table})
        assert document.table("transactions") is table
        assert document.table("ledger") == TableMap()
        _refused(lambda: document.table("claims"), "$.name", "now named 'submissions'")

    def test_json_round_trip(self) -> None:
        """A full document goes to JSON and back unchanged."""
        table = TableMap(
            columns={"claim_id": "Claim #"},
            date_format="%m/%d/%Y",
            date_formats={"billed_date": "%Y%m%d"},
            number_format=NumberFormat(currency=("$", "USD")),
            values={"type": {"PMT": "payment"}},
            fold_case=("payer",),
            keep=("Location",),
            time_zone="America/Chicago",
        )
        document = ExportMap(tables={"transactions": table, "work_items": TableMap(fold_case=("team",))})
        text = serialize.to_json(document)
        assert serialize.from_json(text, ExportMap) == document
        assert json.loads(text)["tables"]["transactions"]["values"] == {"type": {"PMT": "payment"}}

    def test_json_errors_have_paths(self) -> None:
        """A bad document names each field by its JSON path."""
        text = '{"tables": {"transactions": {"date_format": "%d", "colour": 1}}}'
        with pytest.raises(ValidationError) as caught:
            serialize.from_json(text, ExportMap)
        paths = {i.path for i in caught.value.issues}
        assert "$.tables.transactions.colour" in paths


class TestLoadMap:
    def test_reads_a_file(self, tmp_path: Path) -> None:
        """A JSON file gives the document."""
        path = tmp_path / "map.json"
        path.write_text('{"tables": {"transactions": {"date_format": "%m/%d/%Y"}}}', encoding="utf-8")
        assert load_map(path).table("transactions").date_format == "%m/%d/%Y"

    def test_issues_name_the_file_and_path(self, tmp_path: Path) -> None:
        """Each issue names the file, and the field's path."""
        path = tmp_path / "map.json"
        path.write_text('{"tables": {"transactions": {"date_format": "%Y"}}}', encoding="utf-8")
        _refused(
            lambda: load_map(path), "$.tables.transactions.date_format", "map.json: 'date_format' must name"
        )

    def test_strict_json(self, tmp_path: Path) -> None:
        """Duplicate keys and malformed JSON are refused with the file's name."""
        path = tmp_path / "dup.json"
        path.write_text('{"tables": {}, "tables": {}}', encoding="utf-8")
        _refused(lambda: load_map(path), str(path), "tables")
        _refused(lambda: load_map(tmp_path / "none.json"), "$.source", "none.json")
        _refused(lambda: load_map(3), "$.source", "expected a file path")


class TestSchemaColumns:
    def test_every_table(self) -> None:
        """Every table has columns; the cycle's files carry their extra columns."""
        for table in TABLES:
            assert schema_columns(table)
        assert "carc" in {c.name for c in schema_columns("submissions")}
        assert "balance" in {c.name for c in schema_columns("work_items")}
        assert [c.name for c in schema_columns("audits")] == ["item_id", "workflow", "error"]


_SCHEMA = (Column("claim_id"), Column("amount"), Column("team", required=False))


class TestMatch:
    def test_folded_names(self) -> None:
        """Case and surrounding space are ignored; extra columns are dropped, in order."""
        found = TableMap().match([" Claim_ID", "AMOUNT", "Patient Name", ""], _SCHEMA)
        assert dict(found.positions) == {"claim_id": 0, "amount": 1}
        assert found.dropped == ("Patient Name",)

    def test_mapped_and_kept(self) -> None:
        """A mapped source is found by its folded name; kept columns take the map's name."""
        table = TableMap(columns={"amount": "Amt"}, keep=("Location",))
        found = table.match(["location", "claim_id", "AMT ", "Team"], _SCHEMA)
        assert dict(found.positions) == {"claim_id": 1, "amount": 2, "team": 3, "Location": 0}
        assert found.dropped == ()

    def test_missing_lists_found_and_closest(self) -> None:
        """A missing column names the headers found and the closest one."""
        _refused(
            lambda: TableMap().match(["Claim ID", "amount"], _SCHEMA, where="tx.csv:1"),
            "tx.csv:1",
            "missing required column 'claim_id' (found 'Claim ID', 'amount') (did you mean 'Claim ID'?)",
        )

    def test_missing_mapped_and_kept(self) -> None:
        """A mapped or kept column that is absent is refused, even for an optional column."""
        table = TableMap(columns={"team": "Dept"}, keep=("Location",))
        with pytest.raises(ValidationError) as caught:
            table.match(["claim_id", "amount"], _SCHEMA)
        text = str(caught.value)
        assert "missing column 'Dept' (mapped to 'team')" in text
        assert "missing kept column 'Location'" in text
        assert TableMap().match(["claim_id", "amount"], _SCHEMA).positions.get("team") is None

    def test_two_headers_one_column(self) -> None:
        """Two headers that fold to one column are refused, naming both."""
        _refused(
            lambda: TableMap().match(["Amount", "claim_id", "amount"], _SCHEMA),
            "$.header",
            "columns 1 ('Amount') and 3 ('amount') of the header both match 'amount'",
        )

    def test_one_header_two_columns(self) -> None:
        """A header claimed by two columns is refused."""
        _refused(
            lambda: TableMap(columns={"amount": "claim_id"}).match(["claim_id"], _SCHEMA),
            "$.header",
            "matches both 'claim_id' and 'amount'",
        )

    def test_unknown_mapped_column(self) -> None:
        """A map naming a column the schema lacks is refused at match time."""
        _refused(
            lambda: TableMap(columns={"amout": "A"}).match(["claim_id", "amount"], _SCHEMA),
            "$.header",
            "amout",
        )

    def test_arguments(self) -> None:
        """The header must be text names and the columns Column objects."""
        _refused(lambda: TableMap().match([1], _SCHEMA), "$.header[0]", "must be")  # type: ignore[list-item]
        _refused(lambda: TableMap().match(["a"], ["claim_id"]), "$.columns[0]", "tables.Column")  # type: ignore[list-item]
        assert HeaderMatch().positions == {}


class TestParseDates:
    @pytest.mark.parametrize(
        ("fmt", "cell", "iso"),
        [
            ("%m/%d/%Y", "03/15/2024", "2024-03-15"),
            ("%m/%d/%Y", "3/5/2024", "2024-03-05"),
            ("%d/%m/%Y", "15/03/2024", "2024-03-15"),
            ("%m/%d/%y", "03/15/68", "2068-03-15"),
            ("%m/%d/%y", "03/15/69", "1969-03-15"),
            ("%m/%d/%y", "03/15/00", "2000-03-15"),
            ("%m/%d/%y", "03/15/99", "1999-03-15"),
            ("%Y%m%d", "20240315", "2024-03-15"),
            ("%d-%b-%Y", "15-Mar-2024", "2024-03-15"),
            ("%d-%b-%Y", "15-MAR-2024", "2024-03-15"),
            ("%B %d, %Y", "March 15, 2024", "2024-03-15"),
            ("%a %d %b %Y", "Fri 15 Mar 2024", "2024-03-15"),
            ("%Y-%j", "2024-075", "2024-03-15"),
            (None, "2024-03-15", "2024-03-15"),
            (None, " 2024-03-15 ", "2024-03-15"),
        ],
    )
    def test_formats(self, fmt: str | None, cell: str, iso: str) -> None:
        """Each common format reads its cells; %y follows strptime's 69 pivot."""
        assert _days(cell, fmt=fmt) == ([iso], [False])

    @pytest.mark.parametrize(
        ("fmt", "cell"),
        [
            ("%m/%d/%Y", "02/30/2024"),
            ("%m/%d/%Y", "02/29/2023"),
            ("%m/%d/%Y", "13/01/2024"),
            ("%m/%d/%Y", "00/10/2024"),
            ("%m/%d/%Y", "2024-03-15"),
            ("%m/%d/%Y", "03/15/24"),
            ("%Y%m%d", "2024315"),
            ("%Y%m%d", "202403150"),
            ("%a %d %b %Y", "Mon 15 Mar 2024"),
            ("%Y-%j", "2023-366"),
            ("%Y-%j", "2024-000"),
            (None, "20240315"),
            (None, "2024-3-15"),
            (None, "03/15/2024"),
            (None, "2024-03-15 10:30"),
            (None, "2024-03-15T10:30:00-05:00"),
        ],
    )
    def test_bad(self, fmt: str | None, cell: str) -> None:
        """Impossible dates, other shapes and unasked times are bad, never rolled over."""
        assert _days(cell, fmt=fmt) == (["NaT"], [True])

    def test_leap_day(self) -> None:
        """February 29th reads in a leap year."""
        assert _days("02/29/2024", fmt="%m/%d/%Y") == (["2024-02-29"], [False])

    def test_empty_cells_pass(self) -> None:
        """Empty and blank cells are NaT and not bad."""
        assert _days("", "  ", "2024-01-02") == (["NaT", "NaT", "2024-01-02"], [False, False, False])

    def test_time_of_day(self) -> None:
        """With time_of_day a date with a time reads as its date; a bad time is bad."""
        assert _days("2024-03-15 10:30", "2024-03-15T23:59:59.5", time_of_day=True) == (
            ["2024-03-15", "2024-03-15"],
            [False, False],
        )
        assert _days("2024-03-15 24:00", time_of_day=True) == (["NaT"], [True])
        assert _days("03/15/2024 10:30", fmt="%m/%d/%Y", time_of_day=True) == (["2024-03-15"], [False])
        assert _days("03/15/2024 01:30 PM", fmt="%m/%d/%Y %I:%M %p", time_of_day=True) == (
            ["2024-03-15"],
            [False],
        )
        assert _days("03/15/2024 13:30 PM", fmt="%m/%d/%Y %I:%M %p", time_of_day=True) == (["NaT"], [True])

    def test_time_zone(self) -> None:
        """An offset converts to the zone's date; without a zone such a cell is bad."""
        cells = ("2024-01-15T23:30:00-05:00", "2024-01-16T02:00:00Z", "2024-01-16T03:00+0000")
        assert _days(*cells, time_zone="America/New_York") == (
            ["2024-01-15", "2024-01-15", "2024-01-15"],
            [False, False, False],
        )
        # daylight saving time: 23:30 at -05:00 is 00:30 EDT the next day
        assert _days("2024-03-15T23:30:00-05:00", time_zone="America/New_York") == (["2024-03-16"], [False])
        assert _days("2024-03-16T04:30:00Z", time_zone="Asia/Kolkata") == (["2024-03-16"], [False])
        assert _days("2024-03-15T10:00", time_zone="UTC") == (["NaT"], [True])  # a time needs time_of_day
        assert _days("2024-03-15T23:30-25:00", time_zone="UTC") == (["NaT"], [True])
        fmt = "%Y-%m-%d %H:%M %z"
        assert _days("2024-03-15 23:30 -0500", fmt=fmt, time_of_day=True, time_zone="UTC") == (
            ["2024-03-16"],
            [False],
        )

    def test_arguments(self) -> None:
        """Bad arguments are refused at their paths."""
        _refused(lambda: parse_dates(np.array([1, 2])), "$.text[0]", "must be a string")
        _refused(lambda: parse_dates(np.array([["a"]])), "$.text", "one-dimensional")
        _refused(lambda: parse_dates(["2024-01-01"], "%Y"), "$.fmt", "must name")
        _refused(lambda: parse_dates(["2024-01-01"], time_zone="Mars/Base"), "$.time_zone", "IANA")
        _refused(lambda: parse_dates(["2024-01-01"], time_of_day=1), "$.time_of_day", "True or False")  # type: ignore[arg-type]
        days, bad = parse_dates([])
        assert days.dtype == np.dtype("datetime64[D]")
        assert bad.shape == (0,)

    def test_many_repeats(self) -> None:
        """A long column of few dates reads exactly (each distinct value once)."""
        rng = np.random.default_rng(1)
        days = np.datetime64("2023-01-01") + rng.integers(0, 800, 20_000)
        text = np.array([d.item().strftime("%m/%d/%Y") for d in days])
        read, bad = parse_dates(text, "%m/%d/%Y")
        assert (read == days).all()
        assert not bad.any()

    def test_long_text_takes_the_general_path(self) -> None:
        """Text too wide to pack into one integer is still read, cell by cell the same."""
        cells = ["March 15, 2024", "September 30, 2024", "March 15, 2024", "Smarch 1, 2024"]
        assert _days(*cells, fmt="%B %d, %Y") == (
            ["2024-03-15", "2024-09-30", "2024-03-15", "NaT"],
            [False, False, False, True],
        )

    @given(
        st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)),
        st.sampled_from(
            ["%m/%d/%Y", "%d/%m/%Y", "%Y%m%d", "%d-%b-%Y", "%Y-%m-%d", "%d.%m.%Y", "%B %d, %Y", "%Y-%j"]
        ),
    )
    def test_round_trip(self, day: datetime.date, fmt: str) -> None:
        """Any date in 1900-2100 written in a supported format reads back as itself."""
        days, bad = parse_dates([day.strftime(fmt)], fmt)
        assert days[0] == np.datetime64(day, "D")
        assert not bad[0]

    @given(st.dates(min_value=datetime.date(1969, 1, 1), max_value=datetime.date(2068, 12, 31)))
    def test_round_trip_two_digit_years(self, day: datetime.date) -> None:
        """Two-digit years read back within the pivot's century, as strptime reads them."""
        text = day.strftime("%m/%d/%y")
        days, _ = parse_dates([text], "%m/%d/%y")
        assert days[0] == np.datetime64(datetime.datetime.strptime(text, "%m/%d/%y").date(), "D")  # noqa: DTZ007
        assert days[0] == np.datetime64(day, "D")


class TestParseNumbers:
    @pytest.mark.parametrize(
        ("cell", "value"),
        [
            ("$1,250.00", 1250.0),
            ("(1,250.00)", -1250.0),
            ("($1,250.00)", -1250.0),
            ("-$1,250.00", -1250.0),
            ("$-1,250.00", -1250.0),
            ("1,250.00 $", 1250.0),
            ("$ 12", 12.0),
            ("1250", 1250.0),
            ("1,234,567.5", 1234567.5),
            (".5", 0.5),
            ("0", 0.0),
            (" 7 ", 7.0),
        ],
    )
    def test_good(self, cell: str, value: float) -> None:
        """Symbols, separators between groups of three and negatives read as numbers."""
        assert _numbers(cell, fmt=NumberFormat()) == ([value], [False])

    @pytest.mark.parametrize(
        "cell",
        [
            "1,25",
            "12,50,000",
            ",250",
            "1,250.",
            "1$250",
            "$1,250$",
            "(1,250",
            "1,250)",
            "-(12)",
            "--12",
            "+12",
            "€12",
            "12 .5",
            "1e5",
            "N/A",
            "9" * 400,
        ],
    )
    def test_bad(self, cell: str) -> None:
        """Misplaced separators, stray symbols, unbalanced parentheses and huge numbers are bad."""
        assert _numbers(cell, fmt=NumberFormat())[1] == [True]

    def test_locales(self) -> None:
        """European and Swiss formats, and no separator, read their own numbers only."""
        euro = NumberFormat(currency=("€", "EUR"), thousands=".", decimal=",")
        assert _numbers("1.250,50 €", "EUR 3", "1,5", fmt=euro) == ([1250.5, 3.0, 1.5], [False, False, False])
        assert _numbers("1,250.50", fmt=euro)[1] == [True]
        swiss = NumberFormat(currency=("CHF",), thousands="'")
        assert _numbers("CHF 1'250.50", fmt=swiss) == ([1250.5], [False])
        bare = NumberFormat(currency=(), thousands="", parentheses=False)
        assert _numbers("1250.5", "1,250.5", "(3)", fmt=bare)[1] == [False, True, True]

    def test_plain(self) -> None:
        """Without a format only plain decimals read; symbols and separators are bad."""
        assert _numbers("12.5", "-3", "1e3") == ([12.5, -3.0, 1000.0], [False, False, False])
        assert _numbers("$12", "1,250", "inf", "nan", "1e400")[1] == [True] * 5

    def test_empty_cells_pass(self) -> None:
        """Empty and blank cells are NaN and not bad, with and without a format."""
        for fmt in (None, NumberFormat()):
            values, bad = parse_numbers(np.array(["", " ", "$1"]) if fmt else np.array(["", " ", "1"]), fmt)
            assert np.isnan(values[:2]).all()
            assert values[2] == 1.0
            assert not bad.any()

    def test_arguments(self) -> None:
        """Bad arguments are refused at their paths."""
        _refused(lambda: parse_numbers(["1"], ","), "$.fmt", "must be a NumberFormat or None")  # type: ignore[arg-type]
        _refused(lambda: parse_numbers("12"), "$.text", "must be a sequence")

    @given(
        st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        st.sampled_from(
            [
                NumberFormat(),
                NumberFormat(thousands="", currency=()),
                NumberFormat(thousands=".", decimal=",", currency=("€",)),
                NumberFormat(thousands=" ", decimal=",", currency=("EUR",), parentheses=False),
                NumberFormat(thousands="'", currency=("CHF",)),
            ]
        ),
        st.booleans(),
    )
    def test_round_trip(self, number: object, fmt: NumberFormat, symbol_after: bool) -> None:
        """Any number written in any NumberFormat reads back as itself."""
        value = float(number)  # type: ignore[arg-type]
        grouped = (
            f"{abs(value):,.2f}".replace(",", "\0").replace(".", fmt.decimal).replace("\0", fmt.thousands)
        )
        if fmt.currency:
            grouped = f"{grouped} {fmt.currency[0]}" if symbol_after else f"{fmt.currency[0]}{grouped}"
        if value < 0:
            grouped = f"({grouped})" if fmt.parentheses else f"-{grouped}"
        values, bad = parse_numbers([grouped], fmt)
        assert not bad[0], grouped
        assert values[0] == pytest.approx(value, abs=0)


_PLAIN_CELLS = st.from_regex(r"\A-?(?:[0-9]{1,20}(?:\.[0-9]{0,8})?|\.[0-9]{1,8})(?:[eE][-+]?[0-9]{1,3})?\Z")
_NOT_PLAIN = st.sampled_from(
    ["", " 1", "+4", "--1", "-", ".", "1.2.3", "1_000", "1,000", "\u0661\u0662", "\u00b2", "0x1", "inf",
     "nan", "1e", "9" * 400, "1\x002"]
)  # fmt: skip


class TestVectorizedParsers:
    @given(st.lists(st.one_of(_PLAIN_CELLS, _NOT_PLAIN), min_size=1, max_size=8))
    def test_plain_numbers_as_python_reads_them(self, cells: list[str]) -> None:
        """Plain decimals (the fast path when every cell is one) read as Python's float reads them;
        anything else is bad, never an error: a sign other than one leading minus, separators,
        digits of other scripts, values too large for a float."""
        values, bad = parse_numbers(np.array(cells))
        for cell, value, refused in zip(cells, values.tolist(), bad.tolist(), strict=True):
            text = cell.strip()
            plain = text.isascii() and re.fullmatch(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", text)
            expected = float(text) if plain else None
            if expected is not None and not math.isfinite(expected):
                expected = None
            if not text:
                assert (math.isnan(value), refused) == (True, False), cell
            elif expected is None:
                assert refused, cell
            else:
                assert (value, refused) == (expected, False), cell

    @given(
        st.lists(
            st.from_regex(r"\A-?(?:[0-9]{1,20}(?:\.[0-9]{0,9})?|\.[0-9]{1,12})\Z"), min_size=1, max_size=20
        )
    )
    def test_plain_decimals_at_once_as_python_reads_them(self, cells: list[str]) -> None:
        """A column of nothing but plain decimals (read at once, as integers over powers of ten up to
        15 digits) gives exactly what Python's float gives for each cell, sign of zero included."""
        values, bad = parse_numbers(np.array(cells))
        assert not bad.any()
        assert [math.copysign(1, v) for v in values.tolist()] == [math.copysign(1, float(c)) for c in cells]
        assert values.tolist() == [float(cell) for cell in cells]

    @given(st.lists(st.dates(), min_size=1, max_size=20), st.booleans())
    def test_iso_dates_at_once(self, days: list[datetime.date], gap: bool) -> None:
        """A column of nothing but ISO dates, with or without empty cells, is each cell's date."""
        cells = [day.isoformat() for day in days] + ([""] if gap else [])
        read, bad = parse_dates(np.array(cells))
        assert read.tolist() == days + ([None] if gap else [])
        assert not bad.any()

    @given(
        st.lists(
            st.one_of(
                st.dates().map(datetime.date.isoformat),
                st.sampled_from(
                    ["", "0000-01-01", "2026-02-29", "2024-02-29", "2026-13-01", "2026-1-05", "+2026-01-05",
                     " 2026-01-05", "2026-01-05T00:00", "\u0662\u0660\u0662\u0666-01-05", "2026-01-0\u0665"]
                ),
            ),
            min_size=1,
            max_size=8,
        )
    )  # fmt: skip
    def test_iso_dates_as_python_reads_them(self, cells: list[str]) -> None:
        """ISO dates (the fast path when every cell is one) read as ``date.fromisoformat`` reads
        ``YYYY-MM-DD`` in ASCII digits; year 0, impossible days, other shapes and scripts are bad."""
        days, bad = parse_dates(np.array(cells))
        for cell, day, refused in zip(cells, days.tolist(), bad.tolist(), strict=True):
            text = cell.strip()
            shaped = text.isascii() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)
            try:
                expected = datetime.date.fromisoformat(text) if shaped else None
            except ValueError:
                expected = None
            if not text:
                assert (day, refused) == (None, False), cell
            else:
                assert (day, refused) == (expected, expected is None), cell

    def test_large_columns_agree_with_the_cell_by_cell_path(self) -> None:
        """A long column of plain numbers or ISO dates (read at once) gives what the same cells give
        with one odd cell appended (read once per distinct value)."""
        rng = np.random.default_rng(7)
        amounts = np.char.mod("%.2f", rng.normal(0, 1e4, 5_000))
        days = (np.datetime64("2020-01-01") + rng.integers(0, 3_000, 5_000)).astype(str)
        for cells, parse in ((amounts, parse_numbers), (days, parse_dates)):
            fast, fast_bad = parse(cells)
            slow, slow_bad = parse(np.append(cells, "x"))
            np.testing.assert_array_equal(fast, slow[:-1])
            assert not fast_bad.any()
            assert slow_bad.tolist() == [False] * len(cells) + [True]

    def test_formats_read_ascii_digits_only(self) -> None:
        """Formatted dates and numbers take ASCII digits only, as plain ones do."""
        assert _days("\u0660\u0663/15/2024", "03/15/2024", fmt="%m/%d/%Y")[1] == [True, False]
        assert _numbers("$\u0661,250", "$1,250", fmt=NumberFormat())[1] == [True, False]


class TestValuesAndFolding:
    def test_apply_values(self) -> None:
        """Listed codes are replaced, others pass unchanged, values may be wider than codes."""
        out = apply_values(np.array(["PMT", "W/O", "refund", ""]), {"PMT": "payment", "W/O": "write_off"})
        assert out.tolist() == ["payment", "write_off", "refund", ""]
        assert apply_values([], {"PMT": "payment"}).tolist() == []
        _refused(lambda: apply_values(["a"], {"a": ""}), "$.codes.a", "non-empty")
        _refused(lambda: apply_values(["a"], ["a"]), "$.codes", "must be a mapping")  # type: ignore[arg-type]

    def test_fold(self) -> None:
        """Folding strips and case-folds, and says which distinct values were merged."""
        folded, notes = fold(np.array(["Aetna", "aetna ", "AETNA", "Cigna", "cigna"]), "payer")
        assert folded.tolist() == ["aetna", "aetna", "aetna", "cigna", "cigna"]
        assert notes == (
            "payer: 'AETNA', 'Aetna' and 'aetna ' were folded into 'aetna'",
            "payer: 'Cigna' and 'cigna' were folded into 'cigna'",
        )
        assert fold(["a", "b"], "payer")[1] == ()
        assert fold([], "payer")[0].tolist() == []
        many = [f"{'A' * k}{'a' * (6 - k)}" for k in range(7)]
        assert fold(many, "payer")[1][0].endswith("and 3 more were folded into 'aaaaaa'")

    def test_case_variants(self) -> None:
        """Values differing only in case are noted, with the fix."""
        assert case_variants(["Aetna", "aetna", "Cigna"], "payer") == (
            "payer: 'Aetna' and 'aetna' differ only in case or surrounding space: add payer to fold_case",
        )
        assert case_variants(["a", "b"], "payer") == ()
        _refused(lambda: case_variants(["a"], ""), "$.column", "non-empty")


_MESSY = (
    "Claim #,Payer Name,DOS,Post Date,Trans Type,Amount,Patient Name,Notes\n"
    'C-1001,Aetna,03/01/2024,03/15/2024,CHG,"$1,250.00",Jane Roe,first visit\n'
    "C-1001,aetna,03/01/2024,04/02/2024,PMT,$900.00,Jane Roe,\n"
    "C-1001,Aetna,03/01/2024,04/02/2024,ADJ,$300.00,Jane Roe,\n"
    "C-1002,Cigna,03/04/2024,03/18/2024,CHG,$480.00,John Doe,\n"
    "C-1002,Cigna,03/04/2024,04/20/2024,RFD,(25.00),John Doe,overpaid\n"
    "C-1002,Cigna,03/04/2024,04/22/2024,XYZ,$25.00,John Doe,\n"
)


class TestSuggestMap:
    def test_messy_export(self, tmp_path: Path) -> None:
        """The messy export gets the whole mapping and every note, exactly."""
        path = tmp_path / "export.csv"
        path.write_text(_MESSY, encoding="utf-8")
        found = suggest_map(path, "transactions")
        expected = TableMap(
            columns={
                "claim_id": "Claim #",
                "payer": "Payer Name",
                "service_date": "DOS",
                "posting_date": "Post Date",
                "type": "Trans Type",
            },
            date_format="%m/%d/%Y",
            number_format=NumberFormat(),
            values={
                "type": {"ADJ": "contractual_adjustment", "CHG": "charge", "PMT": "payment", "RFD": "refund"}
            },
        )
        assert found.mapping == ExportMap(tables={"transactions": expected})
        assert found.notes == (
            "payer: 'Aetna' and 'aetna' differ only in case or surrounding space: add payer to fold_case",
            "DOS looks like MM/DD/YYYY (also fits DD/MM/YYYY: no day above 12 in the sample)",
            "Post Date looks like MM/DD/YYYY",
            "Trans Type: 'XYZ' (1 row) is not a known code: add it to values.type",
            "Amount: written like '$1,250.00' ($, thousands ',', decimal '.', parentheses for negatives)",
            "Patient Name: not in the schema, dropped (add it to keep to keep it)",
            "Notes: not in the schema, dropped (add it to keep to keep it)",
        )
        assert repr(found).startswith("MapSuggestion(table='transactions', columns={'claim_id': 'Claim #'")
        assert repr(found).endswith("notes=7)")
        assert serialize.from_json(found.to_json(), ExportMap) == found.mapping

    def test_iso_export_needs_nothing(self, tmp_path: Path) -> None:
        """An export in the schema's own shape gets an empty map and no notes."""
        path = tmp_path / "tx.csv"
        path.write_text(
            "claim_id,payer,service_date,posting_date,type,amount\nC1,A,2024-01-02,2024-01-03,charge,10.5\n",
            encoding="utf-8",
        )
        found = suggest_map(path, "transactions")
        assert found.mapping.table("transactions") == TableMap()
        assert found.notes == ()

    def test_other_tables_and_formats(self, tmp_path: Path) -> None:
        """Submissions: status codes, European dates (day above 12), a missing column noted."""
        path = tmp_path / "sub.csv"
        path.write_text(
            "Claim No,Payer,Submit Date,Status,Total Charges\n"
            'C1,A,25.03.2024,DEN,"1.250,00 €"\nC2,A,26.03.2024,Paid,"3,00 €"\nC3,A,27.03.2024,?,"5 €"\n',
            encoding="utf-8",
        )
        found = suggest_map(path, "submissions", sample=10)
        table = found.mapping.table("submissions")
        assert table.date_format == "%d.%m.%Y"
        assert table.values == {"outcome": {"DEN": "denied", "Paid": "paid"}}
        assert table.number_format == NumberFormat(
            currency=("€",), thousands=".", decimal=",", parentheses=False
        )
        assert "Status: '?' (1 row) is not a known code: add it to values.outcome" in found.notes
        assert any(n.startswith("seq: no header found (sub.csv has 'Claim No'") for n in found.notes)

    def test_unreadable_values_noted(self, tmp_path: Path) -> None:
        """Dates and numbers no format reads are notes, and no format is suggested."""
        path = tmp_path / "tx.csv"
        path.write_text("claim_id,service_date,amount\nC1,soon,about 5\n", encoding="utf-8")
        found = suggest_map(path, "transactions")
        assert (
            "service_date: no date format reads every sampled value (e.g. 'soon'):"
            " set date_formats.service_date" in found.notes
        )
        assert (
            "amount: no number format reads every sampled value (e.g. 'about 5'): set number_format"
            in found.notes
        )
        assert found.mapping.table("transactions").date_format is None

    def test_time_of_day_and_overrides(self, tmp_path: Path) -> None:
        """Dates with times set time_of_day; a column in another format gets an override."""
        path = tmp_path / "tx.csv"
        path.write_text(
            "claim_id,service_date,posting_date,billed_date\nC1,03/15/2024 10:30,03/16/2024,20240317\n",
            encoding="utf-8",
        )
        table = suggest_map(path, "transactions").mapping.table("transactions")
        assert table.time_of_day
        assert table.date_formats == {"billed_date": "%Y%m%d"} or table.date_format == "%Y%m%d"

    def test_sample_limits_rows(self, tmp_path: Path) -> None:
        """Only the first `sample` rows are read."""
        path = tmp_path / "tx.csv"
        path.write_text("claim_id,type\nC1,PMT\nC2,XYZ\n", encoding="utf-8")
        assert suggest_map(path, "transactions", sample=1).mapping.table("transactions").values == {
            "type": {"PMT": "payment"}
        }

    def test_refused(self, tmp_path: Path) -> None:
        """Bad arguments and unreadable files are refused at their paths."""
        path = tmp_path / "tx.csv"
        path.write_text("a\n", encoding="utf-8")
        _refused(lambda: suggest_map(path, "claims"), "$.table", "now named 'submissions'")
        _refused(lambda: suggest_map(path, "transactions", sample=0), "$.sample", ">= 1")
        _refused(lambda: suggest_map(tmp_path / "none.csv", "transactions"), "$.source", "none.csv")
        empty = tmp_path / "empty.csv"
        empty.write_text("", encoding="utf-8")
        _refused(lambda: suggest_map(empty, "transactions"), "empty.csv:1", "the file is empty")
        broken = tmp_path / "broken.csv"
        broken.write_text('month,npsr\n"x\n', encoding="utf-8")
        _refused(lambda: suggest_map(broken, "ledger"), "broken.csv:2", "is never closed")
        _refused(lambda: suggest_map(path, "ledger"), "tx.csv:1", "looks like a column of 'ledger'")

    def test_model(self) -> None:
        """A suggestion's table must be known and its mapping an ExportMap."""
        _refused(lambda: MapSuggestion(table="claims", mapping=ExportMap()), "$.table", "must be one of")
        _refused(lambda: MapSuggestion(table="ledger", mapping={}), "$.mapping", "ExportMap")  # type: ignore[arg-type]
