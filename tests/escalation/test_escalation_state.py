from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm import serialize
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    AlertStatus,
    BusinessCalendar,
    Event,
    EventKind,
    FactKind,
    Hold,
    Inhibition,
    Level,
    MappingDirectory,
    OnUnknown,
    Outcome,
    Owner,
    OwnerDirectory,
    Rule,
    Rung,
    Silence,
    State,
    acknowledge,
    add_silence,
    compile_rule,
    dedup_key,
    group_events,
    step,
)

HOLIDAYS = frozenset({datetime.date(2026, 11, 26), datetime.date(2026, 12, 25)})
CAL = BusinessCalendar(holidays=HOLIDAYS)
MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
DIRECTORY = MappingDirectory(
    accountable={"denials": "lead_anna", "ar_follow_up": "lead_bo"},
    decisions={"write_off": "cfo_carla", "appeal_strategy": "rev_dir_dee", "payer_escalation": "cfo_carla"},
)


def day(n: int, hour: int = 9) -> datetime.datetime:
    return MONDAY + datetime.timedelta(days=n, hours=hour - 9)


def rule(**kwargs: Any) -> Rule:
    fields: dict[str, Any] = {
        "id": "big_balance",
        "when": "balance > 100",
        "applies_to": FactKind.CLAIM,
        "level": Level.ONSHORE_LEAD,
        "owner": Owner.accountable("denials"),
        "dedup_keys": ("claim_id",),
    }
    fields.update(kwargs)
    return Rule(**fields)


def claims(**values: Any) -> dict[str, Any]:
    balance = values.pop("balance")
    ids = values.pop("claim_id", [f"C{i}" for i in range(len(balance))])
    columns: dict[str, Any] = {"claim_id": np.array(ids), "balance": np.array(balance, dtype=float)}
    columns.update({k: np.array(v) for k, v in values.items()})
    return columns


def run(
    rules: list[Any],
    snapshots: list[Any],
    *,
    state: State | None = None,
    directory: Any = DIRECTORY,  # an OwnerDirectory, or an older one without amounts
    start: int = 0,
) -> tuple[State, list[Event]]:
    state = state or State()
    events: list[Event] = []
    for offset, facts in enumerate(snapshots):
        state, new = step(rules, state, facts, day(start + offset), CAL, directory=directory)
        events.extend(new)
    return state, events


def kinds(events: list[Event]) -> list[EventKind]:
    return [e.kind for e in events]


class TestCalendar:
    @settings(max_examples=60, deadline=None)
    @given(
        start=st.dates(datetime.date(2026, 1, 1), datetime.date(2027, 12, 31)),
        span=st.integers(-60, 60),
    )
    def test_count_matches_numpy(self, start: datetime.date, span: int) -> None:
        """business_days_between (dateutil rrule) equals numpy.busday_count with the same holidays."""
        end = start + datetime.timedelta(days=span)
        holidays = sorted(HOLIDAYS)
        assert CAL.business_days_between(start, end) == int(np.busday_count(start, end, holidays=holidays))

    @settings(max_examples=60, deadline=None)
    @given(start=st.dates(datetime.date(2026, 1, 1), datetime.date(2027, 12, 31)), n=st.integers(0, 30))
    def test_add_matches_numpy(self, start: datetime.date, n: int) -> None:
        """add_business_days equals numpy.busday_offset rolled backward (n-th business day after start)."""
        expected = np.busday_offset(start, n, roll="backward", holidays=sorted(HOLIDAYS)).astype(object)
        got = CAL.add_business_days(start, n)
        assert got == (start if n == 0 else expected)

    def test_custom_weekend(self) -> None:
        """A Friday-Saturday weekend shifts the count (numpy weekmask reference)."""
        cal = BusinessCalendar(weekend=frozenset({4, 5}))
        a, b = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)
        assert cal.weekmask == "1111001"
        assert cal.business_days_between(a, b) == int(np.busday_count(a, b, weekmask="1111001"))
        assert cal.is_business_day(datetime.date(2026, 11, 22))

    def test_validation(self) -> None:
        """Bad weekends, spans and offsets are ValidationErrors."""
        with pytest.raises(ValidationError, match=r"'weekend\[0\]' must be <= 6 \(got 7\)"):
            BusinessCalendar(weekend=frozenset({7}))
        with pytest.raises(ValidationError, match="all seven"):
            BusinessCalendar(weekend=frozenset(range(7)))
        with pytest.raises(ValidationError, match="at most 200 years"):
            CAL.business_days_between(datetime.date(1800, 1, 1), datetime.date(2026, 1, 1))
        with pytest.raises(ValidationError, match=r"'days' must be >= 0 \(got -1\)"):
            CAL.add_business_days(datetime.date(2026, 1, 1), -1)


class TestLifecycle:
    def test_fires_immediately_with_deadline_and_owner(self) -> None:
        """Without a pending period an alert fires at once, owned via the RACI, due in business days."""
        r = rule(deadline=3)
        state, events = run([r], [claims(balance=[500.0, 50.0])])
        (event,) = events
        assert event.kind is EventKind.FIRING
        assert event.owner == "lead_anna"
        assert event.level is Level.ONSHORE_LEAD
        # Mon 23 Nov + 3 business days, skipping Thanksgiving (26 Nov): Fri 27 Nov... Mon 30 Nov? check numpy
        expected = np.busday_offset("2026-11-23", 3, roll="backward", holidays=sorted(HOLIDAYS)).astype(
            object
        )
        assert event.deadline == expected
        assert event.outcome is Outcome.TRUE
        assert event.inputs == {"balance": "500.0"}
        assert event.rule_hash == r.content_hash()
        assert event.key == dedup_key("big_balance", {"claim_id": "C0"})
        assert event.sequence == 1
        assert "balance > 100 (balance = 500)" in event.reason
        (alert,) = state.open_alerts()
        assert alert.status is AlertStatus.FIRING

    def test_pending_for_evaluations(self) -> None:
        """pending_for=N evaluations: pending first, firing on the N-th consecutive true evaluation."""
        r = rule(pending_for=Hold(evaluations=3))
        snap = claims(balance=[500.0])
        _, events = run([r], [snap, snap, snap])
        assert kinds(events) == [EventKind.PENDING, EventKind.FIRING]
        assert events[1].at == day(2)

    def test_pending_cancelled_when_condition_drops(self) -> None:
        """A pending alert whose condition turns false is cancelled, never firing."""
        r = rule(pending_for=Hold(evaluations=2))
        state, events = run([r], [claims(balance=[500.0]), claims(balance=[5.0])])
        assert kinds(events) == [EventKind.PENDING, EventKind.CANCELLED]
        assert state.alerts == {}
        assert events[1].outcome is Outcome.FALSE

    def test_pending_cancelled_when_entity_disappears(self) -> None:
        """A pending alert whose entity leaves the facts is cancelled with that reason."""
        r = rule(pending_for=Hold(evaluations=2))
        _, events = run([r], [claims(balance=[500.0]), claims(balance=[5.0], claim_id=["OTHER"])])
        assert kinds(events) == [EventKind.PENDING, EventKind.CANCELLED]
        assert events[1].reason == "the entity is no longer in the facts"

    def test_pending_for_duration(self) -> None:
        """pending_for in hours: fires once the condition has held that long."""
        r = rule(pending_for=Hold(hours=36))
        snap = claims(balance=[500.0])
        _, events = run([r], [snap, snap, snap])
        assert kinds(events) == [EventKind.PENDING, EventKind.FIRING]
        assert events[1].at == day(2)

    def test_resolves_when_false(self) -> None:
        """A firing alert resolves when its condition is false."""
        _, events = run([rule()], [claims(balance=[500.0]), claims(balance=[50.0])])
        assert kinds(events) == [EventKind.FIRING, EventKind.RESOLVED]
        assert events[1].outcome is Outcome.FALSE

    def test_resolves_when_entity_disappears(self) -> None:
        """A firing alert resolves when its entity leaves the facts."""
        _, events = run([rule()], [claims(balance=[500.0]), claims(balance=[], claim_id=[])])
        assert kinds(events) == [EventKind.FIRING, EventKind.RESOLVED]

    def test_keep_firing_for(self) -> None:
        """keep_firing_for N evaluations keeps a cleared alert firing for N more evaluations (anti-flap)."""
        r = rule(keep_firing_for=Hold(evaluations=1))
        hi, lo = claims(balance=[500.0]), claims(balance=[50.0])
        state, events = run([r], [hi, lo, hi, lo, lo])
        assert kinds(events) == [EventKind.FIRING, EventKind.RESOLVED]
        assert events[1].at == day(4)
        assert state.alerts == {}

    def test_keep_firing_for_hours(self) -> None:
        """keep_firing_for in hours counts from the first clearing evaluation."""
        r = rule(keep_firing_for=Hold(hours=24))
        _, events = run([r], [claims(balance=[500.0]), claims(balance=[50.0]), claims(balance=[50.0])])
        assert kinds(events) == [EventKind.FIRING, EventKind.RESOLVED]
        assert events[1].at == day(2)

    def test_clear_condition_hysteresis(self) -> None:
        """With clear_when, a firing alert stays until the clearing condition holds."""
        r = rule(when="balance > 100", clear_when="balance <= 60")
        _, events = run([r], [claims(balance=[500.0]), claims(balance=[80.0]), claims(balance=[50.0])])
        assert kinds(events) == [EventKind.FIRING, EventKind.RESOLVED]
        assert events[1].at == day(2)
        assert events[1].reason.startswith("cleared: met: balance <= 60")

    def test_recovers_clear_streak(self) -> None:
        """A cleared run broken by a true evaluation starts over."""
        r = rule(keep_firing_for=Hold(evaluations=1))
        hi, lo = claims(balance=[500.0]), claims(balance=[50.0])
        state, _ = run([r], [hi, lo, hi])
        (alert,) = state.alerts.values()
        assert alert.clear_count == 0
        assert alert.clear_since is None


class TestUnknown:
    def test_escalate_fires_on_unknown(self) -> None:
        """A decision-owner rule fails closed: a missing balance escalates."""
        r = rule(owner=Owner.decision("write_off"), level=Level.PROVIDER_DECISION_OWNER)
        _, events = run([r], [claims(balance=[np.nan])])
        (event,) = events
        assert event.kind is EventKind.FIRING
        assert event.outcome is Outcome.UNKNOWN
        assert event.owner == "cfo_carla"
        assert event.reason.startswith("unknown: balance > 100 (balance = missing) cannot be decided")

    def test_hold_keeps_state(self) -> None:
        """HOLD leaves a firing alert firing and a pending alert pending while the fact is missing."""
        r = rule(on_unknown=OnUnknown.HOLD)
        state, events = run([r], [claims(balance=[500.0]), claims(balance=[np.nan])])
        assert kinds(events) == [EventKind.FIRING]
        assert len(state.open_alerts()) == 1
        pending = rule(on_unknown=OnUnknown.HOLD, pending_for=Hold(evaluations=2))
        state, events = run([pending], [claims(balance=[500.0]), claims(balance=[np.nan])])
        assert kinds(events) == [EventKind.PENDING]
        assert next(iter(state.alerts.values())).status is AlertStatus.PENDING
        state, events = run([r], [claims(balance=[np.nan])])
        assert events == []
        assert state.alerts == {}

    def test_ignore_counts_as_false(self) -> None:
        """IGNORE treats UNKNOWN as false: the alert resolves."""
        r = rule(on_unknown=OnUnknown.IGNORE)
        _, events = run([r], [claims(balance=[500.0]), claims(balance=[np.nan])])
        assert kinds(events) == [EventKind.FIRING, EventKind.RESOLVED]

    def test_error_follows_policy(self) -> None:
        """ERROR outcomes follow on_unknown too, and the event records ERROR."""
        r = rule(when="balance / count > 1", on_unknown=OnUnknown.ESCALATE)
        _, events = run([r], [claims(balance=[5.0], count=[0.0])])
        assert events[0].outcome is Outcome.ERROR

    def test_hold_with_clear_condition(self) -> None:
        """An undecided evaluation does not count as clearing."""
        r = rule(on_unknown=OnUnknown.HOLD, clear_when="balance < 10")
        _, events = run([r], [claims(balance=[500.0]), claims(balance=[np.nan])])
        assert kinds(events) == [EventKind.FIRING]


class TestLadder:
    LADDER = (
        Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("appeal_strategy"), ack_within=2),
    )

    def test_climbs_after_business_days(self) -> None:
        """Unacknowledged for escalate_after business days, the alert climbs a rung with a new deadline."""
        r = rule(deadline=1, escalate_after=2, ladder=self.LADDER)
        snap = claims(balance=[500.0])
        # Mon 23 fire; Tue 24: 1 business day; Wed 25: 2 -> climb; Thu 26 is a holiday.
        state, events = run([r], [snap, snap, snap, snap])
        assert kinds(events) == [EventKind.FIRING, EventKind.ESCALATED]
        climb = events[1]
        assert climb.at == day(2)
        assert climb.level is Level.PROVIDER_DECISION_OWNER
        assert climb.owner == "rev_dir_dee"
        assert climb.deadline == datetime.date(2026, 11, 30)  # Wed + 2 business days skipping Thu holiday
        assert climb.outcome is Outcome.TRUE
        assert "not acknowledged within 2 business days at onshore_lead" in climb.reason
        (alert,) = state.alerts.values()
        assert alert.rung == 1

    def test_acknowledgement_stops_the_climb(self) -> None:
        """An acknowledged alert does not climb, and the acknowledgement is audited with its actor."""
        r = rule(deadline=1, escalate_after=1, ladder=self.LADDER)
        snap = claims(balance=[500.0])
        state, events = run([r], [snap])
        key = str(events[0].key)
        state, (ack,) = acknowledge(state, key, actor="lead_anna", at=day(0, 15))
        assert ack.kind is EventKind.ACKNOWLEDGED
        assert ack.actor == "lead_anna"
        assert ack.sequence == 2
        state, events = run([r], [snap, snap, snap], state=state, start=1)
        assert events == []
        assert state.alerts[key].status is AlertStatus.ACKNOWLEDGED
        state, events = run([r], [claims(balance=[5.0])], state=state, start=4)
        assert kinds(events) == [EventKind.RESOLVED]

    def test_acknowledge_errors(self) -> None:
        """Only firing alerts can be acknowledged, by a named actor."""
        state, events = run([rule()], [claims(balance=[500.0])])
        with pytest.raises(ValidationError, match="'actor' must be a non-empty string"):
            acknowledge(state, str(events[0].key), actor=" ", at=day(1))
        with pytest.raises(ValidationError, match="no alert"):
            acknowledge(state, "nope", actor="x", at=day(1))
        state, _ = acknowledge(state, str(events[0].key), actor="x", at=day(1))
        with pytest.raises(ValidationError, match="the alert is acknowledged"):
            acknowledge(state, str(events[0].key), actor="x", at=day(1))

    def test_climbs_while_entity_is_gone(self) -> None:
        """An alert kept firing after its entity left still climbs (its event has no inputs)."""
        r = rule(deadline=1, escalate_after=1, ladder=self.LADDER, keep_firing_for=Hold(evaluations=5))
        gone = claims(balance=[], claim_id=[])
        _, events = run([r], [claims(balance=[500.0]), gone])
        assert kinds(events) == [EventKind.FIRING, EventKind.ESCALATED]
        assert events[1].inputs == {}

    def test_top_rung_stays(self) -> None:
        """At the top of the ladder the alert stays put."""
        r = rule(deadline=1, escalate_after=1)
        snap = claims(balance=[500.0])
        _, events = run([r], [snap, snap, snap])
        assert kinds(events) == [EventKind.FIRING]

    def test_unresolved_owner(self) -> None:
        """Without a directory, RACI owners are unresolved (None) but still described."""
        _, events = run([rule()], [claims(balance=[500.0])], directory=None)
        assert events[0].owner is None
        assert events[0].owner_ref == "the Accountable party of workflow 'denials'"
        assert "unassigned" in str(events[0])

    def test_fixed_party_and_custom_directory(self) -> None:
        """A fixed party needs no directory; any object with the two methods is a directory."""
        _, events = run([rule(owner=Owner.party("ops_team"))], [claims(balance=[500.0])], directory=None)
        assert events[0].owner == "ops_team"

        class Split:
            def accountable_for(self, workflow: str) -> str | None:
                return f"acc:{workflow}"

            def decision_holder(self, decision: str) -> str | None:
                return f"dec:{decision}"

        assert isinstance(Split(), OwnerDirectory)
        _, events = run([rule()], [claims(balance=[500.0])], directory=Split())
        assert events[0].owner == "acc:denials"


class TestSilencesAndInhibition:
    def silence(self, **kwargs: Any) -> Silence:
        fields: dict[str, Any] = {
            "id": "s1",
            "author": "lead_anna",
            "reason": "payer outage",
            "created": day(0, 8),
            "expires": day(2, 8),
            "rule": "big_balance",
            "matchers": {"payer": "AETNA"},
        }
        fields.update(kwargs)
        return Silence(**fields)

    def test_silence_mutes_matching_events(self) -> None:
        """A silence mutes notifications of matching alerts; the state change is still audited."""
        r = rule(group_by=("payer",))
        state, (added,) = add_silence(State(), self.silence())
        assert added.kind is EventKind.SILENCED
        assert added.actor == "lead_anna"
        snap = claims(balance=[500.0, 500.0], payer=["AETNA", "CIGNA"])
        state, events = run([r], [snap], state=state)
        muted = {e.labels["payer"]: e.suppressed_by for e in events}
        assert muted == {"AETNA": "silence s1 by lead_anna", "CIGNA": None}
        assert [e.group for e in events] == ["big_balance[payer=AETNA]", "big_balance[payer=CIGNA]"]

    def test_silence_expires(self) -> None:
        """An expired silence is removed with an audit event and no longer mutes."""
        state, _ = add_silence(State(), self.silence())
        state, events = run(
            [rule(group_by=("payer",))], [claims(balance=[5.0], payer=["AETNA"])], state=state, start=3
        )
        assert kinds(events) == [EventKind.SILENCE_EXPIRED]
        assert state.silences == ()

    def test_silence_validation(self) -> None:
        """Silences need an author and an expiry after creation; ids are unique."""
        with pytest.raises(ValidationError, match="'expires' must be after 'created'"):
            self.silence(expires=day(0, 8))
        with pytest.raises(ValidationError, match="'author' must be a non-empty string"):
            self.silence(author="")
        state, _ = add_silence(State(), self.silence())
        with pytest.raises(ValidationError, match="already exists"):
            add_silence(state, self.silence())

    def test_silence_matching(self) -> None:
        """A silence matches by rule (or any rule) and by every matcher."""
        s = self.silence(rule=None)
        assert s.matches("any", {"payer": "AETNA", "x": "1"})
        assert not s.matches("any", {"payer": "CIGNA"})
        assert not self.silence().matches("other", {"payer": "AETNA"})
        assert s.active(day(1))
        assert not s.active(day(3))

    def test_payer_level_rule_inhibits_claim_duplicates(self) -> None:
        """A firing payer-level KPI rule mutes the per-claim alerts of the same payer."""
        payer_rule = _payer_rule()
        claim_rule = rule(inhibited_by=(Inhibition("payer_denials", ("payer",)),))
        facts = {
            FactKind.KPI_ROW: {"payer": np.array(["AETNA", "CIGNA"]), "value": np.array([12.0, 3.0])},
            FactKind.CLAIM: claims(balance=[500.0, 500.0], payer=["AETNA", "CIGNA"]),
        }
        _, events = run([payer_rule, claim_rule], [facts])
        by_rule = {(e.rule, e.labels["payer"]): e.suppressed_by for e in events}
        assert by_rule[("payer_denials", "AETNA")] is None
        assert str(by_rule[("big_balance", "AETNA")]).startswith("inhibited by payer_denials")
        assert by_rule[("big_balance", "CIGNA")] is None

    def test_inhibition_needs_the_equal_labels_on_the_event(self) -> None:
        """An inhibition on a label the muted rule's events do not carry never matches."""
        payer_rule = _payer_rule()
        claim_rule = rule(inhibited_by=(Inhibition("payer_denials", ("region",)),))
        facts = {
            FactKind.KPI_ROW: {"payer": np.array(["AETNA"]), "value": np.array([12.0])},
            FactKind.CLAIM: claims(balance=[500.0], payer=["AETNA"]),
        }
        _, events = run([payer_rule, claim_rule], [facts])
        assert [e.suppressed_by for e in events if e.rule == "big_balance"] == [None]


def _payer_rule() -> Rule:
    """A payer-level KPI rule that other rules name as their inhibitor."""
    return Rule(
        id="payer_denials",
        when="value > 8",
        applies_to=FactKind.KPI_ROW,
        level=Level.PROVIDER_DECISION_OWNER,
        owner=Owner.decision("payer_escalation"),
        dedup_keys=("payer",),
    )


class TestFactsAndDedup:
    def test_many_other_entities(self) -> None:
        """An open alert is found among many other rows and resolves when its row turns false."""
        ids = [f"C{i}" for i in range(500)]
        state, events = run([rule()], [claims(balance=[500.0] + [5.0] * 499, claim_id=ids)])
        assert len(events) == 1
        _, events = run([rule()], [claims(balance=[5.0] * 500, claim_id=ids)], state=state, start=1)
        assert kinds(events) == [EventKind.RESOLVED]
        assert events[0].labels == {"claim_id": "C0"}

    def test_records_as_list(self) -> None:
        """A list of records works like columns (object values, None missing)."""
        records = [{"claim_id": "C1", "balance": 500}, {"claim_id": "C2", "balance": None}]
        _, events = run([rule()], [records])
        assert [e.labels["claim_id"] for e in events] == ["C1"]

    def test_rule_of_absent_kind_keeps_state(self) -> None:
        """A rule whose kind is not in the snapshot is not evaluated and keeps its alerts."""
        r = rule()
        state, _ = run([r], [{FactKind.CLAIM: claims(balance=[500.0])}])
        state, events = run([r], [{FactKind.KPI_ROW: {"value": np.array([1.0])}}], state=state, start=1)
        assert events == []
        assert len(state.open_alerts()) == 1

    def test_duplicate_rows_fire_once(self) -> None:
        """Rows with the same dedup values are one entity: it fires if any row fires."""
        _, events = run([rule()], [claims(balance=[5.0, 500.0], claim_id=["C1", "C1"])])
        assert len(events) == 1
        assert events[0].inputs == {"balance": "500.0"}

    def test_rule_without_dedup_keys(self) -> None:
        """Without dedup keys the rule has one alert."""
        r = rule(dedup_keys=())
        _, events = run([r], [claims(balance=[500.0, 700.0]), claims(balance=[5.0, 7.0])])
        assert kinds(events) == [EventKind.FIRING, EventKind.RESOLVED]

    @given(values=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.text(max_size=5)))
    def test_dedup_key_is_stable(self, values: dict[str, str]) -> None:
        """The same rule and values always give the same key, whatever the order."""
        reordered = dict(reversed(list(values.items())))
        assert dedup_key("r", values) == dedup_key("r", reordered)
        assert dedup_key("r", values) != dedup_key("s", values)

    def test_labels_of_each_type(self) -> None:
        """Dates, numbers, booleans and missing values render as stable label strings."""
        r = rule(dedup_keys=("claim_id", "posted", "units", "flag", "rate"))
        facts = [
            {
                "claim_id": "C1",
                "balance": 500,
                "posted": datetime.date(2026, 1, 5),
                "units": 3,
                "flag": True,
                "rate": None,
            }
        ]
        _, events = run([r], [facts])
        assert events[0].labels == {
            "claim_id": "C1",
            "posted": "2026-01-05",
            "units": "3",
            "flag": "true",
            "rate": "",
        }
        columns = {
            "claim_id": np.array(["C1"]),
            "balance": np.array([500.0]),
            "posted": np.array(["NaT"], dtype="datetime64[D]"),
            "units": np.array([2.5]),
            "flag": np.array([False]),
            "rate": np.array([np.nan]),
        }
        _, events = run([r], [columns])
        assert events[0].labels == {
            "claim_id": "C1",
            "posted": "",
            "units": "2.5",
            "flag": "false",
            "rate": "",
        }
        columns["posted"] = np.array(["2026-02-01"], dtype="datetime64[D]")
        _, events = run([r], [columns])
        assert events[0].labels["posted"] == "2026-02-01"

    def test_bad_facts(self) -> None:
        """Unusable facts and a clock going backwards are ValidationErrors."""
        with pytest.raises(ValidationError, match="facts must be columns"):
            step([rule()], State(), 5, day(0))  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"\$\.facts\[1\]"):
            step([rule()], State(), [{"balance": 1}, 3], day(0))  # type: ignore[list-item]
        with pytest.raises(ValidationError, match="'now' must be a datetime"):
            step([rule()], State(), [], datetime.date(2026, 1, 1))  # type: ignore[arg-type]
        state, _ = run([rule()], [claims(balance=[500.0])])
        with pytest.raises(ValidationError, match="must not go back in time"):
            step([rule()], state, [], day(-1))

    def test_message_template(self) -> None:
        """The message fills placeholders from the record, with format specs on numbers."""
        r = rule(message="claim {claim_id} owes {balance:,.2f} ({payer}, {missing})")
        _, events = run([r], [claims(balance=[6120.5], payer=["AETNA"])])
        assert events[0].message == "claim C0 owes 6,120.50 (AETNA, missing)"
        r = rule(message="{balance:>8.1f} {when}", when="balance > 100 and days_since(when) > 1")
        _, events = run([r], [[{"claim_id": "C1", "balance": 500.0, "when": datetime.date(2026, 1, 1)}]])
        assert events[0].message == "   500.0 2026-01-01"
        with pytest.raises(ValidationError, match="invalid format spec"):
            rule(message="{balance:%Y}")  # a date spec on a number is refused when the rule is built
        r = rule(message="{balance}", on_unknown=OnUnknown.ESCALATE)
        _, events = run([r], [[{"claim_id": "C1", "balance": "oops"}]])
        assert events[0].message == "'oops'"

    def test_compiled_rules_accepted(self) -> None:
        """step accepts compiled rules as well as rules."""
        _, events = run([compile_rule(rule())], [claims(balance=[500.0])])
        assert len(events) == 1

    def test_group_events(self) -> None:
        """group_events groups by rule and group_by values, keeping order."""
        r = rule(group_by=("payer",))
        _, events = run([r], [claims(balance=[500.0, 600.0, 700.0], payer=["A", "B", "A"])])
        groups = group_events(events)
        assert {k: len(v) for k, v in groups.items()} == {
            "big_balance[payer=A]": 2,
            "big_balance[payer=B]": 1,
        }
        assert group_events([Event(sequence=1, at=day(0), kind=EventKind.SILENCED)]) == {
            "": (Event(sequence=1, at=day(0), kind=EventKind.SILENCED),)
        }


# Deterministic replay (hypothesis).

snapshot = st.lists(
    st.tuples(st.sampled_from(["C1", "C2", "C3"]), st.one_of(st.none(), st.sampled_from([5.0, 80.0, 500.0]))),
    max_size=4,
).map(
    lambda rows: [{"claim_id": c, "balance": b, "payer": "AETNA" if c != "C3" else "CIGNA"} for c, b in rows]
)

REPLAY_RULES = [
    rule(
        pending_for=Hold(evaluations=2),
        keep_firing_for=Hold(evaluations=1),
        clear_when="balance < 50",
        deadline=1,
        escalate_after=1,
        ladder=(Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("write_off")),),
        on_unknown=OnUnknown.HOLD,
    ),
    rule(id="fail_closed", owner=Owner.decision("write_off"), level=Level.PROVIDER_DECISION_OWNER),
]


class TestReplay:
    @settings(max_examples=40, deadline=None)
    @given(snapshots=st.lists(snapshot, min_size=1, max_size=6), ack_at=st.integers(0, 5))
    def test_replay_is_deterministic_and_restartable(
        self, snapshots: list[list[dict[str, Any]]], ack_at: int
    ) -> None:
        """The same snapshots and clock give the same states and events, even restarting from JSON."""
        first_state, second_state = State(), State()
        first_events: list[Event] = []
        second_events: list[Event] = []
        for index, facts in enumerate(snapshots):
            first_state, new = step(REPLAY_RULES, first_state, facts, day(index), CAL, directory=DIRECTORY)
            first_events.extend(new)
            restored = serialize.from_json(serialize.to_json(second_state), State)
            assert restored == second_state
            second_state, new = step(REPLAY_RULES, restored, facts, day(index), CAL, directory=DIRECTORY)
            second_events.extend(new)
            if index == ack_at:
                firing = [a.key for a in first_state.alerts.values() if a.status is AlertStatus.FIRING]
                for key in firing[:1]:
                    first_state, new = acknowledge(first_state, key, actor="lead", at=day(index, 12))
                    first_events.extend(new)
                    second_state, new = acknowledge(second_state, key, actor="lead", at=day(index, 12))
                    second_events.extend(new)
        assert first_state == second_state
        assert first_events == second_events
        assert [e.sequence for e in first_events] == list(range(1, len(first_events) + 1))
        for event in first_events:
            assert serialize.from_json(serialize.to_json(event), Event) == event
        assert first_state.sequence == len(first_events)


# ---------------------------------------------------------------------- the first firing
class TestFiredAt:
    LADDER = TestLadder.LADDER

    def test_kept_through_acknowledgement_and_climbs(self) -> None:
        """fired_at is the firing moment; an acknowledgement and a climb move since, never fired_at."""
        r = rule(deadline=1, escalate_after=1, ladder=self.LADDER)
        snap = claims(balance=[500.0])
        state, events = run([r], [snap, snap])
        assert kinds(events) == [EventKind.FIRING, EventKind.ESCALATED]
        (alert,) = state.alerts.values()
        assert (alert.fired_at, alert.since, alert.rung_since) == (day(0), day(0), day(1))
        state, _ = acknowledge(state, alert.key, actor="lead", at=day(1, 15))
        acked = state.alerts[alert.key]
        assert (acked.fired_at, acked.since) == (day(0), day(1, 15))
        state, _ = run([r], [snap], state=state, start=2)
        assert state.alerts[alert.key].fired_at == day(0)
        assert serialize.from_json(serialize.to_json(state), State) == state

    def test_pending_has_none_until_it_fires(self) -> None:
        r = rule(pending_for=Hold(evaluations=2))
        snap = claims(balance=[500.0])
        state, _ = run([r], [snap])
        (pending,) = state.alerts.values()
        assert pending.status is AlertStatus.PENDING
        assert pending.fired_at is None
        state, _ = run([r], [snap], state=state, start=1)
        assert state.alerts[pending.key].fired_at == day(1)
        assert state.alerts[pending.key].active_since == day(0)

    def test_a_stored_state_without_it_still_loads(self) -> None:
        """Left out: since for a firing alert; acknowledged, the earlier of since and rung_since."""
        r = rule(deadline=1)
        state, _ = run([r], [claims(balance=[500.0, 700.0])])
        first, second = sorted(state.alerts)
        state, _ = acknowledge(state, second, actor="lead", at=day(2))
        stored = serialize.to_dict(state)
        for alert in stored["alerts"].values():
            del alert["fired_at"]
        loaded = serialize.from_dict(stored, State)
        assert loaded.alerts[first].fired_at == day(0)  # firing: its since
        assert loaded.alerts[second].fired_at == day(0)  # acknowledged on rung 0: when it reached it
        assert loaded == state
        stored["alerts"][second]["rung_since"] = None
        assert serialize.from_dict(stored, State).alerts[second].fired_at == day(2)  # since, the ack

    def test_a_pending_alert_has_not_fired(self) -> None:
        state, _ = run([rule(pending_for=Hold(evaluations=2))], [claims(balance=[500.0])])
        stored = serialize.to_dict(state)
        (alert,) = stored["alerts"].values()
        alert["fired_at"] = day(0).isoformat()
        with pytest.raises(
            ValidationError, match=r"only a firing or acknowledged alert has fired \(this one is pending\)"
        ):
            serialize.from_dict(stored, State)

    def test_naive_next_to_aware_is_refused(self) -> None:
        state, _ = run([rule()], [claims(balance=[500.0])])
        stored = serialize.to_dict(state)
        (alert,) = stored["alerts"].values()
        alert["fired_at"] = "2026-11-23T09:00:00"
        with pytest.raises(ValidationError, match="fired_at"):
            serialize.from_dict(stored, State)


# ---------------------------------------------------------------------- latest evaluations
class TestLatest:
    def test_each_open_alert_with_a_record(self) -> None:
        """Firing, held open and acknowledged alerts get their record's evaluation; gone ones none."""
        r = rule(keep_firing_for=Hold(evaluations=3), message="claim {claim_id} owes {balance}")
        state, _ = run([r], [claims(balance=[500.0, 600.0, 700.0])])
        keys = sorted(state.alerts)
        state, _ = acknowledge(state, keys[2], actor="lead", at=day(0, 12))
        latest: dict[str, Any] = {"other": None}
        snap = claims(balance=[50.0, 650.0, 800.0], claim_id=["C0", "C1", "C9"], payer=["A", "B", "C"])
        later, new = step([r], state, snap, day(1), CAL, directory=DIRECTORY, latest=latest, read=["payer"])
        assert later.alerts.keys() == state.alerts.keys() | {dedup_key("big_balance", {"claim_id": "C9"})}
        by_claim = {state.alerts[k].labels["claim_id"]: k for k in keys}
        held, firing = latest[by_claim["C0"]], latest[by_claim["C1"]]
        assert not held.held
        assert firing.held
        assert held.message == "claim C0 owes 50"
        assert firing.message == "claim C1 owes 650"
        assert held.reason.startswith("not met: balance > 100 (balance = 50)")
        assert firing.inputs == {"balance": "650.0"}
        assert (held.value("payer"), firing.value("balance")) == ("A", 650.0)
        assert by_claim["C2"] not in latest  # acknowledged, but its entity has no record now
        (fired,) = [e for e in new if e.kind is EventKind.FIRING]  # C9, new: the same explanation
        same = latest[str(fired.key)]
        assert (same.message, same.reason, same.inputs) == (fired.message, fired.reason, fired.inputs)
        assert latest["other"] is None  # other keys are left as they are
        assert later == step([r], state, snap, day(1), CAL, directory=DIRECTORY)[0]

    def test_pending_and_resolved_alerts_have_none(self) -> None:
        r = rule(pending_for=Hold(evaluations=2))
        latest: dict[str, Any] = {}
        state, _ = step([r], State(), claims(balance=[500.0]), day(0), CAL, latest=latest)
        assert latest == {}
        state, _ = step([rule()], State(), claims(balance=[500.0]), day(0), CAL)
        step([rule()], state, claims(balance=[5.0]), day(1), CAL, latest=latest)
        assert latest == {}

    def test_arguments(self) -> None:
        snap = claims(balance=[500.0])
        with pytest.raises(ValidationError, match=r"pass 'latest'") as caught:
            step([rule()], State(), snap, day(0), CAL, read=["balance"])
        assert caught.value.issues[0].path == "$.read"
        with pytest.raises(ValidationError) as caught:
            step([rule()], State(), snap, day(0), CAL, latest=[], read=())  # type: ignore[arg-type]
        assert caught.value.issues[0].path == "$.latest"
        with pytest.raises(ValidationError) as caught:
            step([rule()], State(), snap, day(0), CAL, latest={}, read=["no good"])
        assert caught.value.issues[0].path == "$.read[0]"
        with pytest.raises(ValidationError) as caught:
            step([rule()], State(), snap, day(0), CAL, latest={}, read="balance")
        assert caught.value.issues[0].path == "$.read"
        latest: dict[str, Any] = {}
        with pytest.raises(ValidationError):
            step([rule()], State(), {"balance": np.array([500.0])}, day(0), CAL, latest=latest)
        assert latest == {}  # a step that fails fills nothing


_TRICKY = [
    1, True, 1.0, 0.0, -0.0, 2, 2.0, np.float64(2.0), np.int64(2), np.float32(2.0), 2**70,
    float("nan"), "2", "x", None, "", np.datetime64("2026-01-01"), np.datetime64("2026-01-01T00:00"),
    datetime.date(2026, 1, 1), np.True_, 10**400, [1], {"a": 1}, np.str_("2"),
]  # fmt: skip
"""Values that compare equal but read differently (1, True, 1.0), and values of every kind."""


class TestSharedExplanations:
    @settings(max_examples=60)
    @given(values=st.lists(st.sampled_from(_TRICKY), min_size=1, max_size=12))
    def test_each_event_is_explained_as_its_record_alone(self, values: list[Any]) -> None:
        """Records whose cells compare equal share explanations and message text only if they read alike."""
        r = rule(
            when="balance > 1 and balance < 3",
            on_unknown=OnUnknown.ESCALATE,
            message="{balance} on {claim_id}",
        )
        column = np.empty(len(values), dtype=object)
        column[:] = values
        facts = {"claim_id": np.array([f"C{i}" for i in range(len(values))]), "balance": column}
        latest: dict[str, Any] = {}
        state, events = step([r], State(), facts, day(0), CAL, directory=DIRECTORY, latest=latest)
        compiled = compile_rule(r)
        for event in events:
            row = int(event.labels["claim_id"][1:])
            record = {"claim_id": facts["claim_id"][row], "balance": column[row]}
            alone = compiled.evaluate(record, as_of=day(0).date(), calendar=CAL)
            assert event.inputs == dict(alone.explanation.facts)
            assert event.reason.startswith(f"{alone.explanation.reason} -> ")
            reading = latest[str(event.key)]
            assert (reading.reason, reading.inputs) == (event.reason, event.inputs)
            single = np.empty(1, dtype=object)
            single[:] = [column[row]]
            own = {"claim_id": facts["claim_id"][row : row + 1], "balance": single}
            (alone_event,) = step([r], State(), own, day(0), CAL, directory=DIRECTORY)[1]
            assert (event.message, event.reason) == (alone_event.message, alone_event.reason)
            assert reading.message == event.message
        assert len(latest) == len(state.open_alerts())
