from datetime import timedelta
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


class DashboardSnapshotQuerySet(models.QuerySet):
    def fresh(self, scope_key, *, suppressed, can_drill):
        """The snapshot of that scope for that kind of reader, if younger than
        DASHBOARD_SNAPSHOT_SECONDS; else None (one query)."""
        since = timezone.now() - timedelta(seconds=settings.DASHBOARD_SNAPSHOT_SECONDS)
        return self.filter(
            scope_key=scope_key,
            suppressed=suppressed,
            can_drill=can_drill,
            computed_at__gt=since,
        ).first()


class DashboardSnapshot(models.Model):
    """The dashboard's figures as rendered at `computed_at`, for one scope (the normalised
    filters) and one kind of reader (suppressed or not, with the links to the households behind
    each figure or not): the page shows it instead of recomputing every figure on every view
    (docs/reporting.md, « Un instantané »). Stored in the database, not in Redis: no web
    request waits on the broker."""

    scope_key = models.CharField("filtres", max_length=300)
    suppressed = models.BooleanField("petits effectifs masqués")
    can_drill = models.BooleanField("liens vers les ménages")
    computed_at = models.DateTimeField("calculé le")
    html = models.TextField("chiffres rendus")

    objects = DashboardSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = "instantané du tableau de bord"
        verbose_name_plural = "instantanés du tableau de bord"
        constraints = [
            models.UniqueConstraint(
                fields=["scope_key", "suppressed", "can_drill"], name="unique_dashboard_snapshot"
            )
        ]

    def __str__(self):
        return f"{self.scope_key} — {self.computed_at:%d/%m/%Y %H:%M}"

    @classmethod
    def store(cls, scope_key, *, suppressed, can_drill, html):
        """Insert or replace the snapshot of that key (one upsert: two requests computing the
        same scope at once both succeed, the last one written stays)."""
        snapshot = cls(
            scope_key=scope_key,
            suppressed=suppressed,
            can_drill=can_drill,
            computed_at=timezone.now(),
            html=html,
        )
        cls.objects.bulk_create(
            [snapshot],
            update_conflicts=True,
            unique_fields=["scope_key", "suppressed", "can_drill"],
            update_fields=["computed_at", "html"],
        )
        return snapshot

    @classmethod
    def purge(cls, older_than=timedelta(days=1)):
        """Delete the snapshots computed more than `older_than` ago; returns how many."""
        deleted, _ = cls.objects.filter(computed_at__lt=timezone.now() - older_than).delete()
        return deleted
