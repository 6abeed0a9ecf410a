"""Matching rules, hand-computed (see accompaniments/housing/matching.py for the formulas)."""

import datetime
from decimal import Decimal

import pytest

from accompaniments.housing.matching import (
    BUDGET_OK,
    BUDGET_OVER,
    BUDGET_TIGHT,
    BudgetInputs,
    Wishes,
    budget_after,
    estimate_apl,
    oecd_units,
    rank,
    size_fits,
)
from accompaniments.housing.models import Dwelling
from households.enums import Quartier, Relation
from tests.factories import HouseholdFactory

from .factories import DwellingFactory, ProposalFactory


@pytest.mark.parametrize(
    "persons, fitting",
    [
        (1, {"T1", "T2"}),
        (2, {"T1", "T2", "T3"}),
        (3, {"T2", "T3", "T4"}),
        (4, {"T3", "T4", "T5"}),
        (5, {"T4", "T5"}),
        (6, {"T5"}),
        (9, {"T5"}),
    ],
)
def test_size_rule(persons, fitting):
    assert {f"T{n}" for n in range(1, 6) if size_fits(n, persons)} == fitting


def test_apl_estimate_hand_computed():
    # 3 persons, rent 350, resources 1 200: L = min(350, 330 + 45) = 350; C = 58 + 2×13 = 84;
    # Pp = 37 + 30 % × (1 200 − (550 + 2×250)) = 37 + 45 = 82; APL = 350 + 84 − 82 = 352.
    assert estimate_apl(Decimal("350"), Decimal("1200"), 3) == Decimal("352")
    # 2 persons, rent 400, resources 2 000: L = 330; C = 71; Pp = 37 + 0.3 × 1 200 = 397 → 4.
    assert estimate_apl(Decimal("400"), Decimal("2000"), 2) == Decimal("4")
    # High resources: never negative.
    assert estimate_apl(Decimal("400"), Decimal("5000"), 1) == Decimal("0")


def test_budget_after_hand_computed():
    inputs = BudgetInputs(resources=Decimal("1200"), charges=Decimal("300"), units=Decimal("1.6"))
    after = budget_after(inputs, Decimal("350"), Decimal("70"), 3)
    assert after.apl == Decimal("352")
    assert after.net_housing_cost == Decimal("68")  # 420 − 352
    assert after.effort_rate == Decimal("5.7")  # 68 / 1 200
    assert after.remaining_month == Decimal("832.00")  # 1 200 + 352 − 300 − 420
    assert after.remaining_day_per_unit == Decimal("17.33")  # 832 / 30 / 1.6
    assert after.level == BUDGET_OK


def test_budget_levels_hand_computed():
    # Single, resources 1 000, T1 at 300 + 50: APL = 270 + 58 − (37 + 0.3 × 450) = 156.
    tight = budget_after(
        BudgetInputs(Decimal("1000"), Decimal("560"), Decimal("1")),
        Decimal("300"),
        Decimal("50"),
        1,
    )
    assert tight.apl == Decimal("156")
    assert tight.effort_rate == Decimal("19.4")  # (350 − 156) / 1 000
    assert tight.remaining_day_per_unit == Decimal("8.20")  # (1 000 + 156 − 560 − 350) / 30
    assert tight.level == BUDGET_TIGHT
    # Single, resources 700, T2 at 450 + 75: APL = 270 + 58 − 82 = 246; effort 279 / 700.
    over = budget_after(
        BudgetInputs(Decimal("700"), Decimal("450"), Decimal("1")), Decimal("450"), Decimal("75"), 1
    )
    assert over.effort_rate == Decimal("39.9")
    assert over.remaining_month == Decimal("-29.00")
    assert over.level == BUDGET_OVER


@pytest.mark.django_db
def test_oecd_units_of_a_single_parent_with_two_children():
    household = HouseholdFactory(
        members=[
            {"relation": Relation.REFERENCE},
            {"relation": Relation.CHILD, "birth_date": datetime.date(2018, 1, 1)},
            {"relation": Relation.CHILD, "birth_date": datetime.date(2008, 1, 1)},
        ]
    )
    assert oecd_units(household) == Decimal("1.8")  # 1 + 0.3 (under 14) + 0.5 (14 or more)


@pytest.mark.django_db
def test_ranking_by_budget_then_wishes_then_size():
    household = HouseholdFactory(
        members=[{"relation": Relation.REFERENCE}, {"relation": Relation.SPOUSE}]
    )
    inputs = BudgetInputs(resources=Decimal("1500"), charges=Decimal("500"), units=Decimal("1.5"))
    wishes = Wishes(quartiers=[Quartier.VAUCELLES])
    in_quartier = DwellingFactory(reference="A-T2-VAU", typology="T2", rent=Decimal("320"))
    elsewhere = DwellingFactory(
        reference="B-T2-CV", typology="T2", rent=Decimal("300"), quartier=Quartier.CHEMIN_VERT
    )
    bigger = DwellingFactory(reference="C-T3-VAU", typology="T3", rent=Decimal("330"))
    too_expensive = DwellingFactory(reference="D-T3-VAU", typology="T3", rent=Decimal("750"))
    DwellingFactory(reference="E-T5", typology="T5", rent=Decimal("300"))  # too big for 2
    DwellingFactory(reference="F-LET", typology="T2", is_let=True)
    ProposalFactory(dwelling=DwellingFactory(reference="G-RESERVED", typology="T2"))

    matches = rank(household, Dwelling.objects.available(), inputs=inputs, wishes=wishes)

    assert [m.dwelling.reference for m in matches] == [
        in_quartier.reference,  # budget ok, wish met, ideal size
        bigger.reference,  # budget ok, wish met, one room more than ideal
        elsewhere.reference,  # budget ok, quartier not met
        too_expensive.reference,  # over budget comes last
    ]
    assert matches[2].unmet == ["quartier"]
    # 2 persons, resources 1 500, T2 at 320 + 60: APL = 320 + 71 − (37 + 0.3 × 700) = 144.
    first = matches[0].budget
    assert first.apl == Decimal("144")
    assert first.effort_rate == Decimal("15.7")  # (380 − 144) / 1 500 = 15.73 %
    assert first.remaining_day_per_unit == Decimal("16.98")  # (1 500 + 144 − 500 − 380) / 30 / 1.5
    assert matches[-1].budget.level == BUDGET_OVER


@pytest.mark.django_db
def test_floor_and_lift_wishes():
    household = HouseholdFactory()
    upstairs = DwellingFactory(reference="UP", typology="T1", floor=3, has_lift=False)
    ground = DwellingFactory(reference="GROUND", typology="T1", floor=0, has_lift=False)
    lifted = DwellingFactory(reference="LIFT", typology="T1", floor=6, has_lift=True)
    matches = rank(household, [upstairs, ground, lifted], wishes=Wishes(needs_lift=True))
    assert {m.dwelling.reference: m.unmet for m in matches} == {
        "GROUND": [],
        "LIFT": [],
        "UP": ["ascenseur"],
    }
    matches = rank(household, [upstairs, ground], wishes=Wishes(max_floor=2))
    assert matches[-1].dwelling == upstairs and matches[-1].unmet == ["étage"]
