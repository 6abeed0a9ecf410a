"""Who may do what to which household: the one place where docs/access.md is written as code.

Every view asks this module, either through a scoped QuerySet
(`Household.objects.visible_to(user)`, `Diagnostic.objects.visible_to(user)`, …, all built on
`household_q`) or through `can` / `require` for an action on one object.

A rule maps an action to the roles allowed and, for each role, the *scope* of households it
covers:
- ALL: every household of the programme;
- OWN: households where the user is the référent or the named substitute;
- TENANTS: Caen habitat tenants (households with a tenant account);
- AGENDA: households on a published agenda of a cellule meeting the user sits in;
- PRESELECTION: households still in the preselection stage (`PRESELECTION_STATUSES`).
Actions that are not about one household (reading minutes, dashboards) use NONE: the role
alone decides.

The first scopes read the household's own fields. A scope reached through a higher app's tables
(AGENDA: coordination's agendas) is given by that app in its `AppConfig.ready()`, through
`provide_scope`, as a QuerySet method of its own: this module knows none of its joins.
"""

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Exists, OuterRef, Q

from .enums import Role

ALL, OWN, TENANTS, AGENDA, PRESELECTION, NONE = (
    "all",
    "own",
    "tenants",
    "agenda",
    "preselection",
    "none",
)

# Values of `households.enums.Status` (accounts sits below households and imports none of it;
# tests/accounts/test_policy.py checks they are statuses). Preselection lasts until the cellule
# has chosen the diagnostic level: from then on the CCAS runs the file (docs/domain.md, pipeline).
PRESELECTION_STATUSES = ("preselected", "awaiting_level")
# An archived household (retention, docs/privacy.md) is out of every scope: only the archive
# pages read it, for a holder of ARCHIVE_VIEW, with a typed reason.
ARCHIVED_STATUS = "archived"
ARCHIVE_VIEW = "archive.view"

SW = Role.SOCIAL_WORKER
MGR = Role.CCAS_MANAGER
LET = Role.LETTING_OFFICER
DEBT = Role.DEBT_OFFICER
TEN = Role.TENANCY_OFFICER
CELL = Role.CELLULE_MEMBER
STATE = Role.STATE_READER
ADMIN = Role.ADMIN

RULES: dict[str, dict[str, str]] = {
    # identity, composition, status, référent
    "household.view": {SW: ALL, MGR: ALL, LET: ALL, DEBT: TENANTS, TEN: TENANTS, CELL: AGENDA},
    "household.create": {SW: NONE, MGR: NONE, LET: NONE},
    "household.change": {SW: OWN, MGR: ALL, LET: PRESELECTION},
    "household.import": {MGR: NONE, LET: NONE},
    "household.assign_referent": {MGR: ALL},
    "household.change_status": {SW: OWN, MGR: ALL, LET: PRESELECTION},
    # diagnostic detail: five themes, budget, health, addiction
    "diagnostic.view_detail": {SW: ALL, MGR: ALL},
    "diagnostic.change": {SW: OWN},
    "diagnostic.set_level": {MGR: ALL},
    "diagnostic.review": {MGR: ALL},
    # diagnostic synthesis: level, obstacles by category, proposal
    "diagnostic.view_synthesis": {SW: ALL, MGR: ALL, LET: ALL, DEBT: ALL, CELL: AGENDA},
    # rent debt, plan d'apurement
    "debt.view": {SW: OWN, MGR: ALL, LET: ALL, DEBT: TENANTS, TEN: TENANTS, CELL: AGENDA},
    "debt.change": {SW: OWN, DEBT: TENANTS},
    # contacts (visits, calls) and notes
    "contact.view": {SW: ALL, MGR: ALL},
    "contact.change": {SW: OWN},
    "accompaniment.view": {SW: ALL, MGR: ALL},
    "accompaniment.change": {SW: OWN, MGR: ALL},
    "accompaniment.approve": {MGR: ALL},
    # the semi-directive interview and its rapport social: the CCAS, and the tenancy officer
    # who co-led it (that interview only: Interview.objects.visible_to)
    "interview.view": {SW: ALL, MGR: ALL, TEN: NONE},
    # signals (unpaid rent, trouble, upkeep)
    "signal.view": {SW: OWN, MGR: ALL, LET: ALL, DEBT: ALL, TEN: ALL},
    "signal.create": {LET: ALL, DEBT: ALL, TEN: ALL},
    # the manager reads signals (R): the référent acknowledges and records adhesion loss
    "signal.create_adhesion_loss": {SW: OWN},
    "signal.acknowledge": {SW: OWN},
    # rehousing, dwellings, conventions
    "housing.view": {SW: OWN, MGR: ALL, LET: ALL, DEBT: ALL, TEN: ALL},
    "housing.change": {LET: ALL},
    # meetings, decisions, minutes (not about one household)
    "meeting.view": {SW: NONE, MGR: NONE, LET: NONE, DEBT: NONE, CELL: NONE},
    "meeting.change": {MGR: NONE, LET: NONE, DEBT: NONE, CELL: NONE},
    "meeting.plan": {MGR: NONE},
    # the cellule is convened by Caen habitat (its letting service) and by the CCAS (§3.2.2)
    "cellule.convene": {MGR: NONE, LET: NONE},
    "minutes.view": {SW: NONE, MGR: NONE, LET: NONE, DEBT: NONE, CELL: NONE, STATE: NONE},
    # the comité de suivi's pages (members, adjustments, the bilans it approved): the State
    # reader sits in it (§5.2); a cellule member as such does not
    "comite.view": {SW: NONE, MGR: NONE, LET: NONE, DEBT: NONE, STATE: NONE},
    "minutes.approve": {MGR: NONE},
    # admitting past the 50 % cap of eviction-threat accompaniments, with a written reason
    "admission.override_cap": {MGR: NONE},
    # partners directory (docs/domain.md §4); orientations themselves follow contact.view
    "partner.view": {SW: NONE, MGR: NONE, LET: NONE, DEBT: NONE, TEN: NONE, CELL: NONE},
    "partner.change": {MGR: NONE},
    # dashboards, bilans, exports (aggregated)
    "reporting.view": {SW: NONE, MGR: NONE, LET: NONE, DEBT: NONE, CELL: NONE, STATE: NONE},
    "reporting.small_cells": {SW: NONE, MGR: NONE},
    # the households behind a figure of the dashboard (each read logged)
    "reporting.households": {SW: NONE, MGR: NONE},
    # the comité de suivi's approval of a yearly bilan, recorded by the CCAS manager
    "bilan.approve": {MGR: NONE},
    # the budget's actuals (§6)
    "budget.change": {MGR: NONE},
    # the access log
    "audit.view": {MGR: NONE},
    # archived households (retention): the direction, with a typed reason, the read logged
    "archive.view": {MGR: ALL},
    # rights of the person: everything held on a household (access request), the notice given
    "household.access_request": {MGR: ALL},
    "household.record_notice": {SW: OWN, MGR: ALL},
    # one's own notifications and their preferences; the periodic jobs' runs (operators)
    "notification.view": {r: NONE for r in Role},
    "jobs.view": {MGR: NONE, ADMIN: NONE},
}


# scope -> function(user) returning the ids of the households the scope gives `user` (a
# QuerySet, used as a subquery: one row per household, whatever the joins behind it).
_SCOPE_HOUSEHOLDS = {}


def provide_scope(scope: str, households_of) -> None:
    """Called by the app owning `scope`'s data, in its AppConfig.ready()."""
    _SCOPE_HOUSEHOLDS[scope] = households_of


def scope_households(scope: str, user):
    """The ids of the households `scope` gives `user` (a QuerySet), from the app providing it."""
    try:
        households_of = _SCOPE_HOUSEHOLDS[scope]
    except KeyError:
        raise ImproperlyConfigured(
            f"No installed app provides the policy scope {scope!r}."
        ) from None
    return households_of(user)


def scopes(user, action: str) -> frozenset[str]:
    """The scopes `user`'s roles give for `action` (empty: not allowed).

    Remembered on the user object for as long as its `roles` are (one request: the middleware
    loads the user for each): a page asks the same few actions dozens of times (the menu, the
    header badge, each row's links)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles = user.roles
    memo = user.__dict__.get("_policy_scopes")
    if memo is None or memo[0] is not roles:
        memo = user.__dict__["_policy_scopes"] = (roles, {})
    found = memo[1].get(action)
    if found is None:
        rule = RULES[action]
        found = memo[1][action] = frozenset(scope for role, scope in rule.items() if role in roles)
    return found


def household_q(user, action: str, prefix: str = "") -> Q:
    """A filter on Household (or on a model reaching it through `prefix`, e.g. "household__").

    Archived households are left out for every action but ARCHIVE_VIEW."""
    scope = _scope_q(user, action, prefix)
    if prefix and not scope:
        return _archived_or_not_without_join(action, prefix)
    live = _not_archived(action, prefix)
    return scope & live if scope else live


def _not_archived(action, prefix):
    if action == ARCHIVE_VIEW:
        return Q(**{f"{prefix}status": ARCHIVED_STATUS})
    return ~Q(**{f"{prefix}status": ARCHIVED_STATUS})


def _archived_or_not_without_join(action, prefix):
    """`_not_archived` for a model reaching the household through `prefix`, when nothing else
    is asked of the household (a scope of ALL): whether its household is among the archived
    ones (an index of 1,164 at 10,000 households), rather than a join to every household to
    read its status. A count of the direction's 759 signals: 1.4 → 0.3 ms
    (docs/performance.md, « The direction's scope without a join »)."""
    from django.apps import apps  # the policy sits below the households app

    archived = Exists(
        apps.get_model("households", "Household").objects.filter(
            status=ARCHIVED_STATUS, pk=OuterRef(prefix.removesuffix("__"))
        )
    )
    return Q(archived) if action == ARCHIVE_VIEW else ~Q(archived)


def _scope_q(user, action: str, prefix: str = "") -> Q:
    """The scope alone: Q() (no filter) for ALL and NONE."""
    found = scopes(user, action)
    if ALL in found or NONE in found:
        return Q()
    q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    if OWN in found:
        q |= Q(**{f"{prefix}referent": user}) | Q(**{f"{prefix}substitute": user})
    if TENANTS in found:
        q |= Q(**{f"{prefix}tenant_account__gt": ""})
    if PRESELECTION in found:
        q |= Q(**{f"{prefix}status__in": PRESELECTION_STATUSES})
    if AGENDA in found:
        q |= Q(**{f"{prefix}pk__in": scope_households(AGENDA, user)})
    return q


def can(user, action: str, household=None) -> bool:
    """May `user` do `action` (to `household`, when the action is about one)?"""
    found = scopes(user, action)
    if not found:
        return False
    if household is None:
        return True
    if (household.status == ARCHIVED_STATUS) != (action == ARCHIVE_VIEW):
        return False
    if ALL in found or NONE in found:
        return True
    if OWN in found and user.pk in (household.referent_id, household.substitute_id):
        return True
    if TENANTS in found and household.tenant_account:
        return True
    if PRESELECTION in found and household.status in PRESELECTION_STATUSES:
        return True
    if AGENDA in found:
        return (
            type(household)
            .objects.filter(pk=household.pk)
            .filter(household_q(user, action))
            .exists()
        )
    return False


def require(user, action: str, household=None) -> None:
    if not can(user, action, household):
        raise PermissionDenied("Vous n'avez pas accès à cette page.")


def allowed_roles(action: str) -> set[str]:
    return set(RULES[action])


def action_required(action: str):
    """View decorator: the user must hold a role allowed for `action` (object checks stay in the view)."""
    from functools import wraps

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
