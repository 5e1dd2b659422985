"""Documents state who acted and when, read from the contract's journal: the attestation of a
tacit acceptance names who answered and whose silence counted, the avenant what was agreed, the
relevé each signatory's approval."""

from dataclasses import replace
from datetime import date

from cpom.domain import lifecycle as life
from cpom.domain.agenda import DocumentKind, Generate, plan
from cpom.domain.document_facts import approval_facts, prorogation_facts
from cpom.domain.lifecycle import ContractState, Event, Party, Phase
from tests.domain.test_signatories import AGENT, HELD, joint, requested, requested_by_the_ars
from tests.factories import make_terms

RECEIVED = date(2027, 10, 4)


def documents(state: ContractState) -> dict[DocumentKind, dict[str, str]]:
    return {p.action.kind: p.action.facts for p in plan(state) if isinstance(p.action, Generate)}


def test_the_attestation_names_who_accepted_expressly_and_whose_silence_counted() -> None:
    state = requested()
    life.apply_answer_prorogation(
        state, True, date(2027, 10, 11), date(2027, 10, 11), AGENT, authority="cd35"
    )
    life.accept_tacitly(state, date(2027, 12, 8))
    facts = documents(state)[DocumentKind.ATTESTATION_ACCEPTATION_TACITE]
    assert facts["requested_by"] == "gestionnaire"
    assert facts["reply_deadline"] == "06/12/2027"
    # The ARS, not listed, kept silent.
    assert facts["accepted_by"] == "cd35=11/10/2027"
    assert facts["tacit"] == "oui"
    assert documents(state)[DocumentKind.AVENANT_PROROGATION] == facts


def test_the_avenant_names_every_express_accord_the_last_one_dated_by_the_prorogation() -> None:
    state = requested()
    life.apply_answer_prorogation(
        state, True, date(2027, 10, 11), date(2027, 10, 11), AGENT, authority="cd35"
    )
    life.apply_answer_prorogation(state, True, date(2027, 10, 20), date(2027, 10, 21), AGENT)
    facts = documents(state)[DocumentKind.AVENANT_PROROGATION]
    assert facts["accepted_by"] == "cd35=11/10/2027\nars=20/10/2027"
    assert DocumentKind.ATTESTATION_ACCEPTATION_TACITE not in documents(state)


def test_with_one_authority_the_answer_is_the_partys() -> None:
    state = ContractState(make_terms(), Phase.EXECUTION)
    life.apply_request_prorogation(
        state, Party.AUTORITE, date(2027, 12, 1), None, date(2028, 1, 3), AGENT
    )
    life.apply_answer_prorogation(state, True, date(2028, 1, 10), date(2028, 1, 10), AGENT)
    facts = documents(state)[DocumentKind.AVENANT_PROROGATION]
    assert (facts["requested_by"], facts["accepted_by"]) == ("autorite", "gestionnaire=10/01/2028")


def test_requests_recorded_before_their_party_was_kept_say_it_in_words() -> None:
    def request(summary: str) -> Event:
        details = {"received_on": "2027-10-04", "reply_deadline": "2027-12-06"}
        return Event(RECEIVED, "prorogation_requested", summary, AGENT, details)

    by_authority = request("demande de prorogation de l'autorité reçue le 04/10/2027 ; …")
    by_gestionnaire = request("demande de prorogation du gestionnaire reçue le 04/10/2027 ; …")
    assert prorogation_facts([by_authority])["2027-10-04"]["requested_by"] == "autorite"
    assert prorogation_facts([by_gestionnaire])["2027-10-04"]["requested_by"] == "gestionnaire"


def test_an_avenant_that_moves_the_echeance_prints_what_was_agreed() -> None:
    state = ContractState(make_terms(), Phase.EXECUTION)
    signed = date(2028, 2, 1)
    life.apply_sign_avenant(state, None, signed, "objectif 3 révisé", signed, AGENT)
    life.apply_sign_avenant(
        state, date(2029, 6, 30), signed, "prorogation de six mois", signed, AGENT
    )
    facts = documents(state)[DocumentKind.AVENANT_PROROGATION]
    assert (facts["signed_on"], facts["summary"]) == ("01/02/2028", "prorogation de six mois")
    assert "requested_by" not in facts


def test_documents_already_generated_read_no_journal() -> None:
    state = requested()
    life.accept_tacitly(state, date(2027, 12, 8))
    state.done |= {"document:avenant:0", "document:attestation:0"}
    assert documents(state) == {}


def test_the_releve_shows_each_signatorys_approval_and_its_day() -> None:
    state = joint()
    life.apply_record_dialogue(state, HELD, ["ARS", "CD35"], ["objectif 1 maintenu"], HELD, AGENT)
    life.apply_approve_releve(state, Party.AUTORITE, date(2025, 6, 23), AGENT)
    life.apply_approve_releve(state, Party.GESTIONNAIRE, date(2025, 6, 25), AGENT)
    life.apply_approve_releve(state, Party.AUTORITE, date(2025, 7, 1), AGENT, "cd35")
    facts = documents(state)[DocumentKind.RELEVE_DE_DECISIONS]
    assert facts["approvals"] == "autorite=23/06/2025\ngestionnaire=25/06/2025\ncd35=01/07/2025"
    state.done.add(f"document:releve:2:{HELD}")
    assert documents(state) == {}


def test_a_relevé_without_its_approvals_in_the_journal_says_none() -> None:
    state = replace(
        joint(),
        dialogues=[life.Dialogue(2, HELD, [], [], [Party.AUTORITE, Party.GESTIONNAIRE], ["cd35"])],
    )
    assert "approvals" not in documents(state)[DocumentKind.RELEVE_DE_DECISIONS]
    assert approval_facts([Event(HELD, "notice_sent", "convocation envoyée")]) == {}


def test_one_authoritys_notice_names_it_and_the_gestionnaires_accord() -> None:
    state = requested_by_the_ars()
    assert state.events[-2].summary.startswith(
        "demande de prorogation de l'autorité (ARS Bretagne) reçue le"
    )
    life.apply_answer_prorogation(
        state, True, date(2027, 10, 11), date(2027, 10, 11), AGENT, Party.GESTIONNAIRE
    )
    life.accept_tacitly(state, date(2027, 12, 7))
    facts = documents(state)[DocumentKind.ATTESTATION_ACCEPTATION_TACITE]
    assert (facts["requested_by"], facts["accepted_by"]) == ("ars", "gestionnaire=11/10/2027")
