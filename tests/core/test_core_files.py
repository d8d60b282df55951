"""Files at the edge: text encodings, strict JSON, CSV that fights back, and all-or-nothing writes."""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import attrs
import numpy as np
import pytest

from comanaged_rcm import _io, cli
from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.serialize import from_dict, from_json, to_dict, to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book, write_csv
from comanaged_rcm.tables import Column, ColumnKind, data_lines, narrowest, read_csv

COLUMNS = [Column("claim_id"), Column("amount", ColumnKind.NUMBER)]


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


def _issue(error: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str, str]:
    issue = error.value.issues[0]
    return issue.path, issue.code, issue.message


@attrs.frozen
class Doc:
    id: str
    count: int = 0


class TestDecode:
    def test_utf8_bom_is_dropped(self) -> None:
        """A UTF-8 BOM is not part of the text."""
        assert _io.decode(b"\xef\xbb\xbfa,b\n") == "a,b\n"

    @pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
    def test_utf16_and_utf32_boms_are_detected(self, codec: str) -> None:
        """A UTF-16 or UTF-32 file with a BOM decodes without being told its encoding."""
        text = "\ufeffclaim_id\n" if codec.endswith("be") else "claim_id\n"  # -be writes no BOM itself
        data = text.encode(codec)
        assert _io.decode(data).startswith("claim_id")

    def test_cp1252_is_refused_with_line_and_a_hint(self) -> None:
        """Bytes that are not UTF-8 name the byte, its line and column, and how to fix it."""
        with pytest.raises(ValidationError) as info:
            _io.decode(b"a,b\nC1,\x93quoted\x94\n", source="tx.csv")
        path, code, message = _issue(info)
        assert (path, code) == ("tx.csv:2", "encoding")
        assert "not UTF-8 (byte 0x93 at line 2, column 4)" in message
        assert "--encoding" in message

    def test_explicit_encoding_decodes(self) -> None:
        """``encoding`` decodes what UTF-8 cannot."""
        assert _io.decode(b"\x93q\x94", encoding="cp1252") == "\u201cq\u201d"

    def test_unknown_or_binary_encoding_is_refused(self) -> None:
        """An encoding Python does not know, or one that is not for text, is a ValidationError."""
        for name in ("no-such-codec", "base64"):
            with pytest.raises(ValidationError) as info:
                _io.check_encoding(name)
            assert info.value.issues[0].path == "$.encoding"

    def test_broken_utf16_is_refused(self) -> None:
        """A UTF-16 BOM followed by an odd byte is refused, not an escape of UnicodeDecodeError."""
        with pytest.raises(ValidationError, match="not valid utf-16-le"):
            _io.decode(b"\xff\xfea")


class TestReadText:
    def test_missing_file_is_both_a_validation_and_an_os_error(self, tmp_path: Path) -> None:
        """A file that is not there is an RCMError that ``except FileNotFoundError`` also catches."""
        with pytest.raises(FileNotFoundError) as info:
            _io.read_text(tmp_path / "nope.csv", where="--claims")
        assert isinstance(info.value, ValidationError)
        path, code, message = _issue(info)  # type: ignore[arg-type]
        assert (path, code) == ("--claims", "file")
        assert message.startswith("cannot read '")
        assert "nope.csv' (No such file or directory)" in message

    def test_directory_is_refused(self, tmp_path: Path) -> None:
        """A directory where a file goes is named as such."""
        with pytest.raises(ValidationError, match="it is a directory"):
            _io.read_text(tmp_path)

    @pytest.mark.parametrize("bad", [None, 3, b"x.csv", "", "  ", "x\0y", "a\ud800b", "x" * 5000])
    def test_not_a_path(self, bad: object) -> None:
        """Something that is not a path is refused at the parameter's path."""
        with pytest.raises(ValidationError) as info:
            _io.read_text(bad, where="$.source")
        assert info.value.issues[0].path == "$.source"


class TestLoadJson:
    def test_duplicate_key_names_both_positions_and_the_object(self) -> None:
        """A key given twice in a nested object is refused with both positions and its path."""
        text = '{\n "a": [\n  {"c": 1, "d": 2,\n   "c": 3}\n ]\n}'
        with pytest.raises(ValidationError) as info:
            _io.load_json(text, source="doc.json")
        path, code, message = _issue(info)
        assert (path, code) == ("doc.json", "duplicate_key")
        assert message == "duplicate key 'c' in $.a[0] at line 4, column 4 (first at line 3, column 4)"

    def test_same_key_in_sibling_objects_is_fine(self) -> None:
        """Keys repeat freely across different objects."""
        assert _io.load_json('[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]') == [{"a": 1}, {"a": 2}, {"b": {"a": 3}}]

    def test_escaped_duplicate_is_found(self) -> None:
        """``"a"`` and ``"\\u0061"`` are the same key."""
        with pytest.raises(ValidationError, match="duplicate key 'a'"):
            _io.load_json('{"a": 1, "\\u0061": 2}')

    def test_5000_digit_integer(self) -> None:
        """An integer longer than the bound is a ValidationError, not Python's ValueError."""
        with pytest.raises(ValidationError) as info:
            _io.load_json('{"n": ' + "7" * 5000 + "}")
        path, code, message = _issue(info)
        assert (path, code) == ("$", "range")
        assert "5,000 digits" in message
        assert "line 1, column 7" in message

    def test_100_digits_are_fine(self) -> None:
        """Up to :data:`MAX_DIGITS` digits parse as usual."""
        assert _io.load_json("-" + "9" * _io.MAX_DIGITS) == -int("9" * _io.MAX_DIGITS)

    @pytest.mark.parametrize("opening", ["[", '{"a":'])
    def test_10000_deep_nesting_is_refused_before_parsing(self, opening: str) -> None:
        """Nesting deeper than the bound is refused by a scan, never a RecursionError."""
        closing = "]" if opening == "[" else "}"
        with pytest.raises(ValidationError) as info:
            _io.load_json(opening * 10_000 + "1" + closing * 10_000)
        assert info.value.issues[0].code == "depth"

    def test_many_shallow_brackets_are_fine(self) -> None:
        """Thousands of sibling arrays are not deep: only nesting counts."""
        assert len(_io.load_json("[" + ",".join(["[{}]"] * 5_000) + "]")) == 5_000

    def test_brackets_inside_strings_do_not_count(self) -> None:
        """The depth scan skips strings, escaped quotes included."""
        value = "[" * 500 + '\\"' + "{" * 500
        assert _io.load_json(f'{{"a": "{value}"}}') == {"a": value.replace('\\"', '"')}

    @pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
    def test_non_finite_numbers(self, literal: str) -> None:
        """NaN, the infinities and numbers beyond float range are refused with their position."""
        with pytest.raises(ValidationError, match=r"line 1, column 7") as info:
            _io.load_json(f'{{"x": {literal}}}')
        assert info.value.issues[0].code in {"value", "range"}

    def test_bom_is_skipped(self) -> None:
        """A UTF-8 BOM before JSON text is skipped, in bytes and in text."""
        assert _io.load_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
        assert _io.load_json('\ufeff{"a": 1}') == {"a": 1}


class TestSerializeEdges:
    def test_from_json_uses_the_strict_reader(self) -> None:
        """from_json refuses duplicate keys, huge integers and deep nesting as ValidationErrors."""
        for text, code in (
            ('{"id": "a", "id": "b"}', "duplicate_key"),
            ('{"id": "a", "count": ' + "1" * 5000 + "}", "range"),
            ("[" * 10_000, "depth"),
        ):
            with pytest.raises(ValidationError) as info:
                from_json(text, Doc)
            assert info.value.issues[0].code == code

    def test_from_json_of_utf16_bytes(self) -> None:
        """UTF-16 bytes with a BOM are read as JSON."""
        assert from_json('{"id": "a"}'.encode("utf-16"), Doc) == Doc("a")

    def test_from_json_of_not_text(self) -> None:
        """A non-text document is refused at ``$.text``."""
        with pytest.raises(ValidationError) as info:
            from_json(5, Doc)  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.text"

    def test_from_dict_of_deep_data_is_a_validation_error(self) -> None:
        """10,000-deep data is refused, never a RecursionError."""
        for data in (_nested(10_000), {"id": _nested(10_000)}):
            with pytest.raises(ValidationError):
                from_dict(data, Doc)

    def test_unknown_keys_of_mixed_types(self) -> None:
        """Unknown keys that are not all strings are listed, not a TypeError from sorting them."""
        with pytest.raises(ValidationError) as info:
            from_dict({"id": "a", 1: 2, "b": 3}, Doc)
        assert sorted(i.code for i in info.value.issues) == ["unknown_key", "unknown_key"]

    def test_to_json_indent_must_be_an_int(self) -> None:
        """A numpy timedelta (a numpy integer) as ``indent`` is refused at ``$.indent``."""
        with pytest.raises(ValidationError) as info:
            to_json({"a": 1}, indent=np.timedelta64(3, "D"))  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.indent"

    def test_from_dict_of_a_class_it_cannot_build(self) -> None:
        """A ``cls`` the converter has no hook for is refused at ``$.cls``, not a cattrs error."""
        with pytest.raises(ValidationError) as info:
            from_dict({}, object())  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.cls"

    @pytest.mark.parametrize(
        "make",
        [lambda: float("nan"), lambda: 7 * 10**4999, lambda: _nested(10_000), object],
        ids=["nan", "5000 digits", "deep", "object"],
    )
    def test_to_json_of_what_json_cannot_carry(self, make: Callable[[], object]) -> None:
        """NaN, 5000-digit integers, deep nesting and foreign objects are refused at ``$.obj``."""
        with pytest.raises(ValidationError) as info:
            to_json(make())
        assert info.value.issues[0].path == "$.obj"

    def test_to_dict_of_deep_data(self) -> None:
        """Deep data is refused by to_dict too."""
        with pytest.raises(ValidationError, match="nested too deeply"):
            to_dict(_nested(10_000))

    def test_to_json_indent_is_bounded(self) -> None:
        """A huge indent is refused, not an OverflowError."""
        with pytest.raises(ValidationError) as info:
            to_json({"a": 1}, indent=10**400)
        assert info.value.issues[0].path == "$.indent"


class TestReadCsvEdges:
    def write(self, tmp_path: Path, data: bytes) -> Path:
        path = tmp_path / "tx.csv"
        path.write_bytes(data)
        return path

    def test_stray_quote_names_the_line_it_opened_on(self, tmp_path: Path) -> None:
        """A quote that never closes is reported at the line where the quoted cell began."""
        path = self.write(tmp_path, b'claim_id,amount\nC1,1\n"C2,2\nC3,3\nC4,4\n')
        with pytest.raises(ValidationError) as info:
            read_csv(path, COLUMNS)
        path_, code, message = _issue(info)
        assert (path_, code) == ("tx.csv:3", "csv")
        assert "begins on line 3 is never closed" in message

    def test_text_after_a_closing_quote(self, tmp_path: Path) -> None:
        """``"C1"x`` is bad quoting, reported by line (never a csv.Error)."""
        with pytest.raises(ValidationError, match="bad quoting on line 2"):
            read_csv(self.write(tmp_path, b'claim_id,amount\n"C1"x,1\n'), COLUMNS)

    def test_huge_swallowed_cell(self, tmp_path: Path) -> None:
        """A stray quote that takes in more than the csv module's cell limit is located too."""
        body = b"".join(b"C%d,1\n" % i for i in range(40_000))
        with pytest.raises(ValidationError) as info:
            read_csv(self.write(tmp_path, b'claim_id,amount\nC0,"1\n' + body + b'"\n'), COLUMNS)
        assert info.value.issues[0].path == "tx.csv:2"

    def test_duplicate_header(self, tmp_path: Path) -> None:
        """A header named twice is refused, naming both column positions."""
        with pytest.raises(ValidationError) as info:
            read_csv(self.write(tmp_path, b"claim_id,amount,claim_id\nC1,1,C2\n"), COLUMNS)
        assert _issue(info) == (
            "tx.csv:1",
            "duplicate_column",
            "columns 1 ('claim_id') and 3 ('claim_id') of the header both match 'claim_id'",
        )

    def test_nul_byte(self, tmp_path: Path) -> None:
        """A NUL byte is refused with its line, hinting at UTF-16 without a BOM."""
        with pytest.raises(ValidationError) as info:
            read_csv(self.write(tmp_path, "claim_id,amount\nC1,1\n".encode("utf-16-le")), COLUMNS)
        path, code, message = _issue(info)
        assert (path, code) == ("tx.csv:1", "nul")
        assert "UTF-16 without a BOM" in message

    def test_utf16_with_bom_reads(self, tmp_path: Path) -> None:
        """A UTF-16 export (as Excel writes them) reads like UTF-8."""
        cols = read_csv(self.write(tmp_path, "claim_id,amount\nC1,1.5\n".encode("utf-16")), COLUMNS)
        assert cols["amount"].tolist() == [1.5]

    def test_cp1252_with_encoding(self, tmp_path: Path) -> None:
        """``encoding`` reads a cp1252 export; without it the file is refused by line."""
        path = self.write(tmp_path, b"claim_id,amount\n\x93C1\x94,1\n")
        with pytest.raises(ValidationError, match=r"tx.csv:2"):
            read_csv(path, COLUMNS)
        assert read_csv(path, COLUMNS, encoding="cp1252")["claim_id"].tolist() == ["\u201cC1\u201d"]

    def test_empty_and_header_only(self, tmp_path: Path) -> None:
        """An empty file is refused; a header without rows gives empty columns."""
        with pytest.raises(ValidationError, match="empty"):
            read_csv(self.write(tmp_path, b""), COLUMNS)
        cols = read_csv(self.write(tmp_path, b"claim_id,amount\n"), COLUMNS)
        assert {name: len(values) for name, values in cols.items()} == {"claim_id": 0, "amount": 0}

    def test_ragged_rows_across_lines(self, tmp_path: Path) -> None:
        """A row of the wrong width that spans lines says so, at the line it begins on."""
        path = self.write(tmp_path, b'claim_id,amount\nC1,"1\nC2",2,3\nC4,4\n')
        with pytest.raises(ValidationError) as info:
            read_csv(path, COLUMNS)
        path_, code, message = _issue(info)
        assert (path_, code) == ("tx.csv:2", "width")
        assert "from line 2 to line 3" in message

    def test_rows_are_numbered_by_the_line_they_begin_on(self, tmp_path: Path) -> None:
        """After a quoted cell spanning lines, later rows keep their own line numbers."""
        path = self.write(tmp_path, b'claim_id,amount\n"C\n1",1\nC2,x\n')
        with pytest.raises(ValidationError) as info:
            read_csv(path, COLUMNS)
        assert info.value.issues[0].path == "tx.csv:4:amount"
        assert data_lines(path) == [2, 4]

    def test_open_binary_file(self) -> None:
        """An open binary file is decoded like a path's bytes."""
        cols = read_csv(io.BytesIO(b"\xef\xbb\xbfclaim_id,amount\nC1,2\n"), COLUMNS)  # type: ignore[arg-type]
        assert cols["claim_id"].tolist() == ["C1"]

    def test_missing_file_is_named_at_source(self, tmp_path: Path) -> None:
        """A missing file is at ``$.source``; it is a FileNotFoundError too, as before."""
        with pytest.raises(FileNotFoundError) as info:
            read_csv(tmp_path / "nope.csv", COLUMNS)
        assert isinstance(info.value, ValidationError)
        assert info.value.issues[0].path == "$.source"

    @pytest.mark.parametrize("bad", [None, 3, object(), 1.5])
    def test_data_lines_checks_its_source(self, bad: object) -> None:
        """data_lines refuses what is not a path at ``$.source``."""
        with pytest.raises(ValidationError) as info:
            data_lines(bad)  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.source"

    @pytest.mark.parametrize("bad", [None, 1.5, np.array([], dtype=str), np.arange(3)])
    def test_narrowest_checks_its_text(self, bad: object) -> None:
        """narrowest takes only a non-empty array of unicode strings."""
        with pytest.raises(ValidationError) as info:
            narrowest(bad)  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.text"

    @pytest.mark.parametrize("bad", [None, 3, object()])
    def test_source_that_is_not_a_file(self, bad: object) -> None:
        """A source that is neither a path nor an open file is refused at ``$.source``."""
        with pytest.raises(ValidationError) as info:
            read_csv(bad, COLUMNS)  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.source"

    def test_columns_are_checked(self) -> None:
        """Columns that are not Column objects are refused, each by index."""
        with pytest.raises(ValidationError) as info:
            read_csv(io.StringIO("a\n1\n"), ["a"])  # type: ignore[list-item]
        assert info.value.issues[0].path == "$.columns[0]"
        with pytest.raises(ValidationError) as info:
            Column("a", "number")  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.kind"


def _tree(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``directory`` with its bytes and mode, hidden ones included."""
    return {
        str(p.relative_to(directory)): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    } | {str(p.relative_to(directory)) + "/": (b"", 0) for p in directory.rglob("*") if p.is_dir()}


class TestAllOrNothing:
    FILES: ClassVar[dict[str, str]] = {
        "report.md": "# R\n",
        "report.html": "<p>R</p>\n",
        "report.json": "{}\n",
    }

    @pytest.fixture
    def out(self, tmp_path: Path) -> Path:
        out = tmp_path / "out"
        out.mkdir()
        (out / "notes.txt").write_text("mine", encoding="utf-8")
        (out / "report.md").write_text("last week's", encoding="utf-8")
        return out

    def test_writes_every_file_with_usual_permissions(self, out: Path) -> None:
        """Files land with 0o666 less the umask (not mkstemp's 0600); other files are untouched."""
        mask = os.umask(0o022)
        try:
            paths = _io.write_files(out, self.FILES)
        finally:
            os.umask(mask)
        names = sorted(p.name for p in out.iterdir())
        assert names == ["notes.txt", "report.html", "report.json", "report.md"]
        assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
        assert paths["report.md"].read_text(encoding="utf-8") == "# R\n"
        assert {stat.S_IMODE(p.stat().st_mode) for p in paths.values()} == {0o644}

    def test_disk_full_while_writing(self, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """ENOSPC on the second file leaves DIR exactly as it was: no report, no temporary file."""
        before = _tree(out)
        real = _io.Stage.write_text
        calls: list[str] = []

        def full(self: _io.Stage, name: str, content: str) -> None:
            calls.append(name)
            if len(calls) == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            real(self, name, content)

        monkeypatch.setattr(_io.Stage, "write_text", full)
        with pytest.raises(OSError, match="No space"):
            _io.write_files(out, self.FILES)
        assert _tree(out) == before

    def test_a_directory_in_the_way(self, out: Path) -> None:
        """A target name taken by a directory fails before anything moves."""
        (out / "report.json").mkdir()
        before = _tree(out)
        with pytest.raises(IsADirectoryError):
            _io.write_files(out, self.FILES)
        assert _tree(out) == before

    def test_rename_failing_half_way_rolls_back(self, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """When the third rename fails, the two files already moved are undone and the file
        they overwrote is restored from its backup."""
        before = _tree(out)
        real = Path.replace
        moves: list[Path] = []

        def failing(self: Path, target: str | os.PathLike[str]) -> Path:
            if Path(target).parent == out:
                moves.append(Path(target))
                if len(moves) == 3:
                    raise OSError(errno.EIO, "Input/output error")
            return real(self, target)

        monkeypatch.setattr(Path, "replace", failing)
        with pytest.raises(OSError, match="Input/output"):
            _io.write_files(out, self.FILES)
        monkeypatch.undo()
        assert _tree(out) == before
        assert (out / "report.md").read_text(encoding="utf-8") == "last week's"

    def test_new_directory_is_removed_on_failure(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A DIR the write created (with its parents) is removed again when the write fails."""
        monkeypatch.setattr(os, "fsync", lambda _: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
        with pytest.raises(OSError, match="I/O error"):
            _io.write_files(tmp_path / "a" / "b", self.FILES)
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize("bad", [None, 3, b"out", "", "a\0b", "x" * 5000])
    def test_unusable_directory(self, bad: object) -> None:
        """A directory that is not a usable path is a ValidationError at ``$.directory``."""
        with pytest.raises(ValidationError) as info:
            _io.write_files(bad, self.FILES)
        assert info.value.issues[0].path == "$.directory"


@pytest.fixture(scope="module")
def book() -> SyntheticBook:
    return generate_book(seed=2, claims=200)


class TestWriteCsvAllOrNothing:

    def test_full_disk_leaves_nothing(
        self, book: SyntheticBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A write failing part way through the export leaves the directory as it was."""
        (tmp_path / "claims.csv").write_text("old", encoding="utf-8")
        before = _tree(tmp_path)
        real = _io.Stage.open
        opened: list[str] = []

        def failing(self: _io.Stage, name: str, *, newline: str = "") -> object:
            opened.append(name)
            if len(opened) == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(self, name, newline=newline)

        monkeypatch.setattr(_io.Stage, "open", failing)
        with pytest.raises(OSError, match="No space"):
            write_csv(book, tmp_path)
        assert _tree(tmp_path) == before

    def test_not_a_book(self, tmp_path: Path) -> None:
        """Something other than a SyntheticBook is refused at ``$.book``."""
        with pytest.raises(ValidationError) as info:
            write_csv(object(), tmp_path)  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.book"
        assert list(tmp_path.iterdir()) == []

    def test_every_error_is_an_rcm_error(self, book: SyntheticBook) -> None:
        """A NUL in the directory is a ValidationError, not ValueError from the OS layer."""
        with pytest.raises(RCMError):
            write_csv(book, "out\0dir")


class TestReviewedEdges:
    def test_a_trailing_comma_in_the_header_is_read(self) -> None:
        """An export whose header ends in a comma (an empty cell) reads; the empty column is dropped."""
        schema = [Column("a"), Column("n", ColumnKind.NUMBER)]
        got = read_csv(io.StringIO("a,n,\nx,1,\n"), schema, name="t.csv")
        assert got["a"].tolist() == ["x"]
        assert got["n"].tolist() == [1.0]
        assert "" not in got

    def test_an_unnamed_column_with_values_is_refused(self) -> None:
        """Values under a header cell with no name are not dropped silently: the first is located."""
        with pytest.raises(ValidationError, match="column 3 has no name in the header") as caught:
            read_csv(io.StringIO("a,n,\nx,1,\ny,2,7\n"), [Column("a"), Column("n")], name="t.csv")
        assert caught.value.issues[0].path == "t.csv:3"

    def test_odd_extra_header_cells_are_read_as_text(self) -> None:
        """Columns beyond the schema are dropped, or with extras="keep" read as text whatever their
        names hold (tab, zero-width space)."""
        text = "a,x\ty,z\u200b\n1,2,3\n"
        assert list(read_csv(io.StringIO(text), [Column("a")], name="t.csv")) == ["a"]
        got = read_csv(io.StringIO(text), [Column("a")], name="t.csv", extras="keep")
        assert got["x\ty"].tolist() == ["2"]
        assert got["z\u200b"].tolist() == ["3"]

    def test_an_unterminated_string_is_scanned_once(self) -> None:
        """A deep document with an unterminated string of escaped quotes is refused (the scan is linear)."""
        text = "[" * 201 + '"' + '\\"' * 20_000
        with pytest.raises(ValidationError, match="deeper than 200"):
            _io.load_json(text)

    def test_a_bom_does_not_shift_the_position_of_a_bad_byte(self) -> None:
        """After a UTF-8 byte-order mark the bad byte is named at its own line and column."""
        for data in (b"\xef\xbb\xbfab\n\x93", b"ab\n\x93"):
            with pytest.raises(ValidationError, match=r"byte 0x93 at line 2, column 1") as caught:
                _io.decode(data, source="x.csv")
            assert caught.value.issues[0].path == "x.csv:2"
        with pytest.raises(ValidationError, match=r"byte 0x93 at line 2, column 1"):
            _io.decode(b"\xef\xbb\xbfab\n\x93", source="x.csv", encoding="utf-8-sig")
        assert _io.decode(b"\xef\xbb\xbfab", source="x.csv", encoding="utf-8") == "ab"

    def test_an_encoding_that_decodes_nothing_is_refused(self) -> None:
        """Python's "undefined" codec is a ValidationError, not a bare UnicodeError."""
        with pytest.raises(ValidationError, match="cannot decode with encoding 'undefined'"):
            _io.decode(b"ab", source="x.csv", encoding="undefined")

    def test_narrowest_of_strided_and_zero_dimensional_arrays(self) -> None:
        """A strided view and a 0-d array are narrowed like any other array of text."""
        wide = np.array(["ab", "c", "de", "f"], dtype="<U8")
        assert narrowest(wide[::2]).dtype == np.dtype("<U2")
        assert narrowest(wide[::2]).tolist() == ["ab", "de"]
        assert narrowest(np.array("abc", dtype="<U9")).dtype == np.dtype("<U3")


class TestBrokenPipe:
    def test_a_reader_that_goes_away_ends_quietly(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A broken pipe exits 1 even when stdout is no file (a StringIO), leaking no descriptor."""
        def broken(_: object) -> int:
            raise BrokenPipeError

        monkeypatch.setattr("comanaged_rcm.raci._cli._template", broken)
        monkeypatch.setattr("sys.stdout", io.StringIO())
        before = len(list(Path("/proc/self/fd").iterdir()))
        assert cli.main(["raci", "template"]) == 1
        assert len(list(Path("/proc/self/fd").iterdir())) == before
