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


def _missing_steps(diagnostic):
    return [m for m in diagnostic.missing_for_submission() if m.startswith("Étape manquante")]


def test_level_1_needs_a_contact_and_the_family_agreement(social_worker):
    from diagnostics.enums import StepKind

    from .factories import add_step

    diagnostic = DiagnosticFactory(household__referent=social_worker, level=1, concluded=True)
    assert len(_missing_steps(diagnostic)) == 2
    add_step(diagnostic, StepKind.AGENCY_CONTACT)
    assert _missing_steps(diagnostic) == [
        "Étape manquante : Accord de la famille pour l'échange d'informations."
    ]
    diagnostic.family_agreement_on = datetime.date(2026, 9, 1)
    assert diagnostic.missing_for_submission() == []  # the meeting is optional
    assert diagnostic.checklist()[2] == ("Rencontre avec la famille (facultative)", False, False)


def test_level_2_needs_the_codesi_report_and_a_meeting(social_worker):
    from django.core.files.base import ContentFile

    from diagnostics.enums import StepKind

    from .factories import add_step

    diagnostic = DiagnosticFactory(household__referent=social_worker, level=2, concluded=True)
    add_step(diagnostic, StepKind.INTERVIEW)  # a meeting of any kind with the family
    assert _missing_steps(diagnostic) == ["Étape manquante : Rapport social CODESI joint."]
    diagnostic.social_report.save("r.pdf", ContentFile(b"%PDF-1.4"), save=False)
    assert diagnostic.missing_for_submission() == [
        "Budget manquant : un diagnostic de niveau 2 indique les ressources et les charges "
        "mensuelles du ménage."
    ]
    add_lines(diagnostic, {"salaries": "1200"}, {"rent": "400"})
    assert diagnostic.missing_for_submission() == []


def test_level_3_needs_an_in_depth_interview(social_worker):
    from diagnostics.enums import StepKind

    from .factories import add_step

    diagnostic = DiagnosticFactory(household__referent=social_worker, level=3, concluded=True)
    add_step(diagnostic, StepKind.FAMILY_MEETING)
    assert _missing_steps(diagnostic) == [
        "Étape manquante : Au moins un entretien approfondi avec la famille."
    ]
    add_step(diagnostic, StepKind.INTERVIEW)
    add_lines(diagnostic, {"salaries": "1200"}, {"rent": "400"})
    assert diagnostic.missing_for_submission() == []


def test_submit_refuses_with_reasons_and_conclusion_rules(social_worker):
    from django.core.exceptions import ValidationError

    from diagnostics.models import DiagnosticStatus

    diagnostic = DiagnosticFactory(household__referent=social_worker, level=3)
    with pytest.raises(ValidationError) as refused:
        diagnostic.submit(by=social_worker)
    assert "Conclusion manquante" in " ".join(refused.value.messages)
    diagnostic.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.DRAFT
    diagnostic.capacity = "no"
    assert any("motif" in m for m in diagnostic.missing_for_submission())


def test_mark_reviewed_only_after_submission(social_worker, ccas_manager):
    from django.core.exceptions import ValidationError

    from diagnostics.models import DiagnosticStatus

    from .factories import ready_to_submit

    diagnostic = DiagnosticFactory(household__referent=social_worker, level=3)
    with pytest.raises(ValidationError):
        diagnostic.mark_reviewed(by=ccas_manager)
    ready_to_submit(diagnostic).submit(by=social_worker)
    event = diagnostic.mark_reviewed(by=ccas_manager, decision="Cellule du 12/10")
    diagnostic.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.REVIEWED
    assert diagnostic.reviewed_by == ccas_manager and event.note == "Cellule du 12/10"


def test_set_level_moves_household_when_allowed(social_worker, ccas_manager):
    from django.core.exceptions import ValidationError

    from diagnostics.models import set_diagnostic_level
    from households.enums import Status

    waiting = HouseholdFactory(referent=social_worker, status=Status.AWAITING_LEVEL)
    set_diagnostic_level(waiting, 1, by=ccas_manager)
    waiting.refresh_from_db()
    assert (waiting.diagnostic_level, waiting.status) == (1, Status.DIAGNOSTIC)
    admitted = HouseholdFactory(referent=social_worker, status=Status.ADMITTED)
    with pytest.raises(ValidationError, match="ne se fixe plus"):
        set_diagnostic_level(admitted, 3, by=ccas_manager)
    admitted.refresh_from_db()
    assert (admitted.diagnostic_level, admitted.status) == (None, Status.ADMITTED)
    # An open draft follows the new level.
    draft = DiagnosticFactory(household=waiting, level=1)
    set_diagnostic_level(waiting, 2, by=ccas_manager)
    draft.refresh_from_db()
    assert draft.level == 2


def test_household_panel_partial(rf, social_worker, letting_officer, state_reader):
    from django.template.loader import render_to_string

    from .factories import ready_to_submit

    diagnostic = DiagnosticFactory(household__referent=social_worker, level=3)
    household = diagnostic.household
    html = render_to_string(
        "diagnostics/_household_diagnostics.html", {"household": household, "user": social_worker}
    )
    assert f"/diagnostics/{diagnostic.pk}/" in html and "Brouillon" in html
    html = render_to_string(
        "diagnostics/_household_diagnostics.html", {"household": household, "user": letting_officer}
    )
    assert "Brouillon" not in html and "Aucun diagnostic" in html
    ready_to_submit(diagnostic).submit(by=social_worker)
    html = render_to_string(
        "diagnostics/_household_diagnostics.html", {"household": household, "user": letting_officer}
    )
    assert f"/diagnostics/{diagnostic.pk}/synthese/" in html
    assert f'href="/diagnostics/{diagnostic.pk}/"' not in html
    html = render_to_string(
        "diagnostics/_household_diagnostics.html", {"household": household, "user": state_reader}
    )
    assert html.strip() == ""
