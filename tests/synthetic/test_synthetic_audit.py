"""The QA auditor: the true error rate on average, deterministic per item, independent of the sample."""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from comanaged_rcm.errors import ValidationError
from comanaged_rcm.synthetic import QA_ERROR_RATES, WORKFLOWS, SyntheticBook, audit, generate_book


@pytest.fixture(scope="module")
def large_book() -> SyntheticBook:
    """40,000 claims: thousands of items in most workflows."""
    return generate_book(seed=21, claims=40_000)


def items_of(book: SyntheticBook, workflow: str) -> npt.NDArray[np.str_]:
    items: npt.NDArray[np.str_] = book.work_items["item_id"][book.work_items["workflow"] == workflow]
    return items


class TestRates:
    @pytest.mark.parametrize("workflow", WORKFLOWS)
    def test_observed_rate_within_binomial_interval(self, large_book: SyntheticBook, workflow: str) -> None:
        """Over every item of a workflow the error count is inside the binomial 99.9% interval."""
        items = items_of(large_book, workflow)
        assert items.size >= 300
        errors = int(audit(large_book, workflow, items).sum())
        rate = QA_ERROR_RATES[workflow]
        low, high = binom.ppf(0.0005, items.size, rate), binom.ppf(0.9995, items.size, rate)
        assert low <= errors <= high, (workflow, items.size, errors, rate)

    def test_custom_rates_are_used(self) -> None:
        """The book's own QA truth drives the auditor."""
        book = generate_book(seed=4, claims=3000, error_rates=dict.fromkeys(WORKFLOWS, 0.5))
        items = items_of(book, "patient_statements")
        errors = int(audit(book, "patient_statements", items).sum())
        assert binom.ppf(0.0005, items.size, 0.5) <= errors <= binom.ppf(0.9995, items.size, 0.5)


class TestDeterminism:
    def test_same_book_same_findings(self, book: SyntheticBook) -> None:
        """The same seed, workflow and items give the same findings, also from a regenerated book."""
        items = items_of(book, "denials")
        again = generate_book(seed=book.seed)
        assert np.array_equal(audit(book, "denials", items), audit(again, "denials", items))

    def test_another_seed_other_findings(self, book: SyntheticBook) -> None:
        """Another seed draws other findings for the same item numbers."""
        other = generate_book(seed=book.seed + 1, error_rates=dict.fromkeys(WORKFLOWS, 0.5))
        mine = generate_book(seed=book.seed, error_rates=dict.fromkeys(WORKFLOWS, 0.5))
        common = np.intersect1d(items_of(mine, "coding"), items_of(other, "coding"))
        assert common.size > 30
        assert not np.array_equal(audit(mine, "coding", common), audit(other, "coding", common))

    @settings(max_examples=30, deadline=None)
    @given(data=st.data())
    def test_order_and_subset_independent(self, book: SyntheticBook, data: st.DataObject) -> None:
        """An item's finding is the same whichever other items are asked for, in any order."""
        workflow = data.draw(st.sampled_from(WORKFLOWS))
        items = items_of(book, workflow)
        whole = dict(zip(items.tolist(), audit(book, workflow, items).tolist(), strict=True))
        picked = data.draw(st.lists(st.sampled_from(items.tolist()), max_size=40))
        subset = audit(book, workflow, picked)
        assert subset.dtype == np.bool_
        assert subset.tolist() == [whole[i] for i in picked]


class TestValidation:
    def test_unknown_workflow(self, book: SyntheticBook) -> None:
        """An unknown workflow names $.workflow."""
        with pytest.raises(ValidationError) as caught:
            audit(book, "codeing", [])
        assert [i.path for i in caught.value.issues] == ["$.workflow"]

    @pytest.mark.parametrize("bad", ["W99999999", "X1", ""])
    def test_unknown_item(self, book: SyntheticBook, bad: str) -> None:
        """An id that is not an item of the book names its position in $.item_ids."""
        good = items_of(book, "denials")[:2].tolist()
        with pytest.raises(ValidationError) as caught:
            audit(book, "denials", [*good, bad])
        assert [i.path for i in caught.value.issues] == ["$.item_ids[2]"]
        assert "not an item of the book" in str(caught.value)

    def test_item_of_another_workflow(self, book: SyntheticBook) -> None:
        """An item of another workflow is refused."""
        with pytest.raises(ValidationError, match="is not an item of workflow 'denials'"):
            audit(book, "denials", items_of(book, "coding")[:1])

    @pytest.mark.parametrize("bad", [[1, 2], np.array([["W00000001"]])])
    def test_not_strings(self, book: SyntheticBook, bad: object) -> None:
        """Item ids must be a 1-D sequence of strings."""
        with pytest.raises(ValidationError) as caught:
            audit(book, "denials", bad)  # type: ignore[arg-type]
        assert [i.path for i in caught.value.issues] == ["$.item_ids"]

    def test_empty_sample(self, book: SyntheticBook) -> None:
        """No items, no findings."""
        assert audit(book, "denials", []).shape == (0,)

    def test_book_without_items(self, small_book: SyntheticBook) -> None:
        """A book with no work items knows no item."""
        no_items = {name: values[:0] for name, values in small_book.work_items.items()}
        empty = attrs.evolve(small_book, work_items=no_items)
        assert audit(empty, "denials", []).shape == (0,)
        with pytest.raises(ValidationError, match="not an item of the book"):
            audit(empty, "denials", ["W00000001"])
