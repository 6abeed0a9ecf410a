from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.enums import Role

from ..enums import (
    AutonomyLevel,
    InterviewKind,
    RentPaid,
)


class InterviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Who reads an interview and its rapport social: the CCAS (as its accompaniments), and
        the tenancy officer who co-led it (docs/access.md: Caen habitat's gestion locative co-leads
        the semi-directive interview), that one only."""
        q = Q(pk__in=[])
        if policy.can(user, "accompaniment.view"):
            q = policy.household_q(user, "accompaniment.view", prefix="accompaniment__household__")
        if user.has_role(Role.TENANCY_OFFICER):
            q |= Q(tenancy_officer=user)
        return self.filter(q)


class Interview(models.Model):
    """The semi-directive interview (§7), held by the référent and the tenancy officer together."""

    accompaniment = models.ForeignKey(
        "accompaniments.Accompaniment", on_delete=models.PROTECT, related_name="interviews"
    )
    kind = models.CharField("moment", max_length=10, choices=InterviewKind.choices)
    held_on = models.DateField("date de l'entretien")
    social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="travailleur social",
        on_delete=models.PROTECT,
        related_name="+",
    )
    tenancy_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="chargé(e) de gestion locative",
        on_delete=models.PROTECT,
        related_name="+",
    )
    difficulties = models.TextField("difficultés rencontrées")
    changes = models.TextField("évolutions constatées")
    outcome = models.TextField("freins restants ou objectifs atteints")
    autonomy_words = models.TextField("parole du ménage : autonomie retrouvée", blank=True)
    worries = models.TextField("parole du ménage : inquiétudes", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        verbose_name = "entretien semi-directif"
        ordering = ["-held_on", "-pk"]


class Survey(models.Model):
    """The post-autonomy survey (§7): 6 months after closure, then every 6 months."""

    accompaniment = models.ForeignKey(
        "accompaniments.Accompaniment", on_delete=models.PROTECT, related_name="surveys"
    )
    round = models.PositiveSmallIntegerField("enquête n°")
    due_on = models.DateField("prévue le")
    done_on = models.DateField("réalisée le")
    rent_paid = models.CharField(
        "loyer payé régulièrement", max_length=10, choices=RentPaid.choices
    )
    had_incidents = models.BooleanField("incidents depuis la dernière enquête", default=False)
    incidents = models.TextField("incidents", blank=True)
    autonomy = models.CharField("autonomie", max_length=10, choices=AutonomyLevel.choices)
    difficulties = models.TextField("difficultés", blank=True)
    worries = models.TextField("inquiétudes", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.accompaniment.record_survey()  # its next survey's date

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        self.accompaniment.record_survey()
        return deleted

    class Meta:
        verbose_name = "enquête post-autonomie"
        ordering = ["accompaniment", "round"]
        constraints = [
            models.UniqueConstraint(fields=["accompaniment", "round"], name="unique_survey_round")
        ]
