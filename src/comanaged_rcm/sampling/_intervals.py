"""Proportion intervals and exact binomial tests for one count or for arrays of them.

:func:`proportion_interval` takes scalars (and returns an :class:`Interval`) or anything numpy reads
as an array of counts (lists, numpy arrays, pandas Series: read with ``np.asarray``, pandas is never
imported here) and broadcasts ``successes`` against ``n`` (and ``population``), returning an
:class:`IntervalArray`. Both unpack as ``lo, hi`` like statsmodels'
``proportion_confint(count, nobs, alpha, method)``, whose method names are accepted as aliases:

=================  =====================  ==========================================================
statsmodels name   name here              interval
=================  =====================  ==========================================================
``normal``         ``wald``               normal approximation (comparison only)
``beta``           ``clopper-pearson``    exact: beta quantiles, equal tails
``agresti_coull``  ``agresti-coull``      x + z^2/2 successes in n + z^2 trials
``wilson``         ``wilson``             Wilson score
``jeffreys``       ``jeffreys``           Beta(x + 1/2, n - x + 1/2) quantiles, 0 at x = 0, 1 at x = n
``binom_test``     (not offered)          use ``clopper-pearson`` or :func:`binomial_test`
=================  =====================  ==========================================================

The confidence is ``confidence`` (default 0.95), or ``alpha=`` given by keyword (statsmodels'
significance level: confidence = 1 - alpha, exactly in decimal). A confidence below 0.5 (or an
alpha above 0.5) is refused: ``proportion_interval(3, 50, 0.05)`` is almost always an alpha passed
where a confidence goes. ``sides="lower"`` is statsmodels' ``alternative="smaller"`` (the interval
``[lower, 1]``), ``sides="upper"`` its ``"larger"`` (``[0, upper]``).

Jeffreys differs from statsmodels at the edges on purpose (Brown, Cai and DasGupta 2001, sec. 4.1.2):
its lower limit is 0 when x = 0 and its upper limit 1 when x = n, where statsmodels keeps the beta
quantile. Every other limit of the five methods equals ``proportion_confint``'s to 1e-12.

:func:`binomial_test` gives the exact binomial p-value beside the interval, one- or two-sided; the
two-sided p-value is the "minlike" one of ``scipy.stats.binomtest`` and R's ``binom.test``.

scipy is imported inside the functions, so importing the package stays light.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, overload

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.sampling._bayes import html_table, markdown_table
from comanaged_rcm.sampling._engine import (
    MAX_HYPERGEOMETRIC_POPULATION,
    MAX_HYPERGEOMETRIC_SAMPLE,
    _hyper_cmp,
    _hyper_population,
    _hyper_sample,
    _rate,
)
from comanaged_rcm.sampling._models import INTERVAL_METHODS, SIDES, Interval
from comanaged_rcm.serialize import converter

__all__ = [
    "ALTERNATIVES",
    "INTERVAL_ALIASES",
    "BinomialTest",
    "BinomialTestArray",
    "IntervalArray",
    "binomial_test",
    "proportion_interval",
]

INTERVAL_ALIASES: dict[str, str] = {
    "normal": "wald",
    "beta": "clopper-pearson",
    "agresti_coull": "agresti-coull",
}
"""statsmodels' ``proportion_confint`` method names -> the method here (``wilson`` and ``jeffreys`` agree)."""

ALTERNATIVES = ("two-sided", "greater", "less")
"""The alternatives of :func:`binomial_test` (scipy's names; statsmodels' ``larger``/``smaller`` too)."""

_ALTERNATIVE_ALIASES = {"larger": "greater", "smaller": "less"}

_INTERVAL_CONVENTIONS = {
    "wilson": "Wilson score interval",
    "clopper-pearson": "Clopper-Pearson exact (beta quantiles)",
    "jeffreys": "Jeffreys equal-tailed (Beta(x + 1/2, n - x + 1/2) quantiles)",
    "agresti-coull": "Agresti-Coull (x + z^2/2 successes in n + z^2)",
    "wald": "Wald normal approximation (comparison only; undercovers for small n or p near 0)",
}
_FINITE_CONVENTIONS = {
    "clopper-pearson": "exact hypergeometric: smallest M with P(X >= x) > tail and largest M with "
    "P(X <= x) > tail, reported as M / N",
    "wilson": "Wilson score with the variance times the FPC (N - n) / (N - 1) (effective n = n / FPC)",
    "agresti-coull": "Agresti-Coull with effective n = n / FPC, FPC = (N - n) / (N - 1)",
    "wald": "Wald normal approximation with the FPC (N - n) / (N - 1) (comparison only)",
}
_TEST_CONVENTIONS = {
    "two-sided": "exact binomial, two-sided 'minlike' (scipy.stats.binomtest, R binom.test): the sum of "
    "P(X = j) over every j with P(X = j) <= P(X = x) x (1 + 1e-7)",
    "greater": "exact binomial, one-sided: P(X >= x) under p0",
    "less": "exact binomial, one-sided: P(X <= x) under p0",
}

_IntArray = npt.NDArray[np.int64]
_FloatArray = npt.NDArray[np.float64]
_MANY = "an array of counts (a list, a numpy array or a pandas Series)"


# ------------------------------------------------------------------------------------ reading
def _is_array(value: object) -> bool:
    """Whether ``value`` is read as an array: a list, tuple, ndarray, or anything with ``__array__``.

    numpy scalars (``np.int64(3)``) are scalars; so is everything else, which the scalar checks judge.
    """
    if isinstance(value, list | tuple | np.ndarray):
        return True
    return hasattr(type(value), "__array__") and not isinstance(value, np.generic)


def _at(path: str, shape: tuple[int, ...], flat: int) -> str:
    """The path of the element at C-order position ``flat`` of an array of ``shape``."""
    if not shape:
        return path
    return path + "".join(f"[{int(i)}]" for i in np.unravel_index(flat, shape))


def _read(value: object, path: str) -> npt.NDArray[Any]:
    """``np.asarray(value)``; any failure (ragged, too deep, hostile) is a ValidationError at ``path``.

    A list or tuple that numpy would coerce (booleans to 1, numbers beside text to text) is read as
    objects instead, so that each element is judged as given and the first bad one is named.
    """
    try:
        arr = np.asarray(value)
        if isinstance(value, list | tuple) and arr.size:
            items = np.asarray(value, dtype=object)
            if arr.dtype.kind not in "iuf" or any(isinstance(item, bool | np.bool_) for item in items.flat):
                return items
    except Exception as exc:  # noqa: BLE001 - reading a foreign object may raise anything
        c.fail(
            path,
            "type",
            f"{c.name_of(path)!r} must be {_MANY} ({type(exc).__name__} while reading it: ragged or nested?)",
        )
    return arr


_ONE_BITS = 0x3FF0000000000000
"""The bits of 1.0: a float64 whose bits, read as uint64, are at most these is in [+0, 1] (never NaN)."""


def _in_range(value: npt.NDArray[Any], minimum: float, maximum: float) -> bool:
    """Whether every element of a non-empty int64 or float64 array is in range: one or two passes.

    Read as uint64, negative numbers (and every NaN) are huge, so one ``max`` checks a lower bound
    of 0 and the upper bound at once; a bound of 1 for counts takes a ``min`` too.
    """
    if value.dtype == np.float64 and minimum == 0 and maximum == 1:
        return bool(value.view(np.uint64).max() <= _ONE_BITS)
    if value.dtype == np.int64 and minimum >= 0 and maximum <= c.MAX_COUNT:
        if value.view(np.uint64).max() > maximum:
            return False
        return minimum == 0 or bool(value.min() >= minimum)
    return bool(value.min() >= minimum and value.max() <= maximum)  # NaN fails both


def _first(bad: npt.NDArray[np.bool_]) -> int | None:
    """The C-order position of the first True, or None."""
    if not bad.any():
        return None
    return int(np.argmax(bad.ravel()))


def _count_array(value: object, path: str, minimum: int) -> _IntArray:
    """An array of whole numbers in ``[minimum, 2**53]`` as int64; the first bad element is named."""
    arr = _read(value, path)
    kind = arr.dtype.kind
    shape = arr.shape
    if kind in "iu":
        if arr.size and not _in_range(arr, minimum, c.MAX_COUNT):
            at = _first((arr < minimum) | (arr > c.MAX_COUNT))
            assert at is not None  # noqa: S101 - the bounds say one is out
            c.count(int(arr.flat[at]), _at(path, shape, at), minimum=minimum)
        return arr.astype(np.int64, copy=False)
    if kind == "f":
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(arr) & (arr == np.floor(arr)) & (arr >= minimum) & (arr <= c.MAX_COUNT)
        at = _first(~whole)
        if at is not None:
            c.count(float(arr.flat[at]), _at(path, shape, at), minimum=minimum)
        return arr.astype(np.int64)
    out = np.empty(shape, dtype=np.int64)  # booleans, text, objects, dates: each judged as a scalar
    for i, item in enumerate(arr.flat):
        element = _at(path, shape, i)
        if kind == "b":
            c.fail(element, "type", f"{c.name_of(element)!r} must be a whole number (got {c.show(item)})")
        out.flat[i] = c.count(item, element, minimum=minimum)
    return out


def _real_array(value: object, path: str) -> _FloatArray:
    """An array of finite reals in [0, 1] as float64; the first bad element is named."""
    arr = _read(value, path)
    shape = arr.shape
    if arr.dtype.kind in "iuf":
        number = arr.astype(np.float64, copy=False)
        with np.errstate(invalid="ignore"):
            good = np.isfinite(number) & (number >= 0) & (number <= 1)
        at = _first(~good)
        if at is not None:
            c.real(arr.flat[at].item(), _at(path, shape, at), minimum=0, maximum=1)
        return number
    out = np.empty(shape, dtype=np.float64)
    for i, item in enumerate(arr.flat):
        element = _at(path, shape, i)
        if arr.dtype.kind == "b":
            c.fail(element, "type", f"{c.name_of(element)!r} must be a finite number (got {c.show(item)})")
        out.flat[i] = c.real(item, element, minimum=0, maximum=1)
    return out


def _own(path: str, own: tuple[int, ...], shape: tuple[int, ...], flat: int) -> str:
    """The path of the element of an array of shape ``own`` that broadcasts to ``flat`` of ``shape``."""
    if not own:
        return path
    index = np.unravel_index(flat, shape)[len(shape) - len(own) :]
    return path + "".join(f"[{0 if size == 1 else int(i)}]" for i, size in zip(index, own, strict=True))


def _broadcast(named: dict[str, npt.NDArray[Any]]) -> tuple[int, ...]:
    """The common shape of the arrays, or a ValidationError naming every one of them."""
    try:
        return tuple(np.broadcast_shapes(*(a.shape for a in named.values())))
    except ValueError:
        shapes = ", ".join(f"{name!r} {a.shape}" for name, a in named.items())
        message = f"the shapes do not broadcast to one ({shapes}); give arrays of one length, or scalars"
        raise ValidationError([Issue(f"$.{name}", "shape", message) for name in named]) from None


def _spread(arr: npt.NDArray[Any], shape: tuple[int, ...]) -> npt.NDArray[Any]:
    """``arr`` broadcast to ``shape`` (itself when it has that shape already)."""
    return arr if arr.shape == shape else np.broadcast_to(arr, shape)


def _ordered(
    small: _IntArray,
    small_name: str,
    big: _IntArray,
    big_name: str,
    shape: tuple[int, ...],
    *,
    name_big: bool = False,
) -> None:
    """``small <= big`` once broadcast to ``shape``; the first breach is named at ``small`` (or ``big``)."""
    lows, highs = _spread(small, shape), _spread(big, shape)
    at = _first(lows > highs)
    if at is None:
        return
    one, two = int(lows.flat[at]), int(highs.flat[at])
    low_path = _own(f"$.{small_name}", small.shape, shape, at)
    high_path = _own(f"$.{big_name}", big.shape, shape, at)
    if name_big:
        message = f"{c.name_of(high_path)!r} must be >= {c.name_of(low_path)} (got {two} < {one})"
        paths = (high_path, low_path)
    else:
        message = f"{c.name_of(low_path)!r} must be <= {c.name_of(high_path)} (got {one} > {two})"
        paths = (low_path, high_path)
    raise ValidationError([Issue(path, "range", message) for path in paths])


def _frozen(arr: npt.NDArray[Any], shape: tuple[int, ...], dtype: type[Any]) -> npt.NDArray[Any]:
    """A read-only copy of ``arr`` broadcast to ``shape`` (never a view of what a caller passed)."""
    out = np.array(_spread(arr, shape), dtype=dtype)
    out.flags.writeable = False
    return out


def _confidence(confidence: object, alpha: object) -> tuple[float, Decimal]:
    """The confidence as a float and as the exact decimal it was given as (default 0.95)."""
    if alpha is not None:
        if confidence is not None:
            c.fail("$.alpha", "conflict", "give 'confidence' or 'alpha', not both (confidence = 1 - alpha)")
        risk = _rate("alpha", alpha)
        if risk > Decimal("0.5"):
            c.fail(
                "$.alpha",
                "range",
                f"'alpha' must be <= 0.5 (got {c.show(alpha)}): {risk} looks like a confidence;"
                f" pass alpha={1 - risk} or confidence={risk}",
            )
        exact = 1 - risk
    elif confidence is None:
        exact = Decimal("0.95")
    else:
        exact = _rate("confidence", confidence)
        if exact < Decimal("0.5"):
            c.fail(
                "$.confidence",
                "range",
                f"'confidence' must be >= 0.5 (got {c.show(confidence)}): {exact} looks like alpha;"
                f" pass confidence={1 - exact}",
            )
    return float(exact), exact


def _interval_method(value: object) -> str:
    if isinstance(value, str):
        if value in INTERVAL_METHODS:
            return value
        if value in INTERVAL_ALIASES:
            return INTERVAL_ALIASES[value]
        if value == "binom_test":
            c.fail(
                "$.method",
                "choice",
                "'binom_test' (statsmodels' inversion of the two-sided test) is not offered: use"
                " 'clopper-pearson' (exact, equal tails) for the interval, binomial_test() for the p-value",
            )
    return c.one_of(value, (*INTERVAL_METHODS, *INTERVAL_ALIASES), "$.method")


def _sides(value: object) -> str:
    if isinstance(value, str) and value in ("larger", "smaller"):
        c.fail(
            "$.sides",
            "choice",
            f"'sides' must be one of 'two-sided', 'lower', 'upper' (got {c.show(value)}): for statsmodels'"
            " alternative='smaller' pass sides='lower' ([lower, 1]), for 'larger' sides='upper' ([0, upper])",
        )
    return c.one_of(value, SIDES, "$.sides")


# ------------------------------------------------------------------------------------ kernel
def _hyper_limits(x: int, n: int, total: int, tail_lo: Fraction, tail_hi: Fraction) -> tuple[float, float]:
    """Exact limits on M / N: smallest M with P(X >= x) > tail_lo, largest M with P(X <= x) > tail_hi."""
    top = total - (n - x)
    lo, hi = x, top
    while lo < hi:  # largest M with cdf(x; M) > tail_hi (cdf falls as M grows; true at M = x)
        mid = (lo + hi + 1) // 2
        if _hyper_cmp(x, total, mid, n, tail_hi) > 0:
            lo = mid
        else:
            hi = mid - 1
    upper = lo
    if x == 0:
        return 0.0, upper / total
    lo, hi = x, top
    while lo < hi:  # smallest M with P(X >= x; M) > tail_lo (rises with M; true at M = top)
        mid = (lo + hi) // 2
        if _hyper_cmp(x - 1, total, mid, n, 1 - tail_lo) < 0:  # P(X >= x) = 1 - P(X <= x - 1)
            hi = mid
        else:
            lo = mid + 1
    return lo / total, upper / total


def _normal_limits(  # noqa: PLR0917 - the six parts of one formula
    method: str, p: _FloatArray, nf: _FloatArray, m: _FloatArray, fpc: _FloatArray | None, z: float
) -> tuple[_FloatArray, _FloatArray]:
    """Wilson, Agresti-Coull or Wald limits (effective size ``m`` = n / FPC), computed in place.

    The operations are those of the textbook formulas in their order (so one count gives the same
    float as the scalar formula); only the temporaries are reused.
    """
    z2 = z * z
    if method == "wilson":  # (p + z2/(2m)) / (1 + z2/m) -/+ z sqrt(p(1 - p)/m + z2/(4m^2)) / (1 + z2/m)
        denom = np.divide(z2, m)
        denom += 1
        centre = np.multiply(m, 2.0)
        np.divide(z2, centre, out=centre)
        centre += p
        centre /= denom
        half = np.subtract(1.0, p)
        half *= p
        half /= m
        extra = np.multiply(m, 4.0)
        extra *= m
        np.divide(z2, extra, out=extra)
        half += extra
    elif method == "agresti-coull":  # pt = (x_eff + z2/2) / (m + z2), pt -/+ z sqrt(pt(1 - pt) / (m + z2))
        nt = np.add(m, z2)
        centre = np.multiply(p, nf)
        if fpc is not None:
            centre /= fpc
        centre += z2 / 2
        centre /= nt
        half = np.subtract(1.0, centre)
        half *= centre
        half /= nt
        denom = None
    else:  # p -/+ z sqrt(p(1 - p)/n x FPC)
        centre = p
        half = np.subtract(1.0, p)
        half *= p
        half /= nf
        if fpc is not None:
            half *= fpc
        denom = None
    np.sqrt(half, out=half)
    half *= z
    if denom is not None:
        half /= denom
    return np.subtract(centre, half), np.add(centre, half)


def _limits(
    x: _IntArray,
    n: _IntArray,
    population: _IntArray | None,
    *,
    method: str,
    sides: str,
    conf: float,
    exact: Decimal,
) -> tuple[_FloatArray, _FloatArray, _FloatArray]:
    """(estimate, lower, upper) for broadcast int64 arrays; NaN (too extreme a confidence) is refused."""
    from scipy.special import betaincinv, ndtri  # noqa: PLC0415 - lazy import keeps the package light

    shape = x.shape  # computed flat (1-D, so that 0-d inputs stay arrays), returned in this shape
    x, n = x.reshape(-1), n.reshape(-1)
    population = None if population is None else population.reshape(-1)
    tail = (1 - conf) / 2 if sides == "two-sided" else 1 - conf
    nf = n.astype(np.float64)
    p = x / nf
    census: npt.NDArray[np.bool_] | None = None
    if method == "clopper-pearson" and population is not None:
        exact_tail = (1 - Fraction(exact)) / (2 if sides == "two-sided" else 1)
        lo = np.empty(p.shape)
        hi = np.empty(p.shape)
        for i, (k, size, total) in enumerate(zip(x.flat, n.flat, population.flat, strict=True)):
            lo.flat[i], hi.flat[i] = _hyper_limits(int(k), int(size), int(total), exact_tail, exact_tail)
    elif method == "clopper-pearson":
        xf = x.astype(np.float64)
        none, every = x == 0, x == n
        lo = np.where(none, 0.0, betaincinv(np.where(none, 1.0, xf), nf - xf + 1, tail))
        hi = np.where(every, 1.0, betaincinv(xf + 1, np.where(every, 1.0, nf - xf), 1 - tail))
    elif method == "jeffreys":
        xf = x.astype(np.float64)
        a, b = xf + 0.5, nf - xf + 0.5
        lo = np.where(x == 0, 0.0, betaincinv(a, b, tail))
        hi = np.where(x == n, 1.0, betaincinv(a, b, 1 - tail))
    else:
        z = float(ndtri(1 - tail))
        fpc: _FloatArray | None = None
        m = nf  # the effective sample size n / FPC
        if population is not None:  # finite population: the binomial variance times the FPC (N - n) / (N - 1)
            census = population == n  # a census (N = 1 included) knows the proportion
            fpc = np.where(census, 0.0, (population - n) / np.where(census, 2, population - 1))
            m = nf / np.where(census, 1.0, fpc)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            lo, hi = _normal_limits(method, p, nf, m, fpc, z)
        if census is not None:
            lo = np.where(census, p, lo)
            hi = np.where(census, p, hi)
    lo = np.maximum(lo, 0.0, out=lo)  # NaN stays NaN, and then the extremes are NaN
    hi = np.minimum(hi, 1.0, out=hi)
    if lo.size and math.isnan(float(lo.min()) + float(hi.max())):
        c.fail(
            "$.confidence",
            "range",
            f"'confidence' is too extreme to compute this figure (got {c.show(conf)})",
        )
    if sides == "lower":
        hi = np.ones_like(hi)
    elif sides == "upper":
        lo = np.zeros_like(lo)
    return p.reshape(shape), lo.reshape(shape), hi.reshape(shape)


# ------------------------------------------------------------------------------------ models
def _int_array(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Lists, tuples and integer arrays become read-only int64 arrays; anything else stays."""
    return _as_array(value, np.int64, "iu")


def _float_array(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Lists, tuples and real arrays become read-only float64 arrays; anything else stays."""
    return _as_array(value, np.float64, "iuf")


def _optional_int_array(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    return None if value is None else _int_array(value)


def _as_array(value: Any, dtype: type[Any], kinds: str) -> Any:  # noqa: ANN401
    if isinstance(value, np.ndarray) and value.dtype == dtype and not value.flags.writeable:
        return value
    if not isinstance(value, list | tuple | np.ndarray):
        return value
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - the validator reports what could not be read
        return value
    if arr.dtype.kind not in kinds:
        return value
    out = np.array(arr, dtype=dtype)
    out.flags.writeable = False
    return out


def _array_field(kind: str, *, minimum: float = 0, maximum: float = c.MAX_COUNT) -> Any:  # noqa: ANN401
    """An attrs validator: a numpy array of ``kind`` (``"int"`` or ``"real"``), every element in range."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        path = f"$.{attribute.name}"
        dtype = np.int64 if kind == "int" else np.float64
        if not (isinstance(value, np.ndarray) and value.dtype == dtype):
            what = "whole numbers" if kind == "int" else "real numbers"
            c.fail(path, "type", f"{attribute.name!r} must be an array of {what} (got {c.show(value)})")
        if not value.size or _in_range(value, minimum, maximum):
            return
        with np.errstate(invalid="ignore"):
            at = _first(~((value >= minimum) & (value <= maximum)))
        if at is not None:
            element = _at(path, value.shape, at)
            if kind == "int":
                c.count(int(value.flat[at]), element, minimum=int(minimum), maximum=int(maximum))
            c.real(float(value.flat[at]), element, minimum=minimum, maximum=maximum)

    return validate


def _optional_array_field(kind: str, *, minimum: float = 0) -> Any:  # noqa: ANN401
    check = _array_field(kind, minimum=minimum)

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(instance, attribute, value)

    return validate


def _same_shapes(result: object, names: Sequence[str]) -> None:
    """Every named array field has one shape (that of most of them); the first that differs is named."""
    shapes = {name: getattr(result, name).shape for name in names if getattr(result, name) is not None}
    listed = list(shapes.values())
    common = max(listed, key=listed.count)
    for name, shape in shapes.items():
        if shape != common:
            c.fail(f"$.{name}", "shape", f"{name!r} must have the shape {common} of the others (got {shape})")


def _relation(low: _IntArray, high: _IntArray, low_name: str, high_name: str) -> None:
    """``low <= high`` elementwise (same shapes); the first breach is named at ``low_name``."""
    at = _first(low > high)
    if at is not None:
        path = _at(f"$.{low_name}", low.shape, at)
        other = _at(high_name, high.shape, at)
        c.fail(
            path,
            "range",
            f"{c.name_of(path)!r} must be <= {other} (got {int(low.flat[at])} > {int(high.flat[at])})",
        )


def _preview(values: npt.NDArray[Any]) -> str:
    return np.array2string(values, precision=4, threshold=6, edgeitems=3, separator=", ")


def _eq_arrays(one: object, other: object, names: Sequence[str]) -> bool:
    for name in names:
        a, b = getattr(one, name), getattr(other, name)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)):
                return False
        elif a != b:
            return False
    return True


def _key(key: object) -> object:
    """An index for the arrays of a result; a list of booleans or integers becomes an array."""
    if not isinstance(key, list):
        return key
    try:
        return np.asarray(key)
    except Exception as exc:  # noqa: BLE001 - reading a foreign object may raise anything
        c.fail("$.key", "index", f"'key' must index the results ({type(exc).__name__} while reading it)")


def _take(arrays: dict[str, npt.NDArray[Any] | None], key: object) -> dict[str, Any]:
    """Every array indexed by ``key`` (numpy indexing); a bad index is a ValidationError at ``$.key``."""
    index = _key(key)
    try:
        return {name: None if arr is None else arr[index] for name, arr in arrays.items()}  # type: ignore[call-overload]
    except Exception as exc:  # noqa: BLE001 - numpy raises IndexError, TypeError or ValueError
        c.fail("$.key", "index", f"'key' must index the results (got {c.show(key)}: {type(exc).__name__})")


_INTERVAL_ARRAYS = ("successes", "n", "estimate", "lower", "upper", "population")


@attrs.frozen(kw_only=True, eq=False)
class IntervalArray:
    """Confidence intervals for many proportions at once (array inputs of :func:`proportion_interval`).

    Every array field has the broadcast shape of the inputs; ``population`` is None unless the
    finite-population versions were asked for. ``lo, hi = result`` unpacks the lower and upper
    limits (like statsmodels' ``proportion_confint``); ``len(result)`` is the number of intervals
    along the first axis and ``result[i]`` is one :class:`Interval`.
    """

    successes: _IntArray = attrs.field(converter=_int_array, validator=_array_field("int"))
    n: _IntArray = attrs.field(converter=_int_array, validator=_array_field("int", minimum=1))
    confidence: float = attrs.field(converter=c.as_real, validator=v.rate())
    method: str = attrs.field(validator=v.one_of(INTERVAL_METHODS))
    sides: str = attrs.field(validator=v.one_of(SIDES))
    estimate: _FloatArray = attrs.field(converter=_float_array, validator=_array_field("real", maximum=1))
    lower: _FloatArray = attrs.field(converter=_float_array, validator=_array_field("real", maximum=1))
    upper: _FloatArray = attrs.field(converter=_float_array, validator=_array_field("real", maximum=1))
    population: _IntArray | None = attrs.field(
        default=None, converter=_optional_int_array, validator=_optional_array_field("int", minimum=1)
    )
    convention: str = attrs.field(default="", validator=v.text(empty=True, multiline=True))

    def __attrs_post_init__(self) -> None:
        _same_shapes(self, _INTERVAL_ARRAYS)
        _relation(self.successes, self.n, "successes", "n")
        if self.population is not None:
            _relation(self.n, self.population, "n", "population")

    @property
    def shape(self) -> tuple[int, ...]:
        """The broadcast shape of the inputs."""
        return tuple(self.lower.shape)

    def __len__(self) -> int:
        if not self.lower.shape:
            raise TypeError("len() of a 0-d IntervalArray")
        return int(self.lower.shape[0])

    def __iter__(self) -> Iterator[_FloatArray]:
        """``lo, hi = result``: the lower limits, then the upper limits."""
        yield self.lower
        yield self.upper

    @overload
    def __getitem__(self, key: int) -> Interval | IntervalArray: ...

    @overload
    def __getitem__(self, key: object) -> Interval | IntervalArray: ...

    def __getitem__(self, key: object) -> Interval | IntervalArray:
        """One :class:`Interval` for an element (``result[3]``), an IntervalArray for a slice or mask.

        Raises:
            ValidationError: ``key`` does not index the results (at ``$.key``).
        """
        parts = _take({name: getattr(self, name) for name in _INTERVAL_ARRAYS}, key)
        if np.ndim(parts["lower"]) == 0:
            population = parts["population"]
            return Interval(
                successes=int(parts["successes"]),
                n=int(parts["n"]),
                estimate=float(parts["estimate"]),
                lower=float(parts["lower"]),
                upper=float(parts["upper"]),
                population=None if population is None else int(population),
                confidence=self.confidence,
                method=self.method,
                sides=self.sides,
                convention=self.convention,
            )
        return IntervalArray(
            **parts,
            confidence=self.confidence,
            method=self.method,
            sides=self.sides,
            convention=self.convention,
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _eq_arrays(self, other, [f.name for f in attrs.fields(type(self))])

    __hash__ = None  # type: ignore[assignment]

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per interval (C order): successes, n, population, estimate, lower, upper.

        ``pandas.DataFrame(result.to_rows())`` is the table; confidence, method and sides are the
        same for every row and stay on the result.
        """
        population = [None] * self.lower.size if self.population is None else self.population.ravel().tolist()
        columns = zip(
            self.successes.ravel().tolist(),
            self.n.ravel().tolist(),
            population,
            self.estimate.ravel().tolist(),
            self.lower.ravel().tolist(),
            self.upper.ravel().tolist(),
            strict=True,
        )
        keys = ("successes", "n", "population", "estimate", "lower", "upper")
        return [dict(zip(keys, row, strict=True)) for row in columns]

    def __repr__(self) -> str:
        finite = "" if self.population is None else ", finite population"
        return (
            f"IntervalArray(shape={self.shape}, method={self.method!r}, sides={self.sides!r},"
            f" confidence={self.confidence:g}{finite},\n  lower={_preview(self.lower)},"
            f"\n  upper={_preview(self.upper)})"
        )

    def _rows(self) -> list[tuple[str, str]]:
        rows = [
            ("shape", str(self.shape)),
            ("confidence", f"{self.confidence:g}"),
            ("method", self.method),
            ("sides", self.sides),
            ("successes", _preview(self.successes)),
            ("n", _preview(self.n)),
        ]
        if self.population is not None:
            rows.append(("population", _preview(self.population)))
        rows += [
            ("estimate", _preview(self.estimate)),
            ("lower", _preview(self.lower)),
            ("upper", _preview(self.upper)),
            ("convention", self.convention),
        ]
        return rows

    def _repr_markdown_(self) -> str:
        return markdown_table("Proportion intervals", self._rows())

    def _repr_html_(self) -> str:
        return html_table("Proportion intervals", self._rows())


@attrs.frozen(kw_only=True)
class BinomialTest:
    """An exact binomial test of ``p = p0`` for one count, with its inputs and convention.

    ``alternative`` is ``"two-sided"``, ``"greater"`` (p > p0: the p-value is P(X >= x)) or
    ``"less"`` (p < p0: P(X <= x)); ``estimate`` is x / n.
    """

    successes: int = attrs.field(converter=c.as_int, validator=v.count())
    n: int = attrs.field(converter=c.as_int, validator=v.count(minimum=1))
    p0: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0, maximum=1))
    alternative: str = attrs.field(validator=v.one_of(ALTERNATIVES))
    estimate: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0, maximum=1))
    p_value: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0, maximum=1))
    convention: str = attrs.field(validator=v.text(multiline=True))

    def __attrs_post_init__(self) -> None:
        if self.successes > self.n:
            c.fail("$.successes", "range", f"'successes' must be <= n (got {self.successes} > {self.n})")

    def __repr__(self) -> str:
        return (
            f"BinomialTest(successes={self.successes}, n={self.n}, p0={self.p0:g},"
            f" alternative={self.alternative!r}, p_value={self.p_value:.6g})"
        )

    def _rows(self) -> list[tuple[str, str]]:
        return [
            (f.name, f"{value:.6g}" if isinstance(value := getattr(self, f.name), float) else str(value))
            for f in attrs.fields(type(self))
        ]

    def _repr_markdown_(self) -> str:
        return markdown_table("Binomial test", self._rows())

    def _repr_html_(self) -> str:
        return html_table("Binomial test", self._rows())


_TEST_ARRAYS = ("successes", "n", "p0", "estimate", "p_value")


@attrs.frozen(kw_only=True, eq=False)
class BinomialTestArray:
    """Exact binomial tests for many counts at once (array inputs of :func:`binomial_test`).

    Every array field has the broadcast shape of ``successes``, ``n`` and ``p0``; ``result[i]`` is
    one :class:`BinomialTest`.
    """

    successes: _IntArray = attrs.field(converter=_int_array, validator=_array_field("int"))
    n: _IntArray = attrs.field(converter=_int_array, validator=_array_field("int", minimum=1))
    p0: _FloatArray = attrs.field(converter=_float_array, validator=_array_field("real", maximum=1))
    alternative: str = attrs.field(validator=v.one_of(ALTERNATIVES))
    estimate: _FloatArray = attrs.field(converter=_float_array, validator=_array_field("real", maximum=1))
    p_value: _FloatArray = attrs.field(converter=_float_array, validator=_array_field("real", maximum=1))
    convention: str = attrs.field(validator=v.text(multiline=True))

    def __attrs_post_init__(self) -> None:
        _same_shapes(self, _TEST_ARRAYS)
        _relation(self.successes, self.n, "successes", "n")

    @property
    def shape(self) -> tuple[int, ...]:
        """The broadcast shape of the inputs."""
        return tuple(self.p_value.shape)

    def __len__(self) -> int:
        if not self.p_value.shape:
            raise TypeError("len() of a 0-d BinomialTestArray")
        return int(self.p_value.shape[0])

    def __getitem__(self, key: object) -> BinomialTest | BinomialTestArray:
        """One :class:`BinomialTest` for an element, a BinomialTestArray for a slice or mask.

        Raises:
            ValidationError: ``key`` does not index the results (at ``$.key``).
        """
        parts = _take({name: getattr(self, name) for name in _TEST_ARRAYS}, key)
        if np.ndim(parts["p_value"]) == 0:
            return BinomialTest(
                successes=int(parts["successes"]),
                n=int(parts["n"]),
                p0=float(parts["p0"]),
                alternative=self.alternative,
                estimate=float(parts["estimate"]),
                p_value=float(parts["p_value"]),
                convention=self.convention,
            )
        return BinomialTestArray(**parts, alternative=self.alternative, convention=self.convention)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _eq_arrays(self, other, [f.name for f in attrs.fields(type(self))])

    __hash__ = None  # type: ignore[assignment]

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per test (C order): successes, n, p0, estimate, p_value."""
        columns = [getattr(self, name).ravel().tolist() for name in _TEST_ARRAYS]
        return [dict(zip(_TEST_ARRAYS, row, strict=True)) for row in zip(*columns, strict=True)]

    def __repr__(self) -> str:
        return (
            f"BinomialTestArray(shape={self.shape}, alternative={self.alternative!r},"
            f"\n  p_value={_preview(self.p_value)})"
        )

    def _rows(self) -> list[tuple[str, str]]:
        return [
            ("shape", str(self.shape)),
            ("alternative", self.alternative),
            *((name, _preview(getattr(self, name))) for name in _TEST_ARRAYS),
            ("convention", self.convention),
        ]

    def _repr_markdown_(self) -> str:
        return markdown_table("Binomial tests", self._rows())

    def _repr_html_(self) -> str:
        return html_table("Binomial tests", self._rows())


def _unstructure_arrays(result: IntervalArray | BinomialTestArray) -> dict[str, Any]:
    return {
        f.name: value.tolist() if isinstance(value := getattr(result, f.name), np.ndarray) else value
        for f in attrs.fields(type(result))
    }


def _structure_arrays(data: object, cls: type[Any]) -> Any:  # noqa: ANN401 - a structure hook
    if not isinstance(data, dict):
        c.fail("$", "type", f"a {cls.__name__} is a mapping of its fields (got {c.show(data)})")
    names = {f.name for f in attrs.fields(cls)}
    extra = sorted(set(data) - names, key=str)
    if extra:
        c.fail(f"$.{extra[0]}", "unknown_key", f"{cls.__name__} has no field {c.show(extra[0])}")
    return cls(**data)


converter.register_unstructure_hook(IntervalArray, _unstructure_arrays)
converter.register_unstructure_hook(BinomialTestArray, _unstructure_arrays)
converter.register_structure_hook(IntervalArray, _structure_arrays)
converter.register_structure_hook(BinomialTestArray, _structure_arrays)


# ------------------------------------------------------------------------------------ functions
_Count = int | np.integer[Any]
_Counts = Sequence[Any] | npt.NDArray[Any]


@overload
def proportion_interval(
    successes: _Count,
    n: _Count,
    confidence: float | None = None,
    method: str = "wilson",
    sides: str = "two-sided",
    *,
    population: _Count | None = None,
    alpha: float | None = None,
) -> Interval: ...


@overload
def proportion_interval(
    successes: _Counts,
    n: _Count | _Counts,
    confidence: float | None = None,
    method: str = "wilson",
    sides: str = "two-sided",
    *,
    population: _Count | _Counts | None = None,
    alpha: float | None = None,
) -> IntervalArray: ...


@overload
def proportion_interval(
    successes: _Count,
    n: _Counts,
    confidence: float | None = None,
    method: str = "wilson",
    sides: str = "two-sided",
    *,
    population: _Count | _Counts | None = None,
    alpha: float | None = None,
) -> IntervalArray: ...


@overload
def proportion_interval(
    successes: _Count,
    n: _Count,
    confidence: float | None = None,
    method: str = "wilson",
    sides: str = "two-sided",
    *,
    population: _Counts,
    alpha: float | None = None,
) -> IntervalArray: ...


@overload
def proportion_interval(
    successes: npt.ArrayLike,
    n: npt.ArrayLike,
    confidence: float | None = None,
    method: str = "wilson",
    sides: str = "two-sided",
    *,
    population: npt.ArrayLike | None = None,
    alpha: float | None = None,
) -> Interval | IntervalArray: ...


def proportion_interval(
    successes: npt.ArrayLike,
    n: npt.ArrayLike,
    confidence: float | None = None,
    method: str = "wilson",
    sides: str = "two-sided",
    *,
    population: npt.ArrayLike | None = None,
    alpha: float | None = None,
) -> Interval | IntervalArray:
    """Confidence interval for a binomial proportion, or for a finite population's proportion.

    Scalars give an :class:`Interval`; arrays (lists, numpy arrays, pandas Series, broadcast
    against each other) give an :class:`IntervalArray`. Both unpack as ``lo, hi``.

    ``sides`` is ``"two-sided"``, ``"lower"`` (one-sided lower limit, upper end 1) or ``"upper"``.
    ``"wald"`` is the normal approximation, kept for comparison only. With ``population`` (N items
    sampled without replacement) ``"clopper-pearson"`` gives the exact hypergeometric limits (M / N),
    and ``"wilson"``, ``"agresti-coull"`` and ``"wald"`` use the variance times the FPC
    (N - n) / (N - 1). statsmodels' method names are aliases (``normal``, ``beta``,
    ``agresti_coull``; the result states the method here).

    Args:
        successes: Number of items with the attribute (e.g. errors) in the sample; or an array.
        n: Sample size; or an array.
        confidence: Confidence level, in [0.5, 1); default 0.95 (give this or ``alpha``).
        method: ``"wilson"``, ``"clopper-pearson"``, ``"jeffreys"``, ``"agresti-coull"`` or
            ``"wald"``, or a statsmodels name (``"normal"``, ``"beta"``, ``"agresti_coull"``).
        sides: ``"two-sided"``, ``"lower"`` or ``"upper"``.
        population: Population size N for the finite-population versions; or an array.
        alpha: statsmodels' significance level, in (0, 0.5]: confidence = 1 - alpha.

    Returns:
        The interval with its inputs, or the intervals for array inputs.

    Raises:
        ValidationError: An input is out of range (the first bad element of an array is named,
            ``$.successes[3]``), a confidence below 0.5 (it looks like alpha), both
            ``confidence`` and ``alpha``, shapes that do not broadcast, or ``"jeffreys"`` with a
            population.

    Example:
        >>> i = proportion_interval(successes=10, n=100, confidence=0.95, method="wilson")
        >>> round(i.lower, 4), round(i.upper, 4)
        (0.0552, 0.1744)
        >>> i = proportion_interval(10, 100, 0.95, "clopper-pearson", population=400)
        >>> round(i.lower * 400), round(i.upper * 400)
        (22, 66)
        >>> lo, hi = proportion_interval([0, 10], [100, 100], alpha=0.05, method="beta")
        >>> lo.round(4).tolist(), hi.round(4).tolist()
        ([0.0, 0.049], [0.0362, 0.1762])
    """
    many = _is_array(successes) or _is_array(n) or _is_array(population)
    if not many:
        size = c.count(n, "$.n", minimum=1)
        x = c.count(successes, "$.successes")
        xs, ns = np.array(x, dtype=np.int64), np.array(size, dtype=np.int64)
        _ordered(xs, "successes", ns, "n", ())
    else:
        ns = _count_array(n, "$.n", 1)
        xs = _count_array(successes, "$.successes", 0)
    conf, exact = _confidence(confidence, alpha)
    chosen = _interval_method(method)
    side = _sides(sides)
    pops: _IntArray | None = None
    if population is not None:
        if many:
            pops = _count_array(population, "$.population", 1)
        else:
            pops = np.array(c.count(population, "$.population", minimum=int(ns)), dtype=np.int64)
        if chosen == "jeffreys":
            c.fail("$.method", "choice", "'jeffreys' has no finite-population version; use clopper-pearson")
    named = {"successes": xs, "n": ns} if pops is None else {"successes": xs, "n": ns, "population": pops}
    shape = _broadcast(named) if many else ()
    if many:
        _ordered(xs, "successes", ns, "n", shape)
        if pops is not None:
            _ordered(ns, "n", pops, "population", shape, name_big=True)
    if pops is not None and chosen == "clopper-pearson":
        _exact_bounds(pops, ns)
    xb = _frozen(xs, shape, np.int64)
    nb = _frozen(ns, shape, np.int64)
    pb = None if pops is None else _frozen(pops, shape, np.int64)
    estimate, lower, upper = _limits(xb, nb, pb, method=chosen, sides=side, conf=conf, exact=exact)
    convention = _INTERVAL_CONVENTIONS[chosen]
    if pops is not None:
        convention = _FINITE_CONVENTIONS.get(chosen, convention)
    if not many:
        return Interval(
            successes=int(xb),
            n=int(nb),
            confidence=conf,
            method=chosen,
            sides=side,
            estimate=float(estimate),
            lower=float(lower),
            upper=float(upper),
            population=None if pb is None else int(pb),
            convention=convention,
        )
    for arr in (estimate, lower, upper):
        arr.flags.writeable = False
    return IntervalArray(
        successes=xb,
        n=nb,
        confidence=conf,
        method=chosen,
        sides=side,
        estimate=estimate,
        lower=lower,
        upper=upper,
        population=pb,
        convention=convention,
    )


def _exact_bounds(pops: _IntArray, ns: _IntArray) -> None:
    """The exact hypergeometric limits' bounds on N and n, checked at the first element beyond them."""
    for arr, path, limit, check in (
        (pops, "$.population", MAX_HYPERGEOMETRIC_POPULATION, _hyper_population),
        (ns, "$.n", MAX_HYPERGEOMETRIC_SAMPLE, _hyper_sample),
    ):
        at = _first(arr > limit)
        if at is not None:
            check(int(arr.flat[at]), _at(path, arr.shape, at))


@overload
def binomial_test(
    successes: _Count, n: _Count, p0: float, alternative: str = "two-sided"
) -> BinomialTest: ...


@overload
def binomial_test(
    successes: _Counts, n: _Count | _Counts, p0: float | _Counts, alternative: str = "two-sided"
) -> BinomialTestArray: ...


@overload
def binomial_test(
    successes: _Count, n: _Counts, p0: float | _Counts, alternative: str = "two-sided"
) -> BinomialTestArray: ...


@overload
def binomial_test(
    successes: npt.ArrayLike, n: npt.ArrayLike, p0: npt.ArrayLike, alternative: str = "two-sided"
) -> BinomialTest | BinomialTestArray: ...


def binomial_test(
    successes: npt.ArrayLike, n: npt.ArrayLike, p0: npt.ArrayLike, alternative: str = "two-sided"
) -> BinomialTest | BinomialTestArray:
    """Exact binomial test of ``p = p0``: the p-value beside the interval, for scalars or arrays.

    ``alternative`` is ``"two-sided"``, ``"greater"`` (p > p0; P(X >= x)) or ``"less"`` (p < p0;
    P(X <= x)); statsmodels' ``"larger"`` and ``"smaller"`` are accepted for the last two. The
    two-sided p-value is scipy.stats.binomtest's (and R's binom.test) "minlike": the probability of
    every outcome no more likely than the one observed (relative tolerance 1e-7), capped at 1.

    Args:
        successes: Number of successes (e.g. errors); or an array.
        n: Number of trials; or an array.
        p0: The proportion under the null hypothesis, in [0, 1]; or an array.
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.

    Returns:
        The test with its inputs, or the tests for array inputs (broadcast together).

    Raises:
        ValidationError: An input is out of range (the first bad element of an array is named) or
            the shapes do not broadcast.

    Example:
        >>> round(binomial_test(682, 925, 0.75).p_value, 4)  # R's binom.test example (Mendel)
        0.3825
        >>> binomial_test([3, 0], 15, 0.1, "greater").p_value.round(4).tolist()
        [0.1841, 1.0]
    """
    many = _is_array(successes) or _is_array(n) or _is_array(p0)
    if not many:
        size = c.count(n, "$.n", minimum=1)
        x = c.count(successes, "$.successes")
        _ordered(np.array(x), "successes", np.array(size), "n", ())
        null = c.real(p0, "$.p0", minimum=0, maximum=1)
        xs, ns, ps = np.array(x), np.array(size), np.array(null)
    else:
        ns = _count_array(n, "$.n", 1)
        xs = _count_array(successes, "$.successes", 0)
        ps = _real_array(p0, "$.p0")
    given: object = alternative  # checked as what a caller may pass, not as annotated
    if isinstance(given, str):
        given = _ALTERNATIVE_ALIASES.get(given, given)
    alt = c.one_of(given, ALTERNATIVES, "$.alternative")
    shape = _broadcast({"successes": xs, "n": ns, "p0": ps}) if many else ()
    xb, nb = _frozen(xs, shape, np.int64), _frozen(ns, shape, np.int64)
    pb = _frozen(ps, shape, np.float64)
    if many:
        _ordered(xs, "successes", ns, "n", shape)
    p_value = _p_values(xb, nb, pb, alt)
    estimate = xb / nb
    if not many:
        return BinomialTest(
            successes=int(xb),
            n=int(nb),
            p0=float(pb),
            alternative=alt,
            estimate=float(estimate),
            p_value=float(p_value),
            convention=_TEST_CONVENTIONS[alt],
        )
    for arr in (estimate, p_value):
        arr.flags.writeable = False
    return BinomialTestArray(
        successes=xb,
        n=nb,
        p0=pb,
        alternative=alt,
        estimate=estimate,
        p_value=p_value,
        convention=_TEST_CONVENTIONS[alt],
    )


def _p_values(x: _IntArray, n: _IntArray, p: _FloatArray, alternative: str) -> _FloatArray:
    """Exact binomial p-values, elementwise (scipy.stats.binom, as scipy.stats.binomtest computes them)."""
    from scipy.stats import binom  # noqa: PLC0415 - lazy import keeps the package light

    if alternative == "less":
        return np.asarray(np.minimum(binom.cdf(x, n, p), 1.0), dtype=np.float64)
    if alternative == "greater":
        return np.asarray(np.minimum(binom.sf(x - 1, n, p), 1.0), dtype=np.float64)
    pn = p * n
    threshold = binom.pmf(x, n, p) * (1 + 1e-7)
    # The outcomes as unlikely as x on the other side of the mode form a tail there: the pmf falls
    # from ceil(pn) up to n and rises from 0 up to floor(pn). Count them by bisection (all at once).
    below = x < pn
    start = np.where(below, np.ceil(pn), 0).astype(np.int64)  # search [start, stop] for the tail's edge
    stop = np.where(below, n + 1, np.floor(pn) + 1).astype(np.int64)
    lo, hi = start.copy(), stop.copy()
    active = lo < hi
    while active.any():
        idx = np.nonzero(active.ravel())[0]
        a, b = lo.ravel()[idx], hi.ravel()[idx]
        mid = (a + b) // 2
        pmf = binom.pmf(mid, n.ravel()[idx], p.ravel()[idx])
        low_side = threshold.ravel()[idx] >= pmf  # below: the tail starts at or before mid
        rising = ~below.ravel()[idx]  # above: the tail (from 0) ends before mid when pmf > threshold
        move_hi = np.where(rising, ~low_side, low_side)
        b = np.where(move_hi, mid, b)
        a = np.where(move_hi, a, mid + 1)
        flat_lo, flat_hi = lo.reshape(-1), hi.reshape(-1)
        flat_lo[idx], flat_hi[idx] = a, b
        active = lo < hi
    # below: lo is the first j >= ceil(pn) with pmf(j) <= threshold, y = n + 1 - lo terms at the top
    # above: lo is the first j in [0, floor(pn)] with pmf(j) > threshold, y = lo terms at the bottom
    top = binom.cdf(x, n, p) + binom.sf(lo - 1, n, p)
    bottom = binom.cdf(lo - 1, n, p) + binom.sf(x - 1, n, p)
    two = np.where(below, top, bottom)
    two = np.where(x == pn, 1.0, two)
    return np.asarray(np.minimum(two, 1.0), dtype=np.float64)
