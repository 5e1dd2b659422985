from datetime import UTC, date, datetime
from typing import Any

import pytest

from cpom.domain.terms import AuthorityKind, DialogueCadence, MonthDay, Sector
from cpom.domain.terms_input import (
    contract_from_mapping,
    created_contract_from_mapping,
    parse_date,
    terms_from_mapping,
)
from cpom.domain.terms_validation import InvalidTerms


def document(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "reference": "CPOM-35-SAD-2024",
        "preset": "sad",
        "authority": {"name": "Département d'Ille-et-Vilaine", "territory": "35"},
        "gestionnaire": {"raison_sociale": "AAD 35", "email": "a@aad35.fr", "siren": "732829320"},
        "effet": "2024-01-01",
        "duration_years": 5,
    }
    base.update(changes)
    return base


def problems(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidTerms) as raised:
        terms_from_mapping(raw)
    return {p.field: p.message for p in raised.value.problems}


def test_a_complete_document_gives_terms_with_the_preset_rules() -> None:
    terms = terms_from_mapping(document())
    assert terms.sector is Sector.SAD
    assert terms.authority.kind is AuthorityKind.DEPARTEMENT
    assert terms.echeance == date(2028, 12, 31)
    assert terms.rules.prorogation_notice_months == 6
    assert terms.signed


def test_rules_override_the_preset() -> None:
    raw = document(
        preset="ahi-etat",
        rules={
            "prorogation_reply_months": 1,
            "annual_documents_due": "31/05",
            "final_execution_report_due": {"month": 3, "day": 31},
            "dialogue_cadence": "annuel",
            "mid_term_year": None,
            "authority_may_terminate_at_any_time": False,
        },
        authority={"kind": "etat", "name": "Préfecture", "territory": "2a"},
    )
    terms = terms_from_mapping(raw)
    assert terms.sector is Sector.AHI_ETAT
    assert terms.rules.prorogation_notice_months == 12
    assert terms.rules.prorogation_reply_months == 1
    assert terms.rules.annual_documents_due == MonthDay(5, 31)
    assert terms.rules.final_execution_report_due == MonthDay(3, 31)
    assert terms.rules.dialogue_cadence is DialogueCadence.ANNUAL
    assert terms.authority.territory == "2A"


def test_process_start_means_not_signed() -> None:
    terms = terms_from_mapping(document(process_started_on="2023-03-01"))
    assert not terms.signed
    assert terms.process_started_on == date(2023, 3, 1)


def test_accepted_prorogations_are_read() -> None:
    raw = document(
        prorogations=[
            {
                "notice_received_on": "2028-06-30",
                "accepted_on": "2028-08-31",
                "tacit": True,
                "new_echeance": "2029-12-31",
            }
        ]
    )
    assert terms_from_mapping(raw).current_echeance == date(2029, 12, 31)


@pytest.mark.parametrize("effet", ["0001-01-01", "9999-12-31"])
def test_effect_dates_far_from_today_are_refused(effet: str) -> None:
    assert "hors de la plage 1950–2090" in problems(document(effet=effet))["effet"]


def test_a_date_that_does_not_exist_is_named() -> None:
    assert problems(document(effet="2023-02-29")) == {"effet": "la date 2023-02-29 n'existe pas"}


@pytest.mark.parametrize("value", ["01/01/2024", "2024-1-1", 20240101, None])
def test_a_badly_written_date_is_refused(value: object) -> None:
    assert "AAAA-MM-JJ" in problems(document(effet=value))["effet"]


def test_every_problem_is_reported_with_its_path() -> None:
    raw = document(
        preset="caf",
        duration_years="cinq",
        authority={"territory": "99", "colour": "bleu"},
        rules={
            "prorogation_notice_months": 6.5,
            "annual_documents_due": "31/02",
            "dialogue_cadence": "mensuel",
            "reply_silence": "peut-être",
            "authority_may_terminate_at_any_time": "oui",
            "dotation_advance_due": "mars",
        },
        unknown=1,
        gestionnaire="AAD",
    )
    found = problems(raw)
    assert found["unknown"].startswith("champ inconnu")
    assert "sad" in found["preset"]
    assert found["duration_years"] == "« cinq » n'est pas un nombre entier"
    assert "territoire inconnu" in found["authority.territory"]
    assert found["authority.colour"].startswith("champ inconnu")
    assert found["rules.prorogation_notice_months"] == "« 6.5 » n'est pas un nombre entier"
    assert found["rules.annual_documents_due"] == "le 31/2 n'existe pas chaque année"
    assert "annuel, mi_parcours" in found["rules.dialogue_cadence"]
    assert "accept" in found["rules.reply_silence"]
    assert "true ou false" in found["rules.authority_may_terminate_at_any_time"]
    assert "JJ/MM" in found["rules.dotation_advance_due"]
    assert found["gestionnaire"] == "attendu un objet (clé : valeur)"


def test_missing_required_fields() -> None:
    found = problems({"authority": {}})
    assert found == {
        "authority.territory": "champ obligatoire manquant",
        "reference": "champ obligatoire manquant",
        "effet": "champ obligatoire manquant",
        "duration_years": "champ obligatoire manquant",
    }


def test_booleans_are_not_integers_and_texts_are_texts() -> None:
    found = problems(document(duration_years=True, reference=12))
    # As the JSON wrote it, not as Python prints it (« True »).
    assert found["duration_years"] == "« true » n'est pas un nombre entier"
    assert problems(document(duration_years=None))["duration_years"] == (
        "« null » n'est pas un nombre entier"
    )
    # A spreadsheet's cell may hold a date.
    assert problems(document(duration_years=date(2024, 1, 1)))["duration_years"] == (
        "« 2024-01-01 » n'est pas un nombre entier"
    )
    assert found["reference"] == "« 12 » n'est pas un texte"


def test_month_day_with_non_integer_parts() -> None:
    found = problems(document(rules={"annual_documents_due": {"month": "4", "day": 30}}))
    assert found["rules.annual_documents_due"] == "le jour et le mois sont des nombres entiers"


def test_prorogations_must_be_a_list_of_objects() -> None:
    assert problems(document(prorogations={}))["prorogations"] == "attendu une liste"
    found = problems(document(prorogations=[{"tacit": True}]))
    assert found["prorogations[0].notice_received_on"] == "champ obligatoire manquant"


def test_semantic_rules_are_checked_after_parsing() -> None:
    found = problems(document(duration_years=7))
    assert "7 ans impossible" in found["duration_years"]


def test_parse_date_accepts_dates_and_iso_text() -> None:
    assert parse_date(date(2024, 1, 1)) == date(2024, 1, 1)
    assert parse_date(" 2024-02-29 ") == date(2024, 2, 29)


def test_lists_of_items_and_days() -> None:
    terms = terms_from_mapping(
        document(
            rules={
                "annual_document_items": ["compte_administratif"],
                "annual_documents_reminder_days": [15],
            }
        )
    )
    assert terms.rules.annual_document_items == ("compte_administratif",)
    assert terms.rules.annual_documents_reminder_days == (15,)
    found = problems(document(rules={"annual_document_items": "compte_administratif"}))
    assert "attendu une liste" in found["rules.annual_document_items"]


@pytest.mark.parametrize("reference", [" CPOM-1", "CPOM-1 ", "CPOM 1", "x" * 65])
def test_a_reference_is_refused_as_typed_never_trimmed(reference: str) -> None:
    assert problems(document(reference=reference)) == {
        "reference": f"« {reference} » : 1 à 64 caractères parmi lettres sans accent, chiffres, "
        "« . », « _ » et « - », en commençant par une lettre ou un chiffre, sans espace"
    }


def test_the_nul_character_is_refused_in_every_text() -> None:
    raw = document(
        reference="CPOM\x00",
        authority={"name": "Département\x00", "territory": "35"},
        gestionnaire={"raison_sociale": "AAD\x0035", "siren": "732829320"},
    )
    with pytest.raises(InvalidTerms) as raised:
        terms_from_mapping(raw)
    refused = [
        p.field for p in raised.value.problems if p.message == "caractère nul (U+0000) interdit"
    ]
    assert refused == ["authority.name", "gestionnaire.raison_sociale", "reference"]


@pytest.mark.parametrize("value", ["٢٠٢٤-٠١-٠١", "２０２４-０１-０１", "2024-0١-01"])
def test_dates_are_written_with_ascii_digits(value: str) -> None:
    assert problems(document(effet=value)) == {
        "effet": f"« {value} » n'est pas une date au format AAAA-MM-JJ"
    }


def test_month_days_are_written_with_ascii_digits() -> None:
    assert "rules.annual_documents_due" in problems(
        document(rules={"annual_documents_due": "٣٠/٠٤"})
    )


# Numbers beyond any date, and date-times, are input errors, never an exception of Python's.
@pytest.mark.parametrize("total", [10**20, 0, -(10**20)])
def test_a_total_duration_beyond_any_date_is_refused_even_with_a_prorogation(total: int) -> None:
    prorogation = {
        "notice_received_on": "2028-06-30",
        "accepted_on": "2028-08-31",
        "tacit": True,
        "new_echeance": "2029-12-31",
    }
    found = problems(document(rules={"max_total_years": total}, prorogations=[prorogation]))
    assert "la durée totale" in found["max_total_years"]


def test_a_day_of_the_year_beyond_any_month_is_refused() -> None:
    found = problems(document(rules={"annual_documents_due": {"month": 10**20, "day": 1}}))
    assert (
        found["rules.annual_documents_due"]
        == "le 1/100000000000000000000 n'existe pas chaque année"
    )


def test_a_date_time_is_not_a_date() -> None:
    with pytest.raises(ValueError, match="attendu une date sans heure"):
        parse_date(datetime(2024, 1, 1, 10, tzinfo=UTC))


@pytest.mark.parametrize("meaning", ["reject", "none"])
def test_a_prorogations_silence_can_only_mean_accord(meaning: str) -> None:
    # It was accepted, then ignored: the contract was prorogued by silence all the same.
    found = problems(document(rules={"reply_silence": meaning}))
    assert found == {
        "reply_silence": "le silence gardé sur une demande de prorogation vaut accord "
        "(« à défaut de réponse dans ce délai, l'accord est réputé acquis ») : seule la valeur "
        "accept est admise"
    }


def test_names_are_refused_past_their_length_with_every_other_problem() -> None:
    assert terms_from_mapping(document(gestionnaire={"raison_sociale": "A" * 200}))
    found = problems(
        document(
            reference="CPOM 35",
            authority={"name": "D" * 201, "territory": "35"},
            gestionnaire={"raison_sociale": "é" * 300, "siren": "000000000"},
        )
    )
    assert found["authority.name"] == "trop long : 201 caractères, 200 au plus"
    assert found["gestionnaire.raison_sociale"] == "trop long : 300 caractères, 200 au plus"
    assert "gestionnaire.siren" in found
    assert "reference" in found


def test_a_contract_created_names_its_gestionnaire_a_calendar_need_not() -> None:
    raw = document()
    del raw["gestionnaire"]
    assert terms_from_mapping(raw).gestionnaire.raison_sociale == "(non renseigné)"
    assert contract_from_mapping(raw)  # a simulation's
    with pytest.raises(InvalidTerms) as raised:
        created_contract_from_mapping(raw)
    assert [str(p) for p in raised.value.problems] == [
        "gestionnaire : champ obligatoire manquant : l'organisme gestionnaire et sa raison sociale"
    ]
    # Reported with the terms' other problems.
    with pytest.raises(InvalidTerms) as raised:
        created_contract_from_mapping({**raw, "duration_years": 9})
    assert [p.field for p in raised.value.problems] == ["duration_years", "gestionnaire"]
    assert created_contract_from_mapping(document())[0].gestionnaire.raison_sociale == "AAD 35"
