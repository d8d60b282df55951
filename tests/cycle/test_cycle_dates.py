"""The reported dates against the data: refused past its last day and before its first, or reported
with a banner under ``allow_partial``; the data's findings (unknown teams and workflows, case variants)."""

from __future__ import annotations

import datetime
import functools
import html
import json
from pathlib import Path

import attrs
import numpy as np
import pytest

from comanaged_rcm.cli import main
from comanaged_rcm.cycle import (
    CycleData,
    Engagement,
    GovernanceReport,
    default_engagement,
    render_html,
    render_json,
    render_markdown,
    render_text,
    run_cycle,
)
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.serialize import from_json, to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book, write_csv

LAST = datetime.date(2026, 11, 1)  # the book's last posting date
FIRST = datetime.date(2026, 2, 2)  # and its first


@functools.cache
def book() -> SyntheticBook:
    return generate_book(seed=5, claims=1500)


@functools.cache
def engagement() -> Engagement:
    """The default engagement (a 4-week KPI window), with short trends and replays."""
    return attrs.evolve(default_engagement(), trend_periods=2, escalation_periods=1)


def _data(*, drop: datetime.date | None = None) -> CycleData:
    """The book's tables, without the transactions posted on ``drop``."""
    data = CycleData.from_synthetic(book())
    if drop is None:
        return data
    keep = data.transactions["posting_date"] != np.datetime64(drop)
    return attrs.evolve(data, transactions={k: v[keep] for k, v in data.transactions.items()})


def _refusal(data: CycleData, as_of: datetime.date) -> str:
    with pytest.raises(ValidationError) as caught:
        run_cycle(engagement(), data, as_of)
    (issue,) = caught.value.issues
    assert (issue.path, issue.code) == ("$.as_of", "coverage")
    return issue.message


class TestTheLastDay:
    def test_a_week_ending_on_the_last_day_reports(self) -> None:
        """The week 2026-10-26..2026-11-01 ends exactly on the last posting date: as of that Sunday
        (the last day counted) it is reported with no banner, and so it is as of every day up to
        the Saturday after; as of the next Sunday the next week is, and it runs past the data."""
        report = run_cycle(engagement(), _data(), LAST)
        assert (report.as_of, report.period.last_day) == (LAST, LAST)
        assert report.partial_data == ""
        assert "Partial data" not in render_text(report)
        saturday = run_cycle(engagement(), _data(), LAST + datetime.timedelta(days=6))
        assert (saturday.period, saturday.as_of) == (report.period, datetime.date(2026, 11, 7))
        assert "runs past the data" in _refusal(_data(), LAST + datetime.timedelta(days=7))

    def test_one_day_past_is_refused(self) -> None:
        """Without the last day's postings, the same week runs one day past the data."""
        assert _refusal(_data(drop=LAST), datetime.date(2026, 11, 1)) == (
            "'as_of' 2026-11-01 (the last day counted): the report's week 2026-10-26..2026-11-01"
            " runs past the data (transactions posted 2026-02-02 .. 2026-10-31); pass allow_partial=True"
            " to report anyway"
        )

    def test_a_week_wholly_past_the_data(self) -> None:
        """The regression: as of a week after the data, a plausible report came out; now refused."""
        message = _refusal(_data(), datetime.date(2026, 11, 15))
        assert "the report's week 2026-11-09..2026-11-15 runs past the data" in message


class TestTheFirstDay:
    AS_OF = datetime.date(2026, 3, 1)  # week 2026-02-23..2026-03-01; its 4-week window starts 2026-02-02

    def test_a_window_starting_on_the_first_day_reports(self) -> None:
        assert run_cycle(engagement(), _data(), self.AS_OF).partial_data == ""

    def test_one_day_before_is_refused(self) -> None:
        """Without the first day's postings, the KPI window starts one day before the data."""
        assert _refusal(_data(drop=FIRST), self.AS_OF) == (
            "'as_of' 2026-03-01 (the last day counted): the KPI window (4 weeks ending with the"
            " report's week) 2026-02-02..2026-03-01 starts before the data (transactions posted"
            " 2026-02-03 .. 2026-11-01); pass allow_partial=True to report anyway"
        )

    def test_a_one_week_window_is_the_report_week(self) -> None:
        weekly = attrs.evolve(engagement(), kpi_window=1)
        with pytest.raises(
            ValidationError, match=r"the report's week 2026-01-26\.\.2026-02-01 starts before"
        ):
            run_cycle(weekly, _data(), datetime.date(2026, 2, 1))
        assert run_cycle(weekly, _data(), datetime.date(2026, 2, 8)).partial_data == ""


class TestAllowPartial:
    def test_the_banner_in_every_format(self) -> None:
        """Past the data, allow_partial reports with the uncovered days in every rendering."""
        report = run_cycle(engagement(), _data(drop=LAST), datetime.date(2026, 11, 1), allow_partial=True)
        banner = (
            "Partial data: no data for 2026-11-01..2026-11-01 of the report's week 2026-10-26..2026-11-01"
            " (transactions posted 2026-02-02 .. 2026-10-31); figures over those days are missing, not zero."
        )
        assert report.partial_data == banner
        paragraph = render_text(report).split("\n\n")[1]  # the text report wraps at 120 columns
        assert paragraph.replace("\n", " ") == f"!! {banner}"
        assert max(len(line) for line in paragraph.splitlines()) <= 120
        assert render_markdown(report).splitlines()[4] == f"> **{banner}**"
        assert f'<p class="partial" role="alert">{html.escape(banner)}</p>' in render_html(report)
        assert json.loads(render_json(report))["partial_data"] == banner
        assert from_json(render_json(report), GovernanceReport) == report

    def test_both_ends(self) -> None:
        """A data set shorter than the window has both gaps in one banner."""
        data = _data()
        keep = data.transactions["posting_date"] >= np.datetime64("2026-10-29")
        short = attrs.evolve(data, transactions={k: v[keep] for k, v in data.transactions.items()})
        with pytest.raises(ValidationError) as caught:
            run_cycle(engagement(), short, datetime.date(2026, 11, 8))
        message = caught.value.issues[0].message
        assert "starts before the data" in message
        assert "runs past the data" in message
        report = run_cycle(engagement(), short, datetime.date(2026, 11, 8), allow_partial=True)
        assert report.partial_data.startswith(
            "Partial data: no data for 2026-10-12..2026-10-28 of the KPI window (4 weeks ending with the"
            " report's week) 2026-10-12..2026-11-08 nor for 2026-11-02..2026-11-08 of the report's week"
            " 2026-11-02..2026-11-08 (transactions posted 2026-10-29 .. 2026-11-01)"
        )

    def test_no_dates_at_all(self) -> None:
        empty = CycleData(transactions={}, submissions={}, work_items={})
        with pytest.raises(ValidationError, match="has no data at all"):
            run_cycle(engagement(), empty, datetime.date(2026, 11, 1))

    def test_a_ledger_without_dates_falls_back_to_the_other_tables(self) -> None:
        data = attrs.evolve(_data(), transactions={})
        message = _refusal(data, datetime.date(2026, 11, 15))
        assert "(submissions and work items dated 2026-02-03 .. 2026-11-01)" in message

    def test_allow_partial_is_a_flag(self) -> None:
        with pytest.raises(ValidationError, match=r"\$\.allow_partial"):
            run_cycle(engagement(), _data(), datetime.date(2026, 11, 1), allow_partial="yes")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("dates")
    paths = {name: str(path) for name, path in write_csv(book(), directory).items()}
    (directory / "engagement.json").write_text(to_json(engagement()), encoding="utf-8")
    return {**paths, "engagement": str(directory / "engagement.json")}


def _report(files: dict[str, str], as_of: str, *extra: str) -> list[str]:
    return [
        "report", "--engagement", files["engagement"], "--transactions", files["transactions"],
        "--submissions", files["submissions"], "--work-items", files["work_items"], "--as-of", as_of, *extra,
    ]  # fmt: skip


class TestCommandLine:
    def test_report_past_the_data_exits_2(
        self, exports: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The regression: ``report --as-of`` a week past the data no longer prints NCR 'on track'."""
        out = tmp_path / "out"
        assert main([*_report(exports, "2026-11-15"), "--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == (
            "comanaged-rcm report: error: 1 validation issue: --as-of 2026-11-15 (the last day"
            " counted): the report's week 2026-11-09..2026-11-15 runs past the data (transactions"
            " posted 2026-02-02 .. 2026-11-01); pass --allow-partial to report anyway @ --as-of\n"
        )
        assert not out.exists()

    def test_report_allow_partial(
        self, exports: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = tmp_path / "out"
        assert main([*_report(exports, "2026-11-15", "--allow-partial"), "--out", str(out)]) == 0
        text = capsys.readouterr().out
        assert text.split("\n\n")[1].startswith("!! Partial data: no data for 2026-11-09..2026-11-15")
        assert "> **Partial data: no data for 2026-11-09..2026-11-15" in (out / "report.md").read_text(
            "utf-8"
        )
        assert 'class="partial"' in (out / "report.html").read_text("utf-8")
        assert json.loads((out / "report.json").read_text("utf-8"))["partial_data"].startswith("Partial data")

    def _kpi(self, files: dict[str, str], start: str, last: str, *extra: str) -> list[str]:
        return ["kpi", "--transactions", files["transactions"], "--from", start, "--through", last, *extra]

    def test_kpi_edges(self, exports: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
        """kpi: a period from the first day through the last reports; a day beyond either end is
        refused, at --through (or --to, when the period was given with it) or at --from."""
        assert main(self._kpi(exports, "2026-02-02", "2026-11-01")) == 0
        assert "Partial data" not in capsys.readouterr().out
        assert main(self._kpi(exports, "2026-10-01", "2026-11-02")) == 2
        assert capsys.readouterr().err == (
            "comanaged-rcm kpi: error: 1 validation issue: --from 2026-10-01 --through 2026-11-02 (both"
            " days counted): the period 2026-10-01..2026-11-02 runs past the data (transactions posted"
            " 2026-02-02 .. 2026-11-01); pass --allow-partial to report anyway @ --through\n"
        )
        to = ["kpi", "--transactions", exports["transactions"], "--from", "2026-10-01", "--to", "2026-11-03"]
        assert main(to) == 2
        assert capsys.readouterr().err.endswith("; pass --allow-partial to report anyway @ --to\n")
        assert main(self._kpi(exports, "2026-02-01", "2026-02-28")) == 2
        assert "the period 2026-02-01..2026-02-28 starts before the data" in capsys.readouterr().err

    @pytest.mark.parametrize("fmt", ["text", "markdown"])
    def test_kpi_allow_partial(
        self, fmt: str, exports: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(self._kpi(exports, "2026-10-01", "2026-11-02", "--allow-partial", "--format", fmt)) == 0
        first = capsys.readouterr().out.splitlines()[0]
        banner = (
            "Partial data: no data for 2026-11-02..2026-11-02 of the period 2026-10-01..2026-11-02"
            " (transactions posted 2026-02-02 .. 2026-11-01); figures over those days are missing, not zero."
        )
        assert first == (f"> **{banner}**" if fmt == "markdown" else f"!! {banner}")


def _messy() -> CycleData:
    """The book's tables with 3 items of team 'Offshore Pod', 2 of workflow 'Denials', and one
    transaction's payer spelled 'Aetna '."""
    data = _data()
    items = {k: v.copy() for k, v in data.work_items.items()}
    items["team"] = items["team"].astype("<U20")
    items["workflow"] = items["workflow"].astype("<U20")
    items["team"][:3] = "Offshore Pod"
    items["workflow"][3:5] = "Denials"
    tx = {k: v.copy() for k, v in data.transactions.items()}
    tx["payer"] = tx["payer"].astype("<U20")
    tx["payer"][tx["payer"] == "aetna"][:1]
    first = int(np.flatnonzero(tx["payer"] == "aetna")[0])
    tx["payer"][first] = "Aetna "
    return attrs.evolve(data, work_items=items, transactions=tx)


class TestDataFindings:
    def test_clean_data_has_none(self) -> None:
        report = run_cycle(engagement(), _data(), LAST + datetime.timedelta(days=1))
        assert report.data_findings == ()
        assert "7. DATA FINDINGS\n  (none)" in render_text(report)

    def test_findings_rendered(self) -> None:
        """Unknown teams and workflows and case variants are findings, with counts and examples."""
        report = run_cycle(engagement(), _messy(), LAST + datetime.timedelta(days=1))
        total = len(_data().work_items["item_id"])
        assert [(f.rule, f.severity, f.path) for f in report.data_findings] == [
            ("DATA-001", "warning", "work_items.team"),
            ("DATA-002", "warning", "work_items.workflow"),
            ("DATA-003", "warning", "transactions.payer"),
        ]
        team, workflow, payer = (f.message for f in report.data_findings)
        assert team == (
            f"3 of {total:,} work items name a team that is not a party of the scope split: 'Offshore Pod'"
            " (3 rows) (did you mean 'offshore_pod'?); they count as the partner's work in QA populations"
            " (every team but client staff does) under a party the split does not name"
        )
        assert workflow == (
            f"2 of {total:,} work items name a workflow that is not a workflow of the scope split: 'Denials'"
            " (2 rows) (did you mean 'denials'?); they drop out of every QA population"
        )
        assert payer == (
            "1 group(s) of payer values differ only in case or surrounding space ('Aetna ' and 'aetna'),"
            " so each counts as a different payer: fold them (add payer to the map's fold_case for"
            " transactions)"
        )
        text = render_text(report)
        assert "7. DATA FINDINGS" in text
        assert "DATA-002  warning   work_items.workflow" in text
        markdown = render_markdown(report)
        assert "## 7. Data findings" in markdown
        assert "| DATA-001 | warning | work_items.team | 3 of" in markdown
        assert "<td>DATA-003</td><td>warning</td><td>transactions.payer</td>" in render_html(report)
        assert json.loads(render_json(report))["data_findings"][0]["rule"] == "DATA-001"

    def test_many_values_are_summarised(self) -> None:
        data = _data()
        items = {k: v.copy() for k, v in data.work_items.items()}
        items["workflow"] = items["workflow"].astype("<U20")
        for i, name in enumerate(["x1", "x2", "x2", "x3", "x3", "x3", "x4"]):
            items["workflow"][i] = name
        report = run_cycle(
            engagement(), attrs.evolve(data, work_items=items), LAST + datetime.timedelta(days=1)
        )
        (finding,) = report.data_findings
        assert "'x3' (3 rows), 'x2' (2 rows), 'x1' (1 rows) and 1 more value(s);" in finding.message

    def test_the_command_line_prints_them_on_stderr(
        self, exports: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = Path(exports["work_items"])
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        cells = lines[1].split(",")
        cells[header.index("team")] = "Offshore Pod"
        bad = tmp_path / "work_items.csv"
        bad.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
        files = {**exports, "work_items": str(bad)}
        assert main(_report(files, "2026-11-02")) == 0
        captured = capsys.readouterr()
        assert captured.err.startswith("comanaged-rcm report: warning: 1 of ")
        assert captured.err.endswith("under a party the split does not name @ work_items.team\n")
        assert "DATA-001" in captured.out
