"""Two checks the escalation models need before :mod:`comanaged_rcm._check`'s own, and trusted building.

* numpy's ``timedelta64`` is registered as a numpy integer, so it passes for a count until
  ``int()`` of it raises ``TypeError``: :func:`whole` refuses it (and ``datetime64``) first.
* pandas' ``NaT`` is a ``datetime.datetime`` whose ``utcoffset()`` raises ``ValueError``:
  :func:`moment` refuses it (and any datetime whose offset cannot be read) first.

:func:`step <comanaged_rcm.escalation.step>` makes thousands of alerts and events from values it
has already checked (its arguments, a validated rule, labels it rendered as strings). It builds
them with :func:`build`, :func:`replace` and :func:`amend`, which set an attrs class's slots
without running its validators again, and leaves the parts of an event that explain it as a
:class:`Deferred` until they are first read (:func:`defer_fields`), and pauses Python's cycle
collector while it does (:func:`no_cycle_collection`).

>>> whole(np.int64(3), "$.days")
3
>>> whole(np.timedelta64(3, "D"), "$.days")
Traceback (most recent call last):
...
comanaged_rcm.errors.ValidationError: 1 validation issue: 'days' must be a whole number ... @ $.days
"""

from __future__ import annotations

import contextlib
import datetime
import gc
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs
import numpy as np

from comanaged_rcm import _check

__all__ = [
    "Deferred",
    "amend",
    "build",
    "builder",
    "defer_fields",
    "moment",
    "moment_field",
    "no_cycle_collection",
    "positional_builder",
    "replace",
    "slot_setter",
    "whole",
    "whole_field",
]

T = TypeVar("T")


def whole(value: object, path: str, *, minimum: int = 0, maximum: int = _check.MAX_COUNT) -> int:
    """:func:`comanaged_rcm._check.count`, refusing numpy time values (not counts) first."""
    if type(value) is int and minimum <= value <= maximum:  # the common case, checked fast
        return value
    if isinstance(value, np.timedelta64 | np.datetime64):
        _check.fail(
            path, "type", f"{_check.name_of(path)!r} must be a whole number (got {_check.show(value)})"
        )
    return _check.count(value, path, minimum=minimum, maximum=maximum)


def moment(value: object, path: str, *, aware: bool | None = None) -> datetime.datetime:
    """:func:`comanaged_rcm._check.datetime_`, refusing NaT (a datetime with no time) first."""
    if isinstance(value, datetime.datetime):
        try:
            value.utcoffset()
        except Exception:  # noqa: BLE001 - pandas' NaT raises ValueError; a foreign tzinfo anything
            _check.fail(
                path,
                "type",
                f"{_check.name_of(path)!r} must be a datetime with a time (got {_check.show(value)})",
            )
    return _check.datetime_(value, path, aware=aware)


def whole_field(*, minimum: int = 0, maximum: int = _check.MAX_COUNT) -> _check.Validator:
    """An attrs validator: an ``int`` in ``[minimum, maximum]`` (the converter normalises it)."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is int and minimum <= value <= maximum:  # the common case, checked fast
            return
        path = f"$.{attribute.name}"
        whole(value, path, minimum=minimum, maximum=maximum)
        if not isinstance(value, int):  # a float that the converter did not normalise
            _check.fail(path, "type", f"{attribute.name!r} must be an int (got {_check.show(value)})")

    return validate


def moment_field() -> _check.Validator:
    """An attrs validator: a ``datetime.datetime`` that has a time (not NaT)."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is datetime.datetime:  # the common case, checked fast (NaT is a subclass)
            return
        moment(value, f"$.{attribute.name}")

    return validate


# ------------------------------------------------------------------------ trusted building
@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector for the block (as it was before the block afterwards).

    A replay makes tens of thousands of alerts, events and their dicts, none of them in a
    reference cycle: each allocation counts towards the collector's thresholds, so it scans
    every live object of the program again and again (a second or more per 1M-claim replay)
    and finds nothing to free. Memory is still freed as each object's last reference goes; a
    cycle made in the block is collected after it. A collector paused already stays paused.

    >>> import gc
    >>> with no_cycle_collection():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_LAYOUTS: dict[type, tuple[tuple[str, Any, Any], ...]] = {}


def _layout(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    """Each field of an attrs slotted class: name, slot descriptor and default (``attrs.NOTHING``)."""
    found = _LAYOUTS.get(cls)
    if found is None:
        found = tuple((f.name, cls.__dict__[f.name], f.default) for f in attrs.fields(cls))
        _LAYOUTS[cls] = found
    return found


def build(cls: type[T], **values: Any) -> T:  # noqa: ANN401 - the fields of any attrs class
    """An instance of a slotted attrs class from values already checked, without its validators.

    Fields left out take their defaults (a factory is called). Only for values the caller built
    itself from checked inputs: a model built from user input goes through its own ``__init__``.

    >>> import attrs
    >>> @attrs.frozen
    ... class Point:
    ...     x: int = attrs.field(validator=attrs.validators.gt(0))
    ...     tags: dict[str, str] = attrs.field(factory=dict)
    >>> build(Point, x=1)
    Point(x=1, tags={})
    """
    maker = _BUILDERS.get(cls)
    if maker is None:
        maker = _BUILDERS[cls] = _builder(cls)
    instance: T = maker(**values)
    return instance


def builder(cls: type[T]) -> Callable[..., T]:
    """:func:`build` of ``cls`` as a function to call directly (no lookup per instance).

    >>> import attrs
    >>> @attrs.frozen
    ... class Point:
    ...     x: int
    ...     y: int = 0
    >>> builder(Point)(x=3)
    Point(x=3, y=0)
    """
    maker = _BUILDERS.get(cls)
    if maker is None:
        maker = _BUILDERS[cls] = _builder(cls)
    return maker


def positional_builder(cls: type[T], names: tuple[str, ...]) -> Callable[..., T]:
    """:func:`build` of ``cls`` taking the values of the fields ``names`` by position, in that order.

    The fields left out take their defaults. A call passes some twenty values in the order the
    caller named them, which costs half a call by keywords (the caller's own order: a change of
    the class's field order changes nothing).

    >>> import attrs
    >>> @attrs.frozen
    ... class Point:
    ...     x: int
    ...     y: int = 0
    ...     z: int = 0
    >>> positional_builder(Point, ("z", "x"))(5, 1)
    Point(x=1, y=0, z=5)
    """
    layout = _layout(cls)
    known = {name for name, _, _ in layout}
    unknown = [name for name in names if name not in known]
    if unknown or len(set(names)) != len(names):
        _check.fail("$.names", "value", f"{cls.__qualname__} fields, each once (got {names!r})")
    scope: dict[str, Any] = {}
    body = []
    for index, (name, slot, default) in enumerate(layout):
        scope[f"__set{index}"] = slot.__set__
        if name in names:
            body.append(f"    __set{index}(__made, __value{names.index(name)})")
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            scope[f"__factory{index}"] = default.factory
            body.append(f"    __set{index}(__made, __factory{index}())")
        else:
            scope[f"__default{index}"] = default
            body.append(f"    __set{index}(__made, __default{index})")
    params = ", ".join(f"__value{i}" for i in range(len(names)))
    made: Callable[..., T] = _compile(cls, f"def __made_by_fields({params}, /):", body, scope)
    return made


def slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """The setter of one field's slot: :func:`amend` of that field alone, without a loop over fields.

    Only for instances :func:`build` has just made and nobody else holds yet.

    >>> import attrs
    >>> @attrs.frozen
    ... class Point:
    ...     x: int
    >>> point = build(Point, x=1)
    >>> slot_setter(Point, "x")(point, 4)
    >>> point
    Point(x=4)
    """
    slots = {field: slot for field, slot, _ in _layout(cls)}
    if name not in slots:
        _check.fail("$.name", "value", f"{cls.__qualname__} has no field {name!r}")
    setter: Callable[[Any, Any], None] = slots[name].__set__
    return setter


def replace(instance: T, **changes: Any) -> T:  # noqa: ANN401 - the fields of any attrs class
    """:func:`attrs.evolve` for values already checked, without the validators.

    The slots are copied as they are: a :class:`Deferred` stays deferred.

    >>> import attrs
    >>> @attrs.frozen
    ... class Point:
    ...     x: int
    ...     y: int
    >>> replace(Point(1, 2), y=5)
    Point(x=1, y=5)
    """
    cls = type(instance)
    maker = _REPLACERS.get(cls)
    if maker is None:
        maker = _REPLACERS[cls] = _replacer(cls)
    copy: T = maker(instance, **changes)
    return copy


_BUILDERS: dict[type, Callable[..., Any]] = {}
_REPLACERS: dict[type, Callable[..., Any]] = {}


class _Unset:
    """A keyword left out of a generated builder's call."""


_UNSET = _Unset()


def _compile(cls: type, head: str, body: list[str], names: dict[str, Any]) -> Callable[..., Any]:
    """A function of ``cls``'s fields, set slot by slot: one call, no loop over the fields.

    Setting some twenty slots in a Python loop costs about three times as much as a function
    that names each one, and a replay builds tens of thousands of events, so :func:`build` and
    :func:`replace` make such a function per class (the technique attrs uses for ``__init__``).
    The source holds only the class's field names (its own names start with two underscores, which
    no field name does); every value it uses is in ``names``.
    """
    source = "\n".join([head, "    __made = __new(__cls)", *body, "    return __made"])
    scope: dict[str, Any] = {"__new": object.__new__, "__cls": cls, "__UNSET": _UNSET, **names}
    exec(compile(source, f"<trusted building of {cls.__qualname__}>", "exec"), scope)  # noqa: S102 - see above
    made: Callable[..., Any] = scope["__made_by_fields"]
    return made


def _builder(cls: type) -> Callable[..., Any]:
    """``build`` of ``cls``: each field as a keyword, left-out fields set to their defaults."""
    names: dict[str, Any] = {}
    params, body = [], []
    for index, (name, slot, default) in enumerate(_layout(cls)):
        names[f"__set{index}"] = slot.__set__
        params.append(f"{name}=__UNSET")
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            names[f"__factory{index}"] = default.factory
            body.append(f"    __set{index}(__made, __factory{index}() if {name} is __UNSET else {name})")
        else:
            names[f"__default{index}"] = default
            body.append(f"    __set{index}(__made, __default{index} if {name} is __UNSET else {name})")
    return _compile(cls, f"def __made_by_fields(*, {', '.join(params)}):", body, names)


def _replacer(cls: type) -> Callable[..., Any]:
    """``replace`` of ``cls``: the given fields changed, every other slot copied as it is."""
    names: dict[str, Any] = {}
    params, body = [], []
    for index, (name, slot, _) in enumerate(_layout(cls)):
        names[f"__set{index}"] = slot.__set__
        names[f"__get{index}"] = slot.__get__
        params.append(f"{name}=__UNSET")
        body.append(f"    __set{index}(__made, __get{index}(__original) if {name} is __UNSET else {name})")
    return _compile(cls, f"def __made_by_fields(__original, /, *, {', '.join(params)}):", body, names)


def amend(instance: object, **changes: Any) -> None:  # noqa: ANN401 - the fields of any attrs class
    """Set fields of an instance that :func:`build` has just made and nobody else holds yet.

    A frozen instance must never change once another part of the program can see it: only the
    code that built it, before handing it out, may amend it.

    >>> import attrs
    >>> @attrs.frozen
    ... class Point:
    ...     x: int
    >>> point = build(Point, x=1)
    >>> amend(point, x=2)
    >>> point
    Point(x=2)
    """
    cls = type(instance)
    for name, slot, _ in _layout(cls):
        if name in changes:
            slot.__set__(instance, changes[name])


class Deferred:
    """Values of some fields of one instance, computed together when one of them is first read.

    Subclasses implement :meth:`compute`; :func:`defer_fields` makes the fields read through it.
    """

    __slots__ = ()

    def compute(self) -> Mapping[str, Any]:
        """The value of every deferred field (field name to value)."""
        raise NotImplementedError


def defer_fields(cls: type, names: tuple[str, ...]) -> None:
    """Let the fields ``names`` of a slotted attrs class hold a :class:`Deferred` until first read.

    Reading such a field (directly, or through ``==``, ``repr``, :func:`attrs.asdict` or the
    converter) computes the deferred values once and stores them in place of the
    :class:`Deferred`, so every reader sees the same values. Values set in ``__init__`` are
    stored as given; only :func:`build` and :func:`replace` can store a :class:`Deferred`.

    >>> import attrs
    >>> @attrs.frozen
    ... class Note:
    ...     text: str
    >>> defer_fields(Note, ("text",))
    >>> class Later(Deferred):
    ...     def compute(self):
    ...         return {"text": "computed"}
    >>> build(Note, text=Later()).text
    'computed'
    """
    slots = {name: cls.__dict__[name] for name in names}
    _layout(cls)  # the slots as attrs made them, before the properties replace them on the class

    def reader(name: str, slot: Any) -> property:  # noqa: ANN401 - a slot descriptor
        def get(instance: object) -> Any:  # noqa: ANN401 - the field's value
            value = slot.__get__(instance, cls)
            if isinstance(value, Deferred):
                computed = value.compute()
                for other, other_slot in slots.items():
                    if other_slot.__get__(instance, cls) is value:
                        other_slot.__set__(instance, computed[other])
                value = computed[name]
            return value

        def put(instance: object, value: object) -> None:
            slot.__set__(instance, value)

        return property(get, put, doc=f"The {name!r} field.")

    for name, slot in slots.items():
        setattr(cls, name, reader(name, slot))
