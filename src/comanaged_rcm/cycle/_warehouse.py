"""The cycle's reads of a ledger that stays in its engine (:attr:`CycleData.warehouse`).

Three things the in-memory cycle computes over the ledger and the submissions are asked of the
engine here, through narwhals, so that only small results come back into Python:

- the data's range (the first and last posting dates);
- the escalation rules' claim facts at the end of each replayed period: each claim's balance
  from the transactions posted before the end, its latest adjudicated submission by ``seq``
  (a claim is denied when that one is), and the payer, for the denied claims with a balance and
  for the claims of the work items (whose queue facts read their claim's payer and balance);
- the id values that may differ only in case or surrounding space (DATA-003).

An engine has no row order, where the in-memory facts take a claim's last row. Where that
order would decide a fact, the claim is refused rather than guessed: two submissions of one
claim with the same ``seq`` both latest, or transactions of one claim naming different payers.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import operator
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from comanaged_rcm._check import show
from comanaged_rcm.cycle._data import DataDates
from comanaged_rcm.cycle._facts import _SIGN, _Facts, _text
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation import Categorical, FactKind

if TYPE_CHECKING:
    from comanaged_rcm.cycle._data import CycleData
    from comanaged_rcm.cycle._engagement import Engagement
    from comanaged_rcm.kpi import Book, LazyBook
    from comanaged_rcm.periods import Period

__all__: list[str] = []

_SHOWN = 3
"""Claims named in a refusal."""

_NEAR_CENT = 0.004
"""Below the smallest balance that rounds to a cent (0.005, whichever way halves round)."""

_WHITESPACE = "".join(chr(c) for c in range(128) if chr(c).isspace())
"""The ASCII characters ``str.strip`` removes."""


def _nw() -> Any:  # noqa: ANN401 - the module; a warehouse book has loaded it already
    return importlib.import_module("narwhals")


def _frame(book: LazyBook, table: str) -> Any:  # noqa: ANN401 - a narwhals LazyFrame
    return _nw().from_native(book.table(table))


def _day(value: object) -> datetime.date | None:
    """An engine's date (a date, or a datetime at midnight from some engines) as a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    return value if isinstance(value, datetime.date) else None


def span(book: LazyBook, table: str, columns: tuple[str, ...]) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of ``columns`` of ``table`` (``None`` when none holds a date)."""
    nw = _nw()
    present = [name for name in columns if name in book.columns(table)]
    if not present:
        return None
    frame = _frame(book, table)
    row = (
        frame.select(
            *(nw.col(n).min().alias(f"a{i}") for i, n in enumerate(present)),
            *(nw.col(n).max().alias(f"b{i}") for i, n in enumerate(present)),
        )
        .collect()
        .row(0)
    )
    firsts = [d for d in map(_day, row[: len(present)]) if d is not None]
    lasts = [d for d in map(_day, row[len(present) :]) if d is not None]
    if not firsts or not lasts:
        return None
    return min(firsts), max(lasts)


def warehouse_dates(data: CycleData) -> DataDates | None:
    """:func:`~comanaged_rcm.cycle._data.data_dates` of a cycle whose ledger is in a warehouse."""
    from comanaged_rcm.cycle._data import _span  # noqa: PLC0415 - a sibling's helper

    book = data.warehouse
    assert book is not None  # noqa: S101 - called only with one
    posted = span(book, "transactions", ("posting_date",))
    if posted is not None:
        return DataDates("transactions posted", *posted)
    spans = []
    if "submissions" in book.tables:
        found = span(book, "submissions", ("submitted_date", "adjudicated_date"))
        spans += [] if found is None else [found]
    for name in ("opened", "closed"):
        if name in data.work_items and (found := _span(data.work_items[name])) is not None:
            spans.append(found)
    if not spans:
        return None
    return DataDates("submissions and work items dated", min(s[0] for s in spans), max(s[1] for s in spans))


def case_candidates(book: LazyBook, table: str, column: str) -> npt.NDArray[np.str_]:
    """The distinct values of a text column that may differ from another only in case or space.

    Every member of every group :func:`comanaged_rcm.mapping.case_variants` would form over
    all the column's distinct values, and few others: the ASCII values whose stripped,
    lower-cased form another ASCII value shares (for ASCII text that is Python's own
    ``strip().casefold()``), every value with a character beyond ASCII, and the ASCII values
    that such a value folds into. Sorted, as numpy sorts text.
    """
    nw = _nw()
    if table not in book.tables or column not in book.columns(table):
        return np.zeros(0, dtype="<U1")
    text = nw.col(column)
    distinct = _frame(book, table).select(text.fill_null("")).unique()
    key = text.str.strip_chars(_WHITESPACE).str.to_lowercase()
    plain = text.str.contains("^[\\x00-\\x7f]*$")
    keyed = distinct.with_columns(key.alias("__key__"), plain.alias("__plain__"))
    shared = (
        keyed.filter(nw.col("__plain__"))
        .group_by("__key__")
        .agg(nw.col(column).n_unique().alias("__n__"))
        .filter(nw.col("__n__") > 1)
        .select("__key__")
    )
    grouped = keyed.join(shared, on="__key__", how="inner").select(column).collect()
    wide = keyed.filter(~nw.col("__plain__")).select(column).collect()
    found = [str(v) for v in grouped.get_column(column).to_list()]
    beyond = [str(v) for v in wide.get_column(column).to_list()]
    folds = sorted({f for v in beyond if (f := v.strip().casefold()).isascii() and f})
    if folds:
        joined = keyed.filter(nw.col("__plain__") & nw.col("__key__").is_in(folds)).select(column).collect()
        found += [str(v) for v in joined.get_column(column).to_list()]
    return np.unique(np.array([*found, *beyond], dtype=str)) if found or beyond else np.zeros(0, dtype="<U1")


def _dates(values: npt.NDArray[Any]) -> npt.NDArray[np.datetime64]:
    """An engine's dates (datetime64, or objects: dates, datetimes, ``None``) as days, NaT for none."""
    if values.dtype.kind == "M":
        return values.astype("datetime64[D]")
    days = [np.datetime64("NaT") if (d := _day(v)) is None else np.datetime64(d, "D") for v in values]
    return np.array(days, dtype="datetime64[D]")


class _LazyFacts(_Facts):
    """:class:`_Facts` whose claim facts are asked of the warehouse, all periods in one query.

    :meth:`prepare` asks for every replayed period's end at once. Queue items come from the work
    items in memory, as for :class:`_Facts`; their claim's payer and balance from the engine's
    rows for those claims; the KPI rows from the lazy book.
    """

    def __init__(self, engagement: Engagement, data: CycleData) -> None:
        from types import MappingProxyType  # noqa: PLC0415 - as the parent keeps them

        book = data.warehouse
        assert book is not None  # noqa: S101 - built only for one
        nw = _nw()
        self.engagement, self.book = engagement, book  # type: ignore[assignment] # evaluate takes both
        self.cards = MappingProxyType({})
        self.items = items = data.work_items
        tx = _frame(book, "transactions")
        self._ledger_rows = int(tx.select(nw.len().alias("n")).collect().item(0, 0))
        self._subs = _frame(book, "submissions") if "submissions" in book.tables else None
        self._tx = tx
        self.item_code = None
        self._item_claims: Any = None  # the items' distinct claim ids, in the engine
        self._cache: dict[datetime.date, dict[str, Any]] = {}  # the claims read at each period's end
        if items:
            from comanaged_rcm.kpi._book import _factorize  # noqa: PLC0415 - as the parent codes them

            workflows, workflow_code = _factorize(np.asarray(items["workflow"]))
            actions, action_code = np.unique(
                np.where(workflows == "write_off_approval", "write_off", workflows), return_inverse=True
            )
            self.actions, self.action_code = actions, action_code.reshape(-1)[workflow_code]
            self.worked = np.where(np.isnat(items["closed"]), items["opened"], items["closed"])
            if "claim_id" in items and self._ledger_rows:  # the items are the book's (from_warehouse)
                claim = nw.col("claim_id")
                self._item_claims = (
                    _frame(book, "work_items")
                    .filter(~claim.is_null() & (claim.cast(nw.String) != ""))
                    .select(claim.cast(nw.String), nw.lit(1, dtype=nw.Int32).alias("__item__"))
                    .unique(["claim_id"])
                )

    def prepare(self, periods: Iterable[Period]) -> None:
        """Ask the engine, in one query, for the claims the facts at the end of each of ``periods`` read."""
        ends = sorted({p.end for p in periods} - self._cache.keys())
        if ends:
            self._cache.update(self._rows(ends))

    def _rows(self, ends: Sequence[datetime.date]) -> dict[datetime.date, dict[str, Any]]:
        """The claims the facts at each of ``ends`` read, sorted by id: balance, payer, denied, touched.

        One query: a column per end of each claim's balance and of its latest adjudicated
        submission's outcome, day and ties, for the claims denied with a balance at some end or
        named by a work item.
        """
        nw = _nw()
        kinds = nw.col("type")
        sign = nw.lit(0.0)
        for kind, value in _SIGN.items():
            sign = nw.when(kinds == kind).then(nw.lit(value)).otherwise(sign)
        signed = nw.col("amount") * sign
        ledger = self._tx.group_by("claim_id").agg(
            *[
                nw.when(nw.col("posting_date") < nw.lit(end)).then(signed).otherwise(0.0).sum().alias(f"b{k}")
                for k, end in enumerate(ends)
            ],
            nw.col("payer").fill_null("").max().alias("__payer__"),
            nw.col("payer").fill_null("").n_unique().alias("__payers__"),
        )
        wanted = []
        per_end = ("__denied__", "__touched__", "__first__", "__all_denied__", "__ties__", "__seq__")
        if self._subs is not None:
            adjudicated, denied = nw.col("adjudicated_date"), (nw.col("outcome") == "denied").cast(nw.Int32)
            done = [(adjudicated < nw.lit(end)).fill_null(value=False) for end in ends]
            latest = self._subs.group_by("claim_id").agg(
                *[nw.when(d).then(nw.col("seq")).max().alias(f"s{k}") for k, d in enumerate(done)]
            )
            picked = [
                (d & (nw.col("seq") == nw.col(f"s{k}"))).fill_null(value=False) for k, d in enumerate(done)
            ]
            found = (
                self._subs.join(latest, on="claim_id", how="inner")
                .group_by("claim_id")
                .agg(
                    *[
                        part
                        for k, p in enumerate(picked)
                        for part in (
                            nw.when(p).then(denied).max().alias(f"__denied__{k}"),
                            nw.when(p).then(adjudicated).max().alias(f"__touched__{k}"),
                            nw.when(p).then(adjudicated).min().alias(f"__first__{k}"),
                            nw.when(p).then(denied).min().alias(f"__all_denied__{k}"),
                            p.cast(nw.Int32).sum().alias(f"__ties__{k}"),
                            nw.col(f"s{k}").max().alias(f"__seq__{k}"),
                        )
                    ]
                )
            )
            ledger = ledger.join(found, on="claim_id", how="left")
            # a balance of a cent or more after rounding; the exact test is made on the rows found
            wanted += [
                (nw.col(f"__denied__{k}") == 1) & (nw.col(f"b{k}") > _NEAR_CENT) for k in range(len(ends))
            ]
        if self._item_claims is not None:  # a join in the engine, not a list of ids in the query
            ledger = ledger.join(self._item_claims, on="claim_id", how="left")
            wanted.append(nw.col("__item__") == 1)
        if not wanted:  # no submission to deny a claim, no item to read one: no claim is read
            text, number = np.zeros(0, dtype="<U1"), np.zeros(0)
            empty = {"claim_id": text, "__payer__": text, "__balance__": number, "__payers__": number}
            return dict.fromkeys(ends, empty)
        result = ledger.filter(functools.reduce(operator.or_, wanted).fill_null(value=False)).collect()
        ids = np.asarray(result.get_column("claim_id").to_numpy()).astype(str)
        order = np.argsort(ids, kind="stable")

        def column(name: str) -> npt.NDArray[Any]:
            return np.asarray(result.get_column(name).to_numpy())[order]

        shared = {
            "claim_id": ids[order],
            "__payer__": column("__payer__").astype(str),
            "__payers__": column("__payers__"),
        }
        out = {}
        for k, end in enumerate(ends):
            rows = dict(shared)
            rows["__balance__"] = np.round(column(f"b{k}").astype(np.float64), 2) + 0.0
            if self._subs is not None:
                rows |= {name: column(f"{name}{k}") for name in per_end}
            out[end] = rows
        return out

    def _denied(self, rows: dict[str, Any], end: datetime.date) -> npt.NDArray[np.bool_]:
        """The rows of denied claims with a balance; a claim whose facts rest on row order refused."""
        if "__denied__" not in rows:
            return np.zeros(len(rows["claim_id"]), dtype=bool)
        denied: npt.NDArray[np.bool_] = np.nan_to_num(np.asarray(rows["__denied__"], dtype=np.float64)) == 1
        denied &= rows["__balance__"] > 0
        ties = np.nan_to_num(np.asarray(rows["__ties__"], dtype=np.float64))
        first, last = rows["__first__"], rows["__touched__"]
        same = (np.nan_to_num(np.asarray(rows["__all_denied__"], dtype=np.float64)) == 1) & (
            _dates(np.asarray(first)) == _dates(np.asarray(last))
        )
        issues = []
        doubtful = np.flatnonzero(denied & (ties > 1) & ~same)
        if len(doubtful):
            shown = ", ".join(
                f"{show(str(rows['claim_id'][i]))} (seq {int(rows['__seq__'][i])})" for i in doubtful[:_SHOWN]
            )
            more = f" and {len(doubtful) - _SHOWN:,} more" if len(doubtful) > _SHOWN else ""
            message = (
                f"{len(doubtful):,} claims have two or more latest submissions adjudicated before {end}"
                f" under one seq, with different outcomes or dates: {shown}{more}; the engine keeps no"
                " row order to choose one: number each claim's submissions apart"
            )
            issues.append(Issue("$.submissions.seq", "duplicate", message))
        many = np.flatnonzero(np.asarray(rows["__payers__"], dtype=np.int64) > 1)
        if len(many):
            shown = ", ".join(show(str(rows["claim_id"][i])) for i in many[:_SHOWN])
            more = f" and {len(many) - _SHOWN:,} more" if len(many) > _SHOWN else ""
            message = (
                f"{len(many):,} claims name more than one payer in the ledger: {shown}{more}; the engine"
                " keeps no row order to choose one: give each claim its one payer"
            )
            issues.append(Issue("$.transactions.payer", "value", message))
        if issues:
            raise ValidationError(issues)
        return denied

    def at(self, period: Period) -> dict[FactKind, Any]:
        end_day = period.end
        end = np.datetime64(end_day, "D")
        if end_day not in self._cache:
            self.prepare([period])
        rows = self._cache[end_day]
        denied = self._denied(rows, end_day)
        claims = rows["claim_id"]
        names, payer_code = np.unique(rows["__payer__"], return_inverse=True)
        self.payer_names, self.payer_code = names, payer_code.reshape(-1)
        balance = rows["__balance__"]
        self.claims = claims
        if self.items and "claim_id" in self.items and self._ledger_rows:
            item_ids = np.asarray(self.items["claim_id"], dtype=str)
            at = np.clip(np.searchsorted(claims, item_ids), 0, max(len(claims) - 1, 0))
            known = (claims[at] == item_ids) if len(claims) else np.zeros(len(item_ids), dtype=bool)
            self.item_code = np.where(known, at, -1)
        return {
            FactKind.CLAIM: self._claim_facts(end, rows, denied),
            FactKind.QUEUE_ITEM: self.queue_facts(end, balance),
            FactKind.KPI_ROW: self.kpi_facts(period),
        }

    def _claim_facts(
        self, end: np.datetime64, rows: dict[str, Any], denied: npt.NDArray[np.bool_]
    ) -> dict[str, Any]:
        """:meth:`_Facts.claim_facts` from the engine's rows."""
        picked = np.flatnonzero(denied)
        touched = _dates(rows["__touched__"][picked]) if len(picked) else np.zeros(0, dtype="datetime64[D]")
        touched = self.worked_on(picked, touched, end)
        return {
            "claim_id": rows["claim_id"][picked],
            "payer": _text(self.payer_code[picked], self.payer_names),
            "status": Categorical(np.zeros(len(picked), dtype=np.intp), np.array(["denied"])),
            "balance": rows["__balance__"][picked],
            "last_touched": touched,
        }


def facts_of(engagement: Engagement, data: CycleData, book: Book) -> _Facts:
    """The escalation facts of ``data``: asked of its warehouse when it has one, else in memory."""
    if data.warehouse is not None:
        return _LazyFacts(engagement, data)
    return _Facts(engagement, data, book)


def dates_of(data: CycleData) -> DataDates | None:
    """The data's range (:func:`~comanaged_rcm.cycle._data.data_dates`), asked of its warehouse if any."""
    from comanaged_rcm.cycle._data import data_dates  # noqa: PLC0415 - a sibling's helper

    if data.warehouse is not None:
        return warehouse_dates(data)
    return data_dates(
        {"transactions": data.transactions, "submissions": data.submissions, "work_items": data.work_items}
    )
