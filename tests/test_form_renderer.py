"""The project's form renderer (settings.FORM_RENDERER) writes the same markup as Django's: the
commonest widgets are written in Python (caen_accompagnement/forms.py, docs/performance.md)."""

import datetime
from decimal import Decimal

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from caen_accompagnement.forms import FormRenderer

GROUPED = [("Ville", [("caen", "Caen"), ("herouville", "Hérouville <Saint-Clair>")]), ("", "—")]


class CustomOptionSelect(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"


WIDGETS = [
    (forms.Select(choices=[("", "Tous"), ("a", "Accompagné"), (1, "Un & deux")]), "a"),
    (forms.Select(choices=[("", "Tous"), ("a", "Accompagné")]), None),
    (forms.Select(choices=GROUPED, attrs={"class": "form-select", "disabled": True}), "caen"),
    (forms.SelectMultiple(choices=[("x", "X"), ("y", "Y"), ("z", "Z")]), ["x", "z"]),
    (forms.NullBooleanSelect(), True),
    (forms.Select(choices=[("a", "A")], attrs={"hidden": False, "data-x": 0}), "a"),
    (CustomOptionSelect(choices=[("a", "A"), ("b", "B")]), "b"),
    (
        forms.Select(choices=[(gettext_lazy("Yes"), mark_safe("<b>gras</b>")), (2.5, 3), (1, 2.5)]),
        "2.5",
    ),
    (forms.TextInput(), None),
    (forms.TextInput(), 'Dupont "l\'aîné" <script>&'),
    (forms.TextInput(attrs={"placeholder": gettext_lazy("Name"), "required": True}), 12),
    (forms.TextInput(), mark_safe("<i>déjà sûr</i>")),
    (forms.TextInput(attrs={"autofocus": True, "hidden": False, "maxlength": 30}), ""),
    (forms.NumberInput(attrs={"step": Decimal("0.01")}), Decimal("1234.5")),
    (forms.NumberInput(), 1.25),
    (forms.EmailInput(), "a@b.fr"),
    (forms.URLInput(), "https://exemple.fr/?a=1&b=2"),
    (forms.PasswordInput(), "secret"),
    (forms.PasswordInput(render_value=True), "secret"),
    (forms.HiddenInput(), 42),
    (forms.DateInput(attrs={"type": "date"}), datetime.date(2026, 11, 29)),
    (forms.DateInput(format="%d/%m/%Y"), datetime.date(2026, 11, 29)),
    (forms.DateTimeInput(), datetime.datetime(2026, 11, 29, 23, 5, tzinfo=datetime.UTC)),
    (forms.TimeInput(), datetime.time(8, 30)),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.Textarea(), "pas concerné"),
    (forms.RadioSelect(choices=[("a", "A"), ("b", "B")]), "a"),
]


def test_widgets_render_the_same_bytes_as_django():
    ours, django = FormRenderer(), DjangoTemplates()
    for widget, value in WIDGETS:
        expected = widget.render("field", value, attrs={"id": "id_field"}, renderer=django)
        assert widget.render("field", value, attrs={"id": "id_field"}, renderer=ours) == expected
        assert expected.startswith("<")


def templates_used(renderer, widget):
    """Names of the templates the render looked up ({% include %} goes through select_template)."""
    names = []
    engine = renderer.engine.engine
    original = engine.select_template

    def recording(template_names):
        names.extend(template_names)
        return original(template_names)

    engine.select_template = recording
    widget.render("field", 3, renderer=renderer)
    return names


def test_a_select_renders_without_one_template_per_option():
    widget = forms.Select(choices=[(n, str(n)) for n in range(50)])
    assert "django/forms/widgets/select_option.html" in templates_used(DjangoTemplates(), widget)
    assert "django/forms/widgets/select_option.html" not in templates_used(FormRenderer(), widget)
