"""The engagement document: round trips, every structural problem with its path, cross-references."""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Any

import attrs
import pytest

from comanaged_rcm.cycle import (
    SCHEMA_SECTIONS,
    SCHEMA_VERSION,
    Engagement,
    QaPolicy,
    check_engagement,
    default_engagement,
    load_engagement,
)
from comanaged_rcm.cycle._engagement import Baseline, EconomicsSection, Fee, OwnCost
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi import Target
from comanaged_rcm.serialize import from_json, to_dict, to_json

D = datetime.date
_LAST = datetime.date.max - datetime.timedelta(days=1)


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

    def test_eng_012_a_convention_none_of_the_kpis_reads(self, engagement: Engagement) -> None:
        """Only days in A/R among the outcomes and no drivers: refunds=gross (and the default
        refunds=netted chosen explicitly) would be ignored, a finding at its own path naming the
        KPIs that read it; ar_window, which days in A/R reads, is not."""
        narrow = attrs.evolve(engagement, outcomes=("days_in_ar",), drivers=())
        for option in ("gross", "netted"):
            chosen = attrs.evolve(narrow, conventions={"refunds": option, "ar_window": "trailing_3_months"})
            found = check_engagement(chosen)
            assert [(f.rule, f.path, f.is_error) for f in found] == [
                ("ENG-012", "$.conventions.refunds", True)
            ]
            assert found[0].message.startswith(f"the convention refunds={option} is read by none of the")
            assert "'refunds' is read by cash_collection_pct_npsr, cost_to_collect, net_collection_rate" in (
                found[0].message
            )

    def test_eng_012_the_economics_section_reads_the_net_collection_rate(
        self, engagement: Engagement
    ) -> None:
        """The economics section reports the net collection rate: its refunds option is read."""
        narrow = attrs.evolve(
            engagement, outcomes=("days_in_ar",), drivers=(), conventions={"refunds": "gross"}
        )
        assert [f.rule for f in check_engagement(narrow)] == ["ENG-012"]
        assert check_engagement(_with(narrow)) == []

    def test_eng_012_the_default_engagement_and_its_kpis_options(self, engagement: Engagement) -> None:
        """Options its KPIs read are no finding: denial_unit (initial denial rate), refunds (net
        collection rate), aging_anchor (A/R over 90)."""
        chosen = {"denial_unit": "lines", "refunds": "gross", "aging_anchor": "bill_date"}
        assert check_engagement(attrs.evolve(engagement, conventions=chosen)) == []


def _economics(**fields: Any) -> EconomicsSection:
    section: dict[str, Any] = {
        "fees": (
            Fee(from_=D(2026, 1, 5), through=D(2026, 6, 28), fixed=4_500.0),
            Fee(from_=D(2026, 6, 29), through=D(2026, 12, 27), fixed=4_000.0, percent_of_collections=1.5),
        ),
        "own_costs": (OwnCost(from_=D(2025, 7, 7), through=D(2026, 12, 27), per_period=9_000.0),),
        "baseline": Baseline(from_=D(2025, 7, 7), through=D(2026, 1, 4), cost=234_000.0),
        **fields,
    }
    return EconomicsSection(**section)


def _with(engagement: Engagement, **fields: Any) -> Engagement:
    return attrs.evolve(engagement, economics=_economics(**fields))


class TestEconomics:
    def test_json_round_trip(self, engagement: Engagement) -> None:
        """The section round-trips; ``from_`` is ``from`` in the document; a baseline omits what it lacks."""
        full = _with(engagement)
        assert load_engagement(to_json(full)) == full
        document = to_dict(full)["economics"]
        assert document["fees"][1] == {
            "from": "2026-06-29",
            "through": "2026-12-27",
            "fixed": 4000.0,
            "percent_of_collections": 1.5,
        }
        assert document["baseline"] == {"from": "2025-07-07", "through": "2026-01-04", "cost": 234000.0}
        given = _with(engagement, baseline=Baseline(net_collections=9e6, net_charges=9.6e6, source="FY2025"))
        assert to_dict(given)["economics"]["baseline"] == {
            "net_collections": 9e6,
            "net_charges": 9.6e6,
            "source": "FY2025",
        }
        assert load_engagement(to_json(given)) == given

    def test_schema_version_4(self, engagement: Engagement) -> None:
        """The section came with version 4: a version 3 document using it is refused at the section."""
        data = to_dict(_with(engagement))
        data["schema_version"] = 3
        with pytest.raises(ValidationError) as caught:
            load_engagement(json.dumps(data))
        assert [(i.path, i.code, i.message) for i in caught.value.issues] == [
            (
                "$.economics",
                "version",
                (
                    "the 'economics' section needs engagement schema version 4 (it was introduced in"
                    ' version 4); this document declares version 3: set "schema_version": 4'
                ),
            )
        ]
        assert SCHEMA_VERSION == 4
        assert SCHEMA_SECTIONS["economics"] == 4
        with pytest.raises(ValidationError, match=r"needs engagement schema version 4.*@ \$\.economics"):
            attrs.evolve(engagement, schema_version=3, economics=_economics())

    def test_structural_problems_with_their_paths(self, engagement: Engagement) -> None:
        """Bad values anywhere in the section are reported at once, at ``from`` (not ``from_``)."""
        data = to_dict(_with(engagement))
        fees = data["economics"]["fees"]
        fees[0]["from"] = 5
        del fees[1]["from"]
        fees[1]["from_"] = "2026-06-29"
        fees[1]["fixed"] = "4000"
        data["economics"]["own_costs"][0]["per_period"] = -1
        data["economics"]["baseline"]["through"] = "2025-07-06"
        with pytest.raises(ValidationError) as caught:
            load_engagement(json.dumps(data))
        assert [(i.path, i.code) for i in caught.value.issues] == [
            ("$.economics.fees[0].from", "type"),
            ("$.economics.fees[1].from", "missing"),
            ("$.economics.fees[1].fixed", "type"),
            ("$.economics.fees[1].from_", "unknown_key"),
            ("$.economics.own_costs[0].per_period", "range"),
            ("$.economics.baseline.through", "range"),
        ]
        assert "'through' (2025-07-06) must be on or after the first day (2025-07-07)" in str(caught.value)
        data = to_dict(_with(engagement))
        del data["economics"]["baseline"]["from"]
        data["economics"]["fees"][0]["from"] = "2026-01-05T09:00:00"
        with pytest.raises(ValidationError) as caught:
            load_engagement(json.dumps(data))
        assert [(i.path, i.message) for i in caught.value.issues] == [
            (
                "$.economics.fees[0].from",
                "expected an ISO date like '2026-01-31' (got '2026-01-05T09:00:00')",
            ),
            ("$.economics.baseline.from", "a baseline period needs 'from' too"),
        ]

    def test_at_least_one_fee(self) -> None:
        with pytest.raises(ValidationError, match=r"'fees' must hold at least one fee .*@ \$\.fees"):
            EconomicsSection(fees=())
        with pytest.raises(ValidationError, match=r"@ \$\.fees\[0\]"):
            EconomicsSection(fees=[{"from": "2026-01-05"}])

    @pytest.mark.parametrize(
        ("fields", "path"),
        [
            ({"fixed": -0.01}, "$.fixed"),
            ({"fixed": math.inf}, "$.fixed"),
            ({"percent_of_collections": 100.01}, "$.percent_of_collections"),
            ({"percent_of_collections": -1}, "$.percent_of_collections"),
            ({"percent_of_collections": True}, "$.percent_of_collections"),
            ({"through": D(2026, 1, 4)}, "$.through"),
            ({"through": datetime.date.max}, "$.through"),
            ({"from_": datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)}, "$.from_"),
            ({"from_": "2026-01-05"}, "$.from_"),
        ],
    )
    def test_fee_fields(self, fields: dict[str, Any], path: str) -> None:
        given = {"from_": D(2026, 1, 5), "through": D(2026, 1, 11), **fields}
        with pytest.raises(ValidationError) as caught:
            Fee(**given)
        assert [i.path for i in caught.value.issues] == [path]

    def test_fee_edges(self) -> None:
        """A one-day term, no charge at all, and every percentage from 0 to 100 are fees."""
        day = Fee(from_=D(2026, 1, 5), through=D(2026, 1, 5), percent_of_collections=100)
        assert (day.period.days, day.fixed, day.percent_of_collections) == (1, 0.0, 100.0)
        assert Fee(from_=D(2026, 1, 5), through=_LAST).period.end == datetime.date.max

    @pytest.mark.parametrize(
        ("fields", "path", "message"),
        [
            ({}, "$", "a baseline is either a period of the data"),
            ({"from_": D(2025, 7, 7)}, "$.through", "a baseline period needs 'through' too"),
            ({"through": D(2025, 7, 7)}, "$.from_", "a baseline period needs 'from_' too"),
            ({"net_collections": 1.0}, "$.net_charges", "given baseline figures need 'net_charges' too"),
            ({"net_charges": 1.0}, "$.net_collections", "given baseline figures need 'net_collections' too"),
            (
                {"from_": D(2025, 7, 7), "through": D(2025, 7, 8), "net_charges": 1.0},
                "$.net_collections",
                "not both",
            ),
            ({"net_collections": 1.0, "net_charges": 0.0}, "$.net_charges", "must be > 0"),
            ({"net_collections": -1.0, "net_charges": 1.0}, "$.net_collections", "must be >= 0"),
            ({"net_collections": 1.0, "net_charges": 1.0, "cost": -1.0}, "$.cost", "must be >= 0"),
            ({"from_": D(2025, 7, 7), "through": D(2025, 7, 8), "source": "ledger"}, "$.source", "read from"),
            ({"net_collections": 1.0, "net_charges": 1.0, "source": "a\u202eb"}, "$.source", "invisible"),
        ],
    )
    def test_baseline_forms(self, fields: dict[str, Any], path: str, message: str) -> None:
        with pytest.raises(ValidationError) as caught:
            Baseline(**fields)
        assert [i.path for i in caught.value.issues] == [path]
        assert message in str(caught.value)

    def test_baseline_kinds(self) -> None:
        dated = Baseline(from_=D(2025, 7, 7), through=D(2025, 7, 7))
        assert (dated.kind, str(dated.period)) == ("period", "2025-07-07/2025-07-08")
        given = Baseline(net_collections=0.0, net_charges=1e-9)
        assert (given.kind, given.period) == ("figures", None)

    def test_checks_clean(self, engagement: Engagement) -> None:
        assert check_engagement(_with(engagement)) == []

    def test_eng_008_fee_terms_overlapping(self, engagement: Engagement) -> None:
        """Terms sharing one day overlap (listed out of order, the later-starting one is named)."""
        fees = (
            Fee(from_=D(2026, 6, 28), through=D(2026, 12, 27), fixed=1.0),
            Fee(from_=D(2026, 1, 5), through=D(2026, 6, 28), fixed=1.0),
        )
        found = check_engagement(_with(engagement, fees=fees))
        assert [(f.rule, f.severity.value, f.path, f.message) for f in found] == [
            (
                "ENG-008",
                "error",
                "$.economics.fees[0]",
                "fees[0] (2026-06-28..2026-12-27) overlaps fees[1] (to 2026-06-28): each day takes one fee",
            )
        ]

    def test_eng_008_inside_a_longer_term(self, engagement: Engagement) -> None:
        """A term inside a longer one overlaps it, and so does the next term that the longer one reaches."""
        fees = (
            Fee(from_=D(2026, 1, 5), through=D(2026, 12, 27)),
            Fee(from_=D(2026, 2, 2), through=D(2026, 3, 1)),
            Fee(from_=D(2026, 3, 2), through=D(2026, 3, 29)),
        )
        found = check_engagement(_with(engagement, fees=fees))
        assert [(f.rule, f.path) for f in found] == [
            ("ENG-008", "$.economics.fees[1]"),
            ("ENG-008", "$.economics.fees[2]"),
        ]
        assert "overlaps fees[0] (to 2026-12-27)" in found[1].message

    def test_eng_009_baseline_overlapping_the_engagement(self, engagement: Engagement) -> None:
        """A baseline ending on the first fee's first day overlaps; the day before does not."""
        touching = Baseline(from_=D(2025, 7, 7), through=D(2026, 1, 5))
        found = check_engagement(_with(engagement, baseline=touching))
        assert [(f.rule, f.path, f.message) for f in found] == [
            (
                "ENG-009",
                "$.economics.baseline",
                (
                    "the baseline 2025-07-07..2026-01-05 overlaps the engagement's fees"
                    " (2026-01-05..2026-12-27): a pre-engagement baseline ends before the first fee's 'from'"
                ),
            )
        ]
        after = Baseline(from_=D(2026, 12, 27), through=D(2027, 1, 3))
        assert [f.rule for f in check_engagement(_with(engagement, baseline=after))] == ["ENG-009"]
        later = Baseline(from_=D(2026, 12, 28), through=D(2027, 1, 3))
        assert check_engagement(_with(engagement, baseline=later)) == []
        given = Baseline(net_collections=1.0, net_charges=1.0)
        assert check_engagement(_with(engagement, baseline=given)) == []

    def test_eng_010_own_costs_overlapping(self, engagement: Engagement) -> None:
        own = (
            OwnCost(from_=D(2025, 7, 7), through=D(2026, 1, 4), per_period=1.0),
            OwnCost(from_=D(2026, 1, 4), through=D(2026, 12, 27), per_period=2.0),
        )
        found = check_engagement(_with(engagement, own_costs=own))
        assert [(f.rule, f.path) for f in found] == [("ENG-010", "$.economics.own_costs[1]")]
        assert found[0].message.endswith("each day takes one own cost")

    def test_eng_011_days_between_terms(self, engagement: Engagement) -> None:
        """One day between terms is a gap (a warning: the margin of a period touching it is undefined)."""
        fees = (
            Fee(from_=D(2026, 1, 5), through=D(2026, 6, 27)),
            Fee(from_=D(2026, 6, 29), through=D(2026, 12, 27)),
        )
        own = (
            OwnCost(from_=D(2025, 7, 7), through=D(2026, 1, 4), per_period=1.0),
            OwnCost(from_=D(2026, 2, 1), through=D(2026, 12, 27), per_period=2.0),
        )
        found = check_engagement(_with(engagement, fees=fees, own_costs=own))
        assert [(f.rule, f.severity.value, f.path, f.message) for f in found] == [
            (
                "ENG-011",
                "warning",
                "$.economics.fees[1].from",
                (
                    "no fee covers 2026-06-28..2026-06-28 (between fees[0] and fees[1]): a period touching"
                    " those days has no fee figure"
                ),
            ),
            (
                "ENG-011",
                "warning",
                "$.economics.own_costs[1].from",
                (
                    "no own cost covers 2026-01-05..2026-01-31 (between own_costs[0] and own_costs[1]): a"
                    " period touching those days has no own cost figure"
                ),
            ),
        ]
        assert load_engagement(to_json(_with(engagement, fees=fees))).economics is not None

    def test_errors_refuse_the_document(self, engagement: Engagement) -> None:
        fees = (
            Fee(from_=D(2026, 1, 5), through=D(2026, 12, 27)),
            Fee(from_=D(2026, 3, 2), through=D(2026, 3, 8)),
        )
        with pytest.raises(ValidationError) as caught:
            load_engagement(to_json(_with(engagement, fees=fees)))
        assert [(i.code, i.path) for i in caught.value.issues] == [("ENG-008", "$.economics.fees[1]")]
