"""Every public edge holds: bad input to any public name raises an RCMError subclass, nothing else.

The test enumerates every public name of every package's ``__all__`` (so a new public name is
covered without anyone remembering to: it fails until the name has an example call) and, starting
from a valid example call (``tests/fuzz/examples_*.py``), substitutes each probe of
:mod:`tests.fuzz.probes` for each parameter in turn. Each call must, within a bounded time,
either return or raise a subclass of :class:`~comanaged_rcm.errors.RCMError`:

* a :class:`~comanaged_rcm.errors.ValidationError` names the path of the offending argument
  (``$.n``, ``$.rules[2].when``);
* any other subclass says what was wrong in its message;
* every message is printable (encodes as UTF-8) and short enough to read;
* a call given NaN that returns does not carry that NaN into the fields of what it built.

A hypothesis test then throws generated values (any text, huge integers, floats with NaN,
nested containers) at randomly chosen parameters; its number of examples is set by the
hypothesis profile (``ci``, the default: a fixed seed and no deadline; ``long``: many more
examples, run with ``pytest -m fuzz --hypothesis-profile=long tests/fuzz``).
"""

from __future__ import annotations

import contextlib
import enum
import importlib
import inspect
import math
import pkgutil
import signal
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import comanaged_rcm
from comanaged_rcm.errors import RCMError, ValidationError
from tests.fuzz.probes import PROBES, Call

SECONDS_PER_CALL = 20
"""A call that takes longer than this is a hang (the machine running CI is small and loaded)."""

MAX_MESSAGE = 4_000
"""The longest error message accepted: an error quotes a bad value, it does not dump it."""


# --------------------------------------------------------------------------------- enumeration
def public_modules() -> list[str]:
    """Every public module of the package (no part of its dotted name starts with ``_``)."""
    names = ["comanaged_rcm"]
    names.extend(
        info.name
        for info in pkgutil.walk_packages(comanaged_rcm.__path__, "comanaged_rcm.")
        if not any(part.startswith("_") for part in info.name.split("."))
    )
    return sorted(names)


def _builtin_constructor(cls: type) -> bool:
    """Whether the ``__init__`` a class uses is a builtin's (an exception taking any message)."""
    owner = next(k for k in cls.__mro__ if "__init__" in vars(k))
    return owner.__module__ == "builtins"


def _skipped_kind(obj: object) -> str | None:
    """Why a public name is not a callable to fuzz, or ``None`` when it is one."""
    if isinstance(obj, type) and issubclass(obj, enum.Enum):
        return "an enum: its members are values, fuzzed where parameters take them"
    if isinstance(obj, type) and issubclass(obj, BaseException) and _builtin_constructor(obj):
        return "an exception with the builtin constructor: it takes any message"
    if isinstance(obj, type) and getattr(obj, "_is_protocol", False):
        return "a protocol: it describes what callers implement"
    if typing.get_origin(obj) is not None or isinstance(obj, types.GenericAlias):
        return "a type alias"
    if not callable(obj):
        return "not callable"
    return None


def public_callables() -> dict[str, object]:
    """``module.name`` -> object, for every callable public name (enums and protocols aside)."""
    found: dict[str, object] = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if _skipped_kind(obj) is None:
                found[f"{module_name}.{name}"] = obj
    return found


def _load_examples() -> tuple[dict[str, Callable[[], Call]], dict[str, Any], dict[str, str], dict[str, str]]:
    examples: dict[str, Callable[[], Call]] = {}
    methods: dict[str, Any] = {}
    excluded: dict[str, str] = {}
    documents: dict[str, str] = {}
    tables = (("EXAMPLES", examples), ("METHODS", methods), ("EXCLUDED", excluded), ("DOCUMENTS", documents))
    for path in sorted(Path(__file__).parent.glob("examples_*.py")):
        module = importlib.import_module(f"tests.fuzz.{path.stem}")
        for source, target in tables:
            table = getattr(module, source, {})
            clash = set(table) & set(target)
            assert not clash, f"{path.name} repeats {sorted(clash)}"
            target.update(table)
    return examples, methods, excluded, documents


EXAMPLES, METHODS, EXCLUDED, DOCUMENTS = _load_examples()
"""``DOCUMENTS`` maps a name to its parameter that is a whole document (``serialize.from_dict``'s
``data``): the errors of such a call are rooted at the document (``$.workflows[2].kind``), so any
path is accepted from it, whichever argument was bad (a ``cls`` the document cannot become)."""
CALLABLES = public_callables()


# --------------------------------------------------------------------------------------- calls
class Hang(BaseException):
    """Raised into a call that ran past :data:`SECONDS_PER_CALL`."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block with :class:`Hang` after ``seconds`` (main thread, POSIX)."""

    def interrupt(*_: object) -> None:
        raise Hang

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parameters(target: Callable[..., object], call: Call) -> list[tuple[str, int | str]]:
    """``(name, slot)`` for every argument of ``call``: an index into args or a keyword."""
    try:
        names = [p.name for p in inspect.signature(target).parameters.values()]
    except (TypeError, ValueError):
        names = []
    slots: list[tuple[str, int | str]] = [
        (names[i] if i < len(names) else f"args[{i}]", i) for i in range(len(call.args))
    ]
    slots.extend((key, key) for key in call.kwargs)
    return slots


def substitute(call: Call, slot: int | str, value: object) -> Call:
    """``call`` with the argument in ``slot`` replaced by ``value``."""
    if isinstance(slot, int):
        args = list(call.args)
        args[slot] = value
        return Call(tuple(args), dict(call.kwargs))
    return Call(call.args, {**call.kwargs, slot: value})


def _carries_nan(result: object) -> str | None:
    """The first field of an attrs result that holds a float NaN, if any."""
    if not attrs.has(type(result)):
        return None
    for field in attrs.fields(type(result)):  # type: ignore[arg-type]
        value = getattr(result, field.name, None)
        if isinstance(value, float) and math.isnan(value):
            return str(field.name)
    return None


def _path_names(path: str, parameter: str) -> bool:
    """Whether ``path`` is the parameter's own path or one below it."""
    root = f"$.{parameter}"
    return path == root or path.startswith((f"{root}.", f"{root}["))


def check_call(
    target: Callable[..., object],
    call: Call,
    parameter: str,
    probe: str,
    *,
    exits: bool = False,
    related: tuple[str, ...] = (),
    document: bool = False,
) -> str | None:
    """Make the call; return what is wrong with how it ended, or ``None`` when it held.

    ``related`` names the other parameters a ValidationError may point at instead: when the
    probe has the type of the valid value it replaced, it can break a relation between fields
    (a start after the end), which the error rightly reports at the other field.
    """
    try:
        with time_limit(SECONDS_PER_CALL):
            result = target(*call.args, **call.kwargs)
    except Hang:
        return f"{parameter}={probe}: no answer within {SECONDS_PER_CALL} s"
    except SystemExit as exc:
        if exits and exc.code in (0, 1, 2):
            return None
        return f"{parameter}={probe}: SystemExit({exc.code!r})"
    except RCMError as exc:
        return _check_error(exc, parameter, probe, related, document=document)
    except Exception as exc:  # noqa: BLE001 - the point of the test is to catch these
        return f"{parameter}={probe}: {type(exc).__name__}: {_short(exc)}{_hint(exc)}"
    if exits and result not in (0, 1, 2):
        return f"{parameter}={probe}: exit status {result!r} (70 is an internal error: a bug)"
    if "NaN" in probe and (field := _carries_nan(result)) is not None:
        return f"{parameter}={probe}: returned a {type(result).__name__} with NaN in {field!r}"
    return None


def _hint(exc: BaseException) -> str:
    """Where the usual escapes come from, so that the report says how to fix them."""
    text = _short(exc)
    if (isinstance(exc, RecursionError | RuntimeError) and "repr" in text) or "integer string" in text:
        return " (quote values in messages with comanaged_rcm._check.show, never {value!r})"
    return ""


def _short(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - an unprintable message is itself the finding
        return "<unprintable message>"
    return text if len(text) <= 160 else f"{text[:150]}..."


def _check_error(
    exc: RCMError, parameter: str, probe: str, related: tuple[str, ...] = (), *, document: bool = False
) -> str | None:
    try:
        message = str(exc)
        message.encode("utf-8")
    except Exception as inner:  # noqa: BLE001 - an unprintable message is the finding
        return f"{parameter}={probe}: {type(exc).__name__} message cannot be printed ({type(inner).__name__})"
    if not message.strip():
        return f"{parameter}={probe}: {type(exc).__name__} with an empty message"
    if len(message) > MAX_MESSAGE:
        return (
            f"{parameter}={probe}: {type(exc).__name__} message of {len(message):,} characters"
            " (quote values in messages with comanaged_rcm._check.show)"
        )
    if isinstance(exc, ValidationError) and not document:
        paths = [issue.path for issue in exc.issues]
        named = [parameter] if not related else [parameter, *related]
        if not parameter.startswith("args[") and not any(_path_names(p, n) for p in paths for n in named):
            return f"{parameter}={probe}: ValidationError at {paths[:3]}, not at $.{parameter}"
    return None


def _target(name: str) -> tuple[Callable[..., object], Callable[[], Call]]:
    if name in EXAMPLES:
        return CALLABLES[name], EXAMPLES[name]  # type: ignore[return-value]
    owner, method, factory = METHODS[name]()
    return getattr(owner, method), lambda: factory


def probe_all(name: str, probe_names: list[str]) -> list[str]:
    """Every escape found by substituting each probe for each parameter of ``name``'s example."""
    target, example = _target(name)
    exits = name == "comanaged_rcm.cli.main"
    baseline = example()
    escapes: list[str] = []
    slots = parameters(target, baseline)
    others = {p: tuple(q for q, _ in slots if q != p) for p, _ in slots}
    for parameter, slot in slots:
        original = baseline.args[slot] if isinstance(slot, int) else baseline.kwargs[slot]
        for probe in probe_names:
            value = PROBES[probe]()
            related = others[parameter] if type(value) is type(original) else ()
            call = substitute(example(), slot, value)
            found = check_call(
                target,
                call,
                parameter,
                probe,
                exits=exits,
                related=related,
                document=name in DOCUMENTS,
            )
            if found:
                escapes.append(found)
    return escapes


# --------------------------------------------------------------------------------------- tests
class TestEnumeration:
    def test_every_public_callable_has_an_example(self) -> None:
        """A public name without an example call (or a stated reason to exclude it) fails here."""
        missing = sorted(set(CALLABLES) - set(EXAMPLES) - set(EXCLUDED))
        assert not missing, f"add example calls to tests/fuzz/examples_*.py for: {missing}"

    def test_examples_name_public_callables(self) -> None:
        """An example for a name that is no longer public is stale."""
        stale = sorted(set(EXAMPLES) - set(CALLABLES))
        assert not stale, f"examples for names that are not public callables: {stale}"

    def test_exclusions_give_a_reason(self) -> None:
        """Excluding a public name takes a reason, and the name must exist."""
        for name, reason in EXCLUDED.items():
            assert name in CALLABLES, f"{name} is excluded but not a public callable"
            assert len(reason) > 10, f"{name} is excluded without a reason"

    def test_enumeration_finds_every_package(self) -> None:
        """The walk reaches every public package, so none is left out of the fuzz test."""
        modules = set(public_modules())
        for package in ("raci", "kpi", "sampling", "escalation", "cycle", "synthetic"):
            assert f"comanaged_rcm.{package}" in modules
        assert not any("._" in m for m in modules)

    @pytest.mark.parametrize("name", sorted(EXAMPLES) + sorted(METHODS))
    def test_example_is_valid(self, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each example call succeeds as given: probes start from a call that works."""
        monkeypatch.chdir(tmp_path)
        target, example = _target(name)
        call = example()
        if name == "comanaged_rcm.cli.main":
            assert target(*call.args, **call.kwargs) == 0
        else:
            target(*call.args, **call.kwargs)


@pytest.mark.parametrize("name", sorted(EXAMPLES) + sorted(METHODS))
def test_bad_values_raise_only_library_errors(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every probe in every parameter returns or raises an RCMError naming the parameter."""
    monkeypatch.chdir(tmp_path)
    escapes = probe_all(name, sorted(PROBES))
    capsys.readouterr()
    assert not escapes, f"{len(escapes)} escapes from {name}:\n" + "\n".join(escapes)


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**500), max_value=10**500)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.binary(max_size=20)
    | st.dates()
    | st.datetimes(timezones=st.none() | st.timezones()),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.fuzz
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_generated_values_raise_only_library_errors(
    data: st.DataObject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Generated values (any text, huge integers, NaN, nesting) in a random parameter hold too."""
    monkeypatch.chdir(tmp_path)
    name = data.draw(st.sampled_from(sorted(EXAMPLES) + sorted(METHODS)), label="name")
    target, example = _target(name)
    slots = parameters(target, example())
    if not slots:
        return
    parameter, slot = data.draw(st.sampled_from(slots), label="parameter")
    value = data.draw(_VALUES, label="value")
    baseline = example()
    original = baseline.args[slot] if isinstance(slot, int) else baseline.kwargs[slot]
    related = tuple(q for q, _ in slots if q != parameter) if type(value) is type(original) else ()
    found = check_call(
        target,
        substitute(baseline, slot, value),
        parameter,
        "generated",
        exits=name == "comanaged_rcm.cli.main",
        related=related,
        document=name in DOCUMENTS,
    )
    capsys.readouterr()
    assert found is None, f"{name}: {found} (value {value!r:.200})"
