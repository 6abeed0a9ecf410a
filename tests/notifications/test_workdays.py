"""French working days: weekends and the public holidays (1 May, 14 July, Easter's)."""

from datetime import date

from caen_accompagnement.workdays import add_working_days, easter_sunday, public_holidays


def test_easter_and_its_holidays():
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    days = public_holidays(2026)
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)} <= days  # Easter Monday…
    assert len(days) == 11


def test_two_working_days_around_1_may():
    # Thursday 30 April 2026: Friday 1 May is a holiday, then the weekend.
    assert add_working_days(date(2026, 4, 30), 2) == date(2026, 5, 5)
    # Wednesday 29 April: Thursday 30, then (1 May off) Monday 4 May.
    assert add_working_days(date(2026, 4, 29), 2) == date(2026, 5, 4)


def test_two_working_days_around_14_july():
    # Monday 13 July 2026: Tuesday 14 July is off → Wednesday 15, Thursday 16.
    assert add_working_days(date(2026, 7, 13), 2) == date(2026, 7, 16)
    assert add_working_days(date(2026, 7, 6), 2) == date(2026, 7, 8)  # an ordinary week
