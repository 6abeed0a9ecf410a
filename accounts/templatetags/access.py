"""`{% load access %}`: templates ask the policy (accounts/policy.py) instead of naming roles.

`{% if user|may:"housing.view" %}…{% endif %}`: may `user` do the action at all (a role of
theirs is allowed it, whatever the scope)? The page itself still checks the object.
"""

from django import template

from accounts import policy

register = template.Library()


@register.filter
def may(user, action):
    return policy.can(user, action)
