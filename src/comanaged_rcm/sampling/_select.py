"""Reproducible selection of sample items from raw PCG64 output."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._models import Selection

__all__ = ["select"]

ALGORITHM = (
    "select/1: numpy PCG64(seed).random_raw() 64-bit words; index in [0, m) by rejection "
    "(reject words >= 2**64 - 2**64 % m, then word % m); partial Fisher-Yates over positions 0..N-1 "
    "(random: slot i swaps with i + index(N - i)); systematic: start = word / 2**64 x (N / n), "
    "items floor(start + j x N / n)"
)
_TWO64 = 1 << 64


class _Words:
    def __init__(self, seed: int) -> None:
        from numpy.random import PCG64  # noqa: PLC0415 - numpy only needed when selecting

        self._bits = PCG64(seed)

    def word(self) -> int:
        return int(self._bits.random_raw())

    def index(self, m: int) -> int:
        limit = _TWO64 - _TWO64 % m
        while True:
            w = self.word()
            if w < limit:
                return w % m


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def select(
    population: Sequence[str | int] | int,
    n: int,
    seed: int,
    strata: Sequence[str] | None = None,
    method: str = "random",
) -> Selection:
    """Draw ``n`` items without replacement, reproducibly on any machine and numpy version.

    Args:
        population: Item ids, or an int N meaning items 1..N.
        n: Sample size (at most the population size).
        seed: Non-negative integer seed for numpy's PCG64 bit generator.
        strata: Optional stratum label per item; ``n`` is then allocated proportionally
            (:func:`allocate`) and each stratum, in sorted label order, is drawn from the same stream.
        method: ``"random"`` (simple random sample) or ``"systematic"`` (random start).

    Example:
        >>> select(population=100, n=3, seed=1).sorted_items
        (14, 28, 29)
    """
    if isinstance(population, bool):
        raise ValidationError.single("$.population", "type", "'population' must be a sequence or an int")
    items: Sequence[str | int] = range(1, population + 1) if isinstance(population, int) else population
    size = len(items)
    if isinstance(population, int) and population < 1:
        raise ValidationError.single("$.population", "range", f"'population' must be >= 1 (got {population})")
    if len(set(items)) != size:
        raise ValidationError.single("$.population", "duplicate", "'population' item ids must be unique")
    if not _is_int(n) or not 1 <= n <= size:
        raise ValidationError.single("$.n", "range", f"'n' must be an integer in [1, {size}] (got {n!r})")
    if not _is_int(seed) or seed < 0:
        raise ValidationError.single(
            "$.seed", "range", f"'seed' must be a non-negative integer (got {seed!r})"
        )
    if method not in ("random", "systematic"):
        raise ValidationError.single(
            "$.method", "choice", f"'method' must be random or systematic (got {method!r})"
        )
    words = _Words(seed)
    if strata is not None:
        return _stratified(items, n, seed, strata, method=method, words=words)
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
    items: Sequence[str | int], n: int, seed: int, strata: Sequence[str], *, method: str, words: _Words
) -> Selection:
    from comanaged_rcm.sampling._allocate import allocate  # noqa: PLC0415 - avoids an import cycle

    if len(strata) != len(items):
        raise ValidationError.single("$.strata", "length", "'strata' must give one label per population item")
    members: dict[str, list[int]] = {}
    for pos, label in enumerate(strata):
        members.setdefault(str(label), []).append(pos)
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
        step = Fraction(size, n)
        start = Fraction(words.word(), _TWO64) * step
        positions = [int(start + j * step) for j in range(n)]
    return positions
