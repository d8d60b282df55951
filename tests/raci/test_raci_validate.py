from __future__ import annotations

import datetime
from collections.abc import Callable

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.findings import Finding, Severity
from comanaged_rcm.raci import (
    DACI,
    RACI,
    RASCI,
    RULES,
    Activity,
    ActivityKind,
    Assignment,
    DecisionRight,
    EscalationEdge,
    Letter,
    Limits,
    Party,
    PartyKind,
    Permission,
    Role,
    Scheme,
    ScopeSplit,
    System,
    co_managed_template,
    raise_for_findings,
    validate,
)
from tests.raci.strategies import (
    GRANT_MUTATIONS,
    MUTATIONS,
    add_party,
    drop_grant,
    grant,
    set_cell,
    set_grant,
    set_right,
    valid_splits,
)

T = co_managed_template()


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def only(split: ScopeSplit, rule: str) -> list[Finding]:
    """Validate and check that every finding is of ``rule``; return them."""
    found = validate(split)
    assert found, f"expected {rule}, found nothing"
    assert rules(found) == {rule}, [str(f) for f in found]
    assert all(f.severity is RULES[rule][0] for f in found)
    return found


def _remove_edge(split: ScopeSplit, source: str, target: str) -> ScopeSplit:
    return attrs.evolve(
        split, escalations=tuple(e for e in split.escalations if (e.source, e.target) != (source, target))
    )


def _new_clients(split: ScopeSplit, *names: str) -> ScopeSplit:
    for name in names:
        split = add_party(split, name)
    return split


def _consult_many(split: ScopeSplit) -> ScopeSplit:
    split = _new_clients(split, "c1", "c2", "c3", "c4")
    for name in ("c1", "c2", "c3", "c4"):
        split = set_cell(split, "ar_follow_up.work", name, "C")
    return split


def _three_responsible(split: ScopeSplit) -> ScopeSplit:
    split = set_cell(_new_clients(split, "clerk"), "patient_statements.placement", "clerk", "R")
    return set_cell(split, "patient_statements.placement", "client_staff", "R")


# One mutation of the template per rule, each breaking that rule only.
SINGLE: dict[str, Callable[[ScopeSplit], ScopeSplit]] = {
    "RACI-001": lambda s: set_cell(s, "eligibility.verify", "onshore_lead", ""),
    "RACI-002": lambda s: set_cell(s, "eligibility.qa", "onshore_lead", "A"),
    "RACI-003": lambda s: set_cell(s, "denials.work", "ghost", "I"),
    "RACI-004": lambda s: attrs.evolve(s, out_of_scope={"coding"}),
    "RACI-005": lambda s: set_cell(s, "eligibility.verify", "client_staff", "CI"),
    "RACI-006": lambda s: set_cell(s, "coding.code", "automation", "C"),
    "RACI-007": lambda s: set_right(s, "refund", holder="onshore_lead"),
    "RACI-008": lambda s: set_cell(s, "credit_balances.research", "onshore_lead", "AR"),
    "RACI-009": lambda s: _remove_edge(s, "onshore_lead", "client_rcm_director"),
    "RACI-010": lambda s: set_cell(s, "coding.audit", "offshore_pod", "C"),
    "RACI-011": lambda s: set_grant(s, "offshore_pod", "ehr", identity="ehr:onshore_lead"),
    "RACI-012": lambda s: attrs.evolve(s, grants=(*s.grants, grant("client_cfo", "clearinghouse"))),
    "RACI-013": _consult_many,
    "RACI-014": _three_responsible,
    "RACI-015": lambda s: add_party(s, "idle_clerk"),
    "RACI-016": lambda s: set_cell(s, "denials.work", "client_staff", ""),
    "RACI-017": lambda s: set_right(s, "write_off", threshold=10000.01),
    "RACI-018": lambda s: attrs.evolve(s, delegation_caps={"appeal_strategy": 25000.0}),
}


class TestTemplate:
    def test_template_is_clean(self) -> None:
        """The template has no findings at all, errors or warnings."""
        assert validate(T) == []

    def test_every_rule_has_a_single_mutation(self) -> None:
        """Each of the eighteen rules has its template mutation below."""
        assert sorted(SINGLE) == sorted(RULES)
        assert len(RULES) == 18

    @pytest.mark.parametrize("rule", sorted(SINGLE))
    def test_single_mutation_breaks_exactly_its_rule(self, rule: str) -> None:
        """Breaking one rule in the template finds that rule and nothing else."""
        only(SINGLE[rule](T), rule)

    def test_all_mutations_at_once_find_every_rule(self) -> None:
        """The validator never stops at the first finding: all eighteen rules at once."""
        split = T
        for rule in ("RACI-001", "RACI-002", "RACI-004", "RACI-006", "RACI-007", "RACI-011", "RACI-016"):
            split = SINGLE[rule](split)
        split = set_right(split, "appeal_strategy", threshold=25000.01)  # RACI-017
        split = attrs.evolve(split, delegation_caps={"appeal_strategy": 25000.0})  # RACI-018 (write_off)
        for rule in ("RACI-003", "RACI-005", "RACI-008", "RACI-009", "RACI-010", "RACI-012", "RACI-015"):
            split = SINGLE[rule](split)
        split = _three_responsible(_consult_many(split))
        assert rules(validate(split)) == set(RULES)

    def test_findings_come_rule_by_rule(self) -> None:
        """Findings are ordered by rule id."""
        split = SINGLE["RACI-016"](SINGLE["RACI-001"](SINGLE["RACI-012"](T)))
        assert [f.rule for f in validate(split)] == ["RACI-001", "RACI-012", "RACI-016"]


class TestAccountable:
    def test_gap_and_conflict_paths(self) -> None:
        """0 Accountable is a gap, 2 a conflict; the path is the activity's."""
        (gap,) = only(SINGLE["RACI-001"](T), "RACI-001")
        assert gap.path == "$.activities[0]"
        assert "0 Accountable (A)" in gap.message
        split = set_cell(add_party(T, "second"), "eligibility.verify", "second", "A")
        (conflict,) = only(split, "RACI-001")
        assert "2 Accountable (A): onshore_lead, second; need exactly 1" in conflict.message

    def test_scheme_bounds(self) -> None:
        """A scheme's bounds on any letter apply (DACI: exactly one Driver)."""
        assert "RACI-003" in rules(validate(attrs.evolve(T, scheme=DACI)))  # R is not a DACI letter
        cells = tuple(
            Assignment(c.activity, c.party, frozenset("D" if x == "R" else x for x in c.letters))
            for c in T.assignments
        )
        found = validate(attrs.evolve(T, scheme=DACI, assignments=cells))
        assert {"RACI-001", "RACI-005"} <= rules(found)
        assert "'eligibility.verify' has 2 Driver (D): automation, offshore_pod; need exactly 1" in [
            f.message for f in found
        ]

    def test_custom_bounds(self) -> None:
        """Bounds of a custom scheme read as 'at least' or 'between' in the message."""
        letters = (
            *RACI.letters[:2],
            Letter(letter="C", name="Consulted", role=Role.CONSULTED, min=1, max=2),
            Letter(letter="I", name="Informed", role=Role.INFORMED, min=2),
        )
        scheme = Scheme(name="STRICT", letters=letters, combinations=RACI.combinations)
        messages = [f.message for f in validate(attrs.evolve(T, scheme=scheme)) if f.rule == "RACI-001"]
        assert "'eligibility.verify' has 0 Consulted (C); need between 1 and 2" in messages
        assert "'eligibility.verify' has 1 Informed (I): client_staff; need at least 2" in messages

    def test_rasci_accepts_raci_cells(self) -> None:
        """RASCI is a superset of RACI: the template is valid under it too."""
        assert validate(attrs.evolve(T, scheme=RASCI)) == []

    def test_out_of_scope_activities_are_not_counted(self) -> None:
        """An out-of-scope workflow's activities need no owners."""
        split = attrs.evolve(
            T,
            in_scope=T.in_scope - {"coding"},
            out_of_scope={"coding"},
            assignments=tuple(c for c in T.assignments if not c.activity.startswith("coding.")),
        )
        assert "RACI-001" not in rules(validate(split))


class TestReferences:
    def test_duplicate_ids_and_cells(self) -> None:
        """Duplicate party, system, activity ids and duplicate cells are each reported."""
        split = attrs.evolve(
            T,
            parties=(*T.parties, T.parties[0]),
            systems=(*T.systems, T.systems[0]),
            activities=(*T.activities, T.activities[0]),
            assignments=(*T.assignments, T.assignments[0]),
        )
        found = only(split, "RACI-003")
        paths = [f.path for f in found]
        assert "$.parties[6].id" in paths
        assert "$.systems[6].id" in paths
        assert "$.activities[26].id" in paths
        assert f"$.assignments[{len(T.assignments)}]" in paths

    def test_undeclared_everything(self) -> None:
        """Unknown workflow, system, activity, party, letters, holders and grant ids are reported."""
        split = attrs.evolve(
            T,
            activities=(
                *T.activities,
                Activity(id="x.y", workflow="nowhere", name="X", kind=ActivityKind.REPORT, systems={"fax"}),
            ),
            assignments=(
                *T.assignments,
                Assignment("missing", "onshore_lead", "I"),
                Assignment("denials.work", "client_cfo", "Z"),
            ),
            rights=(*T.rights, T.rights[0]),
            grants=(*T.grants, grant("ghost", "fax", granted_by="nobody")),
            escalations=(*T.escalations, EscalationEdge("ghost", "phantom", "")),
        )
        split = set_right(split, "refund", delegate="phantom", threshold=100.0)
        messages = {f.path: f.message for f in validate(split) if f.rule == "RACI-003"}
        assert messages["$.activities[26].workflow"] == "'nowhere' is not a catalogue workflow"
        assert messages["$.activities[26].systems"] == "undeclared system 'fax'"
        n = len(T.assignments)
        assert messages[f"$.assignments[{n}].activity"] == "undeclared activity 'missing'"
        assert "not in the RACI scheme" in messages[f"$.assignments[{n + 1}].letters"]
        assert messages["$.rights[8].decision"] == "duplicate right for 'write_off'"
        assert messages["$.rights[1].delegate"] == "undeclared party 'phantom'"
        assert messages["$.grants[18].party"] == "undeclared party 'ghost'"
        assert messages["$.grants[18].system"] == "undeclared system 'fax'"
        assert messages["$.grants[18].granted_by"] == "undeclared party 'nobody'"
        assert messages["$.escalations[5].source"] == "undeclared party 'ghost'"
        assert messages["$.escalations[5].target"] == "undeclared party 'phantom'"

    def test_duplicate_grant(self) -> None:
        """Two grants of one system to one party must be merged."""
        (found,) = only(attrs.evolve(T, grants=(*T.grants, T.grants[0])), "RACI-003")
        assert found.path == "$.grants[18]"


class TestScope:
    def test_unplaced_unknown_and_empty(self) -> None:
        """A workflow neither in nor out, an unknown id, an in-scope workflow with no activities."""
        split = attrs.evolve(T, in_scope=(T.in_scope - {"coding"}) | {"telehealth"})
        messages = [f.message for f in only(split, "RACI-004")]
        assert "'coding' (Coding) is neither in nor out of scope" in messages
        assert "'telehealth' is not a catalogue workflow" in messages
        empty = attrs.evolve(
            T,
            activities=tuple(a for a in T.activities if a.workflow != "coding"),
            assignments=tuple(c for c in T.assignments if not c.activity.startswith("coding.")),
        )
        (found,) = only(empty, "RACI-004")
        assert found.message == "in-scope workflow 'coding' has no activities"


class TestHumansAndRights:
    def test_empty_cell_is_not_legal(self) -> None:
        """A cell with no letters is not a legal combination."""
        split = attrs.evolve(
            T, assignments=(*T.assignments, Assignment("denials.work", "client_cfo", frozenset()))
        )
        (found,) = only(split, "RACI-005")
        assert found.message.startswith("an empty cell is not a legal RACI cell")

    def test_automation_cannot_decide_or_hold_rights(self) -> None:
        """Automation may not be R on a DECIDE activity, nor hold or be delegated a decision."""
        split = set_cell(T, "ar_follow_up.escalate", "automation", "R")
        (found,) = only(split, "RACI-006")
        assert "cannot decide" in found.message
        split = set_right(T, "payer_escalation", delegate="automation", threshold=100.0)
        (found,) = only(split, "RACI-006")
        assert found.path == "$.rights[3].delegate"

    def test_missing_and_delegated_rights(self) -> None:
        """A reserved decision with no right, unbounded and non-delegable delegations are RACI-007."""
        missing = attrs.evolve(T, rights=T.rights[1:])
        (found,) = only(missing, "RACI-007")
        assert found.path == "$.rights"
        assert "'write_off'" in found.message
        unbounded = set_right(T, "refund", delegate="onshore_lead")
        (found,) = only(unbounded, "RACI-007")
        assert found.path == "$.rights[1].threshold"
        fixed = set_right(T, "coding_policy", delegate="onshore_lead", threshold=10.0)
        (found,) = only(fixed, "RACI-007")
        assert found.path == "$.rights[5].delegate"

    def test_partner_does_not_decide(self) -> None:
        """The partner is not Accountable for a reserved decision, nor decides it without delegation."""
        accountable = set_cell(
            set_cell(T, "ar_follow_up.escalate", "onshore_lead", "A"),
            "ar_follow_up.escalate",
            "client_rcm_director",
            "R",
        )
        (found,) = only(accountable, "RACI-007")
        assert "Accountable for client-reserved decision 'payer_escalation'" in found.message
        undelegated = set_right(T, "appeal_strategy", delegate=None, threshold=None)
        (found,) = only(undelegated, "RACI-007")
        assert "decides 'appeal_strategy'" in found.message

    def test_other_rights_are_unchecked(self) -> None:
        """A right for a decision outside the reserved list may be held and delegated by the partner."""
        right = DecisionRight(
            decision="triage_order", holder="onshore_lead", delegate="offshore_pod", threshold=100.0
        )
        assert validate(attrs.evolve(T, rights=(*T.rights, right))) == []

    def test_out_of_catalogue_decisions_are_free(self) -> None:
        """A decision outside the reserved list may be held by anyone human."""
        split = attrs.evolve(
            T,
            activities=(
                *T.activities,
                Activity(
                    id="denials.triage",
                    workflow="denials",
                    name="Triage",
                    kind=ActivityKind.DECIDE,
                    decision="triage_order",
                ),
            ),
            assignments=(
                *T.assignments,
                Assignment("denials.triage", "offshore_pod", "R"),
                Assignment("denials.triage", "onshore_lead", "A"),
                Assignment("denials.triage", "client_staff", "I"),
            ),
        )
        assert validate(split) == []


class TestSeparationOfDuties:
    def test_poster_approving(self) -> None:
        """Whoever posts payments neither approves write-offs nor holds the adjusting rights."""
        delegated = set_right(T, "write_off", delegate="offshore_pod")
        (found,) = only(delegated, "RACI-008")
        assert found.path == "$.rights[0].delegate"
        approving = set_cell(T, "write_off_approval.approve", "offshore_pod", "R")
        both = validate(approving)
        assert rules(both) == {"RACI-007", "RACI-008"}
        assert "posts payments and approves adjustments" in next(
            f.message for f in both if f.rule == "RACI-008"
        )


class TestEscalation:
    def test_cycle(self) -> None:
        """An escalation loop is one finding naming the loop."""
        split = attrs.evolve(
            T, escalations=(*T.escalations, EscalationEdge("client_cfo", "automation", "loop"))
        )
        (found,) = only(split, "RACI-009")
        assert found.path == "$.escalations[0]"
        assert (
            "automation -> client_cfo -> client_rcm_director -> offshore_pod -> onshore_lead -> automation"
            in (found.message)
        )

    def test_dead_end_and_no_path(self) -> None:
        """A path ending at the partner, and a working partner party with no path at all."""
        (found,) = only(SINGLE["RACI-009"](T), "RACI-009")
        assert found.path == "$.escalations[1].target"
        assert "escalations stop at 'onshore_lead'" in found.message
        (found,) = only(_remove_edge(T, "automation", "offshore_pod"), "RACI-009")
        assert found.path == "$.parties[5]"
        assert "'automation' does in-scope work but has no escalation path" in found.message


class TestAccess:
    def test_missing_grant(self) -> None:
        """Each system a Responsible party needs without a usable grant is one finding."""
        assert len(only(drop_grant(T, "offshore_pod", "clearinghouse"), "RACI-010")) == 4
        denied = set_grant(
            T,
            "client_rcm_director",
            "pm_system",
            permissions={Permission.VIEW},
            denied={Permission.APPROVE, Permission.ADJUST},
        )
        assert validate(denied) == []
        useless = set_grant(T, "client_rcm_director", "pm_system", permissions=frozenset())
        (found,) = only(useless, "RACI-010")
        assert "holds no grant on 'pm_system'" in found.message

    def test_offshore_onshore_only_system(self) -> None:
        """Offshore parties get no access to onshore-only systems."""
        split = attrs.evolve(T, grants=(*T.grants, grant("offshore_pod", "bank_portal")))
        found = validate(split)
        assert rules(found) == {"RACI-010", "RACI-012"}

    def test_identity_hygiene(self) -> None:
        """Grant and deny of one permission, a partner granting access, an overdue review."""
        overlap = set_grant(T, "onshore_lead", "ehr", denied={Permission.VIEW})
        found = validate(overlap)
        assert "RACI-011" in rules(found)
        partner = set_grant(T, "offshore_pod", "ehr", granted_by="onshore_lead")
        (found_one,) = only(partner, "RACI-011")
        assert "provider-administered" in found_one.message
        overdue = set_grant(T, "offshore_pod", "ehr", review_by=datetime.date(2025, 12, 1))
        (found_one,) = only(overdue, "RACI-011")
        assert found_one.path.endswith(".review_by")

    def test_never_reviewed_is_allowed(self) -> None:
        """A grant without a review date is not an error."""
        assert validate(set_grant(T, "offshore_pod", "ehr", review_by=None)) == []


class TestWarnings:
    def test_overload(self) -> None:
        """A party Responsible or Accountable on more activities than the limit is overloaded."""
        found = validate(T, limits=Limits(max_load=10))
        assert rules(found) == {"RACI-015"}
        assert any("'onshore_lead' is Responsible or Accountable on" in f.message for f in found)

    def test_limits_are_checked(self) -> None:
        """Limits must be positive integers."""
        with pytest.raises(ValidationError, match="max_load"):
            Limits(max_load=0)

    def test_warnings_do_not_raise(self) -> None:
        """raise_for_findings ignores warnings and raises all errors in one ValidationError."""
        raise_for_findings(validate(SINGLE["RACI-016"](T)))
        split = SINGLE["RACI-001"](SINGLE["RACI-002"](T))
        with pytest.raises(ValidationError) as info:
            raise_for_findings(validate(split))
        assert [i.code for i in info.value.issues] == ["RACI-001", "RACI-002"]


class TestProperties:
    @settings(max_examples=60, deadline=None)
    @given(valid_splits())
    def test_random_valid_splits_stay_valid(self, split: ScopeSplit) -> None:
        """Randomly generated splits built by the rules have no findings."""
        assert validate(split) == []

    @settings(max_examples=80, deadline=None)
    @given(valid_splits(), st.sampled_from(sorted(MUTATIONS)), st.data())
    def test_each_mutation_yields_its_rule(self, split: ScopeSplit, rule: str, data: st.DataObject) -> None:
        """A single mutation of a valid split finds exactly the mutated rule."""
        only(MUTATIONS[rule](split, data.draw), rule)

    @settings(max_examples=30, deadline=None)
    @given(valid_splits().filter(lambda s: bool(s.grants)), st.data())
    def test_grant_mutation(self, split: ScopeSplit, data: st.DataObject) -> None:
        """Granting and denying the same permissions is RACI-011 alone."""
        only(GRANT_MUTATIONS["RACI-011"](split, data.draw), "RACI-011")

    @settings(max_examples=30, deadline=None)
    @given(st.sampled_from(sorted(SINGLE)))
    def test_template_mutations(self, rule: str) -> None:
        """The template mutations, drawn in any order, each find their rule."""
        only(SINGLE[rule](T), rule)


class TestValidatorEdges:
    def test_cells_of_undeclared_ids_are_skipped(self) -> None:
        """A cell naming an unknown party does not count towards the activity's letters."""
        split = set_cell(T, "eligibility.verify", "onshore_lead", "")
        split = attrs.evolve(
            split, assignments=(*split.assignments, Assignment("eligibility.verify", "ghost", "A"))
        )
        assert rules(validate(split)) == {"RACI-001", "RACI-003"}

    def test_party_and_system_fixtures(self) -> None:
        """Parties and systems added without use are idle or unneeded, not errors."""
        split = attrs.evolve(T, systems=(*T.systems, System("fax", "Fax")))
        assert validate(split) == []
        bot = attrs.evolve(T, parties=(*T.parties, Party("bot2", "Bot", PartyKind.AUTOMATION)))
        assert rules(validate(bot)) == {"RACI-015"}

    def test_severity_table(self) -> None:
        """RACI-001..011 and 017 are errors, RACI-012..016 and 018 warnings."""
        errors, warnings = [Severity.ERROR], [Severity.WARNING]
        assert [RULES[r][0] for r in sorted(RULES)] == errors * 11 + warnings * 5 + errors + warnings


class TestValidateArguments:
    def test_wrong_types_are_validation_errors(self) -> None:
        """A non-split or non-Limits argument is named, not an AttributeError from inside."""
        with pytest.raises(ValidationError, match="'split' must be a ScopeSplit") as info:
            validate("split.json")  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.split"
        with pytest.raises(ValidationError, match=r"'limits' must be a Limits") as info:
            validate(co_managed_template(), limits="x")  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.limits"


class TestDelegationCaps:
    def test_a_threshold_at_the_cap_is_clean(self) -> None:
        """A delegation exactly at the cap passes; a cent above is RACI-017 at the right's threshold."""
        assert validate(set_right(T, "write_off", threshold=10000.0)) == []
        (found,) = only(set_right(T, "write_off", threshold=10000.01), "RACI-017")
        assert str(found) == (
            "RACI-017 error: 'write_off' is delegated to 'onshore_lead' up to $10,000.01, above the cap of "
            "$10,000.00: lower the threshold or raise delegation_caps['write_off'] @ $.rights[0].threshold"
        )

    def test_the_issue_example_is_refused(self) -> None:
        """A write-off right delegated to the onshore lead up to $10,000,000 no longer passes clean."""
        (found,) = only(set_right(T, "write_off", threshold=10_000_000.0), "RACI-017")
        assert found.path == "$.rights[0].threshold"
        assert "up to $10,000,000.00, above the cap of $10,000.00" in found.message

    def test_a_zero_cap_refuses_any_positive_threshold(self) -> None:
        """A cap of 0 allows a threshold of 0 only."""
        capped = attrs.evolve(T, delegation_caps={**T.delegation_caps, "write_off": 0.0})
        assert rules(validate(capped)) == {"RACI-017"}
        assert validate(set_right(capped, "write_off", threshold=0.0)) == []

    def test_an_uncapped_money_delegation_warns(self) -> None:
        """A delegated money decision with no cap is RACI-018 (a warning: it never raises)."""
        split = attrs.evolve(T, delegation_caps={"appeal_strategy": 25000.0})
        (found,) = only(split, "RACI-018")
        assert str(found) == (
            "RACI-018 warning: 'write_off' is delegated to 'onshore_lead' up to $5,000.00 with no cap: "
            "set delegation_caps['write_off'] to the most any delegate may get @ $.rights[0].threshold"
        )
        raise_for_findings(validate(split))

    def test_every_money_decision_is_covered_and_no_other(self) -> None:
        """Refunds and agency placements are money decisions; payer escalations are not."""
        client = "client_staff"
        for decision in ("refund", "collection_agency_placement"):
            split = set_right(T, decision, delegate=client, threshold=100.0)
            (found,) = only(split, "RACI-018")
            assert f"'{decision}' is delegated to 'client_staff'" in found.message
        assert validate(set_right(T, "payer_escalation", delegate="onshore_lead", threshold=100.0)) == []

    def test_caps_without_delegations_are_quiet(self) -> None:
        """A cap for a decision nobody is delegated, or for one outside the reserved list, finds nothing."""
        split = attrs.evolve(T, delegation_caps={**T.delegation_caps, "refund": 0.0, "triage_order": 5.0})
        assert validate(split) == []

    def test_a_delegate_without_a_threshold(self) -> None:
        """Reserved: RACI-007 only (no double report); others: RACI-018, the delegate never decides."""
        (found,) = only(set_right(T, "write_off", threshold=None), "RACI-007")
        assert found.path == "$.rights[0].threshold"
        right = DecisionRight(decision="triage_order", holder="onshore_lead", delegate="offshore_pod")
        (found,) = only(attrs.evolve(T, rights=(*T.rights, right)), "RACI-018")
        assert str(found) == (
            "RACI-018 warning: 'triage_order' is delegated to 'offshore_pod' without a threshold: the "
            "delegate never decides; state the largest amount it decides @ $.rights[8].threshold"
        )
        capped = attrs.evolve(T, rights=(*T.rights, right), delegation_caps={"triage_order": 5.0})
        assert rules(validate(capped)) == {"RACI-018"}
