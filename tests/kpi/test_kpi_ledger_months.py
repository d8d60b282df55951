"""A ledger month the ledger does not book is missing, not zero: the value that reads it is undefined.

The ledger of ``TestLedger`` (``tests/kpi/test_kpi_values.py``) without November 2025: January's
net days in A/R read the NPSR of November to January, so it is undefined (by hand, with
November summed as zero it would read 5200 / ((2400 + 2500) / 92) = 97.63 days, a plausible
figure); December's own monthly totals do not read November and stay defined.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.kpi import Book, LazyBook, MeasureSet, Scorecard, evaluate, measures, trend
from comanaged_rcm.periods import Period
from tests.kpi.test_kpi_values import TestLedger

D = datetime.date
JANUARY = Period.month(2026, 1)
NOVEMBER = "the ledger has no row for 2025-11: a month it does not book is missing, not zero"


def _without(*months: str) -> dict[str, Any]:
    keep = ~np.isin(np.asarray(TestLedger.LEDGER["month"]).astype("datetime64[D]").astype(str), months)
    return {k: np.asarray(v)[keep] for k, v in TestLedger.LEDGER.items()}


def _lazy(ledger: dict[str, Any]) -> LazyBook:
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    days = {**ledger, "month": np.asarray(ledger["month"]).astype("datetime64[D]")}
    frame = pl.DataFrame(days).with_columns(pl.col("month").cast(pl.Date))
    return LazyBook(ledger=duckdb.from_arrow(frame.to_arrow()))


@pytest.fixture(params=["numpy", "duckdb"])
def engine(request: pytest.FixtureRequest) -> Any:
    if request.param == "numpy":
        return lambda ledger: Book(ledger=ledger)
    return _lazy


class TestUnbookedMonths:
    def test_a_value_reading_an_unbooked_month_is_undefined(self, engine: Any) -> None:
        result = evaluate(engine(_without("2025-11-01")), JANUARY, metrics=["net_days_in_ar"]).result(
            "net_days_in_ar"
        )
        assert result.value is None
        assert result.reason == NOVEMBER
        whole = evaluate(engine(TestLedger.LEDGER), JANUARY, metrics=["net_days_in_ar"]).result(
            "net_days_in_ar"
        )
        assert whole.value == pytest.approx(5200 * 92 / 7100)

    def test_the_periods_that_book_every_month_stay_defined(self, engine: Any) -> None:
        """Without October: December's net days read October to December, January's November to
        January (the 3 months ending on its as-of), so only December's is undefined."""
        found = trend(
            engine(_without("2025-10-01")), [Period.month(2025, 12), JANUARY], metrics=["net_days_in_ar"]
        )
        december, january = (card.result("net_days_in_ar") for card in found.scorecards)
        assert december.value is None
        assert december.reason == NOVEMBER.replace("2025-11", "2025-10")
        assert january.value == pytest.approx(5200 * 92 / 7100)

    def test_the_months_are_named_up_to_three(self, engine: Any) -> None:
        ledger = {"month": np.array(["2026-01-01"], dtype="datetime64[D]"), "npsr": [1.0], "net_ar": [1.0]}
        found = measures(engine(ledger), Period(D(2025, 6, 1), D(2026, 2, 1)))
        why = found.unbooked("npsr", 0)
        assert why == (
            "the ledger has no row for 2025-06, 2025-07, 2025-08 and 4 more: a month it does not book is"
            " missing, not zero"
        )
        assert found.unbooked("net_ar", 0) is None  # January's month-end: booked
        assert found.unbooked("cash", 0) is None  # not a ledger measure

    def test_the_long_table_leaves_the_short_value_out(self) -> None:
        pytest.importorskip("pyarrow")
        found = measures(Book(ledger=_without("2025-11-01")), JANUARY)
        table = found.to_arrow().to_pylist()
        rows = {row["measure"]: row for row in table}
        assert rows["average_daily_npsr"]["value"] is None
        assert rows["average_daily_npsr"]["reason"] == NOVEMBER
        assert rows["npsr"]["value"] == 2500.0
        assert rows["npsr"]["reason"] is None
        assert found.totals["average_daily_npsr"][0] == pytest.approx(4900 / 92)  # the partial sum, kept

    def test_shards_split_by_month_merge_to_the_whole(self) -> None:
        """Each shard lacks the other's months; merged, the months are booked and the value is defined."""
        odd, even = _without("2025-11-01", "2026-01-01"), _without("2025-10-01", "2025-12-01")
        parts = [measures(Book(ledger=part), JANUARY) for part in (odd, even)]
        assert all(p.unbooked("average_daily_npsr", 0) is not None for p in parts)
        merged = parts[0] + parts[1]
        assert merged.booked == (D(2025, 10, 1), D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1))
        card = Scorecard.from_measures(merged, ["net_days_in_ar"])
        assert card.result("net_days_in_ar").value == pytest.approx(5200 * 92 / 7100)

    def test_the_lazy_engine_reads_the_same_months(self) -> None:
        ledger = _without("2025-11-01")
        eager, lazy = measures(Book(ledger=ledger), JANUARY), measures(_lazy(ledger), JANUARY)
        assert lazy.booked == eager.booked == (D(2025, 10, 1), D(2025, 12, 1), D(2026, 1, 1))
        assert dict(lazy.months) == dict(eager.months)
        assert eager.months["average_daily_npsr"] == ((D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1)),)

    def test_a_book_without_a_ledger_reads_no_months(self) -> None:
        found = measures(Book(transactions=TestLedger().book().transactions), JANUARY)
        assert found.months == {}
        assert found.booked == ()


class TestMeasureSetFields:
    def _parts(self) -> MeasureSet:
        return measures(Book(ledger=TestLedger.LEDGER), JANUARY)

    def test_months_need_one_set_per_period(self) -> None:
        found = self._parts()
        with pytest.raises(ValidationError) as caught:
            MeasureSet(
                periods=found.periods, as_of=found.as_of, by=(), slices=(), conventions=found.conventions,
                totals={}, sliced={}, missing={}, unsliced={}, months={"npsr": ()},
            )  # fmt: skip
        assert caught.value.issues[0].path == "$.months['npsr']"
        with pytest.raises(ValidationError) as caught:
            MeasureSet(
                periods=found.periods, as_of=found.as_of, by=(), slices=(), conventions=found.conventions,
                totals={}, sliced={}, missing={}, unsliced={}, booked=[D(2026, 1, 1)],  # type: ignore[arg-type]
            )  # fmt: skip
        assert caught.value.issues[0].path == "$.booked"

    def test_partials_of_other_months_do_not_merge(self) -> None:
        found = self._parts()
        other = measures(Book(ledger=TestLedger.LEDGER), JANUARY)
        shifted = type(found)(
            **{**{f: getattr(other, f) for f in ("periods", "as_of", "by", "slices", "conventions")},
               "totals": other.totals, "sliced": other.sliced, "missing": other.missing,
               "unsliced": other.unsliced, "months": {**other.months, "npsr": ((),)}},
        )  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            found + shifted
        assert caught.value.issues[0].path == "$.months"
