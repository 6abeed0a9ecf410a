"""French formatting for what users read: amounts `1 234,56 €`, dates `d/m/Y`."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def format_euros(value, decimals=2):
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    integer, _, fraction = f"{abs(amount):.{decimals}f}".partition(".")
    groups = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    text = NBSP.join(groups)
    if decimals:
        text += "," + fraction
    return f"{sign}{text}\u00a0€"


@register.filter
def euros(value):
    return format_euros(value)


@register.filter
def euros0(value):
    return format_euros(value, decimals=0)


@register.filter
def percent(value, decimals=1):
    if value is None:
        return "—"
    return f"{Decimal(value):.{int(decimals)}f}".replace(".", ",") + "\u00a0%"
