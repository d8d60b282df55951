"""The public API of comanaged_rcm.synthetic is pinned, so a change to it is deliberate."""

from __future__ import annotations

from comanaged_rcm import synthetic

EXPECTED = [
    "CARC_GROUPS",
    "CSV_FILES",
    "DEFAULT_START",
    "PARTIES",
    "QA_ERROR_RATES",
    "WORKFLOWS",
    "BookParameters",
    "CarcGroup",
    "ParquetLedger",
    "Payer",
    "PayerKind",
    "QATruth",
    "SyntheticBook",
    "audit",
    "chunk_seed",
    "default_payers",
    "generate_book",
    "rename_chunk",
    "write_csv",
    "write_parquet",
]


class TestSyntheticExports:
    def test_all_is_pinned_and_sorted(self) -> None:
        """__all__ is exactly the expected names, in ruff's isort-style order, and each exists."""
        assert synthetic.__all__ == EXPECTED
        assert all(hasattr(synthetic, name) for name in EXPECTED)

    def test_qa_truth_constants(self) -> None:
        """Denials are the one workflow above a 5% tolerable rate; every other is at 2% or below."""
        assert set(synthetic.QA_ERROR_RATES) == set(synthetic.WORKFLOWS)
        assert synthetic.QA_ERROR_RATES["denials"] == 0.07
        assert all(r <= 0.02 for w, r in synthetic.QA_ERROR_RATES.items() if w != "denials")
        assert synthetic.PARTIES == ("client_staff", "offshore_pod", "onshore_lead", "automation")
