"""Audit workpapers: determinism, replay, tamper detection, all-or-nothing writing and rendering."""

from __future__ import annotations

import json
import math
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.cli import main
from comanaged_rcm.errors import ValidationError
from comanaged_rcm.sampling._engine import attribute_sample_size, attribute_upper_limit
from comanaged_rcm.sampling._monetary import monetary_sample_size, monetary_upper_limit
from comanaged_rcm.sampling._mus import mus_select
from comanaged_rcm.sampling._select import select
from comanaged_rcm.sampling._variables import mean_per_unit
from comanaged_rcm.sampling._workpaper import (
    FILES,
    SCHEMA,
    SCHEMA_VERSION,
    Population,
    Workpaper,
    add_step,
    load_workpaper,
    replay,
    step,
)
from comanaged_rcm.serialize import to_dict


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory`` (hidden ones too) with its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


ITEMS = "id,book_value,region\n" + "".join(f"CLM-{i:03},{10 * i + 0.25},{'NS'[i % 2]}\n" for i in range(40))
PLAN = ["sample-size", "--confidence", "0.95", "--tolerable", "0.05", "--expected", "0.01"]
EVAL = ["sample-eval", "--n", "93", "--deviations", "1", "--confidence", "0.95", "--tolerable", "0.05"]


def select_argv(items: Path) -> list[str]:
    return ["sample-select", "--items", str(items), "--n", "6", "--seed", "20261102", "--strata", "region"]


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.csv"
    path.write_text(ITEMS, encoding="utf-8")
    return path


def full_test(directory: Path, items: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Plan, select and evaluate into one workpaper directory."""
    for argv in (PLAN, select_argv(items), EVAL):
        status, _, err = run([*argv, "--workpaper", str(directory)], capsys)
        assert status == 0, err


class TestDeterminism:
    def test_same_inputs_same_bytes(
        self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The same commands into two directories write byte-for-byte identical files (no time, no path)."""
        full_test(tmp_path / "a", items, capsys)
        full_test(tmp_path / "b", items, capsys)
        first, second = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
        assert sorted(first) == sorted(FILES)
        assert first == second

    def test_rerun_replaces_its_step(
        self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Running a command again replaces its own step: the workpaper is unchanged, still three steps."""
        full_test(tmp_path / "a", items, capsys)
        before = snapshot(tmp_path / "a")
        status, _, err = run([*select_argv(items), "--workpaper", str(tmp_path / "a")], capsys)
        assert status == 0, err
        assert snapshot(tmp_path / "a") == before
        paper = json.loads((tmp_path / "a" / "workpaper.json").read_text(encoding="utf-8"))
        assert [s["command"] for s in paper["steps"]] == ["sample-size", "sample-select", "sample-eval"]

    def test_json_schema(self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The JSON names its schema and version, and reads back as the same Workpaper."""
        full_test(tmp_path, items, capsys)
        data = json.loads((tmp_path / "workpaper.json").read_text(encoding="utf-8"))
        assert (data["schema"], data["version"]) == (SCHEMA, SCHEMA_VERSION)
        paper = load_workpaper(data)
        assert json.loads(paper.to_json()) == data
        assert paper.to_json() == (tmp_path / "workpaper.json").read_text(encoding="utf-8")


class TestReplay:
    def test_round_trip(self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--replay re-draws the 6 items from the JSON alone (the items file deleted) and recomputes the
        plan and the evaluation: exit 0, "replayed: 6 items identical"."""
        full_test(tmp_path / "wp", items, capsys)
        items.unlink()
        status, out, err = run(["sample-select", "--replay", str(tmp_path / "wp" / "workpaper.json")], capsys)
        assert status == 0, err
        assert out.splitlines()[-1] == "replayed: 6 items identical"
        assert "step 1 (sample-size): attribute sampling identical" in out

    @pytest.mark.parametrize(
        ("argv", "n"),
        [
            (["--confidence", "0.95", "--tolerable", "0.05", "--expected", "2"], 124),
            (["--confidence", "0.9", "--min-precision", "0.05"], 45),
            (["--confidence", "0.95", "--tolerable", "0.05", "--min-precision", "0.03"], 99),
            (["--kind", "mus", "--confidence", "0.95", "--tolerable", "0.05", "--expected", "2"], 126),
            (["--kind", "mus", "--confidence", "0.95", "--min-precision", "0.05"], 60),
        ],
    )
    def test_plan_round_trip(
        self, argv: list[str], n: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A plan by a count of expected errors, or by precision (alone or with a tolerable rate), replays
        identical from its workpaper. The sizes: jfa planning(materiality = 0.05, expected = 2) is 124
        (binomial) and 126 (Poisson, the mus default: gammaincc(3, 0.05 n) <= 0.05 from n = 126); by
        precision alone at 90% the Clopper-Pearson bound 1 - 0.1 ** (1 / n) falls below 5% at n = 45, and
        at 95% the Poisson bound -ln(0.05) / n below 5% at n = 60; at 95% / 5% with precision below 3%,
        1 - 0.05 ** (1 / n) < 0.03 from n = 99."""
        status, out, err = run(["sample-size", *argv, "--workpaper", str(tmp_path)], capsys)
        assert status == 0, err
        assert out.startswith(f"sample size: {n}")
        status, out, err = run(["sample-select", "--replay", str(tmp_path / "workpaper.json")], capsys)
        assert status == 0, err
        assert out.splitlines()[-1] == "replayed: 0 items identical"
        paper = load_workpaper(json.loads((tmp_path / "workpaper.json").read_text(encoding="utf-8")))
        assert "tolerable rate of -" not in paper.steps[0].conclusion

    def test_plan_sizes(self) -> None:
        """The sizes test_plan_round_trip expects, from their closed forms (scipy for the Poisson count)."""
        from scipy.special import gammaincc  # noqa: PLC0415 - the oracle

        assert gammaincc(3, 0.05 * 126) <= 0.05 < gammaincc(3, 0.05 * 125)
        assert 1 - 0.1 ** (1 / 45) < 0.05 <= 1 - 0.1 ** (1 / 44)
        assert -math.log(0.05) / 60 < 0.05 <= -math.log(0.05) / 59
        assert 1 - 0.05 ** (1 / 99) < 0.03 <= 1 - 0.05 ** (1 / 98)

    @pytest.mark.parametrize("count", [2, 2.0, 3])
    def test_count_plan_as_given(self, count: float) -> None:
        """A count plan replays whether the count was given as an int or a float (its convention quotes
        it as given), for attribute and monetary plans; changing its acceptable deviations is found."""
        for plan in (
            attribute_sample_size(0.95, 0.05, expected=count),
            monetary_sample_size(0.95, 0.05, expected=count),
        ):
            assert plan.expected_kind == "count"
            paper = load_workpaper(json.loads(add_step(None, step(plan)).to_json()))
            assert replay(paper).identical, replay(paper).difference
        plan = attribute_sample_size(0.95, 0.05, expected=count)
        assert plan.acceptable_deviations == count
        tampered = add_step(
            None, step(attrs.evolve(plan, acceptable_deviations=plan.acceptable_deviations + 1))
        )
        difference = replay(tampered).difference
        assert difference is not None
        assert difference.startswith("step 1 (sample-size): sample_size: the workpaper has")

    def test_population_size(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A selection from --population N replays too."""
        argv = [
            "sample-select",
            "--population",
            "100000",
            "--n",
            "25",
            "--seed",
            "7",
            "--method",
            "systematic",
        ]
        assert run([*argv, "--workpaper", str(tmp_path)], capsys)[0] == 0
        status, out, _ = run(["sample-select", "--replay", str(tmp_path / "workpaper.json")], capsys)
        assert status == 0
        assert "replayed: 25 items identical" in out

    def test_items_file_beside_replay(
        self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--items beside --replay checks the file still holds the population: a changed id is exit 1."""
        full_test(tmp_path / "wp", items, capsys)
        paper = str(tmp_path / "wp" / "workpaper.json")
        assert run(["sample-select", "--replay", paper, "--items", str(items)], capsys)[0] == 0
        items.write_text(ITEMS.replace("CLM-007", "CLM-700"), encoding="utf-8")
        status, _, err = run(["sample-select", "--replay", paper, "--items", str(items)], capsys)
        assert status == 1
        assert "population item 8: the workpaper has 'CLM-007', --items has 'CLM-700'" in err

    @given(
        size=st.integers(1, 500),
        data=st.data(),
        seed=st.integers(0, 2**128 - 1),
        method=st.sampled_from(["random", "systematic"]),
    )
    def test_any_selection_replays(self, size: int, data: st.DataObject, seed: int, method: str) -> None:
        """Every selection, put in a workpaper and read back from its JSON, replays identical."""
        n = data.draw(st.integers(1, size))
        paper = add_step(None, step(select(size, n, seed, method=method)))
        again = load_workpaper(json.loads(paper.to_json()))
        result = replay(again)
        assert result.identical, result.difference
        assert result.items == n


def tamper(path: Path, change: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


class TestTamper:
    def test_changed_item(self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """An item changed in the JSON is exit 1 naming it: its place in the draw and both ids."""
        full_test(tmp_path, items, capsys)
        path = tmp_path / "workpaper.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        drawn = data["steps"][1]["selection"]["items"]
        second = drawn[1]

        def change(d: dict[str, object]) -> None:
            d["steps"][1]["selection"]["items"][1] = "CLM-999"  # type: ignore[index]

        tamper(path, change)
        status, out, err = run(["sample-select", "--replay", str(path)], capsys)
        assert status == 1
        assert "replayed:" not in out
        assert err.count("\n") == 1
        assert (
            f"item 2 (in the order drawn): the workpaper has 'CLM-999', the re-draw gives '{second}'" in err
        )

    def test_changed_seed(self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A changed seed re-draws other items: exit 1 naming the first that differs."""
        full_test(tmp_path, items, capsys)
        path = tmp_path / "workpaper.json"
        tamper(path, lambda d: d["steps"][1]["selection"].update(seed=1))
        status, _, err = run(["sample-select", "--replay", str(path)], capsys)
        assert status == 1
        assert "step 2 (sample-select): item " in err

    def test_changed_plan(self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A plan whose sample size was edited is exit 1 naming the field and both values."""
        full_test(tmp_path, items, capsys)
        path = tmp_path / "workpaper.json"
        tamper(path, lambda d: d["steps"][0]["attribute_plan"].update(sample_size=60))
        status, _, err = run(["sample-select", "--replay", str(path)], capsys)
        assert status == 1
        assert "step 1 (sample-size): sample_size: the workpaper has 60, the recomputation gives 93" in err

    def test_changed_conclusion(
        self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A conclusion reworded by hand is exit 1."""
        full_test(tmp_path, items, capsys)
        path = tmp_path / "workpaper.json"
        tamper(path, lambda d: d["steps"][2].update(conclusion="Accept: all fine."))
        status, _, err = run(["sample-select", "--replay", str(path)], capsys)
        assert status == 1
        assert "step 3 (sample-eval): the conclusion differs" in err

    def test_changed_input_text(
        self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An edit that leaves every result recomputable (an input's text) is caught by the digest."""
        full_test(tmp_path, items, capsys)
        path = tmp_path / "workpaper.json"
        tamper(path, lambda d: d["steps"][0]["inputs"][1].update(value="0.90"))
        status, _, err = run(["sample-select", "--replay", str(path)], capsys)
        assert status == 1
        assert "does not match its digest" in err

    def test_replay_refuses_other_flags(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--replay takes its inputs from the workpaper: --seed beside it is an error, exit 2."""
        status, _, err = run(["sample-select", "--replay", str(tmp_path / "w.json"), "--seed", "3"], capsys)
        assert status == 2
        assert "--seed does not go with --replay" in err


class TestAllOrNothing:
    def test_failing_write_leaves_directory(
        self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A move that fails half way (the second file) leaves the earlier workpaper exactly as it was."""
        directory = tmp_path / "wp"
        assert run([*PLAN, "--workpaper", str(directory)], capsys)[0] == 0
        before = snapshot(directory)
        real = Path.replace
        calls: list[Path] = []

        def failing(self: Path, target: str | Path) -> Path:
            calls.append(self)
            if len(calls) == 2:
                raise OSError(28, "No space left on device", str(target))
            return real(self, target)

        monkeypatch.setattr(Path, "replace", failing)
        status, _, err = run([*select_argv(items), "--workpaper", str(directory)], capsys)
        monkeypatch.undo()
        assert status == 2
        assert err.count("\n") == 1
        assert "No space left on device" in err
        assert snapshot(directory) == before

    def test_failing_write_creates_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A write that fails into a new directory leaves no directory behind."""

        def failing(_: Path, target: str | Path) -> Path:
            raise OSError(5, "Input/output error", str(target))

        monkeypatch.setattr(Path, "replace", failing)
        status, _, _ = run([*PLAN, "--workpaper", str(tmp_path / "new" / "wp")], capsys)
        monkeypatch.undo()
        assert status == 2
        assert not (tmp_path / "new").exists()

    def test_unreadable_earlier_workpaper(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A workpaper.json in DIR that is not a workpaper is never overwritten: exit 2, untouched."""
        (tmp_path / "workpaper.json").write_text('{"mine": true}', encoding="utf-8")
        before = snapshot(tmp_path)
        status, _, err = run([*PLAN, "--workpaper", str(tmp_path)], capsys)
        assert status == 2
        assert "not a sampling workpaper" in err
        assert snapshot(tmp_path) == before


class TestRendering:
    def test_every_input_appears(
        self, tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Markdown and HTML show every flag and value given, the seed, the algorithm and its version,
        every selected item with its book value and stratum, the conventions and the conclusion."""
        full_test(tmp_path, items, capsys)
        paper = load_workpaper(json.loads((tmp_path / "workpaper.json").read_text(encoding="utf-8")))
        markdown = (tmp_path / "workpaper.md").read_text(encoding="utf-8")
        page = (tmp_path / "workpaper.html").read_text(encoding="utf-8")
        selection = paper.steps[1].selection
        assert selection is not None
        words = [*PLAN[1:], *select_argv(items)[1:], *EVAL[1:]]
        words[words.index(str(items))] = "items.csv"
        for text in (markdown, page):
            for word in words:
                assert f"{word} " in text or f"{word}<" in text or f"{word} |" in text, word
            for item in selection.items:
                assert str(item) in text
                book = 10 * int(str(item)[4:]) + 0.25
                assert str(book) in text
            assert "20261102" in text
            assert "select/1" in text
            assert "AICPA" in text
            assert "one-sided upper limit" in text
            assert paper.digest in text
        assert "## Conclusion\n\nAccept: with 1 deviation in 93 items" in markdown
        assert "<h2>Conclusion</h2>\n<p>Accept: with 1 deviation in 93 items" in page

    def test_html_is_self_contained(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The page has its style inline and loads nothing (no script, no link, no src, no URL)."""
        assert run([*PLAN, "--workpaper", str(tmp_path)], capsys)[0] == 0
        page = (tmp_path / "workpaper.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>")
        assert "<style>" in page
        for outside in ("<script", "<link", "src=", "http://", "https://", "@import"):
            assert outside not in page

    def test_hostile_ids_are_escaped(self) -> None:
        """Item ids with markup are shown as text: escaped in HTML, inert in Markdown."""
        ids = ["<b>x</b>", "a|b", "c*d*"]
        population = Population(size=3, source="x.csv", ids=ids)
        paper = add_step(None, step(select(ids, 3, 1), population=population))
        page = paper.to_html()
        assert "<b>x</b>" not in page
        assert "&lt;b&gt;x&lt;/b&gt;" in page
        markdown = paper.to_markdown()
        assert "a\\|b" in markdown
        assert "c\\*d\\*" in markdown
        assert "<b>" not in markdown


class TestConclusions:
    def test_attribute_edges(self) -> None:
        """0 of 59 at 95%: 1 - 0.05^(1/59) = 4.95% <= 5%, accept; 0 of 58: 5.03% > 5%, reject;
        without a tolerable rate there is no conclusion."""
        assert 1 - 0.05 ** (1 / 59) <= 0.05 < 1 - 0.05 ** (1 / 58)
        accept = step(attribute_upper_limit(59, 0, 0.95, tolerable_rate=0.05)).conclusion
        reject = step(attribute_upper_limit(58, 0, 0.95, tolerable_rate=0.05)).conclusion
        none = step(attribute_upper_limit(58, 0, 0.95)).conclusion
        assert accept.startswith("Accept: with 0 deviations in 59 items the upper deviation limit is 4.95")
        assert "at or below the tolerable rate of 5%: the control can be relied on" in accept
        assert reject.startswith("Reject:")
        assert "above the tolerable rate of 5%: the control cannot be relied on" in reject
        assert none.startswith("No conclusion: no tolerable rate was given.")

    def test_mus_words(self) -> None:
        """A monetary evaluation concludes on the book value, with the amount when it is known."""
        ev = monetary_upper_limit(60, [], 0.95, population_value=100_000.0, tolerable_rate=0.05)
        words = step(ev).conclusion
        assert words.startswith("Accept: with 0 misstatements")
        assert f"({ev.upper_misstatement:,.2f})" in words
        assert words.endswith("the book value is accepted.")

    @pytest.mark.parametrize("offset", [-1, 0, 1])
    def test_appraisal_edges(self, offset: int) -> None:
        """The book total is accepted when book - lower limit is at most the tolerable misstatement:
        exactly at the bound accept, one float above the bound (a smaller tolerable) reject."""
        appraisal = mean_per_unit([10.0, 20.0, 30.0, 40.0], population=100, confidence=0.9)
        assert appraisal.lower is not None
        book = 2_600.0
        bound = book - appraisal.lower
        tolerable = bound if offset == 0 else math.nextafter(bound, math.inf * offset)
        made = step(appraisal, book_total=book, tolerable_misstatement=tolerable)
        assert made.appraisal_test is not None
        assert made.appraisal_test.misstatement_bound == bound
        assert made.appraisal_test.acceptable is (offset >= 0)
        assert made.conclusion.startswith("Accept:" if offset >= 0 else "Reject:")

    def test_plan_words(self) -> None:
        """An attribute plan says how many items and how many deviations are acceptable (93 and 1, AICPA)."""
        words = step(attribute_sample_size(0.95, 0.05, 0.01)).conclusion
        assert words.startswith("Plan: examine 93 items. Accept if at most 1 deviation is found")

    def test_precision_words(self) -> None:
        """A plan by precision alone names the precision and asks for a tolerable rate at evaluation (45
        items at 90%, 5%: see TestReplay.test_plan_sizes); with both, both are named."""
        alone = step(attribute_sample_size(0.9, min_precision=0.05)).conclusion
        assert alone.startswith("Plan: examine 45 items. Accept if at most 0 deviations are found")
        assert "stays less than 5% above the sample deviation rate (the minimum precision; binomial" in alone
        assert "tolerable rate of" not in alone
        assert alone.endswith(
            "No tolerable rate was given: compare the upper limit with one when evaluating."
        )
        both = step(attribute_sample_size(0.95, 0.05, min_precision=0.03)).conclusion
        assert "at or below the tolerable rate of 5% and less than 3% above the sample deviation rate" in both
        mus = step(monetary_sample_size(0.95, min_precision=0.05)).conclusion
        assert "less than 5% of the book value above the most likely misstatement" in mus
        assert "tolerable rate of" not in mus
        tolerable_only = step(attribute_sample_size(0.95, 0.05)).conclusion
        assert "minimum precision" not in tolerable_only
        assert "above the sample deviation rate" not in tolerable_only


class TestModels:
    def test_step_refuses_other_objects(self) -> None:
        """A step of something that is not a sampling result is refused at $.result."""
        with pytest.raises(ValidationError, match=r"@ \$\.result"):
            step("not a result")

    def test_population_only_with_selection(self) -> None:
        """A population goes with a selection only; one that does not fit it is refused."""
        plan = attribute_sample_size(0.95, 0.05)
        with pytest.raises(ValidationError, match=r"@ \$\.population"):
            step(plan, population=Population(size=3, source="x"))
        with pytest.raises(ValidationError, match="the population must be the one"):
            step(select(10, 2, 1), population=Population(size=3, source="x"))

    def test_newer_schema_refused(self) -> None:
        """A workpaper of a newer schema version is refused naming both versions."""
        paper = add_step(None, step(select(10, 2, 1)))
        data = to_dict(paper)
        data["version"] = SCHEMA_VERSION + 1
        with pytest.raises(ValidationError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
            load_workpaper(data)

    def test_steps_in_order(self) -> None:
        """A workpaper keeps its steps distinct and in the order plan, selection, evaluation."""
        plan = step(attribute_sample_size(0.95, 0.05))
        chosen = step(select(10, 2, 1))
        paper = add_step(add_step(None, chosen), plan)
        assert [s.command for s in paper.steps] == ["sample-size", "sample-select"]
        with pytest.raises(ValidationError, match="steps must be distinct"):
            attrs.evolve(paper, steps=(chosen, plan))
        with pytest.raises(ValidationError, match="at least one step"):
            Workpaper(tool="t", steps=(), conclusion="c")


MUS_ITEMS = "id,book_value\n" + "".join(
    f"M{i},{(i * 37) % 101 + 0.5 if i % 13 else 0.0}\n" for i in range(60)
)
MUS_METHODS = {"fixed-interval": "interval", "cell": "cell", "random-value": "random", "sieve": "sieve"}


class TestMonetarySelection:
    @pytest.mark.parametrize("method", sorted(MUS_METHODS))
    def test_same_as_mus_select_and_replays(
        self, method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--method fixed-interval|cell|random-value|sieve draws what mus_select draws (jfa's methods),
        the workpaper lists certainty and excluded items apart, and --replay re-draws them."""
        items = tmp_path / "mus.csv"
        items.write_text(MUS_ITEMS, encoding="utf-8")
        argv = ["sample-select", "--items", str(items), "--n", "8", "--seed", "5", "--method", method]
        status, out, err = run([*argv, "--workpaper", str(tmp_path / "wp")], capsys)
        assert status == 0, err
        rows = [line.split(",") for line in MUS_ITEMS.splitlines()[1:]]
        expected = mus_select(
            [float(b) for _, b in rows], 8, 5, ids=[i for i, _ in rows], method=MUS_METHODS[method]
        )
        assert "items: " + (", ".join(map(str, expected.items)) or "-") in out
        markdown = (tmp_path / "wp" / "workpaper.md").read_text(encoding="utf-8")
        for item in (*expected.sampled_items, *expected.excluded_items):
            assert f"| {item} |" in markdown
        status, out, err = run(["sample-select", "--replay", str(tmp_path / "wp" / "workpaper.json")], capsys)
        assert status == 0, err
        assert f"replayed: {len(expected.sampled_items)} items identical" in out

    def test_fixed_start_and_tamper(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A given --start is replayed as given (mus_select's own example: start 0 over ten items of 5
        hits items 1 and 6); a changed sampled item is exit 1 naming it."""
        items = tmp_path / "ten.csv"
        items.write_text("id,book_value\n" + "".join(f"{i},5\n" for i in range(1, 11)), encoding="utf-8")
        argv = [
            "sample-select",
            "--items",
            str(items),
            "--n",
            "2",
            "--seed",
            "1",
            "--method",
            "fixed-interval",
        ]
        status, out, err = run([*argv, "--start", "0", "--workpaper", str(tmp_path / "wp")], capsys)
        assert status == 0, err
        assert "items: 1, 6" in out
        path = tmp_path / "wp" / "workpaper.json"
        assert run(["sample-select", "--replay", str(path)], capsys)[0] == 0
        tamper(path, lambda d: d["steps"][0]["monetary_selection"]["items"].__setitem__(1, "7"))
        status, _, err = run(["sample-select", "--replay", str(path)], capsys)
        assert status == 1
        assert "item 2 (in the order drawn): the workpaper has '7', the re-draw gives '6'" in err

    @pytest.mark.parametrize(
        ("words", "message"),
        [
            (
                "sample-select --population 10 --n 2 --seed 1 --method sieve",
                "needs --items with a book value",
            ),
            (
                "sample-select --population 10 --n 2 --seed 1 --interval 5",
                "--interval applies to the monetary",
            ),
        ],
    )
    def test_bad_flags(self, words: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
        """Monetary unit flags without their inputs are one line, exit 2."""
        status, _, err = run(words.split(), capsys)
        assert status == 2
        assert err.count("\n") == 1
        assert message in err
