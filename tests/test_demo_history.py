"""Issue 10, point 7: the demo is built through the front door. Every household's history is
what the transition owners write (`Household.create_files`, `Household.move_many`, the
batch forms of `record_creation` and `move_to`, sharing their rule code; the accompaniments by
`Accompaniment.begin_many` / `close_many`, those of `begin` and `close`; the submissions by
`Diagnostic.submit_many`, that of `submit`; the inscriptions on an agenda by `Meeting.add_items`,
that of `add_item`; the « compléments demandés » by `record_decisions` and
`Diagnostic.reopen_many`, that of `reopen`; the agendas' publication and the minutes by
`Meeting.publish_agendas` and `approve_minutes_many`), and each file agrees with its records:
status dates, accompaniment dates, signed documents, cellule decisions, agendas, minutes."""

import io
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from households.enums import TRANSITIONS, Owner, Status
from households.models import Household, StatusChange

NOW = "2026-11-28 10:00 +01:00"
DEMO_MODULES = sorted(Path(settings.BASE_DIR).glob("*/demo.py")) + [
    Path(settings.BASE_DIR) / "caen_accompagnement/management/commands/seed_demo.py"
]
# Writing a status or a history row around the owners: a StatusChange built or written, a
# household's status assigned or updated in bulk.
AROUND_THE_OWNERS = [
    r"StatusChange\s*\(",
    r"StatusChange\.objects\.(create|bulk_create|update|get_or_create)",
    r"household\w*\.status\s*=(?!=)",
    r"\.update\([^)]*\bstatus\b",
    r"\.status_changed_at\s*=(?!=)",
    r"Household\([^)]*\bstatus\s*=",
    # An accompaniment or its history made around `begin_many` / `close_many`.
    r"Accompaniment\s*\(",
    r"Accompaniment\.objects\.(create|bulk_create|update)",
    r"AccompanimentEvent",
    r"\.closed_on\s*=(?!=)",
    # The cellule's records made around `Meeting.add_items`, `publish_agendas`,
    # `record_attendance`, `approve_minutes_many` and `record_decisions`: an agenda item, a
    # decision, a minutes version built or written, a publication, an approval or the attendance
    # assigned.
    r"AgendaItem\s*\(",
    r"AgendaItem\.objects\.(create|bulk_create|update)",
    r"\.items\.create",
    r"\bDecision\s*\(",
    r"Decision\.objects\.(create|bulk_create|update)",
    r"\bMinutes\s*\(",
    r"Minutes\.objects\.(create|bulk_create|update)",
    r"\bminutes_approved_at\b(?!__)",
    r"\bagenda_published_(at|by)\b(?!__)",
    r"\.attendees\.(set|add|through)",
    r"\.members\.through",
    # A diagnostic's version copied, submitted, examined or reopened around `submit_many`,
    # `mark_reviewed_many` and `reopen_many`.
    r"\.previous(_id)?\s*=(?!=)",
    r"\.number\s*=(?!=)",
    r"\b(submitted_at|reviewed_at|reviewed_by)\s*=(?!=)",
    r"EventKind\.(SUBMITTED|REVIEWED|REOPENED)",
    # A household's diagnostic level set around `set_diagnostic_level(s)`.
    r"\.diagnostic_level\s*=(?!=)",
    r"\[\s*\"diagnostic_level\"\s*\]",
]


def test_no_demo_module_writes_a_status_or_a_history_row_itself():
    """In addition to the behavioural test below: the demo modules name no way around the
    owners (the batch forms live in the models, next to the single-row forms)."""
    assert len(DEMO_MODULES) >= 6
    found = [
        (path.relative_to(settings.BASE_DIR).as_posix(), pattern)
        for path in DEMO_MODULES
        for pattern in AROUND_THE_OWNERS
        if re.search(pattern, path.read_text(), re.DOTALL if "Household(" in pattern else 0)
    ]
    assert found == []


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_each_demo_history_is_what_the_owners_write_and_agrees_with_the_records():  # noqa: C901 — one check per invariant of the demo file
    from accompaniments.cadence import add_months
    from accompaniments.enums import (
        CLOSURE_AFTER_END_INTERVIEW,
        EARLY_CLOSURE_REASONS,
        ClosureReason,
        EventKind,
        InterviewKind,
    )
    from accompaniments.models import Accompaniment
    from coordination.enums import ItemKind, MeetingKind, Outcome
    from coordination.models import Decision, Meeting
    from diagnostics.enums import EventKind as DiagnosticEventKind
    from diagnostics.models import Diagnostic, DiagnosticEvent, DiagnosticStatus
    from housing.models import AgreementDocument, DocumentKind, DocumentStatus

    # The status changes a cellule decision of its owner makes: (owner, to) → outcome.
    OWNER_OUTCOME = {
        (Owner.ADMISSION, Status.ADMITTED): Outcome.ADMITTED,
        (Owner.ADMISSION, Status.NOT_ADMITTED): Outcome.NOT_ADMITTED,
        (Owner.LEVEL, Status.DIAGNOSTIC): Outcome.LEVEL,
    }

    call_command("seed_demo", households=150, seed=5, stdout=io.StringIO())
    local = timezone.localdate
    cellule_days = {
        local(d)
        for d in Meeting.objects.filter(kind=MeetingKind.CELLULE).values_list("date", flat=True)
    }
    decided = {}  # (household, day) of every recorded cellule decision
    for household, day in Decision.objects.values_list("item__household", "item__meeting__date"):
        decided.setdefault(household, set()).add(local(day))
    # Level and admission decisions, by household: (moment, author, outcome, reason, the
    # cellule's label, level).
    admissions = {}
    for decision in Decision.objects.filter(
        item__kind__in=[ItemKind.ADMISSION, ItemKind.LEVEL]
    ).select_related("item__meeting"):
        admissions.setdefault(decision.item.household_id, []).append(
            (
                decision.recorded_at,
                decision.recorded_by_id,
                decision.outcome,
                decision.reason,
                decision.item.meeting.decision_label,
                decision.level,
            )
        )
    reviewed = {}  # household → when its diagnostics were marked reviewed
    for household, at in DiagnosticEvent.objects.filter(
        kind=DiagnosticEventKind.REVIEWED
    ).values_list("diagnostic__household", "at"):
        reviewed.setdefault(household, set()).add(at)
    signed = {}
    for household, kind, on in AgreementDocument.objects.filter(
        status=DocumentStatus.SIGNED
    ).values_list("household", "kind", "signed_on"):
        signed.setdefault(household, {})[kind] = max(on, signed.get(household, {}).get(kind, on))
    accompaniments = {}
    for acc in Accompaniment.objects.prefetch_related("events"):
        accompaniments.setdefault(acc.household_id, []).append(acc)
    statuses = set()
    for household in Household.objects.prefetch_related("status_changes"):
        rows = sorted(household.status_changes.all(), key=lambda c: (c.at, c.pk))
        # The first row is the creation; each following one is what `move_to` writes for it:
        # replayed from a fresh file through the same rule code, it gives the same row.
        assert (rows[0].from_status, rows[0].owner) == ("", Owner.CREATION)
        replay = Household(status=rows[0].to_status, status_changed_at=rows[0].at)
        for before, row in zip(rows, rows[1:], strict=False):
            assert before.at <= row.at, household.reference  # dates travel forward
            assert row.owner == TRANSITIONS[before.to_status][row.to_status], household.reference
            expected = replay.apply_move(
                row.to_status,
                by=row.by,
                owner=row.owner,
                reason=row.reason,
                decision=row.decision,
                exit_reason=household.exit_reason,
                at=row.at,
                known_names=set(),
            )
            assert (expected.from_status, expected.to_status, expected.at) == (
                row.from_status,
                row.to_status,
                row.at,
            )
        assert (replay.status, replay.status_changed_at) == (
            household.status,
            household.status_changed_at,
        )
        statuses.add(household.status)
        # Cellule decisions fall on a cellule's day, and the cellule recorded them that day.
        for row in rows:
            if row.owner in (Owner.LEVEL, Owner.ADMISSION, Owner.REOPENING):
                assert local(row.at) in cellule_days, (household.reference, row.decision)
                assert local(row.at) in decided.get(household.pk, set()), household.reference
        # Each level decision, admission or non-admission is the cellule's decision, recorded
        # by its owner (`record_decisions`, the batch form of `do_record_decision`): a decision
        # at the same moment, by the same author, in the same words (the level the file's),
        # the diagnostic marked reviewed on admission.
        for row in rows:
            outcome = OWNER_OUTCOME.get((row.owner, row.to_status))
            if outcome is None:
                continue
            level = household.diagnostic_level if outcome == Outcome.LEVEL else None
            expected = (row.at, row.by_id, outcome, row.reason, row.decision, level)
            assert expected in admissions.get(household.pk, []), household.reference
            if outcome != Outcome.LEVEL and household.pk in reviewed:
                assert row.at in reviewed[household.pk], household.reference
        # The accompaniment begins the day the file became « accompagné », after both documents
        # were signed, and closes the day it left (post-autonomy, exit).
        begun = [(k, row) for k, row in enumerate(rows) if row.to_status == Status.ACCOMPANIED]
        accs = accompaniments.get(household.pk, [])
        assert len(accs) == len(begun), household.reference
        for (k, row), acc in zip(begun, sorted(accs, key=lambda a: a.start), strict=True):
            assert acc.start == local(row.at)
            # Made by the owners (`begin_many`, `close_many`): the start's history row and
            # event at the same moment, in the owner's words; the same for the closure.
            events = {e.kind: e for e in acc.events.all()}
            assert (row.owner, row.reason) == (Owner.BEGIN, Accompaniment.BEGIN_REASON)
            assert events[EventKind.STARTED].at == row.at, household.reference
            assert events[EventKind.STARTED].by_id == row.by_id == acc.created_by_id
            documents = signed.get(household.pk, {})
            assert documents.get(DocumentKind.CONVENTION) and documents.get(DocumentKind.CONTRACT)
            assert max(documents.values()) <= acc.start, household.reference
            if k + 1 < len(rows):
                assert acc.closed_on == local(rows[k + 1].at), household.reference
                assert rows[k + 1].owner == Owner.CLOSURE
                label = ClosureReason(acc.closure_reason).label
                assert rows[k + 1].reason == f"Fin d'accompagnement : {label}"
                assert events[EventKind.CLOSED].at == rows[k + 1].at, household.reference
                if acc.closure_reason in CLOSURE_AFTER_END_INTERVIEW:
                    assert acc.interviews.filter(
                        kind=InterviewKind.END, held_on__lte=acc.closed_on
                    ).exists(), household.reference
                if acc.closure_reason not in EARLY_CLOSURE_REASONS:
                    assert acc.closed_on >= add_months(acc.start, 3), household.reference
            else:
                assert acc.closed_on is None
    assert statuses == set(Status.values)
    # Every level or admission decision moved its household (no decision without its row).
    moved = {
        (row.household_id, row.at, OWNER_OUTCOME[(row.owner, row.to_status)])
        for row in StatusChange.objects.filter(owner__in=[Owner.ADMISSION, Owner.LEVEL])
    }
    assert {
        (household, at, outcome)
        for household, decisions in admissions.items()
        for at, _by, outcome, _reason, _label, _level in decisions
        if outcome in OWNER_OUTCOME.values()
    } == moved
    assert {outcome for _household, _at, outcome in moved} == set(OWNER_OUTCOME.values())
    assert StatusChange.objects.filter(owner="").count() == 0
    # Every move to « en attente d'admission » is a diagnostic's submission by its owner
    # (`submit_many`): a submitted event of a complete version of that household's diagnostic,
    # same moment, same author, and each submission moved its household.
    submissions = {
        (row.household_id, row.at, row.by_id, row.reason)
        for row in StatusChange.objects.filter(to_status=Status.AWAITING_ADMISSION)
    }
    assert {
        owner
        for owner in StatusChange.objects.filter(to_status=Status.AWAITING_ADMISSION).values_list(
            "owner", flat=True
        )
    } == {Owner.SUBMISSION}
    submitted = {
        (
            event.diagnostic.household_id,
            event.at,
            event.by_id,
            f"Diagnostic v{event.diagnostic.number} transmis",
        )
        for event in DiagnosticEvent.objects.filter(
            kind=DiagnosticEventKind.SUBMITTED
        ).select_related("diagnostic")
    }
    assert submissions and submissions == submitted
    for diagnostic in Diagnostic.objects.exclude(status=DiagnosticStatus.DRAFT):
        assert diagnostic.submission_problems() == {}, diagnostic.household.reference
    # A diagnostic belongs to a file whose level a cellule decided: each went through
    # « diagnostic en cours » (none for a file archived before any cellule).
    leveled = set(
        StatusChange.objects.filter(to_status=Status.DIAGNOSTIC).values_list("household", flat=True)
    )
    assert set(Diagnostic.objects.values_list("household", flat=True)) <= leveled
    _check_the_cellules_records()
    out = io.StringIO()
    call_command("check_pipeline", stdout=out, stderr=io.StringIO())
    assert "aucune incohérence" in out.getvalue()


def _check_the_cellules_records():  # noqa: C901 — one check per record of the cellule
    """The agendas, deferrals and minutes of the demo are what their owners write."""
    from accounts.enums import Role
    from accounts.models import User
    from coordination.enums import ItemKind, MeetingKind, Outcome
    from coordination.models import AgendaItem, Decision, Meeting
    from diagnostics.enums import EventKind as DiagnosticEventKind
    from diagnostics.models import Diagnostic, DiagnosticEvent

    local = timezone.localdate
    # Every inscription (« présélectionné » → « en attente de niveau », the agenda's move) is
    # a level item of that household on a cellule's agenda, added at that moment by that
    # author (`Meeting.add_items`), its reason naming that cellule, before its agenda was
    # published.
    level_items = {}
    for item in AgendaItem.objects.filter(kind=ItemKind.LEVEL).select_related("meeting"):
        level_items.setdefault(item.household_id, []).append(item)
    inscriptions = list(StatusChange.objects.filter(owner=Owner.AGENDA))
    assert inscriptions
    for row in inscriptions:
        assert row.to_status == Status.AWAITING_LEVEL
        matching = [
            item
            for item in level_items.get(row.household_id, [])
            if (item.added_at, item.added_by_id) == (row.at, row.by_id)
            and row.reason == f"Inscrit à l'ordre du jour de la {item.meeting.label.lower()}"
        ]
        assert len(matching) == 1, row.household_id
        published = matching[0].meeting.agenda_published_at
        assert published is None or published > row.at
    # Every cellule: its points inscribed before its agenda was published, its decisions
    # recorded the day it sat, before its minutes were approved. Every past cellule published
    # before it sat, its attendance noted, its minutes approved by the manager: version 1 of
    # its `Minutes`, at the approval's moment (`approve_minutes_many`; its PDF rendered on its
    # first download).
    manager = User.objects.with_role(Role.CCAS_MANAGER).order_by("pk").first()
    past = 0
    for meeting in Meeting.objects.filter(kind=MeetingKind.CELLULE).prefetch_related(
        "items__decision", "minutes_versions", "attendees"
    ):
        published, approved = meeting.agenda_published_at, meeting.minutes_approved_at
        for item in meeting.items.all():
            assert item.added_at is not None and item.added_by_id is not None
            assert published is None or item.added_at < published
            if hasattr(item, "decision"):
                assert local(item.decision.recorded_at) == local(meeting.date)
                assert approved is None or item.decision.recorded_at < approved
        if meeting.date < timezone.now():
            past += 1
            assert published is not None and published < meeting.date
            assert meeting.attendees.all()
            assert [
                (v.number, v.approved_by_id, v.approved_at) for v in meeting.minutes_versions.all()
            ] == [(1, manager.pk, approved)]
        else:
            assert approved is None and not meeting.minutes_versions.all()
    assert past > 4
    # Every « compléments demandés » is the cellule's deferral (its reason written), followed at
    # the same moment and by the same author by the diagnostic's reopening (`reopen_many`): the
    # reopened event, the new version, the file back to « diagnostic en cours » in the
    # reopening's name; and each reopening is one.
    deferrals = {
        (d.item.household_id, d.recorded_at, d.recorded_by_id)
        for d in Decision.objects.filter(outcome=Outcome.DEFERRED).select_related("item")
        if d.reason
    }
    reopened = {
        (e.diagnostic.household_id, e.at, e.by_id)
        for e in DiagnosticEvent.objects.filter(kind=DiagnosticEventKind.REOPENED).select_related(
            "diagnostic"
        )
    }
    versions = {
        (d.household_id, d.created_at, d.author_id)
        for d in Diagnostic.objects.filter(previous__isnull=False)
    }
    moves = {
        (row.household_id, row.at, row.by_id)
        for row in StatusChange.objects.filter(owner=Owner.REOPENING)
    }
    assert deferrals and deferrals == reopened == versions == moves
    assert Decision.objects.filter(outcome=Outcome.DEFERRED).count() == len(deferrals)
