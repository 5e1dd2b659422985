"""A scenario of `cpom simulate`: a contract's terms and dated actions, read and checked before
anything runs.

A scenario is a JSON document: the contract's terms (as `cpom calendar --terms` takes them, its
objectives among them), an optional `imported` flag and start date, and dated actions, e.g.
`{"on": "2028-05-02", "action": "request_prorogation", "requested_by": "gestionnaire"}`. Read
apart from the simulation (`cpom.simulation`), whose modules take a second to import: a scenario
that cannot run is refused at once, and `cpom simulate` starts its printing process first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError

from cpom.domain.objectives import Objective, ObjectiveDecision, YearlyReport
from cpom.domain.objectives_validation import decision_problems, report_problems
from cpom.domain.terms import ContractTerms
from cpom.domain.terms_input import (
    contract_from_mapping,
    decisions_from_mapping,
    parse_date,
    report_from_mapping,
)
from cpom.domain.terms_validation import InvalidTerms, Problem
from cpom.messages import DECISIONS
from cpom.validation_messages import french_message

# The gestionnaire's yearly report on the objectives: no workflow update, the API's own action.
REPORT_OBJECTIVES = "report_objectives"
DIALOGUE = "record_dialogue"
ACTIONS = (*DECISIONS, REPORT_OBJECTIVES)


class ScenarioError(ValueError):
    """A scenario that cannot be run, explained in French."""


@dataclass
class ObjectivesReport:
    actor: str
    report: YearlyReport


@dataclass
class ScenarioAction:
    on: date
    name: str
    decision: object
    # The relevé's decision on each objective, recorded once the workflow accepts the dialogue.
    objective_decisions: list[ObjectiveDecision] = field(default_factory=list)


@dataclass
class Scenario:
    terms: ContractTerms
    start: date
    actions: list[ScenarioAction]
    imported: bool = False
    objectives: tuple[Objective, ...] = ()


def scenario_from_mapping(raw: Mapping[str, Any]) -> Scenario:
    """A scenario from a plain mapping; ScenarioError (or InvalidTerms) in French otherwise."""
    if not isinstance(raw, Mapping) or "terms" not in raw:
        raise ScenarioError("le scénario doit contenir les termes du contrat (« terms »)")
    if not isinstance(raw["terms"], Mapping):
        raise ScenarioError("« terms » : attendu un objet (les termes du contrat)")
    terms, objectives = contract_from_mapping(raw["terms"])
    raw_actions = raw.get("actions", [])
    if not isinstance(raw_actions, list):
        raise ScenarioError("« actions » : attendu une liste d'actions datées")
    actions = [_action(index, item, terms, objectives) for index, item in enumerate(raw_actions)]
    actions.sort(key=lambda a: a.on)
    imported = raw.get("imported", False)
    if not isinstance(imported, bool):
        raise ScenarioError("« imported » : attendu true ou false")
    default_start = terms.process_started_on or (terms.effet if not imported else None)
    try:
        start = parse_date(raw["start"]) if "start" in raw else default_start
    except ValueError as error:
        raise ScenarioError(f"start : {error}") from None
    if start is None:
        raise ScenarioError("un contrat importé demande la date de départ (« start »)")
    if actions and actions[0].on < start:
        raise ScenarioError(f"l'action du {actions[0].on:%d/%m/%Y} précède le départ")
    return Scenario(terms, start, actions, imported, objectives)


def _action(
    index: int, item: object, terms: ContractTerms, objectives: tuple[Objective, ...]
) -> ScenarioAction:
    where = f"actions[{index}]"
    if not isinstance(item, Mapping) or "on" not in item or "action" not in item:
        raise ScenarioError(f"{where} : attendu un objet avec « on » et « action »")
    name = item["action"]
    if not isinstance(name, str) or name not in ACTIONS:
        raise ScenarioError(
            f"{where} : action « {name} » inconnue ; actions possibles : {', '.join(ACTIONS)}"
        )
    try:
        on = parse_date(item["on"])
    except ValueError as error:
        raise ScenarioError(f"{where}.on : {error}") from None
    # Where a problem of the substance is: the action, its name and its day.
    dated = f"{where} ({name} du {on:%d/%m/%Y})"
    fields = {k: v for k, v in item.items() if k not in ("on", "action")}
    fields.setdefault("actor", "simulation")
    if name == REPORT_OBJECTIVES:
        return ScenarioAction(on, name, _report(fields, on, dated, terms, objectives))
    raw_decisions = fields.pop("objective_decisions", None) if name == DIALOGUE else None
    accepted = {f.name for f in dataclasses.fields(DECISIONS[name])}
    for dated_field in ("received_on", "signed_on", "notified_on", "held_on"):
        if dated_field in accepted:
            fields.setdefault(dated_field, on.isoformat())
    if "on" in accepted:
        fields["on"] = on.isoformat()
    try:
        decision: object = TypeAdapter(DECISIONS[name]).validate_python(fields)
    except ValidationError as error:
        # In French, as the API says them (found by probing: pydantic's English).
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])} : {french_message(e)}" for e in error.errors()
        )
        raise ScenarioError(f"{where} ({name}) : {problems}") from None
    decisions = []
    if raw_decisions is not None:
        try:
            decisions = decisions_from_mapping(raw_decisions)
        except InvalidTerms as error:
            raise ScenarioError(f"{dated} : {error}") from None
        _refuse(dated, decision_problems(decisions, objectives))
    return ScenarioAction(on, name, decision, decisions)


def _report(
    fields: dict[str, Any],
    on: date,
    dated: str,
    terms: ContractTerms,
    objectives: tuple[Objective, ...],
) -> ObjectivesReport:
    """The report of a `report_objectives` action, checked as the API checks it; the contract's
    last year is known only as the scenario runs (a prorogation may push it), here the latest
    it may be."""
    if not objectives:
        raise ScenarioError(f"{dated} : aucun objectif n'est inscrit au contrat : rien à déclarer")
    exercise, actor = fields.pop("exercise", None), fields.pop("actor")
    if isinstance(exercise, bool) or not isinstance(exercise, int):
        raise ScenarioError(f"{dated} : exercise : attendu l'année de l'exercice (ex. 2024)")
    if not isinstance(actor, str):
        raise ScenarioError(f"{dated} : actor : attendu un texte")
    try:
        report = report_from_mapping(exercise, fields)
    except InvalidTerms as error:
        raise ScenarioError(f"{dated} : {error}") from None
    _refuse(
        dated,
        report_problems(report, objectives, terms.effet.year, terms.echeance_max.year, on),
    )
    return ObjectivesReport(actor, report)


def _refuse(dated: str, problems: list[Problem]) -> None:
    if problems:
        raise ScenarioError(f"{dated} : {'; '.join(str(p) for p in problems)}")
