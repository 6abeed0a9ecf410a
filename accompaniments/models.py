from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import policy
from households.models import Household


class AccompanimentStatus(models.TextChoices):
    ACTIVE = "active", "En cours"
    CLOSED = "closed", "Clôturé"


class AdhesionDegree(models.TextChoices):
    CONSTANT = "constant", "Constante"
    INCONSTANT = "inconstant", "Inconstante"
    BROKEN = "broken", "Rompue"


class AccompanimentQuerySet(models.QuerySet):
    def visible_to(self, user, action="accompaniment.view"):
        return self.filter(policy.household_q(user, action, prefix="household__"))

    def active(self):
        return self.filter(status=AccompanimentStatus.ACTIVE)


class Accompaniment(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="accompaniments"
    )
    status = models.CharField(
        "état",
        max_length=20,
        choices=AccompanimentStatus.choices,
        default=AccompanimentStatus.ACTIVE,
        db_index=True,
    )
    start = models.DateField("début")
    planned_end = models.DateField("fin prévue")
    closed_on = models.DateField("clôturé le", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = AccompanimentQuerySet.as_manager()

    class Meta:
        verbose_name = "accompagnement"
        ordering = ["-start", "-pk"]


class AdhesionRecord(models.Model):
    accompaniment = models.ForeignKey(
        Accompaniment, on_delete=models.CASCADE, related_name="adhesion_records"
    )
    month = models.DateField("mois")  # first day of the month
    degree = models.CharField("degré d'adhésion", max_length=20, choices=AdhesionDegree.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = "adhésion du mois"
        constraints = [
            models.UniqueConstraint(fields=["accompaniment", "month"], name="unique_adhesion_month")
        ]


class SignalKind(models.TextChoices):
    UNPAID_RENT = "unpaid_rent", "Impayé de loyer"
    NEIGHBOUR_TROUBLE = "neighbour_trouble", "Troubles de voisinage"
    LACK_OF_UPKEEP = "lack_of_upkeep", "Défaut d'entretien"
    ADHESION_LOSS = "adhesion_loss", "Perte d'adhésion"


class Signal(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="signals")
    kind = models.CharField("type", max_length=30, choices=SignalKind.choices)
    created_at = models.DateTimeField("signalé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    acknowledged_at = models.DateTimeField("pris en compte le", null=True, blank=True)

    class Meta:
        verbose_name = "signalement"
        ordering = ["-created_at", "-pk"]
