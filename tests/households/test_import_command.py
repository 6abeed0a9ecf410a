"""`manage.py import_list`: what it writes, what it refuses, and what it prints."""

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from openpyxl import Workbook

from audit.models import Action, AuditEntry
from households.enums import Public, Source, Status
from households.imports.plan import build_plan
from households.models import (
    Household,
    HouseholdSource,
    ImportBatch,
    Person,
    PossibleDuplicate,
    StatusChange,
)
from tests.conftest import require_postgresql

FILES = Path(__file__).parent / "files"
pytestmark = pytest.mark.django_db


def run(source, path, *args):
    out = StringIO()
    call_command("import_list", "--source", source, str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def snapshot():
    """Everything an import may write about households, to prove a second run changes nothing."""
    return (
        list(Household.objects.order_by("pk").values()),
        list(Person.objects.order_by("pk").values()),
        list(HouseholdSource.objects.order_by("pk").values()),
        list(StatusChange.objects.order_by("pk").values()),
        list(PossibleDuplicate.objects.order_by("pk").values()),
    )


def nothing_written():
    return not (
        Household.objects.exists()
        or HouseholdSource.objects.exists()
        or ImportBatch.objects.exists()
        or AuditEntry.objects.exists()
    )


def test_json_shape_with_rejected_rows():
    result = run("ccapex", FILES / "ccapex_rejected.csv")
    assert list(result) == ["created", "merged", "updated", "unchanged", "rejected"]
    assert (result["created"], result["merged"], result["updated"], result["unchanged"]) == (
        1,
        0,
        0,
        0,
    )
    assert [r["line"] for r in result["rejected"]] == [3, 4, 5, 6]
    assert set(result["rejected"][0]) == {"line", "errors"}
    assert result["rejected"][0]["errors"] == [
        "Ligne 3, colonne « date_naissance » : la date « 31/02/1980 » n'existe pas."
    ]
    household = Household.objects.get()
    assert household.tenant_account == "CH007781"
    assert household.rent_debt == Decimal("2345.60")
    assert household.months_unpaid == 5
    assert household.public == Public.EVICTION_THREAT


def test_new_households_are_preselected_with_history_sources_and_audit(letting_officer):
    result = run("codesi", FILES / "codesi_utf8_bom.csv", "--user", letting_officer.email)
    assert result["created"] == 3
    household = Household.objects.get(sources__reference="LAP-001")
    assert household.status == Status.PRESELECTED
    assert household.sne_number == "014112500000101"
    assert household.declared_size == 3
    assert household.accommodation == "Chez sa sœur"
    assert household.has_codesi_social_report is True
    assert household.phone == "06 12 34 56 78"
    assert household.observations == "Deux enfants"
    assert household.public == Public.THIRD_PARTY
    person = household.members.get()
    assert (person.last_name, person.first_name, person.birth_date) == (
        "Lefèvre",
        "Amandine",
        date(1991, 3, 14),
    )
    assert person.relation == "reference"
    source = household.sources.get()
    assert (source.source, source.decision_date) == (Source.CODESI, date(2026, 1, 12))
    change = household.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == (
        "",
        Status.PRESELECTED,
        letting_officer,
    )
    assert "codesi_utf8_bom.csv" in change.reason and "ligne 2" in change.reason
    imports = AuditEntry.objects.filter(action=Action.IMPORT)
    assert imports.filter(household_id__isnull=False).count() == 3
    assert imports.filter(household_id=household.pk, actor=letting_officer).exists()
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.CONFIRMED and batch.content is None
    assert imports.filter(object_type="households.ImportBatch", object_id=str(batch.pk)).exists()


def test_an_imported_household_of_three_is_not_a_person_alone(letting_officer, client):
    """The list names the reference person and declares 3 people: composition to be specified."""
    run("codesi", FILES / "codesi_utf8_bom.csv", "--user", letting_officer.email)
    household = Household.objects.get(sources__reference="LAP-001")
    assert (household.declared_size, household.members.count()) == (3, 1)
    assert household.family_structure is None
    client.force_login(letting_officer)
    page = client.get(household.get_absolute_url()).content.decode()
    assert "À préciser (3 personnes)" in page
    assert "Personne seule" not in page


def test_same_file_twice_changes_nothing():
    run("comite", FILES / "comite_cp1252.csv")
    before = snapshot()
    result = run("comite", FILES / "comite_cp1252.csv")
    assert result == {"created": 0, "merged": 0, "updated": 0, "unchanged": 3, "rejected": []}
    assert snapshot() == before


def test_changed_row_updates_its_household_in_place(tmp_path):
    run("codesi", FILES / "codesi_utf8_bom.csv")
    household = Household.objects.get(sources__reference="LAP-002")
    version = household.version
    text = (FILES / "codesi_utf8_bom.csv").read_text("utf-8-sig")
    changed = text.replace(
        "LAP-002;Diallo;Mamadou;1987-09-02;M;1;014112500000102;Hébergement d'urgence;12/01/2026;CHU rue de Bayeux;non;;",
        "LAP-002;Diallo;Mamadou;1987-09-02;M;2;014112500000102;Hébergement d'urgence;19/01/2026;Hôtel social;non;07 00 00 00 02;",
    )
    assert changed != text
    path = tmp_path / "codesi.csv"
    path.write_text(changed, encoding="utf-8")
    result = run("codesi", path)
    assert result == {"created": 0, "merged": 0, "updated": 1, "unchanged": 2, "rejected": []}
    assert Household.objects.count() == 3
    household.refresh_from_db()
    assert (household.declared_size, household.accommodation, household.phone) == (
        2,
        "Hôtel social",
        "07 00 00 00 02",
    )
    assert household.version == version + 1
    assert household.sources.get().decision_date == date(2026, 1, 19)
    assert household.status_changes.count() == 1  # an update is not a new preselection
    assert AuditEntry.objects.filter(action=Action.IMPORT, household_id=household.pk).count() == 2
    # and the updated file, imported again, is now unchanged
    assert run("codesi", path)["unchanged"] == 3


def test_same_person_from_two_lists_is_one_household_with_two_sources():
    run("codesi", FILES / "codesi_utf8_bom.csv")
    # Comité: "Lefevre Amandine" (no accent) with the same birth date as LAP-001
    result = run("comite", FILES / "comite_cp1252.csv")
    assert (result["created"], result["merged"]) == (2, 1)
    amandine = Household.objects.get(sources__reference="LAP-001")
    assert sorted(amandine.sources.values_list("source", "reference")) == [
        ("codesi", "LAP-001"),
        ("comite", "CC-018"),
    ]
    assert amandine.members.count() == 1
    assert amandine.status_changes.count() == 1
    # DALO: "DIALLO mamadou", other case, no SNE number, same birth date as LAP-002
    result = run("dalo", FILES / "dalo_comma.csv")
    assert result["merged"] == 1
    diallo = Household.objects.get(sources__reference="LAP-002")
    assert set(diallo.sources.values_list("reference", flat=True)) == {"LAP-002", "DALO-31"}
    assert diallo.public == Public.EMERGENCY_SHELTER  # the household keeps its public


def test_match_on_sne_number_despite_a_different_spelling(tmp_path):
    run("codesi", FILES / "codesi_utf8_bom.csv")
    path = tmp_path / "dalo.csv"
    path.write_text(
        "reference;nom;prenom;date_naissance;numero_unique;telephone\n"
        "D-9;Morin Duval;Sofie;;014112500000101;06 99 99 99 99\n",
        encoding="utf-8",
    )
    result = run("dalo", path)
    assert result["merged"] == 1
    household = Household.objects.get(sne_number="014112500000101")
    assert set(household.sources.values_list("reference", flat=True)) == {"LAP-001", "D-9"}
    assert household.phone == "06 12 34 56 78"  # a merge fills blanks, it does not overwrite


def test_accent_case_hyphen_insensitive_name_match(tmp_path):
    run("codesi", FILES / "codesi_utf8_bom.csv")
    path = tmp_path / "comite.csv"
    path.write_text(
        "reference;nom;prenom;date_naissance;public;telephone\n"
        "C-1;MORIN DUVAL;sophie;1979-11-22;CHRS;02 31 00 00 00\n",
        encoding="utf-8",
    )
    assert run("comite", path)["merged"] == 1
    household = Household.objects.get(sources__reference="LIP-003")
    assert household.phone == "02 31 00 00 00"  # it had none: the blank is filled
    assert household.sources.count() == 2


def test_same_name_other_birth_date_is_flagged_not_merged():
    run("codesi", FILES / "codesi_utf8_bom.csv")
    result = run("dalo", FILES / "dalo_comma.csv")
    assert result["created"] == 2  # DALO-32 (homonym) and DALO-33
    homonym = Household.objects.get(sources__reference="DALO-32")
    original = Household.objects.get(sources__reference="LAP-001")
    assert homonym.pk != original.pk
    duplicate = PossibleDuplicate.objects.get()
    assert (duplicate.household, duplicate.other) == (homonym, original)
    assert duplicate.resolved_at is None
    assert original.sources.count() == 1


def test_xlsx_list_with_excel_dates(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["reference", "nom", "prenom", "date_naissance", "date_decision", "dette"])
    sheet.append(["CX-1", "Leroy", "Anne", date(1980, 5, 17), 46094, 1234.5])
    path = tmp_path / "ccapex.xlsx"
    workbook.save(path)
    assert run("ccapex", path)["created"] == 1
    household = Household.objects.get()
    assert household.members.get().birth_date == date(1980, 5, 17)
    assert household.sources.get().decision_date == date(2026, 3, 13)
    assert household.rent_debt == Decimal("1234.50")


def test_dry_run_writes_nothing():
    result = run("codesi", FILES / "codesi_utf8_bom.csv", "--dry-run")
    assert result["created"] == 3
    assert nothing_written()


def test_text_output_in_french():
    out = StringIO()
    call_command(
        "import_list", "--source", "ccapex", str(FILES / "ccapex_rejected.csv"), stdout=out
    )
    text = out.getvalue()
    assert "1 créé(s)" in text and "4 rejeté(s)" in text
    assert "Ligne 3, colonne « date_naissance »" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "est vide"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "pas un tableau lisible"),
        ((FILES / "missing_columns.csv").read_bytes(), "obligatoires absentes"),
    ],
    ids=["empty", "binary", "missing-columns"],
)
def test_not_a_table_is_one_french_error_and_nothing_written(tmp_path, content, message):
    path = tmp_path / "liste.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run("codesi", path)
    assert nothing_written()


def test_missing_columns_message_names_them():
    with pytest.raises(CommandError) as error:
        run("codesi", FILES / "missing_columns.csv")
    assert "« reference », « nom », « prenom »" in str(error.value)


def test_sne_number_of_another_household_is_rejected(tmp_path):
    run("codesi", FILES / "codesi_utf8_bom.csv")
    text = (FILES / "codesi_utf8_bom.csv").read_text("utf-8-sig")
    path = tmp_path / "codesi.csv"
    path.write_text(text.replace(";1;014112500000102;", ";1;014112500000101;"), encoding="utf-8")
    result = run("codesi", path)
    assert result["rejected"][0]["line"] == 3
    assert "numero_unique" in result["rejected"][0]["errors"][0]
    assert Household.objects.get(sources__reference="LAP-002").sne_number == "014112500000102"


def test_apply_is_atomic_when_the_database_moved_since_the_preview():
    content = (FILES / "codesi_utf8_bom.csv").read_bytes()
    plan = build_plan(content, "codesi.csv", "codesi")
    # Someone else imported row 4's reference in the meantime: the write fails as a whole.
    other = Household.objects.create(public=Public.ALT)
    HouseholdSource.objects.create(household=other, source="codesi", reference="LIP-003")
    with pytest.raises(IntegrityError):
        plan.apply()
    assert Household.objects.count() == 1
    assert not Person.objects.exists()
    assert not AuditEntry.objects.exists()


def _command(*args):
    """`manage.py import_list` in another process, on the test database: a server database, as
    SQLite's test database lives in this process's memory."""
    require_postgresql("la commande tourne dans un autre processus, sur la base de test")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "import_list", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_exit_status_zero_when_read_even_with_rejected_rows():
    done = _command("--source", "ccapex", str(FILES / "ccapex_rejected.csv"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 1


@pytest.mark.django_db(transaction=True)
def test_exit_status_non_zero_for_a_binary_file(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4\n\x00\x01\x02\x03" + bytes(range(256)) * 8)
    done = _command("--source", "dalo", str(path), "--json")
    assert done.returncode != 0
    assert "n'est pas un tableau lisible" in done.stderr
    assert done.stdout == ""
    assert nothing_written()


def test_documented_samples_import_without_rejected_rows():
    """docs/imports.md gives one sample per list: each reads cleanly, in the documented order;
    the same people across lists become one household (SNE number, or name + birth date)."""
    samples = Path(settings.BASE_DIR) / "docs" / "samples"
    results = {
        source: run(source, samples / f"{source}.csv")
        for source in ("codesi", "comite", "dalo", "ccapex", "contentieux")
    }
    for source, result in results.items():
        assert result["rejected"] == [], source
        assert result["created"] + result["merged"] > 0, source
    assert results["comite"]["merged"] >= 1  # Lefevre Amandine, already known from CODESI
    assert results["dalo"]["merged"] >= 1  # Diallo Mamadou, same SNE number
    assert results["contentieux"]["merged"] >= 1  # Marie Christophe, known from the CCAPEX
    # The DALO homonym born another year is flagged for a human, not merged.
    assert PossibleDuplicate.objects.exists()
    again = {
        source: run(source, samples / f"{source}.csv")
        for source in ("codesi", "comite", "dalo", "ccapex", "contentieux")
    }
    for source, result in again.items():
        assert result["created"] == result["merged"] == result["updated"] == 0, source


def test_changed_row_of_a_second_list_keeps_the_public_and_spelling_of_the_first(tmp_path):
    """DALO-31 joined Diallo's household (CODESI first, emergency shelter). When its DALO row
    changes, the new values go in, but the DALO list's implied public and its capitals do not
    replace what the first list decided."""
    run("codesi", FILES / "codesi_utf8_bom.csv")
    run("dalo", FILES / "dalo_comma.csv")
    diallo = Household.objects.get(sources__reference="LAP-002")
    text = (FILES / "dalo_comma.csv").read_text("utf-8")
    path = tmp_path / "dalo.csv"
    path.write_text(text.replace(",non,,Reconnu", ",non,06 11 22 33 44,Reconnu"), "utf-8")
    assert run("dalo", path)["updated"] == 1
    diallo.refresh_from_db()
    assert diallo.phone == "06 11 22 33 44"
    assert diallo.public == Public.EMERGENCY_SHELTER
    person = diallo.members.get()
    assert (person.last_name, person.first_name) == ("Diallo", "Mamadou")


def test_merge_on_another_member_fills_that_member_not_the_reference_person(tmp_path):
    """The spouse is listed alone by DALO: her household gains the source, and what the row
    says about her (sex) goes to her, not to the reference person."""
    from households.enums import Relation
    from tests.factories import HouseholdFactory, PersonFactory

    household = HouseholdFactory(members=[], public=Public.THIRD_PARTY)
    jean = PersonFactory(
        household=household, first_name="Jean", last_name="Martin", birth_date=None, gender=""
    )
    marie = PersonFactory(
        household=household,
        first_name="Marie",
        last_name="Martin",
        birth_date=date(1990, 5, 1),
        gender="",
        relation=Relation.SPOUSE,
        position=1,
    )
    path = tmp_path / "dalo.csv"
    path.write_text(
        "reference;nom;prenom;date_naissance;sexe\nD-1;MARTIN;marie;01/05/1990;F\n", "utf-8"
    )
    assert run("dalo", path)["merged"] == 1
    jean.refresh_from_db()
    marie.refresh_from_db()
    assert (jean.birth_date, jean.gender) == (None, "")
    assert marie.gender == "F"
    assert household.sources.get().reference == "D-1"
    # The DALO row changes later: what it says about Marie still goes to Marie.
    path.write_text(
        "reference;nom;prenom;date_naissance;sexe;telephone\n"
        "D-1;MARTIN;marie;01/05/1990;F;06 01 02 03 04\n",
        "utf-8",
    )
    assert run("dalo", path)["updated"] == 1
    jean.refresh_from_db()
    assert (jean.first_name, jean.birth_date, jean.gender) == ("Jean", None, "")
    household.refresh_from_db()
    assert household.phone == "06 01 02 03 04"


def test_changed_row_of_a_list_that_joined_a_file_opened_in_the_app_keeps_its_public(tmp_path):
    from tests.factories import HouseholdFactory, PersonFactory

    household = HouseholdFactory(members=[], public=Public.THIRD_PARTY)
    PersonFactory(
        household=household, first_name="Paul", last_name="Durand", birth_date=date(1975, 4, 2)
    )
    path = tmp_path / "dalo.csv"
    path.write_text("reference;nom;prenom;date_naissance\nD-5;Durand;Paul;02/04/1975\n", "utf-8")
    assert run("dalo", path)["merged"] == 1
    path.write_text(
        "reference;nom;prenom;date_naissance;telephone\nD-5;Durand;Paul;02/04/1975;0601020304\n",
        "utf-8",
    )
    assert run("dalo", path)["updated"] == 1
    household.refresh_from_db()
    assert household.phone == "0601020304"
    assert household.public == Public.THIRD_PARTY  # not the DALO list's implied public
