"""Issue 10, point 4: the accompaniment's closure rules (§2.2.2, §7) and one table of contact
rhythm per intensity, read by the cadence checks, the caseload, the compliance figures and the
contrat / convention PDFs alike."""

import datetime
import html

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accompaniments import cadence
from accompaniments.models import (
    AccompanimentStatus,
    ClosureReason,
    ContactKind,
    InterviewKind,
)
from accounts.enums import Role
from diagnostics.models import Intensity
from diagnostics.rhythms import RHYTHMS, rhythm_of
from households.enums import ExitReason, Status
from households.models import StatusChange
from tests.factories import HouseholdFactory, make_user

from .factories import AccompanimentFactory, ContactFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def travel(day):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12), tick=False)


def at(day):
    return datetime.datetime(day.year, day.month, day.day, 10, tzinfo=datetime.UTC)


@pytest.fixture
def acc(social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    return AccompanimentFactory(
        household=household, start=D(2027, 1, 4), planned_end=D(2027, 10, 4)
    )


def end_interview(acc, social_worker, tenancy_officer=None):
    return acc.interviews.create(
        kind=InterviewKind.END,
        held_on=D(2027, 2, 1),
        social_worker=social_worker,
        tenancy_officer=tenancy_officer or make_user(Role.TENANCY_OFFICER),
        difficulties="Retards de loyer",
        changes="Budget tenu",
        outcome="Objectifs atteints",
    )


def nothing_written(acc):
    acc.refresh_from_db()
    acc.household.refresh_from_db()
    return (
        acc.status == AccompanimentStatus.ACTIVE
        and acc.household.status == Status.ACCOMPANIED
        and not StatusChange.objects.filter(household=acc.household).exists()
    )


# --- closure before three months ---------------------------------------------------------------
@pytest.mark.parametrize("reason", [ClosureReason.AUTONOMY, ClosureReason.REHOUSING])
def test_closure_for_autonomy_before_three_months_is_refused(acc, social_worker, reason):
    end_interview(acc, social_worker)
    with travel(D(2027, 3, 20)), pytest.raises(ValidationError) as error:
        acc.close(reason=reason, on=D(2027, 1, 21), by=social_worker, note="", bilans={})
    assert "au moins 3 mois (jusqu'au 04/04/2027)" in error.value.message_dict["reason"][0]
    assert nothing_written(acc)


@pytest.mark.parametrize(
    ("reason", "exit_reason"),
    [
        (ClosureReason.DEPARTURE, ExitReason.DEPARTURE),
        (ClosureReason.ADHESION_BREAK, ExitReason.ADHESION_LOSS),
    ],
)
def test_departure_and_loss_of_adhesion_may_end_it_early(acc, social_worker, reason, exit_reason):
    with travel(D(2027, 2, 1)):
        acc.close(reason=reason, on=D(2027, 1, 21), by=social_worker, note="", bilans={})
    acc.household.refresh_from_db()
    assert (acc.household.status, acc.household.exit_reason) == (Status.EXITED, exit_reason)
    # Loss of adhesion has its own exit reason, not « Refus du ménage ».
    assert acc.household.get_exit_reason_display() != "Refus du ménage"


def test_other_reason_needs_it_written(acc, social_worker):
    with travel(D(2027, 2, 1)):
        with pytest.raises(ValidationError) as error:
            acc.close(
                reason=ClosureReason.OTHER, on=D(2027, 1, 21), by=social_worker, note="", bilans={}
            )
        assert error.value.message_dict["reason_detail"] == [
            "Écrivez le motif de cette fin d'accompagnement."
        ]
        assert nothing_written(acc)
        acc.close(
            reason=ClosureReason.OTHER,
            on=D(2027, 1, 21),
            by=social_worker,
            note="",
            bilans={},
            reason_detail="Hospitalisation longue du ménage, relais par l'hôpital",
        )
    acc.refresh_from_db()
    assert acc.closure_reason_detail.startswith("Hospitalisation")


def test_closure_dated_before_the_start_is_refused(acc, social_worker):
    with travel(D(2027, 5, 1)), pytest.raises(ValidationError) as error:
        acc.close(
            reason=ClosureReason.DEPARTURE, on=D(2026, 12, 1), by=social_worker, note="", bilans={}
        )
    assert error.value.message_dict["closed_on"] == [
        "La date de fin ne peut pas précéder le début."
    ]
    assert nothing_written(acc)


# --- autonomy and rehousing follow the end interview ---------------------------------------------
@pytest.mark.parametrize("reason", [ClosureReason.AUTONOMY, ClosureReason.REHOUSING])
def test_autonomy_or_rehousing_needs_the_end_interview(acc, social_worker, reason):
    acc.interviews.create(
        kind=InterviewKind.DURING,
        held_on=D(2027, 2, 1),
        social_worker=social_worker,
        tenancy_officer=make_user(Role.TENANCY_OFFICER),
        difficulties="…",
        changes="…",
        outcome="…",
    )
    with travel(D(2027, 6, 1)):
        with pytest.raises(ValidationError) as error:
            acc.close(reason=reason, on=D(2027, 5, 20), by=social_worker, note="", bilans={})
        assert "entretien de fin" in error.value.message_dict["reason"][0]
        assert nothing_written(acc)
        end_interview(acc, social_worker)
        acc.close(reason=reason, on=D(2027, 5, 20), by=social_worker, note="", bilans={})
    acc.household.refresh_from_db()
    assert acc.household.status == Status.POST_AUTONOMY


def test_refused_closure_form_keeps_the_input_and_names_the_rule(client, acc, social_worker):
    with travel(D(2027, 2, 1)):
        client.force_login(social_worker)
        response = client.post(
            reverse("accompaniments:close", args=[acc.pk]),
            {"reason": ClosureReason.AUTONOMY, "closed_on": "2027-01-25", "note": "Bilan écrit"},
        )
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "au moins 3 mois" in text
    assert "Bilan écrit" in text
    assert nothing_written(acc)


# --- the tenancy officer who co-led the interview opens it -----------------------------------------
def test_the_tenancy_officer_who_co_led_the_interview_opens_it(client, acc, social_worker):
    co_lead = make_user(Role.TENANCY_OFFICER)
    other = make_user(Role.TENANCY_OFFICER)
    interview = end_interview(acc, social_worker, co_lead)
    detail = reverse("accompaniments:interview_detail", args=[acc.pk, interview.pk])
    pdf = reverse("accompaniments:interview_pdf", args=[acc.pk, interview.pk])
    client.force_login(co_lead)
    response = client.get(detail)
    assert response.status_code == 200
    assert "Budget tenu" in response.content.decode()
    back = f'href="{reverse("accompaniments:detail", args=[acc.pk])}"'
    assert back not in response.content.decode()  # a page it may not open: no link
    assert client.get(pdf).status_code == 200
    assert client.get(reverse("accompaniments:detail", args=[acc.pk])).status_code == 403
    client.force_login(other)
    assert client.get(detail).status_code == 404
    assert client.get(pdf).status_code == 404


# --- one rhythm table per intensity ----------------------------------------------------------
def test_one_table_renforcee_is_tighter_than_the_convention_minimum():
    assert rhythm_of(Intensity.MEDIUM) == rhythm_of(Intensity.LIGHT)
    strong = RHYTHMS[Intensity.STRONG]
    assert (strong.visit_step(D(2027, 1, 1)), strong.call_step(D(2027, 1, 1))) == (
        D(2027, 1, 16),
        D(2027, 1, 8),
    )
    assert strong.visits_text == "une visite à domicile tous les 15 jours"
    assert strong.calls_text == "un contact téléphonique chaque semaine"


def test_a_renforcee_household_is_overdue_after_16_days_without_a_visit():
    strong = AccompanimentFactory(
        start=D(2027, 1, 4), planned_end=D(2027, 7, 4), intensity=Intensity.STRONG
    )
    medium = AccompanimentFactory(
        start=D(2027, 1, 4), planned_end=D(2027, 7, 4), intensity=Intensity.MEDIUM
    )
    for acc in (strong, medium):
        ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(D(2027, 2, 1)))
        ContactFactory(accompaniment=acc, kind=ContactKind.PHONE_CALL, at=at(D(2027, 2, 16)))
    with travel(D(2027, 2, 16)):  # 15 days: due today
        assert strong.cadence().visit_due == D(2027, 2, 16)
        assert not strong.cadence().visit_overdue
    with travel(D(2027, 2, 17)):  # 16 days without a visit
        assert strong.cadence().visit_overdue
        assert strong.cadence().urgency == cadence.OVERDUE
        assert not medium.cadence().visit_overdue
        assert medium.cadence().urgency == cadence.UP_TO_DATE
    with travel(D(2027, 2, 24)):  # a week after the last call
        assert strong.cadence().call_due == D(2027, 2, 23)
        assert strong.cadence().call_overdue and not medium.cadence().call_overdue


def test_caseload_orders_by_each_intensity_s_rhythm(client, social_worker):
    strong = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED),
        start=D(2027, 1, 4),
        planned_end=D(2027, 7, 4),
        intensity=Intensity.STRONG,
    )
    medium = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED),
        start=D(2027, 1, 4),
        planned_end=D(2027, 7, 4),
        intensity=Intensity.MEDIUM,
    )
    for acc in (strong, medium):
        ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(D(2027, 2, 1)))
        ContactFactory(accompaniment=acc, kind=ContactKind.PHONE_CALL, at=at(D(2027, 2, 16)))
    with travel(D(2027, 2, 18)):
        client.force_login(social_worker)
        response = client.get(reverse("accompaniments:caseload"))
    assert response.context["counts"]["overdue"] == 1


def test_compliance_of_a_renforcee_counts_fortnights_for_visits():
    acc = AccompanimentFactory(
        start=D(2027, 1, 1), planned_end=D(2027, 7, 1), intensity=Intensity.STRONG
    )
    # One visit a month: half the fortnights; calls every fortnight: half the weeks.
    for day in (D(2027, 1, 5), D(2027, 2, 5)):
        ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(day))
    with travel(D(2027, 2, 26)):
        result = acc.compliance()
    # fortnights 1–15/1 ✓, 16–30/1 ✗, 31/1–14/2 ✓, 15/2–1/3 running, empty: 2 of 3
    assert result.visit_share == pytest.approx(2 / 3)
    assert result.rhythm.visit_periods_label == "quinzaines"
    assert result.rhythm.call_periods_label == "semaines"
