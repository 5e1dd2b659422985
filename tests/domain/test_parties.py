"""The parties and perimeter of a CPOM: one or several signing authorities with their roles,
the establishments it covers with their FINESS and funders; every mistake named in French."""

from dataclasses import replace
from typing import Any

import pytest

from cpom.domain.terms import AuthorityKind, AuthorityRole
from cpom.domain.terms_input import terms_from_mapping
from cpom.domain.terms_validation import InvalidTerms
from cpom.domain.terms_validation import problems_of as problems_of_terms

BASE: dict[str, Any] = {
    "reference": "CPOM-35-ESMS-2024",
    "preset": "esms-ars",
    "effet": "2024-01-01",
    "duration_years": 5,
}
ARS = {"id": "ars", "kind": "ars", "name": "ARS Bretagne", "territory": "35"}
CD35 = {
    "id": "cd35",
    "kind": "departement",
    "name": "Département d'Ille-et-Vilaine",
    "territory": "35",
    "role": "cosignataire",
    "email": "cpom@ille-et-vilaine.example",
    "siren": "223500018",
}


def problems_of(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidTerms) as error:
        terms_from_mapping(raw)
    return {problem.field: problem.message for problem in error.value.problems}


def test_one_authority_alone_is_the_lead_signatory() -> None:
    terms = terms_from_mapping({**BASE, "authority": ARS})
    assert terms.authorities == (terms.authority,)
    assert terms.authority.role is AuthorityRole.TARIFICATION
    assert terms.authority.key == "ars"
    assert terms.co_signatories == ()


def test_the_lead_is_the_first_authority_with_the_tarification_role() -> None:
    terms = terms_from_mapping({**BASE, "authorities": [CD35, ARS]})
    assert terms.authority.name == "ARS Bretagne"
    assert [a.key for a in terms.authorities] == ["ars", "cd35"]
    assert terms.co_signatories[0].kind is AuthorityKind.DEPARTEMENT
    # An authority without an id is known by its kind.
    assert terms_from_mapping({**BASE, "authority": {**ARS, "id": ""}}).authority.key == "ars"


def test_the_perimeter_lists_each_establishment_with_its_funders() -> None:
    terms = terms_from_mapping(
        {
            **BASE,
            "authorities": [ARS, CD35],
            "establishments": [
                {
                    "finess": "350001251",
                    "name": "EHPAD Les Tilleuls",
                    "category": "EHPAD",
                    "authorisation": "arrêté du 03/01/2017, 15 ans",
                    "funded_by": ["ars", "cd35"],
                },
                {"finess": "2A0000016", "name": "SSIAD d'Ajaccio"},
            ],
        }
    )
    assert [e.funded_by for e in terms.establishments] == [("ars", "cd35"), ()]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"authority": ARS, "authorities": [ARS]},
            {"authority": "donner soit « authority », soit « authorities », pas les deux"},
        ),
        (
            {"authorities": []},
            {"authorities": "attendu une liste d'au moins une autorité signataire"},
        ),
        (
            {"authorities": [CD35]},
            {
                "authorities": "au moins une autorité signataire a le rôle « tarification » "
                "(celle qui conduit le contrat)"
            },
        ),
        (
            {"authorities": [ARS, {**CD35, "id": "ars"}]},
            {
                "authorities[1].id": "deux autorités signataires ont l'identifiant « ars » : "
                "donner à chacune un « id » distinct"
            },
        ),
        (
            {"authorities": [ARS, {**CD35, "name": " "}]},
            {"authorities[1].name": "le nom de l'autorité est vide"},
        ),
        (
            {"authorities": [ARS, {**CD35, "territory": "99"}]},
            {"authorities[1].territory": "territoire inconnu « 99 »"},
        ),
        (
            {"authorities": [ARS, {**CD35, "email": "cpom@", "siren": "223500019"}]},
            {
                "authorities[1].email": "« cpom@ » n'est pas une adresse électronique valide",
                "authorities[1].siren": "« 223500019 » n'est pas un numéro valide",
            },
        ),
        (
            {"authorities": [ARS, {**CD35, "role": "maire"}]},
            {"authorities[1].role": "« maire » inconnu ; valeurs possibles : tarification"},
        ),
    ],
)
def test_signatories_are_checked_each_by_name(
    raw: dict[str, Any], expected: dict[str, str]
) -> None:
    found = problems_of({**BASE, **raw})
    for field, message in expected.items():
        assert message in found[field], found
    assert set(found) == set(expected)


def test_a_perimeter_mistake_is_named_with_the_establishment() -> None:
    found = problems_of(
        {
            **BASE,
            "authority": ARS,
            "establishments": [
                {"finess": "350001252", "name": "EHPAD"},
                {"finess": "350001251", "name": " ", "funded_by": ["cd35"]},
                {"finess": "350001251", "name": "Doublon"},
            ],
        }
    )
    assert "n'est pas un numéro FINESS valide" in found["establishments[0].finess"]
    assert found["establishments[1].name"] == "le nom de l'établissement est vide"
    assert found["establishments[1].funded_by"] == (
        "« cd35 » n'est pas une autorité signataire ; autorités : ars"
    )
    assert found["establishments[2].finess"] == (
        "l'établissement FINESS 350001251 figure deux fois au périmètre"
    )


def test_the_perimeter_is_a_list_of_establishments_each_with_its_finess() -> None:
    assert problems_of({**BASE, "authority": ARS, "establishments": {"finess": "1"}}) == {
        "establishments": "attendu une liste"
    }
    assert problems_of(
        {**BASE, "authority": ARS, "establishments": [{"name": "Sans numéro"}, "EHPAD"]}
    ) == {
        "establishments[0].finess": "champ obligatoire manquant",
        "establishments[1]": "attendu un objet (clé : valeur)",
    }


def test_text_built_without_the_reader_still_refuses_the_nul_character() -> None:
    terms = terms_from_mapping(
        {**BASE, "authority": ARS, "establishments": [{"finess": "350001251", "name": "E"}]}
    )
    nul = replace(
        terms,
        authority=replace(terms.authority, name="ARS\x00"),
        establishments=(replace(terms.establishments[0], category="\x00"),),
    )
    assert {p.field: p.message for p in problems_of_terms(nul)} == {
        "authority.name": "caractère nul (U+0000) interdit",
        "establishments[0].category": "caractère nul (U+0000) interdit",
    }
