import pytest

from cpom.domain.territory import (
    HolidayRegime,
    UnknownTerritory,
    holiday_regime,
    normalize_territory,
)


@pytest.mark.parametrize(
    ("code", "canonical"),
    [("35", "35"), ("1", "01"), ("01", "01"), (" 2a ", "2A"), ("2B", "2B"), ("974", "974")],
)
def test_normalize_territory(code: str, canonical: str) -> None:
    assert normalize_territory(code) == canonical


@pytest.mark.parametrize("code", ["20", "00", "96", "979", "", "ABC", "9741"])
def test_unknown_territories_are_refused_in_french(code: str) -> None:
    with pytest.raises(UnknownTerritory, match="territoire inconnu"):
        normalize_territory(code)


@pytest.mark.parametrize(
    ("code", "regime"),
    [
        ("35", HolidayRegime.METROPOLE),
        ("2A", HolidayRegime.METROPOLE),
        ("57", HolidayRegime.MOSELLE),
        ("67", HolidayRegime.ALSACE),
        ("68", HolidayRegime.ALSACE),
        ("971", HolidayRegime.GUADELOUPE),
        ("972", HolidayRegime.MARTINIQUE),
        ("973", HolidayRegime.GUYANE),
        ("974", HolidayRegime.LA_REUNION),
        ("975", HolidayRegime.SAINT_PIERRE_ET_MIQUELON),
        ("976", HolidayRegime.MAYOTTE),
        ("977", HolidayRegime.SAINT_BARTHELEMY),
        ("978", HolidayRegime.SAINT_MARTIN),
    ],
)
def test_holiday_regime_of_each_kind_of_territory(code: str, regime: HolidayRegime) -> None:
    assert holiday_regime(code) is regime


def test_holiday_regime_refuses_a_non_canonical_code() -> None:
    with pytest.raises(UnknownTerritory):
        holiday_regime("1")
