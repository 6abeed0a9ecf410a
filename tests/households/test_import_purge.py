"""Uploaded lists left unconfirmed are deleted, file included, after IMPORT_PENDING_HOURS."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from households.models import Household, ImportBatch
from households.tasks import purge_abandoned_imports

FILES = Path(__file__).parent / "files"
pytestmark = pytest.mark.django_db


def upload_at(client, user, when, then=None):
    """Upload a list as `user` at `when`; `then` ("confirm" or "cancel") settles it at once."""
    name = "codesi_utf8_bom.csv"
    with time_machine.travel(when, tick=False):
        client.force_login(user)  # a fresh session: the idle timeout counts from now
        client.post(
            reverse("households:import"),
            {"source": "codesi", "file": SimpleUploadedFile(name, (FILES / name).read_bytes())},
        )
        batch = ImportBatch.objects.latest("pk")
        if then:
            client.post(reverse(f"households:import_{then}", args=[batch.pk]))
    client.force_login(user)
    return batch


def test_abandoned_preview_loses_its_file_and_row(client, settings, letting_officer):
    assert settings.IMPORT_PENDING_HOURS == 24
    now = timezone.now()
    confirmed = upload_at(client, letting_officer, now - timedelta(days=3), then="confirm")
    cancelled = upload_at(client, letting_officer, now - timedelta(days=3), then="cancel")
    old = upload_at(client, letting_officer, now - timedelta(hours=25))
    recent = upload_at(client, letting_officer, now - timedelta(hours=23))
    # The uploaded file is held in the batch row itself, never in MEDIA_ROOT.
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*"))
    assert bytes(old.content) == (FILES / "codesi_utf8_bom.csv").read_bytes()

    assert purge_abandoned_imports.apply().get() == 1

    assert not ImportBatch.objects.filter(pk=old.pk).exists()
    assert set(ImportBatch.objects.values_list("pk", flat=True)) == {
        recent.pk,
        confirmed.pk,
        cancelled.pk,
    }
    # The only file still stored is the recent preview's, which can still be confirmed.
    assert list(ImportBatch.objects.filter(content__isnull=False).values_list("pk", flat=True)) == [
        recent.pk
    ]
    assert ImportBatch.objects.get(pk=confirmed.pk).summary["created"] == 3
    assert Household.objects.count() == 3  # what the confirmed import wrote stays
    client.post(reverse("households:import_confirm", args=[recent.pk]))
    assert ImportBatch.objects.get(pk=recent.pk).state == ImportBatch.State.CONFIRMED
    # The purged preview is gone for its uploader too, who is told why, on the upload page.
    response = client.get(reverse("households:import_preview", args=[old.pk]), follow=True)
    assert response.redirect_chain == [(reverse("households:import"), 302)]
    assert "Cet aperçu d&#x27;import n&#x27;existe plus" in response.content.decode()
    assert "supprimé au bout de 24 heures" in response.content.decode()
    response = client.post(reverse("households:import_confirm", args=[old.pk]), follow=True)
    assert "Rien n&#x27;a été enregistré" in response.content.decode()
    assert Household.objects.count() == 3


def test_delay_is_a_setting(settings, letting_officer, client):
    settings.IMPORT_PENDING_HOURS = 2
    now = timezone.now()
    upload_at(client, letting_officer, now - timedelta(hours=3))
    kept = upload_at(client, letting_officer, now - timedelta(minutes=90))
    assert ImportBatch.objects.purge_abandoned() == 1
    assert list(ImportBatch.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(ImportBatch.objects.abandoned(now=now + timedelta(hours=1))) == [kept]


def test_preview_says_how_long_the_file_is_kept(client, settings, letting_officer):
    settings.IMPORT_PENDING_HOURS = 24
    batch = upload_at(client, letting_officer, timezone.now())
    body = client.get(reverse("households:import_preview", args=[batch.pk])).content.decode()
    assert "Sans confirmation, le fichier déposé est supprimé au bout de 24 heures." in body
