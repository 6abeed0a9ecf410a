"""The shared taxonomy of obstacles (freins) and accompaniment axes (§2.2.1).

Diagnostics pick obstacles from it, accompaniments work on axes of it, reporting counts both.
Items are stored as "category.item" codes; `SPECIAL_CATEGORY_ITEMS` are health or addiction
data that never leave the CCAS (no synthesis, no minutes, no PDF pack).
"""

CATEGORIES = {
    "insertion": "Insertion sociale et professionnelle",
    "budget": "Gestion budgétaire",
    "housing_path": "Parcours locatif",
    "dwelling_use": "Utilisation du logement",
    "follow_up": "Suivi social",
}

ITEMS = {
    "insertion.health": "Santé",
    "insertion.job_instability": "Instabilité professionnelle",
    "insertion.french": "Apprentissage du français",
    "budget.choices": "Choix budgétaires / instabilité des ressources",
    "budget.over_indebtedness": "Surendettement (plan d'apurement, Banque de France, mesure de protection)",
    "budget.addiction": "Conduite addictive",
    "housing_path.past_eviction": "Expulsion antérieure",
    "housing_path.instability": "Instabilité locative",
    "housing_path.no_experience": "Absence d'expérience locative",
    "dwelling_use.animals": "Animaux nombreux",
    "dwelling_use.upkeep": "Défaut d'entretien",
    "dwelling_use.neighbours": "Troubles de voisinage",
    "follow_up.adhesion": "Adhésion",
}

SPECIAL_CATEGORY_ITEMS = frozenset({"insertion.health", "budget.addiction"})

CATEGORY_CHOICES = list(CATEGORIES.items())
ITEM_CHOICES = [
    (label, [(code, ITEMS[code]) for code in ITEMS if code.startswith(key + ".")])
    for key, label in CATEGORIES.items()
]


def category_of(item_code: str) -> str:
    return item_code.split(".", 1)[0]


def category_label(item_code: str) -> str:
    return CATEGORIES[category_of(item_code)]
