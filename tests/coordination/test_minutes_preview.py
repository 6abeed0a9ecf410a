"""The approval page shows the manager exactly what each recipient will receive: the list of
recipients, the subject and text of the e-mail and the minutes rendered from the PDF's own
partial; approving sends that and nothing else (issue 13, point 1)."""

import html
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from coordination.actions import do_record_decision
from coordination.enums import ItemKind, Outcome
from coordination.models import Minutes, MinutesRecipient
from households.enums import Status
from tests.factories import HouseholdFactory

from .factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def text_of(response):
    page = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return " ".join(page.split())


def pdf_text(data):
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


@pytest.fixture
def held_meeting(ccas_manager, cellule_member, settings):
    settings.DDCS_MINUTES_RECIPIENTS = ["hal@calvados.gouv.fr"]
    MinutesRecipient.objects.create(name="Pôle HAL", email="pole.hal@calvados.gouv.fr")
    meeting = MeetingFactory(past=True, published=True, members=[ccas_manager, cellule_member])
    meeting.attendees.set([ccas_manager, cellule_member])
    household = HouseholdFactory(status=Status.AWAITING_ADMISSION)
    item = AgendaItemFactory(meeting=meeting, kind=ItemKind.ADMISSION, household=household)
    AgendaItemFactory(
        meeting=meeting, kind=ItemKind.MANUAL, household=None, title="Calendrier 2027"
    )
    do_record_decision(
        item, by=cellule_member, outcome=Outcome.DEFERRED, reason="Attendre le plan d'apurement"
    )
    meeting.household = household
    return meeting


def test_the_manager_sees_recipients_mail_and_minutes_before_approving(
    client, held_meeting, ccas_manager, cellule_member, django_capture_on_commit_callbacks
):
    client.force_login(ccas_manager)
    detail = client.get(held_meeting.get_absolute_url()).content.decode()
    url = reverse("coordination:minutes_approve", args=[held_meeting.pk])
    assert f'href="{url}"' in detail  # approval goes through the preview page

    response = client.get(url)
    assert response.status_code == 200
    page = text_of(response)
    for email in (ccas_manager.email, cellule_member.email):
        assert f"{email} Membre de la cellule" in page
    for email in ("hal@calvados.gouv.fr", "pole.hal@calvados.gouv.fr"):
        assert f"{email} DDCS" in page
    subject = f"Compte rendu approuvé — {held_meeting.label}"
    assert page.count(subject) == 4  # one row per recipient
    today = timezone.localdate().strftime("%d/%m/%Y")
    for fragment in (
        f"Version 1, approuvée le {today} par {ccas_manager}",
        held_meeting.household.reference,
        held_meeting.household.initials,
        "Attendre le plan d'apurement",
        "Calendrier 2027",
    ):
        assert fragment in page
    assert not Minutes.objects.exists()  # looking approves nothing

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert len(mail.outbox) == 4
    shown_body = " ".join(response.context["preview"].mail_body.split())
    for message in mail.outbox:
        assert message.subject == subject
        assert " ".join(message.body.split()) == shown_body
        assert shown_body in page
    sent = pdf_text(mail.outbox[0].attachments[0][1])
    for fragment in (
        f"Version 1, approuvée le {today} par {ccas_manager}",
        "Attendre le plan d'apurement",
        "Calendrier 2027",
    ):
        assert fragment in sent


def test_a_correction_is_previewed_then_confirmed(
    client, held_meeting, ccas_manager, django_capture_on_commit_callbacks
):
    held_meeting.approve_minutes(by=ccas_manager)
    client.force_login(ccas_manager)
    page = client.get(reverse("coordination:minutes_approve", args=[held_meeting.pk]))
    assert page.status_code == 200 and "Relire la version corrigée" in page.content.decode()
    url = reverse("coordination:minutes_correct", args=[held_meeting.pk])
    response = client.post(url, {"correction": "Coquille sur la date du prochain comité"})
    assert response.status_code == 200
    page = text_of(response)
    assert "Correction Coquille sur la date du prochain comité" in page
    assert f"Compte rendu approuvé — {held_meeting.label} (version 2, corrigée)" in page
    assert Minutes.objects.count() == 1  # previewed, not yet published

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"correction": "Coquille sur la date du prochain comité", "confirm": "1"}
        )
    assert response.status_code == 302
    assert Minutes.objects.count() == 2
    assert mail.outbox[0].subject.endswith("(version 2, corrigée)")
    assert "Coquille sur la date du prochain comité" in pdf_text(mail.outbox[0].attachments[0][1])


def test_an_empty_correction_comes_back_in_its_form(client, held_meeting, ccas_manager):
    held_meeting.approve_minutes(by=ccas_manager)
    client.force_login(ccas_manager)
    response = client.post(
        reverse("coordination:minutes_correct", args=[held_meeting.pk]), {"correction": "  "}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["correction"]
    assert Minutes.objects.count() == 1


def test_the_approval_page_costs_the_same_whatever_the_number_of_items(
    client, held_meeting, ccas_manager
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(ccas_manager)
    url = reverse("coordination:minutes_approve", args=[held_meeting.pk])
    client.get(url)  # session and caches warm
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(8):
        item = AgendaItemFactory(
            meeting=held_meeting,
            kind=ItemKind.ADMISSION,
            household=HouseholdFactory(status=Status.AWAITING_ADMISSION),
        )
        do_record_decision(item, by=ccas_manager, outcome=Outcome.DEFERRED, reason="Compléments")
    from accounts.enums import Role
    from tests.factories import make_user

    held_meeting.members.add(*[make_user(Role.CELLULE_MEMBER) for _ in range(3)])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
