"""Columns of a priority list and validation of each row into a `ListRow`.

Columns are found by name, whatever their case, accents, spaces, hyphens or underscores
("Date de naissance", "DATE_NAISSANCE" and "date naissance" are the same column).
"""

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.utils import timezone

from households.enums import Public, Source
from households.text import name_match_key, normalize_name

from . import values
from .reading import ImportFileError, Table

COMMON_COLUMNS = [
    "reference",
    "nom",
    "prenom",
    "date_naissance",
    "sexe",
    "nb_personnes",
    "numero_unique",
    "public",
    "date_decision",
    "hebergement",
    "rapport_social",
    "telephone",
    "observations",
]
DEBT_COLUMNS = ["compte_locataire", "dette", "mois_impayes"]
REQUIRED_COLUMNS = ["reference", "nom", "prenom"]
DEBT_SOURCES = {Source.CCAPEX, Source.CONTENTIEUX}

# The public a list implies when its row leaves the column empty.
DEFAULT_PUBLIC = {
    Source.DALO: Public.DALO,
    Source.CCAPEX: Public.EVICTION_THREAT,
    Source.CONTENTIEUX: Public.EVICTION_THREAT,
}

# Other names senders use for a column (compared after normalisation).
ALIASES = {
    "reference": ["ref", "référence dossier", "n° dossier", "numéro de dossier", "dossier"],
    "date_naissance": ["date de naissance", "né le", "née le", "naissance"],
    "nb_personnes": ["nombre de personnes", "nb personnes", "composition", "taille du ménage"],
    "numero_unique": ["numéro unique SNE", "numéro SNE", "SNE", "NUR", "n° unique"],
    "date_decision": ["date de décision", "date commission", "date de la commission"],
    "hebergement": ["hébergement actuel", "lieu d'hébergement"],
    "rapport_social": ["rapport social CODESI", "rapport social présenté"],
    "telephone": ["tél", "tel", "téléphone portable"],
    "compte_locataire": ["n° compte locataire", "compte", "numéro de compte locataire"],
    "dette": ["dette locative", "montant de la dette", "montant dette"],
    "mois_impayes": ["nombre de mois d'impayés", "mois d'impayés", "nb mois impayés"],
}

MAX_LENGTHS = {
    "reference": 60,
    "nom": 100,
    "prenom": 100,
    "numero_unique": 30,
    "hebergement": 250,
    "telephone": 30,
    "compte_locataire": 30,
}


def _key(name: str) -> str:
    return normalize_name(str(name)).replace("°", "")


def columns_for(source: str) -> list[str]:
    return COMMON_COLUMNS + (DEBT_COLUMNS if source in DEBT_SOURCES else [])


def match_columns(header: list, source: str, filename: str = "fichier"):
    """Map each known column to its index in the header. Returns (mapping, ignored headers)."""
    wanted = {}
    for column in columns_for(source):
        wanted[_key(column)] = column
        for alias in ALIASES.get(column, []):
            wanted.setdefault(_key(alias), column)
    mapping, ignored, labels = {}, [], {}
    for index, title in enumerate(header):
        column = wanted.get(_key(title))
        if column is None:
            if str(title).strip():
                ignored.append(str(title).strip())
            continue
        if column in mapping:
            raise ImportFileError(
                f"La colonne « {column} » apparaît deux fois dans « {filename} » "
                f"(« {labels[column]} » et « {str(title).strip()} ») : gardez-en une seule."
            )
        mapping[column] = index
        labels[column] = str(title).strip()
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping]
    if missing:
        names = ", ".join(f"« {c} »" for c in missing)
        raise ImportFileError(
            f"Colonne{'s' if len(missing) > 1 else ''} obligatoire{'s' if len(missing) > 1 else ''} "
            f"absente{'s' if len(missing) > 1 else ''} du fichier « {filename} » : {names}. "
            "La première ligne doit porter les noms des colonnes (voir le format documenté)."
        )
    return mapping, labels, ignored


@dataclass
class ListRow:
    """One valid row of a list, in the units of the models. None means "not given"."""

    line: int
    reference: str
    last_name: str
    first_name: str
    birth_date: date | None = None
    gender: str | None = None
    declared_size: int | None = None
    sne_number: str | None = None
    public: str | None = None
    decision_date: date | None = None
    accommodation: str | None = None
    has_codesi_social_report: bool | None = None
    phone: str | None = None
    observations: str | None = None
    tenant_account: str | None = None
    rent_debt: Decimal | None = None
    months_unpaid: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

    @cached_property
    def match_key(self) -> str:
        """Same key as `Person.match_key`."""
        return name_match_key(self.last_name, self.first_name)

    def digest(self) -> str:
        """Hash of what the row says (stored on the source): an unchanged row is skipped."""
        data = {name: getattr(self, name) for name in _DIGESTED}
        payload = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


# What `digest` hashes: every field but the line (the same JSON as `dataclasses.asdict` gave).
_DIGESTED = [f.name for f in fields(ListRow) if f.name != "line"]


@dataclass
class RejectedRow:
    line: int
    errors: list[str]
    reference: str = ""
    name: str = ""


# column → (ListRow attribute, parser)
PARSERS = {
    "date_naissance": ("birth_date", values.parse_date),
    "sexe": ("gender", values.parse_gender),
    "nb_personnes": ("declared_size", lambda v: values.parse_int(v, low=1, high=20)),
    "public": ("public", values.parse_public),
    "date_decision": ("decision_date", values.parse_date),
    "rapport_social": ("has_codesi_social_report", values.parse_yes_no),
    "dette": ("rent_debt", values.parse_amount),
    "mois_impayes": ("months_unpaid", lambda v: values.parse_int(v, low=0, high=240)),
}
TEXTS = {
    "numero_unique": "sne_number",
    "hebergement": "accommodation",
    "telephone": "phone",
    "observations": "observations",
    "compte_locataire": "tenant_account",
}


REQUIRED_TEXTS = {"reference": "reference", "nom": "last_name", "prenom": "first_name"}


def parse_rows(table: Table, source: str, filename: str = "fichier"):
    """Validate every row. Returns (valid ListRows, RejectedRows, ignored column titles)."""
    rows, ignored = read_rows(table, source, filename)
    valid, rejected = [], []
    for row in rows:
        (valid if isinstance(row, ListRow) else rejected).append(row)
    return valid, rejected, ignored


def read_rows(table: Table, source: str, filename: str = "fichier"):
    """(an iterator of ListRow or RejectedRow in the file's order, ignored column titles).

    The columns are matched now (ImportFileError when a required one is missing); the rows are
    validated as the iterator goes, remembering only each reference's line (a reference seen
    twice is rejected on its second line)."""
    mapping, labels, ignored = match_columns(table.header, source, filename)
    return _validated(table.rows, mapping, labels, source), ignored


def _validated(rows, mapping, labels, source):
    seen = {}
    for line, cells in rows:
        fields, errors = _parse_row(line, cells, mapping, labels, source)
        reference = fields.get("reference")
        # Keyed by the reference's hash: a few bytes a row, whatever the file's size.
        key = hash(reference)
        if reference and key in seen and not errors:
            errors.append(
                f"Ligne {line}, colonne « {labels['reference']} » : référence « {reference} » "
                f"déjà présente ligne {seen[key]}."
            )
        if errors:
            name = f"{fields.get('first_name', '')} {fields.get('last_name', '').upper()}"
            yield RejectedRow(line, errors, reference or "", name.strip())
            continue
        seen[key] = line
        yield ListRow(line=line, **fields)


def _parse_row(line, cells, mapping, labels, source):  # noqa: C901 — one independent check per column, read top to bottom; each has its test
    """One row → (fields of a ListRow, French errors naming the line and the column)."""
    fields, errors = {}, []

    def cell(column):
        index = mapping.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    def given(column):
        return column in mapping and not values.is_blank(cell(column))

    def error(column, message):
        errors.append(f"Ligne {line}, colonne « {labels.get(column, column)} » : {message}.")

    for column, attribute in REQUIRED_TEXTS.items():
        fields[attribute] = values.as_text(cell(column))
        if not fields[attribute]:
            error(column, "valeur obligatoire manquante")
    fields["reference"] = fields["reference"].upper()
    for column, attribute in TEXTS.items():
        if given(column):
            fields[attribute] = _text(column, cell(column))
    if fields.get("sne_number"):
        fields["sne_number"] = fields["sne_number"].replace(" ", "").upper()
    if fields.get("phone", "").isdigit() and len(fields["phone"]) == 9:
        fields["phone"] = "0" + fields["phone"]  # Excel drops the leading zero of 02…/06…
    for column, limit in MAX_LENGTHS.items():
        text = fields.get(REQUIRED_TEXTS.get(column) or TEXTS[column])
        if text and len(text) > limit:
            error(column, f"texte trop long ({len(text)} caractères, {limit} au plus)")
    for column, (attribute, parse) in PARSERS.items():
        if given(column):
            try:
                fields[attribute] = parse(cell(column))
            except values.CellError as exc:
                error(column, str(exc))
    birth = fields.get("birth_date")
    if birth and not date(1900, 1, 1) <= birth <= timezone.localdate():
        error("date_naissance", f"date de naissance {birth:%d/%m/%Y} impossible")
    if not given("public"):
        if source in DEFAULT_PUBLIC:
            fields["public"] = DEFAULT_PUBLIC[source]
        else:
            # Lists as partners send them have no public column: the accommodation column
            # says it when it says only one thing, else the household is « à qualifier ».
            derived = values.public_from_accommodation(fields.get("accommodation") or "")
            fields["public"] = derived or Public.TO_QUALIFY
    return fields, errors


SNE_LENGTH = 18  # the numéro unique is an 18-character text


def _text(column, value) -> str:
    if column == "numero_unique" and isinstance(value, int | float) and not isinstance(value, bool):
        # A number cell (XLSX) lost the leading zero(s) of the text it was: 14… → 014….
        digits = str(int(value))
        return digits.zfill(SNE_LENGTH) if len(digits) < SNE_LENGTH else digits
    if column in ("numero_unique", "telephone", "compte_locataire"):
        return values.as_text(value)
    return str(value).strip() if not isinstance(value, float | int) else values.as_text(value)
