"""`cpom.domain.working_days` loads the `holidays` calendar of France alone, not the two hundred
countries of `holidays.countries`: the same holidays, for every regime."""

import subprocess
import sys

import pytest
from holidays.countries.france import France

from cpom.domain import working_days
from cpom.domain.territory import HolidayRegime


@pytest.mark.parametrize("regime", list(HolidayRegime))
def test_each_regime_has_the_holidays_of_the_package_own_module(regime: HolidayRegime) -> None:
    packaged = France(  # type: ignore[no-untyped-call]
        subdiv=None if regime is HolidayRegime.METROPOLE else regime.value,
        years=range(1990, 2101),
        language="fr",
    )
    alone = {
        day: name
        for year in range(1990, 2101)
        for day, name in working_days._table(regime, year).items()
    }
    assert alone == dict(packaged.items())
    assert working_days.France is not France  # a module of its own, the package's untouched


def test_no_other_country_is_imported() -> None:
    probe = (
        "import sys; from datetime import date; from cpom.domain import working_days; "
        "print(working_days.non_working_reason('976', date(2087, 4, 27))); "
        "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))"
    )
    lines = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines == ["jour férié : Abolition de l'esclavage", "[]"]
