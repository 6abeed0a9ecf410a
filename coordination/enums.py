from django.db import models


class MeetingKind(models.TextChoices):
    CELLULE = "cellule", "Cellule de coordination"
    COMITE = "comite", "Comité de suivi"


class ItemKind(models.TextChoices):
    LEVEL = "level", "Choix du niveau de diagnostic"
    ADMISSION = "admission", "Examen du diagnostic et admission"
    REVIEW = "review", "Accompagnement terminé ou en difficulté"
    MANUAL = "manual", "Autre point"


class Outcome(models.TextChoices):
    # level decision
    LEVEL = "level", "Niveau de diagnostic fixé"
    # admission
    ADMITTED = "admitted", "Admis"
    NOT_ADMITTED = "not_admitted", "Non admis"
    DEFERRED = "deferred", "Ajourné"
    # review of a finished accompaniment or a file in difficulty
    CONTINUE = "continue", "Poursuite de l'accompagnement"
    EXTEND = "extend", "Prolongation de l'accompagnement"
    CLOSE = "close", "Fin de l'accompagnement (clôture par le référent avec le bilan)"
    BACK_TO_CELLULE = "back", "Retour en cellule (réexamen de l'admission)"
    # manual item
    NOTED = "noted", "Point examiné"


OUTCOMES_OF_KIND = {
    ItemKind.LEVEL: [Outcome.LEVEL],
    ItemKind.ADMISSION: [Outcome.ADMITTED, Outcome.NOT_ADMITTED, Outcome.DEFERRED],
    ItemKind.REVIEW: [Outcome.CONTINUE, Outcome.EXTEND, Outcome.CLOSE, Outcome.BACK_TO_CELLULE],
    ItemKind.MANUAL: [Outcome.NOTED],
}


class PartnerCategory(models.TextChoices):
    """The three kinds of operational partners of docs/domain.md §4.1."""

    SIGNALEMENT = "signalement", "Signalement de la demande"
    OFFRE = "offre", "Mobilisation de l'offre"
    ACCOMPAGNEMENT = "accompagnement", "Accompagnement des ménages"


class OrientationOutcome(models.TextChoices):
    PENDING = "pending", "En attente de réponse"
    TAKEN = "taken", "Prise en charge"
    REFUSED = "refused", "Refus du partenaire"
    DECLINED = "declined", "Refus du ménage"
    NO_ANSWER = "no_answer", "Sans suite"


class ComiteOrganisation(models.TextChoices):
    CAEN_HABITAT = "caen_habitat", "Caen habitat"
    CCAS = "ccas", "CCAS de Caen"
    DDCS = "ddcs", "DDCS du Calvados (Pôle Hébergement et Accès au Logement)"
    DEPARTEMENT = "departement", "Conseil départemental (Direction de l'Insertion et du Logement)"
    OTHER = "other", "Autre"


class AdjustmentStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposé"
    APPROVED = "approved", "Approuvé"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Réalisé"
    DROPPED = "dropped", "Abandonné"


class DeliveryStatus(models.TextChoices):
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec"
