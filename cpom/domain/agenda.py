"""What the workflow must do, and when: every timer of a contract derived from its state.

`plan(state)` lists the actions still to perform, each with a stable business key, the local day
and hour it falls due, and the action itself. The workflow performs the due ones, adds their keys
to `state.done` and sleeps until the next one or until a decision changes the state. Because the
plan is recomputed from the state every time, a document received cancels its relance and an
accepted prorogation moves every later date, with no timer to cancel by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from cpom.domain.authorisation import IMPLICIT_OUTCOMES
from cpom.domain.calendar import Milestone, MilestoneKind, build_calendar
from cpom.domain.clock import fr, local_instant
from cpom.domain.date_law import Basis, add_months
from cpom.domain.document_facts import approval_facts, for_prorogation, prorogation_facts
from cpom.domain.lifecycle import (
    BUDGET_FORECAST_ITEM,
    ENDED,
    PRE_SIGNATURE,
    ContractState,
    Party,
    Phase,
    missing_items,
    releve_approved,
)
from cpom.domain.terms import Silence

REMINDER_HOUR = 8
# A step that falls due "at the latest" on a day is taken at the end of that working day, once
# anything that could still arrive that day (a notice) has been recorded.
END_OF_WORKING_DAY = 18
ONE_DAY = timedelta(days=1)


class NoticeKind(StrEnum):
    PHASE_TARGET_REMINDER = "rappel_cible_phase"
    DOCUMENTS_REMINDER = "rappel_documents_annuels"
    DOCUMENTS_RELANCE = "relance_documents_annuels"
    DOCUMENTS_ESCALATION = "escalade_documents_annuels"
    DIALOGUE_CONVOCATION = "convocation_dialogue_de_gestion"
    RELEVE_REMINDER = "rappel_releve_de_decisions"
    FINAL_REPORT_REMINDER = "rappel_rapport_execution"
    RENEWAL_PREPARATION = "preparation_renouvellement"
    PROROGATION_NOTICE_REMINDER = "rappel_date_limite_prorogation"
    PROROGATION_REQUESTED = "demande_de_prorogation_recue"
    PROROGATION_REPLY_REMINDER = "rappel_reponse_prorogation"
    PROROGATION_ACCEPTED = "prorogation_acceptee"
    RENEGOTIATION_OPENED = "renegociation_ouverte"
    DENONCIATION_NOTIFIED = "denonciation_notifiee"
    CONTRACT_ENDED = "fin_du_contrat"
    BUDGET_FORECAST_REMINDER = "rappel_eprd"
    BUDGET_FORECAST_RELANCE = "relance_eprd"
    TARIFICATION_REMINDER = "rappel_arrete_tarification"
    SUBSIDY_AVENANT_REMINDER = "rappel_avenant_subventions"
    AUTHORISATION_REQUESTED = "demande_d_autorisation_recue"
    AUTHORISATION_REPLY_REMINDER = "rappel_reponse_autorisation"
    AUTHORISATION_SILENCE = "rejet_implicite_autorisation"
    ACTION_REMINDER = "rappel_echeance_action"
    ACTION_OVERDUE = "relance_echeance_action"


class Recipient(StrEnum):
    GESTIONNAIRE = "gestionnaire"
    AUTORITE = "autorite"
    SUPERVISEUR = "superviseur"


class DocumentKind(StrEnum):
    RELEVE_DE_DECISIONS = "releve_de_decisions"
    AVENANT_PROROGATION = "avenant_de_prorogation"
    ATTESTATION_ACCEPTATION_TACITE = "attestation_acceptation_tacite"


@dataclass
class Notify:
    kind: NoticeKind
    to: tuple[Recipient, ...]
    facts: dict[str, str] = field(default_factory=dict)


@dataclass
class Generate:
    kind: DocumentKind
    facts: dict[str, str] = field(default_factory=dict)


@dataclass
class ChangePhase:
    phase: Phase
    why: str


class SilentRequest(StrEnum):
    """Requests whose reply window gives a meaning to the silence of the party asked."""

    PROROGATION = "prorogation"
    AUTHORISATION = "autorisation"


@dataclass
class ApplySilence:
    """The reply window of a request ended in silence: what silence means (`meaning`, from
    the rules, never assumed) applies to it: a prorogation is accepted, an authorisation
    request rejected (cpom-rules A26)."""

    request: SilentRequest
    request_id: str
    reply_deadline: date
    meaning: Silence


@dataclass
class OpenRenegotiation:
    why: str


@dataclass
class EndContract:
    phase: Phase
    why: str


Action = Notify | Generate | ChangePhase | ApplySilence | OpenRenegotiation | EndContract


@dataclass
class Planned:
    day: date
    hour: int
    key: str
    action: Action


BOTH = (Recipient.GESTIONNAIRE, Recipient.AUTORITE)
PARTY_RECIPIENT = {Party.GESTIONNAIRE: Recipient.GESTIONNAIRE, Party.AUTORITE: Recipient.AUTORITE}


def plan(state: ContractState) -> list[Planned]:
    """Every action still to perform, sorted by when it falls due."""
    planned: list[Planned] = []
    if state.phase in PRE_SIGNATURE:
        planned += _pre_signature(state)
    elif state.phase is not Phase.SIGNE or state.terms.signed:
        planned += _in_force(state)
    return sorted(
        (p for p in planned if p.key not in state.done), key=lambda p: (p.day, p.hour, p.key)
    )


def due(state: ContractState, today: date, hour: int) -> list[Planned]:
    return [p for p in plan(state) if (p.day, p.hour) <= (today, hour)]


def phase_once_acted(state: ContractState, now: datetime) -> Phase:
    """The phase the contract has once the workflow performs what is due at `now`: what a
    decision's answer says, where the contract stands right after it (found by probing: a
    refused prorogation answered « prorogation_en_cours » while the renegotiation it opens at
    once was under way, a résiliation dated today answered « execution »)."""
    phase = state.phase
    for planned in plan(state):
        if local_instant(planned.day, planned.hour) > now:
            break
        action = planned.action
        if isinstance(action, ChangePhase | EndContract):
            phase = action.phase
        elif isinstance(action, OpenRenegotiation) and phase not in ENDED:
            phase = Phase.RENEGOCIATION
    return phase


_PHASE_TARGETS = {
    MilestoneKind.CADRAGE_END: (frozenset({Phase.CADRAGE}), "fin du cadrage"),
    MilestoneKind.DIAGNOSTIC_END: (
        frozenset({Phase.CADRAGE, Phase.DIAGNOSTIC}),
        "fin du diagnostic partagé",
    ),
    MilestoneKind.SIGNATURE_TARGET: (PRE_SIGNATURE, "signature du contrat"),
}


def _pre_signature(state: ContractState) -> list[Planned]:
    planned = []
    for milestone in build_calendar(state.terms, months=None).milestones:
        target = _PHASE_TARGETS.get(milestone.kind)
        if target and state.phase in target[0]:
            planned.append(
                Planned(
                    milestone.day,
                    REMINDER_HOUR,
                    f"cible:{milestone.kind.value}:{milestone.day}",
                    Notify(
                        NoticeKind.PHASE_TARGET_REMINDER,
                        (Recipient.AUTORITE,),
                        {
                            "target": target[1],
                            "target_date": fr(milestone.day),
                            "phase": state.phase.value,
                        },
                    ),
                )
            )
    return planned


def _in_force(state: ContractState) -> list[Planned]:
    terms = state.terms
    echeance = terms.current_echeance
    # No timer waits on a payment or a monthly report: their milestones are left out.
    calendar = build_calendar(
        terms, None, state.resources_notified, months=None, law=state.calendar_law
    )
    planned: list[Planned] = []
    ended = state.phase in ENDED
    stopped_early = state.termination is not None
    if not ended:
        planned += _phase_changes(state, echeance)
        planned += _end(state, echeance)
    planned += _prorogation_events(state)
    planned += _authorisations(state)
    if not stopped_early:
        planned += _documents(state, calendar.of_kind(MilestoneKind.ANNUAL_DOCUMENTS_DUE))
    if ended or stopped_early:
        return planned
    planned += _dialogues(state, calendar.of_kind(MilestoneKind.DIALOGUE_DE_GESTION))
    planned += _actions(state)
    for milestone in calendar.of_kind(MilestoneKind.FINAL_EXECUTION_REPORT_DUE):
        planned.append(
            Planned(
                milestone.day - timedelta(days=30),
                REMINDER_HOUR,
                f"rapport_execution:{milestone.day}",
                Notify(
                    NoticeKind.FINAL_REPORT_REMINDER,
                    (Recipient.GESTIONNAIRE,),
                    {"due": fr(milestone.day)},
                ),
            )
        )
    for milestone in calendar.of_kind(MilestoneKind.RENEWAL_PREPARATION_START):
        planned.append(
            Planned(
                milestone.day,
                REMINDER_HOUR,
                f"renouvellement:preparation:{echeance}",
                Notify(
                    NoticeKind.RENEWAL_PREPARATION,
                    BOTH,
                    {"echeance": fr(echeance), "basis": _basis_words(milestone.basis)},
                ),
            )
        )
    planned += _prorogation_and_renegotiation(state)
    if state.calendar_law >= 2:
        planned += _budget_reminders(state, calendar.milestones)
    return planned


# Days before an authority's yearly act (tarification, subsidy avenant) it is reminded of it.
AUTHORITY_REMINDER_DAYS = 30


_BUDGET_KINDS = frozenset(
    {
        MilestoneKind.BUDGET_FORECAST_DUE,
        MilestoneKind.TARIFICATION_DUE,
        MilestoneKind.SUBSIDY_AVENANT_DUE,
    }
)


def _budget_reminders(state: ContractState, milestones: tuple[Milestone, ...]) -> list[Planned]:
    """Reminders of the yearly budget cycle (calendar law 2): the gestionnaire's EPRD, the
    authority's tarification act and subsidy avenant, until each is done."""
    planned: list[Planned] = []
    tarified = state.resources_notified
    avenant_years = {
        date.fromisoformat(e.details.get("signed_on", e.on.isoformat())).year
        for e in state.events
        if e.kind == "avenant_signed" and "new_echeance" not in e.details
    }
    # Most of the calendar's milestones are not the budget cycle's: their facts are not written.
    budget = [m for m in milestones if m.kind in _BUDGET_KINDS]
    for milestone in budget:
        exercise = milestone.exercise or 0
        facts = {
            "exercise": str(exercise),
            "due": fr(milestone.day),
            "basis": _basis_words(milestone.basis),
        }
        if milestone.kind is MilestoneKind.BUDGET_FORECAST_DUE:
            if BUDGET_FORECAST_ITEM in state.submitted.get(exercise, ()):
                continue
            planned += _reminded_then_relanced(
                state,
                milestone.day,
                "eprd",
                exercise,
                (NoticeKind.BUDGET_FORECAST_REMINDER, NoticeKind.BUDGET_FORECAST_RELANCE),
                facts,
            )
        elif milestone.kind is MilestoneKind.TARIFICATION_DUE and exercise not in tarified:
            planned.append(
                Planned(
                    milestone.day - timedelta(days=AUTHORITY_REMINDER_DAYS),
                    REMINDER_HOUR,
                    f"tarification:rappel:{exercise}",
                    Notify(NoticeKind.TARIFICATION_REMINDER, (Recipient.AUTORITE,), facts),
                )
            )
        elif milestone.kind is MilestoneKind.SUBSIDY_AVENANT_DUE and exercise not in avenant_years:
            planned.append(
                Planned(
                    milestone.day - timedelta(days=AUTHORITY_REMINDER_DAYS),
                    REMINDER_HOUR,
                    f"avenant_subventions:rappel:{exercise}",
                    Notify(NoticeKind.SUBSIDY_AVENANT_REMINDER, (Recipient.AUTORITE,), facts),
                )
            )
    return planned


def _phase_changes(state: ContractState, echeance: date) -> list[Planned]:
    terms = state.terms
    planned = []
    if state.phase is Phase.SIGNE:
        planned.append(
            Planned(
                terms.effet,
                0,
                f"phase:execution:{terms.effet}",
                ChangePhase(Phase.EXECUTION, "date d'effet"),
            )
        )
    final_year = add_months(echeance, -12) + ONE_DAY
    if state.phase in (Phase.SIGNE, Phase.EXECUTION, Phase.PROROGEE):
        planned.append(
            Planned(
                final_year,
                0,
                f"phase:bilan:{final_year}",
                ChangePhase(Phase.BILAN, "dernière année du contrat"),
            )
        )
    return planned


def _end(state: ContractState, echeance: date) -> list[Planned]:
    termination = state.termination
    if termination is not None:
        # A résiliation takes effect on its day; a dénonciation after the last day of préavis.
        if termination.phase is Phase.RESILIEE:
            end = termination.ends_on
        else:
            end = termination.ends_on + ONE_DAY
        planned = [
            Planned(
                end,
                0,
                f"fin:{termination.ends_on}",
                Notify(
                    NoticeKind.CONTRACT_ENDED,
                    BOTH,
                    {"ended_on": fr(termination.ends_on), "reason": termination.reason},
                ),
            ),
            Planned(
                end,
                0,
                f"fin:phase:{termination.ends_on}",
                EndContract(termination.phase, termination.reason),
            ),
        ]
        if termination.phase is Phase.DENONCEE:
            planned.append(
                Planned(
                    termination.notified_on,
                    0,
                    f"denonciation:{termination.notified_on}",
                    Notify(
                        NoticeKind.DENONCIATION_NOTIFIED,
                        BOTH,
                        {"ends_on": fr(termination.ends_on), "reason": termination.reason},
                    ),
                )
            )
        return planned
    successor = state.successor_reference
    why = "échéance atteinte" + (f", relais pris par le CPOM {successor}" if successor else "")
    end_phase = Phase.RENOUVELEE if successor else Phase.ECHUE
    return [
        Planned(
            echeance + ONE_DAY,
            0,
            f"fin:{echeance}",
            Notify(NoticeKind.CONTRACT_ENDED, BOTH, {"ended_on": fr(echeance), "reason": why}),
        ),
        Planned(echeance + ONE_DAY, 0, f"fin:phase:{echeance}", EndContract(end_phase, why)),
    ]


def _documents(state: ContractState, milestones: list[Milestone]) -> list[Planned]:
    rules = state.terms.rules
    planned = []
    for milestone in milestones:
        exercise = milestone.exercise or 0
        missing = missing_items(state, exercise)
        if not missing:
            continue
        due_day = milestone.day
        facts = {"exercise": str(exercise), "due": fr(due_day), "missing": ", ".join(missing)}
        planned += _reminded_then_relanced(
            state,
            due_day,
            "documents",
            exercise,
            (NoticeKind.DOCUMENTS_REMINDER, NoticeKind.DOCUMENTS_RELANCE),
            facts,
        )
        relance = due_day + ONE_DAY
        escalation = relance + timedelta(days=rules.documents_escalation_days)
        planned.append(
            Planned(
                escalation,
                REMINDER_HOUR,
                f"documents:escalade:{exercise}",
                Notify(
                    NoticeKind.DOCUMENTS_ESCALATION,
                    (Recipient.SUPERVISEUR,),
                    {**facts, "relance": fr(relance)},
                ),
            )
        )
    return planned


def _reminded_then_relanced(
    state: ContractState,
    due_day: date,
    name: str,
    exercise: int,
    kinds: tuple[NoticeKind, NoticeKind],
    facts: dict[str, str],
) -> list[Planned]:
    """What the gestionnaire owes by `due_day`: reminded the contract's days before, relanced
    (both parties) the day after."""
    reminder, relance = kinds
    planned = [
        Planned(
            due_day - timedelta(days=days),
            REMINDER_HOUR,
            f"{name}:rappel:{exercise}:{days}",
            Notify(reminder, (Recipient.GESTIONNAIRE,), {**facts, "days": str(days)}),
        )
        for days in state.terms.rules.annual_documents_reminder_days
    ]
    planned.append(
        Planned(
            due_day + ONE_DAY,
            REMINDER_HOUR,
            f"{name}:relance:{exercise}",
            Notify(relance, BOTH, facts),
        )
    )
    return planned


def _actions(state: ContractState) -> list[Planned]:
    """Each action of the objectives not yet reported done or abandoned: a reminder before its
    due date to the gestionnaire, a relance to both parties the day after it."""
    rules = state.terms.rules
    planned = []
    for action in state.terms.action_deadlines:
        if action.id in state.closed_actions:
            continue
        facts = {"action_id": action.id, "title": action.title, "due": fr(action.due)}
        key = f"action:{action.id}:{action.due}"
        planned += [
            Planned(
                action.due - timedelta(days=rules.action_reminder_days),
                REMINDER_HOUR,
                f"{key}:rappel",
                Notify(NoticeKind.ACTION_REMINDER, (Recipient.GESTIONNAIRE,), facts),
            ),
            Planned(
                action.due + ONE_DAY,
                REMINDER_HOUR,
                f"{key}:relance",
                Notify(NoticeKind.ACTION_OVERDUE, BOTH, facts),
            ),
        ]
    return planned


def _dialogues(state: ContractState, milestones: list[Milestone]) -> list[Planned]:
    rules = state.terms.rules
    planned = []
    recorded = {d.contract_year: d for d in state.dialogues}
    for milestone in milestones:
        year = milestone.contract_year or 0
        dialogue = recorded.get(year)
        facts = {"contract_year": str(year), "target": fr(milestone.day)}
        if dialogue is None:
            planned.append(
                Planned(
                    milestone.day - timedelta(days=rules.dialogue_convocation_days),
                    REMINDER_HOUR,
                    f"dialogue:convocation:{year}",
                    Notify(NoticeKind.DIALOGUE_CONVOCATION, BOTH, facts),
                )
            )
        if dialogue is None or not releve_approved(state.terms, dialogue):
            planned.append(
                Planned(
                    milestone.day + timedelta(days=rules.releve_reminder_days),
                    REMINDER_HOUR,
                    f"dialogue:releve:{year}",
                    Notify(NoticeKind.RELEVE_REMINDER, (Recipient.AUTORITE,), facts),
                )
            )
    approved = [
        (f"document:releve:{d.contract_year}:{d.held_on}", d)
        for d in state.dialogues
        if releve_approved(state.terms, d)
    ]
    # The journal is read only for a relevé still to generate: a wake plans every time.
    to_generate = [(key, d) for key, d in approved if key not in state.done]
    approvals = approval_facts(state.events) if to_generate else {}
    for key, dialogue in to_generate:
        facts = {
            "contract_year": str(dialogue.contract_year),
            "held_on": fr(dialogue.held_on),
            "participants": "\n".join(dialogue.participants),
            "decisions": "\n".join(dialogue.decisions),
        }
        if approvals.get(dialogue.held_on.isoformat()):
            facts["approvals"] = approvals[dialogue.held_on.isoformat()]
        planned.append(
            Planned(dialogue.held_on, 0, key, Generate(DocumentKind.RELEVE_DE_DECISIONS, facts))
        )
    return planned


def _prorogation_events(state: ContractState) -> list[Planned]:
    planned = []
    previous = state.terms.echeance
    journal: dict[str, dict[str, str]] | None = None
    for index, prorogation in enumerate(state.terms.prorogations):
        facts = {
            "previous_echeance": fr(previous),
            "new_echeance": fr(prorogation.new_echeance),
            "notice_received_on": fr(prorogation.notice_received_on),
            "accepted_on": fr(prorogation.accepted_on),
            "tacit": "oui" if prorogation.tacit else "non",
        }
        previous = prorogation.new_echeance
        planned.append(
            Planned(
                prorogation.accepted_on,
                0,
                f"prorogation:acceptee:{index}",
                Notify(NoticeKind.PROROGATION_ACCEPTED, BOTH, facts),
            )
        )
        documents = [(f"document:avenant:{index}", DocumentKind.AVENANT_PROROGATION)]
        if prorogation.tacit:
            documents.append(
                (f"document:attestation:{index}", DocumentKind.ATTESTATION_ACCEPTATION_TACITE)
            )
        documents = [(key, kind) for key, kind in documents if key not in state.done]
        if not documents:
            continue
        # Read only for a document still to generate: a wake plans every time.
        if journal is None:
            journal = prorogation_facts(state.events)
        document_facts = {**facts, **for_prorogation(journal, prorogation)}
        planned += [
            Planned(prorogation.accepted_on, 0, key, Generate(kind, document_facts))
            for key, kind in documents
        ]
    return planned


def _prorogation_and_renegotiation(state: ContractState) -> list[Planned]:
    terms = state.terms
    echeance = terms.current_echeance
    planned: list[Planned] = []
    pending = state.pending_prorogation
    if pending is not None:
        other = PARTY_RECIPIENT[pending.requested_by.other]
        facts = {
            "received_on": fr(pending.received_on),
            "reply_deadline": fr(pending.reply_deadline),
            "requested_echeance": fr(pending.requested_echeance),
            "requested_by": pending.requested_by.value,
        }
        planned.append(
            Planned(
                pending.received_on,
                0,
                f"prorogation:demande:{pending.received_on}",
                Notify(NoticeKind.PROROGATION_REQUESTED, BOTH, facts),
            )
        )
        planned.append(
            Planned(
                pending.reply_deadline - timedelta(days=7),
                REMINDER_HOUR,
                f"prorogation:rappel_reponse:{pending.received_on}",
                Notify(
                    NoticeKind.PROROGATION_REPLY_REMINDER,
                    # The other signing authorities answer a request of one of them too.
                    (other, Recipient.AUTORITE) if pending.co_signatories_answer else (other,),
                    facts,
                ),
            )
        )
        planned.append(
            Planned(
                pending.reply_deadline + ONE_DAY,
                0,
                f"prorogation:tacite:{pending.received_on}",
                ApplySilence(
                    SilentRequest.PROROGATION,
                    pending.received_on.isoformat(),
                    pending.reply_deadline,
                    Silence.ACCEPT,
                ),
            )
        )
        return planned
    if state.renegotiation_requested_on is not None and state.renegotiation_opened_on is None:
        planned.append(
            Planned(
                state.renegotiation_requested_on,
                0,
                "renegociation:decidee",
                OpenRenegotiation("ouverture décidée par l'autorité"),
            )
        )
        return planned
    if state.renegotiation_opened_on is not None:
        planned.append(
            Planned(
                state.renegotiation_opened_on,
                0,
                "renegociation:avis",
                Notify(
                    NoticeKind.RENEGOTIATION_OPENED,
                    BOTH,
                    {
                        "successor": state.successor_reference or "",
                        "echeance": fr(echeance),
                        "opened_on": fr(state.renegotiation_opened_on),
                    },
                ),
            )
        )
        return planned
    if state.refused_prorogation_on is not None:
        planned.append(
            Planned(
                state.refused_prorogation_on,
                0,
                "renegociation",
                OpenRenegotiation("refus de la prorogation"),
            )
        )
        return planned
    rules = terms.rules
    notice_deadline = add_months(echeance, -rules.prorogation_notice_months)
    renegotiation = add_months(echeance, -rules.renegotiation_start_months)
    if echeance < terms.echeance_max:
        reminder = add_months(notice_deadline, -rules.prorogation_notice_reminder_months)
        planned.append(
            Planned(
                reminder,
                REMINDER_HOUR,
                f"prorogation:rappel:{echeance}",
                Notify(
                    NoticeKind.PROROGATION_NOTICE_REMINDER,
                    BOTH,
                    {
                        "notice_deadline": fr(notice_deadline),
                        "echeance": fr(echeance),
                        "echeance_max": fr(terms.echeance_max),
                    },
                ),
            )
        )
        why = f"aucune demande de prorogation reçue au {fr(notice_deadline)}"
        if state.calendar_law < 2:
            # Law 1 opened it the day after the last day to give notice.
            renegotiation = max(renegotiation, notice_deadline + ONE_DAY)
            planned.append(Planned(renegotiation, 0, "renegociation", OpenRenegotiation(why)))
            return planned
        # A notice may still arrive on its last day: the negotiation, due "at the latest" that
        # same day when both fall together, opens once the day's notices are in.
        renegotiation = max(renegotiation, notice_deadline)
    else:
        why = "durée maximale atteinte, pas de prorogation possible"
    hour = END_OF_WORKING_DAY if state.calendar_law >= 2 else 0
    planned.append(Planned(renegotiation, hour, "renegociation", OpenRenegotiation(why)))
    return planned


def _basis_words(basis: Basis) -> str:
    """A basis as a notice states it: the rule, then its article and law."""
    return f"{basis.rule} ; {basis.law}" if basis.law else basis.rule


# Authorisation requests (seed 004 L890-894) ---------------------------------------------------

# Days before the last day of an authorisation request's window the authority is reminded.
AUTHORISATION_REMINDER_DAYS = 7


def _authorisations(state: ContractState) -> list[Planned]:
    """Each request is announced to both parties; while it waits, the authority is reminded a
    week before the last day and its silence applies the day after; once silence has applied,
    both parties are told."""
    planned: list[Planned] = []
    for request in state.authorisations:
        key = f"autorisation:{request.id}"
        silence_on = request.reply_deadline + ONE_DAY
        facts = {
            "request_id": request.id,
            "subject": request.subject,
            "received_on": fr(request.received_on),
            "reply_deadline": fr(request.reply_deadline),
            "silence_on": fr(silence_on),
            "on_silence": request.on_silence.value,
        }
        planned.append(
            Planned(
                request.received_on,
                0,
                f"{key}:demande",
                Notify(NoticeKind.AUTHORISATION_REQUESTED, BOTH, facts),
            )
        )
        if request.outcome is None:
            reminder = request.reply_deadline - timedelta(days=AUTHORISATION_REMINDER_DAYS)
            # A request recorded late gets no reminder of a day already past.
            if reminder >= request.recorded_on:
                planned.append(
                    Planned(
                        reminder,
                        REMINDER_HOUR,
                        f"{key}:rappel",
                        Notify(
                            NoticeKind.AUTHORISATION_REPLY_REMINDER, (Recipient.AUTORITE,), facts
                        ),
                    )
                )
            planned.append(
                Planned(
                    silence_on,
                    0,
                    f"{key}:silence",
                    ApplySilence(
                        SilentRequest.AUTHORISATION,
                        request.id,
                        request.reply_deadline,
                        request.on_silence,
                    ),
                )
            )
        elif request.outcome in IMPLICIT_OUTCOMES:
            planned.append(
                Planned(
                    request.decided_on or silence_on,
                    0,
                    f"{key}:silence:avis",
                    Notify(NoticeKind.AUTHORISATION_SILENCE, BOTH, facts),
                )
            )
    return planned
