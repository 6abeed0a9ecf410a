"""Factories for diagnostics (traits for each level's completed steps)."""

import datetime
from decimal import Decimal

import factory

from diagnostics.enums import Severity, StepKind
from diagnostics.models import (
    BudgetLine,
    Capacity,
    Debt,
    Diagnostic,
    DiagnosticStep,
    Obstacle,
)
from tests.factories import HouseholdFactory


class DiagnosticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Diagnostic
        skip_postgeneration_save = True

    household = factory.SubFactory(HouseholdFactory, diagnostic_level=3, status="diagnostic")
    level = factory.LazyAttribute(lambda o: o.household.diagnostic_level or 3)
    author = factory.LazyAttribute(lambda o: o.household.referent)

    class Params:
        # A conclusion good enough to submit.
        concluded = factory.Trait(
            capacity=Capacity.YES,
            intensity="medium",
            proposed_duration_months=6,
            dwelling_type_sought="T2",
            quartier_sought="vaucelles",
            # The five themes stated (§2.1.2); levels 2 and 3 also need budget lines.
            nothing_to_report=["socio", "budget", "housing", "dwelling", "follow_up"],
        )


def add_step(diagnostic, kind=StepKind.INTERVIEW, date=None, with_whom="Mme X"):
    return DiagnosticStep.objects.create(
        diagnostic=diagnostic,
        kind=kind,
        date=date or datetime.date(2026, 10, 1),
        with_whom=with_whom,
    )


def add_lines(diagnostic, resources=None, charges=None):
    rows = [
        BudgetLine(diagnostic=diagnostic, direction=BudgetLine.RESOURCE, kind=k, amount=Decimal(v))
        for k, v in (resources or {}).items()
    ] + [
        BudgetLine(diagnostic=diagnostic, direction=BudgetLine.CHARGE, kind=k, amount=Decimal(v))
        for k, v in (charges or {}).items()
    ]
    BudgetLine.objects.bulk_create(rows)


def add_obstacle(diagnostic, item, severity=Severity.MEDIUM):
    return Obstacle.objects.create(diagnostic=diagnostic, item=item, severity=severity)


def ready_to_submit(diagnostic):
    """Complete the level's required steps and the conclusion."""
    if diagnostic.level == 1:
        add_step(diagnostic, StepKind.STRUCTURE_CONTACT, with_whom="CHRS")
        diagnostic.family_agreement_on = datetime.date(2026, 9, 30)
    elif diagnostic.level == 2:
        from django.core.files.base import ContentFile

        diagnostic.social_report.save("rapport.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
        add_step(diagnostic, StepKind.FAMILY_MEETING)
    else:
        add_step(diagnostic, StepKind.INTERVIEW)
    diagnostic.capacity = Capacity.YES
    diagnostic.intensity = "medium"
    diagnostic.proposed_duration_months = 6
    # Each of the five themes stated (§2.1.2), the budget at levels 2 and 3, the arrears of an
    # eviction-threat household.
    diagnostic.nothing_to_report = ["socio", "housing", "dwelling", "follow_up"]
    diagnostic.budget_observation = diagnostic.budget_observation or "Budget tenu"
    if diagnostic.level in (2, 3) and not diagnostic.budget_lines.exists():
        add_lines(diagnostic, {"salaries": "1200"}, {"rent": "400"})
    if diagnostic.household.public == "eviction_threat":
        diagnostic.arrears_triggers = diagnostic.arrears_triggers or ["job_loss"]
        if not diagnostic.debts.exists():
            Debt.objects.create(diagnostic=diagnostic, creditor="Caen habitat", amount=900)
    diagnostic.save()
    return diagnostic
