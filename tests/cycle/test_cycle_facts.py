"""The escalation facts of ``run_cycle``, joined on integer codes, against a plain string join.

The reference below joins the tables on claim-id strings, row by row, and keeps text facts as
text arrays: the straightforward reading of the facts' definitions. The cycle's facts, replay
and whole report must be the same with either.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest

from comanaged_rcm.cycle import (
    CycleData,
    Engagement,
    EscalationLine,
    _escalate,
    _facts,
    _run,
    default_engagement,
    render_json,
    run_cycle,
)
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.escalation import Categorical, Event, FactKind, State, step
from comanaged_rcm.kpi import Book, evaluate
from comanaged_rcm.periods import Period
from comanaged_rcm.serialize import to_dict
from comanaged_rcm.synthetic import SyntheticBook, generate_book


class _Reference(_facts._Facts):
    """The facts by string joins: each claim's latest adjudicated submission, found row by row."""

    def __init__(self, engagement: Engagement, data: CycleData, book: Book) -> None:
        self.engagement, self.book, self.data = engagement, book, data
        tx = data.transactions
        self.claims = np.unique(tx["claim_id"]) if tx else np.array([], dtype=str)
        self.index = {str(c): i for i, c in enumerate(self.claims)}
        sign = {"charge": 1.0, "refund": 1.0}
        self.payer = {}
        for claim, payer in zip(tx.get("claim_id", []), tx.get("payer", []), strict=True):
            self.payer[str(claim)] = str(payer)  # the last row's payer
        self.signed = [
            (self.index[str(c)], d, float(a) * sign.get(str(k), -1.0))
            for c, d, a, k in zip(
                tx.get("claim_id", []),
                tx.get("posting_date", []),
                tx.get("amount", []),
                tx.get("type", []),
                strict=True,
            )
        ]

    def balances(self, end: np.datetime64) -> npt.NDArray[np.float64]:
        """Exact sums of the amounts (decimal), to the cent: a paid-off claim owes 0, not 1e-14."""
        sums = [decimal.Decimal(0)] * len(self.claims)
        for code, day, amount in self.signed:
            if day < end:
                sums[code] += decimal.Decimal(repr(float(amount)))
        return np.array([float(x.quantize(decimal.Decimal("0.01"))) for x in sums], dtype=np.float64)

    def claim_facts(self, end: np.datetime64, balance: npt.NDArray[np.float64]) -> dict[str, Any]:
        subs, items = self.data.submissions, self.data.work_items
        latest: dict[str, tuple[int, int]] = {}  # claim -> (seq, row) of its highest adjudicated submission
        for row, (claim, seq, day) in enumerate(
            zip(subs.get("claim_id", []), subs.get("seq", []), subs.get("adjudicated_date", []), strict=True)
        ):
            known = str(claim) in self.index and not np.isnat(day) and day < end
            if known and (str(claim) not in latest or int(seq) >= latest[str(claim)][0]):
                latest[str(claim)] = (int(seq), row)  # a tie goes to the later row
        denied = sorted(
            self.index[c]
            for c, (_, row) in latest.items()
            if subs["outcome"][row] == "denied" and balance[self.index[c]] > 0
        )
        touched = {code: subs["adjudicated_date"][latest[str(self.claims[code])][1]] for code in denied}
        for claim, opened, closed in zip(
            items.get("claim_id", []), items.get("opened", []), items.get("closed", []), strict=True
        ):
            worked = opened if np.isnat(closed) else closed
            code = self.index.get(str(claim))
            if code in touched and worked < end and (np.isnat(touched[code]) or worked > touched[code]):
                touched[code] = worked
        return {
            "claim_id": self.claims[denied],
            "payer": np.array([self.payer[str(self.claims[c])] for c in denied], dtype=str),
            "status": np.full(len(denied), "denied"),
            "balance": balance[denied],
            "last_touched": np.array([touched[c] for c in denied], dtype="datetime64[D]"),
        }

    def queue_facts(self, end: np.datetime64, balance: npt.NDArray[np.float64]) -> dict[str, Any]:
        items = self.data.work_items
        rows = np.flatnonzero(_facts._open_at(items, end))
        workflow = items["workflow"][rows]
        claims = items["claim_id"][rows]
        codes = [self.index.get(str(c), -1) for c in claims]
        facts = {
            "item_id": items["item_id"][rows],
            "status": np.full(len(rows), "open"),
            "action": np.where(workflow == "write_off_approval", "write_off", workflow),
            "last_touched": items["opened"][rows],
            "claim_id": claims,
            "payer": np.array([self.payer.get(str(c), "") for c in claims], dtype=str),
        }
        if "balance" in items:
            facts["balance"] = items["balance"][rows]
        else:
            facts["balance"] = np.array([balance[c] if c >= 0 else np.nan for c in codes])
        return facts


def _decoded(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v.decode() if isinstance(v, Categorical) else v for k, v in facts.items()}


def _assert_same_facts(ours: dict[str, Any], reference: dict[str, Any]) -> None:
    assert sorted(ours) == sorted(reference)
    for name, column in _decoded(ours).items():
        expected = reference[name]
        assert len(column) == len(expected), name
        assert column.dtype.kind == expected.dtype.kind, name
        np.testing.assert_array_equal(column, expected, err_msg=name)


def _engagement() -> Engagement:
    """The default engagement with two more rules, reading every text fact of claims and queue items."""
    engagement = default_engagement()
    defaults = {rule.id: rule for rule in engagement.rules.rules}
    extra = (
        attrs.evolve(
            defaults["write_off_over_limit"],
            id="write_off_any",
            when="action == 'write_off' and status == 'open' and balance > 0 and payer != 'medicare'",
        ),
        attrs.evolve(
            defaults["high_dollar_denial"],
            id="denial_any",
            when="status == 'denied' and balance > 100 and payer != 'self_pay'",
        ),
    )
    return attrs.evolve(
        engagement, rules=attrs.evolve(engagement.rules, rules=(*engagement.rules.rules, *extra))
    )


def _replayed(book: SyntheticBook) -> tuple[Period, ...]:
    engagement = default_engagement()
    period = engagement.cadence.periods_ending(book.period.end, engagement.trend_periods)[-1]
    return engagement.cadence.periods_ending(period.end, engagement.escalation_periods)


def _events(facts: _facts._Facts, periods: tuple[Period, ...]) -> list[dict[str, Any]]:
    engagement = _engagement()
    state, found = State(), list[Event]()
    for period in periods:
        now = datetime.datetime.combine(period.end, datetime.time(0, 0), tzinfo=datetime.UTC)
        state, events = step(engagement.rules.rules, state, facts.at(period), now, directory=engagement.split)
        found.extend(events)
    return [to_dict(e) for e in found]


def _unjoined(book: SyntheticBook) -> CycleData:
    """The book's tables with ids the ledger lacks: on some work items, and on some submissions."""
    items = dict(book.work_items)
    claims = items["claim_id"].copy()
    claims[::7] = np.char.add("X", claims[::7])  # a claim the ledger does not hold
    items["claim_id"] = claims
    items.pop("balance", None)  # each item's balance then comes from its claim, if known
    subs = dict(book.submissions)
    sub_claims = subs["claim_id"].copy()
    sub_claims[::11] = np.char.add(sub_claims[::11], "0")
    subs["claim_id"] = sub_claims
    data = CycleData.from_synthetic(book)
    return CycleData(
        transactions=book.transactions,
        submissions=subs,
        work_items=items,
        auditor=data.auditor,
        source="unjoined",
    )


@pytest.fixture(scope="module", params=[(3, 20_000), (11, 60_000)], ids=["seed3-20k", "seed11-60k"])
def book(request: pytest.FixtureRequest) -> SyntheticBook:
    seed, claims = request.param
    return generate_book(seed=seed, claims=claims)


def test_facts_match_the_string_join(book: SyntheticBook) -> None:
    data = CycleData.from_synthetic(book)
    kpi_book = data.book()
    ours, reference = (
        _facts._Facts(default_engagement(), data, kpi_book),
        _Reference(default_engagement(), data, kpi_book),
    )
    for period in _replayed(book):
        end = _facts._day(period.end)
        balance = ours.balances(end)
        np.testing.assert_array_equal(balance, reference.balances(end))
        claim = ours.claim_facts(end, balance)
        assert len(claim["claim_id"]) > 0
        assert isinstance(claim["payer"], Categorical)
        assert isinstance(claim["status"], Categorical)
        _assert_same_facts(claim, reference.claim_facts(end, balance))
        queue = ours.queue_facts(end, balance)
        assert isinstance(queue["action"], Categorical)
        assert isinstance(queue["status"], Categorical)
        _assert_same_facts(queue, reference.queue_facts(end, balance))


def test_events_and_report_match_the_string_join(
    book: SyntheticBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = CycleData.from_synthetic(book)
    kpi_book = data.book()
    engagement = _engagement()
    periods = _replayed(book)
    ours = _events(_facts._Facts(engagement, data, kpi_book), periods)
    assert len(ours) > 100
    assert {e["kind"] for e in ours} >= {"firing", "escalated"}
    assert {e["rule"] for e in ours} >= {"write_off_any", "denial_any", "denial_untouched"}
    assert ours == _events(_Reference(engagement, data, kpi_book), periods)
    report = render_json(run_cycle(engagement, data, book.period.last_day))
    monkeypatch.setattr(_escalate, "_Facts", _Reference)
    assert report == render_json(run_cycle(engagement, data, book.period.last_day))
    for rule in ("write_off_any", "denial_any", "denial_untouched"):  # queue and claim facts
        assert f'"rule": "{rule}"' in report


def test_ids_the_ledger_lacks_join_as_the_string_join(monkeypatch: pytest.MonkeyPatch) -> None:
    book = generate_book(seed=5, claims=6000)
    data = _unjoined(book)
    kpi_book = data.book()
    engagement = _engagement()
    ours, reference = _facts._Facts(engagement, data, kpi_book), _Reference(engagement, data, kpi_book)
    end = _facts._day(_replayed(book)[-1].end)
    balance = ours.balances(end)
    queue = ours.queue_facts(end, balance)
    assert not isinstance(queue["payer"], Categorical)  # some items' payer is unknown: text, as ever
    assert (queue["payer"] == "").any()
    assert np.isnan(queue["balance"]).any()
    _assert_same_facts(queue, reference.queue_facts(end, balance))
    _assert_same_facts(ours.claim_facts(end, balance), reference.claim_facts(end, balance))
    periods = _replayed(book)
    assert _events(ours, periods) == _events(reference, periods)
    report = render_json(run_cycle(engagement, data, book.period.last_day))
    monkeypatch.setattr(_escalate, "_Facts", _Reference)
    assert report == render_json(run_cycle(engagement, data, book.period.last_day))


def test_an_unknown_payer_reads_as_empty_text_in_a_message() -> None:
    """A message shows a text column's missing cell as "" and a Categorical's as "missing"."""
    engagement = default_engagement()
    payer = _facts._text(np.array([-1], dtype=np.intp), np.array(["aetna"]))
    facts = {
        FactKind.QUEUE_ITEM: {
            "item_id": np.array(["W1"]),
            "status": _facts._text(np.zeros(1, dtype=np.intp), np.array(["open"])),
            "action": _facts._text(np.zeros(1, dtype=np.intp), np.array(["write_off"])),
            "last_touched": np.array(["2026-01-05"], dtype="datetime64[D]"),
            "claim_id": np.array(["X1"]),
            "payer": payer,
            "balance": np.array([50_000.0]),
        },
    }
    now = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    _, events = step(engagement.rules.rules, State(), facts, now, directory=engagement.split)
    assert [e.message for e in events] == ["write-off of 50,000 on claim X1 () needs approval"]
    coded = dict(facts[FactKind.QUEUE_ITEM], payer=Categorical(np.array([-1]), np.array(["aetna"])))
    _, events = step(
        engagement.rules.rules, State(), {FactKind.QUEUE_ITEM: coded}, now, directory=engagement.split
    )
    assert [e.message for e in events] == ["write-off of 50,000 on claim X1 (missing) needs approval"]


def test_claim_codes_merge_at_every_edge() -> None:
    claims = np.array(["b", "d", "f"])
    uniques = np.array(["a", "b", "c", "d", "f", "g"])  # before, equal, between, equal, last, after
    inverse = np.array([5, 0, 1, 2, 3, 4, 1], dtype=np.intp)
    codes = _facts._claim_codes(claims, uniques, inverse)
    assert codes.tolist() == [-1, -1, 0, -1, 1, 2, 0]
    assert codes.dtype == np.intp
    wider = _facts._claim_codes(claims, np.array(["b", "bb", "f"]), np.arange(3, dtype=np.intp))
    assert wider.tolist() == [0, -1, 2]  # a prefix of an id is not the id


def test_text_facts_are_codes_unless_a_row_has_no_value() -> None:
    categories = np.array(["AETNA", "CIGNA"])
    coded = _facts._text(np.array([1, 0, 1], dtype=np.intp), categories)
    assert isinstance(coded, Categorical)
    assert coded.decode().tolist() == ["CIGNA", "AETNA", "CIGNA"]
    missing = _facts._text(np.array([1, -1], dtype=np.intp), categories)
    assert isinstance(missing, np.ndarray)
    assert missing.tolist() == ["CIGNA", ""]
    blank = np.array(["", "AETNA"])
    assert isinstance(_facts._text(np.array([1, 1], dtype=np.intp), blank), Categorical)  # "" not used
    shown = _facts._text(np.array([1, 0], dtype=np.intp), blank)
    assert isinstance(shown, np.ndarray)
    assert shown.tolist() == ["AETNA", ""]
    empty = _facts._text(np.zeros(0, dtype=np.intp), categories)
    assert isinstance(empty, Categorical)
    assert len(empty) == 0


def test_position_of_a_category() -> None:
    uniques = np.array(["denied", "paid"])
    assert _facts._position(uniques, "denied") == 0
    assert _facts._position(uniques, "paid") == 1
    assert _facts._position(uniques, "partial") == -1  # between
    assert _facts._position(uniques, "zzz") == -1  # after the last
    assert _facts._position(np.array([], dtype=str), "denied") == -1


def test_no_denial_outcome_gives_no_claim_facts() -> None:
    book = generate_book(seed=5, claims=3000)
    subs = dict(book.submissions)
    subs["outcome"] = np.where(subs["outcome"] == "denied", "paid", subs["outcome"])
    data = CycleData(
        transactions=book.transactions,
        submissions=subs,
        work_items=book.work_items,
        auditor=CycleData.from_synthetic(book).auditor,
        source="no denials",
    )
    facts = _facts._Facts(default_engagement(), data, data.book())
    end = _facts._day(_replayed(book)[-1].end)
    claim = facts.claim_facts(end, facts.balances(end))
    assert len(claim["claim_id"]) == 0
    assert len(claim["status"]) == 0
    assert facts.at(_replayed(book)[-1])[FactKind.CLAIM]["balance"].size == 0


def _reference_lines(engagement: Engagement, data: CycleData, period: Period) -> tuple[EscalationLine, ...]:
    """The report's lines built and validated one by one, then sorted on their own fields."""
    facts, state, fired = _facts._Facts(engagement, data, data.book()), State(), dict[str, Event]()
    for replayed in engagement.cadence.periods_ending(period.end, engagement.escalation_periods):
        now = datetime.datetime.combine(replayed.end, datetime.time(0, 0), tzinfo=datetime.UTC)
        state, events = step(
            engagement.rules.rules, state, facts.at(replayed), now, directory=engagement.split
        )
        fired.update((e.key, e) for e in events if e.kind in _escalate._FIRED and e.key is not None)
    lines = []
    for alert in state.alerts.values():
        if alert.status not in _escalate._OPEN:
            continue
        event, owner = fired.get(alert.key), alert.owner or ""
        reason = (
            "" if event is None else (f"{event.message} ({event.reason})" if event.message else event.reason)
        )
        lines.append(
            EscalationLine(
                rule=alert.rule,
                severity="" if event is None or event.severity is None else event.severity.value,
                level="" if alert.level is None else alert.level.value,
                owner=owner,
                owner_name=_run._party(engagement, owner)[0] if owner else "(no owner found)",
                entity=", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())),
                deadline=alert.deadline,
                reason=reason,
                dedup_key=alert.key,
                since=alert.since.date(),
            )
        )
    order = {"critical": 0, "warning": 1, "info": 2}
    lines.sort(key=lambda e: (order.get(e.severity, 9), e.deadline or datetime.date.max, e.rule, e.entity))
    return tuple(lines)


def test_report_lines_match_lines_built_one_by_one(book: SyntheticBook) -> None:
    data, engagement = CycleData.from_synthetic(book), _engagement()
    period = engagement.cadence.periods_ending(book.period.end, engagement.trend_periods)[-1]
    reference = _reference_lines(engagement, data, period)
    report = run_cycle(engagement, data, book.period.last_day)
    assert len(reference) > 100
    assert {line.severity for line in reference} >= {"critical", "warning"}
    # the fields the one-by-one build knows; the group, current message and amount come from the
    # week's grouping and last evaluation (tests/cycle/test_cycle_monday.py)
    known = tuple(attrs.evolve(e, group="", muted="", message="", amount=None) for e in report.escalations)
    assert known == reference
    assert {e.group for e in report.escalations if not e.muted} <= {g.key for g in report.groups}


def test_a_line_text_the_validators_refuse_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    book = generate_book(seed=5, claims=3000)
    engagement = _engagement()
    split = engagement.split
    parties = split.parties
    bad = attrs.evolve(parties[0], name="x")
    object.__setattr__(bad, "name", "pod\u202e")  # past the party's own check: the line's catches it
    monkeypatch.setattr(type(split), "parties", property(lambda _: (bad, *parties[1:])))
    with pytest.raises(ValidationError, match=r"owner_name"):
        run_cycle(engagement, CycleData.from_synthetic(book), book.period.last_day)


def test_packed_codes_at_every_edge() -> None:
    claims = np.array(["b", "bb", "d", "f"])
    packed = _facts._Packed.make(claims, np.array(["a", "bbb"]))
    assert packed is not None
    values = np.array(["g", "a", "b", "c", "d", "f", "bb", "bbb", "b"])  # after, before, equal, between
    assert packed.codes(values).tolist() == [-1, -1, 0, -1, 2, 3, 1, -1, 0]
    assert packed.codes(np.array(["a", "b", "bb", "z"]), ordered=True).tolist() == [-1, 0, 1, -1]
    assert packed.codes(values).dtype == np.intp
    assert _facts._Packed.make(np.array(["x" * 10])) is None  # 10 characters of 7 bits: over 64
    assert _facts._Packed.make(np.array(["a" * 9]), np.array(["\u0100"])) is None  # wider code points
    assert _facts._Packed.make(np.array([], dtype=str)) is None
    assert _facts._Packed.make(claims, np.array([1, 2])) is None  # not text


def test_claim_and_seq_order_is_the_lexsort() -> None:
    code = np.array([2, -1, 0, 2, 0, 1, 2], dtype=np.intp)
    seq = np.array([1, 3, 2, 1, 1, 5, 0], dtype=np.int64)
    assert _facts._by_claim_and_seq(code, seq, 3).tolist() == np.lexsort((seq, code)).tolist()
    wide = np.array([0, 2**61], dtype=np.int64)  # the key would not fit in 64 bits: lexsort itself
    assert _facts._by_claim_and_seq(np.array([1, 0], dtype=np.intp), wide, 2).tolist() == [1, 0]
    assert _facts._by_claim_and_seq(np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64), 0).size == 0


def test_given_scorecards_stand_in_for_the_kpi_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scorecard of the window, slices, KPIs and conventions the rules read is used as it is."""
    book = generate_book(seed=5, claims=3000)
    data, engagement = CycleData.from_synthetic(book), _engagement()
    kpi_book = data.book()
    period = engagement.cadence.periods_ending(book.period.end, 1)[0]
    window = _facts._window(engagement, period)
    options: dict[str, Any] = {"conventions": engagement.conventions, "metrics": _facts._metrics(engagement)}
    card = evaluate(kpi_book, window, by=engagement.escalation_slices, **options)
    fresh = _facts._Facts(engagement, data, kpi_book).kpi_facts(period)
    unsliced = evaluate(kpi_book, window, **options)
    other_window = evaluate(kpi_book, period, by=engagement.escalation_slices, **options)
    other_kpis = evaluate(kpi_book, window, by=engagement.escalation_slices, metrics=options["metrics"][:1])
    ignored = _facts._Facts(engagement, data, kpi_book, [unsliced, other_window, other_kpis])
    assert period != window  # a scorecard of the period alone is not the window's
    assert ignored.cards == {period: other_window}  # kept for its own window, if one is ever asked
    given = _facts._Facts(engagement, data, kpi_book, [card])
    assert given.cards == {window: card}
    monkeypatch.setattr(_facts, "evaluate", lambda *_, **__: pytest.fail("the KPI engine ran"))
    reused = given.kpi_facts(period)
    assert list(reused) == list(fresh)
    for name, column in fresh.items():
        np.testing.assert_array_equal(np.asarray(reused[name]), np.asarray(column))
