"""The kinds of dated steps of a contract's life, and the milestone that carries one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cpom.domain.date_law import Basis
from cpom.domain.terms import MonthDay, Silence
from cpom.domain.working_days import non_working_reason


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
    FINAL_REVIEW = "final_review"
    FINAL_EXECUTION_REPORT_DUE = "final_execution_report_due"
    DOTATION_ADVANCE_DUE = "dotation_advance_due"
    DOTATION_BALANCE_DUE = "dotation_balance_due"
    DOTATION_REGULARISATION_DUE = "dotation_regularisation_due"
    DOTATION_PAYMENT = "dotation_payment"
    DOTATION_RECOVERY_REVIEW = "dotation_recovery_review"
    FUNDING_PAYMENT = "funding_payment"
    MONTHLY_ACTIVITY_REPORT_DUE = "monthly_activity_report_due"
    BUDGET_FORECAST_DUE = "budget_forecast_due"
    BUDGET_PROPOSALS_DUE = "budget_proposals_due"
    COMPTE_ADMINISTRATIF_DUE = "compte_administratif_due"
    TARIFICATION_DUE = "tarification_due"
    SUBSIDY_AVENANT_DUE = "subsidy_avenant_due"
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
    MilestoneKind.FINAL_REVIEW: "Bilan final du contrat (cible)",
    MilestoneKind.FINAL_EXECUTION_REPORT_DUE: "Rapport complet d'exécution",
    MilestoneKind.DOTATION_ADVANCE_DUE: "Acompte de la dotation complémentaire",
    MilestoneKind.DOTATION_BALANCE_DUE: "Solde de la dotation complémentaire",
    MilestoneKind.DOTATION_REGULARISATION_DUE: "Régularisation de la dotation complémentaire",
    MilestoneKind.DOTATION_PAYMENT: "Versement de la dotation complémentaire",
    MilestoneKind.DOTATION_RECOVERY_REVIEW: "Contrôle des actions financées par la dotation "
    "complémentaire",
    MilestoneKind.FUNDING_PAYMENT: "Versement mensuel du financement",
    MilestoneKind.MONTHLY_ACTIVITY_REPORT_DUE: "Relevé mensuel d'activité à transmettre",
    MilestoneKind.BUDGET_FORECAST_DUE: "EPRD à transmettre",
    MilestoneKind.BUDGET_PROPOSALS_DUE: "Propositions budgétaires à transmettre",
    MilestoneKind.COMPTE_ADMINISTRATIF_DUE: "Compte administratif à transmettre",
    MilestoneKind.TARIFICATION_DUE: "Arrêté de tarification",
    MilestoneKind.SUBSIDY_AVENANT_DUE: "Avenant annuel des subventions",
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


# Money dates and monthly reports: dates to know, shown in the agenda, never a contract's "next
# deadline" (they come back every month, or are the authority's own bookkeeping).
ROUTINE_KINDS = frozenset(
    {
        MilestoneKind.DOTATION_ADVANCE_DUE,
        MilestoneKind.DOTATION_BALANCE_DUE,
        MilestoneKind.DOTATION_REGULARISATION_DUE,
        MilestoneKind.DOTATION_PAYMENT,
        MilestoneKind.FUNDING_PAYMENT,
        MilestoneKind.MONTHLY_ACTIVITY_REPORT_DUE,
    }
)

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


@dataclass(slots=True)
class Milestone:
    """One dated step of the contract's life (read-only, see date_law on why not frozen)."""

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


def yearly(
    kind: MilestoneKind,
    hard: bool,
    due: MonthDay,
    year_offset: int,
    exercises: range,
    *,
    rule: str,
    source: str,
    law: str,
    not_before: date = date.min,
    territory: str | None = None,
) -> list[Milestone]:
    """One milestone per exercise N on a fixed day of year N + `year_offset`, none before
    `not_before` (a contract taking effect during a year owes nothing of it before its effect);
    given a `territory`, the basis says when the day is a day off (it is not moved)."""
    first = exercises.start
    milestones = []
    # Bases are shared between the years that agree on them: they are read-only.
    bases: dict[str | None, Basis] = {}
    for exercise in exercises:
        day = due.in_year(exercise + year_offset)
        if day < not_before:
            continue
        reason = non_working_reason(territory, day) if territory is not None else None
        basis = bases.get(reason) or bases.setdefault(
            reason, Basis(rule, source, None, (), reason, law)
        )
        milestones.append(Milestone(day, kind, hard, basis, exercise - first + 1, exercise))
    return milestones
