"""Row kinds are kept in the narrowest unsigned integer, and measures read them the same way."""

from __future__ import annotations

import numpy as np
import pytest

from comanaged_rcm.kpi import Book, measures
from comanaged_rcm.kpi._catalogue import Catalogue
from comanaged_rcm.kpi._engine import _narrow
from comanaged_rcm.kpi._measures import Condition, Interval, Measure
from comanaged_rcm.periods import Period


class TestNarrow:
    """A kind array of ``size`` kinds takes 1, 2 or 4 bytes a row, never changing a value."""

    @pytest.mark.parametrize(
        ("size", "dtype"),
        [(1, np.uint8), (256, np.uint8), (257, np.uint16), (65_536, np.uint16), (65_537, np.uint32)],
    )
    def test_the_width_at_each_edge(self, size: int, dtype: type[np.unsignedinteger]) -> None:
        """The largest kind, size - 1, is exactly representable; one more kind takes the next width."""
        kind = np.array([0, size - 1], dtype=np.intp)
        narrowed = _narrow(kind, size)
        assert narrowed.dtype == dtype
        assert narrowed.tolist() == [0, size - 1]

    def test_more_kinds_than_four_bytes_hold_stay_as_they_are(self) -> None:
        """Past 2**32 kinds the array is kept as given."""
        kind = np.array([0, 5], dtype=np.intp)
        assert _narrow(kind, 2**32 + 1) is kind


class TestManyKinds:
    """A filter over a column of 300 values (two-byte kinds) sums what a plain mask sums."""

    def test_a_payer_filter_over_300_payers(self) -> None:
        """Payments of the payers P000..P149 among 300, posted in January, one posting a day later."""
        rng = np.random.default_rng(7)
        rows = 3_000
        payer = np.array([f"P{i:03d}" for i in rng.integers(0, 300, rows)])
        amount = np.round(rng.uniform(1, 500, rows), 2)
        kind = rng.choice(["charge", "payment"], rows)
        posting = np.datetime64("2026-01-01") + rng.integers(0, 40, rows).astype("timedelta64[D]")
        book = Book(
            transactions={
                "claim_id": [f"C{i}" for i in range(rows)],
                "payer": payer,
                "service_date": np.full(rows, np.datetime64("2025-12-20")),
                "posting_date": posting,
                "type": kind,
                "amount": amount,
            }
        )
        chosen = tuple(f"P{i:03d}" for i in range(150))
        mine = Catalogue.default().with_measures(
            Measure(
                name="first_half_payments",
                table="transactions",
                weight="amount",
                where=(Condition("type", ("payment",)), Condition("payer", chosen)),
                dates=(Interval.flow("posting_date"),),
            )
        )
        found = measures(book, Period.month(2026, 1), catalogue=mine)
        january = (posting >= np.datetime64("2026-01-01")) & (posting < np.datetime64("2026-02-01"))
        expected = amount[january & (kind == "payment") & np.isin(payer, chosen)].sum()
        assert found.totals["first_half_payments"][0] == pytest.approx(expected, rel=1e-12)
        assert expected > 0
