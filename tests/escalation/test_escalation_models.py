from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm import serialize
from comanaged_rcm.errors import RuleSyntaxError, ValidationError
from comanaged_rcm.escalation import (
    AlertSeverity,
    BusinessCalendar,
    FactKind,
    FieldType,
    Hold,
    Inhibition,
    Level,
    MinCount,
    OnUnknown,
    Owner,
    OwnerKind,
    Rule,
    RuleSet,
    Rung,
    compile_rule,
    compile_rules,
    default_rules,
)


def make(**kwargs: Any) -> Rule:
    fields: dict[str, Any] = {
        "id": "r",
        "when": "balance > 1",
        "applies_to": FactKind.CLAIM,
        "level": Level.ONSHORE_LEAD,
        "owner": Owner.accountable("denials"),
    }
    fields.update(kwargs)
    return Rule(**fields)


identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
owners = st.builds(Owner, st.sampled_from(OwnerKind), identifiers)
holds = st.builds(Hold, st.integers(0, 5), st.integers(0, 72))
rungs = st.builds(
    Rung,
    level=st.sampled_from(Level),
    owner=owners,
    ack_within=st.integers(0, 10),
    escalate_after=st.none() | st.integers(1, 10),
)
conditions = st.sampled_from(
    [
        "balance > 5000 and payer in ('AETNA', 'CIGNA')",
        "status == 'denied' and business_days_between(last_touched, today) > 10",
        "not flag or -days_since(d) < 3",
        "0 < rate <= 8.5",
    ]
)
rules = st.builds(
    Rule,
    id=identifiers,
    version=st.integers(1, 50),
    description=st.text(max_size=20),
    when=conditions,
    applies_to=st.sampled_from(FactKind),
    severity=st.sampled_from(AlertSeverity),
    level=st.sampled_from(Level),
    owner=owners,
    deadline=st.integers(0, 10),
    escalate_after=st.none() | st.integers(1, 5),
    ladder=st.lists(rungs, max_size=3).map(tuple),
    dedup_keys=st.lists(identifiers, max_size=3, unique=True).map(tuple),
    group_by=st.lists(identifiers, max_size=2, unique=True).map(tuple),
    message=st.sampled_from(["", "claim {claim_id} for {balance:,.2f}", "plain text"]),
    on_unknown=st.none() | st.sampled_from(OnUnknown),
    pending_for=holds,
    keep_firing_for=holds,
    clear_when=st.none() | conditions,
    min_count=st.none() | st.builds(MinCount, identifiers, st.integers(1, 100)),
    inhibited_by=st.lists(
        st.builds(Inhibition, identifiers, st.lists(identifiers, max_size=2, unique=True).map(tuple)),
        max_size=2,
    ).map(tuple),
)


class TestRoundTrip:
    @settings(max_examples=100, deadline=None)
    @given(rule=rules)
    def test_rule_round_trips_exactly(self, rule: Rule) -> None:
        """Any rule survives JSON and back unchanged, with the same content hash."""
        again = serialize.from_json(serialize.to_json(rule), Rule)
        assert again == rule
        assert again.content_hash() == rule.content_hash()

    def test_default_rule_set_round_trips(self) -> None:
        """The default rule set round-trips through JSON."""
        rule_set = default_rules()
        assert serialize.from_json(serialize.to_json(rule_set), RuleSet) == rule_set

    def test_calendar_round_trips(self) -> None:
        """A business calendar round-trips through JSON."""
        cal = BusinessCalendar(holidays=frozenset({datetime.date(2026, 12, 25)}), weekend=frozenset({4, 5}))
        assert serialize.from_json(serialize.to_json(cal), BusinessCalendar) == cal

    def test_bad_expression_in_json_names_the_path(self) -> None:
        """A rule document with a hostile condition is rejected at $.when."""
        data = serialize.to_dict(make())
        data["when"] = "__import__('os')"
        with pytest.raises(ValidationError) as info:
            serialize.from_dict(data, Rule)
        assert info.value.issues[0].path == "$.when"
        assert "names starting with '_'" in info.value.issues[0].message

    def test_unknown_keys_rejected(self) -> None:
        """Unknown keys in a rule document are rejected."""
        data = serialize.to_dict(make())
        data["colour"] = "red"
        with pytest.raises(ValidationError, match="unknown key 'colour'"):
            serialize.from_dict(data, Rule)


class TestRuleValidation:
    def test_construction_parses_condition(self) -> None:
        """A bad condition is a ValidationError at its field, caused by the RuleSyntaxError."""
        with pytest.raises(ValidationError) as info:
            make(when="balance.real > 1")
        assert info.value.issues[0].path == "$.when"
        assert info.value.issues[0].code == "syntax"
        assert isinstance(info.value.__cause__, RuleSyntaxError)
        assert info.value.__cause__.column == 1
        with pytest.raises(ValidationError, match="lambda is not allowed") as info:
            make(clear_when="lambda: 1")
        assert info.value.issues[0].path == "$.clear_when"

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({"id": "has space"}, "$.id"),
            ({"version": 0}, "$.version"),
            ({"deadline": -1}, "$.deadline"),
            ({"escalate_after": 0}, "$.escalate_after"),
            ({"dedup_keys": ("ok", "not ok")}, "$.dedup_keys[1]"),
            ({"dedup_keys": ("a", "a")}, "$.dedup_keys"),
            ({"message": "{balance.__class__}"}, "$.message"),
            ({"message": "{balance!r}"}, "$.message"),
            ({"message": "{"}, "$.message"),
        ],
    )
    def test_bad_fields(self, kwargs: dict[str, Any], path: str) -> None:
        """Bad fields raise ValidationError naming the path."""
        with pytest.raises(ValidationError) as info:
            make(**kwargs)
        assert info.value.issues[0].path == path

    def test_model_validators(self) -> None:
        """Owners, holds, guards and inhibitions validate their fields."""
        with pytest.raises(ValidationError, match=r"'party' must be a non-empty string .* @ \$\.party"):
            Owner.party(" ")
        with pytest.raises(ValidationError, match=r"'hours' must be >= 0 \(got -1\)"):
            Hold(0, -1)
        with pytest.raises(ValidationError, match="must be a field name"):
            MinCount("1bad", 3)
        with pytest.raises(ValidationError, match=r"'at_least' must be >= 1 \(got 0\)"):
            MinCount("n", 0)
        with pytest.raises(ValidationError, match="must be a field name"):
            Inhibition("r", ("x y",))

    def test_unknown_policy_defaults(self) -> None:
        """UNKNOWN escalates for decision owners (fail closed) and holds otherwise."""
        assert make(owner=Owner.decision("write_off")).unknown_policy is OnUnknown.ESCALATE
        assert make(level=Level.PROVIDER_DECISION_OWNER).unknown_policy is OnUnknown.ESCALATE
        assert make().unknown_policy is OnUnknown.HOLD
        assert make(owner=Owner.decision("w"), on_unknown=OnUnknown.IGNORE).unknown_policy is OnUnknown.IGNORE

    def test_rungs(self) -> None:
        """The ladder starts with the rule's own level, owner, deadline and climb delay."""
        rung = Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("write_off"))
        rule = make(deadline=1, escalate_after=2, ladder=(rung,))
        assert rule.rungs[0] == Rung(
            level=Level.ONSHORE_LEAD, owner=Owner.accountable("denials"), ack_within=1, escalate_after=2
        )
        assert rule.rungs[1] == rung

    def test_content_hash_changes(self) -> None:
        """The content hash changes with any field."""
        assert make().content_hash() != make(when="balance > 2").content_hash()
        assert make().content_hash() == make().content_hash()
        assert len(make().content_hash()) == 16

    def test_owner_descriptions(self) -> None:
        """Owners describe how they are found."""
        assert Owner.decision("write_off").describe() == "the decision owner for 'write_off'"
        assert Owner.party("cfo").describe() == "party 'cfo'"


class TestLabelFields:
    def test_labels_and_message_must_be_schema_fields(self) -> None:
        """With a schema, dedup keys, grouping and message placeholders are checked at load
        time too, each reported at its own path."""
        schema = {"balance": FieldType.NUMBER, "claim_id": FieldType.TEXT, "payer": FieldType.TEXT}
        rule = make(dedup_keys=("claim_id", "claimid"), group_by=("payor",), message="{blance} owed")
        with pytest.raises(ValidationError) as info:
            compile_rule(rule, schema)
        assert [(i.path, i.code) for i in info.value.issues] == [
            ("$.rule.dedup_keys[1]", "unknown_field"),
            ("$.rule.group_by[0]", "unknown_field"),
            ("$.rule.message", "unknown_field"),
        ]
        good = make(dedup_keys=("claim_id",), group_by=("payer",), message="{balance} owed")
        assert compile_rule(good, schema).rule == good

    def test_inferring_schemas_leave_labels_alone(self) -> None:
        """Without a schema (or when inferring) the fields are whatever the facts carry."""
        rule = make(dedup_keys=("anything",), message="{whatever}")
        assert compile_rule(rule).rule == rule
        assert compile_rule(rule, {"balance": FieldType.NUMBER}, infer=True).rule == rule


class TestRuleSet:
    def test_duplicate_ids(self) -> None:
        """Rule ids are unique in a set."""
        with pytest.raises(ValidationError) as info:
            RuleSet(rules=(make(), make()))
        assert info.value.issues[0].path == "$.rules[1].id"

    def test_inhibition_must_reference_another_rule(self) -> None:
        """An inhibition names another rule of the set."""
        with pytest.raises(ValidationError, match="inhibiting rule 'ghost'"):
            RuleSet(rules=(make(inhibited_by=(Inhibition("ghost", ("payer",)),)),))
        with pytest.raises(ValidationError, match="inhibiting rule 'r'"):
            RuleSet(rules=(make(inhibited_by=(Inhibition("r", ()),)),))

    def test_compile_rules_under_a_schema_is_strict(self) -> None:
        """Under a schema compile_rules refuses a field the schema lacks; with none, it infers."""
        schema = {"balance": FieldType.NUMBER, "payer": FieldType.TEXT}
        rule_set = RuleSet(rules=(make(when="balance > 1 and payer == 'A'"),), schema=schema)
        (compiled,) = compile_rules(rule_set)
        assert compiled.schema == schema
        partial = RuleSet(
            rules=(make(when="balance > 1 and payer == 'A'"),), schema={"balance": FieldType.NUMBER}
        )
        with pytest.raises(ValidationError, match="rule 'r': unknown field 'payer'") as info:
            compile_rules(partial)
        assert info.value.issues[0].path == "$.rules[0].when"
        bad = RuleSet(rules=(make(when="balance == 'x'"),), schema={"balance": FieldType.NUMBER})
        with pytest.raises(ValidationError, match="rule 'r': cannot compare number with text"):
            compile_rules(bad)
        (inferred,) = compile_rules([make(when="balance > 1 and payer == 'A'")])
        assert inferred.schema == schema


class TestDefaults:
    def test_default_rules_compile(self) -> None:
        """The default rules compile against their schema, and every KPI rule reads KPI columns."""
        rule_set = default_rules()
        compiled = compile_rules(rule_set)
        kpi_columns = {"metric", "value", "defined", "numerator", "denominator", "tier"}
        for c in compiled:
            if c.rule.applies_to is FactKind.KPI_ROW:
                assert set(c.schema) <= kpi_columns
        ids = {c.rule.id: c for c in compiled}
        assert ids["write_off_over_limit"].rule.unknown_policy is OnUnknown.ESCALATE
        assert ids["payer_denial_rate"].rule.unknown_policy is OnUnknown.HOLD

    def test_limits_flow_into_conditions(self) -> None:
        """Custom limits appear in the conditions as written literals."""
        rule_set = default_rules(write_off_limit=2500, denial_rate_limit=6.5)
        whens = {r.id: r.when for r in rule_set.rules}
        assert whens["write_off_over_limit"].endswith("balance > 2500")
        assert whens["payer_denial_rate"].endswith("value > 6.5")

    def test_kpi_rule_on_scorecard_columns(self) -> None:
        """The denial-rate rule reads Scorecard.to_columns() shaped rows (percent scale, NaN undefined)."""
        (rule,) = [c for c in compile_rules(default_rules()) if c.rule.id == "payer_denial_rate"]
        columns = {
            "metric": np.array(["initial_denial_rate"] * 4 + ["days_in_ar"]),
            "payer": np.array(["(all)", "AETNA", "CIGNA", "HUMANA", "(all)"]),
            "value": np.array([9.1, 12.0, np.nan, 20.0, 50.0]),
            "defined": np.array([True, True, False, True, True]),
            "numerator": np.array([91.0, 6.0, 0.0, 2.0, 1.0]),
            "denominator": np.array([1000.0, 50.0, 0.0, 10.0, 1.0]),
            "tier": np.array(["driver"] * 5),
        }
        assert rule.evaluate_batch(columns).tolist() == [1, 1, 0, 0, 0]

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"write_off_limit": 0}, "'write_off_limit' must be > 0"),
            ({"min_claims": -1}, "'min_claims' must be >= 1"),
            ({"appeal_limit": True}, "'appeal_limit' must be a finite number"),
        ],
    )
    def test_bad_limits(self, kwargs: dict[str, Any], match: str) -> None:
        """Non-positive limits are rejected."""
        with pytest.raises(ValidationError, match=match):
            default_rules(**kwargs)

    def test_integer_limits(self) -> None:
        """Counts must be integers."""
        with pytest.raises(ValidationError, match="'min_claims' must be a whole number"):
            default_rules(min_claims=2.5)  # type: ignore[arg-type]
