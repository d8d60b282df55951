from __future__ import annotations

import copy
import json
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.escalation import (
    MAX_DURATION_SECONDS,
    AlertSeverity,
    Duration,
    FactKind,
    Hold,
    Level,
    Owner,
    Rule,
    RuleExtras,
    RuleFile,
    RuleGroup,
    RuleSet,
)

LABELS = {"level": "onshore_lead", "owner": "accountable:denials", "applies_to": "claim"}


def doc(*rules: dict[str, Any], name: str = "g") -> dict[str, Any]:
    return {"groups": [{"name": name, "rules": list(rules)}]}


def rule(alert: str = "big", /, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"alert": alert, "expr": "balance > 5000", "labels": dict(LABELS)}
    item.update(extra)
    return item


def issues(document: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        RuleFile.from_dict(document)
    return [(i.path, i.message) for i in info.value.issues]


class TestDuration:
    @pytest.mark.parametrize(
        ("text", "seconds", "canonical"),
        [
            ("30s", 30, "30s"),
            ("10m", 600, "10m"),
            ("4h", 14400, "4h"),
            ("2d", 172800, "2d"),
            ("1h30m", 5400, "1h30m"),
            ("90m", 5400, "1h30m"),
            ("14d", 1209600, "2w"),
            ("1w2d3h4m5s", 788645, "1w2d3h4m5s"),
            ("0s", 0, "0s"),
            ("010m", 600, "10m"),
            ("3660d", MAX_DURATION_SECONDS, "522w6d"),
        ],
    )
    def test_clock(self, text: str, seconds: int, canonical: str) -> None:
        """Units w, d, h, m, s combine largest first; the canonical text uses the largest units."""
        duration = Duration.parse(text)
        assert duration == Duration(seconds)
        assert str(duration) == canonical

    def test_business_days(self) -> None:
        """'3bd' is business days, alone; 3660bd is the most."""
        assert Duration.parse("3bd") == Duration(business_days=3)
        assert str(Duration.parse("3660bd")) == "3660bd"
        with pytest.raises(ValidationError, match=r"'for' must be at most 3660bd \(got '3661bd'\) @ \$.for"):
            Duration.parse("3661bd", "$.for")

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "10",
            "m",
            "10 m",
            "1m1h",
            "1h1h",
            "10ms",
            "1y",
            "1.5h",
            "-1h",
            "1bd2h",
            " 1h",
            "1h\n",
            "1" * 13 + "s",
        ],
    )
    def test_refused_shapes(self, text: str) -> None:
        """Anything but units largest first, each once, is refused with the expected shape."""
        with pytest.raises(ValidationError, match=r"'for' must be a duration like '30s'.* @ \$.for$"):
            Duration.parse(text, "$.for")

    def test_uppercase_hint_type_and_bounds(self) -> None:
        """Uppercase units get a hint; non-strings are refused; more than ten years is refused."""
        with pytest.raises(ValidationError, match=r"\(units are lowercase\)"):
            Duration.parse("10M", "$.for")
        with pytest.raises(ValidationError, match=r"\(got 600\) @ \$.for"):
            Duration.parse(600, "$.for")
        with pytest.raises(ValidationError, match=r"at most ten years \(3660d\) \(got '3661d'\)"):
            Duration.parse("3661d", "$.for")
        with pytest.raises(ValidationError, match="not both"):
            Duration(60, 1)
        with pytest.raises(ValidationError, match=r"'seconds' must be >= 0 \(got -1\) @ \$.seconds"):
            Duration(-1)

    def test_hold_rounds_up_to_hours(self) -> None:
        """A hold is whole hours, never shorter than the duration; business days are not a hold."""
        assert Duration.parse("1s").hold() == Hold(hours=1)
        assert Duration.parse("1h").hold() == Hold(hours=1)
        assert Duration.parse("1h1s").hold() == Hold(hours=2)
        assert Duration().hold() == Hold()
        with pytest.raises(ValidationError, match=r"'for' counts clock time .* \(got '2bd'\) @ \$.for"):
            Duration.parse("2bd").hold("$.for")

    @given(st.integers(0, MAX_DURATION_SECONDS))
    def test_round_trip(self, seconds: int) -> None:
        """parse(str(d)) == d for every clock duration."""
        assert Duration.parse(str(Duration(seconds))) == Duration(seconds)


class TestRead:
    def test_maps_labels_onto_rule_fields(self) -> None:
        """alert, expr, for, keep_firing_for and the six mapped labels become Rule fields."""
        labels = {
            **LABELS,
            "severity": "critical",
            "deadline": "3bd",
            "dedup_keys": "claim_id,payer",
            "owner": "decision:write_off",
            "team": "east",
        }
        item = rule(
            **{
                "for": "10m",
                "keep_firing_for": "1h",
                "labels": labels,
                "annotations": {"runbook_url": "https://wiki/x", "summary": "two\nlines"},
            }
        )
        loaded = RuleFile.from_dict(doc(item))
        assert loaded.rule_set.rules == (
            Rule(
                id="big",
                when="balance > 5000",
                applies_to=FactKind.CLAIM,
                severity=AlertSeverity.CRITICAL,
                level=Level.ONSHORE_LEAD,
                owner=Owner.decision("write_off"),
                deadline=3,
                dedup_keys=("claim_id", "payer"),
                pending_for=Hold(hours=1),
                keep_firing_for=Hold(hours=1),
            ),
        )
        assert loaded.extras["big"] == RuleExtras(
            labels={"team": "east"},
            annotations={"runbook_url": "https://wiki/x", "summary": "two\nlines"},
            pending_for=Duration(600),
            keep_firing_for=Duration(3600),
        )
        assert loaded.groups == (RuleGroup(name="g", rules=("big",)),)
        assert loaded.labels("big") == {"alertname": "big", **labels, "deadline": "3bd"}

    def test_defaults(self) -> None:
        """Without severity, deadline, for: warning, 2 business days, no hold."""
        loaded = RuleFile.from_dict(doc(rule()))
        only = loaded.rule_set.rules[0]
        assert (only.severity, only.deadline, only.pending_for, only.dedup_keys) == (
            AlertSeverity.WARNING,
            2,
            Hold(),
            (),
        )
        assert loaded.extras["big"] == RuleExtras()

    def test_unknown_keys_with_did_you_mean(self) -> None:
        """Unknown keys at each level are refused, named by path, with a did-you-mean."""
        assert issues({"group": []}) == [
            ("$.group", "unknown key 'group' (did you mean 'groups'?)"),
            ("$.groups", "missing key 'groups'"),
        ]
        assert issues({"groups": [{"name": "g", "rules": [], "interval": "1m"}]}) == [
            ("$.groups[0].interval", "unknown key 'interval'"),
        ]
        assert issues(doc(rule(keep_firing="1h"))) == [
            (
                "$.groups[0].rules[0].keep_firing",
                "unknown key 'keep_firing' (did you mean 'keep_firing_for'?)",
            ),
        ]
        assert issues(doc({"record": "x", "expr": "a > 1"})) == [
            (
                "$.groups[0].rules[0].record",
                "recording rules ('record') are not supported: only alerting rules ('alert')",
            ),
            ("$.groups[0].rules[0].alert", "missing key 'alert'"),
        ]

    def test_duplicates_refused(self) -> None:
        """An alert repeated in a group, or across groups, and a repeated group name are refused."""
        assert issues(doc(rule("a"), rule("b"), rule("a"))) == [
            ("$.groups[0].rules[2].alert", "alert 'a' repeats in the group (first at $.groups[0].rules[0])"),
        ]
        two = {"groups": [{"name": "g", "rules": [rule("a")]}, {"name": "g", "rules": [rule("a")]}]}
        assert issues(two) == [
            ("$.groups[1].name", "group 'g' repeats"),
            ("$.groups[1].rules[0].alert", "alert 'a' repeats in the file (first at $.groups[0].rules[0])"),
        ]

    def test_every_problem_with_its_path(self) -> None:
        """Every bad field of every rule is reported at once, at the file's key."""
        bad = rule("ok", **{"for": "10 minutes", "keep_firing_for": "2bd"})
        bad["labels"] = {
            "owner": "boss",
            "level": "onshore",
            "severity": "page",
            "deadline": "3d",
            "dedup_keys": "a,a",
            "alertname": "x",
            "team": 3,
            "bad key": "x",
        }
        found = issues(doc(rule("fine"), bad, rule("x y"), rule("q", expr="balance >")))
        paths = [path for path, _ in found]
        assert paths == [
            "$.groups[0].rules[1].for",
            "$.groups[0].rules[1].keep_firing_for",
            "$.groups[0].rules[1].labels.team",
            "$.groups[0].rules[1].labels['bad key']",
            "$.groups[0].rules[2].alert",
            "$.groups[0].rules[3].expr",
        ]
        assert found[2][1] == "'team' must be text (got 3; quote it)"
        labels_only = rule("ok")
        labels_only["labels"] = {
            "owner": "boss",
            "level": "onshore",
            "severity": "page",
            "deadline": "3d",
            "dedup_keys": "a,a",
            "alertname": "x",
        }
        assert issues(doc(labels_only)) == [
            (
                "$.groups[0].rules[0].labels.owner",
                (
                    "'owner' must be 'accountable:<workflow>', 'decision:<decision type>' or 'party:<id>'"
                    " (got 'boss')"
                ),
            ),
            (
                "$.groups[0].rules[0].labels.level",
                (
                    "'level' must be one of 'automation', 'offshore_specialist', 'onshore_lead', "
                    "'provider_decision_owner' (got 'onshore') (did you mean 'onshore_lead'?)"
                ),
            ),
            (
                "$.groups[0].rules[0].labels.severity",
                "'severity' must be one of 'info', 'warning', 'critical' (got 'page')",
            ),
            (
                "$.groups[0].rules[0].labels.deadline",
                "'deadline' counts business days, like '3bd' (got '3d')",
            ),
            ("$.groups[0].rules[0].labels.dedup_keys", "'dedup_keys' names repeat (got 'a,a')"),
            ("$.groups[0].rules[0].labels.alertname", "label 'alertname' is set from 'alert'; leave it out"),
            (
                "$.groups[0].rules[0].labels.applies_to",
                "missing label 'applies_to' (the records the rule reads: 'claim', 'queue_item', 'kpi_row')",
            ),
        ]

    def test_shapes(self) -> None:
        """Non-mappings, non-lists and non-text values are refused with their paths."""
        assert issues([]) == [("$", "'value' must be a mapping (got [])")]
        assert issues({"groups": {}})[0][0] == "$.groups"
        assert issues({"groups": ["g"]}) == [("$.groups[0]", "'groups[0]' must be a mapping (got 'g')")]
        assert issues(doc(rule(expr=5)))[0] == (
            "$.groups[0].rules[0].expr",
            "'expr' must be a condition (text) (got 5)",
        )
        assert issues(doc(rule(labels=["a"])))[0][0] == "$.groups[0].rules[0].labels"
        assert issues(doc(rule(**{"for": 600})))[0][0] == "$.groups[0].rules[0].for"
        assert issues({"groups": [{"name": "", "rules": []}]})[0][0] == "$.groups[0].name"

    def test_owner_kinds(self) -> None:
        """Owners are accountable:, decision: or party: refs; an unknown kind gets a did-you-mean."""
        for text, owner in [
            ("accountable:denials", Owner.accountable("denials")),
            ("decision:write_off", Owner.decision("write_off")),
            ("party:acme.billing", Owner.party("acme.billing")),
        ]:
            item = rule(labels={**LABELS, "owner": text})
            assert RuleFile.from_dict(doc(item)).rule_set.rules[0].owner == owner
        found = issues(doc(rule(labels={**LABELS, "owner": "decisions:write_off"})))
        assert found[0][1].endswith("(got 'decisions') (did you mean 'decision'?)")
        assert issues(doc(rule(labels={**LABELS, "owner": "decision:"})))[0][0].endswith("labels.owner")


class TestText:
    def test_json_round_trip_and_duplicate_keys(self) -> None:
        """JSON text reads and writes; a key given twice is refused."""
        loaded = RuleFile.loads(json.dumps(doc(rule(**{"for": "1h"}))))
        assert RuleFile.loads(loaded.dumps()) == loaded
        with pytest.raises(ValidationError, match=r"key 'alert' repeats in a mapping @ \$"):
            RuleFile.loads('{"groups": [{"name": "g", "rules": [{"alert": "a", "alert": "b"}]}]}')

    def test_bad_text(self) -> None:
        """Text that does not parse, nests too deep, is too long, or is not text is refused."""
        with pytest.raises(ValidationError, match=r"not valid JSON: Expecting .* @ \$.text"):
            RuleFile.loads("{")
        with pytest.raises(ValidationError, match=r"nests too deeply @ \$.text"):
            RuleFile.loads("[" * 100_000 + "]" * 100_000)
        with pytest.raises(ValidationError, match=r"at most 10,000,000 characters"):
            RuleFile.loads(" " * 10_000_001)
        with pytest.raises(ValidationError, match=r"@ \$.text"):
            RuleFile.loads(b"{}")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"not valid JSON"):
            RuleFile.loads('{"groups": ' + "1" * 5000 + "}")
        with pytest.raises(ValidationError, match=r"\(did you mean 'yaml'\?\) @ \$.format"):
            RuleFile.loads("{}", format="yml")

    def test_yaml(self) -> None:
        """YAML reads the same document; duplicate keys and unquoted numbers are refused."""
        text = """
groups:
  - name: g
    rules:
      - alert: big
        expr: balance > 5000
        for: 10m
        labels: {level: onshore_lead, owner: "accountable:denials", applies_to: claim}
        annotations:
          runbook_url: https://wiki/x
"""
        loaded = RuleFile.loads(text, format="yaml")
        assert loaded.extras["big"].pending_for == Duration(600)
        assert RuleFile.loads(loaded.dumps("yaml"), format="yaml") == loaded
        with pytest.raises(ValidationError, match=r"key 'name' repeats in a mapping \(line 3\)"):
            RuleFile.loads("groups:\n- name: a\n  name: b\n  rules: []\n", format="yaml")
        with pytest.raises(ValidationError, match=r"'deadline' must be text \(got 3; quote it\)"):
            RuleFile.loads(text.replace("applies_to: claim", "applies_to: claim, deadline: 3"), format="yaml")
        with pytest.raises(ValidationError, match=r"not valid YAML"):
            RuleFile.loads("groups: [", format="yaml")
        with pytest.raises(ValidationError, match=r"a mapping key must be text"):
            RuleFile.loads("? [a]\n: 1\n", format="yaml")
        with pytest.raises(ValidationError, match=r"'value' must be a mapping \(got None\) @ \$"):
            RuleFile.loads("", format="yaml")

    def test_yaml_without_pyyaml(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without PyYAML, YAML is a clear error naming the extra to install."""
        monkeypatch.setitem(sys.modules, "yaml", None)
        with pytest.raises(RCMError, match=r"pip install 'comanaged-rcm\[yaml\]'"):
            RuleFile.loads("groups: []", format="yaml")
        with pytest.raises(RCMError, match=r"pip install 'comanaged-rcm\[yaml\]'"):
            RuleFile.loads('{"groups": []}').dumps("yaml")
        assert RuleFile.loads('{"groups": []}').dumps() == '{\n  "groups": []\n}'


def plain(alert: str = "r", **fields: Any) -> Rule:
    values: dict[str, Any] = {
        "id": alert,
        "when": "balance > 1",
        "applies_to": FactKind.CLAIM,
        "level": Level.ONSHORE_LEAD,
        "owner": Owner.accountable("denials"),
    }
    values.update(fields)
    return Rule(**values)


class TestRuleFileModel:
    def test_from_rule_set(self) -> None:
        """A rule set becomes one group; holds become durations in hours."""
        made = RuleFile.from_rule_set(RuleSet(rules=(plain(keep_firing_for=Hold(hours=3)),)), group="main")
        assert made.groups == (RuleGroup(name="main", rules=("r",)),)
        assert made.to_dict() == doc(
            {
                "alert": "r",
                "expr": "balance > 1",
                "keep_firing_for": "3h",
                "labels": {**LABELS, "severity": "warning", "deadline": "2bd"},
            },
            name="main",
        )

    def test_from_rule_set_keeps_minutes_and_seconds(self) -> None:
        """A hold of minutes and seconds is written exactly, not cut to its hours."""
        hold = Hold(minutes=90, seconds=30)
        made = RuleFile.from_rule_set(RuleSet(rules=(plain(pending_for=hold),)), group="main")
        written = made.to_dict()["groups"][0]["rules"][0]["for"]
        assert Duration.parse(written).seconds == 90 * 60 + 30

    def test_refuses_what_the_shape_cannot_say(self) -> None:
        """Rule fields without a place in the file, and holds in evaluations, are refused by path."""
        rules = RuleSet(
            rules=(plain(message="on {balance}", clear_when="balance < 1", pending_for=Hold(evaluations=2)),)
        )
        with pytest.raises(ValidationError) as info:
            RuleFile.from_rule_set(rules)
        assert [i.path for i in info.value.issues] == [
            "$.rule_set.rules[0].message",
            "$.rule_set.rules[0].clear_when",
            "$.rule_set.rules[0].pending_for.evaluations",
        ]

    def test_consistency(self) -> None:
        """Groups and extras must agree with the rule set."""
        rules = RuleSet(
            rules=(
                plain("a"),
                plain("b"),
            )
        )
        with pytest.raises(ValidationError) as info:
            RuleFile(
                rule_set=rules,
                groups=[RuleGroup(name="g", rules=["a", "c"]), RuleGroup(name="g", rules=["a"])],
                extras={"z": RuleExtras(), "a": RuleExtras(pending_for=Duration(60))},
            )
        assert [(i.path, i.code) for i in info.value.issues] == [
            ("$.groups[0].rules[1]", "reference"),
            ("$.groups[1].name", "duplicate"),
            ("$.groups[1].rules[0]", "duplicate"),
            ("$.extras.a.pending_for", "value"),
            ("$.groups", "missing"),
            ("$.extras.z", "reference"),
        ]
        with pytest.raises(ValidationError, match="in the rule set's order"):
            RuleFile(rule_set=rules, groups=[RuleGroup(name="g", rules=["b", "a"])])
        with pytest.raises(ValidationError, match=r"alert 'a' repeats in the group @ \$.rules\[1\]"):
            RuleGroup(name="g", rules=["a", "a"])
        with pytest.raises(
            ValidationError, match=r"'owner' maps onto a Rule field; it is not a free label @ \$.labels.owner"
        ):
            RuleExtras(labels={"owner": "decision:x"})
        with pytest.raises(ValidationError, match=r"counts clock time .* @ \$.pending_for"):
            RuleExtras(pending_for=Duration(business_days=1))

    def test_labels_unknown_rule(self) -> None:
        """labels() of an unknown rule is refused with a did-you-mean."""
        with pytest.raises(ValidationError, match=r"no rule 'bg' in the file \(did you mean 'big'\?\)"):
            RuleFile.from_dict(doc(rule())).labels("bg")


# ---------------------------------------------------------------------------------- round trips
names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
texts = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_categories=("Cc", "Cs")),
    min_size=1,
    max_size=12,
).filter(lambda t: t.strip() == t and t.strip() != "")
durations = st.integers(1, 10 * 366 * 86400).map(lambda s: str(Duration(s)))
conditions = st.sampled_from(
    ["balance > 5000", "payer in ('AETNA', 'CIGNA')", "not flag or days_since(d) > 3"]
)


@st.composite
def canonical_rules(draw: st.DrawFn, alert: str) -> dict[str, Any]:
    labels = {
        "severity": draw(st.sampled_from([s.value for s in AlertSeverity])),
        "level": draw(st.sampled_from([lv.value for lv in Level])),
        "owner": draw(st.sampled_from(["accountable", "decision", "party"])) + ":" + draw(names),
        "applies_to": draw(st.sampled_from([k.value for k in FactKind])),
        "deadline": f"{draw(st.integers(0, 3660))}bd",
    }
    dedup = draw(st.lists(names, max_size=3, unique=True))
    if dedup:
        labels["dedup_keys"] = ",".join(dedup)
    free = draw(
        st.dictionaries(
            names.filter(lambda n: n not in {*labels, "dedup_keys", "alertname"}), texts, max_size=3
        )
    )
    item: dict[str, Any] = {"alert": alert, "expr": draw(conditions)}
    pending = draw(st.none() | durations)
    if pending:
        item["for"] = pending
    keep = draw(st.none() | durations)
    if keep:
        item["keep_firing_for"] = keep
    item["labels"] = dict(sorted({**labels, **free}.items()))
    annotations = draw(st.dictionaries(names, texts, max_size=3))
    if annotations:
        item["annotations"] = dict(sorted(annotations.items()))
    return item


@st.composite
def canonical_documents(draw: st.DrawFn) -> dict[str, Any]:
    group_names = draw(st.lists(texts, min_size=0, max_size=3, unique=True))
    alerts = iter(draw(st.lists(names, min_size=12, max_size=12, unique=True)))
    groups = []
    for name in group_names:
        count = draw(st.integers(0, 4))
        groups.append({"name": name, "rules": [draw(canonical_rules(next(alerts))) for _ in range(count)]})
    return {"groups": groups}


class TestRoundTrip:
    @settings(max_examples=40)
    @given(canonical_documents())
    def test_write_read_is_identity_on_canonical_documents(self, document: dict[str, Any]) -> None:
        """to_dict(from_dict(x)) == x for a canonical document; JSON and YAML text too."""
        original = copy.deepcopy(document)
        loaded = RuleFile.from_dict(document)
        assert loaded.to_dict() == original
        assert json.loads(loaded.dumps()) == original
        assert RuleFile.loads(loaded.dumps("yaml"), format="yaml") == loaded

    @settings(max_examples=40)
    @given(canonical_documents(), st.data())
    def test_any_spelling_normalizes(self, document: dict[str, Any], data: st.DataObject) -> None:
        """A non-canonical spelling (90m, 14d, default labels left out) reads to the canonical form."""
        loaded = RuleFile.from_dict(document)
        for group in document["groups"]:
            for item in group["rules"]:
                if "for" in item:
                    seconds = Duration.parse(item["for"]).seconds
                    item["for"] = data.draw(st.sampled_from([f"{seconds}s", str(Duration(seconds))]))
                if item["labels"]["severity"] == "warning":
                    del item["labels"]["severity"]
                if item["labels"]["deadline"] == "2bd":
                    del item["labels"]["deadline"]
        again = RuleFile.from_dict(document)
        assert again == loaded
        assert RuleFile.from_dict(again.to_dict()) == again


class TestEdges:
    """Bad arguments are refused at their own path, never as a bare builtin error."""

    def test_both_units_name_both_fields(self) -> None:
        """Clock time and business days together are refused at both fields."""
        with pytest.raises(ValidationError) as info:
            Duration(seconds=5400, business_days=np.int64(3))
        assert [issue.path for issue in info.value.issues] == ["$.seconds", "$.business_days"]
        assert "not both" in str(info.value)

    def test_parse_names_its_text_argument_by_default(self) -> None:
        """Without a ``path``, a bad duration is refused at ``$.text``, the argument's name."""
        with pytest.raises(ValidationError, match=r"'text' must be a duration like .* @ \$.text$"):
            Duration.parse(None)

    @pytest.mark.parametrize("path", [None, 3, b"$.for", "for", "$.a\x00", "$." + "a" * 300])
    def test_a_bad_path_argument_is_refused(self, path: object) -> None:
        """``path`` must be a path (``$.for``): anything else is refused at ``$.path``."""
        with pytest.raises(ValidationError, match=r"'path' must be a path like '\$.for' .* @ \$.path"):
            Duration.parse("1h", path)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"@ \$.path"):
            Duration(60).hold(path)  # type: ignore[arg-type]

    def test_rule_in_no_group_is_named_at_groups(self) -> None:
        """A rule the groups leave out is refused at ``$.groups``, naming the rule's place."""
        with pytest.raises(
            ValidationError, match=r"rule 'r' \(\$.rule_set.rules\[0\]\) is in no group @ \$.groups"
        ):
            RuleFile(rule_set=RuleSet(rules=[plain()]), groups=[])

    @pytest.mark.parametrize(
        ("arguments", "pattern"),
        [
            ({"group": float("nan")}, r"'group' must be a string \(got nan\) @ \$.group"),
            ({"group": ""}, r"'group' must be a non-empty string .* @ \$.group"),
            ({"extras": 3}, r"'extras' must be a mapping of rule id to RuleExtras \(got 3\) @ \$.extras"),
            ({"extras": ["r"]}, r"'extras' must be a mapping .* @ \$.extras"),
            ({"extras": {"r": 1}}, r"must be a RuleExtras \(got 1\) @ \$.extras.r"),
        ],
    )
    def test_from_rule_set_arguments(self, arguments: dict[str, object], pattern: str) -> None:
        """``group`` and ``extras`` are checked at their own paths."""
        with pytest.raises(ValidationError, match=pattern):
            RuleFile.from_rule_set(RuleSet(rules=[plain()]), **arguments)  # type: ignore[arg-type]

    def test_labels_refuses_a_rule_id_that_is_not_text(self) -> None:
        """An array (or anything not text) as ``rule_id`` is refused, not compared."""
        file = RuleFile.from_rule_set(RuleSet(rules=[plain()]))
        with pytest.raises(ValidationError, match=r"'rule_id' must be a rule id \(text\) .* @ \$.rule_id"):
            file.labels(np.array(["r", "s"]))  # type: ignore[arg-type]
