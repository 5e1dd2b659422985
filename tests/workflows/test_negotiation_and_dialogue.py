"""From cadrage to signature, and a dialogue de gestion closed by its relevé de décisions."""

from datetime import date

import pytest
from temporalio.client import WorkflowUpdateFailedError

from cpom.domain.lifecycle import Party
from cpom.messages import (
    ApproveReleve,
    RecordDialogue,
    Sign,
    ValidateCadrage,
    ValidateDiagnostic,
)
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import contract, events, notices


async def test_negotiation_reaches_execution_with_soft_reminders(simulator: LifeSimulator) -> None:
    terms = contract(signed=False, process_started_on=date(2023, 3, 1))
    handle = await simulator.start(terms, date(2023, 3, 1))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await simulator.decide(handle, "sign", Sign("agent-35", date(2023, 3, 1)))
    assert "à l'issue de la négociation" in str(refused.value.cause)
    # The cadrage target (1 month) passes: a reminder, never a failure.
    await simulator.advance_to(date(2023, 4, 5))
    await simulator.decide(handle, "validate_cadrage", ValidateCadrage("agent-35"))
    await simulator.advance_to(date(2023, 6, 20))
    await simulator.decide(handle, "validate_diagnostic", ValidateDiagnostic("agent-35"))
    await simulator.advance_to(date(2023, 12, 12))
    await simulator.decide(handle, "sign", Sign("agent-35", date(2023, 12, 12)))
    await simulator.advance_to(date(2024, 1, 2))
    log = simulator.log(terms.reference)
    assert notices(log, "rappel_cible_phase") == [
        ("2023-04-01", "rappel_cible_phase"),  # end of cadrage, still in cadrage
        ("2023-10-01", "rappel_cible_phase"),  # signature target, still negotiating
    ]
    assert [(e["at"], e["phase"]) for e in events(log, "phase_changed")] == [
        ("2023-04-05", "diagnostic"),
        ("2023-06-20", "negociation"),
        ("2023-12-12", "signe"),
        ("2024-01-01", "execution"),
    ]
    assert [e["actor"] for e in events(log, "signed")] == ["agent-35"]


async def test_dialogue_closed_by_an_approved_releve(simulator: LifeSimulator) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2026, 1, 1), imported=True)
    await simulator.advance_to(date(2026, 6, 25))
    await simulator.decide(
        handle,
        "record_dialogue",
        RecordDialogue(
            "agent-35",
            date(2026, 6, 24),
            ["Mme Durand (Département)", "M. Martin (SAD)"],
            ["Avenant sur l'objectif 2", "Suivi trimestriel des heures"],
        ),
    )
    await simulator.decide(handle, "approve_releve", ApproveReleve("agent-35", Party.AUTORITE))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await simulator.decide(handle, "approve_releve", ApproveReleve("agent-35", Party.AUTORITE))
    assert "déjà approuvé" in str(refused.value.cause)
    await simulator.advance_to(date(2026, 6, 30))
    await simulator.decide(handle, "approve_releve", ApproveReleve("m.martin", Party.GESTIONNAIRE))
    await simulator.advance_to(date(2026, 7, 10))
    log = simulator.log(terms.reference)
    assert notices(log, "convocation_dialogue_de_gestion") == [
        ("2026-06-09", "convocation_dialogue_de_gestion")
    ]
    documents = events(log, "document_generated")
    assert [(e["at"], e["document"]) for e in documents] == [("2026-06-30", "releve_de_decisions")]
    # Approved by both before 7 July: no reminder to record the relevé.
    assert notices(log, "rappel_releve_de_decisions") == []


async def test_a_dialogue_recorded_late_leaves_the_last_relevé_to_approve(
    simulator: LifeSimulator,
) -> None:
    """Found by probing: a dialogue held before the last one, recorded after it, went last;
    the newer relevé lost its approval and could never be approved."""
    terms = contract()
    handle = await simulator.start(terms, date(2025, 6, 20), imported=True)
    newer = RecordDialogue("agent-35", date(2025, 6, 18), ["CD35"], ["RAS"])
    await simulator.decide(handle, "record_dialogue", newer)
    await simulator.decide(handle, "approve_releve", ApproveReleve("agent-35", Party.AUTORITE))
    older = RecordDialogue("agent-35", date(2024, 6, 20), ["CD35"], ["RAS"])
    await simulator.decide(handle, "record_dialogue", older)
    await simulator.decide(handle, "approve_releve", ApproveReleve("g", Party.GESTIONNAIRE))
    await simulator.advance_to(date(2025, 6, 25))
    log = simulator.log(terms.reference)
    assert [e["summary"] for e in events(log, "releve_approved")] == [
        "relevé de décisions du 18/06/2025 approuvé par l'autorité",
        "relevé de décisions du 18/06/2025 approuvé par le gestionnaire",
    ]
    documents = events(log, "document_generated")
    assert [e["document"] for e in documents] == ["releve_de_decisions"]
