"""The error summary's search for the page's forms (caen_accompagnement/templatetags/
error_summary.py): in the context, in lists of (object, form) pairs or of dicts; never in a
list page's rows of texts, and no deeper than MAX_DEPTH."""

import datetime

from django import forms

from caen_accompagnement.templatetags.error_summary import _forms, entries


class NameForm(forms.Form):
    name = forms.CharField(label="Nom")


def test_forms_are_found_where_views_put_them():
    direct, paired, in_dict, too_deep = NameForm(), NameForm(), NameForm(), NameForm()
    rows = [{"reference": "CA-1", "at": datetime.date(2026, 11, 30), "late": True}] * 100
    context = [
        direct,
        [("object", paired)],
        [{"title": "Contacts", "form": in_dict}],
        [[[[too_deep]]]],
        rows,
        "text",
    ]
    assert list(_forms(context)) == [direct, paired, in_dict]


def test_each_error_of_a_refused_form_is_an_entry_linked_to_its_field():
    refused = NameForm(data={"name": ""})
    assert [(e.label, e.anchor) for e in entries(_forms([[("x", refused)], NameForm()]))] == [
        ("Nom", "id_name")
    ]
