"""A complete, valid split for a typical co-managed engagement: the starting point of every split.

>>> from comanaged_rcm.raci import validate
>>> split = co_managed_template()
>>> [p.id for p in split.parties]
['client_rcm_director', 'client_cfo', 'client_staff', 'onshore_lead', 'offshore_pod', 'automation']
>>> validate(split)
[]
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta

from comanaged_rcm._check import date
from comanaged_rcm.raci._models import (
    RACI,
    WORKFLOWS,
    AccessGrant,
    Activity,
    ActivityKind,
    Assignment,
    DecisionRight,
    EscalationEdge,
    Party,
    PartyKind,
    Permission,
    ScopeSplit,
    System,
)

__all__ = ["co_managed_template"]

_PARTIES = (
    Party("client_rcm_director", "Client RCM director", PartyKind.CLIENT_STAFF),
    Party("client_cfo", "Client CFO", PartyKind.CLIENT_STAFF),
    Party("client_staff", "Client billing office staff", PartyKind.CLIENT_STAFF),
    Party("onshore_lead", "Partner onshore lead", PartyKind.PARTNER_ONSHORE),
    Party("offshore_pod", "Partner offshore pod", PartyKind.PARTNER_OFFSHORE),
    Party("automation", "RCM automation (bots and rules)", PartyKind.AUTOMATION),
)

_SYSTEMS = (
    System("pm_system", "Practice management and billing system"),
    System("ehr", "Electronic health record"),
    System("clearinghouse", "Claims clearinghouse"),
    System("payer_portals", "Payer portals"),
    System("bank_portal", "Bank lockbox and deposit portal", onshore_only=True),
    System("statement_vendor", "Patient statement vendor"),
)

_E, _D, _V, _P = ActivityKind.EXECUTE, ActivityKind.DECIDE, ActivityKind.REVIEW, ActivityKind.REPORT
_DIR, _CFO, _STAFF = "client_rcm_director", "client_cfo", "client_staff"
_ON, _OFF, _BOT = "onshore_lead", "offshore_pod", "automation"

# (id, name, kind, flags, systems, decision, {party: letters}); flags: f financial control,
# p touches PHI, o onshore-only. The workflow is the id's prefix.
_Row = tuple[str, str, ActivityKind, str, str, str | None, dict[str, str]]
# fmt: off
_ROWS: tuple[_Row, ...] = (
    ("eligibility.verify", "Verify eligibility and benefits", _E, "p",
     "pm_system payer_portals clearinghouse",
     None, {_BOT: "R", _OFF: "R", _ON: "A", _STAFF: "I"}),
    ("eligibility.qa", "QA sample of eligibility checks", _V, "p", "pm_system",
     None, {_ON: "AR", _DIR: "I"}),
    ("prior_auth.request", "Request and track prior authorizations", _E, "p", "ehr payer_portals",
     None, {_OFF: "R", _ON: "A", _STAFF: "C"}),
    ("prior_auth.qa", "QA sample of authorizations", _V, "p", "ehr payer_portals",
     None, {_ON: "AR", _DIR: "I"}),
    ("charge_entry.enter", "Enter charges", _E, "p", "pm_system ehr",
     None, {_STAFF: "R", _OFF: "R", _DIR: "A", _ON: "I"}),
    ("charge_entry.reconcile", "Reconcile charges to scheduled visits", _V, "p", "pm_system ehr",
     None, {_ON: "R", _DIR: "A", _STAFF: "C"}),
    ("coding.code", "Code encounters", _E, "p", "ehr pm_system",
     None, {_OFF: "R", _ON: "A", _STAFF: "C"}),
    ("coding.audit", "Coding audit", _V, "po", "ehr",
     None, {_ON: "R", _DIR: "A", _OFF: "I"}),
    ("coding.policy", "Set coding policy", _D, "", "",
     "coding_policy", {_DIR: "AR", _ON: "C", _OFF: "I"}),
    ("claim_submission.submit", "Scrub and submit claims, work rejections", _E, "p",
     "pm_system clearinghouse",
     None, {_BOT: "R", _OFF: "R", _ON: "A", _STAFF: "I"}),
    ("claim_submission.qa", "QA of clearinghouse rejections", _V, "", "clearinghouse",
     None, {_ON: "AR", _DIR: "I"}),
    ("payment_posting.post", "Post payments and remittances", _E, "fp", "pm_system clearinghouse",
     None, {_BOT: "R", _OFF: "R", _ON: "A", _STAFF: "I"}),
    ("payment_posting.reconcile", "Reconcile deposits to postings", _V, "fo", "pm_system bank_portal",
     None, {_ON: "R", _DIR: "A", _CFO: "I"}),
    ("ar_follow_up.work", "Work A/R follow-up queues", _E, "p", "pm_system payer_portals",
     None, {_OFF: "R", _ON: "A", _STAFF: "I"}),
    ("ar_follow_up.escalate", "Escalate to a payer", _D, "", "",
     "payer_escalation", {_DIR: "AR", _ON: "C", _CFO: "I"}),
    ("ar_follow_up.report", "Weekly A/R report", _P, "", "pm_system",
     None, {_BOT: "R", _ON: "A", _DIR: "I", _CFO: "I"}),
    ("denials.work", "Work denials", _E, "p", "pm_system payer_portals clearinghouse",
     None, {_OFF: "R", _ON: "A", _STAFF: "I"}),
    ("denials.root_cause", "Denial root-cause report", _P, "", "pm_system",
     None, {_ON: "R", _DIR: "A", _STAFF: "C", _OFF: "I"}),
    ("appeals.prepare", "Prepare and file appeals", _E, "p", "ehr payer_portals",
     None, {_OFF: "R", _ON: "A", _STAFF: "C"}),
    ("appeals.strategy", "Decide the appeal strategy", _D, "", "",
     "appeal_strategy", {_DIR: "A", _ON: "R", _OFF: "I"}),
    ("write_off_approval.prepare", "Prepare write-off and adjustment requests", _E, "", "pm_system",
     None, {_OFF: "R", _ON: "A", _DIR: "I"}),
    ("write_off_approval.approve", "Approve write-offs and adjustments", _D, "f", "pm_system",
     "write_off", {_DIR: "R", _CFO: "A", _ON: "I"}),
    ("patient_statements.send", "Send patient statements", _E, "p", "pm_system statement_vendor",
     None, {_BOT: "R", _OFF: "R", _ON: "A", _STAFF: "C"}),
    ("patient_statements.placement", "Place accounts with a collection agency", _D, "", "",
     "collection_agency_placement", {_CFO: "A", _DIR: "R", _ON: "C"}),
    ("credit_balances.research", "Research credit balances", _E, "fp", "pm_system payer_portals",
     None, {_OFF: "R", _ON: "A", _STAFF: "I"}),
    ("credit_balances.refund", "Approve and issue refunds", _D, "f", "pm_system bank_portal",
     "refund", {_STAFF: "R", _CFO: "A", _DIR: "I", _ON: "C"}),
)

# fmt: on

_RIGHTS = (
    DecisionRight(decision="write_off", holder=_DIR, threshold=5000.0, delegate=_ON),
    DecisionRight(decision="refund", holder=_CFO),
    DecisionRight(decision="appeal_strategy", holder=_DIR, threshold=10000.0, delegate=_ON),
    DecisionRight(decision="payer_escalation", holder=_DIR),
    DecisionRight(decision="policy_change", holder=_CFO),
    DecisionRight(decision="coding_policy", holder=_DIR),
    DecisionRight(decision="enrollment_signature", holder=_CFO),
    DecisionRight(decision="collection_agency_placement", holder=_CFO),
)
_CAPS = {"write_off": 10000.0, "appeal_strategy": 25000.0}
"""The most any delegate may be given: the director may raise the lead's limits up to these."""

_V_, _EDIT, _SUB, _POST = Permission.VIEW, Permission.EDIT, Permission.SUBMIT, Permission.POST
# Each grant: party, system, permissions granted, permissions denied.
_GRANTS: tuple[tuple[str, str, frozenset[Permission], frozenset[Permission]], ...] = (
    (_DIR, "pm_system", frozenset({_V_, Permission.APPROVE, Permission.ADJUST}), frozenset()),
    (_STAFF, "pm_system", frozenset({_V_, _EDIT}), frozenset({Permission.ADJUST})),
    (_STAFF, "ehr", frozenset({_V_}), frozenset()),
    (_STAFF, "bank_portal", frozenset({_V_, Permission.EXPORT}), frozenset()),
    (_ON, "pm_system", frozenset({_V_, _EDIT}), frozenset({Permission.ADMIN})),
    (_ON, "ehr", frozenset({_V_}), frozenset()),
    (_ON, "clearinghouse", frozenset({_V_, _SUB}), frozenset()),
    (_ON, "payer_portals", frozenset({_V_}), frozenset()),
    (_ON, "bank_portal", frozenset({_V_}), frozenset()),
    (_OFF, "pm_system", frozenset({_V_, _EDIT, _POST}), frozenset({Permission.APPROVE, Permission.ADMIN})),
    (_OFF, "ehr", frozenset({_V_}), frozenset()),
    (_OFF, "clearinghouse", frozenset({_V_, _SUB}), frozenset()),
    (_OFF, "payer_portals", frozenset({_V_}), frozenset()),
    (_OFF, "statement_vendor", frozenset({_V_}), frozenset()),
    (_BOT, "pm_system", frozenset({_V_, _EDIT, _POST}), frozenset({Permission.APPROVE, Permission.ADJUST})),
    (_BOT, "clearinghouse", frozenset({_V_, _SUB}), frozenset()),
    (_BOT, "payer_portals", frozenset({_V_}), frozenset()),
    (_BOT, "statement_vendor", frozenset({_V_, _SUB}), frozenset()),
)

_ESCALATIONS = (
    EscalationEdge(_BOT, _OFF, "an exception the rules cannot resolve"),
    EscalationEdge(_OFF, _ON, "a blocked item, a payer issue, or anything that needs judgement"),
    EscalationEdge(_ON, _DIR, "a client-reserved decision, or a target in breach"),
    EscalationEdge(_STAFF, _DIR, "anything outside the billing office's SOPs"),
    EscalationEdge(_DIR, _CFO, "a decision above the director's authority"),
)


_LATEST_START = datetime.date(9999, 6, 30)
"""The last start whose access reviews (six months later) still fall within the calendar."""


def co_managed_template(
    *,
    name: str = "Co-managed revenue cycle: provider and partner",
    effective_from: datetime.date = datetime.date(2026, 1, 1),
) -> ScopeSplit:
    """A complete split for a typical co-managed engagement, valid with no findings at all.

    Client staff keep the decisions (an RCM director, a CFO, the billing office); the partner's
    onshore lead is Accountable for day-to-day execution and owns escalations; the partner's
    offshore pod does the work; automation triages, submits and posts. All twelve catalogue
    workflows are in scope, with 26 activities, eight client-reserved decision rights (write-offs
    and appeal strategy delegated to the onshore lead up to $5,000 and $10,000, within caps of
    $10,000 and $25,000), least-privilege grants administered by the client, and an escalation
    chain that ends at the CFO.

    Args:
        name: The document's name.
        effective_from: First day the split applies; access reviews fall due six months later.

    Returns:
        The split, version 1.

    Raises:
        ValidationError: When ``name`` is not readable text, or ``effective_from`` is not a
            ``datetime.date`` (a datetime is refused) up to 9999-06-30.

    >>> split = co_managed_template()
    >>> split.accountable_for("payment_posting"), split.decision_holder("refund")
    ('onshore_lead', 'client_cfo')
    """
    date(effective_from, "$.effective_from", latest=_LATEST_START)
    review_by = effective_from + relativedelta(months=6) - datetime.timedelta(days=1)
    activities: list[Activity] = []
    assignments: list[Assignment] = []
    for activity_id, title, kind, flags, systems, decision, cells in _ROWS:
        activities.append(
            Activity(
                id=activity_id,
                workflow=activity_id.split(".", 1)[0],
                name=title,
                kind=kind,
                financial_control="f" in flags,
                touches_phi="p" in flags,
                onshore_only="o" in flags,
                systems=frozenset(systems.split()),
                decision=decision,
            )
        )
        assignments.extend(
            Assignment(activity_id, party, frozenset(letters)) for party, letters in cells.items()
        )
    grants = tuple(
        AccessGrant(
            party=party,
            system=system,
            identity=f"{system}:{party}",
            permissions=permissions,
            denied=denied,
            granted_by=_CFO if party == _DIR else _DIR,
            review_by=review_by,
        )
        for party, system, permissions, denied in _GRANTS
    )
    return ScopeSplit(
        name=name,
        version=1,
        effective_from=effective_from,
        scheme=RACI,
        parties=_PARTIES,
        systems=_SYSTEMS,
        activities=tuple(activities),
        in_scope=frozenset(w.id for w in WORKFLOWS),
        out_of_scope=frozenset(),
        assignments=tuple(assignments),
        rights=_RIGHTS,
        grants=grants,
        escalations=_ESCALATIONS,
        delegation_caps=_CAPS,
    )
