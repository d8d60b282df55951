"""Discovery sizes, presets and mean-per-unit appraisal."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from comanaged_rcm.errors import InsufficientDataError, ValidationError
from comanaged_rcm.sampling import PRESETS, Appraisal, Preset, discovery_sample_size, mean_per_unit
from comanaged_rcm.serialize import from_json, to_json


class TestDiscovery:
    @pytest.mark.parametrize(("conf", "rate"), [(0.95, 0.05), (0.90, 0.05), (0.95, 0.01), (0.99, 0.02)])
    def test_infinite_closed_form(self, conf: float, rate: float) -> None:
        """Infinite-population discovery size is ceil(ln(1 - conf) / ln(1 - rate)) (closed form)."""
        plan = discovery_sample_size(confidence=conf, rate=rate)
        assert plan.sample_size == math.ceil(math.log(1 - conf) / math.log(1 - rate))

    def test_finite(self) -> None:
        """Finite discovery size: smallest n with hypergeom.pmf(0) <= 5% (scipy.stats, N=500, 10 errors)."""
        plan = discovery_sample_size(confidence=0.95, rate=0.02, population=500)
        n = plan.sample_size
        assert stats.hypergeom.pmf(0, 500, 10, n) <= 0.05 < stats.hypergeom.pmf(0, 500, 10, n - 1)


class TestPresets:
    def test_presets_name_sources(self) -> None:
        """Each preset names its source and round-trips (OIG CIA 50 and 100 claims; CMS PIM ch. 8)."""
        assert PRESETS["oig-cia-discovery"].sample_size == 50
        assert PRESETS["oig-cia-claims-review"].sample_size == 100
        assert PRESETS["cms-pim-ch8"].sides == "lower"
        for preset in PRESETS.values():
            assert preset.source
            assert from_json(to_json(preset), Preset) == preset


class TestMeanPerUnit:
    def test_against_numpy(self) -> None:
        """Point, SE and one-sided 90% lower limit equal an independent numpy/scipy.stats computation."""
        rng = np.random.default_rng(3)
        values = rng.gamma(2.0, 50.0, size=30)
        got = mean_per_unit(list(values), population=1200, confidence=0.9)
        se = 1200 * values.std(ddof=1) / math.sqrt(30) * math.sqrt(1 - 30 / 1200)
        assert got.point_estimate == pytest.approx(1200 * values.mean())
        assert got.standard_error == pytest.approx(se)
        assert got.lower == pytest.approx(1200 * values.mean() - stats.t.ppf(0.9, 29) * se)
        assert got.upper is None
        assert from_json(to_json(got), Appraisal) == got

    def test_two_sided_and_upper(self) -> None:
        """Two-sided limits use t at 1 - alpha/2; 'upper' leaves the lower end open."""
        two = mean_per_unit([1.0, 2.0, 3.0], population=10, confidence=0.9, sides="two-sided")
        assert two.upper is not None
        assert two.upper - two.point_estimate == pytest.approx(stats.t.ppf(0.95, 2) * two.standard_error)
        assert mean_per_unit([1.0, 2.0, 3.0], population=10, confidence=0.9, sides="upper").lower is None

    def test_errors(self) -> None:
        """Too few values, non-finite values, small population and bad sides are library errors."""
        with pytest.raises(InsufficientDataError):
            mean_per_unit([1.0], population=10, confidence=0.9)
        with pytest.raises(ValidationError, match="finite"):
            mean_per_unit([1.0, math.nan], population=10, confidence=0.9)
        with pytest.raises(ValidationError, match="population"):
            mean_per_unit([1.0, 2.0, 3.0], population=2, confidence=0.9)
        with pytest.raises(ValidationError, match="sides"):
            mean_per_unit([1.0, 2.0], population=10, confidence=0.9, sides="x")
