"""The one outbound check (households/outbound.py): programme names and the special-category
lexicon, accents composed or decomposed."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households import outbound
from tests.factories import HouseholdFactory

ISSUE_TITLE = "Situation de Mme Jeanne MICHEL : dépression, suivi psychologue"
ISSUE_MOTIF = "Dépression sévère, suivi psychologue au CMP; sevrage héroïne (méthadone)"

# One sentence per lexicon family, and the words it must name.
FAMILY_SAMPLES = {
    "health": ("Hospitalisée en psychiatrie, traitement médical lourd", "Hospitalisée"),
    "addiction": ("Rechute alcoolique, suivi au CSAPA", "alcoolique"),
    "sexuality": ("Conflit lié à son orientation sexuelle", "sexuelle"),
    "religion": ("Pratique religieuse stricte, refuse le logement", "religieuse"),
    "offences": ("Sortie de prison en mars, casier judiciaire chargé", "prison"),
    "residence": ("Titre de séjour expiré, recours en cours", "Titre de séjour"),
}

HARMLESS = [
    "Dette locative de 1 200 € ; plan d'apurement respecté depuis trois mois.",
    "Paiements irréguliers du loyer, régularisation de charges à prévoir.",
    "Sursis à expulsion accordé ; le séjour du T3 est humide.",
    "Logement bien entretenu, ménage soigneux, au sein d'une résidence calme.",
    "Fenêtre condamnée dans la chambre ; pénalités de retard annulées.",
    "Mesure de protection (curatelle) en place ; adhésion au suivi retrouvée.",
    "Le ménage souhaite un secteur proche de l'école, avec ascenseur.",
]


def nfd(text):
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("family", sorted(FAMILY_SAMPLES))
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_each_family_is_found_composed_or_decomposed(family, form):
    text, word = FAMILY_SAMPLES[family]
    found = outbound.lexicon_findings(unicodedata.normalize(form, text))
    assert (unicodedata.normalize("NFC", found[0].words), found[0].family) == (word, family)


def test_the_issue_motif_is_refused_word_by_word():
    words = {f.words: f.family for f in outbound.lexicon_findings(ISSUE_MOTIF)}
    assert words == {
        "Dépression": "health",
        "psychologue": "health",
        "CMP": "health",
        "sevrage": "addiction",
        "héroïne": "addiction",
        "méthadone": "addiction",
    }


@pytest.mark.parametrize("text", HARMLESS)
def test_words_of_the_housing_trade_pass(text):
    assert outbound.lexicon_findings(text) == []
    assert outbound.lexicon_findings(nfd(text)) == []


@pytest.mark.django_db
def test_programme_names_are_found_accent_case_and_hyphen_insensitively():
    HouseholdFactory(members=[{"last_name": "Michel", "first_name": "Jeanne"}])
    HouseholdFactory(members=[{"last_name": "Le Gall-Hérault", "first_name": "Anne-Sophie"}])
    found = outbound.findings_of(
        {
            "a": ISSUE_TITLE,
            "b": nfd("Rendez-vous avec SOPHIE et m. herault, puis le gall"),
            "c": "Le ménage de la rue Michelet",
        }
    )
    assert [f.words for f in found["a"] if f.family == outbound.NAME] == ["Jeanne", "MICHEL"]
    assert [f.words for f in found["b"]] == ["SOPHIE", nfd("herault"), "gall"]
    assert "c" not in found  # "Michelet" is not "Michel"; "le", "de", "la" name nobody


@pytest.mark.django_db
def test_one_query_whatever_the_number_of_texts():
    HouseholdFactory.create_batch(30)
    HouseholdFactory(members=[{"last_name": "Michel", "first_name": "Jeanne"}])
    texts = {f"field{n}": f"{ISSUE_TITLE} {n}" for n in range(20)}
    with CaptureQueriesContext(connection) as queries:
        found = outbound.findings_of(texts)
    assert len(queries) == 1
    assert len(found) == 20


@pytest.mark.django_db
def test_a_batch_checks_its_texts_with_one_name_query_and_each_pair_once(
    django_assert_num_queries,
):
    """What the batch owners (move_many, record_decisions, submit_many) use: the name words of
    all their texts in one query (`known_names_in`), then `check_outbound_texts` without a
    query, a pair of texts already found clean (`checked`) not checked again."""
    HouseholdFactory(members=[{"last_name": "Michel", "first_name": "Jeanne"}])
    texts = ["Relogé rue Michelet", "Vu avec Jeanne", "", "Décision de la cellule"]
    with django_assert_num_queries(1):
        known = outbound.known_names_in(texts)
    assert known == {"jeanne"}
    checked = set()
    clean = {"reason": "Relogé rue Michelet", "decision": "Décision de la cellule"}
    with django_assert_num_queries(0):
        outbound.check_outbound_texts(clean, "dossier", known, checked)
        outbound.check_outbound_texts(dict(clean), "dossier", None, checked)  # seen: no query
        with pytest.raises(ValidationError):
            outbound.check_outbound_texts({"reason": "Vu avec Jeanne"}, "dossier", known, checked)
    assert checked == {tuple(clean.items())}  # a refused text is never remembered as clean


@pytest.mark.django_db
def test_check_names_the_words_in_french_next_to_each_field():
    HouseholdFactory(members=[{"last_name": "Michel", "first_name": "Jeanne"}])
    with pytest.raises(ValidationError) as caught:
        outbound.check_outbound("compte rendu", title=nfd(ISSUE_TITLE), other="Rien à signaler")
    errors = caught.value.message_dict
    assert list(errors) == ["title"]
    text = unicodedata.normalize("NFC", errors["title"][0])
    assert text.startswith("Ce texte sort du CCAS (compte rendu)")
    assert "« Jeanne », « MICHEL » (nom d'une personne du dispositif)" in text
    assert "« dépression », « psychologue » (santé)" in text
