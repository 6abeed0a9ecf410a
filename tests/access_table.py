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
    # --- diagnostics ------------------------------------------------------------------
    # --- housing ----------------------------------------------------------------------
    from django.core.files.base import ContentFile

    from tests.housing.factories import (
        AgreementDocumentFactory,
        DwellingFactory,
        ProposalFactory,
        RehousingFactory,
    )

    w.dwelling = DwellingFactory()
    w.proposal = ProposalFactory(household=w.household, dwelling=w.dwelling)
    w.rehousing = RehousingFactory(household=w.household)
    w.document = AgreementDocumentFactory(
        household=w.household,
        signed_scan=ContentFile(b"%PDF-1.4 scan", name="scan.pdf"),
    )
    from accompaniments.housing.models import DwellingImport

    w.dwelling_import = DwellingImport.objects.create(filename="parc.csv", created_by=users[LET])
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
    # --- diagnostics ------------------------------------------------------------------
    # --- housing ----------------------------------------------------------------------
    # Stock and board: every Caen habitat / CCAS role of "rehousing, dwellings, conventions".
    "housing:dwelling_list": (
        None,
        expect(403, **{SW: 200, MGR: 200, LET: 200, DEBT: 200, TEN: 200}),
    ),
    "housing:letting_board": (
        None,
        expect(403, **{SW: 200, MGR: 200, LET: 200, DEBT: 200, TEN: 200}),
    ),
    "housing:import": (None, expect(403, letting_officer=200)),
    "housing:import_detail": (
        lambda w: {"pk": w.dwelling_import.pk},
        expect(403, letting_officer=200),
    ),
    "housing:import_apply": (lambda w: {"pk": w.dwelling_import.pk}, expect(405)),
    # A household's pathway and documents: 404 where the household is out of scope.
    "housing:pathway": (
        lambda w: {"pk": w.household.pk},
        expect(404, **{SW: 200, MGR: 200, LET: 200, DEBT: 200, TEN: 200}),
    ),
    "housing:matching": (lambda w: {"pk": w.household.pk}, expect(403, letting_officer=200)),
    "housing:wishes": (lambda w: {"pk": w.household.pk}, expect(405)),
    "housing:propose": (
        lambda w: {"pk": w.household.pk, "dwelling_pk": w.dwelling.pk},
        expect(405),
    ),
    "housing:rehousing_create": (lambda w: {"pk": w.household.pk}, expect(405)),
    "housing:document_generate": (
        lambda w: {"pk": w.household.pk, "kind": "convention"},
        expect(405),
    ),
    "housing:proposal_decide": (lambda w: {"pk": w.proposal.pk}, expect(405)),
    "housing:glide": (lambda w: {"pk": w.rehousing.pk}, expect(405)),
    "housing:document_download": (
        lambda w: {"pk": w.document.pk},
        expect(404, **{SW: 200, MGR: 200, LET: 200, DEBT: 200, TEN: 200}),
    ),
    "housing:document_sign": (lambda w: {"pk": w.document.pk}, expect(405)),
    "housing:document_scan": (
        lambda w: {"pk": w.document.pk},
        expect(404, **{SW: 200, MGR: 200, LET: 200, DEBT: 200, TEN: 200}),
    ),
    # --- accompaniments ---------------------------------------------------------------
    # --- coordination -----------------------------------------------------------------
    # --- reporting --------------------------------------------------------------------
}
