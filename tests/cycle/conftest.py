"""Reports for the renderer tests (a small hand-built one, a crowded one, a real cycle's), and a
headless Chromium driven over the DevTools protocol for the browser tests."""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from comanaged_rcm.cycle import (
    CycleData,
    EscalationLine,
    FindingLine,
    GovernanceReport,
    KpiLine,
    OperationsSection,
    PartyWork,
    QaLine,
    TrendPoint,
    WorkflowQueue,
    default_engagement,
    run_cycle,
)
from comanaged_rcm.periods import Cadence
from comanaged_rcm.synthetic import generate_book

AS_OF = datetime.date(2026, 11, 23)


def _trend(values: list[float | None]) -> tuple[TrendPoint, ...]:
    cadence = Cadence.weekly()
    periods = cadence.periods_ending(AS_OF, len(values))
    return tuple(TrendPoint(cadence.label(p), p, v) for p, v in zip(periods, values, strict=True))


@pytest.fixture
def report() -> GovernanceReport:
    period = Cadence.weekly().periods_ending(AS_OF, 1)[0]
    ncr = KpiLine(
        metric="net_collection_rate",
        name="Net collection rate",
        tier="outcome",
        unit="percent",
        direction="higher",
        value=96.12,
        numerator=96120.0,
        denominator=100000.0,
        convention="ncr.posting_period.v1",
        target=95.0,
        status="on_track",
        change=0.4,
        trend=_trend([95.0, 95.5, None, 96.12]),
    )
    dar = KpiLine(
        metric="days_in_ar",
        name="Days in A/R",
        tier="outcome",
        unit="days",
        direction="lower",
        value=47.5,
        numerator=475000.0,
        denominator=10000.0,
        convention="dar.trailing_90d.v1",
        target=40.0,
        status="breach",
        change=2.5,
        trend=_trend([44.0, 45.0, 45.0, 47.5]),
    )
    denial = KpiLine(
        metric="initial_denial_rate",
        name="Initial denial rate <script>",
        tier="driver",
        unit="percent",
        direction="lower",
        value=None,
        numerator=0.0,
        denominator=0.0,
        convention="denial.claims.adjudicated.v1",
        reason="no claims adjudicated in the period",
    )
    closed = KpiLine(
        metric="items_closed",
        name="Items closed",
        tier="activity",
        unit="count",
        direction="higher",
        value=412.0,
        numerator=412.0,
        denominator=1.0,
        convention="activity.v1",
    )
    return GovernanceReport(
        engagement="Riverside Health x Partner",
        as_of=AS_OF,
        period=period,
        period_label="2026-W47",
        data_source="synthetic book, seed 7",
        outcomes=(ncr, dar),
        drivers=(denial,),
        operations=OperationsSection(
            by_party=(
                PartyWork(
                    party="offshore_pod",
                    party_name="Offshore pod",
                    kind="partner_offshore",
                    workflow="denials",
                    closed=120,
                    touches=300,
                    escalated=4,
                    open_items=35,
                ),
            ),
            queues=(
                WorkflowQueue(
                    workflow="denials", open_items=35, aged_over_30=3, median_age_days=6.0, oldest_age_days=44
                ),
                WorkflowQueue(
                    workflow="appeals",
                    open_items=0,
                    aged_over_30=0,
                    median_age_days=None,
                    oldest_age_days=None,
                ),
            ),
            activity_kpis=(closed,),
            open_escalations=2,
        ),
        qa=(
            QaLine(
                workflow="denials",
                confidence=0.95,
                tolerable_rate=0.05,
                expected_rate=0.01,
                population=900,
                sample_size=93,
                acceptable_deviations=1,
                method="binomial",
                convention="aicpa.v1",
                selection_seed=7,
                selection_algorithm="pcg64-fisher-yates v1",
                selected=("W1", "W9"),
                audited_period="2026-W46",
                audited_sample=93,
                deviations=7,
                observed_rate=7 / 93,
                upper_limit=0.1392,
                passed=False,
                conclusion="upper limit 13.9% exceeds tolerable 5.0%",
            ),
        ),
        escalations=(
            EscalationLine(
                rule="write_off_over_limit",
                severity="high",
                level="provider_decision_owner",
                owner="client_rcm_director",
                owner_name="Client RCM director",
                entity="C-1001",
                deadline=datetime.date(2026, 11, 25),
                reason="balance 6,120 > 5,000 and write-off proposed",
                dedup_key="write_off_over_limit:C-1001",
            ),
        ),
        scope_findings=(
            FindingLine("RACI-013", "warning", "$.activities[3]", "too many Informed parties | x"),
        ),
    )


@pytest.fixture
def crowded_report(report: GovernanceReport) -> GovernanceReport:
    """The small report with long names, long unbroken identifiers and many escalations."""
    long_name = (
        "St. Bartholomew-Fitzgerald Regional Medical Center & Affiliated Physician Practices of the "
        "Greater Tri-County Area x Northwind Revenue Cycle Partners (onshore and offshore)"
    )
    ncr, dar = report.outcomes
    outcomes = (
        attrs.evolve(ncr, name="Net collection rate, volume-adjusted, excluding capitated contracts"),
        attrs.evolve(
            ncr,
            metric="gross_collection_rate",
            name="Gross collection rate",
            value=41.2,
            target=45.0,
            status="breach",
            trend=_trend([38.0, None, 40.5, 41.2]),
        ),
        dar,
        KpiLine(
            metric="cash",
            name="Cash posted",
            tier="outcome",
            unit="usd",
            direction="higher",
            value=12_345_678.0,
            numerator=12_345_678.0,
            denominator=1.0,
            convention="cash.v1",
            target=15_000_000.0,
            status="watch",
            change=-250_000.0,
            trend=_trend([11_900_000.0, 12_100_000.0, 12_000_000.0, 12_345_678.0]),
        ),
    )
    reason = (
        "balance 61,200.00 > 5,000.00 and write-off proposed and payer in (BCBS-TX-PPO-COMMERCIAL, "
        "AETNA-MEDICARE-ADVANTAGE-HMO) and days since last touch 47 >= 30 and appeal window closes "
        "in 3 business days; first fired when the denial reason code CO-197 was posted"
    )
    escalation = report.escalations[0]
    escalations = tuple(
        attrs.evolve(
            escalation,
            owner_name=f"Client revenue-cycle director for the {long_name}",
            entity=f"CLM-2026-{i:012d}-REPLACEMENT-OF-PRIOR-CLAIM-FREQUENCY-CODE-7",
            reason=reason,
            dedup_key=f"write_off_over_limit:{i}",
        )
        for i in range(60)
    )
    finding = report.scope_findings[0]
    return attrs.evolve(
        report,
        engagement=long_name,
        outcomes=outcomes,
        escalations=escalations,
        scope_findings=tuple(
            attrs.evolve(finding, path=f"$.activities[{i}].responsibilities.accountable.parties[3].name")
            for i in range(12)
        ),
    )


@pytest.fixture(scope="session")
def demo_report() -> GovernanceReport:
    """A real cycle's report over a synthetic book (hundreds of rows, every section)."""
    book = generate_book(seed=7, claims=3000)
    return run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)


def find_chromium() -> str:
    """The headless Chromium the browser tests drive, or a skip saying none is installed."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium installed (.ci/run installs the chromium package where it can)")
    return browser


BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Flags for a quiet headless Chromium that reaches no network on its own."""


_LOUD = frozenset({"error", "warning"})


class Chromium:
    """One headless Chromium process driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, browser: str, profile: Path) -> None:
        self.browser = browser
        self.profile = profile
        to_browser, self._writer = os.pipe()
        self._reader, from_browser = os.pipe()

        def wire() -> None:  # in the child: its fd 3 reads our commands, its fd 4 writes replies
            a, b = os.dup(to_browser), os.dup(from_browser)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._process = subprocess.Popen(  # noqa: S603  (a fixed browser binary)
            [browser, *BROWSER_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # noqa: PLW1509  (the fds must be 3 and 4 in the child; no threads here)
            close_fds=False,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._sent = 0
        self._events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", page=True)

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, page: bool = False
    ) -> dict[str, Any]:
        """Send one command (to the page when ``page``) and return its result."""
        self._sent += 1
        message: dict[str, Any] = {"id": self._sent, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self._session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._sent:
                assert "error" not in reply, (method, reply["error"])
                result: dict[str, Any] = reply["result"]
                return result
            self._events.append(reply)

    def _receive(self, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._reader], [], [], left)[0]:
                msg = "Chromium did not answer within a minute"
                raise TimeoutError(msg)
            chunk = os.read(self._reader, 1 << 20)
            if not chunk:
                msg = "Chromium closed the DevTools pipe"
                raise EOFError(msg)
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        loaded: dict[str, Any] = json.loads(message)
        return loaded

    def _wait_for(self, method: str) -> dict[str, Any]:
        for i, event in enumerate(self._events):
            if event.get("method") == method:
                return self._events.pop(i)
        while True:
            event = self._receive()
            if event.get("method") == method:
                return event
            self._events.append(event)

    def open(
        self, page: Path, width: int, *, height: int = 900, media: str = "screen", mobile: bool = False
    ) -> None:
        """Load ``page`` in a viewport ``width`` CSS pixels wide, for ``media`` (screen or print)."""
        self._events.clear()
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
            page=True,
        )
        self.send("Emulation.setEmulatedMedia", {"media": media}, page=True)
        self.send("Page.navigate", {"url": page.as_uri()}, page=True)
        self._wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the open page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, page=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def console(self) -> list[str]:
        """The page's console errors and warnings, and its uncaught exceptions, since it opened."""
        out = []
        for event in self._events:
            params = event.get("params", {})
            kind = event.get("method")
            if kind == "Log.entryAdded":
                if params["entry"]["level"] in _LOUD:
                    out.append(params["entry"].get("text", ""))
            elif kind == "Runtime.exceptionThrown" or (
                kind == "Runtime.consoleAPICalled" and params.get("type") in _LOUD
            ):
                out.append(json.dumps(params)[:500])
        return out

    def screenshot(self, path: Path) -> bytes:
        """A PNG of the whole page (beyond the viewport), written to ``path``."""
        size = self.send("Page.getLayoutMetrics", page=True)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.send(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
            page=True,
        )
        png = base64.b64decode(shot["data"])
        path.write_bytes(png)
        return png

    def print_to_pdf(self, page: Path, pdf: Path) -> bytes:
        """Print ``page`` with the command line's ``--print-to-pdf`` (a browser of its own)."""
        run = subprocess.run(  # noqa: S603  (a fixed browser binary on a file we wrote)
            [
                self.browser,
                *BROWSER_FLAGS,
                f"--user-data-dir={self.profile}-pdf",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return pdf.read_bytes()

    def close(self) -> None:
        """Close the browser and wait for it to exit."""
        with contextlib.suppress(OSError, EOFError, TimeoutError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._writer)
        os.close(self._reader)


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """A headless Chromium for the session's browser tests, or a skip when none is installed."""
    browser = Chromium(find_chromium(), tmp_path_factory.mktemp("chromium") / "profile")
    yield browser
    browser.close()
