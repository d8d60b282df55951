"""``comanaged-rcm sample-size`` and ``comanaged-rcm sample-eval``."""

from __future__ import annotations

import argparse

from comanaged_rcm.sampling._engine import attribute_sample_size, attribute_upper_limit

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sample-size`` and ``sample-eval`` subcommands."""
    size = subparsers.add_parser("sample-size", help="plan an attribute sample size")
    size.add_argument("--confidence", type=float, required=True)
    size.add_argument("--tolerable", type=float, required=True)
    size.add_argument("--expected", type=float, default=0.0)
    size.add_argument("--population", type=int)
    size.add_argument("--method", default="binomial", choices=["binomial", "hypergeometric", "poisson"])
    size.set_defaults(handler=_size)
    ev = subparsers.add_parser("sample-eval", help="upper deviation limit of an attribute sample")
    ev.add_argument("--n", type=int, required=True)
    ev.add_argument("--deviations", type=int, required=True)
    ev.add_argument("--confidence", type=float, required=True)
    ev.add_argument("--tolerable", type=float)
    ev.add_argument("--population", type=int)
    ev.add_argument("--method", default="binomial", choices=["binomial", "hypergeometric", "poisson"])
    ev.set_defaults(handler=_eval)


def _size(args: argparse.Namespace) -> int:
    plan = attribute_sample_size(
        confidence=args.confidence,
        tolerable_rate=args.tolerable,
        expected_rate=args.expected,
        population=args.population,
        method=args.method,
    )
    print(f"sample size: {plan.sample_size}")
    print(f"acceptable deviations: {plan.acceptable_deviations}")
    print(f"achieved risk: {plan.achieved_risk:.4f}")
    print(
        f"inputs: confidence={plan.confidence} tolerable={plan.tolerable_rate} expected={plan.expected_rate} "
        f"population={plan.population} method={plan.method.value}"
    )
    print(f"convention: {plan.convention}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    ev = attribute_upper_limit(
        sample_size=args.n,
        deviations=args.deviations,
        confidence=args.confidence,
        population=args.population,
        method=args.method,
        tolerable_rate=args.tolerable,
    )
    print(f"point estimate: {ev.point_estimate:.4f}")
    print(f"upper limit: {ev.upper_limit:.4f}")
    if ev.acceptable is not None:
        print(f"conclusion: {'accept' if ev.acceptable else 'reject'} at tolerable {ev.tolerable_rate}")
    print(
        f"inputs: n={ev.sample_size} deviations={ev.deviations} confidence={ev.confidence} "
        f"population={ev.population} method={ev.method.value}"
    )
    print(f"convention: {ev.convention}")
    return 0
