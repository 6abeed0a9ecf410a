"""Retention (docs/privacy.md): archive after 2 years without contact, announce, then anonymise;
dry run vs real run, a run stopped half-way and run again, with the clock moved by time-machine."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from accompaniments.models import ContactKind
from audit.models import AuditEntry
from households.enums import Status
from households.models import Household, Person, StatusChange
from privacy import retention
from privacy.erasure import ERASE
from privacy.models import RetentionReport
from tests.accompaniments.factories import AccompanimentFactory, ContactFactory
from tests.diagnostics.factories import DiagnosticFactory, add_step
from tests.factories import HouseholdFactory, HouseholdSourceFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
START = datetime.datetime(2026, 1, 15, 10, 0, tzinfo=PARIS)


def at(days=0, years=0):
    moment = START + datetime.timedelta(days=days)
    return moment.replace(year=moment.year + years)


def quiet_household(**kwargs):
    """A file created at START with one home visit that day, then nothing."""
    household = HouseholdFactory(
        status=Status.ACCOMPANIED,
        members=[
            {
                "last_name": "Lefèvre",
                "first_name": "Jeanne",
                "birth_date": datetime.date(1980, 7, 9),
            }
        ],
        address="12 rue des Lilas",
        phone="06 39 98 00 01",
        observations="Suivie au CMP pour une dépression.",
        **kwargs,
    )
    accompaniment = AccompanimentFactory(household=household)
    ContactFactory(accompaniment=accompaniment, at=START, note="Dette CAF évoquée.")
    return household


def test_archive_dry_run_then_real_run(ccas_manager, client):
    with time_machine.travel(START, tick=False):
        quiet = quiet_household()
        busy = quiet_household()
    with time_machine.travel(at(years=1), tick=False):
        # A visit a year later keeps `busy` active; a failed attempt is no contact.
        ContactFactory(accompaniment=busy.accompaniments.get(), at=at(years=1))
        ContactFactory(
            accompaniment=quiet.accompaniments.get(), at=at(years=1), kind=ContactKind.FAILED
        )
    with time_machine.travel(at(days=-1, years=2), tick=False):
        assert retention.run().archived == []  # not yet two years
    with time_machine.travel(at(days=1, years=2), tick=False):
        report = retention.run(dry_run=True)
        assert [e["reference"] for e in report.archived] == [quiet.reference]
        assert report.archived[0]["last_contact"] == "2026-01-15"
        quiet.refresh_from_db()
        assert quiet.status == Status.ACCOMPANIED  # a dry run changes nothing
        assert not StatusChange.objects.filter(to_status=Status.ARCHIVED).exists()

        report = retention.run()
        assert [e["household"] for e in report.archived] == [quiet.pk]
        quiet.refresh_from_db()
        assert quiet.status == Status.ARCHIVED
        change = StatusChange.objects.get(household=quiet, to_status=Status.ARCHIVED)
        assert change.from_status == Status.ACCOMPANIED and change.by is None
        assert "aucun contact depuis 2 ans" in change.reason
        assert AuditEntry.objects.filter(
            household_id=quiet.pk, label=retention.ARCHIVED_LABEL
        ).exists()
        assert retention.run().archived == []  # safe to rerun: nothing twice
        assert StatusChange.objects.filter(household=quiet, to_status=Status.ARCHIVED).count() == 1

        # Out of the lists and pages, even for the direction.
        client.force_login(ccas_manager)
        listing = client.get(reverse("households:list")).content.decode()
        assert busy.reference in listing and quiet.reference not in listing
        assert client.get(reverse("households:detail", args=[quiet.pk])).status_code == 404


def test_configurable_active_period(settings):
    settings.ACTIVE_RETENTION_YEARS = 1
    with time_machine.travel(START, tick=False):
        household = quiet_household()
    with time_machine.travel(at(days=1, years=1), tick=False):
        assert [e["household"] for e in retention.run().archived] == [household.pk]


def test_a_new_list_import_or_status_change_counts_as_contact():
    with time_machine.travel(START, tick=False):
        listed = quiet_household()
        moved = quiet_household()
    with time_machine.travel(at(years=1), tick=False):
        HouseholdSourceFactory(household=listed)
        StatusChange.objects.create(
            household=moved, from_status="accompanied", to_status="accompanied"
        )
    with time_machine.travel(at(days=1, years=2), tick=False):
        assert retention.run().archived == []


def test_interrupted_run_then_rerun():
    with time_machine.travel(START, tick=False):
        households = [quiet_household() for _ in range(3)]
    with time_machine.travel(at(days=1, years=2), tick=False):
        first = retention.run(limit=1)  # stopped after one household
        assert len(first.archived) == 1
        assert Household.objects.filter(status=Status.ARCHIVED).count() == 1
        retention.run()
        for household in households:
            assert (
                StatusChange.objects.filter(household=household, to_status=Status.ARCHIVED).count()
                == 1
            )


def _archived_with_everything():
    with time_machine.travel(START, tick=False):
        household = quiet_household()
        diagnostic = DiagnosticFactory(
            household=household,
            socio_observation="Addiction à l'alcool",
            capacity_reason="Dépression",
        )
        diagnostic.social_report.save("r.pdf", ContentFile(b"%PDF-1.4 rapport"))
        add_step(diagnostic, with_whom="Mme Lefèvre et sa fille")
        HouseholdSourceFactory(household=household, reference="COD-LEFEVRE")
    with time_machine.travel(at(days=1, years=2), tick=False):
        retention.run()
    household.refresh_from_db()
    assert household.status == Status.ARCHIVED
    return household, diagnostic


def test_anonymisation_is_announced_then_done(django_capture_on_commit_callbacks, settings):
    household, diagnostic = _archived_with_everything()
    report_path = diagnostic.social_report.path
    # Archive period (3 years) not over: nothing.
    with time_machine.travel(at(days=-1, years=5), tick=False):
        report = retention.run()
        assert report.announced == [] and report.anonymised == []
    # Over: first announced in a report, nothing erased yet.
    with time_machine.travel(at(days=2, years=5), tick=False):
        dry = retention.run(dry_run=True)
        assert [e["household"] for e in dry.announced] == [household.pk]
        household.refresh_from_db()
        assert household.anonymisation_due_on is None  # the dry run announced nothing
        report = retention.run()
        due_on = datetime.date(2031, 1, 17) + datetime.timedelta(
            days=settings.ANONYMISATION_NOTICE_DAYS
        )
        assert report.announced == [
            {
                "household": household.pk,
                "reference": household.reference,
                "due_on": due_on.isoformat(),
            }
        ]
        assert report.anonymised == []
        household.refresh_from_db()
        assert household.anonymised_at is None and household.observations
        assert AuditEntry.objects.filter(
            household_id=household.pk, label=retention.ANNOUNCED_LABEL
        ).exists()
        assert retention.run().announced == []  # announced once
    # After the notice: a dry run lists it and changes nothing; the real run anonymises.
    with time_machine.travel(at(days=40, years=5), tick=False):
        dry = retention.run(dry_run=True)
        assert [e["household"] for e in dry.anonymised] == [household.pk]
        assert Person.objects.filter(last_name="Lefèvre").exists()
        with django_capture_on_commit_callbacks(execute=True):
            report = retention.run()
        assert [e["household"] for e in report.anonymised] == [household.pk]
        assert retention.run().anonymised == []  # safe to rerun
    household.refresh_from_db()
    person = household.members.get()
    assert (person.last_name, person.first_name, person.search_key) == ("", "", "")
    assert person.birth_date == datetime.date(1980, 1, 1)
    assert household.display_name == "(ménage anonymisé)"
    assert (household.address, household.phone, household.observations) == ("", "", "")
    assert household.sources.get().reference.startswith("anonyme-")
    diagnostic.refresh_from_db()
    assert diagnostic.socio_observation == diagnostic.capacity_reason == ""
    assert not diagnostic.social_report
    assert not __import__("os").path.exists(report_path)
    assert diagnostic.steps.get().with_whom == ""
    contact = household.accompaniments.get().contacts.get()
    assert contact.note == ""
    # Statistics kept: status, public, composition, diagnostic level, dates, contact kinds.
    assert household.status == Status.ARCHIVED and household.members.count() == 1
    assert diagnostic.level and contact.kind == ContactKind.HOME_VISIT
    assert (
        AuditEntry.objects.filter(
            household_id=household.pk, label=retention.ANONYMISED_LABEL
        ).count()
        == 1
    )


def test_the_command_and_the_schedule(settings):
    with time_machine.travel(START, tick=False):
        household = quiet_household()
    with time_machine.travel(at(days=1, years=2), tick=False):
        out = io.StringIO()
        call_command("apply_retention", "--dry-run", stdout=out)
        assert "Simulation (rien n'est modifié) — 1 ménage(s) archivé(s)" in out.getvalue()
        assert household.reference in out.getvalue()
        household.refresh_from_db()
        assert household.status == Status.ACCOMPANIED
        from privacy.tasks import apply_retention

        pk = apply_retention.apply().get()
        assert RetentionReport.objects.get(pk=pk).archived[0]["household"] == household.pk
    from caen_accompagnement.management.commands.setup_schedules import SCHEDULES

    assert any(task == "privacy.apply_retention" for task, _, _ in SCHEDULES.values())


# Text and file fields that stay after anonymisation, each with why.
KEPT = {
    # not about one household
    "accounts.*",
    "audit.*",
    # generated text only: titles (file reference, dates), links, job and task names, errors
    "notifications.*",
    "housing.Dwelling.*",
    "housing.DwellingImport.*",
    "coordination.Meeting.*",
    "coordination.Minutes.*",
    "coordination.MinutesRecipient.*",
    "coordination.MinutesDelivery.*",
    "coordination.StandingMember.*",
    "coordination.ComiteParticipant.*",
    "coordination.Adjustment.*",
    "coordination.Partner.*",
    "coordination.PartnerContact.*",
    "privacy.RetentionReport.*",
    "reporting.*",  # aggregates only: budget lines, published bilans, dashboard snapshots
    "django_celery_beat.*",
    "otp_totp.*",
    "otp_static.*",
    "axes.*",
    "auth.*",
    "contenttypes.*",
    "sessions.*",
    "admin.*",
    # erased by Household.anonymise_own_data
    "households.*",
    # vocabulary codes and labels chosen from lists, or periods ("2019 – 2023"): statistics
    "diagnostics.BudgetLine.kind",
    "diagnostics.HousingHistoryEntry.period",
    "housing.Rehousing.structure_name",
    "accompaniments.Extension.cellule_decision",
}


def _kept(model, field):
    label = model._meta.label
    app = label.split(".")[0]
    return {f"{app}.*", f"{label}.*", f"{label}.{field}"} & KEPT


def test_every_free_text_and_file_field_is_erased_or_kept_on_purpose():
    erased = {(model, name) for model, _, texts, files in ERASE for name in [*texts, *files]}
    missing = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            free_text = isinstance(field, (models.TextField, models.FileField)) or (
                isinstance(field, models.CharField) and not field.choices
            )
            if not free_text or getattr(field, "primary_key", False):
                continue
            if (model, field.name) in erased or _kept(model, field.name):
                continue
            missing.append(f"{model._meta.label}.{field.name}")
    assert not missing, f"Champs libres ni effacés ni conservés : {missing}"
