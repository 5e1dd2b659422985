"""Working days of a French territory: weekends and public holidays, and why a day is off."""

from __future__ import annotations

import importlib.util
import threading
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import holidays
from holidays.holiday_base import HolidayBase

from cpom.domain.territory import HolidayRegime, holiday_regime

_WEEKEND = {5: "samedi", 6: "dimanche"}


def _france() -> type[HolidayBase]:
    """The `holidays` package's calendar of France, loaded alone from its module.

    Imported by its name, `holidays.countries.france` first runs the package
    `holidays.countries`, which imports the two hundred countries it knows: a tenth of a second
    at the start of every process (issue 12). The module needs only the package's base; loaded
    apart, it is not registered as the package's own (`sys.modules`)."""
    source = Path(holidays.__file__).parent / "countries" / "france.py"
    spec = importlib.util.spec_from_file_location("holidays.countries.france", source)
    assert spec is not None, source
    assert spec.loader is not None, source
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    france: type[HolidayBase] = module.France
    return france


France = _france()

# One calendar per regime, made at import: making one loads its translations through `locale`,
# which workflow code may not call. Its years are added when first asked for (`expand`), which
# needs no `locale`: a process computes the few years its contracts reach, not 150 years of
# eleven regimes (a sixth of a second at every start). The lock keeps a year being added from
# being read half-added by another thread (the worker's activities, its workflows).
_CALENDARS = {
    regime: France(
        subdiv=None if regime is HolidayRegime.METROPOLE else regime.value,
        years=(),
        language="fr",
    )
    for regime in HolidayRegime
}
_lock = threading.Lock()


@lru_cache(maxsize=4096)
def _table(regime: HolidayRegime, year: int) -> dict[date, str]:
    """The public holidays of `year` under `regime`, by day, with their French names."""
    calendar = _CALENDARS[regime]
    with _lock:
        calendar.get(date(year, 1, 1))  # adds the year's holidays
        return {day: name for day, name in calendar.items() if day.year == year}


def public_holiday(territory: str, day: date) -> str | None:
    """The French name of the public holiday on `day` in `territory`, or None."""
    return _table(holiday_regime(territory), day.year).get(day)


@lru_cache(maxsize=1 << 16)
def non_working_reason(territory: str, day: date) -> str | None:
    """Why `day` is not a working day in `territory` ('samedi', 'jour férié : Noël'), or None."""
    holiday = _table(holiday_regime(territory), day.year).get(day)
    if holiday is not None:
        return f"jour férié : {holiday}"
    return _WEEKEND.get(day.weekday())


def is_working_day(territory: str, day: date) -> bool:
    return non_working_reason(territory, day) is None


def previous_working_day(territory: str, day: date) -> date:
    """`day` if it is a working day in `territory`, else the last working day before it."""
    while not is_working_day(territory, day):
        day -= timedelta(days=1)
    return day
