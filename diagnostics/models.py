from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import policy
from households.models import Household


class DiagnosticStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Transmis à la cellule"
    REVIEWED = "reviewed", "Examiné par la cellule"


class Capacity(models.TextChoices):
    YES = "yes", "Oui"
    WITH_RESERVATIONS = "reserved", "Avec réserves"
    NO = "no", "Non"


class Intensity(models.TextChoices):
    LIGHT = "light", "Légère"
    MEDIUM = "medium", "Moyenne"
    STRONG = "strong", "Renforcée"


class DiagnosticQuerySet(models.QuerySet):
    def detail_visible_to(self, user):
        return self.filter(policy.household_q(user, "diagnostic.view_detail", prefix="household__"))

    def synthesis_visible_to(self, user):
        return self.filter(
            policy.household_q(user, "diagnostic.view_synthesis", prefix="household__")
        )

    def current(self):
        """The latest version of each household's diagnostic."""
        return self.filter(superseded_by__isnull=True)


class Diagnostic(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="diagnostics")
    level = models.PositiveSmallIntegerField(
        "niveau", choices=[(1, "Niveau 1"), (2, "Niveau 2"), (3, "Niveau 3")]
    )
    status = models.CharField(
        "état",
        max_length=20,
        choices=DiagnosticStatus.choices,
        default=DiagnosticStatus.DRAFT,
        db_index=True,
    )
    number = models.PositiveSmallIntegerField("version", default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    submitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)
    # Conclusion and proposal (§2.1.2): what the cellule and the accompaniment build on.
    capacity = models.CharField(
        "capacité à intégrer le dispositif", max_length=10, choices=Capacity.choices, blank=True
    )
    capacity_reason = models.TextField("motif", blank=True)
    dwelling_type_sought = models.CharField("typologie recherchée", max_length=10, blank=True)
    quartier_sought = models.CharField("quartier souhaité", max_length=30, blank=True)
    proposed_axes = models.JSONField("axes d'accompagnement proposés", default=list, blank=True)
    intensity = models.CharField("intensité", max_length=10, choices=Intensity.choices, blank=True)
    proposed_duration_months = models.PositiveSmallIntegerField(
        "durée proposée (mois)", null=True, blank=True
    )
    # Optimistic lock for drafts edited by two people.
    version = models.PositiveIntegerField(default=1)

    objects = DiagnosticQuerySet.as_manager()

    class Meta:
        verbose_name = "diagnostic"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Diagnostic niveau {self.level} — {self.household.reference} (v{self.number})"
