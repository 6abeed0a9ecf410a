"""The household file composes, it does not query: its view builds the shown tab's panel
(households/panels.py) with a bounded number of queries, whatever the household's history."""

import pytest
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from households.enums import Status
from households.models import ReferentAssignment, StatusChange
from tests.conftest import require_postgresql
from tests.factories import HouseholdFactory, make_user

pytestmark = pytest.mark.django_db

# The roles that open the file, and the most queries each tab may run (session, user, roles,
# household, members, sources, audit row, duplicates; « Situation »: timeline, référents and
# the référent form's choices; another tab: its panel's). Each count includes the header's
# unread-notification count (notifications).
READERS = {
    Role.SOCIAL_WORKER: 17,
    Role.CCAS_MANAGER: 17,
    Role.LETTING_OFFICER: 15,
    Role.DEBT_OFFICER: 15,
    Role.TENANCY_OFFICER: 15,
    Role.CELLULE_MEMBER: 15,
}
# Each tab's panel template (« Situation » has none: households/detail.html itself).
PANELS = {
    "situation": None,
    "diagnostic": "diagnostics/_household_diagnostics.html",
    "orientations": "coordination/_household_orientations.html",
    "logement": "housing/_household_pathway.html",
    "accompagnement": "accompaniments/_household_accompaniment.html",
    "donnees": "privacy/_household_privacy.html",
}


@pytest.fixture
def world():
    """A household every reader may open: the social worker's, a Caen habitat tenant, on a
    published agenda of a cellule the member sits in, accompanied."""
    from coordination.models import AgendaItem, Meeting, Partner
    from tests.accompaniments.factories import AccompanimentFactory

    users = {role: make_user(role, email=f"{role}@file.caen.fr") for role in READERS}
    household = HouseholdFactory(
        referent=users[Role.SOCIAL_WORKER],
        tenant=True,
        status=Status.ACCOMPANIED,
        diagnostic_level=2,
    )
    meeting = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
    meeting.members.add(users[Role.CELLULE_MEMBER])
    AgendaItem.objects.create(meeting=meeting, kind="level", household=household)
    accompaniment = AccompanimentFactory(household=household)
    partner = Partner.objects.create(name="SIAO", category="signalement")
    return users, household, accompaniment, partner


def add_history(household, accompaniment, partner, by, versions):
    """`versions` more of everything the file's panels list or count."""
    from coordination.models import Orientation
    from diagnostics.models import Diagnostic
    from tests.accompaniments.factories import ContactFactory, SignalFactory
    from tests.housing.factories import (
        AgreementDocumentFactory,
        ProposalFactory,
        RehousingFactory,
    )

    for _ in range(versions):
        Diagnostic.objects.create(
            household=household,
            level=2,
            author=by,
            status="submitted",
            number=household.diagnostics.count() + 1,
        )
        ContactFactory(accompaniment=accompaniment)
        SignalFactory(household=household)
        for kind in ("convention", "contract"):
            AgreementDocumentFactory(
                household=household,
                kind=kind,
                number=household.agreement_documents.filter(kind=kind).count() + 1,
            )
        ProposalFactory(household=household)
        RehousingFactory(household=household)
        Orientation.objects.create(household=household, partner=partner, reason="…", created_by=by)
        StatusChange.objects.create(household=household, to_status=Status.ACCOMPANIED, by=by)
        ReferentAssignment.objects.create(household=household, referent=by, by=by)


def read_file(client, user, household, tab):
    """The file's response on `tab`, its queries, and those run once its template started
    rendering."""
    client.force_login(user)
    marks = []

    def on_render(sender, template, **kwargs):
        if template.name == "households/detail.html" and not marks:
            marks.append(len(queries.captured_queries))

    template_rendered.connect(on_render)
    try:
        with CaptureQueriesContext(connection) as queries:
            url = reverse("households:detail", args=[household.pk])
            response = client.get(url, {"onglet": tab})
    finally:
        template_rendered.disconnect(on_render)
    assert response.status_code == 200
    rendering = [q["sql"] for q in queries.captured_queries[marks[0] :]]
    return response, len(queries), rendering


@pytest.mark.parametrize("role", list(READERS))
def test_each_tab_runs_the_same_queries_however_long_the_history(client, world, role):
    require_postgresql("les nombres de requêtes sont mesurés sur la base de production")
    users, household, accompaniment, partner = world
    worker = users[Role.SOCIAL_WORKER]
    add_history(household, accompaniment, partner, worker, versions=1)
    response, *_ = read_file(client, users[role], household, "situation")
    tabs = [tab["key"] for tab in response.context["tabs"]]
    assert tabs[0] == "situation" and len(tabs) > 1
    short = {tab: read_file(client, users[role], household, tab)[1] for tab in tabs}
    add_history(household, accompaniment, partner, worker, versions=4)
    for tab in tabs:
        response, long, rendering = read_file(client, users[role], household, tab)
        assert long == short[tab] <= READERS[role], tab
        # Rendering reads nothing: the tab's panel was built by the view, and only that one.
        assert not [sql for sql in rendering if sql.lstrip().upper().startswith("SELECT")]
        used = {t.name for t in response.templates}
        assert [name for name in PANELS.values() if name in used] == [PANELS[tab]] * bool(
            PANELS[tab]
        ), tab
        assert [t["key"] for t in response.context["tabs"] if t["current"]] == [tab]


def test_the_panels_still_render_where_no_view_gathered_them(world):
    """The housing pathway page and the orientation form include their panel on their own."""
    from django.template.loader import render_to_string

    users, household, *_ = world
    html = render_to_string(
        "housing/_household_pathway.html",
        {"household": household, "user": users[Role.LETTING_OFFICER]},
    )
    assert "Parcours logement" in html and "Voir le parcours logement" in html
