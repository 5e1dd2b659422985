"""Pydantic's validation errors reach people in French, never in pydantic's English."""

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from cpom.validation_messages import french_message


class Reason(StrEnum):
    LIQUIDATION = "liquidation_judiciaire"
    BREACH = "manquement"


def message(annotation: Any, value: object, *, json: bool = False) -> str:
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    validate: Callable[[Any], object] = adapter.validate_json if json else adapter.validate_python
    with pytest.raises(ValidationError) as raised:
        validate(value)
    [error] = raised.value.errors()
    return french_message(error)


@pytest.mark.parametrize(
    ("annotation", "value", "json", "said"),
    [
        (int, 2026.5, False, "nombre entier attendu, sans décimale"),
        (date, "2026-03-01T10:00:00", False, "date sans heure attendue, au format AAAA-MM-JJ"),
        (date, 1700000000, False, "date sans heure attendue, au format AAAA-MM-JJ"),
        (int, "1e400", True, "nombre fini attendu"),
        (
            Reason,
            "x",
            False,
            "valeur non prévue (possibles : « liquidation_judiciaire » ou « manquement »)",
        ),
        (
            Literal["xlsx", "pdf"],
            "exe",
            False,
            "valeur non prévue (possibles : « xlsx » ou « pdf »)",
        ),
        (
            Literal["a", "b", "c"],
            "d",
            False,
            "valeur non prévue (possibles : « a », « b » ou « c »)",
        ),
        (Literal["a"], "d", False, "valeur non prévue (possibles : « a »)"),
        (list[int], "x", False, "liste attendue"),
    ],
)
def test_each_error_is_said_in_french(
    annotation: Any, value: object, json: bool, said: str
) -> None:
    assert message(annotation, value, json=json) == said


def test_bounds_are_said_with_their_value() -> None:
    assert message(Annotated[int, Field(ge=1)], 0) == "valeur trop petite (au moins 1)"
    assert message(str, 1) == "texte attendu"


def test_bounds_and_types_unknown_never_show_english() -> None:
    assert french_message({"type": "greater_than_equal", "msg": "Input should be"}) == (
        "valeur trop petite"
    )
    assert french_message({"type": "something_new", "msg": "Input should be"}) == (
        "valeur invalide"
    )
