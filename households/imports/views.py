"""Web import of a priority list: upload → analysis → preview → confirm (or cancel).

The upload stores the file in an `ImportBatch` and asks for its analysis; the confirmation
recomputes the plan against the database of that moment and writes it all at once. Both are
jobs (households/imports/jobs.py): within the request for a small file, in the background
for a larger one, the batch's page then showing a progress bar it polls every second.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import log_households
from audit.once import submitted_once
from households.enums import Source
from households.models import ImportBatch

from . import jobs
from .forms import ImportForm
from .plan import CREATE, MERGE, SHOWN, UNCHANGED, UPDATE
from .rows import COMMON_COLUMNS, DEBT_COLUMNS, REQUIRED_COLUMNS

IMPORT = "household.import"


def _batches():
    # Every view here requires IMPORT; both roles allowed to import (Service Location, CCAS
    # direction) see every batch.
    return ImportBatch.objects.select_related("uploaded_by")


def _batch(request, pk, *, lock=False):
    """The batch, or None after telling the user it is gone: an unconfirmed preview is deleted
    after IMPORT_PENDING_HOURS, and its tab may still be open. Both import roles see every batch,
    so saying so reveals nothing."""
    batches = _batches()
    if lock:
        batches = batches.select_for_update(of=("self",))
    batch = batches.filter(pk=pk).first()
    if batch is None:
        messages.error(
            request,
            "Cet aperçu d'import n'existe plus : un aperçu non confirmé est supprimé au bout de "
            f"{settings.IMPORT_PENDING_HOURS} heures. Rien n'a été enregistré ; déposez de "
            "nouveau le fichier.",
        )
    return batch


@policy.action_required(IMPORT)
@submitted_once
def upload(request):
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            batch = ImportBatch.objects.create(
                source=form.cleaned_data["source"],
                filename=upload.name[:255],
                content=form.cleaned_data["content"],
                uploaded_by=request.user,
                state=ImportBatch.State.ANALYSING,
            )
            jobs.start(batch, ImportBatch.State.ANALYSING)
            return redirect("households:import_preview", pk=batch.pk)
    else:
        form = ImportForm()
    return render(
        request,
        "households/import_form.html",
        {
            "form": form,
            "recent": _batches()[:10],
            "columns": COMMON_COLUMNS,
            "debt_columns": DEBT_COLUMNS,
            "required": REQUIRED_COLUMNS,
        },
    )


@policy.action_required(IMPORT)
def preview(request, pk):
    """The batch's page: its progress while a job runs, its preview, its result."""
    batch = _batch(request, pk)
    if batch is None:
        return redirect("households:import")
    if batch.state == ImportBatch.State.PENDING and not batch.preview and batch.content:
        # Uploaded before analyses were jobs: analysed now.
        jobs.start(batch, ImportBatch.State.ANALYSING)
        batch.refresh_from_db()
    if batch.running:
        return render(request, "households/import_progress.html", {"batch": batch})
    if batch.state == ImportBatch.State.CONFIRMED:
        households = [
            {**entry, "url": reverse("households:detail", args=[entry["household"]])}
            for entry in batch.summary.get("households", [])
        ]
        return render(
            request,
            "households/import_result.html",
            {"batch": batch, "summary": batch.summary, "households": households},
        )
    context = {"batch": batch, "pending_hours": settings.IMPORT_PENDING_HOURS, "shown": SHOWN}
    if batch.state == ImportBatch.State.PENDING:
        found = batch.preview
        rows = found["rows"]
        context.update(
            found=found,
            counts=found["counts"],
            to_create=rows[CREATE],
            to_merge=rows[MERGE],
            to_update=rows[UPDATE],
            unchanged=rows[UNCHANGED],
        )
        # The preview shows stored households: those the file matches (with their values)
        # and the possible duplicates (name and birth date).
        log_households(request, found["viewed"], "Aperçu d'import")
    return render(request, "households/import_preview.html", context)


@policy.action_required(IMPORT)
def progress(request, pk):
    """The progress bar alone, polled by the batch's page (htmx); once the job is over, the
    page reloads itself (HX-Refresh)."""
    batch = _batches().filter(pk=pk).first()
    if batch is None or not batch.running:
        response = HttpResponse("Terminé.", content_type="text/plain; charset=utf-8")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "households/import_progress_bar.html", {"batch": batch})


@require_POST
@policy.action_required(IMPORT)
def confirm(request, pk):
    batch = _batch(request, pk, lock=True)
    if batch is None:
        return redirect("households:import")
    if batch.state != ImportBatch.State.PENDING or not batch.preview:
        messages.info(request, "Cet import a déjà été confirmé ou annulé.")
        return redirect("households:import_preview", pk=batch.pk)
    jobs.start(batch, ImportBatch.State.CONFIRMING, by=request.user)
    batch.refresh_from_db()
    if batch.state == ImportBatch.State.CONFIRMED:
        counts = batch.summary
        messages.success(
            request,
            f"Import de la liste {Source(batch.source).label} enregistré : "
            f"{counts['created']} ménage(s) créé(s), {counts['merged']} rattaché(s), "
            f"{counts['updated']} mis à jour, {counts['unchanged']} inchangé(s), "
            f"{len(counts['rejected'])} ligne(s) rejetée(s).",
        )
    elif batch.error:
        messages.error(request, batch.error)
    return redirect("households:import_preview", pk=batch.pk)


@require_POST
@policy.action_required(IMPORT)
def cancel(request, pk):
    batch = _batch(request, pk, lock=True)
    if batch is not None and batch.state == ImportBatch.State.PENDING:
        batch.cancel()
        messages.info(request, "Import annulé : rien n'a été enregistré.")
    return redirect("households:import")
