"""The public edge of comanaged_rcm.escalation: bad input is a ValidationError naming its path."""

from __future__ import annotations

import datetime
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest
from dateutil import rrule
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from comanaged_rcm import serialize
from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.escalation import (
    Alert,
    AlertStatus,
    BusinessCalendar,
    Categorical,
    Event,
    EventKind,
    FactKind,
    FieldType,
    Hold,
    Level,
    MappingDirectory,
    MinCount,
    OnUnknown,
    Outcome,
    Owner,
    RuleSet,
    Rung,
    Silence,
    State,
    acknowledge,
    add_silence,
    check_types,
    compile_rule,
    compile_rules,
    dedup_key,
    default_rules,
    group_events,
    parse_expression,
    step,
)

NAIVE = datetime.datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - naive on purpose
AWARE = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.date(2026, 3, 2)
RULES = default_rules()
WRITE_OFF = RULES.rules[0]
UNTOUCHED = RULES.rules[2]


def item(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "item_id": "Q-1",
        "claim_id": "C-1",
        "payer": "AETNA",
        "action": "write_off",
        "status": "denied",
        "balance": 6120.0,
        "last_touched": datetime.date(2026, 1, 5),
    }
    record.update(fields)
    return record


def refused(call: Any, path: str, fragment: str) -> ValidationError:
    """Run ``call``; it must raise a ValidationError with an issue at ``path`` saying ``fragment``."""
    with pytest.raises(ValidationError) as info:
        call()
    paths = [issue.path for issue in info.value.issues]
    assert path in paths, paths
    assert fragment in str(info.value), str(info.value)
    return info.value


def rrule_add(calendar: BusinessCalendar, start: datetime.date, days: int) -> datetime.date:
    """The former ``add_business_days``: walk a dateutil rrule of the business days after start."""
    if days == 0:
        return start
    rules = rrule.rruleset()
    rules.rrule(
        rrule.rrule(
            rrule.DAILY,
            dtstart=datetime.datetime.combine(start + datetime.timedelta(days=1), datetime.time()),
            byweekday=[rrule.weekday(d) for d in range(7) if d not in calendar.weekend],
        )
    )
    for holiday in calendar.holidays:
        rules.exdate(datetime.datetime.combine(holiday, datetime.time()))
    for index, moment in enumerate(rules, start=1):  # pragma: no branch - the set is infinite
        if index == days:
            return moment.date()
    raise AssertionError  # pragma: no cover - unreachable


class TestBusinessDays:
    @seed(20261201)
    @settings(max_examples=300, deadline=None)
    @given(
        start=st.dates(datetime.date(2000, 1, 1), datetime.date(2040, 12, 31)),
        days=st.integers(0, 60),
        holidays=st.frozensets(st.dates(datetime.date(2000, 1, 1), datetime.date(2041, 6, 30)), max_size=40),
        weekend=st.frozensets(st.integers(0, 6), max_size=6),
    )
    def test_busday_offset_equals_the_rrule_walk(
        self, start: datetime.date, days: int, holidays: frozenset[datetime.date], weekend: frozenset[int]
    ) -> None:
        """numpy.busday_offset gives the day the former rrule walk gave, for any holidays and weekend."""
        calendar = BusinessCalendar(holidays=holidays, weekend=weekend)
        assert calendar.add_business_days(start, days) == rrule_add(calendar, start, days)

    @pytest.mark.parametrize("days", [1.5, float("nan"), float("inf"), "3", True, np.timedelta64(3, "D")])
    def test_non_integer_counts_are_refused(self, days: object) -> None:
        """A fraction, NaN, infinity, text, a bool or a timedelta is refused at once (it used to hang)."""
        refused(
            lambda: BusinessCalendar().add_business_days(DAY, days),  # type: ignore[arg-type]
            "$.days",
            "'days' must be a whole number",
        )

    def test_counts_accept_numpy_and_integral_floats(self) -> None:
        """numpy integers and 3.0 are counts, with the same answer as 3."""
        calendar = BusinessCalendar()
        expected = calendar.add_business_days(DAY, 3)
        assert calendar.add_business_days(DAY, np.int64(3)) == expected  # type: ignore[arg-type]
        assert calendar.add_business_days(DAY, 3.0) == expected  # type: ignore[arg-type]

    def test_bounds(self) -> None:
        """More than 10,000 business days, or a result past 9999-12-31, is refused."""
        refused(lambda: BusinessCalendar().add_business_days(DAY, 10**400), "$.days", "must be <= 10,000")
        refused(
            lambda: BusinessCalendar().add_business_days(datetime.date(9999, 12, 30), 5),
            "$.days",
            "is after 9999-12-31",
        )

    def test_dates_not_datetimes(self) -> None:
        """Arguments and holidays are dates: a datetime, text or NaT is refused at its path."""
        calendar = BusinessCalendar()
        refused(lambda: calendar.add_business_days(NAIVE, 1), "$.start", "not a datetime")
        refused(lambda: calendar.business_days_between(DAY, "2026-03-09"), "$.end", "must be a datetime.date")  # type: ignore[arg-type]
        refused(lambda: calendar.is_business_day(pd.NaT), "$.day", "not a datetime")
        refused(lambda: BusinessCalendar(holidays=frozenset({NAIVE})), "$.holidays[0]", "not a datetime")
        assert BusinessCalendar(holidays=[DAY]).holidays == frozenset({DAY})

    def test_weekend_days(self) -> None:
        """Weekdays are 0 to 6 (numpy integers too), never all seven."""
        assert BusinessCalendar(weekend={np.int64(4), 5.0}).weekmask == "1111001"
        refused(lambda: BusinessCalendar(weekend=frozenset({7})), "$.weekend[0]", "must be <= 6")
        refused(lambda: BusinessCalendar(weekend=frozenset({"sat"})), "$.weekend[0]", "whole number")

    def test_long_spans_name_both_ends(self) -> None:
        """A span over 200 years names start and end."""
        error = refused(
            lambda: BusinessCalendar().business_days_between(datetime.date(1, 1, 1), DAY),
            "$.start",
            "at most 200 years",
        )
        assert [issue.path for issue in error.issues] == ["$.start", "$.end"]

    def test_count_array(self) -> None:
        """count_array takes 1-D datetime64 arrays of one length, without NaT."""
        calendar = BusinessCalendar()
        a = np.array(["2026-03-02"], dtype="datetime64[D]")
        b = np.array(["2026-03-09"], dtype="datetime64[D]")
        assert calendar.count_array(a, b).tolist() == [5]
        refused(lambda: calendar.count_array(a, np.array(["NaT"], dtype="datetime64[D]")), "$.end", "NaT")
        refused(lambda: calendar.count_array([1], b), "$.start", "datetime64 array")  # type: ignore[arg-type]
        refused(lambda: calendar.count_array(a, np.concatenate([b, b])), "$.end", "same length")


class TestRuleBounds:
    @pytest.mark.parametrize(
        ("build", "path", "fragment"),
        [
            (lambda: Hold(hours=10**12), "$.hours", "must be <= 87,840"),
            (lambda: Hold(evaluations=10**400), "$.evaluations", "must be <= 1,000,000"),
            (lambda: Hold(hours=1.5), "$.hours", "whole number"),
            (lambda: attrs.evolve(WRITE_OFF, deadline=10**9), "$.deadline", "must be <= 3,660"),
            (lambda: attrs.evolve(WRITE_OFF, escalate_after=3661), "$.escalate_after", "must be <= 3,660"),
            (
                lambda: Rung(level=Level.ONSHORE_LEAD, owner=Owner.party("x"), ack_within=-1),
                "$.ack_within",
                ">= 0",
            ),
            (lambda: MinCount("denominator", 2**53 + 1), "$.at_least", "must be <= "),
            (lambda: MinCount("and", 3), "$.field", "a field a rule can read"),
            (lambda: MinCount("today", 3), "$.field", "a field a rule can read"),
            (lambda: MinCount("_x", 3), "$.field", "a field a rule can read"),
            (lambda: attrs.evolve(WRITE_OFF, version=np.timedelta64(1, "D")), "$.version", "whole number"),
        ],
    )
    def test_bounds_at_construction(self, build: Any, path: str, fragment: str) -> None:
        """Sizes that would break step() later are refused when the rule is built."""
        refused(build, path, fragment)

    def test_counts_normalise(self) -> None:
        """numpy integers and integral floats become ints; the largest bounds are accepted."""
        hold = Hold(evaluations=np.int64(2), hours=24.0 * 366 * 10)
        assert (hold.evaluations, hold.hours) == (2, 87_840)
        assert type(hold.hours) is int
        assert attrs.evolve(WRITE_OFF, deadline=3660).deadline == 3660

    def test_longest_deadline_steps(self) -> None:
        """A rule at the largest deadline still steps: the deadline is 3,660 business days on."""
        rule = attrs.evolve(WRITE_OFF, deadline=3660)
        _, events = step([rule], State(), [item()], NAIVE)
        assert events[0].deadline == BusinessCalendar().add_business_days(DAY, 3660)

    def test_enums_and_models_by_type(self) -> None:
        """An enum field takes the member (a value gets a did-you-mean); nested models by type."""
        refused(
            lambda: attrs.evolve(WRITE_OFF, level="onshore_lead"),  # type: ignore[arg-type]
            "$.level",
            "did you mean Level.ONSHORE_LEAD",
        )
        refused(lambda: attrs.evolve(WRITE_OFF, owner="cfo"), "$.owner", "must be an Owner")  # type: ignore[arg-type]
        refused(lambda: attrs.evolve(WRITE_OFF, ladder=("x",)), "$.ladder[0]", "must be a Rung")
        refused(lambda: attrs.evolve(WRITE_OFF, dedup_keys="item_id"), "$.dedup_keys", "must be a collection")
        refused(lambda: Owner("party", "x"), "$.kind", "did you mean OwnerKind.PARTY")  # type: ignore[arg-type]
        refused(lambda: Owner.decision(None), "$.decision", "must be a string")  # type: ignore[arg-type]

    def test_text_fields(self) -> None:
        """Conditions and ids refuse NUL, control and bidi characters; lists become tuples."""
        refused(lambda: attrs.evolve(WRITE_OFF, when="balance > 1\x00"), "$.when", "control or invisible")
        refused(lambda: attrs.evolve(WRITE_OFF, id="pay\u202eeeee"), "$.id", "must be an id")
        assert attrs.evolve(WRITE_OFF, group_by=["payer"]).group_by == ("payer",)

    def test_rule_set_schema(self) -> None:
        """A schema maps field names to FieldType members, named by field."""
        refused(
            lambda: RuleSet(rules=[WRITE_OFF], schema={"balance": "number"}), "$.schema.balance", "FieldType"
        )
        refused(
            lambda: RuleSet(rules=[WRITE_OFF], schema={"a b": FieldType.TEXT}),
            "$.schema['a b']",
            "field name",
        )
        refused(lambda: RuleSet(rules=[WRITE_OFF, "x"]), "$.rules[1]", "must be a Rule")


class TestAwareness:
    def test_step_now_against_the_state(self) -> None:
        """A naive state stepped with an aware now names both fields; nothing is shifted."""
        state, _ = step([WRITE_OFF], State(), [item()], NAIVE)
        key = next(iter(state.alerts))
        error = refused(
            lambda: step([WRITE_OFF], state, [item()], AWARE), "$.now", "cannot compare 'now' (aware)"
        )
        assert f"$.state.alerts['{key}'].since" in [issue.path for issue in error.issues]

    def test_acknowledge_at(self) -> None:
        """acknowledge(at=...) must match the state's awareness."""
        state, _ = step([WRITE_OFF], State(), [item()], NAIVE)
        key = next(iter(state.alerts))
        refused(lambda: acknowledge(state, key, actor="cfo", at=AWARE), "$.at", "give both with a time zone")
        refused(lambda: acknowledge(state, key, actor="cfo", at=pd.NaT), "$.at", "a datetime with a time")

    def test_silences(self) -> None:
        """A silence's created and expires, its active(now) and its place in a state agree."""
        refused(
            lambda: Silence(
                id="s", author="a", reason="r", created=NAIVE, expires=AWARE + datetime.timedelta(1)
            ),
            "$.expires",
            "cannot compare 'created' (naive) with 'expires' (aware)",
        )
        silence = Silence(
            id="s", author="a", reason="r", created=AWARE, expires=AWARE + datetime.timedelta(1)
        )
        refused(lambda: silence.active(NAIVE), "$.now", "cannot compare")
        state, _ = step([WRITE_OFF], State(), [item()], NAIVE)
        refused(lambda: add_silence(state, silence), "$.silence.created", "cannot compare")

    def test_state_times_agree(self) -> None:
        """An alert or a state holding naive and aware times at once is refused, naming both."""
        state, _ = step([WRITE_OFF], State(), [item()], NAIVE)
        alert = next(iter(state.alerts.values()))
        refused(lambda: attrs.evolve(alert, rung_since=AWARE), "$.rung_since", "cannot compare")
        silence = Silence(
            id="s", author="a", reason="r", created=AWARE, expires=AWARE + datetime.timedelta(1)
        )
        refused(
            lambda: State(alerts=dict(state.alerts), silences=(silence,)),
            "$.silences[0].created",
            "cannot compare",
        )

    def test_aware_clock_works(self) -> None:
        """An aware clock throughout steps as a naive one does."""
        state, events = step([WRITE_OFF], State(), [item()], AWARE)
        assert events[0].kind is EventKind.FIRING
        key = next(iter(state.alerts))
        acked, _ = acknowledge(state, key, actor="cfo", at=AWARE + datetime.timedelta(hours=1))
        assert acked.alerts[key].status is AlertStatus.ACKNOWLEDGED


class TestStepEdges:
    def test_arguments(self) -> None:
        """Rules, state, calendar and directory are checked at their own paths."""
        refused(
            lambda: step([WRITE_OFF, 3], State(), [item()], NAIVE),  # type: ignore[list-item]
            "$.rules[1]",
            "a Rule or CompiledRule",
        )
        refused(lambda: step(WRITE_OFF, State(), [item()], NAIVE), "$.rules", "must be a sequence")  # type: ignore[arg-type]
        refused(lambda: step([WRITE_OFF], {}, [item()], NAIVE), "$.state", "must be a State")  # type: ignore[arg-type]
        refused(
            lambda: step([WRITE_OFF], State(), [item()], NAIVE, calendar=3),  # type: ignore[arg-type]
            "$.calendar",
            "BusinessCalendar",
        )
        refused(
            lambda: step([WRITE_OFF], State(), [item()], NAIVE, directory=3),  # type: ignore[arg-type]
            "$.directory",
            "accountable_for",
        )

    def test_directory_answers_are_party_ids(self) -> None:
        """A directory returning a non-string owner is named, not stored."""

        class Odd:
            def accountable_for(self, _: str) -> object:
                return 5

            def decision_holder(self, _: str) -> object:
                return None

        refused(
            lambda: step([UNTOUCHED], State(), [item()], NAIVE, directory=Odd()),  # type: ignore[arg-type]
            "$.directory",
            "party id",
        )

    def test_shortened_ladder(self) -> None:
        """An alert on a rung the rule no longer has is refused before anything changes."""
        state, _ = step([UNTOUCHED], State(), [item()], NAIVE)
        key = next(iter(state.alerts))
        moved = State(alerts={key: attrs.evolve(state.alerts[key], rung=5)})
        refused(lambda: step([UNTOUCHED], moved, [item()], NAIVE), f"$.state.alerts['{key}'].rung", "rung 5")

    def test_facts_shapes(self) -> None:
        """Columns that are not arrays, or ragged, are named under $.facts."""
        columns = {"item_id": np.array(["Q-1"]), "action": np.array(["write_off"]), "balance": 5}
        refused(
            lambda: step([WRITE_OFF], State(), columns, NAIVE), "$.facts['balance']", "must be a 1-D array"
        )
        ragged = {"action": [["write_off"], ["a", "b"]], "balance": [1.0, 2.0]}
        refused(lambda: step([WRITE_OFF], State(), ragged, NAIVE), "$.facts.action", "must be a 1-D array")
        refused(
            lambda: step([WRITE_OFF], State(), [item(), 3], NAIVE),  # type: ignore[list-item]
            "$.facts[1]",
            "a record must be a mapping",
        )
        refused(
            lambda: step([WRITE_OFF], State(), {FactKind.QUEUE_ITEM: "x"}, NAIVE),
            "$.facts.queue_item",
            "facts must",
        )

    def test_bad_fact_values_are_error_outcomes(self) -> None:
        """Facts of the wrong type are ERROR on both paths, never an exception (dates included)."""
        rule = attrs.evolve(UNTOUCHED, on_unknown=OnUnknown.ESCALATE)
        for bad in ["2026-01-05", np.timedelta64(3, "D"), 10**5000, [[[]]], NAIVE, object()]:
            _, events = step([rule], State(), [item(last_touched=bad)], NAIVE)
            assert [(e.kind, e.outcome) for e in events] == [(EventKind.FIRING, Outcome.ERROR)], bad
            compiled = compile_rule(rule)
            column = np.empty(1, dtype=object)
            column[0] = bad
            codes = compiled.evaluate_batch(
                {"status": np.array(["denied"]), "last_touched": column}, as_of=DAY
            )
            assert codes.tolist() == [Outcome.ERROR]
            assert (
                compiled.evaluate({"status": "denied", "last_touched": bad}, as_of=DAY).outcome
                is Outcome.ERROR
            )

    def test_pandas_nat_is_missing(self) -> None:
        """pandas' NaT in a record or an object column is a missing value (UNKNOWN), as numpy's NaT is."""
        compiled = compile_rule(UNTOUCHED)
        column = np.empty(1, dtype=object)
        column[0] = pd.NaT
        codes = compiled.evaluate_batch({"status": np.array(["denied"]), "last_touched": column}, as_of=DAY)
        assert codes.tolist() == [Outcome.UNKNOWN]
        assert (
            compiled.evaluate({"status": "denied", "last_touched": pd.NaT}, as_of=DAY).outcome
            is Outcome.UNKNOWN
        )

    def test_unprintable_facts_in_messages_and_labels(self) -> None:
        """Huge integers, deep nesting and timedeltas in labels and messages are shown, not raised."""
        rule = attrs.evolve(WRITE_OFF, message="{other} / {balance}")
        deep: list[Any] = []
        for _ in range(10_000):
            deep = [deep]
        for bad in [10**5000, deep, np.timedelta64(3, "D")]:
            _, events = step([rule], State(), [item(item_id=bad, other=bad, balance=bad)], NAIVE)
            assert events[0].kind is EventKind.FIRING  # UNKNOWN/ERROR escalates for a decision owner
            assert len(events[0].message) < 1000

    def test_categorical_and_series_columns(self) -> None:
        """Categorical label columns are decoded; a Series is read by position, not by its index."""
        payer = Categorical(codes=np.array([0, -1]), categories=np.array(["AETNA", "CIGNA"]))
        columns = {
            "item_id": pd.Series(["Q-1", "Q-2"], index=[7, 9]),
            "payer": payer,
            "action": np.array(["write_off", "write_off"]),
            "balance": pd.Series([6000.0, 7000.0], index=[3, 4]),
            "claim_id": np.array(["C-1", "C-2"]),
        }
        _, events = step([WRITE_OFF], State(), columns, NAIVE)
        assert sorted((e.labels["item_id"], e.labels["payer"]) for e in events) == [
            ("Q-1", "AETNA"),
            ("Q-2", ""),
        ]

    def test_a_none_column_is_missing(self) -> None:
        """A column given as None is missing on every row: in conditions, and as a dedup key."""
        columns = {"item_id": None, "action": np.array(["write_off"]), "balance": np.array([6000.0])}
        keyless = attrs.evolve(WRITE_OFF, dedup_keys=(), group_by=())
        _, events = step([keyless], State(), columns, NAIVE)
        assert events[0].labels == {}
        refused(lambda: step([WRITE_OFF], State(), columns, NAIVE), "$.facts.item_id", "dedup key 'item_id'")


class TestOtherEdges:
    def test_compiled_rule_constructor(self) -> None:
        """CompiledRule type-checks what it is given."""
        rule = attrs.evolve(WRITE_OFF, when="balance > 1", message="", dedup_keys=(), group_by=())
        expr = parse_expression("balance > 1")
        refused(lambda: type(compile_rule(rule))(rule, "balance > 1", None, {}), "$.condition", "Expression")  # type: ignore[arg-type]
        refused(
            lambda: type(compile_rule(rule))(rule, expr, None, {"balance": "number"}),  # type: ignore[dict-item]
            "$.schema.balance",
            "",
        )
        with pytest.raises(RCMError, match="unknown field 'balance'"):
            type(compile_rule(rule))(rule, expr, None, {})

    def test_evaluation_arguments(self) -> None:
        """as_of, calendar and record are checked on every evaluation method."""
        compiled = compile_rule(WRITE_OFF)
        refused(lambda: compiled.evaluate(item(), as_of=NAIVE), "$.as_of", "not a datetime")
        refused(lambda: compiled.evaluate_batch({}, calendar="x"), "$.calendar", "BusinessCalendar")  # type: ignore[arg-type]
        refused(lambda: compiled.scalar(as_of="2026-03-02"), "$.as_of", "datetime.date")  # type: ignore[arg-type]
        refused(lambda: compiled.evaluate(3), "$.record", "a record must be a mapping")  # type: ignore[arg-type]
        refused(lambda: compiled.evaluate_batch(3), "$.columns", "columns must be a mapping")  # type: ignore[arg-type]

    def test_schemas_and_flags(self) -> None:
        """Schemas and infer flags are checked where they are arguments."""
        expr = parse_expression("balance > 1")
        refused(lambda: check_types(expr, {"balance": "number"}), "$.schema.balance", "FieldType")  # type: ignore[dict-item]
        refused(lambda: check_types(expr, infer=1), "$.infer", "True or False")  # type: ignore[arg-type]
        refused(lambda: check_types("balance > 1"), "$.expr", "Expression")  # type: ignore[arg-type]
        refused(lambda: compile_rule(WRITE_OFF, {}), "$.rule.dedup_keys[0]", "not in the fact schema")
        refused(lambda: compile_rules([WRITE_OFF, 3]), "$.rules[1]", "must be a Rule")  # type: ignore[list-item]
        refused(lambda: compile_rules(RULES, schema=[]), "$.schema", "mapping")  # type: ignore[arg-type]

    def test_categorical(self) -> None:
        """Codes index the categories; lookup takes one bool per category."""
        refused(
            lambda: Categorical(codes=np.array([0, 2]), categories=np.array(["a"])), "$.codes", "from -1 to 0"
        )
        refused(
            lambda: Categorical(codes=np.array([0.5]), categories=np.array(["a"])), "$.codes", "integer array"
        )
        refused(lambda: Categorical(codes=np.array([0]), categories=np.array([1])), "$.categories", "strings")
        cat = Categorical(codes=[0, -1], categories=["a"])
        assert cat.lookup(np.array([True])).tolist() == [True, False]
        refused(lambda: cat.lookup([]), "$.hit", "one per category")  # type: ignore[arg-type]

    def test_small_functions(self) -> None:
        """dedup_key, group_events, default_rules and MappingDirectory name their arguments."""
        refused(lambda: dedup_key("r", {"a": 1}), "$.labels['a']", "must be a string")  # type: ignore[dict-item]
        refused(lambda: dedup_key("", {}), "$.rule", "non-empty")
        refused(lambda: group_events([3]), "$.events[0]", "must be an Event")  # type: ignore[list-item]
        refused(
            lambda: default_rules(untouched_business_days=1.5),  # type: ignore[arg-type]
            "$.untouched_business_days",
            "whole number",
        )
        refused(lambda: default_rules(write_off_limit=float("nan")), "$.write_off_limit", "finite number")
        refused(
            lambda: MappingDirectory(decisions={"write_off": ""}), "$.decisions['write_off']", "non-empty"
        )
        refused(lambda: MappingDirectory().decision_holder(3), "$.decision", "must be a string")  # type: ignore[arg-type]

    def test_events_and_alerts_from_json(self) -> None:
        """An event's outcome code read back from JSON is the Outcome member again."""
        _, events = step([WRITE_OFF], State(), [item()], NAIVE)
        back = serialize.from_json(serialize.to_json(events[0]), Event)
        assert back.outcome is Outcome.TRUE
        refused(lambda: attrs.evolve(events[0], sequence=0), "$.sequence", ">= 1")
        state, _ = step([WRITE_OFF], State(), [item()], NAIVE)
        alert = next(iter(state.alerts.values()))
        refused(lambda: State(alerts={"other": alert}), "$.alerts['other']", "its own key")
        refused(lambda: attrs.evolve(alert, labels={"a": 1}), "$.labels['a']", "must be a string")
        assert isinstance(alert, Alert)
