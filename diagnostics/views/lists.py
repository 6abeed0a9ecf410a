from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import render
from django.utils import timezone

from accounts import policy
from audit.models import log_households
from caen_accompagnement import statements
from caen_accompagnement.hrefs import pk_href
from caen_accompagnement.pagination import one_list, paginate
from caen_accompagnement.templatetags.fr_format import format_day, since
from households.enums import Status
from households.models import Household

from ..models import (
    Diagnostic,
    DiagnosticStatus,
)

# --- lists ----------------------------------------------------------------------------
# The work list's lists in the pathway's order (the first for the managers only): the key of
# each in ?liste=, the label of its tab.
SECTIONS = {
    "niveau": "Niveau à fixer",
    "a-faire": "À faire",
    "en-cours": "En cours",
    "transmis": "Transmis",
}
HOUSEHOLD_LISTS = ("niveau", "a-faire")  # rows of households; the others of diagnostics


@policy.action_required("diagnostic.view_detail")
def worklist(request):
    """Diagnostics to do, in progress and transmitted for the current worker (every worker's
    for a manager, with the households whose diagnostic level is to be set), one list at a
    time under tabs that count each."""
    user = request.user
    sets_level = policy.can(user, "diagnostic.set_level")
    # The lists' QuerySets are built when used: the counts' SQL once per user and roles
    # (caen_accompagnement/statements.py: building and compiling them cost Django 4 ms a view
    # at 10,000 households, their SQL 1 ms), the rows' for the list shown only.
    key = (user.pk, user.is_active, user.roles)

    def households():
        visible = Household.objects.visible_to(user, "diagnostic.view_detail")
        return visible if sets_level else visible.filter(Q(referent=user) | Q(substitute=user))

    def current():
        """The current diagnostics, scoped through their own policy filter when the user reads
        every household's (the direction: an anti join on the archived ones, no join to the
        10,000 households: docs/performance.md); a référent's through their households."""
        diagnostics = Diagnostic.objects.current()
        if sets_level:
            return diagnostics.visible_to(user, "diagnostic.view_detail")
        return diagnostics.filter(household__in=households())

    def to_do():
        open_diagnostic = Diagnostic.objects.current().drafts().filter(household=OuterRef("pk"))
        return (
            households()
            .filter(status=Status.DIAGNOSTIC, diagnostic_level__isnull=False)
            .exclude(Exists(open_diagnostic))
        )

    # Only the columns the page shows: the whole rows (a diagnostic's answers, JSON fields
    # included; a household's address, phone…) cost their decoding on every one of its rows.
    household_columns = ["created_at", "anonymised_at", "status_changed_at"]
    referent_columns = ["referent__first_name", "referent__last_name", "referent__email"]
    diagnostic_columns = (
        "household__created_at",
        "household__anonymised_at",
        "level",
        "number",
        "created_at",
        "updated_at",
        "submitted_at",
    )
    lists = {  # in the pathway's order, as SECTIONS
        "niveau": lambda: (
            households()
            .awaiting_level()
            .select_related("referent")
            .only(*household_columns, "public", "has_codesi_social_report", *referent_columns)
            .order_by("status_changed_at", "pk")
        ),
        "a-faire": lambda: (
            to_do()
            .select_related("referent")
            .only(
                *household_columns,
                "diagnostic_level",
                "diagnostic_level_provisional",
                *referent_columns,
            )
            .order_by("status_changed_at", "pk")
        ),
        "en-cours": lambda: (
            current()
            .drafts()
            .select_related("household")
            .only(*diagnostic_columns)
            .order_by("created_at", "pk")
        ),
        "transmis": lambda: (
            current()
            .filter(status=DiagnosticStatus.SUBMITTED)
            .select_related("household")
            .only(*diagnostic_columns)
            .order_by("submitted_at", "pk")
        ),
    }
    # The household lists a COUNT each (counted together, the open-draft test ran once per
    # household of either status: 12 ms rather than 1); both diagnostic lists in one pass
    # over the current diagnostics, by status.
    counts = {}
    if sets_level:
        counts["niveau"] = statements.count(
            ("worklist-level", *key), lambda: households().awaiting_level().values("pk")
        )
    counts["a-faire"] = statements.count(("worklist-to-do", *key), lambda: to_do().values("pk"))
    by_status = {
        row["status"]: row["count"]
        for row in statements.rows(
            ("worklist-diagnostics", *key),
            lambda: (
                current()
                .filter(status__in=[DiagnosticStatus.DRAFT, DiagnosticStatus.SUBMITTED])
                .values("status")
                .annotate(count=Count("pk"))
                .order_by()
            ),
        )
    }
    counts["en-cours"] = by_status.get(DiagnosticStatus.DRAFT, 0)
    counts["transmis"] = by_status.get(DiagnosticStatus.SUBMITTED, 0)
    # One list at a time, chosen in ?liste= (by default the first holding something): each
    # list's count in its tab, the rows of one, 25 a page, the longest waiting first.
    section, tabs = one_list(request, SECTIONS, counts)
    page = paginate(request, lists[section](), count=counts[section])
    if section in HOUSEHOLD_LISTS:
        shown = list(page)
    else:
        shown = [diagnostic.household for diagnostic in page]
    # The reference person's name of each household shown, in one query.
    names = Household.display_names(shown)
    log_households(request, shown, "Liste des diagnostics")
    can_start = policy.can(user, "diagnostic.change")
    return render(
        request,
        "diagnostics/list.html",
        {
            "section": section,
            "tabs": tabs,
            "page": page,
            "rows": _rows(section, page, names, can_start),
            "can_start": can_start,
        },
    )


def _rows(section, page, names, can_start):
    """The list's rows as the cells it shows, a dict a row, its link made once per page:
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

    if section == "niveau":
        set_level = pk_href("coordination:provisional_level")
        return [
            household_cells(h, set_level) | {"level": str(h.suggested_diagnostic_level)}
            for h in page
        ]
    if section == "a-faire":
        start = pk_href("diagnostics:start")
        return [
            household_cells(h, start)
            | {"level": str(h.diagnostic_level), "provisional": h.diagnostic_level_provisional}
            for h in page
        ]
    detail = pk_href("diagnostics:detail")
    if section == "en-cours":
        open_draft = pk_href("diagnostics:edit") if can_start else detail
        return [
            diagnostic_cells(d, open_draft)
            | {
                "number": str(d.number),
                "started": since(d.created_at, now),
                "updated_at": f"{timezone.localtime(d.updated_at, zone):%d/%m/%Y %H:%M}",
            }
            for d in page
        ]
    return [
        diagnostic_cells(d, detail)
        | {
            "submitted_on": format_day(timezone.localtime(d.submitted_at, zone))
            if d.submitted_at
            else "",
            "waiting_since": since(d.submitted_at, now),
        }
        for d in page
    ]
