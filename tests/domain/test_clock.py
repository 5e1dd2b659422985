"""Paris local dates and the UTC instants at which local days begin, across DST changes.

In 2026 Paris clocks go forward on Sunday 29 March (02:00 CET → 03:00 CEST, a 23-hour day) and
back on Sunday 25 October (03:00 CEST → 02:00 CET, a 25-hour day).
"""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cpom.domain.clock import PARIS, fr_moment, local_date, local_instant


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# local_date ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # Winter (UTC+1): UTC midnight is already 01:00 in Paris, the same calendar day.
        (utc(2026, 1, 1, 0, 0), date(2026, 1, 1)),
        (utc(2025, 12, 31, 22, 59), date(2025, 12, 31)),
        (utc(2025, 12, 31, 23, 0), date(2026, 1, 1)),
        # Summer (UTC+2): Paris midnight is 22:00 UTC the day before.
        (utc(2026, 6, 30, 21, 59), date(2026, 6, 30)),
        (utc(2026, 6, 30, 22, 0), date(2026, 7, 1)),
        (utc(2026, 6, 30, 23, 0), date(2026, 7, 1)),
    ],
)
def test_local_date_is_the_paris_calendar_day(instant: datetime, expected: date) -> None:
    assert local_date(instant) == expected


def test_a_utc_midnight_in_summer_is_already_the_next_day_in_paris() -> None:
    instant = utc(2026, 7, 1, 0, 0) - timedelta(hours=1)  # 23:00 UTC on 30 June
    assert instant.date() == date(2026, 6, 30)
    assert local_date(instant) == date(2026, 7, 1)


def test_local_date_accepts_instants_in_any_zone() -> None:
    new_york = timezone(timedelta(hours=-4))
    # 20:30 on 30 June in New York is 02:30 on 1 July in Paris.
    assert local_date(datetime(2026, 6, 30, 20, 30, tzinfo=new_york)) == date(2026, 7, 1)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2026, 3, 28, 22, 59), date(2026, 3, 28)),  # 23:59 CET
        (utc(2026, 3, 28, 23, 0), date(2026, 3, 29)),  # 00:00 CET
        (utc(2026, 3, 29, 21, 59), date(2026, 3, 29)),  # 23:59 CEST
        (utc(2026, 3, 29, 22, 0), date(2026, 3, 30)),  # 00:00 CEST
    ],
)
def test_local_date_around_the_spring_change(instant: datetime, expected: date) -> None:
    assert local_date(instant) == expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2026, 10, 24, 21, 59), date(2026, 10, 24)),  # 23:59 CEST
        (utc(2026, 10, 24, 22, 0), date(2026, 10, 25)),  # 00:00 CEST
        (utc(2026, 10, 25, 22, 59), date(2026, 10, 25)),  # 23:59 CET
        (utc(2026, 10, 25, 23, 0), date(2026, 10, 26)),  # 00:00 CET
    ],
)
def test_local_date_around_the_autumn_change(instant: datetime, expected: date) -> None:
    assert local_date(instant) == expected


# local_instant ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hour", "expected"),
    [
        (date(2026, 1, 15), 0, utc(2026, 1, 14, 23)),
        (date(2026, 1, 15), 8, utc(2026, 1, 15, 7)),
        (date(2026, 7, 15), 0, utc(2026, 7, 14, 22)),
        (date(2026, 7, 15), 8, utc(2026, 7, 15, 6)),
    ],
)
def test_local_instant_is_the_utc_instant_of_paris_time(
    day: date, hour: int, expected: datetime
) -> None:
    assert local_instant(day, hour) == expected


def test_local_instant_defaults_to_paris_midnight() -> None:
    assert local_instant(date(2026, 1, 15)) == utc(2026, 1, 14, 23)


def test_local_instant_is_expressed_in_utc() -> None:
    assert local_instant(date(2026, 7, 15), 8).tzinfo is UTC


def test_on_the_spring_change_midnight_is_still_winter_time_and_8_am_summer_time() -> None:
    assert local_instant(date(2026, 3, 29), 0) == utc(2026, 3, 28, 23)
    assert local_instant(date(2026, 3, 29), 8) == utc(2026, 3, 29, 6)


def test_on_the_autumn_change_midnight_is_still_summer_time_and_8_am_winter_time() -> None:
    assert local_instant(date(2026, 10, 25), 0) == utc(2026, 10, 24, 22)
    assert local_instant(date(2026, 10, 25), 8) == utc(2026, 10, 25, 7)


def test_the_hour_skipped_in_spring_falls_when_the_clocks_jump() -> None:
    # 02:00 does not exist on 29 March 2026: it is read as 02:00 CET, i.e. 03:00 CEST.
    instant = local_instant(date(2026, 3, 29), 2)
    assert instant == utc(2026, 3, 29, 1)
    assert instant.astimezone(PARIS).hour == 3


def test_the_hour_repeated_in_autumn_is_its_first_occurrence() -> None:
    # 02:00 happens twice on 25 October 2026: the first time, in summer time, is taken.
    assert local_instant(date(2026, 10, 25), 2) == utc(2026, 10, 25, 0)


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 15), date(2026, 3, 29), date(2026, 7, 15), date(2026, 10, 25)],
)
@pytest.mark.parametrize("hour", [0, 8, 23])
def test_local_date_of_local_instant_is_the_same_day(day: date, hour: int) -> None:
    assert local_date(local_instant(day, hour)) == day


def test_an_instant_is_said_in_paris_time_naive_ones_being_utc() -> None:
    """Found by probing: « Courrier local » showed UTC times beside the notices' Paris ones."""
    winter = datetime(2026, 12, 5, 10, 51, tzinfo=UTC)
    assert fr_moment(winter) == "05/12/2026 à 11 h 51"
    assert fr_moment(winter.replace(tzinfo=None)) == "05/12/2026 à 11 h 51"
    assert fr_moment(datetime(2026, 7, 1, 22, 5, tzinfo=UTC)) == "02/07/2026 à 00 h 05"
