from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import action_required
from audit.models import Action, log
from caen_accompagnement.pdf import pdf_response, render_pdf
from caen_accompagnement.uploads import private_file_response
from households.models import Household

from . import agenda as agenda_module
from .actions import (
    check_no_sensitive_words,
    do_record_decision,
    eviction_share,
    submitted_diagnostics,
)
from .enums import ItemKind, MeetingKind, PartnerCategory
from .forms import (
    AddMemberForm,
    AdjustmentForm,
    AdjustmentStatusForm,
    AttendanceForm,
    BilanForm,
    ComiteParticipantForm,
    CorrectionForm,
    DecisionForm,
    ManualItemForm,
    OrientationForm,
    OrientationOutcomeForm,
    PartnerContactForm,
    PartnerForm,
    PlanForm,
    StandingMembersForm,
)
from .models import (
    AgendaItem,
    Meeting,
    Minutes,
    Orientation,
    Partner,
    StandingMember,
    next_quarter_gap,
)


def _errors(exc):
    return " ".join(exc.messages)


def _meeting(request, pk, kind=MeetingKind.CELLULE):
    return get_object_or_404(Meeting.objects.visible_to(request.user).filter(kind=kind), pk=pk)


def _minutes_qs(user):
    """Approved minutes the user may download: all for the DDCS, their meetings for members."""
    qs = Minutes.objects.select_related("meeting", "approved_by")
    if not policy.can(user, "minutes.view"):
        return qs.none()
    if policy.can(user, "meeting.view"):
        return qs.filter(meeting__in=Meeting.objects.visible_to(user))
    return qs


# --- landing page ---------------------------------------------------------------------------
@action_required("minutes.view")
def meeting_list(request):
    user = request.user
    minutes = _minutes_qs(user).order_by("-meeting__date", "-number")
    context = {"minutes": minutes}
    if not policy.can(user, "meeting.view"):
        # DDCS / Département: approved minutes only, nothing of the files.
        return render(request, "coordination/minutes_list.html", context)
    now = timezone.now()
    meetings = Meeting.objects.visible_to(user).annotate(
        n_items=Count("items", distinct=True),
        n_decisions=Count("items__decision", distinct=True),
    )
    can_plan = policy.can(user, "meeting.plan")
    context.update(
        upcoming=meetings.cellules().upcoming(now),
        past=meetings.cellules().past(now),
        comites=meetings.comites().order_by("-date"),
        can_plan=can_plan,
        no_cellule_next_quarter=can_plan and next_quarter_gap(now),
        no_comite_this_year=can_plan
        and not Meeting.objects.comites().filter(date__year=timezone.localtime(now).year).exists(),
        share=eviction_share() if can_plan else None,
    )
    return render(request, "coordination/list.html", context)


# --- calendar and members -------------------------------------------------------------------
@action_required("meeting.plan")
def plan(request):
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        standing = [s.user for s in StandingMember.objects.select_related("user")]
        created = []
        for moment in form.cleaned_data["moments"]:
            meeting = Meeting.objects.create(
                kind=form.cleaned_data["kind"],
                date=moment,
                place=form.cleaned_data["place"],
                created_by=request.user,
            )
            if meeting.kind == MeetingKind.CELLULE:
                meeting.members.set(standing)
            log(request, Action.CREATE, meeting, label=meeting.label)
            created.append(meeting)
        messages.success(
            request,
            f"{len(created)} réunion{'s' if len(created) > 1 else ''} planifiée"
            f"{'s' if len(created) > 1 else ''}.",
        )
        return redirect("coordination:list")
    return render(request, "coordination/plan.html", {"form": form})


@action_required("meeting.plan")
def standing_members(request):
    current = StandingMember.objects.values_list("user", flat=True)
    form = StandingMembersForm(request.POST or None, initial={"users": list(current)})
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["users"])
        StandingMember.objects.exclude(user__in=chosen).delete()
        for user in chosen:
            StandingMember.objects.get_or_create(user=user)
        log(
            request,
            Action.UPDATE,
            object_type="coordination.StandingMember",
            label="Membres permanents",
        )
        messages.success(
            request, "Membres permanents enregistrés (appliqués aux réunions planifiées ensuite)."
        )
        return redirect("coordination:list")
    return render(request, "coordination/standing_members.html", {"form": form})


@require_POST
@action_required("meeting.plan")
def member_add(request, pk):
    meeting = _meeting(request, pk)
    form = AddMemberForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            meeting.add_member(form.cleaned_data["user"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            log(request, Action.UPDATE, meeting, label="Membre ajouté")
            messages.success(request, "Membre ajouté à la réunion.")
    else:
        messages.error(request, "Choisissez une personne pouvant siéger en cellule.")
    return redirect(meeting)


@require_POST
@action_required("meeting.plan")
def member_remove(request, pk, user_pk):
    meeting = _meeting(request, pk)
    user = get_object_or_404(meeting.members, pk=user_pk)
    try:
        meeting.remove_member(user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        log(request, Action.UPDATE, meeting, label="Membre retiré")
        messages.success(request, "Membre retiré de la réunion.")
    return redirect(meeting)


@require_POST
@action_required("meeting.change")
def attendance(request, pk):
    meeting = _meeting(request, pk)
    form = AttendanceForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            meeting.record_attendance(form.cleaned_data["present"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            log(request, Action.UPDATE, meeting, label="Présences")
            messages.success(request, "Présences enregistrées.")
    else:
        messages.error(request, "Seuls les membres de la réunion peuvent être notés présents.")
    return redirect(meeting)


# --- one meeting -----------------------------------------------------------------------------
@action_required("meeting.view")
def detail(request, pk):
    meeting = _meeting(request, pk)
    user = request.user
    can_plan = policy.can(user, "meeting.plan")
    show_items = meeting.is_published or can_plan
    groups = []
    if show_items:
        items = list(meeting.items.for_display())
        for kind in ItemKind:
            group = [i for i in items if i.kind == kind]
            if group:
                groups.append((kind.label, group))
    can_change = policy.can(user, "meeting.change")
    context = {
        "meeting": meeting,
        "groups": groups,
        "show_items": show_items,
        "can_plan": can_plan,
        "can_change": can_change,
        "can_approve": policy.can(user, "minutes.approve"),
        "members": meeting.members.select_related("organisation"),
        "attendee_ids": set(meeting.attendees.values_list("pk", flat=True)),
        "attendance_form": AttendanceForm(meeting=meeting) if can_change else None,
        "member_form": AddMemberForm(meeting=meeting) if can_plan else None,
        "correction_form": CorrectionForm() if can_plan else None,
        "versions": meeting.minutes_versions.select_related("approved_by").prefetch_related(
            "deliveries"
        ),
        "is_past": meeting.date <= timezone.now(),
    }
    return render(request, "coordination/detail.html", context)


def _render_agenda(request, meeting, manual_form=None):
    """The agenda page; after a refused manual item, its form comes back (status 400)."""
    refused = manual_form is not None
    proposals = agenda_module.propose(meeting) if not meeting.is_published else {}
    return render(
        request,
        "coordination/agenda.html",
        {
            "meeting": meeting,
            "groups": [(ItemKind(kind).label, kind, props) for kind, props in proposals.items()],
            "items": list(meeting.items.for_display()),
            "manual_form": manual_form if refused else ManualItemForm(),
            "since": agenda_module.since_date(meeting),
        },
        status=400 if refused else 200,
    )


@action_required("meeting.plan")
def agenda(request, pk):
    return _render_agenda(request, _meeting(request, pk))


@require_POST
@action_required("meeting.plan")
def agenda_add(request, pk):
    meeting = _meeting(request, pk)
    chosen = set(request.POST.getlist("proposal"))
    if not chosen:
        messages.error(request, "Cochez au moins un dossier à inscrire.")
        return redirect("coordination:agenda", pk=meeting.pk)
    added = 0
    try:
        for kind, proposals in agenda_module.propose(meeting).items():
            for proposal in proposals:
                if f"{kind}:{proposal.household.pk}" in chosen:
                    item = meeting.add_item(
                        kind=kind,
                        household=proposal.household,
                        reason=proposal.reason,
                        by=request.user,
                    )
                    log(
                        request,
                        Action.CREATE,
                        item,
                        household=proposal.household,
                        label="Inscription à l'ordre du jour",
                    )
                    added += 1
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("coordination:agenda", pk=meeting.pk)
    if added < len(chosen):
        messages.warning(
            request, "Certains dossiers ne relèvent plus de la cellule et n'ont pas été inscrits."
        )
    messages.success(
        request, f"{added} point{'s' if added > 1 else ''} inscrit{'s' if added > 1 else ''}."
    )
    return redirect("coordination:agenda", pk=meeting.pk)


@require_POST
@action_required("meeting.plan")
def agenda_manual(request, pk):
    meeting = _meeting(request, pk)
    form = ManualItemForm(request.POST)
    if form.is_valid():
        try:
            check_no_sensitive_words(form.cleaned_data["title"], "title")
            item = meeting.add_item(
                kind=ItemKind.MANUAL, title=form.cleaned_data["title"], by=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("title", message)
        else:
            log(request, Action.CREATE, item, label="Point ajouté à l'ordre du jour")
            messages.success(request, "Point ajouté.")
            return redirect("coordination:agenda", pk=meeting.pk)
    return _render_agenda(request, meeting, form)


@require_POST
@action_required("meeting.plan")
def agenda_remove(request, pk, item_pk):
    meeting = _meeting(request, pk)
    item = get_object_or_404(meeting.items, pk=item_pk)
    try:
        meeting.remove_item(item)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        log(
            request,
            Action.DELETE,
            object_type="coordination.AgendaItem",
            household=item.household,
            label="Point retiré",
        )
        messages.success(request, "Point retiré de l'ordre du jour.")
    return redirect("coordination:agenda", pk=meeting.pk)


@require_POST
@action_required("meeting.plan")
def publish(request, pk):
    meeting = _meeting(request, pk)
    # Items whose household was decided elsewhere since they were added drop out.
    stale = [i for i in meeting.items.for_display() if not i.still_open()]
    try:
        for item in stale:
            meeting.remove_item(item)
        meeting.publish_agenda(by=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("coordination:agenda", pk=meeting.pk)
    log(request, Action.UPDATE, meeting, label="Ordre du jour publié")
    messages.success(
        request,
        "Ordre du jour publié : les membres ont accès aux synthèses et sont prévenus par courriel.",
    )
    return redirect(meeting)


# --- pre-read ---------------------------------------------------------------------------------
def _preread_context(request, meeting, action, label):
    """The pre-read pack: the synthesis of each household on the agenda the user may read;
    each file shown is logged with `action` and `label`."""
    if not (meeting.is_published or policy.can(request.user, "meeting.plan")):
        raise PermissionDenied("L'ordre du jour n'est pas encore publié.")
    items = [i for i in meeting.items.for_display() if i.household_id]
    visible = set(
        Household.objects.filter(pk__in=[i.household_id for i in items])
        .filter(policy.household_q(request.user, "diagnostic.view_synthesis"))
        .values_list("pk", flat=True)
    )
    diagnostics = submitted_diagnostics(visible)
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
    pdf = render_pdf("coordination/pdf/preread.html", context, request=request)
    return pdf_response(pdf, f"pre-lecture-cellule-{meeting.local_date:%Y-%m-%d}.pdf")


# --- decisions ------------------------------------------------------------------------------
@action_required("meeting.change")
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
        messages.error(request, _errors(exc))
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
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                form.add_error(None, exc)
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


@require_POST
@action_required("minutes.approve")
def minutes_approve(request, pk):
    meeting = _meeting(request, pk)
    if meeting.is_locked:
        messages.error(
            request,
            "Le compte rendu est déjà approuvé : une correction en fait une nouvelle version.",
        )
        return redirect(meeting)
    try:
        minutes = meeting.approve_minutes(by=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(meeting)
    log(request, Action.UPDATE, minutes, label="Compte rendu approuvé")
    messages.success(
        request, "Compte rendu approuvé et verrouillé ; il est envoyé aux membres et à la DDCS."
    )
    return redirect(meeting)


@require_POST
@action_required("minutes.approve")
def minutes_correct(request, pk):
    meeting = _meeting(request, pk)
    form = CorrectionForm(request.POST)
    if not meeting.is_locked:
        messages.error(request, "Le compte rendu n'est pas encore approuvé.")
        return redirect(meeting)
    if not form.is_valid():
        messages.error(request, "Décrivez la correction apportée au compte rendu.")
        return redirect(meeting)
    try:
        check_no_sensitive_words(form.cleaned_data["correction"], "correction")
        minutes = meeting.approve_minutes(
            by=request.user, correction=form.cleaned_data["correction"]
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(meeting)
    log(request, Action.CREATE, minutes, label=f"Compte rendu corrigé (version {minutes.number})")
    messages.success(request, f"Version {minutes.number} du compte rendu approuvée et envoyée.")
    return redirect(meeting)


@action_required("minutes.view")
def minutes_download(request, minutes_pk):
    minutes = get_object_or_404(_minutes_qs(request.user), pk=minutes_pk)
    log(request, Action.EXPORT, minutes, label=minutes.filename)
    return private_file_response(minutes.pdf, minutes.filename)


# --- comité de suivi ------------------------------------------------------------------------
@action_required("meeting.view")
def comite(request, pk):
    return _render_comite(request, _meeting(request, pk, kind=MeetingKind.COMITE))


def _render_comite(request, meeting, invalid_form=None):
    """The comité page; after a refused form, that form comes back with what was typed and its
    errors next to the fields (status 400), the others empty."""
    can_plan = policy.can(request.user, "meeting.plan")
    forms = {}
    if can_plan:
        forms = {
            "participant_form": ComiteParticipantForm(),
            "adjustment_form": AdjustmentForm(),
            "bilan_form": BilanForm(),
        }
    forms["status_form"] = AdjustmentStatusForm()
    if invalid_form is not None:
        for name, form in forms.items():
            if type(form) is type(invalid_form):
                forms[name] = invalid_form
        problems = []
        for field, errors in invalid_form.errors.items():
            label = invalid_form.fields[field].label if field in invalid_form.fields else ""
            problems.append((f"{label} : " if label else "") + " ".join(errors))
        messages.error(request, "Rien n'a été enregistré. " + " ; ".join(problems))
    return render(
        request,
        "coordination/comite.html",
        {
            "meeting": meeting,
            "participants": meeting.participants.all(),
            "adjustments": meeting.adjustments.all(),
            "can_plan": can_plan,
            **forms,
        },
        status=400 if invalid_form is not None else 200,
    )


@require_POST
@action_required("meeting.plan")
def comite_participant_add(request, pk):
    return _add_to_comite(request, pk, ComiteParticipantForm, "Membre du comité", "Membre ajouté.")


@require_POST
@action_required("meeting.plan")
def adjustment_add(request, pk):
    return _add_to_comite(request, pk, AdjustmentForm, "Ajustement", "Ajustement enregistré.")


def _add_to_comite(request, pk, form_class, label, done):
    meeting = _meeting(request, pk, kind=MeetingKind.COMITE)
    form = form_class(request.POST)
    if not form.is_valid():
        return _render_comite(request, meeting, form)
    row = form.save(commit=False)
    row.meeting = meeting
    row.save()
    log(request, Action.CREATE, row, label=label)
    messages.success(request, done)
    return redirect(meeting)


@require_POST
@action_required("meeting.plan")
def adjustment_status(request, pk, adjustment_pk):
    meeting = _meeting(request, pk, kind=MeetingKind.COMITE)
    adjustment = get_object_or_404(meeting.adjustments, pk=adjustment_pk)
    form = AdjustmentStatusForm(request.POST)
    if form.is_valid():
        adjustment.set_status(form.cleaned_data["status"])
        log(request, Action.UPDATE, adjustment, label="État de l'ajustement")
        messages.success(request, "État de l'ajustement mis à jour.")
    else:
        return _render_comite(request, meeting, form)
    return redirect(meeting)


@require_POST
@action_required("meeting.plan")
def bilan_upload(request, pk):
    meeting = _meeting(request, pk, kind=MeetingKind.COMITE)
    form = BilanForm(request.POST, request.FILES)
    if form.is_valid():
        meeting.attach_bilan(form.cleaned_data["bilan"])
        log(request, Action.IMPORT, meeting, label="Bilan déposé")
        messages.success(request, "Bilan déposé.")
    else:
        return _render_comite(request, meeting, form)
    return redirect(meeting)


@action_required("meeting.view")
def bilan_download(request, pk):
    meeting = _meeting(request, pk, kind=MeetingKind.COMITE)
    if not meeting.bilan:
        raise Http404("Aucun bilan déposé.")
    log(request, Action.EXPORT, meeting, label="Bilan (PDF)")
    return private_file_response(
        meeting.bilan, f"bilan-comite-de-suivi-{meeting.local_date:%Y}.pdf"
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
def partner_create(request):
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        partner = form.save()
        log(request, Action.CREATE, partner, label=partner.name[:200])
        messages.success(request, "Partenaire ajouté.")
        return redirect("coordination:partner", pk=partner.pk)
    return render(request, "coordination/partner_form.html", {"form": form})


@action_required("partner.view")
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
        return redirect(household)
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
        Orientation.objects.filter(
            policy.household_q(request.user, "accompaniment.change", prefix="household__")
        ),
        pk=pk,
    )
    form = OrientationOutcomeForm(request.POST, instance=orientation)
    if form.is_valid():
        orientation.set_outcome(form.cleaned_data["outcome"], form.cleaned_data["outcome_note"])
        log(request, Action.UPDATE, orientation, label="Suite de l'orientation")
        messages.success(request, "Suite de l'orientation enregistrée.")
    else:
        messages.error(request, "Choisissez la suite donnée à l'orientation.")
    return redirect(orientation.household)
