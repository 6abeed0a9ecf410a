from django.shortcuts import get_object_or_404

from accounts import policy

from ..models import (
    Accompaniment,
)


def _accompaniment(request, pk, action="accompaniment.view"):
    """One accompaniment, through the user-scoped QuerySet of `action` (404 outside it)."""
    policy.require(request.user, action)
    qs = Accompaniment.objects.visible_to(request.user, action).select_related(
        "household", "household__referent"
    )
    return get_object_or_404(qs, pk=pk)
