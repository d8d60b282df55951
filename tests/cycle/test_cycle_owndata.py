"""The own-data path: the engagement schema version (1, 2 with ``mapping``), table names and aliases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from comanaged_rcm.cli import main
from comanaged_rcm.cycle import (
    SCHEMA_SECTIONS,
    SCHEMA_VERSION,
    Engagement,
    default_engagement,
    load_engagement,
)
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.mapping import ExportMap, TableMap
from comanaged_rcm.serialize import from_json, to_dict, to_json

MAP = {"tables": {"transactions": {"date_format": "%m/%d/%Y"}}}


def _document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = to_dict(default_engagement())
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def _issue(document: dict[str, Any]) -> tuple[str, str, str]:
    with pytest.raises(ValidationError) as caught:
        load_engagement(json.dumps(document))
    (issue,) = caught.value.issues
    return issue.path, issue.code, issue.message


class TestSchemaVersion:
    def test_current_version(self) -> None:
        """This release writes version 2, the version that introduced the mapping section."""
        assert SCHEMA_VERSION == 2
        assert SCHEMA_SECTIONS == {"mapping": 2}
        assert to_dict(default_engagement())["schema_version"] == 2
        assert next(iter(to_dict(default_engagement()))) == "schema_version"

    def test_missing_is_version_1_and_loads_unchanged(self) -> None:
        """A document written before the schema version (no field, no mapping) loads as version 1."""
        document = _document(schema_version=None, mapping=None)
        engagement = load_engagement(json.dumps(document))
        assert engagement.schema_version == 1
        assert attrs.evolve(engagement, schema_version=2) == default_engagement()

    def test_version_1_loads(self) -> None:
        assert load_engagement(json.dumps(_document(schema_version=1))).schema_version == 1

    def test_version_2_with_a_mapping(self) -> None:
        """Version 2 takes the mapping section, read as an ExportMap; it round-trips."""
        engagement = load_engagement(json.dumps(_document(mapping=MAP)))
        assert engagement.mapping == ExportMap(tables={"transactions": TableMap(date_format="%m/%d/%Y")})
        assert from_json(to_json(engagement), Engagement) == engagement

    @pytest.mark.parametrize("version", [1, None])
    def test_a_section_newer_than_the_declared_version(self, version: int | None) -> None:
        """A mapping in a version 1 document (declared or by omission) is refused at the section."""
        assert _issue(_document(schema_version=version, mapping=MAP)) == (
            "$.mapping",
            "version",
            (
                "the 'mapping' section needs engagement schema version 2 (it was introduced in version 2);"
                ' this document declares version 1: set "schema_version": 2'
            ),
        )

    def test_a_newer_version_is_refused_first(self) -> None:
        """Version 3 is refused as too new, before its unknown sections are looked at."""
        document = _document(schema_version=SCHEMA_VERSION + 1, business_hours={"zone": "UTC"})
        assert _issue(document) == (
            "$.schema_version",
            "version",
            (
                "'schema_version' 3: this engagement document was written by a newer comanaged-rcm (this one"
                " reads schema versions 1 to 2): upgrade comanaged-rcm"
            ),
        )

    def test_in_python_too(self) -> None:
        """The model refuses what the loader refuses."""
        with pytest.raises(ValidationError, match=r"written by a newer comanaged-rcm.*@ \$\.schema_version"):
            attrs.evolve(default_engagement(), schema_version=3)
        with pytest.raises(ValidationError, match=r"must be >= 1 .*@ \$\.schema_version"):
            attrs.evolve(default_engagement(), schema_version=0)
        with pytest.raises(ValidationError, match=r"needs engagement schema version 2.*@ \$\.mapping"):
            attrs.evolve(default_engagement(), schema_version=1, mapping=ExportMap())
        assert attrs.evolve(default_engagement(), mapping=ExportMap()).mapping == ExportMap()

    @pytest.mark.parametrize("bad", ["2", 2.5, True])
    def test_not_a_count(self, bad: object) -> None:
        path, _, _ = _issue(_document(schema_version=bad))
        assert path == "$.schema_version"


class TestEngagementCommand:
    def test_prints_the_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``engagement`` prints the document on stdout and the schema version on stderr."""
        assert main(["engagement"]) == 0
        out, err = capsys.readouterr()
        assert json.loads(out)["schema_version"] == 2
        assert err == "engagement schema version 2\n"

    def test_check_names_the_version(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "e.json"
        path.write_text(json.dumps(_document(schema_version=None, mapping=None)), encoding="utf-8")
        assert main(["engagement", "--check", str(path)]) == 0
        assert capsys.readouterr().out == (
            f"{path}: engagement 'demo-health' version 2026.11 (schema version 1) checks clean\n"
        )

    def test_check_refuses_a_newer_document(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "e.json"
        path.write_text(json.dumps(_document(schema_version=9)), encoding="utf-8")
        assert main(["engagement", "--check", str(path)]) == 2
        assert "written by a newer comanaged-rcm (this one reads schema versions 1 to 2): upgrade" in (
            capsys.readouterr().err
        )
