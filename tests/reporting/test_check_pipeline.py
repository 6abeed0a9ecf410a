"""`manage.py check_pipeline` (issue 10, point 8): every household against the pipeline's
invariants, each violation printed with the household's reference, exit status 1 when any, in a
number of queries that does not grow with the households."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accompaniments.models import Accompaniment
from coordination.actions import do_record_decision
from coordination.enums import ItemKind, Outcome
from coordination.models import Decision, Meeting
from diagnostics.models import start_diagnostic
from households.enums import Public, Status
from housing.models import AgreementDocument, DocumentKind, Rehousing, Solution
from reporting.integrity import annotated_households, violations
from tests.diagnostics.factories import ready_to_submit
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def run():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_pipeline", stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def cellule(ccas_manager, letting_officer, debt_officer):
    def make(days_ago):
        meeting = Meeting.objects.create(date=timezone.now() - datetime.timedelta(days=days_ago))
        meeting.members.set([ccas_manager, letting_officer, debt_officer])
        return meeting

    return make


def accompanied_through_the_owners(
    cellule, ccas_manager, social_worker, letting_officer, debt_officer
):
    """One household taken from preselection to its accompaniment by the functions users
    trigger: agenda inscription, level decision, diagnostic submission, admission, documents,
    start."""
    household = HouseholdFactory(public=Public.THIRD_PARTY, referent=social_worker)
    household.record_creation(by=letting_officer)
    first = cellule(days_ago=40)
    item = first.add_item(kind=ItemKind.LEVEL, household=household, by=ccas_manager)
    first.publish_agenda(by=ccas_manager)
    do_record_decision(item, by=debt_officer, outcome=Outcome.LEVEL, level=3)
    household.refresh_from_db()
    diagnostic = start_diagnostic(household, by=social_worker)
    ready_to_submit(diagnostic)
    diagnostic.submit(by=social_worker)
    second = cellule(days_ago=10)
    household.refresh_from_db()
    item = second.add_item(kind=ItemKind.ADMISSION, household=household, by=ccas_manager)
    second.publish_agenda(by=ccas_manager)
    do_record_decision(item, by=letting_officer, outcome=Outcome.ADMITTED)
    household.refresh_from_db()
    Rehousing.record(
        household=household,
        by=letting_officer,
        solution=Solution.SOCIAL_RESIDENCE,
        structure_name="Résidence sociale Le Phare",
        lease_start=timezone.localdate() - datetime.timedelta(days=5),
    )
    for kind in (DocumentKind.CONVENTION, DocumentKind.CONTRACT):
        document = AgreementDocument.generate(household, kind, by=letting_officer)
        document.mark_signed(
            on=timezone.localdate(), scan=ContentFile(b"%PDF-1.4 scan", "s.pdf"), by=ccas_manager
        )
    Accompaniment.begin(
        household,
        by=social_worker,
        start=timezone.localdate(),
        planned_end=timezone.localdate() + datetime.timedelta(days=200),
        intensity="medium",
    )
    household.refresh_from_db()
    assert household.status == Status.ACCOMPANIED
    return household


def test_passes_on_a_pipeline_built_through_its_owners(
    cellule, ccas_manager, social_worker, letting_officer, debt_officer
):
    accompanied_through_the_owners(
        cellule, ccas_manager, social_worker, letting_officer, debt_officer
    )
    waiting = HouseholdFactory()
    waiting.record_creation(by=letting_officer)
    cellule(days_ago=-20).add_item(kind=ItemKind.LEVEL, household=waiting, by=ccas_manager)
    code, out, err = run()
    assert (code, err) == (0, "")
    assert "aucune incohérence" in out


def test_finds_a_hand_broken_household_and_exits_1(
    cellule, ccas_manager, social_worker, letting_officer, debt_officer
):
    household = accompanied_through_the_owners(
        cellule, ccas_manager, social_worker, letting_officer, debt_officer
    )
    # Broken by hand, around the owners: the accompaniment gone, the status left as it was.
    Accompaniment.objects.filter(household=household).delete()
    skipped = HouseholdFactory(status=Status.DIAGNOSTIC, diagnostic_level=2)
    skipped.record_creation(by=letting_officer)
    code, out, err = run()
    assert code == 1
    assert (
        f"{household.reference} : accompagné avec 0 accompagnement(s) en cours au lieu d'un" in out
    )
    assert f"{skipped.reference} : niveau de diagnostic fixé sans décision de la cellule" in out
    assert "2 incohérence(s) dans 2 dossier(s)" in err


def test_an_accompaniment_started_before_either_signature_is_found(
    cellule, ccas_manager, social_worker, letting_officer, debt_officer
):
    """The start gate (§2.3): each of the two documents signed on or before the start, else a
    manager's written derogation."""
    household = accompanied_through_the_owners(
        cellule, ccas_manager, social_worker, letting_officer, debt_officer
    )
    gate = "accompagnement commencé avant la signature de la convention tripartite"

    def problems():
        return [m for ref, m in violations() if ref == household.reference]

    assert problems() == []
    documents = AgreementDocument.objects.filter(household=household)
    start = Accompaniment.objects.get(household=household).start
    for late, on_time in (
        (DocumentKind.CONVENTION, DocumentKind.CONTRACT),
        (DocumentKind.CONTRACT, DocumentKind.CONVENTION),
    ):
        documents.filter(kind=late).update(signed_on=start + datetime.timedelta(days=1))
        documents.filter(kind=on_time).update(signed_on=start)
        assert [m for m in problems() if m.startswith(gate)], late
    Accompaniment.objects.filter(household=household).update(
        gate_override_reason="Documents signés en réunion, scans à venir."
    )
    assert problems() == []


@pytest.mark.parametrize(
    ("status", "fields", "message"),
    [
        (Status.POST_AUTONOMY, {"diagnostic_level": 3}, "suivi post-autonomie sans"),
        (Status.AWAITING_LEVEL, {}, "sans inscription à l'ordre du jour"),
        (Status.AWAITING_ADMISSION, {"diagnostic_level": 3}, "sans diagnostic transmis"),
        (Status.ADMITTED, {"diagnostic_level": 3}, "sans décision d'admission"),
        (Status.EXITED, {}, "sans motif de sortie"),
        (Status.ACCOMPANIED, {}, "sans niveau de diagnostic"),
    ],
)
def test_each_invariant(letting_officer, status, fields, message):
    household = HouseholdFactory(status=status, **fields)
    household.record_creation(by=letting_officer)
    found = [m for ref, m in violations() if ref == household.reference]
    assert any(message in m for m in found), found


def test_status_must_be_the_last_of_its_history(letting_officer):
    household = HouseholdFactory()
    household.record_creation(by=letting_officer)
    household.status = Status.EXITED
    household.exit_reason = "departure"
    household.save()
    assert [m for _, m in violations()] == [
        "le statut « Sorti du dispositif » n'est pas le dernier de son historique "
        "(« Présélectionné »)"
    ]


def test_queries_do_not_grow_with_the_households(letting_officer):
    def measure():
        with CaptureQueriesContext(connection) as ctx:
            found = list(violations(annotated_households()))
        return len(ctx.captured_queries), len(found)

    HouseholdFactory(status=Status.ACCOMPANIED).record_creation(by=letting_officer)
    few, found = measure()
    for _ in range(6):
        HouseholdFactory(status=Status.ACCOMPANIED).record_creation(by=letting_officer)
    assert measure() == (few, found * 7)


def test_a_decision_kept_on_another_meeting_than_its_item_s_is_found(
    cellule, ccas_manager, social_worker, letting_officer, debt_officer
):
    """`Decision.meeting` (for /cellule/'s counts) is its item's meeting, as its owners write
    it; moved by hand, check_pipeline says so."""
    household = accompanied_through_the_owners(
        cellule, ccas_manager, social_worker, letting_officer, debt_officer
    )
    decisions = Decision.objects.filter(item__household=household)
    assert decisions.count() == 2
    assert all(d.meeting_id == d.item.meeting_id for d in decisions)
    assert [m for ref, m in violations() if ref == household.reference] == []
    other = cellule(days_ago=100)
    decisions.filter(outcome=Outcome.LEVEL).update(meeting=other)
    assert [m for ref, m in violations() if ref == household.reference] == [
        "décision rattachée à une autre réunion que celle de son point d'ordre du jour"
    ]
