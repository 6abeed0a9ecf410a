from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import policy
from households.models import Household

from ..enums import (
    OrientationOutcome,
    PartnerCategory,
)

# Roles that read every meeting (docs/access.md "meetings, decisions, minutes"); a cellule member
# without one of them reads only the meetings they sit in.


# --- partners (docs/domain.md §4) -------------------------------------------------------
class Partner(models.Model):
    name = models.CharField("nom", max_length=200, unique=True)
    category = models.CharField("catégorie", max_length=20, choices=PartnerCategory.choices)
    description = models.TextField("rôle dans le dispositif", blank=True)
    address = models.CharField("adresse", max_length=250, blank=True)

    class Meta:
        verbose_name = "partenaire"
        ordering = ["category", "name"]

    def __str__(self):
        return self.name


class PartnerContact(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("nom", max_length=150)
    function = models.CharField("fonction", max_length=150, blank=True)
    email = models.EmailField("adresse e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)

    class Meta:
        verbose_name = "contact"
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrientationQuerySet(models.QuerySet):
    def visible_to(self, user, action="contact.view"):
        """Orientations can reveal a health follow-up (e.g. to the EPSM): CCAS notes' rule."""
        return self.filter(policy.household_q(user, action, prefix="household__"))


class Orientation(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="orientations")
    partner = models.ForeignKey(
        Partner, verbose_name="partenaire", on_delete=models.PROTECT, related_name="orientations"
    )
    on = models.DateField("date", default=timezone.localdate)
    reason = models.CharField("motif", max_length=250)
    outcome = models.CharField(
        "suite donnée",
        max_length=20,
        choices=OrientationOutcome.choices,
        default=OrientationOutcome.PENDING,
    )
    outcome_note = models.CharField("précision", max_length=250, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrientationQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation"
        ordering = ["-on", "-pk"]

    def __str__(self):
        return f"{self.household.reference} → {self.partner}"

    def set_outcome(self, outcome, note=""):
        self.outcome = outcome
        self.outcome_note = note
        self.save(update_fields=["outcome", "outcome_note"])
