from django.db.models import Prefetch

from accounts import policy
from households.models import Person

from ..models import (
    Diagnostic,
    DiagnosticStatus,
)

MEMBERS = Prefetch("household__members", queryset=Person.objects.order_by("position", "pk"))


def _detail_qs(user):
    return Diagnostic.objects.visible_to(user).select_related(
        "household", "household__referent", "author", "reviewed_by", "previous"
    )


def _change_qs(user):
    return Diagnostic.objects.visible_to(user, "diagnostic.change").select_related(
        "household", "household__referent"
    )


def _synthesis_qs(user):
    qs = Diagnostic.objects.visible_to(user, "diagnostic.view_synthesis").select_related(
        "household"
    )
    if not policy.can(user, "diagnostic.view_detail"):
        # Outside the CCAS, only what was sent to the cellule.
        qs = qs.exclude(status=DiagnosticStatus.DRAFT)
    return qs
