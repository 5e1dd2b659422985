"""Refuse objectives that do not fit their contract, in French, naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from cpom.domain.identifiers import text_problem
from cpom.domain.objectives import (
    Indicator,
    Objective,
    ObjectiveDecision,
    YearlyReport,
    action_ids,
    indicator_ids,
)
from cpom.domain.terms import ContractTerms
from cpom.domain.terms_validation import Problem

MAX_ID_LENGTH = 20
MAX_TITLE_LENGTH = 300


def _text_problems(path: str, fields: dict[str, str]) -> list[Problem]:
    problems = []
    for name, text in fields.items():
        if (problem := text_problem(text)) is not None:
            problems.append(Problem(f"{path}.{name}", problem))
    return problems


def _id_problems(path: str, value: str, seen: set[str], what: str) -> list[Problem]:
    if not value.strip() or len(value) > MAX_ID_LENGTH:
        return [Problem(f"{path}.id", f"identifiant de 1 à {MAX_ID_LENGTH} caractères attendu")]
    if value in seen:
        return [Problem(f"{path}.id", f"{what} « {value} » figure deux fois au contrat")]
    seen.add(value)
    return []


def _title_problems(path: str, name: str, value: str) -> list[Problem]:
    if not value.strip():
        return [Problem(f"{path}.{name}", "l'intitulé est vide")]
    if len(value) > MAX_TITLE_LENGTH:
        return [Problem(f"{path}.{name}", f"intitulé de {MAX_TITLE_LENGTH} caractères au plus")]
    return []


def _indicator_problems(path: str, indicator: Indicator, terms: ContractTerms) -> list[Problem]:
    problems = _title_problems(path, "label", indicator.label)
    problems += _text_problems(
        path,
        {
            "unit": indicator.unit,
            "tdb_code": indicator.tdb_code,
            "definition": indicator.definition,
        },
    )
    first, last = terms.effet.year, terms.echeance_max.year
    if (indicator.baseline is None) != (indicator.baseline_year is None):
        problems.append(
            Problem(f"{path}.baseline_year", "la valeur d'entrée va avec son année de référence")
        )
    if indicator.baseline_year is not None and not first - 5 <= indicator.baseline_year <= last:
        problems.append(
            Problem(
                f"{path}.baseline_year",
                f"année de référence {indicator.baseline_year} hors de la période {first - 5}"
                f"–{last}",
            )
        )
    years = [target.year for target in indicator.targets]
    for index, year in enumerate(years):
        if not first <= year <= last:
            problems.append(
                Problem(
                    f"{path}.targets[{index}].year",
                    f"cible de {year} hors de la durée du contrat ({first}–{last})",
                )
            )
        elif indicator.baseline_year is not None and year <= indicator.baseline_year:
            problems.append(
                Problem(
                    f"{path}.targets[{index}].year",
                    f"la cible de {year} doit suivre l'année de la valeur d'entrée "
                    f"({indicator.baseline_year})",
                )
            )
    if len(set(years)) != len(years):
        problems.append(Problem(f"{path}.targets", "une seule cible par année"))
    return problems


def objective_problems(objectives: tuple[Objective, ...], terms: ContractTerms) -> list[Problem]:
    """Every rule the objectives break against their terms; empty when they fit."""
    problems: list[Problem] = []
    perimeter = {establishment.finess for establishment in terms.establishments}
    objective_ids: set[str] = set()
    action_ids: set[str] = set()
    indicator_ids: set[str] = set()
    for index, objective in enumerate(objectives):
        path = f"objectives[{index}]"
        problems += _id_problems(path, objective.id, objective_ids, "l'objectif")
        problems += _title_problems(path, "title", objective.title)
        problems += _text_problems(
            path, {"axis": objective.axis, "description": objective.description}
        )
        for finess in objective.establishments:
            if finess not in perimeter:
                listed = ", ".join(sorted(perimeter)) or "aucun établissement n'est listé"
                problems.append(
                    Problem(
                        f"{path}.establishments",
                        f"l'établissement {finess} n'est pas au périmètre du contrat ({listed})",
                    )
                )
        if objective.amount_granted is not None and objective.amount_granted < 0:
            problems.append(Problem(f"{path}.amount_granted", "le montant ne peut être négatif"))
        for number, action in enumerate(objective.actions):
            where = f"{path}.actions[{number}]"
            problems += _id_problems(where, action.id, action_ids, "l'action")
            problems += _title_problems(where, "title", action.title)
            problems += _text_problems(
                where, {"owner": action.owner, "description": action.description}
            )
            if action.due is not None and not terms.effet <= action.due <= terms.echeance_max:
                problems.append(
                    Problem(
                        f"{where}.due",
                        f"échéance de l'action le {action.due:%d/%m/%Y} hors de la durée du "
                        f"contrat ({terms.effet:%d/%m/%Y} – {terms.echeance_max:%d/%m/%Y})",
                    )
                )
        for number, indicator in enumerate(objective.indicators):
            where = f"{path}.indicators[{number}]"
            problems += _id_problems(where, indicator.id, indicator_ids, "l'indicateur")
            problems += _indicator_problems(where, indicator, terms)
    return problems


def report_problems(
    report: YearlyReport,
    objectives: tuple[Objective, ...],
    first_year: int,
    last_year: int,
    day: date,
) -> list[Problem]:
    """Why the gestionnaire's report cannot be recorded on `day`: an exercise outside the
    contract's years (`first_year` to `last_year`) or not begun yet, an indicator or an action
    its objectives do not have or given twice, nothing reported at all. Empty when it can."""
    problems = []
    if not report.values and not report.actions:
        # Recorded, it would replace the exercise's report and count as its annual document.
        problems.append(Problem("values", "le bilan ne renseigne aucun indicateur ni action"))
    indicators, actions = indicator_ids(objectives), action_ids(objectives)
    given: set[str] = set()
    for value in report.values:
        if value.indicator_id not in indicators:
            problems.append(Problem("values", f"indicateur inconnu « {value.indicator_id} »"))
        elif value.indicator_id in given:
            problems.append(
                Problem("values", f"l'indicateur « {value.indicator_id} » est renseigné deux fois")
            )
        given.add(value.indicator_id)
    given = set()
    for progress in report.actions:
        if progress.action_id not in actions:
            problems.append(Problem("actions", f"action inconnue « {progress.action_id} »"))
        elif progress.action_id in given:
            problems.append(
                Problem("actions", f"l'action « {progress.action_id} » est renseignée deux fois")
            )
        given.add(progress.action_id)
    if not first_year <= report.exercise <= last_year:
        problems.append(
            Problem(
                "exercise",
                f"l'exercice {report.exercise} n'est pas couvert par le contrat "
                f"({first_year} à {last_year})",
            )
        )
    elif report.exercise > day.year:
        problems.append(
            Problem("exercise", f"l'exercice {report.exercise} n'est pas encore commencé")
        )
    return problems


def decision_problems(
    decisions: Sequence[ObjectiveDecision], objectives: tuple[Objective, ...]
) -> list[Problem]:
    """A relevé's decisions on objectives the contract does not have; empty when none."""
    known = {objective.id for objective in objectives}
    unknown = [d.objective_id for d in decisions if d.objective_id not in known]
    if not unknown:
        return []
    listed = ", ".join(sorted(known)) or "aucun objectif n'est inscrit au contrat"
    return [Problem("objective_decisions", f"objectif inconnu {', '.join(unknown)} ({listed})")]
