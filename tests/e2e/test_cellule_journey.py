"""A cellule from agenda to approved minutes, in a browser, with axe checks (issue 4, point 9)."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from coordination.models import Decision, Meeting
from households.enums import Public, Status
from tests.coordination.factories import MeetingFactory
from tests.e2e.conftest import ending
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def e2e_settings(settings):
    settings.AXES_ENABLED = False
    settings.DDCS_MINUTES_RECIPIENTS = ["hal@calvados.gouv.fr"]


def test_meeting_from_agenda_to_approved_minutes(
    e2e_settings, page, login_as, check_axe, ccas_manager, cellule_member, state_reader
):
    meeting = MeetingFactory(
        date=timezone.now() - datetime.timedelta(hours=1), members=[ccas_manager, cellule_member]
    )
    household = HouseholdFactory(status=Status.AWAITING_LEVEL, public=Public.AHI_STRUCTURE)

    login_as(ccas_manager)
    page.goto("/cellule/")
    check_axe(page)
    page.get_by_role("link", name=meeting.label).click()
    page.get_by_role("link", name="Préparer l'ordre du jour").click()
    label = f"{household.reference} — {household.initials} — Niveau suggéré : 1"
    expect(page.get_by_label(label)).to_be_checked()
    check_axe(page)
    page.get_by_role("button", name="Inscrire les dossiers cochés").click()
    page.get_by_label("Intitulé du point").fill("Calendrier du prochain semestre")
    page.get_by_role("button", name="Ajouter le point").click()
    page.get_by_role("button", name="Publier l'ordre du jour").click()
    expect(page.get_by_text("Ordre du jour publié").first).to_be_visible()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [ccas_manager.email, cellule_member.email]
    )
    check_axe(page)
    page.get_by_role("link", name="Synthèses à lire avant la réunion").click()
    expect(
        page.get_by_role("heading", name=f"{household.reference} — {household.initials}")
    ).to_be_visible()
    check_axe(page)
    page.go_back()

    page.get_by_role("link", name=f"Décider — {household.reference}").click()
    expect(page.get_by_label("Niveau 1")).to_be_checked()  # the §2.1.1 rule, pre-selected
    check_axe(page)
    page.get_by_label("Niveau 3").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("diffère du niveau suggéré")).to_be_visible()  # a reason is required
    page.get_by_label("Niveau 1").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Décision enregistrée : Diagnostic de niveau 1.")).to_be_visible()
    page.get_by_role("link", name="Décider — Calendrier du prochain semestre").click()
    page.get_by_label("Décision ou relevé de conclusions").fill("Dates validées")
    page.get_by_role("button", name="Enregistrer la décision").click()

    page.get_by_label(cellule_member.get_full_name(), exact=False).check()
    page.get_by_label(ccas_manager.get_full_name(), exact=False).check()
    page.get_by_role("button", name="Enregistrer les présences").click()
    mail.outbox.clear()
    # The manager reads what each recipient will receive before approving (issue 13).
    page.get_by_role("link", name="Relire le compte rendu et l'approuver").click()
    expect(page.get_by_role("cell", name="hal@calvados.gouv.fr")).to_be_visible()
    expect(page.locator("#minutes-preview")).to_contain_text("Dates validées")
    assert household.display_name not in page.content()
    check_axe(page)
    page.get_by_role("button", name="Approuver ce compte rendu et l'envoyer").click()
    expect(page.get_by_text("Compte rendu approuvé et verrouillé")).to_be_visible()
    check_axe(page)

    household.refresh_from_db()
    meeting.refresh_from_db()
    assert household.status == Status.DIAGNOSTIC and household.diagnostic_level == 1
    assert Decision.objects.filter(item__meeting=meeting).count() == 2
    assert meeting.is_locked
    assert "hal@calvados.gouv.fr" in [m.to[0] for m in mail.outbox]

    page.get_by_role("button", name="Se déconnecter").click()
    login_as(state_reader)
    expect(page).to_have_url(ending("/cellule/"))
    link = page.get_by_role(
        "link", name=f"Télécharger le compte rendu du {meeting.local_date:%d/%m/%Y}"
    )
    expect(link).to_be_visible()
    assert household.reference not in page.content()
    check_axe(page)
    assert Meeting.objects.get(pk=meeting.pk).minutes_versions.count() == 1


def test_comite_and_partners_pages_are_accessible(
    e2e_settings, page, login_as, check_axe, ccas_manager
):
    from coordination.enums import MeetingKind
    from tests.coordination.factories import PartnerFactory

    comite = MeetingFactory(kind=MeetingKind.COMITE)
    PartnerFactory(name="CAF du Calvados")
    login_as(ccas_manager)
    page.goto(f"/cellule/comite/{comite.pk}/")
    page.get_by_label("Nom").fill("Mme Durand")
    page.get_by_label("Organisation").select_option("ddcs")
    page.get_by_role("button", name="Ajouter le membre").click()
    expect(page.get_by_text("Mme Durand — DDCS du Calvados")).to_be_visible()
    page.get_by_label("Ajustement").fill("Point trimestriel avec le SIAO")
    page.get_by_label("Porté par").fill("CCAS")
    page.get_by_role("button", name="Ajouter l'ajustement").click()
    expect(
        page.get_by_role("cell", name="Point trimestriel avec le SIAO", exact=True)
    ).to_be_visible()
    check_axe(page)
    page.goto("/cellule/partenaires/")
    check_axe(page)
    page.get_by_role("link", name="CAF du Calvados").click()
    check_axe(page)
    page.goto("/cellule/planifier/")
    check_axe(page)
