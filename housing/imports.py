"""Import of Caen habitat's stock from CSV or XLSX: parse → preview → apply atomically.

Same guarantees as the household list imports: nothing is written at preview; a file with any
invalid row cannot be applied; applying is one transaction; the dwelling reference is the key,
so importing the same file twice changes nothing the second time.

Reading the file (CSV in any of the usual encodings and separators, or XLSX) and parsing
dates, amounts, numbers and yes/no reuse the household list imports (`households/imports/`);
only the columns and the quartier/typology vocabulary are the stock's own.
"""

import unicodedata
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from households.enums import IN_PROGRAMME_STATUSES, Quartier
from households.imports import values
from households.imports.reading import ImportFileError, read_table

from .models import Dwelling, DwellingImport, ImportStatus, Rehousing, Typology

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


def normalise(text) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("_", " ").replace("-", " ").replace("'", " ").split())


QUARTIERS = {}
for _value, _label in Quartier.choices:
    QUARTIERS[normalise(_value)] = _value
    QUARTIERS[normalise(_label)] = _value
    # "La Guérinière" is also written "Guérinière".
    QUARTIERS[normalise(_label).removeprefix("la ")] = _value


def _blank(value) -> bool:
    return values.is_blank(value)


def parse_row(raw: dict) -> tuple[dict, list[str]]:
    out, errors = {}, []

    def field(name, parser):
        try:
            out[name] = parser(raw.get(name))
        except ValueError as exc:  # values.CellError, with its French message
            errors.append(f"{FIELD_LABELS[name]} : {exc}")

    for name in REQUIRED:
        if _blank(raw.get(name)):
            errors.append(f"{FIELD_LABELS[name]} : obligatoire")
    out["reference"] = values.as_text(raw.get("reference"))[:30]
    out["address"] = values.as_text(raw.get("address"))[:250]
    quartier = QUARTIERS.get(normalise(values.as_text(raw.get("quartier"))))
    if not _blank(raw.get("quartier")) and not quartier:
        errors.append(f"quartier : « {raw.get('quartier')} » n'est pas un quartier de Caen connu")
    out["quartier"] = quartier or ""
    typology = normalise(values.as_text(raw.get("typology"))).upper().replace(" ", "")
    typology = f"T{typology}" if typology.isdigit() else typology
    if not _blank(raw.get("typology")) and typology not in Typology.values:
        errors.append(f"typologie : « {raw.get('typology')} » (attendu T1 à T5)")
    out["typology"] = typology if typology in Typology.values else ""
    field("is_collective", lambda v: True if _blank(v) else values.parse_yes_no(v))
    field("has_lift", lambda v: False if _blank(v) else values.parse_yes_no(v))
    if "is_let" in raw:  # without the column, availability stays as the app knows it
        field("is_let", lambda v: False if _blank(v) else values.parse_yes_no(v))

    def floor(v):
        if _blank(v) or normalise(values.as_text(v)) in {"rdc", "rez de chaussee"}:
            return 0
        return values.parse_int(v, low=0, high=30)

    field("floor", floor)
    if not _blank(raw.get("rent")):
        field("rent", values.parse_amount)
    field("charges", lambda v: Decimal("0.00") if _blank(v) else values.parse_amount(v))
    field("available_from", lambda v: None if _blank(v) else values.parse_date(v))
    out["landlord"] = values.as_text(raw.get("landlord"))[:100] or "Caen habitat"
    return out, errors


def to_json(row: dict) -> dict:
    out = dict(row)
    for key in ("rent", "charges"):
        if key in out and out[key] is not None:
            out[key] = str(out[key])
    if out.get("available_from"):
        out["available_from"] = out["available_from"].isoformat()
    return out


def from_json(row: dict) -> dict:
    out = dict(row)
    out["rent"] = Decimal(out["rent"])
    out["charges"] = Decimal(out["charges"])
    out["available_from"] = (
        date.fromisoformat(out["available_from"]) if out.get("available_from") else None
    )
    return out


def freed_occupied(rows) -> list[str]:
    """References of `rows` that would mark free a dwelling where a household of the programme
    was rehoused. Such a dwelling stays let whatever the file says: the stock export may lag
    behind the lettings recorded here."""
    freed = [row["reference"] for row in rows if row.get("is_let") is False]
    return sorted(
        set(
            Rehousing.objects.filter(
                dwelling__reference__in=freed, household__status__in=IN_PROGRAMME_STATUSES
            ).values_list("dwelling__reference", flat=True)
        )
    )


def preview(uploaded, *, by) -> DwellingImport:
    """Parse the file and classify each row (new / updated / unchanged / error). Writes only
    the preview record, never a dwelling."""
    table = read_table(uploaded.read(), uploaded.name or "fichier")
    header = [HEADERS.get(normalise(cell)) for cell in table.header]
    missing = [FIELD_LABELS[name] for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(
            "Colonnes obligatoires absentes : " + ", ".join(missing) + ". "
            "Colonnes attendues : référence, adresse, quartier, typologie, loyer "
            "(et, au choix, collectif, étage, ascenseur, charges, disponible le, bailleur, loué)."
        )
    parsed, errors, seen = [], [], {}
    for line, cells in table.rows:
        raw = {name: cells[i] for i, name in enumerate(header) if name and i < len(cells)}
        row, row_errors = parse_row(raw)
        ref = row["reference"]
        if ref and ref in seen:
            row_errors.append(f"référence {ref} déjà présente ligne {seen[ref]}")
        seen.setdefault(ref, line)
        if row_errors:
            errors.append({"line": line, "reference": ref, "errors": row_errors})
        else:
            parsed.append({"line": line, **to_json(row)})
    existing = Dwelling.objects.in_bulk(
        [row["reference"] for row in parsed], field_name="reference"
    )
    occupied = set(freed_occupied(parsed))
    for row in [r for r in parsed if r["reference"] in occupied]:
        parsed.remove(row)
        errors.append(
            {
                "line": row["line"],
                "reference": row["reference"],
                "errors": [
                    "loué : ce logement est attribué à un ménage du dispositif (relogement "
                    "enregistré) ; il ne peut pas être marqué libre par un import"
                ],
            }
        )
    errors.sort(key=lambda error: error["line"])
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
    # A rehousing recorded since the preview: the file must not free its dwelling.
    freed = freed_occupied(rows)
    if freed:
        raise ImportFileError(
            "Depuis l'aperçu, un relogement a été enregistré dans le(s) logement(s) "
            + ", ".join(freed)
            + " : le fichier ne peut pas le(s) marquer libre(s). Déposez à nouveau le fichier."
        )
    now = timezone.now()
    to_create, to_update = [], []
    for row in rows:
        fields = {name: row[name] for name in compared(row)}
        current = existing.get(row["reference"])
        if current is None:
            to_create.append(Dwelling(reference=row["reference"], updated_at=now, **fields))
        elif any(getattr(current, name) != fields[name] for name in fields):
            for name, value in fields.items():
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
