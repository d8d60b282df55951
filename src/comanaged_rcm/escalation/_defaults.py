"""A ready-made rule set for a co-managed engagement: the provider decides, the partner flags.

>>> rules = default_rules()
>>> [r.id for r in rules.rules]  # doctest: +NORMALIZE_WHITESPACE
['write_off_over_limit', 'high_dollar_denial', 'denial_untouched', 'payer_denial_rate',
 'days_in_ar_breach', 'clean_claim_rate_low']
"""

from __future__ import annotations

from comanaged_rcm import _check
from comanaged_rcm.escalation._edge import whole
from comanaged_rcm.escalation._expr import FieldType
from comanaged_rcm.escalation._models import (
    MAX_DEADLINE_DAYS,
    AlertSeverity,
    FactKind,
    Hold,
    Inhibition,
    Level,
    MinCount,
    OnUnknown,
    Owner,
    Rule,
    RuleSet,
    Rung,
)

__all__ = ["KPI_ROW_SCHEMA", "WORK_ITEM_SCHEMA", "default_rules"]

WORK_ITEM_SCHEMA: dict[str, FieldType] = {
    "item_id": FieldType.TEXT,
    "claim_id": FieldType.TEXT,
    "payer": FieldType.TEXT,
    "status": FieldType.TEXT,
    "action": FieldType.TEXT,
    "balance": FieldType.NUMBER,
    "last_touched": FieldType.DATE,
}
"""Fields the default claim and work-queue rules read (claims and queue items share them)."""

KPI_ROW_SCHEMA: dict[str, FieldType] = {
    "metric": FieldType.TEXT,
    "value": FieldType.NUMBER,
    "defined": FieldType.BOOLEAN,
    "numerator": FieldType.NUMBER,
    "denominator": FieldType.NUMBER,
    "tier": FieldType.TEXT,
    "payer": FieldType.TEXT,
}
"""Columns of ``kpi.Scorecard.to_columns()`` read by the default KPI rules (``payer`` is a slice)."""


def _literal(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


def _limit(value: object, path: str) -> float:
    return _check.real(value, path, minimum=0, low_open=True)


def default_rules(
    *,
    write_off_limit: float = 5000.0,
    appeal_limit: float = 10000.0,
    untouched_business_days: int = 10,
    denial_rate_limit: float = 8.0,
    min_claims: int = 30,
    days_in_ar_limit: float = 45.0,
    clean_claim_floor: float = 90.0,
) -> RuleSet:
    """The default co-managed rule set (percent KPIs are on the 0-100 scale, as ``kpi`` reports them).

    * ``write_off_over_limit`` (queue item): a proposed write-off above ``write_off_limit`` goes to
      the ``write_off`` decision owner for its balance (``amount="balance"``: a scope split's
      delegate up to its threshold, the provider above it); UNKNOWN escalates to the provider (a
      missing balance never skips an approval).
    * ``high_dollar_denial`` (claim): a denied claim at or above ``appeal_limit`` goes to the
      provider's ``appeal_strategy`` decision owner.
    * ``denial_untouched`` (claim): a denial untouched for more than ``untouched_business_days``
      business days goes to the onshore lead (Accountable for ``denials``), climbing to the
      ``appeal_strategy`` decision owner after 3 business days without acknowledgement; muted
      while ``payer_denial_rate`` fires for the same payer.
    * ``payer_denial_rate`` (KPI row): initial denial rate above ``denial_rate_limit`` % over at
      least ``min_claims`` claims goes to the ``payer_escalation`` decision owner; it clears below
      three quarters of the limit.
    * ``days_in_ar_breach`` and ``clean_claim_rate_low`` (KPI rows): to the Accountable party of
      ``ar_follow_up`` and ``denials``.

    Args:
        write_off_limit: The delegated write-off limit (a positive amount).
        appeal_limit: The balance from which a denial needs the provider's appeal strategy.
        untouched_business_days: Business days a denial may sit untouched (1 to 3,660).
        denial_rate_limit: The initial denial rate limit, in percent.
        min_claims: The fewest claims a payer's denial rate is judged on (1 or more).
        days_in_ar_limit: The days in A/R target.
        clean_claim_floor: The lowest acceptable clean claim rate, in percent.

    Returns:
        A :class:`RuleSet` with the schema of the fields the rules read.

    Raises:
        ValidationError: When a limit is not a positive finite number, or a count not a
            positive whole number.
    """
    write_off_limit = _limit(write_off_limit, "$.write_off_limit")
    appeal_limit = _limit(appeal_limit, "$.appeal_limit")
    untouched_business_days = whole(
        untouched_business_days, "$.untouched_business_days", minimum=1, maximum=MAX_DEADLINE_DAYS
    )
    denial_rate_limit = _limit(denial_rate_limit, "$.denial_rate_limit")
    min_claims = whole(min_claims, "$.min_claims", minimum=1)
    days_in_ar_limit = _limit(days_in_ar_limit, "$.days_in_ar_limit")
    clean_claim_floor = _limit(clean_claim_floor, "$.clean_claim_floor")
    kpi_hold = OnUnknown.HOLD
    rules = (
        Rule(
            id="write_off_over_limit",
            description="A write-off above the delegated limit needs the provider's approval.",
            when=f"action == 'write_off' and balance > {_literal(write_off_limit)}",
            applies_to=FactKind.QUEUE_ITEM,
            severity=AlertSeverity.CRITICAL,
            level=Level.PROVIDER_DECISION_OWNER,
            owner=Owner.decision("write_off"),
            deadline=2,
            dedup_keys=("item_id",),
            group_by=("payer",),
            message="write-off of {balance} on claim {claim_id} ({payer}) needs approval",
            amount="balance",
        ),
        Rule(
            id="high_dollar_denial",
            description="The provider sets the appeal strategy for high-dollar denials.",
            when=f"status == 'denied' and balance >= {_literal(appeal_limit)}",
            applies_to=FactKind.CLAIM,
            severity=AlertSeverity.CRITICAL,
            level=Level.PROVIDER_DECISION_OWNER,
            owner=Owner.decision("appeal_strategy"),
            deadline=3,
            dedup_keys=("claim_id",),
            group_by=("payer",),
            message="denied claim {claim_id} ({payer}) for {balance}: appeal strategy needed",
        ),
        Rule(
            id="denial_untouched",
            description="A denial nobody has worked is the onshore lead's to chase.",
            when=(
                "status == 'denied' and "
                f"business_days_between(last_touched, today) > {untouched_business_days}"
            ),
            applies_to=FactKind.CLAIM,
            severity=AlertSeverity.WARNING,
            level=Level.ONSHORE_LEAD,
            owner=Owner.accountable("denials"),
            deadline=1,
            escalate_after=3,
            ladder=(
                Rung(
                    level=Level.PROVIDER_DECISION_OWNER, owner=Owner.decision("appeal_strategy"), ack_within=2
                ),
            ),
            dedup_keys=("claim_id",),
            group_by=("payer",),
            message="denial on claim {claim_id} ({payer}) untouched since {last_touched}",
            inhibited_by=(Inhibition("payer_denial_rate", ("payer",)),),
        ),
        Rule(
            id="payer_denial_rate",
            description="A payer denying too often is the provider's call to escalate with the payer.",
            when=f"metric == 'initial_denial_rate' and value > {_literal(denial_rate_limit)}",
            applies_to=FactKind.KPI_ROW,
            severity=AlertSeverity.CRITICAL,
            level=Level.PROVIDER_DECISION_OWNER,
            owner=Owner.decision("payer_escalation"),
            deadline=5,
            dedup_keys=("metric", "payer"),
            message="initial denial rate {value:.1f} % for {payer} over {denominator:,.0f} claims",
            on_unknown=kpi_hold,
            min_count=MinCount("denominator", min_claims),
            clear_when=f"metric == 'initial_denial_rate' and value <= {_literal(denial_rate_limit * 0.75)}",
            keep_firing_for=Hold(evaluations=1),
        ),
        Rule(
            id="days_in_ar_breach",
            description="Days in A/R above target is the A/R follow-up owner's to explain.",
            when=f"metric == 'days_in_ar' and value > {_literal(days_in_ar_limit)}",
            applies_to=FactKind.KPI_ROW,
            severity=AlertSeverity.WARNING,
            level=Level.ONSHORE_LEAD,
            owner=Owner.accountable("ar_follow_up"),
            deadline=5,
            dedup_keys=("metric", "payer"),
            message="days in A/R {value:.1f} for {payer}",
            on_unknown=kpi_hold,
            pending_for=Hold(evaluations=2),
        ),
        Rule(
            id="clean_claim_rate_low",
            description="A falling clean claim rate feeds denials: the denials owner looks first.",
            when=f"metric == 'clean_claim_rate' and value < {_literal(clean_claim_floor)}",
            applies_to=FactKind.KPI_ROW,
            severity=AlertSeverity.WARNING,
            level=Level.ONSHORE_LEAD,
            owner=Owner.accountable("denials"),
            deadline=5,
            dedup_keys=("metric", "payer"),
            message="clean claim rate {value:.1f} % for {payer}",
            on_unknown=kpi_hold,
            min_count=MinCount("denominator", min_claims),
        ),
    )
    return RuleSet(rules=rules, schema={**WORK_ITEM_SCHEMA, **KPI_ROW_SCHEMA})
