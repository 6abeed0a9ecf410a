from django.db import models


class Kind(models.TextChoices):
    CONTACT_OVERDUE = "contact_overdue", "Contacts en retard"
    CONTACT_DUE = "contact_due", "Contacts à faire cette semaine"
    END_SOON = "end_soon", "Fin d'accompagnement dans 30 jours"
    EXTENSION_WAITING = "extension_waiting", "Prolongation en attente de décision"
    GLIDE_SOON = "glide_soon", "Glissement du bail dans 30 jours"
    SIGNAL_WAITING = "signal_waiting", "Signalement non pris en compte"
    SURVEY_DUE = "survey_due", "Enquête post-autonomie à réaliser"
    SURVEY_OVERDUE = "survey_overdue", "Enquête post-autonomie en retard"
    CONVOCATION = "convocation", "Convocation à la cellule"
    NO_CELLULE = "no_cellule", "Aucune cellule prévue ce trimestre"
    NO_COMITE = "no_comite", "Aucun comité de suivi prévu cette année"


# Who may read a notification of each kind: the policy action on its household (or, without a
# household, on the role alone). A user who loses access stops seeing it and is not mailed.
KIND_ACTIONS = {
    Kind.CONTACT_OVERDUE: "accompaniment.view",
    Kind.CONTACT_DUE: "accompaniment.view",
    Kind.END_SOON: "accompaniment.view",
    Kind.EXTENSION_WAITING: "accompaniment.approve",
    Kind.GLIDE_SOON: "housing.view",
    Kind.SIGNAL_WAITING: "signal.view",
    Kind.SURVEY_DUE: "accompaniment.view",
    Kind.SURVEY_OVERDUE: "accompaniment.view",
    Kind.CONVOCATION: "meeting.view",
    Kind.NO_CELLULE: "meeting.view",
    Kind.NO_COMITE: "meeting.view",
}


class Channel(models.TextChoices):
    IMMEDIATE = "immediate", "Courriel immédiat"
    DIGEST = "digest", "Récapitulatif quotidien"
    IN_APP = "in_app", "Dans l'application seulement"


class MailState(models.TextChoices):
    NONE = "none", "Pas de courriel"
    PENDING = "pending", "À envoyer"
    DIGEST = "digest", "Dans le prochain récapitulatif"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec"
    DROPPED = "dropped", "Abandonné (accès retiré)"


class Outcome(models.TextChoices):
    RUNNING = "running", "En cours"
    SUCCESS = "success", "Réussie"
    FAILED = "failed", "Échec"
