"""The dated legal calendar of one CPOM, computed from its terms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from operator import attrgetter

from cpom.domain import legal_basis as legal
from cpom.domain.budget_calendar import budget_milestones
from cpom.domain.calendar_law import CALENDAR_LAW
from cpom.domain.date_law import (
    FRENCH_MONTHS,
    ONE_DAY,
    Basis,
    Dated,
    add_months,
    anniversary,
    forward_deadline,
    month_length,
    months_label,
    target_date,
)
from cpom.domain.milestones import EVENT_KINDS, LABELS, Milestone, MilestoneKind, yearly
from cpom.domain.money_calendar import EVERY_MONTH, Window, money_milestones
from cpom.domain.terms import (
    Authority,
    ContractRules,
    ContractTerms,
    DialogueCadence,
    Gestionnaire,
    MonthDay,
    Prorogation,
    Silence,
)
from cpom.domain.working_days import non_working_reason

__all__ = [
    "EVENT_KINDS",
    "LABELS",
    "ContractCalendar",
    "Milestone",
    "MilestoneKind",
    "build_calendar",
    "contract_years",
    "reply_window",
]


@dataclass(slots=True)
class ContractCalendar:
    echeance: date
    echeance_max: date
    milestones: tuple[Milestone, ...]
    warnings: tuple[str, ...] = ()

    def of_kind(self, kind: MilestoneKind) -> list[Milestone]:
        return [m for m in self.milestones if m.kind is kind]

    def first(self, kind: MilestoneKind) -> Milestone:
        return next(m for m in self.milestones if m.kind is kind)


def _milestone(
    dated: Dated,
    kind: MilestoneKind,
    hard: bool,
    *,
    contract_year: int | None = None,
    exercise: int | None = None,
    on_silence: Silence = Silence.NONE,
) -> Milestone:
    return Milestone(dated.day, kind, hard, dated.basis, contract_year, exercise, on_silence)


def contract_years(effet: date, echeance: date) -> list[tuple[int, date, date]]:
    """Each contract year as (index from 1, first day, last day), the last one cut at échéance."""
    years = []
    index, start = 1, effet
    while start <= echeance:
        following = anniversary(effet, index)
        years.append((index, start, following - ONE_DAY if following <= echeance else echeance))
        index, start = index + 1, following
    return years


def _month_end_within(month: int, start: date, end: date) -> date:
    """The last day of `month` that falls in [start, end], or the end of the span."""
    year = start.year if month >= start.month else start.year + 1
    day = date(year, month, month_length(year, month))
    return day if day <= end else end


# Phase durations are the methodological guides' estimates: targets, no rule of law.
_TARGET_LAW = "durée indicative des guides méthodologiques, sans valeur contraignante"
_CADRAGE_SOURCE = "seed 000 L24 ; seed 004 L474"
_DIAGNOSTIC_SOURCE = "seed 000 L25 ; seed 004 L297"
_NEGOTIATION_SOURCE = "seed 000 L26 ; seed 004 L474"


def _pre_signature(terms: ContractTerms) -> list[Milestone]:
    """Soft phase targets: forward from the start of the process, or back from the effect date."""
    rules = terms.rules
    milestones = []
    if terms.process_started_on is not None:
        anchor = terms.process_started_on
        forward = (
            (MilestoneKind.CADRAGE_END, rules.cadrage_months, "cadrage", _CADRAGE_SOURCE),
            (
                MilestoneKind.DIAGNOSTIC_END,
                rules.diagnostic_months,
                "diagnostic partagé",
                _DIAGNOSTIC_SOURCE,
            ),
            (
                MilestoneKind.SIGNATURE_TARGET,
                rules.negotiation_months,
                "négociation et signature",
                _NEGOTIATION_SOURCE,
            ),
        )
        for kind, months, phase, source in forward:
            dated = target_date(
                anchor,
                months,
                rule=f"{phase} : {months_label(months)} environ "
                "(durée indicative, rappels seulement)",
                source=source,
                law=_TARGET_LAW,
            )
            milestones.append(_milestone(dated, kind, False))
            anchor = dated.day
        return milestones
    anchor = terms.effet - ONE_DAY
    milestones.append(
        _milestone(
            Dated(
                anchor,
                Basis(
                    "signature au plus tard la veille de la date d'effet",
                    "seed 004 L691",
                    terms.effet,
                    law=legal.duration_clause(rules),
                ),
            ),
            MilestoneKind.SIGNATURE_TARGET,
            False,
        )
    )
    backward = (
        (
            MilestoneKind.DIAGNOSTIC_END,
            rules.negotiation_months,
            "négociation et signature",
            _NEGOTIATION_SOURCE,
        ),
        (
            MilestoneKind.CADRAGE_END,
            rules.diagnostic_months,
            "diagnostic partagé",
            _DIAGNOSTIC_SOURCE,
        ),
        (MilestoneKind.CADRAGE_START, rules.cadrage_months, "cadrage", _CADRAGE_SOURCE),
    )
    for kind, months, phase, source in backward:
        dated = target_date(
            anchor,
            -months,
            rule=f"prévoir {months_label(months)} de {phase} "
            "avant l'étape suivante (durée indicative)",
            source=source,
            law=_TARGET_LAW,
        )
        milestones.append(_milestone(dated, kind, False))
        anchor = dated.day
    return milestones


def _annual(terms: ContractTerms, echeance: date) -> list[Milestone]:
    rules = terms.rules
    territory = terms.authority.territory
    exercises = range(terms.effet.year, echeance.year + 1)
    offset = rules.annual_documents_year_offset
    milestones = yearly(
        MilestoneKind.ANNUAL_DOCUMENTS_DUE,
        True,
        rules.annual_documents_due,
        offset,
        exercises,
        rule=f"documents de l'exercice N au plus tard le {rules.annual_documents_due} "
        f"N{'+1' if offset else ''} (jour compris)",
        source="seed 001 L326 ; seed 000 L307 ; cpom-rules §7 A7",
        law=legal.cite(legal.follow_up_clause(rules), legal.ANNUAL_DOCUMENTS_LAW[terms.sector]),
        territory=territory,
    )
    return milestones


@lru_cache(maxsize=32)
def _dialogue_basis(month: int, law: str) -> Basis:
    # Shared by every dialogue with this month: bases are read-only.
    return Basis(
        "dialogue de gestion de chaque année du contrat, à tenir au plus tard fin "
        f"{FRENCH_MONTHS[month - 1]} (date cible, paramètre du contrat)",
        "seed 001 L342-349 ; seed 003 L110 ; seed 004 L691",
        law=law,
    )


def _dialogues(terms: ContractTerms, years: list[tuple[int, date, date]]) -> list[Milestone]:
    rules = terms.rules
    month = rules.dialogue_month
    follow_up = legal.follow_up_clause(rules)
    basis = _dialogue_basis(month, follow_up)
    last = len(years)
    mid_term = terms.mid_term_year
    only_mid_term = rules.dialogue_cadence is DialogueCadence.MID_TERM
    milestones = []
    for index, start, end in years:
        if only_mid_term and index != mid_term and index != last:
            continue
        day = _month_end_within(month, start, end)
        milestones.append(Milestone(day, MilestoneKind.DIALOGUE_DE_GESTION, False, basis, index))
        if index == mid_term:
            review = Basis(
                f"bilan d'étape à mi-parcours : année {mid_term} du contrat (⌊durée/2⌋+1)",
                "seed 000 L367 ; seed 001 L349 ; cpom-rules §7 A9-A10",
                start,
                law=follow_up,
            )
            milestones.append(Milestone(day, MilestoneKind.MID_TERM_REVIEW, False, review, index))
    return milestones


@lru_cache(maxsize=256)
def _end_of_contract_texts(
    notice: int,
    renegotiation: int,
    preparation: int,
    reminder: int,
    report_due: MonthDay,
    final_review: int,
) -> tuple[str, ...]:
    """Rule texts of the end-of-contract milestones, shared by every contract with these terms."""
    return (
        f"rapport complet d'exécution lors de la dernière année, le {report_due} par défaut",
        f"bilan et préparation du renouvellement {preparation} mois avant l'échéance "
        "(durée indicative)",
        f"sans demande de prorogation, négociation d'un nouveau CPOM au plus tard "
        f"{renegotiation} mois avant l'échéance",
        f"notification de la prorogation simple au plus tard {notice} mois avant l'échéance "
        "(même quantième, sans report)",
        NOTICE_SOURCES.get(notice, "paramètre du contrat"),
        f"rappel {months_label(reminder)} avant la date limite de notification",
        f"évaluation finale {final_review} mois avant l'échéance, préalable à la négociation "
        "du futur contrat (date cible)",
    )


def notice_day_rule(rules: ContractRules) -> str:
    return f"au plus tard {rules.prorogation_notice_months} mois avant l'échéance"


def _end_of_contract(
    terms: ContractTerms, echeance: date, echeance_max: date, final_year: tuple[int, date, date]
) -> list[Milestone]:
    rules = terms.rules
    territory = terms.authority.territory
    texts = _end_of_contract_texts(
        rules.prorogation_notice_months,
        rules.renegotiation_start_months,
        rules.renewal_preparation_months,
        rules.prorogation_notice_reminder_months,
        rules.final_execution_report_due,
        rules.final_review_months or rules.renegotiation_start_months,
    )
    report_rule, preparation_rule, renegotiation_rule, notice_rule = texts[:4]
    notice_source, reminder_rule, final_review_rule = texts[4:]
    index, first_day, _ = final_year
    report_day = rules.final_execution_report_due.in_year(first_day.year)
    if report_day < first_day:
        report_day = rules.final_execution_report_due.in_year(first_day.year + 1)
    report_day = min(report_day, echeance)
    renegotiation_day = add_months(echeance, -rules.renegotiation_start_months)
    follow_up = legal.follow_up_clause(rules)
    prorogation = legal.prorogation_clause(rules)
    renegotiation = legal.renegotiation_clause(rules)
    milestones = [
        Milestone(
            report_day,
            MilestoneKind.FINAL_EXECUTION_REPORT_DUE,
            False,
            Basis(
                report_rule,
                _REPORT_SOURCE,
                None,
                (),
                non_working_reason(territory, report_day),
                follow_up,
            ),
            index,
        ),
        Milestone(
            add_months(echeance, -rules.renewal_preparation_months),
            MilestoneKind.RENEWAL_PREPARATION_START,
            False,
            Basis(preparation_rule, _PREPARATION_SOURCE, echeance, law=_ADVICE_LAW),
        ),
        Milestone(
            add_months(echeance, -(rules.final_review_months or rules.renegotiation_start_months)),
            MilestoneKind.FINAL_REVIEW,
            False,
            Basis(final_review_rule, _FINAL_REVIEW_SOURCE, echeance, law=follow_up),
        ),
    ]
    notice_day = add_months(echeance, -rules.prorogation_notice_months)
    if echeance < echeance_max:
        milestones.append(
            Milestone(
                notice_day,
                MilestoneKind.PROROGATION_NOTICE_DEADLINE,
                True,
                Basis(
                    notice_rule,
                    notice_source,
                    echeance,
                    (),
                    non_working_reason(territory, notice_day),
                    prorogation,
                ),
            )
        )
        milestones.append(
            Milestone(
                add_months(notice_day, -rules.prorogation_notice_reminder_months),
                MilestoneKind.PROROGATION_NOTICE_REMINDER,
                False,
                Basis(reminder_rule, "cpom-rules §7 A1, A6", notice_day, law=prorogation),
            )
        )
    if echeance < echeance_max and renegotiation_day <= notice_day:
        # Both rules fall on the same last day: say both, as the workflow acts on both.
        renegotiation_rule = (
            f"dernier jour pour notifier une prorogation simple ({notice_day_rule(rules)}) ; "
            "sans notification reçue ce jour, la négociation d'un nouveau CPOM s'ouvre le même "
            f"jour, en fin de journée (au plus tard {rules.renegotiation_start_months} mois avant "
            "l'échéance)"
        )
        renegotiation_law = legal.clauses(
            rules.article_prorogation, rules.article_renegotiation, "de prorogation"
        )
    else:
        renegotiation_law = renegotiation
    milestones += [
        Milestone(
            renegotiation_day,
            MilestoneKind.RENEGOTIATION_START,
            True,
            Basis(
                renegotiation_rule,
                _RENEGOTIATION_SOURCE,
                echeance,
                (),
                non_working_reason(territory, renegotiation_day),
                renegotiation_law,
            ),
        ),
        Milestone(
            echeance,
            MilestoneKind.ECHEANCE,
            True,
            Basis(
                "dernier jour d'application du contrat",
                _ECHEANCE_SOURCE,
                terms.effet,
                law=legal.cite(legal.duration_clause(rules), legal.CPOM_DURATION),
            ),
        ),
    ]
    return milestones


# Advice of the guides, not a rule: the date is a target for reminders.
_ADVICE_LAW = "recommandation des guides méthodologiques, sans valeur contraignante"
_REPORT_SOURCE = "seed 002 L600 ; seed 004 L1124 ; cpom-rules §7 A13"
_PREPARATION_SOURCE = "seed 000 L26-28 ; seed 004 L771 ; cpom-rules §7 A12"
_RENEGOTIATION_SOURCE = "seed 001 art. 16 L415 ; seed 004 arrêté art. 2 L940"
_ECHEANCE_SOURCE = "seed 001 L407 ; cpom-rules §7 A6"
_FINAL_REVIEW_SOURCE = "seed 000 L367 et L388 ; seed 004 L768"


NOTICE_SOURCES = {
    6: "seed 001 art. 12 L377 et art. 16 L409 ; seed 002 art. 10 L762",
    12: "seed 002 art. 6 L650 ; seed 004 modèle V.2 L1222",
}
REPLY_SOURCES = {
    1: "seed 001 art. 16 L411 ; seed 002 art. 10 L770",
    2: "seed 001 art. 12 L379 ; seed 002 art. 6 L666 ; seed 004 L942 et L1224",
}


@dataclass(frozen=True, slots=True)
class ReplyWindow:
    """The answer window opened by a prorogation notice, or why none opened."""

    deadline: Dated | None
    target: Dated | None
    late_notice: bool


def reply_window(terms: ContractTerms, received_on: date, echeance: date) -> ReplyWindow:
    """The legal last day to answer a notice received on `received_on`.

    A notice received after its deadline is no "prorogation simple": no window opens and
    silence means nothing (cpom-rules §7 A24).
    """
    rules = terms.rules
    notice_deadline = add_months(echeance, -rules.prorogation_notice_months)
    if received_on > notice_deadline:
        return ReplyWindow(None, None, True)
    months = rules.prorogation_reply_months
    deadline = forward_deadline(
        received_on,
        months,
        terms.authority.territory,
        rule=f"réponse dans les {months_label(months)} suivant la réception prouvée de la "
        "notification ; à défaut, l'accord est réputé acquis",
        source=REPLY_SOURCES.get(months, "paramètre du contrat") + " ; cpom-rules §7 A3",
        law=legal.cite(legal.prorogation_clause(rules), legal.CPC_DEADLINE_TO_ACT),
    )
    target = None
    target_months = rules.prorogation_reply_target_months
    if target_months is not None and target_months < months:
        target = forward_deadline(
            received_on,
            target_months,
            terms.authority.territory,
            rule=f"réponse visée dans les {months_label(target_months)} (délai le plus court "
            "du contrat)",
            source=REPLY_SOURCES.get(target_months, "paramètre du contrat") + " ; cpom-rules §7 A2",
            law=legal.cite(legal.prorogation_clause(rules), legal.CPC_DEADLINE_TO_ACT),
        )
    return ReplyWindow(deadline, target, False)


def _prorogation_events(
    terms: ContractTerms, prorogation: Prorogation, previous: date
) -> list[Milestone]:
    clause = legal.prorogation_clause(terms.rules)
    accepted = Dated(
        prorogation.accepted_on,
        Basis(
            ("accord réputé acquis faute de réponse" if prorogation.tacit else "accord exprès")
            + f" : échéance du {previous:%d/%m/%Y} portée au "
            f"{prorogation.new_echeance:%d/%m/%Y}",
            "seed 001 L379 ; seed 000 L96",
            prorogation.notice_received_on,
            law=clause,
        ),
    )
    return [
        notice_received(terms, prorogation.notice_received_on),
        _milestone(accepted, MilestoneKind.PROROGATION_ACCEPTED, True),
    ]


def notice_received(terms: ContractTerms, received_on: date) -> Milestone:
    """The proven receipt of a prorogation notice: awaiting its answer, accepted or refused."""
    return _milestone(
        Dated(
            received_on,
            Basis(
                "réception prouvée de la notification (accusé de réception)",
                "seed 001 L377 ; cpom-rules §7 A3",
                law=legal.prorogation_clause(terms.rules),
            ),
        ),
        MilestoneKind.PROROGATION_NOTICE_RECEIVED,
        True,
    )


def _pending_notice(
    terms: ContractTerms, received_on: date, echeance: date
) -> tuple[list[Milestone], list[str]]:
    window = reply_window(terms, received_on, echeance)
    clause = legal.prorogation_clause(terms.rules)
    received = notice_received(terms, received_on)
    if window.deadline is None:
        limit = add_months(echeance, -terms.rules.prorogation_notice_months)
        return [received], [
            f"notification reçue le {received_on:%d/%m/%Y}, après la date limite du "
            f"{limit:%d/%m/%Y} : ce n'est pas une prorogation simple et le silence ne vaut pas "
            "accord ; une prorogation reste possible par avenant d'un commun accord "
            f"({clause})"
        ]
    deadline = window.deadline
    milestones = [
        received,
        _milestone(
            deadline,
            MilestoneKind.PROROGATION_REPLY_DEADLINE,
            True,
            on_silence=terms.rules.reply_silence,
        ),
        _milestone(
            Dated(
                deadline.day + ONE_DAY,
                Basis(
                    "le lendemain du dernier jour de réponse, le silence vaut accord",
                    deadline.basis.source,
                    deadline.day,
                    law=clause,
                ),
            ),
            MilestoneKind.TACIT_ACCEPTANCE,
            True,
        ),
    ]
    if window.target is not None:
        milestones.append(_milestone(window.target, MilestoneKind.PROROGATION_REPLY_TARGET, False))
    return milestones, []


def build_calendar(
    terms: ContractTerms,
    notice_received_on: date | None = None,
    resources_notified: Mapping[int, date] | None = None,
    *,
    months: Window | None = EVERY_MONTH,
    law: int = CALENDAR_LAW,
) -> ContractCalendar:
    """Every dated milestone of the contract's life, sorted by date, as calendar `law` counts
    (a contract's state says which; the current one by default).

    `notice_received_on` is the proven receipt of a prorogation notice still awaiting an answer;
    accepted prorogations are part of the terms and move the échéance. `resources_notified`
    gives, by exercise, the day the authority notified the year's resources, which may move
    the budget forecast's deadline. Monthly steps (payments, reports) are kept within `months`,
    none when it is None.

    The workflow asks for the same calendar several times a wake: it is computed once per
    contract and kept (milestones are read-only), and shared by the contracts whose dates,
    rules and territory are the same (`dated`).
    """
    resources = tuple(sorted(resources_notified.items())) if resources_notified else ()
    return _calendar(dated(terms), notice_received_on, resources, months, law)


_ANYONE = Gestionnaire("")


def dated(terms: ContractTerms) -> ContractTerms:
    """What a calendar reads of the terms: their dates and rules, and the territory whose
    holidays move its deadlines; not who the parties are. Thousands of contracts that began on
    the same day under the same rules hold one calendar in a worker, not one each (issue 12)."""
    authority = terms.authority
    return replace(
        terms,
        reference="",
        authority=Authority(authority.kind, "", authority.territory),
        gestionnaire=_ANYONE,
        co_signatories=(),
        establishments=(),
        action_deadlines=(),
    )


@lru_cache(maxsize=512)
def _calendar(
    terms: ContractTerms,
    notice_received_on: date | None,
    resources_notified: tuple[tuple[int, date], ...],
    months: Window | None,
    law: int,
) -> ContractCalendar:
    echeance = terms.current_echeance
    milestones: list[Milestone] = []
    warnings: list[str] = []
    if not terms.signed:
        milestones += _pre_signature(terms)
    elif terms.signed_on is not None:
        milestones.append(Milestone(terms.signed_on, MilestoneKind.SIGNATURE, True, _SIGNED))
    effet = _effet_basis(legal.duration_clause(terms.rules))
    milestones.append(Milestone(terms.effet, MilestoneKind.EFFET, True, effet))
    previous = terms.echeance
    for prorogation in terms.prorogations:
        milestones += _prorogation_events(terms, prorogation, previous)
        previous = prorogation.new_echeance
    milestones += _annual(terms, echeance)
    milestones += money_milestones(terms, echeance, months)
    milestones += budget_milestones(terms, echeance, dict(resources_notified), law)
    years = contract_years(terms.effet, echeance)
    milestones += _dialogues(terms, years)
    echeance_max = terms.echeance_max
    milestones += _end_of_contract(terms, echeance, echeance_max, years[-1])
    if notice_received_on is not None:
        pending, notes = _pending_notice(terms, notice_received_on, echeance)
        milestones += pending
        warnings += notes
    # Stable sort: milestones of one day keep the order they were built in, the life's order.
    milestones.sort(key=_DAY)
    return ContractCalendar(echeance, echeance_max, tuple(milestones), tuple(warnings))


_DAY = attrgetter("day")
_SIGNED = Basis("signature des parties", "contrat signé", law="CPOM signé par les parties")


@lru_cache(maxsize=64)
def _effet_basis(law: str) -> Basis:
    return Basis("date d'effet fixée au contrat", "seed 001 L407 ; seed 002 L752", law=law)
