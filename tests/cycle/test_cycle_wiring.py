"""The report carries what each stage hands it: the margin, the history's notes."""

from __future__ import annotations

import datetime
from pathlib import Path

import attrs
import pytest

from comanaged_rcm.cycle import (
    Baseline,
    CycleData,
    EconomicsSection,
    Fee,
    GovernanceReport,
    default_engagement,
    margin,
    open_history,
    render_html,
    render_json,
    render_markdown,
    render_text,
    run_cycle,
)
from comanaged_rcm.cycle._facts import _window
from comanaged_rcm.serialize import from_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book

D = datetime.date


@pytest.fixture(scope="module")
def book() -> SyntheticBook:
    return generate_book(seed=1, claims=3000)


def test_an_engagement_with_economics_reports_its_margin(book: SyntheticBook) -> None:
    """``run_cycle`` fills ``margin`` with :func:`margin` over the report's KPI window, and renders it."""
    economics = EconomicsSection(
        fees=(Fee(from_=D(2026, 6, 1), through=D(2026, 12, 27), fixed=700.0),),
        baseline=Baseline(from_=D(2026, 5, 4), through=D(2026, 5, 31)),
    )
    engagement = attrs.evolve(default_engagement(), economics=economics)
    data = CycleData.from_synthetic(book)
    report = run_cycle(engagement, data, book.period.last_day)
    assert report.margin is not None
    assert report.margin == margin(engagement, data.book(), _window(engagement, report.period))
    partner = report.margin.figure("partner_cost")
    # the KPI window's weekly periods, each wholly inside the fee's range: 700 a week
    assert engagement.kpi_window == 4
    assert partner.value == pytest.approx(4 * 700.0)
    assert "MARGIN" in render_text(report)
    assert "## Margin" in render_markdown(report)
    assert "<h2>Margin</h2>" in render_html(report)
    assert from_json(render_json(report), GovernanceReport) == report


def test_without_economics_the_report_has_no_margin(book: SyntheticBook) -> None:
    report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
    assert report.margin is None
    assert '"margin"' not in render_json(report)
    assert "MARGIN" not in render_text(report)


def test_history_notes_are_the_reports_own_section(book: SyntheticBook, tmp_path: Path) -> None:
    """A week run again says so in ``history`` (not among the data findings), in every format."""
    engagement, data = default_engagement(), CycleData.from_synthetic(book)
    with open_history(tmp_path / "engagement.db") as history:
        first = run_cycle(engagement, data, book.period.end, history=history)
        again = run_cycle(engagement, data, book.period.end, history=history)
    assert first.history == ()
    assert "8. HISTORY" not in render_text(first)
    assert [f.rule for f in again.history] == ["HISTORY-001"]
    assert all(f.path != "history" for f in again.data_findings)
    assert "8. HISTORY" in render_text(again)
    assert "## 8. History" in render_markdown(again)
    assert "<h2>8. History</h2>" in render_html(again)
    assert from_json(render_json(again), GovernanceReport) == again
    assert '"history"' not in render_json(first)


def test_decisions_waiting_say_how_many_items_no_group_lists() -> None:
    """Items whose escalation an inhibiting alert mutes still wait; the note counts them, once."""
    book = generate_book(seed=7, claims=20_000)
    report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
    muted = {e.dedup_key for e in report.escalations if e.muted}
    waiting = [key for d in report.decisions for key in d.alerts]
    hidden = sum(key in muted for key in waiting)
    assert 0 < hidden < len(waiting)
    grouped = {key for g in report.groups for key in g.alerts}
    assert not any(key in grouped for key in waiting if key in muted)
    text = " ".join(render_text(report).split())
    assert f"{hidden:,} of these items' escalations are muted by an inhibiting alert" in text
    unmuted = attrs.evolve(
        report,
        decisions=[d for d in report.decisions if not any(k in muted for k in d.alerts)],
        headline=None,
    )
    assert "muted by an inhibiting alert, so no group" not in render_text(unmuted)
