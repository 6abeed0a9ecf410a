from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.forms import add_errors, flash_errors

from ..forms import DecisionForm, GlideForm, RehousingForm, SignForm, WishForm
from ..matching import matches_for
from ..models import (
    REHOUSABLE_STATUSES,
    DocumentKind,
    DocumentStatus,
    Dwelling,
    DwellingProposal,
    HousingWish,
    ProposalStatus,
    Rehousing,
    Solution,
    latest_by_kind,
)
from .base import MATCHES_SHOWN, _household, can_manage_document, can_see_identity

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
@submitted_once
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
@submitted_once
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
