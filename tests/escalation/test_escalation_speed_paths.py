"""The fast paths of the escalation engine give what the plain paths give.

Each fast path (deferred explanations, events and alerts built without re-validation, fused
date comparisons, categorical codes, one-sum finiteness checks, per-record shortcuts, one
directory question per owner, data frames) is checked against an independent computation.
"""

from __future__ import annotations

import datetime
import gc
import hashlib
import json
import operator
import pickle
from collections.abc import Callable
from typing import Any, ClassVar

import attrs
import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm import serialize
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    Alert,
    AlertStatus,
    BusinessCalendar,
    Categorical,
    CompiledRule,
    Event,
    EventKind,
    FactKind,
    Inhibition,
    Level,
    MappingDirectory,
    Outcome,
    Owner,
    Rule,
    Rung,
    State,
    _state,
    compile_rule,
    step,
)
from comanaged_rcm.escalation._edge import build, no_cycle_collection, positional_builder, replace
from comanaged_rcm.escalation._state import _dedup_key

MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
AS_OF = MONDAY.date()
DIRECTORY = MappingDirectory(accountable={"denials": "lead_anna"}, decisions={"write_off": "cfo_carla"})


def claim_rule(**kwargs: Any) -> Rule:
    fields: dict[str, Any] = {
        "id": "big_denial",
        "when": "status == 'denied' and balance > 100",
        "applies_to": FactKind.CLAIM,
        "level": Level.ONSHORE_LEAD,
        "owner": Owner.accountable("denials"),
        "dedup_keys": ("claim_id",),
        "message": "claim {claim_id} owes {balance:,.2f}",
    }
    fields.update(kwargs)
    return Rule(**fields)


def party_rule(rule_id: str, when: str, **kwargs: Any) -> Rule:
    """A claim rule owned by a fixed party (no directory needed)."""
    return Rule(
        id=rule_id,
        when=when,
        applies_to=FactKind.CLAIM,
        level=Level.ONSHORE_LEAD,
        owner=Owner.party("lead"),
        **kwargs,
    )


def claims(balances: list[float], statuses: list[str] | None = None) -> dict[str, Any]:
    n = len(balances)
    return {
        "claim_id": np.array([f"C{i}" for i in range(n)]),
        "status": np.array(statuses or ["denied"] * n),
        "balance": np.array(balances, dtype=np.float64),
        "payer": np.array(["AETNA", "CIGNA"] * (n // 2) + ["AETNA"] * (n % 2)),
    }


def day(n: int) -> datetime.datetime:
    return MONDAY + datetime.timedelta(days=n)


def record_of(facts: dict[str, Any], claim: str) -> dict[str, Any]:
    row = facts["claim_id"].tolist().index(claim)
    return {name: column[row] for name, column in facts.items()}


class TestDeferredExplanations:
    def test_events_carry_the_explanation_evaluate_gives(self) -> None:
        """Each event's inputs, reason and message are those of evaluating its record, eagerly."""
        rules = [claim_rule()]
        facts = claims([150.0, 50.0, 2500.5])
        _, events = step(rules, State(), facts, MONDAY, directory=DIRECTORY)
        compiled = compile_rule(rules[0])
        assert [e.labels["claim_id"] for e in events] == ["C0", "C2"]
        routed = f" -> {rules[0].rungs[0].owner.describe()} (onshore_lead)"
        for event in events:
            claim = event.labels["claim_id"]
            evaluation = compiled.evaluate(record_of(facts, claim), as_of=AS_OF)
            assert event.kind is EventKind.FIRING
            assert event.outcome is evaluation.outcome is Outcome.TRUE
            assert event.inputs == evaluation.explanation.facts
            assert event.reason == f"{evaluation.explanation.reason}{routed}"
        assert [e.message for e in events] == ["claim C0 owes 150.00", "claim C2 owes 2,500.50"]

    def test_nothing_is_explained_until_an_event_is_read(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """step() evaluates no record one by one; the first read explains once for all three fields."""
        calls: list[int] = []
        original = CompiledRule.evaluate

        def counting(self: CompiledRule, *args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(CompiledRule, "evaluate", counting)
        _, events = step([claim_rule()], State(), claims([150.0, 300.0]), MONDAY)
        assert calls == []
        first, second = sorted(events, key=lambda e: e.labels["claim_id"])
        assert first.reason.startswith("met: status == 'denied' (status = 'denied') and balance > 100")
        assert len(calls) == 1
        assert first.inputs == {"balance": "150.0", "status": '"denied"'}
        assert first.message == "claim C0 owes 150.00"
        assert len(calls) == 1  # the other fields came from the same explanation
        assert "balance = 300" in str(second)
        assert len(calls) == 2  # the second event, explained on its first read

    def test_every_reader_sees_the_same_values(self) -> None:
        """==, repr, to_dict and a JSON round trip read the deferred fields like the attributes do."""
        _, events = step([claim_rule()], State(), claims([150.0]), MONDAY)
        (event,) = events
        shown = repr(event)
        assert "claim C0 owes 150.00" in shown
        assert "met: status == 'denied'" in shown
        eager = Event(**{f.name: getattr(event, f.name) for f in attrs.fields(Event)})
        assert eager == event
        assert event == eager
        assert serialize.from_json(serialize.to_json(event), Event) == event
        _, again = step([claim_rule()], State(), claims([150.0]), MONDAY)
        assert serialize.to_dict(again[0]) == serialize.to_dict(event)  # read first through to_dict
        _, fresh = step([claim_rule()], State(), claims([150.0]), MONDAY)
        assert pickle.loads(pickle.dumps(fresh[0])) == event  # noqa: S301 - our own bytes
        _, fresh = step([claim_rule()], State(), claims([150.0]), MONDAY)
        assert attrs.evolve(fresh[0], actor="x").message == "claim C0 owes 150.00"

    def test_a_cleared_alert_is_explained_by_its_clearing_condition(self) -> None:
        """A resolved event's outcome, inputs and reason come from ``clear_when``."""
        rules = [claim_rule(clear_when="balance < 10")]
        state, _ = step(rules, State(), claims([150.0]), MONDAY)
        _, events = step(rules, state, claims([5.0]), day(1))
        (resolved,) = events
        clear = compile_rule(rules[0]).evaluate_clear({"balance": 5.0}, as_of=day(1).date())
        assert clear is not None
        assert resolved.kind is EventKind.RESOLVED
        assert resolved.outcome is Outcome.TRUE
        assert resolved.inputs == clear.explanation.facts == {"balance": "5.0"}
        assert resolved.reason == "cleared: met: balance < 10 (balance = 5)"
        assert resolved.message == ""

    def test_an_entity_gone_and_an_escalation_have_their_own_reasons(self) -> None:
        """Without a record the reason says so (no inputs); an escalation keeps the record's inputs."""
        ladder = (Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("write_off"), ack_within=2),)
        rules = [claim_rule(ladder=ladder, deadline=1, escalate_after=1)]
        state, _ = step(rules, State(), claims([150.0, 200.0]), MONDAY, directory=DIRECTORY)
        state, events = step(rules, state, claims([150.0]), day(1), directory=DIRECTORY)
        escalated, resolved = sorted(events, key=lambda e: e.kind.value)
        assert escalated.kind is EventKind.ESCALATED
        assert escalated.outcome is Outcome.TRUE
        assert escalated.inputs == {"balance": "150.0", "status": '"denied"'}
        assert escalated.reason == (
            "not acknowledged within 1 business days at onshore_lead"
            f" -> {ladder[0].owner.describe()} (provider_decision_owner)"
        )
        assert escalated.owner == "cfo_carla"
        assert escalated.message == ""
        assert resolved.kind is EventKind.RESOLVED
        assert resolved.outcome is None
        assert resolved.inputs == {}
        assert resolved.reason == "the entity is no longer in the facts"

    def test_an_inhibited_event_stays_deferred_and_right(self) -> None:
        """Inhibition marks the event in place; its explanation is still the record's."""
        payer_rule = party_rule("payer_wide", "balance > 0", dedup_keys=("payer",))
        rules = [payer_rule, claim_rule(inhibited_by=(Inhibition("payer_wide", ("payer",)),))]
        _, events = step(rules, State(), claims([150.0, 300.0]), MONDAY)
        muted = sorted((e for e in events if e.rule == "big_denial"), key=lambda e: e.labels["claim_id"])
        assert [
            e.suppressed_by is not None and e.suppressed_by.startswith("inhibited by payer_wide")
            for e in muted
        ] == [
            True,
            True,
        ]
        assert [e.message for e in muted] == ["claim C0 owes 150.00", "claim C1 owes 300.00"]


class TestTrustedBuilding:
    def test_alerts_events_and_state_pass_their_own_validators(self) -> None:
        """What step() builds without validators is exactly what the validating constructors accept."""
        ladder = (Rung(level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("write_off"), ack_within=2),)
        rules = [claim_rule(ladder=ladder, deadline=1, escalate_after=1, clear_when="balance < 10")]
        state = State()
        seen: list[Event] = []
        for n, balances in enumerate([[150.0, 200.0, 300.0], [150.0, 5.0], [150.0]]):
            state, events = step(rules, state, claims(balances), day(n), directory=DIRECTORY)
            seen.extend(events)
        assert {e.kind for e in seen} == {EventKind.FIRING, EventKind.ESCALATED, EventKind.RESOLVED}
        for obj in [*seen, *state.alerts.values(), state]:
            attrs.validate(obj)  # type: ignore[arg-type]
            cls: Any = type(obj)
            rebuilt = cls(**{f.alias: getattr(obj, f.name) for f in attrs.fields(cls)})
            assert rebuilt == obj
        assert all(type(a) is Alert for a in state.alerts.values())

    def test_build_sets_each_field_and_calls_factories_per_instance(self) -> None:
        """A field left out takes its default; a factory default is a fresh value for each instance."""

        @attrs.frozen
        class Point:
            x: int = attrs.field(validator=attrs.validators.gt(0))
            made: str = "default"
            tags: dict[str, str] = attrs.field(factory=dict)

        first, second = build(Point, x=-1), build(Point, x=2, made="given")
        assert (first.x, first.made, first.tags) == (-1, "default", {})  # no validator ran
        assert (second.x, second.made) == (2, "given")
        assert first.tags is not second.tags
        with pytest.raises(TypeError):
            build(Point, y=1)

    def test_replace_copies_every_other_slot_as_it_is(self) -> None:
        """Changed fields take their new values; the others, a deferred explanation too, are copied."""
        _, events = step([claim_rule()], State(), claims([150.0]), MONDAY)
        (event,) = events
        copy = replace(event, sequence=9, suppressed_by="muted")
        assert (copy.sequence, copy.suppressed_by) == (9, "muted")
        assert copy.message == "claim C0 owes 150.00"  # computed through the copy's own slot
        assert attrs.evolve(copy, sequence=event.sequence, suppressed_by=None) == event
        alert = Alert(
            key="k",
            rule="r",
            rule_version=1,
            rule_hash="h",
            labels={},
            status=AlertStatus.PENDING,
            since=MONDAY,
            active_since=MONDAY,
        )
        assert replace(alert) == alert
        assert replace(alert, true_count=3) == attrs.evolve(alert, true_count=3)

    def test_explanations_read_their_own_rows_of_the_copied_cells(self) -> None:
        """Events of rows far apart, in one rule's run, each explain their own record."""
        balances = [150.0 + n if n % 7 == 0 else 1.0 for n in range(50)]
        facts = claims(balances)
        _, events = step([claim_rule()], State(), facts, MONDAY)
        shown = {e.labels["claim_id"]: e.message for e in events}
        assert shown == {f"C{n}": f"claim C{n} owes {150.0 + n:,.2f}" for n in range(0, 50, 7)}


class TestDaysSince:
    DAYS = np.array(
        ["2026-11-13", "2026-11-12", "2026-11-14", "NaT", "2026-11-23", "2026-12-01", "1900-01-01"],
        dtype="datetime64[D]",
    )
    OPS: ClassVar[dict[str, Callable[[Any, Any], bool]]] = {
        ">=": operator.ge,
        ">": operator.gt,
        "<=": operator.le,
        "<": operator.lt,
        "==": operator.eq,
        "!=": operator.ne,
    }

    @pytest.mark.parametrize("op", list(OPS))
    @pytest.mark.parametrize("constant", ["10", "9.5", "10.0", "0", "-8", "-7.5", "1e12", "123456789012"])
    def test_each_operator_and_constant_counts_whole_days(self, op: str, constant: str) -> None:
        """``days_since(d) OP c`` as a date comparison agrees with counting the days in Python."""
        compiled = compile_rule(party_rule("stale", f"days_since(touched) {op} {constant}"))
        codes = compiled.evaluate_batch({"touched": self.DAYS}, as_of=AS_OF).tolist()
        expected = [
            Outcome.UNKNOWN
            if np.isnat(d)
            else Outcome(int(self.OPS[op]((AS_OF - d.item()).days, float(constant))))
            for d in self.DAYS
        ]
        assert codes == expected
        check = compiled.scalar(as_of=AS_OF)
        assert [check({"touched": d.item() if not np.isnat(d) else None}) for d in self.DAYS] == expected

    def test_a_day_outside_the_calendar_is_error(self) -> None:
        """A date numpy holds but Python cannot (year 10000) is ERROR for that row only."""
        rule = party_rule("stale", "days_since(touched) >= 10")
        touched = np.array(["10000-01-01", "2026-11-01"], dtype="datetime64[D]")
        assert compile_rule(rule).evaluate_batch({"touched": touched}, as_of=AS_OF).tolist() == [3, 1]


class TestCategorical:
    CATEGORIES = np.array(["AETNA", "BCBS", "CIGNA", "UHC"])
    CODES = np.array([0, 1, 2, 3, -1, 2, 0])

    @pytest.mark.parametrize(
        "condition",
        [
            "payer == 'CIGNA'",
            "payer == 'NOBODY'",
            "payer != 'CIGNA'",
            "payer != 'NOBODY'",
            "payer in ('AETNA', 'CIGNA')",
            "payer in ('AETNA', 'BCBS', 'CIGNA')",
            "payer in ('AETNA', 'BCBS', 'CIGNA', 'UHC')",
            "payer not in ('AETNA', 'CIGNA')",
            "payer not in ('NOBODY',)",
            "payer not in ('AETNA', 'BCBS', 'CIGNA', 'UHC')",
            "not payer == 'UHC'",
        ],
    )
    def test_codes_give_what_the_strings_give(self, condition: str) -> None:
        """Every way a category can be hit (none, one, all, all but one, several) agrees with text."""
        compiled = compile_rule(party_rule("r", condition))
        coded = Categorical(codes=self.CODES, categories=self.CATEGORIES)
        by_code = compiled.evaluate_batch({"payer": coded}, as_of=AS_OF).tolist()
        by_text = compiled.evaluate_batch({"payer": coded.decode()}, as_of=AS_OF).tolist()
        check = compiled.scalar(as_of=AS_OF)
        by_record = [check({"payer": str(p) or None}) for p in coded.decode()]
        assert by_code == by_text == by_record
        assert by_code[4] == Outcome.UNKNOWN  # the missing row


class TestNumberColumns:
    def test_finite_values_whose_sum_overflows_are_still_read(self) -> None:
        """The one-sum check falls back to a per-value check: huge finite values are numbers."""
        compiled = compile_rule(party_rule("r", "balance > 0"))
        values = np.array([1.7e308, 1.7e308, -1.0, np.nan, np.inf, -np.inf])
        assert compiled.evaluate_batch({"balance": values}, as_of=AS_OF).tolist() == [1, 1, 0, 2, 3, 3]
        assert compiled.evaluate_batch({"balance": values[:3]}, as_of=AS_OF).tolist() == [1, 1, 0]


def outcomes(condition: str, records: list[dict[str, Any]]) -> tuple[list[Outcome], list[int]]:
    """The per-record and the vectorized outcomes of ``condition`` over ``records``."""
    compiled = compile_rule(party_rule("r", condition))
    calendar = BusinessCalendar(holidays=frozenset({datetime.date(2026, 11, 26)}))
    check = compiled.scalar(as_of=AS_OF, calendar=calendar)
    columns = {}
    for name in records[0]:
        column = np.empty(len(records), dtype=object)
        column[:] = [r[name] for r in records]
        columns[name] = column
    return [check(r) for r in records], compiled.evaluate_batch(
        columns, as_of=AS_OF, calendar=calendar
    ).tolist()


T, F, U, E = Outcome.TRUE, Outcome.FALSE, Outcome.UNKNOWN, Outcome.ERROR


class TestPerRecordShortcuts:
    @pytest.mark.parametrize(
        ("condition", "records", "expected"),
        [
            ("flag and n > 1", [{"flag": True, "n": 2.0}, {"flag": np.False_, "n": 2.0}], [T, F]),
            ("flag and n > 1", [{"flag": 1.0, "n": 2.0}, {"flag": None, "n": 2.0}], [E, U]),
            ("n * 0.5 > 1", [{"n": 4.0}, {"n": 2.0}, {"n": 1e300}, {"n": None}], [T, F, T, U]),
            ("n * 10.0 > 1", [{"n": 1.7e308}, {"n": 1.0}], [E, T]),
            ("n - 5000 < 0", [{"n": 4999.0}, {"n": 5000.0}], [T, F]),
            ("n / 0 > 1", [{"n": 4.0}, {"n": None}], [E, U]),
            ("n / m > 1", [{"n": 4.0, "m": 2.0}, {"n": 4.0, "m": 0.0}, {"n": 4.0, "m": None}], [T, E, U]),
            ("abs(n - 5) < 1", [{"n": 5.5}, {"n": 3.0}, {"n": None}], [T, F, U]),
            ("max(n, 500) > 800", [{"n": 900.0}, {"n": 1.0}, {"n": None}], [T, F, U]),
            ("min(n, m) > 1", [{"n": 2.0, "m": 3.0}, {"n": 2.0, "m": 0.5}, {"n": None, "m": 3.0}], [T, F, U]),
            (
                "min(n, m, 3) >= 3",
                [{"n": 4.0, "m": 5.0}, {"n": 4.0, "m": 2.0}, {"n": 4.0, "m": None}],
                [T, F, U],
            ),
            (
                "days_between(a, b) == 3",
                [
                    {"a": datetime.date(2026, 11, 23), "b": datetime.date(2026, 11, 26)},
                    {"a": datetime.date(2026, 11, 23), "b": None},
                ],
                [T, U],
            ),
            (
                "business_days_between(a, b) == 3",  # Thanksgiving 2026-11-26 is a holiday
                [
                    {"a": datetime.date(2026, 11, 23), "b": datetime.date(2026, 11, 27)},
                    {"a": datetime.date(2026, 11, 23), "b": datetime.date(2026, 11, 26)},
                    {"a": "2026-11-23", "b": datetime.date(2026, 11, 26)},
                ],
                [T, T, E],
            ),
            (
                "days_since(a) > 2 and n > 0",
                [
                    {"a": datetime.date(2026, 11, 20), "n": 1.0},
                    {"a": datetime.date(2026, 11, 22), "n": 1.0},
                    {"a": np.datetime64("2026-11-01"), "n": 1.0},
                    {"a": 3.0, "n": 1.0},
                ],
                [T, F, T, E],
            ),
        ],
    )
    def test_shortcuts_agree_with_the_vectorized_path(
        self, condition: str, records: list[dict[str, Any]], expected: list[Outcome]
    ) -> None:
        """Booleans, arithmetic with a constant, abs/min/max and day counts read as both paths do."""
        scalar, batch = outcomes(condition, records)
        assert scalar == expected
        assert batch == [int(o) for o in expected]

    def test_two_clauses_stop_at_the_first_false(self) -> None:
        """``a and b`` of two clauses: FALSE first decides, an error before a FALSE is ERROR."""
        records: list[dict[str, Any]] = [
            {"s": "x", "n": 0.0},
            {"s": "y", "n": float("nan")},
            {"s": 3.0, "n": 2.0},
            {"s": None, "n": 0.0},
            {"s": "y", "n": 2.0},
            {"s": "y", "n": None},
        ]
        scalar, batch = outcomes("s == 'y' and 1 / n > 0.1", records)
        assert scalar == [F, U, E, E, T, U]  # UNKNOWN, then an error before any FALSE: ERROR
        assert batch == [0, 2, 3, 3, 1, 2]


class TestDedupKeys:
    @given(
        rule=st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
        labels=st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=8), max_size=4),
    )
    def test_the_key_is_the_hash_of_the_compact_json(self, rule: str, labels: dict[str, str]) -> None:
        """Keys written string by string are those of ``json.dumps`` (state files keep them)."""
        material = json.dumps([rule, sorted(labels.items())], separators=(",", ":"))
        expected = f"{rule}:{hashlib.sha256(material.encode()).hexdigest()[:16]}"
        assert _dedup_key(rule, sorted(labels.items())) == expected


class CountingDirectory:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def accountable_for(self, workflow: str) -> str | None:
        self.asked.append(("accountable", workflow))
        return "lead_anna"

    def decision_holder(self, decision: str) -> str | None:
        self.asked.append(("decision", decision))
        return None


class TestOwnerLookups:
    def test_the_directory_is_asked_once_per_owner_and_step(self) -> None:
        """Fifty alerts firing for one owner ask the directory once in a step, again in the next."""
        directory = CountingDirectory()
        rules = [claim_rule()]
        _, events = step(rules, State(), claims([150.0] * 50), MONDAY, directory=directory)
        assert len(events) == 50
        assert {e.owner for e in events} == {"lead_anna"}
        assert directory.asked == [("accountable", "denials")]
        step(rules, State(), claims([150.0] * 3), day(1), directory=directory)
        assert directory.asked == [("accountable", "denials")] * 2


class TestDataFrames:
    def test_pandas_and_polars_frames_give_the_events_of_arrays(self) -> None:
        """A pandas or polars frame of facts steps exactly like the same columns as arrays."""
        facts = claims([150.0, 50.0, 2500.5, float("nan")], ["denied", "denied", "paid", "denied"])
        rules = [claim_rule(), claim_rule(id="any_paid", when="status == 'paid'", message="")]
        _, expected = step(rules, State(), facts, MONDAY, directory=DIRECTORY)
        frames = [
            pd.DataFrame(facts),
            pl.DataFrame({k: v.tolist() for k, v in facts.items()}),
            pd.DataFrame({**facts, "payer": pd.Categorical(facts["payer"])}),
        ]
        for frame in frames:
            _, events = step(rules, State(), frame, MONDAY, directory=DIRECTORY)
            assert [serialize.to_dict(e) for e in events] == [serialize.to_dict(e) for e in expected]
            _, by_kind = step(rules, State(), {FactKind.CLAIM: frame}, MONDAY, directory=DIRECTORY)
            assert by_kind == events

    def test_evaluate_batch_reads_a_frame_with_nulls_as_missing(self) -> None:
        """Null cells of a frame are missing (UNKNOWN), as NaN and "" are in arrays."""
        compiled = compile_rule(claim_rule())
        frame = pd.DataFrame(
            {"status": ["denied", None, "denied"], "balance": pd.array([150, 200, None], dtype="Int64")}
        )
        arrays = {"status": np.array(["denied", "", "denied"]), "balance": np.array([150.0, 200.0, np.nan])}
        assert compiled.evaluate_batch(frame, as_of=AS_OF).tolist() == [1, 2, 2]
        assert compiled.evaluate_batch(arrays, as_of=AS_OF).tolist() == [1, 2, 2]
        assert compiled.evaluate_batch(pl.from_pandas(frame), as_of=AS_OF).tolist() == [1, 2, 2]

    def test_something_else_is_refused_naming_its_type(self) -> None:
        """Neither a mapping nor a frame: the error names the argument and the type."""
        compiled = compile_rule(claim_rule())
        with pytest.raises(ValidationError, match=r"a mapping of name to array or a data frame \(got int\)"):
            compiled.evaluate_batch(3, as_of=AS_OF)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"facts must be columns, a data frame"):
            step([claim_rule()], State(), 3, MONDAY)  # type: ignore[arg-type]


class TestPositionalBuilding:
    """Events and alerts built by position are those built by keyword (and pass their validators)."""

    def test_a_positional_builder_equals_the_keyword_builder_whatever_the_order(self) -> None:
        at = MONDAY
        values: dict[str, Any] = {
            "key": "k", "rule": "r", "rule_version": 2, "rule_hash": "h", "labels": {"claim_id": "C1"},
            "status": AlertStatus.FIRING, "since": at, "active_since": at, "fired_at": at,
        }  # fmt: skip
        names = tuple(reversed(values))
        made = positional_builder(Alert, names)(*(values[name] for name in names))
        assert made == build(Alert, **values) == Alert(**values)
        assert made.rung == 0
        assert made.owner is None

    def test_a_field_named_twice_or_not_a_field_is_refused(self) -> None:
        with pytest.raises(ValidationError, match=r"Alert fields, each once.*@ \$\.names"):
            positional_builder(Alert, ("key", "key"))
        with pytest.raises(ValidationError, match=r"Alert fields, each once \(got \('nope',\)\)"):
            positional_builder(Alert, ("nope",))

    def test_a_factory_default_is_a_new_value_each_time(self) -> None:
        make = positional_builder(Event, ("sequence", "at", "kind"))
        first, second = make(1, MONDAY, EventKind.FIRING), make(2, MONDAY, EventKind.FIRING)
        assert first.labels == {}
        assert first.labels is not second.labels
        attrs.validate(first)


class TestNoCycleCollection:
    def test_the_collector_is_paused_inside_and_as_it_was_after(self) -> None:
        assert gc.isenabled()
        with no_cycle_collection():
            assert not gc.isenabled()
            with no_cycle_collection():  # nested: still paused, and still paused after the inner block
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()

    def test_an_error_inside_restores_the_collector(self) -> None:
        with pytest.raises(ValidationError), no_cycle_collection():
            step([claim_rule()], State(), claims([1.0]), "not a time")  # type: ignore[arg-type]
        assert gc.isenabled()

    def test_a_collector_paused_before_stays_paused(self) -> None:
        gc.disable()
        try:
            with no_cycle_collection():
                assert not gc.isenabled()
            assert not gc.isenabled()
        finally:
            gc.enable()

    def test_step_runs_with_the_collector_paused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        seen: list[bool] = []
        original = _state._Stepper.run_rule

        def spy(self: Any, prepared: Any) -> None:
            seen.append(gc.isenabled())
            original(self, prepared)

        monkeypatch.setattr(_state._Stepper, "run_rule", spy)
        step([claim_rule()], State(), claims([150.0]), MONDAY, directory=DIRECTORY)
        assert seen == [False]
        assert gc.isenabled()
