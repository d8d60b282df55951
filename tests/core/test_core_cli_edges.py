"""Every subcommand, every file argument, every hostile file: one line, exit 0/1/2, nothing partial.

The subcommands and their file arguments are enumerated from :func:`build_parser` (a file
argument is one whose metavar ends in ``JSON`` or ``CSV``), so a new subcommand or a new file
argument is covered as soon as it has a valid example in :data:`VALID`, and
:meth:`TestCoverage.test_every_command_has_an_example` fails until it does.
"""

from __future__ import annotations

import argparse
import codecs
import datetime
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest

from comanaged_rcm.cli import build_parser, main
from comanaged_rcm.cycle import Snapshot, default_engagement, open_history
from comanaged_rcm.escalation import default_rules
from comanaged_rcm.raci import co_managed_template
from comanaged_rcm.serialize import to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book, write_csv

BOOK_SEED, BOOK_CLAIMS = 4, 400
RULE_TESTS = resources.files("comanaged_rcm.escalation") / "default_rules_test.json"

# A valid call of every subcommand; ``{name}`` is a file of the ``files`` fixture.
VALID: dict[str, list[str]] = {
    "raci check": ["raci", "check", "{split}"],
    "raci template": ["raci", "template"],
    "raci matrix": ["raci", "matrix", "{split}"],
    "raci diff": ["raci", "diff", "{split}", "{split2}"],
    "kpi": [
        "kpi", "--transactions", "{transactions}", "--submissions", "{submissions}", "--work-items",
        "{work_items}", "--ledger", "{ledger}", "--map", "{map}", "--from", "2026-10-01",
        "--to", "2026-11-01",
    ],
    "sample-size": ["sample-size", "--confidence", "0.95", "--tolerable", "0.05"],
    "sample-eval": [
        "sample-eval", "--kind", "variables", "--estimator", "difference", "--sample", "{sample}",
        "--population", "30", "--book-total", "2500", "--confidence", "0.9",
    ],
    "sample-select": ["sample-select", "--replay", "{workpaper}", "--items", "{items}"],
    "escalate run": [
        "escalate", "run", "--rules", "{rules}", "--records", "{work_items}", "--split", "{split}",
        "--map", "{map}", "--now", "2026-11-02",
    ],
    "escalate test": ["escalate", "test", "{ruletest}", "--split", "{split}"],
    "demo": ["demo", "--claims", "300"],
    "report": [
        "report", "--engagement", "{engagement}", "--submissions", "{submissions}", "--transactions",
        "{transactions}", "--work-items", "{work_items}", "--audits", "{audits}", "--map", "{map}",
        "--as-of", "{as_of}",
    ],
    "engagement": ["engagement", "--check", "{engagement}"],
    "decide": [
        "decide", "--history", "{history}", "--decision", "write_off", "--key", "CLM-1", "--verdict",
        "approve", "--actor", "client_rcm_director", "--amount", "120", "--at", "2026-11-03T09:30-05:00",
    ],
    "ack": ["ack", "--history", "{history}", "--key", "K-1", "--actor", "onshore_lead", "--note", "on it"],
    "map": ["map", "--check", "{map}"],
    "synthetic export": ["synthetic", "export", "{out}", "--claims", "300"],
    "synthetic parquet": ["synthetic", "parquet", "{out}", "--transactions", "100", "--chunk-claims", "50"],
}  # fmt: skip
# Valid calls for file arguments that the call in VALID cannot hold (options it excludes).
ALSO: dict[str, list[list[str]]] = {
    "map": [["map", "--suggest", "{submissions}", "--table", "submissions"]],
}


def _words(command: str, flag: str | None = None) -> list[str]:
    """The valid call of ``command`` that holds ``flag`` (VALID's call when it does)."""
    calls: list[list[str]] = [VALID[command], *ALSO.get(command, [])]
    for words in calls:
        if flag is None or not flag.startswith("-") or flag in words:
            return words
    return VALID[command]


def _commands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every runnable (sub)command of ``parser`` by its words (``raci check``), with its parser."""
    nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not nested:
        yield prefix.strip(), parser
        return
    for action in nested:
        for name, sub in action.choices.items():
            yield from _commands(sub, f"{prefix} {name}")


def _file_arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a for a in parser._actions
        if isinstance(a.metavar, str) and a.metavar.endswith(("JSON", "CSV"))
        and not (a.help or "").startswith("deprecated alias")  # the new flag's cases cover it
    ]


COMMANDS = dict(_commands(build_parser()))
CASES = [
    (command, action.metavar, action.option_strings[0] if action.option_strings else action.dest)
    for command, parser in COMMANDS.items()
    for action in _file_arguments(parser)
]


def _cp1252(_: bytes) -> bytes:
    return b"claim_id,amount\n\x93quoted\x94,1\n"


def _stray_quote(valid: bytes) -> bytes:
    lines = valid.split(b"\n")
    if len(lines) < 3 or valid.lstrip().startswith((b"{", b"[")):
        return b'claim_id,amount\nC1,1\n"C2,2\nC3,3\n'
    return b"\n".join([*lines[:2], b'"' + lines[2], *lines[3:]])  # opens on line 3, never closes


def _duplicate_header(valid: bytes) -> bytes:
    lines = valid.decode("utf-8").splitlines()
    if not lines or lines[0].lstrip().startswith(("{", "[")):
        return b"a,b,a\n1,2,3\n"
    first = lines[0].split(",")[0]
    doubled = [f"{lines[0]},{first}", *(f"{line},x" for line in lines[1:])]
    return "\n".join(doubled).encode("utf-8") + b"\n"


def _duplicate_key(valid: bytes) -> bytes:
    text = valid.decode("utf-8")
    if text.lstrip().startswith("{"):
        start = text.index("{") + 1
        key = next(iter(json.loads(text)))
        return (text[:start] + f"{json.dumps(key)}: null, " + text[start:]).encode("utf-8")
    return b'{"a": 1, "a": 2}'


# kind -> (how to make the bad bytes from the valid ones, refused whatever the argument is)
BAD: dict[str, tuple[Callable[[bytes], bytes] | None, bool]] = {
    "missing": (None, True),
    "directory": (None, True),
    "empty": (lambda _: b"", True),
    "cp1252": (_cp1252, True),
    "utf-16 with BOM": (lambda v: codecs.BOM_UTF16_LE + v.decode("utf-8").encode("utf-16-le"), False),
    "utf-8 with BOM": (lambda v: codecs.BOM_UTF8 + v, False),
    "stray quote": (_stray_quote, True),
    "duplicate CSV header": (_duplicate_header, False),
    "duplicate JSON key": (_duplicate_key, False),
    "5000-digit integer": (lambda _: b'{"id": ' + b"7" * 5000 + b"}", False),
    "10,000-deep JSON": (lambda _: b"[" * 10_000 + b"]" * 10_000, False),
    "NUL bytes": (lambda v: v[:8] + b"\x00" + v[8:], True),
}


@pytest.fixture(scope="module")
def book() -> SyntheticBook:
    return generate_book(seed=BOOK_SEED, claims=BOOK_CLAIMS)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, book: SyntheticBook) -> dict[str, str]:
    root = tmp_path_factory.mktemp("valid")
    paths = {name: str(path) for name, path in write_csv(book, root).items()}
    split = co_managed_template()
    for name, text in {
        "split": to_json(split, indent=2),
        "split2": to_json(split),
        "engagement": to_json(default_engagement(), indent=2),
        "rules": to_json(default_rules()),
        "ledger": "month,npsr,cost_to_collect\n2026-10-01,2500.0,35.0\n",
        "audits": "item_id,workflow,error\nW1,denials,false\n",
        "items": "id,book_value\nC1,10\nC2,20\nC3,30\n",
        "sample": "audit_value,book_value\n90,100\n100,100\n45,50\n",
        "ruletest": RULE_TESTS.read_text("utf-8"),
        "map": '{"tables": {"work_items": {}}}',
    }.items():
        suffix = "csv" if name in ("ledger", "audits", "items", "sample") else "json"
        path = root / f"{name}.{suffix}"
        path.write_text(text, encoding="utf-8")
        paths[name] = str(path)
    paths["as_of"] = str(book.period.end)
    paths["out"] = str(root / "export")
    workpaper = root / "workpaper"
    drawn = ["sample-select", "--items", paths["items"], "--n", "2", "--seed", "1"]
    drawn += ["--workpaper", str(workpaper)]
    assert main(drawn) == 0
    paths["workpaper"] = str(workpaper / "workpaper.json")
    with open_history(root / "history.db") as history:  # decide and ack file under a recorded week
        history.record_week(datetime.date(2026, 10, 26), Snapshot())
    paths["history"] = str(root / "history.db")
    return paths


def _argv(command: str, files: dict[str, str], flag: str | None = None) -> list[str]:
    return [word.format(**files) for word in _words(command, flag)]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def _assert_one_line(status: int, err: str) -> None:
    assert status in {0, 1, 2}, err
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 4, err  # demo and report print a "wrote" line per file


def _snapshot(directory: Path) -> dict[str, bytes]:
    """Every file and directory below ``directory`` (hidden ones included), with its bytes."""
    paths = sorted(directory.rglob("*"))
    return {str(p.relative_to(directory)): p.read_bytes() if p.is_file() else b"/" for p in paths}


class TestCoverage:
    def test_every_command_has_an_example(self) -> None:
        """Every subcommand of the parser has a valid call here, so none escapes these tests."""
        assert sorted(COMMANDS) == sorted(VALID), "give each new subcommand a valid call in VALID"

    def test_every_file_argument_is_in_its_example(self) -> None:
        """Each file argument of a command appears in the command's valid call."""
        for command, _, flag in CASES:
            assert command in VALID, f"add a valid call of {command!r} to VALID"
            words = _words(command, flag)
            assert not flag.startswith("-") or flag in words, f"add {flag} to VALID[{command!r}]"
            assert words[_position(command, flag)].startswith("{"), (command, flag)

    @pytest.mark.parametrize("command", sorted(VALID))
    def test_valid_calls_succeed(
        self, command: str, files: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The examples are valid: each exits 0 (``raci check`` 0 or 1)."""
        status, out, err = _run(_argv(command, files), capsys)
        assert status in ({0, 1} if command == "raci check" else {0}), err
        assert out


def _position(command: str, flag: str) -> int:
    """Where the file of ``flag`` (an option, or a positional's dest) is in the valid call."""
    words = _words(command, flag)
    if flag.startswith("-"):
        return words.index(flag) + 1
    placeholders = [i for i, word in enumerate(words) if word.startswith("{")]
    names = [a.dest for a in _file_arguments(COMMANDS[command]) if not a.option_strings]
    return placeholders[names.index(flag)]


def _substitute(command: str, flag: str, files: dict[str, str], replacement: str) -> list[str]:
    argv = _argv(command, files, flag)
    argv[_position(command, flag)] = replacement
    return argv


class TestHostileFiles:
    @pytest.mark.parametrize("kind", list(BAD))
    @pytest.mark.parametrize("case", CASES, ids=[f"{c}-{f}" for c, _, f in CASES])
    def test_file_argument(
        self, case: tuple[str, str, str], kind: str, files: dict[str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:  # fmt: skip
        """A hostile file in any file argument ends in exit 0, 1 or 2 with at most a line or two
        on stderr and never a traceback; when it fails, ``--out DIR`` is left as it was."""
        command, metavar, flag = case
        original = _argv(command, files, flag)[_position(command, flag)]
        make, refused = BAD[kind]
        target = tmp_path / f"bad.{metavar.lower().rpartition('_')[2]}"
        if kind == "directory":
            target.mkdir()
        elif make is not None:
            target.write_bytes(make(Path(original).read_bytes()))
        argv = _substitute(command, flag, files, str(target))
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        (out_dir / "keep.txt").write_text("mine", encoding="utf-8")
        (out_dir / "report.md").write_text("last week", encoding="utf-8")
        before = _snapshot(out_dir)
        if "--out" in _option_strings(command):
            argv += ["--out", str(out_dir)]
        status, _, err = _run(argv, capsys)
        _assert_one_line(status, err)
        if refused or (kind.startswith(("duplicate", "5000", "10,000")) and metavar.endswith("JSON")):
            assert status == 2, err
            assert err.startswith(f"comanaged-rcm {command.split()[0]}: error: "), err
        if kind == "stray quote" and metavar.endswith("CSV"):
            assert "is never closed" in err or "characters long" in err, err
        if kind.endswith("BOM"):
            assert status in ({0, 1} if command == "raci check" else {0}), err
        if status != 0:
            assert _snapshot(out_dir) == before


def _option_strings(command: str) -> set[str]:
    return {s for a in COMMANDS[command]._actions for s in a.option_strings}


class TestOtherEdges:
    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
    def test_extreme_dates_on_the_command_line(
        self, day: str, files: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Dates at the ends of the calendar are a clear error, never an OverflowError."""
        for argv, flag in (
            (_argv("report", {**files, "as_of": day}), "--as-of"),
            (["kpi", "--transactions", files["transactions"], "--from", day, "--to", "2026-11-01"], "--from"),
            (["kpi", "--transactions", files["transactions"], "--from", "2026-10-01", "--to", day], "--to"),
            (["escalate", "--default-rules", "--records", files["work_items"], "--now", day], "--now"),
        ):
            status, _, err = _run(argv, capsys)
            assert status == 2, err
            assert f"{flag} must be between 1900-01-01 and 2999-12-31 (got {day}) @ {flag}" in err

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
    def test_extreme_dates_in_files(
        self, day: str, files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Dates at the ends of the calendar inside a CSV never end in a traceback."""
        lines = Path(files["transactions"]).read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        rows = [line.split(",") for line in lines[1:]]
        for row in rows[:5]:
            for i, name in enumerate(header):
                if name.endswith("_date") and row[i]:
                    row[i] = day
        extreme = tmp_path / "tx.csv"
        extreme.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
        for command in ("kpi", "report"):
            argv = _substitute(command, "--transactions", files, str(extreme))
            status, _, err = _run(argv, capsys)
            _assert_one_line(status, err)

    def test_encoding_option(
        self, files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--encoding cp1252`` reads a cp1252 export; an unknown encoding is a usage error."""
        cp = tmp_path / "activity.csv"
        cp.write_bytes(Path(files["work_items"]).read_bytes())
        with cp.open("ab") as handle:
            handle.write(b"W\x93x\x94,denials,team_a,2026-10-05,,1,false,,\n")
        argv = ["escalate", "--rules", files["rules"], "--records", str(cp), "--now", "2026-11-02"]
        status, _, err = _run(argv, capsys)
        assert status == 2
        assert "not UTF-8" in err
        status, _, err = _run([*argv, "--encoding", "cp1252"], capsys)
        assert status == 0, err
        status, _, err = _run([*argv, "--encoding", "klingon"], capsys)
        assert status == 2
        assert "unknown encoding 'klingon'" in err

    def test_missing_file_names_the_flag(
        self, files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A file that is not there is reported at the flag that named it, with the file's name."""
        missing = str(tmp_path / "nope.csv")
        cases = (("kpi", "--transactions"), ("report", "--submissions"), ("escalate run", "--records"))
        for command, flag in cases:
            status, _, err = _run(_substitute(command, flag, files, missing), capsys)
            assert status == 2
            assert err.endswith(f"cannot read {missing!r} (No such file or directory) @ {flag}\n"), err

    def test_out_that_cannot_be_written(
        self, files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--out`` with a directory in the way of a report file fails cleanly and changes nothing."""
        out = tmp_path / "out"
        (out / "report.html").mkdir(parents=True)
        (out / "report.md").write_text("last week", encoding="utf-8")
        before = _snapshot(out)
        status, _, err = _run([*_argv("report", files), "--out", str(out)], capsys)
        assert status == 2
        assert "a directory is in the way" in err
        assert _snapshot(out) == before


def _python(args: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, **env}
    environment.pop("PYTHONUTF8", None)
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "comanaged_rcm", *args],
        capture_output=True,
        env=environment,
        check=False,
        timeout=300,
    )


class TestSubprocess:
    @pytest.mark.parametrize("encoding", ["ascii", "cp437"])
    def test_stdout_that_cannot_encode_the_report(self, encoding: str) -> None:
        """With an ASCII or cp437 stdout the report prints, sparklines in ASCII, never a
        UnicodeEncodeError."""
        done = _python(["demo", "--claims", "300"], PYTHONIOENCODING=encoding)
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        assert b"Traceback" not in done.stderr
        text = done.stdout.decode(encoding)
        assert not any(block in text for block in "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588")
        assert "Net collection rate" in text

    def test_hostile_file_in_a_subprocess(self, tmp_path: Path) -> None:
        """``python -m comanaged_rcm`` with a 10,000-deep JSON file prints one error line, exit 2."""
        deep = tmp_path / "deep.json"
        deep.write_bytes(b"[" * 10_000 + b"]" * 10_000)
        done = _python(["raci", "check", str(deep)], PYTHONIOENCODING="ascii")
        assert done.returncode == 2
        assert done.stderr.count(b"\n") == 1
        assert b"nested deeper than 200 levels" in done.stderr
