"""``comanaged-rcm sample-size``, ``sample-eval`` and ``sample-select``, with audit workpapers.

``--kind`` picks the sampling: ``attribute`` (the default: deviation rates of a control),
``mus`` (monetary-unit sampling: misstatement as a fraction of the book value) or ``variables``
(classical variables sampling: the dollar total, by mean-per-unit, difference or ratio). A flag
that the kind does not use is refused by name, never ignored.

``--workpaper DIR`` writes ``workpaper.json``, ``workpaper.md`` and ``workpaper.html`` into
``DIR``, all or nothing; a workpaper already in ``DIR`` keeps its other steps, so ``sample-size``,
``sample-select`` and ``sample-eval`` with the same ``DIR`` build one workpaper of the whole test.
``sample-select --replay DIR/workpaper.json`` recomputes every step from the JSON alone: exit 0
and ``replayed: N items identical``, or exit 1 naming the first difference.

Numbers are read here rather than by argparse, so a bad one is one line naming the flag (exit 2).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from comanaged_rcm import _io
from comanaged_rcm._check import count, fail, show, suggest
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.sampling._engine import attribute_sample_size, attribute_upper_limit
from comanaged_rcm.sampling._monetary import monetary_sample_size, monetary_upper_limit
from comanaged_rcm.sampling._mus import mus_select
from comanaged_rcm.sampling._select import select
from comanaged_rcm.sampling._variables import (
    difference_estimate,
    mean_per_unit,
    ratio_estimate,
    variables_sample_size,
)
from comanaged_rcm.sampling._workpaper import (
    FILES,
    Population,
    Step,
    Workpaper,
    add_step,
    load_workpaper,
    replay,
    step,
)
from comanaged_rcm.tables import Column, ColumnKind, read_csv

__all__ = ["register"]

KINDS = ("attribute", "mus", "variables")
ATTRIBUTE_METHODS = ("binomial", "hypergeometric", "poisson")
MUS_METHODS = ("poisson", "stringer")
SELECT_METHODS = ("random", "systematic")
MUS_SELECT = {"fixed-interval": "interval", "cell": "cell", "random-value": "random", "sieve": "sieve"}
"""The monetary unit selection methods of ``sample-select --method``, and their names in mus_select."""
ESTIMATORS = {
    "mpu": "mean-per-unit",
    "mean-per-unit": "mean-per-unit",
    "difference": "difference",
    "ratio": "ratio",
}
SIDES = ("lower", "upper", "two-sided")

# Which flags (by argparse dest) each kind of each command takes; the rest are refused by name.
_SIZE_FLAGS = {
    "attribute": {"confidence", "tolerable", "expected", "population", "method", "max", "min_precision"},
    "mus": {"confidence", "tolerable", "expected", "book_value", "method", "max", "min_precision"},
    "variables": {"confidence", "population", "std_dev", "precision", "mean", "sides", "distribution"},
}
_EVAL_FLAGS = {
    "attribute": {"n", "deviations", "confidence", "tolerable", "population", "method"},
    "mus": {"n", "taints", "confidence", "tolerable", "method", "book_value"},
    "variables": {
        "estimator", "sample", "population", "confidence", "sides", "book_total", "tolerable_misstatement",
        "audit_column", "book_column", "encoding",
    },
}  # fmt: skip

# Library parameter paths and the flags that gave them, so a refused value names the flag.
_FLAG_OF = {
    "$.confidence": "--confidence",
    "$.tolerable_rate": "--tolerable",
    "$.expected_rate": "--expected",
    "$.population": "--population",
    "$.population_value": "--book-value",
    "$.sample_size": "--n",
    "$.deviations": "--deviations",
    "$.taints": "--taints",
    "$.method": "--method",
    "$.std_dev": "--std-dev",
    "$.precision": "--precision",
    "$.mean": "--mean",
    "$.sides": "--sides",
    "$.distribution": "--distribution",
    "$.book_total": "--book-total",
    "$.tolerable_misstatement": "--tolerable-misstatement",
    "$.n": "--n",
    "$.expected": "--expected",
    "$.min_precision": "--min-precision",
    "$.max": "--max",
    "$.seed": "--seed",
    "$.strata": "--strata",
    "$.interval": "--interval",
    "$.start": "--start",
    "$.values": "--items",
}

_MAX_DIGITS = 40


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sample-size``, ``sample-eval`` and ``sample-select`` subcommands."""
    size = subparsers.add_parser(
        "sample-size",
        help="plan a sample size (attribute, monetary-unit or variables)",
        description="Plan a sample size. --kind attribute (default): --confidence, --tolerable or "
        "--min-precision (or both), [--expected, --method, --population (with --method hypergeometric), "
        "--max]; --kind mus: --confidence, --tolerable or --min-precision, [--expected, --book-value, "
        "--max]; --kind variables: --confidence, --population, --std-dev, --precision, [--mean, "
        "--sides, --distribution].",
    )
    _kind(size)
    size.add_argument("--confidence", required=True, help="confidence level, e.g. 0.95")
    size.add_argument("--tolerable", help="tolerable deviation or misstatement rate, e.g. 0.05")
    size.add_argument(
        "--expected", help="expected errors: a rate below 1, or a count of 1 or more (default 0)"
    )
    size.add_argument(
        "--population", help="population size (items); attribute: only with --method hypergeometric"
    )
    size.add_argument(
        "--method", help="the likelihood: poisson (mus default), binomial (attribute default), hypergeometric"
    )
    size.add_argument("--max", help="attribute, mus: the largest sample considered (default 5,000, as jfa)")
    size.add_argument("--min-precision", help="attribute, mus: plan for a precision below this rate")
    size.add_argument("--book-value", help="mus: book value of the population (gives the interval)")
    size.add_argument("--std-dev", help="variables: expected standard deviation per item")
    size.add_argument("--precision", help="variables: half-width of the interval for the total")
    size.add_argument("--mean", help="variables: expected mean per item (makes --precision relative)")
    size.add_argument("--sides", help="variables: two-sided (default), lower or upper")
    size.add_argument("--distribution", help="variables: normal (default) or t")
    _workpaper_option(size)
    size.set_defaults(handler=_size)

    ev = subparsers.add_parser(
        "sample-eval",
        help="evaluate a sample (attribute, monetary-unit or variables)",
        description="Evaluate a sample. --kind attribute (default): --n, --deviations, --confidence, "
        "[--tolerable, --method, --population (with --method hypergeometric)]; --kind mus: --n, "
        "--confidence, [--taints, --method "
        "poisson|stringer, --book-value, --tolerable]; --kind variables: --estimator, --sample, "
        "--population, --confidence, [--book-total, --tolerable-misstatement, --sides].",
    )
    _kind(ev)
    ev.add_argument("--n", help="sample size (items, or monetary units for mus)")
    ev.add_argument("--deviations", help="attribute: deviations found")
    ev.add_argument("--confidence", required=True, help="confidence level, e.g. 0.95")
    ev.add_argument("--tolerable", help="tolerable rate: gives the accept/reject conclusion")
    ev.add_argument(
        "--population", help="population size (items); attribute: only with --method hypergeometric"
    )
    ev.add_argument(
        "--method", help="attribute: binomial (default), hypergeometric, poisson; mus: poisson, stringer"
    )
    ev.add_argument("--taints", help="mus: taint of each misstatement found, comma-separated (0.5,1,0.25)")
    ev.add_argument("--book-value", help="mus: book value of the population (gives amounts)")
    ev.add_argument("--estimator", help="variables: mpu (mean-per-unit), difference or ratio")
    ev.add_argument(
        "--sample", metavar="CSV", help="variables: the sampled items (audit and book value columns)"
    )
    ev.add_argument("--audit-column", help="variables: the audited amount column (default audit_value)")
    ev.add_argument("--book-column", help="variables: the book amount column (default book_value)")
    ev.add_argument("--book-total", help="variables: recorded total of the population")
    ev.add_argument("--tolerable-misstatement", help="variables: amount the book total may be misstated by")
    ev.add_argument("--sides", help="variables: lower (default), upper or two-sided")
    _io.add_encoding_option(ev)
    _workpaper_option(ev)
    ev.set_defaults(handler=_eval)

    sel = subparsers.add_parser(
        "sample-select",
        help="draw the sample items reproducibly, or replay a workpaper",
        description="Draw --n items from --population N (items 1..N) or from --items CSV (an id column, "
        "optional book value and stratum columns), with --seed and --method. --replay JSON recomputes a "
        "workpaper and verifies it.",
    )
    sel.add_argument("--population", help="population size N: items 1..N")
    sel.add_argument("--items", metavar="CSV", help="the population: one row per item")
    sel.add_argument("--replay", metavar="JSON", help="re-draw and verify a workpaper.json")
    sel.add_argument("--n", help="number of items to draw")
    sel.add_argument("--seed", help="seed, a whole number in [0, 2**128): record it")
    sel.add_argument(
        "--method",
        help="random (default) or systematic; by monetary unit (--items with book values): fixed-interval,"
        " cell, random-value or sieve",
    )
    sel.add_argument("--interval", help="fixed-interval, cell: a sampling interval instead of --n")
    sel.add_argument("--start", help="fixed-interval: the start in [0, interval) instead of a random one")
    sel.add_argument("--strata", metavar="COLUMN", help="stratum column of --items (proportional allocation)")
    sel.add_argument("--id-column", help="item id column of --items (default id)")
    sel.add_argument("--book-column", help="book value column of --items (default book_value, when present)")
    _io.add_encoding_option(sel)
    _workpaper_option(sel)
    sel.set_defaults(handler=_select)


def _kind(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", default="attribute", help="attribute (default), mus or variables")


def _workpaper_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workpaper", metavar="DIR", help="write workpaper.json, .md and .html into DIR (all or nothing)"
    )


# -------------------------------------------------------------------------------------- inputs
def _choice(value: str, options: tuple[str, ...], flag: str) -> str:
    if value not in options:
        listed = ", ".join(options)
        fail(flag, "choice", f"{flag} must be one of {listed} (got {show(value)}){suggest(value, options)}")
    return value


def _real(value: str | None, flag: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value) if len(value) <= 100 else float("nan")
    except ValueError:
        fail(flag, "type", f"{flag} must be a number (got {show(value)})")


def _whole(value: str | None, flag: str) -> int | None:
    if value is None:
        return None
    text = value.strip().replace("_", "")
    if not (text.lstrip("+-").isdigit() and len(text) <= _MAX_DIGITS):
        fail(flag, "type", f"{flag} must be a whole number (got {show(value)})")
    return int(text)


def _needed(value: Any, flag: str, what: str) -> Any:  # noqa: ANN401 - whatever was parsed
    if value is None:
        fail(flag, "required", f"{flag} is required for {what}")
    return value


def _finite(method: str, population: int | None) -> None:
    """--population goes with, and only with, --method hypergeometric (the others assume N infinite)."""
    if method == "hypergeometric":
        _needed(population, "--population", "--method hypergeometric")
    elif population is not None:
        fail(
            "--population",
            "value",
            f"--population {population} is used only by --method hypergeometric (--method {method} assumes"
            " an infinite population); pass --method hypergeometric or drop --population",
        )


def _refuse_others(args: argparse.Namespace, kind: str, table: dict[str, set[str]]) -> None:
    """A flag the kind does not use is an error naming it, never silently ignored."""
    for dest in sorted(set().union(*table.values()) - table[kind]):
        if getattr(args, dest, None) is not None:
            flag = "--" + dest.replace("_", "-")
            users = " or ".join(k for k, flags in table.items() if dest in flags)
            fail(flag, "value", f"{flag} does not apply to --kind {kind} (it is for --kind {users})")


def _given(args: argparse.Namespace, names: list[str]) -> list[tuple[str, str]]:
    """The inputs as given on the command line, as (flag, text) pairs, for the workpaper."""
    pairs = []
    for dest in names:
        value = getattr(args, dest, None)
        if value is not None:
            flag = "--" + dest.replace("_", "-")
            pairs.append((flag, value if isinstance(value, str) else str(value)))
    return pairs


def _flagged(call: Callable[[], Any]) -> Any:  # noqa: ANN401 - the library result
    """Run a library call; issues at its parameters are re-rooted at the flags that gave them."""
    try:
        return call()
    except ValidationError as exc:
        issues = []
        for issue in exc.issues:
            path = issue.path
            for param, flag in _FLAG_OF.items():
                if path == param or path.startswith((param + "[", param + ".")):
                    path = flag + path[len(param) :]
                    break
            issues.append(Issue(path, issue.code, issue.message))
        raise type(exc)(issues) from None


# ------------------------------------------------------------------------------------- workpaper
def _write(directory: str | None, new: Step) -> None:
    if directory is None:
        return
    folder = Path(_io.check_path(directory, "--workpaper"))
    target = folder / FILES[0]
    earlier: Workpaper | None = None
    if target.is_file():
        data = _io.read_json(str(target), where="--workpaper")
        earlier = load_workpaper(data, source=str(target))
    paper = add_step(earlier, new)
    with _io.staged(str(folder), where="--workpaper") as stage:
        for name, content in paper.files().items():
            stage.write_text(name, content)
    steps = len(paper.steps)
    print(f"workpaper: {folder / FILES[0]} (and {FILES[1]}, {FILES[2]}): {steps} step{'s' * (steps > 1)}")


# ----------------------------------------------------------------------------------- sample-size
_SIZE_DESTS = [
    "kind", "confidence", "tolerable", "expected", "population", "method", "max", "min_precision",
    "book_value", "std_dev", "precision", "mean", "sides", "distribution",
]  # fmt: skip


def _planning(args: argparse.Namespace) -> dict[str, Any]:
    """The optional planning inputs given (expected as a rate or a count, min precision, max), by name."""
    options: dict[str, Any] = {}
    expected = _real(args.expected, "--expected")
    if expected is not None:
        options["expected" if expected >= 1 else "expected_rate"] = expected
    if args.min_precision is not None:
        options["min_precision"] = _real(args.min_precision, "--min-precision")
    if args.max is not None:
        options["max"] = _whole(args.max, "--max")
    return options


def _size(args: argparse.Namespace) -> int:
    kind = _choice(args.kind, KINDS, "--kind")
    _refuse_others(args, kind, _SIZE_FLAGS)
    confidence: float = _needed(_real(args.confidence, "--confidence"), "--confidence", "a plan")
    given = _given(args, _SIZE_DESTS)
    plan: Any
    if kind == "attribute":
        method = _choice(args.method or "binomial", ATTRIBUTE_METHODS, "--method")
        tolerable = _real(args.tolerable, "--tolerable")
        if tolerable is None and args.min_precision is None:
            fail(
                "--tolerable",
                "required",
                "--tolerable or --min-precision is required for an attribute plan",
            )
        population = _whole(args.population, "--population")
        _finite(method, population)
        options = _planning(args)
        plan = _flagged(
            lambda: attribute_sample_size(
                confidence, tolerable, population=population, method=method, **options
            )
        )
        print(f"sample size: {plan.sample_size}")
        print(f"acceptable deviations: {plan.acceptable_deviations}")
        if plan.achieved_risk is not None:
            print(f"achieved risk: {plan.achieved_risk:.4f}")
        print(
            f"inputs: confidence={plan.confidence} tolerable={plan.tolerable_rate}"
            f" expected={plan.expected_rate} expected_kind={plan.expected_kind}"
            f" min_precision={plan.min_precision} max={plan.max}"
            f" population={plan.population} method={plan.method.value}"
        )
    elif kind == "mus":
        tolerable = _real(args.tolerable, "--tolerable")
        if tolerable is None and args.min_precision is None:
            fail(
                "--tolerable",
                "required",
                "--tolerable or --min-precision is required for a monetary-unit plan",
            )
        value = _real(args.book_value, "--book-value")
        method = _choice(args.method or "poisson", ATTRIBUTE_METHODS, "--method")
        options = _planning(args)
        plan = _flagged(
            lambda: monetary_sample_size(
                confidence, tolerable, population_value=value, method=method, **options
            )
        )
        print(f"sample size: {plan.sample_size} monetary units")
        print(f"expected misstatements in the sample: {plan.expected_misstatements:.4f} taints")
        if plan.sampling_interval is not None:
            print(f"sampling interval: {plan.sampling_interval:,.2f}")
        print(
            f"inputs: confidence={plan.confidence} tolerable={plan.tolerable_rate}"
            f" expected={plan.expected_rate} book_value={plan.population_value} method={plan.method}"
        )
    else:
        population = _needed(_whole(args.population, "--population"), "--population", "a variables plan")
        std_dev = _needed(_real(args.std_dev, "--std-dev"), "--std-dev", "a variables plan")
        precision = _needed(_real(args.precision, "--precision"), "--precision", "a variables plan")
        mean = _real(args.mean, "--mean")
        sides = _choice(args.sides or "two-sided", SIDES, "--sides")
        distribution = _choice(args.distribution or "normal", ("normal", "t"), "--distribution")
        plan = _flagged(
            lambda: variables_sample_size(
                population, std_dev, precision, confidence, mean=mean, sides=sides, distribution=distribution
            )
        )
        print(f"sample size: {plan.sample_size}")
        print(f"precision of the total: +/-{plan.absolute_precision:,.2f}")
        print(
            f"inputs: confidence={plan.confidence} population={plan.population} std_dev={plan.std_dev} "
            f"precision={plan.precision} mean={plan.mean} sides={plan.sides} distribution={plan.distribution}"
        )
    print(f"convention: {plan.convention}")
    _write(args.workpaper, step(plan, inputs=given))
    return 0


# ----------------------------------------------------------------------------------- sample-eval
_EVAL_DESTS = [
    "kind", "n", "deviations", "confidence", "tolerable", "population", "method", "taints", "book_value",
    "estimator", "sample", "audit_column", "book_column", "book_total", "tolerable_misstatement", "sides",
    "encoding",
]  # fmt: skip


def _taints(value: str | None) -> list[float]:
    if value is None or not value.strip():
        return []
    parts = value.split(",")
    if len(parts) > 1_000_000:
        fail("--taints", "range", "--taints holds at most 1,000,000 taints")
    taints = []
    for i, part in enumerate(parts):
        number = _real(part.strip(), f"--taints[{i}]")
        assert number is not None  # noqa: S101 - a string was given
        taints.append(number)
    return taints


def _eval(args: argparse.Namespace) -> int:
    kind = _choice(args.kind, KINDS, "--kind")
    _refuse_others(args, kind, _EVAL_FLAGS)
    confidence: float = _needed(_real(args.confidence, "--confidence"), "--confidence", "an evaluation")
    given = _given(args, _EVAL_DESTS)
    ev: Any
    tolerable = _real(args.tolerable, "--tolerable")
    book_total: float | None = None
    tolerable_misstatement: float | None = None
    if kind == "attribute":
        n = _needed(_whole(args.n, "--n"), "--n", "an attribute evaluation")
        deviations = _needed(
            _whole(args.deviations, "--deviations"), "--deviations", "an attribute evaluation"
        )
        population = _whole(args.population, "--population")
        method = _choice(args.method or "binomial", ATTRIBUTE_METHODS, "--method")
        _finite(method, population)
        ev = _flagged(
            lambda: attribute_upper_limit(
                n, deviations, confidence, population, method, tolerable_rate=tolerable
            )
        )
        print(f"point estimate: {ev.point_estimate:.4f}")
        print(f"upper limit: {ev.upper_limit:.4f}")
        if ev.acceptable is not None:
            print(f"conclusion: {'accept' if ev.acceptable else 'reject'} at tolerable {ev.tolerable_rate}")
        print(
            f"inputs: n={ev.sample_size} deviations={ev.deviations} confidence={ev.confidence} "
            f"population={ev.population} method={ev.method.value}"
        )
    elif kind == "mus":
        n = _needed(_whole(args.n, "--n"), "--n", "a monetary-unit evaluation")
        taints = _taints(args.taints)
        method = _choice(args.method or "poisson", MUS_METHODS, "--method")
        value = _real(args.book_value, "--book-value")
        ev = _flagged(
            lambda: monetary_upper_limit(
                n, taints, confidence, method=method, population_value=value, tolerable_rate=tolerable
            )
        )
        print(f"most likely error: {ev.most_likely_error:.4f}")
        print(f"upper limit: {ev.upper_limit:.4f}")
        if ev.upper_misstatement is not None and ev.projected_misstatement is not None:
            print(f"projected misstatement: {ev.projected_misstatement:,.2f}")
            print(f"upper misstatement: {ev.upper_misstatement:,.2f}")
        if ev.acceptable is not None:
            print(f"conclusion: {'accept' if ev.acceptable else 'reject'} at tolerable {ev.tolerable_rate}")
        print(
            f"inputs: n={ev.sample_size} misstatements={len(ev.taints)} confidence={ev.confidence} "
            f"book_value={ev.population_value} method={ev.method}"
        )
    else:
        ev, book_total, tolerable_misstatement = _appraise(args, confidence)
    print(f"convention: {ev.convention}")
    new = _flagged(
        lambda: step(ev, inputs=given, book_total=book_total, tolerable_misstatement=tolerable_misstatement)
    )
    if kind == "variables":
        print(f"conclusion: {new.conclusion}")
    _write(args.workpaper, new)
    return 0


def _appraise(args: argparse.Namespace, confidence: float) -> tuple[Any, float | None, float | None]:
    what = "a variables evaluation"
    estimator = ESTIMATORS[
        _choice(_needed(args.estimator, "--estimator", what), tuple(ESTIMATORS), "--estimator")
    ]
    path = _needed(args.sample, "--sample", what)
    population = _needed(_whole(args.population, "--population"), "--population", what)
    sides = _choice(args.sides or "lower", SIDES, "--sides")
    book_total = _real(args.book_total, "--book-total")
    tolerable_misstatement = _real(args.tolerable_misstatement, "--tolerable-misstatement")
    audit, book = args.audit_column or "audit_value", args.book_column or "book_value"
    paired = estimator != "mean-per-unit"
    if args.book_column is not None and not paired:
        fail("--book-column", "value", "--book-column applies to the difference and ratio estimators")
    columns = [Column(audit, ColumnKind.NUMBER)]
    if paired:
        columns.append(Column(book, ColumnKind.NUMBER))
    table = _table(path, "--sample", columns, args.encoding)
    audited = table[audit].tolist()
    if paired:
        if book_total is None:
            fail("--book-total", "required", f"--book-total is required for the {estimator} estimator")
        books = table[book].tolist()
        estimate = difference_estimate if estimator == "difference" else ratio_estimate
        ev = _flagged(lambda: estimate(audited, books, population, book_total, confidence, sides=sides))
    else:
        ev = _flagged(lambda: mean_per_unit(audited, population, confidence, sides))
    print(f"estimator: {ev.estimator}")
    print(f"point estimate: {ev.point_estimate:,.2f}")
    print(f"standard error: {ev.standard_error:,.2f}")
    low = "-" if ev.lower is None else f"{ev.lower:,.2f}"
    high = "-" if ev.upper is None else f"{ev.upper:,.2f}"
    print(f"limits ({ev.sides}, {ev.confidence}): {low} to {high}")
    print(f"inputs: n={ev.n} population={ev.population} confidence={ev.confidence} sides={ev.sides}")
    return ev, None if paired else book_total, tolerable_misstatement


_COLUMN_FLAGS = {
    "--items": "--id-column, --book-column and --strata",
    "--sample": "--audit-column and --book-column",
}


def _table(path: str, flag: str, columns: list[Column], encoding: str | None) -> dict[str, Any]:
    name = Path(_io.check_path(path, flag)).name
    content = _io.read_text(path, encoding=encoding, where=flag, label=name)
    try:
        return read_csv(io.StringIO(content, newline=""), columns, name=name)
    except ValidationError as exc:
        if not any(issue.code == "missing_column" for issue in exc.issues):
            raise
        header = content.splitlines()[0] if content.strip() else ""
        hint = f"{name} has the header {show(header)}: name its columns with {_COLUMN_FLAGS[flag]}"
        raise ValidationError([*exc.issues, Issue(flag, "columns", hint)]) from None


def _digest(path: str, encoding: str | None, flag: str) -> str:
    content = _io.read_text(path, encoding=encoding, where=flag)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------- sample-select
_SELECT_DESTS = [
    "population", "items", "n", "seed", "method", "interval", "start", "strata", "id_column", "book_column",
    "encoding",
]  # fmt: skip


def _population(args: argparse.Namespace) -> Population:
    if (args.population is None) == (args.items is None):
        fail(
            "--population",
            "required",
            "give the population as --population N or as --items CSV (one of them)",
        )
    if args.population is not None:
        for dest in ("strata", "id_column", "book_column", "encoding"):
            if getattr(args, dest) is not None:
                flag = "--" + dest.replace("_", "-")
                fail(flag, "value", f"{flag} applies to --items, not to --population N")
        size = count(_whole(args.population, "--population"), "--population", minimum=1)
        return Population(size=size, source=f"items 1..{size} (--population {size})")
    path: str = args.items
    id_column = args.id_column or "id"
    columns = [Column(id_column)]
    book_column = args.book_column or "book_value"
    columns.append(Column(book_column, ColumnKind.NUMBER, required=args.book_column is not None))
    if args.strata is not None:
        columns.append(Column(args.strata))
    table = _table(path, "--items", columns, args.encoding)
    ids = [str(x) for x in table[id_column].tolist()]
    name = Path(path).name
    seen: dict[str, int] = {}
    for row, item in enumerate(ids):
        if item in seen:
            fail(
                f"{name}:{id_column}",
                "duplicate",
                f"item id {show(item)} is in data rows {seen[item] + 1} and {row + 1}: ids must be unique",
            )
        seen[item] = row
    books = table[book_column].tolist() if book_column in table else []
    strata = [str(x) for x in table[args.strata].tolist()] if args.strata is not None else []
    if not ids:
        fail("--items", "value", f"{name} holds no items")
    return Population(
        size=len(ids),
        source=name,
        sha256=_digest(path, args.encoding, "--items"),
        ids=tuple(ids),
        book_values=tuple(float(b) for b in books),
        strata=tuple(strata),
        id_column=id_column,
        book_column=book_column if books else None,
        strata_column=args.strata,
    )


def _select(args: argparse.Namespace) -> int:
    if args.replay is not None:
        return _replay(args)
    method = _choice(args.method or "random", SELECT_METHODS + tuple(MUS_SELECT), "--method")
    if method in MUS_SELECT:
        return _mus_select(args, MUS_SELECT[method])
    for dest in ("interval", "start"):
        if getattr(args, dest) is not None:
            flag = "--" + dest.replace("_", "-")
            fail(flag, "value", f"{flag} applies to the monetary unit methods (got --method {method})")
    population = _population(args)
    n = _needed(_whole(args.n, "--n"), "--n", "a selection")
    seed = _needed(
        _whole(args.seed, "--seed"), "--seed", "a reproducible selection (pick a number and record it)"
    )
    given = _given(args, _SELECT_DESTS)
    items: list[str | int] | int = list(population.ids) if population.ids else population.size
    strata = list(population.strata) if population.strata else None
    chosen = _flagged(lambda: select(items, n, seed, strata=strata, method=method))
    print(
        f"selected: {len(chosen.items)} of {chosen.population_size} items"
        f" (method {chosen.method}, seed {chosen.seed})"
    )
    if chosen.allocation:
        print("allocation: " + ", ".join(f"{label}={count}" for label, count in chosen.allocation))
    print("items: " + ", ".join(str(x) for x in chosen.sorted_items))
    print("order drawn: " + ", ".join(str(x) for x in chosen.items))
    print(f"algorithm: {chosen.algorithm}")
    _write(args.workpaper, step(chosen, inputs=given, population=population))
    return 0


def _mus_select(args: argparse.Namespace, method: str) -> int:
    if args.items is None:
        fail("--items", "required", "monetary unit selection needs --items with a book value column")
    if args.strata is not None:
        fail("--strata", "value", "--strata applies to --method random or systematic")
    if args.book_column is None:
        args.book_column = "book_value"
    population = _population(args)
    n = _whole(args.n, "--n")
    interval = _real(args.interval, "--interval")
    start = _real(args.start, "--start")
    seed = _needed(
        _whole(args.seed, "--seed"), "--seed", "a reproducible selection (pick a number and record it)"
    )
    given = _given(args, _SELECT_DESTS)
    books, ids = list(population.book_values), list(population.ids)
    chosen = _flagged(
        lambda: mus_select(books, n, seed, ids=ids, method=method, interval=interval, start=start)
    )
    print(
        f"selected: {len(chosen.sampled_items)} of {chosen.population_size} items by monetary unit"
        f" (method {args.method}, seed {chosen.seed}, interval {chosen.interval:,.2f})"
    )
    print("certainty items: " + (", ".join(str(x) for x in chosen.certainty_items) or "-"))
    print("items: " + (", ".join(str(x) for x in chosen.items) or "-"))
    if chosen.excluded_items:
        print("excluded (book value <= 0): " + ", ".join(str(x) for x in chosen.excluded_items))
    print(f"algorithm: {chosen.algorithm}")
    _write(args.workpaper, step(chosen, inputs=given, population=population))
    return 0


def _replay(args: argparse.Namespace) -> int:
    for dest in (
        "population",
        "n",
        "seed",
        "method",
        "interval",
        "start",
        "strata",
        "id_column",
        "book_column",
        "workpaper",
    ):
        if getattr(args, dest) is not None:
            flag = "--" + dest.replace("_", "-")
            fail(flag, "value", f"{flag} does not go with --replay: the workpaper records every input")
    path: str = args.replay
    data = _io.read_json(path, where="--replay", encoding=args.encoding)
    paper = load_workpaper(data, source=Path(_io.check_path(path, "--replay")).name)
    if args.items is not None:
        difference = _same_population(paper, args)
        if difference is not None:
            print(f"comanaged-rcm sample-select: replay differs: {difference}", file=sys.stderr)
            return 1
    result = replay(paper)
    if not result.identical:
        print(f"comanaged-rcm sample-select: replay differs: {result.difference}", file=sys.stderr)
        return 1
    for line in result.checked:
        print(f"replayed {line}")
    print(f"replayed: {result.items} items identical")
    return 0


def _same_population(paper: Workpaper, args: argparse.Namespace) -> str | None:
    """With ``--items`` beside ``--replay``: the first way the file differs from the recorded population."""
    recorded = next((s.population for s in paper.steps if s.population is not None), None)
    if recorded is None or not recorded.ids:
        return "the workpaper records no items file to compare --items with"
    args.id_column = recorded.id_column
    args.book_column = recorded.book_column
    args.strata = recorded.strata_column
    found = _population(argparse.Namespace(**{**vars(args), "population": None}))
    if len(found.ids) != len(recorded.ids):
        return f"--items holds {len(found.ids):,} items, the workpaper's population {len(recorded.ids):,}"
    for i, (old, new) in enumerate(zip(recorded.ids, found.ids, strict=True), start=1):
        if str(old) != new:
            return f"population item {i}: the workpaper has {show(old)}, --items has {show(new)}"
    if found.book_values != recorded.book_values:
        first = next(
            i for i, (a, b) in enumerate(zip(recorded.book_values, found.book_values, strict=True)) if a != b
        )
        return (
            f"the book value of population item {first + 1} ({show(recorded.ids[first])}) differs in --items"
        )
    if found.strata != recorded.strata:
        first = next(i for i, (a, b) in enumerate(zip(recorded.strata, found.strata, strict=True)) if a != b)
        return (
            f"the stratum of population item {first + 1} ({show(recorded.ids[first])}) differs from --items"
        )
    return None
