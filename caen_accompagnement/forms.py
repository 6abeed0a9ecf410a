"""Form helpers shared by every app: a model method's `ValidationError` shown to the user."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BoundField, CheckboxSelectMultiple, RadioSelect, Select
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime


def add_errors(form, exc: ValidationError, field_map=None):
    """A model method's ValidationError shown on `form`: each field's errors next to that field
    (or to `field_map[field]`, the form's name for it), the others at the top of the form.

    `form` may be unbound (a fresh form of the saved object, e.g. a draft saved then refused on
    submission): it is first validated as empty, so that errors can be added to it."""
    field_map = field_map or {}
    if not form.is_bound:
        form.full_clean()  # no data: only empties the errors
        form.cleaned_data = {}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = field_map.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def flash_errors(request, exc: ValidationError):
    """A model method's ValidationError as one error message on the next page, for an action
    without a form to show it on (a button, a form posted from another page)."""
    messages.error(request, " ".join(exc.messages))


class AccessibleBoundField(BoundField):
    """A required field says so to assistive technologies wherever its label shows the asterisk,
    even where Django leaves out the `required` attribute: the forms of a formset (an empty extra
    row may be left blank), a select without an empty choice (it cannot be left empty) and any
    form with `use_required_attribute = False` (RGAA 11.10). Radio buttons and lists of
    checkboxes would carry it on their group, not on each box: left out."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.field.required and not attrs.get("required") and self._announces(widget):
            attrs["aria-required"] = "true"
        return attrs

    def _announces(self, widget):
        if widget.is_hidden or isinstance(widget, RadioSelect | CheckboxSelectMultiple):
            return False
        return isinstance(widget, Select) or widget.use_required_attribute(self.initial)


# The commonest widgets written in Python, to the byte what Django's templates write (tests/
# test_form_renderer.py compares them): a filter form of a list page renders its fields through
# crispy-forms, each widget through a template that includes another for its attributes, and a
# <select> one more template per <option>. Template semantics kept: `{{ }}` localises and escapes
# (render_value_in_context), `|stringformat:'s'` keeps a safe string unescaped.


def _value(value):
    return conditional_escape(localize(template_localtime(value)))


def _string(value):
    text = str(value)  # what "%s" % value gives, a tuple included
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs):
    return "".join(
        f" {_value(name)}" if value is True else f' {_value(name)}="{_string(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget):
    value = "" if widget["value"] is None else f' value="{_string(widget["value"])}"'
    return (
        f'<input type="{_value(widget["type"])}" name="{_value(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>\n"
    )


def _select(renderer, widget):
    parts = [f'<select name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_value(group_name)}">')
        for option in group_choices:
            parts.append("\n  ")
            if option["template_name"] == OPTION_TEMPLATE:
                parts.append(
                    f'<option value="{_string(option["value"])}"{_attrs(option["attrs"])}>'
                    f"{_value(option['label'])}</option>\n"
                )
            else:
                parts.append(renderer.render_template(option["template_name"], {"widget": option}))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
INPUT_TEMPLATES = {
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "text", "number", "email", "url", "password", "hidden", "search", "tel", "date",
        "datetime", "time", "color", "checkbox",
    )
}  # fmt: skip
SELECT_TEMPLATES = {
    "django/forms/widgets/select.html",
}


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Django's own, with the bound field above for every form and the
    commonest widgets written in Python (same markup)."""

    bound_field_class = AccessibleBoundField

    def render(self, template_name, context, request=None):
        if request is None and set(context) == {"widget"}:
            # Stripped, as Django's renderer strips what its templates write.
            if template_name in INPUT_TEMPLATES:
                return _input(context["widget"]).strip()
            if template_name in SELECT_TEMPLATES:
                return _select(self, context["widget"]).strip()
        return super().render(template_name, context, request)

    def render_template(self, template_name, context):
        """A template as {% include %} writes it (not stripped)."""
        return self.get_template(template_name).render(context)
