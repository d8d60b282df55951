"""The benchmark harness: time ours and its baselines in the same process and print ratios.

A benchmark module ``benchmarks/bench_<name>.py`` defines ``cases(quick: bool) -> list[Case]``.
Each :class:`Case` times ``ours`` and every baseline with the same repeat count, and ``run.py``
prints the sizes, the medians and ``baseline / ours`` (above 1 means ours is faster).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    """One benchmark: our implementation against named baselines on the same inputs."""

    name: str
    sizes: str
    ours: Callable[[], object]
    baselines: dict[str, Callable[[], object]] = field(default_factory=dict)
    repeat: int = 5
    target: str = ""
    notes: Callable[[], list[str]] | None = None
    """Lines measured once after the timings (memory, say) and printed under them."""


@dataclass
class Timing:
    """Median seconds of ours and of each baseline."""

    case: Case
    ours: float
    baselines: dict[str, float]


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Call ``fn`` once to warm up, then ``repeat`` times; return the median wall time."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_case(case: Case) -> Timing:
    """Time a case and its baselines."""
    ours = median_seconds(case.ours, case.repeat)
    baselines = {name: median_seconds(fn, case.repeat) for name, fn in case.baselines.items()}
    return Timing(case, ours, baselines)


def report(timing: Timing) -> str:
    """Render one timing as lines of text."""
    lines = [f"{timing.case.name}  [{timing.case.sizes}]", f"  ours: {timing.ours * 1e3:10.2f} ms"]
    for name, seconds in timing.baselines.items():
        ratio = seconds / timing.ours if timing.ours > 0 else float("inf")
        lines.append(f"  {name}: {seconds * 1e3:10.2f} ms   baseline/ours = {ratio:8.2f}x")
    if timing.case.target:
        lines.append(f"  target: {timing.case.target}")
    if timing.case.notes is not None:
        lines += [f"  {line}" for line in timing.case.notes()]
    return "\n".join(lines)
