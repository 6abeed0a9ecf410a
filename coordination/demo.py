"""Demo data of the cellule, in three phases (seed_demo's DEMO_STEPS), every record through its
owner (`Meeting.add_items`, `publish_agendas`, `record_attendance`, `approve_minutes_many`,
`record_decisions`, `Diagnostic.reopen_many`, `submit_many`), dates passed in (`at=`):

- `levels`, after the households: the past cellules the households' histories name, created
  with their agenda open; every file paused at its inscription (`ctx.levels`) inscribed on its
  cellule's agenda at its history's moment (the inscription moves it to « en attente de
  niveau »), with the admission points its history will need (each inscribed at the diagnostic's
  submission); the past agendas published a week before each cellule; the level decisions
  recorded, each file's next steps through `move_many` up to its diagnostic's submission
  (`ctx.submissions`, diagnostics.demo);
- `admissions`, after the submitted diagnostics: the admission decisions and the « compléments
  demandés » (ajourné) of the files diagnostics.demo handed on (`ctx.awaiting`), meeting after
  meeting in date order; a deferred diagnostic reopened and submitted again; then the past
  cellules' attendance and minutes; the steps that follow handed on (`move_many` up to
  « admis », the rest to the accompaniments, `ctx.later`);
- `seed`, after the accompaniments: a past year of quarterly meetings reviewing accompaniments,
  the next meeting with its agenda ready to publish, a comité de suivi, the partners of
  docs/domain.md §4.1.

Idempotent (`seed` does nothing when the comité exists, `levels` and `admissions` nothing
without paused file) and deterministic (`ctx.rng`)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from diagnostics.models import Diagnostic
from households.demo import cellule_on_or_before, step_move
from households.enums import Public, Status
from households.models import Household

from .actions import EvictionShare, eviction_share, record_decisions
from .agenda import propose
from .enums import (
    AdjustmentStatus,
    ComiteOrganisation,
    ItemKind,
    MeetingKind,
    OrientationOutcome,
    Outcome,
    PartnerCategory,
)
from .models import (
    Adjustment,
    AgendaItem,
    ComiteParticipant,
    Meeting,
    MinutesRecipient,
    Orientation,
    Partner,
    PartnerContact,
    StandingMember,
)

PARTNERS = [
    (
        "DDCS du Calvados — secrétariat CODESI, CCAPEX, Commission de médiation",
        PartnerCategory.SIGNALEMENT,
    ),
    ("SIAO du Calvados", PartnerCategory.SIGNALEMENT),
    ("Structures d'hébergement (CHRS, FJT)", PartnerCategory.SIGNALEMENT),
    ("Caen habitat — Direction des Services à la Clientèle", PartnerCategory.SIGNALEMENT),
    ("Caen habitat — Service Location", PartnerCategory.OFFRE),
    ("Maison de l'habitat (contingent Ville de Caen)", PartnerCategory.OFFRE),
    ("Autres bailleurs sociaux de l'agglomération", PartnerCategory.OFFRE),
    ("USDA — Conseil départemental", PartnerCategory.ACCOMPAGNEMENT),
    (
        "CAF du Calvados — Service d'information et d'accompagnement des familles",
        PartnerCategory.ACCOMPAGNEMENT,
    ),
    ("Organismes tutélaires", PartnerCategory.ACCOMPAGNEMENT),
    ("Centres médico-sociaux de l'EPSM", PartnerCategory.ACCOMPAGNEMENT),
]

REASONS = {
    Outcome.NOT_ADMITTED: "Relogement déjà engagé par un autre dispositif",
    Outcome.DEFERRED: "Compléments attendus sur le budget",
    Outcome.CONTINUE: "Reprise des contacts, à revoir au prochain trimestre",
}


def _at(day, hour=14):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _publication(day):
    """A past cellule's agenda is published a week before it, once the offices close (after
    that day's inscriptions: the histories' moments fall between 9:00 and 16:50)."""
    return _at(day - timedelta(days=7), 17)


def _approval(day, now):
    """A past cellule's minutes are approved three days after it (not after now)."""
    return min(_at(day + timedelta(days=3), 11), now)


def _first_user(role):
    return User.objects.with_role(role).order_by("pk").first()


def _meeting(members, manager, **fields):
    """A cellule planned by the manager, its agenda open; its members through `add_member`."""
    meeting = Meeting.objects.create(place=PLACE, created_by=manager, **fields)
    for user in members:
        meeting.add_member(user)
    return meeting


def _next_cellule(ctx, members, manager, created_at=None):
    """The next cellule (in 12 days), its agenda open: found, or planned (`created_at`)."""
    day = timezone.localtime(ctx.now).date() + timedelta(days=12)
    found = Meeting.objects.cellules().filter(date=_at(day)).first()
    if found is not None:
        return found
    return _meeting(members, manager, date=_at(day), created_at=created_at or ctx.now)


def seed(ctx):  # noqa: C901 — demo data: one straight script of seeded random draws, no rule
    for name, category in PARTNERS:
        partner, created = Partner.objects.get_or_create(name=name, defaults={"category": category})
        if created and category == PartnerCategory.ACCOMPAGNEMENT:
            PartnerContact.objects.create(
                partner=partner, name="Accueil", function="Secrétariat", phone="02 31 00 00 00"
            )
    MinutesRecipient.objects.get_or_create(
        email="ddcs-hal@demo.invalid",
        defaults={
            "name": "Pôle Hébergement et Accès au Logement",
            "organisation": "DDCS du Calvados",
        },
    )
    if Meeting.objects.filter(kind=MeetingKind.COMITE).exists():
        return
    members = _members()
    if not members:
        return
    manager, recorder = members[0], members[-1]
    today = timezone.localtime(ctx.now).date()

    # A past year: four quarterly cellules, each with decisions and approved minutes; the last
    # one a quarter before the next (+12 days below), as docs/domain.md §5.1 asks.
    # Their household items are reviews of accompaniments already under way that day (the
    # level and admission decisions are the histories', above), then two points of their own:
    # inscribed ten days before, the agenda published, the attendance noted, the decisions
    # recorded, the minutes approved three days after, all on those days.
    accompanied = list(
        Household.objects.filter(status=Status.ACCOMPANIED)
        .order_by("pk")
        .values_list("pk", "status_changed_at")
    )
    ctx.rng.shuffle(accompanied)
    households = Household.objects.in_bulk([pk for pk, _since in accompanied])
    approvals = []
    for quarter in range(4):
        day = today - timedelta(days=352 - quarter * 91)
        meeting = _meeting(members, manager, date=_at(day), created_at=_at(day - timedelta(21), 9))
        inscribed = _at(day - timedelta(days=10), 10)
        under_way = [pk for pk, since in accompanied if since < inscribed]
        specs = [
            (
                dict(
                    kind=ItemKind.REVIEW,
                    household=households[pk],
                    reason="Point d'étape de l'accompagnement",
                ),
                dict(outcome=Outcome.CONTINUE, reason=REASONS[Outcome.CONTINUE]),
            )
            for pk in under_way[quarter * 3 : quarter * 3 + 3]
        ] + [
            (
                dict(kind=ItemKind.MANUAL, title=title),
                dict(outcome=Outcome.NOTED, reason="Calendrier validé"),
            )
            for title in (
                "Point sur le calendrier du trimestre",
                "Point sur les relogements du trimestre",
            )
        ]
        items = Meeting.add_items(
            (meeting, dict(item, by=manager, at=inscribed)) for item, _decision in specs
        )
        Meeting.publish_agendas([(meeting, dict(by=manager, at=_publication(day)))])
        meeting.record_attendance(members[:-1] if quarter == 2 else members)
        record_decisions(
            (
                item,
                dict(decision, by=recorder, at=meeting.date + timedelta(minutes=20 + 5 * n)),
            )
            for n, (item, (_item, decision)) in enumerate(zip(items, specs, strict=True))
        )
        approvals.append((meeting, dict(by=manager, at=_approval(day, ctx.now))))
    Meeting.approve_minutes_many(approvals)

    # The calendar ahead: the next cellule with its agenda ready to publish (the files awaiting
    # their level already on it: their inscription, `levels`), then the others.
    upcoming = _next_cellule(ctx, members, manager)
    for offset in (103, 194, 285):
        _meeting(members, manager, date=_at(today + timedelta(days=offset)))
    listed = set(upcoming.items.values_list("household", "kind"))
    specs = []
    for kind, proposals in propose(upcoming).items():
        # Files already awaiting their level (a preselected one would be moved by its
        # inscription).
        proposals = [
            p
            for p in proposals
            if p.household.status != Status.PRESELECTED and (p.household.pk, kind) not in listed
        ]
        for proposal in proposals[:6]:
            listed.add((proposal.household.pk, kind))
            specs.append(dict(kind=kind, household=proposal.household, reason=proposal.reason))
    # Every file awaiting its level is on this agenda (its inscription).
    for household in Household.objects.filter(status=Status.AWAITING_LEVEL).order_by("pk"):
        if (household.pk, ItemKind.LEVEL) not in listed:
            specs.append(
                dict(
                    kind=ItemKind.LEVEL,
                    household=household,
                    reason="Inscrit pour le choix du niveau de diagnostic",
                )
            )
    Meeting.add_items((upcoming, dict(spec, by=manager)) for spec in specs)

    # Last year's comité de suivi.
    comite = Meeting.objects.create(
        kind=MeetingKind.COMITE,
        date=_at(today - timedelta(days=60), 10),
        place="CCAS de Caen — salle Pierre Heuzé",
        created_by=manager,
    )
    ComiteParticipant.objects.bulk_create(
        ComiteParticipant(meeting=comite, name=name, organisation=org, function=function)
        for name, org, function in [
            (
                "Direction des Services à la Clientèle",
                ComiteOrganisation.CAEN_HABITAT,
                "Directrice",
            ),
            ("Direction de l'Action Sociale", ComiteOrganisation.CCAS, "Directeur"),
            ("Pôle Hébergement et Accès au Logement", ComiteOrganisation.DDCS, "Chef de pôle"),
            (
                "Direction de l'Insertion et du Logement",
                ComiteOrganisation.DEPARTEMENT,
                "Chargée de mission",
            ),
        ]
    )
    Adjustment.objects.bulk_create(
        [
            Adjustment(
                meeting=comite,
                title="Ouvrir la présélection aux signalements de la CCAPEX",
                owner="Caen habitat — Service Location",
                status=AdjustmentStatus.IN_PROGRESS,
                due_on=today + timedelta(days=90),
            ),
            Adjustment(
                meeting=comite,
                title="Entretien semi-directif à mi-parcours pour chaque accompagnement",
                owner="CCAS — Pôle Logement",
                status=AdjustmentStatus.DONE,
            ),
        ]
    )
    _orientations(ctx)
    ctx.stdout.write("  cellule : 4 cellules passées, calendrier à venir, comité de suivi")


def _members():
    """The cellule's standing members, the CCAS manager first (none without a manager)."""
    manager = _first_user(Role.CCAS_MANAGER)
    if manager is None:
        return []
    members = [manager] + [
        u
        for u in (
            _first_user(Role.LETTING_OFFICER),
            _first_user(Role.DEBT_OFFICER),
            _first_user(Role.CELLULE_MEMBER),
        )
        if u is not None
    ]
    for user in members:
        StandingMember.objects.get_or_create(user=user)
    return members


ADMISSION_OUTCOMES = {Status.ADMITTED: Outcome.ADMITTED, Status.NOT_ADMITTED: Outcome.NOT_ADMITTED}
CAP_OVERRIDE = (
    "Menace d'expulsion imminente : la direction admet le ménage au-delà du plafond, "
    "les autres publics restant prioritaires aux cellules suivantes."
)
PLACE = "Caen habitat, 16 rue de la Arcisse — salle du conseil"


def _is_inscription(step):
    return step[0] == Status.PRESELECTED and step[1] == Status.AWAITING_LEVEL


def _is_level(step):
    return step[0] == Status.AWAITING_LEVEL and step[1] == Status.DIAGNOSTIC


def _is_submission(step):
    return step[0] == Status.DIAGNOSTIC and step[1] == Status.AWAITING_ADMISSION


def _is_decision(step):
    """The cellule's decision on a submitted diagnostic: admission, non-admission, or
    « compléments demandés » (the file back to « diagnostic en cours »)."""
    return step[0] == Status.AWAITING_ADMISSION and step[1] in (
        Status.ADMITTED,
        Status.NOT_ADMITTED,
        Status.DIAGNOSTIC,
    )


def _open_cellule(at, today):
    """The first cellule of the histories' calendar whose agenda was still open at `at`
    (published a week before it); None when it is yet to come (the next cellule)."""
    day = cellule_on_or_before(timezone.localdate(at) + timedelta(days=48), today)
    return day if _publication(day) > at else None


def _cellules(first, members, manager):
    """The past cellules of `first` (day → the moment of its first inscription) as day →
    meeting: those already there with their agenda open, the others planned before their
    first inscription, their agenda open (`levels` publishes them)."""
    found = (
        {
            timezone.localdate(meeting.date): meeting
            for meeting in Meeting.objects.filter(
                kind=MeetingKind.CELLULE,
                agenda_published_at__isnull=True,
                date__lt=_at(max(first)) + timedelta(days=1),
            )
        }
        if first
        else {}
    )
    for day in sorted(set(first) - set(found)):
        created = min(_at(day - timedelta(days=14), 9), first[day] - timedelta(days=1))
        found[day] = _meeting(members, manager, date=_at(day), created_at=created)
    return found


def _next_steps(ctx, steps_of, pause, paused):
    """The steps after a decision: through `move_many` up to the next decision left to an owner
    (`pause(step)`), which and what follows go to `paused` (household pk → steps)."""
    moves = []
    for step_no in range(max((len(steps) for steps in steps_of.values()), default=0)):
        for pk in sorted(steps_of):
            steps = steps_of[pk]
            if step_no >= len(steps):
                continue
            if pk in paused or pause(steps[step_no]):
                paused.setdefault(pk, []).append(steps[step_no])
                continue
            moves.append(step_move(pk, steps[step_no]))
    if moves:
        households = Household.objects.in_bulk({pk for pk, _after, _spec in moves})
        Household.move_many((households[pk], after, spec) for pk, after, spec in moves)


def _inscriptions(ctx, manager, today):
    """What each paused file's history puts on a cellule's agenda, in the order of the
    inscriptions: (day of the cellule or None for the next one, kind, household pk, moment,
    author). Its inscription for the level on the cellule that decides it (else, if it left
    before any, the first cellule whose agenda was open; still waiting, the next cellule); an
    admission point for each decision on its diagnostic, inscribed by the manager at the
    diagnostic's submission."""
    wanted = []
    for pk, (_level, steps) in ctx.levels.items():
        for k, step in enumerate(steps):
            if _is_inscription(step):
                following = steps[k + 1] if k + 1 < len(steps) else None
                if following is None:
                    day = None
                elif _is_level(following):
                    day = timezone.localdate(following[2])
                else:
                    day = _open_cellule(step[2], today)
                wanted.append((day, ItemKind.LEVEL, pk, step[2], step[3]))
            elif _is_decision(step):
                assert _is_submission(steps[k - 1]), steps  # inscribed when transmitted
                day = timezone.localdate(step[2])
                wanted.append((day, ItemKind.ADMISSION, pk, steps[k - 1][2], manager))
    return sorted(wanted, key=lambda w: (w[3], w[2], w[1]))


INSCRIPTION_REASON = {
    ItemKind.LEVEL: "Inscrit pour le choix du niveau de diagnostic",
    ItemKind.ADMISSION: "Diagnostic transmis à la cellule",
}


def levels(ctx):
    """The past cellules and the level decisions. Every file paused at its inscription
    (`ctx.levels`: its level and steps from the inscription on) is inscribed through
    `Meeting.add_items` at its history's moment, with the admission points its history will
    need; the past cellules' agendas are published through `Meeting.publish_agendas` (the rules
    of `publish_agenda`); the level decisions recorded through `record_decisions` (the rules of
    `do_record_decision` and `set_diagnostic_level`: the agenda published, the meeting sat, the
    item open, a level other than the rule's with its reason). Then each file's next steps
    through `move_many` up to its diagnostic's submission, left to diagnostics.demo
    (`ctx.submissions`)."""
    members = _members()
    if not members or not ctx.levels:
        return
    manager = members[0]
    today = timezone.localtime(ctx.now).date()
    wanted = _inscriptions(ctx, manager, today)
    first = {}
    for day, _kind, _pk, at, _by in wanted:
        if day is not None:
            first[day] = min(first.get(day, at), at)
    meetings = _cellules(first, members, manager)
    if any(day is None for day, *_rest in wanted):
        first_waiting = min(at for day, *_r, at, _by in wanted if day is None)
        meetings[None] = _next_cellule(ctx, members, manager, first_waiting - timedelta(days=1))
    households = Household.objects.in_bulk(list(ctx.levels))
    items = Meeting.add_items(
        (
            meetings[day],
            dict(
                kind=kind,
                household=households[pk],
                reason=INSCRIPTION_REASON[kind],
                by=by,
                at=at,
            ),
        )
        for day, kind, pk, at, by in wanted
    )
    Meeting.publish_agendas(
        (meeting, dict(by=manager, at=_publication(day)))
        for day, meeting in sorted(meetings.items(), key=lambda m: m[1].date)
        if day is not None
    )
    level_items = {item.household_id: item for item in items if item.kind == ItemKind.LEVEL}
    batch, rest = [], {}
    for pk in sorted(ctx.levels, key=lambda pk: (ctx.levels[pk][1][0][2], pk)):
        level, steps = ctx.levels[pk]
        if len(steps) > 1 and _is_level(steps[1]):
            _before, _after, at, by, reason, _decision, _exit = steps[1]
            batch.append(
                (
                    level_items[pk],
                    dict(by=by, outcome=Outcome.LEVEL, level=level, reason=reason, at=at),
                )
            )
            rest[pk] = steps[2:]
        else:
            rest[pk] = steps[1:]  # left before any level decision, or still waiting
    batch.sort(key=lambda entry: (entry[1]["at"], entry[0].household_id))
    record_decisions(batch)
    _next_steps(ctx, rest, _is_submission, ctx.submissions)
    count = len(batch)
    ctx.levels = {}
    ctx.stdout.write(
        f"  cellule : {len(wanted)} inscription(s), {count} décision(s) de niveau enregistrée(s)"
    )


def admissions(ctx):  # noqa: C901 — one pass over the meetings, in date order
    """The cellule's decisions on the submitted diagnostics of the files diagnostics.demo handed
    on (`ctx.awaiting`: steps from the decision on), meeting after meeting in date order,
    through `record_decisions` (the rules of `do_record_decision`: the meeting sat, the item
    open, the reason, the 50 % cap). The eviction-threat share each meeting sees is carried from
    one to the next: a file admitted counts from its admission until its accompaniment ends (or
    it leaves). The decision's author is the history's (the CCAS manager, who may pass the cap
    with a written reason). A « compléments demandés » (ajourné, its reason) is followed by the
    reopening of the diagnostic at the same moment by the same author (`Diagnostic.reopen_many`,
    the file back to « diagnostic en cours » in its name), submitted again on its history's day
    (`submit_many`), its next decision at a later meeting. Then the past cellules' attendance
    (`record_attendance`) and minutes (`Meeting.approve_minutes_many`, three days after), and
    each file's next steps through `move_many` up to « accompagné », from « accompagné » on to
    `ctx.later`."""
    members = _members()
    if not members:
        return
    manager = members[0]
    awaiting = ctx.awaiting
    items = {
        (item.household_id, timezone.localdate(item.meeting.date)): item
        for item in AgendaItem.objects.filter(
            kind=ItemKind.ADMISSION, household__in=list(awaiting), decision__isnull=True
        ).select_related("meeting")
    }
    queue = {}  # day → [(household pk, index of its decision step)]

    def schedule(pk, k):
        queue.setdefault(timezone.localdate(awaiting[pk][k][2]), []).append((pk, k))

    for pk in awaiting:
        schedule(pk, 0)
    share = eviction_share()
    ends = []  # (end of its count, eviction threat?) of the files admitted so far
    publics = dict(Household.objects.filter(pk__in=list(awaiting)).values_list("pk", "public"))
    rest = {}  # household pk → its steps after its last decision
    decided = 0
    while queue:
        day = min(queue)
        pending = sorted(queue.pop(day), key=lambda e: (awaiting[e[0]][e[1]][2], e[0]))
        at = min(awaiting[pk][k][2] for pk, k in pending)
        gone = [end for end in ends if end[0] <= at]
        ends = [end for end in ends if end[0] > at]
        share = EvictionShare(
            share.eviction - sum(1 for _end, eviction in gone if eviction),
            share.total - len(gone),
        )
        batch, deferred = [], []
        for pk, k in pending:
            steps = awaiting[pk]
            _before, after, at, by, reason, _decision, _exit = steps[k]
            item = items[(pk, day)]
            if after == Status.DIAGNOSTIC:  # « compléments demandés »
                batch.append((item, dict(by=by, outcome=Outcome.DEFERRED, reason=reason, at=at)))
                deferred.append((pk, k))
                continue
            eviction = publics[pk] == Public.EVICTION_THREAT
            batch.append(
                (
                    item,
                    dict(
                        by=by,
                        outcome=ADMISSION_OUTCOMES[after],
                        reason=reason,
                        cap_override_reason=CAP_OVERRIDE if eviction else "",
                        at=at,
                    ),
                )
            )
            rest[pk] = steps[k + 1 :]
            if after == Status.ADMITTED:
                left = [
                    s[2]
                    for s in rest[pk]
                    if s[0] in (Status.ADMITTED, Status.ACCOMPANIED) and s[1] != Status.ACCOMPANIED
                ]
                ends.append((left[0] if left else ctx.now, eviction))
        _decisions, share = record_decisions(batch, share=share)
        decided += len(batch)
        if deferred:
            _reopen(awaiting, deferred, schedule, rest)
    _approve_minutes(ctx, members, manager)
    _next_steps(ctx, rest, lambda step: step[1] == Status.ACCOMPANIED, ctx.later)
    ctx.awaiting = {}
    ctx.stdout.write(f"  cellule : {decided} décision(s) d'admission enregistrée(s)")


def _reopen(awaiting, deferred, schedule, rest):
    """The diagnostics the cellule asked more of (`deferred`: household pk, index of the
    decision), reopened by the decision's author at its moment (`Diagnostic.reopen_many`), then
    each new version submitted on its history's day (`submit_many`); the file's next decision
    is scheduled, or its other steps kept in `rest`."""
    current = (
        Diagnostic.objects.transmitted()
        .select_related("household")
        .current_by_household([pk for pk, _k in deferred])
    )
    news = Diagnostic.reopen_many(
        (current[pk], dict(by=awaiting[pk][k][3], at=awaiting[pk][k][2])) for pk, k in deferred
    )
    drafts = {new.household_id: new for new in news}
    submits = []
    for pk, k in deferred:
        steps = awaiting[pk]
        assert _is_submission(steps[k + 1]), steps
        submits.append((drafts[pk], dict(by=steps[k + 1][3], at=steps[k + 1][2])))
        if k + 2 < len(steps) and _is_decision(steps[k + 2]):
            schedule(pk, k + 2)
        else:
            rest[pk] = steps[k + 2 :]
    Diagnostic.submit_many(submits)


def _approve_minutes(ctx, members, manager):
    """The past cellules whose minutes are not approved: every member noted present
    (`record_attendance`), the minutes approved by the manager three days after
    (`Meeting.approve_minutes_many`, the rules of `approve_minutes`)."""
    past = list(
        Meeting.objects.filter(
            kind=MeetingKind.CELLULE,
            minutes_approved_at__isnull=True,
            agenda_published_at__isnull=False,
            date__lt=ctx.now,
        ).order_by("date")
    )
    for meeting in past:
        meeting.record_attendance(members)
    Meeting.approve_minutes_many(
        (meeting, dict(by=manager, at=_approval(meeting.local_date.date(), ctx.now)))
        for meeting in past
    )


def _orientations(ctx):
    households = list(
        Household.objects.filter(status=Status.ACCOMPANIED, referent__isnull=False).order_by("pk")[
            :8
        ]
    )
    partners = list(Partner.objects.filter(category=PartnerCategory.ACCOMPAGNEMENT).order_by("pk"))
    if not partners:
        return
    today = timezone.localtime(ctx.now).date()
    Orientation.objects.bulk_create(
        Orientation(
            household=household,
            partner=partners[ctx.rng.randrange(len(partners))],
            on=today - timedelta(days=ctx.rng.randrange(10, 120)),
            reason="Ouverture de droits et relais du suivi",
            outcome=ctx.rng.choice(list(OrientationOutcome.values)),
            created_by=household.referent,
        )
        for household in households
    )
