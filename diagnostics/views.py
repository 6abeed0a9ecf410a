from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import Action, log, log_households
from caen_accompagnement.forms import add_errors, flash_errors
from caen_accompagnement.pagination import paginate
from caen_accompagnement.pdf import pdf_response, render_pdf
from caen_accompagnement.uploads import private_file_response
from households.enums import Status
from households.models import Household, Person

from .compare import compare, describe
from .forms import (
    DebtFormSet,
    DiagnosticForm,
    HousingHistoryFormSet,
    SetLevelForm,
    SocialReportForm,
    StepForm,
)
from .models import (
    LEVEL_METHODS,
    Diagnostic,
    DiagnosticStatus,
    DiagnosticStep,
    set_diagnostic_level,
    start_diagnostic,
)

MEMBERS = Prefetch("household__members", queryset=Person.objects.order_by("position", "pk"))


def _detail_qs(user):
    return Diagnostic.objects.visible_to(user).select_related(
        "household", "household__referent", "author", "reviewed_by", "previous"
    )


def _change_qs(user):
    return Diagnostic.objects.visible_to(user, "diagnostic.change").select_related(
        "household", "household__referent"
    )


def _synthesis_qs(user):
    qs = Diagnostic.objects.visible_to(user, "diagnostic.view_synthesis").select_related(
        "household"
    )
    if not policy.can(user, "diagnostic.view_detail"):
        # Outside the CCAS, only what was sent to the cellule.
        qs = qs.exclude(status=DiagnosticStatus.DRAFT)
    return qs


# --- lists ----------------------------------------------------------------------------
@policy.action_required("diagnostic.view_detail")
def worklist(request):
    """Diagnostics to do and in progress for the current worker (all of them for a manager)."""
    user = request.user
    households = Household.objects.visible_to(user, "diagnostic.view_detail")
    if not policy.can(user, "diagnostic.set_level"):
        households = households.filter(Q(referent=user) | Q(substitute=user))
    members = Prefetch("members", queryset=Person.objects.order_by("position", "pk"))
    open_diagnostic = Diagnostic.objects.current().drafts().filter(household=OuterRef("pk"))
    to_do = (
        households.filter(status=Status.DIAGNOSTIC, diagnostic_level__isnull=False)
        .exclude(Exists(open_diagnostic))
        .select_related("referent")
        .prefetch_related(members)
        .order_by("status_changed_at", "pk")
    )
    diagnostics = (
        Diagnostic.objects.current()
        .filter(household__in=households)
        .select_related("household", "household__referent")
        .prefetch_related(MEMBERS)
    )
    in_progress = diagnostics.drafts().order_by("created_at", "pk")
    awaiting_review = diagnostics.filter(status=DiagnosticStatus.SUBMITTED).order_by(
        "submitted_at", "pk"
    )
    # Each section is paginated on its own parameter; its page links keep the others'.
    to_do = paginate(request, to_do, "page_a_faire")
    in_progress = paginate(request, in_progress, "page_en_cours")
    awaiting_review = paginate(request, awaiting_review, "page_transmis")
    awaiting_level = None
    if policy.can(user, "diagnostic.set_level"):
        awaiting_level = paginate(
            request,
            households.filter(
                Q(status=Status.AWAITING_LEVEL)
                | Q(status=Status.DIAGNOSTIC, diagnostic_level__isnull=True)
            )
            .select_related("referent")
            .prefetch_related(members)
            .order_by("status_changed_at", "pk"),
            "page_niveau",
        )
    shown = [*(awaiting_level or []), *to_do]
    shown += [diagnostic.household for diagnostic in [*in_progress, *awaiting_review]]
    log_households(request, shown, "Liste des diagnostics")
    return render(
        request,
        "diagnostics/list.html",
        {
            "to_do": to_do,
            "in_progress": in_progress,
            "awaiting_review": awaiting_review,
            "awaiting_level": awaiting_level,
            "now": timezone.now(),
            "can_start": policy.can(user, "diagnostic.change"),
        },
    )


# --- the confidential detail (CCAS) ---------------------------------------------------
@policy.action_required("diagnostic.view_detail")
def detail(request, pk):
    diagnostic = get_object_or_404(_detail_qs(request.user).prefetch_related(MEMBERS), pk=pk)
    log(request, Action.VIEW, diagnostic, label=f"Diagnostic v{diagnostic.number} (détail)")
    user = request.user
    household = diagnostic.household
    return render(
        request,
        "diagnostics/detail.html",
        {
            "diagnostic": diagnostic,
            "household": household,
            "budget": diagnostic.budget(),
            "checklist": diagnostic.checklist(),
            "versions": household.diagnostics.order_by("-number", "-pk"),
            "events": diagnostic.events.select_related("by"),
            "can_change": diagnostic.is_draft and policy.can(user, "diagnostic.change", household),
            "can_reopen": not diagnostic.is_draft
            and diagnostic.is_current
            and policy.can(user, "diagnostic.change", household),
            "can_review": diagnostic.status == DiagnosticStatus.SUBMITTED
            and policy.can(user, "diagnostic.review", household),
            "sections": describe(diagnostic),
        },
    )


@policy.action_required("diagnostic.view_detail")
def compare_versions(request, pk):
    diagnostic = get_object_or_404(_detail_qs(request.user), pk=pk)
    previous = diagnostic.previous
    if previous is None:
        raise Http404("Pas de version précédente.")
    log(
        request,
        Action.VIEW,
        diagnostic,
        label=f"Diagnostic v{previous.number} / v{diagnostic.number} (comparaison)",
    )
    sections = compare(previous, diagnostic)
    return render(
        request,
        "diagnostics/compare.html",
        {
            "diagnostic": diagnostic,
            "previous": previous,
            "sections": sections,
            "changed": sum(s["changed"] for s in sections),
        },
    )


@policy.action_required("diagnostic.view_detail")
def social_report(request, pk):
    """The CODESI social report: never served from MEDIA_ROOT, only here after the policy."""
    diagnostic = get_object_or_404(_detail_qs(request.user), pk=pk)
    if not diagnostic.social_report:
        raise Http404("Aucun rapport joint.")
    log(request, Action.VIEW, diagnostic, label="Rapport social CODESI (consultation)")
    suffix = "." + diagnostic.social_report.name.rsplit(".", 1)[-1].lower()
    return private_file_response(
        diagnostic.social_report, f"rapport-codesi-{diagnostic.household.reference}{suffix}"
    )


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
        diagnostic.save_draft(
            form.cleaned_data["version"], form.model_field_names() + ["adult_employment"]
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
    return _method_response(request, diagnostic, f"Étape enregistrée : {step}.")


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


@policy.action_required("diagnostic.set_level")
def set_level(request, household_pk):
    household = get_object_or_404(
        Household.objects.visible_to(request.user, "diagnostic.set_level").prefetch_related(
            "members"
        ),
        pk=household_pk,
    )
    form = SetLevelForm(
        request.POST or None,
        initial={"level": household.diagnostic_level or household.suggested_diagnostic_level},
    )
    if request.method == "POST" and form.is_valid():
        level = form.cleaned_data["level"]
        set_diagnostic_level(household, level, by=request.user, reason=form.cleaned_data["reason"])
        log(request, Action.UPDATE, household, label=f"Niveau de diagnostic fixé : {level}")
        messages.success(
            request, f"Niveau {level} enregistré pour le dossier {household.reference}."
        )
        return redirect("diagnostics:list")
    # The page names the household (also when a post is refused): a read of its file.
    log(request, Action.VIEW, household, label="Niveau de diagnostic (saisie)")
    return render(
        request,
        "diagnostics/set_level.html",
        {"household": household, "form": form, "methods": LEVEL_METHODS},
        status=400 if form.is_bound else 200,
    )


# --- the synthesis (cellule, Caen habitat, CCAS) ------------------------------------------
@policy.action_required("diagnostic.view_synthesis")
def synthesis(request, pk):
    diagnostic = get_object_or_404(_synthesis_qs(request.user).prefetch_related(MEMBERS), pk=pk)
    log(request, Action.VIEW, diagnostic, label=f"Diagnostic v{diagnostic.number} (synthèse)")
    return render(
        request,
        "diagnostics/synthesis.html",
        {
            "diagnostic": diagnostic,
            "synthesis": diagnostic.synthesis(),
            "can_detail": policy.can(request.user, "diagnostic.view_detail", diagnostic.household),
        },
    )


@policy.action_required("diagnostic.view_synthesis")
def synthesis_pdf(request, pk):
    diagnostic = get_object_or_404(_synthesis_qs(request.user).prefetch_related(MEMBERS), pk=pk)
    data = diagnostic.synthesis()
    pdf = render_pdf(
        "diagnostics/synthesis_pdf.html",
        {"synthesis": data, "printed_at": timezone.now()},
        request=request,
    )
    log(request, Action.EXPORT, diagnostic, label=f"Synthèse v{diagnostic.number} (PDF)")
    return pdf_response(pdf, f"synthese-{data['reference']}-v{data['number']}.pdf")
