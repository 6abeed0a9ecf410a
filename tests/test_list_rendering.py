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


def _markup(html):
    """HTML without the whitespace between and inside tags (crispy collapses some of it)."""
    import re

    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def _crispy_and_partial(form):
    crispy = Template("{% load crispy_forms_tags %}{{ form|crispy }}")
    partial = Template('{% include "components/form_fields.html" %}')
    # Each from its own copy of the form: crispy adds its classes to the widgets.
    first, second = form(), form()
    return (
        _markup(crispy.render(Context({"form": first}))),
        _markup(partial.render(Context({"form": second}))),
    )


@pytest.mark.django_db
def test_the_field_partial_renders_what_crispy_renders(social_worker, other_social_worker):
    from households.enums import Status
    from households.forms import ReferentForm, StatusChangeForm
    from tests.factories import HouseholdFactory

    household = HouseholdFactory(status=Status.ACCOMPANIED, referent=social_worker)
    cases = {
        "référent, vierge": lambda: ReferentForm(household=household),
        "référent, refusé": lambda: ReferentForm(
            {"referent-referent": "", "referent-substitute": "999", "referent-reason": "x"},
            household=household,
        ),
        "statut, vierge": lambda: StatusChangeForm(household),
        "statut, refusé (erreurs de champ et du formulaire)": lambda: StatusChangeForm(
            household, {"current_status": Status.PRESELECTED, "to_status": Status.EXITED}
        ),
    }
    for name, form in cases.items():
        if "refusé" in name:
            assert not form().is_valid()
        crispy, partial = _crispy_and_partial(form)
        assert partial == crispy, name
        assert "aria-describedby" in partial, name
    crispy, partial = _crispy_and_partial(
        cases["statut, refusé (erreurs de champ et du formulaire)"]
    )
    assert 'aria-invalid="true"' in partial and "invalid-feedback" in partial
    assert "alert-danger" in partial  # the form's own error (the status changed meanwhile)


@pytest.mark.django_db
def test_the_households_filter_fields_render_what_crispy_renders(social_worker):
    from households.filters import HouseholdFilter
    from households.models import Household

    crispy = Template("{% load crispy_forms_tags %}{{ field|as_crispy_field }}")
    partial = Template('{% include "components/field.html" %}')
    for data in ({}, {"q": "ab", "status": "nope", "referent": "null"}):
        first = HouseholdFilter(data, queryset=Household.objects.all()).form
        second = HouseholdFilter(data, queryset=Household.objects.all()).form
        first.is_valid(), second.is_valid()
        for a, b in zip(first, second, strict=True):
            assert _markup(partial.render(Context({"field": b}))) == _markup(
                crispy.render(Context({"field": a}))
            ), a.name


@pytest.mark.django_db
def test_selects_are_rendered_as_djangos_templates_render_them(social_worker):
    from django import forms
    from django.forms.renderers import DjangoTemplates

    from accounts.models import User
    from caen_accompagnement.forms import AccessibleBoundField, FormRenderer

    class Templates(DjangoTemplates):  # Django's rendering, with the project's bound field
        bound_field_class = AccessibleBoundField

    class Everything(forms.Form):
        plain = forms.ChoiceField(choices=[("", "—"), ("a", "A & <b>"), ("b", "B")])
        grouped = forms.ChoiceField(
            choices=[("Groupe « 1 »", [("1", "Un"), ("2", "Deux")]), ("3", "Trois")],
            widget=forms.Select(attrs={"data-x": 'quote"s', "disabled": False, "autofocus": True}),
        )
        several = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")])
        worker = forms.ModelChoiceField(queryset=User.objects.all(), required=False)
        optional = forms.TypedChoiceField(choices=[(1, 1), (2, 2)], coerce=int, required=False)

    for data in (None, {"plain": "a", "grouped": "2", "several": ["x", "z"], "worker": "nope"}):
        ours = Everything(data, renderer=FormRenderer())
        djangos = Everything(data, renderer=Templates())
        for name in ours.fields:
            assert str(ours[name]) == str(djangos[name]), name
    assert "<option" in str(ours["several"]) and "multiple" in str(ours["several"])
