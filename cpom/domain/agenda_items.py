"""What one step of a contract's agenda is, and how a reader reads it on a given day.

Items hold facts, never a status: `status_on(item, today)` reads them on a given day, so that a
reader whose clock moved past a deadline sees it missed even before the workflow wakes up.
`cpom.domain.live_agenda` builds the items from the contract's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cpom.domain.date_law import Basis
from cpom.domain.lifecycle import Party
from cpom.domain.milestones import LABELS, ROUTINE_KINDS, MilestoneKind
from cpom.domain.terms import Silence


class Status(StrEnum):
    DONE = "done"
    PENDING = "pending"
    MISSED = "missed"
    UPCOMING = "upcoming"


STATUS_LABELS = {
    Status.DONE: "fait",
    Status.PENDING: "en attente",
    Status.MISSED: "manqué",
    Status.UPCOMING: "à venir",
}


class AgendaKind(StrEnum):
    """Steps the calendar alone does not know: they come from decisions taken."""

    RELEVE_APPROVAL = "releve_approval"
    DOCUMENTS_REVIEW = "documents_review"
    AVENANT_SIGNATURE = "avenant_signature"
    DENONCIATION_ANSWER = "denonciation_answer"
    EARLY_END = "early_end"
    AUTHORISATION_RECEIVED = "authorisation_received"
    AUTHORISATION_ANSWER = "authorisation_answer"
    AUTHORISATION_SILENCE = "authorisation_silence"
    SIGNATORY_ANSWER = "signatory_answer"
    ACTION_DUE = "action_due"


KIND_LABELS: dict[str, str] = {
    **{kind.value: label for kind, label in LABELS.items()},
    AgendaKind.RELEVE_APPROVAL: "Approbation du relevé de décisions",
    AgendaKind.DOCUMENTS_REVIEW: "Examen des documents annuels reçus",
    AgendaKind.AVENANT_SIGNATURE: "Signature de l'avenant de prorogation",
    AgendaKind.DENONCIATION_ANSWER: "Réponse à la proposition de dénonciation d'un commun accord",
    AgendaKind.EARLY_END: "Fin anticipée du contrat",
    AgendaKind.AUTHORISATION_RECEIVED: "Réception de la demande d'autorisation",
    AgendaKind.AUTHORISATION_ANSWER: "Décision sur la demande d'autorisation",
    AgendaKind.AUTHORISATION_SILENCE: "Décision implicite sur la demande d'autorisation",
    AgendaKind.SIGNATORY_ANSWER: "Réponse à la demande de prorogation",
    AgendaKind.ACTION_DUE: "Échéance de l'action",
}

# Dates that record what happened; they are never "the next deadline".
FACT_KINDS = frozenset(
    {
        MilestoneKind.SIGNATURE.value,
        MilestoneKind.EFFET.value,
        MilestoneKind.PROROGATION_NOTICE_RECEIVED.value,
        MilestoneKind.PROROGATION_ACCEPTED.value,
        MilestoneKind.TACIT_ACCEPTANCE.value,
    }
)


@dataclass(slots=True)
class AgendaItem:
    """One dated step: what it is, why this date, and the facts of its fulfilment.

    `awaited` steps wait for someone (`waiting_for`, or either party when None) until `day`
    included, from `opens_on`; `action` is the decision that fulfils one, when a person's inbox
    should list it. An `obligation` left undone past its day makes the contract late.
    """

    key: str
    day: date
    kind: str
    label: str
    hard: bool
    basis: Basis
    on_silence: Silence = Silence.NONE
    contract_year: int | None = None
    exercise: int | None = None
    awaited: bool = False
    obligation: bool = False
    waiting_for: Party | None = None
    action: str | None = None
    opens_on: date | None = None
    done_on: date | None = None
    done_by: str | None = None
    outcome: str | None = None
    silence_on: date | None = None
    consequence: str | None = None


# What silence then means, as pages say it: « le silence vaut accord », « … vaut rejet ».
SILENCE_MEANS = {Silence.ACCEPT: "accord", Silence.REJECT: "rejet", Silence.NONE: ""}


def status_on(item: AgendaItem, today: date) -> Status:
    """The item's status on `today`: a deadline lasts until the end of its day."""
    return status_of(item.day, item.awaited, item.opens_on, item.done_on, today)


def status_of(
    day: date, awaited: bool, opens_on: date | None, done_on: date | None, today: date
) -> Status:
    """`status_on` from the facts alone, for readers that hold them as plain rows."""
    if done_on is not None:
        return Status.DONE
    if not awaited:
        return Status.DONE if day < today else Status.UPCOMING
    if today > day:
        return Status.MISSED
    if opens_on is None or opens_on <= today:
        return Status.PENDING
    return Status.UPCOMING


def nature(item: AgendaItem) -> str:
    """What the date is, in French: a legal deadline to meet, a target, or a date to know."""
    return nature_of(item.hard, item.awaited)


def nature_of(hard: bool, awaited: bool) -> str:
    if not hard:
        return "cible"
    return "délai légal" if awaited else "date"


# Kinds never shown as a contract's next deadline: facts, payments and monthly reports.
NOT_DEADLINE_KINDS = FACT_KINDS | {kind.value for kind in ROUTINE_KINDS}


# How the consequence of a step begins when a notified end made it moot (a pending request's
# reply deadline once the contract is denounced: `live_agenda`).
MOOT = "sans objet : "


def is_moot(item: AgendaItem) -> bool:
    return (item.consequence or "").startswith(MOOT)


def is_deadline(item: AgendaItem, *, moot_counts: bool = False) -> bool:
    """A legal date still to come or to meet, as lists show the next one; not a step a notified
    end made moot (found by probing: a denounced contract listed the reply deadline of its
    pending request), unless `moot_counts`, as runs recorded before counted it."""
    return (
        item.hard
        and item.kind not in NOT_DEADLINE_KINDS
        and item.done_on is None
        and (moot_counts or not is_moot(item))
    )


def next_deadline(
    items: list[AgendaItem], today: date, *, moot_counts: bool = False
) -> AgendaItem | None:
    """The earliest legal deadline still pending or to come: never a past date (what is late
    is `overdue_since`'s)."""
    candidates = [
        item for item in items if is_deadline(item, moot_counts=moot_counts) and item.day >= today
    ]
    return min(candidates, key=lambda item: (item.day, item.key), default=None)


def missed_obligations(items: list[AgendaItem], today: date) -> list[AgendaItem]:
    """The obligations missed on `today`, in the order of `items`."""
    return [item for item in items if item.obligation and status_on(item, today) is Status.MISSED]


def overdue_since(items: list[AgendaItem], today: date) -> AgendaItem | None:
    """The earliest obligation missed on `today`, if any."""
    missed = missed_obligations(items, today)
    return min(missed, key=lambda item: (item.day, item.key), default=None)


@dataclass(frozen=True)
class AgendaSummary:
    """What a list of contracts says of one contract's agenda: its next deadline, its lateness."""

    next_deadline: date | None = None
    next_deadline_kind: str | None = None
    next_deadline_label: str | None = None
    overdue_since: date | None = None
    overdue_label: str | None = None


def summary_of(items: list[AgendaItem], today: date, *, moot_counts: bool = False) -> AgendaSummary:
    upcoming = next_deadline(items, today, moot_counts=moot_counts)
    late = overdue_since(items, today)
    return AgendaSummary(
        next_deadline=upcoming.day if upcoming else None,
        next_deadline_kind=upcoming.kind if upcoming else None,
        next_deadline_label=upcoming.label if upcoming else None,
        overdue_since=late.day if late else None,
        overdue_label=late.label if late else None,
    )
