"""Who reads what (issue 4, points 3 and 5; docs/access.md)."""

import pytest
from django.utils import timezone

from accounts import policy
from coordination.enums import ItemKind
from households.enums import Status
from tests.factories import HouseholdFactory

from .factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def test_a_member_reads_only_syntheses_of_published_agenda_items(
    client, cellule_member, ccas_manager
):
    meeting = MeetingFactory(members=[cellule_member])
    on_agenda = HouseholdFactory(status=Status.AWAITING_LEVEL)
    not_on_agenda = HouseholdFactory(status=Status.AWAITING_LEVEL)
    on_someone_elses = HouseholdFactory(status=Status.AWAITING_LEVEL)
    AgendaItemFactory(meeting=meeting, household=on_agenda, kind=ItemKind.LEVEL)
    AgendaItemFactory(
        meeting=MeetingFactory(published=True, members=[ccas_manager]),
        household=on_someone_elses,
        kind=ItemKind.LEVEL,
    )
    client.force_login(cellule_member)
    url = f"/cellule/{meeting.pk}/pre-lecture/"

    # Before publication: no access at all.
    assert client.get(url).status_code == 403
    assert not policy.can(cellule_member, "diagnostic.view_synthesis", on_agenda)
    assert client.get(f"/cellule/{meeting.pk}/pre-lecture.pdf").status_code == 403

    meeting.agenda_published_at = timezone.now()
    meeting.save()

    page = client.get(url)
    assert page.status_code == 200
    assert on_agenda.reference in page.content.decode()
    assert policy.can(cellule_member, "diagnostic.view_synthesis", on_agenda)
    for other in (not_on_agenda, on_someone_elses):
        assert not policy.can(cellule_member, "diagnostic.view_synthesis", other)
    # Another meeting's pre-read is not theirs.
    other_meeting = on_someone_elses.agenda_items.get().meeting
    assert client.get(f"/cellule/{other_meeting.pk}/pre-lecture/").status_code == 404

    pdf = client.get(f"/cellule/{meeting.pk}/pre-lecture.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_state_reader_sees_only_approved_minutes(client, state_reader, ccas_manager):
    from django.core.files.base import ContentFile

    from coordination.models import Minutes

    approved = MeetingFactory(past=True, published=True)
    minutes = Minutes(meeting=approved, number=1, approved_by=ccas_manager)
    minutes.pdf.save("cr.pdf", ContentFile(b"%PDF-1.4 compte rendu"), save=False)
    minutes.save()
    draft = MeetingFactory(published=True)
    item = AgendaItemFactory(meeting=draft, household__status=Status.AWAITING_LEVEL)
    client.force_login(state_reader)

    landing = client.get("/cellule/")
    assert landing.status_code == 200
    html = landing.content.decode()
    assert f"/cellule/comptes-rendus/{minutes.pk}/" in html
    assert item.household.reference not in html
    assert f"/cellule/{draft.pk}/" not in html
    download = client.get(f"/cellule/comptes-rendus/{minutes.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    for url in (
        f"/cellule/{approved.pk}/",
        f"/cellule/{draft.pk}/pre-lecture/",
        f"/cellule/{draft.pk}/projet-compte-rendu.pdf",
        "/cellule/partenaires/",
    ):
        assert client.get(url).status_code == 403, url
    assert not policy.can(state_reader, "household.view", item.household)


def test_preread_page_and_pack_show_syntheses_without_special_category_detail(
    client, cellule_member, ccas_manager
):
    import io

    from pypdf import PdfReader

    from audit.models import AuditEntry
    from tests.diagnostics.factories import add_obstacle

    from .factories import DiagnosticFactory

    meeting = MeetingFactory(members=[cellule_member], published=True)
    household = HouseholdFactory(status=Status.AWAITING_ADMISSION)
    diagnostic = DiagnosticFactory(
        household=household,
        proposed_axes=["insertion.health", "budget.addiction", "housing_path.no_experience"],
    )
    add_obstacle(diagnostic, "insertion.health", "3")
    add_obstacle(diagnostic, "budget.addiction", "2")
    add_obstacle(diagnostic, "housing_path.no_experience", "1")
    AgendaItemFactory(meeting=meeting, household=household, kind=ItemKind.ADMISSION)
    client.force_login(cellule_member)

    html = client.get(f"/cellule/{meeting.pk}/pre-lecture/").content.decode()
    assert "Synthèse du diagnostic" in html and household.reference in html
    assert "Insertion sociale et professionnelle" in html and "Parcours locatif" in html
    response = client.get(f"/cellule/{meeting.pk}/pre-lecture.pdf")
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert household.reference in text and household.initials in text
    assert "Gestion budgétaire" in text and "Caen habitat · CCAS" in text
    for word in ("Santé", "santé", "addictive", "Addiction", household.display_name):
        assert word not in html and word not in text
    assert AuditEntry.objects.filter(household_id=household.pk, action="view").exists()
    assert AuditEntry.objects.filter(household_id=household.pk, action="export").exists()


def test_preread_query_count_does_not_grow_with_the_agenda(
    client, cellule_member, django_assert_max_num_queries
):
    from tests.diagnostics.factories import add_obstacle

    from .factories import DiagnosticFactory

    meeting = MeetingFactory(members=[cellule_member], published=True)

    def add_file():
        household = HouseholdFactory(status=Status.AWAITING_ADMISSION)
        add_obstacle(DiagnosticFactory(household=household), "housing_path.instability")
        AgendaItemFactory(meeting=meeting, household=household, kind=ItemKind.ADMISSION)

    add_file()
    client.force_login(cellule_member)
    url = f"/cellule/{meeting.pk}/pre-lecture/"
    client.get(url)
    with django_assert_max_num_queries(100) as one:
        client.get(url)
    for _ in range(5):
        add_file()
    # Only the audit rows (one per file read) grow with the agenda.
    with django_assert_max_num_queries(len(one.captured_queries) + 5):
        assert client.get(url).status_code == 200


def test_the_cellule_reads_the_submitted_version_not_a_newer_draft(client, cellule_member):
    from diagnostics.models import DiagnosticStatus

    from .factories import DiagnosticFactory

    meeting = MeetingFactory(members=[cellule_member], published=True)
    household = HouseholdFactory(status=Status.AWAITING_ADMISSION)
    submitted = DiagnosticFactory(household=household, number=1, dwelling_type_sought="T3")
    DiagnosticFactory(
        household=household, number=2, previous=submitted, status=DiagnosticStatus.DRAFT
    )
    AgendaItemFactory(meeting=meeting, household=household, kind=ItemKind.ADMISSION)
    client.force_login(cellule_member)
    html = client.get(f"/cellule/{meeting.pk}/pre-lecture/").content.decode()
    assert "Transmis à la cellule (version 1" in html
