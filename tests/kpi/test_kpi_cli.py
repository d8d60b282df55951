"""``comanaged-rcm kpi``: CSV exports in, a scorecard out; bad rows reported with line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from comanaged_rcm.cli import main
from tests.kpi.conftest import SUBMISSIONS, TRANSACTIONS, WORK_ITEMS


def write(path: Path, table: dict[str, list[object]]) -> str:
    names = list(table)
    rows = range(len(table[names[0]]))
    lines = [",".join(names)]
    lines += [",".join("" if table[n][i] is None else str(table[n][i]) for n in names) for i in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    return {
        "transactions": write(tmp_path / "tx.csv", TRANSACTIONS),
        "submissions": write(tmp_path / "subs.csv", SUBMISSIONS),
        "work_items": write(tmp_path / "items.csv", WORK_ITEMS),
        "ledger": write(
            tmp_path / "ledger.csv", {"month": ["2026-01-01"], "npsr": [2500.0], "cost_to_collect": [35.0]}
        ),
    }


class TestKpiCommand:
    def test_prints_the_scorecard(self, files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
        """The January scorecard by payer shows the 50% net collection rate and every section."""
        status = main(
            [
                "kpi",
                "--transactions",
                files["transactions"],
                "--submissions",
                files["submissions"],
                "--work-items",
                files["work_items"],
                "--ledger",
                files["ledger"],
                "--from",
                "2026-01-01",
                "--to",
                "2026-02-01",
                "--by",
                "payer",
                "--convention",
                "refunds=netted",
            ]
        )
        out = capsys.readouterr().out
        assert status == 0
        assert "Net collection rate               50.00%" in out
        assert out.index("Outcomes") < out.index("Drivers") < out.index("Activity")

    def test_markdown_and_metrics(self, files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
        """--format markdown and --metrics narrow the output."""
        status = main(
            [
                "kpi",
                "--transactions",
                files["transactions"],
                "--from",
                "2026-01-01",
                "--to",
                "2026-02-01",
                "--as-of",
                "2026-02-01",
                "--metrics",
                "days_in_ar",
                "--format",
                "markdown",
            ]
        )
        out = capsys.readouterr().out
        assert status == 0
        assert "| Days in A/R | 57.7 d |" in out

    def test_bad_cells_are_reported_with_line_and_column(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad amount on line 3 is reported as tx.csv:3:amount with exit status 2."""
        rows = {**TRANSACTIONS, "amount": [*TRANSACTIONS["amount"][:1], "12x", *TRANSACTIONS["amount"][2:]]}
        path = write(tmp_path / "tx.csv", rows)
        status = main(["kpi", "--transactions", path, "--from", "2026-01-01", "--to", "2026-02-01"])
        assert status == 2
        assert "tx.csv:3:amount" in capsys.readouterr().err

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (["--from", "2026-02-01", "--to", "2026-01-01"], "--to must be after"),
            (["--from", "Jan", "--to", "2026-01-01"], "ISO date"),
            (["--from", "2026-01-01", "--to", "2026-02-01", "--convention", "refunds"], "FAMILY=OPTION"),
            (["--from", "2026-01-01", "--to", "2026-02-01", "--convention", "refunds=x"], "unknown option"),
        ],
    )
    def test_bad_arguments(
        self, files: dict[str, str], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
    ) -> None:
        """Bad dates and conventions exit 2 with one line naming the problem."""
        assert main(["kpi", "--transactions", files["transactions"], *extra]) == 2
        assert message in capsys.readouterr().err
