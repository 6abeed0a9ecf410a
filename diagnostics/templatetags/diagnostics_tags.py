from django import template

from ..panels import household_panel

register = template.Library()


@register.simple_tag
def household_diagnostics(household, user):
    """The diagnostics panel where no view gathered it (see diagnostics/panels.py)."""
    return household_panel(user, household)
