"""Matching rules, hand-computed (see housing/matching.py for the formulas)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from households.enums import Quartier, Relation
from housing.matching import (
    BUDGET_OK,
    BUDGET_OVER,
    BUDGET_TIGHT,
    BudgetInputs,
    Wishes,
    budget_after,
    estimate_apl,
    rank,
    size_fits,
)
from housing.models import Dwelling
from tests.diagnostics.factories import DiagnosticFactory, add_lines
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
    # Single parent (35) with two children (10 and 6): 1 + 0.3 + 0.3 = 1.6 units.
    inputs = BudgetInputs(
        resource_lines={"rsa": "600", "family": "600", "housing_allowance": "250"},
        charge_lines={"rent": "150", "energy": "80", "water": "20", "insurance": "200"},
        ages=[35, 10, 6],
    )
    assert inputs.own_resources == Decimal("1200")  # the current APL/AL is left out
    after = budget_after(inputs, Decimal("350"), Decimal("70"), 3)
    assert after.apl == Decimal("352")  # see test_apl_estimate_hand_computed
    assert after.net_rent == Decimal("68")  # new loyer résiduel: 420 − 352
    # Housing cost 68 + 80 + 20 = 168, over resources without APL/AL 1 200.
    assert after.effort_rate == Decimal("14.0")
    # 1 200 − (68 + 80 + 20 + 200) = 832 per month; 832 / 30 / 1.6 = 17.33 per day and unit.
    assert after.remaining_month == Decimal("832.00")
    assert after.remaining_day_per_unit == Decimal("17.33")
    assert after.level == BUDGET_OK


def test_budget_levels_hand_computed():
    # Single, resources 1 000, T1 at 300 + 50: APL = 270 + 58 − (37 + 0.3 × 450) = 156.
    tight = budget_after(
        BudgetInputs({"salaries": "1000"}, {"energy": "50", "water": "10", "other": "500"}, [40]),
        Decimal("300"),
        Decimal("50"),
        1,
    )
    assert tight.apl == Decimal("156")
    assert tight.effort_rate == Decimal("25.4")  # (194 + 50 + 10) / 1 000
    assert tight.remaining_day_per_unit == Decimal("8.20")  # (1 000 − 194 − 560) / 30
    assert tight.level == BUDGET_TIGHT
    # Single, RSA 700, T2 at 450 + 75: APL = 270 + 58 − 82 = 246; loyer résiduel 279.
    over = budget_after(
        BudgetInputs({"rsa": "700"}, {"energy": "50", "water": "20", "other": "380"}, [40]),
        Decimal("450"),
        Decimal("75"),
        1,
    )
    assert over.effort_rate == Decimal("49.9")  # (279 + 70) / 700
    assert over.remaining_month == Decimal("-29.00")  # 700 − 279 − 450
    assert over.level == BUDGET_OVER


@pytest.mark.django_db
def test_ranking_by_budget_then_wishes_then_size():
    household = HouseholdFactory(
        members=[{"relation": Relation.REFERENCE}, {"relation": Relation.SPOUSE}]
    )
    inputs = BudgetInputs(
        {"salaries": "1500"}, {"energy": "60", "water": "20", "other": "420"}, [40, 38]
    )
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
    assert first.effort_rate == Decimal("21.1")  # (236 + 60 + 20) / 1 500 = 21.07 %
    # 1 500 − (236 + 500) = 764; 764 / 30 / 1.5 units = 16.98.
    assert first.remaining_day_per_unit == Decimal("16.98")
    assert matches[-1].budget.level == BUDGET_OVER


@pytest.mark.django_db
def test_matching_reads_the_budget_of_the_diagnostic(client, letting_officer):
    """Through the page: the diagnostic's lines, hand-computed figures in French format."""
    household = HouseholdFactory(
        status="admitted",
        members=[
            {"relation": Relation.REFERENCE, "birth_date": datetime.date(1985, 6, 15)},
            {"relation": Relation.CHILD, "birth_date": datetime.date(2016, 1, 1)},
            {"relation": Relation.CHILD, "birth_date": datetime.date(2020, 1, 1)},
        ],
    )
    diagnostic = DiagnosticFactory(household=household, level=2, status="reviewed")
    add_lines(
        diagnostic,
        resources={"rsa": "600", "family": "600", "housing_allowance": "250"},
        charges={"rent": "150", "energy": "80", "water": "20", "insurance": "200"},
    )
    DwellingFactory(reference="CH-T3", typology="T3", rent=Decimal("350"), charges=Decimal("70"))
    client.force_login(letting_officer)
    response = client.get(reverse("housing:matching", args=[household.pk]))
    match = response.context["matches"][0]
    assert match.budget.apl == Decimal("352") and match.budget.effort_rate == Decimal("14.0")
    page = response.content.decode()
    assert "352,00\u00a0€" in page and "14,0\u00a0%" in page
    assert "832,00\u00a0€ par mois" in page and "17,33\u00a0€ par jour et par UC" in page
    assert "Budget non renseigné" not in page


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
