from django.db.models import Q, prefetch_related_objects
from django.shortcuts import render
from django.utils import timezone

from accounts import policy
from accounts.enums import Role
from accounts.models import User
from audit.models import log_households
from caen_accompagnement.pagination import paginate
from households.enums import Status

from .. import cadence as rhythm
from ..models import (
    Accompaniment,
    Extension,
    ExtensionStatus,
    Signal,
    SignalKind,
)
from .base import _members
from .visits import caseload_visits


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
    referents, selected_referent = [], None
    if is_manager:
        referents = list(User.objects.social_workers())
        selected_referent = request.GET.get("referent", "")
        if selected_referent.isdigit():
            qs = qs.filter(household__referent_id=int(selected_referent))
    rows, counts = _by_urgency(qs, today)
    # Sorted and counted over the whole caseload above; only the page's rows are shown (and
    # their members loaded), the most urgent first.
    # The page links keep the référent filter, not the one-shot draft confirmation.
    page = paginate(request, rows, keep=["referent"] if selected_referent else [])
    prefetch_related_objects([acc for acc, _ in page], _members())
    open_signals = _open_signals(qs)
    pending_extensions = _pending_extensions() if is_manager else []
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
            "counts": counts,
            "today": today,
            "is_manager": is_manager,
            "referents": referents,
            "selected_referent": selected_referent,
            "open_signals": open_signals,
            "surveys_due": surveys_due,
            "pending_extensions": pending_extensions,
            "saved_draft": request.GET.get("brouillon_enregistre", ""),
            **caseload_visits(qs),  # planned visits (docs/reminders.md)
        },
    )


def _by_urgency(caseload, today):
    """[(accompaniment, its cadence)], the most urgent first, and the count of each urgency."""
    rows = sorted(((acc, acc.cadence(today)) for acc in caseload), key=lambda row: row[1].sort_key)
    counts = {
        "total": len(rows),
        "overdue": sum(1 for _, c in rows if c.urgency == rhythm.OVERDUE),
        "week": sum(1 for _, c in rows if c.urgency == rhythm.DUE_THIS_WEEK),
    }
    counts["up_to_date"] = counts["total"] - counts["overdue"] - counts["week"]
    return rows, counts


def _open_signals(caseload):
    """Caen habitat's signals on the caseload's households waiting for the référent."""
    return list(
        Signal.objects.filter(household__in=caseload.values("household"))
        .unacknowledged()
        .exclude(kind=SignalKind.ADHESION_LOSS)
        .select_related("household")
    )


def _pending_extensions():
    """Extensions waiting for the manager's decision."""
    return list(
        Extension.objects.filter(status=ExtensionStatus.PENDING).select_related(
            "accompaniment__household"
        )
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
