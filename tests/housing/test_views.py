"""Pages: stock list, matching, pathway actions, letting board, the household-page partial."""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEntry
from caen_accompagnement.templatetags.fr_format import format_euros
from households.enums import Quartier, Relation, Status
from housing.models import (
    Dwelling,
    DwellingProposal,
    HousingWish,
    ProposalStatus,
    Rehousing,
    Solution,
)

from .factories import (
    AgreementDocumentFactory,
    DwellingFactory,
    ProposalFactory,
    RehousingFactory,
    admitted_household,
)

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)


def test_dwelling_list_filters(client, letting_officer):
    DwellingFactory(
        reference="VAU-T2", quartier=Quartier.VAUCELLES, typology="T2", rent=Decimal("300")
    )
    DwellingFactory(
        reference="CV-T4", quartier=Quartier.CHEMIN_VERT, typology="T4", rent=Decimal("390")
    )
    DwellingFactory(reference="CV-LET", quartier=Quartier.CHEMIN_VERT, typology="T4", is_let=True)
    ProposalFactory(dwelling=DwellingFactory(reference="CV-PROP", quartier=Quartier.CHEMIN_VERT))
    client.force_login(letting_officer)
    url = reverse("housing:dwelling_list")

    def refs(**params):
        page = client.get(url, params).context["dwellings"]
        return sorted(d.reference for d in page)

    assert refs() == ["CV-LET", "CV-PROP", "CV-T4", "VAU-T2"]
    assert refs(quartier="chemin_vert", availability="available") == ["CV-T4"]
    assert refs(availability="let") == ["CV-LET"]
    assert refs(availability="reserved") == ["CV-PROP"]
    assert refs(typology=["T2"], max_rent="350") == ["CV-PROP", "VAU-T2"]
    assert refs(q="vau") == ["VAU-T2"]


def test_dwelling_list_rows_say_floor_lift_amounts_date_and_state(client, letting_officer):
    """Each row's cells, formatted by the view (`_dwelling_rows`): the ground floor as « RDC »,
    the lift, French amounts, the availability date or « — », and the state."""
    DwellingFactory(
        reference="A-RDC",
        floor=0,
        has_lift=False,
        is_collective=False,
        rent=Decimal("1234.5"),
        charges=Decimal("0"),
        available_from=None,
    )
    DwellingFactory(reference="B-3", floor=3, has_lift=True, is_let=True)
    ProposalFactory(dwelling=DwellingFactory(reference="C-PROP", floor=2, has_lift=False))
    client.force_login(letting_officer)
    html = client.get(reverse("housing:dwelling_list")).content.decode()

    def cells(reference):
        row = re.search(rf"<tr>\s*<td>{reference}</td>(.*?)</tr>", html, re.S).group(1)
        found = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        return [re.sub(r"[ \n]+", " ", c).strip() for c in found]  # spaces of the amounts kept

    assert cells("A-RDC")[2:] == [
        'T2 <span class="small text-muted">individuel</span>',
        "RDC",
        "1\u202f234,50\u00a0€",
        "0,00\u00a0€",
        "—",
        "Caen habitat",
        "Disponible",
    ]
    assert cells("B-3")[3] == '3 <span class="small">(ascenseur)</span>'
    assert cells("B-3")[-1] == "Loué"
    assert cells("B-3")[6] == "01/12/2026"
    assert cells("C-PROP")[3] == "2"
    assert cells("C-PROP")[-1] == "Proposé"


def test_dwelling_list_constant_queries(client, letting_officer, django_assert_max_num_queries):
    client.force_login(letting_officer)
    url = reverse("housing:dwelling_list")
    DwellingFactory.create_batch(3)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    DwellingFactory.create_batch(40)
    for dwelling in Dwelling.objects.all()[:10]:
        ProposalFactory(dwelling=dwelling)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["dwellings"]) == 43


def test_the_unfiltered_dwelling_list_counts_the_stock_once(client, letting_officer, count_queries):
    DwellingFactory.create_batch(3)
    DwellingFactory(quartier=Quartier.GRACE_DE_DIEU)
    client.force_login(letting_officer)
    url = reverse("housing:dwelling_list")
    for params, counts, caption in [
        ({}, 1, "4 logements sur 4."),
        ({"page": "1"}, 1, "4 logements sur 4."),
        ({"quartier": Quartier.GRACE_DE_DIEU}, 2, "1 logement sur 4."),
    ]:
        with count_queries() as ctx:
            page = client.get(url, params).content.decode()
        assert (
            sum(
                "COUNT(" in q["sql"] and "housing_dwelling" in q["sql"]
                for q in ctx.captured_queries
            )
            == counts
        ), params
        assert caption in " ".join(page.split()), params


@time_machine.travel(NOW)
def test_matching_page_and_proposal(client, letting_officer):
    household = admitted_household(
        members=[{"relation": Relation.REFERENCE}, {"relation": Relation.SPOUSE}]
    )
    good = DwellingFactory(
        reference="GOOD-T2", typology="T2", rent=Decimal("330"), charges=Decimal("60")
    )
    DwellingFactory(reference="TOO-BIG-T5", typology="T5")
    DwellingFactory(reference="LET-T2", typology="T2", is_let=True)
    client.force_login(letting_officer)
    response = client.get(reverse("housing:matching", args=[household.pk]))
    page = response.content.decode()
    assert "GOOD-T2" in page and "TOO-BIG-T5" not in page and "LET-T2" not in page
    assert "330,00\u00a0€ + 60,00\u00a0€" in page

    url = reverse("housing:propose", args=[household.pk, good.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    proposal = DwellingProposal.objects.get()
    assert proposal.proposed_by == letting_officer and proposal.figures["rent"] == "330.00"
    # Proposed twice: refused with a French message, nothing written.
    response = client.post(url, follow=True)
    assert "déjà proposé" in response.content.decode()
    assert DwellingProposal.objects.count() == 1


@time_machine.travel(NOW)
def test_a_forged_proposal_is_refused(client, letting_officer):
    """A POST that bypasses the matching list meets the same rules (`Dwelling.propose_to`):
    a dwelling with no availability date, let or reserved elsewhere, or of a typology that does
    not fit the household's size, is refused with a French message and nothing is written."""
    household = admitted_household(
        members=[{"relation": Relation.REFERENCE}, {"relation": Relation.SPOUSE}]
    )
    no_date = DwellingFactory(typology="T2", available_from=None)
    let = DwellingFactory(typology="T2", is_let=True)
    reserved = ProposalFactory(dwelling=DwellingFactory(typology="T2")).dwelling
    too_big = DwellingFactory(typology="T4")
    client.force_login(letting_officer)

    def forged(dwelling, household=household):
        url = reverse("housing:propose", args=[household.pk, dwelling.pk])
        response = client.post(url, follow=True)
        assert response.redirect_chain == [(reverse("housing:matching", args=[household.pk]), 302)]
        return [str(m) for m in response.context["messages"]]

    assert forged(no_date) == [
        "Ce logement n'a pas de date de disponibilité : il ne peut pas encore être proposé."
    ]
    assert forged(let) == ["Ce logement est déjà loué : il ne peut pas être proposé."]
    assert forged(reserved) == ["Ce logement est déjà réservé par une autre proposition en cours."]
    assert forged(too_big) == [
        "Ce logement T4 ne convient pas à la taille du ménage (2 personnes) : "
        "il lui faut un T1 à T3."
    ]
    assert not DwellingProposal.objects.filter(household=household).exists()
    # Six persons and more: a T5 only.
    large = admitted_household(declared_size=6)
    assert forged(too_big, large) == [
        "Ce logement T4 ne convient pas à la taille du ménage (6 personnes) : il lui faut un T5."
    ]
    assert not DwellingProposal.objects.filter(household=large).exists()
    # A fitting, available dwelling is proposed.
    fitting = DwellingFactory(typology="T3")
    response = client.post(reverse("housing:propose", args=[household.pk, fitting.pk]))
    assert response.url == reverse("housing:pathway", args=[household.pk])
    assert DwellingProposal.objects.get(household=household).dwelling == fitting


def test_wishes_rank_the_matching(client, letting_officer):
    household = admitted_household()
    DwellingFactory(
        reference="A-CENTRE", typology="T1", quartier=Quartier.CENTRE, rent=Decimal("250")
    )
    DwellingFactory(
        reference="B-VENOIX", typology="T1", quartier=Quartier.VENOIX, rent=Decimal("260")
    )
    client.force_login(letting_officer)
    url = reverse("housing:wishes", args=[household.pk])
    client.post(url, {"quartiers": ["venoix"], "max_floor": "2"})
    wish = HousingWish.objects.get(household=household)
    assert wish.quartiers == ["venoix"] and wish.max_floor == 2
    matches = client.get(reverse("housing:matching", args=[household.pk])).context["matches"]
    assert [m.dwelling.reference for m in matches] == ["B-VENOIX", "A-CENTRE"]


def test_bad_wishes_keep_what_was_typed(client, letting_officer):
    """Refused on the matching page itself (400): the errors in French next to their fields,
    what was typed kept, the stored wishes unchanged."""
    household = admitted_household()
    HousingWish.objects.create(household=household, quartiers=["centre"], max_floor=3)
    DwellingFactory(reference="STILL-LISTED", typology="T1")
    client.force_login(letting_officer)
    url = reverse("housing:wishes", args=[household.pk])

    def refused(data):
        response = client.post(url, data)
        assert response.status_code == 400
        assert response.templates[0].name == "housing/matching.html"
        form = response.context["wish_form"]
        assert form["quartiers"].value() == data["quartiers"]
        assert form["max_floor"].value() == data["max_floor"]
        assert form["needs_lift"].value() is True
        assert "STILL-LISTED" in response.content.decode()  # the rest of the page is there
        return response, {name: " ".join(errors) for name, errors in form.errors.items()}

    response, errors = refused({"quartiers": ["venoix"], "max_floor": "-1", "needs_lift": "on"})
    assert errors == {"max_floor": "L'étage ne peut pas être négatif (0 pour le rez-de-chaussée)."}
    page = response.content.decode()
    # crispy puts the message under the field, and the typed values are in the inputs.
    assert 'id="error_1_id_max_floor"' in page and 'value="-1"' in page
    assert re.search(r'value="venoix"\s+id="id_quartiers_\d+" checked', page)
    _, errors = refused({"quartiers": ["venoix"], "max_floor": "deux", "needs_lift": "on"})
    assert errors == {"max_floor": "Indiquez un étage en chiffres (0 pour le rez-de-chaussée)."}
    _, errors = refused({"quartiers": ["la-lune"], "max_floor": "2", "needs_lift": "on"})
    assert list(errors) == ["quartiers"] and "Sélectionnez un choix valide" in errors["quartiers"]
    wish = HousingWish.objects.get(household=household)
    assert (wish.quartiers, wish.max_floor, wish.needs_lift) == (["centre"], 3, False)
    assert not AuditEntry.objects.filter(label="Souhaits de logement").exists()


@time_machine.travel(NOW)
def test_decision_and_rehousing_through_the_pathway(client, letting_officer):
    household = admitted_household()
    proposal = ProposalFactory(household=household, dwelling=DwellingFactory(reference="CH-777"))
    client.force_login(letting_officer)
    decide = reverse("housing:proposal_decide", args=[proposal.pk])
    prefix = f"p{proposal.pk}"
    response = client.post(
        decide, {f"{prefix}-decision": "refused", f"{prefix}-refusal_reason": ""}
    )
    assert response.status_code == 422 and "Indiquez le motif du refus" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    assert client.post(decide, {f"{prefix}-decision": "accepted"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED

    # The rehousing form is prefilled with the accepted dwelling.
    page = client.get(reverse("housing:pathway", args=[household.pk])).content.decode()
    assert 'value="CH-777"' in page
    url = reverse("housing:rehousing_create", args=[household.pk])
    data = {
        "solution": Solution.SLIDING_LEASE,
        "dwelling_reference": "CH-777",
        "lease_start": "2026-12-01",
        "planned_glide_date": "2027-01-15",
    }
    response = client.post(url, data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "entre 3 et 12 mois" in body and 'value="2027-01-15"' in body
    assert not Rehousing.objects.exists()

    response = client.post(url, {**data, "planned_glide_date": "2027-06-01"})
    assert response.status_code == 302
    rehousing = Rehousing.objects.get()
    assert rehousing.proposal == proposal and rehousing.dwelling.is_let

    # A sublet without reason, on a dwelling already let: refused field by field.
    response = client.post(
        url,
        {
            "solution": Solution.SUBLET,
            "dwelling_reference": "CH-777",
            "lease_start": "2026-12-01",
            "planned_end": "2030-01-01",
        },
    )
    body = response.content.decode()
    assert "déjà loué" in body and "motif" in body and "3 ans" in body
    assert Rehousing.objects.count() == 1


def test_glide_through_the_pathway(client, letting_officer):
    rehousing = RehousingFactory(
        lease_start=datetime.date(2026, 10, 1), planned_glide_date=datetime.date(2027, 4, 1)
    )
    url = reverse("housing:glide", args=[rehousing.pk])
    with time_machine.travel(datetime.datetime(2027, 4, 3, 9, 0, tzinfo=datetime.UTC)):
        client.force_login(letting_officer)  # sessions expire after 30 idle minutes
        response = client.post(url, {f"g{rehousing.pk}-glided_on": "2026-11-01"})
        assert response.status_code == 422 and "entre 3 et 12 mois" in response.content.decode()
        assert 'value="2026-11-01"' in response.content.decode()  # nothing lost
        rehousing.refresh_from_db()
        assert rehousing.glided_on is None
        assert client.post(url, {f"g{rehousing.pk}-glided_on": "2027-04-02"}).status_code == 302
    rehousing.refresh_from_db()
    assert rehousing.glided_on == datetime.date(2027, 4, 2)


def test_actions_are_for_the_letting_officer(
    client, household, social_worker, debt_officer, state_reader
):
    household.status = Status.ADMITTED
    household.save()
    dwelling = DwellingFactory()
    url = reverse("housing:propose", args=[household.pk, dwelling.pk])
    for user in (social_worker, debt_officer, state_reader):
        client.force_login(user)
        assert client.post(url).status_code == 403
    assert not DwellingProposal.objects.exists()


def test_pathway_scope(
    client, household, social_worker, other_social_worker, state_reader, ccas_manager
):
    url = reverse("housing:pathway", args=[household.pk])
    client.force_login(social_worker)  # the référent
    assert client.get(url).status_code == 200
    for user in (other_social_worker, state_reader):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(ccas_manager)
    assert client.get(url).status_code == 200


@time_machine.travel(NOW)
def test_letting_board(client, letting_officer, social_worker, other_social_worker):
    soon = RehousingFactory(
        household=admitted_household(referent=social_worker),
        lease_start=datetime.date(2026, 7, 1),
        planned_glide_date=datetime.date(2027, 1, 10),
    )
    RehousingFactory(
        lease_start=datetime.date(2026, 10, 1), planned_glide_date=datetime.date(2027, 9, 1)
    )  # later
    RehousingFactory(
        lease_start=datetime.date(2026, 5, 1),
        planned_glide_date=datetime.date(2026, 11, 1),
        glided_on=datetime.date(2026, 11, 2),
    )
    DwellingFactory(reference="FREE-SOON", available_from=datetime.date(2026, 12, 10))
    DwellingFactory(reference="FREE-LATER", available_from=datetime.date(2027, 5, 1))
    client.force_login(letting_officer)
    board = reverse("housing:letting_board")
    response = client.get(board)  # the first list holding something: the glides
    assert list(response.context["page"]) == [soon]
    page = response.content.decode()
    assert "10/01/2027" in page and "FREE-SOON" not in page
    tabs = [(tab["label"], tab["current"]) for tab in response.context["tabs"]]
    assert tabs == [
        ("Baux glissants (1)", True),
        ("Propositions en attente (0)", False),
        ("Logements disponibles (1)", False),
    ]
    available = client.get(board, {"liste": "disponibles"}).content.decode()
    assert "FREE-SOON" in available and "FREE-LATER" not in available
    assert "10/01/2027" not in available
    # The access log: one VIEW row per household a list names (glides, pending proposals).
    pending = ProposalFactory()
    client.get(board, {"liste": "propositions"})
    entries = AuditEntry.objects.filter(action=Action.VIEW, label="Glissements et disponibilités")
    assert set(entries.values_list("household_id", flat=True)) == {
        soon.household_id,
        pending.household_id,
    }
    assert entries.count() == 2  # the glides' list, then the proposals'
    # The cells, formatted by the view as the template's filters did: dates, amounts, links.
    page = re.sub(r"[ \n]+", " ", client.get(board).content.decode())
    assert "01/07/2026" in page  # the lease's start
    free = Dwelling.objects.get(reference="FREE-SOON")
    assert f"<td>{format_euros(free.total_cost)}</td>" in available and "\xa0€" in available
    page = re.sub(r"[ \n]+", " ", client.get(board, {"liste": "propositions"}).content.decode())
    proposed_on = timezone.localtime(pending.proposed_at).strftime("%d/%m/%Y")
    pathway = reverse("housing:pathway", args=[pending.household_id])
    assert (
        f'{pending.dwelling.reference} proposé le {proposed_on} à <a href="{pathway}">'
        f"{pending.household.reference}</a>"
    ) in page
    # A social worker sees only the glides of the households they follow.
    client.force_login(other_social_worker)
    assert list(client.get(board, {"liste": "glissements"}).context["page"]) == []


@time_machine.travel(NOW)
def test_letting_board_reads_no_column_back_row_by_row(client, letting_officer, count_queries):
    """The glides are read with only the columns the board shows (`.only()`): one more glide,
    with its dwelling and members, costs no query more (no deferred column read per row)."""

    def glide(day):
        household = admitted_household(
            members=[{"first_name": "Anne", "last_name": "Marie", "relation": Relation.REFERENCE}]
        )
        return RehousingFactory(
            household=household,
            dwelling=DwellingFactory(),
            lease_start=datetime.date(2026, 7, 1),
            planned_glide_date=datetime.date(2027, 1, day),
        )

    url = reverse("housing:letting_board")
    glide(10)
    client.force_login(letting_officer)
    client.get(url)
    with count_queries() as one:
        client.get(url)
    for day in (11, 12, 13):
        glide(day)
    with count_queries() as four:
        page = client.get(url).content.decode()
    assert len(four.captured_queries) == len(one.captured_queries)
    assert len(re.findall(r"\bA\. M\.", page)) == 4  # each glide's initials


@time_machine.travel(NOW)
def test_debt_and_tenancy_officers_see_no_name_of_a_non_tenant(
    client, debt_officer, tenancy_officer
):
    """docs/access.md: they read every rehousing ("R") but a household's identity only for their own
    tenants. The pathway of a household with no Caen habitat tenant account shows its file
    reference and initials, not its names, and not its documents (which name every member);
    the letting board names nobody."""
    stranger = admitted_household(
        members=[{"first_name": "Ysaline", "last_name": "Kerbrat", "relation": Relation.REFERENCE}]
    )
    tenant = admitted_household(
        tenant=True,
        members=[
            {"first_name": "Gwenola", "last_name": "Scouarnec", "relation": Relation.REFERENCE}
        ],
    )
    documents = {}
    for household in (stranger, tenant):
        rehousing = RehousingFactory(
            household=household,
            lease_start=datetime.date(2026, 7, 1),
            planned_glide_date=datetime.date(2027, 1, 10),
        )
        ProposalFactory(household=household)
        documents[household] = AgreementDocumentFactory(household=household, rehousing=rehousing)
    for user in (debt_officer, tenancy_officer):
        client.force_login(user)
        response = client.get(reverse("housing:pathway", args=[stranger.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert f"{stranger.reference} · Y. K." in page and "Bail glissant" in page
        assert "ysaline" not in page.lower() and "kerbrat" not in page.lower()
        download = reverse("housing:document_download", args=[documents[stranger].pk])
        assert "Convention tripartite — version 1" in page and download not in page
        assert client.get(download).status_code == 403
        # Their own tenant: the names and the documents.
        page = client.get(reverse("housing:pathway", args=[tenant.pk])).content.decode()
        assert "Gwenola SCOUARNEC" in page
        download = reverse("housing:document_download", args=[documents[tenant].pk])
        assert download in page and client.get(download).status_code == 200
        # The board: file references and initials only.
        page = client.get(reverse("housing:letting_board")).content.decode()
        assert stranger.reference in page and "Y. K." in page
        for name in ("ysaline", "kerbrat", "gwenola", "scouarnec"):
            assert name not in page.lower()


def test_household_page_partial(rf, household, social_worker, state_reader):
    rehousing = RehousingFactory(household=household, planned_glide_date=datetime.date(2027, 4, 1))
    ProposalFactory(
        household=household,
        dwelling=DwellingFactory(reference="CH-NON"),
        status=ProposalStatus.REFUSED,
        refusal_reason="Trop loin de l'école",
    )
    AgreementDocumentFactory(
        household=household,
        kind="convention",
        rehousing=rehousing,
        status="signed",
        signed_on=datetime.date(2026, 10, 3),
    )
    AgreementDocumentFactory(household=household, kind="contract")
    html = render_to_string(
        "housing/_household_pathway.html", {"household": household, "user": social_worker}
    )
    # proposals, rehousing, glide date, documents with their status
    assert "CH-NON" in html and "Refusée" in html and "Trop loin de l" in html
    assert "Bail glissant" in html and "Glissement prévu le 01/04/2027" in html
    assert "Convention tripartite — version 1" in html and "Signée" in html
    assert "le 03/10/2026" in html
    assert "Contrat d&#x27;accompagnement social — version 1" in html and "Générée" in html
    assert (
        render_to_string(
            "housing/_household_pathway.html", {"household": household, "user": state_reader}
        ).strip()
        == ""
    )


@time_machine.travel(NOW)
def test_board_and_matching_constant_queries(
    client, letting_officer, django_assert_max_num_queries
):
    household = admitted_household()
    client.force_login(letting_officer)
    board = reverse("housing:letting_board")
    matching = reverse("housing:matching", args=[household.pk])

    def add_rows(n):
        for _ in range(n):
            RehousingFactory(
                lease_start=datetime.date(2026, 7, 1), planned_glide_date=datetime.date(2027, 1, 1)
            )
            ProposalFactory()
            DwellingFactory(typology="T1", available_from=datetime.date(2026, 12, 1))

    lists = ("glissements", "propositions", "disponibles")
    add_rows(2)
    few_board = {}
    for name in lists:
        with django_assert_max_num_queries(30) as few_board[name]:
            client.get(board, {"liste": name})
    with django_assert_max_num_queries(30) as few_matching:
        client.get(matching)
    add_rows(15)
    for name in lists:
        with django_assert_max_num_queries(len(few_board[name].captured_queries)):
            response = client.get(board, {"liste": name})
        assert response.context["count"] == 17 and response.context["section"] == name
    with django_assert_max_num_queries(len(few_matching.captured_queries)):
        response = client.get(matching)
    assert response.context["match_count"] == 17


@time_machine.travel(NOW)
def test_the_board_shows_the_glides_a_page_at_a_time(client, letting_officer):
    """The glides to come grow with the programme: 25 a page, the late ones first, the total in
    the table's caption, the next page a link away and logged when shown."""
    glides = [
        RehousingFactory(
            lease_start=datetime.date(2026, 1, 1),
            planned_glide_date=datetime.date(2026, 10, 1) + datetime.timedelta(days=3 * i),
        )
        for i in range(30)  # the first ones late (NOW is 20/11/2026)
    ]
    client.force_login(letting_officer)
    board = reverse("housing:letting_board")
    response = client.get(board)
    assert list(response.context["page"]) == glides[:25]
    page = re.sub(r"[ \n]+", " ", response.content.decode())
    assert "<caption>30 glissements de bail à venir ou en retard</caption>" in page
    assert "(en retard)" in page
    assert 'href="?page=2#glissements"' in page
    response = client.get(board + "?page=2")
    assert list(response.context["page"]) == glides[25:]
    # Chosen by its tab, the list's page links keep it.
    response = client.get(board + "?liste=glissements")
    assert 'href="?liste=glissements&amp;page=2#glissements"' in response.content.decode()
    logged = AuditEntry.objects.filter(label="Glissements et disponibilités")
    assert set(logged.values_list("household_id", flat=True)) == {g.household_id for g in glides}


@time_machine.travel(NOW)
def test_every_solution_recorded_through_the_page(client, letting_officer):
    """The form hands every rule to `Rehousing.record`: a social residence needs no dwelling."""
    client.force_login(letting_officer)
    residence = admitted_household()
    response = client.post(
        reverse("housing:rehousing_create", args=[residence.pk]),
        {
            "solution": Solution.SOCIAL_RESIDENCE,
            "structure_name": "Résidence sociale Les Tilleuls",
            "lease_start": "2026-11-01",
        },
    )
    assert response.status_code == 302
    rehousing = Rehousing.objects.get(household=residence)
    assert rehousing.structure_name == "Résidence sociale Les Tilleuls" and not rehousing.dwelling

    direct = admitted_household()
    DwellingFactory(reference="CH-DIRECT")
    response = client.post(
        reverse("housing:rehousing_create", args=[direct.pk]),
        {
            "solution": Solution.DIRECT,
            "dwelling_reference": "CH-DIRECT",
            "lease_start": "2026-11-01",
        },
    )
    assert response.status_code == 302
    assert Rehousing.objects.get(household=direct).dwelling.is_let

    sublet = admitted_household()
    DwellingFactory(reference="CH-SUBLET")
    response = client.post(
        reverse("housing:rehousing_create", args=[sublet.pk]),
        {
            "solution": Solution.SUBLET,
            "dwelling_reference": "CH-SUBLET",
            "lease_start": "2026-11-01",
            "planned_end": "2029-11-01",
            "exceptional_reason": "Régularisation du séjour en cours.",
        },
    )
    assert response.status_code == 302
    assert Rehousing.objects.get(household=sublet).planned_end == datetime.date(2029, 11, 1)


@time_machine.travel(NOW)
def test_bad_rehousing_input_keeps_what_was_typed(client, letting_officer):
    """Refused with the French message next to its field; the form keeps the typed values;
    nothing written (no rehousing, the dwelling stays free)."""
    household = admitted_household()
    free = DwellingFactory(reference="CH-FREE")
    DwellingFactory(reference="CH-LET", is_let=True)
    client.force_login(letting_officer)
    url = reverse("housing:rehousing_create", args=[household.pk])

    def refused(data):
        response = client.post(url, data)
        assert response.status_code == 422
        form = response.context["rehousing_form"]
        for name, value in data.items():
            assert form[name].value() == value  # nothing lost
        return {name: " ".join(errors) for name, errors in form.errors.items()}

    sublet = {
        "solution": Solution.SUBLET,
        "dwelling_reference": "CH-FREE",
        "lease_start": "2026-12-01",
        "lease_reference": "BAIL-77",
    }
    # Beyond 3 years (a reason is given and kept).
    errors = refused(
        {
            **sublet,
            "planned_end": "2029-12-02",
            "exceptional_reason": "Titre de séjour à renouveler",
        }
    )
    assert errors == {
        "planned_end": "Une sous-location ne peut pas dépasser 3 ans "
        "(fin au plus tard le 01/12/2029)."
    }
    # Without a written reason.
    errors = refused({**sublet, "planned_end": "2028-12-01", "exceptional_reason": ""})
    assert errors == {
        "exceptional_reason": "La sous-location est très exceptionnelle : indiquez par écrit le motif."
    }
    # A glide date outside 3–12 months.
    errors = refused(
        {
            "solution": Solution.SLIDING_LEASE,
            "dwelling_reference": "CH-FREE",
            "lease_start": "2026-12-01",
            "planned_glide_date": "2027-12-02",
        }
    )
    assert errors["planned_glide_date"].startswith(
        "Le glissement du bail doit intervenir entre 3 et 12 mois"
    )
    # A dwelling already let.
    errors = refused(
        {"solution": Solution.DIRECT, "dwelling_reference": "CH-LET", "lease_start": "2026-12-01"}
    )
    assert errors == {
        "dwelling_reference": "Ce logement est déjà loué : il ne peut pas être attribué."
    }
    assert not Rehousing.objects.exists()
    free.refresh_from_db()
    assert not free.is_let


@time_machine.travel(NOW)
def test_only_the_letting_officer_writes_the_pathway(
    client, social_worker, state_reader, letting_officer
):
    """The référent reads the pathway; the proposal answer, the rehousing and the glide are
    Caen habitat's; the DDCS sees nothing of a household."""
    household = admitted_household(referent=social_worker)
    proposal = ProposalFactory(household=household)
    rehousing = RehousingFactory(
        household=household,
        lease_start=datetime.date(2026, 7, 1),
        planned_glide_date=datetime.date(2026, 11, 1),
    )
    DwellingFactory(reference="CH-SW")
    posts = [
        (
            reverse("housing:proposal_decide", args=[proposal.pk]),
            {f"p{proposal.pk}-decision": "accepted"},
        ),
        (
            reverse("housing:rehousing_create", args=[household.pk]),
            {"solution": "direct", "dwelling_reference": "CH-SW", "lease_start": "2026-11-01"},
        ),
        (
            reverse("housing:glide", args=[rehousing.pk]),
            {f"g{rehousing.pk}-glided_on": "2026-11-02"},
        ),
    ]
    pathway = reverse("housing:pathway", args=[household.pk])
    client.force_login(social_worker)
    page = client.get(pathway)
    assert page.status_code == 200 and not page.context["can_change"]
    assert "Enregistrer un relogement" not in page.content.decode()
    for user in (social_worker, state_reader):
        client.force_login(user)
        for url, data in posts:
            assert client.post(url, data).status_code == 403
    client.force_login(state_reader)
    assert client.get(pathway).status_code == 404
    proposal.refresh_from_db()
    rehousing.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING and not rehousing.glided_on
    assert Rehousing.objects.count() == 1
    # The letting officer may.
    client.force_login(letting_officer)
    for url, data in posts:
        assert client.post(url, data).status_code == 302


@time_machine.travel(NOW)
def test_the_board_shows_the_25_soonest_dwellings_and_links_to_all_of_them(client, letting_officer):
    """The soonest SOON_SHOWN available dwellings, then a link to the stock page filtered alike:
    the same dwellings, none silently left out."""
    for day in range(1, 31):
        DwellingFactory(
            reference=f"SOON-{day:02d}",
            available_from=timezone.localdate() + datetime.timedelta(days=day),
        )
    DwellingFactory(
        reference="LATER", available_from=timezone.localdate() + datetime.timedelta(days=90)
    )
    client.force_login(letting_officer)
    response = client.get(reverse("housing:letting_board"))  # no glide: the dwellings first
    assert response.context["section"] == "disponibles"
    page = response.content.decode()
    shown = re.findall(r"SOON-\d\d", page)
    assert shown == [f"SOON-{day:02d}" for day in range(1, 26)]
    assert "Logements disponibles dans les 60 jours (30)" in page
    link = re.search(r'<a href="([^"]+)">Voir les 30 logements disponibles', page).group(1)
    stock = client.get(html.unescape(link)).content.decode()
    assert "30 logements sur 31" in " ".join(stock.split())


@time_machine.travel(NOW)
def test_the_boards_pending_proposals_a_page_at_a_time_the_longest_waiting_first(
    client, letting_officer
):
    """The proposals waiting for an answer were one unbounded list: now 25 a page, the oldest
    first, counted in their tab."""
    proposals = [
        ProposalFactory(proposed_at=timezone.now() - datetime.timedelta(days=30 - i))
        for i in range(27)
    ]
    client.force_login(letting_officer)
    board = reverse("housing:letting_board")
    response = client.get(board)  # no glide: the proposals first
    assert response.context["section"] == "propositions"
    assert list(response.context["page"]) == proposals[:25]
    page = response.content.decode()
    assert "Propositions en attente de réponse (27)" in page
    assert "Propositions en attente (27)" in page  # its tab
    response = client.get(board, {"liste": "propositions", "page": 2})
    assert list(response.context["page"]) == proposals[25:]
