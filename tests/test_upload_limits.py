"""Uploads: size cut off while streaming, tables read under row/column/cell limits, the XLSX bomb
refused fast and small, by every import (priority lists, dwelling stock, the command line)."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from households.imports import reading
from households.imports.reading import ImportFileError, read_table
from households.models import ImportBatch
from housing.models import DwellingImport

pytestmark = pytest.mark.django_db

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Liste" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""


def _cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(rows_xml, dimension="A1:XFD1048576"):
    """A minimal XLSX, built by hand: openpyxl would write the true dimension."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


HEADER = (
    '<row r="1">' + _cell("A1", "reference") + _cell("B1", "nom") + _cell("C1", "prenom") + "</row>"
)


def bomb():
    """~150 KB declaring A1:XFD1048576, every row reaching column XFD (the attack of issue 13)."""
    rows = "".join(
        f'<row r="{n}">{_cell(f"A{n}", f"D-{n}")}<c r="XFD{n}"><v>1</v></c></row>'
        for n in range(2, 14_000)
    )
    return xlsx(HEADER + rows)


def tall_bomb():
    """Three cells, then one cell at the sheet's last row: a million rows to pad."""
    return xlsx(HEADER + '<row r="1048576">' + _cell("A1048576", "x") + "</row>")


def _call(function):
    try:
        return function()
    except Exception as exc:  # noqa: BLE001 - the caller checks which
        return exc


def measured(function):
    """(result or exception, seconds, peak bytes allocated by Python). Run twice: timed alone
    (tracemalloc slows Python down several times), then under tracemalloc for the peak."""
    started = time.perf_counter()
    _call(function)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    try:
        result = _call(function)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, elapsed, peak


LIMIT_SECONDS = 1.0
LIMIT_BYTES = 100 * 1024 * 1024


def test_the_bomb_is_about_150_kb():
    assert 100_000 < len(bomb()) < 250_000


@pytest.mark.parametrize("build", [bomb, tall_bomb])
def test_bomb_refused_by_the_reader_fast_and_small(build):
    content = build()
    result, elapsed, peak = measured(lambda: read_table(content, "bombe.xlsx"))
    assert isinstance(result, ImportFileError)
    assert "colonnes" in str(result) or "lignes" in str(result)
    assert elapsed < LIMIT_SECONDS, elapsed
    assert peak < LIMIT_BYTES, peak


def test_declared_dimension_is_ignored():
    """A real little table under a lying dimension is read as it is: 3 columns, 1 row."""
    content = xlsx(
        HEADER
        + '<row r="2">'
        + _cell("A2", "D-1")
        + _cell("B2", "Martin")
        + _cell("C2", "Lucie")
        + "</row>"
    )
    table = read_table(content, "liste.xlsx")
    assert table.header == ["reference", "nom", "prenom"]
    assert table.rows == [(2, ["D-1", "Martin", "Lucie"])]


def test_household_import_refuses_the_bomb_at_upload(client, letting_officer):
    client.force_login(letting_officer)
    content = bomb()
    response, elapsed, peak = measured(
        lambda: client.post(
            reverse("households:import"),
            {"source": "dalo", "file": SimpleUploadedFile("bombe.xlsx", content)},
        )
    )
    assert response.status_code == 200
    assert "plus de 100 colonnes" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert elapsed < LIMIT_SECONDS and peak < LIMIT_BYTES, (elapsed, peak)


def test_dwelling_import_refuses_the_bomb(client, letting_officer):
    client.force_login(letting_officer)
    content = bomb()
    response, elapsed, peak = measured(
        lambda: client.post(
            reverse("housing:import"), {"file": SimpleUploadedFile("parc.xlsx", content)}
        )
    )
    assert response.status_code == 200
    assert "plus de 100 colonnes" in response.content.decode()
    assert not DwellingImport.objects.exists()
    assert elapsed < LIMIT_SECONDS and peak < LIMIT_BYTES, (elapsed, peak)


def test_command_refuses_the_bomb(tmp_path):
    path = tmp_path / "bombe.xlsx"
    path.write_bytes(tall_bomb())
    with pytest.raises(CommandError, match="dépasse 20000 lignes"):
        call_command("import_list", "--source", "dalo", str(path))


def test_command_refuses_a_file_past_the_size_limit_unread(tmp_path):
    path = tmp_path / "gros.csv"
    with path.open("wb") as out:
        out.truncate(6 * 1024 * 1024)  # sparse: nothing of it is ever read
    with pytest.raises(CommandError, match="dépasse 5 Mo"):
        call_command("import_list", "--source", "dalo", str(path))


def test_csv_limits_columns_and_rows(monkeypatch):
    wide = ";".join(f"c{i}" for i in range(150)) + "\n"
    with pytest.raises(ImportFileError, match="plus de 100 colonnes"):
        read_table(wide.encode(), "large.csv")
    monkeypatch.setattr(reading, "MAX_ROWS", 10)
    tall = "reference;nom\n" + "".join(f"D-{n};Martin\n" for n in range(11))
    with pytest.raises(ImportFileError, match="dépasse 10 lignes"):
        read_table(tall.encode(), "longue.csv")


class GeneratedBody:
    """A request body produced as it is read: the test never holds the 52 MB either."""

    def __init__(self, head: bytes, size: int, tail: bytes):
        self.parts = [head]
        self.remaining = size
        self.tail = tail
        self.length = len(head) + size + len(tail)

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        out = b""
        while len(out) < size:
            if self.parts:
                out += self.parts.pop(0)
            elif self.remaining:
                n = min(self.remaining, size - len(out))
                out += (b"D-1;Martin;Lucie\n" * (n // 17 + 1))[:n]
                self.remaining -= n
            elif self.tail:
                out, self.tail = out + self.tail, b""
            else:
                break
        return out

    def readline(self, size=-1):  # unused by the multipart parser, part of the file protocol
        return self.read(size)


def post_streamed_csv(client, url, fields, size):
    boundary = "----limite"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="gros.csv"\r\n'
        "Content-Type: text/csv\r\n\r\nreference;nom;prenom\n"
    )
    body = GeneratedBody(head.encode(), size, f"\r\n--{boundary}--\r\n".encode())
    return client.generic(
        "POST",
        url,
        **{
            "wsgi.input": body,
            "CONTENT_LENGTH": str(body.length),
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        },
    )


@pytest.mark.parametrize(
    "url_name,fields", [("housing:import", {}), ("households:import", {"source": "dalo"})]
)
def test_52_mb_csv_refused_without_being_held(client, letting_officer, url_name, fields):
    client.force_login(letting_officer)
    response, elapsed, peak = measured(
        lambda: post_streamed_csv(client, reverse(url_name), fields, 52 * 1024 * 1024)
    )
    assert response.status_code == 200
    assert "dépasse 5 Mo" in response.content.decode()
    assert not DwellingImport.objects.exists() and not ImportBatch.objects.exists()
    # The body went through a 64 KB window; nothing near the file's size was held.
    assert peak < 20 * 1024 * 1024, peak
