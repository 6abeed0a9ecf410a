"""Import of Caen habitat's stock from CSV or XLSX: parse → preview → apply atomically.

Same guarantees as the household list imports: nothing is written at preview; a file with any
invalid row cannot be applied; applying is one transaction; the dwelling reference is the key,
so importing the same file twice changes nothing the second time.

(A small parser of our own: the shared parsing utilities of `households/imports/` had not
landed on main when this was written.)
"""

import csv
import io
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from households.enums import Quartier

from .models import Dwelling, DwellingImport, ImportStatus, Typology

MAX_ROWS = 20_000

# normalised header → field
HEADERS = {
    "reference": "reference",
    "ref": "reference",
    "adresse": "address",
    "quartier": "quartier",
    "typologie": "typology",
    "type": "typology",
    "collectif": "is_collective",
    "etage": "floor",
    "ascenseur": "has_lift",
    "loyer": "rent",
    "charges": "charges",
    "disponible le": "available_from",
    "disponibilite": "available_from",
    "date de disponibilite": "available_from",
    "bailleur": "landlord",
    "loue": "is_let",
}
REQUIRED = ["reference", "address", "quartier", "typology", "rent"]
FIELD_LABELS = {
    "reference": "référence",
    "address": "adresse",
    "quartier": "quartier",
    "typology": "typologie",
    "is_collective": "collectif",
    "floor": "étage",
    "has_lift": "ascenseur",
    "rent": "loyer",
    "charges": "charges",
    "available_from": "disponible le",
    "landlord": "bailleur",
    "is_let": "loué",
}
COMPARED = [
    "address",
    "quartier",
    "typology",
    "is_collective",
    "floor",
    "has_lift",
    "rent",
    "charges",
    "available_from",
    "landlord",
    "is_let",
]


def compared(row) -> list[str]:
    return [name for name in COMPARED if name in row]


class ImportFileError(Exception):
    pass


def normalise(text) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("_", " ").replace("-", " ").replace("'", " ").split())


QUARTIERS = {}
for _value, _label in Quartier.choices:
    QUARTIERS[normalise(_value)] = _value
    QUARTIERS[normalise(_label)] = _value
    # "La Guérinière" is also written "Guérinière".
    QUARTIERS[normalise(_label).removeprefix("la ")] = _value


def read_table(uploaded) -> list[list]:
    name = (uploaded.name or "").lower()
    data = uploaded.read()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise ImportFileError("Le fichier Excel est illisible.") from exc
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        first = text.splitlines()[0] if text else ""
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    raise ImportFileError("Format non reconnu : déposez un fichier CSV ou Excel (.xlsx).")


def parse_bool(value):
    text = normalise(value)
    if text in {"oui", "o", "1", "vrai", "true", "x", "yes"}:
        return True
    if text in {"non", "n", "0", "faux", "false", "", "no"}:
        return False
    raise ValueError("attendu : oui ou non")


def parse_amount(value):
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    text = str(value or "").replace("€", "").replace("\u202f", "").replace("\u00a0", "")
    text = text.replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError("montant illisible") from exc
    if amount < 0:
        raise ValueError("montant négatif")
    return amount


def parse_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("date attendue au format JJ/MM/AAAA")


def parse_row(raw: dict) -> tuple[dict, list[str]]:
    values, errors = {}, []

    def field(name, parser):
        try:
            values[name] = parser(raw.get(name))
        except ValueError as exc:
            errors.append(f"{FIELD_LABELS[name]} : {exc}")

    for name in REQUIRED:
        if raw.get(name) in (None, ""):
            errors.append(f"{FIELD_LABELS[name]} : obligatoire")
    values["reference"] = str(raw.get("reference") or "").strip()[:30]
    values["address"] = str(raw.get("address") or "").strip()[:250]
    quartier = QUARTIERS.get(normalise(raw.get("quartier")))
    if raw.get("quartier") not in (None, "") and not quartier:
        errors.append(f"quartier : « {raw.get('quartier')} » n'est pas un quartier de Caen connu")
    values["quartier"] = quartier or ""
    typology = normalise(raw.get("typology")).upper().replace(" ", "")
    typology = f"T{typology}" if typology.isdigit() else typology
    if raw.get("typology") not in (None, "") and typology not in Typology.values:
        errors.append(f"typologie : « {raw.get('typology')} » (attendu T1 à T5)")
    values["typology"] = typology if typology in Typology.values else ""
    field("is_collective", lambda v: True if v in (None, "") else parse_bool(v))
    field("has_lift", parse_bool)
    if "is_let" in raw:  # without the column, availability stays as the app knows it
        field("is_let", parse_bool)

    def floor(v):
        if v in (None, ""):
            return 0
        text = normalise(v)
        if text in {"rdc", "rez de chaussee"}:
            return 0
        try:
            return int(float(str(v).replace(",", ".")))
        except ValueError as exc:
            raise ValueError("nombre attendu (0 pour le rez-de-chaussée)") from exc

    field("floor", floor)
    if raw.get("rent") not in (None, ""):
        field("rent", parse_amount)
    field("charges", lambda v: Decimal("0.00") if v in (None, "") else parse_amount(v))
    field("available_from", parse_date)
    values["landlord"] = str(raw.get("landlord") or "").strip()[:100] or "Caen habitat"
    return values, errors


def to_json(values: dict) -> dict:
    out = dict(values)
    for key in ("rent", "charges"):
        if key in out and out[key] is not None:
            out[key] = str(out[key])
    if out.get("available_from"):
        out["available_from"] = out["available_from"].isoformat()
    return out


def from_json(values: dict) -> dict:
    out = dict(values)
    out["rent"] = Decimal(out["rent"])
    out["charges"] = Decimal(out["charges"])
    out["available_from"] = (
        date.fromisoformat(out["available_from"]) if out.get("available_from") else None
    )
    return out


def preview(uploaded, *, by) -> DwellingImport:
    """Parse the file and classify each row (new / updated / unchanged / error). Writes only
    the preview record, never a dwelling."""
    table = [row for row in read_table(uploaded) if any(c not in (None, "") for c in row)]
    if not table:
        raise ImportFileError("Le fichier est vide.")
    header = [HEADERS.get(normalise(cell)) for cell in table[0]]
    missing = [FIELD_LABELS[name] for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(
            "Colonnes obligatoires absentes : " + ", ".join(missing) + ". "
            "Colonnes attendues : référence, adresse, quartier, typologie, loyer "
            "(et, au choix, collectif, étage, ascenseur, charges, disponible le, bailleur, loué)."
        )
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(f"Le fichier dépasse {MAX_ROWS} lignes.")
    parsed, errors, seen = [], [], {}
    for line, cells in enumerate(table[1:], start=2):
        raw = {name: cells[i] for i, name in enumerate(header) if name and i < len(cells)}
        values, row_errors = parse_row(raw)
        ref = values["reference"]
        if ref and ref in seen:
            row_errors.append(f"référence {ref} déjà présente ligne {seen[ref]}")
        seen.setdefault(ref, line)
        if row_errors:
            errors.append({"line": line, "reference": ref, "errors": row_errors})
        else:
            parsed.append({"line": line, **to_json(values)})
    existing = Dwelling.objects.in_bulk(
        [row["reference"] for row in parsed], field_name="reference"
    )
    for row in parsed:
        current = existing.get(row["reference"])
        if current is None:
            row["action"] = "create"
        else:
            new = from_json(row)
            changed = [name for name in compared(new) if getattr(current, name) != new[name]]
            row["action"] = "update" if changed else "unchanged"
            row["changed"] = [FIELD_LABELS[name] for name in changed]
    return DwellingImport.objects.create(
        filename=(uploaded.name or "")[:200], rows=parsed, errors=errors, created_by=by
    )


@transaction.atomic
def apply(dwelling_import: DwellingImport) -> DwellingImport:
    """Write every row at once, keyed on the reference. Counts are recomputed at apply time."""
    locked = DwellingImport.objects.select_for_update().get(pk=dwelling_import.pk)
    if locked.status != ImportStatus.PREVIEW:
        raise ImportFileError("Cet import a déjà été appliqué.")
    if locked.errors:
        raise ImportFileError(
            "Le fichier contient des lignes en erreur : corrigez-le et déposez-le à nouveau."
        )
    rows = [from_json(row) for row in locked.rows]
    existing = {
        d.reference: d
        for d in Dwelling.objects.select_for_update().filter(
            reference__in=[r["reference"] for r in rows]
        )
    }
    now = timezone.now()
    to_create, to_update = [], []
    for row in rows:
        values = {name: row[name] for name in compared(row)}
        current = existing.get(row["reference"])
        if current is None:
            to_create.append(Dwelling(reference=row["reference"], updated_at=now, **values))
        elif any(getattr(current, name) != values[name] for name in values):
            for name, value in values.items():
                setattr(current, name, value)
            current.updated_at = now
            to_update.append(current)
    Dwelling.objects.bulk_create(to_create, batch_size=1000)
    Dwelling.objects.bulk_update(to_update, [*COMPARED, "updated_at"], batch_size=1000)
    locked.status = ImportStatus.APPLIED
    locked.applied_at = now
    locked.created_count = len(to_create)
    locked.updated_count = len(to_update)
    locked.unchanged_count = len(rows) - len(to_create) - len(to_update)
    locked.save()
    return locked
