"""The dashboard, the households behind a figure, the yearly bilans and the budget.

Aggregates only for every reader; the CCAS roles also get unsuppressed figures and the list of
households behind each number (audit-logged). See docs/reporting.md.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import log_households
from audit.once import submitted_once
from caen_accompagnement.forms import add_errors
from households.models import Household

from . import bilans as bilans_module
from . import snapshots
from .exports import FORMATS, export, filename
from .forms import BilanApproveForm, BudgetForm, ReportFilterForm, check_year, programme_years
from .indicators import TABLES, UNKNOWN_LABEL, Scope, compute, households_behind
from .models import BudgetLine, PublishedBilan, budget_rows
from .periods import Period
from .presentation import decorate


def _reader(user):
    """What kind of reader `user` is for the dashboard's snapshots."""
    return {
        "suppressed": not policy.can(user, "reporting.small_cells"),
        "can_drill": policy.can(user, "reporting.households"),
    }


@policy.action_required("reporting.view")
def dashboard(request):
    """The figures' snapshot (reporting/snapshots.py): one query when it is fresh, else the
    figures computed, rendered and stored."""
    form = ReportFilterForm(request.GET)
    if form.is_bound and not form.is_valid():
        return render(request, "reporting/dashboard.html", {"form": form}, status=400)
    snapshot, figures = snapshots.current(form.scope(), **_reader(request.user))
    return render(
        request,
        "reporting/dashboard.html",
        {
            "form": form,
            "snapshot": snapshot,
            "figures": figures,  # None when the snapshot was served: nothing was computed
            "snapshot_minutes": max(1, settings.DASHBOARD_SNAPSHOT_SECONDS // 60),
        },
    )


@require_POST
@policy.action_required("reporting.view")
@submitted_once
def dashboard_refresh(request):
    """« Actualiser les chiffres »: the snapshot of these filters computed again now."""
    form = ReportFilterForm(request.GET)
    if form.is_bound and not form.is_valid():
        return render(request, "reporting/dashboard.html", {"form": form}, status=400)
    scope = form.scope()
    snapshots.compute_and_store(scope, **_reader(request.user))
    messages.success(request, "Chiffres recalculés.")
    return redirect(reverse("reporting:dashboard") + "?" + snapshots.scope_key(scope))


@policy.action_required("reporting.households")
def households(request):
    """The households a number of the dashboard counts (CCAS only, each one logged)."""
    form = ReportFilterForm(request.GET)
    table_key, row_key = request.GET.get("tableau", ""), request.GET.get("ligne", "")
    table = TABLES.get(table_key)
    if (form.is_bound and not form.is_valid()) or table is None:
        return render(
            request,
            "reporting/households.html",
            {"error": "Ce chiffre n'existe pas : revenez au tableau de bord."},
            status=400,
        )
    scope = form.scope()
    ids = households_behind(table_key, row_key, scope)
    rows = list(
        Household.objects.visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("referent")
        .with_members_and_sources()
        .order_by("pk")
    )
    label = dict(table.choices).get(row_key, UNKNOWN_LABEL)
    log_households(request, rows, f"Tableau de bord : {table.title} — {label}")
    return render(
        request,
        "reporting/households.html",
        {
            "households": rows,
            "table": table,
            "row_label": label,
            "period": scope.period,
            "back": reverse("reporting:dashboard") + "?" + request.GET.urlencode(),
        },
    )


# --- yearly bilans -----------------------------------------------------------------------
def _year_or_400(request, year):
    problem = check_year(year)
    if problem:
        return render(request, "reporting/bilan_error.html", {"error": problem}, status=400)
    return None


@policy.action_required("reporting.view")
def bilans(request):
    published = {}
    for bilan in PublishedBilan.objects.select_related("meeting").order_by("year", "version"):
        published.setdefault(bilan.year, []).append(bilan)
    years = [(year, published.get(year, [])) for year in reversed(programme_years())]
    return render(request, "reporting/bilans.html", {"years": years, "formats": FORMATS})


@policy.action_required("reporting.view")
def bilan_year(request, year, approve_form=None):
    refused = _year_or_400(request, year)
    if refused:
        return refused
    user = request.user
    versions = list(PublishedBilan.objects.of_year(year).select_related("meeting", "approved_by"))
    current = bilans_module.for_reader(bilans_module.live(year), user)
    shown = [bilans_module.for_reader(bilans_module.frozen(v), user) for v in versions]
    comparisons = [
        (versions[i - 1], versions[i], bilans_module.differences(shown[i - 1], shown[i]))
        for i in range(1, len(versions))
    ]
    since_last = bilans_module.differences(shown[-1], current) if versions else None
    can_approve = policy.can(user, "bilan.approve")
    if can_approve and approve_form is None:
        approve_form = BilanApproveForm(initial={"meeting": request.GET.get("comite")})
    return render(
        request,
        "reporting/bilan_year.html",
        {
            "year": year,
            "versions": versions,
            "comparisons": comparisons,
            "since_last": since_last,
            "figures": decorate(current),
            "approve_form": approve_form if can_approve else None,
            "formats": FORMATS,
        },
        status=400 if approve_form is not None and approve_form.errors else 200,
    )


def _download(figures, fmt):
    response = HttpResponse(export(figures, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename(figures, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response


@policy.action_required("reporting.view")
def bilan_download(request, year, fmt):
    if fmt not in FORMATS:
        raise Http404
    refused = _year_or_400(request, year)
    if refused:
        return refused
    return _download(bilans_module.for_reader(bilans_module.live(year), request.user), fmt)


@policy.action_required("reporting.view")
def published_download(request, year, version, fmt):
    if fmt not in FORMATS:
        raise Http404
    published = get_object_or_404(
        PublishedBilan.objects.select_related("meeting"), year=year, version=version
    )
    figures = bilans_module.for_reader(bilans_module.frozen(published), request.user)
    return _download(figures, fmt)


@require_POST
@policy.action_required("bilan.approve")
def bilan_publish(request, year):
    refused = _year_or_400(request, year)
    if refused:
        return refused
    form = BilanApproveForm(request.POST)
    if not form.is_valid():
        return bilan_year(request, year, approve_form=form)
    try:
        published = PublishedBilan.publish(
            year,
            bilans_module.live(year) | {"bilan": None},
            by=request.user,
            meeting=form.cleaned_data["meeting"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return bilan_year(request, year, approve_form=form)
    messages.success(
        request,
        f"Bilan {year} publié (version {published.version}) : ses chiffres sont figés.",
    )
    return redirect("reporting:bilan_year", year=year)


# --- budget (§6) ---------------------------------------------------------------------------
@policy.action_required("reporting.view")
def budget(request):
    try:
        year = int(
            request.GET.get("annee") or request.POST.get("annee") or timezone.localdate().year
        )
    except ValueError:
        year = 0
    refused = _year_or_400(request, year)
    if refused:
        return refused
    can_change = policy.can(request.user, "budget.change")
    rows = budget_rows(year)
    form = BudgetForm(rows=rows) if can_change else None
    status = 200
    if request.method == "POST":
        policy.require(request.user, "budget.change")
        form = BudgetForm(request.POST, rows=rows)
        if form.is_valid():
            BudgetLine.record_year(year, form.amounts(), by=request.user)
            messages.success(request, f"Budget {year} enregistré.")
            return redirect(reverse("reporting:budget") + f"?annee={year}")
        status = 400
    figures = bilans_module.for_reader(
        compute(Scope(Period.year(year)), with_previous=False), request.user
    )
    return render(
        request,
        "reporting/budget.html",
        {
            "year": year,
            "years": list(programme_years()),
            "form": form,
            "tables": decorate(figures)["groups"][-1]["tables"],
            "figures": figures,
        },
        status=status,
    )
