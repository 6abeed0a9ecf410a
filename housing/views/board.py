from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from audit.models import log_households
from caen_accompagnement import statements
from caen_accompagnement.hrefs import pk_href
from caen_accompagnement.pagination import PAGE_SIZE, one_list, paginate
from caen_accompagnement.templatetags.fr_format import format_day, format_euros
from households.enums import Quartier
from households.models import Household

from ..models import (
    Dwelling,
    DwellingProposal,
    ProposalStatus,
    Rehousing,
)

# --- letting officer's board --------------------------------------------------------------
# The dwellings available within SOON_DAYS: the SOON_SHOWN soonest, the others in the stock
# page filtered alike (a board of a hundred rows was the page's largest part).
SOON_DAYS = 60
SOON_SHOWN = 25
# What a glide's row shows (templates/housing/letting_board.html), not whole rows: the date,
# the household's reference (id, creation date) and initials, the dwelling's label, the lease.
GLIDE_FIELDS = (
    "planned_glide_date",
    "lease_start",
    "structure_name",
    "household__created_at",
    "dwelling__reference",
    "dwelling__address",
    "dwelling__typology",
    "dwelling__quartier",
)


# The board's three lists (?liste=), in the order a letting officer works through them, each
# counted in its tab, one shown at a time (as the diagnostics worklist).
LISTS = {
    "glissements": "Baux glissants",
    "propositions": "Propositions en attente",
    "disponibles": "Logements disponibles",
}


@policy.action_required("housing.view")
def letting_board(request):
    """The leases to glide (90 days ahead and late), the proposals waiting for an answer and
    the dwellings available within SOON_DAYS: one list at a time under tabs counting each, by
    default the first holding something."""
    user, today = request.user, timezone.localdate()
    horizon = today + timedelta(days=90)
    soon_until = today + timedelta(days=SOON_DAYS)

    def glides():
        return (
            Rehousing.objects.visible_to(user)
            .glides_to_come()
            .filter(planned_glide_date__lte=horizon)
        )

    def pending():
        return DwellingProposal.objects.visible_to(user).filter(status=ProposalStatus.PENDING)

    def soon():
        return Dwelling.objects.available().filter(available_from__lte=soon_until)

    # The tabs' counts and the glides' page are statements built once per user, roles and
    # day (caen_accompagnement/statements.py); the other lists are built when shown.
    key = (user.pk, user.is_active, user.roles, today)
    counts = {
        "glissements": statements.count(("board-glides", *key), lambda: glides().values("pk")),
        "propositions": statements.count(("board-pending", *key), lambda: pending().values("pk")),
        "disponibles": statements.count(("board-soon", *key), lambda: soon().values("pk")),
    }
    section, tabs = one_list(request, LISTS, counts)
    context = {"today": today, "section": section, "tabs": tabs, "count": counts[section]}
    pathway = pk_href("housing:pathway")
    if section == "glissements":
        context.update(_glides(request, glides, key, counts[section], today, pathway))
    elif section == "propositions":
        context.update(_pending(request, pending(), counts[section], pathway))
    else:
        available = Dwelling.objects.available()
        context.update(_available(request, available, soon(), counts[section], soon_until))
    return render(request, "housing/letting_board.html", context)


def _glides(request, glides, key, count, today, pathway):
    """A page of glides, the late ones first (the soonest date first): a list that grows with
    the programme, the whole of it was the board's largest part at 10,000 households
    (docs/performance.md). The rows as the cells they show, dates formatted here: the template
    resolved a chain of model attributes, a `{% url %}` and a `|date` per cell. `glides`
    builds the list's QuerySet; `key`, what its SQL depends on beside the page."""
    page = paginate(request, range(count), keep=["liste"], count=count)
    start = (page.number - 1) * PAGE_SIZE
    page.object_list = statements.instances(
        ("board-glides-page", *key, start),
        lambda: (
            glides()
            .select_related("household", "dwelling")
            .only(*GLIDE_FIELDS)[start : start + PAGE_SIZE]
        ),
    )
    initials = Household.initials_of([rehousing.household for rehousing in page])
    log_households(request, [r.household_id for r in page], "Glissements et disponibilités")
    rows = [
        {
            "planned": format_day(rehousing.planned_glide_date),
            "late": rehousing.planned_glide_date < today,
            "href": pathway(rehousing.household_id),
            "reference": rehousing.household.reference,
            "initials": initials[rehousing.household_id],
            "place": rehousing.place_label,
            "lease_start": format_day(rehousing.lease_start),
        }
        for rehousing in page
    ]
    return {"page": page, "glide_rows": rows}


def _pending(request, pending, count, pathway):
    """A page of the proposals waiting for the household's answer, the oldest first; the board
    shows the dwelling's and the file's references, no name."""
    page = paginate(
        request,
        pending.select_related("dwelling", "household")
        .only("proposed_at", "dwelling__reference", "household__created_at")
        .order_by("proposed_at", "pk"),
        keep=["liste"],
        count=count,
    )
    log_households(request, [p.household_id for p in page], "Glissements et disponibilités")
    rows = [
        {
            "dwelling": proposal.dwelling.reference,
            "proposed_on": format_day(timezone.localtime(proposal.proposed_at)),
            "href": pathway(proposal.household_id),
            "reference": proposal.household.reference,
        }
        for proposal in page
    ]
    return {"page": page, "pending_rows": rows}


def _available(request, available, soon, count, soon_until):
    """The SOON_SHOWN soonest dwellings available within SOON_DAYS, the stock by typology, and
    a link to the others in the stock page, filtered alike (`DwellingFilter`: the same
    dwellings, none silently left out)."""
    quartiers = dict(Quartier.choices)  # not `get_quartier_display`: a dict built a call
    rows = [
        {
            "available_from": format_day(dwelling.available_from),
            "reference": dwelling.reference,
            "address": dwelling.address,
            "quartier": quartiers.get(dwelling.quartier, dwelling.quartier),
            "typology": dwelling.typology,
            "total_cost": format_euros(dwelling.total_cost),
        }
        for dwelling in soon.order_by("available_from", "reference")[:SOON_SHOWN]
    ]
    filtered = {"availability": "available", "available_before": soon_until.isoformat()}
    return {
        "soon_rows": rows,
        "soon_all": f"{reverse('housing:dwelling_list')}?{urlencode(filtered)}",
        "by_typology": available.values("typology").annotate(n=Count("pk")).order_by("typology"),
    }
