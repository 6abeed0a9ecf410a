"""The yearly bilan: live figures, frozen versions, and what changed between them."""

from django.utils import timezone

from accounts import policy

from .indicators import Scope
from .periods import Period
from .series import compute_with_measures
from .suppression import suppress


def live(year) -> dict:
    """Today's figures of the year, with the series of its means and funnel."""
    figures = compute_with_measures(Scope(Period.year(year)))
    figures["bilan"] = {
        "year": year,
        "version": None,
        "status_label": "Provisoire : chiffres du jour, non approuvés",
    }
    return figures


def frozen(published) -> dict:
    """A published version's figures as stored, with what identifies the version."""
    figures = dict(published.figures)
    approved = timezone.localtime(published.approved_at)
    figures["bilan"] = {
        "year": published.year,
        "version": published.version,
        "approved_on": f"{approved:%d/%m/%Y}",
        "meeting_label": published.meeting.label if published.meeting_id else "",
        "reason": published.reason,
        "status_label": f"Version {published.version} approuvée le {approved:%d/%m/%Y}",
    }
    return figures


def for_reader(figures, user) -> dict:
    """Suppressed for every reader outside the CCAS (docs/access.md)."""
    if policy.can(user, "reporting.small_cells"):
        return figures
    return suppress(figures)


def _values(figures):
    from .exports import cells

    return {
        (group, table, row, measure): (label, value)
        for group, table, row, label, measure, value in cells(figures)
        if measure not in ("previous", "change")
    }


def differences(old, new) -> list[dict]:
    """Figures that differ between two versions (or a version and today's figures)."""
    titles = {
        (g["key"], t["key"]): f"{g['title']} — {t['title']}"
        for g in new["groups"]
        for t in g["tables"]
    }
    before, after = _values(old), _values(new)
    changes = []
    for key in after.keys() | before.keys():
        if "@" in key[2] and (key not in before or key not in after):
            continue  # a series point of a version stored before the series existed
        label, new_value = after.get(key, (None, None))
        old_label, old_value = before.get(key, (None, None))
        if new_value != old_value:
            changes.append(
                {
                    "table": titles.get(key[:2], f"{key[0]}.{key[1]}"),
                    "label": label or old_label,
                    "measure": key[3],
                    "old": old_value,
                    "new": new_value,
                    "order": key,
                }
            )
    return sorted(changes, key=lambda change: change["order"])
