"""Demo accompaniments: active (some overdue), extended and closed, with contact histories,
adhesion, signals, semi-directive interviews and post-autonomy surveys.

Built on the files paused at « admis » (`ctx.later`, handed on by coordination.demo after the
cellule's admission decisions: their steps from « accompagné » on): begun by
`Accompaniment.begin_many`, closed by `close_many` on their history's dates, then moved on by
`move_many`. Idempotent: a second run finds no paused file.
Deterministic: `ctx.rng` only.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from diagnostics.models import Diagnostic
from households import taxonomy
from households.demo import step_move
from households.enums import Status
from households.models import Household

from .cadence import add_months
from .enums import EXIT_OF_CLOSURE
from .models import (
    Accompaniment,
    AdhesionDegree,
    AdhesionRecord,
    ClosureReason,
    Contact,
    ContactKind,
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
    # A first run plans the visits too; a run topping up households (--households larger than
    # before) begins and closes the accompaniments of the new files only (ctx.later).
    first = not Accompaniment.objects.exists()
    if not (first or ctx.later):
        return
    workers = list(User.objects.social_workers()) or [None]
    manager = User.objects.with_role(Role.CCAS_MANAGER).first()
    tenancy = User.objects.with_role(Role.TENANCY_OFFICER).first()
    caen_habitat = User.objects.with_role(Role.LETTING_OFFICER).first() or tenancy
    today = timezone.localdate(ctx.now)
    # The files households.demo paused at « admis »: their steps from « accompagné » on are the
    # accompaniment's owners' (ctx.later): begun, closed, then what follows.
    later = ctx.later
    paused = Household.objects.select_related("referent").in_bulk(list(later))
    ongoing = [
        paused[pk]
        for pk in sorted(later)
        if later[pk][-1][1] in (Status.ACCOMPANIED, Status.POST_AUTONOMY)
    ]
    proposals = {
        d.household_id: d
        for d in Diagnostic.objects.filter(household__in=ongoing).current().order_by("pk")
    }
    contacts, adhesion, objectives, signals, interviews, surveys = ([] for _ in range(6))
    # 1. What each accompaniment is: its dates, intensity, objectives and closure (seeded draws).
    plans = []  # (household, begin spec, closure spec or None, extension until or None)
    for i, household in enumerate(ongoing):
        rng = ctx.rng
        steps = later[household.pk]
        referent = household.referent or workers[i % len(workers)]
        if household.referent is None and referent is not None:
            household.assign_referent(referent, by=manager, reason="Démonstration")
        closed = len(steps) > 1
        # It starts the day the household's history says it becomes « accompagné » (after both
        # documents were signed, housing.demo) and closes the day it leaves it.
        began_at = steps[0][2]
        start = timezone.localdate(began_at)
        extended = not closed and add_months(start, 12) < today
        until = None
        if closed:
            closed_on = timezone.localdate(steps[1][2])
            planned_end = add_months(start, rng.choice([6, 9, 12]))
        elif extended:
            planned_end = add_months(start, 12)
            until = max(add_months(start, 16), add_months(today, 2))
        else:
            planned_end = add_months(start, rng.choice([6, 9, 12]))
            planned_end = max(planned_end, add_months(today, 1))
            planned_end = min(planned_end, add_months(start, 12))
        diagnostic = proposals.get(household.pk)
        axes = [a for a in (diagnostic.proposed_axes if diagnostic else []) if a in taxonomy.ITEMS]
        axes = axes or rng.sample(sorted(taxonomy.ITEMS), 2)
        begin = dict(
            by=steps[0][3] or referent,
            start=start,
            planned_end=planned_end,
            intensity=(diagnostic.intensity if diagnostic else "")
            or rng.choice(["light", "medium", "strong"]),
            objectives=[(axis, f"Travailler : {taxonomy.ITEMS[axis]}") for axis in axes],
            diagnostic=diagnostic,
            at=began_at,
        )
        closure = None
        if closed:
            closure = dict(
                reason=rng.choice([ClosureReason.AUTONOMY, ClosureReason.REHOUSING]),
                on=closed_on,
                by=steps[1][3] or referent,
                note="Objectifs atteints pour l'essentiel ; loyer payé régulièrement.",
                at=steps[1][2],
            )
        plans.append((household, begin, closure, until, referent, axes))
    ended = _ended_before(later, paused, workers, manager)
    # 2. Begun through the owner's batch form: both documents signed, the household admitted.
    accs = Accompaniment.begin_many(
        [(household, begin) for household, begin, *_ in plans]
        + [(household, begin) for household, begin, _closure in ended]
    )
    # 3. What happened during each accompaniment.
    objectives_of = {}
    for objective in Objective.objects.filter(accompaniment__in=accs).order_by("position", "pk"):
        objectives_of.setdefault(objective.accompaniment_id, []).append(objective)
    for i, (acc, (household, _begin, closure, until, referent, axes)) in enumerate(
        zip(accs, plans, strict=False)
    ):
        rng = ctx.rng
        closed = closure is not None
        start, closed_on = acc.start, closure and closure["on"]
        for objective in objectives_of.get(acc.pk, []) if not closed else ():
            objective.status = rng.choice([ObjectiveStatus.IN_PROGRESS, ObjectiveStatus.PLANNED])
            objective.progress_notes = "Progrès réguliers constatés lors des visites."
            objectives.append(objective)
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
        if until and manager:
            extension = acc.request_extension(
                until=until,
                justification="Plan d'apurement en cours de consolidation ; relogement en bail "
                "glissant à finaliser.",
                by=referent or manager,
            )
            extension.decide(approve=True, by=manager)
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
    # The end interview of an autonomy or a rehousing comes before its closure (§7).
    for acc, (_household, _begin, closure) in zip(accs[len(plans) :], ended, strict=True):
        if closure["reason"] not in EXIT_OF_CLOSURE and tenancy:
            interviews.append(
                _interview(
                    acc,
                    InterviewKind.END,
                    closure["on"] - timedelta(days=5),
                    acc.created_by,
                    tenancy,
                )
            )
    Objective.objects.bulk_update(objectives, ["status", "progress_notes"], batch_size=1000)
    for model, rows in (
        (Contact, contacts),
        (AdhesionRecord, adhesion),
        (Signal, signals),
        (Interview, interviews),
    ):
        model.objects.bulk_create(rows, batch_size=1000)
    # bulk_create bypasses `Contact.save`: the stored last visit and contact, recomputed once.
    Accompaniment.objects.filter(pk__in=[acc.pk for acc in accs]).refresh_last_contacts()
    # 4. Closed through the owner's batch form (end interview, bilans, never under 3 months
    # for autonomy), then the steps that follow the closure (archiving, …) by `move_many`.
    closures = [
        (acc, closure)
        for acc, (_h, _b, closure, *_rest) in zip(
            accs, plans + [(*e, None, None, None) for e in ended], strict=True
        )
        if closure
    ]
    reached = (ObjectiveStatus.REACHED, "Objectif atteint, le ménage gère seul.")
    Accompaniment.close_many(
        (acc, {**closure, "bilans": {o.pk: reached for o in objectives_of.get(acc.pk, [])}})
        for acc, closure in closures
    )
    Survey.objects.bulk_create(surveys, batch_size=1000)
    # bulk_create bypasses `Survey.save`: the stored next survey's date, recomputed once.
    Accompaniment.objects.filter(pk__in=[acc.pk for acc in accs]).refresh_next_surveys()
    households = {acc.household_id: acc.household for acc in accs}
    moves = []
    for step in range(2, max((len(steps) for steps in later.values()), default=0)):
        for pk in sorted(later):
            if step < len(later[pk]):
                moves.append(step_move(households[pk], later[pk][step]))
    if moves:
        Household.move_many(moves)
    visits = _planned_visits(ctx, today) if first else 0
    ctx.stdout.write(
        f"Accompagnements : {len(plans)} + {len(ended)} terminés avant la sortie ou l'archivage ({len(contacts)} contacts, {len(signals)} signalements, {visits} rendez-vous planifiés)."
    )


def _ended_before(later, paused, workers, manager):
    """The accompaniments of households that have since left (exited, archived): [(household,
    begin spec, closure spec)], each begun and closed on its history's dates, for autonomy or
    rehousing before a post-autonomy follow-up, for a departure or a loss of adhesion when it
    ended the household's time in the programme (EXIT_OF_CLOSURE)."""
    by_exit = {reason: closure for closure, reason in EXIT_OF_CLOSURE.items()}
    workers = {w.pk: w for w in workers if w is not None}
    rows = []
    for n, pk in enumerate(
        pk for pk in sorted(later) if later[pk][-1][1] in (Status.EXITED, Status.ARCHIVED)
    ):
        household, steps = paused[pk], later[pk]
        start, end = timezone.localdate(steps[0][2]), timezone.localdate(steps[1][2])
        if steps[1][1] == Status.POST_AUTONOMY:
            reason = (ClosureReason.AUTONOMY, ClosureReason.REHOUSING)[pk % 2]
        else:
            reason = by_exit.get(steps[1][6], ClosureReason.DEPARTURE)
        by = workers.get(household.referent_id) or steps[0][3] or manager
        begin = dict(
            by=by,
            start=start,
            planned_end=min(max(add_months(start, 6), end), add_months(start, 12)),
            intensity=("light", "medium", "strong")[n % 3],
            at=steps[0][2],
        )
        closure = dict(reason=reason, on=end, by=by, note=CLOSURE_NOTES[reason], at=steps[1][2])
        rows.append((household, begin, closure))
    return rows


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
