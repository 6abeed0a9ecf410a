"""Rights of the person: the access request (page, PDF read back, JSON, audit-logged), the
information notice recorded on the file, the personal-data page, reading an archived file."""

import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import Action, AuditEntry
from households.enums import NoticeMethod, Status
from households.models import InformationNotice
from privacy.models import ArchiveConsultation
from tests.accompaniments.factories import AccompanimentFactory, ContactFactory
from tests.diagnostics.factories import DiagnosticFactory
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(social_worker):
    household = HouseholdFactory(
        referent=social_worker,
        status=Status.ACCOMPANIED,
        members=[{"last_name": "Lefèvre", "first_name": "Jeanne"}],
        phone="06 39 98 00 01",
    )
    DiagnosticFactory(household=household, budget_observation="Dette CAF de 400 €")
    acc = AccompanimentFactory(household=household)
    ContactFactory(accompaniment=acc, note="Visite : courrier de la CAF reçu.")
    return household


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_access_request_pdf_holds_everything_and_is_logged(client, ccas_manager, household):
    client.force_login(ccas_manager)
    response = client.get(reverse("privacy:access_request_pdf", args=[household.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    for expected in [
        household.reference,
        "Lefèvre",
        "Jeanne",
        "06 39 98 00 01",
        "Dette CAF de 400 €",
        "Observation — budget",
        "courrier de la CAF reçu",
        "Visite à domicile",
    ]:
        assert expected in text, expected
    entry = AuditEntry.objects.get(action=Action.EXPORT, household_id=household.pk)
    assert entry.actor == ccas_manager and entry.label == "Droit d'accès : export PDF"


def test_access_request_json_and_page(client, ccas_manager, household):
    client.force_login(ccas_manager)
    response = client.get(reverse("privacy:access_request_json", args=[household.pk]))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["reference"] == household.reference
    by_title = {s["titre"]: s["enregistrements"] for s in data["sections"]}
    assert by_title["Membres du ménage"][0]["last_name"] == "Lefèvre"
    assert by_title["Contacts"][0]["note"] == "Visite : courrier de la CAF reçu."
    assert by_title["Diagnostics"][0]["budget_observation"] == "Dette CAF de 400 €"
    page = client.get(reverse("privacy:access_request", args=[household.pk]))
    assert "courrier de la CAF reçu" in page.content.decode()
    labels = set(
        AuditEntry.objects.filter(household_id=household.pk).values_list("label", flat=True)
    )
    assert {"Droit d'accès : export JSON", "Droit d'accès : contenu du dossier"} <= labels


def test_access_request_query_count_does_not_grow(
    client, ccas_manager, household, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(ccas_manager)
    url = reverse("privacy:access_request_json", args=[household.pk])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    acc = household.accompaniments.get()
    for _ in range(5):
        ContactFactory(accompaniment=acc)
    with django_assert_max_num_queries(len(one)):
        client.get(url)


@pytest.mark.parametrize("role", ["social_worker", "letting_officer", "state_reader"])
def test_access_request_is_the_managers(client, household, role, request):
    client.force_login(request.getfixturevalue(role))
    for name in ["access_request", "access_request_pdf", "access_request_json"]:
        assert client.get(reverse(f"privacy:{name}", args=[household.pk])).status_code == 403
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_the_referent_records_the_information_notice(client, social_worker, household):
    client.force_login(social_worker)
    url = reverse("privacy:record_notice", args=[household.pk])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    refused = client.post(url, {"given_on": tomorrow.isoformat(), "method": NoticeMethod.HANDED})
    assert refused.status_code == 400
    assert "La date ne peut pas être dans le futur." in refused.content.decode()
    assert not InformationNotice.objects.exists()
    response = client.post(url, {"given_on": "2026-03-02", "method": NoticeMethod.HANDED})
    assert response.status_code == 302
    assert response.url == household.tab_url("donnees")  # back where it was recorded
    notice = InformationNotice.objects.get()
    assert (notice.household, notice.recorded_by) == (household, social_worker)
    assert notice.given_on == datetime.date(2026, 3, 2)
    page = client.get(response.url).content.decode()
    assert "Notice d'information remise le 02/03/2026" in page
    assert AuditEntry.objects.filter(
        label="Notice d'information", household_id=household.pk
    ).exists()


def test_personal_data_page_is_public_and_complete(client):
    page = client.get("/donnees-personnelles/").content.decode()
    for expected in [
        "Responsables du traitement",
        "CCAS de la Ville de Caen",
        "Caen habitat",
        "Finalités",
        "Base légale",
        "article 6.1.e",
        "Durées de conservation",
        "<strong>2 ans</strong>",
        "<strong>3 ans</strong>",
        "Vos droits",
        "CNIL",
    ]:
        assert expected in page, expected


def test_an_archived_file_is_read_with_a_typed_reason(client, ccas_manager, household):
    household.archive(last_contact=timezone.now())
    client.force_login(ccas_manager)
    listing = client.get(reverse("privacy:archive_list")).content.decode()
    assert household.reference in listing and "Lefèvre" not in listing  # no name in the list
    url = reverse("privacy:archive_read", args=[household.pk])
    assert "Lefèvre" not in client.get(url).content.decode()
    refused = client.post(url, {"reason": "voir"})
    assert refused.status_code == 400
    assert "Précisez le motif (15 caractères au moins)." in refused.content.decode()
    assert not ArchiveConsultation.objects.exists()
    response = client.post(url, {"reason": "Demande d'accès reçue le 3 mars"})
    assert response.status_code == 200 and "Lefèvre" in response.content.decode()
    consultation = ArchiveConsultation.objects.get()
    assert (consultation.by, consultation.reason) == (
        ccas_manager,
        "Demande d'accès reçue le 3 mars",
    )
    assert AuditEntry.objects.filter(
        household_id=household.pk,
        action=Action.VIEW,
        label__startswith="Consultation d'un dossier archivé",
    ).exists()


def test_only_archived_files_through_the_archive(client, ccas_manager, social_worker, household):
    client.force_login(ccas_manager)
    assert client.get(reverse("privacy:archive_read", args=[household.pk])).status_code == 404
    household.archive(last_contact=timezone.now())
    client.force_login(social_worker)
    url = reverse("privacy:archive_read", args=[household.pk])
    assert client.post(url, {"reason": "Demande d'accès reçue le 3 mars"}).status_code == 403
    assert not ArchiveConsultation.objects.exists()
