import io
import random

import pytest
from django.utils import timezone

from caen_accompagnement.management.commands.seed_demo import DemoContext
from households.enums import Relation, Status
from housing import demo
from housing.models import AgreementDocument, Dwelling, Rehousing, Solution
from tests.factories import HouseholdFactory


def context(users):
    return DemoContext(
        rng=random.Random(14), households=10, now=timezone.now(), stdout=io.StringIO(), users=users
    )


@pytest.mark.django_db
def test_demo_stock_and_rehousings_idempotent(letting_officer):
    for status in [Status.ADMITTED] * 4 + [Status.ACCOMPANIED] * 4:
        HouseholdFactory(status=status, members=[{"relation": Relation.REFERENCE}])
    demo.seed(context({"location": letting_officer}))
    assert Dwelling.objects.count() == demo.DWELLINGS
    assert Dwelling.objects.values("quartier").distinct().count() >= 10
    for dwelling in Dwelling.objects.filter(typology__in=["T2", "T4"]):
        low, high = (280, 450) if dwelling.typology == "T2" else (280, 750)
        assert low <= dwelling.rent <= high
    # docs/domain.md §3.1: three quarters of the T4 between 280 and 390 €, the remaining
    # quarter between 408 and 750 € (T2: 280–370 €, then 310–450 €, so that split overlaps).
    t4 = list(Dwelling.objects.filter(typology="T4").values_list("rent", flat=True))
    modest = [rent for rent in t4 if rent <= 390]
    assert all(408 <= rent <= 750 for rent in t4 if rent > 390)
    assert 0.6 <= len(modest) / len(t4) <= 0.9
    t2 = list(Dwelling.objects.filter(typology="T2").values_list("rent", flat=True))
    assert any(rent > 370 for rent in t2) and sum(rent <= 370 for rent in t2) / len(t2) >= 0.6
    assert Dwelling.objects.exclude(landlord="Caen habitat").count() < demo.DWELLINGS // 10
    assert set(Rehousing.objects.values_list("solution", flat=True)) == set(Solution.values)
    # 4 admitted + 3 accompanied households rehoused, two documents each.
    assert AgreementDocument.objects.count() == 14
    signed = AgreementDocument.objects.filter(status="signed")
    assert signed.count() == 6
    assert all(d.household.status == Status.ACCOMPANIED and d.signed_scan for d in signed)
    counts = (
        Dwelling.objects.count(),
        Rehousing.objects.count(),
        AgreementDocument.objects.count(),
    )
    demo.seed(context({"location": letting_officer}))
    assert (
        Dwelling.objects.count(),
        Rehousing.objects.count(),
        AgreementDocument.objects.count(),
    ) == counts
