"""Web import of a priority list: upload → preview → confirm (or cancel).

The upload only stores the file in a pending `ImportBatch`; the preview re-reads it and shows
what confirming would do; the confirmation recomputes the plan against the database of that
moment and writes it in the request's transaction.
"""

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import log_households
from audit.once import submitted_once
from households.enums import Source
from households.models import ImportBatch

from .forms import ImportForm
from .plan import CREATE, MERGE, UNCHANGED, UPDATE, build_plan
from .reading import ImportFileError
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
            )
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
    batch = _batch(request, pk)
    if batch is None:
        return redirect("households:import")
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
    context = {"batch": batch, "pending_hours": settings.IMPORT_PENDING_HOURS}
    if batch.state == ImportBatch.State.PENDING:
        try:
            plan = build_plan(bytes(batch.content), batch.filename, batch.source, request.user)
        except ImportFileError as exc:
            context["error"] = str(exc)
        else:
            context.update(
                plan=plan,
                to_create=plan.of(CREATE),
                to_merge=plan.of(MERGE),
                to_update=plan.of(UPDATE),
                unchanged=plan.of(UNCHANGED),
            )
            # The preview shows stored households: those the file matches (with their values)
            # and the possible duplicates (name and birth date).
            log_households(request, plan.stored_households(), "Aperçu d'import")
    return render(request, "households/import_preview.html", context)


@require_POST
@policy.action_required(IMPORT)
def confirm(request, pk):
    batch = _batch(request, pk, lock=True)
    if batch is None:
        return redirect("households:import")
    if batch.state != ImportBatch.State.PENDING:
        messages.info(request, "Cet import a déjà été confirmé ou annulé.")
        return redirect("households:import_preview", pk=batch.pk)
    try:
        plan = build_plan(bytes(batch.content), batch.filename, batch.source, request.user)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("households:import_preview", pk=batch.pk)
    try:
        plan.apply(by=request.user, request=request, batch=batch)
    except IntegrityError:
        # Another import wrote the same households between this plan and its writing; the
        # savepoint of `apply` is rolled back, nothing of this import is kept.
        messages.error(
            request,
            "Un autre import a modifié les mêmes ménages au même moment : rien n'a été "
            "enregistré. Rechargez l'aperçu puis confirmez de nouveau.",
        )
        return redirect("households:import_preview", pk=batch.pk)
    counts = plan.summary()
    messages.success(
        request,
        f"Import de la liste {Source(batch.source).label} enregistré : "
        f"{counts['created']} ménage(s) créé(s), {counts['merged']} rattaché(s), "
        f"{counts['updated']} mis à jour, {counts['unchanged']} inchangé(s), "
        f"{len(counts['rejected'])} ligne(s) rejetée(s).",
    )
    return redirect("households:import_preview", pk=batch.pk)


@require_POST
@policy.action_required(IMPORT)
def cancel(request, pk):
    batch = _batch(request, pk, lock=True)
    if batch is not None and batch.state == ImportBatch.State.PENDING:
        batch.state = ImportBatch.State.CANCELLED
        batch.settled_at = timezone.now()
        batch.content = None
        batch.save(update_fields=["state", "settled_at", "content"])
        messages.info(request, "Import annulé : rien n'a été enregistré.")
    return redirect("households:import")
