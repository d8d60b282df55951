"""The one converter: exact round trips, strict structuring, every problem with its path."""

from __future__ import annotations

import datetime
import enum

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.periods import Period
from comanaged_rcm.serialize import from_dict, from_json, to_dict, to_json


class Kind(enum.Enum):
    EXECUTE = "execute"
    DECIDE = "decide"


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise ValidationError.single(f"$.{attribute.name}", "range", f"must be > 0 (got {value})")


@attrs.frozen
class Leaf:
    name: str
    kind: Kind
    weight: float = 1.0


@attrs.frozen
class Doc:
    id: str
    when: datetime.date
    count: int = attrs.field(validator=_positive)
    leaves: tuple[Leaf, ...] = ()
    tags: frozenset[str] = frozenset()
    by_name: dict[str, Leaf] = attrs.field(factory=dict)
    note: str | None = None
    active: bool = True
    stamp: datetime.datetime | None = None


leaves = st.builds(
    Leaf,
    name=st.text(max_size=8),
    kind=st.sampled_from(Kind),
    weight=st.floats(allow_nan=False, allow_infinity=False),
)
docs = st.builds(
    Doc,
    id=st.text(max_size=8),
    when=st.dates(),
    count=st.integers(min_value=1, max_value=10**12),
    leaves=st.lists(leaves, max_size=4).map(tuple),
    tags=st.frozensets(st.text(max_size=5), max_size=4),
    by_name=st.dictionaries(st.text(max_size=5), leaves, max_size=3),
    note=st.none() | st.text(max_size=8),
    active=st.booleans(),
    stamp=st.none() | st.datetimes(),
)


class TestRoundTrip:
    @given(docs)
    def test_dict_round_trip_is_exact(self, doc: Doc) -> None:
        """from_dict(to_dict(x)) == x for any model."""
        assert from_dict(to_dict(doc), Doc) == doc

    @given(docs)
    def test_json_round_trip_is_exact_and_stable(self, doc: Doc) -> None:
        """JSON round-trips, and the same object always gives the same bytes."""
        text = to_json(doc)
        assert from_json(text, Doc) == doc
        assert to_json(from_json(text, Doc)) == text

    def test_wire_format(self) -> None:
        """Dates are ISO strings, enums their values, frozensets sorted lists."""
        doc = Doc("d", datetime.date(2026, 2, 28), 3, (Leaf("a", Kind.DECIDE),), frozenset({"z", "a"}))
        data = to_dict(doc)
        assert data["when"] == "2026-02-28"
        assert data["leaves"] == [{"name": "a", "kind": "decide", "weight": 1.0}]
        assert data["tags"] == ["a", "z"]


class TestStrictStructuring:
    @pytest.mark.parametrize(
        ("field", "value"), [("tags", "AR"), ("leaves", "abc"), ("tags", b"AR"), ("leaves", {"name": "x"})]
    )
    def test_text_and_mappings_are_not_collections(self, field: str, value: object) -> None:
        """A string is not a set of its letters, nor a mapping a list of its keys."""
        data: dict[str, object] = {"id": "d", "when": "2026-01-05", "count": 1, field: value}
        with pytest.raises(ValidationError) as info:
            from_dict(data, Doc)
        assert [(i.path, i.message) for i in info.value.issues] == [
            (f"$.{field}", f"expected a list (got {value!r})")
        ]

    def test_every_problem_is_listed_with_its_path(self) -> None:
        """One error lists every bad field, nested paths included, in document order."""
        bad = {
            "id": 7,
            "when": "31/01/2026",
            "count": "3",
            "leaves": [{"name": "ok", "kind": "execute"}, {"name": "x", "kind": "approve", "colour": 1}],
            "by_name": {"main": {"name": "m"}, "two words": {"name": 1, "kind": "decide"}},
            "extra": True,
        }
        with pytest.raises(ValidationError) as info:
            from_dict(bad, Doc)
        got = [(i.path, i.code) for i in info.value.issues]
        assert got == [
            ("$.id", "type"),
            ("$.when", "value"),
            ("$.count", "type"),
            ("$.leaves[1].kind", "value"),
            ("$.leaves[1].colour", "unknown_key"),
            ("$.by_name.main.kind", "missing"),
            ("$.by_name['two words'].name", "type"),
            ("$.extra", "unknown_key"),
        ]
        messages = {i.path: i.message for i in info.value.issues}
        assert messages["$.leaves[1].kind"] == "expected one of 'execute', 'decide' (got 'approve')"
        assert messages["$.count"] == "expected int (got '3')"

    @pytest.mark.parametrize(
        ("field", "value"),
        [("count", True), ("count", 2.0), ("active", 1), ("id", None), ("when", 20260101)],
    )
    def test_no_coercion(self, field: str, value: object) -> None:
        """A bool is not an int, 1 is not a bool, a number is not a date."""
        data = {"id": "d", "when": "2026-01-01", "count": 1, field: value}
        with pytest.raises(ValidationError) as info:
            from_dict(data, Doc)
        assert info.value.issues[0].path == f"$.{field}"

    def test_float_accepts_integers(self) -> None:
        """JSON has one number type, so an integral weight is a float."""
        leaf = from_dict({"name": "a", "kind": "execute", "weight": 2}, Leaf)
        assert leaf.weight == 2.0
        assert isinstance(leaf.weight, float)

    def test_model_validators_report_full_paths(self) -> None:
        """A validator inside the model reports its field under the document path."""
        with pytest.raises(ValidationError) as info:
            from_dict({"id": "d", "when": "2026-01-01", "count": 0}, Doc)
        assert [(i.path, i.code) for i in info.value.issues] == [("$.count", "range")]

    def test_bad_datetime(self) -> None:
        """Datetimes are ISO strings too."""
        with pytest.raises(ValidationError) as info:
            from_dict({"id": "d", "when": "2026-01-01", "count": 1, "stamp": "noon"}, Doc)
        assert info.value.issues[0].path == "$.stamp"
        with pytest.raises(ValidationError):
            from_dict({"id": "d", "when": "2026-01-01", "count": 1, "stamp": 5}, Doc)

    def test_malformed_json_names_line_and_column(self) -> None:
        """Broken JSON is a ValidationError at the root, with position."""
        with pytest.raises(ValidationError, match=r"line 1, column 12") as info:
            from_json('{"id": "d",', Doc)
        assert info.value.issues[0].code == "json"

    def test_invalid_utf8_is_a_validation_error(self) -> None:
        """Bytes that are not UTF-8 are refused cleanly."""
        with pytest.raises(ValidationError, match="UTF-8"):
            from_json(b'{"id": "\xff"}', Doc)

    def test_missing_document_is_reported_at_the_root(self) -> None:
        """A list where a mapping is expected fails at ``$``."""
        with pytest.raises(ValidationError) as info:
            from_dict(["not", "a", "doc"], Doc)
        assert info.value.issues[0].path.startswith("$")

    def test_top_level_model_validator(self) -> None:
        """A ValidationError raised by a model is rooted at ``$``."""
        with pytest.raises(ValidationError) as info:
            from_dict({"start": "2026-01-02", "end": "2026-01-01"}, Period)
        assert info.value.issues[0].path == "$.end"
