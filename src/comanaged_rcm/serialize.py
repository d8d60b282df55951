"""One preconfigured converter for every model: dicts and JSON in, frozen attrs objects out.

* Dates and datetimes travel as ISO 8601 strings, enums as their values, tuples and frozensets as
  lists (frozensets sorted, so the same object always gives the same bytes).
* Unknown keys are rejected. Primitives are not coerced: ``"6000"`` is not an ``int``, ``1`` is
  not a ``bool``.
* Any structuring failure becomes one :class:`~comanaged_rcm.errors.ValidationError` listing
  every problem with its path (``$.workflows[2].activities[0].kind``).

>>> import attrs, datetime
>>> @attrs.frozen
... class Window:
...     start: datetime.date
...     weeks: int
>>> to_json(Window(datetime.date(2026, 1, 5), 13))
'{"start": "2026-01-05", "weeks": 13}'
>>> from_dict({"start": "2026-01-05", "weeks": "13", "colour": 1}, Window)
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 2 validation issues: expected int (got '13') @ $.weeks;
unknown key 'colour' @ $.colour
"""

from __future__ import annotations

import datetime
import enum
import json
import re
import threading
import typing
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

import cattrs
import numpy as np
from cattrs.cols import is_any_set, is_sequence
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
    StructureHandlerNotFoundError,
)

from comanaged_rcm import _io
from comanaged_rcm._check import count, fail, show
from comanaged_rcm.errors import Issue, ValidationError

__all__ = ["converter", "from_dict", "from_json", "to_arrow", "to_dict", "to_json", "to_pandas", "to_polars"]

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
"""The library's one converter. Modules register hooks for their own special types on it."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _strict(kind: type[Any], *accepted: type[Any]) -> Any:
    def hook(value: object, _: type[Any]) -> Any:
        if isinstance(value, bool) and bool not in accepted:
            raise TypeError(f"expected {kind.__name__} (got {value!r})")
        if not isinstance(value, accepted):
            raise TypeError(f"expected {kind.__name__} (got {value!r})")
        return kind(value) if kind is float else value

    return hook


converter.register_structure_hook(int, _strict(int, int))
converter.register_structure_hook(float, _strict(float, int, float))
converter.register_structure_hook(str, _strict(str, str))
converter.register_structure_hook(bool, _strict(bool, bool))


def _structure_date(value: object, _: type[Any]) -> datetime.date:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO date string like '2026-01-31' (got {value!r})")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected an ISO date like '2026-01-31' (got {value!r})") from None


def _structure_datetime(value: object, _: type[Any]) -> datetime.datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO datetime string (got {value!r})")
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected an ISO datetime like '2026-01-31T09:00:00' (got {value!r})") from None


converter.register_structure_hook(datetime.date, _structure_date)
converter.register_unstructure_hook(datetime.date, datetime.date.isoformat)
converter.register_structure_hook(datetime.datetime, _structure_datetime)
converter.register_unstructure_hook(datetime.datetime, datetime.datetime.isoformat)


def _is_enum(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, enum.Enum)


def _enum_hook(cls: type[enum.Enum]) -> Any:
    members = {m.value: m for m in cls}
    choices = ", ".join(repr(v) for v in members)

    def hook(value: object, _: type[Any]) -> enum.Enum:
        try:
            return members[value]
        except (KeyError, TypeError):
            raise ValueError(f"expected one of {choices} (got {value!r})") from None

    return hook


converter.register_structure_hook_factory(_is_enum, _enum_hook)


def _is_set(cls: Any) -> bool:
    return cls in (set, frozenset) or typing.get_origin(cls) in (set, frozenset, AbstractSet)


def _unstructure_set(value: AbstractSet[Any]) -> list[Any]:
    items = [converter.unstructure(v) for v in value]
    return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))


converter.register_unstructure_hook_factory(_is_set, lambda _: _unstructure_set)


def _unstructure_array(array: np.ndarray[Any, Any]) -> Any:
    """A numpy array as nested lists; a float NaN (a value that is unavailable) becomes ``None``."""
    if array.dtype.kind == "f":
        cells = array.astype(object)
        cells[np.isnan(array)] = None
        return cells.tolist()
    return array.tolist()


def _is_array(cls: Any) -> bool:
    return cls is np.ndarray or typing.get_origin(cls) is np.ndarray


def _array_hook(cls: Any) -> Any:
    """Structure nested lists as an array of the annotation's dtype (``None`` is NaN in floats)."""
    args = typing.get_args(cls)
    scalar = typing.get_args(args[1])[0] if len(args) == 2 and typing.get_args(args[1]) else None
    dtype = np.dtype(scalar) if isinstance(scalar, type) and issubclass(scalar, np.generic) else None

    def hook(value: object, _: type[Any]) -> Any:
        if not isinstance(value, list):
            raise TypeError(f"expected a list (got {show(value)})")
        if dtype is not None and dtype.kind == "f":
            try:
                cells = np.array(value, dtype=object)
            except ValueError:  # ragged nesting
                cells = np.array([None, []], dtype=object)
            if not all(c is None or type(c) in {int, float} for c in cells.ravel().tolist()):
                raise TypeError("expected a list of numbers and nulls (lists of equal length)")
            return cells.astype(dtype)  # None becomes NaN
        return np.array(value, dtype=dtype)

    return hook


converter.register_unstructure_hook_factory(_is_array, lambda _: _unstructure_array)
converter.register_structure_hook_factory(_is_array, _array_hook)

_DEFAULT_LOOKUP = threading.local()


def _is_collection(cls: Any) -> bool:
    if getattr(_DEFAULT_LOOKUP, "active", False):
        return False
    return is_sequence(cls) or is_any_set(cls) or typing.get_origin(cls) is tuple


def _collection_hook(cls: Any) -> Any:
    """The converter's default hook for ``cls``, refusing text and mappings (not lists of letters)."""
    _DEFAULT_LOOKUP.active = True
    try:
        default = converter.get_structure_hook(cls, cache_result=False)
    finally:
        _DEFAULT_LOOKUP.active = False

    def hook(value: object, type_: Any) -> Any:
        if isinstance(value, str | bytes | Mapping):
            raise TypeError(f"expected a list (got {value!r})")
        return default(value, type_)

    return hook


converter.register_structure_hook_factory(_is_collection, _collection_hook)


def _child(path: str, note: object) -> str:
    if isinstance(note, AttributeValidationNote):
        return f"{path}.{note.name}"
    if isinstance(note, IterableValidationNote):
        index = note.index
        if isinstance(index, str) and _IDENTIFIER.match(index):
            return f"{path}.{index}"
        return f"{path}[{index!r}]"
    return path  # pragma: no cover - cattrs attaches one of the two notes above


def _issues(exc: BaseException, path: str) -> list[Issue]:
    if isinstance(exc, ValidationError):
        return [issue.under(path) for issue in exc.issues]
    if isinstance(exc, ForbiddenExtraKeysError):
        return [
            Issue(f"{path}.{key}", "unknown_key", f"unknown key {show(key)}")
            for key in sorted(exc.extra_fields, key=str)
        ]
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        with_notes, without = exc.group_exceptions()
        found: list[Issue] = []
        for inner, note in with_notes:
            found.extend(_issues(inner, _child(path, note)))
        for inner in without:
            found.extend(_issues(inner, path))
        return found
    if isinstance(exc, BaseValidationError):  # pragma: no cover - other cattrs groups
        return [i for inner in exc.exceptions for i in _issues(inner, path)]
    if isinstance(exc, KeyError):
        return [Issue(path, "missing", "required key is missing")]
    if isinstance(exc, AttributeError):  # cattrs reads .keys() of what should be a mapping
        return [Issue(path, "type", "expected a JSON object (mapping)")]
    if isinstance(exc, RecursionError):
        return [Issue(path, "depth", "the data is nested too deeply to build")]
    code = "type" if isinstance(exc, TypeError) else "value"
    return [Issue(path, code, str(exc) or type(exc).__name__)]


def to_dict(obj: Any) -> Any:
    """Unstructure a model (or a list/dict of models) into JSON-ready builtins.

    Args:
        obj: An attrs model, or a container of them.

    Returns:
        Dicts, lists, strings, numbers, booleans and ``None`` only.

    Raises:
        ValidationError: ``obj`` is nested too deeply to convert (at ``$.obj``).
    """
    try:
        return converter.unstructure(obj)
    except RecursionError:
        raise ValidationError.single("$.obj", "depth", "the object is nested too deeply to convert") from None
    except ValidationError:
        raise
    except ValueError as exc:  # a datetime whose time zone gives an impossible offset, say
        raise ValidationError.single("$.obj", "value", f"the object cannot be converted ({exc})") from None


def from_dict(data: Any, cls: type[T]) -> T:
    """Structure builtins into ``cls``, validating everything at once.

    Args:
        data: What :func:`to_dict` produced, or a document read from JSON.
        cls: The model class to build.

    Returns:
        The model.

    Raises:
        ValidationError: Listing every bad field with its path; nothing is half-built. Data
            nested too deeply to build is refused at ``$``, a ``cls`` the converter cannot build
            at ``$.cls``.
    """
    target: object = cls  # checked as what a caller may pass, not as annotated
    if not isinstance(target, type) and typing.get_origin(target) is None:
        fail("$.cls", "type", _unbuildable(cls))
    try:
        return converter.structure(data, cls)
    except StructureHandlerNotFoundError:
        raise ValidationError.single("$.cls", "type", _unbuildable(cls)) from None
    except RecursionError:
        raise ValidationError.single("$", "depth", "the data is nested too deeply to build") from None
    except Exception as exc:  # noqa: BLE001 - whatever a hook raised becomes an issue at its path
        try:
            issues = _issues(exc, "$")
        except RecursionError:
            issues = [Issue("$", "depth", "the data is nested too deeply to build")]
        raise ValidationError(issues) from None


def _unbuildable(cls: object) -> str:
    return f"'cls' must be a model class or type the converter can build (got {show(cls)})"


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """Serialize a model to a JSON string; the same object always gives the same string.

    Args:
        obj: An attrs model, or a container of them.
        indent: Spaces per level (0 to 16), passed to :func:`json.dumps`; ``None`` gives one line.

    Raises:
        ValidationError: ``obj`` holds something JSON cannot carry (NaN or an infinity, an integer
            of more than 4,300 digits, an object of no JSON type) or is nested too deeply
            (at ``$.obj``); ``indent`` is out of range (at ``$.indent``).
    """
    given: object = indent  # checked as what a caller may pass, not as annotated
    if given is not None and (not isinstance(given, int) or isinstance(given, bool)):
        fail("$.indent", "type", f"'indent' must be an int or None (got {show(given)})")
    if indent is not None:
        indent = count(indent, "$.indent", maximum=16)
    data = to_dict(obj)
    try:
        return json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
    except RecursionError:
        raise ValidationError.single("$.obj", "depth", "the object is nested too deeply for JSON") from None
    except (TypeError, ValueError) as exc:
        raise ValidationError.single("$.obj", "json", f"cannot write as JSON: {str(exc)[:200]}") from None


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Parse a JSON document and structure it into ``cls``.

    The document is read strictly (see :func:`comanaged_rcm._io.load_json`): bytes are UTF-8
    (or UTF-16/32 with a BOM), a UTF-8 BOM is skipped, and duplicate keys, integers of more than
    100 digits, nesting deeper than 200 levels and ``NaN``/``Infinity`` are refused.

    Raises:
        ValidationError: For malformed JSON (with line and column) or any invalid field.
    """
    if not isinstance(text, str | bytes | bytearray):
        raise ValidationError.single("$.text", "type", f"expected JSON text (got {type(text).__name__})")
    return from_dict(_io.load_json(text), cls)


def _table(obj: object) -> Any:
    """The rows of a result, or of a sequence of findings or escalation events, as one table."""
    from comanaged_rcm import _frames, findings  # noqa: PLC0415 - the result layer imports this module

    if isinstance(obj, _frames.Tabular):
        return obj._frame_table()  # noqa: SLF001 - the layer's own protocol
    if isinstance(obj, str | bytes | Mapping) or not isinstance(obj, typing.Sequence):
        fail(
            "$.obj",
            "type",
            "expected a Scorecard, Trend, MeasureSet, Selection, or a list of findings or escalation"
            f" events (got {type(obj).__name__})",
        )
    items = list(obj)
    if not items:
        fail(
            "$.obj",
            "value",
            "an empty list does not say what it would hold: use comanaged_rcm.findings.to_pandas"
            " (and to_polars, to_arrow) for findings",
        )
    if all(isinstance(item, findings.Finding) for item in items):
        return findings.table(items)
    from comanaged_rcm.escalation import Event  # noqa: PLC0415 - only for a list of events

    if all(isinstance(item, Event) for item in items):
        return _frames.events_table(items)
    kinds = sorted({type(item).__name__ for item in items})
    raise ValidationError.single(
        "$.obj", "type", f"a list must hold only findings or only escalation events (got {', '.join(kinds)})"
    )


def to_pandas(obj: Any) -> Any:
    """A result's rows as a ``pandas.DataFrame`` (nullable dtypes: ``pd.NA`` where undefined).

    Args:
        obj: A :class:`~comanaged_rcm.kpi.Scorecard`, :class:`~comanaged_rcm.kpi.Trend`,
            :class:`~comanaged_rcm.kpi.MeasureSet` or :class:`~comanaged_rcm.sampling.Selection`
            (as their own ``to_pandas()``), or a non-empty list of
            :class:`~comanaged_rcm.findings.Finding` or of escalation ``Event`` records.

    Raises:
        ValidationError: ``obj`` is none of these, or an empty list (at ``$.obj``).
        RCMError: pandas is not installed.

    >>> from comanaged_rcm.findings import Finding, Severity
    >>> to_pandas([Finding("R-1", Severity.ERROR, "$.a", "bad")])["rule"].tolist()
    ['R-1']
    """
    return _table(obj).to_pandas()


def to_polars(obj: Any) -> Any:
    """A result's rows as a ``polars.DataFrame``; ``obj`` as for :func:`to_pandas`.

    Raises:
        ValidationError: ``obj`` is none of the results, or an empty list (at ``$.obj``).
        RCMError: polars is not installed.

    >>> from comanaged_rcm.sampling import select
    >>> to_polars(select(population=5, n=2, seed=3)).columns[:2]
    ['draw', 'item']
    """
    return _table(obj).to_polars()


def to_arrow(obj: Any) -> Any:
    """A result's rows as a ``pyarrow.Table``; ``obj`` as for :func:`to_pandas`.

    Raises:
        ValidationError: ``obj`` is none of the results, or an empty list (at ``$.obj``).
        RCMError: pyarrow is not installed (``pip install 'comanaged-rcm[arrow]'``).

    >>> from comanaged_rcm.findings import Finding, Severity
    >>> to_arrow([Finding("R-1", Severity.WARNING, "$", "w")]).column_names
    ['rule', 'severity', 'path', 'message']
    """
    return _table(obj).to_arrow()
