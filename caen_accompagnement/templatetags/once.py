"""`{% once_key %}`: the hidden one-time key of a form that creates records (once.py)."""

from django import template
from django.utils.html import format_html

from caen_accompagnement.once import FORM_KEY_FIELD, form_key

register = template.Library()


@register.simple_tag
def once_key():
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_KEY_FIELD, form_key())
