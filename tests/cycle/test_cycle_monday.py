"""The Monday report: headline, decisions waiting for the provider, grouped escalations."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import attrs
import pytest

from comanaged_rcm.cycle import (
    Acknowledgement,
    CycleData,
    Decision,
    EscalationLine,
    GovernanceReport,
    Verdict,
    default_engagement,
    render_html,
    render_json,
    render_markdown,
    render_text,
    run_cycle,
)
from comanaged_rcm.cycle._escalate import escalation_stage
from comanaged_rcm.cycle._report import (
    DecidedLine,
    DecisionLine,
    EscalationGroupLine,
    Headline,
    headline_of,
)
from comanaged_rcm.cycle._section import WIDTH, md_cell, table_text
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import FactKind, Level, Owner, Rule, State
from comanaged_rcm.serialize import from_json
from comanaged_rcm.synthetic import generate_book

UTC = datetime.UTC
HOSTILE = "<script>alert('x')</script> | *bold* & `code`"


def _line(key: str, **changes: Any) -> EscalationLine:
    fields: dict[str, Any] = {
        "rule": "write_off_over_limit",
        "severity": "critical",
        "level": "provider_decision_owner",
        "owner": "client_rcm_director",
        "owner_name": "Client RCM director",
        "entity": f"item_id={key}",
        "deadline": datetime.date(2026, 11, 25),
        "reason": f"write-off of 6120 on {key} (met: balance > 5000)",
        "dedup_key": key,
        "since": datetime.date(2026, 11, 16),
        "group": "g-write-off",
        "message": f"write-off on {key} needs approval",
        "amount": 6120.0,
    }
    return EscalationLine(**{**fields, **changes})


def with_groups(report: GovernanceReport, *, entity: str = "item_id=Q-1") -> GovernanceReport:
    """The hand-built report with two open lines in one new group, a resolved group and a decision."""
    lines = (_line("Q-1", entity=entity), _line("Q-2", amount=None))
    groups = (
        EscalationGroupLine(
            key="g-write-off",
            rule="write_off_over_limit",
            owner="client_rcm_director",
            owner_name="Client RCM director",
            decision="write_off",
            severity="critical",
            status="new",
            count=2,
            alerts=("Q-1", "Q-2"),
            amount=6120.0,
            amount_items=1,
            since=datetime.date(2026, 11, 16),
            deadline=datetime.date(2026, 11, 25),
            message="write-off on Q-1 needs approval",
        ),
        EscalationGroupLine(
            key="g-old",
            rule="clean_claim_rate_low",
            owner="onshore_lead",
            owner_name="Partner onshore lead",
            decision="",
            severity="warning",
            status="resolved",
            count=1,
            alerts=("old-1",),
            amount=None,
            amount_items=0,
            since=datetime.date(2026, 11, 2),
            deadline=None,
        ),
    )
    decisions = (
        DecisionLine(
            decision="write_off",
            count=2,
            alerts=("Q-1", "Q-2"),
            amount=6120.0,
            amount_items=1,
            since=datetime.date(2026, 11, 16),
            deadline=datetime.date(2026, 11, 25),
            deferred=1,
            recommendation="approve: balance is past timely filing",
        ),
    )
    decided = (
        DecidedLine(
            id="d-1",
            decision="write_off",
            key="Q-9",
            verdict="approve",
            actor="client_rcm_director",
            at=datetime.datetime(2026, 11, 18, 15, tzinfo=UTC),
            note="past timely filing",
            amount=90.0,
        ),
    )
    return attrs.evolve(
        report,
        escalations=lines,
        groups=groups,
        decisions=decisions,
        decided=decided,
        headline=headline_of(decisions, decided, groups),
    )


# --------------------------------------------------------------------------- the model
class TestModel:
    def test_headline_sums_up(self, report: GovernanceReport) -> None:
        """The headline counts items waiting, dollars, decisions taken and groups by status."""
        grouped = with_groups(report)
        assert grouped.headline == Headline(
            decisions=2,
            amount=6120.0,
            overdue=None,
            decided=1,
            groups_open=1,
            groups_new=1,
            groups_resolved=1,
        )

    def test_a_headline_that_disagrees_is_refused(self, report: GovernanceReport) -> None:
        """A headline must be the one the report's parts give."""
        grouped = with_groups(report)
        assert grouped.headline is not None
        wrong = attrs.evolve(grouped.headline, decisions=3)
        with pytest.raises(ValidationError, match=r"sum up.*@ \$\.headline"):
            attrs.evolve(grouped, headline=wrong)

    def test_group_keys_must_be_lines(self, report: GovernanceReport) -> None:
        """An open group's alert must be one of the report's lines; a resolved group's need not."""
        grouped = with_groups(report)
        group = attrs.evolve(grouped.groups[0], alerts=("Q-1", "Q-3"))
        with pytest.raises(ValidationError, match=r"'Q-3' is not among.*@ \$\.groups\[0\]\.alerts\[1\]"):
            attrs.evolve(grouped, groups=(group, grouped.groups[1]), headline=None)

    def test_counts_bound_their_parts(self) -> None:
        """``alerts`` are ``count`` distinct keys; overdue, deferred, amount items at most the count."""
        base: dict[str, Any] = {
            "decision": "write_off",
            "count": 2,
            "alerts": ("a", "b"),
            "amount": None,
            "amount_items": 0,
            "since": datetime.date(2026, 11, 2),
            "deadline": None,
        }
        assert DecisionLine(**{**base, "deferred": 2}).deferred == 2
        for name in ("deferred", "amount_items", "overdue"):
            with pytest.raises(ValidationError, match=rf"'{name}' must be at most 'count' \(2, got 3\)"):
                DecisionLine(**{**base, name: 3})
        with pytest.raises(ValidationError, match=r"'alerts' must hold 'count' \(2\) distinct keys"):
            DecisionLine(**{**base, "alerts": ("a", "a")})
        with pytest.raises(ValidationError, match=r"'status' must be one of"):
            EscalationGroupLine(
                key="k",
                rule="r",
                owner="",
                owner_name="x",
                decision="",
                severity="",
                status="closed",
                count=1,
                alerts=("a",),
                amount=None,
                amount_items=0,
                since=datetime.date(2026, 11, 2),
                deadline=None,
            )

    def test_new_groups_at_most_open(self) -> None:
        """A headline cannot have more new groups than open ones (new ones are open)."""
        fields: dict[str, Any] = {
            "decisions": 0,
            "amount": None,
            "overdue": None,
            "decided": 0,
            "groups_open": 1,
            "groups_resolved": 0,
        }
        assert Headline(**fields, groups_new=1).groups_new == 1
        with pytest.raises(ValidationError, match=r"'groups_new' must be at most 'groups_open' \(1, got 2\)"):
            Headline(**fields, groups_new=2)

    def test_overdue_needs_a_zone(self, report: GovernanceReport) -> None:
        """A group's or a decision's overdue count comes with business hours, like a line's mark."""
        grouped = with_groups(report)
        group = attrs.evolve(grouped.groups[0], overdue=1)
        with pytest.raises(ValidationError, match=r"no 'zone'.*@ \$\.groups\[0\]\.overdue"):
            attrs.evolve(grouped, groups=(group, grouped.groups[1]), headline=None)

    def test_json_round_trips(self, report: GovernanceReport) -> None:
        """The new parts write to JSON and read back equal; defaults stay out of older reports."""
        grouped = with_groups(report)
        text = render_json(grouped)
        back = from_json(text, GovernanceReport)
        assert back == grouped
        assert render_json(back) == text
        document = json.loads(text)
        assert document["headline"]["decisions"] == 2
        assert "deferred" not in document["groups"][0]
        assert document["decisions"][0]["deferred"] == 1
        plain = json.loads(render_json(report))
        assert not {"headline", "decisions", "decided", "groups"} & set(plain)
        assert not {"group", "message", "amount", "muted"} & set(plain["escalations"][0])


# --------------------------------------------------------------------------- rendering
def _section(text: str, title: str, following: str) -> list[str]:
    return text[text.index(title) : text.index(following)].splitlines()


class TestRendering:
    def test_headline_first(self, report: GovernanceReport) -> None:
        """The headline comes before everything but the heading: decisions, groups, KPIs off target."""
        text = render_text(with_groups(report))
        lines = text.splitlines()
        assert lines[3:7] == [
            "HEADLINE",
            "  Decisions waiting for the provider: 2, $6,120 at stake; 1 decided this week.",
            "  Escalation groups: 1 open (1 new this week), 1 resolved this week.",
            "  Outcomes off target: Days in A/R 47.5 d (target <= 40.0 d, BREACH).",
        ]
        assert text.index("HEADLINE") < text.index("DECISIONS WAITING") < text.index("1. OUTCOMES")

    def test_headline_after_the_partial_banner(self, report: GovernanceReport) -> None:
        """Only the partial-data banner comes before the headline."""
        text = render_text(attrs.evolve(with_groups(report), partial_data="no data for 2026-11-22"))
        assert text.index("!! no data") < text.index("HEADLINE")

    def test_kpis_in_watch_are_named(self, report: GovernanceReport) -> None:
        """Watch counts as off target; on-track KPIs are not named; none says none."""
        grouped = with_groups(report)
        ncr, dar = grouped.outcomes
        watched = attrs.evolve(grouped, outcomes=(attrs.evolve(ncr, status="watch"), dar))
        assert "Net collection rate 96.1% (target >= 95.0%, watch); Days in A/R" in render_text(watched)
        calm = attrs.evolve(grouped, outcomes=(ncr, attrs.evolve(dar, status="on_track")))
        assert "Outcomes off target: none." in render_text(calm)

    def test_decisions_section(self, report: GovernanceReport) -> None:
        """By decision type: items, dollars over the items that carry one, oldest, deadline, deferrals."""
        lines = _section(render_text(with_groups(report)), "DECISIONS WAITING", "DECIDED THIS WEEK")
        assert lines[1].split() == [
            "decision",
            "items",
            "at",
            "stake",
            "oldest",
            "deadline",
            "deferred",
            "recommendation",
        ]
        assert re.match(
            r"  write_off\s+2\s+\$6,120 \(1 of 2\)\s+2026-11-16\s+2026-11-25\s+1\s+approve: balance is past",
            lines[3],
        )

    def test_decided_section(self, report: GovernanceReport) -> None:
        """Decisions of the week with verdict, key, who and when."""
        lines = _section(render_text(with_groups(report)), "DECIDED THIS WEEK", "1. OUTCOMES")
        assert re.match(
            r"  write_off\s+approve\s+Q-9\s+client_rcm_director\s+2026-11-18T15:00\+00:00\s+0\s+\$90",
            lines[3],
        )

    def test_groups_replace_the_flat_list(self, report: GovernanceReport) -> None:
        """One row per group: status this week, count, dollars, current value; resolved ones last."""
        lines = _section(render_text(with_groups(report)), "5. ESCALATIONS", "6. SCOPE")
        assert lines[1].split()[:5] == ["status", "rule", "owner", "decision", "alerts"]
        assert re.match(
            r"  NEW\s+write_off_over_limit\s+Client RCM director\s+write_off\s+2\s+\$6,120 \(1 of 2\)",
            lines[3],
        )
        assert "write-off on Q-1 needs approval (+1 more)" in "\n".join(lines)
        assert any(re.match(r"  resolved\s+clean_claim_rate_low", line) for line in lines)
        assert "resolved this week" in "\n".join(lines)
        assert "(met: balance > 5000)" not in "\n".join(lines)  # the trace stays in JSON and HTML

    def test_html_details_hold_every_alert_escaped(self, report: GovernanceReport) -> None:
        """Each group has a <details> with its alerts and their full why; hostile ids are escaped."""
        page = render_html(with_groups(report, entity=f"item_id={HOSTILE}"))
        assert page.count("<details>") == 1
        assert "<summary>2 alert(s): entities and why</summary>" in page
        assert "(met: balance &gt; 5000)" in page
        assert "<script>" not in page
        assert "item_id=&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; | *bold* &amp; `code`" in page

    def test_markdown_escapes_cells(self, report: GovernanceReport) -> None:
        """Markdown cells read literally: pipes, markup and HTML escaped, line breaks as <br>."""
        grouped = with_groups(report)
        group = attrs.evolve(grouped.groups[0], message=f"{HOSTILE}\nsecond line")
        page = render_markdown(attrs.evolve(grouped, groups=(group, grouped.groups[1])))
        assert r"\<script\>alert('x')\</script\> \| \*bold\* \& \`code\`<br>second line (+1 more)" in page
        assert "<script>" not in page
        assert md_cell("a\\b") == "a\\\\b"

    def test_every_text_line_fits(self, report: GovernanceReport) -> None:
        """Every line of every section fits 120 columns, long ids and names included."""
        long_id = "claim_id=" + "C" * 300
        grouped = with_groups(report, entity=long_id)
        group = attrs.evolve(grouped.groups[0], owner_name="A " * 80 + "very long name", message="x" * 400)
        text = render_text(attrs.evolve(grouped, groups=(group, grouped.groups[1]), engagement="E" * 200))
        assert all(len(line) <= WIDTH for line in text.splitlines())
        assert "\u2026" in text  # a cell too long for three lines is cut with an ellipsis

    def test_a_table_narrows_its_widest_columns(self) -> None:
        """Exactly at the width nothing moves; one column more and the widest narrows."""
        fits = table_text(["a", "b"], [["x" * 115, "y"]])
        assert max(len(line) for line in fits) == WIDTH
        assert fits[2] == "  " + "x" * 115 + "  y"
        wider = table_text(["a", "b"], [["x" * 116, "y"]])
        assert max(len(line) for line in wider) <= WIDTH
        assert len(wider) == 4  # the cell wrapped onto a second line


# --------------------------------------------------------------------------- the stage
_NOW = datetime.datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo() -> tuple[Any, CycleData, Any]:
    book = generate_book(seed=7, claims=3000)
    return default_engagement(), CycleData.from_synthetic(book), book


def _stage(demo: tuple[Any, CycleData, Any], **kwargs: Any) -> Any:
    engagement, data, book = demo
    periods = engagement.cadence.periods_ending(book.period.end, engagement.escalation_periods)
    return escalation_stage(engagement, data, data.book(), periods, **kwargs)


class TestStage:
    def test_groups_cover_every_unmuted_line(self, demo: tuple[Any, CycleData, Any]) -> None:
        """Each open line not muted is in exactly one group, and the group's sums are its lines'."""
        stage = _stage(demo)
        by_key = {line.dedup_key: line for line in stage.lines}
        grouped = [key for group in stage.groups for key in group.alerts]
        assert sorted(grouped) == sorted(line.dedup_key for line in stage.lines if not line.muted)
        for group in stage.groups:
            members = [by_key[k] for k in group.alerts]
            assert all(m.group == group.key for m in members)
            amounts = [m.amount for m in members if m.amount is not None]
            assert group.amount_items == len(amounts)
            assert group.amount == (pytest.approx(sum(amounts)) if amounts else None)
            assert group.status == "open"  # no start state

    def test_decisions_are_client_reserved(self, demo: tuple[Any, CycleData, Any]) -> None:
        """Only items whose owner is a client decision holder wait for the provider."""
        stage = _stage(demo)
        assert stage.decisions
        engagement = demo[0]
        client = {p.id for p in engagement.split.parties if p.is_client}
        by_key = {line.dedup_key: line for line in stage.lines}
        for decision in stage.decisions:
            assert all(by_key[k].owner in client for k in decision.alerts)
        waiting = {k for d in stage.decisions for k in d.alerts}
        assert all(
            by_key[k].owner not in client
            for k in set(by_key) - waiting
            if by_key[k].level != "provider_decision_owner"
        )
        assert stage.headline.decisions == len(waiting)

    def test_current_value_is_the_latest(self, demo: tuple[Any, CycleData, Any]) -> None:
        """A KPI alert's message shows the last period's value, its reason the firing one's."""
        stage = _stage(demo)
        kpi = [line for line in stage.lines if line.rule == "payer_denial_rate"]
        assert kpi
        assert all((line.message and line.message in line.reason) or line.message for line in kpi)

    def test_decisions_matched_and_unmatched(self, demo: tuple[Any, CycleData, Any]) -> None:
        """An approval by alert or group key takes items off; a deferral leaves them waiting, deferred."""
        plain = _stage(demo)
        first = plain.decisions[0]
        key, kind = first.alerts[0], first.decision
        group = (
            next(g for g in plain.groups if key in g.alerts)
            if any(key in g.alerts for g in plain.groups)
            else None
        )
        at = plain.now - datetime.timedelta(hours=1)
        log = [
            Decision(
                id="d-1", decision=kind, key=key, verdict=Verdict.APPROVE, actor="client_rcm_director", at=at
            ),
            Decision(
                id="d-2",
                decision=kind,
                key="no-such-item",
                verdict=Verdict.DENY,
                actor="client_rcm_director",
                at=at,
            ),
            Decision(
                id="d-3", decision="refund", key=key, verdict=Verdict.DENY, actor="client_rcm_director", at=at
            ),
            Decision(
                id="d-4",
                decision=kind,
                key=key,
                verdict=Verdict.APPROVE,
                actor="client_rcm_director",
                at=plain.now + datetime.timedelta(seconds=1),
            ),
        ]
        stage = _stage(demo, decisions=log)
        after = {d.decision: d for d in stage.decisions}
        assert after.get(kind) is None or after[kind].count == first.count - 1
        assert [(d.id, d.items) for d in stage.decided] == [("d-1", 1), ("d-2", 0), ("d-3", 0)]
        deferred = _stage(demo, decisions=[attrs.evolve(log[0], verdict=Verdict.DEFER)])
        again = {d.decision: d for d in deferred.decisions}[kind]
        assert (again.count, again.deferred) == (first.count, 1)
        if group is not None and group.decision == kind:
            by_group = _stage(demo, decisions=[attrs.evolve(log[0], key=group.key)])
            left = {d.decision: d for d in by_group.decisions}.get(kind)
            assert (0 if left is None else left.count) == first.count - group.count

    def test_a_decision_at_the_clock_counts(self, demo: tuple[Any, CycleData, Any]) -> None:
        """Decided at exactly the report's clock is this week's; at the week's start, last week's."""
        plain = _stage(demo)
        key, kind = plain.decisions[0].alerts[0], plain.decisions[0].decision
        engagement, _, book = demo
        start = engagement.cadence.periods_ending(book.period.end, 1)[0].start
        week_start = datetime.datetime.combine(start, datetime.time(0, 0), tzinfo=UTC)
        log = [
            Decision(id="now", decision=kind, key=key, verdict=Verdict.DEFER, actor="x", at=plain.now),
            Decision(id="edge", decision=kind, key="other", verdict=Verdict.DEFER, actor="x", at=week_start),
        ]
        stage = _stage(demo, decisions=log)
        assert [d.id for d in stage.decided] == ["now"]

    def test_new_open_resolved(self, demo: tuple[Any, CycleData, Any]) -> None:
        """From a start state: groups it had are open or resolved, others new."""
        engagement, data, book = demo
        periods = engagement.cadence.periods_ending(book.period.end, engagement.escalation_periods)
        earlier = escalation_stage(engagement, data, data.book(), periods[:-1])
        stage = escalation_stage(engagement, data, data.book(), periods[-1:], start=earlier.state)
        before = {g.key for g in earlier.groups}
        for group in stage.groups:
            expected = (
                "resolved" if group.status == "resolved" else ("open" if group.key in before else "new")
            )
            assert group.status == expected
            if group.status == "resolved":
                assert group.key in before
        resolved = {g.key for g in stage.groups if g.status == "resolved"}
        assert resolved == before - {g.key for g in stage.groups if g.status != "resolved"}
        empty = escalation_stage(engagement, data, data.book(), periods[-1:], start=State())
        assert all(g.status == "new" for g in empty.groups)

    def test_acknowledgements_count(self, demo: tuple[Any, CycleData, Any]) -> None:
        """An acknowledgement of an alert's key counts for its group; one after the clock does not."""
        plain = _stage(demo)
        group = plain.groups[0]
        key = group.alerts[0]
        acks = [
            Acknowledgement(key=key, actor="onshore_lead", at=plain.now),
            Acknowledgement(key=group.alerts[-1], actor="onshore_lead", at=plain.now + datetime.timedelta(1)),
        ]
        stage = _stage(demo, acks=acks)
        again = next(g for g in stage.groups if g.key == group.key)
        assert again.acknowledged == group.acknowledged + 1

    def test_bad_logs_are_refused(self, demo: tuple[Any, CycleData, Any]) -> None:
        """Decisions and acknowledgements must be the store's records."""
        with pytest.raises(ValidationError, match=r"@ \$\.decisions\[0\]"):
            _stage(demo, decisions=["d-1"])
        with pytest.raises(ValidationError, match=r"@ \$\.acks\[0\]"):
            _stage(demo, acks=[{"key": "k"}])


class TestRecommendation:
    def test_from_the_rules_annotation(self, demo: tuple[Any, CycleData, Any]) -> None:
        """The partner's recommendation is the rule's ``recommendation`` annotation, never invented."""
        engagement, data, book = demo
        plain = _stage(demo)
        assert all(d.recommendation == "" for d in plain.decisions)
        rules = tuple(
            attrs.evolve(r, annotations={**r.annotations, "recommendation": "escalate to the payer rep"})
            if r.id == "payer_denial_rate"
            else r
            for r in engagement.rules.rules
        )
        annotated = attrs.evolve(engagement, rules=attrs.evolve(engagement.rules, rules=rules))
        stage = _stage((annotated, data, book))
        found = {d.decision: d.recommendation for d in stage.decisions}
        assert found.get("payer_escalation") == "escalate to the payer rep"
        assert all(v == "" for k, v in found.items() if k != "payer_escalation")


# --------------------------------------------------------------------------- the demo
class TestDemoReport:
    def test_every_line_fits(self) -> None:
        """The demo report's text fits 120 columns on every line of every section."""
        book = generate_book(seed=7, claims=3000)
        report = run_cycle(default_engagement(), CycleData.from_synthetic(book), book.period.last_day)
        text = render_text(report)
        assert all(len(line) <= WIDTH for line in text.splitlines())
        assert report.headline is not None
        assert report.groups
        assert text.splitlines()[3] == "HEADLINE"


def test_rule_fixture_sanity() -> None:
    """The decision owner of a rule is what routes its alert to the decisions waiting."""
    rule = Rule(
        id="w",
        when="balance > 1",
        applies_to=FactKind.QUEUE_ITEM,
        level=Level.PROVIDER_DECISION_OWNER,
        owner=Owner.decision("write_off"),
        dedup_keys=("item_id",),
    )
    assert rule.rungs[0].owner.ref == "write_off"
