from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.pagination import paginate
from caen_accompagnement.templatetags.fr_format import format_day, format_euros
from households.enums import Quartier

from .. import imports
from ..filters import DwellingFilter
from ..forms import ImportForm
from ..models import (
    Dwelling,
    DwellingImport,
)

# --- stock --------------------------------------------------------------------------------


@policy.action_required("housing.view")
def dwelling_list(request):
    queryset = Dwelling.objects.with_open_proposal().order_by("available_from", "reference")
    dwelling_filter = DwellingFilter(request.GET or None, queryset=queryset)
    total = Dwelling.objects.count()
    # Unfiltered, the list holds them all: its paginator is handed the total, not a 2nd COUNT.
    filtered = any(v for name in dwelling_filter.filters for v in request.GET.getlist(name))
    page = paginate(request, dwelling_filter.qs, per_page=50, count=total if not filtered else None)
    return render(
        request,
        "housing/dwelling_list.html",
        {
            "filter": dwelling_filter,
            "page_obj": page,
            "dwellings": page.object_list,
            "rows": _dwelling_rows(page.object_list),
            "total": total,
            "can_change": policy.can(request.user, "housing.change"),
        },
    )


def _dwelling_rows(dwellings):
    """The cells of each row of the stock list, formatted once here rather than by the template
    (50 rows a page, ten cells each, with `|euros`, `|date` and `{% if %}` chains: two thirds of
    the page's rendering; the same choice as the households list, docs/performance.md). The
    labels from the choices once, not `get_quartier_display`, which rebuilds a dict a call."""
    quartiers = dict(Quartier.choices)
    return [
        {
            "reference": d.reference,
            "address": d.address,
            "quartier": quartiers.get(d.quartier, d.quartier),
            "typology": d.typology,
            "kind": "collectif" if d.is_collective else "individuel",
            "floor": "RDC" if d.floor == 0 else str(d.floor),
            "lift": d.has_lift,
            "rent": format_euros(d.rent),
            "charges": format_euros(d.charges),
            "available_from": format_day(d.available_from) or "—",
            "landlord": d.landlord,
            "state": "Loué" if d.is_let else "Proposé" if d.has_open_proposal else "Disponible",
        }
        for d in dwellings
    ]


@policy.action_required("housing.change")
@submitted_once
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            preview = imports.preview(form.cleaned_data["file"], by=request.user)
        except imports.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("housing:import_detail", pk=preview.pk)
    recent = DwellingImport.objects.select_related("created_by")[:10]
    return render(request, "housing/import.html", {"form": form, "recent": recent})


@policy.action_required("housing.change")
def import_detail(request, pk):
    dwelling_import = get_object_or_404(DwellingImport, pk=pk)
    rows = dwelling_import.rows
    counts = {
        action: sum(1 for row in rows if row.get("action") == action)
        for action in ("create", "update", "unchanged")
    }
    return render(
        request,
        "housing/import_detail.html",
        {"import": dwelling_import, "rows": rows[:500], "counts": counts},
    )


@require_POST
@policy.action_required("housing.change")
def import_apply(request, pk):
    dwelling_import = get_object_or_404(DwellingImport, pk=pk)
    try:
        applied = imports.apply(dwelling_import)
    except imports.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("housing:import_detail", pk=pk)
    log(
        request,
        Action.IMPORT,
        applied,
        label=f"Import du parc : {applied.created_count} créés, {applied.updated_count} modifiés",
    )
    messages.success(
        request,
        f"Import terminé : {applied.created_count} logement(s) créé(s), "
        f"{applied.updated_count} modifié(s), {applied.unchanged_count} inchangé(s).",
    )
    return redirect("housing:dwelling_list")
