"""Reading lists as senders produce them: encodings, separators, column names, cell values."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from households.enums import Gender, Public
from households.imports.reading import ImportFileError, read_table
from households.imports.rows import parse_rows
from households.imports.values import CellError, parse_amount, parse_date, parse_public

FILES = Path(__file__).parent / "files"


def read(name):
    return read_table((FILES / name).read_bytes(), name)


def test_utf8_with_bom_and_semicolons():
    table = read("codesi_utf8_bom.csv")
    assert table.encoding == "utf-8-sig"
    assert table.delimiter == ";"
    assert table.header[0] == "reference"  # the BOM is not part of the first column name
    rows, rejected, _ = parse_rows(table, "codesi")
    assert not rejected
    assert [r.last_name for r in rows] == ["Lefèvre", "Diallo", "Morin-Duval"]
    assert rows[0].accommodation == "Chez sa sœur"
    assert rows[0].has_codesi_social_report is True
    assert rows[1].birth_date == date(1987, 9, 2)  # AAAA-MM-JJ


def test_windows_1252_with_accented_headers_and_values():
    table = read("comite_cp1252.csv")
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    rows, rejected, ignored = parse_rows(table, "comite")
    assert not rejected and not ignored
    first = rows[0]
    assert (first.reference, first.last_name, first.first_name) == ("CC-017", "Bénali", "Jérôme")
    assert first.birth_date == date(1984, 2, 3)
    assert first.declared_size == 5
    assert first.accommodation == "Chez ses parents, La Guérinière"
    assert first.observations == "Avis favorable — comité"
    assert first.public == Public.THIRD_PARTY
    assert rows[2].public == Public.FIXED_TERM_PERMIT
    assert rows[2].first_name == "Zoé"


def test_comma_separated_with_quoted_comma_and_default_public():
    table = read("dalo_comma.csv")
    assert (table.encoding, table.delimiter) == ("utf-8", ",")
    rows, rejected, _ = parse_rows(table, "dalo")
    assert not rejected
    assert rows[2].accommodation == "Chez un ami, Hérouville"
    assert {r.public for r in rows} == {Public.DALO}  # the DALO list implies its public
    assert rows[0].decision_date == date(2026, 2, 20)


def test_tab_separated_with_underscored_headers_and_amounts():
    table = read("contentieux_tab.csv")
    assert table.delimiter == "\t"
    rows, rejected, _ = parse_rows(table, "contentieux")
    assert not rejected
    assert rows[0].rent_debt == Decimal("1234.50")
    assert rows[0].months_unpaid == 6
    assert rows[0].tenant_account == "CH004512"
    assert rows[1].rent_debt == Decimal("980.00")
    assert rows[0].public == Public.EVICTION_THREAT


def test_column_names_ignore_case_accents_spaces_and_underscores():
    content = (
        "RÉFÉRENCE\tNom \tPRÉ_NOM\tDate Naissance\tnuméro_unique\tPublic\tnb_Personnes\tColonne libre\n"
        "R-1\tDupont\tÉlise\t01/02/1990\t0141 1250 00001\tCHRS\t2\tx\n"
    )
    table = read_table(content.encode("utf-8"), "liste.csv")
    rows, rejected, ignored = parse_rows(table, "codesi")
    assert not rejected
    row = rows[0]
    assert (row.reference, row.first_name, row.birth_date) == ("R-1", "Élise", date(1990, 2, 1))
    assert row.sne_number == "0141125000001"
    assert row.public == Public.AHI_STRUCTURE
    assert ignored == ["Colonne libre"]


def test_xlsx_with_excel_dates_serials_and_numbers(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["Référence", "Nom", "Prénom", "Date de naissance", "Sexe", "Dette", "Mois impayés"]
    )
    sheet.append(["X-1", "Leroy", "Anne", date(1980, 5, 17), "Femme", 1234.5, 3])
    sheet.append([1002, "Petit", "Marc", 29221, "H", "1 234,50", "2"])  # 29221 = 01/01/1980
    sheet.append(["X-3", "Faure", "Lou", "17/05/1980", "F", None, None])
    path = tmp_path / "ccapex.xlsx"
    workbook.save(path)
    table = read_table(path.read_bytes(), path.name)
    assert table.kind == "xlsx"
    rows, rejected, _ = parse_rows(table, "ccapex")
    assert not rejected
    assert [r.birth_date for r in rows] == [date(1980, 5, 17), date(1980, 1, 1), date(1980, 5, 17)]
    assert rows[0].rent_debt == Decimal("1234.50")
    assert rows[0].gender == Gender.FEMALE and rows[1].gender == Gender.MALE
    assert rows[1].reference == "1002"
    assert rows[1].months_unpaid == 2
    assert [r.line for r in rows] == [2, 3, 4]


def test_rejected_rows_name_line_and_column_in_french():
    rows, rejected, _ = parse_rows(read("ccapex_rejected.csv"), "ccapex")
    assert [r.reference for r in rows] == ["CX-1"]
    by_line = {r.line: r.errors for r in rejected}
    assert set(by_line) == {3, 4, 5, 6}
    assert by_line[3] == [
        "Ligne 3, colonne « date_naissance » : la date « 31/02/1980 » n'existe pas."
    ]
    assert any("colonne « dette »" in e and "« beaucoup »" in e for e in by_line[4])
    assert any("colonne « public »" in e and "« Sans abri »" in e for e in by_line[4])
    assert by_line[5] == ["Ligne 5, colonne « nom » : valeur obligatoire manquante."]
    assert len(by_line[6]) == 2
    assert any("colonne « mois_impayes »" in e for e in by_line[6])


def test_line_numbers_count_blank_and_multiline_records():
    content = 'reference;nom;prenom;observations\n\nA;Un;Une;"deux\nlignes"\nB;;Deux;\n'
    rows, rejected, _ = parse_rows(read_table(content.encode(), "f.csv"), "dalo")
    assert rows[0].line == 3
    assert rejected[0].line == 5


def test_duplicate_reference_in_one_file_is_rejected():
    content = "reference;nom;prenom\nA-1;Un;Une\nA-1;Deux;Deux\n"
    rows, rejected, _ = parse_rows(read_table(content.encode(), "f.csv"), "dalo")
    assert len(rows) == 1
    assert "déjà présente ligne 2" in rejected[0].errors[0]
    assert rejected[0].line == 3


def test_public_left_unsaid_is_to_qualify_for_lists_that_do_not_imply_one():
    content = "reference;nom;prenom\nA-1;Un;Une\n"
    valid, rejected, _ = parse_rows(read_table(content.encode(), "f.csv"), "codesi")
    assert rejected == [] and valid[0].public == Public.TO_QUALIFY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/03/1991", date(1991, 3, 14)),
        ("1991-03-14", date(1991, 3, 14)),
        ("4/3/1991", date(1991, 3, 4)),
        ("33311", date(1991, 3, 14)),
        (33311.0, date(1991, 3, 14)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["14/13/1991", "1991/03/14", "hier", "14-03-91", "999999"])
def test_bad_dates(text):
    with pytest.raises(CellError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,50", "1234.50"),
        ("1\u202f234,50 €", "1234.50"),
        ("1\u00a0234,5", "1234.50"),
        ("1.234,50", "1234.50"),
        ("980", "980.00"),
        ("12.5", "12.50"),
        (1234.5, "1234.50"),
    ],
)
def test_amounts(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["12,345,67", "abc", "-10"])
def test_bad_amounts(text):
    with pytest.raises(CellError):
        parse_amount(text)


def test_public_labels():
    assert parse_public("Menacé d'expulsion") == Public.EVICTION_THREAT
    assert parse_public("prioritaire commission de médiation (DALO)") == Public.DALO
    assert parse_public("HEBERGE CHEZ UN TIERS") == Public.THIRD_PARTY
    assert parse_public("Hébergé depuis plus d'un an en ALT") == Public.ALT
    with pytest.raises(CellError, match="valeurs acceptées"):
        parse_public("SDF")


def test_not_a_table(tmp_path):
    with pytest.raises(ImportFileError, match="est vide"):
        read_table(b"", "vide.csv")
    with pytest.raises(ImportFileError, match="est vide"):
        read_table(b"\n\n  \n", "blancs.csv")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(ImportFileError, match="n'est pas un tableau lisible"):
        read_table(png, "photo.png")
    with pytest.raises(ImportFileError, match="n'est pas un tableau lisible"):
        read_table(b"PK\x03\x04 not really a zip", "faux.xlsx")
    with pytest.raises(ImportFileError, match=r"Excel 97-2003 \(\.xls\)"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "ancien.xls")


def test_utf16_tab_export_of_excel():
    content = "reference\tnom\tprénom\nU-1\tÉtienne\tRené\n".encode("utf-16")
    table = read_table(content, "texte-unicode.txt")
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    rows, rejected, _ = parse_rows(table, "dalo")
    assert (rows[0].last_name, rows[0].first_name) == ("Étienne", "René")


def test_too_long_text_and_future_birth_date_are_rejected():
    content = f"reference;nom;prenom;date_naissance\nA-1;{'X' * 101};Une;01/01/2090\n"
    _, rejected, _ = parse_rows(read_table(content.encode(), "f.csv"), "dalo")
    assert rejected[0].errors == [
        "Ligne 2, colonne « nom » : texte trop long (101 caractères, 100 au plus).",
        "Ligne 2, colonne « date_naissance » : date de naissance 01/01/2090 impossible.",
    ]


def test_malformed_category_cells_name_line_and_column():
    content = (
        "reference;nom;prenom;sexe;rapport_social;nb_personnes\n"
        "A-1;Un;Une;F;oui;2\n"
        "A-2;Deux;Deux;X;peut-être;deux\n"
    )
    rows, rejected, _ = parse_rows(read_table(content.encode(), "f.csv"), "dalo")
    assert [r.reference for r in rows] == ["A-1"]
    errors = rejected[0].errors
    assert rejected[0].line == 3 and len(errors) == 3
    for column in ("sexe", "rapport_social", "nb_personnes"):
        assert any(e.startswith(f"Ligne 3, colonne « {column} » : ") for e in errors), column


def test_a_year_alone_is_not_read_as_an_excel_serial():
    """ "1991" would be Excel's day 1991 (13/06/1905): a year alone is refused, line and column."""
    content = "reference;nom;prenom;date_naissance\nA-1;Un;Une;1991\n"
    _, rejected, _ = parse_rows(read_table(content.encode(), "f.csv"), "dalo")
    assert rejected[0].errors == [
        "Ligne 2, colonne « date_naissance » : « 1991 » est une année seule, "
        "indiquez la date complète (JJ/MM/AAAA)."
    ]
    with pytest.raises(CellError, match="année seule"):
        parse_date(1991)  # a number cell of a .xlsx too
