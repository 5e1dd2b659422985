"""What is waiting for someone: the open steps of the live agendas, by deadline.

An agent sees what the authority must do, a gestionnaire what it must do on its own contracts,
a supervisor both. Each task names the contract, the decision that fulfils it, its deadline and
what doing nothing means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, SQLColumnExpression, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from cpom import tenancy
from cpom.access import Principal, Role
from cpom.db.models import AgendaRecord, ContractRecord
from cpom.db.projection import item_from_record
from cpom.domain.lifecycle import PARTY_OF, Party
from cpom.domain.live_agenda import SILENCE_MEANS, Status, status_on

TITLES = {
    "validate_cadrage": "Valider la lettre de cadrage",
    "validate_diagnostic": "Valider le diagnostic partagé",
    "sign": "Signer le contrat",
    "submit_documents": "Transmettre les documents annuels",
    "review_documents": "Examiner les documents annuels reçus",
    "record_tarification": "Enregistrer l'arrêté de tarification de l'exercice",
    "record_dialogue": "Tenir et enregistrer le dialogue de gestion",
    "approve_releve": "Approuver le relevé de décisions",
    "answer_prorogation": "Répondre à la demande de prorogation",
    "answer_denonciation": "Répondre à la proposition de dénonciation d'un commun accord",
    "sign_avenant": "Signer l'avenant de prorogation",
    "open_renegotiation": "Ouvrir la négociation d'un nouveau CPOM",
    "answer_authorisation": "Se prononcer sur la demande d'autorisation du gestionnaire",
}


@dataclass
class Task:
    reference: str
    gestionnaire: str
    key: str
    action: str
    title: str
    detail: str
    deadline: date
    status: Status
    waiting_for: Party
    consequence: str
    silence_on: date | None = None
    risk: str | None = None
    # What the silence of the party awaited means on `silence_on` (accord, rejet).
    silence_means: str = ""


def parties_of(principal: Principal) -> tuple[Party, ...]:
    if principal.role is Role.AGENT:
        return (Party.AUTORITE,)
    if principal.role is Role.GESTIONNAIRE:
        return (Party.GESTIONNAIRE,)
    return (Party.AUTORITE, Party.GESTIONNAIRE)


def _open_steps(principal: Principal, today: date) -> list[SQLColumnExpression[bool]]:
    conditions = [
        col(AgendaRecord.awaited),
        col(AgendaRecord.done_on).is_(None),
        col(AgendaRecord.action).is_not(None),
        col(AgendaRecord.waiting_for).in_([p.value for p in parties_of(principal)]),
        col(AgendaRecord.opens_on).is_(None) | (col(AgendaRecord.opens_on) <= today),
    ]
    return [*conditions, *tenancy.conditions_for(principal)]


def count_tasks(engine: Engine, principal: Principal, today: date) -> int:
    query = (
        select(func.count())
        .select_from(AgendaRecord)
        .join(ContractRecord)
        .where(*_open_steps(principal, today))
    )
    with Session(engine) as session:
        return session.exec(query).one()


def tasks_query(principal: Principal, today: date) -> Select[AgendaRecord, str, str | None]:
    """The open steps awaiting `principal`, nearest first (read from `ix_agenda_open_steps`)."""
    return (
        select(AgendaRecord, col(ContractRecord.gestionnaire), col(ContractRecord.risk))
        .join(ContractRecord)
        .where(*_open_steps(principal, today))
        .order_by(col(AgendaRecord.day), col(AgendaRecord.reference), col(AgendaRecord.key))
    )


def list_tasks(
    engine: Engine, principal: Principal, today: date, *, page: int = 1, per_page: int = 50
) -> tuple[int, list[Task]]:
    total = count_tasks(engine, principal, today)
    query = tasks_query(principal, today).offset((page - 1) * per_page).limit(per_page)
    with Session(engine) as session:
        rows = session.exec(query).all()
    tasks = []
    for row, gestionnaire, risk in rows:
        item = item_from_record(row)
        assert item.action is not None  # by the query
        assert item.waiting_for is not None
        tasks.append(
            Task(
                reference=row.reference,
                gestionnaire=gestionnaire,
                key=item.key,
                action=item.action,
                title=TITLES.get(item.action, item.label),
                detail=f"{item.label} — attendu {PARTY_OF[item.waiting_for]}",
                deadline=item.day,
                status=status_on(item, today),
                waiting_for=item.waiting_for,
                consequence=item.consequence or "",
                silence_on=item.silence_on,
                silence_means=SILENCE_MEANS[item.on_silence],
                risk=risk if item.action == "open_renegotiation" else None,
            )
        )
    return total, tasks
