"""The escalation stage gives, part by part, what it gave before it was sped up.

The fixture ``escalation_expected.json`` was recorded from the engine before the stage's fast
paths (see :mod:`escalation_scenarios`): the synthetic book's stage over four replayed weeks, and
over two weeks then two more from the state kept (with an acknowledgement and decisions), with
and without business hours; and 24 seeded scenarios of random rules (ladders, holds, clearing
conditions, amounts, inhibitions, silences, acknowledgements) over random records. Every event
(each field, explanations included), state, latest evaluation and report line must be equal.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

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
