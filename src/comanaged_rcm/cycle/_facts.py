"""The escalation rules' facts: claims, queue items and KPI rows at the end of each replayed period.

Vectorized over the provider's tables: tables join on integer codes, and text facts go to the
rules as :class:`~comanaged_rcm.escalation.Categorical` codes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from comanaged_rcm.cycle._data import Columns, CycleData
from comanaged_rcm.cycle._engagement import Engagement
from comanaged_rcm.escalation import Categorical, FactKind
from comanaged_rcm.kpi import Book, Scorecard, evaluate
from comanaged_rcm.kpi._book import _factorize
from comanaged_rcm.kpi._conventions import resolve
from comanaged_rcm.periods import Period

__all__: list[str] = []

_SIGN = {"charge": 1.0, "refund": 1.0, "payment": -1.0, "contractual_adjustment": -1.0, "write_off": -1.0}


def _day(value: datetime.date) -> np.datetime64:
    return np.datetime64(value, "D")


def _window(engagement: Engagement, period: Period) -> Period:
    """The ``kpi_window`` periods ending with ``period``, as one period."""
    return Period(engagement.cadence.periods_ending(period.end, engagement.kpi_window)[0].start, period.end)


def _metrics(engagement: Engagement) -> tuple[str, ...]:
    """The KPIs the escalation rules see."""
    return (*engagement.outcomes, *engagement.drivers, *engagement.activity)


def _reusable(engagement: Engagement, card: Scorecard) -> bool:
    """Whether ``card`` is what :meth:`_Facts.kpi_facts` evaluates for its window.

    The same slices, the same KPIs and the book's conventions as the engagement resolves them;
    another scorecard is not used (the window is evaluated instead).
    """
    return (
        card.by == tuple(engagement.escalation_slices)
        and sorted(m.id for m in card.metrics) == sorted(_metrics(engagement))
        and card.conventions == tuple(c.id for c in resolve(engagement.conventions, "$.conventions").values())
    )


def _open_at(items: Columns, end: np.datetime64) -> npt.NDArray[np.bool_]:
    closed = items["closed"]
    return (items["opened"] < end) & (np.isnat(closed) | (closed >= end))


_OPEN_STATUS = np.array(["open"])


def _position(uniques: npt.NDArray[np.str_], value: str) -> int:
    """The index of ``value`` among sorted distinct ``uniques``; -1 when it is not one of them."""
    at = int(np.searchsorted(uniques, value))
    return at if at < len(uniques) and uniques[at] == value else -1


def _claim_codes(
    claims: npt.NDArray[np.str_], uniques: npt.NDArray[np.str_], inverse: npt.NDArray[np.intp]
) -> npt.NDArray[np.intp]:
    """Each row's code among the ledger's sorted distinct ``claims`` (-1: not in the ledger).

    ``uniques`` and ``inverse`` code the rows' own claim ids (sorted distinct ids, as
    :meth:`~comanaged_rcm.kpi.Book.codes` gives them). The two sorted arrays are merged by one
    stable sort of the two end to end (which finds the two runs and merges them in one pass):
    each of ``uniques`` lands after the ledger ids not greater than it, the last of which is
    its match when it has one.
    """
    merged = np.concatenate([claims, uniques]).argsort(kind="stable")
    ours = merged >= len(claims)
    at = np.maximum(np.cumsum(~ours)[ours] - 1, 0)  # ours in order: the i-th is uniques[i]
    found = np.where(claims[at] == uniques, at, -1)
    codes: npt.NDArray[np.intp] = found[inverse]
    return codes


class _Packed:
    """Text ids as 64-bit keys in string order, when their characters fit (else ``None``).

    Each string's code points are packed first-most-significant at the bits of the largest
    code point of ``claims`` and the rows looked up, so distinct strings get distinct keys and
    sorted strings sorted keys. Looking rows up among the ledger's ids then compares integers.
    """

    def __init__(self, claims: npt.NDArray[np.str_], width: int, bits: int) -> None:
        self.width, self.bits = width, np.uint64(bits)
        self.keys = self.of(claims)

    @classmethod
    def make(cls, claims: npt.NDArray[np.str_], *others: npt.NDArray[np.str_]) -> _Packed | None:
        """Keys for ``claims`` able to hold ``others`` too; ``None`` when they need over 64 bits."""
        arrays = (claims, *others)
        if not len(claims) or any(a.dtype.kind != "U" for a in arrays):
            return None
        width = max(1, *(a.dtype.itemsize // 4 for a in arrays))
        bits = max(1, *(int(_grid(a, width).max()).bit_length() for a in arrays if a.size))
        return cls(claims, width, bits) if width * bits <= 64 else None

    def of(self, values: npt.NDArray[np.str_]) -> npt.NDArray[np.uint64]:
        """Each string's key (its code points must fit the packing's width and bits)."""
        grid = _grid(values, self.width)
        keys = grid[:, 0].astype(np.uint64)
        for column in grid.T[1:]:
            keys <<= self.bits
            keys |= column
        return keys

    def codes(self, values: npt.NDArray[np.str_], *, ordered: bool = False) -> npt.NDArray[np.intp]:
        """Each row's index among the ledger's ids, -1 where the ledger lacks it.

        The rows are looked up in key order (a stable sort of rows mostly in order already is
        one pass), unless ``ordered`` says they are sorted.
        """
        keys = self.of(values)
        order = None if ordered else np.argsort(keys, kind="stable")
        wanted = keys if order is None else keys[order]
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        found = np.where(self.keys[at] == wanted, at, -1)
        if order is None:
            return found
        codes = np.empty(len(keys), dtype=np.intp)
        codes[order] = found
        return codes


def _by_claim_and_seq(
    code: npt.NDArray[np.intp], seq: npt.NDArray[np.int64], claims: int
) -> npt.NDArray[np.intp]:
    """``np.lexsort((seq, code))``: rows by claim code, then seq, ties in row order.

    When every ``code * span + seq`` fits in 64 bits, one stable sort of that key (rows mostly
    in order already make it one pass); else the lexsort itself.
    """
    if not len(code):
        return np.zeros(0, dtype=np.intp)
    low, high = int(seq.min()), int(seq.max())
    span = high - low + 1
    if (claims + 1) * span >= 2**62:
        return np.lexsort((seq, code))
    key = code.astype(np.int64) * span + (seq.astype(np.int64) - low)
    order: npt.NDArray[np.intp] = np.argsort(key, kind="stable")
    return order


def _grid(values: npt.NDArray[np.str_], width: int) -> npt.NDArray[np.uint32]:
    """The strings' code points, one row of ``width`` per string (shorter ones padded with 0)."""
    values = np.ascontiguousarray(values, dtype=f"=U{width}")
    grid: npt.NDArray[np.uint32] = values.view(np.uint32).reshape(values.size, width)
    return grid


def _text(
    codes: npt.NDArray[np.intp], categories: npt.NDArray[np.str_]
) -> Categorical | npt.NDArray[np.str_]:
    """A text fact as codes into its categories, or as its strings where a row has no value.

    A row without a value (code -1, or the empty category) is missing to the rules either way,
    but a message shows a missing cell of a :class:`~comanaged_rcm.escalation.Categorical` as
    ``None`` and one of a text array as the empty string: such a column goes as strings.
    """
    blank = categories == ""
    if len(codes) and (codes.min() < 0 or (blank.any() and blank[codes].any())):
        strings: npt.NDArray[np.str_] = np.append(categories, "")[codes]
        return strings
    return Categorical(codes, categories)


class _Facts:
    """Claim, queue-item and KPI-row facts at the end of each replayed period (vectorized).

    Tables join on integer codes: the Book's codes of each table's claim ids, one table's
    distinct ids found among the ledger's once, and each row's code read off its inverse. Text
    facts go to the rules as :class:`~comanaged_rcm.escalation.Categorical` codes, so a rule
    compares them by code.
    """

    cards: Mapping[Period, Scorecard] = MappingProxyType({})
    """Scorecards given for some KPI windows (none unless given)."""

    def __init__(
        self, engagement: Engagement, data: CycleData, book: Book, scorecards: Iterable[Scorecard] = ()
    ) -> None:
        self.engagement, self.book = engagement, book
        # scorecards already computed for some KPI windows: used where they are what kpi_facts computes
        self.cards = MappingProxyType({c.period: c for c in scorecards if _reusable(engagement, c)})
        tx, subs, items = data.transactions, data.submissions, data.work_items
        self.items = items
        # the KPI engine has coded the text columns already (Book.codes caches them)
        self.claims: npt.NDArray[np.str_] = np.array([], dtype=str)
        self.tx_code: npt.NDArray[np.intp] = np.array([], dtype=np.intp)
        self.tx_day: npt.NDArray[np.datetime64] = np.array([], dtype="datetime64[D]")
        self.tx_signed: npt.NDArray[np.float64] = np.array([], dtype=np.float64)
        self.payer_names: npt.NDArray[np.str_] = np.array([], dtype=str)
        self.payer_code: npt.NDArray[np.intp] = np.array([], dtype=np.intp)
        if tx:
            self.claims, self.tx_code = book.codes("transactions", "claim_id")
            kinds, kind_code = book.codes("transactions", "type")
            signs = np.array([_SIGN.get(str(k), 0.0) for k in kinds])
            self.tx_day = tx["posting_date"]
            self.tx_signed = np.asarray(tx["amount"], dtype=np.float64) * signs[kind_code]
            self.payer_names, payer_code = book.codes("transactions", "payer")
            self.payer_code = np.zeros(len(self.claims), dtype=np.intp)
            self.payer_code[self.tx_code] = payer_code
        n = len(self.claims)
        self.subs = subs
        self.outcomes, self.denied = np.array(["denied"]), -1  # -1: no claim is denied
        sub_claims = book.codes("submissions", "claim_id") if subs and n else None
        # the items' distinct claim ids (np.unique's, without sorting the rows), each looked up once
        item_claims = (
            _factorize(np.asarray(items["claim_id"])) if items and "claim_id" in items and n else None
        )
        looked_up = [coded[0] for coded in (sub_claims, item_claims) if coded is not None]
        packed = _Packed.make(self.claims, *looked_up) if looked_up else None
        if sub_claims is not None:
            uniques, inverse = sub_claims
            if packed is None:
                self.sub_code = _claim_codes(self.claims, uniques, inverse)
            else:
                self.sub_code = packed.codes(uniques, ordered=True)[inverse]
            outcomes, outcome_code = book.codes("submissions", "outcome")
            # each claim's submissions by seq, the ones of claims the ledger lacks left out
            order = _by_claim_and_seq(self.sub_code, subs["seq"], n)
            self.sub_order = order[self.sub_code[order] >= 0]
            self.sub_sorted = self.sub_code[self.sub_order]  # each claim's submissions together, by seq
            self.sub_day = subs["adjudicated_date"][self.sub_order]  # NaT (not adjudicated) sorts last
            self.sub_outcome = outcome_code[self.sub_order]
            self.outcomes, self.denied = outcomes, _position(outcomes, "denied")
        self.item_code: npt.NDArray[np.intp] | None = None
        if items:
            workflows, workflow_code = book.codes("work_items", "workflow")
            actions, action_code = np.unique(
                np.where(workflows == "write_off_approval", "write_off", workflows), return_inverse=True
            )
            self.actions, self.action_code = actions, action_code.reshape(-1)[workflow_code]
            self.worked = np.where(np.isnat(items["closed"]), items["opened"], items["closed"])
            if item_claims is not None:
                uniques, inverse = item_claims
                if packed is None:
                    self.item_code = _claim_codes(self.claims, uniques, inverse)
                else:
                    self.item_code = packed.codes(uniques, ordered=True)[inverse]

    def prepare(self, periods: Iterable[Period]) -> None:
        """Get ready to give the facts at the end of each of ``periods`` (in memory: nothing to do)."""

    def balances(self, end: np.datetime64) -> npt.NDArray[np.float64]:
        """Each claim's balance from the transactions posted before ``end``.

        A transaction posted later adds zero in its place, which leaves every sum as the posted
        ones alone make it (no copy of the posted rows). Each balance is rounded to cents: a
        paid-off claim's sum of amounts in cents is zero, not the 1e-14 that adding the doubles
        in some order leaves (which would count it as still owed, and differ between engines).
        """
        weights = np.where(self.tx_day < end, self.tx_signed, 0.0)
        sums = np.bincount(self.tx_code, weights=weights, minlength=len(self.claims))
        owed = np.round(sums.astype(np.float64, copy=False), 2)
        return np.add(owed, 0.0, dtype=np.float64)  # + 0.0: no negative zero

    def claim_facts(self, end: np.datetime64, balance: npt.NDArray[np.float64]) -> dict[str, Any]:
        """The denied claims with a balance at ``end``: each claim's highest adjudicated submission."""
        n = len(self.claims)
        denied = np.zeros(n, dtype=bool)
        last = np.full(n, -1, dtype=np.intp)  # each claim's latest adjudicated submission (-1: none)
        if self.subs and n:
            done = np.flatnonzero(self.sub_day < end)  # NaT compares False
            code = self.sub_sorted[done]
            latest = np.append(code[1:] != code[:-1], True) if len(code) else np.zeros(0, dtype=bool)
            code, picked = code[latest], done[latest]
            last[code] = picked
            if self.denied >= 0:
                denied[code[self.sub_outcome[picked] == self.denied]] = True
        rows = np.flatnonzero(denied & (balance > 0))
        touched = np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[D]")
        if len(rows):  # a denied claim has an adjudicated submission: the latest one's day
            touched[:] = self.sub_day[last[rows]]
        touched = self.worked_on(rows, touched, end)
        return {
            "claim_id": self.claims[rows],
            "payer": _text(self.payer_code[rows], self.payer_names),
            "status": _text(np.full(len(rows), self.denied, dtype=np.intp), self.outcomes),
            "balance": balance[rows],
            "last_touched": touched,
        }

    def worked_on(
        self, rows: npt.NDArray[np.intp], touched: npt.NDArray[np.datetime64], end: np.datetime64
    ) -> npt.NDArray[np.datetime64]:
        """``touched`` of the claims ``rows``, or the later day one of their items was worked."""
        if self.item_code is None or not len(rows):
            return touched
        slot = np.full(len(self.claims) + 1, -1, dtype=np.intp)  # the last slot is that of code -1 (no claim)
        slot[rows] = np.arange(len(rows))
        at = slot[self.item_code]
        keep = (at >= 0) & (self.worked < end)
        days = np.where(np.isnat(touched), np.iinfo(np.int64).min, touched.astype(np.int64))
        np.maximum.at(days, at[keep], self.worked[keep].astype(np.int64))
        return np.where(days == np.iinfo(np.int64).min, np.datetime64("NaT"), days.astype("datetime64[D]"))

    def queue_facts(self, end: np.datetime64, balance: npt.NDArray[np.float64]) -> dict[str, Any]:
        """The work items open at ``end``, with their claim's payer and balance where it is known."""
        items = self.items
        if not items:
            return {"item_id": np.array([], dtype=str)}
        rows = np.flatnonzero(_open_at(items, end))
        facts: dict[str, Any] = {
            "item_id": items["item_id"][rows],
            "status": _text(np.zeros(len(rows), dtype=np.intp), _OPEN_STATUS),
            "action": _text(self.action_code[rows], self.actions),
            "last_touched": items["opened"][rows],
        }
        code = None if self.item_code is None else self.item_code[rows]
        if code is not None:
            known = code >= 0
            facts["claim_id"] = items["claim_id"][rows]
            facts["payer"] = _text(
                np.where(known, self.payer_code[np.maximum(code, 0)], -1), self.payer_names
            )
        else:  # an activity export without claim ids: no item's claim or payer is known
            facts["claim_id"] = np.full(len(rows), "")
            facts["payer"] = np.full(len(rows), "")
        if "balance" in items:
            facts["balance"] = items["balance"][rows]
        elif code is not None:
            facts["balance"] = np.where(code >= 0, balance[np.maximum(code, 0)], np.nan)
        else:  # no balance known: missing on every item (the amount at stake is not known)
            facts["balance"] = np.full(len(rows), np.nan)
        return facts

    def kpi_facts(self, period: Period) -> dict[str, Any]:
        """The KPI rows of the window ending with ``period``: a given scorecard of it, else evaluated."""
        engagement = self.engagement
        given = self.cards.get(_window(engagement, period))
        if given is not None:
            return given.to_columns()
        card = evaluate(
            self.book,
            _window(engagement, period),
            by=engagement.escalation_slices,
            conventions=engagement.conventions,
            metrics=_metrics(engagement),
        )
        return card.to_columns()

    def at(self, period: Period) -> dict[FactKind, Any]:
        end = _day(period.end)
        balance = self.balances(end)
        return {
            FactKind.CLAIM: self.claim_facts(end, balance),
            FactKind.QUEUE_ITEM: self.queue_facts(end, balance),
            FactKind.KPI_ROW: self.kpi_facts(period),
        }
