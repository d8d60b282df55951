"""The public surface of comanaged_rcm.sampling."""

from __future__ import annotations

import comanaged_rcm.sampling
from comanaged_rcm.sampling import _engine, _intervals


class TestExports:
    def test_all(self) -> None:
        """__all__ is exactly the documented API, sorted."""
        assert comanaged_rcm.sampling.__all__ == [
            "ALTERNATIVES",
            "AQLS",
            "BOUND_METHODS",
            "DEFAULT_MAX",
            "DISCOVERY_SAMPLE_SIZE",
            "ESTIMATORS",
            "INSPECTION_LEVELS",
            "INTERVAL_ALIASES",
            "MUS_METHODS",
            "PRESETS",
            "PRIOR_KINDS",
            "AcceptancePlan",
            "Appraisal",
            "AttributeEvaluation",
            "AttributePlan",
            "BayesianEvaluation",
            "BayesianPlan",
            "BinomialTest",
            "BinomialTestArray",
            "DiscoveryReview",
            "Interval",
            "IntervalArray",
            "Limits",
            "Method",
            "MonetaryEvaluation",
            "MonetaryPlan",
            "MonetarySelection",
            "MusEstimate",
            "MusEvaluation",
            "Preset",
            "Prior",
            "ProbeReview",
            "Selection",
            "VariablesPlan",
            "acceptance_plan",
            "acceptance_probability",
            "allocate",
            "attribute_sample_size",
            "attribute_upper_limit",
            "bayesian_evaluate",
            "bayesian_prior",
            "bayesian_sample_size",
            "binomial_test",
            "cia_discovery_review",
            "cia_probe_review",
            "code_letter",
            "difference_estimate",
            "discovery_sample_size",
            "mean_per_unit",
            "monetary_sample_size",
            "monetary_upper_limit",
            "mus_estimate",
            "mus_evaluate",
            "mus_select",
            "proportion_interval",
            "ratio_estimate",
            "select",
            "stratified_appraisal",
            "stringer_bound",
            "taints",
            "variables_sample_size",
        ]

    def test_one_proportion_interval(self) -> None:
        """The package's proportion_interval is the array-aware one; the scalar-only original is gone."""
        assert comanaged_rcm.sampling.proportion_interval is _intervals.proportion_interval
        for gone in ("proportion_interval", "_hyper_limits", "_INTERVAL_CONVENTIONS", "_FINITE_CONVENTIONS"):
            assert not hasattr(_engine, gone), gone
        assert "proportion_interval" not in _engine.__all__

    def test_default_max(self) -> None:
        """DEFAULT_MAX is jfa's default max (5,000), the default cap of every plan."""
        assert comanaged_rcm.sampling.DEFAULT_MAX == 5_000
        assert comanaged_rcm.sampling.DEFAULT_MAX is _engine.DEFAULT_MAX
        plan = comanaged_rcm.sampling.attribute_sample_size(0.95, 0.05)
        assert plan.max == comanaged_rcm.sampling.DEFAULT_MAX
