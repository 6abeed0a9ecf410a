from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import action_required
from audit.models import Action, log
from audit.once import submitted_once
from households.models import Household

from ..enums import PartnerCategory
from ..forms import (
    OrientationForm,
    OrientationOutcomeForm,
    PartnerContactForm,
    PartnerForm,
)
from ..models import (
    Orientation,
    Partner,
)


# --- partners and orientations ----------------------------------------------------------------
@action_required("partner.view")
def partner_list(request):
    partners = Partner.objects.prefetch_related("contacts")
    groups = [
        (label, [p for p in partners if p.category == value])
        for value, label in PartnerCategory.choices
    ]
    return render(
        request,
        "coordination/partner_list.html",
        {"groups": groups, "can_change": policy.can(request.user, "partner.change")},
    )


@action_required("partner.change")
@submitted_once
def partner_create(request):
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        partner = form.save()
        log(request, Action.CREATE, partner, label=partner.name[:200])
        messages.success(request, "Partenaire ajouté.")
        return redirect("coordination:partner", pk=partner.pk)
    return render(request, "coordination/partner_form.html", {"form": form})


@action_required("partner.view")
@submitted_once
def partner_detail(request, pk):
    partner = get_object_or_404(Partner, pk=pk)
    can_change = policy.can(request.user, "partner.change")
    form = PartnerContactForm(request.POST or None) if can_change else None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            contact = form.save(commit=False)
            contact.partner = partner
            contact.save()
            log(request, Action.CREATE, contact, label="Contact partenaire")
            messages.success(request, "Contact ajouté.")
            return redirect("coordination:partner", pk=partner.pk)
    return render(
        request,
        "coordination/partner_detail.html",
        {
            "partner": partner,
            "contacts": partner.contacts.all(),
            "form": form,
            "can_change": can_change,
        },
        status=400 if request.method == "POST" else 200,
    )


@action_required("accompaniment.change")
@submitted_once
def orientation_create(request, household_pk):
    household = get_object_or_404(
        Household.objects.visible_to(request.user, "accompaniment.change"), pk=household_pk
    )
    form = OrientationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        orientation = form.save(commit=False)
        orientation.household = household
        orientation.created_by = request.user
        orientation.save()
        log(
            request,
            Action.CREATE,
            orientation,
            household=household,
            label="Orientation vers un partenaire",
        )
        messages.success(request, f"Orientation vers {orientation.partner} enregistrée.")
        return redirect(household.tab_url("orientations"))
    return render(
        request,
        "coordination/orientation_form.html",
        {"form": form, "household": household},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@action_required("accompaniment.change")
def orientation_outcome(request, pk):
    orientation = get_object_or_404(
        Orientation.objects.visible_to(request.user, "accompaniment.change"),
        pk=pk,
    )
    form = OrientationOutcomeForm(request.POST, instance=orientation)
    if form.is_valid():
        orientation.set_outcome(form.cleaned_data["outcome"], form.cleaned_data["outcome_note"])
        log(request, Action.UPDATE, orientation, label="Suite de l'orientation")
        messages.success(request, "Suite de l'orientation enregistrée.")
    else:
        messages.error(request, "Choisissez la suite donnée à l'orientation.")
    return redirect(orientation.household.tab_url("orientations"))
