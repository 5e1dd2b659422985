"""French public holidays (jours fériés) written down from the legal texts, for cross-checking.

Deliberately independent of the `holidays` package that `cpom.domain.working_days` uses, and of
`cpom.domain.territory`: the tests compare two derivations, so this one must share no code with
the other. It covers the law in force since 1984 (8 May restored by loi 81-893, slavery abolition
days fixed by décret 83-1003); earlier years are refused rather than guessed.

Choices where the texts leave room, all made on purpose:

* Whit Monday stays a holiday in 2005–2007. Loi 2004-626 (journée de solidarité) made it the
  default day of unpaid work but never struck it from the list of fêtes légales (then C. trav.
  L.222-1, now L.3133-1); loi 2008-351 only removed that default. A worked holiday is still a
  holiday (as 1 November is for a hospital).
* In Alsace-Moselle Good Friday is applied to the whole département, as administrations, most
  employers and the `holidays` package do, although L.3134-13, taking over the ordinance of
  16 August 1892, limits it to communes having a Protestant temple or a mixed church.
* Saint-Martin commemorates the abolition of slavery on 28 May from 2018, as the interministerial
  circular of 2018 allowed and the prefecture declares each year (délibération of the conseil
  territorial of 5 November 2015). The letter of L.3422-2 still says 27 May: the décret of 2016
  meant to change it wrote « 28 mars », a material error never corrected.
* Only days the law makes fériés are listed. Days that are merely chômés by custom or by prefectoral
  closing of administrations are left out: in Guadeloupe and Martinique Mardi gras, Ash Wednesday,
  Mi-Carême, Good Friday, 2 November and Victor Schœlcher day (21 July; its arrêté gubernatorial of
  8 June 1914 lapsed when loi 83-550 created the abolition day, as the government answered to AN
  written question n° 61289 in 1992); in Mayotte the Muslim feasts (Miradji, Idi-el-Fitri,
  Idi-el-Kabir, Maoulid), which the Code du travail leaves to agreements and usage.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

FIRST_YEAR = 1984

_ALSACE_MOSELLE = frozenset({"57", "67", "68"})
_METROPOLITAN = frozenset([f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"])
_OVERSEAS = frozenset({"971", "972", "973", "974", "975", "976", "977", "978"})

# Abolition of slavery: loi 83-550 makes it a holiday, décret 83-1003 fixed each date (month, day),
# both now in C. trav. L.3422-2 (loi 2016-1088). Mayotte's 27 April was also in L.222-1 of the
# Code du travail applicable à Mayotte (1991–2017). Saint-Pierre-et-Miquelon never had one.
_ABOLITION = {"971": (5, 27), "972": (5, 22), "973": (6, 10), "974": (12, 20), "976": (4, 27)}


def easter_sunday(year: int) -> date:
    """Gregorian Easter by the anonymous algorithm (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _abolition_day(territory: str, year: int) -> date | None:
    if territory in _ABOLITION:
        return date(year, *_ABOLITION[territory])
    if territory in ("977", "978"):
        # Communes of Guadeloupe until the collectivités were set up in July 2007 (loi organique
        # 2007-223), so Guadeloupe's date applied; after that the décret named neither until
        # décret 2012-553 (in force 26 April 2012) fixed 9 October and 27 May.
        if year <= 2007:
            return date(year, 5, 27)
        if year <= 2011:
            return None
        if territory == "977":
            return date(year, 10, 9)
        return date(year, 5, 28) if year >= 2018 else date(year, 5, 27)
    return None


@lru_cache(maxsize=1024)
def _law_holidays(territory: str, year: int) -> tuple[tuple[date, str], ...]:
    if territory not in _METROPOLITAN and territory not in _OVERSEAS:
        raise ValueError(f"unknown territory code {territory!r}")
    if year < FIRST_YEAR:
        raise ValueError(f"{year} predates the law modelled here ({FIRST_YEAR} onwards)")
    easter = easter_sunday(year)
    # Code du travail L.3133-1 (formerly L.222-1), applicable in every territory listed here.
    days: list[tuple[date, str]] = [
        (date(year, 1, 1), "Jour de l'an"),
        (easter + timedelta(days=1), "Lundi de Pâques"),
        (date(year, 5, 1), "Fête du Travail"),
        (date(year, 5, 8), "Fête de la Victoire"),
        (easter + timedelta(days=39), "Ascension"),
        (easter + timedelta(days=50), "Lundi de Pentecôte"),
        (date(year, 7, 14), "Fête nationale"),
        (date(year, 8, 15), "Assomption"),
        (date(year, 11, 1), "Toussaint"),
        (date(year, 11, 11), "Armistice"),
        (date(year, 12, 25), "Noël"),
    ]
    if territory in _ALSACE_MOSELLE:
        # L.3134-13 (local law kept since the ordinance of 16 August 1892).
        days += [
            (easter - timedelta(days=2), "Vendredi saint"),
            (date(year, 12, 26), "Saint-Étienne"),
        ]
    abolition = _abolition_day(territory, year)
    if abolition is not None:
        days.append((abolition, "Abolition de l'esclavage"))
    return tuple(days)


def law_holidays(territory: str, year: int) -> dict[date, str]:
    """The public holidays of `territory` (a département or overseas code) in `year`, by date.

    Two holidays on the same date (Ascension on 1 May 2008) share it, names joined by '; '.
    """
    table: dict[date, str] = {}
    for day, name in _law_holidays(territory, year):
        table[day] = f"{table[day]}; {name}" if day in table else name
    return table
