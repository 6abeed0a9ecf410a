"""`record_decisions`, the batch form of `do_record_decision` for admissions (the demo's
histories, issue 10 point 7): the same rules, checked for every item before anything is
written; the eviction-threat share counts each admission of the batch."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coordination.actions import EvictionShare, do_record_decision, record_decisions
from coordination.enums import ItemKind, Outcome
from coordination.models import Decision
from diagnostics.models import DiagnosticEvent, DiagnosticStatus
from households.enums import Owner, Public, Status
from households.models import StatusChange
from tests.factories import HouseholdFactory

from .factories import AccompanimentFactory, AgendaItemFactory, DiagnosticFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(ccas_manager, cellule_member):
    return MeetingFactory(members=[ccas_manager, cellule_member], published=True, past=True)


def admission_item(meeting, **household):
    household.setdefault("status", Status.AWAITING_ADMISSION)
    return AgendaItemFactory(
        meeting=meeting, kind=ItemKind.ADMISSION, household=HouseholdFactory(**household)
    )


def nothing_written():
    return (
        not Decision.objects.exists()
        and not StatusChange.objects.filter(owner=Owner.ADMISSION).exists()
        and not DiagnosticEvent.objects.exists()
    )


def test_a_batch_records_the_decisions_moves_the_households_and_reviews_the_diagnostics(
    meeting, ccas_manager
):
    admitted, refused = admission_item(meeting), admission_item(meeting)
    diagnostic = DiagnosticFactory(household=admitted.household)
    at = timezone.now() - datetime.timedelta(hours=2)
    decisions, _share = record_decisions(
        [
            (admitted, dict(by=ccas_manager, outcome=Outcome.ADMITTED, at=at)),
            (
                refused,
                dict(
                    by=ccas_manager, outcome=Outcome.NOT_ADMITTED, reason="Autre dispositif", at=at
                ),
            ),
        ]
    )
    assert [d.outcome for d in Decision.objects.order_by("item")] == [
        Outcome.ADMITTED,
        Outcome.NOT_ADMITTED,
    ]
    for item, status in ((admitted, Status.ADMITTED), (refused, Status.NOT_ADMITTED)):
        row = StatusChange.objects.get(household=item.household, owner=Owner.ADMISSION)
        decision = Decision.objects.get(item=item)
        assert (row.to_status, row.at, row.by, row.decision, row.reason) == (
            status,
            decision.recorded_at,
            decision.recorded_by,
            meeting.decision_label,
            decision.reason,
        )
        assert decision.recorded_at == at
        assert decision.meeting_id == meeting.pk  # kept for /cellule/'s counts
    diagnostic.refresh_from_db()
    assert (diagnostic.status, diagnostic.reviewed_at) == (DiagnosticStatus.REVIEWED, at)


def test_the_batch_refuses_over_the_cap_without_override_reason_and_writes_nothing(
    meeting, ccas_manager, cellule_member
):
    AccompanimentFactory(household__public=Public.DALO)
    # 0 of 1; a first eviction threat: 1 of 2 = 50 %, accepted; a second one sees the first
    # admission of the batch: 2 of 3 = 66,7 %, refused (alone, it would pass, as
    # do_record_decision would let it).
    first = admission_item(meeting, public=Public.EVICTION_THREAT)
    second = admission_item(meeting, public=Public.EVICTION_THREAT)
    items = [
        (first, dict(by=ccas_manager, outcome=Outcome.ADMITTED)),
        (second, dict(by=ccas_manager, outcome=Outcome.ADMITTED)),
    ]
    with pytest.raises(ValidationError) as exc:
        record_decisions(items)
    assert "66,7 %" in str(exc.value) and "plafond de 50 %" in str(exc.value)
    assert nothing_written()
    # Only a CCAS manager may pass the cap, with a reason.
    override = dict(outcome=Outcome.ADMITTED, cap_override_reason="Expulsion imminente")
    with pytest.raises(ValidationError) as exc:
        record_decisions([items[0], (second, dict(override, by=cellule_member))])
    assert "Seul un responsable du CCAS" in str(exc.value)
    assert nothing_written()
    decisions, share = record_decisions([items[0], (second, dict(override, by=ccas_manager))])
    assert [d.cap_override_reason for d in decisions] == ["", "Expulsion imminente"]
    assert (share.eviction, share.total) == (2, 3)


def test_the_batch_refuses_what_do_record_decision_refuses_and_writes_nothing(
    meeting, ccas_manager
):
    good = admission_item(meeting)
    DiagnosticFactory(household=good.household)
    ok = (good, dict(by=ccas_manager, outcome=Outcome.ADMITTED))
    not_awaiting = admission_item(meeting, status=Status.DIAGNOSTIC)
    refusals = [
        # the household is not awaiting admission: the item is without object
        (not_awaiting, dict(by=ccas_manager, outcome=Outcome.ADMITTED), "sans objet"),
        # a non-admission needs its reason
        (admission_item(meeting), dict(by=ccas_manager, outcome=Outcome.NOT_ADMITTED), "motif"),
        # an outcome of another kind of item
        (admission_item(meeting), dict(by=ccas_manager, outcome=Outcome.LEVEL), "pas possible"),
    ]
    for item, spec, message in refusals:
        with pytest.raises(ValidationError) as exc:
            do_record_decision(item, **spec)
        assert message in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            record_decisions([ok, (item, spec)])
        assert message in str(exc.value)
        assert nothing_written()
    good.household.refresh_from_db()
    assert good.household.status == Status.AWAITING_ADMISSION
    # The same item twice in a batch, or an item already decided.
    with pytest.raises(ValidationError):
        record_decisions([ok, ok])
    assert nothing_written()
    record_decisions([ok])
    with pytest.raises(ValidationError) as exc:
        record_decisions([ok])
    assert "déjà enregistrée" in str(exc.value)


def test_the_batch_refuses_a_meeting_not_published_or_approved(ccas_manager, cellule_member):
    unpublished = MeetingFactory(members=[ccas_manager], past=True)
    item = admission_item(unpublished)
    with pytest.raises(ValidationError) as exc:
        record_decisions([(item, dict(by=ccas_manager, outcome=Outcome.ADMITTED))])
    assert "pas encore publié" in str(exc.value)
    assert nothing_written()


def test_the_share_passed_in_is_the_one_the_batch_starts_from(meeting, ccas_manager):
    item = admission_item(meeting, public=Public.EVICTION_THREAT)
    spec = dict(by=ccas_manager, outcome=Outcome.ADMITTED)
    with pytest.raises(ValidationError):
        record_decisions([(item, spec)], share=EvictionShare(1, 1))
    assert nothing_written()
    _decisions, share = record_decisions([(item, spec)], share=EvictionShare(1, 3))
    assert (share.eviction, share.total) == (2, 4)


# --- level decisions ---------------------------------------------------------------------------
def level_item(meeting, **household):
    household.setdefault("status", Status.AWAITING_LEVEL)
    household.setdefault("public", Public.THIRD_PARTY)  # the rule suggests level 3
    return AgendaItemFactory(
        meeting=meeting, kind=ItemKind.LEVEL, household=HouseholdFactory(**household)
    )


def test_a_batch_of_level_decisions_sets_the_levels_and_moves_the_households(meeting, ccas_manager):
    suggested, other = level_item(meeting), level_item(meeting)
    at = timezone.now() - datetime.timedelta(hours=1)
    record_decisions(
        [
            (suggested, dict(by=ccas_manager, outcome=Outcome.LEVEL, level=3, at=at)),
            (
                other,
                dict(by=ccas_manager, outcome=Outcome.LEVEL, level=1, reason="Urgence", at=at),
            ),
        ]
    )
    for item, level in ((suggested, 3), (other, 1)):
        item.household.refresh_from_db()
        decision = Decision.objects.get(item=item)
        row = StatusChange.objects.get(household=item.household, owner=Owner.LEVEL)
        assert (item.household.status, item.household.diagnostic_level) == (
            Status.DIAGNOSTIC,
            level,
        )
        assert (decision.level, decision.suggested_level, decision.recorded_at) == (level, 3, at)
        assert (row.at, row.by, row.decision, row.reason) == (
            at,
            ccas_manager,
            meeting.decision_label,
            decision.reason or "Diagnostic de niveau 3 décidé",  # as set_diagnostic_level
        )


def test_the_batch_refuses_what_do_record_decision_refuses_for_a_level_and_writes_nothing(
    meeting, ccas_manager
):
    ok = (level_item(meeting), dict(by=ccas_manager, outcome=Outcome.LEVEL, level=3))
    refusals = [
        # another level than the rule's, without its reason
        (level_item(meeting), dict(by=ccas_manager, outcome=Outcome.LEVEL, level=1), "motif"),
        # no level
        (level_item(meeting), dict(by=ccas_manager, outcome=Outcome.LEVEL), "niveau 1, 2 ou 3"),
        # the household is no longer awaiting its level
        (
            level_item(meeting, status=Status.AWAITING_ADMISSION),
            dict(by=ccas_manager, outcome=Outcome.LEVEL, level=3),
            "sans objet",
        ),
    ]
    for item, spec, message in refusals:
        with pytest.raises(ValidationError) as exc:
            do_record_decision(item, **spec)
        assert message in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            record_decisions([ok, (item, spec)])
        assert message in str(exc.value)
        assert not Decision.objects.exists()
        assert not StatusChange.objects.filter(owner=Owner.LEVEL).exists()
    ok[0].household.refresh_from_db()
    assert (ok[0].household.status, ok[0].household.diagnostic_level) == (
        Status.AWAITING_LEVEL,
        None,
    )
    # A later refusal in the batch (an admission over nothing) undoes the levels too.
    with pytest.raises(ValidationError):
        record_decisions(
            [
                ok,
                (
                    admission_item(meeting, status=Status.DIAGNOSTIC),
                    dict(ok[1], outcome=Outcome.ADMITTED),
                ),
            ]
        )
    ok[0].household.refresh_from_db()
    assert ok[0].household.diagnostic_level is None
