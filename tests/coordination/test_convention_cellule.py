"""The cellule as the convention sets it (issue 10, point 5; §3.2.2, §5.1): Caen habitat's
letting service convenes it as well as the CCAS manager; its agenda is published only with a
member from letting, one from contentieux and one from the CCAS; the pre-read of a finished
accompaniment shows its end bilan without health or addiction detail."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import ClosureReason, ObjectiveStatus
from accounts.enums import Role
from coordination.enums import ItemKind
from coordination.models import Meeting
from households.enums import Status
from tests.accompaniments.factories import AccompanimentFactory, ObjectiveFactory
from tests.factories import HouseholdFactory

from .factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def test_caen_habitat_letting_service_convenes_the_cellule(client, letting_officer):
    client.force_login(letting_officer)
    assert client.get(reverse("coordination:plan")).status_code == 200
    day = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    response = client.post(
        reverse("coordination:plan"),
        {"kind": "cellule", "date_1": day, "at": "10:00", "place": "Caen habitat, siège"},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.created_by == letting_officer
    assert client.get(reverse("coordination:agenda", args=[meeting.pk])).status_code == 200


@pytest.fixture
def members(ccas_manager, letting_officer, debt_officer):
    return {"ccas": ccas_manager, "letting": letting_officer, "contentieux": debt_officer}


@pytest.mark.parametrize(
    ("left_out", "named"),
    [
        ("contentieux", "un membre du service contentieux de Caen habitat"),
        ("letting", "un membre du service Location de Caen habitat"),
        ("ccas", "un membre du CCAS"),
    ],
)
def test_publishing_needs_letting_contentieux_and_ccas(members, left_out, named):
    meeting = MeetingFactory(members=[u for k, u in members.items() if k != left_out])
    AgendaItemFactory(meeting=meeting, kind=ItemKind.MANUAL, household=None, title="Calendrier")
    with pytest.raises(ValidationError) as error:
        meeting.publish_agenda(by=members["ccas"])
    assert named in error.value.messages[0]
    meeting.refresh_from_db()
    assert not meeting.is_published


def test_a_cellule_member_of_the_ccas_counts_for_the_ccas(letting_officer, debt_officer):
    from accounts.enums import OrganisationKind
    from tests.factories import OrganisationFactory, UserFactory

    ccas_member = UserFactory(
        roles=[Role.CELLULE_MEMBER], organisation=OrganisationFactory(kind=OrganisationKind.CCAS)
    )
    meeting = MeetingFactory(members=[letting_officer, debt_officer, ccas_member])
    AgendaItemFactory(meeting=meeting, kind=ItemKind.MANUAL, household=None, title="Calendrier")
    meeting.publish_agenda(by=letting_officer)
    assert meeting.is_published


def test_forged_publish_without_contentieux_is_refused_in_french(
    client, ccas_manager, letting_officer
):
    meeting = MeetingFactory(members=[ccas_manager, letting_officer])
    AgendaItemFactory(meeting=meeting, kind=ItemKind.MANUAL, household=None, title="Calendrier")
    client.force_login(ccas_manager)
    response = client.post(reverse("coordination:publish", args=[meeting.pk]), follow=True)
    assert "service contentieux" in html.unescape(response.content.decode())
    meeting.refresh_from_db()
    assert not meeting.is_published


def test_the_preread_reads_the_accompaniment_closed_last(
    client, ccas_manager, cellule_member, django_assert_num_queries
):
    """A household that finished two accompaniments: the bilan is the later one's
    (`AccompanimentQuerySet.last_closed_by_household`, one query and its prefetch)."""
    from accompaniments.models import Accompaniment

    household = HouseholdFactory(status=Status.POST_AUTONOMY)
    other = HouseholdFactory(status=Status.POST_AUTONOMY)
    for start, closed_on, on in (
        (datetime.date(2024, 1, 8), datetime.date(2024, 9, 30), household),
        (datetime.date(2025, 3, 3), datetime.date(2025, 12, 19), household),
        (datetime.date(2025, 2, 3), datetime.date(2025, 11, 28), other),
    ):
        AccompanimentFactory(
            household=on,
            status="closed",
            start=start,
            planned_end=start + datetime.timedelta(days=300),
            closed_on=closed_on,
            closure_reason=ClosureReason.AUTONOMY,
        )
    AccompanimentFactory(household=HouseholdFactory(status=Status.ACCOMPANIED))  # under way
    qs = Accompaniment.objects.prefetch_related("objectives")
    with django_assert_num_queries(2):
        latest = qs.last_closed_by_household([household.pk, other.pk])
    assert {pk: acc.closed_on for pk, acc in latest.items()} == {
        household.pk: datetime.date(2025, 12, 19),
        other.pk: datetime.date(2025, 11, 28),
    }
    meeting = MeetingFactory(members=[ccas_manager, cellule_member], published=True)
    AgendaItemFactory(meeting=meeting, kind=ItemKind.REVIEW, household=household)
    client.force_login(cellule_member)
    text = html.unescape(
        client.get(reverse("coordination:preread", args=[meeting.pk])).content.decode()
    )
    assert "Du 03/03/2025 au 19/12/2025" in text and "30/09/2024" not in text


def test_preread_of_a_finished_accompaniment_shows_its_end_bilan_without_health(
    client, ccas_manager, cellule_member
):
    household = HouseholdFactory(status=Status.POST_AUTONOMY)
    acc = AccompanimentFactory(
        household=household,
        status="closed",
        start=datetime.date(2026, 1, 5),
        planned_end=datetime.date(2026, 10, 5),
        closed_on=datetime.date(2026, 9, 30),
        closure_reason=ClosureReason.AUTONOMY,
    )
    ObjectiveFactory(
        accompaniment=acc,
        axis="budget.choices",
        status=ObjectiveStatus.REACHED,
        end_bilan="Budget tenu, loyer payé",
    )
    ObjectiveFactory(
        accompaniment=acc,
        axis="insertion.health",
        status=ObjectiveStatus.PARTLY,
        description="Suivi en addictologie",
        end_bilan="Suivi psychiatrique engagé",
    )
    meeting = MeetingFactory(members=[ccas_manager, cellule_member], published=True)
    AgendaItemFactory(meeting=meeting, kind=ItemKind.REVIEW, household=household)
    client.force_login(cellule_member)
    text = html.unescape(
        client.get(reverse("coordination:preread", args=[meeting.pk])).content.decode()
    )
    assert "Bilan de fin d'accompagnement" in text
    assert "Du 05/01/2026 au 30/09/2026" in text
    assert "objectifs atteints : 1 sur 2" in text
    assert "Gestion budgétaire — Choix budgétaires" in text and "Atteint" in text
    assert "Insertion sociale et professionnelle : Partiellement atteint" in text
    for detail in ("Santé", "psychiatrique", "addictologie", "Budget tenu"):
        assert detail not in text
