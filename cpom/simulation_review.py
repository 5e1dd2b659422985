"""The objectives review that ends a simulation's printout, in French.

It measures the last exercise the gestionnaire reported, as the dialogue de gestion that follows
would: each objective, each indicator's value of that exercise against its target of that year
(`cpom.domain.objectives.review`), each action's latest status. Log entries like the others: one
for the whole, then one per objective, each with a sentence to read and the figures.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cpom.domain.objectives import (
    ACTION_STATUS_LABELS,
    ATTAINMENT_LABELS,
    Direction,
    IndicatorReview,
    Objective,
    ObjectiveReview,
    YearlyReport,
    latest_values,
    review,
)
from cpom.french_numbers import french_number

EVENT = "objectives_review"
NBSP = "\u00a0"
NOT_REPORTED = "non renseigné"


def review_entries(
    objectives: tuple[Objective, ...], reports: list[YearlyReport], last_year: int, on: date
) -> list[dict[str, Any]]:
    """The review of the last exercise reported, dated `on`; nothing for a contract without
    objectives. `last_year`: the contract's last year, that of its final targets."""
    if not objectives:
        return []
    if not reports:
        return [
            {
                "at": on.isoformat(),
                "event": EVENT,
                "summary": f"Revue des objectifs{NBSP}: aucun exercice n'a été déclaré",
            }
        ]
    year = max(report.exercise for report in reports)
    reviews = review(objectives, reports, year, last_year)
    latest = latest_values(reports, year)
    indicators = sum(len(item.indicators) for item in reviews)
    actions = sum(len(item.actions) for item in reviews)
    tally = _tally(
        sum(item.reached for item in reviews),
        indicators,
        sum(item.actions_done for item in reviews),
        actions,
    )
    head = {
        "at": on.isoformat(),
        "event": EVENT,
        "exercise": year,
        "summary": f"Revue des objectifs de l'exercice {year}, le dernier déclaré{NBSP}: "
        + ", ".join(tally),
    }
    return [head, *(_objective_entry(item, year, latest, on) for item in reviews)]


def _objective_entry(
    item: ObjectiveReview, year: int, latest: dict[str, tuple[int, float]], on: date
) -> dict[str, Any]:
    objective = item.objective
    tally = _tally(item.reached, len(item.indicators), item.actions_done, len(item.actions))
    summary = f"Objectif {objective.id} — {objective.title}"
    if tally:
        summary += f"{NBSP}: " + f"{NBSP}; ".join(tally)
    return {
        "at": on.isoformat(),
        "event": EVENT,
        "exercise": year,
        "objective_id": objective.id,
        "objective": objective.title,
        "summary": summary,
        "indicators": [_indicator_entry(measured, latest) for measured in item.indicators],
        "actions": [
            {
                "action_id": action.id,
                "title": action.title,
                "status": ACTION_STATUS_LABELS[status] if status else NOT_REPORTED,
            }
            for action, status in item.actions
        ],
    }


def _indicator_entry(
    measured: IndicatorReview, latest: dict[str, tuple[int, float]]
) -> dict[str, Any]:
    indicator = measured.indicator
    year = measured.year
    # Not reported this year, the latest earlier value still tells where it stood.
    value_year, value = (year, measured.value) if measured.value is not None else (None, None)
    if value is None and indicator.id in latest:
        value_year, value = latest[indicator.id]
    if measured.value is not None:
        reported = f"{_amount(measured.value, indicator.unit)} en {year}"
    elif value is not None:
        reported = (
            f"non déclaré pour {year}, dernière valeur {_amount(value, indicator.unit)} "
            f"en {value_year}"
        )
    else:
        reported = "jamais déclaré"
    if measured.target is None:
        target = "non fixée"
    else:
        target = _amount(measured.target, indicator.unit)
        if indicator.direction is Direction.DOWN:
            target += " au plus"
    label = ATTAINMENT_LABELS[measured.attainment]
    return {
        "indicator_id": indicator.id,
        "label": indicator.label,
        "unit": indicator.unit,
        "value": value,
        "value_exercise": value_year,
        "target": measured.target,
        "attainment": measured.attainment.value,
        "attainment_label": label,
        "summary": f"{indicator.label} ({indicator.id}){NBSP}: {reported}{NBSP}; "
        f"cible {year}{NBSP}: {target} — {label}",
    }


def _amount(value: float, unit: str) -> str:
    # A non-breaking space between a number and its unit: « 17,5 % », « 2 450 heures ».
    return french_number(value) + (f"{NBSP}{unit}" if unit else "")


def _tally(reached: int, indicators: int, done: int, actions: int) -> list[str]:
    """« 2 indicateurs atteints sur 3 », « aucune action réalisée sur 2 »."""
    tally = []
    if indicators:
        tally.append(f"{counted(reached, 'indicateur atteint', 'aucun')} sur {indicators}")
    if actions:
        tally.append(f"{counted(done, 'action réalisée', 'aucune')} sur {actions}")
    return tally


def counted(count: int, words: str, none: str) -> str:
    """`count` `words`, agreeing: « aucun indicateur atteint » (`none` the word for zero),
    « 1 action réalisée », « 2 actions réalisées »."""
    if count == 0:
        return f"{none} {words}"
    return f"{count} {words if count == 1 else ' '.join(f'{w}s' for w in words.split())}"
