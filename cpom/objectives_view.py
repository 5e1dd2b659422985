"""The objectives as readers see them: each indicator with its trajectory and reported values.

One shape for the API (`GET /contracts/{ref}`, `GET /contracts/{ref}/objectives`) and the
contract page, built from the stored objectives and yearly reports.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from markupsafe import Markup

from cpom.db.objectives_store import ObjectiveSet
from cpom.domain.objectives import (
    ACTION_STATUS_LABELS,
    ATTAINMENT_LABELS,
    YearlyReport,
    attainment,
    latest_statuses,
    review,
    target_for,
    trajectory,
)
from cpom.domain.terms import AUTHORITY_ROLE_LABELS, ContractTerms
from cpom.french_numbers import french_number
from cpom.indicator_chart import trajectory_svg


def objectives_payload(
    current: ObjectiveSet | None, reports: list[YearlyReport], last_year: int
) -> dict[str, Any] | None:
    """The objectives in force with, for each indicator, its trajectory (value at entry and
    targets), the values reported each year and where the latest one stands; None without
    objectives."""
    if current is None:
        return None
    values: dict[str, list[dict[str, Any]]] = {}
    for report in sorted(reports, key=lambda r: r.exercise):
        for item in report.values:
            if item.value is not None:
                values.setdefault(item.indicator_id, []).append(
                    {"year": report.exercise, "value": item.value, "comment": item.comment}
                )
    statuses = latest_statuses(reports, last_year, current.objectives)
    items = []
    for objective in current.objectives:
        indicators = []
        for indicator in objective.indicators:
            reported = values.get(indicator.id, [])
            latest = reported[-1] if reported else None
            target = target_for(indicator, latest["year"], last_year) if latest else None
            reached = attainment(indicator, latest["value"] if latest else None, target)
            indicators.append(
                {
                    **asdict(indicator),
                    "trajectory": [asdict(point) for point in trajectory(indicator, last_year)],
                    "values": reported,
                    "summary": "",
                    "latest": {
                        "year": latest["year"] if latest else None,
                        "value": latest["value"] if latest else None,
                        "target": target,
                        "attainment": reached.value,
                        "attainment_label": ATTAINMENT_LABELS[reached],
                    },
                }
            )
        actions = []
        for action in objective.actions:
            status = statuses.get(action.id)
            actions.append(
                {
                    **asdict(action),
                    "status": status.value if status else None,
                    "status_label": ACTION_STATUS_LABELS[status] if status else "non renseigné",
                }
            )
        items.append(
            {
                **{
                    k: v for k, v in asdict(objective).items() if k not in ("actions", "indicators")
                },
                "actions": actions,
                "indicators": indicators,
            }
        )
    for objective_item in items:
        for shown in objective_item["indicators"]:
            shown["summary"] = indicator_summary(shown)
    return {
        "version": current.version,
        "adopted_on": current.adopted_on,
        "basis": current.basis,
        "items": items,
    }


def bilans(
    terms: ContractTerms, current: ObjectiveSet | None, reports: list[YearlyReport], today: date
) -> list[dict[str, Any]]:
    """The mid-term and final bilans begun: each objective's indicators measured against the
    targets of that year, and its actions done."""
    if current is None:
        return []
    last_year = terms.current_echeance.year
    years = {
        "bilan à mi-parcours": terms.effet.year + terms.mid_term_year - 1,
        "bilan final": last_year,
    }
    found = []
    for label, year in years.items():
        if year > today.year:
            continue
        reviews = review(current.objectives, reports, year, last_year)
        found.append(
            {
                "label": label,
                "year": year,
                "reached": sum(r.reached for r in reviews),
                "indicators": sum(len(r.indicators) for r in reviews),
                "objectives": [
                    {
                        "id": r.objective.id,
                        "title": r.objective.title,
                        "reached": r.reached,
                        "indicators": len(r.indicators),
                        "actions_done": r.actions_done,
                        "actions": len(r.actions),
                    }
                    for r in reviews
                ],
            }
        )
    return found


def indicator_summary(shown: dict[str, Any]) -> str:
    """An indicator's path in words: « valeur d'entrée 11,5 % en 2023 ; cibles : 9,5 % en 2026,
    8 % en 2028 ; dernière valeur déclarée : 10,1 % en 2025, en progression »."""
    unit = f"\u00a0{shown['unit']}" if shown["unit"] else ""
    parts = []
    if shown["baseline"] is not None:
        parts.append(
            f"valeur d'entrée {french_number(shown['baseline'])}{unit} en {shown['baseline_year']}"
        )
    targets = [
        f"{french_number(point['value'])}{unit} en {point['year']}"
        for point in shown["trajectory"]
        if point["year"] != shown["baseline_year"]
    ]
    if targets:
        parts.append(f"{'cibles' if len(targets) > 1 else 'cible'} : {', '.join(targets)}")
    latest = shown["latest"]
    if latest["year"] is None:
        parts.append("aucune valeur déclarée")
    else:
        parts.append(
            f"dernière valeur déclarée : {french_number(latest['value'])}{unit} en "
            f"{latest['year']}, {latest['attainment_label']}"
        )
    return " ; ".join(parts)


def page_context(
    terms: ContractTerms, current: ObjectiveSet | None, reports: list[YearlyReport], today: date
) -> dict[str, Any]:
    """What the contract page shows of the contract's substance: its signatories, its
    perimeter, and each objective with a chart of each indicator's trajectory."""
    last_year = terms.current_echeance.year
    names = {e.finess: e.name for e in terms.establishments}
    funders = {a.key: a.name for a in terms.authorities}
    payload = objectives_payload(current, reports, last_year)
    if current is not None and payload is not None:
        for objective, item in zip(current.objectives, payload["items"], strict=True):
            item["establishment_names"] = [names.get(f, f) for f in objective.establishments]
            for indicator, shown in zip(objective.indicators, item["indicators"], strict=True):
                values = {v["year"]: v["value"] for v in shown["values"]}
                shown["chart"] = Markup(
                    trajectory_svg(indicator, values, terms.effet.year, last_year)
                )
    return {
        "signatories": [
            {"authority": a, "role": AUTHORITY_ROLE_LABELS[a.role]} for a in terms.authorities
        ],
        "perimeter": [
            {
                "establishment": e,
                "funders": [funders.get(key, key) for key in e.funded_by] or [terms.authority.name],
            }
            for e in terms.establishments
        ],
        "objectives": payload,
        "bilans": bilans(terms, current, reports, today),
        # The exercises begun, the latest first: each has its yearly review.
        "review_years": list(range(min(today.year, last_year), terms.effet.year - 1, -1)),
    }
