from __future__ import annotations

import datetime
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import (
    MAX_PATTERN,
    Duration,
    InhibitRule,
    Matcher,
    MatchOp,
    NotificationGroup,
    NotificationPlan,
    PlanAlert,
    Route,
    Sent,
    SilenceRule,
    muted,
    notification_plan,
    route,
)

T0 = datetime.datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - a plan works in naive time too


def minutes(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=n)


class TestMatcher:
    @pytest.mark.parametrize(
        ("text", "name", "op", "value"),
        [
            ('severity="critical"', "severity", MatchOp.EQUAL, "critical"),
            ("team != east", "team", MatchOp.NOT_EQUAL, "east"),
            ('severity=~"critical|page"', "severity", MatchOp.REGEX, "critical|page"),
            ('payer!~"AET.*"', "payer", MatchOp.NOT_REGEX, "AET.*"),
            ('note="a \\"q\\" b"', "note", MatchOp.EQUAL, 'a "q" b'),
            ('team=""', "team", MatchOp.EQUAL, ""),
        ],
    )
    def test_parse(self, text: str, name: str, op: MatchOp, value: str) -> None:
        """Matcher text is name, op, and a quoted (JSON) or bare value."""
        assert Matcher.parse(text) == Matcher(name, op, value)

    def test_str_round_trip(self) -> None:
        """str() writes the quoted form, which parses back."""
        matcher = Matcher("note", MatchOp.NOT_REGEX, 'a"b')
        assert str(matcher) == 'note!~"a\\"b"'
        assert Matcher.parse(str(matcher)) == matcher

    def test_semantics(self) -> None:
        """A missing label is the empty value; regexes match the whole value."""
        labels = {"severity": "critical", "payer": "AETNA"}
        assert Matcher.parse('team=""').matches(labels)
        assert Matcher.parse("team!=east").matches(labels)
        assert not Matcher.parse('severity=~"crit"').matches(labels)  # anchored: not a search
        assert Matcher.parse('severity=~"crit.*"').matches(labels)
        assert not Matcher.parse('payer!~"AET.*"').matches(labels)
        assert Matcher.parse('team!~".+"').matches(labels)

    @pytest.mark.parametrize(
        ("pattern", "problem"),
        [
            ("(a+)+", "nests a quantifier inside another"),
            ("(a*)*b", "nests a quantifier inside another"),
            ("(?:x+y?)+", "nests a quantifier inside another"),
            ("(a|ab)*c", "has an alternation under a quantifier"),
            ("(a)\\1", "uses a back-reference or conditional"),
            ("(a)?(?(1)b|c)", "uses a back-reference or conditional"),
            ("(?=a)a", "uses a lookahead or lookbehind"),
            ("(?<!a)b", "uses a lookahead or lookbehind"),
            (".*a.*b.*", "has 3 variable-length quantifiers (at most 2)"),
            ("(?:.*a){3}", "has 3 variable-length quantifiers (at most 2)"),
            ("(", "is not a valid regular expression"),
        ],
    )
    def test_unsafe_regexes_refused(self, pattern: str, problem: str) -> None:
        """Constructs that backtrack catastrophically are refused, saying which."""
        with pytest.raises(ValidationError, match=r"the regular expression .* " + re.escape(problem)):
            Matcher("x", MatchOp.REGEX, pattern)

    def test_pattern_length_bound(self) -> None:
        """A pattern is at most 200 characters."""
        assert Matcher("x", MatchOp.REGEX, "a" * 200).matches({"x": "a" * 200})
        with pytest.raises(ValidationError, match=r"at most 200 characters \(got 201\) @ \$.value"):
            Matcher("x", MatchOp.REGEX, "a" * 201)

    def test_safe_patterns_accepted(self) -> None:
        """Everyday patterns pass: alternations, classes, fixed and single repeats."""
        for pattern in [
            "critical|page",
            "[A-Z]{2}-\\d+",
            "\\d{3}-\\d{2}-\\d{4}",
            ".*denial.*",
            "(foo|bar)baz",
        ]:
            Matcher("x", MatchOp.REGEX, pattern)

    def test_classic_redos_and_long_values(self) -> None:
        """The classic ReDoS pattern is refused; a 10,000-character value matches the worst allowed one."""
        with pytest.raises(ValidationError, match="nests a quantifier"):
            Matcher.parse('x=~"^(a+)+$"')
        worst = Matcher.parse('x=~".*a.*b"')
        assert not worst.matches({"x": "a" * 10_000})
        assert worst.matches({"x": "a" * 9_999 + "b"})
        assert Matcher.parse('x=~"[a-z]+-\\\\d+"').matches({"x": "a" * 10_000 + "-1"})

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("severity", r"a matcher is name=value"),
            ("1x=a", r"a matcher is name=value"),
            ('x="a', r"not one JSON string"),
            ('x="a" "b"', r"not one JSON string"),
            ("", r"must be a non-empty"),
        ],
    )
    def test_bad_text(self, text: str, message: str) -> None:
        """Text that is not a matcher is refused at the path given."""
        with pytest.raises(ValidationError, match=message + r".*@ \$.m$"):
            Matcher.parse(text, "$.m")


TREE = Route(
    receiver="accountable:denials",
    group_by=["rule"],
    group_wait="30s",
    routes=[
        Route(receiver="party:lead", matchers=["team=east"], continue_=True, repeat_interval="1h"),
        Route(
            receiver="decision:write_off",
            matchers=['action="write_off"'],
            group_by=["payer"],
            routes=[Route(matchers=['severity="critical"'], group_wait="0s")],
        ),
        Route(receiver="decision:appeal_strategy", matchers=['action=~"appeal|rebill"']),
    ],
)


class TestRoute:
    @pytest.mark.parametrize(
        ("labels", "receivers"),
        [
            ({}, ("accountable:denials",)),
            ({"team": "east"}, ("party:lead",)),
            ({"team": "east", "action": "write_off"}, ("party:lead", "decision:write_off")),
            ({"action": "write_off", "severity": "critical"}, ("decision:write_off",)),
            ({"action": "appeal"}, ("decision:appeal_strategy",)),
            ({"action": "appeals"}, ("accountable:denials",)),
        ],
    )
    def test_depth_first_first_match_continue(
        self, labels: dict[str, str], receivers: tuple[str, ...]
    ) -> None:
        """First matching child wins unless it continues; no match falls back to the parent."""
        assert route(TREE, labels) == receivers

    def test_inheritance_in_the_plan(self) -> None:
        """A child inherits receiver, group_by and timings; its own settings override."""
        alert = PlanAlert(
            key="k", labels={"action": "write_off", "severity": "critical", "payer": "AETNA"}, since=T0
        )
        plan = notification_plan(TREE, [alert], T0)
        (group,) = plan.groups
        assert (group.receiver, group.route, group.labels, group.due, group.reason) == (
            "decision:write_off",
            "0.1.0",
            {"payer": "AETNA"},
            True,
            "first",
        )

    def test_root_rules(self) -> None:
        """The root needs a receiver and takes no matchers and no continue."""
        with pytest.raises(ValidationError, match=r"must name a receiver @ \$.tree.receiver"):
            route(Route(), {})
        with pytest.raises(ValidationError, match=r"takes no matchers @ \$.tree.matchers"):
            route(Route(receiver="party:x", matchers=["a=b"]), {})
        with pytest.raises(ValidationError, match=r"@ \$.tree.continue_"):
            route(Route(receiver="party:x", continue_=True), {})
        with pytest.raises(ValidationError, match=r"@ \$.tree"):
            route("party:x", {})  # type: ignore[arg-type]

    def test_route_validation(self) -> None:
        """Bad fields are refused with their paths."""
        with pytest.raises(ValidationError, match=r"@ \$.receiver"):
            Route(receiver="a b")
        with pytest.raises(ValidationError, match=r"@ \$.matchers\[1\]"):
            Route(matchers=["a=b", "nope"])
        with pytest.raises(ValidationError, match=r"'group_interval' must be longer than 0s"):
            Route(group_interval="0s")
        with pytest.raises(ValidationError, match=r"counts clock time"):
            Route(repeat_interval="2bd")
        with pytest.raises(ValidationError, match=r"names repeat"):
            Route(group_by=["a", "a"])
        with pytest.raises(ValidationError, match=r"@ \$.group_by\[0\]"):
            Route(group_by=["a-b"])
        with pytest.raises(ValidationError, match=r"'routes\[0\]' must be a Route"):
            Route(routes=["x"])
        deep = Route()
        for _ in range(49):
            deep = Route(routes=[deep])
        with pytest.raises(ValidationError, match="at most 50 routes deep"):
            Route(routes=[deep])

    def test_labels_checked(self) -> None:
        """Labels are a mapping of names to text."""
        with pytest.raises(ValidationError, match=r"'team' must be text \(got 3\) @ \$.labels.team"):
            route(TREE, {"team": 3})  # type: ignore[dict-item]
        with pytest.raises(ValidationError, match=r"@ \$.labels"):
            route(TREE, ["team"])  # type: ignore[arg-type]


ROOT = Route(
    receiver="accountable:denials",
    group_by=["payer"],
    group_wait="1m",
    group_interval="5m",
    repeat_interval="4h",
)


def alert(key: str, since: datetime.datetime = T0, **labels: str) -> PlanAlert:
    return PlanAlert(key=key, labels={"payer": "AETNA", **labels}, since=since)


class TestPlan:
    def test_group_wait(self) -> None:
        """A new group waits group_wait after its earliest alert: not due at 59s, due at 60s."""
        alerts = [alert("a"), alert("b", since=minutes(0.5)), alert("c", payer="CIGNA")]
        early = notification_plan(ROOT, alerts, minutes(59 / 60))
        assert [(g.labels["payer"], g.alerts, g.due, g.reason) for g in early.groups] == [
            ("AETNA", ("a", "b"), False, "waiting"),
            ("CIGNA", ("c",), False, "waiting"),
        ]
        assert early.groups[0].due_at == minutes(1)
        on_time = notification_plan(ROOT, alerts, minutes(1))
        assert [g.alerts for g in on_time.due] == [("a", "b"), ("c",)]

    def test_changed_and_repeat(self) -> None:
        """Changed: due group_interval after the last notification; unchanged: repeat_interval."""
        key = notification_plan(ROOT, [alert("a")], T0).groups[0].key
        sent = {key: Sent(at=minutes(1), alerts=frozenset({"a"}))}
        grown = [alert("a"), alert("b", since=minutes(2))]
        assert notification_plan(ROOT, grown, minutes(5.99), sent=sent).groups[0].due is False
        changed = notification_plan(ROOT, grown, minutes(6), sent=sent).groups[0]
        assert (changed.due, changed.reason, changed.due_at) == (True, "changed", minutes(6))
        same = notification_plan(ROOT, [alert("a")], minutes(60), sent=sent).groups[0]
        assert (same.due, same.reason, same.due_at) == (False, "waiting", minutes(241))
        assert notification_plan(ROOT, [alert("a")], minutes(241), sent=sent).groups[0].reason == "repeat"

    def test_group_by_everything_and_nothing(self) -> None:
        """group_by ['...'] groups by every label; no group_by puts all alerts in one group."""
        every = Route(receiver="party:x", group_by=["..."])
        plan = notification_plan(every, [alert("a", team="e"), alert("b", team="w")], T0)
        assert [g.labels for g in plan.groups] == [
            {"payer": "AETNA", "team": "e"},
            {"payer": "AETNA", "team": "w"},
        ]
        one = notification_plan(Route(receiver="party:x"), [alert("a"), alert("b", payer="X")], T0)
        assert [(g.labels, g.alerts) for g in one.groups] == [({}, ("a", "b"))]
        assert one.groups[0].due_at == T0 + datetime.timedelta(seconds=30)  # Alertmanager's default

    def test_refusals(self) -> None:
        """Repeated alert keys and naive/aware mixes are refused."""
        with pytest.raises(ValidationError, match=r"repeats @ \$.alerts\[1\].key"):
            notification_plan(ROOT, [alert("a"), alert("a")], T0)
        aware = T0.replace(tzinfo=datetime.UTC)
        with pytest.raises(ValidationError, match="give both with a time zone or both without"):
            notification_plan(ROOT, [alert("a")], aware)
        with pytest.raises(ValidationError, match=r"@ \$.now"):
            notification_plan(ROOT, [alert("a")], T0.date())  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"@ \$.sent"):
            notification_plan(ROOT, [alert("a")], T0, sent={"k": "yesterday"})  # type: ignore[dict-item]


class TestMuting:
    def test_silences(self) -> None:
        """A silence mutes matching alerts from starts_at (inclusive) to ends_at (exclusive)."""
        silence = SilenceRule(
            id="s1",
            matchers=['payer="AETNA"', 'team=~"e.*"'],
            starts_at=minutes(0),
            ends_at=minutes(60),
            created_by="lead",
            comment="outage",
        )
        alerts = [alert("a", team="east"), alert("b", team="west"), alert("c")]
        assert muted(alerts, minutes(0), [silence]) == {"a": "silenced by s1"}
        assert muted(alerts, minutes(60), [silence]) == {}
        plan = notification_plan(ROOT, alerts, minutes(5), silences=[silence])
        assert plan.muted == {"a": "silenced by s1"}
        assert plan.groups[0].alerts == ("b", "c")

    def test_silence_validation(self) -> None:
        """A silence needs a matcher that needs a value, and ends after it starts."""
        fields = {"id": "s", "starts_at": T0, "ends_at": minutes(1), "created_by": "x", "comment": "y"}
        with pytest.raises(ValidationError, match="does not match an empty label"):
            SilenceRule(matchers=['team=""', 'x!~".+"'], **fields)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="does not match an empty label"):
            SilenceRule(matchers=[], **fields)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"'ends_at' must be after 'starts_at'"):
            SilenceRule(matchers=["a=b"], **{**fields, "ends_at": T0})  # type: ignore[arg-type]

    def test_inhibition(self) -> None:
        """A firing source mutes targets with equal labels (missing on both is equal), never itself."""
        rule = InhibitRule(
            source_matchers=['severity="critical"'],
            target_matchers=['severity=~"warning|critical"'],
            equal=["claim_id"],
        )
        crit = alert("crit", severity="critical", claim_id="C1")
        warn = alert("warn", severity="warning", claim_id="C1")
        other = alert("other", severity="warning", claim_id="C2")
        bare = alert("bare", severity="warning")
        bare_crit = alert("bare_crit", severity="critical")
        assert muted([crit, warn, other], T0, inhibitions=[rule]) == {"warn": "inhibited by crit"}
        assert muted([crit], T0, inhibitions=[rule]) == {}
        assert muted([bare, bare_crit], T0, inhibitions=[rule]) == {"bare": "inhibited by bare_crit"}

    def test_silenced_source_still_inhibits(self) -> None:
        """Silences and inhibitions are independent: a silenced source still inhibits its targets."""
        rule = InhibitRule(source_matchers=['severity="critical"'], target_matchers=['severity="warning"'])
        silence = SilenceRule(
            id="s",
            matchers=['severity="critical"'],
            starts_at=T0,
            ends_at=minutes(9),
            created_by="x",
            comment="y",
        )
        alerts = [alert("crit", severity="critical"), alert("warn", severity="warning")]
        assert muted(alerts, T0, [silence], [rule]) == {"crit": "silenced by s", "warn": "inhibited by crit"}


labels = st.dictionaries(
    st.sampled_from(["team", "action", "severity", "payer"]),
    st.sampled_from(["east", "write_off", "critical", "appeal", "AETNA", ""]),
)


class TestProperties:
    @given(labels)
    def test_route_always_names_a_receiver(self, given_labels: dict[str, str]) -> None:
        """Every alert reaches at least one receiver, and the plan notifies each matching route."""
        receivers = route(TREE, given_labels)
        assert receivers
        plan = notification_plan(TREE, [PlanAlert(key="k", labels=given_labels, since=T0)], minutes(1))
        assert tuple(g.receiver for g in sorted(plan.groups, key=lambda g: g.route)) == receivers

    def test_duration_defaults(self) -> None:
        """Route timings are Durations; strings are parsed."""
        assert Route(group_interval="1h30m").group_interval == Duration(5400)


SILENCE = SilenceRule(
    id="s1", matchers=["a=b"], starts_at=T0, ends_at=minutes(60), created_by="x", comment="y"
)
INHIBIT = InhibitRule(source_matchers=["a=b"], target_matchers=["c=d"])


def junk(value: object) -> Any:
    """``value`` typed as anything, to pass a wrong type where a signature says otherwise."""
    return value


GROUP_FIELDS: dict[str, object] = {
    "key": "0:accountable:denials:{}",
    "receiver": "accountable:denials",
    "route": "0",
    "labels": {},
    "alerts": ("k1",),
    "due": True,
    "due_at": T0,
    "reason": "first",
}
GROUP = NotificationGroup(**GROUP_FIELDS)  # type: ignore[arg-type]
NAT = pd.NaT


class TestEdges:
    """Bad arguments are refused at their own path, never as a bare builtin error."""

    @pytest.mark.parametrize("field", ["group_wait", "group_interval", "repeat_interval"])
    def test_duration_text_is_refused_at_its_field(self, field: str) -> None:
        """Duration text that does not parse is refused at the field's path."""
        with pytest.raises(ValidationError, match=rf"must be a duration like .* @ \$.{field}$"):
            Route(receiver="accountable:denials", **{field: "90 minutes"})
        assert getattr(Route(**{field: "90s"}), field) == Duration(90)

    @pytest.mark.parametrize("field", ["source_matchers", "target_matchers"])
    def test_matcher_text_is_refused_at_its_field(self, field: str) -> None:
        """Matcher text that does not parse, or a non-matcher, is refused at ``$.<field>[i]``."""
        other = "target_matchers" if field == "source_matchers" else "source_matchers"
        with pytest.raises(ValidationError, match=rf"a matcher is name=value.* @ \$.{field}\[1\]$"):
            InhibitRule(**{field: ['a="1"', "oops"], other: ['b="2"']})
        with pytest.raises(
            ValidationError, match=rf"must be a Matcher or matcher text \(got 1\) @ \$.{field}\[0\]"
        ):
            InhibitRule(**{field: [1], other: ['b="2"']})

    def test_parse_names_its_text_argument_by_default(self) -> None:
        """Without a ``path``, a bad matcher is refused at ``$.text``; a bad path at ``$.path``."""
        with pytest.raises(ValidationError, match=r"@ \$.text$"):
            Matcher.parse("severity")
        with pytest.raises(ValidationError, match=r"'path' must be a path like .* @ \$.path"):
            Matcher.parse("a=b", None)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("call", "path"),
        [
            (lambda: Matcher.parse("a=b").matches(junk(None)), "$.labels"),
            (lambda: Matcher.parse("a=~b").matches(junk({"a": 3})), "$.labels.a"),
            (lambda: INHIBIT.inhibits(junk("x"), {}), "$.source"),
            (lambda: INHIBIT.inhibits({}, junk([1])), "$.target"),
            (lambda: SILENCE.mutes(junk(3), T0), "$.labels"),
        ],
    )
    def test_labels_must_be_a_mapping_of_text(self, call: object, path: str) -> None:
        """The labels of ``matches``, ``inhibits`` and ``mutes`` are checked, not read blindly."""
        with pytest.raises(ValidationError) as info:
            call()  # type: ignore[operator]
        assert [issue.path for issue in info.value.issues] == [path]

    def test_label_values_are_bounded(self) -> None:
        """A label value longer than MAX_LABEL_CHARS is refused, so regex matching stays bounded."""
        worst = Matcher.parse('x=~".*a.*b"')
        with pytest.raises(
            ValidationError, match=r"at most 20,000 characters \(got 1,000,000\) @ \$.labels.x"
        ):
            worst.matches({"x": "a" * 1_000_000})
        with pytest.raises(ValidationError, match=r"@ \$.labels.x"):
            PlanAlert(key="k", labels={"x": "a" * 20_001}, since=T0)
        assert len('x=~".*a.*b"') < MAX_PATTERN

    @pytest.mark.parametrize(
        ("build", "path"),
        [
            (lambda: PlanAlert(key="k", labels={}, since=NAT), "$.since"),
            (lambda: Sent(at=NAT, alerts=frozenset()), "$.at"),
            (
                lambda: SilenceRule(
                    id="s", matchers=["a=b"], starts_at=NAT, ends_at=T0, created_by="x", comment="y"
                ),
                "$.starts_at",
            ),
            (lambda: muted([], NAT), "$.now"),
            (lambda: notification_plan(ROOT, [], NAT), "$.now"),
            (lambda: SILENCE.mutes({}, NAT), "$.now"),
        ],
    )
    def test_pandas_nat_is_not_a_datetime(self, build: object, path: str) -> None:
        """pandas' NaT (a datetime subclass with no time) is refused, not a bare ValueError."""
        with pytest.raises(ValidationError, match=rf"must be a datetime.datetime \(got NaT\) @ \{path}$"):
            build()  # type: ignore[operator]

    def test_muted_refuses_naive_against_aware_silences(self) -> None:
        """A silence in aware time and a naive ``now`` are refused naming both, never compared."""
        aware = SilenceRule(
            id="s",
            matchers=["a=b"],
            starts_at=T0.replace(tzinfo=datetime.UTC),
            ends_at=minutes(60).replace(tzinfo=datetime.UTC),
            created_by="x",
            comment="y",
        )
        with pytest.raises(ValidationError) as info:
            muted([alert("k1", a="b")], minutes(1), silences=[aware])
        assert [issue.path for issue in info.value.issues] == ["$.silences[0].starts_at", "$.now"]

    @pytest.mark.parametrize("sent", [3, "key", [("k", 1)], np.array([1, 2])])
    def test_sent_must_be_a_mapping(self, sent: object) -> None:
        """``sent`` that is not a mapping is refused at ``$.sent``."""
        with pytest.raises(
            ValidationError, match=r"'sent' must be a mapping of group key to Sent .* @ \$.sent$"
        ):
            notification_plan(ROOT, [], T0, sent=sent)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("key", ""),
            ("key", math.nan),
            ("receiver", "a b"),
            ("route", "root"),
            ("labels", {"a": 1}),
            ("alerts", ["k\x00"]),
            ("due", 1),
            ("due_at", math.nan),
            ("reason", "late"),
        ],
    )
    def test_notification_group_checks_every_field(self, field: str, value: object) -> None:
        """A NotificationGroup built in Python is as strict as one the plan builds."""
        fields: dict[str, object] = {
            "key": "0:accountable:denials:{}",
            "receiver": "accountable:denials",
            "route": "0.1",
            "labels": {"payer": "AETNA"},
            "alerts": ("k1",),
            "due": np.True_,
            "due_at": T0,
            "reason": "first",
        }
        assert NotificationGroup(**fields).due is True  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as info:
            NotificationGroup(**{**fields, field: value})  # type: ignore[arg-type]
        assert info.value.issues[0].path.startswith(f"$.{field}")

    @pytest.mark.parametrize(
        ("field", "value", "path"),
        [
            ("now", math.nan, "$.now"),
            ("groups", [1], "$.groups[0]"),
            ("muted", math.nan, "$.muted"),
            ("muted", {"k": ""}, "$.muted['k']"),
            (
                "groups",
                [NotificationGroup(**{**GROUP_FIELDS, "due_at": T0.replace(tzinfo=datetime.UTC)})],  # type: ignore[arg-type]
                "$.groups[0].due_at",
            ),
        ],
    )
    def test_notification_plan_checks_every_field(self, field: str, value: object, path: str) -> None:
        """A NotificationPlan refuses NaN and junk, and an aware group in a naive plan."""
        fields: dict[str, object] = {"now": T0, "groups": (GROUP,), "muted": {"k2": "silenced by s1"}}
        assert NotificationPlan(**fields).due == (GROUP,)  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as info:
            NotificationPlan(**{**fields, field: value})  # type: ignore[arg-type]
        assert path in [issue.path for issue in info.value.issues]
