"""French working days: Monday to Friday, French public holidays excluded (metropolitan France).

The eleven public holidays (Code du travail, art. L3133-1): 1 January, Easter Monday, 1 May,
8 May, Ascension Thursday, Whit Monday, 14 July, 15 August, 1 November, 11 November,
25 December. Easter is computed (anonymous Gregorian algorithm), so no table goes stale.
"""

from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    x = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * x) // 451
    month, day = divmod(h + x - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [easter + timedelta(days=n) for n in (1, 39, 50)]  # Monday, Ascension, Pentecost
    return frozenset([date(year, m, d) for m, d in fixed] + moving)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(day: date, count: int) -> date:
    """The `count`-th working day after `day` (`day` itself not counted)."""
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
