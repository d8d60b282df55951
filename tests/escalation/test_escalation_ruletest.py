from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from comanaged_rcm import serialize
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import AlertStatus, FactKind, Level, MappingDirectory, Owner, Rule, RuleSet
from comanaged_rcm.escalation._ruletest import (
    MAX_VALUES,
    RuleTestReport,
    default_rule_tests,
    read_rule_tests,
    run_rule_tests,
)
from comanaged_rcm.raci import co_managed_template

BIG = Rule(
    id="big",
    when="balance > 100",
    applies_to=FactKind.CLAIM,
    level=Level.ONSHORE_LEAD,
    owner=Owner.accountable("denials"),
    dedup_keys=("claim_id",),
    message="claim {claim_id} at {balance}",
)


def _doc(**test: Any) -> dict[str, Any]:
    """A one-test document on the rule ``big``; ``test`` overrides the test's keys."""
    base: dict[str, Any] = {
        "name": "big balance",
        "start": "2026-11-02T09:00",
        "input_series": [{"labels": {"claim_id": "C1"}, "values": {"balance": "50 150 150"}}],
        "alert_rule_test": [
            {"eval_time": "0d", "alertname": "big", "exp_alerts": []},
            {"eval_time": "1d", "alertname": "big", "exp_alerts": [{"exp_labels": {"claim_id": "C1"}}]},
        ],
    }
    return {"rule_files": [serialize.to_dict(RuleSet(rules=(BIG,)))], "tests": [{**base, **test}]}


def _issue(document: object, **options: Any) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        run_rule_tests(document, **options)
    issue = caught.value.issues[0]
    return issue.path, issue.message


class TestDefaultRules:
    def test_shipped_tests_pass(self) -> None:
        """The default rules' shipped test file (read as the CLI reads it) passes, every rule covered."""
        report = run_rule_tests(default_rule_tests())
        assert report.passed, str(report)
        assert {c.alertname for c in report.checks} == {
            "write_off_over_limit",
            "high_dollar_denial",
            "denial_untouched",
            "payer_denial_rate",
            "days_in_ar_breach",
            "clean_claim_rate_low",
        }
        assert report.summary() == "6 tests, 20 checks: all passed"

    def test_shipped_tests_catch_a_moved_threshold(self) -> None:
        """Raising the write-off limit by a cent makes the edge test fail with a 'missing' line."""
        document = default_rule_tests()
        assert isinstance(document, dict)
        document["rule_files"] = [{"default_rules": {"write_off_limit": 5000.01}}]
        report = run_rule_tests(document)
        assert not report.passed
        assert (
            "test 'write-off over the delegated limit' at +1bd: missing alert"
            ' write_off_over_limit{claim_id="C1", item_id="Q1", payer="AETNA"}'
        ) in report.lines()

    def test_owners_from_a_split(self) -> None:
        """With the co-managed template split, owners are its parties; without, 'unassigned'."""
        document = default_rule_tests()
        assert isinstance(document, dict)
        test = copy.deepcopy(document["tests"][2])
        test["alert_rule_test"] = [
            {
                "eval_time": "4bd",
                "alertname": "denial_untouched",
                "exp_alerts": [
                    {"exp_labels": {"claim_id": "C1", "payer": "AETNA"}, "exp_owner": "client_rcm_director"},
                    {"exp_labels": {"claim_id": "C2", "payer": "CIGNA"}, "exp_owner": "onshore_lead"},
                ],
            }
        ]
        document["tests"] = [test]
        assert run_rule_tests(document, directory=co_managed_template()).passed
        lines = run_rule_tests(document).lines()
        assert (
            "test 'denial untouched for more than 10 business days' at +4bd: alert"
            ' denial_untouched{claim_id="C1", payer="AETNA"}: owner is "unassigned",'
            ' expected "client_rcm_director"'
        ) in lines


class TestComparison:
    def test_pass_and_report_shape(self) -> None:
        """A passing check carries its time, expected and observed alerts."""
        report = run_rule_tests(_doc())
        assert isinstance(report, RuleTestReport)
        assert report.passed
        assert report.tests == ("big balance",)
        last = report.checks[1]
        assert last.at.isoformat() == "2026-11-03T09:00:00"
        assert last.got[0].labels == {"claim_id": "C1"}
        assert last.got[0].message == "claim C1 at 150"
        assert last.got[0].status is AlertStatus.FIRING

    def test_missing_and_unexpected(self) -> None:
        """Wrong labels give one 'missing' and one 'unexpected' line, order-insensitive."""
        checks = [{"eval_time": "1d", "alertname": "big", "exp_alerts": [{"exp_labels": {"claim_id": "C9"}}]}]
        report = run_rule_tests(_doc(alert_rule_test=checks))
        assert report.lines() == (
            "test 'big balance' at +1d: missing alert big{claim_id=\"C9\"}",
            "test 'big balance' at +1d: unexpected alert big{claim_id=\"C1\"}",
            "1 test, 1 check: 1 failed",
        )

    def test_order_does_not_matter(self) -> None:
        """Expected alerts match in any order."""
        series = [
            {"labels": {"claim_id": "C1"}, "values": {"balance": "150"}},
            {"labels": {"claim_id": "C2"}, "values": {"balance": [200]}},
        ]
        exp = [{"exp_labels": {"claim_id": "C2"}}, {"exp_labels": {"claim_id": "C1"}}]
        checks = [{"eval_time": "0s", "alertname": "big", "exp_alerts": exp}]
        assert run_rule_tests(_doc(input_series=series, alert_rule_test=checks)).passed

    def test_fields_compared(self) -> None:
        """Level, owner, status and message are compared when given, each as its own line."""
        exp = {
            "exp_labels": {"claim_id": "C1"},
            "exp_level": "automation",
            "exp_owner": "lead",
            "exp_message": "claim C1 at 151",
        }
        checks = [{"eval_time": "1d", "alertname": "big", "exp_alerts": [exp]}]
        lines = run_rule_tests(_doc(alert_rule_test=checks), directory=MappingDirectory()).lines()
        head = "test 'big balance' at +1d: alert big{claim_id=\"C1\"}"
        assert lines[:-1] == (
            f'{head}: owner is "unassigned", expected "lead"',
            f'{head}: level is "onshore_lead", expected "automation"',
            f'{head}: message is "claim C1 at 150", expected "claim C1 at 151"',
        )

    def test_pending_alerts(self) -> None:
        """A pending alert is not unexpected, and exp_status 'pending' asserts one."""
        rule = serialize.to_dict(RuleSet(rules=(BIG,)))
        rule["rules"][0]["pending_for"] = {"evaluations": 2, "hours": 0}
        document = _doc()
        document["rule_files"] = [rule]
        report = run_rule_tests(document)
        assert (
            report.lines()[0]
            == "test 'big balance' at +1d: missing alert big{claim_id=\"C1\"} (it is pending)"
        )
        pending = [{"exp_labels": {"claim_id": "C1"}, "exp_status": "pending"}]
        document["tests"][0]["alert_rule_test"][1]["exp_alerts"] = pending
        assert run_rule_tests(document).passed
        document["tests"][0]["alert_rule_test"][1]["eval_time"] = "2d"
        assert run_rule_tests(document).lines()[0] == (
            "test 'big balance' at +2d: missing alert big{claim_id=\"C1\"} (pending) (it is firing)"
        )

    def test_stale_and_absent_entities_resolve(self) -> None:
        """'stale' and the end of a series take the entity out of the facts, so its alert resolves."""
        series = [{"labels": {"claim_id": "C1"}, "values": {"balance": "150 stale 150"}}]
        checks = [
            {"eval_time": "1d", "alertname": "big", "exp_alerts": []},
            {"eval_time": "2d", "alertname": "big", "exp_alerts": [{"exp_labels": {"claim_id": "C1"}}]},
            {"eval_time": "3d", "alertname": "big", "exp_alerts": []},
        ]
        assert run_rule_tests(_doc(input_series=series, alert_rule_test=checks)).passed

    def test_eval_time_between_evaluations(self) -> None:
        """An eval_time off the grid sees the last evaluation before it (as promtool does)."""
        checks = [
            {"eval_time": "1d23h", "alertname": "big", "exp_alerts": [{"exp_labels": {"claim_id": "C1"}}]}
        ]
        report = run_rule_tests(_doc(alert_rule_test=checks))
        assert report.passed
        assert report.checks[0].at.isoformat() == "2026-11-03T09:00:00"

    def test_business_day_interval_and_calendar(self) -> None:
        """'1bd' steps over weekends and the calendar's holidays."""
        checks = [
            {"eval_time": "1bd", "alertname": "big", "exp_alerts": [{"exp_labels": {"claim_id": "C1"}}]}
        ]
        document = _doc(start="2026-11-25T09:00", interval="1bd", alert_rule_test=checks)
        document["calendar"] = "us_federal"
        report = run_rule_tests(document)
        assert report.passed
        assert report.checks[0].at.isoformat() == "2026-11-27T09:00:00"  # after Thanksgiving

    def test_compact_notation(self) -> None:
        """'a+bxn' counts n more values, '_' is a missing value (UNKNOWN: held, so no alert)."""
        series = [{"labels": {"claim_id": "C1"}, "values": {"balance": "90+5x3 _"}}]
        checks = [
            {"eval_time": "2d", "alertname": "big", "exp_alerts": []},
            {"eval_time": "3d", "alertname": "big", "exp_alerts": [{"exp_labels": {"claim_id": "C1"}}]},
            {"eval_time": "4d", "alertname": "big", "exp_alerts": [{"exp_labels": {"claim_id": "C1"}}]},
        ]
        assert run_rule_tests(_doc(input_series=series, alert_rule_test=checks)).passed

    def test_prometheus_rule_file_with_free_labels(self, tmp_path: Path) -> None:
        """A Prometheus-shaped rule file by path: free labels are part of the alert's labels."""
        rules = {
            "groups": [
                {
                    "name": "g",
                    "rules": [
                        {
                            "alert": "big",
                            "expr": "balance > 100",
                            "labels": {
                                "level": "onshore_lead",
                                "owner": "party:lead",
                                "applies_to": "claim",
                                "dedup_keys": "claim_id",
                                "team": "east",
                            },
                            "annotations": {"runbook_url": "https://wiki.example/big"},
                        }
                    ],
                }
            ]
        }
        (tmp_path / "rules.json").write_text(json.dumps(rules), encoding="utf-8")
        exp = {
            "exp_labels": {"claim_id": "C1", "team": "east"},
            "exp_owner": "lead",
            "exp_annotations": {"runbook_url": "https://wiki.example/big"},
        }
        document = _doc(alert_rule_test=[{"eval_time": "1d", "alertname": "big", "exp_alerts": [exp]}])
        document["rule_files"] = ["rules.json"]
        assert run_rule_tests(document, base=tmp_path).passed

    def test_yaml_file(self, tmp_path: Path) -> None:
        """A .yaml test file reads as YAML (dates and numbers as YAML types)."""
        pytest.importorskip("yaml")
        path = tmp_path / "t.yaml"
        path.write_text(
            """
rule_files:
  - default_rules: {}
evaluation_interval: 1bd
tests:
  - name: big denial
    start: 2026-11-02T09:00:00
    input_series:
      - kind: claim
        labels: {claim_id: C1, payer: AETNA, status: denied, last_touched: 2026-10-30}
        values: {balance: [10000]}
    alert_rule_test:
      - eval_time: 0bd
        alertname: high_dollar_denial
        exp_alerts:
          - exp_labels: {claim_id: C1, payer: AETNA}
""",
            encoding="utf-8",
        )
        assert run_rule_tests(read_rule_tests(path)).passed


class TestBadFiles:
    def test_bad_eval_time_path(self) -> None:
        """A bad eval_time is named by its path into the file."""
        checks = [
            {"eval_time": "1d", "alertname": "big"},
            {"eval_time": "3 days", "alertname": "big"},
        ]
        path, message = _issue(_doc(alert_rule_test=checks))
        assert path == "$.tests[0].alert_rule_test[1].eval_time"
        assert "must be a duration like" in message

    @pytest.mark.parametrize(
        ("change", "path", "fragment"),
        [
            ({"alert_rule_test": [{"eval_time": "1d", "alertname": "bgi"}]},
             "$.tests[0].alert_rule_test[0].alertname", "no rule 'bgi' under test (did you mean 'big'?)"),
            ({"start": "soon"}, "$.tests[0].start", "must be an ISO date or datetime"),
            ({"input_series": [{"labels": {"claim_id": "C1"}, "values": {"balance": "1 two"}}]},
             "$.tests[0].input_series[0].values.balance", "expected a number"),
            ({"input_series": [{"labels": {"claim_id": "C1"}, "values": {"balance": ["1"]}}]},
             "$.tests[0].input_series[0].values.balance[0]", "'balance[0]' is a number field"),
            ({"input_series": [{"labels": {"claim_id": "C1"}, "values": {"balance": "1", "x": "1 2"}}]},
             "$.tests[0].input_series[0].values", "each field needs as many values (balance: 1, x: 2)"),
            ({"input_series": [{"labels": {"claim_id": "C1"}, "values": {"balance": "1x99999999"}}]},
             "$.tests[0].input_series[0].values.balance", f"at most {MAX_VALUES:,} values"),
            ({"input_series": [{"labels": {"claim_id": "C1"}, "valeus": []}]},
             "$.tests[0].input_series[0].valeus", "unknown key 'valeus' (did you mean 'values'?)"),
            ({"interval": "0s"}, "$.tests[0].interval", "must be longer than zero"),
            ({"alert_rule_test": [{"eval_time": "1d", "alertname": "big",
                                   "exp_alerts": [{"exp_labels": {"claim_id": 1}}]}]},
             "$.tests[0].alert_rule_test[0].exp_alerts[0].exp_labels.claim_id", 'write "1" in quotes'),
            ({"alert_rule_test": [{"eval_time": "1d", "alertname": "big",
                                   "exp_alerts": [{"exp_status": "firng"}]}]},
             "$.tests[0].alert_rule_test[0].exp_alerts[0].exp_status", "did you mean 'firing'?"),
        ],
    )  # fmt: skip
    def test_bad_test(self, change: dict[str, Any], path: str, fragment: str) -> None:
        """Each broken part of a test is a ValidationError at its path."""
        got_path, message = _issue(_doc(**change))
        assert got_path == path
        assert fragment in message

    def test_bad_rule_files(self, tmp_path: Path) -> None:
        """Rule files that are missing, broken or repeated are named by their index."""
        document = _doc()
        document["rule_files"] = ["nope.json"]
        path, message = _issue(document, base=tmp_path)
        assert path == "$.rule_files[0]"
        assert "nope.json' (No such file or directory)" in message
        (tmp_path / "bad.json").write_text('{"rules": [{"id": "x"}]}', encoding="utf-8")
        document["rule_files"] = ["bad.json"]
        path, message = _issue(document, base=tmp_path)
        assert path == "$.rule_files[0]"
        assert message.startswith("bad.json: ")
        document["rule_files"] = [{"default_rules": {"write_of_limit": 1}}]
        path, message = _issue(document)
        assert path == "$.rule_files[0].default_rules.write_of_limit"
        assert "did you mean 'write_off_limit'?" in message
        document["rule_files"] = [{"default_rules": {}}, {"default_rules": {}}]
        path, message = _issue(document)
        assert path == "$.rule_files[1]"
        assert "is also in rule_files[0]" in message

    def test_not_a_mapping_and_missing_keys(self) -> None:
        """The top level must be a mapping with rule_files and tests."""
        assert _issue([]) == ("$", "expected a mapping (got [])")
        assert _issue({"tests": []})[0] == "$.rule_files"

    def test_evaluation_budget(self) -> None:
        """A replay too long to run is refused before it runs."""
        checks = [{"eval_time": "3000d", "alertname": "big"}]
        path, message = _issue(_doc(interval="1h", alert_rule_test=checks))
        assert path == "$.tests"
        assert "more than 20,000 evaluations" in message

    def test_yaml_aliases_refused(self, tmp_path: Path) -> None:
        """YAML aliases (the billion-laughs vector) are refused."""
        pytest.importorskip("yaml")
        path = tmp_path / "t.yml"
        path.write_text("a: &x [1, 2]\nb: *x\n", encoding="utf-8")
        with pytest.raises(ValidationError, match="YAML aliases are not accepted"):
            read_rule_tests(path)

    def test_bad_arguments(self) -> None:
        """Bad keyword arguments are ValidationErrors at their names."""
        assert _issue(_doc(), directory=3)[0] == "$.directory"
        assert _issue(_doc(), base="a\0b")[0] == "$.base"
