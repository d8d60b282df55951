"""Synthetic books: ``generate_book`` at 100k and 1M claims against drawing as many uniforms with numpy.

The baseline is the floor of any generator of this book: ``numpy.random.default_rng().random(k)`` for
the same number ``k`` of uniform draws the generator makes (counted in a first, profiled run that
also gives each table's rows and the peak memory traced by ``tracemalloc``). ``baseline/ours``
below 1 is expected: ours also turns the draws into lags, amounts, events, sorted tables and text.

Run alone to check a size's memory once (not in tests)::

    python benchmarks/bench_synthetic.py --claims 4500000   # about 10 million claim lines
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from _harness import Case
from comanaged_rcm.synthetic import SyntheticBook, generate_book
from comanaged_rcm.synthetic._random import Draws

GIB = 2**30


@dataclass
class Profile:
    """One profiled generation: table rows, claim lines, uniform draws, seconds and peak bytes."""

    claims: int
    rows: dict[str, int]
    lines: int
    draws: int
    seconds: float
    peak: int
    book_bytes: int

    def summary(self) -> str:
        """One line: sizes, draws and memory."""
        rows = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return (
            f"{self.claims:,} claims ({self.lines:,} lines): {rows}; {self.draws:,} draws; "
            f"peak {self.peak / GIB:.2f} GiB traced for a {self.book_bytes / GIB:.2f} GiB book"
        )


def profile(claims: int, seed: int = 1) -> Profile:
    """Generate once, counting the uniform draws and tracing the peak memory."""
    counted = [0]
    raw = Draws.raw

    def counting(self: Draws, stream: str, n: int) -> npt.NDArray[np.uint64]:
        counted[0] += n
        return raw(self, stream, n)

    Draws.raw = counting  # type: ignore[method-assign]
    tracemalloc.start()
    try:
        start = time.perf_counter()
        book = generate_book(seed=seed, claims=claims)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        Draws.raw = raw  # type: ignore[method-assign]
    return Profile(
        claims=claims,
        rows={name: len(next(iter(columns.values()))) for name, columns in book.tables().items()},
        lines=claim_lines(book),
        draws=counted[0],
        seconds=seconds,
        peak=peak,
        book_bytes=sum(values.nbytes for columns in book.tables().values() for values in columns.values()),
    )


def claim_lines(book: SyntheticBook) -> int:
    """Lines of the book's claims as first submitted (self-pay claims, billed by statement, excluded)."""
    s = book.submissions
    return int(s["lines"][s["seq"] == 1].sum())


def _generate(claims: int) -> Callable[[], object]:
    return lambda: generate_book(seed=1, claims=claims)


def _uniforms(count: int) -> Callable[[], object]:
    return lambda: np.random.default_rng(1).random(count)


def cases(quick: bool) -> list[Case]:
    """Benchmark cases for ``run.py --only synthetic``."""
    out = []
    for claims in (10_000, 100_000) if quick else (100_000, 1_000_000):
        measured = profile(claims)
        out.append(
            Case(
                f"generate_book {claims:,} claims",
                measured.summary(),
                _generate(claims),
                {"numpy uniforms (same count)": _uniforms(measured.draws)},
                repeat=1 if claims >= 1_000_000 else 3,
                target="1M claims in under 30 s on 2 cores; 10M claim lines within 24 GiB",
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Profile the given sizes once each and print rows, time and memory."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--claims", type=int, nargs="+", default=[100_000])
    args = parser.parse_args(argv)
    for claims in args.claims:
        measured = profile(claims)
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
        print(measured.summary())
        print(
            f"  {measured.seconds:.1f} s under tracemalloc; process peak RSS {maxrss / GIB:.2f} GiB",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
