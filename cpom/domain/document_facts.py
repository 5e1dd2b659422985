"""What a document states beyond the facts of its notice, read from the contract's journal: who
asked for a prorogation, which signatories accepted it expressly and when, what an avenant
agreed, who approved a relevé de décisions and when.

The journal's events that say so are carried from one run to the next (`JOURNAL_ONLY` leaves
them), so a document generated years after its decision still finds them. A contract imported
with its prorogations has no such events: its documents then say only what the terms say.

Lists are one item a line, each `who=JJ/MM/AAAA`, `who` being a signing authority's key, or
`autorite` or `gestionnaire` where the contract has a single authority.
"""

from __future__ import annotations

from cpom.domain.clock import fr
from cpom.domain.lifecycle import PARTY_OF, Event, Party
from cpom.domain.terms import Prorogation

# Who gave the express answer that completed the accord: its day is the prorogation's own.
_LAST = "last_accepted_by"


def _fr(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def _requested_by(event: Event) -> str:
    """The party that asked, or the signing authority that asked among several; the events
    written before the party was recorded say it in words."""
    party = event.details.get("authority") or event.details.get("requested_by")
    if party:
        return party
    asked_by_authority = event.summary.startswith(
        f"demande de prorogation {PARTY_OF[Party.AUTORITE]}"
    )
    return (Party.AUTORITE if asked_by_authority else Party.GESTIONNAIRE).value


def prorogation_facts(events: list[Event]) -> dict[str, dict[str, str]]:
    """What the journal says of each prorogation, by the day its request was received (ISO):
    who asked, the last day of the reply window, each express acceptance; by the day of
    signature (ISO), what each avenant that moved the échéance agreed."""
    facts: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    accepted: list[str] = []
    for event in events:
        details = event.details
        if event.kind == "prorogation_requested":
            accepted = []
            current = {
                "requested_by": _requested_by(event),
                "reply_deadline": _fr(details["reply_deadline"]),
            }
            facts[details["received_on"]] = current
        elif event.kind == "prorogation_accepted_by_signatory":
            # The gestionnaire agreeing to one authority's notice names no authority.
            who = details.get("authority") or details["answered_by"]
            accepted.append(f"{who}={_fr(details['received_on'])}")
            current["accepted_by"] = "\n".join(accepted)
        elif event.kind == "prorogation_accepted" and details.get("tacit") == "false":
            current[_LAST] = details.get("authority") or details.get("answered_by", "")
        elif event.kind == "avenant_signed" and "new_echeance" in details:
            facts[details["signed_on"]] = {
                "signed_on": _fr(details["signed_on"]),
                "summary": details.get("summary", ""),
            }
    return facts


def for_prorogation(journal: dict[str, dict[str, str]], prorogation: Prorogation) -> dict[str, str]:
    """The facts of one accepted prorogation that its documents add to its notice's."""
    facts = dict(journal.get(prorogation.notice_received_on.isoformat(), {}))
    last = facts.pop(_LAST, "")
    if last:
        accepted = [*filter(None, facts.get("accepted_by", "").split("\n"))]
        facts["accepted_by"] = "\n".join([*accepted, f"{last}={fr(prorogation.accepted_on)}"])
    return facts


def approval_facts(events: list[Event]) -> dict[str, str]:
    """Who approved each relevé de décisions and the day it was recorded, by the day its
    dialogue de gestion was held (ISO)."""
    approvals: dict[str, list[str]] = {}
    held_on = ""
    for event in events:
        if event.kind == "dialogue_recorded":
            held_on = event.details["held_on"]
            approvals[held_on] = []
        elif event.kind == "releve_approved":
            who = event.details.get("authority") or event.details["party"]
            approvals.setdefault(held_on, []).append(f"{who}={fr(event.on)}")
    return {day: "\n".join(lines) for day, lines in approvals.items()}
