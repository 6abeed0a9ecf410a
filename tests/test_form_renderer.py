"""The project's form renderer (settings.FORM_RENDERER) writes the same markup as Django's, with
the lighter templates of caen_accompagnement.forms.TEMPLATE_OVERRIDES (docs/performance.md)."""

from django import forms
from django.forms.renderers import DjangoTemplates

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
]


def test_selects_render_the_same_bytes_as_django():
    ours, django = FormRenderer(), DjangoTemplates()
    for widget, value in WIDGETS:
        expected = widget.render("field", value, attrs={"id": "id_field"}, renderer=django)
        assert widget.render("field", value, attrs={"id": "id_field"}, renderer=ours) == expected
        assert expected.startswith("<select")


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
