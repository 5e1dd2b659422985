"""Authorisation requests of the gestionnaire, whose silence is a refusal.

Under the loi ELAN (art. 125 IV, seed 004 L890-894), an organisme gestionnaire that has concluded
a CPOM may ask the State for an authorisation (an extension of capacity up to 100 %, the
authorisation of places declared before): the State « dispose d'un délai de deux mois à compter
de la date de réception de la demande » and « l'absence de réponse dans un délai de deux mois
vaut rejet ». A rejection gives its reasons. This is the opposite of a prorogation, where silence
is acceptance (cpom-rules A26): each request carries what its silence means (`on_silence`), and
the workflow applies it the day after the window through the same planned action
(`cpom.domain.agenda.ApplySilence`).

The window is a deadline to act counted from an event (`date_law.forward_deadline`: the same
day number N months later, extended to the next working day, C. proc. civ. art. 640 to 642).
Decisions follow the rules of `cpom.domain.lifecycle`: `check_*` refuses in French and changes
nothing, `apply_*` changes the state and logs a dated event.
"""

from __future__ import annotations

from datetime import date

from cpom.domain.clock import fr
from cpom.domain.date_law import (
    ONE_DAY,
    Basis,
    Dated,
    forward_deadline,
    months_label,
)
from cpom.domain.identifiers import text_problem
from cpom.domain.legal_basis import CPC_EVENT_COUNT
from cpom.domain.lifecycle import (
    ENDED,
    PARTY_LABELS,
    PHASE_LABELS,
    PRE_SIGNATURE,
    AuthorisationOutcome,
    AuthorisationRequest,
    ContractState,
    DecisionRefused,
    Event,
    Party,
    log,
)
from cpom.domain.terms import ContractTerms, Silence

AUTHORISATION_LAW = "loi n° 2018-1021 du 23 novembre 2018, art. 125 IV"
REASONS_LAW = "C. relations entre le public et l'administration, art. L. 211-2"
AUTHORISATION_SOURCE = "seed 004 L890-894 ; cpom-rules T104, T105, E30, A26"
MAX_SUBJECT_LENGTH = 500
MAX_REASONS_LENGTH = 4000
# A bound on what the workflow carries from run to run; far above any real contract.
MAX_PENDING = 20

OUTCOME_LABELS = {
    AuthorisationOutcome.GRANTED: "autorisation accordée",
    AuthorisationOutcome.REFUSED: "autorisation refusée",
    AuthorisationOutcome.IMPLICITLY_REJECTED: "rejet implicite (silence de l'autorité)",
    AuthorisationOutcome.IMPLICITLY_GRANTED: "accord implicite (silence de l'autorité)",
}
SILENCE_MEANS = {Silence.REJECT: "rejet", Silence.ACCEPT: "accord"}
IMPLICIT_OUTCOMES = frozenset(
    {AuthorisationOutcome.IMPLICITLY_REJECTED, AuthorisationOutcome.IMPLICITLY_GRANTED}
)


def reply_deadline(terms: ContractTerms, received_on: date) -> Dated:
    """The last day for the authority to answer a request received on `received_on`."""
    months = terms.rules.authorisation_reply_months
    assert months is not None  # checked before: the contract provides for requests
    means = SILENCE_MEANS[terms.rules.authorisation_silence]
    dated = forward_deadline(
        received_on,
        months,
        terms.authority.territory,
        rule=f"l'autorité se prononce dans les {months_label(months)} suivant la réception de "
        f"la demande d'autorisation ; l'absence de réponse dans ce délai vaut {means}",
        source=AUTHORISATION_SOURCE,
    )
    dated.basis.law = f"{AUTHORISATION_LAW} ; {CPC_EVENT_COUNT}"
    return dated


def deadline_basis(terms: ContractTerms, request: AuthorisationRequest) -> Basis:
    """Why the request's last day is what it is, counted again from its receipt."""
    if terms.rules.authorisation_reply_months is None:  # the rules changed since: keep the day
        return Basis(
            "dernier jour du délai de décision ouvert par la demande",
            AUTHORISATION_SOURCE,
            request.received_on,
            law=f"{AUTHORISATION_LAW} ; {CPC_EVENT_COUNT}",
        )
    return reply_deadline(terms, request.received_on).basis


def silence_day(request: AuthorisationRequest) -> date:
    """The day the silence of the authority takes effect: the day after the window."""
    return request.reply_deadline + ONE_DAY


def silence_basis(request: AuthorisationRequest) -> Basis:
    means = SILENCE_MEANS.get(request.on_silence, "rejet")
    return Basis(
        f"sans réponse de l'autorité au {fr(request.reply_deadline)}, dernier jour du délai "
        f"ouvert par la demande reçue le {fr(request.received_on)}, le silence vaut {means}",
        AUTHORISATION_SOURCE,
        request.reply_deadline,
        law=f"{AUTHORISATION_LAW} ; {CPC_EVENT_COUNT}",
    )


def pending(state: ContractState) -> list[AuthorisationRequest]:
    return [r for r in state.authorisations if r.outcome is None]


def find(state: ContractState, request_id: str) -> AuthorisationRequest | None:
    return next((r for r in state.authorisations if r.id == request_id), None)


def _clean(text: str) -> str:
    return " ".join(text.split())


# Request -----------------------------------------------------------------------------------------


def check_request_authorisation(
    state: ContractState,
    requested_by: Party | None,
    subject: str,
    received_on: date,
    today: date,
) -> None:
    terms = state.terms
    if state.phase in ENDED:
        raise DecisionRefused(f"le contrat est {PHASE_LABELS[state.phase]} : plus aucune décision")
    if terms.rules.authorisation_reply_months is None:
        raise DecisionRefused(
            "le contrat ne prévoit pas de demande d'autorisation à l'autorité "
            f"(préréglage {terms.sector.value})"
        )
    if state.phase in PRE_SIGNATURE:
        raise DecisionRefused(
            "une demande d'autorisation suppose un CPOM conclu (phase actuelle : "
            f"{PHASE_LABELS[state.phase]})"
        )
    if requested_by is Party.AUTORITE:
        raise DecisionRefused("seul le gestionnaire demande une autorisation : l'autorité y répond")
    if text_problem(subject) is not None:
        raise DecisionRefused(f"objet de la demande : {text_problem(subject)}")
    cleaned = _clean(subject)
    if not cleaned:
        raise DecisionRefused("l'objet de la demande d'autorisation est à renseigner")
    if len(cleaned) > MAX_SUBJECT_LENGTH:
        raise DecisionRefused(
            f"l'objet de la demande dépasse {MAX_SUBJECT_LENGTH} caractères : le résumer"
        )
    if received_on > today:
        raise DecisionRefused(f"la réception du {fr(received_on)} est dans le futur")
    if terms.signed_on is not None and received_on < terms.signed_on:
        raise DecisionRefused(
            f"la demande reçue le {fr(received_on)} précède la signature du CPOM "
            f"({fr(terms.signed_on)}) : elle ne relève pas du contrat"
        )
    if terms.signed_on is None and received_on < terms.effet:
        # Without its day of signature, a contract is known from its effect.
        raise DecisionRefused(
            f"la demande reçue le {fr(received_on)} précède la prise d'effet du CPOM "
            f"({fr(terms.effet)}) : elle ne relève pas du contrat"
        )
    waiting = pending(state)
    for request in waiting:
        if request.received_on == received_on and request.subject == cleaned:
            raise DecisionRefused(
                f"la même demande, reçue le {fr(received_on)}, est déjà enregistrée "
                f"(n° {request.id}) et attend la réponse de l'autorité"
            )
    if len(waiting) >= MAX_PENDING:
        raise DecisionRefused(
            f"{len(waiting)} demandes d'autorisation attendent déjà leur réponse : "
            "en clore avant d'en enregistrer d'autres"
        )


def apply_request_authorisation(
    state: ContractState, subject: str, received_on: date, today: date, actor: str
) -> AuthorisationRequest:
    """Record the request and open the authority's window; its id is its day of receipt and
    its rank among the requests received that day (« 2028-05-02-1 »)."""
    rank = 1 + sum(1 for r in state.authorisations if r.received_on == received_on)
    deadline = reply_deadline(state.terms, received_on)
    on_silence = state.terms.rules.authorisation_silence
    request = AuthorisationRequest(
        id=f"{received_on.isoformat()}-{rank}",
        subject=_clean(subject),
        received_on=received_on,
        reply_deadline=deadline.day,
        recorded_on=today,
        on_silence=on_silence,
    )
    state.authorisations.append(request)
    log(
        state,
        Event(
            today,
            "authorisation_requested",
            f"demande d'autorisation du gestionnaire reçue le {fr(received_on)} "
            f"(n° {request.id}) : « {request.subject} » ; réponse de l'autorité au plus tard "
            f"le {fr(deadline.day)}, son silence vaudra {SILENCE_MEANS[on_silence]}",
            actor,
            {
                "request_id": request.id,
                "subject": request.subject,
                "received_on": received_on.isoformat(),
                "reply_deadline": deadline.day.isoformat(),
                "on_silence": on_silence.value,
                "basis": deadline.basis.rule,
                "law": deadline.basis.law,
            },
        ),
    )
    return request


# Answer ------------------------------------------------------------------------------------------


def _already_decided(request: AuthorisationRequest) -> str:
    assert request.outcome is not None
    assert request.decided_on is not None
    if request.outcome is AuthorisationOutcome.IMPLICITLY_REJECTED:
        return (
            f"la demande d'autorisation n° {request.id} est déjà rejetée par le silence de "
            f"l'autorité depuis le {fr(request.decided_on)}"
        )
    if request.outcome is AuthorisationOutcome.IMPLICITLY_GRANTED:
        return (
            f"la demande d'autorisation n° {request.id} est déjà réputée accordée depuis le "
            f"{fr(request.decided_on)}"
        )
    return (
        f"la demande d'autorisation n° {request.id} a déjà reçu sa réponse : "
        f"{OUTCOME_LABELS[request.outcome]} le {fr(request.decided_on)}"
    )


def check_answer_authorisation(
    state: ContractState,
    request_id: str,
    accept: bool,
    reasons: str,
    answered_by: Party | None,
    received_on: date,
    today: date,
) -> None:
    request = find(state, request_id)
    if request is None:
        waiting = ", ".join(r.id for r in pending(state))
        raise DecisionRefused(
            f"aucune demande d'autorisation n° « {request_id} »"
            + (f" ; en attente de réponse : {waiting}" if waiting else " en attente de réponse")
        )
    if request.outcome is not None:
        raise DecisionRefused(_already_decided(request))
    if answered_by is Party.GESTIONNAIRE:
        raise DecisionRefused(
            "seule l'autorité se prononce sur une demande d'autorisation : "
            f"{PARTY_LABELS[Party.GESTIONNAIRE]} ne peut y répondre"
        )
    if received_on > today:
        raise DecisionRefused(f"la réponse du {fr(received_on)} est dans le futur")
    if received_on < request.received_on:
        raise DecisionRefused("la réponse ne peut précéder la demande")
    if received_on > request.reply_deadline:
        means = (
            "rejetée par le silence de l'autorité"
            if request.on_silence is Silence.REJECT
            else "réputée accordée"
        )
        raise DecisionRefused(
            f"réponse du {fr(received_on)}, après le dernier jour du délai "
            f"({fr(request.reply_deadline)}) : la demande est déjà {means} le "
            f"{fr(silence_day(request))}"
        )
    if text_problem(reasons) is not None:
        raise DecisionRefused(f"motifs : {text_problem(reasons)}")
    if not accept and not reasons.strip():
        raise DecisionRefused(
            f"un refus d'autorisation est motivé ({REASONS_LAW}) : indiquer ses motifs"
        )
    if len(reasons.strip()) > MAX_REASONS_LENGTH:
        raise DecisionRefused(f"les motifs dépassent {MAX_REASONS_LENGTH} caractères")


def apply_answer_authorisation(
    state: ContractState,
    request_id: str,
    accept: bool,
    reasons: str,
    received_on: date,
    today: date,
    actor: str,
) -> AuthorisationRequest:
    request = find(state, request_id)
    assert request is not None
    assert request.outcome is None
    request.outcome = AuthorisationOutcome.GRANTED if accept else AuthorisationOutcome.REFUSED
    request.decided_on = received_on
    request.decided_by = actor
    request.reasons = reasons.strip()
    summary = (
        f"demande d'autorisation n° {request.id} (« {request.subject} ») "
        + ("accordée" if accept else "refusée")
        + f" par l'autorité le {fr(received_on)}"
    )
    if request.reasons:
        summary += f" ; motifs : {request.reasons}"
    log(
        state,
        Event(
            today,
            "authorisation_answered",
            summary,
            actor,
            {
                "request_id": request.id,
                "outcome": request.outcome.value,
                "received_on": received_on.isoformat(),
                "reasons": request.reasons,
                "answered_by": Party.AUTORITE.value,
            },
        ),
    )
    return request


# Silence -----------------------------------------------------------------------------------------


def apply_silence(state: ContractState, request_id: str, today: date) -> AuthorisationRequest:
    """The window ended without an answer: what silence means applies (rejection by law)."""
    request = find(state, request_id)
    assert request is not None
    assert request.outcome is None
    rejected = request.on_silence is not Silence.ACCEPT
    request.outcome = (
        AuthorisationOutcome.IMPLICITLY_REJECTED
        if rejected
        else AuthorisationOutcome.IMPLICITLY_GRANTED
    )
    request.decided_on = silence_day(request)
    basis = silence_basis(request)
    what = "rejet implicite" if rejected else "accord implicite"
    log(
        state,
        Event(
            today,
            "authorisation_implicitly_rejected" if rejected else "authorisation_implicitly_granted",
            f"{what} de la demande d'autorisation n° {request.id} (« {request.subject} ») le "
            f"{fr(request.decided_on)} : {basis.rule}",
            None,
            {
                "request_id": request.id,
                "reply_deadline": request.reply_deadline.isoformat(),
                "decided_on": request.decided_on.isoformat(),
                "on_silence": request.on_silence.value,
                "basis": basis.rule,
                "law": basis.law,
            },
        ),
    )
    return request
