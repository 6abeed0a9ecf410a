from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.policy import action_required
from caen_accompagnement.pagination import paginate_uncounted

from .filters import AuditFilter
from .models import AuditEntry


@require_GET
@action_required("audit.view")
def entry_list(request):
    filterset = AuditFilter(request.GET, queryset=AuditEntry.objects.select_related("actor"))
    page = paginate_uncounted(request, filterset.qs, per_page=50)
    return render(request, "audit/list.html", {"filter": filterset, "page": page})
