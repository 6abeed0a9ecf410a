from django import template

from reporting.presentation import fr_change, fr_number

register = template.Library()


@register.filter
def figure(value):
    return fr_number(value)


@register.filter
def change(value):
    return fr_change(value)


@register.filter
def is_count(value):
    """A number one can click through to the households it counts (not 0, not hidden)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
