"""The rehousing rules of docs/domain.md §3.2 and the proposal flow, enforced by the models."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from households.enums import Public, Status
from housing.models import (
    AgreementDocument,
    Dwelling,
    DwellingProposal,
    ProposalStatus,
    Rehousing,
    Solution,
    stays_in_place,
)
from tests.factories import HouseholdFactory

from .factories import (
    AgreementDocumentFactory,
    DwellingFactory,
    ProposalFactory,
    admitted_household,
)

START = datetime.date(2026, 10, 1)
pytestmark = pytest.mark.django_db


def record(household, letting_officer, **fields):
    return Rehousing.record(household=household, by=letting_officer, lease_start=START, **fields)


def errors_of(excinfo):
    return excinfo.value.message_dict


def test_direct_access_lets_the_dwelling(letting_officer):
    household, dwelling = admitted_household(), DwellingFactory()
    rehousing = record(household, letting_officer, solution=Solution.DIRECT, dwelling=dwelling)
    dwelling.refresh_from_db()
    assert dwelling.is_let and rehousing.created_by == letting_officer


def test_direct_access_needs_a_dwelling(letting_officer):
    with pytest.raises(ValidationError) as excinfo:
        record(admitted_household(), letting_officer, solution=Solution.DIRECT)
    assert "dwelling" in errors_of(excinfo)


@pytest.mark.parametrize(
    "glide, ok",
    [
        (datetime.date(2026, 12, 31), False),  # < 3 months
        (datetime.date(2027, 1, 1), True),  # exactly 3 months
        (datetime.date(2027, 10, 1), True),  # exactly 12 months
        (datetime.date(2027, 10, 2), False),  # > 12 months
    ],
)
def test_sliding_lease_glide_date_between_3_and_12_months(letting_officer, glide, ok):
    household, dwelling = admitted_household(), DwellingFactory()
    fields = {"solution": Solution.SLIDING_LEASE, "dwelling": dwelling, "planned_glide_date": glide}
    if ok:
        assert record(household, letting_officer, **fields).planned_glide_date == glide
    else:
        with pytest.raises(ValidationError) as excinfo:
            record(household, letting_officer, **fields)
        assert "entre 3 et 12 mois" in errors_of(excinfo)["planned_glide_date"][0]
        assert not Rehousing.objects.exists()
        dwelling.refresh_from_db()
        assert not dwelling.is_let


def test_sliding_lease_needs_a_glide_date(letting_officer):
    with pytest.raises(ValidationError) as excinfo:
        record(
            admitted_household(),
            letting_officer,
            solution=Solution.SLIDING_LEASE,
            dwelling=DwellingFactory(),
        )
    assert "planned_glide_date" in errors_of(excinfo)


def test_glide_recorded_when_it_happens(letting_officer):
    rehousing = record(
        admitted_household(),
        letting_officer,
        solution=Solution.SLIDING_LEASE,
        dwelling=DwellingFactory(),
        planned_glide_date=datetime.date(2027, 4, 1),
    )
    with time_machine.travel(datetime.datetime(2027, 4, 2, 10, 0, tzinfo=datetime.UTC)):
        with pytest.raises(ValidationError) as excinfo:
            rehousing.record_glide(on=datetime.date(2026, 11, 1), by=letting_officer)
        assert "glided_on" in errors_of(excinfo)
        with pytest.raises(ValidationError):
            rehousing.record_glide(on=datetime.date(2027, 4, 10), by=letting_officer)  # future
        rehousing.record_glide(on=datetime.date(2027, 4, 1), by=letting_officer)
        rehousing.refresh_from_db()
        assert rehousing.glided_on == datetime.date(2027, 4, 1)
        assert rehousing.glide_recorded_by == letting_officer
        with pytest.raises(ValidationError, match="déjà enregistré"):
            rehousing.record_glide(on=datetime.date(2027, 4, 1), by=letting_officer)


def test_only_a_sliding_lease_glides(letting_officer):
    rehousing = record(
        admitted_household(), letting_officer, solution=Solution.DIRECT, dwelling=DwellingFactory()
    )
    with pytest.raises(ValidationError, match="Seul un bail glissant"):
        rehousing.record_glide(on=datetime.date(2027, 1, 5), by=letting_officer)


def test_sublet_at_most_three_years_with_a_written_reason(letting_officer):
    household = admitted_household()
    with pytest.raises(ValidationError) as excinfo:
        record(
            household,
            letting_officer,
            solution=Solution.SUBLET,
            dwelling=DwellingFactory(),
            planned_end=datetime.date(2029, 10, 2),
            exceptional_reason="  ",
        )
    errors = errors_of(excinfo)
    assert "3 ans" in errors["planned_end"][0]
    assert "motif" in errors["exceptional_reason"][0]
    rehousing = record(
        household,
        letting_officer,
        solution=Solution.SUBLET,
        dwelling=DwellingFactory(),
        planned_end=datetime.date(2029, 10, 1),
        exceptional_reason="Titre de séjour en cours de renouvellement.",
    )
    assert rehousing.planned_end == datetime.date(2029, 10, 1)


def test_social_residence_names_the_structure(letting_officer):
    household = admitted_household()
    with pytest.raises(ValidationError) as excinfo:
        record(household, letting_officer, solution=Solution.SOCIAL_RESIDENCE)
    assert "structure_name" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        record(
            household,
            letting_officer,
            solution=Solution.SOCIAL_RESIDENCE,
            structure_name="Résidence Les Tilleuls",
            dwelling=DwellingFactory(),
        )
    assert "dwelling" in errors_of(excinfo)
    rehousing = record(
        household,
        letting_officer,
        solution=Solution.SOCIAL_RESIDENCE,
        structure_name="Résidence Les Tilleuls",
    )
    assert rehousing.place_label == "Résidence Les Tilleuls"


def test_a_let_dwelling_cannot_be_used_or_proposed(letting_officer):
    dwelling = DwellingFactory(is_let=True)
    household = admitted_household()
    with pytest.raises(ValidationError) as excinfo:
        record(household, letting_officer, solution=Solution.DIRECT, dwelling=dwelling)
    assert "déjà loué" in errors_of(excinfo)["dwelling"][0]
    with pytest.raises(ValidationError, match="déjà loué"):
        dwelling.propose_to(household, by=letting_officer)
    assert not DwellingProposal.objects.exists()


def test_a_household_not_admitted_is_not_rehoused(letting_officer):
    household = HouseholdFactory(status=Status.DIAGNOSTIC)
    with pytest.raises(ValidationError):
        record(household, letting_officer, solution=Solution.DIRECT, dwelling=DwellingFactory())
    with pytest.raises(ValidationError, match="admis"):
        DwellingFactory().propose_to(household, by=letting_officer)


def test_proposal_accept_and_refuse(letting_officer):
    household = admitted_household()
    first, second = DwellingFactory(), DwellingFactory()
    refused = first.propose_to(household, by=letting_officer)
    with pytest.raises(ValidationError, match="déjà proposé"):
        first.propose_to(household, by=letting_officer)
    with pytest.raises(ValidationError, match="réservé"):
        first.propose_to(admitted_household(), by=letting_officer)
    with pytest.raises(ValidationError) as excinfo:
        refused.refuse(by=letting_officer, reason="")
    assert "refusal_reason" in errors_of(excinfo)
    refused.refuse(by=letting_officer, reason="Trop loin de l'école des enfants")
    refused.refresh_from_db()
    assert refused.status == ProposalStatus.REFUSED and refused.decided_by == letting_officer
    # A refused proposal frees the dwelling.
    assert Dwelling.objects.available().filter(pk=first.pk).exists()
    accepted = second.propose_to(household, by=letting_officer)
    accepted.accept(by=letting_officer)
    with pytest.raises(ValidationError, match="déjà enregistrée"):
        accepted.refuse(by=letting_officer, reason="Changement d'avis")
    rehousing = record(
        household,
        letting_officer,
        solution=Solution.DIRECT,
        dwelling=second,
        proposal=accepted,
    )
    assert rehousing.proposal == accepted


def test_rehousing_cannot_take_a_dwelling_reserved_for_another_household(letting_officer):
    proposal = ProposalFactory()
    with pytest.raises(ValidationError) as excinfo:
        record(
            admitted_household(),
            letting_officer,
            solution=Solution.DIRECT,
            dwelling=proposal.dwelling,
        )
    assert "réservé" in errors_of(excinfo)["dwelling"][0]


def test_eviction_prevention_household_staying_in_place_needs_no_rehousing(letting_officer):
    staying = HouseholdFactory(
        status=Status.ADMITTED, public=Public.EVICTION_THREAT, tenant_account="CH1"
    )
    other = admitted_household()
    assert stays_in_place(staying) and not stays_in_place(other)
    # The staying household's convention (maintien dans les lieux) needs no rehousing…
    AgreementDocument.generate(staying, "convention", by=letting_officer)
    # …any other household's convention is attached to its lease.
    with pytest.raises(ValidationError, match="relogement"):
        AgreementDocument.generate(other, "convention", by=letting_officer)
    # A later move to cheaper housing is a rehousing like any other.
    record(staying, letting_officer, solution=Solution.DIRECT, dwelling=DwellingFactory())
    assert not stays_in_place(staying)
    # With the rehousings the caller read (the household file's panel): the same answer.
    assert not stays_in_place(staying, list(staying.rehousings.all()))
    assert stays_in_place(staying, []) and not stays_in_place(other, [])


def test_both_signed_looks_at_the_latest_versions():
    household = admitted_household()
    AgreementDocumentFactory(household=household, kind="contract", status="signed", number=1)
    AgreementDocumentFactory(household=household, kind="convention", status="signed", number=1)
    assert AgreementDocument.objects.both_signed(household)
    AgreementDocumentFactory(household=household, kind="convention", number=2)
    assert not AgreementDocument.objects.both_signed(household)
    only_contract = admitted_household()
    AgreementDocumentFactory(household=only_contract, kind="contract", status="signed")
    assert not AgreementDocument.objects.both_signed(only_contract)


def test_a_convention_signed_before_a_later_rehousing_does_not_open_the_accompaniment(
    letting_officer,
):
    """Each rehousing is sealed by its own convention (docs/domain.md §2.3): a household
    staying in place signed its convention, then moved to cheaper housing before the
    accompaniment started; the signed "maintien dans les lieux" convention does not cover the
    new lease."""
    from accompaniments.models import Accompaniment

    household = HouseholdFactory(
        status=Status.ADMITTED, public=Public.EVICTION_THREAT, tenant_account="CH2"
    )
    AgreementDocumentFactory(household=household, kind="convention", status="signed")
    AgreementDocumentFactory(household=household, kind="contract", status="signed")
    assert AgreementDocument.objects.both_signed(household)
    rehousing = record(
        household, letting_officer, solution=Solution.DIRECT, dwelling=DwellingFactory()
    )
    assert not AgreementDocument.objects.both_signed(household)
    with pytest.raises(ValidationError, match="doivent être signés"):
        Accompaniment.begin(
            household,
            by=letting_officer,
            start=datetime.date(2026, 10, 1),
            planned_end=datetime.date(2027, 4, 1),
            intensity="medium",
        )
    household.refresh_from_db()
    assert household.status == Status.ADMITTED
    # The convention of the new lease, signed: the accompaniment may start.
    AgreementDocumentFactory(
        household=household, kind="convention", number=2, status="signed", rehousing=rehousing
    )
    assert AgreementDocument.objects.both_signed(household)
