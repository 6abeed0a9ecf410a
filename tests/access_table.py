"""Who gets what on every URL (docs/access.md), walked by test_access_matrix.py.

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
    # The cellule member reads households on a published agenda of a meeting they sit in.
    from django.utils import timezone

    from coordination.models import AgendaItem, Meeting

    w.agenda_meeting = Meeting.objects.create(
        date=timezone.now(), agenda_published_at=timezone.now()
    )
    w.agenda_meeting.members.add(users[CELL])
    AgendaItem.objects.create(meeting=w.agenda_meeting, kind="level", household=w.household)
    from households.models import ImportBatch

    w.import_batch = ImportBatch.objects.create(
        source="dalo",
        filename="liste.csv",
        content=b"reference;nom;prenom\nD-1;Martin;Lucie\n",
        uploaded_by=users[LET],
    )
    # --- diagnostics ------------------------------------------------------------------
    # world.household: level 2, version 1 submitted (with its CODESI report), version 2 a
    # draft; on a published agenda of a meeting the cellule member sits in.
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from coordination.models import AgendaItem, ItemKind, Meeting
    from diagnostics.models import Capacity, Diagnostic, DiagnosticStep

    w.household.diagnostic_level = 2
    w.household.save(update_fields=["diagnostic_level"])
    w.diagnostic_v1 = Diagnostic.objects.create(
        household=w.household,
        level=2,
        author=users[SW],
        capacity=Capacity.YES,
        intensity="medium",
        proposed_duration_months=6,
    )
    w.diagnostic_v1.social_report.save("r.pdf", ContentFile(b"%PDF-1.4 walk"))
    DiagnosticStep.objects.create(
        diagnostic=w.diagnostic_v1, kind="family_meeting", date=timezone.localdate()
    )
    # The five themes stated, the budget of a level 2, the arrears and debt of a tenant.
    from diagnostics.models import Debt
    from tests.diagnostics.factories import add_lines

    w.diagnostic_v1.nothing_to_report = ["socio", "housing", "dwelling", "follow_up"]
    w.diagnostic_v1.arrears_triggers = ["job_loss"]
    w.diagnostic_v1.save()
    add_lines(w.diagnostic_v1, {"salaries": "1200"}, {"rent": "400"})
    Debt.objects.create(diagnostic=w.diagnostic_v1, creditor="Caen habitat", amount=900)
    w.diagnostic_v1.submit(by=users[SW])
    w.diagnostic = w.diagnostic_v1.reopen(by=users[SW])
    w.diagnostic_step = w.diagnostic.steps.get()
    meeting = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
    meeting.members.add(users[CELL])
    AgendaItem.objects.create(meeting=meeting, kind=ItemKind.ADMISSION, household=w.household)
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
    from housing.models import DwellingImport

    w.dwelling_import = DwellingImport.objects.create(filename="parc.csv", created_by=users[LET])
    # --- accompaniments ---------------------------------------------------------------
    from accompaniments.models import ClosureReason, InterviewKind, SignalKind
    from households.enums import Status
    from tests.accompaniments.factories import (
        AccompanimentFactory,
        ObjectiveFactory,
        SignalFactory,
    )

    w.acc_household = HouseholdFactory(referent=users[SW], tenant=True, status=Status.ACCOMPANIED)
    w.accompaniment = AccompanimentFactory(household=w.acc_household)
    w.objective = ObjectiveFactory(accompaniment=w.accompaniment)
    w.extension = w.accompaniment.extensions.create(
        until=w.accompaniment.planned_end.replace(year=w.accompaniment.planned_end.year + 1),
        justification="Relogement en cours",
        requested_by=users[SW],
    )
    w.interview = w.accompaniment.interviews.create(
        kind=InterviewKind.DURING,
        held_on=w.accompaniment.start,
        social_worker=users[SW],
        tenancy_officer=users[TEN],
        difficulties="…",
        changes="…",
        outcome="…",
    )
    w.signal = SignalFactory(
        household=w.acc_household, kind=SignalKind.UNPAID_RENT, amount=300, months=1
    )
    from accompaniments.models import PlannedVisit

    w.planned_visit = PlannedVisit.objects.create(
        accompaniment=w.accompaniment,
        kind="home_visit",
        starts_at=timezone.now() + timezone.timedelta(days=3),
        worker=users[SW],
        planned_by=users[SW],
    )
    w.admitted_household = HouseholdFactory(referent=users[SW], status=Status.ADMITTED)
    w.closed_accompaniment = AccompanimentFactory(
        household=HouseholdFactory(referent=users[SW], status=Status.POST_AUTONOMY),
        status="closed",
        closed_on=w.accompaniment.start,
        closure_reason=ClosureReason.AUTONOMY,
    )
    # --- coordination -----------------------------------------------------------------
    _coordination_world(w, users)
    # --- reporting --------------------------------------------------------------------
    from reporting import bilans
    from reporting.models import PublishedBilan

    w.year = timezone.localdate().year
    w.published_bilan = PublishedBilan.objects.create(
        year=w.year, version=1, figures=bilans.live(w.year), approved_by=users[MGR]
    )
    # --- privacy ----------------------------------------------------------------------
    from households.enums import Status as HouseholdStatus

    w.archived_household = HouseholdFactory(status=HouseholdStatus.ARCHIVED)
    return w


def _coordination_world(w, users):
    """A held cellule whose published agenda carries `w.household`, with the cellule member
    sitting in it; approved minutes of an earlier cellule; a comité de suivi; a partner."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from coordination.enums import ItemKind, MeetingKind, PartnerCategory
    from coordination.models import (
        Adjustment,
        AgendaItem,
        Meeting,
        Minutes,
        Orientation,
        Partner,
    )

    now = timezone.now()
    w.meeting = Meeting.objects.create(
        date=now - datetime.timedelta(hours=2), agenda_published_at=now - datetime.timedelta(days=7)
    )
    w.meeting.members.set([users[CELL], users[MGR], users[LET], users[DEBT]])
    w.agenda_item = AgendaItem.objects.create(
        meeting=w.meeting, kind=ItemKind.LEVEL, household=w.household, position=1
    )
    w.approved_meeting = Meeting.objects.create(
        date=now - datetime.timedelta(days=90),
        agenda_published_at=now - datetime.timedelta(days=97),
        minutes_approved_at=now - datetime.timedelta(days=85),
    )
    w.approved_meeting.members.set([users[CELL]])
    w.minutes = Minutes(meeting=w.approved_meeting, number=1, approved_by=users[MGR])
    w.minutes.pdf.save("cr.pdf", ContentFile(b"%PDF-1.4 compte rendu"), save=False)
    w.minutes.save()
    w.comite = Meeting.objects.create(
        kind=MeetingKind.COMITE, date=now - datetime.timedelta(days=30)
    )
    w.comite.bilan.save("bilan.pdf", ContentFile(b"%PDF-1.4 bilan"), save=True)
    w.adjustment = Adjustment.objects.create(meeting=w.comite, title="Ajustement", owner="CCAS")
    w.partner = Partner.objects.create(name="SIAO", category=PartnerCategory.SIGNALEMENT)
    w.orientation = Orientation.objects.create(
        household=w.household, partner=w.partner, reason="Orientation", created_by=users[SW]
    )


ROWS = {
    # --- project ----------------------------------------------------------------------
    # Every role is sent to its work page (social worker: accompaniments:caseload; managers and
    # Caen habitat: households:list; cellule member and state reader: coordination:list).
    "home": (None, expect(302)),
    "health": (None, expect(200, anonymous=200)),
    "accessibility": (None, expect(200, anonymous=200)),
    "accounts:login": (None, expect(302, anonymous=200)),  # a logged-in user is sent home
    "accounts:logout": (None, expect(405, anonymous=LOGIN)),  # POST only
    # Second factor off in the walk (REQUIRE_2FA=0, no device): verification sends the user on.
    "accounts:two_factor_verify": (None, expect(302)),
    "accounts:two_factor_setup": (None, expect(200)),
    "accounts:account": (None, expect(200)),
    "accounts:password_change": (None, expect(200)),
    "accounts:backup_codes": (None, expect(405, anonymous=LOGIN)),  # POST only
    "audit:list": (None, expect(403, ccas_manager=200)),
    # --- notifications ----------------------------------------------------------------
    "notifications:list": (None, expect(200)),
    "notifications:read": (lambda w: {"pk": 1}, expect(405)),  # POST only
    "notifications:read_all": (None, expect(405)),  # POST only
    "notifications:preferences": (None, expect(200)),
    "notifications:jobs": (None, expect(403, ccas_manager=200, admin=200)),
    # --- privacy (rights of the person, archives) -------------------------------------
    "privacy:personal_data": (None, expect(200, anonymous=200)),
    "privacy:archive_list": (None, expect(403, ccas_manager=200)),
    "privacy:archive_read": (
        lambda w: {"pk": w.archived_household.pk},
        expect(403, ccas_manager=200),
    ),
    "privacy:access_request": (lambda w: {"pk": w.household.pk}, expect(403, ccas_manager=200)),
    "privacy:access_request_pdf": (
        lambda w: {"pk": w.household.pk},
        expect(403, ccas_manager=200),
    ),
    "privacy:access_request_json": (
        lambda w: {"pk": w.household.pk},
        expect(403, ccas_manager=200),
    ),
    "privacy:record_notice": (
        lambda w: {"pk": w.household.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    # --- households -------------------------------------------------------------------
    "households:list": (None, expect(200, state_reader=403, admin=403)),
    "households:detail": (
        lambda w: {"pk": w.household.pk},
        expect(200, state_reader=403, admin=403),
    ),
    "households:create": (
        None,
        expect(403, social_worker=200, ccas_manager=200, letting_officer=200),
    ),
    "households:edit": (
        lambda w: {"pk": w.household.pk},
        expect(403, social_worker=200, ccas_manager=200, letting_officer=200),
    ),
    "households:change_status": (lambda w: {"pk": w.household.pk}, expect(405)),  # POST only
    "households:assign_referent": (lambda w: {"pk": w.household.pk}, expect(405)),  # POST only
    "households:import": (None, expect(403, ccas_manager=200, letting_officer=200)),
    "households:import_preview": (
        lambda w: {"pk": w.import_batch.pk},
        expect(403, ccas_manager=200, letting_officer=200),
    ),
    "households:import_progress": (
        lambda w: {"pk": w.import_batch.pk},
        expect(403, ccas_manager=200, letting_officer=200),
    ),
    "households:import_confirm": (lambda w: {"pk": w.import_batch.pk}, expect(405)),  # POST only
    "households:import_cancel": (lambda w: {"pk": w.import_batch.pk}, expect(405)),  # POST only
    # --- diagnostics ------------------------------------------------------------------
    "diagnostics:list": (None, expect(403, social_worker=200, ccas_manager=200)),
    "diagnostics:detail": (
        lambda w: {"pk": w.diagnostic_v1.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "diagnostics:edit": (lambda w: {"pk": w.diagnostic.pk}, expect(403, social_worker=200)),
    "diagnostics:compare": (
        lambda w: {"pk": w.diagnostic.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "diagnostics:social_report": (
        lambda w: {"pk": w.diagnostic_v1.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "diagnostics:synthesis": (
        lambda w: {"pk": w.diagnostic_v1.pk},
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            cellule_member=200,
        ),
    ),
    "diagnostics:synthesis_pdf": (
        lambda w: {"pk": w.diagnostic_v1.pk},
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            cellule_member=200,
        ),
    ),
    "coordination:provisional_level": (
        lambda w: {"household_pk": w.household.pk},
        expect(403, ccas_manager=200),
    ),
    # POST only.
    "diagnostics:add_step": (lambda w: {"pk": w.diagnostic.pk}, expect(405)),
    "diagnostics:delete_step": (
        lambda w: {"pk": w.diagnostic.pk, "step_pk": w.diagnostic_step.pk},
        expect(405),
    ),
    "diagnostics:upload_report": (lambda w: {"pk": w.diagnostic.pk}, expect(405)),
    "diagnostics:reopen": (lambda w: {"pk": w.diagnostic_v1.pk}, expect(405)),
    "diagnostics:review": (lambda w: {"pk": w.diagnostic_v1.pk}, expect(405)),
    "diagnostics:start": (lambda w: {"household_pk": w.household.pk}, expect(405)),
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
    # world.household is a tenant: for a non-tenant, the debt and tenancy officers read the
    # pathway without names and get 403 on its documents (tests/housing/test_views.py).
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
    "accompaniments:caseload": (None, expect(403, social_worker=200, ccas_manager=200)),
    "accompaniments:surveys": (None, expect(403, social_worker=200, ccas_manager=200)),
    "accompaniments:start": (
        lambda w: {"household_pk": w.admitted_household.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:detail": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:edit_plan": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:objective_create": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:objective_edit": (
        lambda w: {"pk": w.accompaniment.pk, "objective_pk": w.objective.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:contact_create": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, social_worker=200),
    ),
    "accompaniments:extension_request": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:extension_decide": (  # POST only
        lambda w: {"pk": w.accompaniment.pk, "extension_pk": w.extension.pk},
        expect(405),
    ),
    "accompaniments:referent_change": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, ccas_manager=200),
    ),
    "accompaniments:adhesion": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:interview_create": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    # The tenancy officer of the walk co-led world.interview (docs/access.md).
    "accompaniments:interview_detail": (
        lambda w: {"pk": w.accompaniment.pk, "interview_pk": w.interview.pk},
        expect(403, social_worker=200, ccas_manager=200, tenancy_officer=200),
    ),
    "accompaniments:interview_pdf": (
        lambda w: {"pk": w.accompaniment.pk, "interview_pk": w.interview.pk},
        expect(403, social_worker=200, ccas_manager=200, tenancy_officer=200),
    ),
    "accompaniments:close": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:survey_create": (
        lambda w: {"pk": w.closed_accompaniment.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:visit_plan": (
        lambda w: {"pk": w.accompaniment.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:visit_move": (
        lambda w: {"pk": w.accompaniment.pk, "visit_pk": w.planned_visit.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:visit_cancel": (  # POST only
        lambda w: {"pk": w.accompaniment.pk, "visit_pk": w.planned_visit.pk},
        expect(405),
    ),
    "accompaniments:reminder_consent": (
        lambda w: {"household_pk": w.acc_household.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "accompaniments:signals": (
        None,
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            tenancy_officer=200,
        ),
    ),
    "accompaniments:signal_create": (
        None,
        expect(403, letting_officer=200, debt_officer=200, tenancy_officer=200),
    ),
    "accompaniments:adhesion_loss_create": (
        lambda w: {"household_pk": w.acc_household.pk},
        expect(403, social_worker=200),
    ),
    "accompaniments:signal_detail": (
        lambda w: {"pk": w.signal.pk},
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            tenancy_officer=200,
        ),
    ),
    "accompaniments:signal_acknowledge": (lambda w: {"pk": w.signal.pk}, expect(405)),  # POST only
    # --- coordination -----------------------------------------------------------------
    "coordination:list": (None, expect(200, tenancy_officer=403, admin=403)),
    # Caen habitat's letting service convenes the cellule as well as the CCAS (§3.2.2).
    "coordination:plan": (None, expect(403, ccas_manager=200, letting_officer=200)),
    "coordination:standing_members": (None, expect(403, ccas_manager=200, letting_officer=200)),
    "coordination:detail": (
        lambda w: {"pk": w.meeting.pk},
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            cellule_member=200,
        ),
    ),
    "coordination:agenda": (
        lambda w: {"pk": w.meeting.pk},
        expect(403, ccas_manager=200, letting_officer=200),
    ),
    "coordination:agenda_add": (lambda w: {"pk": w.meeting.pk}, expect(405)),
    "coordination:agenda_manual": (lambda w: {"pk": w.meeting.pk}, expect(405)),
    "coordination:agenda_remove": (
        lambda w: {"pk": w.meeting.pk, "item_pk": w.agenda_item.pk},
        expect(405),
    ),
    "coordination:publish": (lambda w: {"pk": w.meeting.pk}, expect(405)),
    "coordination:member_add": (lambda w: {"pk": w.meeting.pk}, expect(405)),
    "coordination:member_remove": (
        lambda w: {"pk": w.meeting.pk, "user_pk": w.users[CELL].pk},
        expect(405),
    ),
    "coordination:attendance": (lambda w: {"pk": w.meeting.pk}, expect(405)),
    "coordination:preread": (
        lambda w: {"pk": w.meeting.pk},
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            cellule_member=200,
        ),
    ),
    "coordination:preread_pdf": (
        lambda w: {"pk": w.meeting.pk},
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            cellule_member=200,
        ),
    ),
    "coordination:decide": (
        lambda w: {"pk": w.meeting.pk, "item_pk": w.agenda_item.pk},
        expect(403, ccas_manager=200, letting_officer=200, debt_officer=200, cellule_member=200),
    ),
    "coordination:minutes_preview": (
        lambda w: {"pk": w.meeting.pk},
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            cellule_member=200,
        ),
    ),
    # The approval page shows the manager what each recipient will receive (docs/access.md).
    "coordination:minutes_approve": (lambda w: {"pk": w.meeting.pk}, expect(403, ccas_manager=200)),
    "coordination:minutes_correct": (lambda w: {"pk": w.meeting.pk}, expect(405)),
    # The DDCS downloads every approved minutes; a cellule member those of their meetings.
    "coordination:minutes_download": (
        lambda w: {"minutes_pk": w.minutes.pk},
        expect(200, tenancy_officer=403, admin=403),
    ),
    # The comité de suivi (§5.2): the CCAS, Caen habitat and the State reader sit in it; a
    # cellule member as such does not (comite.view).
    "coordination:comite": (
        lambda w: {"pk": w.comite.pk},
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            state_reader=200,
        ),
    ),
    "coordination:comite_participant_add": (lambda w: {"pk": w.comite.pk}, expect(405)),
    "coordination:adjustment_add": (lambda w: {"pk": w.comite.pk}, expect(405)),
    "coordination:adjustment_status": (
        lambda w: {"pk": w.comite.pk, "adjustment_pk": w.adjustment.pk},
        expect(405),
    ),
    "coordination:bilan_download": (
        lambda w: {"pk": w.comite.pk},
        expect(
            403,
            social_worker=200,
            ccas_manager=200,
            letting_officer=200,
            debt_officer=200,
            state_reader=200,
        ),
    ),
    "coordination:partners": (None, expect(200, state_reader=403, admin=403)),
    "coordination:partner_create": (None, expect(403, ccas_manager=200)),
    "coordination:partner": (
        lambda w: {"pk": w.partner.pk},
        expect(200, state_reader=403, admin=403),
    ),
    # Orientations can reveal a health follow-up: the référent and the CCAS manager only.
    "coordination:orientation_create": (
        lambda w: {"household_pk": w.household.pk},
        expect(403, social_worker=200, ccas_manager=200),
    ),
    "coordination:orientation_outcome": (lambda w: {"pk": w.orientation.pk}, expect(405)),
    # --- reporting --------------------------------------------------------------------
    # Aggregates for every role of "dashboards, bilans, exports" (docs/access.md); not the tenancy
    # officer. The households behind a figure: CCAS roles only (400 here: no figure named).
    "reporting:dashboard": (None, expect(200, tenancy_officer=403, admin=403)),
    # « Actualiser les chiffres »: POST only, the same roles as the dashboard
    # (tests/reporting/test_snapshots.py).
    "reporting:dashboard_refresh": (None, expect(405)),
    "reporting:households": (None, expect(403, social_worker=400, ccas_manager=400)),
    "reporting:budget": (None, expect(200, tenancy_officer=403, admin=403)),
    "reporting:bilans": (None, expect(200, tenancy_officer=403, admin=403)),
    "reporting:bilan_year": (
        lambda w: {"year": w.year},
        expect(200, tenancy_officer=403, admin=403),
    ),
    "reporting:bilan_publish": (lambda w: {"year": w.year}, expect(405)),
    "reporting:bilan_download": (
        lambda w: {"year": w.year, "fmt": "json"},
        expect(200, tenancy_officer=403, admin=403),
    ),
    "reporting:published_download": (
        lambda w: {"year": w.year, "version": 1, "fmt": "json"},
        expect(200, tenancy_officer=403, admin=403),
    ),
}
