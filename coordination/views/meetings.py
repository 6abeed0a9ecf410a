from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import action_required
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement import statements
from caen_accompagnement.forms import add_errors, flash_errors
from caen_accompagnement.hrefs import pk_href
from caen_accompagnement.pagination import paginate
from caen_accompagnement.templatetags.fr_format import format_day

from .. import agenda as agenda_module
from ..actions import eviction_share
from ..enums import ItemKind, MeetingKind
from ..forms import (
    AddMemberForm,
    AttendanceForm,
    ManualItemForm,
    PlanForm,
    StandingMembersForm,
)
from ..models import (
    Meeting,
    StandingMember,
    next_quarter_gap,
)
from .base import _meeting, _minutes_qs


# --- landing page ---------------------------------------------------------------------------
@action_required("minutes.view")
def meeting_list(request):
    user = request.user
    # The approved minutes and the comités: statements built once per user and roles
    # (caen_accompagnement/statements.py); the cellules split at this instant between coming
    # and past are built on each view.
    key = (user.pk, user.is_active, user.roles)
    minutes = statements.rows(
        ("cellule-minutes", *key),
        lambda: (
            _minutes_qs(user)
            .select_related(None)
            .order_by("-meeting__date", "-number")
            .values(
                "pk",
                "number",
                "correction",
                "approved_at",
                meeting_kind=F("meeting__kind"),
                meeting_date=F("meeting__date"),
            )
        ),
    )
    context = {"minutes_rows": _minutes_rows(minutes)}
    if not policy.can(user, "meeting.view"):
        # DDCS / Département: approved minutes and the comités de suivi, nothing of the files.
        context["comites"] = Meeting.objects.comites_visible_to(user).order_by("-date")
        return render(request, "coordination/minutes_list.html", context)
    now = timezone.now()
    meetings = (
        Meeting.objects.visible_to(user)
        .with_item_counts()
        .only("kind", "date", "place", "agenda_published_at", "minutes_approved_at")
    )
    can_plan = policy.can(user, "cellule.convene")
    # Ten a page, the latest first: their counts are computed for the page's ten only.
    past = paginate(request, meetings.cellules().past(now), "page_passees", per_page=10)
    context.update(
        upcoming_rows=_meeting_rows(meetings.cellules().upcoming(now)),
        past=past,
        past_rows=_meeting_rows(past),
        comite_rows=_meeting_rows(
            statements.instances(
                ("cellule-comites", *key), lambda: meetings.comites().order_by("-date")
            )
        ),
        can_plan=can_plan,
        no_cellule_next_quarter=can_plan and next_quarter_gap(now),
        no_comite_this_year=policy.can(user, "meeting.plan")
        and not Meeting.objects.comites().filter(date__year=timezone.localtime(now).year).exists(),
        share=eviction_share() if can_plan else None,
    )
    return render(request, "coordination/list.html", context)


def _meeting_rows(meetings):
    """The cells of each meeting's row, formatted here: the template resolved a chain of
    attributes, a `|date` and a `{% url %}` in each (docs/performance.md). The links are made
    once a table, the time zone read once."""
    zone = timezone.get_current_timezone()
    cellule_href, comite_href = pk_href("coordination:detail"), pk_href("coordination:comite")
    rows = []
    for meeting in meetings:
        local = timezone.localtime(meeting.date, zone)
        if meeting.kind == MeetingKind.COMITE:
            agenda = decisions = "—"
        else:
            decisions = f"{meeting.n_decisions} / {meeting.n_items}"
            if meeting.agenda_published_at:
                agenda = f"Publié ({meeting.n_items} point{pluralize(meeting.n_items)})"
            else:
                agenda = "En préparation"
        approved = meeting.minutes_approved_at
        rows.append(
            {
                # as `get_absolute_url`
                "href": (comite_href if meeting.kind == MeetingKind.COMITE else cellule_href)(
                    meeting.pk
                ),
                "label": Meeting.label_of(meeting.kind, local),
                "time": f"{local:%H:%M}",
                "place": meeting.place,
                "agenda": agenda,
                "decisions": decisions,
                "minutes": f"Approuvé le {format_day(timezone.localtime(approved, zone))}"
                if approved
                else "—",
            }
        )
    return rows


def _minutes_rows(minutes):
    """The approved minutes' rows from their values (`pk`, `number`, `correction`,
    `approved_at`, `meeting_kind`, `meeting_date`: no model built), formatted here (as
    `_meeting_rows`)."""
    href = pk_href("coordination:minutes_download")
    zone = timezone.get_current_timezone()
    rows = []
    for minute in minutes:
        pk, number, correction = minute["pk"], minute["number"], minute["correction"]
        approved_at, kind, date = (
            minute["approved_at"],
            minute["meeting_kind"],
            minute["meeting_date"],
        )
        local = timezone.localtime(date, zone)
        later = f" (version {number})" if number > 1 else ""
        rows.append(
            {
                "meeting": Meeting.label_of(kind, local),
                "number": number,
                "correction": correction,
                "approved": format_day(timezone.localtime(approved_at, zone)),
                "href": href(pk),
                "link": f"Télécharger le compte rendu du {format_day(local)}{later} (PDF)",
            }
        )
    return rows


# --- calendar and members -------------------------------------------------------------------
@action_required("cellule.convene")
@submitted_once
def plan(request):
    form = PlanForm(request.POST or None)
    if not policy.can(request.user, "meeting.plan"):
        # Caen habitat convenes the cellule; the comité de suivi is planned by the CCAS.
        form.fields["kind"].choices = [(MeetingKind.CELLULE, MeetingKind.CELLULE.label)]
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
    return render(
        request,
        "coordination/plan.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@action_required("cellule.convene")
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
@action_required("cellule.convene")
def member_add(request, pk):
    meeting = _meeting(request, pk)
    form = AddMemberForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            meeting.add_member(form.cleaned_data["user"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            log(request, Action.UPDATE, meeting, label="Membre ajouté")
            messages.success(request, "Membre ajouté à la réunion.")
    else:
        messages.error(request, "Choisissez une personne pouvant siéger en cellule.")
    return redirect(meeting)


@require_POST
@action_required("cellule.convene")
def member_remove(request, pk, user_pk):
    meeting = _meeting(request, pk)
    user = get_object_or_404(meeting.members, pk=user_pk)
    try:
        meeting.remove_member(user)
    except ValidationError as exc:
        flash_errors(request, exc)
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
            flash_errors(request, exc)
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
    can_plan = policy.can(user, "cellule.convene")
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


@action_required("cellule.convene")
def agenda(request, pk):
    return _render_agenda(request, _meeting(request, pk))


@require_POST
@action_required("cellule.convene")
@submitted_once
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
        flash_errors(request, exc)
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
@action_required("cellule.convene")
@submitted_once
def agenda_manual(request, pk):
    meeting = _meeting(request, pk)
    form = ManualItemForm(request.POST)
    if form.is_valid():
        try:
            item = meeting.add_item(
                kind=ItemKind.MANUAL, title=form.cleaned_data["title"], by=request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.CREATE, item, label="Point ajouté à l'ordre du jour")
            messages.success(request, "Point ajouté.")
            return redirect("coordination:agenda", pk=meeting.pk)
    return _render_agenda(request, meeting, form)


@require_POST
@action_required("cellule.convene")
def agenda_remove(request, pk, item_pk):
    meeting = _meeting(request, pk)
    item = get_object_or_404(meeting.items, pk=item_pk)
    try:
        meeting.remove_item(item)
    except ValidationError as exc:
        flash_errors(request, exc)
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
@action_required("cellule.convene")
def publish(request, pk):
    meeting = _meeting(request, pk)
    # Items whose household was decided elsewhere since they were added drop out.
    stale = [i for i in meeting.items.for_display() if not i.still_open()]
    try:
        for item in stale:
            meeting.remove_item(item)
        meeting.publish_agenda(by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("coordination:agenda", pk=meeting.pk)
    log(request, Action.UPDATE, meeting, label="Ordre du jour publié")
    messages.success(
        request,
        "Ordre du jour publié : les membres ont accès aux synthèses et sont prévenus par courriel.",
    )
    return redirect(meeting)
