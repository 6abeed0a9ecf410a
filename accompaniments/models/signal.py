from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone

from accounts import policy
from caen_accompagnement.celery import enqueue_on_commit
from households.models import Household
from households.outbound import CAEN_HABITAT_AUDIENCE, check_outbound

from ..enums import (
    SignalKind,
)


class SignalQuerySet(models.QuerySet):
    def visible_to(self, user, action="signal.view"):
        return self.filter(policy.household_q(user, action, prefix="household__"))

    def unacknowledged(self):
        return self.filter(acknowledged_at__isnull=True)

    def incident_counts(self, start=None, end=None):
        """§7.2 counts: signals by kind recorded between two dates (inclusive), one query."""
        qs = self
        if start:
            qs = qs.filter(created_at__date__gte=start)
        if end:
            qs = qs.filter(created_at__date__lte=end)
        counts = dict(qs.order_by().values_list("kind").annotate(n=Count("pk")))
        return {kind: counts.get(kind, 0) for kind in SignalKind.values}


class Signal(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="signals")
    kind = models.CharField("type", max_length=30, choices=SignalKind.choices)
    created_at = models.DateTimeField("signalé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    acknowledged_at = models.DateTimeField("pris en compte le", null=True, blank=True)
    amount = models.DecimalField(
        "montant impayé (€)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    months = models.PositiveSmallIntegerField("mois d'impayés", null=True, blank=True)
    description = models.TextField("description", blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    acknowledgement_note = models.TextField("suite donnée", blank=True)
    notified_at = models.DateTimeField("notifié le", null=True, blank=True)

    objects = SignalQuerySet.as_manager()

    class Meta:
        verbose_name = "signalement"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The signals list's order (newest first): its page read from the index, 25 rows
            # joined to their household, not every signal hashed against every household.
            models.Index(fields=["-created_at", "-id"], name="signal_newest"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.household.reference}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("accompaniments:signal_detail", args=[self.pk])

    @classmethod
    @transaction.atomic
    def record(cls, household, *, kind, by, amount=None, months=None, description=""):
        """Record a signal (§3.2.3) and queue the e-mail once the transaction commits (its form
        posted twice records one: audit/once.py)."""
        from ..tasks import notify_signal

        if not household.in_programme:
            raise ValidationError(
                "Ce ménage n'est pas dans le dispositif (admis, accompagné ou en suivi "
                "post-autonomie) : le signalement ne peut pas être enregistré."
            )
        if kind == SignalKind.UNPAID_RENT:
            errors = {}
            if amount is None or amount <= 0:
                errors["amount"] = "Indiquez le montant impayé."
            if not months:
                errors["months"] = "Indiquez le nombre de mois d'impayés."
            if errors:
                raise ValidationError(errors)
        else:
            amount = months = None
        if kind == SignalKind.ADHESION_LOSS:
            # Typed at the CCAS, read by Caen habitat (signal pages and e-mail): docs/access.md.
            check_outbound(CAEN_HABITAT_AUDIENCE, description=description)
        signal = cls.objects.create(
            household=household,
            kind=kind,
            created_by=by,
            amount=amount,
            months=months,
            description=description,
        )
        enqueue_on_commit(notify_signal, signal.pk)
        return signal

    @transaction.atomic
    def acknowledge(self, *, by, note=""):
        if self.acknowledged_at:
            raise ValidationError("Ce signalement a déjà été pris en compte.")
        check_outbound(CAEN_HABITAT_AUDIENCE, note=note)
        self.acknowledged_at, self.acknowledged_by = timezone.now(), by
        self.acknowledgement_note = note
        self.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])

    @property
    def needs_acknowledgement(self):
        return self.kind != SignalKind.ADHESION_LOSS and not self.acknowledged_at
