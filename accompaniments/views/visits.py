"""Planned visits (plan, move, cancel) and the household's consent to reminders
(docs/reminders.md). The référent, the substitute or the direction: `accompaniment.change`."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement import statements
from caen_accompagnement.dates import start_of_day
from caen_accompagnement.forms import add_errors, flash_errors
from households.models import Household

from ..forms import PlannedVisitForm, ReminderConsentForm
from ..models import PlannedVisit, ReminderChannel, ReminderConsent, VisitKind, VisitMessage
from ..models.visit import caseload_q
from .base import _accompaniment

ACTION = "accompaniment.change"
WEEK = timedelta(days=7)


def _visit(request, pk, visit_pk):
    acc = _accompaniment(request, pk, ACTION)
    return acc, get_object_or_404(acc.planned_visits.select_related("worker"), pk=visit_pk)


@policy.action_required(ACTION)
@submitted_once
def visit_plan(request, pk):
    acc = _accompaniment(request, pk, ACTION)
    if not acc.is_active:
        messages.error(request, "Cet accompagnement est clôturé.")
        return redirect(acc)
    form = PlannedVisitForm(request.POST or None, initial={"kind": VisitKind.HOME_VISIT})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = PlannedVisit.plan(
                acc,
                kind=data["kind"],
                starts_at=data["starts_at"],
                place=data["place"],
                by=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.CREATE, visit, household=acc.household, label="Rendez-vous")
            messages.success(request, f"Rendez-vous planifié : {visit}.")
            return redirect(acc)
    return _form(request, acc, form, "Planifier un rendez-vous")


@policy.action_required(ACTION)
def visit_move(request, pk, visit_pk):
    acc, visit = _visit(request, pk, visit_pk)
    initial = {
        "kind": visit.kind,
        "starts_at": timezone.localtime(visit.starts_at),
        "place": visit.place,
    }
    form = PlannedVisitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit.move(
                starts_at=data["starts_at"], place=data["place"], kind=data["kind"], by=request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, visit, household=acc.household, label="Rendez-vous déplacé")
            messages.success(request, f"Rendez-vous déplacé : {visit}.")
            return redirect(acc)
    return _form(request, acc, form, "Déplacer le rendez-vous")


def _form(request, acc, form, title):
    return render(
        request,
        "accompaniments/visit_form.html",
        {"acc": acc, "form": form, "title": title},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@policy.action_required(ACTION)
def visit_cancel(request, pk, visit_pk):
    acc, visit = _visit(request, pk, visit_pk)
    try:
        visit.cancel(by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        log(request, Action.UPDATE, visit, household=acc.household, label="Rendez-vous annulé")
        messages.success(request, "Rendez-vous annulé.")
    return redirect(acc)


@policy.action_required(ACTION)
@submitted_once
def reminder_consent(request, household_pk):
    """The household's agreement to be reminded of its appointments, as it told the référent."""
    household = get_object_or_404(
        Household.objects.visible_to(request.user, ACTION), pk=household_pk
    )
    current = ReminderConsent.objects.current_for(household)
    initial = {"channel": ReminderChannel.NONE, "given_on": timezone.localdate()}
    if current is not None:
        initial.update(
            channel=current.channel, phone=current.recipient_display, email=current.email
        )
    form = ReminderConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            consent = ReminderConsent.record(household, **form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(
                request,
                Action.UPDATE,
                consent,
                household=household,
                label=f"Rappels des rendez-vous : {consent.get_channel_display()}",
            )
            messages.success(request, "L'accord du ménage pour les rappels est enregistré.")
            return redirect(household.tab_url("accompagnement"))
    return render(
        request,
        "accompaniments/reminder_consent.html",
        {
            "household": household,
            "form": form,
            "current": current,
            "history": list(household.reminder_consents.select_related("recorded_by")),
        },
        status=400 if request.method == "POST" else 200,
    )


VISIT_PANEL_FIELDS = ("kind", "starts_at", "accompaniment__household__created_at")


def caseload_visits(user, referent_id=None, now=None):
    """What /mon-suivi/ says about appointments to act on
    (templates/accompaniments/_caseload_visits.html): visits missed (planned, passed, no
    contact logged that day: from the next morning) and messages to households that failed for
    the visits of the last seven days, on the caseload `caseload_of(user)` (one référent's,
    when the manager chose one), 50 of each at most. Two queries, whatever the caseload's size,
    their SQL built once per user, roles, référent filter and day
    (caen_accompagnement/statements.py); rows as values: file references only (the
    household's id and creation date, never its whole row), as `accompaniment_id`,
    `household_id` and `household_created_at`. The week's coming visits are on the agenda tab
    (`caseload_agenda`)."""
    today = timezone.localdate(now or timezone.now())
    key = (user.pk, user.roles, referent_id, today)

    def missed():
        return (
            PlannedVisit.objects.of_caseload(user, referent_id)
            .missed(today)
            .values(
                "pk",
                "kind",
                "starts_at",
                "accompaniment_id",
                household_id=F("accompaniment__household_id"),
                household_created_at=F("accompaniment__household__created_at"),
            )[:50]
        )

    def failed():
        return (
            VisitMessage.objects.failed()
            .filter(
                caseload_q(user, referent_id, prefix="visit__"),
                visit__starts_at__gte=start_of_day(today - WEEK),
            )
            .values(
                "kind",
                "channel",
                "tries",
                "error",
                starts_at=F("visit__starts_at"),
                accompaniment_id=F("visit__accompaniment_id"),
                household_id=F("visit__accompaniment__household_id"),
                household_created_at=F("visit__accompaniment__household__created_at"),
            )
            .order_by("-created_at")[:50]
        )

    return {
        "missed_visits": statements.rows(("caseload-missed", *key), missed),
        "failed_visit_messages": statements.rows(("caseload-failed", *key), failed),
    }


def caseload_agenda(user, referent_id=None, now=None):
    """The next seven days' visits of the caseload (as `caseload_visits`), the soonest 50
    first: /mon-suivi/'s agenda tab. One query."""
    now = now or timezone.now()
    upcoming = (
        PlannedVisit.objects.of_caseload(user, referent_id)
        .upcoming(now)
        .filter(starts_at__lt=now + WEEK)
        .select_related("accompaniment__household")
    )
    return list(upcoming.only(*VISIT_PANEL_FIELDS)[:50])
