"""Calendar arithmetic shared by every app (the bottom layer: imports nothing of ours), in Python
and, for the QuerySets that sort and count by due dates, as SQL expressions."""

import calendar
from datetime import date, datetime, time

from django.db.models import DateField, Func, Value
from django.utils import timezone


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, the day clamped to the target month's length."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day`, aware, in the current time zone (Europe/Paris): the bound
    of a day's, or a period's, DateTimeField range."""
    return timezone.make_aware(datetime.combine(day, time.min))


class AddMonths(Func):
    """SQL `date + months` calendar months, clamped like `add_months` (31/01 + 1 → 28 or 29/02).

    `months` is an int or an integer expression. PostgreSQL's `date + interval` clamps the day
    itself; SQLite's `date(…, '+N months')` overflows into the next month instead (31/01 → 03/03),
    so there the result is capped at the last day of the target month.
    """

    arity = 2
    output_field = DateField()

    def __init__(self, day, months, **extra):
        super().__init__(day, months if hasattr(months, "resolve_expression") else Value(months))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(%(expressions)s AS date)",
            arg_joiner=" + INTERVAL '1 month' * ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        (day, day_params), (months, months_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = (
            f"MIN(date({day}, '+' || ({months}) || ' months'), "
            f"date({day}, 'start of month', '+' || (({months}) + 1) || ' months', '-1 day'))"
        )
        return sql, (*day_params, *months_params, *day_params, *months_params)


class AddDays(Func):
    """SQL `date + days` (an int or an integer expression), a date."""

    arity = 2
    output_field = DateField()

    def __init__(self, day, days, **extra):
        super().__init__(day, days if hasattr(days, "resolve_expression") else Value(days))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" + ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        (day, day_params), (days, days_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"date({day}, '+' || ({days}) || ' days')", (*day_params, *days_params)
