"""``comanaged-rcm kpi --engine duckdb``: Parquet files scored inside DuckDB, the same scorecard."""

from __future__ import annotations

from pathlib import Path

import pytest

from comanaged_rcm.cli import main
from tests.kpi.test_kpi_cli import files as files  # noqa: PLC0414 - the CSV fixture, shared

duckdb = pytest.importorskip("duckdb")

_ARGS = ["--from", "2026-01-01", "--through", "2026-01-31", "--by", "payer"]


def _parquet(files: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Each CSV written as Parquet by DuckDB (types read off the CSV: dates, booleans, numbers)."""
    out = {}
    for table, path in files.items():
        target = tmp_path / f"{table}.parquet"
        duckdb.sql(f"SELECT * FROM read_csv('{path}')").write_parquet(str(target))  # noqa: S608 - test paths
        out[table] = str(target)
    return out


def _flags(paths: dict[str, str]) -> list[str]:
    return [arg for table, path in paths.items() for arg in ("--" + table.replace("_", "-"), path)]


class TestEngineOption:
    def test_duckdb_prints_the_numpy_scorecard(
        self, files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The same text, byte for byte, from CSV in memory and from Parquet in DuckDB."""
        assert main(["kpi", *_flags(files), *_ARGS]) == 0
        expected = capsys.readouterr().out
        assert main(["kpi", "--engine", "duckdb", *_flags(_parquet(files, tmp_path)), *_ARGS]) == 0
        got = capsys.readouterr().out
        assert got == expected
        assert "Net collection rate" in got

    def test_a_glob_of_parquet_files(
        self, files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        (tmp_path / "tx").mkdir()
        source = duckdb.sql(f"SELECT * FROM read_csv('{files['transactions']}')")  # noqa: S608
        source.limit(3).write_parquet(str(tmp_path / "tx" / "a.parquet"))
        source.limit(1000, 3).write_parquet(str(tmp_path / "tx" / "b.parquet"))
        assert (
            main(["kpi", "--transactions", files["transactions"], *_ARGS, "--metrics", "net_collection_rate"])
            == 0
        )
        expected = capsys.readouterr().out
        glob = str(tmp_path / "tx" / "*.parquet")
        args = [
            "kpi",
            "--engine",
            "duckdb",
            "--transactions",
            glob,
            *_ARGS,
            "--metrics",
            "net_collection_rate",
        ]
        assert main(args) == 0
        assert capsys.readouterr().out == expected

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (["--map", "m.json"], "--map applies to CSV exports"),
            (["--encoding", "cp1252"], "--encoding applies to CSV exports"),
        ],
    )
    def test_options_that_do_not_apply_are_refused(
        self,
        files: dict[str, str],
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        extra: list[str],
        message: str,
    ) -> None:
        paths = _parquet(files, tmp_path)
        assert main(["kpi", "--engine", "duckdb", *_flags(paths), *_ARGS, *extra]) != 0
        err = capsys.readouterr().err
        assert message in err
        assert "Traceback" not in err

    def test_database_without_duckdb_and_a_missing_file(
        self, files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["kpi", *_flags(files), *_ARGS, "--database", "x.duckdb"]) != 0
        assert "--database applies only with --engine duckdb" in capsys.readouterr().err
        missing = str(tmp_path / "none.parquet")
        assert main(["kpi", "--engine", "duckdb", "--transactions", missing, *_ARGS]) != 0
        err = capsys.readouterr().err
        assert "DuckDB cannot read" in err
        assert "Traceback" not in err
