"""Valid example calls of the rule unit-test names of comanaged_rcm.escalation, for the API-wide fuzz test."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from comanaged_rcm.escalation import default_rule_tests, run_rule_tests
from tests.fuzz.examples_sampling import _fields
from tests.fuzz.probes import Call

_P = "comanaged_rcm.escalation"

_DOCUMENT = {
    "rule_files": [{"default_rules": {}}],
    "evaluation_interval": "1bd",
    "tests": [default_rule_tests()["tests"][0]],  # type: ignore[index]
}
_REPORT = run_rule_tests(_DOCUMENT)
_CHECK = _REPORT.checks[0]

def _written() -> Call:
    """A rule-test file in the working directory (the fuzz test runs each call in a fresh one)."""
    Path("tests.json").write_text(json.dumps(_DOCUMENT), encoding="utf-8")
    return Call(kwargs={"path": "tests.json", "encoding": "utf-8"})


EXAMPLES: dict[str, Callable[[], Call]] = {
    f"{_P}.run_rule_tests": lambda: Call(args=(_DOCUMENT,)),
    f"{_P}.read_rule_tests": _written,
    f"{_P}.default_rule_tests": Call,
    f"{_P}.RuleTestReport": _fields(_REPORT),
    f"{_P}.AlertCheck": _fields(_CHECK),
}
EXAMPLES[f"{_P}.ExpectedAlert"] = _fields(_CHECK.expected[0])
EXAMPLES[f"{_P}.ObservedAlert"] = _fields(_CHECK.got[0])

DOCUMENTS: dict[str, str] = {f"{_P}.run_rule_tests": "document"}
"""A rule-test document's errors are rooted at the document (``$.tests[0].start``)."""
