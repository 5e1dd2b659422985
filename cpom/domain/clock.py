"""Local dates in Europe/Paris and the instants at which a local day's actions fall due.

Workflows only know UTC instants (`workflow.now()`); this module turns them into the local dates
the law speaks of. It is imported outside the workflow sandbox, so `ZoneInfo` works here.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def local_date(instant: datetime) -> date:
    """The Paris calendar date of an aware instant."""
    return instant.astimezone(PARIS).date()


# Contracts of the same dates ask for the same instants at every wake (about sixty for each
# plan): each is worked out once (datetimes are immutable).
@functools.lru_cache(maxsize=16384)
def local_instant(day: date, hour: int = 0) -> datetime:
    """The UTC instant of `hour` o'clock, Paris time, on `day`."""
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)


def in_paris(instant: datetime) -> datetime:
    """`instant` on Paris clocks. A naive instant is UTC, as the database gives back what was
    stored aware."""
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return aware.astimezone(PARIS)


def fr_moment(instant: datetime) -> str:
    """« 05/12/2026 à 11 h 51 », Paris time, as the notices' statuses say an instant."""
    local = in_paris(instant)
    return f"{fr(local.date())} à {local.hour:02d} h {local.minute:02d}"


def fr(day: date) -> str:
    """« 04/07/2028 », as notices, agendas and documents' facts write a day.

    Not `f"{day:%d/%m/%Y}"`: strftime costs twice as much, and a plan formats about sixty dates
    each time the workflow wakes."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
