from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts import policy
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.forms import add_errors

from ..forms import (
    CloseForm,
    InterviewForm,
    SurveyForm,
)
from ..models import (
    AccompanimentStatus,
    Interview,
    Survey,
)
from .base import _accompaniment


# --- interview, closure, survey ----------------------------------------------------------
@policy.action_required("accompaniment.change")
@submitted_once
def interview_create(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    initial = {
        "held_on": timezone.localdate(),
        "social_worker": acc.household.referent_id,
        "kind": "during" if acc.is_active else "end",
    }
    form = InterviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        interview = form.save(commit=False)
        interview.accompaniment, interview.created_by = acc, request.user
        interview.save()
        log(
            request,
            Action.CREATE,
            interview,
            household=acc.household,
            label="Entretien semi-directif",
        )
        messages.success(request, "L'entretien et son rapport social ont été enregistrés.")
        return redirect("accompaniments:interview_detail", pk=acc.pk, interview_pk=interview.pk)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Entretien semi-directif (rapport social)"},
    )


def _interview(request, pk, interview_pk):
    """The interview through its user-scoped QuerySet: the tenancy officer who co-led it opens
    it as well as the CCAS (404 for anyone else)."""
    interview = get_object_or_404(
        Interview.objects.visible_to(request.user).select_related(
            "accompaniment__household", "social_worker", "tenancy_officer"
        ),
        pk=interview_pk,
        accompaniment_id=pk,
    )
    return interview.accompaniment, interview


@policy.action_required("interview.view")
def interview_detail(request, pk, interview_pk):
    acc, interview = _interview(request, pk, interview_pk)
    log(request, Action.VIEW, interview, household=acc.household, label="Rapport social")
    return render(
        request,
        "accompaniments/interview.html",
        {
            "acc": acc,
            "interview": interview,
            "can_open_accompaniment": policy.can(request.user, "accompaniment.view", acc.household),
        },
    )


@policy.action_required("interview.view")
def interview_pdf(request, pk, interview_pk):
    from caen_accompagnement.pdf import pdf_response, render_pdf

    acc, interview = _interview(request, pk, interview_pk)
    pdf = render_pdf(
        "accompaniments/pdf/social_report.html",
        {"acc": acc, "interview": interview, "objectives": list(acc.objectives.all())},
    )
    log(request, Action.EXPORT, interview, household=acc.household, label="Rapport social (PDF)")
    filename = f"rapport-social-{acc.household.reference}-{interview.held_on:%Y%m%d}.pdf"
    return pdf_response(pdf, filename)


@policy.action_required("accompaniment.change")
@submitted_once
def close(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    if not acc.is_active:
        messages.error(request, "Cet accompagnement est déjà clôturé.")
        return redirect(acc)
    objectives = list(acc.objectives.all())
    form = CloseForm(
        request.POST or None, objectives=objectives, initial={"closed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            acc.close(
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["closed_on"],
                by=request.user,
                note=form.cleaned_data["note"],
                bilans=form.bilans(),
                reason_detail=form.cleaned_data["reason_detail"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, acc, label="Clôture de l'accompagnement")
            messages.success(request, "L'accompagnement est clôturé.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Clôturer l'accompagnement (bilan de fin)"},
    )


@policy.action_required("accompaniment.change")
@submitted_once
def survey_create(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    nxt = acc.next_survey() if acc.status == AccompanimentStatus.CLOSED else None
    if nxt is None:
        messages.error(request, "Aucune enquête post-autonomie n'est prévue pour ce ménage.")
        return redirect(acc)
    n, due_on = nxt
    form = SurveyForm(
        request.POST or None,
        initial={"done_on": timezone.localdate()},
        instance=Survey(accompaniment=acc),
    )
    if request.method == "POST" and form.is_valid():
        survey = form.save(commit=False)
        survey.round, survey.due_on = n, due_on
        survey.recorded_by = request.user
        survey.save()
        log(request, Action.CREATE, survey, household=acc.household, label=f"Enquête n°{n}")
        messages.success(request, f"L'enquête n°{n} a été enregistrée.")
        return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {
            "acc": acc,
            "form": form,
            "title": f"Enquête post-autonomie n°{n} (prévue le {due_on:%d/%m/%Y})",
        },
    )
