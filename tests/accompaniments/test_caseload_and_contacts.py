"""/mon-suivi/ (ordering, counts, team view, constant queries) and the contact form."""

import datetime
import html
import re

import pytest
import time_machine
from django.urls import reverse

from accompaniments.models import Contact, ContactKind
from audit.models import AuditEntry
from households.enums import Status
from tests.factories import HouseholdFactory

from .factories import AccompanimentFactory, ContactFactory, SignalFactory

D = datetime.date
START = datetime.date(2027, 1, 4)
NOW = datetime.datetime(2027, 3, 15, 10, tzinfo=datetime.UTC)  # a Monday


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def accompaniment_of(referent, *, start=START, visit=None, call=None):
    household = HouseholdFactory(referent=referent, status=Status.ACCOMPANIED)
    acc = AccompanimentFactory(household=household, start=start, planned_end=D(2027, 10, 4))
    if visit:
        ContactFactory(
            accompaniment=acc,
            kind=ContactKind.HOME_VISIT,
            at=datetime.datetime.combine(visit, datetime.time(9), tzinfo=datetime.UTC),
        )
    if call:
        ContactFactory(
            accompaniment=acc,
            kind=ContactKind.PHONE_CALL,
            at=datetime.datetime.combine(call, datetime.time(9), tzinfo=datetime.UTC),
        )
    return acc


@pytest.mark.django_db
def test_caseload_sorted_by_urgency_with_counts(client, social_worker, other_social_worker):
    up_to_date = accompaniment_of(social_worker, visit=D(2027, 3, 10))
    this_week = accompaniment_of(social_worker, visit=D(2027, 3, 1), call=D(2027, 3, 4))
    very_late = accompaniment_of(social_worker, visit=D(2027, 1, 5))
    late = accompaniment_of(social_worker, visit=D(2027, 2, 10), call=D(2027, 2, 26))
    accompaniment_of(other_social_worker, visit=D(2027, 1, 5))  # not mine
    client.force_login(social_worker)
    response = client.get(reverse("accompaniments:caseload"))
    assert response.status_code == 200
    order = [acc["pk"] for acc, _ in response.context["rows"]]
    assert order == [very_late.pk, late.pk, this_week.pk, up_to_date.pk]
    assert response.context["counts"] == {"total": 4, "overdue": 2, "week": 1, "up_to_date": 1}


@pytest.mark.django_db
def test_the_cards_rows_are_read_by_id_unsorted(client, social_worker, count_queries):
    """The page's ids come sorted by urgency; the query reading their cards leaves the model's
    default ordering out (its compiling was a cost with no use), and the cards keep the order."""
    late = accompaniment_of(social_worker, visit=D(2027, 1, 5))
    up_to_date = accompaniment_of(social_worker, visit=D(2027, 3, 10), start=D(2027, 2, 1))
    client.force_login(social_worker)
    with count_queries() as ctx:
        response = client.get(reverse("accompaniments:caseload"))
    cards = [q["sql"] for q in ctx.captured_queries if 'AS "open_signals"' in q["sql"]]
    assert len(cards) == 1 and "ORDER BY" not in cards[0]
    assert [acc["pk"] for acc, _ in response.context["rows"]] == [late.pk, up_to_date.pk]


@pytest.mark.django_db
def test_manager_sees_the_whole_team(client, ccas_manager, social_worker, other_social_worker):
    mine = accompaniment_of(social_worker)
    theirs = accompaniment_of(other_social_worker)
    client.force_login(ccas_manager)
    rows = client.get(reverse("accompaniments:caseload")).context["rows"]
    assert {acc["pk"] for acc, _ in rows} == {mine.pk, theirs.pk}
    url = reverse("accompaniments:caseload") + f"?referent={other_social_worker.pk}"
    assert [acc["pk"] for acc, _ in client.get(url).context["rows"]] == [theirs.pk]


@pytest.mark.django_db
def test_caseload_queries_do_not_grow_with_households(client, social_worker, count_queries):
    client.force_login(social_worker)
    url = reverse("accompaniments:caseload")

    def measure():
        client.get(url)  # warm the session and role caches
        with count_queries() as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    accompaniment_of(social_worker, visit=D(2027, 3, 1))
    few = measure()
    for i in range(8):
        acc = accompaniment_of(social_worker, visit=D(2027, 2, 1 + i), call=D(2027, 3, 1))
        SignalFactory(household=acc.household)
    assert measure() == few


@pytest.mark.django_db
def test_home_sends_social_workers_to_their_caseload(client, social_worker):
    client.force_login(social_worker)
    assert client.get("/").url == reverse("accompaniments:caseload")


@pytest.mark.django_db
def test_other_roles_have_no_caseload(client, letting_officer):
    client.force_login(letting_officer)
    assert client.get(reverse("accompaniments:caseload")).status_code == 403


# --- contact form -----------------------------------------------------------------------
@pytest.fixture
def acc(social_worker):
    return accompaniment_of(social_worker)


def contact_data(**kw):
    data = {
        "kind": ContactKind.HOME_VISIT,
        "at": "2027-03-15T10:30",
        "duration_minutes": "45",
        "axes": ["budget.choices"],
        "note": "Courrier CAF reçu, à traiter.",
        "next_step": "Appeler la CAF",
    }
    data.update(kw)
    return data


@pytest.mark.django_db
def test_contact_form_defaults(client, acc, social_worker):
    ContactFactory(accompaniment=acc, kind=ContactKind.PHONE_CALL, axes=["dwelling_use.upkeep"])
    client.force_login(social_worker)
    page = client.get(reverse("accompaniments:contact_create", args=[acc.pk]))
    form = page.context["form"]
    assert form.initial["kind"] == ContactKind.HOME_VISIT
    assert form.initial["at"].date() == D(2027, 3, 15)
    assert form.initial["axes"] == ["dwelling_use.upkeep"]
    assert re.search(r'name="once_key" value="[0-9a-f-]{36}"', page.content.decode())


@pytest.mark.django_db
def test_logging_a_visit_shows_in_the_caseload(client, acc, social_worker):
    client.force_login(social_worker)
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    response = client.post(url, contact_data(once_key="8b7a3a52-8f4e-4b0a-9f0c-5b2d0d1f0a11"))
    assert response.status_code == 302
    assert (
        response.url
        == reverse("accompaniments:caseload") + f"?brouillon_enregistre=contact-{acc.pk}"
    )
    contact = Contact.objects.get()
    assert (contact.author, contact.axes) == (social_worker, ["budget.choices"])
    entry = AuditEntry.objects.get(object_type="accompaniments.Contact", action="create")
    assert "CAF" not in entry.label  # no note text in the log
    page = client.get(response.url)
    acc_row, cadence = page.context["rows"][0]
    assert cadence.visit_due == D(2027, 4, 15)
    assert f'data-draft-confirmed="contact-{acc.pk}"' in page.content.decode()
    # The same draft (its key with it) posted again, the answer lost on the way back: saved once,
    # the same answer.
    again = client.post(url, contact_data(once_key="8b7a3a52-8f4e-4b0a-9f0c-5b2d0d1f0a11"))
    assert again.status_code == 302 and again.url == response.url
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_contact_in_the_future_is_refused_and_kept(client, acc, social_worker):
    client.force_login(social_worker)
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    response = client.post(url, contact_data(at="2027-03-16T10:00"))
    assert response.status_code == 200
    assert "Un contact ne peut pas être daté dans le futur." in response.content.decode()
    assert "Courrier CAF reçu" in html.unescape(response.content.decode())
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_contact_before_the_start_is_refused_and_kept(client, acc, social_worker):
    client.force_login(social_worker)
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    response = client.post(url, contact_data(at="2027-01-03T18:00"))  # started on 4 January
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["at"] == [
        "La date du contact est antérieure au début de l'accompagnement (04/01/2027)."
    ]
    assert form["note"].value() == "Courrier CAF reçu, à traiter."
    assert form["at"].value() == "2027-01-03T18:00"
    assert not Contact.objects.exists()
    assert not AuditEntry.objects.filter(action="create").exists()
    # Just after midnight (Paris time) on the first day is within the accompaniment.
    assert client.post(url, contact_data(at="2027-01-04T00:30")).status_code == 302
    assert Contact.objects.get().accompaniment == acc


@pytest.mark.django_db
def test_accompanied_step_needs_a_partner(client, acc, social_worker):
    client.force_login(social_worker)
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    response = client.post(url, contact_data(kind=ContactKind.ACCOMPANIED_STEP))
    assert "Indiquez le partenaire" in response.content.decode()
    client.post(url, contact_data(kind=ContactKind.ACCOMPANIED_STEP, partner="CAF du Calvados"))
    assert Contact.objects.get().partner == "CAF du Calvados"


@pytest.mark.django_db
def test_contact_form_access(client, acc, other_social_worker, ccas_manager):
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    client.force_login(other_social_worker)
    assert client.get(url).status_code == 404
    assert client.post(url, contact_data()).status_code == 404
    client.force_login(ccas_manager)
    assert client.post(url, contact_data()).status_code == 403
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_reading_notes_is_audited_and_limited(client, acc, other_social_worker, tenancy_officer):
    ContactFactory(accompaniment=acc, note="Note confidentielle sur la santé")
    url = reverse("accompaniments:detail", args=[acc.pk])
    client.force_login(other_social_worker)  # R programme (docs/access.md)
    response = client.get(url)
    assert "Note confidentielle" in response.content.decode()
    entry = AuditEntry.objects.get(object_type="accompaniments.Contact", action="view")
    assert entry.actor == other_social_worker and entry.household_id == acc.household_id
    assert "santé" not in entry.label
    client.force_login(tenancy_officer)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_team_caseload_queries_do_not_grow_with_households_or_referents(
    client, ccas_manager, count_queries
):
    from accounts.enums import Role
    from tests.factories import make_user

    client.force_login(ccas_manager)
    url = reverse("accompaniments:caseload")

    def measure():
        client.get(url)
        with count_queries() as ctx:
            response = client.get(url)
        return len(ctx.captured_queries), len(response.context["rows"])

    accompaniment_of(make_user(Role.SOCIAL_WORKER, email="ts-a@test.caen.fr"), visit=D(2027, 3, 1))
    few, rows = measure()
    for i in range(6):
        referent = make_user(Role.SOCIAL_WORKER, email=f"ts-{i}@test.caen.fr")
        acc = accompaniment_of(referent, visit=D(2027, 2, 1 + i), call=D(2027, 3, 1))
        SignalFactory(household=acc.household)
    assert measure() == (few, rows + 6)


@pytest.mark.django_db
def test_caseload_logs_one_view_per_household_shown(
    client, social_worker, other_social_worker, ccas_manager
):
    from accompaniments.models import Extension
    from accounts.enums import Role
    from audit.models import Action
    from tests.factories import make_user

    mine = [accompaniment_of(social_worker), accompaniment_of(social_worker)]
    SignalFactory(household=mine[0].household)
    theirs = accompaniment_of(other_social_worker)
    Extension.objects.create(accompaniment=theirs, until=D(2027, 12, 1), justification="x")
    elsewhere = accompaniment_of(make_user(Role.SOCIAL_WORKER, email="ts-z@test.caen.fr"))
    views = AuditEntry.objects.filter(action=Action.VIEW, label="Mon suivi")

    client.force_login(social_worker)
    client.get(reverse("accompaniments:caseload"), REMOTE_ADDR="10.0.0.8")
    assert sorted(views.values_list("household_id", flat=True)) == sorted(
        acc.household_id for acc in mine
    )
    assert {(e.actor, e.ip, e.object_type) for e in views} == {
        (social_worker, "10.0.0.8", "households.Household")
    }

    # The manager filtered on one référent: their rows, plus the pending extension's household.
    client.force_login(ccas_manager)
    url = reverse("accompaniments:caseload") + f"?referent={social_worker.pk}"
    response = client.get(url, REMOTE_ADDR="10.0.0.9")
    assert [acc["pk"] for acc, _ in response.context["rows"]] != []
    managers = views.filter(actor=ccas_manager)
    assert sorted(managers.values_list("household_id", flat=True)) == sorted(
        [acc.household_id for acc in mine] + [theirs.household_id]
    )
    assert set(managers.values_list("ip", flat=True)) == {"10.0.0.9"}
    assert not views.filter(household_id=elsewhere.household_id).exists()


@pytest.mark.django_db
def test_team_caseload_is_paginated_and_counted_over_the_whole_caseload(
    client, ccas_manager, social_worker
):
    from caen_accompagnement.pagination import PAGE_SIZE

    up_to_date = [accompaniment_of(social_worker, visit=D(2027, 3, 10)) for _ in range(PAGE_SIZE)]
    late = [accompaniment_of(social_worker, visit=D(2027, 1, 5)) for _ in range(2)]
    client.force_login(ccas_manager)
    url = reverse("accompaniments:caseload")
    counts = {"total": PAGE_SIZE + 2, "overdue": 2, "week": 0, "up_to_date": PAGE_SIZE}

    first = client.get(url, {"referent": social_worker.pk})
    shown = [acc["pk"] for acc, _ in first.context["rows"]]
    assert len(shown) == PAGE_SIZE
    assert set(shown[:2]) == {acc.pk for acc in late}  # the most urgent come first
    assert first.context["counts"] == counts
    html = first.content.decode()
    assert f"{PAGE_SIZE + 2} accompagnements en cours" in html
    assert f"referent={social_worker.pk}&amp;page=2" in html

    second = client.get(url, {"referent": social_worker.pk, "page": 2})
    rest = [acc["pk"] for acc, _ in second.context["rows"]]
    assert len(rest) == 2 and not set(rest) & set(shown)
    assert set(shown + rest) == {acc.pk for acc in up_to_date + late}
    assert second.context["counts"] == counts

    # A page past the end shows the last one, a page that is no number the first, same counts.
    past = client.get(url, {"referent": social_worker.pk, "page": 9})
    assert [acc["pk"] for acc, _ in past.context["rows"]] == rest
    assert past.context["counts"] == counts
    wrong = client.get(url, {"referent": social_worker.pk, "page": "x"})
    assert [acc["pk"] for acc, _ in wrong.context["rows"]] == shown
    assert wrong.context["counts"] == counts


@pytest.mark.django_db
def test_team_caseload_panels_are_bounded_and_queries_constant(
    client, ccas_manager, social_worker, count_queries
):
    """More than a page of accompaniments, more signals, extensions and surveys than a panel
    shows: the same queries as with one accompaniment; each panel shows its first ten and
    says how many there are in all."""
    from accompaniments.enums import AccompanimentStatus, ClosureReason
    from accompaniments.models import Extension
    from accompaniments.views.caseload import PANEL_SIZE

    client.force_login(ccas_manager)
    url = reverse("accompaniments:caseload")

    def measure(tab=""):
        client.get(url, {"onglet": tab})
        with count_queries() as ctx:
            response = client.get(url, {"onglet": tab})
        return len(ctx.captured_queries), response

    accompaniment_of(social_worker, visit=D(2027, 3, 1))
    few, _ = measure()
    few_agenda, _ = measure("agenda")
    for i in range(30):
        acc = accompaniment_of(social_worker, visit=D(2027, 2, 1 + i % 28), call=D(2027, 3, 1))
        if i < PANEL_SIZE + 2:
            SignalFactory(household=acc.household)
            Extension.objects.create(accompaniment=acc, until=D(2027, 12, 1), justification="x")
            closed = AccompanimentFactory(
                household=HouseholdFactory(referent=social_worker, status=Status.POST_AUTONOMY),
                start=D(2026, 3, 1),
                planned_end=D(2026, 9, 1),
                status=AccompanimentStatus.CLOSED,
                closed_on=D(2026, 9, 1),
                closure_reason=ClosureReason.AUTONOMY,
            )
            assert closed.next_survey() == (1, D(2027, 3, 1))
    queries, response = measure()
    assert queries == few
    context = response.context
    assert len(context["rows"]) == 25 and context["counts"]["total"] == 31
    for key in ("open_signals", "pending_extensions"):
        assert len(context[key]) == PANEL_SIZE
        assert context[f"{key}_total"] == PANEL_SIZE + 2
    page = response.content.decode()
    assert f"Signalements à prendre en compte ({PANEL_SIZE + 2})" in page
    # The surveys are on the agenda tab: not read on the first one.
    assert "surveys_due" not in context and "Enquêtes post-autonomie" not in page
    queries, response = measure("agenda")
    assert queries == few_agenda + 1  # + the access log's one statement: nothing was shown
    assert len(response.context["surveys_due"]) == PANEL_SIZE
    assert response.context["surveys_due_total"] == PANEL_SIZE + 2
    page = response.content.decode()
    assert f"Enquêtes post-autonomie à venir ({PANEL_SIZE + 2})" in page
    assert "Voir toutes les enquêtes" in page
    assert "count-overdue" not in page and "Signalements à prendre" not in page


@pytest.mark.django_db
def test_the_managers_referent_filter_applies_to_the_open_signals(
    client, ccas_manager, social_worker, other_social_worker
):
    """The open signals panel follows the caseload: the team's, or the chosen référent's."""
    from accompaniments.enums import AccompanimentStatus

    mine = accompaniment_of(social_worker, visit=D(2027, 3, 1))
    theirs = accompaniment_of(other_social_worker, visit=D(2027, 3, 1))
    closed = AccompanimentFactory(  # no longer in the caseload: nor its signals
        household=HouseholdFactory(referent=social_worker, status=Status.POST_AUTONOMY),
        status=AccompanimentStatus.CLOSED,
    )
    for acc in (mine, theirs, closed):
        SignalFactory(household=acc.household)
    client.force_login(ccas_manager)
    url = reverse("accompaniments:caseload")

    def households(**params):
        context = client.get(url, params).context
        return {s["household_id"] for s in context["open_signals"]}, context["open_signals_total"]

    assert households() == ({mine.household_id, theirs.household_id}, 2)
    assert households(referent=other_social_worker.pk) == ({theirs.household_id}, 1)
    client.force_login(social_worker)
    assert households() == ({mine.household_id}, 1)


def card_of(page, reference):
    """The text of the caseload card of the household `reference`, its spaces collapsed."""
    card = re.search(
        rf'<li class="card[^"]*"\s+data-household="{reference}">(.*?)</li>', page, re.S
    )
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", card.group(1))).split())


@pytest.mark.django_db
def test_a_card_shows_the_reference_persons_name_its_referent_and_its_signals(
    client, ccas_manager, social_worker
):
    """The card's name is the reference person's even when another member comes first, the
    référent "—" for a household without one, "aucune"/"aucun" without contacts, and the
    signals counted singular and plural (`_card`)."""
    alone = HouseholdFactory(
        referent=None,
        status=Status.ACCOMPANIED,
        members=[
            {"first_name": "Léo", "last_name": "Enfant", "relation": "child", "position": 0},
            {"first_name": "Anne", "last_name": "Durand", "relation": "reference", "position": 1},
        ],
    )
    AccompanimentFactory(household=alone, start=START, planned_end=D(2027, 10, 4))
    SignalFactory(household=alone)
    followed = accompaniment_of(social_worker, visit=D(2027, 2, 10), call=D(2027, 2, 26))
    SignalFactory(household=followed.household)
    SignalFactory(household=followed.household)
    client.force_login(ccas_manager)
    page = client.get(reverse("accompaniments:caseload")).content.decode()

    card = card_of(page, alone.reference)
    assert f"{alone.reference} — {alone.display_name}" in card
    assert "Anne" in alone.display_name and "Léo" not in alone.display_name
    assert "Dernière visite : aucune · Dernier contact : aucun · Référent : —" in card
    assert card.endswith("· 1 signalement")
    card = card_of(page, followed.household.reference)
    assert (
        f"Dernière visite : 10/02/2027 · Dernier contact : 26/02/2027 · Référent : {social_worker}"
        in card
    )
    assert card.endswith("· 2 signalements")
    assert "En retard (" in card
