"""Working days of a French territory: weekends and public holidays, and why a day is off."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from holidays.countries.france import France

from cpom.domain.territory import HolidayRegime, holiday_regime

_WEEKEND = {5: "samedi", 6: "dimanche"}
# Every date a contract can reach: effect dates 1950–2090, six years, deadlines after them.
# (The `holidays` package stops at 2100.)
FIRST_YEAR, LAST_YEAR = 1950, 2100


def _holidays(regime: HolidayRegime, years: range | int) -> dict[date, str]:
    subdiv = None if regime is HolidayRegime.METROPOLE else regime.value
    table = France(subdiv=subdiv, years=years, language="fr")  # type: ignore[no-untyped-call]
    return dict(table.items())


# Built once at import: computing holidays loads translations through `locale`, which workflow
# code may not call, so nothing is left to compute lazily inside a workflow.
_TABLES = {regime: _holidays(regime, range(FIRST_YEAR, LAST_YEAR + 1)) for regime in HolidayRegime}


@lru_cache(maxsize=256)
def _outside_range(regime: HolidayRegime, year: int) -> dict[date, str]:
    return _holidays(regime, year)


def _table(territory: str, year: int) -> dict[date, str]:
    regime = holiday_regime(territory)
    if FIRST_YEAR <= year <= LAST_YEAR:
        return _TABLES[regime]
    return _outside_range(regime, year)


def public_holiday(territory: str, day: date) -> str | None:
    """The French name of the public holiday on `day` in `territory`, or None."""
    return _table(territory, day.year).get(day)


@lru_cache(maxsize=1 << 16)
def non_working_reason(territory: str, day: date) -> str | None:
    """Why `day` is not a working day in `territory` ('samedi', 'jour férié : Noël'), or None."""
    holiday = _table(territory, day.year).get(day)
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
