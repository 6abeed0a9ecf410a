"""Demo accompaniments: active (some overdue), extended and closed, with contact histories,
adhesion, signals, semi-directive interviews and post-autonomy surveys.

Built on the households already in the demo (status « accompagné » or « suivi post-autonomie »).
Idempotent: nothing is done when accompaniments already exist. Deterministic: `ctx.rng` only.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from diagnostics.models import Diagnostic
from households import taxonomy
from households.enums import Status
from households.models import Household, StatusChange

from .cadence import add_months
from .enums import EXIT_OF_CLOSURE
from .models import (
    Accompaniment,
    AccompanimentEvent,
    AccompanimentStatus,
    AdhesionDegree,
    AdhesionRecord,
    ClosureReason,
    Contact,
    ContactKind,
    EventKind,
    Extension,
    ExtensionStatus,
    Interview,
    InterviewKind,
    Objective,
    ObjectiveStatus,
    Signal,
    SignalKind,
    Survey,
)

NOTES = {
    ContactKind.HOME_VISIT: [
        "Logement bien tenu. Point sur les factures d'énergie du mois.",
        "Visite avec Madame : courrier CAF reçu, dossier APL à compléter.",
        "Aménagement en cours, il manque encore un lit pour l'enfant. Demande FSL évoquée.",
        "Échange sur l'entretien des parties communes suite à la remarque du gardien.",
        "Budget du mois revu ensemble : loyer payé, retard sur la facture d'eau.",
    ],
    ContactKind.PHONE_CALL: [
        "Appel de suivi : tout va bien, rendez-vous confirmé.",
        "Point téléphonique sur le plan d'apurement, échéance payée.",
        "Rappel du rendez-vous à la CAF de jeudi.",
        "Monsieur signale un souci de chauffage, transmis à la proximité.",
    ],
    ContactKind.OFFICE: [
        "Entretien au CCAS : constitution du dossier de surendettement.",
        "Entretien au bureau : tableau de budget mensuel rempli ensemble.",
    ],
    ContactKind.ACCOMPANIED_STEP: [
        "Accompagnement à la CAF pour la mise à jour de la situation.",
        "Rendez-vous commun avec la conseillère Pôle emploi.",
    ],
    ContactKind.FAILED: ["Visite sans réponse, avis de passage laissé.", "Appel sans réponse."],
}
PARTNERS = ["CAF du Calvados", "France Travail Caen", "Banque de France", "CMP de Caen"]
NEXT_STEPS = ["Rappeler dans 15 jours", "Visite le mois prochain", "Envoyer le dossier FSL", ""]


def seed(ctx):  # noqa: C901 — demo data: one straight script of seeded random draws, no rule
    if Accompaniment.objects.exists():
        return
    workers = list(User.objects.social_workers()) or [None]
    manager = User.objects.with_role(Role.CCAS_MANAGER).first()
    tenancy = User.objects.with_role(Role.TENANCY_OFFICER).first()
    caen_habitat = User.objects.with_role(Role.LETTING_OFFICER).first() or tenancy
    today = timezone.localdate(ctx.now)
    households = list(
        Household.objects.filter(status__in=[Status.ACCOMPANIED, Status.POST_AUTONOMY]).order_by(
            "pk"
        )
    )
    history = {
        (pk, status): timezone.localdate(at)
        for pk, status, at in StatusChange.objects.filter(
            household__in=households, to_status__in=[Status.ACCOMPANIED, Status.POST_AUTONOMY]
        )
        .order_by("at")
        .values_list("household", "to_status", "at")
    }
    proposals = {
        d.household_id: d
        for d in Diagnostic.objects.filter(household__in=households).current().order_by("pk")
    }
    contacts, adhesion, events, objectives, signals, interviews, surveys = ([] for _ in range(7))
    for i, household in enumerate(households):
        rng = ctx.rng
        referent = household.referent or workers[i % len(workers)]
        if household.referent is None and referent is not None:
            household.assign_referent(referent, by=manager, reason="Démonstration")
        closed = household.status == Status.POST_AUTONOMY
        # An active accompaniment starts the day the household's history says it became
        # « accompagné » (after both documents were signed, housing.demo).
        began = timezone.localdate(household.status_changed_at)
        extended = not closed and add_months(began, 12) < today
        if closed:
            start = today - timedelta(days=rng.randint(420, 800))
            months = rng.choice([6, 9, 12])
            closed_on = min(add_months(start, months), today - timedelta(days=rng.randint(20, 60)))
            if (household.pk, Status.ACCOMPANIED) in history:
                # Its history's dates: « accompagné », then « suivi post-autonomie » (closure).
                start, closed_on = history[(household.pk, Status.ACCOMPANIED)], began
            planned_end = max(add_months(start, months), closed_on)
        elif extended:
            start = began
            planned_end, closed_on = max(add_months(start, 16), add_months(today, 2)), None
        else:
            start = began
            planned_end = add_months(start, rng.choice([6, 9, 12]))
            planned_end = max(planned_end, add_months(today, 1))
            planned_end = min(planned_end, add_months(start, 12))
            closed_on = None
        diagnostic = proposals.get(household.pk)
        acc = Accompaniment.objects.create(
            household=household,
            start=start,
            planned_end=planned_end,
            intensity=(diagnostic.intensity if diagnostic else "")
            or rng.choice(["light", "medium", "strong"]),
            diagnostic=diagnostic,
            created_by=referent,
            created_at=_at(start, 9),
            status=AccompanimentStatus.CLOSED if closed else AccompanimentStatus.ACTIVE,
            closed_on=closed_on,
            closure_reason=rng.choice([ClosureReason.AUTONOMY, ClosureReason.REHOUSING])
            if closed
            else "",
            closure_note="Objectifs atteints pour l'essentiel ; loyer payé régulièrement."
            if closed
            else "",
            closed_by=referent if closed else None,
        )
        events.append(
            AccompanimentEvent(
                accompaniment=acc,
                kind=EventKind.STARTED,
                at=_at(start, 9),
                by=referent,
                detail=f"Du {start:%d/%m/%Y} au {planned_end:%d/%m/%Y}",
            )
        )
        axes = [a for a in (diagnostic.proposed_axes if diagnostic else []) if a in taxonomy.ITEMS]
        axes = axes or rng.sample(sorted(taxonomy.ITEMS), 2)
        for pos, axis in enumerate(axes):
            objectives.append(
                Objective(
                    accompaniment=acc,
                    axis=axis,
                    description=f"Travailler : {taxonomy.ITEMS[axis]}",
                    position=pos,
                    status=ObjectiveStatus.REACHED
                    if closed
                    else rng.choice([ObjectiveStatus.IN_PROGRESS, ObjectiveStatus.PLANNED]),
                    progress_notes="Progrès réguliers constatés lors des visites.",
                    end_bilan="Objectif atteint, le ménage gère seul." if closed else "",
                )
            )
        # Contact history: a visit about monthly, a call about every two weeks; one in four
        # active files has gone quiet for several weeks (overdue on /mon-suivi/).
        end = closed_on or today
        if not closed and i % 4 == 1:
            end = today - timedelta(days=rng.randint(35, 60))
        day = start + timedelta(days=rng.randint(1, 6))
        next_visit = day
        while day <= end:
            if day >= next_visit:
                kind = ContactKind.HOME_VISIT if rng.random() > 0.12 else ContactKind.FAILED
                next_visit = day + timedelta(days=rng.randint(24, 33))
            else:
                kind = rng.choices(
                    [
                        ContactKind.PHONE_CALL,
                        ContactKind.OFFICE,
                        ContactKind.ACCOMPANIED_STEP,
                        ContactKind.FAILED,
                    ],
                    weights=[70, 12, 10, 8],
                )[0]
            contacts.append(
                Contact(
                    accompaniment=acc,
                    kind=kind,
                    at=_at(day, rng.randint(9, 17)),
                    duration_minutes=rng.choice([10, 15, 30, 45, 60, 90])
                    if kind != ContactKind.FAILED
                    else 5,
                    axes=rng.sample(axes, min(len(axes), rng.randint(1, 2))),
                    partner=rng.choice(PARTNERS) if kind == ContactKind.ACCOMPANIED_STEP else "",
                    note=rng.choice(NOTES[kind]),
                    next_step=rng.choice(NEXT_STEPS),
                    author=referent,
                    created_at=_at(day, 18),
                )
            )
            day += timedelta(days=rng.randint(8, 16))
        month = start.replace(day=1)
        while month <= (closed_on or today):
            degree = rng.choices(
                [AdhesionDegree.CONSTANT, AdhesionDegree.INCONSTANT, AdhesionDegree.BROKEN],
                weights=[80, 17, 3] if not closed else [90, 10, 0],
            )[0]
            adhesion.append(
                AdhesionRecord(accompaniment=acc, month=month, degree=degree, recorded_by=referent)
            )
            month = add_months(month, 1)
        if extended and manager:
            until = planned_end
            Extension.objects.create(
                accompaniment=acc,
                until=until,
                justification="Plan d'apurement en cours de consolidation ; relogement en bail glissant à finaliser.",
                status=ExtensionStatus.APPROVED,
                requested_by=referent,
                requested_at=_at(add_months(start, 11), 10),
                decided_by=manager,
                decided_at=_at(add_months(start, 11) + timedelta(days=3), 11),
            )
            events.append(
                AccompanimentEvent(
                    accompaniment=acc,
                    kind=EventKind.EXTENSION_APPROVED,
                    at=_at(add_months(start, 11) + timedelta(days=3), 11),
                    by=manager,
                    detail=f"Jusqu'au {until:%d/%m/%Y} (direction)",
                )
            )
        if tenancy and referent and (closed or (today - start).days > 180):
            interviews.append(
                _interview(
                    acc,
                    InterviewKind.END if closed else InterviewKind.DURING,
                    (closed_on or today) - timedelta(days=5),
                    referent,
                    tenancy,
                )
            )
        if closed:
            events.append(
                AccompanimentEvent(
                    accompaniment=acc,
                    kind=EventKind.CLOSED,
                    at=_at(closed_on, 17),
                    by=referent,
                    detail=ClosureReason(acc.closure_reason).label,
                )
            )
            n = 1
            while add_months(closed_on, 6 * n) <= today - timedelta(days=10) and n <= 4:
                due = add_months(closed_on, 6 * n)
                surveys.append(
                    Survey(
                        accompaniment=acc,
                        round=n,
                        due_on=due,
                        done_on=due + timedelta(days=rng.randint(0, 9)),
                        rent_paid=rng.choice(["yes", "yes", "partly"]),
                        had_incidents=False,
                        autonomy=rng.choice(["full", "full", "partial"]),
                        difficulties="Quelques retards de paiement de l'électricité."
                        if n == 1
                        else "",
                        worries="Fin du contrat de travail en juin.",
                        recorded_by=referent,
                    )
                )
                n += 1
        elif caen_habitat and i % 3 == 0:
            kind = [
                SignalKind.UNPAID_RENT,
                SignalKind.NEIGHBOUR_TROUBLE,
                SignalKind.LACK_OF_UPKEEP,
            ][i % 9 // 3]
            created = _at(today - timedelta(days=rng.randint(1, 40)), 11)
            acknowledged = rng.random() < 0.6
            signals.append(
                Signal(
                    household=household,
                    kind=kind,
                    created_by=caen_habitat,
                    created_at=created,
                    amount=rng.choice([280, 345.5, 612])
                    if kind == SignalKind.UNPAID_RENT
                    else None,
                    months=rng.choice([1, 2]) if kind == SignalKind.UNPAID_RENT else None,
                    description="Signalé par la proximité.",
                    notified_at=created,
                    acknowledged_at=created + timedelta(days=1) if acknowledged else None,
                    acknowledged_by=referent if acknowledged else None,
                    acknowledgement_note="Visite prévue avec le ménage." if acknowledged else "",
                )
            )
        if not closed and i % 11 == 5 and referent:
            adhesion[-1].degree = AdhesionDegree.BROKEN
            signals.append(
                Signal(
                    household=household,
                    kind=SignalKind.ADHESION_LOSS,
                    created_by=referent,
                    created_at=_at(today - timedelta(days=3), 10),
                    description="Trois rendez-vous manqués, plus de réponse au téléphone.",
                    notified_at=_at(today - timedelta(days=3), 10),
                )
            )
    for model, rows in (
        (Contact, contacts),
        (AdhesionRecord, adhesion),
        (AccompanimentEvent, events),
        (Objective, objectives),
        (Signal, signals),
        (Interview, interviews),
        (Survey, surveys),
    ):
        model.objects.bulk_create(rows, batch_size=1000)
    ended = _ended_before(workers, manager)
    visits = _planned_visits(ctx, today)
    ctx.stdout.write(
        f"Accompagnements : {len(households)} + {ended} terminés avant la sortie ou l'archivage ({len(contacts)} contacts, {len(signals)} signalements, {visits} rendez-vous planifiés)."
    )


def _ended_before(workers, manager):
    """The accompaniments of households that have since left (exited, archived): each closed on
    its history's date, for autonomy or rehousing before a post-autonomy follow-up, for a
    departure or a loss of adhesion when it ended the household's time in the programme
    (EXIT_OF_CLOSURE)."""
    changes = (
        StatusChange.objects.filter(household__status__in=[Status.EXITED, Status.ARCHIVED])
        .filter(household__status_changes__to_status=Status.ACCOMPANIED)
        .distinct()
        .order_by("household", "at", "pk")
        .values_list(
            "household", "to_status", "at", "household__exit_reason", "household__referent"
        )
    )
    spans = {}  # household → [start, end, closure reason, referent]
    for pk, status, at, exit_reason, referent in changes:
        if status == Status.ACCOMPANIED:
            spans[pk] = [timezone.localdate(at), None, None, referent]
        elif pk in spans and spans[pk][1] is None:
            spans[pk][1] = timezone.localdate(at)
            if status == Status.POST_AUTONOMY:
                spans[pk][2] = (ClosureReason.AUTONOMY, ClosureReason.REHOUSING)[pk % 2]
            else:
                by_exit = {reason: closure for closure, reason in EXIT_OF_CLOSURE.items()}
                spans[pk][2] = by_exit.get(exit_reason, ClosureReason.DEPARTURE)
    workers = {w.pk: w for w in workers if w is not None}
    rows, events = [], []
    for n, (pk, (start, end, reason, referent)) in enumerate(sorted(spans.items())):
        if end is None:
            continue
        by = workers.get(referent) or manager
        rows.append(
            Accompaniment(
                household_id=pk,
                start=start,
                planned_end=max(add_months(start, 12), end),
                intensity=("light", "medium", "strong")[n % 3],
                created_by=by,
                created_at=_at(start, 9),
                status=AccompanimentStatus.CLOSED,
                closed_on=end,
                closure_reason=reason,
                closure_note=CLOSURE_NOTES[reason],
                closed_by=by,
            )
        )
    Accompaniment.objects.bulk_create(rows, batch_size=1000)
    for acc in rows:
        events.append(
            AccompanimentEvent(
                accompaniment=acc,
                kind=EventKind.STARTED,
                at=_at(acc.start, 9),
                by=acc.created_by,
                detail=f"Du {acc.start:%d/%m/%Y} au {acc.planned_end:%d/%m/%Y}",
            )
        )
        events.append(
            AccompanimentEvent(
                accompaniment=acc,
                kind=EventKind.CLOSED,
                at=_at(acc.closed_on, 17),
                by=acc.closed_by,
                detail=ClosureReason(acc.closure_reason).label,
            )
        )
    AccompanimentEvent.objects.bulk_create(events, batch_size=1000)
    return len(rows)


CLOSURE_NOTES = {
    ClosureReason.AUTONOMY: "Objectifs atteints pour l'essentiel ; loyer payé régulièrement.",
    ClosureReason.REHOUSING: "Relogement réalisé ; le ménage gère son logement.",
    ClosureReason.DEPARTURE: "Départ du ménage hors de l'agglomération caennaise.",
    ClosureReason.ADHESION_BREAK: "Plus de réponse malgré les relances : perte d'adhésion.",
}


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _interview(acc, kind, held_on, referent, tenancy):
    return Interview(
        accompaniment=acc,
        kind=kind,
        held_on=max(held_on, acc.start),
        social_worker=referent,
        tenancy_officer=tenancy,
        difficulties="Retards de loyer au début, difficultés à ouvrir le courrier administratif.",
        changes="Loyer payé par prélèvement depuis trois mois ; logement entretenu.",
        outcome="Budget stabilisé ; reste l'insertion professionnelle.",
        autonomy_words="« Maintenant j'ouvre mes courriers et je sais qui appeler. »",
        worries="« J'ai peur que les aides baissent si je reprends un travail. »",
        created_by=referent,
    )


def _planned_visits(ctx, today):
    """Planned visits through their owners (docs/reminders.md): coming ones, missed ones
    (planned a week before, passed without a contact), a cancelled one; then the consents to
    reminders (SMS in the fiction range 06 39 98 xx xx, or e-mail), recorded after the
    cancellations so that seeding sends nothing."""
    from .models import PlannedVisit, ReminderChannel, ReminderConsent, VisitKind

    accompaniments = list(
        Accompaniment.objects.active()
        .filter(household__referent__isnull=False)
        .select_related("household__referent")
        .order_by("pk")[:15]
    )
    rng, now, count = ctx.rng, ctx.now, 0
    for i, acc in enumerate(accompaniments):
        referent = acc.household.referent
        kind = VisitKind.OFFICE if i % 4 == 3 else VisitKind.HOME_VISIT
        place = "CCAS de Caen, accueil du rez-de-chaussée" if kind == VisitKind.OFFICE else ""
        if i % 3 == 1:  # missed: yesterday or the day before, no contact logged that day
            day, planned_at = today - timedelta(days=1 + i % 2), now - timedelta(days=8)
        else:
            day, planned_at = today + timedelta(days=1 + rng.randrange(6)), now
        starts_at = _at(day, 9 + rng.randrange(8)) + timedelta(minutes=30 * rng.randrange(2))
        if starts_at <= planned_at or day < acc.start:
            continue
        visit = PlannedVisit.plan(
            acc,
            kind=kind,
            starts_at=starts_at,
            place=place,
            by=referent,
            planned_at=planned_at,
        )
        count += 1
        if i % 5 == 2:
            visit.cancel(by=referent)
    for i, acc in enumerate(accompaniments):
        if i % 3 == 2:
            continue
        sms = i % 4 != 1
        ReminderConsent.record(
            acc.household,
            channel=ReminderChannel.SMS if sms else ReminderChannel.EMAIL,
            phone=f"06 39 98 {10 + i:02d} {rng.randrange(100):02d}" if sms else "",
            email="" if sms else f"menage{acc.household.pk}@example.org",
            given_on=acc.start,
            by=acc.household.referent,
        )
    return count
