"""Every notice and document kind of a contract rendered into a folder, for an authority to
review its wording (its own templates included) before a real contract sends them.

The facts are made up from the contract's own dates, as the workflow would state them: a preview
shows how each letter reads, not a real decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cpom.db.objectives_store import ObjectiveSet
from cpom.domain.agenda import DocumentKind, NoticeKind
from cpom.domain.date_law import add_months
from cpom.domain.lifecycle import Phase
from cpom.domain.objectives import DECISION_LABELS, Decision, Objective
from cpom.domain.terms import ContractTerms
from cpom.objectives_view import objectives_payload
from cpom.rendering import Renderer


@dataclass(frozen=True)
class Rendered:
    """One file written: its name and what it is."""

    name: str
    label: str


def _fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def sample_facts(terms: ContractTerms) -> dict[str, str]:
    """Facts of every kind at once, dated from the contract's calendar: each template takes the
    ones it names."""
    first = terms.effet.year
    echeance = terms.current_echeance
    new_echeance = min(terms.echeance_max, add_months(echeance, 12))
    received = add_months(echeance, -8)
    reply = add_months(received, 2)
    return {
        "exercise": str(first),
        "due": f"30/04/{first + 1}",
        "days": "30",
        "missing": "rapport d'activité, compte administratif",
        "relance": f"01/05/{first + 1}",
        "contract_year": "2",
        "target": f"30/06/{first + 2}",
        "target_date": _fr(terms.effet),
        "phase": Phase.NEGOCIATION.value,
        "held_on": f"15/10/{first + 1}",
        "participants": "Mme Durand (autorité)\nM. Martin (gestionnaire)",
        "decisions": "Objectifs maintenus\nBilan intermédiaire en octobre",
        "basis": "date cible, paramètre du contrat",
        "received_on": _fr(received),
        "notice_received_on": _fr(received),
        "reply_deadline": _fr(reply),
        "silence_on": _fr(add_months(received, 2)),
        "accepted_on": _fr(add_months(received, 2)),
        "requested_by": "gestionnaire",
        "requested_echeance": _fr(new_echeance),
        "previous_echeance": _fr(echeance),
        "new_echeance": _fr(new_echeance),
        "echeance": _fr(echeance),
        "echeance_max": _fr(terms.echeance_max),
        "notice_deadline": _fr(add_months(echeance, -terms.rules.prorogation_notice_months)),
        "tacit": "oui",
        "on_silence": "reject",
        "request_id": _fr(received),
        "subject": "ouverture d'un accueil de jour",
        "action_id": "1.1",
        "title": "Organiser les interventions en binôme",
        "opened_on": _fr(add_months(echeance, -6)),
        "successor": f"{terms.reference}-2",
        "reason": "liquidation judiciaire",
        "ends_on": _fr(add_months(echeance, -3)),
        "ended_on": _fr(echeance),
        "summary": "prorogation d'un an",
    }


# Where one word means another thing for one kind: the phase a reminder targets.
_OWN_FACTS: dict[NoticeKind, dict[str, str]] = {
    NoticeKind.PHASE_TARGET_REMINDER: {"target": "signature du contrat"},
}


def _objectives_extra(objectives: tuple[Objective, ...], terms: ContractTerms) -> dict[str, Any]:
    adopted = ObjectiveSet(1, terms.effet, "termes du contrat", objectives)
    return {
        "objectives": objectives_payload(adopted, [], terms.current_echeance.year)
        if objectives
        else None
    }


def _decisions_extra(objectives: tuple[Objective, ...]) -> dict[str, Any]:
    return {
        "objective_decisions": [
            {
                "objective": f"Objectif {o.id} : {o.title}",
                "decision": DECISION_LABELS[Decision.MAINTAINED],
                "reasons": "",
            }
            for o in objectives
        ]
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
    facts = sample_facts(terms)
    day = terms.effet
    written: list[Rendered] = []
    for kind, render in _every_kind(renderer, terms, objectives, facts, day):
        if on_progress:
            on_progress(kind)
        for name, content, label in render():
            path = folder / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            written.append(Rendered(name, label))
    return written


_Output = list[tuple[str, str | bytes, str]]


def _every_kind(
    renderer: Renderer,
    terms: ContractTerms,
    objectives: tuple[Objective, ...],
    facts: dict[str, str],
    day: date,
) -> Iterator[tuple[str, Callable[[], _Output]]]:
    for notice in NoticeKind:

        def render_notice(kind: NoticeKind = notice) -> _Output:
            extra = (
                _objectives_extra(objectives, terms)
                if kind is NoticeKind.DIALOGUE_CONVOCATION
                else {}
            )
            rendered = renderer.notice(
                kind, terms, {**facts, **_OWN_FACTS.get(kind, {})}, day, extra
            )
            label = f"avis « {rendered.subject} »"
            return [
                (f"avis-{kind.value}.txt", rendered.text, label),
                (f"avis-{kind.value}.html", rendered.html, label),
            ]

        yield notice.value, render_notice
    for document in DocumentKind:

        def render_document(kind: DocumentKind = document) -> _Output:
            extra = _decisions_extra(objectives) if kind is DocumentKind.RELEVE_DE_DECISIONS else {}
            rendered = renderer.document(kind, terms, facts, day, extra)
            return [
                (f"document-{kind.value}.pdf", rendered.pdf, rendered.title),
                (f"document-{kind.value}.html", rendered.html, rendered.title),
            ]

        yield document.value, render_document
