"""The retention rule (CNIL, docs/privacy.md), run daily by Celery beat (`privacy.apply_retention`).

1. A household with no contact for ACTIVE_RETENTION_YEARS leaves the active base: archived
   (`Household.archive`, with its status history row). "Contact" is the latest of: a contact
   of its accompaniment (visit, call…; not a failed attempt), a change of its status, its appearance on an imported
   priority list, the creation of its file.
2. An archived household whose archive period (ARCHIVE_RETENTION_YEARS) is over is first
   *announced* in a report (anonymisation from ANONYMISATION_NOTICE_DAYS later), then, on the
   first run after that date, anonymised (`anonymise`).

Each household is handled in its own transaction, re-checked under a row lock: a run stopped
half-way (or two runs at once) leaves every household either untouched or fully handled, and
running again finishes the work without doing anything twice. Every run writes a
`RetentionReport` (a dry run writes what it would do, and changes nothing else).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accompaniments.models import Contact, ContactKind
from audit.models import Action, log
from caen_accompagnement.dates import add_months, start_of_day
from households.enums import Status
from households.models import Household, HouseholdSource, StatusChange

from .erasure import ERASE
from .models import RetentionReport

ANONYMISED_LABEL = "Anonymisation (fin de la durée d'archivage)"
ARCHIVED_LABEL = "Archivage automatique (conservation)"
ANNOUNCED_LABEL = "Anonymisation annoncée (conservation)"


def _latest(queryset, field):
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1], output_field=DateTimeField())


def with_last_contact(households):
    # A failed attempt ("tentative sans contact") is no contact.
    contact = Contact.objects.filter(accompaniment__household=OuterRef("pk")).exclude(
        kind=ContactKind.FAILED
    )
    status = StatusChange.objects.filter(household=OuterRef("pk"))
    listed = HouseholdSource.objects.filter(household=OuterRef("pk"))
    return households.annotate(
        last_contact=Greatest(
            F("created_at"),
            Coalesce(_latest(contact, "at"), F("created_at")),
            Coalesce(_latest(status, "at"), F("created_at")),
            Coalesce(_latest(listed, "last_imported_at"), F("created_at")),
        )
    )


def _years_before(now, years) -> datetime.datetime:
    day = add_months(timezone.localdate(now), -12 * years)
    return start_of_day(day)


def due_for_archive(now=None):
    limit = _years_before(now or timezone.now(), settings.ACTIVE_RETENTION_YEARS)
    return (
        with_last_contact(Household.objects.exclude(status=Status.ARCHIVED))
        .filter(last_contact__lt=limit)
        .order_by("pk")
    )


def due_for_anonymisation(now=None):
    limit = _years_before(now or timezone.now(), settings.ARCHIVE_RETENTION_YEARS)
    return Household.objects.filter(
        status=Status.ARCHIVED, anonymised_at__isnull=True, status_changed_at__lt=limit
    ).order_by("pk")


def _entry(household, **extra):
    return {"household": household.pk, "reference": household.reference, **extra}


def archive(household_pk, now=None):
    """Archive one household if it is (still) due. Returns the last contact, or None."""
    with transaction.atomic():
        household = (
            due_for_archive(now).select_for_update(of=("self",)).filter(pk=household_pk).first()
        )
        if household is None:
            return None
        household.archive(last_contact=household.last_contact)
        log(None, Action.UPDATE, household, label=ARCHIVED_LABEL)
        return household.last_contact


def anonymise(household_pk):
    """Anonymise one archived household: every app's free text and files, then its own data.
    Returns False when there is nothing (more) to do. Files go once the transaction commits."""
    with transaction.atomic():
        household = (
            Household.objects.select_for_update()
            .filter(pk=household_pk, status=Status.ARCHIVED, anonymised_at__isnull=True)
            .first()
        )
        if household is None:
            return False
        files = []
        for model, path, texts, file_fields in ERASE:
            rows = model.objects.filter(**{path: household})
            for name in file_fields:
                storage = model._meta.get_field(name).storage
                files += [
                    (storage, f) for f in rows.exclude(**{name: ""}).values_list(name, flat=True)
                ]
            changes = dict.fromkeys([*texts, *file_fields], "")
            if changes:
                rows.update(**changes)
        household.anonymise_own_data()
        log(None, Action.DELETE, household, label=ANONYMISED_LABEL)
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])
        return True


def run(*, now=None, dry_run=False, limit=None) -> RetentionReport:
    """One pass of the rule; `limit` caps the households handled per step (a long backlog is
    worked through over several runs)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = RetentionReport.objects.create(run_at=now, dry_run=dry_run)
    for household in due_for_archive(now)[:limit]:
        entry = _entry(
            household, last_contact=timezone.localdate(household.last_contact).isoformat()
        )
        if dry_run:
            report.archived.append(entry)
            continue
        try:
            if archive(household.pk, now) is not None:
                report.archived.append(entry)
        except Exception as exc:  # noqa: BLE001 - one household's failure stops no other
            report.errors.append(_entry(household, error=str(exc)[:200]))
    notice = datetime.timedelta(days=settings.ANONYMISATION_NOTICE_DAYS)
    for household in due_for_anonymisation(now)[:limit]:
        due_on = household.anonymisation_due_on
        if due_on is None or due_on > today:
            if due_on is None:
                due_on = today + notice
                if not dry_run:
                    with transaction.atomic():
                        household.announce_anonymisation(due_on)
                        log(None, Action.UPDATE, household, label=ANNOUNCED_LABEL)
                report.announced.append(_entry(household, due_on=due_on.isoformat()))
            continue
        if dry_run:
            report.anonymised.append(_entry(household))
            continue
        try:
            if anonymise(household.pk):
                report.anonymised.append(_entry(household))
        except Exception as exc:  # noqa: BLE001
            report.errors.append(_entry(household, error=str(exc)[:200]))
    report.finished_at = timezone.now()
    report.save()
    return report
