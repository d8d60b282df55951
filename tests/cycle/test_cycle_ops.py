"""The operations snapshot of any day: the index against pandas, the day's edges, escalations, rendering."""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.cycle import BusinessHoursSection, CycleData, Engagement, default_engagement, run_cycle
from comanaged_rcm.cycle._escalate import escalation_stage
from comanaged_rcm.cycle._ops import EscalationCount, Operations, OperationsSnapshot, operations_section
from comanaged_rcm.cycle._report import PartyWork, WorkflowQueue
from comanaged_rcm.cycle._section import section_html, section_markdown, section_text
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import Alert, AlertStatus, State
from comanaged_rcm.serialize import from_json, to_json
from comanaged_rcm.synthetic import SyntheticBook, generate_book

D = datetime.date
DAY = datetime.timedelta(days=1)
BASE = D(2026, 3, 2)
UTC = datetime.UTC

Row = tuple[str, str, D, D | None, int, bool]


def items(rows: list[Row]) -> dict[str, Any]:
    """Work-item columns from (team, workflow, opened, closed, touches, escalated) rows."""
    return {
        "item_id": np.array([f"W{i}" for i in range(len(rows))], dtype=str),
        "workflow": np.array([r[1] for r in rows], dtype=str),
        "team": np.array([r[0] for r in rows], dtype=str),
        "opened": np.array([r[2] for r in rows], dtype="datetime64[D]"),
        "closed": np.array(
            [np.datetime64("NaT") if r[3] is None else r[3] for r in rows], dtype="datetime64[D]"
        ),
        "touches": np.array([r[4] for r in rows], dtype=np.int64),
        "escalated": np.array([r[5] for r in rows], dtype=bool),
    }


def data_of(rows: list[Row]) -> CycleData:
    """Cycle data holding only these work items (the data's range is then theirs)."""
    return CycleData(transactions={}, submissions={}, work_items=items(rows), source="test")


def ops_of(rows: list[Row], state: State | None = None, engagement: Engagement | None = None) -> Operations:
    return Operations(engagement or default_engagement(), data_of(rows), state)


# ------------------------------------------------------------------------ an independent reference
def reference(columns: dict[str, Any], day: D, since: D) -> tuple[list[PartyWork], list[WorkflowQueue]]:
    """Who is working what and the queues of ``day``, by a pandas mask and groupby."""
    frame = pd.DataFrame(
        {k: columns[k] for k in ("team", "workflow", "opened", "closed", "touches", "escalated")}
    )
    end, start = pd.Timestamp(day), pd.Timestamp(since)
    done = frame["closed"].between(start, end)
    still_open = (frame["opened"] <= end) & (frame["closed"].isna() | (frame["closed"] > end))
    parties = {p.id: (p.name, p.kind.value) for p in default_engagement().split.parties}
    by_party = []
    for (team, workflow), group in frame.groupby(["team", "workflow"], sort=True):
        g_done, g_open = done[group.index], still_open[group.index]
        if not g_done.any() and not g_open.any():
            continue
        name, kind = parties.get(str(team), (str(team), "unknown"))
        by_party.append(
            PartyWork(
                party=str(team),
                party_name=name,
                kind=kind,
                workflow=str(workflow),
                closed=int(g_done.sum()),
                touches=int(group["touches"][g_done].sum()),
                escalated=int((group["escalated"] & g_done).sum()),
                open_items=int(g_open.sum()),
            )
        )
    queues = []
    for workflow, group in frame.groupby("workflow", sort=True):
        ages = ((end + pd.Timedelta(days=1)) - group["opened"][still_open[group.index]]).dt.days
        queues.append(
            WorkflowQueue(
                workflow=str(workflow),
                open_items=len(ages),
                aged_over_30=int((ages > 30).sum()),
                median_age_days=float(ages.median()) if len(ages) else None,
                oldest_age_days=int(ages.max()) if len(ages) else None,
            )
        )
    return by_party, queues


_TEAMS = st.sampled_from(["offshore_pod", "onshore_lead", "automation", "vendor_x", "Vendor_X"])
_FLOWS = st.sampled_from(["denials", "appeals", "coding", "ar_follow_up"])


@st.composite
def work_rows(draw: st.DrawFn) -> list[Row]:
    rows: list[Row] = []
    for _ in range(draw(st.integers(1, 40))):
        opened = BASE + DAY * draw(st.integers(0, 90))
        after = draw(st.none() | st.integers(0, 45))
        closed = None if after is None else opened + DAY * after
        rows.append(
            (draw(_TEAMS), draw(_FLOWS), opened, closed, draw(st.integers(0, 6)), draw(st.booleans()))
        )
    return rows


@functools.cache
def small_book(seed: int) -> SyntheticBook:
    return generate_book(seed=seed, claims=400, weeks=8)


class TestAgainstPandas:
    @given(rows=work_rows(), data=st.data())
    def test_random_tables_at_random_days(self, rows: list[Row], data: st.DataObject) -> None:
        """Any day's snapshot, since any day before it, is the pandas mask and groupby's."""
        ops = ops_of(rows)
        assert ops.first is not None
        assert ops.last is not None
        span = (ops.last - ops.first).days
        day = ops.first + DAY * data.draw(st.integers(0, span), label="day")
        since = ops.first + DAY * data.draw(st.integers(0, (day - ops.first).days), label="since")
        snapshot = ops.at(day, since=since)
        by_party, queues = reference(items(rows), day, since)
        assert list(snapshot.by_party) == by_party
        assert list(snapshot.queues) == queues
        assert snapshot.escalations is None

    @given(seed=st.integers(0, 3), offset=st.integers(0, 1000), back=st.integers(0, 13))
    def test_synthetic_books_at_random_days(self, seed: int, offset: int, back: int) -> None:
        """On synthetic books the snapshot of any day is the pandas reference's, mid-week too."""
        book = small_book(seed)
        ops = Operations(default_engagement(), CycleData.from_synthetic(book))
        assert ops.first is not None
        assert ops.last is not None
        day = ops.first + DAY * (offset % ((ops.last - ops.first).days + 1))
        since = max(ops.first, day - DAY * back)
        snapshot = ops.at(day, since=since)
        by_party, queues = reference(book.work_items, day, since)
        assert list(snapshot.by_party) == by_party
        assert list(snapshot.queues) == queues
        assert snapshot.day == day
        assert snapshot.since == since


class TestReport:
    def test_a_periods_last_day_is_the_reports_operations(self) -> None:
        """At the report period's last day, since its first, the snapshot is the report's section."""
        book = generate_book(seed=1, claims=3000)
        engagement, data = default_engagement(), CycleData.from_synthetic(book)
        report = run_cycle(engagement, data, book.period.last_day)
        period = report.period
        replayed = engagement.cadence.periods_ending(period.end, engagement.escalation_periods)
        state = escalation_stage(engagement, data, data.book(), replayed).state
        snapshot = Operations(engagement, data, state).at(period.end - DAY, since=period.start)
        assert snapshot.by_party == report.operations.by_party
        assert snapshot.queues == report.operations.queues
        assert snapshot.open_escalations == report.operations.open_escalations
        assert snapshot.open_escalations == len(report.escalations)
        assert snapshot.engagement == engagement.name

    def test_a_day_alone_counts_that_days_closures(self) -> None:
        """Without ``since`` only the day's own closures count; open items are the same either way."""
        book = generate_book(seed=1, claims=3000)
        ops = Operations(default_engagement(), CycleData.from_synthetic(book))
        day = D(2026, 10, 28)
        alone, week = ops.at(day), ops.at(day, since=day - 6 * DAY)
        assert alone.since == day
        assert sum(w.closed for w in alone.by_party) < sum(w.closed for w in week.by_party)
        assert alone.queues == week.queues
        by_party, _ = reference(book.work_items, day, day)
        assert list(alone.by_party) == by_party


class TestDayEdges:
    ROWS: tuple[Row, ...] = (
        ("offshore_pod", "denials", D(2026, 3, 1), D(2026, 3, 31), 1, False),  # spans the range
        ("offshore_pod", "denials", D(2026, 3, 10), None, 2, False),  # opened on the 10th
        ("offshore_pod", "denials", D(2026, 3, 5), D(2026, 3, 12), 3, True),  # closed on the 12th
    )

    def ops(self) -> Operations:
        return ops_of(list(self.ROWS))

    def line(self, day: D, since: D | None = None) -> PartyWork:
        (line,) = self.ops().at(day, since=since).by_party
        return line

    def test_an_item_opened_on_the_day_is_open_at_its_close(self) -> None:
        """Opened on the 10th: open at the close of the 10th, one day old; not yet on the 9th."""
        assert self.line(D(2026, 3, 9)).open_items == 2
        assert self.line(D(2026, 3, 10)).open_items == 3
        (queue,) = self.ops().at(D(2026, 3, 10)).queues
        assert queue.open_items == 3
        assert queue.median_age_days == 6.0  # ages 10, 6 and 1
        assert queue.oldest_age_days == 10

    def test_an_item_closed_on_the_day_is_closed_by_its_close(self) -> None:
        """Closed on the 12th: open at the close of the 11th, closed (and counted) on the 12th."""
        eleventh, twelfth = self.line(D(2026, 3, 11)), self.line(D(2026, 3, 12))
        assert (eleventh.open_items, eleventh.closed) == (3, 0)
        assert (twelfth.open_items, twelfth.closed, twelfth.touches, twelfth.escalated) == (2, 1, 3, 1)
        assert self.line(D(2026, 3, 13)).closed == 0

    def test_since_counts_its_own_day(self) -> None:
        """A closure on ``since`` counts; one the day before it does not."""
        assert self.line(D(2026, 3, 20), since=D(2026, 3, 12)).closed == 1
        assert self.line(D(2026, 3, 20), since=D(2026, 3, 13)).closed == 0
        assert self.line(D(2026, 3, 31), since=D(2026, 3, 1)).closed == 2

    def test_aged_means_more_than_30_days_old(self) -> None:
        """An item 31 days old at the close of the day is aged; one 30 days old is not."""
        rows = [
            ("automation", "coding", D(2026, 3, 1), None, 1, False),  # 31 days old on the 31st
            ("automation", "coding", D(2026, 3, 2), None, 1, False),  # 30 days old on the 31st
            ("automation", "coding", D(2026, 3, 1), D(2026, 3, 31), 1, False),  # closed on the 31st
        ]
        (queue,) = ops_of(rows).at(D(2026, 3, 31)).queues
        assert (queue.open_items, queue.aged_over_30, queue.oldest_age_days) == (2, 1, 31)
        assert queue.median_age_days == 30.5
        (before,) = ops_of(rows).at(D(2026, 3, 30)).queues
        assert before.aged_over_30 == 0

    def test_the_ranges_ends_are_in_it(self) -> None:
        """The data's first and last days answer; the days beside them are refused at ``$.day``."""
        ops = self.ops()
        assert (ops.first, ops.last) == (D(2026, 3, 1), D(2026, 3, 31))
        assert ops.at(D(2026, 3, 1)).by_party[0].open_items == 1
        assert ops.at(D(2026, 3, 31)).by_party[0].closed == 1
        for day in (D(2026, 2, 28), D(2026, 4, 1)):
            with pytest.raises(ValidationError) as info:
                ops.at(day)
            assert info.value.issues[0].path == "$.day"
            assert "submissions and work items dated 2026-03-01 .. 2026-03-31" in str(info.value)
            assert str(day) in str(info.value)

    def test_since_must_fall_in_the_range_and_not_after_the_day(self) -> None:
        """``since`` before the data's first day, or after ``day``, is refused at ``$.since``."""
        ops = self.ops()
        assert ops.at(D(2026, 3, 5), since=D(2026, 3, 5)).since == D(2026, 3, 5)
        for since in (D(2026, 2, 28), D(2026, 3, 6)):
            with pytest.raises(ValidationError) as info:
                ops.at(D(2026, 3, 5), since=since)
            assert info.value.issues[0].path == "$.since"

    def test_a_ledger_sets_the_range(self) -> None:
        """With a ledger the range is its posting dates, even where work items run past it."""
        book = small_book(0)
        ops = Operations(default_engagement(), CycleData.from_synthetic(book))
        posted = book.transactions["posting_date"]
        assert ops.first == posted.min().item()
        assert ops.last == posted.max().item()

    @pytest.mark.parametrize(
        ("day", "since", "path"),
        [
            ("2026-03-05", None, "$.day"),
            (datetime.datetime(2026, 3, 5, 9, tzinfo=UTC), None, "$.day"),
            (D(2026, 3, 5), "x", "$.since"),
        ],
    )
    def test_not_a_date_is_refused(self, day: object, since: object, path: str) -> None:
        """Text and datetimes are not days."""
        with pytest.raises(ValidationError) as info:
            self.ops().at(day, since=since)  # type: ignore[arg-type]
        assert info.value.issues[0].path == path


def alert(key: str, rule: str, owner: str | None, began: datetime.datetime, status: AlertStatus) -> Alert:
    return Alert(
        key=key,
        rule=rule,
        rule_version=1,
        rule_hash="h",
        labels={"claim_id": key},
        status=status,
        since=began,
        active_since=began,
        owner=owner,
    )


class TestEscalations:
    ROWS: tuple[Row, ...] = (("offshore_pod", "denials", D(2026, 3, 1), D(2026, 3, 31), 1, False),)
    CLOSE_10TH = datetime.datetime(2026, 3, 11, 0, 0, tzinfo=UTC)

    def state(self, *extra: Alert) -> State:
        alerts = [
            alert(
                "a",
                "denial_untouched",
                "onshore_lead",
                datetime.datetime(2026, 3, 3, 9, tzinfo=UTC),
                AlertStatus.FIRING,
            ),
            alert(
                "b",
                "denial_untouched",
                "onshore_lead",
                datetime.datetime(2026, 3, 5, 9, tzinfo=UTC),
                AlertStatus.ACKNOWLEDGED,
            ),
            alert(
                "c",
                "days_in_ar_breach",
                None,
                datetime.datetime(2026, 3, 4, 9, tzinfo=UTC),
                AlertStatus.FIRING,
            ),
            alert(
                "d",
                "denial_untouched",
                "onshore_lead",
                datetime.datetime(2026, 3, 2, 9, tzinfo=UTC),
                AlertStatus.PENDING,
            ),
            *extra,
        ]
        return State(alerts={a.key: a for a in alerts})

    def test_open_alerts_by_owner_and_rule(self) -> None:
        """Firing and acknowledged alerts count, pending ones do not; owners by name, none said."""
        snapshot = ops_of(list(self.ROWS), self.state()).at(D(2026, 3, 20))
        fields = ("owner", "owner_name", "rule", "open_alerts", "acknowledged", "oldest")
        assert [attrs.astuple(e) for e in snapshot.escalations or ()] == [
            ("", "(no owner found)", "days_in_ar_breach", 1, 0, D(2026, 3, 4)),
            ("onshore_lead", "Partner onshore lead", "denial_untouched", 2, 1, D(2026, 3, 3)),
        ]
        assert tuple(f.name for f in attrs.fields(EscalationCount)) == fields
        assert snapshot.open_escalations == 3

    def test_an_alert_counts_from_the_close_of_the_day_it_began(self) -> None:
        """Begun at the close of the 10th (midnight), it counts on the 10th; a moment later, on the 11th."""
        at_close = alert("e", "payer_denial_rate", "client_rcm_director", self.CLOSE_10TH, AlertStatus.FIRING)
        later = alert(
            "f",
            "clean_claim_rate_low",
            "client_rcm_director",
            self.CLOSE_10TH + datetime.timedelta(microseconds=1),
            AlertStatus.FIRING,
        )
        ops = ops_of(list(self.ROWS), self.state(at_close, later))
        tenth, eleventh = ops.at(D(2026, 3, 10)), ops.at(D(2026, 3, 11))
        assert {e.rule for e in tenth.escalations or ()} == {
            "days_in_ar_breach",
            "denial_untouched",
            "payer_denial_rate",
        }
        assert tenth.open_escalations == 4
        assert eleventh.open_escalations == 5
        oldest = {e.rule: e.oldest for e in eleventh.escalations or ()}
        assert oldest["payer_denial_rate"] == D(2026, 3, 10)
        assert oldest["clean_claim_rate_low"] == D(2026, 3, 11)
        early = ops.at(D(2026, 3, 3))
        assert early.open_escalations == 1
        assert ops.at(D(2026, 3, 2)).escalations == ()

    def test_days_close_in_the_offices_zone(self) -> None:
        """With business hours the close of a day is midnight in the provider's zone."""
        york = zoneinfo.ZoneInfo("America/New_York")
        engagement = attrs.evolve(
            default_engagement(), business_hours=BusinessHoursSection(zone="America/New_York")
        )
        close = datetime.datetime(2026, 3, 11, 0, 0, tzinfo=york)  # 04:00 UTC on the 11th
        began = alert("e", "payer_denial_rate", "client_cfo", close.astimezone(UTC), AlertStatus.FIRING)
        after = alert(
            "f", "payer_denial_rate", "client_cfo", close + datetime.timedelta(seconds=1), AlertStatus.FIRING
        )
        ops = ops_of(list(self.ROWS), State(alerts={"e": began, "f": after}), engagement)
        (line,) = ops.at(D(2026, 3, 10)).escalations or ()
        assert (line.open_alerts, line.oldest, line.owner_name) == (1, D(2026, 3, 10), "Client CFO")
        assert ops.at(D(2026, 3, 11)).open_escalations == 2

    def test_a_naive_state_reads_its_own_clock(self) -> None:
        """A state of naive moments is compared with the naive close of the day."""
        began = alert(
            "n",
            "payer_denial_rate",
            "client_cfo",
            datetime.datetime(2026, 3, 11, 0, 0),  # noqa: DTZ001 - naive on purpose
            AlertStatus.FIRING,
        )
        ops = ops_of(list(self.ROWS), State(alerts={"n": began}))
        assert ops.at(D(2026, 3, 10)).open_escalations == 1
        assert ops.at(D(2026, 3, 9)).open_escalations == 0
        assert (ops.at(D(2026, 3, 10)).escalations or ())[0].oldest == D(2026, 3, 10)

    def test_the_calendars_last_day(self) -> None:
        """Data on 9999-12-31 answers that day, alerts of that day included."""
        rows: list[Row] = [("automation", "coding", D(9999, 12, 30), D(9999, 12, 31), 1, False)]
        late = alert(
            "z",
            "payer_denial_rate",
            "client_cfo",
            datetime.datetime(9999, 12, 31, 5, tzinfo=UTC),
            AlertStatus.FIRING,
        )
        ops = ops_of(rows, State(alerts={"z": late}))
        snapshot = ops.at(D.max)
        assert snapshot.open_escalations == 1
        assert snapshot.by_party[0].closed == 1
        assert ops.at(D(9999, 12, 30)).open_escalations == 0

    def test_an_alert_at_the_calendars_first_moment_is_refused(self) -> None:
        """An alert begun at 0001-01-01 00:00 has no day before it to close: refused by its key."""
        first = alert(
            "a", "payer_denial_rate", "client_cfo", datetime.datetime(1, 1, 1, tzinfo=UTC), AlertStatus.FIRING
        )
        with pytest.raises(ValidationError) as info:
            ops_of(list(self.ROWS), State(alerts={"a": first}))
        assert info.value.issues[0].path == "$.state.alerts['a'].active_since"

    def test_an_empty_state_and_no_state_differ(self) -> None:
        """An empty state has no open escalations (0); no state leaves them out (``None``)."""
        assert ops_of(list(self.ROWS), State()).at(D(2026, 3, 5)).open_escalations == 0
        assert ops_of(list(self.ROWS)).at(D(2026, 3, 5)).open_escalations is None


class TestEmpty:
    def test_no_work_items_gives_empty_lines(self) -> None:
        """A ledger without work items: nobody is working anything, no queue."""
        book = small_book(0)
        data = CycleData(transactions=book.transactions, submissions={}, work_items={}, source="ledger")
        ops = Operations(default_engagement(), data, State())
        snapshot = ops.at(book.transactions["posting_date"].max().item())
        assert (snapshot.by_party, snapshot.queues, snapshot.escalations) == ((), (), ())
        text = "\n".join(line for part in operations_section(snapshot) for line in section_text(part))
        assert text.count("(none)") == 3

    def test_no_dates_refuses_every_day(self) -> None:
        """Empty tables have no range: any day is refused, saying so."""
        ops = Operations(default_engagement(), CycleData(transactions={}, submissions={}, work_items={}))
        assert ops.first is None
        assert ops.last is None
        with pytest.raises(ValidationError, match="the tables hold no date") as info:
            ops.at(D(2026, 3, 5))
        assert info.value.issues[0].path == "$.day"


class TestHostileIds:
    def test_markup_pipes_and_unicode_are_kept_and_escaped(self) -> None:
        """Ids are text: kept as given, escaped for HTML, pipes escaped in Markdown."""
        rows = [
            ("<script>alert(1)</script>", "a|b", D(2026, 3, 1), None, 1, False),
            ("équipe_Ω", "a|b", D(2026, 3, 1), D(2026, 3, 2), 1, False),
            ("x" * 300, "a|b", D(2026, 3, 1), None, 1, False),
        ]
        snapshot = ops_of(rows).at(D(2026, 3, 2))
        assert [w.party for w in snapshot.by_party] == ["<script>alert(1)</script>", "x" * 300, "équipe_Ω"]
        assert [w.kind for w in snapshot.by_party] == ["unknown"] * 3
        parts = operations_section(snapshot)
        page = "\n".join(section_html(p) for p in parts)
        assert "<script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        markdown = "\n".join(line for p in parts for line in section_markdown(p))
        assert "| a\\|b |" in markdown
        assert "équipe_Ω" in markdown

    def test_ids_differing_in_case_stay_apart(self) -> None:
        """``Vendor_X`` and ``vendor_x`` are two parties: nothing is folded silently."""
        rows: list[Row] = [
            ("vendor_x", "coding", D(2026, 3, 1), None, 1, False),
            ("Vendor_X", "coding", D(2026, 3, 1), None, 1, False),
        ]
        assert [w.party for w in ops_of(rows).at(D(2026, 3, 1)).by_party] == ["Vendor_X", "vendor_x"]

    @pytest.mark.parametrize(
        ("column", "value"), [("team", "pod\u202e"), ("workflow", "den\tials"), ("team", " ")]
    )
    def test_unreadable_ids_are_refused_at_build(self, column: str, value: str) -> None:
        """A team or workflow holding control or invisible characters, or blank, is refused by name."""
        row: Row = ("offshore_pod", "denials", D(2026, 3, 1), None, 1, False)
        rows = [row, (value, "denials", *row[2:]) if column == "team" else (row[0], value, *row[2:])]
        with pytest.raises(ValidationError) as info:
            ops_of(rows)
        assert info.value.issues[0].path == f"$.data.work_items.{column}"
        assert f"work item {column} ids must be readable text" in str(info.value)


class TestBuild:
    @pytest.mark.parametrize(
        ("arguments", "path"),
        [
            (("engagement", "data", None), "$.engagement"),
            (("E", "data", None), "$.data"),
            (("E", "D", "state"), "$.state"),
        ],
    )
    def test_wrong_types_are_refused_by_name(self, arguments: tuple[object, ...], path: str) -> None:
        """Each argument is checked for its type, naming it."""
        real = {"E": default_engagement(), "D": data_of(list(TestEscalations.ROWS))}
        with pytest.raises(ValidationError) as info:
            Operations(*(real.get(a, a) if isinstance(a, str) else a for a in arguments))  # type: ignore[arg-type]
        assert info.value.issues[0].path == path

    def test_an_engagement_with_errors_is_refused(self) -> None:
        """As ``run_cycle`` does, an engagement whose cross-references fail is refused."""
        broken = attrs.evolve(default_engagement(), outcomes=("items_closed",))
        with pytest.raises(ValidationError, match="is a activity KPI"):
            ops_of(list(TestEscalations.ROWS), engagement=broken)

    def test_bad_tables_are_refused(self) -> None:
        """Work items closed before they opened are the tables' error, not a negative count."""
        rows: list[Row] = [("offshore_pod", "denials", D(2026, 3, 5), D(2026, 3, 1), 1, False)]
        with pytest.raises(ValidationError) as info:
            ops_of(rows)
        assert info.value.issues[0].path == "$.work_items.closed"


def snapshot_of(**changes: Any) -> OperationsSnapshot:
    base: dict[str, Any] = {
        "engagement": "Riverside",
        "day": D(2026, 3, 11),
        "since": D(2026, 3, 9),
        "by_party": (
            PartyWork(
                party="onshore_lead",
                party_name="Partner onshore lead",
                kind="partner_onshore",
                workflow="denials",
                closed=1234,
                touches=5,
                escalated=1,
                open_items=7,
            ),
        ),
        "queues": (
            WorkflowQueue(
                workflow="denials", open_items=7, aged_over_30=2, median_age_days=12.5, oldest_age_days=1200
            ),
            WorkflowQueue(
                workflow="coding", open_items=0, aged_over_30=0, median_age_days=None, oldest_age_days=None
            ),
        ),
        "escalations": (
            EscalationCount(
                owner="onshore_lead",
                owner_name="Partner onshore lead",
                rule="denial_untouched",
                open_alerts=3,
                acknowledged=1,
                oldest=D(2026, 3, 2),
            ),
        ),
    }
    return OperationsSnapshot(**{**base, **changes})


class TestModels:
    def test_since_after_day_is_refused(self) -> None:
        """A snapshot's ``since`` is not after its ``day``; the same day is fine."""
        assert snapshot_of(since=D(2026, 3, 11)).since == D(2026, 3, 11)
        with pytest.raises(ValidationError) as info:
            snapshot_of(since=D(2026, 3, 12))
        assert info.value.issues[0].path == "$.since"

    def test_acknowledged_within_open(self) -> None:
        """All open alerts may be acknowledged, not more."""
        fields: dict[str, Any] = {"owner": "x", "owner_name": "X", "rule": "r", "oldest": D(2026, 3, 1)}
        assert EscalationCount(open_alerts=2, acknowledged=2, **fields).acknowledged == 2
        with pytest.raises(ValidationError) as info:
            EscalationCount(open_alerts=2, acknowledged=3, **fields)
        assert info.value.issues[0].path == "$.acknowledged"
        with pytest.raises(ValidationError) as info:
            EscalationCount(open_alerts=0, acknowledged=0, **fields)
        assert info.value.issues[0].path == "$.open_alerts"

    @pytest.mark.parametrize("escalations", [None, ()])
    def test_json_round_trips(self, escalations: tuple[EscalationCount, ...] | None) -> None:
        """The snapshot travels as JSON through the one converter and reads back equal."""
        snapshot = snapshot_of() if escalations is None else snapshot_of(escalations=escalations)
        snapshot = snapshot_of(escalations=None) if escalations is None else snapshot
        text = to_json(snapshot)
        assert from_json(text, OperationsSnapshot) == snapshot
        assert ('"escalations": null' in text) is (escalations is None)
        full = snapshot_of()
        assert from_json(to_json(full), OperationsSnapshot) == full
        assert '"oldest": "2026-03-02"' in to_json(full)

    def test_json_from_a_real_index(self) -> None:
        """A snapshot of real data round-trips too."""
        snapshot = Operations(default_engagement(), CycleData.from_synthetic(small_book(1))).at(D(2026, 4, 1))
        assert from_json(to_json(snapshot), OperationsSnapshot) == snapshot


class TestRender:
    def test_text(self) -> None:
        """Three sections: the work, the queues, the escalations, with counts grouped by thousands."""
        lines = [line for part in operations_section(snapshot_of()) for line in section_text(part)]
        text = "\n".join(lines)
        assert lines[0] == "WHO IS WORKING WHAT ON 2026-03-11"
        assert "  Partner onshore lead  partner_onshore  denials   1,234   5        1          7" in lines
        assert "  Items closed from 2026-03-09 to 2026-03-11; items open at the close of 2026-03-11." in lines
        assert "QUEUES AT THE CLOSE OF 2026-03-11" in lines
        assert "  denials   7     2            12.5 d      1,200 d" in lines
        assert "  coding    0     0            -           -" in lines
        assert "OPEN ESCALATIONS ON 2026-03-11" in lines
        assert "  Partner onshore lead  denial_untouched  3     1             2026-03-02" in lines
        assert "  3 open escalation(s), begun by the close of 2026-03-11." in lines
        assert "(none)" not in text

    def test_markdown(self) -> None:
        """Markdown headings and tables, the note in italics."""
        lines = [
            line
            for part in operations_section(snapshot_of(since=D(2026, 3, 11)))
            for line in section_markdown(part)
        ]
        assert "## Who is working what on 2026-03-11" in lines
        assert "| party | kind | workflow | closed | touches | escalated | open |" in lines
        assert "| Partner onshore lead | partner_onshore | denials | 1,234 | 5 | 1 | 7 |" in lines
        assert "_Items closed on 2026-03-11; items open at the close of 2026-03-11._" in lines
        assert any(line.startswith("| workflow | open | aged ") for line in lines)
        assert "| denials | 7 | 2 | 12.5 d | 1,200 d |" in lines
        assert "| owner | rule | open | acknowledged | oldest began |" in lines

    def test_html(self) -> None:
        """HTML headings and tables; without a state the escalations say none was given."""
        page = "\n".join(section_html(p) for p in operations_section(snapshot_of(escalations=None)))
        assert "<h2>Queues at the close of 2026-03-11</h2>" in page
        assert "<td>denials</td><td>7</td><td>2</td><td>12.5 d</td><td>1,200 d</td>" in page
        assert '<td colspan="5">None.</td>' in page
        assert '<p class="note">No escalation state was given: open escalations are not shown.</p>' in page

    def test_notebook_reprs(self) -> None:
        """A notebook shows the snapshot as Markdown or HTML tables."""
        snapshot = snapshot_of()
        assert snapshot._repr_markdown_().startswith("## Who is working what on 2026-03-11")
        assert "<h2>Open escalations on 2026-03-11</h2>" in snapshot._repr_html_()

    def test_not_a_snapshot_is_refused(self) -> None:
        """The renderer takes a snapshot and says so."""
        with pytest.raises(ValidationError) as info:
            operations_section("snapshot")  # type: ignore[arg-type]
        assert info.value.issues[0].path == "$.snapshot"
