"""Every decision on a CPOM: what its check refuses (in French) and what its apply changes.

The contract is Ille-et-Vilaine's 2024–2028 SAD CPOM (`make_terms()`): effect 1 January 2024,
échéance 31 December 2028, 6-year cap 31 December 2029, prorogation notice at the latest
30 June 2028, reply within 2 months (territory 35).
"""

from collections.abc import Callable
from copy import deepcopy
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from cpom.domain.lifecycle import (
    ENDED,
    IN_FORCE,
    PARTY_LABELS,
    PHASE_LABELS,
    PRE_SIGNATURE,
    ContractState,
    DecisionRefused,
    DenonciationMode,
    Dialogue,
    Event,
    Party,
    PendingDenonciation,
    PendingProrogation,
    Phase,
    ResiliationReason,
    Termination,
    accept_tacitly,
    apply_answer_denonciation,
    apply_answer_prorogation,
    apply_approve_releve,
    apply_denounce,
    apply_open_renegotiation,
    apply_propose_denonciation,
    apply_record_dialogue,
    apply_request_prorogation,
    apply_review_documents,
    apply_sign,
    apply_sign_avenant,
    apply_submit_documents,
    apply_terminate,
    apply_validate_cadrage,
    apply_validate_diagnostic,
    change_phase,
    check_answer_denonciation,
    check_answer_prorogation,
    check_approve_releve,
    check_denounce,
    check_open_renegotiation,
    check_record_dialogue,
    check_request_prorogation,
    check_review_documents,
    check_sign,
    check_sign_avenant,
    check_submit_documents,
    check_terminate,
    check_validate_cadrage,
    check_validate_diagnostic,
    contract_year_of,
    held_before_the_last,
    initial_phase,
    missing_items,
    phase_by_date,
    preavis_months,
)
from cpom.domain.terms import (
    ActionDeadline,
    ContractTerms,
    Gestionnaire,
    Prorogation,
    Sector,
)
from tests.factories import SAD_ITEMS, make_terms

EFFET = date(2024, 1, 1)
ECHEANCE = date(2028, 12, 31)
CAP = date(2029, 12, 31)
UNSIGNED: dict[str, Any] = {"signed": False, "process_started_on": date(2023, 1, 16)}
# A notice received on 8 March 2028 is answered by 8 May 2028, a public holiday (Victoire 1945):
# the reply deadline is carried to Tuesday 9 May 2028.
NOTICE = date(2028, 3, 8)
REPLY_DEADLINE = date(2028, 5, 9)
ACTOR = "agent@departement35.example"


def make_state(phase: Phase = Phase.EXECUTION, **changes: Any) -> ContractState:
    return ContractState(make_terms(**changes), phase)


def prorogued_to(new_echeance: date, *, tacit: bool = True) -> Prorogation:
    return Prorogation(NOTICE, date(2028, 5, 10), tacit, new_echeance)


def pending(
    requested_echeance: date = CAP, requested_by: Party = Party.GESTIONNAIRE
) -> PendingProrogation:
    return PendingProrogation(requested_by, NOTICE, requested_echeance, REPLY_DEADLINE)


def awaiting_reply(requested_echeance: date = CAP) -> ContractState:
    state = make_state(Phase.PROROGATION_EN_COURS)
    state.pending_prorogation = pending(requested_echeance)
    return state


def refusal(check: Callable[[], None]) -> str:
    """The French message of the DecisionRefused raised by `check`."""
    with pytest.raises(DecisionRefused) as refused:
        check()
    return str(refused.value)


def phase_changed(today: date, before: Phase, after: Phase, why: str) -> Event:
    return Event(
        today,
        "phase_changed",
        f"{PHASE_LABELS[before]} → {PHASE_LABELS[after]} : {why}",
        None,
        {"from": before.value, "to": after.value},
    )


# Phases ---------------------------------------------------------------------------------------


def test_every_phase_has_a_french_label() -> None:
    assert set(PHASE_LABELS) == set(Phase)
    assert PHASE_LABELS[Phase.DIAGNOSTIC] == "diagnostic partagé"
    assert PHASE_LABELS[Phase.ECHUE] == "échu"


def test_phase_families_do_not_overlap_and_leave_only_signe_out() -> None:
    assert not ENDED & PRE_SIGNATURE
    assert not ENDED & IN_FORCE
    assert not PRE_SIGNATURE & IN_FORCE
    assert set(Phase) - (ENDED | PRE_SIGNATURE | IN_FORCE) == {Phase.SIGNE}


@pytest.mark.parametrize(
    ("party", "other"),
    [(Party.AUTORITE, Party.GESTIONNAIRE), (Party.GESTIONNAIRE, Party.AUTORITE)],
)
def test_the_other_party(party: Party, other: Party) -> None:
    assert party.other is other


@pytest.mark.parametrize("today", [date(2023, 1, 1), date(2026, 6, 1), date(2030, 1, 1)])
def test_an_unsigned_contract_starts_in_cadrage_whatever_the_date(today: date) -> None:
    assert initial_phase(make_terms(**UNSIGNED), today) is Phase.CADRAGE


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        (date(2023, 12, 31), Phase.SIGNE),
        (date(2024, 1, 1), Phase.EXECUTION),
        (date(2029, 1, 1), Phase.ECHUE),
    ],
)
def test_a_signed_contract_starts_in_the_phase_of_its_dates(today: date, phase: Phase) -> None:
    assert initial_phase(make_terms(), today) is phase


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        (date(2023, 12, 31), Phase.SIGNE),
        (date(2024, 1, 1), Phase.EXECUTION),
        (date(2027, 12, 31), Phase.EXECUTION),
        (date(2028, 1, 1), Phase.BILAN),
        (date(2028, 12, 31), Phase.BILAN),
        (date(2029, 1, 1), Phase.ECHUE),
    ],
)
def test_phase_by_date(today: date, phase: Phase) -> None:
    assert phase_by_date(make_terms(), today) is phase


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        (date(2028, 6, 1), Phase.PROROGEE),
        (date(2028, 12, 31), Phase.PROROGEE),
        (date(2029, 1, 1), Phase.BILAN),
        (date(2029, 12, 31), Phase.BILAN),
        (date(2030, 1, 1), Phase.ECHUE),
    ],
)
def test_phase_by_date_of_a_prorogued_contract_follows_the_new_echeance(
    today: date, phase: Phase
) -> None:
    terms = make_terms(prorogations=(prorogued_to(CAP),))
    assert phase_by_date(terms, today) is phase


def test_change_phase_logs_the_transition_with_its_reason() -> None:
    state = make_state(Phase.EXECUTION)
    change_phase(state, Phase.BILAN, date(2028, 1, 1), "dernière année du contrat")
    assert state.phase is Phase.BILAN
    assert state.events == [
        phase_changed(date(2028, 1, 1), Phase.EXECUTION, Phase.BILAN, "dernière année du contrat")
    ]
    assert (
        state.events[0].summary == "exécution → bilan (dernière année) : dernière année du contrat"
    )


def test_change_phase_to_the_current_phase_logs_nothing() -> None:
    state = make_state(Phase.BILAN)
    change_phase(state, Phase.BILAN, date(2028, 1, 1), "dernière année du contrat")
    assert state.phase is Phase.BILAN
    assert state.events == []


# Ended contracts refuse every decision ----------------------------------------------------------

TODAY = date(2029, 2, 1)
DECISIONS_REFUSED_ONCE_ENDED: dict[str, Callable[[ContractState], None]] = {
    "record_dialogue": lambda s: check_record_dialogue(s, date(2028, 6, 30), TODAY),
    "request_prorogation": lambda s: check_request_prorogation(s, date(2028, 3, 1), None, TODAY),
    "sign_avenant": lambda s: check_sign_avenant(s, None, TODAY, TODAY),
    "denounce": lambda s: check_denounce(s, DenonciationMode.MUTUELLE, TODAY, TODAY),
    "terminate": lambda s: check_terminate(s, ResiliationReason.LIQUIDATION, TODAY, TODAY),
}


@pytest.mark.parametrize(
    ("phase", "label"),
    [
        (Phase.ECHUE, "échu"),
        (Phase.RENOUVELEE, "renouvelé"),
        (Phase.DENONCEE, "dénoncé"),
        (Phase.RESILIEE, "résilié"),
    ],
)
@pytest.mark.parametrize("decision", sorted(DECISIONS_REFUSED_ONCE_ENDED))
def test_an_ended_contract_refuses_every_decision(phase: Phase, label: str, decision: str) -> None:
    state = make_state(phase)
    message = refusal(lambda: DECISIONS_REFUSED_ONCE_ENDED[decision](state))
    assert message == f"le contrat est {label} : plus aucune décision"


@pytest.mark.parametrize("phase", [Phase.ECHUE, Phase.RENOUVELEE])
def test_the_last_exercises_documents_are_received_after_the_echeance(phase: Phase) -> None:
    # Due on 30 April after the échéance, reminded then: they must still be received.
    state = make_state(phase)
    check_submit_documents(state, 2028, ["rapport_activite"])
    state.submitted[2028] = list(SAD_ITEMS)
    check_review_documents(state, 2028)


@pytest.mark.parametrize(
    ("phase", "label"), [(Phase.DENONCEE, "dénoncé"), (Phase.RESILIEE, "résilié")]
)
def test_no_document_is_received_after_an_early_end(phase: Phase, label: str) -> None:
    message = refusal(lambda: check_submit_documents(make_state(phase), 2025, ["rapport_activite"]))
    assert message == f"le contrat est {label} : plus aucune décision"


# Cadrage and diagnostic -----------------------------------------------------------------------


def test_the_cadrage_letter_is_validated_in_cadrage() -> None:
    check_validate_cadrage(make_state(Phase.CADRAGE, **UNSIGNED))


@pytest.mark.parametrize(
    ("phase", "label"),
    [(Phase.DIAGNOSTIC, "diagnostic partagé"), (Phase.EXECUTION, "exécution")],
)
def test_the_cadrage_letter_is_refused_outside_cadrage(phase: Phase, label: str) -> None:
    assert refusal(lambda: check_validate_cadrage(make_state(phase))) == (
        f"la lettre de cadrage se valide en phase de cadrage (phase actuelle : {label})"
    )


def test_validating_the_cadrage_moves_to_diagnostic() -> None:
    state = make_state(Phase.CADRAGE, **UNSIGNED)
    apply_validate_cadrage(state, date(2023, 2, 10), ACTOR)
    assert state.phase is Phase.DIAGNOSTIC
    assert state.events == [
        Event(date(2023, 2, 10), "cadrage_validated", "lettre de cadrage validée", ACTOR),
        phase_changed(
            date(2023, 2, 10), Phase.CADRAGE, Phase.DIAGNOSTIC, "lettre de cadrage validée"
        ),
    ]


def test_the_diagnostic_is_validated_in_diagnostic() -> None:
    check_validate_diagnostic(make_state(Phase.DIAGNOSTIC, **UNSIGNED))


@pytest.mark.parametrize(
    ("phase", "label"),
    [(Phase.CADRAGE, "cadrage"), (Phase.NEGOCIATION, "négociation")],
)
def test_the_diagnostic_is_refused_outside_diagnostic(phase: Phase, label: str) -> None:
    assert refusal(lambda: check_validate_diagnostic(make_state(phase, **UNSIGNED))) == (
        f"le diagnostic partagé se valide en phase de diagnostic (phase actuelle : {label})"
    )


def test_validating_the_diagnostic_moves_to_negotiation() -> None:
    state = make_state(Phase.DIAGNOSTIC, **UNSIGNED)
    apply_validate_diagnostic(state, date(2023, 5, 12), ACTOR)
    assert state.phase is Phase.NEGOCIATION
    assert state.events == [
        Event(date(2023, 5, 12), "diagnostic_validated", "diagnostic partagé validé", ACTOR),
        phase_changed(
            date(2023, 5, 12), Phase.DIAGNOSTIC, Phase.NEGOCIATION, "diagnostic partagé validé"
        ),
    ]


# Signature -------------------------------------------------------------------------------------


class TestCheckSign:
    today = date(2023, 11, 20)

    def negotiated(self) -> ContractState:
        return make_state(Phase.NEGOCIATION, **UNSIGNED)

    def test_the_negotiated_terms_may_be_signed_today_or_earlier(self) -> None:
        check_sign(self.negotiated(), self.today, None, self.today)
        check_sign(self.negotiated(), date(2023, 11, 15), None, self.today)

    def test_amended_terms_with_the_same_reference_may_be_signed(self) -> None:
        state = self.negotiated()
        amended = replace(state.terms, duration_years=4, echeance=date(2027, 12, 31))
        check_sign(state, date(2023, 11, 15), amended, self.today)

    def test_a_start_of_process_after_the_effect_date_does_not_block_the_signature(self) -> None:
        state = make_state(Phase.NEGOCIATION, signed=False, process_started_on=date(2024, 2, 1))
        check_sign(state, date(2023, 11, 15), None, self.today)

    @pytest.mark.parametrize(
        ("phase", "label"),
        [(Phase.CADRAGE, "cadrage"), (Phase.DIAGNOSTIC, "diagnostic partagé")],
    )
    def test_signature_before_the_end_of_negotiation_is_refused(
        self, phase: Phase, label: str
    ) -> None:
        state = make_state(phase, **UNSIGNED)
        assert refusal(lambda: check_sign(state, self.today, None, self.today)) == (
            f"la signature intervient à l'issue de la négociation (phase actuelle : {label})"
        )

    def test_a_signature_already_signed_is_refused(self) -> None:
        state = make_state(Phase.EXECUTION)
        assert refusal(lambda: check_sign(state, self.today, None, self.today)) == (
            "la signature intervient à l'issue de la négociation (phase actuelle : exécution)"
        )

    def test_a_signature_date_in_the_future_is_refused(self) -> None:
        message = refusal(
            lambda: check_sign(self.negotiated(), date(2023, 11, 21), None, self.today)
        )
        assert message == "la date de signature 21/11/2023 est dans le futur"

    def test_signed_terms_cannot_change_the_reference(self) -> None:
        state = self.negotiated()
        other = replace(state.terms, reference="CPOM-35-SAD-2024-BIS")
        assert refusal(lambda: check_sign(state, self.today, other, self.today)) == (
            "les termes signés ne peuvent changer la référence du contrat"
        )

    def test_invalid_signed_terms_are_refused_with_the_broken_rule(self) -> None:
        state = self.negotiated()
        wrong = replace(state.terms, echeance=date(2028, 6, 30))
        assert refusal(lambda: check_sign(state, self.today, wrong, self.today)) == (
            "termes signés invalides : echeance : l'échéance d'un contrat de 5 ans prenant effet "
            "le 01/01/2024 est le 31/12/2028"
        )

    def test_a_refused_signature_changes_nothing(self) -> None:
        state = self.negotiated()
        before = deepcopy(state)
        refusal(lambda: check_sign(state, date(2023, 12, 1), None, self.today))
        assert state == before


class TestApplySign:
    def test_signing_before_the_effect_date_waits_for_it(self) -> None:
        state = make_state(Phase.NEGOCIATION, **UNSIGNED)
        apply_sign(state, date(2023, 11, 15), None, date(2023, 11, 20), ACTOR)
        assert state.phase is Phase.SIGNE
        assert state.terms.signed
        assert state.terms.signed_on == date(2023, 11, 15)
        assert state.terms.process_started_on is None
        assert state.events == [
            Event(
                date(2023, 11, 20),
                "signed",
                "contrat signé le 15/11/2023",
                ACTOR,
                {"signed_on": "2023-11-15"},
            ),
            phase_changed(date(2023, 11, 20), Phase.NEGOCIATION, Phase.SIGNE, "contrat signé"),
        ]

    def test_signing_after_the_effect_date_starts_the_execution(self) -> None:
        state = make_state(Phase.NEGOCIATION, **UNSIGNED)
        apply_sign(state, date(2024, 1, 10), None, date(2024, 1, 12), ACTOR)
        assert state.phase is Phase.EXECUTION
        assert state.events[-1] == phase_changed(
            date(2024, 1, 12), Phase.NEGOCIATION, Phase.EXECUTION, "contrat signé"
        )

    def test_the_signed_terms_replace_the_negotiated_ones(self) -> None:
        state = make_state(Phase.NEGOCIATION, **UNSIGNED)
        gestionnaire = Gestionnaire("Association Aide à domicile 35", "cpom@aad35.example")
        final = replace(state.terms, gestionnaire=gestionnaire)
        apply_sign(state, date(2023, 11, 15), final, date(2023, 11, 20), ACTOR)
        assert state.terms == replace(
            final, signed=True, signed_on=date(2023, 11, 15), process_started_on=None
        )

    def test_the_objectives_signed_bring_their_actions_due_dates(self) -> None:
        state = make_state(Phase.NEGOCIATION, **UNSIGNED)
        due = (ActionDeadline("1.1", "Binômes", date(2025, 6, 30)),)
        apply_sign(state, date(2023, 11, 15), None, date(2023, 11, 20), ACTOR, due)
        assert state.terms.action_deadlines == due
        assert state.events[0].details == {"signed_on": "2023-11-15", "objectives": "signés"}


# Annual documents ------------------------------------------------------------------------------


def test_missing_items_follow_the_order_of_the_contract() -> None:
    state = make_state()
    state.submitted = {2024: ["compte_administratif", "synthese_fiches_objectifs"]}
    assert missing_items(state, 2024) == [
        "rapport_activite",
        "bilan_financier",
        "tableau_depenses_recettes",
    ]
    assert missing_items(state, 2025) == list(SAD_ITEMS)


@pytest.mark.parametrize("exercise", [2024, 2026, 2028])
def test_documents_of_any_exercise_of_the_contract_are_accepted(exercise: int) -> None:
    check_submit_documents(make_state(), exercise, ["rapport_activite", "bilan_financier"])


@pytest.mark.parametrize("exercise", [2023, 2029])
def test_documents_of_an_exercise_outside_the_contract_are_refused(exercise: int) -> None:
    message = refusal(lambda: check_submit_documents(make_state(), exercise, ["rapport_activite"]))
    assert message == f"l'exercice {exercise} n'est pas couvert par le contrat (2024 à 2028)"


def test_a_prorogued_contract_covers_the_exercises_of_its_new_echeance() -> None:
    state = make_state(Phase.PROROGEE, prorogations=(prorogued_to(CAP),))
    check_submit_documents(state, 2029, ["rapport_activite"])
    assert refusal(lambda: check_submit_documents(state, 2030, ["rapport_activite"])) == (
        "l'exercice 2030 n'est pas couvert par le contrat (2024 à 2029)"
    )


def test_unknown_documents_are_refused_with_the_list_of_expected_ones() -> None:
    items = ["rapport_activite", "budget", "annexe"]
    assert refusal(lambda: check_submit_documents(make_state(), 2024, items)) == (
        "pièces inconnues : « budget », « annexe » ; pièces attendues : "
        "synthese_fiches_objectifs (synthèse des fiches objectifs), rapport_activite (rapport "
        "d'activité), bilan_financier (bilan financier), compte_administratif (compte "
        "administratif), tableau_depenses_recettes (tableau des dépenses et des recettes)"
    )


def test_the_documents_of_an_exercise_come_once_it_is_over() -> None:
    """Found by probing: the accounts of an exercise not begun were received."""
    state = make_state()
    assert refusal(
        lambda: check_submit_documents(
            state, 2026, ["rapport_activite", "bilan_financier"], date(2026, 12, 31)
        )
    ) == (
        "les pièces de l'exercice 2026 (rapport d'activité, bilan financier) se transmettent à "
        "partir du 01/01/2027"
    )
    check_submit_documents(state, 2026, ["rapport_activite"], date(2027, 1, 1))


def test_an_empty_submission_is_refused() -> None:
    assert refusal(lambda: check_submit_documents(make_state(), 2024, [])) == (
        "aucune pièce transmise"
    )


def test_a_partial_submission_is_logged_with_what_is_still_missing() -> None:
    state = make_state()
    apply_submit_documents(
        state, 2024, ["rapport_activite", "bilan_financier"], date(2025, 4, 2), ACTOR
    )
    assert state.submitted == {2024: ["rapport_activite", "bilan_financier"]}
    assert state.events == [
        Event(
            date(2025, 4, 2),
            "documents_submitted",
            "documents de l'exercice 2024 reçus : rapport d'activité, bilan financier "
            "(manquent : synthèse des fiches objectifs, compte administratif, "
            "tableau des dépenses et des recettes)",
            ACTOR,
            {"exercise": "2024", "items": "rapport_activite,bilan_financier"},
        )
    ]


def test_the_last_documents_complete_the_exercise_without_duplicates() -> None:
    state = make_state()
    state.submitted = {2024: ["rapport_activite", "bilan_financier"]}
    rest = ["rapport_activite", "synthese_fiches_objectifs", "compte_administratif"]
    rest.append("tableau_depenses_recettes")
    apply_submit_documents(state, 2024, rest, date(2025, 4, 20), ACTOR)
    assert state.submitted[2024] == [
        "rapport_activite",
        "bilan_financier",
        "synthese_fiches_objectifs",
        "compte_administratif",
        "tableau_depenses_recettes",
    ]
    assert missing_items(state, 2024) == []
    assert state.events[-1].summary == (
        "documents de l'exercice 2024 reçus : rapport d'activité, synthèse des fiches "
        "objectifs, compte administratif, tableau des dépenses et des recettes"
    )


def test_documents_are_counted_per_exercise() -> None:
    state = make_state()
    apply_submit_documents(state, 2025, list(SAD_ITEMS), date(2026, 3, 1), ACTOR)
    assert missing_items(state, 2025) == []
    assert missing_items(state, 2024) == list(SAD_ITEMS)


# Dialogue de gestion ---------------------------------------------------------------------------


@pytest.mark.parametrize("phase", sorted(IN_FORCE))
def test_a_dialogue_is_recorded_in_any_phase_in_force(phase: Phase) -> None:
    check_record_dialogue(make_state(phase), date(2026, 6, 20), date(2026, 6, 25))


@pytest.mark.parametrize("phase", [Phase.CADRAGE, Phase.DIAGNOSTIC, Phase.NEGOCIATION, Phase.SIGNE])
def test_a_dialogue_before_the_contract_is_in_force_is_refused(phase: Phase) -> None:
    state = make_state(phase)
    assert refusal(lambda: check_record_dialogue(state, date(2023, 12, 1), date(2023, 12, 2))) == (
        "un dialogue de gestion se tient pendant l'exécution du contrat"
    )


@pytest.mark.parametrize("held_on", [EFFET, date(2026, 6, 25)], ids=["on_the_effect_date", "today"])
def test_a_dialogue_may_be_held_from_the_effect_date_until_today(held_on: date) -> None:
    check_record_dialogue(make_state(), held_on, date(2026, 6, 25))


def test_a_dialogue_recorded_once_is_not_recorded_again_nor_with_blank_entries() -> None:
    """Found by probing: the same dialogue sent three times made three dialogues of one day."""
    state = make_state()
    held_on, today = date(2026, 6, 15), date(2026, 6, 25)
    apply_record_dialogue(state, held_on, ["CD35"], ["B"], today, "agent")
    assert refusal(lambda: check_record_dialogue(state, held_on, today)) == (
        "le dialogue de gestion du 15/06/2026 est déjà enregistré"
    )
    check_record_dialogue(state, date(2026, 6, 16), today, ["CD35"], [])  # another day
    assert refusal(lambda: check_record_dialogue(state, date(2026, 6, 16), today, [" "])) == (
        "un participant est vide : nommer chacun"
    )
    assert refusal(
        lambda: check_record_dialogue(state, date(2026, 6, 16), today, ["CD35"], ["a", ""])
    ) == ("une décision est vide : écrire chacune")


@pytest.mark.parametrize(
    ("held_on", "shown"),
    [(date(2023, 12, 31), "31/12/2023"), (date(2026, 6, 26), "26/06/2026")],
    ids=["before_the_effect_date", "in_the_future"],
)
def test_a_dialogue_dated_outside_effect_date_to_today_is_refused(
    held_on: date, shown: str
) -> None:
    message = refusal(lambda: check_record_dialogue(make_state(), held_on, date(2026, 6, 25)))
    assert message == (
        f"la date du dialogue ({shown}) doit être passée et postérieure à la date d'effet"
    )


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2024, 1, 1), 1),
        (date(2024, 12, 31), 1),
        (date(2025, 1, 1), 2),
        (date(2026, 6, 30), 3),
        (date(2028, 12, 31), 5),
    ],
)
def test_contract_year_of_a_day(day: date, year: int) -> None:
    assert contract_year_of(make_terms(), day) == year


def test_contract_years_start_on_the_anniversary_of_a_mid_year_effect_date() -> None:
    terms = make_terms(effet=date(2024, 7, 1))
    assert contract_year_of(terms, date(2025, 6, 30)) == 1
    assert contract_year_of(terms, date(2025, 7, 1)) == 2


def test_contract_years_of_a_29_february_effect_date_match_the_calendar() -> None:
    # contract_years(2024-02-29, …) gives year 1 = 29/02/2024–28/02/2025, year 2 from 01/03/2025.
    terms = make_terms(effet=date(2024, 2, 29))
    assert contract_year_of(terms, date(2025, 2, 28)) == 1
    assert contract_year_of(terms, date(2025, 3, 1)) == 2


def test_recording_a_dialogue_dates_it_in_its_contract_year() -> None:
    state = make_state()
    dialogue = apply_record_dialogue(
        state,
        date(2026, 6, 20),
        ["Département", "Association"],
        ["objectif 3 reporté"],
        date(2026, 6, 25),
        ACTOR,
    )
    assert dialogue == Dialogue(
        3, date(2026, 6, 20), ["Département", "Association"], ["objectif 3 reporté"], []
    )
    assert state.dialogues == [dialogue]
    assert state.events == [
        Event(
            date(2026, 6, 25),
            "dialogue_recorded",
            "dialogue de gestion du 20/06/2026 enregistré",
            ACTOR,
            {"held_on": "2026-06-20", "contract_year": "3"},
        )
    ]


def held(year: int, held_on: date, *approved_by: Party) -> Dialogue:
    return Dialogue(year, held_on, ["Département"], ["décision"], list(approved_by))


def test_the_releve_cannot_be_approved_before_any_dialogue() -> None:
    assert refusal(lambda: check_approve_releve(make_state(), Party.AUTORITE)) == (
        "aucun dialogue de gestion enregistré : rien à approuver"
    )


@pytest.mark.parametrize("party", list(Party))
def test_each_party_approves_the_releve_once(party: Party) -> None:
    state = make_state()
    state.dialogues = [held(1, date(2024, 6, 20))]
    check_approve_releve(state, party)
    state.dialogues[-1].approved_by.append(party)
    assert refusal(lambda: check_approve_releve(state, party)) == (
        f"le relevé de décisions est déjà approuvé par {PARTY_LABELS[party]}"
    )
    check_approve_releve(state, party.other)


def test_only_the_last_dialogue_is_approved() -> None:
    state = make_state()
    state.dialogues = [held(1, date(2024, 6, 20), Party.AUTORITE), held(2, date(2025, 6, 18))]
    check_approve_releve(state, Party.AUTORITE)


def test_a_dialogue_recorded_late_takes_its_place_in_the_order_held() -> None:
    """Found by probing: a dialogue held on 03/12 and recorded after the one of 04/12 went last;
    the approvals of the 04/12 relevé were lost, and only the older one could be approved."""
    state = make_state()
    apply_record_dialogue(state, date(2025, 6, 18), ["ARS"], ["d"], date(2025, 6, 20), ACTOR)
    apply_approve_releve(state, Party.AUTORITE, date(2025, 6, 21), ACTOR)
    assert held_before_the_last(state, date(2024, 6, 20))
    assert not held_before_the_last(state, date(2025, 6, 19))
    apply_record_dialogue(state, date(2024, 6, 20), ["ARS"], ["d"], date(2025, 6, 22), ACTOR)
    assert [d.held_on for d in state.dialogues] == [date(2024, 6, 20), date(2025, 6, 18)]
    assert refusal(lambda: check_approve_releve(state, Party.AUTORITE)) == (
        "le relevé de décisions est déjà approuvé par l'autorité"
    )
    apply_approve_releve(state, Party.GESTIONNAIRE, date(2025, 6, 23), ACTOR)
    assert state.dialogues[-1].approved_by == [Party.AUTORITE, Party.GESTIONNAIRE]
    # As runs recorded before the change did, in the order of recording.
    before = make_state()
    apply_record_dialogue(before, date(2025, 6, 18), [], [], date(2025, 6, 20), ACTOR)
    apply_record_dialogue(before, date(2024, 6, 20), [], [], date(2025, 6, 22), ACTOR, False)
    assert [d.held_on for d in before.dialogues] == [date(2025, 6, 18), date(2024, 6, 20)]


def test_approving_the_releve_is_logged() -> None:
    state = make_state()
    state.dialogues = [held(1, date(2024, 6, 20)), held(2, date(2025, 6, 18))]
    apply_approve_releve(state, Party.GESTIONNAIRE, date(2025, 6, 30), ACTOR)
    assert state.dialogues[0].approved_by == []
    assert state.dialogues[1].approved_by == [Party.GESTIONNAIRE]
    assert state.events == [
        Event(
            date(2025, 6, 30),
            "releve_approved",
            "relevé de décisions du 18/06/2025 approuvé par le gestionnaire",
            ACTOR,
            {"party": "gestionnaire"},
        )
    ]


# Prorogation request ---------------------------------------------------------------------------


class TestCheckRequestProrogation:
    today = date(2028, 3, 10)

    @pytest.mark.parametrize(
        "phase", [Phase.EXECUTION, Phase.BILAN, Phase.PROROGEE, Phase.RENEGOCIATION]
    )
    def test_a_timely_notice_is_accepted_in_force(self, phase: Phase) -> None:
        check_request_prorogation(make_state(phase), NOTICE, None, self.today)

    def test_a_notice_received_on_the_notice_deadline_is_still_timely(self) -> None:
        check_request_prorogation(make_state(), date(2028, 6, 30), None, date(2028, 7, 1))

    @pytest.mark.parametrize(
        ("phase", "label"),
        [
            (Phase.CADRAGE, "cadrage"),
            (Phase.NEGOCIATION, "négociation"),
            (Phase.SIGNE, "signé, en attente de la date d'effet"),
            (Phase.PROROGATION_EN_COURS, "prorogation en cours"),
        ],
    )
    def test_a_prorogation_outside_execution_is_refused(self, phase: Phase, label: str) -> None:
        state = make_state(phase)
        assert refusal(lambda: check_request_prorogation(state, NOTICE, None, self.today)) == (
            f"une prorogation se demande pendant l'exécution du contrat (phase actuelle : {label})"
        )

    def test_a_receipt_in_the_future_is_refused(self) -> None:
        message = refusal(
            lambda: check_request_prorogation(make_state(), date(2028, 3, 11), None, self.today)
        )
        assert message == "la réception du 11/03/2028 est dans le futur"

    def test_no_prorogation_once_the_six_years_are_reached(self) -> None:
        state = make_state(Phase.PROROGEE, prorogations=(prorogued_to(CAP),))
        assert refusal(lambda: check_request_prorogation(state, NOTICE, None, self.today)) == (
            "la durée totale de 6 ans est atteinte : aucune prorogation possible"
        )

    def test_a_notice_after_its_deadline_is_no_prorogation_simple(self) -> None:
        message = refusal(
            lambda: check_request_prorogation(
                make_state(Phase.BILAN), date(2028, 7, 1), None, date(2028, 7, 2)
            )
        )
        assert message == (
            "notification reçue le 01/07/2028, après la date limite du 30/06/2028 : une "
            "prorogation n'est plus possible que par avenant d'un commun accord"
        )

    @pytest.mark.parametrize(
        ("requested", "shown"),
        [
            (date(2028, 12, 31), "31/12/2028"),
            (date(2028, 6, 30), "30/06/2028"),
            (date(2030, 1, 1), "01/01/2030"),
        ],
        ids=["current_echeance", "earlier", "beyond_six_years"],
    )
    def test_a_requested_echeance_outside_the_allowed_span_is_refused(
        self, requested: date, shown: str
    ) -> None:
        message = refusal(
            lambda: check_request_prorogation(make_state(), NOTICE, requested, self.today)
        )
        assert message == (
            f"l'échéance demandée ({shown}) doit suivre l'échéance actuelle et ne pas "
            "dépasser le 31/12/2029 (6 ans au total)"
        )

    @pytest.mark.parametrize("requested", [date(2029, 1, 1), date(2029, 6, 30), CAP])
    def test_a_requested_echeance_up_to_six_years_is_accepted(self, requested: date) -> None:
        check_request_prorogation(make_state(), NOTICE, requested, self.today)


class TestApplyRequestProrogation:
    today = date(2028, 3, 10)

    def test_the_reply_deadline_runs_two_months_and_skips_the_8_may_holiday(self) -> None:
        state = make_state(Phase.BILAN)
        result = apply_request_prorogation(
            state, Party.GESTIONNAIRE, NOTICE, None, self.today, ACTOR
        )
        assert result == PendingProrogation(Party.GESTIONNAIRE, NOTICE, CAP, REPLY_DEADLINE)
        assert state.pending_prorogation is result

    def test_the_request_is_logged_and_puts_the_contract_in_prorogation(self) -> None:
        state = make_state(Phase.BILAN)
        apply_request_prorogation(state, Party.GESTIONNAIRE, NOTICE, None, self.today, ACTOR)
        assert state.phase is Phase.PROROGATION_EN_COURS
        assert state.events == [
            Event(
                self.today,
                "prorogation_requested",
                "demande de prorogation du gestionnaire reçue le 08/03/2028 ; réponse au plus "
                "tard le 09/05/2028, le silence vaut accord",
                ACTOR,
                {
                    "received_on": "2028-03-08",
                    "reply_deadline": "2028-05-09",
                    "requested_echeance": "2029-12-31",
                    "basis": "réponse dans les 2 mois suivant la réception prouvée de la "
                    "notification ; à défaut, l'accord est réputé acquis",
                    "requested_by": "gestionnaire",
                },
            ),
            phase_changed(
                self.today, Phase.BILAN, Phase.PROROGATION_EN_COURS, "demande de prorogation reçue"
            ),
        ]

    def test_a_requested_echeance_is_kept(self) -> None:
        state = make_state(Phase.EXECUTION)
        result = apply_request_prorogation(
            state, Party.AUTORITE, date(2028, 3, 15), date(2029, 6, 30), self.today, ACTOR
        )
        assert result == PendingProrogation(
            Party.AUTORITE, date(2028, 3, 15), date(2029, 6, 30), date(2028, 5, 15)
        )
        assert state.events[0].details["requested_echeance"] == "2029-06-30"
        assert state.events[0].summary.startswith("demande de prorogation de l'autorité")


# Prorogation answer ----------------------------------------------------------------------------


class TestCheckAnswerProrogation:
    today = date(2028, 5, 20)

    @pytest.mark.parametrize("received_on", [NOTICE, date(2028, 4, 2), REPLY_DEADLINE])
    def test_an_answer_within_the_window_is_accepted(self, received_on: date) -> None:
        check_answer_prorogation(awaiting_reply(), None, received_on, self.today)

    def test_there_must_be_a_pending_request(self) -> None:
        assert refusal(
            lambda: check_answer_prorogation(make_state(), None, NOTICE, self.today)
        ) == ("aucune demande de prorogation en attente de réponse")

    @pytest.mark.parametrize(
        ("requested_by", "answered_by"),
        [(Party.GESTIONNAIRE, Party.AUTORITE), (Party.AUTORITE, Party.GESTIONNAIRE)],
    )
    def test_the_other_party_answers(self, requested_by: Party, answered_by: Party) -> None:
        state = make_state(Phase.PROROGATION_EN_COURS)
        state.pending_prorogation = pending(requested_by=requested_by)
        check_answer_prorogation(state, answered_by, NOTICE, self.today)
        check_answer_prorogation(state, None, NOTICE, self.today)  # the other party, unnamed

    @pytest.mark.parametrize(
        ("requested_by", "message"),
        [
            (
                Party.GESTIONNAIRE,
                "la demande de prorogation du gestionnaire ne peut être acceptée ou refusée que "
                "par l'autorité",
            ),
            (
                Party.AUTORITE,
                "la demande de prorogation de l'autorité ne peut être acceptée ou refusée que "
                "par le gestionnaire",
            ),
        ],
    )
    def test_a_party_cannot_answer_its_own_request(self, requested_by: Party, message: str) -> None:
        state = make_state(Phase.PROROGATION_EN_COURS)
        state.pending_prorogation = pending(requested_by=requested_by)
        before = deepcopy(state)
        assert refusal(
            lambda: check_answer_prorogation(state, requested_by, NOTICE, self.today)
        ) == (message)
        assert state == before

    def test_an_answer_received_in_the_future_is_refused(self) -> None:
        message = refusal(
            lambda: check_answer_prorogation(
                awaiting_reply(), None, date(2028, 4, 2), date(2028, 4, 1)
            )
        )
        assert message == "la réception du 02/04/2028 est dans le futur"

    def test_an_answer_cannot_precede_the_request(self) -> None:
        message = refusal(
            lambda: check_answer_prorogation(awaiting_reply(), None, date(2028, 3, 7), self.today)
        )
        assert message == "la réponse ne peut précéder la demande"

    def test_an_answer_after_the_reply_deadline_comes_too_late(self) -> None:
        message = refusal(
            lambda: check_answer_prorogation(awaiting_reply(), None, date(2028, 5, 10), self.today)
        )
        assert message == (
            "réponse reçue le 10/05/2028, après le dernier jour du délai (09/05/2028) : "
            "l'accord est déjà réputé acquis"
        )


class TestApplyAnswerProrogation:
    def test_an_express_acceptance_moves_the_echeance(self) -> None:
        state = awaiting_reply()
        apply_answer_prorogation(state, True, date(2028, 4, 2), date(2028, 4, 3), ACTOR)
        assert state.pending_prorogation is None
        assert state.terms.prorogations == (Prorogation(NOTICE, date(2028, 4, 2), False, CAP),)
        assert state.terms.current_echeance == CAP
        assert state.refused_prorogation_on is None

    def test_an_express_acceptance_is_logged_and_the_contract_is_prorogued(self) -> None:
        state = awaiting_reply()
        apply_answer_prorogation(state, True, date(2028, 4, 2), date(2028, 4, 3), ACTOR)
        assert state.phase is Phase.PROROGEE
        assert state.events == [
            Event(
                date(2028, 4, 3),
                "prorogation_accepted",
                "prorogation acceptée expressément par l'autorité le 02/04/2028 : nouvelle "
                "échéance le 31/12/2029",
                ACTOR,
                {"tacit": "false", "new_echeance": "2029-12-31", "answered_by": "autorite"},
            ),
            phase_changed(
                date(2028, 4, 3), Phase.PROROGATION_EN_COURS, Phase.PROROGEE, "prorogation acceptée"
            ),
        ]

    def test_a_short_prorogation_leaves_the_contract_in_its_final_year(self) -> None:
        state = awaiting_reply(date(2029, 3, 31))
        apply_answer_prorogation(state, True, date(2028, 4, 2), date(2028, 4, 3), ACTOR)
        assert state.phase is Phase.BILAN

    def test_a_refusal_is_recorded_and_keeps_the_echeance(self) -> None:
        state = awaiting_reply()
        apply_answer_prorogation(state, False, date(2028, 4, 2), date(2028, 4, 3), ACTOR)
        assert state.pending_prorogation is None
        assert state.refused_prorogation_on == date(2028, 4, 2)
        assert state.terms.prorogations == ()
        assert state.terms.current_echeance == ECHEANCE
        assert state.phase is Phase.PROROGATION_EN_COURS
        assert state.events == [
            Event(
                date(2028, 4, 3),
                "prorogation_refused",
                "prorogation refusée par l'autorité le 02/04/2028",
                ACTOR,
                {"answered_by": "autorite"},
            )
        ]

    def test_the_answer_names_the_party_that_gave_it(self) -> None:
        state = make_state(Phase.PROROGATION_EN_COURS)
        state.pending_prorogation = pending(requested_by=Party.AUTORITE)
        apply_answer_prorogation(
            state, False, date(2028, 4, 2), date(2028, 4, 3), ACTOR, Party.GESTIONNAIRE
        )
        assert state.events[0].summary == "prorogation refusée par le gestionnaire le 02/04/2028"
        assert state.events[0].details == {"answered_by": "gestionnaire"}


class TestAcceptTacitly:
    today = date(2028, 5, 10)

    def test_silence_accepts_the_day_after_the_reply_deadline(self) -> None:
        state = awaiting_reply()
        prorogation = accept_tacitly(state, self.today)
        assert prorogation == Prorogation(NOTICE, date(2028, 5, 10), True, CAP)
        assert state.terms.prorogations == (prorogation,)
        assert state.pending_prorogation is None

    def test_the_tacit_acceptance_is_logged_without_actor(self) -> None:
        state = awaiting_reply()
        accept_tacitly(state, self.today)
        assert state.phase is Phase.PROROGEE
        assert state.events == [
            Event(
                self.today,
                "prorogation_accepted",
                "sans réponse au 09/05/2028, la prorogation est réputée acceptée : nouvelle "
                "échéance le 31/12/2029",
                None,
                {"tacit": "true", "new_echeance": "2029-12-31", "reply_deadline": "2028-05-09"},
            ),
            phase_changed(
                self.today, Phase.PROROGATION_EN_COURS, Phase.PROROGEE, "acceptation tacite"
            ),
        ]


# Avenant ---------------------------------------------------------------------------------------


class TestCheckSignAvenant:
    today = date(2028, 9, 1)

    @pytest.mark.parametrize("phase", [Phase.SIGNE, *sorted(IN_FORCE)])
    def test_an_avenant_without_new_echeance_is_accepted_once_signed(self, phase: Phase) -> None:
        check_sign_avenant(make_state(phase), None, self.today, self.today)

    @pytest.mark.parametrize("new_echeance", [date(2029, 1, 1), date(2029, 6, 30), CAP])
    def test_an_avenant_may_move_the_echeance_up_to_six_years(self, new_echeance: date) -> None:
        check_sign_avenant(make_state(Phase.BILAN), new_echeance, date(2028, 8, 30), self.today)

    @pytest.mark.parametrize("phase", sorted(PRE_SIGNATURE))
    def test_an_avenant_before_signature_is_refused(self, phase: Phase) -> None:
        state = make_state(phase, **UNSIGNED)
        assert refusal(lambda: check_sign_avenant(state, None, self.today, self.today)) == (
            "un avenant modifie un contrat signé"
        )

    @pytest.mark.parametrize("summary", ["", "  ", "\n"])
    def test_an_avenant_that_says_nothing_of_what_it_changes_is_refused(self, summary: str) -> None:
        """Found by probing: an avenant with an empty object was signed, its journal entry,
        notice and document saying nothing of what it changed."""
        state = make_state()
        assert refusal(
            lambda: check_sign_avenant(state, None, self.today, self.today, summary=summary)
        ) == ("l'objet de l'avenant est vide : dire ce qu'il modifie")
        check_sign_avenant(state, None, self.today, self.today, summary="Avenant n° 2")

    def test_an_avenant_signed_in_the_future_is_refused(self) -> None:
        message = refusal(
            lambda: check_sign_avenant(make_state(), None, date(2028, 9, 2), self.today)
        )
        assert message == "la date de signature 02/09/2028 est dans le futur"

    @pytest.mark.parametrize(
        ("new_echeance", "shown"),
        [
            (ECHEANCE, "31/12/2028"),
            (date(2028, 10, 31), "31/10/2028"),
            (date(2030, 1, 1), "01/01/2030"),
        ],
        ids=["current_echeance", "earlier", "beyond_six_years"],
    )
    def test_an_avenant_echeance_outside_the_allowed_span_is_refused(
        self, new_echeance: date, shown: str
    ) -> None:
        message = refusal(
            lambda: check_sign_avenant(make_state(), new_echeance, self.today, self.today)
        )
        assert message == (
            f"la nouvelle échéance ({shown}) doit suivre l'échéance actuelle et ne pas "
            "dépasser le 31/12/2029 (6 ans au total)"
        )


class TestApplySignAvenant:
    def test_an_avenant_without_new_echeance_is_only_logged(self) -> None:
        state = make_state(Phase.EXECUTION)
        apply_sign_avenant(
            state, None, date(2026, 2, 1), "objectifs révisés", date(2026, 2, 3), ACTOR
        )
        assert state.terms == make_terms()
        assert state.phase is Phase.EXECUTION
        assert state.events == [
            Event(
                date(2026, 2, 3),
                "avenant_signed",
                "avenant signé le 01/02/2026 : objectifs révisés",
                ACTOR,
                {"signed_on": "2026-02-01", "summary": "objectifs révisés"},
            )
        ]

    def test_an_avenant_of_prorogation_moves_the_echeance_and_the_phase(self) -> None:
        state = make_state(Phase.EXECUTION)
        apply_sign_avenant(
            state, CAP, date(2027, 11, 2), "prorogation d'un an", date(2027, 11, 3), ACTOR
        )
        assert state.terms.prorogations == (
            Prorogation(date(2027, 11, 2), date(2027, 11, 2), False, CAP),
        )
        assert state.phase is Phase.PROROGEE
        assert state.events == [
            Event(
                date(2027, 11, 3),
                "avenant_signed",
                "avenant signé le 02/11/2027 : prorogation d'un an",
                ACTOR,
                {
                    "signed_on": "2027-11-02",
                    "summary": "prorogation d'un an",
                    "new_echeance": "2029-12-31",
                },
            ),
            phase_changed(
                date(2027, 11, 3), Phase.EXECUTION, Phase.PROROGEE, "avenant de prorogation"
            ),
        ]

    def test_an_avenant_that_keeps_the_contract_in_its_final_year_changes_no_phase(self) -> None:
        state = make_state(Phase.BILAN)
        apply_sign_avenant(
            state, date(2029, 3, 31), date(2028, 9, 1), "trois mois", date(2028, 9, 1), ACTOR
        )
        assert state.terms.current_echeance == date(2029, 3, 31)
        assert state.phase is Phase.BILAN
        assert [event.kind for event in state.events] == ["avenant_signed"]


# Dénonciation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sector", "mode", "months"),
    [
        (Sector.SAD, DenonciationMode.MUTUELLE, 3),
        (Sector.SAD, DenonciationMode.MANQUEMENT, None),
        (Sector.ESMS_ARS, DenonciationMode.MUTUELLE, None),
        (Sector.ESMS_ARS, DenonciationMode.MANQUEMENT, 6),
        (Sector.AHI_ETAT, DenonciationMode.MUTUELLE, None),
        (Sector.AHI_ETAT, DenonciationMode.MANQUEMENT, None),
    ],
)
def test_preavis_months_by_preset(
    sector: Sector, mode: DenonciationMode, months: int | None
) -> None:
    assert preavis_months(make_terms(sector=sector), mode) == months


class TestCheckDenounce:
    today = date(2026, 3, 15)

    @pytest.mark.parametrize(
        ("sector", "mode"),
        [(Sector.SAD, DenonciationMode.MUTUELLE), (Sector.ESMS_ARS, DenonciationMode.MANQUEMENT)],
    )
    def test_a_denonciation_the_contract_provides_for_is_accepted(
        self, sector: Sector, mode: DenonciationMode
    ) -> None:
        check_denounce(make_state(sector=sector), mode, self.today, self.today)

    def test_a_signed_contract_not_yet_in_force_may_be_denounced(self) -> None:
        signed = make_state(Phase.SIGNE, signed_on=date(2023, 11, 15))
        check_denounce(signed, DenonciationMode.MUTUELLE, date(2023, 12, 1), date(2023, 12, 1))

    def test_a_second_end_of_contract_is_refused(self) -> None:
        state = make_state()
        state.termination = Termination(
            Phase.DENONCEE, date(2026, 3, 1), date(2026, 5, 31), "dénonciation mutuelle"
        )
        message = refusal(
            lambda: check_denounce(state, DenonciationMode.MUTUELLE, self.today, self.today)
        )
        assert message == "fin du contrat déjà notifiée : dénonciation mutuelle"

    @pytest.mark.parametrize("phase", sorted(PRE_SIGNATURE))
    def test_an_unsigned_contract_cannot_be_denounced(self, phase: Phase) -> None:
        state = make_state(phase, **UNSIGNED)
        message = refusal(
            lambda: check_denounce(state, DenonciationMode.MUTUELLE, self.today, self.today)
        )
        assert message == "seul un contrat signé peut être dénoncé"

    def test_a_notification_in_the_future_is_refused(self) -> None:
        message = refusal(
            lambda: check_denounce(
                make_state(), DenonciationMode.MUTUELLE, date(2026, 3, 16), self.today
            )
        )
        assert message == "la notification du 16/03/2026 est dans le futur"

    @pytest.mark.parametrize(
        ("sector", "mode", "message"),
        [
            (
                Sector.SAD,
                DenonciationMode.MANQUEMENT,
                "le contrat ne prévoit pas de dénonciation pour manquement (préréglage sad)",
            ),
            (
                Sector.ESMS_ARS,
                DenonciationMode.MUTUELLE,
                "le contrat ne prévoit pas de dénonciation d'un commun accord "
                "(préréglage esms-ars)",
            ),
        ],
    )
    def test_a_denonciation_the_contract_does_not_provide_for_is_refused(
        self, sector: Sector, mode: DenonciationMode, message: str
    ) -> None:
        state = make_state(sector=sector)
        assert refusal(lambda: check_denounce(state, mode, self.today, self.today)) == message


class TestApplyDenounce:
    def test_a_mutual_denonciation_runs_through_the_same_day_number_three_months_later(
        self,
    ) -> None:
        # The case: notified on 16 March 2026, in force through 16 June (CPC art. 641),
        # not 15 June.
        state = make_state()
        last_day = apply_denounce(
            state, DenonciationMode.MUTUELLE, date(2026, 3, 16), date(2026, 3, 16), ACTOR
        )
        assert last_day == date(2026, 6, 16)
        assert state.termination == Termination(
            Phase.DENONCEE,
            date(2026, 3, 16),
            date(2026, 6, 16),
            "dénonciation d'un commun accord notifiée le 16/03/2026, préavis de 3 mois",
        )

    def test_a_contract_begun_under_law_1_keeps_its_shorter_count(self) -> None:
        # A run recorded before calendar law 2 must replay as it ran.
        state = make_state()
        state.calendar_law = 1
        last_day = apply_denounce(
            state, DenonciationMode.MUTUELLE, date(2026, 3, 16), date(2026, 3, 16), ACTOR
        )
        assert last_day == date(2026, 6, 15)

    def test_a_denonciation_is_logged_and_the_contract_stays_in_force(self) -> None:
        state = make_state()
        apply_denounce(
            state, DenonciationMode.MUTUELLE, date(2026, 3, 15), date(2026, 3, 16), ACTOR
        )
        assert state.phase is Phase.EXECUTION
        assert state.events == [
            Event(
                date(2026, 3, 16),
                "denonciation_notified",
                "dénonciation d'un commun accord notifiée le 15/03/2026, préavis de 3 mois : "
                "fin du contrat le 15/06/2026",
                ACTOR,
                {"mode": "mutuelle", "ends_on": "2026-06-15", "notified_by": "autorite"},
            )
        ]

    def test_a_denonciation_for_breach_ends_on_the_last_day_of_a_shorter_month(self) -> None:
        # The case: 31 August 2026 + 6 months has no 31st; the préavis expires on
        # 28 February 2027, the month's last day (CPC art. 641), not on 27 February.
        state = make_state(sector=Sector.ESMS_ARS)
        last_day = apply_denounce(
            state, DenonciationMode.MANQUEMENT, date(2026, 8, 31), date(2026, 9, 1), ACTOR
        )
        assert last_day == date(2027, 2, 28)
        assert state.termination is not None
        assert state.termination.reason == (
            "dénonciation pour manquement notifiée le 31/08/2026, préavis de 6 mois"
        )

    def test_a_preavis_running_past_the_echeance_ends_on_the_echeance(self) -> None:
        state = make_state(Phase.BILAN)
        last_day = apply_denounce(
            state, DenonciationMode.MUTUELLE, date(2028, 11, 15), date(2028, 11, 15), ACTOR
        )
        assert last_day == ECHEANCE
        assert state.termination is not None
        assert state.termination.ends_on == ECHEANCE


def proposed_by(party: Party, notified_on: date = date(2026, 3, 10)) -> ContractState:
    # A contract with both kinds of dénonciation: the SAD one, and the ARS one for breach.
    state = make_state(rules={"breach_denonciation_preavis_months": 6})
    apply_propose_denonciation(state, party, notified_on, notified_on, ACTOR)
    return state


class TestMutualDenonciation:
    """A mutual dénonciation is proposed by one party and takes effect once the other accepts."""

    today = date(2026, 3, 20)

    def test_a_proposal_is_pending_and_ends_nothing(self) -> None:
        state = make_state()
        proposal = apply_propose_denonciation(
            state, Party.GESTIONNAIRE, date(2026, 3, 10), date(2026, 3, 11), ACTOR
        )
        assert proposal == PendingDenonciation(Party.GESTIONNAIRE, date(2026, 3, 10))
        assert state.pending_denonciation == proposal
        assert state.termination is None
        assert state.phase is Phase.EXECUTION
        assert state.events == [
            Event(
                date(2026, 3, 11),
                "denonciation_proposed",
                "proposition de dénonciation d'un commun accord du gestionnaire notifiée le "
                "10/03/2026 : sans effet tant que l'autorité ne l'a pas acceptée ; sans réponse, "
                "le contrat continue",
                ACTOR,
                {"proposed_by": "gestionnaire", "notified_on": "2026-03-10"},
            )
        ]

    def test_a_second_proposal_waits_for_the_answer_to_the_first(self) -> None:
        state = proposed_by(Party.AUTORITE)
        message = refusal(
            lambda: check_denounce(state, DenonciationMode.MUTUELLE, self.today, self.today)
        )
        assert message == (
            "une proposition de dénonciation d'un commun accord de l'autorité, notifiée le "
            "10/03/2026, attend déjà la réponse du gestionnaire"
        )

    def test_a_breach_denonciation_may_come_while_a_proposal_waits(self) -> None:
        state = proposed_by(Party.AUTORITE)
        check_denounce(state, DenonciationMode.MANQUEMENT, self.today, self.today)

    @pytest.mark.parametrize(
        ("proposer", "answered_by"),
        [(Party.AUTORITE, Party.GESTIONNAIRE), (Party.GESTIONNAIRE, Party.AUTORITE)],
    )
    def test_the_other_party_accepts_and_the_preavis_runs_from_the_acceptance(
        self, proposer: Party, answered_by: Party
    ) -> None:
        state = proposed_by(proposer)
        check_answer_denonciation(state, answered_by, date(2026, 4, 15), date(2026, 4, 16))
        check_answer_denonciation(state, None, date(2026, 4, 15), date(2026, 4, 16))
        last_day = apply_answer_denonciation(
            state, True, date(2026, 4, 15), date(2026, 4, 16), ACTOR, answered_by
        )
        # Three months from the acceptance of 15 April, not from the proposal of 10 March.
        assert last_day == date(2026, 7, 15)
        reason = (
            f"dénonciation d'un commun accord proposée par {PARTY_LABELS[proposer]} le "
            f"10/03/2026 et acceptée par {PARTY_LABELS[answered_by]} le 15/04/2026, préavis de "
            "3 mois"
        )
        assert state.termination == Termination(
            Phase.DENONCEE, date(2026, 4, 15), date(2026, 7, 15), reason
        )
        assert state.pending_denonciation is None
        assert state.events[-1] == Event(
            date(2026, 4, 16),
            "denonciation_accepted",
            f"{reason} : fin du contrat le 15/07/2026",
            ACTOR,
            {
                "answered_by": answered_by.value,
                "proposed_on": "2026-03-10",
                "received_on": "2026-04-15",
                "mode": "mutuelle",
                "ends_on": "2026-07-15",
            },
        )

    def test_an_unnamed_answer_is_the_other_partys(self) -> None:
        state = proposed_by(Party.AUTORITE)
        apply_answer_denonciation(state, True, date(2026, 3, 12), date(2026, 3, 12), ACTOR)
        assert state.events[-1].details["answered_by"] == "gestionnaire"

    def test_a_refusal_keeps_the_contract_running(self) -> None:
        state = proposed_by(Party.AUTORITE)
        assert (
            apply_answer_denonciation(
                state, False, date(2026, 3, 12), date(2026, 3, 13), ACTOR, Party.GESTIONNAIRE
            )
            is None
        )
        assert state.termination is None
        assert state.pending_denonciation is None
        assert state.phase is Phase.EXECUTION
        assert state.events[-1] == Event(
            date(2026, 3, 13),
            "denonciation_refused",
            "proposition de dénonciation d'un commun accord de l'autorité refusée par le "
            "gestionnaire le 12/03/2026 : le contrat continue",
            ACTOR,
            {
                "answered_by": "gestionnaire",
                "proposed_on": "2026-03-10",
                "received_on": "2026-03-12",
            },
        )
        # Another proposal may then be made.
        check_denounce(state, DenonciationMode.MUTUELLE, self.today, self.today)

    @pytest.mark.parametrize(
        ("proposer", "message"),
        [
            (
                Party.GESTIONNAIRE,
                "la proposition de dénonciation d'un commun accord du gestionnaire ne peut être "
                "acceptée ou refusée que par l'autorité",
            ),
            (
                Party.AUTORITE,
                "la proposition de dénonciation d'un commun accord de l'autorité ne peut être "
                "acceptée ou refusée que par le gestionnaire",
            ),
        ],
    )
    def test_a_party_cannot_accept_its_own_proposal(self, proposer: Party, message: str) -> None:
        state = proposed_by(proposer)
        before = deepcopy(state)
        assert (
            refusal(lambda: check_answer_denonciation(state, proposer, self.today, self.today))
            == message
        )
        assert state == before

    def test_there_must_be_a_proposal(self) -> None:
        message = refusal(
            lambda: check_answer_denonciation(make_state(), None, self.today, self.today)
        )
        assert message == (
            "aucune proposition de dénonciation d'un commun accord en attente de réponse"
        )

    @pytest.mark.parametrize(
        ("received_on", "message"),
        [
            (date(2026, 3, 21), "la réception du 21/03/2026 est dans le futur"),
            (date(2026, 3, 9), "la réponse ne peut précéder la proposition"),
        ],
    )
    def test_an_answer_is_dated_between_the_proposal_and_today(
        self, received_on: date, message: str
    ) -> None:
        state = proposed_by(Party.AUTORITE)
        assert (
            refusal(lambda: check_answer_denonciation(state, None, received_on, self.today))
            == message
        )

    def test_no_answer_once_the_contract_ends_or_its_end_is_notified(self) -> None:
        state = proposed_by(Party.AUTORITE)
        apply_denounce(
            state, DenonciationMode.MUTUELLE, date(2026, 3, 15), date(2026, 3, 15), ACTOR
        )
        assert refusal(
            lambda: check_answer_denonciation(state, None, self.today, self.today)
        ).startswith("fin du contrat déjà notifiée : dénonciation d'un commun accord notifiée")
        state.phase = Phase.DENONCEE
        assert refusal(lambda: check_answer_denonciation(state, None, self.today, self.today)) == (
            "le contrat est dénoncé : plus aucune décision"
        )

    def test_a_breach_denonciation_names_who_notified_it(self) -> None:
        state = make_state(sector=Sector.ESMS_ARS)
        apply_denounce(
            state,
            DenonciationMode.MANQUEMENT,
            date(2025, 8, 31),
            date(2025, 9, 1),
            ACTOR,
            Party.GESTIONNAIRE,
        )
        assert state.events[0].details["notified_by"] == "gestionnaire"


# Résiliation -----------------------------------------------------------------------------------


class TestCheckTerminate:
    today = date(2026, 3, 2)

    @pytest.mark.parametrize(
        ("sector", "reason"),
        [
            (Sector.SAD, ResiliationReason.LIQUIDATION),
            (Sector.SAD, ResiliationReason.MANQUEMENT),
            (Sector.AHI_ETAT, ResiliationReason.MANQUEMENT),
            (Sector.ESMS_ARS, ResiliationReason.LIQUIDATION),
        ],
    )
    def test_a_resiliation_the_contract_allows_is_accepted(
        self, sector: Sector, reason: ResiliationReason
    ) -> None:
        check_terminate(make_state(sector=sector), reason, self.today, self.today)

    def test_a_resiliation_in_the_future_is_refused(self) -> None:
        message = refusal(
            lambda: check_terminate(
                make_state(), ResiliationReason.LIQUIDATION, date(2026, 3, 3), self.today
            )
        )
        assert message == "la date de résiliation 03/03/2026 est dans le futur"

    @pytest.mark.parametrize("phase", sorted(PRE_SIGNATURE))
    def test_an_unsigned_contract_cannot_be_terminated(self, phase: Phase) -> None:
        state = make_state(phase, **UNSIGNED)
        message = refusal(
            lambda: check_terminate(state, ResiliationReason.LIQUIDATION, self.today, self.today)
        )
        assert message == "seul un contrat signé peut être résilié"

    def test_a_resiliation_for_breach_needs_the_contract_to_allow_it(self) -> None:
        state = make_state(sector=Sector.ESMS_ARS)
        message = refusal(
            lambda: check_terminate(state, ResiliationReason.MANQUEMENT, self.today, self.today)
        )
        assert message == (
            "le contrat ne permet pas à l'autorité de le résilier pour manquement ; "
            "utiliser la dénonciation avec préavis"
        )


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        (
            ResiliationReason.LIQUIDATION,
            "liquidation judiciaire : résiliation de plein droit, sans préavis",
        ),
        (ResiliationReason.MANQUEMENT, "résiliation par l'autorité pour manquement"),
    ],
)
def test_a_resiliation_ends_the_contract_on_its_day(reason: ResiliationReason, label: str) -> None:
    state = make_state()
    apply_terminate(state, reason, date(2026, 3, 2), date(2026, 3, 4), ACTOR)
    assert state.termination == Termination(
        Phase.RESILIEE, date(2026, 3, 2), date(2026, 3, 2), label
    )
    assert state.phase is Phase.EXECUTION
    assert state.events == [
        Event(
            date(2026, 3, 4),
            "resiliation",
            f"{label} le 02/03/2026",
            ACTOR,
            {"reason": reason.value},
        )
    ]


def test_a_decision_replaces_the_terms_instead_of_mutating_them() -> None:
    state = awaiting_reply()
    original: ContractTerms = state.terms
    accept_tacitly(state, date(2028, 5, 10))
    assert original.prorogations == ()
    assert state.terms is not original


# Examining documents, opening the renegotiation ----------------------------------------------


def test_documents_are_examined_once_all_received() -> None:
    state = make_state()
    assert refusal(lambda: check_review_documents(state, 2024)) == (
        "les documents de l'exercice 2024 ne sont pas tous reçus : rien à examiner"
    )
    apply_submit_documents(state, 2024, SAD_ITEMS, date(2025, 3, 1), ACTOR)
    check_review_documents(state, 2024)
    apply_review_documents(state, 2024, "", date(2025, 3, 5), ACTOR)
    assert state.reviewed == [2024]
    assert state.events[-1] == Event(
        date(2025, 3, 5),
        "documents_reviewed",
        "documents de l'exercice 2024 examinés",
        ACTOR,
        {"exercise": "2024"},
    )
    assert refusal(lambda: check_review_documents(state, 2024)) == (
        "les documents de l'exercice 2024 sont déjà examinés"
    )
    apply_submit_documents(state, 2025, SAD_ITEMS, date(2026, 3, 1), ACTOR)
    apply_review_documents(state, 2025, "bilan à préciser", date(2026, 3, 5), ACTOR)
    assert state.events[-1].summary == "documents de l'exercice 2025 examinés : bilan à préciser"
    assert state.events[-1].details["observations"] == "bilan à préciser"


def test_the_authority_may_open_the_renegotiation_while_the_contract_is_in_force() -> None:
    state = make_state()
    check_open_renegotiation(state)
    apply_open_renegotiation(state, date(2028, 8, 1), ACTOR)
    assert state.renegotiation_requested_on == date(2028, 8, 1)
    assert state.events[-1].kind == "renegotiation_requested"
    assert refusal(lambda: check_open_renegotiation(state)) == (
        "l'ouverture de la négociation est déjà décidée"
    )


@pytest.mark.parametrize(
    ("prepare", "reason"),
    [
        (
            lambda s: setattr(s, "phase", Phase.NEGOCIATION),
            "la négociation d'un successeur s'ouvre pendant l'exécution",
        ),
        (
            lambda s: setattr(s, "phase", Phase.SIGNE),
            "la négociation d'un successeur s'ouvre pendant l'exécution",
        ),
        (
            lambda s: setattr(s, "successor_reference", "CPOM-35-SAD-2024-R"),
            "la négociation d'un nouveau CPOM est déjà ouverte (CPOM-35-SAD-2024-R)",
        ),
        (
            lambda s: setattr(s, "pending_prorogation", pending()),
            "une demande de prorogation attend sa réponse : y répondre d'abord",
        ),
        (
            lambda s: setattr(
                s, "termination", Termination(Phase.RESILIEE, EFFET, EFFET, "liquidation")
            ),
            "fin du contrat déjà notifiée : liquidation",
        ),
    ],
)
def test_the_renegotiation_cannot_be_opened(
    prepare: Callable[[ContractState], None], reason: str
) -> None:
    state = make_state()
    prepare(state)
    assert refusal(lambda: check_open_renegotiation(state)) == reason


class TestDecisionsThatWouldUndoTheContractsEnd:
    """Found by probing: a contract denounced was prorogued, an avenant left a request open
    that then shortened the contract, a prorogation overlapped the successor, and decisions
    dated years before the contract took effect ended or prorogued it at once."""

    today = date(2026, 12, 5)

    def test_no_prorogation_once_the_end_is_notified(self) -> None:
        state = make_state()
        state.termination = Termination(
            Phase.DENONCEE, date(2026, 12, 2), date(2027, 6, 2), "dénonciation pour manquement"
        )
        message = refusal(
            lambda: check_request_prorogation(state, date(2026, 12, 3), None, self.today)
        )
        assert message.startswith("plus de prorogation : la fin du contrat est déjà notifiée (")
        state.pending_prorogation = pending()
        assert refusal(
            lambda: check_answer_prorogation(state, Party.AUTORITE, date(2026, 12, 4), self.today)
        ).endswith(": la prorogation ne peut plus être acceptée")
        assert refusal(
            lambda: check_sign_avenant(state, CAP, date(2026, 12, 4), self.today)
        ).startswith("plus d'avenant de prorogation : la fin du contrat est déjà notifiée")

    def test_no_avenant_of_another_echeance_while_a_request_awaits_its_answer(self) -> None:
        state = make_state()
        state.pending_prorogation = pending()
        assert refusal(lambda: check_sign_avenant(state, CAP, date(2026, 12, 4), self.today)) == (
            "une demande de prorogation attend sa réponse : y répondre avant de signer un "
            "avenant qui fixe une autre échéance"
        )
        check_sign_avenant(state, None, date(2026, 12, 4), self.today)  # another change

    def test_no_prorogation_once_the_successor_is_open(self) -> None:
        state = make_state()
        state.successor_reference = "CPOM-R"
        assert (
            refusal(lambda: check_request_prorogation(state, date(2026, 12, 3), None, self.today))
            == "plus de prorogation : le contrat qui lui succède (CPOM-R) est déjà ouvert"
        )

    def test_nothing_dated_before_the_contract(self) -> None:
        state = make_state()
        assert refusal(
            lambda: check_request_prorogation(state, date(2023, 6, 1), None, self.today)
        ) == (
            "la réception de la demande du 01/06/2023 précède la date d'effet du contrat "
            "(01/01/2024)"
        )
        assert refusal(
            lambda: check_denounce(state, DenonciationMode.MANQUEMENT, date(2020, 1, 1), self.today)
        ).startswith("la notification du 01/01/2020 précède la date d'effet")
        assert refusal(
            lambda: check_terminate(
                state, ResiliationReason.LIQUIDATION, date(1999, 1, 1), self.today
            )
        ).startswith("la résiliation du 01/01/1999 précède la date d'effet")
        assert refusal(
            lambda: check_sign_avenant(state, None, date(2020, 1, 1), self.today)
        ).startswith("la signature de l'avenant du 01/01/2020 précède la date d'effet")
        signed = make_state(signed_on=date(2023, 11, 15))
        assert (
            refusal(
                lambda: check_terminate(
                    signed, ResiliationReason.LIQUIDATION, date(2023, 11, 1), self.today
                )
            )
            == "la résiliation du 01/11/2023 précède la signature du contrat (15/11/2023)"
        )
