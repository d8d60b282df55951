"""Monetary unit sampling sizes against AICPA table C-1 and upper limits against scipy.stats."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling import (
    MonetaryEvaluation,
    MonetaryPlan,
    monetary_sample_size,
    monetary_upper_limit,
)
from comanaged_rcm.serialize import from_json, to_json

# AICPA Audit Sampling guide (2017), Appendix C, table C-1: monetary unit sample sizes. Source: the
# transcription in the R package jfa, repository koenderks/jfa, file
# tests/testthat/test-validation-appendix-c.R (commit 02f8c23a4208196bfc4fc6a6f4122c620c6d2291), citing
# https://onlinelibrary.wiley.com/doi/pdf/10.1002/9781119448617.app3. Each row: risk of incorrect
# acceptance (%), ratio of expected to tolerable misstatement, sizes for the tolerable misstatement
# columns below, and the expected taints shown for the 0.5% column.
C1_TOLERABLE = [0.5, 0.3, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01, 0.005]
C1: list[tuple[int, float, list[int], float]] = [
    (5, 0.0, [6, 10, 30, 38, 50, 60, 75, 100, 150, 300, 600], 0),
    (5, 0.1, [8, 13, 37, 46, 62, 74, 92, 123, 184, 368, 736], 0.37),
    (5, 0.2, [10, 16, 47, 58, 78, 93, 116, 155, 232, 463, 925], 0.93),
    (5, 0.3, [12, 20, 60, 75, 100, 120, 150, 200, 300, 600, 1199], 1.80),
    (5, 0.4, [17, 27, 81, 102, 135, 162, 203, 270, 405, 809, 1618], 3.24),
    (5, 0.5, [24, 39, 116, 145, 193, 231, 289, 385, 577, 1154, 2308], 5.77),
    (10, 0.0, [5, 8, 24, 29, 39, 47, 58, 77, 116, 231, 461], 0),
    (10, 0.2, [7, 12, 35, 43, 57, 69, 86, 114, 171, 341, 682], 0.69),
    (10, 0.3, [9, 15, 44, 55, 73, 87, 109, 145, 217, 433, 866], 1.30),
    (10, 0.4, [12, 20, 58, 72, 96, 115, 143, 191, 286, 572, 1144], 2.29),
    (10, 0.5, [16, 27, 80, 100, 134, 160, 200, 267, 400, 799, 1597], 4.00),
    (15, 0.0, [4, 7, 19, 24, 32, 38, 48, 64, 95, 190, 380], 0),
    (15, 0.2, [6, 10, 28, 35, 46, 55, 69, 91, 137, 273, 545], 0.55),
    (15, 0.3, [7, 12, 35, 43, 57, 69, 86, 114, 171, 341, 681], 1.03),
    (15, 0.4, [9, 15, 45, 56, 74, 89, 111, 148, 221, 442, 883], 1.77),
    (15, 0.5, [13, 21, 61, 76, 101, 121, 151, 202, 302, 604, 1208], 3.02),
    (20, 0.0, [4, 6, 17, 21, 27, 33, 41, 54, 81, 161, 322], 0),
    (20, 0.2, [5, 8, 23, 29, 38, 46, 57, 76, 113, 226, 451], 0.46),
    (20, 0.3, [6, 10, 28, 35, 47, 56, 70, 93, 139, 277, 554], 0.84),
    (20, 0.4, [8, 12, 36, 45, 59, 71, 89, 118, 177, 354, 707], 1.42),
    (20, 0.5, [10, 16, 48, 60, 80, 95, 119, 159, 238, 475, 949], 2.38),
    (25, 0.0, [3, 5, 14, 18, 24, 28, 35, 47, 70, 139, 278], 0),
    (25, 0.2, [4, 7, 19, 24, 32, 38, 48, 64, 95, 190, 380], 0.38),
    (25, 0.3, [5, 8, 23, 29, 39, 46, 58, 77, 115, 230, 460], 0.69),
    (25, 0.4, [6, 10, 29, 37, 49, 58, 73, 97, 145, 289, 578], 1.16),
    (25, 0.5, [8, 13, 38, 48, 64, 76, 95, 127, 190, 380, 760], 1.90),
    (30, 0.0, [3, 5, 13, 16, 21, 25, 31, 41, 61, 121, 241], 0),
    (30, 0.2, [4, 6, 17, 21, 27, 33, 41, 54, 81, 162, 323], 0.33),
    (30, 0.4, [5, 8, 24, 30, 40, 48, 60, 80, 120, 239, 477], 0.96),
    (30, 0.6, [9, 15, 43, 54, 71, 85, 107, 142, 213, 425, 850], 2.55),
    (35, 0.0, [3, 4, 11, 14, 18, 21, 27, 35, 53, 105, 210], 0),
    (35, 0.2, [3, 5, 14, 18, 23, 28, 35, 46, 69, 138, 276], 0.28),
    (35, 0.4, [4, 7, 20, 25, 34, 40, 50, 67, 100, 199, 397], 0.80),
    (35, 0.6, [7, 12, 34, 43, 57, 68, 85, 113, 169, 338, 676], 2.03),
    (50, 0.0, [2, 3, 7, 9, 12, 14, 18, 24, 35, 70, 139], 0),
    (50, 0.2, [2, 3, 9, 11, 15, 18, 22, 29, 44, 87, 173], 0.18),
    (50, 0.4, [3, 4, 12, 15, 19, 23, 29, 38, 57, 114, 228], 0.46),
    (50, 0.6, [4, 6, 17, 22, 29, 34, 43, 57, 85, 170, 340], 1.02),
]


def _expected(tolerable: float, ratio: float) -> float:
    return float(Decimal(str(tolerable)) * Decimal(str(ratio)))


def naive_mus(confidence: float, tolerable: float, expected: float) -> int:
    """Reference: scan n upward until scipy.stats.gamma.ppf(conf, 1 + expected x n) / n <= tolerable."""
    n = 1
    while stats.gamma.ppf(confidence, 1 + expected * n) / n > tolerable:
        n += 1
    return n


class TestTableC1:
    @pytest.mark.parametrize(("risk", "ratio", "sizes"), [row[:3] for row in C1])
    def test_sizes(self, risk: int, ratio: float, sizes: list[int]) -> None:
        """Poisson sizes with fractional expected misstatement equal every cell of AICPA table C-1, source
        koenderks/jfa tests/testthat/test-validation-appendix-c.R."""
        got = [
            monetary_sample_size(
                confidence=1 - risk / 100, tolerable_rate=tol, expected_rate=_expected(tol, ratio)
            ).sample_size
            for tol in C1_TOLERABLE
        ]
        assert got == sizes

    @pytest.mark.parametrize(("risk", "ratio", "sizes", "taints"), C1)
    def test_expected_taints(self, risk: int, ratio: float, sizes: list[int], taints: float) -> None:
        """The expected taints column of C-1 is expected_rate x n at the 0.5% column, rounded up to 0.01
        (source koenderks/jfa tests/testthat/test-validation-appendix-c.R)."""
        plan = monetary_sample_size(
            confidence=1 - risk / 100, tolerable_rate=0.005, expected_rate=_expected(0.005, ratio)
        )
        assert plan.sample_size == sizes[-1]
        shown = math.ceil(Decimal(str(_expected(0.005, ratio))) * plan.sample_size * 100) / 100
        assert shown == pytest.approx(taints)
        assert plan.expected_misstatements == pytest.approx(_expected(0.005, ratio) * plan.sample_size)

    @pytest.mark.parametrize(("risk", "ratio"), [(5, 0.0), (5, 0.5), (10, 0.3), (35, 0.6), (50, 0.6)])
    def test_matches_naive_scan(self, risk: int, ratio: float) -> None:
        """Bisection gives the same sizes as the n-by-n scipy.stats.gamma scan (independent reference)."""
        for tol in C1_TOLERABLE[:9]:
            exp = _expected(tol, ratio)
            plan = monetary_sample_size(confidence=1 - risk / 100, tolerable_rate=tol, expected_rate=exp)
            assert plan.sample_size == naive_mus(1 - risk / 100, tol, exp)

    def test_interval_and_roundtrip(self) -> None:
        """A book value gives the sampling interval; the plan round-trips and renders as a table."""
        plan = monetary_sample_size(
            confidence=0.95, tolerable_rate=0.05, expected_rate=0.01, population_value=2_000_000.0
        )
        assert plan.sample_size == 93
        assert plan.sampling_interval == pytest.approx(2_000_000 / 93)
        assert from_json(to_json(plan), MonetaryPlan) == plan
        assert "<table>" in plan._repr_html_()


class TestUpperLimit:
    @pytest.mark.parametrize(("n", "k"), [(60, 0), (93, 1), (150, 3), (5, 5)])
    def test_poisson_whole_errors(self, n: int, k: int) -> None:
        """Poisson limit is scipy.stats.gamma.ppf(conf, k + 1) / n, capped at 1."""
        ev = monetary_upper_limit(sample_size=n, taints=[1.0] * k, confidence=0.95)
        assert ev.upper_limit == pytest.approx(min(1.0, stats.gamma.ppf(0.95, k + 1) / n))
        assert ev.most_likely_error == pytest.approx(k / n)

    def test_jfa_published_poisson_bound(self) -> None:
        """No misstatement in the 60 items of a 95%/5% Poisson plan: upper bound 0.04992887, the figure in
        koenderks/jfa tests/testthat/test-consistency-evaluation.R (id f3-v0.1.0-t1)."""
        plan = monetary_sample_size(confidence=0.95, tolerable_rate=0.05)
        assert plan.sample_size == 60
        ev = monetary_upper_limit(sample_size=60, taints=[], confidence=0.95)
        assert ev.upper_limit == pytest.approx(0.04992887, abs=5e-9)
        assert monetary_upper_limit(60, [], 0.95, method="stringer").upper_limit == ev.upper_limit

    def test_poisson_counts_partial_taints_whole(self) -> None:
        """The Poisson method treats a 30% taint as a whole error."""
        a = monetary_upper_limit(sample_size=100, taints=[0.3], confidence=0.9)
        b = monetary_upper_limit(sample_size=100, taints=[1.0], confidence=0.9)
        assert a.upper_limit == b.upper_limit
        assert a.most_likely_error == pytest.approx(0.003)

    @settings(max_examples=40, deadline=None)
    @given(
        taints=st.lists(st.floats(0.01, 1.0), max_size=8),
        n=st.integers(10, 400),
        conf=st.sampled_from([0.8, 0.9, 0.95]),
    )
    def test_stringer_brute_force(self, taints: list[float], n: int, conf: float) -> None:
        """Stringer bound equals the textbook sum with scipy.stats.gamma factors, and lies between the
        zero-error bound and the all-whole-errors Poisson bound."""
        ev = monetary_upper_limit(sample_size=n, taints=taints, confidence=conf, method="stringer")
        f = [stats.gamma.ppf(conf, i + 1) for i in range(len(taints) + 1)]
        ranked = sorted(taints, reverse=True)
        ref = (f[0] + sum((f[i + 1] - f[i]) * t for i, t in enumerate(ranked))) / n
        assert ev.upper_limit == pytest.approx(min(1.0, ref), rel=1e-9)
        whole = monetary_upper_limit(sample_size=n, taints=taints, confidence=conf)
        assert f[0] / n - 1e-12 <= ev.upper_limit <= whole.upper_limit + 1e-12

    def test_amounts_and_conclusion(self) -> None:
        """A book value projects the rates to amounts; the tolerable rate gives the conclusion."""
        ev = monetary_upper_limit(
            sample_size=100,
            taints=[0.5, 0.2],
            confidence=0.95,
            method="stringer",
            population_value=1_000_000.0,
            tolerable_rate=0.05,
        )
        assert ev.projected_misstatement == pytest.approx(7_000.0)
        assert ev.upper_misstatement == pytest.approx(ev.upper_limit * 1_000_000)
        assert ev.acceptable is (ev.upper_limit <= 0.05)
        assert ev.taints == (0.5, 0.2)
        assert from_json(to_json(ev), MonetaryEvaluation) == ev
        assert "<table>" in ev._repr_html_()


class TestErrors:
    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"confidence": 1.5, "tolerable_rate": 0.05}, "$.confidence"),
            ({"confidence": 0.95, "tolerable_rate": 0.05, "expected_rate": 0.06}, "$.expected_rate"),
            ({"confidence": 0.95, "tolerable_rate": 0.05, "population_value": -1.0}, "$.population_value"),
            ({"confidence": 0.95, "tolerable_rate": 0.05, "population_value": "1"}, "$.population_value"),
        ],
    )
    def test_plan_errors(self, kwargs: dict[str, object], path: str) -> None:
        """Bad plan inputs raise ValidationError naming the field."""
        with pytest.raises(ValidationError) as info:
            monetary_sample_size(**kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"sample_size": 10, "taints": [1.5], "confidence": 0.9}, "$.taints[0]"),
            ({"sample_size": 10, "taints": [0.5, True], "confidence": 0.9}, "$.taints[1]"),
            ({"sample_size": 2, "taints": [0.5] * 3, "confidence": 0.9}, "$.taints"),
            ({"sample_size": 10, "taints": [], "confidence": 0.9, "method": "cell"}, "$.method"),
            ({"sample_size": 10, "taints": [], "confidence": 0.9, "tolerable_rate": 0.0}, "$.tolerable_rate"),
        ],
    )
    def test_limit_errors(self, kwargs: dict[str, object], path: str) -> None:
        """Bad evaluation inputs raise ValidationError naming the field."""
        with pytest.raises(ValidationError) as info:
            monetary_upper_limit(**kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path


class TestDecimalInputs:
    def test_decimal_tolerable_rates_serialize(self) -> None:
        """A tolerable rate given as a Decimal is kept as a float, so the result still serializes."""
        from comanaged_rcm.sampling import attribute_upper_limit  # noqa: PLC0415 - this test only
        from comanaged_rcm.serialize import to_dict  # noqa: PLC0415 - this test only

        for result in (
            monetary_upper_limit(100, [0.5], 0.95, tolerable_rate=Decimal("0.05")),  # type: ignore[arg-type]
            attribute_upper_limit(93, 1, 0.95, tolerable_rate=Decimal("0.05")),  # type: ignore[arg-type]
        ):
            assert type(result.tolerable_rate) is float
            assert to_dict(result)["tolerable_rate"] == 0.05
