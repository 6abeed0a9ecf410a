"""Demo data: a stock of Caen habitat dwellings across the quartiers, with the rents of seed
§3.1, and rehousings of every solution type for admitted demo households. Idempotent."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from accounts.enums import Role
from caen_accompagnement.dates import add_months
from households.enums import Public, Quartier, Status

from .matching import size_fits
from .models import (
    AgreementDocument,
    DocumentKind,
    Dwelling,
    Rehousing,
    Solution,
)

DWELLINGS = 320

STREETS = {
    Quartier.CENTRE: ["rue Saint-Jean", "rue Écuyère", "rue de Strasbourg"],
    Quartier.VAUCELLES: ["rue d'Auge", "rue de Falaise", "rue Saint-Michel"],
    Quartier.RIVE_DROITE: ["rue de la Demi-Lune", "quai de Juillet"],
    Quartier.GUERINIERE: ["boulevard de la Guérinière", "place de la Guérinière"],
    Quartier.GRACE_DE_DIEU: ["rue de Champagne", "rue d'Alsace"],
    Quartier.SAINTE_THERESE: ["rue de la Délivrande", "rue Sainte-Thérèse"],
    Quartier.CHEMIN_VERT: ["rue du Chemin Vert", "boulevard Pompidou"],
    Quartier.FOLIE_COUVRECHEF: ["boulevard Weygand", "avenue de la Folie"],
    Quartier.PIERRE_HEUZE: ["rue de la Pierre Heuzé", "rue du Bouquet"],
    Quartier.CALVAIRE_SAINT_PIERRE: ["rue du Calvaire Saint-Pierre", "rue de Bayeux"],
    Quartier.SAINT_JEAN_EUDES: ["rue Saint-Jean-Eudes", "rue Général Moulin"],
    Quartier.MALADRERIE: ["rue de la Maladrerie", "rue Henri Chéron"],
    Quartier.BEAULIEU: ["rue de Beaulieu", "boulevard Détolle"],
    Quartier.VENOIX: ["rue de Venoix", "avenue des Chevaliers"],
    Quartier.SAINT_PAUL: ["rue Saint-Paul", "rue de Bretagne"],
}

# (three quarters of the stock, the remaining quarter) rent ranges. T2 and T4 are the
# convention's (docs/domain.md §3.1); T1, T3 and T5 are interpolated around them.
RENTS = {
    "T1": ((220, 300), (260, 360)),
    "T2": ((280, 370), (310, 450)),
    "T3": ((280, 380), (360, 560)),
    "T4": ((280, 390), (408, 750)),
    "T5": ((330, 450), (480, 820)),
}
CHARGES = {"T1": (35, 60), "T2": (45, 75), "T3": (55, 95), "T4": (65, 110), "T5": (75, 130)}
TYPOLOGY_WEIGHTS = [("T1", 12), ("T2", 28), ("T3", 32), ("T4", 20), ("T5", 8)]
OTHER_LANDLORDS = ["Partélios Habitat", "Inolya"]

SOLUTIONS_CYCLE = [
    Solution.DIRECT,
    Solution.SLIDING_LEASE,
    Solution.SOCIAL_RESIDENCE,
    Solution.SUBLET,
    Solution.DIRECT,
    Solution.SLIDING_LEASE,
    Solution.DIRECT,
    Solution.SLIDING_LEASE,
]
RESIDENCES = ["Résidence sociale Les Tilleuls", "Résidence sociale du Port"]


def _amount(rng, low, high):
    return Decimal(rng.randint(low * 2, high * 2)) / 2


def _dwellings(ctx):
    rng = ctx.rng
    today = ctx.now.date()
    existing = set(Dwelling.objects.values_list("reference", flat=True))
    quartiers = list(STREETS)
    typologies = [t for t, w in TYPOLOGY_WEIGHTS for _ in range(w)]
    new = []
    for n in range(1, DWELLINGS + 1):
        reference = f"CH-{n:05d}"
        # Draw every value even for existing rows, so the sequence stays deterministic.
        quartier = quartiers[(n - 1) % len(quartiers)]
        typology = rng.choice(typologies)
        modest = rng.random() < 0.75
        low, high = RENTS[typology][0 if modest else 1]
        rent = _amount(rng, low, high)
        charges = _amount(rng, *CHARGES[typology])
        collective = rng.random() < 0.93
        floor = rng.randint(0, 9) if collective else 0
        lift = collective and (floor >= 4 or rng.random() < 0.3)
        street = rng.choice(STREETS[quartier])
        number = rng.randint(1, 120)
        let = rng.random() < 0.35
        available = today + timedelta(days=rng.randint(-30, 150))
        landlord = rng.choice(OTHER_LANDLORDS) if rng.random() < 0.03 else "Caen habitat"
        if reference in existing:
            continue
        new.append(
            Dwelling(
                reference=reference,
                address=f"{number} {street}, 14000 Caen",
                quartier=quartier,
                typology=typology,
                is_collective=collective,
                floor=floor,
                has_lift=lift,
                rent=rent,
                charges=charges,
                available_from=available,
                landlord=landlord,
                is_let=let,
            )
        )
    Dwelling.objects.bulk_create(new, batch_size=500)
    return len(new)


def _letting_officer(ctx):
    from accounts.models import User

    for user in ctx.users.values():
        if Role.LETTING_OFFICER in getattr(user, "roles", ()):
            return user
    return User.objects.filter(role_assignments__role=Role.LETTING_OFFICER).order_by("pk").first()


def _rehousings(ctx):
    from households.models import Household

    if Rehousing.objects.exists():
        return 0
    rng = ctx.rng
    today = ctx.now.date()
    officer = _letting_officer(ctx)
    # Admitted households are where rehousing happens; a few accompanied ones were rehoused
    # before their accompaniment started.
    candidates = (
        Household.objects.exclude(public=Public.EVICTION_THREAT)
        .prefetch_related("members")
        .order_by("pk")
    )
    # The files paused at « admis » until their accompaniment begins (ctx.later) are the
    # accompanied ones: those whose path stays « accompagné » count as such.
    staying = [pk for pk, steps in ctx.later.items() if steps[-1][1] == Status.ACCOMPANIED]
    households = list(
        candidates.filter(status=Status.ADMITTED).exclude(pk__in=ctx.later)[:5]
    ) + list(candidates.filter(Q(status=Status.ACCOMPANIED) | Q(pk__in=staying))[:3])
    available = list(Dwelling.objects.available().filter(landlord="Caen habitat").order_by("pk"))
    created = 0
    for index, household in enumerate(households):
        solution = SOLUTIONS_CYCLE[index]
        start = today - timedelta(days=rng.randint(20, 200))
        fields = {"solution": solution, "lease_start": start}
        if solution == Solution.SOCIAL_RESIDENCE:
            fields["structure_name"] = RESIDENCES[index % len(RESIDENCES)]
        else:
            dwelling = next((d for d in available if size_fits(d.rooms, household.size)), None)
            if dwelling is None:
                continue
            available.remove(dwelling)
            fields["dwelling"] = dwelling
            fields["lease_reference"] = f"BAIL-{start:%Y}-{dwelling.pk:05d}"
        if solution == Solution.SLIDING_LEASE:
            fields["planned_glide_date"] = add_months(start, 6)
        if solution == Solution.SUBLET:
            fields["planned_end"] = add_months(start, 24)
            fields["exceptional_reason"] = (
                "Ménage sans titre locatif possible à court terme : sous-location le temps de "
                "régulariser la situation administrative."
            )
        rehousing = Rehousing.record(household=household, by=officer, **fields)
        created += 1
        if solution == Solution.SLIDING_LEASE and add_months(start, 3) <= today and index > 2:
            rehousing.record_glide(on=max(add_months(start, 3), start), by=officer)
    return created


SCAN = b"%PDF-1.4\n% exemplaire signe (demonstration)\n"


def _documents(ctx):
    """Conventions and contracts for the rehoused households: generated (awaiting signature)
    for the admitted ones, signed for those already accompanied."""
    from django.core.files.base import ContentFile

    from households.models import Household

    if AgreementDocument.objects.exists():
        return 0
    officer = _letting_officer(ctx)
    households = (
        Household.objects.filter(
            rehousings__isnull=False, status__in=[Status.ADMITTED, Status.ACCOMPANIED]
        )
        .distinct()
        .order_by("pk")
    )
    count, began = 0, accompanied_from(ctx)
    for household in households:
        # An accompanied household signed both documents before its accompaniment began (the
        # day its history says it becomes « accompagné », which accompaniments.demo starts it on).
        if household.status == Status.ACCOMPANIED:
            began.setdefault(household.pk, household.status_changed_at)
        accompanied = household.pk in began
        signed_on = timezone.localdate(began.get(household.pk, ctx.now)) - timedelta(days=3)
        for kind in (DocumentKind.CONVENTION, DocumentKind.CONTRACT):
            document = AgreementDocument.generate(
                household,
                kind,
                by=officer,
                at=began[household.pk] - timedelta(days=10) if accompanied else None,
            )
            if accompanied:
                document.mark_signed(
                    on=signed_on, scan=ContentFile(SCAN, name="exemplaire-signe.pdf"), by=officer
                )
            count += 1
    return count


def accompanied_from(ctx):
    """{household pk: when its history says it becomes « accompagné »}: the steps households.demo
    left to the accompaniment's owners (ctx.later, applied by accompaniments.demo) and those
    already in the histories (a previous run)."""
    from households.models import StatusChange

    began = dict(
        StatusChange.objects.filter(to_status=Status.ACCOMPANIED)
        .order_by("household", "at")
        .values_list("household", "at")
    )
    for pk, steps in ctx.later.items():
        began[pk] = steps[0][2]
    return began


def _signed_documents(ctx):
    """Every household whose history reached « accompagné » signed both documents before: the
    convention 10 days before, signed 3 days before the accompaniment began (its history's
    date, which accompaniments.demo starts it on). One rehoused by the programme has its
    rehousing (the convention is joined to the lease); an eviction-threat one stays in place."""
    from django.core.files.base import ContentFile

    from households.models import Household

    documented = set(AgreementDocument.objects.values_list("household", flat=True))
    began = {pk: at for pk, at in accompanied_from(ctx).items() if pk not in documented}
    if not began:
        return 0
    officer = _letting_officer(ctx)
    households = list(Household.objects.filter(pk__in=began).order_by("pk"))
    housed = set(Rehousing.objects.filter(household__in=began).values_list("household", flat=True))
    available = list(Dwelling.objects.available().filter(landlord="Caen habitat").order_by("pk"))
    rehousings = []
    for index, household in enumerate(households):
        if household.public == Public.EVICTION_THREAT or household.pk in housed:
            continue
        lease_start = timezone.localdate(began[household.pk]) - timedelta(days=20)
        if available and index % 4:
            dwelling = available.pop()
            rehousings.append(
                Rehousing(
                    household=household,
                    solution=Solution.DIRECT if index % 4 != 2 else Solution.SLIDING_LEASE,
                    dwelling=dwelling,
                    lease_start=lease_start,
                    lease_reference=f"BAIL-{lease_start:%Y}-{dwelling.pk:05d}",
                    planned_glide_date=add_months(lease_start, 6) if index % 4 == 2 else None,
                    created_by=officer,
                )
            )
        else:
            rehousings.append(
                Rehousing(
                    household=household,
                    solution=Solution.SOCIAL_RESIDENCE,
                    structure_name=RESIDENCES[index % len(RESIDENCES)],
                    lease_start=lease_start,
                    created_by=officer,
                )
            )
    Rehousing.objects.bulk_create(rehousings, batch_size=2000)
    documents = AgreementDocument.record_signed_batch(
        (
            (
                household,
                began[household.pk] - timedelta(days=10),
                timezone.localdate(began[household.pk]) - timedelta(days=3),
            )
            for household in households
        ),
        by=officer,
        scan=ContentFile(SCAN, name="exemplaire-signe.pdf"),
    )
    return len(documents)


def seed(ctx):
    dwellings = _dwellings(ctx)
    rehousings = _rehousings(ctx)
    documents = _documents(ctx)
    documents += _signed_documents(ctx)
    ctx.stdout.write(
        f"Logements : {dwellings} créés, {rehousings} relogements, {documents} documents générés."
    )
