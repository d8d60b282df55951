"""The raci edge: bad input to any public name is a ValidationError naming its path, never a builtin."""

from __future__ import annotations

import datetime
import math
from typing import Any

import attrs
import numpy as np
import pytest

from comanaged_rcm import serialize
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.raci import (
    RACI,
    AccessGrant,
    Activity,
    ActivityKind,
    Assignment,
    Change,
    ChangeKind,
    DecisionRight,
    EscalationEdge,
    Letter,
    Limits,
    Matrix,
    MatrixRow,
    Party,
    PartyKind,
    Role,
    Scheme,
    SplitDiff,
    System,
    co_managed_template,
    diff,
    matrix,
    validate,
)

T = co_managed_template()
DAY = datetime.date(2026, 1, 1)


def raised(build: Any) -> ValidationError:
    """The ValidationError ``build()`` raises."""
    with pytest.raises(ValidationError) as info:
        build()
    return info.value


def first(build: Any) -> tuple[str, str, str]:
    """Path, code and message of the first issue ``build()`` raises."""
    issue = raised(build).issues[0]
    return issue.path, issue.code, issue.message


class TestIds:
    @pytest.mark.parametrize(
        ("text", "where"),
        [("pod\x00", "U+0000"), ("a\x1b[31mb", "U+001B"), ("pay\u202eeeee", "U+202E"), ("a\nb", "U+000A")],
    )
    def test_ids_and_names_refuse_control_and_bidi_characters(self, text: str, where: str) -> None:
        """Ids and names are readable text: NUL, escape, bidi override and line feed are refused."""
        path, code, message = first(lambda: Party(text, "Pod", PartyKind.PARTNER_OFFSHORE))
        assert (path, code) == ("$.id", "value")
        assert "must not hold control or invisible characters" in message
        assert where in message
        assert first(lambda: System("pm", text))[:2] == ("$.name", "value")

    def test_free_text_ids_stay_accepted(self) -> None:
        """Ids that are free text (spaces, accents, punctuation) are accepted as before."""
        party = Party("Équipe offshore #2", "Équipe offshore", PartyKind.PARTNER_OFFSHORE)
        assert party.id == "Équipe offshore #2"

    def test_items_of_id_sets_are_named(self) -> None:
        """A bad id inside a set names the item."""
        path, code, message = first(
            lambda: Activity(id="a", workflow="w", name="n", kind=ActivityKind.REPORT, systems={"pm\x00"})
        )
        assert (path, code) == ("$.systems[0]", "value")
        assert "'systems[0]' must not hold control" in message
        assert first(lambda: attrs.evolve(T, in_scope={"coding", 3}))[:2] == ("$.in_scope[1]", "type")
        assert first(lambda: Assignment("a", "p", {"A", None}))[:2] == ("$.letters[1]", "type")  # type: ignore[arg-type]

    def test_trigger_may_be_empty_but_not_a_control_character(self) -> None:
        """An escalation trigger is optional text: empty is fine, a carriage return is not."""
        assert EscalationEdge("a", "b").trigger == ""
        assert first(lambda: EscalationEdge("a", "b", "late\r"))[:2] == ("$.trigger", "value")


class TestNumbers:
    def test_counts_accept_numpy_integers_and_integral_floats(self) -> None:
        """A version, a letter's bounds and limits accept numpy ints and 3.0, stored as int."""
        split = attrs.evolve(T, version=np.int64(4))
        assert split.version == 4
        assert type(split.version) is int
        letter = Letter(letter="A", name="A", role=Role.ACCOUNTABLE, min=1.0, max=np.uint8(2))
        assert (letter.min, letter.max) == (1, 2)
        assert {type(letter.min), type(letter.max)} == {int}
        limits = Limits(max_load=np.int32(10), max_responsible=3.0)
        assert (limits.max_load, limits.max_responsible) == (10, 3)
        assert validate(T, limits=Limits(max_load=np.int64(60))) == []

    @pytest.mark.parametrize("bad", [3.5, "3", True, math.nan, 2**60])
    def test_counts_refuse_fractions_text_bools_nan_and_huge_values(self, bad: object) -> None:
        """A count that is not a whole number in range is named, not stored."""
        path, _, message = first(lambda: attrs.evolve(T, version=bad))  # type: ignore[arg-type]
        assert path == "$.version"
        assert "'version' must be" in message

    def test_limits_must_be_at_least_one(self) -> None:
        """Limits are positive: zero is out of range, with the bound in the message."""
        assert first(lambda: Limits(max_load=0)) == ("$.max_load", "range", "'max_load' must be >= 1 (got 0)")

    def test_letter_bounds_name_both_fields(self) -> None:
        """A max below the min names both fields, whichever of them is wrong."""
        error = raised(lambda: Letter(letter="A", name="A", role=Role.ACCOUNTABLE, min=np.int64(3), max=1))
        assert [i.path for i in error.issues] == ["$.max", "$.min"]
        assert "'max' must be >= 'min' (3) (got 1)" in str(error)

    @pytest.mark.parametrize(
        ("bad", "code", "fragment"),
        [
            (math.nan, "type", "must be a finite number (got nan)"),
            (np.float64("nan"), "type", "must be a finite number"),
            (math.inf, "range", "must be a finite number (got inf)"),
            (-1, "range", "must be >= 0 (got -1.0)"),
            (10**400, "range", "too large for a float"),
            ("500", "type", "must be a finite number (got '500')"),
        ],
    )
    def test_threshold_is_a_finite_amount_of_at_least_zero(
        self, bad: object, code: str, fragment: str
    ) -> None:
        """A delegation threshold refuses NaN, infinities, negatives, huge integers and text."""
        path, got, message = first(lambda: DecisionRight(decision="d", holder="h", threshold=bad))  # type: ignore[arg-type]
        assert (path, got) == ("$.threshold", code)
        assert fragment in message

    def test_threshold_normal_form(self) -> None:
        """Integer and numpy amounts become floats, so JSON is the same however a right was built."""
        right = DecisionRight(decision="d", holder="h", threshold=np.float32(500.0))
        assert right.threshold == 500.0
        assert type(right.threshold) is float
        assert serialize.to_json(right) == serialize.to_json(
            DecisionRight(decision="d", holder="h", threshold=500)
        )


class TestFlagsDatesAndTypes:
    def test_numpy_bools_become_bools(self) -> None:
        """A numpy bool is a bool: stored as one, so it serializes."""
        system = System("s", "S", onshore_only=np.True_)
        assert system.onshore_only is True
        assert serialize.to_json(system) == '{"id": "s", "name": "S", "onshore_only": true}'
        assert first(lambda: System("s", "S", onshore_only=1))[:2] == ("$.onshore_only", "type")  # type: ignore[arg-type]

    def test_dates_refuse_datetimes_and_text(self) -> None:
        """A date field names a datetime (naive or aware) and ISO text, with the fix."""
        naive = datetime.datetime(2026, 1, 1, 9)  # noqa: DTZ001 - naive on purpose
        path, _, message = first(lambda: attrs.evolve(T, effective_from=naive))
        assert path == "$.effective_from"
        assert "not a datetime" in message
        path, _, message = first(lambda: attrs.evolve(T, effective_to="2027-01-01"))  # type: ignore[arg-type]
        assert path == "$.effective_to"
        assert "datetime.date.fromisoformat" in message

    def test_enum_fields_suggest_the_member(self) -> None:
        """An enum field given the member's value says which member was meant."""
        path, code, message = first(lambda: Party("p", "P", "automation"))  # type: ignore[arg-type]
        assert (path, code) == ("$.kind", "type")
        assert "did you mean PartyKind.AUTOMATION?" in message
        path, _, message = first(
            lambda: AccessGrant(party="p", system="s", identity="i", permissions={"view"}, granted_by="g")
        )
        assert path == "$.permissions[0]"
        assert "did you mean Permission.VIEW?" in message

    def test_collections_of_models_name_the_bad_item(self) -> None:
        """A tuple of models names the index of an item of the wrong type."""
        path, _, message = first(lambda: attrs.evolve(T, rights=(*T.rights, "write_off")))
        assert path == "$.rights[8]"
        assert "must be a DecisionRight" in message
        assert first(lambda: attrs.evolve(T, scheme="RACI"))[:2] == ("$.scheme", "type")  # type: ignore[arg-type]

    def test_deep_nesting_and_hostile_values_are_quoted_safely(self) -> None:
        """A 10,000-deep list in a set field is reported, not a RecursionError from its repr."""
        deep: list[Any] = []
        for _ in range(10_000):
            deep = [deep]
        assert first(lambda: attrs.evolve(T, in_scope=deep))[0] == "$.in_scope"
        assert first(lambda: Scheme(name="X", letters=RACI.letters, combinations=deep))[0] == "$.combinations"


class TestSchemes:
    def test_a_scheme_has_letters(self) -> None:
        """A scheme without letters is refused at its letters, not at its combinations."""
        path, _, message = first(lambda: Scheme(name="X", letters=(), combinations=frozenset()))
        assert path == "$.letters"
        assert "at least one letter" in message

    def test_scheme_lookups_check_their_arguments(self) -> None:
        """role, roles_of and letter_for name a bad argument; a string of letters still works."""
        assert RACI.roles_of("AR") == {Role.ACCOUNTABLE, Role.RESPONSIBLE}
        assert first(lambda: RACI.role(["A"]))[:2] == ("$.letter", "type")  # type: ignore[arg-type]
        assert first(lambda: RACI.roles_of(None))[:2] == ("$.letters", "type")  # type: ignore[arg-type]
        assert first(lambda: RACI.roles_of([["A"]]))[:2] == ("$.letters[0]", "type")  # type: ignore[list-item]
        path, _, message = first(lambda: RACI.letter_for("accountable"))  # type: ignore[arg-type]
        assert path == "$.role"
        assert "did you mean Role.ACCOUNTABLE?" in message


class TestSplitLookups:
    def test_unknown_ids_are_named_by_the_argument(self) -> None:
        """An unknown id is reported at the argument, with the closest id suggested."""
        path, code, message = first(lambda: T.party("ofshore_pod"))
        assert (path, code) == ("$.party_id", "unknown")
        assert "did you mean 'offshore_pod'?" in message
        path, code, message = first(lambda: T.activity("denials.wrok"))
        assert (path, code) == ("$.activity_id", "unknown")
        assert "did you mean 'denials.work'?" in message

    @pytest.mark.parametrize(
        ("call", "path"),
        [
            (lambda: T.party(None), "$.party_id"),  # type: ignore[arg-type]
            (lambda: T.activity("x\x00"), "$.activity_id"),
            (lambda: T.accountable_for(["coding"]), "$.workflow"),  # type: ignore[arg-type]
            (lambda: T.main_activity(3), "$.workflow"),  # type: ignore[arg-type]
            (lambda: T.holders("denials.work", "responsible"), "$.role"),  # type: ignore[arg-type]
            (lambda: T.holders({"a": 1}, Role.RESPONSIBLE), "$.activity_id"),  # type: ignore[arg-type]
            (lambda: T.decision_holder(None), "$.decision"),  # type: ignore[arg-type]
        ],
    )
    def test_bad_arguments_are_validation_errors(self, call: Any, path: str) -> None:
        """An unhashable or mistyped argument is named, never a TypeError from a set lookup."""
        assert first(call)[0] == path

    def test_lookups_are_unchanged_for_good_input(self) -> None:
        """Holders and owners read the same as before the checks."""
        assert T.holders("eligibility.verify", Role.RESPONSIBLE) == ("automation", "offshore_pod")
        assert T.holders("eligibility.qa", Role.ACCOUNTABLE) == ("onshore_lead",)
        assert T.accountable_for("telehealth") is None


class TestFunctions:
    @pytest.mark.parametrize(
        ("call", "path"),
        [
            (lambda: validate(None), "$.split"),  # type: ignore[arg-type]
            (lambda: validate(T, limits={"max_load": 3}), "$.limits"),  # type: ignore[arg-type]
            (lambda: matrix("split.json"), "$.split"),  # type: ignore[arg-type]
            (lambda: diff(T, None), "$.new"),  # type: ignore[arg-type]
            (lambda: diff([T], T), "$.old"),  # type: ignore[arg-type]
        ],
    )
    def test_arguments_are_named(self, call: Any, path: str) -> None:
        """A non-split argument is named, not an AttributeError from inside."""
        path_, code, message = first(call)
        assert (path_, code) == (path, "type")
        assert "must be a" in message

    @pytest.mark.parametrize(
        ("given", "code", "fragment"),
        [
            (datetime.date(9999, 12, 31), "range", "between 0001-01-01 and 9999-06-30"),
            ("2026-01-01", "type", "datetime.date.fromisoformat"),
            (datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), "type", "not a datetime"),
        ],
    )
    def test_template_start_is_a_date_with_room_for_reviews(
        self, given: object, code: str, fragment: str
    ) -> None:
        """The template's start is a date early enough for the reviews six months later."""
        path, got, message = first(lambda: co_managed_template(effective_from=given))  # type: ignore[arg-type]
        assert (path, got) == ("$.effective_from", code)
        assert fragment in message
        assert co_managed_template(effective_from=datetime.date(9999, 6, 30)).grants[0].review_by == (
            datetime.date(9999, 12, 29)
        )


class TestViews:
    def test_matrix_rows_hold_one_cell_per_party(self) -> None:
        """A row with more or fewer cells than parties is refused, naming both fields."""
        error = raised(lambda: Matrix("t", "RACI", (), (MatrixRow("w", "w.x", "X", ("R", "I")),)))
        assert [i.path for i in error.issues] == ["$.rows[0].cells", "$.parties"]
        assert "one cell per party: 0 (got 2)" in str(error)

    def test_view_models_check_their_fields(self) -> None:
        """Matrix rows, changes and diffs validate like every other model."""
        assert first(lambda: MatrixRow("w", "w.x", None, ()))[:2] == ("$.name", "type")  # type: ignore[arg-type]
        assert first(lambda: MatrixRow("w", "w.x", "X", ("R", 1)))[:2] == ("$.cells[1]", "type")
        path, _, message = first(
            lambda: Change(section="owner", kind=ChangeKind.ADDED, key="k", before=None, after="C")
        )
        assert path == "$.section"
        assert "did you mean 'owners'?" in message
        assert first(lambda: SplitDiff(1, -2, ()))[:2] == ("$.new_version", "range")
        assert first(lambda: SplitDiff(1, 2, ("x",)))[:2] == ("$.changes[0]", "type")
        assert SplitDiff(np.int64(1), 2.0, []).new_version == 2

    def test_diff_section_names_are_checked(self) -> None:
        """An unknown section name is an error with a suggestion, not an empty answer."""
        changes = diff(T, attrs.evolve(T, version=2))
        assert changes.section("meta")[0].key == "version"
        path, _, message = first(lambda: changes.section("owner"))
        assert path == "$.name"
        assert "did you mean 'owners'?" in message
