"""Status-change and référent-assignment forms of the household file."""

import pytest
from django.urls import reverse

from accounts.enums import Role
from audit.models import Action, AuditEntry
from households.enums import ExitReason, Owner, Status
from households.models import Household, ReferentAssignment, StatusChange
from tests.factories import HouseholdFactory, make_user

pytestmark = pytest.mark.django_db


def status_url(household):
    return reverse("households:change_status", args=[household.pk])


def referent_url(household):
    return reverse("households:assign_referent", args=[household.pk])


def referent_data(**fields):
    """The référent form's fields carry its prefix (the status form beside it has a reason too)."""
    return {f"referent-{name}": value for name, value in fields.items()}


def test_referent_moves_own_household_with_a_reason(client, social_worker, household):
    client.force_login(social_worker)
    response = client.post(
        status_url(household),
        {
            "current_status": Status.PRESELECTED,
            "to_status": Status.EXITED,
            "exit_reason": ExitReason.NO_CONTACT,
            "reason": "Injoignable depuis trois mois",
            "decision": "",
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == Status.EXITED
    change = StatusChange.objects.get(household=household)
    assert (change.by, change.reason) == (social_worker, "Injoignable depuis trois mois")
    entry = AuditEntry.objects.get(action=Action.UPDATE, household_id=household.pk)
    assert "Injoignable" not in entry.label  # the reason is free text: not in the log
    assert "Présélectionné" in entry.label


def test_letting_officer_moves_a_household_in_preselection(client, letting_officer, household):
    client.force_login(letting_officer)
    response = client.post(
        status_url(household),
        {
            "current_status": Status.PRESELECTED,
            "to_status": Status.EXITED,
            "exit_reason": ExitReason.NOT_ELIGIBLE,
            "reason": "Ne relève pas du dispositif",
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == Status.EXITED
    assert StatusChange.objects.get(household=household).by == letting_officer


def test_letting_officer_may_not_move_an_accompanied_household(client, letting_officer):
    """docs/access.md: the letting officer writes the status at preselection only."""
    household = HouseholdFactory(accompanied=True)
    client.force_login(letting_officer)
    page = client.get(household.get_absolute_url()).content.decode()
    assert status_url(household) not in page
    assert "Changer le statut" not in page
    response = client.post(
        status_url(household),
        {
            "current_status": Status.ACCOMPANIED,
            "to_status": Status.EXITED,
            "exit_reason": ExitReason.DEPARTURE,
            "reason": "Départ",
        },
    )
    assert response.status_code == 403
    household.refresh_from_db()
    assert household.status == Status.ACCOMPANIED
    assert not StatusChange.objects.filter(household=household).exists()
    assert not AuditEntry.objects.filter(action=Action.UPDATE, household_id=household.pk).exists()


def test_transition_not_allowed_is_refused_in_french(client, ccas_manager, household):
    client.force_login(ccas_manager)
    response = client.post(
        status_url(household),
        {"current_status": Status.PRESELECTED, "to_status": Status.ACCOMPANIED, "reason": "x"},
    )
    assert response.status_code == 400
    assert (
        "Ce passage n&#x27;est pas possible depuis le statut actuel." in response.content.decode()
    )
    household.refresh_from_db()
    assert household.status == Status.PRESELECTED
    assert not StatusChange.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.UPDATE).exists()


def test_reason_is_required_and_kept(client, ccas_manager, household):
    client.force_login(ccas_manager)
    response = client.post(
        status_url(household),
        {
            "current_status": Status.PRESELECTED,
            "to_status": Status.AWAITING_LEVEL,
            "reason": "",
            "decision": "Cellule du 12/03",
        },
    )
    html = response.content.decode()
    assert "Indiquez le motif du changement." in html
    assert 'value="Cellule du 12/03"' in html
    assert not StatusChange.objects.exists()


def test_exit_needs_its_reason(client, ccas_manager, household):
    client.force_login(ccas_manager)
    data = {"current_status": Status.PRESELECTED, "to_status": Status.EXITED, "reason": "Parti"}
    response = client.post(status_url(household), data)
    assert "Indiquez le motif de sortie du dispositif." in response.content.decode()
    client.post(status_url(household), {**data, "exit_reason": ExitReason.DEPARTURE})
    household.refresh_from_db()
    assert (household.status, household.exit_reason) == (Status.EXITED, ExitReason.DEPARTURE)


def test_status_changed_meanwhile_is_a_conflict(client, ccas_manager, household):
    household.move_to(Status.AWAITING_LEVEL, by=ccas_manager, owner=Owner.AGENDA)
    client.force_login(ccas_manager)
    response = client.post(
        status_url(household),
        {
            "current_status": Status.PRESELECTED,
            "to_status": Status.EXITED,
            "reason": "x",
            "exit_reason": ExitReason.REFUSAL,
        },
    )
    assert "modifié par quelqu&#x27;un d&#x27;autre" in response.content.decode()
    household.refresh_from_db()
    assert household.status == Status.AWAITING_LEVEL


def test_status_change_is_post_only(client, ccas_manager, household):
    client.force_login(ccas_manager)
    assert client.get(status_url(household)).status_code == 405


def test_who_may_change_status(client, household, other_social_worker):
    data = {"current_status": Status.PRESELECTED, "to_status": Status.AWAITING_LEVEL, "reason": "x"}
    client.force_login(other_social_worker)  # not the référent
    assert client.post(status_url(household), data).status_code == 403
    for role in (Role.DEBT_OFFICER, Role.TENANCY_OFFICER, Role.STATE_READER):
        client.force_login(make_user(role))
        assert client.post(status_url(household), data).status_code == 403
    client.force_login(make_user(Role.LETTING_OFFICER))
    assert client.post(reverse("households:change_status", args=[424242]), data).status_code == 404
    assert Household.objects.get().status == Status.PRESELECTED


def test_manager_assigns_a_referent_with_history(
    client, ccas_manager, household, other_social_worker, social_worker
):
    client.force_login(ccas_manager)
    response = client.post(
        referent_url(household),
        referent_data(referent=other_social_worker.pk, substitute=social_worker.pk, reason="Congé"),
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.referent, household.substitute) == (other_social_worker, social_worker)
    assignment = ReferentAssignment.objects.get(household=household)
    assert (assignment.by, assignment.reason) == (ccas_manager, "Congé")
    assert AuditEntry.objects.filter(action=Action.UPDATE, household_id=household.pk).exists()
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "Historique des affectations" in html and "Congé" in html


def test_referent_must_be_a_social_worker(client, ccas_manager, household, letting_officer):
    client.force_login(ccas_manager)
    response = client.post(referent_url(household), referent_data(referent=letting_officer.pk))
    assert "Choisissez un travailleur social du CCAS." in response.content.decode()
    response = client.post(referent_url(household), referent_data(referent=""))
    assert "Choisissez le référent." in response.content.decode()
    assert not ReferentAssignment.objects.exists()


def test_substitute_differs_from_referent(client, ccas_manager, household, social_worker):
    client.force_login(ccas_manager)
    response = client.post(
        referent_url(household),
        referent_data(referent=social_worker.pk, substitute=social_worker.pk, reason="Congé"),
    )
    html = response.content.decode()
    assert "Le suppléant doit être une autre personne" in html
    assert 'value="Congé"' in html  # what was typed stays
    assert not ReferentAssignment.objects.exists()


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.LETTING_OFFICER, Role.DEBT_OFFICER])
def test_only_the_manager_assigns_referents(client, household, other_social_worker, role):
    client.force_login(make_user(role))
    response = client.post(referent_url(household), referent_data(referent=other_social_worker.pk))
    assert response.status_code == 403
    assert not ReferentAssignment.objects.exists()


def test_referent_assignment_is_post_only(client, ccas_manager, household):
    client.force_login(ccas_manager)
    assert client.get(referent_url(household)).status_code == 405


def test_admission_is_not_offered_outside_the_cellule(client, social_worker, ccas_manager):
    """The 50 % cap of eviction-threat accompaniments is checked by the cellule's admission
    decision: the generic status form must not admit a household past it (issue 4, point 4)."""
    from coordination.actions import eviction_share
    from households.enums import Public
    from tests.coordination.factories import AccompanimentFactory

    for _ in range(2):
        AccompanimentFactory(household__public=Public.EVICTION_THREAT)
    AccompanimentFactory(household__public=Public.DALO)
    household = HouseholdFactory(
        status=Status.AWAITING_ADMISSION, public=Public.EVICTION_THREAT, referent=social_worker
    )
    assert eviction_share().would_exceed(household)
    for user in (social_worker, ccas_manager):
        client.force_login(user)
        form = client.get(household.tab_url("situation")).context["status_form"]
        assert Status.ADMITTED not in {value for value, _ in form.fields["to_status"].choices}
        response = client.post(
            status_url(household),
            {
                "current_status": Status.AWAITING_ADMISSION,
                "to_status": Status.ADMITTED,
                "reason": "Admis",
                "decision": "Cellule du 12/03/2026",
            },
        )
        assert response.status_code == 400
        assert "Ce passage n&#x27;est pas possible depuis le statut actuel." in (
            response.content.decode()
        )
        household.refresh_from_db()
        assert household.status == Status.AWAITING_ADMISSION


def test_referent_form_reads_the_social_workers_once_for_both_lists(social_worker, household):
    """The référent and the substitute lists offer the same workers, read in one query; a choice
    is still checked against the workers (a non-worker is refused)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from households.forms import ReferentForm

    other = make_user(Role.SOCIAL_WORKER, email="autre.ts@ccas.caen.fr")
    with CaptureQueriesContext(connection) as ctx:
        form = ReferentForm(household=household)
        html = str(form["referent"]) + str(form["substitute"])
    assert len(ctx.captured_queries) == 1
    for worker in (social_worker, other):
        assert html.count(f'value="{worker.pk}"') == 2
    # Shown unbound (the household file), it builds no queryset of workers: nothing validates.
    assert all(form.fields[name].queryset.query.is_empty() for name in ("referent", "substitute"))
    manager = make_user(Role.CCAS_MANAGER, email="chef.ccas@ccas.caen.fr")
    refused = ReferentForm(referent_data(referent=manager.pk), household=household)
    assert not refused.is_valid()
    assert refused.errors["referent"] == ["Choisissez un travailleur social du CCAS."]
