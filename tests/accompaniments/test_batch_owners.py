"""Issue 10, point 7: the batch forms of the accompaniment's owners (`begin_many`,
`close_many`, used by the demo) share the rule code of `begin` and `close`: what one refuses,
the other refuses, and a refused batch writes nothing."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accompaniments.cadence import add_months
from accompaniments.models import (
    Accompaniment,
    AccompanimentEvent,
    AccompanimentStatus,
    ClosureReason,
    EventKind,
    InterviewKind,
    Objective,
    ObjectiveStatus,
)
from accounts.enums import Role
from households.enums import Owner, Status
from households.models import StatusChange
from tests.factories import HouseholdFactory, make_user

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2027, 3, 15, 10, tzinfo=datetime.UTC), tick=False):
        yield


def sign(household):
    for kind in ("convention", "contract"):
        household.agreement_documents.create(kind=kind, status="signed", signed_on=D(2027, 1, 1))


def at(day):
    return datetime.datetime(day.year, day.month, day.day, 10, tzinfo=datetime.UTC)


START = D(2027, 1, 4)


def spec(by, start=START, **kw):
    return dict(
        by=by,
        start=start,
        planned_end=add_months(start, 9),
        intensity="medium",
        objectives=[("budget.choices", "Tenir un budget")],
        at=at(start),
        **kw,
    )


def written():
    return (
        Accompaniment.objects.count(),
        AccompanimentEvent.objects.count(),
        Objective.objects.count(),
        StatusChange.objects.count(),
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unsigned", "doivent être signés"),
        ("not_admitted", "Seul un ménage admis"),
        ("too_short", "au moins 3 mois"),
        ("future", "futur"),
        ("twice", "déjà un accompagnement en cours"),
    ],
)
def test_begin_many_refuses_what_begin_refuses_and_writes_nothing(social_worker, case, message):
    good = HouseholdFactory(referent=social_worker, status=Status.ADMITTED)
    sign(good)
    bad = HouseholdFactory(
        referent=social_worker,
        status=Status.AWAITING_ADMISSION if case == "not_admitted" else Status.ADMITTED,
    )
    if case != "unsigned":
        sign(bad)
    bad_spec = spec(social_worker)
    if case == "too_short":
        bad_spec["planned_end"] = D(2027, 2, 4)
    if case == "future":
        bad_spec["start"] = D(2027, 4, 1)
    items = [(good, spec(social_worker)), (bad, bad_spec)]
    if case == "twice":
        items = [(good, spec(social_worker)), (good, spec(social_worker))]
    before = written()
    with pytest.raises(ValidationError, match=message):
        Accompaniment.begin_many(items)
    assert written() == before
    # The single form refuses the same thing.
    if case != "twice":
        bad.refresh_from_db()
        single = {k: v for k, v in bad_spec.items() if k != "at"}
        with pytest.raises(ValidationError, match=message):
            Accompaniment.begin(bad, **single)
    good.refresh_from_db()
    assert good.status == Status.ADMITTED


def test_begin_many_writes_what_begin_writes_on_the_date_passed_in(social_worker):
    households = [HouseholdFactory(referent=social_worker, status=Status.ADMITTED) for _ in "ab"]
    for household in households:
        sign(household)
    accs = Accompaniment.begin_many((h, spec(social_worker)) for h in households)
    for acc, household in zip(accs, households, strict=True):
        household.refresh_from_db()
        assert household.status == Status.ACCOMPANIED
        assert household.status_changed_at == at(D(2027, 1, 4))
        row = household.status_changes.get()
        assert (row.owner, row.to_status, row.at) == (
            Owner.BEGIN,
            Status.ACCOMPANIED,
            at(D(2027, 1, 4)),
        )
        event = acc.events.get()
        assert (event.kind, event.at) == (EventKind.STARTED, at(D(2027, 1, 4)))
        assert [o.axis for o in acc.objectives.all()] == ["budget.choices"]


def begun(social_worker, start=START):
    household = HouseholdFactory(referent=social_worker, status=Status.ADMITTED)
    sign(household)
    return Accompaniment.begin_many([(household, spec(social_worker, start=start))])[0]


def bilans(acc):
    return {o.pk: (ObjectiveStatus.REACHED, "Atteint") for o in acc.objectives.all()}


def test_close_many_refuses_a_17_day_autonomy_closure_and_writes_nothing(social_worker):
    fine = begun(social_worker, start=D(2026, 9, 1))
    early = begun(social_worker, start=D(2027, 1, 4))
    tenancy = make_user(Role.TENANCY_OFFICER)
    for acc in (fine, early):
        acc.interviews.create(
            kind=InterviewKind.END,
            held_on=D(2027, 1, 15),
            social_worker=social_worker,
            tenancy_officer=tenancy,
        )
    before = written()
    with pytest.raises(ValidationError, match="au moins 3 mois"):
        Accompaniment.close_many(
            (
                acc,
                dict(
                    reason=ClosureReason.AUTONOMY,
                    on=D(2027, 1, 21),  # 17 days after the start of `early`
                    by=social_worker,
                    note="",
                    bilans=bilans(acc),
                    at=at(D(2027, 1, 21)),
                ),
            )
            for acc in (fine, early)
        )
    assert written() == before
    for acc in (fine, early):
        acc.refresh_from_db()
        assert acc.status == AccompanimentStatus.ACTIVE
        assert acc.household.status == Status.ACCOMPANIED
    # Closing `fine` alone goes through, in the name of the closure, on the date passed in.
    Accompaniment.close_many(
        [
            (
                Accompaniment.objects.get(pk=fine.pk),
                dict(
                    reason=ClosureReason.AUTONOMY,
                    on=D(2027, 1, 21),
                    by=social_worker,
                    note="",
                    bilans=bilans(fine),
                    at=at(D(2027, 1, 21)),
                ),
            )
        ]
    )
    fine.refresh_from_db()
    assert (fine.status, fine.closed_on) == (AccompanimentStatus.CLOSED, D(2027, 1, 21))
    assert fine.household.status == Status.POST_AUTONOMY
    row = fine.household.status_changes.latest("at")
    assert (row.owner, row.at) == (Owner.CLOSURE, at(D(2027, 1, 21)))
    assert fine.events.filter(kind=EventKind.CLOSED, at=at(D(2027, 1, 21))).exists()
    assert {o.status for o in fine.objectives.all()} == {ObjectiveStatus.REACHED}


def test_close_many_refuses_autonomy_without_the_end_interview(social_worker):
    acc = begun(social_worker, start=D(2026, 9, 1))
    with pytest.raises(ValidationError, match="entretien de fin"):
        Accompaniment.close_many(
            [
                (
                    acc,
                    dict(
                        reason=ClosureReason.REHOUSING,
                        on=D(2027, 1, 21),
                        by=social_worker,
                        note="",
                        bilans=bilans(acc),
                    ),
                )
            ]
        )
    acc.refresh_from_db()
    assert acc.status == AccompanimentStatus.ACTIVE
