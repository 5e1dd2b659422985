"""The yearly budget cycle of a contract: what the gestionnaire sends and the authority decides,
by the budget regime the contract runs under (CASF), and what follows an ARS dénonciation.

* EPRD regime (ESMS under a CPOM with the ARS): the EPRD of year N by 30 April N, or within
  the days the law gives after the last notification of the year's resources when that comes
  later; the ERRD of N with the annual documents of N+1 (see `calendar._annual`).
* Contract documents (SAD, CHRS): the CPOM derogates from the annual contradictory procedure
  and lists its own documents (the annual documents).
* Contradictory procedure: budget proposals of N by 31 October N-1.
* Every year, the authority's tarification act (arrêté tarifaire, notification of resources)
  where the contract sets a date for it, and, for the State, the avenant that fixes the year's
  subsidies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cpom.domain import legal_basis as legal
from cpom.domain.calendar_law import CALENDAR_LAW
from cpom.domain.date_law import Basis, SkippedDay, days_after_event, next_working_day
from cpom.domain.milestones import Milestone, MilestoneKind, yearly
from cpom.domain.terms import BudgetRegime, ContractTerms, MonthDay
from cpom.domain.working_days import non_working_reason


def budget_forecast_day(
    terms: ContractTerms, exercise: int, notified_on: date | None, law: int = CALENDAR_LAW
) -> tuple[date, bool]:
    """The last day to send the EPRD of `exercise`, and whether a late notification moved it.

    The law's date (30 April N) holds unless the year's resources are notified so late that
    the days the law then gives, counted from the day after the notification, end after it;
    under calendar law 3, on the next working day when they end on a day off (CPC art. 642).
    """
    day, moved, _ = _budget_forecast_day(terms, exercise, notified_on, law)
    return day, moved


def _budget_forecast_day(
    terms: ContractTerms, exercise: int, notified_on: date | None, law: int
) -> tuple[date, bool, tuple[SkippedDay, ...]]:
    rules = terms.rules
    legal_day = rules.budget_forecast_due.in_year(exercise)
    if notified_on is None:
        return legal_day, False, ()
    after = days_after_event(notified_on, rules.budget_forecast_days_after_notification)
    if after <= legal_day:
        return legal_day, False, ()
    if law < 3:
        return after, True, ()
    moved, skipped = next_working_day(after, terms.authority.territory)
    return moved, True, skipped


def budget_milestones(
    terms: ContractTerms,
    echeance: date,
    resources_notified: Mapping[int, date],
    law: int = CALENDAR_LAW,
) -> list[Milestone]:
    """Every yearly budget step of the contract from its effect to its échéance, as calendar
    `law` counts them."""
    rules = terms.rules
    territory = terms.authority.territory
    exercises = range(terms.effet.year, echeance.year + 1)
    milestones: list[Milestone] = []
    if rules.budget_regime is BudgetRegime.EPRD:
        days = rules.budget_forecast_days_after_notification
        for exercise in exercises:
            notified_on = resources_notified.get(exercise)
            day, moved, skipped = _budget_forecast_day(terms, exercise, notified_on, law)
            if day < terms.effet:  # a year begun under the former contract or regime
                continue
            if moved:
                assert notified_on is not None
                rule = (
                    f"EPRD de l'exercice {exercise} : ressources notifiées le "
                    f"{notified_on:%d/%m/%Y}, transmission dans les {days} jours qui suivent"
                )
            else:
                rule = (
                    f"EPRD de l'exercice {exercise} au plus tard le {day:%d/%m/%Y}, ou dans les "
                    f"{days} jours suivant la notification des ressources si elle est plus "
                    "tardive"
                )
            basis = Basis(
                rule,
                _SOURCES[MilestoneKind.BUDGET_FORECAST_DUE],
                notified_on if moved else None,
                skipped,
                non_working_reason(territory, day),
                legal.cite(legal.follow_up_clause(rules), legal.EPRD),
            )
            milestones.append(
                Milestone(
                    day,
                    MilestoneKind.BUDGET_FORECAST_DUE,
                    True,
                    basis,
                    exercise - exercises.start + 1,
                    exercise,
                )
            )
    elif rules.budget_regime is BudgetRegime.CONTRADICTORY:
        milestones += proposals_due(terms, range(exercises.start + 1, exercises.stop + 1))
    if rules.tarification_due is not None:
        milestones += yearly(
            MilestoneKind.TARIFICATION_DUE,
            False,
            rules.tarification_due,
            0,
            exercises,
            rule=f"arrêté de tarification de l'exercice N, pris chaque année (le "
            f"{rules.tarification_due} N au plus tard : date cible, paramètre du contrat)",
            source=_SOURCES[MilestoneKind.TARIFICATION_DUE],
            law=legal.cite(legal.finances_clause(rules), legal.TARIFICATION_LAW[terms.sector]),
            not_before=terms.effet,
        )
    if rules.subsidy_avenant_due is not None:
        milestones += yearly(
            MilestoneKind.SUBSIDY_AVENANT_DUE,
            False,
            rules.subsidy_avenant_due,
            0,
            exercises,
            rule="avenant annuel fixant le montant des subventions des dispositifs subventionnés "
            f"de l'exercice N (le {rules.subsidy_avenant_due} N au plus tard : date cible, "
            "paramètre du contrat)",
            source=_SOURCES[MilestoneKind.SUBSIDY_AVENANT_DUE],
            law=legal.cite(legal.finances_clause(rules), legal.CPOM_LAW[terms.sector]),
            not_before=terms.effet,
        )
    return milestones


def proposals_due(terms: ContractTerms, exercises: range) -> list[Milestone]:
    """Budget proposals of each exercise N, due on the contract's day of year N-1."""
    rules = terms.rules
    territory = terms.authority.territory
    milestones = []
    for exercise in exercises:
        day = rules.budget_proposals_due.in_year(exercise - 1)
        basis = Basis(
            f"propositions budgétaires de l'exercice {exercise} au plus tard le "
            f"{rules.budget_proposals_due} {exercise - 1} (procédure budgétaire contradictoire "
            "annuelle)",
            _SOURCES[MilestoneKind.BUDGET_PROPOSALS_DUE],
            None,
            (),
            non_working_reason(territory, day),
            legal.PROPOSALS_LAW,
        )
        milestones.append(
            Milestone(day, MilestoneKind.BUDGET_PROPOSALS_DUE, True, basis, None, exercise)
        )
    return milestones


# Under the contradictory procedure, the compte administratif of N goes before 30 April N+1.
COMPTE_ADMINISTRATIF_DUE = MonthDay(4, 30)


def after_contradictory_return(terms: ContractTerms, last_day: date) -> tuple[Milestone, Milestone]:
    """The dates of the annual contradictory procedure an ESMS returns to when an ARS contract
    ends by dénonciation, for the first exercise after it: its budget proposals, and its
    compte administratif."""
    exercise = last_day.year + 1
    [proposals] = proposals_due(terms, range(exercise, exercise + 1))
    day = COMPTE_ADMINISTRATIF_DUE.in_year(exercise + 1)
    accounts = Milestone(
        day,
        MilestoneKind.COMPTE_ADMINISTRATIF_DUE,
        True,
        Basis(
            f"compte administratif de l'exercice {exercise} au plus tard le "
            f"{day:%d/%m/%Y} (procédure budgétaire contradictoire annuelle)",
            _SOURCES[MilestoneKind.BUDGET_PROPOSALS_DUE],
            None,
            (),
            non_working_reason(terms.authority.territory, day),
            legal.COMPTE_ADMINISTRATIF,
        ),
        None,
        exercise,
    )
    return proposals, accounts


_SOURCES = {
    MilestoneKind.BUDGET_FORECAST_DUE: "cpom-rules §3.4 (hors seeds) ; CASF R. 314-210",
    MilestoneKind.BUDGET_PROPOSALS_DUE: "seed 003 L288-289 ; cpom-rules T93, §7 A19",
    MilestoneKind.TARIFICATION_DUE: "seed 000 L286 ; seed 001 L235 ; seed 004 L1152",
    MilestoneKind.SUBSIDY_AVENANT_DUE: "seed 004 L989 et L1189 ; cpom-rules T62, E25",
}

__all__ = [
    "after_contradictory_return",
    "budget_forecast_day",
    "budget_milestones",
    "proposals_due",
]
