"""Cellule decisions: one atomic step that records the decision and moves the household,
its diagnostic and its accompaniment (Zulip-style `do_*` / `check_*` functions)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from accompaniments.models import Accompaniment, AccompanimentStatus
from accounts import policy
from diagnostics.models import Diagnostic, DiagnosticStatus
from households.enums import Public, Status
from households.models import Household
from households.outbound import check_outbound

from .enums import ItemKind, Outcome
from .models import MINUTES_AUDIENCE, Decision

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
    found = {}
    rows = (
        Diagnostic.objects.filter(household_id__in=household_ids)
        .exclude(status=DiagnosticStatus.DRAFT)
        .with_budget()
        .prefetch_related("obstacles")
        .order_by("household_id", "-number", "-created_at", "-pk")
    )
    for diagnostic in rows:
        found.setdefault(diagnostic.household_id, diagnostic)
    return found


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
    meeting.check_not_locked()
    if not meeting.is_published:
        raise ValidationError("L'ordre du jour n'est pas encore publié.")
    meeting.check_decisions_open()
    if Decision.objects.filter(item=item).exists():
        raise ValidationError("Une décision est déjà enregistrée pour ce point.")
    if outcome not in item.outcomes:
        raise ValidationError({"outcome": "Cette décision n'est pas possible pour ce point."})
    reason = (reason or "").strip()
    cap_override_reason = (cap_override_reason or "").strip()
    check_outbound(MINUTES_AUDIENCE, reason=reason, cap_override_reason=cap_override_reason)
    household = None
    if item.household_id:
        household = Household.objects.select_for_update().get(pk=item.household_id)
        item.household = household
        if not item.still_open():
            raise ValidationError(
                "La situation de ce ménage a déjà été tranchée par ailleurs : "
                "ce point est sans objet."
            )
    decision = Decision(item=item, outcome=outcome, reason=reason, recorded_by=by)
    label = meeting.decision_label

    if item.kind == ItemKind.LEVEL:
        _decide_level(decision, household, level, by, label)
    elif item.kind == ItemKind.ADMISSION:
        _decide_admission(decision, household, by, label, cap_override_reason)
    elif item.kind == ItemKind.REVIEW:
        _decide_review(decision, household, by, label, extend_until)
    elif not reason:
        raise ValidationError({"reason": "Indiquez ce qui a été décidé."})
    decision.save()
    return decision


def _decide_level(decision, household, level, by, label):
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
    household.diagnostic_level = level
    household.save(update_fields=["diagnostic_level", "updated_at"])
    household.move_to(Status.DIAGNOSTIC, by=by, reason=decision.reason, decision=label)


def _decide_admission(decision, household, by, label, cap_override_reason):
    outcome = decision.outcome
    if outcome in (Outcome.NOT_ADMITTED, Outcome.DEFERRED) and not decision.reason:
        raise ValidationError({"reason": "Indiquez le motif de cette décision."})
    share = eviction_share()
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
        household.move_to(Status.ADMITTED, by=by, reason=decision.reason, decision=label)
    elif outcome == Outcome.NOT_ADMITTED:
        household.move_to(Status.NOT_ADMITTED, by=by, reason=decision.reason, decision=label)
    if outcome in (Outcome.ADMITTED, Outcome.NOT_ADMITTED):
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
        if not household.can_move_to(Status.AWAITING_ADMISSION):
            raise ValidationError(
                {"outcome": "Ce ménage ne peut pas revenir devant la cellule depuis son statut."}
            )
        household.move_to(Status.AWAITING_ADMISSION, by=by, reason=decision.reason, decision=label)
