"""When money moves: the funding paid each month, the dotation complémentaire's schedule, its
regularisation and its possible recovery, and the monthly activity report it is paid on.

Every date here is the contract's or the law's: a payment date the authority keeps, a report the
gestionnaire owes. They are dates to know, not the contract's "next deadline"
(`milestones.ROUTINE_KINDS`), except the regularisation and its review, which close a year.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from cpom.domain import legal_basis as legal
from cpom.domain.date_law import Basis, month_length
from cpom.domain.milestones import Milestone, MilestoneKind, yearly
from cpom.domain.terms import ContractRules, ContractTerms, DotationSchedule, Sector
from cpom.domain.working_days import non_working_reason, previous_working_day

# What the monthly payment is, in each sector's words.
FUNDING_RULES = {
    Sector.SAD: "versement mensuel, à terme à échoir, du douzième du forfait global annuel "
    "(APA), après le {day} du mois",
    Sector.ESMS_ARS: "versement mensuel du douzième de la dotation globalisée commune, le {day} "
    "du mois ou, s'il n'est pas ouvré, le dernier jour ouvré qui le précède",
    Sector.AHI_ETAT: "versement mensuel du douzième de la dotation globale de financement, le "
    "{day} du mois ou, s'il n'est pas ouvré, le dernier jour ouvré qui le précède",
}
# A dotation globale is paid the last working day before a 20th that is not one (R. 314-107).
_PAID_BEFORE_DAY_OFF = frozenset({Sector.ESMS_ARS, Sector.AHI_ETAT})
_FUNDING_SOURCE = {
    Sector.SAD: "seed 001 L231 ; cpom-rules T47, A29",
    Sector.ESMS_ARS: "seed 003 L228-229 (DGC)",
    Sector.AHI_ETAT: "seed 004 L1152 (DGC)",
}


def _months(first: date, last: date) -> list[tuple[int, int]]:
    """Every (year, month) from the month of `first` to the month of `last`, both included."""
    index, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index, end + 1)]


def _on_day(year: int, month: int, day: int) -> date:
    """Day `day` of the month, or its last day when the month is shorter."""
    return date(year, month, min(day, month_length(year, month)))


@lru_cache(maxsize=64)
def _basis(rule: str, source: str, law: str, non_working_day: str | None = None) -> Basis:
    # Shared by every month that agrees on them: bases are read-only.
    return Basis(rule, source, None, (), non_working_day, law)


def _monthly(
    kind: MilestoneKind,
    hard: bool,
    months: list[tuple[int, int]],
    day: int,
    terms: ContractTerms,
    rule: str,
    source: str,
    law: str,
    window: Window | None,
    *,
    month_after: bool = False,
    deadline_to_act: bool = False,
    paid_before_day_off: bool = False,
) -> list[Milestone]:
    """One milestone a month; a deadline to act says when it falls on a day off (it is not
    moved: it is counted from no event); a payment the law brings forward to the last working
    day before a day off is shown on that day."""
    territory = terms.authority.territory
    milestones = []
    for year, month in months:
        if month_after:
            on = _on_day(year + month // 12, month % 12 + 1, day)
        else:
            on = _on_day(year, month, day)
        if on < terms.effet:  # the month the contract takes effect in, before its effect
            continue
        if window is None or not window[0] <= on <= window[1]:
            continue
        day_off = non_working_reason(territory, on) if deadline_to_act else None
        basis = _basis(rule, source, law, day_off)
        if paid_before_day_off and (reason := non_working_reason(territory, on)) is not None:
            # Never before the contract takes effect.
            paid = max(previous_working_day(territory, on), terms.effet)
            basis = _basis(
                f"{rule} ; le {on:%d/%m/%Y} ({reason}) n'est pas ouvré : versement le "
                f"{paid:%d/%m/%Y}",
                source,
                law,
            )
            on = paid
        milestones.append(Milestone(on, kind, hard, basis, None, year))
    return milestones


def _dotation(
    rules: ContractRules,
    months: list[tuple[int, int]],
    exercises: range,
    law: str,
    terms: ContractTerms,
    window: Window | None,
) -> list[Milestone]:
    schedule = rules.dotation_schedule
    milestones: list[Milestone] = []
    if schedule is DotationSchedule.NONE:
        return milestones
    if schedule is DotationSchedule.MONTHLY_TWELFTHS:
        milestones += _monthly(
            MilestoneKind.DOTATION_PAYMENT,
            True,
            months,
            rules.monthly_payment_day,
            terms,
            f"dotation complémentaire versée par douzièmes, le {rules.monthly_payment_day} du mois",
            "seed 000 L299 ; cpom-rules T50, A14",
            law,
            window,
        )
    elif schedule is DotationSchedule.SINGLE_PLUS_REGULARISATION:
        milestones += yearly(
            MilestoneKind.DOTATION_PAYMENT,
            False,
            rules.dotation_single_payment_due,
            0,
            exercises,
            rule="dotation complémentaire de l'exercice N en un seul versement, le "
            f"{rules.dotation_single_payment_due} N au plus tard (date cible, paramètre du "
            "contrat)",
            source="seed 001 L271 ; cpom-rules T52",
            law=law,
            not_before=terms.effet,
        )
    else:
        milestones += yearly(
            MilestoneKind.DOTATION_ADVANCE_DUE,
            True,
            rules.dotation_advance_due,
            0,
            exercises,
            rule=f"acompte de la dotation complémentaire avant le {rules.dotation_advance_due} N",
            source="seed 000 L301 ; cpom-rules §7 A15",
            law=law,
            not_before=terms.effet,
        )
        milestones += yearly(
            MilestoneKind.DOTATION_BALANCE_DUE,
            True,
            rules.dotation_balance_due,
            1,
            exercises,
            rule=f"solde de la dotation complémentaire, avec régularisation possible, avant le "
            f"{rules.dotation_balance_due} N+1",
            source="seed 000 L301 ; cpom-rules §7 A16",
            law=law,
            not_before=terms.effet,
        )
    # The year closes on what was done: the hours actually worked and the actions carried out.
    settled = (
        rules.dotation_balance_due
        if schedule is DotationSchedule.ADVANCE_BALANCE
        else rules.dotation_regularisation_due
    )
    if schedule is not DotationSchedule.ADVANCE_BALANCE:
        milestones += yearly(
            MilestoneKind.DOTATION_REGULARISATION_DUE,
            True,
            settled,
            1,
            exercises,
            rule="régularisation de la dotation de l'exercice N sur l'activité réelle (heures "
            "effectuées) et les actions réalisées, dans la limite des dépenses, au plus tard le "
            f"{settled} N+1 (données transmises à la CNSA)",
            source="seed 001 L271 et L281 ; seed 002 L424-428 ; cpom-rules T52, T53, §7 A16",
            law=law,
            not_before=terms.effet,
        )
    milestones += yearly(
        MilestoneKind.DOTATION_RECOVERY_REVIEW,
        False,
        settled,
        1,
        exercises,
        rule="contrôle de la réalisation des actions financées par la dotation de l'exercice N : "
        "si elles n'ont pas été réalisées ou si l'engagement sur le reste à charge n'est pas "
        "tenu, la dotation peut être suspendue ou récupérée",
        source="seed 000 L356, L373-374 ; seed 001 L285 ; cpom-rules E19",
        law=law,
        not_before=terms.effet,
    )
    return milestones


# Days between which monthly steps are listed; every month by default.
Window = tuple[date, date]
EVERY_MONTH: Window = (date.min, date.max)


def money_milestones(
    terms: ContractTerms, echeance: date, window: Window | None = EVERY_MONTH
) -> list[Milestone]:
    """Every payment and monthly report of the contract, from its effect to its échéance.

    Monthly steps are kept within `window` (none when it is None): a reader needs those around
    today, not sixty of them; the yearly ones are always there.
    """
    rules = terms.rules
    months = _months(terms.effet, echeance) if window is not None else []
    exercises = range(terms.effet.year, echeance.year + 1)
    finances = legal.finances_clause(rules)
    milestones: list[Milestone] = []
    if rules.funding_paid_monthly:
        milestones += _monthly(
            MilestoneKind.FUNDING_PAYMENT,
            True,
            months,
            rules.monthly_payment_day,
            terms,
            FUNDING_RULES[terms.sector].format(day=rules.monthly_payment_day),
            _FUNDING_SOURCE[terms.sector],
            legal.cite(finances, legal.FUNDING_LAW[terms.sector]),
            window,
            paid_before_day_off=terms.sector in _PAID_BEFORE_DAY_OFF,
        )
    if rules.monthly_activity_report_day is not None:
        day = rules.monthly_activity_report_day
        milestones += _monthly(
            MilestoneKind.MONTHLY_ACTIVITY_REPORT_DUE,
            True,
            months,
            day,
            terms,
            f"heures réalisées au titre de l'APA le mois précédent, à transmettre avant le {day} "
            "du mois sur la plateforme départementale",
            "seed 001 L302 ; cpom-rules T46, A29",
            legal.activity_report_clause(rules),
            window,
            month_after=True,
            deadline_to_act=True,
        )
    milestones += _dotation(
        rules,
        months,
        exercises,
        legal.cite(finances, legal.DOTATION_COMPLEMENTAIRE),
        terms,
        window,
    )
    return milestones
