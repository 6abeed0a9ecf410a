"""The reference table of who gets what on every URL (ACCESS.md), walked by test_access_matrix.py.

Every URL pattern of the project must have a row here: a new view without a row fails the walk.
A row is `"namespace:name": (kwargs(world) or None, expect(default, role=status, ...))`. The walk
requests each URL with GET as an anonymous visitor and as a user of each role.
`world` holds one object of each kind, built by `build_world` (each app adds its objects in its
own section). The social worker of the walk is the référent of `world.household`, which is a
Caen habitat tenant on a published agenda of a meeting the cellule member sits in.
"""

from types import SimpleNamespace

ANON = "anonymous"
SW = "social_worker"
MGR = "ccas_manager"
LET = "letting_officer"
DEBT = "debt_officer"
TEN = "tenancy_officer"
CELL = "cellule_member"
STATE = "state_reader"
ADMIN = "admin"
ROLES = [ANON, SW, MGR, LET, DEBT, TEN, CELL, STATE, ADMIN]

LOGIN = 302  # anonymous visitors are sent to /connexion/


def expect(default, anonymous=LOGIN, **by_role):
    table = {role: default for role in ROLES}
    table[ANON] = anonymous
    table.update(by_role)
    return table


def build_world(users):
    """`users` maps each role to a user of that role. Returns the objects the rows point at."""
    from tests.factories import HouseholdFactory

    w = SimpleNamespace(users=users)
    # --- households -------------------------------------------------------------------
    w.household = HouseholdFactory(referent=users[SW], tenant=True)
    from households.models import ImportBatch

    w.import_batch = ImportBatch.objects.create(
        source="dalo",
        filename="liste.csv",
        content=b"reference;nom;prenom\nD-1;Martin;Lucie\n",
        uploaded_by=users[LET],
    )
    # --- diagnostics ------------------------------------------------------------------
    # --- housing ----------------------------------------------------------------------
    # --- accompaniments ---------------------------------------------------------------
    # --- coordination -----------------------------------------------------------------
    # --- reporting --------------------------------------------------------------------
    return w


ROWS = {
    # --- project ----------------------------------------------------------------------
    # Each role is redirected to its work page once that page exists; until then, a welcome page.
    "home": (None, expect(200, anonymous=302, admin=302)),
    "health": (None, expect(200, anonymous=200)),
    "accessibility": (None, expect(200, anonymous=200)),
    "accounts:login": (None, expect(302, anonymous=200)),  # a logged-in user is sent home
    "accounts:logout": (None, expect(405, anonymous=LOGIN)),  # POST only
    "audit:list": (None, expect(403, ccas_manager=200)),
    # --- households -------------------------------------------------------------------
    "households:import": (None, expect(403, ccas_manager=200, letting_officer=200)),
    "households:import_preview": (
        lambda w: {"pk": w.import_batch.pk},
        expect(403, ccas_manager=200, letting_officer=200),
    ),
    "households:import_confirm": (lambda w: {"pk": w.import_batch.pk}, expect(405)),  # POST only
    "households:import_cancel": (lambda w: {"pk": w.import_batch.pk}, expect(405)),  # POST only
    # --- diagnostics ------------------------------------------------------------------
    # --- housing ----------------------------------------------------------------------
    # --- accompaniments ---------------------------------------------------------------
    # --- coordination -----------------------------------------------------------------
    # --- reporting --------------------------------------------------------------------
}
