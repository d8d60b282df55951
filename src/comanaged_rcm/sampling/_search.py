"""The one search of the sampling package: the smallest n, or the largest m, meeting a monotone test.

Every plan (attribute, monetary unit, variables) asks for the smallest sample size whose test passes,
where the test passes for every larger size once it passes for one; every exact limit asks for the
largest count whose test passes, where it fails for every larger count once it fails for one. Both
are answered here, over integers:

* :func:`smallest` tries a start (a lower estimate of the answer), brackets the answer by doubling
  its distance from the low end, then bisects the bracket: about ``2 log2`` tests of the answer's
  distance from the low end. It stops at a cap: ``None`` means no n up to the cap passes.
* :func:`largest` bisects a range whose low end is known to pass.

Neither evaluates a test outside its range, and both use each test at most once per n.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["largest", "smallest"]


def smallest(passes: Callable[[int], bool], low: int, cap: int, *, start: int | None = None) -> int | None:
    """The smallest n in ``[low, cap]`` with ``passes(n)``, for a test that stays true once true.

    Args:
        passes: The test; monotone: ``passes(n)`` implies ``passes(n + 1)``.
        low: The smallest n considered.
        cap: The largest n considered.
        start: The first n tried (a lower estimate of the answer saves tests); ``low`` by default.

    Returns:
        The smallest passing n, or None when no n in the range passes (or the range is empty).

    Example:
        >>> smallest(lambda n: n * n >= 2_000, 1, 10_000)
        45
        >>> smallest(lambda n: n > 50, 1, 40) is None
        True
    """
    if low > cap:
        return None
    probe = min(cap, max(low, low if start is None else start))
    failed = low - 1  # the largest n known to fail (none yet: low - 1)
    while not passes(probe):
        if probe >= cap:
            return None
        failed = probe
        probe = min(cap, low + 2 * (probe - low) + 1)  # double the distance from low
    return _first(passes, failed + 1, probe)


def _first(passes: Callable[[int], bool], low: int, high: int) -> int:
    """The smallest n in ``[low, high]`` with ``passes(n)``, given that ``passes(high)`` holds."""
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
