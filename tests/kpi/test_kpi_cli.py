"""``comanaged-rcm kpi``: CSV exports in, a scorecard out; bad rows reported with line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from comanaged_rcm.cli import main
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.kpi._book import locate_in_csv
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
                "--through",
                "2026-01-31",
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
                "2026-01-31",
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

    def test_refused_values_are_reported_with_line_and_column(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Values that parse but the book refuses point at their line too: an unknown type in data
        row 2 sits on line 6 once a blank line and a row of empty cells (lines 3 and 4) come
        before it; the first write-off without a reason, data row 5, on line 7; a rule that names
        no row names the file and column."""
        path = tmp_path / "tx.csv"
        write(path, {**TRANSACTIONS, "type": ["charge", "charge", "chrage", *TRANSACTIONS["type"][3:]]})
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join([header, rows[0], "", ",,,,,,,,", *rows[1:]]) + "\n", encoding="utf-8")
        status = main(["kpi", "--transactions", str(path), "--from", "2026-01-01", "--to", "2026-02-01"])
        err = capsys.readouterr().err
        assert status == 2
        assert "unknown value 'chrage' in row 2" in err
        assert "@ tx.csv:6:type" in err
        reasons = {**TRANSACTIONS, "write_off_reason": [""] * len(TRANSACTIONS["claim_id"])}
        status = main(
            ["kpi", "--transactions", write(path, reasons), "--from", "2026-01-01", "--to", "2026-02-01"]
        )
        assert "(row 5) @ tx.csv:7:write_off_reason" in capsys.readouterr().err
        subs = {**SUBMISSIONS, "seq": [0] * len(SUBMISSIONS["claim_id"])}
        args = ["--submissions", write(tmp_path / "subs.csv", subs)]
        status = main(
            [
                "kpi",
                "--transactions",
                write(path, TRANSACTIONS),
                *args,
                "--from",
                "2026-01-01",
                "--to",
                "2026-02-01",
            ]
        )
        assert "@ subs.csv:seq" in capsys.readouterr().err

    def test_through_and_to_give_the_same_period(
        self, files: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--through 01-31 (counted) and --to 02-01 (not counted) print the same January; a
        one-day period is --from and --through the same day."""
        base = [
            "kpi",
            "--transactions",
            files["transactions"],
            "--from",
            "2026-01-01",
            "--metrics",
            "days_in_ar",
        ]
        assert main([*base, "--through", "2026-01-31"]) == 0
        through = capsys.readouterr().out
        assert main([*base, "--to", "2026-02-01"]) == 0
        assert capsys.readouterr().out == through
        assert through.splitlines()[0] == "Scorecard 2026-01-01 to 2026-01-31 (as of the close of 2026-01-31)"
        one = [
            "kpi",
            "--transactions",
            files["transactions"],
            "--from",
            "2026-01-31",
            "--through",
            "2026-01-31",
        ]
        assert main([*one, "--metrics", "net_collection_rate"]) == 0
        assert capsys.readouterr().out.startswith("Scorecard 2026-01-31 to 2026-01-31")

    def test_the_period_ends_on_the_through_day(
        self, files: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """C4's bad-debt write-off of 60 posts on 01-31: through 01-30 it is not in January's
        write-offs, through 01-31 it is (100 + 40 + 60 = 200 of 1400 net charges = 14.29%)."""
        base = ["kpi", "--transactions", files["transactions"], "--from", "2026-01-01"]
        assert main([*base, "--through", "2026-01-31", "--metrics", "write_off_rate"]) == 0
        assert "14.29%" in capsys.readouterr().out
        assert main([*base, "--through", "2026-01-30", "--metrics", "write_off_rate"]) == 0
        assert "14.29%" not in capsys.readouterr().out

    def test_help_names_the_rule(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--help says both days are counted, --to is the day after, and --as-of the last day counted."""
        with pytest.raises(SystemExit):
            main(["kpi", "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert "The period runs from --from through --through, both days counted" in out
        assert "--to, the first day not counted, may be given instead of --through" in out
        assert "the last day counted by snapshot measures (A/R, backlog at its close)" in out

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (
                ["--from", "2026-02-01", "--to", "2026-02-01"],
                (
                    "--to (the first day after the period, not counted) must be after --from (2026-02-01)"
                    " (got 2026-02-01) @ --to"
                ),
            ),
            (
                ["--from", "2026-02-01", "--through", "2026-01-31"],
                (
                    "--through (the period's last day, counted) must be on or after --from (2026-02-01)"
                    " (got 2026-01-31) @ --through"
                ),
            ),
            (
                ["--from", "2026-01-01", "--through", "2026-01-31", "--to", "2026-02-01"],
                (
                    "give the period's last day with --through (counted) or the day after it with --to,"
                    " not both @ --to"
                ),
            ),
            (
                ["--from", "2026-01-01"],
                (
                    "--through is required: the period's last day, counted (or --to, the first day after"
                    " it) @ --through"
                ),
            ),
            (
                ["--from", "2026-01-01", "--through", "2026-01-31", "--as-of", "2026-01-30"],
                (
                    "--as-of is the last day counted and must be on or after the period's last day"
                    " 2026-01-31 (got 2026-01-30) @ --as-of"
                ),
            ),
            (
                [
                    "--from",
                    "2026-01-01",
                    "--through",
                    "2026-01-31",
                    "--metrics",
                    "backlog",
                    "--convention",
                    "refunds=gross",
                ],
                "the convention refunds=gross is read by none of the requested KPIs (backlog)",
            ),
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


class TestLocateInCsv:
    def test_issues_without_a_file_or_column_stay_where_they_are(self, files: dict[str, str]) -> None:
        """Issues about a table read from no file, or about a whole table, keep their $ paths; a
        row number past the file's rows falls back to file:column; the row is the last "row N" of
        the message (a quoted value may hold one too)."""
        error = ValidationError(
            [
                Issue("$.ledger.npsr", "range", "must be finite and >= 0 (got -1.0 in row 0; 1 rows)"),
                Issue("$.transactions", "type", "expected a mapping"),
                Issue(
                    "$.transactions.amount", "range", "must be finite and >= 0 (got -1.0 in row 99; 1 rows)"
                ),
                Issue(
                    "$.transactions.amount", "range", "must be finite and >= 0 (got -1.0 in row 1; 1 rows)"
                ),
            ]
        )
        error = ValidationError(
            [*error.issues, Issue("$.transactions.type", "value", "unknown value 'row 9' in row 0")]
        )
        located = locate_in_csv(error, {"transactions": files["transactions"]})
        assert [i.path for i in located.issues] == [
            "$.ledger.npsr",
            "$.transactions",
            "tx.csv:amount",
            "tx.csv:3:amount",
            "tx.csv:2:type",
        ]
        assert [i.message for i in located.issues] == [i.message for i in error.issues]
