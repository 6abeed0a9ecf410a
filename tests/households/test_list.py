"""The household list: scope, django-filter filters, search, pagination, constant query count."""

import pytest
from django.urls import reverse

from accounts.enums import Role
from caen_accompagnement.pagination import PAGE_SIZE
from households.enums import Public, Source, Status
from households.models import PossibleDuplicate
from tests.factories import HouseholdFactory, HouseholdSourceFactory, make_user

pytestmark = pytest.mark.django_db

URL = reverse("households:list")


def listed(response):
    return [h.pk for h in response.context["page"].object_list]


def test_list_shows_rows_linking_to_the_file(client, letting_officer):
    household = HouseholdFactory(members=[{"last_name": "Lemarchand", "first_name": "Odile"}])
    HouseholdSourceFactory(household=household, source=Source.DALO)
    client.force_login(letting_officer)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("households:detail", args=[household.pk])}"' in html
    assert household.reference in html
    assert "Odile LEMARCHAND" in html
    assert "DALO (Commission de médiation)" in html
    assert "Nouveau ménage" in html  # letting officers may create


def test_list_is_scoped_to_what_the_user_may_see(client, social_worker):
    tenant = HouseholdFactory(tenant=True)
    HouseholdFactory()
    client.force_login(make_user(Role.DEBT_OFFICER))
    response = client.get(URL)
    assert listed(response) == [tenant.pk]
    assert "Nouveau ménage" not in response.content.decode()


def test_list_refused_to_roles_without_household_access(client, state_reader, admin_user):
    for user in (state_reader, admin_user):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_filter_by_status_and_public(client, ccas_manager):
    wanted = HouseholdFactory(status=Status.DIAGNOSTIC, public=Public.DALO)
    HouseholdFactory(status=Status.DIAGNOSTIC, public=Public.ALT)
    HouseholdFactory(status=Status.PRESELECTED, public=Public.DALO)
    client.force_login(ccas_manager)
    assert listed(client.get(URL, {"status": "diagnostic", "public": "dalo"})) == [wanted.pk]


def test_filter_by_source_lists_each_household_once(client, ccas_manager):
    wanted = HouseholdFactory()
    HouseholdSourceFactory(household=wanted, source=Source.CODESI)
    HouseholdSourceFactory(household=wanted, source=Source.CODESI)  # two CODESI decisions
    HouseholdSourceFactory(household=wanted, source=Source.DALO)
    other = HouseholdFactory()
    HouseholdSourceFactory(household=other, source=Source.CCAPEX)
    client.force_login(ccas_manager)
    assert listed(client.get(URL, {"source": "codesi"})) == [wanted.pk]
    assert listed(client.get(URL, {"source": "ccapex"})) == [other.pk]


def test_filter_by_referent_and_without_referent(client, ccas_manager, social_worker):
    followed = HouseholdFactory(referent=social_worker)
    orphan = HouseholdFactory()
    client.force_login(ccas_manager)
    assert listed(client.get(URL, {"referent": social_worker.pk})) == [followed.pk]
    assert listed(client.get(URL, {"referent": "null"})) == [orphan.pk]


def test_name_search_ignores_accents_and_case(client, letting_officer):
    wanted = HouseholdFactory(members=[{"last_name": "Lefèvre", "first_name": "Noémie"}])
    HouseholdFactory(members=[{"last_name": "Lefort", "first_name": "Jean"}])
    client.force_login(letting_officer)
    for text in ["LEFEVRE", "noemie", "Lefèvre Noémie"]:
        assert listed(client.get(URL, {"q": text})) == [wanted.pk], text
    response = client.get(URL, {"q": "Personne"})
    assert "Aucun ménage ne correspond" in response.content.decode()


def test_invalid_filter_value_is_ignored_with_a_french_message(client, letting_officer):
    HouseholdFactory()
    client.force_login(letting_officer)
    response = client.get(URL, {"status": "n-importe-quoi"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_pagination_keeps_the_filters(client, letting_officer):
    for _ in range(PAGE_SIZE + 3):
        HouseholdFactory(public=Public.DALO)
    HouseholdFactory(public=Public.ALT)
    client.force_login(letting_officer)
    first = client.get(URL, {"public": "dalo"})
    assert len(listed(first)) == PAGE_SIZE
    html = first.content.decode()
    assert "public=dalo&amp;page=2" in html
    second = client.get(URL, {"public": "dalo", "page": 2})
    assert len(listed(second)) == 3
    assert not set(listed(first)) & set(listed(second))


def test_the_list_logs_one_view_per_household_of_its_page(client, social_worker):
    """The access log: a VIEW row for each household the page shows, and for no other."""
    from audit.models import Action, AuditEntry

    for _ in range(PAGE_SIZE + 2):
        HouseholdFactory(public=Public.DALO)
    HouseholdFactory(public=Public.ALT)  # filtered out: never shown
    client.force_login(social_worker)
    first = client.get(URL, {"public": "dalo"}, REMOTE_ADDR="10.0.0.7")
    entries = AuditEntry.objects.filter(action=Action.VIEW)
    assert sorted(entries.values_list("household_id", flat=True)) == sorted(listed(first))
    assert {(e.actor, e.ip, e.object_type, e.label) for e in entries} == {
        (social_worker, "10.0.0.7", "households.Household", "Liste des ménages")
    }
    second = client.get(URL, {"public": "dalo", "page": 2}, REMOTE_ADDR="10.0.0.7")
    assert len(listed(second)) == 2
    assert sorted(
        entries.exclude(household_id__in=listed(first)).values_list("household_id", flat=True)
    ) == sorted(listed(second))
    assert entries.all().count() == PAGE_SIZE + 2


def test_possible_duplicates_are_flagged_in_the_list(client, letting_officer):
    one, two = HouseholdFactory(), HouseholdFactory()
    PossibleDuplicate.objects.create(household=one, other=two, reason="Même nom, autre date")
    client.force_login(letting_officer)
    assert client.get(URL).content.decode().count("Doublon possible") == 2


def make_rows(n, referent):
    for i in range(n):
        household = HouseholdFactory(
            referent=referent,
            members=[
                {"last_name": f"Nom{i}", "first_name": "A"},
                {"last_name": f"Nom{i}", "first_name": "B", "relation": "child"},
            ],
        )
        HouseholdSourceFactory(household=household, source=Source.CODESI)
        HouseholdSourceFactory(household=household, source=Source.DALO)
        if i % 2:
            PossibleDuplicate.objects.create(household=household, other=household, reason="x")


@pytest.mark.parametrize("role", [Role.CCAS_MANAGER, Role.SOCIAL_WORKER, Role.DEBT_OFFICER])
def test_query_count_does_not_grow_with_rows(client, count_queries, role):
    from households.models import Household

    user = make_user(role)
    referent = make_user(Role.SOCIAL_WORKER)
    make_rows(5, referent)
    Household.objects.update(tenant_account="CH1")
    client.force_login(user)
    with count_queries() as few:
        response = client.get(URL, {"page": 1})
    assert len(listed(response)) == 5
    make_rows(55, referent)
    Household.objects.update(tenant_account="CH1")
    with count_queries() as many:
        response = client.get(URL, {"page": 1})
    assert len(listed(response)) == PAGE_SIZE
    assert len(many.captured_queries) == len(few.captured_queries)
    # session, user, roles, count, rows, members, sources, the filter's référent choices,
    # the access log's one INSERT for the page's rows, the header's unread-notification count
    # and the transaction; no session save (IdleTimeoutMiddleware: once a minute at most).
    assert len(many.captured_queries) <= 12, "\n".join(
        q["sql"][:150] for q in many.captured_queries
    )


def test_query_count_with_every_filter_and_the_agenda_scope(client, count_queries):
    """A cellule member (agenda scope) filtering on everything: still constant queries."""
    from django.utils import timezone

    from coordination.models import AgendaItem, Meeting
    from households.models import Household

    member = make_user(Role.CELLULE_MEMBER)
    referent = make_user(Role.SOCIAL_WORKER)
    meeting = Meeting.objects.create(date=timezone.now(), agenda_published_at=timezone.now())
    meeting.members.add(member)
    params = {
        "q": "nom",
        "status": Status.PRESELECTED,
        "public": Public.THIRD_PARTY,
        "source": Source.DALO,
        "referent": referent.pk,
    }

    def grow(n):
        make_rows(n, referent)
        Household.objects.update(public=Public.THIRD_PARTY)
        for household in Household.objects.filter(agenda_items__isnull=True):
            AgendaItem.objects.create(meeting=meeting, kind="level", household=household)

    client.force_login(member)
    grow(4)
    with count_queries() as few:
        response = client.get(URL, params)
    assert len(listed(response)) == 4
    grow(40)
    with count_queries() as many:
        response = client.get(URL, params)
    assert len(listed(response)) == PAGE_SIZE
    assert len(many.captured_queries) == len(few.captured_queries)
