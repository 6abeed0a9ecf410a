from django.conf import settings
from django.db import models
from django.utils import timezone

from households.models import Household


class MeetingKind(models.TextChoices):
    CELLULE = "cellule", "Cellule de coordination"
    COMITE = "comite", "Comité de suivi"


class ItemKind(models.TextChoices):
    LEVEL = "level", "Choix du niveau de diagnostic"
    ADMISSION = "admission", "Examen du diagnostic et admission"
    REVIEW = "review", "Accompagnement terminé ou en difficulté"
    MANUAL = "manual", "Autre point"


class Meeting(models.Model):
    kind = models.CharField(
        "instance", max_length=20, choices=MeetingKind.choices, default=MeetingKind.CELLULE
    )
    date = models.DateTimeField("date")
    place = models.CharField("lieu", max_length=200, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meetings", blank=True, verbose_name="membres"
    )
    agenda_published_at = models.DateTimeField("ordre du jour publié le", null=True, blank=True)
    minutes_approved_at = models.DateTimeField("compte rendu approuvé le", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "réunion"
        ordering = ["-date"]


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField("type", max_length=20, choices=ItemKind.choices)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    title = models.CharField("intitulé", max_length=250, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "point de l'ordre du jour"
        ordering = ["position", "pk"]
