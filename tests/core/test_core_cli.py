"""The command-line shell: version, help, and one-line errors with exit status 2."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import types

import pytest

from comanaged_rcm import __version__, cli
from comanaged_rcm.errors import ValidationError


def _fake_module(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    def fail(_: argparse.Namespace) -> int:
        raise error

    def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        parser = sub.add_parser("boom", help="always fails")
        parser.set_defaults(handler=fail)

    module = types.ModuleType("fake_commands")
    module.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_commands", module)
    monkeypatch.setattr(cli, "_SUBCOMMAND_MODULES", ("fake_commands",))


class TestShell:
    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``--version`` prints the installed version."""
        with pytest.raises(SystemExit) as info:
            cli.main(["--version"])
        assert info.value.code == 0
        assert capsys.readouterr().out.strip() == f"comanaged-rcm {__version__}"

    def test_no_command_prints_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without a command the help is printed and the exit status is 0."""
        assert cli.main([]) == 0
        assert "usage: comanaged-rcm" in capsys.readouterr().out

    def test_library_error_is_one_line_exit_2(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An RCMError becomes one stderr line and exit status 2, with no traceback."""
        _fake_module(monkeypatch, ValidationError.single("$.confidence", "range", "must be in (0, 1)"))
        assert cli.main(["boom"]) == 2
        err = capsys.readouterr().err
        assert err == "comanaged-rcm boom: error: 1 validation issue: must be in (0, 1) @ $.confidence\n"

    def test_missing_file_is_one_line_exit_2(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A missing input file is reported with its name."""
        _fake_module(monkeypatch, FileNotFoundError(2, "No such file or directory", "x.csv"))
        assert cli.main(["boom"]) == 2
        assert capsys.readouterr().err == "comanaged-rcm boom: error: No such file or directory: x.csv\n"

    def test_closed_pipe_stops_quietly(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """When the reader of stdout goes away (``| head``) the command stops without an error
        line, and stdout is pointed at the null device so the exit flush cannot fail again."""
        _fake_module(monkeypatch, BrokenPipeError(32, "Broken pipe"))
        redirected: list[int] = []
        monkeypatch.setattr(os, "open", lambda *_: 99)
        monkeypatch.setattr(os, "dup2", lambda _, target: redirected.append(target))
        monkeypatch.setattr(sys.stdout, "fileno", lambda: 1)
        assert cli.main(["boom"]) == 1
        assert capsys.readouterr().err == ""
        assert redirected == [1]

    def test_unknown_command_is_a_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """argparse's own usage errors exit 2 too."""
        with pytest.raises(SystemExit) as info:
            cli.main(["no-such-command"])
        assert info.value.code == 2
        assert "invalid choice" in capsys.readouterr().err


class TestInternalErrors:
    def test_internal_error_is_one_line_exit_70(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bug (an exception that is not an RCMError or OSError) prints one line naming it and
        how to report it, with exit status 70, never a traceback."""
        _fake_module(monkeypatch, ZeroDivisionError("division by zero\nsecond line"))
        assert cli.main(["boom"]) == cli.INTERNAL_ERROR == 70
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert err.startswith("comanaged-rcm boom: internal error: ZeroDivisionError: division by zero sec")
        assert "this is a bug; please report it" in err
        assert "--debug" in err

    @pytest.mark.parametrize("argv", [["--debug", "boom"], ["boom", "--debug"]])
    def test_debug_reraises(self, monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
        """``--debug``, before or after the command, re-raises so the traceback can be reported."""
        _fake_module(monkeypatch, ZeroDivisionError("division by zero"))
        with pytest.raises(ZeroDivisionError):
            cli.main(argv)

    def test_debug_reraises_library_errors_too(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With ``--debug`` a library error shows its traceback as well."""
        _fake_module(monkeypatch, ValidationError.single("$.n", "range", "bad"))
        with pytest.raises(ValidationError):
            cli.main(["--debug", "boom"])

    def test_interrupt_is_quiet(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Ctrl-C stops with one line and exit status 130."""
        _fake_module(monkeypatch, KeyboardInterrupt())
        assert cli.main(["boom"]) == 130
        assert capsys.readouterr().err == "comanaged-rcm boom: interrupted\n"


class TestArgv:
    @pytest.mark.parametrize("argv", ["kpi", 3, [3], ["kpi", None], object()])
    def test_argv_must_be_strings(self, argv: object) -> None:
        """``main`` called from Python with something other than a list of strings is a
        ValidationError at ``$.argv``."""
        with pytest.raises(ValidationError) as info:
            cli.main(argv)  # type: ignore[arg-type]
        assert info.value.issues[0].path.startswith("$.argv")


class TestUnencodableOutput:
    def test_ascii_stdout_gets_ascii(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """On a stream that cannot encode them, sparkline blocks print as ``_.-=+*#@`` and other
        characters as their nearest ASCII, instead of a UnicodeEncodeError; the stream is
        restored afterwards."""

        def show(_: argparse.Namespace) -> int:
            print("\u2581\u2584\u2588 caf\u00e9 \u2014 \u2265 96% \u4e2d")  # noqa: T201 - a command prints
            return 0

        def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
            sub.add_parser("show").set_defaults(handler=show)

        module = types.ModuleType("fake_show")
        module.register = register  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "fake_show", module)
        monkeypatch.setattr(cli, "_SUBCOMMAND_MODULES", ("fake_show",))
        raw = io.BytesIO()
        stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
        monkeypatch.setattr(sys, "stdout", stream)
        assert cli.main(["show"]) == 0
        assert sys.stdout is stream
        assert stream.errors == "strict"
        stream.flush()
        assert raw.getvalue() == b"_=@ cafe - >= 96% ?\n"


class TestModuleEntryPoint:
    def test_python_dash_m(self) -> None:
        """``python -m comanaged_rcm --version`` works like the console script."""
        out = subprocess.run(
            [sys.executable, "-m", "comanaged_rcm", "--version"], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == f"comanaged-rcm {__version__}"
