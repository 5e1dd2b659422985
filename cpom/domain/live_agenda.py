"""Where a contract stands: every dated step of its life, with who has acted and who must.

`live_agenda(state)` turns the contract's state (the one the workflow holds and acts on) into the
agenda people read: each milestone of the calendar with its basis, plus what the state adds (a
pending prorogation's reply window, the relevé to approve, the avenant to sign, the answer to a
proposed mutual dénonciation, the end of a denounced contract), each with the facts of its
fulfilment: done on which day and by whom, who is awaited and from when, what doing nothing
means.

Items hold facts, never a status: `status_on(item, today)` reads them on a given day, so that a
reader whose clock moved past a deadline sees it missed even before the workflow wakes up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cpom.domain import legal_basis as legal
from cpom.domain.agenda_items import (
    FACT_KINDS,
    KIND_LABELS,
    MOOT,
    NOT_DEADLINE_KINDS,
    SILENCE_MEANS,
    STATUS_LABELS,
    AgendaItem,
    AgendaKind,
    Status,
    is_deadline,
    missed_obligations,
    nature,
    nature_of,
    next_deadline,
    overdue_since,
    status_of,
    status_on,
)
from cpom.domain.authorisation_agenda import authorisation_items
from cpom.domain.budget_calendar import after_contradictory_return
from cpom.domain.calendar import (
    ContractCalendar,
    Milestone,
    MilestoneKind,
    build_calendar,
    notice_received,
)
from cpom.domain.clock import fr
from cpom.domain.date_law import MONTHS_COUNT, ONE_DAY, Basis, add_months, anniversary
from cpom.domain.lifecycle import (
    BUDGET_FORECAST_ITEM,
    ENDED,
    GESTIONNAIRE_KEY,
    PARTY_LABELS,
    PARTY_OF,
    PHASE_LABELS,
    PRE_SIGNATURE,
    ContractState,
    Dialogue,
    Event,
    Party,
    Phase,
    Termination,
    contract_year_of,
    documents_open_on,
    end_notified,
    missing_items,
)
from cpom.domain.money_calendar import EVERY_MONTH, Window
from cpom.domain.terms import BudgetRegime, ContractTerms, Silence

# Days the authority gives itself to examine annual documents once they are all received.
DOCUMENTS_REVIEW_DAYS = 30


# Facts of the contract's log --------------------------------------------------------------------


@dataclass(slots=True)
class _Done:
    on: date
    by: str | None
    outcome: str | None = None


class _Log:
    """The decisions of the contract's log, indexed by what they fulfil."""

    def __init__(self, state: ContractState) -> None:
        self.documents: dict[int, _Done] = {}
        self.reviews: dict[int, _Done] = {}
        self.dialogues: dict[int, _Done] = {}
        self.approvals: dict[tuple[str, str], _Done] = {}  # (held_on, party)
        self.requests: dict[str, _Done] = {}  # received_on
        self.answers: dict[str, _Done] = {}  # received_on of the request answered
        self.refusals: dict[str, date] = {}  # received_on of the request refused: refused on
        self.avenants: list[tuple[date, _Done]] = []  # signed_on, without a new échéance
        self.phase_steps: dict[str, _Done] = {}
        self.renegotiation: _Done | None = None
        # Mutual dénonciations proposed, by the day notified: who proposed; and their answers.
        self.proposals: dict[str, Party] = {}
        self.proposal_answers: dict[str, _Done] = {}
        self.forecasts: dict[int, _Done] = {}
        self.tarifications: dict[int, _Done] = {}
        expected = set(state.terms.rules.annual_document_items)
        received: dict[int, set[str]] = {}
        dialogue_held_on = ""
        request_received_on = ""
        for event in state.events:
            details = event.details
            if event.kind == "documents_submitted":
                exercise = int(details.get("exercise", "0"))
                got = received.setdefault(exercise, set())
                got.update(details.get("items", "").split(","))
                if expected <= got and exercise not in self.documents:
                    self.documents[exercise] = _Done(event.on, event.actor, "pièces reçues")
                if BUDGET_FORECAST_ITEM in got and exercise not in self.forecasts:
                    self.forecasts[exercise] = _Done(event.on, event.actor, "EPRD reçu")
            elif event.kind == "documents_reviewed":
                exercise = int(details.get("exercise", "0"))
                self.reviews[exercise] = _Done(event.on, event.actor, details.get("observations"))
            elif event.kind == "dialogue_recorded":
                dialogue_held_on = details.get("held_on", "")
                year = int(details.get("contract_year", "0"))
                self.dialogues.setdefault(
                    year, _Done(date.fromisoformat(dialogue_held_on), event.actor, "tenu")
                )
            elif event.kind == "releve_approved":
                who = details.get("party", "")
                if "authority" in details:
                    who = f"{who}:{details['authority']}"
                self.approvals[(dialogue_held_on, who)] = _Done(event.on, event.actor, "approuvé")
            elif event.kind == "prorogation_requested":
                request_received_on = details.get("received_on", "")
                self.requests[request_received_on] = _Done(
                    date.fromisoformat(request_received_on), event.actor, "demande reçue"
                )
            elif event.kind in ("prorogation_accepted", "prorogation_refused"):
                self.answers[request_received_on] = _Done(event.on, event.actor, _answer(event))
                if event.kind == "prorogation_refused":
                    self.refusals[request_received_on] = event.on
            elif event.kind == "avenant_signed" and "new_echeance" not in details:
                signed_on = date.fromisoformat(details.get("signed_on", event.on.isoformat()))
                self.avenants.append((signed_on, _Done(event.on, event.actor, "avenant signé")))
            elif event.kind in ("cadrage_validated", "diagnostic_validated", "signed"):
                self.phase_steps[event.kind] = _Done(event.on, event.actor, event.summary)
            elif event.kind == "renegotiation_opened":
                self.renegotiation = _Done(event.on, event.actor, event.summary)
            elif event.kind == "tarification_recorded":
                exercise = int(details.get("exercise", "0"))
                notified = date.fromisoformat(details["notified_on"])
                self.tarifications[exercise] = _Done(notified, event.actor, "notifié")
            elif event.kind == "denonciation_proposed":
                self.proposals[details["notified_on"]] = Party(details["proposed_by"])
            elif event.kind in ("denonciation_accepted", "denonciation_refused"):
                # Answers recorded before their day was kept: the day they were recorded.
                answered = details.get("received_on")
                self.proposal_answers[details["proposed_on"]] = _Done(
                    date.fromisoformat(answered) if answered else event.on,
                    event.actor,
                    _proposal_answer(event),
                )


def _answer(event: Event) -> str:
    if event.kind == "prorogation_refused":
        return "refus : la négociation d'un nouveau CPOM s'ouvre"
    if event.details.get("tacit") == "true":
        return "sans réponse, le silence a valu accord"
    return "accord exprès"


def _proposal_answer(event: Event) -> str:
    if event.kind == "denonciation_refused":
        return "refus : le contrat continue"
    return f"accord : fin du contrat le {fr(date.fromisoformat(event.details['ends_on']))}"


# The agenda ---------------------------------------------------------------------------------------


# Monthly steps (payments, reports) listed around the current contract year: from a month
# before it to three months after.
MONTHS_BEFORE = timedelta(days=31)
MONTHS_AFTER = timedelta(days=92)


def monthly_window(terms: ContractTerms, today: date) -> Window:
    """The days whose monthly steps a reader of the contract needs on `today`."""
    year = contract_year_of(terms, today)
    first = anniversary(terms.effet, year - 1)
    last = anniversary(terms.effet, year) - ONE_DAY
    return first - MONTHS_BEFORE, last + MONTHS_AFTER


def live_agenda(
    state: ContractState,
    today: date | None = None,
    *,
    monthly: bool = True,
    before: date | None = None,
) -> list[AgendaItem]:
    """Every step of the contract's life as its state says it stands, sorted by date.

    Given `today`, the monthly steps are those of the current contract year and its margins
    (`monthly_window`): the workflow moves on to the next year in a new run, which projects its
    agenda anew; without it, every month is there; with `monthly` false, none is. Given
    `before`, only the steps of the days before it (those that may be missed on that day).
    """
    log = _Log(state)
    pending = state.pending_prorogation
    calendar = build_calendar(
        state.terms,
        pending.received_on if pending else None,
        state.resources_notified,
        months=(
            None
            if not monthly
            else EVERY_MONTH
            if today is None
            else monthly_window(state.terms, today)
        ),
        law=state.calendar_law,
    )
    milestones = calendar.milestones
    if state.phase in PRE_SIGNATURE:
        # Until it is signed, the contract's own life is only planned: its steps and its dates.
        milestones = tuple(m for m in milestones if m.kind in _BEFORE_SIGNATURE)
    if before is not None:
        # A milestone's item falls on the milestone's day: the later ones are not made at all.
        milestones = tuple(m for m in milestones if m.day < before)
    items = [_from_milestone(state, log, milestone) for milestone in milestones]
    if state.phase not in PRE_SIGNATURE and state.terms.signed:
        items += _releve_approvals(state, log, calendar)
        items += _refused_requests(state, log)
        items += _documents_reviews(state, log)
        items += _avenant_signatures(state, log)
        items += _denonciation_answers(state, log)
        items += _signatory_answers(state)
        items += _action_deadlines(state)
        items += authorisation_items(state)
    items = _cut_at_early_end(state, items)
    _declare_done_before_import(state, items)
    if before is not None:
        items = [item for item in items if item.day < before]
    items.sort(key=lambda item: (item.day, item.key))
    return items


def _item(milestone: Milestone, key: str | None = None, **facts: Any) -> AgendaItem:
    kind = milestone.kind.value
    day = milestone.day
    return AgendaItem(
        key=key or f"{kind}:{day.isoformat()}",
        day=day,
        kind=kind,
        label=milestone.label,
        hard=milestone.hard,
        basis=milestone.basis,
        on_silence=milestone.on_silence,
        contract_year=milestone.contract_year,
        exercise=milestone.exercise,
        **facts,
    )


def _done(item: AgendaItem, done: _Done | None) -> AgendaItem:
    if done is not None:
        item.done_on, item.done_by, item.outcome = done.on, done.by, done.outcome
    return item


_BEFORE_SIGNATURE = frozenset(
    {
        MilestoneKind.CADRAGE_START,
        MilestoneKind.CADRAGE_END,
        MilestoneKind.DIAGNOSTIC_END,
        MilestoneKind.SIGNATURE_TARGET,
        MilestoneKind.EFFET,
        MilestoneKind.ECHEANCE,
    }
)

# Each step of the negotiation: the decision that closes it, its event, the phase it closes.
_PHASE_STEPS = {
    MilestoneKind.CADRAGE_END: ("validate_cadrage", "cadrage_validated", Phase.CADRAGE),
    MilestoneKind.DIAGNOSTIC_END: ("validate_diagnostic", "diagnostic_validated", Phase.DIAGNOSTIC),
    MilestoneKind.SIGNATURE_TARGET: ("sign", "signed", Phase.NEGOCIATION),
}


def _from_milestone(state: ContractState, log: _Log, milestone: Milestone) -> AgendaItem:
    kind = milestone.kind
    terms = state.terms
    rules = terms.rules
    if kind in _PHASE_STEPS:
        action, event_kind, phase = _PHASE_STEPS[kind]
        # A step is awaited once the negotiation has reached it.
        current = state.phase is phase
        return _done(
            _item(
                milestone,
                awaited=current,
                waiting_for=Party.AUTORITE if current else None,
                action=action if current else None,
                consequence="date cible de la démarche : un rappel est envoyé, rien n'expire",
            ),
            log.phase_steps.get(event_kind),
        )
    if kind is MilestoneKind.SIGNATURE:
        return _done(_item(milestone), log.phase_steps.get("signed"))
    if kind is MilestoneKind.ANNUAL_DOCUMENTS_DUE:
        exercise = milestone.exercise or 0
        relance = milestone.day + ONE_DAY
        escalation = relance + timedelta(days=rules.documents_escalation_days)
        done = log.documents.get(exercise)
        if done is None and not missing_items(state, exercise):
            done = _Done(milestone.day, None, "pièces reçues")
        return _done(
            _item(
                milestone,
                f"documents:{exercise}",
                awaited=True,
                obligation=True,
                waiting_for=Party.GESTIONNAIRE,
                action="submit_documents",
                opens_on=documents_open_on(terms, exercise),
                consequence=f"sans toutes les pièces au {fr(milestone.day)} : relance le "
                f"{fr(relance)}, puis signalement au superviseur le {fr(escalation)}",
            ),
            done,
        )
    if kind is MilestoneKind.DIALOGUE_DE_GESTION:
        year = milestone.contract_year or 0
        start = anniversary(terms.effet, year - 1)
        return _done(
            _item(
                milestone,
                f"dialogue:{year}",
                awaited=True,
                obligation=True,
                waiting_for=Party.AUTORITE,
                action="record_dialogue",
                opens_on=start,
                consequence=f"à défaut, l'année {year} du contrat reste sans dialogue de gestion "
                "ni relevé de décisions",
            ),
            log.dialogues.get(year),
        )
    if kind is MilestoneKind.MID_TERM_REVIEW:
        return _done(_item(milestone), log.dialogues.get(milestone.contract_year or 0))
    if kind is MilestoneKind.PROROGATION_NOTICE_DEADLINE:
        request = _pending_request(state, log)
        return _done(
            _item(
                milestone,
                awaited=True,
                # Either party may give notice any day; it is awaited from the reminder on.
                opens_on=add_months(milestone.day, -rules.prorogation_notice_reminder_months),
                consequence="au-delà, plus de prorogation simple (seulement par avenant d'un "
                "commun accord) : la négociation d'un nouveau CPOM s'ouvre",
            ),
            request,
        )
    if kind is MilestoneKind.PROROGATION_NOTICE_REMINDER:
        # A request received before it leaves nothing to remind, and none is sent (found by
        # probing: after a refusal the reminder stayed « à venir »).
        request = _pending_request(state, log)
        return _done(_item(milestone), request if request and request.on <= milestone.day else None)
    if kind is MilestoneKind.PROROGATION_ACCEPTED:
        received = milestone.basis.anchor
        answer = log.answers.get(received.isoformat()) if received else None
        return _done(_item(milestone), answer or _Done(milestone.day, None, "avenant"))
    if kind is MilestoneKind.PROROGATION_NOTICE_RECEIVED:
        return _done(_item(milestone), log.requests.get(milestone.day.isoformat()))
    if kind is MilestoneKind.PROROGATION_REPLY_DEADLINE:
        return _reply_deadline(state, milestone)
    if kind is MilestoneKind.PROROGATION_REPLY_TARGET:
        assert state.pending_prorogation is not None
        return _item(
            milestone,
            awaited=True,
            waiting_for=state.pending_prorogation.requested_by.other,
            consequence="date que l'autorité s'est fixée pour répondre ; le délai légal court "
            "au-delà",
        )
    if kind is MilestoneKind.TACIT_ACCEPTANCE:
        pending = state.pending_prorogation
        assert pending is not None
        return _item(
            milestone,
            consequence=f"faute de réponse, la prorogation est acquise ce jour : échéance "
            f"portée au {fr(pending.requested_echeance)}",
        )
    if kind in _BUDGET_KINDS:
        return _budget_item(state, log, milestone)
    if kind is MilestoneKind.RENEGOTIATION_START:
        opened = log.renegotiation
        if opened is None and state.renegotiation_opened_on is not None:
            opened = _Done(state.renegotiation_opened_on, None, "négociation ouverte")
        # The workflow opens it on its day; it falls to the authority only if that was missed
        # (a contract imported after the day), and never while a prorogation awaits its answer.
        awaited = state.pending_prorogation is None
        return _done(
            _item(
                milestone,
                awaited=awaited,
                obligation=awaited,
                waiting_for=Party.AUTORITE if awaited else None,
                action="open_renegotiation" if awaited else None,
                opens_on=milestone.day + ONE_DAY,
                consequence="sans prorogation, la négociation d'un nouveau CPOM s'ouvre au plus "
                "tard ce jour pour que le contrat ait un successeur à l'échéance",
            ),
            opened,
        )
    return _item(milestone)


_BUDGET_KINDS = frozenset(
    {
        MilestoneKind.BUDGET_FORECAST_DUE,
        MilestoneKind.TARIFICATION_DUE,
        MilestoneKind.SUBSIDY_AVENANT_DUE,
        MilestoneKind.DOTATION_RECOVERY_REVIEW,
    }
)


def _budget_item(state: ContractState, log: _Log, milestone: Milestone) -> AgendaItem:
    """The yearly budget steps: who owes them, and what fulfils them."""
    exercise = milestone.exercise or 0
    opens_on = date(exercise, 1, 1)
    if milestone.kind is MilestoneKind.BUDGET_FORECAST_DUE:
        return _done(
            _item(
                milestone,
                f"eprd:{exercise}",
                awaited=True,
                obligation=True,
                waiting_for=Party.GESTIONNAIRE,
                action="submit_documents",
                opens_on=date(exercise - 1, 11, 1),
                consequence=f"sans EPRD au {fr(milestone.day)} : relance le lendemain ; "
                "l'autorité de tarification peut fixer d'office les recettes et les dépenses "
                "de l'exercice",
            ),
            log.forecasts.get(exercise),
        )
    if milestone.kind is MilestoneKind.TARIFICATION_DUE:
        return _done(
            _item(
                milestone,
                f"tarification:{exercise}",
                awaited=True,
                waiting_for=Party.AUTORITE,
                action="record_tarification",
                opens_on=opens_on,
                consequence="date cible : sans arrêté, la tarification de l'exercice précédent "
                "continue de s'appliquer",
            ),
            log.tarifications.get(exercise),
        )
    if milestone.kind is MilestoneKind.SUBSIDY_AVENANT_DUE:
        signed = next((done for on, done in log.avenants if on.year == exercise), None)
        return _done(
            _item(
                milestone,
                f"avenant_subventions:{exercise}",
                awaited=True,
                waiting_for=Party.AUTORITE,
                action="sign_avenant",
                opens_on=opens_on,
                consequence="sans avenant, le montant des subventions de l'année n'est pas fixé",
            ),
            signed,
        )
    return _item(
        milestone,
        consequence="dotation maintenue si les actions financées sont réalisées ; sinon "
        "suspension ou récupération décidée par l'autorité",
    )


def _pending_request(state: ContractState, log: _Log) -> _Done | None:
    """The prorogation request made for the current échéance, if any."""
    pending = state.pending_prorogation
    if pending is not None:
        return log.requests.get(pending.received_on.isoformat()) or _Done(
            pending.received_on, None, "demande reçue"
        )
    if state.refused_prorogation_on is not None:
        refused = [r for r in log.requests.values() if r.on <= state.refused_prorogation_on]
        return refused[-1] if refused else None
    return None


def _refused_requests(state: ContractState, log: _Log) -> list[AgendaItem]:
    """Each prorogation request refused, received and answered: the calendar shows the request
    awaiting its answer and those accepted (found by probing: a refused request left the
    agenda with its refusal)."""
    items = []
    for received_on, refused_on in log.refusals.items():
        request = log.requests.get(received_on)
        if request is None:  # a refusal with no request before it in the log: no day to show
            continue
        receipt = notice_received(state.terms, request.on)
        outcome = (
            f"demande reçue, refusée le {fr(refused_on)} ; la négociation d'un nouveau CPOM s'ouvre"
        )
        items.append(_done(_item(receipt), _Done(request.on, request.by, outcome)))
    return items


def _reply_deadline(state: ContractState, milestone: Milestone) -> AgendaItem:
    pending = state.pending_prorogation
    assert pending is not None  # the calendar shows a reply window only while one is open
    who = pending.requested_by.other
    silence_on = milestone.day + ONE_DAY
    if pending.co_signatories_answer and GESTIONNAIRE_KEY in pending.accepted_by:
        # The gestionnaire has agreed; the other signing authorities' items say who is awaited.
        answer = _gestionnaire_accord(state)
        return _done(_item(milestone), answer)
    return _item(
        milestone,
        awaited=True,
        obligation=True,
        waiting_for=who,
        action="answer_prorogation",
        opens_on=pending.received_on,
        silence_on=silence_on,
        consequence=f"sans réponse {PARTY_OF[who]} au {fr(milestone.day)}, le silence vaut "
        f"accord : la prorogation est acquise le {fr(silence_on)} et l'échéance portée au "
        f"{fr(pending.requested_echeance)}",
    )


def _action_deadlines(state: ContractState) -> list[AgendaItem]:
    """Each action of the objectives on its due date, done once reported done or abandoned."""
    rules = state.terms.rules
    closed_on: dict[str, _Done] = {}
    for event in state.events:
        if event.kind == "objectives_reported":
            for action_id in filter(None, event.details.get("closed", "").split(",")):
                closed_on.setdefault(action_id, _Done(event.on, event.actor, "déclarée réalisée"))
            for action_id in filter(None, event.details.get("reopened", "").split(",")):
                closed_on.pop(action_id, None)
    items = []
    for action in state.terms.action_deadlines:
        done = None
        if action.id in state.closed_actions:
            done = closed_on.get(action.id, _Done(action.due, None, "déclarée réalisée"))
        items.append(
            _done(
                AgendaItem(
                    key=f"action:{action.id}:{action.due}",
                    day=action.due,
                    kind=AgendaKind.ACTION_DUE,
                    label=f"{KIND_LABELS[AgendaKind.ACTION_DUE]} {action.id} : {action.title}",
                    hard=False,
                    basis=Basis(
                        "délai de réalisation fixé par la fiche objectif du contrat ; rappel "
                        f"{rules.action_reminder_days} jours avant, relance le lendemain",
                        "seed 001 annexe 7 (fiche objectif : délai de réalisation)",
                        action.due,
                        law=legal.follow_up_clause(rules),
                    ),
                    awaited=True,
                    waiting_for=Party.GESTIONNAIRE,
                    consequence="l'écart est examiné au dialogue de gestion, qui maintient, "
                    "ajuste ou abandonne l'objectif",
                ),
                done,
            )
        )
    return items


def _gestionnaire_accord(state: ContractState) -> _Done:
    """The gestionnaire's accord to the pending request of one of several authorities."""
    accord = next(
        e
        for e in reversed(state.events)
        if e.kind == "prorogation_accepted_by_signatory" and "authority" not in e.details
    )
    return _Done(date.fromisoformat(accord.details["received_on"]), accord.actor, "accord exprès")


def _signatory_answers(state: ContractState) -> list[AgendaItem]:
    """With several signing authorities, each one's answer to a request for a prorogation: the
    gestionnaire's request, or one authority's (the others answer it beside the gestionnaire):
    who has accepted, who is still awaited; any refusal ends the request."""
    pending = state.pending_prorogation
    terms = state.terms
    if pending is None or not terms.co_signatories:
        return []
    if pending.requested_by is not Party.GESTIONNAIRE and not pending.co_signatories_answer:
        return []
    rules = terms.rules
    answers: dict[str, Event] = {}
    for event in reversed(state.events):
        if event.kind == "prorogation_requested":
            break
        if event.kind == "prorogation_accepted_by_signatory":
            answers.setdefault(event.details.get("authority", ""), event)
    items = []
    for authority in terms.authorities:
        if pending.co_signatories_answer and authority.key == pending.accepted_by[0]:
            continue  # the authority that asked
        answer = answers.get(authority.key)
        accepted = authority.key in pending.accepted_by
        silence_on = pending.reply_deadline + ONE_DAY
        items.append(
            AgendaItem(
                key=f"prorogation:accord:{pending.received_on.isoformat()}:{authority.key}",
                day=pending.reply_deadline,
                kind=AgendaKind.SIGNATORY_ANSWER,
                label=f"{KIND_LABELS[AgendaKind.SIGNATORY_ANSWER]} par {authority.name}",
                hard=True,
                basis=Basis(
                    "la prorogation ne prend effet qu'avec l'accord de chaque autorité "
                    "signataire ; le silence de chacune vaut accord, le refus de l'une ouvre la "
                    "négociation d'un nouveau contrat",
                    "seed 004 (arrêté, annexe : autorités cosignataires) ; seed 003 "
                    "(tarification conjointe)",
                    pending.received_on,
                    law=legal.prorogation_clause(rules),
                ),
                awaited=not accepted,
                obligation=not accepted,
                waiting_for=None if accepted else Party.AUTORITE,
                action=None if accepted else "answer_prorogation",
                opens_on=pending.received_on,
                done_on=date.fromisoformat(answer.details["received_on"]) if answer else None,
                done_by=answer.actor if answer else None,
                outcome="accord exprès" if accepted else None,
                on_silence=rules.reply_silence,
                silence_on=None if accepted else silence_on,
                consequence=f"sans réponse de {authority.name} au "
                f"{fr(pending.reply_deadline)}, son silence vaut accord le {fr(silence_on)}",
            )
        )
    return items


def _releve_signatories(
    terms: ContractTerms, dialogue: Dialogue
) -> list[tuple[Party, str, str, bool]]:
    """Who approves a relevé: the party, the key of its approval, how it is named, whether it
    approved. With several authorities, each is named; else « l'autorité »."""
    several = bool(terms.co_signatories)
    lead = terms.authority.name if several else PARTY_LABELS[Party.AUTORITE]
    signatories = [
        (Party.AUTORITE, Party.AUTORITE.value, lead, Party.AUTORITE in dialogue.approved_by)
    ]
    for authority in terms.co_signatories:
        signatories.append(
            (
                Party.AUTORITE,
                f"{Party.AUTORITE.value}:{authority.key}",
                authority.name,
                authority.key in dialogue.approved_by_authorities,
            )
        )
    signatories.append(
        (
            Party.GESTIONNAIRE,
            Party.GESTIONNAIRE.value,
            PARTY_LABELS[Party.GESTIONNAIRE],
            Party.GESTIONNAIRE in dialogue.approved_by,
        )
    )
    return signatories


def _releve_approvals(
    state: ContractState, log: _Log, calendar: ContractCalendar
) -> list[AgendaItem]:
    """Each party's approval of each relevé; only the last dialogue's may still be given."""
    rules = state.terms.rules
    approvers = "chacun des signataires" if state.terms.co_signatories else "les deux parties"
    items = []
    last = state.dialogues[-1] if state.dialogues else None
    for dialogue in state.dialogues:
        held = dialogue.held_on.isoformat()
        target = next(
            (
                m.day
                for m in calendar.of_kind(MilestoneKind.DIALOGUE_DE_GESTION)
                if m.contract_year == dialogue.contract_year
            ),
            dialogue.held_on,
        )
        due = max(target, dialogue.held_on) + timedelta(days=rules.releve_reminder_days)
        for party, key, who, approved in _releve_signatories(state.terms, dialogue):
            done = log.approvals.get((held, key))
            if done is None and approved:
                done = _Done(dialogue.held_on, None, "approuvé")
            if done is None and dialogue is not last:
                continue  # superseded: only the last relevé can still be approved
            items.append(
                _done(
                    AgendaItem(
                        key=f"releve:{held}:{key}",
                        day=due,
                        kind=AgendaKind.RELEVE_APPROVAL,
                        label=f"{KIND_LABELS[AgendaKind.RELEVE_APPROVAL]} du "
                        f"{fr(dialogue.held_on)} par {who}",
                        hard=False,
                        basis=Basis(
                            f"relevé de décisions validé par {approvers} après chaque "
                            f"dialogue de gestion, rappel {rules.releve_reminder_days} jours "
                            "après la date cible",
                            "seed 000 L368 ; seed 002 L590 ; seed 001 L355",
                            dialogue.held_on,
                            law=legal.follow_up_clause(rules),
                        ),
                        contract_year=dialogue.contract_year,
                        awaited=True,
                        obligation=True,
                        waiting_for=party,
                        action="approve_releve",
                        opens_on=dialogue.held_on,
                        consequence="tant que tous les signataires ne l'ont pas approuvé, le "
                        "relevé de décisions n'est pas établi",
                    ),
                    done,
                )
            )
    return items


def _documents_reviews(state: ContractState, log: _Log) -> list[AgendaItem]:
    items = []
    for exercise, received in sorted(log.documents.items()):
        due = received.on + timedelta(days=DOCUMENTS_REVIEW_DAYS)
        items.append(
            _done(
                AgendaItem(
                    key=f"documents:examen:{exercise}",
                    day=due,
                    kind=AgendaKind.DOCUMENTS_REVIEW,
                    label=f"{KIND_LABELS[AgendaKind.DOCUMENTS_REVIEW]} (exercice {exercise})",
                    hard=False,
                    basis=Basis(
                        f"pièces reçues le {fr(received.on)}, à examiner dans les "
                        f"{DOCUMENTS_REVIEW_DAYS} jours pour préparer le dialogue de gestion "
                        "(date cible)",
                        "seed 003 L110 ; seed 004 L727",
                        received.on,
                        law=legal.follow_up_clause(state.terms.rules),
                    ),
                    exercise=exercise,
                    awaited=True,
                    waiting_for=Party.AUTORITE,
                    action="review_documents",
                    opens_on=received.on,
                    consequence="date cible : les documents reçus restent à examiner",
                ),
                log.reviews.get(exercise),
            )
        )
    return items


def _avenant_signatures(state: ContractState, log: _Log) -> list[AgendaItem]:
    """After a prorogation accepted on notice, the avenant that records it is to be signed."""
    items = []
    previous = state.terms.echeance
    for index, prorogation in enumerate(state.terms.prorogations):
        by_avenant = prorogation.notice_received_on == prorogation.accepted_on and not (
            log.requests.get(prorogation.notice_received_on.isoformat())
        )
        if not by_avenant:
            signed = next(
                (done for on, done in log.avenants if on >= prorogation.accepted_on), None
            )
            items.append(
                _done(
                    AgendaItem(
                        key=f"avenant:{index}",
                        day=max(previous, prorogation.accepted_on),
                        kind=AgendaKind.AVENANT_SIGNATURE,
                        label=KIND_LABELS[AgendaKind.AVENANT_SIGNATURE],
                        hard=False,
                        basis=Basis(
                            f"prorogation acquise le {fr(prorogation.accepted_on)} : l'avenant "
                            f"porte l'échéance du {fr(previous)} au "
                            f"{fr(prorogation.new_echeance)} (à signer avant l'échéance initiale)",
                            "seed 000 L96 ; seed 001 L379",
                            prorogation.accepted_on,
                            law=legal.prorogation_clause(state.terms.rules),
                        ),
                        awaited=True,
                        waiting_for=Party.AUTORITE,
                        action="sign_avenant",
                        opens_on=prorogation.accepted_on,
                        consequence="la prorogation vaut sans lui, mais l'avenant signé en est "
                        "la preuve",
                    ),
                    signed,
                )
            )
        previous = prorogation.new_echeance
    return items


def _denonciation_answers(state: ContractState, log: _Log) -> list[AgendaItem]:
    """A mutual dénonciation proposed by one party awaits the other's answer; silence is no
    dénonciation, so it stays open, late never, until the contract ends."""
    proposals = dict(log.proposals)
    pending = state.pending_denonciation
    if pending is not None:
        proposals.setdefault(pending.notified_on.isoformat(), pending.proposed_by)
    echeance = state.terms.current_echeance
    months = state.terms.rules.mutual_denonciation_preavis_months
    items = []
    for notified_on, proposed_by in proposals.items():
        who = proposed_by.other
        answer = log.proposal_answers.get(notified_on)
        if answer is None and state.phase in ENDED and state.termination is None:
            answer = _Done(echeance, None, "sans réponse : pas de dénonciation")
        items.append(
            _done(
                AgendaItem(
                    key=f"denonciation:{notified_on}",
                    day=answer.on if answer else echeance,
                    kind=AgendaKind.DENONCIATION_ANSWER,
                    label=f"{KIND_LABELS[AgendaKind.DENONCIATION_ANSWER]} {PARTY_OF[proposed_by]}",
                    hard=False,
                    basis=Basis(
                        f"dénonciation d'un commun accord proposée par {PARTY_LABELS[proposed_by]}"
                        f", notifiée le {fr(date.fromisoformat(notified_on))} : elle ne prend "
                        f"effet qu'acceptée par {PARTY_LABELS[who]}, avec un préavis de {months} "
                        "mois compté de l'acceptation",
                        "seed 001 L385 ; seed 002 L686-688",
                        date.fromisoformat(notified_on),
                        law=legal.denonciation_clause(state.terms.rules),
                    ),
                    on_silence=Silence.REJECT,
                    awaited=True,
                    waiting_for=who,
                    action="answer_denonciation",
                    opens_on=date.fromisoformat(notified_on),
                    consequence=f"sans réponse {PARTY_OF[who]}, pas de dénonciation : le contrat "
                    f"continue de s'appliquer jusqu'à son échéance du {fr(echeance)}",
                ),
                answer,
            )
        )
    return items


# The steps of a prorogation request awaiting its answer.
_PENDING_REQUEST_KINDS = frozenset(
    kind.value
    for kind in (
        MilestoneKind.PROROGATION_REPLY_TARGET,
        MilestoneKind.PROROGATION_REPLY_DEADLINE,
        MilestoneKind.TACIT_ACCEPTANCE,
    )
)


def _cut_at_early_end(state: ContractState, items: list[AgendaItem]) -> list[AgendaItem]:
    """A dénonciation or résiliation ends the contract early: nothing later remains awaited."""
    termination = state.termination
    if termination is None:
        return items
    last_day = termination.ends_on
    kept = [item for item in items if item.day <= last_day or item.done_on is not None]
    if state.pending_prorogation is not None:
        # The request no longer awaits an answer, which would be refused, and silence acquires
        # nothing: the workflow plans no acceptance once the end is notified (found by probing:
        # the agenda still said the prorogation would be acquired, and asked for an answer).
        for item in kept:
            if item.kind in _PENDING_REQUEST_KINDS and item.done_on is None:
                item.awaited = item.obligation = False
                item.action = item.waiting_for = None
                item.opens_on = item.silence_on = None
                item.on_silence = Silence.NONE
                item.consequence = (
                    f"{MOOT}{end_notified(termination)} ; la prorogation ne peut plus être acquise"
                )
    ended = state.phase in ENDED
    if ended:
        # Ended, the contract takes no decision: what it left undone stays as it was (missed,
        # or not come), no longer a task nor an obligation that makes it late (found by
        # probing: a résiliée contract kept its tasks and stayed « en retard »).
        for item in kept:
            if item.done_on is None:
                item.action = item.waiting_for = None
                item.obligation = False
    kept.append(
        AgendaItem(
            key=f"fin:{last_day.isoformat()}",
            day=last_day,
            kind=AgendaKind.EARLY_END,
            label=f"{KIND_LABELS[AgendaKind.EARLY_END]} ({PHASE_LABELS[termination.phase]})",
            hard=True,
            basis=_early_end_basis(state, termination),
            done_on=last_day if ended else None,
            consequence="dernier jour d'application du contrat",
        )
    )
    rules = state.terms.rules
    if (
        termination.phase is Phase.DENONCEE
        and rules.budget_regime is BudgetRegime.EPRD
        and state.calendar_law >= 2
    ):
        # Out of the contract, the ESMS returns to the annual contradictory procedure.
        proposals, accounts = after_contradictory_return(state.terms, last_day)
        kept.append(
            _item(
                proposals,
                f"retour_contradictoire:{last_day.isoformat()}",
                consequence="le contrat dénoncé, le budget de l'établissement est de nouveau "
                "fixé chaque année par la procédure contradictoire",
            )
        )
        kept.append(
            _item(
                accounts,
                f"retour_contradictoire:ca:{last_day.isoformat()}",
                consequence="hors CPOM, le compte administratif remplace l'ERRD",
            )
        )
    return kept


def _early_end_basis(state: ContractState, termination: Termination) -> Basis:
    """A dénonciation ends after its préavis, counted as every delay from an event; a
    résiliation on its day."""
    rules = state.terms.rules
    if termination.phase is Phase.DENONCEE:
        rule = f"{termination.reason} ; {MONTHS_COUNT}"
        law = legal.cite(legal.denonciation_clause(rules), legal.CPC_MONTHS)
        if state.calendar_law < 2:
            rule, law = termination.reason, legal.denonciation_clause(rules)
    else:
        rule, law = termination.reason, legal.denonciation_clause(rules)
    return Basis(rule, "décision enregistrée", termination.notified_on, law=law)


# The annual cycle an imported contract may declare up to date; a prorogation or a
# renegotiation is a decision of its own, recorded as such.
DECLARABLE_KINDS = frozenset(
    {
        MilestoneKind.ANNUAL_DOCUMENTS_DUE.value,
        MilestoneKind.DIALOGUE_DE_GESTION.value,
        MilestoneKind.BUDGET_FORECAST_DUE.value,
        MilestoneKind.TARIFICATION_DUE.value,
        MilestoneKind.SUBSIDY_AVENANT_DUE.value,
        AgendaKind.RELEVE_APPROVAL.value,
        AgendaKind.DOCUMENTS_REVIEW.value,
    }
)


def _declare_done_before_import(state: ContractState, items: list[AgendaItem]) -> None:
    """What an imported contract declares done before its import counts as done."""
    declared = state.declared_up_to_date_on
    if declared is None:
        return
    for item in items:
        if item.kind in DECLARABLE_KINDS and item.done_on is None and item.day <= declared:
            item.done_on, item.done_by = item.day, None
            item.outcome = f"déclaré fait à l'import (à jour au {fr(declared)})"


def at_risk(state: ContractState, today: date) -> str | None:
    """Why the contract may end with nothing to follow it, in French, or None."""
    if state.phase in ENDED or state.phase in PRE_SIGNATURE or state.termination is not None:
        return None
    if state.pending_prorogation is not None or state.successor_reference is not None:
        return None
    terms = state.terms
    echeance = terms.current_echeance
    renegotiation = add_months(echeance, -terms.rules.renegotiation_start_months)
    if today <= renegotiation:
        return None
    return (
        f"échéance le {fr(echeance)} sans prorogation ni nouveau CPOM engagé : la négociation "
        f"devait s'ouvrir au plus tard le {fr(renegotiation)}"
    )


def missed_on_import(state: ContractState, today: date) -> list[AgendaItem]:
    """Obligations of an imported contract that fell due before its import, not declared done
    (only a step of a day before `today` can be missed on `today`)."""
    return missed_obligations(live_agenda(state, monthly=False, before=today), today)


__all__ = [
    "DOCUMENTS_REVIEW_DAYS",
    "FACT_KINDS",
    "KIND_LABELS",
    "NOT_DEADLINE_KINDS",
    "PARTY_LABELS",
    "SILENCE_MEANS",
    "STATUS_LABELS",
    "AgendaItem",
    "AgendaKind",
    "Status",
    "at_risk",
    "fr",
    "is_deadline",
    "live_agenda",
    "missed_obligations",
    "missed_on_import",
    "nature",
    "nature_of",
    "next_deadline",
    "overdue_since",
    "status_of",
    "status_on",
]
