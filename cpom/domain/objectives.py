"""What a CPOM is for: its objectives, their actions and the indicators that measure them.

The objectives come with the terms (annex 7 of the Ille-et-Vilaine model: a fiche per
objective, its actions with their due dates, indicators with a value at entry, a target at N+2
and at the end) and change only at signature or through an avenant. Each year the gestionnaire
reports every indicator's value and every action's status; the dialogue de gestion decides, per
objective, to keep, adjust or abandon it; the mid-term and final bilans measure attainment
against the targets. Plain data and plain functions: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cpom.domain.terms import ActionDeadline


class Direction(StrEnum):
    """Which way an indicator should move for its objective to be met."""

    UP = "hausse"
    DOWN = "baisse"


class ActionStatus(StrEnum):
    NOT_STARTED = "non_engagee"
    IN_PROGRESS = "en_cours"
    DONE = "realisee"
    ABANDONED = "abandonnee"


ACTION_STATUS_LABELS = {
    ActionStatus.NOT_STARTED: "non engagée",
    ActionStatus.IN_PROGRESS: "en cours",
    ActionStatus.DONE: "réalisée",
    ActionStatus.ABANDONED: "abandonnée",
}


class Decision(StrEnum):
    """What a dialogue de gestion decides for one objective (its relevé de décisions)."""

    MAINTAINED = "maintenu"
    ADJUSTED = "ajuste"
    ABANDONED = "abandonne"


DECISION_LABELS = {
    Decision.MAINTAINED: "maintenu",
    Decision.ADJUSTED: "ajusté",
    Decision.ABANDONED: "abandonné",
}


class Attainment(StrEnum):
    REACHED = "atteint"
    PROGRESSING = "en_progression"
    NOT_REACHED = "non_atteint"
    UNKNOWN = "non_renseigne"


ATTAINMENT_LABELS = {
    Attainment.REACHED: "atteint",
    Attainment.PROGRESSING: "en progression",
    Attainment.NOT_REACHED: "non atteint",
    Attainment.UNKNOWN: "non renseigné",
}


@dataclass(frozen=True, slots=True)
class Target:
    year: int
    value: float


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    label: str
    unit: str = ""
    baseline: float | None = None
    baseline_year: int | None = None
    # Targets of given years (the N+2 target of the model among them), in year order.
    targets: tuple[Target, ...] = ()
    # The target at the end of the contract, reached in its last year.
    final_target: float | None = None
    direction: Direction = Direction.UP
    # The indicator's code in the national tableau de bord de la performance, when it is one.
    tdb_code: str = ""
    definition: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    title: str
    owner: str = ""
    due: date | None = None
    description: str = ""
    # Where it stands when the objectives are adopted (an action begun before the signature, one
    # an avenant records as done); the yearly reports then say how it goes. None: not stated.
    status: ActionStatus | None = None


@dataclass(frozen=True, slots=True)
class Objective:
    id: str
    title: str
    axis: str = ""
    description: str = ""
    # FINESS numbers of the establishments it concerns; empty: common to the whole perimeter.
    establishments: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    # The dotation complémentaire granted for it, in euros, when the contract grants one.
    amount_granted: float | None = None


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    indicator_id: str
    value: float | None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class ActionProgress:
    action_id: str
    status: ActionStatus
    comment: str = ""


@dataclass(frozen=True, slots=True)
class YearlyReport:
    """The gestionnaire's report of one exercise: each indicator's value, each action's status."""

    exercise: int
    values: tuple[IndicatorValue, ...] = ()
    actions: tuple[ActionProgress, ...] = ()


@dataclass(frozen=True, slots=True)
class ObjectiveDecision:
    objective_id: str
    decision: Decision
    reasons: str = ""


def target_for(indicator: Indicator, year: int, last_year: int) -> float | None:
    """The value the indicator should have reached in `year`: the target of that year, the final
    target in the contract's last year, the value at entry in its year, else the straight line
    between the surrounding known points; None before the first point or after the last."""
    for target in indicator.targets:
        if target.year == year:
            return target.value
    if year == last_year and indicator.final_target is not None:
        return indicator.final_target
    points = trajectory(indicator, last_year)
    if same := [p for p in points if p.year == year]:
        return same[0].value  # the value at entry, in its own year
    before = [p for p in points if p.year < year]
    after = [p for p in points if p.year > year]
    if not before or not after:
        return None
    start, end = before[-1], after[0]
    share = (year - start.year) / (end.year - start.year)
    return start.value + share * (end.value - start.value)


def trajectory(indicator: Indicator, last_year: int) -> list[Target]:
    """The known points of the indicator's path: its value at entry, its targets, its final
    target in the last year; in year order, one point a year (a year's own target first)."""
    points: dict[int, float] = {}
    if indicator.baseline is not None and indicator.baseline_year is not None:
        points[indicator.baseline_year] = indicator.baseline
    if indicator.final_target is not None:
        points[last_year] = indicator.final_target
    for target in indicator.targets:
        points[target.year] = target.value
    return [Target(year, points[year]) for year in sorted(points)]


def attainment(indicator: Indicator, value: float | None, target: float | None) -> Attainment:
    """Whether `value` meets `target` in the indicator's direction; progressing when it has
    moved from the value at entry towards the target without reaching it."""
    if value is None or target is None:
        return Attainment.UNKNOWN
    sign = 1 if indicator.direction is Direction.UP else -1
    if sign * (value - target) >= 0:
        return Attainment.REACHED
    if indicator.baseline is not None and sign * (value - indicator.baseline) > 0:
        return Attainment.PROGRESSING
    return Attainment.NOT_REACHED


def progress_share(indicator: Indicator, value: float | None, target: float | None) -> float | None:
    """How far `value` has gone from the value at entry to `target`, 0 to 1 (capped); None
    without a value at entry, a value or a target, or when they are the same."""
    if value is None or target is None or indicator.baseline is None:
        return None
    span = target - indicator.baseline
    if span == 0:
        return None
    return max(0.0, min(1.0, (value - indicator.baseline) / span))


@dataclass(frozen=True, slots=True)
class IndicatorReview:
    indicator: Indicator
    year: int
    value: float | None
    target: float | None
    attainment: Attainment
    progress: float | None


@dataclass(frozen=True, slots=True)
class ObjectiveReview:
    objective: Objective
    indicators: tuple[IndicatorReview, ...]
    actions: tuple[tuple[Action, ActionStatus | None], ...]

    @property
    def reached(self) -> int:
        return sum(1 for review in self.indicators if review.attainment is Attainment.REACHED)

    @property
    def actions_done(self) -> int:
        return sum(1 for _, status in self.actions if status is ActionStatus.DONE)


def latest_values(reports: list[YearlyReport], year: int) -> dict[str, tuple[int, float]]:
    """Each indicator's latest reported value up to `year`, with the exercise it is of."""
    latest: dict[str, tuple[int, float]] = {}
    for report in sorted(reports, key=lambda r: r.exercise):
        if report.exercise > year:
            break
        for item in report.values:
            if item.value is not None:
                latest[item.indicator_id] = (report.exercise, item.value)
    return latest


def latest_statuses(
    reports: list[YearlyReport], year: int, objectives: tuple[Objective, ...] = ()
) -> dict[str, ActionStatus]:
    """Each action's status as last reported up to `year`, else as the objectives state it."""
    statuses = {
        action.id: action.status
        for objective in objectives
        for action in objective.actions
        if action.status is not None
    }
    for report in sorted(reports, key=lambda r: r.exercise):
        if report.exercise > year:
            break
        for item in report.actions:
            statuses[item.action_id] = item.status
    return statuses


def review(
    objectives: tuple[Objective, ...], reports: list[YearlyReport], year: int, last_year: int
) -> list[ObjectiveReview]:
    """Each objective measured in `year` (a bilan): each indicator's value of that year against
    its target of that year, each action's latest status. A mid-term bilan is the review of the
    mid-term year, the final bilan that of the last year."""
    of_year = next((r for r in reports if r.exercise == year), YearlyReport(year))
    values = {item.indicator_id: item.value for item in of_year.values}
    statuses = latest_statuses(reports, year, objectives)
    reviews: list[ObjectiveReview] = []
    for objective in objectives:
        indicator_reviews = []
        for indicator in objective.indicators:
            value = values.get(indicator.id)
            target = target_for(indicator, year, last_year)
            indicator_reviews.append(
                IndicatorReview(
                    indicator,
                    year,
                    value,
                    target,
                    attainment(indicator, value, target),
                    progress_share(indicator, value, target),
                )
            )
        reviews.append(
            ObjectiveReview(
                objective,
                tuple(indicator_reviews),
                tuple((action, statuses.get(action.id)) for action in objective.actions),
            )
        )
    return reviews


# The annual document the yearly report on the objectives is, by the name each sector's model
# gives it: the synthèse of the fiches objectifs (SAD), the indicators (State), the indicators of
# the tableau de bord de la performance (ESMS under the ARS), the bilan d'étape.
REPORT_ITEMS = (
    "synthese_fiches_objectifs",
    "indicateurs",
    "indicateurs_tableau_de_bord",
    "bilan_etape",
)


def report_item(document_items: tuple[str, ...]) -> str | None:
    """Which of the contract's annual documents the yearly objectives report is, if any."""
    return next((item for item in REPORT_ITEMS if item in document_items), None)


def action_deadlines(objectives: tuple[Objective, ...]) -> tuple[ActionDeadline, ...]:
    """The actions that have a due date, for the workflow to remind them; not those the
    objectives state done or abandoned already."""
    return tuple(
        ActionDeadline(action.id, action.title, action.due)
        for objective in objectives
        for action in objective.actions
        if action.due is not None and action.status not in CLOSED_STATUSES
    )


# An action reported in one of these states is no longer reminded.
CLOSED_STATUSES = frozenset({ActionStatus.DONE, ActionStatus.ABANDONED})


def indicator_ids(objectives: tuple[Objective, ...]) -> set[str]:
    return {indicator.id for objective in objectives for indicator in objective.indicators}


def action_ids(objectives: tuple[Objective, ...]) -> set[str]:
    return {action.id for objective in objectives for action in objective.actions}
