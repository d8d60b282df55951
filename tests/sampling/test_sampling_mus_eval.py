"""Monetary unit sample evaluation: Stringer bounds and modifications, the cell bound, estimators."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from scipy.special import gammaincinv

from comanaged_rcm.errors import InsufficientDataError, ValidationError
from comanaged_rcm.sampling import difference_estimate, mean_per_unit, monetary_upper_limit, ratio_estimate
from comanaged_rcm.sampling._mus_eval import (
    BOUND_METHODS,
    MusEstimate,
    MusEvaluation,
    factors,
    mus_estimate,
    mus_evaluate,
    stringer_bound,
    taints,
)
from comanaged_rcm.serialize import from_json, to_json


def sample(
    n: int, misstated: list[tuple[float, float]], book: float = 100.0
) -> tuple[list[float], list[float]]:
    """n items of ``book`` audited correct, the first ones replaced by the (book, audit) pairs given."""
    books = [b for b, _ in misstated] + [book] * (n - len(misstated))
    audits = [a for _, a in misstated] + [book] * (n - len(misstated))
    return books, audits


# jfa tests/testthat/test-evaluation.R f3-v0.1.0-t7..t10: n = 60 (planning(0.95, 0.05, "poisson")),
# three 50% understatements and three 60% overstatements.
JFA_60 = sample(60, [(100.0, 150.0)] * 3 + [(100.0, 40.0)] * 3)

# FSaudit (Hoogduin) tests/testthat/test-MusEval.R, errorPatternsMUS: n = 31 units of which these 4
# are misstated in pattern AV4 (one 100% overstatement and three small ones).
AV4 = [(5365.27, 0.0), (1292.99, 1280.0), (4441.03, 4400.0), (7435.34, 7400.0)]


class TestStringerPublished:
    def test_jfa_no_errors(self) -> None:
        """jfa f3-v0.1.0-t7: stringer.binomial with no misstatement in 60 units, ub = 0.04870291."""
        e = mus_evaluate([100.0] * 60, [100.0] * 60, 0.95, method="stringer.binomial", tolerable_rate=0.05)
        assert e.upper_limit == pytest.approx(0.04870291, abs=1e-8)
        assert e.upper_limit == pytest.approx(1 - 0.05 ** (1 / 60))
        assert e.acceptable is True

    @pytest.mark.parametrize(
        ("method", "published"),
        [("stringer.meikle", 0.0338254), ("stringer.lta", 0.06899349), ("stringer.pvz", 0.07590801)],
    )
    def test_jfa_modifications(self, method: str, published: float) -> None:
        """jfa f3-v0.1.0-t8/t9/t10: Meikle 0.0338254, LTA 0.06899349, PVZ 0.07590801 (3 x -0.5, 3 x 0.6,
        n = 60)."""
        e = mus_evaluate(*JFA_60, 0.95, method=method)
        assert e.upper_limit == pytest.approx(published, abs=1e-7)
        assert e.overstatements == 3
        assert e.understatements == 3
        assert e.most_likely_error == pytest.approx((3 * 0.6 - 3 * 0.5) / 60)

    @pytest.mark.parametrize(
        ("found", "published"),
        [
            ([1.0, 0.20000072, 0.03999931], 0.03478656),
            ([1.0, 0.09887], 0.03333348),
            ([0.5, 0.4, 0.19887], 0.03251936),
        ],
    )
    def test_touw_hoogduin(self, found: list[float], published: float) -> None:
        """Touw and Hoogduin (2011) pp. 138, 143, 144 as jfa's test-touwhoogduin.R checks them: n = 145,
        binomial Stringer 0.03478656 (mle 0.008551724), 0.03333348, 0.03251936."""
        e = stringer_bound(found, 145, 0.95)
        assert e.upper_limit == pytest.approx(published, abs=1e-8)
        if published == 0.03478656:
            assert e.most_likely_error == pytest.approx(0.008551724, abs=1e-9)

    def test_hypergeometric_fsaudit(self) -> None:
        """FSaudit 'MUS stringer evaluation hypergeometric match' and Touw and Hoogduin p. 138:
        B = 13,500,000, n = 145, taints 1, 0.2, 0.04: upper bound 469,616.48 (factors K / N, K whole)."""
        books, audits = sample(145, [(100.0, 0.0), (250.0, 200.0), (400.0, 384.0)])
        e = mus_evaluate(books, audits, 0.95, method="stringer.hypergeometric", population_value=13_500_000)
        assert e.upper_misstatement == pytest.approx(469_616.48, abs=0.005)
        assert e.factors[0] * 13_500_000 == 276_050  # FSaudit's basic precision

    def test_poisson_fsaudit(self) -> None:
        """FSaudit's Poisson figure 475,998.28 rounds each factor up to a whole unit; ours is within 3."""
        e = stringer_bound([1.0, 0.2, 0.04], 145, method="stringer.poisson", population_value=13_500_000)
        assert e.upper_misstatement == pytest.approx(475_998.28, abs=3)

    @pytest.mark.parametrize(
        ("misstated", "published"),
        [([(5365.27, 0.0)], 1_060_621.0), (AV4, 1_068_230.09), ([(100.0, 0.0)] * 5, 2_279_226.0)],
    )
    def test_idea_stringer(self, misstated: list[tuple[float, float]], published: float) -> None:
        """FSaudit 'MUS Stringer evaluation AV1/AV4/AV6' (IDEA): n = 31, B = 7,360,816, hypergeometric
        Stringer 1,060,621 (one 100%), 1,068,230.09 (AV4), 2,279,226 (five 100%)."""
        books, audits = sample(31, misstated)
        e = mus_evaluate(books, audits, 0.95, method="stringer.hypergeometric", population_value=7_360_816)
        assert e.upper_misstatement == pytest.approx(published, abs=0.005)
        assert e.understatement_misstatement == pytest.approx(678_033)


class TestCellPublished:
    def test_fsaudit_cell_exact(self) -> None:
        """FSaudit 'MUS cell evaluation hypergeometric match': AV4 with B = 1,000,000: basic precision 92,112,
        upper bound 144,863.43, understatements 92,112."""
        books, audits = sample(31, AV4)
        e = mus_evaluate(books, audits, 0.95, method="cell.hypergeometric", population_value=1_000_000)
        assert e.factors[0] * 1_000_000 == 92_112
        assert e.upper_misstatement == pytest.approx(144_863.43, abs=0.005)
        assert e.understatement_misstatement == pytest.approx(92_112)

    @pytest.mark.parametrize(
        ("misstated", "published"),
        [([(5365.27, 0.0)], 1_060_622.35), (AV4, 1_066_321.05), ([(100.0, 0.0)] * 5, 2_279_217.31)],
    )
    def test_idea_cell(self, misstated: list[tuple[float, float]], published: float) -> None:
        """FSaudit 'MUS cell evaluation AV1/AV4/AV6' (IDEA's cell figures, checked there to 1e-4 relative:
        IDEA interpolates its hypergeometric factors): 1,060,622.35, 1,066,321.05, 2,279,217.31."""
        books, audits = sample(31, misstated)
        e = mus_evaluate(books, audits, 0.95, method="cell.hypergeometric", population_value=7_360_816)
        assert e.upper_misstatement == pytest.approx(published, rel=1e-4)

    def test_recursion_by_hand(self) -> None:
        """Cell bound: B0 = f0, Bi = max(B(i-1) + t_i / n, f_i x mean(t_1..t_i)), Poisson factors."""
        n, found = 50, [0.9, 0.3, 0.3, 0.05]
        f = [gammaincinv(k + 1, 0.9) / n for k in range(5)]
        bound = f[0]
        for i, t in enumerate(found, start=1):
            bound = max(bound + t / n, f[i] * sum(found[:i]) / i)
        e = stringer_bound(found, n, 0.9, method="cell.poisson")
        assert e.upper_limit == pytest.approx(bound, rel=1e-13)


class TestFactors:
    def test_closed_forms(self) -> None:
        """Poisson gamma quantiles over n, binomial Clopper-Pearson beta quantiles, 1 once k reaches n."""
        assert factors("poisson", 3, 80, 0.9, None) == pytest.approx(
            [stats.gamma.ppf(0.9, k + 1) / 80 for k in range(4)]
        )
        assert factors("binomial", 3, 3, 0.9, None) == pytest.approx(
            [*(stats.beta.ppf(0.9, k + 1, 3 - k) for k in range(3)), 1.0]
        )

    @pytest.mark.parametrize(
        ("k", "units", "n"), [(0, 1000, 30), (2, 1000, 30), (3, 5000, 120), (30, 400, 30)]
    )
    def test_hypergeometric_edge(self, k: int, units: int, n: int) -> None:
        """K is the largest count with P(X <= k) > 1 - conf: true at K, false at K + 1 (jfa .qhyper)."""
        count = round(factors("hypergeometric", k, n, 0.95, units)[k] * units)
        assert stats.hypergeom.cdf(k, units, count, n) > 0.05
        if count < units:
            assert stats.hypergeom.cdf(k, units, count + 1, n) <= 0.05

    def test_matches_existing_poisson_stringer(self) -> None:
        """stringer.poisson equals monetary_upper_limit(method="stringer") on overstatement taints."""
        found = [0.8, 0.25, 1.0, 0.05]
        old = monetary_upper_limit(sample_size=70, taints=found, confidence=0.9, method="stringer")
        new = stringer_bound(found, 70, 0.9, method="stringer.poisson")
        assert new.upper_limit == pytest.approx(old.upper_limit, rel=1e-14)
        assert new.most_likely_error == pytest.approx(old.most_likely_error)


class TestTaints:
    def test_taints(self) -> None:
        """(book - audit) / book; overstatements above 1 are capped at 1 in the bound, not in the mle."""
        assert taints([100.0, 50.0, 10.0], [60.0, 50.0, 12.0]).tolist() == pytest.approx([0.4, 0.0, -0.2])
        over = mus_evaluate([100.0] * 20, [-50.0] + [100.0] * 19, 0.95)
        capped = stringer_bound([1.0], 20, 0.95)
        assert over.upper_limit == pytest.approx(capped.upper_limit)
        assert over.most_likely_error == pytest.approx(1.5 / 20)

    def test_times_count_each_hit(self) -> None:
        """An item hit twice is two units with its taint. jfa f3-v0.3.0-t1 multiplies the taint by the hits
        instead (0.6 x 2 capped at 1): its figure 0.0326619 is stringer_bound([1, 1, 1], 235) here."""
        books, audits = sample(231, [(100.0, 40.0)] * 3)
        times = [2, 2, 3] + [1] * 228
        e = mus_evaluate(books, audits, 0.95, times=times)
        assert e.sample_size == 235
        assert e.upper_limit == pytest.approx(stringer_bound([0.6] * 7, 235).upper_limit)
        assert stringer_bound([1.0, 1.0, 1.0], 235).upper_limit == pytest.approx(0.0326619, abs=1e-7)

    def test_understatements_apart(self) -> None:
        """Understatements get the plain bound of the same kind on their magnitudes (here above 1)."""
        e = mus_evaluate([100.0] * 40, [250.0, 120.0] + [100.0] * 38, 0.95, method="stringer.poisson")
        f = [gammaincinv(k + 1, 0.95) / 40 for k in range(3)]
        assert e.understatement_limit == pytest.approx(f[0] + (f[1] - f[0]) * 1.5 + (f[2] - f[1]) * 0.2)
        assert e.upper_limit == pytest.approx(f[0])  # no overstatement: the basic precision

    def test_conclusion_edge(self) -> None:
        """Acceptable only when the upper limit is strictly below the tolerable rate (jfa)."""
        ub = stringer_bound([], 60).upper_limit
        assert stringer_bound([], 60, tolerable_rate=ub).acceptable is False
        assert stringer_bound([], 60, tolerable_rate=math.nextafter(ub, 1)).acceptable is True

    def test_round_trip(self) -> None:
        """The evaluation survives JSON and renders as HTML."""
        e = mus_evaluate(*JFA_60, 0.95, method="stringer.pvz", population_value=1e6, tolerable_rate=0.05)
        assert from_json(to_json(e), MusEvaluation) == e
        assert "<table>" in e._repr_html_()
        assert e.precision == pytest.approx(e.upper_limit - e.most_likely_error)


class TestEstimators:
    BOOK = (120.0, 340.5, 99.0, 410.0, 75.25, 260.0, 188.0, 530.0)
    AUDIT = (120.0, 300.0, 99.0, 400.0, 75.25, 250.0, 150.0, 530.0)

    def test_difference_matches_difference_estimate(self) -> None:
        """With fpc, difference equals book total less difference_estimate's audited total, limits too."""
        x_total = 95_000.0
        mine = mus_estimate(self.BOOK, self.AUDIT, 400, 0.9, method="difference", fpc=True, sides="two-sided")
        ref = difference_estimate(self.AUDIT, self.BOOK, 400, x_total, 0.9, sides="two-sided")
        assert ref.lower is not None
        assert ref.upper is not None
        assert mine.most_likely == pytest.approx(x_total - ref.point_estimate)
        assert mine.upper == pytest.approx(x_total - ref.lower)
        assert mine.lower == pytest.approx(x_total - ref.upper)

    def test_quotient_matches_ratio_estimate(self) -> None:
        """jfa's quotient uses N x mean(book) as the book total: ratio_estimate with that total agrees."""
        total = 400 * float(np.mean(self.BOOK))
        mine = mus_estimate(self.BOOK, self.AUDIT, 400, 0.9, method="quotient", fpc=True, sides="two-sided")
        ref = ratio_estimate(self.AUDIT, self.BOOK, 400, total, 0.9, sides="two-sided")
        assert ref.lower is not None
        assert mine.most_likely == pytest.approx(total - ref.point_estimate)
        assert mine.upper == pytest.approx(total - ref.lower)

    def test_direct_matches_mean_per_unit(self) -> None:
        """direct = B - N x mean(audit): mean_per_unit's total and standard error, with fpc."""
        mine = mus_estimate(
            self.BOOK, self.AUDIT, 400, 0.9, method="direct", population_value=95_000.0, fpc=True
        )
        ref = mean_per_unit(self.AUDIT, 400, 0.9, sides="lower")
        assert ref.lower is not None
        assert mine.most_likely == pytest.approx(95_000.0 - ref.point_estimate)
        assert mine.standard_error == pytest.approx(ref.standard_error)
        assert mine.upper == pytest.approx(95_000.0 - ref.lower)

    def test_regression_closed_form(self) -> None:
        """Regression: least-squares slope (scipy linregress), s = sd(audit) sqrt(1 - r^2), t on n - 1 df."""
        fit = stats.linregress(self.BOOK, self.AUDIT)
        n, big_n, value = 8, 400, 95_000.0
        point = value - (big_n * np.mean(self.AUDIT) + fit.slope * (value - big_n * np.mean(self.BOOK)))
        s = np.std(self.AUDIT, ddof=1) * math.sqrt(1 - fit.rvalue**2)
        half = stats.t.ppf(0.975, n - 1) * big_n * s / math.sqrt(n)
        e = mus_estimate(
            self.BOOK, self.AUDIT, big_n, 0.95, method="regression", population_value=value, sides="two-sided"
        )
        assert e.most_likely == pytest.approx(point)
        assert (e.lower, e.upper) == pytest.approx((point - half, point + half))

    def test_no_fpc_margin(self) -> None:
        """Without fpc (jfa) the margin is t(conf, n - 1) x N x sd / sqrt(n); one-sided leaves a side open."""
        e = mus_estimate(self.BOOK, self.AUDIT, 400, 0.95, method="difference")
        d = np.subtract(self.BOOK, self.AUDIT)
        assert e.precision == pytest.approx(stats.t.ppf(0.95, 7) * 400 * np.std(d, ddof=1) / math.sqrt(8))
        assert e.lower is None
        low = mus_estimate(self.BOOK, self.AUDIT, 400, 0.95, method="difference", sides="lower")
        assert low.upper is None
        assert low.lower == pytest.approx(e.most_likely - e.precision)
        assert from_json(to_json(e), MusEstimate) == e

    def test_refusals(self) -> None:
        """direct and regression need the book value; regression needs varying books; 2 items at least."""
        with pytest.raises(ValidationError) as err:
            mus_estimate(self.BOOK, self.AUDIT, 400, method="direct")
        assert err.value.issues[0].path == "$.population_value"
        with pytest.raises(ValidationError) as err:
            mus_estimate([5.0, 5.0], [5.0, 4.0], 10, method="regression", population_value=50.0)
        assert err.value.issues[0].path == "$.book"
        with pytest.raises(InsufficientDataError):
            mus_estimate([5.0], [5.0], 10)
        with pytest.raises(ValidationError) as err:
            mus_estimate(self.BOOK, self.AUDIT, 5)
        assert err.value.issues[0].path == "$.population_size"


class TestRefusals:
    @pytest.mark.parametrize(
        ("call", "path"),
        [
            (lambda: mus_evaluate([100.0, 0.0], [100.0, 0.0]), "$.book[1]"),
            (lambda: mus_evaluate([100.0, -5.0], [100.0, 0.0]), "$.book[1]"),
            (lambda: mus_evaluate([100.0], [100.0, 3.0]), "$.book"),
            (lambda: mus_evaluate([100.0], [float("nan")]), "$.audit[0]"),
            (lambda: mus_evaluate([100.0], [90.0], times=[0]), "$.times[0]"),
            (lambda: mus_evaluate([100.0], [90.0], method="stringer"), "$.method"),
            (lambda: mus_evaluate([100.0], [90.0], method="stringer.hypergeometric"), "$.population_value"),
            (
                lambda: mus_evaluate(
                    [100.0] * 5, [90.0] * 5, method="cell.hypergeometric", population_value=3
                ),
                "$.population_value",
            ),
            (lambda: stringer_bound([0.5, 0.5], 1), "$.taints"),
            (lambda: stringer_bound([0.5], 10, 1.0), "$.confidence"),
            (lambda: stringer_bound([0.5], 10, tolerable_rate=0), "$.tolerable_rate"),
        ],
    )
    def test_bad_input_names_its_path(self, call: object, path: str) -> None:
        """Bad input raises ValidationError naming the parameter path."""
        with pytest.raises(ValidationError) as err:
            call()  # type: ignore[operator]
        assert err.value.issues[0].path == path


class TestProperties:
    @given(
        found=st.lists(st.floats(0.001, 1.0), max_size=8),
        n=st.integers(10, 300),
        conf=st.sampled_from([0.8, 0.9, 0.95]),
    )
    def test_orderings(self, found: list[float], n: int, conf: float) -> None:
        """Poisson >= binomial >= mle for the plain bound; more confidence or one more taint never lowers
        it; the hypergeometric factors never exceed the binomial ones by more than one unit in N."""
        pois = stringer_bound(found, n, conf, method="stringer.poisson").upper_limit
        binom = stringer_bound(found, n, conf, method="stringer.binomial").upper_limit
        assert pois >= binom - 1e-12
        assert binom >= sum(found) / n
        assert stringer_bound(found, n, 0.99).upper_limit >= binom - 1e-12
        assert stringer_bound([*found, 0.5], n).upper_limit >= stringer_bound(found, n).upper_limit - 1e-12
        hyper = stringer_bound(
            found, n, conf, method="stringer.hypergeometric", population_value=50 * n
        ).factors
        plain = factors("binomial", len(found), n, conf, None)
        assert all(h <= b + 1 / (50 * n) for h, b in zip(hyper, plain, strict=True))

    @given(found=st.lists(st.floats(-2.0, 1.0).filter(lambda t: t != 0), max_size=10), n=st.integers(10, 200))
    def test_every_method_finite(self, found: list[float], n: int) -> None:
        """Every bound is finite and lists f(0..k), k the larger of the over- and understatement counts."""
        for method in BOUND_METHODS:
            e = stringer_bound(found, n, 0.95, method=method, population_value=1000.0 * n)
            assert math.isfinite(e.upper_limit)
            assert e.understatement_limit >= e.factors[0] - 1e-12
            assert len(e.factors) == 1 + max(e.overstatements, e.understatements)
