"""Cellule decisions: one atomic step that records the decision and moves the household,
its diagnostic and its accompaniment (Zulip-style `do_*` / `check_*` functions)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from accompaniments.models import Accompaniment, AccompanimentStatus
from accounts import policy
from diagnostics.models import (
    Diagnostic,
    DiagnosticStatus,
    set_diagnostic_level,
    set_diagnostic_levels,
)
from households.enums import Owner, Public, Status
from households.models import Household
from households.outbound import check_outbound_texts, known_names_in

from .enums import ItemKind, Outcome
from .models import MINUTES_AUDIENCE, Decision, Meeting

CAP = Decimal("0.5")  # docs/domain.md §1.2: eviction-threat accompaniments ≤ 50 % of all


@dataclass
class EvictionShare:
    """Accompaniments of eviction-threat households vs all (active + admitted, not started)."""

    eviction: int
    total: int

    @property
    def ratio(self) -> Decimal:
        if not self.total:
            return Decimal(0)
        return Decimal(self.eviction) / Decimal(self.total)

    @property
    def percent(self) -> Decimal:
        return (self.ratio * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def percent_fr(self) -> str:
        """`60,0`: the French decimal comma, for messages written outside templates."""
        return str(self.percent).replace(".", ",")

    def after_admitting(self, household) -> "EvictionShare":
        extra = 1 if household.public == Public.EVICTION_THREAT else 0
        return EvictionShare(self.eviction + extra, self.total + 1)

    def would_exceed(self, household) -> bool:
        if household.public != Public.EVICTION_THREAT:
            return False
        return self.after_admitting(household).ratio > CAP


def eviction_share() -> EvictionShare:
    active = Accompaniment.objects.filter(
        household=OuterRef("pk"), status=AccompanimentStatus.ACTIVE
    )
    counted = Household.objects.filter(Q(Exists(active)) | Q(status=Status.ADMITTED))
    return EvictionShare(
        eviction=counted.filter(public=Public.EVICTION_THREAT).count(), total=counted.count()
    )


def submitted_diagnostics(household_ids):
    """The latest diagnostic transmitted to the cellule of each household (a newer draft, being
    reworked by the référent, is not what the cellule reads), in a fixed number of queries."""
    return (
        Diagnostic.objects.transmitted()
        .with_budget()
        .prefetch_related("obstacles")
        .current_by_household(household_ids)
    )


def current_diagnostic(household):
    return submitted_diagnostics([household.pk]).get(household.pk)


def _mark_reviewed(diagnostic, by, label):
    if diagnostic is None or diagnostic.status != DiagnosticStatus.SUBMITTED:
        return
    diagnostic.mark_reviewed(by=by, decision=label)


def _active_accompaniment(household):
    return (
        Accompaniment.objects.filter(household=household, status=AccompanimentStatus.ACTIVE)
        .order_by("-start")
        .first()
    )


def check_decision(
    meeting,
    item,
    *,
    outcome,
    reason,
    cap_override_reason,
    decided,
    known_names=None,
    checked_texts=None,
):
    """The rules every decision follows (the meeting sat, its agenda published, its minutes
    not approved; one decision per item, an outcome of its kind, texts fit for the minutes, the
    household's situation still the item's): the one rule code of `do_record_decision` and
    `record_decisions`. `item.household` is the household as the caller loaded it; `decided`:
    is a decision already recorded for the item. A batch passes the programme's name words
    (`known_names`) and the set of the text pairs it already found clean (`checked_texts`), as
    `Household.apply_move` does. Returns the cleaned (reason, override)."""
    meeting.check_not_locked()
    if not meeting.is_published:
        raise ValidationError("L'ordre du jour n'est pas encore publié.")
    meeting.check_decisions_open()
    if decided:
        raise ValidationError("Une décision est déjà enregistrée pour ce point.")
    if outcome not in item.outcomes:
        raise ValidationError({"outcome": "Cette décision n'est pas possible pour ce point."})
    reason = (reason or "").strip()
    cap_override_reason = (cap_override_reason or "").strip()
    check_outbound_texts(
        {"reason": reason, "cap_override_reason": cap_override_reason},
        MINUTES_AUDIENCE,
        known_names,
        checked_texts,
    )
    if item.household_id and not item.still_open():
        raise ValidationError(
            "La situation de ce ménage a déjà été tranchée par ailleurs : ce point est sans objet."
        )
    return reason, cap_override_reason


@transaction.atomic
def do_record_decision(
    item,
    *,
    by,
    outcome,
    level=None,
    reason="",
    cap_override_reason="",
    extend_until=None,
):
    """Record the cellule's decision on `item` and apply it. Raises ValidationError (French)."""
    meeting = type(item.meeting).objects.select_for_update().get(pk=item.meeting_id)
    household = None
    if item.household_id:
        household = Household.objects.select_for_update().get(pk=item.household_id)
        item.household = household
    reason, cap_override_reason = check_decision(
        meeting,
        item,
        outcome=outcome,
        reason=reason,
        cap_override_reason=cap_override_reason,
        decided=Decision.objects.filter(item=item).exists(),
    )
    decision = Decision(item=item, outcome=outcome, reason=reason, recorded_by=by)
    label = meeting.decision_label

    if item.kind == ItemKind.LEVEL:
        _decide_level(decision, household, level, by, label)
    elif item.kind == ItemKind.ADMISSION:
        _decide_admission(decision, household, by, label, cap_override_reason)
    elif item.kind == ItemKind.REVIEW:
        _decide_review(decision, household, by, label, extend_until)
    else:
        check_noted(decision)
    decision.save()
    return decision


@transaction.atomic
def record_decisions(items, *, share=None):
    """`do_record_decision` for a batch of level and admission items (the demo's histories),
    an admission deferred included (« compléments demandés »: its reason, no move), and of the
    decisions that change nothing else (`batchable`: a review continuing the accompaniment, a
    manual point with what was decided): `items` are (agenda item, {by, outcome, level, reason,
    cap_override_reason, at}), in the order the cellule took them; `at` dates the act (a past
    decision recorded after the fact), default now. The same rules (`check_decision`,
    `check_level_decision` and the rules of `set_diagnostic_level`, `check_admission`,
    `check_noted`) for every item before anything is written; the
    eviction-threat share starts from `share` (default: today's, `eviction_share()`) and
    counts each admission of the batch, as the cellule's next decision would see it. Then the
    levels are set (`set_diagnostic_levels`, the households moving in the name of the level
    decision), the admitted or refused households move through `Household.move_many` in the
    name of the admission, their submitted diagnostics are marked reviewed
    (`Diagnostic.mark_reviewed_many`) and the decisions written. A refused item raises its
    ValidationError and nothing is written. Returns (decisions, share after the batch)."""
    items = list(items)
    meetings = Meeting.objects.select_for_update().in_bulk({item.meeting_id for item, _ in items})
    households = Household.objects.select_for_update().in_bulk(
        [item.household_id for item, _ in items if item.household_id]
    )
    decided = set(
        Decision.objects.filter(item__in=[item.pk for item, _ in items]).values_list(
            "item", flat=True
        )
    )
    share = eviction_share() if share is None else share
    texts = {
        (spec.get(key) or "").strip()
        for _, spec in items
        for key in ("reason", "cap_override_reason")
    }
    known = known_names_in(texts)
    decisions, moves, levels, checked = [], [], [], set()
    for item, spec in items:
        by, outcome, at = spec["by"], spec["outcome"], spec.get("at")
        if not batchable(item, outcome):
            raise ValidationError(
                "Seules les décisions de niveau, d'admission (ou d'ajournement), la poursuite "
                "d'un accompagnement et les points divers se saisissent par lot."
            )
        meeting = meetings[item.meeting_id]
        household = households.get(item.household_id)
        item.household = household
        reason, cap_override_reason = check_decision(
            meeting,
            item,
            outcome=outcome,
            reason=spec.get("reason", ""),
            cap_override_reason=spec.get("cap_override_reason", ""),
            decided=item.pk in decided,
            known_names=known,
            checked_texts=checked,
        )
        decided.add(item.pk)
        decision = Decision(
            item=item, meeting=meeting, outcome=outcome, reason=reason, recorded_by=by
        )
        decision.recorded_at = at or decision.recorded_at
        decisions.append(decision)
        if item.kind in (ItemKind.MANUAL, ItemKind.REVIEW):
            check_noted(decision)
            continue
        if item.kind == ItemKind.LEVEL:
            check_level_decision(decision, household, spec.get("level"))
            levels.append(
                (
                    household,
                    dict(
                        level=decision.level,
                        by=by,
                        reason=reason,
                        decision=meeting.decision_label,
                        at=at,
                    ),
                )
            )
            continue
        status = check_admission(decision, household, share, by, cap_override_reason)
        if status == Status.ADMITTED:
            share = share.after_admitting(household)
        if status:
            move = dict(by=by, owner=Owner.ADMISSION, reason=reason, at=at)
            moves.append((household, status, dict(move, decision=meeting.decision_label)))
    set_diagnostic_levels(levels)  # its rules (and move_many's) refuse before writing
    Household.move_many(moves)  # a refusal here undoes the levels (one transaction)
    current = Diagnostic.objects.transmitted().current_by_household([h.pk for h, _, _ in moves])
    Diagnostic.mark_reviewed_many(
        (current[h.pk], dict(by=spec["by"], decision=spec["decision"], at=spec["at"]))
        for h, _, spec in moves
        if h.pk in current and current[h.pk].status == DiagnosticStatus.SUBMITTED
    )
    Decision.objects.bulk_create(decisions, batch_size=2000)
    return decisions, share


def batchable(item, outcome):
    """The decisions `record_decisions` takes: a level or an admission item (its household
    decided, or deferred), a review that continues the accompaniment, a manual point. The others
    (an extension, a closure, a return to the cellule) act on an accompaniment: one at a time,
    through `do_record_decision`."""
    if item.kind in (ItemKind.LEVEL, ItemKind.ADMISSION):
        return bool(item.household_id)
    if item.kind == ItemKind.REVIEW:
        acting = (Outcome.EXTEND, Outcome.CLOSE, Outcome.BACK_TO_CELLULE)
        return bool(item.household_id) and outcome not in acting
    return item.kind == ItemKind.MANUAL


def check_noted(decision):
    """The rule of a manual point's decision (what was decided, written): the one rule code of
    `do_record_decision` and `record_decisions`. A review that continues needs none."""
    if decision.item.kind == ItemKind.MANUAL and not decision.reason:
        raise ValidationError({"reason": "Indiquez ce qui a été décidé."})


def check_level_decision(decision, household, level):
    """The rules of a level decision (a level 1 to 3; another level than the rule's needs its
    reason): the one rule code of `do_record_decision` and `record_decisions`. Fills
    `decision`."""
    if level not in (1, 2, 3):
        raise ValidationError({"level": "Choisissez le niveau 1, 2 ou 3."})
    suggested = household.suggested_diagnostic_level
    decision.level = level
    decision.suggested_level = suggested
    if level != suggested and not decision.reason:
        raise ValidationError(
            {
                "reason": f"Le niveau retenu diffère du niveau suggéré par la règle "
                f"(niveau {suggested}) : indiquez le motif."
            }
        )


def _decide_level(decision, household, level, by, label):
    check_level_decision(decision, household, level)
    # The one function that sets the level (and an open draft); it ratifies a provisional one.
    set_diagnostic_level(household, level, by=by, reason=decision.reason, decision=label)


@transaction.atomic
def do_provisional_level(household, level, *, by, reason):
    """Between two cellules, the CCAS manager records a provisional level with a written reason
    (the diagnostic may start); it goes on the next cellule's agenda for ratification — the next
    planned cellule whose agenda is not yet published, else the next one planned (the agenda
    proposes it). Returns the meeting it was put on, or None."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    set_diagnostic_level(household, level, by=by, reason=reason, provisional=True)
    meeting = next_open_cellule()
    if meeting is None:
        return None
    if not meeting.items.filter(household=household, kind=ItemKind.LEVEL).exists():
        meeting.add_item(
            kind=ItemKind.LEVEL,
            household=household,
            reason=f"Niveau provisoire {level} à ratifier",
            by=by,
        )
    return meeting


def next_open_cellule():
    """The next cellule whose agenda can still receive items."""
    return (
        Meeting.objects.cellules()
        .upcoming()
        .filter(agenda_published_at__isnull=True, minutes_approved_at__isnull=True)
        .first()
    )


def check_admission(decision, household, share, by, cap_override_reason):
    """The rules of an admission decision (reason, the 50 % cap and who may pass it) for one
    household, given the eviction-threat share at that moment: the one rule code of
    `do_record_decision` and `record_decisions`. Fills `decision`; returns the status the
    household moves to (None: it stays, the cellule asked for more)."""
    outcome = decision.outcome
    if outcome in (Outcome.NOT_ADMITTED, Outcome.DEFERRED) and not decision.reason:
        raise ValidationError({"reason": "Indiquez le motif de cette décision."})
    decision.eviction_share = share.percent
    if outcome == Outcome.ADMITTED:
        if share.would_exceed(household):
            after = share.after_admitting(household)
            if not cap_override_reason:
                raise ValidationError(
                    {
                        "cap_override_reason": (
                            f"Admission refusée : la part des accompagnements de ménages menacés "
                            f"d'expulsion passerait à {after.percent_fr} % ({after.eviction} sur "
                            f"{after.total}), au-delà du plafond de 50 %. Un responsable du CCAS "
                            f"peut passer outre en écrivant le motif."
                        )
                    }
                )
            if not policy.can(by, "admission.override_cap"):
                raise ValidationError(
                    {
                        "cap_override_reason": "Seul un responsable du CCAS peut dépasser le "
                        "plafond de 50 % de ménages menacés d'expulsion."
                    }
                )
            decision.cap_override_reason = cap_override_reason
        return Status.ADMITTED
    if outcome == Outcome.NOT_ADMITTED:
        return Status.NOT_ADMITTED
    return None


def _decide_admission(decision, household, by, label, cap_override_reason):
    status = check_admission(decision, household, eviction_share(), by, cap_override_reason)
    if status:
        household.move_to(
            status, by=by, owner=Owner.ADMISSION, reason=decision.reason, decision=label
        )
        _mark_reviewed(current_diagnostic(household), by, label)


def _decide_review(decision, household, by, label, extend_until):
    outcome = decision.outcome
    accompaniment = _active_accompaniment(household)
    if outcome in (Outcome.EXTEND, Outcome.BACK_TO_CELLULE) and not decision.reason:
        raise ValidationError({"reason": "Indiquez le motif de cette décision."})
    if outcome == Outcome.EXTEND:
        if accompaniment is None:
            raise ValidationError({"outcome": "Ce ménage n'a pas d'accompagnement en cours."})
        if extend_until is None or extend_until <= accompaniment.planned_end:
            raise ValidationError(
                {
                    "extend_until": "Indiquez une nouvelle date de fin, postérieure au "
                    f"{accompaniment.planned_end:%d/%m/%Y}."
                }
            )
        decision.extend_until = extend_until
        # The accompaniment records the extension, granted by this cellule decision (§2.2.2).
        try:
            accompaniment.request_extension(
                until=extend_until, justification=decision.reason, by=by, cellule_decision=label
            )
        except ValidationError as exc:
            raise ValidationError(
                {"extend_until": exc.messages} if hasattr(exc, "error_dict") else exc.messages
            ) from exc
    elif outcome == Outcome.CLOSE and accompaniment is not None:
        # The cellule decides the end; the référent closes the accompaniment with the end
        # bilan of each objective (§2.2.3), which the cellule does not write. The decision is
        # what the référent's closing refers to.
        pass
    elif outcome == Outcome.BACK_TO_CELLULE:
        if not household.can_move_to(Status.AWAITING_ADMISSION, Owner.REVIEW):
            raise ValidationError(
                {"outcome": "Ce ménage ne peut pas revenir devant la cellule depuis son statut."}
            )
        household.move_to(
            Status.AWAITING_ADMISSION,
            by=by,
            owner=Owner.REVIEW,
            reason=decision.reason,
            decision=label,
        )
