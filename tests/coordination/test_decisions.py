"""Decisions per agenda item move the household (issue 4, point 4)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coordination.actions import do_record_decision, eviction_share
from coordination.enums import ItemKind, Outcome
from coordination.forms import DecisionForm
from coordination.models import Decision
from households.enums import Public, Status
from households.models import StatusChange
from tests.factories import HouseholdFactory

from .factories import AccompanimentFactory, AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(ccas_manager, cellule_member):
    return MeetingFactory(members=[ccas_manager, cellule_member], published=True, past=True)


def item_for(meeting, kind, **household):
    return AgendaItemFactory(meeting=meeting, kind=kind, household=HouseholdFactory(**household))


# --- level ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "household, expected",
    [
        ({"public": Public.AHI_STRUCTURE}, 1),
        ({"public": Public.ALT, "has_codesi_social_report": True}, 1),
        ({"public": Public.DALO, "has_codesi_social_report": True}, 2),
        ({"public": Public.THIRD_PARTY}, 3),
    ],
)
def test_level_rule_is_preselected(meeting, household, expected):
    item = item_for(meeting, ItemKind.LEVEL, status=Status.AWAITING_LEVEL, **household)
    form = DecisionForm(item=item)
    assert form.fields["level"].initial == expected
    assert "§2.1.1" in form.fields["level"].help_text


def test_level_decision_sets_level_and_moves_household(meeting, cellule_member):
    item = item_for(
        meeting, ItemKind.LEVEL, status=Status.AWAITING_LEVEL, public=Public.AHI_STRUCTURE
    )

    decision = do_record_decision(item, by=cellule_member, outcome=Outcome.LEVEL, level=1)

    household = item.household
    household.refresh_from_db()
    assert household.diagnostic_level == 1
    assert household.status == Status.DIAGNOSTIC
    change = StatusChange.objects.get(household=household)
    assert change.decision == f"Cellule du {timezone.localtime(meeting.date):%d/%m/%Y}"
    assert change.by == cellule_member
    assert decision.recorded_by == cellule_member
    assert decision.suggested_level == 1


def test_another_level_needs_a_reason(meeting, cellule_member):
    item = item_for(
        meeting, ItemKind.LEVEL, status=Status.AWAITING_LEVEL, public=Public.AHI_STRUCTURE
    )

    with pytest.raises(ValidationError) as exc:
        do_record_decision(item, by=cellule_member, outcome=Outcome.LEVEL, level=3)
    assert "niveau suggéré" in str(exc.value)
    item.household.refresh_from_db()
    assert item.household.status == Status.AWAITING_LEVEL
    assert not Decision.objects.exists()

    do_record_decision(
        item, by=cellule_member, outcome=Outcome.LEVEL, level=3, reason="Structure sans suivi"
    )
    item.household.refresh_from_db()
    assert item.household.diagnostic_level == 3


# --- admission and the 50 % cap --------------------------------------------------------------
def accompanied(public, n=1):
    for _ in range(n):
        AccompanimentFactory(household__public=public)


def test_share_counts_active_accompaniments_and_admitted_households():
    accompanied(Public.EVICTION_THREAT, 2)
    accompanied(Public.DALO, 1)
    AccompanimentFactory(household__public=Public.EVICTION_THREAT, status="closed")
    HouseholdFactory(public=Public.EVICTION_THREAT, status=Status.ADMITTED)
    HouseholdFactory(public=Public.EVICTION_THREAT, status=Status.AWAITING_ADMISSION)
    share = eviction_share()
    assert (share.eviction, share.total) == (3, 4)
    assert share.percent == 75


def test_admission_at_the_cap_is_accepted(meeting, cellule_member):
    accompanied(Public.EVICTION_THREAT, 1)
    accompanied(Public.DALO, 2)  # 1 of 3; admitting one more eviction → 2 of 4 = 50 %
    item = item_for(
        meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION, public=Public.EVICTION_THREAT
    )

    decision = do_record_decision(item, by=cellule_member, outcome=Outcome.ADMITTED)

    item.household.refresh_from_db()
    assert item.household.status == Status.ADMITTED
    assert float(decision.eviction_share) == pytest.approx(33.3)


def test_admission_above_the_cap_is_refused_then_overridden_by_a_manager(
    meeting, cellule_member, ccas_manager
):
    accompanied(Public.EVICTION_THREAT, 2)
    accompanied(Public.DALO, 2)  # 2 of 4; one more eviction → 3 of 5 = 60 %
    item = item_for(
        meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION, public=Public.EVICTION_THREAT
    )

    with pytest.raises(ValidationError) as exc:
        do_record_decision(item, by=cellule_member, outcome=Outcome.ADMITTED)
    assert "60,0 %" in str(exc.value) and "plafond de 50 %" in str(exc.value)

    with pytest.raises(ValidationError) as exc:  # only a CCAS manager may override
        do_record_decision(
            item, by=cellule_member, outcome=Outcome.ADMITTED, cap_override_reason="Urgence"
        )
    assert "Seul un responsable du CCAS" in str(exc.value)

    with pytest.raises(ValidationError):  # a manager must still write the reason
        do_record_decision(item, by=ccas_manager, outcome=Outcome.ADMITTED)
    item.household.refresh_from_db()
    assert item.household.status == Status.AWAITING_ADMISSION

    decision = do_record_decision(
        item,
        by=ccas_manager,
        outcome=Outcome.ADMITTED,
        cap_override_reason="Expulsion imminente, relogement accordé",
    )
    assert decision.cap_override_reason == "Expulsion imminente, relogement accordé"
    item.household.refresh_from_db()
    assert item.household.status == Status.ADMITTED


def test_a_household_not_under_eviction_threat_is_never_capped(meeting, cellule_member):
    accompanied(Public.EVICTION_THREAT, 3)
    item = item_for(
        meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION, public=Public.DALO
    )
    do_record_decision(item, by=cellule_member, outcome=Outcome.ADMITTED)
    item.household.refresh_from_db()
    assert item.household.status == Status.ADMITTED


def test_admission_marks_the_diagnostic_reviewed(meeting, cellule_member):
    from diagnostics.models import DiagnosticStatus

    from .factories import DiagnosticFactory

    item = item_for(meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION)
    diagnostic = DiagnosticFactory(household=item.household)
    do_record_decision(item, by=cellule_member, outcome=Outcome.ADMITTED)
    diagnostic.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.REVIEWED
    assert diagnostic.reviewed_by == cellule_member


def test_not_admitted_and_deferred_need_a_reason(meeting, cellule_member):
    refused = item_for(meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION)
    deferred = item_for(meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION)
    for item, outcome in ((refused, Outcome.NOT_ADMITTED), (deferred, Outcome.DEFERRED)):
        with pytest.raises(ValidationError, match="motif"):
            do_record_decision(item, by=cellule_member, outcome=outcome)
        do_record_decision(item, by=cellule_member, outcome=outcome, reason="Projet à préciser")
    refused.household.refresh_from_db()
    deferred.household.refresh_from_db()
    assert refused.household.status == Status.NOT_ADMITTED
    assert deferred.household.status == Status.AWAITING_ADMISSION


# --- review -----------------------------------------------------------------------------------
def test_review_close_leaves_the_closing_bilan_to_the_referent(meeting, cellule_member):
    accompaniment = AccompanimentFactory()
    item = AgendaItemFactory(
        meeting=meeting, kind=ItemKind.REVIEW, household=accompaniment.household
    )
    decision = do_record_decision(
        item, by=cellule_member, outcome=Outcome.CLOSE, reason="Objectifs atteints"
    )
    accompaniment.refresh_from_db()
    assert accompaniment.status == "active"  # closed by the référent, with the end bilan
    assert decision.summary.startswith("Fin de l'accompagnement")


def test_review_extend_needs_a_later_end_and_a_reason(meeting, cellule_member):
    accompaniment = AccompanimentFactory()
    item = AgendaItemFactory(
        meeting=meeting, kind=ItemKind.REVIEW, household=accompaniment.household
    )
    with pytest.raises(ValidationError, match="nouvelle date de fin"):
        do_record_decision(
            item, by=cellule_member, outcome=Outcome.EXTEND, reason="Relogement tardif"
        )
    until = accompaniment.planned_end + datetime.timedelta(days=60)
    decision = do_record_decision(
        item,
        by=cellule_member,
        outcome=Outcome.EXTEND,
        reason="Relogement tardif",
        extend_until=until,
    )
    accompaniment.refresh_from_db()
    assert accompaniment.planned_end == until
    extension = accompaniment.extensions.get()
    assert extension.status == "approved"
    assert extension.cellule_decision == meeting.decision_label
    assert decision.summary.startswith("Prolongation de l'accompagnement jusqu'au")


def test_review_back_to_the_cellule_and_continue(meeting, cellule_member):
    back = AccompanimentFactory()
    kept = AccompanimentFactory()
    item = AgendaItemFactory(meeting=meeting, kind=ItemKind.REVIEW, household=back.household)
    do_record_decision(
        item, by=cellule_member, outcome=Outcome.BACK_TO_CELLULE, reason="Adhésion rompue"
    )
    item = AgendaItemFactory(meeting=meeting, kind=ItemKind.REVIEW, household=kept.household)
    do_record_decision(item, by=cellule_member, outcome=Outcome.CONTINUE)
    back.household.refresh_from_db()
    kept.household.refresh_from_db()
    assert back.household.status == Status.AWAITING_ADMISSION
    assert kept.household.status == Status.ACCOMPANIED


# --- refusals -----------------------------------------------------------------------------------
def test_a_second_decision_on_the_same_item_is_refused(meeting, cellule_member):
    item = item_for(meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION)
    do_record_decision(item, by=cellule_member, outcome=Outcome.DEFERRED, reason="Compléments")
    with pytest.raises(ValidationError, match="déjà enregistrée"):
        do_record_decision(item, by=cellule_member, outcome=Outcome.DEFERRED, reason="Encore")
    assert Decision.objects.count() == 1


def test_no_decision_before_publication_or_after_approval(cellule_member):
    meeting = MeetingFactory(members=[cellule_member])
    item = item_for(meeting, ItemKind.LEVEL, status=Status.AWAITING_LEVEL)
    with pytest.raises(ValidationError, match="pas encore publié"):
        do_record_decision(item, by=cellule_member, outcome=Outcome.LEVEL, level=3)
    meeting.agenda_published_at = meeting.minutes_approved_at = timezone.now()
    meeting.save()
    with pytest.raises(ValidationError, match="compte rendu de cette réunion est approuvé"):
        do_record_decision(item, by=cellule_member, outcome=Outcome.LEVEL, level=3)


def test_no_decision_before_the_cellule_sits(client, cellule_member):
    """Decisions are recorded during the meeting: not after publication days before it."""
    import time_machine

    meeting = MeetingFactory(
        members=[cellule_member], published=True, date=timezone.now() + datetime.timedelta(days=3)
    )
    item = item_for(meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION)
    with pytest.raises(ValidationError, match="pas encore réunie"):
        do_record_decision(item, by=cellule_member, outcome=Outcome.DEFERRED, reason="Attente")
    client.force_login(cellule_member)
    url = f"/cellule/{meeting.pk}/points/{item.pk}/decision/"
    response = client.post(url, {"outcome": "deferred", "reason": "Attente"}, follow=True)
    html = response.content.decode()
    assert "La cellule ne s&#x27;est pas encore réunie" in html and url not in html
    item.household.refresh_from_db()
    assert item.household.status == Status.AWAITING_ADMISSION
    assert not Decision.objects.exists()

    with time_machine.travel(meeting.date):  # the day of the meeting
        do_record_decision(item, by=cellule_member, outcome=Outcome.DEFERRED, reason="Attente")
    assert Decision.objects.count() == 1


def test_health_words_are_refused_in_a_reason(meeting, cellule_member):
    item = item_for(meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION)
    with pytest.raises(ValidationError, match="« psychiatrique » \\(santé\\)"):
        do_record_decision(
            item,
            by=cellule_member,
            outcome=Outcome.DEFERRED,
            reason="Attendre la fin du suivi psychiatrique",
        )


def test_view_refuses_an_item_of_another_meeting(client, meeting, cellule_member):
    other_item = item_for(
        MeetingFactory(published=True), ItemKind.LEVEL, status=Status.AWAITING_LEVEL
    )
    client.force_login(cellule_member)
    response = client.post(
        f"/cellule/{meeting.pk}/points/{other_item.pk}/decision/",
        {"outcome": "level", "level": 3},
        follow=True,
    )
    assert (
        "Ce point n&#x27;est pas à l&#x27;ordre du jour de cette réunion."
        in response.content.decode()
    )
    assert not Decision.objects.exists()


def test_view_records_a_decision_and_shows_errors_in_french(client, meeting, cellule_member):
    item = item_for(
        meeting, ItemKind.LEVEL, status=Status.AWAITING_LEVEL, public=Public.AHI_STRUCTURE
    )
    client.force_login(cellule_member)
    url = f"/cellule/{meeting.pk}/points/{item.pk}/decision/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["level"].value() == 1

    response = client.post(url, {"outcome": "level", "level": "2", "reason": ""})
    assert response.status_code == 400
    assert "diffère du niveau suggéré" in response.content.decode()
    assert not Decision.objects.exists()

    response = client.post(
        url, {"outcome": "level", "level": "2", "reason": "Rapport CODESI à jour"}
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.level, decision.recorded_by) == (2, cellule_member)

    response = client.post(url, {"outcome": "level", "level": "2", "reason": "encore"}, follow=True)
    assert "Une décision est déjà enregistrée pour ce point." in response.content.decode()
    assert Decision.objects.count() == 1


def test_view_get_is_refused_to_social_workers_and_non_members(client, meeting, social_worker):
    from tests.factories import make_user

    item = item_for(meeting, ItemKind.LEVEL, status=Status.AWAITING_LEVEL)
    url = f"/cellule/{meeting.pk}/points/{item.pk}/decision/"
    client.force_login(social_worker)
    assert client.get(url).status_code == 403
    client.force_login(make_user("cellule_member", email="autre-membre@test.caen.fr"))
    assert client.get(url).status_code == 404


def test_view_shows_the_current_ratio_and_refuses_an_override_without_a_reason(
    client, meeting, cellule_member, ccas_manager
):
    accompanied(Public.EVICTION_THREAT, 2)
    accompanied(Public.DALO, 2)  # 2 of 4 now; one more eviction → 3 of 5 = 60 %
    item = item_for(
        meeting, ItemKind.ADMISSION, status=Status.AWAITING_ADMISSION, public=Public.EVICTION_THREAT
    )
    url = f"/cellule/{meeting.pk}/points/{item.pk}/decision/"
    client.force_login(ccas_manager)

    page = client.get(url).content.decode()
    assert "Part actuelle des accompagnements de ménages menacés d" in page
    assert "50,0 %" in page and "(2 sur 4)" in page

    response = client.post(url, {"outcome": "admitted", "reason": "Dossier complet"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Admission refusée" in html and "60,0 %" in html and "plafond de 50 %" in html
    assert "Dossier complet" in html  # the form keeps what was typed
    assert not Decision.objects.exists()

    client.force_login(cellule_member)  # a member may not override, even with a reason
    response = client.post(
        url, {"outcome": "admitted", "cap_override_reason": "Expulsion fixée au 15"}
    )
    assert response.status_code == 400
    assert "Seul un responsable du CCAS" in response.content.decode()
    assert not Decision.objects.exists()

    client.force_login(ccas_manager)
    response = client.post(
        url, {"outcome": "admitted", "cap_override_reason": "Expulsion fixée au 15"}
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.recorded_by, decision.cap_override_reason) == (
        ccas_manager,
        "Expulsion fixée au 15",
    )
    item.household.refresh_from_db()
    assert item.household.status == Status.ADMITTED


def test_an_item_decided_elsewhere_is_refused(meeting, cellule_member):
    item = item_for(meeting, ItemKind.LEVEL, status=Status.AWAITING_LEVEL)
    # The level was set by another route meanwhile: the household moved on.
    item.household.move_to(Status.DIAGNOSTIC, by=cellule_member, reason="Niveau fixé en urgence")
    with pytest.raises(ValidationError, match="déjà été tranchée par ailleurs"):
        do_record_decision(item, by=cellule_member, outcome=Outcome.LEVEL, level=3)
    assert not Decision.objects.exists()
