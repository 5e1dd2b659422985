"""Shared scenario pieces for the lifecycle tests."""

from dataclasses import replace
from datetime import date
from typing import Any

from cpom.domain.terms import Authority, ContractTerms
from cpom.mail_catcher import CaughtMail
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


def day(text: str) -> date:
    return date.fromisoformat(text)
