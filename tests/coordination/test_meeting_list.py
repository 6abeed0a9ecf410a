"""The cellule landing page at scale: past cellules ten a page, their counts per page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.models import Decision, Meeting

from .factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def past_cellules(count, by):
    """`count` past cellules, the n-th (n days ago) with n points and n // 2 of them decided."""
    meetings = []
    for n in range(1, count + 1):
        meeting = MeetingFactory(
            date=timezone.now() - datetime.timedelta(days=n), agenda_published_at=timezone.now()
        )
        items = [AgendaItemFactory(meeting=meeting) for _ in range(n)]
        for item in items[: n // 2]:
            Decision.objects.create(item=item, outcome="continue", recorded_by=by)
        meetings.append(meeting)
    return meetings


def test_past_cellules_ten_a_page_the_latest_first_with_their_counts(client, ccas_manager):
    meetings = past_cellules(12, ccas_manager)
    client.force_login(ccas_manager)
    first = client.get(reverse("coordination:list"))
    assert [(m.pk, m.n_items, m.n_decisions) for m in first.context["past"]] == [
        (m.pk, n, n // 2) for n, m in enumerate(meetings[:10], start=1)
    ]
    assert "Page 1 sur 2" in first.content.decode()
    second = client.get(reverse("coordination:list"), {"page_passees": 2})
    assert [(m.pk, m.n_items, m.n_decisions) for m in second.context["past"]] == [
        (meetings[10].pk, 11, 5),
        (meetings[11].pk, 12, 6),
    ]
    assert "6 / 12" in second.content.decode()  # the row's « Décisions » cell


def test_the_landing_page_counts_in_constant_queries(client, ccas_manager):
    client.force_login(ccas_manager)
    url = reverse("coordination:list")
    past_cellules(2, ccas_manager)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    past_cellules(12, ccas_manager)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_a_meeting_s_decisions_are_counted_on_their_meeting_not_through_its_points():
    """`Decision.meeting` is what the count reads: probing each point of a meeting for its
    decision cost 8 ms for the ten past cellules at 10,000 households."""
    sql = str(Meeting.objects.with_item_counts().query)
    assert sql.count('"coordination_agendaitem"') == 1, sql  # the points' count alone
    assert '"coordination_decision"' in sql
