from __future__ import annotations

import datetime
import zoneinfo

import attrs
import pytest

from comanaged_rcm import serialize
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    DEFAULT_GROUP_BY,
    Alert,
    AlertGroup,
    AlertGrouping,
    AlertSeverity,
    AlertStatus,
    Event,
    FactKind,
    Inhibition,
    InhibitRule,
    Level,
    MappingDirectory,
    Owner,
    PlanAlert,
    Route,
    Rule,
    Sent,
    Silence,
    SilenceRule,
    State,
    acknowledge,
    add_silence,
    alert_groups,
    business_hours,
    default_route,
    notification_plan,
    step,
)
from comanaged_rcm.escalation._routing import MAX_LABEL_CHARS

NY = zoneinfo.ZoneInfo("America/New_York")
HOURS = business_hours("America/New_York", first_year=2026, last_year=2026)
T0 = datetime.datetime(2026, 3, 2, 9, tzinfo=NY)
MINUTE = datetime.timedelta(minutes=1)
DIRECTORY = MappingDirectory(accountable={"denials": "lead_anna"}, decisions={"write_off": "cfo_ben"})

WRITE_OFF = Rule(
    id="write_off_over_limit",
    when="action == 'write_off' and balance > 5000",
    applies_to=FactKind.QUEUE_ITEM,
    severity=AlertSeverity.CRITICAL,
    level=Level.PROVIDER_DECISION_OWNER,
    owner=Owner.decision("write_off"),
    dedup_keys=("item_id",),
    deadline=1,
)
STALE = Rule(
    id="stale_denial",
    when="age > 30",
    applies_to=FactKind.QUEUE_ITEM,
    level=Level.ONSHORE_LEAD,
    owner=Owner.accountable("denials"),
    dedup_keys=("item_id",),
    labels={"decision": "appeal_strategy"},
    deadline_hours=4,
)


def facts(*rows: tuple[str, str, float, int]) -> dict[str, list[object]]:
    return {
        "item_id": [r[0] for r in rows],
        "action": [r[1] for r in rows],
        "balance": [r[2] for r in rows],
        "age": [r[3] for r in rows],
    }


ROWS = (("Q-1", "write_off", 7500.0, 40), ("Q-2", "write_off", 9000.5, 10), ("Q-3", "appeal", 100.0, 45))


def stepped(
    rules: tuple[Rule, ...] = (WRITE_OFF, STALE), rows: tuple[tuple[str, str, float, int], ...] = ROWS
) -> tuple[State, tuple[Event, ...]]:
    return step(list(rules), State(), facts(*rows), T0, HOURS, directory=DIRECTORY)


class TestDefaultGrouping:
    def test_rule_owner_decision(self) -> None:
        """The default groups are rule x owner x decision type, with counts, amounts and receivers."""
        state, events = stepped()
        grouping = alert_groups(state, T0, rules=[WRITE_OFF, STALE], events=events, amount="balance")
        assert [(g.labels, g.count, g.amount, g.amount_alerts, g.receiver) for g in grouping.groups] == [
            (
                {"alertname": "stale_denial", "owner": "lead_anna", "decision": "appeal_strategy"},
                2,
                None,
                0,
                "owner",
            ),
            (
                {"alertname": "write_off_over_limit", "owner": "cfo_ben", "decision": "write_off"},
                2,
                16500.5,
                2,
                "owner",
            ),
        ]
        assert grouping.groups[0].alerts == tuple(sorted(grouping.groups[0].alerts))
        assert [g.severity for g in grouping.groups] == [AlertSeverity.WARNING, AlertSeverity.CRITICAL]
        assert DEFAULT_GROUP_BY == ("alertname", "owner", "decision")

    def test_without_rules_only_own_labels(self) -> None:
        """Without the rules an alert has no decision type: the group says so with an empty value."""
        state, _ = stepped(rules=(WRITE_OFF,))
        (group,) = alert_groups(state, T0).groups
        assert group.labels == {"alertname": "write_off_over_limit", "owner": "cfo_ben", "decision": ""}
        assert group.severity is None
        assert group.amount is None
        assert group.amount_alerts == 0

    def test_unassigned_owner(self) -> None:
        """An alert with no owner in the directory is grouped under 'unassigned'."""
        state, _ = step([WRITE_OFF], State(), facts(*ROWS), T0, HOURS)
        (group,) = alert_groups(state, T0, rules=[WRITE_OFF]).groups
        assert group.labels["owner"] == "unassigned"

    def test_unknown_rule_refused(self) -> None:
        """With rules given, an open alert whose rule is not among them is refused, with a did-you-mean."""
        state, _ = stepped()
        renamed = attrs.evolve(WRITE_OFF, id="write_off_over_limits")
        with pytest.raises(ValidationError) as caught:
            alert_groups(state, T0, rules=[renamed, STALE])
        assert "did you mean 'write_off_over_limits'?" in str(caught.value)
        assert caught.value.issues[0].path.endswith(".rule")

    def test_pending_alerts_left_out(self) -> None:
        """Only firing and acknowledged alerts are grouped; a pending one is not notified yet."""
        held = attrs.evolve(WRITE_OFF, pending_for=attrs.evolve(WRITE_OFF.pending_for, hours=1))
        state, _ = step([held], State(), facts(*ROWS), T0, HOURS, directory=DIRECTORY)
        assert {a.status for a in state.alerts.values()} == {AlertStatus.PENDING}
        assert alert_groups(state, T0, rules=[held]).groups == ()
        assert alert_groups(list(state.alerts.values()), T0, rules=[held]).groups == ()

    def test_acknowledged_alerts_stay(self) -> None:
        """An acknowledged alert is still open: it stays in its group."""
        state, _ = stepped(rules=(WRITE_OFF,))
        key = min(state.alerts)
        state, _ = acknowledge(state, key, actor="cfo_ben", at=T0 + MINUTE)
        (group,) = alert_groups(state, T0 + MINUTE, rules=[WRITE_OFF]).groups
        assert group.count == 2


class TestFigures:
    def test_oldest_and_newest(self) -> None:
        """Oldest and newest are when the alerts' conditions began to hold."""
        state, _ = step([WRITE_OFF], State(), facts(ROWS[0]), T0, HOURS, directory=DIRECTORY)
        later = T0 + datetime.timedelta(hours=2)
        state, _ = step([WRITE_OFF], state, facts(*ROWS), later, HOURS, directory=DIRECTORY)
        (group,) = alert_groups(state, later, rules=[WRITE_OFF]).groups
        assert (group.oldest_since, group.newest_since) == (T0, later)

    def test_overdue_edges(self) -> None:
        """A deadline moment is overdue after that moment; a deadline day after its midnight in the zone."""
        state, _ = stepped()
        due = T0 + datetime.timedelta(hours=4)  # the 4bh deadline of stale_denial
        before = alert_groups(state, due - MINUTE, rules=[WRITE_OFF, STALE])
        at_due = alert_groups(state, due, rules=[WRITE_OFF, STALE])
        after = alert_groups(state, due + MINUTE, rules=[WRITE_OFF, STALE])
        assert [g.overdue for g in before.groups] == [0, 0]
        assert [g.overdue for g in at_due.groups] == [0, 0]
        assert [g.overdue for g in after.groups] == [2, 0]
        end_of_day = datetime.datetime(2026, 3, 4, 0, 0, tzinfo=NY)  # write-offs are due 2026-03-03
        rules = [WRITE_OFF, STALE]
        assert [g.overdue for g in alert_groups(state, end_of_day - MINUTE, rules=rules).groups] == [2, 0]
        assert [g.overdue for g in alert_groups(state, end_of_day, rules=rules, calendar=HOURS).groups] == [
            2,
            0,
        ]
        late = end_of_day + MINUTE
        assert [g.overdue for g in alert_groups(state, late, rules=rules, calendar=HOURS).groups] == [2, 2]
        utc_midnight = datetime.datetime(2026, 3, 4, 0, 0, tzinfo=datetime.UTC)  # 19:00 on the 3rd, New York
        assert [g.overdue for g in alert_groups(state, utc_midnight, rules=rules, calendar=HOURS).groups] == [
            2,
            0,
        ]
        assert [g.overdue for g in alert_groups(state, utc_midnight, rules=rules).groups] == [2, 0]
        assert [g.overdue for g in alert_groups(state, utc_midnight + MINUTE, rules=rules).groups] == [2, 2]

    def test_amount_from_labels(self) -> None:
        """An amount that is an alert label (a group_by field) is read from the alert itself."""
        rule = attrs.evolve(WRITE_OFF, group_by=("balance",))
        state, _ = stepped(rules=(rule,))
        tree = Route(receiver="owner", group_by=["alertname"])
        (group,) = alert_groups(state, T0, rules=[rule], amount="balance", tree=tree).groups
        assert (group.amount, group.amount_alerts) == (16500.5, 2)

    def test_amount_missing_for_some(self) -> None:
        """Alerts without the amount are counted apart: the amount sums only those that carry it."""
        state, events = stepped(rules=(WRITE_OFF,))
        q1 = next(a.key for a in state.alerts.values() if a.labels["item_id"] == "Q-1")
        first = next(e for e in events if e.key == q1)
        (group,) = alert_groups(state, T0, rules=[WRITE_OFF], events=[first], amount="balance").groups
        assert (group.amount, group.amount_alerts, group.count) == (7500.0, 1, 2)

    @pytest.mark.parametrize("text", ['"n/a"', "true", "NaN", "Infinity", "abc"])
    def test_amount_not_a_number_refused(self, text: str) -> None:
        """An amount that is not a finite number is refused, naming the alert and where it was read."""
        state, events = stepped(rules=(WRITE_OFF,))
        bad = [attrs.evolve(e, inputs={**e.inputs, "balance": text}) for e in events]
        with pytest.raises(ValidationError) as caught:
            alert_groups(state, T0, rules=[WRITE_OFF], events=bad, amount="balance")
        assert caught.value.issues[0].path == "$.events[0].inputs.balance"
        assert "is not a finite number" in str(caught.value)

    def test_amount_null_is_absent(self) -> None:
        """A missing (null) amount is not a zero: it is not counted."""
        state, events = stepped(rules=(WRITE_OFF,))
        blank = [attrs.evolve(e, inputs={**e.inputs, "balance": "null"}) for e in events]
        (group,) = alert_groups(state, T0, rules=[WRITE_OFF], events=blank, amount="balance").groups
        assert (group.amount, group.amount_alerts) == (None, 0)


class TestMuting:
    def test_state_silence(self) -> None:
        """The state's silences mute matching alerts; the plan says which and why."""
        state, _ = stepped()
        silence = Silence(
            id="s1",
            author="lead_anna",
            reason="payer outage",
            created=T0,
            expires=T0 + datetime.timedelta(days=1),
            rule="stale_denial",
        )
        state, _ = add_silence(state, silence)
        grouping = alert_groups(state, T0 + MINUTE, rules=[WRITE_OFF, STALE])
        assert [g.labels["alertname"] for g in grouping.groups] == ["write_off_over_limit"]
        assert sorted(grouping.plan.muted.values()) == ["silenced by s1", "silenced by s1"]
        assert "2 alert(s) muted" in str(grouping)

    def test_state_silence_of_everything(self) -> None:
        """A state silence with no rule and no matchers mutes every alert (its odd id kept apart)."""
        state, _ = stepped()
        silence = Silence(
            id="all of them", author="a", reason="r", created=T0, expires=T0 + datetime.timedelta(days=1)
        )
        state, _ = add_silence(state, silence)
        grouping = alert_groups(state, T0 + MINUTE, rules=[WRITE_OFF, STALE])
        assert grouping.groups == ()
        assert set(grouping.plan.muted.values()) == {"silenced by state-silence-0"}

    def test_silence_rule_and_inhibition_given(self) -> None:
        """Silence and inhibition rules given to the call apply with their matchers."""
        state, _ = stepped()
        silence = SilenceRule(
            id="cfo_away",
            matchers=['owner="cfo_ben"'],
            starts_at=T0,
            ends_at=T0 + datetime.timedelta(days=1),
            created_by="lead_anna",
            comment="away",
        )
        grouping = alert_groups(state, T0, rules=[WRITE_OFF, STALE], silences=[silence])
        assert [g.labels["owner"] for g in grouping.groups] == ["lead_anna"]
        inhibit = InhibitRule(
            source_matchers=['severity="critical"'], target_matchers=['severity="warning"'], equal=["item_id"]
        )
        grouping = alert_groups(state, T0, rules=[WRITE_OFF, STALE], inhibitions=[inhibit])
        (muted_key,) = grouping.plan.muted
        assert state.alerts[muted_key].labels == {"item_id": "Q-1"}
        assert grouping.plan.muted[muted_key].startswith("inhibited by write_off_over_limit:")

    def test_rule_inhibition(self) -> None:
        """A rule's inhibited_by mutes its alerts while the inhibiting rule fires with equal labels."""
        stale = attrs.evolve(
            STALE, inhibited_by=(Inhibition(rule="write_off_over_limit", equal=("item_id",)),)
        )
        state, _ = stepped(rules=(WRITE_OFF, stale))
        grouping = alert_groups(state, T0, rules=[WRITE_OFF, stale])
        stale_group = next(g for g in grouping.groups if g.labels["alertname"] == "stale_denial")
        assert stale_group.count == 1
        assert len(grouping.plan.muted) == 1


class TestPlanAndStore:
    def test_keys_are_stable(self) -> None:
        """The same alerts, given in another order, give the same groups and keys."""
        state, _ = stepped()
        alerts = list(state.alerts.values())
        forward = alert_groups(alerts, T0, rules=[WRITE_OFF, STALE])
        backward = alert_groups(alerts[::-1], T0, rules=[STALE, WRITE_OFF])
        assert forward == backward
        assert forward.groups[1].key == (
            '0:owner:{"alertname": "write_off_over_limit", "decision": "write_off", "owner": "cfo_ben"}'
        )

    def test_sent_and_the_next_plan(self) -> None:
        """A group notified now is 'repeat'-waiting next time; one whose alerts change is 'changed'."""
        state, _ = stepped()
        first = alert_groups(state, T0, rules=[WRITE_OFF, STALE])
        assert [g.reason for g in first.groups] == ["first", "first"]
        assert first.due == first.groups
        sent = first.sent()
        assert sent == {g.key: Sent(at=T0, alerts=frozenset(g.alerts)) for g in first.groups}
        later = T0 + datetime.timedelta(hours=1)
        again = alert_groups(state, later, rules=[WRITE_OFF, STALE], sent=sent)
        assert [(g.due, g.reason) for g in again.groups] == [(False, "waiting"), (False, "waiting")]
        assert again.sent(sent) == sent
        state, _ = step([WRITE_OFF, STALE], state, facts(*ROWS[:2]), later, HOURS, directory=DIRECTORY)
        changed = alert_groups(state, later, rules=[WRITE_OFF, STALE], sent=sent)
        assert [(g.count, g.due, g.reason) for g in changed.groups] == [
            (1, True, "changed"),
            (2, False, "waiting"),
        ]

    def test_sent_refuses_bad_previous(self) -> None:
        """A previous map that is not one of Sent is refused."""
        state, _ = stepped()
        grouping = alert_groups(state, T0, rules=[WRITE_OFF, STALE])
        with pytest.raises(ValidationError):
            grouping.sent(previous=[1])  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            grouping.sent(previous={"k": 1})  # type: ignore[dict-item]

    def test_json_round_trip(self) -> None:
        """Groups and plan travel as JSON and come back equal (aware times keep their instants)."""
        state, events = stepped()
        grouping = alert_groups(state, T0, rules=[WRITE_OFF, STALE], events=events, amount="balance")
        text = serialize.to_json(grouping)
        assert '"oldest_since": "2026-03-02T09:00:00-05:00"' in text
        assert serialize.from_json(text, AlertGrouping) == grouping

    def test_custom_tree(self) -> None:
        """A routing tree sends write-offs to the decision owner and the rest to the lead, as routed."""
        tree = Route(
            receiver="accountable:denials",
            group_by=["alertname"],
            routes=[Route(receiver="decision:write_off", matchers=['decision="write_off"'])],
        )
        state, _ = stepped()
        grouping = alert_groups(state, T0, rules=[WRITE_OFF, STALE], tree=tree)
        assert [(g.receiver, g.route, g.labels) for g in grouping.groups] == [
            ("decision:write_off", "0.0", {"alertname": "write_off_over_limit"}),
            ("accountable:denials", "0", {"alertname": "stale_denial"}),
        ]
        assert default_route().receiver == "owner"

    def test_naive_against_aware_refused(self) -> None:
        """A naive now against aware alerts is refused."""
        state, _ = stepped()
        with pytest.raises(ValidationError, match="naive"):
            alert_groups(state, datetime.datetime(2026, 3, 2, 9), rules=[WRITE_OFF, STALE])  # noqa: DTZ001

    @pytest.mark.parametrize(
        ("options", "path"),
        [
            ({"amount": "bad name"}, "$.amount"),
            ({"calendar": "us_federal"}, "$.calendar"),
            ({"events": [1]}, "$.events[0]"),
            ({"rules": [1]}, "$.rules[0]"),
        ],
    )
    def test_bad_arguments(self, options: dict[str, object], path: str) -> None:
        """Bad arguments are refused at their path."""
        state, _ = stepped()
        with pytest.raises(ValidationError) as caught:
            alert_groups(state, T0, **options)  # type: ignore[arg-type]
        assert caught.value.issues[0].path == path

    def test_bad_source(self) -> None:
        """A source that is neither a State nor alerts is refused."""
        with pytest.raises(ValidationError) as caught:
            alert_groups([1], T0)  # type: ignore[list-item]
        assert caught.value.issues[0].path == "$.source[0]"


class TestRendering:
    def test_text_and_markdown(self) -> None:
        """The text and Markdown forms list each group's labels, receiver, counts, amount and due time."""
        state, events = stepped()
        grouping = alert_groups(state, T0, rules=[WRITE_OFF, STALE], events=events, amount="balance")
        assert str(grouping) == (
            "2 group(s) at 2026-03-02T09:00-05:00\n"
            "  alertname=stale_denial, owner=lead_anna, decision=appeal_strategy | owner | 2 | 0"
            " | - | 2026-03-02T09:00-05:00 | now\n"
            "  alertname=write_off_over_limit, owner=cfo_ben, decision=write_off | owner | 2 | 0"
            " | 16,500.50 (2) | 2026-03-02T09:00-05:00 | now"
        )
        assert grouping._repr_markdown_().splitlines()[:3] == [
            "| group | receiver | alerts | overdue | amount (balance) | oldest | notify |",
            "|---|---|---|---|---|---|---|",
            (
                "| alertname=stale_denial, owner=lead_anna, decision=appeal_strategy | owner | 2 | 0 | -"
                " | 2026-03-02T09:00-05:00 | now |"
            ),
        ]

    def test_waiting_and_no_amount(self) -> None:
        """A group not due shows its reason and when; no amount shows a dash; a pipe in a value is escaped."""
        rule = attrs.evolve(WRITE_OFF, labels={"team": "a|b"})
        state, _ = stepped(rules=(rule,))
        tree = Route(receiver="owner", group_by=["team"], group_wait="1h")
        grouping = alert_groups(state, T0, rules=[rule], tree=tree)
        assert (
            str(grouping).splitlines()[1]
            == "  team=a|b | owner | 2 | 0 | - | 2026-03-02T09:00-05:00 | waiting until"
            " 2026-03-02T10:00-05:00"
        )
        assert "team=a\\|b" in grouping._repr_markdown_()


class TestGroupModel:
    def group(self, **fields: object) -> AlertGroup:
        options: dict[str, object] = {
            "key": "0:owner:{}",
            "receiver": "owner",
            "route": "0",
            "labels": {"alertname": "r"},
            "alerts": ("k1", "k2"),
            "count": 2,
            "severity": None,
            "oldest_since": T0,
            "newest_since": T0 + MINUTE,
            "overdue": 2,
            "amount": None,
            "amount_alerts": 2,
            "due": True,
            "due_at": T0,
            "reason": "first",
        }
        options.update(fields)
        return AlertGroup(**options)  # type: ignore[arg-type]

    def test_consistency(self) -> None:
        """Count is the number of alerts; overdue and amount_alerts at most that; newest after oldest."""
        assert self.group().count == 2
        for fields, path in (
            ({"count": 3}, "$.count"),
            ({"overdue": 3}, "$.overdue"),
            ({"amount_alerts": 3}, "$.amount_alerts"),
            ({"newest_since": T0 - MINUTE}, "$.newest_since"),
            ({"labels": [1]}, "$.labels"),
            ({"labels": {"a": 1}}, "$.labels.a"),
            ({"amount": float("nan")}, "$.amount"),
        ):
            with pytest.raises(ValidationError) as caught:
                self.group(**fields)
            assert caught.value.issues[0].path == path


class TestPlanAlertsBuiltOnce:
    """The plan's alerts are built without checking each again; bad labels fail as PlanAlert fails."""

    def alert(self, labels: dict[str, str]) -> Alert:
        return Alert(
            key="k1", rule=WRITE_OFF.id, rule_version=1, rule_hash="h", labels=labels,
            status=AlertStatus.FIRING, since=T0, active_since=T0,
        )  # fmt: skip

    def test_the_plan_is_the_one_checked_plan_alerts_give(self) -> None:
        state, _ = stepped()
        grouping = alert_groups(state, T0 + MINUTE, rules=[WRITE_OFF, STALE])
        assert len(grouping.plan.groups) == 2
        again = notification_plan(default_route(), _plan_alerts_of(state), T0 + MINUTE)
        assert grouping.plan.groups == again.groups

    def test_a_label_name_that_is_no_field_name_is_refused_naming_it(self) -> None:
        with pytest.raises(ValidationError) as caught:
            alert_groups([self.alert({"bad name": "x"})], T0 + MINUTE)
        with pytest.raises(ValidationError) as direct:
            PlanAlert(key="k1", labels={"bad name": "x"}, since=T0)
        assert str(caught.value) == str(direct.value)
        assert "$.labels['bad name']" in str(caught.value)

    def test_a_label_value_at_the_limit_passes_and_one_over_it_is_refused(self) -> None:
        at_limit = alert_groups([self.alert({"payer": "x" * MAX_LABEL_CHARS})], T0 + MINUTE)
        assert [g.labels for g in at_limit.groups] == [
            {"alertname": WRITE_OFF.id, "owner": "unassigned", "decision": ""}
        ]
        with pytest.raises(
            ValidationError, match=r"at most 20,000 characters \(got 20,001\).*@ \$\.labels\.payer"
        ):
            alert_groups([self.alert({"payer": "x" * (MAX_LABEL_CHARS + 1)})], T0 + MINUTE)


def _plan_alerts_of(state: State) -> list[PlanAlert]:
    """The plan's alerts of a state, each through PlanAlert's own checks (the rules' labels too)."""
    rules = {r.id: r for r in (WRITE_OFF, STALE)}
    found = []
    for alert in state.open_alerts():
        rung = rules[alert.rule].rungs[alert.rung]
        labels = {
            "alertname": alert.rule,
            "level": alert.level.value if alert.level else "",
            "owner": alert.owner or "unassigned",
            "status": alert.status.value,
            "severity": rules[alert.rule].severity.value,
            "owner_ref": f"{rung.owner.kind.value}:{rung.owner.ref}",
            **({"decision": rung.owner.ref} if rung.owner.kind.value == "decision" else {}),
            **rules[alert.rule].labels,
            **alert.labels,
        }
        found.append(PlanAlert(key=alert.key, labels=labels, since=alert.since))
    return found
