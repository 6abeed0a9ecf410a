"""Demo data of the cellule: a past year of quarterly meetings with decisions and approved
minutes, the next meeting with its agenda ready to publish, a comité de suivi, the partners of
docs/domain.md §4.1. Idempotent (does nothing when meetings exist) and deterministic (`ctx.rng`)."""

from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from households.enums import Status
from households.models import Household, StatusChange

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
    if Meeting.objects.exists():
        return
    manager = _first_user(Role.CCAS_MANAGER)
    if manager is None:
        return
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
    recorder = members[-1]
    today = timezone.localtime(ctx.now).date()

    _cellules_of_history(members, manager, recorder)

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


# The cellule's decisions the households' histories record (households.demo): status change
# to → (agenda item kind, outcome).
HISTORY_DECISIONS = {
    (Status.AWAITING_LEVEL, Status.DIAGNOSTIC): (ItemKind.LEVEL, Outcome.LEVEL),
    (Status.AWAITING_ADMISSION, Status.ADMITTED): (ItemKind.ADMISSION, Outcome.ADMITTED),
    (Status.AWAITING_ADMISSION, Status.NOT_ADMITTED): (ItemKind.ADMISSION, Outcome.NOT_ADMITTED),
    (Status.AWAITING_ADMISSION, Status.DIAGNOSTIC): (ItemKind.ADMISSION, Outcome.DEFERRED),
}


def _cellules_of_history(members, manager, recorder):
    """The past cellules the households' histories name, each with the agenda items and the
    decisions its status changes record (same day, same level, same reason), minutes approved
    three days later. Built in a fixed number of queries per meeting."""
    changes = (
        StatusChange.objects.filter(decision__startswith="Cellule")
        .select_related("household")
        .only(
            "household__diagnostic_level",
            "household__public",
            "from_status",
            "to_status",
            "at",
            "reason",
        )
        .order_by("at", "pk")
    )
    by_day = {}
    for change in changes.iterator(chunk_size=2000):
        key = (change.from_status, change.to_status)
        if key in HISTORY_DECISIONS:
            by_day.setdefault(timezone.localdate(change.at), []).append(change)
    if not by_day:
        return
    meetings = Meeting.objects.bulk_create(
        Meeting(
            date=_at(day),
            place="Caen habitat, 16 rue de la Arcisse — salle du conseil",
            agenda_published_at=_at(day - timedelta(days=7), 9),
            agenda_published_by=manager,
            minutes_approved_at=_at(day + timedelta(days=3), 11),
            created_by=manager,
            created_at=_at(day - timedelta(days=14), 9),
        )
        for day in by_day
    )
    Meeting.members.through.objects.bulk_create(
        Meeting.members.through(meeting_id=meeting.pk, user_id=user.pk)
        for meeting in meetings
        for user in members
    )
    Meeting.attendees.through.objects.bulk_create(
        Meeting.attendees.through(meeting_id=meeting.pk, user_id=user.pk)
        for meeting in meetings
        for user in members
    )
    items, decisions = [], []
    for meeting, day_changes in zip(meetings, by_day.values(), strict=True):
        for position, change in enumerate(day_changes, start=1):
            kind, outcome = HISTORY_DECISIONS[(change.from_status, change.to_status)]
            item = AgendaItem(
                meeting=meeting, kind=kind, household_id=change.household_id, position=position
            )
            items.append(item)
            decisions.append(
                Decision(
                    item=item,
                    outcome=outcome,
                    level=change.household.diagnostic_level if outcome == Outcome.LEVEL else None,
                    reason=change.reason,
                    recorded_by=recorder,
                    recorded_at=change.at,
                )
            )
    AgendaItem.objects.bulk_create(items, batch_size=2000)
    for decision in decisions:
        decision.item_id = decision.item.pk
    Decision.objects.bulk_create(decisions, batch_size=2000)


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
