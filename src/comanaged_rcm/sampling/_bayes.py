"""Bayesian planning and evaluation of attribute samples, as R's jfa does it with ``prior=``.

Conjugate priors only, so every figure has a closed form:

================  ===================================  =========================================
likelihood        prior on the misstatement            posterior after ``x`` errors in ``n``
================  ===================================  =========================================
binomial          beta(alpha, beta)                    beta(alpha + x, beta + n - x)
poisson           gamma(alpha, beta) (beta a rate)     gamma(alpha + x, beta + n)
hypergeometric    beta-binomial(N, alpha, beta)        x + beta-binomial(N - n, alpha + x,
                                                       beta + n - x) errors in the population
================  ===================================  =========================================

Prior kinds follow jfa's ``auditPrior()`` (Derks et al., jfa 0.7, ``R/auditPrior.R``):

* ``"default"``: beta(1, 1), gamma(1, 1), beta-binomial(N, 1, 1).
* ``"impartial"``: the prior that gives "misstatement below materiality" a probability of 0.5 (with
  ``expected > 0`` its mode is at ``expected``).
* ``"param"``: alpha and beta given (beta = 0 is jfa's improper "strict" prior).
* ``"sample"``: built from an earlier sample of ``n`` items with ``x`` errors, beta(1 + x, n - x)
  or gamma(1 + x, n) (jfa's convention: the posterior of the improper beta(1, 0)/gamma(1, 0) start).

The Bayes factor is for H1 "misstatement < materiality" against H0 "misstatement > materiality":
posterior odds divided by prior odds (jfa's ``bf.h1``).
"""

from __future__ import annotations

import html
import math

import attrs

from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.sampling._models import Method

__all__ = [
    "PRIOR_KINDS",
    "BayesianEvaluation",
    "BayesianPlan",
    "Prior",
    "bayesian_evaluate",
    "bayesian_prior",
    "bayesian_sample_size",
]

PRIOR_KINDS = ("default", "impartial", "param", "sample")
"""The prior kinds :func:`bayesian_prior` builds (jfa's ``method=`` names)."""

_EXPECTED_KINDS = ("rate", "count")


def _optional_int(value: object) -> object:
    return None if value is None else c.as_int(value)


def _optional_flag(value: object) -> object:
    return None if value is None else c.as_flag(value)


_SOURCE = "jfa (Derks et al.), auditPrior()/planning()/evaluation(), conjugate closed forms"
DEFAULT_MAX = 5000
"""The largest sample :func:`bayesian_sample_size` considers unless told otherwise (jfa's ``max``)."""


# ------------------------------------------------------------------------------------ rendering
def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Method):
        return value.value
    if isinstance(value, Prior):
        return value.distribution
    return str(value)


def rows_of(result: attrs.AttrsInstance) -> list[tuple[str, str]]:
    """(name, shown value) for every field of an attrs result, for the notebook renderings."""
    return [(f.name, _shown(getattr(result, f.name))) for f in attrs.fields(type(result))]


def markdown_table(title: str, rows: list[tuple[str, str]]) -> str:
    """A two-column Markdown table under a bold title."""
    body = "\n".join(f"| {k} | {v.replace('|', '/')} |" for k, v in rows)
    return f"**{title}**\n\n| field | value |\n| --- | --- |\n{body}\n"


def html_table(title: str, rows: list[tuple[str, str]]) -> str:
    """A two-column HTML table with a caption; every value escaped."""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table><caption>{html.escape(title)}</caption>{body}</table>"


# ---------------------------------------------------------------------------------------- prior
@attrs.frozen(kw_only=True)
class Prior:
    """A conjugate prior for the misstatement, with the inputs and convention that built it.

    ``implicit_n`` and ``implicit_x`` are the earlier sample (items, errors) this prior is worth
    when read as the posterior of the improper beta(1, 0)/gamma(1, 0) start.
    ``probability_below`` is the prior probability that the misstatement is below ``materiality``
    (None without a materiality or for an improper prior).
    """

    kind: str = attrs.field(validator=v.one_of(PRIOR_KINDS))
    likelihood: Method = attrs.field(validator=v.member(Method))
    alpha: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0, low_open=True))
    beta: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    population: int | None = attrs.field(converter=_optional_int, validator=v.optional(v.count(minimum=1)))
    materiality: float | None = attrs.field(converter=c.as_optional_real, validator=v.optional(v.rate()))
    expected: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    n: float | None = attrs.field(converter=c.as_optional_real, validator=v.optional(v.real(minimum=0)))
    x: float | None = attrs.field(converter=c.as_optional_real, validator=v.optional(v.real(minimum=0)))
    implicit_n: float = attrs.field(converter=c.as_real, validator=v.real())
    implicit_x: float = attrs.field(converter=c.as_real, validator=v.real())
    probability_below: float | None = attrs.field(
        converter=c.as_optional_real, validator=v.optional(v.real(minimum=0, maximum=1))
    )
    convention: str = attrs.field(validator=v.text(multiline=True))

    @property
    def distribution(self) -> str:
        """The prior in words: ``beta(1, 1)``, ``gamma(1, 20.6)``, ``beta-binomial(N=1000, 1, 1)``."""
        return _distribution(self.likelihood, self.alpha, self.beta, self.population)

    @property
    def proper(self) -> bool:
        """Whether the prior integrates to one (beta > 0)."""
        return self.beta > 0

    def __repr__(self) -> str:
        return f"Prior({self.distribution}, kind={self.kind!r}, likelihood={self.likelihood.value!r})"

    def _repr_markdown_(self) -> str:
        return markdown_table("Prior", rows_of(self))

    def _repr_html_(self) -> str:
        return html_table("Prior", rows_of(self))


def _distribution(likelihood: Method, alpha: float, beta: float, population: int | None) -> str:
    if likelihood is Method.BINOMIAL:
        return f"beta({alpha:.6g}, {beta:.6g})"
    if likelihood is Method.POISSON:
        return f"gamma({alpha:.6g}, {beta:.6g})"
    return f"beta-binomial(N={population}, {alpha:.6g}, {beta:.6g})"


def _likelihood(value: object) -> Method:
    return c.choice(value, Method, "$.likelihood")


def _population(likelihood: Method, population: object) -> int | None:
    if likelihood is Method.HYPERGEOMETRIC:
        if population is None:
            c.fail(
                "$.population",
                "missing",
                "'population' is required by the 'hypergeometric' likelihood (the number of items)",
            )
        return c.count(population, "$.population", minimum=1)
    if population is not None:
        c.fail(
            "$.population",
            "value",
            f"'population' is used only by the finite-population 'hypergeometric' likelihood"
            f" (got {c.show(population)} with {likelihood.value!r}); pass likelihood='hypergeometric'"
            " or drop population",
        )
    return None


def _only_for(kind: str, wanted: str, **given: object) -> None:
    for name, value in given.items():
        if value is not None and kind != wanted:
            c.fail(f"$.{name}", "value", f"{name!r} is used only by kind={wanted!r} (got kind={kind!r})")


def _below(
    likelihood: Method, alpha: float, beta: float, population: int | None, materiality: float
) -> float:
    """Prior probability that the misstatement is below ``materiality`` (proper priors only)."""
    from scipy import stats  # noqa: PLC0415 - lazy import keeps the package light

    if likelihood is Method.BINOMIAL:
        return float(stats.beta.cdf(materiality, alpha, beta))
    if likelihood is Method.POISSON:
        return float(stats.gamma.cdf(materiality, alpha, scale=1 / beta))
    assert population is not None  # noqa: S101 - set for the hypergeometric likelihood
    limit = math.ceil(materiality * population) - 1
    return float(stats.betabinom.cdf(limit, population, alpha, beta))


def _impartial(likelihood: Method, materiality: float, expected: float) -> float:
    """The implicit error count ``x`` of the impartial prior (0 when ``expected`` is 0)."""
    from scipy import optimize, stats  # noqa: PLC0415 - lazy import keeps the package light

    def median_gap(x: float) -> float:
        if likelihood is Method.POISSON:
            return float(stats.gamma.ppf(0.5, 1 + x, scale=expected / x)) - materiality
        return float(stats.beta.ppf(0.5, 1 + x, 1 + x / expected - x)) - materiality

    low, high = 1e-9, 1.0
    while median_gap(high) > 0:
        high *= 2
        if high > 1e9:  # pragma: no cover - the median tends to expected < materiality
            c.fail("$.expected", "range", "no impartial prior has its mode at 'expected'")
    return float(optimize.brentq(median_gap, low, high, xtol=1e-12, rtol=1e-12))


def bayesian_prior(
    kind: str = "default",
    *,
    likelihood: str | Method = "binomial",
    materiality: float | None = None,
    expected: float = 0.0,
    alpha: float | None = None,
    beta: float | None = None,
    n: float | None = None,
    x: float | None = None,
    population: int | None = None,
) -> Prior:
    """Build a conjugate prior for the misstatement, as jfa's ``auditPrior()`` does.

    Args:
        kind: ``"default"``, ``"impartial"``, ``"param"`` or ``"sample"`` (see the module notes).
        likelihood: ``"binomial"`` (beta prior), ``"poisson"`` (gamma) or ``"hypergeometric"``
            (beta-binomial over the ``population``).
        materiality: The tolerable misstatement as a rate in (0, 1); required by ``"impartial"``,
            and when given the prior's probability of a misstatement below it is reported.
        expected: For ``"impartial"``, the rate at which the prior has its mode (0 by default).
        alpha: For ``"param"``, the first shape (> 0).
        beta: For ``"param"``, the second shape or the gamma rate (>= 0; 0 is improper).
        n: For ``"sample"``, the items in the earlier sample.
        x: For ``"sample"``, the errors found in it (<= n).
        population: The number of items; required by, and only by, the hypergeometric likelihood.

    Returns:
        The :class:`Prior`, with its inputs, implicit sample and convention.

    Raises:
        ValidationError: A bad or missing argument, named by its path (``$.materiality``...).

    Example:
        >>> bayesian_prior("impartial", materiality=0.05)
        Prior(beta(1, 13.5134), kind='impartial', likelihood='binomial')
    """
    kind = c.one_of(kind, PRIOR_KINDS, "$.kind")
    method = _likelihood(likelihood)
    size = _population(method, population)
    mat = None if materiality is None else c.rate(materiality, "$.materiality")
    exp = c.real(expected, "$.expected", minimum=0, maximum=1, high_open=True)
    _only_for(kind, "param", alpha=alpha, beta=beta)
    _only_for(kind, "sample", n=n, x=x)
    if exp > 0 and kind != "impartial":
        c.fail("$.expected", "value", f"'expected' is used only by kind='impartial' (got kind={kind!r})")
    prior_n: float | None = None
    prior_x: float | None = None
    if kind == "default":
        a, b = 1.0, 1.0
        convention = "jfa method='default': beta(1, 1), gamma(1, 1) or beta-binomial(N, 1, 1)"
    elif kind == "impartial":
        if mat is None:
            c.fail("$.materiality", "missing", "'materiality' is required by kind='impartial'")
        if exp >= mat:
            c.fail(
                "$.expected", "range", f"'expected' must be < 'materiality' {mat:g} (got {c.show(expected)})"
            )
        a, b, convention = _impartial_shapes(method, mat, exp, size)
    elif kind == "param":
        if alpha is None or beta is None:
            missing = "alpha" if alpha is None else "beta"
            c.fail(f"$.{missing}", "missing", f"{missing!r} is required by kind='param'")
        a = c.real(alpha, "$.alpha", minimum=0, low_open=True)
        b = c.real(beta, "$.beta", minimum=0, low_open=method is Method.HYPERGEOMETRIC)
        convention = "jfa method='param': the shapes as given (beta = 0 is improper)"
    else:
        if n is None or x is None:
            missing = "n" if n is None else "x"
            c.fail(f"$.{missing}", "missing", f"{missing!r} is required by kind='sample'")
        prior_n = c.real(n, "$.n", minimum=0)
        prior_x = c.real(x, "$.x", minimum=0, maximum=prior_n)
        a = 1 + prior_x
        b = prior_n if method is Method.POISSON else prior_n - prior_x
        if method is Method.HYPERGEOMETRIC and b <= 0:
            c.fail(
                "$.x",
                "range",
                f"'x' must be < 'n' for a beta-binomial prior (got x={prior_x:g}, n={prior_n:g})",
            )
        convention = "jfa method='sample': beta(1 + x, n - x) or gamma(1 + x, n)"
    implicit_x = a - 1
    implicit_n = b if method is Method.POISSON else b + a - 1
    below = None if mat is None or b <= 0 else _below(method, a, b, size, mat)
    return Prior(
        kind=kind,
        likelihood=method,
        alpha=a,
        beta=b,
        population=size,
        materiality=mat,
        expected=exp,
        n=prior_n,
        x=prior_x,
        implicit_n=implicit_n,
        implicit_x=implicit_x,
        probability_below=below,
        convention=f"{convention}; source: {_SOURCE}",
    )


def _impartial_shapes(
    method: Method, materiality: float, expected: float, population: int | None
) -> tuple[float, float, str]:
    if expected == 0:
        if method is Method.BINOMIAL:
            b = math.log(0.5) / math.log1p(-materiality)
        elif method is Method.POISSON:
            b = math.log(2) / materiality
        else:
            assert population is not None  # noqa: S101 - set for the hypergeometric likelihood
            errors = math.ceil(materiality * population)
            if errors >= population:
                c.fail("$.materiality", "range", "'materiality' leaves no item below it in the population")
            b = math.log(2) / math.log(population / (population - errors))
        convention = (
            "jfa method='impartial' with expected = 0: beta(1, ln 0.5 / ln(1 - m)), gamma(1, ln 2 / m),"
            " beta-binomial(N, 1, ln 2 / ln(N / (N - ceil(m N)))) (jfa's closed form)"
        )
        return 1.0, b, convention
    x = _impartial(method, materiality, expected)
    a = 1 + x
    b = x / expected if method is Method.POISSON else 1 + x / expected - x
    convention = (
        "jfa method='impartial' with expected > 0: mode at 'expected', median at 'materiality',"
        " solved exactly (jfa steps x by 0.0001); the beta-binomial uses the beta that is impartial"
        " for the rate"
    )
    return a, b, convention


# ------------------------------------------------------------------------------------ posterior
@attrs.frozen
class _Posterior:
    alpha: float
    beta: float
    mode: float
    upper: float
    below: float | None
    above: float | None


def _posterior(prior: Prior, n: int, x: float, confidence: float, materiality: float | None) -> _Posterior:
    from scipy import stats  # noqa: PLC0415 - lazy import keeps the package light

    a = prior.alpha + x
    if prior.likelihood is Method.POISSON:
        b = prior.beta + n
        mode = max(0.0, (a - 1) / b)
        upper = float(stats.gamma.ppf(confidence, a, scale=1 / b))
        if materiality is None:
            return _Posterior(a, b, mode, upper, None, None)
        return _Posterior(
            a,
            b,
            mode,
            upper,
            float(stats.gamma.cdf(materiality, a, scale=1 / b)),
            float(stats.gamma.sf(materiality, a, scale=1 / b)),
        )
    b = prior.beta + n - x
    if prior.likelihood is Method.BINOMIAL:
        mode = _beta_mode(a, b)
        upper = float(stats.beta.ppf(confidence, a, b))
        if materiality is None:
            return _Posterior(a, b, mode, upper, None, None)
        return _Posterior(
            a,
            b,
            mode,
            upper,
            float(stats.beta.cdf(materiality, a, b)),
            float(stats.beta.sf(materiality, a, b)),
        )
    size = prior.population
    assert size is not None  # noqa: S101 - set for the hypergeometric likelihood
    rest = size - n
    pmf = stats.betabinom.pmf(range(rest + 1), rest, a, b)
    cdf = pmf.cumsum()
    over = cdf > confidence
    remaining = int(over.argmax()) if over.any() else rest
    upper = (x + remaining) / size
    mode = (x + int(pmf.argmax())) / size
    if materiality is None:
        return _Posterior(a, b, mode, upper, None, None)
    limit = math.ceil(materiality * size) - 1 - int(x)
    below = 0.0 if limit < 0 else min(1.0, float(cdf[min(limit, rest)]))
    above = 1.0 if limit < 0 else float(pmf[limit + 1 :].sum())
    return _Posterior(a, b, mode, upper, below, above)


def _beta_mode(a: float, b: float) -> float:
    if a <= 1:
        return 0.0
    if b <= 1:
        return 1.0
    return (a - 1) / (a + b - 2)


def _odds(below: float | None, above: float | None) -> float | None:
    if below is None or above is None:
        return None
    return math.inf if above == 0 else below / above


def _bayes_factor(posterior_odds: float | None, prior_odds: float | None) -> float | None:
    if posterior_odds is None or prior_odds is None or prior_odds == 0:
        return None
    if math.isinf(prior_odds):
        return None
    return posterior_odds / prior_odds


def _prior_odds(prior: Prior, materiality: float | None) -> float | None:
    if materiality is None or not prior.proper:
        return None
    below = _below(prior.likelihood, prior.alpha, prior.beta, prior.population, materiality)
    return _odds(below, 1 - below)


def _resolve_prior(prior: object, likelihood: object, population: object) -> Prior:
    """The prior to use: the given one (checked against likelihood and population) or the default."""
    if prior is None:
        method = Method.BINOMIAL if likelihood is None else _likelihood(likelihood)
        size = _population(method, population)
        return bayesian_prior("default", likelihood=method, population=size)
    chosen = c.instance(prior, Prior, "$.prior")
    if likelihood is not None and _likelihood(likelihood) is not chosen.likelihood:
        c.fail(
            "$.likelihood",
            "value",
            f"'likelihood' {c.show(likelihood)} disagrees with the prior's {chosen.likelihood.value!r};"
            " drop likelihood or build the prior for it",
        )
    if population is not None:
        size = _population(chosen.likelihood, population)
        if size != chosen.population:
            c.fail(
                "$.population",
                "value",
                f"'population' {c.show(population)} disagrees with the prior's N={chosen.population}",
            )
    return chosen


# -------------------------------------------------------------------------------------- planning
@attrs.frozen(kw_only=True)
class BayesianPlan:
    """The smallest sample whose posterior upper bound, given the expected errors, is below materiality.

    ``expected_errors`` is the error count the plan assumes in ``sample_size`` items (``expected`` times
    n for a rate, ``expected`` itself for a count; rounded up for the hypergeometric likelihood).
    ``mode``, ``upper`` and ``precision`` describe that expected posterior, and ``bayes_factor`` is
    the Bayes factor the plan expects for "misstatement < materiality" (None for an improper prior).
    """

    sample_size: int = attrs.field(converter=c.as_int, validator=v.count(minimum=0))
    expected_errors: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    materiality: float = attrs.field(converter=c.as_real, validator=v.rate())
    confidence: float = attrs.field(converter=c.as_real, validator=v.rate())
    expected: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    expected_kind: str = attrs.field(validator=v.one_of(_EXPECTED_KINDS))
    min_precision: float | None = attrs.field(
        converter=c.as_optional_real, validator=v.optional(v.real(minimum=0, low_open=True))
    )
    max: int = attrs.field(converter=c.as_int, validator=v.count(minimum=1))
    likelihood: Method = attrs.field(validator=v.member(Method))
    population: int | None = attrs.field(converter=_optional_int, validator=v.optional(v.count(minimum=1)))
    prior: Prior = attrs.field(validator=v.instance(Prior))
    posterior_alpha: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    posterior_beta: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    mode: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    upper: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    precision: float = attrs.field(converter=c.as_real, validator=v.real())
    posterior_odds: float | None = attrs.field(
        converter=c.as_optional_real, validator=v.optional(v.real(minimum=0, infinite=True))
    )
    bayes_factor: float | None = attrs.field(
        converter=c.as_optional_real, validator=v.optional(v.real(minimum=0, infinite=True))
    )
    convention: str = attrs.field(validator=v.text(multiline=True))

    @property
    def posterior(self) -> str:
        """The expected posterior in words."""
        rest = None if self.population is None else self.population - self.sample_size
        return _distribution(self.likelihood, self.posterior_alpha, self.posterior_beta, rest)

    def __repr__(self) -> str:
        return (
            f"BayesianPlan(sample_size={self.sample_size}, expected_errors={self.expected_errors:.6g},"
            f" prior={self.prior.distribution}, posterior={self.posterior}, upper={self.upper:.6g},"
            f" materiality={self.materiality:g}, confidence={self.confidence:g})"
        )

    def _repr_markdown_(self) -> str:
        return markdown_table("Bayesian sample plan", rows_of(self))

    def _repr_html_(self) -> str:
        return html_table("Bayesian sample plan", rows_of(self))


def _expected(value: object, materiality: float, maximum: int) -> tuple[float, str]:
    number = c.real(value, "$.expected", minimum=0)
    if number < 1:
        if number >= materiality:
            c.fail(
                "$.expected",
                "range",
                f"'expected' must be < 'materiality' {materiality:g} (got {c.show(value)})",
            )
        return number, "rate"
    count = c.count(value, "$.expected", minimum=1)
    if count >= maximum:
        c.fail("$.expected", "range", f"'expected' must be < 'max' {maximum} (got {count})")
    return float(count), "count"


def bayesian_sample_size(
    materiality: float,
    *,
    confidence: float = 0.95,
    expected: float = 0.0,
    likelihood: str | Method | None = None,
    prior: Prior | None = None,
    population: int | None = None,
    min_precision: float | None = None,
    max: int = DEFAULT_MAX,  # noqa: A002 - jfa's name for the cap
) -> BayesianPlan:
    """The smallest n whose posterior upper bound is below materiality, as jfa's ``planning(prior=)``.

    For each n from 1 to ``max`` the plan assumes ``expected * n`` errors (``expected`` < 1 is a
    rate) or ``expected`` errors (a whole number >= 1 is a count), updates the prior with them and
    stops at the first n whose upper bound at ``confidence`` is strictly below ``materiality`` (and
    whose precision, upper bound minus mode, is strictly below ``min_precision`` when given).

    Args:
        materiality: The tolerable misstatement as a rate in (0, 1).
        confidence: The confidence of the upper bound, in (0, 1).
        expected: The errors expected: a rate in [0, materiality) or a whole count >= 1.
        likelihood: ``"binomial"``, ``"poisson"`` or ``"hypergeometric"``; taken from ``prior``
            when omitted (binomial without a prior).
        prior: A :class:`Prior` from :func:`bayesian_prior`; the default prior of the likelihood
            when omitted.
        population: The number of items, for (and only for) the hypergeometric likelihood.
        min_precision: An upper limit on the precision (upper bound minus mode), in (0, 1).
        max: The largest sample considered; a plan that needs more is refused.

    Returns:
        The :class:`BayesianPlan`.

    Raises:
        ValidationError: A bad argument, or no n up to ``max`` meets the plan (``$.max``).

    Example:
        >>> bayesian_sample_size(0.05, expected=0.025).sample_size
        220
    """
    mat = c.rate(materiality, "$.materiality")
    conf = c.rate(confidence, "$.confidence")
    cap = c.count(max, "$.max", minimum=1, maximum=10**6)
    precision_cap = None if min_precision is None else c.rate(min_precision, "$.min_precision")
    chosen = _resolve_prior(prior, likelihood, population)
    exp, exp_kind = _expected(expected, mat, cap)
    size = chosen.population
    if size is not None:
        cap = min(cap, size)
    found = _search(chosen, mat, conf, exp, exp_kind, precision_cap, cap)
    if found is None:
        c.fail(
            "$.max",
            "range",
            f"no sample of at most {cap:,} items meets the plan (materiality {mat:g}, confidence {conf:g},"
            f" expected {exp:g}); raise 'max', lower 'expected' or raise 'materiality'",
        )
    n, x, post = found
    odds = _odds(post.below, post.above)
    bf = _bayes_factor(odds, _prior_odds(chosen, mat))
    return BayesianPlan(
        sample_size=n,
        expected_errors=x,
        materiality=mat,
        confidence=conf,
        expected=exp,
        expected_kind=exp_kind,
        min_precision=precision_cap,
        max=cap,
        likelihood=chosen.likelihood,
        population=size,
        prior=chosen,
        posterior_alpha=post.alpha,
        posterior_beta=post.beta,
        mode=post.mode,
        upper=post.upper,
        precision=post.upper - post.mode,
        posterior_odds=odds,
        bayes_factor=bf,
        convention=(
            f"smallest n in 1..max with posterior upper bound < materiality (strict) at the expected errors"
            f" ({'expected x n' if exp_kind == 'rate' else 'a fixed count'}"
            f"{', rounded up' if size is not None else ''}); source: {_SOURCE}"
        ),
    )


def _errors_at(n: int, expected: float, kind: str, hypergeometric: bool) -> float:
    x = expected * n if kind == "rate" else expected
    return float(math.ceil(x)) if hypergeometric else x


def _search(  # noqa: PLR0917 - a private helper of one caller
    prior: Prior,
    materiality: float,
    confidence: float,
    expected: float,
    kind: str,
    min_precision: float | None,
    cap: int,
) -> tuple[int, float, _Posterior] | None:
    import numpy as np  # noqa: PLC0415 - numpy is imported by the package anyway
    from scipy import stats  # noqa: PLC0415 - lazy import keeps the package light

    hyper = prior.likelihood is Method.HYPERGEOMETRIC
    sizes = np.arange(1, cap + 1, dtype=float)
    errors = np.ceil(expected * sizes) if hyper and kind == "rate" else expected * sizes
    if kind == "count":
        errors = np.full_like(sizes, math.ceil(expected) if hyper else expected)
    valid = sizes > errors
    a = prior.alpha + errors
    if prior.likelihood is Method.POISSON:
        b = prior.beta + sizes
        upper = stats.gamma.ppf(confidence, a, scale=1 / b)
        mode = np.maximum(0.0, (a - 1) / b)
    elif prior.likelihood is Method.BINOMIAL:
        b = np.where(valid, prior.beta + sizes - errors, 1.0)
        upper = stats.beta.ppf(confidence, a, b)
        mode = np.where(a <= 1, 0.0, np.where(b <= 1, 1.0, (a - 1) / np.maximum(a + b - 2, 1e-300)))
    else:
        return _search_hypergeometric(prior, materiality, confidence, expected, kind, min_precision, cap)
    ok = valid & (upper < materiality)
    if min_precision is not None:
        ok &= (upper - mode) < min_precision
    if not ok.any():
        return None
    n = int(ok.argmax()) + 1
    x = _errors_at(n, expected, kind, hypergeometric=False)
    return n, x, _posterior(prior, n, x, confidence, materiality)


def _search_hypergeometric(  # noqa: PLR0917 - a private helper of one caller
    prior: Prior,
    materiality: float,
    confidence: float,
    expected: float,
    kind: str,
    min_precision: float | None,
    cap: int,
) -> tuple[int, float, _Posterior] | None:
    import numpy as np  # noqa: PLC0415 - numpy is imported by the package anyway
    from scipy import stats  # noqa: PLC0415 - lazy import keeps the package light

    size = prior.population
    assert size is not None  # noqa: S101 - set for the hypergeometric likelihood
    for start in range(1, cap + 1, 1000):
        sizes = np.arange(start, min(cap, start + 999) + 1)
        errors = np.array([_errors_at(int(n), expected, kind, hypergeometric=True) for n in sizes])
        # (x + q) / N < m, with q the smallest r whose cdf exceeds the confidence, holds exactly
        # when the cdf at ceil(m N - x) - 1 exceeds it.
        limits = np.ceil(materiality * size - errors) - 1
        usable = (sizes > errors) & (limits >= 0)
        if not usable.any():
            continue
        cdf = np.zeros(len(sizes))
        cdf[usable] = stats.betabinom.cdf(
            limits[usable],
            size - sizes[usable],
            prior.alpha + errors[usable],
            prior.beta + sizes[usable] - errors[usable],
        )
        for n, x in zip(sizes[cdf > confidence], errors[cdf > confidence], strict=True):
            post = _posterior(prior, int(n), float(x), confidence, materiality)
            if post.upper < materiality and (min_precision is None or post.upper - post.mode < min_precision):
                return int(n), float(x), post
    return None


# ------------------------------------------------------------------------------------ evaluation
@attrs.frozen(kw_only=True)
class BayesianEvaluation:
    """The posterior of the misstatement after ``errors`` in ``n`` items, and the evidence it gives.

    ``mode`` is the most likely misstatement, ``upper`` the upper bound at ``confidence`` and
    ``precision`` their difference. With a ``materiality``, ``posterior_probability_below`` is the
    posterior probability of a misstatement below it, ``bayes_factor`` the posterior odds of that
    divided by the prior odds (None for an improper prior) and ``below_materiality`` whether the
    upper bound is below it.
    """

    n: int = attrs.field(converter=c.as_int, validator=v.count(minimum=0))
    errors: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    confidence: float = attrs.field(converter=c.as_real, validator=v.rate())
    materiality: float | None = attrs.field(converter=c.as_optional_real, validator=v.optional(v.rate()))
    likelihood: Method = attrs.field(validator=v.member(Method))
    population: int | None = attrs.field(converter=_optional_int, validator=v.optional(v.count(minimum=1)))
    prior: Prior = attrs.field(validator=v.instance(Prior))
    posterior_alpha: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    posterior_beta: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    mode: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    upper: float = attrs.field(converter=c.as_real, validator=v.real(minimum=0))
    precision: float = attrs.field(converter=c.as_real, validator=v.real())
    posterior_probability_below: float | None = attrs.field(
        converter=c.as_optional_real, validator=v.optional(v.real(minimum=0, maximum=1))
    )
    posterior_odds: float | None = attrs.field(
        converter=c.as_optional_real, validator=v.optional(v.real(minimum=0, infinite=True))
    )
    prior_odds: float | None = attrs.field(
        converter=c.as_optional_real, validator=v.optional(v.real(minimum=0, infinite=True))
    )
    bayes_factor: float | None = attrs.field(
        converter=c.as_optional_real, validator=v.optional(v.real(minimum=0, infinite=True))
    )
    below_materiality: bool | None = attrs.field(converter=_optional_flag, validator=v.optional(v.flag()))
    convention: str = attrs.field(validator=v.text(multiline=True))

    @property
    def posterior(self) -> str:
        """The posterior in words."""
        rest = None if self.population is None else self.population - self.n
        return _distribution(self.likelihood, self.posterior_alpha, self.posterior_beta, rest)

    def __repr__(self) -> str:
        bf = "None" if self.bayes_factor is None else f"{self.bayes_factor:.6g}"
        return (
            f"BayesianEvaluation(n={self.n}, errors={self.errors:g}, posterior={self.posterior},"
            f" mode={self.mode:.6g}, upper={self.upper:.6g}, bayes_factor={bf})"
        )

    def _repr_markdown_(self) -> str:
        return markdown_table("Bayesian evaluation", rows_of(self))

    def _repr_html_(self) -> str:
        return html_table("Bayesian evaluation", rows_of(self))


def bayesian_evaluate(
    n: int,
    errors: float,
    *,
    confidence: float = 0.95,
    materiality: float | None = None,
    likelihood: str | Method | None = None,
    prior: Prior | None = None,
    population: int | None = None,
) -> BayesianEvaluation:
    """Update a prior with what a sample found, as jfa's ``evaluation(prior=)`` with ``n`` and ``x``.

    Args:
        n: The items sampled (>= 1; at most the population for the hypergeometric likelihood).
        errors: The errors found: a count, or for the binomial and Poisson likelihoods the sum of
            the taints (a real number), at most ``n``.
        confidence: The confidence of the upper bound, in (0, 1).
        materiality: The tolerable misstatement as a rate in (0, 1), for the Bayes factor.
        likelihood: As for :func:`bayesian_sample_size`.
        prior: As for :func:`bayesian_sample_size`.
        population: As for :func:`bayesian_sample_size`.

    Returns:
        The :class:`BayesianEvaluation`.

    Raises:
        ValidationError: A bad argument, named by its path.

    Example:
        >>> round(bayesian_evaluate(50, 1, materiality=0.05).bayes_factor, 4)
        51.5513
    """
    size_n = c.count(n, "$.n", minimum=1)
    conf = c.rate(confidence, "$.confidence")
    mat = None if materiality is None else c.rate(materiality, "$.materiality")
    chosen = _resolve_prior(prior, likelihood, population)
    if chosen.likelihood is Method.HYPERGEOMETRIC:
        found: float = c.count(errors, "$.errors", maximum=size_n)
        assert chosen.population is not None  # noqa: S101 - set for the hypergeometric likelihood
        if size_n > chosen.population:
            c.fail("$.n", "range", f"'n' must be <= the population {chosen.population} (got {size_n})")
    else:
        found = c.real(errors, "$.errors", minimum=0, maximum=size_n)
    if chosen.likelihood is not Method.POISSON and not chosen.proper and found >= size_n:
        c.fail("$.errors", "range", f"'errors' must be < 'n' with an improper prior (got {found:g})")
    post = _posterior(chosen, size_n, found, conf, mat)
    posterior_odds = _odds(post.below, post.above)
    prior_odds = _prior_odds(chosen, mat)
    hyper_note = (
        "; the hypergeometric bound counts population errors (x + remaining) / N" if chosen.population else ""
    )
    return BayesianEvaluation(
        n=size_n,
        errors=found,
        confidence=conf,
        materiality=mat,
        likelihood=chosen.likelihood,
        population=chosen.population,
        prior=chosen,
        posterior_alpha=post.alpha,
        posterior_beta=post.beta,
        mode=post.mode,
        upper=post.upper,
        precision=post.upper - post.mode,
        posterior_probability_below=post.below,
        posterior_odds=posterior_odds,
        prior_odds=prior_odds,
        bayes_factor=_bayes_factor(posterior_odds, prior_odds),
        below_materiality=None if mat is None else post.upper < mat,
        convention=(
            "conjugate update; mode, upper bound at the confidence (one-sided), precision = upper - mode;"
            " Bayes factor = posterior odds / prior odds of misstatement < materiality"
            f"{hyper_note}"
            f"; source: {_SOURCE}"
        ),
    )
