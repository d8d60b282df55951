"""The one search of the sampling package: the smallest n, or the largest m, meeting a monotone test.

Every plan (attribute, monetary unit, variables) asks for the smallest sample size whose test passes,
where the test passes for every larger size once it passes for one; every exact limit asks for the
largest count whose test passes, where it fails for every larger count once it fails for one. Both
are answered here, over integers:

* :func:`smallest` tries a start (an estimate of the answer), brackets the answer by galloping from
  it (steps 1, 2, 4, ...), then bisects the bracket: about ``2 log2`` tests of the answer's distance
  from the start. It stops at a cap: ``None`` means no n up to the cap passes. :func:`first` bisects
  a range whose high end is known to pass.
* :func:`largest` bisects a range whose low end is known to pass.

Neither evaluates a test outside its range, and both use each test at most once per n.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["first", "largest", "smallest"]


def smallest(passes: Callable[[int], bool], low: int, cap: int, *, start: int | None = None) -> int | None:
    """The smallest n in ``[low, cap]`` with ``passes(n)``, for a test that stays true once true.

    From ``start`` the search gallops (steps 1, 2, 4, ...) up while the test fails, or down while it
    passes, then bisects the last step: about ``2 log2`` tests of the answer's distance from ``start``,
    so a close estimate of the answer costs a few tests.

    Args:
        passes: The test; monotone: ``passes(n)`` implies ``passes(n + 1)``.
        low: The smallest n considered.
        cap: The largest n considered.
        start: The first n tried (an estimate of the answer saves tests); ``low`` by default.

    Returns:
        The smallest passing n, or None when no n in the range passes (or the range is empty).

    Example:
        >>> smallest(lambda n: n * n >= 2_000, 1, 10_000)
        45
        >>> smallest(lambda n: n * n >= 2_000, 1, 10_000, start=44)
        45
        >>> smallest(lambda n: n > 50, 1, 40) is None
        True
    """
    if low > cap:
        return None
    probe = min(cap, max(low, low if start is None else start))
    step = 1
    if passes(probe):  # gallop down to a failing n (or to low)
        high = probe
        while high > low:
            probe = max(low, high - step)
            if not passes(probe):
                return first(passes, probe + 1, high)
            high, step = probe, 2 * step
        return low
    while probe < cap:  # gallop up to a passing n (or past cap)
        failed, probe = probe, min(cap, probe + step)
        if passes(probe):
            return first(passes, failed + 1, probe)
        step *= 2
    return None


def first(passes: Callable[[int], bool], low: int, high: int) -> int:
    """The smallest n in ``[low, high]`` with ``passes(n)``, given that ``passes(high)`` holds (not tested).

    Example:
        >>> first(lambda n: n >= 7, 1, 100)
        7
    """
    while low < high:
        mid = (low + high) // 2
        if passes(mid):
            high = mid
        else:
            low = mid + 1
    return low


def largest(passes: Callable[[int], bool], low: int, high: int) -> int:
    """The largest m in ``[low, high]`` with ``passes(m)``, for a test that stays false once false.

    ``passes(low)`` is taken to hold (it is not evaluated): the caller knows its low end passes.

    Args:
        passes: The test; monotone: ``passes(m)`` implies ``passes(m - 1)``.
        low: The low end, known to pass.
        high: The largest m considered.

    Returns:
        The largest passing m (``low`` when no larger m passes).

    Example:
        >>> largest(lambda m: m * m <= 2_000, 0, 10_000)
        44
    """
    while low < high:
        mid = (low + high + 1) // 2
        if passes(mid):
            low = mid
        else:
            high = mid - 1
    return low
