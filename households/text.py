import re
import unicodedata


def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_name(value: str) -> str:
    """Key for matching names: no accents, no case, no hyphens, spaces or apostrophes."""
    return re.sub(r"[\s\-'’_.]+", "", strip_accents(value).casefold())


def name_match_key(last_name: str, first_name: str) -> str:
    """Key matching a list's row to a stored person (`Person.match_key`): both names normalised."""
    return normalize_name(last_name) + "|" + normalize_name(first_name)


def normalize_search(value: str) -> str:
    """Key for searching: like `normalize_name` but keeps single spaces between words."""
    return " ".join(re.sub(r"[\-'’_.]+", " ", strip_accents(value).casefold()).split())
