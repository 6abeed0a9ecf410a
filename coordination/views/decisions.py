from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accompaniments.models import Accompaniment
from accounts import policy
from accounts.policy import action_required
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.forms import add_errors, flash_errors
from caen_accompagnement.pdf import pdf_response, render_pdf
from caen_accompagnement.uploads import private_file_response
from diagnostics.forms import SetLevelForm
from diagnostics.models import LEVEL_METHODS
from households.models import Household
from households.outbound import check_outbound

from ..actions import (
    do_provisional_level,
    do_record_decision,
    eviction_share,
    submitted_diagnostics,
)
from ..enums import ItemKind
from ..forms import (
    CorrectionForm,
    DecisionForm,
)
from ..models import (
    MINUTES_AUDIENCE,
    AgendaItem,
)
from .base import _meeting, _minutes_qs


# --- pre-read ---------------------------------------------------------------------------------
def _preread_context(request, meeting, action, label):
    """The pre-read pack: the synthesis of each household on the agenda the user may read;
    each file shown is logged with `action` and `label`."""
    if not (meeting.is_published or policy.can(request.user, "cellule.convene")):
        raise PermissionDenied("L'ordre du jour n'est pas encore publié.")
    items = [i for i in meeting.items.for_display() if i.household_id]
    visible = set(
        Household.objects.visible_to(request.user, "diagnostic.view_synthesis")
        .filter(pk__in=[i.household_id for i in items])
        .values_list("pk", flat=True)
    )
    diagnostics = submitted_diagnostics(visible)
    # A finished accompaniment under review: its end bilan, in the synthesis form.
    reviewed = {i.household_id for i in items if i.kind == ItemKind.REVIEW} & visible
    closed = Accompaniment.objects.prefetch_related("objectives").last_closed_by_household(reviewed)
    bilans = {household_id: acc.end_bilan() for household_id, acc in closed.items()}
    files = []
    for item in items:
        if item.household_id not in visible:
            continue
        diagnostic = diagnostics.get(item.household_id)
        files.append(
            {
                "item": item,
                "household": item.household,
                "synthesis": diagnostic.synthesis() if diagnostic is not None else None,
                "end_bilan": bilans.get(item.household_id)
                if item.kind == ItemKind.REVIEW
                else None,
            }
        )
    for entry in files:
        log(request, action, entry["item"], household=entry["household"], label=label)
    return {"meeting": meeting, "files": files}


@action_required("meeting.view")
def preread(request, pk):
    meeting = _meeting(request, pk)
    context = _preread_context(request, meeting, Action.VIEW, "Synthèse (pré-lecture)")
    return render(request, "coordination/preread.html", context)


@action_required("meeting.view")
def preread_pdf(request, pk):
    meeting = _meeting(request, pk)
    context = _preread_context(request, meeting, Action.EXPORT, "Dossier de pré-lecture (PDF)")
    pdf = render_pdf("coordination/pdf/preread.html", context)
    return pdf_response(pdf, f"pre-lecture-cellule-{meeting.local_date:%Y-%m-%d}.pdf")


# --- decisions ------------------------------------------------------------------------------
@action_required("meeting.change")
@submitted_once
def decide(request, pk, item_pk):
    meeting = _meeting(request, pk)
    item = (
        AgendaItem.objects.select_related("household", "meeting")
        .prefetch_related("household__members")
        .filter(pk=item_pk)
        .first()
    )
    if item is None or item.meeting_id != meeting.pk:
        messages.error(request, "Ce point n'est pas à l'ordre du jour de cette réunion.")
        return redirect(meeting)
    if not meeting.is_published:
        messages.error(request, "L'ordre du jour n'est pas encore publié.")
        return redirect(meeting)
    try:
        meeting.check_decisions_open()
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(meeting)
    if item.decided:
        messages.error(request, "Une décision est déjà enregistrée pour ce point.")
        return redirect(meeting)
    form = DecisionForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = do_record_decision(
                item,
                by=request.user,
                outcome=data["outcome"],
                level=data.get("level"),
                reason=data.get("reason", ""),
                cap_override_reason=data.get("cap_override_reason", ""),
                extend_until=data.get("extend_until"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(
                request,
                Action.CREATE,
                decision,
                household=item.household,
                label=f"Décision : {decision.summary}"[:200],
            )
            messages.success(request, f"Décision enregistrée : {decision.summary}.")
            return redirect(meeting)
    share = eviction_share() if item.kind == ItemKind.ADMISSION else None
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "coordination/decide.html",
        {"meeting": meeting, "item": item, "form": form, "share": share},
        status=status,
    )


# --- minutes --------------------------------------------------------------------------------
@action_required("meeting.view")
def minutes_preview(request, pk):
    meeting = _meeting(request, pk)
    if not meeting.is_published:
        raise PermissionDenied("L'ordre du jour n'est pas encore publié.")
    log(request, Action.EXPORT, meeting, label="Projet de compte rendu (PDF)")
    return pdf_response(
        meeting.render_minutes_pdf(),
        f"projet-compte-rendu-{meeting.local_date:%Y-%m-%d}.pdf",
        inline=True,
    )


def _approval_page(request, meeting, *, form=None, correction=None, status=200):
    """What approving would send, to whom: the same partial as the PDF, the same subject and
    body as `send_minutes`, the recipients of `Meeting.minutes_recipients`."""
    preview = None
    if not meeting.is_locked or correction is not None:
        preview = meeting.next_minutes(by=request.user, correction=correction or "")
    context = {
        "meeting": meeting,
        "form": form or CorrectionForm(),
        "preview": preview,
        "recipients": meeting.minutes_recipients(),
    }
    if preview is not None:
        context.update(meeting.minutes_context(correction=preview), embedded=True)
    return render(request, "coordination/minutes_approve.html", context, status=status)


@action_required("minutes.approve")
def minutes_approve(request, pk):
    """GET: the approval page (preview per recipient); POST: approve and send."""
    meeting = _meeting(request, pk)
    if not meeting.is_published:
        messages.error(request, "L'ordre du jour n'a pas été publié.")
        return redirect(meeting)
    if request.method != "POST":
        return _approval_page(request, meeting)
    if meeting.is_locked:
        messages.error(
            request,
            "Le compte rendu est déjà approuvé : une correction en fait une nouvelle version.",
        )
        return redirect("coordination:minutes_approve", pk=meeting.pk)
    try:
        minutes = meeting.approve_minutes(by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(meeting)
    log(request, Action.UPDATE, minutes, label="Compte rendu approuvé")
    messages.success(
        request, "Compte rendu approuvé et verrouillé ; il est envoyé aux membres et à la DDCS."
    )
    return redirect(meeting)


@require_POST
@action_required("minutes.approve")
def minutes_correct(request, pk):
    """A correction is checked, then previewed as sent; `confirm` publishes it. A refused or
    empty correction comes back in its form (status 400)."""
    meeting = _meeting(request, pk)
    if not meeting.is_locked:
        messages.error(request, "Le compte rendu n'est pas encore approuvé.")
        return redirect(meeting)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _approval_page(request, meeting, form=form, status=400)
    correction = form.cleaned_data["correction"]
    try:
        check_outbound(MINUTES_AUDIENCE, correction=correction)
        if not request.POST.get("confirm"):
            return _approval_page(request, meeting, form=form, correction=correction)
        minutes = meeting.approve_minutes(by=request.user, correction=correction)
    except ValidationError as exc:
        add_errors(form, exc)
        return _approval_page(request, meeting, form=form, status=400)
    log(request, Action.CREATE, minutes, label=f"Compte rendu corrigé (version {minutes.number})")
    messages.success(request, f"Version {minutes.number} du compte rendu approuvée et envoyée.")
    return redirect(meeting)


@action_required("minutes.view")
def minutes_download(request, minutes_pk):
    minutes = get_object_or_404(_minutes_qs(request.user), pk=minutes_pk)
    log(request, Action.EXPORT, minutes, label=minutes.filename)
    minutes.ensure_pdf()  # a version approved in a batch (the demo) is rendered now
    return private_file_response(minutes.pdf, minutes.filename)


# --- provisional level between two cellules ---------------------------------------------------
@policy.action_required("diagnostic.set_level")
def provisional_level(request, household_pk):
    """The CCAS manager's provisional level, with its written reason, put on the next cellule's
    agenda for ratification (the level itself is the cellule's, §2.1.1, §3.2.2)."""
    household = get_object_or_404(
        Household.objects.visible_to(request.user, "diagnostic.set_level").prefetch_related(
            "members"
        ),
        pk=household_pk,
    )
    form = SetLevelForm(
        request.POST or None,
        initial={"level": household.diagnostic_level or household.suggested_diagnostic_level},
    )
    if request.method == "POST" and form.is_valid():
        level = form.cleaned_data["level"]
        try:
            meeting = do_provisional_level(
                household, level, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(
                request,
                Action.UPDATE,
                household,
                label=f"Niveau de diagnostic provisoire : {level}",
            )
            where = (
                f"inscrit à l'ordre du jour de la {meeting.label.lower()} pour ratification"
                if meeting
                else "à inscrire à l'ordre du jour de la prochaine cellule (aucune n'est planifiée)"
            )
            messages.success(
                request,
                f"Niveau provisoire {level} enregistré pour {household.reference}, {where}.",
            )
            return redirect("diagnostics:list")
    # The page names the household (also when a post is refused): a read of its file.
    log(request, Action.VIEW, household, label="Niveau de diagnostic (saisie)")
    return render(
        request,
        "diagnostics/set_level.html",
        {"household": household, "form": form, "methods": LEVEL_METHODS},
        status=400 if form.is_bound else 200,
    )
