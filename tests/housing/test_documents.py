"""The convention and the contract: real WeasyPrint PDFs read back with pypdf; versions; signature."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEntry
from diagnostics.models import Diagnostic
from households.enums import Public, Relation, Status
from housing.models import (
    AgreementDocument,
    DocumentStatus,
    Dwelling,
    Rehousing,
    Solution,
)
from tests.factories import HouseholdFactory

from .factories import DwellingFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 10, 5, 9, 0, tzinfo=datetime.UTC)
PDF_SCAN = b"%PDF-1.4\n% scan signe\n"


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture
def rehoused(social_worker, letting_officer):
    household = HouseholdFactory(
        status=Status.ADMITTED,
        referent=social_worker,
        members=[
            {"first_name": "Awa", "last_name": "Diallo", "relation": Relation.REFERENCE},
            {
                "first_name": "Moussa",
                "last_name": "Diallo",
                "relation": Relation.CHILD,
                "birth_date": datetime.date(2015, 3, 2),
            },
        ],
    )
    Diagnostic.objects.create(
        household=household,
        level=2,
        proposed_axes=[
            "budget.over_indebtedness",
            "insertion.health",
            "housing_path.no_experience",
        ],
        intensity="strong",
        proposed_duration_months=9,
    )
    dwelling = DwellingFactory(
        reference="CH-04242",
        address="12 rue d'Auge, 14000 Caen",
        typology="T3",
        rent=Decimal("980.00"),
        charges=Decimal("95.50"),
    )
    Rehousing.record(
        household=household,
        by=letting_officer,
        solution=Solution.SLIDING_LEASE,
        dwelling=dwelling,
        lease_start=datetime.date(2026, 10, 1),
        planned_glide_date=datetime.date(2027, 4, 1),
        lease_reference="BAIL-2026-17",
    )
    return household


@time_machine.travel(NOW)
def test_convention_pdf_text(rehoused, letting_officer):
    document = AgreementDocument.generate(rehoused, "convention", by=letting_officer)
    text = pdf_text(document.pdf.read())
    assert "Convention tripartite de suivi social" in text
    # the programme's header
    assert "Caen habitat · CCAS de la Ville de Caen" in text
    assert "Projet « Logement accompagné »" in text
    # parties
    assert "Caen habitat" in text and "Centre Communal d'Action Sociale" in text
    assert "Awa DIALLO" in text and "Moussa DIALLO" in text and rehoused.reference in text
    assert rehoused.referent.get_full_name() in text
    # dwelling, solution and dates, amounts in French format
    assert "CH-04242" in text and "12 rue d'Auge" in text
    assert "Bail glissant" in text
    assert "980,00 €" in text and "95,50 €" in text and "1 075,50 €" in text
    assert "01/10/2026" in text and "01/04/2027" in text and "BAIL-2026-17" in text
    # commitments (§2.3, §3) and objectives from the diagnostic's proposal
    assert "Payer régulièrement son loyer" in text
    assert "impayé de loyer" in text
    assert "Gestion budgétaire" in text and "Surendettement" in text
    assert "Absence d'expérience locative" in text
    assert "Santé" not in text  # special-category item: only its category is printed
    assert "Insertion sociale et professionnelle" in text
    # contact frequency and duration (9 months from the lease start)
    assert "9 mois" in text and "01/07/2027" in text
    assert "une visite à domicile tous les 15 jours" in text
    assert document.rehousing == rehoused.rehousings.get()
    assert document.number == 1 and document.status == DocumentStatus.GENERATED


@time_machine.travel(NOW)
def test_contract_pdf_text(rehoused, social_worker):
    document = AgreementDocument.generate(rehoused, "contract", by=social_worker)
    text = pdf_text(document.pdf.read())
    assert "Contrat d'accompagnement social" in text
    assert "Projet « Logement accompagné »" in text  # the programme's header
    assert "Awa DIALLO" in text
    assert "Gestion budgétaire" in text and "Parcours locatif" in text
    assert "Durée : 9 mois, du 01/10/2026 au 01/07/2027" in text
    assert "Intensité : Renforcée" in text
    assert "un contact téléphonique chaque semaine" in text
    assert "Santé" not in text
    assert document.rehousing is None


@time_machine.travel(NOW)
def test_versions_and_signature_of_the_latest(rehoused, letting_officer):
    first = AgreementDocument.generate(rehoused, "convention", by=letting_officer)
    second = AgreementDocument.generate(rehoused, "convention", by=letting_officer)
    assert (first.number, second.number) == (1, 2)
    scan = SimpleUploadedFile("signe.pdf", PDF_SCAN, content_type="application/pdf")
    with pytest.raises(ValidationError, match="v2"):
        first.mark_signed(on=datetime.date(2026, 10, 5), scan=scan, by=letting_officer)
    with pytest.raises(ValidationError):
        second.mark_signed(on=datetime.date(2026, 10, 6), scan=scan, by=letting_officer)  # future
    second.mark_signed(on=datetime.date(2026, 10, 5), scan=scan, by=letting_officer)
    second.refresh_from_db()
    assert second.status == DocumentStatus.SIGNED and second.signed_on == datetime.date(2026, 10, 5)
    assert second.signed_scan.read() == PDF_SCAN


def test_convention_needs_the_rehousing(letting_officer):
    household = HouseholdFactory(status=Status.ADMITTED)
    with pytest.raises(ValidationError, match="relogement"):
        AgreementDocument.generate(household, "convention", by=letting_officer)
    assert not AgreementDocument.objects.exists()


def test_convention_of_a_household_staying_in_place(letting_officer):
    household = HouseholdFactory(
        status=Status.ADMITTED,
        public=Public.EVICTION_THREAT,
        tenant_account="CH9",
        address="3 rue de Bayeux",
    )
    document = AgreementDocument.generate(household, "convention", by=letting_officer)
    assert "Maintien dans les lieux" in pdf_text(document.pdf.read())


# --- through the pages -------------------------------------------------------------------


@time_machine.travel(NOW)
def test_generate_download_and_sign_through_the_pages(client, rehoused, letting_officer):
    client.force_login(letting_officer)
    url = reverse("housing:document_generate", args=[rehoused.pk, "convention"])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    document = AgreementDocument.objects.get()
    response = client.get(reverse("housing:document_download", args=[document.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "Convention tripartite" in pdf_text(response.content)
    assert AuditEntry.objects.filter(action="export", object_id=str(document.pk)).exists()

    sign_url = reverse("housing:document_sign", args=[document.pk])
    prefix = f"s{document.pk}"
    # Not a PDF/image: refused, nothing changes, the date typed is kept.
    response = client.post(
        sign_url,
        {
            f"{prefix}-signed_on": "2026-10-05",
            f"{prefix}-scan": SimpleUploadedFile("notes.txt", b"hello"),
        },
    )
    assert response.status_code == 422
    assert "doit être un PDF ou une image" in response.content.decode()
    assert 'value="2026-10-05"' in response.content.decode()
    # A .pdf that is not one: refused too.
    response = client.post(
        sign_url,
        {
            f"{prefix}-signed_on": "2026-10-05",
            f"{prefix}-scan": SimpleUploadedFile("faux.pdf", b"MZ\x90\x00"),
        },
    )
    assert response.status_code == 422
    document.refresh_from_db()
    assert document.status == DocumentStatus.GENERATED and not document.signed_scan

    response = client.post(
        sign_url,
        {
            f"{prefix}-signed_on": "05/10/2026",
            f"{prefix}-scan": SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff\xe0scan"),
        },
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert (
        document.status == DocumentStatus.SIGNED and document.signed_recorded_by == letting_officer
    )
    response = client.get(reverse("housing:document_scan", args=[document.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff\xe0scan"


@time_machine.travel(NOW)
def test_who_generates_what(
    client, rehoused, social_worker, other_social_worker, debt_officer, state_reader
):
    convention = reverse("housing:document_generate", args=[rehoused.pk, "convention"])
    contract = reverse("housing:document_generate", args=[rehoused.pk, "contract"])
    # The référent: the contract yes (accompaniment), the convention no (Caen habitat's).
    client.force_login(social_worker)
    assert client.post(convention).status_code == 403
    response = client.post(contract, follow=True)
    assert response.redirect_chain[0][1] == 302
    # French: "le contrat … généré", "la convention … générée": the message agrees with "version".
    assert "Contrat d&#x27;accompagnement social : version 1 générée." in response.content.decode()
    document = AgreementDocument.objects.get()
    assert client.get(reverse("housing:document_download", args=[document.pk])).status_code == 200
    # Another social worker does not even see the household; the DDCS neither.
    for user in (other_social_worker, state_reader):
        client.force_login(user)
        assert client.post(contract).status_code == 404
        assert (
            client.get(reverse("housing:document_download", args=[document.pk])).status_code == 404
        )
    # The debt officer reads the documents of their tenants only (the document names the
    # members: docs/access.md gives them identity for own tenants), and writes none.
    client.force_login(debt_officer)
    download = reverse("housing:document_download", args=[document.pk])
    assert client.get(download).status_code == 403
    rehoused.tenant_account = "CH000123"
    rehoused.save(update_fields=["tenant_account"])
    assert client.get(download).status_code == 200
    assert client.post(contract).status_code == 403
    assert AgreementDocument.objects.count() == 1


@time_machine.travel(NOW)
def test_who_signs_what(client, rehoused, social_worker, letting_officer, state_reader):
    """The référent records the contract's signature, not the convention's (Caen habitat's)."""
    convention = AgreementDocument.generate(rehoused, "convention", by=letting_officer)
    contract = AgreementDocument.generate(rehoused, "contract", by=social_worker)

    def sign(document):
        return client.post(
            reverse("housing:document_sign", args=[document.pk]),
            {
                f"s{document.pk}-signed_on": "2026-10-05",
                f"s{document.pk}-scan": SimpleUploadedFile("signe.pdf", PDF_SCAN),
            },
        )

    client.force_login(state_reader)
    assert sign(contract).status_code == 404
    client.force_login(social_worker)
    assert sign(convention).status_code == 403
    convention.refresh_from_db()
    assert convention.status == DocumentStatus.GENERATED and not convention.signed_scan
    response = sign(contract)
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["Contrat d'accompagnement social : version 1 enregistrée comme signée."]
    client.force_login(letting_officer)
    assert sign(convention).status_code == 302
    assert AgreementDocument.objects.both_signed(rehoused)


@time_machine.travel(NOW)
def test_each_version_keeps_its_own_pdf(client, rehoused, letting_officer):
    """A new version is generated from today's data; the earlier one stays downloadable as it was."""
    first = AgreementDocument.generate(rehoused, "convention", by=letting_officer)
    Dwelling.objects.filter(reference="CH-04242").update(rent=Decimal("1010.00"))
    second = AgreementDocument.generate(rehoused, "convention", by=letting_officer)
    client.force_login(letting_officer)
    texts = {}
    for document in (first, second):
        response = client.get(reverse("housing:document_download", args=[document.pk]))
        assert f"-v{document.number}.pdf" in response["Content-Disposition"]
        texts[document.number] = pdf_text(response.content)
    assert "Version 1 générée le 05/10/2026" in texts[1]
    assert "980,00 €" in texts[1] and "1 010,00 €" not in texts[1]
    assert "Version 2 générée le 05/10/2026" in texts[2] and "1 010,00 €" in texts[2]


@time_machine.travel(NOW)
def test_convention_pdf_of_a_sublet_and_of_a_social_residence(letting_officer):
    sublet = HouseholdFactory(status=Status.ADMITTED)
    Rehousing.record(
        household=sublet,
        by=letting_officer,
        solution=Solution.SUBLET,
        dwelling=DwellingFactory(reference="CH-05151", rent=Decimal("1234.50")),
        lease_start=datetime.date(2026, 9, 15),
        planned_end=datetime.date(2028, 9, 14),
        exceptional_reason="Titre de séjour en cours de renouvellement",
    )
    text = pdf_text(AgreementDocument.generate(sublet, "convention", by=letting_officer).pdf.read())
    assert "Sous-location" in text and "CH-05151" in text and "1 234,50 €" in text
    assert "15/09/2026" in text and "14/09/2028" in text
    assert "Titre de séjour en cours de renouvellement" in text

    residence = HouseholdFactory(status=Status.ADMITTED)
    Rehousing.record(
        household=residence,
        by=letting_officer,
        solution=Solution.SOCIAL_RESIDENCE,
        structure_name="Résidence sociale Les Tilleuls",
        lease_start=datetime.date(2026, 10, 1),
    )
    document = AgreementDocument.generate(residence, "convention", by=letting_officer)
    text = pdf_text(document.pdf.read())
    assert "Résidence sociale Les Tilleuls" in text and "01/10/2026" in text
    assert document.rehousing == residence.rehousings.get()


# --- a batch recorded after the fact (the demo's histories) --------------------------------


@time_machine.travel(NOW)
def test_signed_batch_keeps_the_rules_and_renders_on_first_download(
    client, rehoused, letting_officer
):
    from django.core.files.base import ContentFile

    in_place = HouseholdFactory(
        status=Status.ADMITTED, public=Public.EVICTION_THREAT, tenant_account="CH9"
    )
    generated = datetime.datetime(2026, 9, 1, 10, 0, tzinfo=datetime.UTC)
    scan = ContentFile(PDF_SCAN, name="signe.pdf")
    # No rehousing and not staying in place: refused, nothing written.
    homeless = HouseholdFactory(status=Status.ADMITTED, public=Public.DALO)
    with pytest.raises(ValidationError, match="relogement"):
        AgreementDocument.record_signed_batch(
            [(in_place, generated, datetime.date(2026, 9, 3)), (homeless, generated, NOW.date())],
            by=letting_officer,
            scan=scan,
        )
    # Signed before it was generated: refused.
    with pytest.raises(ValidationError, match="suivre la génération"):
        AgreementDocument.record_signed_batch(
            [(in_place, generated, datetime.date(2026, 8, 30))], by=letting_officer, scan=scan
        )
    assert not AgreementDocument.objects.exists()

    AgreementDocument.generate(rehoused, "convention", by=letting_officer)  # v1, unsigned
    with CaptureQueriesContext(connection) as queries:
        AgreementDocument.record_signed_batch(
            [
                (rehoused, generated, datetime.date(2026, 9, 3)),
                (in_place, generated, datetime.date(2026, 9, 3)),
            ],
            by=letting_officer,
            scan=scan,
        )
    assert len(queries) <= 6  # whatever the number of households
    convention = AgreementDocument.objects.get(household=rehoused, kind="convention", number=2)
    assert convention.status == DocumentStatus.SIGNED and convention.rehousing is not None
    assert AgreementDocument.objects.filter(household=in_place, status="signed").count() == 2
    assert not convention.pdf

    client.force_login(letting_officer)
    response = client.get(reverse("housing:document_download", args=[convention.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "Convention tripartite" in pdf_text(response.content)
    convention.refresh_from_db()
    assert convention.pdf  # kept: the next download reads the same file
