"""MIL-STD-105E single sampling plans against published table cells, and the OC curve.

Published cells quoted:

* MIL-STD-105E Table I, as reprinted in the "ANSI/ASQC Z1.4/MIL-STD-105E ... AQL sampling chart"
  (pdfcoffee.com/aql-sampling-chart-pdf-free.html) and wisetool.com/sampling.htm.
* MIL-STD-105E Table II-A rows A and R (scribd.com/document/563507790, "MIL-STD-105E Page 19 of 74").
* NIBS "TABLE 1-A" (Level II, normal) and "TABLE 1-B" (tightened), developed from MIL-STD-105E
  Table I and Tables II-A/II-B (nibs.org/FMOC/DPW_AC/AC-TABLE.ASC): Re numbers at AQL 0.65 to 15.
* ISO 2859-1:1999 plans for lots of 35,001 to 500,000 (Jenkins, Peck and Fernando, PLOS figure
  22583454): (0.65, S-4) 80 1/2; (0.65, S-3) 20 0/1; (0.40, S-4) 125 1/2; (0.40, S-3) 32 0/1;
  (0.25, S-4) 50 0/1; (0.15, S-4) 80 0/1.
* Table II-C cells from J. Lawson's AQLSchemes (CRAN) transcription ``AASingle``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._acceptance import (
    AQLS,
    AcceptancePlan,
    acceptance_plan,
    acceptance_probability,
    code_letter,
)


def _plan(**kwargs: object) -> tuple[int, int, int]:
    plan = acceptance_plan(**kwargs)  # type: ignore[arg-type]
    return plan.sample_size, plan.accept, plan.reject


class TestCodeLetters:
    @pytest.mark.parametrize(
        ("lot", "level", "letter"),
        [
            (2, "S-1", "A"),
            (8, "III", "B"),
            (9, "II", "B"),
            (1000, "II", "J"),
            (1200, "II", "J"),
            (1201, "II", "K"),
            (1000, "S-3", "E"),
            (3200, "I", "H"),
            (150_000, "S-4", "J"),
            (500_000, "II", "P"),
            (500_001, "III", "R"),
            (10**9, "S-1", "D"),
        ],
    )
    def test_table_i(self, lot: int, level: str, letter: str) -> None:
        """Table I code letters, at the ends of the lot size ranges (1,200 is J, 1,201 is K)."""
        assert code_letter(lot, level) == letter

    @pytest.mark.parametrize(
        ("args", "path"),
        [((1, "II"), "$.lot_size"), ((100, "IV"), "$.level"), ((100.5, "II"), "$.lot_size")],
    )
    def test_bad_input(self, args: tuple[object, object], path: str) -> None:
        """A lot of fewer than 2 items, an unknown level or a fractional lot is refused at its path."""
        with pytest.raises(ValidationError) as info:
            code_letter(*args)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path


class TestNormalInspection:
    def test_classic_example(self) -> None:
        """Lot 1,000, level II, AQL 2.5: code J, n = 80, Ac 5, Re 6 (Table II-A)."""
        plan = acceptance_plan(1000, aql=2.5)
        assert (plan.code_letter, plan.plan_letter, plan.sample_size, plan.accept, plan.reject) == (
            "J",
            "J",
            80,
            5,
            6,
        )

    @pytest.mark.parametrize(
        ("level", "aql", "expected"),
        [
            ("S-4", 0.65, (80, 1, 2)),
            ("S-3", 0.65, (20, 0, 1)),
            ("S-4", 0.40, (125, 1, 2)),
            ("S-3", 0.40, (32, 0, 1)),
            ("S-4", 0.25, (50, 0, 1)),
            ("S-4", 0.15, (80, 0, 1)),
        ],
    )
    def test_iso_2859_published_plans(self, level: str, aql: float, expected: tuple[int, int, int]) -> None:
        """ISO 2859-1:1999 plans for a lot of 35,001-500,000 (PLOS figure 22583454), arrows followed."""
        assert _plan(lot_size=100_000, aql=aql, level=level) == expected
        assert _plan(lot_size=500_000, aql=aql, level=level) == expected

    def test_nibs_level_ii_rows(self) -> None:
        """NIBS Table 1-A (from Table II-A): lot 501-1,200 Re 2 3 4 6 8 11 15 22 at AQL 0.65..15."""
        aqls = (0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10, 15)
        assert [acceptance_plan(1000, aql=a).reject for a in aqls] == [2, 3, 4, 6, 8, 11, 15, 22]
        assert [acceptance_plan(2000, aql=a).reject for a in aqls[:7]] == [3, 4, 6, 8, 11, 15, 22]
        # lot 1,201-3,200 (K) at AQL 15 is an up arrow: J's 21/22 with J's sample of 80
        assert _plan(lot_size=2000, aql=15) == (80, 21, 22)
        # lot 91-150 (F): AQL 0.65 is 0/1 at n = 20; 1.0 an up arrow to E (13); 1.5 a down arrow to G
        assert _plan(lot_size=100, aql=0.65) == (20, 0, 1)
        assert _plan(lot_size=100, aql=1.0) == (13, 0, 1)
        assert _plan(lot_size=100, aql=1.5) == (32, 1, 2)

    def test_scribd_rows(self) -> None:
        """Table II-A: row R (2,000) starts with 1/2 at AQL 0.025; row A ends with 30/31 at AQL 1000."""
        assert _plan(code="R", aql=0.025) == (2000, 1, 2)
        assert _plan(code="A", aql=1000) == (2, 30, 31)
        assert _plan(code="B", aql=1000) == (3, 44, 45)

    def test_arrows_at_the_edges(self) -> None:
        """Row R's first cells point up to Q's 0/1 (1,250) and P's 0/1 (800); row A's 10 points down."""
        assert _plan(code="R", aql=0.010) == (1250, 0, 1)
        assert _plan(code="R", aql=0.015) == (800, 0, 1)
        assert _plan(code="A", aql=10) == (5, 1, 2)

    def test_inspect_all(self) -> None:
        """A sample that equals or exceeds the lot calls for 100 percent inspection."""
        plan = acceptance_plan(8, aql=0.010)
        assert plan.sample_size == 1250
        assert plan.inspect_all
        assert not acceptance_plan(1000, aql=2.5).inspect_all


class TestTightenedAndReduced:
    def test_nibs_tightened_rows(self) -> None:
        """NIBS Table 1-B (from Table II-B): row J (80) Re 2 3 4 6 9 13 19 at AQL 1.0..15; K 2/3 at 1.0."""
        aqls = (1.0, 1.5, 2.5, 4.0, 6.5, 10, 15)
        assert [acceptance_plan(code="J", aql=a, inspection="tightened").reject for a in aqls] == [
            2,
            3,
            4,
            6,
            9,
            13,
            19,
        ]
        assert _plan(code="K", aql=1.0, inspection="tightened") == (125, 2, 3)
        assert _plan(code="F", aql=1.0, inspection="tightened") == (20, 0, 1)

    def test_tightened_s_row(self) -> None:
        """Tightened inspection has an extra row S (3,150) reached only at AQL 0.025 (1/2)."""
        assert _plan(code="R", aql=0.025, inspection="tightened") == (3150, 1, 2)

    def test_reduced_cells(self) -> None:
        """Table II-C (AQLSchemes transcription): J reduced at 1.0 is 32, 1/3; D at 6.5 is 3, 0/2."""
        assert _plan(code="J", aql=1.0, inspection="reduced") == (32, 1, 3)
        assert _plan(code="D", aql=6.5, inspection="reduced") == (3, 0, 2)
        assert _plan(code="L", aql=15, inspection="reduced") == (32, 10, 13)  # two up arrows to J

    def test_reduced_above_15_refused(self) -> None:
        """Reduced plans above AQL 15 are refused at $.aql, naming the limit."""
        assert acceptance_plan(code="A", aql=15, inspection="reduced").accept == 0
        with pytest.raises(ValidationError, match="up to AQL 15") as info:
            acceptance_plan(code="A", aql=25, inspection="reduced")
        assert info.value.issues[0].path == "$.aql"

    def test_every_cell_resolves(self) -> None:
        """Every code letter and AQL leads to a plan with Re > Ac whose n is a tabulated size."""
        for inspection in ("normal", "tightened", "reduced"):
            for letter in "ABCDEFGHJKLMNPQR":
                for aql in AQLS:
                    if inspection == "reduced" and aql > 15:
                        continue
                    plan = acceptance_plan(code=letter, aql=aql, inspection=inspection)
                    assert plan.reject > plan.accept >= 0
                    assert plan.sample_size >= 2


class TestPlanInput:
    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"lot_size": 100, "aql": 0.5}, "$.aql"),
            ({"lot_size": 100, "aql": "1.0"}, "$.aql"),
            ({"lot_size": 100, "aql": 1.0, "inspection": "strict"}, "$.inspection"),
            ({"aql": 1.0}, "$.lot_size"),
            ({"lot_size": 100, "aql": 1.0, "code": "J"}, "$.code"),
            ({"aql": 1.0, "code": "I"}, "$.code"),
            ({"lot_size": 100, "aql": 1.0, "level": "2"}, "$.level"),
        ],
    )
    def test_bad_input_names_path(self, kwargs: dict[str, object], path: str) -> None:
        """Bad input raises ValidationError at the parameter's path."""
        with pytest.raises(ValidationError) as info:
            acceptance_plan(**kwargs)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path

    def test_untabulated_aql_names_nearest(self) -> None:
        """An AQL that is not in the tables is refused with the nearest tabulated one."""
        with pytest.raises(ValidationError, match=r"the nearest is 0\.4"):
            acceptance_plan(100, aql=0.45)

    def test_rendering(self) -> None:
        """The plan has a readable repr, Markdown and HTML tables, and names its source."""
        plan = acceptance_plan(1000, aql=2.5)
        assert isinstance(plan, AcceptancePlan)
        assert repr(plan) == (
            "AcceptancePlan(code_letter='J', aql=2.5, inspection='normal',"
            " sample_size=80, accept=5, reject=6)"
        )
        assert "MIL-STD-105E" in plan.convention
        assert "| sample_size | 80 |" in plan._repr_markdown_()
        assert plan._repr_html_().startswith("<table>")


class TestOperatingCharacteristic:
    def test_binomial_closed_form(self) -> None:
        """Pa = P(X <= Ac), X ~ Binomial(n, p): n = 80, Ac = 5 at 2.5% is 0.984785 (scipy binom.cdf)."""
        assert acceptance_probability(80, 5, 0.025) == pytest.approx(stats.binom.cdf(5, 80, 0.025))
        assert acceptance_probability(80, 5, 0.025) == pytest.approx(0.9847853787085802)

    def test_vectorized(self) -> None:
        """An array of rates gives an array of the same shape; the ends are exactly 1 and 0."""
        rates = np.linspace(0, 1, 11)
        result = acceptance_probability(50, 1, rates)
        assert isinstance(result, np.ndarray)
        assert result.shape == (11,)
        assert result[0] == 1.0
        assert result[-1] == 0.0
        np.testing.assert_allclose(result, stats.binom.cdf(1, 50, rates))

    def test_accept_all(self) -> None:
        """Ac = n accepts every lot, even at rate 1."""
        assert acceptance_probability(5, 5, 1.0) == 1.0

    def test_hypergeometric(self) -> None:
        """With a lot size: hypergeometric with round(p N) defectives (N = 1,000, p = 2% -> 20)."""
        got = np.asarray(acceptance_probability(80, 5, [0.02, 0.05], lot_size=1000))
        np.testing.assert_allclose(got, stats.hypergeom.cdf(5, 1000, [20, 50], 80))
        plan = acceptance_plan(1000, aql=2.5)
        assert plan.probability_of_acceptance(0.02, finite=True) == pytest.approx(got[0])
        assert plan.probability_of_acceptance(0.02) == pytest.approx(stats.binom.cdf(5, 80, 0.02))

    def test_finite_needs_lot(self) -> None:
        """finite=True on a plan built from a code letter is refused at $.finite."""
        with pytest.raises(ValidationError) as info:
            acceptance_plan(code="J", aql=2.5).probability_of_acceptance(0.02, finite=True)
        assert info.value.issues[0].path == "$.finite"

    @pytest.mark.parametrize(
        ("args", "kwargs", "path"),
        [
            ((80, 5, 1.5), {}, "$.rate"),
            ((80, 5, [0.1, -0.1]), {}, "$.rate"),
            ((80, 5, ["a"]), {}, "$.rate"),
            ((80, 5, float("nan")), {}, "$.rate"),
            ((80, 81, 0.1), {}, "$.accept"),
            ((0, 0, 0.1), {}, "$.n"),
            ((80, 5, 0.1), {"lot_size": 50}, "$.lot_size"),
        ],
    )
    def test_bad_input_names_path(
        self, args: tuple[object, ...], kwargs: dict[str, object], path: str
    ) -> None:
        """Bad input raises ValidationError at the parameter's path."""
        with pytest.raises(ValidationError) as info:
            acceptance_probability(*args, **kwargs)  # type: ignore[call-overload]
        assert info.value.issues[0].path == path

    @given(st.floats(0, 1), st.floats(0, 1), st.integers(1, 200), st.integers(0, 10))
    def test_monotone_in_rate(self, p: float, q: float, n: int, accept: int) -> None:
        """A worse lot is never more likely to be accepted."""
        accept = min(accept, n)
        low, high = sorted((p, q))
        assert acceptance_probability(n, accept, low) >= acceptance_probability(n, accept, high) - 1e-12
