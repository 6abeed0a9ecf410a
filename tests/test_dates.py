"""caen_accompagnement/dates.py: `start_of_day`, the one midnight every day or period range of a
DateTimeField starts from (audit filters, report periods and series, the cellule's agenda, the
retention limits, the planned visits' days)."""

import datetime

from django.utils import timezone

from caen_accompagnement.dates import start_of_day


def test_start_of_day_is_paris_midnight_aware():
    start = start_of_day(datetime.date(2027, 1, 15))
    assert timezone.is_aware(start)
    assert start == datetime.datetime(2027, 1, 14, 23, 0, tzinfo=datetime.UTC)  # UTC+1
    assert timezone.localtime(start).time() == datetime.time.min


def test_a_day_of_the_clock_change_lasts_23_hours():
    day = datetime.date(2027, 3, 28)  # summer time from 2:00
    # (in UTC: two datetimes of one tzinfo subtract as wall-clock times)
    start, end = (
        start_of_day(d).astimezone(datetime.UTC) for d in (day, day + datetime.timedelta(days=1))
    )
    length = end - start
    assert length == datetime.timedelta(hours=23)
    assert start_of_day(datetime.date(2027, 7, 1)).utcoffset() == datetime.timedelta(hours=2)
