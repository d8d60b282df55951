"""Bayesian planning and evaluation against jfa's published tests and closed-form conjugates.

Figures quoted from koenderks/jfa ``tests/testthat/test-planning.R`` and ``test-evaluation.R``
(ids in each test's docstring); closed forms from scipy.stats beta/gamma.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._bayes import (
    BayesianEvaluation,
    BayesianPlan,
    Prior,
    bayesian_evaluate,
    bayesian_prior,
    bayesian_sample_size,
)
from comanaged_rcm.sampling._models import Method


class TestPlanningAgainstJfa:
    def test_poisson_default_prior(self) -> None:
        """jfa f5-v0.1.0-t5: Poisson, materiality 5%, expected 2.5%, prior = TRUE: n = 228, x = 5.7."""
        plan = bayesian_sample_size(0.05, expected=0.025, likelihood="poisson")
        assert plan.sample_size == 228
        assert plan.expected_errors == pytest.approx(5.7)

    def test_binomial_default_prior(self) -> None:
        """jfa f5-v0.1.0-t11: binomial beta(1, 1), materiality 5%, expected 2.5%: n = 220, x = 5.5."""
        plan = bayesian_sample_size(0.05, expected=0.025)
        assert (plan.sample_size, plan.expected_errors) == (220, 5.5)

    def test_hypergeometric_default_prior(self) -> None:
        """jfa f5-v0.1.0-t17: beta-binomial(1000, 1, 1), materiality 5%, expected 2.5%: n = 196, x = 5."""
        plan = bayesian_sample_size(0.05, expected=0.025, likelihood="hypergeometric", population=1000)
        assert (plan.sample_size, plan.expected_errors) == (196, 5)

    def test_zero_expected(self) -> None:
        """jfa f5-v0.6.5-t1, f5-v0.5.2-t2: materiality 5%, no errors: 58 (binomial; N = 10,000)."""
        assert bayesian_sample_size(0.05).sample_size == 58
        assert bayesian_sample_size(0.05, likelihood="hypergeometric", population=10_000).sample_size == 58

    def test_three_percent_closed_form(self) -> None:
        """beta(1, 1 + n) bound 1 - 0.05^(1/(n+1)) < 0.03 first at n = 98 (ln 0.05 / ln 0.97 - 1)."""
        plan = bayesian_sample_size(0.03)
        assert plan.sample_size == 98
        assert math.ceil(math.log(0.05) / math.log(0.97) - 1) == 98
        assert plan.upper == pytest.approx(1 - 0.05 ** (1 / 99))

    def test_impartial_prior_with_min_precision(self) -> None:
        """jfa f5-v0.1.0-t19: impartial prior (expected 2.5%), min precision 2%: n = 284, x = 7.1."""
        prior = bayesian_prior("impartial", materiality=0.05, expected=0.025)
        plan = bayesian_sample_size(0.05, expected=0.025, min_precision=0.02, prior=prior)
        assert plan.sample_size == 284
        assert plan.expected_errors == pytest.approx(7.1)

    def test_sample_prior(self) -> None:
        """jfa f5-v0.1.0-t22: prior from a sample n = 58, x = 0; materiality 3%, expected 1.3%: n = 143."""
        prior = bayesian_prior("sample", n=58, x=0)
        plan = bayesian_sample_size(0.03, expected=0.013, prior=prior)
        assert plan.sample_size == 143
        assert plan.expected_errors == pytest.approx(1.86, rel=1e-3)

    def test_expected_bayes_factors(self) -> None:
        """jfa f5-v0.4.0-t1/t2: expected Bayes factors 945.2848, 933.3458, 933.7705249, 939.0618203."""
        assert bayesian_sample_size(0.02).bayes_factor == pytest.approx(945.2848, rel=1e-6)
        assert bayesian_sample_size(0.02, expected=0.01).bayes_factor == pytest.approx(933.3458, rel=1e-6)
        hyper: dict[str, Any] = {"likelihood": "hypergeometric", "population": 1000}
        assert bayesian_sample_size(0.02, **hyper).bayes_factor == pytest.approx(933.7705249, rel=1e-8)
        assert bayesian_sample_size(0.02, expected=0.01, **hyper).bayes_factor == pytest.approx(
            939.0618203, rel=1e-8
        )

    def test_impartial_expected_bayes_factors(self) -> None:
        """jfa f5-v0.4.0-t3: impartial priors at 2% give expected Bayes factors 19.35135 and 19.01047."""
        poisson = bayesian_prior("impartial", materiality=0.02, likelihood="poisson")
        binomial = bayesian_prior("impartial", materiality=0.02)
        assert bayesian_sample_size(0.02, prior=poisson).bayes_factor == pytest.approx(19.35135, rel=1e-6)
        assert bayesian_sample_size(0.02, prior=binomial).bayes_factor == pytest.approx(19.01047, rel=1e-6)

    def test_strict_prior_posterior_odds(self) -> None:
        """jfa f5-v0.4.0-t1: improper gamma(1, 0) at 2%: posterior odds 19.08554 = e^3 - 1, no BF."""
        strict = bayesian_prior("param", alpha=1, beta=0, likelihood="poisson")
        plan = bayesian_sample_size(0.02, prior=strict)
        assert plan.sample_size == 150
        assert plan.posterior_odds == pytest.approx(19.08554, rel=1e-6)
        assert plan.posterior_odds == pytest.approx(math.e**3 - 1)
        assert plan.bayes_factor is None

    def test_expected_as_count(self) -> None:
        """A whole number >= 1 is a count of errors, the same at every n (jfa's 'integer' error type)."""
        plan = bayesian_sample_size(0.05, expected=2)
        assert plan.expected_kind == "count"
        assert plan.expected_errors == 2
        assert plan.upper == pytest.approx(stats.beta.ppf(0.95, 3, 1 + plan.sample_size - 2))
        previous = stats.beta.ppf(0.95, 3, 1 + plan.sample_size - 3)
        assert previous >= 0.05


class TestPlanningEdges:
    def test_bound_strictly_below(self) -> None:
        """The plan's bound is below materiality and the bound at n - 1 is not."""
        plan = bayesian_sample_size(0.05, expected=0.01)
        assert plan.upper < 0.05
        x = 0.01 * (plan.sample_size - 1)
        assert stats.beta.ppf(0.95, 1 + x, 1 + plan.sample_size - 1 - x) >= 0.05

    def test_max_exactly_enough(self) -> None:
        """max equal to the plan's n is accepted; one less is refused at $.max."""
        assert bayesian_sample_size(0.05, max=58).sample_size == 58
        with pytest.raises(ValidationError, match=r"\$\.max"):
            bayesian_sample_size(0.05, max=57)

    def test_expected_near_materiality_refused_not_huge(self) -> None:
        """An expected rate just below materiality is refused with the cap named, never a huge n."""
        with pytest.raises(ValidationError, match="no sample of at most 5,000 items") as info:
            bayesian_sample_size(0.05, expected=0.0499)
        assert info.value.issues[0].path == "$.max"

    def test_expected_equal_to_materiality(self) -> None:
        """expected equal to materiality is refused at $.expected."""
        with pytest.raises(ValidationError, match=r"'expected' must be < 'materiality'"):
            bayesian_sample_size(0.05, expected=0.05)

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"confidence": 1.0}, "$.confidence"),
            ({"confidence": "0.95"}, "$.confidence"),
            ({"expected": 1.5}, "$.expected"),
            ({"expected": -0.01}, "$.expected"),
            ({"max": 0}, "$.max"),
            ({"population": 100}, "$.population"),
            ({"likelihood": "hypergeometric"}, "$.population"),
            ({"likelihood": "binomal"}, "$.likelihood"),
            ({"prior": "default"}, "$.prior"),
            ({"min_precision": 0}, "$.min_precision"),
        ],
    )
    def test_bad_input_names_path(self, kwargs: dict[str, object], path: str) -> None:
        """Bad input raises ValidationError at the parameter's path."""
        with pytest.raises(ValidationError) as info:
            bayesian_sample_size(0.05, **kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path

    def test_population_with_binomial_names_hypergeometric(self) -> None:
        """A population with the binomial likelihood is refused naming the finite-population method."""
        with pytest.raises(ValidationError, match="'hypergeometric'"):
            bayesian_sample_size(0.05, population=500)

    def test_prior_likelihood_conflict(self) -> None:
        """A likelihood that disagrees with the prior's is refused at $.likelihood."""
        prior = bayesian_prior(likelihood="poisson")
        with pytest.raises(ValidationError) as info:
            bayesian_sample_size(0.05, prior=prior, likelihood="binomial")
        assert info.value.issues[0].path == "$.likelihood"
        assert bayesian_sample_size(0.05, prior=prior).likelihood is Method.POISSON

    @given(
        st.floats(0.80, 0.98),
        st.floats(0.80, 0.98),
        st.floats(0.02, 0.2),
        st.floats(0.0, 0.5),
    )
    def test_monotonic_in_confidence_and_materiality(
        self, conf_a: float, conf_b: float, materiality: float, share: float
    ) -> None:
        """More confidence never needs fewer items; more materiality never needs more."""
        low, high = sorted((conf_a, conf_b))
        expected = materiality * share
        n_low = bayesian_sample_size(materiality, confidence=low, expected=expected).sample_size
        n_high = bayesian_sample_size(materiality, confidence=high, expected=expected).sample_size
        assert n_low <= n_high
        wider = min(0.5, materiality * 1.5)
        assert (
            bayesian_sample_size(wider, confidence=low).sample_size
            <= bayesian_sample_size(materiality, confidence=low).sample_size
        )


class TestEvaluationAgainstJfa:
    def test_beta_bayes_factors(self) -> None:
        """jfa f3-v0.6.0-t1 (Derks et al. 2022, 2024): beta(1, 1) BF 696.696 and 51.5513; impartial 4.9852."""
        assert bayesian_evaluate(160, 1, materiality=0.03).bayes_factor == pytest.approx(696.696, abs=5e-4)
        assert bayesian_evaluate(50, 1, materiality=0.05).bayes_factor == pytest.approx(51.551344113750538)
        impartial = bayesian_prior("impartial", materiality=0.05)
        assert bayesian_evaluate(50, 1, materiality=0.05, prior=impartial).bayes_factor == pytest.approx(
            4.9852019781149854
        )

    def test_improper_priors_report_posterior_odds(self) -> None:
        """jfa f3-v0.6.0-t1/t2: beta(1, 0) odds 2.578691368; gamma(1, 0) odds 19.95007199 and 2.48071256."""
        beta_strict = bayesian_prior("param", alpha=1, beta=0)
        gamma_strict = bayesian_prior("param", alpha=1, beta=0, likelihood="poisson")
        result = bayesian_evaluate(50, 1, materiality=0.05, prior=beta_strict)
        assert result.posterior_odds == pytest.approx(2.578691368)
        assert result.bayes_factor is None
        assert bayesian_evaluate(
            160, 1, materiality=0.03, prior=gamma_strict
        ).posterior_odds == pytest.approx(19.95007199)
        assert bayesian_evaluate(50, 1, materiality=0.05, prior=gamma_strict).posterior_odds == pytest.approx(
            2.48071256
        )

    def test_gamma_impartial(self) -> None:
        """jfa f3-v0.6.0-t2: impartial gamma prior, n = 50, x = 1, materiality 5%: BF 4.810668425."""
        prior = bayesian_prior("impartial", materiality=0.05, likelihood="poisson")
        assert bayesian_evaluate(50, 1, materiality=0.05, prior=prior).bayes_factor == pytest.approx(
            4.810668425
        )

    def test_beta_binomial(self) -> None:
        """jfa f3-v0.6.0-t3: beta-binomial N = 1000: BF 943.4715321, 53.59899136, impartial 5.162566438, 1."""
        hyper: dict[str, Any] = {"likelihood": "hypergeometric", "population": 1000}
        assert bayesian_evaluate(160, 1, materiality=0.03, **hyper).bayes_factor == pytest.approx(943.4715321)
        assert bayesian_evaluate(50, 1, materiality=0.05, **hyper).bayes_factor == pytest.approx(53.59899136)
        impartial = bayesian_prior(
            "impartial", materiality=0.05, likelihood="hypergeometric", population=1000
        )
        assert bayesian_evaluate(50, 1, materiality=0.05, prior=impartial).bayes_factor == pytest.approx(
            5.162566438
        )
        small = bayesian_evaluate(2, 1, materiality=0.5, likelihood="hypergeometric", population=11)
        assert small.bayes_factor == pytest.approx(1.0)

    def test_closed_form_posterior(self) -> None:
        """beta(1, 1) after 1 error in 50: posterior beta(2, 50); mode 1/50; upper = its 95% quantile."""
        result = bayesian_evaluate(50, 1, materiality=0.05)
        assert (result.posterior_alpha, result.posterior_beta) == (2, 50)
        assert result.mode == pytest.approx(1 / 50)
        assert result.upper == pytest.approx(stats.beta.ppf(0.95, 2, 50))
        assert result.precision == pytest.approx(result.upper - result.mode)
        assert result.below_materiality is (result.upper < 0.05)

    def test_taints_are_real(self) -> None:
        """For the binomial likelihood the errors may be a sum of taints (2.5)."""
        result = bayesian_evaluate(100, 2.5, materiality=0.05)
        assert result.posterior_alpha == 3.5

    def test_errors_equal_to_n(self) -> None:
        """errors = n is accepted with a proper prior and refused with an improper beta prior."""
        assert bayesian_evaluate(3, 3).mode == 1.0
        with pytest.raises(ValidationError, match=r"\$\.errors"):
            bayesian_evaluate(3, 3, prior=bayesian_prior("param", alpha=1, beta=0))

    def test_without_materiality(self) -> None:
        """Without a materiality there is no Bayes factor and no conclusion."""
        result = bayesian_evaluate(50, 0)
        assert (result.bayes_factor, result.below_materiality, result.posterior_probability_below) == (
            None,
            None,
            None,
        )

    @pytest.mark.parametrize(
        ("args", "kwargs", "path"),
        [
            ((0, 0), {}, "$.n"),
            ((10, 11), {}, "$.errors"),
            ((10, 1.5), {"likelihood": "hypergeometric", "population": 100}, "$.errors"),
            ((200, 1), {"likelihood": "hypergeometric", "population": 100}, "$.n"),
            ((10, 1), {"materiality": 1.5}, "$.materiality"),
        ],
    )
    def test_bad_input_names_path(
        self, args: tuple[int, float], kwargs: dict[str, object], path: str
    ) -> None:
        """Bad input raises ValidationError at the parameter's path."""
        with pytest.raises(ValidationError) as info:
            bayesian_evaluate(*args, **kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path


class TestPriors:
    def test_impartial_half_below(self) -> None:
        """The impartial prior puts probability 0.5 below materiality (exact for beta and gamma)."""
        for likelihood in ("binomial", "poisson"):
            prior = bayesian_prior("impartial", materiality=0.05, likelihood=likelihood)
            assert prior.probability_below == pytest.approx(0.5)
        with_mode = bayesian_prior("impartial", materiality=0.05, expected=0.02)
        assert with_mode.probability_below == pytest.approx(0.5)
        assert (with_mode.alpha - 1) / (with_mode.alpha + with_mode.beta - 2) == pytest.approx(0.02)

    def test_default_shapes(self) -> None:
        """The default prior is beta(1, 1) / gamma(1, 1) / beta-binomial(N, 1, 1), implicit sample (1, 0)."""
        prior = bayesian_prior()
        assert (prior.alpha, prior.beta, prior.implicit_n, prior.implicit_x) == (1, 1, 1, 0)
        assert repr(bayesian_prior(likelihood="hypergeometric", population=10)) == (
            "Prior(beta-binomial(N=10, 1, 1), kind='default', likelihood='hypergeometric')"
        )

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"kind": "impartial"}, "$.materiality"),
            ({"kind": "param", "alpha": 1}, "$.beta"),
            ({"kind": "param", "alpha": 0, "beta": 1}, "$.alpha"),
            ({"kind": "default", "alpha": 1}, "$.alpha"),
            ({"kind": "sample", "n": 10}, "$.x"),
            ({"kind": "sample", "n": 10, "x": 11}, "$.x"),
            ({"kind": "sample", "n": 5, "x": 5, "likelihood": "hypergeometric", "population": 9}, "$.x"),
            ({"kind": "default", "expected": 0.01}, "$.expected"),
            ({"kind": "uniform"}, "$.kind"),
            ({"kind": "impartial", "materiality": 0.05, "expected": 0.05}, "$.expected"),
        ],
    )
    def test_bad_input_names_path(self, kwargs: dict[str, object], path: str) -> None:
        """Bad input raises ValidationError at the parameter's path."""
        with pytest.raises(ValidationError) as info:
            bayesian_prior(**kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path


class TestRendering:
    def test_results_render(self) -> None:
        """Every result has a readable repr, a Markdown and an HTML table, and names its source."""
        plan = bayesian_sample_size(0.05, expected=0.025)
        evaluation = bayesian_evaluate(50, 1, materiality=0.05)
        prior = bayesian_prior("impartial", materiality=0.05)
        for result in (plan, evaluation, prior):
            assert "jfa" in result.convention
            assert result._repr_markdown_().startswith("**")
            assert result._repr_html_().startswith("<table>")
        assert repr(plan).startswith("BayesianPlan(sample_size=220,")
        assert repr(evaluation).startswith("BayesianEvaluation(n=50, errors=1, posterior=beta(2, 50)")
        assert isinstance(plan, BayesianPlan)
        assert isinstance(evaluation, BayesianEvaluation)
        assert isinstance(prior, Prior)
        assert plan.posterior == "beta(6.5, 215.5)"
