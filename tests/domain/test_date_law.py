from datetime import date

import pytest

from cpom.domain.date_law import (
    Basis,
    SkippedDay,
    add_months,
    anniversary,
    backward_deadline,
    echeance_after,
    forward_deadline,
    months_label,
    target_date,
)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year clamp
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
        (date(2024, 1, 15), 12, date(2025, 1, 15)),
        (date(2024, 11, 30), 2, date(2025, 1, 30)),
        (date(2028, 12, 31), -6, date(2028, 6, 30)),
        (date(2028, 12, 31), -12, date(2027, 12, 31)),
        (date(2028, 3, 31), -1, date(2028, 2, 29)),
        (date(2029, 3, 31), -1, date(2029, 2, 28)),
        (date(2024, 1, 1), -1, date(2023, 12, 1)),
        (date(2024, 5, 17), 0, date(2024, 5, 17)),
    ],
)
def test_add_months_keeps_the_day_number_and_clamps_to_month_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("effet", "years", "expected"),
    [
        (date(2024, 1, 1), 5, date(2028, 12, 31)),  # seed 001: the Ille-et-Vilaine CPOM
        (date(2024, 7, 1), 3, date(2027, 6, 30)),
        (date(2024, 2, 29), 5, date(2029, 2, 28)),  # 29 Feb comes back as 1 March
        (date(2024, 2, 29), 4, date(2028, 2, 28)),
        (date(2023, 3, 1), 1, date(2024, 2, 29)),
        (date(2025, 3, 15), 2, date(2027, 3, 14)),
    ],
)
def test_echeance_is_the_day_before_the_anniversary(
    effet: date, years: int, expected: date
) -> None:
    assert echeance_after(effet, years) == expected


def test_anniversary_of_29_february_in_a_common_year_is_1_march() -> None:
    assert anniversary(date(2024, 2, 29), 1) == date(2025, 3, 1)
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_forward_deadline_ending_on_a_working_day_is_not_moved() -> None:
    dated = forward_deadline(date(2028, 6, 30), 2, "35", rule="r", source="s")
    assert dated.day == date(2028, 8, 30)
    assert dated.basis.skipped == ()
    assert dated.basis.anchor == date(2028, 6, 30)


def test_forward_deadline_ending_on_a_sunday_moves_to_monday() -> None:
    # Seed 001 art. 16: notice received 30 June 2028, one month → Sunday 30 July → Monday 31.
    dated = forward_deadline(date(2028, 6, 30), 1, "35", rule="r", source="s")
    assert dated.day == date(2028, 7, 31)
    assert [(s.day, s.reason) for s in dated.basis.skipped] == [(date(2028, 7, 30), "dimanche")]


def test_forward_deadline_skips_a_weekend_then_a_holiday() -> None:
    # 14 July 2029 is a Saturday: Saturday, Sunday, then Monday is a working day.
    dated = forward_deadline(date(2029, 6, 14), 1, "35", rule="r", source="s")
    assert dated.day == date(2029, 7, 16)
    assert [s.reason for s in dated.basis.skipped] == [
        "jour férié : Fête nationale",
        "dimanche",
    ]


def test_forward_deadline_over_easter_weekend_in_moselle_is_longer_than_in_brittany() -> None:
    # Good Friday 14 April 2028 is a holiday in Moselle only; Easter Monday is everywhere.
    in_moselle = forward_deadline(date(2028, 3, 14), 1, "57", rule="r", source="s")
    in_brittany = forward_deadline(date(2028, 3, 14), 1, "35", rule="r", source="s")
    assert in_brittany.day == date(2028, 4, 14)
    assert in_moselle.day == date(2028, 4, 18)
    assert [s.reason for s in in_moselle.basis.skipped] == [
        "jour férié : Vendredi saint",
        "samedi",
        "dimanche",
        "jour férié : Lundi de Pâques",
    ]


def test_forward_deadline_on_26_december_in_alsace() -> None:
    assert forward_deadline(date(2029, 11, 26), 1, "67", rule="r", source="s").day == date(
        2029, 12, 27
    )
    assert forward_deadline(date(2029, 11, 26), 1, "35", rule="r", source="s").day == date(
        2029, 12, 26
    )


def test_forward_deadline_on_the_abolition_of_slavery_in_la_reunion() -> None:
    dated = forward_deadline(date(2027, 11, 20), 1, "974", rule="r", source="s")
    assert dated.day == date(2027, 12, 21)
    assert dated.basis.skipped[0].reason.startswith("jour férié")


def test_backward_deadline_is_never_extended_but_flags_a_day_off() -> None:
    dated = backward_deadline(date(2029, 12, 31), 6, "35", rule="r", source="s")
    assert dated.day == date(2029, 6, 30)  # a Saturday: kept as is
    assert dated.basis.non_working_day == "samedi"
    assert dated.basis.skipped == ()
    on_a_weekday = backward_deadline(date(2028, 12, 31), 6, "35", rule="r", source="s")
    assert on_a_weekday.basis.non_working_day is None


def test_target_date_counts_forward_and_backward() -> None:
    assert target_date(date(2024, 1, 31), 1, rule="r", source="s").day == date(2024, 2, 29)
    assert target_date(date(2024, 1, 31), -2, rule="r", source="s").day == date(2023, 11, 30)


def test_basis_serialises_its_skipped_days() -> None:
    basis = forward_deadline(date(2028, 6, 30), 1, "35", rule="r", source="s", law="l").basis
    assert basis.to_dict() == {
        "rule": "r",
        "law": "l",
        "source": "s",
        "anchor": "2028-06-30",
        "skipped": [{"date": "2028-07-30", "reason": "dimanche"}],
        "non_working_day": None,
    }


def test_months_label() -> None:
    assert months_label(1) == "1 mois"
    assert months_label(6) == "6 mois"


def test_a_basis_gives_its_fields_as_one_hashable_value() -> None:
    """Bases are mutable, so not hashable: their fields key what is coded once per basis."""
    skipped = (SkippedDay(date(2026, 5, 1), "fête du Travail"),)
    first = Basis("règle", "seed", date(2026, 4, 30), skipped, "vendredi", "art. 1")
    same = Basis("règle", "seed", date(2026, 4, 30), skipped, "vendredi", "art. 1")
    other = Basis("règle", "seed", date(2026, 4, 30), (), "vendredi", "art. 1")
    assert {first.fields(): 1}[same.fields()] == 1
    assert first.fields() != other.fields()
