"""Numbers typed the French way in the dashboard's report form."""

import pytest

from cpom.report_form import ReportRefused, parse_number, report_from_form


@pytest.mark.parametrize(
    ("typed", "number"),
    [("10,5", 10.5), ("1 234,5", 1234.5), ("312\u202f000", 312000.0), ("-2", -2.0), ("7.25", 7.25)],
)
def test_a_number_typed_the_french_way(typed: str, number: float) -> None:
    assert parse_number(typed) == number


@pytest.mark.parametrize("typed", ["", "1,2,3", "dix", "1e5", "12 %"])
def test_anything_else_is_refused_in_french(typed: str) -> None:
    with pytest.raises(ValueError, match="n'est pas un nombre"):
        parse_number(typed)


def test_the_form_names_every_mistake() -> None:
    with pytest.raises(ReportRefused) as error:
        report_from_form({"exercise": "", "valeur:1": "x", "valeur:2": "y"})
    assert error.value.problems == [
        "choisir l'exercice déclaré",
        "indicateur 1 : « x » n'est pas un nombre (ex. 10,5)",
        "indicateur 2 : « y » n'est pas un nombre (ex. 10,5)",
    ]
