from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from audit.models import log_households
from caen_accompagnement.hrefs import pk_href
from caen_accompagnement.pagination import paginate
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


@policy.action_required("housing.view")
def letting_board(request):
    today = timezone.localdate()
    horizon = today + timedelta(days=90)
    # A page of glides at a time, the late ones first (the soonest date first): a list that
    # grows with the programme, the whole of it was the board's largest part at 10,000
    # households (docs/performance.md).
    glides = paginate(
        request,
        Rehousing.objects.visible_to(request.user)
        .glides_to_come()
        .filter(planned_glide_date__lte=horizon)
        .select_related("household", "dwelling")
        .only(*GLIDE_FIELDS),
        "page_glissements",
    )
    initials = Household.initials_of([rehousing.household for rehousing in glides])
    available = Dwelling.objects.available()
    soon_until = today + timedelta(days=SOON_DAYS)
    soon = available.filter(available_from__lte=soon_until).order_by("available_from", "reference")
    by_typology = available.values("typology").annotate(n=Count("pk")).order_by("typology")
    pending = list(
        DwellingProposal.objects.visible_to(request.user)
        .filter(status=ProposalStatus.PENDING)
        .select_related("dwelling", "household")  # the board shows its reference, no names
        .only("proposed_at", "dwelling__reference", "household__created_at")
    )
    log_households(
        request,
        [r.household_id for r in glides] + [p.household_id for p in pending],
        "Glissements et disponibilités",
    )
    # The rows as the cells they show, the pathway's link made once for the page: the template
    # resolved a chain of model attributes and a `{% url %}` per cell, for some 150 rows
    # (docs/performance.md).
    # Dates and amounts are formatted here too: Django's `date` filter was 200 calls a view.
    pathway = pk_href("housing:pathway")
    glide_rows = [
        {
            "planned": format_day(rehousing.planned_glide_date),
            "late": rehousing.planned_glide_date < today,
            "href": pathway(rehousing.household_id),
            "reference": rehousing.household.reference,
            "initials": initials[rehousing.household_id],
            "place": rehousing.place_label,
            "lease_start": format_day(rehousing.lease_start),
        }
        for rehousing in glides
    ]
    pending_rows = [
        {
            "dwelling": proposal.dwelling.reference,
            "proposed_on": format_day(timezone.localtime(proposal.proposed_at)),
            "href": pathway(proposal.household_id),
            "reference": proposal.household.reference,
        }
        for proposal in pending
    ]
    quartiers = dict(Quartier.choices)  # not `get_quartier_display`: a dict built a call
    soon_rows = [
        {
            "available_from": format_day(dwelling.available_from),
            "reference": dwelling.reference,
            "address": dwelling.address,
            "quartier": quartiers.get(dwelling.quartier, dwelling.quartier),
            "typology": dwelling.typology,
            "total_cost": format_euros(dwelling.total_cost),
        }
        for dwelling in soon[:SOON_SHOWN]
    ]
    # The others are in the stock, filtered alike (`DwellingFilter`: the same dwellings).
    filtered = {"availability": "available", "available_before": soon_until.isoformat()}
    soon_all = f"{reverse('housing:dwelling_list')}?{urlencode(filtered)}"
    return render(
        request,
        "housing/letting_board.html",
        {
            "today": today,
            "glides": glides,
            "glide_rows": glide_rows,
            "soon_rows": soon_rows,
            "soon_count": soon.count(),
            "soon_all": soon_all,
            "by_typology": by_typology,
            "pending_rows": pending_rows,
        },
    )
