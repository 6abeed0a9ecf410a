from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from . import budget as rules


class BudgetLineQuerySet(models.QuerySet):
    def of_year(self, year):
        return self.filter(year=year)


class BudgetLine(models.Model):
    """One line of a year's budget: the forecast (the convention's by default) and the actual."""

    year = models.PositiveSmallIntegerField("année")
    code = models.CharField("ligne", max_length=30, choices=rules.LINE_CHOICES)
    forecast = models.DecimalField("prévu (€)", max_digits=10, decimal_places=2)
    actual = models.DecimalField("réalisé (€)", max_digits=10, decimal_places=2, null=True)
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = BudgetLineQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne du budget"
        verbose_name_plural = "lignes du budget"
        ordering = ["year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="unique_budget_line_year"),
            models.CheckConstraint(
                condition=models.Q(forecast__gte=0)
                & (models.Q(actual__isnull=True) | models.Q(actual__gte=0)),
                name="budget_line_amounts_positive",
            ),
        ]

    def __str__(self):
        return f"{self.year} — {self.get_code_display()}"

    @classmethod
    @transaction.atomic
    def record_year(cls, year, amounts, *, by):
        """Write a year's lines at once: `amounts` is {code: (forecast, actual or None)}."""
        now = timezone.now()
        for code, (forecast, actual) in amounts.items():
            if code not in rules.LINE_OF:
                raise ValidationError(f"Ligne de budget inconnue : {code}.")
            cls.objects.update_or_create(
                year=year,
                code=code,
                defaults={
                    "forecast": forecast,
                    "actual": actual,
                    "updated_at": now,
                    "updated_by": by,
                },
            )


def budget_rows(year):
    """[(Line, forecast, actual or None)] of `year`: stored lines, else the convention's."""
    stored = {line.code: line for line in BudgetLine.objects.of_year(year)}
    rows = []
    for line in rules.LINES:
        row = stored.get(line.code)
        rows.append((line, row.forecast if row else line.default, row.actual if row else None))
    return rows


class PublishedBilanQuerySet(models.QuerySet):
    def of_year(self, year):
        return self.filter(year=year).order_by("version")


class PublishedBilan(models.Model):
    """A yearly bilan as the comité de suivi approved it: its figures are stored as published
    (the unsuppressed figures; readers outside the CCAS get them suppressed on the way out)
    and never change; a new version is an explicit act with its reason."""

    year = models.PositiveSmallIntegerField("année")
    version = models.PositiveSmallIntegerField("version")
    figures = models.JSONField("chiffres publiés")
    approved_at = models.DateTimeField("approuvé le", default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistré par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    meeting = models.ForeignKey(
        "coordination.Meeting",
        verbose_name="comité de suivi",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_bilans",
    )
    reason = models.TextField("motif de la nouvelle version", blank=True)

    objects = PublishedBilanQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan publié"
        verbose_name_plural = "bilans publiés"
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="unique_bilan_version")
        ]

    def __str__(self):
        return f"Bilan {self.year} — version {self.version}"

    @classmethod
    @transaction.atomic
    def publish(cls, year, figures, *, by, meeting=None, reason=""):
        """Freeze `figures` as the next version of `year`'s bilan."""
        # Two approvals at once: the lock makes the second wait and take the next number.
        list(cls.objects.select_for_update().filter(year=year).values_list("pk", flat=True))
        last = cls.objects.filter(year=year).aggregate(n=Max("version"))["n"] or 0
        reason = (reason or "").strip()
        if last and not reason:
            raise ValidationError(
                {
                    "reason": f"Le bilan {year} est déjà publié (version {last}) : "
                    "indiquez le motif de la nouvelle version."
                }
            )
        return cls.objects.create(
            year=year,
            version=last + 1,
            figures=figures,
            approved_by=by,
            meeting=meeting,
            reason=reason,
        )


ZERO = Decimal(0)
