"""The live agenda: where a contract stands, step by step, as its state says.

The contract is Ille-et-Vilaine's 2024–2028 SAD CPOM (`make_terms()`): effect 1 January 2024,
échéance 31 December 2028, documents of exercise N due 30 April N+1, a dialogue de gestion each
30 June, prorogation notice at the latest 30 June 2028, reply within 2 months (target 1 month).
"""

from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cpom.domain import lifecycle as life
from cpom.domain.agenda import plan
from cpom.domain.agenda_items import AgendaSummary, is_moot, summary_of
from cpom.domain.lifecycle import ContractState, Party, Phase
from cpom.domain.live_agenda import (
    AgendaItem,
    AgendaKind,
    Status,
    at_risk,
    is_deadline,
    live_agenda,
    missed_obligations,
    missed_on_import,
    nature,
    next_deadline,
    overdue_since,
    status_on,
)
from cpom.domain.terms import Sector, Silence
from tests.factories import SAD_ITEMS, make_terms

AGENT = "Marie Dupont (agent)"
DIRECTION = "Sophie Bernard (gestionnaire)"


def state(phase: Phase = Phase.EXECUTION, **changes: Any) -> ContractState:
    return ContractState(make_terms(**changes), phase)


def items(contract: ContractState) -> dict[str, AgendaItem]:
    return {item.key: item for item in live_agenda(contract)}


def of_kind(contract: ContractState, kind: str) -> list[AgendaItem]:
    return [item for item in live_agenda(contract) if item.kind == kind]


def test_annual_documents_are_awaited_from_the_gestionnaire_from_the_next_year() -> None:
    documents = items(state())["documents:2024"]
    assert (documents.day, documents.opens_on) == (date(2025, 4, 30), date(2025, 1, 1))
    assert (documents.waiting_for, documents.action) == (Party.GESTIONNAIRE, "submit_documents")
    assert documents.obligation
    assert nature(documents) == "délai légal"
    assert status_on(documents, date(2024, 12, 31)) is Status.UPCOMING
    assert status_on(documents, date(2025, 1, 1)) is Status.PENDING
    assert status_on(documents, date(2025, 4, 30)) is Status.PENDING  # until the end of its day
    assert status_on(documents, date(2025, 5, 1)) is Status.MISSED
    assert documents.consequence == (
        "sans toutes les pièces au 30/04/2025 : relance le 01/05/2025, puis signalement au "
        "superviseur le 16/05/2025"
    )


def test_documents_are_done_when_the_last_piece_arrives_and_then_to_examine() -> None:
    contract = state()
    life.apply_submit_documents(contract, 2024, SAD_ITEMS[:2], date(2025, 3, 2), DIRECTION)
    assert items(contract)["documents:2024"].done_on is None
    assert "documents:examen:2024" not in items(contract)
    life.apply_submit_documents(contract, 2024, SAD_ITEMS[2:], date(2025, 3, 9), DIRECTION)
    documents = items(contract)["documents:2024"]
    assert (documents.done_on, documents.done_by) == (date(2025, 3, 9), DIRECTION)
    assert status_on(documents, date(2025, 6, 1)) is Status.DONE
    review = items(contract)["documents:examen:2024"]
    assert (review.day, review.waiting_for, review.action) == (
        date(2025, 4, 8),
        Party.AUTORITE,
        "review_documents",
    )
    assert not review.obligation
    assert nature(review) == "cible"
    life.check_review_documents(contract, 2024)
    life.apply_review_documents(contract, 2024, "pièces conformes", date(2025, 3, 20), AGENT)
    review = items(contract)["documents:examen:2024"]
    assert (review.done_on, review.done_by, review.outcome) == (
        date(2025, 3, 20),
        AGENT,
        "pièces conformes",
    )


def test_documents_known_as_received_without_their_event_are_done() -> None:
    contract = state()
    contract.submitted[2024] = list(SAD_ITEMS)
    assert items(contract)["documents:2024"].done_on == date(2025, 4, 30)


def test_a_pending_prorogation_shows_its_reply_deadline_and_the_day_silence_accepts() -> None:
    contract = state()
    contract.declared_up_to_date_on = date(2028, 5, 1)  # nothing else open
    life.apply_request_prorogation(
        contract, Party.GESTIONNAIRE, date(2028, 3, 8), None, date(2028, 3, 8), AGENT
    )
    agenda = items(contract)
    reply = agenda["prorogation_reply_deadline:2028-05-09"]  # 8 May 2028 is a holiday
    assert (reply.waiting_for, reply.action, reply.opens_on) == (
        Party.AUTORITE,
        "answer_prorogation",
        date(2028, 3, 8),
    )
    assert (reply.on_silence, reply.silence_on) == (Silence.ACCEPT, date(2028, 5, 10))
    assert reply.consequence == (
        "sans réponse de l'autorité au 09/05/2028, le silence vaut accord : la prorogation est "
        "acquise le 10/05/2028 et l'échéance portée au 31/12/2029"
    )
    assert status_on(reply, date(2028, 5, 9)) is Status.PENDING
    assert status_on(reply, date(2028, 5, 10)) is Status.MISSED
    tacit = agenda["tacit_acceptance:2028-05-10"]
    assert nature(tacit) == "date"
    assert "échéance portée au 31/12/2029" in (tacit.consequence or "")
    target = agenda["prorogation_reply_target:2028-04-10"]  # 8 April is a Saturday
    assert (target.awaited, target.waiting_for, target.action) == (True, Party.AUTORITE, None)
    notice = agenda["prorogation_notice_deadline:2028-06-30"]
    assert (notice.done_on, notice.done_by) == (date(2028, 3, 8), AGENT)
    received = agenda["prorogation_notice_received:2028-03-08"]
    assert (received.done_on, received.done_by) == (date(2028, 3, 8), AGENT)
    upcoming = next_deadline(live_agenda(contract), date(2028, 5, 2))
    assert upcoming is not None
    assert (upcoming.day, upcoming.kind) == (date(2028, 5, 9), "prorogation_reply_deadline")


def test_silence_accepts_and_the_avenant_is_then_to_sign() -> None:
    contract = state()
    life.apply_request_prorogation(
        contract, Party.GESTIONNAIRE, date(2028, 3, 8), None, date(2028, 3, 8), AGENT
    )
    life.accept_tacitly(contract, date(2028, 5, 10))
    agenda = items(contract)
    accepted = agenda["prorogation_accepted:2028-05-10"]
    assert (accepted.done_on, accepted.done_by, accepted.outcome) == (
        date(2028, 5, 10),
        None,
        "sans réponse, le silence a valu accord",
    )
    avenant = agenda["avenant:0"]
    assert (avenant.day, avenant.action, avenant.opens_on) == (
        date(2028, 12, 31),
        "sign_avenant",
        date(2028, 5, 10),
    )
    assert status_on(avenant, date(2028, 6, 1)) is Status.PENDING
    life.apply_sign_avenant(
        contract, None, date(2028, 6, 2), "prorogation", date(2028, 6, 2), AGENT
    )
    assert items(contract)["avenant:0"].done_by == AGENT
    # The échéance moved: the new one's notice deadline is past the six-year cap.
    assert not [i for i in live_agenda(contract) if i.kind == "prorogation_notice_deadline"]


def test_an_express_answer_is_recorded_with_who_gave_it() -> None:
    contract = state()
    life.apply_request_prorogation(
        contract, Party.AUTORITE, date(2028, 3, 8), None, date(2028, 3, 8), AGENT
    )
    assert items(contract)["prorogation_reply_deadline:2028-05-09"].waiting_for is (
        Party.GESTIONNAIRE
    )
    life.apply_answer_prorogation(contract, True, date(2028, 3, 20), date(2028, 3, 20), DIRECTION)
    accepted = items(contract)["prorogation_accepted:2028-03-20"]
    assert (accepted.done_by, accepted.outcome) == (DIRECTION, "accord exprès")


def test_a_refusal_leaves_the_notice_deadline_met_by_the_request() -> None:
    contract = state()
    life.apply_request_prorogation(
        contract, Party.GESTIONNAIRE, date(2028, 3, 8), None, date(2028, 3, 8), AGENT
    )
    life.apply_answer_prorogation(contract, False, date(2028, 3, 20), date(2028, 3, 20), AGENT)
    notice = items(contract)["prorogation_notice_deadline:2028-06-30"]
    assert notice.done_on == date(2028, 3, 8)
    contract.refused_prorogation_on = date(2028, 3, 1)  # before any request: none met it
    assert items(contract)["prorogation_notice_deadline:2028-06-30"].done_on is None


def test_a_prorogation_by_avenant_needs_no_other_avenant() -> None:
    contract = state()
    life.apply_sign_avenant(
        contract, date(2029, 6, 30), date(2028, 9, 1), "prorogation", date(2028, 9, 1), AGENT
    )
    agenda = items(contract)
    assert agenda["prorogation_accepted:2028-09-01"].outcome == "avenant"
    assert "avenant:0" not in agenda


def test_the_notice_deadline_is_awaited_from_its_reminder_and_missed_if_nobody_asks() -> None:
    notice = items(state())["prorogation_notice_deadline:2028-06-30"]
    assert (notice.waiting_for, notice.action, notice.obligation) == (None, None, False)
    assert status_on(notice, date(2028, 4, 29)) is Status.UPCOMING
    assert status_on(notice, date(2028, 4, 30)) is Status.PENDING
    assert status_on(notice, date(2028, 7, 1)) is Status.MISSED


def test_the_renegotiation_falls_to_the_authority_only_once_its_day_has_passed() -> None:
    contract = state()
    opening = items(contract)["renegotiation_start:2028-06-30"]
    assert (opening.action, opening.obligation, opening.opens_on) == (
        "open_renegotiation",
        True,
        date(2028, 7, 1),
    )
    assert status_on(opening, date(2028, 6, 30)) is Status.UPCOMING
    assert status_on(opening, date(2028, 7, 1)) is Status.MISSED
    contract.renegotiation_opened_on = date(2028, 7, 1)
    assert items(contract)["renegotiation_start:2028-06-30"].done_on == date(2028, 7, 1)
    life.log(
        contract,
        life.Event(date(2028, 7, 1), "renegotiation_opened", "négociation ouverte", AGENT),
    )
    assert items(contract)["renegotiation_start:2028-06-30"].done_by == AGENT
    life.apply_request_prorogation(
        contract := state(), Party.GESTIONNAIRE, date(2028, 3, 8), None, date(2028, 3, 8), AGENT
    )
    waiting = items(contract)["renegotiation_start:2028-06-30"]
    assert (waiting.awaited, waiting.action) == (False, None)


def test_dialogues_and_each_partys_approval_of_the_releve() -> None:
    contract = state()
    dialogue = items(contract)["dialogue:1"]
    assert (dialogue.day, dialogue.opens_on, dialogue.waiting_for) == (
        date(2024, 6, 30),
        date(2024, 1, 1),
        Party.AUTORITE,
    )
    assert items(contract)["dialogue:2"].opens_on == date(2025, 1, 1)
    life.apply_record_dialogue(
        contract, date(2024, 6, 20), ["Département", "SAD"], ["Maintien"], date(2024, 6, 21), AGENT
    )
    agenda = items(contract)
    assert (agenda["dialogue:1"].done_on, agenda["dialogue:1"].done_by) == (
        date(2024, 6, 20),
        AGENT,
    )
    autorite = agenda["releve:2024-06-20:autorite"]
    assert (autorite.day, autorite.waiting_for, autorite.opens_on) == (
        date(2024, 7, 7),
        Party.AUTORITE,
        date(2024, 6, 20),
    )
    assert agenda["releve:2024-06-20:gestionnaire"].waiting_for is Party.GESTIONNAIRE
    life.apply_approve_releve(contract, Party.AUTORITE, date(2024, 6, 25), AGENT)
    assert items(contract)["releve:2024-06-20:autorite"].done_by == AGENT
    # A later dialogue supersedes the relevé nobody finished approving.
    life.apply_record_dialogue(
        contract, date(2025, 6, 20), ["Département"], ["Suite"], date(2025, 6, 20), AGENT
    )
    agenda = items(contract)
    assert "releve:2024-06-20:gestionnaire" not in agenda
    assert agenda["releve:2024-06-20:autorite"].done_on == date(2024, 6, 25)
    assert {"releve:2025-06-20:autorite", "releve:2025-06-20:gestionnaire"} <= set(agenda)
    # An approval known from the state alone still counts.
    contract.dialogues[-1].approved_by.append(Party.GESTIONNAIRE)
    assert items(contract)["releve:2025-06-20:gestionnaire"].done_on == date(2025, 6, 20)


def test_the_mid_term_review_is_held_with_the_dialogue_of_its_year() -> None:
    contract = state()
    [review] = of_kind(contract, "mid_term_review")
    assert review.contract_year == 3
    assert review.done_on is None
    assert status_on(review, date(2026, 7, 1)) is Status.DONE  # a date to know, now past
    life.apply_record_dialogue(contract, date(2026, 6, 2), ["A"], ["B"], date(2026, 6, 2), AGENT)
    [review] = of_kind(contract, "mid_term_review")
    assert review.done_on == date(2026, 6, 2)


def test_a_denounced_contract_awaits_nothing_after_its_last_day() -> None:
    contract = state()
    life.apply_submit_documents(contract, 2024, list(SAD_ITEMS), date(2025, 3, 1), DIRECTION)
    life.apply_denounce(
        contract, life.DenonciationMode.MUTUELLE, date(2026, 1, 15), date(2026, 1, 15), AGENT
    )
    agenda = live_agenda(contract)
    end = next(item for item in agenda if item.kind == AgendaKind.EARLY_END)
    assert (end.day, end.done_on) == (date(2026, 4, 15), None)
    assert end.label == "Fin anticipée du contrat (dénoncé)"
    assert max(i.day for i in agenda if i.done_on is None) == date(2026, 4, 15)
    assert "documents:2024" in {i.key for i in agenda}  # done before: kept
    life.change_phase(contract, Phase.DENONCEE, date(2026, 4, 16), "fin")
    end = next(item for item in live_agenda(contract) if item.kind == AgendaKind.EARLY_END)
    assert end.done_on == date(2026, 4, 15)


def test_a_proposed_mutual_denonciation_awaits_the_other_party_and_silence_ends_nothing() -> None:
    contract = state()
    life.apply_propose_denonciation(
        contract, Party.AUTORITE, date(2026, 3, 10), date(2026, 3, 10), AGENT
    )
    proposal = items(contract)["denonciation:2026-03-10"]
    assert proposal.label == (
        "Réponse à la proposition de dénonciation d'un commun accord de l'autorité"
    )
    assert (proposal.waiting_for, proposal.action, proposal.opens_on, proposal.day) == (
        Party.GESTIONNAIRE,
        "answer_denonciation",
        date(2026, 3, 10),
        date(2028, 12, 31),  # open until the contract ends
    )
    # Silence is no dénonciation: never late, never a legal deadline, no day of acceptance.
    assert (proposal.obligation, proposal.hard, proposal.silence_on) == (False, False, None)
    assert proposal.on_silence is Silence.REJECT
    assert proposal.consequence == (
        "sans réponse du gestionnaire, pas de dénonciation : le contrat continue de "
        "s'appliquer jusqu'à son échéance du 31/12/2028"
    )
    assert "avec un préavis de 3 mois compté de l'acceptation" in proposal.basis.rule
    assert status_on(proposal, date(2026, 3, 11)) is Status.PENDING
    life.apply_answer_denonciation(
        contract, True, date(2026, 3, 20), date(2026, 3, 21), DIRECTION, Party.GESTIONNAIRE
    )
    agenda = items(contract)
    answered = agenda["denonciation:2026-03-10"]
    # The day the answer was received, from which the préavis runs, not the day it was
    # recorded (found by probing).
    assert (answered.day, answered.done_on, answered.done_by, answered.outcome) == (
        date(2026, 3, 20),
        date(2026, 3, 20),
        DIRECTION,
        "accord : fin du contrat le 20/06/2026",
    )
    assert agenda["fin:2026-06-20"].kind == AgendaKind.EARLY_END
    # An answer logged before that day was kept shows the day it was recorded.
    [event] = [e for e in contract.events if e.kind == "denonciation_accepted"]
    del event.details["received_on"]
    assert items(contract)["denonciation:2026-03-10"].day == date(2026, 3, 21)


def test_a_refused_proposal_is_shown_answered_and_the_contract_runs_on() -> None:
    contract = state()
    life.apply_propose_denonciation(
        contract, Party.GESTIONNAIRE, date(2026, 3, 10), date(2026, 3, 10), AGENT
    )
    assert items(contract)["denonciation:2026-03-10"].waiting_for is Party.AUTORITE
    life.apply_answer_denonciation(contract, False, date(2026, 4, 1), date(2026, 4, 1), AGENT)
    answered = items(contract)["denonciation:2026-03-10"]
    assert (answered.done_on, answered.outcome) == (date(2026, 4, 1), "refus : le contrat continue")
    assert not [i for i in live_agenda(contract) if i.kind == AgendaKind.EARLY_END]


def test_a_proposal_left_unanswered_until_the_end_meant_no_denonciation() -> None:
    contract = state()
    life.apply_propose_denonciation(
        contract, Party.AUTORITE, date(2028, 10, 1), date(2028, 10, 1), AGENT
    )
    life.change_phase(contract, Phase.ECHUE, date(2029, 1, 1), "échéance atteinte")
    proposal = items(contract)["denonciation:2028-10-01"]
    assert (proposal.done_on, proposal.done_by, proposal.outcome) == (
        date(2028, 12, 31),
        None,
        "sans réponse : pas de dénonciation",
    )


def test_a_proposal_overtaken_by_an_early_end_no_longer_awaits_an_answer() -> None:
    contract = state(rules={"breach_denonciation_preavis_months": 6})
    life.apply_propose_denonciation(
        contract, Party.AUTORITE, date(2026, 3, 10), date(2026, 3, 10), AGENT
    )
    life.apply_denounce(
        contract, life.DenonciationMode.MANQUEMENT, date(2026, 3, 15), date(2026, 3, 15), AGENT
    )
    assert "denonciation:2026-03-10" not in items(contract)
    life.change_phase(contract, Phase.DENONCEE, date(2026, 9, 15), "fin")
    assert "denonciation:2026-03-10" not in items(contract)


def test_an_imported_contract_declares_its_annual_cycle_up_to_date_but_no_decision() -> None:
    contract = state()
    contract.imported = True
    today = date(2026, 11, 23)
    missed = {item.key for item in missed_on_import(contract, today)}
    assert {"documents:2024", "documents:2025", "dialogue:1", "dialogue:3"} <= missed
    contract.declared_up_to_date_on = date(2026, 5, 1)
    agenda = items(contract)
    assert agenda["documents:2025"].outcome == "déclaré fait à l'import (à jour au 01/05/2026)"
    assert agenda["dialogue:2"].done_on == date(2025, 6, 30)
    assert agenda["dialogue:3"].done_on is None  # 30 June 2026: after the declared day
    # The yearly tarification acts of the years before are part of the cycle declared done.
    assert agenda["tarification:2025"].outcome == "déclaré fait à l'import (à jour au 01/05/2026)"
    assert agenda["tarification:2026"].done_on == date(2026, 3, 31)
    assert {item.key for item in missed_on_import(contract, today)} == {"dialogue:3"}
    late = overdue_since(live_agenda(contract), today)
    assert late is not None
    assert (late.day, late.key) == (date(2026, 6, 30), "dialogue:3")


def test_at_risk_once_the_renegotiation_day_passed_without_prorogation_or_successor() -> None:
    contract = state()
    assert at_risk(contract, date(2028, 6, 30)) is None
    assert at_risk(contract, date(2028, 7, 1)) == (
        "échéance le 31/12/2028 sans prorogation ni nouveau CPOM engagé : la négociation "
        "devait s'ouvrir au plus tard le 30/06/2028"
    )
    contract.successor_reference = "CPOM-35-SAD-2024-R"
    assert at_risk(contract, date(2028, 7, 1)) is None
    assert at_risk(state(Phase.ECHUE), date(2029, 2, 1)) is None
    assert at_risk(state(Phase.CADRAGE, signed=False), date(2029, 2, 1)) is None
    pending = state()
    life.apply_request_prorogation(
        pending, Party.GESTIONNAIRE, date(2028, 3, 8), None, date(2028, 3, 8), AGENT
    )
    assert at_risk(pending, date(2028, 7, 1)) is None


def test_negotiation_steps_are_awaited_one_after_the_other() -> None:
    contract = state(Phase.CADRAGE, signed=False, process_started_on=date(2023, 1, 2))
    agenda = items(contract)
    cadrage = agenda["cadrage_end:2023-02-02"]
    assert (cadrage.awaited, cadrage.action, cadrage.waiting_for) == (
        True,
        "validate_cadrage",
        Party.AUTORITE,
    )
    diagnostic = agenda["diagnostic_end:2023-05-02"]
    assert (diagnostic.awaited, diagnostic.action) == (False, None)
    life.apply_validate_cadrage(contract, date(2023, 2, 10), AGENT)
    agenda = items(contract)
    assert (agenda["cadrage_end:2023-02-02"].done_on, agenda["cadrage_end:2023-02-02"].done_by) == (
        date(2023, 2, 10),
        AGENT,
    )
    assert agenda["diagnostic_end:2023-05-02"].action == "validate_diagnostic"
    assert "documents:2024" not in agenda  # nothing of the contract's life before signature
    assert {item.kind for item in agenda.values()} == {
        "cadrage_end",
        "diagnostic_end",
        "signature_target",
        "effet",
        "echeance",
    }
    life.apply_sign(contract, date(2023, 9, 1), None, date(2023, 9, 1), AGENT)
    signature = items(contract)["signature:2023-09-01"]
    assert (signature.done_on, signature.done_by) == (date(2023, 9, 1), AGENT)


def test_dates_to_know_pass_and_only_legal_deadlines_are_next() -> None:
    agenda = live_agenda(state())
    echeance = next(item for item in agenda if item.kind == "echeance")
    assert nature(echeance) == "date"
    assert is_deadline(echeance)
    assert status_on(echeance, date(2028, 12, 31)) is Status.UPCOMING
    assert status_on(echeance, date(2029, 1, 1)) is Status.DONE
    effet = next(item for item in agenda if item.kind == "effet")
    assert not is_deadline(effet)
    upcoming = next_deadline(agenda, date(2024, 1, 1))
    assert upcoming is not None
    assert upcoming.key == "documents:2024"
    # Never a past date: what was missed is lateness, not the next deadline.
    later = next_deadline(agenda, date(2028, 7, 2))
    assert later is not None
    assert later.key == "echeance:2028-12-31"
    late = overdue_since(agenda, date(2028, 7, 2))
    assert late is not None
    assert late.key == "dialogue:1"
    assert next_deadline([], date(2028, 1, 1)) is None


SECTORS = st.sampled_from(list(Sector))


@given(
    sector=SECTORS,
    effet=st.dates(date(2020, 1, 1), date(2030, 12, 1)),
    years=st.integers(2, 5),
    day=st.integers(0, 365 * 7),
)
def test_agenda_keys_are_unique_sorted_and_statuses_never_go_back(
    sector: Sector, effet: date, years: int, day: int
) -> None:
    contract = ContractState(make_terms(effet=effet, years=years, sector=sector), Phase.EXECUTION)
    agenda = live_agenda(contract)
    assert len({item.key for item in agenda}) == len(agenda)
    assert agenda == sorted(agenda, key=lambda item: (item.day, item.key))
    today = effet + timedelta(days=day)
    order = [Status.UPCOMING, Status.PENDING, Status.MISSED]
    for item in agenda:
        assert item.action is None or item.waiting_for is not None
        now, later = status_on(item, today), status_on(item, today + timedelta(days=30))
        if item.awaited:
            assert order.index(later) >= order.index(now)
        else:
            assert not (now is Status.DONE and later is Status.UPCOMING)
    upcoming = next_deadline(agenda, today)
    assert upcoming is None or upcoming.day >= today


@given(
    effet=st.dates(date(2020, 1, 1), date(2030, 12, 1)),
    day=st.integers(0, 365 * 7),
    seed=st.randoms(use_true_random=False),
)
def test_the_summary_a_list_shows_does_not_depend_on_the_agendas_order(
    effet: date, day: int, seed: Any
) -> None:
    # The workflow sums up the agenda it holds; the store summed up the rows it read back.
    agenda = live_agenda(ContractState(make_terms(effet=effet), Phase.EXECUTION))
    today = effet + timedelta(days=day)
    shuffled = list(agenda)
    seed.shuffle(shuffled)
    summary = summary_of(shuffled, today)
    assert summary == summary_of(agenda, today)
    upcoming, late = next_deadline(agenda, today), overdue_since(agenda, today)
    assert summary.next_deadline == (upcoming.day if upcoming else None)
    assert summary.next_deadline_label == (upcoming.label if upcoming else None)
    assert summary.overdue_since == (late.day if late else None)
    assert summary_of([], today) == AgendaSummary()


def _lived(kind: str) -> ContractState:
    """A contract of a few lives: as signed, imported and declared up to date, or denounced."""
    contract = state()
    if kind == "imported":
        contract.imported = True
        contract.declared_up_to_date_on = date(2026, 5, 1)
    elif kind == "denounced":
        life.apply_submit_documents(contract, 2024, list(SAD_ITEMS), date(2025, 3, 1), DIRECTION)
        life.apply_denounce(
            contract, life.DenonciationMode.MUTUELLE, date(2026, 1, 15), date(2026, 1, 15), AGENT
        )
    return contract


@given(
    kind=st.sampled_from(["signed", "imported", "denounced"]),
    day=st.integers(-30, 365 * 6),
    monthly=st.booleans(),
)
def test_the_steps_before_a_day_are_those_of_the_whole_agenda(
    kind: str, day: int, monthly: bool
) -> None:
    # An import reads its missed obligations off them, without making the later ones.
    contract = _lived(kind)
    before = contract.terms.effet + timedelta(days=day)
    whole = live_agenda(contract, monthly=monthly)
    assert live_agenda(contract, monthly=monthly, before=before) == [
        item for item in whole if item.day < before
    ]
    assert missed_on_import(contract, before) == missed_obligations(
        live_agenda(contract, monthly=False), before
    )


def test_a_contract_ended_early_keeps_what_it_left_undone_but_awaits_no_decision() -> None:
    """Found by probing: a résiliée contract kept its dialogue and tarification as tasks that
    every decision refuses, and stayed « en retard » for good."""
    contract = state()
    today = date(2026, 12, 5)
    life.apply_terminate(contract, life.ResiliationReason.LIQUIDATION, today, today, AGENT)
    running = items(contract)
    undone = [k for k, i in running.items() if i.action and i.done_on is None and i.day < today]
    assert undone  # a year's dialogue, documents… due before the résiliation and not done
    assert overdue_since(list(running.values()), today) is not None
    life.change_phase(contract, Phase.RESILIEE, today, "résiliation")
    ended = items(contract)
    assert [k for k, i in ended.items() if i.action or i.waiting_for or i.obligation] == []
    assert overdue_since(list(ended.values()), today) is None
    # What was missed stays missed.
    assert {status_on(ended[k], today) for k in undone} == {Status.MISSED}


def test_a_prorogation_request_pending_when_the_end_is_notified_awaits_nothing_more() -> None:
    """Found by probing: denounced while a prorogation request awaited its answer, the contract
    still asked the authority to answer (which the workflow refuses) and said the prorogation
    would be acquired by silence (which the workflow no longer plans)."""
    terms = make_terms(effet=date(2024, 1, 1))
    today = date(2028, 3, 1)
    state = ContractState(terms, life.initial_phase(terms, today))
    life.apply_request_prorogation(
        state, Party.GESTIONNAIRE, date(2028, 2, 20), None, today, "gestionnaire"
    )
    before = {item.key: item for item in live_agenda(state, today)}
    assert before["prorogation_reply_deadline:2028-04-20"].action == "answer_prorogation"
    assert before["prorogation_reply_deadline:2028-04-20"].on_silence is Silence.ACCEPT
    life.apply_denounce(state, life.DenonciationMode.MUTUELLE, today, today, "agent")
    after = {item.key: item for item in live_agenda(state, today)}
    moot = [
        after[key]
        for key in (
            "prorogation_reply_target:2028-03-20",
            "prorogation_reply_deadline:2028-04-20",
            "tacit_acceptance:2028-04-21",
        )
    ]
    for item in moot:
        assert not item.awaited
        assert not item.obligation
        assert item.action is None
        assert item.waiting_for is None
        assert item.silence_on is None
        assert item.on_silence is Silence.NONE
        assert item.consequence == (
            "sans objet : la fin du contrat est déjà notifiée (dénonciation d'un commun accord "
            "notifiée le 01/03/2028, préavis de 3 mois, dernier jour le 01/06/2028) ; la "
            "prorogation ne peut plus être acquise"
        )
    assert not [p for p in plan(state) if p.key.startswith("prorogation:")]
    # Nor is the moot reply deadline the contract's next legal deadline (found by probing: lists
    # showed it), but the next one that stands; as runs recorded before counted it, it was.
    items = live_agenda(state, today)
    standing = next_deadline(items, today)
    assert standing is not None
    assert not is_moot(standing)
    assert standing.day > date(2028, 4, 20)
    assert summary_of(items, today).next_deadline == standing.day
    counted = summary_of(items, today, moot_counts=True)
    assert counted.next_deadline == date(2028, 4, 20)


def test_a_refused_prorogation_request_stays_in_the_agenda_with_its_refusal() -> None:
    """Found by probing: once refused, the request left the agenda, and with it the refusal
    that opened the renegotiation."""
    terms = make_terms(effet=date(2024, 1, 1))
    today = date(2028, 3, 1)
    state = ContractState(terms, life.initial_phase(terms, today))
    life.apply_request_prorogation(
        state, Party.GESTIONNAIRE, date(2028, 2, 20), None, today, "gestionnaire"
    )
    life.apply_answer_prorogation(state, False, date(2028, 2, 20), date(2028, 3, 5), "agent")
    [request] = [
        item
        for item in live_agenda(state, date(2028, 3, 5))
        if item.kind == "prorogation_notice_received"
    ]
    assert request.key == "prorogation_notice_received:2028-02-20"
    assert request.day == date(2028, 2, 20)
    assert request.done_on == date(2028, 2, 20)
    assert request.done_by == "gestionnaire"
    assert request.outcome == (
        "demande reçue, refusée le 05/03/2028 ; la négociation d'un nouveau CPOM s'ouvre"
    )
    # A refusal with no request before it in the log shows nothing rather than a request of no
    # day.
    [requested] = [e for e in state.events if e.kind == "prorogation_requested"]
    state.events.remove(requested)
    assert not [
        item
        for item in live_agenda(state, date(2028, 3, 5))
        if item.kind == "prorogation_notice_received"
    ]
    state.events.insert(0, requested)
    assert request.basis.rule == "réception prouvée de la notification (accusé de réception)"
    # Nor is the notice's deadline reminded any more, as the workflow sends no reminder.
    reminder = {item.key: item for item in live_agenda(state, date(2028, 3, 5))}[
        "prorogation_notice_reminder:2028-04-30"
    ]
    assert (reminder.done_on, reminder.outcome) == (date(2028, 2, 20), "demande reçue")
    assert not [p for p in plan(state) if p.key.startswith("prorogation:rappel")]
