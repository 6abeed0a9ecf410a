"""The cadence computed by the database (`with_cadence`, `with_urgency`, `urgency_counts`,
`by_urgency`: what /mon-suivi/ sorts, counts and pages by) gives the dates and urgencies of
the Python rule (`cadence.cadence`, used by the reminders, the household file and the PDFs),
for every intensity, month ends, leap years, contacts near midnight in Paris, no contacts, failed
attempts; and the post-autonomy surveys the caseload lists in SQL are those
`Accompaniment.next_survey` gives."""

import datetime
import itertools

import pytest
from django.utils import timezone

from accompaniments import cadence
from accompaniments.enums import AccompanimentStatus, ClosureReason
from accompaniments.models import (
    CONTACT_KINDS_REACHING,
    Accompaniment,
    Contact,
    ContactKind,
    Survey,
)
from accompaniments.views.caseload import _surveys_due
from caen_accompagnement.dates import add_months
from diagnostics.models import Intensity
from diagnostics.rhythms import RHYTHMS, rhythm_of
from households.enums import Status
from reporting.integrity import violations
from tests.factories import HouseholdFactory

from .factories import AccompanimentFactory, ContactFactory

pytestmark = pytest.mark.django_db
D = datetime.date
UTC = datetime.UTC

STARTS = [D(2027, 1, 31), D(2027, 12, 31), D(2028, 1, 30), D(2027, 4, 30)]
# (kind, UTC timestamp): 22:30 UTC is already the next day in Paris (winter), 21:59 in summer
# is the same day until 23:59; the local date is what counts.
CONTACT_SETS = [
    [],
    [(ContactKind.FAILED, datetime.datetime(2027, 2, 3, 9, tzinfo=UTC))],
    [(ContactKind.HOME_VISIT, datetime.datetime(2027, 1, 31, 23, 30, tzinfo=UTC))],
    [(ContactKind.HOME_VISIT, datetime.datetime(2028, 1, 31, 9, tzinfo=UTC))],
    [
        (ContactKind.HOME_VISIT, datetime.datetime(2027, 3, 31, 21, 59, tzinfo=UTC)),
        (ContactKind.PHONE_CALL, datetime.datetime(2027, 4, 12, 22, 30, tzinfo=UTC)),
        (ContactKind.FAILED, datetime.datetime(2027, 4, 20, 9, tzinfo=UTC)),
    ],
    [
        (ContactKind.OFFICE, datetime.datetime(2027, 12, 31, 10, tzinfo=UTC)),
        (ContactKind.ACCOMPANIED_STEP, datetime.datetime(2028, 2, 14, 10, tzinfo=UTC)),
    ],
]


def python_cadence(acc, today):
    """The Python rule from the raw contacts (not the last visit and contact stored on the
    accompaniment, which the database's dates read)."""
    contacts = list(Contact.objects.filter(accompaniment=acc).values_list("kind", "at"))
    visits = [at for kind, at in contacts if kind == ContactKind.HOME_VISIT]
    reached = [at for kind, at in contacts if kind in CONTACT_KINDS_REACHING]
    return cadence.cadence(
        acc.start,
        timezone.localdate(max(visits)) if visits else None,
        timezone.localdate(max(reached)) if reached else None,
        today,
        acc.rhythm,
    )


def test_the_rhythm_table_has_a_branch_for_every_intensity():
    assert set(RHYTHMS) == set(Intensity)


def test_due_dates_and_urgency_match_the_python_rule():
    accompaniments = []
    for intensity, start, contacts in itertools.product(Intensity, STARTS, CONTACT_SETS):
        acc = AccompanimentFactory(
            intensity=intensity, start=start, planned_end=start + datetime.timedelta(days=300)
        )
        for kind, at in contacts:
            ContactFactory(accompaniment=acc, kind=kind, at=at)
        accompaniments.append(acc)
    ids = [acc.pk for acc in accompaniments]
    expected_dates = {}
    for acc in accompaniments:
        c = python_cadence(acc, D(2027, 1, 1))
        expected_dates[acc.pk] = (c.visit_due, c.call_due)
    # Every due date, the day before, the day itself and the edges of "this week".
    todays = sorted(
        {
            d + datetime.timedelta(days=k)
            for pair in expected_dates.values()
            for d in pair
            for k in (-8, -7, -1, 0, 1)
        }
    )
    annotated = {acc.pk: acc for acc in Accompaniment.objects.filter(pk__in=ids).with_cadence()}
    for pk, (visit_due, call_due) in expected_dates.items():
        row = annotated[pk]
        assert (row.visit_due, row.call_due) == (visit_due, call_due), (row.intensity, row.start)
        assert row.next_due == min(visit_due, call_due)
    for today in todays[:: max(1, len(todays) // 40)]:  # some 40 days across the range
        qs = Accompaniment.objects.filter(pk__in=ids)
        rows = list(qs.by_urgency(today))
        python = {pk: cadence.Cadence(*dates, today) for pk, dates in expected_dates.items()}
        for row in rows:
            assert row.urgency == python[row.pk].urgency, (today, row.intensity, row.start)
            assert row.cadence(today) == python[row.pk]  # read from the annotations
        assert [row.pk for row in rows] == sorted(
            (row.pk for row in rows),
            key=lambda pk: (python[pk].sort_key, -annotated[pk].start.toordinal(), -pk),
        )
        counts = qs.urgency_counts(today)
        # The same figures as window sums on the first row of a page (what /mon-suivi/ reads).
        first = qs.by_urgency(today).with_urgency_totals(today)[1:2].get()
        assert (first.urgency_total, first.urgency_overdue, first.urgency_week) == (
            counts["total"],
            counts["overdue"],
            counts["week"],
        )
        assert counts == {
            "total": len(python),
            "overdue": sum(c.urgency == cadence.OVERDUE for c in python.values()),
            "week": sum(c.urgency == cadence.DUE_THIS_WEEK for c in python.values()),
            "up_to_date": sum(c.urgency == cadence.UP_TO_DATE for c in python.values()),
        }


def test_a_month_step_is_clamped_to_the_end_of_the_shorter_month():
    acc = AccompanimentFactory(
        intensity=Intensity.MEDIUM, start=D(2027, 1, 31), planned_end=D(2027, 10, 31)
    )
    leap = AccompanimentFactory(
        intensity=Intensity.LIGHT, start=D(2028, 1, 31), planned_end=D(2028, 10, 31)
    )
    rows = Accompaniment.objects.with_cadence().in_bulk([acc.pk, leap.pk])
    assert rows[acc.pk].visit_due == D(2027, 2, 28) == rhythm_of("medium").visit_step(acc.start)
    assert rows[leap.pk].visit_due == D(2028, 2, 29)
    assert rows[acc.pk].call_due == D(2027, 2, 15)


SURVEY_ANSWERS = {"done_on": D(2027, 9, 1), "rent_paid": "yes", "autonomy": "full"}


def closed_with_surveys(household, closed_on, reason, done):
    """An accompaniment of `household` closed on `closed_on` for `reason`, 200 days long, with
    the survey rounds `done` answered."""
    acc = AccompanimentFactory(
        household=household,
        start=closed_on - datetime.timedelta(days=200),
        planned_end=closed_on,
        status=AccompanimentStatus.CLOSED,
        closed_on=closed_on,
        closure_reason=reason,
    )
    for n in done:
        Survey.objects.create(accompaniment=acc, round=n, due_on=closed_on, **SURVEY_ANSWERS)
    return acc


def test_surveys_due_in_sql_are_those_of_next_survey(settings, social_worker):
    settings.POST_AUTONOMY_SURVEY_ROUNDS = 3
    today = D(2028, 3, 1)
    cases = [
        (D(2026, 8, 31), ClosureReason.AUTONOMY, []),  # 28/02/2027, late
        (D(2027, 8, 31), ClosureReason.AUTONOMY, [1]),  # round 2: 31/08/2028, not yet
        (D(2027, 3, 31), ClosureReason.AUTONOMY, [2]),  # round 1 missing: 30/09/2027
        (D(2026, 2, 28), ClosureReason.AUTONOMY, [1, 2, 3]),  # every round done
        (D(2027, 6, 30), ClosureReason.DEPARTURE, []),  # no survey after a departure
        (D(2027, 9, 15), ClosureReason.AUTONOMY, []),  # 15/03/2028: within 30 days
    ]
    for closed_on, reason, done in cases:
        closed_with_surveys(
            HouseholdFactory(referent=social_worker, status=Status.POST_AUTONOMY),
            closed_on,
            reason,
            done,
        )
    python = []
    for acc in Accompaniment.objects.filter(household__referent=social_worker):
        if (nxt := acc.next_survey()) is not None:
            python.append((acc.pk, *nxt))
    python.sort(key=lambda row: row[2])
    sql = [
        (s["accompaniment"].pk, s["round"], s["due_on"]) for s in _surveys_due(social_worker, today)
    ]
    assert sql == python and len(sql) == 4
    soon = _surveys_due(social_worker, today, horizon_days=30)
    assert [(s["round"], s["due_on"], s["late"]) for s in soon] == [
        (1, D(2027, 2, 28), True),
        (1, D(2027, 9, 30), True),
        (1, D(2028, 3, 15), False),
    ]


def test_read_contacts_gives_the_annotated_cadence_and_the_same_compliance_in_one_query():
    """The household file's panel reads the contacts once (`read_contacts`) for both the
    cadence and the compliance: the same dates as `with_cadence`, the same compliance."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = D(2028, 3, 1)
    for intensity, start, contacts in itertools.product(Intensity, STARTS[:2], CONTACT_SETS):
        acc = AccompanimentFactory(
            intensity=intensity, start=start, planned_end=start + datetime.timedelta(days=300)
        )
        for kind, at in contacts:
            ContactFactory(accompaniment=acc, kind=kind, at=at)
        annotated = Accompaniment.objects.with_cadence().get(pk=acc.pk)
        fresh = Accompaniment.objects.get(pk=acc.pk)
        with CaptureQueriesContext(connection) as ctx:
            rows = fresh.read_contacts()
            result = (fresh.cadence(today), fresh.compliance(today, rows))
        assert len(ctx.captured_queries) == 1
        assert result[0] == annotated.cadence(today), (intensity, start, contacts)
        assert vars(result[1]) == vars(annotated.compliance(today))


def test_the_stored_next_survey_is_next_survey_for_every_pattern_of_rounds_done(settings):
    """The stored `next_survey_on` (what the caseload's and the surveys' pages read) and its
    round are `next_survey`'s for every subset of rounds done, gaps included, and
    `surveys_due` keeps those due by a date (none after a departure), soonest first; the SQL
    that recomputes it in bulk (`refresh_next_surveys`, `stale_next_surveys`) agrees."""
    settings.POST_AUTONOMY_SURVEY_ROUNDS = 3
    closings = [D(2026, 8, 31), D(2027, 2, 28), D(2027, 3, 31)]
    subsets = [s for n in range(4) for s in itertools.combinations([1, 2, 3], n)]
    for (closed_on, done), reason in itertools.product(
        itertools.product(closings, subsets), [ClosureReason.AUTONOMY, ClosureReason.DEPARTURE]
    ):
        closed_with_surveys(HouseholdFactory(status=Status.POST_AUTONOMY), closed_on, reason, done)
    rows = Accompaniment.objects.prefetch_related("surveys")
    python = {}
    for acc in rows:
        expected = acc.next_survey()
        assert (acc.next_survey_round, acc.next_survey_on) == (expected or (None, None))
        if expected is not None:
            python[acc.pk] = expected
    Accompaniment.objects.update(next_survey_on=None)
    Accompaniment.objects.refresh_next_surveys()
    assert {acc.pk: acc.next_survey_on for acc in rows} == dict(
        Accompaniment.objects.values_list("pk", "next_survey_on")
    )
    until = D(2027, 12, 31)
    due = Accompaniment.objects.surveys_due(until)
    assert {acc.pk: (acc.next_survey_round, acc.next_survey_on) for acc in due} == {
        pk: nxt for pk, nxt in python.items() if nxt[1] <= until
    }
    dates = [acc.next_survey_on for acc in due]
    assert dates == sorted(dates) and len(dates) > 3
    assert len(Accompaniment.objects.surveys_due()) == len(python)
    # The stored date (what `surveys_due` reads) is `next_survey`'s for every pattern, kept
    # by `Survey.save` and `Survey.delete`, and the bulk refresh gives the same.
    stored = dict(Accompaniment.objects.values_list("pk", "next_survey_on"))
    assert stored == {acc.pk: (acc.next_survey() or (None, None))[1] for acc in rows}
    assert not Accompaniment.objects.stale_next_surveys().exists()
    Survey.objects.filter(round=2).delete()  # a queryset's delete: no `Survey.delete`
    stale = set(Accompaniment.objects.stale_next_surveys())
    assert stale and all(acc.closure_reason == ClosureReason.AUTONOMY for acc in stale)
    message = (
        "date de la prochaine enquête post-autonomie enregistrée sur l'accompagnement "
        "différente de celle que donnent sa clôture et ses enquêtes"
    )
    reported = {reference for reference, problem in violations() if problem == message}
    assert reported == {acc.household.reference for acc in stale}
    Accompaniment.objects.refresh_next_surveys()
    assert not Accompaniment.objects.stale_next_surveys().exists()
    survey = Survey.objects.filter(
        round=1, accompaniment__closure_reason=ClosureReason.AUTONOMY
    ).first()
    acc = survey.accompaniment
    survey.delete()
    acc.refresh_from_db()
    assert acc.next_survey_on == acc.next_survey()[1] == add_months(acc.closed_on, 6)
    assert not Accompaniment.objects.stale_next_surveys().exists()
