"""Rights of the person and archived files (docs/privacy.md): the personal-data statement, the
access request (everything held on a household: page, PDF, JSON), the information notice
given, and the archive (list, then one file read with a typed reason, the read logged)."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import policy
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.pagination import paginate
from caen_accompagnement.pdf import pdf_response, render_pdf
from households.models import Household

from .forms import ArchiveReasonForm, NoticeForm
from .holdings import as_json, holdings
from .models import ArchiveConsultation, RetentionReport

ACCESS = "household.access_request"
NOTICE = "household.record_notice"
ARCHIVE = policy.ARCHIVE_VIEW


def _household(request, pk, action):
    return get_object_or_404(Household.objects.visible_to(request.user, action), pk=pk)


@login_not_required
@require_GET
def personal_data(request):
    return render(
        request,
        "privacy/personal_data.html",
        {
            "active_years": settings.ACTIVE_RETENTION_YEARS,
            "archive_years": settings.ARCHIVE_RETENTION_YEARS,
            "audit_days": settings.AUDIT_RETENTION_DAYS,
            "import_hours": settings.IMPORT_PENDING_HOURS,
            "dpo_contact": settings.DPO_CONTACT,
        },
    )


# --- access request ---------------------------------------------------------------------
@require_GET
@policy.action_required(ACCESS)
def access_request(request, pk):
    household = _household(request, pk, ACCESS)
    log(request, Action.VIEW, household, label="Droit d'accès : contenu du dossier")
    return render(
        request,
        "privacy/access_request.html",
        {"household": household, "sections": holdings(household)},
    )


def _filename(household, suffix):
    return f"donnees-{household.reference}-{timezone.localdate():%Y%m%d}.{suffix}"


def _exported(request, pk, kind):
    """The household, its export logged (before anything of it leaves)."""
    household = _household(request, pk, ACCESS)
    log(request, Action.EXPORT, household, label=f"Droit d'accès : export {kind}")
    return household


@require_GET
@policy.action_required(ACCESS)
def access_request_pdf(request, pk):
    household = _exported(request, pk, "PDF")
    pdf = render_pdf(
        "privacy/pdf/holdings.html",
        {"household": household, "sections": holdings(household), "now": timezone.now()},
    )
    return pdf_response(pdf, _filename(household, "pdf"))


@require_GET
@policy.action_required(ACCESS)
def access_request_json(request, pk):
    household = _exported(request, pk, "JSON")
    response = HttpResponse(
        json.dumps(as_json(household), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(household, "json")}"'
    response["Cache-Control"] = "no-store"
    return response


# --- information notice ------------------------------------------------------------------
@policy.action_required(NOTICE)
@submitted_once
def record_notice(request, pk):
    household = _household(request, pk, NOTICE)
    form = NoticeForm(request.POST or None, initial={"given_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        notice = household.record_information_notice(
            given_on=form.cleaned_data["given_on"],
            method=form.cleaned_data["method"],
            by=request.user,
        )
        log(request, Action.CREATE, notice, household=household, label="Notice d'information")
        messages.success(request, "La remise de la notice d'information est enregistrée.")
        return redirect(household.tab_url("donnees"))
    return render(
        request,
        "privacy/notice_form.html",
        {"household": household, "form": form, "notices": household.information_notices.all()},
        status=400 if form.is_bound else 200,
    )


# --- archive -----------------------------------------------------------------------------
@require_GET
@policy.action_required(ARCHIVE)
def archive_list(request):
    """References and dates only: no name is shown before a reason is typed."""
    households = Household.objects.visible_to(request.user, ARCHIVE).order_by(
        "-status_changed_at", "-pk"
    )
    return render(
        request,
        "privacy/archive_list.html",
        {
            "page": paginate(request, households),
            "reports": RetentionReport.objects.all()[:10],
            "active_years": settings.ACTIVE_RETENTION_YEARS,
            "archive_years": settings.ARCHIVE_RETENTION_YEARS,
        },
    )


@policy.action_required(ARCHIVE)
def archive_read(request, pk):
    household = _household(request, pk, ARCHIVE)
    form = ArchiveReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ArchiveConsultation.record(household, by=request.user, reason=form.cleaned_data["reason"])
        log(request, Action.VIEW, household, label="Consultation d'un dossier archivé (motivée)")
        return render(
            request,
            "privacy/archive_file.html",
            {"household": household, "sections": holdings(household)},
        )
    return render(
        request,
        "privacy/archive_reason.html",
        {"household": household, "form": form},
        status=400 if form.is_bound else 200,
    )
