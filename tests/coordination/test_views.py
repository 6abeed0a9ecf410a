"""Calendar, members, attendance, landing page, comité de suivi, partners (points 1, 6, 7)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEntry
from coordination.enums import MeetingKind
from coordination.models import (
    Adjustment,
    ComiteParticipant,
    Meeting,
    Orientation,
    PartnerContact,
    StandingMember,
)
from households.enums import Status

from .factories import AgendaItemFactory, MeetingFactory, PartnerFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=False)
def test_manager_plans_the_year_with_standing_members(client, ccas_manager, cellule_member):
    StandingMember.objects.create(user=cellule_member)
    client.force_login(ccas_manager)
    response = client.post(
        "/cellule/planifier/",
        {
            "kind": "cellule",
            "at": "14:00",
            "place": "Siège de Caen habitat",
            "date_1": "2027-01-14",
            "date_2": "2027-04-15",
            "date_3": "2027-07-08",
            "date_4": "2027-10-14",
        },
    )
    assert response.status_code == 302
    meetings = Meeting.objects.order_by("date")
    assert [timezone.localtime(m.date).strftime("%d/%m/%Y %H:%M") for m in meetings] == [
        "14/01/2027 14:00",
        "15/04/2027 14:00",
        "08/07/2027 14:00",
        "14/10/2027 14:00",
    ]
    assert all(list(m.members.all()) == [cellule_member] for m in meetings)
    assert (
        AuditEntry.objects.filter(action="create", object_type="coordination.Meeting").count() == 4
    )


@time_machine.travel(NOW, tick=False)
def test_a_past_date_is_refused_and_nothing_is_planned(client, ccas_manager):
    client.force_login(ccas_manager)
    response = client.post(
        "/cellule/planifier/",
        {"kind": "cellule", "at": "14:00", "date_1": "2027-01-14", "date_2": "2026-11-01"},
    )
    assert response.status_code == 400
    assert (
        "Le 01/11/2026 est passé : on ne planifie pas une réunion dans le passé."
        in response.content.decode()
    )
    assert 'value="2027-01-14"' in response.content.decode()  # the form keeps what was typed
    assert not Meeting.objects.exists()


def test_planning_is_for_the_manager_and_caen_habitat_letting(
    client, letting_officer, cellule_member
):
    client.force_login(cellule_member)
    assert client.get("/cellule/planifier/").status_code == 403
    client.force_login(letting_officer)  # Caen habitat convenes the cellule (§3.2.2)
    form = client.get("/cellule/planifier/").context["form"]
    assert [value for value, _ in form.fields["kind"].choices] == ["cellule"]


@time_machine.travel(NOW, tick=False)
def test_warning_when_no_cellule_within_the_next_quarter(client, ccas_manager):
    client.force_login(ccas_manager)
    warning = "aucune cellule de coordination n'est prévue dans les trois prochains mois"
    MeetingFactory(date=NOW - datetime.timedelta(days=10))
    MeetingFactory(date=NOW + datetime.timedelta(days=120))
    MeetingFactory(kind=MeetingKind.COMITE, date=NOW + datetime.timedelta(days=20))
    assert warning in client.get("/cellule/").content.decode()
    MeetingFactory(date=NOW + datetime.timedelta(days=80))
    assert warning not in client.get("/cellule/").content.decode()


def test_landing_page_query_count_does_not_grow(
    client, ccas_manager, django_assert_max_num_queries
):
    client.force_login(ccas_manager)
    MeetingFactory()
    client.get("/cellule/")
    with django_assert_max_num_queries(20) as small:
        client.get("/cellule/")
    for _ in range(8):
        meeting = MeetingFactory(published=True)
        AgendaItemFactory(meeting=meeting, household__status=Status.AWAITING_LEVEL)
    MeetingFactory(kind=MeetingKind.COMITE)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/cellule/").status_code == 200


def test_a_cellule_member_lists_only_their_meetings(client, cellule_member):
    mine = MeetingFactory(members=[cellule_member])
    other = MeetingFactory()
    client.force_login(cellule_member)
    html = client.get("/cellule/").content.decode()
    assert f"/cellule/{mine.pk}/" in html and f"/cellule/{other.pk}/" not in html
    assert client.get(f"/cellule/{other.pk}/").status_code == 404
    assert client.get(f"/cellule/{mine.pk}/").status_code == 200


def test_members_per_meeting_and_attendance(
    client, ccas_manager, cellule_member, debt_officer, state_reader
):
    meeting = MeetingFactory(past=True, members=[cellule_member])
    client.force_login(ccas_manager)
    client.post(f"/cellule/{meeting.pk}/membres/ajouter/", {"user": debt_officer.pk})
    assert set(meeting.members.all()) == {cellule_member, debt_officer}
    response = client.post(
        f"/cellule/{meeting.pk}/membres/ajouter/", {"user": state_reader.pk}, follow=True
    )
    assert "Choisissez une personne pouvant siéger en cellule." in response.content.decode()

    client.force_login(cellule_member)
    response = client.post(f"/cellule/{meeting.pk}/presences/", {"present": [cellule_member.pk]})
    assert response.status_code == 302
    assert list(meeting.attendees.all()) == [cellule_member]
    response = client.post(
        f"/cellule/{meeting.pk}/presences/", {"present": [ccas_manager.pk]}, follow=True
    )
    assert "Seuls les membres de la réunion" in response.content.decode()
    assert list(meeting.attendees.all()) == [cellule_member]
    assert client.get(f"/cellule/{meeting.pk}/presences/").status_code == 405


def test_comite_members_bilan_and_adjustments(client, ccas_manager, letting_officer):
    comite = MeetingFactory(kind=MeetingKind.COMITE)
    client.force_login(ccas_manager)
    base = f"/cellule/comite/{comite.pk}/"
    client.post(
        base + "membres/", {"name": "M. Hébert", "organisation": "ddcs", "function": "Chef de pôle"}
    )
    assert ComiteParticipant.objects.get().get_organisation_display().startswith("DDCS")

    # The bilan is no longer uploaded: the page links to the generated one (reporting).
    assert client.post(base + "bilan/", {}).status_code == 404
    page = client.get(base).content.decode()
    assert "Aucun bilan approuvé lors de ce comité." in page
    assert f"/bilans/{comite.local_date.year - 1}/?comite={comite.pk}" in page

    client.post(
        base + "ajustements/",
        {"title": "Visites à domicile bimensuelles", "owner": "CCAS", "status": "approved"},
    )
    adjustment = Adjustment.objects.get()
    client.post(base + f"ajustements/{adjustment.pk}/", {"status": "done"})
    adjustment.refresh_from_db()
    assert adjustment.status == "done"

    client.force_login(letting_officer)  # reads, does not change
    assert client.get(base).status_code == 200
    assert client.post(base + "ajustements/", {"title": "x", "owner": "y"}).status_code == 403


def test_a_refused_comite_form_keeps_what_was_typed(client, ccas_manager):
    comite = MeetingFactory(kind=MeetingKind.COMITE)
    client.force_login(ccas_manager)
    response = client.post(
        f"/cellule/comite/{comite.pk}/ajustements/",
        {"title": "Permanence commune au Chemin Vert", "owner": "", "due_on": "31/02/2027"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="Permanence commune au Chemin Vert"' in html
    assert "Rien n&#x27;a été enregistré" in html and "Ce champ est obligatoire." in html
    assert not Adjustment.objects.exists()


def test_partner_directory_and_orientation(
    client, ccas_manager, social_worker, household, letting_officer
):
    client.force_login(ccas_manager)
    response = client.post(
        "/cellule/partenaires/nouveau/",
        {"name": "SIAO du Calvados", "category": "signalement", "description": "", "address": ""},
    )
    assert response.status_code == 302
    partner = PartnerFactory(name="CAF du Calvados")
    client.post(
        f"/cellule/partenaires/{partner.pk}/",
        {"name": "Mme Leroy", "function": "Conseillère", "email": "leroy@caf.fr", "phone": ""},
    )
    assert PartnerContact.objects.get().partner == partner
    html = client.get("/cellule/partenaires/").content.decode()
    assert "Signalement de la demande" in html and "SIAO du Calvados" in html

    client.force_login(social_worker)  # référent of `household`
    url = f"/cellule/menages/{household.pk}/orienter/"
    response = client.post(
        url, {"partner": partner.pk, "on": "2999-01-01", "reason": "Ouverture de droits"}
    )
    assert response.status_code == 400
    assert "ne peut pas être dans le futur" in response.content.decode()
    response = client.post(
        url,
        {
            "partner": partner.pk,
            "on": timezone.localdate().isoformat(),
            "reason": "Ouverture de droits",
        },
    )
    assert response.status_code == 302
    orientation = Orientation.objects.get()
    assert (orientation.household, orientation.created_by) == (household, social_worker)
    client.post(
        f"/cellule/orientations/{orientation.pk}/suite/", {"outcome": "taken", "outcome_note": ""}
    )
    orientation.refresh_from_db()
    assert orientation.outcome == "taken"

    client.force_login(letting_officer)
    assert client.get(url).status_code == 403


def test_household_orientations_block_is_for_ccas_only(
    rf, social_worker, letting_officer, household
):
    from django.template.loader import render_to_string

    orientation = Orientation.objects.create(
        household=household,
        partner=PartnerFactory(name="EPSM"),
        reason="Suivi",
        created_by=social_worker,
    )
    for user, visible in ((social_worker, True), (letting_officer, False)):
        request = rf.get("/")
        request.user = user
        html = render_to_string(
            "coordination/_household_orientations.html", {"household": household}, request=request
        )
        assert (orientation.partner.name in html) is visible


def test_landing_page_counts_items_and_decisions_per_meeting(client, ccas_manager):
    from coordination.models import Decision

    meeting = MeetingFactory(published=True, past=True)
    items = [AgendaItemFactory(meeting=meeting) for _ in range(3)]
    Decision.objects.create(item=items[0], outcome="continue", recorded_by=ccas_manager)
    AgendaItemFactory(meeting=MeetingFactory(published=True, past=True))  # another meeting's
    client.force_login(ccas_manager)
    past = {m.pk: m for m in client.get("/cellule/").context["past"]}
    assert (past[meeting.pk].n_items, past[meeting.pk].n_decisions) == (3, 1)
