"""The catalogue, KPI definitions, user KPIs, the hierarchy check and conventions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from comanaged_rcm.errors import ConventionError, ValidationError
from comanaged_rcm.findings import Severity
from comanaged_rcm.kpi import (
    CONVENTIONS,
    DEFAULT_CONVENTIONS,
    MEASURES,
    SCHEMAS,
    Book,
    Convention,
    Direction,
    Edge,
    EdgeKind,
    KPIDefinition,
    Tier,
    Unit,
    catalogue,
    check_hierarchy,
    evaluate,
    register,
    resolve_conventions,
    unregister,
)
from comanaged_rcm.serialize import from_dict, to_dict
from tests.kpi.conftest import JANUARY, LEDGER, TRANSACTIONS

REQUIRED = [
    "net_collection_rate",
    "days_in_ar",
    "write_off_rate",
    "initial_denial_rate",
    "clean_claim_rate",
    "aged_ar_over_90",
    "denial_overturn_rate",
    "items_closed",
    "touches_per_closed_item",
    "backlog",
    "aged_backlog",
    "escalated_share",
]


def kpi(
    id_: str,
    tier: Tier = Tier.DRIVER,
    *,
    drives: tuple[Edge, ...] = (),
    numerator: tuple[str, ...] = ("cash",),
    denominator: tuple[str, ...] = (),
) -> KPIDefinition:
    return KPIDefinition(
        id=id_,
        name=id_,
        tier=tier,
        direction=Direction.HIGHER,
        unit=Unit.RATIO,
        formula="f",
        numerator=numerator,
        denominator=denominator,
        drives=drives,
    )


class TestCatalogue:
    def test_contract_ids_present_and_ordered(self) -> None:
        """Every id the integration contract names is present; outcomes, drivers, activity."""
        ids = [k.id for k in catalogue()]
        assert set(REQUIRED) <= set(ids)
        ranks = [k.tier.rank for k in catalogue()]
        assert ranks == sorted(ranks)

    def test_built_in_hierarchy_is_clean(self) -> None:
        """The built-in catalogue has no findings at all (not even warnings)."""
        assert check_hierarchy(catalogue()) == []

    def test_every_convention_family_is_used(self) -> None:
        """Each convention family is declared by at least one KPI, and each has a source."""
        used = {family for k in catalogue() for family in k.conventions}
        assert used == set(CONVENTIONS)
        assert all(c.source for options in CONVENTIONS.values() for c in options.values())
        assert set(DEFAULT_CONVENTIONS) == set(CONVENTIONS)

    def test_the_guide_lists_every_kpi_measure_and_column(self) -> None:
        """docs/guides/kpi.md has a table row for every catalogue KPI, every base measure and every
        input column, with the KPI's tier and the measure's description as the code states them."""
        guide = (Path(__file__).parents[2] / "docs" / "guides" / "kpi.md").read_text(encoding="utf-8")
        rows = guide.splitlines()
        for kpi in catalogue():
            assert f"| {kpi.tier.value} | `{kpi.id}` | {kpi.name} |" in guide, kpi.id
        for name, description in MEASURES.items():
            assert f"| `{name}` | {description} |" in rows, name
        for table, fields in SCHEMAS.items():
            section = guide.split(f"#### `{table}`")[1].split("####")[0]
            for field in fields:
                assert f"| `{field.name}` |" in section, (table, field.name)

    def test_decomposition_adds_up(self) -> None:
        """bad_debt_pct + charity_pct decompose uncompensated_care_pct over gross charges: on the
        hand-worked book 60/1700 + 40/1700 = 100/1700."""
        card = evaluate(Book(transactions=TRANSACTIONS, ledger=LEDGER), JANUARY)
        parts = sum(card.result(m).value or 0.0 for m in ("bad_debt_pct", "charity_pct"))
        assert parts == pytest.approx(card.result("uncompensated_care_pct").value)


class TestHierarchy:
    def test_cycle(self) -> None:
        """a -> b -> a is a cycle (KPI-006)."""
        found = check_hierarchy([kpi("a", drives=(Edge("b"),)), kpi("b", drives=(Edge("a"),))])
        assert [f.rule for f in found] == ["KPI-006"]
        assert "a -> b -> a" in found[0].message

    def test_activity_among_outcomes_and_downward_edges(self) -> None:
        """A work-item count ranked as an outcome (KPI-004); an outcome driving activity (KPI-003);
        an unknown target (KPI-002); a duplicate id (KPI-001); an idle driver warns (KPI-007)."""
        found = check_hierarchy(
            [
                kpi("count", Tier.OUTCOME, numerator=("items_closed",)),
                kpi("o", Tier.OUTCOME, drives=(Edge("act"), Edge("ghost"))),
                kpi("act", Tier.ACTIVITY),
                kpi("act", Tier.ACTIVITY),
                kpi("idle"),
            ]
        )
        assert sorted(f.rule for f in found) == ["KPI-001", "KPI-002", "KPI-003", "KPI-004", "KPI-007"]
        assert [f.severity for f in found if f.rule == "KPI-007"] == [Severity.WARNING]

    def test_bad_decomposition(self) -> None:
        """A decomposes edge whose numerators do not add up is KPI-005."""
        parent = kpi("whole", Tier.OUTCOME, numerator=("write_offs",), denominator=("gross_charges",))
        part = kpi(
            "part",
            drives=(Edge("whole", EdgeKind.DECOMPOSES),),
            numerator=("write_offs_charity",),
            denominator=("gross_charges",),
        )
        assert [f.rule for f in check_hierarchy([parent, part])] == ["KPI-005"]


class TestUserKPIs:
    def test_register_evaluate_unregister(self, book: Book) -> None:
        """A user KPI (cash per closed item) evaluates like a built-in: 700 / 2 = 350."""
        mine = KPIDefinition(
            id="cash_per_closed_item",
            name="Cash per closed item",
            tier=Tier.ACTIVITY,
            direction=Direction.HIGHER,
            unit=Unit.RATIO,
            formula="cash / items closed",
            numerator=("cash",),
            denominator=("items_closed",),
            drives=(Edge("net_collection_rate"),),
        )
        register(mine)
        try:
            assert (
                evaluate(book, JANUARY, metrics=["cash_per_closed_item"]).result("cash_per_closed_item").value
                == 350.0
            )
            with pytest.raises(ValidationError, match="already"):
                register(mine)
        finally:
            unregister("cash_per_closed_item")
        assert "cash_per_closed_item" not in {k.id for k in catalogue()}

    def test_register_refuses_a_broken_hierarchy(self) -> None:
        """Registering an activity count as an outcome is refused with the finding's rule."""
        with pytest.raises(ValidationError) as caught:
            register(kpi("closed_outcome", Tier.OUTCOME, numerator=("items_closed",)))
        assert caught.value.issues[0].code == "KPI-004"

    def test_an_outcome_mixing_money_and_activity_is_refused(self) -> None:
        """An outcome that divides cash by items closed still reads activity: refused (KPI-004),
        while the same ratio registered as an activity KPI is accepted."""
        with pytest.raises(ValidationError) as caught:
            register(kpi("cash_per_item", Tier.OUTCOME, numerator=("cash",), denominator=("items_closed",)))
        assert caught.value.issues[0].code == "KPI-004"
        assert "cash_per_item" not in {k.id for k in catalogue()}
        register(kpi("cash_per_item", Tier.ACTIVITY, numerator=("cash",), denominator=("items_closed",)))
        try:
            assert "cash_per_item" in {k.id for k in catalogue()}
        finally:
            unregister("cash_per_item")

    def test_unregister_guards(self) -> None:
        """Built-ins and KPIs others drive into cannot be removed."""
        with pytest.raises(ValidationError, match="not a registered"):
            unregister("days_in_ar")
        register(kpi("base_kpi", Tier.OUTCOME))
        register(kpi("helper", drives=(Edge("base_kpi"),)))
        try:
            with pytest.raises(ValidationError, match="drives into"):
                unregister("base_kpi")
        finally:
            unregister("helper")
            unregister("base_kpi")

    @pytest.mark.parametrize(
        ("changes", "path"),
        [
            ({"id": "Bad-Id"}, "$.id"),
            ({"numerator": ("nope",)}, "$.numerator[0]"),
            ({"conventions": ("nope",)}, "$.conventions[0]"),
            ({"scale": 0.0}, "$.scale"),
        ],
    )
    def test_definition_validation(self, changes: dict[str, Any], path: str) -> None:
        """Ids are snake_case, measures and convention families must exist, scale > 0."""
        with pytest.raises(ValidationError) as caught:
            attrs.evolve(kpi("ok"), **changes)
        assert caught.value.issues[0].path == path

    @given(
        st.sampled_from(catalogue()),
        st.sampled_from(sorted(MEASURES)),
        st.floats(min_value=0.01, max_value=1000),
    )
    def test_definitions_round_trip(self, base: KPIDefinition, measure: str, scale: float) -> None:
        """Any KPI definition round-trips exactly through the serializer."""
        changed = attrs.evolve(base, numerator=(*base.numerator, f"-{measure}"), scale=scale)
        assert from_dict(to_dict(changed), KPIDefinition) == changed


class TestConventions:
    def test_unknown_family_and_option(self) -> None:
        """Unknown families and options are ConventionErrors naming the choices."""
        with pytest.raises(ConventionError, match="unknown convention 'nope'"):
            resolve_conventions({"nope": "x"})
        with pytest.raises(ConventionError, match="choose from gross, netted"):
            resolve_conventions({"refunds": "x"})

    def test_conventions_round_trip_and_ids(self) -> None:
        """Conventions are versioned data with ids and round-trip through the serializer."""
        for options in CONVENTIONS.values():
            for convention in options.values():
                assert convention.id == f"{convention.family}:{convention.option}@{convention.version}"
                assert from_dict(to_dict(convention), Convention) == convention
