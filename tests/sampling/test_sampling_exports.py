"""The public surface of comanaged_rcm.sampling."""

from __future__ import annotations

import comanaged_rcm.sampling


class TestExports:
    def test_all(self) -> None:
        """__all__ is exactly the documented API, sorted."""
        assert comanaged_rcm.sampling.__all__ == [
            "PRESETS",
            "Appraisal",
            "AttributeEvaluation",
            "AttributePlan",
            "Interval",
            "Limits",
            "Method",
            "MonetaryEvaluation",
            "MonetaryPlan",
            "Preset",
            "Selection",
            "VariablesPlan",
            "allocate",
            "attribute_sample_size",
            "attribute_upper_limit",
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
