"""Start, duration, extension, référent change, adhesion, closure and post-autonomy surveys."""

import datetime
import html

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import (
    Accompaniment,
    AccompanimentStatus,
    AdhesionRecord,
    ClosureReason,
    EventKind,
    ExtensionStatus,
    InterviewKind,
    ObjectiveStatus,
)
from accounts.enums import Role
from audit.models import AuditEntry
from diagnostics.models import Diagnostic
from households.enums import Status
from households.models import ReferentAssignment, StatusChange
from tests.factories import HouseholdFactory, make_user

from .factories import AccompanimentFactory, ObjectiveFactory

D = datetime.date
NOW = datetime.datetime(2027, 3, 15, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def sign_agreements(household):
    for kind in ("convention", "contract"):
        household.agreement_documents.create(kind=kind, status="signed", signed_on=D(2027, 3, 1))


@pytest.fixture
def admitted(social_worker):
    return HouseholdFactory(referent=social_worker, status=Status.ADMITTED)


def begin(household, by, **kw):
    args = {
        "start": D(2027, 3, 15),
        "planned_end": D(2027, 9, 15),
        "intensity": "medium",
        "objectives": [("budget.choices", "Tenir un budget")],
    }
    args.update(kw)
    return Accompaniment.begin(household, by=by, **args)


# --- start and duration ------------------------------------------------------------------
@pytest.mark.django_db
def test_begin_moves_the_household_and_writes_history(admitted, social_worker):
    sign_agreements(admitted)
    acc = begin(admitted, social_worker)
    admitted.refresh_from_db()
    assert admitted.status == Status.ACCOMPANIED
    assert StatusChange.objects.filter(household=admitted, to_status=Status.ACCOMPANIED).exists()
    assert [o.axis for o in acc.objectives.all()] == ["budget.choices"]
    assert acc.events.get().kind == EventKind.STARTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("end", "message"),
    [
        (D(2027, 3, 1), "postérieure au début"),
        (D(2027, 6, 14), "au moins 3 mois"),
        (D(2028, 3, 16), "Au-delà de 12 mois"),
    ],
)
def test_duration_is_three_to_twelve_months(admitted, social_worker, end, message):
    sign_agreements(admitted)
    with pytest.raises(ValidationError) as exc:
        begin(admitted, social_worker, planned_end=end)
    assert message in str(exc.value)
    admitted.refresh_from_db()
    assert admitted.status == Status.ADMITTED and not Accompaniment.objects.exists()


@pytest.mark.django_db
def test_twelve_months_exactly_is_allowed(admitted, social_worker):
    sign_agreements(admitted)
    assert begin(admitted, social_worker, planned_end=D(2028, 3, 15)).pk


@pytest.mark.django_db
def test_start_gate_needs_both_latest_documents_signed(admitted, social_worker, ccas_manager):
    admitted.agreement_documents.create(kind="convention", status="signed", number=1)
    admitted.agreement_documents.create(kind="contract", status="signed", number=1)
    admitted.agreement_documents.create(kind="contract", status="generated", number=2)
    with pytest.raises(ValidationError, match="doivent être signés"):
        begin(admitted, social_worker)
    with pytest.raises(ValidationError, match="Seule la direction"):
        begin(admitted, social_worker, override_reason="Urgence")
    with pytest.raises(ValidationError, match="doivent être signés"):
        begin(admitted, ccas_manager, override_reason="   ")
    acc = begin(admitted, ccas_manager, override_reason="Bail signé, contrat signé demain.")
    assert acc.gate_override_reason.startswith("Bail signé")


@pytest.mark.django_db
def test_only_an_admitted_household_starts(social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.DIAGNOSTIC)
    sign_agreements(household)
    with pytest.raises(ValidationError, match="admis"):
        begin(household, social_worker)


@pytest.mark.django_db
def test_start_page_uses_the_diagnostic_proposal(client, admitted, social_worker):
    sign_agreements(admitted)
    Diagnostic.objects.create(
        household=admitted,
        level=3,
        proposed_axes=["budget.choices", "dwelling_use.upkeep"],
        intensity="strong",
        proposed_duration_months=9,
    )
    client.force_login(social_worker)
    url = reverse("accompaniments:start", args=[admitted.pk])
    page = client.get(url)
    assert page.context["form"].initial["planned_end"] == D(2027, 12, 15)
    assert page.context["form"].initial["intensity"] == "strong"
    response = client.post(
        url,
        {
            "start": "2027-03-15",
            "planned_end": "2027-12-15",
            "intensity": "strong",
            "axes": ["budget.choices", "dwelling_use.upkeep"],
        },
    )
    acc = Accompaniment.objects.get()
    assert response.status_code == 302 and response.url == acc.get_absolute_url()
    assert acc.objectives.count() == 2 and acc.diagnostic is not None
    assert AuditEntry.objects.filter(action="create", object_type="accompaniments.Accompaniment")


@pytest.mark.django_db
def test_start_page_keeps_input_on_bad_dates(client, admitted, social_worker):
    sign_agreements(admitted)
    client.force_login(social_worker)
    response = client.post(
        reverse("accompaniments:start", args=[admitted.pk]),
        {"start": "2027-03-15", "planned_end": "2027-02-01", "intensity": "light"},
    )
    assert response.status_code == 200
    assert "La fin prévue doit être postérieure au début." in response.content.decode()
    assert response.context["form"]["intensity"].value() == "light"
    assert not Accompaniment.objects.exists()


@pytest.mark.django_db
def test_start_in_the_future_is_refused_and_kept(client, admitted, social_worker):
    sign_agreements(admitted)
    client.force_login(social_worker)
    response = client.post(
        reverse("accompaniments:start", args=[admitted.pk]),
        {"start": "2027-03-22", "planned_end": "2027-09-22", "intensity": "strong"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["start"] == ["Le début ne peut pas être dans le futur."]
    assert (form["planned_end"].value(), form["intensity"].value()) == ("2027-09-22", "strong")
    assert not Accompaniment.objects.exists()


# --- plan and extension --------------------------------------------------------------------
@pytest.fixture
def acc(social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    acc = AccompanimentFactory(household=household, start=D(2026, 5, 1), planned_end=D(2027, 4, 1))
    # The end interview and its rapport social, which an ending for autonomy follows.
    end_interview(acc, social_worker)
    return acc


def end_interview(acc, social_worker):
    return acc.interviews.create(
        kind=InterviewKind.END,
        held_on=D(2026, 8, 20),
        social_worker=social_worker,
        tenancy_officer=make_user(Role.TENANCY_OFFICER),
        difficulties="Retards de loyer au début",
        changes="Budget tenu",
        outcome="Objectifs atteints",
    )


@pytest.mark.django_db
def test_plan_change_within_twelve_months_only(acc, social_worker):
    acc.change_plan(planned_end=D(2027, 5, 1), intensity="light", by=social_worker)
    assert acc.planned_end == D(2027, 5, 1)
    with pytest.raises(ValidationError, match="prolongation"):
        acc.change_plan(planned_end=D(2027, 6, 1), intensity="light", by=social_worker)


@pytest.mark.django_db
def test_extension_needs_justification_and_a_manager(acc, social_worker, ccas_manager):
    with pytest.raises(ValidationError, match="Justifiez"):
        acc.request_extension(until=D(2027, 8, 1), justification="  ", by=social_worker)
    ext = acc.request_extension(
        until=D(2027, 8, 1), justification="Dossier de surendettement en cours", by=social_worker
    )
    assert ext.status == ExtensionStatus.PENDING
    acc.refresh_from_db()
    assert acc.planned_end == D(2027, 4, 1)
    with pytest.raises(ValidationError, match="direction"):
        ext.decide(approve=True, by=social_worker)
    ext.decide(approve=True, by=ccas_manager)
    acc.refresh_from_db()
    assert acc.planned_end == D(2027, 8, 1) and acc.is_extended
    assert acc.events.filter(kind=EventKind.EXTENSION_APPROVED).exists()


@pytest.mark.django_db
def test_extension_by_cellule_decision_is_approved_at_once(acc, social_worker):
    ext = acc.request_extension(
        until=D(2027, 7, 1),
        justification="Relogement en cours",
        by=social_worker,
        cellule_decision="Cellule du 10/03/2027, point 3",
    )
    assert ext.status == ExtensionStatus.APPROVED
    acc.refresh_from_db()
    assert acc.planned_end == D(2027, 7, 1)


@pytest.mark.django_db
def test_refusal_needs_a_reason_and_leaves_the_end(acc, social_worker, ccas_manager):
    ext = acc.request_extension(until=D(2027, 8, 1), justification="…", by=social_worker)
    with pytest.raises(ValidationError):
        ext.decide(approve=False, by=ccas_manager)
    ext.decide(approve=False, by=ccas_manager, note="Objectifs atteints")
    acc.refresh_from_db()
    assert acc.planned_end == D(2027, 4, 1)


@pytest.mark.django_db
def test_extension_views(client, acc, social_worker, ccas_manager):
    client.force_login(social_worker)
    url = reverse("accompaniments:extension_request", args=[acc.pk])
    response = client.post(url, {"until": "2027-08-01", "justification": ""})
    assert "Justifiez la prolongation par écrit." in response.content.decode()
    client.post(url, {"until": "2027-08-01", "justification": "Plan d'apurement à consolider"})
    ext = acc.extensions.get()
    decide = reverse("accompaniments:extension_decide", args=[acc.pk, ext.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    client.force_login(ccas_manager)
    assert client.get(decide).status_code == 405
    client.post(decide, {"decision": "approve"})
    ext.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED


@pytest.mark.django_db
def test_referent_change_keeps_history(client, acc, ccas_manager, social_worker):
    newcomer = make_user(Role.SOCIAL_WORKER, email="ts3@test.caen.fr")
    client.force_login(ccas_manager)
    client.post(
        reverse("accompaniments:referent_change", args=[acc.pk]),
        {"referent": newcomer.pk, "reason": "Départ en congé maternité"},
    )
    acc.household.refresh_from_db()
    assert acc.household.referent == newcomer
    assert ReferentAssignment.objects.filter(household=acc.household, referent=newcomer).exists()
    assert acc.events.get(kind=EventKind.REFERENT_CHANGED).detail.endswith("congé maternité")
    client.force_login(social_worker)
    url = reverse("accompaniments:referent_change", args=[acc.pk])
    assert client.get(url).status_code == 403


# --- adhesion -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_adhesion_one_degree_per_month(client, acc, social_worker):
    client.force_login(social_worker)
    url = reverse("accompaniments:adhesion", args=[acc.pk])
    client.post(url, {"month": "2027-02", "degree": "inconstant"})
    client.post(url, {"month": "2027-02", "degree": "broken", "note": "Deux rendez-vous manqués"})
    record = AdhesionRecord.objects.get()
    assert (record.month, record.degree) == (D(2027, 2, 1), "broken")
    response = client.post(url, {"month": "2027-05", "degree": "constant"})
    assert "jusqu'au mois en cours" in html.unescape(response.content.decode())


# --- closure ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_closure_flow(client, acc, social_worker):
    objective = ObjectiveFactory(accompaniment=acc)
    client.force_login(social_worker)
    url = reverse("accompaniments:close", args=[acc.pk])
    fields = {"reason": ClosureReason.AUTONOMY, "closed_on": "2027-03-14", "note": "Bilan"}
    response = client.post(url, {**fields, f"status_{objective.pk}": "reached"})
    assert response.status_code == 200  # the bilan of the objective is missing
    acc.refresh_from_db()
    assert acc.status == AccompanimentStatus.ACTIVE
    response = client.post(
        url,
        {**fields, f"status_{objective.pk}": "reached", f"bilan_{objective.pk}": "Budget tenu"},
    )
    assert response.status_code == 302
    acc.refresh_from_db()
    objective.refresh_from_db()
    assert (acc.status, acc.closed_on, acc.closure_reason) == ("closed", D(2027, 3, 14), "autonomy")
    assert (objective.status, objective.end_bilan) == (ObjectiveStatus.REACHED, "Budget tenu")
    acc.household.refresh_from_db()
    assert acc.household.status == Status.POST_AUTONOMY


@pytest.mark.django_db
def test_closure_on_departure_exits_the_programme(acc, social_worker):
    acc.close(
        reason=ClosureReason.DEPARTURE, on=D(2027, 3, 1), by=social_worker, note="", bilans={}
    )
    acc.household.refresh_from_db()
    assert acc.household.status == Status.EXITED and acc.household.exit_reason == "departure"
    assert acc.survey_schedule() == []
    acc.refresh_from_db()
    assert acc.next_survey_on is None  # no survey after an exit


@pytest.mark.django_db
def test_closure_in_the_future_is_refused(acc, social_worker):
    with pytest.raises(ValidationError, match="futur"):
        acc.close(reason="autonomy", on=D(2027, 4, 1), by=social_worker, note="", bilans={})


# --- post-autonomy surveys ------------------------------------------------------------------
@pytest.mark.django_db
def test_survey_due_dates(settings, acc, social_worker):
    settings.POST_AUTONOMY_SURVEY_ROUNDS = 3
    acc.close(reason="autonomy", on=D(2026, 8, 31), by=social_worker, note="", bilans={})
    assert [(n, due) for n, due, _ in acc.survey_schedule()] == [
        (1, D(2027, 2, 28)),
        (2, D(2027, 8, 31)),
        (3, D(2028, 2, 29)),
    ]
    assert acc.next_survey() == (1, D(2027, 2, 28))
    # The closure stores it (what /mon-suivi/'s panel and the surveys page read).
    acc.refresh_from_db()
    assert (acc.next_survey_on, acc.next_survey_round) == (D(2027, 2, 28), 1)


@pytest.mark.django_db
def test_survey_is_recorded_round_after_round(client, settings, acc, social_worker):
    settings.POST_AUTONOMY_SURVEY_ROUNDS = 2
    acc.close(reason="autonomy", on=D(2026, 8, 31), by=social_worker, note="", bilans={})
    client.force_login(social_worker)
    assert [d["round"] for d in client.get(reverse("accompaniments:surveys")).context["due"]] == [1]
    url = reverse("accompaniments:survey_create", args=[acc.pk])
    answers = {"done_on": "2027-03-10", "rent_paid": "yes", "autonomy": "full"}
    client.post(url, answers)
    acc.refresh_from_db()
    assert (acc.next_survey_on, acc.next_survey_round) == (D(2027, 8, 31), 2)
    client.post(url, {**answers, "done_on": "2027-03-12"})
    assert [(s.round, s.due_on) for s in acc.surveys.all()] == [
        (1, D(2027, 2, 28)),
        (2, D(2027, 8, 31)),
    ]
    acc.refresh_from_db()
    assert acc.next_survey_on is None  # every round done
    response = client.get(url)
    assert response.status_code == 302  # every round done
    response = client.post(
        reverse("accompaniments:survey_create", args=[acc.pk]),
        {**answers, "done_on": timezone.localdate().replace(year=2030).isoformat()},
    )
    assert acc.surveys.count() == 2


@pytest.mark.django_db
def test_survey_before_the_closure_is_refused_and_kept(client, acc, social_worker):
    acc.close(reason="autonomy", on=D(2026, 8, 31), by=social_worker, note="", bilans={})
    client.force_login(social_worker)
    url = reverse("accompaniments:survey_create", args=[acc.pk])
    answers = {"rent_paid": "partly", "autonomy": "partial", "worries": "Le chauffage"}
    response = client.post(url, {**answers, "done_on": "2026-08-30"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["done_on"] == [
        "La date de l'enquête est antérieure à la clôture de l'accompagnement (31/08/2026)."
    ]
    assert (form["done_on"].value(), form["worries"].value()) == ("2026-08-30", "Le chauffage")
    assert not acc.surveys.exists()
    assert not AuditEntry.objects.filter(object_type="accompaniments.Survey").exists()
    # The closure day itself is fine.
    assert client.post(url, {**answers, "done_on": "2026-08-31"}).status_code == 302
    assert acc.surveys.get().done_on == D(2026, 8, 31)


@pytest.mark.django_db
def test_survey_list_queries_do_not_grow(client, settings, social_worker, count_queries):
    url = reverse("accompaniments:surveys")
    client.force_login(social_worker)

    def closed_one():
        household = HouseholdFactory(referent=social_worker, status=Status.POST_AUTONOMY)
        AccompanimentFactory(
            household=household, status="closed", closed_on=D(2026, 8, 1), closure_reason="autonomy"
        )

    def measure():
        client.get(url)
        with count_queries() as ctx:
            response = client.get(url)
        return len(ctx.captured_queries), len(response.context["due"])

    closed_one()
    few, rows = measure()
    for _ in range(5):
        closed_one()
    assert measure() == (few, rows + 5)


@pytest.mark.django_db
def test_closed_file_shows_the_survey_schedule(client, settings, acc, social_worker):
    settings.POST_AUTONOMY_SURVEY_ROUNDS = 2
    acc.close(reason="rehousing", on=D(2026, 8, 31), by=social_worker, note="", bilans={})
    client.force_login(social_worker)
    text = client.get(reverse("accompaniments:detail", args=[acc.pk])).content.decode()
    assert "Enquête n°1 prévue le 28/02/2027" in text
    assert "Enquête n°2 prévue le 31/08/2027" in text
    assert "Saisir un contact" not in text


@pytest.mark.django_db
def test_only_the_manager_is_offered_the_override(client, admitted, social_worker, ccas_manager):
    url = reverse("accompaniments:start", args=[admitted.pk])
    client.force_login(social_worker)
    assert "override_reason" not in client.get(url).context["form"].fields
    response = client.post(
        url, {"start": "2027-03-15", "planned_end": "2027-09-15", "intensity": "medium"}
    )
    assert "doivent être signés" in response.content.decode()
    client.force_login(ccas_manager)
    response = client.post(
        url,
        {
            "start": "2027-03-15",
            "planned_end": "2027-09-15",
            "intensity": "medium",
            "override_reason": "Convention signée, en attente du retour de Caen habitat",
        },
    )
    assert response.status_code == 302
    admitted.refresh_from_db()
    assert admitted.status == Status.ACCOMPANIED


@pytest.mark.django_db
def test_a_closed_accompaniment_is_read_only(client, acc, social_worker):
    objective = ObjectiveFactory(accompaniment=acc)
    acc.close(
        reason="autonomy",
        on=D(2027, 3, 1),
        by=social_worker,
        note="",
        bilans={objective.pk: ("reached", "Fait")},
    )
    client.force_login(social_worker)
    for name, kwargs, data in [
        (
            "objective_edit",
            {"objective_pk": objective.pk},
            {"axis": "budget.choices", "description": "X", "status": "planned"},
        ),
        ("adhesion", {}, {"month": "2027-02", "degree": "constant"}),
        (
            "contact_create",
            {},
            {"kind": "phone_call", "at": "2027-03-10T10:00", "duration_minutes": "5"},
        ),
    ]:
        response = client.post(
            reverse(f"accompaniments:{name}", kwargs={"pk": acc.pk, **kwargs}), data
        )
        assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.description != "X"
    assert not acc.adhesion_records.exists() and not acc.contacts.exists()


# --- bad input through the pages: French message next to the field, input kept -------------
@pytest.mark.django_db
def test_closure_before_the_start_is_refused_and_kept(client, acc, social_worker):
    objective = ObjectiveFactory(accompaniment=acc)
    client.force_login(social_worker)
    response = client.post(
        reverse("accompaniments:close", args=[acc.pk]),
        {
            "reason": ClosureReason.REHOUSING,
            "closed_on": "2026-04-30",  # the accompaniment started on 1 May 2026
            "note": "Relogé au Chemin-Vert",
            f"status_{objective.pk}": "reached",
            f"bilan_{objective.pk}": "Budget tenu",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["closed_on"] == ["La date de fin ne peut pas précéder le début."]
    assert form["note"].value() == "Relogé au Chemin-Vert"
    assert form[f"bilan_{objective.pk}"].value() == "Budget tenu"
    acc.refresh_from_db()
    objective.refresh_from_db()
    assert acc.status == AccompanimentStatus.ACTIVE and objective.end_bilan == ""
    acc.household.refresh_from_db()
    assert acc.household.status == Status.ACCOMPANIED


@pytest.mark.django_db
def test_plan_end_before_the_start_is_refused_and_kept(client, acc, social_worker):
    client.force_login(social_worker)
    response = client.post(
        reverse("accompaniments:edit_plan", args=[acc.pk]),
        {"planned_end": "2026-04-01", "intensity": "strong"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["planned_end"] == ["La fin prévue doit être postérieure au début."]
    assert form["intensity"].value() == "strong"
    acc.refresh_from_db()
    assert (acc.planned_end, acc.intensity) == (D(2027, 4, 1), "medium")
    assert not acc.events.filter(kind=EventKind.PLAN_CHANGED).exists()


@pytest.mark.django_db
def test_extension_without_justification_keeps_the_date(client, acc, social_worker):
    client.force_login(social_worker)
    response = client.post(
        reverse("accompaniments:extension_request", args=[acc.pk]),
        {"until": "2027-08-01", "justification": "   "},
    )
    form = response.context["form"]
    assert form.errors["justification"] == ["Justifiez la prolongation par écrit."]
    assert form["until"].value() == "2027-08-01"
    assert not acc.extensions.exists()
    assert not acc.events.filter(kind=EventKind.EXTENSION_REQUESTED).exists()


@pytest.mark.django_db
def test_objectives_are_edited_with_status_and_progress_notes(client, acc, social_worker):
    objective = ObjectiveFactory(accompaniment=acc)
    client.force_login(social_worker)
    client.post(
        reverse("accompaniments:objective_edit", args=[acc.pk, objective.pk]),
        {
            "axis": "budget.choices",
            "description": "Tenir un budget mensuel",
            "status": ObjectiveStatus.IN_PROGRESS,
            "progress_notes": "Tableau de budget rempli deux mois de suite.",
        },
    )
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.IN_PROGRESS
    assert objective.progress_notes.startswith("Tableau de budget")
    client.post(
        reverse("accompaniments:objective_create", args=[acc.pk]),
        {
            "axis": "dwelling_use.upkeep",
            "description": "Entretenir le logement",
            "status": "planned",
        },
    )
    assert [o.axis for o in acc.objectives.all()] == ["budget.choices", "dwelling_use.upkeep"]
    text = client.get(reverse("accompaniments:detail", args=[acc.pk])).content.decode()
    assert "Tableau de budget rempli" in text and "En cours" in text
    assert AuditEntry.objects.filter(object_type="accompaniments.Objective").count() == 2


@pytest.mark.django_db
def test_a_referent_cannot_grant_her_own_extension_by_typing_a_cellule_decision(
    client, acc, social_worker
):
    # A cellule decision is recorded by the cellule (coordination), not typed by the référent:
    # through the référent's form the extension always waits for the direction.
    client.force_login(social_worker)
    response = client.post(
        reverse("accompaniments:extension_request", args=[acc.pk]),
        {
            "until": "2027-08-01",
            "justification": "Plan d'apurement à consolider",
            "cellule_decision": "Cellule du 10/03/2027, point 3",
        },
    )
    assert response.status_code == 302
    ext = acc.extensions.get()
    assert (ext.status, ext.cellule_decision) == (ExtensionStatus.PENDING, "")
    acc.refresh_from_db()
    assert acc.planned_end == D(2027, 4, 1) and not acc.is_extended


@pytest.mark.django_db
def test_an_extension_left_pending_is_not_granted_once_the_accompaniment_is_closed(
    acc, social_worker, ccas_manager
):
    ext = acc.request_extension(until=D(2027, 8, 1), justification="Relogement", by=social_worker)
    acc.close(reason="autonomy", on=D(2027, 3, 1), by=social_worker, note="", bilans={})
    with pytest.raises(ValidationError, match="clôturé"):
        ext.decide(approve=True, by=ccas_manager)
    acc.refresh_from_db()
    ext.refresh_from_db()
    assert (acc.planned_end, ext.status) == (D(2027, 4, 1), ExtensionStatus.PENDING)
    ext.decide(approve=False, by=ccas_manager, note="Accompagnement clôturé")  # still closable
    assert ext.status == ExtensionStatus.REFUSED
