"""Everything the application holds on one household, for an access request (RGPD art. 15)
and for reading an archived file: one section per kind of record, every stored field with its
French label. The same content feeds the page, the PDF and the JSON (docs/privacy.md)."""

import datetime
from decimal import Decimal

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone

from diagnostics.models import BudgetLine, Obstacle
from households.models import (
    HouseholdSource,
    InformationNotice,
    Person,
    PossibleDuplicate,
    ReferentAssignment,
    StatusChange,
)
from housing.models import HousingWish

from .erasure import ERASE

# Bookkeeping columns that say nothing about the person.
SKIPPED = {"id", "version", "search_key", "match_key", "row_hash", "client_id", "household"}

# (model, path to the household), in the order of the document.
HELD = [
    (Person, "household"),
    (HouseholdSource, "household"),
    (StatusChange, "household"),
    (ReferentAssignment, "household"),
    (InformationNotice, "household"),
    (PossibleDuplicate, "household"),
    *[(model, path) for model, path, _, _ in ERASE if model._meta.label.startswith("diagnostics")],
    (BudgetLine, "diagnostic__household"),
    (Obstacle, "diagnostic__household"),
    (HousingWish, "household"),
    *[
        (model, path)
        for model, path, _, _ in ERASE
        if not model._meta.label.startswith(("diagnostics", "privacy"))
    ],
]


def _value(obj, field):
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    value = getattr(obj, field.name)
    if isinstance(field, models.FileField):
        return f"fichier joint ({value.name.rsplit('/', 1)[-1]})" if value else ""
    if isinstance(field, models.ForeignKey):
        return str(value) if value is not None else ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, list | dict):
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return "" if value is None else str(value)


# French labels of fields declared without one, and of fields whose label is shared with
# others of the same record (named in full).
LABELS = {
    "accompaniment": "accompagnement",
    "acknowledged_by": "pris en compte par",
    "added_by": "ajouté par",
    "author": "auteur",
    "by": "par",
    "closed_by": "clôturé par",
    "created_at": "créé le",
    "created_by": "créé par",
    "decided_by": "décidé par",
    "dwelling": "logement",
    "generated_at": "généré le",
    "generated_by": "généré par",
    "glide_recorded_by": "glissement enregistré par",
    "item": "point de l'ordre du jour",
    "meeting": "réunion",
    "other": "autre ménage",
    "position": "ordre",
    "previous": "version précédente",
    "proposed_by": "proposé par",
    "recorded_by": "enregistré par",
    "requested_by": "demandé par",
    "resolved_at": "résolu le",
    "resolved_by": "résolu par",
    "signed_recorded_by": "signature enregistrée par",
    "updated_by": "modifié par",
    "socio_observation": "observation — situation socio-professionnelle",
    "budget_observation": "observation — budget",
    "housing_observation": "observation — parcours logement",
    "dwelling_observation": "observation — occupation du logement",
    "follow_up_observation": "observation — suivi et adhésion",
}


def _fields(model, skipped=()):
    return [f for f in model._meta.concrete_fields if f.name not in {*SKIPPED, *skipped}]


def _record(obj, skipped=()):
    """[(field name, French label, value)] of the fields holding something."""
    record = []
    for field in _fields(type(obj), skipped):
        value = _value(obj, field)
        if value != "":
            record.append((field.name, LABELS.get(field.name, str(field.verbose_name)), value))
    return record


def _held_kinds(household):
    """The (model, path) of HELD that hold a row of `household`: one query of EXISTS, so that
    only those are read (most households have nothing in most of them)."""
    flags = (
        type(household)
        .objects.filter(pk=household.pk)
        .values_list(
            *[Exists(model.objects.filter(**{path: OuterRef("pk")})) for model, path in HELD]
        )
        .first()
    )
    return [kind for kind, held in zip(HELD, flags or (), strict=False) if held]


def holdings(household) -> list[dict]:
    """[{"title": "Membres du ménage", "records": [[(name, label, value), …], …]}, …]"""
    sections = [{"title": "Dossier du ménage", "records": [_record(household)]}]
    for model, path in _held_kinds(household):
        rows = model.objects.filter(**{path: household}).order_by("pk")
        parent = {path.split("__")[0]}  # the record it belongs to: the section says it
        related = [f.name for f in _fields(model, parent) if isinstance(f, models.ForeignKey)]
        records = [_record(obj, parent) for obj in rows.select_related(*related)]
        if records:
            sections.append(
                {"title": str(model._meta.verbose_name_plural).capitalize(), "records": records}
            )
    return sections


def as_json(household) -> dict:
    """The same content, machine-readable: field names as keys, values as shown."""
    sections = holdings(household)
    return {
        "reference": household.reference,
        "produit_le": timezone.localtime().isoformat(),
        "sections": [
            {
                "titre": section["title"],
                "enregistrements": [
                    {name: value for name, _, value in record} for record in section["records"]
                ],
            }
            for section in sections
        ],
    }
