"""Reproducible selection of sample items from raw PCG64 output."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from comanaged_rcm import _check as c
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.sampling._models import MAX_ITEM_ID, MAX_SEED, SELECT_METHODS, Selection, item_id, ordered

__all__ = ["select"]

ALGORITHM = (
    "select/1: numpy PCG64(seed).random_raw() 64-bit words; index in [0, m) by rejection "
    "(reject words >= 2**64 - 2**64 % m, then word % m); partial Fisher-Yates over positions 0..N-1 "
    "(random: slot i swaps with i + index(N - i)); systematic: start = word / 2**64 x (N / n), "
    "items floor(start + j x N / n)"
)
_TWO64 = 1 << 64
_BATCH = 256

MAX_SAMPLE = 10**6
"""The largest ``n`` :func:`select` draws (the drawn positions are kept in memory)."""


class _Words:
    def __init__(self, seed: int) -> None:
        from numpy.random import PCG64  # noqa: PLC0415 - numpy only needed when selecting

        self._bits = PCG64(seed)
        self._buffer: list[int] = []

    def word(self) -> int:
        # random_raw(k) gives the next k words of the same stream as k single calls, faster.
        if not self._buffer:
            self._buffer = self._bits.random_raw(_BATCH).tolist()[::-1]
        return self._buffer.pop()

    def index(self, m: int) -> int:
        limit = _TWO64 - _TWO64 % m
        while True:
            w = self.word()
            if w < limit:
                return w % m


MAX_POPULATION = c.MAX_COUNT
"""The largest population :func:`select` draws from (2**53 items: every position exact in a float)."""


def _population(population: object) -> Sequence[str | int]:
    """The items drawn from: ``range(1, N + 1)`` for a size N (never materialised), else the ids given."""
    if isinstance(population, numbers.Number) and not isinstance(population, bool | np.bool_):
        size = c.count(population, "$.population", minimum=1, maximum=MAX_POPULATION)
        return range(1, size + 1)  # unique by construction: no pass over the N items
    if isinstance(population, bool | np.bool_):
        c.fail("$.population", "type", f"'population' must be item ids or a size N (got {population!r})")
    ids = list(ordered(population, "$.population", empty=False))
    if len(ids) > MAX_POPULATION:
        c.fail("$.population", "range", f"'population' must hold at most {MAX_POPULATION:,} items")
    for i, item in enumerate(ids):
        kind = type(item)
        if kind is str or (kind is int and -MAX_ITEM_ID <= item <= MAX_ITEM_ID):
            continue
        ids[i] = item_id(item, f"$.population[{i}]")
    if len(set(ids)) != len(ids):
        seen: dict[str | int, int] = {}
        for i, item in enumerate(ids):
            if item in seen:
                c.fail(
                    "$.population",
                    "duplicate",
                    f"'population' item ids must be unique (got {c.show(item)} at {seen[item]} and {i})",
                )
            seen[item] = i
    return ids


def _labels(strata: object, size: int) -> list[str]:
    labels = ordered(strata, "$.strata")
    if len(labels) != size:
        message = f"'strata' must give one label per population item (got {len(labels)} for {size} items)"
        raise ValidationError(
            [Issue("$.strata", "length", message), Issue("$.population", "length", message)]
        )
    out: list[str] = []
    for i, label in enumerate(labels):
        if isinstance(label, str):
            out.append(str(label))
        elif isinstance(label, bool | np.bool_) or not isinstance(label, numbers.Integral):
            c.fail(
                f"$.strata[{i}]",
                "type",
                f"'strata[{i}]' must be a stratum label, a string or an integer (got {type(label).__name__})",
            )
        else:
            out.append(str(item_id(label, f"$.strata[{i}]")))
    return out


def select(
    population: Sequence[str | int] | int,
    n: int,
    seed: int,
    strata: Sequence[str] | None = None,
    method: str = "random",
) -> Selection:
    """Draw ``n`` items without replacement, reproducibly on any machine and numpy version.

    Time and memory grow with ``n``, not with the population: a size N is never materialised.

    Args:
        population: Item ids (strings or integers, unique, in a fixed order), or a size N meaning
            items 1..N (N at most 2**53).
        n: Sample size (at most the population size, and at most 10**6).
        seed: Integer seed in [0, 2**128) for numpy's PCG64 bit generator.
        strata: Optional stratum label per item; ``n`` is then allocated proportionally
            (:func:`allocate`) and each stratum, in sorted label order, is drawn from the same stream.
        method: ``"random"`` (simple random sample) or ``"systematic"`` (random start).

    Returns:
        The selection, with the items in the order drawn and in population order.

    Raises:
        ValidationError: An input is out of range, an item id is repeated, or ``strata`` does not
            give one label per item.

    Example:
        >>> select(population=100, n=3, seed=1).sorted_items
        (14, 28, 29)
        >>> len(select(population=10**9, n=50, seed=1).items)
        50
    """
    items = _population(population)
    size = len(items)
    n = c.count(n, "$.n", minimum=1, maximum=MAX_SAMPLE)
    if n > size:
        message = f"'n' must be <= the population size {size:,} (got {n:,})"
        raise ValidationError([Issue("$.n", "range", message), Issue("$.population", "range", message)])
    seed = c.count(seed, "$.seed", maximum=MAX_SEED)
    c.one_of(method, SELECT_METHODS, "$.method")
    words = _Words(seed)
    if strata is not None:
        return _stratified(items, n, seed, _labels(strata, size), method=method, words=words)
    positions = _draw(words, size, n, method)
    return Selection(
        items=tuple(items[p] for p in positions),
        sorted_items=tuple(items[p] for p in sorted(positions)),
        population_size=size,
        seed=seed,
        method=method,
        algorithm=ALGORITHM,
    )


def _stratified(
    items: Sequence[str | int], n: int, seed: int, strata: list[str], *, method: str, words: _Words
) -> Selection:
    from comanaged_rcm.sampling._allocate import allocate  # noqa: PLC0415 - avoids an import cycle

    members: dict[str, list[int]] = {}
    for pos, label in enumerate(strata):
        members.setdefault(label, []).append(pos)
    labels = sorted(members)
    counts = allocate(n, [len(members[k]) for k in labels])
    positions: list[int] = []
    for label, count in zip(labels, counts, strict=True):
        if count:
            positions.extend(members[label][p] for p in _draw(words, len(members[label]), count, method))
    return Selection(
        items=tuple(items[p] for p in positions),
        sorted_items=tuple(items[p] for p in sorted(positions)),
        population_size=len(items),
        seed=seed,
        method=method,
        algorithm=ALGORITHM + "; strata: proportional allocation, strata drawn in sorted label order",
        allocation=tuple(zip(labels, counts, strict=True)),
    )


def _draw(words: _Words, size: int, n: int, method: str) -> list[int]:
    if method == "random":
        swapped: dict[int, int] = {}
        positions: list[int] = []
        for i in range(n):
            j = i + words.index(size - i)
            positions.append(swapped.get(j, j))
            swapped[j] = swapped.get(i, i)
    else:
        # floor(start + j x N / n), start = word / 2**64 x N / n, in integers: N (word + j 2**64) // (2**64 n)
        word, scale = words.word(), _TWO64 * n
        positions = [size * (word + j * _TWO64) // scale for j in range(n)]
    return positions
