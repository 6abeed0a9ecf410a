"""`{% load access %}`: templates ask the policy (accounts/policy.py) instead of naming roles.

`{% if user|may:"housing.view" %}…{% endif %}`: may `user` do the action at all (a role of
theirs is allowed it, whatever the scope)? The page itself still checks the object.

`{% menu %}`: the main menu (components/menu.html), rendered once per process for each set of
roles and page name, then reused: every page shows it, and its dozen `may` and `url` cost more
than most pages' own content (docs/performance.md, « The cost every page pays »).
"""

from types import SimpleNamespace

from django import template
from django.conf import settings

from accounts import policy

register = template.Library()

# {(is_active, roles, namespace, url_name): markup}. Bounded by the roles combinations that
# exist times the named pages.
_MENUS = {}


@register.filter
def may(user, action):
    return policy.can(user, action)


@register.simple_tag(takes_context=True)
def menu(context):
    """The menu's markup for the user's roles on this page. The template sees the user (for
    `may`, which reads its roles only) and, as `request`, nothing but the page's
    `resolver_match.namespace` and `.url_name`: what the memo is keyed by. In development
    (DEBUG) it is rendered each time, so that an edited menu shows at once."""
    user = context["user"]
    match = getattr(context.get("request"), "resolver_match", None)
    page = (getattr(match, "namespace", None), getattr(match, "url_name", None))
    key = (user.is_authenticated, user.is_active, getattr(user, "roles", frozenset()), *page)
    markup = _MENUS.get(key)
    if markup is None:
        request = SimpleNamespace(
            resolver_match=SimpleNamespace(namespace=page[0], url_name=page[1])
        )
        markup = context.template.engine.get_template("components/menu.html").render(
            template.Context({"user": user, "request": request}, autoescape=context.autoescape)
        )
        if not settings.DEBUG:
            _MENUS[key] = markup
    return markup
