from __future__ import annotations

import datetime
import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from comanaged_rcm import serialize
from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.escalation import OwnerDirectory
from comanaged_rcm.raci import (
    CLIENT_RESERVED_DECISIONS,
    DACI,
    NON_DELEGABLE_DECISIONS,
    RACI,
    RASCI,
    WORKFLOWS,
    AccessGrant,
    Activity,
    ActivityKind,
    Assignment,
    DecisionRight,
    EscalationEdge,
    Letter,
    Party,
    PartyKind,
    Permission,
    Role,
    Scheme,
    ScopeSplit,
    System,
    co_managed_template,
)
from tests.raci.strategies import set_cell, valid_splits

T = co_managed_template()
DAY = datetime.date(2026, 1, 1)


def issue_of(exc: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str]:
    (issue,) = exc.value.issues
    return issue.path, issue.code


class TestCatalogue:
    def test_workflow_ids(self) -> None:
        """The catalogue holds exactly the twelve workflow ids other modules use."""
        assert [w.id for w in WORKFLOWS] == [
            "eligibility",
            "prior_auth",
            "charge_entry",
            "coding",
            "claim_submission",
            "payment_posting",
            "ar_follow_up",
            "denials",
            "appeals",
            "write_off_approval",
            "patient_statements",
            "credit_balances",
        ]

    def test_reserved_decisions(self) -> None:
        """The client keeps eight decisions; three of them can never be delegated."""
        assert {
            "write_off",
            "appeal_strategy",
            "payer_escalation",
            "refund",
            "policy_change",
            "coding_policy",
            "enrollment_signature",
            "collection_agency_placement",
        } == CLIENT_RESERVED_DECISIONS
        assert NON_DELEGABLE_DECISIONS < CLIENT_RESERVED_DECISIONS

    def test_party_kinds(self) -> None:
        """Humans and clients are derived from the kind."""
        assert [k.is_human for k in PartyKind] == [True, True, True, False]
        assert [k.is_client for k in PartyKind] == [True, False, False, False]
        bot = Party("bot", "Bot", PartyKind.AUTOMATION)
        assert (bot.is_human, bot.is_client) == (False, False)


class TestSchemes:
    def test_roles_and_letters(self) -> None:
        """Schemes map letters to roles; unknown letters and roles give None."""
        assert RACI.role("A") is Role.ACCOUNTABLE
        assert RACI.role("S") is None
        assert RASCI.role("S") is Role.SUPPORT
        assert DACI.letter_for(Role.RESPONSIBLE) == "D"
        assert RACI.letter_for(Role.SUPPORT) is None
        assert RACI.roles_of({"A", "Z"}) == {Role.ACCOUNTABLE}

    def test_bad_schemes(self) -> None:
        """Letters repeat, combinations outside the letters, max below min: path-precise errors."""
        a = Letter(letter="A", name="Accountable", role=Role.ACCOUNTABLE, min=1, max=1)
        with pytest.raises(ValidationError) as info:
            Scheme(name="X", letters=(a, a), combinations={frozenset("A")})
        assert issue_of(info) == ("$.letters", "value")
        with pytest.raises(ValidationError) as info:
            Scheme(name="X", letters=(a,), combinations={frozenset("AZ")})
        assert issue_of(info) == ("$.combinations", "value")
        with pytest.raises(ValidationError) as info:
            Scheme(name="X", letters=(a,), combinations="A")
        assert issue_of(info) == ("$.combinations", "type")
        with pytest.raises(ValidationError) as info:
            Letter(letter="A", name="A", role=Role.ACCOUNTABLE, min=2, max=1)
        assert [(i.path, i.code) for i in info.value.issues] == [("$.max", "range"), ("$.min", "range")]

    def test_scheme_round_trip(self) -> None:
        """A scheme is data: it travels as JSON and back."""
        for scheme in (RACI, RASCI, DACI):
            assert serialize.from_json(serialize.to_json(scheme), Scheme) == scheme


class TestConstruction:
    @pytest.mark.parametrize(
        ("build", "path"),
        [
            (lambda: ScopeSplit(name="x", effective_from=None), "$.effective_from"),  # type: ignore[arg-type]
            (
                lambda: ScopeSplit(name="x", effective_from=datetime.date(2026, 1, 1), version=None),  # type: ignore[arg-type]
                "$.version",
            ),
            (lambda: Letter(letter="A", name="x", role=Role.ACCOUNTABLE, min=None, max=1), "$.min"),  # type: ignore[arg-type]
            (lambda: EscalationEdge(source="a", target="b", trigger=None), "$.trigger"),  # type: ignore[arg-type]
            (lambda: attrs.evolve(co_managed_template().rights[0], threshold=10**400), "$.threshold"),
            (lambda: attrs.evolve(co_managed_template().grants[0], permissions=[[1]]), "$.permissions"),
        ],
    )
    def test_none_huge_and_unhashable_values_are_validation_errors(self, build: Any, path: str) -> None:
        """Values that used to escape as TypeError or OverflowError are reported at their path."""
        with pytest.raises(ValidationError) as info:
            build()
        assert [i.path for i in info.value.issues] == [path]

    @pytest.mark.parametrize(
        ("build", "path", "code"),
        [
            (lambda: Party("", "x", PartyKind.AUTOMATION), "$.id", "value"),
            (lambda: Party("p", "x", "automation"), "$.kind", "type"),  # type: ignore[arg-type]
            (lambda: System("s", "S", onshore_only=1), "$.onshore_only", "type"),  # type: ignore[arg-type]
            (
                lambda: Activity(id="a", workflow="w", name="n", kind=ActivityKind.REPORT, systems="pm"),
                "$.systems",
                "type",
            ),
            (
                lambda: Activity(id="a", workflow="w", name="n", kind=ActivityKind.REPORT, systems={""}),
                "$.systems[0]",
                "value",
            ),
            (
                lambda: Activity(id="a", workflow="w", name="n", kind=ActivityKind.REPORT, decision=""),
                "$.decision",
                "value",
            ),
            (lambda: Assignment("a", "p", 3), "$.letters", "type"),  # type: ignore[arg-type]
            (lambda: DecisionRight(decision="d", holder="h", threshold=-1), "$.threshold", "range"),
            (lambda: DecisionRight(decision="d", holder="h", threshold=float("nan")), "$.threshold", "type"),
            (lambda: DecisionRight(decision="d", holder="h", threshold=True), "$.threshold", "type"),
            (
                lambda: AccessGrant(
                    party="p", system="s", identity="i", permissions={"view"}, granted_by="g"
                ),
                "$.permissions[0]",
                "type",
            ),
            (
                lambda: AccessGrant(
                    party="p",
                    system="s",
                    identity="i",
                    permissions=Permission.VIEW,  # type: ignore[arg-type]
                    granted_by="g",
                ),
                "$.permissions",
                "type",
            ),
            (
                lambda: AccessGrant(
                    party="p",
                    system="s",
                    identity="i",
                    permissions=(),
                    granted_by="g",
                    review_by=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
                ),
                "$.review_by",
                "type",
            ),
            (lambda: Letter(letter="A", name="A", role=Role.ACCOUNTABLE, min=-1), "$.min", "range"),
            (lambda: ScopeSplit(name="x", effective_from=DAY, parties=[1]), "$.parties[0]", "type"),
            (lambda: ScopeSplit(name="x", effective_from=DAY, parties="p"), "$.parties", "type"),
            (lambda: ScopeSplit(name="x", effective_from=DAY, version=True), "$.version", "type"),
            (lambda: ScopeSplit(name="x", effective_from="2026-01-01"), "$.effective_from", "type"),  # type: ignore[arg-type]
            (lambda: ScopeSplit(name="x", effective_from=DAY, effective_to=DAY), "$.effective_to", "range"),
        ],
    )
    def test_bad_values_name_their_field(self, build: Any, path: str, code: str) -> None:
        """Each bad value raises a ValidationError (an RCMError and ValueError) naming the field."""
        with pytest.raises(ValidationError) as info:
            build()
        assert issue_of(info) == (path, code)
        assert isinstance(info.value, RCMError)
        assert isinstance(info.value, ValueError)

    def test_conveniences(self) -> None:
        """Lists become tuples, sets become frozensets, a string of letters is its letters."""
        split = ScopeSplit(
            name="x",
            effective_from=DAY,
            parties=[Party("p", "P", PartyKind.CLIENT_STAFF)],
            in_scope=["coding"],
        )
        assert isinstance(split.parties, tuple)
        assert split.in_scope == frozenset({"coding"})
        assert Assignment("a", "p", "AR").letters == {"A", "R"}
        assert Assignment("a", "p", ["A"]).letters == {"A"}
        assert DecisionRight(decision="d", holder="h", threshold=5).threshold == 5.0
        assert isinstance(DecisionRight(decision="d", holder="h", threshold=5).threshold, float)

    def test_frozen(self) -> None:
        """Models are immutable."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            T.version = 2  # type: ignore[misc]

    def test_readable_repr(self) -> None:
        """The split's repr summarizes; the small models show their fields."""
        assert repr(T) == (
            "ScopeSplit(name='Co-managed revenue cycle: provider and partner', version=1, scheme=RACI, "
            "6 parties, 26 activities, 83 assignments, 8 rights, 18 grants, 5 escalations)"
        )
        assert repr(EscalationEdge("a", "b")) == "EscalationEdge(source='a', target='b', trigger='')"


class TestLookups:
    def test_owner_directory(self) -> None:
        """A split satisfies escalation's OwnerDirectory protocol."""
        assert isinstance(T, OwnerDirectory)
        assert {w.id: T.accountable_for(w.id) for w in WORKFLOWS} == {
            "eligibility": "onshore_lead",
            "prior_auth": "onshore_lead",
            "charge_entry": "client_rcm_director",
            "coding": "onshore_lead",
            "claim_submission": "onshore_lead",
            "payment_posting": "onshore_lead",
            "ar_follow_up": "onshore_lead",
            "denials": "onshore_lead",
            "appeals": "onshore_lead",
            "write_off_approval": "onshore_lead",
            "patient_statements": "onshore_lead",
            "credit_balances": "onshore_lead",
        }
        holders = {d: T.decision_holder(d) for d in sorted(CLIENT_RESERVED_DECISIONS)}
        assert all(T.party(h).is_client for h in holders.values() if h)
        assert holders["write_off"] == "client_rcm_director"
        assert holders["appeal_strategy"] == "client_rcm_director"
        assert holders["payer_escalation"] == "client_rcm_director"
        assert T.decision_holder("nothing") is None

    def test_no_single_accountable(self) -> None:
        """Out of scope, unknown, no activities, no A or two A: None."""
        assert T.accountable_for("telehealth") is None
        out = attrs.evolve(T, in_scope=T.in_scope - {"coding"}, out_of_scope={"coding"})
        assert out.accountable_for("coding") is None
        bare = attrs.evolve(T, activities=tuple(a for a in T.activities if a.workflow != "coding"))
        assert bare.accountable_for("coding") is None
        assert set_cell(T, "coding.code", "onshore_lead", "").accountable_for("coding") is None
        assert set_cell(T, "coding.code", "client_cfo", "A").accountable_for("coding") is None

    def test_main_activity_falls_back_to_the_first(self) -> None:
        """Without an EXECUTE activity the workflow's first activity is the main one."""
        split = attrs.evolve(T, activities=tuple(a for a in T.activities if a.id != "coding.code"))
        assert split.main_activity("coding").id == "coding.audit"  # type: ignore[union-attr]
        assert split.accountable_for("coding") == "client_rcm_director"
        assert split.main_activity("telehealth") is None

    def test_unknown_ids_raise_library_errors(self) -> None:
        """Unknown party or activity ids raise ValidationError, never KeyError."""
        with pytest.raises(ValidationError, match="no party with id 'x' \\(known: client_rcm_director"):
            T.party("x")
        with pytest.raises(ValidationError, match="known: none"):
            ScopeSplit(name="x", effective_from=DAY).party("x")
        with pytest.raises(ValidationError, match="no activity with id 'x'"):
            T.activity("x")


class TestSerialization:
    def test_template_round_trip(self) -> None:
        """The template survives JSON exactly, and the JSON is stable."""
        text = serialize.to_json(T)
        back = serialize.from_json(text, ScopeSplit)
        assert back == T
        assert serialize.to_json(back) == text
        data = json.loads(text)
        assert data["parties"][0] == {
            "id": "client_rcm_director",
            "name": "Client RCM director",
            "kind": "client_staff",
        }
        assert data["in_scope"] == sorted(data["in_scope"])
        assert data["grants"][0]["permissions"] == ["adjust", "approve", "view"]

    @settings(max_examples=40, deadline=None)
    @given(valid_splits())
    def test_random_round_trip(self, split: ScopeSplit) -> None:
        """Random splits round-trip exactly."""
        assert serialize.from_json(serialize.to_json(split), ScopeSplit) == split

    def test_path_precise_errors(self) -> None:
        """A malformed document names every bad field with its path."""
        data = serialize.to_dict(T)
        data["assignments"][4]["letters"] = 5
        data["parties"][1]["kind"] = "robot"
        data["rights"][0]["threshold"] = "5000"
        data["grants"][2]["identity"] = ""
        data["surprise"] = 1
        with pytest.raises(ValidationError) as info:
            serialize.from_dict(data, ScopeSplit)
        paths = {i.path for i in info.value.issues}
        assert {
            "$.assignments[4].letters",
            "$.parties[1].kind",
            "$.rights[0].threshold",
            "$.grants[2].identity",
            "$.surprise",
        } <= paths


def _write_off(
    threshold: float | None, *, delegate: str | None = "onshore_lead", **caps: float
) -> ScopeSplit:
    """The template with its write-off right delegated up to ``threshold``, and the given caps."""
    rights = tuple(
        attrs.evolve(r, threshold=threshold, delegate=delegate) if r.decision == "write_off" else r
        for r in T.rights
    )
    return attrs.evolve(T, rights=rights, delegation_caps=caps)


class TestDecisionThresholds:
    def test_at_or_below_the_threshold_the_delegate_decides(self) -> None:
        """The delegate holds amounts up to and including the threshold; a cent more goes to the holder."""
        split = _write_off(5000.0)
        assert split.decision_holder("write_off", amount=0) == "onshore_lead"
        assert split.decision_holder("write_off", amount=4999.99) == "onshore_lead"
        assert split.decision_holder("write_off", amount=5000) == "onshore_lead"
        assert split.decision_holder("write_off", amount=5000.01) == "client_rcm_director"
        assert split.decision_holder("write_off", amount=10_000_000) == "client_rcm_director"

    def test_an_unknown_amount_fails_closed(self) -> None:
        """With no amount (the one-argument call, or None) the holder decides, delegate or not."""
        split = _write_off(5000.0)
        assert split.decision_holder("write_off") == "client_rcm_director"
        assert split.decision_holder("write_off", None) == "client_rcm_director"
        assert split.decision_holder("write_off", amount=None) == "client_rcm_director"

    def test_no_threshold_or_no_delegate_means_the_holder(self) -> None:
        """A delegate without a threshold never decides; a threshold without a delegate changes nothing."""
        assert _write_off(None).decision_holder("write_off", amount=1) == "client_rcm_director"
        assert (
            _write_off(5000.0, delegate=None).decision_holder("write_off", amount=1) == "client_rcm_director"
        )
        assert _write_off(0.0).decision_holder("write_off", amount=0) == "onshore_lead"
        assert _write_off(0.0).decision_holder("write_off", amount=0.01) == "client_rcm_director"

    def test_the_cap_bounds_the_delegate_whatever_the_threshold(self) -> None:
        """A threshold above the cap (which validate refuses) still delegates only up to the cap."""
        split = _write_off(5000.0, write_off=1000.0)
        assert split.decision_holder("write_off", amount=1000) == "onshore_lead"
        assert split.decision_holder("write_off", amount=1000.01) == "client_rcm_director"
        other = _write_off(5000.0, refund=1.0)  # another decision's cap does not apply
        assert other.decision_holder("write_off", amount=5000) == "onshore_lead"
        within = _write_off(5000.0, write_off=7500.0)  # a cap above the threshold leaves it
        assert within.decision_holder("write_off", amount=5000.01) == "client_rcm_director"

    def test_the_first_right_of_a_decision_is_used(self) -> None:
        """A duplicate right (RACI-003) is not consulted."""
        extra = DecisionRight(
            decision="write_off", holder="client_cfo", threshold=1e9, delegate="client_staff"
        )
        split = attrs.evolve(_write_off(5000.0), rights=(*_write_off(5000.0).rights, extra))
        assert split.decision_holder("write_off", amount=6000) == "client_rcm_director"
        assert T.decision_holder("nothing", amount=5) is None

    def test_amount_numeric_forms(self) -> None:
        """numpy numbers and ints are amounts."""
        import numpy as np  # noqa: PLC0415 - only this test needs it

        split = _write_off(5000.0)
        assert split.decision_holder("write_off", amount=np.float32(5000)) == "onshore_lead"
        assert split.decision_holder("write_off", amount=np.int64(5001)) == "client_rcm_director"

    @pytest.mark.parametrize(
        ("amount", "code"),
        [(-0.01, "range"), (float("nan"), "type"), (float("inf"), "range"), (True, "type"), ("5", "type")],
    )
    def test_bad_amounts_are_refused(self, amount: object, code: str) -> None:
        """A negative, NaN, infinite, boolean or text amount is a ValidationError at $.amount."""
        with pytest.raises(ValidationError) as info:
            T.decision_holder("write_off", amount=amount)  # type: ignore[arg-type]
        assert issue_of(info) == ("$.amount", code)

    def test_still_an_owner_directory(self) -> None:
        """Both call forms work through the escalation protocol's view of a split."""
        assert isinstance(T, OwnerDirectory)
        assert T.decision_holder("appeal_strategy", amount=10_000) == "onshore_lead"
        assert T.decision_holder("appeal_strategy", amount=10_000.5) == "client_rcm_director"


class TestDelegationCaps:
    def test_normal_form(self) -> None:
        """Caps are a read-only mapping sorted by decision, amounts as floats; excluded from the hash."""
        split = attrs.evolve(T, delegation_caps={"write_off": 10_000, "refund": 500})
        assert list(split.delegation_caps) == ["refund", "write_off"]
        assert type(split.delegation_caps["write_off"]) is float
        with pytest.raises(TypeError):
            split.delegation_caps["refund"] = 1.0  # type: ignore[index]
        assert hash(split) == hash(attrs.evolve(split, delegation_caps={}))
        assert T.delegation_caps == {"appeal_strategy": 25000.0, "write_off": 10000.0}

    @pytest.mark.parametrize(
        ("caps", "path", "code"),
        [
            ([("write_off", 1.0)], "$.delegation_caps", "type"),
            ({"write_off": -1}, "$.delegation_caps.write_off", "range"),
            ({"write_off": float("nan")}, "$.delegation_caps.write_off", "type"),
            ({"write_off": None}, "$.delegation_caps.write_off", "type"),
            ({"write_off": "10"}, "$.delegation_caps.write_off", "type"),
            ({"write_off": 10**400}, "$.delegation_caps.write_off", "range"),
            ({"": 1.0}, "$.delegation_caps['']", "value"),
            ({" write_off": 1.0}, "$.delegation_caps[' write_off']", "value"),
            ({3: 1.0}, "$.delegation_caps[3]", "type"),
        ],
    )
    def test_bad_caps_name_their_key(self, caps: object, path: str, code: str) -> None:
        """A cap that is not a finite amount >= 0 under a decision id is refused at its key."""
        with pytest.raises(ValidationError) as info:
            attrs.evolve(T, delegation_caps=caps)
        assert issue_of(info) == (path, code)

    def test_a_mapping_that_cannot_be_read(self) -> None:
        """A mapping whose items raise is refused at $.delegation_caps, not with its own error."""

        class Broken(dict[str, float]):
            def items(self) -> Any:
                raise KeyError("boom")

        with pytest.raises(ValidationError) as info:
            attrs.evolve(T, delegation_caps=Broken())
        assert issue_of(info) == ("$.delegation_caps", "type")

    def test_round_trip_and_old_documents(self) -> None:
        """Caps travel as a JSON object; a document without them loads with none."""
        split = attrs.evolve(T, delegation_caps={"write_off": 10_000, "refund": 0})
        text = serialize.to_json(split)
        assert '"delegation_caps": {"refund": 0.0, "write_off": 10000.0}' in text
        assert serialize.from_json(text, ScopeSplit) == split
        data = serialize.to_dict(T)
        del data["delegation_caps"]
        assert serialize.from_dict(data, ScopeSplit).delegation_caps == {}
        data["delegation_caps"] = {"write_off": "lots"}
        with pytest.raises(ValidationError) as info:
            serialize.from_dict(data, ScopeSplit)
        assert [i.path for i in info.value.issues] == ["$.delegation_caps.write_off"]
