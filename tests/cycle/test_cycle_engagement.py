"""The engagement document: round trips, every structural problem with its path, cross-references."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from comanaged_rcm.cycle import Engagement, QaPolicy, check_engagement, default_engagement, load_engagement
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi import Target
from comanaged_rcm.serialize import from_json, to_dict, to_json


@pytest.fixture(scope="module")
def engagement() -> Engagement:
    return default_engagement()


def _rules(found: list[Any]) -> list[str]:
    return sorted(f.rule for f in found)


class TestDefault:
    def test_checks_clean(self, engagement: Engagement) -> None:
        """The shipped engagement has no cross-reference problem."""
        assert check_engagement(engagement) == []

    def test_json_round_trip(self, engagement: Engagement) -> None:
        """The document round-trips through JSON, text and file alike."""
        text = to_json(engagement, indent=2)
        assert from_json(text, Engagement) == engagement
        assert load_engagement(text) == engagement

    def test_load_from_file(self, engagement: Engagement, tmp_path: Path) -> None:
        path = tmp_path / "engagement.json"
        path.write_text(to_json(engagement), encoding="utf-8")
        assert load_engagement(path) == engagement
        assert load_engagement(str(path)) == engagement

    def test_outcomes_first_and_apart_from_activity(self, engagement: Engagement) -> None:
        """Outcomes lead; activity is listed apart and never among outcomes or drivers."""
        assert engagement.outcomes == ("net_collection_rate", "days_in_ar", "write_off_rate")
        assert not set(engagement.activity) & {*engagement.outcomes, *engagement.drivers}

    def test_policy_lookup(self, engagement: Engagement) -> None:
        denials = engagement.policy("denials")
        assert denials is not None
        assert denials.tolerable_rate == 0.05
        assert engagement.policy("coding_policy") is None


class TestLoadErrors:
    def test_every_structural_problem_with_its_path(self, engagement: Engagement) -> None:
        """Bad values, bad rule syntax and unknown keys anywhere are all reported at once."""
        data = to_dict(engagement)
        data["qa"][0]["window"] = 0
        data["qa"][1]["confidence"] = 1.5
        data["qa"][2]["method"] = "bootstrap"
        data["rules"]["rules"][1]["when"] = "balance >"
        data["colour"] = "blue"
        with pytest.raises(ValidationError) as caught:
            load_engagement(json.dumps(data))
        paths = {issue.path for issue in caught.value.issues}
        assert {"$.qa[0].window", "$.qa[1].confidence", "$.qa[2].method", "$.rules.rules[1].when"} <= paths
        assert any("colour" in issue.message for issue in caught.value.issues)

    def test_top_level_value(self, engagement: Engagement) -> None:
        data = to_dict(engagement)
        data["trend_periods"] = 0
        with pytest.raises(ValidationError) as caught:
            load_engagement(json.dumps(data))
        assert [i.path for i in caught.value.issues] == ["$.trend_periods"]

    def test_cross_reference_errors_raise_together(self, engagement: Engagement) -> None:
        """A well-formed document with broken references lists every broken one."""
        data = to_dict(engagement)
        data["outcomes"] = ["items_closed", "no_such_kpi"]
        data["qa"][0]["workflow"] = "astrology"
        with pytest.raises(ValidationError) as caught:
            load_engagement(json.dumps(data))
        found = {(i.code, i.path) for i in caught.value.issues}
        assert found == {
            ("ENG-002", "$.outcomes[0]"),
            ("ENG-001", "$.outcomes[1]"),
            ("ENG-005", "$.qa[0].workflow"),
        }

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="cannot read"):
            load_engagement(tmp_path / "absent.json")


class TestQaPolicy:
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("confidence", 1.0),
            ("confidence", 0.0),
            ("tolerable_rate", -0.1),
            ("expected_rate", 1.2),
            ("confidence", True),
            ("window", 0),
            ("window", 2.5),
        ],
    )
    def test_ranges(self, field: str, value: object) -> None:
        with pytest.raises(ValidationError, match=field):
            QaPolicy(workflow="denials", **{field: value})  # type: ignore[arg-type]

    def test_expected_below_tolerable(self) -> None:
        with pytest.raises(ValidationError, match="expected_rate"):
            QaPolicy(workflow="denials", tolerable_rate=0.03, expected_rate=0.03)


class TestCheckEngagement:
    """Each rule: one mutation of the default engagement, exactly that rule's finding."""

    def test_eng_001_unknown_kpi(self, engagement: Engagement) -> None:
        found = check_engagement(attrs.evolve(engagement, drivers=("initial_denial_rate", "vibes")))
        assert [(f.rule, f.path) for f in found] == [("ENG-001", "$.drivers[1]")]

    def test_eng_001_unknown_target_metric(self, engagement: Engagement) -> None:
        targets = (*engagement.targets, attrs.evolve(engagement.targets[0], metric="vibes"))
        found = check_engagement(attrs.evolve(engagement, targets=targets))
        assert [(f.rule, f.path) for f in found] == [("ENG-001", f"$.targets[{len(targets) - 1}].metric")]

    def test_eng_002_wrong_tier(self, engagement: Engagement) -> None:
        """An activity count listed as an outcome is refused: activity never drowns outcomes."""
        found = check_engagement(attrs.evolve(engagement, outcomes=(*engagement.outcomes, "items_closed")))
        assert _rules(found) == ["ENG-002"]
        assert "'activity'" in found[0].message

    def test_eng_003_duplicates(self, engagement: Engagement) -> None:
        found = check_engagement(
            attrs.evolve(
                engagement,
                outcomes=("days_in_ar", "days_in_ar"),
                targets=(*engagement.targets, engagement.targets[0]),
                qa=(*engagement.qa, engagement.qa[0]),
            )
        )
        assert _rules(found) == ["ENG-003", "ENG-003", "ENG-003"]

    def test_eng_004_watch_on_the_wrong_side(self, engagement: Engagement) -> None:
        bad = Target(metric="net_collection_rate", target=96.0, watch=98.0)
        targets = (bad, *engagement.targets[1:])
        found = check_engagement(attrs.evolve(engagement, targets=targets))
        assert [(f.rule, f.path) for f in found] == [("ENG-004", "$.targets[0].watch")]

    def test_eng_005_qa_out_of_scope(self, engagement: Engagement) -> None:
        qa = (QaPolicy(workflow="astrology"),)
        found = check_engagement(attrs.evolve(engagement, qa=qa))
        assert [(f.rule, f.path) for f in found] == [("ENG-005", "$.qa[0].workflow")]

    def test_eng_006_rule_does_not_compile(self, engagement: Engagement) -> None:
        """A rule comparing a text field with a number fails at load time, not at 2 a.m."""
        rules = engagement.rules.rules
        broken = attrs.evolve(rules[0], when="payer > 5000")
        ruleset = attrs.evolve(engagement.rules, rules=(broken, *rules[1:]))
        found = check_engagement(attrs.evolve(engagement, rules=ruleset))
        assert _rules(found) == ["ENG-006"]
        assert found[0].path == "$.rules.rules[0].when"

    def test_eng_006_fields_outside_the_schema(self, engagement: Engagement) -> None:
        """Dedup keys, grouping and message placeholders must name fields the facts carry."""
        rules = engagement.rules.rules
        broken = attrs.evolve(
            rules[0], dedup_keys=("item_id", "itemid"), group_by=("payor",), message="{blance}"
        )
        ruleset = attrs.evolve(engagement.rules, rules=(broken, *rules[1:]))
        found = check_engagement(attrs.evolve(engagement, rules=ruleset))
        assert [(f.rule, f.path) for f in found] == [
            ("ENG-006", "$.rules.rules[0].dedup_keys[1]"),
            ("ENG-006", "$.rules.rules[0].group_by[0]"),
            ("ENG-006", "$.rules.rules[0].message"),
        ]

    def test_eng_007_unknown_convention(self, engagement: Engagement) -> None:
        found = check_engagement(attrs.evolve(engagement, conventions={"denial_unit": "vibes"}))
        assert [(f.rule, f.path) for f in found] == [("ENG-007", "$.conventions")]
