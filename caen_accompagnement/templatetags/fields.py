"""`{{ field|bootstrap_widget }}`: a form field's widget with the classes crispy-bootstrap5 gives
it, for `templates/components/field.html`, which renders a field as crispy's `field.html` does
without its chain of templates (docs/performance.md)."""

from django import forms, template

register = template.Library()


@register.filter
def bootstrap_widget(field):
    """The widget as crispy's `{% crispy_field %}` renders it in bootstrap5/field.html: the
    widget's class name added to its classes, then `form-select` (a select) or `form-control`,
    and `is-invalid` when the field has errors. Not for check boxes, radio buttons or files
    (components/field.html leaves them to crispy)."""
    widget = field.field.widget
    kind = widget.__class__.__name__.lower()
    css_class = widget.attrs.get("class", "")
    if css_class:
        if css_class.find(kind) == -1:
            css_class += f" {kind}"
    else:
        css_class = kind
    added = "form-select" if isinstance(widget, forms.Select) else "form-control"
    for name in (added, "is-invalid") if field.errors else (added,):
        if name not in css_class.split():
            css_class += f" {name}"
    widget.attrs["class"] = css_class  # as crispy does: the form's own copy of the widget
    return str(field)


@register.filter
def crispy_only(field):
    """Kinds of widget components/field.html leaves to crispy."""
    widget = field.field.widget
    return isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.FileInput)
