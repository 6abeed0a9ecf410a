from django.db import models
from django.utils import timezone

from ..enums import (
    AdjustmentStatus,
    ComiteOrganisation,
)

# Roles that read every meeting (docs/access.md "meetings, decisions, minutes"); a cellule member
# without one of them reads only the meetings they sit in.
from .meeting import Meeting


# --- comité de suivi --------------------------------------------------------------------
class ComiteParticipant(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField("nom", max_length=150)
    organisation = models.CharField(
        "organisation", max_length=20, choices=ComiteOrganisation.choices
    )
    function = models.CharField("fonction", max_length=150, blank=True)

    class Meta:
        verbose_name = "membre du comité de suivi"
        verbose_name_plural = "membres du comité de suivi"
        ordering = ["organisation", "name"]

    def __str__(self):
        return self.name


class Adjustment(models.Model):
    """An adjustment of the programme approved by the comité de suivi (docs/domain.md §5.2)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="adjustments")
    title = models.CharField("ajustement", max_length=250)
    owner = models.CharField("porté par", max_length=150)
    status = models.CharField(
        "état", max_length=20, choices=AdjustmentStatus.choices, default=AdjustmentStatus.APPROVED
    )
    due_on = models.DateField("échéance", null=True, blank=True)
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)

    class Meta:
        verbose_name = "ajustement"
        ordering = ["meeting", "pk"]

    def __str__(self):
        return self.title

    def set_status(self, status):
        self.status = status
        self.updated_at = timezone.now()
        self.save(update_fields=["status", "updated_at"])
