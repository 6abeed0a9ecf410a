import datetime
import io
import re
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from audit.models import Action, AuditEntry
from caen_accompagnement.versioning import STALE_MESSAGE
from diagnostics.enums import Severity, StepKind
from diagnostics.models import BudgetLine, Diagnostic, DiagnosticEvent, DiagnosticStatus
from households.enums import Relation, Status
from tests.factories import HouseholdFactory

from .factories import DiagnosticFactory, add_lines, add_obstacle, add_step, ready_to_submit

pytestmark = pytest.mark.django_db


def form_data(diagnostic, **overrides):
    """What the edit page posts for an untouched draft, plus `overrides`."""
    data = {
        "version": diagnostic.version,
        "debts-TOTAL_FORMS": "0",
        "debts-INITIAL_FORMS": "0",
        "history-TOTAL_FORMS": "0",
        "history-INITIAL_FORMS": "0",
        "past_rent_debts": "unknown",
    }
    data.update(overrides)
    return data


# The five themes stated (two by « rien à signaler ») and the budget of a level 3 (§2.1.2).
COMPLETE_THEMES = {
    "ntr_socio": "on",
    "ntr_housing": "on",
    "ntr_dwelling": "on",
    "upkeep": "good",
    "follow_up_observation": "Suivi CCAS",
    "res_salaries": "1200",
    "chg_rent": "400",
}


@pytest.fixture
def draft(social_worker):
    household = HouseholdFactory(
        referent=social_worker,
        status=Status.DIAGNOSTIC,
        diagnostic_level=3,
        members=[
            {"relation": Relation.REFERENCE, "first_name": "Awa", "last_name": "Diallo"},
            {"relation": Relation.CHILD, "birth_date": datetime.date(2020, 3, 1)},
        ],
    )
    return DiagnosticFactory(household=household)


def test_edit_page_renders_and_is_audited(client, social_worker, draft):
    client.force_login(social_worker)
    response = client.get(reverse("diagnostics:edit", args=[draft.pk]))
    assert response.status_code == 200
    assert "Éléments socio-professionnels" in response.content.decode()
    assert AuditEntry.objects.filter(action=Action.VIEW, object_id=str(draft.pk)).count() == 1


def test_save_draft_writes_lines_obstacles_and_version(client, social_worker, draft):
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(
            draft,
            res_salaries="1 200,50".replace(" ", ""),
            chg_rent="400",
            obs_budget__addiction=Severity.HIGH,
            admin_situation="permit",
            residence_permit_valid_until="2027-06-30",
            proposed_duration_months="6",
            **{"debts-TOTAL_FORMS": "1", "debts-0-creditor": "EDF", "debts-0-amount": "320"},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.version == 2
    assert draft.resource_amounts() == {"salaries": D("1200.50")}
    assert draft.charge_amounts() == {"rent": D("400.00")}
    assert [o.item for o in draft.obstacles.all()] == ["budget.addiction"]
    assert draft.residence_permit_valid_until == datetime.date(2027, 6, 30)
    assert draft.debts.get().creditor == "EDF"
    assert AuditEntry.objects.filter(action=Action.UPDATE, object_id=str(draft.pk)).exists()


def test_every_theme_and_the_proposal_are_saved_and_shown(client, social_worker, draft):
    adult = draft.household.members.get(relation=Relation.REFERENCE)
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(
            draft,
            # 1. socio-professional
            admin_situation="receipt",
            residence_permit_valid_until="2027-01-31",
            marital_status="separated",
            **{f"emp_{adult.pk}": "jobseeker"},
            wished_dwelling_type="T3",
            wished_quartier="vaucelles",
            wished_environment="Près d'une école",
            # 2. budget
            arrears_triggers=["job_loss", "separation"],
            # 3. housing history
            eviction_count="1",
            past_rent_debts="true",
            stabilisation_capacity="partial",
            **{
                "history-TOTAL_FORMS": "1",
                "history-0-period": "2018 – 2024",
                "history-0-place": "Hérouville-Saint-Clair",
                "history-0-status": "tenant",
                "history-0-left_because": "eviction",
            },
            # 4. life in the dwelling
            upkeep="good",
            neighbourhood="occasional",
            adaptability="weak",
            # 5. social follow-up
            current_supports=["departement", "protection"],
            adhesion_capacity="good",
            # obstacles and proposal
            obs_housing_path__past_eviction=Severity.MEDIUM,
            capacity="reserved",
            capacity_reason="Dette à apurer d'abord",
            dwelling_type_sought="T3",
            quartier_sought="vaucelles",
            proposed_axes=["budget.choices", "housing_path.past_eviction"],
            intensity="strong",
            proposed_duration_months="12",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert (draft.admin_situation, draft.marital_status) == ("receipt", "separated")
    assert draft.residence_permit_valid_until == datetime.date(2027, 1, 31)
    assert draft.adult_employment == {str(adult.pk): "jobseeker"}
    assert (draft.wished_dwelling_type, draft.wished_quartier) == ("T3", "vaucelles")
    assert draft.wished_environment == "Près d'une école"
    assert draft.arrears_triggers == ["job_loss", "separation"]
    assert (draft.eviction_count, draft.past_rent_debts) == (1, True)
    assert draft.stabilisation_capacity == "partial"
    entry = draft.housing_history.get()
    assert (entry.place, entry.status, entry.left_because) == (
        "Hérouville-Saint-Clair",
        "tenant",
        "eviction",
    )
    assert (draft.upkeep, draft.neighbourhood, draft.adaptability) == (
        "good",
        "occasional",
        "weak",
    )
    assert draft.current_supports == ["departement", "protection"]
    assert draft.adhesion_capacity == "good"
    assert [(o.item, o.severity) for o in draft.obstacles.all()] == [
        ("housing_path.past_eviction", Severity.MEDIUM)
    ]
    assert (draft.capacity, draft.capacity_reason) == ("reserved", "Dette à apurer d'abord")
    assert (draft.dwelling_type_sought, draft.quartier_sought) == ("T3", "vaucelles")
    assert draft.proposed_axes == ["budget.choices", "housing_path.past_eviction"]
    assert (draft.intensity, draft.proposed_duration_months) == ("strong", 12)
    page = client.get(reverse("diagnostics:detail", args=[draft.pk])).content.decode()
    for shown in (
        "Récépissé / demande en cours",
        "31/01/2027",
        "Awa DIALLO : Demandeur d&#x27;emploi",
        "Perte d&#x27;emploi ou baisse d&#x27;activité",
        "2018 – 2024 Hérouville-Saint-Clair (Locataire, Expulsion)",
        "Difficultés ponctuelles",
        "Mesure de protection (mandataire)",
        "Avec réserves",
        "Renforcée",
    ):
        assert shown in page, shown


def test_bad_input_is_refused_in_french_and_typed_input_kept(client, social_worker, draft):
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(
            draft,
            res_salaries="-50",
            chg_rent="999999",
            proposed_duration_months="15",
            admin_situation="permit",
            socio_observation="Texte saisi à garder",
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Le montant ne peut pas être négatif." in page
    assert "Montant improbable" in page
    assert "La durée proposée doit être comprise entre 3 et 12 mois." in page
    assert "Indiquez jusqu&#x27;à quelle date le titre de séjour" in page
    assert "Texte saisi à garder" in page
    assert 'value="-50"' in page
    draft.refresh_from_db()
    assert draft.version == 1 and not draft.budget_lines.exists()


def test_conflict_when_two_people_edit_the_same_draft(client, social_worker, draft):
    client.force_login(social_worker)
    url = reverse("diagnostics:edit", args=[draft.pk])
    first = client.post(url, form_data(draft, socio_observation="Première saisie"))
    assert first.status_code == 302
    # The second tab still carries version 1.
    second = client.post(url, form_data(draft, socio_observation="Seconde saisie, gardée"))
    assert second.status_code == 400
    page = second.content.decode()
    assert "modifié par quelqu&#x27;un d&#x27;autre" in page
    assert "Seconde saisie, gardée" in page
    draft.refresh_from_db()
    assert draft.socio_observation == "Première saisie"
    assert draft.version == 2
    assert STALE_MESSAGE.startswith("Ce dossier a été modifié")


def test_live_budget_totals_partial(client, social_worker, draft):
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(draft, preview="budget", res_salaries="1300", chg_rent="400", chg_energy="abc"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.strip().startswith('<div id="budget-totals"')
    assert "1\u202f300,00\u00a0€" in page
    assert "900,00\u00a0€" in page  # reste à vivre
    assert "30,8\u00a0%" in page  # 400 / 1300
    assert "invalides" in page  # "abc" is not counted
    assert "<html" not in page
    draft.refresh_from_db()
    assert draft.version == 1 and not draft.budget_lines.exists()  # a preview writes nothing


def test_submit_refused_while_level_steps_missing(client, social_worker, draft):
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(draft, action="submit", socio_observation="Gardé"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Le diagnostic ne peut pas être transmis" in page
    assert "Au moins un entretien approfondi avec la famille" in page
    assert "capacité à intégrer le dispositif" in page
    draft.refresh_from_db()
    assert draft.status == DiagnosticStatus.DRAFT
    assert draft.socio_observation == "Gardé"  # the draft itself was saved
    # Each reason also stands next to its place: the missing step in the method section, the
    # conclusion's next to its field.
    method = page[page.index('id="methode"') : page.index("</section>", page.index('id="methode"'))]
    assert "Étape manquante : Au moins un entretien approfondi avec la famille." in method
    assert re.search(r'<select name="capacity" class="[^"]*is-invalid[^"]*"', page)
    assert re.search(
        r'id="error_1_id_capacity"[^>]*>\s*<strong>Conclusion manquante : indiquez la capacité',
        page,
    )


def test_submit_then_read_only(client, social_worker, draft):
    add_step(draft, StepKind.INTERVIEW)
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(
            draft,
            action="submit",
            capacity="yes",
            intensity="medium",
            proposed_duration_months="6",
            **COMPLETE_THEMES,
        ),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    draft.household.refresh_from_db()
    assert draft.status == DiagnosticStatus.SUBMITTED and draft.submitted_at
    assert draft.household.status == Status.AWAITING_ADMISSION
    # Read-only: the edit page sends back to the detail, a post changes nothing.
    assert client.get(reverse("diagnostics:edit", args=[draft.pk])).status_code == 302
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]), form_data(draft, socio_observation="Non")
    )
    assert response.status_code == 400
    assert "Transmettre à la cellule</button>" not in response.content.decode()
    draft.refresh_from_db()
    assert draft.socio_observation == ""


def test_a_draft_sent_while_the_substitute_types_keeps_her_input(
    client, social_worker, other_social_worker, draft
):
    household = draft.household
    household.substitute = other_social_worker
    household.save(update_fields=["substitute"])
    add_step(draft, StepKind.INTERVIEW)
    url = reverse("diagnostics:edit", args=[draft.pk])
    # Both opened the draft at version 1; the référent sends it first.
    client.force_login(social_worker)
    sent = client.post(
        url,
        form_data(
            draft,
            action="submit",
            capacity="yes",
            intensity="medium",
            proposed_duration_months="6",
            **COMPLETE_THEMES,
        ),
    )
    assert sent.status_code == 302
    client.force_login(other_social_worker)
    preview = client.post(
        url, form_data(draft, preview="budget", res_salaries="900"), HTTP_HX_REQUEST="true"
    )
    assert preview.status_code == 200  # the live totals still answer, with no page swapped in
    assert preview.content.decode().strip().startswith('<div id="budget-totals"')
    response = client.post(
        url,
        form_data(
            draft,
            socio_observation="Saisie de la suppléante",
            res_salaries="900",
            **{"debts-TOTAL_FORMS": "1", "debts-0-creditor": "EDF", "debts-0-amount": "120"},
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "transmis à la cellule pendant votre saisie" in page
    assert "Saisie de la suppléante</textarea>" in page
    assert 'value="900"' in page and 'value="EDF"' in page
    draft.refresh_from_db()
    assert draft.status == DiagnosticStatus.SUBMITTED and draft.socio_observation == ""
    # The référent's budget stays; nothing of the substitute's input was written.
    assert not draft.budget_lines.filter(amount=900).exists() and not draft.debts.exists()


def test_reopen_creates_a_new_version_and_comparison(client, social_worker, draft):
    add_lines(draft, {"salaries": "1000"}, {"rent": "300"})
    add_obstacle(draft, "dwelling_use.upkeep", Severity.LOW)
    ready_to_submit(draft)
    draft.submit(by=social_worker)
    client.force_login(social_worker)
    response = client.post(reverse("diagnostics:reopen", args=[draft.pk]))
    new = Diagnostic.objects.get(previous=draft)
    assert response.status_code == 302 and response.url == reverse(
        "diagnostics:edit", args=[new.pk]
    )
    assert new.number == 2 and new.status == DiagnosticStatus.DRAFT
    assert new.resource_amounts() == {"salaries": D("1000.00")}
    assert new.steps.count() == 1 and new.obstacles.count() == 1
    client.post(
        reverse("diagnostics:edit", args=[new.pk]),
        form_data(new, res_salaries="1100", chg_rent="300", obs_dwelling_use__upkeep="1"),
    )
    # The previous version is still readable and unchanged.
    draft.refresh_from_db()
    assert draft.status == DiagnosticStatus.SUBMITTED
    assert draft.resource_amounts() == {"salaries": D("1000.00")}
    assert client.get(reverse("diagnostics:detail", args=[draft.pk])).status_code == 200
    response = client.get(reverse("diagnostics:compare", args=[new.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ressource — Salaires" in page
    assert "1\u202f000,00\u00a0€" in page and "1\u202f100,00\u00a0€" in page
    assert AuditEntry.objects.filter(action=Action.VIEW, label__contains="comparaison").exists()
    # Reopening an old version again is refused.
    response = client.post(reverse("diagnostics:reopen", args=[draft.pk]), follow=True)
    assert "Une version plus récente" in response.content.decode()


REOPENED_MEANWHILE = (
    "Ce diagnostic vient d'être rouvert par quelqu'un d'autre : "
    "la nouvelle version est déjà ouverte."
)


def _written(household):
    return (
        Diagnostic.objects.count(),
        DiagnosticEvent.objects.count(),
        BudgetLine.objects.count(),
        household.status_changes.count(),
        AuditEntry.objects.exclude(action=Action.VIEW).count(),
    )


def test_a_simultaneous_second_reopen_is_refused_and_writes_nothing(
    social_worker, other_social_worker, draft
):
    add_lines(draft, {"salaries": "1000"}, {"rent": "300"})
    ready_to_submit(draft)
    draft.submit(by=social_worker)
    # Two people open the submitted version at the same moment: both see it as current...
    theirs, ours = Diagnostic.objects.get(pk=draft.pk), Diagnostic.objects.get(pk=draft.pk)
    assert theirs.is_current and ours.is_current
    # ...one reopens it first; the other's reopen then meets the version already created.
    new = theirs.reopen(by=other_social_worker)
    before = _written(draft.household)
    with pytest.raises(ValidationError) as refused:
        ours.reopen(by=social_worker)
    assert refused.value.messages == [REOPENED_MEANWHILE]
    # Nothing more was written, and the transaction is still usable (savepoint).
    assert _written(draft.household) == before
    assert list(Diagnostic.objects.filter(household=draft.household).current()) == [new]


def test_reopening_a_stale_version_leads_to_the_current_one(client, social_worker, draft):
    ready_to_submit(draft)
    draft.submit(by=social_worker)
    client.force_login(social_worker)
    url = reverse("diagnostics:reopen", args=[draft.pk])
    client.post(url)
    new = Diagnostic.objects.get(previous=draft)
    before = _written(draft.household)
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("diagnostics:detail", args=[new.pk])
    assert "Une version plus récente" in client.get(response.url).content.decode()
    assert _written(draft.household) == before


def test_add_step_and_refuse_future_date(client, social_worker, draft):
    client.force_login(social_worker)
    url = reverse("diagnostics:add_step", args=[draft.pk])
    response = client.post(url, {"step-kind": "interview", "step-date": "2099-01-01"})
    assert response.status_code == 400
    assert "La date ne peut pas être dans le futur." in response.content.decode()
    response = client.post(
        url, {"step-kind": "interview", "step-date": "2026-10-01", "step-with_whom": "Mme D."}
    )
    assert response.status_code == 302
    step = draft.steps.get()
    assert client.get(url).status_code == 405
    client.post(reverse("diagnostics:delete_step", args=[draft.pk, step.pk]))
    assert not draft.steps.exists()


@pytest.fixture
def level2(social_worker):
    household = HouseholdFactory(
        referent=social_worker, status=Status.DIAGNOSTIC, diagnostic_level=2
    )
    return DiagnosticFactory(household=household, level=2)


def test_codesi_report_upload_rules(client, social_worker, level2, settings):
    client.force_login(social_worker)
    url = reverse("diagnostics:upload_report", args=[level2.pk])
    fake = SimpleUploadedFile("rapport.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(url, {"social_report": fake})
    assert response.status_code == 400
    assert "ni un PDF ni une image" in response.content.decode()
    big = SimpleUploadedFile(
        "gros.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "application/pdf"
    )
    response = client.post(url, {"social_report": big})
    assert "dépasse 10 Mo" in response.content.decode()
    good = SimpleUploadedFile("Rapport DUPONT.pdf", b"%PDF-1.4 rapport", "application/pdf")
    response = client.post(url, {"social_report": good})
    assert response.status_code == 302
    level2.refresh_from_db()
    assert level2.social_report.name.startswith("diagnostics/rapports-codesi/")
    assert "DUPONT" not in level2.social_report.name
    assert str(settings.MEDIA_ROOT) in level2.social_report.path
    download = client.get(reverse("diagnostics:social_report", args=[level2.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 rapport"
    assert download["Content-Type"] == "application/pdf"


def test_codesi_report_served_only_through_the_policy(
    client, level2, letting_officer, cellule_member, ccas_manager
):
    from django.core.files.base import ContentFile

    level2.social_report.save("r.pdf", ContentFile(b"%PDF-1.4 x"))
    url = reverse("diagnostics:social_report", args=[level2.pk])
    for user in (letting_officer, cellule_member):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(ccas_manager)
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(actor=ccas_manager, label__contains="CODESI").exists()


def test_manager_sets_level_and_household_moves(client, ccas_manager, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.AWAITING_LEVEL)
    client.force_login(ccas_manager)
    url = reverse("coordination:provisional_level", args=[household.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"level": "4"})
    assert response.status_code == 400
    response = client.post(url, {"level": "2", "reason": "Cellule du 12/10"})
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.diagnostic_level == 2
    assert household.status == Status.DIAGNOSTIC
    assert household.status_changes.get().reason == "Cellule du 12/10"
    client.force_login(social_worker)
    assert client.get(url).status_code == 403
    # The worker now sees it "to do" and starts it.
    page = client.get(reverse("diagnostics:list")).content.decode()
    assert household.reference in page
    response = client.post(reverse("diagnostics:start", args=[household.pk]))
    diagnostic = household.diagnostics.get()
    assert diagnostic.level == 2 and response.url == reverse(
        "diagnostics:edit", args=[diagnostic.pk]
    )


def test_set_level_page_is_audited(client, ccas_manager, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.AWAITING_LEVEL)
    client.force_login(ccas_manager)
    url = reverse("coordination:provisional_level", args=[household.pk])
    assert household.display_name in client.get(url).content.decode()
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.household_id, entry.object_type) == (
        ccas_manager,
        Action.VIEW,
        household.pk,
        "households.Household",
    )
    # A refused post shows the page (and the name) again: one more read, nothing written.
    assert client.post(url, {"level": "4"}).status_code == 400
    assert AuditEntry.objects.filter(action=Action.VIEW, household_id=household.pk).count() == 2
    household.refresh_from_db()
    assert household.diagnostic_level is None
    # A saved level is an update, not a read of the page.
    assert client.post(url, {"level": "2", "reason": "Urgence"}).status_code == 302
    assert AuditEntry.objects.filter(action=Action.VIEW).count() == 2
    assert AuditEntry.objects.filter(action=Action.UPDATE, household_id=household.pk).count() == 1


def test_manager_marks_reviewed(client, ccas_manager, social_worker, draft):
    ready_to_submit(draft)
    draft.submit(by=social_worker)
    client.force_login(social_worker)
    assert client.post(reverse("diagnostics:review", args=[draft.pk])).status_code == 403
    client.force_login(ccas_manager)
    assert client.post(reverse("diagnostics:review", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.status == DiagnosticStatus.REVIEWED and draft.reviewed_by == ccas_manager


def test_synthesis_pdf_text(client, social_worker, draft):
    add_lines(draft, {"salaries": "1500"}, {"rent": "450", "energy": "50"})
    add_obstacle(draft, "insertion.health", Severity.HIGH)
    add_obstacle(draft, "budget.addiction", Severity.LOW)
    add_obstacle(draft, "housing_path.past_eviction", Severity.MEDIUM)
    draft.capacity_reason = ""
    ready_to_submit(draft)
    for theme in ("socio", "budget", "housing", "dwelling", "follow_up"):
        setattr(draft, f"{theme}_observation", f"Observation très confidentielle {theme}")
    draft.proposed_axes = ["insertion.health", "budget.addiction"]
    draft.save()
    draft.debts.create(creditor="Cofidis", amount=D("2500"))
    draft.housing_history.create(period="2019 – 2023", place="12 rue Caponière", status="tenant")
    draft.submit(by=social_worker)
    client.force_login(social_worker)
    response = client.get(reverse("diagnostics:synthesis_pdf", args=[draft.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    household = draft.household
    assert household.reference in text
    assert "A. D." in text  # initials only
    assert "Diallo" not in text and "DIALLO" not in text and "Awa" not in text
    assert "Insertion sociale et professionnelle" in text and "Parcours locatif" in text
    assert "Santé" not in text and "Expulsion antérieure" not in text
    assert "addictive" not in text and "Cofidis" not in text and "Caponière" not in text
    assert "Mme X" not in text  # the steps' contacts stay in the detail
    assert "confidentielle" not in text.replace("document confidentiel", "")
    assert "1 000,00" in text.replace("\u202f", " ").replace("\u00a0", " ")  # reste à vivre
    assert "33,3" in text  # effort rate 500 / 1500
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_id=str(draft.pk)).exists()


def test_add_step_with_htmx_returns_the_method_section(client, social_worker, draft):
    client.force_login(social_worker)
    url = reverse("diagnostics:add_step", args=[draft.pk])
    response = client.post(
        url, {"step-kind": "interview", "step-date": "2026-10-01"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.strip().startswith('<section id="methode"') and "<html" not in page
    assert "Étape enregistrée" in page and "Fait" in page
    response = client.post(url, {"step-kind": "interview"}, HTTP_HX_REQUEST="true")
    assert "Indiquez la date." in response.content.decode()
    assert draft.steps.count() == 1


def test_bad_debt_rows_are_refused_in_french(client, social_worker, draft):
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(
            draft,
            **{
                "debts-TOTAL_FORMS": "2",
                "debts-0-creditor": "Caen habitat",
                "debts-0-amount": "-10",
                "debts-1-amount": "300",
                "history-TOTAL_FORMS": "1",
                "history-0-period": "2019 – 2023",
            },
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Le montant ne peut pas être négatif." in page
    assert "Indiquez le créancier." in page
    assert "Indiquez la commune ou l&#x27;adresse." in page
    assert 'value="Caen habitat"' in page and 'value="2019 – 2023"' in page
    assert not draft.debts.exists() and not draft.housing_history.exists()


# --- Bad input (issue 3): a French message next to its field, typed input kept, nothing written.

DURATION_MESSAGE = "La durée proposée doit être comprise entre 3 et 12 mois."


def field_error(page, field_id):
    """The text of the error block crispy renders right under the field `field_id`."""
    match = re.search(
        rf'id="{field_id}".*?<div id="{field_id}_error" class="invalid-feedback">(.*?)</div>',
        page,
        re.S,
    )
    assert match, f"no error next to {field_id}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.mark.parametrize("typed", ["-3", "0", "2", "13", "120"])
def test_duration_outside_3_to_12_months_refused_next_to_the_field(
    client, social_worker, draft, typed
):
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(draft, proposed_duration_months=typed, capacity_reason="Motif gardé"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert field_error(page, "id_proposed_duration_months") == DURATION_MESSAGE
    assert f'value="{typed}"' in page and "Motif gardé" in page
    draft.refresh_from_db()
    assert draft.version == 1 and draft.proposed_duration_months is None


def test_negative_and_absurd_amounts_refused_next_to_their_fields(client, social_worker, draft):
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(
            draft,
            res_salaries="-50",
            res_rsa="1e9",
            chg_rent="999999",
            chg_energy="80",
            **{
                "debts-TOTAL_FORMS": "2",
                "debts-0-creditor": "EDF",
                "debts-0-amount": "9000000",
                "debts-1-creditor": "Cofidis",
                "debts-1-amount": "1200",
                "debts-1-monthly_repayment": "-40",
            },
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert field_error(page, "id_res_salaries") == "Le montant ne peut pas être négatif."
    assert field_error(page, "id_res_rsa").startswith("Montant improbable")
    assert field_error(page, "id_chg_rent").startswith("Montant improbable")
    assert field_error(page, "id_debts-0-amount").startswith("Montant improbable")
    assert (
        field_error(page, "id_debts-1-monthly_repayment")
        == "Le remboursement ne peut pas être négatif."
    )
    assert 'value="80"' in page and 'value="EDF"' in page  # the valid input is kept
    assert 'value="Cofidis"' in page and 'value="-40"' in page
    draft.refresh_from_db()
    assert draft.version == 1
    assert not draft.budget_lines.exists() and not draft.debts.exists()


@pytest.mark.parametrize("capacity", ["reserved", "no"])
def test_reservation_or_refusal_without_reason_refused_next_to_the_field(
    client, social_worker, draft, capacity
):
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(draft, capacity=capacity, capacity_reason="  ", intensity="strong"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert field_error(page, "id_capacity_reason") == "Indiquez le motif de la réserve ou du refus."
    assert f'<option value="{capacity}" selected>' in page
    assert '<option value="strong" selected>' in page
    draft.refresh_from_db()
    assert draft.version == 1 and draft.capacity == ""


def test_a_health_word_in_the_capacity_reason_is_refused_next_to_the_field(
    client, social_worker, draft
):
    """The motif is part of the synthesis cellule members read in the pre-read pack (issue 4,
    point 3: no special-category detail)."""
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(draft, capacity="reserved", capacity_reason="Suivi psychiatrique à stabiliser"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert field_error(page, "id_capacity_reason").startswith(
        "Ce texte sort du CCAS (synthèse lue par Caen habitat et la cellule)"
    )
    assert "« psychiatrique » (santé)" in field_error(page, "id_capacity_reason")
    assert "Suivi psychiatrique à stabiliser" in page  # what was typed is kept
    draft.refresh_from_db()
    assert draft.version == 1 and draft.capacity_reason == ""


@pytest.mark.parametrize("htmx", [False, True])
def test_bad_uploads_refused_next_to_the_field(client, social_worker, level2, htmx):
    client.force_login(social_worker)
    url = reverse("diagnostics:upload_report", args=[level2.pk])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    cases = [
        (
            SimpleUploadedFile("rapport.docx", b"PK\x03\x04 word", "application/pdf"),
            "Ce fichier n'est ni un PDF ni une image (PNG, JPEG) : il est refusé.",
        ),
        (
            SimpleUploadedFile("gros.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024)),
            "Le fichier dépasse 10 Mo : réduisez-le ou scannez-le en PDF.",
        ),
    ]
    for upload, message in cases:
        response = client.post(url, {"social_report": upload}, **headers)
        # htmx swaps only 2xx answers: the method section comes back with the error.
        assert response.status_code == (200 if htmx else 400)
        page = response.content.decode()
        assert field_error(page, "id_social_report") == message.replace("'", "&#x27;")
        level2.refresh_from_db()
        assert not level2.social_report and not level2.events.exists()


# --- the access log: a page refused and shown again is a read of the diagnostic -------------
def test_refused_saves_shown_again_are_logged_as_reads(client, social_worker, draft, level2):
    add_step(draft, StepKind.INTERVIEW)
    client.force_login(social_worker)
    reads = AuditEntry.objects.filter(actor=social_worker, action=Action.VIEW)
    client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(draft, proposed_duration_months="15"),
        REMOTE_ADDR="10.0.0.7",
    )
    entry = reads.get(object_id=str(draft.pk))
    assert (entry.household_id, entry.ip) == (draft.household_id, "10.0.0.7")
    assert entry.label == "Diagnostic v1 (saisie)"
    step_url = reverse("diagnostics:add_step", args=[draft.pk])
    client.post(step_url, {"step-kind": "interview"})
    client.post(step_url, {"step-kind": "interview"}, HTTP_HX_REQUEST="true")
    assert reads.filter(object_id=str(draft.pk)).count() == 3
    bad = SimpleUploadedFile("rapport.docx", b"PK\x03\x04 word", "application/pdf")
    client.post(reverse("diagnostics:upload_report", args=[level2.pk]), {"social_report": bad})
    assert reads.filter(object_id=str(level2.pk)).count() == 1


# --- /diagnostics/: how long each item has been waiting ----------------------------------
def _row(page, reference):
    match = re.search(rf"<tr>\s*<td>\s*(?:<a [^>]*>)?{reference}.*?</tr>", page, re.S)
    assert match, reference
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)).replace("\xa0", " "))


def test_worklist_shows_how_long_each_diagnostic_has_waited(client, social_worker):
    import time_machine

    start = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        to_start = HouseholdFactory(
            referent=social_worker, status=Status.DIAGNOSTIC, diagnostic_level=2
        )
    with time_machine.travel(start + datetime.timedelta(days=7), tick=False):
        in_progress = DiagnosticFactory(household__referent=social_worker)
    with time_machine.travel(start + datetime.timedelta(days=9), tick=False):
        sent = ready_to_submit(DiagnosticFactory(household__referent=social_worker))
        sent.submit(by=social_worker)
    client.force_login(social_worker)
    url = reverse("diagnostics:list")
    with time_machine.travel(start + datetime.timedelta(days=12, hours=1), tick=False):
        to_do, drafts, sent_list = (
            client.get(url, {"liste": shown}).content.decode()
            for shown in ("a-faire", "en-cours", "transmis")
        )
    assert "1 semaine, 5 jours" in _row(to_do, to_start.reference)  # 12 days
    assert "5 jours" in _row(drafts, in_progress.household.reference)
    assert "3 jours" in _row(sent_list, sent.household.reference)
    # The dates as `|date` printed them, in Paris time (09:00 UTC is 11:00 in October).
    assert "08/10/2026 11:00" in _row(drafts, in_progress.household.reference)
    assert "10/10/2026" in _row(sent_list, sent.household.reference)


# --- versions: field-by-field comparison ------------------------------------------------
def test_comparison_marks_each_changed_field_and_only_those(client, social_worker, draft):
    add_lines(draft, {"salaries": "1000"}, {"rent": "300"})
    add_obstacle(draft, "dwelling_use.upkeep", Severity.LOW)
    ready_to_submit(draft)
    draft.socio_observation = "Première observation"
    draft.save()
    draft.submit(by=social_worker)
    new = draft.reopen(by=social_worker)
    new.socio_observation = "Observation revue"
    new.proposed_duration_months = 9
    new.save()
    new.obstacles.update(severity=Severity.HIGH)
    add_step(new, StepKind.FAMILY_MEETING, date=datetime.date(2026, 10, 20))
    client.force_login(social_worker)
    page = client.get(reverse("diagnostics:compare", args=[new.pk])).content.decode()
    rows = re.findall(r"<tr( class=\"table-warning\")?>\s*<th scope=\"row\"[^>]*>(.*?)</th>", page)
    changed = {label for mark, label in rows if mark}
    assert changed == {
        "Étapes réalisées",
        "Observation",
        "Utilisation du logement — Défaut d&#x27;entretien",
        "Durée proposée (mois)",
    }
    assert "4 champs modifiés" in page
    assert "Première observation" in page and "Observation revue" in page
    assert ">Faible<" in page and ">Forte<" in page


# --- the work list: access log and pagination -------------------------------------------
def test_worklist_logs_one_view_per_household_shown(
    client, social_worker, other_social_worker, ccas_manager
):
    to_start = HouseholdFactory(
        referent=social_worker, status=Status.DIAGNOSTIC, diagnostic_level=2
    )
    in_progress = DiagnosticFactory(household__referent=social_worker)
    sent = ready_to_submit(DiagnosticFactory(household__referent=social_worker))
    sent.submit(by=social_worker)
    theirs = DiagnosticFactory(household__referent=other_social_worker)
    no_level = HouseholdFactory(referent=social_worker, status=Status.AWAITING_LEVEL)
    views = AuditEntry.objects.filter(action=Action.VIEW, label="Liste des diagnostics")
    url = reverse("diagnostics:list")

    client.force_login(social_worker)
    client.get(url, REMOTE_ADDR="10.0.0.5")  # their first list: to start
    assert list(views.values_list("household_id", flat=True)) == [to_start.pk]
    client.get(url, {"liste": "en-cours"}, REMOTE_ADDR="10.0.0.5")
    assert sorted(views.values_list("household_id", flat=True)) == sorted(
        [to_start.pk, in_progress.household_id]
    )
    assert {(e.actor, e.ip, e.object_type) for e in views} == {
        (social_worker, "10.0.0.5", "households.Household")
    }

    client.force_login(ccas_manager)  # the whole team, and the levels to set
    for shown in ("niveau", "a-faire", "en-cours", "transmis"):
        client.get(url, {"liste": shown}, REMOTE_ADDR="10.0.0.6")
    manager_s = views.filter(actor=ccas_manager)
    assert sorted(manager_s.values_list("household_id", flat=True)) == sorted(
        [no_level.pk, to_start.pk, in_progress.household_id, theirs.household_id]
        + [sent.household_id]
    )
    assert set(manager_s.values_list("ip", flat=True)) == {"10.0.0.6"}


def test_worklist_shows_one_list_at_a_time_each_counted_and_paginated(
    client, ccas_manager, social_worker
):
    from caen_accompagnement.pagination import PAGE_SIZE

    to_start = [
        HouseholdFactory(referent=social_worker, status=Status.DIAGNOSTIC, diagnostic_level=2)
        for _ in range(PAGE_SIZE + 1)
    ]
    no_level = [HouseholdFactory(status=Status.AWAITING_LEVEL) for _ in range(2)]
    client.force_login(ccas_manager)
    url = reverse("diagnostics:list")

    first = client.get(url)  # the first list holding something, in the pathway's order
    assert first.context["section"] == "niveau"
    assert {h.pk for h in first.context["page"]} == {h.pk for h in no_level}
    html = first.content.decode()
    assert "2 ménages en attente d'un niveau" in html
    assert to_start[0].reference not in html  # another list's rows are not read
    # Every list's tab counts it; the one shown is the current page.
    current = re.search(r'<a class="nav-link active"[^>]*aria-current="page">([^<]*)</a>', html)
    assert current.group(1) == "Niveau à fixer (2)"
    assert f">À faire ({PAGE_SIZE + 1})</a>" in html and ">En cours (0)</a>" in html
    assert "page=" not in html  # a list on one page has no page links

    second = client.get(url, {"liste": "a-faire", "page": 2})
    assert [h.pk for h in second.context["page"]] == [to_start[-1].pk]
    html = second.content.decode()
    assert f"{PAGE_SIZE + 1} diagnostics à commencer" in html  # counted over every page
    assert 'href="?liste=a-faire&amp;page=1#titre-a-faire"' in html  # the link back keeps it
    current = re.search(r'<a class="nav-link active"[^>]*aria-current="page">([^<]*)</a>', html)
    assert current.group(1) == f"À faire ({PAGE_SIZE + 1})"

    # A list not offered to the user (a social worker sets no level) shows their first.
    client.force_login(social_worker)
    mine = client.get(url, {"liste": "niveau"})
    assert mine.context["section"] == "a-faire" and "Niveau à fixer" not in mine.content.decode()
