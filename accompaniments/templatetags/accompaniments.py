"""`{% household_accompaniment household user as panel %}`: what the household file shows, where
no view gathered it (see accompaniments/panels.py)."""

from django import template

from ..panels import household_panel

register = template.Library()


@register.simple_tag
def household_accompaniment(household, user):
    return household_panel(user, household)
