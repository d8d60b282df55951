"""The edges of the governance cycle: bad input is a ValidationError naming the argument."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm.cycle import (
    CycleData,
    Engagement,
    GovernanceReport,
    QaPolicy,
    _data,
    _escalate,
    _run,
    check_engagement,
    default_engagement,
    format_value,
    load_engagement,
    read_cycle_csv,
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
            (datetime.date(9999, 12, 31), "'as_of' must be between 1900-01-01 and 9999-12-30"),
            (datetime.date(9999, 12, 30), "no room in the calendar"),
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
            run_cycle(engagement, data, book.period.last_day)
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
        first = render_json(run_cycle(engagement, data, book.period.last_day))
        again = run_cycle(
            engagement,
            CycleData.from_synthetic(generate_book(seed=5, claims=60, weeks=2)),
            book.period.last_day,
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

    def test_the_book_is_kept_while_its_arrays_cannot_change(self) -> None:
        """Read-only arrays give one Book (and its codes) however often asked; anything else a new one."""
        _, data, book = tiny()
        kept = data.book()
        assert data.book() is kept
        assert kept.work_items is not None
        assert kept.work_items["opened"] is book.work_items["opened"]  # not copied either
        same = CycleData.from_synthetic(book)
        assert same.book() is not kept  # another CycleData validates its own
        items = dict(book.work_items)
        items["team"] = items["team"].copy()  # a writable column
        writable = attrs.evolve(data, work_items=items)
        assert writable.book() is not writable.book()
        items["team"].setflags(write=False)
        frozen = attrs.evolve(data, work_items=items)
        first = frozen.book()
        assert frozen.book() is first
        frozen.work_items["team"] = book.work_items["team"]  # a column replaced by another array
        assert frozen.book() is not first
        del frozen.work_items["escalated"]
        with pytest.raises(ValidationError):
            frozen.book()

    def test_csv_tables_are_read_only_and_validated_once(self, tmp_path: Path) -> None:
        """What read_cycle_csv reads cannot be written; its validation's Book is the one run_cycle gets."""
        from comanaged_rcm.synthetic import write_csv  # noqa: PLC0415

        _, _, book = tiny()
        paths = write_csv(book, tmp_path)
        data = read_cycle_csv(
            transactions=paths["transactions"],
            submissions=paths["submissions"],
            work_items=paths["work_items"],
            audits=paths["audits"],
        )
        for table in (data.transactions, data.submissions, data.work_items, data.audits or {}):
            for values in table.values():
                assert not values.flags.writeable
        assert data.book() is data.book()


class TestQaMethods:
    @pytest.mark.parametrize("method", ["binomial", "poisson", "hypergeometric"])
    def test_every_qa_method_runs(self, method: str) -> None:
        """A QA policy of any method plans and evaluates; only the hypergeometric one reads the population."""
        engagement, data, book = tiny()
        policies = tuple(attrs.evolve(p, method=Method(method)) for p in engagement.qa)
        report = run_cycle(attrs.evolve(engagement, qa=policies), data, book.period.last_day)
        assert report.qa
        assert {line.method for line in report.qa} == {method}
        assert any(line.sample_size >= 1 for line in report.qa)


# ------------------------------------------------------------ stages on codes, against references
def _reference_operations(engagement: Engagement, items: dict[str, np.ndarray], period: Period) -> Any:
    """The operations section by string keys: np.unique over "team\\x1fworkflow", row masks per workflow.

    As plain tuples: (team, name, kind, workflow, closed, touches, escalated, open) per party and
    workflow worked, then (workflow, open, aged over 30, median age, oldest age) per queue.
    """
    start, end = np.datetime64(period.start, "D"), np.datetime64(period.end, "D")
    closed, opened = items["closed"], items["opened"]
    done = (closed >= start) & (closed < end)
    still_open = (opened < end) & (np.isnat(closed) | (closed >= end))
    keys = np.char.add(np.char.add(items["team"].astype(str), "\x1f"), items["workflow"].astype(str))
    parties = []
    for key in np.unique(keys):
        worked, waiting = done & (keys == key), still_open & (keys == key)
        if worked.any() or waiting.any():
            team, workflow = str(key).split("\x1f")
            counts = (
                worked.sum(),
                items["touches"][worked].sum(),
                (worked & items["escalated"]).sum(),
                waiting.sum(),
            )
            parties.append((team, *_run._party(engagement, team), workflow, *(int(n) for n in counts)))
    queues = []
    for workflow in np.unique(items["workflow"]):
        ages = (end - opened[still_open & (items["workflow"] == workflow)]).astype(np.int64)
        median, oldest = (float(np.median(ages)), int(ages.max())) if len(ages) else (None, None)
        queues.append((str(workflow), len(ages), int((ages > 30).sum()), median, oldest))
    return parties, queues


def _operations_tuples(section: Any) -> Any:
    """An operations section as :func:`_reference_operations` gives it."""
    parties = [
        (p.party, p.party_name, p.kind, p.workflow, p.closed, p.touches, p.escalated, p.open_items)
        for p in section.by_party
    ]
    queues = [
        (q.workflow, q.open_items, q.aged_over_30, q.median_age_days, q.oldest_age_days)
        for q in section.queues
    ]
    return parties, queues


def _reference_population(
    engagement: Engagement, items: dict[str, np.ndarray], workflow: str, period: Period
) -> list[str]:
    """The item ids a period's QA population holds, row by row."""
    client = {p.id for p in engagement.split.parties if p.kind.value == "client_staff"}
    start, end = np.datetime64(period.start, "D"), np.datetime64(period.end, "D")
    return sorted(
        str(item)
        for item, flow, team, closed in zip(
            items["item_id"], items["workflow"], items["team"], items["closed"], strict=True
        )
        if flow == workflow and str(team) not in client and not np.isnat(closed) and start <= closed < end
    )


def _reference_findings(engagement: Engagement, data: CycleData) -> list[tuple[str, str, str]]:
    """Scope findings by np.unique over the text, case findings from case_variants on every id column.

    The messages' head: the rows counted and the values quoted (by the report's own formatter).
    """
    from comanaged_rcm.mapping import case_variants  # noqa: PLC0415

    found = []
    items = data.work_items
    for column, known, rule in (
        ("team", sorted(p.id for p in engagement.split.parties), "DATA-001"),
        ("workflow", sorted(engagement.split.in_scope | engagement.split.out_of_scope), "DATA-002"),
    ):
        values, counts = np.unique(items[column].astype(str), return_counts=True)
        unknown = ~np.isin(values, known)
        if unknown.any():
            quoted = _data._rows(values[unknown], counts[unknown], known)
            head = f"{int(counts[unknown].sum()):,} of {int(counts.sum()):,} work items"
            found.append((rule, f"work_items.{column}", f"{head} {quoted}"))
    for table, column in _data._ID_COLUMNS:
        columns = getattr(data, table)
        if column in columns:
            values = np.unique(columns[column].astype(str))
            notes = case_variants(values[values != ""], column)
            if notes:
                shown = "; ".join(_data._group(note) for note in notes[: _data.MAX_EXAMPLES])
                more = (
                    f" and {len(notes) - _data.MAX_EXAMPLES:,} more group(s)"
                    if len(notes) > _data.MAX_EXAMPLES
                    else ""
                )
                what = f"{column} values differ only in case or surrounding space ({shown}{more})"
                found.append(("DATA-003", f"{table}.{column}", f"{len(notes):,} group(s) of {what}"))
    return found


def _head(finding: Any) -> tuple[str, str, str]:
    """A finding as :func:`_reference_findings` gives it."""
    message = finding.message
    if finding.rule == "DATA-003":
        return finding.rule, finding.path, message.split("), so each", 1)[0] + ")"
    head = " ".join(message.split(" ", 5)[:5])
    quoted = message.split(": ", 1)[1].rsplit("; ", 1)[0]
    return finding.rule, finding.path, f"{head} {quoted}"


def _perturbed(seed: int) -> tuple[Engagement, CycleData, SyntheticBook]:
    """A small book whose work items carry unknown teams and workflows and ids differing in case or space."""
    book = generate_book(seed=seed, claims=400 + 50 * seed, weeks=6)
    rng = np.random.default_rng(seed)
    items = {name: np.array(column, copy=True) for name, column in book.work_items.items()}
    n = len(items["item_id"])
    teams = np.array(["offshore_pod", "Offshore_Pod", "client_staff", "vendor_x", "automation"])
    workflows = np.array(["denials", "coding", "Denials ", "triage", "write_off_approval"])
    chosen = rng.random(n) < 0.3
    items["team"] = items["team"].astype("<U20")
    items["team"][chosen] = rng.choice(teams, int(chosen.sum()))
    chosen = rng.random(n) < 0.3
    items["workflow"] = items["workflow"].astype("<U20")
    items["workflow"][chosen] = rng.choice(workflows, int(chosen.sum()))
    if seed % 2:  # ids that differ only in case or surrounding space
        items["item_id"] = items["item_id"].astype("<U12")
        items["item_id"][:3] = [" w1", "W1", "w1"]
        items["claim_id"] = np.char.lower(items["claim_id"]) if seed % 3 else items["claim_id"]
    transactions = dict(book.transactions)
    if seed % 4 == 1:
        transactions["payer"] = np.char.upper(transactions["payer"])
        transactions["payer"][::7] = np.char.lower(transactions["payer"][::7])
    engagement = attrs.evolve(default_engagement(), trend_periods=2, kpi_window=1, escalation_periods=1)
    data = CycleData(
        transactions=transactions,
        submissions=book.submissions,
        work_items=items,
        auditor=CycleData.from_synthetic(book).auditor,
        source="perturbed",
    )
    return engagement, data, book


class TestStagesOnCodes:
    """Operations, QA populations and data findings read the Book's codes; a string reading agrees."""

    @pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
    def test_operations_populations_and_findings(self, seed: int) -> None:
        engagement, data, book = _perturbed(seed)
        kpi_book = data.book()
        items = dict(kpi_book.work_items or {})
        periods = engagement.cadence.periods_ending(book.period.end, 5)
        for period in periods:
            expected = _reference_operations(engagement, items, period)
            for source in (kpi_book, data.work_items):
                assert _operations_tuples(_run._operations(engagement, source, period, (), 0)) == expected
        for source in (kpi_book, data.work_items):
            populations = _run._Populations(engagement, source)
            for period in periods:
                for workflow in (*np.unique(items["workflow"]).tolist(), "none"):
                    found = populations(workflow, period)
                    assert found.tolist() == _reference_population(engagement, items, workflow, period)
        findings = (*_data.scope_findings(engagement.split, kpi_book), *_data.case_findings(data, kpi_book))
        assert [_head(f) for f in findings] == _reference_findings(engagement, data)
        raw = _data.scope_findings(engagement.split, data.work_items)
        assert raw == _data.scope_findings(engagement.split, kpi_book)

    def test_perturbations_reach_every_finding(self) -> None:
        """The perturbed books do find unknown teams, workflows and case variants (the test above bites)."""
        rules = set()
        for seed in (1, 2, 3, 5):
            engagement, data, _ = _perturbed(seed)
            rules |= {(r, p) for r, p, _ in _reference_findings(engagement, data)}
        assert {("DATA-001", "work_items.team"), ("DATA-002", "work_items.workflow")} <= rules
        assert {("DATA-003", "work_items.item_id"), ("DATA-003", "transactions.payer")} <= rules

    def test_empty_work_items(self) -> None:
        engagement, data, _ = tiny()
        empty = attrs.evolve(data, work_items={})
        operations = _run._operations(engagement, empty.book(), WEEK, (), 2)
        assert (operations.by_party, operations.queues, operations.open_escalations) == ((), (), 2)
        assert _run._Populations(engagement, empty.book())("denials", WEEK).tolist() == []
        assert _data.scope_findings(engagement.split, empty.book()) == []


class TestCaseTest:
    """The cheap test before case_variants never says no when case_variants finds a group."""

    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            (["C01", "C02"], False),  # no position holds both cases
            (["Ab", "ac"], False),  # both cases at a position, yet no two fold together
            (["Ab", "ab"], True),
            (["Ab", "aB"], True),
            (["a", "a "], True),
            (["a", "\x1fa"], True),  # str.strip removes the unit separator too
            (["é", "É"], True),  # beyond ASCII: case_variants decides
            (["a"], False),
            ([], False),
        ],
    )
    def test_examples(self, values: list[str], expected: bool) -> None:
        assert _data._may_differ_in_case(np.array(values, dtype=str)) is expected

    @settings(max_examples=200)
    @given(st.lists(st.text(st.sampled_from("aAbB \t\x1fé0"), max_size=4), unique=True, max_size=8))
    def test_never_misses_a_group(self, values: list[str]) -> None:
        from comanaged_rcm.mapping import case_variants  # noqa: PLC0415

        array = np.unique(np.array(values, dtype=str))
        array = array[array != ""]
        if case_variants(array, "x") if array.size else ():
            assert _data._may_differ_in_case(array)
