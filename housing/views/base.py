from django.shortcuts import get_object_or_404

from accounts import policy
from households.models import Household

from ..models import (
    DocumentKind,
)

MATCHES_SHOWN = 30


def _household(request, pk, action="housing.view"):
    """The household, if `user` may `action` it; 404 otherwise (existence must not leak)."""
    return get_object_or_404(
        Household.objects.visible_to(request.user, action).prefetch_related("members"), pk=pk
    )


def can_see_identity(user, household) -> bool:
    """Names are the "identity" row of docs/access.md (household.view), narrower than
    housing.view for the debt and tenancy officers: they read every pathway, but see the names
    (and the documents, which name every member) of their own tenants only."""
    return policy.can(user, "household.view", household)


def can_manage_document(user, kind, household) -> bool:
    """The convention is Caen habitat's (housing.change); the contract of accompaniment is also
    the CCAS's business (accompaniment.change: the référent, the manager)."""
    if policy.can(user, "housing.change", household):
        return True
    return kind == DocumentKind.CONTRACT and policy.can(user, "accompaniment.change", household)
