"""The State's reader (DDCS / Département), keyboard only: opens the approved minutes of the
cellule and downloads them, then this year's bilan; both PDFs name no household. axe-core on
every page visited."""

import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from coordination.actions import do_record_decision
from coordination.enums import ItemKind, Outcome
from households.enums import Public, Status
from tests.coordination.factories import AgendaItemFactory, DiagnosticFactory, MeetingFactory
from tests.e2e.conftest import PASSWORD, ending
from tests.e2e.keyboard import Keyboard, at_two_pm, squeeze
from tests.factories import HouseholdFactory


@pytest.fixture
def approved_minutes(settings, ccas_manager, cellule_member, letting_officer, debt_officer):
    """Last month's cellule, held, decided and its minutes approved (a real PDF)."""
    settings.DDCS_MINUTES_RECIPIENTS = []
    members = [ccas_manager, cellule_member, letting_officer, debt_officer]
    meeting = MeetingFactory(
        date=at_two_pm(days=-20),
        agenda_published_at=timezone.now() - datetime.timedelta(days=27),
        members=members,
    )
    meeting.attendees.set(members)
    level = HouseholdFactory(
        status=Status.AWAITING_LEVEL,
        public=Public.EMERGENCY_SHELTER,
        members=[{"first_name": "Mathilde", "last_name": "Vasseur"}],
    )
    admission = HouseholdFactory(
        status=Status.AWAITING_ADMISSION,
        members=[{"first_name": "Ousmane", "last_name": "Traoré"}],
    )
    DiagnosticFactory(household=admission, level=2, proposed_axes=["budget.choices"])
    first = AgendaItemFactory(meeting=meeting, kind=ItemKind.LEVEL, household=level)
    second = AgendaItemFactory(meeting=meeting, kind=ItemKind.ADMISSION, household=admission)
    do_record_decision(first, by=cellule_member, outcome=Outcome.LEVEL, level=3)
    do_record_decision(second, by=cellule_member, outcome=Outcome.ADMITTED)
    meeting.approve_minutes(by=ccas_manager)
    return meeting, [level, admission]


def pdf_text(path):
    data = open(path, "rb").read()
    assert data.startswith(b"%PDF"), data[:20]
    return squeeze(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def assert_names_no_one(text, households):
    for household in households:
        for person in household.members.all():
            assert person.last_name.lower() not in text.lower(), person.last_name
            assert person.first_name.lower() not in text.lower(), person.first_name


def test_state_reader_downloads_minutes_and_bilan_with_the_keyboard(
    page, check_axe, screenshot, state_reader, approved_minutes
):
    meeting, households = approved_minutes
    keys = Keyboard(page)
    keys.log_in(state_reader.email, PASSWORD, check_axe)
    expect(page).to_have_url(ending("/cellule/"))
    expect(
        page.get_by_role("heading", name="Comptes rendus de la cellule de coordination")
    ).to_be_visible()
    check_axe(page)
    screenshot(page, "state-reader-1-minutes")
    content = page.content()
    assert_names_no_one(content, households)
    assert households[0].reference not in content

    # The minutes: a PDF, downloaded with Enter, households by reference and initials only.
    keys.skip_to_content()
    day = f"{meeting.local_date:%d/%m/%Y}"
    keys.tab_to(page.get_by_role("link", name=f"Télécharger le compte rendu du {day} (PDF)"))
    text = pdf_text(keys.download().path())
    assert f"Compte rendu de la cellule de coordination du {day}" in text
    for household in households:
        assert household.reference in text, text
        assert household.initials in text
    assert_names_no_one(text, households)

    # This year's bilan, from the menu.
    keys.tab_to(page.get_by_role("link", name="Bilans", exact=True), backwards=True)
    keys.follow()
    expect(page.get_by_role("heading", name="Bilans annuels du dispositif")).to_be_visible()
    check_axe(page)
    screenshot(page, "state-reader-2-bilans")
    year = timezone.localdate().year
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name=f"Bilan {year} provisoire (PDF)"))
    download = keys.download()
    assert download.suggested_filename == f"bilan-logement-accompagne-{year}.pdf"
    text = pdf_text(download.path())
    assert f"Bilan du dispositif « Logement accompagné » — Année {year}" in text
    assert_names_no_one(text, households)
