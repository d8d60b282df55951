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
        path.write_text(serialize.to_json(RuleSet(rules=(rule,), schema={"balance": FieldType.NUMBER})))
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
