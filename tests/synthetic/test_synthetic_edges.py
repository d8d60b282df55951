"""The edges of the synthetic book: bad input is a ValidationError naming the argument."""

from __future__ import annotations

import datetime

import attrs
import numpy as np
import pytest

from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.synthetic import (
    QA_ERROR_RATES,
    WORKFLOWS,
    BookParameters,
    CarcGroup,
    QATruth,
    SyntheticBook,
    audit,
    default_payers,
    generate_book,
)


def refusal(call: object, *args: object, **kwargs: object) -> Issue:
    """The first issue of the ValidationError that ``call(*args, **kwargs)`` raises."""
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value.issues[0]


class TestSizes:
    def test_absurd_claims_refused_before_allocating(self) -> None:
        """10**12 claims is refused with the bound, at once (no array of that size is attempted)."""
        issue = refusal(generate_book, claims=10**12)
        assert issue.path == "$.claims"
        assert "<= 4,000,000" in issue.message

    def test_the_run_in_counts_toward_the_bound(self) -> None:
        """A one-week book simulates 14 times its claims: the bound for it is stated."""
        issue = refusal(generate_book, claims=1_000_000, weeks=1)
        assert issue.path == "$.claims"
        assert "must be <= 285,714 for a book of 1 week(s)" in issue.message

    @pytest.mark.parametrize(("field", "value"), [("seed", 2**64), ("weeks", 5201), ("claims", 10**400)])
    def test_counts_have_bounds(self, field: str, value: int) -> None:
        """Seeds, weeks and claims too large to compute with are refused, naming the field."""
        issue = refusal(generate_book, **{field: value})
        assert (issue.path, issue.code) == (f"$.{field}", "range")
        assert "must be <=" in issue.message

    def test_numpy_and_integral_float_counts(self) -> None:
        """Counts from numpy or a pandas sum are accepted and become ints."""
        parameters = BookParameters(
            seed=np.int64(3),
            claims=20.0,
            start=datetime.date(2026, 5, 4),
            weeks=np.uint8(2),
            payers=default_payers(),
        )
        assert (parameters.seed, parameters.claims, parameters.weeks) == (3, 20, 2)
        assert all(type(x) is int for x in (parameters.seed, parameters.claims, parameters.weeks))


class TestModels:
    @pytest.mark.parametrize(
        ("field", "value", "fragment"),
        [
            ("share", float("nan"), "finite number"),
            ("appeal_rate", 1.5, "in [0, 1]"),
            ("code", "", "non-empty"),
            ("write_off_reason", "denail", "did you mean 'denial'?"),
        ],
    )
    def test_carc_group_fields(self, field: str, value: object, fragment: str) -> None:
        """A CARC group refuses NaN and out-of-range rates and names the field."""
        good = {
            "code": "CO-16", "description": "missing information", "share": 0.4, "appeal_rate": 0.9,
            "overturn_rate": 0.9, "write_off_reason": "denial",
        }  # fmt: skip
        issue = refusal(CarcGroup, **{**good, field: value})
        assert issue.path == f"$.{field}"
        assert fragment in issue.message

    def test_rates_name_unknown_and_missing_workflows(self) -> None:
        """A mapping with other keys says which are missing and which are unknown, briefly."""
        rates = {**{f"w{i}": 0.1 for i in range(1000)}, "denials": 0.1}
        issue = refusal(QATruth, error_rates=rates)
        assert issue.path == "$.error_rates"
        assert "missing eligibility" in issue.message
        assert "and 995 more" in issue.message
        assert len(issue.message) < 1000

    def test_rates_refuse_nan_and_take_numpy(self) -> None:
        """NaN is not a rate; a numpy float is, and becomes a float."""
        issue = refusal(QATruth, error_rates={**QA_ERROR_RATES, "coding": float("nan")})
        assert issue.path == "$.error_rates.coding"
        truth = QATruth(error_rates={**QA_ERROR_RATES, "coding": np.float32(0.25)})
        assert type(truth.error_rates["coding"]) is float

    def test_above_checks_its_rate(self) -> None:
        """above names $.tolerable_rate."""
        truth = QATruth(error_rates=dict(QA_ERROR_RATES))
        assert refusal(truth.above, "5%").path == "$.tolerable_rate"

    def test_book_tables_are_checked(self, small_book: SyntheticBook) -> None:
        """A book built by hand needs tables of 1-D arrays of one length, a QATruth and parameters."""
        short = {**small_book.work_items, "team": small_book.work_items["team"][:1]}
        issue = refusal(attrs.evolve, small_book, work_items=short)
        assert (issue.path, issue.code) == ("$.work_items.team", "shape")
        assert refusal(attrs.evolve, small_book, transactions=None).path == "$.transactions"
        assert refusal(attrs.evolve, small_book, qa=dict(QA_ERROR_RATES)).path == "$.qa"


class TestAudit:
    def test_book_must_be_a_book(self) -> None:
        """audit names $.book."""
        assert refusal(audit, None, "denials", []).path == "$.book"

    def test_unknown_workflow_suggests(self, small_book: SyntheticBook) -> None:
        """A near miss gets a did-you-mean; a non-text workflow is unknown too."""
        issue = refusal(audit, small_book, "denails", [])
        assert issue.path == "$.workflow"
        assert "did you mean 'denials'?" in issue.message
        assert refusal(audit, small_book, ["denials"], []).path == "$.workflow"

    @pytest.mark.parametrize("bad", ["W00000001", None, {"a": 1}, 5])
    def test_item_ids_must_be_a_sequence(self, small_book: SyntheticBook, bad: object) -> None:
        """Text, mappings and single values are not a sequence of ids."""
        assert refusal(audit, small_book, "denials", bad).path == "$.item_ids"

    def test_a_trailing_nul_is_not_another_item(self, small_book: SyntheticBook) -> None:
        """numpy would drop a trailing NUL and find the item without it; the id is refused instead."""
        first = str(small_book.work_items["item_id"][small_book.work_items["workflow"] == "denials"][0])
        issue = refusal(audit, small_book, "denials", [first, first + "\x00"])
        assert issue.path == "$.item_ids[1]"
        assert "not an item of the book" in issue.message

    def test_workflows_cover_the_catalogue(self) -> None:
        """Every workflow of the catalogue has a true rate."""
        assert set(QA_ERROR_RATES) == set(WORKFLOWS)
