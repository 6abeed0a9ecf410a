"""The tripartite convention and the contrat d'accompagnement social, rendered from the data.

Texts of the commitments come from the programme convention (docs/domain.md §2.2, §2.3, §3).
Health and addiction items (special-category data, `taxonomy.SPECIAL_CATEGORY_ITEMS`) are never
printed: these PDFs are read at Caen habitat too, so such an axis shows only under its category.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from caen_accompagnement.dates import add_months
from caen_accompagnement.pdf import render_pdf
from diagnostics.rhythms import rhythm_of
from households import taxonomy

from .matching import current_diagnostic
from .models import DocumentKind, Solution, stays_in_place

DEFAULT_DURATION_MONTHS = 6

OFFICE = "des entretiens dans les locaux du CCAS en fonction des besoins"

# Objectives per axis, from docs/domain.md §2.2.1 (the accompaniment's aims for each obstacle).
OBJECTIVES = {
    "insertion": "Lever les freins à l'insertion sociale et professionnelle.",
    "insertion.job_instability": "Retrouver une stabilité professionnelle et budgétaire, en lien avec le Correspondant Solidarité Emploi du CCAS.",
    "insertion.french": "Progresser dans l'apprentissage du français pour faciliter les démarches.",
    "budget": "Gérer son budget de façon autonome.",
    "budget.choices": "Faire valoir l'ensemble de ses droits et prioriser les dépenses, dont le loyer.",
    "budget.over_indebtedness": "Traiter l'endettement : plan d'apurement, dossier Banque de France ou mesure de protection si nécessaire.",
    "housing_path": "S'installer durablement dans le logement.",
    "housing_path.past_eviction": "Payer le loyer régulièrement et respecter le plan d'apurement pour prévenir une nouvelle expulsion.",
    "housing_path.instability": "S'approprier le logement et son environnement, notamment par l'ameublement.",
    "housing_path.no_experience": "Réussir l'installation : aides à l'accès, énergie, assurance.",
    "dwelling_use": "Utiliser le logement dans le respect du bail.",
    "dwelling_use.animals": "Prendre en charge ses animaux pour qu'ils ne fassent pas obstacle au maintien dans les lieux.",
    "dwelling_use.upkeep": "Entretenir le logement.",
    "dwelling_use.neighbours": "Respecter les règles de vie en collectivité et entretenir de bonnes relations de voisinage.",
    "follow_up": "Adhérer à l'accompagnement : rendez-vous, visites et échanges réguliers.",
    "follow_up.adhesion": "Adhérer à l'accompagnement : rendez-vous, visites et échanges réguliers.",
}

COMMITMENTS = {
    "Caen habitat": [
        "Mobiliser un logement adapté aux caractéristiques et aux souhaits du ménage (§3.1) et le "
        "cadre de gestion locative adaptée qui sécurise la relation bailleur/locataire (§3.2).",
        "Informer au plus tôt le travailleur social référent du CCAS de tout impayé de loyer, "
        "trouble de voisinage ou défaut d'entretien signalé (§3.2.3).",
        "Rechercher avec le CCAS une solution en cas de défaut d'adhésion du ménage, par la "
        "médiation du bailleur (§2.2.1, §3.2.3).",
    ],
    "CCAS de Caen": [
        "Assurer, par un travailleur social référent, un accompagnement social global et "
        "ininterrompu, modulé en intensité et en fréquence selon les besoins (§2.2).",
        "Rencontrer le ménage au moins une fois par mois à domicile et le contacter par téléphone "
        "tous les 15 jours (§2.2.3).",
        "Signaler au plus tôt à Caen habitat toute perte d'adhésion du ménage (§3.2.3).",
    ],
    "Le ménage": [
        "Payer régulièrement son loyer et ses charges, et maintenir ses droits (§2.2).",
        "Entretenir son logement et entretenir de bonnes relations de voisinage (§2.2).",
        "Participer aux rendez-vous, visites à domicile et entretiens prévus avec le "
        "travailleur social référent, et travailler les objectifs partagés (§2.3).",
    ],
}


def objectives_by_axis(codes):
    """[(category label, [objectives])], special-category items shown under their category only."""
    grouped = {}
    for code in codes or []:
        category = taxonomy.category_of(code)
        if category not in taxonomy.CATEGORIES:
            continue
        if code in taxonomy.SPECIAL_CATEGORY_ITEMS or code not in taxonomy.ITEMS:
            text = OBJECTIVES[category]
        else:
            text = f"{taxonomy.ITEMS[code]} — {OBJECTIVES.get(code, OBJECTIVES[category])}"
        items = grouped.setdefault(category, [])
        if text not in items:
            items.append(text)
    return [
        (taxonomy.CATEGORIES[key], grouped[key]) for key in taxonomy.CATEGORIES if key in grouped
    ]


def document_context(household, kind):
    """The data the document prints. Raises ValidationError (French) when it cannot be made."""
    diagnostic = current_diagnostic(household)
    rehousing = (
        household.rehousings.select_related("dwelling").order_by("-lease_start", "-pk").first()
    )
    in_place = rehousing is None and stays_in_place(household)
    if kind == DocumentKind.CONVENTION and rehousing is None and not in_place:
        raise ValidationError(
            "Enregistrez d'abord le relogement : la convention tripartite est jointe au bail."
        )
    duration = (
        diagnostic.proposed_duration_months if diagnostic else None
    ) or DEFAULT_DURATION_MONTHS
    intensity = diagnostic.intensity if diagnostic else ""
    intensity_label = diagnostic.get_intensity_display() if diagnostic and intensity else "Moyenne"
    rhythm = rhythm_of(intensity)  # the one table the cadence checks read too
    frequency = {"visits": rhythm.visits_text, "calls": rhythm.calls_text}
    start = rehousing.lease_start if rehousing else timezone.localdate()
    members = household.members_list
    return {
        "household": household,
        "members": members,
        "reference_person": household.reference_person,
        "referent": household.referent,
        "diagnostic": diagnostic,
        "rehousing": rehousing,
        "stays_in_place": in_place,
        "solution_is_sliding": rehousing is not None
        and rehousing.solution == Solution.SLIDING_LEASE,
        "objectives": objectives_by_axis(diagnostic.proposed_axes if diagnostic else []),
        "duration_months": duration,
        "intensity_label": intensity_label,
        "frequency": frequency,
        "office": OFFICE,
        "commitments": COMMITMENTS,
        "accompaniment_start": start,
        "accompaniment_end": add_months(start, duration),
        "today": timezone.localdate(),
    }


TEMPLATES = {
    DocumentKind.CONVENTION: "housing/pdf/convention.html",
    DocumentKind.CONTRACT: "housing/pdf/contract.html",
}


def render_document(kind, context) -> bytes:
    return render_pdf(TEMPLATES[kind], context)
