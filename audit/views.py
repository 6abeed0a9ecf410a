from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.policy import action_required
from caen_accompagnement.pagination import paginate_uncounted

from .filters import AuditFilter
from .models import Action, AuditEntry


@require_GET
@action_required("audit.view")
def entry_list(request):
    filterset = AuditFilter(request.GET, queryset=AuditEntry.objects.select_related("actor"))
    page = paginate_uncounted(request, filterset.qs, per_page=50)
    return render(
        request, "audit/list.html", {"filter": filterset, "page": page, "rows": _rows(page)}
    )


def _rows(page):
    """Each entry's cells, formatted once here rather than by the template (50 rows a page:
    a `|date` in the time zone, an actor's name and labels resolved per cell were half of the
    page's rendering; the same choice as the households list, docs/performance.md)."""
    actions = dict(Action.choices)
    return [
        {
            "at": f"{timezone.localtime(entry.at):%d/%m/%Y %H:%M:%S}",
            "actor": str(entry.actor) if entry.actor else "—",
            "action": actions.get(entry.action, entry.action),
            "object": f"{entry.object_type} {entry.object_id}",
            "household": entry.household_id or "—",
            "label": entry.label,
            "ip": entry.ip or "—",
        }
        for entry in page
    ]
