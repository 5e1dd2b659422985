"""The prorogation paths of seed 001, lived on the time-skipping server with real mail."""

from datetime import date

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from cpom.domain.lifecycle import Party
from cpom.messages import (
    AnswerProrogation,
    RequestProrogation,
    SubmitDocuments,
)
from cpom.simulation import LifeSimulator
from tests.factories import SAD_ITEMS
from tests.workflows.helpers import (
    AUTORITE,
    GESTIONNAIRE,
    addressees,
    agree_mutual_denonciation,
    contract,
    events,
    mail_to,
    notices,
)


async def test_silence_then_tacit_prorogation(simulator: LifeSimulator) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2028, 1, 1))
    await simulator.advance_to(date(2028, 5, 2))
    result = await simulator.decide(
        handle,
        "request_prorogation",
        RequestProrogation("agent-35", Party.GESTIONNAIRE, date(2028, 5, 2)),
    )
    assert "03/07/2028" in result.message  # 2 July 2028 is a Sunday
    await simulator.advance_to(date(2028, 7, 10))
    log = simulator.log(terms.reference)
    assert notices(log, "demande_de_prorogation_recue") == [
        ("2028-05-02", "demande_de_prorogation_recue")
    ]
    # The other party is reminded a week before the last day; silence is then acceptance.
    assert notices(log, "rappel_reponse_prorogation") == [
        ("2028-06-26", "rappel_reponse_prorogation")
    ]
    accepted = events(log, "prorogation_accepted")
    assert [(e["at"], e["tacit"], e["new_echeance"]) for e in accepted] == [
        ("2028-07-04", "true", "2029-12-31")
    ]
    documents = {e["document"]: e["at"] for e in events(log, "document_generated")}
    assert documents == {
        "attestation_acceptation_tacite": "2028-07-04",
        "avenant_de_prorogation": "2028-07-04",
    }
    assert notices(log, "prorogation_acceptee") == [("2028-07-04", "prorogation_acceptee")]
    caught = simulator.catcher.caught
    # A message for each party, each carrying the avenant and the attestation.
    assert addressees(caught, "prorogation_acceptee") == sorted([AUTORITE, GESTIONNAIRE])
    mail = mail_to(caught, "prorogation_acceptee", GESTIONNAIRE)
    assert "nouvelle échéance le 31/12/2029" in mail.subject
    assert "l'accord est réputé acquis depuis le 04/07/2028" in mail.text()
    assert "sont joints à ce message" in mail.text()
    assert [part.get_filename() for part in mail.message.iter_attachments()] == [
        "avenant_de_prorogation-CPOM-35-SAD-2024.pdf",
        "attestation_acceptation_tacite-CPOM-35-SAD-2024.pdf",
    ]
    view = await simulator.view(handle)
    assert view.echeance == date(2029, 12, 31)
    assert view.phase.value == "prorogee"  # 2028 is no longer the last year: 2029 is


async def test_explicit_acceptance_generates_the_avenant_only(simulator: LifeSimulator) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2028, 4, 1))
    await simulator.advance_to(date(2028, 6, 1))
    await simulator.decide(
        handle,
        "request_prorogation",
        RequestProrogation("agent-35", Party.AUTORITE, date(2028, 6, 1), date(2029, 6, 30)),
    )
    await simulator.advance_to(date(2028, 6, 20))
    await simulator.decide(
        handle, "answer_prorogation", AnswerProrogation("gestionnaire", True, date(2028, 6, 19))
    )
    await simulator.advance_to(date(2028, 6, 21))
    log = simulator.log(terms.reference)
    accepted = events(log, "prorogation_accepted")
    assert [(e["at"], e["tacit"], e["new_echeance"]) for e in accepted] == [
        ("2028-06-20", "false", "2029-06-30")
    ]
    assert [e["document"] for e in events(log, "document_generated")] == ["avenant_de_prorogation"]
    assert (await simulator.view(handle)).phase.value == "prorogee"
    # The reply reminder was planned for 25 July: acceptance cancelled it.
    assert notices(log, "rappel_reponse_prorogation") == []


async def test_a_gestionnaire_cannot_accept_its_own_prorogation_request(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2028, 4, 1))
    await simulator.advance_to(date(2028, 5, 15))
    await simulator.decide(
        handle,
        "request_prorogation",
        RequestProrogation("g", Party.GESTIONNAIRE, date(2028, 5, 15)),
    )
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await simulator.decide(
            handle,
            "answer_prorogation",
            AnswerProrogation("g", True, date(2028, 5, 15), Party.GESTIONNAIRE),
        )
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.message == (
        "la demande de prorogation du gestionnaire ne peut être acceptée ou refusée que par "
        "l'autorité"
    )
    view = await simulator.view(handle)
    assert (view.phase.value, view.echeance) == ("prorogation_en_cours", date(2028, 12, 31))
    # The authority still may, and says so.
    await simulator.decide(
        handle,
        "answer_prorogation",
        AnswerProrogation("agent-35", True, date(2028, 5, 15), Party.AUTORITE),
    )
    assert (await simulator.view(handle)).echeance == date(2029, 12, 31)


async def test_refusal_opens_the_renegotiation_with_a_linked_successor(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2028, 4, 1))
    await simulator.advance_to(date(2028, 5, 15))
    await simulator.decide(
        handle,
        "request_prorogation",
        RequestProrogation("g", Party.GESTIONNAIRE, date(2028, 5, 15)),
    )
    await simulator.advance_to(date(2028, 6, 2))
    result = await simulator.decide(
        handle, "answer_prorogation", AnswerProrogation("agent-35", False, date(2028, 6, 2))
    )
    assert "renégociation" in result.message
    await simulator.advance_to(date(2028, 6, 3))
    log = simulator.log(terms.reference)
    opened = events(log, "renegotiation_opened")
    assert [(e["at"], e["successor"]) for e in opened] == [("2028-06-02", "CPOM-35-SAD-2024-R")]
    assert notices(log, "renegociation_ouverte") == [("2028-06-02", "renegociation_ouverte")]
    assert (await simulator.view(handle)).phase.value == "renegociation"
    successor = simulator.handle("CPOM-35-SAD-2024-R")
    view = await simulator.view(successor)
    assert view.phase.value == "cadrage"
    assert view.echeance == date(2033, 12, 31)  # takes effect the day after, for 5 years
    predecessor = [e for e in view.events if e.kind == "opened"]
    assert "CPOM-35-SAD-2024" in predecessor[0].summary


async def test_no_notice_by_the_deadline_opens_the_renegotiation(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2028, 4, 1))
    await simulator.advance_to(date(2028, 7, 2))
    log = simulator.log(terms.reference)
    assert notices(log, "rappel_date_limite_prorogation") == [
        ("2028-04-30", "rappel_date_limite_prorogation")
    ]
    opened = events(log, "renegotiation_opened")
    # "Au plus tard six mois avant l'échéance": on 30 June itself, once that day's notices could
    # have come in, not on 1 July.
    assert [e["at"] for e in opened] == ["2028-06-30"]
    assert (await simulator.view(handle)).phase.value == "renegociation"


async def test_a_late_notice_is_refused_with_the_reason(simulator: LifeSimulator) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2028, 6, 1))
    await simulator.advance_to(date(2028, 7, 3))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await simulator.decide(
            handle,
            "request_prorogation",
            RequestProrogation("g", Party.GESTIONNAIRE, date(2028, 7, 3)),
        )
    assert "après la date limite du 30/06/2028" in str(refused.value.cause)
    documents = SubmitDocuments("g", 2027, SAD_ITEMS)
    assert (await simulator.decide(handle, "submit_documents", documents)).message == (
        "documents reçus"
    )


async def test_a_request_made_moot_by_the_end_is_not_the_next_legal_deadline(
    simulator: LifeSimulator,
) -> None:
    """Found by probing: denounced while a prorogation request awaited its answer, a contract
    was listed with that request's reply deadline as its next legal deadline (patch
    `moot-steps-not-deadlines`)."""
    terms = contract()
    handle = await simulator.start(terms, date(2028, 3, 1), imported=True)
    # The 2027 documents in: the request's reply deadline is then the next legal deadline.
    await simulator.decide(handle, "submit_documents", SubmitDocuments("g", 2027, SAD_ITEMS))
    await simulator.decide(
        handle,
        "request_prorogation",
        RequestProrogation("g", Party.GESTIONNAIRE, date(2028, 3, 1)),
    )
    listed = simulator.record(terms.reference)
    assert listed is not None
    reply_deadline = listed.next_deadline
    assert listed.next_deadline_kind == "prorogation_reply_deadline"
    await agree_mutual_denonciation(simulator, handle, date(2028, 3, 2), date(2028, 3, 3))
    await simulator.advance_to(date(2028, 3, 4))
    listed = simulator.record(terms.reference)
    assert listed is not None
    assert listed.next_deadline_kind != "prorogation_reply_deadline"
    assert listed.next_deadline is not None
    assert reply_deadline is not None
    assert listed.next_deadline > reply_deadline
