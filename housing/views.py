from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import Action, log, log_households
from caen_accompagnement.forms import add_errors, flash_errors
from caen_accompagnement.pagination import paginate
from caen_accompagnement.pdf import pdf_response
from caen_accompagnement.uploads import private_file_response
from households.models import Household

from . import imports
from .filters import DwellingFilter
from .forms import DecisionForm, GlideForm, ImportForm, RehousingForm, SignForm, WishForm
from .matching import matches_for
from .models import (
    REHOUSABLE_STATUSES,
    AgreementDocument,
    DocumentKind,
    DocumentStatus,
    Dwelling,
    DwellingImport,
    DwellingProposal,
    HousingWish,
    ProposalStatus,
    Rehousing,
    Solution,
    latest_by_kind,
)

MATCHES_SHOWN = 30


def _household(request, pk, action="housing.view"):
    """The household, if `user` may `action` it; 404 otherwise (existence must not leak)."""
    return get_object_or_404(
        Household.objects.visible_to(request.user, action).prefetch_related("members"), pk=pk
    )


def can_see_identity(user, household) -> bool:
    """Names are the "identity" row of docs/access.md (household.view), narrower than
    housing.view for the debt and tenancy officers: they read every pathway, but see the names
    (and the documents, which name every member) of their own tenants only."""
    return policy.can(user, "household.view", household)


def can_manage_document(user, kind, household) -> bool:
    """The convention is Caen habitat's (housing.change); the contract of accompaniment is also
    the CCAS's business (accompaniment.change: the référent, the manager)."""
    if policy.can(user, "housing.change", household):
        return True
    return kind == DocumentKind.CONTRACT and policy.can(user, "accompaniment.change", household)


# --- stock --------------------------------------------------------------------------------


@policy.action_required("housing.view")
def dwelling_list(request):
    queryset = Dwelling.objects.with_open_proposal().order_by("available_from", "reference")
    dwelling_filter = DwellingFilter(request.GET or None, queryset=queryset)
    page = paginate(request, dwelling_filter.qs, per_page=50)
    return render(
        request,
        "housing/dwelling_list.html",
        {
            "filter": dwelling_filter,
            "page_obj": page,
            "dwellings": page.object_list,
            "total": Dwelling.objects.count(),
            "can_change": policy.can(request.user, "housing.change"),
        },
    )


@policy.action_required("housing.change")
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


# --- a household's pathway ----------------------------------------------------------------


def _pathway_page(request, household, status=200, **forms):
    can_change = policy.can(request.user, "housing.change", household)
    pending = [p for p in household.dwelling_proposals.all() if p.status == ProposalStatus.PENDING]
    sliding = [
        r
        for r in household.rehousings.all()
        if r.solution == Solution.SLIDING_LEASE and not r.glided_on
    ]
    context = {
        "household": household,
        "on_pathway_page": True,
        "show_identity": can_see_identity(request.user, household),
        "can_change": can_change,
        "can_contract": can_manage_document(request.user, DocumentKind.CONTRACT, household),
        "decision_forms": [
            (p, forms.get(f"decision_{p.pk}") or DecisionForm(prefix=f"p{p.pk}")) for p in pending
        ],
        "rehousing_form": forms.get("rehousing_form") or RehousingForm(household=household),
        "glide_forms": [
            (r, forms.get(f"glide_{r.pk}") or GlideForm(prefix=f"g{r.pk}")) for r in sliding
        ],
        # Only the latest version of each document can be signed.
        "sign_forms": [
            (doc, forms.get(f"sign_{doc.pk}") or SignForm(prefix=f"s{doc.pk}"))
            for doc in latest_by_kind(household.agreement_documents.order_by("kind")).values()
            if doc.status == DocumentStatus.GENERATED
            and can_manage_document(request.user, doc.kind, household)
        ],
        "errors": forms.get("errors", []),
    }
    return render(request, "housing/pathway.html", context, status=status)


def pathway(request, pk):
    household = _household(request, pk)
    log(request, Action.VIEW, household, label="Parcours logement")
    return _pathway_page(request, household)


def _matching_page(request, household, wish_form=None, status=200):
    dwellings = Dwelling.objects.available()
    data = matches_for(household, dwellings)
    if wish_form is None:
        wishes = data["wishes"]  # the household's recorded wishes, already read
        wish_form = WishForm(
            initial={
                "quartiers": wishes.quartiers,
                "max_floor": wishes.max_floor,
                "needs_lift": wishes.needs_lift,
            }
        )
    return render(
        request,
        "housing/matching.html",
        {
            "household": household,
            "matches": data["matches"][:MATCHES_SHOWN],
            "match_count": len(data["matches"]),
            "persons": data["persons"],
            "wishes": data["wishes"],
            "has_budget": data["inputs"] is not None,
            "rehousable": household.status in REHOUSABLE_STATUSES,
            "diagnostic": data["diagnostic"],
            "wish_form": wish_form,
            "open_proposals": household.dwelling_proposals.filter(
                status=ProposalStatus.PENDING
            ).select_related("dwelling"),
        },
        status=status,
    )


@policy.action_required("housing.change")
def matching(request, pk):
    household = _household(request, pk, "housing.change")
    log(request, Action.VIEW, household, label="Rapprochement offre / demande")
    return _matching_page(request, household)


@require_POST
@policy.action_required("housing.change")
def wishes(request, pk):
    household = _household(request, pk, "housing.change")
    form = WishForm(request.POST)
    if not form.is_valid():
        # The page again, with what was typed and the errors next to their fields.
        return _matching_page(request, household, wish_form=form, status=400)
    HousingWish.objects.update_or_create(
        household=household,
        defaults={
            "quartiers": form.cleaned_data["quartiers"],
            "max_floor": form.cleaned_data["max_floor"],
            "needs_lift": form.cleaned_data["needs_lift"],
            "updated_by": request.user,
            "updated_at": timezone.now(),
        },
    )
    log(request, Action.UPDATE, household, label="Souhaits de logement")
    messages.success(request, "Souhaits de logement enregistrés.")
    return redirect("housing:matching", pk=household.pk)


@require_POST
@policy.action_required("housing.change")
def propose(request, pk, dwelling_pk):
    household = _household(request, pk, "housing.change")
    dwelling = get_object_or_404(Dwelling.objects.with_open_proposal(), pk=dwelling_pk)
    data = matches_for(household, [dwelling])
    figures = data["matches"][0].figures() if data["matches"] else {}
    try:
        proposal = dwelling.propose_to(household, by=request.user, figures=figures)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("housing:matching", pk=household.pk)
    log(request, Action.CREATE, proposal, label=f"Proposition du logement {dwelling.reference}")
    messages.success(request, f"Logement {dwelling.reference} proposé au ménage.")
    return redirect("housing:pathway", pk=household.pk)


@require_POST
@policy.action_required("housing.change")
def proposal_decide(request, pk):
    proposal = get_object_or_404(
        DwellingProposal.objects.visible_to(request.user, "housing.change").select_related(
            "household", "dwelling"
        ),
        pk=pk,
    )
    household = _household(request, proposal.household_id, "housing.change")
    form = DecisionForm(request.POST, prefix=f"p{proposal.pk}")
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == ProposalStatus.ACCEPTED:
                proposal.accept(by=request.user)
                label = "Proposition acceptée"
            else:
                proposal.refuse(by=request.user, reason=form.cleaned_data["refusal_reason"])
                label = "Proposition refusée"
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, proposal, label=label)
            messages.success(request, f"{label} ({proposal.dwelling.reference}).")
            return redirect("housing:pathway", pk=household.pk)
    return _pathway_page(request, household, status=422, **{f"decision_{proposal.pk}": form})


@require_POST
@policy.action_required("housing.change")
def rehousing_create(request, pk):
    household = _household(request, pk, "housing.change")
    form = RehousingForm(request.POST, household=household)
    if form.is_valid():
        try:
            rehousing = Rehousing.record(
                household=household, by=request.user, **form.record_fields()
            )
        except ValidationError as exc:
            add_errors(form, exc, {"dwelling": "dwelling_reference"})
        else:
            log(
                request,
                Action.CREATE,
                rehousing,
                label=f"Relogement : {rehousing.get_solution_display()}",
            )
            messages.success(
                request, f"Relogement enregistré : {rehousing.get_solution_display()}."
            )
            return redirect("housing:pathway", pk=household.pk)
    return _pathway_page(request, household, status=422, rehousing_form=form)


@require_POST
@policy.action_required("housing.change")
def glide(request, pk):
    rehousing = get_object_or_404(
        Rehousing.objects.visible_to(request.user, "housing.change"), pk=pk
    )
    household = _household(request, rehousing.household_id, "housing.change")
    form = GlideForm(request.POST, prefix=f"g{rehousing.pk}")
    if form.is_valid():
        try:
            rehousing.record_glide(on=form.cleaned_data["glided_on"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, rehousing, label="Glissement du bail")
            messages.success(request, "Glissement du bail enregistré.")
            return redirect("housing:pathway", pk=household.pk)
    return _pathway_page(request, household, status=422, **{f"glide_{rehousing.pk}": form})


# --- documents ----------------------------------------------------------------------------


@require_POST
def document_generate(request, pk, kind):
    if kind not in DocumentKind.values:
        raise Http404
    household = _household(request, pk)
    if not can_manage_document(request.user, kind, household):
        raise PermissionDenied("Vous ne pouvez pas générer ce document.")
    try:
        document = AgreementDocument.generate(household, kind, by=request.user, request=request)
    except ValidationError as exc:
        return _pathway_page(request, household, status=422, errors=exc.messages)
    log(request, Action.CREATE, document, label=f"{document.get_kind_display()} v{document.number}")
    # "version" is the subject: the contract is masculine, the convention feminine.
    messages.success(request, f"{document.get_kind_display()} : version {document.number} générée.")
    return redirect("housing:pathway", pk=household.pk)


def _document(request, pk):
    document = get_object_or_404(
        AgreementDocument.objects.visible_to(request.user).select_related("household"), pk=pk
    )
    # The document names every member: 403 (the pathway page lists it, its existence is known).
    if not can_see_identity(request.user, document.household):
        raise PermissionDenied(
            "Ce document nomme les membres du ménage : il ne vous est pas ouvert."
        )
    return document


def document_download(request, pk):
    document = _document(request, pk)
    log(request, Action.EXPORT, document, label=f"Téléchargement {document.get_kind_display()}")
    with document.pdf.open("rb") as handle:
        return pdf_response(handle.read(), document.filename)


@require_POST
def document_sign(request, pk):
    document = _document(request, pk)
    household = _household(request, document.household_id)
    if not can_manage_document(request.user, document.kind, household):
        raise PermissionDenied("Vous ne pouvez pas enregistrer cette signature.")
    form = SignForm(request.POST, request.FILES, prefix=f"s{document.pk}")
    if form.is_valid():
        try:
            document.mark_signed(
                on=form.cleaned_data["signed_on"], scan=form.cleaned_data["scan"], by=request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, document, label=f"Signature {document.get_kind_display()}")
            messages.success(
                request,
                f"{document.get_kind_display()} : version {document.number} enregistrée "
                "comme signée.",
            )
            return redirect("housing:pathway", pk=household.pk)
    return _pathway_page(request, household, status=422, **{f"sign_{document.pk}": form})


def document_scan(request, pk):
    document = _document(request, pk)
    if not document.signed_scan:
        raise Http404
    log(request, Action.EXPORT, document, label=f"Exemplaire signé {document.get_kind_display()}")
    extension = document.signed_scan.name.rsplit(".", 1)[-1].lower()
    return private_file_response(
        document.signed_scan, f"signe-{document.filename.rsplit('.', 1)[0]}.{extension}"
    )


# --- letting officer's board --------------------------------------------------------------


@policy.action_required("housing.view")
def letting_board(request):
    today = timezone.localdate()
    horizon = today + timedelta(days=90)
    glides = list(
        Rehousing.objects.visible_to(request.user)
        .glides_to_come()
        .filter(planned_glide_date__lte=horizon)
        .select_related("household", "dwelling")
        .prefetch_related("household__members")
    )
    available = Dwelling.objects.available()
    soon = available.filter(available_from__lte=today + timedelta(days=60)).order_by(
        "available_from", "reference"
    )
    by_typology = available.values("typology").annotate(n=Count("pk")).order_by("typology")
    pending = list(
        DwellingProposal.objects.visible_to(request.user)
        .filter(status=ProposalStatus.PENDING)
        .select_related("dwelling", "household")  # the board shows its reference, no names
    )
    log_households(
        request,
        [r.household_id for r in glides] + [p.household_id for p in pending],
        "Glissements et disponibilités",
    )
    return render(
        request,
        "housing/letting_board.html",
        {
            "today": today,
            "glides": glides,
            "soon": soon[:100],
            "soon_count": soon.count(),
            "by_typology": by_typology,
            "pending": pending,
        },
    )
