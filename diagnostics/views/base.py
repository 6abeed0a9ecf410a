from accounts import policy

from ..models import (
    Diagnostic,
    DiagnosticStatus,
)

MEMBERS = "household__members"  # in display order (Person's Meta.ordering)


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
