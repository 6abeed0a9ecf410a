import datetime
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from households.enums import Quartier, Status
from housing.models import (
    AgreementDocument,
    DocumentKind,
    Dwelling,
    DwellingProposal,
    Rehousing,
    Solution,
)
from tests.factories import HouseholdFactory


class DwellingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dwelling

    reference = factory.Sequence(lambda n: f"TST-{n:05d}")
    address = factory.Sequence(lambda n: f"{n} rue d'Auge, 14000 Caen")
    quartier = Quartier.VAUCELLES
    typology = "T2"
    floor = 1
    has_lift = True
    rent = Decimal("330.00")
    charges = Decimal("60.00")
    available_from = factory.LazyFunction(lambda: datetime.date(2026, 12, 1))


def admitted_household(**kwargs):
    kwargs.setdefault("status", Status.ADMITTED)
    return HouseholdFactory(**kwargs)


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DwellingProposal

    household = factory.SubFactory(HouseholdFactory, status=Status.ADMITTED)
    dwelling = factory.SubFactory(DwellingFactory)


class RehousingFactory(factory.django.DjangoModelFactory):
    """A row as stored; the rules are tested through `Rehousing.record`."""

    class Meta:
        model = Rehousing

    household = factory.SubFactory(HouseholdFactory, status=Status.ADMITTED)
    solution = Solution.SLIDING_LEASE
    dwelling = factory.SubFactory(DwellingFactory, is_let=True)
    lease_start = datetime.date(2026, 10, 1)
    planned_glide_date = datetime.date(2027, 4, 1)


class AgreementDocumentFactory(factory.django.DjangoModelFactory):
    """A stored document without WeasyPrint (for access tests); real ones use `generate`."""

    class Meta:
        model = AgreementDocument

    household = factory.SubFactory(HouseholdFactory, status=Status.ADMITTED)
    kind = DocumentKind.CONVENTION
    pdf = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 test", name="doc.pdf"))
