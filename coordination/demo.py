"""Demo data of the cellule, in two phases (seed_demo's DEMO_STEPS):

- `admissions`, after the submitted diagnostics: the past cellules the households' histories
  name; the admission decisions of the files households.demo paused at « en attente
  d'admission » (`ctx.awaiting`) recorded by the decision's owner in its batch form
  (`record_decisions`), meeting after meeting in date order; the steps that follow handed on
  (`move_many` up to « admis », the rest to the accompaniments, `ctx.later`);
- `seed`, after the accompaniments: a past year of quarterly meetings with decisions and
  approved minutes, the next meeting with its agenda ready to publish, a comité de suivi, the
  partners of docs/domain.md §4.1.

Idempotent (`seed` does nothing when the comité exists, `admissions` nothing without paused
file) and deterministic (`ctx.rng`)."""

from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from households.enums import TRANSITIONS, Public, Status
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
    Decision,
    Meeting,
    Minutes,
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


def _first_user(role):
    return User.objects.with_role(role).order_by("pk").first()


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
    # level and admission decisions are the histories', above), then two points of their own.
    accompanied = list(
        Household.objects.filter(status=Status.ACCOMPANIED)
        .order_by("pk")
        .values_list("pk", "status_changed_at")
    )
    ctx.rng.shuffle(accompanied)
    for quarter in range(4):
        day = today - timedelta(days=352 - quarter * 91)
        meeting = Meeting.objects.create(
            date=_at(day),
            place="Caen habitat, 16 rue de la Arcisse — salle du conseil",
            agenda_published_at=_at(day - timedelta(days=7), 9),
            agenda_published_by=manager,
            created_by=manager,
        )
        meeting.members.set(members)
        meeting.attendees.set(members[:-1] if quarter == 2 else members)
        under_way = [pk for pk, since in accompanied if since < _at(day - timedelta(days=7))]
        batch = under_way[quarter * 3 : quarter * 3 + 3]
        items = [
            AgendaItem(meeting=meeting, kind=ItemKind.REVIEW, household_id=pk, position=position)
            for position, pk in enumerate(batch, start=1)
        ]
        decisions = [(Outcome.CONTINUE, None)] * len(items)
        for title in (
            "Point sur le calendrier du trimestre",
            "Point sur les relogements du trimestre",
        ):
            items.append(
                AgendaItem(
                    meeting=meeting, kind=ItemKind.MANUAL, title=title, position=len(items) + 1
                )
            )
            decisions.append((Outcome.NOTED, None))
        AgendaItem.objects.bulk_create(items)
        Decision.objects.bulk_create(
            Decision(
                item=item,
                outcome=outcome,
                level=level if outcome == Outcome.LEVEL else None,
                reason=REASONS.get(
                    outcome, "Calendrier validé" if outcome == Outcome.NOTED else ""
                ),
                recorded_by=recorder,
                recorded_at=meeting.date + timedelta(minutes=20 + 5 * n),
            )
            for n, (item, (outcome, level)) in enumerate(zip(items, decisions, strict=True))
        )
        approved_at = meeting.date + timedelta(days=3)
        minutes = Minutes(meeting=meeting, number=1, approved_by=manager, approved_at=approved_at)
        minutes.pdf.save(
            f"compte-rendu-{day:%Y-%m-%d}-v1.pdf",
            ContentFile(meeting.render_minutes_pdf(correction=minutes)),
            save=False,
        )
        minutes.save()
        meeting.minutes_approved_at = approved_at
        meeting.save(update_fields=["minutes_approved_at"])

    # The calendar ahead: the next cellule with its agenda ready to publish, then the others.
    for n, offset in enumerate((12, 103, 194, 285)):
        meeting = Meeting.objects.create(
            date=_at(today + timedelta(days=offset)),
            place="Caen habitat, 16 rue de la Arcisse — salle du conseil",
            created_by=manager,
        )
        meeting.members.set(members)
        if n == 0:
            items = []
            for kind, proposals in propose(meeting).items():
                # Files already awaiting their level (a preselected one would be moved by
                # its inscription, Meeting.add_item).
                proposals = [p for p in proposals if p.household.status != Status.PRESELECTED]
                for proposal in proposals[:6]:
                    items.append(
                        AgendaItem(
                            meeting=meeting,
                            kind=kind,
                            household=proposal.household,
                            reason=proposal.reason,
                            position=len(items) + 1,
                            added_by=manager,
                        )
                    )
            # Every file awaiting its level was put on this agenda (its inscription).
            listed = {item.household_id for item in items}
            for household in Household.objects.filter(status=Status.AWAITING_LEVEL).order_by("pk"):
                if household.pk not in listed:
                    items.append(
                        AgendaItem(
                            meeting=meeting,
                            kind=ItemKind.LEVEL,
                            household=household,
                            reason="Inscrit pour le choix du niveau de diagnostic",
                            position=len(items) + 1,
                            added_by=manager,
                        )
                    )
            AgendaItem.objects.bulk_create(items, batch_size=2000)

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


def _is_admission(step):
    return step[0] == Status.AWAITING_ADMISSION and step[1] in ADMISSION_OUTCOMES


def _is_submission(step):
    return step[0] == Status.DIAGNOSTIC and step[1] == Status.AWAITING_ADMISSION


def _is_deferral(step):
    return step[0] == Status.AWAITING_ADMISSION and step[1] == Status.DIAGNOSTIC


def _cellules(days, members, manager):
    """The past cellules of `days` (day → meeting): those already there whose minutes are not
    approved, the others created, agenda published a week before; their minutes are approved
    by `admissions`, once their decisions are recorded."""
    found = (
        {
            timezone.localdate(meeting.date): meeting
            for meeting in Meeting.objects.filter(
                kind=MeetingKind.CELLULE,
                minutes_approved_at__isnull=True,
                date__lt=_at(max(days)) + timedelta(days=1),
            )
        }
        if days
        else {}
    )
    missing = sorted(set(days) - set(found))
    created = Meeting.objects.bulk_create(
        Meeting(
            date=_at(day),
            place=PLACE,
            agenda_published_at=_at(day - timedelta(days=7), 9),
            agenda_published_by=manager,
            created_by=manager,
            created_at=_at(day - timedelta(days=14), 9),
        )
        for day in missing
    )
    for through in (Meeting.members.through, Meeting.attendees.through):
        through.objects.bulk_create(
            through(meeting_id=meeting.pk, user_id=user.pk)
            for meeting in created
            for user in members
        )
    found.update(zip(missing, created, strict=True))
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
            before, after, at, by, reason, decision, exit_reason = steps[step_no]
            if pk in paused or pause(steps[step_no]):
                paused.setdefault(pk, []).append(steps[step_no])
                continue
            spec = dict(
                by=by,
                owner=TRANSITIONS[before][after],
                reason=reason,
                decision=decision,
                exit_reason=exit_reason,
                at=at,
            )
            moves.append((pk, after, spec))
    if moves:
        households = Household.objects.in_bulk({pk for pk, _after, _spec in moves})
        Household.move_many((households[pk], after, spec) for pk, after, spec in moves)


def levels(ctx):
    """The cellule's level decisions of the files households.demo paused at « en attente de
    niveau » (`ctx.levels`), recorded through `record_decisions` (the rules of
    `do_record_decision` and `set_diagnostic_level`: the meeting sat, the item open, a level
    other than the rule's with its reason), on the past cellules the histories name (created
    here, with the days of their later decisions). Then each file's next steps through
    `move_many` up to its diagnostic's submission, left to diagnostics.demo
    (`ctx.submissions`); the
    cellule's "compléments demandés" (ajourné) on the way are recorded as the histories say."""
    members = _members()
    if not members or not ctx.levels:
        return
    manager, recorder = members[0], members[-1]
    days = {
        timezone.localdate(step[2])
        for _level, steps in ctx.levels.values()
        for step in steps
        if step is steps[0] or _is_admission(step) or _is_deferral(step)
    }
    meetings = _cellules(days, members, manager)
    order = sorted(ctx.levels, key=lambda pk: (ctx.levels[pk][1][0][2], pk))
    positions = {}  # meeting pk → its last agenda position

    def new_item(meeting, kind, pk):
        positions[meeting.pk] = positions.get(meeting.pk, 0) + 1
        return AgendaItem(
            meeting=meeting, kind=kind, household_id=pk, position=positions[meeting.pk]
        )

    items = [
        new_item(meetings[timezone.localdate(ctx.levels[pk][1][0][2])], ItemKind.LEVEL, pk)
        for pk in order
    ]
    AgendaItem.objects.bulk_create(items, batch_size=2000)
    batch = []
    for item, pk in zip(items, order, strict=True):
        level, steps = ctx.levels[pk]
        _before, _after, at, by, reason, _decision, _exit = steps[0]
        batch.append((item, dict(by=by, outcome=Outcome.LEVEL, level=level, reason=reason, at=at)))
    record_decisions(batch)
    rest = {pk: steps[1:] for pk, (_level, steps) in ctx.levels.items()}
    _next_steps(ctx, rest, _is_submission, ctx.submissions)
    # The cellule asked for more before deciding (the diagnostic reopened): its records.
    deferrals = [(pk, step) for pk, steps in rest.items() for step in steps if _is_deferral(step)]
    deferred = [
        new_item(meetings[timezone.localdate(step[2])], ItemKind.ADMISSION, pk)
        for pk, step in deferrals
    ]
    AgendaItem.objects.bulk_create(deferred, batch_size=2000)
    Decision.objects.bulk_create(
        (
            Decision(
                item=item,
                outcome=Outcome.DEFERRED,
                reason=step[4],
                recorded_by=recorder,
                recorded_at=step[2],
            )
            for item, (_pk, step) in zip(deferred, deferrals, strict=True)
        ),
        batch_size=2000,
    )
    count = len(ctx.levels)
    ctx.levels = {}
    ctx.stdout.write(f"  cellule : {count} décision(s) de niveau enregistrée(s)")


def admissions(ctx):
    """The admission decisions of the files paused at « en attente d'admission »
    (`ctx.awaiting`), recorded through `record_decisions` (the rules of `do_record_decision`:
    the meeting sat, the item open, the reason, the 50 % cap) meeting after meeting, in date
    order. The eviction-threat share each meeting sees is carried from one to the next: a
    file admitted counts from its admission until its accompaniment ends (or it leaves). The
    decision's author is the history's (the CCAS manager, who may pass the cap with a written
    reason). Then the past cellules' minutes are approved, and each file's next steps go
    through `move_many` up to « accompagné », from « accompagné » on to `ctx.later`."""
    members = _members()
    if not members:
        return
    manager = members[0]
    awaiting = ctx.awaiting
    pending = {}  # day → [(household pk, its admission step)], in the histories' order
    for pk in sorted(awaiting, key=lambda pk: (awaiting[pk][0][2], pk)):
        step = awaiting[pk][0]
        pending.setdefault(timezone.localdate(step[2]), []).append((pk, step))
    meetings = _cellules(set(pending), members, manager)
    items_of = {}
    for day, day_pending in pending.items():
        start = meetings[day].items.count()
        items_of[day] = AgendaItem.objects.bulk_create(
            AgendaItem(meeting=meetings[day], kind=ItemKind.ADMISSION, household_id=pk, position=n)
            for n, (pk, _step) in enumerate(day_pending, start=start + 1)
        )
    # Meeting after meeting: the admissions, the share carried over.
    share = eviction_share()
    ends = []  # (end of its count, eviction threat?) of the files admitted so far
    publics = dict(Household.objects.filter(pk__in=list(awaiting)).values_list("pk", "public"))
    for day in sorted(items_of):
        at = min(step[2] for _pk, step in pending[day])
        gone = [end for end in ends if end[0] <= at]
        ends = [end for end in ends if end[0] > at]
        share = EvictionShare(
            share.eviction - sum(1 for _end, eviction in gone if eviction),
            share.total - len(gone),
        )
        batch = []
        for item, (pk, step) in zip(items_of[day], pending[day], strict=True):
            _before, after, at, by, reason, _decision, _exit = step
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
            if after == Status.ADMITTED:
                left = [
                    s[2]
                    for s in awaiting[pk][1:]
                    if s[0] in (Status.ADMITTED, Status.ACCOMPANIED) and s[1] != Status.ACCOMPANIED
                ]
                ends.append((left[0] if left else ctx.now, eviction))
        _decisions, share = record_decisions(batch, share=share)
    # Minutes approved three days after each past cellule (no decision can be added after).
    approved = list(
        Meeting.objects.filter(
            kind=MeetingKind.CELLULE, minutes_approved_at__isnull=True, date__lt=ctx.now
        )
    )
    for meeting in approved:
        meeting.minutes_approved_at = _at(meeting.local_date.date() + timedelta(days=3), 11)
    Meeting.objects.bulk_update(approved, ["minutes_approved_at"], batch_size=1000)
    # The steps after the decisions: up to « accompagné » here, the rest the accompaniments'.
    rest = {pk: steps[1:] for pk, steps in awaiting.items()}
    _next_steps(ctx, rest, lambda step: step[1] == Status.ACCOMPANIED, ctx.later)
    ctx.awaiting = {}
    ctx.stdout.write(f"  cellule : {len(rest)} décision(s) d'admission enregistrée(s)")


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
