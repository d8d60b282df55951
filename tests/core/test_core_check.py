"""The shared checks: each fast path accepts exactly what its slow path accepts."""

from __future__ import annotations

import datetime
import math

import attrs
import numpy as np
import pytest

from comanaged_rcm import _check as c
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.serialize import to_dict
from tests.fuzz.probes import PROBES


class _Float(float):
    """A float subclass: it skips every ``type(x) is float`` fast path, so it takes the slow one."""


@attrs.frozen
class _Bounded:
    low: float = attrs.field(default=0.0, validator=c.v.real(minimum=-math.inf))
    high: float = attrs.field(default=0.0, validator=c.v.real(maximum=math.inf))


class TestFastPaths:
    def test_an_infinite_bound_does_not_admit_the_infinity(self) -> None:
        """minimum=-inf (maximum=inf) still refuses -inf (inf), as real() does."""
        with pytest.raises(ValidationError, match="finite number") as caught:
            _Bounded(low=-math.inf)
        assert caught.value.issues[0].path == "$.low"
        with pytest.raises(ValidationError, match="finite number"):
            _Bounded(high=math.inf)
        assert _Bounded(low=-1e308, high=1e308).low == -1e308

    @pytest.mark.parametrize("value", [0.5, -0.0, 5e-324, 1.0, 0.0])
    def test_real_fast_and_slow_agree(self, value: float) -> None:
        """A float and a float subclass of the same value get the same verdict."""
        for options in ({"minimum": 0.0, "low_open": True}, {"maximum": 1.0, "high_open": True}, {}):
            verdicts = []
            for given in (value, _Float(value)):
                try:
                    c.real(given, "$.x", **options)  # type: ignore[arg-type]
                    verdicts.append(True)
                except ValidationError:
                    verdicts.append(False)
            assert verdicts[0] == verdicts[1], (value, options)

    def test_a_datetime_in_a_wild_zone_is_refused(self) -> None:
        """A datetime whose time zone gives an impossible offset is refused, not compared or printed."""
        wild = PROBES["datetime in a wild zone"]()
        with pytest.raises(ValidationError, match=r"must be a datetime\.datetime") as caught:
            c.datetime_(wild, "$.at")
        assert caught.value.issues[0].path == "$.at"
        naive = datetime.datetime(2026, 1, 5)  # noqa: DTZ001 - naive on purpose
        with pytest.raises(ValidationError) as compared:
            c.aware_or_naive(wild, "$.created", naive, "$.now")  # type: ignore[arg-type]
        assert compared.value.issues[0].path == "$.created"
        with pytest.raises(ValidationError, match="cannot be converted") as dumped:
            to_dict(wild)
        assert dumped.value.issues[0].path == "$.obj"


class TestNumbers:
    def test_a_long_double_fraction_is_not_a_whole_number(self) -> None:
        """1 + 2**-60 in long double rounds to 1.0 as a float, but it is not a count."""
        fraction = np.longdouble(1) + np.longdouble(2) ** -60
        if fraction == 1:
            pytest.skip("long double is a plain float64 on this platform")
        with pytest.raises(ValidationError, match="whole number"):
            c.count(fraction, "$.n")
        assert c.as_int(fraction) is fraction
        assert c.count(np.longdouble(3), "$.n") == 3

    def test_a_duration_is_not_a_real_number(self) -> None:
        """numpy's timedelta64 is registered as a number but is refused as one, by type."""
        with pytest.raises(ValidationError, match=r"must be a finite number \(got np.timedelta64"):
            c.real(np.timedelta64(3, "D"), "$.x")

    def test_a_number_whose_conversion_raises_is_refused(self) -> None:
        """A foreign Real whose __float__ raises is refused at its path, and left alone by as_real."""
        hostile = PROBES["hostile real"]()
        with pytest.raises(ValidationError, match="which is not one") as caught:
            c.real(hostile, "$.x")
        assert caught.value.issues[0].path == "$.x"
        assert c.as_real(hostile) is hostile
