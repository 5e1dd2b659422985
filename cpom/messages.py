"""Payloads that cross the workflow boundary: its input, decisions (updates), activity inputs.

Plain dataclasses of the core's types, serialised by the pydantic data converter. New fields get
defaults so that the histories of running contracts still decode.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from cpom import agenda_handoff
from cpom.domain.agenda import DocumentKind, NoticeKind
from cpom.domain.agenda_items import AgendaSummary
from cpom.domain.lifecycle import (
    ContractState,
    DenonciationMode,
    Event,
    Party,
    Phase,
    ResiliationReason,
)
from cpom.domain.live_agenda import AgendaItem, live_agenda
from cpom.domain.terms import ActionDeadline, ContractTerms


def workflow_id(reference: str) -> str:
    """One workflow per contract: its id is the business key, so a second start is harmless."""
    return f"cpom-{reference}"


@dataclass
class ContractInput:
    state: ContractState
    # Days added to the server clock: zero in service, set by `cpom simulate` so that a contract
    # of any date can be lived on the time-skipping server.
    clock_offset_days: int = 0
    # How many of `state.events` the projection holds, and what to add to an event's index in
    # `state.events` to get its sequence in the projection (a run carries only the events the
    # rules read among those projected: see `lifecycle.carried_events`).
    projected_events: int = 0
    sequence_offset: int = 0
    # Whether the search attributes name the authority and the gestionnaire: Temporal stores
    # them in clear, so they do not when payloads are encrypted (see `Settings`).
    names_in_search_attributes: bool = True
    # The patches an earlier run of the contract took, carried by continue-as-new: a run takes
    # them without asking, so its history holds neither their markers nor the upserts of
    # TemporalChangeVersion that go with them (two events for each patch, in every run).
    patches: list[str] = field(default_factory=list)


@dataclass
class ValidateCadrage:
    actor: str


@dataclass
class ValidateDiagnostic:
    actor: str


@dataclass
class Sign:
    actor: str
    signed_on: date
    terms: ContractTerms | None = None
    # The due dates of the actions of the objectives signed with the contract, when the
    # signature brings them (absent from signatures taken before it could).
    action_deadlines: list[ActionDeadline] | None = None
    # Who signed it (`Authority.key` of each authority, and "gestionnaire"): required when
    # several authorities sign the contract, for it takes effect signed by all.
    signed_by: list[str] | None = None


@dataclass
class ReviewDocuments:
    actor: str
    exercise: int
    observations: str = ""


@dataclass
class RecordTarification:
    """The authority notified the resources of an exercise (its arrêté de tarification)."""

    actor: str
    exercise: int
    notified_on: date


@dataclass
class DecideRenegotiation:
    actor: str


@dataclass
class SubmitDocuments:
    actor: str
    exercise: int
    items: list[str]


@dataclass
class RecordDialogue:
    actor: str
    held_on: date
    participants: list[str]
    decisions: list[str]


@dataclass
class ApproveReleve:
    actor: str
    party: Party
    # The co-signing authority that approves (`Authority.key`); None: the lead authority, or
    # the gestionnaire.
    authority: str | None = None


@dataclass
class RequestProrogation:
    actor: str
    requested_by: Party
    received_on: date
    requested_echeance: date | None = None
    # Which signing authority gives notice (`Authority.key`) when several sign; None: the lead.
    authority: str | None = None


@dataclass
class AnswerProrogation:
    actor: str
    accept: bool
    received_on: date
    # Who answers: only the other party of the request may. None: that other party (decisions
    # taken before answers named their party, and agents who do not say).
    answered_by: Party | None = None
    # Which signing authority answers (`Authority.key`) when several sign; None: the lead one.
    authority: str | None = None


@dataclass
class SignAvenant:
    actor: str
    signed_on: date
    summary: str
    new_echeance: date | None = None
    # Who signed it (`Authority.key` of each authority, and "gestionnaire"): required when
    # several authorities sign the contract, for it takes effect signed by all.
    signed_by: list[str] | None = None
    # The due dates of the actions of the objectives it brings, when it changes them.
    action_deadlines: list[ActionDeadline] | None = None


@dataclass
class ReportObjectives:
    """The gestionnaire's yearly report on the objectives, as the workflow sees it: the annual
    document it is (if the contract lists one) and the actions it reports done or abandoned.
    Taken by the objectives service only, which stores the values themselves."""

    actor: str
    exercise: int
    item: str | None = None
    closed: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)


@dataclass
class Denounce:
    """A dénonciation for breach ends the contract after its préavis; a mutual one is only
    proposed, and takes effect once the other party accepts it (`AnswerDenonciation`)."""

    actor: str
    mode: DenonciationMode
    notified_on: date
    # The party that denounces, or proposes; None: the authority.
    notified_by: Party | None = None


@dataclass
class AnswerDenonciation:
    actor: str
    accept: bool
    received_on: date
    # Only the other party of the proposal may answer. None: that other party.
    answered_by: Party | None = None


@dataclass
class Terminate:
    actor: str
    reason: ResiliationReason
    on: date


@dataclass
class RequestAuthorisation:
    """A request of the gestionnaire for an authorisation (seed 004 L890-894)."""

    actor: str
    subject: str
    received_on: date
    # Only the gestionnaire requests. None: the gestionnaire (an agent recording its letter).
    requested_by: Party | None = None


@dataclass
class AnswerAuthorisation:
    actor: str
    request_id: str
    accept: bool
    received_on: date
    # A refusal gives its reasons.
    reasons: str = ""
    # Only the authority answers. None: the authority.
    answered_by: Party | None = None


# Every decision, by the name of its workflow update.
DECISIONS: dict[str, type] = {
    "validate_cadrage": ValidateCadrage,
    "validate_diagnostic": ValidateDiagnostic,
    "sign": Sign,
    "submit_documents": SubmitDocuments,
    "review_documents": ReviewDocuments,
    "record_tarification": RecordTarification,
    "record_dialogue": RecordDialogue,
    "approve_releve": ApproveReleve,
    "request_prorogation": RequestProrogation,
    "answer_prorogation": AnswerProrogation,
    "sign_avenant": SignAvenant,
    "open_renegotiation": DecideRenegotiation,
    "denounce": Denounce,
    "answer_denonciation": AnswerDenonciation,
    "terminate": Terminate,
    "request_authorisation": RequestAuthorisation,
    "answer_authorisation": AnswerAuthorisation,
}
# Decisions the services take on behalf of a route of their own, never sent as they are.
INTERNAL_DECISIONS: dict[str, type] = {"report_objectives": ReportObjectives}


@dataclass
class DecisionResult:
    phase: Phase
    message: str
    # Events in the contract's log once the decision is taken: the projection has caught up
    # with it when it holds as many.
    events: int = 0


def reference_of(reference: str, terms: ContractTerms | None) -> str:
    """The contract a message is about: its reference, or its terms' in a message of a run
    begun before issue 12, which carried the terms instead."""
    return reference or (terms.reference if terms else "")


@dataclass
class ProjectionUpdate:
    """What changed since the last projection: the terms and phase, the new events, and the
    agenda items that changed (all of them when `agenda_complete`)."""

    # None when unchanged since the run's last projection: the stored terms stay.
    terms: ContractTerms | None
    phase: Phase
    today: date
    first_sequence: int
    new_events: list[Event]
    successor_reference: str | None = None
    predecessor_reference: str | None = None
    # None: a projection from before the live agenda, which leaves the stored agenda as it is.
    agenda: list[AgendaItem] | None = None
    agenda_removed: list[str] = field(default_factory=list)
    agenda_complete: bool = False
    risk: str | None = None
    reference: str = ""
    # The agenda's summary, from the whole agenda the workflow holds: the store need not read
    # it back. None from a run begun before it was sent.
    summary: AgendaSummary | None = None
    # A whole agenda comes as the state it is read from (`agenda` None), with the terms (`terms`
    # None): 4 KB instead of 50. A local activity's input stays in the worker's memory as long
    # as its run is cached, and 50 KB coded, decoded and copied at every contract's start was
    # half its cost (issue 12).
    state: ContractState | None = None
    # Where the workflow left the agenda it read off `state`, for the activity to take instead
    # of reading it again (see `cpom.agenda_handoff`); empty when it left none.
    handoff: str = ""

    @property
    def contract_reference(self) -> str:
        return reference_of(self.reference, self.terms)

    def resolved(self) -> "ProjectionUpdate":
        """The same update with its agenda and terms read from the state sent, if one was."""
        if self.state is None:
            return self
        return replace(self, terms=self.state.terms, agenda=self.agenda_items(), state=None)

    def agenda_items(self) -> list[AgendaItem] | None:
        """The agenda items it carries: those sent, or the whole agenda of the state sent."""
        if self.state is not None:
            return agenda_handoff.take(self.handoff) or live_agenda(self.state, self.today)
        return self.agenda


@dataclass
class NoticeRequest:
    key: str
    kind: NoticeKind
    recipients: list[str]
    facts: dict[str, str]
    notice_date: date
    # The contract's reference: the activity reads the terms from the projection, written
    # before any notice goes out, so the payload stays small. A notice sent inline by a run
    # begun before (issue 12) carries the terms themselves.
    reference: str = ""
    terms: ContractTerms | None = None
    # What the projection lacks before this notice (patch `notice-projected`): the activity
    # writes it with the notice's own event once the notice is sent, so that showing the notice
    # takes no second local activity (one history event for each notice).
    projection: ProjectionUpdate | None = None

    @property
    def contract_reference(self) -> str:
        return reference_of(self.reference, self.terms)


@dataclass
class NoticeResult:
    key: str
    status: str
    recipients: list[str]
    message_id: str
    smtp_response: str | None
    # The activity wrote the request's `projection`, with `notice_sent_event`.
    projected: bool = False


def notice_sent_event(request: NoticeRequest, result: NoticeResult, today: date) -> Event:
    """The journal's event for a notice sent: the workflow logs it, and the activity that
    writes the notice's projection writes the same."""
    return Event(
        today,
        "notice_sent",
        f"avis « {request.kind.value} » envoyé",
        details={
            "notice": request.kind.value,
            "recipients": ",".join(result.recipients),
            "status": result.status,
            "key": result.key,
        },
    )


@dataclass
class SentNotice:
    """A notice a run sent, as its `notices_sent` query answers (`cpom projection rebuild`):
    what was asked, what the activity answered, when the workflow learnt it."""

    request: NoticeRequest
    result: NoticeResult
    sent_at: datetime


@dataclass
class DocumentRequest:
    key: str
    kind: DocumentKind
    terms: ContractTerms
    facts: dict[str, str]
    document_date: date


@dataclass
class DocumentResult:
    key: str
    document_id: int
    sha256: str
    title: str


@dataclass
class RenegotiationRequest:
    predecessor: ContractTerms
    successor_reference: str
    opened_on: date
    why: str
    clock_offset_days: int = 0


@dataclass
class TimelineEntry:
    date: date
    kind: str
    label: str
    hard: bool
    past: bool
    basis: str
    source: str
    law: str = ""


@dataclass
class ContractView:
    """What a query returns: the state and the dated timeline, past and upcoming."""

    reference: str
    phase: Phase
    today: date
    echeance: date
    echeance_max: date
    events: list[Event]
    timeline: list[TimelineEntry]
    upcoming_actions: list[dict[str, str]] = field(default_factory=list)
