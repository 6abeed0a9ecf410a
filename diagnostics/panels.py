"""The diagnostics panel of the household file (templates/diagnostics/_household_diagnostics.html)."""

from accounts import policy

from .models import DiagnosticStatus


def visible(user, household):
    """Whether the file's « Diagnostic » tab has anything for `user` (no query)."""
    return policy.can(user, "diagnostic.view_detail", household) or policy.can(
        user, "diagnostic.view_synthesis", household
    )


def household_panel(user, household):
    """What the household file shows of its diagnostics to `user`: one query for the versions."""
    can_detail = policy.can(user, "diagnostic.view_detail", household)
    can_synthesis = policy.can(user, "diagnostic.view_synthesis", household)
    diagnostics = []
    if can_detail or can_synthesis:
        qs = household.diagnostics.order_by("-number", "-pk")
        if not can_detail:
            qs = qs.exclude(status=DiagnosticStatus.DRAFT)
        diagnostics = list(qs)
    has_draft = any(d.is_draft for d in diagnostics)
    return {
        "diagnostics": diagnostics,
        "can_detail": can_detail,
        "can_synthesis": can_synthesis,
        "can_start": bool(household.diagnostic_level)
        and not has_draft
        and policy.can(user, "diagnostic.change", household),
        "can_set_level": policy.can(user, "diagnostic.set_level", household),
        "visible": can_detail or can_synthesis,
    }
