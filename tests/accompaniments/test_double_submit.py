"""A contact form posted several times at once (double tap, retry on a bad network) with its one
one-time key saves one row and every post gets the normal answer (audit/once.py). Real concurrent
requests: threads, each with its own database connection, on committed data (transactional_db)."""

import datetime
import threading
import time
import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import Contact, ContactKind
from audit.models import AuditEntry, FormSubmission
from households.enums import Status
from tests.conftest import require_postgresql
from tests.factories import HouseholdFactory

from .factories import AccompanimentFactory


@pytest.fixture
def acc(social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    return AccompanimentFactory(household=household)


def contact_data(once_key):
    at = timezone.localtime() - datetime.timedelta(hours=1)
    return {
        "kind": ContactKind.HOME_VISIT,
        "at": at.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "45",
        "axes": ["budget.choices"],
        "note": "Visite à domicile.",
        "once_key": str(once_key),
    }


def post_in_thread(user, url, data, answers, barrier=None):
    def run():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        try:
            if barrier is not None:
                barrier.wait()
            response = client.post(url, data)
            answers.append((response.status_code, response.get("Location")))
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_parallel_posts_of_one_contact_save_it_once_and_all_answer_normally(acc, social_worker):
    require_postgresql("requêtes concurrentes sur une contrainte d'unicité")
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    saved = (302, f"{reverse('accompaniments:caseload')}?brouillon_enregistre=contact-{acc.pk}")
    for n in range(1, 4):
        key = uuid.uuid4()
        answers, barrier = [], threading.Barrier(5)
        threads = [
            post_in_thread(social_worker, url, contact_data(key), answers, barrier)
            for _ in range(5)
        ]
        for thread in threads:
            thread.join(30)
        assert answers == [saved] * 5
        assert Contact.objects.count() == n  # one more contact a key
        assert FormSubmission.objects.filter(key=key).count() == 1
    assert AuditEntry.objects.filter(object_type="accompaniments.Contact").count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_post_racing_an_uncommitted_save_of_the_same_form_answers_normally(acc, social_worker):
    """The race made certain: another transaction (the first post of the same form) has inserted
    its key and its contact and not committed yet; the post's INSERT of the key waits on the
    unique constraint, then fails once the other commits. It answers the first post's redirect
    without saving anything and the contact exists once."""
    require_postgresql("verrou d'une transaction concurrente")
    key = uuid.uuid4()
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    first_answer = f"{reverse('accompaniments:caseload')}?brouillon_enregistre=contact-{acc.pk}"
    other = connections.create_connection("default")
    other.set_autocommit(False)
    with other.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_formsubmission (key, user_id, path, location, at)"
            " VALUES (%s, %s, %s, %s, now())",
            [key, social_worker.pk, url, first_answer],
        )
        cursor.execute(
            "INSERT INTO accompaniments_contact (accompaniment_id, kind, at, duration_minutes,"
            " axes, partner, note, next_step, author_id, created_at)"
            " VALUES (%s, %s, now(), 45, '[]', '', '', '', %s, now())",
            [acc.pk, ContactKind.HOME_VISIT, social_worker.pk],
        )
    answers = []
    thread = post_in_thread(social_worker, url, contact_data(key), answers)
    try:
        deadline = time.monotonic() + 20
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:  # until the post waits on the other's row
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the post never waited on the uncommitted contact")
    finally:
        other.commit()
        other.close()
        thread.join(30)
    assert answers == [(302, first_answer)]
    assert Contact.objects.count() == 1
