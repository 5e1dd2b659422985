"""The identifiers people type, checked with their keys."""

import pytest

from cpom.domain.identifiers import (
    email_problem,
    finess_problem,
    finess_valid,
    reference_problem,
    siren_problem,
    siret_problem,
    text_problem,
)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("732829320", True),
        ("552100554", True),
        ("732829321", False),  # wrong key
        ("000000000", False),  # passes Luhn, names nobody
        ("73282932", False),
        ("7328293200", False),
        ("732 829 320", False),  # the canonical form only
        ("٧٣٢٨٢٩٣٢٠", False),  # Arabic-Indic digits
    ],
)
def test_siren(value: str, valid: bool) -> None:
    assert (siren_problem(value) is None) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("73282932000074", True),
        ("55210055400013", True),
        # La Poste's establishments share one SIREN: their key is the sum of the digits.
        ("35600000000048", True),
        ("73282932000075", False),
        ("00000000000000", False),
        ("7328293200007", False),
    ],
)
def test_siret(value: str, valid: bool) -> None:
    assert (siret_problem(value) is None) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("350000014", True),
        ("350000147", True),
        ("010000024", True),
        ("350000015", False),  # wrong key
        ("000000000", False),
        ("35000001", False),
        ("3500000140", False),
        ("2A0000123", True),  # Corsica: 2A and 2B count as 20 for the key
        ("2B0000123", True),
        ("2A0000124", False),
        ("2C0000123", False),
        ("2a0000123", False),
        ("٣٥٠٠٠٠٠١٤", False),
    ],
)
def test_finess(value: str, valid: bool) -> None:
    assert finess_valid(value) is valid
    assert (finess_problem(value) is None) is valid


def test_finess_message_says_what_a_number_looks_like() -> None:
    assert finess_problem("350000015") == (
        "« 350000015 » n'est pas un numéro FINESS valide (9 caractères : département, dont 2A "
        "ou 2B, sept chiffres dont la clé de Luhn ; ex. 350000014)"
    )


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("marie.dupont@exemple.fr", True),
        ("cpom@ille-et-vilaine.example", True),
        ("<a@b.c>", False),
        ("Marie <marie@exemple.fr>", False),
        ("marie", False),
        ("marie@", False),
        ("ma rie@exemple.fr", False),
        ("a\x00b@exemple.fr", False),
    ],
)
def test_email(value: str, valid: bool) -> None:
    assert (email_problem(value) is None) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("CPOM-35-SAD-2024", True),
        ("a", True),
        ("x" * 64, True),
        ("x" * 65, False),
        (" a", False),
        ("a ", False),
        ("a\n", False),  # $ would let a final newline through; fullmatch does not
        ("-a", False),
        ("réf", False),
        ("a/b", False),
        ("", False),
    ],
)
def test_reference(value: str, valid: bool) -> None:
    assert (reference_problem(value) is None) is valid


def test_text_refuses_the_nul_character() -> None:
    assert text_problem("SAD Exemple") is None
    assert text_problem("SAD\x00Exemple") == "caractère nul (U+0000) interdit"
