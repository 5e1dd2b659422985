"""Where a notice stands, in French, for everyone who reads the notices of a contract.

The raw error of the mail server stays in the outbox (`last_error`) and the worker's logs; readers
only see what happened in words they know.
"""

from __future__ import annotations

from datetime import datetime

from cpom.db.models import NoticeRecord
from cpom.domain.clock import fr_moment, in_paris

REASONS = {
    "unreachable": "serveur de messagerie injoignable",
    "timeout": "le serveur de messagerie n'a pas répondu à temps",
    "disconnected": "connexion au serveur de messagerie interrompue",
    "authentication": "identifiants refusés par le serveur de messagerie",
    "recipients_refused": "adresse du destinataire refusée par le serveur de messagerie",
    "sender_refused": "adresse de l'expéditeur refusée par le serveur de messagerie",
    "rejected": "message refusé par le serveur de messagerie",
    "smtp_error": "erreur du serveur de messagerie",
}


def failure_reason(kind: str | None) -> str:
    return REASONS.get(kind or "", "erreur lors de l'envoi")


def _at(instant: datetime, now: datetime) -> str:
    said = fr_moment(instant)  # « 02/05/2028 à 10 h 03 »
    if in_paris(instant).date() == in_paris(now).date():
        return said.partition(" ")[2]  # « à 10 h 03 »
    return f"le {said}"


def notice_status(record: NoticeRecord, now: datetime) -> str:
    """« envoyé le 02/05/2028 à 10 h 03, accepté par le serveur de messagerie », « en attente
    d'envoi, nouvel essai à 10 h 05 ;
    dernier essai en échec : serveur de messagerie injoignable »…"""
    if record.status == "sent" and record.sent_at is not None:
        said = f"envoyé le {fr_moment(record.sent_at)}"
        # The server's own line stays in the record, as proof: readers get what it means.
        if (record.smtp_response or "").startswith("2"):
            said += ", accepté par le serveur de messagerie"
        return said
    if record.status == "no_recipient":
        return "non envoyé : aucune adresse électronique connue pour ses destinataires"
    if record.claimed_until is not None and record.claimed_until > now:
        return "en cours d'envoi"
    if record.status != "failed_attempt":
        return "en attente d'envoi"
    retry = record.next_attempt_at
    when = f"nouvel essai {_at(retry, now)}" if retry and retry > now else "nouvel essai imminent"
    return f"en attente d'envoi, {when} ; dernier essai en échec : {failure_reason(record.failure)}"
