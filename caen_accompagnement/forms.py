"""Form helpers shared by every app: a model method's `ValidationError` shown to the user."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BoundField, CheckboxSelectMultiple, RadioSelect, Select
from django.forms.renderers import DjangoTemplates
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe


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


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Django's own, with the bound field above for every form, and its
    `<select>` written here rather than by an `{% include %}` of two templates for each option.

    The select of Django's templates cost about 25 µs an option: the filter forms' 30 to 60
    options were 1 to 1.5 ms of a list page (docs/performance.md, « The filter forms'
    selects »). The markup is character for character that of Django's templates,
    `select.html`, `select_option.html` and `attrs.html`: tests/test_form_renderer.py compares
    both on every filter form and on edge cases, so a Django upgrade that changes them fails
    there. A widget with other templates than these goes through the templates."""

    bound_field_class = AccessibleBoundField

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT_TEMPLATE else None
        if widget is not None and all(
            option["template_name"] == OPTION_TEMPLATE
            for _group, options, _index in widget["optgroups"]
            for option in options
        ):
            return mark_safe(_select(widget))
        return super().render(template_name, context, request=request)


def _select(widget):
    text = Context(autoescape=True)  # `{{ value }}`'s localisation and escaping
    parts = [f'<select name="{render_value_in_context(widget["name"], text)}"']
    parts.append(attrs_html(widget["attrs"], text))
    parts.append(">")
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{render_value_in_context(group_name, text)}">')
        for option in options:
            parts.append(f'\n  <option value="{_as_s(option["value"])}"')
            parts.append(attrs_html(option["attrs"], text))
            # select_option.html ends with a newline, which the include keeps
            parts.append(f">{render_value_in_context(option['label'], text)}</option>\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def attrs_html(attrs, text):
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {render_value_in_context(name, text)}" + ("" if value is True else f'="{_as_s(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _as_s(value):
    """`{{ value|stringformat:'s' }}`: the text of `value`, escaped unless marked safe."""
    formatted = "%s" % (str(value) if isinstance(value, tuple) else value)
    return formatted if isinstance(value, SafeData) else escape(formatted)
