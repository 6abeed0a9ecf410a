import datetime

import factory
from django.utils import timezone

from accompaniments.models import (
    Accompaniment,
    Contact,
    ContactKind,
    Objective,
    Signal,
    SignalKind,
)
from households.enums import Status
from tests.factories import HouseholdFactory


class AccompanimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accompaniment

    household = factory.SubFactory(HouseholdFactory, status=Status.ACCOMPANIED)
    start = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    planned_end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(days=270))
    intensity = "medium"


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    accompaniment = factory.SubFactory(AccompanimentFactory)
    axis = "budget.choices"
    description = "Établir un budget mensuel"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    accompaniment = factory.SubFactory(AccompanimentFactory)
    kind = ContactKind.HOME_VISIT
    at = factory.LazyFunction(timezone.now)
    duration_minutes = 45
    axes = factory.LazyFunction(lambda: ["budget.choices"])
    note = "Point sur le budget du mois."


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    household = factory.SubFactory(HouseholdFactory, status=Status.ACCOMPANIED)
    kind = SignalKind.NEIGHBOUR_TROUBLE
    description = "Bruit signalé par les voisins."
