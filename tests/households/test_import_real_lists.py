"""Real lists (issue 10, point 6): a CODESI list as partners send it — no `public` column, an
« Hébergement » column — imports with the public derived where it is unambiguous, else « à
qualifier » (flagged in the preview, filterable on /menages/, kept off cellule agendas until
qualified); SNE numbers stay the 18-character text they are, from CSV and XLSX."""

import html
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from coordination.agenda import propose
from coordination.enums import ItemKind
from coordination.models import Meeting
from households.enums import Public, Status
from households.forms import HouseholdForm
from households.imports.plan import build_plan
from households.models import Household, ImportBatch

pytestmark = pytest.mark.django_db

CODESI = (
    "Référence;Nom;Prénom;Date de naissance;Numéro unique SNE;Hébergement\r\n"
    "LAP-1;Martin;Lucie;12/03/1985;014122500012345678;CHRS Le Cap\r\n"
    "LAP-2;Bernard;Hélène;01/02/1990;014122500012345679;Hôtel\r\n"
    "LAP-3;Petit;Noé;05/06/1978;;Hébergé chez un tiers\r\n"
    "LAP-4;Durand;Zoé;07/08/1992;;ALT depuis 2025\r\n"
    "LAP-5;Leroy;Anaïs;09/10/1988;;CHRS puis hôtel\r\n"
    "LAP-6;Moreau;Inès;11/12/1995;;\r\n"
).encode("cp1252")


def upload(client, content, name="codesi.csv", source="codesi"):
    return client.post(
        reverse("households:import"),
        {"source": source, "file": SimpleUploadedFile(name, content)},
    )


def test_codesi_list_without_public_column_imports_with_derived_or_to_qualify(
    client, letting_officer
):
    client.force_login(letting_officer)
    response = upload(client, CODESI)
    assert response.status_code == 302
    preview = html.unescape(client.get(response.url).content.decode())
    assert "6 à créer" in preview and "rejetée" not in preview.split("à créer")[0][-200:]
    # Flagged in the preview, with what the accommodation said.
    assert preview.count("public à choisir sur la fiche avant la cellule") == 3
    assert "hébergement « CHRS puis hôtel »" in preview
    batch = ImportBatch.objects.get()
    client.post(reverse("households:import_confirm", args=[batch.pk]))
    publics = {
        h.members.get().last_name: h.public for h in Household.objects.prefetch_related("members")
    }
    assert publics == {
        "Martin": Public.AHI_STRUCTURE,
        "Bernard": Public.EMERGENCY_SHELTER,
        "Petit": Public.THIRD_PARTY,
        "Durand": Public.TO_QUALIFY,  # ALT: the year in ALT does not read in it
        "Leroy": Public.TO_QUALIFY,  # two publics
        "Moreau": Public.TO_QUALIFY,  # nothing said
    }
    assert Household.objects.get(sne_number="014122500012345678").accommodation == "CHRS Le Cap"


def test_to_qualify_is_filterable_on_the_list(client, letting_officer):
    client.force_login(letting_officer)
    upload(client, CODESI)
    client.post(reverse("households:import_confirm", args=[ImportBatch.objects.get().pk]))
    response = client.get(reverse("households:list"), {"public": Public.TO_QUALIFY})
    listed = {h.pk for h in response.context["page"].object_list}
    assert listed == set(
        Household.objects.filter(public=Public.TO_QUALIFY).values_list("pk", flat=True)
    )
    assert len(listed) == 3


def test_to_qualify_stays_off_agendas_until_qualified(ccas_manager, letting_officer):
    build_plan(CODESI, "codesi.csv", "codesi", letting_officer).apply(by=letting_officer)
    unqualified = Household.objects.filter(public=Public.TO_QUALIFY).first()
    meeting = Meeting.objects.create(date=timezone.now() + timezone.timedelta(days=10))
    proposed = {p.household.pk for p in propose(meeting)[ItemKind.LEVEL]}
    assert unqualified.pk not in proposed and len(proposed) == 3
    with pytest.raises(ValidationError, match="à qualifier"):
        meeting.add_item(kind=ItemKind.LEVEL, household=unqualified, by=ccas_manager)
    unqualified.refresh_from_db()
    assert unqualified.status == Status.PRESELECTED and not meeting.items.exists()
    # The identity form does not offer « à qualifier »: saving it qualifies the public.
    form = HouseholdForm(instance=unqualified)
    assert Public.TO_QUALIFY not in [value for value, _ in form.fields["public"].choices]
    unqualified.public = Public.THIRD_PARTY
    unqualified.save(update_fields=["public"])
    meeting.add_item(kind=ItemKind.LEVEL, household=unqualified, by=ccas_manager)
    unqualified.refresh_from_db()
    assert unqualified.status == Status.AWAITING_LEVEL


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_sne_numbers_stay_18_characters_from_xlsx_and_csv(letting_officer):
    content = xlsx(
        [
            ["reference", "nom", "prenom", "numero_unique", "public"],
            ["X-1", "Martin", "Lucie", 14122500012345, "CHRS"],  # a number cell: zeros lost
            ["X-2", "Petit", "Noé", "014122500012345679", "CHRS"],  # a text cell
        ]
    )
    plan = build_plan(content, "liste.xlsx", "codesi", letting_officer)
    assert [p.row.sne_number for p in plan.planned] == ["000014122500012345", "014122500012345679"]
    plan = build_plan(CODESI, "codesi.csv", "codesi", letting_officer)
    assert plan.planned[0].row.sne_number == "014122500012345678"
