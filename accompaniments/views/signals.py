from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.forms import add_errors, flash_errors
from caen_accompagnement.hrefs import pk_href
from caen_accompagnement.pagination import paginate
from caen_accompagnement.templatetags.fr_format import format_euros
from households.models import Household

from ..forms import (
    AcknowledgeForm,
    AdhesionLossForm,
    SignalForm,
)
from ..models import (
    Signal,
    SignalKind,
)


# --- signals -----------------------------------------------------------------------------
@policy.action_required("signal.view")
def signals(request):
    user = request.user
    # Only what a row shows (the household's reference and initials, the signal's author), not
    # whole rows nor the référent and acknowledger it joined and never showed: the 25 rows' 60
    # columns cost more to send and decode than the query to run (docs/performance.md).
    qs = Signal.objects.visible_to(user).select_related("household", "created_by").only(*ROW_FIELDS)
    show = request.GET.get("etat", "")
    if show == "a-traiter":
        qs = qs.unacknowledged().exclude(kind=SignalKind.ADHESION_LOSS)
    # 25 a page like every list (it showed the latest 300 at once: 300 rows rendered).
    page = paginate(request, qs.order_by("-created_at", "-pk"))
    signals = list(page)
    return render(
        request,
        "accompaniments/signals.html",
        {
            "page": page,
            "signals": signals,
            "rows": _rows(signals),
            "show": show,
            "can_create": policy.can(user, "signal.create"),
        },
    )


ROW_FIELDS = (
    "household__created_at",
    "kind",
    "amount",
    "months",
    "created_at",
    "acknowledged_at",
    "created_by__first_name",
    "created_by__last_name",
    "created_by__email",
)


def _rows(signals):
    """Each signal's cells, formatted once here rather than by the template (the same choice
    as the households list, docs/performance.md)."""
    href = pk_href("accompaniments:signal_detail")
    kinds = dict(SignalKind.choices)
    initials = Household.initials_of([signal.household for signal in signals])
    return [
        {
            "created_at": f"{timezone.localtime(signal.created_at):%d/%m/%Y %H:%M}",
            "household": f"{signal.household.reference} ({initials[signal.household_id]})",
            "href": href(signal.pk),
            "kind": kinds.get(signal.kind, signal.kind),
            "amount": (
                f"— {format_euros(signal.amount)} ({signal.months} mois)" if signal.amount else ""
            ),
            "author": str(signal.created_by) if signal.created_by else "—",
            "acknowledged_on": (
                f"{timezone.localtime(signal.acknowledged_at):%d/%m/%Y}"
                if signal.acknowledged_at
                else ""
            ),
            "waiting": signal.needs_acknowledgement,
        }
        for signal in signals
    ]


@policy.action_required("signal.create")
@submitted_once
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
@submitted_once
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
        status=400 if request.method == "POST" else 200,
    )


def _signal(request, pk, action="signal.view"):
    policy.require(request.user, action)
    qs = Signal.objects.visible_to(request.user, action).select_related(
        "household", "household__referent", "created_by", "acknowledged_by"
    )
    return get_object_or_404(qs, pk=pk)


@policy.action_required("signal.view")
def signal_detail(request, pk, form=None):
    """The signal; after a refused acknowledgement, its form comes back (status 400)."""
    signal = _signal(request, pk)
    can_ack = signal.needs_acknowledgement and policy.can(
        request.user, "signal.acknowledge", signal.household
    )
    return render(
        request,
        "accompaniments/signal_detail.html",
        {"signal": signal, "can_ack": can_ack, "form": form or AcknowledgeForm()},
        status=400 if form is not None else 200,
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
        if not hasattr(exc, "error_dict"):
            flash_errors(request, exc)
            return redirect(signal)
        add_errors(form, exc)  # words to rephrase: the note stays in its form
        return signal_detail(request, pk, form=form)
    else:
        log(request, Action.UPDATE, signal, label="Prise en compte du signalement")
        messages.success(request, "Signalement pris en compte.")
    return redirect(signal)
