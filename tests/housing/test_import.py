"""Stock import: preview writes nothing, apply is atomic, the reference makes it idempotent."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEntry
from households.enums import Quartier
from housing.models import Dwelling, DwellingImport

from .factories import DwellingFactory

pytestmark = pytest.mark.django_db

CSV = (
    "Référence;Adresse;Quartier;Typologie;Collectif;Étage;Ascenseur;Loyer;Charges;Disponible le;Bailleur\n"
    "CH-100;4 rue d'Auge;Vaucelles;T2;oui;3;non;312,50;58;01/12/2026;\n"
    "CH-101;8 place de la Guérinière;Guérinière;3;oui;RDC;non;355;70,5;2026-12-15;Caen habitat\n"
    "CH-102;2 rue de Bayeux;calvaire saint pierre;T4;non;0;non;1 020,00 €;90;;Inolya\n"
)
# The same file with a "Loué" column saying CH-100 is free.
CH_100_MARKED_FREE = CSV.replace("Bailleur\n", "Bailleur;Loué\n", 1).replace(
    ";\nCH-101", ";;non\nCH-101"
)


def upload(client, content, name="parc.csv"):
    return client.post(reverse("housing:import"), {"file": SimpleUploadedFile(name, content)})


def test_csv_preview_then_apply_then_idempotent(client, letting_officer):
    client.force_login(letting_officer)
    response = upload(client, CSV.encode("utf-8"))
    assert response.status_code == 302
    preview = DwellingImport.objects.get()
    assert not Dwelling.objects.exists()  # nothing written at preview
    page = client.get(response.url).content.decode()
    assert "3 logements à créer" in page and "1\u202f020,00" in page

    response = client.post(reverse("housing:import_apply", args=[preview.pk]))
    assert response.status_code == 302
    assert Dwelling.objects.count() == 3
    ch101 = Dwelling.objects.get(reference="CH-101")
    assert ch101.quartier == Quartier.GUERINIERE and ch101.typology == "T3" and ch101.floor == 0
    assert ch101.charges == Decimal("70.50")
    assert ch101.available_from == datetime.date(2026, 12, 15)
    ch102 = Dwelling.objects.get(reference="CH-102")
    assert (
        ch102.rent == Decimal("1020.00") and not ch102.is_collective and ch102.landlord == "Inolya"
    )
    assert Dwelling.objects.get(reference="CH-100").landlord == "Caen habitat"
    assert AuditEntry.objects.filter(action="import").count() == 1
    # Applying twice is refused.
    client.post(reverse("housing:import_apply", args=[preview.pk]))
    assert Dwelling.objects.count() == 3

    # The same file again: nothing changes.
    upload(client, CSV.encode("utf-8"))
    again = DwellingImport.objects.latest("pk")
    assert {row["action"] for row in again.rows} == {"unchanged"}
    client.post(reverse("housing:import_apply", args=[again.pk]))
    again.refresh_from_db()
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)

    # A changed rent updates that row only.
    upload(client, CSV.replace("312,50", "320").encode("utf-8"))
    changed = DwellingImport.objects.latest("pk")
    client.post(reverse("housing:import_apply", args=[changed.pk]))
    changed.refresh_from_db()
    assert (changed.created_count, changed.updated_count) == (0, 1)
    assert Dwelling.objects.get(reference="CH-100").rent == Decimal("320.00")


def test_file_with_errors_imports_nothing(client, letting_officer):
    DwellingFactory(reference="CH-100", rent=Decimal("300"))
    client.force_login(letting_officer)
    bad = CSV.replace("Vaucelles", "Paris 15e").replace("355", "trois cents")
    upload(client, bad.encode("utf-8"))
    preview = DwellingImport.objects.get()
    page = client.get(reverse("housing:import_detail", args=[preview.pk])).content.decode()
    assert (
        "Paris 15e" in page and "quartier de Caen" in page and "« trois cents » illisible" in page
    )
    assert "Confirmer l&#x27;import" not in page
    client.post(reverse("housing:import_apply", args=[preview.pk]))
    assert Dwelling.objects.count() == 1
    assert Dwelling.objects.get().rent == Decimal("300")


def test_missing_columns_and_wrong_format(client, letting_officer):
    client.force_login(letting_officer)
    response = upload(client, b"Reference;Adresse\nX;Y\n")
    assert "Colonnes obligatoires absentes" in response.content.decode()
    response = upload(client, b"hello", name="parc.txt")
    assert "CSV ou Excel" in response.content.decode()
    assert not DwellingImport.objects.exists()


def test_xlsx_import(client, letting_officer):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "reference",
            "adresse",
            "quartier",
            "typologie",
            "etage",
            "ascenseur",
            "loyer",
            "charges",
            "disponible le",
            "loue",
        ]
    )
    sheet.append(
        [
            "CH-200",
            "1 rue Saint-Jean",
            "Centre-ville",
            "T1",
            5,
            "oui",
            260.5,
            40,
            datetime.datetime(2027, 1, 3),
            "non",
        ]
    )
    sheet.append(
        ["CH-201", "9 rue de Bretagne", "Saint-Paul", "T5", 2, "non", 480, 110, None, "oui"]
    )
    data = io.BytesIO()
    workbook.save(data)
    client.force_login(letting_officer)
    upload(client, data.getvalue(), name="parc.xlsx")
    client.post(reverse("housing:import_apply", args=[DwellingImport.objects.get().pk]))
    ch200 = Dwelling.objects.get(reference="CH-200")
    assert ch200.rent == Decimal("260.50") and ch200.has_lift and ch200.floor == 5
    assert ch200.available_from == datetime.date(2027, 1, 3)
    assert Dwelling.objects.get(reference="CH-201").is_let


def test_import_is_for_letting_officers(client, social_worker, debt_officer):
    for user in (social_worker, debt_officer):
        client.force_login(user)
        assert upload(client, CSV.encode()).status_code == 403
    assert not DwellingImport.objects.exists()


def test_windows_excel_csv(client, letting_officer):
    """CSV saved by Excel under Windows: Windows-1252, semicolons (read by households/imports)."""
    client.force_login(letting_officer)
    upload(client, CSV.encode("cp1252"))
    client.post(reverse("housing:import_apply", args=[DwellingImport.objects.get().pk]))
    assert Dwelling.objects.get(reference="CH-101").address == "8 place de la Guérinière"


def test_a_dwelling_rehoused_in_the_programme_cannot_be_freed_by_an_import(client, letting_officer):
    from .factories import RehousingFactory

    rehousing = RehousingFactory(dwelling__reference="CH-100", dwelling__is_let=True)
    client.force_login(letting_officer)
    upload(client, CH_100_MARKED_FREE.encode())
    preview = DwellingImport.objects.latest("pk")
    assert [error["line"] for error in preview.errors] == [2]
    assert "attribué à un ménage du dispositif" in preview.errors[0]["errors"][0]
    assert client.post(reverse("housing:import_apply", args=[preview.pk])).status_code in (200, 302)
    rehousing.dwelling.refresh_from_db()
    assert rehousing.dwelling.is_let


def test_a_rehousing_recorded_after_the_preview_is_not_undone_by_the_apply(client, letting_officer):
    """The preview said CH-100 may be marked free; the dwelling is let to a household of the
    programme before the file is applied: the apply is refused (French message), nothing written."""
    from housing.models import Rehousing, Solution

    from .factories import admitted_household

    dwelling = DwellingFactory(reference="CH-100", is_let=False)
    client.force_login(letting_officer)
    upload(client, CH_100_MARKED_FREE.encode())
    preview = DwellingImport.objects.latest("pk")
    assert not preview.errors
    Rehousing.record(
        household=admitted_household(),
        by=letting_officer,
        solution=Solution.DIRECT,
        dwelling=dwelling,
        lease_start=datetime.date(2026, 11, 1),
    )
    response = client.post(reverse("housing:import_apply", args=[preview.pk]), follow=True)
    assert "un relogement a été enregistré dans le(s) logement(s) CH-100" in (
        response.content.decode()
    )
    dwelling.refresh_from_db()
    assert dwelling.is_let
    assert Dwelling.objects.count() == 1  # nothing of the file written
    preview.refresh_from_db()
    assert preview.status == "preview"
