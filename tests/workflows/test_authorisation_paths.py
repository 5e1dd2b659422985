"""Authorisation requests of an AHI contract (seed 004 L890-894), lived on the time-skipping
server with real mail: the State's silence is a rejection the day after its two months."""

from datetime import date

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from cpom.domain.terms import ContractTerms, Sector
from cpom.messages import AnswerAuthorisation, RequestAuthorisation
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import (
    AUTORITE,
    GESTIONNAIRE,
    addressees,
    contract,
    events,
    mail_to,
    mails_of,
    notices,
)

SUBJECT = "Extension de 12 places du CHRS Les Tilleuls"
SOPHIE = "Sophie Bernard (gestionnaire)"
MARIE = "Marie Dupont (agent)"


def ahi() -> ContractTerms:
    """A State AHI contract in force from 2026 to 2030, far from its renewal in 2028."""
    return contract(sector=Sector.AHI_ETAT, effet=date(2026, 1, 1), years=5)


async def test_silence_of_the_state_is_a_rejection_the_day_after_the_deadline(
    simulator: LifeSimulator,
) -> None:
    terms = ahi()
    handle = await simulator.start(terms, date(2028, 4, 1))
    await simulator.advance_to(date(2028, 5, 2))
    result = await simulator.decide(
        handle, "request_authorisation", RequestAuthorisation(SOPHIE, SUBJECT, date(2028, 5, 2))
    )
    # 2 July 2028 is a Sunday: the last day is Monday 3 July.
    assert result.message == (
        "demande d'autorisation n° 2028-05-02-1 enregistrée ; réponse de l'autorité au plus "
        "tard le 03/07/2028, son silence vaudra rejet"
    )
    await simulator.advance_to(date(2028, 7, 3), hour=23)
    log = simulator.log(terms.reference)
    assert events(log, "authorisation_implicitly_rejected") == []
    await simulator.advance_to(date(2028, 7, 5))
    log = simulator.log(terms.reference)
    [rejected] = events(log, "authorisation_implicitly_rejected")
    assert (rejected["at"], rejected["request_id"], rejected["decided_on"]) == (
        "2028-07-04",
        "2028-05-02-1",
        "2028-07-04",
    )
    assert notices(log, "demande_d_autorisation_recue") == [
        ("2028-05-02", "demande_d_autorisation_recue")
    ]
    # The authority alone is reminded, a week before its last day.
    assert notices(log, "rappel_reponse_autorisation") == [
        ("2028-06-26", "rappel_reponse_autorisation")
    ]
    [reminder] = mails_of(simulator.catcher.caught, "rappel_reponse_autorisation")
    assert reminder.envelope_to == [AUTORITE]
    assert notices(log, "rejet_implicite_autorisation") == [
        ("2028-07-04", "rejet_implicite_autorisation")
    ]
    caught = simulator.catcher.caught
    assert addressees(caught, "rejet_implicite_autorisation") == sorted([AUTORITE, GESTIONNAIRE])
    mail = mail_to(caught, "rejet_implicite_autorisation", GESTIONNAIRE)
    assert "rejet implicite de la demande d'autorisation reçue le 02/05/2028" in mail.subject
    text = mail.text()
    assert "implicitement rejetée depuis le 04/07/2028" in text
    assert "demander la communication des motifs" in text
    assert "recours gracieux" in text
    assert "tribunal administratif" in text
    # The authority, which must answer, reads that it has until the deadline.
    announced = mail_to(simulator.catcher.caught, "demande_d_autorisation_recue", AUTORITE)
    assert "l'absence de réponse vaut rejet" in announced.text()
    assert "Vous disposez d'un délai expirant le 03/07/2028" in announced.text()
    assert "03/07/2028" in announced.subject
    # Too late: the request is rejected already, and the answer changes nothing.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await simulator.decide(
            handle,
            "answer_authorisation",
            AnswerAuthorisation(MARIE, "2028-05-02-1", True, date(2028, 7, 5)),
        )
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.message == (
        "la demande d'autorisation n° 2028-05-02-1 est déjà rejetée par le silence de "
        "l'autorité depuis le 04/07/2028"
    )


async def test_an_answer_before_the_deadline_closes_the_request(
    simulator: LifeSimulator,
) -> None:
    terms = ahi()
    handle = await simulator.start(terms, date(2028, 4, 1))
    await simulator.advance_to(date(2028, 5, 2))
    await simulator.decide(
        handle, "request_authorisation", RequestAuthorisation(SOPHIE, SUBJECT, date(2028, 5, 2))
    )
    await simulator.advance_to(date(2028, 6, 1))
    result = await simulator.decide(
        handle,
        "answer_authorisation",
        AnswerAuthorisation(MARIE, "2028-05-02-1", False, date(2028, 5, 31), "Hors programmation"),
    )
    assert result.message == "demande d'autorisation n° 2028-05-02-1 refusée, motifs enregistrés"
    await simulator.advance_to(date(2028, 7, 10))
    log = simulator.log(terms.reference)
    [answered] = events(log, "authorisation_answered")
    assert (answered["outcome"], answered["reasons"]) == ("refusee", "Hors programmation")
    assert events(log, "authorisation_implicitly_rejected") == []
    assert notices(log, "rappel_reponse_autorisation") == []
    assert notices(log, "rejet_implicite_autorisation") == []


async def test_an_answer_on_the_last_day_is_still_on_time(
    simulator: LifeSimulator,
) -> None:
    terms = ahi()
    handle = await simulator.start(terms, date(2028, 4, 1))
    await simulator.advance_to(date(2028, 5, 2))
    await simulator.decide(
        handle, "request_authorisation", RequestAuthorisation(SOPHIE, SUBJECT, date(2028, 5, 2))
    )
    await simulator.advance_to(date(2028, 7, 3), hour=23)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await simulator.decide(
            handle,
            "answer_authorisation",
            AnswerAuthorisation(MARIE, "2028-05-02-1", True, date(2028, 7, 4)),
        )
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.message == "la réponse du 04/07/2028 est dans le futur"
    # An answer dated on the last day is still on time.
    granted = await simulator.decide(
        handle,
        "answer_authorisation",
        AnswerAuthorisation(MARIE, "2028-05-02-1", True, date(2028, 7, 3)),
    )
    assert granted.message == "demande d'autorisation n° 2028-05-02-1 accordée"
    await simulator.advance_to(date(2028, 7, 5))
    assert events(simulator.log(terms.reference), "authorisation_implicitly_rejected") == []
