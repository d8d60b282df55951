"""Inhibition through an index of sources equals the pairwise definition (Alertmanager's)."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.escalation import InhibitRule, PlanAlert, SilenceRule
from comanaged_rcm.escalation._routing import muted

_NOW = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
_VALUES = st.sampled_from(["", "a", "b"])
_LABELS = st.fixed_dictionaries(
    {"severity": st.sampled_from(["critical", "warning", "info"])},
    optional={"claim": _VALUES, "payer": _VALUES},
)
_RULES = st.lists(
    st.builds(
        InhibitRule,
        source_matchers=st.sampled_from([['severity="critical"'], ['severity=~"critical|warning"'], []]),
        target_matchers=st.sampled_from([['severity="warning"'], ['severity!="critical"'], []]),
        equal=st.lists(st.sampled_from(["claim", "payer"]), unique=True, max_size=2),
    ),
    max_size=3,
)


def _pairwise(alerts: list[PlanAlert], rules: list[InhibitRule]) -> dict[str, str]:
    """The definition: the first other alert, in order, that a rule lets inhibit the target."""
    reasons = {}
    for alert in alerts:
        for rule in rules:
            source = next(
                (s for s in alerts if s.key != alert.key and rule.inhibits(s.labels, alert.labels)), None
            )
            if source is not None:
                reasons[alert.key] = f"inhibited by {source.key}"
                break
    return reasons


@given(labels=st.lists(_LABELS, max_size=12), rules=_RULES)
def test_indexed_inhibition_equals_the_pairwise_definition(
    labels: list[dict[str, str]], rules: list[InhibitRule]
) -> None:
    alerts = [PlanAlert(key=f"k{i}", labels=item, since=_NOW) for i, item in enumerate(labels)]
    assert muted(alerts, _NOW, inhibitions=rules) == _pairwise(alerts, rules)


def test_an_alert_never_inhibits_itself_but_its_twin_does() -> None:
    rule = InhibitRule(source_matchers=[], target_matchers=[], equal=["claim"])
    one = PlanAlert(key="one", labels={"claim": "C1"}, since=_NOW)
    assert muted([one], _NOW, inhibitions=[rule]) == {}
    two = PlanAlert(key="two", labels={"claim": "C1"}, since=_NOW)
    other = PlanAlert(key="other", labels={"claim": "C2"}, since=_NOW)
    assert muted([one, two, other], _NOW, inhibitions=[rule]) == {
        "one": "inhibited by two",
        "two": "inhibited by one",
    }


def test_a_silenced_alert_still_inhibits() -> None:
    crit = PlanAlert(key="crit", labels={"severity": "critical"}, since=_NOW)
    warn = PlanAlert(key="warn", labels={"severity": "warning"}, since=_NOW)
    silence = SilenceRule(
        id="s1",
        matchers=['severity="critical"'],
        starts_at=_NOW - datetime.timedelta(hours=1),
        ends_at=_NOW + datetime.timedelta(hours=1),
        created_by="lead",
        comment="payer outage",
    )
    rule = InhibitRule(source_matchers=['severity="critical"'], target_matchers=['severity="warning"'])
    assert muted([crit, warn], _NOW, [silence], [rule]) == {
        "crit": "silenced by s1",
        "warn": "inhibited by crit",
    }
