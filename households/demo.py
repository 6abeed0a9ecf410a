"""Fictitious households of Caen for the demo and the benchmark, built with bulk inserts.

Household number n (1, 2, …) is drawn from its own random generator, seeded from the demo seed
and n, so the same seed gives the same households whatever was already in the database. Its list
references end with n (`LAP-2025-00042`, `CCAPEX-2024-00042`, …): that is how a later run knows
which demo households exist, and it only creates the missing ones (running twice is harmless;
`--households` larger than before tops up).

Every household follows a path through the pipeline allowed by `TRANSITIONS` (who, when, why,
which cellule decision), cellule decisions falling on the cellule's six-weekly calendar. The file
is created « présélectionné » (`Household.create_files`) and its history is then applied by
the owners' own rule code, step by step, each with its date passed in (`Household.move_many`,
the batch form of `move_to`): nothing here writes a status or a history row. Households past the
level decision have a référent among the demo social workers, with the assignment row. No one here is a real person: names are drawn at random,
phone numbers all lie in 06 39 98 xx xx (to our knowledge, ARCEP's range for fiction).
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from .enums import (
    TRANSITIONS,
    Employment,
    ExitReason,
    Gender,
    Public,
    Quartier,
    Relation,
    Source,
    Status,
)
from .models import Household, HouseholdSource, Person, ReferentAssignment

PARIS = ZoneInfo("Europe/Paris")
BATCH = 2000

# List reference of demo household n: "<prefix>-<decision year>-<n, 5+ digits>".
REFERENCE_PREFIX = {
    Source.CODESI: ("LAP", "LIP"),
    Source.COMITE: ("CC",),
    Source.DALO: ("DALO14",),
    Source.CCAPEX: ("CCAPEX",),
    Source.CONTENTIEUX: ("CT",),
}
DEMO_REFERENCE_RE = r"^(LAP|LIP|CC|DALO14|CCAPEX|CT)-[0-9]{4}-[0-9]{5,}$"

# --- who they are -----------------------------------------------------------------------------
SURNAMES = (
    "Lefèvre Leroux Marie Lemoine Hébert Lecomte Leblond Lebas Jeanne Lesage Pain Lefrançois "
    "Lemaître Levallois Osmont Héroult Lecarpentier Legros Martin Bernard Dubois Moreau Laurent "
    "Simon Michel Leroy Roux Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent "
    "Faure André Mercier Blanc Boyer Garnier Chevalier François Gauthier Perrin Robin Clément "
    "Morin Nicolas Henry Roussel Mathieu Masson Marchand Lecœur Le_Goff Quesnel Letellier Vauclin "
    "Gosselin Lenormand Hamel Delaunay Gaillard Tessier Renaud Lemarchand Jouen Desmonts Anne "
    "Benali Haddad Bensaïd Mansouri Belkacem Cherif Ait-Ahmed Boukhari Ouali Traoré Diallo Koné "
    "Camara Touré Ndiaye Sow Diop Cissé Nsimba Lukusa Ilunga Yilmaz Demir Kaya Popescu Ionescu "
    "Petrova Sarkissian Gashi Berisha Krasniqi Ahmadi Rahimi Nguyen Tran Da_Silva Pereira "
    "Ferreira Rodrigues Nowak Kowalski"
)
SURNAMES = [name.replace("_", " ") for name in SURNAMES.split()]

WOMEN = (
    "Marie Nathalie Isabelle Sandrine Stéphanie Céline Aurélie Émilie Julie Laetitia Jessica "
    "Amandine Sabrina Mélanie Audrey Karine Virginie Sarah Laura Manon Océane Fatima Samira "
    "Nadia Yasmina Aïcha Mariam Fatoumata Aminata Khadija Leïla Ayşe Elena Ana Svetlana Nora "
    "Sylvie Monique Christiane Martine Brigitte Chantal Anaïs Marine Justine Pauline Coralie"
).split()
MEN = (
    "Jean Michel Philippe Alain Patrick Christophe Stéphane Sébastien Nicolas David Julien "
    "Anthony Kévin Jérémy Mickaël Cédric Ludovic Franck Thierry Pascal Mohamed Karim Rachid "
    "Samir Youssef Mamadou Ibrahim Moussa Oumar Mehmet Ion Artur Dmitri Bruno Gérard Daniel "
    "Dylan Maxime Romain Yanis Florian Alexandre Guillaume Jonathan Grégory"
).split()
GIRLS = (
    "Emma Jade Louise Alice Chloé Léa Lina Inès Rose Anna Mila Ambre Zoé Lou Nour Maëlys Sofia "
    "Aya Salomé Lana Camille Manon Lola Clara Yasmine"
).split()
BOYS = (
    "Gabriel Léo Raphaël Louis Arthur Jules Adam Lucas Nathan Hugo Noah Ethan Sacha Ayoub Rayan "
    "Ismaël Timéo Kylian Enzo Tom Théo Mathis Naël Amir Liam"
).split()

PUBLIC_WEIGHTS = {
    Public.EVICTION_THREAT: 27,
    Public.DALO: 13,
    Public.EMERGENCY_SHELTER: 12,
    Public.FIXED_TERM_PERMIT: 6,
    Public.AHI_STRUCTURE: 17,
    Public.THIRD_PARTY: 17,
    Public.ALT: 8,
}

ACCOMMODATION = {
    Public.EMERGENCY_SHELTER: [
        "Hébergement d'urgence — hôtel (115)",
        "Centre d'hébergement d'urgence",
        "Hébergement d'urgence hivernal",
    ],
    Public.FIXED_TERM_PERMIT: [
        "Hébergé chez un compatriote",
        "Hébergement d'urgence — hôtel (115)",
        "Sortie de CADA, hébergé en HUDA",
    ],
    Public.AHI_STRUCTURE: [
        "CHRS (hébergement diffus)",
        "CHRS (collectif)",
        "Foyer de jeunes travailleurs",
        "Hôtel maternel",
        "Foyer monoparental",
        "CADA",
    ],
    Public.THIRD_PARTY: [
        "Hébergé chez sa mère",
        "Hébergé chez un ami",
        "Hébergée chez sa sœur",
        "Hébergé chez ses parents, en sur-occupation",
        "Hébergé chez un cousin",
    ],
    Public.ALT: [
        "Logement ALT (association d'insertion)",
        "Logement ALT depuis plus d'un an",
    ],
    Public.EVICTION_THREAT: ["Locataire Caen habitat"],
    Public.DALO: [
        "Hébergé chez un tiers",
        "Logement indigne (parc privé)",
        "Hébergement d'urgence — hôtel (115)",
        "Logement sur-occupé (parc privé)",
    ],
}

STREETS = [
    "rue des Acacias",
    "rue des Tilleuls",
    "allée des Peupliers",
    "rue des Rosiers",
    "avenue des Chênes",
    "rue du Marais",
    "rue des Glycines",
    "place des Érables",
    "rue des Capucines",
    "rue des Saules",
    "allée des Bleuets",
    "rue de la Source",
    "rue des Lavandières",
    "impasse des Pommiers",
    "rue des Marronniers",
]

# Monthly resources of the reference person's situation: (text, low, high) in euros.
RESOURCES = {
    Employment.JOBSEEKER: [("ARE (allocation chômage)", 850, 1300), ("RSA", 620, 900)],
    Employment.INACTIVE: [("RSA", 620, 900), ("RSA et APL", 780, 1150)],
    Employment.EMPLOYEE: [
        ("salaire à temps partiel et prime d'activité", 950, 1400),
        ("salaire (CDD) et APL", 1200, 1750),
        ("salaire (CDI)", 1450, 2100),
    ],
    Employment.SELF_EMPLOYED: [("revenus d'activité indépendante et RSA", 700, 1300)],
    Employment.TRAINING: [("allocation du contrat d'engagement jeune", 500, 560)],
    Employment.RETIRED: [("retraite et ASPA", 960, 1250), ("retraite", 1000, 1600)],
    Employment.DISABILITY: [("AAH", 980, 1150), ("pension d'invalidité", 700, 1200)],
}
ASYLUM_RESOURCES = ("ADA (allocation pour demandeur d'asile)", 300, 600)

NOT_ADMITTED_REASONS = [
    "Le ménage ne souhaite pas s'engager dans l'accompagnement.",
    "Situation relevant d'un autre dispositif (AVDL).",
    "Accompagnement par le service social de secteur déjà suffisant.",
    "Ressources insuffisantes au regard des logements disponibles à ce jour.",
]
EXIT_TEXT = {
    ExitReason.REFUSAL: "Le ménage a refusé la poursuite de l'accompagnement.",
    ExitReason.DEPARTURE: "Départ du ménage hors de l'agglomération caennaise.",
    ExitReason.NO_CONTACT: "Aucun contact malgré trois relances (courrier, appels, visite).",
    ExitReason.NOT_ELIGIBLE: "La situation ne relève pas du dispositif.",
    ExitReason.OTHER: "Relogement trouvé par le ménage hors du dispositif.",
}
# Leaving during the accompaniment is its closure: a departure, or a loss of adhesion
# (accompaniments.enums.EXIT_OF_CLOSURE); indexed by "the household stopped answering".
CLOSURE_EXITS = (ExitReason.DEPARTURE, ExitReason.ADHESION_LOSS)
EXIT_TEXT_OF_CLOSURE = {
    ExitReason.ADHESION_LOSS: "Perte d'adhésion : plus de réponse malgré les relances.",
}

# --- the pipeline -----------------------------------------------------------------------------
S = Status
FULL_PATH = [
    S.PRESELECTED,
    S.AWAITING_LEVEL,
    S.DIAGNOSTIC,
    S.AWAITING_ADMISSION,
    S.ADMITTED,
    S.ACCOMPANIED,
    S.POST_AUTONOMY,
]
# Share of each status among demo households (every status appears; the first ten households
# take one status each so that even a tiny demo shows them all).
STATUS_WEIGHTS = {
    S.PRESELECTED: 14,
    S.AWAITING_LEVEL: 8,
    S.DIAGNOSTIC: 10,
    S.AWAITING_ADMISSION: 7,
    S.NOT_ADMITTED: 7,
    S.ADMITTED: 6,
    S.ACCOMPANIED: 18,
    S.POST_AUTONOMY: 8,
    S.EXITED: 11,
    S.ARCHIVED: 11,
}
# Statuses the cellule decides (their transition falls on a cellule date).
CELLULE_DECIDES = {S.DIAGNOSTIC, S.ADMITTED, S.NOT_ADMITTED}
# Days spent in a status before the next step (the two "awaiting" ones end at the next cellule).
STAY = {
    S.PRESELECTED: (6, 45),
    S.AWAITING_LEVEL: (7, 40),
    S.DIAGNOSTIC: (20, 75),
    S.AWAITING_ADMISSION: (7, 40),
    S.NOT_ADMITTED: (30, 240),
    S.ADMITTED: (15, 90),
    S.ACCOMPANIED: (95, 365),  # never closed under 3 months (§2.2.2)
    S.POST_AUTONOMY: (180, 400),
    S.EXITED: (30, 300),
    S.ARCHIVED: (1, 500),
}
CELLULE_EVERY = 42  # days: the cellule meets every six weeks (at least once a quarter, §5.1)


# Fixed-date public holidays: a cellule falling on one meets the day before.
HOLIDAYS = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}


def cellule_on_or_before(day: date, today: date) -> date:
    """The cellule meets on Tuesdays every six weeks, the last one at least 3 days before today."""
    anchor = today - timedelta(days=3)
    anchor -= timedelta(days=(anchor.weekday() - 1) % 7)  # back to a Tuesday
    if day < anchor:
        anchor -= timedelta(days=CELLULE_EVERY * -(-(anchor - day).days // CELLULE_EVERY))
    if (anchor.month, anchor.day) in HOLIDAYS:
        anchor -= timedelta(days=1)
    return anchor


def fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def choose_path(rng: random.Random, status: str) -> list[str]:
    """A sequence of statuses from preselection to `status`, every step allowed by TRANSITIONS."""
    if status in FULL_PATH:
        path = FULL_PATH[: FULL_PATH.index(status) + 1]
    elif status == S.NOT_ADMITTED:
        path = FULL_PATH[:4] + [S.NOT_ADMITTED]
    elif status == S.EXITED:
        path = FULL_PATH[: rng.choice([1, 2, 3, 4, 5, 6])] + [S.EXITED]
    else:  # archived: after post-autonomy, a non-admission or an exit
        kind = rng.choices(["post", "not_admitted", "exited"], [5, 2, 3])[0]
        if kind == "post":
            path = FULL_PATH[:]
        elif kind == "not_admitted":
            path = FULL_PATH[:4] + [S.NOT_ADMITTED]
        else:
            path = FULL_PATH[: rng.choice([1, 2, 3, 4, 5, 6])] + [S.EXITED]
        path.append(S.ARCHIVED)
    # Now and then the cellule asks for more before deciding on admission.
    if S.AWAITING_ADMISSION in path and path[-1] != S.AWAITING_ADMISSION and rng.random() < 0.06:
        at = path.index(S.AWAITING_ADMISSION)
        path[at + 1 : at + 1] = [S.DIAGNOSTIC, S.AWAITING_ADMISSION]
    for before, after in zip(path, path[1:], strict=False):
        assert after in TRANSITIONS[before], (before, after)
    return path


def event_days(rng: random.Random, path: list[str], today: date) -> list[date]:
    """The day each status of `path` began, walking back from today; cellule steps on its dates."""
    days = [None] * len(path)
    day = today - timedelta(days=rng.randint(*STAY[path[-1]]))
    for k in range(len(path) - 1, -1, -1):
        if path[k] in CELLULE_DECIDES or (
            path[k] == S.DIAGNOSTIC and k and path[k - 1] == S.AWAITING_ADMISSION
        ):
            day = cellule_on_or_before(day, today)
        elif day.weekday() >= 5:  # offices are closed at weekends
            day -= timedelta(days=day.weekday() - 4)
        days[k] = day
        if k:
            day -= timedelta(days=rng.randint(*STAY[path[k - 1]]))
    return days


# --- one household ----------------------------------------------------------------------------
@dataclass
class Plan:
    n: int
    household: Household
    members: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    # (from, to, at, by_key, reason, decision, exit_reason): the first is the file's creation
    changes: list = field(default_factory=list)
    referent: tuple | None = None  # (at, referent_key, substitute_key)
    level: int | None = None  # the level the cellule decides, when it does


def birth(rng, today, age_low, age_high):
    return today - timedelta(days=rng.randint(age_low * 365 + 1, age_high * 365 + 300))


def adult_employment(rng, age):
    if age >= 63:
        return rng.choices([Employment.RETIRED, Employment.DISABILITY], [8, 2])[0]
    return rng.choices(
        [
            Employment.JOBSEEKER,
            Employment.INACTIVE,
            Employment.EMPLOYEE,
            Employment.DISABILITY,
            Employment.TRAINING,
            Employment.SELF_EMPLOYED,
        ],
        [34, 22, 24, 9, 8 if age < 30 else 1, 2],
    )[0]


def plan_members(rng, public, today):
    structure = rng.choices(
        ["single", "single_parent", "couple", "couple_children", "other"], [44, 26, 8, 17, 5]
    )[0]
    if public == Public.AHI_STRUCTURE and structure == "couple_children":
        structure = "single_parent"  # foyers maternels and CHRS mostly house single parents
    age = rng.choices([(18, 24), (25, 34), (35, 59), (60, 78)], [15, 31, 45, 9])[0]
    if structure in ("single_parent", "couple_children") and age == (60, 78):
        age = (35, 59)
    ref_gender = (
        Gender.FEMALE
        if rng.random() < (0.86 if structure == "single_parent" else 0.45)
        else Gender.MALE
    )
    last_name = rng.choice(SURNAMES)
    ref_birth = birth(rng, today, *age)
    ref_age = (today - ref_birth).days // 365
    members = [
        dict(
            last_name=last_name,
            first_name=rng.choice(WOMEN if ref_gender == Gender.FEMALE else MEN),
            birth_date=ref_birth,
            gender=ref_gender,
            relation=Relation.REFERENCE,
            employment=adult_employment(rng, ref_age),
        )
    ]
    if structure in ("couple", "couple_children"):
        gender = Gender.MALE if ref_gender == Gender.FEMALE else Gender.FEMALE
        spouse_age = max(18, min(80, ref_age + rng.randint(-6, 6)))
        members.append(
            dict(
                last_name=last_name if rng.random() < 0.6 else rng.choice(SURNAMES),
                first_name=rng.choice(WOMEN if gender == Gender.FEMALE else MEN),
                birth_date=birth(rng, today, spouse_age, spouse_age),
                gender=gender,
                relation=Relation.SPOUSE,
                employment=adult_employment(rng, spouse_age),
            )
        )
    if structure in ("single_parent", "couple_children"):
        mother_age = ref_age
        for _ in range(rng.choices([1, 2, 3, 4, 5], [36, 34, 18, 8, 4])[0]):
            child_age = rng.randint(0, max(0, min(20, mother_age - 19)))
            gender = rng.choice([Gender.FEMALE, Gender.MALE])
            members.append(
                dict(
                    last_name=last_name,
                    first_name=rng.choice(GIRLS if gender == Gender.FEMALE else BOYS),
                    birth_date=birth(rng, today, child_age, child_age),
                    gender=gender,
                    relation=Relation.CHILD,
                    employment=Employment.CHILD if child_age < 16 else Employment.TRAINING,
                )
            )
    if structure == "other":  # an adult living with a parent or a grown-up child
        gender = rng.choice([Gender.FEMALE, Gender.MALE])
        other_age = max(18, min(85, ref_age + rng.choice([-25, 25]) + rng.randint(-4, 4)))
        members.append(
            dict(
                last_name=last_name,
                first_name=rng.choice(WOMEN if gender == Gender.FEMALE else MEN),
                birth_date=birth(rng, today, other_age, other_age),
                gender=gender,
                relation=Relation.OTHER,
                employment=adult_employment(rng, other_age),
            )
        )
    return members


def at_time(rng, day, hour=None):
    hour = hour if hour is not None else rng.randint(9, 16)
    return datetime.combine(day, time(hour, rng.choice([0, 10, 15, 20, 30, 40, 45, 50])), PARIS)


def plan_household(base_seed: int, n: int, today: date) -> Plan:  # noqa: C901 — demo data: seeded draws in a fixed order (reordering them changes every demo household)
    rng = random.Random(f"{base_seed}:{n}")
    status = list(STATUS_WEIGHTS)[n - 1] if n <= len(STATUS_WEIGHTS) else None
    status = status or rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
    public = rng.choices(list(PUBLIC_WEIGHTS), list(PUBLIC_WEIGHTS.values()))[0]
    path = choose_path(rng, status)
    days = event_days(rng, path, today)
    members = plan_members(rng, public, today)

    # --- sources: where the household was found, with the list's own reference -------------
    if public == Public.EVICTION_THREAT:
        main = rng.choices([Source.CONTENTIEUX, Source.CCAPEX], [6, 4])[0]
        other = {Source.CONTENTIEUX: Source.CCAPEX, Source.CCAPEX: Source.CONTENTIEUX}[main]
        second = other if rng.random() < 0.25 else None
    elif public == Public.DALO:
        main, second = Source.DALO, (Source.CODESI if rng.random() < 0.3 else None)
    else:
        main = rng.choices([Source.CODESI, Source.COMITE], [7, 3])[0]
        second = (
            (Source.COMITE if main == Source.CODESI else Source.CODESI)
            if rng.random() < 0.08
            else None
        )
    preselected = days[0]
    sources = []
    for k, source in enumerate([main, second]):
        if source is None:
            continue
        decision = preselected - timedelta(days=rng.randint(4, 60) + 30 * k)
        imported_on = preselected + timedelta(days=rng.randint(0, 20) if k else 0)
        imported = at_time(rng, min(imported_on, today - timedelta(days=1)))
        sources.append(
            dict(
                source=source,
                reference=f"{rng.choice(REFERENCE_PREFIX[source])}-{decision.year}-{n:05d}",
                decision_date=decision,
                first_imported_at=imported,
                last_imported_at=imported,
            )
        )

    # --- identity ---------------------------------------------------------------------------
    housed_by_caen_habitat = public == Public.EVICTION_THREAT or (
        S.ACCOMPANIED in path and rng.random() < 0.7
    )
    has_sne = public == Public.DALO or (
        rng.random() < (0.3 if public == Public.EVICTION_THREAT else 0.9)
    )
    household_accommodation = rng.choice(ACCOMMODATION[public])
    sne_day = preselected - timedelta(days=rng.randint(150, 1400))
    quartier = rng.choice(Quartier.values)
    lives_in_caen = housed_by_caen_habitat or (
        public in (Public.THIRD_PARTY, Public.DALO) and rng.random() < 0.6
    )
    label, low, high = rng.choice(RESOURCES[members[0]["employment"]])
    if household_accommodation == "CADA" or (
        public == Public.FIXED_TERM_PERMIT and rng.random() < 0.4
    ):
        label, low, high = ASYLUM_RESOURCES
    income = rng.randrange(low, high, 10)
    children = sum(1 for m in members if m["relation"] == Relation.CHILD)
    if children:
        label += " et prestations familiales"
        income += 140 * children if children > 1 else 0
    household = Household(
        public=public,
        sne_number=f"014{sne_day:%y%m}{n:06d}" if has_sne else None,
        tenant_account=f"CH{n:07d}" if housed_by_caen_habitat else "",
        declared_size=len(members),
        address=(
            f"{rng.randint(1, 120)} {rng.choice(STREETS)}, 14000 Caen" if lives_in_caen else ""
        ),
        quartier=quartier if lives_in_caen else "",
        phone=(f"06 39 98 {n % 10000 // 100:02d} {n % 100:02d}" if rng.random() < 0.85 else ""),
        accommodation=household_accommodation,
        has_codesi_social_report=(main == Source.CODESI and rng.random() < 0.6),
        observations=f"Ressources déclarées : {label}, environ {income} € par mois.",
    )
    if housed_by_caen_habitat and public != Public.EVICTION_THREAT:
        household.accommodation = "Logement Caen habitat (relogé dans le cadre du dispositif)"
    if public == Public.EVICTION_THREAT:
        months = rng.randint(3, 18)
        household.months_unpaid = months
        household.rent_debt = (
            Decimal(months * rng.randint(150, 380)) + Decimal(rng.randint(0, 99)) / 100
        )
        household.accommodation = f"Locataire Caen habitat (T{rng.randint(1, 5)})"

    # --- status history, référent -------------------------------------------------------------
    plan = Plan(n=n, household=household, members=members, sources=sources)
    referent = substitute = None
    level = None
    first = main.label.split(" (")[0]
    previous = ""
    for k, status in enumerate(path):
        day = days[k]
        cellule = f"Cellule de coordination du {fr(day)}"
        by, reason, decision = "direction", "", ""
        if status == S.PRESELECTED:
            by, reason = "location", f"Présélection à partir de la liste {first}."
        elif status == S.AWAITING_LEVEL:
            by = "location"
            reason = "Dossier inscrit à l'ordre du jour de la cellule (choix du niveau)."
        elif status == S.DIAGNOSTIC and previous == S.AWAITING_LEVEL:
            level = household.suggested_diagnostic_level
            if rng.random() < 0.12:
                level = rng.choice([x for x in (1, 2, 3) if x != level])
            decision = f"{cellule} : diagnostic de niveau {level}"
            reason = f"Niveau {level} retenu par la cellule."
            referent = rng.choice(["ts1", "ts2", "ts3", "ts4"])
            if rng.random() < 0.3:
                substitute = rng.choice([t for t in ("ts1", "ts2", "ts3", "ts4") if t != referent])
            plan.referent = (at_time(rng, day, 16), referent, substitute)
        elif status == S.DIAGNOSTIC:
            decision = f"{cellule} : compléments demandés au diagnostic"
            reason = "La cellule demande des éléments complémentaires avant de se prononcer."
        elif status == S.AWAITING_ADMISSION:
            by, reason = referent, "Diagnostic terminé, synthèse transmise à la cellule."
        elif status == S.ADMITTED:
            decision = f"{cellule} : admission dans le dispositif"
            reason = "Admission validée par la cellule."
        elif status == S.NOT_ADMITTED:
            decision = f"{cellule} : non-admission"
            reason = rng.choice(NOT_ADMITTED_REASONS)
        elif status == S.ACCOMPANIED:
            by = referent
            reason = "Convention tripartite et contrat d'accompagnement signés."
        elif status == S.POST_AUTONOMY:
            by = referent
            reason = "Bilan de fin d'accompagnement : le ménage gère son logement en autonomie."
        elif status == S.EXITED:
            exit_reason = rng.choices(list(EXIT_TEXT), [3, 2, 3, 1, 1])[0]
            if previous == S.ACCOMPANIED:  # its accompaniment closed (accompaniments.demo)
                exit_reason = CLOSURE_EXITS[
                    exit_reason in (ExitReason.REFUSAL, ExitReason.NO_CONTACT)
                ]
            by = referent or "location"
            reason = EXIT_TEXT_OF_CLOSURE.get(exit_reason) or EXIT_TEXT[exit_reason]
        elif status == S.ARCHIVED:
            reason = "Clôture du dossier."
        hour = 15 if decision.startswith("Cellule") else None
        plan.changes.append(
            (
                previous,
                status,
                at_time(rng, day, hour),
                by,
                reason,
                decision,
                exit_reason if status == S.EXITED else "",
            )
        )
        previous = status
    plan.level = level  # the cellule's decision sets it (coordination.demo)
    # The file starts « présélectionné » (the model's default) on the day of its creation row;
    # the owners then move it along its path (apply_histories).
    assert plan.changes[0][:2] == ("", Household().status)
    return plan


# --- the seed ---------------------------------------------------------------------------------
def existing_numbers() -> set[int]:
    """Numbers of the demo households already in the database (from their list references)."""
    refs = HouseholdSource.objects.filter(reference__regex=DEMO_REFERENCE_RE).values_list(
        "reference", flat=True
    )
    return {int(ref.rsplit("-", 1)[1]) for ref in refs}


def create_households(
    users,
    count: int,
    base_seed: int,
    today: date,
    later: dict,
    awaiting: dict,
    levels: dict,
    submissions: dict,
) -> int:
    """Create the demo households numbered 1..count that are not there yet; returns how many.
    `levels` receives each file's level and steps from the cellule's level decision on,
    `awaiting` its steps from the admission decision on, `later` those from « accompagné » on,
    when no decision comes first (`apply_histories`)."""
    present = existing_numbers()
    missing = [n for n in range(1, count + 1) if n not in present]
    for start in range(0, len(missing), BATCH):
        plans = [plan_household(base_seed, n, today) for n in missing[start : start + BATCH]]
        for p in plans:
            if p.referent:
                _at, ref, sub = p.referent
                p.household.referent = users[ref]
                p.household.substitute = users[sub] if sub else None
        Household.create_files(
            (
                p.household,
                dict(by=users[p.changes[0][3]], reason=p.changes[0][4], at=p.changes[0][2]),
            )
            for p in plans
        )
        persons, sources, assignments = [], [], []
        for p in plans:
            h = p.household
            for position, spec in enumerate(p.members):
                person = Person(household=h, position=position, **spec)
                person.refresh_keys()  # bulk_create skips save(), which keeps the keys
                persons.append(person)
            sources.extend(HouseholdSource(household=h, **spec) for spec in p.sources)
            if p.referent:
                assignments.append(
                    ReferentAssignment(
                        household=h,
                        referent=h.referent,
                        substitute=h.substitute,
                        at=p.referent[0],
                        by=users["direction"],
                        reason="Affectation par la direction à la suite de la cellule.",
                    )
                )
        Person.objects.bulk_create(persons, batch_size=BATCH)
        HouseholdSource.objects.bulk_create(sources, batch_size=BATCH)
        apply_histories(plans, users, later, awaiting, levels, submissions)
        ReferentAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    return len(missing)


def step_move(household, step):
    """The `Household.move_many` item of a history step (from, to, at, by, reason, decision,
    exit reason): the move in the name of its `TRANSITIONS` owner."""
    before, after, at, by, reason, decision, exit_reason = step
    spec = dict(
        by=by,
        owner=TRANSITIONS[before][after],
        reason=reason,
        decision=decision,
        exit_reason=exit_reason,
        at=at,
    )
    return household, after, spec


def apply_histories(plans, users, later, awaiting, levels, submissions):
    """Each file's history after its creation, through the owners' rules (`move_many`, the
    batch form of `move_to`): its moves in order, each with its date and its owner, up to the
    first step an owner above `move_to` takes, where the file stops; that step and the ones after
    it are left to that owner's app, as (from, to, at, by, reason, decision, exit reason):
    - in `levels`, its inscription on a cellule's agenda (« présélectionné » → « en attente
      de niveau »): household pk → (the level the cellule decides, its steps), for
      coordination.demo (`Meeting.add_items`, then the level decisions through
      `record_decisions`, then `move_many` up to the submission, the rest to `submissions`);
    - in `submissions`, its diagnostic's submission (« diagnostic en cours » → « en attente
      d'admission »): household pk → steps, for diagnostics.demo (`Diagnostic.submit_many`);
    - in `awaiting`, the cellule's admission decision (« admis », « non admis »), for
      coordination.demo (`record_decisions`);
    - « accompagné » and after, in `later`, for accompaniments.demo (`Accompaniment.begin_many`
      / `close_many`, once the documents are signed)."""
    moves = []
    for step in range(1, max(len(p.changes) for p in plans)):
        for p in plans:
            if step >= len(p.changes):
                continue
            before, after, at, by, reason, decision, exit_reason = p.changes[step]
            row = (before, after, at, users[by], reason, decision, exit_reason)
            if p.household.pk in levels or (before == S.PRESELECTED and after == S.AWAITING_LEVEL):
                levels.setdefault(p.household.pk, (p.level, []))[1].append(row)
                continue
            if p.household.pk in submissions or (
                before == S.DIAGNOSTIC and after == S.AWAITING_ADMISSION
            ):
                submissions.setdefault(p.household.pk, []).append(row)
                continue
            if p.household.pk in awaiting or (
                before == S.AWAITING_ADMISSION and after in (S.ADMITTED, S.NOT_ADMITTED)
            ):
                awaiting.setdefault(p.household.pk, []).append(row)
                continue
            if after == S.ACCOMPANIED or p.household.pk in later:
                later.setdefault(p.household.pk, []).append(row)
                continue
            moves.append(step_move(p.household, row))
    Household.move_many(moves)


def seed(ctx):
    # One draw from the shared generator whatever happens, so later apps see the same sequence.
    base_seed = ctx.rng.getrandbits(48)
    today = ctx.now.astimezone(PARIS).date()
    created = create_households(
        ctx.users,
        ctx.households,
        base_seed,
        today,
        ctx.later,
        ctx.awaiting,
        ctx.levels,
        ctx.submissions,
    )
    ctx.stdout.write(
        f"Ménages de démonstration : {created} créé(s) "
        f"({Household.objects.count()} ménages dans la base)."
    )
