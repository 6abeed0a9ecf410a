"""The §7 indicators, each computed by the database from the records (docs/reporting.md).

A count table is one GROUP BY query over a source QuerySet; the same definition answers "which
households does this cell count?" (`households_behind`), so a number and the list behind it
cannot disagree. `compute` runs a fixed number of queries, whatever the number of households.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection, models
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    Greatest,
    Least,
    StrIndex,
    Substr,
    TruncDate,
)
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

from accompaniments.models import (
    Accompaniment,
    AdhesionDegree,
    AdhesionRecord,
    AutonomyLevel,
    ClosureReason,
    Contact,
    ContactKind,
    Extension,
    ExtensionStatus,
    Interview,
    InterviewKind,
    Objective,
    ObjectiveStatus,
    RentPaid,
    Signal,
    SignalKind,
    Survey,
)
from caen_accompagnement.subqueries import count_of
from diagnostics.models import LEVEL_CHOICES, Diagnostic, Obstacle
from households import taxonomy
from households.enums import (
    ORIGIN_OF_PUBLIC,
    AgeBand,
    Employment,
    ExitReason,
    FamilyStructure,
    Gender,
    Origin,
    Public,
    Quartier,
    Relation,
    Source,
    Status,
)
from households.models import Household, HouseholdSource, Person, StatusChange
from housing.models import Rehousing, Solution, Typology

from . import budget as budget_rules
from .periods import Period

UNKNOWN = "unknown"
UNKNOWN_LABEL = "Non renseigné"
SCHEMA_VERSION = 1


# --- the scope of a report --------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """A period and the dashboard's filters (référent, public, source list)."""

    period: Period
    referent_id: int | None = None
    public: str = ""
    source: str = ""

    def with_period(self, period):
        return Scope(period, self.referent_id, self.public, self.source)

    def households(self):
        qs = Household.objects.all()
        if self.referent_id:
            qs = qs.filter(referent_id=self.referent_id)
        if self.public:
            qs = qs.filter(public=self.public)
        if self.source:
            qs = qs.filter(
                Exists(HouseholdSource.objects.filter(household=OuterRef("pk"), source=self.source))
            )
        return qs

    def filter_households(self, qs, path="household"):
        """`qs` restricted to the filtered households (no join when there is no filter)."""
        if not (self.referent_id or self.public or self.source):
            return qs
        return qs.filter(**{f"{path}__in": self.households().values("pk")})


# --- SQL helpers ------------------------------------------------------------------------
class DaysBetween(Func):
    """`later - earlier` in days, for two dates (PostgreSQL: date - date is an integer)."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()

    def __init__(self, later, earlier):
        super().__init__(later, earlier)

    def as_sqlite(self, compiler, connection, **extra):  # `make run` without PostgreSQL
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


class Median(models.Aggregate):
    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.FloatField()


class EpochDays(Func):
    """A duration between two timestamps, in days."""

    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)"
    arg_joiner = " - "
    output_field = models.FloatField()


def members(relation):
    return count_of(Person.objects.filter(household=OuterRef("pk"), relation=relation))


def reference_person(field_name):
    """A field of the household's reference person (as `Household.reference_person`)."""
    persons = Person.objects.filter(household=OuterRef("pk")).order_by(
        Case(When(relation=Relation.REFERENCE, then=0), default=1), "position", "pk"
    )
    return Subquery(persons.values(field_name)[:1])


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def category_of(field_name):
    """ "budget.choices" → "budget" (the taxonomy's category, docs/reporting.md)."""
    return Substr(field_name, 1, StrIndex(field_name, Value(".")) - 1)


# --- sources ----------------------------------------------------------------------------
def accompaniments_during(scope):
    """Accompaniments running at some time in the period."""
    p = scope.period
    qs = Accompaniment.objects.filter(start__lte=p.end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=p.start)
    )
    return scope.filter_households(qs)


def accompanied_households(scope):
    """Ménages accompagnés sur la période: an accompaniment running at some time in it."""
    p = scope.period
    running = Accompaniment.objects.filter(household=OuterRef("pk"), start__lte=p.end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=p.start)
    )
    return scope.households().filter(Exists(running))


def submitted_diagnostics(scope):
    """Diagnostics transmitted in the period, the last version of each household only (a
    reopened diagnostic submitted again in the same period counts once)."""
    p = scope.period
    in_period = Q(submitted_at__gte=p.start_at, submitted_at__lt=p.end_before)
    later = Diagnostic.objects.filter(in_period, previous=OuterRef("pk"))
    return scope.filter_households(Diagnostic.objects.filter(in_period).filter(~Exists(later)))


def rehousings(scope):
    p = scope.period
    return scope.filter_households(Rehousing.objects.filter(lease_start__range=(p.start, p.end)))


def staying_in_place(scope):
    """Eviction-threat households whose accompaniment began in the period without a rehousing
    (maintien dans les lieux, see housing.models.stays_in_place)."""
    p = scope.period
    return scope.filter_households(
        Accompaniment.objects.filter(
            start__range=(p.start, p.end), household__public=Public.EVICTION_THREAT
        ).filter(~Exists(Rehousing.objects.filter(household=OuterRef("household"))))
    )


def closed_accompaniments(scope):
    p = scope.period
    return scope.filter_households(
        Accompaniment.objects.closed().filter(closed_on__range=(p.start, p.end))
    )


def exits(scope):
    p = scope.period
    return scope.filter_households(
        StatusChange.objects.filter(
            to_status=Status.EXITED, at__gte=p.start_at, at__lt=p.end_before
        )
    )


def signal_phase():
    """During the accompaniment, after it, or before any (the signal's day, Paris time)."""
    day = OuterRef("signal_day")  # annotated by `incidents`
    own = Accompaniment.objects.filter(household=OuterRef("household"))
    during = own.filter(start__lte=day).filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day))
    after = own.filter(closed_on__lt=day)
    return Case(
        When(Exists(during), then=Value("during")),
        When(Exists(after), then=Value("after")),
        default=Value("before"),
    )


def incidents(scope):
    p = scope.period
    return scope.filter_households(
        Signal.objects.filter(
            kind__in=[SignalKind.UNPAID_RENT, SignalKind.NEIGHBOUR_TROUBLE],
            created_at__gte=p.start_at,
            created_at__lt=p.end_before,
        ).annotate(signal_day=TruncDate("created_at"))
    )


def interviews(scope):
    p = scope.period
    return scope.filter_households(
        Interview.objects.filter(held_on__range=(p.start, p.end)), "accompaniment__household"
    )


def surveys(scope):
    p = scope.period
    return scope.filter_households(
        Survey.objects.filter(done_on__range=(p.start, p.end)), "accompaniment__household"
    )


def adhesion_records(scope):
    p = scope.period
    return scope.filter_households(
        AdhesionRecord.objects.filter(month__range=(p.start.replace(day=1), p.end)),
        "accompaniment__household",
    )


def contacts(scope):
    p = scope.period
    return scope.filter_households(
        Contact.objects.filter(at__gte=p.start_at, at__lt=p.end_before),
        "accompaniment__household",
    )


# --- tables -----------------------------------------------------------------------------
@dataclass
class Table:
    key: str
    title: str
    choices: list = field(default_factory=list)  # [(key, label)] in display order
    source: Callable | None = None  # scope -> QuerySet
    by: object = None  # a field name, or scope -> expression
    household: str = "household"  # path from the source's rows to the household
    count_rows: bool = False  # count rows (signals, interviews…) instead of households
    multi: bool = False  # a household may count in several rows: the total is counted apart
    total: bool = True
    unit: str = "ménages"
    extras: dict = field(default_factory=dict)  # row key -> (scope -> QuerySet, household path)
    note: str = ""

    def group_expression(self, scope):
        if callable(self.by):
            return self.by(scope)
        return F(self.by)

    def grouped(self, scope):
        return self.source(scope).order_by().annotate(_g=self.group_expression(scope)).values("_g")


def _origin_case():
    whens = [When(public=public, then=Value(origin)) for public, origin in ORIGIN_OF_PUBLIC.items()]
    return Case(*whens, default=Value(Origin.EMERGENCY))


def _family_structure(scope):
    spouse, child, other = (
        members(Relation.SPOUSE),
        members(Relation.CHILD),
        members(Relation.OTHER),
    )
    reference = members(Relation.REFERENCE)
    return Case(
        When(GreaterThan(other, 0), then=Value(FamilyStructure.OTHER)),
        When(
            GreaterThan(spouse, 0) & GreaterThan(child, 0),
            then=Value(FamilyStructure.COUPLE_CHILDREN),
        ),
        When(GreaterThan(spouse, 0), then=Value(FamilyStructure.COUPLE)),
        When(GreaterThan(child, 0), then=Value(FamilyStructure.SINGLE_PARENT)),
        When(
            LessThanOrEqual(reference, 1)
            & GreaterThan(reference, 0)
            & (Q(declared_size__isnull=True) | Q(declared_size__lte=1)),
            then=Value(FamilyStructure.SINGLE),
        ),
        When(GreaterThan(reference, 1), then=Value(FamilyStructure.OTHER)),
        default=Value(""),
    )


def _age_band(scope):
    """The reference person's age on the period's last day."""
    on = scope.period.end
    birth = reference_person("birth_date")
    return Case(
        When(GreaterThan(birth, years_before(on, 25)), then=Value(AgeBand.UNDER_25)),
        When(GreaterThan(birth, years_before(on, 35)), then=Value(AgeBand.FROM_25)),
        When(GreaterThan(birth, years_before(on, 60)), then=Value(AgeBand.FROM_35)),
        When(LessThanOrEqual(birth, years_before(on, 60)), then=Value(AgeBand.OVER_60)),
        default=Value(""),
    )


def _solution_choices():
    return [*Solution.choices, ("stay", "Maintien dans les lieux")]


def _incident_choices():
    phases = [("during", "pendant l'accompagnement"), ("after", "après l'accompagnement")]
    phases.append(("before", "hors accompagnement (avant)"))
    return [
        (f"{kind}.{phase}", f"{kind.label} — {label}")
        for kind in (SignalKind.UNPAID_RENT, SignalKind.NEIGHBOUR_TROUBLE)
        for phase, label in phases
    ]


def _yes_no(field_name):
    return lambda scope: Case(When(**{field_name: True}, then=Value("yes")), default=Value("no"))


GROUPS = [
    (
        "households",
        "Caractéristiques des ménages accompagnés (§7.1)",
        [
            Table(
                "origin",
                "Origine des ménages",
                Origin.choices,
                accompanied_households,
                lambda scope: _origin_case(),
                household="pk",
            ),
            Table("public", "Public visé", Public.choices, accompanied_households, "public", "pk"),
            Table(
                "gender",
                "Genre de la personne de référence",
                [*Gender.choices, (UNKNOWN, UNKNOWN_LABEL)],
                accompanied_households,
                lambda scope: reference_person("gender"),
                household="pk",
            ),
            Table(
                "family_structure",
                "Structure familiale",
                [*FamilyStructure.choices, (UNKNOWN, UNKNOWN_LABEL)],
                accompanied_households,
                _family_structure,
                household="pk",
            ),
            Table(
                "age_band",
                "Tranche d'âge de la personne de référence (à la fin de la période)",
                [*AgeBand.choices, (UNKNOWN, UNKNOWN_LABEL)],
                accompanied_households,
                _age_band,
                household="pk",
            ),
            Table(
                "employment",
                "Rapport à l'emploi de la personne de référence",
                [*Employment.choices, (UNKNOWN, UNKNOWN_LABEL)],
                accompanied_households,
                lambda scope: reference_person("employment"),
                household="pk",
            ),
        ],
    ),
    (
        "diagnostics",
        "Diagnostics réalisés (§7.1)",
        [
            Table(
                "by_level",
                "Diagnostics transmis à la cellule, par niveau",
                [(str(level), label) for level, label in LEVEL_CHOICES],
                submitted_diagnostics,
                lambda scope: Cast("level", models.CharField()),
            ),
            Table(
                "obstacles",
                "Freins mis en évidence, par catégorie",
                list(taxonomy.CATEGORIES.items()),
                lambda scope: Obstacle.objects.filter(diagnostic__in=submitted_diagnostics(scope)),
                lambda scope: category_of("item"),
                household="diagnostic__household",
                multi=True,
                note="Un ménage peut présenter des freins de plusieurs catégories.",
            ),
        ],
    ),
    (
        "rehousing",
        "Relogements mobilisés (§7.1)",
        [
            Table(
                "by_typology",
                "Relogements par type de logement",
                [*Typology.choices, (UNKNOWN, "Hors parc (résidence sociale)")],
                rehousings,
                "dwelling__typology",
            ),
            Table(
                "by_quartier",
                "Relogements par quartier",
                [*Quartier.choices, (UNKNOWN, "Hors parc (résidence sociale)")],
                rehousings,
                "dwelling__quartier",
            ),
            Table(
                "by_solution",
                "Solutions de logement mobilisées",
                _solution_choices(),
                rehousings,
                "solution",
                extras={"stay": (staying_in_place, "household")},
            ),
        ],
    ),
    (
        "accompaniments",
        "Accompagnements mis en œuvre (§7.1)",
        [
            Table(
                "activity",
                "Activité de la période",
                [
                    ("accompanied", "Ménages accompagnés sur la période"),
                    ("started", "Accompagnements commencés"),
                    ("closed", "Accompagnements clôturés"),
                    ("extended", "Prolongations accordées au-delà de 12 mois"),
                ],
                total=False,
                extras={
                    "accompanied": (accompaniments_during, "household"),
                    "started": (
                        lambda s: s.filter_households(
                            Accompaniment.objects.filter(
                                start__range=(s.period.start, s.period.end)
                            )
                        ),
                        "household",
                    ),
                    "closed": (closed_accompaniments, "household"),
                    "extended": (
                        lambda s: s.filter_households(
                            Extension.objects.filter(
                                status=ExtensionStatus.APPROVED,
                                decided_at__gte=s.period.start_at,
                                decided_at__lt=s.period.end_before,
                            ),
                            "accompaniment__household",
                        ),
                        "accompaniment__household",
                    ),
                },
            ),
            Table(
                "axes",
                "Axes travaillés (objectifs des accompagnements en cours sur la période)",
                list(taxonomy.CATEGORIES.items()),
                lambda scope: Objective.objects.filter(
                    accompaniment__in=accompaniments_during(scope)
                ),
                lambda scope: category_of("axis"),
                household="accompaniment__household",
                multi=True,
                note="Un ménage peut travailler plusieurs axes.",
            ),
            Table(
                "adhesion",
                "Degré d'adhésion (mois de suivi renseignés)",
                AdhesionDegree.choices,
                adhesion_records,
                "degree",
                household="accompaniment__household",
                count_rows=True,
                unit="mois de suivi",
            ),
            Table(
                "closures",
                "Fins d'accompagnement par motif",
                ClosureReason.choices,
                closed_accompaniments,
                "closure_reason",
            ),
            Table(
                "exits",
                "Sorties du dispositif par motif",
                [*ExitReason.choices, (UNKNOWN, UNKNOWN_LABEL)],
                exits,
                "household__exit_reason",
            ),
        ],
    ),
    (
        "qualitative",
        "Volet qualitatif (§7.2)",
        [
            Table(
                "incidents",
                "Incidents de paiement du loyer et troubles de voisinage signalés",
                _incident_choices(),
                incidents,
                lambda scope: Concat("kind", Value("."), signal_phase()),
                count_rows=True,
                unit="signalements",
            ),
            Table(
                "interviews",
                "Entretiens semi-directifs réalisés",
                InterviewKind.choices,
                interviews,
                "kind",
                household="accompaniment__household",
                count_rows=True,
                unit="entretiens",
            ),
            Table(
                "objective_results",
                "Objectifs des accompagnements clôturés, par résultat",
                ObjectiveStatus.choices,
                lambda scope: Objective.objects.filter(
                    accompaniment__in=closed_accompaniments(scope)
                ),
                "status",
                household="accompaniment__household",
                count_rows=True,
                unit="objectifs",
            ),
            Table(
                "survey_rent",
                "Enquête post-autonomie : loyer payé régulièrement",
                RentPaid.choices,
                surveys,
                "rent_paid",
                household="accompaniment__household",
                count_rows=True,
                unit="enquêtes",
            ),
            Table(
                "survey_autonomy",
                "Enquête post-autonomie : autonomie",
                AutonomyLevel.choices,
                surveys,
                "autonomy",
                household="accompaniment__household",
                count_rows=True,
                unit="enquêtes",
            ),
            Table(
                "survey_incidents",
                "Enquête post-autonomie : incidents depuis la dernière enquête",
                [("yes", "Oui"), ("no", "Non")],
                surveys,
                _yes_no("had_incidents"),
                household="accompaniment__household",
                count_rows=True,
                unit="enquêtes",
            ),
        ],
    ),
]

TABLES = {f"{group}.{table.key}": table for group, _title, tables in GROUPS for table in tables}


def _choice_label(table, key):
    return dict(table.choices).get(key, UNKNOWN_LABEL)


def measure_of(table):
    """What a cell counts: rows, or distinct households."""
    return Count("pk") if table.count_rows else Count(table.household, distinct=True)


def add_count(values, group, n):
    """Count `n` in the row of a group value: unknown for an empty or unlisted value."""
    key = group if group not in (None, "") else UNKNOWN
    key = key if key in values else UNKNOWN
    values[key] = values.get(key, 0) + n


def table_total(table, scope, values):
    """A table's total: its rows' sum, or its households counted once for a multi-valued one."""
    if not table.total:
        return None
    if table.multi:
        return (
            table.source(scope).order_by().aggregate(n=Count(table.household, distinct=True))["n"]
        )
    return sum(values.values())


def count_table(table, scope) -> tuple[dict, int | None]:
    """{row key: count} and the total, in one query (two for a multi-valued table)."""
    values = dict.fromkeys((key for key, _ in table.choices), 0)
    if table.source is not None:
        for group, n in table.grouped(scope).annotate(n=measure_of(table)).values_list("_g", "n"):
            add_count(values, group, n)
    for key, (extra, path) in table.extras.items():
        values[key] = extra(scope).order_by().aggregate(n=Count(path, distinct=True))["n"]
    return values, table_total(table, scope, values)


def batches(tables):
    """`tables` in lists one query can count together: tables over the same source whose rows
    each count once (households, or rows counted as such), with no extra rows. Grouped by all
    their expressions at once, each row of the source falls in exactly one group, so summing
    the groups per table gives that table's own GROUP BY exactly; and each row is classified
    once (the household tables' reference person and members are looked up once, not six times).
    """
    result = {}
    for i, table in enumerate(tables):
        alone = (
            table.source is None
            or table.multi
            or table.extras
            or not (table.count_rows or table.household == "pk")
        )
        result.setdefault(i if alone else (table.source, table.count_rows), []).append(table)
    return list(result.values())


def grouped_together(tables, scope):
    """The source of a batch of tables, grouped by each table's expression (`_g0`, `_g1`…)."""
    expressions = {f"_g{i}": table.group_expression(scope) for i, table in enumerate(tables)}
    return tables[0].source(scope).order_by().annotate(**expressions).values(*expressions)


def count_tables(tables, scope) -> list[tuple[dict, int | None]]:
    """`count_table` of each table, in one query per batch (see `batches`)."""
    results = {}
    for batch in batches(tables):
        if len(batch) == 1:
            results[id(batch[0])] = count_table(batch[0], scope)
            continue
        values = [dict.fromkeys((key for key, _ in table.choices), 0) for table in batch]
        for row in grouped_together(batch, scope).annotate(_n=measure_of(batch[0])):
            for i, table_values in enumerate(values):
                add_count(table_values, row[f"_g{i}"], row["_n"])
        for table, table_values in zip(batch, values, strict=True):
            results[id(table)] = (table_values, table_total(table, scope, table_values))
    return [results[id(table)] for table in tables]


def households_behind(table_key, row_key, scope):
    """The households a cell of a count table counts: a QuerySet of Household ids."""
    table = TABLES[table_key]
    if row_key in table.extras:
        extra, path = table.extras[row_key]
        return extra(scope).order_by().values_list(path, flat=True)
    if table.source is None or row_key not in dict(table.choices):
        return Household.objects.none().values_list("pk", flat=True)
    rows = table.grouped(scope)
    if row_key == UNKNOWN:
        rows = rows.filter(Q(_g__isnull=True) | Q(_g="")) if not table.multi else rows.none()
    else:
        rows = rows.filter(_g=row_key)
    return rows.values_list(table.household, flat=True)


# --- measures ---------------------------------------------------------------------------
# Each mean and the funnel: the aggregates of its figure for the period, and the rows made of
# them (series.py adds the same aggregates to its series' query, docs/reporting.md).
def durations_aggregates(scope):
    return {
        "days": Avg(DaysBetween(F("closed_on"), F("start"))),
        "n": Count("household", distinct=True),
    }


def durations_rows(row):
    months = round(row["days"] / 30.4375, 1) if row["days"] is not None else None
    return [{"key": "mean_months", "label": "Durée moyenne (mois)", "value": months, "n": row["n"]}]


def _durations(scope):
    closed = closed_accompaniments(scope)
    return durations_rows(closed.aggregate(**durations_aggregates(scope)))


def contact_aggregates(scope):
    """Over the accompaniments running in the period: the days of accompaniment it holds."""
    p = scope.period
    return {
        "d": Sum(
            DaysBetween(
                Least(Coalesce(F("closed_on"), Value(p.end)), Value(p.end)),
                Greatest(F("start"), Value(p.start)),
            )
            + 1
        ),
        "n": Count("household", distinct=True),
    }


def contact_rows(days, counts):
    """`days`: `contact_aggregates`' row; `counts`: {kind: contacts in the period}."""
    months = (days["d"] or 0) / 30.4375
    return [
        {
            "key": kind,
            "label": label,
            "value": round(counts.get(kind, 0) / months, 2) if months else None,
            "n": days["n"],
        }
        for kind, label in ContactKind.choices
    ]


def _contact_frequency(scope):
    """Contacts per accompanied household and per month, by kind: contacts in the period over
    the months of accompaniment the period holds."""
    days = accompaniments_during(scope).aggregate(**contact_aggregates(scope))
    counts = dict(
        contacts(scope)
        .order_by()
        .values_list("kind")
        .annotate(c=Count("pk"))
        .values_list("kind", "c")
    )
    return contact_rows(days, counts)


FUNNEL = [
    (Status.PRESELECTED, "Présélectionnés"),
    (Status.AWAITING_LEVEL, "Proposés à la cellule (niveau)"),
    (Status.DIAGNOSTIC, "Diagnostic en cours"),
    (Status.ADMITTED, "Admis"),
    (Status.ACCOMPANIED, "Accompagnés"),
    (Status.POST_AUTONOMY, "Autonomes (suivi post-autonomie)"),
]


def funnel_firsts():
    """Each household's first arrival at each step (`first_0`…)."""
    return {
        f"first_{i}": models.Min("status_changes__at", filter=Q(status_changes__to_status=status))
        for i, (status, _) in enumerate(FUNNEL)
    }


def funnel_aggregates(scope):
    """Over households annotated with `funnel_firsts`: those reaching each step in the period,
    and the median days from their first arrival at the step before."""
    p = scope.period
    aggregates = {}
    for i in range(len(FUNNEL)):
        reached = Q(**{f"first_{i}__gte": p.start_at, f"first_{i}__lt": p.end_before})
        aggregates[f"n_{i}"] = Count("pk", filter=reached)
        if i and connection.vendor == "postgresql":
            aggregates[f"median_{i}"] = Median(
                EpochDays(F(f"first_{i}"), F(f"first_{i - 1}")),
                filter=reached & Q(**{f"first_{i - 1}__isnull": False}),
            )
    return aggregates


def funnel_rows(row):
    result = []
    for i, (status, label) in enumerate(FUNNEL):
        median = row.get(f"median_{i}")
        result.append(
            {
                "key": str(status),
                "label": label,
                "value": row[f"n_{i}"],
                "median_days": round(median, 1) if median is not None else None,
            }
        )
    return result


def _funnel(scope):
    """Households reaching each step in the period (first arrival), and the median days from
    the first arrival at the previous step, in one query."""
    annotated = scope.households().annotate(**funnel_firsts())
    return funnel_rows(annotated.aggregate(**funnel_aggregates(scope)))


def _programme(scope):
    """Progress toward the target since the programme's start, and the eviction-threat share
    of the accompaniments running on the period's last day (or today), against the 50 % cap."""
    p = scope.period
    on = min(p.end, timezone.localdate())
    started = scope.filter_households(
        Accompaniment.objects.filter(start__gte=settings.PROGRAMME_START, start__lte=p.end)
    )
    running = scope.filter_households(
        Accompaniment.objects.filter(start__lte=on).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gte=on)
        )
    )
    progress = started.aggregate(n=Count("household", distinct=True))["n"]
    share = running.aggregate(
        total=Count("household", distinct=True),
        eviction=Count(
            "household", distinct=True, filter=Q(household__public=Public.EVICTION_THREAT)
        ),
    )
    target = settings.PROGRAMME_TARGET_HOUSEHOLDS
    return [
        {
            "key": "accompanied_since_start",
            "label": f"Ménages accompagnés depuis le {settings.PROGRAMME_START:%d/%m/%Y}",
            "value": progress,
        },
        {"key": "target", "label": "Objectif sur 3 ans (§6)", "value": target},
        {
            "key": "progress_percent",
            "label": "Avancement vers l'objectif (%)",
            "value": round(100 * progress / target, 1) if target else None,
            "from": ["accompanied_since_start"],
        },
        {
            "key": "running_eviction",
            "label": f"Accompagnements en cours au {on:%d/%m/%Y} : ménages menacés d'expulsion",
            "value": share["eviction"],
        },
        {
            "key": "running_total",
            "label": f"Accompagnements en cours au {on:%d/%m/%Y} : tous publics",
            "value": share["total"],
        },
        {
            "key": "eviction_percent",
            "label": "Part des ménages menacés d'expulsion (%) — plafond 50 % (§1.2)",
            "value": round(100 * share["eviction"] / share["total"], 1) if share["total"] else None,
            "from": ["running_eviction", "running_total"],
        },
    ]


MEASURES = [
    ("accompaniments", "durations", "Durée moyenne des accompagnements clôturés", _durations),
    (
        "accompaniments",
        "contact_frequency",
        "Fréquence moyenne des contacts (par ménage et par mois)",
        _contact_frequency,
    ),
    ("programme", "progress", "Avancement du programme", _programme),
    (
        "programme",
        "funnel",
        "Parcours des ménages (entrées de la période, délais médians en jours)",
        _funnel,
    ),
]
MEASURE_KINDS = {
    "durations": "mean",
    "contact_frequency": "mean",
    "progress": "programme",
    "funnel": "funnel",
}
GROUP_TITLES = {key: title for key, title, _ in GROUPS} | {
    "programme": "Programme (§6, §1.2)",
    "budget": "Budget de l'année (§6)",
}


def _amount(value):
    return float(round(value, 2)) if value is not None else None


def _gap(actual, forecast):
    return _amount(actual - forecast) if actual is not None else None


def budget_tables(year, accompanied):
    """The year's budget by line, chapter and direction, forecast against actual, the funders'
    shares, and the cost per household accompanied (the year's households, all filters off)."""
    from .models import budget_rows

    lines = budget_rows(year)
    rows = []
    income_forecast = sum(f for line, f, _ in lines if line.direction == budget_rules.INCOME)
    income_actual = sum(a or 0 for line, _, a in lines if line.direction == budget_rules.INCOME)
    for line, forecast, actual in lines:
        row = {
            "key": line.code,
            "label": line.label,
            "chapter": line.chapter,
            "direction": line.direction,
            "forecast": _amount(forecast),
            "actual": _amount(actual),
            "gap": _gap(actual, forecast),
        }
        if line.direction == budget_rules.INCOME:
            row["share_forecast"] = (
                round(100 * float(forecast / income_forecast), 1) if income_forecast else None
            )
            row["share_actual"] = (
                round(100 * float((actual or 0) / income_actual), 1)
                if income_actual and actual is not None
                else None
            )
        rows.append(row)

    def subtotal(key, label, chapter, kind, members):
        """A chapter's or a direction's sums; its actual only once one line has an actual."""
        forecast = sum(f for _, f, _ in members)
        actuals = [a for _, _, a in members if a is not None]
        actual = sum(actuals) if actuals else None
        rows.append(
            {
                "key": key,
                "label": label,
                "chapter": chapter,
                "direction": kind,
                "forecast": _amount(forecast),
                "actual": _amount(actual),
                "gap": _gap(actual, forecast),
            }
        )
        return forecast, actual

    for chapter, label in budget_rules.CHAPTERS.items():
        members = [row for row in lines if row[0].chapter == chapter]
        subtotal(f"chapter_{chapter}", label, chapter, "chapter", members)
    totals = {
        direction: subtotal(
            f"total_{direction}",
            label,
            "",
            "total",
            [row for row in lines if row[0].direction == direction],
        )
        for direction, label in (
            (budget_rules.EXPENSE, "Total des dépenses"),
            (budget_rules.INCOME, "Total des recettes"),
        )
    }
    per_year = settings.PROGRAMME_TARGET_HOUSEHOLDS / settings.PROGRAMME_YEARS
    forecast_expense, actual_expense = totals[budget_rules.EXPENSE]
    cost = [
        {
            "key": "households_accompanied",
            "label": "Ménages accompagnés dans l'année",
            "value": accompanied,
        },
        {
            "key": "cost_forecast",
            "label": f"Coût prévu par ménage (objectif de {per_year:.0f} ménages par an)",
            "value": round(float(forecast_expense) / per_year, 2),
        },
        {
            "key": "cost_actual",
            "label": "Coût réalisé par ménage accompagné",
            "value": round(float(actual_expense) / accompanied, 2)
            if accompanied and actual_expense is not None
            else None,
            "from": ["households_accompanied"],
        },
    ]
    return [
        {
            "key": "lines",
            "title": "Budget prévisionnel et réalisé, par ligne",
            "kind": "budget",
            "rows": rows,
            "total": None,
        },
        {
            "key": "cost",
            "title": "Coût par ménage accompagné",
            "kind": "programme",
            "rows": cost,
            "total": None,
        },
    ]


# --- the whole report -------------------------------------------------------------------
def _change(value, previous):
    if isinstance(value, int | float) and isinstance(previous, int | float):
        return round(value - previous, 2) if isinstance(value, float) else value - previous
    return None


def _complete(table):
    """Every table and row carries every key of its kind (docs/reporting.md), null when
    it does not apply, so that readers (and templates) never meet a missing key."""
    table.setdefault("unit", "")
    table.setdefault("note", "")
    table.setdefault("partition", False)
    optional = (
        ("share_forecast", "share_actual") if table["kind"] == "budget" else ("previous", "change")
    )
    for row in table["rows"]:
        for key in optional:
            row.setdefault(key, None)


def compute(scope: Scope, *, with_previous=True, counted=None, measured=None) -> dict:
    """Every figure of the report, as plain JSON-ready data with stable keys. `counted`: the
    count tables' {"group.table": (values, total)} for `scope` when already known, `measured`
    the means' and the funnel's {"group.table": rows} (the dashboard computes them in its
    series' queries, series.py)."""
    counted = counted or {}
    measured = measured or {}
    previous_scope = scope.with_period(scope.period.previous()) if with_previous else None
    groups = {
        key: {"key": key, "title": title, "tables": []} for key, title in GROUP_TITLES.items()
    }
    for group, _title, tables in GROUPS:
        missing = [table for table in tables if f"{group}.{table.key}" not in counted]
        counts = dict(zip(map(id, missing), count_tables(missing, scope), strict=True))
        befores = count_tables(tables, previous_scope) if previous_scope else None
        for i, table in enumerate(tables):
            values, total = counted.get(f"{group}.{table.key}") or counts[id(table)]
            before = befores[i][0] if befores else {}
            rows = [
                {
                    "key": key,
                    "label": _choice_label(table, key),
                    "value": values.get(key, 0),
                    "previous": before.get(key) if previous_scope else None,
                    "change": _change(values.get(key, 0), before.get(key)),
                }
                for key, _label in table.choices
            ]
            groups[group]["tables"].append(
                {
                    "key": table.key,
                    "title": table.title,
                    "kind": "counts",
                    "partition": table.total and not table.multi,
                    "unit": table.unit,
                    "note": table.note,
                    "rows": rows,
                    "total": total,
                    "drill": True,
                }
            )
    for group, key, title, function in MEASURES:
        rows = measured.get(f"{group}.{key}") or function(scope)
        if previous_scope and key != "funnel":
            before = {row["key"]: row["value"] for row in function(previous_scope)}
            for row in rows:
                row["previous"] = before.get(row["key"])
                row["change"] = _change(row["value"], row["previous"])
        groups[group]["tables"].append(
            {"key": key, "title": title, "kind": MEASURE_KINDS[key], "rows": rows, "total": None}
        )
    activity = next(t for t in groups["accompaniments"]["tables"] if t["key"] == "activity")
    accompanied = activity["rows"][0]["value"]
    if scope.period.kind == "year":
        year_accompanied = (
            accompanied
            if scope == Scope(scope.period)
            else count_table(TABLES["accompaniments.activity"], Scope(scope.period))[0][
                "accompanied"
            ]
        )
        groups["budget"]["tables"] = budget_tables(scope.period.start.year, year_accompanied)
    else:
        del groups["budget"]
    diagnostics = next(t for t in groups["diagnostics"]["tables"] if t["key"] == "by_level")
    rehoused = next(t for t in groups["rehousing"]["tables"] if t["key"] == "by_solution")
    for group in groups.values():
        for table in group["tables"]:
            _complete(table)
    return {
        "schema_version": SCHEMA_VERSION,
        "period": scope.period.as_json(),
        "previous_period": previous_scope.period.as_json() if previous_scope else None,
        "filters": {
            "referent": scope.referent_id,
            "public": scope.public or None,
            "source": scope.source or None,
        },
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "suppressed": False,
        "is_empty": not (accompanied or diagnostics["total"] or rehoused["total"]),
        "groups": list(groups.values()),
    }


def table_of(figures, group_key, table_key):
    for group in figures["groups"]:
        if group["key"] == group_key:
            for table in group["tables"]:
                if table["key"] == table_key:
                    return table
    raise KeyError(f"{group_key}.{table_key}")


SOURCES = Source.choices
