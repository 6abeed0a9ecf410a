"""Form helpers shared by every app."""

from django.core.exceptions import ValidationError


def add_errors(form, exc: ValidationError, field_map=None):
    """A model method's ValidationError shown on `form`: each field's errors next to that field
    (or to `field_map[field]`, the form's name for it), the others at the top of the form."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = field_map.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
