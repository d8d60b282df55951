"""Property tests of the planning functions, and serializer round trips of every sampling result."""

from __future__ import annotations

import math
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from comanaged_rcm import sampling
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling import (
    PRESETS,
    Appraisal,
    AttributeEvaluation,
    AttributePlan,
    Interval,
    Limits,
    MonetaryEvaluation,
    MonetaryPlan,
    Preset,
    Selection,
    VariablesPlan,
    _select,
    attribute_sample_size,
    attribute_upper_limit,
    mean_per_unit,
    monetary_sample_size,
    monetary_upper_limit,
    proportion_interval,
    select,
    stratified_appraisal,
    variables_sample_size,
)
from comanaged_rcm.sampling._acceptance import (
    AQLS,
    INSPECTION_LEVELS,
    INSPECTIONS,
    AcceptancePlan,
    acceptance_plan,
)
from comanaged_rcm.sampling._bayes import (
    PRIOR_KINDS,
    BayesianEvaluation,
    BayesianPlan,
    Prior,
    bayesian_evaluate,
    bayesian_prior,
    bayesian_sample_size,
)
from comanaged_rcm.sampling._cia import DiscoveryReview, ProbeReview, cia_discovery_review, cia_probe_review
from comanaged_rcm.sampling._intervals import (
    BinomialTest,
    BinomialTestArray,
    IntervalArray,
    binomial_test,
)
from comanaged_rcm.sampling._intervals import proportion_interval as interval_of
from comanaged_rcm.sampling._mus import MonetarySelection, mus_select
from comanaged_rcm.sampling._mus_eval import MusEstimate, MusEvaluation, mus_estimate, mus_evaluate
from comanaged_rcm.serialize import from_dict, from_json, to_json

confidences = st.sampled_from([0.80, 0.85, 0.90, 0.95, 0.975, 0.99])
tolerables = st.sampled_from([0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.15, 0.20])
expected_fractions = st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])


def _expected(tol: float, frac: float) -> float:
    return float(Decimal(str(tol)) * Decimal(str(frac)))


def _risk(method: str, k: int, n: int, tol: float, population: int | None) -> float:
    """Independent risk with scipy.stats (population deviations ceil(tol x N) in exact decimals)."""
    if method == "binomial":
        return float(stats.binom.cdf(k, n, tol))
    if method == "poisson":
        return float(stats.poisson.cdf(k, n * tol))
    assert population is not None
    return float(stats.hypergeom.cdf(k, population, math.ceil(Decimal(str(tol)) * population), n))


class TestPlanProperties:
    @settings(max_examples=60, deadline=None)
    @given(conf=confidences, tol=tolerables, frac=expected_fractions, step=st.sampled_from([0.005, 0.02]))
    def test_grows_with_confidence(self, conf: float, tol: float, frac: float, step: float) -> None:
        """At fixed tolerable and expected rates, a higher confidence never needs fewer items."""
        exp = _expected(tol, frac)
        low = attribute_sample_size(confidence=conf, tolerable_rate=tol, expected_rate=exp)
        high = attribute_sample_size(
            confidence=min(0.995, conf + step), tolerable_rate=tol, expected_rate=exp
        )
        assert high.sample_size >= low.sample_size

    @settings(max_examples=60, deadline=None)
    @given(conf=confidences, tol=tolerables, exp=st.sampled_from([0.0, 0.0025, 0.005, 0.01]))
    def test_shrinks_with_tolerable(self, conf: float, tol: float, exp: float) -> None:
        """At fixed confidence and expected rate, a larger tolerable rate never needs more items."""
        if exp >= tol:
            return
        base = attribute_sample_size(confidence=conf, tolerable_rate=tol, expected_rate=exp)
        wider = attribute_sample_size(confidence=conf, tolerable_rate=tol + 0.01, expected_rate=exp)
        assert wider.sample_size <= base.sample_size
        mus = monetary_sample_size(confidence=conf, tolerable_rate=tol, expected_rate=exp)
        assert monetary_sample_size(conf, tol + 0.01, exp).sample_size <= mus.sample_size

    @settings(max_examples=60, deadline=None)
    @given(
        conf=confidences,
        tol=tolerables,
        frac=expected_fractions,
        population=st.integers(50, 20_000),
    )
    def test_hypergeometric_never_exceeds_binomial(
        self, conf: float, tol: float, frac: float, population: int
    ) -> None:
        """The finite-population size is never larger than the binomial one (nor than N)."""
        exp = _expected(tol, frac)
        binom = attribute_sample_size(confidence=conf, tolerable_rate=tol, expected_rate=exp)
        hyper = attribute_sample_size(
            confidence=conf,
            tolerable_rate=tol,
            expected_rate=exp,
            population=population,
            method="hypergeometric",
        )
        assert hyper.sample_size <= min(binom.sample_size, population)

    @settings(max_examples=25, deadline=None)
    @given(conf=st.sampled_from([0.90, 0.95]), tol=tolerables, frac=expected_fractions)
    def test_hypergeometric_converges(self, conf: float, tol: float, frac: float) -> None:
        """As N grows the hypergeometric size rises to the binomial size, reached by N = 10 million."""
        exp = _expected(tol, frac)
        binom = attribute_sample_size(confidence=conf, tolerable_rate=tol, expected_rate=exp).sample_size
        sizes = [
            attribute_sample_size(
                confidence=conf, tolerable_rate=tol, expected_rate=exp, population=n, method="hypergeometric"
            ).sample_size
            for n in (10_000, 100_000, 10_000_000)
        ]
        assert sizes == sorted(sizes)
        assert sizes[-1] == binom

    @settings(max_examples=80, deadline=None)
    @given(
        conf=confidences,
        tol=tolerables,
        frac=expected_fractions,
        method=st.sampled_from(["binomial", "poisson", "hypergeometric"]),
        population=st.integers(200, 50_000),
    )
    def test_achieved_risk_and_minimality(
        self, conf: float, tol: float, frac: float, method: str, population: int
    ) -> None:
        """The achieved risk (recomputed with scipy.stats) is within the requested risk, and n - 1 items
        with their own acceptable deviations ceil(exp x (n - 1)) would not be."""
        exp = _expected(tol, frac)
        pop = population if method == "hypergeometric" else None
        plan = attribute_sample_size(
            confidence=conf, tolerable_rate=tol, expected_rate=exp, population=pop, method=method
        )
        n, k, alpha = plan.sample_size, plan.acceptable_deviations, 1 - conf
        assert k == math.ceil(Decimal(str(exp)) * n)
        assert plan.achieved_risk == pytest.approx(_risk(method, k, n, tol, pop), rel=1e-9, abs=1e-15)
        if pop is not None and n == pop:  # a census needs no risk bound
            return
        assert _risk(method, k, n, tol, pop) <= alpha + 1e-12
        if n > 1:
            k1 = math.ceil(Decimal(str(exp)) * (n - 1))
            assert _risk(method, k1, n - 1, tol, pop) > alpha


def _roundtrip(obj: object) -> None:
    assert from_json(to_json(obj), type(obj)) == obj


_ARRAYS_AND_MUS: set[type] = {
    IntervalArray,
    BinomialTest,
    BinomialTestArray,
    MonetarySelection,
    MusEvaluation,
    MusEstimate,
}
_PLANS_AND_REVIEWS: set[type] = {
    Prior,
    BayesianPlan,
    BayesianEvaluation,
    AcceptancePlan,
    DiscoveryReview,
    ProbeReview,
}


class TestRoundTrips:
    @settings(max_examples=30, deadline=None)
    @given(
        conf=confidences,
        tol=tolerables,
        frac=expected_fractions,
        method=st.sampled_from(["binomial", "poisson", "hypergeometric"]),
        population=st.integers(100, 10_000),
    )
    def test_plans(self, conf: float, tol: float, frac: float, method: str, population: int) -> None:
        """Attribute and monetary plans round-trip exactly through to_json/from_json."""
        exp = _expected(tol, frac)
        pop = population if method == "hypergeometric" else None
        _roundtrip(attribute_sample_size(conf, tol, exp, population=pop, method=method))
        _roundtrip(monetary_sample_size(conf, tol, exp, population_value=float(population) * 1000.5))

    @settings(max_examples=30, deadline=None)
    @given(
        n=st.integers(1, 300),
        data=st.data(),
        conf=confidences,
        method=st.sampled_from(["binomial", "poisson", "hypergeometric"]),
    )
    def test_evaluations(self, n: int, data: st.DataObject, conf: float, method: str) -> None:
        """Attribute and monetary evaluations and proportion intervals round-trip exactly."""
        k = data.draw(st.integers(0, n))
        pop = n + data.draw(st.integers(0, 1000)) if method == "hypergeometric" else None
        _roundtrip(attribute_upper_limit(n, k, conf, population=pop, method=method, tolerable_rate=0.05))
        taints = data.draw(st.lists(st.floats(0.01, 1.0), max_size=min(n, 6)))
        _roundtrip(
            monetary_upper_limit(n, taints, conf, method="stringer", population_value=5e5, tolerable_rate=0.1)
        )
        for interval_method in ("wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald"):
            _roundtrip(proportion_interval(k, n, conf, interval_method))

    @settings(max_examples=20, deadline=None)
    @given(values=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30), extra=st.integers(0, 500))
    def test_appraisals(self, values: list[float], extra: int) -> None:
        """Appraisals (with their Limits and nested strata) and variables plans round-trip exactly."""
        one = mean_per_unit(values, population=len(values) + extra, confidence=0.9)
        _roundtrip(one)
        _roundtrip(one.limits[0])
        _roundtrip(stratified_appraisal([one, one], confidence=0.95, sides="two-sided"))
        _roundtrip(variables_sample_size(len(values) + extra + 2, 50.0, 1000.0, 0.9))

    def test_selection_and_presets(self) -> None:
        """Selections (int and string ids, stratified) and presets round-trip; every type is covered."""
        _roundtrip(select(population=500, n=20, seed=7))
        items = [f"CLM-{i:04d}" for i in range(60)]
        _roundtrip(select(population=items, n=9, seed=7, strata=["a", "b", "c"] * 20))
        for preset in PRESETS.values():
            _roundtrip(preset)
        covered = {AttributePlan, AttributeEvaluation, Interval, Selection, MonetaryPlan, MonetaryEvaluation}
        covered |= {Appraisal, Limits, VariablesPlan, Preset}
        covered |= _PLANS_AND_REVIEWS | _ARRAYS_AND_MUS  # round-tripped by the tests below
        results = {
            value for value in (getattr(sampling, name) for name in sampling.__all__) if attrs.has(value)
        }
        assert covered == results

    @settings(max_examples=30, deadline=None)
    @given(
        conf=confidences,
        tol=st.none() | tolerables,
        frac=expected_fractions,
        precision=st.none() | st.sampled_from([0.02, 0.05, 0.1]),
        method=st.sampled_from(["binomial", "poisson", "hypergeometric"]),
        population=st.integers(100, 10_000),
        cap=st.sampled_from([1_000, 5_000, 10**5]),
    )
    def test_plan_inputs(  # noqa: PLR0917 - one hypothesis draw
        self,
        conf: float,
        tol: float | None,
        frac: float,
        precision: float | None,
        method: str,
        population: int,
        cap: int,
    ) -> None:
        """Attribute plans by materiality, precision or both, with max and expected as a rate or a count,
        round-trip exactly with every planning field (expected_kind, min_precision, max, upper_bound,
        precision)."""
        if tol is None and precision is None:
            precision = 0.05
        pop = population if method == "hypergeometric" else None
        if frac >= 0.3:  # a count: the expected deviations given as jfa's expected >= 1
            kwargs: dict[str, float] = {"expected": math.floor(frac * 10)}
        else:
            kwargs = {"expected_rate": _expected(tol, frac) if tol is not None else frac / 10}
        try:
            plan = attribute_sample_size(
                conf, tol, population=pop, method=method, min_precision=precision, max=cap, **kwargs
            )
        except ValidationError as exc:  # a plan beyond max (or a count the population cannot hold)
            refused: str | None = exc.issues[0].path
        else:
            refused = None
        if refused is not None:
            assert refused in {"$.max", "$.expected", "$.population"}
            return
        _roundtrip(plan)
        assert (plan.min_precision, plan.max, plan.tolerable_rate) == (precision, cap, tol)
        assert plan.expected_kind == ("count" if "expected" in kwargs else "rate")

    @pytest.mark.parametrize("kind", PRIOR_KINDS)
    @pytest.mark.parametrize("likelihood", ["binomial", "poisson", "hypergeometric"])
    def test_bayesian(self, kind: str, likelihood: str) -> None:
        """Priors of every kind and likelihood, and the Bayesian plans and evaluations that carry them (a
        nested Prior and a Method), round-trip exactly."""
        options: dict[str, dict[str, object]] = {
            "default": {},
            "impartial": {"materiality": 0.05},
            "param": {"alpha": 2.0, "beta": 30.0},
            "sample": {"n": 30, "x": 1},
        }
        population = 1_000 if likelihood == "hypergeometric" else None
        prior = bayesian_prior(kind, likelihood=likelihood, population=population, **options[kind])  # type: ignore[arg-type]
        _roundtrip(prior)
        _roundtrip(bayesian_sample_size(0.05, confidence=0.9, prior=prior, population=population))
        _roundtrip(
            bayesian_sample_size(
                0.05, confidence=0.95, expected=1, prior=prior, population=population, max=900
            )
        )
        _roundtrip(
            bayesian_evaluate(60, 1, confidence=0.9, materiality=0.05, prior=prior, population=population)
        )
        _roundtrip(bayesian_evaluate(60, 0, confidence=0.95, prior=prior, population=population))

    @settings(max_examples=30, deadline=None)
    @given(
        lot=st.integers(2, 10**6),
        aql=st.sampled_from(AQLS),
        level=st.sampled_from(INSPECTION_LEVELS),
        inspection=st.sampled_from(INSPECTIONS),
    )
    def test_acceptance(self, lot: int, aql: float, level: str, inspection: str) -> None:
        """MIL-STD-105E acceptance plans round-trip exactly, whatever the lot, AQL, level and severity."""
        try:
            plan = acceptance_plan(lot, aql=aql, level=level, inspection=inspection)
        except ValidationError:  # no plan for this letter and AQL in the master table
            return
        _roundtrip(plan)

    @settings(max_examples=30, deadline=None)
    @given(
        overpaid=st.lists(st.sampled_from([0.0, 0.0, 5.0, 37.5, 100.0]), min_size=50, max_size=80),
        extra=st.integers(0, 10_000),
    )
    def test_cia_reviews(self, overpaid: list[float], extra: int) -> None:
        """OIG CIA discovery reviews (50 claims) and probe reviews round-trip exactly."""
        _roundtrip(cia_discovery_review([100.0] * 50, overpaid[:50]))
        try:
            probe = cia_probe_review(overpaid, population_size=len(overpaid) + extra)
        except ValidationError:  # a probe sample with no variation has no standard error
            return
        _roundtrip(probe)

    @settings(max_examples=20, deadline=None)
    @given(
        n=st.lists(st.integers(1, 200), min_size=1, max_size=6),
        data=st.data(),
        conf=confidences,
        method=st.sampled_from(["wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald"]),
        alternative=st.sampled_from(["two-sided", "greater", "less"]),
    )
    def test_arrays_and_tests(
        self, n: list[int], data: st.DataObject, conf: float, method: str, alternative: str
    ) -> None:
        """Array intervals and binomial tests (one and many) round-trip exactly."""
        k = [data.draw(st.integers(0, size)) for size in n]
        _roundtrip(interval_of(k, n, conf, method))
        p0 = data.draw(st.sampled_from([0.05, 0.1, 0.5]))
        _roundtrip(binomial_test(k, n, p0=p0, alternative=alternative))
        _roundtrip(binomial_test(k[0], n[0], p0=p0, alternative=alternative))

    @settings(max_examples=20, deadline=None)
    @given(
        values=st.lists(st.floats(1.0, 5_000.0), min_size=6, max_size=40),
        seed=st.integers(0, 2**32),
        method=st.sampled_from(["interval", "cell", "random", "sieve"]),
        cut=st.floats(0.0, 1.0),
    )
    def test_monetary_unit_selection_and_evaluation(
        self, values: list[float], seed: int, method: str, cut: float
    ) -> None:
        """Monetary unit selections, MUS evaluations and MUS estimates round-trip exactly."""
        _roundtrip(mus_select(values, n=5, seed=seed, method=method))
        book = values[:6]
        audit = [b * (1 - cut) if i % 2 else b for i, b in enumerate(book)]
        _roundtrip(mus_evaluate(book, audit, 0.9, population_value=sum(values) * 10, tolerable_rate=0.2))
        _roundtrip(
            mus_estimate(book, audit, 300, 0.9, method="difference", population_value=sum(values) * 10)
        )

    def test_item_ids_are_strings_or_integers(self) -> None:
        """A selection document with a boolean or float item id is rejected with its path."""
        doc = {
            "items": [True],
            "sorted_items": [1],
            "population_size": 1,
            "seed": 1,
            "method": "random",
            "algorithm": "select/1",
            "allocation": [],
        }
        with pytest.raises(ValidationError, match="item id"):
            from_dict(doc, Selection)


class TestSelectionEdges:
    def test_rejection_sampling_redraws(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A raw word in the biased top range is rejected and the next word used (no modulo bias)."""
        words = iter([2**64 - 1, 12])
        monkeypatch.setattr(_select._Words, "word", lambda _self: next(words))
        assert _select._Words(1).index(10) == 2

    def test_stratum_allocated_nothing(self) -> None:
        """A stratum whose proportional share rounds to 0 contributes no items."""
        sel = select(population=list(range(101)), n=2, seed=3, strata=["big"] * 100 + ["tiny"])
        assert dict(sel.allocation) == {"big": 2, "tiny": 0}
        assert all(isinstance(item, int) and item < 100 for item in sel.items)
