"""Decision owners follow the amount at stake: ``Rule.amount``, ``Alert.amount`` and the directory."""

from __future__ import annotations

import datetime
import math
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm import serialize
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    Alert,
    FactKind,
    FieldType,
    Level,
    MappingDirectory,
    Owner,
    Rule,
    RuleFile,
    RuleSet,
    Rung,
    State,
    alert_groups,
    compile_rule,
    compile_rules,
    default_rules,
    step,
)
from comanaged_rcm.raci import ScopeSplit, co_managed_template

NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
SPLIT = co_managed_template()  # write_off: the onshore lead up to 5,000, the RCM director above
LEAD, CLIENT = "onshore_lead", "client_rcm_director"


def write_off(**kwargs: Any) -> Rule:
    fields: dict[str, Any] = {
        "id": "write_off_review",
        "when": "action == 'write_off'",
        "applies_to": FactKind.QUEUE_ITEM,
        "level": Level.PROVIDER_DECISION_OWNER,
        "owner": Owner.decision("write_off"),
        "dedup_keys": ("item_id",),
        "amount": "balance",
    }
    fields.update(kwargs)
    return Rule(**fields)


def items(balances: list[Any], *, objects: bool = False) -> dict[str, Any]:
    column = np.empty(len(balances), dtype=object) if objects else np.array(balances, dtype=float)
    if objects:
        column[:] = balances
    return {
        "item_id": np.array([f"Q{i}" for i in range(len(balances))]),
        "action": np.array(["write_off"] * len(balances)),
        "balance": column,
    }


def owners(
    balances: list[Any], split: Any = SPLIT, *, objects: bool = False, **kwargs: Any
) -> list[str | None]:
    state, _ = step([write_off(**kwargs)], State(), items(balances, objects=objects), NOW, directory=split)
    by_item = {a.labels["item_id"]: a for a in state.alerts.values()}
    return [by_item[f"Q{i}"].owner for i in range(len(balances))]


class TestThreshold:
    def test_each_side_of_the_threshold(self) -> None:
        """At the threshold the delegate decides; a cent above, the client holder."""
        assert owners([5000.0, 5000.01, 4999.99, 0.0]) == [LEAD, CLIENT, LEAD, LEAD]

    def test_unknown_amounts_fail_closed(self) -> None:
        """NaN, negative and infinite amounts resolve as unknown: the client holder."""
        assert owners([math.nan, -0.01, math.inf, 10.0]) == [CLIENT, CLIENT, CLIENT, LEAD]

    def test_missing_and_text_cells_fail_closed(self) -> None:
        """None and a text cell in an object column are not amounts: the client holder."""
        assert owners([None, "12", 12, 12.5], objects=True) == [CLIENT, CLIENT, LEAD, LEAD]

    def test_cap_below_threshold(self) -> None:
        """A delegation cap below the threshold bounds the delegate: above the cap, the client."""
        capped = attrs.evolve(SPLIT, delegation_caps={"write_off": 1000.0})
        assert owners([1000.0, 1000.01, 4000.0], capped) == [LEAD, CLIENT, CLIENT]

    def test_without_amount_the_holder_decides(self) -> None:
        """A rule naming no amount resolves the holder, as an unknown amount does."""
        assert owners([10.0, 6000.0], amount=None) == [CLIENT, CLIENT]

    def test_alert_keeps_its_amount(self) -> None:
        state, _ = step([write_off()], State(), items([5000.0, math.nan]), NOW, directory=SPLIT)
        amounts = {a.labels["item_id"]: a.amount for a in state.alerts.values()}
        assert amounts == {"Q0": 5000.0, "Q1": None}
        state, _ = step([write_off(amount=None)], State(), items([5000.0]), NOW, directory=SPLIT)
        assert [a.amount for a in state.alerts.values()] == [None]


@given(st.lists(st.floats(min_value=-10.0, max_value=20_000.0) | st.just(math.nan), min_size=1, max_size=30))
def test_batch_matches_each_record_alone(balances: list[float]) -> None:
    """The owners of a batch are those of each record stepped alone and of the split asked directly."""
    batch = owners(balances)
    alone = [owners([balance])[0] for balance in balances]
    direct = [
        SPLIT.decision_holder("write_off", b if math.isfinite(b) and b >= 0 else None) for b in balances
    ]
    assert batch == alone == direct


class TestCurrentAmount:
    def test_the_latest_firing_evaluation_sets_the_amount(self) -> None:
        state, _ = step([write_off()], State(), items([6000.0]), NOW, directory=SPLIT)
        later = NOW + datetime.timedelta(days=1)
        state, events = step([write_off()], state, items([7000.0]), later, directory=SPLIT)
        (alert,) = state.alerts.values()
        assert alert.amount == 7000.0
        assert alert.owner == CLIENT
        assert events == ()  # still firing on the same rung: no event

    def test_a_climb_resolves_with_the_current_amount(self) -> None:
        """The ladder's decision rung is resolved with the amount when the alert climbs."""
        rule = write_off(
            level=Level.ONSHORE_LEAD,
            owner=Owner.party("specialist"),
            escalate_after=1,
            ladder=(Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("write_off")),),
        )
        state, _ = step([rule], State(), items([9000.0]), NOW, directory=SPLIT)
        assert [a.owner for a in state.alerts.values()] == ["specialist"]
        later = NOW + datetime.timedelta(days=3)
        state, events = step([rule], state, items([3000.0]), later, directory=SPLIT)
        (alert,) = state.alerts.values()
        assert (alert.rung, alert.owner, alert.amount) == (1, LEAD, 3000.0)
        assert events[0].reason.endswith(
            " -> the decision owner for 'write_off' at balance = 3,000 (provider_decision_owner)"
        )


class TestExplained:
    def test_reason_and_inputs_name_the_amount(self) -> None:
        """The condition does not read the balance; the event's inputs and reason still show it."""
        _, events = step([write_off()], State(), items([5000.0]), NOW, directory=SPLIT)
        (event,) = events
        assert event.inputs == {"action": '"write_off"', "balance": "5000.0"}
        assert event.reason == (
            "met: action == 'write_off' (action = 'write_off')"
            " -> the decision owner for 'write_off' at balance = 5,000 (provider_decision_owner)"
        )
        assert event.owner == LEAD

    def test_a_missing_amount_is_shown_missing(self) -> None:
        _, events = step([write_off()], State(), items([math.nan]), NOW, directory=SPLIT)
        assert events[0].inputs["balance"] == "null"
        assert events[0].reason.endswith("at balance = missing (provider_decision_owner)")
        assert events[0].owner == CLIENT


class TestChecked:
    def test_amount_must_be_a_field_name(self) -> None:
        for bad in ("_private", "today", "1x", 5):
            with pytest.raises(ValidationError, match=r"\$\.amount"):
                write_off(amount=bad)

    def test_compile_refuses_a_non_number_amount(self) -> None:
        schema = {"action": FieldType.TEXT, "balance": FieldType.TEXT, "item_id": FieldType.TEXT}
        with pytest.raises(
            ValidationError, match=r"must be a number field \('balance' is text\) @ \$\.rule\.amount"
        ):
            compile_rule(write_off(), schema)
        compile_rule(write_off(), {**schema, "balance": FieldType.NUMBER})

    def test_compile_refuses_an_amount_the_schema_lacks(self) -> None:
        schema = {"action": FieldType.TEXT, "item_id": FieldType.TEXT}
        with pytest.raises(ValidationError, match=r"'balance' is not in the fact schema @ \$\.rule\.amount"):
            compile_rule(write_off(), schema)
        with pytest.raises(ValidationError, match=r"@ \$\.rules\[0\]\.amount"):
            compile_rules(RuleSet(rules=[write_off()], schema=schema))

    def test_compile_refuses_an_amount_the_rule_reads_as_text(self) -> None:
        with pytest.raises(ValidationError, match=r"\$\.rule\.amount"):
            compile_rule(write_off(when="balance == 'x'"))

    def test_step_refuses_a_missing_amount_column(self) -> None:
        facts = items([10.0])
        del facts["balance"]
        with pytest.raises(ValidationError, match=r"amount field 'balance'.*@ \$\.facts\.balance"):
            step([write_off()], State(), facts, NOW, directory=SPLIT)

    def test_step_refuses_a_text_amount_column(self) -> None:
        facts = {**items([10.0]), "balance": np.array(["10"])}
        with pytest.raises(ValidationError, match=r"holds text, not numbers @ \$\.facts\.balance"):
            step([write_off()], State(), facts, NOW, directory=SPLIT)

    def test_an_empty_snapshot_needs_no_amount_column(self) -> None:
        facts = {"item_id": np.array([], dtype=str), "action": np.array([], dtype=str)}
        assert step([write_off()], State(), facts, NOW, directory=SPLIT) == (State(), ())


class OldDirectory:
    """A host's directory from before amounts: ``decision_holder`` takes the decision alone."""

    def accountable_for(self, workflow: str) -> str | None:
        return f"acc:{workflow}"

    def decision_holder(self, decision: str) -> str | None:
        return f"dec:{decision}"


class TestOldDirectory:
    def test_serves_rules_without_amount(self) -> None:
        state, _ = step([write_off(amount=None)], State(), items([10.0]), NOW, directory=OldDirectory())
        assert [a.owner for a in state.alerts.values()] == ["dec:write_off"]

    def test_serves_amount_rules_without_a_decision_owner(self) -> None:
        rule = write_off(owner=Owner.accountable("denials"), level=Level.ONSHORE_LEAD)
        state, _ = step([rule], State(), items([10.0]), NOW, directory=OldDirectory())
        assert [(a.owner, a.amount) for a in state.alerts.values()] == [("acc:denials", 10.0)]

    def test_refused_for_a_rule_routing_by_amount(self) -> None:
        with pytest.raises(
            ValidationError,
            match=r"rule 'write_off_review' resolves decision owners by the amount at stake, but"
            r" OldDirectory\.decision_holder\(\) takes no 'amount' argument .* @ \$\.directory",
        ):
            step([write_off()], State(), items([10.0]), NOW, directory=OldDirectory())

    def test_refused_for_a_ladder_rung_routing_by_amount(self) -> None:
        rule = write_off(
            owner=Owner.party("x"),
            ladder=(Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("write_off")),),
        )
        with pytest.raises(ValidationError, match=r"\$\.directory"):
            step([rule], State(), items([10.0]), NOW, directory=OldDirectory())

    def test_mapping_directory_takes_the_amount(self) -> None:
        directory = MappingDirectory(decisions={"write_off": "cfo"})
        assert directory.decision_holder("write_off", 10.0) == directory.decision_holder("write_off") == "cfo"
        for bad in (-1.0, math.nan, "10"):
            with pytest.raises(ValidationError, match=r"\$\.amount"):
                directory.decision_holder("write_off", bad)  # type: ignore[arg-type]
        state, _ = step([write_off()], State(), items([10.0]), NOW, directory=directory)
        assert [a.owner for a in state.alerts.values()] == ["cfo"]


class TestRoundTrips:
    def test_rule_json(self) -> None:
        rule = write_off()
        assert serialize.from_json(serialize.to_json(rule), Rule) == rule
        assert rule.content_hash() != write_off(amount=None).content_hash()
        data = serialize.to_dict(write_off(amount=None))
        del data["amount"]  # a rule stored before the field existed
        assert serialize.from_dict(data, Rule) == write_off(amount=None)

    def test_state_json_and_an_old_state(self) -> None:
        state, _ = step([write_off()], State(), items([5000.0, math.nan]), NOW, directory=SPLIT)
        assert serialize.from_json(serialize.to_json(state), State) == state
        data = serialize.to_dict(state)
        for alert in data["alerts"].values():
            del alert["amount"]
        old = serialize.from_dict(data, State)
        assert [a.amount for a in old.alerts.values()] == [None, None]

    def test_alert_amount_is_checked(self) -> None:
        state, _ = step([write_off()], State(), items([5000.0]), NOW, directory=SPLIT)
        (alert,) = state.alerts.values()
        fields = {f.name: getattr(alert, f.name) for f in attrs.fields(Alert)}
        for bad in (-1.0, math.nan, "5"):
            with pytest.raises(ValidationError, match=r"\$\.amount"):
                Alert(**{**fields, "amount": bad})

    def test_rule_file(self) -> None:
        rules = RuleFile.from_rule_set(RuleSet(rules=[write_off()]))
        document = rules.to_dict()
        written = document["groups"][0]["rules"][0]
        assert list(written) == ["alert", "expr", "labels", "amount"]
        assert written["amount"] == "balance"
        again = RuleFile.from_dict(document)
        assert again.rule_set.rules[0].amount == "balance"
        assert RuleFile.loads(rules.dumps()).rule_set == rules.rule_set
        plain = RuleFile.from_rule_set(RuleSet(rules=[write_off(amount=None)])).to_dict()
        assert "amount" not in plain["groups"][0]["rules"][0]

    def test_rule_file_refuses_a_bad_amount(self) -> None:
        document = RuleFile.from_rule_set(RuleSet(rules=[write_off()])).to_dict()
        for bad, message in ((5, "a field name"), ("1x", "amount")):
            document["groups"][0]["rules"][0]["amount"] = bad
            with pytest.raises(ValidationError, match=rf"{message}.* @ \$\.groups\[0\]\.rules\[0\]\.amount"):
                RuleFile.from_dict(document)


class TestGrouping:
    def test_groups_sum_each_rules_amount_by_default(self) -> None:
        state, events = step([write_off()], State(), items([5000.0, 2500.5, math.nan]), NOW, directory=SPLIT)
        grouping = alert_groups(state, NOW, rules=[write_off()])
        assert grouping.amount == "balance"
        by_owner = {g.labels["owner"]: (g.count, g.amount, g.amount_alerts) for g in grouping.groups}
        assert by_owner == {LEAD: (2, 7500.5, 2), CLIENT: (1, None, 0)}
        named = alert_groups(state, NOW, rules=[write_off()], events=events, amount="balance")
        assert [(g.amount, g.amount_alerts) for g in named.groups] == [
            (g.amount, g.amount_alerts) for g in grouping.groups
        ]

    def test_no_amount_without_rules_naming_one(self) -> None:
        state, _ = step([write_off(amount=None)], State(), items([5000.0]), NOW, directory=SPLIT)
        grouping = alert_groups(state, NOW, rules=[write_off(amount=None)])
        assert grouping.amount is None
        assert [g.amount for g in grouping.groups] == [None]

    def test_rules_naming_different_fields(self) -> None:
        other = write_off(id="other", amount="value")
        facts = {**items([10.0]), "value": np.array([3.0])}
        state, _ = step([write_off(), other], State(), facts, NOW, directory=SPLIT)
        grouping = alert_groups(state, NOW, rules=[write_off(), other])
        assert grouping.amount == "amount"
        assert sorted(g.amount for g in grouping.groups if g.amount is not None) == [3.0, 10.0]


def test_default_write_off_rule_routes_by_balance() -> None:
    """The default rule fires above its limit; a split delegating more routes by the balance."""
    rule = next(r for r in default_rules(write_off_limit=1000).rules if r.id == "write_off_over_limit")
    assert rule.amount == "balance"
    facts = {**items([1200.0, 6000.0]), "claim_id": np.array(["C1", "C2"]), "payer": np.array(["A", "B"])}
    state, _ = step([rule], State(), facts, NOW, directory=SPLIT)
    assert sorted((a.labels["item_id"], a.owner) for a in state.alerts.values()) == [
        ("Q0", LEAD),
        ("Q1", CLIENT),
    ]
    assert isinstance(SPLIT, ScopeSplit)


class CallRecorder:
    """A directory that says how it was asked: with an amount, or without one."""

    def accountable_for(self, workflow: str) -> str | None:
        return f"acc:{workflow}"

    def decision_holder(self, decision: str, *args: Any, **options: Any) -> str | None:
        return f"{decision}:{'asked' if args or options else 'plain'}"


def test_a_rung_shared_by_two_rules_is_asked_as_each_rule_routes() -> None:
    """One Rung object in two ladders: the rule with an amount asks with it, the other without."""
    rung = Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("write_off"))
    first = Rung(level=Level.ONSHORE_LEAD, owner=Owner.party("x"), escalate_after=1)
    by_amount = write_off(ladder=(rung,), level=first.level, owner=first.owner, escalate_after=1)
    plain = write_off(
        id="plain", amount=None, ladder=(rung,), level=first.level, owner=first.owner, escalate_after=1
    )
    facts = items([math.nan])
    state, _ = step([by_amount, plain], State(), facts, NOW, directory=CallRecorder())
    later = NOW + datetime.timedelta(days=3)
    state, _ = step([by_amount, plain], state, facts, later, directory=CallRecorder())
    assert sorted((a.rule, a.owner) for a in state.alerts.values()) == [
        ("plain", "write_off:plain"),
        ("write_off_review", "write_off:asked"),
    ]
