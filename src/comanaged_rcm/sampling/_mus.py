"""Monetary unit selection: items drawn with probability proportional to their book value.

Four methods, as jfa's ``selection(units = "values", method = ...)`` offers them (Derks et al.,
jfa 0.7), each reproducible from its seed on any machine and numpy version (only raw PCG64 words,
IEEE-754 additions, multiplications and divisions, and integer sorts are used; no library
transcendental function, whose last bit may differ between builds):

* ``"interval"`` (systematic, fixed interval): units ``s + k x J`` from a random start ``s`` in
  ``[0, J)``;
* ``"cell"``: one random unit in each cell ``[k x J, (k + 1) x J)``;
* ``"random"``: value-weighted without replacement by randomized systematic sampling (Goodman and
  Kish 1950; Hartley and Rao 1962): the items are put in a random order, then sampled at a fixed
  interval from a random start; every item below the interval has the inclusion probability
  ``book / J`` exactly, and none is taken twice;
* ``"sieve"``: the modified sieve of Hoogduin, Hall and Tsay (2010) as jfa defines it: each item
  gets ``ratio = book / u`` with ``u`` uniform in (0, 1), and the items with the largest ratios are
  taken.

Items of at least the interval are taken with certainty (the top stratum), reported apart, and the
rest is sampled with the interval recomputed for it; items of zero or negative book value cannot
be hit by a monetary unit and are reported as excluded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.sampling._models import (
    MAX_SEED,
    _html_table,
    _integer,
    _one_of,
    _optional_real,
    _real,
    _tuple,
    item_id,
    ordered,
)
from comanaged_rcm.sampling._monetary import MonetaryPlan

__all__ = ["MUS_METHODS", "MonetarySelection", "mus_select"]

MUS_METHODS = ("interval", "cell", "random", "sieve")
"""The selection methods of :func:`mus_select`, named as jfa's ``selection(method = ...)``."""

MAX_ITEMS = 10**8
"""The most population items :func:`mus_select` takes (their values and positions are held in memory)."""

MAX_UNITS = 10**6
"""The most monetary units (or sieve items) :func:`mus_select` draws."""

MAX_AMOUNT = 1e15
"""The largest book value in magnitude (a quadrillion): the running totals of 10**8 of them stay exact."""

_TWO53 = float(2**53)
_COMMON = (
    "numpy PCG64(seed).random_raw() 64-bit words w, consumed in order; a uniform u = (w >> 11) / 2**53"
    " in [0, 1) (the sieve uses ((w >> 11) + 0.5) / 2**53, in (0, 1)); items of book value <= 0 excluded;"
    " running totals are float64 cumulative sums in population order; a unit at position p hits the item"
    " whose range [cum_before, cum_after) holds p"
)
_CERTAINTY = (
    "top stratum: with n given, J = V / n and items >= J are taken with certainty, then J = R / (n - k)"
    " over the remaining value R until no remaining item is >= J; with an interval given, items >= it"
)
ALGORITHMS = {
    "interval": "mus-select/1 interval: start s = u x J from the first word; units s + k x J < R",
    "cell": "mus-select/1 cell: one word per cell k; unit (k + u_k) x J; units < R",
    "random": "mus-select/1 random (Hartley-Rao randomized systematic PPS): first word the start s = u x J;"
    " then one word per remaining item in population order as its sort key (ties by position);"
    " units s + k x J over the running totals in key order",
    "sieve": "mus-select/1 sieve (modified sieve, Hoogduin, Hall and Tsay 2010, as jfa): one word per"
    " remaining item in population order; ratio = book / u; the n largest ratios (ties by position)",
}
"""The algorithm of each method, recorded in every :class:`MonetarySelection` (with its version)."""


def _ids(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    path = f"$.{attribute.name}"
    if not isinstance(value, tuple):
        c.fail(path, "type", f"{attribute.name!r} must be a tuple of item ids")
    for i, item in enumerate(value):
        kind = type(item)
        if kind is str or (kind is int and -(2**64) < item < 2**64):
            continue
        item_id(item, f"{path}[{i}]")


_amount_tuple = v.items(float, v.real(), "amounts")


_counts = v.items(int, v.count(minimum=1), "counts")


_POSITIVE = v.real(minimum=0, low_open=True)
_NONNEGATIVE = v.real(minimum=0)


@attrs.frozen(kw_only=True)
class MonetarySelection:
    """A monetary unit sample: the items hit, the top stratum, the excluded items and how to redraw it.

    ``items``, ``book_values`` and ``hits`` are aligned and in population order; ``hits`` counts the
    units that hit each item (more than 1 only for cell selection, or with ``certainty=False``).
    ``units`` are the positions drawn, ascending, on the running total of the sampled part (for
    ``"random"``, in the random key order; empty for ``"sieve"``, which draws items, not units).
    The sampled part is the population less the certainty and excluded items: its value is
    ``remaining_value`` and its interval ``remaining_interval``.
    """

    items: tuple[str | int, ...] = attrs.field(converter=_tuple, validator=_ids)
    book_values: tuple[float, ...] = attrs.field(converter=_tuple, validator=_amount_tuple)
    hits: tuple[int, ...] = attrs.field(converter=_tuple, validator=_counts)
    units: tuple[float, ...] = attrs.field(converter=_tuple, validator=_amount_tuple)
    certainty_items: tuple[str | int, ...] = attrs.field(converter=_tuple, validator=_ids)
    certainty_values: tuple[float, ...] = attrs.field(converter=_tuple, validator=_amount_tuple)
    certainty_value: float = attrs.field(converter=_real, validator=_NONNEGATIVE)
    excluded_items: tuple[str | int, ...] = attrs.field(converter=_tuple, validator=_ids)
    excluded_values: tuple[float, ...] = attrs.field(converter=_tuple, validator=_amount_tuple)
    population_size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    population_value: float = attrs.field(converter=_real, validator=_POSITIVE)
    sample_size: int | None = attrs.field(converter=_integer, validator=v.optional(v.count(minimum=1)))
    interval: float = attrs.field(converter=_real, validator=_POSITIVE)
    remaining_size: int = attrs.field(converter=_integer, validator=v.count())
    remaining_value: float = attrs.field(converter=_real, validator=_NONNEGATIVE)
    remaining_interval: float | None = attrs.field(converter=_optional_real, validator=v.optional(_POSITIVE))
    remaining_units: int = attrs.field(converter=_integer, validator=v.count())
    start: float | None = attrs.field(converter=_optional_real, validator=v.optional(_NONNEGATIVE))
    certainty: bool = attrs.field(validator=v.flag())
    seed: int = attrs.field(converter=_integer, validator=v.count(maximum=MAX_SEED))
    method: str = attrs.field(validator=_one_of(MUS_METHODS))
    algorithm: str = attrs.field(validator=v.text(multiline=True))

    def __attrs_post_init__(self) -> None:
        pairs = (
            ("items", self.items, "book_values", self.book_values),
            ("items", self.items, "hits", self.hits),
            ("certainty_items", self.certainty_items, "certainty_values", self.certainty_values),
            ("excluded_items", self.excluded_items, "excluded_values", self.excluded_values),
        )
        for name, first, other, second in pairs:
            if len(first) != len(second):
                message = f"{other!r} must give one entry per item of {name!r}"
                raise ValidationError(
                    [Issue(f"$.{name}", "length", message), Issue(f"$.{other}", "length", message)]
                )

    @property
    def sampled_items(self) -> tuple[str | int, ...]:
        """Every item to audit: the certainty items, then the sampled ones (population order each)."""
        return self.certainty_items + self.items

    def _repr_markdown_(self) -> str:
        lines = ["| item | book value | hits |", "| --- | ---: | ---: |"]
        lines += [
            f"| {i} | {b:,.2f} | certain |"
            for i, b in zip(self.certainty_items, self.certainty_values, strict=False)
        ]
        lines += [
            f"| {i} | {b:,.2f} | {h} |"
            for i, b, h in zip(self.items, self.book_values, self.hits, strict=False)
        ]
        head = (
            f"**Monetary unit selection** ({self.method}, seed {self.seed}): {len(self.items)} items sampled,"
            f" {len(self.certainty_items)} certain, {len(self.excluded_items)} excluded; interval"
            f" {self.interval:,.2f}, rest interval {self.remaining_interval}"
        )
        return head + "\n\n" + "\n".join(lines)

    def _repr_html_(self) -> str:
        rows: list[tuple[str, object]] = [
            ("method", self.method),
            ("seed", self.seed),
            ("population_size", self.population_size),
            ("population_value", self.population_value),
            ("sample_size", self.sample_size),
            ("interval", self.interval),
            ("certainty_items", ", ".join(map(str, self.certainty_items))),
            ("certainty_value", self.certainty_value),
            ("excluded_items", ", ".join(map(str, self.excluded_items))),
            ("remaining_value", self.remaining_value),
            ("remaining_interval", self.remaining_interval),
            ("remaining_units", self.remaining_units),
            ("start", self.start),
            ("items", ", ".join(map(str, self.items))),
            ("algorithm", self.algorithm),
        ]
        return _html_table("Monetary unit selection", rows)


# ------------------------------------------------------------------------------------ inputs
_PLAIN = frozenset({float, int})


def amounts(values: object, path: str, *, maximum: int = MAX_ITEMS) -> npt.NDArray[np.float64]:
    """Finite real amounts as a float64 array, checked without a Python step per item when they are plain.

    Bools, text, NaN and infinities are refused with the index of the first bad item, and so are
    amounts beyond :data:`MAX_AMOUNT` in magnitude.

    >>> amounts([1, 2.5], "$.values").tolist()
    [1.0, 2.5]
    >>> amounts([1.0, float("nan")], "$.values")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'values[1]' must be a finite number (got nan)
    @ $.values[1]
    """
    items: Any  # a 1-d array or a tuple: indexed only to report a bad item
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "fiu":
        if values.size > maximum:
            c.fail(
                path,
                "range",
                f"{c.name_of(path)!r} must hold at most {maximum:,} items (got {values.size:,})",
            )
        items = values
        array = values.astype(np.float64)
    else:
        items = ordered(values, path)
        if len(items) > maximum:
            c.fail(
                path, "range", f"{c.name_of(path)!r} must hold at most {maximum:,} items (got {len(items):,})"
            )
        plain = _plain(items)
        array = (
            plain
            if plain is not None
            else np.array([c.real(x, f"{path}[{i}]") for i, x in enumerate(items)], dtype=np.float64)
        )
    bad = ~(np.abs(array) <= MAX_AMOUNT)
    if bad.any():
        i = int(np.argmax(bad))
        c.real(items[i], f"{path}[{i}]", minimum=-MAX_AMOUNT, maximum=MAX_AMOUNT)
        c.fail(f"{path}[{i}]", "range", f"'{c.name_of(path)}[{i}]' must be a finite number")
    return array


def _plain(items: Sequence[Any]) -> npt.NDArray[np.float64] | None:
    """Plain Python ints and floats as an array in one step; ``None`` for anything else (or a huge int)."""
    if not set(map(type, items)) <= _PLAIN:
        return None
    try:
        return np.array(items, dtype=np.float64)
    except OverflowError:
        return None


def _item_ids(ids: object, size: int) -> Sequence[str | int]:
    if ids is None:
        return range(1, size + 1)
    items = list(ordered(ids, "$.ids"))
    if len(items) != size:
        message = f"'ids' must give one id per book value (got {len(items):,} ids for {size:,} values)"
        raise ValidationError([Issue("$.ids", "length", message), Issue("$.values", "length", message)])
    for i, item in enumerate(items):
        kind = type(item)
        if kind is str or (kind is int and -(2**64) < item < 2**64):
            continue
        items[i] = item_id(item, f"$.ids[{i}]")
    if len(set(items)) != len(items):
        seen: dict[str | int, int] = {}
        for i, item in enumerate(items):
            if item in seen:
                c.fail(
                    "$.ids", "duplicate", f"'ids' must be unique (got {c.show(item)} at {seen[item]} and {i})"
                )
            seen[item] = i
    return items


def _plan_size(plan: MonetaryPlan, total: float) -> int:
    """``n`` from a :class:`MonetaryPlan`, refusing a plan made for another book value."""
    size = c.count(plan.sample_size, "$.n.sample_size", minimum=1, maximum=MAX_UNITS)
    planned = plan.population_value
    if planned is not None and not math.isclose(planned, total, rel_tol=1e-9):
        message = (
            f"the plan was made for a book value of {planned:,.2f} but the positive book values total"
            f" {total:,.2f}: plan again with population_value={total!r}, or pass n={size}"
        )
        raise ValidationError([Issue("$.n", "value", message), Issue("$.values", "value", message)])
    return size


# ---------------------------------------------------------------------------------- selection
def _uniform(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.float64]:
    return (words >> np.uint64(11)).astype(np.float64) / _TWO53


def _below(start: float, width: float) -> float:
    """``start`` kept strictly below ``width`` (a product u x J may round up to J)."""
    return start if start < width else math.nextafter(width, 0.0)


def _top_stratum(values: npt.NDArray[np.float64], n: int) -> tuple[npt.NDArray[np.bool_], int]:
    """Items taken with certainty for a sample of ``n`` units, and the units left for the rest.

    J = V / n; items >= J are certain; then J = R / (n - k) on the rest until no item of the rest is
    >= J. The certain items are always the k largest, so the loop runs on the values sorted once.
    """
    certain = np.zeros(values.size, dtype=np.bool_)
    ranked = np.sort(values)[::-1]
    top = np.concatenate(([0.0], np.cumsum(ranked)))
    total = float(np.cumsum(values)[-1])
    k = 0
    while k < n:
        width = (total - float(top[k])) / (n - k)
        more = int(np.count_nonzero(ranked >= width))
        if more <= k:
            break
        k = min(more, n)
    while True:  # settle on exact running totals of the rest, in population order
        if k:
            certain = values >= ranked[k - 1]
            k = int(np.count_nonzero(certain))
        if k >= n:
            return certain, 0
        rest = values[~certain]
        width = float(np.cumsum(rest)[-1]) / (n - k) if rest.size else 0.0
        more = int(np.count_nonzero(rest >= width))
        if not rest.size or more == 0:
            return certain, n - k
        k += more


def _locate(cum: npt.NDArray[np.float64], units: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    index = np.searchsorted(cum, units, side="right")
    return np.minimum(index, cum.size - 1)  # a unit at the total (rounding) is the last unit


def mus_select(
    values: Sequence[float] | npt.NDArray[Any],
    n: int | MonetaryPlan | None = None,
    seed: int = 0,
    *,
    ids: Sequence[str | int] | None = None,
    method: str = "interval",
    interval: float | None = None,
    certainty: bool = True,
    start: float | None = None,
) -> MonetarySelection:
    """Select a monetary unit sample, reproducibly on any machine and numpy version.

    Exactly one of ``n`` and ``interval`` is given. With ``n`` (or a
    :class:`~comanaged_rcm.sampling.MonetaryPlan`, whose ``sample_size`` is used and whose
    ``population_value``, if set, must equal the positive book values' total) the interval is
    J = V / n over the positive book value V; items of at least J are taken with certainty and the
    rest gets ``n - k`` units at the interval ``R / (n - k)``, recomputed until no item of the rest
    reaches it (so the sample always has ``n`` units in all). With ``interval`` the top stratum is
    the items of at least it, and the rest is sampled at that same interval (``"interval"`` and
    ``"cell"`` only: the number of units then follows from the value). ``certainty=False`` keeps
    large items in the sampled part, where they may be hit more than once (jfa's behaviour).

    Args:
        values: Book value of each population item, in a fixed order (any finite reals; those <= 0
            are excluded and reported).
        n: Number of monetary units, or a ``MonetaryPlan``.
        seed: Integer seed in [0, 2**128) for numpy's PCG64 bit generator.
        ids: Item ids (unique strings or integers), aligned with ``values``; default 1..N.
        method: ``"interval"``, ``"cell"``, ``"random"`` or ``"sieve"`` (see the module docstring).
        interval: A sampling interval to use instead of ``n``.
        certainty: Whether items of at least the interval are taken with certainty (default).
        start: For ``"interval"`` only, a start in [0, J) to use instead of a random one; the seed
            is then not used. jfa's ``start = S`` is ``start=S`` here (jfa counts a unit on an item's
            upper boundary, this module on its lower one: they differ only when ``S + kJ`` falls
            exactly on a running total).

    Returns:
        The selection, with every input needed to draw it again.

    Raises:
        ValidationError: An input is out of range, ids repeat or do not align, both or neither of
            ``n`` and ``interval`` are given, or no book value is positive.

    Example:
        >>> s = mus_select([500.0, 120.0, 80.0, 300.0, 0.0], n=2, seed=1, ids=list("abcde"))
        >>> s.certainty_items, s.items, s.excluded_items
        (('a',), ('d',), ('e',))
        >>> mus_select([5.0] * 10, n=2, seed=1, start=0.0).items
        (1, 6)
    """
    book = amounts(values, "$.values")
    if book.size == 0:
        c.fail("$.values", "value", "'values' must not be empty")
    names = _item_ids(ids, book.size)
    seed = c.count(seed, "$.seed", maximum=MAX_SEED)
    c.one_of(method, MUS_METHODS, "$.method")
    c.flag(certainty, "$.certainty")
    positive = book > 0
    if not positive.any():
        c.fail("$.values", "value", "'values' must hold a positive book value (MUS samples monetary units)")
    kept = np.flatnonzero(positive)
    pos_values = book[kept]
    total = float(np.cumsum(pos_values)[-1])
    if (n is None) == (interval is None):
        message = "give exactly one of 'n' (or a MonetaryPlan) and 'interval'"
        raise ValidationError([Issue("$.n", "required", message), Issue("$.interval", "required", message)])
    size: int | None = None
    if n is not None:
        if isinstance(n, MonetaryPlan):
            size = _plan_size(n, total)
        else:
            size = c.count(n, "$.n", minimum=1, maximum=MAX_UNITS)
        width = total / size
    else:
        width = c.real(interval, "$.interval", minimum=0, low_open=True, maximum=MAX_AMOUNT * MAX_ITEMS)
        if method in ("random", "sieve"):
            c.fail(
                "$.interval",
                "value",
                f"'{method}' selection draws a fixed number of units: give n, not an interval",
            )
    if start is not None and method != "interval":
        c.fail("$.start", "value", f"'start' applies to method 'interval' only (got method {method!r})")
    if not certainty:
        certain = np.zeros(pos_values.size, dtype=np.bool_)
        rest_units = size
    elif size is not None:
        certain, rest_units = _top_stratum(pos_values, size)
    else:
        certain = pos_values >= width
        rest_units = None
    rest_index = kept[~certain]
    rest_values = pos_values[~certain]
    rest_cum = np.cumsum(rest_values)
    rest_total = float(rest_cum[-1]) if rest_values.size else 0.0
    if size is not None:
        if not rest_values.size:
            rest_units = 0
        rest_width = rest_total / rest_units if rest_units else None
    else:
        rest_width = width if rest_values.size else None
    if method == "sieve" and rest_units is not None and rest_units > rest_values.size:
        c.fail(
            "$.n",
            "range",
            f"'n' must be <= the {rest_values.size:,} items with a positive book value for sieve selection"
            f" (got {rest_units:,})",
        )
    if rest_width is not None and rest_units is None:
        estimate = rest_total / rest_width
        if not estimate <= MAX_UNITS:
            c.fail(
                "$.interval",
                "range",
                f"'interval' is too small: the sample would exceed {MAX_UNITS:,} units"
                f" (got {c.show(interval)})",
            )
    first: float | None = None
    if start is not None:
        limit = rest_width if rest_width is not None else width
        first = c.real(start, "$.start", minimum=0, maximum=limit, high_open=True)
    chosen, hits, units, first = _draw(
        method=method,
        seed=seed,
        values=rest_values,
        cum=rest_cum,
        width=rest_width,
        units=rest_units,
        start=first,
    )
    units_tuple = tuple(units.tolist())
    order = rest_index[chosen]
    certain_index = kept[certain]
    excluded = np.flatnonzero(~positive)
    return MonetarySelection(
        items=tuple(names[i] for i in order.tolist()),
        book_values=tuple(book[order].tolist()),
        hits=tuple(hits.tolist()),
        units=units_tuple,
        certainty_items=tuple(names[i] for i in certain_index.tolist()),
        certainty_values=tuple(book[certain_index].tolist()),
        certainty_value=math.fsum(book[certain_index].tolist()),
        excluded_items=tuple(names[i] for i in excluded.tolist()),
        excluded_values=tuple(book[excluded].tolist()),
        population_size=book.size,
        population_value=total,
        sample_size=size,
        interval=width,
        remaining_size=rest_values.size,
        remaining_value=rest_total,
        remaining_interval=rest_width,
        remaining_units=len(units_tuple) if method != "sieve" else int(hits.size),
        start=first,
        certainty=certainty,
        seed=seed,
        method=method,
        algorithm=f"{ALGORITHMS[method]}; {_COMMON}; " + (_CERTAINTY if certainty else "no top stratum"),
    )


def _draw(
    *,
    method: str,
    seed: int,
    values: npt.NDArray[np.float64],
    cum: npt.NDArray[np.float64],
    width: float | None,
    units: int | None,
    start: float | None,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.float64], float | None]:
    """Positions (into the rest) of the items hit, ascending; their hits; the units drawn; the start."""
    empty = np.zeros(0, dtype=np.intp)
    if width is None or not values.size or units == 0:
        return empty, np.zeros(0, dtype=np.int64), np.zeros(0), None
    from numpy.random import PCG64  # noqa: PLC0415 - numpy's bit generators load on first selection

    bits = PCG64(seed)
    total = float(cum[-1])
    if method == "sieve":
        count = values.size if units is None else units
        u = ((bits.random_raw(values.size) >> np.uint64(11)).astype(np.float64) + 0.5) / _TWO53
        ranked = np.argsort(-(values / u), kind="stable")[:count]
        chosen = np.sort(ranked)
        return chosen, np.ones(chosen.size, dtype=np.int64), np.zeros(0), None
    if method == "cell":
        cells = units if units is not None else math.ceil(total / width)
        k = np.arange(cells, dtype=np.float64)
        drawn = (k + _uniform(bits.random_raw(cells))) * width
        drawn = drawn[drawn < total] if units is None else drawn
        return (*_hits(cum, drawn), None)
    if start is None:
        start = _below(float(_uniform(bits.random_raw(1))[0]) * width, width)
    count = units if units is not None else max(0, math.ceil((total - start) / width))
    drawn = start + np.arange(count, dtype=np.float64) * width
    if units is None:
        drawn = drawn[drawn < total]
    if method == "interval":
        return (*_hits(cum, drawn), start)
    keys = bits.random_raw(values.size)
    order = np.argsort(keys, kind="stable")
    shuffled = np.cumsum(values[order])
    hit = order[_locate(shuffled, drawn)]
    chosen, hits = np.unique(hit, return_counts=True)
    return chosen, hits.astype(np.int64), drawn, start


def _hits(
    cum: npt.NDArray[np.float64], drawn: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    chosen, hits = np.unique(_locate(cum, drawn), return_counts=True)
    return chosen, hits.astype(np.int64), drawn
