"""Web import: upload → preview (nothing written) → confirm (everything, at once) or cancel."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Action, AuditEntry
from households.enums import Status
from households.models import (
    Household,
    HouseholdSource,
    ImportBatch,
    PossibleDuplicate,
    StatusChange,
)

FILES = Path(__file__).parent / "files"
pytestmark = pytest.mark.django_db
URL = reverse("households:import")


def upload(client, source, name, content=None):
    content = (FILES / name).read_bytes() if content is None else content
    return client.post(URL, {"source": source, "file": SimpleUploadedFile(name, content)})


def households_untouched():
    return not (
        Household.objects.exists()
        or HouseholdSource.objects.exists()
        or StatusChange.objects.exists()
        or AuditEntry.objects.filter(action=Action.IMPORT).exists()
    )


def test_form_page(client, letting_officer):
    client.force_login(letting_officer)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Importer une liste prioritaire" in body
    assert "CCAPEX" in body and "date_naissance" in body


def test_upload_then_preview_writes_nothing(client, letting_officer):
    client.force_login(letting_officer)
    response = upload(client, "ccapex", "ccapex_rejected.csv")
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("households:import_preview", args=[batch.pk])
    assert batch.state == ImportBatch.State.PENDING
    assert bytes(batch.content) == (FILES / "ccapex_rejected.csv").read_bytes()
    assert batch.uploaded_by == letting_officer
    response = client.get(response.url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Rien n'est encore enregistré" in body
    assert "1 à créer" in body and "4 rejetée(s)" in body
    assert "Ligne 3, colonne « date_naissance » : la date « 31/02/1980 » n&#x27;existe pas." in body
    assert "Ligne 5, colonne « nom » : valeur obligatoire manquante." in body
    assert households_untouched()


def test_confirm_writes_everything_with_history_and_audit(client, letting_officer):
    client.force_login(letting_officer)
    upload(client, "codesi", "codesi_utf8_bom.csv")
    batch = ImportBatch.objects.get()
    response = client.post(reverse("households:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert Household.objects.count() == 3
    assert (
        StatusChange.objects.filter(to_status=Status.PRESELECTED, by=letting_officer).count() == 3
    )
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.CONFIRMED
    assert batch.content is None
    assert batch.summary["created"] == 3
    imports = AuditEntry.objects.filter(action=Action.IMPORT, actor=letting_officer)
    assert imports.filter(household_id__isnull=False).count() == 3
    assert imports.filter(object_type="households.ImportBatch").count() == 1
    page = client.get(response.url).content.decode()
    assert "Import enregistré" in page
    household = Household.objects.get(sources__reference="LAP-001")
    assert household.reference in page and "Amandine LEFÈVRE" in page
    assert f'href="{reverse("households:detail", args=[household.pk])}"' in page


def test_preview_shows_merges_updates_and_possible_duplicates(client, letting_officer):
    client.force_login(letting_officer)
    upload(client, "codesi", "codesi_utf8_bom.csv")
    client.post(reverse("households:import_confirm", args=[ImportBatch.objects.get().pk]))
    original = Household.objects.get(sources__reference="LAP-001")
    upload(client, "dalo", "dalo_comma.csv")
    batch = ImportBatch.objects.filter(state="pending").get()
    body = client.get(reverse("households:import_preview", args=[batch.pk])).content.decode()
    assert "2 à créer" in body and "1 à rattacher" in body
    assert "Doublon possible" in body and original.reference in body
    assert not PossibleDuplicate.objects.exists()
    # The stored households the preview shows are in the access log, once each.
    merged = Household.objects.get(sources__reference="LAP-002")
    viewed = AuditEntry.objects.filter(action=Action.VIEW, label="Aperçu d'import")
    assert sorted(viewed.values_list("household_id", flat=True)) == sorted([original.pk, merged.pk])
    assert {e.actor for e in viewed} == {letting_officer}
    client.post(reverse("households:import_confirm", args=[batch.pk]))
    assert PossibleDuplicate.objects.get().other == original


def test_confirm_twice_writes_once(client, letting_officer):
    client.force_login(letting_officer)
    upload(client, "codesi", "codesi_utf8_bom.csv")
    url = reverse("households:import_confirm", args=[ImportBatch.objects.get().pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "déjà été confirmé" in response.content.decode()
    assert Household.objects.count() == 3
    assert AuditEntry.objects.filter(object_type="households.ImportBatch").count() == 1


def test_cancel_writes_nothing_and_drops_the_file(client, ccas_manager):
    client.force_login(ccas_manager)
    upload(client, "codesi", "codesi_utf8_bom.csv")
    batch = ImportBatch.objects.get()
    response = client.post(reverse("households:import_cancel", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.CANCELLED and batch.content is None
    assert batch.preview == {}  # nor the names the preview listed
    client.post(reverse("households:import_confirm", args=[batch.pk]))
    assert households_untouched()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.csv", b"", "est vide"),
        (
            "photo.png",
            b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4,
            "pas un tableau lisible",
        ),
        ("missing_columns.csv", None, "obligatoires absentes"),
    ],
    ids=["empty", "binary", "missing-columns"],
)
def test_not_a_table_is_explained_next_to_the_field(
    client, letting_officer, name, content, message
):
    client.force_login(letting_officer)
    response = upload(client, "comite", name, content)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'value="comite" selected' in body  # the form keeps the chosen list
    assert not ImportBatch.objects.exists()
    assert households_untouched()


def test_outsiders_cannot_upload_preview_or_confirm(client, social_worker, letting_officer):
    client.force_login(letting_officer)
    upload(client, "codesi", "codesi_utf8_bom.csv")
    batch = ImportBatch.objects.get()
    client.force_login(social_worker)
    assert client.get(URL).status_code == 403
    assert upload(client, "codesi", "codesi_utf8_bom.csv").status_code == 403
    assert client.get(reverse("households:import_preview", args=[batch.pk])).status_code == 403
    assert client.post(reverse("households:import_confirm", args=[batch.pk])).status_code == 403
    assert client.post(reverse("households:import_cancel", args=[batch.pk])).status_code == 403
    assert ImportBatch.objects.get().state == ImportBatch.State.PENDING
    assert households_untouched()


def test_confirm_and_cancel_are_post_only(client, letting_officer):
    client.force_login(letting_officer)
    upload(client, "codesi", "codesi_utf8_bom.csv")
    batch = ImportBatch.objects.get()
    assert client.get(reverse("households:import_confirm", args=[batch.pk])).status_code == 405
    assert client.get(reverse("households:import_cancel", args=[batch.pk])).status_code == 405
    assert households_untouched()


def test_unknown_batch_sends_back_to_the_upload_page(client, letting_officer):
    client.force_login(letting_officer)
    for response in (
        client.get(reverse("households:import_preview", args=[999999])),
        client.post(reverse("households:import_confirm", args=[999999])),
        client.post(reverse("households:import_cancel", args=[999999])),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("households:import")
    assert households_untouched()


def _list(n):
    lines = ["reference;nom;prenom;date_naissance;public"]
    lines += [f"R-{i};Nom{i};Prénom{i};01/01/1980;DALO" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_preview_query_count_does_not_grow_with_rows(client, letting_officer):
    client.force_login(letting_officer)
    counts = []
    for size in (3, 30):
        # Import once so the preview has existing households to compare with, then preview again.
        upload(client, "dalo", f"liste{size}.csv", _list(size))
        client.post(
            reverse("households:import_confirm", args=[ImportBatch.objects.latest("pk").pk])
        )
        upload(client, "dalo", f"liste{size}.csv", _list(size).replace(b";DALO", b";ALT"))
        url = reverse("households:import_preview", args=[ImportBatch.objects.latest("pk").pk])
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert f"{size} à mettre à jour" in response.content.decode()
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]


def test_preview_of_a_changed_list_lists_each_change(client, letting_officer):
    client.force_login(letting_officer)
    upload(client, "codesi", "codesi_utf8_bom.csv")
    client.post(reverse("households:import_confirm", args=[ImportBatch.objects.get().pk]))
    household = Household.objects.get(sources__reference="LAP-002")
    changed = (FILES / "codesi_utf8_bom.csv").read_bytes().replace(b";1;0141", b";4;0141")
    upload(client, "codesi", "codesi.csv", changed)
    batch = ImportBatch.objects.filter(state="pending").get()
    body = client.get(reverse("households:import_preview", args=[batch.pk])).content.decode()
    assert "1 à mettre à jour" in body and "2 inchangée(s)" in body
    assert "nombre de personnes : 1 → 4" in body
    assert household.reference in body
    household.refresh_from_db()
    assert household.declared_size == 1  # still nothing written


def test_the_household_list_links_to_the_import_for_importers_only(
    client, letting_officer, social_worker
):
    client.force_login(letting_officer)
    assert f'href="{URL}"' in client.get(reverse("households:list")).content.decode()
    client.force_login(social_worker)
    assert f'href="{URL}"' not in client.get(reverse("households:list")).content.decode()


# --- letting officers write households in preselection only (docs/access.md) -----------------

DALO_LIST = (
    "reference;nom;prenom;date_naissance;telephone\n"
    "D-1;Durand;Inès;12/04/1985;02 31 11 11 11\n"
    "D-2;Petit;Louis;03/09/1979;02 31 22 22 22\n"
    "D-3;Moreau;Jade;21/06/1992;\n"
).encode()


@pytest.fixture
def known():
    """Two households the DALO list names: one accompanied, one still preselected."""
    from tests.factories import HouseholdFactory

    accompanied = HouseholdFactory(
        status=Status.ACCOMPANIED,
        members=[{"last_name": "Durand", "first_name": "Inès", "birth_date": "1985-04-12"}],
    )
    preselected = HouseholdFactory(
        status=Status.AWAITING_LEVEL,
        members=[{"last_name": "Petit", "first_name": "Louis", "birth_date": "1979-09-03"}],
    )
    return accompanied, preselected


def test_letting_officer_import_leaves_households_past_preselection_alone(
    client, letting_officer, known
):
    accompanied, preselected = known
    client.force_login(letting_officer)
    upload(client, "dalo", "dalo.csv", DALO_LIST)
    batch = ImportBatch.objects.get()
    body = client.get(reverse("households:import_preview", args=[batch.pk])).content.decode()
    assert "1 à créer" in body and "1 à rattacher" in body and "1 rejetée(s)" in body
    assert (
        f"Ligne 2 : ce ménage est déjà connu ({accompanied.reference}) et n&#x27;est plus en "
        "présélection (statut « Accompagnement en cours ») ; vous ne pouvez plus modifier son "
        "identité. La ligne n&#x27;est pas importée : la direction du CCAS peut l&#x27;importer."
    ) in body

    client.post(reverse("households:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.CONFIRMED
    assert [r["line"] for r in batch.summary["rejected"]] == [2]
    accompanied.refresh_from_db()
    assert accompanied.phone == "" and not accompanied.sources.exists()
    preselected.refresh_from_db()
    assert preselected.phone == "02 31 22 22 22"
    assert list(preselected.sources.values_list("reference", flat=True)) == ["D-2"]
    assert HouseholdSource.objects.get(reference="D-3").household.status == Status.PRESELECTED


def test_the_ccas_manager_imports_the_row_a_letting_officer_could_not(
    client, letting_officer, ccas_manager, known
):
    accompanied, _ = known
    client.force_login(letting_officer)
    upload(client, "dalo", "dalo.csv", DALO_LIST)
    client.post(reverse("households:import_confirm", args=[ImportBatch.objects.get().pk]))
    client.force_login(ccas_manager)
    upload(client, "dalo", "dalo.csv", DALO_LIST)
    batch = ImportBatch.objects.get(state=ImportBatch.State.PENDING)
    body = client.get(reverse("households:import_preview", args=[batch.pk])).content.decode()
    assert "1 à rattacher" in body and "0 rejetée(s)" in body
    client.post(reverse("households:import_confirm", args=[batch.pk]))
    accompanied.refresh_from_db()
    assert accompanied.phone == "02 31 11 11 11"
    assert list(accompanied.sources.values_list("reference", flat=True)) == ["D-1"]


def test_letting_officer_cannot_update_a_household_that_moved_on(client, letting_officer):
    client.force_login(letting_officer)
    upload(client, "dalo", "dalo.csv", DALO_LIST)
    client.post(reverse("households:import_confirm", args=[ImportBatch.objects.get().pk]))
    household = HouseholdSource.objects.get(reference="D-3").household
    household.status = Status.DIAGNOSTIC
    household.save(update_fields=["status"])
    upload(client, "dalo", "dalo.csv", DALO_LIST.replace(b"1992;", b"1992;06 12 34 56 78"))
    batch = ImportBatch.objects.get(state=ImportBatch.State.PENDING)
    client.post(reverse("households:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.summary["updated"] == 0 and batch.summary["unchanged"] == 2
    assert [r["line"] for r in batch.summary["rejected"]] == [4]
    assert "Diagnostic en cours" in batch.summary["rejected"][0]["errors"][0]
    household.refresh_from_db()
    assert household.phone == ""
