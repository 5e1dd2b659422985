"""The dated legal calendar of one CPOM, computed from its terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cpom.domain.date_law import (
    FRENCH_MONTHS,
    ONE_DAY,
    Basis,
    Dated,
    add_months,
    anniversary,
    backward_deadline,
    fixed_date,
    forward_deadline,
    months_label,
    target_date,
)
from cpom.domain.terms import (
    ContractTerms,
    DialogueCadence,
    DotationSchedule,
    Prorogation,
    Silence,
)


class MilestoneKind(StrEnum):
    CADRAGE_START = "cadrage_start"
    CADRAGE_END = "cadrage_end"
    DIAGNOSTIC_END = "diagnostic_end"
    SIGNATURE_TARGET = "signature_target"
    SIGNATURE = "signature"
    EFFET = "effet"
    ANNUAL_DOCUMENTS_DUE = "annual_documents_due"
    DIALOGUE_DE_GESTION = "dialogue_de_gestion"
    MID_TERM_REVIEW = "mid_term_review"
    FINAL_EXECUTION_REPORT_DUE = "final_execution_report_due"
    DOTATION_ADVANCE_DUE = "dotation_advance_due"
    DOTATION_BALANCE_DUE = "dotation_balance_due"
    DOTATION_REGULARISATION_DUE = "dotation_regularisation_due"
    RENEWAL_PREPARATION_START = "renewal_preparation_start"
    PROROGATION_NOTICE_REMINDER = "prorogation_notice_reminder"
    PROROGATION_NOTICE_DEADLINE = "prorogation_notice_deadline"
    PROROGATION_NOTICE_RECEIVED = "prorogation_notice_received"
    PROROGATION_REPLY_TARGET = "prorogation_reply_target"
    PROROGATION_REPLY_DEADLINE = "prorogation_reply_deadline"
    TACIT_ACCEPTANCE = "tacit_acceptance"
    PROROGATION_ACCEPTED = "prorogation_accepted"
    RENEGOTIATION_START = "renegotiation_start"
    ECHEANCE = "echeance"


LABELS: dict[MilestoneKind, str] = {
    MilestoneKind.CADRAGE_START: "Lancement de la démarche (cible)",
    MilestoneKind.CADRAGE_END: "Fin du cadrage (cible)",
    MilestoneKind.DIAGNOSTIC_END: "Fin du diagnostic partagé (cible)",
    MilestoneKind.SIGNATURE_TARGET: "Signature du contrat (cible)",
    MilestoneKind.SIGNATURE: "Signature du contrat",
    MilestoneKind.EFFET: "Date d'effet",
    MilestoneKind.ANNUAL_DOCUMENTS_DUE: "Documents annuels à transmettre",
    MilestoneKind.DIALOGUE_DE_GESTION: "Dialogue de gestion",
    MilestoneKind.MID_TERM_REVIEW: "Bilan à mi-parcours",
    MilestoneKind.FINAL_EXECUTION_REPORT_DUE: "Rapport complet d'exécution",
    MilestoneKind.DOTATION_ADVANCE_DUE: "Acompte de la dotation complémentaire",
    MilestoneKind.DOTATION_BALANCE_DUE: "Solde de la dotation complémentaire",
    MilestoneKind.DOTATION_REGULARISATION_DUE: "Régularisation de la dotation complémentaire",
    MilestoneKind.RENEWAL_PREPARATION_START: "Préparation du bilan et du renouvellement",
    MilestoneKind.PROROGATION_NOTICE_REMINDER: "Rappel : date limite de demande de prorogation",
    MilestoneKind.PROROGATION_NOTICE_DEADLINE: "Date limite de notification d'une prorogation",
    MilestoneKind.PROROGATION_NOTICE_RECEIVED: "Réception de la demande de prorogation",
    MilestoneKind.PROROGATION_REPLY_TARGET: "Réponse à la demande de prorogation (cible)",
    MilestoneKind.PROROGATION_REPLY_DEADLINE: "Dernier jour pour répondre à la prorogation",
    MilestoneKind.TACIT_ACCEPTANCE: "Prorogation acquise en l'absence de réponse",
    MilestoneKind.PROROGATION_ACCEPTED: "Prorogation acceptée",
    MilestoneKind.RENEGOTIATION_START: "Ouverture de la négociation d'un nouveau CPOM",
    MilestoneKind.ECHEANCE: "Échéance du contrat",
}


EVENT_KINDS = frozenset(
    {
        MilestoneKind.SIGNATURE,
        MilestoneKind.EFFET,
        MilestoneKind.ECHEANCE,
        MilestoneKind.PROROGATION_NOTICE_RECEIVED,
        MilestoneKind.PROROGATION_ACCEPTED,
        MilestoneKind.TACIT_ACCEPTANCE,
    }
)


@dataclass(frozen=True, slots=True)
class Milestone:
    day: date
    kind: MilestoneKind
    hard: bool
    basis: Basis
    contract_year: int | None = None
    exercise: int | None = None
    on_silence: Silence = Silence.NONE

    @property
    def label(self) -> str:
        return LABELS[self.kind]


@dataclass(frozen=True, slots=True)
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
    index = 1
    start = effet
    while start <= echeance:
        end = min(anniversary(effet, index) - ONE_DAY, echeance)
        years.append((index, start, end))
        start = end + ONE_DAY
        index += 1
    return years


def _month_end_within(month: int, start: date, end: date) -> date:
    """The last day of `month` that falls in [start, end], or the end of the span."""
    for year in (start.year, start.year + 1):
        day = add_months(date(year, month, 1), 1) - ONE_DAY
        if start <= day <= end:
            return day
    return end


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
        )
        milestones.append(_milestone(dated, kind, False))
        anchor = dated.day
    return milestones


def _annual(terms: ContractTerms, echeance: date) -> list[Milestone]:
    rules = terms.rules
    territory = terms.authority.territory
    milestones = []
    offset = rules.annual_documents_year_offset
    first_year = terms.effet.year
    for exercise in range(first_year, echeance.year + 1):
        year = exercise - first_year + 1
        due = fixed_date(
            rules.annual_documents_due.in_year(exercise + offset),
            territory,
            rule=f"documents de l'exercice {exercise} au plus tard le "
            f"{rules.annual_documents_due} N{'+1' if offset else ''} (jour compris)",
            source="seed 001 L326 ; seed 000 L307 ; cpom-rules §7 A7",
        )
        milestones.append(
            _milestone(
                due, MilestoneKind.ANNUAL_DOCUMENTS_DUE, True, contract_year=year, exercise=exercise
            )
        )
        milestones.extend(_dotation(terms, exercise, year))
    return milestones


def _dotation(terms: ContractTerms, exercise: int, year: int) -> list[Milestone]:
    rules = terms.rules
    territory = terms.authority.territory
    schedule = rules.dotation_schedule
    if schedule is DotationSchedule.ADVANCE_BALANCE:
        advance = fixed_date(
            rules.dotation_advance_due.in_year(exercise),
            territory,
            rule=f"acompte avant le {rules.dotation_advance_due} N",
            source="seed 000 L301 ; cpom-rules §7 A15",
        )
        balance = fixed_date(
            rules.dotation_balance_due.in_year(exercise + 1),
            territory,
            rule=f"solde avant le {rules.dotation_balance_due} N+1",
            source="seed 000 L301 ; cpom-rules §7 A16",
        )
        return [
            _milestone(
                advance,
                MilestoneKind.DOTATION_ADVANCE_DUE,
                False,
                contract_year=year,
                exercise=exercise,
            ),
            _milestone(
                balance,
                MilestoneKind.DOTATION_BALANCE_DUE,
                False,
                contract_year=year,
                exercise=exercise,
            ),
        ]
    if schedule is DotationSchedule.SINGLE_PLUS_REGULARISATION:
        regularisation = fixed_date(
            rules.dotation_regularisation_due.in_year(exercise + 1),
            territory,
            rule=f"régularisation sur l'activité réelle de N, au plus tard le "
            f"{rules.dotation_regularisation_due} N+1 (données CNSA)",
            source="seed 001 L271 ; seed 002 L426 ; cpom-rules §7 A16",
        )
        return [
            _milestone(
                regularisation,
                MilestoneKind.DOTATION_REGULARISATION_DUE,
                False,
                contract_year=year,
                exercise=exercise,
            )
        ]
    return []


def _dialogues(terms: ContractTerms, echeance: date) -> list[Milestone]:
    rules = terms.rules
    years = contract_years(terms.effet, echeance)
    last = years[-1][0]
    mid_term = terms.mid_term_year
    milestones = []
    for index, start, end in years:
        if rules.dialogue_cadence is DialogueCadence.MID_TERM and index not in (mid_term, last):
            continue
        day = _month_end_within(rules.dialogue_month, start, end)
        basis = Basis(
            f"dialogue de gestion de l'année {index} du contrat, à tenir au plus tard fin "
            f"{FRENCH_MONTHS[rules.dialogue_month - 1]} (date cible, paramètre du contrat)",
            "seed 001 L342-349 ; seed 003 L110 ; seed 004 L691",
            start,
        )
        milestones.append(Milestone(day, MilestoneKind.DIALOGUE_DE_GESTION, False, basis, index))
        if index == mid_term:
            review = Basis(
                f"bilan d'étape à mi-parcours : année {mid_term} du contrat (⌊durée/2⌋+1)",
                "seed 000 L367 ; seed 001 L349 ; cpom-rules §7 A9-A10",
                start,
            )
            milestones.append(Milestone(day, MilestoneKind.MID_TERM_REVIEW, False, review, index))
    return milestones


def _end_of_contract(terms: ContractTerms, echeance: date) -> list[Milestone]:
    rules = terms.rules
    territory = terms.authority.territory
    final_year = contract_years(terms.effet, echeance)[-1]
    report_day = rules.final_execution_report_due.in_year(final_year[1].year)
    if report_day < final_year[1]:
        report_day = rules.final_execution_report_due.in_year(final_year[1].year + 1)
    report = fixed_date(
        min(report_day, echeance),
        territory,
        rule=f"rapport complet d'exécution lors de la dernière année, le "
        f"{rules.final_execution_report_due} par défaut",
        source="seed 002 L600 ; seed 004 L1124 ; cpom-rules §7 A13",
    )
    notice = rules.prorogation_notice_months
    renegotiation = rules.renegotiation_start_months
    preparation = rules.renewal_preparation_months
    milestones = [
        _milestone(
            report, MilestoneKind.FINAL_EXECUTION_REPORT_DUE, False, contract_year=final_year[0]
        ),
        _milestone(
            target_date(
                echeance,
                -preparation,
                rule=f"bilan et préparation du renouvellement {preparation} mois avant "
                "l'échéance (durée indicative)",
                source="seed 000 L26-28 ; seed 004 L771 ; cpom-rules §7 A12",
            ),
            MilestoneKind.RENEWAL_PREPARATION_START,
            False,
        ),
        _milestone(
            backward_deadline(
                echeance,
                renegotiation,
                territory,
                rule=f"sans demande de prorogation, négociation d'un nouveau CPOM "
                f"au plus tard {renegotiation} mois avant l'échéance",
                source="seed 001 art. 16 L415 ; seed 004 arrêté art. 2 L940",
            ),
            MilestoneKind.RENEGOTIATION_START,
            True,
        ),
        _milestone(
            Dated(
                echeance,
                Basis(
                    "dernier jour d'application du contrat",
                    "seed 001 L407 ; cpom-rules §7 A6",
                    terms.effet,
                ),
            ),
            MilestoneKind.ECHEANCE,
            True,
        ),
    ]
    if echeance < terms.echeance_max:
        deadline = backward_deadline(
            echeance,
            notice,
            territory,
            rule=f"notification de la prorogation simple au plus tard {notice} mois avant "
            "l'échéance (même quantième, sans report)",
            source=NOTICE_SOURCES.get(notice, "paramètre du contrat"),
        )
        reminder = rules.prorogation_notice_reminder_months
        milestones += [
            _milestone(deadline, MilestoneKind.PROROGATION_NOTICE_DEADLINE, True),
            _milestone(
                target_date(
                    deadline.day,
                    -reminder,
                    rule=f"rappel {months_label(reminder)} avant la date limite de notification",
                    source="cpom-rules §7 A1, A6",
                ),
                MilestoneKind.PROROGATION_NOTICE_REMINDER,
                False,
            ),
        ]
    return milestones


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
        )
    return ReplyWindow(deadline, target, False)


def _prorogation_events(
    terms: ContractTerms, prorogation: Prorogation, previous: date
) -> list[Milestone]:
    received = Dated(
        prorogation.notice_received_on,
        Basis(
            "réception prouvée de la notification (accusé de réception)",
            "seed 001 L377 ; cpom-rules §7 A3",
        ),
    )
    accepted = Dated(
        prorogation.accepted_on,
        Basis(
            ("accord réputé acquis faute de réponse" if prorogation.tacit else "accord exprès")
            + f" : échéance du {previous:%d/%m/%Y} portée au "
            f"{prorogation.new_echeance:%d/%m/%Y}",
            "seed 001 L379 ; seed 000 L96",
            prorogation.notice_received_on,
        ),
    )
    return [
        _milestone(received, MilestoneKind.PROROGATION_NOTICE_RECEIVED, True),
        _milestone(accepted, MilestoneKind.PROROGATION_ACCEPTED, True),
    ]


def _pending_notice(
    terms: ContractTerms, received_on: date, echeance: date
) -> tuple[list[Milestone], list[str]]:
    window = reply_window(terms, received_on, echeance)
    received = _milestone(
        Dated(
            received_on,
            Basis(
                "réception prouvée de la notification (accusé de réception)",
                "seed 001 L377 ; cpom-rules §7 A3",
            ),
        ),
        MilestoneKind.PROROGATION_NOTICE_RECEIVED,
        True,
    )
    if window.deadline is None:
        limit = add_months(echeance, -terms.rules.prorogation_notice_months)
        return [received], [
            f"notification reçue le {received_on:%d/%m/%Y}, après la date limite du "
            f"{limit:%d/%m/%Y} : ce n'est pas une prorogation simple et le silence ne vaut pas "
            "accord ; une prorogation reste possible par avenant d'un commun accord "
            "(seed 000 L96, cpom-rules §7 A24)"
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
    terms: ContractTerms, notice_received_on: date | None = None
) -> ContractCalendar:
    """Every dated milestone of the contract's life, sorted by date.

    `notice_received_on` is the proven receipt of a prorogation notice still awaiting an answer;
    accepted prorogations are part of the terms and move the échéance.
    """
    echeance = terms.current_echeance
    milestones: list[Milestone] = []
    warnings: list[str] = []
    if not terms.signed:
        milestones += _pre_signature(terms)
    elif terms.signed_on is not None:
        milestones.append(
            _milestone(
                Dated(terms.signed_on, Basis("signature des parties", "contrat")),
                MilestoneKind.SIGNATURE,
                True,
            )
        )
    milestones.append(
        _milestone(
            Dated(terms.effet, Basis("date d'effet fixée au contrat", "seed 001 L407")),
            MilestoneKind.EFFET,
            True,
        )
    )
    previous = terms.echeance
    for prorogation in terms.prorogations:
        milestones += _prorogation_events(terms, prorogation, previous)
        previous = prorogation.new_echeance
    milestones += _annual(terms, echeance)
    milestones += _dialogues(terms, echeance)
    milestones += _end_of_contract(terms, echeance)
    if notice_received_on is not None:
        pending, notes = _pending_notice(terms, notice_received_on, echeance)
        milestones += pending
        warnings += notes
    milestones.sort(key=lambda m: (m.day, _ORDER[m.kind]))
    return ContractCalendar(echeance, terms.echeance_max, tuple(milestones), tuple(warnings))


_ORDER = {kind: index for index, kind in enumerate(MilestoneKind)}
