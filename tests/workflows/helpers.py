"""Shared scenario pieces for the lifecycle tests."""

from dataclasses import replace
from datetime import date
from typing import Any

from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.domain.terms import Authority, ContractTerms
from cpom.mail_catcher import CaughtMail
from cpom.messages import ContractInput, workflow_id
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
