"""Build contract terms from plain input (a JSON or TOML document, command-line options).

Every mistake is reported in French with the path of the field, all at once, so that a user can
fix a terms file in one go.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from cpom.domain.date_law import echeance_after
from cpom.domain.identifiers import reference_problem, text_problem
from cpom.domain.objectives import (
    ActionProgress,
    Decision,
    IndicatorValue,
    Objective,
    ObjectiveDecision,
    YearlyReport,
    action_deadlines,
)
from cpom.domain.objectives_validation import objective_problems
from cpom.domain.presets import PRESETS
from cpom.domain.terms import (
    Authority,
    AuthorityRole,
    ContractRules,
    ContractTerms,
    Establishment,
    Gestionnaire,
    MonthDay,
    Prorogation,
    Sector,
)
from cpom.domain.terms_validation import (
    InvalidTerms,
    Problem,
    check_terms,
    name_length_problems,
    problems_of,
)
from cpom.domain.territory import UnknownTerritory, normalize_territory

MIN_YEAR, MAX_YEAR = 1950, 2090
# [0-9], not \d: \d also matches the digits of other scripts, which int() would then accept.
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})")
_TOP_LEVEL = {
    "reference",
    "preset",
    "authority",
    "authorities",
    "establishments",
    # Read by objectives_input, beside the terms: they do not ride in the workflow's state.
    "objectives",
    "gestionnaire",
    "effet",
    "duration_years",
    "signed",
    "signed_on",
    "process_started_on",
    "rules",
    "prorogations",
}


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(Problem(field, message))


def _unknown_field(known: set[str]) -> str:
    return f"champ inconnu ; champs possibles : {', '.join(sorted(known))}"


def parse_date(value: object) -> date:
    """An ISO date (YYYY-MM-DD) that exists in the calendar; ValueError in French otherwise."""
    if isinstance(value, datetime):  # a TOML date-time: the day alone is meant, say so
        raise ValueError(f"« {value} » : attendu une date sans heure, au format AAAA-MM-JJ")
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not (match := _ISO_DATE.fullmatch(value.strip())):
        raise ValueError(f"« {value} » n'est pas une date au format AAAA-MM-JJ")
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"la date {value} n'existe pas") from None


def _month_day(value: object) -> MonthDay:
    if isinstance(value, Mapping) and set(value) == {"month", "day"}:
        month, day = value["month"], value["day"]
    elif isinstance(value, str) and (match := _MONTH_DAY.fullmatch(value.strip())):
        day, month = (int(part) for part in match.groups())
    else:
        raise ValueError(f"« {value} » : attendu un jour de l'année au format JJ/MM (ex. 30/04)")
    if not isinstance(month, int) or not isinstance(day, int):
        raise ValueError("le jour et le mois sont des nombres entiers")
    try:
        date(2001, month, day)
    except (ValueError, OverflowError):  # OverflowError: a number beyond any month or day
        raise ValueError(f"le {day}/{month} n'existe pas chaque année") from None
    return MonthDay(month, day)


def _as_written(value: object) -> str:
    """A value as the document wrote it: `true`, `null`, `[1, 2]`, not Python's `True`."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # not from JSON (a date of a spreadsheet): as Python says it
        return str(value)


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"« {_as_written(value)} » n'est pas un nombre entier")
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError(f"« {_as_written(value)} » n'est pas un nombre (ex. 12.5)")
    if abs(value) > 1e12:
        raise ValueError(f"« {_as_written(value)} » : nombre hors de la plage admise")
    return float(value)


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"« {_as_written(value)} » : attendu true ou false")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"« {_as_written(value)} » n'est pas un texte")
    if (problem := text_problem(value)) is not None:
        raise ValueError(problem)
    return value.strip()


def _choice(enum: type[StrEnum], value: object) -> StrEnum:
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValueError(f"« {value} » inconnu ; valeurs possibles : {allowed}") from None


def _convert(annotation: Any, value: object) -> object:
    """Convert one input value to the type a dataclass field declares."""
    if isinstance(annotation, types.UnionType):
        if value is None:
            return None
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is tuple:
        if not isinstance(value, list | tuple):
            raise ValueError(f"« {value} » : attendu une liste")
        item_type = typing.get_args(annotation)[0]
        return tuple(_convert(item_type, item) for item in value)
    if annotation is int:
        return _integer(value)
    if annotation is float:
        return _number(value)
    if annotation is bool:
        return _boolean(value)
    if annotation is MonthDay:
        return _month_day(value)
    if annotation is date:
        return parse_date(value)
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return _choice(annotation, value)
    return _text(value)


def _fields_of(
    cls: type[Any], raw: object, path: str, problems: _Problems, defaults: object | None = None
) -> dict[str, object]:
    """Convert the mapping `raw` field by field for dataclass `cls`, recording every problem."""
    hints = typing.get_type_hints(cls)
    values: dict[str, object] = {}
    if defaults is not None:
        values = {f.name: getattr(defaults, f.name) for f in dataclasses.fields(cls)}
    if not isinstance(raw, Mapping):
        problems.add(path, "attendu un objet (clé : valeur)")
        return values
    known = {f.name for f in dataclasses.fields(cls)}
    for key, value in raw.items():
        if key not in known:
            problems.add(
                f"{path}.{key}", f"champ inconnu ; champs possibles : {', '.join(sorted(known))}"
            )
            continue
        if (item_type := _dataclass_items(hints[key])) is not None:
            values[key] = tuple(_list_of(item_type, value, f"{path}.{key}", problems))
            continue
        try:
            values[key] = _convert(hints[key], value)
        except ValueError as error:
            problems.add(f"{path}.{key}", str(error))
    return values


def _dataclass_items(annotation: Any) -> type[Any] | None:
    """The item type of a tuple of dataclasses (objectives, their actions), else None."""
    if typing.get_origin(annotation) is not tuple:
        return None
    item = typing.get_args(annotation)[0]
    return item if dataclasses.is_dataclass(item) and isinstance(item, type) else None


def _build(cls: type[Any], values: dict[str, object], path: str, problems: _Problems) -> Any:
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    reported = {problem.field for problem in problems.items}
    for name in missing:
        # A value given but refused is reported as such, not as missing too.
        if f"{path}.{name}" not in reported:
            problems.add(f"{path}.{name}", "champ obligatoire manquant")
    return None if missing else cls(**values)


def _authority(raw: object, path: str, default_kind: object, problems: _Problems) -> Any:
    values = _fields_of(Authority, raw, path, problems)
    values.setdefault("kind", default_kind)
    values.setdefault("name", "")
    territory = values.get("territory")
    if isinstance(territory, str):
        try:
            values["territory"] = normalize_territory(territory)
        except UnknownTerritory as error:
            problems.add(f"{path}.territory", str(error))
    return _build(Authority, values, path, problems)


def _authorities(raw: Mapping[str, object], default_kind: object, problems: _Problems) -> list[Any]:
    """The signing authorities, the lead one first: `authority` alone (one signatory), or
    `authorities` listing them all, the lead being the first with the tarification role."""
    if "authorities" not in raw:
        return [_authority(raw.get("authority", {}), "authority", default_kind, problems)]
    if "authority" in raw:
        problems.add("authority", "donner soit « authority », soit « authorities », pas les deux")
    listed = raw["authorities"]
    if not isinstance(listed, list) or not listed:
        problems.add("authorities", "attendu une liste d'au moins une autorité signataire")
        return [None]
    built = [
        _authority(item, f"authorities[{index}]", default_kind, problems)
        for index, item in enumerate(listed)
    ]
    leads = [a for a in built if a is not None and a.role is AuthorityRole.TARIFICATION]
    if not leads and all(a is not None for a in built):
        problems.add(
            "authorities",
            "au moins une autorité signataire a le rôle « tarification » (celle qui conduit le "
            "contrat)",
        )
    lead = leads[0] if leads else built[0]
    return [lead, *(a for a in built if a is not lead)]


def _list_of(cls: type[Any], raw: object, path: str, problems: _Problems) -> list[Any]:
    if not isinstance(raw, list):
        problems.add(path, "attendu une liste")
        return []
    items = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        if not isinstance(item, Mapping):
            problems.add(where, "attendu un objet (clé : valeur)")
            continue
        built = _build(cls, _fields_of(cls, item, where, problems), where, problems)
        if built is not None:
            items.append(built)
    return items


def terms_from_mapping(raw: Mapping[str, object]) -> ContractTerms:
    """Contract terms from a plain mapping; raises InvalidTerms listing every problem."""
    problems = _Problems()
    for key in raw:
        if key not in _TOP_LEVEL:
            problems.add(key, _unknown_field(_TOP_LEVEL))
    try:
        sector = Sector(_choice(Sector, raw.get("preset", "sad")))
    except ValueError as error:
        problems.add("preset", str(error))
        sector = Sector.SAD
    preset = PRESETS[sector]

    rules_values = _fields_of(ContractRules, raw.get("rules", {}), "rules", problems, preset.rules)
    authorities = _authorities(raw, preset.authority_kind, problems)
    establishments = _list_of(
        Establishment, raw.get("establishments", []), "establishments", problems
    )
    gestionnaire_values = _fields_of(
        Gestionnaire,
        raw.get("gestionnaire", {"raison_sociale": "(non renseigné)"}),
        "gestionnaire",
        problems,
    )
    top = _fields_of(
        _TopLevel,
        {k: v for k, v in raw.items() if k in _TopLevel.__dataclass_fields__},
        "",
        problems,
    )
    prorogations = _list_of(Prorogation, raw.get("prorogations", []), "prorogations", problems)

    gestionnaire = _build(Gestionnaire, gestionnaire_values, "gestionnaire", problems)
    # A reference is a key: refused as typed rather than trimmed into another one.
    raw_reference = raw.get("reference")
    reference_refused = (
        reference_problem(raw_reference)
        if isinstance(raw_reference, str) and "reference" in top
        else None
    )
    effet_value = top.get("effet")
    if isinstance(effet_value, date) and not MIN_YEAR <= effet_value.year <= MAX_YEAR:
        problems.add("effet", f"année {effet_value.year} hors de la plage {MIN_YEAR}–{MAX_YEAR}")
    for name in ("reference", "effet", "duration_years"):
        if name not in top and not any(p.field == f".{name}" for p in problems.items):
            problems.add(name, "champ obligatoire manquant")
    if problems.items:
        raise InvalidTerms([Problem(p.field.lstrip("."), p.message) for p in problems.items])

    effet = typing.cast(date, top["effet"])
    years = typing.cast(int, top["duration_years"])
    signed_on = typing.cast(date | None, top.get("signed_on"))
    process_started_on = typing.cast(date | None, top.get("process_started_on"))
    signed = typing.cast(bool, top.get("signed", process_started_on is None))
    terms = ContractTerms(
        reference=typing.cast(str, top["reference"]),
        sector=sector,
        authority=authorities[0],
        co_signatories=tuple(authorities[1:]),
        establishments=tuple(establishments),
        gestionnaire=gestionnaire,
        effet=effet,
        duration_years=years,
        echeance=echeance_after(effet, years) if 0 < years < 100 else effet,
        rules=ContractRules(**rules_values),  # type: ignore[arg-type]
        signed_on=signed_on,
        signed=signed,
        process_started_on=process_started_on,
        prorogations=tuple(prorogations),
    )
    too_long = name_length_problems(terms)
    if reference_refused is None and not too_long:
        return check_terms(terms)
    # Reported with every other rule the terms break, the stored reference's rule replaced by
    # the one of references people type.
    others = problems_of(terms)
    if reference_refused is not None:
        others = [Problem("reference", reference_refused)] + [
            p for p in others if p.field != "reference"
        ]
    raise InvalidTerms([*others, *too_long])


def objectives_from_mapping(
    raw: Mapping[str, object], terms: ContractTerms
) -> tuple[Objective, ...]:
    """The objectives of a terms document (its `objectives` list), checked against its terms;
    raises InvalidTerms listing every problem."""
    problems = _Problems()
    objectives = tuple(_list_of(Objective, raw.get("objectives", []), "objectives", problems))
    found = [Problem(p.field, p.message) for p in problems.items]
    if not found:
        found = objective_problems(objectives, terms)
    if found:
        raise InvalidTerms(found)
    return objectives


def report_from_mapping(exercise: int, raw: Mapping[str, object]) -> YearlyReport:
    """The gestionnaire's report of an exercise: `values` (indicator_id, value, comment) and
    `actions` (action_id, status, comment); InvalidTerms listing every problem."""
    problems = _Problems()
    for key in raw:
        if key not in ("values", "actions"):
            problems.add(key, _unknown_field({"values", "actions"}))
    values = _list_of(IndicatorValue, raw.get("values", []), "values", problems)
    actions = _list_of(ActionProgress, raw.get("actions", []), "actions", problems)
    if problems.items:
        raise InvalidTerms(problems.items)
    return YearlyReport(exercise, tuple(values), tuple(actions))


def decisions_from_mapping(raw: object) -> list[ObjectiveDecision]:
    """A relevé's decision on each objective (objective_id, decision, reasons)."""
    problems = _Problems()
    decisions = _list_of(ObjectiveDecision, raw, "objective_decisions", problems)
    for index, decision in enumerate(decisions):
        if decision.decision is not Decision.MAINTAINED and not decision.reasons.strip():
            problems.add(
                f"objective_decisions[{index}].reasons",
                "un objectif ajusté ou abandonné l'est pour des motifs : les indiquer",
            )
    if problems.items:
        raise InvalidTerms(problems.items)
    return decisions


_NO_GESTIONNAIRE = Problem(
    "gestionnaire", "champ obligatoire manquant : l'organisme gestionnaire et sa raison sociale"
)


def created_contract_from_mapping(
    raw: Mapping[str, object],
) -> tuple[ContractTerms, tuple[Objective, ...]]:
    """`contract_from_mapping` for a contract that is to live (created through the API): it
    names its gestionnaire, or it would remind nobody of what it owes. A calendar's terms, a
    simulation's, may leave it out."""
    if "gestionnaire" in raw:
        return contract_from_mapping(raw)
    try:
        terms_from_mapping(raw)
    except InvalidTerms as error:
        raise InvalidTerms([*error.problems, _NO_GESTIONNAIRE]) from None
    raise InvalidTerms([_NO_GESTIONNAIRE])


def contract_from_mapping(
    raw: Mapping[str, object],
) -> tuple[ContractTerms, tuple[Objective, ...]]:
    """The terms and the objectives of a terms document; the objectives are checked against
    valid terms, so their problems come once the terms' are fixed."""
    terms = terms_from_mapping(raw)
    objectives = objectives_from_mapping(raw, terms)
    # The workflow reminds the actions' due dates: they ride with the terms.
    return dataclasses.replace(terms, action_deadlines=action_deadlines(objectives)), objectives


@dataclasses.dataclass
class _TopLevel:
    """Scalar top-level fields of a terms document, declared once for their types."""

    reference: str
    effet: date
    duration_years: int
    signed: bool = True
    signed_on: date | None = None
    process_started_on: date | None = None
