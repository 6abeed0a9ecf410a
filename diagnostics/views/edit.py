from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import Action, log
from audit.once import accepted, submitted_once
from caen_accompagnement.forms import add_errors, flash_errors
from households.models import Household

from ..forms import (
    DebtFormSet,
    DiagnosticForm,
    HousingHistoryFormSet,
    SocialReportForm,
    StepForm,
)
from ..models import (
    Diagnostic,
    DiagnosticStep,
    start_diagnostic,
)
from .base import MEMBERS, _change_qs


# --- editing a draft (the référent) -------------------------------------------------------
def _edit_context(diagnostic, **overrides):
    household = diagnostic.household
    context = {
        "diagnostic": diagnostic,
        "household": household,
        "checklist": diagnostic.checklist(),
        "steps": diagnostic.steps.all(),
        "step_form": StepForm(level=diagnostic.level),
        "report_form": SocialReportForm(),
        "submit_errors": [],
        "budget_errors": False,
        "method_message": "",
    }
    context.update(overrides)
    if "form" not in context:
        context["form"] = DiagnosticForm(instance=diagnostic, household=household)
        context["debts"] = DebtFormSet(instance=diagnostic, prefix="debts")
        context["history"] = HousingHistoryFormSet(instance=diagnostic, prefix="history")
    if "budget" not in context:
        context["budget"] = diagnostic.budget()
    return context


SENT_MEANWHILE = (
    "Ce diagnostic a été transmis à la cellule pendant votre saisie : vos modifications n'ont "
    "pas été enregistrées. Elles restent affichées ci-dessous : pour les reporter, rouvrez le "
    "diagnostic (nouvelle version) depuis sa fiche."
)


def _log_edit_read(request, diagnostic):
    log(request, Action.VIEW, diagnostic, label=f"Diagnostic v{diagnostic.number} (saisie)")


def _editable(request, pk):
    diagnostic = get_object_or_404(_change_qs(request.user).prefetch_related(MEMBERS), pk=pk)
    if not diagnostic.is_draft:
        return diagnostic, redirect("diagnostics:detail", pk=diagnostic.pk)
    return diagnostic, None


@policy.action_required("diagnostic.change")
def edit(request, pk):
    """The draft's page; with htmx and `preview=budget`, only the live budget totals."""
    diagnostic, refused = _editable(request, pk)
    if refused and request.method != "POST":
        messages.info(request, "Ce diagnostic a été transmis : il n'est plus modifiable.")
        return refused
    household = diagnostic.household
    if request.method != "POST":
        _log_edit_read(request, diagnostic)
        return render(request, "diagnostics/edit.html", _edit_context(diagnostic))

    form = DiagnosticForm(request.POST, instance=diagnostic, household=household)
    if request.htmx and request.POST.get("preview") == "budget":
        result, has_errors = form.preview_budget()
        return render(
            request,
            "diagnostics/edit.html#budget-totals",
            {"budget": result, "budget_errors": has_errors},
        )
    debts = DebtFormSet(request.POST, instance=diagnostic, prefix="debts")
    history = HousingHistoryFormSet(request.POST, instance=diagnostic, prefix="history")
    if not _save_draft(diagnostic, form, debts, history, sent_meanwhile=refused is not None):
        # The page shows the stored steps and report again: a read of the detail.
        _log_edit_read(request, diagnostic)
        context = _edit_context(
            diagnostic,
            form=form,
            debts=debts,
            history=history,
            budget=form.preview_budget()[0],
        )
        return render(request, "diagnostics/edit.html", context, status=400)
    log(request, Action.UPDATE, diagnostic, label=f"Diagnostic v{diagnostic.number} (brouillon)")
    if request.POST.get("action") != "submit":
        messages.success(request, "Brouillon enregistré.")
        return redirect("diagnostics:edit", pk=diagnostic.pk)
    return _submit(request, diagnostic)


def _save_draft(diagnostic, form, debts, history, *, sent_meanwhile):
    """Save the draft with its budget lines, obstacles, debts and housing history; False, with
    the reasons on the forms, when anything is refused (nothing is then saved)."""
    if sent_meanwhile:
        # Sent to the cellule (from another tab or by the substitute) since this page was
        # opened: nothing is saved, and what was typed comes back so that it is not lost.
        form.add_error(None, SENT_MEANWHILE)
        return False
    if not all([form.is_valid(), debts.is_valid(), history.is_valid()]):
        return False
    try:
        diagnostic.adult_employment = form.employment()
        diagnostic.nothing_to_report = form.nothing_to_report()
        diagnostic.save_draft(
            form.cleaned_data["version"],
            form.model_field_names() + ["adult_employment", "nothing_to_report"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return False
    diagnostic.replace_lines(form.resources(), form.charges())
    diagnostic.replace_obstacles(form.obstacles())
    debts.save()
    history.save()
    return True


def _submit(request, diagnostic):
    """Transmit the saved draft to the cellule, or show why it cannot be yet (the draft stays
    saved)."""
    try:
        diagnostic.submit(by=request.user)
    except ValidationError as exc:
        diagnostic.refresh_from_db()
        context = _edit_context(
            diagnostic,
            submit_errors=exc.messages,
            missing_steps=exc.message_dict.get("method", []),
        )
        # Each reason also stands next to its field (the steps: in the checklist's section);
        # the others are listed with the submit button (`submit_errors`), not twice.
        form = context["form"]
        on_fields = {f: r for f, r in exc.message_dict.items() if f in form.fields}
        add_errors(form, ValidationError(on_fields))
        messages.warning(request, "Brouillon enregistré, mais il ne peut pas encore être transmis.")
        return render(request, "diagnostics/edit.html", context, status=400)
    log(request, Action.UPDATE, diagnostic, label=f"Diagnostic v{diagnostic.number} transmis")
    messages.success(request, "Diagnostic transmis à la cellule : il n'est plus modifiable.")
    return redirect("diagnostics:detail", pk=diagnostic.pk)


def _method_response(request, diagnostic, message="", status=200, **overrides):
    """After a step or report change: with htmx, only the method section (the main form and
    what is typed in it stay untouched); without, back to the page."""
    if status != 200:
        # A refused step or report shows the method section (stored steps) again: a read.
        _log_edit_read(request, diagnostic)
    if request.htmx:
        context = _edit_context(diagnostic, method_message=message, **overrides)
        # htmx swaps only 2xx answers: errors come back as 200 with the form's messages.
        return render(request, "diagnostics/edit.html#method", context)
    if status != 200:
        context = _edit_context(diagnostic, **overrides)
        return render(request, "diagnostics/edit.html", context, status=status)
    messages.success(request, message)
    return redirect(reverse("diagnostics:edit", args=[diagnostic.pk]) + "#methode")


@require_POST
@policy.action_required("diagnostic.change")
@submitted_once
def add_step(request, pk):
    diagnostic, refused = _editable(request, pk)
    if refused:
        return refused
    form = StepForm(request.POST, level=diagnostic.level)
    if not form.is_valid():
        return _method_response(request, diagnostic, status=400, step_form=form)
    step = form.save(commit=False)
    step.diagnostic = diagnostic
    step.recorded_by = request.user
    step.save()
    log(request, Action.CREATE, step, household=diagnostic.household, label="Étape du diagnostic")
    return accepted(_method_response(request, diagnostic, f"Étape enregistrée : {step}."))


@require_POST
@policy.action_required("diagnostic.change")
def delete_step(request, pk, step_pk):
    diagnostic, refused = _editable(request, pk)
    if refused:
        return refused
    step = get_object_or_404(DiagnosticStep, pk=step_pk, diagnostic=diagnostic)
    log(request, Action.DELETE, step, household=diagnostic.household, label="Étape du diagnostic")
    step.delete()
    return _method_response(request, diagnostic, "Étape supprimée.")


@require_POST
@policy.action_required("diagnostic.change")
def upload_report(request, pk):
    diagnostic, refused = _editable(request, pk)
    if refused:
        return refused
    form = SocialReportForm(request.POST, request.FILES)
    if diagnostic.level != 2:
        form.add_error(
            None, "Le rapport social CODESI ne concerne que les diagnostics de niveau 2."
        )
    if not form.is_valid():
        return _method_response(request, diagnostic, status=400, report_form=form)
    upload = form.cleaned_data["social_report"]
    diagnostic.attach_social_report(upload, by=request.user, suffix=upload.detected_suffix)
    log(request, Action.IMPORT, diagnostic, label="Rapport social CODESI joint")
    return _method_response(request, diagnostic, "Rapport social joint au diagnostic.")


@require_POST
@policy.action_required("diagnostic.change")
@submitted_once
def start(request, household_pk):
    household = get_object_or_404(
        Household.objects.visible_to(request.user, "diagnostic.change"), pk=household_pk
    )
    try:
        diagnostic = start_diagnostic(household, by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("diagnostics:list")
    log(request, Action.CREATE, diagnostic, label=f"Diagnostic v{diagnostic.number} commencé")
    return redirect("diagnostics:edit", pk=diagnostic.pk)


@require_POST
@policy.action_required("diagnostic.change")
def reopen(request, pk):
    diagnostic = get_object_or_404(_change_qs(request.user), pk=pk)
    try:
        new = diagnostic.reopen(by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        current = diagnostic.household.diagnostics.current().first() or diagnostic
        return redirect("diagnostics:detail", pk=current.pk)
    log(request, Action.CREATE, new, label=f"Diagnostic v{new.number} (réouverture)")
    messages.success(
        request,
        f"Version {new.number} ouverte. La version {diagnostic.number} reste consultable.",
    )
    return redirect("diagnostics:edit", pk=new.pk)


# --- manager actions until the cellule module records them -----------------------------------
@require_POST
@policy.action_required("diagnostic.review")
def review(request, pk):
    diagnostic = get_object_or_404(
        Diagnostic.objects.visible_to(request.user, "diagnostic.review"),
        pk=pk,
    )
    try:
        diagnostic.mark_reviewed(by=request.user, decision=request.POST.get("decision", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("diagnostics:detail", pk=diagnostic.pk)
    log(request, Action.UPDATE, diagnostic, label=f"Diagnostic v{diagnostic.number} examiné")
    messages.success(request, "Diagnostic marqué comme examiné par la cellule.")
    return redirect("diagnostics:detail", pk=diagnostic.pk)
