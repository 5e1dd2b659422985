"""The dashboard's form for the yearly report on the objectives: numbers typed the French way,
read into the shape the API takes (`values`, `actions`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cpom import idempotency
from cpom.domain.objectives import ACTION_STATUS_LABELS, ActionStatus, YearlyReport
from cpom.domain.terms import ContractTerms
from cpom.french_numbers import french_number

VALUE, STATUS = "valeur:", "etat:"
# Spaces people put between thousands: plain, no-break, narrow no-break.
_THOUSANDS = re.compile(r"[ \u00a0\u202f]")
_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


class ReportRefused(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ; ".join(problems))
        self.problems = problems


@dataclass
class ReportForm:
    """The form as the person left it: what was typed, and why it was refused."""

    exercise: int | None = None
    typed: dict[str, str] = field(default_factory=dict)
    error: list[str] | str | None = None


def parse_number(text: str) -> float:
    """« 1 234,5 » or « 1234.5 » as a number; ValueError in French otherwise."""
    compact = _THOUSANDS.sub("", text.strip())
    if not _NUMBER.fullmatch(compact):
        raise ValueError(f"« {text} » n'est pas un nombre (ex. 10,5)")
    return float(compact.replace(",", "."))


def report_from_form(posted: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """The exercise and the report a posted form holds; ReportRefused naming every mistake."""
    problems: list[str] = []
    try:
        exercise = int(posted.get("exercise", ""))
    except ValueError:
        problems.append("choisir l'exercice déclaré")
        exercise = 0
    values, actions = [], []
    for name, text in posted.items():
        if name.startswith(VALUE) and text.strip():
            indicator = name.removeprefix(VALUE)
            try:
                values.append({"indicator_id": indicator, "value": parse_number(text)})
            except ValueError as error:
                problems.append(f"indicateur {indicator} : {error}")
        elif name.startswith(STATUS) and text:
            actions.append({"action_id": name.removeprefix(STATUS), "status": text})
    if problems:
        raise ReportRefused(problems)
    return exercise, {"values": values, "actions": actions}


def _typed(reports: list[YearlyReport], exercise: int) -> dict[str, str]:
    """The form's fields as the exercise's report already holds them."""
    report = next((r for r in reports if r.exercise == exercise), None)
    if report is None:
        return {}
    typed = {
        f"{VALUE}{v.indicator_id}": french_number(v.value, 6)
        for v in report.values
        if v.value is not None
    }
    typed.update({f"{STATUS}{a.action_id}": a.status.value for a in report.actions})
    return typed


def report_form_context(
    form: ReportForm | None,
    allowed: bool,
    terms: ContractTerms,
    today: date,
    reports: list[YearlyReport],
) -> dict[str, Any] | None:
    """What the form shows, or None for who may not report or before the first exercise. A new
    form shows what was already reported for the exercise it proposes, to be corrected."""
    last = min(today.year, terms.current_echeance.year)
    years = list(range(terms.effet.year, last + 1))
    if not allowed or not years:
        return None
    default = today.year - 1 if today.year - 1 in years else years[-1]
    if form is None:
        form = ReportForm(exercise=default, typed=_typed(reports, default))
    return {
        "years": years,
        "exercise": form.exercise or default,
        "typed": form.typed,
        "prefilled": bool(form.typed) and form.error is None,
        # A new key for each form shown: the same form sent twice is recorded once.
        "key": idempotency.new_key(),
        "error": form.error,
        "statuses": [(status.value, ACTION_STATUS_LABELS[status]) for status in ActionStatus],
        "value_prefix": VALUE,
        "status_prefix": STATUS,
    }
