"""The terms of one CPOM: parties, dates and every rule the seeds let a contract vary."""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from cpom.domain.date_law import echeance_after


class Sector(StrEnum):
    SAD = "sad"
    ESMS_ARS = "esms-ars"
    AHI_ETAT = "ahi-etat"


class AuthorityKind(StrEnum):
    DEPARTEMENT = "departement"
    ARS = "ars"
    ETAT = "etat"


class AuthorityRole(StrEnum):
    """Why an authority signs the contract (seeds 003 and 004)."""

    # Fixes the tariffs or the funding of some establishments of the perimeter.
    TARIFICATION = "tarification"
    # Co-signs for establishments under its own tarification (joint ARS and Département CPOM).
    CO_SIGNING = "cosignataire"
    # The préfet, when subsidised schemes are in the perimeter (seed 004, arrêté annex).
    PREFET = "prefet"


AUTHORITY_ROLE_LABELS = {
    AuthorityRole.TARIFICATION: "autorité de tarification",
    AuthorityRole.CO_SIGNING: "autorité cosignataire",
    AuthorityRole.PREFET: "préfet, pour les dispositifs subventionnés",
}


class Silence(StrEnum):
    """What the silence of a party means when a timer runs out."""

    ACCEPT = "accept"
    REJECT = "reject"
    NONE = "none"


class DialogueCadence(StrEnum):
    ANNUAL = "annuel"
    MID_TERM = "mi_parcours"


class DotationSchedule(StrEnum):
    """How the dotation complémentaire is paid (cpom-rules §7 A14)."""

    NONE = "aucune"
    MONTHLY_TWELFTHS = "douziemes"
    ADVANCE_BALANCE = "acompte_solde"
    SINGLE_PLUS_REGULARISATION = "versement_unique"


class BudgetRegime(StrEnum):
    """Which yearly budget documents the gestionnaire owes, and by when (CASF)."""

    # The CPOM derogates from the annual contradictory procedure and lists its own documents,
    # the compte administratif by 30 April N+1 among them (SAD, CHRS).
    CONTRACT_DOCUMENTS = "documents_du_contrat"
    # ESMS under a CPOM with the ARS: EPRD of year N, ERRD of N by 30 April N+1.
    EPRD = "eprd"
    # The annual contradictory procedure: budget proposals by 31 October N-1, compte
    # administratif by 30 April N+1 (what an ESMS returns to after an ARS dénonciation).
    CONTRADICTORY = "contradictoire"


@dataclass(frozen=True, slots=True)
class MonthDay:
    """A day of the year, such as 30 April."""

    month: int
    day: int

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.day:02d}/{self.month:02d}"


@dataclass(frozen=True, slots=True)
class Authority:
    kind: AuthorityKind
    name: str
    territory: str
    email: str | None = None
    supervisor_email: str | None = None
    role: AuthorityRole = AuthorityRole.TARIFICATION
    # How establishments name their funder ("cd35", "ars-bretagne"); empty: the kind's value.
    id: str = ""
    siren: str | None = None

    @property
    def key(self) -> str:
        return self.id or self.kind.value


@dataclass(frozen=True, slots=True)
class Establishment:
    """One establishment or service of the contract's perimeter (a fiche per service)."""

    finess: str
    name: str
    category: str = ""
    # The authorisation it runs under, as its act says it ("arrêté du 03/01/2017, 15 ans").
    authorisation: str = ""
    # The keys of the authorities that fund it (`Authority.key`); empty: the lead authority.
    funded_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Gestionnaire:
    raison_sociale: str
    email: str | None = None
    finess: str | None = None
    siren: str | None = None
    siret: str | None = None


@dataclass(frozen=True, slots=True)
class ActionDeadline:
    """An action of the contract's objectives and the day it is due: the workflow reminds the
    gestionnaire of it and follows it up until it is reported done or abandoned."""

    id: str
    title: str
    due: date


@dataclass(frozen=True, slots=True)
class ContractRules:
    """Every per-contract value the seeds vary; presets fill them, any may be overridden."""

    prorogation_notice_months: int
    prorogation_reply_months: int
    renegotiation_start_months: int
    renewal_preparation_months: int
    prorogation_notice_reminder_months: int = 2
    prorogation_reply_target_months: int | None = None
    reply_silence: Silence = Silence.ACCEPT
    max_total_years: int = 6
    annual_documents_due: MonthDay = MonthDay(4, 30)
    annual_documents_year_offset: int = 1
    dialogue_cadence: DialogueCadence = DialogueCadence.ANNUAL
    dialogue_month: int = 6
    mid_term_year: int | None = None
    final_review_months: int | None = None
    annual_document_items: tuple[str, ...] = (
        "compte_administratif",
        "rapport_activite",
        "bilan_etape",
    )
    annual_documents_reminder_days: tuple[int, ...] = (30, 7)
    documents_escalation_days: int = 15
    dialogue_convocation_days: int = 21
    releve_reminder_days: int = 7
    final_execution_report_due: MonthDay = MonthDay(4, 30)
    mutual_denonciation_preavis_months: int | None = None
    breach_denonciation_preavis_months: int | None = None
    authority_may_terminate_at_any_time: bool = False
    dotation_schedule: DotationSchedule = DotationSchedule.NONE
    dotation_advance_due: MonthDay = MonthDay(3, 31)
    dotation_balance_due: MonthDay = MonthDay(4, 30)
    dotation_regularisation_due: MonthDay = MonthDay(6, 30)
    # The single yearly payment of the dotation complémentaire (year N), a target of the contract.
    dotation_single_payment_due: MonthDay = MonthDay(3, 31)
    # Money paid each month: the funding's twelfth (forfait global, dotation globale) and, paid
    # by twelfths, the dotation complémentaire; on this day of the month or after it.
    funding_paid_monthly: bool = False
    monthly_payment_day: int = 20
    # The gestionnaire's monthly activity report of month M, due by this day of M+1.
    monthly_activity_report_day: int | None = None
    # Yearly budget cycle.
    budget_regime: BudgetRegime = BudgetRegime.CONTRACT_DOCUMENTS
    budget_forecast_due: MonthDay = MonthDay(4, 30)
    budget_forecast_days_after_notification: int = 30
    budget_proposals_due: MonthDay = MonthDay(10, 31)
    # The authority's yearly tarification act (arrêté tarifaire, notification of resources),
    # a target the contract sets; None when the contract sets none.
    tarification_due: MonthDay | None = None
    # State (AHI): the yearly avenant fixing the subsidies of subsidised schemes.
    subsidy_avenant_due: MonthDay | None = None
    cadrage_months: int = 1
    diagnostic_months: int = 3
    negotiation_months: int = 3
    # The contract's own numbering of its clauses, cited in every basis people read ("art. 12",
    # "point V.2"); empty when the contract does not number that clause.
    article_duration: str = ""
    article_prorogation: str = ""
    article_renegotiation: str = ""
    article_follow_up: str = ""
    article_denonciation: str = ""
    article_finances: str = ""
    article_activity_report: str = ""
    # Authorisation requests of the gestionnaire to the authority (seed 004 L890-894, loi ELAN
    # art. 125 IV): the months the authority has to answer from the proven receipt, and what its
    # silence then means. None: the contract provides for no such request.
    authorisation_reply_months: int | None = None
    authorisation_silence: Silence = Silence.REJECT
    # Days before an action's due date its reminder goes out.
    action_reminder_days: int = 30


@dataclass(frozen=True, slots=True)
class Prorogation:
    """An accepted prorogation: the notice, the answer and the échéance it moved."""

    notice_received_on: date
    accepted_on: date
    tacit: bool
    new_echeance: date


@dataclass(frozen=True, slots=True)
class ContractTerms:
    reference: str
    sector: Sector
    authority: Authority
    gestionnaire: Gestionnaire
    effet: date
    duration_years: int
    echeance: date
    rules: ContractRules
    signed_on: date | None = None
    signed: bool = True
    process_started_on: date | None = None
    prorogations: tuple[Prorogation, ...] = field(default=())
    # The other signatories, beside the lead `authority` (co-signing authority, préfet).
    co_signatories: tuple[Authority, ...] = field(default=())
    # The perimeter: the establishments and services the contract covers (empty: not listed).
    establishments: tuple[Establishment, ...] = field(default=())
    # The due dates of the objectives' actions (the objectives themselves live beside the
    # workflow, in the database); set at signature and by each avenant that changes them.
    action_deadlines: tuple[ActionDeadline, ...] = field(default=())

    @property
    def authorities(self) -> tuple[Authority, ...]:
        """Every authority that signs, the lead one first."""
        return (self.authority, *self.co_signatories)

    @property
    def current_echeance(self) -> date:
        """The last day in force, after any accepted prorogation."""
        return self.prorogations[-1].new_echeance if self.prorogations else self.echeance

    @property
    def echeance_max(self) -> date:
        """The latest échéance a prorogation may reach (total duration cap)."""
        return echeance_after(self.effet, self.rules.max_total_years)

    @property
    def mid_term_year(self) -> int:
        """Contract year of the mid-term review: ⌊duration/2⌋+1 unless set (A9, A10)."""
        return self.rules.mid_term_year or self.duration_years // 2 + 1
