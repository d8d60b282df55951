"""The generator: claims, their life cycle, the ledger, submissions and work items, vectorized.

Every claim is simulated as a chain of dated events (charge entry, billing, adjudication,
posting, patient billing, appeal, refund, write-off); events dated on or after the book's end have
not happened yet and are dropped, so the book is a consistent snapshot of an ongoing operation
(unbilled charges, pending claims, open work items, credit balances awaiting refund).

The operation does not start on the book's first day: it has been running for
:data:`OPENING_WEEKS` weeks before. The claims of that run-in still open on the first day (the
opening A/R) are part of the book with their whole history, and so are the work items still open
on the first day (the inherited backlog); everything of the run-in that was settled before the
first day is left out. So KPIs are in steady state from the first week instead of ramping up.

All money is computed in whole cents (int64) so that per-claim balances are exact; the ledger
stores dollars as float64.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm.kpi._book import OUTCOMES as KPI_OUTCOMES
from comanaged_rcm.kpi._book import TRANSACTION_TYPES, WRITE_OFF_REASONS, _freeze
from comanaged_rcm.synthetic._models import (
    _BY_WORKFLOW,
    CARC_GROUPS,
    PARTIES,
    QA_ERROR_RATES,
    WORKFLOWS,
    BookParameters,
    Payer,
    PayerKind,
    QATruth,
    SyntheticBook,
    default_payers,
)
from comanaged_rcm.synthetic._random import Draws

__all__ = ["DEFAULT_START", "OPENING_WEEKS", "generate_book", "item_ids"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]
Columns = dict[str, npt.NDArray[Any]]

OPENING_WEEKS = 13
"""Weeks the operation runs before the book's first day (its open claims are the opening A/R)."""

DEFAULT_START = datetime.date(2026, 5, 4)
"""Default first day of the book (a Monday); 26 weeks from it end on 2026-11-01."""

# the KPI engine's vocabularies, coded by position (the names below follow their order)
TYPES = np.array(TRANSACTION_TYPES)
REASONS = np.array(["", *WRITE_OFF_REASONS])
OUTCOMES = np.array(KPI_OUTCOMES)
CHARGE, PAYMENT, REFUND, CONTRACTUAL, WRITE_OFF = range(5)
NO_REASON, DENIAL, TIMELY, BAD_DEBT, CHARITY, SMALL, ADMIN = range(7)
PAID, DENIED, PARTIAL, PENDING = range(4)

# Claim-level behaviour (documented in the guide).
CLAIM_TEAM_WEIGHTS = (0.30, 0.60, 0.10, 0.0)  # client_staff, offshore_pod, onshore_lead, automation
LINE_GEOMETRIC_Q = 0.55  # lines = 1 + Geometric: mean 1 + q / (1 - q) = 2.22 lines
MAX_LINES = 8
LINE_CHARGE_MEDIAN = 170.0  # dollars per line, lognormal
LINE_CHARGE_SIGMA = 0.60
LATE_CHARGE_RATE = 0.03  # charges entered more than 30 days after service
LAG_SIGMA = 0.45  # lognormal sigma of adjudication lags
CLEAN_DENIAL_FACTOR = 0.85  # denial propensity of a clean claim relative to the payer's rate (2.2 if not)
BILL_LAG_DAYS = 3.5  # mean days from charge entry to the claim (after a day of charge review)
APPEAL_LAG_DAYS = 10.0  # mean days from a denial's posting to the corrected claim or appeal
PATIENT_LAG_DAYS = 30.0  # mean days from a statement to the patient's payment
PARTIAL_SHARE = 0.35  # of denied multi-line claims, the share denied only in part
PATIENT_PAY_RATE = {True: 0.75, False: 0.97}  # self-pay, insured patient balances
SMALL_BALANCE_CENTS = 1000  # unpaid patient balances under $10 are written off as small balances
ADMIN_SHARE = 0.10  # of unpaid patient balances of $10 or more, written off as administrative
CHARITY_RATE = 0.10  # of self-pay claims, qualifying for charity care
APPROVAL_THRESHOLD_CENTS = 10_000  # write-offs of $100 or more need an approval work item


def generate_book(
    *,
    seed: int = 7,
    claims: int = 5000,
    start: datetime.date = DEFAULT_START,
    weeks: int = 26,
    payers: tuple[Payer, ...] | None = None,
    error_rates: Mapping[str, float] | None = None,
) -> SyntheticBook:
    """Generate a seeded, realistic co-managed book of business.

    The same arguments give the same tables, byte for byte, on any machine (see the guide for the
    random-number policy). Besides its own claims (dates of service in the book, numbered
    ``C0000001`` to ``claims`` in order of service), the book carries the opening A/R: the claims of
    the :data:`OPENING_WEEKS` weeks before ``start`` still open on the first day, with their history,
    numbered after the book's own; and the work items still open on the first day. With the
    defaults the outcome KPIs sit in typical ranges (net collection rate about 96%, days in A/R
    about 40, initial denial rate about 8.5%, clean claim rate about 90%; see the guide).

    Args:
        seed: Non-negative integer seed (below 2**64).
        claims: Number of claims with a date of service in the book (>= 1); each has 1 to 8 lines
            (2.2 on average). With the run-in's claims, at most 4,000,000 are simulated (about
            10 GB at the peak); a larger book is refused before anything is allocated.
        start: First day of the book (1900-01-01 to 9000-12-31).
        weeks: Length of the book in weeks (1 to 5,200).
        payers: The payer mix, a tuple of :class:`Payer` (default :func:`default_payers`).
        error_rates: True QA error rate per workflow, in [0, 1) (default :data:`QA_ERROR_RATES`).

    Returns:
        The book: transactions, submissions, work items and the QA truth.

    Raises:
        ValidationError: When an argument is out of range, naming it.

    >>> book = generate_book(seed=1, claims=2000)
    >>> sorted(set(book.transactions["type"].tolist()))
    ['charge', 'contractual_adjustment', 'payment', 'refund', 'write_off']
    >>> generate_book(claims=0)
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'claims' must be >= 1 (got 0) @ $.claims
    >>> generate_book(claims=10**12)
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: 'claims' must be <= 4,000,000
    (got 1000000000000) @ $.claims
    """
    parameters = BookParameters(
        seed=seed,
        claims=claims,
        start=start,
        weeks=weeks,
        payers=default_payers() if payers is None else payers,
    )
    qa = QATruth(error_rates=QA_ERROR_RATES if error_rates is None else error_rates)
    return _Generator(parameters).build(qa)


def _fixed_width_ids(prefix: str, numbers: Ints, width: int) -> npt.NDArray[np.str_]:
    """``prefix`` + zero-padded decimal numbers, built from code points (no Python loop)."""
    n = numbers.size
    codes = np.empty((n, len(prefix) + width), dtype=np.uint32)
    codes[:, : len(prefix)] = np.frombuffer(prefix.encode("utf-32-le"), dtype=np.uint32)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    codes[:, len(prefix) :] = (numbers[:, None] // powers) % 10 + ord("0")
    return codes.view(f"<U{len(prefix) + width}").reshape(n)


def _days(x: Floats) -> Ints:
    return np.floor(x).astype(np.int64)


@attrs.define
class _Events:
    """Ledger events accumulated as arrays: claim index, day, type, cents, write-off reason."""

    claims: Ints
    claim: list[Ints] = attrs.Factory(list)
    day: list[Ints] = attrs.Factory(list)
    kind: list[Ints] = attrs.Factory(list)
    cents: list[Ints] = attrs.Factory(list)
    reason: list[Ints] = attrs.Factory(list)

    def add(self, kind: int, mask: Bools, *, day: Ints, cents: Ints, reason: int | Ints = NO_REASON) -> None:
        """Record one event of ``kind`` for each claim of ``mask`` with a positive amount."""
        keep = mask & (cents > 0)
        self.claim.append(self.claims[keep])
        self.day.append(day[keep])
        self.kind.append(np.full(int(keep.sum()), kind, dtype=np.int64))
        self.cents.append(cents[keep])
        self.reason.append(np.broadcast_to(np.asarray(reason, dtype=np.int64), keep.shape)[keep])


@attrs.frozen(kw_only=True)
class _Ledger:
    """The events that happened before the book's end, ordered by day, claim and type."""

    claim: Ints
    day: Ints
    kind: Ints
    cents: Ints
    reason: Ints

    @classmethod
    def of(cls, events: _Events, *, first: int, end: int, in_book: int) -> tuple[_Ledger, Bools]:
        """The ledger of the claims with a posting from ``first`` on, and the mask of those claims.

        Claims numbered below ``in_book`` are the book's own and always count as live.
        """
        c = np.concatenate
        claim, day, kind = c(events.claim), c(events.day), c(events.kind)
        cents, reason = c(events.cents), c(events.reason)
        claims = events.claims.size
        live = events.claims < in_book
        live[claim[(day >= first) & (day < end)]] = True
        keep = np.flatnonzero((day < end) & live[claim])
        order = keep[np.argsort((day[keep] * claims + claim[keep]) * 8 + kind[keep], kind="stable")]
        ledger = cls(
            claim=claim[order], day=day[order], kind=kind[order], cents=cents[order], reason=reason[order]
        )
        return ledger, live

    def balances(self, claim: Ints, day: Ints, *, end: int) -> Ints:
        """Each claim's A/R balance in cents after the postings of ``day`` (inclusive)."""
        span = end + 1
        keys = self.claim * span + self.day
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        sign = np.array([1, -1, 1, -1, -1], dtype=np.int64)[self.kind[order]]
        running = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(sign * self.cents[order])])
        upto = np.searchsorted(keys, claim * span + day, side="right")
        first = np.searchsorted(keys, claim * span, side="left")
        result: Ints = running[upto] - running[first]
        return result


@attrs.define
class _Items:
    """Work items accumulated as arrays: workflow index, claim index, opened and closed day."""

    claims: Ints
    workflow: list[Ints] = attrs.Factory(list)
    claim: list[Ints] = attrs.Factory(list)
    opened: list[Ints] = attrs.Factory(list)
    closed: list[Ints] = attrs.Factory(list)

    def add(self, workflow: str, mask: Bools, *, opened: Ints, closed: Ints) -> None:
        """Open one ``workflow`` item for each claim of ``mask``."""
        self.workflow.append(np.full(int(mask.sum()), WORKFLOWS.index(workflow), dtype=np.int64))
        self.claim.append(self.claims[mask])
        self.opened.append(opened[mask])
        self.closed.append(closed[mask])


@attrs.frozen(kw_only=True)
class _Claims:
    """Per-claim facts of the simulation (day offsets from the book's start, money in cents)."""

    payer: Ints
    team: Ints
    self_pay: Bools
    service: Ints
    lines: Ints
    gross: Ints
    bill_day: Ints
    clean: Bools
    submit: Ints
    adjudicated: Ints
    denied: Bools
    partial: Bools
    denied_lines: Ints
    denied_cents: Ints
    carc: Ints
    appealed: Bools
    resubmit: Ints
    adjudicated2: Ints
    overturned: Bools


@attrs.define
class _Rounds:
    """Uniforms of a step repeated in rounds: each stream drawn once for all rounds, sliced by round."""

    draws: Draws
    claims: int
    rounds: int
    streams: dict[str, Floats] = attrs.Factory(dict)

    def uniform(self, stream: str, round_: int) -> Floats:
        """The uniforms of ``stream`` for one round (``claims`` of them)."""
        if stream not in self.streams:
            self.streams[stream] = self.draws.uniform(stream, self.rounds * self.claims)
        return self.streams[stream][round_ * self.claims : (round_ + 1) * self.claims]


WriteOffs = list[tuple[Bools, Ints, Ints]]
"""Write-offs that may need approval: (claims, day, cents)."""


class _Generator:
    """Simulates one book; holds only its inputs, so every call of :meth:`build` is independent."""

    def __init__(self, parameters: BookParameters) -> None:
        self.p = parameters
        # Day offsets count from the origin, OPENING_WEEKS before the book's start; claims 0..n-1 are
        # the book's own (service in the book), the others the run-in's.
        self.first = 7 * OPENING_WEEKS
        self.end = self.first + 7 * parameters.weeks  # events on or after it are dropped
        self.in_book = parameters.claims
        self.n = parameters.claims + round(parameters.claims * OPENING_WEEKS / parameters.weeks)
        self.draws = Draws(parameters.seed)
        payers = parameters.payers
        self.allowed_ratio = np.array([p.allowed_ratio for p in payers])
        self.patient_share = np.array([p.patient_share for p in payers])
        self.denial_rate = np.array([p.denial_rate for p in payers])
        self.clean_rate = np.array([p.clean_rate for p in payers])
        self.median_lag = np.array([p.median_lag_days for p in payers])
        self.overpayment_rate = np.array([p.overpayment_rate for p in payers])
        self.self_pay = np.array([p.kind is PayerKind.SELF_PAY for p in payers])
        self.payer_ids = np.array([p.id for p in payers])
        self.origin = np.datetime64(parameters.start, "D") - np.timedelta64(self.first, "D")
        width = max(7, len(str(self.n)))
        self.claim_ids = _fixed_width_ids("C", np.arange(1, self.n + 1, dtype=np.int64), width)

    def _pair(self, stream: str) -> tuple[Floats, Floats]:
        u = self.draws.uniform(stream, 2 * self.n)
        return u[: self.n], u[self.n :]

    def build(self, qa: QATruth) -> SyntheticBook:
        claims, events, items = self._simulate()  # the simulation's temporaries are freed on return
        ledger, live = _Ledger.of(events, first=self.first, end=self.end, in_book=self.in_book)
        del events
        transactions = self._transactions(ledger, claims)
        submissions = self._submissions(claims, live)
        work_items = self._work_items(items, ledger, live)
        for table in (transactions, submissions, work_items):  # a Book of them keeps them uncopied
            for column in table.values():
                _freeze(column)
        return SyntheticBook(
            parameters=self.p,
            transactions=transactions,
            submissions=submissions,
            work_items=work_items,
            qa=qa,
        )

    def _simulate(self) -> tuple[_Claims, _Events, _Items]:
        """Every claim's life cycle: the claim facts, the ledger events and the work items."""
        d, n, end, first = self.draws, self.n, self.end, self.first
        claim = np.arange(n, dtype=np.int64)
        payer = d.categorical("payer", n, [p.share for p in self.p.payers])
        team = d.categorical("team", n, CLAIM_TEAM_WEIGHTS)
        self_pay = self.self_pay[payer]
        u_service = d.uniform("service_day", n)
        in_book = claim < self.in_book
        # Stratified service days: claim i falls in the i-th of equal slices of its span, so the volume
        # per week is steady (a scheduled practice) and claim numbers follow the date of service.
        warm = n - self.in_book
        slot = np.where(
            in_book,
            (claim + u_service) / max(self.in_book, 1),
            (claim - self.in_book + u_service) / max(warm, 1),
        )
        service = np.where(in_book, first + _days(slot * (end - first)), _days(slot * first))
        lines = np.minimum(1 + _days(np.log(d.uniform("lines", n)) / np.log(LINE_GEOMETRIC_Q)), MAX_LINES)
        # The mean of ``lines`` independent line charges: its spread narrows as 1 / sqrt(lines).
        per_line = LINE_CHARGE_MEDIAN * np.exp(
            LINE_CHARGE_SIGMA * d.normal("line_charge", n) / np.sqrt(lines)
        )
        gross = np.maximum(np.rint(lines * per_line * 100).astype(np.int64), 100)
        late = d.bernoulli("late_charge", n, LATE_CHARGE_RATE)
        charge_lag = np.where(late, 31 + _days(d.exponential("late_charge_lag", n, 12.0)),
                              _days(d.exponential("charge_lag", n, 1.2)))  # fmt: skip
        charge_day = service + charge_lag
        bill_day = charge_day + 1 + _days(d.exponential("bill_lag", n, BILL_LAG_DAYS))
        clean = d.bernoulli("clean", n, self.clean_rate[payer])
        submit = bill_day + np.where(clean, 0, 1 + _days(d.exponential("edit_lag", n, 4.0)))
        insured = ~self_pay

        # First adjudication.
        p_deny = np.minimum(self.denial_rate[payer] * np.where(clean, CLEAN_DENIAL_FACTOR, 2.2), 0.95)
        denied = insured & d.bernoulli("denied", n, p_deny)
        partial = denied & (lines > 1) & d.bernoulli("partial", n, PARTIAL_SHARE)
        denied_lines = np.where(
            partial, 1 + _days(d.uniform("denied_lines", n) * (lines - 1)), np.where(denied, lines, 0)
        )
        denied_cents = np.where(partial, gross * denied_lines // lines, np.where(denied, gross, 0))
        carc = d.categorical("carc", n, [g.share for g in CARC_GROUPS])
        lag1, lag2 = (np.exp(LAG_SIGMA * z) for z in np.split(d.normal("adjudication_lag", 2 * n), 2))
        median = self.median_lag[payer]
        adjudicated = submit + np.maximum(3, np.rint(median * lag1).astype(np.int64))
        post1, post2 = (_days(-np.log(u) * 1.5) for u in self._pair("posting_lag"))
        posted = adjudicated + post1

        events = _Events(claims=claim)
        items = _Items(claims=claim)
        events.add(CHARGE, np.ones(n, dtype=bool), day=charge_day, cents=gross)
        settle = _Rounds(draws=d, claims=n, rounds=2)  # payer settlements: first claim, resubmission
        patients = _Rounds(draws=d, claims=n, rounds=3)  # patient balances: self-pay, after each settlement

        # Insured claims: settle the paid part at the first posting.
        paid_part = np.where(insured, gross - denied_cents, 0)
        wo1 = self._settle(
            events, items, (settle, patients), payer=payer, part=paid_part, day=posted, round_=0,
            mask=insured & (paid_part > 0),
        )  # fmt: skip

        # Self-pay: uninsured discount at the statement, charity or the patient flow.
        allowed_sp = np.rint(gross * self.allowed_ratio[payer]).astype(np.int64)
        events.add(CONTRACTUAL, self_pay, day=bill_day, cents=gross - allowed_sp)
        charity = self_pay & d.bernoulli("charity", n, CHARITY_RATE)
        wo_lag = d.exponential("write_off_lag", n, 1.0)  # self-pay and denied claims are disjoint
        charity_day = bill_day + 20 + _days(wo_lag * 20.0)
        events.add(WRITE_OFF, charity, day=charity_day, cents=allowed_sp, reason=CHARITY)
        sp_done, sp_wo = self._patient(
            events, patients, mask=self_pay & ~charity, due=allowed_sp, statement=bill_day, round_=0
        )
        items.add(
            "patient_statements", self_pay, opened=bill_day, closed=np.where(charity, charity_day, sp_done)
        )

        # Denied parts: appeal (or corrected claim) and maybe overturn; otherwise write off.
        appeal_rate = np.array([g.appeal_rate for g in CARC_GROUPS])[carc]
        overturn_rate = np.array([g.overturn_rate for g in CARC_GROUPS])[carc]
        appealed = denied & d.bernoulli("appealed", n, appeal_rate)
        resubmit = posted + 2 + _days(d.exponential("appeal_lag", n, APPEAL_LAG_DAYS))
        overturned = appealed & d.bernoulli("overturned", n, overturn_rate)
        adjudicated2 = resubmit + np.maximum(3, np.rint(median * 0.8 * lag2).astype(np.int64))
        posted2 = adjudicated2 + post2
        wo2 = self._settle(
            events, items, (settle, patients), payer=payer, part=denied_cents, day=posted2, round_=1,
            mask=overturned,
        )  # fmt: skip
        final_wo = denied & ~overturned
        denial_wo_day = np.where(appealed, posted2, posted + 8) + 5 + _days(wo_lag * 12.0)
        expected = np.rint(denied_cents * self.allowed_ratio[payer]).astype(np.int64)
        reason = np.array([DENIAL if g.write_off_reason == "denial" else TIMELY for g in CARC_GROUPS])[carc]
        events.add(CONTRACTUAL, final_wo, day=denial_wo_day, cents=denied_cents - expected)
        events.add(WRITE_OFF, final_wo, day=denial_wo_day, cents=expected, reason=reason)

        # Work items tied to the claim's life cycle.
        u_elig, u_elig_lag = self._pair("eligibility")
        elig = u_elig < 0.25
        elig_open = np.maximum(service - 2 - _days(-np.log(u_elig_lag) * 2.0), 0)
        handling = self._pair("item_handling")
        items.add("eligibility", elig, opened=elig_open, closed=elig_open + _days(-np.log(handling[0]) * 0.7))
        u_auth, u_auth_lag = self._pair("prior_auth")
        auth = insured & (u_auth < 0.06)
        auth_open = np.maximum(service - 7 - _days(-np.log(u_auth_lag) * 7.0), 0)
        auth_close = auth_open + 1 + _days(-np.log(handling[1]) * 4.0)
        items.add("prior_auth", auth, opened=auth_open, closed=auth_close)
        items.add("charge_entry", late, opened=service + 7, closed=charge_day)
        coded = d.bernoulli("coding", n, 0.15)
        items.add("coding", coded, opened=charge_day, closed=bill_day - 1)
        items.add("claim_submission", insured & ~clean, opened=bill_day, closed=submit)
        manual_post = insured & d.bernoulli("payment_posting", n, 0.20)
        items.add("payment_posting", manual_post, opened=adjudicated, closed=posted)
        slow = insured & (adjudicated - submit > 30)
        items.add("ar_follow_up", slow, opened=submit + 30, closed=adjudicated)
        items.add("denials", denied, opened=posted, closed=np.where(appealed, resubmit, denial_wo_day))
        corrected = np.array([g.code == "CO-16" for g in CARC_GROUPS])[carc]
        items.add("appeals", appealed & ~corrected, opened=resubmit, closed=adjudicated2)
        for wo_mask, wo_day, wo_cents in (*wo1, *wo2, *sp_wo,
                                          (final_wo, denial_wo_day, expected),
                                          (charity, charity_day, allowed_sp)):  # fmt: skip
            needs = wo_mask & (wo_cents >= APPROVAL_THRESHOLD_CENTS)
            items.add("write_off_approval", needs, opened=wo_day - 2 - (wo_cents % 5), closed=wo_day)

        claims = _Claims(
            payer=payer, team=team, self_pay=self_pay, service=service, lines=lines, gross=gross,
            bill_day=bill_day, clean=clean, submit=submit, adjudicated=adjudicated, denied=denied,
            partial=partial, denied_lines=denied_lines, denied_cents=denied_cents, carc=carc,
            appealed=appealed, resubmit=resubmit, adjudicated2=adjudicated2, overturned=overturned,
        )  # fmt: skip
        return claims, events, items

    def _settle(
        self,
        events: _Events,
        items: _Items,
        rounds: tuple[_Rounds, _Rounds],
        *,
        payer: Ints,
        part: Ints,
        day: Ints,
        round_: int,
        mask: Bools,
    ) -> WriteOffs:
        """Pay ``part`` cents of gross charges at ``day``: contractual, payer, patient, overpayment."""
        from scipy.special import ndtri  # noqa: PLC0415 - as in Draws.normal

        u, patients = rounds
        jitter = np.exp(0.05 * ndtri(u.uniform("allowed_jitter", round_)))
        allowed = np.minimum(np.rint(part * self.allowed_ratio[payer] * jitter).astype(np.int64), part)
        share = np.minimum(1.0, self.patient_share[payer] * 2.0 * u.uniform("patient_share", round_))
        patient = np.rint(allowed * share).astype(np.int64)
        events.add(CONTRACTUAL, mask, day=day, cents=part - allowed)
        over = np.where(
            u.uniform("overpaid", round_) < self.overpayment_rate[payer],
            np.rint(allowed * (0.05 + 0.25 * u.uniform("overpayment", round_))).astype(np.int64),
            0,
        )
        over = np.where(mask, over, 0)
        events.add(PAYMENT, mask, day=day, cents=allowed - patient + over)
        refund_day = day + 20 + _days(-np.log(u.uniform("refund_lag", round_)) * 25.0)
        has_over = mask & (over > 0)
        events.add(REFUND, has_over, day=refund_day, cents=over)
        items.add("credit_balances", has_over, opened=day + 5, closed=refund_day)
        owes = mask & (patient > 0)
        statement = day + 3
        done, write_offs = self._patient(
            events, patients, mask=owes, due=patient, statement=statement, round_=1 + round_
        )
        items.add("patient_statements", owes, opened=statement, closed=done)
        return write_offs

    def _patient(
        self, events: _Events, u: _Rounds, *, mask: Bools, due: Ints, statement: Ints, round_: int
    ) -> tuple[Ints, WriteOffs]:
        """The patient pays ``due`` after the statement, or it is written off; returns the closing day."""
        pays = mask & (u.uniform("patient_pays", round_) < PATIENT_PAY_RATE[round_ == 0])  # 0: self-pay
        pay_day = statement + 5 + _days(-np.log(u.uniform("patient_lag", round_)) * PATIENT_LAG_DAYS)
        events.add(PAYMENT, pays, day=pay_day, cents=due)
        unpaid = mask & ~pays
        small = unpaid & (due < SMALL_BALANCE_CENTS)
        admin = unpaid & ~small & (u.uniform("patient_default", round_) < ADMIN_SHARE)
        bad = unpaid & ~small & ~admin
        small_day, late_day = statement + 45, statement + 120
        events.add(WRITE_OFF, small, day=small_day, cents=due, reason=SMALL)
        events.add(WRITE_OFF, admin, day=late_day, cents=due, reason=ADMIN)
        events.add(WRITE_OFF, bad, day=late_day, cents=due, reason=BAD_DEBT)
        done = np.where(pays, pay_day, np.where(small, small_day, late_day))
        return done, [(admin, late_day, due), (bad, late_day, due)]

    def _transactions(self, ledger: _Ledger, claims: _Claims) -> Columns:
        claim, kind = ledger.claim, ledger.kind
        billed = np.where(claims.self_pay, claims.bill_day, claims.submit)[claim]
        billed_ok = (kind == CHARGE) & (billed < self.end)
        return {
            "claim_id": self.claim_ids[claim],
            "payer": self.payer_ids[claims.payer[claim]],
            "team": np.array(PARTIES)[claims.team[claim]],
            "service_date": self.origin + claims.service[claim],
            "posting_date": self.origin + ledger.day,
            "type": TYPES[kind],
            "amount": ledger.cents / 100.0,
            "write_off_reason": REASONS[ledger.reason],
            "billed_date": np.where(billed_ok, self.origin + billed, np.datetime64("NaT", "D")),
        }

    def _submissions(self, claims: _Claims, live: Bools) -> Columns:
        end, claim, k = self.end, np.arange(self.n, dtype=np.int64), claims
        first = live & ~k.self_pay & (k.submit < end)
        second = live & k.appealed & (k.resubmit < end)
        done1, done2 = k.adjudicated < end, k.adjudicated2 < end
        outcome1 = np.where(~done1, PENDING, np.where(k.partial, PARTIAL, np.where(k.denied, DENIED, PAID)))
        outcome2 = np.where(~done2, PENDING, np.where(k.overturned, PAID, DENIED))
        lost1, lost2 = k.denied & done1, ~k.overturned & done2

        def both(one: npt.NDArray[Any], two: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return np.concatenate([one[first], two[second]])

        rows = both(claim, claim)
        columns = {
            "seq": both(np.ones(self.n, np.int64), np.full(self.n, 2, np.int64)),
            "submitted": both(k.submit, k.resubmit),
            "lines": both(k.lines, k.denied_lines),
            "cents": both(k.gross, k.denied_cents),
            "clean": both(k.clean, np.zeros(self.n, dtype=bool)),
            "adjudicated": both(np.where(done1, k.adjudicated, -1), np.where(done2, k.adjudicated2, -1)),
            "outcome": both(outcome1, outcome2),
            "denied_lines": both(np.where(lost1, k.denied_lines, 0), np.where(lost2, k.denied_lines, 0)),
            "denied_cents": both(np.where(lost1, k.denied_cents, 0), np.where(lost2, k.denied_cents, 0)),
            "carc": both(np.where(lost1, k.carc, -1), np.where(lost2, k.carc, -1)),
        }
        order = np.argsort((columns["submitted"] * self.n + rows) * 4 + columns["seq"], kind="stable")
        rows = rows[order]
        col = {name: values[order] for name, values in columns.items()}
        codes = np.array(["", *(g.code for g in CARC_GROUPS)])
        return {
            "claim_id": self.claim_ids[rows],
            "payer": self.payer_ids[k.payer[rows]],
            "team": np.array(PARTIES)[k.team[rows]],
            "seq": col["seq"],
            "submitted_date": self.origin + col["submitted"],
            "lines": col["lines"],
            "charges": col["cents"] / 100.0,
            "clean": col["clean"],
            "adjudicated_date": np.where(
                col["adjudicated"] >= 0, self.origin + col["adjudicated"], np.datetime64("NaT", "D")
            ),
            "outcome": OUTCOMES[col["outcome"]],
            "denied_lines": col["denied_lines"],
            "denied_charges": col["denied_cents"] / 100.0,
            "carc": codes[col["carc"] + 1],
        }

    def _work_items(self, items: _Items, ledger: _Ledger, live: Bools) -> Columns:
        c = np.concatenate
        workflow, claim, opened, closed = c(items.workflow), c(items.claim), c(items.opened), c(items.closed)
        keep = np.flatnonzero((opened < self.end) & (closed >= self.first) & live[claim])
        order = keep[
            np.argsort((opened[keep] * len(WORKFLOWS) + workflow[keep]) * self.n + claim[keep], kind="stable")
        ]
        workflow, claim, opened, closed = workflow[order], claim[order], opened[order], closed[order]
        m = workflow.size
        d = self.draws
        rows = [_BY_WORKFLOW[w] for w in WORKFLOWS]
        weights = np.array([row.teams for row in rows])
        cumulative = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
        u = d.uniform("item_team", m)
        team = (u[:, None] >= cumulative[workflow, :-1]).sum(axis=1)
        touches_mean = np.array([row.touches for row in rows])[workflow]
        touches = 1 + _days(d.exponential("item_touches", m, 1.0) * touches_mean)
        escalation = np.array([row.escalation for row in rows])
        escalated = d.uniform("item_escalated", m) < escalation[workflow]
        is_closed = closed < self.end
        return {
            "item_id": item_ids(np.arange(1, m + 1, dtype=np.int64), items=m),
            "workflow": np.array(WORKFLOWS)[workflow],
            "team": np.array(PARTIES)[team],
            "opened": self.origin + opened,
            "closed": np.where(is_closed, self.origin + closed, np.datetime64("NaT", "D")),
            "touches": np.where(is_closed, touches, touches // 2),
            "escalated": escalated,
            "claim_id": self.claim_ids[claim],
            "balance": ledger.balances(claim, opened, end=self.end) / 100.0,
        }


def item_ids(numbers: Ints, *, items: int) -> npt.NDArray[np.str_]:
    """Work-item ids ``W`` + the 1-based item number, zero-padded to at least 8 digits."""
    return _fixed_width_ids("W", numbers, max(8, len(str(items))))
