"""Authorisation requests of the gestionnaire, whose silence means rejection (seed 004 L890-894):
the rules, the decisions, the planned actions and the live agenda."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpom.domain import authorisation as auth
from cpom.domain.agenda import (
    BOTH,
    REMINDER_HOUR,
    ApplySilence,
    NoticeKind,
    Notify,
    Planned,
    Recipient,
    SilentRequest,
    plan,
)
from cpom.domain.date_law import add_months
from cpom.domain.lifecycle import (
    AuthorisationOutcome,
    ContractState,
    DecisionRefused,
    Party,
    Phase,
)
from cpom.domain.live_agenda import AgendaKind, Status, live_agenda, status_on
from cpom.domain.presets import AHI_ETAT, SAD
from cpom.domain.silence import apply_silence
from cpom.domain.terms import ContractTerms, Sector, Silence
from cpom.domain.terms_validation import problems_of
from cpom.domain.working_days import is_working_day
from tests.factories import make_terms

RECEIVED = date(2028, 5, 2)
# 2 July 2028 is a Sunday: the last day is carried to Monday 3 July.
DEADLINE = date(2028, 7, 3)
SILENCE = date(2028, 7, 4)
SUBJECT = "Extension de 12 places du CHRS Les Tilleuls"


def ahi_state(phase: Phase = Phase.EXECUTION, **rules: object) -> ContractState:
    return ContractState(make_terms(sector=Sector.AHI_ETAT, rules=rules), phase)


def requested(state: ContractState | None = None, on: date = RECEIVED) -> ContractState:
    state = state or ahi_state()
    auth.check_request_authorisation(state, None, SUBJECT, on, on)
    auth.apply_request_authorisation(state, SUBJECT, on, on, "Sophie Bernard (gestionnaire)")
    return state


def refusal(call: Callable[..., None], *args: object) -> str:
    with pytest.raises(DecisionRefused) as refused:
        call(*args)
    return str(refused.value)


# Rules -------------------------------------------------------------------------------------------


def test_the_state_preset_gives_two_months_and_silence_is_rejection() -> None:
    assert AHI_ETAT.rules.authorisation_reply_months == 2
    assert AHI_ETAT.rules.authorisation_silence is Silence.REJECT
    assert SAD.rules.authorisation_reply_months is None


@pytest.mark.parametrize("months", [0, 13, -1])
def test_a_reply_window_out_of_range_is_refused_in_french(months: int) -> None:
    terms = make_terms(sector=Sector.AHI_ETAT, rules={"authorisation_reply_months": months})
    [problem] = problems_of(terms)
    assert problem.field == "authorisation_reply_months"
    assert f"{months} mois" in problem.message


def test_silence_must_mean_something() -> None:
    terms = make_terms(sector=Sector.AHI_ETAT, rules={"authorisation_silence": Silence.NONE})
    [problem] = problems_of(terms)
    assert problem.field == "authorisation_silence"
    assert "accord (accept) ou rejet (reject)" in problem.message


# Request -----------------------------------------------------------------------------------------


def test_a_request_opens_two_months_carried_to_the_next_working_day() -> None:
    state = requested()
    [request] = state.authorisations
    assert (request.id, request.subject, request.received_on) == ("2028-05-02-1", SUBJECT, RECEIVED)
    assert request.reply_deadline == DEADLINE
    assert request.on_silence is Silence.REJECT
    assert request.requested_by is Party.GESTIONNAIRE
    assert request.outcome is None
    [event] = state.events
    assert event.kind == "authorisation_requested"
    assert event.actor == "Sophie Bernard (gestionnaire)"
    assert "réponse de l'autorité au plus tard le 03/07/2028" in event.summary
    assert "son silence vaudra rejet" in event.summary
    assert event.details["law"] == (
        "loi n° 2018-1021 du 23 novembre 2018, art. 125 IV ; CPC art. 640 à 642"
    )


def test_the_basis_cites_the_law_and_keeps_the_seed_for_audit_only() -> None:
    basis = auth.reply_deadline(make_terms(sector=Sector.AHI_ETAT), RECEIVED).basis
    assert basis.law.startswith("loi n° 2018-1021 du 23 novembre 2018, art. 125 IV")
    assert "seed" not in basis.law
    assert "seed 004 L890-894" in basis.source
    assert "vaut rejet" in basis.rule
    assert [s.reason for s in basis.skipped] == ["dimanche"]


def test_several_requests_may_wait_each_with_its_own_id() -> None:
    state = requested()
    auth.apply_request_authorisation(
        state, "Autorisation de 8 places déclarées", RECEIVED, RECEIVED, "a"
    )
    auth.apply_request_authorisation(state, "Extension", date(2028, 5, 3), date(2028, 5, 3), "a")
    assert [r.id for r in auth.pending(state)] == ["2028-05-02-1", "2028-05-02-2", "2028-05-03-1"]


def test_the_same_request_twice_is_refused() -> None:
    state = requested()
    message = refusal(
        auth.check_request_authorisation, state, None, f"  {SUBJECT} ", RECEIVED, RECEIVED
    )
    assert "est déjà enregistrée (n° 2028-05-02-1)" in message


@pytest.mark.parametrize(
    ("state", "requested_by", "subject", "received_on", "expected"),
    [
        (
            ContractState(make_terms(), Phase.EXECUTION),
            None,
            SUBJECT,
            RECEIVED,
            "le contrat ne prévoit pas de demande d'autorisation à l'autorité (préréglage sad)",
        ),
        (
            ahi_state(Phase.NEGOCIATION),
            None,
            SUBJECT,
            RECEIVED,
            "une demande d'autorisation suppose un CPOM conclu (phase actuelle : négociation)",
        ),
        (
            ahi_state(Phase.ECHUE),
            None,
            SUBJECT,
            RECEIVED,
            "le contrat est échu : plus aucune décision",
        ),
        (
            ahi_state(),
            Party.AUTORITE,
            SUBJECT,
            RECEIVED,
            "seul le gestionnaire demande une autorisation : l'autorité y répond",
        ),
        (
            ahi_state(),
            None,
            "   ",
            RECEIVED,
            "l'objet de la demande d'autorisation est à renseigner",
        ),
        (
            ahi_state(),
            None,
            SUBJECT,
            RECEIVED + timedelta(days=1),
            "la réception du 03/05/2028 est dans le futur",
        ),
    ],
)
def test_a_request_is_refused_in_french(
    state: ContractState, requested_by: Party | None, subject: str, received_on: date, expected: str
) -> None:
    message = refusal(
        auth.check_request_authorisation, state, requested_by, subject, received_on, RECEIVED
    )
    assert message == expected
    assert state.authorisations == []


def test_a_subject_with_a_nul_or_too_long_is_refused() -> None:
    assert "U+0000" in refusal(
        auth.check_request_authorisation, ahi_state(), None, "a\x00b", RECEIVED, RECEIVED
    )
    assert "500 caractères" in refusal(
        auth.check_request_authorisation, ahi_state(), None, "x" * 501, RECEIVED, RECEIVED
    )


def test_a_request_received_before_the_signature_is_refused() -> None:
    state = ahi_state()
    state.terms = replace(state.terms, signed_on=date(2023, 12, 1))
    message = refusal(
        auth.check_request_authorisation, state, None, SUBJECT, date(2023, 11, 30), RECEIVED
    )
    assert message == (
        "la demande reçue le 30/11/2023 précède la signature du CPOM (01/12/2023) : elle ne "
        "relève pas du contrat"
    )


# Answer ------------------------------------------------------------------------------------------


def test_the_authority_grants_before_the_deadline() -> None:
    state = requested()
    auth.check_answer_authorisation(state, "2028-05-02-1", True, "", None, DEADLINE, DEADLINE)
    auth.apply_answer_authorisation(state, "2028-05-02-1", True, "", DEADLINE, DEADLINE, "agent")
    [request] = state.authorisations
    assert (request.outcome, request.decided_on) == (AuthorisationOutcome.GRANTED, DEADLINE)
    assert state.events[-1].kind == "authorisation_answered"
    assert "accordée par l'autorité le 03/07/2028" in state.events[-1].summary
    # Answered: nothing left to plan but the notice of the request.
    assert [p.key for p in plan(state) if p.key.startswith("autorisation:")] == [
        "autorisation:2028-05-02-1:demande"
    ]


def test_a_refusal_gives_its_reasons() -> None:
    state = requested()
    message = refusal(
        auth.check_answer_authorisation,
        state,
        "2028-05-02-1",
        False,
        "  ",
        None,
        RECEIVED,
        RECEIVED,
    )
    assert message == (
        "un refus d'autorisation est motivé (C. relations entre le public et l'administration, "
        "art. L. 211-2) : indiquer ses motifs"
    )
    reasons = "Capacité du territoire atteinte (schéma régional)"
    auth.check_answer_authorisation(state, "2028-05-02-1", False, reasons, None, RECEIVED, RECEIVED)
    auth.apply_answer_authorisation(state, "2028-05-02-1", False, reasons, RECEIVED, RECEIVED, "a")
    assert state.authorisations[0].outcome is AuthorisationOutcome.REFUSED
    assert state.authorisations[0].reasons == reasons
    assert f"motifs : {reasons}" in state.events[-1].summary


def test_an_answer_after_the_deadline_is_refused_the_request_being_rejected_already() -> None:
    state = requested()
    late = DEADLINE + timedelta(days=1)
    message = refusal(
        auth.check_answer_authorisation, state, "2028-05-02-1", True, "", None, late, late
    )
    assert message == (
        "réponse du 04/07/2028, après le dernier jour du délai (03/07/2028) : la demande est "
        "déjà rejetée par le silence de l'autorité le 04/07/2028"
    )


def test_only_the_authority_answers() -> None:
    message = refusal(
        auth.check_answer_authorisation,
        requested(),
        "2028-05-02-1",
        True,
        "",
        Party.GESTIONNAIRE,
        RECEIVED,
        RECEIVED,
    )
    assert message == (
        "seule l'autorité se prononce sur une demande d'autorisation : le gestionnaire ne peut "
        "y répondre"
    )


def test_an_unknown_or_decided_request_is_refused() -> None:
    state = requested()
    assert refusal(
        auth.check_answer_authorisation, state, "2028-01-01-1", True, "", None, RECEIVED, RECEIVED
    ) == (
        "aucune demande d'autorisation n° « 2028-01-01-1 » ; en attente de réponse : 2028-05-02-1"
    )
    apply_silence(
        state,
        ApplySilence(SilentRequest.AUTHORISATION, "2028-05-02-1", DEADLINE, Silence.REJECT),
        SILENCE,
    )
    assert refusal(
        auth.check_answer_authorisation, state, "2028-05-02-1", True, "", None, DEADLINE, SILENCE
    ) == (
        "la demande d'autorisation n° 2028-05-02-1 est déjà rejetée par le silence de "
        "l'autorité depuis le 04/07/2028"
    )


def test_an_answer_before_the_request_or_in_the_future_is_refused() -> None:
    state = requested()
    before = RECEIVED - timedelta(days=1)
    assert (
        refusal(
            auth.check_answer_authorisation, state, "2028-05-02-1", True, "", None, before, RECEIVED
        )
        == "la réponse ne peut précéder la demande"
    )
    after = RECEIVED + timedelta(days=1)
    assert (
        refusal(
            auth.check_answer_authorisation, state, "2028-05-02-1", True, "", None, after, RECEIVED
        )
        == "la réponse du 03/05/2028 est dans le futur"
    )


# Planned actions and silence ---------------------------------------------------------------------


def test_the_plan_announces_reminds_and_applies_silence_the_day_after() -> None:
    state = requested()
    facts = {
        "request_id": "2028-05-02-1",
        "subject": SUBJECT,
        "received_on": "02/05/2028",
        "reply_deadline": "03/07/2028",
        "silence_on": "04/07/2028",
        "on_silence": "reject",
    }
    planned = [p for p in plan(state) if p.key.startswith("autorisation:")]
    assert planned == [
        Planned(
            RECEIVED,
            0,
            "autorisation:2028-05-02-1:demande",
            Notify(NoticeKind.AUTHORISATION_REQUESTED, BOTH, facts),
        ),
        Planned(
            date(2028, 6, 26),
            REMINDER_HOUR,
            "autorisation:2028-05-02-1:rappel",
            Notify(NoticeKind.AUTHORISATION_REPLY_REMINDER, (Recipient.AUTORITE,), facts),
        ),
        Planned(
            SILENCE,
            0,
            "autorisation:2028-05-02-1:silence",
            ApplySilence(SilentRequest.AUTHORISATION, "2028-05-02-1", DEADLINE, Silence.REJECT),
        ),
    ]
    assert isinstance(planned[2].action, ApplySilence)
    apply_silence(state, planned[2].action, SILENCE)
    [request] = state.authorisations
    assert (request.outcome, request.decided_on) == (
        AuthorisationOutcome.IMPLICITLY_REJECTED,
        SILENCE,
    )
    event = state.events[-1]
    assert event.kind == "authorisation_implicitly_rejected"
    assert event.summary.startswith("rejet implicite de la demande d'autorisation n° 2028-05-02-1")
    assert (event.on, event.details["decided_on"], event.details["reply_deadline"]) == (
        SILENCE,
        "2028-07-04",
        "2028-07-03",
    )
    assert event.details["law"].startswith("loi n° 2018-1021")
    state.done.update(p.key for p in planned if p.key.endswith(":demande"))
    assert [p for p in plan(state) if p.key.startswith("autorisation:")] == [
        Planned(
            SILENCE,
            0,
            "autorisation:2028-05-02-1:silence:avis",
            Notify(NoticeKind.AUTHORISATION_SILENCE, BOTH, facts),
        )
    ]


def test_a_request_recorded_late_gets_no_reminder_of_a_past_day() -> None:
    state = ahi_state()
    auth.apply_request_authorisation(state, SUBJECT, RECEIVED, date(2028, 6, 30), "agent")
    keys = [p.key for p in plan(state) if p.key.startswith("autorisation:")]
    assert keys == ["autorisation:2028-05-02-1:demande", "autorisation:2028-05-02-1:silence"]


def test_a_contract_whose_silence_is_acceptance_grants_by_silence() -> None:
    state = requested(ahi_state(authorisation_silence=Silence.ACCEPT))
    [request] = state.authorisations
    assert request.on_silence is Silence.ACCEPT
    [silence] = [p for p in plan(state) if p.key.endswith(":silence")]
    assert isinstance(silence.action, ApplySilence)
    assert silence.action.meaning is Silence.ACCEPT
    apply_silence(state, silence.action, SILENCE)
    assert request.outcome is AuthorisationOutcome.IMPLICITLY_GRANTED
    assert state.events[-1].kind == "authorisation_implicitly_granted"


def test_a_contract_without_requests_plans_nothing_new() -> None:
    state = ahi_state()
    assert not [p for p in plan(state) if p.key.startswith("autorisation:")]
    assert not [i for i in live_agenda(state) if i.key.startswith("autorisation:")]


# Live agenda -------------------------------------------------------------------------------------


def test_the_live_agenda_awaits_the_authority_and_says_what_silence_means() -> None:
    state = requested()
    items = {i.key: i for i in live_agenda(state) if i.key.startswith("autorisation:")}
    assert sorted(items) == [
        "autorisation:2028-05-02-1",
        "autorisation:2028-05-02-1:reception",
        "autorisation:2028-05-02-1:silence",
    ]
    answer = items["autorisation:2028-05-02-1"]
    assert answer.kind == AgendaKind.AUTHORISATION_ANSWER
    assert (answer.day, answer.awaited, answer.waiting_for, answer.action) == (
        DEADLINE,
        True,
        Party.AUTORITE,
        "answer_authorisation",
    )
    assert (answer.on_silence, answer.silence_on, answer.opens_on) == (
        Silence.REJECT,
        SILENCE,
        RECEIVED,
    )
    assert answer.consequence == (
        "sans décision de l'autorité au 03/07/2028, son silence vaut rejet : la demande est "
        "rejetée le 04/07/2028 ; le gestionnaire peut alors en demander les motifs et la "
        "contester dans les deux mois (recours gracieux, ou recours contentieux devant le "
        "tribunal administratif)"
    )
    assert answer.basis.law.startswith("loi n° 2018-1021")
    assert status_on(answer, DEADLINE) is Status.PENDING
    received = items["autorisation:2028-05-02-1:reception"]
    assert (received.done_on, received.done_by) == (RECEIVED, "Sophie Bernard (gestionnaire)")
    apply_silence(
        state,
        ApplySilence(SilentRequest.AUTHORISATION, "2028-05-02-1", DEADLINE, Silence.REJECT),
        SILENCE,
    )
    items = {i.key: i for i in live_agenda(state) if i.key.startswith("autorisation:")}
    answer = items["autorisation:2028-05-02-1"]
    assert (answer.done_on, answer.outcome) == (SILENCE, "rejet implicite (silence de l'autorité)")
    assert items["autorisation:2028-05-02-1:silence"].done_on == SILENCE


def test_an_explicit_answer_closes_the_agenda_item_with_its_author() -> None:
    state = requested()
    auth.apply_answer_authorisation(
        state,
        "2028-05-02-1",
        False,
        "Hors programmation",
        RECEIVED,
        RECEIVED,
        "Marie Dupont (agent)",
    )
    items = {i.key: i for i in live_agenda(state) if i.key.startswith("autorisation:")}
    assert "autorisation:2028-05-02-1:silence" not in items
    answer = items["autorisation:2028-05-02-1"]
    assert (answer.done_on, answer.done_by, answer.outcome) == (
        RECEIVED,
        "Marie Dupont (agent)",
        "autorisation refusée ; motifs : Hors programmation",
    )


# Properties of the window ------------------------------------------------------------------------

received_days = st.dates(min_value=date(2019, 1, 1), max_value=date(2090, 12, 31))
territories = st.sampled_from(["35", "57", "971", "974", "976", "2A"])
reply_months = st.integers(min_value=1, max_value=12)


def terms_for(territory: str, months: int) -> ContractTerms:
    return make_terms(
        sector=Sector.AHI_ETAT, territory=territory, rules={"authorisation_reply_months": months}
    )


@given(received_days, territories, reply_months)
def test_the_last_day_is_a_working_day_never_before_n_months_after_receipt(
    received: date, territory: str, months: int
) -> None:
    deadline = auth.reply_deadline(terms_for(territory, months), received).day
    assert deadline >= add_months(received, months)
    assert is_working_day(territory, deadline)
    # Carried over days off only: never more than a long weekend of public holidays away.
    assert (deadline - add_months(received, months)).days <= 4


@given(received_days, st.integers(min_value=1, max_value=60), territories, reply_months)
def test_the_last_day_never_moves_back_when_the_receipt_moves_forward(
    received: date, later_by: int, territory: str, months: int
) -> None:
    terms = terms_for(territory, months)
    first = auth.reply_deadline(terms, received).day
    second = auth.reply_deadline(terms, received + timedelta(days=later_by)).day
    assert first <= second


def test_the_silence_of_a_prorogation_applies_as_acceptance() -> None:
    from cpom.domain import lifecycle as life

    state = ContractState(make_terms(), Phase.EXECUTION)
    life.apply_request_prorogation(state, Party.GESTIONNAIRE, RECEIVED, None, RECEIVED, "g")
    pending_prorogation = state.pending_prorogation
    assert pending_prorogation is not None
    apply_silence(
        state,
        ApplySilence(
            SilentRequest.PROROGATION,
            RECEIVED.isoformat(),
            pending_prorogation.reply_deadline,
            Silence.ACCEPT,
        ),
        pending_prorogation.reply_deadline + timedelta(days=1),
    )
    assert state.pending_prorogation is None
    assert state.terms.prorogations[-1].tacit


def test_a_deadline_keeps_its_day_when_the_rules_no_longer_provide_requests() -> None:
    state = requested()
    [request] = state.authorisations
    terms = replace(state.terms, rules=replace(state.terms.rules, authorisation_reply_months=None))
    basis = auth.deadline_basis(terms, request)
    assert basis.rule == "dernier jour du délai de décision ouvert par la demande"


def test_other_pending_requests_do_not_count_as_the_same_and_their_number_is_capped() -> None:
    state = requested()
    for index in range(auth.MAX_PENDING - 1):
        subject = f"Demande {index}"
        auth.check_request_authorisation(state, None, subject, RECEIVED, RECEIVED)
        auth.apply_request_authorisation(state, subject, RECEIVED, RECEIVED, "g")
    assert refusal(
        auth.check_request_authorisation, state, None, "Une de plus", RECEIVED, RECEIVED
    ) == (
        f"{auth.MAX_PENDING} demandes d'autorisation attendent déjà leur réponse : en clore "
        "avant d'en enregistrer d'autres"
    )


def test_a_decided_request_says_how_it_was_decided() -> None:
    granted = requested(ahi_state(authorisation_silence=Silence.ACCEPT))
    apply_silence(
        granted,
        ApplySilence(SilentRequest.AUTHORISATION, "2028-05-02-1", DEADLINE, Silence.ACCEPT),
        SILENCE,
    )
    assert refusal(
        auth.check_answer_authorisation, granted, "2028-05-02-1", True, "", None, DEADLINE, SILENCE
    ) == (
        "la demande d'autorisation n° 2028-05-02-1 est déjà réputée accordée depuis le 04/07/2028"
    )
    answered = requested()
    auth.apply_answer_authorisation(answered, "2028-05-02-1", True, "", RECEIVED, RECEIVED, "a")
    message = refusal(
        auth.check_answer_authorisation,
        answered,
        "2028-05-02-1",
        True,
        "",
        None,
        RECEIVED,
        RECEIVED,
    )
    assert message.startswith("la demande d'autorisation n° 2028-05-02-1 a déjà reçu sa réponse")


def test_reasons_are_checked_as_text() -> None:
    state = requested()
    nul = refusal(
        auth.check_answer_authorisation,
        state,
        "2028-05-02-1",
        False,
        "a\x00b",
        None,
        RECEIVED,
        RECEIVED,
    )
    assert nul.startswith("motifs : ")
    long = "x" * (auth.MAX_REASONS_LENGTH + 1)
    assert (
        refusal(
            auth.check_answer_authorisation,
            state,
            "2028-05-02-1",
            False,
            long,
            None,
            RECEIVED,
            RECEIVED,
        )
        == f"les motifs dépassent {auth.MAX_REASONS_LENGTH} caractères"
    )


def test_a_request_before_the_effect_of_a_contract_without_signature_day_is_refused() -> None:
    state = ahi_state()
    assert state.terms.signed_on is None
    early = state.terms.effet - timedelta(days=1)
    assert refusal(auth.check_request_authorisation, state, None, SUBJECT, early, RECEIVED) == (
        f"la demande reçue le {early:%d/%m/%Y} précède la prise d'effet du CPOM "
        f"({state.terms.effet:%d/%m/%Y}) : elle ne relève pas du contrat"
    )
