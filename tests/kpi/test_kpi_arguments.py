"""Bad arguments to KPI definitions, the registry, evaluate, trend and measures are library errors."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pytest

from comanaged_rcm.errors import ConventionError, Issue, ValidationError
from comanaged_rcm.kpi import (
    CONVENTIONS,
    Book,
    Direction,
    Edge,
    EdgeKind,
    KPIDefinition,
    Scorecard,
    Tier,
    Unit,
    catalogue,
    check_hierarchy,
    evaluate,
    measures,
    register,
    resolve_conventions,
    trend,
    unregister,
)
from comanaged_rcm.periods import Cadence, Period
from comanaged_rcm.serialize import from_dict, to_dict
from tests.kpi.conftest import JANUARY

D = datetime.date
WEEKS = Cadence.weekly().periods_ending(D(2026, 1, 26), 2)
GOOD = KPIDefinition(
    id="cash_per_touch",
    name="Cash per touch",
    tier=Tier.ACTIVITY,
    direction=Direction.HIGHER,
    unit=Unit.RATIO,
    formula="cash / touches",
    numerator=("cash",),
    denominator=("touches_closed",),
)


def issue(call: Callable[[], object]) -> Issue:
    """The one issue of the ValidationError ``call`` raises."""
    with pytest.raises(ValidationError) as caught:
        call()
    assert len(caught.value.issues) == 1
    return caught.value.issues[0]


def registry() -> dict[str, KPIDefinition]:
    """The catalogue as it stands, by id."""
    return {k.id: k for k in catalogue()}


class TestDefinitionFields:
    """A KPIDefinition or Edge with a field of the wrong type fails at construction, at its path."""

    @pytest.mark.parametrize(
        ("changes", "path", "phrase"),
        [
            (
                {"tier": "outcome"},
                "$.tier",
                "'tier' must be a Tier (got 'outcome'; did you mean Tier.OUTCOME?)",
            ),
            ({"tier": 0}, "$.tier", "'tier' must be a Tier (got 0)"),
            ({"tier": "top"}, "$.tier", "'tier' must be a Tier (got 'top')"),
            ({"direction": "up"}, "$.direction", "'direction' must be a Direction (got 'up')"),
            (
                {"unit": "percent"},
                "$.unit",
                "'unit' must be a Unit (got 'percent'; did you mean Unit.PERCENT?)",
            ),
            ({"name": None}, "$.name", "'name' must be a string (got None)"),
            ({"formula": 3}, "$.formula", "'formula' must be a string (got 3)"),
            ({"source": b"MGMA"}, "$.source", "'source' must be a string (got b'MGMA')"),
            ({"numerator": 5}, "$.numerator", "'numerator' must be a tuple of str (got 5)"),
            ({"numerator": "cash"}, "$.numerator", "'numerator' must be a tuple of str (got 'cash')"),
            (
                {"denominator": ["cash"]},
                "$.denominator",
                "'denominator' must be a tuple of str (got ['cash'])",
            ),
            ({"numerator": (5,)}, "$.numerator[0]", "'numerator[0]' must be a measure name (got 5)"),
            ({"conventions": "refunds"}, "$.conventions", "'conventions' must be a tuple of str"),
            ({"conventions": (None,)}, "$.conventions[0]", "'conventions[0]' must be a convention family"),
            ({"drives": Edge("days_in_ar")}, "$.drives", "'drives' must be a tuple of Edge"),
            (
                {"drives": ("days_in_ar",)},
                "$.drives[0]",
                "'drives[0]' must be an Edge, like Edge('days_in_ar') (got 'days_in_ar')",
            ),
            ({"scale": "100"}, "$.scale", "'scale' must be a finite number (got '100')"),
            ({"scale": True}, "$.scale", "'scale' must be a finite number (got True)"),
            ({"scale": float("inf")}, "$.scale", "'scale' must be a finite number (got inf)"),
            ({"scale": float("nan")}, "$.scale", "'scale' must be a finite number (got nan)"),
            ({"scale": -1}, "$.scale", "'scale' must be > 0 (got -1.0)"),
        ],
    )
    def test_wrong_types_are_validation_errors(self, changes: dict[str, Any], path: str, phrase: str) -> None:
        """Each wrong field is one issue at its path whose message names field, expectation and value."""
        found = issue(lambda: attrs.evolve(GOOD, **changes))
        assert found.path == path
        assert phrase in found.message

    def test_good_values_still_construct(self) -> None:
        """Well-typed values still construct: an int scale, a tuple of Edges, a str source."""
        changed = attrs.evolve(
            GOOD, scale=100, drives=(Edge("days_in_ar", EdgeKind.INFLUENCES),), source="me"
        )
        assert changed.scale == 100
        assert changed.drives[0].kind is EdgeKind.INFLUENCES

    @pytest.mark.parametrize(
        "scale", [100, np.int64(100), np.float32(100.0)], ids=["int", "int64", "float32"]
    )
    def test_numeric_scales_become_floats(self, scale: Any) -> None:
        """Any real number, numpy's included, is stored as a float, so the definition serializes."""
        changed = attrs.evolve(GOOD, scale=scale)
        assert type(changed.scale) is float
        assert changed.scale == 100.0
        assert from_dict(to_dict(changed), KPIDefinition) == changed

    @pytest.mark.parametrize(
        ("build", "path", "phrase"),
        [
            (
                lambda: Edge(5),  # type: ignore[arg-type]
                "$.target",
                "'target' must be a snake_case name (got 5)",
            ),
            (
                lambda: Edge("days_in_ar", "decomposes"),  # type: ignore[arg-type]
                "$.kind",
                "'kind' must be an EdgeKind (got 'decomposes'; did you mean EdgeKind.DECOMPOSES?)",
            ),
        ],
    )
    def test_edge_fields(self, build: Callable[[], object], path: str, phrase: str) -> None:
        """An Edge's target is a KPI id and its kind an EdgeKind."""
        found = issue(build)
        assert found.path == path
        assert phrase in found.message


class TestRegistry:
    """register, unregister and check_hierarchy refuse what is not a definition or an id, and a
    refused register leaves the catalogue as it was."""

    @pytest.mark.parametrize(
        "definition",
        [
            5,
            "days_in_ar",
            None,
            attrs.evolve(GOOD, id="days_in_ar"),  # id taken
            attrs.evolve(GOOD, tier=Tier.OUTCOME, numerator=("items_closed",), denominator=()),  # KPI-004
            attrs.evolve(GOOD, drives=(Edge("ghost"),)),  # KPI-002
        ],
    )
    def test_refused_register_changes_nothing(self, definition: Any) -> None:
        """Every refusal is a ValidationError and the catalogue is unchanged after it."""
        before = registry()
        with pytest.raises(ValidationError):
            register(definition)
        assert registry() == before

    def test_register_of_a_non_definition(self) -> None:
        """register(5) names the argument and what it got."""
        found = issue(lambda: register(5))  # type: ignore[arg-type]
        assert (found.path, found.code) == ("$.definition", "type")
        assert "'definition' must be a KPIDefinition (got 5)" in found.message

    @pytest.mark.parametrize("kpi_id", [5, ["cash_per_touch"], None])
    def test_unregister_of_a_non_id(self, kpi_id: Any) -> None:
        """unregister of a non-string is the usual unknown-id error, not a TypeError."""
        found = issue(lambda: unregister(kpi_id))
        assert (found.path, found.code) == ("$.kpi_id", "unknown")
        assert "is not a registered user KPI" in found.message

    @pytest.mark.parametrize(
        ("definitions", "path", "phrase"),
        [
            (5, "$.definitions", "'definitions' must be an iterable of KPIDefinition (got 5)"),
            ([GOOD, "x"], "$.definitions[1]", "'definitions[1]' must be a KPIDefinition (got 'x')"),
        ],
    )
    def test_check_hierarchy_of_non_definitions(self, definitions: Any, path: str, phrase: str) -> None:
        """check_hierarchy refuses what is not an iterable of definitions, at the item's index."""
        found = issue(lambda: check_hierarchy(definitions))
        assert found.path == path
        assert phrase in found.message

    def test_good_register_still_works(self, book: Book) -> None:
        """A well-typed definition registers, evaluates and unregisters."""
        register(GOOD)
        try:
            assert evaluate(book, JANUARY, metrics=["cash_per_touch"]).result("cash_per_touch").value == 87.5
        finally:
            unregister("cash_per_touch")
        assert "cash_per_touch" not in registry()


class TestConventionsArgument:
    """conventions must be a mapping of family name to option name."""

    @pytest.mark.parametrize(
        ("conventions", "path", "phrase"),
        [
            (["refunds"], "$.conventions", "'conventions' must be a mapping of family to option"),
            ("refunds=gross", "$.conventions", "(got 'refunds=gross')"),
            ({1: "gross"}, "$.conventions", "must map family names (str) to options (got the key 1)"),
            ({"refunds": ["gross"]}, "$.conventions.refunds", "must map 'refunds' to an option name (str)"),
        ],
    )
    def test_not_a_mapping_of_str(self, book: Book, conventions: Any, path: str, phrase: str) -> None:
        """resolve_conventions, evaluate, trend and measures all say so at $.conventions."""
        calls: list[Callable[[], object]] = [
            lambda: resolve_conventions(conventions),
            lambda: evaluate(book, JANUARY, conventions=conventions),
            lambda: trend(book, WEEKS, conventions=conventions),
            lambda: measures(book, JANUARY, conventions=conventions),
        ]
        for i, call in enumerate(calls):
            found = issue(call)
            own = path.replace("$.conventions", "$.chosen") if i == 0 else path  # the argument's name
            assert (found.path, found.code) == (own, "type")
            assert phrase.replace("'conventions'", "'chosen'" if i == 0 else "'conventions'") in found.message

    def test_unknown_names_are_still_convention_errors(self) -> None:
        """Well-typed but unknown families stay ConventionErrors; None and {} mean the defaults."""
        with pytest.raises(ConventionError, match="unknown convention"):
            resolve_conventions({"nope": "x"})
        assert resolve_conventions(None) == resolve_conventions({})
        assert resolve_conventions({"refunds": "gross"})["refunds"].option == "gross"


class TestNoOptionIgnored:
    """A chosen convention that none of the requested KPIs reads is refused, never ignored."""

    def test_an_option_nothing_reads_names_itself_and_its_readers(self, book: Book) -> None:
        """refunds=gross with only backlog requested: the message names the option and the KPIs
        of the catalogue that read 'refunds', in evaluate and in trend."""
        expected = (
            "the convention refunds=gross is read by none of the requested KPIs (backlog); 'refunds'"
            " is read by cash_collection_pct_npsr, cost_to_collect, net_collection_rate: request one"
            " of them or drop refunds=gross"
        )
        for call in (
            lambda: evaluate(book, JANUARY, metrics=["backlog"], conventions={"refunds": "gross"}),
            lambda: trend(book, WEEKS, metrics=["backlog"], conventions={"refunds": "gross"}),
        ):
            with pytest.raises(ConventionError) as caught:
                call()
            assert str(caught.value) == expected

    def test_the_default_option_chosen_explicitly_is_refused_too(self, book: Book) -> None:
        """refunds=netted is the default, but choosing it is a choice: refused when nothing reads it."""
        with pytest.raises(ConventionError, match="the convention refunds=netted is read by none"):
            evaluate(book, JANUARY, metrics=["backlog"], conventions={"refunds": "netted"})

    def test_several_unread_options_are_all_named(self, book: Book) -> None:
        """Two unread families: both named with their readers, in the order given."""
        with pytest.raises(ConventionError) as caught:
            evaluate(
                book,
                JANUARY,
                metrics=["backlog", "items_closed"],
                conventions={"denial_unit": "lines", "refunds": "gross"},
            )
        assert str(caught.value) == (
            "2 conventions are read by none of the requested KPIs (items_closed, backlog):"
            " denial_unit=lines (read by initial_denial_rate); refunds=gross (read by"
            " cash_collection_pct_npsr, cost_to_collect, net_collection_rate); request a KPI that"
            " reads each or drop it"
        )

    def test_one_reader_among_the_requested_is_enough(self, book: Book) -> None:
        """backlog and net_collection_rate with refunds=gross: net collection rate reads it."""
        card = evaluate(
            book, JANUARY, metrics=["backlog", "net_collection_rate"], conventions={"refunds": "gross"}
        )
        assert "refunds:gross@1" in card.result("net_collection_rate").convention
        assert card.result("backlog").convention == ""

    def test_every_kpi_and_measures_take_every_option(self, book: Book) -> None:
        """With all KPIs (metrics=None), and in measures() (every measure), any option applies."""
        chosen = {family: max(options) for family, options in CONVENTIONS.items()}
        assert (
            evaluate(book, JANUARY, conventions=chosen).conventions
            == measures(book, JANUARY, conventions=chosen).conventions
        )
        partial = measures(book, JANUARY, conventions={"refunds": "gross"})
        assert "refunds:gross@1" in partial.conventions

    def test_unknown_names_come_first(self, book: Book) -> None:
        """An unknown option is named as unknown, even where nothing would read its family."""
        with pytest.raises(ConventionError, match="unknown option 'both' for convention 'refunds'"):
            evaluate(book, JANUARY, metrics=["backlog"], conventions={"refunds": "both"})


class TestMetricsArgument:
    """metrics is a list of KPI ids; a bare string is refused with a hint, never a TypeError."""

    @pytest.mark.parametrize(
        ("metrics", "path", "code", "phrase"),
        [
            (5, "$.metrics", "type", "'metrics' must be a list of KPI ids (got 5)"),
            (
                "net_collection_rate",
                "$.metrics",
                "type",
                "not one string (got 'net_collection_rate'; write ['net_collection_rate'])",
            ),
            ([["x"]], "$.metrics[0]", "type", "'metrics[0]' must be a KPI id (str) (got ['x'])"),
            (["backlog", None], "$.metrics[1]", "type", "'metrics[1]' must be a KPI id (str) (got None)"),
            (["nope"], "$.metrics", "unknown", "unknown KPI 'nope'"),
        ],
    )
    def test_bad_metrics(self, book: Book, metrics: Any, path: str, code: str, phrase: str) -> None:
        """evaluate, trend and Scorecard.from_measures report a bad metrics argument at its path."""
        for call in (
            lambda: evaluate(book, JANUARY, metrics=metrics),
            lambda: trend(book, WEEKS, metrics=metrics),
            lambda: Scorecard.from_measures(measures(book, JANUARY), metrics),
        ):
            found = issue(call)
            assert (found.path, found.code) == (path, code)
            assert phrase in found.message

    def test_a_result_asked_by_a_non_string_id_is_refused(self, book: Book) -> None:
        """Scorecard.result with an id that is not a string raises a ValidationError."""
        card = evaluate(book, JANUARY, metrics=["backlog"])
        found = issue(lambda: card.result(5))  # type: ignore[arg-type]
        assert found.code == "type"
        assert "must hold KPI ids (got 5)" in found.message

    def test_good_metrics_work_once_consumed(self, book: Book) -> None:
        """A generator of ids is read once and serves every period of a trend and its whole."""
        result = trend(book, WEEKS, metrics=(m for m in ["backlog", "items_closed"]))
        assert [k.id for k in result.whole.metrics] == ["items_closed", "backlog"]
        assert len(result.values("backlog")) == len(WEEKS)


class TestEdgesOfTheCalendarAndNumbers:
    def test_a_period_too_close_to_year_one_is_refused(self, book: Book) -> None:
        """The engine looks back up to 91 days from a period: one starting before 0001-04-02 is a
        ValidationError, not a bare date error from deep inside."""
        early = Period(datetime.date(1, 1, 1), datetime.date(1, 2, 1))
        found = issue(lambda: evaluate(book, early))
        assert (found.path, found.code) == ("$.period", "range")
        assert "0001-04-02" in found.message
        evaluate(book, Period(datetime.date(1, 4, 2), datetime.date(1, 5, 1)))  # the earliest start works

    def test_a_scale_beyond_float_is_refused(self) -> None:
        """An integer scale too large for a float is refused as not finite."""
        found = issue(lambda: attrs.evolve(GOOD, scale=10**400))
        assert (found.path, found.code) == ("$.scale", "range")
        assert "too large for a float" in found.message


class TestPeriodsAndAsOf:
    """trend's periods and as_of are checked before any work, at $.periods and $.as_of."""

    @pytest.mark.parametrize(
        ("periods", "path", "phrase"),
        [
            (None, "$.periods", "'periods' must be a non-empty sequence of Periods (got None)"),
            (5, "$.periods", "(got 5)"),
            (JANUARY, "$.periods", "must be a non-empty sequence of Periods (got Period("),
            ("2026-01", "$.periods", "(got '2026-01')"),
            ([], "$.periods", "non-empty"),
            ([JANUARY, "2026-02"], "$.periods[1]", "'periods[1]' must be a Period (got '2026-02')"),
            ([JANUARY, JANUARY], "$.periods[1]", "sorted and not overlap"),
        ],
    )
    def test_bad_periods(self, book: Book, periods: Any, path: str, phrase: str) -> None:
        """Anything but a non-empty, sorted sequence of Periods is refused at its path."""
        found = issue(lambda: trend(book, periods))
        assert found.path == path
        assert phrase in found.message

    @pytest.mark.parametrize(
        ("as_of", "path", "code", "phrase"),
        [
            (5, "$.as_of", "type", "'as_of' must be a sequence of dates, one per period (got 5)"),
            (D(2026, 2, 1), "$.as_of", "type", "one per period (got datetime.date(2026, 2, 1))"),
            ("2026-01-26", "$.as_of", "type", "(got '2026-01-26')"),
            ([5], "$.as_of", "length", "need one as-of date per period (got 1)"),
            ([D(2026, 1, 19), 5], "$.as_of[1]", "type", "'as_of[1]' must be a datetime.date (got 5)"),
            (
                [D(2026, 1, 19), D(2026, 1, 20)],
                "$.as_of[1]",
                "range",
                (
                    "'as_of[1]' is the last day counted and must be on or after the period's last day"
                    " 2026-01-25 (got 2026-01-20)"
                ),
            ),
        ],
    )
    def test_bad_as_of(self, book: Book, as_of: Any, path: str, code: str, phrase: str) -> None:
        """A non-sequence, a wrong length or a bad date is refused; item errors name the index."""
        found = issue(lambda: trend(book, WEEKS, as_of=as_of))
        assert (found.path, found.code) == (path, code)
        assert phrase in found.message

    def test_evaluate_as_of_keeps_its_path(self, book: Book) -> None:
        """evaluate's single as_of is still reported at $.as_of."""
        found = issue(lambda: evaluate(book, JANUARY, as_of=5))  # type: ignore[arg-type]
        assert (found.path, found.message) == ("$.as_of", "'as_of' must be a datetime.date (got 5)")

    def test_good_calls_still_work(self, book: Book) -> None:
        """Periods as a list or tuple with explicit as-of dates, and evaluate with every argument."""
        ends = [p.last_day for p in WEEKS]
        assert trend(book, list(WEEKS), as_of=ends).values("backlog") == trend(book, WEEKS).values("backlog")
        card = evaluate(
            book,
            JANUARY,
            as_of=D(2026, 1, 31),
            by=["payer"],
            conventions={"refunds": "gross"},
            metrics=["net_collection_rate"],
        )
        assert "refunds:gross@1" in card.result("net_collection_rate").convention
