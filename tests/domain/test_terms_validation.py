from dataclasses import replace
from datetime import date

import pytest

from cpom.domain.terms import (
    DotationSchedule,
    Gestionnaire,
    MonthDay,
    Prorogation,
    Sector,
)
from cpom.domain.terms_validation import (
    InvalidTerms,
    check_terms,
    problems_of,
    prorogue,
    warnings_of,
)
from tests.factories import make_terms


def fields_of(terms: object) -> list[str]:
    return [p.field for p in problems_of(terms)]  # type: ignore[arg-type]


def test_the_ille_et_vilaine_contract_is_valid() -> None:
    terms = make_terms()
    assert problems_of(terms) == []
    assert check_terms(terms) is terms
    assert warnings_of(terms) == []


@pytest.mark.parametrize("years", [0, 1, 6, 10])
def test_duration_outside_two_to_five_years_is_refused(years: int) -> None:
    terms = replace(make_terms(), duration_years=years)
    problems = problems_of(terms)
    assert [p.field for p in problems] == ["duration_years"]
    said = {0: "0 an", 1: "1 an"}.get(years, f"{years} ans")
    assert problems[0].message.startswith(f"{said} impossible")
    assert "5 ans au plus" in problems[0].message


def test_two_year_contract_is_valid_with_a_warning() -> None:
    terms = make_terms(years=2)
    assert problems_of(terms) == []
    assert "au moins 3 ans" in warnings_of(terms)[0]


def test_an_echeance_that_does_not_match_the_duration_is_refused() -> None:
    terms = replace(make_terms(), echeance=date(2028, 12, 30))
    problems = problems_of(terms)
    assert [p.field for p in problems] == ["echeance"]
    assert "31/12/2028" in problems[0].message


@pytest.mark.parametrize("months", [0, 3, 9, 18])
def test_notice_not_six_or_twelve_months_is_refused(months: int) -> None:
    terms = make_terms(rules={"prorogation_notice_months": months})
    assert "prorogation_notice_months" in fields_of(terms)


def test_reply_window_longer_than_the_notice_is_refused() -> None:
    terms = make_terms(rules={"prorogation_reply_months": 7, "prorogation_reply_target_months": 1})
    problems = problems_of(terms)
    assert [p.field for p in problems] == ["prorogation_reply_months"]
    assert "n'est pas plus court que le préavis" in problems[0].message


def test_reply_window_of_zero_months_is_refused() -> None:
    terms = make_terms(
        rules={"prorogation_reply_months": 0, "prorogation_reply_target_months": None}
    )
    assert fields_of(terms) == ["prorogation_reply_months"]


def test_reply_target_longer_than_the_legal_window_is_refused() -> None:
    terms = make_terms(rules={"prorogation_reply_target_months": 3})
    assert fields_of(terms) == ["prorogation_reply_target_months"]


def test_unusual_reply_window_is_allowed_with_a_warning() -> None:
    terms = make_terms(
        sector=Sector.AHI_ETAT,
        rules={"prorogation_reply_months": 3},
    )
    assert problems_of(terms) == []
    assert any("1 ou 2 mois" in w for w in warnings_of(terms))


def test_renegotiation_before_the_notice_deadline_is_refused() -> None:
    terms = make_terms(rules={"renegotiation_start_months": 12})
    assert fields_of(terms) == ["renegotiation_start_months"]


def test_renegotiation_start_must_be_six_or_twelve_months() -> None:
    terms = make_terms(rules={"renegotiation_start_months": 4})
    assert fields_of(terms) == ["renegotiation_start_months"]


@pytest.mark.parametrize("months", [3, 30])
def test_renewal_preparation_outside_its_range_is_refused(months: int) -> None:
    terms = make_terms(rules={"renewal_preparation_months": months})
    assert fields_of(terms) == ["renewal_preparation_months"]


@pytest.mark.parametrize("years", [4, 7])
def test_total_duration_cap_must_be_between_duration_and_six_years(years: int) -> None:
    assert fields_of(make_terms(rules={"max_total_years": years})) == ["max_total_years"]


def test_a_cap_below_six_years_is_accepted() -> None:
    assert problems_of(make_terms(years=4, rules={"max_total_years": 5})) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"prorogation_notice_reminder_months": 0}, "prorogation_notice_reminder_months"),
        ({"annual_documents_year_offset": 2}, "annual_documents_year_offset"),
        ({"final_review_months": 13}, "final_review_months"),
        ({"final_review_months": 0}, "final_review_months"),
        ({"dialogue_month": 13}, "dialogue_month"),
        ({"mid_term_year": 6}, "mid_term_year"),
        ({"mutual_denonciation_preavis_months": 0}, "mutual_denonciation_preavis_months"),
        ({"breach_denonciation_preavis_months": 13}, "breach_denonciation_preavis_months"),
        ({"cadrage_months": 0}, "cadrage_months"),
        ({"diagnostic_months": 25}, "diagnostic_months"),
        ({"negotiation_months": -1}, "negotiation_months"),
        ({"annual_documents_due": MonthDay(2, 30)}, "annual_documents_due"),
        ({"final_execution_report_due": MonthDay(2, 29)}, "final_execution_report_due"),
        ({"dotation_advance_due": MonthDay(13, 1)}, "dotation_advance_due"),
        ({"dotation_balance_due": MonthDay(10**20, 1)}, "dotation_balance_due"),
    ],
)
def test_each_rule_parameter_is_checked(changes: dict[str, object], field: str) -> None:
    assert fields_of(make_terms(rules=changes)) == [field]


def test_all_problems_are_reported_at_once() -> None:
    terms = replace(
        make_terms(rules={"prorogation_notice_months": 9, "dialogue_month": 0}),
        duration_years=7,
    )
    assert fields_of(terms) == ["duration_years", "prorogation_notice_months", "dialogue_month"]
    with pytest.raises(InvalidTerms) as raised:
        check_terms(terms)
    assert len(raised.value.problems) == 3
    assert "duration_years : 7 ans impossible" in str(raised.value)


@pytest.mark.parametrize("reference", ["", "-abc", "a b", "x" * 81, "réf"])
def test_reference_must_be_usable_as_a_business_key(reference: str) -> None:
    assert fields_of(replace(make_terms(), reference=reference)) == ["reference"]


def test_territory_must_be_known_and_canonical() -> None:
    assert fields_of(make_terms(territory="99")) == ["authority.territory"]
    problems = problems_of(make_terms(territory="2a"))
    assert [p.field for p in problems] == ["authority.territory"]
    assert "forme canonique" in problems[0].message


@pytest.mark.parametrize(
    ("gestionnaire", "field"),
    [
        (Gestionnaire(" "), "gestionnaire.raison_sociale"),
        (Gestionnaire("A", email="pas-une-adresse"), "gestionnaire.email"),
        (Gestionnaire("A", finess="3500"), "gestionnaire.finess"),
        (Gestionnaire("A", siren="732829321"), "gestionnaire.siren"),
        (Gestionnaire("A", siren="73282932A"), "gestionnaire.siren"),
        # Luhn's key holds for zeros, which name nobody.
        (Gestionnaire("A", siren="000000000"), "gestionnaire.siren"),
        # Digits of another script: int() reads them, the registers do not.
        (Gestionnaire("A", siren="٧٣٢٨٢٩٣٢٠"), "gestionnaire.siren"),
        (Gestionnaire("A", siret="00000000000000"), "gestionnaire.siret"),
        (Gestionnaire("A", finess="350000015"), "gestionnaire.finess"),
        (Gestionnaire("A", email="<a@b.c>"), "gestionnaire.email"),
        (Gestionnaire("A", email="Marie <marie@exemple.fr>"), "gestionnaire.email"),
        (Gestionnaire("A\x00B"), "gestionnaire.raison_sociale"),
        (Gestionnaire("A", siret="7328293200015"), "gestionnaire.siret"),
        (Gestionnaire("A", siren="732829320", siret="55210055400013"), "gestionnaire.siret"),
    ],
)
def test_gestionnaire_identifiers_are_checked(gestionnaire: Gestionnaire, field: str) -> None:
    assert fields_of(replace(make_terms(), gestionnaire=gestionnaire)) == [field]


def test_valid_gestionnaire_identifiers() -> None:
    gestionnaire = Gestionnaire(
        "A", email="a@b.fr", finess="2A0000123", siren="552100554", siret="55210055400013"
    )
    assert problems_of(replace(make_terms(), gestionnaire=gestionnaire)) == []


def test_process_cannot_start_after_effect() -> None:
    terms = make_terms(signed=False, process_started_on=date(2024, 2, 1))
    assert fields_of(terms) == ["process_started_on"]


def test_signature_date_implies_a_signed_contract() -> None:
    assert fields_of(make_terms(signed=False, signed_on=date(2023, 12, 1))) == ["signed_on"]


def accepted(new_echeance: date, *, received: date = date(2028, 6, 1)) -> Prorogation:
    return Prorogation(received, date(2028, 7, 2), tacit=True, new_echeance=new_echeance)


def test_prorogation_up_to_six_years_moves_the_echeance() -> None:
    terms = prorogue(make_terms(), accepted(date(2029, 12, 31)))
    assert terms.current_echeance == date(2029, 12, 31)
    assert terms.echeance == date(2028, 12, 31)
    assert "aucune nouvelle prorogation" in warnings_of(terms)[0]


def test_prorogation_beyond_six_years_is_refused() -> None:
    with pytest.raises(InvalidTerms) as raised:
        prorogue(make_terms(), accepted(date(2030, 1, 1)))
    message = str(raised.value)
    assert "limitée à 6 ans" in message
    assert "31/12/2029" in message


def test_prorogation_must_move_the_echeance_forward() -> None:
    with pytest.raises(InvalidTerms, match="postérieure"):
        prorogue(make_terms(), accepted(date(2028, 12, 31)))


def test_prorogation_accepted_before_its_notice_is_refused() -> None:
    with pytest.raises(InvalidTerms, match="suit la réception"):
        prorogue(make_terms(), accepted(date(2029, 12, 31), received=date(2028, 8, 1)))


def test_two_prorogations_within_the_cap() -> None:
    first = Prorogation(date(2026, 1, 5), date(2026, 3, 6), False, date(2028, 6, 30))
    second = Prorogation(date(2027, 12, 1), date(2028, 1, 10), False, date(2029, 12, 31))
    terms = prorogue(prorogue(make_terms(years=4), first), second)
    assert terms.current_echeance == date(2029, 12, 31)


@pytest.mark.parametrize(
    ("schedule", "changes", "warned"),
    [
        (DotationSchedule.ADVANCE_BALANCE, {}, True),  # balance and documents both 30/04
        (DotationSchedule.ADVANCE_BALANCE, {"dotation_balance_due": MonthDay(5, 31)}, False),
        (DotationSchedule.SINGLE_PLUS_REGULARISATION, {}, False),
        (
            DotationSchedule.SINGLE_PLUS_REGULARISATION,
            {"dotation_regularisation_due": MonthDay(3, 31)},
            True,
        ),
        (DotationSchedule.MONTHLY_TWELFTHS, {}, False),
    ],
)
def test_dotation_settlement_before_the_documents_is_warned(
    schedule: DotationSchedule, changes: dict[str, object], warned: bool
) -> None:
    terms = make_terms(rules={"dotation_schedule": schedule, **changes})
    assert problems_of(terms) == []
    assert any("la régularisation ne pourra pas" in w for w in warnings_of(terms)) is warned


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"annual_document_items": ()}, "annual_document_items"),
        ({"annual_document_items": ("Compte Administratif",)}, "annual_document_items"),
        ({"documents_escalation_days": 0}, "documents_escalation_days"),
        ({"dialogue_convocation_days": 91}, "dialogue_convocation_days"),
        ({"releve_reminder_days": 0}, "releve_reminder_days"),
        ({"annual_documents_reminder_days": (30, 0)}, "annual_documents_reminder_days"),
    ],
)
def test_notice_parameters_are_checked(changes: dict[str, object], field: str) -> None:
    assert fields_of(make_terms(rules=changes)) == [field]


def test_authority_addresses_are_checked() -> None:
    from cpom.domain.terms import Authority, AuthorityKind

    terms = replace(
        make_terms(),
        authority=Authority(AuthorityKind.DEPARTEMENT, "CD35", "35", "x", "chef@cd35.fr"),
    )
    assert fields_of(terms) == ["authority.email"]


def test_money_and_budget_days_out_of_range_are_refused_in_french() -> None:
    # A payment day of 0 was accepted and then broke the calendar (found by probing).
    terms = make_terms(
        rules={
            "monthly_payment_day": 0,
            "monthly_activity_report_day": 32,
            "budget_forecast_days_after_notification": -3,
        }
    )
    assert [(p.field, p.message) for p in problems_of(terms)] == [
        ("monthly_payment_day", "le 0 n'est pas un jour du mois (1 à 31)"),
        ("monthly_activity_report_day", "le 32 n'est pas un jour du mois (1 à 31)"),
        (
            "budget_forecast_days_after_notification",
            "-3 jours après la notification des ressources : attendu de 1 à 365 jours",
        ),
    ]
    assert problems_of(make_terms(rules={"monthly_activity_report_day": None})) == []


def test_an_article_label_is_short_and_the_eprd_is_no_annual_document() -> None:
    from cpom.domain.terms import Sector

    long_label = make_terms(rules={"article_prorogation": "x" * 41})
    assert [p.field for p in problems_of(long_label)] == ["article_prorogation"]
    eprd_twice = make_terms(
        sector=Sector.ESMS_ARS, rules={"annual_document_items": ("errd", "eprd")}
    )
    assert [p.message for p in problems_of(eprd_twice)] == [
        "« eprd » n'est pas un document annuel : sous le régime de l'EPRD, il a son propre "
        "calendrier (30 avril de l'exercice)"
    ]
