from __future__ import annotations

import json
from pathlib import Path

import pytest

from comanaged_rcm import serialize
from comanaged_rcm.cli import main
from comanaged_rcm.escalation import FactKind, FieldType, Level, Owner, Rule, RuleSet

CLAIMS = """claim_id,item_id,payer,status,action,balance,last_touched
C1,Q1,AETNA,denied,write_off,12000,2026-10-01
C2,Q2,CIGNA,denied,,,2026-11-20
C3,Q3,AETNA,paid,write_off,300,2026-10-01
"""


@pytest.fixture
def claims_csv(tmp_path: Path) -> Path:
    path = tmp_path / "claims.csv"
    path.write_text(CLAIMS, encoding="utf-8")
    return path


class TestEscalateCommand:
    def test_default_rules_explain_what_fires(
        self, claims_csv: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The command prints counts per rule, skipped rules and each firing with its reason."""
        status = main(
            ["escalate", "--default-rules", "--records", str(claims_csv), "--now", "2026-11-23T09:00"]
        )
        out = capsys.readouterr().out
        assert status == 0
        assert "3 records, evaluated at 2026-11-23T09:00:00" in out
        assert "write_off_over_limit v1 (queue_item): 1 false, 1 true, 1 unknown" in out
        assert "payer_denial_rate: skipped" in out
        assert (
            "met: action == 'write_off' (action = 'write_off') and balance > 5000 (balance = 12,000)" in out
        )
        assert "write-off of 12,000 on claim C1 (AETNA) needs approval" in out
        assert "unknown: balance >= 10000 (balance = missing) cannot be decided" in out

    def test_kind_filter_and_json(self, claims_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--kind restricts the rules; --format json prints one audit event per line."""
        status = main(
            [
                "escalate",
                "--default-rules",
                "--records",
                str(claims_csv),
                "--kind",
                "claim",
                "--now",
                "2026-11-23",
                "--format",
                "json",
            ]
        )
        lines = capsys.readouterr().out.strip().splitlines()
        assert status == 0
        rules = {json.loads(line)["rule"] for line in lines}
        assert rules == {"high_dollar_denial", "denial_untouched"}

    def test_rules_file_with_schema(
        self, claims_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A rule set file is read with its schema; declared types drive the CSV column types."""
        rule = Rule(
            id="big",
            when="balance > 100",
            applies_to=FactKind.CLAIM,
            level=Level.ONSHORE_LEAD,
            owner=Owner.party("lead"),
            dedup_keys=("claim_id",),
        )
        path = tmp_path / "rules.json"
        path.write_text(
            serialize.to_json(
                RuleSet(rules=(rule,), schema={"balance": FieldType.NUMBER, "claim_id": FieldType.TEXT})
            )
        )
        assert main(["escalate", "--rules", str(path), "--records", str(claims_csv)]) == 0
        out = capsys.readouterr().out
        assert "big v1 (claim): 2 true, 1 unknown" in out
        assert "2 alert(s) firing" in out

    def test_bad_inputs_exit_2(
        self, claims_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Bad JSON, a bad cell or a bad --now is one line on stderr and exit status 2."""
        bad = tmp_path / "bad.json"
        bad.write_text('{"rules": [{"id": "x"}]}')
        assert main(["escalate", "--rules", str(bad), "--records", str(claims_csv)]) == 2
        assert "required key is missing" in capsys.readouterr().err
        assert main(["escalate", "--default-rules", "--records", str(claims_csv), "--now", "soon"]) == 2
        assert "--now must be an ISO date" in capsys.readouterr().err
        broken = tmp_path / "broken.csv"
        broken.write_text(CLAIMS.replace("12000", "12k"))
        assert main(["escalate", "--default-rules", "--records", str(broken)]) == 2
        assert "broken.csv:2:balance" in capsys.readouterr().err

    def test_empty_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A file with a header and no rows reports zero records."""
        path = tmp_path / "empty.csv"
        path.write_text("claim_id,balance\n")
        rule = Rule(
            id="big",
            when="balance > 1",
            applies_to=FactKind.CLAIM,
            level=Level.ONSHORE_LEAD,
            owner=Owner.party("lead"),
        )
        rules = tmp_path / "rules.json"
        rules.write_text(serialize.to_json(RuleSet(rules=(rule,))))
        assert main(["escalate", "--rules", str(rules), "--records", str(path)]) == 0
        assert "big v1 (claim): no records" in capsys.readouterr().out


class TestRunAction:
    @pytest.mark.parametrize(
        "flags",
        [
            ["--default-rules", "--now", "2026-11-23T09:00"],
            ["--default-rules", "--kind", "claim", "--now", "2026-11-23", "--format", "json"],
        ],
    )
    def test_run_is_the_default(
        self, flags: list[str], claims_csv: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``escalate FLAGS`` and ``escalate run FLAGS`` print byte-identical output."""
        assert main(["escalate", *flags, "--records", str(claims_csv)]) == 0
        bare = capsys.readouterr().out
        assert main(["escalate", "run", *flags, "--records", str(claims_csv)]) == 0
        assert capsys.readouterr().out == bare
        assert bare

    def test_split_names_the_owners(
        self, claims_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--split resolves RACI owners from a scope split instead of 'unassigned'."""
        assert main(["raci", "template"]) == 0
        split = tmp_path / "split.json"
        split.write_text(capsys.readouterr().out, encoding="utf-8")
        argv = [
            "escalate",
            "run",
            "--default-rules",
            "--records",
            str(claims_csv),
            "--now",
            "2026-11-23T09:00",
        ]
        assert main(argv) == 0
        assert "-> unassigned (provider_decision_owner)" in capsys.readouterr().out
        assert main([*argv, "--split", str(split)]) == 0
        out = capsys.readouterr().out
        assert "#1 firing write_off_over_limit" in out
        assert "-> client_rcm_director (provider_decision_owner) by 2026-11-25" in out
        assert "unassigned" not in out

    def test_bad_split_exit_2(
        self, claims_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A split that is not a ScopeSplit is one line on stderr and exit status 2."""
        bad = tmp_path / "split.json"
        bad.write_text('{"name": "x"}', encoding="utf-8")
        argv = ["escalate", "--default-rules", "--records", str(claims_csv), "--split", str(bad)]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("comanaged-rcm escalate: error: ")
        assert "effective_from" in err
        assert len(err.splitlines()) == 1


RULE_TEST = {
    "rule_files": ["rules.json"],
    "tests": [
        {
            "name": "big balance",
            "start": "2026-11-02T09:00",
            "input_series": [{"labels": {"claim_id": "C1"}, "values": {"balance": "50 150"}}],
            "alert_rule_test": [
                {"eval_time": "0d", "alertname": "big", "exp_alerts": []},
                {"eval_time": "1d", "alertname": "big", "exp_alerts": [{"exp_labels": {"claim_id": "C1"}}]},
            ],
        }
    ],
}


@pytest.fixture
def rule_test(tmp_path: Path) -> Path:
    rule = Rule(
        id="big",
        when="balance > 100",
        applies_to=FactKind.CLAIM,
        level=Level.ONSHORE_LEAD,
        owner=Owner.accountable("denials"),
        dedup_keys=("claim_id",),
    )
    (tmp_path / "rules.json").write_text(serialize.to_json(RuleSet(rules=(rule,))), encoding="utf-8")
    path = tmp_path / "tests.json"
    path.write_text(json.dumps(RULE_TEST), encoding="utf-8")
    return path


class TestTestAction:
    def test_defaults_pass(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``escalate test --defaults`` runs the shipped tests of the default rules: exit 0."""
        assert main(["escalate", "test", "--defaults"]) == 0
        assert capsys.readouterr().out == "default_rules_test.json: 6 tests, 20 checks: all passed\n"

    def test_file_passes(self, rule_test: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A passing file prints its summary; rule files are found next to the test file."""
        assert main(["escalate", "test", str(rule_test)]) == 0
        assert capsys.readouterr().out == f"{rule_test}: 1 test, 2 checks: all passed\n"

    def test_mismatch_exit_1(self, rule_test: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A mismatch prints one line per difference and exits 1."""
        document = json.loads(rule_test.read_text(encoding="utf-8"))
        document["tests"][0]["alert_rule_test"][0]["exp_alerts"] = [{"exp_labels": {"claim_id": "C1"}}]
        document["tests"][0]["alert_rule_test"][1]["exp_alerts"] = [{"exp_labels": {"claim_id": "C2"}}]
        rule_test.write_text(json.dumps(document), encoding="utf-8")
        assert main(["escalate", "test", str(rule_test)]) == 1
        assert capsys.readouterr().out.splitlines() == [
            "test 'big balance' at +0d: missing alert big{claim_id=\"C1\"}",
            "test 'big balance' at +1d: missing alert big{claim_id=\"C2\"}",
            "test 'big balance' at +1d: unexpected alert big{claim_id=\"C1\"}",
            f"{rule_test}: 1 test, 2 checks: 2 failed",
        ]

    def test_owners_with_split(
        self, rule_test: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--split names the owners the tests expect."""
        assert main(["raci", "template"]) == 0
        split = tmp_path / "split.json"
        split.write_text(capsys.readouterr().out, encoding="utf-8")
        document = json.loads(rule_test.read_text(encoding="utf-8"))
        expected = {"exp_labels": {"claim_id": "C1"}, "exp_owner": "onshore_lead"}
        document["tests"][0]["alert_rule_test"][1]["exp_alerts"] = [expected]
        rule_test.write_text(json.dumps(document), encoding="utf-8")
        assert main(["escalate", "test", str(rule_test), "--split", str(split)]) == 0
        capsys.readouterr()
        assert main(["escalate", "test", str(rule_test)]) == 1
        assert 'owner is "unassigned", expected "onshore_lead"' in capsys.readouterr().out

    def test_bad_file_exit_2(self, rule_test: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A bad test file is one line on stderr naming the path into the file, exit 2."""
        document = json.loads(rule_test.read_text(encoding="utf-8"))
        document["tests"][0]["alert_rule_test"][1]["eval_time"] = "one day"
        rule_test.write_text(json.dumps(document), encoding="utf-8")
        assert main(["escalate", "test", str(rule_test)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("comanaged-rcm escalate: error: 1 validation issue: 'eval_time' must be")
        assert err.endswith("@ $.tests[0].alert_rule_test[1].eval_time\n")
        rule_test.write_text('{"tests": [], "tests": []}', encoding="utf-8")
        assert main(["escalate", "test", str(rule_test)]) == 2
        assert "duplicate key 'tests'" in capsys.readouterr().err

    def test_usage(self, rule_test: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A file or --defaults, not both and not neither; a missing file names itself."""
        assert main(["escalate", "test"]) == 2
        assert "give a test file or --defaults" in capsys.readouterr().err
        assert main(["escalate", "test", str(rule_test), "--defaults"]) == 2
        assert "not both" in capsys.readouterr().err
        missing = str(rule_test.with_name("nope.json"))
        assert main(["escalate", "test", missing]) == 2
        assert capsys.readouterr().err.endswith(f"(No such file or directory) @ {missing}\n")
