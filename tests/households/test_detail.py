"""The household file: what it shows, who may read it, and that every read is logged."""

import datetime

import pytest
from django.urls import reverse

from accounts.enums import Role
from audit.models import Action, AuditEntry
from households.enums import Owner, Relation, Source, Status
from households.models import PossibleDuplicate
from tests.factories import HouseholdFactory, HouseholdSourceFactory, make_user

pytestmark = pytest.mark.django_db


def detail(household_or_pk):
    pk = getattr(household_or_pk, "pk", household_or_pk)
    return reverse("households:detail", args=[pk])


@pytest.fixture
def family(social_worker, ccas_manager):
    household = HouseholdFactory(
        referent=social_worker,
        sne_number="0141234500011",
        members=[
            {
                "last_name": "Hamidi",
                "first_name": "Samia",
                "birth_date": datetime.date(1990, 2, 1),
                "position": 0,
            },
            {
                "last_name": "Hamidi",
                "first_name": "Yanis",
                "relation": Relation.CHILD,
                "birth_date": datetime.date(2015, 9, 3),
                "position": 1,
            },
        ],
    )
    HouseholdSourceFactory(
        household=household,
        source=Source.CODESI,
        reference="LAP-2026-118",
        decision_date=datetime.date(2026, 1, 20),
    )
    household.move_to(
        Status.AWAITING_LEVEL, by=ccas_manager, owner=Owner.AGENDA, reason="Dossier complet"
    )
    household.assign_referent(social_worker, by=ccas_manager, reason="Secteur Grâce de Dieu")
    return household


def test_file_shows_identity_members_sources_timeline_and_referent(client, ccas_manager, family):
    client.force_login(ccas_manager)
    response = client.get(detail(family))
    assert response.status_code == 200
    html = response.content.decode()
    assert family.reference in html
    assert "Samia HAMIDI" in html and "Yanis HAMIDI" in html
    assert "Famille monoparentale" in html
    assert "0141234500011" in html
    assert "LAP-2026-118" in html and "20/01/2026" in html
    assert "CODESI (listes LAP/LIP)" in html
    assert "En attente de la cellule (niveau de diagnostic)" in html
    assert "Dossier complet" in html
    assert "Secteur Grâce de Dieu" in html
    assert "Hébergement d&#x27;urgence" in html  # origin of a third-party-hosted household


def test_each_read_is_logged(client, letting_officer, family):
    client.force_login(letting_officer)
    client.get(detail(family))
    client.get(detail(family))
    entries = AuditEntry.objects.filter(action=Action.VIEW, household_id=family.pk)
    assert entries.count() == 2
    entry = entries.first()
    assert entry.actor == letting_officer
    assert entry.object_type == "households.Household"
    assert entry.ip == "127.0.0.1"


def test_forged_or_out_of_scope_ids_answer_404_and_log_no_read(client, family):
    debt_officer = make_user(Role.DEBT_OFFICER)  # sees Caen habitat tenants only
    client.force_login(debt_officer)
    assert client.get(detail(family)).status_code == 404
    assert client.get(detail(999999)).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.VIEW).exists()
    tenant = HouseholdFactory(tenant=True)
    assert client.get(detail(tenant)).status_code == 200


def test_roles_without_household_access_are_refused(client, family, state_reader, admin_user):
    for user in (state_reader, admin_user):
        client.force_login(user)
        assert client.get(detail(family)).status_code == 403


def test_actions_offered_follow_the_policy(client, family, social_worker, other_social_worker):
    client.force_login(social_worker)  # référent: edits, changes status, no référent form
    html = client.get(detail(family)).content.decode()
    assert reverse("households:edit", args=[family.pk]) in html
    assert reverse("households:change_status", args=[family.pk]) in html
    assert reverse("households:assign_referent", args=[family.pk]) not in html
    client.force_login(other_social_worker)  # reads the programme, edits nothing
    html = client.get(detail(family)).content.decode()
    assert reverse("households:edit", args=[family.pk]) not in html
    assert reverse("households:change_status", args=[family.pk]) not in html


def test_manager_gets_the_referent_form(client, ccas_manager, family):
    client.force_login(ccas_manager)
    html = client.get(detail(family)).content.decode()
    assert reverse("households:assign_referent", args=[family.pk]) in html


def test_status_form_offers_only_allowed_transitions(client, ccas_manager, family):
    client.force_login(ccas_manager)
    form = client.get(detail(family)).context["status_form"]
    offered = {value for value, _ in form.fields["to_status"].choices if value}
    assert offered == {Status.EXITED}  # the level is the cellule's, not this form's


def test_possible_duplicates_are_flagged(client, letting_officer, family):
    other = HouseholdFactory()
    PossibleDuplicate.objects.create(
        household=other, other=family, reason="Même nom, date de naissance différente"
    )
    client.force_login(letting_officer)
    html = client.get(detail(family)).content.decode()
    assert "Doublon possible à vérifier" in html
    assert other.reference in html
    assert "Même nom, date de naissance différente" in html


def test_duplicate_out_of_scope_is_not_named(client, family):
    tenant = HouseholdFactory(tenant=True)
    PossibleDuplicate.objects.create(household=tenant, other=family, reason="Même nom")
    client.force_login(make_user(Role.TENANCY_OFFICER))
    html = client.get(detail(tenant)).content.decode()
    assert "Doublon possible à vérifier" in html
    assert family.reference not in html
    assert "Un autre dossier" in html


def test_rent_debt_shown_only_to_roles_reading_debts(client, social_worker, other_social_worker):
    household = HouseholdFactory(referent=social_worker, tenant=True, rent_debt="1234.50")
    client.force_login(social_worker)
    assert "1\u202f234,50\u00a0€" in client.get(detail(household)).content.decode()
    client.force_login(other_social_worker)  # debts: own households only
    assert "234,50" not in client.get(detail(household)).content.decode()


def test_file_shows_the_pathway_panels_for_ccas(client, social_worker, household):
    client.force_login(social_worker)
    url = household.get_absolute_url()
    assert 'id="titre-diagnostics-' in client.get(url, {"onglet": "diagnostic"}).content.decode()
    html = client.get(url, {"onglet": "accompagnement"}).content.decode()
    assert 'id="accompaniment-title"' in html


def test_file_hides_the_diagnostic_panel_from_tenancy_officers(client, tenancy_officer):
    from tests.factories import HouseholdFactory

    tenant = HouseholdFactory(tenant=True)
    client.force_login(tenancy_officer)
    html = client.get(tenant.get_absolute_url()).content.decode()
    assert 'id="titre-diagnostics-' not in html


def test_file_shows_partner_orientations_to_ccas_only(
    client, social_worker, letting_officer, household
):
    tab = {"onglet": "orientations"}
    client.force_login(social_worker)
    ccas_html = client.get(household.get_absolute_url(), tab).content.decode()
    client.force_login(letting_officer)
    letting_html = client.get(household.get_absolute_url(), tab).content.decode()
    assert "Orientations vers des partenaires" in ccas_html
    assert "Orientations vers des partenaires" not in letting_html


def test_file_shows_the_housing_pathway_to_letting_officers(client, letting_officer, household):
    client.force_login(letting_officer)
    response = client.get(household.get_absolute_url(), {"onglet": "logement"})
    assert "Parcours logement" in response.content.decode()


# --- one tab at a time (households/panels.py) -----------------------------------------------
def tab_keys(response):
    return [tab["key"] for tab in response.context["tabs"]]


def current_tab(response):
    [current] = [tab["key"] for tab in response.context["tabs"] if tab["current"]]
    return current


@pytest.mark.parametrize(
    ("status", "tab"),
    [
        (Status.PRESELECTED, "situation"),
        (Status.AWAITING_LEVEL, "situation"),
        (Status.DIAGNOSTIC, "diagnostic"),
        (Status.AWAITING_ADMISSION, "diagnostic"),
        (Status.ADMITTED, "logement"),
        (Status.ACCOMPANIED, "accompagnement"),
        (Status.POST_AUTONOMY, "accompagnement"),
        (Status.EXITED, "situation"),
    ],
)
def test_the_file_opens_on_the_households_step(client, social_worker, status, tab):
    household = HouseholdFactory(referent=social_worker, status=status, tenant=True)
    client.force_login(social_worker)
    response = client.get(detail(household))
    assert current_tab(response) == tab
    html = response.content.decode()
    tabs = html[html.index('<nav aria-label="Parties du dossier"') :]
    tabs = tabs[: tabs.index("</nav>")]
    assert tabs.count('aria-current="page"') == 1
    # The other tabs are links to themselves, one panel built: the shown one.
    assert f'href="?onglet={tab}"' in html
    assert ('id="identite"' in html) == (tab == "situation")
    assert ('id="accompaniment-title"' in html) == (tab == "accompagnement")


def test_each_tab_shows_its_part_of_the_file(client, social_worker, household):
    client.force_login(social_worker)
    expected = {
        "situation": 'id="identite"',
        "diagnostic": 'id="titre-diagnostics-',
        "orientations": "Orientations vers des partenaires",
        "logement": "Parcours logement",
        "accompagnement": 'id="accompaniment-title"',
        "donnees": "Données personnelles</h2>",
    }
    for tab, marker in expected.items():
        response = client.get(detail(household), {"onglet": tab})
        assert current_tab(response) == tab
        html = response.content.decode()
        assert marker in html, tab
        assert [other for other, mark in expected.items() if mark in html] == [tab]


def test_a_tab_the_user_may_not_read_is_neither_offered_nor_shown(client, tenancy_officer):
    tenant = HouseholdFactory(tenant=True, status=Status.DIAGNOSTIC)
    client.force_login(tenancy_officer)
    response = client.get(detail(tenant), {"onglet": "diagnostic"})
    assert response.status_code == 200
    assert "diagnostic" not in tab_keys(response) and "orientations" not in tab_keys(response)
    # Asked or by the household's step, it falls back to « Situation ».
    assert current_tab(response) == "situation"
    assert 'id="titre-diagnostics-' not in response.content.decode()


def test_an_unknown_tab_opens_the_default_one(client, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    client.force_login(social_worker)
    response = client.get(detail(household), {"onglet": "n-importe-quoi"})
    assert response.status_code == 200 and current_tab(response) == "accompagnement"


def test_a_refused_status_form_comes_back_on_the_situation_tab(client, ccas_manager):
    household = HouseholdFactory(status=Status.ACCOMPANIED)
    client.force_login(ccas_manager)
    response = client.post(
        reverse("households:change_status", args=[household.pk]),
        {"to_status": Status.EXITED, "reason": "  "},
    )
    assert response.status_code == 400
    assert current_tab(response) == "situation"
    assert response.context["status_form"].errors


def test_an_orientation_recorded_brings_back_to_its_tab(client, social_worker, household):
    from coordination.enums import PartnerCategory
    from coordination.models import Partner

    partner = Partner.objects.create(name="SIAO", category=PartnerCategory.SIGNALEMENT)
    client.force_login(social_worker)
    url = reverse("coordination:orientation_create", args=[household.pk])
    data = {"partner": partner.pk, "on": "2026-11-02", "reason": "Accès aux droits"}
    response = client.post(url, data)
    assert response.url == household.tab_url("orientations")
    page = client.get(response.url)
    assert current_tab(page) == "orientations" and "SIAO" in page.content.decode()
