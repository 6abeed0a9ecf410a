"""Form helpers shared by every app: a model method's `ValidationError` shown to the user."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BoundField, CheckboxSelectMultiple, RadioSelect, Select
from django.forms.renderers import DjangoTemplates


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


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Django's own, with the bound field above for every form."""

    bound_field_class = AccessibleBoundField
