"""What list pages use to render their rows cheaply gives what Django's own tools give
(docs/performance.md, "The list pages and the household file")."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.timesince import timesince

from caen_accompagnement.hrefs import pk_href
from caen_accompagnement.templatetags.fr_format import since


@pytest.mark.parametrize(
    "name",
    [
        "diagnostics:detail",
        "diagnostics:start",
        "coordination:provisional_level",
        "households:detail",
    ],
)
def test_pk_href_gives_what_reverse_gives(name):
    href = pk_href(name)
    for pk in (1, 7, 2026, 908172635):
        assert href(pk) == reverse(name, args=[pk])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_since_gives_the_text_of_timesince(language):
    now = timezone.now()
    deltas = [
        timedelta(0),
        timedelta(minutes=1),
        timedelta(minutes=59),
        timedelta(hours=1, minutes=1),
        timedelta(days=1),
        timedelta(days=2, hours=5),
        timedelta(days=8),
        timedelta(days=40, hours=3),
        timedelta(days=400),
        timedelta(days=800),
        -timedelta(days=3),  # in the future: "0 minutes"
    ]
    with translation.override(language):
        for delta in deltas:
            # Twice: the second text comes from the kept translation.
            assert since(now - delta, now) == timesince(now - delta, now)
            assert since(now - delta, now) == timesince(now - delta, now)


def test_since_follows_the_active_language():
    now = timezone.now()
    with translation.override("fr"):
        assert since(now - timedelta(days=2), now) == "2\xa0jours"
    with translation.override("en"):
        assert since(now - timedelta(days=2), now) == "2\xa0days"


def test_since_as_a_filter_renders_like_timesince():
    now = timezone.now()
    template = Template("[{{ value|since:now }}|{{ value|timesince:now }}]")
    for value in (None, "", now - timedelta(days=9, hours=2)):
        since_text, timesince_text = template.render(Context({"value": value, "now": now}))[
            1:-1
        ].split("|")
        assert since_text == timesince_text
