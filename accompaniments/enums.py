"""The accompaniment's choices (French labels), shared by its models, forms and views."""

from django.db import models

from households.enums import ExitReason


class AccompanimentStatus(models.TextChoices):
    ACTIVE = "active", "En cours"
    CLOSED = "closed", "Clôturé"


class AdhesionDegree(models.TextChoices):
    CONSTANT = "constant", "Constante"
    INCONSTANT = "inconstant", "Inconstante"
    BROKEN = "broken", "Rompue"


class ClosureReason(models.TextChoices):
    AUTONOMY = "autonomy", "Autonomie"
    REHOUSING = "rehousing", "Relogement"
    DEPARTURE = "departure", "Départ"
    ADHESION_BREAK = "adhesion_break", "Perte d'adhésion"
    OTHER = "other", "Autre"


# Where the household goes when its accompaniment closes: post-autonomy follow-up, except a
# departure or a loss of adhesion, which end the household's time in the programme.
EXIT_OF_CLOSURE = {
    ClosureReason.DEPARTURE: ExitReason.DEPARTURE,
    ClosureReason.ADHESION_BREAK: ExitReason.ADHESION_LOSS,
}
# Before the 3 months of §2.2.2, an accompaniment ends only for these (« Autre » with its
# reason written); an ending for autonomy or rehousing follows the end interview (§7).
EARLY_CLOSURE_REASONS = frozenset(
    {ClosureReason.DEPARTURE, ClosureReason.ADHESION_BREAK, ClosureReason.OTHER}
)
CLOSURE_AFTER_END_INTERVIEW = frozenset({ClosureReason.AUTONOMY, ClosureReason.REHOUSING})


class EventKind(models.TextChoices):
    STARTED = "started", "Début"
    PLAN_CHANGED = "plan_changed", "Modification"
    EXTENSION_REQUESTED = "extension_requested", "Demande de prolongation"
    EXTENSION_APPROVED = "extension_approved", "Prolongation accordée"
    EXTENSION_REFUSED = "extension_refused", "Prolongation refusée"
    REFERENT_CHANGED = "referent_changed", "Changement de référent"
    CLOSED = "closed", "Clôture"
    VISIT_PLANNED = "visit_planned", "Rendez-vous planifié"
    VISIT_MOVED = "visit_moved", "Rendez-vous déplacé"
    VISIT_CANCELLED = "visit_cancelled", "Rendez-vous annulé"
    VISIT_DONE = "visit_done", "Rendez-vous tenu"


class ObjectiveStatus(models.TextChoices):
    PLANNED = "planned", "À engager"
    IN_PROGRESS = "in_progress", "En cours"
    REACHED = "reached", "Atteint"
    PARTLY = "partly", "Partiellement atteint"
    NOT_REACHED = "not_reached", "Non atteint"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "En attente de décision"
    APPROVED = "approved", "Accordée"
    REFUSED = "refused", "Refusée"


class InterviewKind(models.TextChoices):
    DURING = "during", "En cours d'accompagnement"
    END = "end", "En fin d'accompagnement"


class RentPaid(models.TextChoices):
    YES = "yes", "Oui, régulièrement"
    PARTLY = "partly", "Avec des retards"
    NO = "no", "Non"


class AutonomyLevel(models.TextChoices):
    FULL = "full", "Autonome"
    PARTIAL = "partial", "Partiellement autonome"
    NONE = "none", "Pas autonome"


class ContactKind(models.TextChoices):
    HOME_VISIT = "home_visit", "Visite à domicile"
    PHONE_CALL = "phone_call", "Appel téléphonique"
    OFFICE = "office", "Entretien au bureau"
    ACCOMPANIED_STEP = "accompanied_step", "Démarche accompagnée (partenaire)"
    FAILED = "failed", "Tentative sans contact"


# Contacts that reached the household: they count for the 15-day rhythm (cadence.py).
CONTACT_KINDS_REACHING = [
    ContactKind.HOME_VISIT,
    ContactKind.PHONE_CALL,
    ContactKind.OFFICE,
    ContactKind.ACCOMPANIED_STEP,
]


class SignalKind(models.TextChoices):
    UNPAID_RENT = "unpaid_rent", "Impayé de loyer"
    NEIGHBOUR_TROUBLE = "neighbour_trouble", "Troubles de voisinage"
    LACK_OF_UPKEEP = "lack_of_upkeep", "Défaut d'entretien"
    ADHESION_LOSS = "adhesion_loss", "Perte d'adhésion"


CAEN_HABITAT_SIGNAL_KINDS = [
    (SignalKind.UNPAID_RENT, SignalKind.UNPAID_RENT.label),
    (SignalKind.NEIGHBOUR_TROUBLE, SignalKind.NEIGHBOUR_TROUBLE.label),
    (SignalKind.LACK_OF_UPKEEP, SignalKind.LACK_OF_UPKEEP.label),
]


# --- planned visits and the household's reminders (docs/reminders.md) ----------------------
class VisitKind(models.TextChoices):
    """The same values as ContactKind: the contact logged for a visit has its kind."""

    HOME_VISIT = "home_visit", "Visite à domicile"
    OFFICE = "office", "Entretien au bureau"
    PHONE_CALL = "phone_call", "Appel téléphonique"


class VisitStatus(models.TextChoices):
    # « Manqué » is derived: still planned the day after, without a contact logged that day.
    PLANNED = "planned", "Prévu"
    DONE = "done", "Tenu"
    CANCELLED = "cancelled", "Annulé"


class ReminderChannel(models.TextChoices):
    NONE = "none", "Aucun rappel"
    SMS = "sms", "SMS"
    EMAIL = "email", "Courriel"


class MessageKind(models.TextChoices):
    REMINDER = "reminder", "Rappel"
    MOVED = "moved", "Rendez-vous déplacé"
    CANCELLED = "cancelled", "Rendez-vous annulé"


class MessageState(models.TextChoices):
    PENDING = "pending", "À envoyer"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec"
    DROPPED = "dropped", "Abandonné (accord retiré ou rendez-vous changé)"
