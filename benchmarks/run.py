"""Run every benchmark (``benchmarks/bench_*.py``) and print sizes, medians and ratios.

Usage::

    python benchmarks/run.py            # full sizes
    python benchmarks/run.py --quick    # small sizes, a smoke run
    python benchmarks/run.py --only kpi # modules whose name contains "kpi"
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import report, run_case  # noqa: E402  (the harness sits beside this script)


def main(argv: list[str] | None = None) -> int:
    """Discover, run and print the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", default="", help="run only modules whose name contains this")
    args = parser.parse_args(argv)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py") if args.only in p.stem)
    for name in modules:
        module = importlib.import_module(name)
        print(f"== {name}")
        for case in module.cases(quick=args.quick):
            print(report(run_case(case)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
