"""Optimistic concurrency for records two people may edit at once (household, diagnostic draft).

A form carries the `version` it was read at; saving compares and increments it in one UPDATE,
so the second of two concurrent saves is refused instead of silently overwriting the first.
"""

from django.core.exceptions import ValidationError
from django.db.models import F

STALE_MESSAGE = (
    "Ce dossier a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
    "Vos saisies sont conservées ci-dessous : rechargez la page dans un autre onglet pour voir "
    "la dernière version, puis reportez vos modifications."
)


def save_if_unchanged(instance, expected_version, fields):
    values = {name: getattr(instance, name) for name in fields}
    model = type(instance)
    if "updated_at" in {f.name for f in model._meta.fields}:
        from django.utils import timezone

        values["updated_at"] = timezone.now()
    updated = model.objects.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise ValidationError(STALE_MESSAGE, code="stale")
    instance.version = int(expected_version) + 1
