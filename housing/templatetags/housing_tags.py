"""`{% housing_pathway household user as panel %}`: what `housing/_household_pathway.html` shows
where no view gathered it (see housing/panels.py)."""

from django import template

from ..panels import household_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def housing_pathway(context, household, user):
    # No link to the pathway page from the pathway page itself.
    return household_panel(user, household, link=not context.get("on_pathway_page", False))
