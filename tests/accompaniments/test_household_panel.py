"""The block the household page includes: templates/accompaniments/_household_accompaniment.html."""

import datetime

import pytest
from django.template.loader import render_to_string

from accompaniments.models import ContactKind
from households.enums import Status
from tests.factories import HouseholdFactory

from .factories import AccompanimentFactory, ContactFactory


def render(household, user):
    return render_to_string(
        "accompaniments/_household_accompaniment.html", {"household": household, "user": user}
    )


@pytest.mark.django_db
def test_panel_shows_cadence_and_compliance(social_worker):
    today = datetime.date.today()
    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED),
        start=today - datetime.timedelta(days=70),
    )
    ContactFactory(accompaniment=acc, kind=ContactKind.HOME_VISIT)
    html = render(acc.household, social_worker)
    # Two months over without a visit, the running one with today's visit: 1 of 3.
    assert "mois avec une visite à domicile 33\u00a0%" in html
    # Four fortnights over without contact, the running one with a contact: 1 of 5.
    assert "quinzaines avec un contact 20\u00a0%" in html
    assert "À jour" in html


@pytest.mark.django_db
def test_panel_offers_start_to_the_referent_of_an_admitted_household(social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ADMITTED)
    assert "Commencer l'accompagnement" in render(household, social_worker)


@pytest.mark.django_db
def test_panel_for_caen_habitat_only_offers_a_signal(tenancy_officer, social_worker):
    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED, tenant=True)
    )
    html = render(acc.household, tenancy_officer)
    assert "Faire un signalement" in html
    assert "visite à domicile" not in html


@pytest.mark.django_db
def test_household_file_page_shows_compliance_over_the_accompaniment(client, social_worker):
    import time_machine
    from django.urls import reverse

    with time_machine.travel(datetime.datetime(2027, 3, 15, 10, tzinfo=datetime.UTC), tick=False):
        acc = AccompanimentFactory(
            household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED),
            start=datetime.date(2027, 1, 4),
            planned_end=datetime.date(2027, 10, 4),
        )
        ContactFactory(
            accompaniment=acc,
            kind=ContactKind.HOME_VISIT,
            at=datetime.datetime(2027, 1, 10, 9, tzinfo=datetime.UTC),
        )
        client.force_login(social_worker)
        page = client.get(reverse("households:detail", args=[acc.household.pk]))
    text = page.content.decode()
    # Months 4/1–3/2 (visit) and 4/2–3/3 (none) are over; the running month is not held
    # against anyone: 1 of 2. Fortnights over: 4/1, 19/1, 3/2, 18/2 — one with a contact.
    assert "mois avec une visite à domicile 50\u00a0%" in text
    assert "quinzaines avec un contact 25\u00a0%" in text
    assert "En retard" in text
