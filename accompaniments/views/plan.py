from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.enums import Role
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.forms import add_errors, flash_errors
from diagnostics.models import Diagnostic
from households import taxonomy
from households.enums import Status
from households.models import Household
from housing.models import AgreementDocument

from .. import cadence as rhythm
from ..forms import (
    ExtensionDecisionForm,
    ExtensionForm,
    ObjectiveForm,
    PlanForm,
    ReferentForm,
    StartForm,
)
from ..models import (
    MAX_MONTHS,
    MIN_MONTHS,
    Accompaniment,
)
from .base import _accompaniment


# --- start, plan, référent ---------------------------------------------------------------
@policy.action_required("accompaniment.change")
@submitted_once
def start(request, household_pk):
    household = get_object_or_404(
        Household.objects.visible_to(request.user, "accompaniment.change"), pk=household_pk
    )
    diagnostic = Diagnostic.objects.current_of(household)
    today = timezone.localdate()
    months = (diagnostic.proposed_duration_months if diagnostic else None) or 6
    months = max(MIN_MONTHS, min(MAX_MONTHS, months))
    initial = {
        "start": today,
        "planned_end": rhythm.add_months(today, months),
        "intensity": (diagnostic.intensity if diagnostic else "") or "medium",
        "axes": [
            a for a in (diagnostic.proposed_axes if diagnostic else []) if a in taxonomy.ITEMS
        ],
    }
    form = StartForm(request.POST or None, initial=initial)
    signed = AgreementDocument.objects.both_signed(household)
    if signed or not request.user.has_role(Role.CCAS_MANAGER):
        del form.fields["override_reason"]  # only the manager may start without signatures
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            acc = Accompaniment.begin(
                household,
                by=request.user,
                start=data["start"],
                planned_end=data["planned_end"],
                intensity=data["intensity"],
                objectives=[
                    (axis, f"Travailler : {taxonomy.ITEMS[axis]}") for axis in data["axes"]
                ],
                diagnostic=diagnostic,
                override_reason=data.get("override_reason", ""),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.CREATE, acc, label="Début d'accompagnement")
            messages.success(request, "L'accompagnement a commencé.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/start.html",
        {
            "household": household,
            "form": form,
            "signed": signed,
            "admitted": household.status == Status.ADMITTED,
            "diagnostic": diagnostic,
        },
    )


@policy.action_required("accompaniment.change")
def edit_plan(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    form = PlanForm(
        request.POST or None, initial={"planned_end": acc.planned_end, "intensity": acc.intensity}
    )
    if request.method == "POST" and form.is_valid():
        try:
            acc.change_plan(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, acc, label="Fin prévue / intensité")
            messages.success(request, "L'accompagnement a été modifié.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Modifier l'accompagnement"},
    )


@policy.action_required("household.assign_referent")
def referent_change(request, pk):
    acc = _accompaniment(request, pk, "household.assign_referent")
    form = ReferentForm(request.POST or None, initial={"referent": acc.household.referent_id})
    if request.method == "POST" and form.is_valid():
        try:
            acc.change_referent(
                form.cleaned_data["referent"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, acc.household, label="Changement de référent")
            messages.success(request, "Le référent a été changé.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Changer de référent"},
        status=400 if request.method == "POST" else 200,
    )


@policy.action_required("accompaniment.change")
@submitted_once
def objective_edit(request, pk, objective_pk=None):
    acc = _accompaniment(request, pk, "accompaniment.change")
    if not acc.is_active:
        messages.error(request, "Cet accompagnement est clôturé : ses objectifs ne changent plus.")
        return redirect(acc)
    objective = get_object_or_404(acc.objectives, pk=objective_pk) if objective_pk else None
    form = ObjectiveForm(request.POST or None, instance=objective)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.accompaniment = acc
        if objective is None:
            item.position = acc.objectives.count()
        item.save()
        log(request, Action.UPDATE if objective else Action.CREATE, item, household=acc.household)
        messages.success(request, "L'objectif a été enregistré.")
        return redirect(acc)
    title = "Modifier l'objectif" if objective else "Ajouter un objectif"
    return render(request, "accompaniments/form.html", {"acc": acc, "form": form, "title": title})


@policy.action_required("accompaniment.change")
@submitted_once
def extension_request(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ext = acc.request_extension(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(
                request,
                Action.CREATE,
                ext,
                household=acc.household,
                label="Demande de prolongation",
            )
            messages.success(request, "La demande de prolongation attend l'accord de la direction.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Demander une prolongation au-delà de 12 mois"},
    )


@require_POST
@policy.action_required("accompaniment.approve")
def extension_decide(request, pk, extension_pk):
    acc = _accompaniment(request, pk, "accompaniment.approve")
    ext = get_object_or_404(acc.extensions, pk=extension_pk)
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            ext.decide(
                approve=form.cleaned_data["decision"] == "approve",
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            log(
                request,
                Action.UPDATE,
                ext,
                household=acc.household,
                label="Décision de prolongation",
            )
            messages.success(request, "La décision a été enregistrée.")
    else:
        messages.error(request, "Choisissez une décision.")
    return redirect(acc)
