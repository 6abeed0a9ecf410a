"""The days of the last home visit and last contact stored on an accompaniment (what /mon-suivi/ sorts and
counts by, docs/performance.md) are always those of its contacts: kept by `Contact.save` and
`Contact.delete` whatever the write (a new contact, an earlier one, a failed attempt, a changed
date or kind, a deletion), recomputed after a bulk write, and checked by `check_pipeline`."""

import datetime
import uuid

import pytest
from django.urls import reverse

from accompaniments.models import Accompaniment, Contact, ContactKind
from reporting.integrity import violations

from .factories import AccompanimentFactory, ContactFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def at(day, hour=10):
    return datetime.datetime(2027, 3, day, hour, tzinfo=UTC)


def on(day):
    return datetime.date(2027, 3, day)


def stored(acc):
    """(last visit, last contact) as stored, checked equal to the instance in memory."""
    row = Accompaniment.objects.values_list("last_visit_on", "last_contact_on").get(pk=acc.pk)
    assert row == (acc.last_visit_on, acc.last_contact_on)  # the instance follows
    assert not Accompaniment.objects.stale_last_contacts().exists()
    return row


def test_every_contact_write_keeps_the_stored_last_visit_and_contact():
    acc = AccompanimentFactory(start=datetime.date(2027, 3, 1))
    assert stored(acc) == (None, None)
    ContactFactory(accompaniment=acc, kind=ContactKind.FAILED, at=at(3))
    assert stored(acc) == (None, None)  # a failed attempt reached no one
    call = ContactFactory(accompaniment=acc, kind=ContactKind.PHONE_CALL, at=at(10))
    assert stored(acc) == (None, on(10))
    visit = ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(5))
    assert stored(acc) == (on(5), on(10))  # an earlier visit: the last contact stays
    ContactFactory(accompaniment=acc, kind=ContactKind.OFFICE, at=at(12))
    assert stored(acc) == (on(5), on(12))
    visit.at = at(20)
    visit.save()
    assert stored(acc) == (on(20), on(20))
    visit.at = at(4)  # moved back: recomputed, not only pushed later
    visit.save()
    assert stored(acc) == (on(4), on(12))
    visit.kind = ContactKind.FAILED
    visit.save()
    assert stored(acc) == (None, on(12))
    Contact.objects.get(kind=ContactKind.OFFICE).delete()
    acc.refresh_from_db()
    assert stored(acc) == (None, on(10))
    call.delete()
    assert stored(acc) == (None, None)


def test_the_day_is_that_of_paris():
    acc = AccompanimentFactory(start=datetime.date(2027, 1, 2))
    ContactFactory(  # 23:30 UTC on 31 January is 1 February in Paris (winter)
        accompaniment=acc,
        kind=ContactKind.HOME_VISIT,
        at=datetime.datetime(2027, 1, 31, 23, 30, tzinfo=UTC),
    )
    assert stored(acc) == (datetime.date(2027, 2, 1),) * 2
    Accompaniment.objects.filter(pk=acc.pk).update(last_visit_on=None, last_contact_on=None)
    Accompaniment.objects.filter(pk=acc.pk).refresh_last_contacts()  # the same in SQL
    acc.refresh_from_db()
    assert stored(acc) == (datetime.date(2027, 2, 1),) * 2


def test_another_accompaniment_keeps_its_own_dates():
    acc, other = AccompanimentFactory(), AccompanimentFactory()
    ContactFactory(accompaniment=other, kind=ContactKind.HOME_VISIT, at=at(2))
    ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(9))
    other.refresh_from_db()
    assert stored(other) == (on(2), on(2)) and stored(acc) == (on(9), on(9))


def test_a_bulk_write_is_recomputed_and_a_stale_row_is_reported_by_check_pipeline():
    acc = AccompanimentFactory()
    Contact.objects.bulk_create(
        [Contact(accompaniment=acc, kind=ContactKind.HOME_VISIT, at=at(7))]  # no save()
    )
    assert list(Accompaniment.objects.stale_last_contacts()) == [acc]
    stale = (
        "dernière visite ou dernier contact enregistré sur l'accompagnement différent de "
        "ceux de ses contacts"
    )
    # (A factory household breaks other invariants too: no status history, no documents.)
    assert (acc.household.reference, stale) in violations()
    Accompaniment.objects.filter(pk=acc.pk).refresh_last_contacts()
    acc.refresh_from_db()
    assert stored(acc) == (on(7), on(7))
    assert (acc.household.reference, stale) not in violations()


def test_a_contact_posted_on_the_form_moves_the_caseload(client, social_worker):
    from households.enums import Status
    from tests.factories import HouseholdFactory

    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    acc = AccompanimentFactory(household=household)
    client.force_login(social_worker)
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    day = acc.start + datetime.timedelta(days=3)
    response = client.post(
        url,
        {
            "kind": ContactKind.HOME_VISIT,
            "at": f"{day:%Y-%m-%d}T10:30",
            "duration_minutes": "45",
            "axes": ["budget.choices"],
            "note": "Visite.",
            "next_step": "",
            "once_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    acc.refresh_from_db()
    assert acc.last_visit_on == acc.last_contact_on == day
    assert not Accompaniment.objects.stale_last_contacts().exists()
    row = client.get(reverse("accompaniments:caseload")).content.decode()
    assert f'<span class="last-visit">{day:%d/%m/%Y}</span>' in row
