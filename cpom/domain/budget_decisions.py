"""Decisions of the yearly budget cycle: the authority records the day it notified a year's
resources (its tarification act), which may move the deadline of the EPRD."""

from __future__ import annotations

from datetime import date

from cpom.domain.budget_calendar import budget_forecast_day
from cpom.domain.lifecycle import (
    ENDED,
    PRE_SIGNATURE,
    ContractState,
    DecisionRefused,
    Event,
    log,
)
from cpom.domain.terms import BudgetRegime


def check_record_tarification(
    state: ContractState, exercise: int, notified_on: date, today: date
) -> None:
    if state.phase in ENDED:
        raise DecisionRefused("le contrat est terminé")
    if state.phase in PRE_SIGNATURE:
        raise DecisionRefused("le contrat n'est pas encore signé")
    first, last = state.terms.effet.year, state.terms.current_echeance.year
    if not first <= exercise <= last:
        raise DecisionRefused(
            f"l'exercice {exercise} n'est pas couvert par le contrat ({first} à {last})"
        )
    if notified_on > today:
        raise DecisionRefused(f"la notification du {notified_on:%d/%m/%Y} est dans le futur")
    if notified_on.year < exercise - 1:
        raise DecisionRefused(
            f"une notification du {notified_on:%d/%m/%Y} ne peut porter sur l'exercice {exercise}"
        )
    recorded = state.resources_notified.get(exercise)
    if recorded is not None:
        raise DecisionRefused(
            f"la tarification de l'exercice {exercise} est déjà enregistrée (notifiée le "
            f"{recorded:%d/%m/%Y})"
        )


def apply_record_tarification(
    state: ContractState, exercise: int, notified_on: date, today: date, actor: str
) -> str:
    """Record the notification; say what it changes, in French."""
    state.resources_notified[exercise] = notified_on
    summary = f"arrêté de tarification de l'exercice {exercise} notifié le {notified_on:%d/%m/%Y}"
    details = {"exercise": str(exercise), "notified_on": notified_on.isoformat()}
    if state.terms.rules.budget_regime is BudgetRegime.EPRD:
        day, moved = budget_forecast_day(state.terms, exercise, notified_on, state.calendar_law)
        summary += f" : EPRD {exercise} à transmettre au plus tard le {day:%d/%m/%Y}" + (
            " (délai ouvert par la notification)" if moved else ""
        )
        details["budget_forecast_due"] = day.isoformat()
    log(state, Event(today, "tarification_recorded", summary, actor, details))
    return summary
