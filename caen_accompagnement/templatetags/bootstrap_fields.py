"""crispy-bootstrap5's markup for the list pages' filter forms (and the household file's
status and référent forms), written in Python.

`{{ field|as_crispy_field }}` renders crispy-bootstrap5's `field.html` through Django's
templates: about 0.25 ms a field, 1.1 to 1.4 ms of each filter form, the largest single part of
a list page after its rows (docs/performance.md, « The filter forms' fields »). `bootstrap_field`
and `bootstrap_form` write the same markup directly for the widgets the filter forms use: text,
number and date inputs, selects, a checkbox, a list of checkboxes. Anything else (a file, radio
buttons, a widget of several widgets, a form with a crispy helper or errors of its own) goes
through crispy.

The markup is crispy's, whitespace aside (each run of white space becomes one space, which the
browser shows alike): tests/test_bootstrap_fields.py compares both on every filter form, empty,
filled and refused, and on edge cases, so an upgrade of crispy that changes its templates fails
there.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms, template
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.safestring import mark_safe

from caen_accompagnement.forms import attrs_html

register = template.Library()

# Widgets left to crispy (a list of checkboxes is a RadioSelect too: it is tested first).
FALLBACK = (forms.FileInput, forms.RadioSelect, forms.MultiWidget)


def _kind(field):
    """How `field` is written here, or None: through crispy."""
    widget = field.field.widget
    if getattr(field.form, "helper", None) is not None:
        return None
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, FALLBACK):
        return None
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.widgets.Input | forms.Textarea):
        return "input"
    return None


@register.filter
def bootstrap_field(field):
    """`{{ field|as_crispy_field }}`, written in Python for the widgets above."""
    kind = _kind(field)
    if kind is None:
        return as_crispy_field(field)
    if kind == "hidden":
        return mark_safe(str(field))
    return mark_safe(_field(field, kind, Context(autoescape=True)))


@register.filter
def bootstrap_form(form):
    """`{{ form|crispy }}`, written in Python when every field can be and the form has no error
    of its own (crispy shows those in a box above the fields)."""
    if form.non_field_errors() or any(_kind(field) is None for field in form):
        return as_crispy_form(form)
    text = Context(autoescape=True)
    return mark_safe(
        " ".join(
            str(field) if kind == "hidden" else _field(field, kind, text)
            for field, kind in ((field, _kind(field)) for field in form)
        )
    )


def _field(field, kind, text):
    """crispy-bootstrap5's field.html (no helper, no label or field class, no wrapper class)."""
    label = render_value_in_context(field.label, text) if field.label else ""
    required = field.field.required
    asterisk = '<span class="asteriskField">*</span>' if required else ""
    invalid = " is-invalid" if field.errors else ""
    wrapper = render_value_in_context(field.css_classes(), text)
    wrapper = f" {wrapper}" if wrapper else ""
    auto_id = render_value_in_context(field.auto_id, text)
    if kind == "checkbox":
        return (
            '<div class="mb-3">'
            f' <div id="div_{auto_id}" class="form-check{wrapper}">'
            f" {_widget(field, 'form-check-input' + invalid)}"
            f' <label for="{render_value_in_context(field.id_for_label, text)}"'
            f' class="form-check-label{" requiredField" if required else ""}">'
            f" {label}{asterisk} </label>"
            f" {_errors(field, text)} {_help(field, text)} </div> </div>"
        )
    parts = [f'<div id="div_{auto_id}" class="mb-3{wrapper}">']
    fieldset = field.use_fieldset and field.label
    if field.label:
        if fieldset:
            describedby = field.aria_describedby
            parts.append(
                "<fieldset"
                + (
                    f' aria-describedby="{render_value_in_context(describedby, text)}"'
                    if describedby
                    else ""
                )
                + ">"
            )
        tag = "legend" if field.use_fieldset else "label"
        for_ = (
            f' for="{render_value_in_context(field.id_for_label, text)}"'
            if field.id_for_label
            else ""
        )
        parts.append(
            f'<{tag}{for_} class="form-label{" requiredField" if required else ""}'
            f'{" fs-6" if field.use_fieldset else ""}"> {label}{asterisk} </{tag}>'
        )
    if kind == "checkboxes":
        parts.append(_checkboxes(field, text))
    else:
        css = ("form-select" if kind == "select" else "form-control") + invalid
        parts.append(f"{_widget(field, css)} {_errors(field, text)} {_help(field, text)}")
    if fieldset:
        parts.append("</fieldset>")
    parts.append("</div>")
    return " ".join(parts)


def _widget(field, css):
    """crispy's `{% crispy_field field 'class' css %}`: the widget's own classes, then its
    class name in lower case, then `css` (each class once); the widget itself is left as it
    was (crispy writes the classes into it)."""
    widget = field.field.widget
    name = type(widget).__name__.lower()
    classes = widget.attrs.get("class", "")
    if not classes:
        classes = name
    elif classes.find(name) == -1:
        classes += f" {name}"
    for css_class in css.split():
        if css_class not in classes.split():
            classes += f" {css_class}"
    return str(field.as_widget(attrs={"class": classes}))


def _errors(field, text):
    """layout/field_errors_block.html."""
    if not field.errors:
        return ""
    auto_id = render_value_in_context(field.auto_id, text)
    items = " ".join(
        f'<p id="error_{counter}_{auto_id}"><strong>{render_value_in_context(error, text)}'
        "</strong></p>"
        for counter, error in enumerate(field.errors, start=1)
    )
    field_id = render_value_in_context(getattr(field.errors, "field_id", ""), text)
    return f'<div id="{field_id}_error" class="invalid-feedback"> {items} </div>'


def _help(field, text):
    """layout/help_text.html (help text not inline)."""
    if not field.help_text:
        return ""
    id_ = f'id="{render_value_in_context(field.auto_id, text)}_helptext" ' if field.auto_id else ""
    return f'<div {id_}class="form-text">{field.help_text}</div>'


def _checkboxes(field, text):
    """layout/radio_checkbox_select.html for a list of checkboxes."""
    id_ = field.field.widget.attrs.get("id") or field.auto_id
    attrs = field.build_widget_attrs({"id": id_} if id_ else {})
    values = field.field.widget.format_value(field.value())
    invalid = " is-invalid" if field.errors else ""
    name = render_value_in_context(field.html_name, text)
    groups = list(field.field.widget.optgroups(field.html_name, values, attrs))
    parts = ["<div >"]
    for group_index, (group, options, _index) in enumerate(groups):
        if group:
            parts.append(f"<strong>{render_value_in_context(group, text)}</strong>")
        for option_index, option in enumerate(options):
            value = render_value_in_context(str(option["value"]), text)
            errors = (
                _errors(field, text)
                if field.errors
                and option_index == len(options) - 1
                and group_index == len(groups) - 1
                else ""
            )
            parts.append(
                '<div class="form-check">'
                f' <input type="{render_value_in_context(option["type"], text)}"'
                f' class="form-check-input{invalid}" name="{name}" value="{value}"'
                f"{attrs_html(option['attrs'], text)}>"
                f' <label for="{render_value_in_context(option["attrs"].get("id", ""), text)}"'
                f' class="form-check-label"> {render_value_in_context(str(option["label"]), text)}'
                f" </label> {errors} </div>"
            )
    parts.append("</div>")
    parts.append(_help(field, text))
    return " ".join(parts)
