"""The edges of the governance cycle: bad input is a ValidationError naming the argument."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path

import attrs
import numpy as np
import pytest

from comanaged_rcm.cycle import (
    CycleData,
    Engagement,
    GovernanceReport,
    QaPolicy,
    _escalate,
    check_engagement,
    default_engagement,
    format_value,
    load_engagement,
    render_html,
    render_json,
    render_markdown,
    render_text,
    run_cycle,
    selection_seed,
    write_report,
)
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.periods import Period
from comanaged_rcm.sampling import Method
from comanaged_rcm.serialize import to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book

WEEK = Period(datetime.date(2026, 5, 11), datetime.date(2026, 5, 18))


@functools.cache
def tiny() -> tuple[Engagement, CycleData, SyntheticBook]:
    """A 60-claim book and an engagement with short windows: a cycle in a blink."""
    book = generate_book(seed=5, claims=60, weeks=2)
    engagement = attrs.evolve(default_engagement(), trend_periods=2, kpi_window=1, escalation_periods=1)
    return engagement, CycleData.from_synthetic(book), book


def refusal(call: object, *args: object, **kwargs: object) -> Issue:
    """The first issue of the ValidationError that ``call(*args, **kwargs)`` raises."""
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value.issues[0]


class TestRunCycle:
    @pytest.mark.parametrize(
        ("as_of", "fragment"),
        [
            (datetime.datetime(2026, 5, 18, 9), "not a datetime"),  # noqa: DTZ001
            ("2026-05-18", "fromisoformat"),
            (datetime.date(1, 1, 1), "between 1900-01-01"),
            (datetime.date(9999, 12, 31), "no room in the calendar"),
        ],
    )
    def test_as_of(self, as_of: object, fragment: str) -> None:
        """A datetime, text, or a date at either end of the calendar names $.as_of."""
        engagement, data, _ = tiny()
        issue = refusal(run_cycle, engagement, data, as_of)
        assert issue.path == "$.as_of"
        assert fragment in issue.message

    def test_rules_that_cannot_be_replayed_name_as_of(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """When the escalation engine refuses the replay up to as_of, the error leads with $.as_of."""
        engagement, data, book = tiny()

        def refuse(*_: object, **__: object) -> None:
            raise ValidationError.single("$", "range", "a business-day span must be at most 200 years")

        monkeypatch.setattr(_escalate, "step", refuse)
        with pytest.raises(ValidationError) as caught:
            run_cycle(engagement, data, book.period.end)
        first, second = caught.value.issues
        assert first.path == "$.as_of"
        assert "escalation rules" in first.message
        assert "200 years" in second.message

    def test_far_dates_hold(self) -> None:
        """Dates far from the tables report or are refused at $.as_of; nothing else escapes."""
        engagement, data, _ = tiny()
        for year in (1900, 2999, 6537, 9998):
            paths = ["$.as_of"]
            try:
                report = run_cycle(engagement, data, datetime.date(year, 1, 2))
            except ValidationError as exc:
                paths = [exc.issues[0].path]
            else:
                assert render_text(report)
            assert paths == ["$.as_of"]

    @pytest.mark.parametrize(
        ("name", "value"), [("engagement", default_engagement), ("data", {"transactions": {}})]
    )
    def test_wrong_types(self, name: str, value: object) -> None:
        """An engagement or data of another type names the argument."""
        engagement, data, book = tiny()
        arguments = {"engagement": engagement, "data": data, "as_of": book.period.end, name: value}
        issue = refusal(run_cycle, **arguments)
        assert (issue.path, issue.code) == (f"$.{name}", "type")

    def test_good_input_unchanged(self) -> None:
        """The checks leave the report of good input as it was: the same JSON for the same seed."""
        engagement, data, book = tiny()
        first = render_json(run_cycle(engagement, data, book.period.end))
        again = run_cycle(
            engagement, CycleData.from_synthetic(generate_book(seed=5, claims=60, weeks=2)), book.period.end
        )
        assert render_json(again) == first


class TestEngagementModels:
    @pytest.mark.parametrize(
        ("field", "value", "fragment"),
        [
            ("trend_periods", 10**400, "<= 1,000"),
            ("kpi_window", True, "whole number"),
            ("qa_seed", 2**64, "<= 18,446,744,073,709,551,615"),
            ("outcomes", "net_collection_rate", "must be a tuple"),
            ("drivers", [3], "must be text"),
            ("conventions", {"denial_unit": None}, "must be a string"),
            ("name", "", "non-empty"),
            ("id", "demo health", "id of ASCII"),
            ("rules", None, "RuleSet"),
            ("cadence", "weekly", "Cadence"),
        ],
    )
    def test_fields(self, field: str, value: object, fragment: str) -> None:
        """Each Engagement field is checked at construction, naming it."""
        issue = refusal(attrs.evolve, default_engagement(), **{field: value})
        assert issue.path.startswith(f"$.{field}")
        assert fragment in issue.message

    def test_lists_become_tuples_and_counts_ints(self) -> None:
        """A document built in Python with lists and numpy counts equals the tuple form."""
        base = default_engagement()
        built = attrs.evolve(base, outcomes=list(base.outcomes), trend_periods=np.int64(13))
        assert built == base
        assert type(built.trend_periods) is int

    @pytest.mark.parametrize(
        ("field", "value"),
        [("confidence", float("nan")), ("method", "binomial"), ("window", 10**400), ("workflow", None)],
    )
    def test_qa_policy_fields(self, field: str, value: object) -> None:
        """NaN, a method given as text and absurd windows are refused, naming the field."""
        issue = refusal(QaPolicy, **{"workflow": "denials", field: value})
        assert issue.path == f"$.{field}"

    def test_policy_and_check_name_their_argument(self) -> None:
        """policy() and check_engagement() name the argument at fault."""
        assert refusal(default_engagement().policy, None).path == "$.workflow"
        assert refusal(check_engagement, "demo").path == "$.engagement"


class TestLoadEngagement:
    @pytest.mark.parametrize("source", [None, b"{}", 5, "abc\x00"])
    def test_source_types(self, source: object) -> None:
        """Neither text nor a path, or a path with a NUL: $.source."""
        assert refusal(load_engagement, source).path == "$.source"

    def test_a_directory(self, tmp_path: Path) -> None:
        """A directory is not a file to read."""
        issue = refusal(load_engagement, tmp_path)
        assert issue.path == "$.source"
        assert "cannot read" in issue.message

    def test_utf16_file(self, tmp_path: Path) -> None:
        """A file saved as UTF-16 (with its BOM) reads as the same engagement."""
        path = tmp_path / "engagement.json"
        path.write_text(to_json(default_engagement()), encoding="utf-16")
        assert load_engagement(path) == default_engagement()

    def test_not_utf8(self, tmp_path: Path) -> None:
        """cp1252 bytes name the file and line, not a UnicodeDecodeError."""
        path = tmp_path / "engagement.json"
        path.write_bytes(b'{"name": "\x93quoted\x94"}')
        issue = refusal(load_engagement, path)
        assert "not UTF-8" in issue.message
        assert issue.path.startswith(str(path))


class TestRenderers:
    @pytest.mark.parametrize("render", [render_text, render_markdown, render_json, render_html])
    def test_report_type(self, render: object) -> None:
        """Each renderer names $.report."""
        assert refusal(render, {"engagement": "x"}).path == "$.report"

    @pytest.mark.parametrize(
        ("value", "unit", "path"),
        [(10**400, "percent", "$.value"), (float("inf"), "days", "$.value"), ("96", "percent", "$.value"),
         (1.0, None, "$.unit")],
    )  # fmt: skip
    def test_format_value(self, value: object, unit: object, path: str) -> None:
        """Numbers too large for a float, infinities and text are refused; NaN prints n/a."""
        assert refusal(format_value, value, unit).path == path
        assert format_value(float("nan"), "percent") == "n/a"
        assert format_value(np.float32(0.5), "fraction") == "50.0%"  # type: ignore[arg-type]

    def test_write_report_directory(self, report: GovernanceReport, tmp_path: Path) -> None:
        """A directory argument that is not a path, or has a NUL, names $.directory."""
        assert refusal(write_report, report, None).path == "$.directory"
        assert refusal(write_report, report, str(tmp_path / "a\x00b")).path == "$.directory"

    def test_a_directory_in_the_way(self, report: GovernanceReport, tmp_path: Path) -> None:
        """A directory named like a report file stops the write before anything moves."""
        (tmp_path / "report.md").mkdir()
        with pytest.raises(IsADirectoryError):
            write_report(report, tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]

    def test_selection_seed(self) -> None:
        """selection_seed names each argument; numpy bases are ints."""
        assert refusal(selection_seed, 10**400, "denials", WEEK).path == "$.base"
        assert refusal(selection_seed, 1, None, WEEK).path == "$.workflow"
        assert refusal(selection_seed, 1, "denials", "2026-W20").path == "$.period"
        assert selection_seed(np.int64(7), "denials", WEEK) == selection_seed(7, "denials", WEEK)  # type: ignore[arg-type]


class TestCycleDataEdges:
    def test_tables_must_be_mappings_of_columns(self) -> None:
        """A table that is not a mapping of 1-D columns is named by its field, a bad column by its name."""
        assert refusal(CycleData, transactions=float("nan"), submissions={}, work_items={}).path == (
            "$.transactions"
        )
        assert refusal(
            CycleData, transactions={}, submissions={"claim_id": np.zeros((2, 2))}, work_items={}
        ).path == ("$.submissions.claim_id")
        assert refusal(CycleData, transactions={}, submissions={}, work_items={"x": "abc"}).path == (
            "$.work_items.x"
        )
        assert (
            refusal(CycleData, transactions={}, submissions={}, work_items={}, audits=[1]).path == "$.audits"
        )
        assert (
            refusal(CycleData, transactions={}, submissions={}, work_items={}, auditor=3).path == "$.auditor"
        )
        assert (
            refusal(CycleData, transactions={}, submissions={}, work_items={}, source="").path == "$.source"
        )
        data = CycleData(transactions={"a": np.ones(1)}, submissions={}, work_items={}, audits=None)
        assert data.audits is None

    def test_from_synthetic_needs_a_book(self) -> None:
        """from_synthetic of anything but a SyntheticBook names $.book."""
        assert refusal(CycleData.from_synthetic, object()).path == "$.book"

    def test_audit_results_arguments(self) -> None:
        """The workflow is text and each id text without NUL (numpy would drop it and match another id)."""
        audits = {
            "item_id": np.array(["W1", "W2"]),
            "workflow": np.array(["denials", "denials"]),
            "error": np.array([True, False]),
        }
        data = CycleData(transactions={}, submissions={}, work_items={}, audits=audits)
        assert refusal(data.audit_results, "", np.array(["W1"])).path == "$.workflow"
        assert refusal(data.audit_results, "denials", ["W1", "W2\x00"]).path == "$.item_ids[1]"
        assert refusal(data.audit_results, "denials", ["W1", 2]).path == "$.item_ids[1]"
        assert refusal(data.audit_results, "denials", "W1").path == "$.item_ids"
        assert data.audit_results("denials", ["W2", "W1", "W9"]).tolist() == [0, 1, -1]
        assert data.audit_results("denials", []).tolist() == []


class TestQaMethods:
    @pytest.mark.parametrize("method", ["binomial", "poisson", "hypergeometric"])
    def test_every_qa_method_runs(self, method: str) -> None:
        """A QA policy of any method plans and evaluates; only the hypergeometric one reads the population."""
        engagement, data, book = tiny()
        policies = tuple(attrs.evolve(p, method=Method(method)) for p in engagement.qa)
        report = run_cycle(attrs.evolve(engagement, qa=policies), data, book.period.end)
        assert report.qa
        assert {line.method for line in report.qa} == {method}
        assert any(line.sample_size >= 1 for line in report.qa)
