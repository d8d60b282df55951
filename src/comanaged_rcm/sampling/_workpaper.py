"""Audit workpapers of a sampling test: Markdown, a self-contained HTML page and JSON.

A :class:`Workpaper` holds the steps of one test in their audit order (the plan, the selection,
the evaluation), each with the inputs as given on the command line, the result object (which
carries its own inputs, method and convention), the population drawn from and the conclusion in
words. :meth:`Workpaper.files` renders the three files; :func:`replay` recomputes every step from
the JSON alone (re-draws the selection, re-runs the plan and the evaluation) and names the first
thing that differs.

The JSON carries a schema name and version (:data:`SCHEMA`, :data:`SCHEMA_VERSION`) and a SHA-256
digest of its own content. No date or time is recorded, so the same inputs give the same bytes;
the file system dates the files.

>>> from comanaged_rcm.sampling._select import select
>>> paper = add_step(None, step(select(population=100, n=3, seed=1), inputs=[("--seed", "1")]))
>>> paper.steps[0].conclusion[:70]
'Selected 3 of 100 items for review (random selection, seed 1). Review '
>>> replay(paper).identical
True
"""

from __future__ import annotations

import hashlib
import html
import inspect
import math
from collections.abc import Sequence
from typing import Any

import attrs

from comanaged_rcm import __version__
from comanaged_rcm import _check as c
from comanaged_rcm._check import v
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.sampling._engine import attribute_sample_size, attribute_upper_limit
from comanaged_rcm.sampling._models import (
    AttributeEvaluation,
    AttributePlan,
    Selection,
    _integer,
    _item_ids,
    _optional_real,
    _real,
    _tuple,
)
from comanaged_rcm.sampling._monetary import (
    MonetaryEvaluation,
    MonetaryPlan,
    monetary_sample_size,
    monetary_upper_limit,
)
from comanaged_rcm.sampling._mus import MonetarySelection, mus_select
from comanaged_rcm.sampling._select import select
from comanaged_rcm.sampling._variables import (
    Appraisal,
    VariablesPlan,
    difference_estimate,
    mean_per_unit,
    ratio_estimate,
    variables_sample_size,
)
from comanaged_rcm.serialize import converter, from_dict, to_json

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "AppraisalTest",
    "Population",
    "Replay",
    "Setting",
    "Step",
    "Workpaper",
    "add_step",
    "load_workpaper",
    "replay",
    "step",
]

SCHEMA = "comanaged-rcm/sampling-workpaper"
"""The name of the workpaper JSON schema (the ``schema`` key)."""

SCHEMA_VERSION = 1
"""The version of the workpaper JSON schema this library writes and reads (the ``version`` key)."""

COMMANDS = ("sample-size", "sample-select", "sample-eval")
"""The steps of a test, in the order a workpaper keeps them."""

FILES = ("workpaper.json", "workpaper.md", "workpaper.html")
"""The files :meth:`Workpaper.files` renders."""

KINDS = ("attribute", "mus", "variables", "selection")

_RESULTS = (
    ("attribute_plan", AttributePlan, "attribute", "sample-size"),
    ("monetary_plan", MonetaryPlan, "mus", "sample-size"),
    ("variables_plan", VariablesPlan, "variables", "sample-size"),
    ("selection", Selection, "selection", "sample-select"),
    ("monetary_selection", MonetarySelection, "mus", "sample-select"),
    ("attribute_evaluation", AttributeEvaluation, "attribute", "sample-eval"),
    ("monetary_evaluation", MonetaryEvaluation, "mus", "sample-eval"),
    ("appraisal", Appraisal, "variables", "sample-eval"),
)
_TITLES = {"sample-size": "Plan", "sample-select": "Selection", "sample-eval": "Evaluation"}
_KIND_NAMES = {
    "attribute": "attribute sampling",
    "mus": "monetary-unit sampling",
    "variables": "classical variables sampling",
    "selection": "selection of items",
}
_HEX = frozenset("0123456789abcdef")

TEST_CONVENTION = (
    "the book value is accepted when the most it can be misstated at the stated confidence is at most the "
    "tolerable misstatement: book_total - lower limit (overstatement) for sides 'lower', upper limit - "
    "book_total (understatement) for 'upper', the larger of both for 'two-sided' (never below 0)"
)


def _optional(kind: type[Any]) -> Any:  # noqa: ANN401 - an attrs validator
    return v.optional(v.instance(kind))


def _sha256(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not (isinstance(value, str) and len(value) == 64 and set(value) <= _HEX):
        c.fail(f"$.{attribute.name}", "value", f"{attribute.name!r} must be 64 lower-case hex digits")


@attrs.frozen
class Setting:
    """One input as given on the command line: the flag and its text (``--confidence``, ``0.95``)."""

    name: str = attrs.field(validator=v.text(maximum=200))
    value: str = attrs.field(validator=v.text(empty=True, multiline=True))


@attrs.frozen(kw_only=True)
class Population:
    """What a selection was drawn from, kept so that the JSON alone can re-draw it.

    ``ids`` is empty for the items 1..``size`` (``--population N``); otherwise it lists the item ids
    in file order, with each item's book value and stratum when the file gave them. ``sha256`` is
    the digest of the items file's text (UTF-8), so the file can be matched to the workpaper.
    """

    size: int = attrs.field(converter=_integer, validator=v.count(minimum=1))
    source: str = attrs.field(validator=v.text(maximum=4096))
    sha256: str | None = attrs.field(default=None, validator=_sha256)
    ids: tuple[str | int, ...] = attrs.field(default=(), converter=_tuple, validator=_item_ids)
    book_values: tuple[float, ...] = attrs.field(default=(), converter=_tuple, validator=v.each(v.real()))
    strata: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=v.each(v.text()))
    id_column: str | None = attrs.field(default=None, validator=v.optional(v.text(maximum=1_000)))
    book_column: str | None = attrs.field(default=None, validator=v.optional(v.text(maximum=1_000)))
    strata_column: str | None = attrs.field(default=None, validator=v.optional(v.text(maximum=1_000)))

    def __attrs_post_init__(self) -> None:
        for name in ("ids", "book_values", "strata"):
            got = len(getattr(self, name))
            if got and got != self.size:
                c.fail(
                    f"$.{name}",
                    "length",
                    f"{name!r} must hold one entry per item ({self.size:,}, got {got:,})",
                )
        if (self.book_values or self.strata) and not self.ids:
            c.fail("$.ids", "required", "'ids' must be given with book values or strata")

    def items(self) -> Sequence[str | int]:
        """The items drawn from: the ids, or the range 1..size."""
        return self.ids or range(1, self.size + 1)


@attrs.frozen(kw_only=True)
class AppraisalTest:
    """The test of a recorded book total against a variables appraisal (see ``TEST_CONVENTION``)."""

    book_total: float = attrs.field(converter=_real, validator=v.real())
    tolerable_misstatement: float | None = attrs.field(
        converter=_optional_real, validator=v.optional(v.real(minimum=0, low_open=True))
    )
    misstatement_bound: float = attrs.field(converter=_real, validator=v.real(minimum=0))
    acceptable: bool | None = attrs.field(validator=v.optional(v.flag()))
    convention: str = attrs.field(validator=v.text(multiline=True))


@attrs.frozen(kw_only=True)
class Step:
    """One command of a test: its inputs as given, exactly one result, and the conclusion in words."""

    command: str = attrs.field(validator=v.one_of(COMMANDS))
    kind: str = attrs.field(validator=v.one_of(KINDS))
    inputs: tuple[Setting, ...] = attrs.field(converter=_tuple, validator=v.tuple_of(Setting))
    conclusion: str = attrs.field(validator=v.text(multiline=True))
    attribute_plan: AttributePlan | None = attrs.field(default=None, validator=_optional(AttributePlan))
    monetary_plan: MonetaryPlan | None = attrs.field(default=None, validator=_optional(MonetaryPlan))
    variables_plan: VariablesPlan | None = attrs.field(default=None, validator=_optional(VariablesPlan))
    selection: Selection | None = attrs.field(default=None, validator=_optional(Selection))
    monetary_selection: MonetarySelection | None = attrs.field(
        default=None, validator=_optional(MonetarySelection)
    )
    population: Population | None = attrs.field(default=None, validator=_optional(Population))
    attribute_evaluation: AttributeEvaluation | None = attrs.field(
        default=None, validator=_optional(AttributeEvaluation)
    )
    monetary_evaluation: MonetaryEvaluation | None = attrs.field(
        default=None, validator=_optional(MonetaryEvaluation)
    )
    appraisal: Appraisal | None = attrs.field(default=None, validator=_optional(Appraisal))
    appraisal_test: AppraisalTest | None = attrs.field(default=None, validator=_optional(AppraisalTest))

    def __attrs_post_init__(self) -> None:
        present = [
            (name, kind, command) for name, _, kind, command in _RESULTS if getattr(self, name) is not None
        ]
        if len(present) != 1:
            names = ", ".join(name for name, *_ in _RESULTS)
            c.fail("$", "value", f"a step holds exactly one result of {names} (got {len(present)})")
        name, kind, command = present[0]
        if (self.kind, self.command) != (kind, command):
            c.fail("$.kind", "value", f"a {name} is a {command} step of kind {kind!r} (got {self.kind!r})")
        if (self.population is None) != (self.command != "sample-select"):
            c.fail("$.population", "required", "a selection step, and only it, records its population")
        drawn = self.selection or self.monetary_selection
        if (
            self.population is not None
            and drawn is not None
            and self.population.size != drawn.population_size
        ):
            c.fail(
                "$.population.size",
                "value",
                "the population must be the one the selection was drawn from",
            )
        if self.appraisal_test is not None and self.appraisal is None:
            c.fail("$.appraisal_test", "value", "an appraisal test goes with an appraisal")

    @property
    def result(self) -> Any:  # noqa: ANN401 - one of the sampling result models
        """The step's result object."""
        return next(getattr(self, name) for name, *_ in _RESULTS if getattr(self, name) is not None)


@attrs.frozen(kw_only=True)
class Workpaper:
    """The workpaper of one sampling test.

    ``digest`` is the SHA-256 of the workpaper's JSON with ``digest`` empty: :func:`replay` checks it,
    so an edit by hand that leaves the items re-drawable is still noticed.
    """

    schema: str = attrs.field(default=SCHEMA, validator=v.one_of((SCHEMA,)))
    version: int = attrs.field(default=SCHEMA_VERSION, converter=_integer, validator=v.count(minimum=1))
    tool: str = attrs.field(validator=v.text(maximum=200))
    steps: tuple[Step, ...] = attrs.field(converter=_tuple, validator=v.tuple_of(Step))
    conclusion: str = attrs.field(validator=v.text(multiline=True))
    digest: str = attrs.field(default="", validator=v.text(empty=True, maximum=64))

    def __attrs_post_init__(self) -> None:
        commands = [s.command for s in self.steps]
        if not commands:
            c.fail("$.steps", "required", "a workpaper has at least one step")
        if commands != sorted(set(commands), key=COMMANDS.index):
            c.fail("$.steps", "value", f"steps must be distinct and in the order {', '.join(COMMANDS)}")

    def to_json(self) -> str:
        """The JSON document (indented, a final newline): the same workpaper gives the same bytes."""
        return to_json(self, indent=2) + "\n"

    def to_markdown(self) -> str:
        """The workpaper as Markdown."""
        return _markdown(_blocks(self))

    def to_html(self) -> str:
        """The workpaper as one self-contained HTML page (inline style, no scripts, no external links)."""
        return _page(_blocks(self))

    def files(self) -> dict[str, str]:
        """The three files by name: ``workpaper.json``, ``workpaper.md`` and ``workpaper.html``."""
        return dict(zip(FILES, (self.to_json(), self.to_markdown(), self.to_html()), strict=True))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return _html_body(_blocks(self))


# ------------------------------------------------------------------------------- conclusions
def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.6g}%"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _amount(value: float) -> str:
    return f"{value:,.2f}"


def _conclude(result: object, test: AppraisalTest | None) -> str:
    if isinstance(result, AttributePlan):
        k = result.acceptable_deviations
        plan = (
            f"Plan: examine {_plural(result.sample_size, 'item')}. Accept if at most"
            f" {_plural(k, 'deviation')} {'is' if k == 1 else 'are'} found: the upper deviation limit at"
            f" {_pct(result.confidence)} confidence then stays"
        )
        if result.tolerable_rate is None:
            return (
                f"{plan} less than {_pct(result.min_precision)} above the sample deviation rate (the minimum"
                f" precision; {result.method.value} method); more deviations mean the planned precision is"
                " not achieved. No tolerable rate was given: compare the upper limit with one when"
                " evaluating."
            )
        precision = (
            ""
            if result.min_precision is None
            else f" and less than {_pct(result.min_precision)} above the sample deviation rate"
        )
        return (
            f"{plan} at or below the tolerable rate of {_pct(result.tolerable_rate)}{precision}"
            f" ({result.method.value} method); more deviations mean the control cannot be relied on."
        )
    if isinstance(result, MonetaryPlan):
        every = ""
        if result.sampling_interval is not None and result.population_value is not None:
            every = (
                f", one every {_amount(result.sampling_interval)} of the book value of"
                f" {_amount(result.population_value)}"
            )
        plan = (
            f"Plan: sample {_plural(result.sample_size, 'monetary unit')}{every}. With an expected"
            f" misstatement of {_pct(result.expected_rate)} of the book value"
            f" ({result.expected_misstatements:.6g} taints expected in the sample), the upper misstatement"
            f" limit at {_pct(result.confidence)} confidence is planned to stay"
        )
        evaluate = "; evaluate the sample with comanaged-rcm sample-eval --kind mus."
        if result.tolerable_rate is None:
            return (
                f"{plan} less than {_pct(result.min_precision)} of the book value above the most likely"
                f" misstatement (the minimum precision){evaluate} No tolerable rate was given: compare the"
                " upper limit with one when evaluating."
            )
        precision = (
            ""
            if result.min_precision is None
            else f" and less than {_pct(result.min_precision)} above the most likely misstatement"
        )
        return f"{plan} at or below the tolerable rate of {_pct(result.tolerable_rate)}{precision}{evaluate}"
    if isinstance(result, VariablesPlan):
        return (
            f"Plan: sample {result.sample_size:,} of {result.population:,} items to estimate the population"
            f" total within +/-{_amount(result.absolute_precision)} at {_pct(result.confidence)} confidence"
            f" ({result.sides}, {result.distribution} distribution)."
        )
    if isinstance(result, Selection):
        strata = f", {len(result.allocation)} strata allocated proportionally" if result.allocation else ""
        return (
            f"Selected {len(result.items):,} of {result.population_size:,} items for review ({result.method}"
            f" selection, seed {result.seed}{strata}). Review them and evaluate what was found with"
            " comanaged-rcm sample-eval."
        )
    if isinstance(result, MonetarySelection):
        certain = len(result.certainty_items)
        units = "" if result.sample_size is None else f" {_plural(result.sample_size, 'monetary unit')},"
        return (
            f"Selected {len(result.sampled_items):,} of {result.population_size:,} items by monetary unit"
            f" ({result.method} selection,{units} interval {_amount(result.interval)}, seed {result.seed}):"
            f" {_plural(certain, 'item')} of at least the interval taken with certainty (book value"
            f" {_amount(result.certainty_value)}), {len(result.items):,} sampled,"
            f" {len(result.excluded_items):,} of zero or negative book value excluded. Audit them and"
            " evaluate the taints with comanaged-rcm sample-eval --kind mus."
        )
    if isinstance(result, AttributeEvaluation):
        found = (
            f"with {_plural(result.deviations, 'deviation')} in {_plural(result.sample_size, 'item')} the"
            f" upper deviation limit is {_pct(result.upper_limit)} at {_pct(result.confidence)} confidence"
            f" ({result.method.value} method)"
        )
        if result.acceptable is None or result.tolerable_rate is None:
            return f"No conclusion: no tolerable rate was given. {found[0].upper()}{found[1:]}."
        tol = _pct(result.tolerable_rate)
        if result.acceptable:
            return f"Accept: {found}, at or below the tolerable rate of {tol}: the control can be relied on."
        return (
            f"Reject: {found}, above the tolerable rate of {tol}: the control cannot be relied on at this"
            " confidence."
        )
    if isinstance(result, MonetaryEvaluation):
        amount = "" if result.upper_misstatement is None else f" ({_amount(result.upper_misstatement)})"
        found = (
            f"with {_plural(len(result.taints), 'misstatement')} (taints summing to"
            f" {math.fsum(result.taints):.6g}) in {_plural(result.sample_size, 'monetary unit')} the"
            " upper misstatement limit is"
            f" {_pct(result.upper_limit)} of the book value{amount} at {_pct(result.confidence)} confidence"
            f" ({result.method} method)"
        )
        if result.acceptable is None or result.tolerable_rate is None:
            return f"No conclusion: no tolerable rate was given. {found[0].upper()}{found[1:]}."
        tol = _pct(result.tolerable_rate)
        if result.acceptable:
            return f"Accept: {found}, at or below the tolerable rate of {tol}: the book value is accepted."
        return (
            f"Reject: {found}, above the tolerable rate of {tol}: the book value is not accepted; the"
            " misstatement may exceed the tolerable rate."
        )
    if isinstance(result, Appraisal):
        low = "-inf" if result.lower is None else _amount(result.lower)
        high = "+inf" if result.upper is None else _amount(result.upper)
        found = (
            f"the {result.estimator} estimate of the audited total is {_amount(result.point_estimate)}, with"
            f" limits [{low}, {high}] at {_pct(result.confidence)} confidence ({result.sides})"
        )
        if test is None:
            return f"No conclusion: no book total was given. {found[0].upper()}{found[1:]}."
        bound = (
            f"{found}; the recorded book total {_amount(test.book_total)} may be misstated by up to"
            f" {_amount(test.misstatement_bound)}"
        )
        if test.acceptable is None or test.tolerable_misstatement is None:
            return f"No conclusion: no tolerable misstatement was given. {bound[0].upper()}{bound[1:]}."
        tol = _amount(test.tolerable_misstatement)
        if test.acceptable:
            return f"Accept: {bound}, within the tolerable misstatement of {tol}: the book value is accepted."
        return (
            f"Reject: {bound}, more than the tolerable misstatement of {tol}: the book value is not accepted."
        )
    message = f"'result' must be a sampling plan, selection or evaluation (got {c.show(result)})"
    raise ValidationError.single("$.result", "type", message)


def _size_of(result: object) -> int | None:
    if isinstance(result, AttributeEvaluation | MonetaryEvaluation):
        return result.sample_size
    if isinstance(result, Appraisal):
        return result.n
    return None


def _overall(steps: Sequence[Step]) -> str:
    conclusion = steps[-1].conclusion
    by = {s.command: s for s in steps}
    sel, ev = by.get("sample-select"), by.get("sample-eval")
    if sel is not None and ev is not None and sel.selection is not None:
        size, drawn = _size_of(ev.result), len(sel.selection.items)
        if size is not None and size != drawn and ev.kind != "mus":
            conclusion += f" Note: the evaluation counts {size:,} items but the selection drew {drawn:,}."
    return conclusion


def _appraisal_test(
    appraisal: Appraisal, book_total: float | None, tolerable: float | None
) -> AppraisalTest | None:
    if book_total is None and appraisal.book_total is None:
        if tolerable is not None:
            c.fail(
                "$.tolerable_misstatement",
                "required",
                "a tolerable misstatement needs the book total to test",
            )
        return None
    if book_total is None:
        book_total = appraisal.book_total
    else:
        book_total = c.real(book_total, "$.book_total", minimum=-1e30, maximum=1e30)
        if appraisal.book_total is not None and book_total != appraisal.book_total:
            c.fail(
                "$.book_total",
                "value",
                f"'book_total' must be the appraisal's own book total {appraisal.book_total!r}"
                f" (got {c.show(book_total)})",
            )
    assert book_total is not None  # noqa: S101 - set above
    if tolerable is not None:
        tolerable = c.real(tolerable, "$.tolerable_misstatement", minimum=0, low_open=True)
    over = None if appraisal.lower is None else book_total - appraisal.lower
    under = None if appraisal.upper is None else appraisal.upper - book_total
    bound = max(0.0, *(x for x in (over, under) if x is not None))
    if not math.isfinite(bound):
        c.fail("$.book_total", "range", "the misstatement bound overflows: the book total is too large")
    return AppraisalTest(
        book_total=book_total,
        tolerable_misstatement=tolerable,
        misstatement_bound=bound,
        acceptable=None if tolerable is None else bound <= tolerable,
        convention=TEST_CONVENTION,
    )


def step(
    result: object,
    *,
    inputs: Sequence[tuple[str, str]] = (),
    population: Population | None = None,
    book_total: float | None = None,
    tolerable_misstatement: float | None = None,
) -> Step:
    """The workpaper step of a plan, a selection or an evaluation, with its conclusion in words.

    Args:
        result: An :class:`AttributePlan`, :class:`MonetaryPlan`, :class:`VariablesPlan`,
            :class:`Selection`, :class:`AttributeEvaluation`, :class:`MonetaryEvaluation` or
            :class:`Appraisal`.
        inputs: The inputs as given, ``(flag, text)`` pairs, in the order given.
        population: What a selection was drawn from (default: items 1..N for a selection).
        book_total: For an appraisal: the recorded total to test (the difference and ratio
            estimators carry their own).
        tolerable_misstatement: For an appraisal: the amount the book total may be misstated by.

    Returns:
        The step.

    Raises:
        ValidationError: ``result`` is not a sampling result, ``population`` does not fit the
            selection, or the appraisal test's amounts are out of range.

    >>> from comanaged_rcm.sampling._engine import attribute_upper_limit
    >>> step(attribute_upper_limit(59, 0, 0.95, tolerable_rate=0.05)).conclusion[:60]
    'Accept: with 0 deviations in 59 items the upper deviation li'
    """
    settings = []
    for i, pair in enumerate(c.sequence(inputs, "$.inputs")):
        if isinstance(pair, Setting):
            settings.append(pair)
            continue
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            c.fail(
                f"$.inputs[{i}]", "type", f"'inputs[{i}]' must be a (flag, text) pair (got {c.show(pair)})"
            )
        try:
            settings.append(Setting(*pair))
        except ValidationError as exc:
            raise exc.under(f"$.inputs[{i}]") from None
    match = next(
        ((name, kind, command) for name, cls, kind, command in _RESULTS if isinstance(result, cls)), None
    )
    if match is None:
        c.fail(
            "$.result",
            "type",
            f"'result' must be a sampling plan, selection or evaluation (got {c.show(result)})",
        )
    name, kind, command = match
    test = None
    if isinstance(result, Appraisal):
        test = _appraisal_test(result, book_total, tolerable_misstatement)
    elif book_total is not None or tolerable_misstatement is not None:
        c.fail("$.book_total", "value", "'book_total' and 'tolerable_misstatement' go with an appraisal")
    if isinstance(result, MonetarySelection) and population is None:
        c.fail(
            "$.population", "required", "a monetary unit selection records the population it was drawn from"
        )
    if isinstance(result, Selection | MonetarySelection):
        if population is None:
            population = Population(size=result.population_size, source=f"items 1..{result.population_size}")
        c.instance(population, Population, "$.population")
    elif population is not None:
        c.fail("$.population", "value", "'population' goes with a selection")
    results: dict[str, Any] = {name: result}
    return Step(
        command=command,
        kind=kind,
        inputs=tuple(settings),
        conclusion=_conclude(result, test),
        population=population,
        appraisal_test=test,
        **results,
    )


def add_step(paper: Workpaper | None, new: Step) -> Workpaper:
    """``paper`` with ``new`` in place of any earlier step of the same command (a new workpaper for None).

    Steps are kept in the order plan, selection, evaluation; the overall conclusion is the last
    step's, with a note when the evaluation counts a different number of items than were drawn.

    Raises:
        ValidationError: ``paper`` is not a workpaper or ``new`` not a step.

    >>> from comanaged_rcm.sampling._engine import attribute_sample_size
    >>> paper = add_step(None, step(attribute_sample_size(0.95, 0.05)))
    >>> [s.command for s in paper.steps]
    ['sample-size']
    """
    c.instance(new, Step, "$.new")
    if paper is not None:
        c.instance(paper, Workpaper, "$.paper")
    kept = [s for s in (paper.steps if paper is not None else ()) if s.command != new.command]
    steps = sorted([*kept, new], key=lambda s: COMMANDS.index(s.command))
    draft = Workpaper(tool=f"comanaged-rcm {__version__}", steps=tuple(steps), conclusion=_overall(steps))
    return attrs.evolve(draft, digest=_digest(draft))


def _digest(paper: Workpaper) -> str:
    return hashlib.sha256(attrs.evolve(paper, digest="").to_json().encode("utf-8")).hexdigest()


def load_workpaper(data: object, source: str = "$") -> Workpaper:
    """Build a workpaper from its parsed JSON, refusing another schema or a newer version by name.

    Args:
        data: The parsed JSON document.
        source: How to name the document in issues (a file name), or ``$``.

    Raises:
        ValidationError: Not a workpaper of this schema and version, or a field is invalid (the
            issue names its path, ``$.steps[1].selection.items[3]``).

    >>> paper = add_step(None, step(select(population=10, n=2, seed=5)))
    >>> load_workpaper(converter.unstructure(paper)) == paper
    True
    """
    where = "$" if source == "$" else source
    if not isinstance(data, dict):
        c.fail(where, "type", f"a workpaper is a JSON object (got {type(data).__name__})")
    if data.get("schema") != SCHEMA:
        c.fail(
            where,
            "value",
            f"not a sampling workpaper: 'schema' must be {SCHEMA!r} (got {c.show(data.get('schema'))})",
        )
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        c.fail(where, "value", f"'version' must be a whole number >= 1 (got {c.show(version)})")
    if version > SCHEMA_VERSION:
        c.fail(
            where,
            "value",
            f"the workpaper has schema version {version}, newer than this comanaged-rcm reads"
            f" ({SCHEMA_VERSION}): replay it with the version that wrote it ({c.show(data.get('tool'))})",
        )
    try:
        return from_dict(data, Workpaper)
    except ValidationError as exc:
        if where == "$":
            raise
        named = (Issue(f"{where}:{issue.path}", issue.code, issue.message) for issue in exc.issues)
        raise ValidationError(named) from None


# ------------------------------------------------------------------------------------ replay
@attrs.frozen(kw_only=True)
class Replay:
    """What :func:`replay` found: ``identical``, or the first ``difference`` in words."""

    identical: bool = attrs.field(validator=v.flag())
    items: int = attrs.field(converter=_integer, validator=v.count())
    checked: tuple[str, ...] = attrs.field(converter=_tuple, validator=v.each(v.text()))
    difference: str | None = attrs.field(default=None, validator=v.optional(v.text(multiline=True)))


def _names(model: Any) -> list[str]:  # noqa: ANN401 - any attrs model
    """The field names of an attrs model, in order."""
    return [f.name for f in attrs.fields(type(model))]


def _call(function: Any, result: object, **aliases: str) -> object:  # noqa: ANN401 - a library function
    """``function`` called with each parameter taken from the field of ``result`` of the same name."""
    names = inspect.signature(function).parameters
    fields = set(_names(result))
    kwargs = {}
    for name in names:
        field = aliases.get(name, name)
        if field in fields:
            kwargs[name] = getattr(result, field)
    if getattr(result, "expected_kind", None) == "count" and "expected" in names:
        kwargs.pop("expected_rate", None)  # the plan was asked for a count of errors: ask again so
        kwargs["expected"] = _expected_count(result)
    return function(**kwargs)


def _expected_count(plan: object) -> float:
    """The count of expected errors a plan by a count was asked for, as it was given.

    An attribute plan accepts exactly that many deviations (the count is whole, and k = ceil(count));
    a monetary plan records it as its expected misstatements. The convention quotes the count as given
    (``2`` or ``2.0``), so a whole count is passed back as an int when the convention quotes an int.
    """
    if isinstance(plan, AttributePlan):
        count: float = plan.acceptable_deviations
    else:
        count = getattr(plan, "expected_misstatements", 0.0)
    convention = getattr(plan, "convention", "")
    if float(count).is_integer() and f"as a count: {c.show(int(count))} errors" in convention:
        return int(count)
    return float(count)


def _recompute(s: Step) -> object:
    r = s.result
    if isinstance(r, Appraisal):
        estimators = {
            "mean-per-unit": mean_per_unit,
            "difference": difference_estimate,
            "ratio": ratio_estimate,
        }
        if r.estimator not in estimators or (r.estimator != "mean-per-unit" and r.book_total is None):
            c.fail("$.appraisal.estimator", "value", f"a {r.estimator!r} appraisal cannot be replayed")
        return _call(estimators[r.estimator], r, audited="values")
    if not isinstance(r, Selection | MonetarySelection):
        functions: dict[type[Any], Any] = {
            AttributePlan: attribute_sample_size,
            MonetaryPlan: monetary_sample_size,
            VariablesPlan: variables_sample_size,
            AttributeEvaluation: attribute_upper_limit,
            MonetaryEvaluation: monetary_upper_limit,
        }
        return _call(functions[type(r)], r)
    pop = s.population
    assert pop is not None  # noqa: S101 - a selection step has its population
    if isinstance(r, MonetarySelection):
        given_start = any(setting.name == "--start" for setting in s.inputs)
        return mus_select(
            list(pop.book_values),
            r.sample_size,
            r.seed,
            ids=list(pop.ids) if pop.ids else None,
            method=r.method,
            interval=r.interval if r.sample_size is None else None,
            certainty=r.certainty,
            start=r.start if given_start else None,
        )
    population: Sequence[str | int] | int = list(pop.ids) if pop.ids else pop.size
    strata = list(pop.strata) if pop.strata else None
    return select(population, len(r.items), r.seed, strata=strata, method=r.method)


def _first_difference(recorded: object, again: object) -> str | None:
    """The first field (in field order) whose value differs, described; None when all agree."""
    for name in _names(recorded):
        old, new = getattr(recorded, name), getattr(again, name)
        if converter.unstructure(old) != converter.unstructure(new):
            was, now = c.show(converter.unstructure(old)), c.show(converter.unstructure(new))
            return f"{name}: the workpaper has {was}, the recomputation gives {now}"
    return None


def _selection_difference(recorded: Any, again: Any) -> str | None:  # noqa: ANN401 - either selection
    old_version, new_version = (
        recorded.algorithm.split(" ")[0].rstrip(":"),
        again.algorithm.split(" ")[0].rstrip(":"),
    )
    if old_version != new_version:
        return (
            f"the items were drawn with algorithm {old_version}, this comanaged-rcm draws with {new_version}:"
            " replay with the version that wrote the workpaper"
        )
    for i, (old, new) in enumerate(zip(recorded.items, again.items, strict=False), start=1):
        if old != new:
            was, now = c.show(old), c.show(new)
            return f"item {i} (in the order drawn): the workpaper has {was}, the re-draw gives {now}"
    if isinstance(recorded, MonetarySelection):
        for name in ("certainty_items", "excluded_items"):
            for i, (old, new) in enumerate(
                zip(getattr(recorded, name), getattr(again, name), strict=False), start=1
            ):
                if old != new:
                    was, now = c.show(old), c.show(new)
                    return f"{name} {i}: the workpaper has {was}, the re-draw gives {now}"
        return _first_difference(recorded, again)
    for i, (old, new) in enumerate(zip(recorded.sorted_items, again.sorted_items, strict=True), start=1):
        if old != new:
            return f"sorted item {i}: the workpaper has {c.show(old)}, the re-draw gives {c.show(new)}"
    return _first_difference(recorded, again)


def replay(paper: Workpaper) -> Replay:
    """Recompute every step of ``paper`` from what it records and compare with what it records.

    A selection is re-drawn from the recorded population, seed, method and strata, and compared
    item by item in the order drawn; a plan or evaluation is recomputed from its recorded inputs
    and compared field by field; each conclusion is re-worded and compared; last, the digest.

    Returns:
        ``identical`` with the number of items re-drawn, or the first difference (step, and item or field).

    Raises:
        ValidationError: ``paper`` is not a :class:`Workpaper`.

    >>> paper = add_step(None, step(select(population=50, n=4, seed=9)))
    >>> tampered = attrs.evolve(paper, steps=(attrs.evolve(paper.steps[0], selection=attrs.evolve(
    ...     paper.steps[0].selection, items=(1, 2, 3, 4))),))
    >>> replay(tampered).difference
    'step 1 (sample-select): item 1 (in the order drawn): the workpaper has 1, the re-draw gives 50'
    """
    c.instance(paper, Workpaper, "$.paper")
    items = 0
    checked: list[str] = []
    for number, s in enumerate(paper.steps, start=1):
        label = f"step {number} ({s.command})"
        try:
            again = _recompute(s)
        except ValidationError as exc:
            return Replay(
                identical=False,
                items=items,
                checked=checked,
                difference=f"{label}: the recorded inputs are refused: {exc}",
            )
        if isinstance(s.result, Selection | MonetarySelection):
            difference = _selection_difference(s.result, again)
        else:
            difference = _first_difference(s.result, again)
        if difference is None:
            test = s.appraisal_test
            redo = (
                None
                if test is None or not isinstance(again, Appraisal)
                else _appraisal_test(again, test.book_total, test.tolerable_misstatement)
            )
            if redo != test:
                difference = (
                    _first_difference(test, redo)
                    if test is not None and redo is not None
                    else "appraisal test"
                )
            elif _conclude(again, redo) != s.conclusion:
                difference = "the conclusion differs from the one its result gives"
        if difference is not None:
            return Replay(identical=False, items=items, checked=checked, difference=f"{label}: {difference}")
        if isinstance(again, Selection):
            items += len(again.items)
        elif isinstance(again, MonetarySelection):
            items += len(again.sampled_items)
        checked.append(f"{label}: {_KIND_NAMES[s.kind]} identical")
    if _overall(paper.steps) != paper.conclusion:
        return Replay(
            identical=False,
            items=items,
            checked=checked,
            difference="the overall conclusion differs from its steps'",
        )
    if _digest(paper) != paper.digest:
        return Replay(
            identical=False,
            items=items,
            checked=checked,
            difference="the workpaper's content does not match its digest (edited after it was written)",
        )
    return Replay(identical=True, items=items, checked=checked)


# ---------------------------------------------------------------------------------- rendering
# A block is ("h1" | "h2" | "h3" | "p", text) or ("table", header, rows).
Block = tuple[Any, ...]


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return ", ".join(_cell(x) for x in value)
    if hasattr(value, "value") and not isinstance(value, str | int | float):
        return str(value.value)  # an enum
    if attrs.has(type(value)):
        return "; ".join(f"{name}={_cell(getattr(value, name))}" for name in _names(value))
    return str(value)


def _fields(model: object, *, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(name, _cell(getattr(model, name))) for name in _names(model) if name not in skip]


def _step_blocks(number: int, s: Step) -> list[Block]:
    blocks: list[Block] = [
        ("h2", f"Step {number}: {_TITLES[s.command]} ({s.command}, {_KIND_NAMES[s.kind]})"),
        ("p", s.conclusion),
        ("h3", "Inputs as given"),
    ]
    if s.inputs:
        blocks.append(("table", ("input", "value"), [(i.name, i.value) for i in s.inputs]))
    else:
        blocks.append(("p", "No inputs were recorded beyond the result's own."))
    result = s.result
    if isinstance(result, MonetarySelection):
        pop = s.population
        assert pop is not None  # noqa: S101 - a selection step has its population
        listed: tuple[str, ...] = ("items", "book_values", "hits", "units", "certainty_items")
        listed += ("certainty_values", "excluded_items", "excluded_values")
        rows: list[tuple[str, ...]] = [
            (str(i), str(item), str(book), "certain", "-")
            for i, (item, book) in enumerate(
                zip(result.certainty_items, result.certainty_values, strict=True), start=1
            )
        ]
        start = len(rows) + 1
        rows += [
            (str(i), str(item), str(book), "sampled", str(hits))
            for i, (item, book, hits) in enumerate(
                zip(result.items, result.book_values, result.hits, strict=True), start=start
            )
        ]
        blocks += [
            ("h3", "Population"),
            ("table", ("field", "value"), _fields(pop, skip=("ids", "book_values", "strata"))),
            ("h3", "Monetary unit selection"),
            ("table", ("field", "value"), [*_fields(result, skip=listed), ("units", _cell(result.units))]),
            ("h3", "Items to audit (certainty items first, then the sampled ones, in population order)"),
            ("table", ("#", "item", "book value", "taken", "hits"), rows),
            ("h3", "Excluded items (book value zero or negative)"),
            (
                "table",
                ("item", "book value"),
                [
                    (str(i), str(b))
                    for i, b in zip(result.excluded_items, result.excluded_values, strict=True)
                ],
            ),
        ]
        return blocks
    if isinstance(result, Selection):
        pop = s.population
        assert pop is not None  # noqa: S101 - a selection step has its population
        blocks += [
            ("h3", "Population"),
            ("table", ("field", "value"), _fields(pop, skip=("ids", "book_values", "strata"))),
            ("h3", "Selection"),
            (
                "table",
                ("field", "value"),
                [
                    ("items selected", f"{len(result.items):,}"),
                    ("population_size", f"{result.population_size}"),
                    ("seed", str(result.seed)),
                    ("method", result.method),
                    ("algorithm version", result.algorithm.split(":")[0]),
                    ("algorithm", result.algorithm),
                    ("allocation", ", ".join(f"{k}: {n}" for k, n in result.allocation) or "-"),
                ],
            ),
            ("h3", "Selected items, in the order drawn"),
        ]
        position = {item: i for i, item in enumerate(pop.ids)} if pop.ids else None
        header: tuple[str, ...] = ("#", "item")
        if pop.book_values:
            header += ("book value",)
        if pop.strata:
            header += ("stratum",)
        drawn: list[tuple[str, ...]] = []
        for i, item in enumerate(result.items, start=1):
            row = [str(i), str(item)]
            at = position[item] if position is not None and item in position else None
            if pop.book_values:
                row.append("-" if at is None else str(pop.book_values[at]))
            if pop.strata:
                row.append("-" if at is None else pop.strata[at])
            drawn.append(tuple(row))
        blocks.append(("table", header, drawn))
        return blocks
    if isinstance(result, Appraisal):
        blocks += [
            ("h3", "Result"),
            ("table", ("field", "value"), _fields(result, skip=("limits", "strata", "values", "book"))),
            ("h3", "Limits at the standard levels"),
            (
                "table",
                ("confidence", "sides", "t", "lower", "upper", "precision"),
                [
                    (
                        _pct(x.confidence),
                        x.sides,
                        repr(x.t_value),
                        repr(x.lower),
                        repr(x.upper),
                        repr(x.precision),
                    )
                    for x in result.limits
                ],
            ),
            ("h3", "Sampled amounts"),
            (
                "table",
                ("#", "audited", *(("book",) if result.book else ())),
                [
                    (str(i), repr(y), *((repr(result.book[i - 1]),) if result.book else ()))
                    for i, y in enumerate(result.values, start=1)
                ],
            ),
        ]
        if s.appraisal_test is not None:
            blocks += [
                ("h3", "Test of the book total"),
                ("table", ("field", "value"), _fields(s.appraisal_test)),
            ]
        return blocks
    blocks += [("h3", "Result"), ("table", ("field", "value"), _fields(result))]
    return blocks


def _blocks(paper: Workpaper) -> list[Block]:
    blocks: list[Block] = [
        ("h1", "Sampling workpaper"),
        (
            "p",
            (
                f"Written by {paper.tool}; schema {paper.schema}, version {paper.version}; digest sha256"
                f" {paper.digest}. Every step is recomputed from workpaper.json alone by"
                " comanaged-rcm sample-select --replay workpaper.json."
            ),
        ),
        ("h2", "Conclusion"),
        ("p", paper.conclusion),
    ]
    for number, s in enumerate(paper.steps, start=1):
        blocks += _step_blocks(number, s)
    return blocks


_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*[]|<>#"} | {"\n": " ", "\r": " ", "&": "&amp;"})


def _md(text: str) -> str:
    return text.translate(_MD_SPECIAL)


def _markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        tag = block[0]
        if tag in ("h1", "h2", "h3"):
            out.append(f"{'#' * int(tag[1])} {_md(block[1])}")
        elif tag == "p":
            out.append(_md(block[1]))
        else:
            header, rows = block[1], block[2]
            lines = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + " --- |" * len(header)]
            lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _html_body(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        tag = block[0]
        if tag in ("h1", "h2", "h3", "p"):
            out.append(f"<{tag}>{html.escape(block[1])}</{tag}>")
        else:
            header, rows = block[1], block[2]
            head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in row) + "</tr>" for row in rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "\n".join(out)


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #bbb;padding:.2rem .5rem;"
    "text-align:left;vertical-align:top}th{background:#eee}td{overflow-wrap:anywhere}"
)


def _page(blocks: list[Block]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Sampling workpaper</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"{_html_body(blocks)}\n</body>\n</html>\n"
    )
