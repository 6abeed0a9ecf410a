from django.db import models


class Public(models.TextChoices):
    """The seven publics of the convention (§1.2)."""

    EMERGENCY_SHELTER = "emergency_shelter", "Hébergement d'urgence"
    FIXED_TERM_PERMIT = "fixed_term_permit", "Titre de séjour à durée déterminée"
    AHI_STRUCTURE = "ahi_structure", "Structure AHI (CHRS, FJT, foyer monoparental, CADA)"
    THIRD_PARTY = "third_party", "Hébergé chez un tiers"
    ALT = "alt", "Hébergé depuis plus d'un an en ALT"
    EVICTION_THREAT = "eviction_threat", "Menacé d'expulsion"
    DALO = "dalo", "Prioritaire Commission de médiation (DALO)"
    # Imported from a list that does not say it, and whose accommodation column does not tell
    # it unambiguously (docs/imports.md): to be qualified before any cellule agenda.
    TO_QUALIFY = "to_qualify", "À qualifier"


class Origin(models.TextChoices):
    """Reporting origin (§7.1), derived from the public."""

    EMERGENCY = "emergency", "Hébergement d'urgence"
    EVICTION = "eviction", "Menacé d'expulsion"
    MEDIATION = "mediation", "Prioritaire Commission de médiation"


ORIGIN_OF_PUBLIC = {
    Public.EVICTION_THREAT: Origin.EVICTION,
    Public.DALO: Origin.MEDIATION,
    # Every other public is housed precariously (shelter, AHI, ALT, third party, short permit):
    # the convention's reporting groups them under emergency / temporary accommodation.
}

# Publics living in a collective structure with social support: diagnostic level 1 (§2.1.1).
SUPPORTED_STRUCTURE_PUBLICS = frozenset({Public.AHI_STRUCTURE, Public.ALT})


class Status(models.TextChoices):
    PRESELECTED = "preselected", "Présélectionné"
    AWAITING_LEVEL = "awaiting_level", "En attente de la cellule (niveau de diagnostic)"
    DIAGNOSTIC = "diagnostic", "Diagnostic en cours"
    AWAITING_ADMISSION = "awaiting_admission", "En attente de la cellule (admission)"
    NOT_ADMITTED = "not_admitted", "Non admis"
    ADMITTED = "admitted", "Admis — relogement et conventions"
    ACCOMPANIED = "accompanied", "Accompagnement en cours"
    POST_AUTONOMY = "post_autonomy", "Suivi post-autonomie"
    EXITED = "exited", "Sorti du dispositif"
    ARCHIVED = "archived", "Archivé"


class Owner(models.TextChoices):
    """Who may make a transition (docs/pipeline.md): the status form makes only the manual ones;
    every other one belongs to the one function of the workflow that applies it."""

    MANUAL = "manual", "changement manuel (sortie, retour, archivage)"
    AGENDA = "agenda", "l'inscription à l'ordre du jour d'une cellule"
    LEVEL = "level", "la fixation du niveau de diagnostic (cellule ou niveau provisoire)"
    SUBMISSION = "submission", "la transmission du diagnostic"
    REOPENING = "reopening", "la reprise du diagnostic"
    ADMISSION = "admission", "la décision d'admission de la cellule"
    BEGIN = "begin", "le début de l'accompagnement (documents signés)"
    CLOSURE = "closure", "la clôture de l'accompagnement"
    REVIEW = "review", "la décision de la cellule sur un accompagnement"
    # Not transitions of TRANSITIONS, but rows of the history: the first one, and retention.
    CREATION = "creation", "la création du dossier"
    RETENTION = "retention", "l'archivage automatique (conservation)"


S, W = Status, Owner
# Every allowed transition and the one owner that applies it.
TRANSITIONS: dict[str, dict[str, str]] = {
    # A provisional level (CCAS manager, between two cellules) opens the diagnostic at once.
    S.PRESELECTED: {S.AWAITING_LEVEL: W.AGENDA, S.DIAGNOSTIC: W.LEVEL, S.EXITED: W.MANUAL},
    S.AWAITING_LEVEL: {S.DIAGNOSTIC: W.LEVEL, S.EXITED: W.MANUAL},
    S.DIAGNOSTIC: {S.AWAITING_ADMISSION: W.SUBMISSION, S.EXITED: W.MANUAL},
    S.AWAITING_ADMISSION: {
        S.ADMITTED: W.ADMISSION,
        S.NOT_ADMITTED: W.ADMISSION,
        S.DIAGNOSTIC: W.REOPENING,
        S.EXITED: W.MANUAL,
    },
    S.NOT_ADMITTED: {S.AWAITING_LEVEL: W.AGENDA, S.ARCHIVED: W.MANUAL},
    S.ADMITTED: {S.ACCOMPANIED: W.BEGIN, S.EXITED: W.MANUAL},
    # Leaving during an accompaniment closes it (departure, loss of adhesion, …): its closure.
    S.ACCOMPANIED: {
        S.POST_AUTONOMY: W.CLOSURE,
        S.EXITED: W.CLOSURE,
        S.AWAITING_ADMISSION: W.REVIEW,
    },
    S.POST_AUTONOMY: {S.ARCHIVED: W.MANUAL},
    S.EXITED: {S.PRESELECTED: W.MANUAL, S.ARCHIVED: W.MANUAL},
    S.ARCHIVED: {},
}
del S, W

# Households "in the programme" once admitted (signals may be recorded on them).
IN_PROGRAMME_STATUSES = frozenset({Status.ADMITTED, Status.ACCOMPANIED, Status.POST_AUTONOMY})


class ExitReason(models.TextChoices):
    REFUSAL = "refusal", "Refus du ménage"
    DEPARTURE = "departure", "Départ / déménagement"
    NO_CONTACT = "no_contact", "Absence de contact"
    NOT_ELIGIBLE = "not_eligible", "Ne relève pas du dispositif"
    ADHESION_LOSS = "adhesion_loss", "Perte d'adhésion"
    OTHER = "other", "Autre"


class Source(models.TextChoices):
    """Priority lists households come from (§3.2.1, §1.2)."""

    CODESI = "codesi", "CODESI (listes LAP/LIP)"
    COMITE = "comite", "Comité de contrôle de Caen habitat"
    DALO = "dalo", "DALO (Commission de médiation)"
    CCAPEX = "ccapex", "CCAPEX"
    CONTENTIEUX = "contentieux", "Contentieux Caen habitat"


class Gender(models.TextChoices):
    FEMALE = "F", "Femme"
    MALE = "M", "Homme"


class Relation(models.TextChoices):
    REFERENCE = "reference", "Personne de référence"
    SPOUSE = "spouse", "Conjoint(e)"
    CHILD = "child", "Enfant"
    OTHER = "other", "Autre personne du ménage"


class Employment(models.TextChoices):
    JOBSEEKER = "jobseeker", "Demandeur d'emploi"
    EMPLOYEE = "employee", "Salarié"
    SELF_EMPLOYED = "self_employed", "Indépendant"
    TRAINING = "training", "En formation / étudiant"
    RETIRED = "retired", "Retraité"
    INACTIVE = "inactive", "Sans activité"
    DISABILITY = "disability", "Invalidité / AAH"
    CHILD = "child", "Enfant / non concerné"


class FamilyStructure(models.TextChoices):
    SINGLE = "single", "Personne seule"
    SINGLE_PARENT = "single_parent", "Famille monoparentale"
    COUPLE = "couple", "Couple sans enfant"
    COUPLE_CHILDREN = "couple_children", "Couple avec enfant(s)"
    OTHER = "other", "Autre composition"


class AgeBand(models.TextChoices):
    UNDER_25 = "under_25", "Moins de 25 ans"
    FROM_25 = "25_34", "25 à 34 ans"
    FROM_35 = "35_59", "35 à 59 ans"
    OVER_60 = "60_plus", "60 ans et plus"


class Quartier(models.TextChoices):
    """Caen's quartiers, as Caen habitat's agencies name them."""

    CENTRE = "centre", "Centre-ville"
    VAUCELLES = "vaucelles", "Vaucelles"
    RIVE_DROITE = "rive_droite", "Rive droite – Demi-Lune"
    GUERINIERE = "gueriniere", "La Guérinière"
    GRACE_DE_DIEU = "grace_de_dieu", "La Grâce de Dieu"
    SAINTE_THERESE = "sainte_therese", "Sainte-Thérèse"
    CHEMIN_VERT = "chemin_vert", "Chemin Vert"
    FOLIE_COUVRECHEF = "folie_couvrechef", "Folie-Couvrechef"
    PIERRE_HEUZE = "pierre_heuze", "La Pierre Heuzé"
    CALVAIRE_SAINT_PIERRE = "calvaire_saint_pierre", "Calvaire Saint-Pierre"
    SAINT_JEAN_EUDES = "saint_jean_eudes", "Saint-Jean-Eudes"
    MALADRERIE = "maladrerie", "La Maladrerie"
    BEAULIEU = "beaulieu", "Beaulieu"
    VENOIX = "venoix", "Venoix"
    SAINT_PAUL = "saint_paul", "Saint-Paul"


class NoticeMethod(models.TextChoices):
    """How the information notice (RGPD art. 13, docs/privacy.md) was given to the household."""

    HANDED = "handed", "Remise en main propre lors d'un entretien"
    READ_ALOUD = "read_aloud", "Lue et expliquée oralement, exemplaire remis"
    POST = "post", "Envoyée par courrier"
    EMAIL = "email", "Envoyée par courriel"
