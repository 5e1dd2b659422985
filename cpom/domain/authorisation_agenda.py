"""The agenda steps of the gestionnaire's authorisation requests (seed 004 L890-894): their
receipt, the authority's decision awaited until the last day of the window, and what its
silence then means."""

from __future__ import annotations

from cpom.domain import authorisation
from cpom.domain.agenda_items import KIND_LABELS, AgendaItem, AgendaKind
from cpom.domain.clock import fr
from cpom.domain.date_law import Basis
from cpom.domain.lifecycle import ContractState, Party
from cpom.domain.terms import Silence

# Characters of a request's subject shown in the labels; the whole of it is in the journal.
LABEL_SUBJECT_LENGTH = 80


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def authorisation_items(state: ContractState) -> list[AgendaItem]:
    """Each request of the gestionnaire: its receipt, the authority's decision awaited until
    the last day of the window, and, while it waits or once it applied, what silence means."""
    requested_by = {
        e.details.get("request_id"): e.actor
        for e in state.events
        if e.kind == "authorisation_requested"
    }
    items = []
    for request in state.authorisations:
        key = f"autorisation:{request.id}"
        about = f"n° {request.id} (« {_short(request.subject, LABEL_SUBJECT_LENGTH)} »)"
        silence_on = authorisation.silence_day(request)
        rejects = request.on_silence is not Silence.ACCEPT
        means = "rejet" if rejects else "accord"
        items.append(
            AgendaItem(
                key=f"{key}:reception",
                day=request.received_on,
                kind=AgendaKind.AUTHORISATION_RECEIVED,
                label=f"{KIND_LABELS[AgendaKind.AUTHORISATION_RECEIVED]} {about}",
                hard=True,
                basis=Basis(
                    "réception de la demande d'autorisation du gestionnaire : le délai de "
                    "décision de l'autorité court à partir du lendemain",
                    authorisation.AUTHORISATION_SOURCE,
                    law=authorisation.AUTHORISATION_LAW,
                ),
                done_on=request.received_on,
                done_by=requested_by.get(request.id),
                outcome="demande reçue",
            )
        )
        answer = AgendaItem(
            key=key,
            day=request.reply_deadline,
            kind=AgendaKind.AUTHORISATION_ANSWER,
            label=f"{KIND_LABELS[AgendaKind.AUTHORISATION_ANSWER]} {about}",
            hard=True,
            basis=authorisation.deadline_basis(state.terms, request),
            on_silence=request.on_silence,
            awaited=True,
            waiting_for=Party.AUTORITE,
            action="answer_authorisation",
            opens_on=request.received_on,
            silence_on=silence_on,
            consequence=f"sans décision de l'autorité au {fr(request.reply_deadline)}, son "
            f"silence vaut {means} : la demande est "
            + (
                f"rejetée le {fr(silence_on)} ; le gestionnaire peut alors en demander les "
                "motifs et la contester dans les deux mois (recours gracieux, ou recours "
                "contentieux devant le tribunal administratif)"
                if rejects
                else f"réputée accordée le {fr(silence_on)}"
            ),
        )
        if request.outcome is not None:
            outcome = authorisation.OUTCOME_LABELS[request.outcome]
            if request.reasons:
                outcome += f" ; motifs : {_short(request.reasons, 200)}"
            answer.done_on, answer.done_by, answer.outcome = (
                request.decided_on,
                request.decided_by,
                outcome,
            )
        items.append(answer)
        if request.outcome is None or request.outcome in authorisation.IMPLICIT_OUTCOMES:
            what = "Rejet implicite" if rejects else "Accord implicite"
            items.append(
                AgendaItem(
                    key=f"{key}:silence",
                    day=silence_on,
                    kind=AgendaKind.AUTHORISATION_SILENCE,
                    label=f"{what} de la demande d'autorisation {about}",
                    hard=True,
                    basis=authorisation.silence_basis(request),
                    done_on=request.decided_on,
                    outcome=None
                    if request.outcome is None
                    else authorisation.OUTCOME_LABELS[request.outcome],
                    consequence=f"faute de décision de l'autorité, le silence vaut {means} ce jour",
                )
            )
    return items
