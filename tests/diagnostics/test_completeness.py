"""Diagnostic completeness by level (issue 10, point 3; §2.1.1–2.1.2): the five themes stated
(an explicit « rien à signaler » counts), the budget at levels 2 and 3, the cause(s) of the
arrears and the debt of an eviction-threat household; refused with the missing parts named next
to their theme."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diagnostics.enums import StepKind
from diagnostics.models import Debt, DiagnosticStatus
from households.enums import Public, Status
from tests.factories import HouseholdFactory

from .factories import DiagnosticFactory, add_lines, add_step, ready_to_submit

pytestmark = pytest.mark.django_db


def level3(social_worker, **household):
    household = HouseholdFactory(
        referent=social_worker, status=Status.DIAGNOSTIC, diagnostic_level=3, **household
    )
    diagnostic = DiagnosticFactory(household=household, level=3, concluded=True)
    add_step(diagnostic, StepKind.INTERVIEW)
    return diagnostic


def test_each_theme_must_be_stated_rien_a_signaler_counts(social_worker):
    diagnostic = level3(social_worker)
    add_lines(diagnostic, {"salaries": "1200"}, {"rent": "400"})
    diagnostic.nothing_to_report = []
    problems = diagnostic.submission_problems()
    # The budget theme is stated by its lines; the four others are missing, each by its theme.
    assert set(problems) == {
        "socio_observation",
        "housing_observation",
        "dwelling_observation",
        "follow_up_observation",
    }
    assert problems["housing_observation"] == [
        "Thème « Parcours locatif » non renseigné : complétez-le ou cochez « rien à signaler »."
    ]
    diagnostic.socio_observation = "Salariée à temps partiel"
    diagnostic.upkeep = "good"
    diagnostic.nothing_to_report = ["housing", "follow_up"]
    assert diagnostic.submission_problems() == {}


@pytest.mark.parametrize("level", [2, 3])
def test_levels_2_and_3_need_the_budget(social_worker, level):
    household = HouseholdFactory(referent=social_worker, status=Status.DIAGNOSTIC)
    diagnostic = DiagnosticFactory(household=household, level=level, concluded=True)
    ready_to_submit(diagnostic)
    diagnostic.budget_lines.all().delete()
    assert diagnostic.submission_problems()["budget_observation"] == [
        f"Budget manquant : un diagnostic de niveau {level} indique les ressources et les "
        "charges mensuelles du ménage."
    ]
    add_lines(diagnostic, {"rsa": "600"}, {})
    assert "budget_observation" in diagnostic.submission_problems()  # charges too
    add_lines(diagnostic, {}, {"rent": "300"})
    assert diagnostic.submission_problems() == {}


def test_level_1_does_not_need_the_budget(social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.DIAGNOSTIC)
    diagnostic = DiagnosticFactory(household=household, level=1, concluded=True)
    ready_to_submit(diagnostic)
    assert not diagnostic.budget_lines.exists()
    assert diagnostic.submission_problems() == {}


def test_eviction_threat_needs_the_arrears_causes_and_the_debt(social_worker):
    diagnostic = level3(social_worker, tenant=True)
    assert diagnostic.household.public == Public.EVICTION_THREAT
    add_lines(diagnostic, {"salaries": "1200"}, {"rent": "400"})
    problems = diagnostic.submission_problems()
    assert problems["arrears_triggers"] == [
        "Ménage menacé d'expulsion : indiquez le ou les faits générateurs de l'impayé."
    ]
    assert problems["budget_observation"] == [
        "Ménage menacé d'expulsion : indiquez la dette (créancier et montant)."
    ]
    with pytest.raises(ValidationError):
        diagnostic.submit(by=social_worker)
    diagnostic.refresh_from_db()
    diagnostic.household.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.DRAFT
    assert diagnostic.household.status == Status.DIAGNOSTIC  # nothing written
    diagnostic.arrears_triggers = ["job_loss"]
    Debt.objects.create(diagnostic=diagnostic, creditor="Caen habitat", amount=1800)
    diagnostic.save()
    diagnostic.submit(by=social_worker)
    diagnostic.household.refresh_from_db()
    assert diagnostic.household.status == Status.AWAITING_ADMISSION


def test_refused_submission_names_each_gap_next_to_its_theme(client, social_worker):
    diagnostic = level3(social_worker, tenant=True)
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[diagnostic.pk]),
        {
            "version": diagnostic.version,
            "debts-TOTAL_FORMS": "0",
            "debts-INITIAL_FORMS": "0",
            "history-TOTAL_FORMS": "0",
            "history-INITIAL_FORMS": "0",
            "past_rent_debts": "unknown",
            "capacity": "yes",
            "intensity": "medium",
            "proposed_duration_months": "6",
            "ntr_socio": "on",
            "dwelling_observation": "Logement bien tenu",
            "action": "submit",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "non renseigné" in form.errors["housing_observation"][0]
    assert "non renseigné" in form.errors["follow_up_observation"][0]
    assert "Budget manquant" in " ".join(form.errors["budget_observation"])
    assert "faits générateurs" in form.errors["arrears_triggers"][0]
    assert "socio_observation" not in form.errors  # « rien à signaler » states it
    text = html.unescape(response.content.decode())
    assert "Logement bien tenu" in text  # the input is kept (saved as the draft)
    diagnostic.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.DRAFT
    assert diagnostic.nothing_to_report == ["socio"]
