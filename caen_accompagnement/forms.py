"""Form helpers shared by every app: a model method's `ValidationError` shown to the user."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BoundField, CheckboxSelectMultiple, RadioSelect, Select
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html
from django.utils.safestring import mark_safe


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


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    return mark_safe(
        "".join(
            ""
            if value is False
            else format_html(" {}", name)
            if value is True
            # stringformat:'s' then the template's escaping
            else format_html(' {}="{}"', name, value if hasattr(value, "__html__") else f"{value}")
            for name, value in attrs.items()
        )
    )


def render_select(widget):
    """What Django's select.html and select_option.html make of a select widget's context, made
    in Python: a template include per option cost a list page about a fifth of its rendering
    (the households filter offers some forty options; docs/performance.md)."""
    parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            value = option["value"]
            parts.append(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    value if hasattr(value, "__html__") else f"{value}",
                    _attrs(option["attrs"]),
                    option["label"],
                )
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts).strip())


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Django's own, with the bound field above for every form, and
    selects made without a template per option (`render_select`, the same markup)."""

    bound_field_class = AccessibleBoundField

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name == SELECT_TEMPLATE and all(
            option["template_name"] == OPTION_TEMPLATE
            for _name, options, _index in widget["optgroups"]
            for option in options
        ):
            return render_select(widget)
        return super().render(template_name, context, request)
