"""Every notice and document kind of a contract rendered into a folder, for an authority to
review its wording (its own templates included) before a real contract sends them.

The facts are made up from the contract's own dates, as the workflow would state them: a preview
shows how each letter reads, not a real decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from cpom.db.objectives_store import ObjectiveSet
from cpom.domain.agenda import DocumentKind, NoticeKind
from cpom.domain.calendar import reply_window
from cpom.domain.clock import fr
from cpom.domain.date_law import add_months
from cpom.domain.lifecycle import Phase
from cpom.domain.objectives import Decision, Objective, ObjectiveDecision
from cpom.domain.terms import ContractTerms
from cpom.notice_parties import PARTIES
from cpom.rendering import RenderedNotice, Renderer
from cpom.substance_context import convocation_context, objective_decision_lines


@dataclass(frozen=True)
class Rendered:
    """One file written: its name and what it is."""

    name: str
    label: str


def _sample_prorogation(terms: ContractTerms) -> tuple[date, date, date]:
    """A prorogation notice of the samples: received two months before its deadline (6 or 12
    months before the échéance, as the contract says: found by probing, a notice of a 12-month
    contract was received after its deadline, with no reply window), the last day of its reply
    window (counted as the law counts it: the preview said « rejetée depuis » that very day),
    and the day its silence means an answer."""
    echeance = terms.current_echeance
    received = add_months(echeance, -terms.rules.prorogation_notice_months - 2)
    window = reply_window(terms, received, echeance).deadline
    assert window is not None, "a notice received before its deadline opens a reply window"
    return received, window.day, window.day + timedelta(days=1)


def sample_facts(terms: ContractTerms) -> dict[str, str]:
    """Facts of every kind at once, dated from the contract's calendar: each template takes the
    ones it names."""
    first = terms.effet.year
    echeance = terms.current_echeance
    new_echeance = min(terms.echeance_max, add_months(echeance, 12))
    received, reply, acquired = _sample_prorogation(terms)
    return {
        "exercise": str(first),
        "due": f"30/04/{first + 1}",
        "days": "30",
        "missing": "rapport d'activité, compte administratif",
        "relance": f"01/05/{first + 1}",
        "contract_year": "2",
        "target": f"30/06/{first + 2}",
        "target_date": fr(terms.effet),
        "phase": Phase.NEGOCIATION.value,
        "held_on": f"15/10/{first + 1}",
        "participants": "Mme Durand (autorité)\nM. Martin (gestionnaire)",
        "decisions": "Objectifs maintenus\nBilan intermédiaire en octobre",
        "basis": "date cible, paramètre du contrat",
        "received_on": fr(received),
        "notice_received_on": fr(received),
        "reply_deadline": fr(reply),
        # Silence means its answer the day after the window's last day, as the workflow says.
        "silence_on": fr(acquired),
        "accepted_on": fr(acquired),
        "requested_by": "gestionnaire",
        "requested_echeance": fr(new_echeance),
        "previous_echeance": fr(echeance),
        "new_echeance": fr(new_echeance),
        "echeance": fr(echeance),
        "echeance_max": fr(terms.echeance_max),
        "notice_deadline": fr(add_months(echeance, -terms.rules.prorogation_notice_months)),
        "tacit": "oui",
        "on_silence": "reject",
        "request_id": f"{received.isoformat()}-1",
        "subject": "ouverture d'un accueil de jour",
        "action_id": "1.1",
        "title": "Organiser les interventions en binôme",
        "opened_on": fr(add_months(echeance, -6)),
        "successor": f"{terms.reference}-2",
        "reason": "liquidation judiciaire",
        "ends_on": fr(add_months(echeance, -3)),
        "ended_on": fr(echeance),
        "summary": "prorogation d'un an",
    }


# Where one word means another thing for one kind: the phase a reminder targets.
_OWN_FACTS: dict[NoticeKind, dict[str, str]] = {
    NoticeKind.PHASE_TARGET_REMINDER: {"target": "signature du contrat"},
}


def issue_days(terms: ContractTerms) -> dict[NoticeKind | DocumentKind, date]:
    """The day a notice or document of the sample facts would be issued, where it is not the
    contract's first day: the prorogation's on the day after the reply window, the relevé on
    the day of its meeting."""
    received, _, acquired = _sample_prorogation(terms)
    return {
        NoticeKind.PROROGATION_REQUESTED: received,
        NoticeKind.PROROGATION_ACCEPTED: acquired,
        DocumentKind.AVENANT_PROROGATION: acquired,
        DocumentKind.ATTESTATION_ACCEPTATION_TACITE: acquired,
        DocumentKind.RELEVE_DE_DECISIONS: date(terms.effet.year + 1, 10, 15),
    }


def preview(
    renderer: Renderer,
    terms: ContractTerms,
    objectives: tuple[Objective, ...],
    folder: Path,
    on_progress: Callable[[str], None] | None = None,
) -> list[Rendered]:
    """Write every notice (`.txt` and `.html`) and every document (`.pdf` and `.html`) of the
    contract into `folder`; what was written, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Rendered] = []
    for name, content, label in every_kind(renderer, terms, objectives, on_progress):
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(Rendered(name, label))
    return written


# Whom a notice written for one party is for, as a preview's list says it.
PARTY_LABELS = {
    "gestionnaire": "pour l'organisme gestionnaire",
    "autorite": "pour l'autorité",
    "superviseur": "pour le superviseur",
}


def every_kind(
    renderer: Renderer,
    terms: ContractTerms,
    objectives: tuple[Objective, ...],
    on_progress: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, str | bytes, str]]:
    """Each file to write (name, content, what it is), kind after kind, said before each. A
    notice that says each party something of its own (`avis-<kind>-<party>`) is written once
    per party, any other once (`avis-<kind>`)."""
    facts = sample_facts(terms)
    issued = issue_days(terms)
    adopted = ObjectiveSet(1, terms.effet, "termes du contrat", objectives)
    convocation = convocation_context(adopted if objectives else None, [], terms)
    maintained = [ObjectiveDecision(o.id, Decision.MAINTAINED) for o in objectives]
    releve = objective_decision_lines(objectives, maintained)
    for notice in NoticeKind:
        if on_progress:
            on_progress(notice.value)
        extra = convocation if notice is NoticeKind.DIALOGUE_CONVOCATION else {}
        own = {**facts, **_OWN_FACTS.get(notice, {})}
        by_party = {
            party: renderer.notice(
                notice, terms, own, issued.get(notice, terms.effet), {**extra, "party": party}
            )
            for party in PARTIES
        }
        if _all_alike(list(by_party.values())):
            by_party = {"": by_party[PARTIES[0]]}
        for party, rendered in by_party.items():
            name = f"avis-{notice.value}-{party}" if party else f"avis-{notice.value}"
            label = f"avis « {rendered.subject} »"
            if party:
                label += f" {PARTY_LABELS[party]}"
            yield f"{name}.txt", rendered.text, label
            yield f"{name}.html", rendered.html, label
    for document in DocumentKind:
        if on_progress:
            on_progress(document.value)
        extra = releve if document is DocumentKind.RELEVE_DE_DECISIONS else {}
        printed = renderer.document(
            document, terms, facts, issued.get(document, terms.effet), extra
        )
        yield f"document-{document.value}.pdf", printed.pdf, printed.title
        yield f"document-{document.value}.html", printed.html, printed.title


def _all_alike(notices: list[RenderedNotice]) -> bool:
    return all((n.text, n.html) == (notices[0].text, notices[0].html) for n in notices)
