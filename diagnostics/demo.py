"""Demo diagnostics for the households already in the database, at every level and state.

Households in « diagnostic en cours » get a draft (a third of them none yet: « à faire »);
the files paused at their submission (`ctx.submissions`) a complete draft submitted through
`Diagnostic.submit_many` on its history's day (a « compléments demandés » after it is the
cellule's: coordination.demo reopens the version with `Diagnostic.reopen_many`).
Idempotent (nothing happens once diagnostics exist) and deterministic: each
household's content comes from a generator seeded with its primary key.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import User
from households import taxonomy
from households.demo import step_move
from households.enums import Employment, Public, Quartier, Status
from households.models import Household

from . import budget as budget_rules
from .enums import (
    AdminSituation,
    ArrearsTrigger,
    Assessment,
    DwellingType,
    EventKind,
    HousingStatus,
    LeftBecause,
    MaritalStatus,
    Neighbourhood,
    Severity,
    StepKind,
    Support,
)
from .models import (
    BudgetLine,
    Capacity,
    Debt,
    Diagnostic,
    DiagnosticEvent,
    DiagnosticStatus,
    DiagnosticStep,
    HousingHistoryEntry,
    Intensity,
    Obstacle,
)

STATE_OF_STATUS = {
    Status.DIAGNOSTIC: DiagnosticStatus.DRAFT,
    Status.AWAITING_ADMISSION: DiagnosticStatus.SUBMITTED,
    Status.ADMITTED: DiagnosticStatus.REVIEWED,
    Status.NOT_ADMITTED: DiagnosticStatus.REVIEWED,
    Status.ACCOMPANIED: DiagnosticStatus.REVIEWED,
    Status.POST_AUTONOMY: DiagnosticStatus.REVIEWED,
    Status.ARCHIVED: DiagnosticStatus.REVIEWED,
}

# A one-page PDF standing for a CODESI social report (fictitious).
DEMO_REPORT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

OBSERVATIONS = {
    "socio": [
        "Ménage orienté par le SIAO, démarches administratives à jour.",
        "Souhaite un logement proche de l'école des enfants.",
        "Recherche d'emploi active, suivi par France Travail.",
    ],
    "budget": [
        "Budget serré mais tenu ; aide à la priorisation des dépenses utile.",
        "Ressources irrégulières liées à l'intérim.",
        "Dette ancienne en cours d'apurement.",
    ],
    "housing": [
        "Plusieurs hébergements successifs chez des proches.",
        "Premier logement autonome envisagé.",
        "Impayés apparus après une baisse de ressources.",
    ],
    "dwelling": [
        "Logement actuel bien tenu.",
        "Quelques tensions de voisinage signalées par le bailleur.",
        "Adaptation à un nouveau quartier à accompagner.",
    ],
    "follow_up": [
        "Adhère au suivi, présente aux rendez-vous.",
        "Rendez-vous parfois manqués, à consolider.",
        "Souhaite un accompagnement ponctuel.",
    ],
}


def _staff(ctx):
    return list(User.objects.social_workers())


def _amount(rng, low, high):
    return Decimal(rng.randrange(low, high + 1, 5))


def seed(ctx):
    if Diagnostic.objects.exists():  # already seeded: the « à faire » households stay so
        ctx.stdout.write("Diagnostics : déjà présents.")
        return
    # The files whose level a cellule decided (coordination.demo's `levels`): a file archived
    # before any cellule has no diagnostic.
    households = list(
        Household.objects.filter(status__in=STATE_OF_STATUS, diagnostic_level__isnull=False)
        .prefetch_related("members")
        .order_by("pk")
    )
    if not households:
        ctx.stdout.write("Diagnostics : rien à créer.")
        return
    workers = _staff(ctx)
    submissions = ctx.submissions
    buckets = {}
    for household in households:
        buckets.setdefault(_planned_state(household, submissions), []).append(household)

    plans = []  # (household, level, state)
    for state, members in buckets.items():
        for index, household in enumerate(members):
            if (
                state == DiagnosticStatus.DRAFT
                and index >= 3
                and index % 3 == 0
                and household.pk not in submissions
            ):
                continue  # « à faire »: level decided, diagnostic not started.
            plans.append((household, household.diagnostic_level, state))

    diagnostics = []
    # Draws keyed by the position in the (ordered) plan, not by primary keys: the database's
    # sequences differ from one run to the next (tests in random order), the demo must not.
    for position, (household, level, state) in enumerate(plans):
        rng = random.Random(f"diagnostic-{position}")
        diagnostic = _diagnostic(rng, household, level, state, workers, ctx.now)
        if household.pk in submissions:
            _to_submit(diagnostic, submissions[household.pk][0][2])
        diagnostics.append(diagnostic)
    Diagnostic.objects.bulk_create(diagnostics)

    _children(diagnostics, ctx)
    _submit(ctx, diagnostics)
    ctx.stdout.write(f"Diagnostics : {len(diagnostics)} créés.")


def _planned_state(household, submissions):
    """A paused file's diagnostic is submitted (by `_submit`, on its history's day); a file that
    left (archived) before any submission has only a draft."""
    if household.pk in submissions:
        return DiagnosticStatus.SUBMITTED
    return DiagnosticStatus.DRAFT


def _to_submit(diagnostic, at):
    """A complete draft begun on the file's « diagnostic en cours » day, to be submitted `at`."""
    begun = diagnostic.household.status_changed_at
    diagnostic.created_at = begun + min(timedelta(days=2), (at - begun) / 2)
    diagnostic._submit_at = at


def _submit(ctx, diagnostics):
    """The paused files' steps from their submission on (`ctx.submissions`), in order: each
    submission through `Diagnostic.submit_many` (the rules of `submit`; the file moves to « en
    attente d'admission » in the submission's name, on its history's day and by its author);
    the cellule's next decision — admission, or « compléments demandés » (the diagnostic
    reopened, then submitted again) — and what follows are handed to the cellule
    (`ctx.awaiting`); an exit before it goes through `move_many`."""
    submissions = ctx.submissions
    current = {
        d.household_id: d
        for d in Diagnostic.objects.filter(
            pk__in=[d.pk for d in diagnostics if hasattr(d, "_submit_at")]
        )
        .select_related("household")
        .prefetch_related("steps", "budget_lines", "debts", "housing_history")
    }
    for step_no in range(max((len(steps) for steps in submissions.values()), default=0)):
        moves, submits = [], []
        for pk in sorted(submissions):
            steps = submissions[pk]
            if step_no >= len(steps) or pk in ctx.awaiting:
                continue
            before, after, at, by, reason, decision, exit_reason = steps[step_no]
            if before == Status.DIAGNOSTIC and after == Status.AWAITING_ADMISSION:
                submits.append((current[pk], dict(by=by, at=at)))
            elif before == Status.AWAITING_ADMISSION and after in CELLULE_DECIDES:
                ctx.awaiting[pk] = steps[step_no:]
            else:
                moves.append(step_move(current[pk].household, steps[step_no]))
        Diagnostic.submit_many(submits)
        Household.move_many(moves)
    ctx.submissions = {}


# The cellule's decisions on a submitted diagnostic (coordination.demo's `admissions`).
CELLULE_DECIDES = (Status.ADMITTED, Status.NOT_ADMITTED, Status.DIAGNOSTIC)


def _diagnostic(rng, household, level, state, workers, now):
    author = household.referent or (workers[household.pk % len(workers)] if workers else None)
    started = max(household.status_changed_at, now - timedelta(days=120)) - timedelta(
        days=rng.randint(20, 60)
    )
    if state == DiagnosticStatus.DRAFT:
        started = now - timedelta(days=rng.randint(2, 40))
    adults = [p for p in household.members.all() if p.age() is None or p.age() >= 16]
    permit = household.public == Public.FIXED_TERM_PERMIT or rng.random() < 0.1
    capacity = rng.choices(
        [Capacity.YES, Capacity.WITH_RESERVATIONS, Capacity.NO], weights=[6, 3, 1]
    )[0]
    complete = state != DiagnosticStatus.DRAFT or rng.random() < 0.5
    axes = rng.sample(list(taxonomy.ITEMS), k=rng.randint(1, 3))
    diagnostic = Diagnostic(  # a draft: its submission is `submit_many`'s (`_submit`)
        household=household,
        level=level,
        status=DiagnosticStatus.DRAFT,
        author=author,
        created_at=started,
        admin_situation=AdminSituation.PERMIT if permit else AdminSituation.FRENCH,
        residence_permit_valid_until=(now + timedelta(days=rng.randint(60, 700))).date()
        if permit
        else None,
        marital_status=rng.choice(MaritalStatus.values),
        adult_employment={
            str(p.pk): p.employment
            for p in adults
            if p.employment and p.employment != Employment.CHILD
        },
        wished_dwelling_type=rng.choice(DwellingType.values),
        wished_quartier=rng.choice(Quartier.values),
        wished_environment=rng.choice(["Calme", "Proche des transports", "Proche de l'école"]),
        socio_observation=rng.choice(OBSERVATIONS["socio"]),
        arrears_triggers=rng.sample(ArrearsTrigger.values, k=rng.randint(1, 2))
        if household.public == Public.EVICTION_THREAT
        else [],
        budget_observation=rng.choice(OBSERVATIONS["budget"]),
        eviction_count=rng.choice([0, 0, 0, 1]),
        past_rent_debts=household.public == Public.EVICTION_THREAT,
        stabilisation_capacity=rng.choice(Assessment.values),
        housing_observation=rng.choice(OBSERVATIONS["housing"]),
        upkeep=rng.choice(Assessment.values),
        neighbourhood=rng.choice(Neighbourhood.values),
        adaptability=rng.choice(Assessment.values),
        dwelling_observation=rng.choice(OBSERVATIONS["dwelling"]),
        current_supports=rng.sample(Support.values[:-1], k=rng.randint(1, 2)),
        adhesion_capacity=rng.choice(Assessment.values),
        follow_up_observation=rng.choice(OBSERVATIONS["follow_up"]),
        family_agreement_on=(started + timedelta(days=2)).date()
        if level == 1 and complete
        else None,
    )
    if complete:
        diagnostic.capacity = capacity
        diagnostic.capacity_reason = (
            ""
            if capacity == Capacity.YES
            else "Ressources à stabiliser avant l'entrée dans un logement autonome."
        )
        diagnostic.dwelling_type_sought = diagnostic.wished_dwelling_type
        diagnostic.quartier_sought = rng.choice([diagnostic.wished_quartier, ""])
        diagnostic.proposed_axes = axes
        diagnostic.intensity = rng.choice(Intensity.values)
        diagnostic.proposed_duration_months = rng.choice([3, 6, 6, 9, 12])
    diagnostic._demo_complete = complete
    return diagnostic


def _children(diagnostics, ctx):  # noqa: C901 — demo data: one draw per child table, no rule
    steps, lines, debts, history, obstacles, events = [], [], [], [], [], []
    for position, diagnostic in enumerate(diagnostics):
        rng = random.Random(f"diagnostic-children-{position}")
        household = diagnostic.household
        complete = getattr(diagnostic, "_demo_complete", True)
        day = diagnostic.created_at.date()
        if diagnostic.level == 1:
            kind = rng.choice([StepKind.STRUCTURE_CONTACT, StepKind.AGENCY_CONTACT])
            if complete:
                steps.append(
                    _step(diagnostic, kind, day + timedelta(days=1), "Travailleuse sociale")
                )
            if rng.random() < 0.5:
                steps.append(_step(diagnostic, StepKind.FAMILY_MEETING, day + timedelta(days=5)))
        elif diagnostic.level == 2:
            if complete:
                name = default_storage.save(
                    f"diagnostics/rapports-codesi/demo-{diagnostic.pk}.pdf",
                    ContentFile(DEMO_REPORT),
                )
                Diagnostic.objects.filter(pk=diagnostic.pk).update(
                    social_report=name, social_report_name="rapport-social-codesi.pdf"
                )
                steps.append(_step(diagnostic, StepKind.FAMILY_MEETING, day + timedelta(days=4)))
        else:
            if complete or rng.random() < 0.5:
                steps.append(_step(diagnostic, StepKind.INTERVIEW, day + timedelta(days=3)))
            if complete and rng.random() < 0.4:
                steps.append(_step(diagnostic, StepKind.INTERVIEW, day + timedelta(days=12)))
        # Budget: a few resources and the usual charges.
        adults = max(1, len(diagnostic.adult_employment))
        resources = {
            "salaries": _amount(rng, 900, 1700) * adults if rng.random() < 0.5 else None,
            "rsa": _amount(rng, 550, 800) if rng.random() < 0.4 else None,
            "aah": _amount(rng, 900, 1000) if rng.random() < 0.1 else None,
            "family": _amount(rng, 100, 600) if len(household.members.all()) > adults else None,
            "housing_allowance": _amount(rng, 150, 350) if rng.random() < 0.6 else None,
            "unemployment": _amount(rng, 600, 1100) if rng.random() < 0.2 else None,
        }
        if not any(resources.values()):
            resources["rsa"] = _amount(rng, 550, 800)
        charges = {
            "rent": _amount(rng, 80, 450),
            "energy": _amount(rng, 50, 160),
            "water": _amount(rng, 15, 45),
            "insurance": _amount(rng, 10, 30),
            "telecom": _amount(rng, 20, 60),
            "transport": _amount(rng, 0, 60),
            "credits": _amount(rng, 50, 250) if rng.random() < 0.3 else None,
        }
        for direction, values, kinds in (
            (BudgetLine.RESOURCE, resources, budget_rules.RESOURCE_KINDS),
            (BudgetLine.CHARGE, charges, budget_rules.CHARGE_KINDS),
        ):
            for kind, amount in values.items():
                if amount and kind in kinds:
                    lines.append(
                        BudgetLine(
                            diagnostic=diagnostic, direction=direction, kind=kind, amount=amount
                        )
                    )
        if household.public == Public.EVICTION_THREAT or rng.random() < 0.3:
            debts.append(
                Debt(
                    diagnostic=diagnostic,
                    creditor="Caen habitat"
                    if household.tenant_account
                    else "Fournisseur d'énergie",
                    amount=household.rent_debt or _amount(rng, 300, 4000),
                    monthly_repayment=_amount(rng, 20, 120),
                    repayment_plan=rng.random() < 0.6,
                    banque_de_france=rng.random() < 0.2,
                )
            )
        for index in range(rng.randint(1, 3)):
            year = 2012 + 4 * index
            history.append(
                HousingHistoryEntry(
                    diagnostic=diagnostic,
                    period=f"{year} – {year + 3}",
                    place=rng.choice(["Caen", "Hérouville-Saint-Clair", "Mondeville", "Lisieux"]),
                    status=rng.choice(HousingStatus.values),
                    left_because=rng.choice(LeftBecause.values),
                )
            )
        for item in rng.sample(list(taxonomy.ITEMS), k=rng.randint(1, 4)):
            obstacles.append(
                Obstacle(diagnostic=diagnostic, item=item, severity=rng.choice(Severity.values))
            )
        events.append(
            DiagnosticEvent(
                diagnostic=diagnostic,
                kind=EventKind.CREATED,
                at=diagnostic.created_at,
                by=diagnostic.author,
            )
        )
    DiagnosticStep.objects.bulk_create(steps)
    BudgetLine.objects.bulk_create(lines)
    Debt.objects.bulk_create(debts)
    HousingHistoryEntry.objects.bulk_create(history)
    Obstacle.objects.bulk_create(obstacles)
    DiagnosticEvent.objects.bulk_create(events)


def _step(diagnostic, kind, date, with_whom="Famille"):
    return DiagnosticStep(diagnostic=diagnostic, kind=kind, date=date, with_whom=with_whom)
