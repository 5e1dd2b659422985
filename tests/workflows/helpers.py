"""Shared scenario pieces for the lifecycle tests."""

from dataclasses import replace
from datetime import date
from typing import Any

from temporalio.client import WorkflowHandle

from cpom.domain.lifecycle import ContractState, DenonciationMode, Party, initial_phase
from cpom.domain.terms import Authority, ContractTerms
from cpom.mail_catcher import CaughtMail
from cpom.messages import AnswerDenonciation, ContractInput, Denounce, workflow_id
from cpom.simulation import LifeSimulator
from tests.factories import make_terms

GESTIONNAIRE = "direction@aad35.example"
AUTORITE = "cpom@ille-et-vilaine.example"
SUPERVISEUR = "direction-autonomie@ille-et-vilaine.example"


def contract(**changes: Any) -> ContractTerms:
    """The Ille-et-Vilaine 2024–2028 SAD contract with every party reachable by email."""
    terms = make_terms(**changes)
    return replace(
        terms,
        authority=Authority(
            terms.authority.kind,
            "Département d'Ille-et-Vilaine",
            terms.authority.territory,
            AUTORITE,
            SUPERVISEUR,
        ),
        gestionnaire=replace(terms.gestionnaire, email=GESTIONNAIRE),
    )


def notices(log: list[dict[str, Any]], kind: str | None = None) -> list[tuple[str, str]]:
    """(date, notice kind) of every notice sent, optionally of one kind."""
    return [
        (e["at"], e["notice"])
        for e in log
        if e["event"] == "notice_sent" and (kind is None or e["notice"] == kind)
    ]


def events(log: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in log if e["event"] == kind]


def mails_of(caught: list[CaughtMail], notice: str) -> list[CaughtMail]:
    return [m for m in caught if m.notice == notice]


def addressees(caught: list[CaughtMail], notice: str) -> list[str]:
    """Every address a notice reached, over its messages (one per party)."""
    return sorted(address for mail in mails_of(caught, notice) for address in mail.envelope_to)


def mail_to(caught: list[CaughtMail], notice: str, address: str) -> CaughtMail:
    """The one message of a notice that `address` received."""
    [mail] = [m for m in mails_of(caught, notice) if address in m.envelope_to]
    return mail


def day(text: str) -> date:
    return date.fromisoformat(text)


async def start_new_contracts(life: LifeSimulator, count: int) -> None:
    """Start `count` contracts of the Ille-et-Vilaine kind, each through its first workflow
    task: a query is answered once the workflow has run it, its input decoded."""
    for index in range(count):
        terms = replace(contract(), reference=f"CPOM-35-SAD-{index}")
        state = ContractState(terms, initial_phase(terms, date(2026, 3, 2)))
        handle = await life.env.client.start_workflow(
            "Cpom",
            ContractInput(state),
            id=workflow_id(terms.reference),
            task_queue=life.settings.task_queue,
        )
        assert await handle.query("phase") == state.phase.value


async def agree_mutual_denonciation(
    life: LifeSimulator, handle: WorkflowHandle[Any, str], proposed_on: date, accepted_on: date
) -> None:
    """A dénonciation d'un commun accord proposed by the authority on its day, accepted by the
    gestionnaire on its own."""
    await life.advance_to(proposed_on)
    await life.decide(
        handle, "denounce", Denounce("a", DenonciationMode.MUTUELLE, proposed_on, Party.AUTORITE)
    )
    await life.advance_to(accepted_on)
    await life.decide(
        handle,
        "answer_denonciation",
        AnswerDenonciation("g", True, accepted_on, Party.GESTIONNAIRE),
    )
