"""The one outbound check for free text that leaves the CCAS (docs/access.md, "Texte libre qui
sort du CCAS").

A text typed at the CCAS and read by Caen habitat, the cellule or the DDCS (pages, PDFs, mails)
must name no person of the programme and carry no special-category data. Before such a text is
saved, its owner (model method or action) calls `check_outbound`; a refusal names the words to
rephrase, next to the field, and the view keeps what was typed.

Two sources of findings:
- the names (last and first, hyphen-split) of every `Person`, matched accent- and
  case-insensitively on whole words, by one query for the candidate words of the text;
- the special-category LEXICON below (health, addiction, sexual life, religion, offences,
  residence status), matched on whole words after accents are removed, so a text typed with
  decomposed accents (NFD) is caught like a composed one.

Lexicon entries are written as read, with their accents: a word ("vih") matches that word and its
plural; a stem ending in "*" ("dépress*") matches every word starting with it; several words
("titre* de séjour") match in sequence. Ambiguous words of the housing trade are left out on
purpose ("séjour" is a living room, "sursis" a stay of eviction, "régularisation" a charges
adjustment, "condamné" a walled-up door): the tests list harmless sentences that must pass.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection

# Who reads a text typed at the CCAS, named in the refusal message (docs/access.md).
CAEN_HABITAT_AUDIENCE = "lu par Caen habitat"
HOUSEHOLD_FILE_AUDIENCE = "fiche du ménage lue par Caen habitat et la cellule"

NAME = "name"
FAMILIES = {
    NAME: "nom d'une personne du dispositif",
    "health": "santé",
    "addiction": "addiction",
    "sexuality": "vie sexuelle",
    "religion": "religion",
    "offences": "infractions et condamnations",
    "residence": "droit au séjour",
}

LEXICON = {
    "health": (
        "santé",
        "médic*",
        "médecin*",
        "maladi*",
        "malade*",
        "hôpital",
        "hôpitaux",
        "hospitalis*",
        "clinique*",
        "psy",
        "psych*",
        "dépress*",
        "anxi*",
        "schizo*",
        "bipolaire*",
        "autis*",
        "handicap*",
        "invalidit*",
        "déficien*",
        "mdph",
        "aah",
        "cmp",
        "cmpp",
        "cancer*",
        "chimio*",
        "diabèt*",
        "vih",
        "sida",
        "séropositi*",
        "hépatite*",
        "tuberculose*",
        "alzheimer",
        "parkinson",
        "épilep*",
        "démence*",
        "suicid*",
        "thérap*",
        "infirmi*",
        "grossesse*",
        "enceinte*",
        "ivg",
        "fausse couche",
        "neurolog*",
        "cardiaque*",
        "dialyse*",
        "pathologi*",
        "obèse*",
        "obésité*",
        "fauteuil roulant",
        "traitement* médica*",
    ),
    "addiction": (
        "addict*",
        "alcool*",
        "éthylis*",
        "ivre*",
        "ivresse*",
        "drogu*",
        "toxico*",
        "stupéfiant*",
        "stup",
        "cannabis",
        "shit",
        "héroïn*",
        "cocaïn*",
        "crack",
        "méthadon*",
        "subutex",
        "buprénorph*",
        "sevrage*",
        "désintox*",
        "opiacé*",
        "opioïde*",
        "benzodiaz*",
        "ecstasy",
        "mdma",
        "ludopath*",
        "abstinen*",
        "csapa",
        "caarud",
        "traitement* de substitution",
    ),
    "sexuality": (
        "sexu*",
        "homosex*",
        "hétérosex*",
        "bisexu*",
        "transsexu*",
        "transgenre*",
        "gay",
        "lesbienne*",
        "lgbt*",
        "queer",
        "prostitu*",
        "échangiste*",
        "pornograph*",
    ),
    "religion": (
        "religi*",
        "musulman*",
        "islam*",
        "chrétien*",
        "catholique*",
        "protestant*",
        "évangéli*",
        "juif",
        "juive*",
        "judaïsme",
        "bouddhis*",
        "hindou*",
        "athée*",
        "mosquée*",
        "synagogue*",
        "ramadan",
        "imam*",
        "rabbin*",
        "jéhovah",
        "secte",
        "croyan*",
        "culte",
        "halal",
        "casher",
        "kasher",
    ),
    "offences": (
        "prison*",
        "incarcér*",
        "emprisonn*",
        "détenu*",
        "détention",
        "condamnation*",
        "condamné* à",
        "condamné* pour",
        "casier* judiciaire*",
        "délit*",
        "délinqu*",
        "crime*",
        "criminel*",
        "pénal",
        "pénale*",
        "pénaux",
        "garde* à vue",
        "spip",
        "sous main de justice",
        "contrôle judiciaire",
        "bracelet* électronique*",
        "tribunal correctionnel",
        "assises",
        "probation",
        "libération conditionnelle",
        "travail d'intérêt général",
        "tig",
        "interpell*",
        "perquisition*",
        "récidiv*",
        "vol",
        "viol",
        "escroqu*",
        "fraud*",
        "recel",
        "dealer*",
        "violence* conjugale*",
        "violence* intrafamiliale*",
        "application des peines",
    ),
    "residence": (
        "titre* de séjour",
        "carte* de séjour",
        "séjour irrégulier",
        "situation irrégulière",
        "sans papier*",
        "clandestin*",
        "oqtf",
        "quitter le territoire",
        "expulsion du territoire",
        "reconduite* à la frontière",
        "rétention administrative",
        "asile",
        "statut* de réfugié*",
        "réfugié* politique*",
        "ofpra",
        "cnda",
        "cada",
        "huda",
        "prahda",
        "apatride*",
        "naturalis*",
    ),
}

# Words of a name that are ordinary French words too short or too common to name anyone
# ("Le Gall", "de la Fontaine"): never matched as names.
NAME_PARTICLES = frozenset(
    "a au aux d da de del della der des di du e el en et l la le les lo los ou sa san sant "
    "sainte saint st ste un une van von y".split()
)

_WORD = re.compile(r"[^\W_]+")


def fold(word: str) -> str:
    """A word without accents or case (any Unicode form in, NFD included)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[tuple[str, str]]:
    """[(word as typed, folded word)]; the text is recomposed (NFC) first so that a decomposed
    accent stays inside its word."""
    composed = unicodedata.normalize("NFC", text or "")
    return [(m.group(), fold(m.group())) for m in _WORD.finditer(composed)]


@dataclass(frozen=True)
class _Entry:
    family: str
    parts: tuple[tuple[str, bool], ...]  # (folded word, is a stem)

    def matches_at(self, folded: list[str], start: int) -> bool:
        if start + len(self.parts) > len(folded):
            return False
        for (part, stem), word in zip(self.parts, folded[start:], strict=False):
            if stem:
                if not word.startswith(part):
                    return False
            elif word not in (part, part + "s"):
                return False
        return True


def _compile(lexicon) -> dict[str, list[_Entry]]:
    """Entries indexed by their first folded word's first two letters (a short candidate list)."""
    index: dict[str, list[_Entry]] = {}
    for family, entries in lexicon.items():
        for entry in entries:
            parts = tuple(
                (fold(part.rstrip("*")), part.endswith("*"))
                for part in re.split(r"[\s'’\-]+", entry)
                if part
            )
            index.setdefault(parts[0][0][:2], []).append(_Entry(family, parts))
    return index


_INDEX = _compile(LEXICON)


@dataclass(frozen=True)
class Finding:
    words: str  # as typed
    family: str

    @property
    def family_label(self) -> str:
        return FAMILIES[self.family]


def lexicon_findings(text) -> list[Finding]:
    """Special-category words of `text`, in the order they appear."""
    found = words(text)
    folded = [f for _, f in found]
    findings = []
    for i, word in enumerate(folded):
        for entry in _INDEX.get(word[:2], ()):
            if entry.matches_at(folded, i):
                typed = " ".join(t for t, _ in found[i : i + len(entry.parts)])
                findings.append(Finding(typed, entry.family))
                break
    return findings


def name_candidates(text) -> set[str]:
    return {f for _, f in words(text) if len(f) > 1 and f not in NAME_PARTICLES}


def known_name_words(candidates) -> set[str]:
    """Which of the folded `candidates` are a word of some programme person's name: one query,
    answered from the people's search keys (`Person.search_key`, folded and hyphen-split)."""
    candidates = sorted(set(candidates))
    if not candidates:
        return set()
    from .models import Person

    table = Person._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT DISTINCT w FROM {table}, unnest(string_to_array(search_key, ' ')) AS w "
            f"WHERE string_to_array(search_key, ' ') && %s::text[] AND w = ANY(%s::text[])"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [candidates, candidates])
            return {row[0] for row in cursor.fetchall()}
    # Other databases (development on SQLite): one query on the candidate words.
    from django.db.models import Q

    q = Q()
    for word in candidates:
        q |= (
            Q(search_key=word)
            | Q(search_key__startswith=word + " ")
            | Q(search_key__endswith=" " + word)
            | Q(search_key__contains=" " + word + " ")
        )
    keys = Person.objects.filter(q).values_list("search_key", flat=True).distinct()
    return {w for key in keys for w in key.split()} & set(candidates)


def known_names_in(texts) -> set[str]:
    """The programme's name words among the words of `texts` (strings): one query for them all,
    what a batch passes on as `known_names`."""
    return known_name_words(set().union(*map(name_candidates, texts)))


def _name_findings(text, known) -> list[Finding]:
    seen, findings = set(), []
    for typed, folded in words(text):
        if folded in known and folded not in NAME_PARTICLES and folded not in seen:
            seen.add(folded)
            findings.append(Finding(typed, NAME))
    return findings


def findings_of(texts: dict, known_names=None) -> dict[str, list[Finding]]:
    """{field: findings} for each non-empty text of `texts`; one name query for all of them
    (or none when `known_names`, a set of folded name words, is given)."""
    texts = {field: text for field, text in texts.items() if (text or "").strip()}
    if known_names is None:
        known_names = known_names_in(texts.values())
    result = {}
    for field, text in texts.items():
        found = _name_findings(text, known_names) + lexicon_findings(text)
        if found:
            result[field] = found
    return result


def message(findings, audience="") -> str:
    """The French message naming the words to rephrase, grouped by family."""
    groups: dict[str, list[str]] = {}
    for finding in findings:
        typed = f"« {finding.words} »"
        if typed not in groups.setdefault(finding.family, []):
            groups[finding.family].append(typed)
    parts = [f"{', '.join(typed)} ({FAMILIES[family]})" for family, typed in groups.items()]
    where = f" ({audience})" if audience else ""
    return (
        f"Ce texte sort du CCAS{where} : il ne doit nommer aucune personne ni contenir de donnée "
        f"sensible. Reformulez sans {' ; '.join(parts)}."
    )


def check_outbound(audience="", **texts) -> None:
    """Raise a ValidationError {field: message} for every text of `texts` that names a person
    of the programme or carries special-category words; one query whatever the number of texts."""
    check_outbound_texts(texts, audience)


def check_outbound_texts(texts: dict, audience="", known_names=None, checked=None) -> None:
    """`check_outbound` for a dict of texts; with `known_names` (`known_names_in` over a whole
    batch), no query: a batch of changes checks all its texts with one name query. With
    `checked`, a set the batch keeps, texts already found clean (the same values in the same
    fields) are not checked again."""
    key = tuple(texts.items())
    if checked is not None and key in checked:
        return
    found = findings_of(texts, known_names)
    if found:
        raise ValidationError(
            {field: message(findings, audience) for field, findings in found.items()}
        )
    if checked is not None:
        checked.add(key)


def add_outbound_errors(form, audience="", **texts) -> bool:
    """The same check from a form's `clean`: errors next to each field; True when all pass."""
    try:
        check_outbound(audience, **texts)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field, errors)
        return False
    return True
