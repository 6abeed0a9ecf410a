"""The dashboard's snapshots (models.DashboardSnapshot): its figures rendered once for a scope
and a kind of reader, shown until DASHBOARD_SNAPSHOT_SECONDS old (docs/reporting.md).

Exports, yearly bilans, PDFs and the households behind a figure stay computed live.
"""

import copy
import re

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from . import series
from .indicators import Scope
from .models import DashboardSnapshot
from .periods import Period
from .presentation import decorate
from .suppression import suppress

# The stored fragment is sent as is on every view of the dashboard: its templates' indentation
# and blank lines were 40 % of it (535 KB of 10,000 households' figures, 295 KB without). HTML
# collapses white space anyway, and the fragment has no <pre> nor <textarea>.
INDENTATION = re.compile(r"[ \t\r]*\n\s*")


def scope_key(scope: Scope) -> str:
    """The normalised filters of `scope` as a query string the filter form reads back: the
    snapshot's key and the query of the links to the households behind a figure."""
    period = scope.period
    if period.kind == "year":
        params = {"periode": "annee", "annee": period.start.year}
    elif period.kind == "quarter":
        quarter = (period.start.month - 1) // 3 + 1
        params = {"periode": "trimestre", "annee": period.start.year, "trimestre": quarter}
    else:
        params = {"periode": "dates", "debut": period.start, "fin": period.end}
    if scope.referent_id:
        params["referent"] = scope.referent_id
    if scope.public:
        params["public"] = scope.public
    if scope.source:
        params["source"] = scope.source
    return urlencode(params)


def compute_and_store(scope, *, suppressed, can_drill, computed=None):
    """Compute the figures (or take `computed`, the scope's figures with their series already
    computed, which it uses up), suppress them for readers outside the CCAS, render them, store
    the snapshot: (snapshot, figures)."""
    key = scope_key(scope)
    raw = series.compute_with_series(scope) if computed is None else computed
    shown = decorate(suppress(raw) if suppressed else raw)
    html = INDENTATION.sub(
        "\n",
        render_to_string(
            "reporting/_figures.html",
            {
                "figures": shown,
                "can_drill": can_drill,
                "drill_url": reverse("reporting:households") + "?" + key + "&",
            },
        ),
    )
    snapshot = DashboardSnapshot.store(key, suppressed=suppressed, can_drill=can_drill, html=html)
    return snapshot, shown


def current(scope, *, suppressed, can_drill):
    """(snapshot, figures): the fresh snapshot (figures None: not computed), else a new one."""
    found = DashboardSnapshot.objects.fresh(
        scope_key(scope), suppressed=suppressed, can_drill=can_drill
    )
    if found is not None:
        return found, None
    return compute_and_store(scope, suppressed=suppressed, can_drill=can_drill)


# The two kinds of readers (accounts/policy.py: the roles reading small cells are the ones
# opening the households behind a figure): the CCAS, and everybody else.
READERS = ({"suppressed": False, "can_drill": True}, {"suppressed": True, "can_drill": False})


def refresh_default():
    """The periodic job's work: the current year's snapshots for both kinds of readers (the
    figures computed once), then the purge of those more than a day old. Returns the snapshots
    written plus purged."""
    scope = Scope(Period.year(timezone.localdate().year))
    raw = series.compute_with_series(scope)  # once: the readers differ only in the suppression
    for reader in READERS:
        compute_and_store(scope, computed=copy.deepcopy(raw), **reader)
    return len(READERS) + DashboardSnapshot.purge()
