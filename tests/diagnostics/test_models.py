import datetime
from decimal import Decimal as D

import pytest

from diagnostics.enums import Severity
from households.enums import Relation
from tests.factories import HouseholdFactory

from .factories import DiagnosticFactory, add_lines, add_obstacle

pytestmark = pytest.mark.django_db


def test_budget_uses_lines_and_member_ages(social_worker):
    household = HouseholdFactory(
        referent=social_worker,
        members=[
            {"relation": Relation.REFERENCE, "birth_date": datetime.date(1980, 1, 1)},
            {"relation": Relation.CHILD, "birth_date": datetime.date(2020, 1, 1)},
        ],
    )
    diagnostic = DiagnosticFactory(household=household, level=3)
    add_lines(diagnostic, {"salaries": "1300", "housing_allowance": "100"}, {"rent": "400"})
    result = diagnostic.budget()
    assert result.units == D("1.3")
    assert result.resources == D("1400.00")
    assert result.remaining_month == D("1000.00")
    assert result.effort_rate == D("23.1")  # (400 − 100) / (1400 − 100) = 23.07… %
    after = diagnostic.budget_after_rehousing(D("450"), D("150"))
    assert after.housing_allowance == D("0.00")
    assert after.charges == D("300.00")
    assert after.effort_rate == D("23.1")  # 300 / 1300


def test_synthesis_hides_health_and_addiction_and_notes(social_worker):
    diagnostic = DiagnosticFactory(
        household__referent=social_worker,
        concluded=True,
        socio_observation="Note confidentielle",
        proposed_axes=["insertion.health", "budget.over_indebtedness", "budget.addiction"],
    )
    add_obstacle(diagnostic, "insertion.health", Severity.HIGH)
    add_obstacle(diagnostic, "budget.addiction", Severity.LOW)
    add_obstacle(diagnostic, "housing_path.no_experience", Severity.MEDIUM)
    synthesis = diagnostic.synthesis()
    text = repr(synthesis)
    assert "Santé" not in text and "addictive" not in text and "confidentielle" not in text
    assert "health" not in text and "addiction" not in text
    assert [o["label"] for o in synthesis["obstacles"]] == [
        "Insertion sociale et professionnelle",
        "Gestion budgétaire",
        "Parcours locatif",
    ]
    assert synthesis["obstacles"][0]["severity_label"] == "Forte"
    assert synthesis["proposal"]["axes"] == [
        "Insertion sociale et professionnelle",
        "Gestion budgétaire — Surendettement (plan d'apurement, Banque de France, mesure de protection)",
        "Gestion budgétaire",
    ]
    assert synthesis["proposal"]["duration_months"] == 6
    assert synthesis["budget"]["resources"] == D("0.00")
