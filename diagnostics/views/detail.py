from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts import policy
from audit.models import Action, log
from caen_accompagnement.pdf import pdf_response, render_pdf
from caen_accompagnement.uploads import private_file_response

from ..compare import compare, describe
from ..models import (
    DiagnosticStatus,
)
from .base import MEMBERS, _detail_qs, _synthesis_qs


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
        "diagnostics/synthesis_pdf.html", {"synthesis": data, "printed_at": timezone.now()}
    )
    log(request, Action.EXPORT, diagnostic, label=f"Synthèse v{diagnostic.number} (PDF)")
    return pdf_response(pdf, f"synthese-{data['reference']}-v{data['number']}.pdf")
