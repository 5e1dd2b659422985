"""Territory codes of French authorities and the holiday regime each one follows."""

from __future__ import annotations

from enum import StrEnum


class HolidayRegime(StrEnum):
    """Which set of public holidays applies, keyed like the `holidays` package subdivisions."""

    METROPOLE = "metropole"
    ALSACE = "6AE"
    MOSELLE = "57"
    GUADELOUPE = "971"
    MARTINIQUE = "972"
    GUYANE = "973"
    LA_REUNION = "974"
    SAINT_PIERRE_ET_MIQUELON = "PM"
    MAYOTTE = "976"
    SAINT_BARTHELEMY = "BL"
    SAINT_MARTIN = "MF"


_OVERSEAS: dict[str, tuple[HolidayRegime, str]] = {
    "971": (HolidayRegime.GUADELOUPE, "Guadeloupe"),
    "972": (HolidayRegime.MARTINIQUE, "Martinique"),
    "973": (HolidayRegime.GUYANE, "Guyane"),
    "974": (HolidayRegime.LA_REUNION, "La Réunion"),
    "975": (HolidayRegime.SAINT_PIERRE_ET_MIQUELON, "Saint-Pierre-et-Miquelon"),
    "976": (HolidayRegime.MAYOTTE, "Mayotte"),
    "977": (HolidayRegime.SAINT_BARTHELEMY, "Saint-Barthélemy"),
    "978": (HolidayRegime.SAINT_MARTIN, "Saint-Martin"),
}

_METROPOLITAN = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"],
)


class UnknownTerritory(ValueError):
    """The code is not a French département or overseas collectivity code."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"territoire inconnu « {code} » : attendu un numéro de département "
            "(01 à 95, 2A, 2B) ou d'outre-mer (971 à 978)"
        )
        self.code = code


def normalize_territory(code: str) -> str:
    """Return the canonical form of a territory code ('1' → '01', '2a' → '2A')."""
    cleaned = code.strip().upper()
    if cleaned.isdigit() and len(cleaned) == 1:
        cleaned = "0" + cleaned
    if cleaned in _METROPOLITAN or cleaned in _OVERSEAS:
        return cleaned
    raise UnknownTerritory(code)


def holiday_regime(territory: str) -> HolidayRegime:
    """The public-holiday regime of a canonical territory code.

    Bas-Rhin (67), Haut-Rhin (68) and Moselle (57) keep their local law (Code du travail L.3134-13):
    Good Friday and 26 December are holidays there.
    """
    if territory in _OVERSEAS:
        return _OVERSEAS[territory][0]
    if territory in ("67", "68"):
        return HolidayRegime.ALSACE
    if territory == "57":
        return HolidayRegime.MOSELLE
    if territory in _METROPOLITAN:
        return HolidayRegime.METROPOLE
    raise UnknownTerritory(territory)
