"""Reproducible random draws: raw PCG64 output mapped to numbers by fixed, documented formulas.

numpy promises that a bit generator's raw stream (``PCG64(seed_sequence).random_raw``) and
``SeedSequence`` never change between versions; it makes no such promise for ``Generator.normal``,
``choice`` and friends. Every draw of the synthetic book therefore goes through this module:

* each named quantity has its own stream, seeded by ``SeedSequence([seed, stream_id])`` with the
  stream ids of :data:`STREAMS` (so adding a quantity never shifts another one);
* a raw 64-bit word ``r`` becomes the uniform ``((r >> 11) + 0.5) * 2**-53``, strictly inside (0, 1);
* an exponential is ``-log(u)``, a normal is ``ndtri(u)`` (``scipy.special``, imported lazily), a
  categorical draw is ``searchsorted(cumulative probabilities, u, side="right")``.

Amounts are then rounded to whole cents and lags to whole days, which absorbs last-place
differences between platform maths libraries.

>>> draws = Draws(7)
>>> draws.uniform("payer", 3).round(6).tolist()
[0.770141, 0.111927, 0.189098]
>>> draws.categorical("payer", 3, [0.5, 0.5]).tolist()
[1, 0, 0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["STREAMS", "Draws", "counter_uniform"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

STREAMS: dict[str, int] = {
    name: index
    for index, name in enumerate(
        (
            "payer",
            "team",
            "service_day",
            "lines",
            "line_charge",
            "charge_lag",
            "late_charge",
            "late_charge_lag",
            "bill_lag",
            "clean",
            "edit_lag",
            "denied",
            "partial",
            "denied_lines",
            "carc",
            "adjudication_lag",
            "posting_lag",
            "allowed_jitter",
            "patient_share",
            "patient_pays",
            "patient_lag",
            "patient_default",
            "overpaid",
            "overpayment",
            "refund_lag",
            "appealed",
            "appeal_lag",
            "overturned",
            "appeal_adjudication_lag",
            "write_off_lag",
            "charity",
            "eligibility",
            "prior_auth",
            "coding",
            "payment_posting",
            "item_team",
            "item_touches",
            "item_escalated",
            "item_handling",
            "audit",
        ),
        start=1,
    )
}
"""Stream id of every named quantity. Append new names at the end; never reorder."""

_SCALE = 2.0**-53


class Draws:
    """Independent, reproducible streams of draws for one seed.

    Args:
        seed: A non-negative integer.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def raw(self, stream: str, n: int) -> npt.NDArray[np.uint64]:
        """The first ``n`` raw 64-bit words of a stream."""
        sequence = np.random.SeedSequence([self.seed, STREAMS[stream]])
        words: npt.NDArray[np.uint64] = np.random.PCG64(sequence).random_raw(n)
        return words

    def uniform(self, stream: str, n: int) -> Floats:
        """``n`` uniforms strictly inside (0, 1): ``((raw >> 11) + 0.5) * 2**-53``."""
        return ((self.raw(stream, n) >> np.uint64(11)).astype(np.float64) + 0.5) * _SCALE

    def exponential(self, stream: str, n: int, mean: float | Floats) -> Floats:
        """``n`` exponential draws with the given mean: ``-mean * log(u)``."""
        return -np.log(self.uniform(stream, n)) * mean

    def normal(self, stream: str, n: int) -> Floats:
        """``n`` standard normal draws by inversion: ``ndtri(u)``."""
        from scipy.special import ndtri  # noqa: PLC0415 - scipy is imported only when drawing

        result: Floats = ndtri(self.uniform(stream, n))
        return result

    def bernoulli(self, stream: str, n: int, p: float | Floats) -> npt.NDArray[np.bool_]:
        """``n`` booleans, each true with probability ``p``: ``u < p``."""
        return self.uniform(stream, n) < p

    def categorical(self, stream: str, n: int, weights: Sequence[float] | Floats) -> Ints:
        """``n`` category indices drawn with the given (not necessarily normalised) weights."""
        return categorical_of(self.uniform(stream, n), weights)


def categorical_of(uniforms: Floats, weights: Sequence[float] | npt.NDArray[Any]) -> Ints:
    """Map uniforms to category indices by cumulative probabilities and ``searchsorted``."""
    w = np.asarray(weights, dtype=np.float64)
    cumulative = np.cumsum(w) / w.sum()
    index = np.searchsorted(cumulative[:-1], uniforms, side="right")
    return index.astype(np.int64)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def counter_uniform(key: int, counters: npt.NDArray[np.uint64]) -> Floats:
    """Uniforms in (0, 1) from a counter-based generator: output ``counter`` of SplitMix64 from ``key``.

    Each uniform depends only on the key and its own counter, so any subset of counters, in any
    order, gets the same values.

    >>> counter_uniform(42, np.array([3, 1], dtype=np.uint64)).round(6).tolist()
    [0.278601, 0.741565]
    """
    z = np.uint64(key) + counters.astype(np.uint64) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z ^= z >> np.uint64(31)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * _SCALE
