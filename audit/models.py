"""The append-only access log (CNIL logging recommendation, 2021).

One row per read of sensitive data, create, change, delete, export or import: who, which
object, which action, when, from which IP. Rows are written in the request's transaction (so a
change and its trace commit or roll back together) and carry no note text. The application has
no code path that edits or deletes a row, except the retention purge (`AuditEntry.purge_expired`).
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from accounts import network
from caen_accompagnement.bulk import insert_all


class Action(models.TextChoices):
    VIEW = "view", "Consultation"
    CREATE = "create", "Création"
    UPDATE = "update", "Modification"
    DELETE = "delete", "Suppression"
    EXPORT = "export", "Export"
    IMPORT = "import", "Import"
    DENIED = "denied", "Accès refusé"


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Le journal des accès ne peut pas être modifié.")

    def delete(self):
        raise AppendOnlyError("Le journal des accès ne peut pas être supprimé.")


class AuditEntry(models.Model):
    at = models.DateTimeField("date", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField("action", max_length=10, choices=Action.choices)
    object_type = models.CharField("type d'objet", max_length=60)
    object_id = models.CharField("identifiant", max_length=40, blank=True)
    household_id = models.BigIntegerField("ménage", null=True, blank=True, db_index=True)
    label = models.CharField("libellé", max_length=200, blank=True)
    ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des accès"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["actor", "-at"]),
            models.Index(fields=["object_type", "-at"]),
        ]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor} {self.get_action_display()} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Le journal des accès ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Le journal des accès ne peut pas être supprimé.")

    @classmethod
    def purge_expired(cls, now=None):
        """Retention: drop rows older than AUDIT_RETENTION_DAYS. The only deletion path."""
        limit = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
        expired = models.QuerySet(cls).filter(at__lt=limit)
        return expired._raw_delete(expired.db)


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the proxy's header for TRUSTED_PROXIES only."""
    if request is None:
        return None
    return network.client_ip(request)


def _actor(request, actor=None):
    """`actor`, else the request's user; None for an anonymous visitor."""
    user = actor if actor is not None else getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def log(request, action, obj=None, *, household=None, label="", actor=None, object_type=None):
    """Write one audit row. `obj` is any model instance; `household` the household it concerns."""
    if household is None and obj is not None:
        household = getattr(obj, "household", None)
        if household is None and obj._meta.label == "households.Household":
            household = obj
    return AuditEntry.objects.create(
        actor=_actor(request, actor),
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        household_id=household.pk if household is not None else None,
        label=label[:200],
        ip=client_ip(request),
    )


def log_each(request, action, entries, *, actor=None):
    """`log` for many objects in one INSERT (an import's households): `entries` are
    (obj, household, label) triples; returns the rows written."""
    who, at, ip = _actor(request, actor), timezone.now(), client_ip(request)
    return insert_all(
        AuditEntry,
        (
            AuditEntry(
                at=at,
                actor=who,
                action=action,
                object_type=obj._meta.label,
                object_id=str(obj.pk),
                household_id=household.pk if household is not None else None,
                label=label[:200],
                ip=ip,
            )
            for obj, household, label in entries
        ),
    )


HOUSEHOLD = "households.Household"


def log_households(request, households, label):
    """One VIEW row per household a list page shows, in one cheap statement (none if it shows
    none). Returns the logged household ids.

    `households` are the Household instances (or their ids) the page shows, each logged once;
    `label` names the page ("Liste des ménages") and carries no note text. On PostgreSQL the rows
    are made by the server from one array of ids (`INSERT … SELECT … FROM unnest`): no model
    instance per row, one parameter whatever the page's size (0.8 ms for 100 rows, against
    6 to 11 ms through bulk_create at 10,000 households; docs/performance.md).
    """
    ids = list(dict.fromkeys(h if isinstance(h, int) else h.pk for h in households))
    if not ids:
        return []
    actor, at, ip = _actor(request), timezone.now(), client_ip(request)
    label = label[:200]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {AuditEntry._meta.db_table}"
                " (at, actor_id, action, object_type, object_id, household_id, label, ip)"
                " SELECT %s::timestamptz, %s, %s, %s, pk::text, pk, %s, %s::inet"
                " FROM unnest(%s::bigint[]) AS pk",
                [at, actor.pk if actor else None, Action.VIEW.value, HOUSEHOLD, label, ip, ids],
            )
        return ids
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=at,
            actor=actor,
            action=Action.VIEW,
            object_type=HOUSEHOLD,
            object_id=str(pk),
            household_id=pk,
            label=label,
            ip=ip,
        )
        for pk in ids
    )
    return ids


class FormSubmission(models.Model):
    """A form that created records was accepted under this one-time key (audit/once.py): the
    same form posted again (a retried submit, a double tap, two tabs) gets the first answer
    instead of saving a second time. Kept FORM_KEY_RETENTION_DAYS, purged with the log."""

    key = models.UUIDField("clé", unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    path = models.CharField("adresse", max_length=300)
    location = models.CharField("réponse (redirection)", max_length=500, blank=True)
    at = models.DateTimeField("reçu le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "formulaire reçu"
        verbose_name_plural = "formulaires reçus"

    def __str__(self):
        return f"{self.path} {self.key}"

    @classmethod
    def purge_expired(cls, now=None):
        limit = (now or timezone.now()) - timedelta(days=settings.FORM_KEY_RETENTION_DAYS)
        return cls.objects.filter(at__lt=limit).delete()[0]
