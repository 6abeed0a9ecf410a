"""A member of the cellule (Caen habitat), keyboard only: opens the next cellule's agenda,
reads the syntheses of the households on it, downloads the pre-read pack to read before the
meeting. axe-core on every page visited."""

import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from coordination.enums import ItemKind
from households.enums import Public, Status
from tests.coordination.factories import AgendaItemFactory, DiagnosticFactory, MeetingFactory
from tests.e2e.conftest import PASSWORD, ending
from tests.e2e.keyboard import Keyboard, at_two_pm, squeeze
from tests.factories import HouseholdFactory


@pytest.fixture
def next_cellule(ccas_manager, cellule_member, letting_officer, debt_officer):
    """Next week's cellule, its agenda published: a level to choose, an admission to examine."""
    meeting = MeetingFactory(
        date=at_two_pm(days=7),
        agenda_published_at=timezone.now() - datetime.timedelta(days=1),
        members=[ccas_manager, cellule_member, letting_officer, debt_officer],
    )
    level = HouseholdFactory(
        status=Status.AWAITING_LEVEL,
        public=Public.AHI_STRUCTURE,
        members=[{"first_name": "Rachid", "last_name": "Benhamou"}],
    )
    admission = HouseholdFactory(
        status=Status.AWAITING_ADMISSION,
        public=Public.THIRD_PARTY,
        members=[{"first_name": "Élodie", "last_name": "Carpentier"}],
    )
    DiagnosticFactory(
        household=admission,
        level=2,
        proposed_axes=["budget.choices", "housing_path.no_experience"],
    )
    AgendaItemFactory(
        meeting=meeting, kind=ItemKind.LEVEL, household=level, reason="Niveau suggéré : 1"
    )
    AgendaItemFactory(
        meeting=meeting,
        kind=ItemKind.ADMISSION,
        household=admission,
        reason="Diagnostic transmis à la cellule",
    )
    return meeting, [level, admission]


def test_cellule_member_reads_the_next_agenda_with_the_keyboard(
    page, check_axe, screenshot, cellule_member, next_cellule
):
    meeting, households = next_cellule
    keys = Keyboard(page)
    keys.log_in(cellule_member.email, PASSWORD, check_axe)
    expect(page).to_have_url(ending("/cellule/"))
    check_axe(page)
    screenshot(page, "cellule-member-1-cellules")
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name=meeting.label))
    keys.follow()

    # The agenda, each household by file reference and initials.
    expect(page.get_by_role("heading", name=meeting.label)).to_be_visible()
    for household in households:
        expect(
            page.get_by_role("cell", name=f"{household.reference} — {household.initials}")
        ).to_be_visible()
    check_axe(page)
    screenshot(page, "cellule-member-2-agenda")
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name="Synthèses à lire avant la réunion"))
    keys.follow()

    # The syntheses: the diagnostic's level and obstacles, never a name.
    expect(page).to_have_url(ending(f"/cellule/{meeting.pk}/pre-lecture/"))
    for household in households:
        expect(
            page.get_by_role("heading", name=f"{household.reference} — {household.initials}")
        ).to_be_visible()
    check_axe(page)
    screenshot(page, "cellule-member-3-preread")
    content = page.content()
    for household in households:
        for person in household.members.all():
            assert person.last_name not in content and person.first_name not in content

    # The pack, to read on the way: a PDF, downloaded with Enter.
    keys.skip_to_content()
    keys.tab_to(page.get_by_role("link", name="Télécharger le dossier de pré-lecture (PDF)"))
    download = keys.download()
    assert download.suggested_filename == f"pre-lecture-cellule-{meeting.local_date:%Y-%m-%d}.pdf"
    data = open(download.path(), "rb").read()
    assert data.startswith(b"%PDF")
    text = squeeze(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    for household in households:
        assert household.reference in text
        for person in household.members.all():
            assert person.last_name not in text and person.first_name not in text
