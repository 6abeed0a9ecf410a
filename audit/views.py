from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.policy import action_required

from .filters import AuditFilter
from .models import AuditEntry


@require_GET
@action_required("audit.view")
def entry_list(request):
    filterset = AuditFilter(request.GET, queryset=AuditEntry.objects.select_related("actor"))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"filter": filterset, "page": page})
