"""Turn the bytes of an uploaded list into a header and numbered rows.

Lists arrive as whatever the sender's office suite produced: XLSX, CSV from Excel
(Windows-1252, `;`), CSV from LibreOffice or a web tool (UTF-8, with or without BOM, `,`),
tab-separated "texte Unicode" exports (UTF-16). Anything else gets one clear French error.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

# Limits checked while the table is read, row by row (never after reading it all): a file
# past one of them is refused with one French message, in well under a second.
MAX_ROWS = 20_000  # data rows
MAX_LINES = 50_000  # lines read, blank ones included (a sheet can skip to row 1 048 576)
MAX_COLUMNS = 100
MAX_CELLS = 600_000
# An XLSX is a zip: what its members declare once uncompressed (zipfile never inflates a
# member past its declared size) and the shared-strings table openpyxl loads whole.
MAX_XLSX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_XLSX_SHARED_STRINGS = 15 * 1024 * 1024


class ImportFileError(Exception):
    """The file is not a table we can read: one message for the user, nothing written."""


class _Limits:
    """Counts what is read and stops at the first limit passed."""

    def __init__(self, filename):
        self.filename = filename
        self.cells = 0

    def check(self, line: int, width: int) -> None:
        """Before keeping a line: its width, the lines read so far, the cells so far."""
        name = self.filename
        if width > MAX_COLUMNS:
            raise ImportFileError(
                f"Le fichier « {name} » a plus de {MAX_COLUMNS} colonnes (ligne {line}) : "
                "gardez seulement les colonnes de la liste."
            )
        if line > MAX_LINES:
            self.too_many_rows()
        self.cells += width
        if self.cells > MAX_CELLS:
            raise ImportFileError(
                f"Le fichier « {name} » dépasse {MAX_CELLS // 1000} 000 cellules : découpez-le."
            )

    def too_many_rows(self):
        raise ImportFileError(
            f"Le fichier « {self.filename} » dépasse {MAX_ROWS} lignes : découpez-le."
        )


@dataclass
class Table:
    header: list[str]
    header_line: int
    # (line of the file, cells); the header is line 1 when the file starts with it. A list
    # (`read_table`), or an iterator read as it goes (`open_table`: the limits and a malformed
    # line raise ImportFileError while iterating).
    rows: list[tuple[int, list]] = field(default_factory=list)
    kind: str = "csv"  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""

    @property
    def description(self) -> str:
        if self.kind == "xlsx":
            return "classeur Excel (XLSX)"
        names = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
        encodings = {
            "utf-8-sig": "UTF-8 avec BOM",
            "utf-8": "UTF-8",
            "cp1252": "Windows-1252",
            "utf-16": "UTF-16",
        }
        return (
            f"CSV ({encodings.get(self.encoding, self.encoding)}, "
            f"séparateur {names.get(self.delimiter, self.delimiter)})"
        )


NOT_A_TABLE = (
    "Le fichier « {name} » n'est pas un tableau lisible : enregistrez la liste au format "
    "CSV (séparateur point-virgule, virgule ou tabulation) ou Excel (.xlsx)."
)


def read_table(content: bytes, filename: str = "fichier") -> Table:
    """The whole table, rows in a list."""
    table = open_table(content, filename)
    table.rows = list(table.rows)
    return table


def open_table(content: bytes, filename: str = "fichier") -> Table:
    """The header now, the rows as they are iterated (memory flat in the number of rows)."""
    if not content or not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ImportFileError(f"Le fichier « {filename} » est vide.")
    if content.startswith(b"PK\x03\x04"):
        return _open_xlsx(content, filename)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"Le fichier « {filename} » est au format Excel 97-2003 (.xls), qui n'est pas pris "
            "en charge : ouvrez-le dans Excel ou LibreOffice et enregistrez-le en .xlsx ou en CSV."
        )
    text, encoding = _decode(content, filename)
    return _open_csv(text, encoding, filename)


class _EncodedText:
    """A file's text in UTF-8 or Windows-1252, decoded a line at a time as it is read, never
    whole (a newline is one byte in both): memory flat in the file's size."""

    def __init__(self, content: bytes, start: int, codec: str, errors: str = "strict"):
        self.content, self.start, self.codec, self.errors = content, start, codec, errors

    def head(self, size: int) -> str:
        return self.content[self.start : self.start + 4 * size].decode(self.codec, "ignore")[:size]

    def lines(self):
        content, size = self.content, len(self.content)
        end_of_line = b"\n" if b"\n" in content or b"\r" not in content else b"\r"
        start = self.start
        while start < size:
            end = content.find(end_of_line, start)
            stop = size if end == -1 else end + 1
            yield content[start:stop].decode(self.codec, self.errors)
            start = stop


def _decode(content: bytes, filename: str) -> tuple["str | _EncodedText", str]:
    """The file's text (decoded as it is read, but for UTF-16) and its encoding."""
    if content.startswith(b"\xef\xbb\xbf"):
        return _EncodedText(content, 3, "utf-8", errors="replace"), "utf-8-sig"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(NOT_A_TABLE.format(name=filename)) from None
    if b"\x00" in content:
        raise ImportFileError(NOT_A_TABLE.format(name=filename))
    try:
        content.decode("utf-8")  # a check only: the text is decoded again line by line
        return _EncodedText(content, 0, "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(NOT_A_TABLE.format(name=filename)) from None
    # Windows-1252 maps almost every byte: a binary file decodes too, but full of controls.
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t")
    if controls > max(2, len(text) // 100):
        raise ImportFileError(NOT_A_TABLE.format(name=filename))
    return _EncodedText(content, 0, "cp1252"), "cp1252"


def _detect_delimiter(header_line: str) -> str:
    # Column names never contain a separator, so the header line alone decides; on a tie
    # the French default (";") wins, then tab, then comma.
    counts = {d: header_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _open_csv(text, encoding: str, filename: str) -> Table:
    head = text.head(4000) if isinstance(text, _EncodedText) else text[:4000]
    controls = sum(1 for c in head if ord(c) < 32 and c not in "\r\n\t")
    if controls > 2:
        raise ImportFileError(NOT_A_TABLE.format(name=filename))
    first = next((line for line in _lines(text) if line.strip()), "").rstrip("\r\n")
    delimiter = _detect_delimiter(first)
    records = _csv_records(text, delimiter, filename)
    header, header_line = None, 0
    for start, record in records:
        header, header_line = record, start
        break
    if header is None:
        raise ImportFileError(f"Le fichier « {filename} » est vide.")
    if len(header) < 2:
        raise ImportFileError(NOT_A_TABLE.format(name=filename))
    return Table(header, header_line, _counted(records, filename), "csv", encoding, delimiter)


def _csv_records(text, delimiter, filename):
    """(first line of the record, cells) of each non-blank record, limits checked."""
    reader = csv.reader(_lines(text), delimiter=delimiter)
    previous_end = 0
    limits = _Limits(filename)
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            limits.check(start, len(record))
            if any(cell.strip() for cell in record):
                yield start, record
    except csv.Error as exc:
        raise ImportFileError(
            f"Le fichier « {filename} » est mal formé à la ligne {reader.line_num} "
            f"(guillemet non fermé ?) : {exc}"
        ) from None


def _lines(text):
    """The lines of `text`, ends kept, one at a time (what `io.StringIO(text, newline="")`
    yields, without copying the text: memory flat in the file's size)."""
    if isinstance(text, _EncodedText):
        yield from text.lines()
        return
    end_of_line = "\n" if "\n" in text or "\r" not in text else "\r"  # old Mac files: \r only
    start, size = 0, len(text)
    while start < size:
        end = text.find(end_of_line, start)
        if end == -1:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _counted(rows, filename):
    limits = _Limits(filename)
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            limits.too_many_rows()
        yield row


def _check_archive(content: bytes, filename: str) -> None:
    """Refuse an XLSX whose members would inflate past the limits, before openpyxl opens it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(NOT_A_TABLE.format(name=filename)) from None
    total = sum(member.file_size for member in members)
    strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if total > MAX_XLSX_UNCOMPRESSED or strings > MAX_XLSX_SHARED_STRINGS:
        raise ImportFileError(
            f"Le classeur « {filename} » est trop volumineux une fois décompressé "
            f"({total // (1024 * 1024)} Mo) : enregistrez la liste seule, en CSV ou dans un "
            "classeur plus petit."
        )


def _open_xlsx(content: bytes, filename: str) -> Table:
    from openpyxl import load_workbook

    _check_archive(content, filename)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportFileError(NOT_A_TABLE.format(name=filename)) from None
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a corrupt archive
        raise ImportFileError(NOT_A_TABLE.format(name=filename)) from None
    records = _xlsx_records(workbook, filename)
    try:
        for _sheet, number, cells in records:
            header = [str(c or "") for c in cells]
            return Table(header, number, _counted(_same_sheet(records, _sheet), filename), "xlsx")
    except BaseException:
        workbook.close()
        raise
    workbook.close()
    raise ImportFileError(f"Le fichier « {filename} » est vide.")


def _xlsx_records(workbook, filename):
    """(sheet, row number, cells) of each non-blank row, sheet after sheet; closes the workbook
    once read."""
    try:
        limits = _Limits(filename)
        for sheet in workbook.worksheets:
            # The declared dimension (<dimension ref="A1:XFD1048576"/>) is the sender's word:
            # ignored, so openpyxl pads no row and invents no row past the last real one.
            sheet.reset_dimensions()
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                limits.check(number, len(values))
                cells = [_xlsx_cell(v) for v in values]
                if any(c not in ("", None) for c in cells):
                    yield sheet, number, cells
    finally:
        workbook.close()


def _same_sheet(records, sheet):
    """The rows after the header: the first non-empty sheet only."""
    for other, number, cells in records:
        if other is not sheet:
            records.close()
            return
        yield number, cells


def _xlsx_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return value
    return value  # int, float, bool: parsed by the column's own rule
