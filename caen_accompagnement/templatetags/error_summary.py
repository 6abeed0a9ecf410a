"""The error summary of a refused form (RGAA 11.10, 11.11), built once for every page.

base.html asks `{% error_summary as summary %}`: every bound form or formset of the page's
context that has errors, whatever its view or its rendering (crispy, by hand), gives one entry per
message, linked to its field. base.html then prefixes the page title with "Erreur :" and shows the
summary at the top of the content; static/js/app.js moves the focus onto it.
"""

from dataclasses import dataclass

from django import template
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet

register = template.Library()

MAX_DEPTH = 3  # forms sit in the context, or in lists of (object, form) pairs one level down
# Tuples of types, made once: `A | B` in the loop built a union for each of a list page's
# hundreds of cells (0.67 against 0.2 ms for 125 rows, docs/performance.md).
FORMS = (BaseForm, BaseFormSet)
CONTAINERS = (list, tuple, dict)
SEARCHED = FORMS + CONTAINERS


@dataclass(frozen=True)
class Entry:
    message: str
    label: str = ""
    anchor: str = ""  # the id of the field, when the message belongs to a visible one


def _forms(value, depth=0):
    if isinstance(value, FORMS):
        yield value
    elif depth < MAX_DEPTH and isinstance(value, CONTAINERS):
        for item in value.values() if isinstance(value, dict) else value:
            # A list page's rows are hundreds of texts: no generator made for each.
            if isinstance(item, SEARCHED):
                yield from _forms(item, depth + 1)


def _form_entries(form):
    for error in form.non_field_errors():
        yield Entry(str(error))
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        field = form[name] if name in form.fields else None
        visible = field is not None and not field.is_hidden
        for error in errors:
            yield Entry(
                str(error),
                label=str(field.label) if visible and field.label else "",
                anchor=(field.id_for_label or field.auto_id) if visible else "",
            )


def _first_field_id(formset):
    for form in formset.forms:
        for field in form.visible_fields():
            return field.id_for_label or field.auto_id
    return ""


def entries(forms):
    """An unbound form has no errors (unless a view set some on it, as the diagnostic does when
    a saved draft cannot be submitted), and reading them validates nothing."""
    seen = set()
    for form in forms:
        if id(form) in seen:
            continue
        seen.add(id(form))
        if isinstance(form, BaseFormSet):
            if not form.is_bound:
                continue
            # A formset's own errors (no member, two heads of household) point at its first row.
            anchor = _first_field_id(form)
            for error in form.non_form_errors():
                yield Entry(str(error), anchor=anchor)
            for member in form.forms:
                yield from _form_entries(member)
        else:
            yield from _form_entries(form)


@register.simple_tag(takes_context=True)
def error_summary(context):
    """The messages of the page's refused forms, in page order of the context."""
    return list(entries(_forms(list(context.flatten().values()))))
