"""A hand-built data set for the reporting tests; the expected figures are worked out in
tests/reporting/test_indicators.py from what is written here."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from accompaniments.models import (
    Accompaniment,
    AccompanimentStatus,
    AdhesionDegree,
    AdhesionRecord,
    AutonomyLevel,
    ClosureReason,
    Contact,
    ContactKind,
    ExtensionStatus,
    InterviewKind,
    RentPaid,
    Signal,
    SignalKind,
    Survey,
)
from diagnostics.models import Diagnostic, DiagnosticStatus, Obstacle
from households.enums import Employment, Gender, Public, Quartier, Relation, Status
from households.models import StatusChange
from housing.models import Solution
from tests.factories import HouseholdFactory
from tests.housing.factories import DwellingFactory, RehousingFactory

PARIS = ZoneInfo("Europe/Paris")


def at(y, m, d, hour=10, minute=0):
    return datetime.datetime(y, m, d, hour, minute, tzinfo=PARIS)


def history(household, *steps):
    for status, when in steps:
        StatusChange.objects.create(household=household, to_status=status, at=when)


def diagnostic(household, level, submitted, obstacles=(), previous=None, number=1):
    d = Diagnostic.objects.create(
        household=household,
        level=level,
        status=DiagnosticStatus.SUBMITTED,
        submitted_at=submitted,
        previous=previous,
        number=number,
    )
    Obstacle.objects.bulk_create(Obstacle(diagnostic=d, item=i, severity="2") for i in obstacles)
    return d


def build(referent):
    w = SimpleNamespace()
    # H1: eviction threat, couple with a child, accompanied 10/03 → 20/06/2025 (autonomy).
    w.h1 = HouseholdFactory(
        referent=referent,
        public=Public.EVICTION_THREAT,
        status=Status.POST_AUTONOMY,
        members=[
            {
                "gender": Gender.FEMALE,
                "birth_date": datetime.date(1990, 3, 1),
                "employment": Employment.EMPLOYEE,
            },
            {"gender": Gender.MALE, "relation": Relation.SPOUSE, "position": 1},
            {"relation": Relation.CHILD, "position": 2, "employment": Employment.CHILD},
        ],
    )
    history(
        w.h1,
        (Status.PRESELECTED, at(2024, 11, 1)),
        (Status.AWAITING_LEVEL, at(2024, 12, 1)),
        (Status.DIAGNOSTIC, at(2025, 1, 5)),
        (Status.AWAITING_ADMISSION, at(2025, 1, 25)),
        (Status.ADMITTED, at(2025, 2, 1)),
        (Status.ACCOMPANIED, at(2025, 3, 10)),
        (Status.POST_AUTONOMY, at(2025, 6, 20)),
    )
    diagnostic(w.h1, 3, at(2025, 1, 25), ["dwelling_use.neighbours"])
    w.a1 = Accompaniment.objects.create(
        household=w.h1,
        start=datetime.date(2025, 3, 10),
        planned_end=datetime.date(2025, 9, 10),
        status=AccompanimentStatus.CLOSED,
        closed_on=datetime.date(2025, 6, 20),
        closure_reason=ClosureReason.AUTONOMY,
    )
    Signal.objects.create(
        household=w.h1, kind=SignalKind.UNPAID_RENT, created_at=at(2025, 4, 1), amount=200, months=1
    )
    Signal.objects.create(
        household=w.h1, kind=SignalKind.NEIGHBOUR_TROUBLE, created_at=at(2025, 9, 1)
    )
    w.a1.interviews.create(
        kind=InterviewKind.END,
        held_on=datetime.date(2025, 6, 18),
        social_worker=referent,
        tenancy_officer=referent,
        difficulties="…",
        changes="…",
        outcome="…",
    )
    Survey.objects.create(
        accompaniment=w.a1,
        round=1,
        due_on=datetime.date(2025, 12, 20),
        done_on=datetime.date(2025, 12, 20),
        rent_paid=RentPaid.YES,
        autonomy=AutonomyLevel.FULL,
    )

    # H2: DALO, alone, 23 years old; accompanied since 01/10/2024, extended in 2025; a
    # diagnostic submitted, reopened and submitted again in January 2025; a bail glissant.
    w.h2 = HouseholdFactory(
        referent=referent,
        public=Public.DALO,
        status=Status.ACCOMPANIED,
        members=[
            {
                "gender": Gender.MALE,
                "birth_date": datetime.date(2002, 1, 15),
                "employment": Employment.JOBSEEKER,
            }
        ],
    )
    v1 = diagnostic(w.h2, 2, at(2025, 1, 10), ["insertion.french"])
    diagnostic(
        w.h2,
        2,
        at(2025, 1, 20),
        ["budget.choices", "housing_path.instability"],
        previous=v1,
        number=2,
    )
    w.a2 = Accompaniment.objects.create(
        household=w.h2, start=datetime.date(2024, 10, 1), planned_end=datetime.date(2025, 10, 1)
    )
    w.a2.extensions.create(
        until=datetime.date(2026, 3, 1),
        justification="Relogement en cours",
        status=ExtensionStatus.APPROVED,
        decided_at=at(2025, 9, 1),
    )
    AdhesionRecord.objects.create(
        accompaniment=w.a2, month=datetime.date(2025, 2, 1), degree=AdhesionDegree.CONSTANT
    )
    AdhesionRecord.objects.create(
        accompaniment=w.a2, month=datetime.date(2025, 3, 1), degree=AdhesionDegree.INCONSTANT
    )
    for day in (datetime.date(2025, 5, 6), datetime.date(2025, 12, 2)):
        Contact.objects.create(
            accompaniment=w.a2, kind=ContactKind.HOME_VISIT, at=at(day.year, day.month, day.day)
        )
    Contact.objects.create(  # 2024: not in the year
        accompaniment=w.a2, kind=ContactKind.PHONE_CALL, at=at(2024, 12, 30)
    )
    w.rehousing2 = RehousingFactory(
        household=w.h2,
        solution=Solution.SLIDING_LEASE,
        lease_start=datetime.date(2025, 2, 1),
        planned_glide_date=datetime.date(2025, 8, 1),
        dwelling=DwellingFactory(typology="T2", quartier=Quartier.VAUCELLES, is_let=True),
    )
    # Period boundary: 31/12/2025 23:30 in Caen is in 2025; 01/01/2026 00:15 is not.
    Signal.objects.create(
        household=w.h2,
        kind=SignalKind.UNPAID_RENT,
        created_at=at(2025, 12, 31, 23, 30),
        amount=100,
        months=1,
    )
    Signal.objects.create(
        household=w.h2,
        kind=SignalKind.UNPAID_RENT,
        created_at=at(2026, 1, 1, 0, 15),
        amount=100,
        months=1,
    )

    # H3: AHI structure, single parent aged 65; rehoused 01/11/2025, accompanied from 15/11.
    w.h3 = HouseholdFactory(
        referent=referent,
        public=Public.AHI_STRUCTURE,
        status=Status.ACCOMPANIED,
        members=[
            {
                "gender": Gender.FEMALE,
                "birth_date": datetime.date(1960, 1, 1),
                "employment": Employment.RETIRED,
            },
            {"relation": Relation.CHILD, "position": 1},
        ],
    )
    diagnostic(w.h3, 1, at(2024, 12, 15))
    w.a3 = Accompaniment.objects.create(
        household=w.h3, start=datetime.date(2025, 11, 15), planned_end=datetime.date(2026, 5, 15)
    )
    RehousingFactory(
        household=w.h3,
        solution=Solution.DIRECT,
        lease_start=datetime.date(2025, 11, 1),
        planned_glide_date=None,
        dwelling=DwellingFactory(typology="T3", quartier=Quartier.CENTRE, is_let=True),
    )

    # H4: eviction threat, accompanied in 2023–2024 only (before the year).
    w.h4 = HouseholdFactory(referent=referent, public=Public.EVICTION_THREAT, status=Status.EXITED)
    Accompaniment.objects.create(
        household=w.h4,
        start=datetime.date(2023, 1, 1),
        planned_end=datetime.date(2023, 12, 1),
        status=AccompanimentStatus.CLOSED,
        closed_on=datetime.date(2024, 6, 30),
        closure_reason=ClosureReason.DEPARTURE,
    )
    # H5: preselected in May 2025, nothing else.
    w.h5 = HouseholdFactory(referent=None, public=Public.THIRD_PARTY)
    history(w.h5, (Status.PRESELECTED, at(2025, 5, 5)))
    return w
