"""Every channel of free text that leaves the CCAS refuses a programme person's name and a word of
each special-category family, typed with decomposed accents (NFD): the words are named next to
the field in French, the page answers 400, the typed text stays in the form, nothing is saved
(issue 13, point 1; docs/access.md "Texte libre qui sort du CCAS")."""

import datetime
import html
import unicodedata

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import Signal
from coordination.enums import ItemKind
from coordination.models import AgendaItem, Decision, Minutes
from households.enums import Relation, Status
from households.models import ReferentAssignment
from tests.accompaniments.factories import AccompanimentFactory
from tests.coordination.factories import AgendaItemFactory, MeetingFactory
from tests.diagnostics.factories import DiagnosticFactory
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

# (text, the words the refusal must name, the family label)
SAMPLES = {
    "name": ("Rendez-vous manqué avec Mme Hérault", "Hérault", "nom d'une personne du dispositif"),
    "health": ("Hospitalisée en urgence le mois dernier", "Hospitalisée", "santé"),
    "addiction": ("Rechute alcoolique depuis l'été", "alcoolique", "addiction"),
    "sexuality": ("Conflit lié à son orientation sexuelle", "sexuelle", "vie sexuelle"),
    "religion": ("Pratique religieuse incompatible avec le bail", "religieuse", "religion"),
    "offences": (
        "Sortie de prison récente, à accompagner",
        "prison",
        "infractions et condamnations",
    ),
    "residence": ("Titre de séjour expiré en février", "Titre de séjour", "droit au séjour"),
}


def nfd(text):
    return unicodedata.normalize("NFD", text)


@pytest.fixture(autouse=True)
def programme_person(db):
    """Someone of the programme, in another household than the one written about."""
    return HouseholdFactory(members=[{"last_name": "Hérault", "first_name": "Odile"}])


def assert_refused(response, field, typed, words, family, form_key="form"):
    assert response.status_code == 400
    form = response.context[form_key]
    assert form[field].value() == typed  # what was typed is kept, byte for byte (NFD)
    errors = " ".join(form.errors[field])
    assert errors.startswith("Ce texte sort du CCAS")
    assert f"« {words} » ({family})" in unicodedata.normalize("NFC", errors)
    page = unicodedata.normalize("NFC", html.unescape(response.content.decode()))
    assert f"« {words} » ({family})" in page  # shown next to the field


# --- the six channels -----------------------------------------------------------------------


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_agenda_item_title(client, ccas_manager, sample):
    text, words, family = SAMPLES[sample]
    meeting = MeetingFactory()
    client.force_login(ccas_manager)
    response = client.post(
        reverse("coordination:agenda_manual", args=[meeting.pk]), {"title": nfd(text)}
    )
    assert_refused(response, "title", nfd(text), words, family, form_key="manual_form")
    assert not AgendaItem.objects.exists()


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_decision_reason(client, ccas_manager, sample):
    text, words, family = SAMPLES[sample]
    meeting = MeetingFactory(published=True, past=True, members=[ccas_manager])
    item = AgendaItemFactory(meeting=meeting, kind=ItemKind.MANUAL, household=None, title="Bilan")
    client.force_login(ccas_manager)
    response = client.post(
        reverse("coordination:decide", args=[meeting.pk, item.pk]),
        {"outcome": "noted", "reason": nfd(text)},
    )
    assert_refused(response, "reason", nfd(text), words, family)
    assert not Decision.objects.exists()


@pytest.fixture
def approved_meeting(ccas_manager):
    now = timezone.now()
    meeting = MeetingFactory(
        published=True, past=True, minutes_approved_at=now, members=[ccas_manager]
    )
    minutes = Minutes(meeting=meeting, number=1, approved_by=ccas_manager)
    minutes.pdf.save("cr.pdf", ContentFile(b"%PDF-1.4 compte rendu"), save=False)
    minutes.save()
    return meeting


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_minutes_correction(client, ccas_manager, approved_meeting, sample):
    text, words, family = SAMPLES[sample]
    client.force_login(ccas_manager)
    url = reverse("coordination:minutes_correct", args=[approved_meeting.pk])
    for data in ({"correction": nfd(text)}, {"correction": nfd(text), "confirm": "1"}):
        response = client.post(url, data)
        assert_refused(response, "correction", nfd(text), words, family)
    assert Minutes.objects.count() == 1


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_capacity_motif(client, social_worker, sample):
    from tests.diagnostics.test_views import form_data

    text, words, family = SAMPLES[sample]
    household = HouseholdFactory(
        referent=social_worker,
        status=Status.DIAGNOSTIC,
        diagnostic_level=3,
        members=[{"relation": Relation.REFERENCE, "first_name": "Awa", "last_name": "Diallo"}],
    )
    draft = DiagnosticFactory(household=household)
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(draft, capacity="reserved", capacity_reason=nfd(text)),
    )
    assert_refused(response, "capacity_reason", nfd(text), words, family)
    draft.refresh_from_db()
    assert draft.capacity_reason == "" and draft.version == 1


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_adhesion_loss_description(client, social_worker, sample):
    text, words, family = SAMPLES[sample]
    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    client.force_login(social_worker)
    response = client.post(
        reverse("accompaniments:adhesion_loss_create", args=[acc.household.pk]),
        {"description": nfd(text)},
    )
    assert_refused(response, "description", nfd(text), words, family)
    assert not Signal.objects.exists()


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_referent_change_reason(client, ccas_manager, social_worker, other_social_worker, sample):
    text, words, family = SAMPLES[sample]
    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    before = ReferentAssignment.objects.count()
    client.force_login(ccas_manager)
    response = client.post(
        reverse("accompaniments:referent_change", args=[acc.pk]),
        {"referent": other_social_worker.pk, "reason": nfd(text)},
    )
    assert_refused(response, "reason", nfd(text), words, family)
    acc.household.refresh_from_db()
    assert acc.household.referent == social_worker
    assert ReferentAssignment.objects.count() == before


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_planned_visit_place(client, social_worker, sample):
    """The place goes to the household in its reminder (docs/reminders.md)."""
    from accompaniments.models import PlannedVisit

    text, words, family = SAMPLES[sample]
    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    client.force_login(social_worker)
    when = timezone.localtime() + datetime.timedelta(days=2)
    response = client.post(
        reverse("accompaniments:visit_plan", args=[acc.pk]),
        {"kind": "office", "starts_at": when.strftime("%Y-%m-%dT%H:%M"), "place": nfd(text)},
    )
    assert_refused(response, "place", nfd(text), words, family)
    assert not PlannedVisit.objects.exists()


# --- the issue's own examples, and the household file's référent form -------------------------


def test_the_issue_agenda_title_is_refused(client, ccas_manager):
    HouseholdFactory(members=[{"last_name": "Michel", "first_name": "Jeanne"}])
    meeting = MeetingFactory()
    client.force_login(ccas_manager)
    title = "Situation de Mme Jeanne MICHEL : dépression, suivi psychologue"
    response = client.post(
        reverse("coordination:agenda_manual", args=[meeting.pk]), {"title": title}
    )
    assert response.status_code == 400
    assert response.context["manual_form"]["title"].value() == title
    errors = " ".join(response.context["manual_form"].errors["title"])
    assert "« Jeanne », « MICHEL » (nom d'une personne du dispositif)" in errors
    assert "« dépression », « psychologue » (santé)" in errors


def test_the_issue_capacity_motif_is_refused(client, social_worker):
    from tests.diagnostics.test_views import form_data

    motif = "Dépression sévère, suivi psychologue au CMP; sevrage héroïne (méthadone)"
    draft = DiagnosticFactory(
        household=HouseholdFactory(
            referent=social_worker, status=Status.DIAGNOSTIC, diagnostic_level=3
        )
    )
    client.force_login(social_worker)
    response = client.post(
        reverse("diagnostics:edit", args=[draft.pk]),
        form_data(draft, capacity="reserved", capacity_reason=motif),
    )
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["capacity_reason"])
    assert "« Dépression », « psychologue », « CMP » (santé)" in errors
    assert "« sevrage », « héroïne », « méthadone » (addiction)" in errors


def test_household_file_referent_reason(client, ccas_manager, social_worker, other_social_worker):
    household = HouseholdFactory(referent=social_worker)
    client.force_login(ccas_manager)
    typed = nfd("Mme Hérault ne veut plus de ce référent")
    response = client.post(
        reverse("households:assign_referent", args=[household.pk]),
        # The référent form's fields carry its prefix (the status form beside it has a reason).
        {"referent-referent": other_social_worker.pk, "referent-reason": typed},
    )
    assert_refused(
        response, "reason", typed, "Hérault", "nom d'une personne du dispositif", "referent_form"
    )
    household.refresh_from_db()
    assert household.referent == social_worker


def test_an_acknowledgement_note_read_by_caen_habitat_is_checked(client, social_worker):
    from tests.accompaniments.factories import SignalFactory

    signal = SignalFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    client.force_login(social_worker)
    typed = nfd("Hospitalisée, je repasse la semaine prochaine")
    response = client.post(
        reverse("accompaniments:signal_acknowledge", args=[signal.pk]), {"note": typed}
    )
    assert_refused(response, "note", typed, "Hospitalisée", "santé")
    signal.refresh_from_db()
    assert signal.acknowledged_at is None


def test_harmless_texts_pass_every_channel(client, ccas_manager):
    meeting = MeetingFactory()
    client.force_login(ccas_manager)
    response = client.post(
        reverse("coordination:agenda_manual", args=[meeting.pk]),
        {"title": "Calendrier 2027 et bilan des paiements irréguliers"},
    )
    assert response.status_code == 302
    assert AgendaItem.objects.get().title == "Calendrier 2027 et bilan des paiements irréguliers"


# --- the command listing existing rows --------------------------------------------------------


def test_the_command_lists_existing_rows_that_fail_and_rewrites_nothing(ccas_manager):
    from io import StringIO

    meeting = MeetingFactory(published=True, past=True)
    bad = AgendaItem.objects.create(  # written before the check existed
        meeting=meeting, kind=ItemKind.MANUAL, title="Situation de Mme Hérault : dépression"
    )
    AgendaItem.objects.create(meeting=meeting, kind=ItemKind.MANUAL, title="Calendrier 2027")
    household = HouseholdFactory(status=Status.AWAITING_ADMISSION)
    item = AgendaItemFactory(meeting=meeting, kind=ItemKind.ADMISSION, household=household)
    decision = Decision.objects.create(
        item=item, outcome="deferred", reason=nfd("Sevrage en cours"), recorded_by=ccas_manager
    )
    out = StringIO()
    call_command("check_outbound_text", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "modèle\tidentifiant\tchamp\tdossier\tmots à reformuler"
    assert (
        f"coordination.AgendaItem\t{bad.pk}\ttitle\t—\t« Hérault » (nom d'une personne du "
        "dispositif) ; « dépression » (santé)"
    ) in lines
    assert (
        f"coordination.Decision\t{decision.pk}\treason\t{household.reference}\t"
        "« Sevrage » (addiction)"
    ) in lines
    assert lines[-1] == "2 textes à reformuler"
    bad.refresh_from_db()
    assert bad.title == "Situation de Mme Hérault : dépression"  # nothing rewritten


def test_the_command_reads_by_chunks_with_one_name_query_each(django_assert_max_num_queries):
    from coordination.models import Adjustment

    comite = MeetingFactory(kind="comite", date=timezone.now() - datetime.timedelta(days=3))
    Adjustment.objects.bulk_create(
        Adjustment(meeting=comite, title=f"Ajustement {n} avec Mme Hérault", owner="CCAS")
        for n in range(30)
    )
    from caen_accompagnement.management.commands.check_outbound_text import (
        CHANNELS,
        failing_rows,
    )

    # Per channel: one page of rows and one name query per chunk of 10, plus the empty page.
    with django_assert_max_num_queries(len(CHANNELS) + 3 * 2 + 1):
        rows = list(failing_rows(chunk=10))
    assert len([r for r in rows if r[0] == "coordination.Adjustment"]) == 30
