"""The due dates of the objectives' actions, lived on the time-skipping server with real mail: the
gestionnaire is reminded 30 days before; an action reported done is not followed up, one left
unreported is, with both parties, the day after its due date."""

from dataclasses import replace
from datetime import date

from cpom.domain.terms import ActionDeadline
from cpom.messages import ReportObjectives
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import (
    AUTORITE,
    GESTIONNAIRE,
    addressees,
    contract,
    mail_to,
    mails_of,
    notices,
)

ASTREINTE = ActionDeadline("2.1", "Mettre en place une astreinte de nuit", date(2025, 6, 30))
PLANNING = ActionDeadline("5.2", "Équiper les intervenants d'un outil mobile", date(2025, 9, 30))


async def test_actions_are_reminded_and_followed_up_until_reported_done(
    simulator: LifeSimulator,
) -> None:
    terms = replace(contract(), action_deadlines=(ASTREINTE, PLANNING))
    handle = await simulator.start(terms, date(2025, 5, 1))
    await simulator.advance_to(date(2025, 6, 2))
    [reminder] = mails_of(simulator.catcher.caught, "rappel_echeance_action")
    assert reminder.envelope_to == [GESTIONNAIRE]
    assert reminder.subject == ("CPOM CPOM-35-SAD-2024 — action 2.1 à réaliser d'ici le 30/06/2025")
    assert "«\u00a0Mettre en place une astreinte de nuit\u00a0»" in reminder.text()
    result = await simulator.decide(
        handle,
        "report_objectives",
        ReportObjectives("direction@aad35.example", 2024, None, closed=["2.1"]),
    )
    assert result.message == "déclaration de l'exercice 2024 enregistrée"
    await simulator.advance_to(date(2025, 10, 2))
    log = simulator.log(terms.reference)
    assert notices(log, "rappel_echeance_action") == [
        ("2025-05-31", "rappel_echeance_action"),
        ("2025-08-31", "rappel_echeance_action"),
    ]
    # Only the action left unreported is followed up, with both parties.
    assert notices(log, "relance_echeance_action") == [("2025-10-01", "relance_echeance_action")]
    caught = simulator.catcher.caught
    assert addressees(caught, "relance_echeance_action") == sorted([AUTORITE, GESTIONNAIRE])
    relance = mail_to(caught, "relance_echeance_action", GESTIONNAIRE)
    assert "action 5.2 non déclarée réalisée au 30/09/2025" in relance.subject
