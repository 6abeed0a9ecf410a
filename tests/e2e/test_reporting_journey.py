"""The DDCS reader's journey (issue 12): the dashboard, the yearly bilan in PDF, the cellule's
minutes; never a household. With axe on the dashboard and on /bilans/."""

import datetime
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from coordination.models import Minutes
from tests.coordination.factories import MeetingFactory
from tests.reporting.world import build

pytestmark = pytest.mark.e2e


@pytest.fixture
def e2e_settings(settings):
    settings.AXES_ENABLED = False


def test_the_state_reader_reads_aggregates_bilans_and_minutes_but_no_household(
    e2e_settings, page, login_as, check_axe, state_reader, social_worker, ccas_manager
):
    world = build(social_worker)
    meeting = MeetingFactory(
        date=timezone.now() - datetime.timedelta(days=20),
        agenda_published_at=timezone.now() - datetime.timedelta(days=27),
        minutes_approved_at=timezone.now() - datetime.timedelta(days=19),
    )
    minutes = Minutes(meeting=meeting, number=1, approved_by=ccas_manager)
    minutes.pdf.save("cr.pdf", ContentFile(b"%PDF-1.4 compte rendu"), save=False)
    minutes.save()

    login_as(state_reader)
    page.get_by_role("link", name="Tableau de bord").click()
    page.get_by_label("Année").fill("2025")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_text("Année 2025 — comparé à : Année 2024")).to_be_visible()
    expect(page.get_by_role("heading", name="Origine des ménages")).to_be_visible()
    expect(page.get_by_text("« < 5 »")).to_be_visible()
    assert world.h1.reference not in page.content()
    assert page.locator("a[href*='/tableaux-de-bord/menages/']").count() == 0
    check_axe(page)
    # The figures are a snapshot, its time shown; the button computes them again.
    when = re.compile(r"Chiffres calculés le \d\d/\d\d/\d{4} à \d\d:\d\d")
    expect(page.get_by_text(when)).to_be_visible()
    page.get_by_role("button", name="Actualiser les chiffres").click()
    expect(page.get_by_text("Chiffres recalculés.")).to_be_visible()
    expect(page.get_by_text("Année 2025 — comparé à : Année 2024")).to_be_visible()
    expect(page.get_by_text("« < 5 »")).to_be_visible()

    page.get_by_role("link", name="Bilans", exact=True).first.click()
    check_axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bilan 2025 provisoire (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "bilan-logement-accompagne-2025.pdf"
    content = open(download.path(), "rb").read()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Bilan du dispositif « Logement accompagné » — Année 2025" in text
    assert world.h1.display_name not in text

    page.get_by_role("link", name="Comptes rendus de la cellule").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le compte rendu").first.click()
    assert open(download_info.value.path(), "rb").read().startswith(b"%PDF")

    response = page.goto(f"/menages/{world.h1.pk}/")
    assert response.status == 403
    response = page.goto("/tableaux-de-bord/menages/?tableau=households.origin&ligne=eviction")
    assert response.status == 403
