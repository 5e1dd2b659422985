"""Working days of a French territory: weekends and public holidays, and why a day is off."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from holidays.countries.france import France

from cpom.domain.territory import HolidayRegime, holiday_regime

_WEEKEND = {5: "samedi", 6: "dimanche"}


@lru_cache(maxsize=4096)
def _holidays_of_year(regime: HolidayRegime, year: int) -> dict[date, str]:
    subdiv = None if regime is HolidayRegime.METROPOLE else regime.value
    table = France(subdiv=subdiv, years=year, language="fr")  # type: ignore[no-untyped-call]
    return dict(table.items())


def public_holiday(territory: str, day: date) -> str | None:
    """The French name of the public holiday on `day` in `territory`, or None."""
    return _holidays_of_year(holiday_regime(territory), day.year).get(day)


@lru_cache(maxsize=1 << 16)
def non_working_reason(territory: str, day: date) -> str | None:
    """Why `day` is not a working day in `territory` ('samedi', 'jour férié : Noël'), or None."""
    holiday = _holidays_of_year(holiday_regime(territory), day.year).get(day)
    if holiday is not None:
        return f"jour férié : {holiday}"
    return _WEEKEND.get(day.weekday())


def is_working_day(territory: str, day: date) -> bool:
    return non_working_reason(territory, day) is None
