"""The report renderers: section order, formatting, escaping, JSON round trip, a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from comanaged_rcm.cycle import (
    CycleData,
    GovernanceReport,
    default_engagement,
    render_html,
    render_json,
    render_markdown,
    render_text,
    run_cycle,
)
from comanaged_rcm.cycle._charts import svg_trend
from comanaged_rcm.serialize import from_json
from comanaged_rcm.synthetic import generate_book
from tests.cycle.test_cycle_monday import with_groups


class TestText:
    def test_outcomes_come_first_and_activity_apart(self, report: GovernanceReport) -> None:
        """Outcomes, then drivers, then operations in its own section; QA, escalations, findings after."""
        text = render_text(report)
        order = [
            text.index(h)
            for h in (
                "1. OUTCOMES",
                "2. DRIVERS",
                "3. OPERATIONS",
                "4. QA",
                "5. ESCALATIONS",
                "6. SCOPE FINDINGS",
            )
        ]
        assert order == sorted(order)
        outcomes = text[text.index("1. OUTCOMES") : text.index("2. DRIVERS")]
        assert "Items closed" not in outcomes
        assert "Items closed" in text[text.index("3. OPERATIONS") :]

    def test_values_targets_status(self, report: GovernanceReport) -> None:
        """Rates as percentages, days with a unit, targets with their direction, breaches loud."""
        text = render_text(report)
        assert re.search(r"Net collection rate\s+96\.1%\s+>= 95\.0%\s+on track\s+\+0\.4 pp", text)
        assert re.search(r"Days in A/R\s+47\.5 d\s+<= 40\.0 d\s+BREACH\s+\+2\.5", text)
        assert "n/a" in text  # the undefined denial rate, with the reason where the convention goes
        assert "undefined: no claims adjudicated in the period" in text
        assert "FAIL" in text
        assert "Client RCM director" in render_text(with_groups(report))


class TestMarkdown:
    def test_tables_and_escaping(self, report: GovernanceReport) -> None:
        """Each section is a Markdown table; pipes inside cells are escaped."""
        md = render_markdown(report)
        assert md.startswith("# Co-managed governance report: Riverside Health x Partner")
        assert "## 1. Outcomes" in md
        assert "| metric | value | target | status | change | trend | convention |" in md
        assert "too many Informed parties \\| x" in md


class TestJson:
    def test_round_trip(self, report: GovernanceReport) -> None:
        """The JSON report structures back into an equal report, and re-renders to the same bytes."""
        text = render_json(report)
        again = from_json(text, GovernanceReport)
        assert again == report
        assert render_json(again) == text


class TestHtml:
    def test_self_contained_and_escaped(self, report: GovernanceReport) -> None:
        """No scripts, no external resources; user text is escaped; one SVG per KPI trend."""
        page = render_html(report)
        assert "<script>" not in page
        assert "&lt;script&gt;" in page
        assert not re.search(r"(src|href)=\"https?:", page)
        assert page.count("<svg") == 4  # two outcomes, one driver, one activity KPI
        assert 'class="s-breach"' in page

    def test_svg_trend_handles_gaps_and_flat_lines(self, report: GovernanceReport) -> None:
        """Undefined periods are skipped; a flat or empty trend still draws."""
        ncr = report.outcomes[0]  # values, values, gap, value: two runs
        assert svg_trend(ncr.trend).count("<polyline") == 2
        assert svg_trend(report.outcomes[1].trend).count("<polyline") == 1
        assert "no data" in svg_trend(())

    @pytest.mark.browser
    def test_renders_in_headless_chromium(self, report: GovernanceReport, tmp_path: Path) -> None:
        """The page renders in a real browser with no console errors, and the screenshot is not blank."""
        dom = _render_in_chromium(render_html(report), tmp_path)
        assert "1. Outcomes" in dom
        assert dom.count("<svg") == 4

    @pytest.mark.browser
    def test_demo_report_renders_in_headless_chromium(self, tmp_path: Path) -> None:
        """A real cycle's report (hundreds of rows, every section) renders cleanly too."""
        book = generate_book(seed=7, claims=3000)
        real = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
        dom = _render_in_chromium(render_html(real), tmp_path)
        lines = len(real.outcomes) + len(real.drivers) + len(real.operations.activity_kpis)
        assert dom.count("<svg") == lines
        for heading in ("4. QA", "5. Escalations", "6. Scope findings"):
            assert heading in dom


def _render_in_chromium(html_page: str, tmp_path: Path) -> str:
    """Screenshot the page in headless Chromium, fail on console errors, and return its DOM."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium installed")
    page = tmp_path / "report.html"
    page.write_text(html_page, encoding="utf-8")
    shot = tmp_path / "report.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    run = subprocess.run(  # noqa: S603  (a fixed browser binary on a file we wrote)
        [browser, *flags, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert shot.stat().st_size > 10_000
    return subprocess.run(  # noqa: S603  (same)
        [browser, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
