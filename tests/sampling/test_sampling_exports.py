"""The public surface of comanaged_rcm.sampling."""

from __future__ import annotations

import comanaged_rcm.sampling


class TestExports:
    def test_all(self) -> None:
        """__all__ is exactly the documented API, sorted."""
        assert comanaged_rcm.sampling.__all__ == [
            "AQLS",
            "DISCOVERY_SAMPLE_SIZE",
            "INSPECTION_LEVELS",
            "PRESETS",
            "PRIOR_KINDS",
            "AcceptancePlan",
            "Appraisal",
            "AttributeEvaluation",
            "AttributePlan",
            "BayesianEvaluation",
            "BayesianPlan",
            "DiscoveryReview",
            "Interval",
            "Limits",
            "Method",
            "MonetaryEvaluation",
            "MonetaryPlan",
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
            "cia_discovery_review",
            "cia_probe_review",
            "code_letter",
            "difference_estimate",
            "discovery_sample_size",
            "mean_per_unit",
            "monetary_sample_size",
            "monetary_upper_limit",
            "proportion_interval",
            "ratio_estimate",
            "select",
            "stratified_appraisal",
            "variables_sample_size",
        ]
