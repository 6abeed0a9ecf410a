from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import policy
from households import taxonomy

from ..enums import (
    AdhesionDegree,
    ContactKind,
)


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user, action="contact.view"):
        return self.filter(policy.household_q(user, action, prefix="accompaniment__household__"))


class Contact(models.Model):
    accompaniment = models.ForeignKey(
        "accompaniments.Accompaniment", on_delete=models.PROTECT, related_name="contacts"
    )
    kind = models.CharField("type de contact", max_length=20, choices=ContactKind.choices)
    at = models.DateTimeField("date et heure")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=30)
    axes = models.JSONField("axes travaillés", default=list, blank=True)
    partner = models.CharField("partenaire", max_length=200, blank=True)
    note = models.TextField("note", blank=True)
    next_step = models.CharField("prochaine étape", max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = "contact"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["accompaniment", "kind", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()} du {timezone.localtime(self.at):%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        added = self._state.adding
        super().save(*args, **kwargs)
        self.accompaniment.record_contact(self, added=added)  # its last visit and contact

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        self.accompaniment.record_contact(self, added=False)
        return deleted

    @property
    def axes_labels(self):
        return [taxonomy.ITEMS.get(code, code) for code in self.axes]


class AdhesionRecord(models.Model):
    accompaniment = models.ForeignKey(
        "accompaniments.Accompaniment", on_delete=models.CASCADE, related_name="adhesion_records"
    )
    month = models.DateField("mois")  # first day of the month
    degree = models.CharField("degré d'adhésion", max_length=20, choices=AdhesionDegree.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    note = models.CharField("observation", max_length=300, blank=True)

    class Meta:
        verbose_name = "adhésion du mois"
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["accompaniment", "month"], name="unique_adhesion_month")
        ]
