"""``comanaged-rcm map``: suggest a mapping for an export, check a mapping document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from comanaged_rcm import cli, serialize
from comanaged_rcm.mapping import ExportMap

_EXPORT = (
    "Claim #,Payer Name,DOS,Post Date,Trans Type,Amount,Patient Name\n"
    'C1,Aetna,03/01/2024,03/15/2024,CHG,"$1,250.00",Jane Roe\n'
    "C1,Aetna,03/01/2024,04/02/2024,PMT,(900.00),Jane Roe\n"
)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(_EXPORT, encoding="utf-8")
    return path


class TestSuggest:
    def test_prints_the_map_and_notes(self, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The mapping JSON goes to stdout, the notes to stderr."""
        assert cli.main(["map", "--suggest", str(export), "--table", "transactions"]) == 0
        out, err = capsys.readouterr()
        document = serialize.from_json(out, ExportMap)
        assert document.table("transactions").columns["service_date"] == "DOS"
        assert json.loads(out)["tables"]["transactions"]["values"] == {
            "type": {"CHG": "charge", "PMT": "payment"}
        }
        assert "note: Patient Name: not in the schema, dropped (add it to keep to keep it)\n" in err
        assert (
            "note: DOS looks like MM/DD/YYYY (also fits DD/MM/YYYY: no day above 12 in the sample)\n" in err
        )

    def test_out_writes_the_file(
        self, export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--output writes the map (creating its folder), nothing on stdout; --check reads it back."""
        target = tmp_path / "maps" / "map.json"
        argv = ["map", "--suggest", str(export), "--table", "transactions", "--output", str(target)]
        assert cli.main(argv) == 0
        out, err = capsys.readouterr()
        assert out == ""
        assert f"wrote {target}" in err
        assert cli.main(["map", "--check", str(target)]) == 0
        assert capsys.readouterr().out == f"{target}: a valid mapping document (version 1; transactions)\n"

    def test_sample_and_encoding(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--sample limits the rows read; --encoding reads a cp1252 export."""
        path = tmp_path / "tx.csv"
        path.write_bytes("claim_id,type,payer\nC1,PMT,Caf\xe9\nC2,XYZ,B\n".encode("cp1252"))
        args = [
            "map",
            "--suggest",
            str(path),
            "--table",
            "transactions",
            "--encoding",
            "cp1252",
            "--sample",
            "1",
        ]
        assert cli.main(args) == 0
        _, err = capsys.readouterr()
        assert "XYZ" not in err

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            ([], "--suggest needs --table (the table the export holds) @ --table"),
            (["--table", "transactions", "--sample", "0"], "--sample must be >= 1 (got 0) @ --sample"),
        ],
    )
    def test_bad_usage(
        self, export: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Bad options exit 2 with one line naming the problem."""
        assert cli.main(["map", "--suggest", str(export), *extra]) == 2
        assert capsys.readouterr().err == f"comanaged-rcm map: error: 1 validation issue: {message}\n"

    def test_unknown_table(self, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """An old table name is not a choice (argparse exits 2)."""
        with pytest.raises(SystemExit) as caught:
            cli.main(["map", "--suggest", str(export), "--table", "claims"])
        assert caught.value.code == 2
        assert "invalid choice: 'claims'" in capsys.readouterr().err

    def test_missing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """An unreadable export exits 2 with one line and writes nothing."""
        target = tmp_path / "out" / "map.json"
        args = ["map", "--suggest", str(tmp_path / "none.csv"), "--table", "ledger", "--output", str(target)]
        assert cli.main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith("comanaged-rcm map: error: ")
        assert err.count("\n") == 1
        assert not target.exists()


class TestCheck:
    def test_bad_document(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A bad document exits 2 naming the file, the field and the fix."""
        path = tmp_path / "map.json"
        path.write_text('{"tables": {"claims": {}}}', encoding="utf-8")
        assert cli.main(["map", "--check", str(path)]) == 2
        err = capsys.readouterr().err
        assert "map.json: unknown table 'claims'" in err
        assert "the table is now named 'submissions' @ $.tables.claims" in err

    @pytest.mark.parametrize("flag", [["--table", "ledger"], ["--sample", "5"], ["--output", "x.json"]])
    def test_options_that_do_not_apply(
        self, tmp_path: Path, flag: list[str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--table, --sample and --output are refused with --check."""
        path = tmp_path / "map.json"
        path.write_text("{}", encoding="utf-8")
        assert cli.main(["map", "--check", str(path), *flag]) == 2
        assert f"{flag[0]} applies to --suggest, not to --check" in capsys.readouterr().err

    def test_empty_document(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """An empty document is valid and says it has no tables."""
        path = tmp_path / "map.json"
        path.write_text("{}", encoding="utf-8")
        assert cli.main(["map", "--check", str(path)]) == 0
        assert "(version 1; no tables)" in capsys.readouterr().out

    def test_both_or_neither(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--suggest and --check exclude each other, and one is required."""
        with pytest.raises(SystemExit) as caught:
            cli.main(["map"])
        assert caught.value.code == 2
        with pytest.raises(SystemExit):
            cli.main(["map", "--check", "a", "--suggest", "b"])
        assert "not allowed with argument" in capsys.readouterr().err
