"""The contact rhythm (docs/cadence.md): pure rule, then on real rows with the clock moved."""

import datetime

import pytest
import time_machine

from accompaniments import cadence as rhythm
from accompaniments.models import ContactKind

from .factories import AccompanimentFactory, ContactFactory

D = datetime.date


def at(day, hour=10):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2027, 1, 31), 1, D(2027, 2, 28)),  # common year
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2027, 3, 31), 1, D(2027, 4, 30)),
        (D(2027, 12, 15), 1, D(2028, 1, 15)),  # year end
        (D(2027, 11, 30), 3, D(2028, 2, 29)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert rhythm.add_months(day, months) == expected


def test_rule_without_any_contact_counts_from_start():
    c = rhythm.cadence(D(2027, 5, 10), None, None, today=D(2027, 5, 20))
    assert c.visit_due == D(2027, 6, 10)
    assert c.call_due == D(2027, 5, 25)
    assert c.urgency == rhythm.DUE_THIS_WEEK


def test_overdue_and_up_to_date():
    assert rhythm.cadence(D(2027, 1, 1), D(2027, 2, 1), D(2027, 2, 1), D(2027, 3, 2)).urgency == (
        rhythm.OVERDUE
    )
    fresh = rhythm.cadence(D(2027, 1, 1), D(2027, 3, 1), D(2027, 3, 1), D(2027, 3, 2))
    assert fresh.urgency == rhythm.UP_TO_DATE
    assert fresh.next_due == D(2027, 3, 16)


def test_compliance_counts_months_and_fortnights():
    start = D(2027, 1, 1)
    visits = [D(2027, 1, 5), D(2027, 3, 10)]  # none in February
    contacts = visits + [D(2027, 1, 20), D(2027, 2, 3), D(2027, 2, 17)]
    result = rhythm.compliance(start, D(2027, 3, 31), visits, contacts)
    assert result.visit_share == pytest.approx(2 / 3)
    # fortnights from 1/1: 1–15 ✓, 16–30 ✓, 31/1–14/2 ✓, 15/2–1/3 ✓, 2–16/3 ✓, 17–31/3 ✗
    assert result.contact_share == pytest.approx(5 / 6)
    assert result.visit_percent == 67


def test_running_period_counts_only_once_it_has_a_contact():
    start = D(2027, 1, 1)
    result = rhythm.compliance(start, D(2027, 1, 10), [], [])
    assert result.visit_share is None and result.contact_share is None


@pytest.mark.django_db
def test_visit_due_across_the_end_of_january_in_a_leap_year():
    acc = AccompanimentFactory(start=D(2028, 1, 3), planned_end=D(2028, 9, 3))
    # 31 January 2028, 10:00 in Paris: due on 29 February (leap year), not 2 March.
    ContactFactory(
        accompaniment=acc,
        kind=ContactKind.HOME_VISIT,
        at=datetime.datetime(2028, 1, 31, 9, tzinfo=datetime.UTC),
    )
    with time_machine.travel(datetime.datetime(2028, 2, 29, 12, tzinfo=datetime.UTC)):
        c = acc.cadence()
        assert c.visit_due == D(2028, 2, 29)
        assert not c.visit_overdue
        assert c.call_due == D(2028, 2, 15)
        assert c.urgency == rhythm.OVERDUE  # the call is late
    with time_machine.travel(datetime.datetime(2028, 3, 1, 12, tzinfo=datetime.UTC)):
        assert acc.cadence().visit_overdue


@pytest.mark.django_db
def test_contact_late_in_the_evening_counts_for_its_paris_day():
    acc = AccompanimentFactory(start=D(2027, 1, 4), planned_end=D(2027, 7, 4))
    # 31 March 2027 23:30 in Paris is already 31 March 21:30 UTC (summer time): local day 31/03.
    ContactFactory(
        accompaniment=acc,
        kind=ContactKind.HOME_VISIT,
        at=datetime.datetime(2027, 3, 31, 21, 30, tzinfo=datetime.UTC),
    )
    with time_machine.travel(datetime.datetime(2027, 4, 10, 12, tzinfo=datetime.UTC)):
        assert acc.cadence().visit_due == D(2027, 4, 30)


@pytest.mark.django_db
def test_contact_just_after_midnight_in_paris_counts_for_the_paris_day_not_the_utc_one():
    acc = AccompanimentFactory(start=D(2027, 1, 4), planned_end=D(2027, 7, 4))
    # 1 April 2027 00:30 in Paris is still 31 March 22:30 UTC: the visit is of 1 April.
    ContactFactory(
        accompaniment=acc,
        kind=ContactKind.HOME_VISIT,
        at=datetime.datetime(2027, 3, 31, 22, 30, tzinfo=datetime.UTC),
    )
    with time_machine.travel(datetime.datetime(2027, 4, 10, 12, tzinfo=datetime.UTC)):
        assert acc.cadence().visit_due == D(2027, 5, 1)
        assert acc.cadence().call_due == D(2027, 4, 16)


@pytest.mark.django_db
def test_failed_attempt_does_not_reset_the_call_rhythm():
    acc = AccompanimentFactory(start=D(2027, 1, 4), planned_end=D(2027, 7, 4))
    ContactFactory(accompaniment=acc, kind=ContactKind.PHONE_CALL, at=at(D(2027, 2, 1)))
    ContactFactory(accompaniment=acc, kind=ContactKind.FAILED, at=at(D(2027, 2, 10)))
    with time_machine.travel(datetime.datetime(2027, 2, 12, 12, tzinfo=datetime.UTC)):
        assert acc.cadence().call_due == D(2027, 2, 16)
        assert acc.cadence().visit_due == D(2027, 2, 4)  # no visit yet: one month after start


@pytest.mark.django_db
def test_compliance_of_an_accompaniment_uses_its_contacts():
    acc = AccompanimentFactory(start=D(2027, 1, 1), planned_end=D(2027, 12, 31))
    for day in (D(2027, 1, 10), D(2027, 2, 10)):
        ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(day))
    with time_machine.travel(datetime.datetime(2027, 4, 1, 12, tzinfo=datetime.UTC)):
        result = acc.compliance()
    assert result.visit_share == pytest.approx(2 / 3)


def travel(day, hour=12):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour), tick=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "due"),
    [(2028, D(2028, 3, 6)), (2027, D(2027, 3, 7))],  # 15 days after 20 February
)
def test_call_due_across_february_in_leap_and_common_years(year, due):
    acc = AccompanimentFactory(start=D(year, 1, 4), planned_end=D(year, 9, 4))
    ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(D(year, 2, 10)))
    ContactFactory(accompaniment=acc, kind=ContactKind.PHONE_CALL, at=at(D(year, 2, 20)))
    with travel(due):
        c = acc.cadence()
        assert c.call_due == due and not c.call_overdue
    with travel(due + datetime.timedelta(days=1)):
        assert acc.cadence().call_overdue


@pytest.mark.django_db
def test_visit_due_across_the_year_end_and_from_29_february():
    acc = AccompanimentFactory(start=D(2027, 10, 1), planned_end=D(2028, 6, 1))
    ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(D(2027, 12, 31)))
    with travel(D(2028, 1, 31)):
        assert acc.cadence().visit_due == D(2028, 1, 31)
        assert not acc.cadence().visit_overdue
    with travel(D(2028, 2, 1)):
        assert acc.cadence().visit_overdue
    ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(D(2028, 2, 29)))
    with travel(D(2028, 3, 1)):
        assert acc.cadence().visit_due == D(2028, 3, 29)
        assert acc.cadence().urgency == rhythm.UP_TO_DATE


@pytest.mark.django_db
def test_compliance_months_from_31_january_in_a_leap_year():
    # Months from 31/01/2028: 31/01–28/02, 29/02–30/03, 31/03–29/04 (each clamped from the start).
    acc = AccompanimentFactory(start=D(2028, 1, 31), planned_end=D(2028, 12, 31))
    for day in (D(2028, 2, 28), D(2028, 2, 29)):  # last day of month 1, first day of month 2
        ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(day))
    with travel(D(2028, 4, 30)):
        assert acc.compliance().visit_share == pytest.approx(2 / 3)


@pytest.mark.django_db
def test_compliance_of_an_accompaniment_still_open_past_its_planned_end_runs_to_today():
    # docs/cadence.md: from the start to today (or the closing date). Still open after its
    # planned end (1 April), the months without a visit since then count against it.
    acc = AccompanimentFactory(start=D(2027, 1, 1), planned_end=D(2027, 4, 1))
    for day in (D(2027, 1, 10), D(2027, 2, 10), D(2027, 3, 10)):
        ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(day))
    with travel(D(2027, 6, 15)):
        assert acc.compliance().visit_share == pytest.approx(3 / 5)
