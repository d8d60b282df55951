"""The OIG CIA Claims Review flow: the 5% Discovery threshold at its edge, and Full Sample sizing.

Rule quoted from the HHS-OIG Corporate Integrity Agreement FAQ: "if the net financial error rate of
this sample equals or exceeds 5%, the reviewer must conduct a Full Sample ... within a 90%
confidence and 25% precision level ... if the net financial error rate of the Discovery Sample is
below 5%, the review is complete." Sizing checked against the closed form (Cochran 1977, eq. 4.2).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._cia import (
    DISCOVERY_SAMPLE_SIZE,
    DiscoveryReview,
    ProbeReview,
    cia_discovery_review,
    cia_probe_review,
)

PAID = [123.45] * 50  # 6,172.50 in all


def _overpaid(total: float, claims: int = 1) -> list[float]:
    """``total`` spread over the first ``claims`` claims, the rest correct."""
    share = total / claims
    return [share] * claims + [0.0] * (50 - claims)


class TestDiscovery:
    def test_exactly_five_percent_needs_full_sample(self) -> None:
        """A net error rate of exactly 5% (308.625 of 6,172.50) calls for the Full Sample."""
        review = cia_discovery_review(PAID, _overpaid(308.625))
        assert review.error_rate == 0.05
        assert review.next_step == "full_sample"
        assert "equals the 5.00% threshold" in review.reason

    def test_just_below_five_percent_completes(self) -> None:
        """One cent less (308.615) is below 5%: the review is complete."""
        review = cia_discovery_review(PAID, _overpaid(308.615))
        assert review.error_rate < 0.05
        assert review.next_step == "review_complete"
        assert "below" in review.reason

    def test_decimal_amounts_sum_exactly(self) -> None:
        """Amounts sum as written: 50 claims of 0.1 paid with 0.005 overpaid each is exactly 5%."""
        review = cia_discovery_review([0.1] * 50, [0.005] * 50)
        assert review.next_step == "full_sample"
        assert review.claims_in_error == 50

    def test_underpayments_net_off(self) -> None:
        """The rate is net: 400 overpaid and 100 underpaid on 6,172.50 is 300 / 6,172.50 < 5%."""
        overpaid = [400.0, -100.0] + [0.0] * 48
        review = cia_discovery_review(PAID, overpaid)
        assert (review.overpayment_total, review.underpayment_total, review.net_overpayment) == (
            400,
            100,
            300,
        )
        assert review.error_rate == pytest.approx(300 / 6172.5)
        assert review.next_step == "review_complete"
        assert review.claims_in_error == 2

    def test_custom_threshold(self) -> None:
        """A different threshold from the agreement is honoured at its edge."""
        review = cia_discovery_review(PAID, _overpaid(123.45), threshold=0.02)
        assert review.error_rate == 0.02
        assert review.next_step == "full_sample"

    @pytest.mark.parametrize(
        ("paid", "overpaid", "kwargs", "path"),
        [
            ([100.0] * 49, [0.0] * 49, {}, "$.paid"),
            ([100.0] * 50, [0.0] * 49, {}, "$.overpaid"),
            ([100.0] * 49 + [-1.0], [0.0] * 50, {}, "$.paid[49]"),
            ([100.0] * 49 + [float("nan")], [0.0] * 50, {}, "$.paid[49]"),
            ([0.0] * 50, [0.0] * 50, {}, "$.paid"),
            ([100.0] * 50, [0.0] * 49 + ["1"], {}, "$.overpaid[49]"),
            ([100.0] * 50, [0.0] * 50, {"threshold": 5}, "$.threshold"),
            ("claims", [0.0] * 50, {}, "$.paid"),
        ],
    )
    def test_bad_input_names_path(
        self, paid: object, overpaid: object, kwargs: dict[str, object], path: str
    ) -> None:
        """Bad input raises ValidationError at the parameter's path."""
        with pytest.raises(ValidationError) as info:
            cia_discovery_review(paid, overpaid, **kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path

    def test_rendering(self) -> None:
        """The review renders and names the OIG source; the sample is the CIA's 50 claims."""
        review = cia_discovery_review(PAID, _overpaid(308.625))
        assert isinstance(review, DiscoveryReview)
        assert review.sample_size == DISCOVERY_SAMPLE_SIZE == 50
        assert repr(review) == "DiscoveryReview(error_rate=0.05, threshold=0.05, next_step='full_sample')"
        assert "OIG" in review.convention
        assert "| next_step | full_sample |" in review._repr_markdown_()
        assert review._repr_html_().startswith("<table>")


def _closed_form(values: list[float], population: int, confidence: float, precision: float) -> int:
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    n0 = (z * sd / (precision * mean)) ** 2
    return max(2, math.ceil(n0 / (1 + n0 / population)))


class TestProbe:
    def test_full_sample_size_closed_form(self) -> None:
        """30 probe units, 10 overpaid 50: n0 = (1.6449 s / (0.25 m))^2 = 89.56; with N = 5,000: 88."""
        probe = [0.0] * 20 + [50.0] * 10
        review = cia_probe_review(probe, population_size=5000)
        assert review.full_sample_size == 88 == _closed_form(probe, 5000, 0.90, 0.25)
        assert review.z_value == pytest.approx(1.6448536269514722)
        assert review.next_step == "full_sample"
        assert review.errors == 10

    def test_no_errors_no_full_sample(self) -> None:
        """A probe without an overpayment needs no Full Sample, and says a second probe may be required."""
        review = cia_probe_review([0.0] * 30, population_size=1000)
        assert review.full_sample_size is None
        assert review.next_step == "review_complete"
        assert "second Probe Sample" in review.reason

    def test_one_error_is_enough(self) -> None:
        """A single overpaid unit already calls for a Full Sample (capped at the population)."""
        review = cia_probe_review([0.0] * 29 + [10.0], population_size=100)
        assert review.next_step == "full_sample"
        assert review.full_sample_size == min(100, _closed_form([0.0] * 29 + [10.0], 100, 0.90, 0.25))

    def test_no_variability_floor(self) -> None:
        """Identical overpayments have no variance: the Full Sample is the floor of 2 units."""
        assert cia_probe_review([25.0] * 30, population_size=1000).full_sample_size == 2

    @given(st.lists(st.floats(0, 1000), min_size=5, max_size=40), st.integers(1000, 10**6))
    def test_matches_closed_form(self, probe: list[float], population: int) -> None:
        """Any probe with a positive mean is sized by the closed form; population >= the result."""
        if sum(probe) <= 0 or len(set(probe)) == 1:
            return
        review = cia_probe_review(probe, population_size=population)
        expected = min(population, _closed_form(probe, population, 0.90, 0.25))
        assert review.full_sample_size is not None
        assert abs(review.full_sample_size - expected) <= 1  # exact vs float sums may straddle an integer

    def test_tighter_precision_needs_more(self) -> None:
        """10% precision needs more units than 25%."""
        probe = [0.0] * 20 + [50.0] * 10
        loose = cia_probe_review(probe, population_size=5000).full_sample_size
        tight = cia_probe_review(probe, population_size=5000, precision=0.10).full_sample_size
        assert loose is not None
        assert tight is not None
        assert tight > loose

    @pytest.mark.parametrize(
        ("probe", "kwargs", "path"),
        [
            ([1.0], {"population_size": 10}, "$.overpayments"),
            ([1.0, -5.0], {"population_size": 10}, "$.overpayments"),
            ([1.0, 2.0], {"population_size": 1}, "$.population_size"),
            ([1.0, 2.0], {"population_size": 10, "confidence": 90}, "$.confidence"),
            ([1.0, 2.0], {"population_size": 10, "precision": 0}, "$.precision"),
            ([1.0, float("inf")], {"population_size": 10}, "$.overpayments[1]"),
        ],
    )
    def test_bad_input_names_path(self, probe: list[float], kwargs: dict[str, object], path: str) -> None:
        """Bad input raises ValidationError at the parameter's path."""
        with pytest.raises(ValidationError) as info:
            cia_probe_review(probe, **kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path

    def test_rendering(self) -> None:
        """The probe review renders and names its formula's source."""
        review = cia_probe_review([0.0] * 20 + [50.0] * 10, population_size=5000)
        assert isinstance(review, ProbeReview)
        assert (
            repr(review)
            == "ProbeReview(sample_size=30, errors=10, full_sample_size=88, next_step='full_sample')"
        )
        assert "Cochran" in review.convention
        assert review._repr_html_().startswith("<table>")
