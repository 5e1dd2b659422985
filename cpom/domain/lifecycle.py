"""The state of one CPOM through its life and the decisions that move it.

Every decision is checked first (`check_*`: raises `DecisionRefused` with a French reason and
changes nothing) and then applied (`apply_*`: mutates the state and logs a dated event). The
workflow calls these functions; it never decides anything by itself.
"""

from bisect import insort
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from cpom.domain.budget_calendar import after_contradictory_return
from cpom.domain.calendar import reply_window
from cpom.domain.date_law import add_months, anniversary, months_after_event
from cpom.domain.terms import (
    ActionDeadline,
    Authority,
    BudgetRegime,
    ContractTerms,
    Prorogation,
    Silence,
)
from cpom.domain.terms_validation import InvalidTerms, check_terms


class Phase(StrEnum):
    CADRAGE = "cadrage"
    DIAGNOSTIC = "diagnostic"
    NEGOCIATION = "negociation"
    SIGNE = "signe"
    EXECUTION = "execution"
    BILAN = "bilan"
    PROROGATION_EN_COURS = "prorogation_en_cours"
    PROROGEE = "prorogee"
    RENEGOCIATION = "renegociation"
    ECHUE = "echue"
    RENOUVELEE = "renouvelee"
    DENONCEE = "denoncee"
    RESILIEE = "resiliee"


ENDED = frozenset({Phase.ECHUE, Phase.RENOUVELEE, Phase.DENONCEE, Phase.RESILIEE})
PRE_SIGNATURE = frozenset({Phase.CADRAGE, Phase.DIAGNOSTIC, Phase.NEGOCIATION})
IN_FORCE = frozenset(
    {Phase.EXECUTION, Phase.BILAN, Phase.PROROGATION_EN_COURS, Phase.PROROGEE, Phase.RENEGOCIATION}
)

PHASE_LABELS = {
    Phase.CADRAGE: "cadrage",
    Phase.DIAGNOSTIC: "diagnostic partagé",
    Phase.NEGOCIATION: "négociation",
    Phase.SIGNE: "signé, en attente de la date d'effet",
    Phase.EXECUTION: "exécution",
    Phase.BILAN: "bilan (dernière année)",
    Phase.PROROGATION_EN_COURS: "prorogation en cours",
    Phase.PROROGEE: "prorogé",
    Phase.RENEGOCIATION: "renégociation",
    Phase.ECHUE: "échu",
    Phase.RENOUVELEE: "renouvelé",
    Phase.DENONCEE: "dénoncé",
    Phase.RESILIEE: "résilié",
}


class Party(StrEnum):
    AUTORITE = "autorite"
    GESTIONNAIRE = "gestionnaire"

    @property
    def other(self) -> "Party":
        return Party.GESTIONNAIRE if self is Party.AUTORITE else Party.AUTORITE


PARTY_LABELS = {Party.AUTORITE: "l'autorité", Party.GESTIONNAIRE: "le gestionnaire"}
# "de" + the party, with its contraction: « la demande du gestionnaire ».
PARTY_OF = {Party.AUTORITE: "de l'autorité", Party.GESTIONNAIRE: "du gestionnaire"}


class DenonciationMode(StrEnum):
    MUTUELLE = "mutuelle"
    MANQUEMENT = "manquement"


# A dénonciation as French says it: « dénonciation d'un commun accord », « … pour manquement ».
DENONCIATION_LABELS = {
    DenonciationMode.MUTUELLE: "d'un commun accord",
    DenonciationMode.MANQUEMENT: "pour manquement",
}


class ResiliationReason(StrEnum):
    LIQUIDATION = "liquidation_judiciaire"
    MANQUEMENT = "manquement"


class DecisionRefused(ValueError):
    """A decision the contract's state or rules do not allow; the message is for users."""


@dataclass
class Event:
    """One dated fact of the contract's life, as the timeline and the projection show it."""

    on: date
    kind: str
    summary: str
    actor: str | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class PendingProrogation:
    requested_by: Party
    received_on: date
    requested_echeance: date
    reply_deadline: date
    # The signing authorities (`Authority.key`) that accepted expressly a request of the
    # gestionnaire, when several sign: the prorogation takes effect once every one has accepted,
    # expressly or by its silence. For a request of one authority that the others answer too,
    # the requesting authority from the start, and GESTIONNAIRE_KEY once the gestionnaire agrees.
    accepted_by: list[str] = field(default_factory=list)
    # A request of one of several signing authorities: the others answer it beside the
    # gestionnaire (requests recorded before they did were answered by the gestionnaire alone).
    co_signatories_answer: bool = False


# How `PendingProrogation.accepted_by` and an avenant's `signed_by` name the gestionnaire.
GESTIONNAIRE_KEY = "gestionnaire"


@dataclass
class PendingDenonciation:
    """A dénonciation d'un commun accord one party proposed; it takes effect only once the other
    party accepts it, its préavis counted from the acceptance. Silence is no dénonciation."""

    proposed_by: Party
    notified_on: date


@dataclass
class Dialogue:
    contract_year: int
    held_on: date
    participants: list[str]
    decisions: list[str]
    approved_by: list[Party] = field(default_factory=list)
    # The co-signing authorities (`Authority.key`) that approved the relevé.
    approved_by_authorities: list[str] = field(default_factory=list)


@dataclass
class Termination:
    """An early end: dénonciation (after its préavis) or résiliation (on its day)."""

    phase: Phase
    notified_on: date
    ends_on: date
    reason: str


class AuthorisationOutcome(StrEnum):
    GRANTED = "accordee"
    REFUSED = "refusee"
    IMPLICITLY_REJECTED = "rejet_implicite"
    IMPLICITLY_GRANTED = "accord_implicite"


@dataclass
class AuthorisationRequest:
    """A request of the gestionnaire for an authorisation the authority grants or refuses
    (seed 004 L890-894), its reply window, and its outcome once decided; the rules are in
    `cpom.domain.authorisation`."""

    id: str
    subject: str
    received_on: date
    reply_deadline: date
    # The day the request was recorded: reminders due before it are not sent.
    recorded_on: date
    on_silence: Silence = Silence.REJECT
    requested_by: Party = Party.GESTIONNAIRE
    outcome: AuthorisationOutcome | None = None
    # The day the answer was received, or the day after the last day of the window.
    decided_on: date | None = None
    decided_by: str | None = None
    reasons: str = ""


@dataclass
class ContractState:
    """Everything the workflow carries from one run to the next (continue-as-new)."""

    terms: ContractTerms
    phase: Phase
    events: list[Event] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    submitted: dict[int, list[str]] = field(default_factory=dict)
    dialogues: list[Dialogue] = field(default_factory=list)
    pending_prorogation: PendingProrogation | None = None
    refused_prorogation_on: date | None = None
    renegotiation_opened_on: date | None = None
    successor_reference: str | None = None
    predecessor_reference: str | None = None
    termination: Termination | None = None
    imported: bool = False
    # Exercises whose annual documents the authority has examined.
    reviewed: list[int] = field(default_factory=list)
    # The day the authority decided to open the renegotiation before its latest date.
    renegotiation_requested_on: date | None = None
    # An imported contract's annual cycle declared up to date on this day (import).
    declared_up_to_date_on: date | None = None
    # A dénonciation d'un commun accord proposed by one party, awaiting the other's answer.
    pending_denonciation: PendingDenonciation | None = None
    # Which counting law applies (see `cpom.domain.calendar_law`). The workflow sets it: a run
    # begun before a change keeps the law it started with, so that its history replays. The
    # default stays 2: states written before law 3 left it out at its default (messages omit
    # their defaults); a new contract names the current law (the API, the simulator).
    calendar_law: int = 2
    # The day the authority notified each exercise's resources (its tarification act).
    resources_notified: dict[int, date] = field(default_factory=dict)
    # Authorisation requests of the gestionnaire, pending and decided, in the order received.
    authorisations: list[AuthorisationRequest] = field(default_factory=list)
    # Actions of the objectives reported done or abandoned: no longer reminded.
    closed_actions: list[str] = field(default_factory=list)


def initial_phase(terms: ContractTerms, today: date) -> Phase:
    """Where a new workflow starts: cadrage for a contract to negotiate, else by the calendar."""
    if not terms.signed:
        return Phase.CADRAGE
    return phase_by_date(terms, today)


def phase_by_date(terms: ContractTerms, today: date) -> Phase:
    """The phase a signed contract is in on `today`, by its dates alone."""
    echeance = terms.current_echeance
    if today > echeance:
        return Phase.ECHUE
    if today < terms.effet:
        return Phase.SIGNE
    if today > add_months(echeance, -12):
        return Phase.BILAN
    return Phase.PROROGEE if terms.prorogations else Phase.EXECUTION


def log(state: ContractState, event: Event) -> None:
    state.events.append(event)


# Events kept for the journal only: the projection shows them, the contract's rules never look
# them up in the state. Once projected, a new run (continue-as-new) need not carry them: the
# notices sent alone made four fifths of a six-year contract's state.
JOURNAL_ONLY = frozenset(
    {"notice_sent", "document_generated", "phase_changed", "contract_ended", "imported"}
)


def carried_events(events: list[Event], projected: int) -> tuple[list[Event], int]:
    """The events a new run of the contract carries, and how many of them are projected: among
    the first `projected` (already in the projection) those the rules read, then every event
    the projection has not received yet."""
    kept = [event for event in events[:projected] if event.kind not in JOURNAL_ONLY]
    return kept + events[projected:], len(kept)


def change_phase(state: ContractState, phase: Phase, today: date, why: str) -> None:
    if state.phase is phase:
        return
    previous = state.phase
    state.phase = phase
    log(
        state,
        Event(
            today,
            "phase_changed",
            f"{PHASE_LABELS[previous]} → {PHASE_LABELS[phase]} : {why}",
            details={"from": previous.value, "to": phase.value},
        ),
    )


def _refuse_if_ended(state: ContractState) -> None:
    if state.phase in ENDED:
        raise DecisionRefused(f"le contrat est {PHASE_LABELS[state.phase]} : plus aucune décision")


def _refuse_before_the_contract(state: ContractState, day: date, what: str) -> None:
    """A decision dated before the contract was signed, or took effect when its signature's day
    is not known (found by probing: a dénonciation of 2020 ended a contract of 2024 before it
    began, a prorogation requested in 2023 was acquired at once)."""
    terms = state.terms
    if terms.signed_on is not None and day < terms.signed_on:
        raise DecisionRefused(
            f"{what} du {day:%d/%m/%Y} précède la signature du contrat ({terms.signed_on:%d/%m/%Y})"
        )
    if terms.signed_on is None and day < terms.effet:
        raise DecisionRefused(
            f"{what} du {day:%d/%m/%Y} précède la date d'effet du contrat ({terms.effet:%d/%m/%Y})"
        )


def _refuse_once_its_end_is_set(state: ContractState, what: str) -> None:
    """A contract whose early end is notified, or whose successor is being negotiated, is not
    prorogued (found by probing: it ended early and was prorogued at once; it overlapped its
    successor)."""
    if state.termination is not None:
        raise DecisionRefused(f"{what} : {end_notified(state.termination)}")
    if state.successor_reference is not None:
        raise DecisionRefused(
            f"{what} : le contrat qui lui succède ({state.successor_reference}) est déjà ouvert"
        )


def end_notified(termination: Termination) -> str:
    """« la fin du contrat est déjà notifiée (…, dernier jour le …) », as refusals and the
    agenda say it."""
    return (
        f"la fin du contrat est déjà notifiée ({termination.reason}, dernier jour le "
        f"{termination.ends_on:%d/%m/%Y})"
    )


def _refuse_if_ended_early(state: ContractState) -> None:
    """The annual documents outlive a contract that reached its échéance: those of its last
    exercise fall due the next spring, and are still reminded, received and examined."""
    reached_echeance = state.phase in (Phase.ECHUE, Phase.RENOUVELEE)
    if state.phase in ENDED and (not reached_echeance or state.termination is not None):
        _refuse_if_ended(state)


# Pre-signature ---------------------------------------------------------------------------------


def check_validate_cadrage(state: ContractState) -> None:
    if state.phase is not Phase.CADRAGE:
        raise DecisionRefused(
            f"la lettre de cadrage se valide en phase de cadrage (phase actuelle : "
            f"{PHASE_LABELS[state.phase]})"
        )


def apply_validate_cadrage(state: ContractState, today: date, actor: str) -> None:
    log(state, Event(today, "cadrage_validated", "lettre de cadrage validée", actor))
    change_phase(state, Phase.DIAGNOSTIC, today, "lettre de cadrage validée")


def check_validate_diagnostic(state: ContractState) -> None:
    if state.phase is not Phase.DIAGNOSTIC:
        raise DecisionRefused(
            f"le diagnostic partagé se valide en phase de diagnostic (phase actuelle : "
            f"{PHASE_LABELS[state.phase]})"
        )


def apply_validate_diagnostic(state: ContractState, today: date, actor: str) -> None:
    log(state, Event(today, "diagnostic_validated", "diagnostic partagé validé", actor))
    change_phase(state, Phase.NEGOCIATION, today, "diagnostic partagé validé")


def check_sign(
    state: ContractState,
    signed_on: date,
    terms: ContractTerms | None,
    today: date,
    signed_by: list[str] | None = None,
) -> None:
    if state.phase is not Phase.NEGOCIATION:
        raise DecisionRefused(
            f"la signature intervient à l'issue de la négociation (phase actuelle : "
            f"{PHASE_LABELS[state.phase]})"
        )
    if signed_on > today:
        raise DecisionRefused(f"la date de signature {signed_on:%d/%m/%Y} est dans le futur")
    final = terms or state.terms
    if final.reference != state.terms.reference:
        raise DecisionRefused("les termes signés ne peuvent changer la référence du contrat")
    _refuse_unless_signed_by_all(final, signed_by, "le contrat prend effet")
    try:
        check_terms(replace(final, signed=True, signed_on=signed_on, process_started_on=None))
    except InvalidTerms as error:
        raise DecisionRefused(f"termes signés invalides : {error}") from None


def apply_sign(
    state: ContractState,
    signed_on: date,
    terms: ContractTerms | None,
    today: date,
    actor: str,
    action_deadlines: tuple[ActionDeadline, ...] | None = None,
) -> None:
    final = terms or state.terms
    state.terms = replace(final, signed=True, signed_on=signed_on, process_started_on=None)
    details = {"signed_on": signed_on.isoformat()}
    if action_deadlines is not None:
        # The objectives signed replace the draft's: their actions' due dates are reminded.
        state.terms = replace(state.terms, action_deadlines=action_deadlines)
        details["objectives"] = "signés"
    log(
        state,
        Event(today, "signed", f"contrat signé le {signed_on:%d/%m/%Y}", actor, details),
    )
    change_phase(state, phase_by_date(state.terms, today), today, "contrat signé")


# Annual cycle ----------------------------------------------------------------------------------

# The item of `submit_documents` that is the EPRD of an exercise (EPRD regime only).
BUDGET_FORECAST_ITEM = "eprd"
# The annual documents of the presets as people write them (budget documents are acronyms);
# an item of a contract's own reads as its identifier with spaces (`item_label`).
ITEM_LABELS = {
    "eprd": "EPRD",
    "errd": "ERRD",
    "synthese_fiches_objectifs": "synthèse des fiches objectifs",
    "rapport_activite": "rapport d'activité",
    "bilan_financier": "bilan financier",
    "compte_administratif": "compte administratif",
    "tableau_depenses_recettes": "tableau des dépenses et des recettes",
    "indicateurs_tableau_de_bord": "indicateurs du tableau de bord",
    "bilan_etape": "bilan d'étape",
    "indicateurs": "indicateurs",
}


def item_label(item: str) -> str:
    """How a document item reads in a letter or a form: « rapport d'activité »."""
    return ITEM_LABELS.get(item, item.replace("_", " "))


def _in_words(items: list[str]) -> str:
    return ", ".join(item_label(item) for item in items)


def items_in_words(items: str) -> str:
    """A list of items as the agenda's facts give it (« a, b »), each as it reads."""
    return _in_words([item.strip() for item in items.split(",") if item.strip()])


def accepted_document_items(terms: ContractTerms) -> tuple[str, ...]:
    """What the gestionnaire may send with `submit_documents`: the annual documents, and the
    EPRD of each exercise under that regime."""
    items = terms.rules.annual_document_items
    if terms.rules.budget_regime is BudgetRegime.EPRD:
        return (*items, BUDGET_FORECAST_ITEM)
    return items


def missing_items(state: ContractState, exercise: int) -> list[str]:
    submitted = set(state.submitted.get(exercise, ()))
    return [item for item in state.terms.rules.annual_document_items if item not in submitted]


def documents_open_on(terms: ContractTerms, exercise: int) -> date:
    """The first day the annual documents of `exercise` may be sent: 1 January of the year
    they are due (the year after the exercise, as every preset has it)."""
    return date(exercise + terms.rules.annual_documents_year_offset, 1, 1)


def check_submit_documents(
    state: ContractState, exercise: int, items: list[str], today: date | None = None
) -> None:
    _refuse_if_ended_early(state)
    first, last = state.terms.effet.year, state.terms.current_echeance.year
    if not first <= exercise <= last:
        raise DecisionRefused(
            f"l'exercice {exercise} n'est pas couvert par le contrat ({first} à {last})"
        )
    expected = accepted_document_items(state.terms)
    unknown = [item for item in items if item not in expected]
    if unknown:
        raise DecisionRefused(
            f"pièces inconnues : {', '.join(f'« {item} »' for item in unknown)} ; pièces "
            f"attendues : {', '.join(f'{item} ({item_label(item)})' for item in expected)}"
        )
    if not items:
        raise DecisionRefused("aucune pièce transmise")
    # The EPRD of an exercise comes before it; its accounts and reports once it is over (found
    # by probing: the ERRD of an exercise not begun was received).
    annual = [item for item in items if item != BUDGET_FORECAST_ITEM]
    opens_on = documents_open_on(state.terms, exercise)
    if today is not None and annual and today < opens_on:
        raise DecisionRefused(
            f"les pièces de l'exercice {exercise} ({_in_words(annual)}) se transmettent à "
            f"partir du {opens_on:%d/%m/%Y}"
        )


def apply_submit_documents(
    state: ContractState, exercise: int, items: list[str], today: date, actor: str
) -> None:
    already = state.submitted.setdefault(exercise, [])
    already.extend(item for item in items if item not in already)
    missing = missing_items(state, exercise)
    documents = [item for item in items if item != BUDGET_FORECAST_ITEM]
    parts = []
    if BUDGET_FORECAST_ITEM in items:
        parts.append(f"EPRD de l'exercice {exercise} reçu")
    if documents:
        # The journal says the pieces as people write them.
        part = f"documents de l'exercice {exercise} reçus : {_in_words(documents)}"
        if missing:
            part += f" (manquent : {_in_words(missing)})"
        parts.append(part)
    summary = " ; ".join(parts)
    log(
        state,
        Event(
            today,
            "documents_submitted",
            summary,
            actor,
            {"exercise": str(exercise), "items": ",".join(items)},
        ),
    )


def check_report_objectives(
    state: ContractState, exercise: int, item: str | None, actions: list[str]
) -> None:
    """The yearly report on the objectives: for an exercise of the contract, about its actions."""
    if item is not None:
        check_submit_documents(state, exercise, [item])
    else:
        _refuse_if_ended_early(state)
    known = {deadline.id for deadline in state.terms.action_deadlines}
    unknown = [action for action in actions if action not in known]
    if unknown:
        raise DecisionRefused(f"actions sans échéance au contrat : {', '.join(unknown)}")


def apply_report_objectives(
    state: ContractState,
    exercise: int,
    item: str | None,
    closed: list[str],
    reopened: list[str],
    today: date,
    actor: str,
) -> None:
    """Log the report (as the annual document it is, when the contract lists one) and stop the
    reminders of the actions reported done or abandoned (those reported again as under way
    are reminded again)."""
    if item is not None:
        apply_submit_documents(state, exercise, [item], today, actor)
    state.closed_actions = [a for a in state.closed_actions if a not in reopened]
    state.closed_actions += [a for a in closed if a not in state.closed_actions]
    summary = f"déclaration de l'exercice {exercise} sur les objectifs reçue"
    if closed:
        summary += f" ; actions réalisées ou abandonnées : {', '.join(closed)}"
    log(
        state,
        Event(
            today,
            "objectives_reported",
            summary,
            actor,
            {"exercise": str(exercise), "closed": ",".join(closed), "reopened": ",".join(reopened)},
        ),
    )


def check_review_documents(state: ContractState, exercise: int) -> None:
    _refuse_if_ended_early(state)
    if missing_items(state, exercise) or exercise not in state.submitted:
        raise DecisionRefused(
            f"les documents de l'exercice {exercise} ne sont pas tous reçus : rien à examiner"
        )
    if exercise in state.reviewed:
        raise DecisionRefused(f"les documents de l'exercice {exercise} sont déjà examinés")


def apply_review_documents(
    state: ContractState, exercise: int, observations: str, today: date, actor: str
) -> None:
    state.reviewed.append(exercise)
    summary = f"documents de l'exercice {exercise} examinés"
    details = {"exercise": str(exercise)}
    if observations:
        summary += f" : {observations}"
        details["observations"] = observations
    log(state, Event(today, "documents_reviewed", summary, actor, details))


def check_record_dialogue(
    state: ContractState,
    held_on: date,
    today: date,
    participants: Sequence[str] = (),
    decisions: Sequence[str] = (),
) -> None:
    _refuse_if_ended(state)
    if state.phase not in IN_FORCE:
        raise DecisionRefused("un dialogue de gestion se tient pendant l'exécution du contrat")
    if not state.terms.effet <= held_on <= today:
        raise DecisionRefused(
            f"la date du dialogue ({held_on:%d/%m/%Y}) doit être passée et postérieure à la date "
            "d'effet"
        )
    # The same dialogue sent twice (a retry without its key) is not a second dialogue: the
    # approvals of a relevé are those of its day.
    if any(dialogue.held_on == held_on for dialogue in state.dialogues):
        raise DecisionRefused(f"le dialogue de gestion du {held_on:%d/%m/%Y} est déjà enregistré")
    if any(not participant.strip() for participant in participants):
        raise DecisionRefused("un participant est vide : nommer chacun")
    if any(not decision.strip() for decision in decisions):
        raise DecisionRefused("une décision est vide : écrire chacune")


def held_before_the_last(state: ContractState, held_on: date) -> bool:
    """Whether a dialogue held on `held_on` was held before the last one recorded."""
    return bool(state.dialogues) and held_on < state.dialogues[-1].held_on


def contract_year_of(terms: ContractTerms, day: date) -> int:
    """The contract year `day` falls in, years starting on the anniversaries of the effect date."""
    year = 1
    while anniversary(terms.effet, year) <= day:
        year += 1
    return year


def apply_record_dialogue(
    state: ContractState,
    held_on: date,
    participants: list[str],
    decisions: list[str],
    today: date,
    actor: str,
    in_date_order: bool = True,
) -> Dialogue:
    """Record the dialogue among the others in the order they were held: the last one is the
    one whose relevé is approved, whatever the order they were recorded in (found by probing:
    a dialogue recorded late, held before the last one, took its place; `in_date_order` false
    keeps the order of recording, as runs recorded before did)."""
    dialogue = Dialogue(contract_year_of(state.terms, held_on), held_on, participants, decisions)
    if in_date_order:
        insort(state.dialogues, dialogue, key=lambda recorded: recorded.held_on)
    else:
        state.dialogues.append(dialogue)
    log(
        state,
        Event(
            today,
            "dialogue_recorded",
            f"dialogue de gestion du {held_on:%d/%m/%Y} enregistré",
            actor,
            {"held_on": held_on.isoformat(), "contract_year": str(dialogue.contract_year)},
        ),
    )
    return dialogue


def co_signatory(state: ContractState, party: Party, authority: str | None) -> Authority | None:
    """The co-signing authority a decision is taken for; None for the lead authority or the
    gestionnaire. An authority no signatory has is refused, naming those there are."""
    if authority is None:
        return None
    terms = state.terms
    if party is not Party.AUTORITE:
        raise DecisionRefused("seule une autorité signataire est désignée par « authority »")
    if authority == terms.authority.key:
        return None
    for signatory in terms.co_signatories:
        if signatory.key == authority:
            return signatory
    known = ", ".join(a.key for a in terms.authorities)
    raise DecisionRefused(
        f"« {authority} » n'est pas une autorité signataire du contrat ; autorités : {known}"
    )


def releve_approved(terms: ContractTerms, dialogue: Dialogue) -> bool:
    """Approved by every signatory: the authority, each co-signatory and the gestionnaire."""
    return {Party.AUTORITE, Party.GESTIONNAIRE} <= set(dialogue.approved_by) and all(
        a.key in dialogue.approved_by_authorities for a in terms.co_signatories
    )


def signatory_name(state: ContractState, party: Party, co: Authority | None) -> str:
    """How a decision names who took it: « le gestionnaire », « l'autorité »; among several
    signing authorities, each by its name."""
    if co is not None:
        return co.name
    if party is Party.AUTORITE and state.terms.co_signatories:
        return state.terms.authority.name
    return PARTY_LABELS[party]


def check_approve_releve(state: ContractState, party: Party, authority: str | None = None) -> None:
    if not state.dialogues:
        raise DecisionRefused("aucun dialogue de gestion enregistré : rien à approuver")
    dialogue = state.dialogues[-1]
    co = co_signatory(state, party, authority)
    approved = co.key in dialogue.approved_by_authorities if co else party in dialogue.approved_by
    if approved:
        who = signatory_name(state, party, co)
        raise DecisionRefused(f"le relevé de décisions est déjà approuvé par {who}")


def apply_approve_releve(
    state: ContractState, party: Party, today: date, actor: str, authority: str | None = None
) -> None:
    dialogue = state.dialogues[-1]
    co = co_signatory(state, party, authority)
    details = {"party": party.value}
    if co is None:
        dialogue.approved_by.append(party)
    else:
        dialogue.approved_by_authorities.append(co.key)
        details["authority"] = co.key
    log(
        state,
        Event(
            today,
            "releve_approved",
            f"relevé de décisions du {dialogue.held_on:%d/%m/%Y} approuvé par "
            f"{signatory_name(state, party, co)}",
            actor,
            details,
        ),
    )


# Prorogation -----------------------------------------------------------------------------------


def check_request_prorogation(
    state: ContractState,
    received_on: date,
    requested_echeance: date | None,
    today: date,
    requested_by: Party = Party.GESTIONNAIRE,
    authority: str | None = None,
) -> None:
    co_signatory(state, requested_by, authority)
    _refuse_if_ended(state)
    if state.phase not in IN_FORCE or state.phase is Phase.PROROGATION_EN_COURS:
        raise DecisionRefused(
            f"une prorogation se demande pendant l'exécution du contrat (phase actuelle : "
            f"{PHASE_LABELS[state.phase]})"
        )
    if received_on > today:
        raise DecisionRefused(f"la réception du {received_on:%d/%m/%Y} est dans le futur")
    _refuse_before_the_contract(state, received_on, "la réception de la demande")
    terms = state.terms
    echeance = terms.current_echeance
    if echeance >= terms.echeance_max:
        raise DecisionRefused("la durée totale de 6 ans est atteinte : aucune prorogation possible")
    window = reply_window(terms, received_on, echeance)
    if window.deadline is None:
        limit = add_months(echeance, -terms.rules.prorogation_notice_months)
        raise DecisionRefused(
            f"notification reçue le {received_on:%d/%m/%Y}, après la date limite du "
            f"{limit:%d/%m/%Y} : une prorogation n'est plus possible que par avenant d'un "
            "commun accord"
        )
    _refuse_once_its_end_is_set(state, "plus de prorogation")
    target = requested_echeance or terms.echeance_max
    if not echeance < target <= terms.echeance_max:
        raise DecisionRefused(
            f"l'échéance demandée ({target:%d/%m/%Y}) doit suivre l'échéance actuelle et ne pas "
            f"dépasser le {terms.echeance_max:%d/%m/%Y} (6 ans au total)"
        )


def apply_request_prorogation(
    state: ContractState,
    requested_by: Party,
    received_on: date,
    requested_echeance: date | None,
    today: date,
    actor: str,
    authority: str | None = None,
    every_signatory: bool = False,
) -> PendingProrogation:
    """Record a request for a prorogation. `every_signatory`: a request of one of several
    signing authorities awaits the others' accord beside the gestionnaire's."""
    terms = state.terms
    window = reply_window(terms, received_on, terms.current_echeance)
    assert window.deadline is not None  # checked before
    pending = PendingProrogation(
        requested_by, received_on, requested_echeance or terms.echeance_max, window.deadline.day
    )
    if every_signatory and requested_by is Party.AUTORITE and terms.co_signatories:
        co = co_signatory(state, requested_by, authority)
        pending.co_signatories_answer = True
        pending.accepted_by.append(co.key if co else terms.authority.key)
    state.pending_prorogation = pending
    details = {
        "received_on": received_on.isoformat(),
        "reply_deadline": pending.reply_deadline.isoformat(),
        "requested_echeance": pending.requested_echeance.isoformat(),
        "basis": window.deadline.basis.rule,
        "requested_by": requested_by.value,
    }
    by = PARTY_OF[requested_by]
    if pending.co_signatories_answer:
        details["authority"] = pending.accepted_by[0]
        asking = next(a for a in terms.authorities if a.key == pending.accepted_by[0])
        by = f"{PARTY_OF[requested_by]} ({asking.name})"
    log(
        state,
        Event(
            today,
            "prorogation_requested",
            f"demande de prorogation {by} reçue le {received_on:%d/%m/%Y} ; réponse au plus "
            f"tard le {pending.reply_deadline:%d/%m/%Y}, le silence vaut accord",
            actor,
            details,
        ),
    )
    change_phase(state, Phase.PROROGATION_EN_COURS, today, "demande de prorogation reçue")
    return pending


def answering_party(requested_by: Party, answered_by: Party | None) -> Party:
    """Who answers a request: the party named, or else the other party of the request (the
    decisions recorded before answers named their party, and agents who do not say)."""
    return requested_by.other if answered_by is None else answered_by


def _prorogation_answerer(
    pending: PendingProrogation, answered_by: Party | None, authority: str | None
) -> Party:
    """Who answers a request for a prorogation: naming a signing authority is an authority's
    answer, even to the notice of another authority."""
    if answered_by is None and authority is not None:
        return Party.AUTORITE
    return answering_party(pending.requested_by, answered_by)


def check_answer_prorogation(
    state: ContractState,
    answered_by: Party | None,
    received_on: date,
    today: date,
    authority: str | None = None,
) -> None:
    pending = state.pending_prorogation
    if pending is None:
        raise DecisionRefused("aucune demande de prorogation en attente de réponse")
    if state.termination is not None:
        raise DecisionRefused(
            f"{end_notified(state.termination)} : la prorogation ne peut plus être acceptée"
        )
    party = _prorogation_answerer(pending, answered_by, authority)
    if party is pending.requested_by and not pending.co_signatories_answer:
        raise DecisionRefused(
            f"la demande de prorogation {PARTY_OF[pending.requested_by]} ne peut être acceptée "
            f"ou refusée que par {PARTY_LABELS[pending.requested_by.other]}"
        )
    co = co_signatory(state, party, authority)
    key = _answer_key(state, party, co)
    if pending.co_signatories_answer and key == pending.accepted_by[0]:
        raise DecisionRefused(
            f"la prorogation est demandée par {signatory_name(state, party, co)} : elle attend "
            "la réponse des autres signataires"
        )
    if (party is Party.AUTORITE or pending.co_signatories_answer) and key in pending.accepted_by:
        raise DecisionRefused(f"{signatory_name(state, party, co)} a déjà accepté la prorogation")
    if received_on > today:
        raise DecisionRefused(f"la réception du {received_on:%d/%m/%Y} est dans le futur")
    if received_on < pending.received_on:
        raise DecisionRefused("la réponse ne peut précéder la demande")
    if received_on > pending.reply_deadline:
        raise DecisionRefused(
            f"réponse reçue le {received_on:%d/%m/%Y}, après le dernier jour du délai "
            f"({pending.reply_deadline:%d/%m/%Y}) : l'accord est déjà réputé acquis"
        )


def _answer_key(state: ContractState, party: Party, co: Authority | None) -> str:
    """How `PendingProrogation.accepted_by` names who answers."""
    if party is Party.GESTIONNAIRE:
        return GESTIONNAIRE_KEY
    return co.key if co else state.terms.authority.key


def awaited_signatories(state: ContractState, pending: PendingProrogation) -> list[str]:
    """The names of the signatories whose accord a prorogation still awaits, among several."""
    waiting = [a.name for a in state.terms.authorities if a.key not in pending.accepted_by]
    if pending.co_signatories_answer and GESTIONNAIRE_KEY not in pending.accepted_by:
        waiting.append("l'organisme gestionnaire")  # « en attente de l'organisme gestionnaire »
    return waiting


def _prorogue(state: ContractState, accepted_on: date, tacit: bool) -> Prorogation:
    pending = state.pending_prorogation
    assert pending is not None
    prorogation = Prorogation(pending.received_on, accepted_on, tacit, pending.requested_echeance)
    state.terms = replace(state.terms, prorogations=(*state.terms.prorogations, prorogation))
    state.pending_prorogation = None
    return prorogation


def apply_answer_prorogation(
    state: ContractState,
    accept: bool,
    received_on: date,
    today: date,
    actor: str,
    answered_by: Party | None = None,
    authority: str | None = None,
) -> None:
    pending = state.pending_prorogation
    assert pending is not None  # checked before
    party = _prorogation_answerer(pending, answered_by, authority)
    co = co_signatory(state, party, authority)
    several = party is Party.AUTORITE and bool(state.terms.co_signatories)
    who = signatory_name(state, party, co)
    details = {"answered_by": party.value}
    if several:
        details["authority"] = co.key if co else state.terms.authority.key
    if accept and (several or pending.co_signatories_answer):
        pending.accepted_by.append(_answer_key(state, party, co))
        waiting = awaited_signatories(state, pending)
        if waiting:
            log(
                state,
                Event(
                    today,
                    "prorogation_accepted_by_signatory",
                    f"prorogation acceptée expressément par {who} le {received_on:%d/%m/%Y} ; "
                    f"en attente de {', '.join(waiting)} jusqu'au "
                    f"{pending.reply_deadline:%d/%m/%Y}",
                    actor,
                    {**details, "received_on": received_on.isoformat()},
                ),
            )
            return
    if accept:
        prorogation = _prorogue(state, received_on, tacit=False)
        log(
            state,
            Event(
                today,
                "prorogation_accepted",
                f"prorogation acceptée expressément par {who} le "
                f"{received_on:%d/%m/%Y} : nouvelle échéance le "
                f"{prorogation.new_echeance:%d/%m/%Y}",
                actor,
                {
                    "tacit": "false",
                    "new_echeance": prorogation.new_echeance.isoformat(),
                    **details,
                },
            ),
        )
        change_phase(state, phase_by_date(state.terms, today), today, "prorogation acceptée")
        return
    state.pending_prorogation = None
    state.refused_prorogation_on = received_on
    log(
        state,
        Event(
            today,
            "prorogation_refused",
            f"prorogation refusée par {who} le {received_on:%d/%m/%Y}",
            actor,
            details,
        ),
    )


def accept_tacitly(state: ContractState, today: date) -> Prorogation:
    """The reply window ended in silence: the prorogation is deemed accepted."""
    pending = state.pending_prorogation
    assert pending is not None
    accepted_on = pending.reply_deadline + timedelta(days=1)
    prorogation = _prorogue(state, accepted_on, tacit=True)
    log(
        state,
        Event(
            today,
            "prorogation_accepted",
            f"sans réponse au {pending.reply_deadline:%d/%m/%Y}, la prorogation est réputée "
            f"acceptée : nouvelle échéance le {prorogation.new_echeance:%d/%m/%Y}",
            None,
            {
                "tacit": "true",
                "new_echeance": prorogation.new_echeance.isoformat(),
                "reply_deadline": pending.reply_deadline.isoformat(),
            },
        ),
    )
    change_phase(state, phase_by_date(state.terms, today), today, "acceptation tacite")
    return prorogation


def check_open_renegotiation(state: ContractState) -> None:
    _refuse_if_ended(state)
    if state.phase in PRE_SIGNATURE or state.phase is Phase.SIGNE:
        raise DecisionRefused("la négociation d'un successeur s'ouvre pendant l'exécution")
    if state.successor_reference is not None or state.renegotiation_requested_on is not None:
        raise DecisionRefused(
            f"la négociation d'un nouveau CPOM est déjà ouverte ({state.successor_reference})"
            if state.successor_reference
            else "l'ouverture de la négociation est déjà décidée"
        )
    if state.pending_prorogation is not None:
        raise DecisionRefused("une demande de prorogation attend sa réponse : y répondre d'abord")
    if state.termination is not None:
        raise DecisionRefused(f"fin du contrat déjà notifiée : {state.termination.reason}")


def apply_open_renegotiation(state: ContractState, today: date, actor: str) -> None:
    state.renegotiation_requested_on = today
    log(
        state,
        Event(
            today,
            "renegotiation_requested",
            "ouverture de la négociation d'un nouveau CPOM décidée",
            actor,
        ),
    )


# Avenant, dénonciation, résiliation -----------------------------------------------------------


def _refuse_unless_signed_by_all(
    terms: ContractTerms, signed_by: list[str] | None, what: str
) -> None:
    """`signed_by` names only signatories of the contract; among several signing authorities,
    each of them and the gestionnaire."""
    known = [a.key for a in terms.authorities] + [Party.GESTIONNAIRE.value]
    # Found by probing: « foo » was taken as a signatory, on any contract.
    strangers = [key for key in signed_by or [] if key not in known]
    if strangers:
        s = "s" if len(strangers) > 1 else ""
        raise DecisionRefused(
            f"signataire{s} inconnu{s} du contrat : {', '.join(strangers)} (« signed_by » : "
            f"{', '.join(known)})"
        )
    if not terms.co_signatories:
        return
    missing = [a.name for a in terms.authorities if a.key not in (signed_by or [])]
    if Party.GESTIONNAIRE.value not in (signed_by or []):
        missing.append(PARTY_LABELS[Party.GESTIONNAIRE])
    if missing:
        raise DecisionRefused(
            f"{what} signé par tous les signataires du contrat ; manque la signature de : "
            f"{', '.join(missing)} (« signed_by » : "
            f"{', '.join(a.key for a in terms.authorities)}, gestionnaire)"
        )


def check_sign_avenant(
    state: ContractState,
    new_echeance: date | None,
    signed_on: date,
    today: date,
    signed_by: list[str] | None = None,
    summary: str | None = None,
) -> None:
    _refuse_if_ended(state)
    if state.phase in PRE_SIGNATURE:
        raise DecisionRefused("un avenant modifie un contrat signé")
    if summary is not None and not summary.strip():
        # Its journal entry, its notice and its document say what it changes in these words.
        raise DecisionRefused("l'objet de l'avenant est vide : dire ce qu'il modifie")
    # An avenant binds every party: it takes effect signed by all of them.
    _refuse_unless_signed_by_all(state.terms, signed_by, "un avenant prend effet")
    if signed_on > today:
        raise DecisionRefused(f"la date de signature {signed_on:%d/%m/%Y} est dans le futur")
    _refuse_before_the_contract(state, signed_on, "la signature de l'avenant")
    if new_echeance is not None:
        _refuse_once_its_end_is_set(state, "plus d'avenant de prorogation")
        if state.pending_prorogation is not None:
            raise DecisionRefused(
                "une demande de prorogation attend sa réponse : y répondre avant de signer un "
                "avenant qui fixe une autre échéance"
            )
        terms = state.terms
        if not terms.current_echeance < new_echeance <= terms.echeance_max:
            raise DecisionRefused(
                f"la nouvelle échéance ({new_echeance:%d/%m/%Y}) doit suivre l'échéance actuelle "
                f"et ne pas dépasser le {terms.echeance_max:%d/%m/%Y} (6 ans au total)"
            )


def apply_sign_avenant(
    state: ContractState,
    new_echeance: date | None,
    signed_on: date,
    summary: str,
    today: date,
    actor: str,
    action_deadlines: tuple[ActionDeadline, ...] | None = None,
) -> None:
    details = {"signed_on": signed_on.isoformat(), "summary": summary}
    if action_deadlines is not None:
        # The avenant brings new objectives: their actions' due dates replace the old ones.
        state.terms = replace(state.terms, action_deadlines=action_deadlines)
        details["objectives"] = "modifiés"
    if new_echeance is not None:
        prorogation = Prorogation(signed_on, signed_on, False, new_echeance)
        state.terms = replace(state.terms, prorogations=(*state.terms.prorogations, prorogation))
        details["new_echeance"] = new_echeance.isoformat()
    log(
        state,
        Event(
            today,
            "avenant_signed",
            f"avenant signé le {signed_on:%d/%m/%Y} : {summary}",
            actor,
            details,
        ),
    )
    if new_echeance is not None:
        change_phase(state, phase_by_date(state.terms, today), today, "avenant de prorogation")


def check_denounce(
    state: ContractState, mode: DenonciationMode, notified_on: date, today: date
) -> None:
    _refuse_if_ended(state)
    if state.termination is not None:
        raise DecisionRefused(f"fin du contrat déjà notifiée : {state.termination.reason}")
    if state.phase in PRE_SIGNATURE:
        raise DecisionRefused("seul un contrat signé peut être dénoncé")
    if notified_on > today:
        raise DecisionRefused(f"la notification du {notified_on:%d/%m/%Y} est dans le futur")
    _refuse_before_the_contract(state, notified_on, "la notification")
    if preavis_months(state.terms, mode) is None:
        raise DecisionRefused(
            f"le contrat ne prévoit pas de dénonciation {DENONCIATION_LABELS[mode]} "
            f"(préréglage {state.terms.sector.value})"
        )
    proposal = state.pending_denonciation
    if mode is DenonciationMode.MUTUELLE and proposal is not None:
        raise DecisionRefused(
            f"une proposition de dénonciation d'un commun accord {PARTY_OF[proposal.proposed_by]}, "
            f"notifiée le {proposal.notified_on:%d/%m/%Y}, attend déjà la réponse "
            f"{PARTY_OF[proposal.proposed_by.other]}"
        )


def preavis_months(terms: ContractTerms, mode: DenonciationMode) -> int | None:
    rules = terms.rules
    if mode is DenonciationMode.MUTUELLE:
        return rules.mutual_denonciation_preavis_months
    return rules.breach_denonciation_preavis_months


def _end_after_preavis(
    state: ContractState, mode: DenonciationMode, from_day: date, reason: str
) -> date:
    """End the contract after the préavis of `mode` counted from `from_day`; its last day."""
    months = preavis_months(state.terms, mode)
    assert months is not None
    # The contract is in force through the préavis, whose last day is counted as every delay
    # from an event is; it is no deadline to act, so a day off does not move it.
    if state.calendar_law >= 2:
        last_day = months_after_event(from_day, months)
    else:
        last_day = add_months(from_day, months) - timedelta(days=1)
    last_day = min(last_day, state.terms.current_echeance)
    state.termination = Termination(
        Phase.DENONCEE, from_day, last_day, f"{reason}, préavis de {months} mois"
    )
    return last_day


def _log_return_to_contradictory_procedure(state: ContractState, today: date, actor: str) -> None:
    """An ESMS whose EPRD contract is denounced returns to the annual contradictory procedure."""
    termination = state.termination
    if (
        termination is None
        or state.calendar_law < 2
        or state.terms.rules.budget_regime is not BudgetRegime.EPRD
    ):
        return
    proposals, accounts = after_contradictory_return(state.terms, termination.ends_on)
    log(
        state,
        Event(
            today,
            "contradictory_procedure_resumed",
            f"à la fin du contrat le {termination.ends_on:%d/%m/%Y}, retour à la procédure "
            "budgétaire contradictoire annuelle : propositions budgétaires de l'exercice "
            f"{proposals.exercise} au plus tard le {proposals.day:%d/%m/%Y}, compte "
            f"administratif au plus tard le {accounts.day:%d/%m/%Y}",
            actor,
            {
                "exercise": str(proposals.exercise),
                "proposals_due": proposals.day.isoformat(),
                "accounts_due": accounts.day.isoformat(),
            },
        ),
    )


def apply_denounce(
    state: ContractState,
    mode: DenonciationMode,
    notified_on: date,
    today: date,
    actor: str,
    by: Party = Party.AUTORITE,
) -> date:
    """A dénonciation that runs from its notification: for breach, by either party (seed 003
    L282-289), and a mutual one notified before mutual dénonciations awaited an acceptance."""
    last_day = _end_after_preavis(
        state,
        mode,
        notified_on,
        f"dénonciation {DENONCIATION_LABELS[mode]} notifiée le {notified_on:%d/%m/%Y}",
    )
    assert state.termination is not None
    log(
        state,
        Event(
            today,
            "denonciation_notified",
            f"{state.termination.reason} : fin du contrat le {last_day:%d/%m/%Y}",
            actor,
            {"mode": mode.value, "ends_on": last_day.isoformat(), "notified_by": by.value},
        ),
    )
    _log_return_to_contradictory_procedure(state, today, actor)
    return last_day


def apply_propose_denonciation(
    state: ContractState, by: Party, notified_on: date, today: date, actor: str
) -> PendingDenonciation:
    """A mutual dénonciation is only proposed by one party: the other must accept it."""
    proposal = PendingDenonciation(by, notified_on)
    state.pending_denonciation = proposal
    log(
        state,
        Event(
            today,
            "denonciation_proposed",
            f"proposition de dénonciation d'un commun accord {PARTY_OF[by]} notifiée le "
            f"{notified_on:%d/%m/%Y} : sans effet tant que {PARTY_LABELS[by.other]} ne l'a pas "
            "acceptée ; sans réponse, le contrat continue",
            actor,
            {"proposed_by": by.value, "notified_on": notified_on.isoformat()},
        ),
    )
    return proposal


def check_answer_denonciation(
    state: ContractState, answered_by: Party | None, received_on: date, today: date
) -> None:
    _refuse_if_ended(state)
    if state.termination is not None:
        raise DecisionRefused(f"fin du contrat déjà notifiée : {state.termination.reason}")
    proposal = state.pending_denonciation
    if proposal is None:
        raise DecisionRefused(
            "aucune proposition de dénonciation d'un commun accord en attente de réponse"
        )
    if answering_party(proposal.proposed_by, answered_by) is proposal.proposed_by:
        raise DecisionRefused(
            f"la proposition de dénonciation d'un commun accord {PARTY_OF[proposal.proposed_by]} "
            f"ne peut être acceptée ou refusée que par {PARTY_LABELS[proposal.proposed_by.other]}"
        )
    if received_on > today:
        raise DecisionRefused(f"la réception du {received_on:%d/%m/%Y} est dans le futur")
    if received_on < proposal.notified_on:
        raise DecisionRefused("la réponse ne peut précéder la proposition")


def apply_answer_denonciation(
    state: ContractState,
    accept: bool,
    received_on: date,
    today: date,
    actor: str,
    answered_by: Party | None = None,
) -> date | None:
    """The other party's answer to a proposed mutual dénonciation: accepted, the contract ends
    after the préavis counted from the acceptance (its last day is returned); refused, it runs
    on."""
    proposal = state.pending_denonciation
    assert proposal is not None  # checked before
    party = answering_party(proposal.proposed_by, answered_by)
    state.pending_denonciation = None
    details = {
        "answered_by": party.value,
        "proposed_on": proposal.notified_on.isoformat(),
        # The day the answer reached the party that proposed: its agenda step's day.
        "received_on": received_on.isoformat(),
    }
    if not accept:
        log(
            state,
            Event(
                today,
                "denonciation_refused",
                f"proposition de dénonciation d'un commun accord {PARTY_OF[proposal.proposed_by]} "
                f"refusée par {PARTY_LABELS[party]} le {received_on:%d/%m/%Y} : le contrat "
                "continue",
                actor,
                details,
            ),
        )
        return None
    last_day = _end_after_preavis(
        state,
        DenonciationMode.MUTUELLE,
        received_on,
        f"dénonciation d'un commun accord proposée par {PARTY_LABELS[proposal.proposed_by]} le "
        f"{proposal.notified_on:%d/%m/%Y} et acceptée par {PARTY_LABELS[party]} le "
        f"{received_on:%d/%m/%Y}",
    )
    assert state.termination is not None
    log(
        state,
        Event(
            today,
            "denonciation_accepted",
            f"{state.termination.reason} : fin du contrat le {last_day:%d/%m/%Y}",
            actor,
            {**details, "mode": DenonciationMode.MUTUELLE.value, "ends_on": last_day.isoformat()},
        ),
    )
    _log_return_to_contradictory_procedure(state, today, actor)
    return last_day


def check_terminate(state: ContractState, reason: ResiliationReason, on: date, today: date) -> None:
    _refuse_if_ended(state)
    if on > today:
        raise DecisionRefused(f"la date de résiliation {on:%d/%m/%Y} est dans le futur")
    if state.phase in PRE_SIGNATURE:
        raise DecisionRefused("seul un contrat signé peut être résilié")
    _refuse_before_the_contract(state, on, "la résiliation")
    if (
        reason is ResiliationReason.MANQUEMENT
        and not state.terms.rules.authority_may_terminate_at_any_time
    ):
        raise DecisionRefused(
            "le contrat ne permet pas à l'autorité de le résilier pour manquement ; "
            "utiliser la dénonciation avec préavis"
        )


def apply_terminate(
    state: ContractState, reason: ResiliationReason, on: date, today: date, actor: str
) -> None:
    label = (
        "liquidation judiciaire : résiliation de plein droit, sans préavis"
        if reason is ResiliationReason.LIQUIDATION
        else "résiliation par l'autorité pour manquement"
    )
    state.termination = Termination(Phase.RESILIEE, on, on, label)
    log(
        state,
        Event(today, "resiliation", f"{label} le {on:%d/%m/%Y}", actor, {"reason": reason.value}),
    )
