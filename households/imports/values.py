"""Parsing of one cell: dates, amounts, integers, yes/no, sex, public. Errors are French.

Each parser returns the value or raises `CellError` with what was expected; the caller adds
the line and the column.
"""

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from households.enums import Gender, Public
from households.text import normalize_name, strip_accents

EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug folded in)


class CellError(ValueError):
    pass


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def is_blank(value) -> bool:
    return as_text(value) == ""


def parse_date(value) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value)
    text = as_text(value)
    if re.fullmatch(r"\d{1,5}(\.0+)?", text):
        return _excel_serial(float(text))
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", text)
        if not match:
            raise CellError(
                f"date « {text} » illisible (formats acceptés : JJ/MM/AAAA, AAAA-MM-JJ ou date Excel)"
            )
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"la date « {text} » n'existe pas") from None


def _excel_serial(number: float) -> date:
    # Plausible serials only (1900 to 2099): a bare number elsewhere is a typo, not a date.
    if not 1 <= number < 73051:
        raise CellError(f"date « {as_text(number)} » illisible (nombre hors des dates Excel)")
    if float(number).is_integer() and 1900 <= number <= 2100:
        # Serials of 1905 nobody means; a year typed alone everybody does.
        raise CellError(
            f"« {as_text(number)} » est une année seule, indiquez la date complète (JJ/MM/AAAA)"
        )
    return EXCEL_EPOCH + timedelta(days=int(number))


def parse_amount(value) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = as_text(value)
        cleaned = re.sub(r"[\s\u00a0\u202f€]|EUR", "", text, flags=re.IGNORECASE)
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d{1,2})?", cleaned):
            cleaned = cleaned.replace(".", "")  # 1.234,50: dots group thousands
        cleaned = cleaned.replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned):
            raise CellError(f"montant « {text} » illisible (exemple attendu : 1 234,50)")
        amount = Decimal(cleaned)
    if amount < 0:
        raise CellError(f"montant « {as_text(value)} » négatif")
    try:
        return amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise CellError(f"montant « {as_text(value)} » trop grand") from None


def parse_int(value, *, low=0, high=99) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = as_text(value)
    if not re.fullmatch(r"\d+", text):
        raise CellError(f"nombre entier attendu, trouvé « {text} »")
    number = int(text)
    if not low <= number <= high:
        raise CellError(f"« {text} » hors des valeurs possibles ({low} à {high})")
    return number


YES = {"oui", "o", "yes", "y", "vrai", "x", "1", "true"}
NO = {"non", "n", "no", "faux", "0", "false"}


def parse_yes_no(value) -> bool:
    key = normalize_name(as_text(value))
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellError(f"« {as_text(value)} » : répondez oui ou non")


GENDERS = {
    "f": Gender.FEMALE,
    "femme": Gender.FEMALE,
    "feminin": Gender.FEMALE,
    "mme": Gender.FEMALE,
    "madame": Gender.FEMALE,
    "m": Gender.MALE,
    "h": Gender.MALE,
    "homme": Gender.MALE,
    "masculin": Gender.MALE,
    "monsieur": Gender.MALE,
    "mr": Gender.MALE,
}


def parse_gender(value) -> str:
    key = normalize_name(as_text(value))
    if key in GENDERS:
        return GENDERS[key]
    raise CellError(f"sexe « {as_text(value)} » inconnu (attendu : F ou M)")


# French labels people write for each public, normalised by `normalize_name`.
PUBLIC_WORDS = {
    Public.EMERGENCY_SHELTER: [
        "hébergement d'urgence",
        "hebergé en urgence",
        "urgence",
        "115",
        "hôtel social",
    ],
    Public.FIXED_TERM_PERMIT: [
        "titre de séjour à durée déterminée",
        "titre de séjour",
        "titre de séjour temporaire",
        "TSDD",
    ],
    Public.AHI_STRUCTURE: [
        "structure AHI",
        "AHI",
        "CHRS",
        "FJT",
        "foyer de jeunes travailleurs",
        "foyer monoparental",
        "hôtel maternel",
        "CADA",
    ],
    Public.THIRD_PARTY: [
        "hébergé chez un tiers",
        "chez un tiers",
        "tiers",
        "hébergé chez des tiers",
    ],
    Public.ALT: [
        "hébergé depuis plus d'un an en ALT",
        "hébergé plus d'un an en ALT",
        "ALT",
        "ALT plus d'un an",
        "ALT > 1 an",
    ],
    Public.EVICTION_THREAT: [
        "menacé d'expulsion",
        "menace d'expulsion",
        "expulsion",
        "prévention des expulsions",
    ],
    Public.DALO: [
        "prioritaire commission de médiation",
        "prioritaire commission de médiation (DALO)",
        "commission de médiation",
        "DALO",
        "prioritaire DALO",
    ],
}
PUBLIC_KEYS = {}
for _public, _words in PUBLIC_WORDS.items():
    for _word in [*_words, _public.label, _public.value]:
        PUBLIC_KEYS[normalize_name(_word.replace(">", "plus"))] = _public


# What the accommodation column (« hébergement ») of a list says, and the public it implies when
# it implies only one (docs/imports.md, "Public déduit de l'hébergement"). Matched as whole
# words of the normalised text; a text matching two publics, or none, is « à qualifier ».
ACCOMMODATION_WORDS = {
    Public.AHI_STRUCTURE: [
        "CHRS",
        "FJT",
        "foyer de jeunes travailleurs",
        "CADA",
        "foyer monoparental",
        "hôtel maternel",
        "structure AHI",
    ],
    Public.EMERGENCY_SHELTER: [
        "hôtel",
        "hôtel social",
        "115",
        "hébergement d'urgence",
        "urgence",
        "centre d'hébergement d'urgence",
        "CHU",
    ],
    Public.THIRD_PARTY: [
        "hébergé chez un tiers",
        "chez un tiers",
        "chez des tiers",
        "chez un ami",
        "chez des amis",
        "chez sa famille",
        "chez ses parents",
    ],
}


def _words(text) -> str:
    """' chrs le cap ': lower case, no accents, words separated by one space, padded."""
    return " " + " ".join(re.split(r"[^0-9a-z]+", strip_accents(text).casefold())).strip() + " "


def public_from_accommodation(text) -> str | None:
    """The public the accommodation text implies unambiguously, else None."""
    key = _words(as_text(text))
    found = set()
    for public, words in ACCOMMODATION_WORDS.items():
        if any(_words(word) in key for word in words):
            found.add(public)
    # "Hôtel maternel" is a structure, not the emergency hotel its first word suggests.
    if Public.AHI_STRUCTURE in found and " hotel maternel " in key:
        found.discard(Public.EMERGENCY_SHELTER)
    return found.pop() if len(found) == 1 else None


def parse_public(value) -> str:
    text = as_text(value)
    key = normalize_name(text.replace(">", "plus"))
    if key in PUBLIC_KEYS:
        return PUBLIC_KEYS[key]
    accepted = " ; ".join(str(p.label) for p in Public if p != Public.TO_QUALIFY)
    raise CellError(f"public « {text} » inconnu (valeurs acceptées : {accepted})")
