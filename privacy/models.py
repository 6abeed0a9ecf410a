"""Traces of the retention rule and of reads of archived files (docs/privacy.md)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from households.models import Household


class ArchiveConsultation(models.Model):
    """One read of an archived household, with the reason the reader typed (CCAS only)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="archive_consultations"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("le", default=timezone.now)
    reason = models.TextField("motif de la consultation")

    class Meta:
        verbose_name = "consultation d'archive"
        verbose_name_plural = "consultations d'archives"
        ordering = ["-at", "-pk"]

    @classmethod
    def record(cls, household, *, by, reason):
        return cls.objects.create(household=household, by=by, reason=reason.strip())


class RetentionReport(models.Model):
    """What one run of the retention job did, or would do (dry run): references only."""

    run_at = models.DateTimeField("exécuté le", default=timezone.now, db_index=True)
    dry_run = models.BooleanField("simulation", default=False)
    # [{"household": pk, "reference": "LA-2024-0012", "last_contact": "2024-01-31"}, …]
    archived = models.JSONField("archivés", default=list)
    # Announced for anonymisation from a date (first report naming them): [{…, "due_on": …}]
    announced = models.JSONField("anonymisations annoncées", default=list)
    anonymised = models.JSONField("anonymisés", default=list)
    errors = models.JSONField("erreurs", default=list)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "rapport de conservation"
        verbose_name_plural = "rapports de conservation"
        ordering = ["-run_at", "-pk"]

    @property
    def label(self):
        return "Simulation" if self.dry_run else "Exécution"
