"""The CCAS manager, keyboard only: prepares the next cellule's agenda from the files the
pipeline proposes, adds a point of its own and publishes the agenda to the members. axe-core on
every page visited."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from coordination.models import Meeting
from households.enums import Public, Status
from tests.accompaniments.factories import AccompanimentFactory, SignalFactory
from tests.coordination.factories import DiagnosticFactory, MeetingFactory
from tests.e2e.conftest import PASSWORD, ending
from tests.e2e.keyboard import Keyboard, at_two_pm
from tests.factories import HouseholdFactory


@pytest.fixture
def next_cellule(ccas_manager, cellule_member, letting_officer, debt_officer):
    """A cellule in ten days, its agenda to prepare; in the pipeline, two households awaiting
    their level, one awaiting admission, one accompanied household signalled twice."""
    meeting = MeetingFactory(
        date=at_two_pm(days=10),
        members=[ccas_manager, cellule_member, letting_officer, debt_officer],
    )
    files = {}
    for last, public in [("Girard", Public.AHI_STRUCTURE), ("Lecomte", Public.EMERGENCY_SHELTER)]:
        files[last] = HouseholdFactory(
            status=Status.AWAITING_LEVEL,
            public=public,
            members=[{"first_name": "Sandrine", "last_name": last}],
        )
    files["Perrin"] = HouseholdFactory(
        status=Status.AWAITING_ADMISSION, members=[{"first_name": "Yannick", "last_name": "Perrin"}]
    )
    DiagnosticFactory(household=files["Perrin"], level=2)
    files["Hamel"] = HouseholdFactory(
        status=Status.ACCOMPANIED, members=[{"first_name": "Inès", "last_name": "Hamel"}]
    )
    AccompanimentFactory(household=files["Hamel"])
    SignalFactory.create_batch(2, household=files["Hamel"])
    return meeting, files


def test_manager_publishes_the_next_cellule_agenda_with_the_keyboard(
    page, check_axe, screenshot, ccas_manager, next_cellule
):
    meeting, files = next_cellule
    keys = Keyboard(page)
    keys.log_in(ccas_manager.email, PASSWORD, check_axe)
    check_axe(page)
    # From the menu of any page to the cellule's calendar.
    keys.tab_to(page.get_by_role("link", name="Cellule", exact=True))
    keys.follow()
    expect(page).to_have_url(ending("/cellule/"))
    check_axe(page)
    screenshot(page, "manager-1-cellules")
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name=meeting.label))
    keys.follow()
    check_axe(page)
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name="Préparer l'ordre du jour"))
    keys.follow()

    # The files the pipeline proposes, all ticked: Lecomte's waits for the next cellule.
    expect(page.get_by_role("heading", name=f"Ordre du jour — {meeting.label}")).to_be_visible()
    check_axe(page)
    screenshot(page, "manager-2-agenda-proposals")
    keys.skip_to_content()
    later = page.get_by_label(f"{files['Lecomte'].reference} — ", exact=False)
    keys.tab_to(later)
    expect(later).to_be_checked()
    keys.press("Space")
    expect(later).not_to_be_checked()
    keys.tab_to(page.get_by_role("button", name="Inscrire les dossiers cochés"))
    keys.follow()
    expect(page.get_by_role("status").first).to_contain_text("3 points inscrits.")
    check_axe(page)

    # A point of its own, typed then sent with Enter.
    keys.skip_to_content()
    keys.tab_to(page.get_by_label("Intitulé du point"))
    keys.type("Calendrier des cellules du premier semestre")
    keys.follow()
    expect(page.get_by_role("status").first).to_contain_text("Point ajouté.")
    check_axe(page)
    screenshot(page, "manager-3-agenda-ready")
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("button", name="Publier l'ordre du jour"))
    mail.outbox.clear()
    keys.follow()

    # Published: the members are told, and read the agenda on the meeting's page.
    expect(page).to_have_url(ending(meeting.get_absolute_url(), query=True))
    expect(page.get_by_role("status").first).to_contain_text("Ordre du jour publié")
    for last in ("Girard", "Perrin", "Hamel"):
        expect(
            page.get_by_role("cell", name=f"{files[last].reference} — ", exact=False)
        ).to_be_visible()
    expect(
        page.get_by_role("cell", name="Calendrier des cellules du premier semestre")
    ).to_be_visible()
    assert files["Lecomte"].reference not in page.content()
    check_axe(page)
    screenshot(page, "manager-4-agenda-published")
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.is_published and meeting.agenda_published_by == ccas_manager
    assert meeting.items.count() == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in meeting.members.all())
