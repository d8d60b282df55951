"""The escalation stage gives, part by part, what it gave before it was sped up.

The fixture ``escalation_expected.json`` was recorded from the engine before the stage's fast
paths (see :mod:`escalation_scenarios`): the synthetic book's stage over four replayed weeks, and
over two weeks then two more from the state kept (with an acknowledgement and decisions), with
and without business hours; and 24 seeded scenarios of random rules (ladders, holds, clearing
conditions, amounts, inhibitions, silences, acknowledgements) over random records. Every event
(each field, explanations included), state, latest evaluation and report line must be equal.
The fast paths that have a plain twin (each distinct claim id looked up once, routes worked out
once per distinct labels, plan alerts built once) are also checked against it on random input.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.cycle import _escalate, _facts, default_engagement
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import Alert, AlertStatus, PlanAlert, Route, _grouping, notification_plan
from comanaged_rcm.kpi._book import _factorize
from tests.cycle import escalation_scenarios as scenarios

EXPECTED: dict[str, Any] = json.loads(scenarios.FIXTURE.read_text())


def _differences(found: Any, expected: Any, path: str = "") -> list[str]:
    """The paths where two digest trees differ (a part's count and digest, or the tree's shape)."""
    if isinstance(expected, dict) and "sha256" in expected:
        return [] if found == expected else [f"{path}: {found} != {expected}"]
    if isinstance(expected, list):
        if not isinstance(found, list) or len(found) != len(expected):
            return [f"{path}: {len(found)} parts, expected {len(expected)}"]
        return [
            d
            for i, (f, e) in enumerate(zip(found, expected, strict=True))
            for d in _differences(f, e, f"{path}[{i}]")
        ]
    if set(found) != set(expected):
        return [f"{path}: parts {sorted(found)} != {sorted(expected)}"]
    return [d for name in expected for d in _differences(found[name], expected[name], f"{path}.{name}")]


def test_the_fixture_covers_every_event_kind_and_both_clocks() -> None:
    """The recorded scenarios are not trivially small: events, alerts and lines in each."""
    synthetic = EXPECTED["synthetic"]
    assert set(synthetic) == {"utc", "new_york"}
    for runs in synthetic.values():
        assert {name: runs[name]["lines"]["items"] > 0 for name in ("whole", "first", "later")} == {
            "whole": True,
            "first": True,
            "later": True,
        }
        assert runs["later"]["decided"]["items"] > 0
    events = sum(step["events"]["items"] for seed in EXPECTED["random"].values() for step in seed["steps"])
    assert events > 3000
    assert len(EXPECTED["random"]) == len(scenarios.SEEDS)


def test_the_synthetic_book_gives_the_recorded_stage() -> None:
    found = scenarios.digests({"synthetic": scenarios.synthetic_outputs()})
    assert _differences(found, {"synthetic": EXPECTED["synthetic"]}) == []


@pytest.mark.parametrize("seed", scenarios.SEEDS)
def test_random_rules_give_the_recorded_events_and_states(seed: int) -> None:
    found = scenarios.digests(scenarios.random_outputs(seed))
    assert _differences(found, EXPECTED["random"][str(seed)]) == []


def test_a_changed_part_is_named() -> None:
    """The comparison would see a change: one event's reason differs, and the path says where."""
    outputs = scenarios.random_outputs(0)
    outputs["steps"][1]["events"][0]["reason"] += "!"
    changed = scenarios.digests(outputs)["steps"][1]["events"]
    recorded = EXPECTED["random"]["0"]["steps"][1]["events"]
    assert changed["items"] == recorded["items"]
    assert _differences(scenarios.digests(outputs), EXPECTED["random"]["0"]) == [
        f".steps[1].events: {changed} != {recorded}"
    ]


# ------------------------------------------------- the fast paths against the plain ones, at random
_IDS = st.text(alphabet="AB01", min_size=0, max_size=4)


@given(ledger=st.lists(_IDS, min_size=1, max_size=30), rows=st.lists(_IDS, max_size=60))
def test_item_claims_looked_up_once_each_are_the_rows_looked_up_one_by_one(
    ledger: list[str], rows: list[str]
) -> None:
    """Each distinct item claim id looked up once gives every row the code a row-by-row lookup gives."""
    claims = np.unique(np.array(ledger, dtype="U4"))
    values = np.array(rows, dtype="U4")
    uniques, inverse = _factorize(values)
    packed = _facts._Packed.make(claims, uniques)
    assert packed is not None  # 4 characters of 7 bits fit
    position = {str(c): i for i, c in enumerate(claims)}
    expected = [position.get(v, -1) for v in rows]
    assert packed.codes(uniques, ordered=True)[inverse].tolist() == expected
    assert packed.codes(values).tolist() == expected  # the rows looked up themselves
    assert _facts._claim_codes(claims, uniques, inverse).tolist() == expected


_LABELS = st.fixed_dictionaries(
    {"alertname": st.sampled_from(["r1", "r2"]), "payer": st.sampled_from(["A", "B", ""])},
    optional={"team": st.sampled_from(["ar", "coding"]), "owner": st.sampled_from(["p1", "p2"])},
)
_TREE = Route(
    receiver="ops",
    group_by=["alertname"],
    routes=[
        Route(matchers=['payer="A"'], receiver="payer-a", group_by=["payer", "team"], continue_=True),
        Route(matchers=["team=~a.*"], receiver="ar", group_by=["..."]),
        Route(matchers=['owner!="p1"'], receiver="owners"),
    ],
)
_AT = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)


@given(st.lists(_LABELS, max_size=12))
def test_a_plan_routes_and_keys_its_alerts_as_each_alone_is_routed_and_keyed(
    labels: list[dict[str, str]],
) -> None:
    """Routes and group keys worked out once per distinct label values: each alert's as if alone."""
    alerts = [PlanAlert(key=f"k{i}", labels=m, since=_AT) for i, m in enumerate(labels)]
    plan = notification_plan(_TREE, alerts, _AT)
    alone: dict[str, list[str]] = {}
    for alert in alerts:
        for group in notification_plan(_TREE, [alert], _AT).groups:
            alone.setdefault(group.key, []).extend(group.alerts)
    assert {g.key: list(g.alerts) for g in plan.groups} == {k: sorted(v) for k, v in sorted(alone.items())}
    assert [g.receiver for g in plan.groups] == [g.key.split(":")[1] for g in plan.groups]


@given(
    st.lists(st.dictionaries(st.sampled_from(["payer", "team", "a b", "x"]), st.text(max_size=3)), max_size=6)
)
def test_plan_alerts_built_once_are_those_the_checked_constructor_makes(labels: list[dict[str, str]]) -> None:
    """Labels that pass become the PlanAlerts PlanAlert makes; labels that fail raise PlanAlert's error."""
    alerts = [
        Alert(key=f"k{i}", rule="r", rule_version=1, rule_hash="h", labels=m, status=AlertStatus.FIRING,
              since=_AT, active_since=_AT)
        for i, m in enumerate(labels)
    ]  # fmt: skip
    expected = _checked(alerts)
    if isinstance(expected, str):
        with pytest.raises(ValidationError) as caught:
            _grouping._plan_alerts(alerts, [dict(a.labels) for a in alerts])
        assert str(caught.value) == expected
        assert any("a b" in m for m in labels)
    else:
        assert _grouping._plan_alerts(alerts, [dict(a.labels) for a in alerts]) == expected
        assert not any("a b" in m for m in labels)


def _checked(alerts: list[Alert]) -> list[PlanAlert] | str:
    """The alerts through PlanAlert's own checks, or the error they raise."""
    try:
        return [PlanAlert(key=a.key, labels=a.labels, since=a.since) for a in alerts]
    except ValidationError as error:
        return str(error)


def test_a_replay_without_its_report_ends_in_the_stage_state() -> None:
    """The weeks a history run steps over before an acknowledgement: the state alone, the stage's."""
    data, engagement = scenarios._data(), default_engagement()
    book = data.book()
    week = engagement.cadence.period_containing(scenarios.REPORTED)
    periods = engagement.cadence.periods_ending(week.end, engagement.escalation_periods)
    facts = _facts._Facts(engagement, data, book)
    first = _escalate.replay(engagement, facts, periods[:2], None)
    assert first == _escalate.escalation_stage(engagement, data, book, periods[:2]).state
    assert len(first.alerts) > 0
    later = _escalate.escalation_stage(engagement, data, book, periods[2:], start=first, facts=facts)
    assert later == _escalate.escalation_stage(engagement, data, book, periods[2:], start=first)
