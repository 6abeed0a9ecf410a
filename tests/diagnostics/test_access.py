"""Who reads the confidential detail and who the synthesis (docs/access.md), with audit rows."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from audit.models import Action, AuditEntry
from coordination.models import AgendaItem, ItemKind, Meeting
from diagnostics.enums import Severity
from households.enums import Status
from households.models import Household
from tests.factories import HouseholdFactory, make_user

from .factories import DiagnosticFactory, add_obstacle, ready_to_submit

pytestmark = pytest.mark.django_db

ROLE_FIXTURES = [
    "social_worker",
    "other_social_worker",
    "ccas_manager",
    "letting_officer",
    "debt_officer",
    "tenancy_officer",
    "cellule_member",
    "state_reader",
    "admin_user",
]
DETAIL = {"social_worker": 200, "other_social_worker": 200, "ccas_manager": 200}
SYNTHESIS = {
    "social_worker": 200,
    "other_social_worker": 200,
    "ccas_manager": 200,
    "letting_officer": 200,
    "debt_officer": 200,
    "cellule_member": 200,
}


@pytest.fixture
def submitted(social_worker, cellule_member):
    household = HouseholdFactory(
        referent=social_worker, status=Status.DIAGNOSTIC, diagnostic_level=3, tenant=True
    )
    diagnostic = DiagnosticFactory(household=household, socio_observation="Note du TS")
    add_obstacle(diagnostic, "budget.addiction", Severity.HIGH)
    ready_to_submit(diagnostic)
    diagnostic.submit(by=social_worker)
    meeting = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
    meeting.members.add(cellule_member)
    AgendaItem.objects.create(meeting=meeting, kind=ItemKind.ADMISSION, household=household)
    return diagnostic


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_detail_and_synthesis_by_role(client, request, submitted, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    detail = client.get(reverse("diagnostics:detail", args=[submitted.pk]))
    assert detail.status_code == DETAIL.get(role, 403)
    views = AuditEntry.objects.filter(actor=user, action=Action.VIEW, object_id=str(submitted.pk))
    if detail.status_code == 200:
        assert "Note du TS" in detail.content.decode()
        assert views.filter(label__contains="détail").count() == 1
        assert views.get().household_id == submitted.household_id
    else:
        assert not views.exists()
    synthesis = client.get(reverse("diagnostics:synthesis", args=[submitted.pk]))
    assert synthesis.status_code == SYNTHESIS.get(role, 403)
    if synthesis.status_code == 200:
        page = synthesis.content.decode()
        assert "Gestion budgétaire" in page
        assert "Note du TS" not in page and "addictive" not in page
        assert views.filter(label__contains="synthèse").exists()
    pdf = client.get(reverse("diagnostics:synthesis_pdf", args=[submitted.pk]))
    assert pdf.status_code == SYNTHESIS.get(role, 403)


def test_cellule_member_needs_a_published_agenda(client, social_worker, cellule_member):
    household = HouseholdFactory(referent=social_worker, diagnostic_level=3, tenant=True)
    diagnostic = ready_to_submit(DiagnosticFactory(household=household))
    diagnostic.submit(by=social_worker)
    meeting = Meeting.objects.create(date=timezone.now())  # agenda not published yet
    meeting.members.add(cellule_member)
    AgendaItem.objects.create(meeting=meeting, kind=ItemKind.ADMISSION, household=household)
    client.force_login(cellule_member)
    url = reverse("diagnostics:synthesis", args=[diagnostic.pk])
    pdf_url = reverse("diagnostics:synthesis_pdf", args=[diagnostic.pk])
    assert client.get(url).status_code == 404
    assert client.get(pdf_url).status_code == 404
    # Refusals are logged (docs/access.md); what must not exist before publication is a read.
    assert not AuditEntry.objects.filter(actor=cellule_member, action=Action.VIEW).exists()
    assert AuditEntry.objects.filter(actor=cellule_member, action=Action.DENIED).count() == 2
    meeting.agenda_published_at = timezone.now()
    meeting.save()
    assert client.get(url).status_code == 200
    assert client.get(pdf_url).status_code == 200
    # A cellule member who does not sit in that meeting still reads nothing.
    outsider = make_user(Role.CELLULE_MEMBER)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(pdf_url).status_code == 404


def test_drafts_stay_inside_the_ccas(client, social_worker, letting_officer, ccas_manager):
    draft = DiagnosticFactory(household__referent=social_worker)
    url = reverse("diagnostics:synthesis", args=[draft.pk])
    client.force_login(letting_officer)
    assert client.get(url).status_code == 404
    client.force_login(ccas_manager)
    assert client.get(url).status_code == 200


def test_only_the_referent_edits(client, other_social_worker, ccas_manager, social_worker):
    draft = DiagnosticFactory(household__referent=social_worker)
    url = reverse("diagnostics:edit", args=[draft.pk])
    client.force_login(other_social_worker)
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": 1}).status_code == 404
    client.force_login(ccas_manager)
    assert client.get(url).status_code == 403
    draft.household.assign_referent(other_social_worker, by=ccas_manager)
    client.force_login(other_social_worker)
    assert client.get(url).status_code == 200


def test_worklist_constant_queries(client, social_worker, ccas_manager, count_queries):
    def make(n):
        for _ in range(n):
            HouseholdFactory(referent=social_worker, status=Status.DIAGNOSTIC, diagnostic_level=2)
            DiagnosticFactory(household__referent=social_worker)
            d = ready_to_submit(DiagnosticFactory(household__referent=social_worker))
            d.submit(by=social_worker)
            HouseholdFactory(referent=social_worker, status=Status.AWAITING_LEVEL)

    url = reverse("diagnostics:list")
    lists = ("niveau", "a-faire", "en-cours", "transmis")
    for made, user in ((5, social_worker), (10, ccas_manager)):
        client.force_login(user)
        make(1)
        small = {}
        for shown in lists:
            with count_queries() as small[shown]:
                assert client.get(url, {"liste": shown}).status_code == 200
        make(4)
        for shown in lists:
            with count_queries() as large:
                response = client.get(url, {"liste": shown})
            # (?liste=niveau shows the social worker their first list: they set no level.)
            assert len(response.context["rows"]) == made
            assert len(large.captured_queries) == len(small[shown].captured_queries)
            # Only the columns shown: no diagnostic answers, no household address
            # (docs/performance.md).
            sql = " ".join(q["sql"] for q in large.captured_queries)
            assert '"proposed_axes"' not in sql and '"households_household"."address"' not in sql
    assert "Niveau de diagnostic à fixer" not in response.content.decode()
    response = client.get(url, {"liste": "niveau"})
    assert "Niveau de diagnostic à fixer" in response.content.decode()


def test_it_admin_reads_no_diagnostic_in_the_django_admin(client, admin_user, social_worker):
    diagnostic = DiagnosticFactory(household__referent=social_worker)
    client.force_login(admin_user)
    url = f"/admin/diagnostics/diagnostic/{diagnostic.pk}/change/"
    assert client.get(url).status_code == 403
    assert client.get("/admin/diagnostics/diagnostic/").status_code == 403


def test_worklist_counts_the_current_drafts_and_transmitted_of_the_workers_households(
    client, social_worker, other_social_worker
):
    # Two drafts and one transmitted diagnostic of the worker's households; a transmitted one
    # reopened (its new draft is current, the transmitted version no longer is); another
    # worker's draft and transmitted diagnostic, not counted.
    for _ in range(2):
        DiagnosticFactory(household__referent=social_worker)
    ready_to_submit(DiagnosticFactory(household__referent=social_worker)).submit(by=social_worker)
    reopened = ready_to_submit(DiagnosticFactory(household__referent=social_worker))
    reopened.submit(by=social_worker)
    reopened.reopen(by=social_worker)
    DiagnosticFactory(household__referent=other_social_worker)
    ready_to_submit(DiagnosticFactory(household__referent=other_social_worker)).submit(
        by=other_social_worker
    )
    client.force_login(social_worker)
    url = reverse("diagnostics:list")
    drafts = client.get(url, {"liste": "en-cours"})
    assert "3 brouillons" in drafts.content.decode() and len(drafts.context["page"]) == 3
    sent = client.get(url, {"liste": "transmis"})
    assert "1 diagnostic transmis" in sent.content.decode() and len(sent.context["page"]) == 1
    # Each tab counts its list, whichever is shown.
    assert "En cours (3)" in sent.content.decode() and "Transmis (1)" in drafts.content.decode()


def test_the_manager_s_worklist_counts_every_household_s_diagnostics_but_the_archived(
    client, social_worker, other_social_worker, ccas_manager
):
    """The direction's sections are scoped by the diagnostics' own policy filter (an anti join
    on the archived households, docs/performance.md): every worker's, an archived file left
    out of the lists and of the counts."""
    for worker in (social_worker, other_social_worker):
        DiagnosticFactory(household__referent=worker)
        ready_to_submit(DiagnosticFactory(household__referent=worker)).submit(by=worker)
    archived = DiagnosticFactory(household__referent=social_worker)
    Household.objects.filter(pk=archived.household_id).update(status=Status.ARCHIVED)
    client.force_login(ccas_manager)
    url = reverse("diagnostics:list")
    drafts = client.get(url, {"liste": "en-cours"})
    assert "2 brouillons" in drafts.content.decode()
    assert archived.pk not in {d.pk for d in drafts.context["page"]}
    sent = client.get(url, {"liste": "transmis"})
    assert "2 diagnostics transmis" in sent.content.decode() and len(sent.context["page"]) == 2
