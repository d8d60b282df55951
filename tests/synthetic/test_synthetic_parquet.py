"""Parquet ledger: chunked books with unique ids, the schema's types, nulls, all or nothing, the CLI."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from comanaged_rcm.cli import main
from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.kpi import SCHEMAS, Book, FieldKind, evaluate
from comanaged_rcm.periods import Period
from comanaged_rcm.synthetic import (
    ParquetLedger,
    SyntheticBook,
    chunk_seed,
    default_payers,
    generate_book,
    rename_chunk,
    write_parquet,
)
from comanaged_rcm.synthetic import _parquet as parquet

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

SEED, CLAIMS, TARGET = 5, 200, 2000  # three chunks of about 920 transactions
TABLES = ("transactions", "submissions", "work_items")
METRICS = ["net_collection_rate", "days_in_ar", "initial_denial_rate", "clean_claim_rate", "backlog"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[ParquetLedger, list[SyntheticBook]]:
    """A three-chunk ledger and the books generate_book gives for its chunks' seeds."""
    ledger = write_parquet(tmp_path_factory.mktemp("ledger") / "out", transactions=TARGET, seed=SEED,
                           chunk_claims=CLAIMS)  # fmt: skip
    books = [generate_book(seed=chunk_seed(SEED, k), claims=CLAIMS) for k in range(ledger.chunks)]
    return ledger, books


def as_numpy(table: Any) -> dict[str, np.ndarray]:
    """A pyarrow table as the book's arrays: null text is '', null dates NaT."""
    columns = {}
    for name in table.column_names:
        column = table[name].combine_chunks()
        if pa.types.is_date32(column.type):
            days = column.cast(pa.int32()).fill_null(0).to_numpy().astype("datetime64[D]")
            missing = column.is_null().to_numpy(zero_copy_only=False)
            columns[name] = np.where(missing, np.datetime64("NaT"), days)
        elif pa.types.is_string(column.type):
            columns[name] = np.array(column.fill_null("").to_pylist(), dtype=str)
        else:
            columns[name] = column.to_numpy(zero_copy_only=False)
    return columns


def assert_equal_tables(got: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    assert list(got) == list(expected)
    for name, values in expected.items():
        if values.dtype.kind == "M":
            assert np.array_equal(np.isnat(got[name]), np.isnat(values)), name
            assert np.array_equal(got[name][~np.isnat(values)], values[~np.isnat(values)]), name
        else:
            assert got[name].dtype.kind == values.dtype.kind, name
            assert np.array_equal(got[name], values), name


def listing(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too) with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class TestLayoutAndTarget:
    def test_one_part_per_chunk_per_table(self, written: tuple[ParquetLedger, list[SyntheticBook]]) -> None:
        """Each table is a directory of part-NNNNN.parquet files, one per chunk; nothing else is left."""
        ledger, _ = written
        assert ledger.chunks == 3
        assert sorted(p.name for p in ledger.directory.iterdir()) == sorted(TABLES)
        for table in TABLES:
            names = [f"part-{k:05d}.parquet" for k in range(3)]
            assert sorted(p.name for p in (ledger.directory / table).iterdir()) == names
            assert ledger.files[table] == tuple(ledger.directory / table / n for n in names)
            assert ledger.glob(table) == str(ledger.directory / table / "*.parquet")

    def test_whole_chunks_until_the_target(self, written: tuple[ParquetLedger, list[SyntheticBook]]) -> None:
        """At least the target, and the chunks before the last fall short of it; rows are the books'."""
        ledger, books = written
        sizes = [b.transactions["amount"].size for b in books]
        assert ledger.rows["transactions"] == sum(sizes) >= TARGET
        assert sum(sizes[:-1]) < TARGET
        assert ledger.rows["submissions"] == sum(b.submissions["seq"].size for b in books)
        assert ledger.rows["work_items"] == sum(b.work_items["item_id"].size for b in books)
        for table in TABLES:
            assert sum(pq.read_metadata(p).num_rows for p in ledger.files[table]) == ledger.rows[table]

    def test_a_target_one_chunk_meets(self, tmp_path: Path) -> None:
        """A target below one chunk's transactions writes exactly one chunk."""
        ledger = write_parquet(tmp_path, transactions=1, chunk_claims=50, weeks=4)
        assert ledger.chunks == 1
        assert ledger.rows["transactions"] >= 1

    def test_repr(self, written: tuple[ParquetLedger, list[SyntheticBook]]) -> None:
        """The repr names the directory, chunks, seed, period and rows."""
        ledger, _ = written
        text = repr(ledger)
        assert text.startswith(f"ParquetLedger({str(ledger.directory)!r}, chunks=3 of 200 claims, seed=5,")
        assert "2026-05-04 + 26 weeks" in text
        assert f"transactions={ledger.rows['transactions']:,}" in text
        with pytest.raises(ValidationError, match=r"\$\.table"):
            ledger.glob("ledger")


class TestChunks:
    def test_each_chunk_is_the_renamed_book(self, written: tuple[ParquetLedger, list[SyntheticBook]]) -> None:
        """Part k of each table reads back to generate_book's table for chunk_seed(seed, k), ids renamed."""
        ledger, books = written
        for k, book in enumerate(books):
            renamed = rename_chunk(book, k)
            for table in TABLES:
                assert_equal_tables(as_numpy(pq.read_table(ledger.files[table][k])), renamed[table])

    def test_ids_unique_across_chunks(self, written: tuple[ParquetLedger, list[SyntheticBook]]) -> None:
        """Claim ids of different chunks never meet; item ids are unique in the whole ledger."""
        ledger, books = written
        claims = [set(pq.read_table(p)["claim_id"].to_pylist()) for p in ledger.files["transactions"]]
        assert sum(len(c) for c in claims) == len(set().union(*claims))
        originals = [set(b.transactions["claim_id"].tolist()) for b in books]
        assert originals[0] & originals[1]  # the books alone would collide
        items = pa.concat_tables([pq.read_table(p) for p in ledger.files["work_items"]])["item_id"]
        assert len(set(items.to_pylist())) == len(items) == ledger.rows["work_items"]
        submitted = pa.concat_tables([pq.read_table(p) for p in ledger.files["submissions"]])
        keys = list(zip(submitted["claim_id"].to_pylist(), submitted["seq"].to_pylist(), strict=True))
        assert len(set(keys)) == len(keys)

    def test_the_opening_ar_is_renamed_too(self, written: tuple[ParquetLedger, list[SyntheticBook]]) -> None:
        """Claims numbered after the book's own (the opening A/R) carry the chunk prefix as well."""
        ledger, _ = written
        ids = pq.read_table(ledger.files["transactions"][2])["claim_id"].to_pylist()
        numbers = [int(i.split("-")[1]) for i in ids]
        assert all(i.startswith("C00002-") for i in ids)
        assert max(numbers) > CLAIMS  # run-in claims are there
        assert min(numbers) <= CLAIMS

    def test_rename(self) -> None:
        """The letter, the chunk in 5 digits, a hyphen, the book's digits; other columns untouched."""
        book = generate_book(seed=1, claims=30, weeks=2)
        tables = rename_chunk(book, 12)
        old, new = book.work_items["item_id"], tables["work_items"]["item_id"]
        assert new.tolist() == [f"W00012-{i[1:]}" for i in old.tolist()]
        assert tables["submissions"]["claim_id"].tolist() == [
            f"C00012-{i[1:]}" for i in book.submissions["claim_id"].tolist()
        ]
        assert tables["transactions"]["amount"] is book.transactions["amount"]
        assert parquet._prefixed(np.array([], dtype="<U8"), 3).size == 0
        with pytest.raises(ValidationError, match=r"\$\.chunk"):
            rename_chunk(book, parquet.MAX_CHUNKS)
        with pytest.raises(ValidationError, match=r"\$\.book"):
            rename_chunk(book.tables(), 0)  # type: ignore[arg-type]

    def test_chunk_seed(self) -> None:
        """Stable, distinct per chunk and per seed, in generate_book's range; bad input is refused."""
        seeds = {chunk_seed(s, k) for s in range(3) for k in range(50)}
        assert len(seeds) == 150
        assert chunk_seed(7, 3) == chunk_seed(7, 3)
        assert chunk_seed(2**64 - 1, parquet.MAX_CHUNKS - 1) < 2**64
        with pytest.raises(ValidationError, match=r"\$\.seed"):
            chunk_seed(-1, 0)
        with pytest.raises(ValidationError, match=r"\$\.chunk"):
            chunk_seed(1, parquet.MAX_CHUNKS)


KINDS = {
    FieldKind.TEXT: "string",
    FieldKind.DATE: "date32[day]",
    FieldKind.NUMBER: "double",
    FieldKind.COUNT: "int64",
    FieldKind.FLAG: "bool",
}
EXTRA = {"submissions": {"carc": "string"}, "work_items": {"claim_id": "string", "balance": "double"}}


class TestSchemaAndNulls:
    def test_types_follow_the_book_schema(self, written: tuple[ParquetLedger, list[SyntheticBook]]) -> None:
        """Every column has the Arrow type of its schema kind; the book's extra columns too."""
        ledger, _ = written
        for table in TABLES:
            schema = pq.read_schema(ledger.files[table][1])
            expected = {f.name: KINDS[f.kind] for f in SCHEMAS[table] if f.name in schema.names}
            expected |= EXTRA.get(table, {})
            assert {f.name: str(f.type) for f in schema} == expected
            assert len(expected) == len(schema.names)

    def test_nulls_where_the_book_is_missing(
        self, written: tuple[ParquetLedger, list[SyntheticBook]]
    ) -> None:
        """NaT dates and empty nullable text are null; no text cell is an empty string."""
        ledger, books = written
        nullable = {"write_off_reason", "billed_date", "adjudicated_date", "closed", "carc"}
        for table in TABLES:
            read = pa.concat_tables([pq.read_table(p) for p in ledger.files[table]])
            for name in read.column_names:
                values = np.concatenate([b.tables()[table][name] for b in books])
                missing = np.isnat(values) if values.dtype.kind == "M" else values == ""
                column = read[name]
                assert column.null_count == int(np.count_nonzero(missing)), (table, name)
                assert (column.null_count > 0) == (name in nullable), (table, name)
                if pa.types.is_string(column.type):
                    assert "" not in column.drop_null().to_pylist(), (table, name)

    def test_text_conversion_paths(self) -> None:
        """Fixed-width ids go as one buffer, other text by its distinct values; '' is null if nullable."""
        ids = parquet._text(pa, np.array(["C01", "C02", "C01"]), nullable=True)
        assert ids.to_pylist() == ["C01", "C02", "C01"]
        assert ids.type == pa.string()
        mixed = np.array(["denial", "", "charity", ""])
        assert parquet._text(pa, mixed, nullable=True).to_pylist() == ["denial", None, "charity", None]
        assert parquet._text(pa, mixed, nullable=False).to_pylist() == ["denial", "", "charity", ""]
        assert parquet._text(pa, np.array(["é", "é"]), nullable=False).to_pylist() == ["é", "é"]
        assert parquet._text(pa, np.array([], dtype=str), nullable=True).to_pylist() == []
        table = parquet._to_arrow(pa, "x", {"n": np.array([1, 2], dtype=np.uint8)})
        assert str(table.schema.field("n").type) == "int64"


class TestBookAndKpis:
    def test_reading_the_ledger_gives_the_numpy_kpis(
        self, written: tuple[ParquetLedger, list[SyntheticBook]]
    ) -> None:
        """A Book of all parts read with pyarrow scores as the Book of the chunks' tables concatenated."""
        ledger, books = written

        def schema_columns(table: str, names: list[str]) -> list[str]:
            return [f.name for f in SCHEMAS[table] if f.name in names]

        arrow = {
            table: pq.read_table(ledger.directory / table).select(
                schema_columns(table, pq.read_schema(ledger.files[table][0]).names)
            )
            for table in TABLES
        }
        renamed = [rename_chunk(b, k) for k, b in enumerate(books)]
        numpy = {
            table: {
                name: np.concatenate([r[table][name] for r in renamed])
                for name in schema_columns(table, list(renamed[0][table]))
            }
            for table in TABLES
        }
        end = books[0].period.end - datetime.timedelta(days=30)
        period = Period(end - datetime.timedelta(weeks=13), end)
        ours = evaluate(Book(**arrow), period, metrics=METRICS)
        theirs = evaluate(Book(**numpy), period, metrics=METRICS)
        for metric in METRICS:
            value = ours.result(metric).value
            assert value is not None, metric
            assert value == pytest.approx(theirs.result(metric).value, rel=1e-12), metric
        first = {t: {n: v for n, v in renamed[0][t].items() if n in numpy[t]} for t in TABLES}
        single = evaluate(Book(**first), period, metrics=["backlog"])
        assert ours.result("backlog").value != single.result("backlog").value  # all chunks were read


class TestDeterminismAndAtomicity:
    def test_same_arguments_same_bytes(
        self, written: tuple[ParquetLedger, list[SyntheticBook]], tmp_path: Path
    ) -> None:
        """The same arguments write byte-identical files (same pyarrow); another seed writes others."""
        ledger, _ = written
        again = write_parquet(tmp_path / "again", transactions=TARGET, seed=SEED, chunk_claims=CLAIMS)
        assert listing(again.directory) == listing(ledger.directory)
        other = write_parquet(tmp_path / "other", transactions=TARGET, seed=SEED + 1, chunk_claims=CLAIMS)
        assert listing(other.directory) != listing(ledger.directory)

    def test_rewrite_replaces_an_earlier_ledger(self, tmp_path: Path) -> None:
        """A second ledger replaces the tables of the first, stale parts included; other files stay."""
        (tmp_path / "notes.txt").write_text("mine")
        first = write_parquet(tmp_path, transactions=2000, chunk_claims=200)
        assert first.chunks == 3
        second = write_parquet(tmp_path, transactions=10, chunk_claims=100, seed=9)
        assert second.chunks == 1
        for table in TABLES:
            assert [p.name for p in (tmp_path / table).iterdir()] == ["part-00000.parquet"]
        assert pq.read_table(tmp_path / "transactions").num_rows == second.rows["transactions"]
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*TABLES, "notes.txt"])

    def test_a_file_in_the_way(self, tmp_path: Path) -> None:
        """A file where a table directory goes is refused; nothing is written or generated."""
        write_parquet(tmp_path, transactions=10, chunk_claims=30, weeks=2)
        for table in ("transactions", "work_items"):
            case = tmp_path / table / "case"
            case.mkdir(parents=True)
            write_parquet(case, transactions=10, chunk_claims=30, weeks=2)
            target = case / table
            for part in target.iterdir():
                part.unlink()
            target.rmdir()
            target.write_text("in the way")
            before = listing(case)
            with pytest.raises(ValidationError, match=r"a file is in the way .* @ \$\.directory"):
                write_parquet(case, transactions=10, chunk_claims=30, weeks=2)
            assert listing(case) == before

    def test_other_files_in_a_table_directory(self, tmp_path: Path) -> None:
        """A table directory holding files a ledger does not write is never replaced."""
        write_parquet(tmp_path, transactions=10, chunk_claims=30, weeks=2)
        (tmp_path / "submissions" / "keep.csv").write_text("x")
        (tmp_path / "submissions" / "part-1.parquet").write_text("x")
        before = listing(tmp_path)
        with pytest.raises(ValidationError, match=r"holds other files .*keep.csv, part-1.parquet\)"):
            write_parquet(tmp_path, transactions=10, chunk_claims=30, weeks=2, seed=1)
        assert listing(tmp_path) == before
        for name in ("a", "b", "c", "d"):
            (tmp_path / "submissions" / name).write_text("x")
        with pytest.raises(ValidationError, match=r"\(a, b, c, \.\.\.\)"):
            write_parquet(tmp_path, transactions=10, chunk_claims=30, weeks=2, seed=1)

    def test_a_failure_while_generating_changes_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A failing chunk leaves an earlier ledger as it was, and no staging directory or new directory."""
        write_parquet(tmp_path / "old", transactions=10, chunk_claims=30, weeks=2)
        before = listing(tmp_path)
        calls: list[int] = []

        def failing(**kwargs: Any) -> SyntheticBook:
            calls.append(kwargs["seed"])
            if len(calls) == 2:
                raise OSError(28, "No space left on device")
            return generate_book(**kwargs)

        monkeypatch.setattr(parquet, "generate_book", failing)
        with pytest.raises(OSError, match="No space left"):
            write_parquet(tmp_path / "old", transactions=10**6, chunk_claims=30, weeks=2, seed=3)
        assert listing(tmp_path) == before
        assert sorted(p.name for p in (tmp_path / "old").iterdir()) == sorted(TABLES)
        calls.clear()
        with pytest.raises(OSError, match="No space left"):
            write_parquet(tmp_path / "new" / "deeper", transactions=10**6, chunk_claims=30, weeks=2)
        assert not (tmp_path / "new").exists()

    def test_a_failure_while_moving_into_place_restores(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A move that fails half way puts the earlier tables back."""
        write_parquet(tmp_path, transactions=10, chunk_claims=30, weeks=2)
        before = listing(tmp_path)
        replace = Path.replace

        def failing(self: Path, target: Any) -> Path:
            staged = self.parent.name.startswith(".comanaged-rcm-parquet-")
            if staged and Path(target).name == "work_items" and Path(target).parent == tmp_path:
                raise OSError(5, "Input/output error")
            return replace(self, target)

        monkeypatch.setattr(Path, "replace", failing)
        with pytest.raises(OSError, match="Input/output"):
            write_parquet(tmp_path, transactions=10, chunk_claims=30, weeks=2, seed=2)
        monkeypatch.undo()
        assert listing(tmp_path) == before

    def test_too_many_chunks(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A target that needs more than MAX_CHUNKS chunks is refused at $.transactions, writing nothing."""
        monkeypatch.setattr(parquet, "MAX_CHUNKS", 2)
        with pytest.raises(ValidationError, match=r"more than 2 chunks of 30 claims .* @ \$\.transactions"):
            write_parquet(tmp_path / "out", transactions=10**6, chunk_claims=30, weeks=2)
        assert not (tmp_path / "out").exists()


class TestArguments:
    @pytest.mark.parametrize(
        ("arguments", "path"),
        [
            ({"transactions": 0}, r"\$\.transactions"),
            ({"transactions": 1.5}, r"\$\.transactions"),
            ({"transactions": 10, "seed": -1}, r"\$\.seed"),
            ({"transactions": 10, "chunk_claims": 0}, r"\$\.chunk_claims"),
            ({"transactions": 10, "chunk_claims": 3_000_000}, r"'chunk_claims' must be <= "),
            ({"transactions": 10, "weeks": 0}, r"\$\.weeks"),
            ({"transactions": 10, "start": datetime.datetime(2026, 1, 5)}, r"\$\.start"),  # noqa: DTZ001
            ({"transactions": 10, "payers": ()}, r"\$\.payers"),
            ({"transactions": 10, "error_rates": {"denials": 2.0}}, r"\$\.error_rates"),
            ({"transactions": 10, "directory": 3}, r"\$\.directory"),
        ],
    )
    def test_bad_arguments_write_nothing(self, arguments: dict[str, Any], path: str, tmp_path: Path) -> None:
        """Each bad argument is refused naming it, before the directory is created."""
        directory = arguments.pop("directory", tmp_path / "out")
        with pytest.raises(ValidationError, match=path):
            write_parquet(directory, **arguments)
        assert not (tmp_path / "out").exists()

    def test_payers_and_error_rates_pass_through(self, tmp_path: Path) -> None:
        """A payer mix given is the chunks' payer mix."""
        payers = default_payers()[:2]
        ledger = write_parquet(tmp_path, transactions=10, chunk_claims=30, weeks=2, payers=payers)
        seen = set(pq.read_table(ledger.files["transactions"][0])["payer"].to_pylist())
        assert seen <= {p.id for p in payers}

    def test_without_pyarrow(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without pyarrow the call is refused naming the extra; nothing is created."""
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        with pytest.raises(RCMError, match=r"pip install 'comanaged-rcm\[arrow\]'"):
            write_parquet(tmp_path / "out", transactions=10)
        assert not (tmp_path / "out").exists()


class TestCli:
    def test_writes_and_prints_the_tables(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """It writes the ledger, prints rows and glob per table, and names each directory on stderr."""
        out = tmp_path / "ledger"
        words = ["synthetic", "parquet", str(out), "--transactions", "2000", "--seed", str(SEED),
                 "--chunk-claims", str(CLAIMS), "--weeks", "26"]  # fmt: skip
        assert main(words) == 0
        captured = capsys.readouterr()
        ledger = write_parquet(tmp_path / "api", transactions=TARGET, seed=SEED, chunk_claims=CLAIMS)
        assert captured.out.splitlines() == [
            f"{t}\t{ledger.rows[t]}\t{out / t / '*.parquet'}" for t in TABLES
        ]
        assert captured.err.splitlines() == [f"wrote {out / t} (3 files)" for t in TABLES]
        assert listing(out) == listing(ledger.directory)

    @pytest.mark.parametrize(
        ("flags", "message"),
        [
            (["--transactions", "0"], "--transactions must be >= 1 (got 0) @ --transactions"),
            (["--transactions", "5", "--chunk-claims", "0"], "--chunk-claims must be >= 1 (got 0)"),
            (["--transactions", "5", "--weeks", "-2"], "--weeks must be >= 1 (got -2) @ --weeks"),
            (["--transactions", "5", "--seed", "-1"], "--seed must be >= 0 (got -1) @ --seed"),
            (["--transactions", "5", "--seed", str(2**64)], f"'seed' must be <= {2**64 - 1:,} (got an"),
            (
                ["--transactions", "5", "--chunk-claims", "4000000"],
                "'chunk_claims' must be <= 2,666,666 for a book of 26 week(s)",
            ),
        ],
    )
    def test_bad_flags(
        self, flags: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Bad flags exit 2 with one error line naming the flag, no traceback; DIR is not created."""
        assert main(["synthetic", "parquet", str(tmp_path / "out"), *flags]) == 2
        err = capsys.readouterr().err
        assert err.startswith("comanaged-rcm synthetic: error: 1 validation issue: ")
        assert message in err
        assert len(err.splitlines()) == 1
        assert "Traceback" not in err
        assert not (tmp_path / "out").exists()

    def test_a_file_in_the_way_names_dir(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A file in the way is an error naming DIR (exit 2)."""
        (tmp_path / "transactions").write_text("x")
        words = ["synthetic", "parquet", str(tmp_path), "--transactions", "5", "--chunk-claims", "20"]
        assert main(words) == 2
        assert "a file is in the way" in capsys.readouterr().err

    def test_transactions_is_required(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without --transactions it is a usage error (exit 2)."""
        with pytest.raises(SystemExit) as exit_:
            main(["synthetic", "parquet", "somewhere"])
        assert exit_.value.code == 2
        assert "the following arguments are required: --transactions" in capsys.readouterr().err


class TestLedgerModel:
    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"directory": "d"}, r"\$\.directory"),
            ({"files": {"ledger": ()}}, r"\$\.files"),
            ({"files": {"transactions": ["p"]}}, r"\$\.files\.transactions"),
            ({"files": []}, r"\$\.files"),
            ({"rows": {"transactions": -1}}, r"\$\.rows\.transactions"),
            ({"rows": {"x": 1}}, r"\$\.rows"),
            ({"chunks": -1}, r"\$\.chunks"),
            ({"chunk_claims": 0}, r"\$\.chunk_claims"),
            ({"start": "2026-05-04"}, r"\$\.start"),
            ({"target": 0}, r"\$\.target"),
        ],
    )
    def test_fields_are_validated(self, change: dict[str, Any], path: str) -> None:
        """A ledger built in Python is as strict as one write_parquet returns."""
        fields: dict[str, Any] = {
            "directory": Path("d"), "files": {"transactions": (Path("d/t/part-00000.parquet"),)},
            "rows": {"transactions": 3}, "chunks": 1, "chunk_claims": 2, "seed": 7,
            "start": datetime.date(2026, 5, 4), "weeks": 1, "target": 3,
        }  # fmt: skip
        ParquetLedger(**fields)
        with pytest.raises(ValidationError, match=path):
            ParquetLedger(**(fields | change))
