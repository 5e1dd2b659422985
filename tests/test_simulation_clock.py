"""The simulator maps a contract's first day onto the server's clock by whole days."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from cpom.domain.clock import PARIS, local_date
from cpom.simulation import clock_offset


def test_a_winter_evening_mapped_onto_a_summer_day_stays_on_that_day() -> None:
    # 23:13 in Paris on 3 December (UTC+1) would be 00:13 on 3 May 2028 (UTC+2): the contract
    # began a day late, and a notice of its first day was dated the next (seen on 2026-12-03).
    now = datetime(2026, 12, 3, 22, 13, tzinfo=UTC)
    offset = clock_offset(date(2028, 5, 2), now)
    assert offset % timedelta(days=1) == timedelta(0)
    assert local_date(now + offset) == date(2028, 5, 2)


# Hypothesis takes naive bounds and gives aware datetimes in the zones it is told.
EARLIEST = datetime(2020, 1, 1)  # noqa: DTZ001
LATEST = datetime(2040, 12, 31)  # noqa: DTZ001


@given(
    start=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    now=st.datetimes(EARLIEST, LATEST, timezones=st.just(UTC)),
)
def test_any_moment_maps_onto_the_first_day_by_whole_days(start: date, now: datetime) -> None:
    # Except a winter instant of 23:00 to 23:59 in Paris and a first day that ends winter time
    # (31 March 2080, say): that day has no 23 o'clock in winter time, and no whole number of
    # days maps the instant onto it. The simulator's own clock stands at the hour of actions.
    assume(local_date(now + clock_offset(start, now)) == start or not _spring_forward(start))
    offset = clock_offset(start, now)
    assert offset % timedelta(days=1) == timedelta(0)
    assert local_date(now + offset) == start


def _spring_forward(day: date) -> bool:
    """Whether Paris leaves winter time on `day` (a 23-hour day)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=PARIS)
    return (midnight + timedelta(days=1)).utcoffset() != midnight.utcoffset()
