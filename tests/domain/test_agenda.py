"""The agenda of a CPOM: which actions fall due on which local day and hour, for every state.

The contract is Ille-et-Vilaine's 2024–2028 SAD CPOM (`make_terms()`): effect 1 January 2024,
échéance 31 December 2028, 6-year cap 31 December 2029, documents of exercise N due 30 April
N+1, a dialogue de gestion each 30 June, prorogation notice at the latest 30 June 2028.
"""

from datetime import date
from typing import Any, ClassVar

import pytest

from cpom.domain import lifecycle as life
from cpom.domain.agenda import (
    BOTH,
    END_OF_WORKING_DAY,
    REMINDER_HOUR,
    ApplySilence,
    ChangePhase,
    DocumentKind,
    EndContract,
    Generate,
    NoticeKind,
    Notify,
    OpenRenegotiation,
    Planned,
    Recipient,
    SilentRequest,
    due,
    phase_once_acted,
    plan,
)
from cpom.domain.clock import fr, local_instant
from cpom.domain.lifecycle import (
    ContractState,
    Dialogue,
    Party,
    PendingProrogation,
    Phase,
    Termination,
)
from cpom.domain.terms import Prorogation, Sector, Silence
from tests.factories import SAD_ITEMS, make_terms

ECHEANCE = date(2028, 12, 31)
CAP = date(2029, 12, 31)
ALL_MISSING = ", ".join(SAD_ITEMS)
NOTICE = date(2028, 3, 8)
REPLY_DEADLINE = date(2028, 5, 9)  # 8 May 2028 (Victoire 1945) is skipped
SUCCESSOR = "CPOM-35-SAD-2029"


ACTOR_35 = "agent@departement35.example"


def make_state(phase: Phase = Phase.EXECUTION, **changes: Any) -> ContractState:
    return ContractState(make_terms(**changes), phase)


def by_key(state: ContractState) -> dict[str, Planned]:
    return {p.key: p for p in plan(state)}


def keys(planned: list[Planned], prefix: str = "") -> list[str]:
    return [p.key for p in planned if p.key.startswith(prefix)]


def all_documents_submitted(state: ContractState, *exercises: int) -> None:
    for exercise in exercises:
        state.submitted[exercise] = list(SAD_ITEMS)


def test_french_dates() -> None:
    assert fr(date(2028, 5, 9)) == "09/05/2028"


# Before the signature --------------------------------------------------------------------------


def target(day: date, kind: str, label: str, phase: Phase) -> Planned:
    return Planned(
        day,
        REMINDER_HOUR,
        f"cible:{kind}:{day}",
        Notify(
            NoticeKind.PHASE_TARGET_REMINDER,
            (Recipient.AUTORITE,),
            {"target": label, "target_date": fr(day), "phase": phase.value},
        ),
    )


class TestUnsignedContract:
    """The process started on 16 January 2023: cadrage 1 month, diagnostic 3, negotiation 3."""

    unsigned: ClassVar[dict[str, Any]] = {"signed": False, "process_started_on": date(2023, 1, 16)}

    def test_in_cadrage_every_phase_target_is_reminded(self) -> None:
        state = make_state(Phase.CADRAGE, **self.unsigned)
        assert plan(state) == [
            target(date(2023, 2, 16), "cadrage_end", "fin du cadrage", Phase.CADRAGE),
            target(date(2023, 5, 16), "diagnostic_end", "fin du diagnostic partagé", Phase.CADRAGE),
            target(date(2023, 8, 16), "signature_target", "signature du contrat", Phase.CADRAGE),
        ]

    def test_in_diagnostic_the_end_of_cadrage_is_no_longer_reminded(self) -> None:
        state = make_state(Phase.DIAGNOSTIC, **self.unsigned)
        assert plan(state) == [
            target(
                date(2023, 5, 16), "diagnostic_end", "fin du diagnostic partagé", Phase.DIAGNOSTIC
            ),
            target(date(2023, 8, 16), "signature_target", "signature du contrat", Phase.DIAGNOSTIC),
        ]

    def test_in_negotiation_only_the_signature_is_reminded(self) -> None:
        state = make_state(Phase.NEGOCIATION, **self.unsigned)
        assert plan(state) == [
            target(date(2023, 8, 16), "signature_target", "signature du contrat", Phase.NEGOCIATION)
        ]

    def test_without_a_start_of_process_targets_are_counted_back_from_the_effect_date(
        self,
    ) -> None:
        # Signature the day before the effect date, negotiation 3 months, diagnostic 3 months.
        state = make_state(Phase.CADRAGE, signed=False)
        assert plan(state) == [
            target(date(2023, 6, 30), "cadrage_end", "fin du cadrage", Phase.CADRAGE),
            target(date(2023, 9, 30), "diagnostic_end", "fin du diagnostic partagé", Phase.CADRAGE),
            target(date(2023, 12, 31), "signature_target", "signature du contrat", Phase.CADRAGE),
        ]

    def test_phase_durations_come_from_the_contract(self) -> None:
        state = make_state(Phase.CADRAGE, sector=Sector.AHI_ETAT, **self.unsigned)
        # AHI: cadrage 1 month, diagnostic 4, negotiation 4.
        assert [p.day for p in plan(state)] == [
            date(2023, 2, 16),
            date(2023, 6, 16),
            date(2023, 10, 16),
        ]

    def test_a_contract_marked_signe_without_signed_terms_plans_nothing(self) -> None:
        assert plan(make_state(Phase.SIGNE, **self.unsigned)) == []


# Phase changes ---------------------------------------------------------------------------------


class TestPhaseChanges:
    def test_a_signed_contract_enters_execution_at_midnight_on_its_effect_date(self) -> None:
        planned = by_key(make_state(Phase.SIGNE, signed_on=date(2023, 11, 15)))
        assert planned["phase:execution:2024-01-01"] == Planned(
            date(2024, 1, 1),
            0,
            "phase:execution:2024-01-01",
            ChangePhase(Phase.EXECUTION, "date d'effet"),
        )

    def test_the_effect_date_comes_first_in_the_plan_of_a_signed_contract(self) -> None:
        planned = plan(make_state(Phase.SIGNE, signed_on=date(2023, 11, 15)))
        assert planned[0].key == "phase:execution:2024-01-01"

    @pytest.mark.parametrize("phase", [Phase.SIGNE, Phase.EXECUTION])
    def test_the_final_year_starts_twelve_months_before_the_echeance(self, phase: Phase) -> None:
        planned = by_key(make_state(phase))
        assert planned["phase:bilan:2028-01-01"] == Planned(
            date(2028, 1, 1),
            0,
            "phase:bilan:2028-01-01",
            ChangePhase(Phase.BILAN, "dernière année du contrat"),
        )

    def test_a_contract_in_execution_does_not_enter_execution_again(self) -> None:
        assert keys(plan(make_state(Phase.EXECUTION)), "phase:") == ["phase:bilan:2028-01-01"]

    def test_a_prorogued_contract_enters_its_final_year_on_the_new_date(self) -> None:
        prorogation = Prorogation(NOTICE, date(2028, 5, 10), True, CAP)
        state = make_state(Phase.PROROGEE, prorogations=(prorogation,))
        assert keys(plan(state), "phase:") == ["phase:bilan:2029-01-01"]

    @pytest.mark.parametrize(
        "phase", [Phase.BILAN, Phase.PROROGATION_EN_COURS, Phase.RENEGOCIATION]
    )
    def test_no_phase_change_is_planned_from_the_final_year_on(self, phase: Phase) -> None:
        assert keys(plan(make_state(phase)), "phase:") == []


# Annual documents ------------------------------------------------------------------------------


class TestAnnualDocuments:
    """Documents of exercise 2024 are due on 30 April 2025."""

    facts: ClassVar[dict[str, str]] = {
        "exercise": "2024",
        "due": "30/04/2025",
        "missing": ALL_MISSING,
    }

    def test_the_manager_is_reminded_30_and_7_days_before(self) -> None:
        planned = by_key(make_state())
        assert planned["documents:rappel:2024:30"] == Planned(
            date(2025, 3, 31),
            REMINDER_HOUR,
            "documents:rappel:2024:30",
            Notify(
                NoticeKind.DOCUMENTS_REMINDER,
                (Recipient.GESTIONNAIRE,),
                {**self.facts, "days": "30"},
            ),
        )
        assert planned["documents:rappel:2024:7"] == Planned(
            date(2025, 4, 23),
            REMINDER_HOUR,
            "documents:rappel:2024:7",
            Notify(
                NoticeKind.DOCUMENTS_REMINDER,
                (Recipient.GESTIONNAIRE,),
                {**self.facts, "days": "7"},
            ),
        )

    def test_both_parties_get_a_relance_the_day_after_the_due_date(self) -> None:
        assert by_key(make_state())["documents:relance:2024"] == Planned(
            date(2025, 5, 1),
            REMINDER_HOUR,
            "documents:relance:2024",
            Notify(NoticeKind.DOCUMENTS_RELANCE, BOTH, self.facts),
        )

    def test_the_supervisor_gets_an_escalation_15_days_after_the_relance(self) -> None:
        assert by_key(make_state())["documents:escalade:2024"] == Planned(
            date(2025, 5, 16),
            REMINDER_HOUR,
            "documents:escalade:2024",
            Notify(
                NoticeKind.DOCUMENTS_ESCALATION,
                (Recipient.SUPERVISEUR,),
                {**self.facts, "relance": "01/05/2025"},
            ),
        )

    def test_every_exercise_of_the_contract_is_followed(self) -> None:
        planned = plan(make_state())
        assert keys(planned, "documents:relance:") == [
            f"documents:relance:{exercise}" for exercise in range(2024, 2029)
        ]
        assert by_key(make_state())["documents:relance:2028"].day == date(2029, 5, 1)

    def test_reminder_days_and_escalation_delay_come_from_the_contract(self) -> None:
        state = make_state(
            rules={"annual_documents_reminder_days": (60,), "documents_escalation_days": 30}
        )
        planned = plan(state)
        assert [
            (p.day, p.key)
            for p in planned
            if p.key.startswith("documents:") and (p.key.endswith(":2024") or ":2024:" in p.key)
        ] == [
            (date(2025, 3, 1), "documents:rappel:2024:60"),
            (date(2025, 5, 1), "documents:relance:2024"),
            (date(2025, 5, 31), "documents:escalade:2024"),
        ]

    def test_reminders_name_only_the_missing_documents(self) -> None:
        state = make_state()
        state.submitted[2024] = ["rapport_activite", "compte_administratif"]
        relance = by_key(state)["documents:relance:2024"].action
        assert isinstance(relance, Notify)
        assert relance.facts["missing"] == (
            "synthese_fiches_objectifs, bilan_financier, tableau_depenses_recettes"
        )

    def test_reminders_stop_once_every_document_of_the_exercise_is_submitted(self) -> None:
        state = make_state()
        all_documents_submitted(state, 2024)
        planned = plan(state)
        assert [k for k in keys(planned, "documents:") if "2024" in k] == []
        assert keys(planned, "documents:relance:") == [
            f"documents:relance:{exercise}" for exercise in range(2025, 2029)
        ]

    def test_no_document_reminder_once_every_exercise_is_complete(self) -> None:
        state = make_state()
        all_documents_submitted(state, 2024, 2025, 2026, 2027, 2028)
        assert keys(plan(state), "documents:") == []


# Dialogue de gestion ---------------------------------------------------------------------------


def dialogue(year: int, held_on: date, *approved_by: Party) -> Dialogue:
    return Dialogue(
        year,
        held_on,
        ["Département d'Ille-et-Vilaine", "Association Aide à domicile 35"],
        ["objectif 2 atteint", "objectif 3 reporté"],
        list(approved_by),
    )


class TestDialogues:
    """The dialogue of contract year 1 is targeted for 30 June 2024."""

    facts: ClassVar[dict[str, str]] = {"contract_year": "1", "target": "30/06/2024"}

    def test_both_parties_are_convened_21_days_before(self) -> None:
        assert by_key(make_state())["dialogue:convocation:1"] == Planned(
            date(2024, 6, 9),
            REMINDER_HOUR,
            "dialogue:convocation:1",
            Notify(NoticeKind.DIALOGUE_CONVOCATION, BOTH, self.facts),
        )

    def test_the_authority_is_reminded_of_the_releve_7_days_after(self) -> None:
        assert by_key(make_state())["dialogue:releve:1"] == Planned(
            date(2024, 7, 7),
            REMINDER_HOUR,
            "dialogue:releve:1",
            Notify(NoticeKind.RELEVE_REMINDER, (Recipient.AUTORITE,), self.facts),
        )

    def test_every_contract_year_has_its_dialogue(self) -> None:
        planned = plan(make_state())
        assert keys(planned, "dialogue:convocation:") == [
            f"dialogue:convocation:{year}" for year in range(1, 6)
        ]
        assert by_key(make_state())["dialogue:convocation:5"].day == date(2028, 6, 9)

    def test_delays_come_from_the_contract(self) -> None:
        planned = by_key(
            make_state(rules={"dialogue_convocation_days": 30, "releve_reminder_days": 14})
        )
        assert planned["dialogue:convocation:1"].day == date(2024, 5, 31)
        assert planned["dialogue:releve:1"].day == date(2024, 7, 14)

    def test_a_mid_term_cadence_plans_the_mid_term_and_final_dialogues_only(self) -> None:
        # AHI preset: mid-term year ⌊5/2⌋+1 = 3 and the last year, each 30 June.
        planned = plan(make_state(sector=Sector.AHI_ETAT))
        assert [(p.day, p.key) for p in planned if p.key.startswith("dialogue:")] == [
            (date(2026, 6, 9), "dialogue:convocation:3"),
            (date(2026, 7, 7), "dialogue:releve:3"),
            (date(2028, 6, 9), "dialogue:convocation:5"),
            (date(2028, 7, 7), "dialogue:releve:5"),
        ]

    def test_a_recorded_dialogue_is_not_convened_but_its_releve_is_still_awaited(self) -> None:
        state = make_state()
        state.dialogues = [dialogue(1, date(2024, 6, 20))]
        planned = by_key(state)
        assert "dialogue:convocation:1" not in planned
        assert planned["dialogue:releve:1"].day == date(2024, 7, 7)
        assert "dialogue:convocation:2" in planned
        assert keys(plan(state), "document:releve:") == []

    @pytest.mark.parametrize(
        "approved_by",
        [(Party.AUTORITE,), (Party.GESTIONNAIRE,), (Party.AUTORITE, Party.AUTORITE)],
        ids=["authority", "manager", "authority_twice"],
    )
    def test_a_releve_approved_by_one_party_only_is_still_reminded(
        self, approved_by: tuple[Party, ...]
    ) -> None:
        state = make_state()
        state.dialogues = [dialogue(1, date(2024, 6, 20), *approved_by)]
        planned = by_key(state)
        assert "dialogue:releve:1" in planned
        assert "document:releve:1:2024-06-20" not in planned

    def test_a_releve_approved_by_both_parties_is_generated_and_no_longer_reminded(self) -> None:
        state = make_state()
        state.dialogues = [dialogue(1, date(2024, 6, 20), Party.GESTIONNAIRE, Party.AUTORITE)]
        planned = by_key(state)
        assert "dialogue:convocation:1" not in planned
        assert "dialogue:releve:1" not in planned
        assert planned["document:releve:1:2024-06-20"] == Planned(
            date(2024, 6, 20),
            0,
            "document:releve:1:2024-06-20",
            Generate(
                DocumentKind.RELEVE_DE_DECISIONS,
                {
                    "contract_year": "1",
                    "held_on": "20/06/2024",
                    "participants": "Département d'Ille-et-Vilaine\nAssociation Aide à domicile 35",
                    "decisions": "objectif 2 atteint\nobjectif 3 reporté",
                },
            ),
        )

    def test_each_approved_dialogue_has_its_own_releve(self) -> None:
        state = make_state()
        state.dialogues = [
            dialogue(1, date(2024, 6, 20), Party.GESTIONNAIRE, Party.AUTORITE),
            dialogue(2, date(2025, 6, 18), Party.AUTORITE, Party.GESTIONNAIRE),
        ]
        planned = plan(state)
        assert keys(planned, "document:releve:") == [
            "document:releve:1:2024-06-20",
            "document:releve:2:2025-06-18",
        ]
        assert keys(planned, "dialogue:") == [
            key
            for year in range(3, 6)
            for key in (f"dialogue:convocation:{year}", f"dialogue:releve:{year}")
        ]


# End of the contract's final year --------------------------------------------------------------


def test_the_manager_is_reminded_of_the_final_execution_report_30_days_before() -> None:
    assert by_key(make_state())["rapport_execution:2028-04-30"] == Planned(
        date(2028, 3, 31),
        REMINDER_HOUR,
        "rapport_execution:2028-04-30",
        Notify(NoticeKind.FINAL_REPORT_REMINDER, (Recipient.GESTIONNAIRE,), {"due": "30/04/2028"}),
    )


def test_both_parties_prepare_the_renewal_twelve_months_before_the_echeance() -> None:
    assert by_key(make_state())["renouvellement:preparation:2028-12-31"] == Planned(
        date(2027, 12, 31),
        REMINDER_HOUR,
        "renouvellement:preparation:2028-12-31",
        Notify(
            NoticeKind.RENEWAL_PREPARATION,
            BOTH,
            {
                "echeance": "31/12/2028",
                "basis": "bilan et préparation du renouvellement 12 mois avant l'échéance "
                "(durée indicative) ; recommandation des guides méthodologiques, sans valeur "
                "contraignante",
            },
        ),
    )


# Prorogation awaiting an answer ----------------------------------------------------------------


def awaiting_reply(requested_by: Party = Party.GESTIONNAIRE) -> ContractState:
    state = make_state(Phase.PROROGATION_EN_COURS)
    state.pending_prorogation = PendingProrogation(requested_by, NOTICE, CAP, REPLY_DEADLINE)
    return state


class TestPendingProrogation:
    facts: ClassVar[dict[str, str]] = {
        "received_on": "08/03/2028",
        "reply_deadline": "09/05/2028",
        "requested_echeance": "31/12/2029",
        "requested_by": "gestionnaire",
    }

    def test_both_parties_are_told_of_the_receipt_on_its_day(self) -> None:
        assert by_key(awaiting_reply())["prorogation:demande:2028-03-08"] == Planned(
            NOTICE,
            0,
            "prorogation:demande:2028-03-08",
            Notify(NoticeKind.PROROGATION_REQUESTED, BOTH, self.facts),
        )

    def test_the_other_party_is_reminded_to_reply_7_days_before_the_deadline(self) -> None:
        assert by_key(awaiting_reply())["prorogation:rappel_reponse:2028-03-08"] == Planned(
            date(2028, 5, 2),
            REMINDER_HOUR,
            "prorogation:rappel_reponse:2028-03-08",
            Notify(NoticeKind.PROROGATION_REPLY_REMINDER, (Recipient.AUTORITE,), self.facts),
        )

    def test_a_request_of_the_authority_reminds_the_manager(self) -> None:
        reminder = by_key(awaiting_reply(Party.AUTORITE))["prorogation:rappel_reponse:2028-03-08"]
        assert reminder.action == Notify(
            NoticeKind.PROROGATION_REPLY_REMINDER,
            (Recipient.GESTIONNAIRE,),
            {**self.facts, "requested_by": "autorite"},
        )

    def test_silence_is_accepted_at_midnight_the_day_after_the_reply_deadline(self) -> None:
        assert by_key(awaiting_reply())["prorogation:tacite:2028-03-08"] == Planned(
            date(2028, 5, 10),
            0,
            "prorogation:tacite:2028-03-08",
            ApplySilence(SilentRequest.PROROGATION, "2028-03-08", REPLY_DEADLINE, Silence.ACCEPT),
        )

    def test_no_renegotiation_nor_notice_reminder_while_an_answer_is_awaited(self) -> None:
        planned = by_key(awaiting_reply())
        assert "renegociation" not in planned
        assert "prorogation:rappel:2028-12-31" not in planned
        assert keys(plan(awaiting_reply()), "prorogation:") == [
            "prorogation:demande:2028-03-08",
            "prorogation:rappel_reponse:2028-03-08",
            "prorogation:tacite:2028-03-08",
        ]


# Accepted prorogations -------------------------------------------------------------------------


class TestAcceptedProrogations:
    express = Prorogation(NOTICE, date(2028, 4, 2), False, CAP)
    tacit = Prorogation(NOTICE, date(2028, 5, 10), True, CAP)

    def facts(self, prorogation: Prorogation) -> dict[str, str]:
        return {
            "previous_echeance": "31/12/2028",
            "new_echeance": "31/12/2029",
            "notice_received_on": "08/03/2028",
            "accepted_on": fr(prorogation.accepted_on),
            "tacit": "oui" if prorogation.tacit else "non",
        }

    def test_an_express_acceptance_is_notified_and_its_avenant_generated(self) -> None:
        state = make_state(Phase.PROROGEE, prorogations=(self.express,))
        facts = self.facts(self.express)
        assert [p for p in plan(state) if p.day == date(2028, 4, 2)] == [
            Planned(
                date(2028, 4, 2),
                0,
                "document:avenant:0",
                Generate(DocumentKind.AVENANT_PROROGATION, facts),
            ),
            Planned(
                date(2028, 4, 2),
                0,
                "prorogation:acceptee:0",
                Notify(NoticeKind.PROROGATION_ACCEPTED, BOTH, facts),
            ),
        ]
        assert facts["tacit"] == "non"

    def test_a_tacit_acceptance_also_gets_its_attestation(self) -> None:
        state = make_state(Phase.PROROGEE, prorogations=(self.tacit,))
        facts = self.facts(self.tacit)
        assert facts["tacit"] == "oui"
        assert [p for p in plan(state) if p.day == date(2028, 5, 10)] == [
            Planned(
                date(2028, 5, 10),
                0,
                "document:attestation:0",
                Generate(DocumentKind.ATTESTATION_ACCEPTATION_TACITE, facts),
            ),
            Planned(
                date(2028, 5, 10),
                0,
                "document:avenant:0",
                Generate(DocumentKind.AVENANT_PROROGATION, facts),
            ),
            Planned(
                date(2028, 5, 10),
                0,
                "prorogation:acceptee:0",
                Notify(NoticeKind.PROROGATION_ACCEPTED, BOTH, facts),
            ),
        ]

    def test_each_prorogation_starts_from_the_echeance_the_previous_one_set(self) -> None:
        first = Prorogation(NOTICE, date(2028, 5, 10), True, date(2029, 6, 30))
        second = Prorogation(date(2028, 12, 15), date(2029, 1, 10), False, CAP)
        state = make_state(Phase.PROROGEE, prorogations=(first, second))
        planned = by_key(state)
        assert "document:attestation:1" not in planned
        avenant = planned["document:avenant:1"]
        assert avenant.day == date(2029, 1, 10)
        assert avenant.action == Generate(
            DocumentKind.AVENANT_PROROGATION,
            {
                "previous_echeance": "30/06/2029",
                "new_echeance": "31/12/2029",
                "notice_received_on": "15/12/2028",
                "accepted_on": "10/01/2029",
                "tacit": "non",
            },
        )
        first_facts = planned["document:avenant:0"].action
        assert isinstance(first_facts, Generate)
        assert first_facts.facts["previous_echeance"] == "31/12/2028"
        assert first_facts.facts["new_echeance"] == "30/06/2029"

    def test_a_prorogation_moves_the_end_of_the_contract(self) -> None:
        planned = by_key(make_state(Phase.PROROGEE, prorogations=(self.tacit,)))
        assert planned["fin:phase:2029-12-31"].day == date(2030, 1, 1)
        assert "fin:phase:2028-12-31" not in planned
        assert planned["renouvellement:preparation:2029-12-31"].day == date(2028, 12, 31)
        assert planned["rapport_execution:2029-04-30"].day == date(2029, 3, 31)
        assert keys(plan(make_state(Phase.PROROGEE, prorogations=(self.tacit,))), "dialogue:c") == [
            f"dialogue:convocation:{year}" for year in range(1, 7)
        ]


# Renegotiation ---------------------------------------------------------------------------------


class TestRenegotiation:
    def test_both_parties_are_reminded_two_months_before_the_notice_deadline(self) -> None:
        assert by_key(make_state())["prorogation:rappel:2028-12-31"] == Planned(
            date(2028, 4, 30),
            REMINDER_HOUR,
            "prorogation:rappel:2028-12-31",
            Notify(
                NoticeKind.PROROGATION_NOTICE_REMINDER,
                BOTH,
                {
                    "notice_deadline": "30/06/2028",
                    "echeance": "31/12/2028",
                    "echeance_max": "31/12/2029",
                },
            ),
        )

    def test_without_notice_renegotiation_opens_at_the_end_of_the_notice_deadline(self) -> None:
        # SAD: notice and renegotiation both "au plus tard six mois avant l'échéance", i.e.
        # 30 June 2028; a notice may still arrive that day, so the renegotiation opens at the end
        # of that working day, not on 1 July.
        assert by_key(make_state())["renegociation"] == Planned(
            date(2028, 6, 30),
            END_OF_WORKING_DAY,
            "renegociation",
            OpenRenegotiation("aucune demande de prorogation reçue au 30/06/2028"),
        )

    def test_under_law_1_renegotiation_opened_the_day_after(self) -> None:
        # A run begun before calendar law 2 replays as it ran.
        state = make_state()
        state.calendar_law = 1
        assert by_key(state)["renegociation"] == Planned(
            date(2028, 7, 1),
            0,
            "renegociation",
            OpenRenegotiation("aucune demande de prorogation reçue au 30/06/2028"),
        )

    def test_renegotiation_opens_at_its_own_date_when_it_comes_after_the_notice_deadline(
        self,
    ) -> None:
        # ARS notice 12 months before (31 December 2027), renegotiation 6 months before.
        state = make_state(sector=Sector.ESMS_ARS, rules={"renegotiation_start_months": 6})
        planned = by_key(state)
        assert planned["prorogation:rappel:2028-12-31"].day == date(2027, 10, 31)
        assert planned["renegociation"] == Planned(
            date(2028, 6, 30),
            END_OF_WORKING_DAY,
            "renegociation",
            OpenRenegotiation("aucune demande de prorogation reçue au 31/12/2027"),
        )

    def test_once_the_cap_is_reached_renegotiation_opens_at_renegotiation_start(self) -> None:
        prorogation = Prorogation(NOTICE, date(2028, 5, 10), True, CAP)
        planned = by_key(make_state(Phase.PROROGEE, prorogations=(prorogation,)))
        assert planned["renegociation"] == Planned(
            date(2029, 6, 30),
            END_OF_WORKING_DAY,
            "renegociation",
            OpenRenegotiation("durée maximale atteinte, pas de prorogation possible"),
        )
        assert keys(list(planned.values()), "prorogation:rappel") == []

    def test_a_refusal_opens_the_renegotiation_at_once(self) -> None:
        state = make_state(Phase.PROROGATION_EN_COURS)
        state.refused_prorogation_on = date(2028, 4, 2)
        planned = by_key(state)
        assert planned["renegociation"] == Planned(
            date(2028, 4, 2), 0, "renegociation", OpenRenegotiation("refus de la prorogation")
        )
        assert "prorogation:rappel:2028-12-31" not in planned

    def test_an_opened_renegotiation_is_notified_to_both_parties(self) -> None:
        state = make_state(Phase.RENEGOCIATION)
        state.renegotiation_opened_on = date(2028, 7, 1)
        planned = by_key(state)
        assert planned["renegociation:avis"] == Planned(
            date(2028, 7, 1),
            0,
            "renegociation:avis",
            Notify(
                NoticeKind.RENEGOTIATION_OPENED,
                BOTH,
                {"successor": "", "echeance": "31/12/2028", "opened_on": "01/07/2028"},
            ),
        )
        assert "renegociation" not in planned
        assert "prorogation:rappel:2028-12-31" not in planned

    def test_the_renegotiation_notice_names_the_successor_once_known(self) -> None:
        state = make_state(Phase.RENEGOCIATION)
        state.renegotiation_opened_on = date(2028, 4, 2)
        state.refused_prorogation_on = date(2028, 4, 2)
        state.successor_reference = SUCCESSOR
        planned = by_key(state)
        action = planned["renegociation:avis"].action
        assert isinstance(action, Notify)
        assert action.facts["successor"] == SUCCESSOR
        assert "renegociation" not in planned


# End of the contract ---------------------------------------------------------------------------


class TestEnd:
    def test_at_the_echeance_the_contract_ends_at_midnight_the_next_day(self) -> None:
        planned = by_key(make_state())
        assert planned["fin:2028-12-31"] == Planned(
            date(2029, 1, 1),
            0,
            "fin:2028-12-31",
            Notify(
                NoticeKind.CONTRACT_ENDED,
                BOTH,
                {"ended_on": "31/12/2028", "reason": "échéance atteinte"},
            ),
        )
        assert planned["fin:phase:2028-12-31"] == Planned(
            date(2029, 1, 1),
            0,
            "fin:phase:2028-12-31",
            EndContract(Phase.ECHUE, "échéance atteinte"),
        )

    def test_a_contract_with_a_successor_is_renewed_at_its_echeance(self) -> None:
        state = make_state(Phase.RENEGOCIATION)
        state.successor_reference = SUCCESSOR
        planned = by_key(state)
        why = "échéance atteinte, relais pris par le CPOM CPOM-35-SAD-2029"
        assert planned["fin:phase:2028-12-31"].action == EndContract(Phase.RENOUVELEE, why)
        assert planned["fin:2028-12-31"].action == Notify(
            NoticeKind.CONTRACT_ENDED, BOTH, {"ended_on": "31/12/2028", "reason": why}
        )

    def test_a_denonciation_is_notified_and_ends_the_contract_after_its_preavis(self) -> None:
        reason = "dénonciation d'un commun accord notifiée le 15/03/2026, préavis de 3 mois"
        state = make_state()
        state.termination = Termination(
            Phase.DENONCEE, date(2026, 3, 15), date(2026, 6, 14), reason
        )
        facts = {"ends_on": "14/06/2026", "reason": reason}
        assert plan(state) == [
            Planned(
                date(2026, 3, 15),
                0,
                "denonciation:2026-03-15",
                Notify(NoticeKind.DENONCIATION_NOTIFIED, BOTH, facts),
            ),
            Planned(
                date(2026, 6, 15),
                0,
                "fin:2026-06-14",
                Notify(
                    NoticeKind.CONTRACT_ENDED, BOTH, {"ended_on": "14/06/2026", "reason": reason}
                ),
            ),
            Planned(
                date(2026, 6, 15), 0, "fin:phase:2026-06-14", EndContract(Phase.DENONCEE, reason)
            ),
            Planned(
                date(2028, 1, 1),
                0,
                "phase:bilan:2028-01-01",
                ChangePhase(Phase.BILAN, "dernière année du contrat"),
            ),
        ]

    def test_a_resiliation_ends_the_contract_at_midnight_on_its_day(self) -> None:
        reason = "liquidation judiciaire : résiliation de plein droit, sans préavis"
        state = make_state()
        state.termination = Termination(Phase.RESILIEE, date(2026, 3, 2), date(2026, 3, 2), reason)
        planned = plan(state)
        assert [(p.day, p.hour, p.key) for p in planned] == [
            (date(2026, 3, 2), 0, "fin:2026-03-02"),
            (date(2026, 3, 2), 0, "fin:phase:2026-03-02"),
            (date(2028, 1, 1), 0, "phase:bilan:2028-01-01"),
        ]
        assert planned[1].action == EndContract(Phase.RESILIEE, reason)

    def test_a_contract_stopped_early_keeps_its_pending_prorogation_documents(self) -> None:
        prorogation = Prorogation(NOTICE, date(2028, 4, 2), False, CAP)
        state = make_state(Phase.PROROGEE, prorogations=(prorogation,))
        state.termination = Termination(
            Phase.RESILIEE, date(2028, 9, 1), date(2028, 9, 1), "résiliation"
        )
        assert keys(plan(state)) == [
            "document:avenant:0",
            "prorogation:acceptee:0",
            "fin:2028-09-01",
            "fin:phase:2028-09-01",
            "phase:bilan:2029-01-01",
        ]


class TestEndedContract:
    def test_an_expired_contract_keeps_only_the_documents_of_its_last_exercise(self) -> None:
        state = make_state(Phase.ECHUE)
        all_documents_submitted(state, 2024, 2025, 2026, 2027)
        assert [(p.day, p.key) for p in plan(state)] == [
            (date(2029, 3, 31), "documents:rappel:2028:30"),
            (date(2029, 4, 23), "documents:rappel:2028:7"),
            (date(2029, 5, 1), "documents:relance:2028"),
            (date(2029, 5, 16), "documents:escalade:2028"),
        ]

    @pytest.mark.parametrize("phase", [Phase.ECHUE, Phase.RENOUVELEE])
    def test_an_ended_contract_plans_no_dialogue_phase_change_renegotiation_or_end(
        self, phase: Phase
    ) -> None:
        state = make_state(phase)
        state.successor_reference = SUCCESSOR
        assert {p.key.split(":")[0] for p in plan(state)} == {"documents"}

    def test_an_ended_contract_still_generates_its_prorogation_documents(self) -> None:
        prorogation = Prorogation(NOTICE, date(2028, 5, 10), True, CAP)
        state = make_state(Phase.ECHUE, prorogations=(prorogation,))
        all_documents_submitted(state, 2024, 2025, 2026, 2027, 2028, 2029)
        assert keys(plan(state)) == [
            "document:attestation:0",
            "document:avenant:0",
            "prorogation:acceptee:0",
        ]

    @pytest.mark.parametrize(
        ("phase", "termination"),
        [
            (
                Phase.DENONCEE,
                Termination(Phase.DENONCEE, date(2026, 3, 15), date(2026, 6, 14), "dénonciation"),
            ),
            (
                Phase.RESILIEE,
                Termination(Phase.RESILIEE, date(2026, 3, 2), date(2026, 3, 2), "résiliation"),
            ),
        ],
    )
    def test_a_contract_ended_early_plans_nothing_more(
        self, phase: Phase, termination: Termination
    ) -> None:
        state = make_state(phase)
        state.termination = termination
        assert plan(state) == []


# Done keys, order and due() --------------------------------------------------------------------


def test_actions_already_done_are_left_out() -> None:
    state = make_state()
    state.done = {"dialogue:convocation:1", "documents:rappel:2024:30", "renegociation"}
    planned = keys(plan(state))
    assert "dialogue:convocation:1" not in planned
    assert "documents:rappel:2024:30" not in planned
    assert "renegociation" not in planned
    assert planned[:4] == [
        "tarification:rappel:2024",
        "dialogue:releve:1",
        "tarification:rappel:2025",
        "documents:rappel:2024:7",
    ]


def test_the_plan_is_sorted_by_day_then_hour_then_key() -> None:
    planned = plan(make_state(Phase.SIGNE))
    assert planned == sorted(planned, key=lambda p: (p.day, p.hour, p.key))
    on_31_march_2028 = [p.key for p in planned if p.day == date(2028, 3, 31)]
    assert on_31_march_2028 == ["documents:rappel:2027:30", "rapport_execution:2028-04-30"]
    on_1_january_2029 = [p.key for p in planned if p.day == date(2029, 1, 1)]
    assert on_1_january_2029 == ["fin:2028-12-31", "fin:phase:2028-12-31"]


def test_the_whole_plan_of_a_contract_in_its_first_year() -> None:
    planned = plan(make_state())
    assert [(p.day, p.hour, p.key) for p in planned][:10] == [
        # The Département reminded of its yearly arrêté tarifaire, a month before its target.
        (date(2024, 3, 1), 8, "tarification:rappel:2024"),
        (date(2024, 6, 9), 8, "dialogue:convocation:1"),
        (date(2024, 7, 7), 8, "dialogue:releve:1"),
        (date(2025, 3, 1), 8, "tarification:rappel:2025"),
        (date(2025, 3, 31), 8, "documents:rappel:2024:30"),
        (date(2025, 4, 23), 8, "documents:rappel:2024:7"),
        (date(2025, 5, 1), 8, "documents:relance:2024"),
        (date(2025, 5, 16), 8, "documents:escalade:2024"),
        (date(2025, 6, 9), 8, "dialogue:convocation:2"),
        (date(2025, 7, 7), 8, "dialogue:releve:2"),
    ]
    # Five years of dialogues (2 each), documents (4 each) and tarification reminders (1 each),
    # then the final-year bilan, the execution report, the renewal, the notice reminder, the
    # renegotiation and the end (2).
    assert len(planned) == 5 * 2 + 5 * 4 + 5 + 7


def tarified_state(phase: Phase = Phase.EXECUTION) -> ContractState:
    """A contract whose yearly tarification acts are all recorded: no reminder of them."""
    state = make_state(phase)
    state.resources_notified = {year: date(year, 1, 15) for year in range(2024, 2029)}
    return state


class TestDue:
    def test_nothing_is_due_before_the_first_action(self) -> None:
        assert due(tarified_state(), date(2024, 6, 8), 23) == []

    def test_a_reminder_is_not_due_before_its_hour(self) -> None:
        assert due(tarified_state(), date(2024, 6, 9), REMINDER_HOUR - 1) == []

    def test_a_reminder_is_due_from_its_hour(self) -> None:
        assert keys(due(tarified_state(), date(2024, 6, 9), REMINDER_HOUR)) == [
            "dialogue:convocation:1"
        ]

    def test_an_action_of_an_earlier_day_is_due_at_any_hour(self) -> None:
        assert keys(due(tarified_state(), date(2024, 6, 10), 0)) == ["dialogue:convocation:1"]

    def test_midnight_actions_are_due_at_hour_zero(self) -> None:
        state = tarified_state(Phase.SIGNE)
        assert keys(due(state, date(2024, 1, 1), 0)) == ["phase:execution:2024-01-01"]
        assert due(state, date(2023, 12, 31), 23) == []

    def test_every_overdue_action_is_due_in_plan_order(self) -> None:
        assert keys(due(tarified_state(), date(2025, 4, 23), REMINDER_HOUR)) == [
            "dialogue:convocation:1",
            "dialogue:releve:1",
            "documents:rappel:2024:30",
            "documents:rappel:2024:7",
        ]

    def test_done_actions_are_never_due(self) -> None:
        state = tarified_state()
        state.done = {"dialogue:convocation:1"}
        assert keys(due(state, date(2024, 7, 7), REMINDER_HOUR)) == ["dialogue:releve:1"]


def test_the_renegotiation_opens_the_day_the_authority_decides_it() -> None:
    state = make_state()
    state.done.add("renegociation")  # its day passed before the contract was imported
    assert "renegociation" not in by_key(state)
    state.renegotiation_requested_on = date(2028, 8, 1)
    decided = by_key(state)["renegociation:decidee"]
    assert (decided.day, decided.hour) == (date(2028, 8, 1), 0)
    assert decided.action == OpenRenegotiation("ouverture décidée par l'autorité")
    state.renegotiation_opened_on = date(2028, 8, 1)
    assert "renegociation:decidee" not in by_key(state)


def test_a_decisions_answer_gives_the_phase_once_what_it_makes_due_is_done() -> None:
    """Found by probing: a refused prorogation answered « prorogation_en_cours », a résiliation
    dated today « execution »."""
    day = date(2025, 3, 3)
    now = local_instant(day, 10)

    def lived() -> ContractState:
        # As its workflow leaves it on that day: what fell due before is done.
        state = make_state(Phase.EXECUTION)
        state.done.update(p.key for p in plan(state) if local_instant(p.day, p.hour) <= now)
        return state

    state = lived()
    assert phase_once_acted(state, now) is Phase.EXECUTION  # nothing due changes it
    life.apply_request_prorogation(state, Party.GESTIONNAIRE, day, None, day, ACTOR_35)
    life.apply_answer_prorogation(state, False, day, day, ACTOR_35, Party.AUTORITE)
    assert state.phase is Phase.PROROGATION_EN_COURS
    assert phase_once_acted(state, now) is Phase.RENEGOCIATION
    ended = lived()
    life.apply_terminate(ended, life.ResiliationReason.MANQUEMENT, day, day, ACTOR_35)
    assert phase_once_acted(ended, now) is Phase.RESILIEE
    # A résiliation dated later: the contract runs until then.
    later = lived()
    life.apply_terminate(later, life.ResiliationReason.MANQUEMENT, date(2025, 4, 1), day, ACTOR_35)
    assert phase_once_acted(later, now) is Phase.EXECUTION
    # Ended, once its end is performed: nothing left to do.
    life.change_phase(ended, Phase.RESILIEE, day, "résiliation")
    ended.done.update(p.key for p in plan(ended))
    assert phase_once_acted(ended, now) is Phase.RESILIEE
