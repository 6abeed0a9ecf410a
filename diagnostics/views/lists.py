from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import render
from django.utils import timezone

from accounts import policy
from audit.models import log_households
from caen_accompagnement.hrefs import pk_href
from caen_accompagnement.pagination import paginate
from caen_accompagnement.templatetags.fr_format import format_day, since
from households.enums import Status
from households.models import Household

from ..models import (
    Diagnostic,
    DiagnosticStatus,
)


# --- lists ----------------------------------------------------------------------------
@policy.action_required("diagnostic.view_detail")
def worklist(request):
    """Diagnostics to do and in progress for the current worker (all of them for a manager)."""
    user = request.user
    sets_level = policy.can(user, "diagnostic.set_level")
    households = Household.objects.visible_to(user, "diagnostic.view_detail")
    if not sets_level:
        households = households.filter(Q(referent=user) | Q(substitute=user))
    # Only the columns the page shows: the whole rows (a diagnostic's answers, JSON fields
    # included; a household's address, phone…) cost their decoding on every one of its rows.
    household_columns = ["created_at", "anonymised_at", "status_changed_at"]
    referent_columns = ["referent__first_name", "referent__last_name", "referent__email"]
    current = Diagnostic.objects.current()
    open_diagnostic = current.drafts().filter(household=OuterRef("pk"))
    # Both diagnostic sections counted in one pass over the current diagnostics (two COUNTs
    # read them twice). The household sections keep a COUNT each: counted together, the
    # open-draft test ran once per household of either status (12 ms rather than 1).
    # Scoped through the diagnostics' own policy filter when the user reads every household's
    # (the direction: an anti join on the archived ones, no join to the 10,000 households:
    # docs/performance.md); a référent's through their households.
    if sets_level:
        current = current.visible_to(user, "diagnostic.view_detail")
    else:
        current = current.filter(household__in=households)
    diagnostic_counts = current.filter(
        status__in=[DiagnosticStatus.DRAFT, DiagnosticStatus.SUBMITTED]
    ).aggregate(
        drafts=Count("pk", filter=Q(status=DiagnosticStatus.DRAFT)),
        submitted=Count("pk", filter=Q(status=DiagnosticStatus.SUBMITTED)),
    )
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
    diagnostics = current.select_related("household").only(
        "household__created_at",
        "household__anonymised_at",
        "level",
        "number",
        "created_at",
        "updated_at",
        "submitted_at",
    )
    in_progress = diagnostics.drafts().order_by("created_at", "pk")
    awaiting_review = diagnostics.filter(status=DiagnosticStatus.SUBMITTED).order_by(
        "submitted_at", "pk"
    )
    # Each section is paginated on its own parameter; its page links keep the others'.
    to_do = paginate(request, to_do, "page_a_faire")
    in_progress = paginate(request, in_progress, "page_en_cours", count=diagnostic_counts["drafts"])
    awaiting_review = paginate(
        request, awaiting_review, "page_transmis", count=diagnostic_counts["submitted"]
    )
    awaiting_level = None
    if sets_level:
        awaiting_level = paginate(
            request,
            households.awaiting_level()
            .select_related("referent")
            .only(*household_columns, "public", "has_codesi_social_report", *referent_columns)
            .order_by("status_changed_at", "pk"),
            "page_niveau",
        )
    shown = [*(awaiting_level or []), *to_do]
    shown += [diagnostic.household for diagnostic in [*in_progress, *awaiting_review]]
    # The reference person's name of every section's household, in one query.
    names = Household.display_names(shown)
    log_households(request, shown, "Liste des diagnostics")
    can_start = policy.can(user, "diagnostic.change")
    rows = _rows(to_do, in_progress, awaiting_review, awaiting_level, names, can_start)
    return render(
        request,
        "diagnostics/list.html",
        {
            "to_do": to_do,
            "in_progress": in_progress,
            "awaiting_review": awaiting_review,
            "awaiting_level": awaiting_level,
            **rows,
            "can_start": can_start,
        },
    )


def _rows(to_do, in_progress, awaiting_review, awaiting_level, names, can_start):
    """Each section's rows as the cells it shows, a dict a row, its link made once per page:
    the template resolved chains of model attributes and a `{% url %}` per row, two thirds of
    the page's rendering at 100 rows (docs/performance.md). Small numbers as text: the same
    digits without a localisation per cell. Durations and dates too, as the filters `since`
    and `date` printed them, in the zone read once (the filters asked for it a cell)."""
    now, zone = timezone.now(), timezone.get_current_timezone()

    def household_cells(household, href):
        return {
            "reference": household.reference,
            "name": names[household.pk],
            "referent": str(household.referent) if household.referent else "—",
            "waiting_since": since(household.status_changed_at, now),
            "href": href(household.pk),
        }

    def diagnostic_cells(diagnostic, href):
        return {
            "reference": diagnostic.household.reference,
            "name": names[diagnostic.household_id],
            "level": str(diagnostic.level),
            "href": href(diagnostic.pk),
        }

    set_level = pk_href("coordination:provisional_level")
    start = pk_href("diagnostics:start")
    detail = pk_href("diagnostics:detail")
    open_draft = pk_href("diagnostics:edit") if can_start else detail
    return {
        "awaiting_level_rows": [
            household_cells(h, set_level) | {"level": str(h.suggested_diagnostic_level)}
            for h in awaiting_level or []
        ],
        "to_do_rows": [
            household_cells(h, start)
            | {"level": str(h.diagnostic_level), "provisional": h.diagnostic_level_provisional}
            for h in to_do
        ],
        "in_progress_rows": [
            diagnostic_cells(d, open_draft)
            | {
                "number": str(d.number),
                "started": since(d.created_at, now),
                "updated_at": f"{timezone.localtime(d.updated_at, zone):%d/%m/%Y %H:%M}",
            }
            for d in in_progress
        ],
        "awaiting_review_rows": [
            diagnostic_cells(d, detail)
            | {
                "submitted_on": format_day(timezone.localtime(d.submitted_at, zone))
                if d.submitted_at
                else "",
                "waiting_since": since(d.submitted_at, now),
            }
            for d in awaiting_review
        ],
    }
