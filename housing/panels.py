"""The housing pathway panel of the household file (templates/housing/_household_pathway.html)."""

from accounts import policy

from .models import DocumentKind, latest_by_kind, signed_for_lease, stays_in_place


def visible(user, household):
    """Whether the file's « Logement » tab has anything for `user` (no query)."""
    return policy.can(user, "housing.view", household)


def household_panel(user, household, link=True):
    """What the pathway panel shows to `user`: proposals, rehousings and documents, one query
    each. `link`: to the pathway page (not on that page itself)."""
    if not visible(user, household):
        return {"visible": False}
    documents = list(
        household.agreement_documents.select_related("rehousing").order_by("kind", "-number")
    )
    latest = latest_by_kind(documents)
    rehousings = list(household.rehousings.select_related("dwelling"))
    return {
        "visible": True,
        "proposals": list(
            household.dwelling_proposals.select_related("dwelling").order_by("-proposed_at")
        ),
        "rehousings": rehousings,
        "documents": documents,
        "convention": latest.get(DocumentKind.CONVENTION),
        "contract": latest.get(DocumentKind.CONTRACT),
        "stays_in_place": stays_in_place(household, rehousings),
        "both_signed": signed_for_lease(
            latest, max(rehousings, key=lambda r: (r.lease_start, r.pk), default=None)
        ),
        "can_change": policy.can(user, "housing.change", household),
        # The documents name the members: linked only for who may see the names (identity,
        # household.view; see `views.base.can_see_identity`).
        "documents_open": policy.can(user, "household.view", household),
        "link": link,
    }
