"""Governance primitives for co-managed revenue cycle management.

Four modules that stand alone and fit together:

* :mod:`comanaged_rcm.raci`: who owns what, who decides, who may touch which system.
* :mod:`comanaged_rcm.kpi`: outcome, driver and activity metrics under named conventions.
* :mod:`comanaged_rcm.sampling`: QA audit sample sizes, selection and evaluation.
* :mod:`comanaged_rcm.escalation`: safe, explainable escalation rules with alerting semantics.

Importing the package is light: scipy is imported only where a distribution is needed.

>>> import comanaged_rcm
>>> isinstance(comanaged_rcm.__version__, str)
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("comanaged-rcm")
except PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
