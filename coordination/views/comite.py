from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import action_required
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.uploads import private_file_response

from ..forms import (
    AdjustmentForm,
    AdjustmentStatusForm,
    ComiteParticipantForm,
)
from ..models import Meeting


def _comite(request, pk):
    return get_object_or_404(Meeting.objects.comites_visible_to(request.user), pk=pk)


# --- comité de suivi ------------------------------------------------------------------------
@action_required("comite.view")
def comite(request, pk):
    return _render_comite(request, _comite(request, pk))


def _render_comite(request, meeting, invalid_form=None):
    """The comité page; after a refused form, that form comes back with what was typed and its
    errors next to the fields (status 400), the others empty."""
    can_plan = policy.can(request.user, "meeting.plan")
    forms = {}
    if can_plan:
        forms = {
            "participant_form": ComiteParticipantForm(),
            "adjustment_form": AdjustmentForm(),
        }
    forms["status_form"] = AdjustmentStatusForm()
    if invalid_form is not None:
        for name, form in forms.items():
            if type(form) is type(invalid_form):
                forms[name] = invalid_form
        problems = []
        for field, errors in invalid_form.errors.items():
            label = invalid_form.fields[field].label if field in invalid_form.fields else ""
            problems.append((f"{label} : " if label else "") + " ".join(errors))
        messages.error(request, "Rien n'a été enregistré. " + " ; ".join(problems))
    return render(
        request,
        "coordination/comite.html",
        {
            "meeting": meeting,
            "participants": meeting.participants.all(),
            "adjustments": meeting.adjustments.all(),
            # The yearly bilans this comité approved (generated and frozen by the reporting app).
            "published_bilans": meeting.published_bilans.order_by("year", "version"),
            "bilan_year": max(meeting.local_date.year - 1, settings.PROGRAMME_START.year),
            "can_plan": can_plan,
            **forms,
        },
        status=400 if invalid_form is not None else 200,
    )


@require_POST
@action_required("meeting.plan")
@submitted_once
def comite_participant_add(request, pk):
    return _add_to_comite(request, pk, ComiteParticipantForm, "Membre du comité", "Membre ajouté.")


@require_POST
@action_required("meeting.plan")
@submitted_once
def adjustment_add(request, pk):
    return _add_to_comite(request, pk, AdjustmentForm, "Ajustement", "Ajustement enregistré.")


def _add_to_comite(request, pk, form_class, label, done):
    meeting = _comite(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _render_comite(request, meeting, form)
    row = form.save(commit=False)
    row.meeting = meeting
    row.save()
    log(request, Action.CREATE, row, label=label)
    messages.success(request, done)
    return redirect(meeting)


@require_POST
@action_required("meeting.plan")
def adjustment_status(request, pk, adjustment_pk):
    meeting = _comite(request, pk)
    adjustment = get_object_or_404(meeting.adjustments, pk=adjustment_pk)
    form = AdjustmentStatusForm(request.POST)
    if form.is_valid():
        adjustment.set_status(form.cleaned_data["status"])
        log(request, Action.UPDATE, adjustment, label="État de l'ajustement")
        messages.success(request, "État de l'ajustement mis à jour.")
    else:
        return _render_comite(request, meeting, form)
    return redirect(meeting)


@action_required("comite.view")
def bilan_download(request, pk):
    """A bilan uploaded before the bilans were generated (read-only)."""
    meeting = _comite(request, pk)
    if not meeting.bilan:
        raise Http404("Aucun bilan déposé.")
    log(request, Action.EXPORT, meeting, label="Bilan (PDF)")
    return private_file_response(
        meeting.bilan, f"bilan-comite-de-suivi-{meeting.local_date:%Y}.pdf"
    )
