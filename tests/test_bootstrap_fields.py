"""The filter forms' fields written in Python (caen_accompagnement/templatetags/bootstrap_fields.py)
are crispy-bootstrap5's markup, whitespace aside: compared on every filter form of the lists,
empty, filled and refused, and on edge cases."""

import re

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.test import RequestFactory
from django.test.signals import template_rendered

from accounts.models import User
from audit.filters import AuditFilter
from audit.models import AuditEntry
from caen_accompagnement.templatetags.bootstrap_fields import bootstrap_field, bootstrap_form
from households.filters import HouseholdFilter
from households.forms import ReferentForm, StatusChangeForm
from households.models import Household
from housing.filters import DwellingFilter
from housing.models import Dwelling
from reporting.forms import ReportFilterForm
from tests.factories import HouseholdFactory


def spaced(html):
    """Each run of white space as one space: what the browser shows alike."""
    return re.sub(r"\s+", " ", str(html)).strip()


def assert_same_fields(form):
    for field in form:
        assert spaced(bootstrap_field(field)) == spaced(as_crispy_field(field)), field.name


class Everything(forms.Form):
    text = forms.CharField(label="Nom & « prénom »", help_text="Aide <em>riche</em>")
    number = forms.IntegerField(label="Nombre", required=False, widget=forms.NumberInput)
    day = forms.DateField(
        label="Jour", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea)
    classy = forms.CharField(
        label="Classe", required=False, widget=forms.TextInput(attrs={"class": "extra textinput"})
    )
    choice = forms.ChoiceField(label="Choix", choices=[("a", "A"), ("b", "B")], help_text="Un")
    several = forms.MultipleChoiceField(
        label="Plusieurs", choices=[("1", "Un"), ("2", "Deux")], required=False
    )
    boxes = forms.MultipleChoiceField(
        label="Cases",
        choices=[("x", "X <1>"), ("y", "Y")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez",
    )
    grouped = forms.MultipleChoiceField(
        label="Groupes",
        choices=[("Premier", [("p1", "P1"), ("p2", "P2")]), ("Second", [("s1", "S1")])],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agree = forms.BooleanField(label="J'accepte", help_text="Obligatoire")
    optional_box = forms.BooleanField(label="Facultatif", required=False)
    unlabelled = forms.CharField(label="", required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)


EVERYTHING_FILLED = {
    "text": "Lefèvre <b>",
    "number": "12",
    "day": "2026-11-30",
    "note": "ligne 1\nligne 2",
    "choice": "b",
    "several": ["1", "2"],
    "boxes": ["y"],
    "grouped": ["p2", "s1"],
    "agree": "on",
    "hidden": "caché",
}
EVERYTHING_REFUSED = {
    "number": "douze",
    "day": "30/13/2026",
    "choice": "z",
    "several": ["9"],
    "boxes": ["nope"],
    "grouped": ["nope"],
}


@pytest.mark.parametrize("data", [None, EVERYTHING_FILLED, EVERYTHING_REFUSED])
def test_every_kind_of_field_is_written_as_crispy_writes_it(data):
    form = Everything(data)
    if data is not None:
        form.is_valid()
    assert_same_fields(form)


def test_a_refused_form_is_refused_visibly():
    """The cases above do hold errors (the comparison would otherwise miss their markup)."""
    form = Everything(EVERYTHING_REFUSED)
    html = bootstrap_field(form["boxes"]) + bootstrap_field(form["agree"])
    assert html.count("invalid-feedback") == 2
    assert 'aria-invalid="true"' in bootstrap_field(form["number"])


def test_the_widget_keeps_its_own_attributes():
    """crispy writes its classes into the widget; ours leaves it as it was."""
    form = Everything()
    bootstrap_field(form["classy"])
    assert form.fields["classy"].widget.attrs["class"] == "extra textinput"


def test_a_whole_form_is_written_as_crispy_writes_it():
    for data in (None, EVERYTHING_FILLED, EVERYTHING_REFUSED):
        form = Everything(data)
        assert spaced(bootstrap_form(form)) == spaced(as_crispy_form(form))


class WithOwnError(forms.Form):
    name = forms.CharField(label="Nom")

    def clean(self):
        raise forms.ValidationError("Le formulaire entier est refusé.")


class WithFile(forms.Form):
    upload = forms.FileField(label="Fichier")
    kind = forms.ChoiceField(label="Genre", choices=[("a", "A")], widget=forms.RadioSelect)


def test_what_is_not_written_here_goes_through_crispy():
    refused = WithOwnError({"name": "x"})
    assert spaced(bootstrap_form(refused)) == spaced(as_crispy_form(refused))
    assert "Le formulaire entier est refusé." in bootstrap_form(refused)
    files = WithFile()
    assert bootstrap_field(files["upload"]) == as_crispy_field(files["upload"])
    assert bootstrap_field(files["kind"]) == as_crispy_field(files["kind"])
    helped = Everything()
    helped.helper = FormHelper()
    helped.helper.field_class = "col-8"  # what crispy's helper changes in the markup
    for name in ("boxes", "text"):
        assert bootstrap_field(helped[name]) == as_crispy_field(helped[name])
        assert "col-8" in bootstrap_field(helped[name])


def test_a_field_renders_no_template_but_its_widget_s():
    """What it is for: crispy renders field.html and three includes for each field."""
    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    form = Everything()
    template_rendered.connect(record)
    try:
        bootstrap_field(form["text"])
        bootstrap_field(form["choice"])
    finally:
        template_rendered.disconnect(record)
    assert not any(name.startswith("bootstrap5/") for name in rendered), rendered


@pytest.mark.django_db
def test_every_list_filter_form_is_written_as_crispy_writes_it(social_worker, ccas_manager):
    request = RequestFactory().get("/")
    request.user = ccas_manager
    first_worker = str(User.objects.social_workers().order_by("pk").first().pk)
    filled = {
        HouseholdFilter: {"q": "Le", "status": "accompaniment", "referent": first_worker},
        AuditFilter: {"actor": str(ccas_manager.pk), "after": "2026-01-01", "household_id": "3"},
        DwellingFilter: {
            "q": "rue",
            "typology": ["T2", "T3"],
            "max_rent": "400",
            "available_before": "2026-12-31",
            "lift": "on",
        },
    }
    refused = {
        HouseholdFilter: {"status": "inconnu", "referent": "0"},
        AuditFilter: {"actor": "0", "after": "hier", "household_id": "x"},
        DwellingFilter: {"typology": ["T9"], "max_rent": "beaucoup", "available_before": "x"},
    }
    querysets = {
        HouseholdFilter: Household.objects.all(),
        AuditFilter: AuditEntry.objects.all(),
        DwellingFilter: Dwelling.objects.all(),
    }
    for filter_class, queryset in querysets.items():
        for data in ({}, filled[filter_class], refused[filter_class]):
            form = filter_class(data, queryset=queryset, request=request).form
            form.is_valid()
            assert_same_fields(form)
            assert spaced(bootstrap_form(form)) == spaced(as_crispy_form(form))
    assert not DwellingFilter(
        refused[DwellingFilter], queryset=querysets[DwellingFilter], request=request
    ).form.is_valid()
    for data in ({}, {"periode": "dates", "debut": "x"}):
        form = ReportFilterForm(data)
        form.is_valid()
        assert_same_fields(form)


@pytest.mark.django_db
def test_the_household_file_s_forms_are_written_as_crispy_writes_them(social_worker):
    household = HouseholdFactory()
    cases = [
        StatusChangeForm(household),
        StatusChangeForm(household, {"current_status": household.status, "to_status": "x"}),
        StatusChangeForm(household, {"current_status": "autre", "reason": "Motif"}),  # stale
        ReferentForm(household=household),
        ReferentForm({"referent-referent": "0", "referent-reason": "<b>gras</b>"}),
        ReferentForm(
            {
                "referent-referent": str(social_worker.pk),
                "referent-substitute": str(social_worker.pk),
            }
        ),
    ]
    for form in cases:
        if form.is_bound:
            form.is_valid()
        assert spaced(bootstrap_form(form)) == spaced(as_crispy_form(form))
    assert cases[2].non_field_errors()  # the stale one goes through crispy's error box
    assert "invalid-feedback" in bootstrap_form(cases[5])
