"""What the accessibility statement (/accessibilite/) says was tested, and on which pages.

Each criterion listed here is checked by a test that fails the build (tests/e2e/test_rgaa_*.py):
change this list only with the tests. Numbers and subjects are those of RGAA 4.1.
"""

import datetime

AUDIT_DATE = datetime.date(2026, 11, 29)

SWEEP = "Automatique, chaque page de l'échantillon"
AXE = "axe-core, chaque page de l'échantillon"
CONFORME = "Conforme"

CRITERIA = [
    ("1.1", "Alternative textuelle des images porteuses d'information", CONFORME, AXE),
    ("3.2", "Contraste du texte (4,5:1, ou 3:1 pour le texte agrandi)", CONFORME, AXE),
    (
        "3.3",
        "Contraste des composants d'interface (3:1)",
        CONFORME,
        "Mesure du contour de focus sur chaque page et des bordures de champs",
    ),
    ("5.4", "Titre (légende) associé à chaque tableau de données", CONFORME, SWEEP),
    ("5.6", "En-têtes de lignes et de colonnes des tableaux déclarés", CONFORME, AXE),
    ("6.1", "Liens explicites (chaque lien a un intitulé)", CONFORME, AXE),
    ("8.2", "Code valide : identifiants uniques, attributs ARIA valides", CONFORME, SWEEP),
    ("8.3", "Langue par défaut présente", CONFORME, SWEEP),
    ("8.5", "Titre de page présent", CONFORME, AXE),
    ("9.1", "Un titre principal (h1) par page, hiérarchie des titres", CONFORME, SWEEP),
    ("10.7", "Prise de focus visible (contour d'au moins 3:1)", CONFORME, SWEEP),
    (
        "10.11",
        "Pas de défilement horizontal de la page à 320 px (tableaux défilants à part, "
        "atteignables au clavier)",
        CONFORME,
        "Automatique, chaque page à 320 et 360 px",
    ),
    ("11.1", "Étiquette de chaque champ de formulaire", CONFORME, AXE),
    (
        "11.10",
        "Champs obligatoires signalés et explication de l'astérisque ; erreurs signalées",
        CONFORME,
        "Formulaires envoyés vides : récapitulatif des erreurs, focus, titre de la page",
    ),
    (
        "12.6",
        "Zones de regroupement (en-tête, navigation, contenu principal) identifiées",
        CONFORME,
        SWEEP,
    ),
    ("12.7", "Lien d'évitement vers le contenu principal", CONFORME, SWEEP),
]

SAMPLE = [
    "Connexion (/connexion/)",
    "Mon suivi, accueil du travailleur social (/mon-suivi/)",
    "Liste des ménages et fiche d'un ménage (/menages/)",
    "Nouveau ménage et import de listes (/menages/nouveau/, /menages/import/)",
    "Diagnostics : liste, saisie, fiche, synthèse, comparaison (/diagnostics/)",
    "Logements : parc, suivi des glissements, parcours et rapprochement (/logements/)",
    "Accompagnement : fiche, contact, objectifs, entretiens, clôture (/accompagnements/)",
    "Signalements et enquêtes (/signalements/, /enquetes/)",
    "Cellule de coordination : réunions, comité de suivi, partenaires (/cellule/)",
    "Journal des accès (/journal/)",
    "Déclaration d'accessibilité (/accessibilite/)",
]
