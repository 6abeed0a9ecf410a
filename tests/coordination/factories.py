"""Factories of the coordination tests (and the minimal rows of lower apps they read)."""

import datetime

import factory
from django.utils import timezone

from accompaniments.models import Accompaniment, AdhesionRecord, Signal, SignalKind
from coordination.enums import ItemKind, MeetingKind, PartnerCategory
from coordination.models import AgendaItem, Meeting, Partner
from diagnostics.models import Diagnostic, DiagnosticStatus
from tests.factories import HouseholdFactory


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    kind = MeetingKind.CELLULE
    date = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    place = "Caen habitat, siège"

    class Params:
        published = factory.Trait(agenda_published_at=factory.LazyFunction(timezone.now))
        past = factory.Trait(
            date=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
        )

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if extracted:
            self.members.set(extracted)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    kind = ItemKind.LEVEL
    household = factory.SubFactory(HouseholdFactory)
    position = factory.Sequence(lambda n: n)


class AccompanimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accompaniment

    household = factory.SubFactory(HouseholdFactory, accompanied=True)
    start = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))
    planned_end = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=90))


class AdhesionRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdhesionRecord

    accompaniment = factory.SubFactory(AccompanimentFactory)
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    degree = "constant"


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    household = factory.SubFactory(HouseholdFactory, accompanied=True)
    kind = SignalKind.UNPAID_RENT


class DiagnosticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Diagnostic

    household = factory.SubFactory(HouseholdFactory)
    level = 3
    status = DiagnosticStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partenaire {n}")
    category = PartnerCategory.ACCOMPAGNEMENT
