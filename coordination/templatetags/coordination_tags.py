from django import template

from ..panels import household_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def household_orientations(context, household):
    """The orientations panel where no view gathered it (see coordination/panels.py)."""
    return household_panel(context["request"].user, household)
