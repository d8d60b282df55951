"""The sample-size, sample-eval and sample-select subcommands: every kind, and bad flags."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from comanaged_rcm.cli import main
from comanaged_rcm.sampling._select import select


class TestCli:
    def test_sample_size(self, capsys: pytest.CaptureFixture[str]) -> None:
        """sample-size prints the AICPA A-1 size (93 at 95%/5%/1%) with inputs and convention."""
        assert main(["sample-size", "--confidence", "0.95", "--tolerable", "0.05", "--expected", "0.01"]) == 0
        out = capsys.readouterr().out
        assert "sample size: 93" in out
        assert "convention:" in out
        assert "inputs:" in out

    def test_sample_eval(self, capsys: pytest.CaptureFixture[str]) -> None:
        """sample-eval prints the upper limit and the conclusion (0 of 59 -> 4.95% <= 5%, accept)."""
        argv = [
            "sample-eval",
            "--n",
            "59",
            "--deviations",
            "0",
            "--confidence",
            "0.95",
            "--tolerable",
            "0.05",
        ]
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "upper limit: 0.0495" in out
        assert "accept" in out

    def test_sample_eval_no_tolerable(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without a tolerable rate there is no conclusion line."""
        assert main(["sample-eval", "--n", "59", "--deviations", "3", "--confidence", "0.95"]) == 0
        assert "conclusion" not in capsys.readouterr().out

    @pytest.mark.parametrize(
        "argv",
        [
            ["sample-size", "--confidence", "1.5", "--tolerable", "0.05"],
            ["sample-eval", "--n", "5", "--deviations", "6", "--confidence", "0.9"],
            ["sample-eval", "--n", "50", "--deviations", "1", "--confidence", "0.9", "--population", "10"],
        ],
    )
    def test_bad_args(self, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
        """Bad arguments print one error line and exit 2."""
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "error" in err


class TestAttributePlanning:
    def test_precision_alone(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--min-precision without --tolerable plans by precision alone (jfa materiality = NULL): at 90%
        the Clopper-Pearson bound of 0 in n is 1 - 0.1 ** (1 / n), 0.04988 at n = 45 and 0.05098 at 44,
        so n = 45; no achieved risk (there is no tolerable rate); the inputs line names the plan's terms."""
        assert 1 - 0.1 ** (1 / 45) < 0.05 < 1 - 0.1 ** (1 / 44)
        status, out, err = run(["sample-size", "--confidence", "0.9", "--min-precision", "0.05"], capsys)
        assert status == 0, err
        assert "sample size: 45\n" in out
        assert "acceptable deviations: 0\n" in out
        assert "achieved risk" not in out
        inputs = next(line for line in out.splitlines() if line.startswith("inputs:"))
        assert "tolerable=None" in inputs
        assert "min_precision=0.05" in inputs
        assert "max=5000" in inputs
        assert "expected_kind=rate" in inputs

    def test_count_and_max_on_the_inputs_line(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--expected 2 is a count (jfa: 124 items at 95% / 5%, as jfa's planning(0.05, expected = 2)), with
        the achieved risk printed; --max 200 shows on the inputs line."""
        argv = [
            "sample-size",
            "--confidence",
            "0.95",
            "--tolerable",
            "0.05",
            "--expected",
            "2",
            "--max",
            "200",
        ]
        status, out, err = run(argv, capsys)
        assert status == 0, err
        assert "sample size: 124\n" in out
        assert "achieved risk: 0.0495\n" in out
        inputs = next(line for line in out.splitlines() if line.startswith("inputs:"))
        assert "expected_kind=count" in inputs
        assert "max=200" in inputs
        assert "min_precision=None" in inputs

    def test_population_with_hypergeometric(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--population with --method hypergeometric is taken (N = 400 at 95% / 5%: 55 items, AICPA's
        finite-population figure as attribute_sample_size gives it), and so in sample-eval."""
        argv = ["sample-size", "--confidence", "0.95", "--tolerable", "0.05", "--population", "400"]
        status, out, err = run([*argv, "--method", "hypergeometric"], capsys)
        assert status == 0, err
        assert "sample size: 55\n" in out
        assert "population=400" in out
        argv = [
            "sample-eval",
            "--n",
            "55",
            "--deviations",
            "0",
            "--confidence",
            "0.95",
            "--population",
            "400",
        ]
        status, out, err = run([*argv, "--method", "hypergeometric"], capsys)
        assert status == 0, err
        assert "population=400" in out


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of one command (argparse's own usage errors included)."""
    try:
        status = main(argv)
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


class TestKinds:
    def test_mus_plan(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--kind mus plans 93 units at 95%/5%/1% (AICPA table C-1) and, with a book value of
        1,000,000, an interval of 1,000,000 / 93 = 10,752.69."""
        argv = ["sample-size", "--kind", "mus", "--confidence", "0.95", "--tolerable", "0.05"]
        status, out, err = run([*argv, "--expected", "0.01", "--book-value", "1000000"], capsys)
        assert status == 0, err
        assert "sample size: 93 monetary units" in out
        assert "sampling interval: 10,752.69" in out
        assert "convention: AICPA table C-1" in out

    def test_mus_plan_as_jfa(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--expected 2 is a count of misstatements (jfa planning(0.05, expected = 2): 126 units, as
        monetary_sample_size(0.95, 0.05, expected=2)); the workpaper of that plan replays identical."""
        argv = [
            "sample-size",
            "--kind",
            "mus",
            "--confidence",
            "0.95",
            "--tolerable",
            "0.05",
            "--expected",
            "2",
        ]
        status, out, err = run([*argv, "--workpaper", str(tmp_path)], capsys)
        assert status == 0, err
        assert "sample size: 126 monetary units" in out
        status, out, err = run(["sample-select", "--replay", str(tmp_path / "workpaper.json")], capsys)
        assert status == 0, err
        assert "replayed: 0 items identical" in out

    def test_variables_plan(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--kind variables: N = 10,000, S = 100, P = 100,000 at 95% two-sided needs 370 items
        (closed form: n0 = (1.959964 x 10,000 x 100 / 100,000)^2 = 384.15, n0 / (1 + n0 / N) = 369.9)."""
        argv = ["sample-size", "--kind", "variables", "--confidence", "0.95", "--population", "10000"]
        status, out, err = run([*argv, "--std-dev", "100", "--precision", "100000"], capsys)
        assert status == 0, err
        z = 1.959963984540054
        n0 = (z * 10_000 * 100 / 100_000) ** 2
        assert math.ceil(n0 / (1 + n0 / 10_000)) == 370
        assert "sample size: 370" in out

    def test_mus_evaluation(self, capsys: pytest.CaptureFixture[str]) -> None:
        """No misstatement in 60 units: upper limit -ln(0.05) / 60 = 0.0499 <= 5%, accept; 59 units
        give 2.9957 / 59 = 0.0508 > 5%, reject (Poisson factor for 0 errors at 95% = 2.9957)."""
        base = ["sample-eval", "--kind", "mus", "--confidence", "0.95", "--tolerable", "0.05"]
        status, out, err = run([*base, "--n", "60"], capsys)
        assert status == 0, err
        assert f"upper limit: {-math.log(0.05) / 60:.4f}" in out
        assert "conclusion: accept" in out
        status, out, _ = run([*base, "--n", "59"], capsys)
        assert status == 0
        assert "conclusion: reject" in out

    def test_mus_stringer(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Stringer with taints 0.5 and 0.25 in 100 units at 95%: (3.0 + 1.74 x 0.5 + 1.55 x 0.25) / 100
        with the Poisson factors 2.9957, 4.7439, 6.2958 (AICPA MUS evaluation)."""
        argv = ["sample-eval", "--kind", "mus", "--n", "100", "--confidence", "0.95", "--method", "stringer"]
        status, out, err = run([*argv, "--taints", "0.5, 0.25", "--book-value", "200000"], capsys)
        assert status == 0, err
        f0, f1, f2 = 2.995732, 4.743865, 6.295794
        upper = (f0 + (f1 - f0) * 0.5 + (f2 - f1) * 0.25) / 100
        assert f"upper limit: {upper:.4f}" in out
        assert f"upper misstatement: {upper * 200_000:,.2f}"[:-1] in out

    def test_variables_evaluation(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--kind variables reads --sample: mean-per-unit of 10, 20, 30, 40 in N = 100 is 2,500, the
        difference estimate of (90, 100, 45) against book (100, 100, 50) with X = 2,500 and N = 30 is
        2,500 + 30 x (-5) = 2,350."""
        sample = write(tmp_path / "s.csv", "audit_value\n10\n20\n30\n40\n")
        argv = ["sample-eval", "--kind", "variables", "--estimator", "mpu", "--sample", sample]
        status, out, err = run([*argv, "--population", "100", "--confidence", "0.9"], capsys)
        assert status == 0, err
        assert "point estimate: 2,500.00" in out
        assert "No conclusion: no book total was given" in out
        paired = write(tmp_path / "p.csv", "audit_value,book_value\n90,100\n100,100\n45,50\n")
        argv = ["sample-eval", "--kind", "variables", "--estimator", "difference", "--sample", paired]
        argv += ["--population", "30", "--confidence", "0.9", "--book-total", "2500"]
        status, out, err = run([*argv, "--tolerable-misstatement", "1000"], capsys)
        assert status == 0, err
        assert "point estimate: 2,350.00" in out
        assert "conclusion: Accept" in out


class TestSelect:
    def test_population(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--population 100 --n 3 --seed 1 draws the items select() draws: 14, 28, 29."""
        status, out, err = run(["sample-select", "--population", "100", "--n", "3", "--seed", "1"], capsys)
        assert status == 0, err
        assert "items: 14, 28, 29" in out
        assert "algorithm: select/1" in out

    def test_items_with_strata(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--items with --strata draws from the ids of the file with proportional allocation, as select()."""
        rows = "".join(f"C{i},{i}.5,{'ab'[i % 2]}\n" for i in range(10))
        items = write(tmp_path / "items.csv", "id,book_value,region\n" + rows)
        argv = ["sample-select", "--items", items, "--n", "4", "--seed", "9", "--strata", "region"]
        status, out, err = run(argv, capsys)
        assert status == 0, err
        expected = select([f"C{i}" for i in range(10)], 4, 9, strata=["ab"[i % 2] for i in range(10)])
        assert "items: " + ", ".join(map(str, expected.sorted_items)) in out
        assert "allocation: a=2, b=2" in out

    def test_systematic_and_id_column(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--method systematic and --id-column name the method and the id column of the file."""
        items = write(tmp_path / "claims.csv", "claim_id\n" + "".join(f"K{i}\n" for i in range(20)))
        argv = ["sample-select", "--items", items, "--id-column", "claim_id", "--n", "5", "--seed", "3"]
        status, out, err = run([*argv, "--method", "systematic"], capsys)
        assert status == 0, err
        expected = select([f"K{i}" for i in range(20)], 5, 3, method="systematic")
        assert "items: " + ", ".join(map(str, expected.sorted_items)) in out


BAD_FLAGS = [
    ("sample-size --confidence abc --tolerable 0.05", "--confidence must be a number"),
    ("sample-size --kind attribut --confidence 0.9 --tolerable 0.05", "did you mean 'attribute'"),
    ("sample-size --confidence 0.9 --tolerable 0.05 --std-dev 3", "--std-dev does not apply"),
    (
        "sample-size --confidence 0.9",
        "--tolerable or --min-precision is required for an attribute plan @ --tolerable",
    ),
    (
        "sample-size --confidence 0.9 --tolerable 0.05 --population 1000",
        (
            "--population 1000 is used only by --method hypergeometric (--method binomial assumes an"
            " infinite population); pass --method hypergeometric or drop --population @ --population"
        ),
    ),
    (
        "sample-size --confidence 0.9 --tolerable 0.05 --population 1000 --method poisson",
        "pass --method hypergeometric or drop --population @ --population",
    ),
    (
        "sample-size --confidence 0.9 --min-precision 0.05 --population 1000",
        "pass --method hypergeometric or drop --population @ --population",
    ),
    (
        "sample-size --confidence 0.9 --tolerable 0.05 --method hypergeometric",
        "--population is required for --method hypergeometric @ --population",
    ),
    (
        "sample-eval --n 50 --deviations 1 --confidence 0.9 --population 100",
        "pass --method hypergeometric or drop --population @ --population",
    ),
    (
        "sample-eval --n 50 --deviations 1 --confidence 0.9 --population 100 --method poisson",
        "pass --method hypergeometric or drop --population @ --population",
    ),
    (
        "sample-eval --n 50 --deviations 1 --confidence 0.9 --method hypergeometric",
        "--population is required for --method hypergeometric @ --population",
    ),
    ("sample-size --confidence 0.9 --tolerable 0.05 --method binomal", "did you mean 'binomial'"),
    ("sample-size --kind mus --confidence 0.9 --tolerable 0.05 --method stringer", "--method must be one of"),
    ("sample-size --kind mus --confidence 0.95 --tolerable 0.05 --max 50", "@ --max"),
    ("sample-size --kind mus --confidence 0.95", "--tolerable or --min-precision is required"),
    ("sample-size --kind variables --confidence 0.9 --population 10 --max 5", "--max does not apply"),
    ("sample-size --kind mus --confidence 0.9 --tolerable 0.05 --expected 0.06", "@ --expected"),
    ("sample-size --kind variables --confidence 0.9 --population 10", "--std-dev is required"),
    ("sample-size --confidence 0.9 --tolerable nan", "@ --tolerable"),
    ("sample-size --confidence 0.9 --tolerable 0.05 --population 1e3", "whole number"),
    ("sample-eval --confidence 0.9 --deviations 1", "--n is required"),
    ("sample-eval --n 5.5 --deviations 1 --confidence 0.9", "--n must be a whole number"),
    (f"sample-eval --n {'9' * 60} --deviations 1 --confidence 0.9", "--n must be a whole number"),
    ("sample-eval --kind mus --n 50 --confidence 0.9 --taints 0.5,x", "--taints[1]"),
    ("sample-eval --kind mus --n 50 --confidence 0.9 --taints 1.5", "@ --taints[0]"),
    ("sample-eval --kind mus --n 50 --confidence 0.9 --deviations 1", "--deviations does not apply"),
    ("sample-eval --kind variables --confidence 0.9", "--estimator is required"),
    ("sample-select --n 3 --seed 1", "--population N or as --items"),
    ("sample-select --population 10 --n 3", "--seed is required"),
    ("sample-select --population 10 --n 11 --seed 1", "@ --n"),
    ("sample-select --population 10 --n 3 --seed -1", "@ --seed"),
    ("sample-select --population 0 --n 3 --seed 1", "@ --population"),
    ("sample-select --population 10 --n 3 --seed 1 --method sytematic", "did you mean 'systematic'"),
    ("sample-select --population 10 --n 3 --seed 1 --strata x", "--strata applies to"),
    ("sample-select --items /nonexistent/items.csv --n 3 --seed 1", "cannot read"),
    ("sample-select --replay /nonexistent/workpaper.json", "cannot read"),
]


class TestBadFlags:
    @pytest.mark.parametrize(("words", "message"), BAD_FLAGS, ids=[words[:70] for words, _ in BAD_FLAGS])
    def test_one_line(self, words: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
        """Each bad flag is one line on stderr naming it, exit 2, never a traceback."""
        argv = words.split()
        status, _, err = run(argv, capsys)
        assert status == 2, err
        assert "Traceback" not in err
        assert err.count("\n") == 1, err
        assert err.startswith(f"comanaged-rcm {argv[0]}: error: "), err
        assert message in err, err

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("id,book_value\nC1,1\nC2,2\nC1,3\n", "item id 'C1' is in data rows 1 and 3"),
            ("claim,amount\nC1,1\n", "missing required column 'id'"),
            ("id,book_value\nC1,abc\n", "items.csv:2:book_value"),
            ("id\n", "holds no items"),
            ("", "empty"),
        ],
    )
    def test_bad_items_file(
        self, content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad --items file is one line naming the file, the row or the column, exit 2."""
        items = write(tmp_path / "items.csv", content)
        status, _, err = run(["sample-select", "--items", items, "--n", "1", "--seed", "1"], capsys)
        assert status == 2, err
        assert err.count("\n") == 1, err
        assert message in err, err

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("[" * 10_000 + "]" * 10_000, "nested deeper than 200 levels"),
            ('{"schema": "x", "version": 1}', "not a sampling workpaper"),
            ('{"schema": "comanaged-rcm/sampling-workpaper", "version": 99}', "schema version 99, newer"),
            ('{"a": 1, "a": 2}', "duplicate key"),
            ('{"schema": "comanaged-rcm/sampling-workpaper", "version": 1, "tool": "t"}', "workpaper.json:$"),
        ],
    )
    def test_bad_replay_file(
        self, content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A --replay file that is no workpaper is one line, exit 2 (a differing one is exit 1)."""
        path = write(tmp_path / "workpaper.json", content)
        status, _, err = run(["sample-select", "--replay", path], capsys)
        assert status == 2, err
        assert err.count("\n") == 1, err
        assert message in err, err
