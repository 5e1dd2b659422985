"""Cross-check of the public holiday calendar against the law and against a second package.

`cpom.domain.working_days` takes its holidays from the `holidays` package. Here they are compared,
day by day, with `tests.domain.french_holiday_law` (written from the legal texts) and with the
`jours-feries-france` package. Every departure from the law is listed below with its reason; any
other difference, or a listed one that stops happening, fails the test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import pytest
from jours_feries_france import JoursFeries

from cpom.domain.working_days import is_working_day, non_working_reason, public_holiday
from tests.domain.french_holiday_law import easter_sunday, law_holidays

# One territory code per holiday regime of cpom.domain.territory (67 and 68 share one).
REPRESENTATIVES = ("35", "57", "67", "971", "972", "973", "974", "975", "976", "977", "978")
OVERSEAS = ("971", "972", "973", "974", "975", "976", "977", "978")
ALL_CODES = (*(f"{n:02d}" for n in range(1, 96) if n != 20), "2A", "2B", *OVERSEAS)

JFF_ZONES = {
    "35": "Métropole",
    "57": "Alsace-Moselle",
    "67": "Alsace-Moselle",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
    "977": "Saint-Barthélémy",
    "978": "Saint-Martin",
}


@dataclass(frozen=True)
class Difference:
    """A holiday on which a source knowingly departs from the law, and why."""

    name: str  # the law's name of a missing holiday; the source's name of an extra one
    territories: frozenset[str]
    years: range
    day: Callable[[int], date]
    reason: str

    def applies(self, territory: str, year: int) -> bool:
        return territory in self.territories and year in self.years


def _easter_plus(days: int) -> Callable[[int], date]:
    return lambda year: easter_sunday(year) + timedelta(days=days)


def _fixed(month: int, day: int) -> Callable[[int], date]:
    return lambda year: date(year, month, day)


EVERY_YEAR = range(1984, 2216)

# Days the `holidays` package has and the law does not.
HOLIDAYS_EXTRA = (
    Difference(
        "Mi-Carême",
        frozenset({"971"}),
        EVERY_YEAR,
        _easter_plus(-24),
        "carnival custom in Guadeloupe: chômé by usage, in no list of L.3133-1 or L.3422-2",
    ),
    Difference(
        "Vendredi saint",
        frozenset({"971"}),
        EVERY_YEAR,
        _easter_plus(-2),
        "chômé by custom in the Antilles; a legal holiday only in Alsace-Moselle (L.3134-13)",
    ),
    Difference(
        "Fête de Victor Schoelcher",
        frozenset({"971", "972"}),
        EVERY_YEAR,
        _fixed(7, 21),
        "set for Guadeloupe by arrêté gubernatorial of 8 June 1914, lapsed when loi 83-550 "
        "created the abolition day (government answer to AN question n° 61289, 1992); no text "
        "ever made it a holiday in Martinique",
    ),
    Difference(
        "Fête de Victor Schoelcher",
        frozenset({"978"}),
        range(2012, 2216),
        _fixed(7, 21),
        "no text makes 21 July a holiday in Saint-Martin",
    ),
    Difference(
        "Abolition de l'esclavage",
        frozenset({"978"}),
        range(2012, 2018),
        _fixed(5, 28),
        "Saint-Martin's 28 May only applies from 2018 (circular of 2018); décret 2012-553 and "
        "L.3422-2 set 27 May before",
    ),
)

# Holidays of the law the `holidays` package does not have.
HOLIDAYS_MISSING = (
    Difference(
        "Lundi de Pentecôte",
        frozenset(ALL_CODES),
        range(2005, 2008),
        _easter_plus(50),
        "the package drops Whit Monday while it was the default journée de solidarité (loi "
        "2004-626), but it never left the list of fêtes légales (L.222-1, now L.3133-1)",
    ),
    Difference(
        "Abolition de l'esclavage",
        frozenset({"978"}),
        range(2012, 2018),
        _fixed(5, 27),
        "décret 2012-553, then L.3422-2, set 27 May for Saint-Martin; the package has 28 May",
    ),
    Difference(
        "Abolition de l'esclavage",
        frozenset({"977", "978"}),
        range(1984, 2008),
        _fixed(5, 27),
        "Saint-Barthélemy and Saint-Martin were communes of Guadeloupe until July 2007 and had its "
        "27 May; the package starts their own dates in 2012",
    ),
)

# Days jours-feries-france has and the law does not. It misses nothing the law has (2010–2030).
JFF_EXTRA = (
    Difference(
        "Abolition de l'esclavage",
        frozenset({"977"}),
        range(2008, 2012),
        _fixed(10, 9),
        "9 October was only fixed for Saint-Barthélemy by décret 2012-553 (in force 26 April "
        "2012); the package applies it to every year",
    ),
    Difference(
        "Abolition de l'esclavage",
        frozenset({"978"}),
        range(2008, 2012),
        _fixed(5, 27),
        "from the creation of the collectivité (July 2007) to décret 2012-553 no text fixed "
        "Saint-Martin's date; the package applies Guadeloupe's 27 May",
    ),
)


def expected_dates(
    territory: str, year: int, extra: Sequence[Difference], missing: Sequence[Difference]
) -> set[date]:
    """The law's holiday dates, adjusted by the known differences of one source."""
    law = law_holidays(territory, year)
    # A missing holiday is only dropped when it has its date to itself in the law.
    dropped = {
        d.day(year)
        for d in missing
        if d.applies(territory, year) and law.get(d.day(year)) == d.name
    }
    added = {d.day(year) for d in extra if d.applies(territory, year)}
    return (set(law) - dropped) | added


@cache
def package_dates(territory: str, year: int) -> frozenset[date]:
    """The dates `cpom.domain.working_days` treats as holidays, found by asking about every day."""
    first = date(year, 1, 1).toordinal()
    days = (date.fromordinal(n) for n in range(first, date(year + 1, 1, 1).toordinal()))
    return frozenset(day for day in days if public_holiday(territory, day) is not None)


@cache
def jff_dates(territory: str, year: int) -> frozenset[date]:
    holidays: dict[str, date] = JoursFeries.for_year(year, zone=JFF_ZONES[territory])
    return frozenset(holidays.values())


def _mismatches(
    source: Callable[[str, int], frozenset[date]],
    territory: str,
    years: range,
    extra: Sequence[Difference],
    missing: Sequence[Difference],
) -> list[str]:
    found: list[str] = []
    for year in years:
        actual = source(territory, year)
        expected = expected_dates(territory, year, extra, missing)
        if actual != expected:
            found.append(
                f"{year}: unexpected {sorted(map(str, actual - expected))}, "
                f"lacking {sorted(map(str, expected - actual))}"
            )
    return found


@pytest.mark.parametrize("territory", REPRESENTATIVES)
def test_holidays_match_the_law_2000_to_2060(territory: str) -> None:
    mismatches = _mismatches(
        package_dates, territory, range(2000, 2061), HOLIDAYS_EXTRA, HOLIDAYS_MISSING
    )
    assert mismatches == []


def test_every_territory_code_follows_the_law_of_its_place() -> None:
    """Checks the territory → regime mapping too: 68, 2A, 2B… each against the law directly."""
    mismatches = [
        f"{code} {problem}"
        for code in ALL_CODES
        for problem in _mismatches(
            package_dates, code, range(2024, 2031), HOLIDAYS_EXTRA, HOLIDAYS_MISSING
        )
    ]
    assert mismatches == []


@pytest.mark.parametrize("territory", REPRESENTATIVES)
def test_jours_feries_france_matches_the_law_2010_to_2030(territory: str) -> None:
    assert _mismatches(jff_dates, territory, range(2010, 2031), JFF_EXTRA, ()) == []


@pytest.mark.parametrize(
    ("differences", "source"),
    [
        (HOLIDAYS_EXTRA, "extra"),
        (HOLIDAYS_MISSING, "missing"),
        (JFF_EXTRA, "extra"),
    ],
)
def test_every_known_difference_really_departs_from_the_law(
    differences: Sequence[Difference], source: str
) -> None:
    """A listed difference that never changes anything would hide nothing but mislead readers."""
    for difference in differences:
        changed = False
        for territory in sorted(difference.territories & set(REPRESENTATIVES)):
            for year in difference.years:
                if year > 2060:
                    break
                law = law_holidays(territory, year)
                day = difference.day(year)
                if source == "extra":
                    changed = changed or day not in law
                else:
                    changed = changed or law.get(day) == difference.name
        assert changed, difference


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2000, date(2000, 4, 23)),
        (2008, date(2008, 3, 23)),
        (2011, date(2011, 4, 24)),
        (2024, date(2024, 3, 31)),
        (2038, date(2038, 4, 25)),  # latest possible
        (2285, date(2285, 3, 22)),  # earliest possible
    ],
)
def test_easter_sunday_of_the_law_module(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_law_module_refuses_what_it_does_not_model() -> None:
    with pytest.raises(ValueError, match="unknown territory"):
        law_holidays("20", 2025)
    with pytest.raises(ValueError, match="predates"):
        law_holidays("35", 1983)


def test_two_holidays_on_one_date_are_both_named() -> None:
    assert law_holidays("35", 2008)[date(2008, 5, 1)] == "Fête du Travail; Ascension"


ABOLITION = "Abolition de l'esclavage"


@pytest.mark.parametrize(
    ("territory", "day", "name"),
    [
        ("35", date(2024, 4, 1), "Lundi de Pâques"),
        ("35", date(2024, 5, 9), "Ascension"),
        ("35", date(2028, 6, 5), "Lundi de Pentecôte"),
        ("2B", date(2025, 5, 8), "Fête de la Victoire"),
        ("35", date(2024, 12, 25), "Noël"),
        ("57", date(2028, 4, 14), "Vendredi saint"),
        ("67", date(2028, 4, 14), "Vendredi saint"),
        ("68", date(2028, 4, 14), "Vendredi saint"),
        ("35", date(2028, 4, 14), None),
        ("972", date(2028, 4, 14), None),
        ("67", date(2025, 12, 26), "Saint-Étienne"),
        ("57", date(2025, 12, 26), "Saint-Étienne"),
        ("35", date(2025, 12, 26), None),
        ("974", date(2025, 12, 26), None),
        ("976", date(2026, 4, 27), ABOLITION),
        ("972", date(2026, 5, 22), ABOLITION),
        ("971", date(2026, 5, 27), ABOLITION),
        ("978", date(2026, 5, 28), ABOLITION),
        ("978", date(2026, 5, 27), None),
        ("973", date(2026, 6, 10), ABOLITION),
        ("977", date(2026, 10, 9), ABOLITION),
        ("974", date(2026, 12, 20), ABOLITION),
        ("974", date(2026, 5, 27), None),
        ("975", date(2026, 5, 27), None),
        ("35", date(2026, 5, 27), None),
        ("976", date(2026, 12, 20), None),
    ],
)
def test_well_known_dates(territory: str, day: date, name: str | None) -> None:
    assert public_holiday(territory, day) == name
    assert law_holidays(territory, day.year).get(day) == name


@pytest.mark.parametrize(
    ("territory", "day", "reason"),
    [
        ("35", date(2024, 6, 1), "samedi"),
        ("35", date(2024, 6, 2), "dimanche"),
        ("35", date(2024, 6, 3), None),
        ("35", date(2024, 12, 25), "jour férié : Noël"),
        ("35", date(2024, 7, 14), "jour férié : Fête nationale"),  # a Sunday
        ("35", date(2025, 11, 1), "jour férié : Toussaint"),  # a Saturday
        ("67", date(2027, 12, 26), "jour férié : Saint-Étienne"),  # a Sunday
        ("35", date(2027, 12, 27), None),  # the Monday after: no holiday is carried over
        ("971", date(2028, 5, 27), "jour férié : Abolition de l'esclavage"),  # a Saturday
        ("974", date(2028, 5, 29), None),
    ],
)
def test_non_working_reason(territory: str, day: date, reason: str | None) -> None:
    assert non_working_reason(territory, day) == reason
    assert is_working_day(territory, day) is (reason is None)


def test_any_year_is_computed_on_demand() -> None:
    from cpom.domain.working_days import non_working_reason, public_holiday

    assert public_holiday("974", date(1940, 12, 25)) == "Noël"
    assert non_working_reason("35", date(1900, 1, 1)) == "jour férié : Jour de l'an"
    assert public_holiday("57", date(2099, 12, 26)) == "Saint-Étienne"
    # Past the package's last year (2100) only weekends remain known.
    assert public_holiday("35", date(2101, 12, 25)) is None
    assert non_working_reason("35", date(2101, 1, 1)) == "samedi"
