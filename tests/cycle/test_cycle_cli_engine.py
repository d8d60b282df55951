"""``comanaged-rcm report --engine duckdb``: the exports as Parquet (or database tables), the same report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cycle.test_cycle_cli import _error, _report_args, _run
from tests.cycle.test_cycle_cli import book as book  # noqa: PLC0414 - the module's fixtures, shared
from tests.cycle.test_cycle_cli import exports as exports  # noqa: PLC0414
from tests.cycle.test_cycle_warehouse import same_json

duckdb = pytest.importorskip("duckdb")

_TABLES = ("transactions", "submissions", "work_items", "audits")


@pytest.fixture(scope="module")
def parquet(exports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each CSV export written as Parquet by DuckDB (types read off the CSV), and a database of them."""
    directory = tmp_path_factory.mktemp("parquet")
    paths = dict(exports)
    database = directory / "book.duckdb"
    with duckdb.connect(str(database)) as con:
        for table in _TABLES:
            source = f"read_csv('{exports[table]}')"
            target = directory / f"{table}.parquet"
            con.sql(f"SELECT * FROM {source}").write_parquet(str(target))  # noqa: S608 - test paths
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM {source}")  # noqa: S608
            paths[table] = target
    paths["database"] = database
    return paths


def _data_line(text: str) -> str:
    """The report with its heading's data source taken out (it names the files)."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "; data: " in line)
    end = next(i for i in range(at, len(lines)) if not lines[i].strip())
    return "\n".join([*lines[:at], lines[at].split("; data: ")[0], *lines[end:]])


def _duckdb_args(paths: dict[str, Path], *extra: str) -> list[str]:
    return [*_report_args(paths, "--engine", "duckdb", "--audits", str(paths["audits"])), *extra]


class TestReportOnDuckDB:
    def test_parquet_gives_the_csv_report(
        self, exports: dict[str, Path], parquet: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        status, expected, _ = _run(_report_args(exports, "--audits", str(exports["audits"])), capsys)
        assert status == 0
        status, got, err = _run(_duckdb_args(parquet), capsys)
        assert (status, err) == (0, "")
        assert _data_line(got) == _data_line(expected)
        assert "data: DuckDB (" in got
        assert "DECISIONS WAITING FOR THE PROVIDER" in got

    def test_json_and_markdown(
        self, exports: dict[str, Path], parquet: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        for fmt in ("json", "markdown"):
            status, expected, _ = _run(
                _report_args(exports, "--audits", str(exports["audits"]), "--format", fmt), capsys
            )
            assert status == 0
            status, got, _ = _run(_duckdb_args(parquet, "--format", fmt), capsys)
            assert status == 0
            if fmt == "json":
                a, b = json.loads(expected), json.loads(got)
                assert b["data_source"] == f"DuckDB ({', '.join(str(parquet[t]) for t in _TABLES)})"
                a["data_source"] = b["data_source"]
                same_json(a, b)
            else:
                assert _data_line(got) == _data_line(expected)

    def test_tables_of_a_database(
        self, parquet: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        status, expected, _ = _run(_duckdb_args(parquet), capsys)
        assert status == 0
        names = {table: Path(table) for table in _TABLES} | {"engagement": parquet["engagement"]}
        args = _duckdb_args(names, "--database", str(parquet["database"]), "--out", str(tmp_path / "out"))
        status, got, err = _run(args, capsys)
        assert status == 0, err
        assert _data_line(got) == _data_line(expected)
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            "report.html",
            "report.json",
            "report.md",
        ]

    def test_history_weeks_match(
        self,
        exports: dict[str, Path],
        parquet: dict[str, Path],
        capsys: pytest.CaptureFixture[str],
        tmp_path: Path,
    ) -> None:
        found = []
        for given, name in ((_report_args(exports), "csv.db"), (_duckdb_args(parquet), "duckdb.db")):
            args = [a if a != "2026-11-01" else "2026-11-02" for a in given]
            status, out, err = _run([*args, "--history", str(tmp_path / name), "--format", "json"], capsys)
            assert status == 0, err
            assert f"recorded week 2026-10-26 in {tmp_path / name}" in err
            found.append(json.loads(out)["escalations"])
        assert found[0] == found[1]


class TestReportRefusals:
    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (["--map", "m.json"], "--map applies to CSV exports, not with --engine duckdb"),
            (["--encoding", "cp1252"], "--encoding applies to CSV exports, not with --engine duckdb"),
        ],
    )
    def test_options_that_do_not_apply(
        self, parquet: dict[str, Path], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
    ) -> None:
        error = _error(_duckdb_args(parquet, *extra), capsys)
        assert message in error
        assert error.endswith(f"@ {extra[0]}")

    def test_database_without_the_engine(
        self, exports: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        error = _error(_report_args(exports, "--database", "book.duckdb"), capsys)
        assert error.endswith("--database applies only with --engine duckdb @ --database")

    @pytest.mark.parametrize("flag", ["transactions", "audits"])
    def test_a_file_duckdb_cannot_read_names_its_flag(
        self, parquet: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str
    ) -> None:
        paths = {**parquet, flag: tmp_path / "none" / "*.parquet"}
        error = _error(_duckdb_args(paths), capsys)
        assert "DuckDB cannot read" in error
        assert error.endswith(f"@ --{flag}")

    def test_a_table_the_database_lacks(
        self, parquet: dict[str, Path], capsys: pytest.CaptureFixture[str]
    ) -> None:
        names = {table: Path(table) for table in _TABLES} | {"engagement": parquet["engagement"]}
        names["submissions"] = Path("claims")
        error = _error(_duckdb_args(names, "--database", str(parquet["database"])), capsys)
        assert "DuckDB cannot read 'claims'" in error
        assert error.endswith("@ --submissions")

    def test_rows_the_engine_refuses(
        self, parquet: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        bad = tmp_path / "bad.parquet"
        duckdb.sql(
            f"SELECT * REPLACE (-amount AS amount) FROM read_parquet('{parquet['transactions']}')"  # noqa: S608
        ).write_parquet(str(bad))
        error = _error(_duckdb_args({**parquet, "transactions": bad}), capsys)
        assert "must be >= 0" in error or "negative" in error
        assert "@ $.transactions.amount" in error
