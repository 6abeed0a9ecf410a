from django.db import models


class StepKind(models.TextChoices):
    """What the worker did to build the diagnostic (§2.1.1), by level."""

    STRUCTURE_CONTACT = "structure_contact", "Échange avec les travailleurs sociaux de la structure"
    AGENCY_CONTACT = "agency_contact", "Échange avec l'agence Caen habitat (gestion locative)"
    FAMILY_MEETING = "family_meeting", "Rencontre avec la famille"
    INTERVIEW = "interview", "Entretien approfondi avec la famille"


class AdminSituation(models.TextChoices):
    FRENCH = "french", "Nationalité française"
    EU = "eu", "Ressortissant de l'Union européenne"
    PERMIT = "permit", "Titre de séjour"
    RECEIPT = "receipt", "Récépissé / demande en cours"
    OTHER = "other", "Autre situation"


PERMIT_SITUATIONS = frozenset({AdminSituation.PERMIT, AdminSituation.RECEIPT})


class MaritalStatus(models.TextChoices):
    SINGLE = "single", "Célibataire"
    MARRIED = "married", "Marié(e)"
    PACS = "pacs", "Pacsé(e)"
    COHABITING = "cohabiting", "En concubinage"
    SEPARATED = "separated", "Séparé(e) / divorcé(e)"
    WIDOWED = "widowed", "Veuf / veuve"


class DwellingType(models.TextChoices):
    T1 = "T1", "T1"
    T2 = "T2", "T2"
    T3 = "T3", "T3"
    T4 = "T4", "T4"
    T5 = "T5", "T5 et plus"


class Assessment(models.TextChoices):
    GOOD = "good", "Bonne"
    PARTIAL = "partial", "À consolider"
    WEAK = "weak", "Faible"
    UNKNOWN = "unknown", "Non évaluée"


class Neighbourhood(models.TextChoices):
    NONE = "none", "Sans difficulté"
    OCCASIONAL = "occasional", "Difficultés ponctuelles"
    REPEATED = "repeated", "Troubles répétés"
    UNKNOWN = "unknown", "Non évalué"


class HousingStatus(models.TextChoices):
    TENANT = "tenant", "Locataire"
    OWNER = "owner", "Propriétaire"
    HOSTED = "hosted", "Hébergé chez un tiers"
    STRUCTURE = "structure", "Structure d'hébergement (CHRS, FJT, ALT…)"
    HOTEL = "hotel", "Hôtel / hébergement d'urgence"
    STREET = "street", "Sans domicile"
    OTHER = "other", "Autre"


class LeftBecause(models.TextChoices):
    CHOICE = "choice", "Départ choisi"
    EVICTION = "eviction", "Expulsion"
    END = "end", "Fin d'hébergement ou de prise en charge"
    FAMILY = "family", "Séparation / changement familial"
    CURRENT = "current", "Logement actuel"
    OTHER = "other", "Autre"


class ArrearsTrigger(models.TextChoices):
    """Fait(s) générateur(s) of unpaid rent (§2.1.2)."""

    JOB_LOSS = "job_loss", "Perte d'emploi ou baisse d'activité"
    SEPARATION = "separation", "Séparation ou changement familial"
    RIGHTS_BREAK = "rights_break", "Rupture ou suspension de droits (CAF, France Travail)"
    LIFE_EVENT = "life_event", "Accident de la vie"
    EXPENSES = "expenses", "Dépenses imprévues ou choix budgétaires"
    CREDITS = "credits", "Endettement (crédits)"
    OTHER = "other", "Autre"


class Support(models.TextChoices):
    CCAS = "ccas", "CCAS"
    DEPARTEMENT = "departement", "Circonscription d'action sociale (Département)"
    STRUCTURE = "structure", "Structure d'hébergement"
    PROTECTION = "protection", "Mesure de protection (mandataire)"
    EMPLOYMENT = "employment", "Accompagnement emploi / insertion"
    ASSOCIATION = "association", "Association"
    NONE = "none", "Aucun"


class Severity(models.TextChoices):
    LOW = "1", "Faible"
    MEDIUM = "2", "Modérée"
    HIGH = "3", "Forte"


class EventKind(models.TextChoices):
    CREATED = "created", "Diagnostic commencé"
    SUBMITTED = "submitted", "Transmis à la cellule"
    REVIEWED = "reviewed", "Examiné par la cellule"
    REOPENED = "reopened", "Rouvert (nouvelle version)"
    REPORT_UPLOADED = "report", "Rapport social CODESI joint"
