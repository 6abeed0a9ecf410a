from django.db.models import Count, Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.shortcuts import render
from django.utils import timezone

from accounts import policy
from audit.models import log_households
from caen_accompagnement.pagination import paginate
from households.enums import Status
from households.models import Household, Person

from ..models import (
    Diagnostic,
    DiagnosticStatus,
)


# --- lists ----------------------------------------------------------------------------
@policy.action_required("diagnostic.view_detail")
def worklist(request):
    """Diagnostics to do and in progress for the current worker (all of them for a manager)."""
    user = request.user
    households = Household.objects.visible_to(user, "diagnostic.view_detail")
    if not policy.can(user, "diagnostic.set_level"):
        households = households.filter(Q(referent=user) | Q(substitute=user))
    members = Prefetch(
        "members",
        queryset=Person.objects.only(
            "household_id", "position", "relation", "first_name", "last_name"
        ).order_by("position", "pk"),
        to_attr="ordered_members",  # Household.members_list: a list per row, no manager
    )
    # Only the columns the page shows: the whole rows (a diagnostic's answers, JSON fields
    # included; a household's address, phone…) cost their decoding on every one of its rows.
    household_columns = ["created_at", "anonymised_at", "status_changed_at"]
    referent_columns = ["referent__first_name", "referent__last_name", "referent__email"]
    open_diagnostic = Diagnostic.objects.current().drafts().filter(household=OuterRef("pk"))
    to_do = (
        households.filter(status=Status.DIAGNOSTIC, diagnostic_level__isnull=False)
        .exclude(Exists(open_diagnostic))
        .select_related("referent")
        .only(
            *household_columns,
            "diagnostic_level",
            "diagnostic_level_provisional",
            *referent_columns,
        )
        .order_by("status_changed_at", "pk")
    )
    diagnostics = (
        Diagnostic.objects.current()
        .filter(household__in=households)
        .select_related("household")
        .only(
            "household__created_at",
            "household__anonymised_at",
            "level",
            "number",
            "created_at",
            "updated_at",
            "submitted_at",
        )
    )
    in_progress = diagnostics.drafts().order_by("created_at", "pk")
    awaiting_review = diagnostics.filter(status=DiagnosticStatus.SUBMITTED).order_by(
        "submitted_at", "pk"
    )
    # Both diagnostic sections counted in one pass over the current diagnostics (two COUNTs
    # read them twice).
    counts = (
        Diagnostic.objects.current()
        .filter(household__in=households)
        .filter(status__in=[DiagnosticStatus.DRAFT, DiagnosticStatus.SUBMITTED])
        .aggregate(
            drafts=Count("pk", filter=Q(status=DiagnosticStatus.DRAFT)),
            submitted=Count("pk", filter=Q(status=DiagnosticStatus.SUBMITTED)),
        )
    )
    # Each section is paginated on its own parameter; its page links keep the others'.
    to_do = paginate(request, to_do, "page_a_faire")
    in_progress = paginate(request, in_progress, "page_en_cours", count=counts["drafts"])
    awaiting_review = paginate(request, awaiting_review, "page_transmis", count=counts["submitted"])
    awaiting_level = None
    if policy.can(user, "diagnostic.set_level"):
        awaiting_level = paginate(
            request,
            households.filter(
                Q(status=Status.AWAITING_LEVEL)
                | Q(status=Status.DIAGNOSTIC, diagnostic_level__isnull=True)
            )
            .select_related("referent")
            .only(*household_columns, "public", "has_codesi_social_report", *referent_columns)
            .order_by("status_changed_at", "pk"),
            "page_niveau",
        )
    shown = [*(awaiting_level or []), *to_do]
    shown += [diagnostic.household for diagnostic in [*in_progress, *awaiting_review]]
    # The members of every section's households in one query (the reference person's name).
    prefetch_related_objects(shown, members)
    log_households(request, shown, "Liste des diagnostics")
    return render(
        request,
        "diagnostics/list.html",
        {
            "to_do": to_do,
            "in_progress": in_progress,
            "awaiting_review": awaiting_review,
            "awaiting_level": awaiting_level,
            "now": timezone.now(),
            "can_start": policy.can(user, "diagnostic.change"),
        },
    )
