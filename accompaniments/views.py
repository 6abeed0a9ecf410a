import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.enums import Role
from accounts.models import User
from audit.models import Action, log, log_households
from caen_accompagnement.forms import add_errors
from caen_accompagnement.pagination import paginate
from diagnostics.models import Diagnostic
from households import taxonomy
from households.enums import Status
from households.models import Household, Person
from housing.models import AgreementDocument

from . import cadence as rhythm
from .forms import (
    AcknowledgeForm,
    AdhesionForm,
    AdhesionLossForm,
    CloseForm,
    ContactForm,
    ExtensionDecisionForm,
    ExtensionForm,
    InterviewForm,
    ObjectiveForm,
    PlanForm,
    ReferentForm,
    SignalForm,
    StartForm,
    SurveyForm,
)
from .models import (
    MAX_MONTHS,
    MIN_MONTHS,
    Accompaniment,
    AccompanimentStatus,
    AdhesionDegree,
    Contact,
    ContactKind,
    ExtensionStatus,
    Signal,
    SignalKind,
    Survey,
)


def _members():
    return Prefetch("household__members", queryset=Person.objects.order_by("position", "pk"))


def _accompaniment(request, pk, action="accompaniment.view"):
    """One accompaniment, through the user-scoped QuerySet of `action` (404 outside it)."""
    policy.require(request.user, action)
    qs = Accompaniment.objects.visible_to(request.user, action).select_related(
        "household", "household__referent"
    )
    return get_object_or_404(qs, pk=pk)


# --- caseload --------------------------------------------------------------------------
@policy.action_required("accompaniment.view")
def caseload(request):
    """The référent's households sorted by urgency (the manager: the whole team's)."""
    user = request.user
    today = timezone.localdate()
    is_manager = user.has_role(Role.CCAS_MANAGER)
    qs = (
        Accompaniment.objects.caseload_of(user)
        .with_cadence()
        .select_related("household", "household__referent")
    )
    referents = []
    selected_referent = None
    if is_manager:
        referents = list(User.objects.social_workers())
        selected_referent = request.GET.get("referent", "")
        if selected_referent.isdigit():
            qs = qs.filter(household__referent_id=int(selected_referent))
    rows = sorted(((acc, acc.cadence(today)) for acc in qs), key=lambda row: row[1].sort_key)
    counts = {
        "total": len(rows),
        "overdue": sum(1 for _, c in rows if c.urgency == rhythm.OVERDUE),
        "week": sum(1 for _, c in rows if c.urgency == rhythm.DUE_THIS_WEEK),
    }
    counts["up_to_date"] = counts["total"] - counts["overdue"] - counts["week"]
    # Sorted and counted over the whole caseload above; only the page's rows are shown (and
    # their members loaded), the most urgent first.
    page = paginate(request, rows)
    prefetch_related_objects([acc for acc, _ in page], _members())
    open_signals = list(
        Signal.objects.filter(household__in=qs.values("household"))
        .unacknowledged()
        .exclude(kind=SignalKind.ADHESION_LOSS)
        .select_related("household")
    )
    pending_extensions = []
    if is_manager:
        from .models import Extension

        pending_extensions = list(
            Extension.objects.filter(status=ExtensionStatus.PENDING).select_related(
                "accompaniment__household"
            )
        )
    surveys_due = _surveys_due(user, today, horizon_days=30)
    log_households(
        request,
        [acc.household for acc, _ in page]
        + [signal.household for signal in open_signals]
        + [extension.accompaniment.household for extension in pending_extensions]
        + [survey["accompaniment"].household for survey in surveys_due],
        "Mon suivi",
    )
    return render(
        request,
        "accompaniments/caseload.html",
        {
            "rows": page,
            # The page links keep the référent filter, not the one-shot draft confirmation.
            "querystring": urlencode({"referent": selected_referent}) if selected_referent else "",
            "counts": counts,
            "today": today,
            "is_manager": is_manager,
            "referents": referents,
            "selected_referent": selected_referent,
            "open_signals": open_signals,
            "surveys_due": surveys_due,
            "pending_extensions": pending_extensions,
            "saved_draft": request.GET.get("brouillon_enregistre", ""),
        },
    )


def _surveys_due(user, today, horizon_days=None):
    """Post-autonomy surveys not yet done, with their due date (constant queries)."""
    qs = (
        Accompaniment.objects.closed()
        .filter(household__status=Status.POST_AUTONOMY)
        .visible_to(user, "accompaniment.change")
        .select_related("household", "household__referent")
        .prefetch_related("surveys")  # the pages show file references, not names
    )
    if not user.has_role(Role.CCAS_MANAGER):
        qs = qs.filter(Q(household__referent=user) | Q(household__substitute=user))
    due = []
    for acc in qs:
        nxt = acc.next_survey()
        if nxt is None:
            continue
        n, due_on = nxt
        if horizon_days is None or due_on <= today + timezone.timedelta(days=horizon_days):
            due.append({"accompaniment": acc, "round": n, "due_on": due_on, "late": due_on < today})
    return sorted(due, key=lambda d: d["due_on"])


@policy.action_required("accompaniment.view")
def surveys(request):
    today = timezone.localdate()
    return render(
        request,
        "accompaniments/surveys.html",
        {"due": _surveys_due(request.user, today), "today": today},
    )


# --- start, plan, référent ---------------------------------------------------------------
@policy.action_required("accompaniment.change")
def start(request, household_pk):
    household = get_object_or_404(
        Household.objects.visible_to(request.user, "accompaniment.change"), pk=household_pk
    )
    diagnostic = Diagnostic.objects.filter(household=household).current().first()
    today = timezone.localdate()
    months = (diagnostic.proposed_duration_months if diagnostic else None) or 6
    months = max(MIN_MONTHS, min(MAX_MONTHS, months))
    initial = {
        "start": today,
        "planned_end": rhythm.add_months(today, months),
        "intensity": (diagnostic.intensity if diagnostic else "") or "medium",
        "axes": [
            a for a in (diagnostic.proposed_axes if diagnostic else []) if a in taxonomy.ITEMS
        ],
    }
    form = StartForm(request.POST or None, initial=initial)
    signed = AgreementDocument.objects.both_signed(household)
    if signed or not request.user.has_role(Role.CCAS_MANAGER):
        del form.fields["override_reason"]  # only the manager may start without signatures
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            acc = Accompaniment.begin(
                household,
                by=request.user,
                start=data["start"],
                planned_end=data["planned_end"],
                intensity=data["intensity"],
                objectives=[
                    (axis, f"Travailler : {taxonomy.ITEMS[axis]}") for axis in data["axes"]
                ],
                diagnostic=diagnostic,
                override_reason=data.get("override_reason", ""),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.CREATE, acc, label="Début d'accompagnement")
            messages.success(request, "L'accompagnement a commencé.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/start.html",
        {
            "household": household,
            "form": form,
            "signed": signed,
            "admitted": household.status == Status.ADMITTED,
            "diagnostic": diagnostic,
        },
    )


@policy.action_required("accompaniment.change")
def edit_plan(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    form = PlanForm(
        request.POST or None, initial={"planned_end": acc.planned_end, "intensity": acc.intensity}
    )
    if request.method == "POST" and form.is_valid():
        try:
            acc.change_plan(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, acc, label="Fin prévue / intensité")
            messages.success(request, "L'accompagnement a été modifié.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Modifier l'accompagnement"},
    )


@policy.action_required("household.assign_referent")
def referent_change(request, pk):
    acc = _accompaniment(request, pk, "household.assign_referent")
    form = ReferentForm(request.POST or None, initial={"referent": acc.household.referent_id})
    if request.method == "POST" and form.is_valid():
        try:
            acc.change_referent(
                form.cleaned_data["referent"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, acc.household, label="Changement de référent")
            messages.success(request, "Le référent a été changé.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Changer de référent"},
    )


@policy.action_required("accompaniment.change")
def objective_edit(request, pk, objective_pk=None):
    acc = _accompaniment(request, pk, "accompaniment.change")
    if not acc.is_active:
        messages.error(request, "Cet accompagnement est clôturé : ses objectifs ne changent plus.")
        return redirect(acc)
    objective = get_object_or_404(acc.objectives, pk=objective_pk) if objective_pk else None
    form = ObjectiveForm(request.POST or None, instance=objective)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.accompaniment = acc
        if objective is None:
            item.position = acc.objectives.count()
        item.save()
        log(request, Action.UPDATE if objective else Action.CREATE, item, household=acc.household)
        messages.success(request, "L'objectif a été enregistré.")
        return redirect(acc)
    title = "Modifier l'objectif" if objective else "Ajouter un objectif"
    return render(request, "accompaniments/form.html", {"acc": acc, "form": form, "title": title})


@policy.action_required("accompaniment.change")
def extension_request(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ext = acc.request_extension(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(
                request,
                Action.CREATE,
                ext,
                household=acc.household,
                label="Demande de prolongation",
            )
            messages.success(request, "La demande de prolongation attend l'accord de la direction.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Demander une prolongation au-delà de 12 mois"},
    )


@require_POST
@policy.action_required("accompaniment.approve")
def extension_decide(request, pk, extension_pk):
    acc = _accompaniment(request, pk, "accompaniment.approve")
    ext = get_object_or_404(acc.extensions, pk=extension_pk)
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            ext.decide(
                approve=form.cleaned_data["decision"] == "approve",
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            log(
                request,
                Action.UPDATE,
                ext,
                household=acc.household,
                label="Décision de prolongation",
            )
            messages.success(request, "La décision a été enregistrée.")
    else:
        messages.error(request, "Choisissez une décision.")
    return redirect(acc)


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
        # Reading contact notes is logged (ACCESS.md); the label carries no note text.
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
def contact_create(request, pk):
    """The short form used at the door. A browser-side draft (contact_draft.js) keeps what is
    typed until the server confirms; its client_id makes a retried post save only once."""
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
        "client_id": uuid.uuid4(),
    }
    form = ContactForm(request.POST or None, initial=initial, instance=Contact(accompaniment=acc))
    if request.method == "POST" and form.is_valid():
        client_id = form.cleaned_data.get("client_id")
        existing = (
            Contact.objects.filter(client_id=client_id, accompaniment=acc).first()
            if client_id
            else None
        )
        if existing is None:
            contact = form.save(commit=False)
            contact.author, contact.client_id = request.user, client_id
            contact.save()
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


# --- interview, closure, survey ----------------------------------------------------------
@policy.action_required("accompaniment.change")
def interview_create(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    initial = {
        "held_on": timezone.localdate(),
        "social_worker": acc.household.referent_id,
        "kind": "during" if acc.is_active else "end",
    }
    form = InterviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        interview = form.save(commit=False)
        interview.accompaniment, interview.created_by = acc, request.user
        interview.save()
        log(
            request,
            Action.CREATE,
            interview,
            household=acc.household,
            label="Entretien semi-directif",
        )
        messages.success(request, "L'entretien et son rapport social ont été enregistrés.")
        return redirect("accompaniments:interview_detail", pk=acc.pk, interview_pk=interview.pk)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Entretien semi-directif (rapport social)"},
    )


@policy.action_required("accompaniment.view")
def interview_detail(request, pk, interview_pk):
    acc = _accompaniment(request, pk)
    interview = get_object_or_404(
        acc.interviews.select_related("social_worker", "tenancy_officer"), pk=interview_pk
    )
    log(request, Action.VIEW, interview, household=acc.household, label="Rapport social")
    return render(request, "accompaniments/interview.html", {"acc": acc, "interview": interview})


@policy.action_required("accompaniment.view")
def interview_pdf(request, pk, interview_pk):
    from caen_accompagnement.pdf import pdf_response, render_pdf

    acc = _accompaniment(request, pk)
    interview = get_object_or_404(
        acc.interviews.select_related("social_worker", "tenancy_officer"), pk=interview_pk
    )
    pdf = render_pdf(
        "accompaniments/pdf/social_report.html",
        {"acc": acc, "interview": interview, "objectives": list(acc.objectives.all())},
        request=request,
    )
    log(request, Action.EXPORT, interview, household=acc.household, label="Rapport social (PDF)")
    filename = f"rapport-social-{acc.household.reference}-{interview.held_on:%Y%m%d}.pdf"
    return pdf_response(pdf, filename)


@policy.action_required("accompaniment.change")
def close(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    if not acc.is_active:
        messages.error(request, "Cet accompagnement est déjà clôturé.")
        return redirect(acc)
    objectives = list(acc.objectives.all())
    form = CloseForm(
        request.POST or None, objectives=objectives, initial={"closed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            acc.close(
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["closed_on"],
                by=request.user,
                note=form.cleaned_data["note"],
                bilans=form.bilans(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, acc, label="Clôture de l'accompagnement")
            messages.success(request, "L'accompagnement est clôturé.")
            return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {"acc": acc, "form": form, "title": "Clôturer l'accompagnement (bilan de fin)"},
    )


@policy.action_required("accompaniment.change")
def survey_create(request, pk):
    acc = _accompaniment(request, pk, "accompaniment.change")
    nxt = acc.next_survey() if acc.status == AccompanimentStatus.CLOSED else None
    if nxt is None:
        messages.error(request, "Aucune enquête post-autonomie n'est prévue pour ce ménage.")
        return redirect(acc)
    n, due_on = nxt
    form = SurveyForm(
        request.POST or None,
        initial={"done_on": timezone.localdate()},
        instance=Survey(accompaniment=acc),
    )
    if request.method == "POST" and form.is_valid():
        survey = form.save(commit=False)
        survey.round, survey.due_on = n, due_on
        survey.recorded_by = request.user
        survey.save()
        log(request, Action.CREATE, survey, household=acc.household, label=f"Enquête n°{n}")
        messages.success(request, f"L'enquête n°{n} a été enregistrée.")
        return redirect(acc)
    return render(
        request,
        "accompaniments/form.html",
        {
            "acc": acc,
            "form": form,
            "title": f"Enquête post-autonomie n°{n} (prévue le {due_on:%d/%m/%Y})",
        },
    )


# --- signals -----------------------------------------------------------------------------
@policy.action_required("signal.view")
def signals(request):
    user = request.user
    qs = (
        Signal.objects.visible_to(user)
        .select_related("household", "household__referent", "created_by", "acknowledged_by")
        .prefetch_related(
            Prefetch("household__members", queryset=Person.objects.order_by("position", "pk"))
        )
    )
    show = request.GET.get("etat", "")
    if show == "a-traiter":
        qs = qs.unacknowledged().exclude(kind=SignalKind.ADHESION_LOSS)
    return render(
        request,
        "accompaniments/signals.html",
        {
            "signals": list(qs[:300]),
            "show": show,
            "can_create": policy.can(user, "signal.create"),
        },
    )


@policy.action_required("signal.create")
def signal_create(request):
    initial = {}
    pk = request.GET.get("menage", "")
    if pk.isdigit():
        household = (
            Household.objects.visible_to(request.user, "signal.create").filter(pk=pk).first()
        )
        if household:
            initial["household"] = household.reference
    form = SignalForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            signal = Signal.record(
                data["household"],
                kind=data["kind"],
                by=request.user,
                amount=data["amount"],
                months=data["months"],
                description=data["description"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.CREATE, signal, label=signal.get_kind_display())
            messages.success(request, "Le signalement est enregistré ; le référent est prévenu.")
            return redirect(signal)
    return render(
        request, "accompaniments/signal_form.html", {"form": form, "title": "Nouveau signalement"}
    )


@policy.action_required("signal.create_adhesion_loss")
def adhesion_loss_create(request, household_pk):
    household = get_object_or_404(
        Household.objects.visible_to(request.user, "signal.create_adhesion_loss"), pk=household_pk
    )
    form = AdhesionLossForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signal = Signal.record(
                household,
                kind=SignalKind.ADHESION_LOSS,
                by=request.user,
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.CREATE, signal, label=signal.get_kind_display())
            messages.success(
                request,
                "La perte d'adhésion est enregistrée : Caen habitat est prévenu et le dossier "
                "sera inscrit à l'ordre du jour de la prochaine cellule.",
            )
            return redirect(signal)
    return render(
        request,
        "accompaniments/signal_form.html",
        {"form": form, "household": household, "title": "Signaler une perte d'adhésion"},
    )


def _signal(request, pk, action="signal.view"):
    policy.require(request.user, action)
    qs = Signal.objects.visible_to(request.user, action).select_related(
        "household", "household__referent", "created_by", "acknowledged_by"
    )
    return get_object_or_404(qs, pk=pk)


@policy.action_required("signal.view")
def signal_detail(request, pk):
    signal = _signal(request, pk)
    can_ack = signal.needs_acknowledgement and policy.can(
        request.user, "signal.acknowledge", signal.household
    )
    return render(
        request,
        "accompaniments/signal_detail.html",
        {"signal": signal, "can_ack": can_ack, "form": AcknowledgeForm()},
    )


@require_POST
@policy.action_required("signal.acknowledge")
def signal_acknowledge(request, pk):
    signal = _signal(request, pk, "signal.acknowledge")
    if signal.kind == SignalKind.ADHESION_LOSS:
        raise PermissionDenied("Une perte d'adhésion n'est pas à prendre en compte ici.")
    form = AcknowledgeForm(request.POST)
    form.is_valid()
    try:
        signal.acknowledge(by=request.user, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        log(request, Action.UPDATE, signal, label="Prise en compte du signalement")
        messages.success(request, "Signalement pris en compte.")
    return redirect(signal)
