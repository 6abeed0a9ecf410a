"""The form renderer writes `<select>` and `<input>` itself (caen_accompagnement/forms.py):
character for character what Django's templates write, on edge cases and on every filter form
of the lists."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import RequestFactory
from django.test.signals import template_rendered
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from accounts.models import User
from audit.filters import AuditFilter
from audit.models import AuditEntry
from caen_accompagnement.forms import INCLUDING_INPUT, INPUT_TEMPLATES, FormRenderer
from households.filters import HouseholdFilter
from households.models import Household
from housing.filters import DwellingFilter
from housing.models import Dwelling
from reporting.forms import ReportFilterForm

STOCK = DjangoTemplates()
OURS = FormRenderer()

lazy_text = lazy(lambda: "Paresseux & cie", str)


def both(widget, name, value, attrs=None):
    return (
        widget.render(name, value, attrs=attrs, renderer=STOCK),
        widget.render(name, value, attrs=attrs, renderer=OURS),
    )


CASES = [
    (forms.Select(choices=[]), "vide", None, None),
    (forms.Select(choices=[("", "Tous"), ("a", "A"), ("b", "B")]), "lettre", "b", None),
    (
        forms.Select(choices=[(1, "Un"), (2, "Deux"), (None, "Aucun")]),
        "nombre",
        2,
        {"id": "id_nombre", "class": "form-select", "required": True, "disabled": False},
    ),
    (
        forms.Select(
            choices=[
                ("Groupe <1> & « deux »", [("x", "X <b>"), ("y", mark_safe("Y <i>sûr</i>"))]),
                ("z", lazy_text()),
                ("Vide", []),
            ],
            attrs={"data-titre": "guillemets \" et ' & <>", "aria-required": "true"},
        ),
        'nom"bizarre',
        "y",
        {"data-sûr": mark_safe("a&amp;b")},
    ),
    (
        forms.SelectMultiple(choices=[("1", "Un"), ("2", "Deux"), ("3", "Trois")]),
        "plusieurs",
        ["1", "3"],
        {"id": "id_plusieurs"},
    ),
    (forms.NullBooleanSelect(), "oui_non", True, None),
    (forms.Select(choices=[(("a", 1), "Tuple"), (1.5, 2.5)]), "divers", 1.5, None),
]


@pytest.mark.parametrize("widget, name, value, attrs", CASES)
def test_a_select_is_written_as_django_s_templates_write_it(widget, name, value, attrs):
    stock, ours = both(widget, name, value, attrs)
    assert ours == stock


def test_a_select_renders_no_template():
    """What the renderer is for: Django's templates render `select_option.html` and `attrs.html`
    once per option (about 25 µs each)."""
    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    widget = forms.Select(choices=[(n, f"Choix {n}") for n in range(20)])
    template_rendered.connect(record)
    try:
        widget.render("choix", 3, renderer=STOCK)
        stock = list(rendered)
        rendered.clear()
        widget.render("choix", 3, renderer=OURS)
    finally:
        template_rendered.disconnect(record)
    assert stock.count("django/forms/widgets/select_option.html") == 20
    assert rendered == []


def test_a_select_with_other_option_templates_goes_through_them():
    class Starred(forms.Select):
        option_template_name = "django/forms/widgets/input.html"

    stock, ours = both(Starred(choices=[("a", "A")]), "etoile", "a")
    assert ours == stock
    assert "<input" in ours


class RangeInput(forms.widgets.Input):  # Django's bare `input.html`
    input_type = "range"


INPUT_CASES = [
    (RangeInput(), "curseur", 3, {"min": 0, "max": 10}),
    (forms.TextInput(), "nom", None, None),
    (forms.TextInput(), "nom", "", {"id": "id_nom", "required": True, "disabled": False}),
    (
        forms.TextInput(
            attrs={"placeholder": "« Dupont » & <fils>", "data-x": mark_safe("a&amp;b")}
        ),
        'nom"bizarre',
        "O'Brien <script>",
        {"aria-required": "true"},
    ),
    (forms.TextInput(), "paresseux", lazy_text(), None),
    (forms.HiddenInput(), "cle", "abc123", {"id": "id_cle"}),
    (forms.NumberInput(), "nombre", 0, {"min": 0, "step": "0.01"}),
    (forms.EmailInput(), "mel", "a+b@exemple.fr", None),
    (forms.PasswordInput(), "secret", "ignoré", None),
    (forms.DateInput(attrs={"type": "date"}), "jour", "2026-11-30", None),
    (forms.DateInput(), "jour", __import__("datetime").date(2026, 11, 30), None),
    (forms.CheckboxInput(), "coche", True, {"id": "id_coche"}),
    (forms.CheckboxInput(), "coche", False, None),
    (forms.CheckboxInput(), "coche", "oui", None),
    (forms.TimeInput(), "heure", "09:30", None),
    (forms.URLInput(), "lien", "https://exemple.fr/?a=1&b=2", None),
    (forms.SearchInput(), "q", "logement", None),
    (forms.TelInput(), "tel", "+33 2 31 00 00 00", None),
    (forms.ColorInput(), "couleur", "#ff0000", None),
    (forms.DateTimeInput(), "moment", "30/11/2026 10:00", None),
]


@pytest.mark.parametrize("widget, name, value, attrs", INPUT_CASES)
def test_an_input_is_written_as_django_s_templates_write_it(widget, name, value, attrs):
    stock, ours = both(widget, name, value, attrs)
    assert ours == stock


def test_the_inputs_written_here_are_those_whose_templates_only_include_input_html():
    """If a Django upgrade (or an installed app) changed one of them, the renderer would write
    what they no longer write: it must then leave them to the templates."""
    for name in INCLUDING_INPUT:
        source = OURS.get_template(name).template.source
        assert source == '{% include "django/forms/widgets/input.html" %}\n', name
    covered = {widget.template_name for widget, *_ in INPUT_CASES}
    assert covered == INPUT_TEMPLATES


def test_an_input_renders_no_template():
    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        forms.TextInput().render("nom", "Dupont", renderer=STOCK)
        stock = list(rendered)
        rendered.clear()
        forms.TextInput().render("nom", "Dupont", renderer=OURS)
    finally:
        template_rendered.disconnect(record)
    assert "django/forms/widgets/attrs.html" in stock
    assert rendered == []


@pytest.mark.django_db
def test_every_list_filter_form_is_written_as_django_s_templates_write_it(
    social_worker, other_social_worker, ccas_manager
):
    request = RequestFactory().get("/")
    request.user = ccas_manager
    first_worker = str(User.objects.social_workers().order_by("pk").first().pk)
    forms_ = [
        HouseholdFilter(
            {"status": "accompaniment", "referent": first_worker},
            queryset=Household.objects.all(),
            request=request,
        ).form,
        AuditFilter({"actor": str(ccas_manager.pk)}, queryset=AuditEntry.objects.all()).form,
        DwellingFilter({}, queryset=Dwelling.objects.all(), request=request).form,
        ReportFilterForm({}),
    ]
    selects = inputs = 0
    for form in forms_:
        for name, field in form.fields.items():
            bound = form[name]
            if isinstance(field.widget, forms.Select):
                attrs = bound.build_widget_attrs({"class": "form-select"})
                selects += 1
            elif field.widget.template_name in INCLUDING_INPUT:
                attrs = bound.build_widget_attrs({"class": "form-control"})
                inputs += 1
            else:
                continue
            stock, ours = both(field.widget, bound.html_name, bound.value(), attrs)
            assert ours == stock, (type(form).__name__, name)
    assert selects >= 8 and inputs >= 4
