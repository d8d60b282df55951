"""The own-data path: the engagement schema version (1, 2 with ``mapping``), table names and aliases."""

from __future__ import annotations

import datetime
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
    read_cycle_csv,
    run_cycle,
)
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.mapping import ExportMap, TableMap
from comanaged_rcm.serialize import from_json, to_dict, to_json

AS_OF = datetime.date(2026, 11, 2)
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
        """This release writes version 4: 2 introduced the mapping section, 3 business hours, 4 economics."""
        assert SCHEMA_VERSION == 4
        assert SCHEMA_SECTIONS == {"mapping": 2, "business_hours": 3, "economics": 4}
        assert to_dict(default_engagement())["schema_version"] == 4
        assert next(iter(to_dict(default_engagement()))) == "schema_version"

    def test_missing_is_version_1_and_loads_unchanged(self) -> None:
        """A document written before the schema version (no field, no mapping) loads as version 1."""
        document = _document(schema_version=None, mapping=None)
        engagement = load_engagement(json.dumps(document))
        assert engagement.schema_version == 1
        assert attrs.evolve(engagement, schema_version=SCHEMA_VERSION) == default_engagement()

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
        """The next version is refused as too new, before its unknown sections are looked at."""
        document = _document(schema_version=SCHEMA_VERSION + 1, unknown_section={"zone": "UTC"})
        assert _issue(document) == (
            "$.schema_version",
            "version",
            (
                "'schema_version' 5: this engagement document was written by a newer comanaged-rcm (this one"
                " reads schema versions 1 to 4): upgrade comanaged-rcm"
            ),
        )

    def test_in_python_too(self) -> None:
        """The model refuses what the loader refuses."""
        with pytest.raises(ValidationError, match=r"written by a newer comanaged-rcm.*@ \$\.schema_version"):
            attrs.evolve(default_engagement(), schema_version=SCHEMA_VERSION + 1)
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
        assert json.loads(out)["schema_version"] == 4
        assert err == "engagement schema version 4\n"

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
        assert "written by a newer comanaged-rcm (this one reads schema versions 1 to 4): upgrade" in (
            capsys.readouterr().err
        )


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from comanaged_rcm.synthetic import generate_book, write_csv  # noqa: PLC0415

    directory = tmp_path_factory.mktemp("owndata")
    paths = {
        name: str(path) for name, path in write_csv(generate_book(seed=5, claims=1500), directory).items()
    }
    (directory / "engagement.json").write_text(to_json(default_engagement()), encoding="utf-8")
    return {**paths, "engagement": str(directory / "engagement.json")}


def _argv(files: dict[str, str], *flags: str) -> list[str]:
    return [
        "report", "--engagement", files["engagement"], "--transactions", files["transactions"],
        "--as-of", "2026-11-02", "--format", "json", *flags,
    ]  # fmt: skip


class TestAliases:
    def test_python_aliases_read_the_same(self, exports: dict[str, str]) -> None:
        """claims= and activity= are silently accepted aliases of submissions= and work_items=."""
        new = read_cycle_csv(
            transactions=exports["transactions"],
            submissions=exports["submissions"],
            work_items=exports["work_items"],
        )
        old = read_cycle_csv(
            transactions=exports["transactions"],
            claims=exports["submissions"],
            activity=exports["work_items"],
        )
        assert to_json(run_cycle(default_engagement(), new, AS_OF)) == to_json(
            run_cycle(default_engagement(), old, AS_OF)
        )

    @pytest.mark.parametrize(
        ("kwargs", "path", "message"),
        [
            ({"submissions": "a.csv", "claims": "a.csv", "work_items": "b.csv"}, "$.claims",
             "give 'submissions' or its deprecated alias 'claims', not both"),
            ({"work_items": "b.csv"}, "$.submissions", "'submissions' is required (a path to a CSV file)"),
            ({"submissions": "a.csv"}, "$.work_items", "'work_items' is required (a path to a CSV file)"),
        ],
    )  # fmt: skip
    def test_python_alias_errors(self, kwargs: dict[str, str], path: str, message: str) -> None:
        with pytest.raises(ValidationError) as caught:
            read_cycle_csv(transactions="t.csv", **kwargs)  # type: ignore[arg-type]
        (issue,) = caught.value.issues
        assert (issue.path, issue.message) == (path, message)

    def test_cli_aliases_print_the_same(
        self, exports: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        new = ["--submissions", exports["submissions"], "--work-items", exports["work_items"]]
        old = ["--claims", exports["submissions"], "--activity", exports["work_items"]]
        assert main(_argv(exports, *new)) == 0
        first = capsys.readouterr().out
        assert main(_argv(exports, *old)) == 0
        assert capsys.readouterr().out == first

    @pytest.mark.parametrize(
        ("flags", "expected"),
        [
            (["--submissions", "a", "--claims", "a", "--work-items", "b"],
             "give --submissions or its deprecated alias --claims, not both @ --claims"),
            (["--work-items", "b"], "--submissions is required (a CSV file) @ --submissions"),
            (["--claims", "a", "--activity", "b", "--work-items", "b"],
             "give --work-items or its deprecated alias --activity, not both @ --activity"),
        ],
    )  # fmt: skip
    def test_cli_alias_errors(
        self, flags: list[str], expected: str, exports: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(_argv(exports, *flags)) == 2
        assert capsys.readouterr().err == f"comanaged-rcm report: error: 1 validation issue: {expected}\n"

    def test_help_names_the_aliases(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit):
            main(["report", "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert "--claims CSV deprecated alias of --submissions, accepted for one more release" in out
        assert "--activity CSV deprecated alias of --work-items, accepted for one more release" in out


class TestMapOption:
    def test_map_and_an_engagement_mapping_are_refused(
        self, exports: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        engagement = tmp_path / "engagement.json"
        engagement.write_text(json.dumps(_document(mapping=MAP)), encoding="utf-8")
        path = tmp_path / "map.json"
        path.write_text(json.dumps(MAP), encoding="utf-8")
        files = {**exports, "engagement": str(engagement)}
        flags = [
            "--submissions",
            exports["submissions"],
            "--work-items",
            exports["work_items"],
            "--map",
            str(path),
        ]
        assert main(_argv(files, *flags)) == 2
        assert capsys.readouterr().err == (
            "comanaged-rcm report: error: 1 validation issue: give --map or a mapping section in"
            f" --engagement {engagement}, not both @ --map\n"
        )

    def test_an_unreadable_map_names_the_flag(
        self, exports: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        flags = ["--submissions", exports["submissions"], "--work-items", exports["work_items"]]
        missing = str(tmp_path / "nope.json")
        assert main(_argv(exports, *flags, "--map", missing)) == 2
        assert capsys.readouterr().err.endswith("@ --map\n")
        assert (
            main(
                [
                    "kpi",
                    "--transactions",
                    exports["transactions"],
                    "--from",
                    "2026-10-01",
                    "--to",
                    "2026-11-02",
                    "--map",
                    missing,
                ]
            )
            == 2
        )
        assert capsys.readouterr().err.endswith("@ --map\n")

    def test_escalate_needs_a_map_of_one_table(
        self, exports: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "map.json"
        path.write_text(json.dumps({"tables": {"transactions": {}, "work_items": {}}}), encoding="utf-8")
        argv = ["escalate", "run", "--default-rules", "--records", exports["work_items"], "--map", str(path)]
        assert main(argv) == 2
        assert capsys.readouterr().err == (
            "comanaged-rcm escalate: error: 1 validation issue: --map must map exactly one table for a"
            " records file (it maps transactions, work_items) @ --map\n"
        )
