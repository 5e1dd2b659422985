"""Every signatory counts: with an ARS and a Département signing, the relevé is established once
each has approved it and the gestionnaire too; the gestionnaire's request for a prorogation
takes effect only with the accord of both, each one's silence meaning accord, and the refusal of
either opens the renegotiation for all. The agenda shows who has acted and who has not."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from cpom.domain import lifecycle as life
from cpom.domain.agenda import Generate, Notify, Recipient, plan
from cpom.domain.lifecycle import ContractState, DecisionRefused, Party, Phase
from cpom.domain.live_agenda import live_agenda
from cpom.domain.terms import Authority, AuthorityKind, AuthorityRole, Sector
from tests.factories import make_terms

ARS = Authority(AuthorityKind.ARS, "ARS Bretagne", "35", "cpom@ars.example", id="ars")
CD35 = Authority(
    AuthorityKind.DEPARTEMENT,
    "Département d'Ille-et-Vilaine",
    "35",
    "cpom@cd35.example",
    role=AuthorityRole.CO_SIGNING,
    id="cd35",
)
AGENT = "agent@ars.example"
HELD = date(2025, 6, 20)


def joint() -> ContractState:
    terms = replace(make_terms(sector=Sector.ESMS_ARS), authority=ARS, co_signatories=(CD35,))
    return ContractState(terms, Phase.EXECUTION)


def refusal(check: Callable[[], None]) -> str:
    with pytest.raises(DecisionRefused) as error:
        check()
    return str(error.value)


def with_dialogue() -> ContractState:
    state = joint()
    life.apply_record_dialogue(state, HELD, ["ARS", "CD35", "Gestionnaire"], [], HELD, AGENT)
    return state


def releve_documents(state: ContractState) -> list[str]:
    return [p.key for p in plan(state) if isinstance(p.action, Generate)]


def test_the_releve_is_established_once_every_signatory_has_approved_it() -> None:
    state = with_dialogue()
    life.apply_approve_releve(state, Party.AUTORITE, HELD, AGENT)
    assert state.events[-1].summary == "relevé de décisions du 20/06/2025 approuvé par ARS Bretagne"
    assert refusal(lambda: life.check_approve_releve(state, Party.AUTORITE)) == (
        "le relevé de décisions est déjà approuvé par ARS Bretagne"
    )
    life.apply_approve_releve(state, Party.GESTIONNAIRE, HELD, AGENT)
    dialogue = state.dialogues[-1]
    assert not life.releve_approved(state.terms, dialogue)
    assert not releve_documents(state)
    items = {i.key: i for i in live_agenda(state, HELD) if i.kind == "releve_approval"}
    held = HELD.isoformat()
    awaited = items[f"releve:{held}:autorite:cd35"]
    assert awaited.label.endswith("par Département d'Ille-et-Vilaine")
    assert awaited.done_on is None
    assert awaited.waiting_for is Party.AUTORITE
    assert items[f"releve:{held}:autorite"].label.endswith("par ARS Bretagne")
    assert awaited.basis.rule.startswith("relevé de décisions validé par chacun des signataires")
    assert items[f"releve:{held}:autorite"].done_on == HELD
    life.check_approve_releve(state, Party.AUTORITE, "cd35")
    life.apply_approve_releve(state, Party.AUTORITE, HELD, AGENT, "cd35")
    assert life.releve_approved(state.terms, dialogue)
    assert releve_documents(state) == [f"document:releve:2:{HELD}"]
    assert state.events[-1].summary == (
        "relevé de décisions du 20/06/2025 approuvé par Département d'Ille-et-Vilaine"
    )
    assert state.events[-1].details == {"party": "autorite", "authority": "cd35"}
    items = {i.key: i for i in live_agenda(state, HELD) if i.kind == "releve_approval"}
    assert items[f"releve:{held}:autorite:cd35"].done_by == AGENT


def test_each_approval_is_given_once_and_only_by_a_signatory() -> None:
    state = with_dialogue()
    life.apply_approve_releve(state, Party.AUTORITE, HELD, AGENT, "cd35")
    assert refusal(lambda: life.check_approve_releve(state, Party.AUTORITE, "cd35")) == (
        "le relevé de décisions est déjà approuvé par Département d'Ille-et-Vilaine"
    )
    # Naming the lead authority is approving as the authority.
    life.check_approve_releve(state, Party.AUTORITE, "ars")
    assert refusal(lambda: life.check_approve_releve(state, Party.AUTORITE, "cd29")) == (
        "« cd29 » n'est pas une autorité signataire du contrat ; autorités : ars, cd35"
    )
    assert refusal(lambda: life.check_approve_releve(state, Party.GESTIONNAIRE, "cd35")) == (
        "seule une autorité signataire est désignée par « authority »"
    )


def requested() -> ContractState:
    state = joint()
    life.apply_request_prorogation(
        state, Party.GESTIONNAIRE, date(2027, 10, 4), None, date(2027, 10, 4), AGENT
    )
    return state


def test_a_prorogation_waits_for_the_accord_of_every_authority() -> None:
    state = requested()
    pending = state.pending_prorogation
    assert pending is not None
    answers = [i for i in live_agenda(state, date(2027, 10, 5)) if i.kind == "signatory_answer"]
    assert [(i.label, i.waiting_for) for i in answers] == [
        ("Réponse à la demande de prorogation par ARS Bretagne", Party.AUTORITE),
        ("Réponse à la demande de prorogation par Département d'Ille-et-Vilaine", Party.AUTORITE),
    ]
    assert answers[0].silence_on == date(2027, 12, 7)
    life.check_answer_prorogation(state, None, date(2027, 10, 11), date(2027, 10, 11))
    life.apply_answer_prorogation(state, True, date(2027, 10, 11), date(2027, 10, 11), AGENT)
    assert state.pending_prorogation is pending
    assert state.phase is Phase.PROROGATION_EN_COURS
    assert state.events[-1].summary == (
        "prorogation acceptée expressément par ARS Bretagne le 11/10/2027 ; en attente de "
        "Département d'Ille-et-Vilaine jusqu'au 06/12/2027"
    )
    assert refusal(
        lambda: life.check_answer_prorogation(state, None, date(2027, 10, 12), date(2027, 10, 12))
    ) == ("ARS Bretagne a déjà accepté la prorogation")
    answered = {
        i.label: i for i in live_agenda(state, date(2027, 10, 12)) if i.kind == "signatory_answer"
    }
    ars = answered["Réponse à la demande de prorogation par ARS Bretagne"]
    assert (ars.done_on, ars.done_by, ars.waiting_for) == (date(2027, 10, 11), AGENT, None)
    life.check_answer_prorogation(
        state, Party.AUTORITE, date(2027, 10, 13), date(2027, 10, 13), "cd35"
    )
    life.apply_answer_prorogation(
        state, True, date(2027, 10, 13), date(2027, 10, 13), AGENT, Party.AUTORITE, "cd35"
    )
    assert state.pending_prorogation is None
    assert state.terms.current_echeance == date(2029, 12, 31)
    assert state.events[-2].summary.startswith(
        "prorogation acceptée expressément par Département d'Ille-et-Vilaine le 13/10/2027"
    )


def test_the_refusal_of_one_authority_ends_the_request_for_all() -> None:
    state = requested()
    life.apply_answer_prorogation(state, True, date(2027, 10, 11), date(2027, 10, 11), AGENT)
    life.apply_answer_prorogation(
        state, False, date(2027, 10, 20), date(2027, 10, 20), AGENT, None, "cd35"
    )
    assert state.pending_prorogation is None
    assert state.refused_prorogation_on == date(2027, 10, 20)
    assert state.events[-1].summary == (
        "prorogation refusée par Département d'Ille-et-Vilaine le 20/10/2027"
    )
    assert state.events[-1].details == {"answered_by": "autorite", "authority": "cd35"}
    assert not [i for i in live_agenda(state, date(2027, 10, 21)) if i.kind == "signatory_answer"]


def test_the_silence_of_the_authorities_still_awaited_is_their_accord() -> None:
    state = requested()
    life.apply_answer_prorogation(state, True, date(2027, 10, 11), date(2027, 10, 11), AGENT)
    silence = [p for p in plan(state) if p.key.startswith("prorogation:tacit")]
    assert [p.day for p in silence] == [date(2027, 12, 7)]
    life.accept_tacitly(state, date(2027, 12, 7))
    assert state.terms.current_echeance == date(2029, 12, 31)


def requested_by_the_ars() -> ContractState:
    state = joint()
    life.check_request_prorogation(
        state, date(2027, 10, 4), None, date(2027, 10, 4), Party.AUTORITE, "ars"
    )
    life.apply_request_prorogation(
        state,
        Party.AUTORITE,
        date(2027, 10, 4),
        None,
        date(2027, 10, 4),
        AGENT,
        "ars",
        every_signatory=True,
    )
    return state


def test_one_authoritys_notice_waits_for_the_gestionnaire_and_the_other_authority() -> None:
    state = requested_by_the_ars()
    pending = state.pending_prorogation
    assert pending is not None
    assert (pending.co_signatories_answer, pending.accepted_by) == (True, ["ars"])
    today = date(2027, 10, 5)
    answers = [i for i in live_agenda(state, today) if i.kind == "signatory_answer"]
    assert [(i.label, i.waiting_for) for i in answers] == [
        ("Réponse à la demande de prorogation par Département d'Ille-et-Vilaine", Party.AUTORITE)
    ]
    [reminder] = [p for p in plan(state) if p.key.startswith("prorogation:rappel_reponse")]
    assert isinstance(reminder.action, Notify)
    assert reminder.action.to == (Recipient.GESTIONNAIRE, Recipient.AUTORITE)
    # The ARS asked: it does not answer its own request.
    assert (
        refusal(lambda: life.check_answer_prorogation(state, Party.AUTORITE, today, today, "ars"))
        == "la prorogation est demandée par ARS Bretagne : elle attend la réponse des autres "
        "signataires"
    )

    life.check_answer_prorogation(state, Party.GESTIONNAIRE, today, today)
    life.apply_answer_prorogation(state, True, today, today, AGENT, Party.GESTIONNAIRE)
    assert state.pending_prorogation is pending
    assert state.events[-1].summary == (
        "prorogation acceptée expressément par le gestionnaire le 05/10/2027 ; en attente de "
        "Département d'Ille-et-Vilaine jusqu'au 06/12/2027"
    )
    assert (
        refusal(lambda: life.check_answer_prorogation(state, Party.GESTIONNAIRE, today, today))
        == "le gestionnaire a déjà accepté la prorogation"
    )
    later = date(2027, 10, 6)
    items = live_agenda(state, later)
    [deadline] = [i for i in items if i.kind == "prorogation_reply_deadline"]
    assert (deadline.done_on, deadline.done_by, deadline.outcome) == (today, AGENT, "accord exprès")
    [awaited] = [i for i in items if i.kind == "signatory_answer"]
    assert awaited.waiting_for is Party.AUTORITE

    life.check_answer_prorogation(state, Party.AUTORITE, later, later, "cd35")
    life.apply_answer_prorogation(state, True, later, later, AGENT, Party.AUTORITE, "cd35")
    assert state.pending_prorogation is None
    assert state.terms.current_echeance == date(2029, 12, 31)


def test_the_other_authoritys_refusal_or_silence_decides_one_authoritys_notice() -> None:
    refused = requested_by_the_ars()
    day = date(2027, 10, 8)
    life.apply_answer_prorogation(refused, True, day, day, AGENT, Party.AUTORITE, "cd35")
    assert refused.events[-1].summary == (
        "prorogation acceptée expressément par Département d'Ille-et-Vilaine le 08/10/2027 ; en "
        "attente de l'organisme gestionnaire jusqu'au 06/12/2027"
    )
    life.apply_answer_prorogation(refused, False, day, day, AGENT, Party.GESTIONNAIRE)
    assert refused.pending_prorogation is None
    assert refused.refused_prorogation_on == day

    silent = requested_by_the_ars()
    life.accept_tacitly(silent, date(2027, 12, 7))
    assert silent.terms.current_echeance == date(2029, 12, 31)


def test_a_notice_names_a_signing_authority_of_the_contract() -> None:
    state = joint()
    day = date(2027, 10, 4)
    assert (
        refusal(
            lambda: life.check_request_prorogation(state, day, None, day, Party.AUTORITE, "cd22")
        )
        == "« cd22 » n'est pas une autorité signataire du contrat ; autorités : ars, cd35"
    )
    assert (
        refusal(
            lambda: life.check_request_prorogation(state, day, None, day, Party.GESTIONNAIRE, "ars")
        )
        == "seule une autorité signataire est désignée par « authority »"
    )


def test_an_authoritys_own_notice_is_answered_by_the_gestionnaire_alone() -> None:
    # As recorded before every signatory answered one authority's notice (no patch marker).
    state = joint()
    life.apply_request_prorogation(
        state, Party.AUTORITE, date(2027, 10, 4), None, date(2027, 10, 4), AGENT
    )
    assert not [i for i in live_agenda(state, date(2027, 10, 5)) if i.kind == "signatory_answer"]
    life.apply_answer_prorogation(
        state, True, date(2027, 10, 11), date(2027, 10, 11), AGENT, Party.GESTIONNAIRE
    )
    assert state.terms.current_echeance == date(2029, 12, 31)
    assert state.events[-2].summary.startswith(
        "prorogation acceptée expressément par le gestionnaire"
    )


def test_the_contract_takes_effect_signed_by_every_signatory() -> None:
    state = joint()
    state.phase = Phase.NEGOCIATION
    state.terms = replace(state.terms, signed=False)
    day = date(2024, 1, 1)
    assert refusal(lambda: life.check_sign(state, day, None, day, ["ars", "gestionnaire"])) == (
        "le contrat prend effet signé par tous les signataires du contrat ; manque la signature "
        "de : Département d'Ille-et-Vilaine (« signed_by » : ars, cd35, gestionnaire)"
    )
    life.check_sign(state, day, None, day, ["ars", "cd35", "gestionnaire"])


def test_an_avenant_takes_effect_signed_by_every_signatory() -> None:
    state = joint()
    day = date(2026, 3, 2)
    assert refusal(lambda: life.check_sign_avenant(state, None, day, day, ["ars"])) == (
        "un avenant prend effet signé par tous les signataires du contrat ; manque la signature "
        "de : Département d'Ille-et-Vilaine, le gestionnaire (« signed_by » : ars, cd35, "
        "gestionnaire)"
    )
    assert "manque la signature de : ARS Bretagne" in refusal(
        lambda: life.check_sign_avenant(state, None, day, day)
    )
    life.check_sign_avenant(state, None, day, day, ["ars", "cd35", "gestionnaire"])


def test_only_the_contracts_signatories_sign() -> None:
    """Found by probing: « foo » signed an avenant of a contract of one authority."""
    alone = ContractState(make_terms(), Phase.EXECUTION)
    lead = alone.terms.authority.key
    day = date(2026, 3, 2)
    assert refusal(lambda: life.check_sign_avenant(alone, None, day, day, ["foo"])) == (
        f"signataire inconnu du contrat : foo (« signed_by » : {lead}, gestionnaire)"
    )
    life.check_sign_avenant(alone, None, day, day, [lead, "gestionnaire"])
    life.check_sign_avenant(alone, None, day, day)  # one authority: it need not name them
    state = joint()
    assert (
        refusal(lambda: life.check_sign_avenant(state, None, day, day, ["ars", "cd35", "x", "y"]))
        == "signataires inconnus du contrat : x, y (« signed_by » : ars, cd35, gestionnaire)"
    )


def test_a_pending_request_without_its_logged_answers_shows_each_authority_awaited() -> None:
    state = joint()
    state.pending_prorogation = life.PendingProrogation(
        Party.GESTIONNAIRE, date(2027, 10, 4), date(2029, 12, 31), date(2027, 12, 6)
    )
    answers = [i for i in live_agenda(state, date(2027, 10, 5)) if i.kind == "signatory_answer"]
    assert [i.waiting_for for i in answers] == [Party.AUTORITE, Party.AUTORITE]
