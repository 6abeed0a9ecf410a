from django.conf import settings
from django.db import models
from django.utils import timezone

from households.enums import Quartier
from households.models import Household


class Typology(models.TextChoices):
    T1 = "T1", "T1"
    T2 = "T2", "T2"
    T3 = "T3", "T3"
    T4 = "T4", "T4"
    T5 = "T5", "T5"


class Solution(models.TextChoices):
    DIRECT = "direct", "Accès direct"
    SLIDING_LEASE = "sliding", "Bail glissant"
    SUBLET = "sublet", "Sous-location"
    SOCIAL_RESIDENCE = "residence", "Résidence sociale"


class Dwelling(models.Model):
    reference = models.CharField("référence", max_length=30, unique=True)
    address = models.CharField("adresse", max_length=250)
    quartier = models.CharField("quartier", max_length=30, choices=Quartier.choices)
    typology = models.CharField("typologie", max_length=2, choices=Typology.choices)
    is_collective = models.BooleanField("logement collectif", default=True)
    floor = models.SmallIntegerField("étage", default=0)
    has_lift = models.BooleanField("ascenseur", default=False)
    rent = models.DecimalField("loyer (€)", max_digits=8, decimal_places=2)
    charges = models.DecimalField("charges (€)", max_digits=8, decimal_places=2, default=0)
    available_from = models.DateField("disponible le", null=True, blank=True)
    landlord = models.CharField("bailleur", max_length=100, default="Caen habitat")

    class Meta:
        verbose_name = "logement"
        ordering = ["reference"]

    def __str__(self):
        return f"{self.reference} — {self.typology} {self.get_quartier_display()}"


class Rehousing(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="rehousings")
    solution = models.CharField("solution", max_length=20, choices=Solution.choices)
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, null=True, blank=True, related_name="rehousings"
    )
    structure_name = models.CharField("structure (résidence sociale)", max_length=200, blank=True)
    lease_start = models.DateField("début du bail")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = "relogement"
        ordering = ["-lease_start", "-pk"]


class DocumentKind(models.TextChoices):
    CONVENTION = "convention", "Convention tripartite"
    CONTRACT = "contract", "Contrat d'accompagnement social"


class DocumentStatus(models.TextChoices):
    GENERATED = "generated", "Générée"
    SIGNED = "signed", "Signée"


class AgreementDocument(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="agreement_documents"
    )
    kind = models.CharField("document", max_length=20, choices=DocumentKind.choices)
    number = models.PositiveSmallIntegerField("version", default=1)
    status = models.CharField(
        "état", max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.GENERATED
    )
    generated_at = models.DateTimeField(default=timezone.now)
    signed_on = models.DateField("signé le", null=True, blank=True)

    class Meta:
        verbose_name = "document contractuel"
        ordering = ["kind", "-number"]
