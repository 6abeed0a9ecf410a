"""Calendar arithmetic shared by every app (the bottom layer: imports nothing of ours)."""

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, the day clamped to the target month's length."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
