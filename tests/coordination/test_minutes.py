"""Minutes: PDF read back, approval lock, correction versions, emails (issue 4, point 5)."""

import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from coordination.actions import do_record_decision
from coordination.enums import ItemKind, Outcome
from coordination.models import MinutesDelivery, MinutesRecipient
from households.enums import Public, Status
from tests.factories import HouseholdFactory, PersonFactory

from .factories import AgendaItemFactory, DiagnosticFactory, MeetingFactory

pytestmark = pytest.mark.django_db

SPECIAL_WORDS = ["Santé", "santé", "addictive", "Addiction", "addiction", "psychiatr"]


def pdf_text(data):
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


@pytest.fixture
def held_meeting(ccas_manager, cellule_member, letting_officer):
    meeting = MeetingFactory(
        past=True, published=True, members=[ccas_manager, cellule_member, letting_officer]
    )
    meeting.attendees.set([ccas_manager, cellule_member])
    level = HouseholdFactory(status=Status.AWAITING_LEVEL, public=Public.AHI_STRUCTURE, members=[])
    PersonFactory(household=level, first_name="Zoé", last_name="Quintard")
    admission = HouseholdFactory(status=Status.AWAITING_ADMISSION, members=[])
    PersonFactory(household=admission, first_name="Karim", last_name="Benali")
    # The diagnostic holds health and addiction items: they must never reach the minutes.
    DiagnosticFactory(
        household=admission,
        proposed_axes=["insertion.health", "budget.addiction", "housing_path.no_experience"],
    )
    AgendaItemFactory(meeting=meeting, kind=ItemKind.LEVEL, household=level)
    AgendaItemFactory(meeting=meeting, kind=ItemKind.ADMISSION, household=admission)
    AgendaItemFactory(
        meeting=meeting, kind=ItemKind.MANUAL, household=None, title="Calendrier 2027"
    )
    items = list(meeting.items.all())
    do_record_decision(items[0], by=cellule_member, outcome=Outcome.LEVEL, level=1)
    do_record_decision(
        items[1],
        by=cellule_member,
        outcome=Outcome.NOT_ADMITTED,
        reason="Projet de relogement hors Caen",
    )
    return meeting


def test_minutes_pdf_has_references_initials_attendance_and_no_special_category_word(
    held_meeting, ccas_manager, cellule_member, settings
):
    settings.DDCS_MINUTES_RECIPIENTS = []
    minutes = held_meeting.approve_minutes(by=ccas_manager)
    with minutes.pdf.open("rb") as handle:
        text = pdf_text(handle.read())

    level, admission = (i.household for i in held_meeting.items.exclude(household=None))
    assert (
        f"Compte rendu de la cellule de coordination du {held_meeting.local_date:%d/%m/%Y}" in text
    )
    assert "Caen habitat · CCAS de la Ville de Caen" in text  # programme header
    for household, initials in ((level, "Z. Q."), (admission, "K. B.")):
        assert household.reference in text
        assert initials in text
    assert "Quintard" not in text and "Benali" not in text  # no names
    assert "Diagnostic de niveau 1" in text
    assert "Non admis" in text and "Projet de relogement hors Caen" in text
    assert "Calendrier 2027" in text
    assert cellule_member.get_full_name() in text
    for word in SPECIAL_WORDS:
        assert word not in text


def test_approval_locks_the_meeting_and_a_correction_is_a_new_version(
    held_meeting, ccas_manager, cellule_member
):
    held_meeting.approve_minutes(by=ccas_manager)
    held_meeting.refresh_from_db()
    assert held_meeting.is_locked

    item = AgendaItemFactory(
        meeting=held_meeting, kind=ItemKind.LEVEL, household__status=Status.AWAITING_LEVEL
    )
    with pytest.raises(ValidationError, match="approuvé"):
        do_record_decision(item, by=cellule_member, outcome=Outcome.LEVEL, level=3)
    with pytest.raises(ValidationError, match="approuvé"):
        held_meeting.record_attendance([ccas_manager])
    with pytest.raises(ValidationError, match="Décrivez la correction"):
        held_meeting.approve_minutes(by=ccas_manager)

    v2 = held_meeting.approve_minutes(by=ccas_manager, correction="Ajout d'un présent oublié")
    assert v2.number == 2
    with v2.pdf.open("rb") as handle:
        text = pdf_text(handle.read())
    assert "Ajout d'un présent oublié" in text and "Version 2" in text
    assert held_meeting.minutes_versions.count() == 2


def test_approval_in_the_view_sends_to_members_and_ddcs_with_delivery_records(
    client, held_meeting, ccas_manager, settings, django_capture_on_commit_callbacks
):
    settings.DDCS_MINUTES_RECIPIENTS = ["hebergement-logement@calvados.gouv.fr"]
    MinutesRecipient.objects.create(name="Pôle HAL", email="pole.hal@calvados.gouv.fr")
    MinutesRecipient.objects.create(name="Ancien", email="ancien@calvados.gouv.fr", active=False)
    client.force_login(ccas_manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cellule/{held_meeting.pk}/compte-rendu/approuver/")

    assert response.status_code == 302
    recipients = sorted(m.to[0] for m in mail.outbox)
    expected = sorted(
        [m.email for m in held_meeting.members.all()]
        + ["hebergement-logement@calvados.gouv.fr", "pole.hal@calvados.gouv.fr"]
    )
    assert recipients == expected
    assert all(m.attachments[0][2] == "application/pdf" for m in mail.outbox)
    assert MinutesDelivery.objects.filter(status="sent").count() == len(expected)
    assert MinutesDelivery.objects.filter(is_member=False).count() == 2

    # Approving twice is refused; the correction route makes a new version and sends again.
    mail.outbox.clear()
    response = client.post(f"/cellule/{held_meeting.pk}/compte-rendu/approuver/", follow=True)
    assert "déjà approuvé" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/cellule/{held_meeting.pk}/compte-rendu/corriger/",
            {"correction": "Coquille", "confirm": "1"},
        )
    assert len(mail.outbox) == len(expected)
    assert "version 2" in mail.outbox[0].subject


def test_only_a_manager_approves(client, held_meeting, cellule_member, letting_officer):
    for user in (cellule_member, letting_officer):
        client.force_login(user)
        assert client.post(f"/cellule/{held_meeting.pk}/compte-rendu/approuver/").status_code == 403
    held_meeting.refresh_from_db()
    assert not held_meeting.is_locked


def test_publishing_emails_members_without_names(
    client,
    ccas_manager,
    cellule_member,
    letting_officer,
    debt_officer,
    django_capture_on_commit_callbacks,
):
    meeting = MeetingFactory(members=[ccas_manager, cellule_member, letting_officer, debt_officer])
    household = HouseholdFactory(status=Status.AWAITING_LEVEL)
    AgendaItemFactory(meeting=meeting, household=household)
    client.force_login(ccas_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/cellule/{meeting.pk}/publier/")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [ccas_manager.email, cellule_member.email, letting_officer.email, debt_officer.email]
    )
    body = mail.outbox[0].body
    assert f"/cellule/{meeting.pk}/pre-lecture/" in body
    assert household.display_name not in body and household.reference not in body


def test_minutes_whose_sending_never_ran_are_sent_by_the_outbox_relay(
    held_meeting, ccas_manager, settings
):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from notifications.tasks import relay_outbox

    settings.DDCS_MINUTES_RECIPIENTS = ["hal@calvados.gouv.fr"]
    # on_commit callbacks do not run in this test: as if the broker was down at approval.
    minutes = held_meeting.approve_minutes(by=ccas_manager)
    assert not minutes.deliveries.exists() and not mail.outbox
    assert relay_outbox.apply().get() == 0  # just approved: the normal path may yet run
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert relay_outbox.apply().get() == 1
        assert relay_outbox.apply().get() == 0  # once
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [m.email for m in held_meeting.members.all()] + ["hal@calvados.gouv.fr"]
    )
    assert minutes.deliveries.filter(status="sent").count() == 4
