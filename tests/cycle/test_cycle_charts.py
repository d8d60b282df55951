"""The report's charts: one scale per unit, the target drawn, the range labelled; the page in a browser."""

# ruff: noqa: RUF001  (the report's ranges print with an en dash)

from __future__ import annotations

import datetime
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

import comanaged_rcm.cli  # registers the ASCII fallback the CLI prints through
from comanaged_rcm.cycle import (
    GovernanceReport,
    KpiLine,
    TrendPoint,
    render_html,
    render_markdown,
    render_text,
)
from comanaged_rcm.cycle._charts import (
    CSS,
    Scale,
    chart_scale,
    kpi_section,
    range_label,
    sparkline,
    svg_trend,
    unit_scales,
)
from comanaged_rcm.cycle._format import format_figure
from comanaged_rcm.cycle._section import section, section_html
from comanaged_rcm.periods import Cadence

if TYPE_CHECKING:
    from .conftest import Chromium

AS_OF = datetime.date(2026, 11, 23)


def trend(values: list[float | None]) -> tuple[TrendPoint, ...]:
    cadence = Cadence.weekly()
    periods = cadence.periods_ending(AS_OF, len(values))
    return tuple(TrendPoint(cadence.label(p), p, v) for p, v in zip(periods, values, strict=True))


def kpi(
    name: str, values: list[float | None], *, unit: str = "percent", target: float | None = None
) -> KpiLine:
    return KpiLine(
        metric=re.sub(r"\W+", "_", name.lower()).strip("_"),
        name=name,
        tier="outcome",
        unit=unit,
        direction="higher",
        value=values[-1],
        numerator=1.0,
        denominator=1.0,
        convention="test.v1",
        target=target,
        status="no_target" if target is None else "on_track",
        trend=trend(values),
    )


def svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314  (markup this library wrote)


def polylines(markup: str) -> list[list[tuple[float, float]]]:
    """Each polyline's points, in order."""
    return [
        [(float(x), float(y)) for x, y in (pt.split(",") for pt in line.get("points", "").split())]
        for line in svg(markup).iter("polyline")
    ]


def ys(markup: str) -> list[float]:
    """The y of every drawn point, run after run (an isolated point counted once)."""
    out: list[float] = []
    for run in polylines(markup):
        out.extend(y for _, y in (run if len(run) > 2 or run[0] != run[-1] else run[:1]))
    return out


def texts(markup: str) -> dict[str, str]:
    """The chart's labels by class."""
    return {t.get("class", ""): t.text or "" for t in svg(markup).iter("text")}


def plot_y(markup: str, value: float, scale: Scale) -> float:
    """Where ``value`` sits in a chart, from the drawn axis (its top and bottom) and the scale."""
    axis = next(p for p in svg(markup).iter("path") if p.get("class") == "axis")
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", axis.get("d", ""))]
    top, bottom = numbers[1], numbers[3]  # M x top H x V bottom H x
    return bottom - (value - scale.low) / (scale.high - scale.low) * (bottom - top)


class TestChartScale:
    def test_pads_and_rounds_outward_to_a_printable_step(self) -> None:
        """95-96.12 padded by a tenth of the span (0.112) each side, then out to 0.2: 94.8-96.4."""
        scale = chart_scale([95.0, 95.5, 96.12], "percent")
        assert scale == Scale(94.8, 96.4)
        assert scale.low <= 95.0 - 0.112
        assert scale.high >= 96.12 + 0.112

    def test_a_flat_series_is_padded_around_its_value(self) -> None:
        """A flat 45 d gets 5% of its value each side (42.75-47.25), rounded out to 0.5 d."""
        assert chart_scale([45.0, 45.0], "days") == Scale(42.5, 47.5)
        assert chart_scale([0.0], "percent") == Scale(0.0, 1.0)  # zero: ten finest steps, floored at 0

    def test_never_below_zero_unless_a_value_is(self) -> None:
        """At 0 exactly the floor holds; a negative value takes the scale below zero."""
        assert chart_scale([0.0, 10.0], "percent").low == 0.0
        assert chart_scale([0.5, 3.0], "percent").low == 0.0
        assert chart_scale([-0.5, 3.0], "ratio").low < -0.5

    def test_percent_never_past_100_unless_a_value_is(self) -> None:
        """Values up to 100% exactly stop the scale at 100%; 100.5% takes it past."""
        assert chart_scale([90.0, 100.0], "percent").high == 100.0
        assert chart_scale([90.0, 100.5], "percent").high > 100.5
        assert chart_scale([0.9, 1.0], "fraction").high == 1.0
        assert chart_scale([90.0, 100.0], "ratio").high > 100.0

    def test_money_rounds_to_whole_steps(self) -> None:
        """A dollar scale's ends are whole round figures that print exactly."""
        scale = chart_scale([11_900_000.0, 12_345_678.0, 15_000_000.0], "usd")
        assert scale == Scale(11_500_000.0, 15_500_000.0)
        assert format_figure(scale.low, "usd") == "$11,500,000"

    @given(
        st.lists(st.floats(-1e7, 1e7, allow_nan=False), min_size=1, max_size=12),
        st.sampled_from(["percent", "days", "usd", "count", "ratio", "fraction"]),
    )
    def test_holds_every_value_and_prints_exactly(self, values: list[float], unit: str) -> None:
        """Every value lies inside the scale; its ends are whole finest steps, so the labels are exact."""
        scale = chart_scale(values, unit)
        assert scale.low < scale.high
        assert scale.low <= min(values)
        assert scale.high >= max(values)
        finest = {"percent": 0.1, "days": 0.1, "fraction": 0.001, "usd": 1.0, "count": 1.0}.get(unit, 0.01)
        for end in (scale.low, scale.high):
            assert abs(end / finest - round(end / finest)) < 1e-6
        if min(values) >= 0:
            assert scale.low >= 0

    def test_one_scale_per_unit_over_trends_and_targets(self) -> None:
        """A section's scales: per unit, over the trends and targets of lines that draw anything."""
        lines = [
            kpi("A", [90.0, 92.0], target=95.0),
            kpi("B", [96.0, 97.0]),
            kpi("C", [None, None], target=10.0),  # draws nothing: its target does not widen the scale
            kpi("D", [40.0, 44.0], unit="days", target=38.0),
        ]
        assert unit_scales(lines, chart=False) == {"percent": Scale(90.0, 97.0), "days": Scale(38.0, 44.0)}
        assert unit_scales(lines, chart=True) == {
            "percent": chart_scale([90.0, 92.0, 95.0, 96.0, 97.0], "percent"),
            "days": chart_scale([40.0, 44.0, 38.0], "days"),
        }


class TestSvgTrend:
    def test_target_is_a_dashed_labelled_line_at_its_value(self) -> None:
        """The target line spans the plot at the target's height, dashed, labelled in the unit."""
        points = trend([94.0, 95.5, 96.0])
        markup = svg_trend(points, unit="percent", target=95.0)
        line = next(svg(markup).iter("line"))
        assert line.get("class") == "target"
        assert line.get("stroke-dasharray")
        scale = chart_scale([94.0, 95.5, 96.0, 95.0], "percent")
        assert float(line.get("y1", "")) == pytest.approx(plot_y(markup, 95.0, scale), abs=0.06)
        assert line.get("y1") == line.get("y2")
        assert texts(markup)["target-label"] == "target 95.0%"

    def test_no_target_no_line(self) -> None:
        """Without a target, no target line and no target label."""
        markup = svg_trend(trend([94.0, 95.0]), unit="percent")
        assert list(svg(markup).iter("line")) == []
        assert "target-label" not in texts(markup)
        assert "target" not in (svg(markup).get("aria-label") or "")

    def test_range_labels_are_the_scale_in_the_unit(self) -> None:
        """The high label at the top of the axis, the low at its bottom, as format_figure prints them."""
        markup = svg_trend(trend([44.0, 47.5]), unit="days", target=40.0)
        scale = chart_scale([44.0, 47.5, 40.0], "days")
        assert texts(markup)["range-high"] == format_figure(scale.high, "days") == "49.0 d"
        assert texts(markup)["range-low"] == format_figure(scale.low, "days") == "39.0 d"
        given = svg_trend(trend([44.0, 47.5]), unit="days", scale=Scale(0.0, 60.0))
        assert (texts(given)["range-low"], texts(given)["range-high"]) == ("0.0 d", "60.0 d")

    def test_shared_scale_puts_equal_values_at_equal_heights(self) -> None:
        """In one section two percent KPIs draw 95% at the same y; on its own each would not."""
        a, b = kpi("A", [95.0, 99.0], target=97.0), kpi("B", [90.0, 95.0])
        page = section_html(kpi_section("1. Outcomes", [a, b], ""))
        charts = re.findall(r"<svg.*?</svg>", page)
        assert ys(charts[0])[0] == ys(charts[1])[1]
        assert texts(charts[0])["range-low"] == texts(charts[1])["range-low"]
        assert texts(charts[0])["range-high"] == texts(charts[1])["range-high"]
        alone = [svg_trend(x.trend, unit="percent", target=x.target) for x in (a, b)]
        assert ys(alone[0])[0] != ys(alone[1])[1]

    def test_units_do_not_share_a_scale(self) -> None:
        """A days KPI beside percent KPIs keeps its own range."""
        lines = [kpi("A", [95.0, 96.0]), kpi("D", [44.0, 47.5], unit="days")]
        page = section_html(kpi_section("1. Outcomes", lines, ""))
        percent, days = re.findall(r"<svg.*?</svg>", page)
        assert texts(percent)["range-high"].endswith("%")
        assert texts(days)["range-high"].endswith(" d")

    def test_gaps_break_the_line_and_a_lone_period_is_a_dot(self) -> None:
        """Values, a gap, a value: two runs; the lone period is a zero-length round-capped line."""
        markup = svg_trend(trend([95.0, 95.5, None, 96.12]), unit="percent")
        runs = polylines(markup)
        assert [len(r) for r in runs] == [2, 2]
        assert runs[1][0] == runs[1][1]
        assert all(p.get("stroke-linecap") == "round" for p in svg(markup).iter("polyline"))
        step = runs[0][1][0] - runs[0][0][0]
        assert runs[1][0][0] - runs[0][0][0] == pytest.approx(3 * step, abs=0.11)  # the gap keeps its place

    def test_the_latest_defined_period_keeps_its_dot(self) -> None:
        """The dot sits on the last defined period, even when later periods are undefined."""
        markup = svg_trend(trend([95.0, 96.0, None]), unit="percent")
        dot = next(c for c in svg(markup).iter("circle") if c.get("class") == "latest")
        last = polylines(markup)[0][-1]
        assert (float(dot.get("cx", "")), float(dot.get("cy", ""))) == last

    def test_a_flat_series_draws_level_mid_height(self) -> None:
        """Equal values sit on one horizontal line in the middle of the padded scale."""
        markup = svg_trend(trend([45.0, 45.0, 45.0]), unit="days")
        heights = ys(markup)
        assert len(set(heights)) == 1
        scale = chart_scale([45.0], "days")
        assert heights[0] == pytest.approx(plot_y(markup, 45.0, scale), abs=0.06)
        assert heights[0] == pytest.approx(plot_y(markup, (scale.low + scale.high) / 2, scale), abs=0.06)

    def test_a_single_point(self) -> None:
        """One period: a dot, its value in the label, the range around it."""
        markup = svg_trend(trend([12.0]), unit="count")
        assert [len(r) for r in polylines(markup)] == [2]
        assert len([c for c in svg(markup).iter("circle") if c.get("class") == "latest"]) == 1
        assert "2026-W47 12" in (svg(markup).get("aria-label") or "")

    def test_a_target_outside_the_values_widens_the_scale(self) -> None:
        """A target of 80% below values of 95-96% brings the scale's low down to it."""
        without = texts(svg_trend(trend([95.0, 96.0]), unit="percent"))
        with_target = texts(svg_trend(trend([95.0, 96.0]), unit="percent", target=80.0))
        assert without["range-low"] == "94.8%"
        assert with_target["range-low"] == "78.0%"
        assert with_target["range-high"] == "98.0%"

    def test_aria_label_reads_values_target_and_range(self) -> None:
        """Screen readers hear every period's value (n/a for a gap), the target and the range."""
        markup = svg_trend(trend([95.0, None, 96.12]), unit="percent", target=95.0, name="Net <rate>")
        assert svg(markup).get("aria-label") == (
            "Net <rate> trend: 2026-W45 95.0%, 2026-W46 n/a, 2026-W47 96.1%; target 95.0%; "
            "scale 94.8% to 96.4%"
        )
        assert "Net &lt;rate&gt;" in markup
        assert svg(markup).get("role") == "img"

    def test_no_data(self) -> None:
        """A trend with no defined period says so, in the chart and to screen readers."""
        markup = svg_trend(trend([None, None]), unit="percent", target=95.0, name="Denial rate")
        assert svg(markup).get("aria-label") == "Denial rate trend: no data"
        assert texts(markup) == {"": "no data"}
        assert "no data" in svg_trend(())

    def test_labels_fit_the_chart(self) -> None:
        """The gutters are wide enough for the labels (a generous 5.6 px a character at 9 px)."""
        markup = svg_trend(trend([11_900_000.0, 12_345_678.0]), unit="usd", target=15_000_000.0)
        root = svg(markup)
        width = float(root.get("width", ""))
        assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
        end = next(t for t in root.iter("text") if t.get("class") == "range-high")
        assert float(end.get("x", "")) >= len(end.text or "") * 5.6
        label = next(t for t in root.iter("text") if t.get("class") == "target-label")
        assert float(label.get("x", "")) + len(label.text or "") * 5.6 <= width


class TestSparkline:
    def test_range_follows_the_blocks(self) -> None:
        """The blocks run low to high; the range prints after them, the unit's suffix once."""
        assert sparkline(trend([94.1, 95.0, 96.3]), unit="percent") == "▁▄█ 94.1–96.3%"
        assert sparkline(trend([44.0, None, 47.5]), unit="days") == "▁ █ 44.0–47.5 d"
        assert sparkline(trend([1000.0, 2500.0]), unit="usd") == "▁█ $1,000–$2,500"
        assert sparkline(trend([94.1, 96.3])) == "▁█"

    def test_flat_and_empty(self) -> None:
        """A flat trend sits mid-height with its one value; a trend with no value is blank."""
        assert sparkline(trend([45.0, 45.0]), unit="days") == "▄▄ 45.0 d"
        assert sparkline(trend([None, None]), unit="days") == ""
        assert sparkline((), unit="days") == ""

    def test_one_scale_per_unit_in_a_section(self) -> None:
        """Two percent KPIs share 90-100% (with the target); the days KPI keeps its own."""
        lines = [
            kpi("A", [90.0, 95.0], target=100.0),
            kpi("B", [95.0, 97.0]),
            kpi("D", [44.0, 47.5], unit="days"),
        ]
        part = kpi_section("1. Outcomes", lines, "")
        assert [row[5] for row in part.rows] == ["▁▅ 90.0–100.0%", "▅▆ 90.0–100.0%", "▁█ 44.0–47.5 d"]
        assert "| ▁▅ 90.0–100.0% |" in "\n".join("| " + " | ".join(r) + " |" for r in part.rows)

    def test_prints_in_ascii_through_the_cli_fallback(self, report: GovernanceReport) -> None:
        """Every character of the text report spells as ASCII through the CLI's fallback, never ``?``."""
        assert comanaged_rcm.cli.INTERNAL_ERROR  # the module registers the error handler on import
        text = render_text(report)
        ascii_ = text.translate(comanaged_rcm.cli._BLOCKS).encode("ascii", errors=comanaged_rcm.cli._ERRORS)
        assert b"?" not in ascii_.replace(b"n/a", b"")
        assert "96.1%" in text
        assert b"95.0-96.1%" in ascii_
        assert (
            sparkline(trend([94.1, 95.0, 96.3]), unit="percent")
            .translate(comanaged_rcm.cli._BLOCKS)
            .encode("ascii", errors=comanaged_rcm.cli._ERRORS)
            == b"_=@ 94.1-96.3%"
        )

    def test_range_label(self) -> None:
        """Ranges read low to high in the unit; equal ends print once."""
        assert range_label(Scale(94.1, 96.3), "percent") == "94.1–96.3%"
        assert range_label(Scale(-5.0, 3.0), "percent") == "-5.0–3.0%"
        assert range_label(Scale(40.0, 40.04), "days") == "40.0 d"
        assert range_label(Scale(1.2, 1.6), "ratio") == "1.20–1.60"
        assert range_label(Scale(0.05, 0.1), "fraction") == "5.0–10.0%"


class TestKpiSection:
    def test_markup_and_text(self, report: GovernanceReport) -> None:
        """Figures keep to one line, the status carries its class, user text is escaped."""
        page = render_html(report)
        assert '<span class="fig">&lt;= 40.0 d</span>' in page
        assert '<span class="s-breach">BREACH</span>' in page
        assert "Initial denial rate &lt;script&gt;" in page
        assert "Net collection rate trend: " in page
        md = render_markdown(report)
        assert re.search(r"\| Net collection rate \| 96\.1% \|.*\| ▁▄ █ 95\.0–96\.1% \|", md)


class TestPrintStylesheet:
    def test_print_rules(self) -> None:
        """Print: page margins, rows and charts whole, headers repeated, closed details shown."""
        media = CSS[CSS.index("@media print") :]
        assert "@page{margin:15mm 12mm}" in CSS
        for rule in (
            "thead{display:table-header-group}",
            "tr,svg,figure{break-inside:avoid}",
            "details:not([open])::details-content{content-visibility:visible;display:block}",
            "a{color:#000;text-decoration:underline}",
        ):
            assert rule in media


_OVERFLOW = """
(() => {
  const W = document.documentElement.clientWidth, out = [];
  const shown = [...document.body.querySelectorAll('*')].filter(el => el.checkVisibility());
  const what = el => {
    const kind = el.getAttribute('class') ? '.' + el.getAttribute('class') : '';
    return el.tagName.toLowerCase() + kind + ' "' + (el.textContent || '').trim().slice(0, 50) + '"';
  };
  const inside = (r, c) => r.left >= c.left - 0.5 && r.right <= c.right + 0.5 && r.top >= c.top - 0.5
    && r.bottom <= c.bottom + 0.5;
  const scrolls = el => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a), r = a.getBoundingClientRect();
      if ((s.overflowX === 'auto' || s.overflowX === 'scroll') && r.left >= -0.5 && r.right <= W + 0.5) {
        return true;
      }
    }
    return false;
  };
  if (document.documentElement.scrollWidth > W) {
    out.push('page wider than the viewport: ' + document.documentElement.scrollWidth);
  }
  for (const el of shown) {
    const r = el.getBoundingClientRect();
    if ((r.right > W + 0.5 || r.left < -0.5) && !scrolls(el)) {
      out.push('wider than the viewport: ' + what(el));
    }
  }
  for (const cell of shown.filter(el => el.matches('td, th'))) {
    if (cell.scrollWidth > cell.clientWidth + 1) out.push('text overflows its cell: ' + what(cell));
    const c = cell.getBoundingClientRect();
    for (const child of shown.filter(el => cell.contains(el) && el !== cell)) {
      const r = child.getBoundingClientRect();
      if (r.width && !inside(r, c)) out.push('outside its cell: ' + what(child));
    }
  }
  for (const t of shown.filter(el => el.matches('svg text'))) {
    const b = t.getBBox(), v = t.ownerSVGElement.viewBox.baseVal;
    if (b.x < -0.5 || b.x + b.width > v.width + 0.5 || b.y < -0.5 || b.y + b.height > v.height + 0.5) {
      out.push('label outside its chart: ' + t.textContent);
    }
  }
  return out;
})()
"""


_PRINTED_WIDTH = round(186 / 25.4 * 96 * 4 / 3)  # A4 less 2 x 12 mm, in CSS px, as Chromium lays it out


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.fixture(params=["demo", "crowded"])
def page_report(request: pytest.FixtureRequest) -> GovernanceReport:
    """The demo cycle's report, and the report with long names and many escalations."""
    report: GovernanceReport = request.getfixturevalue(f"{request.param}_report")
    return report


@pytest.mark.browser
class TestInChromium:
    @pytest.mark.parametrize(("width", "mobile"), [(1280, False), (375, True)], ids=["desktop", "phone"])
    def test_fits_the_screen(
        self, chromium: Chromium, page_report: GovernanceReport, tmp_path: Path, width: int, mobile: bool
    ) -> None:
        """Nothing wider than the screen but scrolling tables; text in its cell; charts in theirs."""
        page = tmp_path / "report.html"
        page.write_text(render_html(page_report), encoding="utf-8")
        chromium.open(page, width, mobile=mobile)
        assert chromium.evaluate("innerWidth") == width
        assert chromium.evaluate(_OVERFLOW) == []
        assert chromium.console() == []
        chromium.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; }), 0")
        assert chromium.evaluate(_OVERFLOW) == []  # every detail opened, too
        lines = (*page_report.outcomes, *page_report.drivers, *page_report.operations.activity_kpis)
        assert chromium.evaluate("document.querySelectorAll('td svg').length") == len(lines)
        page_width = chromium.evaluate("document.documentElement.clientWidth")
        assert page_width > width - 20
        png = chromium.screenshot(tmp_path / f"report-{width}.png")
        shot_width, shot_height = _png_size(png)
        assert shot_width == page_width
        assert shot_height > 900
        assert len(png) > 20_000

    def test_the_overflow_check_sees_overflow(self, chromium: Chromium, tmp_path: Path) -> None:
        """The check above finds a page too wide, a cell's text past its edge, a label past its chart."""
        page = tmp_path / "wide.html"
        page.write_text(
            "<!DOCTYPE html><meta name='viewport' content='width=device-width'><body style='margin:0'>"
            "<div style='width:500px'>wide</div>"
            "<table style='table-layout:fixed;width:100px'><tr><td style='white-space:nowrap;"
            "overflow:hidden'>a cell whose text runs on</td></tr></table>"
            "<svg width='20' height='10' viewBox='0 0 20 10'><text x='0' y='8'>a long label</text></svg>",
            encoding="utf-8",
        )
        chromium.open(page, 375, mobile=True)
        found = chromium.evaluate(_OVERFLOW)
        assert found[0].startswith("page wider than the viewport: 500")
        assert 'wider than the viewport: div "wide"' in found
        assert 'text overflows its cell: td "a cell whose text runs on"' in found
        assert "label outside its chart: a long label" in found

    def test_a_wide_table_scrolls_on_a_phone(
        self, chromium: Chromium, crowded_report: GovernanceReport, tmp_path: Path
    ) -> None:
        """On a phone the escalations table is wider than the screen and scrolls within itself."""
        page = tmp_path / "report.html"
        page.write_text(render_html(crowded_report), encoding="utf-8")
        chromium.open(page, 375, mobile=True)
        widths = chromium.evaluate(
            "[...document.querySelectorAll('table')].map(t => [t.scrollWidth, t.clientWidth,"
            " getComputedStyle(t).overflowX])"
        )
        assert any(scroll > client for scroll, client, _ in widths)
        assert {overflow for _, _, overflow in widths} == {"auto"}

    def test_prints_on_a_page(
        self, chromium: Chromium, page_report: GovernanceReport, tmp_path: Path
    ) -> None:
        """In print tables are whole tables that fit the page, words kept whole.

        The page is A4 less the stylesheet's margins: 186 mm, 703 CSS px; Chromium lays a printed
        page out at 4/3 of its width and scales it down to fit (its minimum shrink factor).
        """
        page = tmp_path / "report.html"
        page.write_text(render_html(page_report), encoding="utf-8")
        chromium.open(page, _PRINTED_WIDTH, media="print")
        assert chromium.evaluate("matchMedia('print').matches") is True
        assert chromium.evaluate(_OVERFLOW) == []
        styles = chromium.evaluate(
            "(() => { const s = e => getComputedStyle(document.querySelector(e));"
            " return [s('table').display, s('thead').display, s('tr').breakInside, s('svg').breakInside,"
            " s('th').backgroundColor, s('.s-breach').color]; })()"
        )
        assert styles == ["table", "table-header-group", "avoid", "avoid", "rgba(0, 0, 0, 0)", "rgb(0, 0, 0)"]

    def test_closed_details_print_open(self, chromium: Chromium, tmp_path: Path) -> None:
        """A row's closed ``<details>`` hides its text on screen and shows it on paper."""
        detail = '<details><summary>why</summary><p id="why">balance 6,120 &gt; 5,000</p></details>'
        part = section("5. Escalations", ["rule"], [["write_off_over_limit"]], "", details=[detail])
        page = tmp_path / "details.html"
        page.write_text(f"<!DOCTYPE html><style>{CSS}</style>{section_html(part)}", encoding="utf-8")
        shown = "document.getElementById('why').checkVisibility()"
        chromium.open(page, 703)
        assert chromium.evaluate(shown) is False
        chromium.open(page, 703, media="print")
        assert chromium.evaluate(shown) is True
        assert chromium.evaluate("document.getElementById('why').getBoundingClientRect().height") > 0

    def test_prints_to_pdf(
        self, chromium: Chromium, crowded_report: GovernanceReport, tmp_path: Path
    ) -> None:
        """``--print-to-pdf`` writes a PDF of several pages."""
        page = tmp_path / "report.html"
        page.write_text(render_html(crowded_report), encoding="utf-8")
        pdf = chromium.print_to_pdf(page, tmp_path / "report.pdf")
        assert pdf.startswith(b"%PDF-")
        assert pdf.rstrip().endswith(b"%%EOF")
        assert len(pdf) > 20_000


def test_fixture_reports_are_what_the_browser_tests_need(
    crowded_report: GovernanceReport, demo_report: GovernanceReport
) -> None:
    """The crowded report has long unbroken names and more escalations than the page lists."""
    assert len(crowded_report.escalations) > 25
    assert max(len(e.entity) for e in crowded_report.escalations) > 50
    assert {line.unit for line in crowded_report.outcomes} == {"percent", "days", "usd"}
    assert demo_report.outcomes
