from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.forms import add_errors

from ..forms import (
    AdhesionForm,
    ContactForm,
    ExtensionDecisionForm,
)
from ..models import (
    AdhesionDegree,
    Contact,
    ContactKind,
    PlannedVisit,
)
from ..panels import visits_panel
from .base import _accompaniment


# --- the file of one accompaniment -----------------------------------------------------
@policy.action_required("accompaniment.view")
def detail(request, pk):
    acc = _accompaniment(request, pk)
    user = request.user
    household = acc.household
    can_notes = policy.can(user, "contact.view", household)
    can_signals = policy.can(user, "signal.view", household)  # a social worker: her own only
    contacts = list(acc.contacts.select_related("author")) if can_notes else []
    log(request, Action.VIEW, acc, label="Dossier d'accompagnement")
    if can_notes and contacts:
        # Reading contact notes is logged (docs/access.md); the label carries no note text.
        log(
            request,
            Action.VIEW,
            acc,
            object_type="accompaniments.Contact",
            label=f"Notes de contact ({len(contacts)})",
        )
    today = timezone.localdate()
    return render(
        request,
        "accompaniments/detail.html",
        {
            **visits_panel(user, household, acc),
            "acc": acc,
            "household": household,
            "cadence": acc.cadence(today) if acc.is_active else None,
            "compliance": acc.compliance(today),
            "objectives": list(acc.objectives.all()),
            "contacts": contacts,
            "can_notes": can_notes,
            "events": list(acc.events.select_related("by")),
            "extensions": list(acc.extensions.select_related("requested_by", "decided_by")),
            "adhesion": list(acc.adhesion_records.select_related("recorded_by")),
            "interviews": list(acc.interviews.select_related("social_worker", "tenancy_officer")),
            "signals": list(household.signals.select_related("created_by")) if can_signals else [],
            "can_signals": can_signals,
            "schedule": acc.survey_schedule(),
            "can_change": acc.is_active and policy.can(user, "accompaniment.change", household),
            "can_contact": acc.is_active and policy.can(user, "contact.change", household),
            "can_approve": policy.can(user, "accompaniment.approve", household),
            "can_assign": acc.is_active
            and policy.can(user, "household.assign_referent", household),
            "can_survey": policy.can(user, "accompaniment.change", household),
            "can_adhesion_loss": policy.can(user, "signal.create_adhesion_loss", household),
            "decision_form": ExtensionDecisionForm(),
            "today": today,
        },
    )


# --- contacts ----------------------------------------------------------------------------
@policy.action_required("contact.change")
@submitted_once
def contact_create(request, pk):
    """The short form used at the door. A browser-side draft (contact_draft.js) keeps what is
    typed, its one-time key too, until the server confirms: a retried post saves once."""
    acc = _accompaniment(request, pk, "contact.change")
    if not acc.is_active:
        messages.error(request, "Cet accompagnement est clôturé.")
        return redirect(acc)
    draft_key = f"contact-{acc.pk}"
    last = acc.contacts.order_by("-at").first()
    last_axes = last.axes if last else [o.axis for o in acc.objectives.all()]
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {
        "kind": ContactKind.HOME_VISIT,
        "at": now,
        "duration_minutes": 45,
        "axes": last_axes,
    }
    form = ContactForm(request.POST or None, initial=initial, instance=Contact(accompaniment=acc))
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.author = request.user
        contact.save()
        PlannedVisit.attach(contact, by=request.user)  # the appointment it was, if any
        log(
            request,
            Action.CREATE,
            contact,
            household=acc.household,
            label=contact.get_kind_display(),
        )
        messages.success(
            request,
            f"Contact enregistré pour {acc.household.reference} ({acc.household.display_name}).",
        )
        return redirect(f"{reverse('accompaniments:caseload')}?brouillon_enregistre={draft_key}")
    return render(
        request,
        "accompaniments/contact_form.html",
        {
            "acc": acc,
            "household": acc.household,
            "form": form,
            "draft_key": draft_key,
            "cadence": acc.cadence(),
        },
    )


@policy.action_required("accompaniment.change")
@submitted_once
def adhesion(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    if not acc.is_active:
        messages.error(request, "Cet accompagnement est clôturé.")
        return redirect(acc)
    today = timezone.localdate()
    form = AdhesionForm(request.POST or None, initial={"month": today.replace(day=1)})
    if request.method == "POST" and form.is_valid():
        try:
            record = acc.set_adhesion(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, record, household=acc.household, label="Adhésion du mois")
            messages.success(request, "Le degré d'adhésion a été enregistré.")
            if record.degree == AdhesionDegree.BROKEN:
                messages.warning(
                    request,
                    "Adhésion rompue : signalez la perte d'adhésion pour prévenir Caen habitat "
                    "et inscrire le dossier à la prochaine cellule.",
                )
            return redirect(acc)
    return render(
        request, "accompaniments/form.html", {"acc": acc, "form": form, "title": "Adhésion du mois"}
    )
