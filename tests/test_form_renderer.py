"""The form renderer writes `<select>` itself (caen_accompagnement/forms.py): character for
character what Django's templates write, on edge cases and on every filter form of the lists."""

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
from caen_accompagnement.forms import FormRenderer
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
    selects = 0
    for form in forms_:
        for name, field in form.fields.items():
            if not isinstance(field.widget, forms.Select):
                continue
            bound = form[name]
            attrs = bound.build_widget_attrs({"class": "form-select"})
            stock, ours = both(field.widget, bound.html_name, bound.value(), attrs)
            assert ours == stock, (type(form).__name__, name)
            selects += 1
    assert selects >= 8
